//! `_typing`: CPython 3.11's accelerator for typing.py, which holds only
//! `_idfunc` (the body of `NewType.__call__`).

use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// `_idfunc(x)`: returns `x` (a one-argument builtin, so it stays
/// unbound as `NewType.__call__`).
fn typing_idfunc(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match (args.pos(), args.has_kwargs()) {
        ([x], false) => Ok(x.clone()),
        (_, true) => Err(vm.type_error("_typing._idfunc() takes no keyword arguments")),
        (a, _) => Err(vm.type_error(format!(
            "_typing._idfunc() takes exactly one argument ({} given)",
            a.len()
        ))),
    }
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_typing");
    vm.add_functions(&m, &[("_idfunc", typing_idfunc)]);
    let doc = vm.new_str("Accelerators for the typing module.\n");
    vm.set_attr_raw(&m, "__doc__", doc);
    Ok(m)
}
