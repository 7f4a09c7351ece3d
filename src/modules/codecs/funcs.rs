//! The `_codecs.*_encode`/`*_decode` functions Lib/encodings/ calls: each
//! returns `(result, length consumed)`; decoders with `final=False` leave an
//! incomplete trailing sequence unconsumed (what incremental decoders rely
//! on). Error handlers registered with `codecs.register_error` run through
//! a generic loop around the native codecs.

use crate::objects::bytes::{buffer_bytes, text_err};
use crate::objects::function::{Args, NativeFn};
use crate::objects::str_codecs;
use crate::objects::str_methods::str_data;
use crate::objects::Payload;
use crate::text::{PyStrData, TextError};
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

use super::pos_args;

/// The `str` argument of an encoder.
fn str_param(vm: &Vm, v: &Value, func: &str) -> PyResult<PyStrData> {
    match str_data(v) {
        Some(s) if vm.as_str_obj(v).is_some() => Ok(s),
        _ => Err(vm.type_error(format!(
            "{func}() argument 1 must be str, not {}",
            vm.arg_type_name(v)
        ))),
    }
}

/// The `errors` argument (str or None; None means strict).
fn errors_param(vm: &Vm, a: &[Value], i: usize, func: &str) -> PyResult<String> {
    match a.get(i) {
        None | Some(Value::None) => Ok("strict".into()),
        Some(v) => match vm.as_str_obj(v) {
            Some(s) => Ok(s.as_str().to_string()),
            None => Err(vm.type_error(format!(
                "{func}() argument {} must be str or None, not {}",
                i + 1,
                vm.arg_type_name(v)
            ))),
        },
    }
}

/// A bytes-like `data` argument (str too for the escape codecs' `s*`).
fn data_param(vm: &mut Vm, v: &Value, allow_str: bool) -> PyResult<Vec<u8>> {
    if allow_str {
        if let Some(s) = vm.as_str_obj(v) {
            return Ok(s.as_str().as_bytes().to_vec());
        }
    }
    match buffer_bytes(vm, v)? {
        Some(b) => Ok(b),
        None => Err(vm.type_error(format!(
            "a bytes-like object is required, not '{}'",
            vm.type_name_of(v)
        ))),
    }
}

/// An int flag argument (`final`, `byteorder`).
fn int_param(vm: &mut Vm, a: &[Value], i: usize, default: i64) -> PyResult<i64> {
    match a.get(i) {
        None => Ok(default),
        Some(v) => match vm.index_value(v)? {
            Some(n) => Ok(n),
            None => Err(vm.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                vm.type_name_of(v)
            ))),
        },
    }
}

fn is_unknown_handler(e: &TextError) -> bool {
    matches!(e, TextError::Lookup(m) if m.starts_with("unknown error handler name"))
}

/// `s` encoded with native codec `enc`; a registered error handler is
/// called for the characters the codec cannot encode.
pub(crate) fn encode_str(
    vm: &mut Vm,
    sv: &Value,
    s: &PyStrData,
    enc: &str,
    errors: &str,
) -> PyResult<Vec<u8>> {
    match str_codecs::encode(s, enc, errors) {
        Ok(b) => Ok(b),
        Err(e) if is_unknown_handler(&e) => {
            let handler = super::lookup_error(vm, errors)?;
            encode_custom(vm, sv, s, enc, &handler)
        }
        Err(e) => {
            let is_enc = matches!(e, TextError::UnicodeEncode(_));
            let err = text_err(vm, e);
            if is_enc {
                vm.set_attr_raw(&err.0, "object", sv.clone());
            }
            Err(err)
        }
    }
}

