//! Descriptors written in the VM: `property`, `staticmethod`,
//! `classmethod`, and `super`.

use crate::objects::rc::Rc;
use crate::vm::value::Truth;

use super::function::Args;
use super::typeobj::{type_data, FLAG_CUSTOM_GETATTRIBUTE};
use super::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

fn prop_of(vm: &Vm, v: &Value) -> PyResult<PyRef> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Property(_)) => Ok(o.clone()),
        _ => Err(vm.type_error("descriptor requires a 'property' object")),
    }
}

fn prop_parts(o: &PyRef) -> [Value; 4] {
    match &o.payload {
        Payload::Property(p) => (**p).clone(),
        _ => [Value::None, Value::None, Value::None, Value::None],
    }
}

fn make_property(
    vm: &mut Vm,
    cls: &PyRef,
    parts: [Value; 4],
    name: Option<Value>,
) -> PyResult<Value> {
    let o = vm.new_instance_of(cls, Payload::Property(Box::new(parts.clone())));
    if !o.has_attrs() {
        o.set_dict(Some(vm.new_dict()));
    }
    // The doc defaults to the getter's docstring.
    if parts[3].is_none() && !parts[0].is_none() {
        if let Some(d) = vm.getattr_opt(&parts[0], "__doc__")? {
            vm.set_attr_raw(&o, "__doc__", d);
        }
    } else {
        vm.set_attr_raw(&o, "__doc__", parts[3].clone());
    }
    if let Some(n) = name {
        vm.set_attr_raw(&o, "__name__", n);
    }
    Ok(Value::Obj(o))
}

fn property_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => vm.types.property.clone(),
    };
    let pos = &args.pos()[1.min(args.pos().len())..];
    let mut parts = [Value::None, Value::None, Value::None, Value::None];
    for (i, v) in pos.iter().take(4).enumerate() {
        parts[i] = v.clone();
    }
    for (k, v) in args.kwargs() {
        let i = match crate::vm::proto::str_of(k) {
            "fget" => 0,
            "fset" => 1,
            "fdel" => 2,
            "doc" => 3,
            other => {
                return Err(vm.type_error(format!(
                    "property() got an unexpected keyword argument '{other}'"
                )))
            }
        };
        parts[i] = v.clone();
    }
    make_property(vm, &cls, parts, None)
}

fn property_init(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::None)
}

fn property_copy_with(vm: &mut Vm, args: Args, slot: usize) -> PyResult<Value> {
    let p = prop_of(vm, &arg(&args, 0))?;
    let mut parts = prop_parts(&p);
    parts[slot] = arg(&args, 1);
    let cls = vm.type_of(&Value::Obj(p.clone()));
    let name = vm.get_attr_raw(&p, "__name__");
    let doc_given = vm.get_attr_raw(&p, "__doc__");
    let _ = doc_given;
    make_property(vm, &cls, parts, name)
}
fn property_getter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    property_copy_with(vm, args, 0)
}
fn property_setter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    property_copy_with(vm, args, 1)
}
fn property_deleter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    property_copy_with(vm, args, 2)
}
fn property_set_name(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = prop_of(vm, &arg(&args, 0))?;
    vm.set_attr_raw(&p, "__name__", arg(&args, 2));
    Ok(Value::None)
}
fn property_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = arg(&args, 0);
    let obj = arg(&args, 1);
    let ty = vm.type_of(&obj);
    let o = if obj.is_none() { None } else { Some(&obj) };
    vm.descr_get(p, o, &ty)
}
fn property_set(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = prop_of(vm, &arg(&args, 0))?;
    let f = prop_parts(&p)[1].clone();
    if f.is_none() {
        return Err(vm.attribute_error("can't set attribute"));
    }
    vm.call(&f, &[arg(&args, 1), arg(&args, 2)])
}
fn property_delete(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = prop_of(vm, &arg(&args, 0))?;
    let f = prop_parts(&p)[2].clone();
    if f.is_none() {
        return Err(vm.attribute_error("can't delete attribute"));
    }
    vm.call(&f, &[arg(&args, 1)])
}
fn prop_field(vm: &mut Vm, v: &Value, i: usize) -> PyResult<Value> {
    let p = prop_of(vm, v)?;
    Ok(prop_parts(&p)[i].clone())
}
fn get_fget(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    prop_field(vm, v, 0)
}
fn get_fset(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    prop_field(vm, v, 1)
}
fn get_fdel(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    prop_field(vm, v, 2)
}

