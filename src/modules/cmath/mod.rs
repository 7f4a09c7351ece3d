//! The `cmath` module (Modules/cmathmodule.c): CPython's algorithms for
//! the complex functions, its C99 Annex G special-value tables
//! (`tables.rs`) and its errno rules ("math domain error" for EDOM,
//! "math range error" for ERANGE).

mod tables;

use super::math::arg_f64;
use super::math::kwargs::Sig;
use super::math::special::{ldexp, libm_asinh};
use crate::num::{complex_div, Complex};
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::value::Truth;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// A table cell: (real, imag).
#[derive(Clone, Copy)]
pub struct C(f64, f64);

const P: f64 = std::f64::consts::PI;
const P14: f64 = 0.25 * P;
const P12: f64 = 0.5 * P;
const P34: f64 = 0.75 * P;
const INF: f64 = f64::INFINITY;
const N: f64 = f64::NAN;
/// CPython's placeholder for table cells that are never used.
const U: f64 = -9.542_631_940_771_103e33;

const LARGE_DOUBLE: f64 = f64::MAX / 4.0;
const LN2: f64 = std::f64::consts::LN_2;
const LN10: f64 = std::f64::consts::LN_10;
const SCALE_UP: i32 = 2 * (53 / 2) + 1;
const SCALE_DOWN: i32 = -(SCALE_UP + 1) / 2;

fn sqrt_large_double() -> f64 {
    LARGE_DOUBLE.sqrt()
}

fn log_large_double() -> f64 {
    LARGE_DOUBLE.ln()
}

/// The error a function signals (CPython's errno).
#[derive(Clone, Copy, PartialEq)]
enum Errno {
    None,
    Dom,
    Range,
}

type Out = (Complex, Errno);

fn cx(re: f64, im: f64) -> Complex {
    Complex::new(re, im)
}

fn special_type(d: f64) -> usize {
    if d.is_finite() {
        match (d != 0.0, 1f64.copysign(d) == 1.0) {
            (true, true) => 4,
            (true, false) => 1,
            (false, true) => 3,
            (false, false) => 2,
        }
    } else if d.is_nan() {
        6
    } else if 1f64.copysign(d) == 1.0 {
        5
    } else {
        0
    }
}

fn special(z: Complex, table: &[[C; 7]; 7]) -> Option<Out> {
    if z.re.is_finite() && z.im.is_finite() {
        return None;
    }
    let c = table[special_type(z.re)][special_type(z.im)];
    Some((cx(c.0, c.1), Errno::None))
}

fn c_sqrt(z: Complex) -> Out {
    if let Some(r) = special(z, &tables::SQRT) {
        return r;
    }
    if z.re == 0.0 && z.im == 0.0 {
        return (cx(0.0, z.im), Errno::None);
    }
    let mut ax = z.re.abs();
    let ay = z.im.abs();
    let s = if ax < f64::MIN_POSITIVE && ay < f64::MIN_POSITIVE {
        ax = ldexp(ax, SCALE_UP);
        ldexp((ax + ax.hypot(ldexp(ay, SCALE_UP))).sqrt(), SCALE_DOWN)
    } else {
        ax /= 8.0;
        2.0 * (ax + ax.hypot(ay / 8.0)).sqrt()
    };
    let d = ay / (2.0 * s);
    if z.re >= 0.0 {
        (cx(s, d.copysign(z.im)), Errno::None)
    } else {
        (cx(d, s.copysign(z.im)), Errno::None)
    }
}

fn c_acos(z: Complex) -> Out {
    if let Some(r) = special(z, &tables::ACOS) {
        return r;
    }
    let r = if z.re.abs() > LARGE_DOUBLE || z.im.abs() > LARGE_DOUBLE {
        cx(
            z.im.abs().atan2(z.re),
            -((z.re / 2.0).hypot(z.im / 2.0).ln() + LN2 * 2.0).copysign(z.im),
        )
    } else {
        let s1 = c_sqrt(cx(1.0 - z.re, -z.im)).0;
        let s2 = c_sqrt(cx(1.0 + z.re, z.im)).0;
        cx(
            2.0 * s1.re.atan2(s2.re),
            libm_asinh(s2.re * s1.im - s2.im * s1.re),
        )
    };
    (r, Errno::None)
}

