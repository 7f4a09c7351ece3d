//! `binascii`: hex, base64 (with `strict_mode`), uuencode and
//! quoted-printable conversions, `crc32` and `crc_hqx`, and the `Error`
//! and `Incomplete` exceptions — CPython 3.11's algorithms and messages.

use super::binargs::{
    add_module_functions, bool_arg, buffer_of, module_attr, need_bytes, raise, Sig,
};
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

fn error(vm: &Vm, args: &Args, msg: impl Into<String>) -> PyErr {
    match module_attr(vm, args, "Error") {
        Ok(Value::Obj(c)) => raise(vm, &c, msg),
        _ => vm.value_error(msg),
    }
}

/// An `a2b_*` argument: a bytes-like object or an ASCII str.
fn ascii_data(vm: &mut Vm, v: &Value) -> PyResult<Vec<u8>> {
    if let Value::Obj(o) = v {
        if let Payload::Str(s) = &o.payload {
            let t = s.as_str();
            if !t.is_ascii() || s.surrogate_cps().is_some() {
                return Err(vm.value_error("string argument should contain only ASCII characters"));
            }
            return Ok(t.as_bytes().to_vec());
        }
    }
    match buffer_of(vm, v)? {
        Some(b) => Ok(b),
        None => Err(vm.type_error(format!(
            "argument should be bytes, buffer or ASCII string, not '{}'",
            vm.type_name_of(v)
        ))),
    }
}

fn bind(vm: &Vm, args: &Args, sig: Sig) -> PyResult<Vec<Option<Value>>> {
    sig.bind(vm, args, 1)
}

fn arg(b: &[Option<Value>], i: usize) -> Option<Value> {
    b.get(i).cloned().flatten()
}

// ------------------------------------------------------------------ hex

fn hexlify_impl(vm: &mut Vm, args: Args, name: &str) -> PyResult<Value> {
    let b = bind(
        vm,
        &args,
        Sig {
            name,
            pos: &["data", "sep", "bytes_per_sep"],
            posonly: 0,
            required: 1,
            kwonly: &[],
        },
    )?;
    let data = need_bytes(vm, &arg(&b, 0).unwrap_or(Value::None))?;
    let sep: Option<Vec<u32>> = match arg(&b, 1) {
        None => None,
        Some(v) => match &v {
            Value::Obj(o) => match &o.payload {
                Payload::Str(s) => Some(s.code_points()),
                _ => match buffer_of(vm, &v)? {
                    Some(bs) => Some(bs.iter().map(|&c| c as u32).collect()),
                    None => return Err(vm.type_error("sep must be str or bytes.")),
                },
            },
            _ => return Err(vm.type_error("sep must be str or bytes.")),
        },
    };
    let per = match arg(&b, 2) {
        Some(v) => super::binargs::int_arg(vm, &v)?,
        None => 1,
    };
    let s = crate::text::bytes_methods::hex(&data, sep.as_deref(), per)
        .map_err(|e| crate::objects::bytes::text_err(vm, e))?;
    Ok(vm.new_bytes(s.into_bytes()))
}

fn binascii_hexlify(vm: &mut Vm, args: Args) -> PyResult<Value> {
    hexlify_impl(vm, args, "hexlify")
}

fn binascii_b2a_hex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    hexlify_impl(vm, args, "b2a_hex")
}

fn unhexlify_impl(vm: &mut Vm, args: Args, name: &str) -> PyResult<Value> {
    let b = bind(
        vm,
        &args,
        Sig {
            name,
            pos: &["hexstr"],
            posonly: 1,
            required: 1,
            kwonly: &[],
        },
    )?;
    let data = ascii_data(vm, &arg(&b, 0).unwrap_or(Value::None))?;
    if data.len() % 2 != 0 {
        return Err(error(vm, &args, "Odd-length string"));
    }
    let mut out = Vec::with_capacity(data.len() / 2);
    for pair in data.chunks(2) {
        let d = |c: u8| (c as char).to_digit(16);
        match (
            pair.first().and_then(|&c| d(c)),
            pair.get(1).and_then(|&c| d(c)),
        ) {
            (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
            _ => return Err(error(vm, &args, "Non-hexadecimal digit found")),
        }
    }
    Ok(vm.new_bytes(out))
}

fn binascii_unhexlify(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unhexlify_impl(vm, args, "unhexlify")
}

fn binascii_a2b_hex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unhexlify_impl(vm, args, "a2b_hex")
}

