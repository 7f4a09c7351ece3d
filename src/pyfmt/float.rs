//! `repr(float)` and `repr(complex)`: CPython's `PyOS_double_to_string`
//! with format code `'r'` (shortest digits that round-trip, from David
//! Gay's `_Py_dg_dtoa` mode 0), as Python/pystrtod.c `format_float_short`
//! lays them out.

use num_bigint::BigInt;
use num_traits::{One, Pow};

/// Python's `repr(float)`: `1.0`, `0.1`, `1e+16`, `1e-05`, `-0.0`, `inf`, `nan`.
pub fn float_repr(v: f64) -> String {
    format_float_r(v, true, false)
}

/// `PyOS_double_to_string(v, 'r', 0, flags)`.
///
/// `add_dot_0` is `Py_DTSF_ADD_DOT_0` (append `.0` to an integral value in
/// fixed notation) and `always_sign` is `Py_DTSF_SIGN` (a leading `+` on
/// non-negative values). A NaN never shows a `-` (CPython ignores its sign).
pub fn format_float_r(v: f64, add_dot_0: bool, always_sign: bool) -> String {
    let mut out = String::new();
    if v.is_nan() {
        if always_sign {
            out.push('+');
        }
        out.push_str("nan");
        return out;
    }
    if v.is_sign_negative() {
        out.push('-');
    } else if always_sign {
        out.push('+');
    }
    if v.is_infinite() {
        out.push_str("inf");
        return out;
    }
    let (digits, decpt) = shortest_digits(v.abs());
    let n = digits.len() as i32;
    // Python switches to exponent notation when decpt <= -4 or decpt > 16
    // (the exponent of the leading digit is decpt - 1).
    if decpt <= -4 || decpt > 16 {
        let exp = decpt - 1;
        out.push_str(&digits[..1]);
        if n > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.unsigned_abs()));
    } else if decpt <= 0 {
        out.push_str("0.");
        for _ in 0..(-decpt) {
            out.push('0');
        }
        out.push_str(&digits);
    } else if decpt >= n {
        out.push_str(&digits);
        for _ in 0..(decpt - n) {
            out.push('0');
        }
        if add_dot_0 {
            out.push_str(".0");
        }
    } else {
        let (a, b) = digits.split_at(decpt as usize);
        out.push_str(a);
        out.push('.');
        out.push_str(b);
    }
    out
}

/// The shortest round-trip decimal digits of a finite, non-negative `v`
/// and the position of the decimal point (`_Py_dg_dtoa` mode 0's `decpt`):
/// `v = 0.DIGITS * 10**decpt`. Zero gives `("0", 1)`.
pub(super) fn shortest_digits(v: f64) -> (String, i32) {
    // Rust's `{:e}` prints the shortest representation that round-trips,
    // choosing the closest such one, which is what mode 0 produces.
    let s = format!("{v:e}");
    let (mant, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    if digits == "0" {
        return (digits, 1);
    }
    let decpt = exp + 1;
    match tie_to_even(v, &digits, decpt) {
        Some(even) => even,
        None => (digits, decpt),
    }
}

/// Rust and Gay's `_Py_dg_dtoa` both pick the shortest digit string closest
/// to `v`, but when `v` lies exactly halfway between two such strings Rust
/// rounds up while Gay rounds half to even (`3271549100609.90625` prints as
/// `...9062` in Python). Returns the even neighbour in that case.
fn tie_to_even(v: f64, digits: &str, decpt: i32) -> Option<(String, i32)> {
    let last = digits.bytes().last()? - b'0';
    if last.is_multiple_of(2) {
        return None;
    }
    let (mant, exp2) = decompose(v);
    let n = digits.len() as i32;
    // Scale so the midpoints (D*10 ± 5) * 10**(decpt - n - 1) are integers:
    // compare D*10 ± 5 with v * 10**k, k = n + 1 - decpt.
    let k = n + 1 - decpt;
    if exp2 < 0 && k >= 0 && (mant.trailing_zeros() as i32 + k) < -exp2 {
        return None; // v * 10**k is not an integer: no exact midpoint.
    }
    let (num, den) = scaled(mant, exp2, k);
    let d: BigInt = digits.parse().ok()?;
    let ten_d = &d * 10;
    let pairs: [(BigInt, BigInt); 2] = [(&ten_d - 5, &d - 1), (&ten_d + 5, &d + 1)];
    for (mid, neighbour) in pairs {
        if &mid * &den == num {
            let mut s = neighbour.to_string();
            let dp = decpt + (s.len() as i32 - n);
            while s.len() > 1 && s.ends_with('0') {
                s.pop();
            }
            if s == "0" {
                return None;
            }
            // The even neighbour must still read back as v.
            let text = format!("0.{s}e{dp}");
            if text.parse::<f64>().ok() == Some(v) {
                return Some((s, dp));
            }
        }
    }
    None
}

/// `v = mant * 2**exp2` exactly, for finite non-negative `v`.
pub(super) fn decompose(v: f64) -> (u64, i32) {
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7FF) as i32;
    let frac = bits & ((1 << 52) - 1);
    if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), exp - 1075)
    }
}

/// `mant * 2**exp2 * 10**k` as a fraction `num / den`.
fn scaled(mant: u64, exp2: i32, k: i32) -> (BigInt, BigInt) {
    let mut num = BigInt::from(mant);
    let mut den = BigInt::one();
    if exp2 >= 0 {
        num <<= exp2 as usize;
    } else {
        den <<= (-exp2) as usize;
    }
    let p = BigInt::from(10).pow(k.unsigned_abs());
    if k >= 0 {
        num *= p;
    } else {
        den *= p;
    }
    (num, den)
}

/// Python's `repr(complex(re, im))` (Objects/complexobject.c `complex_repr`):
/// the real part is left out when it is `+0.0`; parts print in `'r'` format
/// without a trailing `.0`, the imaginary part with its sign.
pub fn complex_repr(re: f64, im: f64) -> String {
    if re == 0.0 && re.is_sign_positive() {
        format!("{}j", format_float_r(im, false, false))
    } else {
        format!(
            "({}{}j)",
            format_float_r(re, false, false),
            format_float_r(im, false, true)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats() {
        for (v, s) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (-0.0, "-0.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (123.456, "123.456"),
            // Exactly 3271549100609.90625, halfway between two 17-digit strings.
            (3_271_549_100_609.906_3, "3271549100609.9062"),
            (0.5, "0.5"),
            (2.5, "2.5"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ] {
            assert_eq!(float_repr(v), s);
        }
    }

    #[test]
    fn complexes() {
        assert_eq!(complex_repr(0.0, 1.0), "1j");
        assert_eq!(complex_repr(1.0, 2.0), "(1+2j)");
        assert_eq!(complex_repr(-0.0, -1.0), "(-0-1j)");
        assert_eq!(complex_repr(f64::NAN, f64::INFINITY), "(nan+infj)");
        assert_eq!(complex_repr(0.0, 0.0), "0j");
        assert_eq!(complex_repr(1.5, -0.0), "(1.5-0j)");
    }
}