fn c_acosh(z: Complex) -> Out {
    if let Some(r) = special(z, &tables::ACOSH) {
        return r;
    }
    let r = if z.re.abs() > LARGE_DOUBLE || z.im.abs() > LARGE_DOUBLE {
        cx(
            (z.re / 2.0).hypot(z.im / 2.0).ln() + LN2 * 2.0,
            z.im.atan2(z.re),
        )
    } else {
        let s1 = c_sqrt(cx(z.re - 1.0, z.im)).0;
        let s2 = c_sqrt(cx(z.re + 1.0, z.im)).0;
        cx(
            libm_asinh(s1.re * s2.re + s1.im * s2.im),
            2.0 * s1.im.atan2(s2.re),
        )
    };
    (r, Errno::None)
}

fn c_asinh(z: Complex) -> Out {
    if let Some(r) = special(z, &tables::ASINH) {
        return r;
    }
    let r = if z.re.abs() > LARGE_DOUBLE || z.im.abs() > LARGE_DOUBLE {
        let l = (z.re / 2.0).hypot(z.im / 2.0).ln() + LN2 * 2.0;
        let re = if z.im >= 0.0 {
            l.copysign(z.re)
        } else {
            -l.copysign(-z.re)
        };
        cx(re, z.im.atan2(z.re.abs()))
    } else {
        let s1 = c_sqrt(cx(1.0 + z.im, -z.re)).0;
        let s2 = c_sqrt(cx(1.0 - z.im, z.re)).0;
        cx(
            libm_asinh(s1.re * s2.im - s2.re * s1.im),
            z.im.atan2(s1.re * s2.re - s1.im * s2.im),
        )
    };
    (r, Errno::None)
}

fn c_asin(z: Complex) -> Out {
    let (s, e) = c_asinh(cx(-z.im, z.re));
    (cx(s.im, -s.re), e)
}

fn c_atanh(z: Complex) -> Out {
    if let Some(r) = special(z, &tables::ATANH) {
        return r;
    }
    if z.re < 0.0 {
        let (r, e) = c_atanh(cx(-z.re, -z.im));
        return (cx(-r.re, -r.im), e);
    }
    let ay = z.im.abs();
    if z.re > sqrt_large_double() || ay > sqrt_large_double() {
        let h = (z.re / 2.0).hypot(z.im / 2.0);
        return (
            cx(z.re / 4.0 / h / h, (P / 2.0).copysign(z.im)),
            Errno::None,
        );
    }
    if z.re == 1.0 && ay < f64::MIN_POSITIVE.sqrt() {
        if ay == 0.0 {
            return (cx(INF, z.im), Errno::Dom);
        }
        return (
            cx(
                -(ay.sqrt() / ay.hypot(2.0).sqrt()).ln(),
                (2f64.atan2(-ay) / 2.0).copysign(z.im),
            ),
            Errno::None,
        );
    }
    (
        cx(
            (4.0 * z.re / ((1.0 - z.re) * (1.0 - z.re) + ay * ay)).ln_1p() / 4.0,
            -(-2.0 * z.im).atan2((1.0 - z.re) * (1.0 + z.re) - ay * ay) / 2.0,
        ),
        Errno::None,
    )
}

fn c_atan(z: Complex) -> Out {
    let (s, e) = c_atanh(cx(-z.im, z.re));
    (cx(s.im, -s.re), e)
}

