//! The special functions of `math`: CPython's own Lanczos `gamma` and
//! `lgamma` (`m_tgamma`, `m_lgamma`), the libm `erf`/`erfc`, and the
//! helpers (`m_log*`, `m_atan2`, `m_remainder`, `frexp`, `ldexp`,
//! `nextafter`) other math and cmath functions share.

use num_bigint::BigInt;
use num_traits::ToPrimitive;

use super::{arg_f64, domain_error, range_error};
use crate::objects::function::Args;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

mod libm {
    extern "C" {
        pub fn erf(x: f64) -> f64;
        pub fn erfc(x: f64) -> f64;
        pub fn acosh(x: f64) -> f64;
        pub fn asinh(x: f64) -> f64;
        pub fn atanh(x: f64) -> f64;
        pub fn nextafter(x: f64, y: f64) -> f64;
        pub fn ldexp(x: f64, e: i32) -> f64;
        pub fn frexp(x: f64, e: *mut i32) -> f64;
    }
}

// SAFETY (all wrappers below): these C99 libm functions (linked with std on
// every supported platform) take and return plain doubles, have no
// preconditions, and touch no memory except `frexp`'s out-parameter, which
// points to a live local.

pub fn libm_erf(x: f64) -> f64 {
    // SAFETY: a C99 libm function on plain values (see above).
    unsafe { libm::erf(x) }
}

pub fn libm_erfc(x: f64) -> f64 {
    // SAFETY: a C99 libm function on plain values (see above).
    unsafe { libm::erfc(x) }
}

/// The C library's `cbrt`. Rust's runtime links its own `cbrt` (a musl
/// port, differing from glibc's in the last bit) under the plain name, so
/// the system one is looked up dynamically.
pub fn libm_cbrt(x: f64) -> f64 {
    static CBRT: std::sync::OnceLock<Option<extern "C" fn(f64) -> f64>> =
        std::sync::OnceLock::new();
    let f = CBRT.get_or_init(|| {
        // SAFETY: dlsym with a NUL-terminated name; the symbol, when found,
        // is libm's `double cbrt(double)`, whose ABI the pointer type states.
        unsafe {
            let p = libc::dlsym(libc::RTLD_DEFAULT, c"cbrt".as_ptr());
            if p.is_null() {
                None
            } else {
                Some(std::mem::transmute::<
                    *mut libc::c_void,
                    extern "C" fn(f64) -> f64,
                >(p))
            }
        }
    });
    match f {
        Some(f) => f(x),
        None => x.cbrt(),
    }
}

pub fn libm_acosh(x: f64) -> f64 {
    // SAFETY: a C99 libm function on plain values (see above).
    unsafe { libm::acosh(x) }
}

pub fn libm_asinh(x: f64) -> f64 {
    // SAFETY: a C99 libm function on plain values (see above).
    unsafe { libm::asinh(x) }
}

pub fn libm_atanh(x: f64) -> f64 {
    // SAFETY: a C99 libm function on plain values (see above).
    unsafe { libm::atanh(x) }
}

pub fn nextafter(x: f64, y: f64) -> f64 {
    // SAFETY: a C99 libm function on plain values (see above).
    unsafe { libm::nextafter(x, y) }
}

pub fn ldexp(x: f64, e: i32) -> f64 {
    // SAFETY: a C99 libm function on plain values (see above).
    unsafe { libm::ldexp(x, e) }
}

/// `math.frexp`'s rule: (x, 0) for zeros, infinities and NaNs.
pub fn frexp(x: f64) -> (f64, i32) {
    if x.is_nan() || x.is_infinite() || x == 0.0 {
        return (x, 0);
    }
    let mut e: i32 = 0;
    // SAFETY: `e` is a live local the out-parameter may write.
    let m = unsafe { libm::frexp(x, &mut e) };
    (m, e)
}

/// `_PyLong_Frexp` for a positive big int: (m, e) with 0.5 <= m < 1,
/// m correctly rounded (half-even) to 53 bits.
pub fn bigint_frexp(n: &BigInt) -> (f64, u64) {
    let bits = n.bits();
    if bits <= 60 {
        let v = n.to_u64().unwrap_or(0);
        let (m, e) = frexp(v as f64);
        return (m, u64::try_from(e).unwrap_or(0));
    }
    let shift = bits - 60;
    let top: BigInt = n >> shift;
    let mut m = top.to_u64().unwrap_or(0);
    // A sticky bit for everything shifted out keeps the final rounding exact.
    if n.trailing_zeros().unwrap_or(0) < shift {
        m |= 1;
    }
    let mut f = m as f64 / (1u64 << 60) as f64;
    let mut e = bits;
    if f >= 1.0 {
        f /= 2.0;
        e += 1;
    }
    (f, e)
}

const PI: f64 = std::f64::consts::PI;
const LOGPI: f64 = 1.144_729_885_849_400_2;

