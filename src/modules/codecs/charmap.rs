//! The charmap codecs behind Lib/encodings/cp*.py, iso8859_*.py, ...:
//! `charmap_decode` (a decoding-table str or any mapping), `charmap_encode`
//! (an `EncodingMap` from `charmap_build`, or any mapping) and
//! `charmap_build`, with CPython's messages and the error handlers.

use std::collections::HashMap;

use crate::objects::exception::ExcKind;
use crate::objects::function::{Args, NativeFn};
use crate::objects::native::NativeData;
use crate::objects::str_methods::str_data;
use crate::objects::typeobj::Layout;
use crate::objects::Payload;
use crate::text::PyStrData;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

use super::pos_args;

/// `EncodingMap`: code point -> byte, built from a 256-character table.
struct EncodingMap {
    map: HashMap<u32, u8>,
}

impl NativeData for EncodingMap {}

fn errors_of(vm: &Vm, a: &[Value], func: &str) -> PyResult<String> {
    match a.get(1) {
        None | Some(Value::None) => Ok("strict".into()),
        Some(v) => match vm.as_str_obj(v) {
            Some(s) => Ok(s.as_str().to_string()),
            None => Err(vm.type_error(format!(
                "{func}() argument 2 must be str or None, not {}",
                vm.arg_type_name(v)
            ))),
        },
    }
}

/// What a decoding mapping gives for a byte: code points, or undefined.
/// `table` is the mapping's code points when it is a str.
fn decode_one(
    vm: &mut Vm,
    mapping: &Value,
    table: Option<&[u32]>,
    b: u8,
) -> PyResult<Option<Vec<u32>>> {
    if let Some(t) = table {
        return Ok(match t.get(usize::from(b)) {
            Some(&c) if c != 0xFFFE => Some(vec![c]),
            _ => None,
        });
    }
    let v = match vm.getitem(mapping, &Value::Int(i64::from(b))) {
        Ok(v) => v,
        Err(e) if vm.err_is(&e, ExcKind::LookupError) => return Ok(None),
        Err(e) => return Err(e),
    };
    if v.is_none() {
        return Ok(None);
    }
    if let Value::Int(n) = v {
        if !(0..0x110000).contains(&n) {
            return Err(vm.type_error("character mapping must be in range(0x110000)"));
        }
        return Ok(if n == 0xFFFE {
            None
        } else {
            Some(vec![n as u32])
        });
    }
    if let Some(s) = vm.as_str_obj(&v) {
        let cps = s.code_points();
        return Ok(if cps == [0xFFFE] { None } else { Some(cps) });
    }
    Err(vm.type_error("character mapping must return integer, None or str"))
}

fn decode_error(vm: &mut Vm, data: &[u8], pos: usize) -> PyResult<PyErr> {
    let ty = Value::Obj(vm.exc_type(ExcKind::UnicodeDecodeError));
    let args = [
        vm.new_str("charmap"),
        vm.new_bytes(data.to_vec()),
        Value::Int(pos as i64),
        Value::Int(pos as i64 + 1),
        vm.new_str("character maps to <undefined>"),
    ];
    match vm.call(&ty, &args)? {
        Value::Obj(o) => Ok(PyErr(o)),
        _ => Err(vm.system_error("bad exception")),
    }
}

