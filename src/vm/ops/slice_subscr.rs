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

/// What a slice is taken of.
#[derive(Clone, Copy)]
enum Seq {
    List,
    Tuple,
    Str,
}

/// Adjusted slice indices: start, stop, step, length.
type At = (i64, i64, i64, usize);

impl Vm {
    /// BUILD_SLICE `n` then BINARY_SUBSCR (`store` false) or STORE_SUBSCR
    /// (`store` true) in one step: whether it was done (the stack then
    /// holds what the two would have left).
    pub(crate) fn slice_subscr(&mut self, n: u32, store: bool) -> bool {
        if n != 2 && n != 3 {
            return false;
        }
        let Some(at) = self
            .stack
            .len()
            .checked_sub(n as usize + 1 + store as usize)
        else {
            return false;
        };
        // Everything is read in place (the bounds are not copied out: a
        // copy of values just stored as words, read back as 16-byte
        // blocks, stalls store forwarding).
        let (o, value, idx) = {
            let (value, rest) = match self.stack.get(at..) {
                Some([v, rest @ ..]) if store => (Some(v), rest),
                Some(rest) => (None, rest),
                None => return false,
            };
            let (Some(Value::Obj(o)), bounds) = (rest.first(), rest.get(1..).unwrap_or(&[])) else {
                return false;
            };
            let Some((seq, len)) = self.sliceable(o, store) else {
                return false;
            };
            let none = Value::None;
            let (start, stop, step) = match bounds {
                [a, b, c] => (a, b, c),
                [a, b] => (a, b, &none),
                _ => return false,
            };
            let Some(idx) = small_parts_indices(start, stop, step, len) else {
                return false;
            };
            let value = match value {
                Some(Value::Obj(v)) => Some(v.clone()),
                Some(_) => return false,
                None => None,
            };
            (o.clone(), value, (seq, idx))
        };
        let result = match value {
            None => match self.get_sliced(&o, idx.0, idx.1) {
                Some(v) => Some(v),
                None => return false,
            },
            Some(v) => match self.assign_sliced(&o, idx.1, &v) {
                Some(()) => None,
                None => return false,
            },
        };
        // The bounds are None or ints: only the container (and a
        // right-hand side) may free anything here.
        self.stack.truncate(at);
        if let Some(v) = result {
            self.stack.push(v);
        }
        true
    }

    /// Whether `o` is an exact list (or, not for `store`, tuple or str
    /// without lone surrogates), and its length.
    #[inline(always)]
    fn sliceable(&self, o: &PyRef, store: bool) -> Option<(Seq, usize)> {
        match &o.payload {
            Payload::List(l) if o.class_is(&self.types.list) => {
                Some((Seq::List, l.try_borrow().ok()?.len()))
            }
            _ if store => None,
            Payload::Tuple(items) if o.class_is(&self.types.tuple) => {
                Some((Seq::Tuple, items.len()))
            }
            Payload::Str(s) if o.class_is(&self.types.str) && s.surrogate_cps().is_none() => {
                Some((Seq::Str, s.char_len()))
            }
            _ => None,
        }
    }

    /// `o[start:stop:step]` for what [`Vm::sliceable`] said `o` is.
    fn get_sliced(&mut self, o: &PyRef, seq: Seq, (start, _, step, n): At) -> Option<Value> {
        Some(match (&o.payload, seq) {
            (Payload::List(l), Seq::List) => {
                let out = copy_slice(&l.try_borrow().ok()?, start, step, n);
                self.new_list(out)
            }
            (Payload::Tuple(items), Seq::Tuple) => {
                crate::objects::tuple::tuple_slice(self, o, items, start, step, n)
            }
            (Payload::Str(s), Seq::Str) => {
                crate::objects::str::str_slice(self, o, s, start, step, n)
            }
            _ => return None,
        })
    }

    /// `o[start:stop:step] = v` for an exact list `o`, or `None` to take
    /// the general path.
    fn assign_sliced(&mut self, o: &PyRef, at: At, v: &PyRef) -> Option<()> {
        let Payload::List(l) = &o.payload else {
            return None;
        };
        let new_len = match &v.payload {
            Payload::List(items) if v.class_is(&self.types.list) => items.try_borrow().ok()?.len(),
            Payload::Tuple(items) if v.class_is(&self.types.tuple) => items.len(),
            _ => return None,
        };
        // An extended slice of another size raises: the general path says so.
        if at.2 != 1 && new_len != at.3 {
            return None;
        }
        // The list's items are free (no other borrow: checked above, and
        // nothing runs between), so this cannot fail.
        assign_slice(self, o, l, at, &Value::Obj(v.clone())).ok()
    }
}
