//! `__reduce__` and `__setstate__` of the builtin iterators (list, tuple,
//! str, bytes and range iterators, `reversed`, `enumerate`, `zip`, `map`,
//! `filter`), as CPython 3.11's, so that `copy.copy`, `copy.deepcopy` and
//! `pickle` work on them. A range iterator reduces to `(iter, (range,))`
//! of what is left, equivalent to CPython's `(iter, (range,), index)`.

use super::function::Args;
use super::iter::IterState;
use super::Payload;
use crate::vm::value::Truth;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

fn recv(vm: &Vm, args: &Args) -> PyResult<PyRef> {
    match args.args.first() {
        Some(Value::Obj(o)) if matches!(o.payload, Payload::Iter(_)) => Ok(o.clone()),
        _ => Err(vm.type_error("descriptor requires an iterator object")),
    }
}

fn builtin_iter(vm: &Vm) -> Value {
    vm.get_attr_raw(&vm.builtins, "iter").unwrap_or(Value::None)
}

/// `(iter, (empty,))` for an exhausted iterator of class `cls`.
fn exhausted(vm: &mut Vm, o: &PyRef) -> Value {
    let t = &vm.types;
    let empty = if o.class_is(&t.tuple_iterator) {
        vm.new_tuple_of([])
    } else if o.class_is(&t.str_iterator) {
        vm.new_str("")
    } else if o.class_is(&t.bytes_iterator) {
        vm.new_bytes(Vec::new())
    } else {
        vm.new_list(vec![])
    };
    let a = vm.new_tuple_of([empty]);
    let it = builtin_iter(vm);
    vm.new_tuple_of([it, a])
}

fn str_char_index(s: &PyRef, pos: usize) -> usize {
    match &s.payload {
        Payload::Str(t) => t.as_str().get(..pos).map_or(0, |r| r.chars().count()),
        _ => 0,
    }
}

fn iter_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = recv(vm, &args)?;
    let Payload::Iter(cell) = &o.payload else {
        return Ok(Value::None);
    };
    let st = cell.borrow();
    let it = builtin_iter(vm);
    let triple = |vm: &mut Vm, f: Value, arg: Value, idx: i64| {
        let a = vm.new_tuple_of([arg]);
        vm.new_tuple_of([f, a, Value::Int(idx)])
    };
    let r = match &*st {
        IterState::Seq { seq, idx } => triple(vm, it, seq.clone(), *idx as i64),
        IterState::Bytes { b, idx } => triple(vm, it, b.clone(), *idx as i64),
        IterState::Str { s, pos } => {
            // Run to the end: CPython has dropped the string.
            if matches!(&s.payload, Payload::Str(t) if *pos >= t.as_str().len()) {
                drop(st);
                return Ok(exhausted(vm, &o));
            }
            let i = str_char_index(s, *pos) as i64;
            triple(vm, it, Value::Obj(s.clone()), i)
        }
        IterState::Range {
            next,
            remaining,
            step,
        } => {
            let stop = next.saturating_add(remaining.saturating_mul(*step));
            let range_t = Value::Obj(vm.types.range.clone());
            let r = vm.call(
                &range_t,
                &[Value::Int(*next), Value::Int(stop), Value::Int(*step)],
            )?;
            let a = vm.new_tuple_of([r]);
            vm.new_tuple_of([it, a])
        }
        IterState::Reversed { seq, idx } => {
            if *idx < 0 || seq.is_none() {
                drop(st);
                return Ok(exhausted(vm, &o));
            }
            let rev = Value::Obj(vm.types.reversed.clone());
            triple(vm, rev, seq.clone(), *idx)
        }
        IterState::Enumerate {
            it: inner, count, ..
        } => {
            let a = vm.new_tuple_of([inner.clone(), count.clone()]);
            let e = Value::Obj(vm.types.enumerate.clone());
            vm.new_tuple_of([e, a])
        }
        IterState::Zip { its, strict, .. } => {
            let a = vm.new_tuple(its.to_vec());
            let z = Value::Obj(vm.types.zip.clone());
            if *strict {
                vm.new_tuple_of([z, a, Value::Bool(Truth::True)])
            } else {
                vm.new_tuple_of([z, a])
            }
        }
        IterState::Map { func, its } => {
            let mut items = vec![func.clone()];
            items.extend(its.iter().cloned());
            let a = vm.new_tuple(items);
            let m = Value::Obj(vm.types.map.clone());
            vm.new_tuple_of([m, a])
        }
        IterState::Filter { func, it: inner } => {
            let a = vm.new_tuple_of([func.clone(), inner.clone()]);
            let f = Value::Obj(vm.types.filter.clone());
            vm.new_tuple_of([f, a])
        }
        IterState::Exhausted => {
            drop(st);
            return Ok(exhausted(vm, &o));
        }
        _ => {
            drop(st);
            let name = vm.type_name_of(&Value::Obj(o.clone()));
            return Err(vm.type_error(format!("cannot pickle '{name}' object")));
        }
    };
    Ok(r)
}

