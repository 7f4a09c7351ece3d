//! `gc`: the collector's interface. Reference counting frees everything
//! but cycles, and the cycle collector is issue 7: until then `collect()`
//! runs pending finalizers and weakref callbacks and returns 0, the
//! thresholds and debug flags are stored, and `get_objects()` is empty.

use std::cell::Cell;

use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

std::thread_local! {
    static ENABLED: Cell<bool> = const { Cell::new(true) };
    static THRESHOLD: Cell<(i64, i64, i64)> = const { Cell::new((700, 10, 10)) };
    static DEBUG: Cell<i64> = const { Cell::new(0) };
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("gc");
    vm.add_functions(
        &m,
        &[
            ("enable", gc_enable),
            ("disable", gc_disable),
            ("isenabled", gc_isenabled),
            ("collect", gc_collect),
            ("get_count", gc_get_count),
            ("get_threshold", gc_get_threshold),
            ("set_threshold", gc_set_threshold),
            ("get_debug", gc_get_debug),
            ("set_debug", gc_set_debug),
            ("get_objects", gc_get_objects),
            ("get_stats", gc_get_stats),
            ("get_referrers", gc_get_referrers),
            ("get_referents", gc_get_referents),
            ("is_tracked", gc_is_tracked),
            ("is_finalized", gc_is_finalized),
            ("freeze", gc_freeze),
            ("unfreeze", gc_freeze),
            ("get_freeze_count", gc_get_freeze_count),
        ],
    );
    for (name, v) in [
        ("DEBUG_STATS", 1),
        ("DEBUG_COLLECTABLE", 2),
        ("DEBUG_UNCOLLECTABLE", 4),
        ("DEBUG_SAVEALL", 32),
        ("DEBUG_LEAK", 38),
    ] {
        vm.set_attr_raw(&m, name, Value::Int(v));
    }
    let callbacks = vm.new_list(Vec::new());
    vm.set_attr_raw(&m, "callbacks", callbacks);
    let garbage = vm.new_list(Vec::new());
    vm.set_attr_raw(&m, "garbage", garbage);
    Ok(m)
}

fn int_arg(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    match vm.index_value(v)? {
        Some(i) => Ok(i),
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(v)
        ))),
    }
}

fn gc_enable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("enable", args, 0, 0)?;
    ENABLED.with(|e| e.set(true));
    Ok(Value::None)
}

fn gc_disable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("disable", args, 0, 0)?;
    ENABLED.with(|e| e.set(false));
    Ok(Value::None)
}

fn gc_isenabled(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("isenabled", args, 0, 0)?;
    Ok(Value::Bool(ENABLED.with(Cell::get)))
}

/// `collect(generation=2)`: run what dropped objects left to do; 0 found.
fn gc_collect(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let gen = args
        .pos()
        .first()
        .cloned()
        .or_else(|| Vm::kwarg(&args, "generation"));
    if args.pos().len() > 1 {
        return Err(vm.type_error(format!(
            "collect() takes at most 1 argument ({} given)",
            args.args.len()
        )));
    }
    if let Some(g) = gen {
        let g = int_arg(vm, &g)?;
        if !(0..=2).contains(&g) {
            return Err(vm.value_error("invalid generation"));
        }
    }
    vm.run_gen_finalizers();
    vm.run_finalizers();
    Ok(Value::Int(0))
}

fn gc_get_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_count", args, 0, 0)?;
    Ok(vm.new_tuple(vec![Value::Int(0), Value::Int(0), Value::Int(0)]))
}

fn gc_get_threshold(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_threshold", args, 0, 0)?;
    let (a, b, c) = THRESHOLD.with(Cell::get);
    Ok(vm.new_tuple(vec![Value::Int(a), Value::Int(b), Value::Int(c)]))
}

