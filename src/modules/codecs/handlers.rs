//! The builtin error handlers `codecs.lookup_error` returns (Python/codecs.c
//! `PyCodec_StrictErrors` ...): callables taking a UnicodeEncodeError,
//! UnicodeDecodeError or UnicodeTranslateError and returning
//! `(replacement, resume position)`.

use crate::objects::exception::ExcKind;
use crate::objects::function::{Args, Builtin, NativeFn};
use crate::objects::{Payload, StrObj};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Which {
    Encode,
    Decode,
    Translate,
}

/// The exception argument, what kind of UnicodeError it is, and its range.
struct ErrInfo {
    exc: Value,
    obj: PyRef,
    which: Which,
    start: usize,
    end: usize,
}

fn exc_arg(vm: &mut Vm, args: &Args, name: &str) -> PyResult<Value> {
    let a = vm.fn_args(name, *args, 1, 1)?;
    Ok(a[0].clone())
}

fn cant_handle(vm: &Vm, exc: &Value) -> PyErr {
    vm.type_error(format!(
        "don't know how to handle {} in error callback",
        vm.type_name_of(exc)
    ))
}

fn info(vm: &mut Vm, exc: Value) -> PyResult<ErrInfo> {
    let which = if vm.isinstance(&exc, &Value::Obj(vm.exc_type(ExcKind::UnicodeEncodeError)))? {
        Which::Encode
    } else if vm.isinstance(&exc, &Value::Obj(vm.exc_type(ExcKind::UnicodeDecodeError)))? {
        Which::Decode
    } else if vm.isinstance(
        &exc,
        &Value::Obj(vm.exc_type(ExcKind::UnicodeTranslateError)),
    )? {
        Which::Translate
    } else {
        return Err(cant_handle(vm, &exc));
    };
    let Value::Obj(obj) = exc.clone() else {
        return Err(cant_handle(vm, &exc));
    };
    let mut pos = [0usize; 2];
    for (slot, attr) in pos.iter_mut().zip(["start", "end"]) {
        let v = vm.getattr_str(&exc, attr)?;
        *slot = match vm.index_value(&v)? {
            Some(n) => usize::try_from(n).unwrap_or(0),
            None => 0,
        };
    }
    Ok(ErrInfo {
        exc,
        obj,
        which,
        start: pos[0],
        end: pos[1],
    })
}

/// `exc.object` as code points (encode/translate) or bytes (decode).
fn object_cps(vm: &mut Vm, e: &ErrInfo) -> PyResult<Vec<u32>> {
    let obj = vm.getattr_str(&e.exc, "object")?;
    if let Some(s) = vm.as_str_obj(&obj) {
        return Ok(s.code_points());
    }
    match crate::objects::bytes::buffer_bytes(vm, &obj)? {
        Some(b) => Ok(b.into_iter().map(u32::from).collect()),
        None => Err(vm.type_error("object attribute must be unicode")),
    }
}

fn result(vm: &Vm, repl: Value, pos: usize) -> Value {
    vm.new_tuple_of([repl, Value::Int(pos as i64)])
}

fn str_of_cps(vm: &Vm, cps: &[u32]) -> Value {
    Value::Obj(vm.new_obj(&vm.types.str, Payload::Str(StrObj::from_code_points(cps))))
}

fn reraise(e: &ErrInfo) -> PyErr {
    PyErr(e.obj.clone())
}

fn strict_errors(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let exc = exc_arg(vm, &args, "strict_errors")?;
    let base = Value::Obj(vm.exc_type(ExcKind::BaseException));
    if vm.isinstance(&exc, &base)? {
        if let Value::Obj(o) = exc {
            return Err(PyErr(o));
        }
    }
    Err(vm.type_error("codec must pass exception instance"))
}

fn ignore_errors(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let exc = exc_arg(vm, &args, "ignore_errors")?;
    let e = info(vm, exc)?;
    Ok(result(vm, vm.new_str(""), e.end))
}

