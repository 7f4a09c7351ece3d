//! `_weakref`: `ref` (`weakref.ReferenceType`, subclassable), the proxy
//! types, `getweakrefcount`, `getweakrefs`, `_remove_dead_weakref`. The
//! mechanism (registry, callbacks at the referent's death) is
//! objects/weakref.rs; proxies are proxy.rs.

mod proxy;

use crate::objects::rc::Rc;
use crate::vm::value::Truth;
use std::cell::RefCell;

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::typeobj::{type_data, Layout, FLAG_BASETYPE, FLAG_HAS_WEAKREF};
use crate::objects::weakref::{data_of, register, weakrefs_of, WeakKind, WeakRefData};
use crate::objects::Payload;
use crate::vm::proto::CmpOp;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The three weakref types, made once per thread (one VM per thread).
#[derive(Clone)]
pub(crate) struct WeakTypes {
    pub reference: PyRef,
    pub proxy: PyRef,
    pub callable_proxy: PyRef,
}

crate::interp_local! {
    static TYPES: RefCell<Option<WeakTypes>> = const { RefCell::new(None) };
}

pub(crate) fn types(vm: &mut Vm) -> WeakTypes {
    if let Some(t) = TYPES.with(|t| t.borrow().clone()) {
        return t;
    }
    let object = vm.types.object.clone();
    let reference = vm.new_native_type(
        "weakref",
        "ReferenceType",
        &object,
        Layout::Native("weakref"),
        FLAG_BASETYPE,
    );
    vm.add_staticmethods(&reference, &[("__new__", ref_new)]);
    vm.add_methods(
        &reference,
        &[
            ("__init__", ref_init),
            ("__call__", ref_call),
            ("__hash__", ref_hash),
            ("__eq__", ref_eq),
            ("__ne__", ref_ne),
            ("__repr__", ref_repr),
        ],
    );
    vm.add_classmethods(&reference, &[("__class_getitem__", ref_class_getitem)]);
    vm.add_getsets(&reference, &[("__callback__", ref_callback, None)]);
    let (proxy, callable_proxy) = proxy::make_types(vm);
    let t = WeakTypes {
        reference,
        proxy,
        callable_proxy,
    };
    TYPES.with(|c| *c.borrow_mut() = Some(t.clone()));
    t
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let t = types(vm);
    let m = vm.new_module("_weakref");
    vm.add_functions(
        &m,
        &[
            ("getweakrefcount", weakref_getweakrefcount),
            ("getweakrefs", weakref_getweakrefs),
            ("proxy", weakref_proxy),
            ("_remove_dead_weakref", weakref_remove_dead_weakref),
        ],
    );
    vm.set_attr_raw(&m, "ref", Value::Obj(t.reference.clone()));
    vm.set_attr_raw(&m, "ReferenceType", Value::Obj(t.reference));
    vm.set_attr_raw(&m, "ProxyType", Value::Obj(t.proxy));
    vm.set_attr_raw(&m, "CallableProxyType", Value::Obj(t.callable_proxy));
    Ok(m)
}

/// Whether `obj` can be weakly referenced (CPython: a type with
/// `tp_weaklistoffset`), else the TypeError CPython raises.
pub(crate) fn check_weakrefable(vm: &Vm, obj: &Value) -> PyResult<PyRef> {
    if let Value::Obj(o) = obj {
        let by_type = o
            .class()
            .as_ref()
            .and_then(type_data)
            .is_some_and(|td| td.has_flag(FLAG_HAS_WEAKREF));
        let by_layout = matches!(
            &o.payload,
            Payload::Type(_)
                | Payload::Function(_)
                | Payload::Method(_)
                | Payload::Builtin(_)
                | Payload::Code(_)
                | Payload::Module(_)
                | Payload::Set(_)
                | Payload::FrozenSet(_)
                | Payload::Generator(_)
                | Payload::MemoryView(_)
                | Payload::Native(_)
                | Payload::Context(_)
        );
        if by_type || by_layout {
            return Ok(o.clone());
        }
    }
    Err(vm.type_error(format!(
        "cannot create weak reference to '{}' object",
        vm.type_name_of(obj)
    )))
}