fn gc_set_threshold(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.has_kwargs() {
        return Err(vm.type_error("set_threshold() takes no keyword arguments"));
    }
    let pos = args.pos();
    match pos.len() {
        0 => return Err(vm.type_error("set_threshold() takes at least 1 argument (0 given)")),
        n if n > 3 => {
            return Err(vm.type_error(format!(
                "set_threshold() takes at most 3 arguments ({n} given)"
            )))
        }
        _ => {}
    }
    let mut t = THRESHOLD.with(Cell::get);
    let mut vals = Vec::new();
    for v in pos {
        vals.push(int_arg(vm, v)?);
    }
    if let Some(v) = vals.first() {
        t.0 = *v;
    }
    if let Some(v) = vals.get(1) {
        t.1 = *v;
    }
    if let Some(v) = vals.get(2) {
        t.2 = *v;
    }
    THRESHOLD.with(|c| c.set(t));
    Ok(Value::None)
}

fn gc_get_debug(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_debug", args, 0, 0)?;
    Ok(Value::Int(DEBUG.with(Cell::get)))
}

fn gc_set_debug(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("set_debug", args, 1, 1)?;
    let f = int_arg(vm, &a[0])?;
    DEBUG.with(|d| d.set(f));
    Ok(Value::None)
}

/// `get_objects(generation=None)`: no object list is kept yet.
fn gc_get_objects(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let gen = args
        .pos()
        .first()
        .cloned()
        .or_else(|| Vm::kwarg(&args, "generation"))
        .unwrap_or(Value::None);
    if !gen.is_none() && int_arg(vm, &gen)? >= 3 {
        return Err(vm.value_error(
            "generation parameter must be less than the number of available generations (3)",
        ));
    }
    Ok(vm.new_list(Vec::new()))
}

fn gc_get_stats(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_stats", args, 0, 0)?;
    let mut gens = Vec::new();
    for _ in 0..3 {
        let d = vm.new_dict();
        for k in ["collections", "collected", "uncollectable"] {
            let key = vm.new_str(k);
            vm.dict_set(&d, key, Value::Int(0))?;
        }
        gens.push(Value::Obj(d));
    }
    Ok(vm.new_list(gens))
}

fn gc_get_referrers(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(vm.new_list(Vec::new()))
}

/// Whether the collector would track `v` (CPython's rules: atomic values
/// never; dicts and tuples only when they hold something trackable).
fn is_tracked(v: &Value) -> bool {
    let Value::Obj(o) = v else {
        return false;
    };
    match &o.payload {
        Payload::Int(_)
        | Payload::Float(_)
        | Payload::Complex(..)
        | Payload::Str(_)
        | Payload::Bytes(_)
        | Payload::Range(_)
        | Payload::NotImplemented
        | Payload::Ellipsis => o.dict().is_some(),
        Payload::Object => o.dict().is_some(),
        Payload::Tuple(items) => items.iter().any(is_tracked),
        Payload::Dict(t) => t
            .try_borrow()
            .map(|t| t.iter().any(|e| is_tracked(&e.key) || is_tracked(&e.value)))
            .unwrap_or(true),
        _ => true,
    }
}

fn gc_is_tracked(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("is_tracked", args, 1, 1)?;
    Ok(Value::Bool(is_tracked(&a[0])))
}

fn gc_is_finalized(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("is_finalized", args, 1, 1)?;
    Ok(Value::Bool(false))
}

/// `get_referents(*objs)`: the trackable values the containers hold.
fn gc_get_referents(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("get_referents", args, 0, usize::MAX)?;
    let mut out = Vec::new();
    for v in a {
        let Value::Obj(o) = v else {
            continue;
        };
        match &o.payload {
            Payload::List(items) => {
                let items = items.try_borrow().map(|i| i.clone()).unwrap_or_default();
                out.extend(items.into_iter().rev());
            }
            Payload::Tuple(items) => out.extend(items.iter().cloned()),
            Payload::Dict(_) => {
                for (k, val) in vm.dict_items(o) {
                    if vm.as_str_obj(&k).is_none() {
                        out.push(k);
                    }
                    out.push(val);
                }
            }
            _ => {}
        }
    }
    Ok(vm.new_list(out))
}

fn gc_freeze(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("freeze", args, 0, 0)?;
    Ok(Value::None)
}

fn gc_get_freeze_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_freeze_count", args, 0, 0)?;
    Ok(Value::Int(0))
}
