//! `int` and `bool`: arithmetic with i64 fast paths promoting to
//! num-bigint, and the types' methods.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};

use super::function::Args;
use super::Payload;
use crate::vm::proto::BinOp;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

/// The integer value of an int or bool (heap ints included).
pub fn to_bigint(v: &Value) -> Option<BigInt> {
    match v {
        Value::Int(i) => Some(BigInt::from(*i)),
        Value::Bool(b) => Some(BigInt::from(*b as i64)),
        Value::Obj(o) => match &o.payload {
            Payload::Int(b) => Some(b.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a value is an int (bool and subclasses included).
pub fn is_int(v: &Value) -> bool {
    match v {
        Value::Int(_) | Value::Bool(_) => true,
        Value::Obj(o) => matches!(o.payload, Payload::Int(_)),
        _ => false,
    }
}

fn small(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(*b as i64),
        _ => None,
    }
}

impl Vm {
    /// An int value in canonical form (unboxed when it fits 64 bits).
    pub fn new_bigint(&self, b: BigInt) -> Value {
        match b.to_i64() {
            Some(i) => Value::Int(i),
            None => Value::Obj(self.new_obj(&self.types.int, Payload::Int(b))),
        }
    }

    /// An int as f64, with CPython's OverflowError.
    pub fn int_to_f64(&self, v: &Value) -> PyResult<f64> {
        match v {
            Value::Int(i) => Ok(*i as f64),
            Value::Bool(b) => Ok(*b as i64 as f64),
            _ => {
                let b = to_bigint(v).unwrap_or_default();
                let f = crate::pyfmt::bigint_to_f64(&b).unwrap_or(f64::INFINITY);
                if f.is_infinite() {
                    return Err(self.overflow_error("int too large to convert to float"));
                }
                Ok(f)
            }
        }
    }
}

/// `a <op> b` when both are ints; None otherwise.
pub fn fast_binop(vm: &mut Vm, a: &Value, b: &Value, op: BinOp) -> Option<PyResult<Value>> {
    if let (Some(x), Some(y)) = (small(a), small(b)) {
        let r = match op {
            BinOp::Add => x.checked_add(y).map(Value::Int),
            BinOp::Sub => x.checked_sub(y).map(Value::Int),
            BinOp::Mul => x.checked_mul(y).map(Value::Int),
            BinOp::And | BinOp::Or | BinOp::Xor => {
                let r = match op {
                    BinOp::And => x & y,
                    BinOp::Or => x | y,
                    _ => x ^ y,
                };
                Some(if matches!((a, b), (Value::Bool(_), Value::Bool(_))) {
                    Value::Bool(r != 0)
                } else {
                    Value::Int(r)
                })
            }
            BinOp::FloorDiv | BinOp::Mod => {
                if y == 0 {
                    return Some(Err(vm.zero_division("integer division or modulo by zero")));
                }
                if x == i64::MIN && y == -1 {
                    None
                } else if op == BinOp::FloorDiv {
                    Some(Value::Int(Integer::div_floor(&x, &y)))
                } else {
                    Some(Value::Int(Integer::mod_floor(&x, &y)))
                }
            }
            BinOp::TrueDiv => {
                if y == 0 {
                    return Some(Err(vm.zero_division("division by zero")));
                }
                if x.unsigned_abs() < (1 << 53) && y.unsigned_abs() < (1 << 53) {
                    Some(Value::Float(x as f64 / y as f64))
                } else {
                    None
                }
            }
            BinOp::Pow => {
                if y < 0 {
                    if x == 0 {
                        return Some(Err(
                            vm.zero_division("0.0 cannot be raised to a negative power")
                        ));
                    }
                    Some(Value::Float((x as f64).powf(y as f64)))
                } else if let Ok(e) = u32::try_from(y) {
                    x.checked_pow(e).map(Value::Int)
                } else {
                    None
                }
            }
            BinOp::LShift => {
                if y < 0 {
                    return Some(Err(vm.value_error("negative shift count")));
                }
                if y < 63 && (x << y) >> y == x {
                    Some(Value::Int(x << y))
                } else {
                    None
                }
            }
            BinOp::RShift => {
                if y < 0 {
                    return Some(Err(vm.value_error("negative shift count")));
                }
                Some(Value::Int(if y >= 64 {
                    if x < 0 {
                        -1
                    } else {
                        0
                    }
                } else {
                    x >> y
                }))
            }
            BinOp::MatMul => return None,
        };
        if let Some(r) = r {
            return Some(Ok(r));
        }
    }
    if !is_int(a) || !is_int(b) || op == BinOp::MatMul {
        return None;
    }
    let x = to_bigint(a)?;
    let y = to_bigint(b)?;
    Some(big_binop(vm, &x, &y, op))
}

fn big_binop(vm: &mut Vm, x: &BigInt, y: &BigInt, op: BinOp) -> PyResult<Value> {
    Ok(match op {
        BinOp::Add => vm.new_bigint(x + y),
        BinOp::Sub => vm.new_bigint(x - y),
        BinOp::Mul => vm.new_bigint(x * y),
        BinOp::And => vm.new_bigint(x & y),
        BinOp::Or => vm.new_bigint(x | y),
        BinOp::Xor => vm.new_bigint(x ^ y),
        BinOp::FloorDiv | BinOp::Mod => {
            if y.is_zero() {
                return Err(vm.zero_division("integer division or modulo by zero"));
            }
            if op == BinOp::FloorDiv {
                vm.new_bigint(x.div_floor(y))
            } else {
                vm.new_bigint(x.mod_floor(y))
            }
        }
        BinOp::TrueDiv => {
            if y.is_zero() {
                return Err(vm.zero_division("division by zero"));
            }
            let fx = crate::pyfmt::bigint_to_f64(x).unwrap_or(f64::INFINITY);
            let fy = crate::pyfmt::bigint_to_f64(y).unwrap_or(f64::INFINITY);
            if fx.is_finite() && fy.is_finite() {
                Value::Float(fx / fy)
            } else {
                let (q, r) = x.div_rem(y);
                let f = crate::pyfmt::bigint_to_f64(&q).unwrap_or(f64::INFINITY)
                    + crate::pyfmt::bigint_to_f64(&r).unwrap_or(0.0) / fy;
                if f.is_infinite() {
                    return Err(vm.overflow_error("integer division result too large for a float"));
                }
                Value::Float(f)
            }
        }
        BinOp::Pow => {
            if y.is_negative() {
                if x.is_zero() {
                    return Err(vm.zero_division("0.0 cannot be raised to a negative power"));
                }
                let fx = crate::pyfmt::bigint_to_f64(x).unwrap_or(f64::INFINITY);
                let fy = crate::pyfmt::bigint_to_f64(y).unwrap_or(f64::NEG_INFINITY);
                Value::Float(fx.powf(fy))
            } else {
                let Some(e) = y.to_u32() else {
                    if x.abs() <= BigInt::from(1) {
                        return Ok(if x.is_negative() && y.is_odd() {
                            Value::Int(-1)
                        } else if x.is_zero() {
                            Value::Int(0)
                        } else {
                            Value::Int(1)
                        });
                    }
                    return Err(vm.new_error(crate::objects::exception::ExcKind::MemoryError, ""));
                };
                if x.bits().saturating_mul(e as u64) > (1 << 32) {
                    return Err(vm.new_error(crate::objects::exception::ExcKind::MemoryError, ""));
                }
                vm.new_bigint(num_traits::Pow::pow(x, e))
            }
        }
        BinOp::LShift => {
            if y.is_negative() {
                return Err(vm.value_error("negative shift count"));
            }
            if x.is_zero() {
                return Ok(Value::Int(0));
            }
            let Some(s) = y.to_usize().filter(|s| *s < (1 << 32)) else {
                return Err(vm.overflow_error("too many digits in integer"));
            };
            vm.new_bigint(x << s)
        }
        BinOp::RShift => {
            if y.is_negative() {
                return Err(vm.value_error("negative shift count"));
            }
            match y.to_usize() {
                Some(s) => vm.new_bigint(x >> s),
                None => Value::Int(if x.is_negative() { -1 } else { 0 }),
            }
        }
        BinOp::MatMul => vm.not_implemented(),
    })
}

/// Exact comparison of an int with a float (never lossy).
pub fn compare_int_float(a: &Value, b: &Value, op: crate::vm::proto::CmpOp) -> bool {
    use std::cmp::Ordering;
    let (i, f, flipped) = match (a, b) {
        (Value::Float(f), other) => (small(other).unwrap_or(0), *f, true),
        (other, Value::Float(f)) => (small(other).unwrap_or(0), *f, false),
        _ => return false,
    };
    let ord = if f.is_nan() {
        return op == crate::vm::proto::CmpOp::Ne;
    } else if f == f64::INFINITY {
        Ordering::Less
    } else if f == f64::NEG_INFINITY {
        Ordering::Greater
    } else {
        // Compare i with f exactly: both as i128 after flooring f.
        let fl = f.floor();
        if fl >= 9.3e18 {
            Ordering::Less
        } else if fl < -9.3e18 {
            Ordering::Greater
        } else {
            let fi = fl as i128;
            match (i as i128).cmp(&fi) {
                Ordering::Equal if f > fl => Ordering::Less,
                o => o,
            }
        }
    };
    op.test(if flipped { ord.reverse() } else { ord })
}

macro_rules! int_binary_methods {
    ($( $fname:ident, $rname:ident, $op:expr ;)*) => {
        $(
            fn $fname(vm: &mut Vm, args: Args) -> PyResult<Value> {
                let (a, b) = (args.args.first().cloned().unwrap_or(Value::None), args.args.get(1).cloned().unwrap_or(Value::None));
                match fast_binop(vm, &a, &b, $op) {
                    Some(r) => r,
                    None => Ok(vm.not_implemented()),
                }
            }
            fn $rname(vm: &mut Vm, args: Args) -> PyResult<Value> {
                let (a, b) = (args.args.first().cloned().unwrap_or(Value::None), args.args.get(1).cloned().unwrap_or(Value::None));
                match fast_binop(vm, &b, &a, $op) {
                    Some(r) => r,
                    None => Ok(vm.not_implemented()),
                }
            }
        )*
    };
}

int_binary_methods! {
    int_add, int_radd, BinOp::Add;
    int_sub, int_rsub, BinOp::Sub;
    int_mul, int_rmul, BinOp::Mul;
    int_floordiv, int_rfloordiv, BinOp::FloorDiv;
    int_truediv, int_rtruediv, BinOp::TrueDiv;
    int_mod, int_rmod, BinOp::Mod;
    int_pow, int_rpow, BinOp::Pow;
    int_lshift, int_rlshift, BinOp::LShift;
    int_rshift, int_rrshift, BinOp::RShift;
    int_and, int_rand, BinOp::And;
    int_or, int_ror, BinOp::Or;
    int_xor, int_rxor, BinOp::Xor;
}

fn self_int(vm: &Vm, args: &Args) -> PyResult<BigInt> {
    args.args
        .first()
        .and_then(to_bigint)
        .ok_or_else(|| vm.type_error("descriptor requires an 'int' object"))
}

fn int_neg(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args)?;
    Ok(vm.new_bigint(-x))
}
fn int_pos(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args)?;
    Ok(vm.new_bigint(x))
}
fn int_invert(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args)?;
    Ok(vm.new_bigint(-x - 1))
}
fn int_abs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args)?;
    Ok(vm.new_bigint(x.abs()))
}
fn int_bool(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args)?;
    Ok(Value::Bool(!x.is_zero()))
}
fn int_int(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args)?;
    Ok(vm.new_bigint(x))
}
fn int_float(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = args.args.first().cloned().unwrap_or(Value::Int(0));
    Ok(Value::Float(vm.int_to_f64(&v)?))
}
fn int_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = args.args.first().cloned().unwrap_or(Value::Int(0));
    let x = self_int(vm, &args)?;
    let _ = v;
    Ok(Value::Int(crate::pyhash::hash_bigint(&x)))
}
fn int_bit_length(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args)?;
    Ok(Value::Int(x.bits() as i64))
}
fn int_bit_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args)?;
    let n: u64 = x
        .abs()
        .iter_u64_digits()
        .map(|d| d.count_ones() as u64)
        .sum();
    Ok(Value::Int(n as i64))
}
fn int_conjugate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    int_int(vm, args)
}

