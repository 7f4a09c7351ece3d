//! `_abc`: the accelerator behind `abc.ABCMeta` (CPython's Modules/_abc.c).
//! Each ABC has an `_abc_impl` (`_abc._abc_data`) holding its registry,
//! its positive and negative subclass caches (weak references, so classes
//! can die) and the invalidation counter value its negative cache is valid
//! for. Also the check `object.__new__` makes for abstract classes.

use crate::objects::rc::{Rc, Weak};
use crate::vm::value::Truth;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use crate::modules::itertools::clinic;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{type_data, Layout};
use crate::objects::{Payload, PyObject};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

crate::interp_local! {
    /// `abc_invalidation_counter`: bumped by every registration.
    static COUNTER: Cell<u64> = const { Cell::new(0) };
    static DATA_TYPE: RefCell<Option<PyRef>> = const { RefCell::new(None) };
}

fn counter() -> u64 {
    COUNTER.with(|c| c.get())
}

/// A set of classes held weakly, keyed by identity.
#[derive(Default)]
struct WeakSet {
    order: Vec<usize>,
    map: HashMap<usize, Weak<PyObject>>,
}

impl WeakSet {
    fn key(o: &PyRef) -> usize {
        Rc::as_ptr(o) as *const u8 as usize
    }
    fn contains(&self, o: &PyRef) -> bool {
        self.map
            .get(&Self::key(o))
            .is_some_and(|w| w.strong_count() > 0)
    }
    fn add(&mut self, o: &PyRef) {
        let k = Self::key(o);
        if self.map.get(&k).is_some_and(|w| w.strong_count() > 0) {
            return;
        }
        if self.map.insert(k, Rc::downgrade(o)).is_none() {
            self.order.push(k);
        }
        if self.order.len() > 64 && self.order.len() > 2 * self.map.len() {
            self.compact();
        }
    }
    fn compact(&mut self) {
        self.map.retain(|_, w| w.strong_count() > 0);
        let map = &self.map;
        self.order.retain(|k| map.contains_key(k));
    }
    fn clear(&mut self) {
        self.order.clear();
        self.map.clear();
    }
    /// The live members, in insertion order.
    fn live(&self) -> Vec<PyRef> {
        self.order
            .iter()
            .filter_map(|k| self.map.get(k).and_then(Weak::upgrade))
            .collect()
    }
}

/// `_abc._abc_data`.
struct AbcData {
    registry: RefCell<WeakSet>,
    cache: RefCell<WeakSet>,
    negative: RefCell<WeakSet>,
    negative_version: Cell<u64>,
}

impl NativeData for AbcData {}

fn data_type(vm: &Vm) -> PyResult<PyRef> {
    DATA_TYPE
        .with(|t| t.borrow().clone())
        .ok_or_else(|| vm.system_error("_abc is not initialised"))
}

/// `self._abc_impl`, checked.
fn get_impl(vm: &mut Vm, cls: &Value) -> PyResult<Value> {
    let imp = vm.getattr_str(cls, "_abc_impl")?;
    if vm.native::<AbcData>(&imp).is_none() {
        return Err(vm.type_error("_abc_impl is set to a wrong type"));
    }
    Ok(imp)
}

fn data<'a>(vm: &Vm, imp: &'a Value) -> PyResult<&'a AbcData> {
    vm.native::<AbcData>(imp)
        .ok_or_else(|| vm.type_error("_abc_impl is set to a wrong type"))
}

/// `_PyObject_IsAbstract`: `getattr(v, '__isabstractmethod__', False)`.
fn is_abstract(vm: &mut Vm, v: &Value) -> PyResult<bool> {
    // Most of a class body is plain functions: their type defines no
    // `__isabstractmethod__`, so only their own dict can (`abstractmethod`
    // sets it there); a failed getattr would make an AttributeError.
    if let Value::Obj(o) = v {
        let plain = Rc::ptr_eq(&vm.type_of(v), &vm.types.function);
        if plain && matches!(o.payload, Payload::Function(_)) {
            return match vm.get_attr_raw(o, "__isabstractmethod__") {
                Some(x) => vm.truthy(&x),
                None => Ok(false),
            };
        }
    }
    match vm.getattr_opt(v, "__isabstractmethod__")? {
        Some(x) => vm.truthy(&x),
        None => Ok(false),
    }
}

