//! `__del__` finalizers (PEP 442). When the last reference to an instance
//! of a class defining `__del__` goes, `Drop` moves the object's class,
//! dict and payload into a new allocation and queues it; the eval loop
//! runs the queued finalizers before its next instruction (so a `__del__`
//! runs before the statement after the one that dropped the object, as in
//! CPython), with a live `self` that may even be resurrected. Each object
//! is finalized once: a re-wrapped object is remembered until it dies.
//!
//! Finalizers never run inside `Drop` itself: the VM is borrowed up the
//! Rust stack there, and arbitrary RefCells may be borrowed.

use crate::objects::rc::Rc;
use std::cell::{Cell, RefCell, UnsafeCell};
use std::collections::{HashSet, VecDeque};

use super::typeobj::{type_data, FLAG_HAS_DEL, FLAG_HAS_DICT, FLAG_HEAPTYPE};
use super::{Payload, PyObject};
use crate::vm::value::{PyRef, Value};
use crate::vm::Vm;

crate::interp_local! {
    /// Objects whose `__del__` is due, oldest first.
    static PENDING: RefCell<VecDeque<PyRef>> = const { RefCell::new(VecDeque::new()) };
    /// Addresses of live objects already handed to the finalizer queue.
    static FINALIZED: RefCell<Option<HashSet<usize>>> = const { RefCell::new(None) };
    /// Whether PENDING is non-empty (checked when the eval breaker is set).
    static HAS_PENDING: Cell<bool> = const { Cell::new(false) };
}

/// Whether finalizers are waiting to run (cheap; called per instruction).
#[inline]
pub fn pending() -> bool {
    HAS_PENDING.try_with(Cell::get).unwrap_or(false)
}

/// Ask the eval loop to run pending work (weakref callbacks) before its
/// next instruction.
pub fn wake() {
    let _ = HAS_PENDING.try_with(|h| h.set(true));
    crate::vm::breaker::set(crate::vm::breaker::FINALIZERS);
}

/// Take every queued object (a finalizer running meanwhile only sees the
/// objects dropped after this).
fn take_pending() -> VecDeque<PyRef> {
    PENDING
        .try_with(|p| {
            let batch = p
                .try_borrow_mut()
                .map(|mut q| std::mem::take(&mut *q))
                .unwrap_or_default();
            HAS_PENDING.with(|h| h.set(false));
            crate::vm::breaker::clear(crate::vm::breaker::FINALIZERS);
            batch
        })
        .unwrap_or_default()
}

/// Whether `addr` was finalized already (and forget it: it is dying).
fn take_finalized(addr: usize) -> Option<bool> {
    FINALIZED
        .try_with(|f| {
            let mut set = f.try_borrow_mut().ok()?;
            Some(set.as_mut().is_some_and(|s| s.remove(&addr)))
        })
        .ok()
        .flatten()
}

/// Whether the live object at `addr` had its `__del__` run already
/// (`gc.is_finalized`).
pub fn is_finalized(addr: usize) -> bool {
    FINALIZED
        .try_with(|f| {
            f.try_borrow()
                .is_ok_and(|s| s.as_ref().is_some_and(|s| s.contains(&addr)))
        })
        .unwrap_or(false)
}

/// Record that the live object at `addr` is being finalized (the cycle
/// collector calls `__del__` itself; the object's `Drop` then skips it).
pub(crate) fn mark_finalized(addr: usize) -> bool {
    FINALIZED
        .try_with(|f| match f.try_borrow_mut() {
            Ok(mut set) => {
                set.get_or_insert_with(HashSet::new).insert(addr);
                true
            }
            Err(_) => false,
        })
        .unwrap_or(false)
}

