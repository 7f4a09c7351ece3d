//! Parsing and conversions: `float(str)`, `int(str, base)` (with the
//! integer string conversion length limit), `bin`/`oct`/`hex`,
//! `float.hex()`, `float.fromhex()`, `round(float, n)` and int → float,
//! as CPython 3.11 does them (Objects/floatobject.c, Objects/longobject.c,
//! Python/pystrtod.c).

use super::dtoa::fixed_digits;
use super::float::decompose;
use super::spec::{truncate, unicode_decimal, unicode_isspace, value_err, FmtError};
use super::text::str_repr_str;
use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{One, ToPrimitive, Zero};

const LIMIT_TO_STR: &str =
    "for integer string conversion; use sys.set_int_max_str_digits() to increase the limit";

/// `str(int)` with `max_str_digits` as `sys.get_int_max_str_digits()`
/// (0 = no limit).
pub fn int_to_decimal(v: &BigInt, max_str_digits: usize) -> Result<String, FmtError> {
    if max_str_digits > 0 {
        let bits = v.bits();
        // A lower bound on the digit count, to refuse huge values cheaply.
        let min_digits =
            ((bits.saturating_sub(1)) as f64 * std::f64::consts::LOG10_2).floor() as u64 + 1;
        if min_digits > max_str_digits as u64 + 1 {
            return value_err(format!(
                "Exceeds the limit ({max_str_digits} digits) {LIMIT_TO_STR}"
            ));
        }
        let s = v.to_string();
        if s.trim_start_matches('-').len() > max_str_digits {
            return value_err(format!(
                "Exceeds the limit ({max_str_digits} digits) {LIMIT_TO_STR}"
            ));
        }
        return Ok(s);
    }
    Ok(v.to_string())
}

/// `bin()`, `oct()`, `hex()` (radix 2, 8, 16: `-0x1f`); any other radix
/// gives the bare digits in that radix (lowercase), e.g. 10.
pub fn int_to_str_radix(v: &BigInt, radix: u32) -> String {
    let prefix = match radix {
        2 => "0b",
        8 => "0o",
        16 => "0x",
        _ => "",
    };
    let sign = if v.sign() == Sign::Minus { "-" } else { "" };
    format!(
        "{sign}{prefix}{}",
        v.magnitude().to_str_radix(radix.clamp(2, 36))
    )
}

/// `float(int)` (`PyLong_AsDouble`): correctly rounded, half to even.
pub fn bigint_to_f64(v: &BigInt) -> Result<f64, FmtError> {
    let mag = v.magnitude();
    let bits = mag.bits();
    let x = if bits <= 53 {
        mag.to_u64().unwrap_or(0) as f64
    } else {
        let shift = bits - 53;
        let mut q: BigUint = mag >> shift;
        let rem: BigUint = mag - (&q << shift);
        let half = BigUint::one() << (shift - 1);
        if rem > half || (rem == half && q.bit(0)) {
            q += 1u32;
        }
        let top = q.bits() + shift;
        if top > 1024 {
            return Err(FmtError::Overflow(
                "int too large to convert to float".to_string(),
            ));
        }
        ldexp(q.to_u64().unwrap_or(0) as f64, shift as i64)
    };
    Ok(if v.sign() == Sign::Minus { -x } else { x })
}

/// `x * 2**e` for an integer-valued `x < 2**54` whose result is
/// representable (every step is exact).
fn ldexp(x: f64, e: i64) -> f64 {
    let pow2 = |e: i64| f64::from_bits(((e + 1023) as u64) << 52);
    if e > 1023 {
        x * pow2(1023) * pow2(e - 1023)
    } else if e < -1022 {
        x * pow2(-1022) * pow2(e + 1022)
    } else {
        x * pow2(e)
    }
}

/// `_PyUnicode_TransformDecimalAndSpaceToASCII`: ASCII kept, Unicode
/// spaces become ' ', decimal digits their ASCII digit; the first other
/// character becomes '?' and ends the buffer.
fn to_ascii(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        let cp = u32::from(c);
        if cp < 127 {
            out.push(cp as u8);
        } else if unicode_isspace(cp) {
            out.push(b' ');
        } else if let Some(d) = unicode_decimal(cp) {
            out.push(b'0' + d as u8);
        } else {
            out.push(b'?');
            break;
        }
    }
    out
}

/// C `Py_ISSPACE`.
fn c_isspace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

fn float_error(s: &str) -> FmtError {
    FmtError::Value(format!(
        "could not convert string to float: {}",
        str_repr_str(s)
    ))
}

