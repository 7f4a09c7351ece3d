//! `%` and `str.format` over text holding lone surrogates (surrogateescape
//! data, as the email package's parsers make): the formatting code works
//! on UTF-8, so each surrogate in the format string and in str arguments
//! stands in as a private-use character (U+F0000 + offset) and is turned
//! back afterwards. Arguments already holding such characters are left
//! as they are (their surrogates then read as U+FFFD, as before).

use super::function::Args;
use super::{Payload, StrObj};
use crate::vm::value::Value;
use crate::vm::Vm;

const BASE: u32 = 0xF0000;
const SURR: std::ops::RangeInclusive<u32> = 0xD800..=0xDFFF;

fn surrogate_cps(v: &Value) -> Option<&[u32]> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Str(s) => s.surrogate_cps(),
            _ => None,
        },
        _ => None,
    }
}

/// Whether any of `vals` (or a tuple's items) holds lone surrogates:
/// what `to_private` maps.
pub fn any_surrogates(_vm: &Vm, vals: &[Value]) -> bool {
    vals.iter().any(|v| {
        surrogate_cps(v).is_some()
            || matches!(v, Value::Obj(o)
                if matches!(&o.payload, Payload::Tuple(t) if t.iter().any(|x| surrogate_cps(x).is_some())))
    })
}

/// `v` with its surrogates as private-use characters (tuples item-wise).
pub fn to_private(vm: &Vm, v: &Value) -> Value {
    if let Some(cps) = surrogate_cps(v) {
        let mapped: Vec<u32> = cps
            .iter()
            .map(|&c| {
                if SURR.contains(&c) {
                    BASE + (c - 0xD800)
                } else {
                    c
                }
            })
            .collect();
        let o = vm.new_obj(
            &vm.types.str,
            Payload::Str(StrObj::from_code_points(&mapped)),
        );
        return Value::Obj(o);
    }
    if let Value::Obj(o) = v {
        if let Payload::Tuple(t) = &o.payload {
            if t.iter().any(|x| surrogate_cps(x).is_some()) {
                return vm.new_tuple(t.iter().map(|x| to_private(vm, x)).collect());
            }
        }
    }
    v.clone()
}

/// `repr()` shows a stand-in as `\U000f0XXX`; a surrogate as `\uXXXX`.
fn unescape_reprs(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(k) = rest.find("\\U000f0") {
        let (head, tail) = rest.split_at(k);
        out.push_str(head);
        let hex = tail.get(7..10).unwrap_or("");
        match u32::from_str_radix(hex, 16) {
            Ok(n) if hex.len() == 3 && n < 0x800 => {
                out.push_str(&format!("\\u{:04x}", 0xD800 + n));
                rest = tail.get(10..).unwrap_or("");
            }
            _ => {
                out.push_str(tail.get(..1).unwrap_or(""));
                rest = tail.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

/// The formatted text with the stand-ins turned back into surrogates.
pub fn from_private(vm: &Vm, s: String) -> Value {
    let s = if s.contains("\\U000f0") {
        unescape_reprs(&s)
    } else {
        s
    };
    let back = |c: char| {
        let n = u32::from(c);
        if (BASE..BASE + 0x800).contains(&n) {
            n - BASE + 0xD800
        } else {
            n
        }
    };
    if !s
        .chars()
        .any(|c| (BASE..BASE + 0x800).contains(&u32::from(c)))
    {
        return vm.new_string(s);
    }
    let cps: Vec<u32> = s.chars().map(back).collect();
    Value::Obj(vm.new_obj(&vm.types.str, Payload::Str(StrObj::from_code_points(&cps))))
}

/// The positional arguments and keyword values of a call, mapped.
pub fn map_args(vm: &Vm, args: &Args) -> Vec<Value> {
    args.args.iter().map(|v| to_private(vm, v)).collect()
}