/// Whether `f.__isabstractmethod__` is true (missing means false).
fn is_abstract(vm: &mut Vm, f: &Value) -> PyResult<bool> {
    if f.is_none() {
        return Ok(false);
    }
    match vm.getattr_opt(f, "__isabstractmethod__")? {
        Some(v) => vm.truthy(&v),
        None => Ok(false),
    }
}

/// `property.__isabstractmethod__`: any of fget/fset/fdel is abstract.
fn prop_isabstract(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    for i in 0..3 {
        let f = prop_field(vm, v, i)?;
        if is_abstract(vm, &f)? {
            return Ok(Value::Bool(Truth::True));
        }
    }
    Ok(Value::Bool(Truth::False))
}

/// `staticmethod/classmethod.__isabstractmethod__`: the wrapped function's.
fn wrapper_isabstract(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = get_func(vm, v)?;
    Ok(Value::bool(is_abstract(vm, &f)?))
}

fn wrapper_new(vm: &mut Vm, args: Args, class: bool) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => vm.types.staticmethod.clone(),
    };
    let name = if class { "classmethod" } else { "staticmethod" };
    let a = vm.check_args(name, args, 1, 1)?;
    let f = a[0].clone();
    let payload = if class {
        Payload::ClassMethod(f.clone())
    } else {
        Payload::StaticMethod(f.clone())
    };
    let o = vm.new_instance_of(&cls, payload);
    if !o.has_attrs() {
        o.set_dict(Some(vm.new_dict()));
    }
    // `functools_wraps` (Objects/funcobject.c): the callable's metadata
    // copied into the wrapper's dict; `__wrapped__` is a member.
    for attr in [
        "__module__",
        "__name__",
        "__qualname__",
        "__doc__",
        "__annotations__",
    ] {
        if let Some(v) = vm.getattr_opt(&f, attr)? {
            vm.set_attr_raw(&o, attr, v);
        }
    }
    Ok(Value::Obj(o))
}
fn staticmethod_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    wrapper_new(vm, args, false)
}
fn classmethod_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    wrapper_new(vm, args, true)
}
fn wrapper_init(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::None)
}
fn get_func(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::StaticMethod(f) | Payload::ClassMethod(f) => Ok(f.clone()),
            _ => Err(vm.type_error("not a staticmethod or classmethod")),
        },
        _ => Err(vm.type_error("not a staticmethod or classmethod")),
    }
}
fn wrapper_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let w = arg(&args, 0);
    let obj = arg(&args, 1);
    let ty = match args.args.get(2) {
        Some(Value::Obj(t)) if !matches!(args.args.get(2), Some(Value::None)) => t.clone(),
        _ => vm.type_of(&obj),
    };
    let o = if obj.is_none() { None } else { Some(&obj) };
    vm.descr_get(w, o, &ty)
}
fn wrapper_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let w = arg(&args, 0);
    let name = vm.type_name_of(&w);
    let f = get_func(vm, &w)?;
    let r = vm.repr(&f)?;
    Ok(vm.new_string(format!("<{name}({r})>")))
}
fn staticmethod_call(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = get_func(vm, &arg(&args, 0))?;
    vm.call_args(
        &f,
        Args {
            args: &args.args[1..],
            kwnames: args.kwnames,
        },
    )
}

// ------------------------------------------------------------------ super

fn super_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = &args.pos()[1.min(args.pos().len())..];
    let (ty, obj) = match pos.len() {
        0 => vm.super_from_frame()?,
        1 => (pos[0].clone(), Value::None),
        _ => (pos[0].clone(), pos[1].clone()),
    };
    let Value::Obj(t) = &ty else {
        return Err(vm.type_error(format!(
            "super() argument 1 must be a type, not {}",
            vm.type_name_of(&ty)
        )));
    };
    if !matches!(t.payload, Payload::Type(_)) {
        return Err(vm.type_error(format!(
            "super() argument 1 must be a type, not {}",
            vm.type_name_of(&ty)
        )));
    }
    if !obj.is_none() {
        let ot = vm.type_of(&obj);
        let ok = super::typeobj::is_subtype(&ot, t)
            || matches!(&obj, Value::Obj(o) if matches!(o.payload, Payload::Type(_)) && super::typeobj::is_subtype(o, t));
        if !ok {
            return Err(
                vm.type_error("super(type, obj): obj must be an instance or subtype of type")
            );
        }
    }
    Ok(Value::Obj(vm.new_obj(
        &vm.types.super_,
        Payload::Super(ty.clone(), obj),
    )))
}

