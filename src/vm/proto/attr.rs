//! Attribute access (CPython's `PyObject_GenericGetAttr`,
//! `type_getattro`, `PyObject_GenericSetAttr`) and descriptors.

use crate::objects::rc::Rc;

use crate::objects::attrs::{self, Lookup, Store};
use crate::objects::function::{Builtin, DescrKind, Method};
use crate::objects::typeobj::{
    type_data, FLAG_CUSTOM_GETATTRIBUTE, FLAG_CUSTOM_SETATTR, FLAG_HAS_DEL, FLAG_HAS_GETATTR,
    FLAG_HEAPTYPE,
};
use crate::objects::{Payload, PyObject};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::str_of;

/// The names `Vm::update_type_flags` looks up: assigning or deleting any
/// other name on a class leaves its flags as they are.
const FLAG_DUNDERS: [&str; 8] = [
    "__getattribute__",
    "__getattr__",
    "__setattr__",
    "__delattr__",
    "__del__",
    "__bool__",
    "__len__",
    "__hash__",
];

impl Vm {
    /// Look a name up along a type's MRO (no descriptors applied).
    pub fn type_lookup(&self, ty: &PyRef, name: &PyRef) -> Option<Value> {
        let td = type_data(ty)?;
        if let Ok(c) = td.attr_cache.try_borrow() {
            if let Some(v) = c.as_ref().and_then(|c| c.get(name)) {
                return if v.is_null() { None } else { Some(v) };
            }
        }
        let found = self.type_lookup_uncached(td, name);
        if self.type_cache_on {
            if let Ok(mut c) = td.attr_cache.try_borrow_mut() {
                c.get_or_insert_with(crate::objects::typeobj::AttrCache::new)
                    .put(name, found.clone().unwrap_or(Value::Null));
            }
        }
        found
    }

    /// The MRO walk behind `type_lookup`.
    fn type_lookup_uncached(
        &self,
        td: &crate::objects::typeobj::TypeData,
        name: &PyRef,
    ) -> Option<Value> {
        let mro = td.mro.borrow();
        for t in mro.iter() {
            if let Some(d) = t.dict_made() {
                if let Ok(Some(v)) = self.dict_get_str_nocall(&d, name) {
                    return Some(v);
                }
            }
        }
        None
    }

    /// `type_lookup` by a Rust string.
    pub fn type_lookup_str(&mut self, ty: &PyRef, name: &str) -> Option<Value> {
        let n = self.intern(name);
        self.type_lookup(ty, &n)
    }

    /// `type_lookup_str` for a string literal (see `Vm::intern_static`).
    #[inline]
    pub fn type_lookup_static(&mut self, ty: &PyRef, name: &'static str) -> Option<Value> {
        let n = self.intern_static(name);
        self.type_lookup(ty, &n)
    }

    fn type_flag(&self, ty: &PyRef, flag: u32) -> bool {
        type_data(ty).is_some_and(|td| td.has_flag(flag))
    }

    /// Whether a descriptor found on a type is a data descriptor.
    pub fn is_data_descr(&mut self, d: &Value) -> bool {
        match d {
            Value::Obj(o) => match &o.payload {
                Payload::Property(_) | Payload::GetSet(_) | Payload::Member(_) => true,
                Payload::Function(_) | Payload::MethodDescr(_) | Payload::Builtin(_) => false,
                Payload::StaticMethod(_) | Payload::ClassMethod(_) => false,
                Payload::Str(_) | Payload::Tuple(_) | Payload::Dict(_) | Payload::List(_) => false,
                _ => {
                    let t = self.type_of(d);
                    if !self.type_flag(&t, FLAG_HEAPTYPE) {
                        return false;
                    }
                    self.type_lookup_static(&t, "__set__").is_some()
                        || self.type_lookup_static(&t, "__delete__").is_some()
                }
            },
            _ => false,
        }
    }

    /// Whether a data descriptor has a `__get__` (one with only `__set__`
    /// lets the instance dict answer reads).
    fn has_descr_get(&mut self, d: &Value) -> bool {
        match d {
            Value::Obj(o) => match &o.payload {
                Payload::Property(_) | Payload::GetSet(_) | Payload::Member(_) => true,
                _ => {
                    let t = self.type_of(d);
                    self.type_lookup_static(&t, "__get__").is_some()
                }
            },
            _ => false,
        }
    }

