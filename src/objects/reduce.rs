//! Pickling support on `object` (CPython's `Objects/typeobject.c`):
//! `__reduce_ex__`, `__reduce__` and `__getstate__`, which `copy`,
//! `pickle` and `enum` rely on. Protocol 2 and later build
//! `(copyreg.__newobj__, (cls, *args), state, listitems, dictitems)` from
//! `__getnewargs_ex__`/`__getnewargs__` and `__getstate__`; older protocols
//! defer to `copyreg._reduce_ex`. Also the `__reduce__`/`__getnewargs__`
//! of builtin types that CPython defines in C (set, range, slice,
//! bytearray, tuple, Ellipsis, builtin functions and method descriptors).

use super::function::Args;
use super::Payload;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

/// A tuple's items (None for anything else, tuple subclasses included).
fn tuple_items(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(t) => Some(t.to_vec()),
            _ => None,
        },
        _ => None,
    }
}

fn this(vm: &Vm, args: &Args, name: &str) -> PyResult<Value> {
    args.args.first().cloned().ok_or_else(|| {
        vm.type_error(format!(
            "descriptor '{name}' of 'object' object needs an argument"
        ))
    })
}

/// Whether the type of `v` defines `name` somewhere other than on `object`.
fn overrides(vm: &mut Vm, v: &Value, name: &'static str) -> bool {
    let ty = vm.type_of(v);
    let key = vm.intern_static(name);
    let mine = vm.type_lookup(&ty, &key);
    let base = vm.type_lookup(&vm.types.object.clone(), &key);
    match (mine, base) {
        (Some(a), Some(b)) => !a.is(&b),
        (Some(_), None) => true,
        _ => false,
    }
}

fn object_reduce_ex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let obj = this(vm, &args, "__reduce_ex__")?;
    let proto = match vm.check_args("object.__reduce_ex__", args, 1, 1)?.first() {
        Some(Value::Int(i)) => *i,
        Some(Value::Bool(b)) => i64::from(b.get()),
        Some(other) => {
            return Err(vm.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                vm.type_name_of(other)
            )))
        }
        None => {
            return Err(vm.type_error("object.__reduce_ex__() takes exactly one argument (0 given)"))
        }
    };
    if overrides(vm, &obj, "__reduce__") {
        return vm.call_method(&obj, "__reduce__", &[]);
    }
    common_reduce(vm, &obj, proto)
}

fn object_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let obj = this(vm, &args, "__reduce__")?;
    vm.check_args("object.__reduce__", args, 0, 0)?;
    common_reduce(vm, &obj, 0)
}

fn common_reduce(vm: &mut Vm, obj: &Value, proto: i64) -> PyResult<Value> {
    if proto >= 2 {
        return reduce_newobj(vm, obj);
    }
    let copyreg = copyreg(vm)?;
    let f = vm.getattr_str(&copyreg, "_reduce_ex")?;
    vm.call(&f, &[obj.clone(), Value::Int(proto)])
}

/// `__getnewargs_ex__()` or `__getnewargs__()`: (args, kwargs), checked.
fn new_arguments(vm: &mut Vm, obj: &Value) -> PyResult<(Option<Value>, Option<Value>)> {
    if let Some(f) = vm.getattr_opt(obj, "__getnewargs_ex__")? {
        let r = vm.call(&f, &[])?;
        let Some(items) = tuple_items(&r) else {
            return Err(vm.type_error(format!(
                "__getnewargs_ex__ should return a tuple, not '{}'",
                vm.type_name_of(&r)
            )));
        };
        if items.len() != 2 {
            return Err(vm.type_error(format!(
                "__getnewargs_ex__ should return a tuple of length 2, not {}",
                items.len()
            )));
        }
        let (a, k) = (items[0].clone(), items[1].clone());
        if tuple_items(&a).is_none() {
            return Err(vm.type_error(format!(
                "first item of the tuple returned by __getnewargs_ex__ must be a tuple, not '{}'",
                vm.type_name_of(&a)
            )));
        }
        if !matches!(&k, Value::Obj(o) if matches!(o.payload, Payload::Dict(_))) {
            return Err(vm.type_error(format!(
                "second item of the tuple returned by __getnewargs_ex__ must be a dict, not '{}'",
                vm.type_name_of(&k)
            )));
        }
        return Ok((Some(a), Some(k)));
    }
    if let Some(f) = vm.getattr_opt(obj, "__getnewargs__")? {
        let r = vm.call(&f, &[])?;
        if tuple_items(&r).is_none() {
            return Err(vm.type_error(format!(
                "__getnewargs__ should return a tuple, not '{}'",
                vm.type_name_of(&r)
            )));
        }
        return Ok((Some(r), None));
    }
    Ok((None, None))
}

