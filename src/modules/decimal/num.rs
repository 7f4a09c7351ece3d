//! The arithmetic core of the native decimal fast paths: finite numbers
//! with a coefficient of at most 38 digits (a `u128`), `_pydecimal`'s
//! rounding, `_fix`, addition, multiplication, division, quantize and
//! comparison. Every function returns None for a case it leaves to
//! `_pydecimal` (a coefficient too large, a subnormal or overflowing
//! result, a clamp): the caller then runs the Python method, so the
//! native results are exactly the ones the fast paths can be sure of.

use std::cmp::Ordering;

/// 10**i for i in 0..=38.
pub const POW10: [u128; 39] = {
    let mut t = [1u128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// The most digits a coefficient may have here.
pub const MAX_DIGITS: usize = 38;

/// `Inexact` was signalled.
pub const INEXACT: u8 = 1;
/// `Rounded` was signalled.
pub const ROUNDED: u8 = 2;

/// 10**n, if it fits.
pub fn pow10(n: i64) -> Option<u128> {
    usize::try_from(n).ok().and_then(|i| POW10.get(i).copied())
}

/// The number of decimal digits of `c` (1 for 0).
pub fn ndigits(c: u128) -> i64 {
    let mut n = 1;
    while let Some(&p) = POW10.get(n) {
        if c < p {
            break;
        }
        n += 1;
    }
    n as i64
}

/// The eight rounding modes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Round {
    Down,
    HalfUp,
    HalfEven,
    Ceiling,
    Floor,
    HalfDown,
    Up,
    Up05,
}

impl Round {
    pub fn from_name(s: &str) -> Option<Round> {
        Some(match s {
            "ROUND_DOWN" => Round::Down,
            "ROUND_HALF_UP" => Round::HalfUp,
            "ROUND_HALF_EVEN" => Round::HalfEven,
            "ROUND_CEILING" => Round::Ceiling,
            "ROUND_FLOOR" => Round::Floor,
            "ROUND_HALF_DOWN" => Round::HalfDown,
            "ROUND_UP" => Round::Up,
            "ROUND_05UP" => Round::Up05,
            _ => return None,
        })
    }
}

/// A finite decimal: (-1)**neg * coeff * 10**exp.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Fin {
    pub neg: bool,
    pub coeff: u128,
    pub exp: i64,
}

impl Fin {
    pub fn new(neg: bool, coeff: u128, exp: i64) -> Fin {
        Fin { neg, coeff, exp }
    }

    pub fn from_i64(i: i64) -> Fin {
        Fin::new(i < 0, u128::from(i.unsigned_abs()), 0)
    }

    /// `adjusted()`: the exponent of the most significant digit.
    pub fn adjusted(&self) -> Option<i64> {
        self.exp.checked_add(ndigits(self.coeff) - 1)
    }
}

/// What the context says about rounding and the exponent range.
#[derive(Clone, Copy, Debug)]
pub struct Ctx {
    pub prec: i64,
    pub round: Round,
    pub emin: i64,
    pub emax: i64,
    pub clamp: bool,
}

impl Ctx {
    pub fn etiny(&self) -> Option<i64> {
        self.emin.checked_sub(self.prec)?.checked_add(1)
    }

    pub fn etop(&self) -> Option<i64> {
        self.emax.checked_sub(self.prec)?.checked_add(1)
    }
}

/// The discarded part of a coefficient, relative to half a unit of the
/// last kept digit.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Rem {
    Zero,
    Below,
    Half,
    Above,
}

/// Split `c` into its digits above the last `n` and what the last `n`
/// were (`n` may exceed the digit count: all is discarded).
pub fn split(c: u128, n: i64) -> (u128, Rem) {
    if n <= 0 {
        return (c, Rem::Zero);
    }
    let Some(d) = pow10(n) else {
        // Every digit is discarded and lies below half a unit.
        return (0, if c == 0 { Rem::Zero } else { Rem::Below });
    };
    let keep = c / d;
    let r = c % d;
    let rem = if r == 0 {
        Rem::Zero
    } else {
        match r.cmp(&(d / 2)) {
            Ordering::Less => Rem::Below,
            Ordering::Equal => Rem::Half,
            Ordering::Greater => Rem::Above,
        }
    };
    (keep, rem)
}