impl Vm {
    /// Zero-argument `super()`: `__class__` from the frame's cell and the
    /// first argument.
    fn super_from_frame(&mut self) -> PyResult<(Value, Value)> {
        let Some(frame) = self.frames.last() else {
            return Err(self.runtime_error("super(): no current frame"));
        };
        let code = frame.code.clone();
        if code.argcount == 0 && code.flags & crate::pyc::code::CO_VARARGS == 0 {
            return Err(self.runtime_error("super(): no arguments"));
        }
        let base = frame.base;
        let mut first = self.stack.get(base).cloned().unwrap_or(Value::Null);
        if code.is_cell(0) {
            let inner = match &first {
                Value::Obj(c) => match &c.payload {
                    Payload::Cell(inner) => Some(inner.borrow().clone()),
                    _ => None,
                },
                _ => None,
            };
            if let Some(x) = inner {
                first = x;
            }
        }
        if first.is_null() {
            return Err(self.runtime_error("super(): arg[0] deleted"));
        }
        let idx = code
            .localsplusnames
            .iter()
            .position(|n| crate::vm::proto::str_of(n) == "__class__");
        let Some(i) = idx.filter(|&i| code.is_free(i)) else {
            return Err(self.runtime_error("super(): __class__ cell not found"));
        };
        let cls = match self.stack.get(base + i) {
            Some(Value::Obj(c)) => match &c.payload {
                Payload::Cell(inner) => inner.borrow().clone(),
                _ => Value::Null,
            },
            _ => Value::Null,
        };
        if cls.is_null() {
            return Err(self.runtime_error("super(): empty __class__ cell"));
        }
        Ok((cls, first))
    }
}

/// CPython's `supercheck`: the type whose MRO `super(t, obj)` searches —
/// `obj` itself when it is a subclass of `t`, else `type(obj)`.
fn super_start(vm: &Vm, t: &PyRef, obj: &Value) -> PyRef {
    match obj {
        Value::Obj(o) if type_data(o).is_some() && super::typeobj::is_subtype(o, t) => o.clone(),
        _ => vm.type_of(obj),
    }
}

/// What `super(t, obj).name` finds in the MRO of its start type after
/// `t` (the attribute as stored, before `__get__`), and the start type.
/// None: the general lookup answers (`__class__`, an unbound super, a
/// name not found there). Runs no code.
pub(crate) fn super_find(vm: &Vm, t: &PyRef, obj: &Value, name: &PyRef) -> Option<(Value, PyRef)> {
    if obj.is_none() || crate::vm::proto::str_of(name) == "__class__" {
        return None;
    }
    let start = super_start(vm, t, obj);
    let found = {
        let mro = type_data(&start)?.mro.try_borrow().ok()?;
        let i = mro.iter().position(|m| Rc::ptr_eq(m, t))?;
        mro.iter().skip(i + 1).find_map(|m| {
            m.dict()
                .and_then(|d| vm.dict_get_str_nocall(&d, name).ok().flatten())
        })
    };
    found.map(|v| (v, start))
}

fn super_getattribute(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = arg(&args, 0);
    let name = match &arg(&args, 1) {
        Value::Obj(n) if matches!(n.payload, Payload::Str(_)) => n.clone(),
        _ => return Err(vm.type_error("attribute name must be string")),
    };
    let (ty, obj) = match &s {
        Value::Obj(o) => match &o.payload {
            Payload::Super(t, ob) => (t.clone(), ob.clone()),
            _ => return Err(vm.type_error("not a super object")),
        },
        _ => return Err(vm.type_error("not a super object")),
    };
    if let Value::Obj(t) = &ty {
        if let Some((v, start)) = super_find(vm, t, &obj, &name) {
            // CPython passes no instance when obj is the start type.
            let is_start = matches!(&obj, Value::Obj(o) if Rc::ptr_eq(o, &start));
            let inst = if is_start { None } else { Some(&obj) };
            return vm.descr_get(v, inst, &start);
        }
    } else if !obj.is_none() && crate::vm::proto::str_of(&name) != "__class__" {
        return Err(vm.type_error("bad super"));
    }
    let st = vm.types.super_.clone();
    vm.generic_getattr(&s, &name, &st)
}

