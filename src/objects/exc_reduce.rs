//! `BaseException.__reduce__` and `__setstate__`, with the `OSError` and
//! `ImportError` variants (Objects/exceptions.c of CPython 3.11), so that
//! exceptions pickle and copy as CPython's do.
//!
//! pycvm keeps most per-kind fields (`name`, `value`, ...) in the
//! instance dict, where CPython has member slots; the state dict of a
//! reduction leaves those keys out, as CPython's `__dict__` never holds
//! them. OSError's and SystemExit's are members (`ExcData::members`).

use super::exception::ExcKind;
use super::function::Args;
use super::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The member names of each exception kind with fields (CPython's
/// `PyMemberDef` tables), kept out of the reduction's state dict.
const MEMBERS: &[(ExcKind, &[&str])] = &[
    (ExcKind::StopIteration, &["value"]),
    (ExcKind::StopAsyncIteration, &["value"]),
    (ExcKind::ImportError, &["msg", "name", "path"]),
    (
        ExcKind::SyntaxError,
        &[
            "msg",
            "filename",
            "lineno",
            "offset",
            "text",
            "end_lineno",
            "end_offset",
            "print_file_and_line",
        ],
    ),
    (
        ExcKind::UnicodeError,
        &["encoding", "object", "start", "end", "reason"],
    ),
    (ExcKind::AttributeError, &["name", "obj"]),
    (ExcKind::NameError, &["name"]),
];

fn exc_of(vm: &Vm, args: &Args) -> PyResult<PyRef> {
    match args.args.first() {
        Some(Value::Obj(o)) if matches!(o.payload, Payload::Exception(_)) => Ok(o.clone()),
        _ => Err(vm.type_error("descriptor requires a 'BaseException' object")),
    }
}

fn exc_args(o: &PyRef) -> Value {
    match &o.payload {
        Payload::Exception(d) => d.borrow().args.clone(),
        _ => Value::None,
    }
}

/// The instance dict without the member fields: what CPython's
/// `self->dict` holds.
fn user_items(vm: &Vm, o: &PyRef) -> Vec<(Value, Value)> {
    let Some(d) = o.dict() else {
        return Vec::new();
    };
    let hidden: Vec<&str> = MEMBERS
        .iter()
        .filter(|(k, _)| vm.exc_is(o, *k))
        .flat_map(|(_, names)| names.iter().copied())
        .collect();
    vm.dict_items(&d)
        .into_iter()
        .filter(|(k, _)| match vm.as_str_obj(k) {
            Some(s) => !hidden.contains(&s.as_str()),
            None => true,
        })
        .collect()
}

fn field(vm: &Vm, o: &PyRef, name: &str) -> Value {
    vm.get_attr_raw(o, name).unwrap_or(Value::None)
}

/// `BaseException.__reduce__`: `(type, args)` or `(type, args, dict)`;
/// `OSError` puts a filename back into args, `ImportError` adds `name`
/// and `path` to the state.
fn exc_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = exc_of(vm, &args)?;
    let cls = Value::Obj(vm.type_of(&Value::Obj(o.clone())));
    let mut a = exc_args(&o);
    let mut items = user_items(vm, &o);
    if vm.exc_is(&o, ExcKind::OSError) {
        let filename = vm.exc_member(&o, 2);
        let parts = vm.seq_items(&a).unwrap_or_default();
        if parts.len() == 2 && !filename.is_none() {
            let filename2 = vm.exc_member(&o, 3);
            let mut t = parts;
            t.push(filename);
            if !filename2.is_none() {
                t.push(Value::None);
                t.push(filename2);
            }
            a = vm.new_tuple(t);
        }
    }
    if vm.exc_is(&o, ExcKind::ImportError) {
        for n in ["name", "path"] {
            let v = field(vm, &o, n);
            if !v.is_none() {
                items.push((vm.new_str(n), v));
            }
        }
    }
    if items.is_empty() {
        return Ok(vm.new_tuple_of([cls, a]));
    }
    let d = vm.dict_from_pairs(items)?;
    Ok(vm.new_tuple_of([cls, a, Value::Obj(d)]))
}

/// `BaseException.__setstate__(state)`: each item of a dict state set as
/// an attribute.
fn exc_setstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = exc_of(vm, &args)?;
    let state = args.args.get(1).cloned().unwrap_or(Value::None);
    if state.is_none() {
        return Ok(Value::None);
    }
    let d = match &state {
        Value::Obj(d) if matches!(d.payload, Payload::Dict(_)) => d.clone(),
        _ => return Err(vm.type_error("state is not a dictionary")),
    };
    let target = Value::Obj(o);
    for (k, v) in vm.dict_items(&d) {
        let Value::Obj(name) = &k else {
            return Err(vm.type_error(format!(
                "attribute name must be string, not '{}'",
                vm.type_name_of(&k)
            )));
        };
        vm.setattr(&target, name, Some(v))?;
    }
    Ok(Value::None)
}

pub fn install(vm: &mut Vm) {
    let base = vm.exc_type(ExcKind::BaseException);
    vm.add_methods(
        &base,
        &[("__reduce__", exc_reduce), ("__setstate__", exc_setstate)],
    );
}
