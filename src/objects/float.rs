//! `float`: the BINARY_OP fast paths for floats mixed with ints, and the
//! type's methods, with the arithmetic of `crate::num`.

use crate::objects::rc::Rc;
use crate::vm::value::Truth;

use super::function::Args;
use super::int::{arg, as_int};
use super::Payload;
use crate::num::{self, cmp_int_float, Complex, FloatPow, Int};
use crate::vm::proto::{BinOp, CmpOp};
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

/// A float view of a float, int or bool operand (None for others); a huge
/// int gives CPython's OverflowError.
fn as_f64(vm: &Vm, v: &Value) -> Option<PyResult<f64>> {
    match v {
        Value::Float(f) => Some(Ok(f.get())),
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

/// Python's float `divmod` for a nonzero divisor.
pub fn float_divmod(vx: f64, wx: f64) -> (f64, f64) {
    num::float_divmod(vx, wx).unwrap_or((f64::NAN, f64::NAN))
}

/// `x ** y` for floats (CPython's `float_pow`): a complex when a negative
/// base meets a fractional exponent.
pub fn float_pow(vm: &Vm, x: f64, y: f64) -> PyResult<Value> {
    match num::float_pow(x, y) {
        Ok(FloatPow::Float(f)) => Ok(Value::float(f)),
        Ok(FloatPow::Complex) => {
            let c = num::complex_pow(Complex::new(x, 0.0), Complex::new(y, 0.0))
                .map_err(|e| vm.num_err(e))?;
            Ok(vm.new_complex(c.re, c.im))
        }
        Err(e) => Err(vm.num_err(e)),
    }
}

/// `x <op> y` for two floats; None for operators floats lack.
fn float_binop(vm: &Vm, x: f64, y: f64, op: BinOp) -> Option<PyResult<Value>> {
    let f = |r: Result<f64, num::NumError>| r.map(Value::float).map_err(|e| vm.num_err(e));
    Some(match op {
        BinOp::Add => Ok(Value::float(x + y)),
        BinOp::Sub => Ok(Value::float(x - y)),
        BinOp::Mul => Ok(Value::float(x * y)),
        BinOp::TrueDiv => f(num::float_div(x, y)),
        BinOp::FloorDiv => f(num::float_floordiv(x, y)),
        BinOp::Mod => f(num::float_mod(x, y)),
        BinOp::Pow => float_pow(vm, x, y),
        _ => return None,
    })
}

/// `a <op> b` when one side is a float and the other a float or int.
pub fn fast_binop(vm: &mut Vm, a: &Value, b: &Value, op: BinOp) -> Option<PyResult<Value>> {
    if let (Value::Float(x), Value::Float(y)) = (a, b) {
        return float_binop(vm, x.get(), y.get(), op);
    }
    let exact = |v: &Value| match v {
        Value::Obj(o) => {
            !matches!(o.payload, Payload::Int(_) | Payload::Float(_))
                || o.class_is(&vm.types.int)
                || o.class_is(&vm.types.float)
        }
        _ => true,
    };
    if (!is_float(a) && !is_float(b)) || !exact(a) || !exact(b) {
        return None;
    }
    if !matches!(
        op,
        BinOp::Add
            | BinOp::Sub
            | BinOp::Mul
            | BinOp::TrueDiv
            | BinOp::FloorDiv
            | BinOp::Mod
            | BinOp::Pow
    ) {
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
    float_binop(vm, x, y, op)
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

    /// `int(f)` for a float (truncating).
    pub fn float_to_int(&self, f: f64) -> PyResult<Value> {
        match num::float_trunc(f) {
            Ok(i) => Ok(self.new_int(i)),
            Err(e) => Err(self.num_err(e)),
        }
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

/// `self` and `other` of a float binary method: None (NotImplemented)
/// when `other` is not a float or int.
fn operands(vm: &Vm, args: &Args) -> Option<PyResult<(f64, f64)>> {
    let x = match as_f64(vm, &arg(args, 0))? {
        Ok(x) => x,
        Err(e) => return Some(Err(e)),
    };
    match as_f64(vm, &arg(args, 1))? {
        Ok(y) => Some(Ok((x, y))),
        Err(e) => Some(Err(e)),
    }
}

macro_rules! float_binary_methods {
    ($( $fname:ident, $rname:ident, $op:expr ;)*) => {
        $(
            fn $fname(vm: &mut Vm, args: Args) -> PyResult<Value> {
                match operands(vm, &args) {
                    None => Ok(vm.not_implemented()),
                    Some(r) => {
                        let (x, y) = r?;
                        float_binop(vm, x, y, $op).unwrap_or_else(|| Ok(vm.not_implemented()))
                    }
                }
            }
            fn $rname(vm: &mut Vm, args: Args) -> PyResult<Value> {
                match operands(vm, &args) {
                    None => Ok(vm.not_implemented()),
                    Some(r) => {
                        let (x, y) = r?;
                        float_binop(vm, y, x, $op).unwrap_or_else(|| Ok(vm.not_implemented()))
                    }
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
}

fn pow_method(vm: &mut Vm, args: Args, name: &str, reflected: bool) -> PyResult<Value> {
    let a = vm.check_args(name, args, 1, 2)?;
    if a.get(1).is_some_and(|m| !m.is_none()) {
        return Err(
            vm.type_error("pow() 3rd argument not allowed unless all arguments are integers")
        );
    }
    match operands(vm, &args) {
        None => Ok(vm.not_implemented()),
        Some(r) => {
            let (x, y) = r?;
            if reflected {
                float_pow(vm, y, x)
            } else {
                float_pow(vm, x, y)
            }
        }
    }
}
fn float_pow_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    pow_method(vm, args, "__pow__", false)
}
fn float_rpow(vm: &mut Vm, args: Args) -> PyResult<Value> {
    pow_method(vm, args, "__rpow__", true)
}

fn divmod_value(vm: &mut Vm, x: f64, y: f64) -> PyResult<Value> {
    let (q, r) = num::float_divmod(x, y).map_err(|e| vm.num_err(e))?;
    Ok(vm.new_tuple_of([Value::float(q), Value::float(r)]))
}
fn float_divmod_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match operands(vm, &args) {
        None => Ok(vm.not_implemented()),
        Some(r) => {
            let (x, y) = r?;
            divmod_value(vm, x, y)
        }
    }
}
fn float_rdivmod(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match operands(vm, &args) {
        None => Ok(vm.not_implemented()),
        Some(r) => {
            let (x, y) = r?;
            divmod_value(vm, y, x)
        }
    }
}

fn self_f64(vm: &Vm, args: &Args, name: &str) -> PyResult<f64> {
    let v = arg(args, 0);
    super::int::float_payload(&v).ok_or_else(|| {
        vm.type_error(format!(
            "descriptor '{name}' requires a 'float' object but received a '{}'",
            vm.type_name_of(&v)
        ))
    })
}

fn float_neg(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::float(-self_f64(vm, &args, "__neg__")?))
}
fn float_pos(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::float(self_f64(vm, &args, "__pos__")?))
}
fn float_abs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::float(self_f64(vm, &args, "__abs__")?.abs()))
}
fn float_bool(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::bool(self_f64(vm, &args, "__bool__")? != 0.0))
}
fn float_float(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::float(self_f64(vm, &args, "__float__")?))
}
fn float_conjugate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = self_f64(vm, &args, "conjugate")?;
    vm.check_args("float.conjugate", args, 0, 0)?;
    Ok(Value::float(f))
}