/// `_pydecimal`'s rounding functions: 1 to round away from zero, -1 to
/// truncate an inexact value, 0 when exact.
pub fn changed(mode: Round, neg: bool, keep: u128, rem: Rem) -> i8 {
    let down = if rem == Rem::Zero { 0 } else { -1 };
    let half_up = match rem {
        Rem::Zero => 0,
        Rem::Below => -1,
        Rem::Half | Rem::Above => 1,
    };
    match mode {
        Round::Down => down,
        Round::Up => -down,
        Round::HalfUp => half_up,
        Round::HalfDown => {
            if rem == Rem::Half {
                -1
            } else {
                half_up
            }
        }
        Round::HalfEven => {
            if rem == Rem::Half && keep.is_multiple_of(2) {
                -1
            } else {
                half_up
            }
        }
        Round::Ceiling => {
            if neg {
                down
            } else {
                -down
            }
        }
        Round::Floor => {
            if neg {
                -down
            } else {
                down
            }
        }
        Round::Up05 => {
            let last = keep % 10;
            if last != 0 && last != 5 {
                down
            } else {
                -down
            }
        }
    }
}

/// `_fix`: round `f` to the context, for results that are neither
/// subnormal nor overflowing nor clamped (None otherwise), with the
/// signals raised.
pub fn fix(f: Fin, c: &Ctx) -> Option<(Fin, u8)> {
    let etiny = c.etiny()?;
    let etop = c.etop()?;
    if f.coeff == 0 {
        let exp_max = if c.clamp { etop } else { c.emax };
        if f.exp < etiny || f.exp > exp_max {
            return None;
        }
        return Some((f, 0));
    }
    let l = ndigits(f.coeff);
    let exp_min = l.checked_add(f.exp)?.checked_sub(c.prec)?;
    if exp_min > etop || exp_min < etiny {
        return None;
    }
    if f.exp < exp_min {
        let (keep, rem) = split(f.coeff, exp_min - f.exp);
        let ch = changed(c.round, f.neg, keep, rem);
        let mut coeff = keep;
        let mut exp = exp_min;
        if ch > 0 {
            coeff += 1;
            if ndigits(coeff) > c.prec {
                coeff /= 10;
                exp += 1;
            }
        }
        if exp > etop || coeff == 0 {
            return None;
        }
        let flags = if ch != 0 { INEXACT | ROUNDED } else { ROUNDED };
        return Some((Fin::new(f.neg, coeff, exp), flags));
    }
    if c.clamp && f.exp > etop {
        return None;
    }
    Some((f, 0))
}

/// `c * 10**n`, if it fits.
fn shift_up(c: u128, n: i64) -> Option<u128> {
    if c == 0 {
        return Some(0);
    }
    c.checked_mul(pow10(n)?)
}

/// The exact sum `a + b` (before `_fix`), as `_pydecimal.__add__` forms it.
pub fn add(a: Fin, b: Fin, c: &Ctx) -> Option<Fin> {
    let exp = a.exp.min(b.exp);
    let negzero = c.round == Round::Floor && a.neg != b.neg;
    if a.coeff == 0 && b.coeff == 0 {
        return Some(Fin::new((a.neg && b.neg) || negzero, 0, exp));
    }
    if a.coeff == 0 || b.coeff == 0 {
        let other = if a.coeff == 0 { b } else { a };
        let e = exp.max(other.exp.checked_sub(c.prec)?.checked_sub(1)?);
        let coeff = shift_up(other.coeff, other.exp - e)?;
        return Some(Fin::new(other.neg, coeff, e));
    }
    let ca = shift_up(a.coeff, a.exp.checked_sub(exp)?)?;
    let cb = shift_up(b.coeff, b.exp.checked_sub(exp)?)?;
    if a.neg == b.neg {
        return Some(Fin::new(a.neg, ca.checked_add(cb)?, exp));
    }
    Some(match ca.cmp(&cb) {
        Ordering::Equal => Fin::new(negzero, 0, exp),
        Ordering::Greater => Fin::new(a.neg, ca - cb, exp),
        Ordering::Less => Fin::new(b.neg, cb - ca, exp),
    })
}

