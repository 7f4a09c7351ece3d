//! The `_struct` format language: parsing a format (byte order, counts,
//! native sizes and alignment), and packing/unpacking each item with the
//! conversions and `struct.error` messages of CPython 3.11 (including
//! which of its native/little/big-endian routines a code uses on a
//! little-endian host, since their messages differ).

use crate::num::Int;
use crate::objects::Payload;
use crate::vm::value::Value;
use crate::vm::{PyErr, Vm};

/// Which CPython routine family packs an item.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// `@`: native sizes and alignment.
    Native,
    /// `<` and `=`: little-endian standard sizes.
    Little,
    /// `>` and `!`: big-endian standard sizes.
    Big,
}

/// One item of a format: its code, byte offset and size (`s`/`p`: the
/// whole string).
#[derive(Clone, Copy, Debug)]
pub struct Item {
    pub code: u8,
    pub offset: usize,
    pub size: usize,
}

/// A parsed format.
#[derive(Clone, Debug)]
pub struct Format {
    pub mode: Mode,
    /// Items that take or give a value (pad bytes are left out).
    pub items: Vec<Item>,
    pub size: usize,
}

/// A `struct.error` to be raised (the message).
pub struct StructErr(pub String);

/// (size, alignment) of a code in native mode.
fn native_size(c: u8) -> Option<(usize, usize)> {
    Some(match c {
        b'x' | b'c' | b'b' | b'B' | b'?' | b's' | b'p' => (1, 1),
        b'h' | b'H' | b'e' => (2, 2),
        b'i' | b'I' | b'f' => (4, 4),
        b'l' | b'L' | b'q' | b'Q' | b'n' | b'N' | b'P' | b'd' => (8, 8),
        _ => return None,
    })
}

/// Size of a code with standard sizes.
fn std_size(c: u8) -> Option<usize> {
    Some(match c {
        b'x' | b'c' | b'b' | b'B' | b'?' | b's' | b'p' => 1,
        b'h' | b'H' | b'e' => 2,
        b'i' | b'I' | b'l' | b'L' | b'f' => 4,
        b'q' | b'Q' | b'd' => 8,
        _ => return None,
    })
}

