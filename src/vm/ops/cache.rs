//! Inline caches for LOAD_GLOBAL, LOAD_ATTR, LOAD_METHOD and STORE_ATTR
//! (CPython 3.11's specialisations, without rewriting the instruction).
//!
//! When a code object is prepared (vm/code.rs), each of those instructions
//! gets a slot number, written into its first CACHE unit (the bytes the
//! eval loop never executes); `Code::ics` holds the slots. An instruction
//! first tries its slot's fast path, which checks guards that imply the
//! slow path would do exactly the same thing; on a miss it takes the slow
//! path and refills the slot.
//!
//! Guards: a type's `version` changes whenever its dict, a base's dict or
//! its MRO changes (unique across types); a dict's key-set version changes
//! whenever a key is added or removed (unique across dicts over time), so
//! an entry position under an unchanged version still holds the same key.

use crate::objects::dict::{
    find_str, has_version, key_version, last_entry_if_key, replace_at_if_key, value_at_if_key,
    value_at_if_version,
};
use crate::objects::function::DescrKind;
use crate::objects::rc::Rc;
use crate::objects::typeobj::{
    type_data, FLAG_CUSTOM_GETATTRIBUTE, FLAG_CUSTOM_SETATTR, FLAG_HAS_GETATTR, FLAG_HEAPTYPE,
};
use crate::objects::Payload;
use crate::vm::code::Code;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};
use std::cell::Cell;

use super::ic_ref::IcRef;

/// Slot number meaning "no cache" (a code object with more than 65535
/// cacheable instructions).
pub const NO_SLOT: u16 = u16::MAX;

const _: () = assert!(std::mem::size_of::<Ic>() == 56);

/// One instruction's cache. An explicit tag byte: a niche-encoded
/// discriminant costs several instructions to decode on every hit.
#[derive(Clone, Default)]
#[repr(u8)]
pub enum Ic {
    #[default]
    Empty,
    /// LOAD_GLOBAL of a module's name (CPython's LOAD_GLOBAL_MODULE): the
    /// name is at entry `pos` of a globals table of key-set version `gver`.
    /// No dict address: a version names one key layout of one table
    /// (versions are unique over time; a table cloned keeps its layout
    /// while it keeps the version, and only an empty, never changed table
    /// has version 0), so the frame's globals at `gver` hold the name at
    /// `pos` whichever dict they are. Versions, not references, so a cache
    /// never keeps a module's dict alive (or hides it from the collector).
    Global { gver: u64, pos: usize },
    /// LOAD_GLOBAL of a builtin (CPython's LOAD_GLOBAL_BUILTIN): the name
    /// is absent from globals tables of version `gver` and at entry `pos`
    /// of a builtins table of version `bver` (as for `Global`).
    GlobalBuiltin { gver: u64, bver: u64, pos: usize },
    /// Never made: it keeps `Ic` at 56 bytes, where a slot's address is
    /// one multiply (at 48 bytes it is two instructions, `lea` and `shl`,
    /// on every LOAD_ATTR, STORE_ATTR and LOAD_METHOD).
    #[allow(dead_code)]
    Pad([u64; 6]),
    /// LOAD_NAME / STORE_NAME: the name was at entry `pos` of the locals
    /// dict last seen. A hint, checked by the entry's key being the name
    /// itself (a dict holds a key once), so it needs no version.
    Name { pos: u32 },
    /// LOAD_ATTR (and LOAD_METHOD of a non-method): for instances of the
    /// type at version `tver` (no custom `__getattribute__`), the type's
    /// attribute `descr` (Null: none) is not a data descriptor, so the
    /// instance dict answers first.
    /// `hint`: the entry position where the last instance dict held the
    /// name (instances of a class usually share their attribute order);
    /// `vidx`: the name's index in the class's shared keys, the place of
    /// its inline value (`NO_KEY`: not a key; adding one changes `tver`).
    /// `MODULE_KEY`: a module's attribute (CPython's LOAD_ATTR_MODULE):
    /// the class is the `module` type itself, which has no attribute of
    /// the name (`descr` Null), and the name is at entry `hint` of the
    /// module's dict while that dict's key-set version is `dver`
    /// (versions are unique across dicts: the same dict, the same keys;
    /// no key comparison, which a native module's keys, not the code's
    /// interned names, would need). `dver` is unused otherwise.
    Attr {
        tver: u64,
        descr: IcRef,
        hint: Cell<u32>,
        vidx: u32,
        dver: u64,
    },
    /// LOAD_METHOD: the type at `tver` has the plain method `meth`.
    /// `dver`: the key-set version of the last instance dict seen without
    /// the name (versions are unique across dicts, so a match means that
    /// same dict, unchanged: the method is not shadowed).
    /// `vidx`: as in `Attr` (an instance with inline values shadows the
    /// method only if it holds that value).
    Method {
        tver: u64,
        meth: IcRef,
        dver: Cell<u64>,
        vidx: u32,
    },
    /// STORE_ATTR: the type at `tver` has no data descriptor of the name
    /// and no custom `__setattr__`: the value goes to the instance dict.
    /// `vidx`: the name's index in the class's shared keys (`NO_KEY`: not
    /// a key), where instances with inline values keep it.
    Store {
        tver: u64,
        hint: Cell<u32>,
        vidx: u32,
    },
    /// LOAD_ATTR / STORE_ATTR: the type at `tver` has a `__slots__`
    /// member of the name, slot `index` of its instances' slot values.
    Slot { tver: u64, index: usize },
    /// LOAD_ATTR: the type at `tver` has a `property` of the name whose
    /// getter is the Python function `fget`.
    Property { tver: u64, fget: IcRef },
    /// LOAD_ATTR: the type at `tver` (no `__getattr__`) has a builtin
    /// computed attribute (`getset_descriptor`: `exc.args`,
    /// `exc.__cause__`, ...) of the name, read by `get`.
    GetSet {
        tver: u64,
        get: crate::objects::function::GetterFn,
    },
    /// LOAD_METHOD / LOAD_ATTR on a class whose metaclass is `type`
    /// itself (CPython's LOAD_METHOD_CLASS: `object.__new__(cls)`): the
    /// class at its own version `cver` (versions are unique over the run)
    /// gives `value`, a static method's function, a plain function, a
    /// builtin static method, a property or a value whose type has no
    /// `__get__` (`Strength.REQUIRED`) found in its MRO, which `type` has
    /// no data descriptor of the name to override. `vt`: the version the
    /// value's class must still have (a Python class could gain a
    /// `__get__`), 0 for a builtin class. `bind`: LOAD_METHOD of a
    /// `classmethod` of a Python function, which pushes `[value, cls]`
    /// (the call binds the class as the bound method would).
    ClassAttr {
        cver: u64,
        value: IcRef,
        vt: u64,
        bind: bool,
    },
    /// A polymorphic site (a method of a base class run on instances of
    /// its subclasses): up to `POLY` of the caches above for as many type
    /// versions, newest first.
    Poly(Box<[Ic; POLY]>),
}