/// `float(s)` for a str `s`.
pub fn parse_float(s: &str) -> Result<f64, FmtError> {
    let buf = to_ascii(s);
    if buf.contains(&0) {
        return Err(float_error(s));
    }
    // Underscores only between digits.
    let mut clean = Vec::with_capacity(buf.len());
    let mut prev = 0u8;
    for &b in &buf {
        if b == b'_' {
            if !prev.is_ascii_digit() {
                return Err(float_error(s));
            }
        } else {
            clean.push(b);
            if prev == b'_' && !b.is_ascii_digit() {
                return Err(float_error(s));
            }
        }
        prev = b;
    }
    if prev == b'_' {
        return Err(float_error(s));
    }
    let start = clean
        .iter()
        .position(|&b| !c_isspace(b))
        .unwrap_or(clean.len());
    let end = clean
        .iter()
        .rposition(|&b| !c_isspace(b))
        .map_or(start, |i| i + 1);
    let body = clean.get(start..end).unwrap_or(&[]);
    match strtod(body) {
        Some((x, used)) if used == body.len() && !body.is_empty() => Ok(x),
        _ => Err(float_error(s)),
    }
}

/// `_Py_parse_inf_or_nan`: the value and bytes consumed, if it matches.
fn parse_inf_or_nan(s: &[u8]) -> Option<(f64, usize)> {
    let mut i = 0;
    let mut neg = false;
    match s.first() {
        Some(b'-') => {
            neg = true;
            i = 1;
        }
        Some(b'+') => i = 1,
        _ => {}
    }
    let rest = s.get(i..).unwrap_or(&[]);
    let starts = |w: &[u8]| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w);
    let (v, n) = if starts(b"infinity") {
        (f64::INFINITY, 8)
    } else if starts(b"inf") {
        (f64::INFINITY, 3)
    } else if starts(b"nan") {
        (f64::NAN, 3)
    } else {
        return None;
    };
    Some((if neg { -v } else { v }, i + n))
}

/// `_PyOS_ascii_strtod`: parse the longest valid prefix of `s`; returns the
/// value and the bytes used, or `None` when no number starts here.
fn strtod(s: &[u8]) -> Option<(f64, usize)> {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut i = 0;
    let mut neg = false;
    if at(0) == b'-' || at(0) == b'+' {
        neg = at(0) == b'-';
        i = 1;
    }
    if !(at(i).is_ascii_digit() || at(i) == b'.') {
        return parse_inf_or_nan(s);
    }
    let int_start = i;
    while at(i).is_ascii_digit() {
        i += 1;
    }
    let int_digits = &s[int_start..i];
    let mut frac_digits: &[u8] = &[];
    if at(i) == b'.' {
        let fs = i + 1;
        let mut j = fs;
        while at(j).is_ascii_digit() {
            j += 1;
        }
        frac_digits = &s[fs..j];
        if int_digits.is_empty() && frac_digits.is_empty() {
            return None;
        }
        i = j;
    } else if int_digits.is_empty() {
        return None;
    }
    let mut exp_text = String::new();
    if at(i) == b'e' || at(i) == b'E' {
        let mut j = i + 1;
        let mut esign = "";
        if at(j) == b'-' || at(j) == b'+' {
            esign = if at(j) == b'-' { "-" } else { "" };
            j += 1;
        }
        let es = j;
        while at(j).is_ascii_digit() {
            j += 1;
        }
        if j > es {
            let digits = std::str::from_utf8(&s[es..j])
                .unwrap_or("0")
                .trim_start_matches('0');
            // Exponents beyond any double's range saturate.
            let digits = if digits.len() > 9 {
                "999999999"
            } else {
                digits
            };
            exp_text = format!("e{esign}{}", if digits.is_empty() { "0" } else { digits });
            i = j;
        }
    }
    let text = format!(
        "{}{}.{}{}",
        if neg { "-" } else { "" },
        std::str::from_utf8(int_digits).unwrap_or(""),
        std::str::from_utf8(frac_digits).unwrap_or(""),
        exp_text
    );
    let text = text.replace("-.", "-0.");
    let text = if text.starts_with('.') {
        format!("0{text}")
    } else {
        text
    };
    text.parse::<f64>().ok().map(|x| (x, i))
}

/// `int(s, base)` for a str `s` with CPython's default digit limit.
pub fn parse_int(s: &str, base: i64) -> Result<BigInt, FmtError> {
    parse_int_limited(s, base, super::number::INT_MAX_STR_DIGITS)
}

fn digit_value(b: u8) -> u32 {
    match b {
        b'0'..=b'9' => u32::from(b - b'0'),
        b'a'..=b'z' => u32::from(b - b'a') + 10,
        b'A'..=b'Z' => u32::from(b - b'A') + 10,
        _ => 37,
    }
}

