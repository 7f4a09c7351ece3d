//! `collections.defaultdict`: a dict subclass (its instances carry the
//! VM's dict payload, so every dict method applies) with a
//! `default_factory` that `__missing__` calls. The factory lives in a
//! per-thread side table keyed by the dict's identity (checked through a
//! weak reference), since the dict payload has no room for it.

use crate::objects::rc::{Rc, Weak};
use std::cell::RefCell;
use std::collections::HashMap;

use crate::modules::itertools::clinic;
use crate::objects::function::Args;
use crate::objects::{Payload, PyObject};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

crate::interp_local! {
    static FACTORIES: RefCell<Factories> = RefCell::new(Factories::default());
}

#[derive(Default)]
struct Factories {
    map: HashMap<usize, (Weak<PyObject>, Value)>,
    /// Size after the last sweep of dead entries.
    swept: usize,
}

fn key(o: &PyRef) -> usize {
    Rc::as_ptr(o) as *const u8 as usize
}

/// The default_factory of defaultdict `o` (None when unset).
pub fn factory_of(o: &PyRef) -> Value {
    FACTORIES.with(|f| {
        let f = f.borrow();
        match f.map.get(&key(o)) {
            Some((w, v)) if w.upgrade().is_some_and(|x| Rc::ptr_eq(&x, o)) => v.clone(),
            _ => Value::None,
        }
    })
}

/// Set the default_factory of `o`.
pub fn set_factory(o: &PyRef, v: Value) {
    let old = FACTORIES.with(|f| {
        let mut f = f.borrow_mut();
        let mut dead = Vec::new();
        if f.map.len() >= 2 * f.swept.max(32) {
            f.map.retain(|_, (w, v)| {
                if w.strong_count() == 0 {
                    dead.push(std::mem::take(v));
                    false
                } else {
                    true
                }
            });
            f.swept = f.map.len();
        }
        let old = f.map.insert(key(o), (Rc::downgrade(o), v));
        (old, dead)
    });
    drop(old);
}

/// The collector's view of the factory (CPython's `defdict_traverse`):
/// the side table's entry for the live dict `o` is owned by `o`, so a
/// cycle through its factory (`defaultdict(lambda: owner)`) is found.
pub fn traverse_factory(o: &PyObject, visit: &mut dyn FnMut(&Value)) {
    let _ = FACTORIES.try_with(|f| {
        if let Ok(f) = f.try_borrow() {
            if let Some((w, v)) = f.map.get(&(o as *const PyObject as usize)) {
                if std::ptr::eq(w.as_ptr(), o) && w.strong_count() > 0 {
                    visit(v);
                }
            }
        }
    });
}

/// Take the factory of `o` out of the side table (the collector's clear,
/// and the dict's deallocation: the factory dies with its dict).
pub fn take_factory(o: &PyObject) -> Option<Value> {
    FACTORIES
        .try_with(|f| {
            let mut f = f.try_borrow_mut().ok()?;
            let k = o as *const PyObject as usize;
            match f.map.get(&k) {
                Some((w, _)) if std::ptr::eq(w.as_ptr(), o) => f.map.remove(&k).map(|(_, v)| v),
                _ => None,
            }
        })
        .ok()
        .flatten()
}

fn self_dd(vm: &Vm, args: &Args, name: &str) -> PyResult<PyRef> {
    match args.args.first() {
        Some(Value::Obj(o)) if matches!(o.payload, Payload::Dict(_)) => Ok(o.clone()),
        other => Err(vm.type_error(format!(
            "descriptor '{name}' for 'collections.defaultdict' objects doesn't apply to a '{}' object",
            other.map_or_else(|| "nothing".to_string(), |v| vm.type_name_of(v))
        ))),
    }
}

fn defdict_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dd(vm, &args, "__init__")?;
    let pos = args.pos();
    let mut factory = Value::None;
    let mut rest: Vec<Value> = vec![Value::Obj(d.clone())];
    if let Some(f) = pos.get(1) {
        if !f.is_none() && !vm.callable(f) {
            return Err(vm.type_error("first argument must be callable or None"));
        }
        factory = f.clone();
        rest.extend(pos.get(2..).unwrap_or(&[]).iter().cloned());
    }
    set_factory(&d, factory);
    rest.extend(args.kwargs().map(|(_, v)| v.clone()));
    let init = vm
        .type_lookup_static(&vm.types.dict.clone(), "__init__")
        .ok_or_else(|| vm.system_error("dict.__init__ missing"))?;
    vm.call_args(
        &init,
        Args {
            args: &rest,
            kwnames: args.kwnames,
        },
    )
}

fn defdict_missing(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dd(vm, &args, "__missing__")?;
    let a = vm.check_args("__missing__", args, 1, 1)?;
    let f = factory_of(&d);
    if f.is_none() {
        return Err(vm.key_error(a[0].clone()));
    }
    let v = vm.call(&f, &[])?;
    vm.setitem(&Value::Obj(d), a[0].clone(), v.clone())?;
    Ok(v)
}