/// `__setstate__(index)` of the indexed iterators; `zip`'s `(strict)`.
fn iter_setstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = recv(vm, &args)?;
    let state = args.args.get(1).cloned().unwrap_or(Value::None);
    let Payload::Iter(cell) = &o.payload else {
        return Ok(Value::None);
    };
    if matches!(&*cell.borrow(), IterState::Zip { .. }) {
        let b = vm.truthy(&state)?;
        if let IterState::Zip { strict, .. } = &mut *cell.borrow_mut() {
            *strict = b;
        }
        return Ok(Value::None);
    }
    let Some(index) = vm.index_value(&state)? else {
        return Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(&state)
        )));
    };
    // The length of what is iterated, outside the borrow.
    let seq = match &*cell.borrow() {
        IterState::Seq { seq, .. } | IterState::Bytes { b: seq, .. } => Some(seq.clone()),
        IterState::Reversed { seq, .. } => Some(seq.clone()),
        _ => None,
    };
    let len = match &seq {
        Some(s) if !s.is_none() => vm.len(s)? as i64,
        _ => 0,
    };
    let mut st = cell.borrow_mut();
    match &mut *st {
        IterState::Seq { idx, .. } | IterState::Bytes { idx, .. } => {
            *idx = index.clamp(0, len) as usize;
        }
        IterState::Reversed { idx, .. } => {
            *idx = index.clamp(-1, len - 1);
        }
        IterState::Str { s, pos } => {
            if let Payload::Str(t) = &s.payload {
                let text = t.as_str();
                let n = usize::try_from(index.max(0)).unwrap_or(0);
                *pos = text.char_indices().nth(n).map_or(text.len(), |(b, _)| b);
            }
        }
        _ => {}
    }
    Ok(Value::None)
}

pub fn install(vm: &mut Vm) {
    let t = &vm.types;
    let reducible = [
        t.list_iterator.clone(),
        t.tuple_iterator.clone(),
        t.range_iterator.clone(),
        t.str_iterator.clone(),
        t.bytes_iterator.clone(),
        t.list_reverseiterator.clone(),
        t.reversed.clone(),
        t.enumerate.clone(),
        t.zip.clone(),
        t.map.clone(),
        t.filter.clone(),
    ];
    for ty in reducible {
        vm.add_methods(&ty, &[("__reduce__", iter_reduce)]);
    }
    let t = &vm.types;
    let settable = [
        t.list_iterator.clone(),
        t.tuple_iterator.clone(),
        t.str_iterator.clone(),
        t.bytes_iterator.clone(),
        t.list_reverseiterator.clone(),
        t.reversed.clone(),
        t.zip.clone(),
    ];
    for ty in settable {
        vm.add_methods(&ty, &[("__setstate__", iter_setstate)]);
    }
}
