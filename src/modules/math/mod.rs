//! The `math` module (Modules/mathmodule.c): libm wrappers with CPython's
//! error rules ("math domain error" / "math range error"), the rounding
//! functions honouring `__floor__`/`__ceil__`/`__trunc__`, logarithms of
//! big ints, and the constants. Integer functions are in `integer.rs`,
//! sums and norms in `sums.rs`, gamma/erf and friends in `special.rs`.

pub mod integer;
pub mod kwargs;
pub mod special;
pub mod sums;

use crate::num::Int;
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::int::as_int;
use crate::objects::Payload;
use crate::vm::value::Truth;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

/// `PyFloat_AsDouble`: floats and ints directly, else `__float__`, else
/// `__index__`, else "must be real number, not T".
pub fn arg_f64(vm: &mut Vm, v: &Value) -> PyResult<f64> {
    match v {
        Value::Float(f) => return Ok(f.get()),
        Value::Int(i) => return Ok(*i as f64),
        Value::Bool(b) => return Ok(f64::from(u8::from(b.get()))),
        _ => {}
    }
    if let Value::Obj(o) = v {
        if vm.builtin_class(o) {
            match &o.payload {
                Payload::Float(f) => return Ok(*f),
                Payload::Int(_) => return vm.int_to_f64(v),
                _ => {}
            }
        }
    }
    if let Some(r) = vm.call_special(v, "__float__", &[])? {
        return match &r {
            Value::Float(f) => Ok(f.get()),
            Value::Obj(o) if matches!(o.payload, Payload::Float(_)) => match o.payload {
                Payload::Float(f) => Ok(f),
                _ => Ok(0.0),
            },
            _ => Err(vm.type_error(format!(
                "{}.__float__ returned non-float (type {})",
                vm.type_name_of(v),
                vm.type_name_of(&r)
            ))),
        };
    }
    let ty = vm.type_of(v);
    if vm.type_lookup_static(&ty, "__index__").is_some() {
        let i = vm.index_int(v)?;
        return i.to_f64().map_err(|e| vm.num_err(e));
    }
    if let Value::Obj(o) = v {
        match &o.payload {
            Payload::Float(f) => return Ok(*f),
            Payload::Int(_) => return vm.int_to_f64(v),
            _ => {}
        }
    }
    Err(vm.type_error(format!("must be real number, not {}", vm.type_name_of(v))))
}

/// ValueError("math domain error").
pub fn domain_error(vm: &Vm) -> PyErr {
    vm.value_error("math domain error")
}

/// OverflowError("math range error").
pub fn range_error(vm: &Vm) -> PyErr {
    vm.new_error(ExcKind::OverflowError, "math range error")
}

/// `math_1`: a NaN from a non-NaN is a domain error; an infinity from a
/// finite argument is a range error (`can_overflow`) or a domain error.
pub fn math_1_check(vm: &Vm, x: f64, r: f64, can_overflow: bool) -> PyResult<Value> {
    if r.is_nan() && !x.is_nan() {
        return Err(domain_error(vm));
    }
    if r.is_infinite() && x.is_finite() {
        return Err(if can_overflow {
            range_error(vm)
        } else {
            domain_error(vm)
        });
    }
    Ok(Value::float(r))
}

fn math_1(
    vm: &mut Vm,
    args: Args,
    name: &str,
    f: fn(f64) -> f64,
    can_overflow: bool,
) -> PyResult<Value> {
    let a = vm.fn_args(name, args, 1, 1)?;
    let x = arg_f64(vm, &a[0])?;
    math_1_check(vm, x, f(x), can_overflow)
}

