//! `int` arithmetic (Objects/longobject.c): i64 fast paths with checked
//! operations that promote to `BigInt` on overflow; every result is
//! normalized back to [`Int::Small`] when it fits.

use super::float::float_pow;
use super::{FloatPow, Int, NumError};
use crate::pyfmt::{bigint_to_f64, float_to_int};
use num_bigint::{BigInt, BigUint, Sign};
use num_integer::{Integer, Roots};
use num_traits::{One, ToPrimitive, Zero};
use std::borrow::Cow;
use std::cmp::Ordering;

/// Results needing more bits than this are refused with
/// [`NumError::Memory`] instead of being attempted (CPython would try to
/// allocate them and fail with MemoryError; Rust would abort).
pub const MAX_INT_BITS: u64 = 1 << 35;

const INT_DIV_ZERO: &str = "integer division or modulo by zero";
const INT_MOD_ZERO: &str = "integer modulo by zero";

/// The result of `int ** int`: an int, or a float for a negative exponent
/// without modulus.
#[derive(Debug, Clone, PartialEq)]
pub enum IntPow {
    Int(Int),
    Float(f64),
}

impl From<i64> for Int {
    fn from(v: i64) -> Int {
        Int::Small(v)
    }
}

impl From<BigInt> for Int {
    fn from(v: BigInt) -> Int {
        Int::from_bigint(v)
    }
}

