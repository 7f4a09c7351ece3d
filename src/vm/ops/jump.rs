//! Conditional jumps and the `for` loop.

use super::Flow;
use crate::objects::iter::refill_with;
use crate::objects::Payload;
use crate::vm::value::Truth;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

impl Vm {
    #[inline(always)]
    pub(crate) fn op_pop_jump_if(&mut self, when: bool, target: usize) -> PyResult<Flow> {
        let v = self.pop();
        let b = match v {
            Value::Bool(b) => b,
            Value::None => Truth::from(false),
            _ => Truth::from(self.truthy(&v)?),
        };
        Ok(if b == Truth::from(when) {
            Flow::Jump(target)
        } else {
            Flow::Next
        })
    }

    pub(crate) fn op_pop_jump_if_none(&mut self, when_none: bool, target: usize) -> PyResult<Flow> {
        let v = self.pop();
        Ok(if v.is_none() == when_none {
            Flow::Jump(target)
        } else {
            Flow::Next
        })
    }

    pub(crate) fn op_jump_or_pop(&mut self, when: bool, target: usize) -> PyResult<Flow> {
        let b = match self.peek(0) {
            Value::Bool(b) => b,
            Value::None => Truth::from(false),
            v => Truth::from(self.truthy(&v)?),
        };
        if b == Truth::from(when) {
            Ok(Flow::Jump(target))
        } else {
            self.pop();
            Ok(Flow::Next)
        }
    }

    pub(crate) fn op_get_iter(&mut self) -> PyResult<Flow> {
        let v = self.pop();
        let it = self.iter(&v)?;
        self.op_push(it)
    }

    /// FOR_ITER's general step, on the iterator on top: its next item to
    /// push, or None when it is exhausted (then popped, as the jump past
    /// the loop needs). The eval loop's arm tried the fast paths and
    /// FOR_ITER_GEN (a generator's frame run on in the loop,
    /// `Vm::for_iter_gen`) already, and pushes the item on its registers.
    pub(crate) fn for_iter_general(&mut self) -> PyResult<Option<Value>> {
        let it = self.peek(0);
        match self.next_general(&it)? {
            Some(v) => Ok(Some(v)),
            None => {
                if self.tracing {
                    self.trace_iter_stop(&it, None);
                }
                drop(it);
                self.pop();
                Ok(None)
            }
        }
    }
}

/// The next item of a builtin range or sequence iterator, or of an
/// `enumerate` over one, if it has one (None: exhausted, or another kind
/// of iterator).
#[inline(always)]
pub(crate) fn for_iter_fast(iterator: &Value) -> Option<Value> {
    use crate::objects::iter::IterState;
    let mut st = iter_state(iterator)?;
    match &mut *st {
        // Range, list and tuple iterators: their types cannot be
        // subclassed, so no class check.
        st @ (IterState::Range { .. } | IterState::Seq { .. }) => state_next(st),
        // `enumerate` over a list, tuple or range whose last pair the loop
        // dropped (objects/iter.rs's `pair_slots`): the pair is refilled.
        IterState::Enumerate {
            it,
            count: Value::Int(c),
            last: Some(t),
        } if builtin_class(iterator) => {
            let next = c.checked_add(1)?;
            let pair = refill_with(t, || Some((Value::Int(*c), seq_next(it)?)))?;
            *c = next;
            Some(pair)
        }
        // A dict's keys, values or items, forwards (dict iterator types
        // cannot be subclassed).
        IterState::Dict {
            dict,
            pos,
            used,
            remaining,
            kind,
            reverse: false,
            last,
        } if *remaining > 0 => dict_next(dict, pos, *used, remaining, *kind, last),
        _ => None,
    }
}

