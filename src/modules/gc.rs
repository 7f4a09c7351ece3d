//! `gc`: the interface of the cycle collector (src/objects/gc.rs, see
//! docs/gc.md): collection, thresholds and counts, debug flags, the
//! tracked objects and their references, freezing, `callbacks` and
//! `garbage`.

use crate::objects::function::Args;
use crate::objects::gc::{self as core, GenStats};
use crate::objects::gc_traverse;
use crate::objects::Payload;
use crate::vm::value::Truth;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

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
            ("unfreeze", gc_unfreeze),
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
    let garbage = vm.new_list(Vec::new());
    if let (Value::Obj(c), Value::Obj(g)) = (&callbacks, &garbage) {
        core::set_lists(c.clone(), g.clone());
    }
    vm.set_attr_raw(&m, "callbacks", callbacks);
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
    core::with_ctl(|c| c.enabled = true);
    core::settings_changed();
    Ok(Value::None)
}

fn gc_disable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("disable", args, 0, 0)?;
    core::with_ctl(|c| c.enabled = false);
    core::settings_changed();
    Ok(Value::None)
}

fn gc_isenabled(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("isenabled", args, 0, 0)?;
    Ok(Value::bool(core::with_ctl(|c| c.enabled).unwrap_or(false)))
}

/// `collect(generation=2)`: the number of unreachable objects found.
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
    let mut g = 2;
    if let Some(v) = gen {
        g = int_arg(vm, &v)?;
        if !(0..=2).contains(&g) {
            return Err(vm.value_error("invalid generation"));
        }
    }
    // What dropped objects left to do first, as it would have run before
    // this call in CPython.
    vm.run_gen_finalizers();
    vm.run_finalizers();
    let n = vm.gc_collect_with_callback(g as usize);
    vm.run_gen_finalizers();
    vm.run_finalizers();
    Ok(Value::Int(n))
}

fn gc_get_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_count", args, 0, 0)?;
    let c = core::get_count();
    Ok(vm.new_tuple(c.iter().map(|&x| Value::Int(x)).collect()))
}

fn gc_get_threshold(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_threshold", args, 0, 0)?;
    let t = core::with_ctl(|c| c.thresholds).unwrap_or([700, 10, 10]);
    Ok(vm.new_tuple(t.iter().map(|&x| Value::Int(x)).collect()))
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
    let mut vals = Vec::new();
    for v in pos {
        vals.push(int_arg(vm, v)?);
    }
    core::with_ctl(|c| {
        for (t, v) in c.thresholds.iter_mut().zip(vals) {
            *t = v;
        }
    });
    core::settings_changed();
    Ok(Value::None)
}

fn gc_get_debug(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_debug", args, 0, 0)?;
    Ok(Value::Int(core::with_ctl(|c| c.debug).unwrap_or(0)))
}

fn gc_set_debug(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("set_debug", args, 1, 1)?;
    let f = int_arg(vm, &a[0])?;
    core::with_ctl(|c| c.debug = f);
    Ok(Value::None)
}

/// Whether the collector tracks `o` (CPython's rules: atomic values never;
/// dicts only while they hold something trackable).
fn is_tracked(o: &PyRef) -> bool {
    if let Payload::Dict(t) = &o.payload {
        let holds = t
            .try_borrow()
            .map(|t| t.iter().any(|e| may_track(&e.key) || may_track(&e.value)))
            .unwrap_or(true);
        if !holds {
            return false;
        }
    }
    core::is_registered(o)
}

/// Whether a dict holding `v` is tracked (`MAINTAIN_TRACKING`).
fn may_track(v: &Value) -> bool {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(_) | Payload::Dict(_) => is_tracked(o),
            p => gc_traverse::is_container(p) || core::is_registered(o),
        },
        _ => false,
    }
}

/// `get_objects(generation=None)`: the tracked objects.
fn gc_get_objects(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let gen = args
        .pos()
        .first()
        .cloned()
        .or_else(|| Vm::kwarg(&args, "generation"))
        .unwrap_or(Value::None);
    let gen = if gen.is_none() {
        None
    } else {
        let g = int_arg(vm, &gen)?;
        if g >= 3 {
            return Err(vm.value_error(
                "generation parameter must be less than the number of available generations (3)",
            ));
        }
        if g < 0 {
            return Err(vm.value_error("generation parameter cannot be negative"));
        }
        Some(g as usize)
    };
    let objs: Vec<Value> = core::objects(gen)
        .into_iter()
        .filter(|o| match &o.payload {
            Payload::Dict(_) => is_tracked(o),
            _ => true,
        })
        .map(Value::Obj)
        .collect();
    Ok(vm.new_list(objs))
}