fn c_cosh(z: Complex) -> Out {
    if !z.re.is_finite() || !z.im.is_finite() {
        let r = if z.re.is_infinite() && z.im.is_finite() && z.im != 0.0 {
            if z.re > 0.0 {
                cx(INF.copysign(z.im.cos()), INF.copysign(z.im.sin()))
            } else {
                cx(INF.copysign(z.im.cos()), -INF.copysign(z.im.sin()))
            }
        } else {
            let c = tables::COSH[special_type(z.re)][special_type(z.im)];
            cx(c.0, c.1)
        };
        let e = if z.im.is_infinite() && !z.re.is_nan() {
            Errno::Dom
        } else {
            Errno::None
        };
        return (r, e);
    }
    let r = if z.re.abs() > log_large_double() {
        let xm1 = z.re - 1f64.copysign(z.re);
        cx(
            z.im.cos() * xm1.cosh() * std::f64::consts::E,
            z.im.sin() * xm1.sinh() * std::f64::consts::E,
        )
    } else {
        cx(z.im.cos() * z.re.cosh(), z.im.sin() * z.re.sinh())
    };
    range_check(r)
}

fn range_check(r: Complex) -> Out {
    let e = if r.re.is_infinite() || r.im.is_infinite() {
        Errno::Range
    } else {
        Errno::None
    };
    (r, e)
}

fn c_cos(z: Complex) -> Out {
    c_cosh(cx(-z.im, z.re))
}

fn c_sinh(z: Complex) -> Out {
    if !z.re.is_finite() || !z.im.is_finite() {
        let r = if z.re.is_infinite() && z.im.is_finite() && z.im != 0.0 {
            if z.re > 0.0 {
                cx(INF.copysign(z.im.cos()), INF.copysign(z.im.sin()))
            } else {
                cx(-INF.copysign(z.im.cos()), INF.copysign(z.im.sin()))
            }
        } else {
            let c = tables::SINH[special_type(z.re)][special_type(z.im)];
            cx(c.0, c.1)
        };
        let e = if z.im.is_infinite() && !z.re.is_nan() {
            Errno::Dom
        } else {
            Errno::None
        };
        return (r, e);
    }
    let r = if z.re.abs() > log_large_double() {
        let xm1 = z.re - 1f64.copysign(z.re);
        cx(
            z.im.cos() * xm1.sinh() * std::f64::consts::E,
            z.im.sin() * xm1.cosh() * std::f64::consts::E,
        )
    } else {
        cx(z.im.cos() * z.re.sinh(), z.im.sin() * z.re.cosh())
    };
    range_check(r)
}

fn c_sin(z: Complex) -> Out {
    let (s, e) = c_sinh(cx(-z.im, z.re));
    (cx(s.im, -s.re), e)
}

fn c_tanh(z: Complex) -> Out {
    if !z.re.is_finite() || !z.im.is_finite() {
        let r = if z.re.is_infinite() && z.im.is_finite() && z.im != 0.0 {
            let im = 0f64.copysign(2.0 * z.im.sin() * z.im.cos());
            cx(if z.re > 0.0 { 1.0 } else { -1.0 }, im)
        } else {
            let c = tables::TANH[special_type(z.re)][special_type(z.im)];
            cx(c.0, c.1)
        };
        let e = if z.im.is_infinite() && z.re.is_finite() {
            Errno::Dom
        } else {
            Errno::None
        };
        return (r, e);
    }
    let r = if z.re.abs() > log_large_double() {
        cx(
            1f64.copysign(z.re),
            4.0 * z.im.sin() * z.im.cos() * (-2.0 * z.re.abs()).exp(),
        )
    } else {
        let tx = z.re.tanh();
        let ty = z.im.tan();
        let c = 1.0 / z.re.cosh();
        let txty = tx * ty;
        let denom = 1.0 + txty * txty;
        cx(tx * (1.0 + ty * ty) / denom, ((ty / denom) * c) * c)
    };
    (r, Errno::None)
}

