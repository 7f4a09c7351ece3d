//! Correctly rounded decimal digits of a double (David Gay's `_Py_dg_dtoa`
//! modes 2 and 3, exact big-integer arithmetic, round-half-even on the
//! exact binary value) and CPython's `PyOS_double_to_string`
//! (Python/pystrtod.c `format_float_short`), which lays them out for the
//! `e`, `f`, `g` and `r` format codes.

use super::float::{decompose, shortest_digits};
use num_bigint::BigUint;
use num_integer::Integer;
use num_traits::{One, Pow, Zero};

/// A double has at most 767 significant decimal digits and 1074 digits
/// after the point; asking for more only appends zeros, which the digit
/// string drops anyway.
const EXACT_CAP: i64 = 1100;

fn pow10(n: u64) -> BigUint {
    BigUint::from(10u32).pow(n)
}

/// `v * 10**k` as `num / den` for finite non-negative `v`.
fn scaled(v: f64, k: i64) -> (BigUint, BigUint) {
    let (mant, exp2) = decompose(v);
    let mut num = BigUint::from(mant);
    let mut den = BigUint::one();
    if exp2 >= 0 {
        num <<= exp2 as usize;
    } else {
        den <<= exp2.unsigned_abs() as usize;
    }
    if k >= 0 {
        num *= pow10(k.unsigned_abs());
    } else {
        den *= pow10(k.unsigned_abs());
    }
    (num, den)
}

fn round_half_even(num: &BigUint, den: &BigUint) -> BigUint {
    let (q, r) = num.div_rem(den);
    let twice: BigUint = r << 1usize;
    if twice > *den || (twice == *den && q.is_odd()) {
        q + 1u32
    } else {
        q
    }
}

fn strip_zeros(mut s: String) -> String {
    while s.len() > 1 && s.ends_with('0') {
        s.pop();
    }
    s
}

/// Mode 3: `v` (finite, non-negative) rounded to `ndigits` digits after
/// the decimal point (before it when negative). Returns the digits without
/// trailing zeros and `decpt` (`v ≈ 0.DIGITS * 10**decpt`); the digits are
/// empty when the value rounds to zero.
pub(super) fn fixed_digits(v: f64, ndigits: i64) -> (String, i64) {
    if v == 0.0 {
        return ("0".to_string(), 1);
    }
    let p = ndigits.min(EXACT_CAP);
    let (num, den) = scaled(v, p);
    let q = round_half_even(&num, &den);
    if q.is_zero() {
        return (String::new(), -ndigits);
    }
    let s = q.to_string();
    let decpt = s.len() as i64 - p;
    (strip_zeros(s), decpt)
}

/// Mode 2: `v` (finite, non-negative) rounded to `n >= 1` significant
/// digits; trailing zeros dropped.
pub(super) fn sig_digits(v: f64, n: i64) -> (String, i64) {
    if v == 0.0 {
        return ("0".to_string(), 1);
    }
    let n = n.clamp(1, EXACT_CAP);
    let lo = pow10((n - 1) as u64);
    let hi = pow10(n as u64);
    // k = floor(log10(v)), estimated then corrected exactly.
    let mut k = v.log10().floor() as i64;
    loop {
        let (num, den) = scaled(v, n - 1 - k);
        let q0 = &num / &den;
        if q0 < lo {
            k -= 1;
        } else if q0 >= hi {
            k += 1;
        } else {
            let q = round_half_even(&num, &den);
            if q == hi {
                return ("1".to_string(), k + 2);
            }
            return (strip_zeros(q.to_string()), k + 1);
        }
    }
}

/// The `Py_DTSF_*` flags of `PyOS_double_to_string`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DtoaFlags {
    /// `Py_DTSF_SIGN`: `+` on non-negative values.
    pub sign: bool,
    /// `Py_DTSF_ADD_DOT_0`: `.0` on integral values in fixed notation.
    pub add_dot_0: bool,
    /// `Py_DTSF_ALT`: `#` alternate form (keep the point and zeros).
    pub alt: bool,
    /// `Py_DTSF_NO_NEG_0`: `z`, negative zero (after rounding) prints as zero.
    pub no_neg_0: bool,
}

/// `PyOS_double_to_string(v, code, precision, flags)` for code `e E f F g G r`
/// (any other code is treated as `r`); `precision` is ignored for `r`.
pub fn double_to_string(v: f64, code: char, precision: i64, flags: DtoaFlags) -> String {
    let upper = code.is_ascii_uppercase();
    let code = code.to_ascii_lowercase();
    let mut out = String::new();
    if v.is_nan() || v.is_infinite() {
        if v.is_infinite() && v.is_sign_negative() {
            out.push('-');
        } else if flags.sign {
            out.push('+');
        }
        let word = if v.is_nan() { "nan" } else { "inf" };
        out.push_str(&if upper {
            word.to_uppercase()
        } else {
            word.to_string()
        });
        return out;
    }
    let mut precision = precision;
    let (digits, decpt) = match code {
        'e' => {
            precision += 1;
            sig_digits(v.abs(), precision)
        }
        'f' => fixed_digits(v.abs(), precision),
        'g' => {
            if precision == 0 {
                precision = 1;
            }
            sig_digits(v.abs(), precision)
        }
        _ => {
            let (d, p) = shortest_digits(v.abs());
            (d, i64::from(p))
        }
    };
    let mut sign = v.is_sign_negative();
    if flags.no_neg_0 && sign && (digits.is_empty() || digits == "0") {
        sign = false;
    }
    let digits_len = digits.len() as i64;
    let mut decpt = decpt;
    let mut use_exp = false;
    let mut vdigits_end = digits_len;
    match code {
        'e' => {
            use_exp = true;
            vdigits_end = precision;
        }
        'f' => vdigits_end = decpt + precision,
        'g' => {
            let limit = if flags.add_dot_0 {
                precision - 1
            } else {
                precision
            };
            if decpt <= -4 || decpt > limit {
                use_exp = true;
            }
            if flags.alt {
                vdigits_end = precision;
            }
        }
        _ => {
            if decpt <= -4 || decpt > 16 {
                use_exp = true;
            }
        }
    }
    let mut exp = 0;
    if use_exp {
        exp = decpt - 1;
        decpt = 1;
    }
    let vdigits_start = if decpt <= 0 { decpt - 1 } else { 0 };
    vdigits_end = if !use_exp && flags.add_dot_0 {
        vdigits_end.max(decpt + 1)
    } else {
        vdigits_end.max(decpt)
    };
    if sign {
        out.push('-');
    } else if flags.sign {
        out.push('+');
    }
    let zeros = |out: &mut String, n: i64| {
        for _ in 0..n.max(0) {
            out.push('0');
        }
    };
    if decpt <= 0 {
        zeros(&mut out, decpt - vdigits_start);
        out.push('.');
        zeros(&mut out, -decpt);
    } else {
        zeros(&mut out, -vdigits_start);
    }
    if 0 < decpt && decpt <= digits_len {
        let (a, b) = digits.split_at(decpt as usize);
        out.push_str(a);
        out.push('.');
        out.push_str(b);
    } else {
        out.push_str(&digits);
    }
    if digits_len < decpt {
        zeros(&mut out, decpt - digits_len);
        out.push('.');
        zeros(&mut out, vdigits_end - decpt);
    } else {
        zeros(&mut out, vdigits_end - digits_len);
    }
    if out.ends_with('.') && !flags.alt {
        out.pop();
    }
    if use_exp {
        out.push(if upper { 'E' } else { 'e' });
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.unsigned_abs()));
    }
    out
}
