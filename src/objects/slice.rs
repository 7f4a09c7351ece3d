//! `slice` objects (Objects/sliceobject.c): the constructor, the
//! `start`/`stop`/`step` attributes, `indices()`, comparisons (as the
//! tuple `(start, stop, step)`); slices are unhashable in 3.11.

use num_bigint::BigInt;
use num_traits::{Signed, Zero};

use super::function::Args;
use super::int::to_bigint;
use super::Payload;
use crate::vm::proto::CmpOp;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

fn parts(o: &PyRef) -> Option<[Value; 3]> {
    match &o.payload {
        Payload::Slice(p) => Some((**p).clone()),
        _ => None,
    }
}

/// `evaluate_slice_index`: an int through `__index__`.
fn slice_index(vm: &mut Vm, v: &Value) -> PyResult<BigInt> {
    let ty = vm.type_of(v);
    if to_bigint(v).is_none() && vm.type_lookup_static(&ty, "__index__").is_none() {
        return Err(
            vm.type_error("slice indices must be integers or None or have an __index__ method")
        );
    }
    let i = vm.index_int(v)?;
    Ok(to_bigint(&vm.new_int(i)).unwrap_or_default())
}

/// `_PySlice_GetLongIndices(slice, length)`: `(start, stop, step)` clipped
/// to a sequence of `length` items.
pub fn long_indices(
    vm: &mut Vm,
    slice: &PyRef,
    length: &BigInt,
) -> PyResult<(BigInt, BigInt, BigInt)> {
    let Some([start, stop, step]) = parts(slice) else {
        return Err(vm.type_error("expected a slice"));
    };
    let step = if step.is_none() {
        BigInt::from(1)
    } else {
        let s = slice_index(vm, &step)?;
        if s.is_zero() {
            return Err(vm.value_error("slice step cannot be zero"));
        }
        s
    };
    let negative = step.is_negative();
    let (lower, upper) = if negative {
        (BigInt::from(-1), length - 1)
    } else {
        (BigInt::zero(), length.clone())
    };
    let clip = |vm: &mut Vm, v: &Value, default: &BigInt| -> PyResult<BigInt> {
        if v.is_none() {
            return Ok(default.clone());
        }
        let mut i = slice_index(vm, v)?;
        if i.is_negative() {
            i += length;
            if i < lower {
                i = lower.clone();
            }
        } else if i > upper {
            i = upper.clone();
        }
        Ok(i)
    };
    let start = clip(vm, &start, if negative { &upper } else { &lower })?;
    let stop = clip(vm, &stop, if negative { &lower } else { &upper })?;
    Ok((start, stop, step))
}

/// A slice part that needs no `__index__` call: None or a small int.
#[derive(Clone, Copy)]
enum Part {
    None,
    Int(i64),
}

#[inline]
fn small_part(v: &Value) -> Option<Part> {
    match v {
        Value::None => Some(Part::None),
        Value::Int(i) => Some(Part::Int(*i)),
        Value::Bool(b) => Some(Part::Int(*b as i64)),
        _ => None,
    }
}

/// `PySlice_Unpack` then `PySlice_AdjustIndices(len)` for a slice whose
/// parts are None, small ints or bools, which run no Python code:
/// `(start, stop, step, slicelength)`, as [`Vm::slice_indices`] gives them.
/// `None` for any other slice (including a zero step, which raises): the
/// caller takes the general path.
#[inline]
pub fn small_indices(slice: &PyRef, len: usize) -> Option<(i64, i64, i64, usize)> {
    let Payload::Slice(p) = &slice.payload else {
        return None;
    };
    let [start, stop, step] = &**p;
    small_parts_indices(start, stop, step, len)
}

/// [`small_indices`] for a slice's three parts given apart (`x[a:b:c]`
/// before its slice object is made, vm/ops/slice_subscr.rs).
#[inline(always)]
pub fn small_parts_indices(
    start: &Value,
    stop: &Value,
    step: &Value,
    len: usize,
) -> Option<(i64, i64, i64, usize)> {
    let step = match small_part(step)? {
        Part::None => 1,
        // CPython clamps the step to -PY_SSIZE_T_MAX so it can be negated.
        Part::Int(0) => return None,
        Part::Int(s) => s.max(-i64::MAX),
    };
    let len = i64::try_from(len).ok()?;
    let start = match small_part(start)? {
        Part::None if step < 0 => len - 1,
        Part::None => 0,
        Part::Int(i) => adjust_index(i, len, step),
    };
    let stop = match small_part(stop)? {
        Part::None if step < 0 => -1,
        Part::None => len,
        Part::Int(i) => adjust_index(i, len, step),
    };
    Some((start, stop, step, slice_length(start, stop, step)))
}