fn replace_errors(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let exc = exc_arg(vm, &args, "replace_errors")?;
    let e = info(vm, exc)?;
    let n = e.end.saturating_sub(e.start);
    let repl = match e.which {
        Which::Encode => vm.new_string("?".repeat(n)),
        Which::Decode => vm.new_str("\u{FFFD}"),
        Which::Translate => vm.new_string("\u{FFFD}".repeat(n)),
    };
    Ok(result(vm, repl, e.end))
}

fn xmlcharrefreplace_errors(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let exc = exc_arg(vm, &args, "xmlcharrefreplace_errors")?;
    let e = info(vm, exc)?;
    if e.which != Which::Encode {
        return Err(cant_handle(vm, &e.exc));
    }
    let cps = object_cps(vm, &e)?;
    let mut out = String::new();
    for c in cps.get(e.start..e.end.min(cps.len())).unwrap_or(&[]) {
        out.push_str(&format!("&#{c};"));
    }
    Ok(result(vm, vm.new_string(out), e.end))
}

fn escape_cp(c: u32) -> String {
    if c <= 0xFF {
        format!("\\x{c:02x}")
    } else if c <= 0xFFFF {
        format!("\\u{c:04x}")
    } else {
        format!("\\U{c:08x}")
    }
}

fn backslashreplace_errors(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let exc = exc_arg(vm, &args, "backslashreplace_errors")?;
    let e = info(vm, exc)?;
    let cps = object_cps(vm, &e)?;
    let out: String = cps
        .get(e.start..e.end.min(cps.len()))
        .unwrap_or(&[])
        .iter()
        .map(|&c| escape_cp(c))
        .collect();
    Ok(result(vm, vm.new_string(out), e.end))
}

fn namereplace_errors(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let exc = exc_arg(vm, &args, "namereplace_errors")?;
    let e = info(vm, exc)?;
    if e.which != Which::Encode {
        return Err(cant_handle(vm, &e.exc));
    }
    let cps = object_cps(vm, &e)?;
    let out: String = cps
        .get(e.start..e.end.min(cps.len()))
        .unwrap_or(&[])
        .iter()
        .map(|&c| match crate::modules::unicodedata::char_name(c) {
            Some(n) => format!("\\N{{{n}}}"),
            None => escape_cp(c),
        })
        .collect();
    Ok(result(vm, vm.new_string(out), e.end))
}

fn surrogateescape(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let exc = exc_arg(vm, &args, "surrogateescape")?;
    let e = info(vm, exc)?;
    let cps = object_cps(vm, &e)?;
    let part = cps.get(e.start..e.end.min(cps.len())).unwrap_or(&[]);
    match e.which {
        Which::Encode => {
            if part.iter().any(|c| !(0xDC80..=0xDCFF).contains(c)) {
                return Err(reraise(&e));
            }
            let b: Vec<u8> = part.iter().map(|c| (c - 0xDC00) as u8).collect();
            Ok(result(vm, vm.new_bytes(b), e.end))
        }
        Which::Decode => {
            let mut out = Vec::new();
            let mut consumed = 0;
            for &b in part.iter().take(4) {
                if b < 128 {
                    break;
                }
                out.push(0xDC00 + b);
                consumed += 1;
            }
            if consumed == 0 {
                return Err(reraise(&e));
            }
            Ok(result(vm, str_of_cps(vm, &out), e.start + consumed))
        }
        Which::Translate => Err(cant_handle(vm, &e.exc)),
    }
}

/// The encoding family `surrogatepass` works for: bytes per unit and
/// byte order (None for UTF-8).
fn pass_kind(enc: &str) -> Option<Option<(usize, bool)>> {
    let norm = enc.to_ascii_lowercase().replace('_', "-");
    Some(match norm.as_str() {
        "utf-8" | "utf8" => None,
        "utf-16" | "utf-16-le" => Some((2, false)),
        "utf-16-be" => Some((2, true)),
        "utf-32" | "utf-32-le" => Some((4, false)),
        "utf-32-be" => Some((4, true)),
        _ => return None,
    })
}

