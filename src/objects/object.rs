//! `object`: the base of every class — instance creation, default
//! attribute access, identity equality and hashing, `__class__`, `__dict__`.

use crate::objects::rc::Rc;
use crate::vm::value::Truth;

use thin_vec::ThinVec;

use super::attrs::Attrs;
use super::function::Args;
use super::typeobj::{type_data, FLAG_HAS_DICT, FLAG_HEAPTYPE};
use super::{Payload, PyObject};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

impl Vm {
    /// A new instance of `cls` with a builtin payload, plus a `__dict__`
    /// when the class gives its instances one.
    pub fn new_instance_of(&self, cls: &PyRef, payload: Payload) -> PyRef {
        let td = type_data(cls);
        // CPython 3.11's inline values, sized for the class's shared keys
        // (attrs.rs).
        let attrs = match td.filter(|t| t.has_flag(FLAG_HAS_DICT)) {
            Some(t) => {
                let n = t.shared_keys.try_borrow().map_or(0, |k| k.len());
                Attrs::Values(ThinVec::with_capacity(n))
            }
            None => Attrs::None,
        };
        let heap = td.is_some_and(|t| t.has_flag(FLAG_HAS_DICT | FLAG_HEAPTYPE));
        // The payload goes straight into the allocation (a move through a
        // local first was a 16-byte copy that stalled store forwarding).
        let o = if matches!(payload, Payload::Object) && super::slots::uses_instance_payload(cls) {
            PyObject::alloc_with(cls.clone(), attrs, super::slots::new_slot_payload(cls))
        } else {
            PyObject::alloc_with(cls.clone(), attrs, payload)
        };
        let track = (heap || super::gc_traverse::is_container(&o.payload))
            && !td.is_some_and(|t| t.has_flag(super::typeobj::FLAG_UNTRACKED));
        // Instances of classes are containers (they reference their class).
        if track {
            super::gc::track(&o);
        }
        if crate::modules::tracemalloc::tracing() {
            crate::modules::tracemalloc::on_alloc(self, &o);
        }
        o
    }
}

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

/// Whether `cls` overrides `name` relative to `object`.
fn overrides(vm: &mut Vm, cls: &PyRef, name: &str) -> bool {
    match vm.type_lookup_str(cls, name) {
        Some(Value::Obj(o)) => {
            !matches!(&o.payload, Payload::MethodDescr(md) if Rc::ptr_eq(&md.owner, &vm.types.object))
        }
        _ => false,
    }
}

fn object_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) if matches!(c.payload, Payload::Type(_)) => c.clone(),
        Some(other) => {
            return Err(vm.type_error(format!(
                "object.__new__(X): X is not a type object ({})",
                vm.type_name_of(other)
            )))
        }
        None => return Err(vm.type_error("object.__new__(): not enough arguments")),
    };
    let excess = args.args.len() > 1;
    if excess {
        if overrides(vm, &cls, "__new__") {
            return Err(vm.type_error(
                "object.__new__() takes exactly one argument (the type to instantiate)",
            ));
        }
        if !overrides(vm, &cls, "__init__") {
            let name = vm.type_name(&cls);
            return Err(vm.type_error(format!("{name}() takes no arguments")));
        }
    }
    let td_layout = type_data(&cls).map(|t| t.layout);
    if let Some(l) = td_layout {
        if !matches!(l, super::typeobj::Layout::Object) {
            // A class whose solid base is a builtin must use its __new__.
            let name = vm.type_name(&cls);
            return Err(vm.type_error(format!(
                "object.__new__({name}) is not safe, use {name}.__new__()"
            )));
        }
    }
    crate::modules::abc::check_instantiable(vm, &cls)?;
    Ok(Value::Obj(vm.new_instance_of(&cls, Payload::Object)))
}

fn object_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.args.len() > 1 {
        let s = arg(&args, 0);
        let cls = vm.type_of(&s);
        if overrides(vm, &cls, "__init__") {
            return Err(vm.type_error(
                "object.__init__() takes exactly one argument (the instance to initialize)",
            ));
        }
        if !overrides(vm, &cls, "__new__") {
            let name = vm.type_name(&cls);
            return Err(vm.type_error(format!(
                "{name}.__init__() takes exactly one argument (the instance to initialize)"
            )));
        }
    }
    Ok(Value::None)
}

fn object_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = arg(&args, 0);
    let r = match &s {
        Value::Obj(o) => vm.default_repr(o),
        _ => vm.repr(&s)?,
    };
    Ok(vm.new_string(r))
}

fn object_str(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = arg(&args, 0);
    let r = vm.repr(&s)?;
    Ok(vm.new_string(r))
}

fn object_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if arg(&args, 0).is(&arg(&args, 1)) {
        Ok(Value::Bool(Truth::True))
    } else {
        Ok(vm.not_implemented())
    }
}

