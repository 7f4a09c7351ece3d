//! `float` and `complex`: arithmetic with CPython's rules, and methods.

use super::function::Args;
use super::Payload;
use crate::vm::proto::{BinOp, CmpOp};
use crate::vm::value::Value;
use crate::vm::{PyErr, PyResult, Vm};

/// A float view of a float, int or bool operand (None for others).
fn as_f64(vm: &Vm, v: &Value) -> Option<PyResult<f64>> {
    match v {
        Value::Float(f) => Some(Ok(*f)),
        Value::Int(i) => Some(Ok(*i as f64)),
        Value::Bool(b) => Some(Ok(*b as i64 as f64)),
        Value::Obj(o) => match &o.payload {
            Payload::Float(f) => Some(Ok(*f)),
            Payload::Int(_) => Some(vm.int_to_f64(v)),
            _ => None,
        },
        _ => None,
    }
}

fn is_float(v: &Value) -> bool {
    match v {
        Value::Float(_) => true,
        Value::Obj(o) => matches!(o.payload, Payload::Float(_)),
        _ => false,
    }
}

pub fn cmp_floats(a: f64, b: f64, op: CmpOp) -> bool {
    match op {
        CmpOp::Lt => a < b,
        CmpOp::Le => a <= b,
        CmpOp::Eq => a == b,
        CmpOp::Ne => a != b,
        CmpOp::Gt => a > b,
        CmpOp::Ge => a >= b,
    }
}