fn c_tan(z: Complex) -> Out {
    let (s, e) = c_tanh(cx(-z.im, z.re));
    (cx(s.im, -s.re), e)
}

fn c_exp(z: Complex) -> Out {
    if !z.re.is_finite() || !z.im.is_finite() {
        let r = if z.re.is_infinite() && z.im.is_finite() && z.im != 0.0 {
            if z.re > 0.0 {
                cx(INF.copysign(z.im.cos()), INF.copysign(z.im.sin()))
            } else {
                cx(0f64.copysign(z.im.cos()), 0f64.copysign(z.im.sin()))
            }
        } else {
            let c = tables::EXP[special_type(z.re)][special_type(z.im)];
            cx(c.0, c.1)
        };
        let e = if z.im.is_infinite() && (z.re.is_finite() || (z.re.is_infinite() && z.re > 0.0)) {
            Errno::Dom
        } else {
            Errno::None
        };
        return (r, e);
    }
    let r = if z.re > log_large_double() {
        let l = (z.re - 1.0).exp();
        cx(
            l * z.im.cos() * std::f64::consts::E,
            l * z.im.sin() * std::f64::consts::E,
        )
    } else {
        let l = z.re.exp();
        cx(l * z.im.cos(), l * z.im.sin())
    };
    range_check(r)
}

fn c_log(z: Complex) -> Out {
    if let Some(r) = special(z, &tables::LOG) {
        return r;
    }
    let ax = z.re.abs();
    let ay = z.im.abs();
    let re = if ax > LARGE_DOUBLE || ay > LARGE_DOUBLE {
        (ax / 2.0).hypot(ay / 2.0).ln() + LN2
    } else if ax < f64::MIN_POSITIVE && ay < f64::MIN_POSITIVE {
        if ax > 0.0 || ay > 0.0 {
            ldexp(ax, 53).hypot(ldexp(ay, 53)).ln() - 53.0 * LN2
        } else {
            return (cx(-INF, z.im.atan2(z.re)), Errno::Dom);
        }
    } else {
        let h = ax.hypot(ay);
        if (0.71..=1.73).contains(&h) {
            let am = if ax > ay { ax } else { ay };
            let an = if ax > ay { ay } else { ax };
            ((am - 1.0) * (am + 1.0) + an * an).ln_1p() / 2.0
        } else {
            h.ln()
        }
    };
    (cx(re, z.im.atan2(z.re)), Errno::None)
}

fn c_log10(z: Complex) -> Out {
    let (r, e) = c_log(z);
    (cx(r.re / LN10, r.im / LN10), e)
}

/// `PyComplex_AsCComplex`: complex, `__complex__`, or a real number.
fn arg_complex(vm: &mut Vm, v: &Value) -> PyResult<Complex> {
    if let Value::Obj(o) = v {
        if let Payload::Complex(re, im) = o.payload {
            if vm.builtin_class(o) {
                return Ok(cx(re, im));
            }
        }
    }
    if let Some(r) = vm.call_special(v, "__complex__", &[])? {
        return match &r {
            Value::Obj(o) => match o.payload {
                Payload::Complex(re, im) => Ok(cx(re, im)),
                _ => Err(vm.type_error(format!(
                    "__complex__ returned non-complex (type {})",
                    vm.type_name_of(&r)
                ))),
            },
            _ => Err(vm.type_error(format!(
                "__complex__ returned non-complex (type {})",
                vm.type_name_of(&r)
            ))),
        };
    }
    if let Value::Obj(o) = v {
        if let Payload::Complex(re, im) = o.payload {
            return Ok(cx(re, im));
        }
    }
    arg_f64(vm, v).map(|f| cx(f, 0.0))
}

fn finish(vm: &Vm, (r, e): Out) -> PyResult<Value> {
    match e {
        Errno::None => Ok(vm.new_complex(r.re, r.im)),
        Errno::Dom => Err(vm.value_error("math domain error")),
        Errno::Range => Err(vm.new_error(ExcKind::OverflowError, "math range error")),
    }
}

