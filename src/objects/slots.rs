//! `__slots__`: the checks CPython's `type_new` makes on them, the member
//! descriptors (`C.x` is `<member 'x' of 'C' objects>`) and where slot
//! values live: in an [`Payload::Instance`] when the class's solid base
//! is `object`, else (a builtin base) in the instance dict.

use super::function::{Args, GetSet};
use super::typeobj::{
    is_subtype, type_data, Layout, FLAG_HAS_DICT, FLAG_HAS_WEAKREF, FLAG_HEAPTYPE,
};
use super::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// A member descriptor: slot `index` of the instances of `owner`.
pub struct MemberDescr {
    pub name: String,
    pub index: usize,
    pub owner: PyRef,
}

/// What a class body's `__slots__` asks for.
pub struct SlotPlan {
    /// Mangled member names, sorted (CPython sorts them).
    pub members: Vec<String>,
    /// Slot values the bases' members already use.
    pub base_count: usize,
    /// Instances of the class have a `__dict__` / support weakrefs.
    pub has_dict: bool,
    pub has_weakref: bool,
    /// This class adds them (so gets a `__dict__`/`__weakref__` getset).
    pub add_dict: bool,
    pub add_weakref: bool,
    /// `__slots__` was given.
    pub given: bool,
}

/// `_Py_Mangle`: `__x` in class `_C` becomes `_C__x`.
pub fn mangle(class_name: &str, name: &str) -> String {
    if !name.starts_with("__") || name.ends_with("__") || name.contains('.') {
        return name.to_string();
    }
    let stripped = class_name.trim_start_matches('_');
    if stripped.is_empty() {
        return name.to_string();
    }
    format!("_{stripped}{name}")
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c == '_' || crate::unicode::is_xid_start(c as u32) => {}
        _ => return false,
    }
    chars.all(|c| crate::unicode::is_xid_continue(c as u32))
}

/// The nearest class along `t`'s MRO that adds slot members (its "solid
/// base" as far as slots go).
fn slot_base(t: &PyRef) -> Option<PyRef> {
    let td = type_data(t)?;
    let mro = td.mro.borrow();
    mro.iter()
        .find(|c| type_data(c).is_some_and(|d| !d.slots.borrow().is_empty()))
        .cloned()
}