fn charmap_decode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "charmap_decode", 1, 3)?;
    let data = match crate::objects::bytes::buffer_bytes(vm, &a[0])? {
        Some(b) => b,
        None => {
            return Err(vm.type_error(format!(
                "a bytes-like object is required, not '{}'",
                vm.type_name_of(&a[0])
            )))
        }
    };
    let errors = errors_of(vm, a, "charmap_decode")?;
    let mapping = a.get(2).cloned().unwrap_or(Value::None);
    if mapping.is_none() {
        let s = super::funcs::decode_bytes(vm, &data, "latin-1", &errors)?;
        let n = data.len();
        return Ok(vm.new_tuple_of([
            crate::objects::bytes::str_value(vm, &s),
            Value::Int(n as i64),
        ]));
    }
    let table = vm.as_str_obj(&mapping).map(|s| s.code_points());
    let mut out: Vec<u32> = Vec::with_capacity(data.len());
    let mut i = 0;
    while let Some(&b) = data.get(i) {
        if let Some(cps) = decode_one(vm, &mapping, table.as_deref(), b)? {
            out.extend(cps);
            i += 1;
            continue;
        }
        match errors.as_str() {
            "strict" => return Err(decode_error(vm, &data, i)?),
            "ignore" => i += 1,
            "replace" => {
                out.push(0xFFFD);
                i += 1;
            }
            "backslashreplace" => {
                out.extend(format!("\\x{b:02x}").chars().map(u32::from));
                i += 1;
            }
            "surrogateescape" if b >= 0x80 => {
                out.push(0xDC00 + u32::from(b));
                i += 1;
            }
            "surrogateescape" | "surrogatepass" => return Err(decode_error(vm, &data, i)?),
            name => {
                let handler = super::lookup_error(vm, name)?;
                let exc = decode_error(vm, &data, i)?;
                let r = vm.call(&handler, &[Value::Obj(exc.0)])?;
                let items = vm.seq_items(&r).filter(|t| t.len() == 2);
                let Some(items) = items else {
                    return Err(
                        vm.type_error("decoding error handler must return (str, int) tuple")
                    );
                };
                match (vm.as_str_obj(&items[0]), &items[1]) {
                    (Some(s), Value::Int(p)) => {
                        out.extend(s.code_points());
                        let p = if *p < 0 { data.len() as i64 + p } else { *p };
                        if p < 0 || p > data.len() as i64 {
                            return Err(vm.index_error(format!(
                                "position {p} from error handler out of bounds"
                            )));
                        }
                        i = p as usize;
                    }
                    _ => {
                        return Err(
                            vm.type_error("decoding error handler must return (str, int) tuple")
                        )
                    }
                }
            }
        }
    }
    let s = crate::objects::bytes::str_value(vm, &PyStrData::from_code_points(&out));
    Ok(vm.new_tuple_of([s, Value::Int(data.len() as i64)]))
}

/// What an encoding mapping gives for a code point: bytes, or undefined.
fn encode_one(vm: &mut Vm, mapping: &Value, c: u32) -> PyResult<Option<Vec<u8>>> {
    if let Some(em) = vm.native::<EncodingMap>(mapping) {
        return Ok(em.map.get(&c).map(|&b| vec![b]));
    }
    let v = match vm.getitem(mapping, &Value::Int(i64::from(c))) {
        Ok(v) => v,
        Err(e) if vm.err_is(&e, ExcKind::LookupError) => return Ok(None),
        Err(e) => return Err(e),
    };
    match &v {
        Value::None => Ok(None),
        Value::Int(n) => match u8::try_from(*n) {
            Ok(b) => Ok(Some(vec![b])),
            Err(_) => Err(vm.type_error("character mapping must be in range(256)")),
        },
        Value::Obj(o) if matches!(o.payload, Payload::Bytes(_)) => {
            Ok(crate::objects::bytes::bytes_of(&v))
        }
        _ => Err(vm.type_error(format!(
            "character mapping must return integer, bytes or None, not {}",
            vm.type_name_of(&v)
        ))),
    }
}

fn encode_error(vm: &mut Vm, s: &Value, start: usize, end: usize) -> PyResult<PyErr> {
    let ty = Value::Obj(vm.exc_type(ExcKind::UnicodeEncodeError));
    let args = [
        vm.new_str("charmap"),
        s.clone(),
        Value::Int(start as i64),
        Value::Int(end as i64),
        vm.new_str("character maps to <undefined>"),
    ];
    match vm.call(&ty, &args)? {
        Value::Obj(o) => Ok(PyErr(o)),
        _ => Err(vm.system_error("bad exception")),
    }
}

/// Encode replacement text through the mapping, or fail with `exc`.
fn encode_through(
    vm: &mut Vm,
    mapping: &Value,
    text: &[u32],
    out: &mut Vec<u8>,
    exc: &PyErr,
) -> PyResult<()> {
    for &c in text {
        match encode_one(vm, mapping, c)? {
            Some(b) => out.extend(b),
            None => return Err(exc.clone()),
        }
    }
    Ok(())
}

