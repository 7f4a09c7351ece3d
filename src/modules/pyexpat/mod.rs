//! `pyexpat`: CPython's binding of the expat XML parser, on a parser
//! written in Rust that reproduces expat 2.5.0's events, character-data
//! chunking, error codes and positions. The module holds `ParserCreate`,
//! `ErrorString`, `ExpatError`/`error`, the `xmlparser` type, the
//! `errors` and `model` submodules, and the version constants; the
//! parser object is in `xmlparser.rs`, the XML parser in `core.rs`,
//! `tags.rs`, `dtd.rs` and `input.rs`.

mod attrs;
mod content;
pub(crate) mod core;
mod dtd;
pub(crate) mod events;
pub(crate) mod input;
mod prolog;
mod tags;
mod xmlparser;

pub(crate) use xmlparser::unknown_encoding;

use std::cell::RefCell;

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

use events::{error_string, XmlError, ERROR_NAMES};

crate::interp_local! {
    /// `ExpatError` and the `xmlparser` type of the last-created module.
    static CLASSES: RefCell<Option<(Value, PyRef)>> = const { RefCell::new(None) };
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("pyexpat");
    let ptype = xmlparser::make_type(vm);
    vm.add_functions(
        &m,
        &[
            ("ParserCreate", pyexpat_parser_create),
            ("ErrorString", pyexpat_error_string),
        ],
    );
    let ns = vm.new_dict();
    let key = vm.new_str("__module__");
    let modname = vm.new_str("xml.parsers.expat");
    vm.dict_set(&ns, key, modname)?;
    let base = vm.exc_type(ExcKind::Exception);
    let meta = vm.types.type_.clone();
    let err = vm.make_class(&meta, "ExpatError", vec![base], &ns, Vec::new())?;
    CLASSES.with(|c| *c.borrow_mut() = Some((err.clone(), ptype.clone())));
    vm.set_attr_raw(&m, "ExpatError", err.clone());
    vm.set_attr_raw(&m, "error", err);
    vm.set_attr_raw(&m, "XMLParserType", Value::Obj(ptype));
    let v = vm.new_str("expat_2.5.0");
    vm.set_attr_raw(&m, "EXPAT_VERSION", v);
    let vi = vm.new_tuple_of([Value::Int(2), Value::Int(5), Value::Int(0)]);
    vm.set_attr_raw(&m, "version_info", vi);
    let ne = vm.new_str("UTF-8");
    vm.set_attr_raw(&m, "native_encoding", ne);
    let mut feats = Vec::new();
    for (name, val) in [
        ("sizeof(XML_Char)", 1),
        ("sizeof(XML_LChar)", 1),
        ("XML_DTD", 0),
        ("XML_CONTEXT_BYTES", 1024),
        ("XML_NS", 0),
        ("XML_BLAP_MAX_AMP", 100),
        ("XML_BLAP_ACT_THRES", 8388608),
    ] {
        let n = vm.new_str(name);
        feats.push(vm.new_tuple_of([n, Value::Int(val)]));
    }
    let feats = vm.new_list(feats);
    vm.set_attr_raw(&m, "features", feats);
    for (name, val) in [
        ("XML_PARAM_ENTITY_PARSING_NEVER", 0),
        ("XML_PARAM_ENTITY_PARSING_UNLESS_STANDALONE", 1),
        ("XML_PARAM_ENTITY_PARSING_ALWAYS", 2),
    ] {
        vm.set_attr_raw(&m, name, Value::Int(val));
    }
    let errors = errors_module(vm)?;
    let model = model_module(vm);
    vm.set_attr_raw(&m, "errors", Value::Obj(errors.clone()));
    vm.set_attr_raw(&m, "model", Value::Obj(model.clone()));
    let sys = Value::Obj(vm.sys.clone());
    if let Ok(Value::Obj(modules)) = vm.getattr_str(&sys, "modules") {
        let k = vm.new_str("pyexpat.errors");
        vm.dict_set(&modules, k, Value::Obj(errors))?;
        let k = vm.new_str("pyexpat.model");
        vm.dict_set(&modules, k, Value::Obj(model))?;
    }
    Ok(m)
}