impl Vm {
    /// Check a class body's `__slots__` (from the namespace copy `dict`)
    /// against the bases, as CPython's `type_new_slots`.
    pub fn plan_slots(
        &mut self,
        class_name: &str,
        bases: &[PyRef],
        layout: Layout,
        dict: &PyRef,
    ) -> PyResult<SlotPlan> {
        let flag = |f: u32| {
            bases
                .iter()
                .any(|b| type_data(b).is_some_and(|t| t.has_flag(f)))
        };
        let base_has_dict = flag(FLAG_HAS_DICT);
        let base_has_weak = flag(FLAG_HAS_WEAKREF);
        let itemsize = matches!(layout, Layout::Int | Layout::Tuple | Layout::Bytes);
        // Bases adding members must lie on one inheritance chain.
        let mut solid: Option<PyRef> = None;
        for b in bases {
            let Some(sb) = slot_base(b) else { continue };
            solid = match solid {
                None => Some(sb),
                Some(cur) if is_subtype(&sb, &cur) => Some(sb),
                Some(cur) if is_subtype(&cur, &sb) => Some(cur),
                Some(_) => {
                    return Err(self.type_error("multiple bases have instance lay-out conflict"))
                }
            };
        }
        let base_count = bases
            .iter()
            .filter_map(|b| type_data(b).map(|t| t.slot_count.get()))
            .max()
            .unwrap_or(0);
        let mut plan = SlotPlan {
            members: Vec::new(),
            base_count,
            has_dict: base_has_dict,
            has_weakref: base_has_weak,
            add_dict: false,
            add_weakref: false,
            given: false,
        };
        let key = Value::Obj(self.intern("__slots__"));
        let Some(slots) = self.dict_get(dict, &key)? else {
            plan.add_dict = !base_has_dict;
            plan.add_weakref = !base_has_weak && !itemsize;
            plan.has_dict = true;
            plan.has_weakref = base_has_weak || plan.add_weakref;
            return Ok(plan);
        };
        plan.given = true;
        let items = if self.as_str_obj(&slots).is_some() {
            vec![slots]
        } else {
            self.collect_iter(&slots)?
        };
        if !items.is_empty() && itemsize {
            let bn = bases
                .iter()
                .find(|b| type_data(b).is_some_and(|t| t.layout == layout))
                .map(|b| self.type_name(b))
                .unwrap_or_default();
            return Err(self.type_error(format!(
                "nonempty __slots__ not supported for subtype of '{bn}'"
            )));
        }
        let mut names = Vec::new();
        for it in &items {
            let Some(s) = self.as_str_obj(it).map(|s| s.as_str().to_string()) else {
                return Err(self.type_error(format!(
                    "__slots__ items must be strings, not '{}'",
                    self.type_name_of(it)
                )));
            };
            if !is_identifier(&s) {
                return Err(self.type_error("__slots__ must be identifiers"));
            }
            match s.as_str() {
                "__dict__" => {
                    if base_has_dict || plan.add_dict {
                        return Err(self.type_error("__dict__ slot disallowed: we already got one"));
                    }
                    plan.add_dict = true;
                }
                "__weakref__" => {
                    if base_has_weak || itemsize || plan.add_weakref {
                        return Err(self.type_error(
                            "__weakref__ slot disallowed: either we already got one, or __itemsize__ != 0",
                        ));
                    }
                    plan.add_weakref = true;
                }
                _ => names.push(s),
            }
        }
        for n in &names {
            let m = mangle(class_name, n);
            let k = self.new_str(&m);
            if self.dict_get(dict, &k)?.is_some() {
                let r = self.repr(&k)?;
                return Err(
                    self.value_error(format!("{r} in __slots__ conflicts with class variable"))
                );
            }
            plan.members.push(m);
        }
        plan.members.sort();
        plan.has_dict = base_has_dict || plan.add_dict;
        plan.has_weakref = base_has_weak || plan.add_weakref;
        Ok(plan)
    }

    /// Put the plan's member descriptors and `__dict__`/`__weakref__`
    /// getsets in the new class's dict; record the layout on the class.
    pub fn install_slots(&mut self, cls: &PyRef, plan: &SlotPlan) -> PyResult<()> {
        let Some(dict) = cls.dict() else {
            return Ok(());
        };
        for (i, m) in plan.members.iter().enumerate() {
            let d = self.new_obj(
                &self.types.member_descriptor,
                Payload::Member(Box::new(MemberDescr {
                    name: m.clone(),
                    index: plan.base_count + i,
                    owner: cls.clone(),
                })),
            );
            let k = Value::Obj(self.intern(m));
            self.dict_set(&dict, k, Value::Obj(d))?;
        }
        if let Some(td) = type_data(cls) {
            *td.slots.borrow_mut() = plan.members.clone();
            td.slot_count.set(plan.base_count + plan.members.len());
        }
        let adds: [(
            &'static str,
            bool,
            super::function::GetterFn,
            Option<super::function::SetterFn>,
        ); 2] = [
            (
                "__dict__",
                plan.add_dict,
                super::object::get_dict,
                Some(super::object::set_dict),
            ),
            ("__weakref__", plan.add_weakref, get_weakref, None),
        ];
        for (name, add, get, set) in adds {
            if !add {
                continue;
            }
            let d = self.new_obj(
                &self.types.getset_descriptor,
                Payload::GetSet(Box::new(GetSet {
                    name,
                    get,
                    set,
                    owner: cls.clone(),
                })),
            );
            // As `type_add_getset`'s PyDict_SetDefault: a `__dict__` (or
            // `__weakref__`) the class body defines (a property) stays.
            let k = Value::Obj(self.intern(name));
            if self.dict_get(&dict, &k)?.is_none() {
                self.dict_set(&dict, k, Value::Obj(d))?;
            }
        }
        Ok(())
    }
}