fn reduce_newobj(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    let cls = vm.type_of(obj);
    let (args, kwargs) = new_arguments(vm, obj)?;
    let copyreg = copyreg(vm)?;
    let has_args = args.is_some();
    let kw_empty = match &kwargs {
        None => true,
        Some(Value::Obj(d)) => vm.dict_len(d) == 0,
        Some(_) => true,
    };
    let (newobj, newargs) = if kw_empty {
        let mut items = vec![Value::Obj(cls.clone())];
        if let Some(a) = &args {
            items.extend(tuple_items(a).unwrap_or_default());
        }
        {
            let n = vm.intern_static("__newobj__");
            (vm.getattr(&copyreg, &n)?, vm.new_tuple(items))
        }
    } else {
        let a = args.unwrap_or_else(|| vm.new_tuple_of([]));
        let k = kwargs.unwrap_or(Value::None);
        let t = vm.new_tuple_of([Value::Obj(cls.clone()), a, k]);
        (vm.getattr_str(&copyreg, "__newobj_ex__")?, t)
    };
    let (is_list, is_dict) = match obj {
        Value::Obj(o) => (
            matches!(o.payload, Payload::List(_)),
            matches!(o.payload, Payload::Dict(_)),
        ),
        _ => (false, false),
    };
    let state = getstate(vm, obj, !(has_args || is_list || is_dict))?;
    let listitems = if is_list { vm.iter(obj)? } else { Value::None };
    let dictitems = if is_dict {
        let items = vm.call_method(obj, "items", &[])?;
        vm.iter(&items)?
    } else {
        Value::None
    };
    Ok(vm.new_tuple_of([newobj, newargs, state, listitems, dictitems]))
}

/// `obj.__getstate__()`, or the default state when it is object's own.
fn getstate(vm: &mut Vm, obj: &Value, required: bool) -> PyResult<Value> {
    if overrides(vm, obj, "__getstate__") {
        return vm.call_method(obj, "__getstate__", &[]);
    }
    default_state(vm, obj, required)
}

/// CPython's `object_getstate_default`: the instance dict (None when
/// empty), paired with a dict of the `__slots__` values that are set.
fn default_state(vm: &mut Vm, obj: &Value, required: bool) -> PyResult<Value> {
    if required {
        let builtin_layout = match obj {
            Value::Obj(o) => !matches!(o.payload, Payload::Object | Payload::Instance(_)),
            Value::None => false,
            _ => true,
        };
        if builtin_layout {
            let n = vm.type_name_of(obj);
            // Variable-size layouts (tp_itemsize != 0) fail first, worded so.
            if matches!(n.as_str(), "memoryview" | "code") {
                return Err(vm.type_error(format!("cannot pickle {n} objects")));
            }
            return Err(vm.type_error(format!("cannot pickle '{n}' object")));
        }
    }
    let mut state = match obj {
        Value::Obj(o) => match o.dict() {
            Some(d) if vm.dict_len(&d) != 0 => Value::Obj(d),
            _ => Value::None,
        },
        _ => Value::None,
    };
    let names = slot_names(vm, obj)?;
    if !names.is_empty() {
        let slots = vm.new_dict();
        for n in names {
            let Value::Obj(name) = &n else { continue };
            match vm.getattr(obj, name) {
                Ok(v) => vm.dict_set(&slots, n.clone(), v)?,
                Err(e) if vm.err_is(&e, crate::objects::exception::ExcKind::AttributeError) => {}
                Err(e) => return Err(e),
            }
        }
        if vm.dict_len(&slots) != 0 {
            state = vm.new_tuple_of([state, Value::Obj(slots)]);
        }
    }
    Ok(state)
}

/// The `copyreg` module (from `sys.modules` when it is there).
fn copyreg(vm: &mut Vm) -> PyResult<Value> {
    let modules = vm.modules.clone();
    let key = vm.intern_static("copyreg");
    match vm.dict_get_str_nocall(&modules, &key) {
        Ok(Some(m)) if !m.is_none() => Ok(m),
        _ => vm.import_by_name("copyreg"),
    }
}

/// CPython's `_PyType_GetSlotNames`: the class's own `__slotnames__`
/// cache, else `copyreg._slotnames(cls)` (which fills it).
fn slot_names(vm: &mut Vm, obj: &Value) -> PyResult<Vec<Value>> {
    let cls = vm.type_of(obj);
    let key = vm.intern_static("__slotnames__");
    let cached = match cls.dict() {
        Some(d) => vm.dict_get_str_nocall(&d, &key)?,
        None => None,
    };
    let (names, from_cache) = match cached {
        Some(v) => (v, true),
        None => {
            let copyreg = copyreg(vm)?;
            let f = vm.getattr_str(&copyreg, "_slotnames")?;
            (vm.call(&f, &[Value::Obj(cls.clone())])?, false)
        }
    };
    match &names {
        Value::None => Ok(Vec::new()),
        Value::Obj(o) if matches!(o.payload, Payload::List(_)) => Ok(match &o.payload {
            Payload::List(l) => l.borrow().clone(),
            _ => Vec::new(),
        }),
        _ if from_cache => Err(vm.type_error(format!(
            "{}.__slotnames__ should be a list or None, not {}",
            vm.type_name(&cls),
            vm.type_name_of(&names)
        ))),
        _ => Err(vm.type_error("copyreg._slotnames didn't return a list or None")),
    }
}