/// `compute_abstract_methods`: set `cls.__abstractmethods__`.
fn compute_abstract_methods(vm: &mut Vm, cls: &Value) -> PyResult<()> {
    let ns = vm.getattr_str(cls, "__dict__")?;
    let mut abstracts: Vec<Value> = Vec::new();
    let items: Vec<(Value, Value)> = match cls {
        Value::Obj(o) if type_data(o).is_some() => {
            o.dict().map(|d| vm.dict_items(&d)).unwrap_or_default()
        }
        _ => {
            let keys = vm.call_method(&ns, "keys", &[])?;
            let keys = vm.collect_iter(&keys)?;
            let mut out = Vec::new();
            for k in keys {
                let v = vm.getitem(&ns, &k)?;
                out.push((k, v));
            }
            out
        }
    };
    for (k, v) in items {
        if is_abstract(vm, &v)? {
            abstracts.push(k);
        }
    }
    let bases = vm.getattr_str(cls, "__bases__")?;
    let Some(bases) = vm
        .seq_items(&bases)
        .filter(|_| matches!(&bases, Value::Obj(o) if matches!(o.payload, Payload::Tuple(_))))
    else {
        return Err(vm.type_error("__bases__ is not tuple"));
    };
    for base in bases {
        let Some(names) = vm.getattr_opt(&base, "__abstractmethods__")? else {
            continue;
        };
        let it = vm.iter(&names)?;
        while let Some(key) = vm.next(&it)? {
            let Some(name) = vm.as_str_obj(&key).map(|s| s.as_str().to_string()) else {
                continue;
            };
            let Some(value) = vm.getattr_opt(cls, &name)? else {
                continue;
            };
            if is_abstract(vm, &value)? {
                abstracts.push(key);
            }
        }
    }
    let list = vm.new_list(abstracts);
    let fs = Value::Obj(vm.types.frozenset.clone());
    let fs = vm.call(&fs, &[list])?;
    let name = vm.intern("__abstractmethods__");
    vm.setattr(cls, &name, Some(fs))
}

fn abc_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::positional(vm, &args, 0, "_abc_init", 1, 1)?;
    let cls = a[0].clone();
    compute_abstract_methods(vm, &cls)?;
    let t = data_type(vm)?;
    let d = AbcData {
        registry: RefCell::new(WeakSet::default()),
        cache: RefCell::new(WeakSet::default()),
        negative: RefCell::new(WeakSet::default()),
        negative_version: Cell::new(counter()),
    };
    let imp = Value::Obj(vm.new_native(&t, d));
    let name = vm.intern("_abc_impl");
    vm.setattr(&cls, &name, Some(imp))?;
    if let Value::Obj(o) = &cls {
        if let (Some(_), Some(dict)) = (type_data(o), o.dict()) {
            let key = vm.new_str("__abc_tpflags__");
            vm.dict_del(&dict, &key)?;
        }
    }
    Ok(Value::None)
}

fn as_type(v: &Value) -> Option<&PyRef> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Type(_)) => Some(o),
        _ => None,
    }
}

fn abc_register(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::positional(vm, &args, 0, "_abc_register", 2, 2)?;
    let (cls, sub) = (a[0].clone(), a[1].clone());
    let Some(sub_t) = as_type(&sub).cloned() else {
        return Err(vm.type_error("Can only register classes"));
    };
    if vm.issubclass(&sub, &cls)? {
        return Ok(sub);
    }
    if vm.issubclass(&cls, &sub)? {
        return Err(vm.runtime_error("Refusing to create an inheritance cycle"));
    }
    let imp = get_impl(vm, &cls)?;
    data(vm, &imp)?.registry.borrow_mut().add(&sub_t);
    COUNTER.with(|c| c.set(c.get() + 1));
    Ok(sub)
}