fn int_result(vm: &Vm, r: Result<Int, num::NumError>) -> PyResult<Value> {
    match r {
        Ok(i) => Ok(vm.new_int(i)),
        Err(e) => Err(vm.num_err(e)),
    }
}
fn float_int(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = self_f64(vm, &args, "__int__")?;
    int_result(vm, num::float_trunc(f))
}
fn float_trunc(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = self_f64(vm, &args, "__trunc__")?;
    vm.check_args("float.__trunc__", args, 0, 0)?;
    int_result(vm, num::float_trunc(f))
}
fn float_floor(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = self_f64(vm, &args, "__floor__")?;
    vm.check_args("float.__floor__", args, 0, 0)?;
    int_result(vm, num::float_floor(f))
}
fn float_ceil(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = self_f64(vm, &args, "__ceil__")?;
    vm.check_args("float.__ceil__", args, 0, 0)?;
    int_result(vm, num::float_ceil(f))
}
fn float_round(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("__round__", args, 0, 1)?;
    let f = self_f64(vm, &args, "__round__")?;
    match a.first() {
        None | Some(Value::None) => int_result(vm, num::float_round(f)),
        Some(nd) => {
            let nd = vm.index_int(nd)?;
            num::float_round_ndigits(f, &nd)
                .map(Value::float)
                .map_err(|e| vm.num_err(e))
        }
    }
}