fn object_getstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let obj = this(vm, &args, "__getstate__")?;
    vm.check_args("object.__getstate__", args, 0, 0)?;
    default_state(vm, &obj, false)
}

/// The first argument of a builtin `__reduce__`.
fn first(vm: &Vm, args: &Args, ty: &str) -> PyResult<Value> {
    args.args.first().cloned().ok_or_else(|| {
        vm.type_error(format!(
            "descriptor '__reduce__' of '{ty}' object needs an argument"
        ))
    })
}

/// The instance dict as pickle state: None when absent (CPython's
/// `_PyObject_GetState` for sets and bytearrays keeps an empty dict out).
fn dict_state(obj: &Value) -> Value {
    match obj {
        Value::Obj(o) => o.dict().map_or(Value::None, Value::Obj),
        _ => Value::None,
    }
}

/// `set.__reduce__` / `frozenset.__reduce__`: `(type, (list,), dict)`.
fn set_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let obj = first(vm, &args, "set")?;
    vm.check_shared_args(set_reduce, "__reduce__", args, 0, 0)?;
    let items = vm.collect_iter(&obj)?;
    let ty = Value::Obj(vm.type_of(&obj));
    let arg = vm.new_tuple_of([vm.new_list(items)]);
    Ok(vm.new_tuple_of([ty, arg, dict_state(&obj)]))
}

/// `range.__reduce__` / `slice.__reduce__`: `(type, (start, stop, step))`.
fn bounds_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let obj = first(vm, &args, "range")?;
    // `slice.__reduce__` is METH_NOARGS; `range.__reduce__` takes anything.
    if !matches!(&obj, Value::Obj(o) if matches!(o.payload, Payload::Range(_))) {
        vm.check_shared_args(bounds_reduce, "__reduce__", args, 0, 0)?;
    }
    let mut parts = Vec::with_capacity(3);
    for name in ["start", "stop", "step"] {
        parts.push(vm.getattr_str(&obj, name)?);
    }
    let ty = Value::Obj(vm.type_of(&obj));
    Ok(vm.new_tuple_of([ty, vm.new_tuple(parts)]))
}

/// `bytearray.__reduce_ex__(proto)`: `(type, (bytes,), dict)`, or before
/// protocol 3 `(type, (latin-1 str, 'latin-1'), dict)`.
fn bytearray_reduce_common(vm: &mut Vm, obj: Value, proto: i64) -> PyResult<Value> {
    let data = match &obj {
        Value::Obj(o) => match &o.payload {
            Payload::ByteArray(b) => b.borrow().clone(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let ty = Value::Obj(vm.type_of(&obj));
    let arg = if data.is_empty() {
        vm.new_tuple_of([])
    } else if proto < 3 {
        let text: String = data.iter().map(|&b| char::from(b)).collect();
        vm.new_tuple_of([vm.new_string(text), vm.new_str("latin-1")])
    } else {
        vm.new_tuple_of([vm.new_bytes(data)])
    };
    Ok(vm.new_tuple_of([ty, arg, dict_state(&obj)]))
}

fn bytearray_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let obj = first(vm, &args, "bytearray")?;
    bytearray_reduce_common(vm, obj, 0)
}

fn bytearray_reduce_ex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let obj = first(vm, &args, "bytearray")?;
    let proto = match args.pos().get(1) {
        Some(Value::Int(i)) => *i,
        Some(Value::Bool(b)) => i64::from(b.get()),
        _ => 0,
    };
    bytearray_reduce_common(vm, obj, proto)
}

/// `tuple.__getnewargs__()`: `(tuple(self),)`.
fn tuple_getnewargs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let obj = first(vm, &args, "tuple")?;
    vm.check_args("tuple.__getnewargs__", args, 0, 0)?;
    let items = tuple_items(&obj).unwrap_or_default();
    Ok(vm.new_tuple_of([vm.new_tuple(items)]))
}

/// `Ellipsis.__reduce__()` / `NotImplemented.__reduce__()`: the global name.
fn singleton_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let obj = first(vm, &args, "ellipsis")?;
    let is_ellipsis =
        matches!(&obj, Value::Obj(o) if crate::objects::rc::Rc::ptr_eq(o, &vm.ellipsis));
    Ok(vm.new_str(if is_ellipsis {
        "Ellipsis"
    } else {
        "NotImplemented"
    }))
}