fn super_init(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::None)
}

fn super_parts(vm: &Vm, v: &Value) -> PyResult<(Value, Value)> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Super(t, ob) => Ok((t.clone(), ob.clone())),
            _ => Err(vm.type_error("not a super object")),
        },
        _ => Err(vm.type_error("not a super object")),
    }
}

fn super_self(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(super_parts(vm, v)?.1)
}

fn super_self_class(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let (t, obj) = super_parts(vm, v)?;
    match (&t, obj.is_none()) {
        (Value::Obj(t), false) => Ok(Value::Obj(super_start(vm, t, &obj))),
        _ => Ok(Value::None),
    }
}

fn super_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (t, obj) = super_parts(vm, &arg(&args, 0))?;
    let tn = match &t {
        Value::Obj(o) => vm.type_name(o),
        _ => "NULL".to_string(),
    };
    let r = if obj.is_none() {
        format!("<super: <class '{tn}'>, NULL>")
    } else {
        let st = super_self_class(vm, &arg(&args, 0))?;
        let sn = match &st {
            Value::Obj(o) => vm.type_name(o),
            _ => "NULL".to_string(),
        };
        format!("<super: <class '{tn}'>, <{sn} object>>")
    };
    Ok(vm.new_string(r))
}

fn super_thisclass(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Super(t, _) => Ok(t.clone()),
            _ => Err(vm.type_error("not a super object")),
        },
        _ => Err(vm.type_error("not a super object")),
    }
}

pub fn install(vm: &mut Vm) {
    let p = vm.types.property.clone();
    vm.add_staticmethods(&p, &[("__new__", property_new)]);
    vm.add_methods(
        &p,
        &[
            ("__init__", property_init),
            ("getter", property_getter),
            ("setter", property_setter),
            ("deleter", property_deleter),
            ("__set_name__", property_set_name),
            ("__get__", property_get),
            ("__set__", property_set),
            ("__delete__", property_delete),
        ],
    );
    vm.add_getsets(
        &p,
        &[
            ("fget", get_fget, None),
            ("fset", get_fset, None),
            ("fdel", get_fdel, None),
            ("__isabstractmethod__", prop_isabstract, None),
        ],
    );
    let sm = vm.types.staticmethod.clone();
    vm.add_staticmethods(&sm, &[("__new__", staticmethod_new)]);
    vm.add_methods(
        &sm,
        &[
            ("__init__", wrapper_init),
            ("__get__", wrapper_get),
            ("__call__", staticmethod_call),
            ("__repr__", wrapper_repr),
        ],
    );
    vm.add_getsets(
        &sm,
        &[
            ("__func__", get_func, None),
            ("__wrapped__", get_func, None),
            ("__isabstractmethod__", wrapper_isabstract, None),
            (
                "__dict__",
                super::object::get_dict,
                Some(super::object::set_dict),
            ),
        ],
    );
    let cm = vm.types.classmethod.clone();
    vm.add_staticmethods(&cm, &[("__new__", classmethod_new)]);
    vm.add_methods(
        &cm,
        &[
            ("__init__", wrapper_init),
            ("__get__", wrapper_get),
            ("__repr__", wrapper_repr),
        ],
    );
    vm.add_getsets(
        &cm,
        &[
            ("__func__", get_func, None),
            ("__wrapped__", get_func, None),
            ("__isabstractmethod__", wrapper_isabstract, None),
            (
                "__dict__",
                super::object::get_dict,
                Some(super::object::set_dict),
            ),
        ],
    );
    let su = vm.types.super_.clone();
    vm.add_staticmethods(&su, &[("__new__", super_new)]);
    vm.add_methods(
        &su,
        &[
            ("__init__", super_init),
            ("__getattribute__", super_getattribute),
            ("__repr__", super_repr),
        ],
    );
    vm.add_getsets(
        &su,
        &[
            ("__thisclass__", super_thisclass, None),
            ("__self__", super_self, None),
            ("__self_class__", super_self_class, None),
        ],
    );
    if let Some(td) = type_data(&su) {
        td.flags.set(td.flags.get() | FLAG_CUSTOM_GETATTRIBUTE);
    }
}