/// What `load_attr_cached` found in a slot for the owner's type version.
enum Hit {
    /// The answer itself.
    Value(Value),
    /// A property's getter, a Python function.
    Getter(PyRef),
    /// A Python function of the class, not shadowed by the instance: the
    /// bound method of it.
    Bind(PyRef),
    /// A cache to answer through.
    Cache(Ic),
}

/// `vidx` of a name that is not among the class's shared keys.
const NO_KEY: u32 = u32::MAX;

/// `vidx` of a module's attribute (see `Ic::Attr`).
const MODULE_KEY: u32 = u32::MAX - 1;

/// The index of `name` in the shared keys of `o`'s class, as a cache's
/// `vidx`.
fn shared_key_index(o: &PyRef, name: &PyRef) -> u32 {
    o.class()
        .as_ref()
        .and_then(type_data)
        .and_then(|td| crate::objects::attrs::key_index(td, name))
        .and_then(|i| u32::try_from(i).ok())
        .unwrap_or(NO_KEY)
}

/// How many types a polymorphic attribute site remembers.
const POLY: usize = 4;

impl Ic {
    /// The type version guarding an attribute cache of any kind.
    fn type_version(&self) -> Option<u64> {
        match self {
            Ic::Attr { tver, .. }
            | Ic::Slot { tver, .. }
            | Ic::Property { tver, .. }
            | Ic::GetSet { tver, .. }
            | Ic::Method { tver, .. }
            | Ic::Store { tver, .. } => Some(*tver),
            _ => None,
        }
    }

    /// The slot's content after a refill with `new`, and what it no longer
    /// holds (dropped by the caller once the slots are not borrowed): a
    /// cache for another type version of the same site joins the old one
    /// in a `Poly`, the oldest falling out when it is full.
    fn merge(self, new: Ic) -> (Ic, Option<Ic>) {
        let Some(v) = new.type_version() else {
            return (new, Some(self));
        };
        match self {
            Ic::Poly(mut es) => {
                // The entry for this version (or else the oldest) goes;
                // the others move down one place.
                let at = es
                    .iter()
                    .position(|e| e.type_version() == Some(v))
                    .unwrap_or(POLY - 1);
                let mut gone = new;
                for e in es.iter_mut().take(at + 1) {
                    gone = std::mem::replace(e, gone);
                }
                (Ic::Poly(es), Some(gone))
            }
            old => match old.type_version() {
                Some(ov) if ov != v => {
                    let es = Box::new([new, old, Ic::Empty, Ic::Empty]);
                    (Ic::Poly(es), None)
                }
                _ => (new, Some(old)),
            },
        }
    }

    /// The type version guarding a LOAD_ATTR cache (attribute, slot or
    /// property), if this is one.
    /// A module's (whose dict version changed: a refill makes a new one)
    /// is not.
    #[inline]
    fn attr_version(&self) -> Option<u64> {
        match self {
            Ic::Attr { vidx, .. } if *vidx == MODULE_KEY => None,
            Ic::Attr { tver, .. }
            | Ic::Slot { tver, .. }
            | Ic::Property { tver, .. }
            | Ic::GetSet { tver, .. } => Some(*tver),
            _ => None,
        }
    }
}

impl Code {
    /// The slot number of the instruction at code unit `pc`.
    #[inline(always)]
    pub fn ic_slot(&self, pc: usize) -> u16 {
        self.instrs.get(pc).map_or(NO_SLOT, |i| i.slot)
    }

    /// Look at slot `slot` (no Python code may run inside `f`): the first
    /// answer of `f` for the cache there, or for the caches of a
    /// polymorphic slot in turn (`f` checks the type version).
    #[inline(always)]
    fn ic_with<R>(&self, slot: u16, f: impl Fn(&Ic) -> Option<R>) -> Option<R> {
        // SAFETY: `f` runs no code (it matches, reads cells and clones
        // values), so nothing refills the caches while the reference
        // lives. The one mutable borrow of `ics` (`ic_set`) runs no code
        // either and ends before it returns, so none is live here: the
        // borrow flag need not be read.
        let v = unsafe { &*self.ics.as_ptr() };
        let ic = v.get(slot as usize)?;
        // The one-type hit first (one tag compare and the guard); `f`
        // answers nothing for a `Poly`.
        if let Some(r) = f(ic) {
            return Some(r);
        }
        match ic {
            Ic::Poly(es) => poly_find(&es[..], &f),
            _ => None,
        }
    }

    /// Refill slot `slot` with `ic` (joining the caches of other types at
    /// a polymorphic site).
    fn ic_set(&self, slot: u16, ic: Ic) {
        // The only mutable borrow of `ics`: it runs no code while it
        // lasts (what the slot no longer holds is dropped after), which
        // the unguarded reads (`ic_with`, `load_global_hit`) rely on.
        let gone = match self.ics.try_borrow_mut() {
            Ok(mut v) => {
                let mut wait = false;
                if v.is_empty() && self.nslots() > 0 {
                    // Code that runs once (module and class bodies, most
                    // functions an import defines) asks each site's fill
                    // once at most: the caches wait until more fills were
                    // asked than there are sites (some site runs again).
                    let asked = self.ic_misses.get();
                    wait = u32::from(asked) < self.nslots();
                    if wait {
                        self.ic_misses.set(asked + 1);
                    } else {
                        *v = vec![Ic::Empty; self.nslots() as usize].into_boxed_slice();
                    }
                }
                if wait {
                    // Dropped after the borrow, as what a slot lets go.
                    Some(Some(ic))
                } else {
                    v.get_mut(slot as usize).map(|e| {
                        let (now, gone) = std::mem::take(e).merge(ic);
                        *e = now;
                        gone
                    })
                }
            }
            Err(_) => None,
        };
        drop(gone);
    }
}

/// A class attribute that is an unboxed value (no `__get__`: `scale =
/// 3`), cached in `ic` for instances of version `ver`, read through `o`,
/// an instance with inline values that lacks the name.
#[inline(always)]
fn class_value_hit(ic: &Ic, o: &PyRef, ver: u64) -> Option<Value> {
    match ic {
        Ic::Attr {
            tver,
            descr: IcRef::Val(v),
            vidx,
            ..
        } if *tver == ver
            && !v.is_null()
            && o.has_values()
            && (*vidx == NO_KEY || !o.has_value_at(*vidx as usize)) =>
        {
            Some(v.clone())
        }
        _ => None,
    }
}

