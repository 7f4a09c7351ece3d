//! `range` objects (Objects/rangeobject.c): ranges whose bounds and
//! length fit in 64 bits use i64 arithmetic; any other range keeps its
//! bounds as big ints, as CPython's ranges hold arbitrary ints.

use num_bigint::BigInt;
use num_traits::{One, Signed, ToPrimitive, Zero};

use super::function::Args;
use super::int::{as_int, to_bigint};
use super::iter::IterState;
use super::Payload;
use crate::vm::proto::CmpOp;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// A `range`. When `big` is set, the i64 fields are unused and the bounds
/// are there (a bound or the length does not fit in i64).
#[derive(Clone)]
pub struct Range {
    pub start: i64,
    pub stop: i64,
    pub step: i64,
    pub big: Option<Box<BigRange>>,
}

/// The bounds of a range beyond 64 bits, with its length.
#[derive(Clone)]
pub struct BigRange {
    pub start: BigInt,
    pub stop: BigInt,
    pub step: BigInt,
    pub len: BigInt,
}

/// `compute_range_length`: the number of items (step is not zero).
fn big_len(start: &BigInt, stop: &BigInt, step: &BigInt) -> BigInt {
    let (lo, hi, step) = if step.is_positive() {
        (start, stop, step.clone())
    } else {
        (stop, start, -step)
    };
    if lo >= hi {
        return BigInt::zero();
    }
    (hi - lo - BigInt::one()) / step + BigInt::one()
}

/// The length of `range(start, stop, step)` (`step` not zero) if it fits
/// in an i64.
fn small_len(start: i64, stop: i64, step: i64) -> Option<i64> {
    let (lo, hi, step) = (i128::from(start), i128::from(stop), i128::from(step));
    let n = if step > 0 && lo < hi {
        (hi - lo - 1) / step + 1
    } else if step < 0 && lo > hi {
        (lo - hi - 1) / (-step) + 1
    } else {
        0
    };
    i64::try_from(n).ok()
}

impl Range {
    /// A small range (the caller knows the length fits in i64).
    pub fn small(start: i64, stop: i64, step: i64) -> Range {
        Range {
            start,
            stop,
            step,
            big: None,
        }
    }

    /// A range from arbitrary bounds (`step` is not zero).
    pub fn from_big(start: BigInt, stop: BigInt, step: BigInt) -> Range {
        let len = big_len(&start, &stop, &step);
        if let (Some(a), Some(b), Some(c), Some(_)) =
            (start.to_i64(), stop.to_i64(), step.to_i64(), len.to_i64())
        {
            return Range::small(a, b, c);
        }
        Range {
            start: 0,
            stop: 0,
            step: 1,
            big: Some(Box::new(BigRange {
                start,
                stop,
                step,
                len,
            })),
        }
    }

    /// Number of elements of a small range (a big one saturates).
    pub fn len(&self) -> i64 {
        if let Some(b) = &self.big {
            return b.len.to_i64().unwrap_or(i64::MAX);
        }
        let (lo, hi, step) = (self.start as i128, self.stop as i128, self.step as i128);
        let n = if step > 0 && lo < hi {
            (hi - lo - 1) / step + 1
        } else if step < 0 && lo > hi {
            (lo - hi - 1) / (-step) + 1
        } else {
            0
        };
        n as i64
    }

    pub fn is_empty(&self) -> bool {
        match &self.big {
            Some(b) => b.len.is_zero(),
            None => self.len() == 0,
        }
    }

    /// The i-th element of a small range (0 <= i < len).
    pub fn get(&self, i: i64) -> i64 {
        self.start.wrapping_add(i.wrapping_mul(self.step))
    }

    pub fn start_big(&self) -> BigInt {
        self.big
            .as_ref()
            .map_or_else(|| BigInt::from(self.start), |b| b.start.clone())
    }

    pub fn stop_big(&self) -> BigInt {
        self.big
            .as_ref()
            .map_or_else(|| BigInt::from(self.stop), |b| b.stop.clone())
    }

    pub fn step_big(&self) -> BigInt {
        self.big
            .as_ref()
            .map_or_else(|| BigInt::from(self.step), |b| b.step.clone())
    }

    pub fn len_big(&self) -> BigInt {
        self.big
            .as_ref()
            .map_or_else(|| BigInt::from(self.len()), |b| b.len.clone())
    }

    /// `repr()`: `range(a, b)` or `range(a, b, step)`.
    pub fn repr(&self) -> String {
        let step = self.step_big();
        if step.is_one() {
            format!("range({}, {})", self.start_big(), self.stop_big())
        } else {
            format!("range({}, {}, {})", self.start_big(), self.stop_big(), step)
        }
    }