/// `math_2`: NaN from non-NaNs is a domain error, an infinity from
/// finite arguments a range error.
fn math_2(vm: &mut Vm, args: Args, name: &str, f: fn(f64, f64) -> f64) -> PyResult<Value> {
    let a = vm.fn_args(name, args, 2, 2)?;
    let x = arg_f64(vm, &a[0])?;
    let y = arg_f64(vm, &a[1])?;
    let r = f(x, y);
    if r.is_nan() && !x.is_nan() && !y.is_nan() {
        return Err(domain_error(vm));
    }
    if r.is_infinite() && x.is_finite() && y.is_finite() {
        return Err(range_error(vm));
    }
    Ok(Value::float(r))
}

macro_rules! func1 {
    ($fn_name:ident, $py:literal, $f:expr, $over:expr) => {
        fn $fn_name(vm: &mut Vm, args: Args) -> PyResult<Value> {
            math_1(vm, args, concat!("math.", $py), $f, $over)
        }
    };
}

macro_rules! func2 {
    ($fn_name:ident, $py:literal, $f:expr) => {
        fn $fn_name(vm: &mut Vm, args: Args) -> PyResult<Value> {
            math_2(vm, args, concat!("math.", $py), $f)
        }
    };
}

func1!(math_acos, "acos", f64::acos, false);
func1!(math_acosh, "acosh", f64::acosh_libm, false);
func1!(math_asin, "asin", f64::asin, false);
func1!(math_asinh, "asinh", f64::asinh_libm, false);
func1!(math_atan, "atan", f64::atan, false);
func1!(math_atanh, "atanh", f64::atanh_libm, false);
func1!(math_cbrt, "cbrt", special::libm_cbrt, false);
func1!(math_cos, "cos", f64::cos, false);
func1!(math_cosh, "cosh", f64::cosh, true);
func1!(math_exp, "exp", f64::exp, true);
func1!(math_exp2, "exp2", f64::exp2, true);
func1!(math_expm1, "expm1", f64::exp_m1, true);
func1!(math_fabs, "fabs", f64::abs, false);
func1!(math_log1p, "log1p", f64::ln_1p, false);
func1!(math_sin, "sin", f64::sin, false);
func1!(math_sinh, "sinh", f64::sinh, true);
func1!(math_sqrt, "sqrt", f64::sqrt, false);
func1!(math_tan, "tan", f64::tan, false);
func1!(math_tanh, "tanh", f64::tanh, false);
func2!(math_atan2, "atan2", special::m_atan2);
func2!(math_copysign, "copysign", f64::copysign);
func2!(math_remainder, "remainder", special::m_remainder);

/// The libm inverse hyperbolic functions (Rust's own formulas differ in
/// the last bit from glibc's, which CPython calls).
trait LibmHyperbolic {
    fn acosh_libm(self) -> f64;
    fn asinh_libm(self) -> f64;
    fn atanh_libm(self) -> f64;
}

impl LibmHyperbolic for f64 {
    fn acosh_libm(self) -> f64 {
        special::libm_acosh(self)
    }
    fn asinh_libm(self) -> f64 {
        special::libm_asinh(self)
    }
    fn atanh_libm(self) -> f64 {
        special::libm_atanh(self)
    }
}

/// A float result of `floor`/`ceil`/`trunc` as an int.
fn float_to_int(vm: &Vm, f: f64) -> PyResult<Value> {
    match Int::from_f64(f) {
        Ok(i) => Ok(vm.new_int(i)),
        Err(e) => Err(vm.num_err(e)),
    }
}

fn is_exact_float(v: &Value) -> Option<f64> {
    match v {
        Value::Float(f) => Some(f.get()),
        _ => None,
    }
}

/// `math.floor(x)` / `math.ceil(x)`: an exact float directly, else the
/// type's `__floor__`/`__ceil__`, else the float value.
fn round_with(
    vm: &mut Vm,
    args: Args,
    name: &str,
    dunder: &'static str,
    f: fn(f64) -> f64,
) -> PyResult<Value> {
    let a = vm.fn_args(name, args, 1, 1)?;
    let x = &a[0];
    if let Some(v) = is_exact_float(x) {
        return float_to_int(vm, f(v));
    }
    if let Some(r) = vm.call_special(x, dunder, &[])? {
        return Ok(r);
    }
    let v = arg_f64(vm, x)?;
    float_to_int(vm, f(v))
}