/// The exact product.
pub fn mul(a: Fin, b: Fin) -> Option<Fin> {
    Some(Fin::new(
        a.neg != b.neg,
        a.coeff.checked_mul(b.coeff)?,
        a.exp.checked_add(b.exp)?,
    ))
}

/// `_pydecimal.__truediv__`'s quotient before `_fix` (b non-zero).
pub fn div(a: Fin, b: Fin, c: &Ctx) -> Option<Fin> {
    if b.coeff == 0 {
        return None;
    }
    let neg = a.neg != b.neg;
    let ideal = a.exp.checked_sub(b.exp)?;
    if a.coeff == 0 {
        return Some(Fin::new(neg, 0, ideal));
    }
    let shift = ndigits(b.coeff)
        .checked_sub(ndigits(a.coeff))?
        .checked_add(c.prec)?
        .checked_add(1)?;
    let mut exp = ideal.checked_sub(shift)?;
    let (num, den) = if shift >= 0 {
        (shift_up(a.coeff, shift)?, b.coeff)
    } else {
        (a.coeff, shift_up(b.coeff, -shift)?)
    };
    let mut q = num / den;
    if num % den != 0 {
        if q % 5 == 0 {
            q += 1;
        }
    } else {
        while exp < ideal && q % 10 == 0 {
            q /= 10;
            exp += 1;
        }
    }
    Some(Fin::new(neg, q, exp))
}

/// `_rescale(exp, rounding)` then `quantize`'s checks and signals, then
/// `_fix`; None for the error and subnormal cases.
pub fn quantize(a: Fin, exp: i64, round: Round, c: &Ctx) -> Option<(Fin, u8)> {
    if exp < c.etiny()? || exp > c.emax {
        return None;
    }
    if a.coeff == 0 {
        return fix(Fin::new(a.neg, 0, exp), c);
    }
    let adj = a.adjusted()?;
    if adj > c.emax || adj.checked_sub(exp)?.checked_add(1)? > c.prec {
        return None;
    }
    let (ans, rem) = if a.exp >= exp {
        (
            Fin::new(a.neg, shift_up(a.coeff, a.exp - exp)?, exp),
            Rem::Zero,
        )
    } else {
        let (keep, rem) = split(a.coeff, exp.checked_sub(a.exp)?);
        let ch = changed(round, a.neg, keep, rem);
        let coeff = if ch == 1 { keep + 1 } else { keep };
        (Fin::new(a.neg, coeff, exp), rem)
    };
    if ans.adjusted()? > c.emax || ndigits(ans.coeff) > c.prec {
        return None;
    }
    if ans.coeff != 0 && ans.adjusted()? < c.emin {
        return None;
    }
    let mut flags = 0;
    if ans.exp > a.exp {
        if rem != Rem::Zero {
            flags |= INEXACT;
        }
        flags |= ROUNDED;
    }
    let (r, more) = fix(ans, c)?;
    Some((r, flags | more))
}

/// `_cmp` of two finite numbers.
pub fn cmp(a: &Fin, b: &Fin) -> Option<Ordering> {
    let sign = |neg: bool| {
        if neg {
            Ordering::Less
        } else {
            Ordering::Greater
        }
    };
    if a.coeff == 0 {
        if b.coeff == 0 {
            return Some(Ordering::Equal);
        }
        return Some(sign(b.neg).reverse());
    }
    if b.coeff == 0 {
        return Some(sign(a.neg));
    }
    if a.neg != b.neg {
        return Some(sign(a.neg));
    }
    let (aa, ba) = (a.adjusted()?, b.adjusted()?);
    let mag = if aa == ba {
        let e = a.exp.min(b.exp);
        let ca = shift_up(a.coeff, a.exp - e)?;
        let cb = shift_up(b.coeff, b.exp - e)?;
        ca.cmp(&cb)
    } else {
        aa.cmp(&ba)
    };
    Some(if a.neg { mag.reverse() } else { mag })
}

