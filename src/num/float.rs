//! `float` arithmetic (Objects/floatobject.c): the operations that can
//! fail or have special cases. `+`, `-`, `*`, unary minus and `abs` are
//! the plain IEEE operations and need no helper.

use super::{Int, NumError, ERANGE_MESSAGE};
use crate::pyfmt;

/// The result of `float ** float`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FloatPow {
    Float(f64),
    /// A negative base with a non-integral exponent: CPython 3.11 hands
    /// the operands to complex `**` ([`super::complex_pow`] of `(a, 0)`
    /// and `(b, 0)`), which returns a complex.
    Complex,
}

/// `a / b`.
pub fn float_div(a: f64, b: f64) -> Result<f64, NumError> {
    if b == 0.0 {
        return Err(NumError::zero_div("float division by zero"));
    }
    Ok(a / b)
}

/// `a % b` (`float_rem`): the result has the sign of `b`, zeros included.
pub fn float_mod(a: f64, b: f64) -> Result<f64, NumError> {
    if b == 0.0 {
        return Err(NumError::zero_div("float modulo"));
    }
    let m = a % b;
    Ok(if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m + b
        } else {
            m
        }
    } else {
        0.0f64.copysign(b)
    })
}

/// CPython's `_float_div_mod` for a nonzero `b`.
fn div_mod(a: f64, b: f64) -> (f64, f64) {
    let mut m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m += b;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(b);
    }
    let floordiv = if div != 0.0 {
        let f = div.floor();
        if div - f > 0.5 {
            f + 1.0
        } else {
            f
        }
    } else {
        0.0f64.copysign(a / b)
    };
    (floordiv, m)
}

/// `divmod(a, b)`.
pub fn float_divmod(a: f64, b: f64) -> Result<(f64, f64), NumError> {
    if b == 0.0 {
        return Err(NumError::zero_div("float divmod()"));
    }
    Ok(div_mod(a, b))
}

/// `a // b`.
pub fn float_floordiv(a: f64, b: f64) -> Result<f64, NumError> {
    if b == 0.0 {
        return Err(NumError::zero_div("float floor division by zero"));
    }
    Ok(div_mod(a, b).0)
}

fn is_odd_integer(x: f64) -> bool {
    x.abs() % 2.0 == 1.0
}

/// `a ** b` (`float_pow`).
pub fn float_pow(a: f64, b: f64) -> Result<FloatPow, NumError> {
    let ok = |x: f64| Ok(FloatPow::Float(x));
    if b == 0.0 {
        return ok(1.0);
    }
    if a.is_nan() {
        return ok(a);
    }
    if b.is_nan() {
        return ok(if a == 1.0 { 1.0 } else { b });
    }
    if b.is_infinite() {
        let av = a.abs();
        return ok(if av == 1.0 {
            1.0
        } else if (b > 0.0) == (av > 1.0) {
            b.abs()
        } else {
            0.0
        });
    }
    if a.is_infinite() {
        let odd = is_odd_integer(b);
        return ok(if b > 0.0 {
            if odd {
                a
            } else {
                a.abs()
            }
        } else if odd {
            0.0f64.copysign(a)
        } else {
            0.0
        });
    }
    if a == 0.0 {
        if b < 0.0 {
            return Err(NumError::zero_div(
                "0.0 cannot be raised to a negative power",
            ));
        }
        return ok(if is_odd_integer(b) { a } else { 0.0 });
    }
    let mut base = a;
    let mut negate = false;
    if a < 0.0 {
        if b != b.floor() {
            return Ok(FloatPow::Complex);
        }
        base = -a;
        negate = is_odd_integer(b);
    }
    if base == 1.0 {
        return ok(if negate { -1.0 } else { 1.0 });
    }
    let r = base.powf(b);
    if r.is_infinite() {
        return Err(NumError::Overflow(ERANGE_MESSAGE.to_string()));
    }
    ok(if negate { -r } else { r })
}

/// `float.is_integer()`.
pub fn float_is_integer(x: f64) -> bool {
    x.is_finite() && x.floor() == x
}

/// `float.as_integer_ratio()`: the exact value as a fraction in lowest
/// terms with a positive denominator.
pub fn float_as_integer_ratio(x: f64) -> Result<(Int, Int), NumError> {
    if x.is_infinite() {
        return Err(NumError::overflow(
            "cannot convert Infinity to integer ratio",
        ));
    }
    if x.is_nan() {
        return Err(NumError::value("cannot convert NaN to integer ratio"));
    }
    if x == 0.0 {
        return Ok((Int::Small(0), Int::Small(1)));
    }
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7FF) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    let (mut mant, mut exp) = if biased == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), biased - 1075)
    };
    let tz = mant.trailing_zeros();
    mant >>= tz;
    exp += i64::from(tz);
    let mant = Int::Small(if x < 0.0 { -(mant as i64) } else { mant as i64 });
    let one = Int::Small(1);
    // Shifts of at most 1074 bits: never a MemoryError.
    let shifted = |v: &Int, by: i64| v.lshift(&Int::Small(by));
    Ok(if exp >= 0 {
        (shifted(&mant, exp)?, one)
    } else {
        (mant, shifted(&one, -exp)?)
    })
}

/// `math.trunc(x)` / `int(x)`.
pub fn float_trunc(x: f64) -> Result<Int, NumError> {
    Int::from_f64(x)
}

/// `math.floor(x)` / `float.__floor__`.
pub fn float_floor(x: f64) -> Result<Int, NumError> {
    Int::from_f64(x.floor())
}

/// `math.ceil(x)` / `float.__ceil__`.
pub fn float_ceil(x: f64) -> Result<Int, NumError> {
    Int::from_f64(x.ceil())
}

/// `round(x)`: the nearest int, halves to even.
pub fn float_round(x: f64) -> Result<Int, NumError> {
    Ok(Int::from_bigint(pyfmt::float_round_to_int(x)?))
}

/// `round(x, ndigits)`: ndigits is clamped to `isize` as CPython does.
pub fn float_round_ndigits(x: f64, ndigits: &Int) -> Result<f64, NumError> {
    Ok(pyfmt::float_round(x, ndigits.to_index_clamped() as i64)?)
}