impl PartialOrd for Int {
    fn partial_cmp(&self, other: &Int) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Int {
    fn cmp(&self, other: &Int) -> Ordering {
        match (self, other) {
            (Int::Small(a), Int::Small(b)) => a.cmp(b),
            // A normalized Big is outside the i64 range: its sign decides.
            (Int::Small(_), Int::Big(b)) => {
                if b.sign() == Sign::Minus {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (Int::Big(a), Int::Small(_)) => {
                if a.sign() == Sign::Minus {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (Int::Big(a), Int::Big(b)) => a.cmp(b),
        }
    }
}

fn check_bits(bits: u64) -> Result<(), NumError> {
    if bits > MAX_INT_BITS {
        Err(NumError::Memory)
    } else {
        Ok(())
    }
}

impl Int {
    /// The canonical form of `v`.
    pub fn from_bigint(v: BigInt) -> Int {
        match v.to_i64() {
            Some(i) => Int::Small(i),
            None => Int::Big(v),
        }
    }

    /// The value as a `BigInt` (borrowed when already big).
    pub fn to_bigint(&self) -> Cow<'_, BigInt> {
        match self {
            Int::Small(i) => Cow::Owned(BigInt::from(*i)),
            Int::Big(b) => Cow::Borrowed(b),
        }
    }

    pub fn into_bigint(self) -> BigInt {
        match self {
            Int::Small(i) => BigInt::from(i),
            Int::Big(b) => b,
        }
    }

    pub fn to_i64(&self) -> Option<i64> {
        match self {
            Int::Small(i) => Some(*i),
            Int::Big(_) => None,
        }
    }

    pub fn is_zero(&self) -> bool {
        matches!(self, Int::Small(0))
    }

    pub fn is_negative(&self) -> bool {
        match self {
            Int::Small(i) => *i < 0,
            Int::Big(b) => b.sign() == Sign::Minus,
        }
    }

    /// Whether the low bit is set (`self % 2 == 1`).
    pub fn is_odd(&self) -> bool {
        match self {
            Int::Small(i) => i & 1 == 1,
            Int::Big(b) => b.magnitude().bit(0),
        }
    }

    /// `float(self)` (`PyLong_AsDouble`): correctly rounded;
    /// OverflowError `int too large to convert to float`.
    pub fn to_f64(&self) -> Result<f64, NumError> {
        match self {
            Int::Small(i) => Ok(*i as f64),
            Int::Big(b) => Ok(bigint_to_f64(b)?),
        }
    }

    /// `int(x)` for a float: truncates toward zero; ValueError for NaN,
    /// OverflowError for infinities.
    pub fn from_f64(x: f64) -> Result<Int, NumError> {
        if x.is_finite() && x.abs() < 9_223_372_036_854_775_808.0 {
            return Ok(Int::Small(x.trunc() as i64));
        }
        Ok(Int::from_bigint(float_to_int(x)?))
    }

    pub fn add(&self, other: &Int) -> Int {
        if let (Int::Small(a), Int::Small(b)) = (self, other) {
            if let Some(r) = a.checked_add(*b) {
                return Int::Small(r);
            }
        }
        Int::from_bigint(&*self.to_bigint() + &*other.to_bigint())
    }

    pub fn sub(&self, other: &Int) -> Int {
        if let (Int::Small(a), Int::Small(b)) = (self, other) {
            if let Some(r) = a.checked_sub(*b) {
                return Int::Small(r);
            }
        }
        Int::from_bigint(&*self.to_bigint() - &*other.to_bigint())
    }

    pub fn mul(&self, other: &Int) -> Result<Int, NumError> {
        if let (Int::Small(a), Int::Small(b)) = (self, other) {
            if let Some(r) = a.checked_mul(*b) {
                return Ok(Int::Small(r));
            }
        }
        check_bits(self.bit_length() + other.bit_length())?;
        Ok(Int::from_bigint(&*self.to_bigint() * &*other.to_bigint()))
    }

    /// `self // other` (floor).
    pub fn floordiv(&self, other: &Int) -> Result<Int, NumError> {
        Ok(self.divmod_impl(other, INT_DIV_ZERO)?.0)
    }

    /// `self % other` (sign of the divisor).
    pub fn modulo(&self, other: &Int) -> Result<Int, NumError> {
        Ok(self.divmod_impl(other, INT_MOD_ZERO)?.1)
    }

    /// `divmod(self, other)`.
    pub fn divmod(&self, other: &Int) -> Result<(Int, Int), NumError> {
        self.divmod_impl(other, INT_DIV_ZERO)
    }

    fn divmod_impl(&self, other: &Int, zero_msg: &str) -> Result<(Int, Int), NumError> {
        if other.is_zero() {
            return Err(NumError::zero_div(zero_msg));
        }
        if let (Int::Small(a), Int::Small(b)) = (self, other) {
            if let (Some(mut q), Some(mut r)) = (a.checked_div(*b), a.checked_rem(*b)) {
                if r != 0 && ((r < 0) != (*b < 0)) {
                    q -= 1;
                    r += b;
                }
                return Ok((Int::Small(q), Int::Small(r)));
            }
        }
        let (q, r) = self.to_bigint().div_mod_floor(&other.to_bigint());
        Ok((Int::from_bigint(q), Int::from_bigint(r)))
    }

    /// `self / other`: the correctly rounded quotient (CPython's
    /// `long_true_divide`).
    pub fn truediv(&self, other: &Int) -> Result<f64, NumError> {
        if other.is_zero() {
            return Err(NumError::zero_div("division by zero"));
        }
        const EXACT: u64 = 1 << 53;
        if let (Int::Small(a), Int::Small(b)) = (self, other) {
            if a.unsigned_abs() <= EXACT && b.unsigned_abs() <= EXACT {
                return Ok(*a as f64 / *b as f64);
            }
        }
        let negate = self.is_negative() != other.is_negative();
        let a = self.to_bigint();
        let b = other.to_bigint();
        let q = true_divide_mag(a.magnitude(), b.magnitude())?;
        Ok(if negate { -q } else { q })
    }

    /// `self ** exp` or `pow(self, exp, modulus)` (`long_pow`).
    pub fn pow(&self, exp: &Int, modulus: Option<&Int>) -> Result<IntPow, NumError> {
        if let Some(m) = modulus {
            return self.pow_mod(exp, m).map(IntPow::Int);
        }
        if exp.is_negative() {
            // CPython hands both operands to float_pow.
            let a = self.to_f64()?;
            let b = exp.to_f64()?;
            return match float_pow(a, b)? {
                FloatPow::Float(x) => Ok(IntPow::Float(x)),
                // An int exponent is integral: a negative base never
                // needs complex pow.
                FloatPow::Complex => Ok(IntPow::Float(f64::NAN)),
            };
        }
        Ok(IntPow::Int(self.pow_nonneg(exp)?))
    }

    fn pow_nonneg(&self, exp: &Int) -> Result<Int, NumError> {
        match self {
            Int::Small(0) => return Ok(Int::Small(if exp.is_zero() { 1 } else { 0 })),
            Int::Small(1) => return Ok(Int::Small(1)),
            Int::Small(-1) => return Ok(Int::Small(if exp.is_odd() { -1 } else { 1 })),
            _ => {}
        }
        let e = match exp.to_i64().and_then(|e| u32::try_from(e).ok()) {
            Some(e) => e,
            None => return Err(NumError::Memory),
        };
        if let Int::Small(a) = self {
            if let Some(r) = a.checked_pow(e) {
                return Ok(Int::Small(r));
            }
        }
        check_bits((self.bit_length() - 1).saturating_mul(u64::from(e)))?;
        Ok(Int::from_bigint(num_traits::pow(
            self.to_bigint().into_owned(),
            e as usize,
        )))
    }

    fn pow_mod(&self, exp: &Int, modulus: &Int) -> Result<Int, NumError> {
        if modulus.is_zero() {
            return Err(NumError::value("pow() 3rd argument cannot be 0"));
        }
        let negative_output = modulus.is_negative();
        let m = modulus.abs();
        if m == Int::Small(1) {
            return Ok(Int::Small(0));
        }
        let mb = m.to_bigint().into_owned();
        let mut base = self.to_bigint().mod_floor(&mb);
        let mut e = exp.to_bigint().into_owned();
        if e.sign() == Sign::Minus {
            e = -e;
            base = match base.modinv(&mb) {
                Some(inv) => inv,
                None => {
                    return Err(NumError::value(
                        "base is not invertible for the given modulus",
                    ))
                }
            };
        }
        let mut r = base.modpow(&e, &mb);
        if negative_output && !r.is_zero() {
            r -= &mb;
        }
        Ok(Int::from_bigint(r))
    }

    /// `self << count`: ValueError `negative shift count`; MemoryError
    /// beyond [`MAX_INT_BITS`].
    pub fn lshift(&self, count: &Int) -> Result<Int, NumError> {
        if count.is_negative() {
            return Err(NumError::value("negative shift count"));
        }
        if self.is_zero() {
            return Ok(Int::Small(0));
        }
        let c = match count.to_i64() {
            Some(c) if (c as u64) <= MAX_INT_BITS => c as u64,
            _ => return Err(self.huge_lshift_error(count)),
        };
        if let Int::Small(a) = self {
            if c < 64 {
                let r = i128::from(*a) << c;
                if let Ok(r) = i64::try_from(r) {
                    return Ok(Int::Small(r));
                }
            }
        }
        check_bits(self.bit_length() + c)?;
        Ok(Int::from_bigint(&*self.to_bigint() << c))
    }

    /// The error of a left shift too large to attempt: CPython's
    /// `_PyLong_New` refuses sizes over `MAX_LONG_DIGITS` 30-bit digits
    /// (the shift's word count clipped to `PY_SSIZE_T_MAX / 4`) with
    /// OverflowError `too many digits in integer`; smaller ones fail to
    /// allocate (MemoryError).
    fn huge_lshift_error(&self, count: &Int) -> NumError {
        const SSIZE_MAX: i128 = i64::MAX as i128;
        const MAX_LONG_DIGITS: i128 = (SSIZE_MAX - 24) / 4;
        let (words, rem) = match count.to_bigint().to_i128() {
            Some(c) if c / 30 < SSIZE_MAX / 4 => (c / 30, c % 30),
            _ => (SSIZE_MAX / 4, 0),
        };
        let old_digits = i128::from(self.bit_length().div_ceil(30));
        if old_digits + words + i128::from(rem != 0) > MAX_LONG_DIGITS {
            NumError::overflow("too many digits in integer")
        } else {
            NumError::Memory
        }
    }

    /// `self >> count` (floor): ValueError `negative shift count`.
    pub fn rshift(&self, count: &Int) -> Result<Int, NumError> {
        if count.is_negative() {
            return Err(NumError::value("negative shift count"));
        }
        let fill = if self.is_negative() { -1 } else { 0 };
        let c = match count.to_i64() {
            Some(c) if (c as u64) < self.bit_length() + 1 => c as u64,
            _ => return Ok(Int::Small(fill)),
        };
        Ok(match self {
            Int::Small(a) => Int::Small(if c >= 64 { fill } else { a >> c }),
            Int::Big(b) => Int::from_bigint(b >> c),
        })
    }

    pub fn bitand(&self, other: &Int) -> Int {
        match (self, other) {
            (Int::Small(a), Int::Small(b)) => Int::Small(a & b),
            _ => Int::from_bigint(&*self.to_bigint() & &*other.to_bigint()),
        }
    }

    pub fn bitor(&self, other: &Int) -> Int {
        match (self, other) {
            (Int::Small(a), Int::Small(b)) => Int::Small(a | b),
            _ => Int::from_bigint(&*self.to_bigint() | &*other.to_bigint()),
        }
    }

    pub fn bitxor(&self, other: &Int) -> Int {
        match (self, other) {
            (Int::Small(a), Int::Small(b)) => Int::Small(a ^ b),
            _ => Int::from_bigint(&*self.to_bigint() ^ &*other.to_bigint()),
        }
    }

    /// `~self` (`-(self + 1)`).
    pub fn invert(&self) -> Int {
        match self {
            Int::Small(a) => Int::Small(!a),
            Int::Big(b) => Int::from_bigint(-(b + 1u32)),
        }
    }

    pub fn neg(&self) -> Int {
        match self {
            Int::Small(a) => match a.checked_neg() {
                Some(r) => Int::Small(r),
                None => Int::Big(-BigInt::from(*a)),
            },
            Int::Big(b) => Int::from_bigint(-b),
        }
    }

    pub fn abs(&self) -> Int {
        if self.is_negative() {
            self.neg()
        } else {
            self.clone()
        }
    }

    /// `int.bit_length()`.
    pub fn bit_length(&self) -> u64 {
        match self {
            Int::Small(a) => u64::from(64 - a.unsigned_abs().leading_zeros()),
            Int::Big(b) => b.bits(),
        }
    }

    /// `int.bit_count()`: ones in the absolute value.
    pub fn bit_count(&self) -> u64 {
        match self {
            Int::Small(a) => u64::from(a.unsigned_abs().count_ones()),
            Int::Big(b) => b.magnitude().count_ones(),
        }
    }

    /// `int.to_bytes(length, byteorder, signed=...)`.
    pub fn to_bytes(&self, length: i64, little: bool, signed: bool) -> Result<Vec<u8>, NumError> {
        if length < 0 {
            return Err(NumError::value("length argument must be non-negative"));
        }
        let neg = self.is_negative();
        if neg && !signed {
            return Err(NumError::overflow("can't convert negative int to unsigned"));
        }
        // Magnitude bits of the value (of ~v for negatives) must fit.
        let bits = if neg {
            self.invert().bit_length()
        } else {
            self.bit_length()
        };
        let avail = i128::from(length) * 8 - i128::from(signed);
        // (CPython lets 0 and -1 convert to zero bytes.)
        if bits > 0 && i128::from(bits) > avail {
            return Err(NumError::overflow("int too big to convert"));
        }
        if (length as u64).saturating_mul(8) > MAX_INT_BITS {
            return Err(NumError::Memory);
        }
        let mut out = self.to_bigint().to_signed_bytes_le();
        out.resize(length as usize, if neg { 0xFF } else { 0 });
        if !little {
            out.reverse();
        }
        Ok(out)
    }

    /// `int.from_bytes(bytes, byteorder, signed=...)`.
    pub fn from_bytes(bytes: &[u8], little: bool, signed: bool) -> Int {
        let v = match (signed, little) {
            (true, true) => BigInt::from_signed_bytes_le(bytes),
            (true, false) => BigInt::from_signed_bytes_be(bytes),
            (false, true) => BigInt::from(BigUint::from_bytes_le(bytes)),
            (false, false) => BigInt::from(BigUint::from_bytes_be(bytes)),
        };
        Int::from_bigint(v)
    }

    /// `int.as_integer_ratio()`.
    pub fn as_integer_ratio(&self) -> (Int, Int) {
        (self.clone(), Int::Small(1))
    }

    /// `math.gcd(self, other)` (non-negative).
    pub fn gcd(&self, other: &Int) -> Int {
        if let (Int::Small(a), Int::Small(b)) = (self, other) {
            let g = a.unsigned_abs().gcd(&b.unsigned_abs());
            return match i64::try_from(g) {
                Ok(g) => Int::Small(g),
                Err(_) => Int::Big(BigInt::from(g)),
            };
        }
        Int::from_bigint(self.to_bigint().gcd(&other.to_bigint()))
    }

    /// `math.isqrt(self)`.
    pub fn isqrt(&self) -> Result<Int, NumError> {
        if self.is_negative() {
            return Err(NumError::value("isqrt() argument must be nonnegative"));
        }
        Ok(match self {
            Int::Small(a) => Int::Small((*a as u64).sqrt() as i64),
            Int::Big(b) => Int::from_bigint(b.sqrt()),
        })
    }

    /// `round(self, ndigits)` (`long_round`): halves to even.
    pub fn round(&self, ndigits: &Int) -> Int {
        if !ndigits.is_negative() {
            return self.clone();
        }
        let k = ndigits.neg();
        // 10**k > 2*|self| (as 8**k >= 2**(bits+1)) rounds to 0.
        match k.to_i64() {
            Some(k) if (k as u64).saturating_mul(3) <= self.bit_length() + 1 => {
                let p = num_traits::pow(BigInt::from(10), k as usize);
                let (mut q, r) = self.to_bigint().div_mod_floor(&p);
                let twice: BigInt = r * 2;
                if twice > p || (twice == p && q.magnitude().bit(0)) {
                    q += 1;
                }
                Int::from_bigint(q * p)
            }
            _ => Int::Small(0),
        }
    }

    /// A repetition count for `seq * n`: negatives count as 0; outside
    /// `isize` (either sign) is CPython's OverflowError. (The caller still
    /// checks the result size.)
    pub fn repeat_count(&self) -> Result<usize, NumError> {
        match self.to_i64().and_then(|v| isize::try_from(v).ok()) {
            Some(v) => Ok(v.max(0) as usize),
            None => Err(NumError::overflow(
                "cannot fit 'int' into an index-sized integer",
            )),
        }
    }

    /// The value clamped to `isize` (`PyNumber_AsSsize_t(x, NULL)`, as
    /// slice indices use it).
    pub fn to_index_clamped(&self) -> isize {
        match self {
            Int::Small(a) => {
                isize::try_from(*a).unwrap_or(if *a < 0 { isize::MIN } else { isize::MAX })
            }
            Int::Big(b) => {
                if b.sign() == Sign::Minus {
                    isize::MIN
                } else {
                    isize::MAX
                }
            }
        }
    }
}

/// `a / b` for magnitudes, `b != 0`, correctly rounded (half to even),
/// subnormals included; OverflowError when the result is too large.
fn true_divide_mag(a: &BigUint, b: &BigUint) -> Result<f64, NumError> {
    const MANT: i64 = 53;
    const MIN_EXP: i64 = -1021;
    let too_large = || NumError::overflow("integer division result too large for a float");
    if a.is_zero() {
        return Ok(0.0);
    }
    let diff = a.bits() as i64 - b.bits() as i64;
    if diff > 1024 {
        return Err(too_large());
    }
    if diff < MIN_EXP - MANT - 1 {
        return Ok(0.0);
    }
    // a / b = x / b * 2**shift with a quotient of at least 55 bits (fewer
    // only where the result is subnormal).
    let shift = diff.max(MIN_EXP) - MANT - 2;
    let mut inexact = false;
    let x = if shift <= 0 {
        a << shift.unsigned_abs()
    } else {
        let s = shift as u64;
        let x = a >> s;
        inexact = (&x << s) != *a;
        x
    };
    let (q, r) = x.div_rem(b);
    inexact |= !r.is_zero();
    let q_bits = q.bits() as i64;
    let lsb = (shift + q_bits - MANT).max(MIN_EXP - MANT);
    let drop = (lsb - shift) as u64;
    let mut m = &q >> drop;
    let rem = &q - (&m << drop);
    let half = BigUint::one() << (drop - 1);
    if rem > half || (rem == half && (inexact || m.bit(0))) {
        m += 1u32;
    }
    if lsb + m.bits() as i64 > 1024 {
        return Err(too_large());
    }
    Ok(ldexp(m.to_u64().unwrap_or(0) as f64, lsb))
}

/// `x * 2**e` for an integer `x <= 2**53` whose result is representable.
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

/// Compare an int with a float exactly (`float_richcompare`); `None` when
/// the float is NaN (every comparison false, `!=` true).
pub fn cmp_int_float(a: &Int, b: f64) -> Option<Ordering> {
    if b.is_nan() {
        return None;
    }
    if b.is_infinite() {
        return Some(if b > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        });
    }
    if let Int::Small(i) = a {
        if i.unsigned_abs() <= 1 << 53 {
            return (*i as f64).partial_cmp(&b);
        }
    }
    let t = b.trunc();
    let whole = float_to_int(t).ok()?;
    match a.to_bigint().as_ref().cmp(&whole) {
        Ordering::Equal => 0.0f64.partial_cmp(&(b - t)),
        o => Some(o),
    }
}

/// `a == b` for an int and a float, exactly.
pub fn eq_int_float(a: &Int, b: f64) -> bool {
    cmp_int_float(a, b) == Some(Ordering::Equal)
}

/// The `byteorder` argument of `to_bytes`/`from_bytes`: true for little.
pub fn parse_byteorder(s: &str) -> Result<bool, NumError> {
    match s {
        "little" => Ok(true),
        "big" => Ok(false),
        _ => Err(NumError::value(
            "byteorder must be either 'little' or 'big'",
        )),
    }
}
