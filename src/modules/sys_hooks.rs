//! The async-generator hooks of `sys` (`get_asyncgen_hooks`,
//! `set_asyncgen_hooks`, which asyncio's event loop installs around
//! `run_forever`) and `sys.is_finalizing`.

use crate::vm::value::Truth;
use std::cell::RefCell;

use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

crate::interp_local! {
    /// (firstiter, finalizer); None when unset.
    static HOOKS: RefCell<(Value, Value)> = const { RefCell::new((Value::None, Value::None)) };
    static HOOKS_TYPE: RefCell<Option<PyRef>> = const { RefCell::new(None) };
}

/// Exchange the asyncgen hooks with `other` (a thread switch: they are
/// per thread, src/vm/gil.rs).
pub fn swap_hooks(other: &mut (Value, Value)) {
    HOOKS.with(|h| std::mem::swap(&mut *h.borrow_mut(), other));
}

/// Add the functions to `sys`.
pub fn install(vm: &mut Vm) {
    let sys = vm.sys.clone();
    // CPython names the type plainly (module "builtins").
    let t = vm.new_structseq_type(
        "builtins",
        "asyncgen_hooks",
        &["firstiter", "finalizer"],
        false,
    );
    HOOKS_TYPE.with(|h| *h.borrow_mut() = Some(t));
    vm.add_functions(
        &sys,
        &[
            ("get_asyncgen_hooks", sys_get_asyncgen_hooks),
            ("set_asyncgen_hooks", sys_set_asyncgen_hooks),
            ("is_finalizing", sys_is_finalizing),
        ],
    );
}

/// The (firstiter, finalizer) hooks in force (None when unset).
pub fn asyncgen_hooks() -> (Value, Value) {
    HOOKS.with(|h| h.borrow().clone())
}

fn sys_get_asyncgen_hooks(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_asyncgen_hooks", args, 0, 0)?;
    let (first, fin) = HOOKS.with(|h| h.borrow().clone());
    let t = HOOKS_TYPE
        .with(|h| h.borrow().clone())
        .ok_or_else(|| vm.system_error("sys.asyncgen_hooks is missing"))?;
    Ok(vm.new_structseq(&t, vec![first, fin]))
}

/// `set_asyncgen_hooks([firstiter] [, finalizer])`: each None or callable;
/// an omitted one stays as it was.
fn sys_set_asyncgen_hooks(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = crate::modules::posix::util::parse_args(
        vm,
        &args,
        "set_asyncgen_hooks",
        &["firstiter", "finalizer"],
        0,
        2,
    )?;
    for (v, what) in [(&a[1], "finalizer"), (&a[0], "firstiter")] {
        if let Some(v) = v {
            if !v.is_none() && !vm.callable(v) {
                return Err(vm.type_error(format!(
                    "callable {what} expected, got {}",
                    vm.type_name_of(v)
                )));
            }
        }
    }
    HOOKS.with(|h| {
        let mut h = h.borrow_mut();
        if let Some(f) = &a[1] {
            h.1 = f.clone();
        }
        if let Some(f) = &a[0] {
            h.0 = f.clone();
        }
    });
    Ok(Value::None)
}

fn sys_is_finalizing(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("is_finalizing", args, 0, 0)?;
    Ok(Value::Bool(Truth::False))
}