/// The (version, flags) of `v`'s class when it is an object.
#[inline(always)]
fn obj_class(v: &Value) -> Option<(&PyRef, u64, u32)> {
    match v {
        Value::Obj(o) => o.class_version_flags().map(|(ver, fl)| (o, ver, fl)),
        _ => None,
    }
}

/// The first entry of a polymorphic cache that `f` accepts (out of line:
/// the eval loop inlines only the one-entry case of `ic_with`).
#[cold]
#[inline(never)]
fn poly_find<R>(es: &[Ic], f: &impl Fn(&Ic) -> Option<R>) -> Option<R> {
    es.iter().find_map(f)
}

/// An exact builtin container, whose attributes are its type's (no
/// instance dict, no `__getattribute__` of its own).
fn plain_builtin(o: &PyRef) -> bool {
    matches!(
        o.payload,
        Payload::List(_)
            | Payload::Dict(_)
            | Payload::Str(_)
            | Payload::Tuple(_)
            | Payload::Bytes(_)
            | Payload::Set(_)
            | Payload::FrozenSet(_)
    ) && o.class_is_static()
}

/// Whether the instance dict of `o` is the place for its attributes
/// (user classes and modules, not types, bound methods or builtins).
fn dict_first(vm: &Vm, o: &PyRef, flags: u32) -> bool {
    flags & FLAG_CUSTOM_GETATTRIBUTE == 0
        && !matches!(o.payload, Payload::Type(_) | Payload::Method(_))
        && (flags & FLAG_HEAPTYPE != 0 || o.class_is(&vm.types.module))
}

impl Vm {
    /// LOAD_ATTR's cache hits that run no code: an instance-dict value at
    /// the cached entry position, or a `__slots__` value, inlined into the
    /// loop so the value goes from the dict to the stack in registers; the
    /// other kinds out of line (`load_attr_more`), still without the
    /// general path's cost.
    #[inline(always)]
    pub(crate) fn load_attr_fast(
        &self,
        code: &Code,
        slot: u16,
        obj: &Value,
        oparg: u32,
    ) -> Option<Value> {
        let (o, ver, _) = obj_class(obj)?;
        // Two kinds here (with `Poly`, three tags: compares, where a fourth
        // makes a jump table).
        let Some((dict, n, vidx, dver)) = code.ic_with(
            slot,
            #[inline(always)]
            |ic| match ic {
                Ic::Attr {
                    tver,
                    hint,
                    vidx,
                    dver,
                    ..
                } if *tver == ver => Some((true, hint.get() as usize, *vidx, *dver)),
                Ic::Slot { tver, index } if *tver == ver => Some((false, *index, NO_KEY, 0)),
                _ => None,
            },
        ) else {
            return self.load_attr_more(code, slot, obj);
        };
        let v = if !dict {
            slot_value(o, n)
        } else if o.has_values() {
            o.value_at(vidx as usize)
        } else if vidx == MODULE_KEY {
            o.dict_value_if_version(dver, n)
        } else {
            dict_value_at(o, n, code.names.get(oparg as usize)?)
        };
        match v {
            Some(v) => Some(v),
            None => self.load_attr_more(code, slot, obj),
        }
    }

    /// LOAD_ATTR's other hits that run no code and allocate nothing: a
    /// class's attribute
    /// (`Ic::ClassAttr`: `Strength.REQUIRED`), a class attribute without
    /// `__get__` read through an instance that lacks the name.
    #[inline(never)]
    fn load_attr_more(&self, code: &Code, slot: u16, obj: &Value) -> Option<Value> {
        if let Some((v, false)) = self.class_attr_hit(code, slot, obj) {
            return Some(v);
        }
        let (o, ver, _) = obj_class(obj)?;
        code.ic_with(slot, |ic| class_value_hit(ic, o, ver))
    }

    /// LOAD_METHOD's hits that `load_method_hit` leaves (out of line): a
    /// module's function (`[NULL, f]`), a class's attribute (`[NULL, v]`,
    /// or `[f, cls]` for a class method: `true`).
    #[inline(never)]
    pub(crate) fn load_method_more(
        &self,
        code: &Code,
        slot: u16,
        obj: &Value,
    ) -> Option<(Value, bool)> {
        if let Some(v) = module_attr_hit(code, slot, obj) {
            return Some((v, false));
        }
        self.class_attr_hit(code, slot, obj)
    }
}

/// A module attribute through the `Ic::Attr` at `slot`.
#[inline(always)]
fn module_attr_hit(code: &Code, slot: u16, obj: &Value) -> Option<Value> {
    let (o, ver, _) = obj_class(obj)?;
    let (dver, pos) = code.ic_with(slot, |ic| match ic {
        Ic::Attr {
            tver,
            hint,
            vidx: MODULE_KEY,
            dver,
            ..
        } if *tver == ver => Some((*dver, hint.get() as usize)),
        _ => None,
    })?;
    o.dict_value_if_version(dver, pos)
}

/// Whether `o`'s instance dict (if any) certainly lacks `name`: its key-set
/// version is the one remembered in the LOAD_METHOD slot, or a lookup says
/// so (and the version is remembered).
#[inline(always)]
fn not_shadowed(code: &Code, slot: u16, o: &PyRef, name: &PyRef, dv: u64, vidx: u32) -> bool {
    if o.has_values() {
        return vidx == NO_KEY || !o.has_value_at(vidx as usize);
    }
    let Some(d) = o.dict_made() else {
        return !o.has_attrs();
    };
    let d = &d;
    let kv = key_version(d);
    if kv == Some(dv) {
        return true;
    }
    match (find_str(d, name), kv) {
        (Some(None), Some(kv)) => {
            code.ic_with(slot, |ic| match ic {
                Ic::Method { dver, .. } => {
                    dver.set(kv);
                    Some(())
                }
                _ => None,
            });
            true
        }
        _ => false,
    }
}

/// The value in `__slots__` slot `i` of `o`, if set.
#[inline(always)]
fn slot_value(o: &PyRef, i: usize) -> Option<Value> {
    match &o.payload {
        Payload::Instance(slots) => slots
            .try_borrow()
            .ok()
            .and_then(|s| s.get(i).filter(|v| !v.is_null()).cloned()),
        _ => None,
    }
}

/// Store `v` into `__slots__` slot `i` of `o`: the old value (Null if the
/// slot was unset), to be dropped by the caller; `v` back when `o` has no
/// such slot.
#[inline(always)]
fn slot_replace(o: &PyRef, i: usize, v: Value) -> Result<Value, Value> {
    let Payload::Instance(slots) = &o.payload else {
        return Err(v);
    };
    let Ok(mut slots) = slots.try_borrow_mut() else {
        return Err(v);
    };
    match slots.get_mut(i) {
        Some(s) => Ok(std::mem::replace(s, v)),
        None => Err(v),
    }
}

