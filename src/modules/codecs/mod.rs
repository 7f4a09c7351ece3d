//! `_codecs`, CPython 3.11's codec registry (Python/codecs.c and
//! Modules/_codecsmodule.c): search functions and their cache (`register`,
//! `lookup`, `encode`, `decode`), the error-handler registry with the
//! builtin handlers, and the `*_encode`/`*_decode` functions Lib/encodings/
//! calls ([`funcs`], [`charmap`]). The codec algorithms themselves are
//! `crate::text::codecs` and `crate::objects::str_codecs`.
//!
//! [`encode_text`]/[`decode_text`] are what `str.encode`/`bytes.decode` fall
//! back to for encodings and error handlers they do not know natively.

mod charmap;
mod funcs;
mod handlers;
mod utf7;

use std::cell::{Cell, RefCell};

use crate::objects::exception::ExcKind;
use crate::objects::function::{Args, Builtin, NativeFn};
use crate::objects::native::NativeData;
use crate::objects::typeobj::Layout;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

/// The registry (CPython keeps it in the interpreter state).
struct CodecState {
    search: RefCell<Vec<Value>>,
    /// normalized name -> codec info.
    cache: PyRef,
    /// error handler name -> handler.
    errors: PyRef,
    /// Whether `encodings` has been imported (first `lookup`).
    initialized: Cell<bool>,
    /// The `EncodingMap` type of `charmap_build`.
    em_type: PyRef,
}

impl NativeData for CodecState {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        for v in self.search.borrow().iter() {
            visit(v);
        }
        visit(&Value::Obj(self.cache.clone()));
        visit(&Value::Obj(self.errors.clone()));
    }
}

fn state<'a>(vm: &Vm, args: &Args<'a>) -> PyResult<&'a CodecState> {
    args.args
        .first()
        .and_then(|v| vm.native::<CodecState>(v))
        .ok_or_else(|| vm.system_error("_codecs: missing module state"))
}

/// Positional-only arguments after the bound state (`_codecs.f() takes no
/// keyword arguments`, `f expected at most N arguments, got M`).
pub(crate) fn pos_args<'a>(
    vm: &Vm,
    args: Args<'a>,
    name: &str,
    min: usize,
    max: usize,
) -> PyResult<&'a [Value]> {
    vm.check_args(&format!("_codecs.{name}"), args, min, max)
}

/// `_Py_normalize_encoding` + lowercase: runs of anything but ASCII
/// letters, digits and '.' become one '_' (none at either end).
fn normalize_encoding(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut punct = false;
    for &b in name.as_bytes() {
        if b.is_ascii_alphanumeric() || b == b'.' {
            if punct && !out.is_empty() {
                out.push('_');
            }
            punct = false;
            out.push(b.to_ascii_lowercase() as char);
        } else {
            punct = true;
        }
    }
    out
}

fn str_arg(vm: &Vm, v: &Value, func: &str, what: &str) -> PyResult<String> {
    match vm.as_str_obj(v) {
        Some(s) => Ok(s.as_str().to_string()),
        None => Err(vm.type_error(format!(
            "{func}() argument {what} must be str, not {}",
            vm.arg_type_name(v)
        ))),
    }
}

fn codecs_register(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args)?;
    let a = pos_args(vm, args, "register", 1, 1)?;
    if !vm.callable(&a[0]) {
        return Err(vm.type_error("argument must be callable"));
    }
    st.search.borrow_mut().push(a[0].clone());
    Ok(Value::None)
}

fn codecs_unregister(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args)?;
    let a = pos_args(vm, args, "unregister", 1, 1)?;
    let pos = st.search.borrow().iter().position(|f| f.is(&a[0]));
    if let Some(i) = pos {
        st.search.borrow_mut().remove(i);
        for (k, _) in vm.dict_items(&st.cache) {
            vm.dict_del(&st.cache, &k)?;
        }
    }
    Ok(Value::None)
}

/// `_PyCodec_Lookup`.
fn lookup_in(vm: &mut Vm, st: &CodecState, encoding: &str) -> PyResult<Value> {
    if !st.initialized.get() {
        st.initialized.set(true);
        if let Err(e) = vm.import_module("encodings", &Value::None, &Value::Int(0)) {
            if !vm.err_is(&e, ExcKind::ImportError) {
                return Err(e);
            }
        }
    }
    let norm = normalize_encoding(encoding);
    let key = vm.new_str(&norm);
    if let Some(v) = vm.dict_get(&st.cache, &key)? {
        return Ok(v);
    }
    let funcs = st.search.borrow().clone();
    for f in funcs {
        let r = vm.call(&f, &[key.clone()])?;
        if r.is_none() {
            continue;
        }
        let ok =
            matches!(&r, Value::Obj(o) if matches!(&o.payload, Payload::Tuple(t) if t.len() == 4));
        if !ok {
            return Err(vm.type_error("codec search functions must return 4-tuples"));
        }
        vm.dict_set(&st.cache, key, r.clone())?;
        return Ok(r);
    }
    Err(vm.new_error(
        ExcKind::LookupError,
        format!("unknown encoding: {encoding}"),
    ))
}