    /// `descr.__get__(obj, ty)` for a value found on a type; `obj` is None
    /// for access through the class. Returns the value itself when it is
    /// not a descriptor.
    pub fn descr_get(&mut self, d: Value, obj: Option<&Value>, ty: &PyRef) -> PyResult<Value> {
        let Value::Obj(o) = &d else {
            return Ok(d);
        };
        match &o.payload {
            Payload::Function(_) => match obj {
                Some(obj) => Ok(self.new_method(d.clone(), obj.clone())),
                None => Ok(d),
            },
            Payload::MethodDescr(md) => match (md.kind, obj) {
                (DescrKind::Method, Some(obj)) => {
                    // CPython's `descr_check`: a descriptor copied into
                    // another class's dict refuses its instances.
                    let t = self.type_of(obj);
                    if !Rc::ptr_eq(&t, &md.owner)
                        && !crate::objects::typeobj::is_subtype(&t, &md.owner)
                    {
                        return Err(self.type_error(format!(
                            "descriptor '{}' for '{}' objects doesn't apply to a '{}' object",
                            md.name,
                            self.type_name(&md.owner),
                            self.type_name(&t)
                        )));
                    }
                    Ok(self.new_builtin_bound(md, obj.clone()))
                }
                (DescrKind::Method, None) => Ok(d),
                (DescrKind::Class, _) => Ok(self.new_builtin_bound(md, Value::Obj(ty.clone()))),
                (DescrKind::Static, _) => Ok(d),
            },
            Payload::GetSet(gs) => match obj {
                Some(obj) => (gs.get)(self, obj),
                None => Ok(d),
            },
            Payload::Property(p) => match obj {
                Some(obj) => {
                    let fget = p[0].clone();
                    if fget.is_none() || fget.is_null() {
                        let name = self.property_name(&d);
                        let tn = type_qualname(&self.type_of(obj));
                        return Err(self.attribute_error(format!(
                            "property {name}of '{tn}' object has no getter"
                        )));
                    }
                    self.call(&fget, &[obj.clone()])
                }
                None => Ok(d),
            },
            Payload::Member(md) => match obj {
                Some(obj) => self.member_get(md, obj),
                None => Ok(d),
            },
            Payload::StaticMethod(f) => Ok(f.clone()),
            Payload::ClassMethod(f) => Ok(self.new_method(f.clone(), Value::Obj(ty.clone()))),
            Payload::Builtin(_) | Payload::Str(_) | Payload::Tuple(_) | Payload::Type(_) => Ok(d),
            _ => {
                let t = self.type_of(&d);
                if !self.type_flag(&t, FLAG_HEAPTYPE) {
                    return Ok(d);
                }
                match self.type_lookup_static(&t, "__get__") {
                    Some(get) => {
                        let o = obj.cloned().unwrap_or(Value::None);
                        self.call(&get, &[d.clone(), o, Value::Obj(ty.clone())])
                    }
                    None => Ok(d),
                }
            }
        }
    }

    /// `'name' ` for a property's error messages (empty if unknown).
    fn property_name(&mut self, prop: &Value) -> String {
        match self.get_attr_raw_value(prop, "__name__") {
            Some(Value::Obj(n)) if matches!(n.payload, Payload::Str(_)) => {
                format!("'{}' ", str_of(&n))
            }
            _ => String::new(),
        }
    }

    pub fn new_method(&self, func: Value, self_: Value) -> Value {
        Value::Obj(self.new_obj(&self.types.method, Payload::Method(Method { func, self_ })))
    }

    fn new_builtin_bound(&self, md: &crate::objects::function::MethodDescr, self_: Value) -> Value {
        // A bound slot wrapper (`[].__len__`) is a `method-wrapper`.
        let slot = md.slot;
        Value::Obj(self.new_obj(
            if slot {
                &self.types.method_wrapper
            } else {
                &self.types.builtin_function
            },
            Payload::Builtin(Box::new(Builtin {
                name: md.name,
                guards: crate::vm::call::builtin_call_guards(md.name),
                func: md.func,
                self_: Some(self_),
                owner: Some(md.owner.clone()),
            })),
        ))
    }

