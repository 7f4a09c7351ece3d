//! Where an object's own attributes live: CPython 3.11's inline values
//! with per-class shared keys (Objects/dictobject.c, "split tables"), or a
//! dict object.
//!
//! An instance of a class whose instances have a `__dict__` starts with
//! *values*: one slot per name in its class's shared keys
//! (`TypeData::shared_keys`, names in the order instances first set them,
//! at most 30 as CPython's `SHARED_KEYS_MAX_SIZE`). Building an instance
//! allocates one small array, not a dict object with its tables, and an
//! attribute read through an inline cache is an index into it.
//!
//! The values are the `__dict__` until someone asks for the dict itself
//! (`obj.__dict__`, `vars(obj)`, a name the keys cannot take, an insertion
//! that would break insertion order): then a dict object is made from them
//! and the object uses it from then on ("materialised"), which keeps every
//! dict semantic (identity, mutation through the dict, order) exact.
//!
//! Invariant of the values: present attributes (non-`Null` slots) in
//! ascending key index are in insertion order. A store that would break it
//! (setting an absent name whose key index is below a present one's)
//! materialises the dict instead.

use crate::objects::rc::Rc;

use thin_vec::ThinVec;

use super::dicttable::{DictTable, Entry};
use super::typeobj::{next_type_version, type_data, TypeData};
use super::{Payload, PyObject};
use crate::vm::value::{PyRef, Value};

/// CPython's `SHARED_KEYS_MAX_SIZE`: names a class's shared keys take.
pub const SHARED_KEYS_MAX: usize = 30;

/// An object's attribute storage, unpacked (what `Slot` holds).
#[derive(Default)]
pub enum Attrs {
    /// No `__dict__`.
    #[default]
    None,
    /// A dict object: modules, functions, types, and instances whose dict
    /// was materialised.
    Dict(PyRef),
    /// Inline values indexed by the class's shared keys (`Null`: absent).
    Values(ThinVec<Value>),
    /// A `__dict__` not made yet: an empty dict object is made on first
    /// use (functions: CPython's `func_dict` is NULL until asked for).
    Lazy,
}

/// The attribute storage as it sits in a `PyObject`: one word, so that an
/// object and its counts make a 64-byte block (tests/mem_layout.rs).
///
/// - null: `Attrs::None`;
/// - the address 2 (no provenance): `Attrs::Lazy`;
/// - a pointer with bit 0 set: `Attrs::Values`, the `ThinVec`'s header
///   pointer (aligned to 8: its header is two `usize`s) plus 1;
/// - any other pointer: `Attrs::Dict`, the `PyRef` itself (`Rc` is one
///   pointer to its block, aligned to 8).
///
/// The word owns what it points at (dropped with it).
pub struct Slot(*mut ());

/// Bit 0: inline values.
const TAG_VALUES: usize = 1;
/// The word of `Attrs::Lazy` (even, and below any block's address).
const LAZY: usize = 2;

// A `ThinVec` and a `PyRef` are each one non-null pointer (`ThinVec` is
// `repr(C)` around one, `Rc` `repr(transparent)`): what `Slot` transmutes.
const _: () = assert!(std::mem::size_of::<ThinVec<Value>>() == std::mem::size_of::<*mut ()>());
const _: () = assert!(std::mem::size_of::<PyRef>() == std::mem::size_of::<*mut ()>());
const _: () = assert!(std::mem::align_of::<PyObject>() >= 4);

impl Slot {
    /// No `__dict__`.
    pub const NONE: Slot = Slot(std::ptr::null_mut());

    /// The word of `a` (which it now owns).
    #[inline(always)]
    fn pack(a: Attrs) -> *mut () {
        match a {
            Attrs::None => std::ptr::null_mut(),
            Attrs::Lazy => std::ptr::without_provenance_mut(LAZY),
            // SAFETY: `PyRef` is `repr(transparent)` around its block's
            // non-null pointer, aligned to at least 4 (so bit 0 is clear
            // and it is not `LAZY`); its count moves into the word.
            Attrs::Dict(d) => unsafe { std::mem::transmute::<PyRef, *mut ()>(d) },
            Attrs::Values(vs) => {
                // SAFETY: `ThinVec` is `repr(C)` around its header's
                // non-null pointer (a zero-sized marker besides); the
                // header holds `usize`s, so bit 0 is clear. The vector
                // moves into the word.
                let p = unsafe { std::mem::transmute::<ThinVec<Value>, *mut ()>(vs) };
                p.map_addr(|a| a | TAG_VALUES)
            }
        }
    }

