//! UTF-7 (RFC 2152) as CPython 3.11 implements it (Objects/unicodeobject.c
//! `_PyUnicode_EncodeUTF7`, `PyUnicode_DecodeUTF7Stateful`):
//! `_codecs.utf_7_encode` and `_codecs.utf_7_decode`, with the stateful
//! rule that an unfinished shift sequence is left unconsumed.

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::str_codecs::{dec_error, decode_handle};
use crate::text::{PyStrData, TextError};
use crate::vm::value::Value;
use crate::vm::{PyErr, PyResult, Vm};

use super::pos_args;

/// `utf7_category`: 0 direct, 1 optional direct, 2 whitespace, 3 encoded.
fn category(c: u32) -> u8 {
    match c {
        0x09 | 0x0A | 0x0D | 0x20 => 2,
        0x27..=0x29 | 0x2C..=0x3A | 0x3F | 0x41..=0x5A | 0x61..=0x7A => 0,
        0x21..=0x26 | 0x2A | 0x3B..=0x3E | 0x40 | 0x5B | 0x5D..=0x60 | 0x7B..=0x7D => 1,
        _ => 3,
    }
}

fn encode_direct(c: u32) -> bool {
    c > 0 && c < 128 && category(c) != 3
}

fn is_base64(c: u32) -> bool {
    matches!(c, 0x41..=0x5A | 0x61..=0x7A | 0x30..=0x39 | 0x2B | 0x2F)
}

fn to_base64(n: u32) -> u8 {
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(n & 0x3F) as usize]
}

fn from_base64(c: u8) -> u32 {
    u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    })
}