fn object_ne(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (a, b) = (arg(&args, 0), arg(&args, 1));
    let r = match vm.call_special(&a, "__eq__", &[b])? {
        Some(r) => r,
        None => return Ok(vm.not_implemented()),
    };
    if vm.is_not_implemented(&r) {
        return Ok(r);
    }
    Ok(Value::bool(!vm.truthy(&r)?))
}

/// `object.__lt__` and friends: only identity equality is defined.
fn object_richcmp_unimpl(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(vm.not_implemented())
}

fn object_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = arg(&args, 0);
    match &s {
        Value::Obj(o) => Ok(Value::Int(crate::pyhash::hash_pointer(
            Rc::as_ptr(o) as *const u8 as usize,
        ))),
        _ => Ok(Value::Int(vm.hash(&s)?)),
    }
}

fn name_arg(vm: &Vm, v: &Value) -> PyResult<PyRef> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Str(_)) => Ok(o.clone()),
        _ => Err(vm.type_error(format!(
            "attribute name must be string, not '{}'",
            vm.type_name_of(v)
        ))),
    }
}

fn object_getattribute(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = arg(&args, 0);
    let name = name_arg(vm, &arg(&args, 1))?;
    let ty = vm.type_of(&s);
    vm.generic_getattr(&s, &name, &ty)
}

fn object_setattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = arg(&args, 0);
    let name = name_arg(vm, &arg(&args, 1))?;
    vm.generic_setattr(&s, &name, Some(arg(&args, 2)))?;
    Ok(Value::None)
}

fn object_delattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = arg(&args, 0);
    let name = name_arg(vm, &arg(&args, 1))?;
    vm.generic_setattr(&s, &name, None)?;
    Ok(Value::None)
}

fn object_format(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = arg(&args, 0);
    let spec = vm.check_args("object.__format__", args, 1, 1)?[0].clone();
    let Some(text) = vm.as_str_obj(&spec) else {
        return Err(vm.type_error(format!(
            "__format__() argument must be str, not {}",
            vm.type_name_of(&spec)
        )));
    };
    if !text.as_str().is_empty() {
        let tn = vm.type_name_of(&s);
        return Err(vm.type_error(format!(
            "unsupported format string passed to {tn}.__format__"
        )));
    }
    vm.str_value(&s)
}

fn object_init_subclass(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if !args.has_kwargs() {
        vm.check_args("object.__init_subclass__", args, 0, 0)?;
    } else {
        let name = match arg(&args, 0) {
            Value::Obj(c) if type_data(&c).is_some() => vm.type_name(&c),
            _ => "object".to_string(),
        };
        return Err(vm.type_error(format!(
            "{name}.__init_subclass__() takes no keyword arguments"
        )));
    }
    Ok(Value::None)
}

fn object_subclasshook(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(vm.not_implemented())
}

/// `object.__sizeof__()` (and the builtin types' own): CPython 3.11's
/// size of the object (objects/sizeof.rs).
fn object_sizeof(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = arg(&args, 0);
    vm.check_shared_args(object_sizeof, "__sizeof__", args, 0, 0)?;
    Ok(Value::Int(vm.object_sizeof(&s) as i64))
}

fn object_dir(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = arg(&args, 0);
    vm.check_args("object.__dir__", args, 0, 0)?;
    let names = vm.dir_names(&s)?;
    Ok(vm.new_list(names))
}

fn get_class(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Obj(vm.type_of(v)))
}

fn set_class(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let cls = match new {
        Some(Value::Obj(c)) if type_data(&c).is_some() => c,
        Some(other) => {
            return Err(vm.type_error(format!(
                "__class__ must be set to a class, not '{}' object",
                vm.type_name_of(&other)
            )))
        }
        None => return Err(vm.type_error("can't delete __class__ attribute")),
    };
    let Value::Obj(o) = v else {
        return Err(vm.type_error(
            "__class__ assignment only supported for mutable types or ModuleType subclasses",
        ));
    };
    let old = vm.type_of(v);
    let (Some(a), Some(b)) = (type_data(&old), type_data(&cls)) else {
        return Err(vm.type_error("__class__ must be set to a class"));
    };
    if !b.has_flag(super::typeobj::FLAG_HEAPTYPE) || !a.has_flag(super::typeobj::FLAG_HEAPTYPE) {
        return Err(vm.type_error(
            "__class__ assignment only supported for mutable types or ModuleType subclasses",
        ));
    }
    if a.layout != b.layout {
        return Err(vm.type_error(format!(
            "__class__ assignment: '{}' object layout differs from '{}'",
            b.name(),
            a.name()
        )));
    }
    // Inline values are indexed by the old class's shared keys: the
    // object keeps its attributes in a dict from now on.
    if o.has_values() {
        drop(o.dict());
    }
    o.set_class(cls);
    Ok(())
}

