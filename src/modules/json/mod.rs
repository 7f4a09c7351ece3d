//! `_json`: the JSON accelerators `json` uses when present —
//! `scanstring`, `encode_basestring`, `encode_basestring_ascii`, the
//! scanner type (`make_scanner`, in `scanner.rs`) and the encoder type
//! (`make_encoder`, in `encoder.rs`) — with CPython 3.11's `_json.c`
//! output and error messages (`JSONDecodeError` positions included).

mod encoder;
mod scanner;

use crate::objects::function::Args;
use crate::objects::{Payload, StrObj};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_json");
    vm.add_functions(
        &m,
        &[
            ("scanstring", json_scanstring),
            ("encode_basestring", json_encode_basestring),
            ("encode_basestring_ascii", json_encode_basestring_ascii),
        ],
    );
    let s = scanner::make_type(vm);
    let e = encoder::make_type(vm);
    vm.set_attr_raw(&m, "make_scanner", Value::Obj(s));
    vm.set_attr_raw(&m, "make_encoder", Value::Obj(e));
    Ok(m)
}

/// A new str from code points.
fn str_from_cps(vm: &Vm, cps: &[u32]) -> Value {
    Value::Obj(vm.new_obj(&vm.types.str, Payload::Str(StrObj::from_code_points(cps))))
}

/// The code points of a str (subclasses included), or None.
fn str_cps(vm: &Vm, v: &Value) -> Option<Vec<u32>> {
    vm.as_str_obj(v).map(|s| s.code_points())
}

/// `raise_errmsg`: `json.decoder.JSONDecodeError(msg, s, end)`.
fn decode_error(vm: &mut Vm, msg: &str, s: &Value, end: usize) -> PyErr {
    let cls = match vm.import_by_name("json.decoder") {
        Ok(m) => match vm.getattr_str(&m, "JSONDecodeError") {
            Ok(c) => c,
            Err(e) => return e,
        },
        Err(e) => return e,
    };
    let m = vm.new_str(msg);
    match vm.call(&cls, &[m, s.clone(), Value::Int(end as i64)]) {
        Ok(Value::Obj(e)) => PyErr(e),
        Ok(_) => vm.type_error("JSONDecodeError() did not return an exception"),
        Err(e) => e,
    }
}

fn hex_digit(c: u32) -> Option<u32> {
    char::from_u32(c).and_then(|c| c.to_digit(16))
}

/// `scanstring_unicode`: the string starting after the quote at `end`;
/// returns the decoded code points and the index after the end quote.
/// A unit of the JSON text being scanned: the bytes of an ASCII str, or
/// the code points of any other.
pub(super) trait Unit: Copy {
    fn cp(self) -> u32;
    /// The str of a run of units (no escapes in it).
    fn run_str(vm: &Vm, run: &[Self]) -> Value;
    /// The index of the first quote, backslash or control character in
    /// `run` (its length when none).
    fn find_special(run: &[Self]) -> usize {
        run.iter()
            .position(|c| matches!(c.cp(), 0x22 | 0x5c | 0..=0x1f))
            .unwrap_or(run.len())
    }
}

impl Unit for u8 {
    #[inline(always)]
    fn cp(self) -> u32 {
        u32::from(self)
    }
    fn run_str(vm: &Vm, run: &[u8]) -> Value {
        if run.is_ascii() {
            // SAFETY: ASCII bytes are valid UTF-8.
            return vm.new_str(unsafe { std::str::from_utf8_unchecked(run) });
        }
        str_from_cps(vm, &run.iter().map(|&b| u32::from(b)).collect::<Vec<_>>())
    }
    fn find_special(run: &[u8]) -> usize {
        run.iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .unwrap_or(run.len())
    }
}

impl Unit for u32 {
    #[inline(always)]
    fn cp(self) -> u32 {
        self
    }
    fn run_str(vm: &Vm, run: &[u32]) -> Value {
        str_from_cps(vm, run)
    }
}