    /// `range_contains_long`: whether an int is an element.
    pub fn contains_int(&self, x: &BigInt) -> bool {
        let (start, stop, step) = (self.start_big(), self.stop_big(), self.step_big());
        let inside = if step.is_positive() {
            &start <= x && x < &stop
        } else {
            x <= &start && &stop < x
        };
        inside && ((x - &start) % &step).is_zero()
    }
}

fn range_of(o: &PyRef) -> Option<&Range> {
    match &o.payload {
        Payload::Range(r) => Some(r),
        _ => None,
    }
}

fn self_range(vm: &Vm, args: &Args) -> PyResult<(PyRef, Range)> {
    match args.args.first() {
        Some(Value::Obj(o)) => match range_of(o) {
            Some(r) => Ok((o.clone(), r.clone())),
            None => Err(vm.type_error("descriptor requires a 'range' object")),
        },
        _ => Err(vm.type_error("descriptor requires a 'range' object")),
    }
}

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

/// Whether `v` is an exact int or a bool (`PyLong_CheckExact || PyBool_Check`).
fn exact_int(vm: &Vm, v: &Value) -> Option<BigInt> {
    match v {
        Value::Int(_) | Value::Bool(_) => to_bigint(v),
        Value::Obj(o) if o.class_is(&vm.types.int) || o.class_is(&vm.types.bool_) => to_bigint(v),
        _ => None,
    }
}

impl Vm {
    pub fn new_range(&self, r: Range) -> Value {
        Value::Obj(self.new_obj(&self.types.range, Payload::Range(r)))
    }

    /// `len(range)`: OverflowError past `sys.maxsize`.
    pub fn range_len(&self, r: &Range) -> PyResult<usize> {
        match &r.big {
            None => Ok(r.len().max(0) as usize),
            Some(b) => b.len.to_i64().map(|n| n as usize).ok_or_else(|| {
                self.new_error(
                    super::exception::ExcKind::OverflowError,
                    "Python int too large to convert to C ssize_t",
                )
            }),
        }
    }