/// `ref.__new__(cls, ob, callback=None)`.
fn ref_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = args.pos();
    let Some(Value::Obj(cls)) = pos.first() else {
        return Err(vm.type_error("ReferenceType.__new__(): not enough arguments"));
    };
    let cls = cls.clone();
    if args.has_kwargs() {
        return Err(vm.type_error("ref() takes no keyword arguments"));
    }
    let rest = &pos[1..];
    if rest.is_empty() || rest.len() > 2 {
        return Err(vm.type_error(format!(
            "__new__ expected {}, got {}",
            if rest.is_empty() {
                "at least 1 argument"
            } else {
                "at most 2 arguments"
            },
            rest.len()
        )));
    }
    let target = check_weakrefable(vm, &rest[0])?;
    let callback = rest.get(1).cloned().unwrap_or(Value::None);
    let t = types(vm);
    let basic = callback.is_none() && Rc::ptr_eq(&cls, &t.reference);
    if basic {
        if let Some(existing) = weakrefs_of(&target).into_iter().next() {
            if data_of(&existing).is_some_and(|d| d.basic && d.kind == WeakKind::Ref) {
                return Ok(Value::Obj(existing));
            }
        }
    }
    let wr = new_weakref(vm, &cls, &target, callback, WeakKind::Ref, basic);
    register(&target, &wr);
    Ok(Value::Obj(wr))
}

/// `ref.__init__(self, ob, callback=None)`: checks the arguments only.
fn ref_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.has_kwargs() {
        return Err(vm.type_error("ref() takes no keyword arguments"));
    }
    let n = args.pos().len().saturating_sub(1);
    if !(1..=2).contains(&n) {
        return Err(vm.type_error(format!(
            "__init__ expected {}, got {n}",
            if n == 0 {
                "at least 1 argument"
            } else {
                "at most 2 arguments"
            }
        )));
    }
    Ok(Value::None)
}

/// A weakref object of class `cls` (its state inline, `Payload::WeakRef`).
fn new_weakref(
    vm: &Vm,
    cls: &PyRef,
    target: &PyRef,
    callback: Value,
    kind: WeakKind,
    basic: bool,
) -> PyRef {
    let (cb, boxed) = match callback {
        Value::None => (None, false),
        Value::Obj(o) => (Some(o), false),
        other => match vm.new_tuple(vec![other]) {
            Value::Obj(t) => (Some(t), true),
            _ => (None, false),
        },
    };
    vm.new_instance_of(
        cls,
        Payload::WeakRef(WeakRefData::new(target, cb, boxed, kind, basic)),
    )
}

fn ref_data<'a>(vm: &Vm, args: &Args<'a>, method: &str) -> PyResult<&'a WeakRefData> {
    let recv = args.args.first();
    if let Some(Value::Obj(o)) = recv {
        if let Payload::WeakRef(d) = &o.payload {
            return Ok(d);
        }
    }
    let got = recv.map_or_else(|| "nothing".to_string(), |v| vm.type_name_of(v));
    Err(vm.type_error(format!(
        "descriptor '{method}' for 'weakref.ReferenceType' objects doesn't apply to a '{got}' object"
    )))
}

fn or_none(r: Option<PyRef>) -> Value {
    r.map_or(Value::None, Value::Obj)
}

/// `ref()`: the referent or None.
fn ref_call(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = ref_data(vm, &args, "__call__")?;
    if args.has_kwargs() {
        return Err(vm.type_error("weakref() takes no keyword arguments"));
    }
    let n = args.pos().len().saturating_sub(1);
    if n != 0 {
        return Err(vm.type_error(format!("weakref expected 0 arguments, got {n}")));
    }
    Ok(or_none(d.get()))
}

fn ref_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = ref_data(vm, &args, "__hash__")?;
    if let Some(h) = d.cached_hash() {
        return Ok(Value::Int(h));
    }
    let Some(t) = d.get() else {
        return Err(vm.type_error("weak object has gone away"));
    };
    let h = vm.hash(&Value::Obj(t))?;
    d.set_hash(h);
    Ok(Value::Int(h))
}

/// `ref == other`: referents compared when both are alive, else identity.
fn ref_compare(vm: &mut Vm, args: Args, op: CmpOp) -> PyResult<Value> {
    let (Some(a), Some(b)) = (args.args.first(), args.args.get(1)) else {
        return Err(vm.type_error("expected 1 argument"));
    };
    let (Value::Obj(ao), Value::Obj(bo)) = (a, b) else {
        return Ok(vm.not_implemented());
    };
    let (Some(ad), Some(bd)) = (data_of(ao), data_of(bo)) else {
        return Ok(vm.not_implemented());
    };
    if ad.kind != WeakKind::Ref || bd.kind != WeakKind::Ref {
        return Ok(vm.not_implemented());
    }
    match (ad.get(), bd.get()) {
        (Some(x), Some(y)) => vm.richcompare(&Value::Obj(x), &Value::Obj(y), op),
        _ => {
            let same = Rc::ptr_eq(ao, bo);
            Ok(Value::Bool(if op == CmpOp::Eq {
                Truth::from(same)
            } else {
                Truth::from(!same)
            }))
        }
    }
}

fn ref_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    ref_compare(vm, args, CmpOp::Eq)
}

