//! Encoding and decoding loops with CPython's error handling
//! (Modules/cjkcodecs/multibytecodec.c: `multibytecodec_encerror` and
//! `multibytecodec_decerror`): "strict", "ignore" and "replace" handled
//! here, other names through `codecs.lookup_error`; reasons "illegal
//! multibyte sequence" and "incomplete multibyte sequence".

use super::engine::{Codec, Enc, State};
use super::tables::Step;
use crate::objects::exception::ExcKind;
use crate::objects::StrObj;
use crate::vm::value::Value;
use crate::vm::{PyErr, PyResult, Vm};

const ILLEGAL: &str = "illegal multibyte sequence";
const INCOMPLETE: &str = "incomplete multibyte sequence";

/// A str value from code points.
pub fn str_from(vm: &Vm, cps: &[u32]) -> Value {
    match cps
        .iter()
        .map(|&c| char::from_u32(c))
        .collect::<Option<String>>()
    {
        Some(s) => vm.new_string(s),
        None => Value::Obj(vm.new_obj(
            &vm.types.str,
            crate::objects::Payload::Str(StrObj::from_code_points(cps)),
        )),
    }
}

fn make_exc(vm: &mut Vm, kind: ExcKind, args: Vec<Value>) -> PyResult<PyErr> {
    let ty = Value::Obj(vm.exc_type(kind));
    match vm.call(&ty, &args)? {
        Value::Obj(o) => Ok(PyErr(o)),
        _ => Err(vm.system_error("bad exception")),
    }
}

/// The handler's `(replacement, position)`, checked as CPython does.
fn handler_result(vm: &mut Vm, r: &Value, encoding: bool) -> PyResult<(Value, i64)> {
    let msg = if encoding {
        "encoding error handler must return (str, int) tuple"
    } else {
        "decoding error handler must return (str, int) tuple"
    };
    let is_tuple =
        matches!(r, Value::Obj(o) if matches!(o.payload, crate::objects::Payload::Tuple(_)));
    let items = if is_tuple { vm.seq_items(r) } else { None };
    let Some(items) = items.filter(|t| t.len() == 2) else {
        return Err(vm.type_error(msg));
    };
    let okrep = vm.as_str_obj(&items[0]).is_some()
        || (encoding
            && crate::objects::bytes::bytes_of(&items[0]).is_some()
            && matches!(&items[0], Value::Obj(o) if matches!(o.payload, crate::objects::Payload::Bytes(_))));
    if !okrep || !crate::objects::int::is_int(&items[1]) {
        return Err(vm.type_error(msg));
    }
    let pos = match vm.index_value(&items[1])? {
        Some(p) => p,
        None => return Err(vm.type_error(msg)),
    };
    Ok((items[0].clone(), pos))
}

/// Encode `text` (code points) from state `st`. `last`: no more text
/// follows (CPython's MBENC_FLUSH and MBENC_RESET: a character that may
/// combine with the next is encoded alone, and the encoder returns to its
/// initial shift state); otherwise such a character at the end stays
/// unused. Returns the bytes and the characters used. `obj` is the str
/// for the exception objects (made from `text` when None).
pub fn encode(
    vm: &mut Vm,
    codec: &Codec,
    st: &mut State,
    text: &[u32],
    errors: &str,
    last: bool,
    mut obj: Option<Value>,
) -> PyResult<(Vec<u8>, usize)> {
    let mut out = Vec::with_capacity(text.len() * 2);
    let mut pos = 0;
    while pos < text.len() {
        let esize = match codec.encode_step(st, text, pos, last, &mut out) {
            Enc::Done(n) => {
                pos += n.max(1);
                continue;
            }
            Enc::Illegal(n) => n.max(1),
            Enc::TooFew => break,
        };
        let (start, end) = (pos, (pos + esize).min(text.len()));
        match errors {
            "ignore" => pos = end,
            "replace" => {
                if !codec.encode_char(st, u32::from('?'), &mut out) {
                    out.push(b'?');
                }
                pos = end;
            }
            _ => {
                let o = obj.get_or_insert_with(|| str_from(vm, text)).clone();
                let args = vec![
                    vm.new_str(codec.name),
                    o,
                    Value::Int(start as i64),
                    Value::Int(end as i64),
                    vm.new_str(ILLEGAL),
                ];
                let exc = make_exc(vm, ExcKind::UnicodeEncodeError, args)?;
                if errors == "strict" {
                    return Err(exc);
                }
                let handler = crate::modules::codecs::lookup_error(vm, errors)?;
                let r = vm.call(&handler, &[Value::Obj(exc.0)])?;
                let (rep, newpos) = handler_result(vm, &r, true)?;
                if let Some(s) = vm.as_str_obj(&rep) {
                    let cps = s.code_points();
                    // CPython encodes the replacement strictly, without
                    // returning to the initial state (MBENC_FLUSH only).
                    let b = encode_replacement(vm, codec, st, &cps, &rep)?;
                    out.extend_from_slice(&b);
                } else if let Some(b) = crate::objects::bytes::bytes_of(&rep) {
                    out.extend_from_slice(&b);
                }
                let n = text.len() as i64;
                let p = if newpos < 0 { newpos + n } else { newpos };
                if p < 0 || p > n {
                    return Err(vm.index_error(format!(
                        "position {newpos} from error handler out of bounds"
                    )));
                }
                pos = p as usize;
            }
        }
    }
    if last {
        codec.encoder_reset(st, &mut out);
    }
    Ok((out, pos))
}