/// `obj.__weakref__`: the head of the object's weakref list (CPython's
/// `tp_weaklistoffset` slot), None when it has none.
fn get_weakref(_vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(match v {
        Value::Obj(o) => super::weakref::weakrefs_of(o)
            .into_iter()
            .next()
            .map_or(Value::None, Value::Obj),
        _ => Value::None,
    })
}

fn doesnt_apply(vm: &Vm, name: &str, owner: &PyRef, obj: &Value) -> crate::vm::PyErr {
    vm.type_error(format!(
        "descriptor '{name}' for '{}' objects doesn't apply to a '{}' object",
        vm.type_name(owner),
        vm.type_name_of(obj)
    ))
}

impl Vm {
    /// `member.__get__(obj)`.
    pub fn member_get(&mut self, md: &MemberDescr, obj: &Value) -> PyResult<Value> {
        let ty = self.type_of(obj);
        let Value::Obj(o) = obj else {
            return Err(doesnt_apply(self, &md.name, &md.owner, obj));
        };
        if !is_subtype(&ty, &md.owner) {
            return Err(doesnt_apply(self, &md.name, &md.owner, obj));
        }
        let v = match &o.payload {
            Payload::Instance(slots) => match slots.try_borrow() {
                Ok(s) => s.get(md.index).cloned().unwrap_or(Value::Null),
                Err(_) => Value::Null,
            },
            _ => o
                .dict()
                .and_then(|d| self.dict_get_by_str_nocall(&d, &md.name))
                .unwrap_or(Value::Null),
        };
        if v.is_null() {
            let name = self.new_str(&md.name);
            let e = self.attribute_error(format!(
                "'{}' object has no attribute '{}'",
                self.type_name(&ty),
                md.name
            ));
            crate::objects::exception::set_name_obj(&e.0, name, Some(obj.clone()));
            return Err(e);
        }
        Ok(v)
    }

    /// `member.__set__(obj, value)` / `__delete__` (value None).
    pub fn member_set(
        &mut self,
        md: &MemberDescr,
        obj: &Value,
        value: Option<Value>,
    ) -> PyResult<()> {
        let ty = self.type_of(obj);
        let Value::Obj(o) = obj else {
            return Err(doesnt_apply(self, &md.name, &md.owner, obj));
        };
        if !is_subtype(&ty, &md.owner) {
            return Err(doesnt_apply(self, &md.name, &md.owner, obj));
        }
        let deleting = value.is_none();
        let old = match &o.payload {
            Payload::Instance(slots) => {
                let mut s = slots
                    .try_borrow_mut()
                    .map_err(|_| self.runtime_error("slot storage busy"))?;
                match s.get_mut(md.index) {
                    Some(slot) => std::mem::replace(slot, value.unwrap_or(Value::Null)),
                    None => return Err(self.system_error("slot index out of range")),
                }
            }
            _ => {
                let d = self.ensure_dict(o);
                let k = self.new_str(&md.name);
                match value {
                    Some(v) => {
                        self.dict_set(&d, k, v)?;
                        Value::None
                    }
                    None => self.dict_del(&d, &k)?.unwrap_or(Value::Null),
                }
            }
        };
        if deleting && old.is_null() {
            return Err(self.attribute_error(md.name.clone()));
        }
        drop(old);
        Ok(())
    }
}

fn member_of(vm: &Vm, v: &Value) -> PyResult<PyRef> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Member(_)) => Ok(o.clone()),
        _ => Err(vm.type_error("descriptor requires a 'member_descriptor' object")),
    }
}

