//! The instructions, by family. Each `op_*` is what one opcode does; the
//! eval loop in `interp.rs` only dispatches to them.

use super::value::Value;
use super::{PyResult, Vm};

mod argtail;
pub(crate) mod binary;
pub(crate) mod build;
pub(crate) mod cache;
mod call;
pub(crate) mod call_bind;
mod call_class;
mod call_dunder;
pub(crate) mod call_py;
pub(crate) mod call_spec;
mod exc;
mod gen;
mod ic_ref;
mod import;
pub(crate) mod jump;
mod load;
mod matching;
mod slice_subscr;

pub use cache::Ic;

/// Store a value into a slot as two word-sized stores, and read one back as
/// two word-sized loads. A value is built in registers (tag and payload
/// apart); letting the compiler copy it as one 16-byte vector load from a
/// spilled temporary stalls store forwarding (~12 cycles) on most pushes.
/// Volatile keeps the two halves from being merged back into one.
///
/// # Safety
/// `dst` must be valid for writing a `Value` (its old content is not
/// dropped).
#[inline(always)]
pub(crate) unsafe fn write_words(dst: *mut Value, v: Value) {
    let w = v.into_words();
    let p = dst.cast::<std::mem::MaybeUninit<u64>>();
    // SAFETY: `dst` is valid for 16 bytes (the caller's contract), aligned
    // for `Value` and so for u64.
    unsafe {
        p.write_volatile(w[0]);
        p.add(1).write_volatile(w[1]);
    }
}

/// Copy a `T` (a record holding values: a payload, a frame record) as
/// 8-byte words. A plain copy of such a record moves 16-byte blocks, which
/// stall store forwarding when its fields were just written one by one.
///
/// # Safety
/// `src` must be valid for reads and `dst` for writes of a `T`, not
/// overlapping; the copy is bitwise (the caller settles ownership).
#[inline(always)]
pub(crate) unsafe fn copy_words<T>(src: *const T, dst: *mut T) {
    const { assert!(std::mem::size_of::<T>().is_multiple_of(8)) };
    const { assert!(std::mem::align_of::<T>() == 8) };
    let s = src.cast::<std::mem::MaybeUninit<u64>>();
    let d = dst.cast::<std::mem::MaybeUninit<u64>>();
    for i in 0..std::mem::size_of::<T>() / 8 {
        // SAFETY: both are valid for `size_of::<T>()` bytes (the caller's
        // contract), 8-aligned and a whole number of words (asserted);
        // `MaybeUninit` words may hold the record's padding.
        unsafe { d.add(i).write_volatile(s.add(i).read_volatile()) };
    }
}

/// Swap two values word by word (`ptr::swap` moves 16-byte blocks, which
/// stall store forwarding when the values were just written as words).
///
/// # Safety
/// `a` and `b` must each hold a valid `Value` (they may be the same slot).
#[inline(always)]
pub(crate) unsafe fn swap_words(a: *mut Value, b: *mut Value) {
    // SAFETY: both hold values (the caller's contract); each is read out
    // and written to the other slot, so each value keeps one owner (for
    // `a == b` the same value is written back).
    unsafe {
        let va = read_words(a);
        let vb = read_words(b);
        write_words(a, vb);
        write_words(b, va);
    }
}

/// `write_words` for an optional value (`None` is a tag value of its own,
/// so an `Option<Value>` is a value's two words too).
///
/// # Safety
/// `dst` must be valid for writing an `Option<Value>` (its old content is
/// not dropped).
#[inline(always)]
pub(crate) unsafe fn write_opt_words(dst: *mut Option<Value>, v: Option<Value>) {
    // SAFETY: `transmute` checks that both are 16 bytes; `Words` may hold
    // any bits, and the value moves into them (no double drop).
    let w = unsafe { std::mem::transmute::<Option<Value>, super::value::Words>(v) };
    let p = dst.cast::<std::mem::MaybeUninit<u64>>();
    // SAFETY: `dst` is valid for 16 bytes (the caller's contract), aligned
    // for `Value` and so for u64.
    unsafe {
        p.write_volatile(w[0]);
        p.add(1).write_volatile(w[1]);
    }
}