/// Python's float `divmod` (Objects/floatobject.c `_float_div_mod`).
pub fn float_divmod(vx: f64, wx: f64) -> (f64, f64) {
    let mut m = vx % wx;
    let mut div = (vx - m) / wx;
    if m != 0.0 {
        if (wx < 0.0) != (m < 0.0) {
            m += wx;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(wx);
    }
    let floordiv = if div != 0.0 {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    } else {
        0.0f64.copysign(vx / wx)
    };
    (floordiv, m)
}

fn range_error(vm: &Vm) -> PyErr {
    vm.overflow_error("(34, 'Numerical result out of range')")
}

/// `x ** y` for floats (CPython's float_pow), or a complex result marker.
pub fn float_pow(vm: &Vm, x: f64, y: f64) -> PyResult<Value> {
    if y == 0.0 {
        return Ok(Value::Float(1.0));
    }
    if x.is_nan() {
        return Ok(Value::Float(if y == 0.0 { 1.0 } else { x }));
    }
    if y.is_nan() {
        return Ok(Value::Float(if x == 1.0 { 1.0 } else { y }));
    }
    if x == 0.0 && y < 0.0 && y.is_finite() {
        return Err(vm.zero_division("0.0 cannot be raised to a negative power"));
    }
    if x < 0.0 && y.is_finite() && y.floor() != y {
        // A negative base with a fractional exponent gives a complex.
        let (r, th) = (x.abs().powf(y), std::f64::consts::PI * y);
        return Ok(vm.new_complex(r * th.cos(), r * th.sin()));
    }
    let r = x.powf(y);
    if r.is_infinite() && x.is_finite() && y.is_finite() {
        return Err(range_error(vm));
    }
    Ok(Value::Float(r))
}

/// `a <op> b` when one side is a float and the other a number.
pub fn fast_binop(vm: &mut Vm, a: &Value, b: &Value, op: BinOp) -> Option<PyResult<Value>> {
    if !is_float(a) && !is_float(b) {
        return None;
    }
    let x = match as_f64(vm, a)? {
        Ok(x) => x,
        Err(e) => return Some(Err(e)),
    };
    let y = match as_f64(vm, b)? {
        Ok(y) => y,
        Err(e) => return Some(Err(e)),
    };
    Some(match op {
        BinOp::Add => Ok(Value::Float(x + y)),
        BinOp::Sub => Ok(Value::Float(x - y)),
        BinOp::Mul => Ok(Value::Float(x * y)),
        BinOp::TrueDiv => {
            if y == 0.0 {
                Err(vm.zero_division("float division by zero"))
            } else {
                Ok(Value::Float(x / y))
            }
        }
        BinOp::FloorDiv => {
            if y == 0.0 {
                Err(vm.zero_division("float floor division by zero"))
            } else {
                Ok(Value::Float(float_divmod(x, y).0))
            }
        }
        BinOp::Mod => {
            if y == 0.0 {
                Err(vm.zero_division("float modulo"))
            } else {
                Ok(Value::Float(float_divmod(x, y).1))
            }
        }
        BinOp::Pow => float_pow(vm, x, y),
        _ => return None,
    })
}

impl Vm {
    pub fn new_complex(&self, re: f64, im: f64) -> Value {
        Value::Obj(self.new_obj(&self.types.complex, Payload::Complex(re, im)))
    }

    /// A float's value (float, int or bool), or a TypeError.
    pub fn to_f64(&self, v: &Value) -> PyResult<f64> {
        match as_f64(self, v) {
            Some(r) => r,
            None => {
                Err(self.type_error(format!("must be real number, not {}", self.type_name_of(v))))
            }
        }
    }
}

macro_rules! float_binary_methods {
    ($( $fname:ident, $rname:ident, $op:expr ;)*) => {
        $(
            fn $fname(vm: &mut Vm, args: Args) -> PyResult<Value> {
                let (a, b) = (args.args.first().cloned().unwrap_or(Value::None), args.args.get(1).cloned().unwrap_or(Value::None));
                if as_f64(vm, &b).is_none() { return Ok(vm.not_implemented()); }
                match fast_binop(vm, &a, &Value::Float(match as_f64(vm, &b) { Some(Ok(f)) => f, Some(Err(e)) => return Err(e), None => 0.0 }), $op) {
                    Some(r) => r,
                    None => Ok(vm.not_implemented()),
                }
            }
            fn $rname(vm: &mut Vm, args: Args) -> PyResult<Value> {
                let (a, b) = (args.args.first().cloned().unwrap_or(Value::None), args.args.get(1).cloned().unwrap_or(Value::None));
                let bf = match as_f64(vm, &b) { Some(Ok(f)) => f, Some(Err(e)) => return Err(e), None => return Ok(vm.not_implemented()) };
                match fast_binop(vm, &Value::Float(bf), &a, $op) {
                    Some(r) => r,
                    None => Ok(vm.not_implemented()),
                }
            }
        )*
    };
}

float_binary_methods! {
    float_add, float_radd, BinOp::Add;
    float_sub, float_rsub, BinOp::Sub;
    float_mul, float_rmul, BinOp::Mul;
    float_truediv, float_rtruediv, BinOp::TrueDiv;
    float_floordiv, float_rfloordiv, BinOp::FloorDiv;
    float_mod, float_rmod, BinOp::Mod;
    float_pow_m, float_rpow, BinOp::Pow;
}

fn self_f64(vm: &Vm, args: &Args) -> PyResult<f64> {
    match args.args.first().and_then(|v| as_f64(vm, v)) {
        Some(r) => r,
        None => Err(vm.type_error("descriptor requires a 'float' object")),
    }
}

fn float_neg(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Float(-self_f64(vm, &args)?))
}
fn float_pos(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Float(self_f64(vm, &args)?))
}
fn float_abs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Float(self_f64(vm, &args)?.abs()))
}
fn float_bool(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Bool(self_f64(vm, &args)? != 0.0))
}
fn float_float(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Float(self_f64(vm, &args)?))
}
fn float_int(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = self_f64(vm, &args)?;
    vm.float_to_int(f)
}
fn float_is_integer(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = self_f64(vm, &args)?;
    Ok(Value::Bool(f.is_finite() && f.floor() == f))
}
fn float_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = self_f64(vm, &args)?;
    Ok(Value::Int(crate::pyhash::hash_float(f, 0)))
}
fn float_conjugate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    float_float(vm, args)
}
fn float_hex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = self_f64(vm, &args)?;
    Ok(vm.new_string(crate::pyfmt::float_hex(f)))
}
fn float_richcmp(vm: &mut Vm, args: Args, op: CmpOp) -> PyResult<Value> {
    let (a, b) = (
        args.args.first().cloned().unwrap_or(Value::None),
        args.args.get(1).cloned().unwrap_or(Value::None),
    );
    let x = self_f64(vm, &args)?;
    match &b {
        Value::Int(_) | Value::Bool(_) => Ok(Value::Bool(crate::objects::int::compare_int_float(
            &b,
            &Value::Float(x),
            op.swapped(),
        ))),
        _ => match as_f64(vm, &b) {
            Some(Ok(y)) => Ok(Value::Bool(cmp_floats(x, y, op))),
            Some(Err(_)) => {
                // A huge int against a float: compare by sign and magnitude.
                let _ = a;
                let big = crate::objects::int::to_bigint(&b).unwrap_or_default();
                let r = if x.is_nan() {
                    op == CmpOp::Ne
                } else {
                    let ord = if num_traits::Signed::is_negative(&big) {
                        std::cmp::Ordering::Greater
                    } else {
                        std::cmp::Ordering::Less
                    };
                    op.test(ord)
                };
                Ok(Value::Bool(r))
            }
            None => Ok(vm.not_implemented()),
        },
    }
}
macro_rules! cmp_methods {
    ($($name:ident, $op:ident;)*) => {
        $( fn $name(vm: &mut Vm, args: Args) -> PyResult<Value> { float_richcmp(vm, args, CmpOp::$op) } )*
    };
}
cmp_methods! { float_lt, Lt; float_le, Le; float_eq, Eq; float_ne, Ne; float_gt, Gt; float_ge, Ge; }