    /// `item in range`: arithmetic for ints, else comparison with each item.
    pub fn range_contains(&mut self, o: &PyRef, item: &Value) -> PyResult<bool> {
        let Some(r) = range_of(o) else {
            return Ok(false);
        };
        if let Some(x) = exact_int(self, item) {
            return Ok(r.contains_int(&x));
        }
        let it = self.range_iter(r, false);
        while let Some(v) = self.next(&it)? {
            if self.eq(&v, item)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// An iterator over a range, forward or reversed.
    pub fn range_iter(&self, r: &Range, reverse: bool) -> Value {
        let st = match (&r.big, reverse) {
            (None, false) => IterState::Range {
                next: r.start,
                remaining: r.len(),
                step: r.step,
            },
            (None, true) => {
                let n = r.len();
                IterState::Range {
                    next: r.get(n.wrapping_sub(1)),
                    remaining: n,
                    step: r.step.wrapping_neg(),
                }
            }
            (Some(b), false) => IterState::BigRange {
                next: b.start.clone(),
                remaining: b.len.clone(),
                step: b.step.clone(),
            },
            (Some(b), true) => IterState::BigRange {
                next: &b.start + (&b.len - BigInt::one()) * &b.step,
                remaining: b.len.clone(),
                step: -b.step.clone(),
            },
        };
        // A small reversed range whose negated step overflows goes big.
        let st = match st {
            IterState::Range { step, .. } if reverse && r.big.is_none() && r.step == i64::MIN => {
                let _ = step;
                IterState::BigRange {
                    next: r.start_big() + (r.len_big() - BigInt::one()) * r.step_big(),
                    remaining: r.len_big(),
                    step: -r.step_big(),
                }
            }
            st => st,
        };
        self.new_iter(&self.types.range_iterator, st)
    }
}

/// `range[key]`.
/// `r[a:b:c]` of a small range with int or None bounds and a nonzero
/// step: CPython's `compute_slice` (`_PySlice_GetLongIndices`' clamping)
/// on machine words. None (the big-int path decides) otherwise or when a
/// bound or the length leaves 64 bits.
fn small_slice(r: &Range, s: &PyRef) -> Option<Range> {
    if r.big.is_some() {
        return None;
    }
    let Payload::Slice(parts) = &s.payload else {
        return None;
    };
    let [a, b, c] = &**parts;
    let int = |v: &Value| match v {
        Value::None => Some(None),
        Value::Int(i) => Some(Some(*i as i128)),
        _ => None,
    };
    let (start, stop, step) = (int(a)?, int(b)?, int(c)?);
    let step = step.unwrap_or(1);
    if step == 0 {
        return None;
    }
    let len = r.len() as i128;
    let (lower, upper) = if step > 0 { (0, len) } else { (-1, len - 1) };
    let clamp = |v: Option<i128>, dflt: i128| match v {
        None => dflt,
        Some(i) if i < 0 => (i + len).max(lower),
        Some(i) => i.min(upper),
    };
    let start = clamp(start, if step < 0 { upper } else { lower });
    let stop = clamp(stop, if step < 0 { lower } else { upper });
    let (rs, rstep) = (r.start as i128, r.step as i128);
    let na = i64::try_from(rs + start * rstep).ok()?;
    let nb = i64::try_from(rs + stop * rstep).ok()?;
    let nc = i64::try_from(rstep.checked_mul(step)?).ok()?;
    let nr = Range::small(na, nb, nc);
    // The length must fit too (`Range::small`'s contract).
    let (lo, hi, st) = (na as i128, nb as i128, nc as i128);
    let n = if st > 0 && lo < hi {
        (hi - lo - 1) / st + 1
    } else if st < 0 && lo > hi {
        (lo - hi - 1) / (-st) + 1
    } else {
        0
    };
    (n <= i64::MAX as i128).then_some(nr)
}

pub fn range_getitem(vm: &mut Vm, o: &PyRef, key: &Value) -> PyResult<Value> {
    let Some(r) = range_of(o).cloned() else {
        return Err(vm.type_error("not a range"));
    };
    if let Some(s) = crate::vm::Vm::as_slice(key) {
        if let Some(nr) = small_slice(&r, s) {
            return Ok(vm.new_range(nr));
        }
        let (start, stop, step) = super::slice::long_indices(vm, &s.clone(), &r.len_big())?;
        let rstep = r.step_big();
        let item = |i: &BigInt| r.start_big() + i * &rstep;
        let nr = Range::from_big(item(&start), item(&stop), &rstep * step);
        return Ok(vm.new_range(nr));
    }
    let idx = match as_int(key) {
        Some(_) => to_bigint(key),
        None if vm
            .type_lookup_static(&vm.type_of(key), "__index__")
            .is_some() =>
        {
            let i = vm.index_int(key)?;
            to_bigint(&vm.new_int(i))
        }
        None => None,
    };
    let Some(mut i) = idx else {
        return Err(vm.type_error(format!(
            "range indices must be integers or slices, not {}",
            vm.type_name_of(key)
        )));
    };
    let len = r.len_big();
    if i.is_negative() {
        i += &len;
    }
    if i.is_negative() || i >= len {
        return Err(vm.index_error("range object index out of range"));
    }
    if r.big.is_none() {
        if let Some(i) = i.to_i64() {
            return Ok(Value::Int(r.get(i)));
        }
    }
    Ok(vm.new_bigint(r.start_big() + i * r.step_big()))
}

fn range_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("range", args, 1, 3)?;
    // Plain ints whose length fits (the usual case): no big arithmetic.
    let small = match a {
        [Value::Int(stop)] => Some((0, *stop, 1)),
        [Value::Int(start), Value::Int(stop)] => Some((*start, *stop, 1)),
        [Value::Int(start), Value::Int(stop), Value::Int(step)] if *step != 0 => {
            Some((*start, *stop, *step))
        }
        _ => None,
    };
    if let Some((start, stop, step)) = small {
        if small_len(start, stop, step).is_some() {
            return Ok(vm.new_range(Range::small(start, stop, step)));
        }
    }
    let mut n = Vec::with_capacity(3);
    for v in a {
        let i = vm.index_int(v)?;
        n.push(to_bigint(&vm.new_int(i)).unwrap_or_default());
    }
    let mut it = n.into_iter();
    let (start, stop, step) = match (it.next(), it.next(), it.next()) {
        (Some(stop), None, _) => (BigInt::zero(), stop, BigInt::one()),
        (Some(start), Some(stop), None) => (start, stop, BigInt::one()),
        (Some(start), Some(stop), Some(step)) => {
            if step.is_zero() {
                return Err(vm.value_error("range() arg 3 must not be zero"));
            }
            (start, stop, step)
        }
        _ => return Err(vm.type_error("range expected at least 1 argument, got 0")),
    };
    Ok(vm.new_range(Range::from_big(start, stop, step)))
}

fn range_field(vm: &mut Vm, v: &Value, which: u8) -> PyResult<Value> {
    let r = match v {
        Value::Obj(o) => range_of(o).cloned(),
        _ => None,
    };
    let Some(r) = r else {
        return Err(vm.type_error("descriptor requires a 'range' object"));
    };
    if r.big.is_none() {
        return Ok(Value::Int(match which {
            0 => r.start,
            1 => r.stop,
            _ => r.step,
        }));
    }
    Ok(vm.new_bigint(match which {
        0 => r.start_big(),
        1 => r.stop_big(),
        _ => r.step_big(),
    }))
}

fn range_start(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    range_field(vm, v, 0)
}

fn range_stop(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    range_field(vm, v, 1)
}

fn range_step(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    range_field(vm, v, 2)
}

fn range_len_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, r) = self_range(vm, &args)?;
    Ok(Value::Int(vm.range_len(&r)? as i64))
}

