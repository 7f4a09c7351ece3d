//! `sys.settrace`/`gettrace` and `sys.setprofile`/`getprofile`: the hook
//! functions, kept per thread; the events are delivered by vm/trace.rs.
//! `sys.set_coroutine_origin_tracking_depth`
//! `sys.set_coroutine_origin_tracking_depth` (asyncio's debug mode) keeps
//! the depth, but coroutines do not record `cr_origin` yet.

use std::cell::RefCell;

use crate::objects::function::Args;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

crate::interp_local! {
    /// (trace function, profile function); None when unset.
    static HOOKS: RefCell<(Value, Value)> = const { RefCell::new((Value::None, Value::None)) };
    static ORIGIN_DEPTH: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
}

/// Exchange the hooks with `other` (a thread switch: they are per
/// thread, src/vm/gil.rs).
pub fn swap_hooks(other: &mut (Value, Value)) {
    HOOKS.with(|h| std::mem::swap(&mut *h.borrow_mut(), other));
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
            ("call_tracing", sys_call_tracing),
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

/// The current thread's (trace function, profile function).
pub fn hooks() -> (Value, Value) {
    HOOKS.with(|h| h.borrow().clone())
}

/// Set the trace function (`which` 0) or the profile function (1).
pub fn set_hook(vm: &mut Vm, which: usize, f: Value) {
    HOOKS.with(|h| {
        let mut h = h.borrow_mut();
        if which == 0 {
            h.0 = f;
        } else {
            h.1 = f;
        }
    });
    crate::vm::trace::refresh_flag(vm);
}

fn sys_settrace(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("sys.settrace", args, 1, 1)?;
    let f = a.first().cloned().unwrap_or(Value::None);
    set_hook(vm, 0, f);
    Ok(Value::None)
}

fn sys_gettrace(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("sys.gettrace", args, 0, 0)?;
    Ok(HOOKS.with(|h| h.borrow().0.clone()))
}

fn sys_setprofile(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("sys.setprofile", args, 1, 1)?;
    let f = a.first().cloned().unwrap_or(Value::None);
    set_hook(vm, 1, f);
    Ok(Value::None)
}

fn sys_getprofile(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("sys.getprofile", args, 0, 0)?;
    Ok(HOOKS.with(|h| h.borrow().1.clone()))
}

/// `sys.call_tracing(func, args)`.
fn sys_call_tracing(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("call_tracing", args, 2, 2)?;
    let (Some(f), Some(t)) = (a.first().cloned(), a.get(1).cloned()) else {
        return Err(vm.type_error("call_tracing expected 2 arguments"));
    };
    let items = match &t {
        Value::Obj(o) if matches!(o.payload, crate::objects::Payload::Tuple(_)) => {
            vm.seq_items(&t).unwrap_or_default()
        }
        _ => {
            return Err(vm.type_error(format!(
                "call_tracing() argument 2 must be tuple, not {}",
                vm.arg_type_name(&t)
            )))
        }
    };
    crate::vm::trace::call_tracing(vm, &f, &items)
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