enum IntFail {
    Literal,
    Other(FmtError),
}

/// `int(s, base)` with `max_str_digits` as `sys.get_int_max_str_digits()`
/// (0 = no limit).
pub fn parse_int_limited(s: &str, base: i64, max_str_digits: usize) -> Result<BigInt, FmtError> {
    if (base != 0 && base < 2) || base > 36 {
        return value_err("int() base must be >= 2 and <= 36, or 0");
    }
    let buf = to_ascii(s);
    let nul = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    match long_from_string(&buf[..nul], base as u32, max_str_digits) {
        Ok((v, end)) if end == buf.len() => Ok(v),
        Err(IntFail::Other(e)) => Err(e),
        _ => value_err(format!(
            "invalid literal for int() with base {base}: {}",
            truncate(&str_repr_str(s), 200)
        )),
    }
}

/// `PyLong_FromString` on a NUL-free ASCII buffer: the value and where
/// parsing stopped.
fn long_from_string(s: &[u8], base: u32, limit: usize) -> Result<(BigInt, usize), IntFail> {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut i = 0;
    while c_isspace(at(i)) {
        i += 1;
    }
    let mut neg = false;
    if at(i) == b'+' {
        i += 1;
    } else if at(i) == b'-' {
        neg = true;
        i += 1;
    }
    let mut base = base;
    let mut error_if_nonzero = false;
    if base == 0 {
        base = match (at(i), at(i + 1)) {
            (b'0', b'x' | b'X') => 16,
            (b'0', b'o' | b'O') => 8,
            (b'0', b'b' | b'B') => 2,
            (b'0', _) => {
                error_if_nonzero = true;
                10
            }
            _ => 10,
        };
    }
    if at(i) == b'0'
        && matches!(
            (base, at(i + 1)),
            (16, b'x' | b'X') | (8, b'o' | b'O') | (2, b'b' | b'B')
        )
    {
        i += 2;
        if at(i) == b'_' {
            i += 1;
        }
    }
    if at(i) == b'_' {
        return Err(IntFail::Literal);
    }
    let start = i;
    let mut prev = 0u8;
    let mut ndigits = 0usize;
    let mut digits = Vec::new();
    while digit_value(at(i)) < base || at(i) == b'_' {
        let b = at(i);
        if b == b'_' {
            if prev == b'_' {
                return Err(IntFail::Literal);
            }
        } else {
            ndigits += 1;
            digits.push(digit_value(b) as u8);
        }
        prev = b;
        i += 1;
    }
    if prev == b'_' {
        return Err(IntFail::Literal);
    }
    if !base.is_power_of_two() && limit > 0 && ndigits > 640 && ndigits > limit {
        return Err(IntFail::Other(FmtError::Value(format!(
            "Exceeds the limit ({limit} digits) for integer string conversion: value has {ndigits} digits; use sys.set_int_max_str_digits() to increase the limit"
        ))));
    }
    let mag = BigUint::from_radix_be(&digits, base).unwrap_or_default();
    if error_if_nonzero && !mag.is_zero() {
        return Err(IntFail::Literal);
    }
    if i == start {
        return Err(IntFail::Literal);
    }
    while c_isspace(at(i)) {
        i += 1;
    }
    if i != s.len() {
        return Err(IntFail::Literal);
    }
    let v = BigInt::from_biguint(if neg { Sign::Minus } else { Sign::Plus }, mag);
    Ok((v, i))
}

/// `float.hex(x)`: `0x1.8000000000000p+0`, `-0x0.0p+0`, `inf`, `nan`.
pub fn float_hex(x: f64) -> String {
    if x.is_nan() || x.is_infinite() {
        return super::float::float_repr(x);
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0x0.0p+0");
    }
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7FF) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    let (lead, e) = if biased == 0 {
        (0, -1022)
    } else {
        (1, biased - 1023)
    };
    let esign = if e < 0 { '-' } else { '+' };
    format!("{sign}0x{lead}.{frac:013x}p{esign}{}", e.unsigned_abs())
}