    /// `getattr(obj, name)` (`PyObject_GetAttr`): an AttributeError that
    /// escapes gets `name` and `obj` for the "Did you mean" suggestion,
    /// unless it already carries either.
    pub fn getattr(&mut self, obj: &Value, name: &PyRef) -> PyResult<Value> {
        let r = self.getattr_inner(obj, name);
        if let Err(e) = &r {
            if self.err_is(e, crate::objects::exception::ExcKind::AttributeError) {
                let (n, o) = crate::objects::exception::name_obj(&e.0);
                if n.is_null() && o.is_null() {
                    crate::objects::exception::set_name_obj(
                        &e.0,
                        Value::Obj(name.clone()),
                        Some(obj.clone()),
                    );
                }
            }
        }
        r
    }

    fn getattr_inner(&mut self, obj: &Value, name: &PyRef) -> PyResult<Value> {
        let ty = self.type_of(obj);
        let r = match self.type_flag(&ty, FLAG_CUSTOM_GETATTRIBUTE) {
            true => match self.type_lookup_static(&ty, "__getattribute__") {
                Some(ga) => self.call(&ga, &[obj.clone(), Value::Obj(name.clone())]),
                None => self.generic_getattr(obj, name, &ty),
            },
            false => self.generic_getattr(obj, name, &ty),
        };
        // CPython's slot_tp_getattr_hook: `__getattr__` after any
        // AttributeError of `__getattribute__` (a property's included).
        match r {
            Err(e)
                if self.type_flag(&ty, FLAG_HAS_GETATTR)
                    && self.err_is(&e, crate::objects::exception::ExcKind::AttributeError) =>
            {
                self.call_getattr_hook(&ty, obj, name, e)
            }
            r => r,
        }
    }

    fn call_getattr_hook(
        &mut self,
        ty: &PyRef,
        obj: &Value,
        name: &PyRef,
        err: crate::vm::PyErr,
    ) -> PyResult<Value> {
        match self.type_lookup_static(ty, "__getattr__") {
            Some(hook) => {
                let hook = self.descr_get(hook, Some(obj), ty)?;
                self.call(&hook, &[Value::Obj(name.clone())])
            }
            None => Err(err),
        }
    }

    /// `object.__getattribute__(obj, name)` (and `type.__getattribute__`
    /// for types); `__getattr__` is the caller's business.
    pub fn generic_getattr(&mut self, obj: &Value, name: &PyRef, ty: &PyRef) -> PyResult<Value> {
        if let Some(v) = self.generic_lookup(obj, name, ty)? {
            return Ok(v);
        }
        if let Value::Obj(o) = obj {
            match &o.payload {
                Payload::Module(_) => return self.module_missing_attr(o, name),
                Payload::Type(_) => {
                    let meta = self.type_of(obj);
                    return Err(self.no_attribute(obj, &meta, name));
                }
                _ => {}
            }
        }
        Err(self.no_attribute(obj, ty, name))
    }

    /// `generic_getattr` without the error for a missing attribute
    /// (`None`; a module's `__getattr__` is not consulted), as CPython's
    /// `_PyObject_LookupAttr` avoids making the AttributeError.
    fn generic_lookup(&mut self, obj: &Value, name: &PyRef, ty: &PyRef) -> PyResult<Option<Value>> {
        if let Value::Obj(o) = obj {
            if matches!(o.payload, Payload::Type(_)) {
                return self.type_lookup_attr(o, name);
            }
        }
        let descr = self.type_lookup(ty, name);
        if let Value::Obj(o) = obj {
            if let Payload::Method(m) = &o.payload {
                // A bound method forwards what its type lacks to `__func__`
                // (object's `__dict__` included: methods have none).
                if descr.is_none() || str_of(name) == "__dict__" {
                    let f = m.func.clone();
                    return self.getattr(&f, name).map(Some);
                }
            }
        }
        if let Some(d) = &descr {
            if self.is_data_descr(d) && self.has_descr_get(d) {
                return self.descr_get(d.clone(), Some(obj), ty).map(Some);
            }
        }
        if let Value::Obj(o) = obj {
            match attrs::lookup(o, name) {
                Lookup::Found(v) => return Ok(Some(v)),
                Lookup::Dict(dict) => {
                    if let Some(v) = self.dict_get_str(&dict, name)? {
                        return Ok(Some(v));
                    }
                }
                Lookup::Absent | Lookup::NoStorage => {}
            }
        }
        match descr {
            Some(d) => self.descr_get(d, Some(obj), ty).map(Some),
            None => Ok(None),
        }
    }