/// An error handler's replacement text, encoded strictly with CPython's
/// MBENC_FLUSH (whole, but without returning to the initial state).
fn encode_replacement(
    vm: &mut Vm,
    codec: &Codec,
    st: &mut State,
    text: &[u32],
    obj: &Value,
) -> PyResult<Vec<u8>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        match codec.encode_step(st, text, pos, true, &mut out) {
            Enc::Done(n) => pos += n.max(1),
            Enc::Illegal(n) => {
                let args = vec![
                    vm.new_str(codec.name),
                    obj.clone(),
                    Value::Int(pos as i64),
                    Value::Int((pos + n.max(1)).min(text.len()) as i64),
                    vm.new_str(ILLEGAL),
                ];
                return Err(make_exc(vm, ExcKind::UnicodeEncodeError, args)?);
            }
            Enc::TooFew => break,
        }
    }
    Ok(out)
}

/// Decode `data` from state `st`. Returns the text and where decoding
/// stopped: the end, or (unless `last`) the start of an incomplete
/// sequence at the end.
pub fn decode(
    vm: &mut Vm,
    codec: &Codec,
    st: &mut State,
    data: &[u8],
    errors: &str,
    last: bool,
) -> PyResult<(Vec<u32>, usize)> {
    let mut out: Vec<u32> = Vec::with_capacity(data.len());
    let mut pos = 0;
    let mut obj: Option<Value> = None;
    while pos < data.len() {
        let rest = data.get(pos..).unwrap_or(&[]);
        let (esize, reason) = match codec.decode_step(st, rest) {
            Step::Out(c, n) => {
                if let Some(c) = c {
                    out.push(u32::from(c));
                }
                pos += n.max(1);
                continue;
            }
            Step::Out2(c, d, n) => {
                out.push(u32::from(c));
                out.push(u32::from(d));
                pos += n.max(1);
                continue;
            }
            Step::Illegal(n) => (n.max(1).min(rest.len()), ILLEGAL),
            Step::TooFew if !last => break,
            Step::TooFew => (rest.len(), INCOMPLETE),
        };
        let (start, end) = (pos, pos + esize);
        match errors {
            "ignore" => pos = end,
            "replace" => {
                out.push(0xFFFD);
                pos = end;
            }
            _ => {
                let o = obj
                    .get_or_insert_with(|| vm.new_bytes(data.to_vec()))
                    .clone();
                let args = vec![
                    vm.new_str(codec.name),
                    o,
                    Value::Int(start as i64),
                    Value::Int(end as i64),
                    vm.new_str(reason),
                ];
                let exc = make_exc(vm, ExcKind::UnicodeDecodeError, args)?;
                if errors == "strict" {
                    return Err(exc);
                }
                let handler = crate::modules::codecs::lookup_error(vm, errors)?;
                let r = vm.call(&handler, &[Value::Obj(exc.0)])?;
                let (rep, newpos) = handler_result(vm, &r, false)?;
                if let Some(s) = vm.as_str_obj(&rep) {
                    out.extend(s.code_points());
                }
                let n = data.len() as i64;
                let p = if newpos < 0 { newpos + n } else { newpos };
                if p < 0 || p > n {
                    return Err(vm.index_error(format!(
                        "position {newpos} from error handler out of bounds"
                    )));
                }
                pos = p as usize;
            }
        }
    }
    Ok((out, pos))
}