/// `s.encode('utf-7')` (never fails: lone surrogates are encoded too).
pub(super) fn encode(s: &[u32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let (mut in_shift, mut bits, mut buf) = (false, 0u32, 0u64);
    let push_units = |ch: u32, bits: &mut u32, buf: &mut u64, out: &mut Vec<u8>| {
        let units: Vec<u32> = if ch >= 0x10000 {
            let v = ch - 0x10000;
            vec![0xD800 | (v >> 10), 0xDC00 | (v & 0x3FF)]
        } else {
            vec![ch]
        };
        for u in units {
            *bits += 16;
            *buf = (*buf << 16) | u64::from(u);
            while *bits >= 6 {
                out.push(to_base64((*buf >> (*bits - 6)) as u32));
                *bits -= 6;
            }
            *buf &= (1u64 << *bits) - 1;
        }
    };
    for &ch in s {
        if in_shift {
            if encode_direct(ch) {
                if bits > 0 {
                    out.push(to_base64((buf << (6 - bits)) as u32));
                    buf = 0;
                    bits = 0;
                }
                in_shift = false;
                if is_base64(ch) || ch == u32::from(b'-') {
                    out.push(b'-');
                }
                out.push(ch as u8);
                continue;
            }
        } else if ch == u32::from(b'+') {
            out.extend_from_slice(b"+-");
            continue;
        } else if encode_direct(ch) {
            out.push(ch as u8);
            continue;
        } else {
            out.push(b'+');
            in_shift = true;
        }
        push_units(ch, &mut bits, &mut buf, &mut out);
    }
    if bits > 0 {
        out.push(to_base64((buf << (6 - bits)) as u32));
    }
    if in_shift {
        out.push(b'-');
    }
    out
}

/// Handle a decoding error on `b[start..end]`: the builtin handlers
/// natively, others through the registry. Returns where to resume.
fn on_error(
    vm: &mut Vm,
    errors: &str,
    b: &[u8],
    start: usize,
    end: usize,
    reason: &'static str,
    out: &mut Vec<u32>,
) -> PyResult<usize> {
    let err = dec_error("utf7", b, start, end, reason);
    match decode_handle(errors, err, b, start, end, None, out) {
        Ok(p) => Ok(p),
        Err(TextError::Lookup(_)) => {
            let handler = super::lookup_error(vm, errors)?;
            let ty = Value::Obj(vm.exc_type(ExcKind::UnicodeDecodeError));
            let exc_args = [
                vm.new_str("utf7"),
                vm.new_bytes(b.to_vec()),
                Value::Int(start as i64),
                Value::Int(end as i64),
                vm.new_str(reason),
            ];
            let exc = vm.call(&ty, &exc_args)?;
            let r = vm.call(&handler, &[exc])?;
            let msg = "decoding error handler must return (str, int) tuple";
            let items = vm.seq_items(&r).filter(|t| t.len() == 2);
            let Some(items) = items else {
                return Err(vm.type_error(msg));
            };
            let (Some(s), Value::Int(p)) = (vm.as_str_obj(&items[0]), &items[1]) else {
                return Err(vm.type_error(msg));
            };
            out.extend(s.code_points());
            let p = if *p < 0 { b.len() as i64 + p } else { *p };
            if p < 0 || p > b.len() as i64 {
                return Err(
                    vm.index_error(format!("position {p} from error handler out of bounds"))
                );
            }
            Ok(p as usize)
        }
        Err(e) => {
            let is_dec = matches!(e, TextError::UnicodeDecode(_));
            let err: PyErr = crate::objects::bytes::text_err(vm, e);
            if is_dec {
                let obj = vm.new_bytes(b.to_vec());
                vm.set_attr_raw(&err.0, "object", obj);
            }
            Err(err)
        }
    }
}

/// `PyUnicode_DecodeUTF7Stateful`: the text and the bytes consumed.
fn decode(vm: &mut Vm, b: &[u8], errors: &str, fin: bool) -> PyResult<(Vec<u32>, usize)> {
    let mut out: Vec<u32> = Vec::with_capacity(b.len());
    let (mut in_shift, mut bits, mut buf, mut surrogate) = (false, 0u32, 0u64, 0u32);
    let (mut start, mut shift_out) = (0usize, 0usize);
    let mut s = 0usize;
    loop {
        while let Some(&c) = b.get(s) {
            let ch = u32::from(c);
            let mut err: Option<(&'static str, usize)> = None;
            if in_shift {
                if is_base64(ch) {
                    buf = (buf << 6) | u64::from(from_base64(c));
                    bits += 6;
                    s += 1;
                    if bits >= 16 {
                        let unit = ((buf >> (bits - 16)) & 0xFFFF) as u32;
                        bits -= 16;
                        buf &= (1u64 << bits) - 1;
                        if surrogate != 0 {
                            if (0xDC00..=0xDFFF).contains(&unit) {
                                out.push(0x10000 + ((surrogate - 0xD800) << 10) + (unit - 0xDC00));
                                surrogate = 0;
                                continue;
                            }
                            out.push(surrogate);
                            surrogate = 0;
                        }
                        if (0xD800..=0xDBFF).contains(&unit) {
                            surrogate = unit;
                        } else {
                            out.push(unit);
                        }
                    }
                    continue;
                }
                in_shift = false;
                if bits >= 6 {
                    s += 1;
                    err = Some(("partial character in shift sequence", start));
                } else if bits > 0 && buf != 0 {
                    s += 1;
                    err = Some(("non-zero padding bits in shift sequence", start));
                } else {
                    if surrogate != 0 && ch <= 127 && c != b'+' {
                        out.push(surrogate);
                    }
                    surrogate = 0;
                    if c == b'-' {
                        s += 1;
                    }
                }
            } else if c == b'+' {
                start = s;
                s += 1;
                match b.get(s) {
                    Some(b'-') => {
                        s += 1;
                        out.push(u32::from(b'+'));
                    }
                    Some(&n) if !is_base64(u32::from(n)) => {
                        s += 1;
                        err = Some(("ill-formed sequence", start));
                    }
                    _ => {
                        in_shift = true;
                        surrogate = 0;
                        shift_out = out.len();
                        bits = 0;
                        buf = 0;
                    }
                }
            } else if ch <= 127 {
                s += 1;
                out.push(ch);
            } else {
                start = s;
                s += 1;
                err = Some(("unexpected special character", start));
            }
            if let Some((reason, from)) = err {
                s = on_error(vm, errors, b, from, s, reason, &mut out)?;
            }
        }
        if in_shift && fin {
            in_shift = false;
            if surrogate != 0 || bits >= 6 || (bits > 0 && buf != 0) {
                surrogate = 0;
                s = on_error(
                    vm,
                    errors,
                    b,
                    start,
                    b.len(),
                    "unterminated shift sequence",
                    &mut out,
                )?;
                if s < b.len() {
                    continue;
                }
            }
        }
        break;
    }
    if in_shift {
        out.truncate(shift_out);
        return Ok((out, start));
    }
    Ok((out, s))
}

pub(super) fn utf_7_encode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "utf_7_encode", 1, 2)?;
    let Some(s) = vm.as_str_obj(&a[0]) else {
        return Err(vm.type_error(format!(
            "utf_7_encode() argument 1 must be str, not {}",
            vm.arg_type_name(&a[0])
        )));
    };
    let cps = s.code_points();
    let b = encode(&cps);
    Ok(vm.new_tuple_of([vm.new_bytes(b), Value::Int(cps.len() as i64)]))
}

pub(super) fn utf_7_decode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "utf_7_decode", 1, 3)?;
    let b = match crate::objects::bytes::buffer_bytes(vm, &a[0])? {
        Some(b) => b,
        None => {
            return Err(vm.type_error(format!(
                "a bytes-like object is required, not '{}'",
                vm.type_name_of(&a[0])
            )))
        }
    };
    let errors = match a.get(1) {
        None | Some(Value::None) => "strict".to_string(),
        Some(v) => match vm.as_str_obj(v) {
            Some(s) => s.as_str().to_string(),
            None => {
                return Err(vm.type_error(format!(
                    "utf_7_decode() argument 2 must be str or None, not {}",
                    vm.arg_type_name(v)
                )))
            }
        },
    };
    let fin = match a.get(2) {
        None => false,
        Some(v) => match vm.index_value(v)? {
            Some(n) => n != 0,
            None => {
                return Err(vm.type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    vm.type_name_of(v)
                )))
            }
        },
    };
    let (cps, n) = decode(vm, &b, &errors, fin)?;
    let s = crate::objects::bytes::str_value(vm, &PyStrData::from_code_points(&cps));
    Ok(vm.new_tuple_of([s, Value::Int(n as i64)]))
}