/// Called from `Drop` for objects whose class has `__del__`.
fn on_drop(obj: &mut PyObject) {
    if let Payload::Native(d) = &obj.payload {
        let heap = obj
            .ty
            .get_mut()
            .as_ref()
            .and_then(type_data)
            .is_some_and(|td| td.has_flag(FLAG_HEAPTYPE));
        if !heap && !d.needs_finalize() {
            return;
        }
    }
    let addr = obj as *const PyObject as usize;
    match take_finalized(addr) {
        Some(false) => {}
        // Already finalized, or the thread is shutting down.
        _ => return,
    }
    let revived = Rc::new(PyObject {
        ty: UnsafeCell::new(obj.ty.get_mut().take()),
        attrs: UnsafeCell::new(obj.take_attrs()),
        payload: std::mem::replace(&mut obj.payload, Payload::Object),
    });
    if !mark_finalized(Rc::as_ptr(&revived) as usize) {
        return;
    }
    super::weakref::on_revive(addr, &revived);
    let queued = PENDING
        .try_with(|p| match p.try_borrow_mut() {
            Ok(mut q) => {
                q.push_back(revived.clone());
                true
            }
            Err(_) => false,
        })
        .unwrap_or(false);
    if queued {
        let _ = HAS_PENDING.try_with(|h| h.set(true));
        crate::vm::breaker::set(crate::vm::breaker::FINALIZERS);
    }
    drop(revived);
}

impl Drop for PyObject {
    fn drop(&mut self) {
        let tflags = self
            .ty
            .get_mut()
            .as_ref()
            .and_then(type_data)
            .map_or(0, |td| td.flags.get());
        let instance = tflags & (FLAG_HAS_DICT | FLAG_HEAPTYPE) != 0;
        if !instance && tflags & FLAG_HAS_DEL == 0 && matches!(self.payload, Payload::Tuple(_)) {
            self.drop_tuple();
            return;
        }
        let container = super::gc_traverse::is_container(&self.payload);
        if !instance && !container && tflags & FLAG_HAS_DEL == 0 {
            // An atomic object of a builtin type (str, int, float, bytes,
            // code, range...): untracked, its payload holds no object that
            // could nest deeply, and the field drops free it.
            if crate::modules::tracemalloc::tracing() {
                crate::modules::tracemalloc::on_free(self as *const PyObject as usize);
            }
            super::weakref::on_drop(self);
            return;
        }
        self.drop_slow(tflags, instance, container);
    }
}

impl PyObject {
    /// `Drop` of a tuple of a builtin class (`tuple`, a struct sequence):
    /// `drop_slow`'s steps that apply. It is counted and tracked (a
    /// container, not an instance: no dict to discount), never weakly
    /// referenced (`weakref::on_drop` skips tuples) and has no `__del__`
    /// or factory; its items go last to first inside the trashcan.
    #[inline]
    fn drop_tuple(&mut self) {
        super::gc::note_free(self as *const PyObject, true);
        if crate::modules::tracemalloc::tracing() {
            crate::modules::tracemalloc::on_free(self as *const PyObject as usize);
        }
        // Moved out: the field drop then sees an empty `Object` payload.
        let payload = std::mem::replace(&mut self.payload, Payload::Object);
        let Some(level) = super::trashcan::enter() else {
            super::trashcan::park(payload, self.take_attrs());
            return;
        };
        if let Payload::Tuple(items) = payload {
            items.release_rev();
        }
        super::trashcan::leave(level);
    }

    /// `Drop` of a container, an instance of a class, or an object whose
    /// class has `__del__`.
    fn drop_slow(&mut self, tflags: u32, instance: bool, container: bool) {
        let has_del = tflags & FLAG_HAS_DEL != 0;
        // Counted at allocation (`gc::track`): the same test as there.
        // An instance's own dict, freed with it, counts for both (CPython
        // keeps the attributes inline).
        let counted = (instance || container)
            && !(instance && self.dict_mut().is_some_and(|d| Rc::strong_count(d) == 1));
        if has_del {
            on_drop(self);
        }
        // A finalizer revived the object (moved into a new allocation):
        // that one is freed later.
        // An untracked class's instance was never registered (nor counted).
        if tflags & super::typeobj::FLAG_UNTRACKED == 0 {
            super::gc::note_free(
                self as *const PyObject,
                counted && (!has_del || self.ty.get_mut().is_some()),
            );
        }
        if crate::modules::tracemalloc::tracing() {
            crate::modules::tracemalloc::on_free(self as *const PyObject as usize);
        }
        super::weakref::on_drop(self);
        // A defaultdict's factory (in a side table) dies with it.
        if super::gc_traverse::may_have_factory(self) {
            drop(crate::modules::collections::defaultdict::take_factory(self));
        }
        // Deeply nested contents are released iteratively (the trashcan).
        let Some(level) = super::trashcan::enter() else {
            let payload = std::mem::replace(&mut self.payload, Payload::Object);
            super::trashcan::park(payload, self.take_attrs());
            return;
        };
        // CPython releases list and tuple items last to first. Their
        // emptied containers are freed by the field drop (no second
        // dispatch on the payload here).
        match &mut self.payload {
            Payload::List(items) => {
                let items = items.get_mut();
                while let Some(v) = items.pop() {
                    drop(v);
                }
            }
            Payload::Tuple(items) => std::mem::take(items).release_rev(),
            _ => drop(std::mem::replace(&mut self.payload, Payload::Object)),
        }
        drop(self.take_attrs());
        super::trashcan::leave(level);
    }
}