/// `m_log`: log with C99's special values (NaN for negatives, -inf at 0).
pub fn m_log(x: f64) -> f64 {
    if x.is_finite() {
        if x > 0.0 {
            x.ln()
        } else if x == 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::NAN
        }
    } else if x.is_nan() || x > 0.0 {
        x
    } else {
        f64::NAN
    }
}

pub fn m_log2(x: f64) -> f64 {
    if !x.is_finite() {
        if x.is_nan() || x > 0.0 {
            x
        } else {
            f64::NAN
        }
    } else if x > 0.0 {
        x.log2()
    } else if x == 0.0 {
        f64::NEG_INFINITY
    } else {
        f64::NAN
    }
}

pub fn m_log10(x: f64) -> f64 {
    if x.is_finite() {
        if x > 0.0 {
            x.log10()
        } else if x == 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::NAN
        }
    } else if x.is_nan() || x > 0.0 {
        x
    } else {
        f64::NAN
    }
}

/// `m_atan2`: C99 Annex F special values, then libm.
pub fn m_atan2(y: f64, x: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if y.is_infinite() {
        if x.is_infinite() {
            return if 1f64.copysign(x) == 1.0 {
                (0.25 * PI).copysign(y)
            } else {
                (0.75 * PI).copysign(y)
            };
        }
        return (0.5 * PI).copysign(y);
    }
    if x.is_infinite() || y == 0.0 {
        return if 1f64.copysign(x) == 1.0 {
            0f64.copysign(y)
        } else {
            PI.copysign(y)
        };
    }
    y.atan2(x)
}

/// `m_remainder`: IEEE 754 remainder, exact.
pub fn m_remainder(x: f64, y: f64) -> f64 {
    if x.is_finite() && y.is_finite() {
        if y == 0.0 {
            return f64::NAN;
        }
        let absx = x.abs();
        let absy = y.abs();
        let m = absx % absy;
        let c = absy - m;
        let r = if m < c {
            m
        } else if m > c {
            -c
        } else {
            m - 2.0 * ((0.5 * (absx - m)) % absy)
        };
        return 1f64.copysign(x) * r;
    }
    if x.is_nan() {
        return x;
    }
    if y.is_nan() {
        return y;
    }
    if x.is_infinite() {
        return f64::NAN;
    }
    x
}

/// `m_sinpi`: sin(pi*x), accurate for finite x near integers.
fn m_sinpi(x: f64) -> f64 {
    let y = x.abs() % 2.0;
    let n = (2.0 * y).round() as i32;
    let r = match n {
        0 => (PI * y).sin(),
        1 => (PI * (y - 0.5)).cos(),
        2 => (PI * (1.0 - y)).sin(),
        3 => -(PI * (y - 1.5)).cos(),
        _ => (PI * (y - 2.0)).sin(),
    };
    1f64.copysign(x) * r
}

// Lanczos constants: CPython's digits verbatim, for comparison.
#[allow(clippy::excessive_precision)]
const LANCZOS_G: f64 = 6.024_680_040_776_729_583_740_234_375;
#[allow(clippy::excessive_precision)]
const LANCZOS_G_MINUS_HALF: f64 = 5.524_680_040_776_729_583_740_234_375;
#[allow(clippy::excessive_precision)]
const LANCZOS_NUM: [f64; 13] = [
    23531376880.410759688572007674451636754734846804940,
    42919803642.649098768957899047001988850926355848959,
    35711959237.355668049440185451547166705960488635843,
    17921034426.037209699919755754458931112671403265390,
    6039542586.3520280050642916443072979210699388420708,
    1439720407.3117216736632230727949123939715485786772,
    248874557.86205415651146038641322942321632125127801,
    31426415.585400194380614231628318205362874684987640,
    2876370.6289353724412254090516208496135991145378768,
    186056.26539522349504029498971604569928220784236328,
    8071.6720023658162106380029022722506138218516325024,
    210.82427775157934587250973392071336271166969580291,
    2.5066282746310002701649081771338373386264310793408,
];
const LANCZOS_DEN: [f64; 13] = [
    0.0,
    39916800.0,
    120543840.0,
    150917976.0,
    105258076.0,
    45995730.0,
    13339535.0,
    2637558.0,
    357423.0,
    32670.0,
    1925.0,
    66.0,
    1.0,
];
const GAMMA_INTEGRAL: [f64; 23] = [
    1.0,
    1.0,
    2.0,
    6.0,
    24.0,
    120.0,
    720.0,
    5040.0,
    40320.0,
    362880.0,
    3628800.0,
    39916800.0,
    479001600.0,
    6227020800.0,
    87178291200.0,
    1307674368000.0,
    20922789888000.0,
    355687428096000.0,
    6402373705728000.0,
    121645100408832000.0,
    2432902008176640000.0,
    51090942171709440000.0,
    1124000727777607680000.0,
];