fn codecs_lookup(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args)?;
    let a = pos_args(vm, args, "lookup", 1, 1)?;
    let enc = match vm.as_str_obj(&a[0]) {
        Some(s) => s.as_str().to_string(),
        None => {
            return Err(vm.type_error(format!(
                "lookup() argument must be str, not {}",
                vm.arg_type_name(&a[0])
            )))
        }
    };
    lookup_in(vm, st, &enc)
}

fn codecs_forget_codec(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args)?;
    let a = pos_args(vm, args, "_forget_codec", 1, 1)?;
    let enc = str_arg(vm, &a[0], "_forget_codec", "1")?;
    let key = vm.new_str(&normalize_encoding(&enc));
    if vm.dict_get(&st.cache, &key)?.is_some() {
        vm.dict_del(&st.cache, &key)?;
    }
    Ok(Value::None)
}

/// The builtin exceptions whose instances are only their args (CPython's
/// `BaseException_init`/`BaseException_new`, no extra state).
const SIMPLE_EXCEPTIONS: &[&str] = &[
    "Exception",
    "TypeError",
    "ValueError",
    "LookupError",
    "IndexError",
    "KeyError",
    "RuntimeError",
    "ArithmeticError",
    "OverflowError",
    "ZeroDivisionError",
    "FloatingPointError",
    "AssertionError",
    "NotImplementedError",
    "RecursionError",
    "BufferError",
    "EOFError",
    "MemoryError",
    "ReferenceError",
    "SystemError",
    "Warning",
    "UserWarning",
    "DeprecationWarning",
    "RuntimeWarning",
];

/// `_PyErr_TrySetFromCause`: an exception of a type with no state beyond
/// its args comes back as the same type naming the codec, the original as
/// its `__cause__`; others pass unchanged.
fn wrap_codec_error(vm: &mut Vm, e: PyErr, op: &str, encoding: &str) -> PyErr {
    use crate::objects::typeobj::{type_data, FLAG_HEAPTYPE};
    let exc = Value::Obj(e.0.clone());
    let ty = vm.type_of(&exc);
    let mro = type_data(&ty)
        .map(|t| t.mro.borrow().clone())
        .unwrap_or_default();
    let mut simple = false;
    for t in &mro {
        let heap = type_data(t).is_some_and(|d| d.has_flag(FLAG_HEAPTYPE));
        if heap {
            let own = |n: &str| {
                t.dict().is_some_and(|d| {
                    vm.dict_items(&d)
                        .iter()
                        .any(|(k, _)| vm.as_str_obj(k).is_some_and(|s| s.as_str() == n))
                })
            };
            if own("__init__") || own("__new__") {
                break;
            }
            continue;
        }
        simple = SIMPLE_EXCEPTIONS.contains(&vm.type_name(t).as_str());
        break;
    }
    let nargs = vm
        .getattr_str(&exc, "args")
        .ok()
        .and_then(|a| vm.seq_items(&a))
        .map_or(2, |a| a.len());
    let has_dict = e.0.dict().is_some_and(|d| !vm.dict_items(&d).is_empty());
    if !simple || nargs > 1 || has_dict {
        return e;
    }
    let msg = match vm.str(&exc) {
        Ok(s) => s,
        Err(_) => return e,
    };
    let tn = vm.type_name(&ty);
    let enc = crate::objects::str::StrObj::new(encoding).repr();
    let text = vm.new_string(format!("{op} with {enc} codec failed ({tn}: {msg})"));
    match vm.call(&Value::Obj(ty), &[text]) {
        Ok(n @ Value::Obj(_)) => {
            let cause = vm.intern("__cause__");
            if vm.setattr(&n, &cause, Some(exc.clone())).is_err() {
                return e;
            }
            if let Ok(tb) = vm.getattr_str(&exc, "__traceback__") {
                let tbn = vm.intern("__traceback__");
                let _ = vm.setattr(&n, &tbn, Some(tb));
            }
            match n {
                Value::Obj(o) => PyErr(o),
                _ => e,
            }
        }
        _ => e,
    }
}