fn range_bool(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, r) = self_range(vm, &args)?;
    Ok(Value::bool(!r.is_empty()))
}

fn range_getitem_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (o, _) = self_range(vm, &args)?;
    range_getitem(vm, &o, &arg(&args, 1))
}

fn range_contains_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (o, _) = self_range(vm, &args)?;
    Ok(Value::bool(vm.range_contains(&o, &arg(&args, 1))?))
}

fn range_iter_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, r) = self_range(vm, &args)?;
    Ok(vm.range_iter(&r, false))
}

fn range_reversed(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, r) = self_range(vm, &args)?;
    vm.check_args("range.__reversed__", args, 0, 0)?;
    Ok(vm.range_iter(&r, true))
}

/// `range_equals`: same length, and (if non-empty) same start, and (if
/// longer than one) same step.
fn range_equals(a: &Range, b: &Range) -> bool {
    let len = a.len_big();
    if len != b.len_big() {
        return false;
    }
    if len.is_zero() {
        return true;
    }
    if a.start_big() != b.start_big() {
        return false;
    }
    len.is_one() || a.step_big() == b.step_big()
}

fn range_cmp(vm: &mut Vm, args: Args, op: CmpOp) -> PyResult<Value> {
    let (_, a) = self_range(vm, &args)?;
    let b = match &arg(&args, 1) {
        Value::Obj(o) => range_of(o).cloned(),
        _ => None,
    };
    match (b, op) {
        (Some(b), CmpOp::Eq) => Ok(Value::bool(range_equals(&a, &b))),
        (Some(b), CmpOp::Ne) => Ok(Value::bool(!range_equals(&a, &b))),
        _ => Ok(vm.not_implemented()),
    }
}

fn range_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    range_cmp(vm, args, CmpOp::Eq)
}

fn range_ne(vm: &mut Vm, args: Args) -> PyResult<Value> {
    range_cmp(vm, args, CmpOp::Ne)
}

/// `range_hash`: the hash of `(len, start, step)` with `None` for what
/// does not matter (start when empty, step when of length 0 or 1).
fn range_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, r) = self_range(vm, &args)?;
    let len = r.len_big();
    let (start, step) = if len.is_zero() {
        (Value::None, Value::None)
    } else if len.is_one() {
        (vm.new_bigint(r.start_big()), Value::None)
    } else {
        (vm.new_bigint(r.start_big()), vm.new_bigint(r.step_big()))
    };
    let t = vm.new_tuple_of([vm.new_bigint(len), start, step]);
    Ok(Value::Int(vm.hash(&t)?))
}

fn range_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (o, r) = self_range(vm, &args)?;
    let a = vm.check_args("range.count", args, 1, 1)?;
    if let Some(x) = exact_int(vm, &a[0]) {
        return Ok(Value::Int(r.contains_int(&x) as i64));
    }
    let it = vm.range_iter(&r, false);
    let _ = o;
    let mut n = 0i64;
    while let Some(v) = vm.next(&it)? {
        if vm.eq(&v, &a[0])? {
            n += 1;
        }
    }
    Ok(Value::Int(n))
}

fn range_index(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, r) = self_range(vm, &args)?;
    let a = vm.check_args("range.index", args, 1, 1)?;
    if let Some(x) = exact_int(vm, &a[0]) {
        if !r.contains_int(&x) {
            let s = vm.repr(&a[0])?;
            return Err(vm.value_error(format!("{s} is not in range")));
        }
        return Ok(vm.new_bigint((x - r.start_big()) / r.step_big()));
    }
    let it = vm.range_iter(&r, false);
    let mut i = 0i64;
    while let Some(v) = vm.next(&it)? {
        if vm.eq(&v, &a[0])? {
            return Ok(Value::Int(i));
        }
        i += 1;
    }
    Err(vm.value_error("sequence.index(x): x not in sequence"))
}

pub fn install(vm: &mut Vm) {
    let r = vm.types.range.clone();
    vm.add_staticmethods(&r, &[("__new__", range_new)]);
    vm.add_methods(
        &r,
        &[
            ("__len__", range_len_m),
            ("__bool__", range_bool),
            ("__getitem__", range_getitem_m),
            ("__contains__", range_contains_m),
            ("__iter__", range_iter_m),
            ("__reversed__", range_reversed),
            ("__eq__", range_eq),
            ("__ne__", range_ne),
            ("__hash__", range_hash),
            ("count", range_count),
            ("index", range_index),
        ],
    );
    vm.add_getsets(
        &r,
        &[
            ("start", range_start, None),
            ("stop", range_stop, None),
            ("step", range_step, None),
        ],
    );
}