fn lanczos_sum(x: f64) -> f64 {
    let mut num = 0.0;
    let mut den = 0.0;
    if x < 5.0 {
        for i in (0..13).rev() {
            num = num * x + LANCZOS_NUM[i];
            den = den * x + LANCZOS_DEN[i];
        }
    } else {
        for i in 0..13 {
            num = num / x + LANCZOS_NUM[i];
            den = den / x + LANCZOS_DEN[i];
        }
    }
    num / den
}

/// The outcome of a libm-style function that sets errno.
enum MathErr {
    Domain,
    Range,
}

/// `m_tgamma`.
fn m_tgamma(x: f64) -> Result<f64, MathErr> {
    if !x.is_finite() {
        if x.is_nan() || x > 0.0 {
            return Ok(x);
        }
        return Err(MathErr::Domain);
    }
    if x == 0.0 {
        return Err(MathErr::Domain);
    }
    if x == x.floor() {
        if x < 0.0 {
            return Err(MathErr::Domain);
        }
        if x <= 23.0 {
            return Ok(GAMMA_INTEGRAL[x as usize - 1]);
        }
    }
    let absx = x.abs();
    if absx < 1e-20 {
        let r = 1.0 / x;
        return if r.is_infinite() {
            Err(MathErr::Range)
        } else {
            Ok(r)
        };
    }
    if absx > 200.0 {
        return if x < 0.0 {
            Ok(0.0 / m_sinpi(x))
        } else {
            Err(MathErr::Range)
        };
    }
    let y = absx + LANCZOS_G_MINUS_HALF;
    let z = if absx > LANCZOS_G_MINUS_HALF {
        let q = y - absx;
        q - LANCZOS_G_MINUS_HALF
    } else {
        let q = y - LANCZOS_G_MINUS_HALF;
        q - absx
    };
    let z = z * LANCZOS_G / y;
    let mut r;
    if x < 0.0 {
        r = -PI / m_sinpi(absx) / absx * y.exp() / lanczos_sum(absx);
        r -= z * r;
        if absx < 140.0 {
            r /= y.powf(absx - 0.5);
        } else {
            let sqrtpow = y.powf(absx / 2.0 - 0.25);
            r /= sqrtpow;
            r /= sqrtpow;
        }
    } else {
        r = lanczos_sum(absx) / y.exp();
        r += z * r;
        if absx < 140.0 {
            r *= y.powf(absx - 0.5);
        } else {
            let sqrtpow = y.powf(absx / 2.0 - 0.25);
            r *= sqrtpow;
            r *= sqrtpow;
        }
    }
    if r.is_infinite() {
        return Err(MathErr::Range);
    }
    Ok(r)
}

/// `m_lgamma`.
fn m_lgamma(x: f64) -> Result<f64, MathErr> {
    if !x.is_finite() {
        return Ok(if x.is_nan() { x } else { f64::INFINITY });
    }
    if x == x.floor() && x <= 2.0 {
        return if x <= 0.0 {
            Err(MathErr::Domain)
        } else {
            Ok(0.0)
        };
    }
    let absx = x.abs();
    if absx < 1e-20 {
        return Ok(-absx.ln());
    }
    let mut r = lanczos_sum(absx).ln() - LANCZOS_G;
    r += (absx - 0.5) * ((absx + LANCZOS_G - 0.5).ln() - 1.0);
    if x < 0.0 {
        r = LOGPI - m_sinpi(absx).abs().ln() - absx.ln() - r;
    }
    if r.is_infinite() {
        return Err(MathErr::Range);
    }
    Ok(r)
}

/// `math_1a`: the function reports its own errors.
fn math_1a(
    vm: &mut Vm,
    args: Args,
    name: &str,
    f: fn(f64) -> Result<f64, MathErr>,
) -> PyResult<Value> {
    let a = vm.fn_args(name, args, 1, 1)?;
    let x = arg_f64(vm, &a[0])?;
    match f(x) {
        Ok(r) => Ok(Value::float(r)),
        Err(MathErr::Domain) => Err(domain_error(vm)),
        Err(MathErr::Range) => Err(range_error(vm)),
    }
}

pub fn math_gamma(vm: &mut Vm, args: Args) -> PyResult<Value> {
    math_1a(vm, args, "math.gamma", m_tgamma)
}

pub fn math_lgamma(vm: &mut Vm, args: Args) -> PyResult<Value> {
    math_1a(vm, args, "math.lgamma", m_lgamma)
}

pub fn math_erf(vm: &mut Vm, args: Args) -> PyResult<Value> {
    math_1a(vm, args, "math.erf", |x| Ok(libm_erf(x)))
}

pub fn math_erfc(vm: &mut Vm, args: Args) -> PyResult<Value> {
    math_1a(vm, args, "math.erfc", |x| Ok(libm_erfc(x)))
}