fn abc_instancecheck(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::positional(vm, &args, 0, "_abc_instancecheck", 2, 2)?;
    let (cls, inst) = (a[0].clone(), a[1].clone());
    let imp = get_impl(vm, &cls)?;
    let subclass = vm.getattr_str(&inst, "__class__")?;
    if let Some(s) = as_type(&subclass) {
        if data(vm, &imp)?.cache.borrow().contains(s) {
            return Ok(Value::Bool(Truth::True));
        }
    }
    let subtype = Value::Obj(vm.type_of(&inst));
    if subtype.is(&subclass) {
        let d = data(vm, &imp)?;
        if d.negative_version.get() == counter() {
            if let Some(s) = as_type(&subclass) {
                if d.negative.borrow().contains(s) {
                    return Ok(Value::Bool(Truth::False));
                }
            }
        }
        return vm.call_method(&cls, "__subclasscheck__", &[subclass]);
    }
    let r = vm.call_method(&cls, "__subclasscheck__", &[subclass])?;
    if vm.truthy(&r)? {
        return Ok(r);
    }
    vm.call_method(&cls, "__subclasscheck__", &[subtype])
}

fn abc_subclasscheck(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::positional(vm, &args, 0, "_abc_subclasscheck", 2, 2)?;
    let (cls, sub) = (a[0].clone(), a[1].clone());
    let Some(sub_t) = as_type(&sub).cloned() else {
        return Err(vm.type_error("issubclass() arg 1 must be a class"));
    };
    let imp = get_impl(vm, &cls)?;
    {
        let d = data(vm, &imp)?;
        // 1. The cache.
        if d.cache.borrow().contains(&sub_t) {
            return Ok(Value::Bool(Truth::True));
        }
        // 2. The negative cache, unless registrations invalidated it.
        if d.negative_version.get() < counter() {
            d.negative.borrow_mut().clear();
            d.negative_version.set(counter());
        } else if d.negative.borrow().contains(&sub_t) {
            return Ok(Value::Bool(Truth::False));
        }
    }
    let remember = |vm: &Vm, yes: bool| -> PyResult<Value> {
        let d = data(vm, &imp)?;
        if yes {
            d.cache.borrow_mut().add(&sub_t);
        } else {
            d.negative.borrow_mut().add(&sub_t);
        }
        Ok(Value::bool(yes))
    };
    // 3. The subclass hook.
    let ok = vm.call_method(&cls, "__subclasshook__", std::slice::from_ref(&sub))?;
    match &ok {
        Value::Bool(b) => return remember(vm, b.get()),
        v if vm.is_not_implemented(v) => {}
        _ => {
            return Err(vm.new_error(
                crate::objects::exception::ExcKind::AssertionError,
                "__subclasshook__ must return either False, True, or NotImplemented",
            ))
        }
    }
    // 4. A direct subclass.
    if let Some(cls_t) = as_type(&cls) {
        let mro = type_data(&sub_t)
            .map(|t| t.mro.borrow().clone())
            .unwrap_or_default();
        if mro.iter().any(|t| Rc::ptr_eq(t, cls_t)) {
            return remember(vm, true);
        }
    }
    // 5. A subclass of a registered class.
    let registry = {
        let d = data(vm, &imp)?;
        if d.registry.borrow().contains(&sub_t) {
            return Ok(Value::Bool(Truth::True));
        }
        let r = d.registry.borrow().live();
        r
    };
    for r in registry {
        if vm.issubclass(&sub, &Value::Obj(r))? {
            return remember(vm, true);
        }
    }
    // 6. A subclass of a subclass.
    let subs = vm.call_method(&cls, "__subclasses__", &[])?;
    let subs = vm.collect_iter(&subs)?;
    for s in subs {
        if vm.issubclass(&sub, &s)? {
            return remember(vm, true);
        }
    }
    remember(vm, false)
}