impl Vm {
    /// Run the queued `__del__` methods.
    pub fn run_finalizers(&mut self) {
        if super::gc::due() {
            self.gc_collect_due();
        }
        let mut batch = take_pending();
        while let Some(o) = batch.pop_front() {
            let v = Value::Obj(o);
            let ty = self.type_of(&v);
            if let Some(del) = self.type_lookup_static(&ty, "__del__") {
                let r = self
                    .descr_get(del.clone(), Some(&v), &ty)
                    .and_then(|f| self.call(&f, &[]));
                if let Err(e) = r {
                    self.write_unraisable(&e, &del);
                }
            }
            drop(v);
        }
        self.run_weakref_callbacks();
    }

    /// At exit: empty `__main__`'s globals in insertion order, running
    /// finalizers as each value goes (CPython frees the module dict).
    pub fn finalize_main(&mut self, globals: &PyRef) {
        // CPython's finalize_modules_delete_special: the last uncaught
        // exception goes first, and with it its frames' locals.
        let sys = self.sys.clone();
        for name in ["last_type", "last_value", "last_traceback"] {
            if self.get_attr_raw(&sys, name).is_some() {
                self.set_attr_raw(&sys, name, Value::None);
            }
        }
        self.run_finalizers();
        // A daemon thread still running (a function of the script, as a
        // rule) keeps the module's globals alive: CPython never frees them.
        if crate::modules::thread_start::others_running() && holds_globals(self, globals) {
            return;
        }
        self.run_gen_finalizers();
        self.run_finalizers();
        // CPython collects the cyclic garbage at exit (even when the
        // collector is disabled) before the modules are cleared.
        let found = self.gc_collect_at_exit();
        // A function of the module (or a method of one of its classes)
        // holds the dict, so CPython frees it only in the final garbage
        // collection, which runs every finalizer of the garbage before
        // clearing anything: the globals' own `__del__`s run first, in
        // order, with all the globals still there.
        if holds_globals(self, globals) {
            for v in finalizable_from(self, globals) {
                let Value::Obj(o) = &v else { continue };
                let has_del = o
                    .class()
                    .as_ref()
                    .and_then(type_data)
                    .is_some_and(|td| td.has_flag(FLAG_HAS_DEL));
                let addr = Rc::as_ptr(o) as usize;
                if !has_del || is_finalized(addr) || !mark_finalized(addr) {
                    continue;
                }
                let ty = self.type_of(&v);
                if let Some(del) = self.type_lookup_static(&ty, "__del__") {
                    let r = self
                        .descr_get(del.clone(), Some(&v), &ty)
                        .and_then(|f| self.call(&f, &[]));
                    if let Err(e) = r {
                        self.write_unraisable(&e, &del);
                    }
                }
                self.run_finalizers();
            }
        }
        let items = self.dict_items(globals);
        let inert = super::finalize_exit::globals_drop_inert(self, globals, &items);
        let keys: Vec<Value> = items.into_iter().map(|(k, _)| k).collect();
        for k in keys {
            let old = self.dict_del(globals, &k);
            drop(old);
            self.run_gen_finalizers();
            self.run_finalizers();
        }
        // And the cycles the globals held: none when the deletions could
        // make no garbage (finalize_exit.rs) and the collection above found
        // nothing (so no finalizer of its garbage ran and made more).
        if !inert || found != 0 {
            self.gc_collect_at_exit();
        }
    }
}