fn int_richcmp(vm: &mut Vm, args: Args, op: crate::vm::proto::CmpOp) -> PyResult<Value> {
    let (a, b) = (
        args.args.first().cloned().unwrap_or(Value::None),
        args.args.get(1).cloned().unwrap_or(Value::None),
    );
    if let (Some(x), Some(y)) = (to_bigint(&a), to_bigint(&b)) {
        return Ok(Value::Bool(op.test(x.cmp(&y))));
    }
    if let Value::Float(_) = b {
        if let Some(x) = small(&a) {
            return Ok(Value::Bool(compare_int_float(&Value::Int(x), &b, op)));
        }
        let fa = vm.int_to_f64(&a).unwrap_or(f64::INFINITY);
        return Ok(Value::Bool(crate::objects::float::cmp_floats(
            fa,
            match b {
                Value::Float(f) => f,
                _ => 0.0,
            },
            op,
        )));
    }
    Ok(vm.not_implemented())
}

macro_rules! cmp_methods {
    ($($name:ident, $op:ident;)*) => {
        $( fn $name(vm: &mut Vm, args: Args) -> PyResult<Value> { int_richcmp(vm, args, crate::vm::proto::CmpOp::$op) } )*
    };
}
cmp_methods! { int_lt, Lt; int_le, Le; int_eq, Eq; int_ne, Ne; int_gt, Gt; int_ge, Ge; }

