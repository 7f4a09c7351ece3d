//! `tuple` objects and their methods.

use super::function::Args;
use super::list::{repeat_count, seq_richcompare};
use super::Payload;
use crate::vm::proto::CmpOp;
use crate::vm::value::Truth;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

fn items_of(v: &Value) -> Option<&[Value]> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

pub fn tuple_getitem(vm: &mut Vm, o: &PyRef, key: &Value) -> PyResult<Value> {
    let Payload::Tuple(items) = &o.payload else {
        return Err(vm.type_error("not a tuple"));
    };
    if let Some(s) = Vm::as_slice(key) {
        let (start, _, step, n) = vm.slice_indices(&s.clone(), items.len())?;
        return Ok(tuple_slice(vm, o, items, start, step, n));
    }
    match vm.item_index(key)? {
        Some(i) => match Vm::norm_index(i, items.len()).and_then(|j| items.get(j)) {
            Some(v) => Ok(v.clone()),
            None => Err(vm.index_error("tuple index out of range")),
        },
        None => Err(vm.type_error(format!(
            "tuple indices must be integers or slices, not {}",
            vm.type_name_of(key)
        ))),
    }
}

/// `t[start:stop:step]` with its indices adjusted (`n` items) for a
/// tuple `o` whose items are `items`.
pub(crate) fn tuple_slice(
    vm: &Vm,
    o: &PyRef,
    items: &[Value],
    start: i64,
    step: i64,
    n: usize,
) -> Value {
    if step == 1 && n == items.len() && o.class_is(&vm.types.tuple) {
        return Value::Obj(o.clone());
    }
    let out: Vec<Value> = (0..n as i64)
        .filter_map(|k| items.get((start + k * step) as usize).cloned())
        .collect();
    vm.new_tuple(out)
}

fn tuple_getitem_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match args.args.first() {
        Some(Value::Obj(o)) => tuple_getitem(vm, &o.clone(), &arg(&args, 1)),
        _ => Err(vm.type_error("descriptor '__getitem__' requires a 'tuple' object")),
    }
}

fn tuple_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let _ = vm;
    Ok(Value::Int(
        items_of(&arg(&args, 0)).map_or(0, |t| t.len()) as i64
    ))
}

fn tuple_index(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("tuple.index", args, 1, 3)?;
    let items = items_of(&arg(&args, 0))
        .map(|t| t.to_vec())
        .unwrap_or_default();
    let n = items.len() as i64;
    let norm = |i: i64| if i < 0 { (i + n).max(0) } else { i.min(n) };
    let start = match a.get(1) {
        Some(v) => norm(crate::objects::list::slice_index_arg(vm, v)?),
        None => 0,
    };
    let stop = match a.get(2) {
        Some(v) => norm(crate::objects::list::slice_index_arg(vm, v)?),
        None => n,
    };
    for i in start..stop {
        if let Some(x) = items.get(i as usize) {
            if vm.eq(x, &a[0])? {
                return Ok(Value::Int(i));
            }
        }
    }
    Err(vm.value_error("tuple.index(x): x not in tuple"))
}

fn tuple_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("tuple.count", args, 1, 1)?;
    let items = items_of(&arg(&args, 0))
        .map(|t| t.to_vec())
        .unwrap_or_default();
    let mut n = 0;
    for x in &items {
        if vm.eq(x, &a[0])? {
            n += 1;
        }
    }
    Ok(Value::Int(n))
}

fn tuple_contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = arg(&args, 1);
    match args.args.first() {
        Some(Value::Obj(o)) => Ok(Value::bool(super::list::seq_contains(vm, o, &x)?)),
        _ => Ok(Value::Bool(Truth::False)),
    }
}

fn tuple_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(vm.new_iter(
        &vm.types.tuple_iterator.clone(),
        crate::objects::iter::IterState::Seq {
            seq: arg(&args, 0),
            idx: 0,
        },
    ))
}

fn tuple_add(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = arg(&args, 1);
    let Some(y) = items_of(&b) else {
        return Err(vm.type_error(format!(
            "can only concatenate tuple (not \"{}\") to tuple",
            vm.type_name_of(&b)
        )));
    };
    let mut x = items_of(&arg(&args, 0))
        .map(|t| t.to_vec())
        .unwrap_or_default();
    x.extend_from_slice(y);
    Ok(vm.new_tuple(x))
}