fn float_is_integer(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = self_f64(vm, &args, "is_integer")?;
    vm.check_args("float.is_integer", args, 0, 0)?;
    Ok(Value::bool(num::float_is_integer(f)))
}
fn float_as_integer_ratio(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = self_f64(vm, &args, "as_integer_ratio")?;
    vm.check_args("float.as_integer_ratio", args, 0, 0)?;
    let (n, d) = num::float_as_integer_ratio(f).map_err(|e| vm.num_err(e))?;
    let (n, d) = (vm.new_int(n), vm.new_int(d));
    Ok(vm.new_tuple_of([n, d]))
}
fn float_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = arg(&args, 0);
    let f = self_f64(vm, &args, "__hash__")?;
    let addr = match &v {
        Value::Obj(o) => Rc::as_ptr(o) as usize,
        _ => 0,
    };
    Ok(Value::Int(crate::pyhash::hash_float(f, addr)))
}
fn float_hex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = self_f64(vm, &args, "hex")?;
    vm.check_args("float.hex", args, 0, 0)?;
    Ok(vm.new_string(num::float_hex(f)))
}
fn float_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = self_f64(vm, &args, "__repr__")?;
    Ok(vm.new_string(crate::pyfmt::float_repr(f)))
}
fn float_getnewargs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = self_f64(vm, &args, "__getnewargs__")?;
    vm.check_args("float.__getnewargs__", args, 0, 0)?;
    Ok(vm.new_tuple_of([Value::float(f)]))
}
fn float_sizeof(vm: &mut Vm, args: Args) -> PyResult<Value> {
    self_f64(vm, &args, "__sizeof__")?;
    // CPython's float inherits `object.__sizeof__`.
    vm.check_args("object.__sizeof__", args, 0, 0)?;
    Ok(Value::Int(24))
}

/// The str argument of `__format__`-like methods.
pub(crate) fn str_arg<'a>(vm: &Vm, v: &'a Value, what: &str) -> PyResult<&'a str> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Str(_)) => Ok(crate::vm::proto::str_of(o)),
        other => Err(vm.type_error(format!(
            "{what} argument must be str, not {}",
            vm.type_name_of(other)
        ))),
    }
}

fn float_format(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("float.__format__", args, 1, 1)?;
    let this = arg(&args, 0);
    let f = self_f64(vm, &args, "__format__")?;
    let spec = str_arg(vm, &a[0], "__format__()")?;
    if spec.is_empty() {
        let s = vm.str(&this)?;
        return Ok(vm.new_string(s));
    }
    let name = vm.type_name_of(&this);
    let r = crate::pyfmt::format_float_as(f, spec, &name).map_err(|e| vm.fmt_err(e))?;
    Ok(vm.new_string(r))
}