// --------------------------------------------------------------- base64

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Standard base64 of `data` (no newline).
pub fn b64encode(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len().div_ceil(3) * 4 + 1);
    for ch in data.chunks(3) {
        let b0 = ch.first().copied().unwrap_or(0) as u32;
        let b1 = ch.get(1).copied().unwrap_or(0) as u32;
        let b2 = ch.get(2).copied().unwrap_or(0) as u32;
        let n = (b0 << 16) | (b1 << 8) | b2;
        let idx = |s: u32| B64[((n >> s) & 63) as usize];
        out.push(idx(18));
        out.push(idx(12));
        out.push(if ch.len() > 1 { idx(6) } else { b'=' });
        out.push(if ch.len() > 2 { idx(0) } else { b'=' });
    }
    out
}

fn binascii_b2a_base64(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = bind(
        vm,
        &args,
        Sig {
            name: "b2a_base64",
            pos: &["data"],
            posonly: 1,
            required: 1,
            kwonly: &["newline"],
        },
    )?;
    let data = need_bytes(vm, &arg(&b, 0).unwrap_or(Value::None))?;
    let newline = bool_arg(vm, &arg(&b, 1), true)?;
    let mut out = b64encode(&data);
    if newline {
        out.push(b'\n');
    }
    Ok(vm.new_bytes(out))
}

/// CPython's base64 decoder; Err(message) for `binascii.Error`.
fn b64decode(data: &[u8], strict: bool) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 3);
    if strict && data.first() == Some(&b'=') {
        return Err("Leading padding not allowed".into());
    }
    let (mut quad_pos, mut pads, mut leftchar) = (0u8, 0usize, 0u8);
    let mut padding_started = false;
    for (i, &c) in data.iter().enumerate() {
        if c == b'=' {
            padding_started = true;
            pads += 1;
            if quad_pos >= 2 && quad_pos as usize + pads >= 4 {
                if strict && i + 1 < data.len() {
                    return Err("Excess data after padding".into());
                }
                return Ok(out);
            }
            continue;
        }
        let Some(v) = b64_value(c) else {
            if strict {
                return Err("Only base64 data is allowed".into());
            }
            continue;
        };
        if strict && padding_started {
            return Err("Discontinuous padding not allowed".into());
        }
        pads = 0;
        match quad_pos {
            0 => {
                quad_pos = 1;
                leftchar = v;
            }
            1 => {
                quad_pos = 2;
                out.push((leftchar << 2) | (v >> 4));
                leftchar = v & 0x0f;
            }
            2 => {
                quad_pos = 3;
                out.push((leftchar << 4) | (v >> 2));
                leftchar = v & 0x03;
            }
            _ => {
                quad_pos = 0;
                out.push((leftchar << 6) | v);
                leftchar = 0;
            }
        }
    }
    match quad_pos {
        0 => Ok(out),
        1 => Err(format!(
            "Invalid base64-encoded string: number of data characters ({}) cannot be 1 more than a multiple of 4",
            out.len() / 3 * 4 + 1
        )),
        _ => Err("Incorrect padding".into()),
    }
}

fn binascii_a2b_base64(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = bind(
        vm,
        &args,
        Sig {
            name: "a2b_base64",
            pos: &["data"],
            posonly: 1,
            required: 1,
            kwonly: &["strict_mode"],
        },
    )?;
    let data = ascii_data(vm, &arg(&b, 0).unwrap_or(Value::None))?;
    let strict = bool_arg(vm, &arg(&b, 1), false)?;
    match b64decode(&data, strict) {
        Ok(out) => Ok(vm.new_bytes(out)),
        Err(m) => Err(error(vm, &args, m)),
    }
}

// ------------------------------------------------------------------ crc

/// CRC-32 (zlib's polynomial), continuing from `crc`.
pub fn crc32_update(crc: u32, data: &[u8]) -> u32 {
    let mut c = !crc;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// A C `unsigned int` argument with bitwise wrap-around (`bitwise=True`).
pub fn uint_bitwise(vm: &mut Vm, v: &Value) -> PyResult<u32> {
    if super::binargs::is_float(v) {
        return Err(vm.type_error("'float' object cannot be interpreted as an integer"));
    }
    if !crate::objects::int::is_int(v) {
        return Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(v)
        )));
    }
    let i = vm.index_int(v)?;
    Ok(match i {
        crate::num::Int::Small(x) => x as u32,
        crate::num::Int::Big(b) => {
            let m = b & num_bigint::BigInt::from(0xffff_ffffu32);
            num_traits::ToPrimitive::to_u32(&m).unwrap_or(0)
        }
    })
}

fn binascii_crc32(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = super::binargs::posonly(vm, &args, "crc32", 1, 2)?;
    let data = need_bytes(vm, &a[0])?;
    let crc = match a.get(1) {
        Some(v) => uint_bitwise(vm, v)?,
        None => 0,
    };
    Ok(Value::Int(crc32_update(crc, &data) as i64))
}