    /// The storage of word `w`, owned: a bitwise copy, so exactly one of
    /// the word and the result may be dropped or used to drop.
    ///
    /// # Safety
    /// `w` is a word made by `pack` whose contents are still alive.
    #[inline(always)]
    unsafe fn unpack(w: *mut ()) -> Attrs {
        let a = w.addr();
        if a & TAG_VALUES != 0 {
            let p = w.map_addr(|a| a & !TAG_VALUES);
            // SAFETY: `pack` made `w` from a `ThinVec`'s pointer (see
            // there); clearing the tag gives that pointer back.
            Attrs::Values(unsafe { std::mem::transmute::<*mut (), ThinVec<Value>>(p) })
        } else if a == 0 {
            Attrs::None
        } else if a == LAZY {
            Attrs::Lazy
        } else {
            // SAFETY: `pack` made `w` from a `PyRef` (see there).
            Attrs::Dict(unsafe { std::mem::transmute::<*mut (), PyRef>(w) })
        }
    }

    /// Pack `a` into a slot.
    #[inline(always)]
    pub fn new(a: Attrs) -> Slot {
        Slot(Self::pack(a))
    }

    /// The storage, moved out (the slot is left `None`).
    pub fn take(&mut self) -> Attrs {
        let w = std::mem::replace(&mut self.0, std::ptr::null_mut());
        // SAFETY: `w` is this slot's word, which no longer owns it.
        unsafe { Self::unpack(w) }
    }
}

impl Default for Slot {
    fn default() -> Slot {
        Slot::NONE
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        drop(self.take());
    }
}

/// A storage unpacked from a slot for `PyObject::attrs_edit`, packed back
/// into it when done (also on unwinding: the slot is never left pointing
/// at something the edit freed).
struct EditGuard<'a> {
    slot: &'a mut Slot,
    attrs: std::mem::ManuallyDrop<Attrs>,
}

impl Drop for EditGuard<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: `attrs` is not used after this; the slot's old word was
        // a copy of what `attrs` owned, which the new word now owns.
        let a = unsafe { std::mem::ManuallyDrop::take(&mut self.attrs) };
        self.slot.0 = Slot::pack(a);
    }
}

/// What `lookup` found.
pub enum Lookup {
    /// The attribute's value (from the inline values).
    Found(Value),
    /// Inline values without the name.
    Absent,
    /// The object's dict answers.
    Dict(PyRef),
    /// The object has no `__dict__`.
    NoStorage,
}

/// What `store` did.
pub enum Store {
    /// Stored or deleted in the inline values; the old value (dropped by
    /// the caller).
    Done(Option<Value>),
    /// A delete of an absent name.
    Absent,
    /// The dict (made now if need be) takes the store.
    Dict(PyRef),
    /// The object has no `__dict__`.
    NoStorage,
}

/// Whether `name` is an exact `str` (what shared keys hold).
#[inline]
fn exact_str(name: &PyObject) -> bool {
    matches!(name.payload, Payload::Str(_)) && name.class_is_static()
}

/// The bit of `key_bloom` for a str hash.
#[inline]
fn bloom_bit(h: i64) -> u64 {
    1u64 << (h as u64 & 63)
}

/// The index of `name` in `td`'s shared keys.
#[inline]
pub fn key_index(td: &TypeData, name: &PyObject) -> Option<usize> {
    // Keys are exact strs; a name that is not one is never among them.
    let Payload::Str(n) = &name.payload else {
        return None;
    };
    if !name.class_is_static() {
        return None;
    }
    let h = n.hash();
    if td.key_bloom.get() & bloom_bit(h) == 0 {
        return None;
    }
    let keys = td.shared_keys.try_borrow().ok()?;
    if let Some(i) = keys.iter().position(|k| std::ptr::eq(Rc::as_ptr(k), name)) {
        return Some(i);
    }
    // Not the same object: an equal str.
    keys.iter().position(|k| match &k.payload {
        Payload::Str(ks) => ks.hash() == h && ks.as_str() == n.as_str(),
        _ => false,
    })
}

/// The index of `name` in `td`'s shared keys, added if absent and there is
/// room. Adding a key changes the class's version tag, so a cache that saw
/// a name absent from the keys under a version may trust that.
fn key_index_or_add(td: &super::typeobj::TypeBox, name: &PyRef) -> Option<usize> {
    if let Some(i) = key_index(td, name) {
        return Some(i);
    }
    if !exact_str(name) {
        return None;
    }
    let mut keys = td.shared_keys.try_borrow_mut().ok()?;
    if keys.len() >= SHARED_KEYS_MAX {
        return None;
    }
    if let Payload::Str(n) = &name.payload {
        td.key_bloom.set(td.key_bloom.get() | bloom_bit(n.hash()));
    }
    keys.push(name.clone());
    td.version.set(next_type_version());
    Some(keys.len() - 1)
}