fn math_floor(vm: &mut Vm, args: Args) -> PyResult<Value> {
    round_with(vm, args, "math.floor", "__floor__", f64::floor)
}

fn math_ceil(vm: &mut Vm, args: Args) -> PyResult<Value> {
    round_with(vm, args, "math.ceil", "__ceil__", f64::ceil)
}

fn math_trunc(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("math.trunc", args, 1, 1)?;
    let x = &a[0];
    if let Some(v) = is_exact_float(x) {
        return float_to_int(vm, v.trunc());
    }
    match vm.call_special(x, "__trunc__", &[])? {
        Some(r) => Ok(r),
        None => Err(vm.type_error(format!(
            "type {} doesn't define __trunc__ method",
            vm.type_name_of(x)
        ))),
    }
}

fn math_frexp(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("math.frexp", args, 1, 1)?;
    let x = arg_f64(vm, &a[0])?;
    let (m, e) = special::frexp(x);
    Ok(vm.new_tuple_of([Value::float(m), Value::Int(i64::from(e))]))
}

fn math_ldexp(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("math.ldexp", args, 2, 2)?;
    let x = arg_f64(vm, &a[0])?;
    let exp = match as_int(&a[1]) {
        Some(Int::Small(i)) => i,
        Some(Int::Big(b)) => {
            if b.sign() == num_bigint::Sign::Minus {
                i64::MIN
            } else {
                i64::MAX
            }
        }
        None => return Err(vm.type_error("Expected an int as second argument to ldexp.")),
    };
    if x == 0.0 || !x.is_finite() {
        return Ok(Value::float(x));
    }
    if exp > i64::from(i32::MAX) {
        return Err(range_error(vm));
    }
    if exp < i64::from(i32::MIN) {
        return Ok(Value::float(0f64.copysign(x)));
    }
    let r = special::ldexp(x, exp as i32);
    if r.is_infinite() {
        return Err(range_error(vm));
    }
    Ok(Value::float(r))
}

fn math_modf(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("math.modf", args, 1, 1)?;
    let x = arg_f64(vm, &a[0])?;
    let (frac, int) = if x.is_infinite() {
        (0f64.copysign(x), x)
    } else if x.is_nan() {
        (x, x)
    } else {
        let i = x.trunc();
        ((x - i).copysign(x), i)
    };
    Ok(vm.new_tuple_of([Value::float(frac), Value::float(int)]))
}

fn math_fmod(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("math.fmod", args, 2, 2)?;
    let x = arg_f64(vm, &a[0])?;
    let y = arg_f64(vm, &a[1])?;
    if y.is_infinite() && x.is_finite() {
        return Ok(Value::float(x));
    }
    let r = x % y;
    if r.is_nan() && !x.is_nan() && !y.is_nan() {
        return Err(domain_error(vm));
    }
    Ok(Value::float(r))
}

fn math_pow(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("math.pow", args, 2, 2)?;
    let x = arg_f64(vm, &a[0])?;
    let y = arg_f64(vm, &a[1])?;
    let r = if !x.is_finite() || !y.is_finite() {
        if x.is_nan() {
            if y == 0.0 {
                1.0
            } else {
                x
            }
        } else if y.is_nan() {
            if x == 1.0 {
                1.0
            } else {
                y
            }
        } else if x.is_infinite() {
            let odd_y = y.is_finite() && (y.abs() % 2.0) == 1.0;
            if y > 0.0 {
                if odd_y {
                    x
                } else {
                    x.abs()
                }
            } else if y == 0.0 {
                1.0
            } else if odd_y {
                0f64.copysign(x)
            } else {
                0.0
            }
        } else if x.abs() == 1.0 {
            1.0
        } else if y > 0.0 && x.abs() > 1.0 {
            y
        } else if y < 0.0 && x.abs() < 1.0 {
            -y
        } else {
            0.0
        }
    } else {
        let r = x.powf(y);
        if r.is_nan() {
            return Err(domain_error(vm));
        }
        if r.is_infinite() {
            return Err(if x == 0.0 {
                domain_error(vm)
            } else {
                range_error(vm)
            });
        }
        r
    };
    Ok(Value::float(r))
}