    /// The AttributeError for a missing attribute, worded as CPython.
    pub fn no_attribute(&self, obj: &Value, ty: &PyRef, name: &PyRef) -> crate::vm::PyErr {
        let n = str_of(name);
        let msg = match obj {
            Value::Obj(o) => match &o.payload {
                Payload::Module(m) => format!("module '{}' has no attribute '{n}'", m.name),
                Payload::Type(td) => format!("type object '{}' has no attribute '{n}'", td.name()),
                _ => format!("'{}' object has no attribute '{n}'", self.type_name(ty)),
            },
            _ => format!("'{}' object has no attribute '{n}'", self.type_name(ty)),
        };
        let e = self.attribute_error(msg);
        crate::objects::exception::set_name_obj(&e.0, Value::Obj(name.clone()), Some(obj.clone()));
        e
    }

    /// `type.__getattribute__(cls, name)`, None for a missing attribute.
    fn type_lookup_attr(&mut self, cls: &PyRef, name: &PyRef) -> PyResult<Option<Value>> {
        let clsv = Value::Obj(cls.clone());
        let meta = self.type_of(&clsv);
        let meta_attr = self.type_lookup(&meta, name);
        if let Some(d) = &meta_attr {
            if self.is_data_descr(d) {
                return self.descr_get(d.clone(), Some(&clsv), &meta).map(Some);
            }
        }
        if let Some(attr) = self.type_lookup(cls, name) {
            return self.descr_get(attr, None, cls).map(Some);
        }
        match meta_attr {
            Some(d) => self.descr_get(d, Some(&clsv), &meta).map(Some),
            None => Ok(None),
        }
    }

    /// `getattr` returning None where it would raise AttributeError.
    pub fn getattr_opt(&mut self, obj: &Value, name: &str) -> PyResult<Option<Value>> {
        let n = self.intern(name);
        self.lookup_attr(obj, &n)
    }