pub(crate) fn get_dict(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    if let Value::Obj(o) = v {
        if let Some(d) = o.dict() {
            if !matches!(o.payload, Payload::Type(_)) {
                return Ok(Value::Obj(d));
            }
        }
    }
    let ty = vm.type_of(v);
    let name = vm.intern("__dict__");
    Err(vm.no_attribute(v, &ty, &name))
}

pub(crate) fn set_dict(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    match (v, new) {
        (Value::Obj(o), Some(Value::Obj(d)))
            if matches!(d.payload, Payload::Dict(_)) && o.has_attrs() =>
        {
            o.set_dict(Some(d));
            Ok(())
        }
        (_, Some(other)) => Err(vm.type_error(format!(
            "__dict__ must be set to a dictionary, not a '{}'",
            vm.type_name_of(&other)
        ))),
        _ => Err(vm.type_error("cannot delete __dict__")),
    }
}

pub fn install(vm: &mut Vm) {
    let t = vm.types.object.clone();
    vm.add_methods(
        &t,
        &[
            ("__init__", object_init),
            ("__repr__", object_repr),
            ("__str__", object_str),
            ("__eq__", object_eq),
            ("__ne__", object_ne),
            ("__lt__", object_richcmp_unimpl),
            ("__le__", object_richcmp_unimpl),
            ("__gt__", object_richcmp_unimpl),
            ("__ge__", object_richcmp_unimpl),
            ("__hash__", object_hash),
            ("__getattribute__", object_getattribute),
            ("__setattr__", object_setattr),
            ("__delattr__", object_delattr),
            ("__format__", object_format),
            ("__dir__", object_dir),
        ],
    );
    vm.add_staticmethods(&t, &[("__new__", object_new)]);
    vm.add_classmethods(
        &t,
        &[
            ("__init_subclass__", object_init_subclass),
            ("__subclasshook__", object_subclasshook),
        ],
    );
    vm.add_getsets(&t, &[("__class__", get_class, Some(set_class))]);
    vm.add_methods(&t, &[("__sizeof__", object_sizeof)]);
    // The types whose method tables list their own `__sizeof__` in CPython
    // (the descriptor names them in its messages).
    for c in [
        vm.types.bytearray.clone(),
        vm.types.list.clone(),
        vm.types.dict.clone(),
        vm.types.set.clone(),
        vm.types.frozenset.clone(),
        vm.types.type_.clone(),
        vm.types.code.clone(),
        vm.types.generator.clone(),
    ] {
        vm.add_methods(&c, &[("__sizeof__", object_sizeof)]);
    }
    let doc = vm.new_str(
        "The base class of the class hierarchy.\n\nWhen called, it accepts no arguments and returns a new featureless\ninstance that has no instance attributes and cannot be given any.\n",
    );
    vm.add_type_attr(&t, "__doc__", doc);
    // Builtin types whose instances carry a `__dict__` (CPython gives each
    // its own `__dict__` descriptor; classes get theirs when created).
    let base_exc = vm.exc_type(crate::objects::exception::ExcKind::BaseException);
    for ty in [vm.types.function.clone(), vm.types.module.clone(), base_exc] {
        vm.add_getsets(&ty, &[("__dict__", get_dict, Some(set_dict))]);
    }
    let none = vm.types.none_type.clone();
    vm.add_methods(&none, &[("__repr__", object_repr), ("__bool__", none_bool)]);
    vm.add_staticmethods(&none, &[("__new__", none_new)]);
    let ni = vm.types.notimpl_type.clone();
    vm.add_staticmethods(&ni, &[("__new__", notimpl_new)]);
    vm.add_methods(&ni, &[("__bool__", notimpl_bool)]);
    let el = vm.types.ellipsis_type.clone();
    vm.add_staticmethods(&el, &[("__new__", ellipsis_new)]);
}

/// `bool(NotImplemented)`: True, with a DeprecationWarning (3.9+).
fn notimpl_bool(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    crate::modules::warnings::warn(
        vm,
        crate::objects::exception::ExcKind::DeprecationWarning,
        "NotImplemented should not be used in a boolean context",
        1,
    )?;
    Ok(Value::Bool(Truth::True))
}

fn none_bool(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Bool(Truth::False))
}

/// The singletons' types return the singleton and take no arguments.
fn singleton_new(vm: &mut Vm, args: Args, name: &str) -> PyResult<()> {
    if args.args.len() > 1 {
        return Err(vm.type_error(format!("{name} takes no arguments")));
    }
    Ok(())
}

fn none_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    singleton_new(vm, args, "NoneType")?;
    Ok(Value::None)
}

fn notimpl_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    singleton_new(vm, args, "NotImplementedType")?;
    Ok(vm.not_implemented())
}

fn ellipsis_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    singleton_new(vm, args, "ellipsis")?;
    Ok(Value::Obj(vm.ellipsis.clone()))
}