/// `(getattr, (owner, name))`, how C methods pickle.
fn getattr_reduce(vm: &mut Vm, owner: Value, name: &str) -> PyResult<Value> {
    let builtins = Value::Obj(vm.builtins.clone());
    let getattr = vm.getattr_str(&builtins, "getattr")?;
    let arg = vm.new_tuple_of([owner, vm.new_str(name)]);
    Ok(vm.new_tuple_of([getattr, arg]))
}

/// `builtin_function_or_method.__reduce__`: the name for module functions,
/// `(getattr, (self, name))` for bound methods (CPython's meth_reduce).
fn builtin_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let obj = first(vm, &args, "builtin_function_or_method")?;
    let (name, self_) = match &obj {
        Value::Obj(o) => match &o.payload {
            // Module functions (no owning type; some carry a hidden module
            // state as `self_`) pickle by name.
            Payload::Builtin(b) if b.owner.is_none() => return Ok(vm.new_str(b.name)),
            Payload::Builtin(b) => (b.name, b.self_.clone()),
            // C static methods (`object.__new__`): `(getattr, (type, name))`.
            Payload::MethodDescr(m) => {
                let owner = Value::Obj(m.owner.clone());
                return getattr_reduce(vm, owner, m.name);
            }
            _ => return common_reduce(vm, &obj, 0),
        },
        _ => return common_reduce(vm, &obj, 0),
    };
    match self_ {
        Some(Value::Obj(s)) if !matches!(s.payload, Payload::Module(_)) => {
            getattr_reduce(vm, Value::Obj(s), name)
        }
        Some(s @ (Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::None)) => {
            getattr_reduce(vm, s, name)
        }
        _ => Ok(vm.new_str(name)),
    }
}

/// `method_descriptor.__reduce__`: `(getattr, (owner, name))`.
fn method_descr_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let obj = first(vm, &args, "method_descriptor")?;
    let (name, owner) = match &obj {
        Value::Obj(o) => match &o.payload {
            Payload::MethodDescr(m) => (m.name, m.owner.clone()),
            _ => return common_reduce(vm, &obj, 0),
        },
        _ => return common_reduce(vm, &obj, 0),
    };
    getattr_reduce(vm, Value::Obj(owner), name)
}

/// `method.__reduce__` (a bound Python method): `(getattr, (self.__self__,
/// self.__func__.__name__))`, CPython's method___reduce__.
fn method_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let obj = first(vm, &args, "method")?;
    let owner = vm.getattr_str(&obj, "__self__")?;
    let func = vm.getattr_str(&obj, "__func__")?;
    let name = vm.getattr_str(&func, "__name__")?;
    let builtins = Value::Obj(vm.builtins.clone());
    let getattr = vm.getattr_str(&builtins, "getattr")?;
    let arg = vm.new_tuple_of([owner, name]);
    Ok(vm.new_tuple_of([getattr, arg]))
}

fn install_builtin_reduces(vm: &mut Vm) {
    for t in [vm.types.set.clone(), vm.types.frozenset.clone()] {
        vm.add_methods(&t, &[("__reduce__", set_reduce)]);
    }
    for t in [vm.types.range.clone(), vm.types.slice.clone()] {
        vm.add_methods(&t, &[("__reduce__", bounds_reduce)]);
    }
    let ba = vm.types.bytearray.clone();
    vm.add_methods(
        &ba,
        &[
            ("__reduce__", bytearray_reduce),
            ("__reduce_ex__", bytearray_reduce_ex),
        ],
    );
    let tu = vm.types.tuple.clone();
    vm.add_methods(&tu, &[("__getnewargs__", tuple_getnewargs)]);
    for t in [
        vm.types.ellipsis_type.clone(),
        vm.types.notimpl_type.clone(),
    ] {
        vm.add_methods(&t, &[("__reduce__", singleton_reduce)]);
    }
    for bf in [
        vm.types.builtin_function.clone(),
        vm.types.method_wrapper.clone(),
    ] {
        vm.add_methods(&bf, &[("__reduce__", builtin_reduce)]);
    }
    for md in [
        vm.types.method_descriptor.clone(),
        vm.types.wrapper_descriptor.clone(),
    ] {
        vm.add_methods(&md, &[("__reduce__", method_descr_reduce)]);
    }
    let bm = vm.types.method.clone();
    vm.add_methods(&bm, &[("__reduce__", method_reduce)]);
}

pub fn install(vm: &mut Vm) {
    install_builtin_reduces(vm);
    let t = vm.types.object.clone();
    vm.add_methods(
        &t,
        &[
            ("__reduce_ex__", object_reduce_ex),
            ("__reduce__", object_reduce),
            ("__getstate__", object_getstate),
        ],
    );
}