/// The BOM a BOM-writing codec starts with, and the codec for the rest.
fn split_bom(enc: &str) -> (&'static [u8], String) {
    let norm = enc.to_ascii_lowercase().replace(['-', ' '], "_");
    match norm.as_str() {
        "utf_16" | "utf16" => (&[0xFF, 0xFE], "utf-16-le".into()),
        "utf_32" | "utf32" => (&[0xFF, 0xFE, 0, 0], "utf-32-le".into()),
        "utf_8_sig" => (&[0xEF, 0xBB, 0xBF], "utf-8".into()),
        _ => (&[], enc.to_string()),
    }
}

fn handler_result(vm: &mut Vm, r: &Value, len: usize, msg: &str) -> PyResult<(Value, usize)> {
    let items = match r {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(t) if t.len() == 2 => t.to_vec(),
            _ => return Err(vm.type_error(msg.to_string())),
        },
        _ => return Err(vm.type_error(msg.to_string())),
    };
    let pos = match vm.index_value(&items[1])? {
        Some(p) if matches!(items[1], Value::Int(_)) => p,
        _ => return Err(vm.type_error(msg.to_string())),
    };
    let p = if pos < 0 { len as i64 + pos } else { pos };
    if p < 0 || p > len as i64 {
        return Err(vm.index_error(format!("position {pos} from error handler out of bounds")));
    }
    Ok((items[0].clone(), p as usize))
}

fn encode_custom(
    vm: &mut Vm,
    sv: &Value,
    s: &PyStrData,
    enc: &str,
    handler: &Value,
) -> PyResult<Vec<u8>> {
    let cps = s.to_cps();
    let (bom, chunk_enc) = split_bom(enc);
    let mut out = bom.to_vec();
    let mut pos = 0;
    loop {
        let rest = PyStrData::from_code_points(cps.get(pos..).unwrap_or(&[]));
        let info = match str_codecs::encode(&rest, &chunk_enc, "strict") {
            Ok(b) => {
                out.extend(b);
                return Ok(out);
            }
            Err(TextError::UnicodeEncode(info)) => info,
            Err(e) => return Err(text_err(vm, e)),
        };
        let (start, end) = (pos + info.start, pos + info.end);
        let prefix = PyStrData::from_code_points(cps.get(pos..start).unwrap_or(&[]));
        out.extend(str_codecs::encode(&prefix, &chunk_enc, "strict").map_err(|e| text_err(vm, e))?);
        let ty = Value::Obj(vm.exc_type(crate::objects::exception::ExcKind::UnicodeEncodeError));
        let exc_args = [
            vm.new_str(info.encoding),
            sv.clone(),
            Value::Int(start as i64),
            Value::Int(end as i64),
            vm.new_str(info.reason),
        ];
        let exc = vm.call(&ty, &exc_args)?;
        let r = vm.call(handler, &[exc.clone()])?;
        let (repl, newpos) = handler_result(
            vm,
            &r,
            cps.len(),
            "encoding error handler must return (str/bytes, int) tuple",
        )?;
        if let Some(rs) = vm.as_str_obj(&repl).and_then(|_| str_data(&repl)) {
            match str_codecs::encode(&rs, &chunk_enc, "strict") {
                Ok(b) => out.extend(b),
                Err(_) => {
                    return Err(crate::vm::PyErr(match exc {
                        Value::Obj(o) => o,
                        _ => return Err(vm.type_error("bad exception")),
                    }))
                }
            }
        } else if let Some(b) = crate::objects::bytes::bytes_of(&repl) {
            out.extend(b);
        } else {
            return Err(vm.type_error("encoding error handler must return (str/bytes, int) tuple"));
        }
        pos = newpos;
    }
}

/// `b` decoded with native codec `enc`; a registered error handler is
/// called for the bytes the codec cannot decode.
pub(crate) fn decode_bytes(vm: &mut Vm, b: &[u8], enc: &str, errors: &str) -> PyResult<PyStrData> {
    match str_codecs::decode(b, enc, errors) {
        Ok(s) => Ok(s),
        Err(e) if is_unknown_handler(&e) => {
            let handler = super::lookup_error(vm, errors)?;
            decode_custom(vm, b, enc, &handler)
        }
        Err(e) => {
            let is_dec = matches!(e, TextError::UnicodeDecode(_));
            let err = text_err(vm, e);
            if is_dec {
                let obj = vm.new_bytes(str_codecs::decode_object(b, enc).to_vec());
                vm.set_attr_raw(&err.0, "object", obj);
            }
            Err(err)
        }
    }
}