fn math_degrees(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("math.degrees", args, 1, 1)?;
    let x = arg_f64(vm, &a[0])?;
    Ok(Value::float(x * (180.0 / std::f64::consts::PI)))
}

fn math_radians(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("math.radians", args, 1, 1)?;
    let x = arg_f64(vm, &a[0])?;
    Ok(Value::float(x * (std::f64::consts::PI / 180.0)))
}

fn predicate(vm: &mut Vm, args: Args, name: &str, p: fn(f64) -> bool) -> PyResult<Value> {
    let a = vm.fn_args(name, args, 1, 1)?;
    let x = arg_f64(vm, &a[0])?;
    Ok(Value::bool(p(x)))
}

fn math_isfinite(vm: &mut Vm, args: Args) -> PyResult<Value> {
    predicate(vm, args, "math.isfinite", f64::is_finite)
}

fn math_isinf(vm: &mut Vm, args: Args) -> PyResult<Value> {
    predicate(vm, args, "math.isinf", f64::is_infinite)
}

fn math_isnan(vm: &mut Vm, args: Args) -> PyResult<Value> {
    predicate(vm, args, "math.isnan", f64::is_nan)
}

fn math_isclose(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let sig = kwargs::Sig {
        name: "isclose",
        pos: &["a", "b"],
        posonly: 0,
        required: 2,
        kwonly: &["rel_tol", "abs_tol"],
    };
    let p = sig.bind(vm, &args)?;
    let mut f = [0.0f64, 0.0, 1e-9, 0.0];
    for (slot, v) in f.iter_mut().zip(p.iter()) {
        if let Some(v) = v {
            *slot = arg_f64(vm, v)?;
        }
    }
    let [a, b, rel_tol, abs_tol] = f;
    if rel_tol < 0.0 || abs_tol < 0.0 {
        return Err(vm.value_error("tolerances must be non-negative"));
    }
    if a == b {
        return Ok(Value::Bool(Truth::True));
    }
    if a.is_infinite() || b.is_infinite() {
        return Ok(Value::Bool(Truth::False));
    }
    let diff = (b - a).abs();
    Ok(Value::bool(
        diff <= (rel_tol * b).abs() || diff <= (rel_tol * a).abs() || diff <= abs_tol,
    ))
}

fn math_nextafter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("math.nextafter", args, 2, 2)?;
    let x = arg_f64(vm, &a[0])?;
    let y = arg_f64(vm, &a[1])?;
    Ok(Value::float(special::nextafter(x, y)))
}

fn math_ulp(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("math.ulp", args, 1, 1)?;
    let x = arg_f64(vm, &a[0])?;
    if x.is_nan() {
        return Ok(Value::float(x));
    }
    let x = x.abs();
    if x.is_infinite() {
        return Ok(Value::float(x));
    }
    let x2 = special::nextafter(x, f64::INFINITY);
    if x2.is_infinite() {
        let x2 = special::nextafter(x, -f64::INFINITY);
        return Ok(Value::float(x - x2));
    }
    Ok(Value::float(x2 - x))
}

/// `loghelper`: ints (even those beyond float range) are handled exactly;
/// other values go through `math_1` with `func`.
fn loghelper(vm: &mut Vm, v: &Value, func: fn(f64) -> f64) -> PyResult<f64> {
    if let Some(i) = as_int(v) {
        if i.is_negative() || i.is_zero() {
            return Err(domain_error(vm));
        }
        return Ok(match i.to_f64() {
            Ok(x) => func(x),
            Err(_) => {
                let (m, e) = special::bigint_frexp(&i.to_bigint());
                func(m) + func(2.0) * (e as f64)
            }
        });
    }
    let x = arg_f64(vm, v)?;
    match math_1_check(vm, x, func(x), false)? {
        Value::Float(r) => Ok(r.get()),
        _ => Ok(f64::NAN),
    }
}