/// `scanstring_unicode` from just after the opening quote: the str and
/// the index after the closing quote. A string with no escape is made
/// from its run of units in one step.
fn scanstring<T: Unit>(
    vm: &mut Vm,
    s: &Value,
    buf: &[T],
    end: usize,
    strict: bool,
) -> PyResult<(Value, usize)> {
    if let Some(rest) = buf.get(end..) {
        let mut i = 0;
        loop {
            i += T::find_special(rest.get(i..).unwrap_or(&[]));
            match rest.get(i).map(|d| d.cp()) {
                Some(0x22) => {
                    let run = rest.get(..i).unwrap_or(&[]);
                    return Ok((T::run_str(vm, run), end + i + 1));
                }
                Some(c) if c <= 0x1f && !strict => i += 1,
                _ => break,
            }
        }
    }
    let (out, next) = scanstring_cps(vm, s, buf, end, strict)?;
    Ok((str_from_cps(vm, &out), next))
}

fn scanstring_cps<T: Unit>(
    vm: &mut Vm,
    s: &Value,
    buf: &[T],
    mut end: usize,
    strict: bool,
) -> PyResult<(Vec<u32>, usize)> {
    let len = buf.len();
    let begin = end.wrapping_sub(1);
    if end > len {
        return Err(vm.value_error("end is out of bounds"));
    }
    let mut out: Vec<u32> = Vec::new();
    loop {
        let mut next = end;
        let mut c = 0;
        while let Some(d) = buf.get(next).map(|d| d.cp()) {
            c = d;
            if d == u32::from('"') || d == u32::from('\\') {
                break;
            }
            if d <= 0x1f && strict {
                return Err(decode_error(vm, "Invalid control character at", s, next));
            }
            next += 1;
        }
        if next >= len {
            return Err(decode_error(
                vm,
                "Unterminated string starting at",
                s,
                begin,
            ));
        }
        out.extend(buf.get(end..next).unwrap_or(&[]).iter().map(|d| d.cp()));
        next += 1;
        if c == u32::from('"') {
            return Ok((out, next));
        }
        let Some(esc) = buf.get(next).map(|d| d.cp()) else {
            return Err(decode_error(
                vm,
                "Unterminated string starting at",
                s,
                begin,
            ));
        };
        let ch = if esc != u32::from('u') {
            end = next + 1;
            match char::from_u32(esc) {
                Some('"') => u32::from('"'),
                Some('\\') => u32::from('\\'),
                Some('/') => u32::from('/'),
                Some('b') => 8,
                Some('f') => 12,
                Some('n') => 10,
                Some('r') => 13,
                Some('t') => 9,
                _ => return Err(decode_error(vm, "Invalid \\escape", s, end - 2)),
            }
        } else {
            next += 1;
            end = next + 4;
            if end >= len {
                return Err(decode_error(vm, "Invalid \\uXXXX escape", s, next - 1));
            }
            let mut c = 0;
            for i in next..end {
                match buf.get(i).map(|d| d.cp()).and_then(hex_digit) {
                    Some(d) => c = (c << 4) | d,
                    None => return Err(decode_error(vm, "Invalid \\uXXXX escape", s, end - 5)),
                }
            }
            next = end;
            if (0xD800..=0xDBFF).contains(&c)
                && end + 6 < len
                && buf.get(next).map(|d| d.cp()) == Some(u32::from('\\'))
                && buf.get(next + 1).map(|d| d.cp()) == Some(u32::from('u'))
            {
                next += 2;
                end += 6;
                let mut c2 = 0;
                for i in next..end {
                    match buf.get(i).map(|d| d.cp()).and_then(hex_digit) {
                        Some(d) => c2 = (c2 << 4) | d,
                        None => return Err(decode_error(vm, "Invalid \\uXXXX escape", s, end - 5)),
                    }
                }
                if (0xDC00..=0xDFFF).contains(&c2) {
                    c = 0x10000 + (((c - 0xD800) << 10) | (c2 - 0xDC00));
                } else {
                    end -= 6;
                }
            }
            c
        };
        out.push(ch);
    }
}