/// For BOM-reading codecs: the BOM length and the codec for the rest.
fn detect_bom(b: &[u8], enc: &str) -> (usize, String) {
    let norm = enc.to_ascii_lowercase().replace(['-', ' '], "_");
    match norm.as_str() {
        "utf_16" | "utf16" => {
            if b.starts_with(&[0xFE, 0xFF]) {
                (2, "utf-16-be".into())
            } else if b.starts_with(&[0xFF, 0xFE]) {
                (2, "utf-16-le".into())
            } else {
                (0, "utf-16-le".into())
            }
        }
        "utf_32" | "utf32" => {
            if b.starts_with(&[0, 0, 0xFE, 0xFF]) {
                (4, "utf-32-be".into())
            } else if b.starts_with(&[0xFF, 0xFE, 0, 0]) {
                (4, "utf-32-le".into())
            } else {
                (0, "utf-32-le".into())
            }
        }
        "utf_8_sig" => (
            if b.starts_with(&[0xEF, 0xBB, 0xBF]) {
                3
            } else {
                0
            },
            "utf-8".into(),
        ),
        _ => (0, enc.to_string()),
    }
}

fn decode_custom(vm: &mut Vm, b: &[u8], enc: &str, handler: &Value) -> PyResult<PyStrData> {
    let (skip, chunk_enc) = detect_bom(b, enc);
    let obj = vm.new_bytes(b.to_vec());
    let mut out: Vec<u32> = Vec::new();
    let mut pos = skip;
    loop {
        let rest = b.get(pos..).unwrap_or(&[]);
        let info = match str_codecs::decode(rest, &chunk_enc, "strict") {
            Ok(s) => {
                out.extend(s.to_cps());
                return Ok(PyStrData::from_code_points(&out));
            }
            Err(TextError::UnicodeDecode(info)) => info,
            Err(e) => return Err(text_err(vm, e)),
        };
        let (start, end) = (pos + info.start, pos + info.end);
        let prefix = b.get(pos..start).unwrap_or(&[]);
        let ps = str_codecs::decode(prefix, &chunk_enc, "strict").map_err(|e| text_err(vm, e))?;
        out.extend(ps.to_cps());
        let ty = Value::Obj(vm.exc_type(crate::objects::exception::ExcKind::UnicodeDecodeError));
        let exc_args = [
            vm.new_str(info.encoding),
            obj.clone(),
            Value::Int(start as i64),
            Value::Int(end as i64),
            vm.new_str(info.reason),
        ];
        let exc = vm.call(&ty, &exc_args)?;
        let r = vm.call(handler, &[exc])?;
        let (repl, newpos) = handler_result(
            vm,
            &r,
            b.len(),
            "decoding error handler must return (str, int) tuple",
        )?;
        match vm.as_str_obj(&repl) {
            Some(s) => out.extend(s.code_points()),
            None => {
                return Err(vm.type_error("decoding error handler must return (str, int) tuple"))
            }
        }
        pos = newpos.max(skip);
    }
}

/// Trailing bytes of `b` that start a UTF-8 sequence left unfinished.
fn utf8_incomplete_tail(b: &[u8]) -> usize {
    for back in 1..=3.min(b.len()) {
        let i = b.len() - back;
        let lead = b[i];
        let need = match lead {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            0x80..=0xBF => continue,
            _ => return 0,
        };
        if back >= need {
            return 0;
        }
        let second_ok = |c: u8| match lead {
            0xE0 => (0xA0..=0xBF).contains(&c),
            0xED => (0x80..=0x9F).contains(&c),
            0xF0 => (0x90..=0xBF).contains(&c),
            0xF4 => (0x80..=0x8F).contains(&c),
            _ => (0x80..=0xBF).contains(&c),
        };
        let tail = &b[i + 1..];
        let ok = tail.iter().enumerate().all(|(k, &c)| {
            if k == 0 {
                second_ok(c)
            } else {
                (0x80..=0xBF).contains(&c)
            }
        });
        return if ok { back } else { 0 };
    }
    0
}