fn ref_ne(vm: &mut Vm, args: Args) -> PyResult<Value> {
    ref_compare(vm, args, CmpOp::Ne)
}

fn addr(o: &PyRef) -> String {
    format!("0x{:x}", Rc::as_ptr(o) as *const u8 as usize)
}

/// `<weakref at 0x..; to 'C' at 0x..>`, with ` (name)` when the referent
/// has a str `__name__`; `<weakref at 0x..; dead>`.
pub(crate) fn weak_repr(
    vm: &mut Vm,
    me: &PyRef,
    target: Option<PyRef>,
    what: &str,
) -> PyResult<String> {
    let Some(t) = target else {
        return Ok(format!("<{what} at {}; dead>", addr(me)));
    };
    let tv = Value::Obj(t.clone());
    let ty = vm.type_of(&tv);
    let name = vm
        .getattr_opt(&tv, "__name__")?
        .and_then(|n| vm.as_str_obj(&n).map(|s| s.as_str().to_string()));
    let tname = vm.type_name(&ty);
    Ok(match name {
        Some(n) => format!(
            "<{what} at {}; to '{tname}' at {} ({n})>",
            addr(me),
            addr(&t)
        ),
        None => format!("<{what} at {}; to '{tname}' at {}>", addr(me), addr(&t)),
    })
}

fn ref_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = ref_data(vm, &args, "__repr__")?;
    let Some(Value::Obj(me)) = args.args.first() else {
        return Err(vm.type_error("bad weakref"));
    };
    let s = weak_repr(vm, me, d.get(), "weakref")?;
    Ok(vm.new_string(s))
}

fn ref_callback(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::WeakRef(_)) => {
            Ok(data_of(o).map(WeakRefData::callback).unwrap_or(Value::None))
        }
        _ => Err(vm.type_error("descriptor '__callback__' doesn't apply")),
    }
}

fn ref_class_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = args.args.first().cloned().unwrap_or(Value::None);
    let b = args.args.get(1).cloned().unwrap_or(Value::None);
    Ok(vm.new_generic_alias(a, b))
}

fn weakref_getweakrefcount(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("getweakrefcount", args, 1, 1)?;
    Ok(match &a[0] {
        Value::Obj(o) => Value::Int(weakrefs_of(o).len() as i64),
        _ => Value::Int(0),
    })
}

fn weakref_getweakrefs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("getweakrefs", args, 1, 1)?;
    let items = match &a[0] {
        Value::Obj(o) => weakrefs_of(o).into_iter().map(Value::Obj).collect(),
        _ => Vec::new(),
    };
    Ok(vm.new_list(items))
}

/// `proxy(object[, callback])`.
fn weakref_proxy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("proxy", args, 1, 2)?;
    let target = check_weakrefable(vm, &a[0])?;
    let callback = a.get(1).cloned().unwrap_or(Value::None);
    let callable = vm.callable(&a[0]);
    let kind = if callable {
        WeakKind::CallableProxy
    } else {
        WeakKind::Proxy
    };
    let basic = callback.is_none();
    if basic {
        for w in weakrefs_of(&target).into_iter().take(2) {
            if data_of(&w).is_some_and(|d| d.basic && d.kind != WeakKind::Ref) {
                return Ok(Value::Obj(w));
            }
        }
    }
    let t = types(vm);
    let cls = if callable { t.callable_proxy } else { t.proxy };
    let wr = new_weakref(vm, &cls, &target, callback, kind, basic);
    register(&target, &wr);
    Ok(Value::Obj(wr))
}

/// `_remove_dead_weakref(dict, key)`: delete `dict[key]` if it is a dead
/// weakref (a missing key is fine).
fn weakref_remove_dead_weakref(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("_remove_dead_weakref", args, 2, 2)?;
    let Value::Obj(d) = &a[0] else {
        return Err(vm.type_error(format!(
            "_remove_dead_weakref() argument 1 must be dict, not {}",
            vm.arg_type_name(&a[0])
        )));
    };
    if !matches!(d.payload, Payload::Dict(_)) {
        return Err(vm.type_error(format!(
            "_remove_dead_weakref() argument 1 must be dict, not {}",
            vm.arg_type_name(&a[0])
        )));
    }
    let Some(v) = vm.dict_get(d, &a[1])? else {
        return Ok(Value::None);
    };
    let dead = match &v {
        Value::Obj(o) => match data_of(o) {
            Some(wd) => wd.get().is_none(),
            None => return Err(vm.type_error("not a weakref")),
        },
        _ => return Err(vm.type_error("not a weakref")),
    };
    if dead {
        match vm.dict_del(d, &a[1]) {
            Ok(_) => {}
            Err(e) if vm.err_is(&e, ExcKind::KeyError) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Value::None)
}
