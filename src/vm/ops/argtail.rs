//! The arguments of a builtin call moved off the value stack into a small
//! array on the Rust stack: no heap buffer, no `SmallVec` bookkeeping, and
//! only the slots in use are touched (a `SmallVec<[Value; 8]>` returned by
//! value is a 136-byte copy, and its drop checks for a spill).

use std::mem::MaybeUninit;

use super::{read_words, write_words};
use crate::objects::function::Args;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

/// Calls with up to this many arguments (a bound `self` included) use an
/// inline array; longer ones the `ArgBuf` of `take_tail_small`.
const INLINE: usize = 6;

impl Vm {
    /// Call `f` with the values `stack[start..]` as positional arguments
    /// after `first` (a bound builtin's `self`), moved off the stack first
    /// (which is cut to `start`); they are dropped after the call.
    #[inline(always)]
    pub(crate) fn call_with_tail(
        &mut self,
        start: usize,
        first: Option<Value>,
        f: impl FnOnce(&mut Vm, Args) -> PyResult<Value>,
    ) -> PyResult<Value> {
        let len = self.stack.len();
        let start = start.min(len);
        let n = len - start;
        let k = usize::from(first.is_some());
        if n + k > INLINE {
            let args = super::take_tail_small(&mut self.stack, start, first);
            return f(self, Args::new(&args));
        }
        // Built in place here (not returned from a helper: that copies the
        // whole array) and dropped by hand below (a `Drop` type costs an
        // out-of-line drop-glue call). A panic in `f` leaks the values,
        // which is sound.
        let mut buf: [MaybeUninit<Value>; INLINE] = [const { MaybeUninit::uninit() }; INLINE];
        let total = n + k;
        if let Some(v) = first {
            buf[0].write(v);
        }
        // SAFETY: slots `start..len` of the stack hold values; they move
        // into slots `k..total` of `buf` (`total <= INLINE`, checked above)
        // and the stack's length is cut to `start`, so each value has one
        // owner. Slots `0..total` of `buf` are then initialised, and
        // `MaybeUninit<Value>` has the layout of `Value`, so they form a
        // valid slice.
        let args = unsafe {
            let src = self.stack.as_ptr().add(start);
            let dst = buf.as_mut_ptr().cast::<Value>().add(k);
            for i in 0..n {
                write_words(dst.add(i), read_words(src.add(i)));
            }
            self.stack.set_len(start);
            std::slice::from_raw_parts(buf.as_ptr().cast::<Value>(), total)
        };
        let r = f(self, Args::new(args));
        for slot in buf.iter_mut().take(total) {
            // SAFETY: slots `0..total` hold the values moved in above,
            // owned by `buf` alone (`args` is no longer used); each is
            // dropped once, here.
            unsafe { slot.assume_init_drop() };
        }
        r
    }
}