/// # Safety
/// `src` must hold a valid `Value`, which the caller then owns (the slot
/// must not be dropped again).
#[inline(always)]
pub(crate) unsafe fn read_words(src: *const Value) -> Value {
    let p = src.cast::<std::mem::MaybeUninit<u64>>();
    // SAFETY: `src` holds a valid value (the caller's contract): its two
    // words read back form that value.
    unsafe { Value::from_words([p.read_volatile(), p.add(1).read_volatile()]) }
}

/// Move `stack[start..]` into `buf` (emptied first), word by word as
/// `write_words` explains; the stack is cut to `start`.
#[inline(always)]
pub(crate) fn move_tail(stack: &mut Vec<Value>, start: usize, buf: &mut Vec<Value>) {
    let len = stack.len();
    let start = start.min(len);
    let n = len - start;
    buf.clear();
    buf.reserve(n);
    // SAFETY: slots `start..len` of the stack hold values, moved into the
    // first `n` slots of the empty buffer, which has room for them
    // (reserved above); the stack's length is cut to `start` so each value
    // has one owner.
    unsafe {
        let src = stack.as_ptr().add(start);
        let dst = buf.as_mut_ptr();
        for i in 0..n {
            write_words(dst.add(i), read_words(src.add(i)));
        }
        stack.set_len(start);
        buf.set_len(n);
    }
}

/// Move the values `stack[start..]` into a small inline buffer after
/// `first` (the bound `self` of a builtin method), cutting the stack to
/// `start`: the arguments of a builtin call, with no heap buffer.
#[inline]
pub(crate) fn take_tail_small(
    stack: &mut Vec<Value>,
    start: usize,
    first: Option<Value>,
) -> crate::vm::call::ArgBuf {
    let len = stack.len();
    let start = start.min(len);
    let n = len - start;
    let mut buf = crate::vm::call::ArgBuf::new();
    buf.reserve(n + 1);
    if let Some(f) = first {
        buf.push(f);
    }
    let k = buf.len();
    // SAFETY: as `move_tail`: slots `start..len` of the stack hold values,
    // moved into slots `k..k + n` of the buffer, which has room for them
    // (reserved above); both lengths are set so each value has one owner.
    unsafe {
        let src = stack.as_ptr().add(start);
        let dst = buf.as_mut_ptr().add(k);
        for i in 0..n {
            write_words(dst.add(i), read_words(src.add(i)));
        }
        stack.set_len(start);
        buf.set_len(k + n);
    }
    buf
}

/// What the loop does after an instruction.
pub enum Flow {
    /// Go on with the next instruction.
    Next,
    /// Jump to a code unit.
    Jump(usize),
    /// The frame stack changed (a call or a return): re-read the top frame.
    Reload,
    /// The entry frame returned (`Return`) or yielded (`Yield`) the value
    /// left in `vm.exit_value` (so that `PyResult<Flow>` fits in registers).
    Return,
    Yield,
}

impl Vm {
    /// The value a RETURN_VALUE or YIELD_VALUE left for the loop's exit,
    /// taken word by word (`mem::take` copied it as one 16-byte block just
    /// after it was stored as words).
    #[inline(always)]
    pub(crate) fn take_exit_value(&mut self) -> Value {
        let p: *mut Value = &mut self.exit_value;
        // SAFETY: `p` points to the field, which holds a value; it moves
        // out and `Null` (no drop needed) takes its place.
        unsafe {
            let v = read_words(p);
            write_words(p, Value::Null);
            v
        }
    }

