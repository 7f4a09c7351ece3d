//! Weak references (the mechanism; the `_weakref` module builds the types
//! on it). A weakref object carries a [`WeakRefData`] holding a
//! `Weak<PyObject>` to its referent. A per-thread registry maps the
//! address of every object that has weakrefs to those weakref objects
//! (held weakly too, in CPython's list order). `Drop` of a `PyObject`
//! calls [`on_drop`]: when the registry is not empty and the dying object
//! is in it, its weakrefs are cleared and those with a callback are queued;
//! the eval loop runs the callbacks before its next instruction, together
//! with `__del__` finalizers (see finalize.rs). An object with `__del__`
//! is re-wrapped by finalize.rs before it dies: [`on_revive`] moves its
//! weakrefs to the new allocation, so they stay alive during `__del__` and
//! are cleared after it, as in CPython.

use crate::objects::rc::{Rc, Weak};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::{Payload, PyObject};
use crate::vm::value::{PyRef, Value};
use crate::vm::Vm;

/// What kind of weak reference an object is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WeakKind {
    Ref,
    Proxy,
    CallableProxy,
}

/// The state of a `weakref.ref` / proxy object: the object's payload
/// (`Payload::WeakRef`, four words, no block of its own).
pub struct WeakRefData {
    /// The referent; dangling once it died. A `Cell` (taken and put back
    /// to upgrade).
    target: Cell<Weak<PyObject>>,
    /// The callback, None if none (or once it ran or was cleared). A
    /// callback that is not an object (`ref(o, 5)`, called in vain) is
    /// held in a 1-tuple ([`WeakRefData::boxed`]), so this is one word.
    callback: Cell<Option<PyRef>>,
    /// `hash(ref)`, cached from the referent's hash; -1 (never a Python
    /// hash) until then.
    hash: Cell<i64>,
    pub kind: WeakKind,
    /// A plain `ref(obj)` with no callback (shared by later calls).
    pub basic: bool,
    /// `callback` is the 1-tuple around a callback that is not an object.
    boxed: bool,
}

impl WeakRefData {
    /// `callback`: an object, or None; `boxed` when it is the 1-tuple
    /// around a callback value that is not an object.
    pub fn new(
        target: &PyRef,
        callback: Option<PyRef>,
        boxed: bool,
        kind: WeakKind,
        basic: bool,
    ) -> WeakRefData {
        WeakRefData {
            target: Cell::new(Rc::downgrade(target)),
            callback: Cell::new(callback),
            hash: Cell::new(-1),
            kind,
            basic,
            boxed,
        }
    }

    /// The referent, if alive.
    pub fn get(&self) -> Option<PyRef> {
        let t = self.target.take();
        let r = t.upgrade();
        self.target.set(t);
        r
    }

    /// The callback as Python sees it (`__callback__`), None if none.
    pub fn callback(&self) -> Value {
        let c = self.callback.take();
        let v = self.unbox(c.clone());
        self.callback.set(c);
        v
    }

    /// The callback taken out (it runs at most once).
    fn take_callback(&self) -> Value {
        let c = self.callback.take();
        self.unbox(c)
    }

    fn unbox(&self, c: Option<PyRef>) -> Value {
        match c {
            None => Value::None,
            Some(o) if self.boxed => match &o.payload {
                Payload::Tuple(items) => items.first().cloned().unwrap_or(Value::None),
                _ => Value::Obj(o),
            },
            Some(o) => Value::Obj(o),
        }
    }

    /// `traverse`: the callback (the collector's visit).
    pub fn traverse<F: FnMut(&Value)>(&self, visit: &mut F) {
        let c = self.callback.take();
        if let Some(o) = &c {
            crate::objects::gc_traverse::visit_ref(o, visit);
        }
        self.callback.set(c);
    }

    /// `gc_clear`: a garbage weakref's callback goes.
    pub fn clear_callback(&self, out: &mut Vec<Value>) {
        if let Some(o) = self.callback.take() {
            out.push(Value::Obj(o));
        }
    }

    /// The cached `hash(ref)`, if computed.
    pub fn cached_hash(&self) -> Option<i64> {
        Some(self.hash.get()).filter(|&h| h != -1)
    }