fn charmap_encode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "charmap_encode", 1, 3)?;
    let Some(s) = str_data(&a[0]).filter(|_| vm.as_str_obj(&a[0]).is_some()) else {
        return Err(vm.type_error(format!(
            "charmap_encode() argument 1 must be str, not {}",
            vm.arg_type_name(&a[0])
        )));
    };
    let errors = errors_of(vm, a, "charmap_encode")?;
    let mapping = a.get(2).cloned().unwrap_or(Value::None);
    if mapping.is_none() {
        let b = super::funcs::encode_str(vm, &a[0], &s, "latin-1", &errors)?;
        return Ok(vm.new_tuple_of([vm.new_bytes(b), Value::Int(s.len() as i64)]));
    }
    let cps = s.to_cps();
    let mut out = Vec::with_capacity(cps.len());
    let mut i = 0;
    while let Some(&c) = cps.get(i) {
        if let Some(b) = encode_one(vm, &mapping, c)? {
            out.extend(b);
            i += 1;
            continue;
        }
        let mut end = i + 1;
        while let Some(&d) = cps.get(end) {
            if encode_one(vm, &mapping, d)?.is_some() {
                break;
            }
            end += 1;
        }
        let exc = encode_error(vm, &a[0], i, end)?;
        let bad = cps.get(i..end).unwrap_or(&[]).to_vec();
        match errors.as_str() {
            "strict" | "surrogateescape" | "surrogatepass" => return Err(exc),
            "ignore" => {}
            "replace" => {
                for _ in i..end {
                    encode_through(vm, &mapping, &[u32::from(b'?')], &mut out, &exc)?;
                }
            }
            "xmlcharrefreplace" => {
                for c in &bad {
                    let t: Vec<u32> = format!("&#{c};").chars().map(u32::from).collect();
                    encode_through(vm, &mapping, &t, &mut out, &exc)?;
                }
            }
            "backslashreplace" => {
                for &c in &bad {
                    let t = if c <= 0xFF {
                        format!("\\x{c:02x}")
                    } else if c <= 0xFFFF {
                        format!("\\u{c:04x}")
                    } else {
                        format!("\\U{c:08x}")
                    };
                    let t: Vec<u32> = t.chars().map(u32::from).collect();
                    encode_through(vm, &mapping, &t, &mut out, &exc)?;
                }
            }
            name => {
                let handler = super::lookup_error(vm, name)?;
                let r = vm.call(&handler, &[Value::Obj(exc.0.clone())])?;
                let items = vm.seq_items(&r).filter(|t| t.len() == 2);
                let msg = "encoding error handler must return (str/bytes, int) tuple";
                let Some(items) = items else {
                    return Err(vm.type_error(msg));
                };
                let Value::Int(p) = items[1] else {
                    return Err(vm.type_error(msg));
                };
                if let Some(rs) = vm.as_str_obj(&items[0]) {
                    let t = rs.code_points();
                    encode_through(vm, &mapping, &t, &mut out, &exc)?;
                } else if let Some(b) = crate::objects::bytes::bytes_of(&items[0]) {
                    out.extend(b);
                } else {
                    return Err(vm.type_error(msg));
                }
                let p = if p < 0 { cps.len() as i64 + p } else { p };
                if p < 0 || p > cps.len() as i64 {
                    return Err(
                        vm.index_error(format!("position {p} from error handler out of bounds"))
                    );
                }
                i = p as usize;
                continue;
            }
        }
        i = end;
    }
    Ok(vm.new_tuple_of([vm.new_bytes(out), Value::Int(cps.len() as i64)]))
}

/// `charmap_build(map)`: an `EncodingMap` for a 256-character table, a
/// dict `{ord(c): i}` otherwise.
fn charmap_build(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "charmap_build", 1, 1)?;
    let Some(s) = vm.as_str_obj(&a[0]) else {
        return Err(vm.type_error(format!(
            "charmap_build() argument must be str, not {}",
            vm.arg_type_name(&a[0])
        )));
    };
    let cps = s.code_points();
    if cps.len() == 256 {
        let mut map = HashMap::new();
        for (i, &c) in cps.iter().enumerate() {
            if c != 0xFFFE {
                map.entry(c).or_insert(i as u8);
            }
        }
        let t = super::state(vm, &args)?.em_type.clone();
        return Ok(Value::Obj(vm.new_native(&t, EncodingMap { map })));
    }
    let d = vm.new_dict();
    for (i, &c) in cps.iter().enumerate() {
        vm.dict_set(&d, Value::Int(i64::from(c)), Value::Int(i as i64))?;
    }
    Ok(Value::Obj(d))
}

fn em_size(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let em = vm.native_self::<EncodingMap>(&args, "EncodingMap", "size")?;
    Ok(Value::Int(em.map.len() as i64))
}

pub(super) fn install(vm: &mut Vm) -> PyRef {
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "builtins",
        "EncodingMap",
        &object,
        Layout::Native("EncodingMap"),
        0,
    );
    vm.add_methods(&t, &[("size", em_size)]);
    t
}

pub(super) const FUNCS: &[(&str, NativeFn)] = &[
    ("charmap_decode", charmap_decode),
    ("charmap_encode", charmap_encode),
    ("charmap_build", charmap_build),
];