fn binascii_crc_hqx(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = super::binargs::posonly(vm, &args, "crc_hqx", 2, 2)?;
    let data = need_bytes(vm, &a[0])?;
    let mut crc = uint_bitwise(vm, &a[1])? & 0xffff;
    for &b in &data {
        crc ^= (b as u32) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                ((crc << 1) ^ 0x1021) & 0xffff
            } else {
                (crc << 1) & 0xffff
            };
        }
    }
    Ok(Value::Int(crc as i64))
}

// ------------------------------------------------------------------- uu

fn binascii_b2a_uu(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = bind(
        vm,
        &args,
        Sig {
            name: "b2a_uu",
            pos: &["data"],
            posonly: 1,
            required: 1,
            kwonly: &["backtick"],
        },
    )?;
    let data = need_bytes(vm, &arg(&b, 0).unwrap_or(Value::None))?;
    let backtick = bool_arg(vm, &arg(&b, 1), false)?;
    if data.len() > 45 {
        return Err(error(vm, &args, "At most 45 bytes at once"));
    }
    let enc = |c: u8| if backtick && c == 0 { b'`' } else { c + b' ' };
    let mut out = vec![if backtick && data.is_empty() {
        b'`'
    } else {
        b' ' + data.len() as u8
    }];
    for ch in data.chunks(3) {
        let b0 = ch.first().copied().unwrap_or(0) as u32;
        let b1 = ch.get(1).copied().unwrap_or(0) as u32;
        let b2 = ch.get(2).copied().unwrap_or(0) as u32;
        let n = (b0 << 16) | (b1 << 8) | b2;
        for s in [18, 12, 6, 0] {
            out.push(enc(((n >> s) & 63) as u8));
        }
    }
    out.push(b'\n');
    Ok(vm.new_bytes(out))
}

fn binascii_a2b_uu(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = bind(
        vm,
        &args,
        Sig {
            name: "a2b_uu",
            pos: &["data"],
            posonly: 1,
            required: 1,
            kwonly: &[],
        },
    )?;
    let data = ascii_data(vm, &arg(&b, 0).unwrap_or(Value::None))?;
    // The first byte is the length (a missing one reads C's NUL).
    let mut bin_len = (data.first().copied().unwrap_or(0).wrapping_sub(b' ') & 0o77) as usize;
    let mut pos = 1;
    let mut out = Vec::with_capacity(bin_len);
    let (mut leftchar, mut leftbits) = (0u32, 0u32);
    while bin_len > 0 {
        let c = data.get(pos).copied();
        pos += 1;
        let v = match c {
            None | Some(b'\n') | Some(b'\r') => 0,
            Some(c) => {
                if !(b' '..=b' ' + 64).contains(&c) {
                    return Err(error(vm, &args, "Illegal char"));
                }
                (c - b' ') & 0o77
            }
        };
        leftchar = (leftchar << 6) | v as u32;
        leftbits += 6;
        if leftbits >= 8 {
            leftbits -= 8;
            out.push((leftchar >> leftbits) as u8);
            leftchar &= (1 << leftbits) - 1;
            bin_len -= 1;
        }
    }
    for &c in data.get(pos..).unwrap_or(&[]) {
        if !matches!(c, b' ' | b'`' | b'\n' | b'\r') {
            return Err(error(vm, &args, "Trailing garbage"));
        }
    }
    Ok(vm.new_bytes(out))
}

// ------------------------------------------------------ quoted-printable

fn hex_upper(c: u8) -> [u8; 2] {
    const H: &[u8; 16] = b"0123456789ABCDEF";
    [H[(c >> 4) as usize], H[(c & 15) as usize]]
}