impl PyObject {
    /// A shared view of the attribute storage for `f`, which must not run
    /// Python code, drop a value or reach this object's storage again.
    #[inline(always)]
    fn attrs_view<R>(&self, f: impl FnOnce(&Attrs) -> R) -> R {
        // SAFETY: `attrs` is only written by `replace_attrs` and the
        // in-place stores below, none of which runs while a view is alive:
        // the closures given here are private to this module and only
        // read or clone. PyObject is !Sync, so no other thread can write.
        // The unpacked copy is never dropped (`ManuallyDrop`): the slot
        // keeps owning the storage.
        let a = std::mem::ManuallyDrop::new(unsafe { Slot::unpack((*self.attrs.get()).0) });
        f(&a)
    }

    /// A mutable view for `f`, with the same rules as `attrs_view` (values
    /// it displaces are returned and dropped by the caller, after).
    #[inline(always)]
    fn attrs_edit<R>(&self, f: impl FnOnce(&mut Attrs) -> R) -> R {
        // SAFETY: as `attrs_view`: no other reference into the cell exists
        // while `f` runs (views end before any write; `f` never calls out).
        // The guard owns the unpacked storage and packs it back into the
        // slot when `f` is done.
        let slot = unsafe { &mut *self.attrs.get() };
        // SAFETY: the slot's word is alive; the guard's copy takes over its
        // ownership until it is packed back.
        let attrs = std::mem::ManuallyDrop::new(unsafe { Slot::unpack(slot.0) });
        let mut g = EditGuard { slot, attrs };
        f(&mut g.attrs)
    }

    /// Swap the storage; the old one goes to the caller (to drop after).
    fn replace_attrs(&self, new: Attrs) -> Attrs {
        self.attrs_edit(|a| std::mem::replace(a, new))
    }

    /// The instance `__dict__`, made from the inline values if need be.
    pub fn dict(&self) -> Option<PyRef> {
        match self.attrs_view(|a| match a {
            Attrs::None => Some(None),
            Attrs::Dict(d) => Some(Some(d.clone())),
            Attrs::Values(_) | Attrs::Lazy => None,
        }) {
            Some(d) => d,
            None => self.materialize(),
        }
    }

    /// Give the object a `__dict__` made on first use (an empty dict).
    pub fn set_lazy_dict(&self) {
        let old = self.replace_attrs(Attrs::Lazy);
        drop(old);
    }

    /// The dict object if the object has one already (inline values are
    /// not turned into one).
    pub fn dict_made(&self) -> Option<PyRef> {
        self.attrs_view(|a| match a {
            Attrs::Dict(d) => Some(d.clone()),
            _ => None,
        })
    }

    /// Give the object this dict (or none).
    pub fn set_dict(&self, d: Option<PyRef>) {
        let old = self.replace_attrs(d.map_or(Attrs::None, Attrs::Dict));
        drop(old);
    }

    /// Start the object with empty inline values sized for its class's
    /// shared keys.
    pub fn init_values(&self, capacity: usize) {
        let old = self.replace_attrs(Attrs::Values(ThinVec::with_capacity(capacity)));
        drop(old);
    }

    /// The value at entry `pos` of the object's dict (not inline values)
    /// while the dict's key-set version is `ver`, without a new reference
    /// to the dict (a module attribute through its inline cache).
    #[inline(always)]
    pub fn dict_value_if_version(&self, ver: u64, pos: usize) -> Option<Value> {
        self.attrs_view(
            #[inline(always)]
            |a| match a {
                Attrs::Dict(d) => crate::objects::dict::value_at_if_version(d, ver, pos),
                _ => None,
            },
        )
    }

    /// Whether the object has a `__dict__` (inline values or a dict).
    pub fn has_attrs(&self) -> bool {
        self.attrs_view(|a| !matches!(a, Attrs::None))
    }

    /// Whether the attributes are inline values.
    #[inline]
    pub fn has_values(&self) -> bool {
        self.attrs_view(
            #[inline(always)]
            |a| matches!(a, Attrs::Values(_)),
        )
    }