impl Vm {
    /// `int(f)` for a float (truncating).
    pub fn float_to_int(&self, f: f64) -> PyResult<Value> {
        if f.is_nan() {
            return Err(self.value_error("cannot convert float NaN to integer"));
        }
        if f.is_infinite() {
            return Err(self.overflow_error("cannot convert float infinity to integer"));
        }
        let t = f.trunc();
        if t.abs() < 9.0e18 {
            return Ok(Value::Int(t as i64));
        }
        let (m, e) = frexp_int(t);
        let b = num_bigint::BigInt::from(m) << (e as usize);
        Ok(self.new_bigint(b))
    }
}

/// An integral float >= 2**53 in magnitude as (mantissa, exponent >= 0).
pub fn frexp_int(t: f64) -> (i64, i32) {
    let bits = t.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32 - 1075;
    let mant = ((bits & ((1u64 << 52) - 1)) | (1u64 << 52)) as i64;
    let mant = if t < 0.0 { -mant } else { mant };
    (mant, exp.max(0))
}

pub fn install(vm: &mut Vm) {
    let t = vm.types.float.clone();
    vm.add_methods(
        &t,
        &[
            ("__add__", float_add),
            ("__radd__", float_radd),
            ("__sub__", float_sub),
            ("__rsub__", float_rsub),
            ("__mul__", float_mul),
            ("__rmul__", float_rmul),
            ("__truediv__", float_truediv),
            ("__rtruediv__", float_rtruediv),
            ("__floordiv__", float_floordiv),
            ("__rfloordiv__", float_rfloordiv),
            ("__mod__", float_mod),
            ("__rmod__", float_rmod),
            ("__pow__", float_pow_m),
            ("__rpow__", float_rpow),
            ("__neg__", float_neg),
            ("__pos__", float_pos),
            ("__abs__", float_abs),
            ("__bool__", float_bool),
            ("__float__", float_float),
            ("__int__", float_int),
            ("__trunc__", float_int),
            ("__hash__", float_hash),
            ("__lt__", float_lt),
            ("__le__", float_le),
            ("__eq__", float_eq),
            ("__ne__", float_ne),
            ("__gt__", float_gt),
            ("__ge__", float_ge),
            ("is_integer", float_is_integer),
            ("conjugate", float_conjugate),
            ("hex", float_hex),
        ],
    );
    vm.add_staticmethods(&t, &[("__new__", crate::builtins::convert::float_new)]);
}