/// The value at entry `pos` of `o`'s instance dict if its key is `name`.
#[inline(always)]
fn dict_value_at(o: &PyRef, pos: usize, name: &PyRef) -> Option<Value> {
    value_at_if_key(&o.dict_made()?, pos, name)
}

/// `in_instance_dict` with the entry position of a found name (its key
/// index for inline values).
#[inline(always)]
fn in_instance_dict_at(o: &PyRef, name: &PyRef) -> Option<Option<(usize, Value)>> {
    use crate::objects::attrs::{lookup, Lookup};
    match lookup(o, name) {
        Lookup::Found(v) => Some(Some((0, v))),
        Lookup::Absent | Lookup::NoStorage => Some(None),
        Lookup::Dict(d) => find_str(&d, name),
    }
}

/// Look `name` up in `o`'s instance dict: Some(found) when certain.
#[inline(always)]
fn in_instance_dict(o: &PyRef, name: &PyRef) -> Option<Option<Value>> {
    in_instance_dict_at(o, name).map(|r| r.map(|(_, v)| v))
}

impl Vm {
    // ------------------------------------------------------------ globals

    /// LOAD_GLOBAL's lookup of `name` through the cache `slot`.
    #[inline(always)]
    pub(crate) fn load_global_cached(
        &mut self,
        code: &Code,
        slot: u16,
        name: &PyRef,
    ) -> PyResult<Value> {
        if let Some(v) = self.load_global_hit(code, slot) {
            return Ok(v);
        }
        self.load_global_fill(code, slot, name)
    }

    /// LOAD_GLOBAL_MODULE / LOAD_GLOBAL_BUILTIN: the global at cache slot
    /// `slot` while the dicts' key sets are those the cache saw.
    #[inline(always)]
    pub(crate) fn load_global_hit(&self, code: &Code, slot: u16) -> Option<Value> {
        let f = self.frames.last()?;
        // SAFETY: the caches are only read here (no code runs before the
        // reference is dropped), and no mutable borrow is live (`ic_with`).
        let ics = unsafe { &*code.ics.as_ptr() };
        match ics.get(slot as usize)? {
            Ic::Global { gver, pos } => value_at_if_version(&f.globals, *gver, *pos),
            Ic::GlobalBuiltin { gver, bver, pos } if has_version(&f.globals, *gver) => {
                value_at_if_version(&f.builtins, *bver, *pos)
            }
            _ => None,
        }
    }

    #[inline(never)]
    fn load_global_fill(&mut self, code: &Code, slot: u16, name: &PyRef) -> PyResult<Value> {
        let (globals, builtins) = match self.frames.last() {
            Some(f) => (f.globals.clone(), f.builtins.clone()),
            None => return self.load_global_name(name),
        };
        if slot != NO_SLOT {
            let gver = key_version(&globals);
            match find_str(&globals, name) {
                Some(Some((pos, v))) => {
                    if let Some(gver) = gver {
                        code.ic_set(slot, Ic::Global { gver, pos });
                    }
                    return Ok(v);
                }
                Some(None) => {
                    let bver = key_version(&builtins);
                    if let (Some(gver), Some(bver), Some(Some((pos, v)))) =
                        (gver, bver, find_str(&builtins, name))
                    {
                        code.ic_set(slot, Ic::GlobalBuiltin { gver, bver, pos });
                        return Ok(v);
                    }
                }
                None => {}
            }
        }
        self.load_global_name(name)
    }

    // --------------------------------------------------------- attributes

    /// LOAD_ATTR at `pc` through the cache `slot`, after `load_attr_fast`
    /// missed: the slot's content still guides the lookup (an instance-dict
    /// entry elsewhere, a class attribute to bind, a property to call).
    /// Null: a property getter's frame was pushed over `obj` (put back on
    /// the stack), whose return gives the value (`property_inline`).
    #[inline(always)]
    pub(crate) fn load_attr_cached(
        &mut self,
        code: &Code,
        slot: u16,
        obj: &Value,
        name: &PyRef,
        pc: usize,
    ) -> PyResult<Value> {
        // `Cls.attr` (Ic::ClassAttr).
        if let Some((v, false)) = self.class_attr_hit(code, slot, obj) {
            return Ok(v);
        }
        if let Some((o, ver, _)) = obj_class(obj) {
            let hit = code.ic_with(slot, |ic| {
                if let Some(v) = class_value_hit(ic, o, ver) {
                    return Some(Hit::Value(v));
                }
                match ic {
                    Ic::Property { tver, fget } if *tver == ver => fget.get_obj().map(Hit::Getter),
                    // A method read as a value (`f = obj.method`): bound here,
                    // without the instance lookup and `__get__` of the general
                    // way, when the instance cannot hold the name.
                    Ic::Attr {
                        tver,
                        descr: IcRef::Obj(w),
                        vidx,
                        ..
                    } if *tver == ver
                        && (if o.has_values() {
                            *vidx == NO_KEY || !o.has_value_at(*vidx as usize)
                        } else {
                            !o.has_attrs()
                        }) =>
                    {
                        match w.upgrade() {
                            Some(f) if matches!(f.payload, Payload::Function(_)) => {
                                Some(Hit::Bind(f))
                            }
                            _ => Some(Hit::Cache(ic.clone())),
                        }
                    }
                    ic if ic.attr_version() == Some(ver) => Some(Hit::Cache(ic.clone())),
                    _ => None,
                }
            });
            let ic = match hit {
                Some(Hit::Value(v)) => return Ok(v),
                Some(Hit::Bind(f)) => return Ok(self.new_method(Value::Obj(f), obj.clone())),
                Some(Hit::Getter(f)) => {
                    if self.property_inline(code, &f, obj, pc) {
                        return Ok(Value::Null);
                    }
                    code.ic_with(slot, |ic| {
                        (ic.attr_version() == Some(ver)).then(|| ic.clone())
                    })
                }
                Some(Hit::Cache(ic)) => Some(ic),
                None => None,
            };
            if let Some(ic) = ic {
                if let Some(r) = self.attr_through(&ic, o, obj, name) {
                    if let Ic::Attr { hint, .. } = &ic {
                        code.ic_with(slot, |c| match c {
                            Ic::Attr { tver, hint: h, .. } if *tver == ver => {
                                h.set(hint.get());
                                Some(())
                            }
                            _ => None,
                        });
                    }
                    return r;
                }
                // The cache still describes the type (an unset `__slots__`
                // member, a name the instance lacks): a refill would make
                // the same one. The general lookup raises or asks
                // `__getattr__`.
                return self.getattr(obj, name);
            }
        }
        self.load_attr_fill(code, slot, obj, name)
    }