/// Trailing bytes of UTF-16/32 data that do not form a complete character.
fn utf16_incomplete_tail(b: &[u8], big: bool) -> usize {
    let odd = b.len() % 2;
    let even = b.len() - odd;
    if even >= 2 {
        let (x, y) = (b[even - 2], b[even - 1]);
        let unit = if big {
            u16::from_be_bytes([x, y])
        } else {
            u16::from_le_bytes([x, y])
        };
        if (0xD800..=0xDBFF).contains(&unit) {
            return odd + 2;
        }
    }
    odd
}

/// Trailing bytes of escape-codec data that start an unfinished escape.
fn escape_incomplete_tail(b: &[u8], raw: bool) -> usize {
    let Some(bs) = b.iter().rposition(|&c| c == b'\\') else {
        return 0;
    };
    let run = b[..=bs].iter().rev().take_while(|&&c| c == b'\\').count();
    if run % 2 == 0 {
        return 0;
    }
    let rest = &b[bs + 1..];
    let need = match rest.first() {
        None => return b.len() - bs,
        Some(b'x') if !raw => 3,
        Some(b'u') => 5,
        Some(b'U') => 9,
        Some(b'N') if !raw => {
            return if rest.contains(&b'}') {
                0
            } else {
                b.len() - bs
            };
        }
        _ => return 0,
    };
    if rest.len() < need && rest.iter().skip(1).all(|c| c.is_ascii_hexdigit()) {
        b.len() - bs
    } else {
        0
    }
}

fn pair(vm: &Vm, a: Value, n: usize) -> Value {
    vm.new_tuple_of([a, Value::Int(n as i64)])
}

fn str_result(vm: &Vm, s: &PyStrData) -> Value {
    crate::objects::bytes::str_value(vm, s)
}

/// An encoder `name(str, errors=None)` for codec `enc`.
fn encoder(vm: &mut Vm, args: Args, name: &str, enc: &str) -> PyResult<Value> {
    let a = pos_args(vm, args, name, 1, 2)?;
    let s = str_param(vm, &a[0], name)?;
    let errors = errors_param(vm, a, 1, name)?;
    let b = encode_str(vm, &a[0], &s, enc, &errors)?;
    Ok(pair(vm, vm.new_bytes(b), s.len()))
}

/// What part of a decoder's input to decode when not `final`.
#[derive(Clone, Copy)]
enum Tail {
    None,
    Utf8,
    Utf16(bool),
    Utf32,
    Escape(bool),
}

fn cut_tail(b: &[u8], tail: Tail) -> usize {
    match tail {
        Tail::None => 0,
        Tail::Utf8 => utf8_incomplete_tail(b),
        Tail::Utf16(big) => utf16_incomplete_tail(b, big),
        Tail::Utf32 => b.len() % 4,
        Tail::Escape(raw) => escape_incomplete_tail(b, raw),
    }
}

/// A decoder `name(data, errors=None[, final=False])` for codec `enc`.
fn decoder(
    vm: &mut Vm,
    args: Args,
    name: &str,
    enc: &str,
    tail: Tail,
    has_final: bool,
    final_default: i64,
) -> PyResult<Value> {
    let max = if has_final { 3 } else { 2 };
    let a = pos_args(vm, args, name, 1, max)?;
    let escape = matches!(tail, Tail::Escape(_));
    let b = data_param(vm, &a[0], escape)?;
    let errors = errors_param(vm, a, 1, name)?;
    let fin = if has_final {
        int_param(vm, a, 2, final_default)? != 0
    } else {
        true
    };
    let n = if fin {
        b.len()
    } else {
        b.len() - cut_tail(&b, tail)
    };
    let data = b.get(..n).unwrap_or(&[]);
    let s = decode_bytes(vm, data, enc, &errors)?;
    Ok(pair(vm, str_result(vm, &s), n))
}