fn with_member<T>(
    vm: &mut Vm,
    v: &Value,
    f: impl FnOnce(&mut Vm, &MemberDescr) -> PyResult<T>,
) -> PyResult<T> {
    let o = member_of(vm, v)?;
    match &o.payload {
        Payload::Member(md) => f(vm, md),
        _ => Err(vm.type_error("descriptor requires a 'member_descriptor' object")),
    }
}

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

/// A builtin type's native member (a read-only attribute CPython declares
/// in a `PyMemberDef`, e.g. `function.__globals__`): a getset payload whose
/// descriptor type is `member_descriptor`. Its name and owner.
fn native_member(v: &Value) -> Option<(&'static str, PyRef)> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::GetSet(gs) => Some((gs.name, gs.owner.clone())),
            _ => None,
        },
        _ => None,
    }
}

/// The setter of a read-only native member.
pub fn readonly_member_set(vm: &mut Vm, _obj: &Value, _v: Option<Value>) -> PyResult<()> {
    Err(vm.attribute_error("readonly attribute"))
}

fn member_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if let Some((name, owner)) = native_member(&arg(&args, 0)) {
        let s = format!("<member '{name}' of '{}' objects>", vm.type_name(&owner));
        return Ok(vm.new_string(s));
    }
    let s = with_member(vm, &arg(&args, 0), |vm, md| {
        Ok(format!(
            "<member '{}' of '{}' objects>",
            md.name,
            vm.type_name(&md.owner)
        ))
    })?;
    Ok(vm.new_string(s))
}

fn member_dunder_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = arg(&args, 0);
    let obj = arg(&args, 1);
    if obj.is_none() {
        return Ok(d);
    }
    if native_member(&d).is_some() {
        return getset_dunder_get(vm, args);
    }
    with_member(vm, &d, |vm, md| vm.member_get(md, &obj))
}

fn member_dunder_set(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if native_member(&arg(&args, 0)).is_some() {
        return getset_dunder_set(vm, args);
    }
    let (d, obj, v) = (arg(&args, 0), arg(&args, 1), arg(&args, 2));
    with_member(vm, &d, |vm, md| vm.member_set(md, &obj, Some(v)))?;
    Ok(Value::None)
}

fn member_dunder_delete(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if native_member(&arg(&args, 0)).is_some() {
        return getset_dunder_delete(vm, args);
    }
    let (d, obj) = (arg(&args, 0), arg(&args, 1));
    with_member(vm, &d, |vm, md| vm.member_set(md, &obj, None))?;
    Ok(Value::None)
}

fn member_name(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    if native_member(v).is_some() {
        return getset_name(vm, v);
    }
    with_member(vm, v, |vm, md| Ok(vm.new_str(&md.name)))
}

fn member_qualname(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    if native_member(v).is_some() {
        return getset_qualname(vm, v);
    }
    with_member(vm, v, |vm, md| {
        let q = type_data(&md.owner)
            .map(|t| t.qualname.borrow().clone())
            .unwrap_or_default();
        Ok(vm.new_string(format!("{q}.{}", md.name)))
    })
}

fn member_objclass(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    if native_member(v).is_some() {
        return getset_objclass(vm, v);
    }
    with_member(vm, v, |_vm, md| Ok(Value::Obj(md.owner.clone())))
}

// ------------------------------------------------------- getset descriptors

fn getset_parts(vm: &Vm, v: &Value) -> PyResult<(&'static str, PyRef)> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::GetSet(gs) => Ok((gs.name, gs.owner.clone())),
            _ => Err(vm.type_error("descriptor requires a 'getset_descriptor' object")),
        },
        _ => Err(vm.type_error("descriptor requires a 'getset_descriptor' object")),
    }
}

fn getset_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (name, owner) = getset_parts(vm, &arg(&args, 0))?;
    Ok(vm.new_string(format!(
        "<attribute '{name}' of '{}' objects>",
        vm.type_name(&owner)
    )))
}

