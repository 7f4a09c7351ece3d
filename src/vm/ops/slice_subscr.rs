//! BUILD_SLICE followed by BINARY_SUBSCR or STORE_SUBSCR (`x[a:b]`,
//! `x[a:b:c] = y`) on an exact list, tuple or str with bounds that are
//! None or small ints: the slice is taken from the bounds on the stack,
//! without making the slice object the two instructions pass between them
//! (an allocation and a free each time, and the general index adjustment).
//!
//! Nothing here can fail or run Python code: anything else (another
//! container, a bound needing `__index__`, a zero step, an extended-slice
//! assignment of the wrong size, a right-hand side that is not an exact
//! list or tuple) returns `false` with the stack untouched, and the two
//! instructions run as usual.

use crate::objects::list_slice::{assign_slice, copy_slice};
use crate::objects::slice::small_parts_indices;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::Vm;

impl Vm {
    /// BUILD_SLICE `n` then BINARY_SUBSCR (`store` false) or STORE_SUBSCR
    /// (`store` true) in one step: whether it was done (the stack then
    /// holds what the two would have left).
    pub(crate) fn slice_subscr(&mut self, n: u32, store: bool) -> bool {
        if n != 2 && n != 3 {
            return false;
        }
        let n = n as usize;
        let Some(at) = self.stack.len().checked_sub(n + 1 + store as usize) else {
            return false;
        };
        let (value, container, bounds) = match self.stack.get(at..) {
            Some([container, b @ ..]) if !store => (None, container.clone(), three(b)),
            Some([value, container, b @ ..]) => (Some(value.clone()), container.clone(), three(b)),
            _ => return false,
        };
        let Value::Obj(o) = container else {
            return false;
        };
        let result = match value {
            None => match self.get_sliced(&o, &bounds) {
                Some(v) => Some(v),
                None => return false,
            },
            Some(Value::Obj(v)) => match self.assign_sliced(&o, &bounds, &v) {
                Some(()) => None,
                None => return false,
            },
            Some(_) => return false,
        };
        // The bounds are None or ints: only the container (and a
        // right-hand side) may free anything here.
        self.stack.truncate(at);
        if let Some(v) = result {
            self.stack.push(v);
        }
        true
    }

    /// `o[start:stop:step]`, or `None` to take the general path.
    fn get_sliced(&mut self, o: &PyRef, [start, stop, step]: &[Value; 3]) -> Option<Value> {
        Some(match &o.payload {
            Payload::List(l) if o.class_is(&self.types.list) => {
                let items = l.try_borrow().ok()?;
                let (start, _, step, n) = small_parts_indices(start, stop, step, items.len())?;
                let out = copy_slice(&items, start, step, n);
                drop(items);
                self.new_list(out)
            }
            Payload::Tuple(items) if o.class_is(&self.types.tuple) => {
                let (start, _, step, n) = small_parts_indices(start, stop, step, items.len())?;
                crate::objects::tuple::tuple_slice(self, o, items, start, step, n)
            }
            Payload::Str(s) if o.class_is(&self.types.str) && s.surrogate_cps().is_none() => {
                let (start, _, step, n) = small_parts_indices(start, stop, step, s.char_len())?;
                crate::objects::str::str_slice(self, o, s, start, step, n)
            }
            _ => return None,
        })
    }

    /// `o[start:stop:step] = v`, or `None` to take the general path.
    fn assign_sliced(
        &mut self,
        o: &PyRef,
        [start, stop, step]: &[Value; 3],
        v: &PyRef,
    ) -> Option<()> {
        let Payload::List(l) = &o.payload else {
            return None;
        };
        if !o.class_is(&self.types.list) {
            return None;
        }
        let new_len = match &v.payload {
            Payload::List(items) if v.class_is(&self.types.list) => items.try_borrow().ok()?.len(),
            Payload::Tuple(items) if v.class_is(&self.types.tuple) => items.len(),
            _ => return None,
        };
        let len = l.try_borrow().ok()?.len();
        let at = small_parts_indices(start, stop, step, len)?;
        // An extended slice of another size raises: the general path says so.
        if at.2 != 1 && new_len != at.3 {
            return None;
        }
        // The list's items are free (no other borrow: checked above, and
        // nothing runs between), so this cannot fail.
        assign_slice(self, o, l, at, &Value::Obj(v.clone())).ok()
    }
}

/// The start, stop and step of BUILD_SLICE's two or three bounds.
fn three(bounds: &[Value]) -> [Value; 3] {
    match bounds {
        [a, b, c] => [a.clone(), b.clone(), c.clone()],
        [a, b] => [a.clone(), b.clone(), Value::None],
        _ => [Value::None, Value::None, Value::None],
    }
}