/// Parse a format string (CPython's `prepare_s`).
pub fn parse(fmt: &[u8]) -> Result<Format, StructErr> {
    let (mode, rest) = match fmt.first() {
        Some(b'@') => (Mode::Native, &fmt[1..]),
        Some(b'<') | Some(b'=') => (Mode::Little, &fmt[1..]),
        Some(b'>') | Some(b'!') => (Mode::Big, &fmt[1..]),
        _ => (Mode::Native, fmt),
    };
    let too_long = || StructErr("total struct size too long".into());
    let mut items = Vec::new();
    let mut size: usize = 0;
    let mut i = 0;
    while i < rest.len() {
        let mut c = rest[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let mut num: Option<usize> = None;
        if c.is_ascii_digit() {
            let mut n: usize = 0;
            while i < rest.len() && rest[i].is_ascii_digit() {
                n = n
                    .checked_mul(10)
                    .and_then(|n| n.checked_add((rest[i] - b'0') as usize))
                    .filter(|&n| n <= isize::MAX as usize)
                    .ok_or_else(too_long)?;
                i += 1;
            }
            match rest.get(i) {
                Some(&ch) => c = ch,
                None => {
                    return Err(StructErr(
                        "repeat count given without format specifier".into(),
                    ))
                }
            }
            num = Some(n);
        }
        i += 1;
        let (isz, align) = match mode {
            Mode::Native => native_size(c),
            _ => std_size(c).map(|s| (s, 1)),
        }
        .ok_or_else(|| StructErr("bad char in struct format".into()))?;
        let n = num.unwrap_or(1);
        // Align (native mode only: standard alignment is 1).
        if align > 1 {
            size = size.checked_add(align - 1).ok_or_else(too_long)? / align * align;
        }
        match c {
            b's' | b'p' => {
                items.push(Item {
                    code: c,
                    offset: size,
                    size: n,
                });
                size = size.checked_add(n).ok_or_else(too_long)?;
            }
            b'x' => size = size.checked_add(n).ok_or_else(too_long)?,
            _ => {
                for _ in 0..n {
                    items.push(Item {
                        code: c,
                        offset: size,
                        size: isz,
                    });
                    size = size.checked_add(isz).ok_or_else(too_long)?;
                }
            }
        }
        if size > isize::MAX as usize {
            return Err(too_long());
        }
    }
    Ok(Format { mode, items, size })
}

/// An error of packing one item: a `struct.error` or a Python exception.
pub enum PackErr {
    Struct(String),
    Py(PyErr),
}

impl From<PyErr> for PackErr {
    fn from(e: PyErr) -> Self {
        PackErr::Py(e)
    }
}

fn serr<T>(msg: impl Into<String>) -> Result<T, PackErr> {
    Err(PackErr::Struct(msg.into()))
}

/// `get_pylong`: the int value of `v` (`__index__`), or the struct error.
fn get_int(vm: &mut Vm, v: &Value) -> Result<Int, PackErr> {
    if !crate::objects::int::is_int(v) {
        let t = vm.type_of(v);
        if vm.type_lookup_static(&t, "__index__").is_none() {
            return serr("required argument is not an integer");
        }
    }
    Ok(vm.index_int(v)?)
}

/// `PyFloat_AsDouble` with struct's message for any failure.
fn get_float(vm: &mut Vm, v: &Value) -> Result<f64, PackErr> {
    let r = match v {
        Value::Float(f) => Ok(f.get()),
        Value::Obj(o) if matches!(o.payload, Payload::Float(_)) => {
            if let Payload::Float(f) = o.payload {
                Ok(f)
            } else {
                Ok(0.0)
            }
        }
        _ => vm.to_f64(v),
    };
    r.or_else(|_| serr("required argument is not a float"))
}

fn to_i128(i: &Int) -> Option<i128> {
    match i {
        Int::Small(v) => Some(*v as i128),
        Int::Big(b) => num_traits::ToPrimitive::to_i128(b),
    }
}

/// The integer to store for an integer code, checked as CPython checks it
/// (the routine family decides the message).
fn int_value(vm: &mut Vm, mode: Mode, item: &Item, v: &Value) -> Result<u64, PackErr> {
    let c = item.code;
    let range = || "argument out of range".to_string();
    // A small int needs no `__index__` (CPython's PyLong_Check first).
    let int_of = |vm: &mut Vm, v: &Value| match v {
        Value::Int(n) => Ok(Int::Small(*n)),
        _ => get_int(vm, v),
    };
    if c == b'P' {
        let i = int_of(vm, v)?;
        return match to_i128(&i) {
            Some(x) if x >= i64::MIN as i128 && x <= u64::MAX as i128 => Ok(x as u64),
            _ => serr("int too large to convert"),
        };
    }
    let i = int_of(vm, v)?;
    let x = to_i128(&i);
    let signed = matches!(c, b'b' | b'h' | b'i' | b'l' | b'q' | b'n');
    // Native routines are used for these on '<'/'=' too (same sizes).
    let native_like = mode == Mode::Native
        || matches!(c, b'b' | b'B')
        || (mode == Mode::Little && !matches!(c, b'l' | b'L'));
    if signed || (native_like && matches!(c, b'B' | b'H')) {
        // get_long: a C long.
        let Some(x) = x.filter(|x| *x >= i64::MIN as i128 && *x <= i64::MAX as i128) else {
            return serr(range());
        };
        let bits = item.size * 8;
        let (lo, hi) = if signed {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        };
        if x < lo || x > hi {
            let msg = match (native_like, c) {
                (true, b'b') => "byte format requires -128 <= number <= 127".to_string(),
                (true, b'B') => "ubyte format requires 0 <= number <= 255".to_string(),
                (true, b'h') => "short format requires -32768 <= number <= 32767".to_string(),
                (true, b'H') => "ushort format requires 0 <= number <= 65535".to_string(),
                _ => format!("'{}' format requires {lo} <= number <= {hi}", c as char),
            };
            return serr(msg);
        }
        return Ok(x as u64);
    }
    // get_ulong: a C unsigned long.
    let Some(x) = x.filter(|x| *x >= 0 && *x <= u64::MAX as i128) else {
        return serr(range());
    };
    if item.size < 8 && x >= 1i128 << (item.size * 8) {
        return serr(format!(
            "'{}' format requires 0 <= number <= {}",
            c as char,
            (1u64 << (item.size * 8)) - 1
        ));
    }
    Ok(x as u64)
}

/// `PyFloat_Pack2`: IEEE half precision, round half to even.
pub fn pack_half(x: f64) -> Option<u16> {
    let sign: u16 = if x.is_sign_negative() { 1 } else { 0 };
    if x == 0.0 {
        return Some(sign << 15);
    }
    if x.is_infinite() {
        return Some((sign << 15) | 0x7c00);
    }
    if x.is_nan() {
        return Some((sign << 15) | 0x7e00);
    }
    let (mut f, mut e) = frexp(x.abs());
    f *= 2.0;
    e -= 1;
    if e >= 16 {
        return None;
    } else if e < -25 {
        f = 0.0;
        e = 0;
    } else if e < -14 {
        f *= 2f64.powi(14 + e);
        e = 0;
    } else {
        e += 15;
        f -= 1.0;
    }
    f *= 1024.0;
    let mut bits = f as u16;
    let rest = f - bits as f64;
    if rest > 0.5 || (rest == 0.5 && bits % 2 == 1) {
        bits += 1;
        if bits == 1024 {
            bits = 0;
            e += 1;
            if e == 31 {
                return None;
            }
        }
    }
    Some(bits | ((e as u16) << 10) | (sign << 15))
}

/// `PyFloat_Unpack2`.
pub fn unpack_half(p: u16) -> f64 {
    let sign = p >> 15;
    let e = ((p >> 10) & 0x1f) as i32;
    let f = (p & 0x3ff) as f64;
    if e == 0x1f {
        let v = if f == 0.0 { f64::INFINITY } else { f64::NAN };
        return if sign == 1 { -v } else { v };
    }
    let mut x = f / 1024.0;
    let ex = if e == 0 {
        -14
    } else {
        x += 1.0;
        e - 15
    };
    x *= 2f64.powi(ex);
    if sign == 1 {
        -x
    } else {
        x
    }
}

/// C's `frexp` for finite nonzero positive x: `x = m * 2^e`, 0.5 <= m < 1.
fn frexp(x: f64) -> (f64, i32) {
    let (x, adj) = if x < f64::MIN_POSITIVE {
        (x * 2f64.powi(64), -64)
    } else {
        (x, 0)
    };
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i32 - 1022;
    let m = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    (m, e + adj)
}

fn put_uint(out: &mut [u8], x: u64, size: usize, big: bool) {
    let le = x.to_le_bytes();
    for k in 0..size.min(8) {
        let b = le.get(k).copied().unwrap_or(0);
        let at = if big { size - 1 - k } else { k };
        if let Some(slot) = out.get_mut(at) {
            *slot = b;
        }
    }
}

/// Pack one item's value into `out` (exactly `item.size` bytes).
pub fn pack_item(
    vm: &mut Vm,
    mode: Mode,
    item: &Item,
    v: &Value,
    out: &mut [u8],
) -> Result<(), PackErr> {
    let big = mode == Mode::Big;
    match item.code {
        b'?' => {
            let t = vm.truthy(v)?;
            put_uint(out, t as u64, 1, false);
        }
        b'c' => match v {
            Value::Obj(o) => match &o.payload {
                Payload::Bytes(b) if b.len() == 1 => put_uint(out, b[0] as u64, 1, false),
                _ => return serr("char format requires a bytes object of length 1"),
            },
            _ => return serr("char format requires a bytes object of length 1"),
        },
        b's' | b'p' => {
            let data: Vec<u8> = match v {
                Value::Obj(o) => match &o.payload {
                    Payload::Bytes(b) => b.to_vec(),
                    Payload::ByteArray(b) => b.borrow().clone(),
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            let is_bytes = matches!(v, Value::Obj(o) if matches!(o.payload, Payload::Bytes(_) | Payload::ByteArray(_)));
            if !is_bytes {
                return serr(format!(
                    "argument for '{}' must be a bytes object",
                    item.code as char
                ));
            }
            if item.code == b's' {
                let n = data.len().min(item.size);
                if let (Some(dst), Some(src)) = (out.get_mut(..n), data.get(..n)) {
                    dst.copy_from_slice(src);
                }
            } else if item.size > 0 {
                let n = data.len().min(item.size - 1);
                if let (Some(dst), Some(src)) = (out.get_mut(1..1 + n), data.get(..n)) {
                    dst.copy_from_slice(src);
                }
                put_uint(out, n.min(255) as u64, 1, false);
            }
        }
        b'e' => {
            let x = get_float(vm, v)?;
            let Some(h) = pack_half(x) else {
                return Err(PackErr::Py(
                    vm.overflow_error("float too large to pack with e format"),
                ));
            };
            put_uint(out, h as u64, 2, big);
        }
        b'f' => {
            let x = get_float(vm, v)?;
            let y = x as f32;
            if mode != Mode::Native && y.is_infinite() && !x.is_infinite() {
                return Err(PackErr::Py(
                    vm.overflow_error("float too large to pack with f format"),
                ));
            }
            put_uint(out, y.to_bits() as u64, 4, big);
        }
        b'd' => {
            let x = get_float(vm, v)?;
            put_uint(out, x.to_bits(), 8, big);
        }
        _ => {
            let x = int_value(vm, mode, item, v)?;
            put_uint(out, x, item.size, big);
        }
    }
    Ok(())
}

/// Unpack one item from its bytes.
pub fn unpack_item(vm: &Vm, mode: Mode, item: &Item, b: &[u8]) -> Value {
    let big = mode == Mode::Big;
    let mut u: u64 = 0;
    let n = b.len().min(8);
    for k in 0..n {
        let byte = if big {
            b.get(k).copied().unwrap_or(0)
        } else {
            b.get(n - 1 - k).copied().unwrap_or(0)
        };
        u = (u << 8) | byte as u64;
    }
    match item.code {
        b'?' => Value::bool(u != 0),
        b'c' => vm.new_bytes(b.to_vec()),
        b's' => vm.new_bytes(b.to_vec()),
        b'p' => {
            let len = (b.first().copied().unwrap_or(0) as usize).min(item.size.saturating_sub(1));
            vm.new_bytes(b.get(1..1 + len).unwrap_or(&[]).to_vec())
        }
        b'e' => Value::float(unpack_half(u as u16)),
        b'f' => Value::float(f32::from_bits(u as u32) as f64),
        b'd' => Value::float(f64::from_bits(u)),
        b'b' | b'h' | b'i' | b'l' | b'q' | b'n' => {
            let bits = (n * 8) as u32;
            let x = if bits == 0 || bits >= 64 {
                u as i64
            } else {
                ((u << (64 - bits)) as i64) >> (64 - bits)
            };
            Value::Int(x)
        }
        _ => match i64::try_from(u) {
            Ok(x) => Value::Int(x),
            Err(_) => vm.new_bigint(num_bigint::BigInt::from(u)),
        },
    }
}
