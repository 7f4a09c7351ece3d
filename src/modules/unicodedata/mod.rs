//! `unicodedata`: the Unicode Character Database of CPython 3.11 (Unicode
//! 14.0.0): names and `lookup`, the per-character properties, and the
//! normalization forms. Tables: [`data`]; the numeric values come from
//! `crate::unicode`, whose tables have the same source.
//!
//! `ucd_3_2_0` is provided so `stringprep`/`encodings.idna` import, but it
//! answers with the 14.0.0 data (only `unidata_version` says 3.2.0).

mod data;

use crate::objects::exception::ExcKind;
use crate::objects::function::{Args, Builtin, NativeFn};
use crate::objects::native::NativeData;
use crate::objects::typeobj::Layout;
use crate::objects::{Payload, StrObj};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use data::{ucd, Ucd};

/// The character name of `cp` (`unicodedata.name`), if it has one.
pub fn char_name(cp: u32) -> Option<String> {
    ucd().and_then(|u| u.name(cp))
}

/// The code point named `name` (`unicodedata.lookup`, the `\N{...}` escape).
pub fn char_lookup(name: &str) -> Option<u32> {
    ucd().and_then(|u| u.lookup(name))
}

/// The receiver of the module functions and of the `UCD` methods.
struct UcdObj {
    version: &'static str,
}

impl NativeData for UcdObj {}

fn db(vm: &Vm) -> PyResult<&'static Ucd> {
    ucd().ok_or_else(|| vm.system_error("unicodedata: the embedded database is damaged"))
}

/// The arguments after the receiver (all positional-only).
fn fn_args<'a>(
    vm: &Vm,
    args: Args<'a>,
    name: &str,
    min: usize,
    max: usize,
) -> PyResult<&'a [Value]> {
    vm.check_args(name, args, min, max)
}

/// A one-character str argument (`chr` in the clinic signatures).
fn char_arg(vm: &Vm, v: &Value, func: &str, nargs: usize) -> PyResult<u32> {
    let what = if nargs > 1 { "argument 1" } else { "argument" };
    match vm.as_str_obj(v) {
        Some(s) if s.char_len() == 1 => Ok(s.code_points().first().copied().unwrap_or(0)),
        _ => Err(vm.type_error(format!(
            "{func}() {what} must be a unicode character, not {}",
            vm.arg_type_name(v)
        ))),
    }
}

fn one_char(vm: &mut Vm, args: Args, name: &str) -> PyResult<u32> {
    let a = fn_args(vm, args, name, 1, 1)?;
    char_arg(vm, &a[0], name, 1)
}

fn ud_category(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = one_char(vm, args, "category")?;
    Ok(vm.new_str(db(vm)?.category(c)))
}

fn ud_bidirectional(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = one_char(vm, args, "bidirectional")?;
    Ok(vm.new_str(db(vm)?.bidirectional(c)))
}

fn ud_east_asian_width(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = one_char(vm, args, "east_asian_width")?;
    Ok(vm.new_str(db(vm)?.east_asian_width(c)))
}

fn ud_combining(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = one_char(vm, args, "combining")?;
    Ok(Value::Int(i64::from(db(vm)?.combining(c))))
}

fn ud_mirrored(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = one_char(vm, args, "mirrored")?;
    Ok(Value::Int(i64::from(db(vm)?.mirrored(c))))
}

fn ud_decomposition(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = one_char(vm, args, "decomposition")?;
    Ok(vm.new_str(db(vm)?.decomposition(c)))
}

/// `decimal`/`digit`/`numeric(chr, default)`.
fn numeric_kind(
    vm: &mut Vm,
    args: Args,
    name: &str,
    err: &str,
    f: fn(u32) -> Option<Value>,
) -> PyResult<Value> {
    let a = fn_args(vm, args, name, 1, 2)?;
    let c = char_arg(vm, &a[0], name, 2)?;
    match (f(c), a.get(1)) {
        (Some(v), _) => Ok(v),
        (None, Some(d)) => Ok(d.clone()),
        (None, None) => Err(vm.value_error(err.to_string())),
    }
}

fn ud_decimal(vm: &mut Vm, args: Args) -> PyResult<Value> {
    numeric_kind(vm, args, "decimal", "not a decimal", |c| {
        crate::unicode::decimal_value(c).map(|v| Value::Int(i64::from(v)))
    })
}

fn ud_digit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    numeric_kind(vm, args, "digit", "not a digit", |c| {
        crate::unicode::digit_value(c).map(|v| Value::Int(i64::from(v)))
    })
}

fn ud_numeric(vm: &mut Vm, args: Args) -> PyResult<Value> {
    numeric_kind(vm, args, "numeric", "not a numeric character", |c| {
        crate::unicode::numeric_value(c).map(Value::float)
    })
}

fn ud_name(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = fn_args(vm, args, "name", 1, 2)?;
    let c = char_arg(vm, &a[0], "name", 2)?;
    match (db(vm)?.name(c), a.get(1)) {
        (Some(n), _) => Ok(vm.new_string(n)),
        (None, Some(d)) => Ok(d.clone()),
        (None, None) => Err(vm.value_error("no such name")),
    }
}

