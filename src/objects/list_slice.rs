//! Slicing of `list` objects (Objects/listobject.c's `list_subscript`,
//! `list_ass_slice` and `list_ass_subscript`): `l[a:b:c]`, `l[a:b] = v`,
//! `l[a:b:c] = v` and `del l[a:b:c]`.
//!
//! The items of a right-hand side that is an exact list (other than the
//! target) or an exact tuple are read in place, as `PySequence_Fast`
//! returns such an object itself; anything else (subclasses included, whose
//! `__iter__` may be overridden) is iterated into a new list first. The
//! target's old items are dropped only after every borrow is released: a
//! `__del__` they run may use the list again.

use crate::objects::listcell::ListRef;

use smallvec::SmallVec;

use super::slice;
use super::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// Old items awaiting their release (`recycle` in `list_ass_slice`).
type Garbage = SmallVec<[Value; 8]>;

/// Keep an old item for release after the borrows end when it is a heap
/// object (whose release may run a `__del__`); other values own nothing
/// and go at once.
#[inline(always)]
fn keep_heap(garbage: &mut Garbage, old: Value) {
    if matches!(old, Value::Obj(_)) {
        garbage.push(old);
    }
}

fn busy(vm: &Vm) -> crate::vm::PyErr {
    vm.runtime_error("list modified during operation")
}

/// `l[s]` for a slice `s`: a new list.
pub(crate) fn get_slice(
    vm: &mut Vm,
    l: &crate::objects::listcell::ListCell,
    s: &PyRef,
) -> PyResult<Value> {
    let len = l.try_borrow().map_err(|_| busy(vm))?.len();
    let (start, _, step, n) = slice::indices(vm, s, len)?;
    let items = l.try_borrow().map_err(|_| busy(vm))?;
    let out = copy_slice(&items, start, step, n);
    drop(items);
    Ok(vm.new_list(out))
}

/// The `n` items from `start` by `step` (indices come from the slice
/// rules for the current length; any that no longer exist are skipped).
pub(crate) fn copy_slice(items: &[Value], start: i64, step: i64, n: usize) -> Vec<Value> {
    if step == 1 {
        if let Some(run) = usize::try_from(start)
            .ok()
            .and_then(|lo| items.get(lo..lo.checked_add(n)?))
        {
            return run.to_vec();
        }
    }
    let mut out = Vec::with_capacity(n);
    let mut i = start;
    for _ in 0..n {
        if let Some(v) = usize::try_from(i).ok().and_then(|j| items.get(j)) {
            out.push(v.clone());
        }
        i = i.wrapping_add(step);
    }
    out
}

/// The items of a slice assignment's right-hand side.
enum Source<'a> {
    /// An exact list other than the target, borrowed.
    List(ListRef<'a>),
    /// An exact tuple.
    Tuple(&'a [Value]),
    /// Anything else, iterated (or the target itself, copied).
    Owned(Vec<Value>),
}

impl Source<'_> {
    fn items(&self) -> &[Value] {
        match self {
            Source::List(r) => r,
            Source::Tuple(t) => t,
            Source::Owned(v) => v,
        }
    }
}

/// `PySequence_Fast(v, msg)` for `target[...] = v`; `v is target` is
/// copied first, as `list_ass_slice` and `list_ass_subscript` do.
fn source<'a>(vm: &mut Vm, target: &PyRef, v: &'a Value, msg: &str) -> PyResult<Source<'a>> {
    if let Value::Obj(o) = v {
        match &o.payload {
            Payload::List(c) if o.class_is(&vm.types.list) => {
                if crate::objects::rc::Rc::ptr_eq(o, target) {
                    let copy = c.try_borrow().map_err(|_| busy(vm))?.clone();
                    return Ok(Source::Owned(copy));
                }
                if let Ok(r) = c.try_borrow() {
                    return Ok(Source::List(r));
                }
            }
            Payload::Tuple(t) if o.class_is(&vm.types.tuple) => return Ok(Source::Tuple(t)),
            _ => {}
        }
    }
    super::list::sequence_fast(vm, v, msg).map(Source::Owned)
}

/// `l[s] = value` (`value` Some) or `del l[s]` for a slice `s`.
pub(crate) fn set_slice(
    vm: &mut Vm,
    o: &PyRef,
    l: &crate::objects::listcell::ListCell,
    s: &PyRef,
    value: Option<&Value>,
) -> PyResult<()> {
    let len = l.try_borrow().map_err(|_| busy(vm))?.len();
    let (start, stop, step, n) = slice::indices(vm, s, len)?;
    let Some(value) = value else {
        return delete(vm, l, start, stop, step, n);
    };
    assign_slice(vm, o, l, (start, stop, step, n), value)
}