fn getset_dunder_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = arg(&args, 0);
    let obj = arg(&args, 1);
    let (name, owner) = getset_parts(vm, &d)?;
    if obj.is_none() {
        return Ok(d);
    }
    let ty = vm.type_of(&obj);
    if !is_subtype(&ty, &owner) {
        return Err(doesnt_apply(vm, name, &owner, &obj));
    }
    vm.descr_get(d, Some(&obj), &ty)
}

fn getset_dunder_set(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (d, obj) = (arg(&args, 0), arg(&args, 1));
    let value = args.args.get(2).cloned();
    let (name, owner) = getset_parts(vm, &d)?;
    let ty = vm.type_of(&obj);
    if !is_subtype(&ty, &owner) {
        return Err(doesnt_apply(vm, name, &owner, &obj));
    }
    let set = match &d {
        Value::Obj(o) => match &o.payload {
            Payload::GetSet(gs) => gs.set,
            _ => None,
        },
        _ => None,
    };
    match set {
        Some(f) => f(vm, &obj, value)?,
        None => {
            return Err(vm.attribute_error(format!(
                "attribute '{name}' of '{}' objects is not writable",
                vm.type_name(&owner)
            )))
        }
    }
    Ok(Value::None)
}

fn getset_dunder_delete(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let two = [arg(&args, 0), arg(&args, 1)];
    getset_dunder_set(vm, Args::new(&two))
}

fn getset_name(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let (name, _) = getset_parts(vm, v)?;
    Ok(vm.new_str(name))
}

fn getset_qualname(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let (name, owner) = getset_parts(vm, v)?;
    let q = type_data(&owner)
        .map(|t| t.qualname.borrow().clone())
        .unwrap_or_default();
    Ok(vm.new_string(format!("{q}.{name}")))
}

fn getset_doc(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let (name, owner) = getset_parts(vm, v)?;
    Ok(super::doc_lookup::descr_doc_value(vm, &owner, name))
}

fn member_doc(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    if native_member(v).is_some() {
        return getset_doc(vm, v);
    }
    with_member(vm, v, |vm, md| {
        Ok(super::doc_lookup::descr_doc_value(vm, &md.owner, &md.name))
    })
}

fn getset_objclass(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let (_, owner) = getset_parts(vm, v)?;
    Ok(Value::Obj(owner))
}

/// Whether `cls` (a heap class) has instances that are plain slot
/// holders.
pub fn uses_instance_payload(cls: &PyRef) -> bool {
    type_data(cls).is_some_and(|t| {
        t.layout == Layout::Object && t.slot_count.get() > 0 && t.has_flag(FLAG_HEAPTYPE)
    })
}

/// A fresh slot vector for an instance of `cls`.
pub fn new_slot_payload(cls: &PyRef) -> Payload {
    let n = type_data(cls).map(|t| t.slot_count.get()).unwrap_or(0);
    Payload::Instance(std::cell::RefCell::new(
        vec![Value::Null; n].into_boxed_slice(),
    ))
}

pub fn install(vm: &mut Vm) {
    let m = vm.types.member_descriptor.clone();
    vm.add_methods(
        &m,
        &[
            ("__repr__", member_repr),
            ("__get__", member_dunder_get),
            ("__set__", member_dunder_set),
            ("__delete__", member_dunder_delete),
        ],
    );
    vm.add_getsets(
        &m,
        &[
            ("__name__", member_name, None),
            ("__qualname__", member_qualname, None),
            ("__objclass__", member_objclass, None),
            ("__doc__", member_doc, None),
        ],
    );
    let g = vm.types.getset_descriptor.clone();
    vm.add_methods(
        &g,
        &[
            ("__repr__", getset_repr),
            ("__get__", getset_dunder_get),
            ("__set__", getset_dunder_set),
            ("__delete__", getset_dunder_delete),
        ],
    );
    vm.add_getsets(
        &g,
        &[
            ("__name__", getset_name, None),
            ("__qualname__", getset_qualname, None),
            ("__objclass__", getset_objclass, None),
            ("__doc__", getset_doc, None),
        ],
    );
}