pub fn install(vm: &mut Vm) {
    let t = vm.types.int.clone();
    vm.add_methods(
        &t,
        &[
            ("__add__", int_add),
            ("__radd__", int_radd),
            ("__sub__", int_sub),
            ("__rsub__", int_rsub),
            ("__mul__", int_mul),
            ("__rmul__", int_rmul),
            ("__floordiv__", int_floordiv),
            ("__rfloordiv__", int_rfloordiv),
            ("__truediv__", int_truediv),
            ("__rtruediv__", int_rtruediv),
            ("__mod__", int_mod),
            ("__rmod__", int_rmod),
            ("__pow__", int_pow),
            ("__rpow__", int_rpow),
            ("__lshift__", int_lshift),
            ("__rlshift__", int_rlshift),
            ("__rshift__", int_rshift),
            ("__rrshift__", int_rrshift),
            ("__and__", int_and),
            ("__rand__", int_rand),
            ("__or__", int_or),
            ("__ror__", int_ror),
            ("__xor__", int_xor),
            ("__rxor__", int_rxor),
            ("__neg__", int_neg),
            ("__pos__", int_pos),
            ("__invert__", int_invert),
            ("__abs__", int_abs),
            ("__bool__", int_bool),
            ("__int__", int_int),
            ("__index__", int_int),
            ("__float__", int_float),
            ("__hash__", int_hash),
            ("__lt__", int_lt),
            ("__le__", int_le),
            ("__eq__", int_eq),
            ("__ne__", int_ne),
            ("__gt__", int_gt),
            ("__ge__", int_ge),
            ("bit_length", int_bit_length),
            ("bit_count", int_bit_count),
            ("conjugate", int_conjugate),
        ],
    );
    vm.add_staticmethods(&t, &[("__new__", crate::builtins::convert::int_new)]);
    let b = vm.types.bool_.clone();
    vm.add_staticmethods(&b, &[("__new__", crate::builtins::convert::bool_new)]);
}