    /// `_PyObject_LookupAttr`: `getattr` with None where it would raise
    /// AttributeError; with the generic `__getattribute__` and no
    /// `__getattr__`, a missing attribute makes no exception object.
    pub fn lookup_attr(&mut self, obj: &Value, n: &PyRef) -> PyResult<Option<Value>> {
        let ty = self.type_of(obj);
        if !self.type_flag(&ty, FLAG_CUSTOM_GETATTRIBUTE) && !self.type_flag(&ty, FLAG_HAS_GETATTR)
        {
            let r = match self.generic_lookup(obj, n, &ty) {
                // A module consults its `__getattr__` (CPython's
                // `module_getattro` with `suppress`), still without making
                // an AttributeError for its own miss.
                Ok(None) => match obj {
                    Value::Obj(o) if matches!(o.payload, Payload::Module(_)) => {
                        self.module_getattr_hook(o, n).map(|r| r.map(Some))
                    }
                    _ => None,
                }
                .unwrap_or(Ok(None)),
                r => r,
            };
            return match r {
                Err(e) if self.err_is(&e, crate::objects::exception::ExcKind::AttributeError) => {
                    Ok(None)
                }
                r => r,
            };
        }
        match self.getattr(obj, n) {
            Ok(v) => Ok(Some(v)),
            Err(e) if self.err_is(&e, crate::objects::exception::ExcKind::AttributeError) => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    pub fn getattr_str(&mut self, obj: &Value, name: &str) -> PyResult<Value> {
        let n = self.intern(name);
        self.getattr(obj, &n)
    }

    /// For LOAD_METHOD: the unbound method when `obj.name` would be a
    /// function or builtin method found on the type (not shadowed by the
    /// instance dict); else None (the caller then uses `getattr`).
    pub fn lookup_method(&mut self, obj: &Value, name: &PyRef) -> PyResult<Option<Value>> {
        let ty = self.type_of(obj);
        if self.type_flag(&ty, FLAG_CUSTOM_GETATTRIBUTE) {
            return Ok(None);
        }
        if let Value::Obj(o) = obj {
            if matches!(o.payload, Payload::Type(_)) {
                return Ok(None);
            }
        }
        let Some(d) = self.type_lookup(&ty, name) else {
            return Ok(None);
        };
        let is_method = match &d {
            Value::Obj(o) => match &o.payload {
                Payload::Function(_) => true,
                Payload::MethodDescr(md) => md.kind == DescrKind::Method,
                _ => false,
            },
            _ => false,
        };
        if !is_method {
            return Ok(None);
        }
        if let Value::Obj(o) = obj {
            match attrs::lookup(o, name) {
                Lookup::Found(_) => return Ok(None),
                Lookup::Dict(dict) => {
                    if self.dict_get_str(&dict, name)?.is_some() {
                        return Ok(None);
                    }
                }
                Lookup::Absent | Lookup::NoStorage => {}
            }
        }
        Ok(Some(d))
    }

    /// `setattr(obj, name, value)`, or `delattr` when `value` is None.
    pub fn setattr(&mut self, obj: &Value, name: &PyRef, value: Option<Value>) -> PyResult<()> {
        let ty = self.type_of(obj);
        if self.type_flag(&ty, FLAG_CUSTOM_SETATTR) {
            let hook_name = if value.is_some() {
                "__setattr__"
            } else {
                "__delattr__"
            };
            if let Some(hook) = self.type_lookup_str(&ty, hook_name) {
                if !self.is_object_method(&hook) {
                    let mut args = vec![obj.clone(), Value::Obj(name.clone())];
                    args.extend(value);
                    self.call(&hook, &args)?;
                    return Ok(());
                }
            }
        }
        self.generic_setattr(obj, name, value)
    }

    /// `object.__setattr__` / `object.__delattr__`.
    pub fn generic_setattr(
        &mut self,
        obj: &Value,
        name: &PyRef,
        value: Option<Value>,
    ) -> PyResult<()> {
        let ty = self.type_of(obj);
        if let Value::Obj(o) = obj {
            if matches!(o.payload, Payload::Type(_)) {
                return self.type_setattr(o, name, value);
            }
        }
        if let Some(d) = self.type_lookup(&ty, name) {
            if let Value::Obj(dobj) = &d {
                match &dobj.payload {
                    Payload::Member(md) => return self.member_set(md, obj, value),
                    Payload::GetSet(gs) => {
                        return match gs.set {
                            Some(set) => set(self, obj, value),
                            None => Err(self.attribute_error(format!(
                                "attribute '{}' of '{}' objects is not writable",
                                gs.name,
                                self.type_name(&ty)
                            ))),
                        };
                    }
                    Payload::Property(p) => {
                        let f = if value.is_some() {
                            p[1].clone()
                        } else {
                            p[2].clone()
                        };
                        if f.is_none() || f.is_null() {
                            let pname = self.property_name(&d);
                            let what = if value.is_some() { "setter" } else { "deleter" };
                            return Err(self.attribute_error(format!(
                                "property {pname}of '{}' object has no {what}",
                                type_qualname(&ty)
                            )));
                        }
                        let mut args = vec![obj.clone()];
                        args.extend(value);
                        self.call(&f, &args)?;
                        return Ok(());
                    }
                    _ => {
                        if self.is_data_descr(&d) {
                            let dt = self.type_of(&d);
                            let hook = if value.is_some() {
                                "__set__"
                            } else {
                                "__delete__"
                            };
                            if let Some(h) = self.type_lookup_str(&dt, hook) {
                                let mut args = vec![d.clone(), obj.clone()];
                                args.extend(value);
                                self.call(&h, &args)?;
                                return Ok(());
                            }
                            return Err(
                                self.attribute_error(format!("__{}__", &hook[2..hook.len() - 2]))
                            );
                        }
                    }
                }
            }
        }
        let mut value = value;
        let dict = match obj {
            Value::Obj(o) => match attrs::store(o, name, value.take()) {
                (Store::Done(old), _) => {
                    drop(old);
                    return Ok(());
                }
                (Store::Absent, _) => return Err(self.no_attribute(obj, &ty, name)),
                (Store::Dict(d), v) => {
                    value = v;
                    Some(d)
                }
                (Store::NoStorage, v) => {
                    value = v;
                    if matches!(o.payload, Payload::Function(_)) {
                        Some(self.ensure_dict(o))
                    } else {
                        None
                    }
                }
            },
            _ => None,
        };
        let Some(dict) = dict else {
            // No instance dict: a (non-data) descriptor on the type makes
            // the name read-only.
            if self.type_lookup(&ty, name).is_some() {
                return Err(self.attribute_error(format!(
                    "'{}' object attribute '{}' is read-only",
                    self.type_name(&ty),
                    str_of(name)
                )));
            }
            return Err(self.no_attribute(obj, &ty, name));
        };
        match value {
            Some(v) => self.dict_set(&dict, Value::Obj(name.clone()), v),
            None => match self.dict_del(&dict, &Value::Obj(name.clone()))? {
                Some(_) => Ok(()),
                None => Err(self.no_attribute(obj, &ty, name)),
            },
        }
    }

    fn type_setattr(&mut self, cls: &PyRef, name: &PyRef, value: Option<Value>) -> PyResult<()> {
        let clsv = Value::Obj(cls.clone());
        let meta = self.type_of(&clsv);
        if let Some(d) = self.type_lookup(&meta, name) {
            if self.is_data_descr(&d) {
                if let Value::Obj(dobj) = &d {
                    if let Payload::GetSet(gs) = &dobj.payload {
                        if let Some(set) = gs.set {
                            return set(self, &clsv, value);
                        }
                    }
                }
            }
        }
        let Some(td) = type_data(cls) else {
            return Err(self.no_attribute(&clsv, &meta, name));
        };
        if !td.has_flag(FLAG_HEAPTYPE) {
            return Err(self.type_error(format!(
                "cannot set '{}' attribute of immutable type '{}'",
                str_of(name),
                td.name()
            )));
        }
        let Some(dict) = cls.dict() else {
            return Err(self.no_attribute(&clsv, &meta, name));
        };
        match value {
            Some(v) => self.dict_set(&dict, Value::Obj(name.clone()), v)?,
            None => {
                if self.dict_del(&dict, &Value::Obj(name.clone()))?.is_none() {
                    return Err(self.no_attribute(&clsv, &meta, name));
                }
            }
        }
        td.modified();
        // Only these names change the flags (enum and dataclasses set
        // many other attributes on classes they make).
        let flags = FLAG_DUNDERS.contains(&str_of(name));
        if flags {
            self.update_type_flags(cls);
        }
        // Subclasses inherit what the change means for their dunders.
        let mut todo: Vec<PyRef> = td
            .subclasses
            .borrow()
            .iter()
            .filter_map(|w| w.upgrade())
            .collect();
        while let Some(sub) = todo.pop() {
            if flags {
                self.update_type_flags(&sub);
            }
            if let Some(std) = type_data(&sub) {
                std.modified();
                todo.extend(std.subclasses.borrow().iter().filter_map(|w| w.upgrade()));
            }
        }
        Ok(())
    }

    /// Recompute the dunder-presence flags of a Python class (from the
    /// names in `FLAG_DUNDERS`).
    pub fn update_type_flags(&mut self, cls: &PyRef) {
        let custom_ga = self.defined_in_python(cls, "__getattribute__");
        let has_ga = self.type_lookup_static(cls, "__getattr__").is_some();
        let custom_sa = self.defined_in_python(cls, "__setattr__")
            || self.defined_in_python(cls, "__delattr__");
        let has_del = self.type_lookup_static(cls, "__del__").is_some();
        let always_true = self.type_lookup_static(cls, "__bool__").is_none()
            && self.type_lookup_static(cls, "__len__").is_none();
        let base_hash = self.inherits_base_hash(cls);
        if let Some(td) = type_data(cls) {
            let mut f = td.flags.get()
                & !(FLAG_CUSTOM_GETATTRIBUTE
                    | FLAG_HAS_GETATTR
                    | FLAG_CUSTOM_SETATTR
                    | FLAG_HAS_DEL
                    | crate::objects::typeobj::FLAG_ALWAYS_TRUE
                    | crate::objects::typeobj::FLAG_BASE_HASH);
            if always_true {
                f |= crate::objects::typeobj::FLAG_ALWAYS_TRUE;
            }
            if base_hash {
                f |= crate::objects::typeobj::FLAG_BASE_HASH;
            }
            if custom_ga {
                f |= FLAG_CUSTOM_GETATTRIBUTE;
            }
            if has_ga {
                f |= FLAG_HAS_GETATTR;
            }
            if custom_sa {
                f |= FLAG_CUSTOM_SETATTR;
            }
            if has_del {
                f |= FLAG_HAS_DEL;
            }
            td.flags.set(f);
        }
    }

    /// Whether `cls.__hash__` is the method of a builtin base of `cls` whose
    /// hash is computed from the instance's payload (int, str, bytes,
    /// float, complex, tuple): [`FLAG_BASE_HASH`](crate::objects::typeobj::FLAG_BASE_HASH).
    fn inherits_base_hash(&mut self, cls: &PyRef) -> bool {
        let Some(Value::Obj(d)) = self.type_lookup_static(cls, "__hash__") else {
            return false;
        };
        let Payload::MethodDescr(md) = &d.payload else {
            return false;
        };
        let t = &self.types;
        md.name == "__hash__"
            && [&t.int, &t.str, &t.bytes, &t.float, &t.complex, &t.tuple]
                .iter()
                .any(|b| Rc::ptr_eq(b, &md.owner))
            && crate::objects::typeobj::is_subtype(cls, &md.owner)
    }

    /// Whether a dunder found along the MRO is not `object`'s own (generic)
    /// implementation.
    fn defined_in_python(&mut self, cls: &PyRef, name: &'static str) -> bool {
        match self.type_lookup_static(cls, name) {
            Some(v) => !self.is_object_method(&v),
            None => false,
        }
    }

    /// Whether `v` is a builtin method of `object` itself.
    fn is_object_method(&self, v: &Value) -> bool {
        matches!(v, Value::Obj(o)
            if matches!(&o.payload, Payload::MethodDescr(md) if Rc::ptr_eq(&md.owner, &self.types.object)))
    }

    /// Set a name in an object's own dict, creating none (for exception
    /// attributes and the like). Ignores objects without a dict.
    pub fn set_attr_raw(&self, obj: &PyRef, name: &str, v: Value) {
        if type_data(obj).is_some() {
            crate::objects::typeobj::modified_with_subclasses(obj);
        }
        if let Some(d) = obj.dict() {
            let key = match self.interned_get(name) {
                Some(k) => Value::Obj(k),
                None => self.new_str(name),
            };
            let _ = self.dict_set_nocall(&d, key, v);
        }
    }

    /// Read a name from an object's own dict only.
    pub fn get_attr_raw(&self, obj: &PyRef, name: &str) -> Option<Value> {
        let d = obj.dict()?;
        self.dict_get_by_str_nocall(&d, name)
    }

    fn get_attr_raw_value(&self, v: &Value, name: &str) -> Option<Value> {
        match v {
            Value::Obj(o) => self.get_attr_raw(o, name),
            _ => None,
        }
    }

    /// The `__name__` of a type.
    pub fn type_name(&self, ty: &PyRef) -> String {
        match type_data(ty) {
            Some(td) if td.has_flag(crate::objects::typeobj::FLAG_MODULE_IN_NAME) => {
                match self.get_attr_raw(ty, "__module__") {
                    Some(Value::Obj(m)) if matches!(m.payload, Payload::Str(_)) => {
                        format!("{}.{}", super::str_of(&m), td.name())
                    }
                    _ => td.name(),
                }
            }
            Some(td) => td.name(),
            None => "?".into(),
        }
    }

    /// The type name of a value (`type(v).__name__`).
    pub fn type_name_of(&self, v: &Value) -> String {
        self.type_name(&self.type_of(v))
    }

    /// What Argument Clinic's "must be X, not Y" names: "None" for None,
    /// else the type name (`_PyArg_BadArgument`).
    pub fn arg_type_name(&self, v: &Value) -> String {
        if v.is_none() {
            "None".to_string()
        } else {
            self.type_name_of(v)
        }
    }

    pub fn is_type(&self, v: &Value) -> bool {
        matches!(v, Value::Obj(o) if matches!(o.payload, Payload::Type(_)))
    }

    /// Whether `v` is a heap object of exactly this class.
    pub fn exact(&self, v: &Value, cls: &PyRef) -> bool {
        matches!(v, Value::Obj(o) if o.class_is(cls))
    }

    pub fn obj_ptr(o: &PyObject) -> usize {
        o as *const PyObject as usize
    }

    pub fn same_obj(a: &PyRef, b: &PyRef) -> bool {
        Rc::ptr_eq(a, b)
    }
}

/// A type's `__qualname__` (CPython's `PyType_GetQualName`, as property
/// errors name the type).
fn type_qualname(ty: &PyRef) -> String {
    crate::objects::typeobj::type_data(ty)
        .map(|td| td.qualname.borrow().clone())
        .unwrap_or_default()
}