fn surrogatepass(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let exc = exc_arg(vm, &args, "surrogatepass")?;
    let e = info(vm, exc)?;
    let encv = vm.getattr_str(&e.exc, "encoding")?;
    let enc = vm
        .as_str_obj(&encv)
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    let Some(kind) = pass_kind(&enc) else {
        return Err(reraise(&e));
    };
    let cps = object_cps(vm, &e)?;
    match e.which {
        Which::Encode => {
            let part = cps.get(e.start..e.end.min(cps.len())).unwrap_or(&[]);
            let mut out = Vec::new();
            for &c in part {
                if !(0xD800..=0xDFFF).contains(&c) {
                    return Err(reraise(&e));
                }
                match kind {
                    None => out.extend([
                        0xE0 | (c >> 12) as u8,
                        0x80 | ((c >> 6) & 0x3F) as u8,
                        0x80 | (c & 0x3F) as u8,
                    ]),
                    Some((2, big)) => {
                        let u = c as u16;
                        out.extend(if big {
                            u.to_be_bytes()
                        } else {
                            u.to_le_bytes()
                        });
                    }
                    Some((_, big)) => out.extend(if big {
                        c.to_be_bytes()
                    } else {
                        c.to_le_bytes()
                    }),
                }
            }
            Ok(result(vm, vm.new_bytes(out), e.end))
        }
        Which::Decode => {
            let b = |i: usize| cps.get(e.start + i).copied().unwrap_or(0);
            let (c, n) = match kind {
                None => {
                    let (x, y, z) = (b(0), b(1), b(2));
                    if x & 0xF0 == 0xE0 && y & 0xC0 == 0x80 && z & 0xC0 == 0x80 {
                        (((x & 0x0F) << 12) | ((y & 0x3F) << 6) | (z & 0x3F), 3)
                    } else {
                        (0, 3)
                    }
                }
                Some((2, big)) => (
                    if big {
                        b(0) << 8 | b(1)
                    } else {
                        b(1) << 8 | b(0)
                    },
                    2,
                ),
                Some((_, big)) => {
                    let v = if big {
                        b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3)
                    } else {
                        b(3) << 24 | b(2) << 16 | b(1) << 8 | b(0)
                    };
                    (v, 4)
                }
            };
            if !(0xD800..=0xDFFF).contains(&c) || e.start + n > cps.len() {
                return Err(reraise(&e));
            }
            Ok(result(vm, str_of_cps(vm, &[c]), e.start + n))
        }
        Which::Translate => Err(cant_handle(vm, &e.exc)),
    }
}

const HANDLERS: &[(&str, &str, NativeFn)] = &[
    ("strict", "strict_errors", strict_errors),
    ("ignore", "ignore_errors", ignore_errors),
    ("replace", "replace_errors", replace_errors),
    (
        "xmlcharrefreplace",
        "xmlcharrefreplace_errors",
        xmlcharrefreplace_errors,
    ),
    (
        "backslashreplace",
        "backslashreplace_errors",
        backslashreplace_errors,
    ),
    ("namereplace", "namereplace_errors", namereplace_errors),
    ("surrogateescape", "surrogateescape", surrogateescape),
    ("surrogatepass", "surrogatepass", surrogatepass),
];

/// Put the builtin handlers in the registry.
pub(super) fn install(vm: &mut Vm, errors: &PyRef) -> PyResult<()> {
    for (key, name, f) in HANDLERS {
        let b = vm.new_obj(
            &vm.types.builtin_function,
            Payload::Builtin(Box::new(Builtin {
                name,
                guards: crate::vm::call::builtin_call_guards(name),
                func: *f,
                self_: None,
                owner: None,
            })),
        );
        let k = vm.new_str(key);
        vm.dict_set(errors, k, Value::Obj(b))?;
    }
    Ok(())
}