/// A coefficient's digits (`_int`), if it has at most 38.
pub fn parse_coeff(s: &str) -> Option<u128> {
    if s.is_empty() || s.len() > MAX_DIGITS {
        return None;
    }
    let b = s.as_bytes();
    // Up to 19 digits in u64 arithmetic (u128 products are slow calls).
    let split = b.len().saturating_sub(19);
    let (hi, lo) = b.split_at(split);
    let mut h: u64 = 0;
    for &d in hi {
        if !d.is_ascii_digit() {
            return None;
        }
        h = h * 10 + u64::from(d - b'0');
    }
    let mut l: u64 = 0;
    for &d in lo {
        if !d.is_ascii_digit() {
            return None;
        }
        l = l * 10 + u64::from(d - b'0');
    }
    if hi.is_empty() {
        return Some(u128::from(l));
    }
    let scale = pow10(i64::try_from(lo.len()).ok()?)?;
    Some(u128::from(h) * scale + u128::from(l))
}

/// The digits of a coefficient (`str(int)`).
pub fn coeff_str(c: u128) -> String {
    match u64::try_from(c) {
        Ok(small) => small.to_string(),
        Err(_) => c.to_string(),
    }
}

/// A numeric string in the plain ASCII form (`[+-]digits[.digits][e[+-]digits]`):
/// sign, `_int` (no leading zeros) and exponent. None for anything else
/// (whitespace, underscores, other digits, infinities, NaNs): `_pydecimal`
/// parses those.
pub fn parse_str(s: &str) -> Option<(bool, String, i64)> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut neg = false;
    if let Some(&c) = b.first() {
        if c == b'+' || c == b'-' {
            neg = c == b'-';
            i = 1;
        }
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_part = &s[int_start..i];
    let mut frac = "";
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f0 = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac = &s[f0..i];
    }
    if int_part.is_empty() && frac.is_empty() {
        return None;
    }
    let mut exp: i64 = 0;
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        let mut eneg = false;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            eneg = b[i] == b'-';
            i += 1;
        }
        let e0 = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let text = &s[e0..i];
        if text.is_empty() || text.len() > 17 {
            return None;
        }
        exp = text.parse::<i64>().ok()?;
        if eneg {
            exp = -exp;
        }
    }
    if i != b.len() {
        return None;
    }
    let exp = exp.checked_sub(i64::try_from(frac.len()).ok()?)?;
    let mut digits = String::with_capacity(int_part.len() + frac.len());
    for ch in int_part.chars().chain(frac.chars()) {
        if digits.is_empty() && ch == '0' {
            continue;
        }
        digits.push(ch);
    }
    if digits.is_empty() {
        digits.push('0');
    }
    Some((neg, digits, exp))
}

/// The decimal digits of a `u64`, spelled on the stack (no formatter).
pub struct SmallDigits {
    buf: [u8; 20],
    start: usize,
}

impl SmallDigits {
    pub fn new(mut n: u64) -> SmallDigits {
        let mut buf = [0u8; 20];
        let mut start = buf.len();
        // u64::MAX has 20 digits: `start` stays in bounds.
        while start > 0 {
            start -= 1;
            if let Some(b) = buf.get_mut(start) {
                *b = b'0' + (n % 10) as u8;
            }
            n /= 10;
            if n == 0 {
                break;
            }
        }
        SmallDigits { buf, start }
    }

    pub fn as_str(&self) -> &str {
        let digits = self.buf.get(self.start..).unwrap_or(&[]);
        // SAFETY: `new` wrote ASCII digits from `start` to the end.
        unsafe { std::str::from_utf8_unchecked(digits) }
    }
}