fn math_log(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.has_kwargs() {
        return Err(vm.type_error("log() takes no keyword arguments"));
    }
    let a = args.pos();
    if a.is_empty() || a.len() > 2 {
        return Err(vm.type_error("math.log requires 1 to 2 arguments"));
    }
    let num = loghelper(vm, &a[0], special::m_log)?;
    let Some(base) = a.get(1) else {
        return Ok(Value::float(num));
    };
    let den = loghelper(vm, base, special::m_log)?;
    if den == 0.0 {
        return Err(vm.zero_division("float division by zero"));
    }
    Ok(Value::float(num / den))
}

fn math_log2(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("math.log2", args, 1, 1)?;
    loghelper(vm, &a[0], special::m_log2).map(Value::float)
}

fn math_log10(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("math.log10", args, 1, 1)?;
    loghelper(vm, &a[0], special::m_log10).map(Value::float)
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("math");
    let doc = vm.new_str(
        "This module provides access to the mathematical functions\ndefined by the C standard.",
    );
    vm.set_attr_raw(&m, "__doc__", doc);
    vm.add_functions(
        &m,
        &[
            ("acos", math_acos),
            ("acosh", math_acosh),
            ("asin", math_asin),
            ("asinh", math_asinh),
            ("atan", math_atan),
            ("atan2", math_atan2),
            ("atanh", math_atanh),
            ("cbrt", math_cbrt),
            ("ceil", math_ceil),
            ("comb", integer::math_comb),
            ("copysign", math_copysign),
            ("cos", math_cos),
            ("cosh", math_cosh),
            ("degrees", math_degrees),
            ("dist", sums::math_dist),
            ("erf", special::math_erf),
            ("erfc", special::math_erfc),
            ("exp", math_exp),
            ("exp2", math_exp2),
            ("expm1", math_expm1),
            ("fabs", math_fabs),
            ("factorial", integer::math_factorial),
            ("floor", math_floor),
            ("fmod", math_fmod),
            ("frexp", math_frexp),
            ("fsum", sums::math_fsum),
            ("gamma", special::math_gamma),
            ("gcd", integer::math_gcd),
            ("hypot", sums::math_hypot),
            ("isclose", math_isclose),
            ("isfinite", math_isfinite),
            ("isinf", math_isinf),
            ("isnan", math_isnan),
            ("isqrt", integer::math_isqrt),
            ("lcm", integer::math_lcm),
            ("ldexp", math_ldexp),
            ("lgamma", special::math_lgamma),
            ("log", math_log),
            ("log10", math_log10),
            ("log1p", math_log1p),
            ("log2", math_log2),
            ("modf", math_modf),
            ("nextafter", math_nextafter),
            ("perm", integer::math_perm),
            ("pow", math_pow),
            ("prod", sums::math_prod),
            ("radians", math_radians),
            ("remainder", math_remainder),
            ("sin", math_sin),
            ("sinh", math_sinh),
            ("sqrt", math_sqrt),
            ("tan", math_tan),
            ("tanh", math_tanh),
            ("trunc", math_trunc),
            ("ulp", math_ulp),
        ],
    );
    vm.set_attr_raw(&m, "pi", Value::float(std::f64::consts::PI));
    vm.set_attr_raw(&m, "e", Value::float(std::f64::consts::E));
    vm.set_attr_raw(&m, "tau", Value::float(std::f64::consts::TAU));
    vm.set_attr_raw(&m, "inf", Value::float(f64::INFINITY));
    vm.set_attr_raw(&m, "nan", Value::float(f64::NAN));
    Ok(m)
}