fn float_richcmp(vm: &mut Vm, args: Args, op: CmpOp) -> PyResult<Value> {
    let x = self_f64(vm, &args, op.dunder())?;
    let other = arg(&args, 1);
    if let Some(y) = super::int::float_payload(&other) {
        return Ok(Value::bool(cmp_floats(x, y, op)));
    }
    match as_int(&other) {
        Some(i) => Ok(Value::Bool(match cmp_int_float(&i, x) {
            None => Truth::from(op == CmpOp::Ne),
            Some(ord) => Truth::from(op.test(ord.reverse())),
        })),
        None => Ok(vm.not_implemented()),
    }
}
macro_rules! cmp_methods {
    ($($name:ident, $op:ident;)*) => {
        $( fn $name(vm: &mut Vm, args: Args) -> PyResult<Value> { float_richcmp(vm, args, CmpOp::$op) } )*
    };
}
cmp_methods! { float_lt, Lt; float_le, Le; float_eq, Eq; float_ne, Ne; float_gt, Gt; float_ge, Ge; }

fn float_fromhex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("float.fromhex", args, 1, 1)?;
    let cls = arg(&args, 0);
    let s = match &a[0] {
        Value::Obj(o) if matches!(o.payload, Payload::Str(_)) => crate::vm::proto::str_of(o),
        _ => return Err(vm.type_error("bad argument type for built-in operation")),
    };
    let f = num::float_fromhex(s).map_err(|e| vm.fmt_err(e))?;
    match &cls {
        Value::Obj(c) if Rc::ptr_eq(c, &vm.types.float) => Ok(Value::float(f)),
        _ => vm.call(&cls, &[Value::float(f)]),
    }
}

fn float_getformat(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("float.__getformat__", args, 1, 1)?;
    let s = str_arg(vm, &a[0], "__getformat__()")?;
    match s {
        "double" | "float" => Ok(vm.new_str("IEEE, little-endian")),
        _ => Err(vm.value_error("__getformat__() argument 1 must be 'double' or 'float'")),
    }
}

fn get_real(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match super::int::float_payload(v) {
        Some(f) => Ok(Value::float(f)),
        None => Err(vm.type_error("descriptor requires a 'float' object")),
    }
}
fn get_imag(_vm: &mut Vm, _v: &Value) -> PyResult<Value> {
    Ok(Value::float(0.0))
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
            ("__divmod__", float_divmod_m),
            ("__rdivmod__", float_rdivmod),
            ("__pow__", float_pow_m),
            ("__rpow__", float_rpow),
            ("__neg__", float_neg),
            ("__pos__", float_pos),
            ("__abs__", float_abs),
            ("__bool__", float_bool),
            ("__float__", float_float),
            ("__int__", float_int),
            ("__trunc__", float_trunc),
            ("__floor__", float_floor),
            ("__ceil__", float_ceil),
            ("__round__", float_round),
            ("__hash__", float_hash),
            ("__repr__", float_repr),
            ("__format__", float_format),
            ("__getnewargs__", float_getnewargs),
            ("__sizeof__", float_sizeof),
            ("__lt__", float_lt),
            ("__le__", float_le),
            ("__eq__", float_eq),
            ("__ne__", float_ne),
            ("__gt__", float_gt),
            ("__ge__", float_ge),
            ("is_integer", float_is_integer),
            ("as_integer_ratio", float_as_integer_ratio),
            ("conjugate", float_conjugate),
            ("hex", float_hex),
        ],
    );
    vm.add_classmethods(
        &t,
        &[
            ("fromhex", float_fromhex),
            ("__getformat__", float_getformat),
        ],
    );
    vm.add_getsets(&t, &[("real", get_real, None), ("imag", get_imag, None)]);
    vm.add_staticmethods(&t, &[("__new__", crate::builtins::convert::float_new)]);
}
