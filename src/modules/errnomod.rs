//! The `errno` module: the platform's error numbers and `errorcode`.

use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::os_consts;

/// Build the `errno` module.
pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("errno");
    for (name, v) in os_consts::ERRNO {
        vm.set_attr_raw(&m, name, Value::Int(*v));
    }
    let d = vm.new_dict();
    for (name, v) in os_consts::ERRORCODE {
        let n = vm.new_str(name);
        vm.dict_set(&d, Value::Int(*v), n)?;
    }
    vm.set_attr_raw(&m, "errorcode", Value::Obj(d));
    Ok(m)
}