fn hex_value(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// `float.fromhex(s)`.
pub fn float_fromhex(s: &str) -> Result<f64, FmtError> {
    let parse_error = || FmtError::Value("invalid hexadecimal floating-point string".to_string());
    let overflow =
        || FmtError::Overflow("hexadecimal value too large to represent as a float".to_string());
    let b = s.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut i = 0;
    while c_isspace(at(i)) {
        i += 1;
    }
    let mut negate = false;
    let x: f64;
    if let Some((v, n)) = parse_inf_or_nan(&b[i..]) {
        x = v;
        i += n;
    } else {
        if at(i) == b'-' {
            negate = true;
            i += 1;
        } else if at(i) == b'+' {
            i += 1;
        }
        if at(i) == b'0' && (at(i + 1) == b'x' || at(i + 1) == b'X') {
            i += 2;
        }
        let mut mant = Vec::new();
        while let Some(d) = hex_value(at(i)) {
            mant.push(d as u8);
            i += 1;
        }
        let mut fdigits: i64 = 0;
        if at(i) == b'.' {
            i += 1;
            while let Some(d) = hex_value(at(i)) {
                mant.push(d as u8);
                fdigits += 1;
                i += 1;
            }
        }
        if mant.is_empty() {
            return Err(parse_error());
        }
        let mut exp: i64 = 0;
        if at(i) == b'p' || at(i) == b'P' {
            i += 1;
            let mut eneg = false;
            if at(i) == b'-' || at(i) == b'+' {
                eneg = at(i) == b'-';
                i += 1;
            }
            if !at(i).is_ascii_digit() {
                return Err(parse_error());
            }
            // strtol saturates at LONG_MIN/LONG_MAX.
            while at(i).is_ascii_digit() {
                let d = i64::from(at(i) - b'0');
                exp = exp
                    .saturating_mul(10)
                    .saturating_add(if eneg { -d } else { d });
                i += 1;
            }
        }
        let n = BigUint::from_radix_be(&mant, 16).unwrap_or_default();
        x = if n.is_zero() || exp < i64::MIN / 2 {
            0.0
        } else if exp > i64::MAX / 2 {
            return Err(overflow());
        } else {
            let exp = exp - 4 * fdigits;
            let top_exp = exp + n.bits() as i64;
            if top_exp < -1021 - 53 {
                0.0
            } else if top_exp > 1024 {
                return Err(overflow());
            } else {
                let lsb = top_exp.max(-1021) - 53;
                if exp >= lsb {
                    ldexp(n.to_u64().unwrap_or(0) as f64, exp)
                } else {
                    let shift = (lsb - exp) as u64;
                    let mut q: BigUint = &n >> shift;
                    let rem: BigUint = &n - (&q << shift);
                    let half = BigUint::one() << (shift - 1);
                    if rem > half || (rem == half && q.bit(0)) {
                        q += 1u32;
                    }
                    if q.bits() as i64 + lsb > 1024 {
                        return Err(overflow());
                    }
                    ldexp(q.to_u64().unwrap_or(0) as f64, lsb)
                }
            }
        };
    }
    while c_isspace(at(i)) {
        i += 1;
    }
    if i != b.len() {
        return Err(parse_error());
    }
    Ok(if negate { -x } else { x })
}

/// `round(x, ndigits)` for a float: correctly rounded, half to even on the
/// exact value of `x`.
pub fn float_round(x: f64, ndigits: i64) -> Result<f64, FmtError> {
    if !x.is_finite() {
        return Ok(x);
    }
    if ndigits > 323 {
        return Ok(x);
    }
    if ndigits < -308 {
        return Ok(0.0 * x);
    }
    let (digits, decpt) = fixed_digits(x.abs(), ndigits);
    let sign = if x.is_sign_negative() { "-" } else { "" };
    let text = format!("{sign}0{digits}e{}", decpt - digits.len() as i64);
    let r: f64 = text.parse().unwrap_or(f64::NAN);
    if r.is_infinite() {
        return Err(FmtError::Overflow(
            "rounded value too large to represent".to_string(),
        ));
    }
    Ok(r)
}

/// `round(x)` for a float: the nearest int, halves to even.
pub fn float_round_to_int(x: f64) -> Result<BigInt, FmtError> {
    let mut r = x.round();
    if (x - r).abs() == 0.5 {
        r = 2.0 * (x / 2.0).round();
    }
    float_to_int(r)
}

/// `int(x)` for a float (`PyLong_FromDouble`): truncates toward zero.
pub fn float_to_int(x: f64) -> Result<BigInt, FmtError> {
    if x.is_nan() {
        return value_err("cannot convert float NaN to integer");
    }
    if x.is_infinite() {
        return Err(FmtError::Overflow(
            "cannot convert float infinity to integer".to_string(),
        ));
    }
    let t = x.trunc();
    let (mant, exp2) = decompose(t.abs());
    let mag = if exp2 >= 0 {
        BigUint::from(mant) << exp2 as usize
    } else {
        BigUint::from(mant) >> exp2.unsigned_abs() as usize
    };
    Ok(BigInt::from_biguint(
        if t < 0.0 { Sign::Minus } else { Sign::Plus },
        mag,
    ))
}