macro_rules! cfunc {
    ($fn_name:ident, $py:literal, $f:ident) => {
        fn $fn_name(vm: &mut Vm, args: Args) -> PyResult<Value> {
            let a = vm.fn_args(concat!("cmath.", $py), args, 1, 1)?;
            let z = arg_complex(vm, &a[0])?;
            finish(vm, $f(z))
        }
    };
}

cfunc!(cmath_acos, "acos", c_acos);
cfunc!(cmath_acosh, "acosh", c_acosh);
cfunc!(cmath_asin, "asin", c_asin);
cfunc!(cmath_asinh, "asinh", c_asinh);
cfunc!(cmath_atan, "atan", c_atan);
cfunc!(cmath_atanh, "atanh", c_atanh);
cfunc!(cmath_cos, "cos", c_cos);
cfunc!(cmath_cosh, "cosh", c_cosh);
cfunc!(cmath_exp, "exp", c_exp);
cfunc!(cmath_log10, "log10", c_log10);
cfunc!(cmath_sin, "sin", c_sin);
cfunc!(cmath_sinh, "sinh", c_sinh);
cfunc!(cmath_sqrt, "sqrt", c_sqrt);
cfunc!(cmath_tan, "tan", c_tan);
cfunc!(cmath_tanh, "tanh", c_tanh);

fn cmath_log(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("cmath.log", args, 1, 2)?;
    let z = arg_complex(vm, &a[0])?;
    let (mut r, mut e) = c_log(z);
    if let Some(b) = a.get(1) {
        let y = arg_complex(vm, b)?;
        let (ly, e2) = c_log(y);
        if e2 != Errno::None {
            e = e2;
        }
        match complex_div(r, ly) {
            Ok(q) => r = q,
            Err(_) => e = Errno::Dom,
        }
    }
    finish(vm, (r, e))
}

fn cmath_phase(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("cmath.phase", args, 1, 1)?;
    let z = arg_complex(vm, &a[0])?;
    Ok(Value::float(z.im.atan2(z.re)))
}

fn cmath_polar(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("cmath.polar", args, 1, 1)?;
    let z = arg_complex(vm, &a[0])?;
    let phi = z.im.atan2(z.re);
    let r = crate::num::complex_abs(z)
        .map_err(|_| vm.new_error(ExcKind::OverflowError, "math range error"))?;
    Ok(vm.new_tuple_of([Value::float(r), Value::float(phi)]))
}

fn cmath_rect(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("cmath.rect", args, 2, 2)?;
    let r = arg_f64(vm, &a[0])?;
    let phi = arg_f64(vm, &a[1])?;
    let out = if !r.is_finite() || !phi.is_finite() {
        let z = if r.is_infinite() && phi.is_finite() && phi != 0.0 {
            if r > 0.0 {
                cx(INF.copysign(phi.cos()), INF.copysign(phi.sin()))
            } else {
                cx(-INF.copysign(phi.cos()), -INF.copysign(phi.sin()))
            }
        } else {
            let c = tables::RECT[special_type(r)][special_type(phi)];
            cx(c.0, c.1)
        };
        let e = if r != 0.0 && !r.is_nan() && phi.is_infinite() {
            Errno::Dom
        } else {
            Errno::None
        };
        (z, e)
    } else if phi == 0.0 {
        (cx(r, r * phi), Errno::None)
    } else {
        (cx(r * phi.cos(), r * phi.sin()), Errno::None)
    };
    finish(vm, out)
}

fn predicate(vm: &mut Vm, args: Args, name: &str, p: fn(Complex) -> bool) -> PyResult<Value> {
    let a = vm.fn_args(name, args, 1, 1)?;
    let z = arg_complex(vm, &a[0])?;
    Ok(Value::bool(p(z)))
}

