//! `type.__annotations__` (typeobject.c `type_get_annotations` /
//! `type_set_annotations`): a class's annotations come from its own dict
//! only, created empty (and stored) on first read, never inherited from a
//! base; builtin types have none.

use super::typeobj::{type_data, FLAG_HEAPTYPE};
use super::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

fn heap_type(vm: &Vm, v: &Value) -> PyResult<(PyRef, bool)> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Type(_)) => {
            let heap = type_data(o).is_some_and(|td| td.has_flag(FLAG_HEAPTYPE));
            Ok((o.clone(), heap))
        }
        _ => Err(vm.type_error("descriptor requires a 'type' object")),
    }
}

fn type_name(t: &PyRef) -> String {
    type_data(t).map(|td| td.name()).unwrap_or_default()
}

fn get_annotations(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let (t, heap) = heap_type(vm, v)?;
    let dict = match t.dict() {
        Some(d) if heap => d,
        _ => {
            return Err(vm.attribute_error(format!(
                "type object '{}' has no attribute '__annotations__'",
                type_name(&t)
            )))
        }
    };
    if let Some(a) = vm.dict_get_by_str_nocall(&dict, "__annotations__") {
        // A descriptor stored there is bound to the class, as CPython's
        // `tp_descr_get(annotations, NULL, type)`.
        return vm.descr_get(a, None, &t);
    }
    let a = Value::Obj(vm.new_dict());
    vm.set_attr_raw(&t, "__annotations__", a.clone());
    Ok(a)
}

fn set_annotations(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let (t, heap) = heap_type(vm, v)?;
    let dict = match t.dict() {
        Some(d) if heap => d,
        _ => {
            return Err(vm.type_error(format!(
                "cannot set '__annotations__' attribute of immutable type '{}'",
                type_name(&t)
            )))
        }
    };
    match new {
        Some(a) => {
            vm.set_attr_raw(&t, "__annotations__", a);
            Ok(())
        }
        None => {
            let key = Value::Obj(vm.intern("__annotations__"));
            if vm.dict_get(&dict, &key)?.is_none() {
                return Err(vm.attribute_error("__annotations__"));
            }
            vm.dict_del(&dict, &key)?;
            super::typeobj::modified_with_subclasses(&t);
            Ok(())
        }
    }
}

/// Install the getset on `type`.
pub fn install(vm: &mut Vm) {
    let t = vm.types.type_.clone();
    vm.add_getsets(
        &t,
        &[("__annotations__", get_annotations, Some(set_annotations))],
    );
}