fn tuple_mul(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let items = items_of(&arg(&args, 0))
        .map(|t| t.to_vec())
        .unwrap_or_default();
    let Some(k) = repeat_count(vm, &arg(&args, 1), items.len())? else {
        return Ok(vm.not_implemented());
    };
    let out = super::alloc::repeat_slice(vm, &items, k)?;
    Ok(vm.new_tuple(out))
}

fn tuple_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let items = items_of(&arg(&args, 0))
        .map(|t| t.to_vec())
        .unwrap_or_default();
    let mut lanes = Vec::with_capacity(items.len());
    for i in &items {
        lanes.push(vm.hash(i)?);
    }
    Ok(Value::Int(crate::pyhash::hash_tuple(&lanes)))
}

fn tuple_cmp(vm: &mut Vm, args: Args, op: CmpOp) -> PyResult<Value> {
    // The items are read in place: a tuple never changes, and `args`
    // keeps both alive.
    let Some(y) = args.args.get(1).and_then(items_of) else {
        return Ok(vm.not_implemented());
    };
    let x = args.args.first().and_then(items_of).unwrap_or_default();
    seq_richcompare(vm, x, y, op, false)
}

/// The items of two exact tuples, which `PyObject_RichCompare` compares
/// with `tuplerichcompare` (what calling `tuple.__lt__` etc. does, without
/// the method lookup and call).
#[inline]
pub(crate) fn exact_tuples<'a>(
    vm: &Vm,
    a: &'a Value,
    b: &'a Value,
) -> Option<(&'a [Value], &'a [Value])> {
    match (a, b) {
        (Value::Obj(x), Value::Obj(y)) => match (&x.payload, &y.payload) {
            (Payload::Tuple(p), Payload::Tuple(q))
                if x.class_is(&vm.types.tuple) && y.class_is(&vm.types.tuple) =>
            {
                Some((p, q))
            }
            _ => None,
        },
        _ => None,
    }
}

macro_rules! cmp_methods {
    ($($name:ident, $op:ident;)*) => {
        $( fn $name(vm: &mut Vm, args: Args) -> PyResult<Value> { tuple_cmp(vm, args, CmpOp::$op) } )*
    };
}
cmp_methods! { tuple_lt, Lt; tuple_le, Le; tuple_eq, Eq; tuple_ne, Ne; tuple_gt, Gt; tuple_ge, Ge; }

fn tuple_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("tuple", args, 0, 1)?;
    let cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => vm.types.tuple.clone(),
    };
    let items = match a.first() {
        Some(v) => {
            if crate::objects::rc::Rc::ptr_eq(&cls, &vm.types.tuple)
                && vm.exact(v, &vm.types.tuple.clone())
            {
                return Ok(v.clone());
            }
            vm.collect_iter(v)?
        }
        None => Vec::new(),
    };
    if crate::objects::rc::Rc::ptr_eq(&cls, &vm.types.tuple) {
        return Ok(vm.new_tuple(items));
    }
    Ok(Value::Obj(
        vm.new_instance_of(&cls, Payload::Tuple(items.into())),
    ))
}

pub fn install(vm: &mut Vm) {
    let t = vm.types.tuple.clone();
    vm.add_methods(
        &t,
        &[
            ("index", tuple_index),
            ("count", tuple_count),
            ("__len__", tuple_len),
            ("__getitem__", tuple_getitem_m),
            ("__contains__", tuple_contains),
            ("__iter__", tuple_iter),
            ("__add__", tuple_add),
            ("__mul__", tuple_mul),
            ("__rmul__", tuple_mul),
            ("__hash__", tuple_hash),
            ("__lt__", tuple_lt),
            ("__le__", tuple_le),
            ("__eq__", tuple_eq),
            ("__ne__", tuple_ne),
            ("__gt__", tuple_gt),
            ("__ge__", tuple_ge),
        ],
    );
    vm.add_staticmethods(&t, &[("__new__", tuple_new)]);
}