fn ud_lookup(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = fn_args(vm, args, "lookup", 1, 1)?;
    let name = match vm.as_str_obj(&a[0]) {
        Some(s) => s.as_str().to_string(),
        None => match crate::objects::bytes::buffer_bytes(vm, &a[0])? {
            Some(b) => String::from_utf8_lossy(&b).into_owned(),
            None => {
                return Err(vm.type_error(format!(
                    "a bytes-like object is required, not '{}'",
                    vm.type_name_of(&a[0])
                )))
            }
        },
    };
    let key_err = |vm: &Vm, msg: String| {
        let k = vm.new_string(msg);
        let ty = vm.exc_type(ExcKind::KeyError);
        crate::vm::PyErr(vm.new_exception(&ty, vec![k]))
    };
    if name.len() > 256 {
        return Err(key_err(vm, "name too long".into()));
    }
    match db(vm)?.lookup_text(&name) {
        Some(cps) => Ok(Value::Obj(
            vm.new_obj(&vm.types.str, Payload::Str(StrObj::from_code_points(&cps))),
        )),
        None => Err(key_err(vm, format!("undefined character name '{name}'"))),
    }
}

/// `(form, unistr)` of `normalize`/`is_normalized`: the result and the input.
fn normalized(vm: &mut Vm, args: Args, name: &str) -> PyResult<(Vec<u32>, Vec<u32>, Value)> {
    let a = fn_args(vm, args, name, 2, 2)?;
    let mut strs = Vec::with_capacity(2);
    for (i, v) in a.iter().enumerate() {
        match vm.as_str_obj(v) {
            Some(s) => strs.push(s.code_points()),
            None => {
                return Err(vm.type_error(format!(
                    "{name}() argument {} must be str, not {}",
                    i + 1,
                    vm.arg_type_name(v)
                )))
            }
        }
    }
    let form: String = strs[0].iter().filter_map(|&c| char::from_u32(c)).collect();
    let s = std::mem::take(&mut strs[1]);
    match db(vm)?.normalize(&form, &s) {
        Some(r) => Ok((r, s, a[1].clone())),
        None => Err(vm.value_error("invalid normalization form")),
    }
}

fn ud_normalize(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (r, s, orig) = normalized(vm, args, "normalize")?;
    if r == s && crate::objects::rc::Rc::ptr_eq(&vm.type_of(&orig), &vm.types.str) {
        return Ok(orig);
    }
    Ok(Value::Obj(vm.new_obj(
        &vm.types.str,
        Payload::Str(StrObj::from_code_points(&r)),
    )))
}

fn ud_is_normalized(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (r, s, _) = normalized(vm, args, "is_normalized")?;
    Ok(Value::bool(r == s))
}

const FUNCS: &[(&str, NativeFn)] = &[
    ("category", ud_category),
    ("bidirectional", ud_bidirectional),
    ("east_asian_width", ud_east_asian_width),
    ("combining", ud_combining),
    ("mirrored", ud_mirrored),
    ("decomposition", ud_decomposition),
    ("decimal", ud_decimal),
    ("digit", ud_digit),
    ("numeric", ud_numeric),
    ("name", ud_name),
    ("lookup", ud_lookup),
    ("normalize", ud_normalize),
    ("is_normalized", ud_is_normalized),
];

fn ucd_version(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match vm.native::<UcdObj>(v) {
        Some(u) => Ok(vm.new_str(u.version)),
        None => Err(vm.type_error(
            "descriptor 'unidata_version' for 'unicodedata.UCD' objects doesn't apply",
        )),
    }
}

fn ucd_no_new(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(vm.type_error("cannot create 'unicodedata.UCD' instances"))
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("unicodedata");
    let object = vm.types.object.clone();
    let ucd_t = vm.new_native_type("unicodedata", "UCD", &object, Layout::Native("UCD"), 0);
    vm.add_staticmethods(&ucd_t, &[("__new__", ucd_no_new)]);
    vm.add_methods(&ucd_t, FUNCS);
    vm.add_getsets(&ucd_t, &[("unidata_version", ucd_version, None)]);
    let this = Value::Obj(vm.new_native(&ucd_t, UcdObj { version: "14.0.0" }));
    for (name, f) in FUNCS {
        let b = vm.new_obj(
            &vm.types.builtin_function,
            Payload::Builtin(Box::new(Builtin {
                name,
                guards: crate::vm::call::builtin_call_guards(name),
                func: *f,
                self_: Some(this.clone()),
                owner: None,
            })),
        );
        vm.set_attr_raw(&m, name, Value::Obj(b));
    }
    let old = Value::Obj(vm.new_native(&ucd_t, UcdObj { version: "3.2.0" }));
    vm.set_attr_raw(&m, "ucd_3_2_0", old);
    vm.set_attr_raw(&m, "UCD", Value::Obj(ucd_t));
    let v = vm.new_str("14.0.0");
    vm.set_attr_raw(&m, "unidata_version", v);
    Ok(m)
}