/// `l[start:stop:step] = value` with the slice's indices adjusted to the
/// list's length (`n` items).
pub(crate) fn assign_slice(
    vm: &mut Vm,
    o: &PyRef,
    l: &crate::objects::listcell::ListCell,
    (start, stop, step, n): (i64, i64, i64, usize),
    value: &Value,
) -> PyResult<()> {
    let msg = if step == 1 {
        "can only assign an iterable"
    } else {
        "must assign iterable to extended slice"
    };
    let src = source(vm, o, value, msg)?;
    let mut items = l.try_borrow_mut().map_err(|_| busy(vm))?;
    let garbage: Garbage = if step == 1 {
        // `list_ass_slice`: the bounds are clipped to the length after
        // the right-hand side was made a sequence.
        let len = items.len() as i64;
        let lo = start.clamp(0, len) as usize;
        let hi = stop.max(start).clamp(0, len) as usize;
        let new = src.items();
        let mut garbage = Garbage::new();
        match items.get_mut(lo..hi) {
            Some(run) if run.len() == new.len() => {
                for (slot, v) in run.iter_mut().zip(new) {
                    keep_heap(&mut garbage, std::mem::replace(slot, v.clone()));
                }
            }
            _ => {
                for old in items.splice(lo..hi, new.iter().cloned()) {
                    keep_heap(&mut garbage, old);
                }
            }
        }
        garbage
    } else {
        let new = src.items();
        if new.len() != n {
            drop(items);
            return Err(vm.value_error(format!(
                "attempt to assign sequence of size {} to extended slice of size {}",
                new.len(),
                n
            )));
        }
        let mut garbage = Garbage::new();
        let mut i = start;
        for v in new {
            if let Some(slot) = usize::try_from(i).ok().and_then(|j| items.get_mut(j)) {
                keep_heap(&mut garbage, std::mem::replace(slot, v.clone()));
            }
            i = i.wrapping_add(step);
        }
        garbage
    };
    drop(items);
    drop(src);
    drop(garbage);
    Ok(())
}

/// `del l[start:stop:step]` with `n` items.
fn delete(
    vm: &mut Vm,
    l: &crate::objects::listcell::ListCell,
    start: i64,
    stop: i64,
    step: i64,
    n: usize,
) -> PyResult<()> {
    let mut items = l.try_borrow_mut().map_err(|_| busy(vm))?;
    let len = items.len() as i64;
    let garbage: Garbage = if step == 1 {
        let lo = start.clamp(0, len) as usize;
        let hi = stop.max(start).clamp(0, len) as usize;
        items.drain(lo..hi).collect()
    } else {
        // The `n` indices in increasing order, whatever the step's sign.
        let (first, stride) = if step < 0 {
            (start + (n as i64 - 1) * step, -step)
        } else {
            (start, step)
        };
        // Compact in place: removed items leave for `garbage` (None
        // takes their slot), kept ones move down; the tail is then Nones.
        let mut garbage = Garbage::with_capacity(n);
        let mut kept = 0usize;
        let mut next = first;
        let mut left = n;
        for r in 0..items.len() {
            if left > 0 && r as i64 == next {
                if let Some(slot) = items.get_mut(r) {
                    garbage.push(std::mem::replace(slot, Value::None));
                }
                left -= 1;
                next += stride;
            } else {
                items.swap(kept, r);
                kept += 1;
            }
        }
        items.truncate(kept);
        garbage
    };
    drop(items);
    drop(garbage);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::copy_slice;
    use crate::vm::value::Value;

    fn ints(v: &[Value]) -> Vec<i64> {
        v.iter()
            .map(|x| match x {
                Value::Int(i) => *i,
                _ => i64::MIN,
            })
            .collect()
    }

    #[test]
    fn copies_forward_and_backward() {
        let items: Vec<Value> = (0..6).map(Value::Int).collect();
        assert_eq!(ints(&copy_slice(&items, 1, 1, 3)), vec![1, 2, 3]);
        assert_eq!(ints(&copy_slice(&items, 4, -1, 5)), vec![4, 3, 2, 1, 0]);
        assert_eq!(ints(&copy_slice(&items, 5, -2, 3)), vec![5, 3, 1]);
        // Indices past a shrunken list are skipped.
        assert_eq!(ints(&copy_slice(&items, 4, 1, 4)), vec![4, 5]);
    }
}
