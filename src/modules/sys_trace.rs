//! `sys.settrace`/`gettrace` and `sys.setprofile`/`getprofile`: the hook
//! functions are kept and returned as CPython does (doctest, pdb and
//! coverage tools save and restore them), but pycvm's eval loop does not
//! deliver trace or profile events to them yet. Likewise
//! `sys.set_coroutine_origin_tracking_depth` (asyncio's debug mode) keeps
//! the depth, but coroutines do not record `cr_origin` yet.

use std::cell::RefCell;

use crate::objects::function::Args;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

std::thread_local! {
    /// (trace function, profile function); None when unset.
    static HOOKS: RefCell<(Value, Value)> = const { RefCell::new((Value::None, Value::None)) };
    static ORIGIN_DEPTH: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
}

/// Add the functions to `sys`.
pub fn install(vm: &mut Vm) {
    let sys = vm.sys.clone();
    vm.add_functions(
        &sys,
        &[
            ("settrace", sys_settrace),
            ("gettrace", sys_gettrace),
            ("setprofile", sys_setprofile),
            ("getprofile", sys_getprofile),
            (
                "get_coroutine_origin_tracking_depth",
                sys_get_coroutine_origin_tracking_depth,
            ),
            (
                "set_coroutine_origin_tracking_depth",
                sys_set_coroutine_origin_tracking_depth,
            ),
        ],
    );
}

fn sys_settrace(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("sys.settrace", args, 1, 1)?;
    let f = a.first().cloned().unwrap_or(Value::None);
    HOOKS.with(|h| h.borrow_mut().0 = f);
    Ok(Value::None)
}

fn sys_gettrace(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("sys.gettrace", args, 0, 0)?;
    Ok(HOOKS.with(|h| h.borrow().0.clone()))
}

fn sys_setprofile(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("sys.setprofile", args, 1, 1)?;
    let f = a.first().cloned().unwrap_or(Value::None);
    HOOKS.with(|h| h.borrow_mut().1 = f);
    Ok(Value::None)
}

fn sys_getprofile(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("sys.getprofile", args, 0, 0)?;
    Ok(HOOKS.with(|h| h.borrow().1.clone()))
}

fn sys_get_coroutine_origin_tracking_depth(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_coroutine_origin_tracking_depth", args, 0, 0)?;
    Ok(Value::Int(ORIGIN_DEPTH.with(|d| d.get())))
}

/// `set_coroutine_origin_tracking_depth(depth)`.
fn sys_set_coroutine_origin_tracking_depth(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = crate::modules::io::parse_args(
        vm,
        &args,
        "set_coroutine_origin_tracking_depth",
        &["depth"],
        1,
        0,
    )?;
    let v = a.into_iter().next().flatten().unwrap_or(Value::None);
    let depth = match vm.index_value(&v)? {
        Some(d) => d,
        None => {
            return Err(vm.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                vm.type_name_of(&v)
            )))
        }
    };
    if depth < 0 {
        return Err(vm.value_error("depth must be >= 0"));
    }
    ORIGIN_DEPTH.with(|d| d.set(depth));
    Ok(Value::None)
}