fn gc_get_stats(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_stats", args, 0, 0)?;
    let stats = core::with_ctl(|c| c.stats).unwrap_or([GenStats::default(); 3]);
    let mut gens = Vec::new();
    for s in stats {
        let d = vm.new_dict();
        for (k, v) in [
            ("collections", s.collections),
            ("collected", s.collected),
            ("uncollectable", s.uncollectable),
        ] {
            let key = vm.new_str(k);
            vm.dict_set(&d, key, Value::Int(v))?;
        }
        gens.push(Value::Obj(d));
    }
    Ok(vm.new_list(gens))
}

/// `get_referrers(*objs)`: the tracked objects that refer to any of objs.
fn gc_get_referrers(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("get_referrers", args, 0, usize::MAX)?;
    let targets: Vec<*const crate::objects::PyObject> = a
        .iter()
        .filter_map(|v| v.as_obj().map(crate::objects::rc::Rc::as_ptr))
        .collect();
    let mut out = Vec::new();
    if !targets.is_empty() {
        for o in core::objects(None) {
            let mut hit = false;
            gc_traverse::traverse(&o, &mut |v| {
                if let Value::Obj(r) = v {
                    hit |= targets.contains(&crate::objects::rc::Rc::as_ptr(r));
                }
            });
            if hit {
                out.push(Value::Obj(o));
            }
        }
    }
    Ok(vm.new_list(out))
}

fn gc_is_tracked(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("is_tracked", args, 1, 1)?;
    Ok(Value::Bool(match &a[0] {
        Value::Obj(o) => Truth::from(is_tracked(o)),
        _ => Truth::from(false),
    }))
}

fn gc_is_finalized(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("is_finalized", args, 1, 1)?;
    Ok(Value::Bool(match &a[0] {
        Value::Obj(o) => Truth::from(crate::objects::finalize::is_finalized(
            crate::objects::rc::Rc::as_ptr(o) as usize,
        )),
        _ => Truth::from(false),
    }))
}

/// `get_referents(*objs)`: what the containers among objs refer to.
fn gc_get_referents(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("get_referents", args, 0, usize::MAX)?;
    let mut out = Vec::new();
    for v in a {
        let Value::Obj(o) = v else {
            continue;
        };
        let heap = o
            .class()
            .as_ref()
            .and_then(crate::objects::typeobj::type_data)
            .is_some_and(|t| t.has_flag(crate::objects::typeobj::FLAG_HEAPTYPE));
        if !heap && !gc_traverse::is_container(&o.payload) {
            continue;
        }
        // A dict whose keys are all str visits only its values.
        let str_keys = match &o.payload {
            Payload::Dict(t) => t.try_borrow().is_ok_and(|t| {
                t.iter().all(
                    |e| matches!(&e.key, Value::Obj(k) if matches!(k.payload, Payload::Str(_))),
                )
            }),
            _ => false,
        };
        let mut items = Vec::new();
        if let Some(vals) = inline_values(o) {
            // CPython 3.11 keeps an instance's attributes in the instance.
            out.extend(vals);
            if let Some(c) = o.class() {
                out.push(Value::Obj(c));
            }
            continue;
        }
        gc_traverse::traverse(o, &mut |r| {
            if !r.is_null() {
                items.push(r.clone());
            }
        });
        if str_keys {
            // traverse gives value, key pairs: keep the values.
            items = items.into_iter().step_by(2).collect();
        }
        out.extend(items);
    }
    Ok(vm.new_list(out))
}

fn gc_freeze(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("freeze", args, 0, 0)?;
    core::freeze();
    Ok(Value::None)
}

fn gc_unfreeze(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("unfreeze", args, 0, 0)?;
    core::unfreeze();
    Ok(Value::None)
}

fn gc_get_freeze_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_freeze_count", args, 0, 0)?;
    Ok(Value::Int(core::freeze_count() as i64))
}

/// The attribute values of an instance whose `__dict__` nobody else holds
/// (CPython 3.11's inline values).
fn inline_values(o: &PyRef) -> Option<Vec<Value>> {
    if !matches!(o.payload, Payload::Object) {
        return None;
    }
    if let Some(vs) = o.inline_values() {
        return Some(vs);
    }
    let d = o.dict_made()?;
    if crate::objects::rc::Rc::strong_count(&d) != 2 {
        return None;
    }
    match &d.payload {
        Payload::Dict(t) => Some(
            t.try_borrow()
                .ok()?
                .iter()
                .map(|e| e.value.clone())
                .collect(),
        ),
        _ => None,
    }
}