    pub fn set_hash(&self, h: i64) {
        self.hash.set(h);
    }

    fn clear(&self) {
        self.target.set(Weak::new());
    }
}

impl Drop for WeakRefData {
    fn drop(&mut self) {
        // Forget this (dying) weakref in its live referent's entry.
        let t = self.target.get_mut();
        if t.strong_count() == 0 {
            return;
        }
        let addr = t.as_ptr() as usize;
        let _ = REGISTRY.try_with(|r| {
            if let Ok(mut r) = r.try_borrow_mut() {
                if let Some(list) = r.get_mut(&addr) {
                    list.retain(|w| w.strong_count() > 0);
                    if list.is_empty() {
                        if r.remove(&addr).is_some() {
                            entry_removed(addr);
                        }
                        LIVE.store(r.len(), std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }
        });
    }
}

/// A cheap hash for object addresses (the registry is probed on every
/// drop of a possibly weakly referenced object while any weakref lives).
#[derive(Default)]
struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        // The product's low bits (the table index) depend only on the
        // address's low bits: fold the well-mixed high half into them.
        self.0 ^ (self.0 >> 32)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = ((n as u64) >> 3).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// How many objects have weakrefs (0: `on_drop` does nothing). Process
/// wide, as every thread of the interpreter drops objects; with several
/// interpreters in one process it is only a hint (non-zero: look).
static LIVE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many registry entries (referents) fall in each bucket of
/// addresses, so that `on_drop` looks the registry up only for a dying
/// object whose bucket holds one: CPython reads the object's weakref list
/// field, a lookup here cost ~90 instructions on every container freed
/// while any weakref lived. Process-wide, as `LIVE` (another
/// interpreter's entries only cost lookups that find nothing).
static BUCKETS: [std::sync::atomic::AtomicU32; BUCKET_COUNT] =
    [const { std::sync::atomic::AtomicU32::new(0) }; BUCKET_COUNT];
const BUCKET_COUNT: usize = 4096;

/// The bucket of the object at `addr` (a multiplicative hash of the
/// address's top bits: blocks of one size class are evenly spaced).
#[inline(always)]
fn bucket(addr: usize) -> Option<&'static std::sync::atomic::AtomicU32> {
    let h = ((addr as u64) >> 4).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 52;
    BUCKETS.get(h as usize & (BUCKET_COUNT - 1))
}

/// The registry gained an entry for `addr`.
fn entry_added(addr: usize) {
    if let Some(b) = bucket(addr) {
        b.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The registry lost its entry for `addr`.
fn entry_removed(addr: usize) {
    if let Some(b) = bucket(addr) {
        let _ = b.fetch_update(
            std::sync::atomic::Ordering::Relaxed,
            std::sync::atomic::Ordering::Relaxed,
            |n| n.checked_sub(1),
        );
    }
}

type AddrMap<V> = HashMap<usize, V, BuildHasherDefault<AddrHasher>>;

/// An object's weakref objects, in CPython's list order. Most objects have
/// one, held inline in the registry's entry; more go to one block of their
/// own. Two words, so an entry with its address is three (a `SmallVec` of
/// two was four, 40-byte entries: asyncio's task registry, a `WeakSet`,
/// keeps one entry per live task).
#[derive(Default)]
enum RefList {
    #[default]
    Empty,
    One(Weak<PyObject>),
    Many(thin_vec::ThinVec<Weak<PyObject>>),
}

impl std::ops::Deref for RefList {
    type Target = [Weak<PyObject>];

    fn deref(&self) -> &[Weak<PyObject>] {
        match self {
            RefList::Empty => &[],
            RefList::One(w) => std::slice::from_ref(w),
            RefList::Many(v) => v,
        }
    }
}

impl RefList {
    /// Keep the weakrefs `keep` accepts, in order.
    fn retain(&mut self, keep: impl Fn(&Weak<PyObject>) -> bool) {
        match self {
            RefList::Empty => {}
            RefList::One(w) => {
                if !keep(w) {
                    *self = RefList::Empty;
                }
            }
            RefList::Many(v) => {
                v.retain(|w| keep(w));
                match v.len() {
                    0 => *self = RefList::Empty,
                    1 => {
                        if let Some(w) = v.pop() {
                            *self = RefList::One(w);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Insert `w` at `pos` (at most the length).
    fn insert(&mut self, pos: usize, w: Weak<PyObject>) {
        match std::mem::take(self) {
            RefList::Empty => *self = RefList::One(w),
            RefList::One(a) => {
                let mut v = thin_vec::ThinVec::with_capacity(2);
                if pos == 0 {
                    v.push(w);
                    v.push(a);
                } else {
                    v.push(a);
                    v.push(w);
                }
                *self = RefList::Many(v);
            }
            RefList::Many(mut v) => {
                v.insert(pos.min(v.len()), w);
                *self = RefList::Many(v);
            }
        }
    }
}

crate::interp_local! {
    /// Referent address -> its weakref objects, in CPython's list order.
    static REGISTRY: RefCell<AddrMap<RefList>> =
        RefCell::new(AddrMap::default());
    /// (weakref, callback) pairs due to run, oldest first.
    static CALLBACKS: RefCell<Vec<(PyRef, Value)>> = const { RefCell::new(Vec::new()) };
}

/// The weakref state of `o`, if `o` is a weakref object.
pub fn data_of(o: &PyRef) -> Option<&WeakRefData> {
    match &o.payload {
        Payload::WeakRef(d) => Some(d),
        _ => None,
    }
}

/// The live weakref objects of `target`, in CPython's list order.
pub fn weakrefs_of(target: &PyRef) -> Vec<PyRef> {
    let addr = Rc::as_ptr(target) as usize;
    REGISTRY
        .try_with(|r| {
            r.try_borrow()
                .ok()
                .and_then(|r| {
                    r.get(&addr)
                        .map(|l| l.iter().filter_map(Weak::upgrade).collect())
                })
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

/// Record a new weakref object `wr` to `target`: basic refs first, then a
/// basic proxy, then the others newest first (CPython's insertion rule,
/// which makes callbacks run newest first).
pub fn register(target: &PyRef, wr: &PyRef) {
    let addr = Rc::as_ptr(target) as usize;
    let Some(d) = data_of(wr) else {
        return;
    };
    let (kind, basic) = (d.kind, d.basic);
    let _ = REGISTRY.try_with(|r| {
        let Ok(mut r) = r.try_borrow_mut() else {
            return;
        };
        if !r.contains_key(&addr) {
            entry_added(addr);
        }
        let list = r.entry(addr).or_default();
        list.retain(|w| w.strong_count() > 0);
        let is_basic = |w: &Weak<PyObject>, proxy: bool| {
            w.upgrade()
                .and_then(|o| data_of(&o).map(|d| d.basic && (d.kind != WeakKind::Ref) == proxy))
                .unwrap_or(false)
        };
        let has_ref = list.first().is_some_and(|w| is_basic(w, false));
        let pos = if kind == WeakKind::Ref && basic {
            0
        } else {
            let has_proxy = list
                .get(has_ref as usize)
                .is_some_and(|w| is_basic(w, true));
            match basic {
                true => has_ref as usize,
                false => has_ref as usize + has_proxy as usize,
            }
        };
        list.insert(pos.min(list.len()), Rc::downgrade(wr));
        LIVE.store(r.len(), std::sync::atomic::Ordering::Relaxed);
    });
}

/// Clear the weakrefs of a dying object (`list`: its registry entry) and
/// return each one that had a callback, with the callback taken out.
fn clear_refs(list: RefList) -> Vec<(PyRef, Value)> {
    let mut out = Vec::new();
    for w in list.iter() {
        let Some(wr) = w.upgrade() else {
            continue;
        };
        let Some(d) = data_of(&wr) else {
            continue;
        };
        d.clear();
        let cb = d.take_callback();
        if !cb.is_none() {
            out.push((wr, cb));
        }
    }
    out
}

/// Take the registry entry of the object at `addr`.
fn take_entry(addr: usize) -> Option<RefList> {
    REGISTRY
        .try_with(|r| {
            let mut r = r.try_borrow_mut().ok()?;
            let e = r.remove(&addr);
            if e.is_some() {
                entry_removed(addr);
            }
            LIVE.store(r.len(), std::sync::atomic::Ordering::Relaxed);
            e
        })
        .ok()
        .flatten()
}

/// Called from `PyObject`'s `Drop`: clear the dying object's weakrefs and
/// queue their callbacks.
#[inline(always)]
pub fn on_drop(obj: &PyObject) {
    if LIVE.load(std::sync::atomic::Ordering::Relaxed) == 0 {
        return;
    }
    // Layouts that can never be weakly referenced (even in subclasses).
    if matches!(
        obj.payload,
        Payload::Int(_)
            | Payload::Float(_)
            | Payload::Str(_)
            | Payload::Bytes(_)
            | Payload::Tuple(_)
            | Payload::Iter(_)
            | Payload::Cell(_)
    ) {
        return;
    }
    // No entry in the object's bucket: none for the object.
    if bucket(obj as *const PyObject as usize)
        .is_some_and(|b| b.load(std::sync::atomic::Ordering::Relaxed) == 0)
    {
        return;
    }
    on_drop_listed(obj);
}

/// `on_drop` for an object that may have weakrefs: look it up.
#[inline(never)]
fn on_drop_listed(obj: &PyObject) {
    let Some(list) = take_entry(obj as *const PyObject as usize) else {
        return;
    };
    let mut due = clear_refs(list);
    if due.is_empty() {
        return;
    }
    let queued = CALLBACKS
        .try_with(|c| match c.try_borrow_mut() {
            Ok(mut c) => {
                c.append(&mut due);
                true
            }
            Err(_) => false,
        })
        .unwrap_or(false);
    if queued {
        super::finalize::wake();
    }
}

/// The cycle collector found `target` unreachable: clear its weakrefs now
/// (before any finalizer runs, as CPython's `handle_weakrefs`) and return
/// each weakref that had a callback with the callback taken out of it.
pub fn clear_for_gc(target: &PyRef) -> Vec<(PyRef, Value)> {
    if LIVE.load(std::sync::atomic::Ordering::Relaxed) == 0 {
        return Vec::new();
    }
    let Some(list) = take_entry(Rc::as_ptr(target) as usize) else {
        return Vec::new();
    };
    clear_refs(list)
}

/// finalize.rs re-wrapped the dying object at `old` as `new` to run its
/// `__del__`: its weakrefs now point at `new`.
pub fn on_revive(old: usize, new: &PyRef) {
    if LIVE.load(std::sync::atomic::Ordering::Relaxed) == 0 {
        return;
    }
    let Some(list) = take_entry(old) else {
        return;
    };
    for w in list.iter() {
        if let Some(o) = w.upgrade() {
            if let Some(d) = data_of(&o) {
                d.target.set(Rc::downgrade(new));
            }
        }
    }
    let addr = Rc::as_ptr(new) as usize;
    let _ = REGISTRY.try_with(|r| {
        if let Ok(mut r) = r.try_borrow_mut() {
            if r.insert(addr, list).is_none() {
                entry_added(addr);
            }
            LIVE.store(r.len(), std::sync::atomic::Ordering::Relaxed);
        }
    });
}

impl Vm {
    /// Run the queued weakref callbacks (errors are unraisable).
    pub fn run_weakref_callbacks(&mut self) {
        loop {
            let batch = CALLBACKS
                .try_with(|c| {
                    c.try_borrow_mut()
                        .map(|mut c| std::mem::take(&mut *c))
                        .unwrap_or_default()
                })
                .unwrap_or_default();
            if batch.is_empty() {
                return;
            }
            for (wr, cb) in batch {
                if let Err(e) = self.call(&cb, &[Value::Obj(wr)]) {
                    self.write_unraisable(&e, &cb);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_entry_is_three_words() {
        // The address and a two-word list (asyncio keeps an entry per
        // live task: 40-byte entries with a two-slot `SmallVec` before).
        assert_eq!(std::mem::size_of::<(usize, RefList)>(), 24);
    }
}