fn cmath_isfinite(vm: &mut Vm, args: Args) -> PyResult<Value> {
    predicate(vm, args, "cmath.isfinite", |z| {
        z.re.is_finite() && z.im.is_finite()
    })
}

fn cmath_isnan(vm: &mut Vm, args: Args) -> PyResult<Value> {
    predicate(vm, args, "cmath.isnan", |z| z.re.is_nan() || z.im.is_nan())
}

fn cmath_isinf(vm: &mut Vm, args: Args) -> PyResult<Value> {
    predicate(vm, args, "cmath.isinf", |z| {
        z.re.is_infinite() || z.im.is_infinite()
    })
}

/// `_Py_c_abs` without the overflow error (isclose only compares).
fn c_abs(z: Complex) -> f64 {
    crate::num::complex_abs(z).unwrap_or(INF)
}

fn cmath_isclose(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let sig = Sig {
        name: "isclose",
        pos: &["a", "b"],
        posonly: 0,
        required: 2,
        kwonly: &["rel_tol", "abs_tol"],
    };
    let p = sig.bind(vm, &args)?;
    let a = arg_complex(vm, p[0].as_ref().unwrap_or(&Value::None))?;
    let b = arg_complex(vm, p[1].as_ref().unwrap_or(&Value::None))?;
    let rel_tol = match &p[2] {
        Some(v) => arg_f64(vm, v)?,
        None => 1e-9,
    };
    let abs_tol = match &p[3] {
        Some(v) => arg_f64(vm, v)?,
        None => 0.0,
    };
    if rel_tol < 0.0 || abs_tol < 0.0 {
        return Err(vm.value_error("tolerances must be non-negative"));
    }
    if a.re == b.re && a.im == b.im {
        return Ok(Value::Bool(Truth::True));
    }
    if a.re.is_infinite() || a.im.is_infinite() || b.re.is_infinite() || b.im.is_infinite() {
        return Ok(Value::Bool(Truth::False));
    }
    let diff = c_abs(cx(a.re - b.re, a.im - b.im));
    Ok(Value::bool(
        diff <= rel_tol * c_abs(b) || diff <= rel_tol * c_abs(a) || diff <= abs_tol,
    ))
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("cmath");
    vm.add_functions(
        &m,
        &[
            ("acos", cmath_acos),
            ("acosh", cmath_acosh),
            ("asin", cmath_asin),
            ("asinh", cmath_asinh),
            ("atan", cmath_atan),
            ("atanh", cmath_atanh),
            ("cos", cmath_cos),
            ("cosh", cmath_cosh),
            ("exp", cmath_exp),
            ("isclose", cmath_isclose),
            ("isfinite", cmath_isfinite),
            ("isinf", cmath_isinf),
            ("isnan", cmath_isnan),
            ("log", cmath_log),
            ("log10", cmath_log10),
            ("phase", cmath_phase),
            ("polar", cmath_polar),
            ("rect", cmath_rect),
            ("sin", cmath_sin),
            ("sinh", cmath_sinh),
            ("sqrt", cmath_sqrt),
            ("tan", cmath_tan),
            ("tanh", cmath_tanh),
        ],
    );
    vm.set_attr_raw(&m, "pi", Value::float(P));
    vm.set_attr_raw(&m, "e", Value::float(std::f64::consts::E));
    vm.set_attr_raw(&m, "tau", Value::float(std::f64::consts::TAU));
    vm.set_attr_raw(&m, "inf", Value::float(INF));
    let infj = vm.new_complex(0.0, INF);
    vm.set_attr_raw(&m, "infj", infj);
    vm.set_attr_raw(&m, "nan", Value::float(f64::NAN));
    let nanj = vm.new_complex(0.0, f64::NAN);
    vm.set_attr_raw(&m, "nanj", nanj);
    let doc =
        vm.new_str("This module provides access to mathematical functions for complex\nnumbers.");
    vm.set_attr_raw(&m, "__doc__", doc);
    Ok(m)
}