/// UTF-16/32 decoding with an explicit or detected byte order; returns
/// the text, the bytes consumed and the byte order in effect.
fn utf_decode_ordered(
    vm: &mut Vm,
    b: &[u8],
    errors: &str,
    wide: bool,
    byteorder: i64,
    fin: bool,
) -> PyResult<(Value, usize, i64)> {
    let (bom_be, bom_le): (&[u8], &[u8]) = if wide {
        (&[0, 0, 0xFE, 0xFF], &[0xFF, 0xFE, 0, 0])
    } else {
        (&[0xFE, 0xFF], &[0xFF, 0xFE])
    };
    let mut order = byteorder;
    let mut skip = 0;
    if byteorder == 0 {
        if b.starts_with(bom_be) {
            order = 1;
            skip = bom_be.len();
        } else if b.starts_with(bom_le) {
            order = -1;
            skip = bom_le.len();
        }
    }
    let big = order > 0;
    let rest = b.get(skip..).unwrap_or(&[]);
    let tail = if fin {
        0
    } else if wide {
        rest.len() % 4
    } else {
        utf16_incomplete_tail(rest, big)
    };
    let n = rest.len() - tail;
    let enc = match (wide, big) {
        (false, false) => "utf-16-le",
        (false, true) => "utf-16-be",
        (true, false) => "utf-32-le",
        (true, true) => "utf-32-be",
    };
    let s = decode_bytes(vm, rest.get(..n).unwrap_or(&[]), enc, errors)?;
    let consumed = if n == 0 && tail > 0 && skip == 0 {
        0
    } else {
        skip + n
    };
    Ok((str_result(vm, &s), consumed, order))
}

macro_rules! encoders {
    ($($f:ident, $name:literal, $enc:literal;)*) => {
        $(fn $f(vm: &mut Vm, args: Args) -> PyResult<Value> {
            encoder(vm, args, $name, $enc)
        })*
    };
}

encoders! {
    utf_8_encode, "utf_8_encode", "utf-8";
    latin_1_encode, "latin_1_encode", "latin-1";
    ascii_encode, "ascii_encode", "ascii";
    utf_16_le_encode, "utf_16_le_encode", "utf-16-le";
    utf_16_be_encode, "utf_16_be_encode", "utf-16-be";
    utf_32_le_encode, "utf_32_le_encode", "utf-32-le";
    utf_32_be_encode, "utf_32_be_encode", "utf-32-be";
    unicode_escape_encode, "unicode_escape_encode", "unicode_escape";
    raw_unicode_escape_encode, "raw_unicode_escape_encode", "raw_unicode_escape";
}

macro_rules! decoders {
    ($($f:ident, $name:literal, $enc:literal, $tail:expr, $has_final:expr, $fin:expr;)*) => {
        $(fn $f(vm: &mut Vm, args: Args) -> PyResult<Value> {
            decoder(vm, args, $name, $enc, $tail, $has_final, $fin)
        })*
    };
}

decoders! {
    utf_8_decode, "utf_8_decode", "utf-8", Tail::Utf8, true, 0;
    latin_1_decode, "latin_1_decode", "latin-1", Tail::None, false, 1;
    ascii_decode, "ascii_decode", "ascii", Tail::None, false, 1;
    utf_16_le_decode, "utf_16_le_decode", "utf-16-le", Tail::Utf16(false), true, 0;
    utf_16_be_decode, "utf_16_be_decode", "utf-16-be", Tail::Utf16(true), true, 0;
    utf_32_le_decode, "utf_32_le_decode", "utf-32-le", Tail::Utf32, true, 0;
    utf_32_be_decode, "utf_32_be_decode", "utf-32-be", Tail::Utf32, true, 0;
    unicode_escape_decode, "unicode_escape_decode", "unicode_escape", Tail::Escape(false), true, 1;
    raw_unicode_escape_decode, "raw_unicode_escape_decode", "raw_unicode_escape", Tail::Escape(true), true, 1;
}