/// The objects with `__del__` reachable from the values of `globals` (not
/// through other modules or builtin types), depth first in dict order:
/// what dies with the module dict in CPython's final garbage collection.
/// Strings, bytes and numbers without attributes lead nowhere and are
/// passed over without being remembered (big data held in globals).
fn finalizable_from(vm: &Vm, globals: &PyRef) -> Vec<Value> {
    let mut seen: HashSet<usize> = HashSet::new();
    seen.insert(Rc::as_ptr(globals) as usize);
    let mut out = Vec::new();
    let mut stack: Vec<Value> = vm
        .dict_items(globals)
        .into_iter()
        .rev()
        .map(|(_, v)| v)
        .collect();
    while let Some(v) = stack.pop() {
        let Value::Obj(o) = &v else { continue };
        let has_del = class_has_del(o);
        if is_leaf(o, has_del) {
            continue;
        }
        let addr = Rc::as_ptr(o) as usize;
        if seen.contains(&addr) {
            continue;
        }
        match &o.payload {
            Payload::Module(_) => {
                seen.insert(addr);
                continue;
            }
            Payload::Type(_) if !type_data(o).is_some_and(|t| t.has_flag(FLAG_HEAPTYPE)) => {
                seen.insert(addr);
                continue;
            }
            _ => {}
        }
        // Only the children that lead somewhere are kept: leaves (strs,
        // numbers) would be passed over when popped, and a list of a
        // million strs held in a global made two copies of its items here
        // (the children and the stack), the highest peak of
        // benches/programs/text_processing (+5 MB at exit).
        let mut children = Vec::new();
        let mut count = 0usize;
        super::gc_traverse::traverse(o, &mut |c: &Value| {
            if let Value::Obj(co) = c {
                count += 1;
                // A child walked already, or the same as the one before
                // (`[x] * n`; each level of pyperformance's gc_traversal
                // holds the one below n times), would be passed over when
                // popped: the stack held every reference (+8 MB at exit).
                if !is_leaf(co, class_has_del(co))
                    && !matches!(children.last(), Some(Value::Obj(p)) if Rc::ptr_eq(p, co))
                    && !seen.contains(&(Rc::as_ptr(co) as usize))
                {
                    children.push(c.clone());
                }
            }
        });
        // A container of a few leaves (a tuple of numbers or strs, an
        // instance holding only such) without `__del__` leads to no
        // finalizer: it is not remembered (met again, it is walked again,
        // a bounded cost), so the data a program holds in its globals
        // (rows of pixel tuples) adds nothing to `seen` at exit.
        let few_leaves = !has_del && count <= FEW_LEAVES && children.is_empty();
        if few_leaves {
            continue;
        }
        seen.insert(addr);
        // Payloads visit last item first (CPython's order); walk items in order.
        stack.append(&mut children);
        if has_del {
            out.push(v);
        }
    }
    out
}

/// The most children a container may have and still be walked again
/// rather than remembered by `finalizable_from`.
const FEW_LEAVES: usize = 8;

/// Whether `o`'s class defines `__del__`.
fn class_has_del(o: &PyRef) -> bool {
    o.class()
        .as_ref()
        .and_then(type_data)
        .is_some_and(|td| td.has_flag(FLAG_HAS_DEL))
}

/// A str, bytes or number without attributes or `__del__`: it leads
/// nowhere (`finalizable_from` passes it over).
fn is_leaf(o: &PyRef, has_del: bool) -> bool {
    matches!(
        o.payload,
        Payload::Str(_) | Payload::Bytes(_) | Payload::Int(_) | Payload::Float(_)
    ) && !has_del
        && !o.has_attrs()
}

/// Whether a function in `globals` (or a method in the dict of a class
/// there) has `globals` as its `__globals__`.
fn holds_globals(vm: &Vm, globals: &PyRef) -> bool {
    let is_own = |v: &Value| match v {
        Value::Obj(o) => match &o.payload {
            Payload::Function(f) => Rc::ptr_eq(&f.globals, globals),
            _ => false,
        },
        _ => false,
    };
    vm.dict_items(globals).iter().any(|(_, v)| {
        is_own(v)
            || match v {
                Value::Obj(o) if matches!(o.payload, Payload::Type(_)) => o
                    .dict()
                    .is_some_and(|d| vm.dict_items(&d).iter().any(|(_, m)| is_own(m))),
                _ => false,
            }
    })
}