/// `pyexpat.errors`: a constant per error (its message), and the
/// `codes` (message → code) and `messages` (code → message) dicts.
fn errors_module(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("pyexpat.errors");
    let doc = vm.new_str("Constants used to describe error conditions.");
    vm.set_attr_raw(&m, "__doc__", doc);
    let codes = vm.new_dict();
    let messages = vm.new_dict();
    for (code, (name, msg)) in ERROR_NAMES.iter().enumerate().skip(1) {
        let s = vm.new_str(msg);
        vm.set_attr_raw(&m, name, s.clone());
        vm.dict_set(&codes, s.clone(), Value::Int(code as i64))?;
        vm.dict_set(&messages, Value::Int(code as i64), s)?;
    }
    vm.set_attr_raw(&m, "codes", Value::Obj(codes));
    vm.set_attr_raw(&m, "messages", Value::Obj(messages));
    Ok(m)
}

/// `pyexpat.model`: the content-model constants.
fn model_module(vm: &mut Vm) -> PyRef {
    let m = vm.new_module("pyexpat.model");
    let doc = vm.new_str("Constants used to interpret content model information.");
    vm.set_attr_raw(&m, "__doc__", doc);
    for (name, v) in [
        ("XML_CTYPE_EMPTY", 1),
        ("XML_CTYPE_ANY", 2),
        ("XML_CTYPE_MIXED", 3),
        ("XML_CTYPE_NAME", 4),
        ("XML_CTYPE_CHOICE", 5),
        ("XML_CTYPE_SEQ", 6),
        ("XML_CQUANT_NONE", 0),
        ("XML_CQUANT_OPT", 1),
        ("XML_CQUANT_REP", 2),
        ("XML_CQUANT_PLUS", 3),
    ] {
        vm.set_attr_raw(&m, name, Value::Int(v));
    }
    m
}

/// `ErrorString(code)`: expat's message, or None.
fn pyexpat_error_string(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("ErrorString", args, 1, 1)?;
    let code = match a.first() {
        Some(Value::Int(i)) => *i,
        Some(Value::Bool(b)) => i64::from(b.get()),
        Some(v) => {
            return Err(vm.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                vm.type_name_of(v)
            )))
        }
        None => 0,
    };
    Ok(u32::try_from(code)
        .ok()
        .and_then(error_string)
        .map_or(Value::None, |m| vm.new_str(m)))
}

fn pyexpat_parser_create(vm: &mut Vm, args: Args) -> PyResult<Value> {
    xmlparser::parser_create(vm, args)
}

/// The `xmlparser` type.
fn parser_type() -> Option<PyRef> {
    CLASSES.with(|c| c.borrow().as_ref().map(|(_, t)| t.clone()))
}

/// `ExpatError("msg: line L, column C")` with `code`, `lineno`, `offset`.
fn expat_error(vm: &mut Vm, e: XmlError) -> PyErr {
    let msg = format!(
        "{}: line {}, column {}",
        error_string(e.code).unwrap_or("unknown error"),
        e.pos.line,
        e.pos.col
    );
    let Some(cls) = CLASSES.with(|c| c.borrow().as_ref().map(|(e, _)| e.clone())) else {
        return vm.runtime_error(msg);
    };
    let m = vm.new_string(msg);
    match vm.call(&cls, &[m]) {
        Ok(Value::Obj(exc)) => {
            vm.set_attr_raw(&exc, "code", Value::Int(i64::from(e.code)));
            vm.set_attr_raw(&exc, "offset", Value::Int(e.pos.col as i64));
            vm.set_attr_raw(&exc, "lineno", Value::Int(e.pos.line as i64));
            PyErr(exc)
        }
        Ok(_) => vm.runtime_error("ExpatError"),
        Err(err) => err,
    }
}