    /// Inline value `i`, if the object has inline values and `i` is set.
    #[inline(always)]
    pub fn value_at(&self, i: usize) -> Option<Value> {
        self.attrs_view(
            #[inline(always)]
            |a| match a {
                Attrs::Values(vs) => vs.get(i).filter(|v| !v.is_null()).cloned(),
                _ => None,
            },
        )
    }

    /// Whether inline value `i` is set (no clone of it).
    #[inline(always)]
    pub fn has_value_at(&self, i: usize) -> bool {
        self.attrs_view(
            #[inline(always)]
            |a| match a {
                Attrs::Values(vs) => vs.get(i).is_some_and(|v| !v.is_null()),
                _ => false,
            },
        )
    }

    /// Replace inline value `i` when it is set: the old value (to drop),
    /// or `v` back when the object has no such value.
    #[inline(always)]
    pub fn replace_value_at(&self, i: usize, v: Value) -> Result<Value, Value> {
        self.attrs_edit(
            #[inline(always)]
            |a| match a {
                Attrs::Values(vs) => match vs.get_mut(i) {
                    Some(slot) if !slot.is_null() => Ok(std::mem::replace(slot, v)),
                    _ => Err(v),
                },
                _ => Err(v),
            },
        )
    }

    /// Set inline value `i` (new or not), keeping insertion order: the old
    /// value (None if it was absent), or `v` back when the object has no
    /// inline values or the store would break insertion order.
    pub fn set_value_at(&self, i: usize, v: Value) -> Result<Option<Value>, Value> {
        self.attrs_edit(|a| {
            let Attrs::Values(vs) = a else {
                return Err(v);
            };
            if let Some(slot) = vs.get_mut(i) {
                if !slot.is_null() {
                    return Ok(Some(std::mem::replace(slot, v)));
                }
                // Absent: only if no later name is present.
                if vs
                    .get(i + 1..)
                    .is_some_and(|rest| rest.iter().any(|x| !x.is_null()))
                {
                    return Err(v);
                }
                if let Some(slot) = vs.get_mut(i) {
                    *slot = v;
                }
                return Ok(None);
            }
            while vs.len() < i {
                vs.push(Value::Null);
            }
            vs.push(v);
            Ok(None)
        })
    }

    /// Delete inline value `i`: the old value if it was set.
    pub fn delete_value_at(&self, i: usize) -> Option<Value> {
        self.attrs_edit(|a| {
            let Attrs::Values(vs) = a else {
                return None;
            };
            let old = vs.get_mut(i).map(std::mem::take).filter(|v| !v.is_null());
            while vs.last().is_some_and(Value::is_null) {
                vs.pop();
            }
            old
        })
    }

    /// Visit the dict object or each inline value, for the collector's
    /// traversal (`visit` must not touch this object's storage).
    #[inline]
    pub fn visit_attrs<F: FnMut(&Value)>(&self, visit: &mut F) {
        self.attrs_view(|a| match a {
            Attrs::None | Attrs::Lazy => {}
            Attrs::Dict(d) => super::gc_traverse::visit_ref(d, visit),
            Attrs::Values(vs) => vs.iter().filter(|v| !v.is_null()).for_each(visit),
        })
    }

    /// Empty the inline values (the collector breaking a cycle, as
    /// `tp_clear`): what they held, for the caller to drop. A dict object
    /// stays (the collector clears it as a dict).
    pub fn take_values(&self) -> ThinVec<Value> {
        self.attrs_edit(|a| match a {
            Attrs::Values(vs) => std::mem::take(vs),
            _ => ThinVec::new(),
        })
    }

    /// The storage, moved out (for `Drop` and finalizer revival).
    pub(super) fn take_attrs(&mut self) -> Slot {
        std::mem::take(self.attrs.get_mut())
    }

    /// The dict, if the storage is one (for `Drop`).
    pub(super) fn dict_mut(&mut self) -> Option<&PyRef> {
        let slot = self.attrs.get_mut();
        let a = slot.0.addr();
        if a == 0 || a == LAZY || a & TAG_VALUES != 0 {
            return None;
        }
        // SAFETY: the word is a `PyRef` moved in by `pack` (`Rc` is
        // `repr(transparent)` around the same pointer), borrowed for as
        // long as the slot is.
        Some(unsafe { &*std::ptr::addr_of!(slot.0).cast::<PyRef>() })
    }

    /// The inline values present, in insertion order (None without
    /// inline values).
    pub fn inline_values(&self) -> Option<Vec<Value>> {
        self.attrs_view(|a| match a {
            Attrs::Values(vs) => Some(vs.iter().filter(|v| !v.is_null()).cloned().collect()),
            _ => None,
        })
    }

