//! `_warnings`: only `warn`, which imports the pure-Python `warnings`
//! module and calls its `warn` (the importlib bootstrap needs `warn`).
//! Without `filters` here, warnings.py uses its own Python implementation,
//! so filters, the once/default registries and the output format
//! (`file:line: Category: message` plus the source line) are CPython's.

use crate::objects::function::Args;
use crate::vm::proto::str_of;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_warnings");
    vm.add_functions(&m, &[("warn", warnings_warn)]);
    Ok(m)
}

/// `warn(message, category=None, stacklevel=1, source=None)`.
fn warnings_warn(vm: &mut Vm, args: Args) -> PyResult<Value> {
    const NAMES: [&str; 4] = ["message", "category", "stacklevel", "source"];
    let pos = args.pos();
    if pos.len() > 4 {
        return Err(vm.type_error(format!(
            "warn() takes at most 4 arguments ({} given)",
            pos.len() + args.kwnames.len()
        )));
    }
    let mut vals: [Option<Value>; 4] = [None, None, None, None];
    for (slot, v) in vals.iter_mut().zip(pos) {
        *slot = Some(v.clone());
    }
    for (k, v) in args.kwargs() {
        let k = str_of(k);
        match NAMES.iter().position(|n| *n == k) {
            Some(i) if vals[i].is_none() => vals[i] = Some(v.clone()),
            Some(i) => {
                return Err(vm.type_error(format!(
                    "argument for warn() given by name ('{k}') and position ({})",
                    i + 1
                )))
            }
            None => {
                return Err(
                    vm.type_error(format!("'{k}' is an invalid keyword argument for warn()"))
                )
            }
        }
    }
    let [message, category, stacklevel, source] = vals;
    let Some(message) = message else {
        return Err(vm.type_error("warn() missing required argument 'message' (pos 1)"));
    };
    let b = vm.builtins.clone();
    let import = match vm.get_attr_raw(&b, "__import__") {
        Some(f) => f,
        None => return Err(vm.system_error("no __import__")),
    };
    let name = vm.new_str("warnings");
    let module = vm.call(&import, &[name])?;
    let warn = vm.getattr_str(&module, "warn")?;
    vm.call(
        &warn,
        &[
            message,
            category.unwrap_or(Value::None),
            stacklevel.unwrap_or(Value::Int(1)),
            source.unwrap_or(Value::None),
        ],
    )
}