fn abc_get_dump(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::positional(vm, &args, 0, "_get_dump", 1, 1)?;
    let imp = get_impl(vm, &a[0])?;
    let d = data(vm, &imp)?;
    let sets = [
        d.registry.borrow().live(),
        d.cache.borrow().live(),
        d.negative.borrow().live(),
    ];
    let version = Value::Int(d.negative_version.get() as i64);
    let set_t = Value::Obj(vm.types.set.clone());
    let mut out = Vec::new();
    for s in sets {
        let l = vm.new_list(s.into_iter().map(Value::Obj).collect());
        out.push(vm.call(&set_t, &[l])?);
    }
    out.push(version);
    Ok(vm.new_tuple(out))
}

fn abc_reset_registry(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::positional(vm, &args, 0, "_reset_registry", 1, 1)?;
    let imp = get_impl(vm, &a[0])?;
    data(vm, &imp)?.registry.borrow_mut().clear();
    Ok(Value::None)
}

fn abc_reset_caches(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::positional(vm, &args, 0, "_reset_caches", 1, 1)?;
    let imp = get_impl(vm, &a[0])?;
    let d = data(vm, &imp)?;
    d.cache.borrow_mut().clear();
    d.negative.borrow_mut().clear();
    Ok(Value::None)
}

fn abc_get_cache_token(vm: &mut Vm, args: Args) -> PyResult<Value> {
    clinic::positional(vm, &args, 0, "get_cache_token", 0, 0)?;
    Ok(Value::Int(counter() as i64))
}

/// `object.__new__`'s refusal to instantiate an abstract class: CPython's
/// "Can't instantiate abstract class X with abstract method(s) a, b"
/// when the class's own `__abstractmethods__` is non-empty.
/// Whether `cls`'s own dict has no `__abstractmethods__` (so it stays
/// instantiable until its dict changes, which changes its version).
pub fn abstract_key_absent(vm: &mut Vm, cls: &PyRef) -> bool {
    let Some(dict) = cls.dict() else {
        return true;
    };
    let key = vm.intern_static("__abstractmethods__");
    matches!(crate::objects::dict::find_str(&dict, &key), Some(None))
}

pub fn check_instantiable(vm: &mut Vm, cls: &PyRef) -> PyResult<()> {
    let Some(dict) = cls.dict() else {
        return Ok(());
    };
    // An interned key: its hash is cached, so the common "no abstract
    // methods" answer costs one probe.
    let key = vm.intern_static("__abstractmethods__");
    let Some(Some((_, am))) = crate::objects::dict::find_str(&dict, &key) else {
        return Ok(());
    };
    if !vm.truthy(&am)? {
        return Ok(());
    }
    let items = vm.collect_iter(&am)?;
    let mut names = Vec::with_capacity(items.len());
    for i in &items {
        names.push(vm.str(i)?);
    }
    names.sort();
    let s = if names.len() > 1 { "s" } else { "" };
    Err(vm.type_error(format!(
        "Can't instantiate abstract class {} with abstract method{s} {}",
        vm.type_name(cls),
        names.join(", ")
    )))
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_abc");
    let object = vm.types.object.clone();
    let t = vm.new_native_type("_abc", "_abc_data", &object, Layout::Native("_abc_data"), 0);
    DATA_TYPE.with(|d| *d.borrow_mut() = Some(t));
    vm.add_functions(
        &m,
        &[
            ("get_cache_token", abc_get_cache_token),
            ("_abc_init", abc_init),
            ("_abc_register", abc_register),
            ("_abc_instancecheck", abc_instancecheck),
            ("_abc_subclasscheck", abc_subclasscheck),
            ("_get_dump", abc_get_dump),
            ("_reset_registry", abc_reset_registry),
            ("_reset_caches", abc_reset_caches),
        ],
    );
    let doc = vm.new_str("Module contains faster C implementation of abc.ABCMeta");
    vm.set_attr_raw(&m, "__doc__", doc);
    Ok(m)
}