impl Vm {
    /// FOR_ITER's next item from the iterators [`for_iter_fast`] leaves
    /// that need the VM's tables but run no code and allocate nothing: a
    /// str's characters (the Latin-1 singletons once made), a reversed list
    /// or exact tuple, a set, and an `enumerate` over a str (None:
    /// exhausted, or the general step's case).
    #[inline]
    pub(crate) fn for_iter_more(&self, iterator: &Value) -> Option<Value> {
        use crate::objects::iter::IterState;
        let mut st = iter_state(iterator)?;
        match &mut *st {
            IterState::Str { s, pos } => self.str_next(s, pos),
            IterState::Reversed {
                seq: Value::Obj(s),
                idx,
            } if *idx >= 0 => {
                let item = match &s.payload {
                    // list.__reversed__'s iterator reads the list's items
                    // (a subclass's `__getitem__` is not called).
                    Payload::List(l) => l.item_cloned(*idx),
                    Payload::Tuple(t) if s.class_is_static() => {
                        usize::try_from(*idx).ok().and_then(|i| t.get(i).cloned())
                    }
                    _ => None,
                }?;
                *idx -= 1;
                Some(item)
            }
            IterState::Set { set, pos, used } => {
                let (len, next) = match &set.payload {
                    Payload::Set(c) => {
                        let t = c.try_borrow().ok()?;
                        (t.len(), t.next_entry(*pos).map(|(i, _, k)| (i, k.clone())))
                    }
                    Payload::FrozenSet(t) => {
                        (t.len(), t.next_entry(*pos).map(|(i, _, k)| (i, k.clone())))
                    }
                    _ => return None,
                };
                if len != *used {
                    return None;
                }
                let (i, k) = next?;
                *pos = i + 1;
                Some(k)
            }
            IterState::Enumerate {
                it,
                count: Value::Int(c),
                last: Some(t),
            } if builtin_class(iterator) => {
                let next = c.checked_add(1)?;
                let pair = refill_with(t, || {
                    let mut inner = iter_state(it)?;
                    match &mut *inner {
                        IterState::Str { s, pos } => Some((Value::Int(*c), self.str_next(s, pos)?)),
                        _ => None,
                    }
                })?;
                *c = next;
                Some(pair)
            }
            _ => None,
        }
    }

    /// The next character of a str iterator, when it is a Latin-1
    /// character whose singleton exists (no lone surrogates in the str).
    #[inline(always)]
    fn str_next(&self, s: &crate::vm::value::PyRef, pos: &mut usize) -> Option<Value> {
        let Payload::Str(t) = &s.payload else {
            return None;
        };
        if t.surrogate_cps().is_some() {
            return None;
        }
        let text = t.as_str();
        let c = text.get(*pos..)?.chars().next()?;
        let i = usize::try_from(u32::from(c)).ok()?;
        let r = self.interned.chars.get(i)?.as_ref()?;
        *pos += c.len_utf8();
        Some(Value::Obj(r.clone()))
    }
}

/// The next entry of a dict iterator, when nothing is wrong (a change of
/// size or keys, a table borrowed, an items pair that cannot be refilled
/// all go to `iter_next`, which reports them; the state is then left as it
/// was).
#[inline(always)]
fn dict_next(
    dict: &crate::vm::value::PyRef,
    pos: &mut usize,
    used: usize,
    remaining: &mut usize,
    kind: u8,
    last: &mut Option<crate::vm::value::PyRef>,
) -> Option<Value> {
    let crate::objects::Payload::Dict(t) = &dict.payload else {
        return None;
    };
    let t = t.try_borrow().ok()?;
    if t.len() != used {
        return None;
    }
    let mut p = *pos;
    let e = loop {
        if p >= t.entry_slots() {
            return None;
        }
        p += 1;
        if let Some(e) = t.entry(p - 1) {
            break e;
        }
    };
    let item = match kind {
        0 => e.key.clone(),
        1 => e.value.clone(),
        _ => refill_with(last.as_mut()?, || Some((e.key.clone(), e.value.clone())))?,
    };
    *pos = p;
    *remaining -= 1;
    Some(item)
}

/// The next item of a builtin range, list or tuple iterator, if it is one
/// and has one.
#[inline(always)]
fn seq_next(it: &Value) -> Option<Value> {
    state_next(&mut *iter_state(it)?)
}

/// The state of `it`, borrowed, if it is an iterator (of a builtin class
/// or a subclass of one) whose state is not borrowed already.
#[inline(always)]
fn iter_state(it: &Value) -> Option<std::cell::RefMut<'_, crate::objects::iter::IterState>> {
    use crate::objects::Payload;
    let Value::Obj(o) = it else {
        return None;
    };
    let Payload::Iter(cell) = &o.payload else {
        return None;
    };
    cell.try_borrow_mut().ok()
}

/// Whether `it` is an object of a builtin class (not of a subclass).
#[inline(always)]
fn builtin_class(it: &Value) -> bool {
    matches!(it, Value::Obj(o) if o.class_is_static())
}

/// The next item of a range, list or tuple iterator's state (no class
/// check: those iterator types cannot be subclassed).
#[inline(always)]
fn state_next(st: &mut crate::objects::iter::IterState) -> Option<Value> {
    use crate::objects::iter::IterState;
    use crate::objects::Payload;
    match st {
        IterState::Range {
            next,
            remaining,
            step,
        } if *remaining > 0 => {
            let v = *next;
            *next = next.wrapping_add(*step);
            *remaining -= 1;
            Some(Value::Int(v))
        }
        IterState::Seq {
            seq: Value::Obj(s),
            idx,
        } => {
            let item = match &s.payload {
                Payload::List(l) => l.item_cloned(*idx as i64),
                Payload::Tuple(t) => t.get(*idx).cloned(),
                _ => None,
            }?;
            *idx += 1;
            Some(item)
        }
        _ => None,
    }
}