    /// Turn the inline values (or the dict not made yet) into a dict
    /// object (keys in insertion order) and use it from now on.
    #[cold]
    fn materialize(&self) -> Option<PyRef> {
        let cls = self.class()?;
        let td = type_data(&cls)?;
        // The dict type: the class of the class's own dict.
        let dict_type = cls.dict_made()?.class()?;
        // The entries straight from the values (the shared keys are
        // distinct exact strs) and the index built once at its size.
        let entries: Option<Vec<Entry>> = self.attrs_view(|a| match a {
            Attrs::Lazy => Some(Vec::new()),
            Attrs::Values(vs) => {
                let keys = td.shared_keys.try_borrow().ok()?;
                let mut out = Vec::with_capacity(vs.iter().filter(|v| !v.is_null()).count());
                for (i, v) in vs.iter().enumerate() {
                    if v.is_null() {
                        continue;
                    }
                    let k = keys.get(i)?;
                    if let Payload::Str(s) = &k.payload {
                        out.push(Entry {
                            hash: s.hash(),
                            key: Value::Obj(k.clone()),
                            value: v.clone(),
                        });
                    }
                }
                Some(out)
            }
            _ => None,
        });
        let Some(entries) = entries else {
            // Not values (any more), or keys unreadable: what is there.
            return self.dict_made();
        };
        let table = DictTable::from_unique(entries);
        let d = Rc::new(PyObject::new(
            dict_type,
            Payload::Dict(Box::new(std::cell::RefCell::new(table))),
        ));
        super::gc::track_new(&d);
        let old = self.replace_attrs(Attrs::Dict(d.clone()));
        drop(old);
        Some(d)
    }
}

/// `obj.name` from the object's own storage.
pub fn lookup(o: &PyObject, name: &PyObject) -> Lookup {
    enum Q {
        Values,
        Dict(PyRef),
        None,
        Lazy,
    }
    let q = o.attrs_view(|a| match a {
        Attrs::None => Q::None,
        Attrs::Dict(d) => Q::Dict(d.clone()),
        Attrs::Values(_) => Q::Values,
        Attrs::Lazy => Q::Lazy,
    });
    match q {
        Q::None => Lookup::NoStorage,
        Q::Lazy => Lookup::Absent,
        Q::Dict(d) => Lookup::Dict(d),
        Q::Values => {
            let Some(cls) = o.class() else {
                return Lookup::Absent;
            };
            let idx = type_data(&cls).and_then(|td| key_index(td, name));
            match idx {
                Some(i) => match o.value_at(i) {
                    Some(v) => Lookup::Found(v),
                    None => Lookup::Absent,
                },
                // A name the keys cannot hold (not an exact str) is never
                // among the values; a str subclass equal to a key is.
                None if !exact_str(name) && matches!(name.payload, Payload::Str(_)) => {
                    match o.dict() {
                        Some(d) => Lookup::Dict(d),
                        None => Lookup::Absent,
                    }
                }
                None => Lookup::Absent,
            }
        }
    }
}

/// `obj.name = v` (`v` Some) or `del obj.name` (None) in the object's own
/// storage.
pub fn store(o: &PyObject, name: &PyRef, v: Option<Value>) -> (Store, Option<Value>) {
    if !o.has_values() {
        if o.attrs_view(|a| matches!(a, Attrs::Lazy)) {
            if v.is_none() {
                return (Store::Absent, None);
            }
            return materialized(o, v);
        }
        return match o.dict_made() {
            Some(d) => (Store::Dict(d), v),
            None => (Store::NoStorage, v),
        };
    }
    let Some(cls) = o.class() else {
        return (Store::NoStorage, v);
    };
    let Some(td) = type_data(&cls) else {
        return (Store::NoStorage, v);
    };
    match v {
        Some(v) => {
            if let Some(i) = key_index_or_add(td, name) {
                match o.set_value_at(i, v) {
                    Ok(old) => return (Store::Done(old), None),
                    Err(v) => return materialized(o, Some(v)),
                }
            }
            materialized(o, Some(v))
        }
        None => match key_index(td, name) {
            Some(i) => match o.delete_value_at(i) {
                Some(old) => (Store::Done(Some(old)), None),
                None => (Store::Absent, None),
            },
            None if exact_str(name) => (Store::Absent, None),
            None => materialized(o, None),
        },
    }
}

fn materialized(o: &PyObject, v: Option<Value>) -> (Store, Option<Value>) {
    match o.dict() {
        Some(d) => (Store::Dict(d), v),
        None => (Store::NoStorage, v),
    }
}