    #[inline(never)]
    fn load_attr_fill(
        &mut self,
        code: &Code,
        slot: u16,
        obj: &Value,
        name: &PyRef,
    ) -> PyResult<Value> {
        // Refill the slot first, then answer through what it says (one
        // lookup on a miss, which polymorphic sites take often); the
        // general lookup for what it cannot answer.
        if slot != NO_SLOT {
            if let Some(cver) = self.class_attr_version(obj) {
                let attr = self.getattr(obj, name)?;
                self.class_attr_fill(code, slot, obj, cver, name, &attr, false);
                return Ok(attr);
            }
            if let (Some(ic), Value::Obj(o)) = (self.attr_ic(obj, name), obj) {
                let r = self.attr_through(&ic, o, obj, name);
                code.ic_set(slot, ic);
                if let Some(r) = r {
                    return r;
                }
            }
        }
        self.getattr(obj, name)
    }

    /// `obj.name` as the attribute cache `ic` (valid for `obj`'s type)
    /// describes it; None when only the general lookup can answer (absent
    /// name: AttributeError or `__getattr__`). An instance-dict hit records
    /// its entry position in `ic`'s hint.
    fn attr_through(
        &mut self,
        ic: &Ic,
        o: &PyRef,
        obj: &Value,
        name: &PyRef,
    ) -> Option<PyResult<Value>> {
        match ic {
            Ic::Attr { descr, hint, .. } => match in_instance_dict_at(o, name) {
                Some(Some((pos, v))) => {
                    if !o.has_values() {
                        hint.set(u32::try_from(pos).unwrap_or(u32::MAX));
                    }
                    Some(Ok(v))
                }
                Some(None) => match descr.get() {
                    Some(descr) if !descr.is_null() => {
                        let ty = self.type_of(obj);
                        Some(self.descr_get(descr, Some(obj), &ty))
                    }
                    _ => None,
                },
                _ => None,
            },
            Ic::Slot { index, .. } => slot_value(o, *index).map(Ok),
            Ic::GetSet { get, .. } => Some(get(self, obj)),
            Ic::Property { fget, .. } => fget.get_obj().map(|fget| {
                self.call_function(
                    &fget,
                    crate::objects::function::Args::new(std::slice::from_ref(obj)),
                )
            }),
            _ => None,
        }
    }

    /// LOAD_ATTR at `pc` of a property whose getter `f` is a Python
    /// function that runs its frame over the one argument (CPython 3.12's
    /// LOAD_ATTR_PROPERTY): `obj` goes back on top of the stack and the
    /// getter's frame is pushed over it (its first local); the return
    /// replaces it with the value, as a call's does. `false`: nothing
    /// changed (tracing, a getter of another shape, the frame limit).
    #[inline(never)]
    fn property_inline(&mut self, code: &Code, f: &PyRef, obj: &Value, pc: usize) -> bool {
        use super::call_dunder::CO_NOT_PLAIN;
        if self.tracing || self.frames.len() >= super::call_py::INLINE_DEPTH {
            return false;
        }
        let Payload::Function(fd) = &f.payload else {
            return false;
        };
        let Ok(fcode) = fd.code.try_borrow().map(|c| Rc::clone(&c)) else {
            return false;
        };
        let missing = fcode.argcount.wrapping_sub(1);
        if fcode.argcount == 0
            || fcode.kwonlyargcount != 0
            || fcode.flags & CO_NOT_PLAIN != 0
            || !fcode.is_verified()
            || self.recursion_depth() >= self.recursion_limit
            || (missing != 0 && !self.defaults_cover(fd, missing))
        {
            return false;
        }
        let Some(next) = code.instrs.get(pc).map(|i| pc + i.len as usize) else {
            return false;
        };
        let p = self.stack.len();
        self.push(obj.clone());
        if missing != 0 {
            self.push_defaults(fd, missing);
        }
        self.fill_nulls_to(p + fcode.nlocalsplus());
        let (globals, builtins) = (fd.globals.clone(), fd.builtins.clone());
        if let Some(caller) = self.frames.last_mut() {
            caller.lasti = pc;
            caller.pc = next;
        }
        self.push_call_frame(fcode, Some(f.clone()), globals, builtins, p, p);
        true
    }

    /// The `Ic::GetSet` for `o.name` when `o`'s class (a builtin one, whose
    /// instances have no dict to look at first) has a getset descriptor
    /// of the name: a data descriptor, which answers before any instance
    /// attribute.
    fn getset_ic(&mut self, o: &PyRef, ver: u64, flags: u32, name: &PyRef) -> Option<Ic> {
        if flags & (FLAG_CUSTOM_GETATTRIBUTE | FLAG_HAS_GETATTR) != 0
            || matches!(o.payload, Payload::Type(_) | Payload::Method(_))
        {
            return None;
        }
        let ty = o.class()?;
        let descr = self.type_lookup(&ty, name)?;
        match &descr {
            Value::Obj(d) => match &d.payload {
                Payload::GetSet(gs) => Some(Ic::GetSet {
                    tver: ver,
                    get: gs.get,
                }),
                // A method of a builtin container (`append = items.append`):
                // the descriptor bound at each hit, the object having no
                // instance attributes to look at first.
                _ if plain_builtin(o) && !self.is_data_descr(&descr) => Some(Ic::Attr {
                    tver: ver,
                    descr: IcRef::new(&descr),
                    hint: Cell::new(0),
                    vidx: NO_KEY,
                    dver: 0,
                }),
                _ => None,
            },
            _ => None,
        }
    }

    /// The `Ic::Attr` that describes `obj.name` now, if one can.
    fn attr_ic(&mut self, obj: &Value, name: &PyRef) -> Option<Ic> {
        let (o, ver, flags) = obj_class(obj)?;
        if !dict_first(self, o, flags) {
            return self.getset_ic(o, ver, flags, name);
        }
        let ty = o.class()?;
        let descr = self.type_lookup(&ty, name).unwrap_or(Value::Null);
        if descr.is_null() && o.class_is(&self.types.module) {
            if let Some(ic) = module_ic(o, ver, name) {
                return Some(ic);
            }
        }
        if !descr.is_null() && self.is_data_descr(&descr) {
            let Value::Obj(d) = &descr else {
                return None;
            };
            return match &d.payload {
                Payload::Member(md) if matches!(o.payload, Payload::Instance(_)) => {
                    Some(Ic::Slot {
                        tver: ver,
                        index: md.index,
                    })
                }
                // Not with `__getattr__`: an AttributeError from the getter
                // must reach it (the general path).
                Payload::Property(p)
                    if d.class_is(&self.types.property) && flags & FLAG_HAS_GETATTR == 0 =>
                {
                    match &p[0] {
                        Value::Obj(f) if matches!(f.payload, Payload::Function(_)) => {
                            Some(Ic::Property {
                                tver: ver,
                                fget: IcRef::obj(f),
                            })
                        }
                        _ => None,
                    }
                }
                Payload::GetSet(gs) if flags & FLAG_HAS_GETATTR == 0 => Some(Ic::GetSet {
                    tver: ver,
                    get: gs.get,
                }),
                _ => None,
            };
        }
        Some(Ic::Attr {
            tver: ver,
            descr: IcRef::new(&descr),
            hint: Cell::new(0),
            vidx: shared_key_index(o, name),
            dver: 0,
        })
    }