fn binascii_a2b_qp(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = bind(
        vm,
        &args,
        Sig {
            name: "a2b_qp",
            pos: &["data", "header"],
            posonly: 0,
            required: 1,
            kwonly: &[],
        },
    )?;
    let data = ascii_data(vm, &arg(&b, 0).unwrap_or(Value::None))?;
    let header = bool_arg(vm, &arg(&b, 1), false)?;
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    let at = |i: usize| data.get(i).copied().unwrap_or(0);
    while i < data.len() {
        let c = at(i);
        if c == b'=' {
            i += 1;
            if i >= data.len() {
                break;
            }
            let n = at(i);
            if n == b'\n' || n == b'\r' {
                if n != b'\n' {
                    while i < data.len() && at(i) != b'\n' {
                        i += 1;
                    }
                }
                if i < data.len() {
                    i += 1;
                }
            } else if n == b'=' {
                out.push(b'=');
                i += 1;
            } else if i + 1 < data.len() && n.is_ascii_hexdigit() && at(i + 1).is_ascii_hexdigit() {
                let h = (n as char).to_digit(16).unwrap_or(0);
                let l = (at(i + 1) as char).to_digit(16).unwrap_or(0);
                out.push((h * 16 + l) as u8);
                i += 2;
            } else {
                out.push(b'=');
            }
        } else if header && c == b'_' {
            out.push(b' ');
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    Ok(vm.new_bytes(out))
}

/// CPython's `b2a_qp` encoder.
fn qp_encode(data: &[u8], quotetabs: bool, istext: bool, header: bool) -> Vec<u8> {
    const MAXLINESIZE: usize = 76;
    let crlf = data
        .iter()
        .position(|&c| c == b'\n')
        .is_some_and(|p| p > 0 && data.get(p - 1) == Some(&b'\r'));
    let at = |i: usize| data.get(i).copied().unwrap_or(0);
    let n = data.len();
    let mut out: Vec<u8> = Vec::with_capacity(n * 2);
    let soft_break = |out: &mut Vec<u8>| {
        out.push(b'=');
        if crlf {
            out.push(b'\r');
        }
        out.push(b'\n');
    };
    let (mut i, mut linelen) = (0usize, 0usize);
    while i < n {
        let c = at(i);
        let encode = c > 126
            || c == b'='
            || (header && c == b'_')
            || (c == b'.'
                && linelen == 0
                && (i + 1 == n || matches!(at(i + 1), b'\n' | b'\r' | 0)))
            || (!istext && (c == b'\r' || c == b'\n'))
            || ((c == b'\t' || c == b' ') && i + 1 == n)
            || (c < 33 && c != b'\r' && c != b'\n' && (quotetabs || (c != b'\t' && c != b' ')));
        if encode {
            if linelen + 3 >= MAXLINESIZE {
                soft_break(&mut out);
                linelen = 0;
            }
            out.push(b'=');
            out.extend(hex_upper(c));
            i += 1;
            linelen += 3;
        } else if istext && (c == b'\n' || (i + 1 < n && c == b'\r' && at(i + 1) == b'\n')) {
            linelen = 0;
            if let Some(&last) = out.last() {
                if last == b' ' || last == b'\t' {
                    out.pop();
                    out.push(b'=');
                    out.extend(hex_upper(last));
                }
            }
            if crlf {
                out.push(b'\r');
            }
            out.push(b'\n');
            i += if c == b'\r' { 2 } else { 1 };
        } else {
            if i + 1 != n && at(i + 1) != b'\n' && linelen + 1 >= MAXLINESIZE {
                soft_break(&mut out);
                linelen = 0;
            }
            linelen += 1;
            if header && c == b' ' {
                out.push(b'_');
            } else {
                out.push(c);
            }
            i += 1;
        }
    }
    out
}

fn binascii_b2a_qp(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = bind(
        vm,
        &args,
        Sig {
            name: "b2a_qp",
            pos: &["data", "quotetabs", "istext", "header"],
            posonly: 0,
            required: 1,
            kwonly: &[],
        },
    )?;
    let data = need_bytes(vm, &arg(&b, 0).unwrap_or(Value::None))?;
    let quotetabs = bool_arg(vm, &arg(&b, 1), false)?;
    let istext = bool_arg(vm, &arg(&b, 2), true)?;
    let header = bool_arg(vm, &arg(&b, 3), false)?;
    Ok(vm.new_bytes(qp_encode(&data, quotetabs, istext, header)))
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("binascii");
    let ve = vm.exc_type(ExcKind::ValueError);
    let err = super::binargs::new_exc_class(vm, "binascii", "Error", ve)?;
    let ex = vm.exc_type(ExcKind::Exception);
    let inc = super::binargs::new_exc_class(vm, "binascii", "Incomplete", ex)?;
    vm.set_attr_raw(&m, "Error", Value::Obj(err));
    vm.set_attr_raw(&m, "Incomplete", Value::Obj(inc));
    add_module_functions(
        vm,
        &m,
        &[
            ("a2b_base64", binascii_a2b_base64),
            ("a2b_hex", binascii_a2b_hex),
            ("a2b_qp", binascii_a2b_qp),
            ("a2b_uu", binascii_a2b_uu),
            ("b2a_base64", binascii_b2a_base64),
            ("b2a_hex", binascii_b2a_hex),
            ("b2a_qp", binascii_b2a_qp),
            ("b2a_uu", binascii_b2a_uu),
            ("crc32", binascii_crc32),
            ("crc_hqx", binascii_crc_hqx),
            ("hexlify", binascii_hexlify),
            ("unhexlify", binascii_unhexlify),
        ],
    );
    Ok(m)
}