/// Call a codec's encoder/decoder (`_PyCodec_EncodeInternal`).
fn run_codec(
    vm: &mut Vm,
    codec: &Value,
    index: usize,
    obj: &Value,
    encoding: &str,
    errors: Option<&str>,
) -> PyResult<Value> {
    let f = vm.getitem(codec, &Value::Int(index as i64))?;
    let mut call_args = vec![obj.clone()];
    if let Some(e) = errors {
        call_args.push(vm.new_str(e));
    }
    let op = if index == 0 { "encoding" } else { "decoding" };
    let r = match vm.call(&f, &call_args) {
        Ok(r) => r,
        Err(e) => return Err(wrap_codec_error(vm, e, op, encoding)),
    };
    match &r {
        Value::Obj(o) if matches!(&o.payload, Payload::Tuple(t) if t.len() == 2) => {
            vm.getitem(&r, &Value::Int(0))
        }
        _ => Err(vm.type_error(if index == 0 {
            "encoder must return a tuple (object, integer)"
        } else {
            "decoder must return a tuple (object,integer)"
        })),
    }
}

fn encode_or_decode(vm: &mut Vm, args: Args, name: &str, index: usize) -> PyResult<Value> {
    let st = state(vm, &args)?;
    let a = crate::objects::bytes::kw_args(vm, args, name, &["obj", "encoding", "errors"], 1)?;
    let obj = a.first().cloned().flatten().unwrap_or(Value::None);
    let encoding = match a.get(1).cloned().flatten() {
        Some(v) => str_arg(vm, &v, name, "'encoding'")?,
        None => "utf-8".to_string(),
    };
    let errors = match a.get(2).cloned().flatten() {
        Some(v) => str_arg(vm, &v, name, "'errors'")?,
        None => "strict".to_string(),
    };
    let codec = lookup_in(vm, st, &encoding)?;
    run_codec(vm, &codec, index, &obj, &encoding, Some(&errors))
}

fn codecs_encode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    encode_or_decode(vm, args, "encode", 0)
}

fn codecs_decode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    encode_or_decode(vm, args, "decode", 1)
}

fn codecs_register_error(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args)?;
    let a = pos_args(vm, args, "register_error", 2, 2)?;
    let name = str_arg(vm, &a[0], "register_error", "1")?;
    if !vm.callable(&a[1]) {
        return Err(vm.type_error("handler must be callable"));
    }
    let key = vm.new_str(&name);
    vm.dict_set(&st.errors, key, a[1].clone())?;
    Ok(Value::None)
}

/// `PyCodec_LookupError`.
fn lookup_error_in(vm: &mut Vm, st: &CodecState, name: &str) -> PyResult<Value> {
    let key = vm.new_str(name);
    match vm.dict_get(&st.errors, &key)? {
        Some(h) => Ok(h),
        None => Err(vm.new_error(
            ExcKind::LookupError,
            format!("unknown error handler name '{name}'"),
        )),
    }
}

fn codecs_lookup_error(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args)?;
    let a = pos_args(vm, args, "lookup_error", 1, 1)?;
    let name = str_arg(vm, &a[0], "lookup_error", "1")?;
    lookup_error_in(vm, st, &name)
}

/// The `_codecs` module of this VM (imported on demand), and its state.
fn module_state(vm: &mut Vm) -> PyResult<Value> {
    let m = vm.import_module("_codecs", &Value::None, &Value::Int(0))?;
    let f = vm.getattr_str(&m, "lookup")?;
    match &f {
        Value::Obj(o) => match &o.payload {
            Payload::Builtin(b) => Ok(b.self_.clone().unwrap_or(Value::None)),
            _ => Ok(Value::None),
        },
        _ => Ok(Value::None),
    }
}

/// The registered error handler `name` (for the codec functions and the
/// `str.encode`/`bytes.decode` fallback).
pub(crate) fn lookup_error(vm: &mut Vm, name: &str) -> PyResult<Value> {
    let sv = module_state(vm)?;
    match vm.native::<CodecState>(&sv) {
        Some(st) => lookup_error_in(vm, st, name),
        None => Err(vm.new_error(
            ExcKind::LookupError,
            format!("unknown error handler name '{name}'"),
        )),
    }
}