/// `__str__` (scientific form) of a finite number given by its `_int`.
pub fn to_sci(neg: bool, digits: &str, exp: i64, capitals: bool) -> Option<String> {
    let len = i64::try_from(digits.len()).ok()?;
    let leftdigits = exp.checked_add(len)?;
    let dotplace = if exp <= 0 && leftdigits > -6 {
        leftdigits
    } else {
        1
    };
    let mut s = String::with_capacity(digits.len() + 8);
    if neg {
        s.push('-');
    }
    if dotplace <= 0 {
        s.push_str("0.");
        for _ in 0..(-dotplace) {
            s.push('0');
        }
        s.push_str(digits);
    } else if dotplace >= len {
        s.push_str(digits);
        for _ in 0..(dotplace - len) {
            s.push('0');
        }
    } else {
        let (a, b) = digits.split_at(usize::try_from(dotplace).ok()?);
        s.push_str(a);
        s.push('.');
        s.push_str(b);
    }
    if leftdigits != dotplace {
        s.push(if capitals { 'E' } else { 'e' });
        s.push_str(&format!("{:+}", leftdigits - dotplace));
    }
    Some(s)
}

/// `_PyHASH_MODULUS`.
const HASH_MOD: u128 = (1 << 61) - 1;

fn powmod(mut b: u128, mut e: u128) -> u128 {
    let mut r = 1u128;
    b %= HASH_MOD;
    while e > 0 {
        if e & 1 == 1 {
            r = r * b % HASH_MOD;
        }
        b = b * b % HASH_MOD;
        e >>= 1;
    }
    r
}

/// `Decimal.__hash__` of a finite number given by its `_int`.
pub fn hash(neg: bool, digits: &str, exp: i64) -> i64 {
    let exp_hash = if exp >= 0 {
        powmod(10, u128::from(exp.unsigned_abs()))
    } else {
        // _PyHASH_10INV = pow(10, MOD - 2, MOD).
        powmod(powmod(10, HASH_MOD - 2), u128::from(exp.unsigned_abs()))
    };
    let mut m = 0u128;
    for b in digits.bytes() {
        m = (m * 10 + u128::from(b.wrapping_sub(b'0') % 10)) % HASH_MOD;
    }
    let h = (m * exp_hash % HASH_MOD) as i64;
    let ans = if neg && digits != "0" { -h } else { h };
    if ans == -1 {
        -2
    } else {
        ans
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(prec: i64, round: Round) -> Ctx {
        Ctx {
            prec,
            round,
            emin: -999_999,
            emax: 999_999,
            clamp: false,
        }
    }

    #[test]
    fn rounding_and_fix() {
        let c = ctx(3, Round::HalfEven);
        assert_eq!(
            fix(Fin::new(false, 12_345, 0), &c),
            Some((Fin::new(false, 123, 2), INEXACT | ROUNDED))
        );
        assert_eq!(
            fix(Fin::new(false, 99_951, 0), &c),
            Some((Fin::new(false, 100, 3), INEXACT | ROUNDED))
        );
        assert_eq!(
            fix(Fin::new(false, 12_500, 0), &c).map(|r| r.1),
            Some(ROUNDED)
        );
        assert_eq!(
            quantize(Fin::new(false, 125, -3), -2, Round::HalfEven, &c),
            Some((Fin::new(false, 12, -2), INEXACT | ROUNDED))
        );
    }

    #[test]
    fn strings() {
        assert_eq!(parse_str("-0012.50"), Some((true, "1250".into(), -2)));
        assert_eq!(parse_str("1e5"), Some((false, "1".into(), 5)));
        assert_eq!(parse_str("."), None);
        assert_eq!(to_sci(false, "1", 5, true).as_deref(), Some("1E+5"));
        assert_eq!(to_sci(false, "1", 5, false).as_deref(), Some("1e+5"));
        assert_eq!(
            to_sci(true, "123", -8, false).as_deref(),
            Some("-0.00000123")
        );
        assert_eq!(to_sci(false, "123", -2, false).as_deref(), Some("1.23"));
    }
}