/// `PySlice_AdjustIndices` for one given bound `i` of a slice over `len`
/// items with step `step` (not zero).
pub(crate) fn adjust_index(i: i64, len: i64, step: i64) -> i64 {
    if i < 0 {
        let j = i.saturating_add(len);
        if j >= 0 {
            j
        } else if step < 0 {
            -1
        } else {
            0
        }
    } else if i >= len {
        if step < 0 {
            len - 1
        } else {
            len
        }
    } else {
        i
    }
}

/// How many items the adjusted `start:stop:step` (step not zero) takes.
pub(crate) fn slice_length(start: i64, stop: i64, step: i64) -> usize {
    let n = if step < 0 {
        if stop < start {
            (start - stop - 1) / (-step) + 1
        } else {
            0
        }
    } else if start < stop {
        (stop - start - 1) / step + 1
    } else {
        0
    };
    usize::try_from(n).unwrap_or(0)
}

/// [`small_indices`], else the general `slice.indices` rules (which may
/// call `__index__`).
#[inline]
pub fn indices(vm: &mut Vm, slice: &PyRef, len: usize) -> PyResult<(i64, i64, i64, usize)> {
    match small_indices(slice, len) {
        Some(r) => Ok(r),
        None => vm.slice_indices(slice, len),
    }
}

fn self_slice(vm: &Vm, args: &Args) -> PyResult<(PyRef, [Value; 3])> {
    match args.args.first() {
        Some(Value::Obj(o)) => match parts(o) {
            Some(p) => Ok((o.clone(), p)),
            None => Err(vm.type_error("descriptor requires a 'slice' object")),
        },
        _ => Err(vm.type_error("descriptor requires a 'slice' object")),
    }
}

fn slice_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("slice", args, 1, 3)?;
    let p = match a {
        [stop] => [Value::None, stop.clone(), Value::None],
        [start, stop] => [start.clone(), stop.clone(), Value::None],
        [start, stop, step] => [start.clone(), stop.clone(), step.clone()],
        _ => return Err(vm.type_error("slice expected at least 1 argument, got 0")),
    };
    Ok(Value::Obj(
        vm.new_obj(&vm.types.slice, Payload::Slice(Box::new(p))),
    ))
}

fn field(vm: &mut Vm, v: &Value, i: usize) -> PyResult<Value> {
    match v {
        Value::Obj(o) => match parts(o) {
            Some(p) => Ok(p.into_iter().nth(i).unwrap_or(Value::None)),
            None => Err(vm.type_error("descriptor requires a 'slice' object")),
        },
        _ => Err(vm.type_error("descriptor requires a 'slice' object")),
    }
}

fn slice_start(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    field(vm, v, 0)
}

fn slice_stop(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    field(vm, v, 1)
}

fn slice_step(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    field(vm, v, 2)
}

/// `slice.indices(length)`.
fn slice_indices_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (o, _) = self_slice(vm, &args)?;
    let a = vm.check_args("slice.indices", args, 1, 1)?;
    let n = vm.index_int(&a[0])?;
    let length = to_bigint(&vm.new_int(n)).unwrap_or_default();
    if length.is_negative() {
        return Err(vm.value_error("length should not be negative"));
    }
    let (start, stop, step) = long_indices(vm, &o, &length)?;
    let t = vec![
        vm.new_bigint(start),
        vm.new_bigint(stop),
        vm.new_bigint(step),
    ];
    Ok(vm.new_tuple(t))
}

/// `slice_richcompare`: compare `(start, stop, step)` tuples.
fn slice_cmp(vm: &mut Vm, args: Args, op: CmpOp) -> PyResult<Value> {
    let (_, a) = self_slice(vm, &args)?;
    let b = match args.args.get(1) {
        Some(Value::Obj(o)) => parts(o),
        _ => None,
    };
    let Some(b) = b else {
        return Ok(vm.not_implemented());
    };
    let (ta, tb) = (vm.new_tuple(a.to_vec()), vm.new_tuple(b.to_vec()));
    vm.richcompare(&ta, &tb, op)
}

macro_rules! cmp_methods {
    ($($name:ident, $op:ident;)*) => {
        $( fn $name(vm: &mut Vm, args: Args) -> PyResult<Value> { slice_cmp(vm, args, CmpOp::$op) } )*
    };
}
cmp_methods! { slice_lt, Lt; slice_le, Le; slice_eq, Eq; slice_ne, Ne; slice_gt, Gt; slice_ge, Ge; }

pub fn install(vm: &mut Vm) {
    let t = vm.types.slice.clone();
    vm.add_staticmethods(&t, &[("__new__", slice_new)]);
    vm.add_methods(
        &t,
        &[
            ("indices", slice_indices_m),
            ("__lt__", slice_lt),
            ("__le__", slice_le),
            ("__eq__", slice_eq),
            ("__ne__", slice_ne),
            ("__gt__", slice_gt),
            ("__ge__", slice_ge),
        ],
    );
    vm.add_getsets(
        &t,
        &[
            ("start", slice_start, None),
            ("stop", slice_stop, None),
            ("step", slice_step, None),
        ],
    );
    vm.add_type_attr(&t, "__hash__", Value::None);
}
