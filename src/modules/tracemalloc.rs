//! `_tracemalloc`, minimal: pycvm does not trace allocations, so tracing
//! can be switched on and off (with the frame limit checked and kept) but
//! no traces are ever recorded; `tracemalloc.py` imports and reports
//! empty snapshots.

use std::cell::Cell;

use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

crate::interp_local! {
    static TRACING: Cell<bool> = const { Cell::new(false) };
    static LIMIT: Cell<i64> = const { Cell::new(1) };
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_tracemalloc");
    vm.add_functions(
        &m,
        &[
            ("_get_object_traceback", tracemalloc_get_object_traceback),
            ("_get_traces", tracemalloc_get_traces),
            ("clear_traces", tracemalloc_clear_traces),
            ("get_traceback_limit", tracemalloc_get_traceback_limit),
            ("get_traced_memory", tracemalloc_get_traced_memory),
            ("get_tracemalloc_memory", tracemalloc_get_tracemalloc_memory),
            ("is_tracing", tracemalloc_is_tracing),
            ("reset_peak", tracemalloc_clear_traces),
            ("start", tracemalloc_start),
            ("stop", tracemalloc_stop),
        ],
    );
    Ok(m)
}

fn tracemalloc_get_object_traceback(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("_get_object_traceback", args, 1, 1)?;
    Ok(Value::None)
}

fn tracemalloc_get_traces(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("_get_traces", args, 0, 0)?;
    Ok(vm.new_list(Vec::new()))
}

fn tracemalloc_clear_traces(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("clear_traces", args, 0, 0)?;
    Ok(Value::None)
}

fn tracemalloc_get_traceback_limit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_traceback_limit", args, 0, 0)?;
    Ok(Value::Int(LIMIT.with(Cell::get)))
}

fn tracemalloc_get_traced_memory(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_traced_memory", args, 0, 0)?;
    Ok(vm.new_tuple(vec![Value::Int(0), Value::Int(0)]))
}

fn tracemalloc_get_tracemalloc_memory(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_tracemalloc_memory", args, 0, 0)?;
    Ok(Value::Int(64))
}

fn tracemalloc_is_tracing(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("is_tracing", args, 0, 0)?;
    Ok(Value::Bool(TRACING.with(Cell::get)))
}

/// `start(nframe=1)`.
fn tracemalloc_start(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("start", args, 0, 1)?;
    let n = match a.first() {
        Some(v) => match vm.index_value(v)? {
            Some(n) => n,
            None => {
                return Err(vm.type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    vm.type_name_of(v)
                )))
            }
        },
        None => 1,
    };
    if !(1..=65535).contains(&n) {
        return Err(vm.value_error("the number of frames must be in range [1; 65535]"));
    }
    LIMIT.with(|l| l.set(n));
    TRACING.with(|t| t.set(true));
    Ok(Value::None)
}

fn tracemalloc_stop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("stop", args, 0, 0)?;
    TRACING.with(|t| t.set(false));
    Ok(Value::None)
}