/// `dict.__repr__(d)` for a dict subclass instance.
fn dict_body_repr(vm: &mut Vm, d: &PyRef) -> PyResult<String> {
    let items = vm.dict_items(d);
    if items.is_empty() {
        return Ok("{}".into());
    }
    if !vm.repr_enter(d) {
        return Ok("{...}".into());
    }
    let mut parts = Vec::with_capacity(items.len());
    for (k, v) in items {
        let r = vm
            .repr(&k)
            .and_then(|k| Ok(format!("{k}: {}", vm.repr(&v)?)));
        match r {
            Ok(s) => parts.push(s),
            Err(e) => {
                vm.repr_leave(d);
                return Err(e);
            }
        }
    }
    vm.repr_leave(d);
    Ok(format!("{{{}}}", parts.join(", ")))
}

fn defdict_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dd(vm, &args, "__repr__")?;
    let f = factory_of(&d);
    let frepr = match &f {
        Value::Obj(fo) => {
            if vm.repr_enter(fo) {
                let r = vm.repr(&f);
                vm.repr_leave(fo);
                r?
            } else {
                "...".to_string()
            }
        }
        other => vm.repr(other)?,
    };
    let body = dict_body_repr(vm, &d)?;
    let name = crate::modules::itertools::short_type_name(vm, &Value::Obj(d));
    Ok(vm.new_string(format!("{name}({frepr}, {body})")))
}

/// `type(d)(d.default_factory, d)`.
fn copy_as(vm: &mut Vm, cls_of: &PyRef, src: &Value) -> PyResult<Value> {
    let cls = Value::Obj(vm.type_of(&Value::Obj(cls_of.clone())));
    let f = factory_of(cls_of);
    vm.call(&cls, &[f, src.clone()])
}

fn defdict_copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dd(vm, &args, "copy")?;
    vm.check_args("copy", args, 0, 0)?;
    copy_as(vm, &d, &Value::Obj(d.clone()))
}

fn defdict_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dd(vm, &args, "__reduce__")?;
    let dv = Value::Obj(d.clone());
    let cls = Value::Obj(vm.type_of(&dv));
    let f = factory_of(&d);
    let cargs = if f.is_none() {
        vm.new_tuple_of([])
    } else {
        vm.new_tuple_of([f])
    };
    let items = vm.call_method(&dv, "items", &[])?;
    let it = vm.iter(&items)?;
    Ok(vm.new_tuple_of([cls, cargs, Value::None, Value::None, it]))
}

/// CPython's `defdict_or(self, other)`: the result takes the class and
/// factory of whichever operand is a defaultdict (the left one if both).
fn or_impl(vm: &mut Vm, a: &Value, b: &Value, base: &PyRef) -> PyResult<Value> {
    let is_dict = |v: &Value| matches!(v, Value::Obj(o) if matches!(o.payload, Payload::Dict(_)));
    if !is_dict(a) || !is_dict(b) {
        return Ok(vm.not_implemented());
    }
    let ta = vm.type_of(a);
    let left = if crate::objects::typeobj::is_subtype(&ta, base) {
        a
    } else {
        b
    };
    let Value::Obj(lo) = left else {
        return Ok(vm.not_implemented());
    };
    let new = copy_as(vm, lo, a)?;
    vm.call_method(&new, "update", std::slice::from_ref(b))?;
    Ok(new)
}

fn defdict_or(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::self_arg(&args);
    let b = args.args.get(1).cloned().unwrap_or(Value::None);
    let base = super::registered(vm, "defaultdict")?;
    or_impl(vm, &a, &b, &base)
}

fn defdict_ror(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::self_arg(&args);
    let b = args.args.get(1).cloned().unwrap_or(Value::None);
    let base = super::registered(vm, "defaultdict")?;
    or_impl(vm, &b, &a, &base)
}

fn get_factory(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Dict(_)) => Ok(factory_of(o)),
        _ => Err(vm.type_error("descriptor 'default_factory' requires a defaultdict")),
    }
}

fn put_factory(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Dict(_)) => {
            set_factory(o, new.unwrap_or(Value::None));
            Ok(())
        }
        _ => Err(vm.type_error("descriptor 'default_factory' requires a defaultdict")),
    }
}

fn defdict_class_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::positional(vm, &args, 1, "__class_getitem__", 1, 1)?;
    Ok(vm.new_generic_alias(clinic::self_arg(&args), a[0].clone()))
}

pub fn make_type(vm: &mut Vm) -> PyRef {
    use crate::objects::typeobj::{Layout, FLAG_BASETYPE, FLAG_HEAPTYPE};
    let dict = vm.types.dict.clone();
    // Marked a heap type so the dict payload's builtin fast paths (repr,
    // subscription) defer to `__repr__` and `__missing__`.
    let t = vm.new_native_type(
        "collections",
        "defaultdict",
        &dict,
        Layout::Dict,
        FLAG_BASETYPE | FLAG_HEAPTYPE,
    );
    vm.add_methods(
        &t,
        &[
            ("__init__", defdict_init),
            ("__missing__", defdict_missing),
            ("__repr__", defdict_repr),
            ("copy", defdict_copy),
            ("__copy__", defdict_copy),
            ("__reduce__", defdict_reduce),
            ("__or__", defdict_or),
            ("__ror__", defdict_ror),
        ],
    );
    vm.add_classmethods(&t, &[("__class_getitem__", defdict_class_getitem)]);
    vm.add_getsets(&t, &[("default_factory", get_factory, Some(put_factory))]);
    t
}