    /// Push onto the value stack. Written out rather than `Vec::push` so
    /// the value goes from registers straight to its slot (a spilled copy
    /// read back as one wide load stalls store forwarding on every push).
    #[inline(always)]
    pub(crate) fn push(&mut self, v: Value) {
        let len = self.stack.len();
        if len == self.stack.capacity() {
            self.grow_stack();
        }
        // SAFETY: `len < capacity` (ensured just above), so slot `len` is
        // allocated, uninitialised memory of the Vec; writing a value's two
        // words there and then setting the length to `len + 1` makes it the
        // new last element.
        unsafe {
            write_words(self.stack.as_mut_ptr().add(len), v);
            self.stack.set_len(len + 1);
        }
    }

    /// Extend the value stack with `Null` up to `new_len` (the unbound
    /// locals of a new frame); a shorter `new_len` cuts it, as
    /// `Vec::resize` would. Written out: `resize` is not inlined and costs
    /// a call and a generic loop per frame.
    #[inline(always)]
    pub(crate) fn fill_nulls_to(&mut self, new_len: usize) {
        let len = self.stack.len();
        if new_len == len {
            return;
        }
        if new_len < len {
            self.stack.truncate(new_len);
            return;
        }
        let n = new_len - len;
        self.stack.reserve(n);
        // SAFETY: `reserve` made room for `n` more values after `len`; each
        // of those slots is written with `Null` before the length is set
        // to cover them.
        unsafe {
            let p = self.stack.as_mut_ptr().add(len);
            for i in 0..n {
                p.add(i).write(Value::Null);
            }
            self.stack.set_len(new_len);
        }
    }

    #[cold]
    #[inline(never)]
    fn grow_stack(&mut self) {
        self.stack.reserve(1);
    }

    /// Pop the top of the value stack (`Null` on an empty stack, which only
    /// bad bytecode causes; the verifier rules it out).
    #[inline(always)]
    pub(crate) fn pop(&mut self) -> Value {
        let Some(len) = self.stack.len().checked_sub(1) else {
            return Value::Null;
        };
        // SAFETY: slot `len` (the last element) holds a value; the length
        // is cut first, so the value moves out exactly once.
        unsafe {
            self.stack.set_len(len);
            read_words(self.stack.as_ptr().add(len))
        }
    }

    /// Replace the top of the value stack (push on an empty stack, which
    /// only bad bytecode causes).
    #[inline(always)]
    pub(crate) fn set_top(&mut self, v: Value) {
        let Some(i) = self.stack.len().checked_sub(1) else {
            self.push(v);
            return;
        };
        // SAFETY: slot `i` holds a value: it is moved out (and dropped
        // after the new one is in place) and the slot overwritten, so each
        // value keeps one owner.
        let old = unsafe {
            let p = self.stack.as_mut_ptr().add(i);
            let old = read_words(p);
            write_words(p, v);
            old
        };
        drop(old);
    }

    /// The value `n` below the top (0 = top).
    #[inline]
    pub(crate) fn peek(&self, n: usize) -> Value {
        self.stack
            .len()
            .checked_sub(n + 1)
            .and_then(|i| self.stack.get(i))
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// Pop the top `n` values, in stack order.
    pub(crate) fn pop_n(&mut self, n: usize) -> Vec<Value> {
        let at = self.stack.len().saturating_sub(n);
        self.stack.split_off(at)
    }

    #[inline(always)]
    pub(crate) fn op_push(&mut self, v: Value) -> PyResult<Flow> {
        self.push(v);
        Ok(Flow::Next)
    }

    pub(crate) fn op_swap(&mut self, oparg: u32) -> PyResult<Flow> {
        let len = self.stack.len();
        if let Some(i) = len.checked_sub(oparg as usize) {
            if i < len {
                self.stack.swap(i, len - 1);
            }
        }
        Ok(Flow::Next)
    }

    pub(crate) fn op_copy(&mut self, oparg: u32) -> PyResult<Flow> {
        let v = self.peek((oparg as usize).saturating_sub(1)).clone();
        self.push(v);
        Ok(Flow::Next)
    }
}
