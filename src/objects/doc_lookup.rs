//! `__doc__` of builtin types and of their getset and member descriptors,
//! from the generated tables in type_docs.rs (CPython 3.11's texts).

use super::type_docs::{DESCR_DOCS, TYPE_DOCS};
use super::typeobj::{type_data, FLAG_HEAPTYPE};
use crate::vm::value::{PyRef, Value};
use crate::vm::Vm;

use super::builtin_sigs::lookup;

fn is_heap(t: &PyRef) -> bool {
    type_data(t).is_some_and(|td| td.has_flag(FLAG_HEAPTYPE))
}

/// The table key of a builtin type: its qualname, prefixed with its module
/// unless that is `builtins`.
fn type_key(vm: &Vm, t: &PyRef) -> Option<String> {
    let qual = type_data(t)?.qualname.borrow().to_string();
    let module = vm.get_attr_raw(t, "__module__");
    Some(match module.as_ref().and_then(|m| vm.as_str_obj(m)) {
        Some(m) if m.as_str() != "builtins" => format!("{}.{qual}", m.as_str()),
        _ => qual,
    })
}

/// CPython's docstring of the builtin type `t` (C-implemented in CPython;
/// pycvm makes some of them as classes).
pub fn builtin_type_doc(vm: &Vm, t: &PyRef) -> Option<&'static str> {
    lookup(TYPE_DOCS, &type_key(vm, t)?)
}

/// CPython's docstring of the descriptor `name` of type `owner`: the
/// generated table for builtin types, `subtype_getsets`' texts for the
/// `__dict__` and `__weakref__` of classes.
pub fn descr_doc(vm: &Vm, owner: &PyRef, name: &str) -> Option<&'static str> {
    if let Some(d) = type_key(vm, owner).and_then(|k| lookup(DESCR_DOCS, &format!("{k}.{name}"))) {
        return Some(d);
    }
    if !is_heap(owner) {
        return None;
    }
    match name {
        "__dict__" => Some("dictionary for instance variables"),
        "__weakref__" => Some("list of weak references to the object"),
        _ => None,
    }
}

/// `__doc__` of a builtin type's descriptor as a value (None when it has none).
pub fn descr_doc_value(vm: &Vm, owner: &PyRef, name: &str) -> Value {
    descr_doc(vm, owner, name).map_or(Value::None, |s| vm.new_str(s))
}

/// `sys.__doc__`, `builtins.__doc__` and `sys.stdlib_module_names`.
pub fn install_module_extras(vm: &mut Vm) -> crate::vm::PyResult<()> {
    use super::type_docs::{BUILTINS_DOC, STDLIB_MODULE_NAMES, SYS_DOC};
    let sys = vm.sys.clone();
    let d = vm.new_str(SYS_DOC);
    vm.set_attr_raw(&sys, "__doc__", d);
    let b = vm.builtins.clone();
    let d = vm.new_str(BUILTINS_DOC);
    vm.set_attr_raw(&b, "__doc__", d);
    let names: Vec<Value> = STDLIB_MODULE_NAMES.iter().map(|n| vm.new_str(n)).collect();
    let t = vm.new_tuple(names);
    let fs = Value::Obj(vm.types.frozenset.clone());
    let set = vm.call(&fs, &[t])?;
    vm.set_attr_raw(&sys, "stdlib_module_names", set);
    Ok(())
}