fn json_scanstring(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.has_kwargs() {
        return Err(vm.type_error("scanstring() takes no keyword arguments"));
    }
    let a = args.pos();
    if a.len() < 2 || a.len() > 3 {
        let how = if a.len() < 2 {
            "at least 2"
        } else {
            "at most 3"
        };
        return Err(vm.type_error(format!(
            "scanstring() takes {how} arguments ({} given)",
            a.len()
        )));
    }
    let s = a.first().cloned().unwrap_or(Value::None);
    let end = super::binargs::ssize_arg(vm, a.get(1).unwrap_or(&Value::None))?;
    let strict = match a.get(2) {
        Some(v) => vm.truthy(v)?,
        None => true,
    };
    let Some(buf) = str_cps(vm, &s) else {
        return Err(vm.type_error(format!(
            "first argument must be a string, not {}",
            vm.type_name_of(&s)
        )));
    };
    if end < 0 {
        return Err(vm.value_error("end is out of bounds"));
    }
    let (r, next) = scanstring(vm, &s, &buf, end as usize, strict)?;
    Ok(vm.new_tuple_of([r, Value::Int(next as i64)]))
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_u_escape(out: &mut Vec<u32>, c: u32) {
    out.extend([u32::from('\\'), u32::from('u')]);
    for shift in [12, 8, 4, 0] {
        out.push(u32::from(HEX[((c >> shift) & 0xf) as usize]));
    }
}

/// `ascii_escape_unicode`.
pub fn escape_ascii(cps: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(cps.len() + 2);
    out.push(u32::from('"'));
    for &c in cps {
        if (0x20..=0x7e).contains(&c) && c != u32::from('\\') && c != u32::from('"') {
            out.push(c);
            continue;
        }
        match char::from_u32(c) {
            Some('\\') => out.extend([92, 92]),
            Some('"') => out.extend([92, 34]),
            Some('\u{8}') => out.extend([92, u32::from('b')]),
            Some('\u{c}') => out.extend([92, u32::from('f')]),
            Some('\n') => out.extend([92, u32::from('n')]),
            Some('\r') => out.extend([92, u32::from('r')]),
            Some('\t') => out.extend([92, u32::from('t')]),
            _ if c >= 0x10000 => {
                let v = c - 0x10000;
                push_u_escape(&mut out, 0xD800 | (v >> 10));
                push_u_escape(&mut out, 0xDC00 | (v & 0x3ff));
            }
            _ => push_u_escape(&mut out, c),
        }
    }
    out.push(u32::from('"'));
    out
}

/// `escape_unicode`.
pub fn escape_unicode(cps: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(cps.len() + 2);
    out.push(u32::from('"'));
    for &c in cps {
        match char::from_u32(c) {
            Some('\\') => out.extend([92, 92]),
            Some('"') => out.extend([92, 34]),
            Some('\u{8}') => out.extend([92, u32::from('b')]),
            Some('\u{c}') => out.extend([92, u32::from('f')]),
            Some('\n') => out.extend([92, u32::from('n')]),
            Some('\r') => out.extend([92, u32::from('r')]),
            Some('\t') => out.extend([92, u32::from('t')]),
            _ if c <= 0x1f => push_u_escape(&mut out, c),
            _ => out.push(c),
        }
    }
    out.push(u32::from('"'));
    out
}

fn one_str_arg(vm: &Vm, args: &Args, name: &str) -> PyResult<Vec<u32>> {
    if args.has_kwargs() {
        return Err(vm.type_error(format!("{name}() takes no keyword arguments")));
    }
    let a = args.pos();
    let Some(v) = a.first().filter(|_| a.len() == 1) else {
        return Err(vm.type_error(format!(
            "{name}() takes exactly one argument ({} given)",
            a.len()
        )));
    };
    str_cps(vm, v).ok_or_else(|| {
        vm.type_error(format!(
            "first argument must be a string, not {}",
            vm.type_name_of(v)
        ))
    })
}

fn json_encode_basestring_ascii(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cps = one_str_arg(vm, &args, "encode_basestring_ascii")?;
    Ok(str_from_cps(vm, &escape_ascii(&cps)))
}

fn json_encode_basestring(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cps = one_str_arg(vm, &args, "encode_basestring")?;
    Ok(str_from_cps(vm, &escape_unicode(&cps)))
}