    /// LOAD_METHOD_WITH_VALUES / _NO_DICT: the method cached at `slot` for
    /// `obj`'s class version when `obj`'s own attributes do not shadow it.
    #[inline(always)]
    pub(crate) fn load_method_hit(
        code: &Code,
        slot: u16,
        obj: &Value,
        name: &PyRef,
    ) -> Option<PyRef> {
        let (o, ver, _) = obj_class(obj)?;
        // The method comes back as one pointer: a `Value` built here and
        // moved through memory to the push (two word stores, then one
        // 16-byte load) stalled store forwarding on every hit.
        let (meth, dv, vidx) = code.ic_with(
            slot,
            #[inline(always)]
            |ic| match ic {
                Ic::Method {
                    tver,
                    meth,
                    dver,
                    vidx,
                } if *tver == ver => meth.get_obj().map(|m| (m, dver.get(), *vidx)),
                _ => None,
            },
        )?;
        not_shadowed(code, slot, o, name, dv, vidx).then_some(meth)
    }

    /// STORE_ATTR_INSTANCE_VALUE: store `v` into the inline value of
    /// `owner` cached at `slot`, giving the old value (to be dropped); `v`
    /// comes back when the cache does not apply.
    #[inline(always)]
    pub(crate) fn store_attr_hit(
        code: &Code,
        slot: u16,
        owner: &Value,
        v: Value,
    ) -> Result<Value, Value> {
        let Some((o, ver, _)) = obj_class(owner) else {
            return Err(v);
        };
        match code.ic_with(
            slot,
            #[inline(always)]
            |ic| match ic {
                Ic::Store { tver, vidx, .. } if *tver == ver && *vidx != NO_KEY => Some(Ok(*vidx)),
                // STORE_ATTR_SLOT.
                Ic::Slot { tver, index } if *tver == ver => Some(Err(*index)),
                _ => None,
            },
        ) {
            Some(Ok(vidx)) => o.replace_value_at(vidx as usize, v),
            Some(Err(index)) => slot_replace(o, index, v),
            None => Err(v),
        }
    }