/// `_PyCodec_EncodeText` + `PyUnicode_AsEncodedString`'s checks: `s.encode`
/// through the registry.
pub fn encode_text(vm: &mut Vm, s: &Value, encoding: &str, errors: &str) -> PyResult<Value> {
    if native_codec(encoding) {
        if let Some(data) = crate::objects::str_methods::str_data(s) {
            let b = funcs::encode_str(vm, s, &data, encoding, errors)?;
            return Ok(vm.new_bytes(b));
        }
    }
    let sv = module_state(vm)?;
    let Some(st) = vm.native::<CodecState>(&sv) else {
        return Err(vm.new_error(
            ExcKind::LookupError,
            format!("unknown encoding: {encoding}"),
        ));
    };
    let codec = lookup_in(vm, st, encoding)?;
    check_text_encoding(vm, &codec, encoding, "codecs.encode()")?;
    let r = run_codec(vm, &codec, 0, s, encoding, Some(errors))?;
    if let Value::Obj(o) = &r {
        match &o.payload {
            Payload::Bytes(_) => return Ok(r),
            Payload::ByteArray(b) => {
                let data = b.borrow().clone();
                return Ok(vm.new_bytes(data));
            }
            _ => {}
        }
    }
    Err(vm.type_error(format!(
        "'{encoding}' encoder returned '{}' instead of 'bytes'; use codecs.encode() to encode to arbitrary types",
        vm.type_name_of(&r)
    )))
}

/// `_PyCodec_DecodeText` + `PyUnicode_Decode`'s checks.
pub fn decode_text(vm: &mut Vm, b: &Value, encoding: &str, errors: &str) -> PyResult<Value> {
    if native_codec(encoding) {
        if let Some(data) = crate::objects::bytes::bytes_of(b) {
            let s = funcs::decode_bytes(vm, &data, encoding, errors)?;
            return Ok(crate::objects::bytes::str_value(vm, &s));
        }
    }
    let sv = module_state(vm)?;
    let Some(st) = vm.native::<CodecState>(&sv) else {
        return Err(vm.new_error(
            ExcKind::LookupError,
            format!("unknown encoding: {encoding}"),
        ));
    };
    let codec = lookup_in(vm, st, encoding)?;
    check_text_encoding(vm, &codec, encoding, "codecs.decode()")?;
    let r = run_codec(vm, &codec, 1, b, encoding, Some(errors))?;
    if vm.as_str_obj(&r).is_some() {
        return Ok(r);
    }
    Err(vm.type_error(format!(
        "'{encoding}' decoder returned '{}' instead of 'str'; use codecs.decode() to decode to arbitrary types",
        vm.type_name_of(&r)
    )))
}

/// Whether pycvm's own codecs know `encoding` (then a failure of
/// `str.encode`/`bytes.decode` is an unknown error handler's).
fn native_codec(encoding: &str) -> bool {
    crate::objects::str_codecs::encode(&crate::text::PyStrData::empty(), encoding, "strict").is_ok()
}

fn check_text_encoding(vm: &mut Vm, codec: &Value, encoding: &str, alt: &str) -> PyResult<()> {
    if let Some(v) = vm.getattr_opt(codec, "_is_text_encoding")? {
        if !vm.truthy(&v)? {
            return Err(vm.new_error(
                ExcKind::LookupError,
                format!(
                    "'{encoding}' is not a text encoding; use {alt} to handle arbitrary codecs"
                ),
            ));
        }
    }
    Ok(())
}

fn bind(vm: &mut Vm, m: &PyRef, state: &Value, funcs: &[(&'static str, NativeFn)]) {
    for (name, f) in funcs {
        let b = vm.new_obj(
            &vm.types.builtin_function,
            Payload::Builtin(Box::new(Builtin {
                name,
                guards: crate::vm::call::builtin_call_guards(name),
                func: *f,
                self_: Some(state.clone()),
                owner: None,
            })),
        );
        vm.set_attr_raw(m, name, Value::Obj(b));
    }
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_codecs");
    let object = vm.types.object.clone();
    let state_t = vm.new_native_type("_codecs", "_State", &object, Layout::Native("_codecs"), 0);
    let errors = vm.new_dict();
    let em_type = charmap::install(vm);
    let st = CodecState {
        em_type,
        search: RefCell::new(Vec::new()),
        cache: vm.new_dict(),
        errors: errors.clone(),
        initialized: Cell::new(false),
    };
    let state = Value::Obj(vm.new_native(&state_t, st));
    bind(
        vm,
        &m,
        &state,
        &[
            ("register", codecs_register),
            ("unregister", codecs_unregister),
            ("lookup", codecs_lookup),
            ("encode", codecs_encode),
            ("decode", codecs_decode),
            ("_forget_codec", codecs_forget_codec),
            ("register_error", codecs_register_error),
            ("lookup_error", codecs_lookup_error),
            ("utf_7_encode", utf7::utf_7_encode),
            ("utf_7_decode", utf7::utf_7_decode),
        ],
    );
    bind(vm, &m, &state, funcs::FUNCS);
    bind(vm, &m, &state, charmap::FUNCS);
    handlers::install(vm, &errors)?;
    Ok(m)
}