/// `utf_16_encode(str, errors=None, byteorder=0)` and the UTF-32 one.
fn utf_encode_bom(vm: &mut Vm, args: Args, name: &str, wide: bool) -> PyResult<Value> {
    let a = pos_args(vm, args, name, 1, 3)?;
    let s = str_param(vm, &a[0], name)?;
    let errors = errors_param(vm, a, 1, name)?;
    let order = int_param(vm, a, 2, 0)?;
    let enc = match (wide, order.signum()) {
        (false, 0) => "utf-16",
        (false, -1) => "utf-16-le",
        (false, _) => "utf-16-be",
        (true, 0) => "utf-32",
        (true, -1) => "utf-32-le",
        (true, _) => "utf-32-be",
    };
    let b = encode_str(vm, &a[0], &s, enc, &errors)?;
    Ok(pair(vm, vm.new_bytes(b), s.len()))
}

fn utf_16_encode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    utf_encode_bom(vm, args, "utf_16_encode", false)
}

fn utf_32_encode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    utf_encode_bom(vm, args, "utf_32_encode", true)
}

/// `utf_16_decode(data, errors=None, final=False)` and
/// `utf_16_ex_decode(data, errors=None, byteorder=0, final=False)`.
fn utf_decode_bom(vm: &mut Vm, args: Args, name: &str, wide: bool, ex: bool) -> PyResult<Value> {
    let a = pos_args(vm, args, name, 1, if ex { 4 } else { 3 })?;
    let b = data_param(vm, &a[0], false)?;
    let errors = errors_param(vm, a, 1, name)?;
    let (order, fin) = if ex {
        (int_param(vm, a, 2, 0)?, int_param(vm, a, 3, 0)?)
    } else {
        (0, int_param(vm, a, 2, 0)?)
    };
    let (s, n, detected) = utf_decode_ordered(vm, &b, &errors, wide, order, fin != 0)?;
    if ex {
        let bo = if order == 0 && n == 0 { 0 } else { detected };
        let bo = if order == 0
            && !(b.starts_with(&[0xFE, 0xFF])
                || b.starts_with(&[0xFF, 0xFE])
                || b.starts_with(&[0, 0, 0xFE, 0xFF]))
        {
            0
        } else {
            bo
        };
        Ok(vm.new_tuple_of([s, Value::Int(n as i64), Value::Int(bo)]))
    } else {
        Ok(pair(vm, s, n))
    }
}

fn utf_16_decode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    utf_decode_bom(vm, args, "utf_16_decode", false, false)
}

fn utf_32_decode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    utf_decode_bom(vm, args, "utf_32_decode", true, false)
}

fn utf_16_ex_decode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    utf_decode_bom(vm, args, "utf_16_ex_decode", false, true)
}

fn utf_32_ex_decode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    utf_decode_bom(vm, args, "utf_32_ex_decode", true, true)
}

/// `escape_encode(data, errors=None)`: bytes as a Python bytes literal body.
fn escape_encode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "escape_encode", 1, 2)?;
    let Some(b) = crate::objects::bytes::bytes_of(&a[0])
        .filter(|_| matches!(&a[0], Value::Obj(o) if matches!(o.payload, Payload::Bytes(_))))
    else {
        return Err(vm.type_error(format!(
            "escape_encode() argument 1 must be bytes, not {}",
            vm.arg_type_name(&a[0])
        )));
    };
    errors_param(vm, a, 1, "escape_encode")?;
    let mut out = Vec::with_capacity(b.len());
    for &c in &b {
        match c {
            b'\'' => out.extend_from_slice(b"\\'"),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0x20..=0x7E => out.push(c),
            _ => out.extend_from_slice(format!("\\x{c:02x}").as_bytes()),
        }
    }
    Ok(pair(vm, vm.new_bytes(out), b.len()))
}