    /// LOAD_METHOD through the cache `slot`: pushes `[meth, self]` or
    /// `[NULL, attr]`.
    #[inline(always)]
    pub(crate) fn load_method_cached(
        &mut self,
        code: &Code,
        slot: u16,
        obj: Value,
        name: &PyRef,
    ) -> PyResult<()> {
        // `module.function(...)`: `[NULL, attr]`.
        if let Some(v) = module_attr_hit(code, slot, &obj) {
            self.push(Value::Null);
            self.push(v);
            return Ok(());
        }
        if let Some((v, bind)) = self.class_attr_hit(code, slot, &obj) {
            if bind {
                // A class method: `[func, cls]`, the call binds the class.
                self.push(v);
                self.push(obj);
            } else {
                self.push(Value::Null);
                self.push(v);
            }
            return Ok(());
        }
        if let Some(m) = self.super_method(&obj, name) {
            // `super().name(...)`: `[func, self]` as for a method of the
            // instance (no super object's bound method).
            let Value::Obj(o) = &obj else {
                return Ok(());
            };
            if let Payload::Super(_, inst) = &o.payload {
                let inst = inst.clone();
                self.push(m);
                self.push(inst);
            }
            return Ok(());
        }
        if let Some((o, ver, _)) = obj_class(&obj) {
            // Some(Some(meth)): a method; Some(None): an attribute.
            let cached = code.ic_with(slot, |ic| match ic {
                Ic::Method {
                    tver,
                    meth,
                    dver,
                    vidx,
                } if *tver == ver => meth.get().map(|m| Some((m, dver.get(), *vidx))),
                // (A module's, missed, is refilled.)
                Ic::Attr { tver, vidx, .. } if *tver == ver && *vidx != MODULE_KEY => Some(None),
                _ => None,
            });
            if let Some(Some((meth, dv, vidx))) = &cached {
                if not_shadowed(code, slot, o, name, *dv, *vidx) {
                    self.push(meth.clone());
                    self.push(obj);
                    return Ok(());
                }
            }
            let cached = cached.map(|c| c.map(|(m, _, _)| m));
            match (cached, in_instance_dict(o, name)) {
                (Some(Some(meth)), Some(None)) => {
                    self.push(meth);
                    self.push(obj);
                    return Ok(());
                }
                (Some(None), Some(Some(v))) => {
                    self.push(Value::Null);
                    self.push(v);
                    return Ok(());
                }
                // Not in the instance: the type's attribute that is not a
                // plain method (a class method, another non-data
                // descriptor, a value) through its `__get__`.
                (Some(None), Some(None)) => {
                    let ic = code.ic_with(slot, |ic| match ic {
                        Ic::Attr { tver, .. } if *tver == ver => Some(ic.clone()),
                        _ => None,
                    });
                    if let Some(r) = ic.and_then(|ic| self.attr_through(&ic, o, &obj, name)) {
                        let v = r?;
                        self.push(Value::Null);
                        self.push(v);
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
        self.load_method_fill(code, slot, obj, name)
    }

    /// LOAD_METHOD on an exact `super` object bound to an instance whose
    /// attribute `name` (after the super's type in the instance's MRO) is
    /// a Python function or a method descriptor: that function, which a
    /// call with the instance first runs as the bound method would.
    #[inline(never)]
    fn super_method(&self, obj: &Value, name: &PyRef) -> Option<Value> {
        let Value::Obj(o) = obj else {
            return None;
        };
        let Payload::Super(Value::Obj(t), inst) = &o.payload else {
            return None;
        };
        if !o.class_is(&self.types.super_) {
            return None;
        }
        let (f, start) = crate::objects::descr::super_find(self, t, inst, name)?;
        if matches!(inst, Value::Obj(i) if crate::objects::rc::Rc::ptr_eq(i, &start)) {
            return None;
        }
        let applies = match &f {
            Value::Obj(fo) => match &fo.payload {
                Payload::Function(_) => true,
                // Its `__get__` would refuse an instance of another type
                // (a descriptor copied into a class's dict).
                Payload::MethodDescr(md) => {
                    md.kind == DescrKind::Method
                        && crate::objects::typeobj::is_subtype(&self.type_of(inst), &md.owner)
                }
                _ => false,
            },
            _ => false,
        };
        applies.then_some(f)
    }

    /// The version of `obj` if it is a class whose metaclass is `type`
    /// itself (`Ic::ClassAttr`).
    #[inline(always)]
    fn class_attr_version(&self, obj: &Value) -> Option<u64> {
        let Value::Obj(o) = obj else {
            return None;
        };
        let Payload::Type(td) = &o.payload else {
            return None;
        };
        let v = td.version.get();
        (v != 0 && o.class_is(&self.types.type_)).then_some(v)
    }

    /// The attribute `Ic::ClassAttr` at `slot` remembers for the class
    /// `obj`, if it is one at that version, and whether it is a class
    /// method's function to bind to `obj` (LOAD_METHOD only).
    #[inline(always)]
    pub(crate) fn class_attr_hit(
        &self,
        code: &Code,
        slot: u16,
        obj: &Value,
    ) -> Option<(Value, bool)> {
        let cv = self.class_attr_version(obj)?;
        let (v, vt, bind) = code.ic_with(slot, |ic| match ic {
            Ic::ClassAttr {
                cver,
                value,
                vt,
                bind,
            } if *cver == cv => value.get().map(|v| (v, *vt, *bind)),
            _ => None,
        })?;
        if vt != 0 {
            let Value::Obj(o) = &v else {
                return None;
            };
            if o.class_version_flags().map(|(ver, _)| ver) != Some(vt) {
                return None;
            }
        }
        Some((v, bind))
    }

    /// Remember `attr`, what `getattr(obj, name)` gave for the class
    /// `obj` at version `cver`, when it is one `Ic::ClassAttr` may hold:
    /// the class is still at `cver`, the attribute found in its MRO is a
    /// static method whose function `attr` is, a plain function, a
    /// builtin static method, a property (`attr` itself: their `__get__`
    /// gives them back without an instance) or a value whose type has no
    /// `__get__`, and `type` has no data descriptor of the name.
    /// `method`: LOAD_METHOD, which also takes a class method of a Python
    /// function (`Ic::ClassAttr::bind`).
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    pub(crate) fn class_attr_fill(
        &mut self,
        code: &Code,
        slot: u16,
        obj: &Value,
        cver: u64,
        name: &PyRef,
        attr: &Value,
        method: bool,
    ) {
        if self.class_attr_version(obj) != Some(cver) {
            return;
        }
        let Value::Obj(cls) = obj else {
            return;
        };
        let Some(raw) = self.type_lookup(cls, name) else {
            return;
        };
        let mut vt = 0;
        let mut value = attr.clone();
        let mut bind = false;
        let fits = match &raw {
            Value::Obj(r) => match &r.payload {
                Payload::StaticMethod(f) => f.is(attr),
                Payload::Function(_) => raw.is(attr),
                // A method or slot-wrapper descriptor read from its class
                // is itself (`int.__repr__`); a static one's `__get__`
                // gives its function, which is `raw` too.
                Payload::MethodDescr(_) => raw.is(attr),
                Payload::Property(_) => r.class_is(&self.types.property) && raw.is(attr),
                Payload::ClassMethod(f) if method => {
                    let plain =
                        matches!(f, Value::Obj(fo) if matches!(fo.payload, Payload::Function(_)));
                    // The bound method `attr` is `f` bound to the class.
                    let bound = matches!(&attr, Value::Obj(m) if matches!(&m.payload,
                        Payload::Method(bm) if bm.func.is(f) && bm.self_.is(obj)));
                    if plain && bound {
                        value = f.clone();
                        bind = true;
                    }
                    plain && bound
                }
                _ => {
                    let t = self.type_of(&raw);
                    let plain = raw.is(attr) && self.type_lookup_static(&t, "__get__").is_none();
                    match type_data(&t) {
                        Some(td) if plain && td.has_flag(FLAG_HEAPTYPE) => {
                            vt = td.version.get();
                            vt != 0
                        }
                        _ => plain,
                    }
                }
            },
            // Unboxed ints, floats, bools, None: no `__get__`.
            _ => raw.is(attr),
        };
        if !fits {
            return;
        }
        let meta = self.types.type_.clone();
        if let Some(m) = self.type_lookup(&meta, name) {
            if self.is_data_descr(&m) {
                return;
            }
        }
        code.ic_set(
            slot,
            Ic::ClassAttr {
                cver,
                value: IcRef::new(&value),
                vt,
                bind,
            },
        );
    }

    #[inline(never)]
    fn load_method_fill(
        &mut self,
        code: &Code,
        slot: u16,
        obj: Value,
        name: &PyRef,
    ) -> PyResult<()> {
        match self.lookup_method(&obj, name)? {
            Some(meth) => {
                if slot != NO_SLOT {
                    if let Some((o, ver, flags)) = obj_class(&obj) {
                        // Builtin objects without a dict (lists, strs...)
                        // and instances of classes: the type decides.
                        if flags & FLAG_CUSTOM_GETATTRIBUTE == 0
                            && !matches!(o.payload, Payload::Type(_))
                            && is_plain_method(&meth)
                        {
                            code.ic_set(
                                slot,
                                Ic::Method {
                                    tver: ver,
                                    meth: IcRef::new(&meth),
                                    dver: Cell::new(u64::MAX),
                                    vidx: shared_key_index(o, name),
                                },
                            );
                        }
                    }
                }
                self.push(meth);
                self.push(obj);
            }
            None => {
                let cver = self.class_attr_version(&obj);
                let attr = self.getattr(&obj, name)?;
                if slot != NO_SLOT {
                    if let Some(cver) = cver {
                        self.class_attr_fill(code, slot, &obj, cver, name, &attr, true);
                    } else if let Some(ic @ Ic::Attr { .. }) = self.attr_ic(&obj, name) {
                        code.ic_set(slot, ic);
                    }
                }
                self.push(Value::Null);
                self.push(attr);
            }
        }
        Ok(())
    }

    /// STORE_ATTR through the cache `slot`.
    #[inline(always)]
    pub(crate) fn store_attr_cached(
        &mut self,
        code: &Code,
        slot: u16,
        obj: &Value,
        name: &PyRef,
        v: Value,
    ) -> PyResult<()> {
        if let Some((o, ver, _)) = obj_class(obj) {
            match code.ic_with(slot, |ic| match ic {
                Ic::Store { tver, hint, vidx } if *tver == ver => Some(Err((hint.get(), *vidx))),
                Ic::Slot { tver, index } if *tver == ver => Some(Ok(*index)),
                _ => None,
            }) {
                Some(Err((_, vidx))) if vidx != NO_KEY && o.has_values() => {
                    // An inline value: set (the usual case), or new (in
                    // insertion order).
                    let v = match o.replace_value_at(vidx as usize, v) {
                        Ok(old) => {
                            drop(old);
                            return Ok(());
                        }
                        Err(v) => v,
                    };
                    match o.set_value_at(vidx as usize, v) {
                        Ok(old) => {
                            drop(old);
                            return Ok(());
                        }
                        Err(v) => return self.store_attr_fill(code, slot, obj, name, v),
                    }
                }
                Some(Err((hint, _))) => {
                    if let Some(d) = o.dict_made() {
                        let v = match replace_at_if_key(&d, hint as usize, name, v) {
                            Ok(old) => {
                                drop(old);
                                return Ok(());
                            }
                            Err(v) => v,
                        };
                        self.dict_set(&d, Value::Obj(name.clone()), v)?;
                        // Where the name is now (a new attribute is the
                        // last entry): the next store, to this instance or
                        // the next one made alike, goes there.
                        let pos = last_entry_if_key(&d, name)
                            .or_else(|| find_str(&d, name).flatten().map(|(pos, _)| pos));
                        if let Some(pos) = pos {
                            code.ic_with(slot, |ic| match ic {
                                Ic::Store { tver, hint, .. } if *tver == ver => {
                                    hint.set(u32::try_from(pos).unwrap_or(u32::MAX));
                                    Some(())
                                }
                                _ => None,
                            });
                        }
                        return Ok(());
                    }
                }
                Some(Ok(i)) => match slot_replace(o, i, v) {
                    Ok(old) => {
                        drop(old);
                        return Ok(());
                    }
                    Err(v) => return self.store_attr_fill(code, slot, obj, name, v),
                },
                None => {}
            }
        }
        self.store_attr_fill(code, slot, obj, name, v)
    }

    #[inline(never)]
    fn store_attr_fill(
        &mut self,
        code: &Code,
        slot: u16,
        obj: &Value,
        name: &PyRef,
        v: Value,
    ) -> PyResult<()> {
        self.setattr(obj, name, Some(v))?;
        if slot == NO_SLOT {
            return Ok(());
        }
        let Some((o, ver, flags)) = obj_class(obj) else {
            return Ok(());
        };
        if flags & (FLAG_CUSTOM_SETATTR | FLAG_HEAPTYPE) != FLAG_HEAPTYPE
            || matches!(o.payload, Payload::Type(_))
        {
            return Ok(());
        }
        let Some(ty) = o.class() else {
            return Ok(());
        };
        if let Some(d) = self.type_lookup(&ty, name) {
            if self.is_data_descr(&d) {
                if let (Value::Obj(d), Payload::Instance(_)) = (&d, &o.payload) {
                    if let Payload::Member(md) = &d.payload {
                        if type_data(&ty).is_some_and(|td| td.version.get() == ver) {
                            code.ic_set(
                                slot,
                                Ic::Slot {
                                    tver: ver,
                                    index: md.index,
                                },
                            );
                        }
                    }
                }
                return Ok(());
            }
        }
        if !o.has_attrs() {
            return Ok(());
        }
        if type_data(&ty).is_some_and(|td| td.version.get() == ver) {
            // The entry the value went to: the next store looks there first.
            let pos = in_instance_dict_at(o, name)
                .flatten()
                .map_or(0, |(pos, _)| pos);
            code.ic_set(
                slot,
                Ic::Store {
                    tver: ver,
                    hint: Cell::new(u32::try_from(pos).unwrap_or(u32::MAX)),
                    vidx: shared_key_index(o, name),
                },
            );
        }
        Ok(())
    }
}

/// The module `Ic::Attr` for the attribute `name` of the module `o` (whose
/// class, at `ver`, has none of the name) when its dict holds it.
fn module_ic(o: &PyRef, ver: u64, name: &PyRef) -> Option<Ic> {
    let d = o.dict_made()?;
    let dver = key_version(&d)?;
    let (pos, _) = find_str(&d, name)??;
    Some(Ic::Attr {
        tver: ver,
        descr: IcRef::default(),
        hint: Cell::new(u32::try_from(pos).ok()?),
        vidx: MODULE_KEY,
        dver,
    })
}

/// A function or a builtin method descriptor: what LOAD_METHOD may push
/// unbound (anything else goes through `__get__`).
fn is_plain_method(v: &Value) -> bool {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Function(_) => true,
            Payload::MethodDescr(md) => md.kind == DescrKind::Method,
            _ => false,
        },
        _ => false,
    }
}

/// The remembered LOAD_NAME / STORE_NAME entry position of `slot`.
#[inline(always)]
fn name_hint(code: &Code, slot: u16) -> Option<usize> {
    code.ic_with(slot, |ic| match ic {
        Ic::Name { pos } => Some(*pos as usize),
        _ => None,
    })
}

impl Vm {
    /// The frame's locals when they are an exact dict.
    #[inline(always)]
    fn locals_dict(&self) -> Option<&PyRef> {
        match self.frames.last()?.locals.as_ref()? {
            Value::Obj(d) if d.class_is(&self.types.dict) => Some(d),
            _ => None,
        }
    }

    /// LOAD_NAME when the locals dict holds the name at the remembered
    /// entry.
    #[inline(always)]
    pub(crate) fn load_name_hit(&self, code: &Code, slot: u16, oparg: u32) -> Option<Value> {
        let pos = name_hint(code, slot)?;
        value_at_if_key(self.locals_dict()?, pos, code.names.get(oparg as usize)?)
    }

    /// STORE_NAME into the locals dict at the remembered entry when it
    /// holds the name: the old value, or `Err(v)` given back.
    #[inline(always)]
    pub(crate) fn store_name_hit(
        &self,
        code: &Code,
        slot: u16,
        oparg: u32,
        v: Value,
    ) -> Result<Value, Value> {
        let (Some(pos), Some(d), Some(name)) = (
            name_hint(code, slot),
            self.locals_dict(),
            code.names.get(oparg as usize),
        ) else {
            return Err(v);
        };
        replace_at_if_key(d, pos, name, v)
    }

    /// Remember where the locals dict holds name `oparg` (after a LOAD_NAME
    /// or STORE_NAME that went the general way).
    pub(crate) fn name_hint_fill(&self, code: &Code, slot: u16, oparg: u32) {
        if slot == NO_SLOT {
            return;
        }
        let (Some(d), Some(name)) = (self.locals_dict(), code.names.get(oparg as usize)) else {
            return;
        };
        if let Some(pos) =
            crate::objects::dict::str_key_pos(d, name).and_then(|p| u32::try_from(p).ok())
        {
            code.ic_set(slot, Ic::Name { pos });
        }
    }
}