/// `escape_decode(data, errors=None)`: a bytes literal body's escapes.
fn escape_decode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "escape_decode", 1, 2)?;
    let b = data_param(vm, &a[0], true)?;
    let errors = errors_param(vm, a, 1, "escape_decode")?;
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        i += 1;
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let Some(&e) = b.get(i) else {
            return Err(vm.value_error("Trailing \\ in string"));
        };
        i += 1;
        match e {
            b'\n' => {}
            b'\\' => out.push(b'\\'),
            b'\'' => out.push(b'\''),
            b'"' => out.push(b'"'),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b't' => out.push(b'\t'),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b'v' => out.push(11),
            b'a' => out.push(7),
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                for _ in 0..2 {
                    match b.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(v as u8);
            }
            b'x' => {
                let hex = |d: Option<&u8>| d.and_then(|&d| char::from(d).to_digit(16));
                match (hex(b.get(i)), hex(b.get(i + 1))) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => match errors.as_str() {
                        "strict" => {
                            return Err(
                                vm.value_error(format!("invalid \\x escape at position {}", i - 2))
                            )
                        }
                        "replace" => {
                            out.push(b'?');
                            i += b.get(i).is_some_and(|d| d.is_ascii_hexdigit()) as usize;
                        }
                        "ignore" => {
                            i += b.get(i).is_some_and(|d| d.is_ascii_hexdigit()) as usize;
                        }
                        other => {
                            return Err(vm.value_error(format!(
                                "decoding error; unknown error handling code: {other}"
                            )))
                        }
                    },
                }
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Ok(pair(vm, vm.new_bytes(out), b.len()))
}

/// `readbuffer_encode(data, errors=None)`: the bytes of a buffer or str.
fn readbuffer_encode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "readbuffer_encode", 1, 2)?;
    let b = data_param(vm, &a[0], true)?;
    errors_param(vm, a, 1, "readbuffer_encode")?;
    let n = b.len();
    Ok(pair(vm, vm.new_bytes(b), n))
}

pub(super) const FUNCS: &[(&str, NativeFn)] = &[
    ("utf_8_encode", utf_8_encode),
    ("utf_8_decode", utf_8_decode),
    ("latin_1_encode", latin_1_encode),
    ("latin_1_decode", latin_1_decode),
    ("ascii_encode", ascii_encode),
    ("ascii_decode", ascii_decode),
    ("utf_16_encode", utf_16_encode),
    ("utf_16_decode", utf_16_decode),
    ("utf_16_le_encode", utf_16_le_encode),
    ("utf_16_le_decode", utf_16_le_decode),
    ("utf_16_be_encode", utf_16_be_encode),
    ("utf_16_be_decode", utf_16_be_decode),
    ("utf_16_ex_decode", utf_16_ex_decode),
    ("utf_32_encode", utf_32_encode),
    ("utf_32_decode", utf_32_decode),
    ("utf_32_le_encode", utf_32_le_encode),
    ("utf_32_le_decode", utf_32_le_decode),
    ("utf_32_be_encode", utf_32_be_encode),
    ("utf_32_be_decode", utf_32_be_decode),
    ("utf_32_ex_decode", utf_32_ex_decode),
    ("unicode_escape_encode", unicode_escape_encode),
    ("unicode_escape_decode", unicode_escape_decode),
    ("raw_unicode_escape_encode", raw_unicode_escape_encode),
    ("raw_unicode_escape_decode", raw_unicode_escape_decode),
    ("escape_encode", escape_encode),
    ("escape_decode", escape_decode),
    ("readbuffer_encode", readbuffer_encode),
];
