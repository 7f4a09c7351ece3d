//! `set` and `frozenset` objects over CPython's set table
//! ([`super::set::SetTable`]): element lookups that may run a Python
//! `__eq__` without holding a borrow, the bulk operations in the order
//! Objects/setobject.c performs them, and the types' methods.
//!
//! Bulk operations that only compare (merge, difference, ...) work on the
//! set's table taken out of its `RefCell` and put back afterwards, so a
//! Python `__eq__` running meanwhile sees an empty set rather than a held
//! borrow. Operations that iterate a general iterable add or discard one
//! key at a time through the resumable probe (see `set.rs`).

use crate::vm::proto::fast_hash as fast_hash_any;
use std::cell::{Ref, RefCell};
use std::ops::Deref;

use super::dict::fast_key_eq;
use super::set::{self as st, SetTable, Step};
use super::Payload;
use crate::objects::exception::ExcKind;
use crate::objects::iter::IterState;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// A borrowed set table (a set's `RefCell` borrow or a frozenset's table).
pub enum TableRef<'a> {
    Cell(Ref<'a, SetTable>),
    Frozen(&'a SetTable),
}

impl Deref for TableRef<'_> {
    type Target = SetTable;
    fn deref(&self) -> &SetTable {
        match self {
            TableRef::Cell(r) => r,
            TableRef::Frozen(t) => t,
        }
    }
}

/// The mutable table of a `set` (not a frozenset).
pub fn set_cell(o: &PyRef) -> Option<&RefCell<SetTable>> {
    match &o.payload {
        Payload::Set(c) => Some(c),
        _ => None,
    }
}

/// Whether a value is a set or frozenset (or a subclass instance).
pub fn as_anyset(v: &Value) -> Option<&PyRef> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Set(_) | Payload::FrozenSet(_)) => Some(o),
        _ => None,
    }
}

pub(crate) fn is_frozen(o: &PyRef) -> bool {
    matches!(o.payload, Payload::FrozenSet(_))
}

pub(crate) fn busy(vm: &Vm) -> crate::vm::PyErr {
    vm.runtime_error("set changed during an operation on it")
}

/// Borrow a set's or frozenset's table.
pub fn table_ref<'a>(vm: &Vm, o: &'a PyRef) -> PyResult<TableRef<'a>> {
    match &o.payload {
        Payload::Set(c) => c.try_borrow().map(TableRef::Cell).map_err(|_| busy(vm)),
        Payload::FrozenSet(t) => Ok(TableRef::Frozen(t)),
        _ => Err(vm.type_error("expected a set")),
    }
}

/// The elements of a set or frozenset, in iteration order.
pub fn set_items(o: &PyRef) -> Vec<Value> {
    match &o.payload {
        Payload::Set(t) => t
            .try_borrow()
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default(),
        Payload::FrozenSet(t) => t.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// `(hash, key)` of each element, in iteration order.
pub(crate) fn set_entries(vm: &Vm, o: &PyRef) -> PyResult<Vec<(i64, Value)>> {
    Ok(table_ref(vm, o)?
        .iter()
        .map(|(h, k)| (h, k.clone()))
        .collect())
}

/// Number of elements of a set or frozenset.
pub fn set_len(o: &PyRef) -> usize {
    match &o.payload {
        Payload::Set(t) => t.try_borrow().map(|t| t.len()).unwrap_or(0),
        Payload::FrozenSet(t) => t.len(),
        _ => 0,
    }
}

/// `frozenset.__hash__` of a table.
pub fn frozenset_hash(t: &SetTable) -> i64 {
    let hs: Vec<i64> = t.iter().map(|(h, _)| h).collect();
    crate::pyhash::hash_frozenset(&hs)
}

/// [`crate::vm::proto::fast_hash`], with the hash of a small int (itself)
/// taken inline.
#[inline(always)]
fn fast_hash(v: &Value) -> Option<i64> {
    match v {
        // hash(n) == n for 0 <= n < 2**61 - 1 (`_PyHASH_MODULUS`).
        Value::Int(i) if (0..(1i64 << 61) - 1).contains(i) => Some(*i),
        _ => fast_hash_any(v),
    }
}

/// Key equality as the set table asks it (`startkey == key`).
pub(crate) fn key_eq(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<bool> {
    match fast_key_eq(a, b) {
        Some(r) => Ok(r),
        None => vm.eq(a, b),
    }
}

/// The hash of a set key: `fast_hash` inline, else `Vm::hash`.
#[inline]
fn key_hash(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    match fast_hash(v) {
        Some(h) => Ok(h),
        None => vm.hash(v),
    }
}

/// A lookup that runs no Python code: `Some(found)` when every
/// comparison it needed was decided by [`fast_key_eq`], else `None` (the
/// resumable lookup must run). An unborrowable set also gives `None`.
#[inline]
fn find_fast(s: &PyRef, hash: i64, key: &Value) -> Option<bool> {
    match &s.payload {
        Payload::Set(c) => {
            let t = c.try_borrow().ok()?;
            t.contains_fast(hash, key, fast_key_eq)
        }
        Payload::FrozenSet(t) => t.contains_fast(hash, key, fast_key_eq),
        _ => None,
    }
}

/// `set.add(key)` on a mutable set when it runs no Python code (the key's
/// hash and every comparison decided natively, the table free): `Some`
/// once done, else `None` with nothing changed.
#[inline]
pub(crate) fn add_fast(s: &PyRef, key: &Value) -> Option<()> {
    let cell = set_cell(s)?;
    let h = fast_hash(key)?;
    let mut t = cell.try_borrow_mut().ok()?;
    match t.find_fast(h, key, fast_key_eq)? {
        Ok(_) => Some(()),
        Err(v) => t.insert_at(v, h, key.clone()).then_some(()),
    }
}

/// `set.discard(key)` when it runs no Python code: `Some(removed)`, else
/// `None` with nothing changed. The removed key is dropped after the
/// table's borrow ends.
#[inline]
pub(crate) fn discard_fast(s: &PyRef, key: &Value) -> Option<bool> {
    let cell = set_cell(s)?;
    let h = fast_hash(key)?;
    let mut t = cell.try_borrow_mut().ok()?;
    match t.find_fast(h, key, fast_key_eq)? {
        Ok(slot) => {
            let removed = t.remove_at(slot);
            drop(t);
            Some(removed.is_some())
        }
        Err(_) => Some(false),
    }
}

/// Run `f` on a set's table taken out of its cell, then put it back.
pub(crate) fn with_taken<R>(
    vm: &mut Vm,
    s: &PyRef,
    f: impl FnOnce(&mut Vm, &mut SetTable) -> PyResult<R>,
) -> PyResult<R> {
    let Some(cell) = set_cell(s) else {
        return Err(vm.type_error("expected a set"));
    };
    let mut t = match cell.try_borrow_mut() {
        Ok(mut b) => std::mem::take(&mut *b),
        Err(_) => return Err(busy(vm)),
    };
    let r = f(vm, &mut t);
    match cell.try_borrow_mut() {
        Ok(mut b) => *b = t,
        Err(_) => return Err(busy(vm)),
    }
    r
}

/// Wrap a table as a new exact set or frozenset.
pub(crate) fn wrap(vm: &Vm, t: SetTable, frozen: bool) -> Value {
    Value::Obj(if frozen {
        vm.new_obj(&vm.types.frozenset, Payload::FrozenSet(Box::new(t)))
    } else {
        vm.new_obj(&vm.types.set, Payload::Set(Box::new(RefCell::new(t))))
    })
}

/// Dict entries `(hash, key)` of an exact dict, or None for other values.
pub(crate) fn exact_dict_keys(vm: &Vm, v: &Value) -> Option<Vec<(i64, Value)>> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Dict(_)) && o.class_is(&vm.types.dict) => {
            Some(vm.dict_keys_hashed(o))
        }
        _ => None,
    }
}

impl Vm {
    /// A new set (or frozenset) of values, added in order.
    pub fn new_set_from(&mut self, items: Vec<Value>, frozen: bool) -> PyResult<Value> {
        let mut t = SetTable::new();
        for v in items {
            let h = self.hash(&v)?;
            t.add_entry(h, v, |a, b| key_eq(self, a, b))?;
        }
        Ok(wrap(self, t, frozen))
    }

    /// `set_update_internal` on a table: merge a set, add a dict's keys
    /// with their stored hashes, or add each item of an iterable.
    pub fn set_table_update(&mut self, t: &mut SetTable, other: &Value) -> PyResult<()> {
        if let Some(o) = as_anyset(other) {
            let ot = table_ref(self, o)?;
            return t.merge(&ot, |a, b| key_eq(self, a, b));
        }
        if let Some(keys) = exact_dict_keys(self, other) {
            t.presize_for(keys.len());
            for (h, k) in keys {
                t.add_entry(h, k, |a, b| key_eq(self, a, b))?;
            }
            return Ok(());
        }
        let it = self.iter(other)?;
        while let Some(k) = self.next(&it)? {
            let h = self.hash(&k)?;
            t.add_entry(h, k, |a, b| key_eq(self, a, b))?;
        }
        Ok(())
    }

    /// A new table holding the elements of an iterable (`make_new_set`).
    pub fn set_table_from(&mut self, iterable: &Value) -> PyResult<SetTable> {
        let mut t = SetTable::new();
        self.set_table_update(&mut t, iterable)?;
        Ok(t)
    }

    /// `SET_UPDATE` / `set.update(x)` for one argument.
    pub fn set_update(&mut self, s: &PyRef, other: &Value) -> PyResult<()> {
        if as_anyset(other).is_some() || exact_dict_keys(self, other).is_some() {
            if matches!(other, Value::Obj(o) if crate::objects::rc::Rc::ptr_eq(o, s)) {
                return Ok(());
            }
            let other = other.clone();
            return with_taken(self, s, |vm, t| vm.set_table_update(t, &other));
        }
        let it = self.iter(other)?;
        while let Some(k) = self.next(&it)? {
            let h = self.hash(&k)?;
            self.set_add_entry(s, h, k)?;
        }
        Ok(())
    }

    /// The slot of a key equal to `key` in a set or frozenset.
    pub(crate) fn set_lookup(
        &mut self,
        s: &PyRef,
        hash: i64,
        key: &Value,
    ) -> PyResult<Option<usize>> {
        let cell = match &s.payload {
            Payload::FrozenSet(t) => return t.lookup(hash, key, |a, b| key_eq(self, a, b)),
            Payload::Set(c) => c,
            _ => return Ok(None),
        };
        if let Ok(t) = cell.try_borrow() {
            if let Some(r) = t.find_fast(hash, key, fast_key_eq) {
                return Ok(r.ok());
            }
        }
        let borrow = |vm: &Vm| cell.try_borrow().map_err(|_| busy(vm));
        let mut p = borrow(self)?.probe(hash);
        loop {
            let step = borrow(self)?.probe_step(&mut p, key);
            match step {
                Step::Found(slot) => return Ok(Some(slot)),
                Step::Absent(_) => return Ok(None),
                Step::Compare(slot, start) => {
                    let eq = key_eq(self, &start, key)?;
                    let t = borrow(self)?;
                    if !t.still_valid(&p, slot, &start) {
                        p = t.probe(hash);
                    } else if eq {
                        return Ok(Some(slot));
                    }
                }
            }
        }
    }

    /// `set_add_entry` on a set object. Returns whether the key was added.
    pub fn set_add_entry(&mut self, s: &PyRef, hash: i64, key: Value) -> PyResult<bool> {
        let Some(cell) = set_cell(s) else {
            return Ok(false);
        };
        // Without foreign comparisons, one probe under one borrow.
        if let Ok(mut t) = cell.try_borrow_mut() {
            match t.find_fast(hash, &key, fast_key_eq) {
                Some(Ok(_)) => return Ok(false),
                Some(Err(v)) if t.insert_at(v, hash, key.clone()) => return Ok(true),
                _ => {}
            }
        }
        let borrow = |vm: &Vm| cell.try_borrow().map_err(|_| busy(vm));
        let mut p = borrow(self)?.probe(hash);
        loop {
            let step = borrow(self)?.probe_step(&mut p, &key);
            match step {
                Step::Found(_) => return Ok(false),
                Step::Compare(slot, start) => {
                    if key_eq(self, &start, &key)? {
                        return Ok(false);
                    }
                    let t = borrow(self)?;
                    if !t.still_valid(&p, slot, &start) {
                        p = t.probe(hash);
                    }
                }
                Step::Absent(v) => {
                    let inserted = cell.try_borrow_mut().map_err(|_| busy(self))?.insert_at(
                        v,
                        hash,
                        key.clone(),
                    );
                    if inserted {
                        return Ok(true);
                    }
                    p = borrow(self)?.probe(hash);
                }
            }
        }
    }

    /// Add to a mutable set object (`PySet_Add`).
    pub fn set_add(&mut self, s: &PyRef, v: Value) -> PyResult<()> {
        let h = key_hash(self, &v)?;
        self.set_add_entry(s, h, v).map(|_| ())
    }

    /// `set_discard_entry`: the removed key, if an equal one was present.
    pub(crate) fn set_discard_entry(
        &mut self,
        s: &PyRef,
        hash: i64,
        key: &Value,
    ) -> PyResult<Option<Value>> {
        let Some(slot) = self.set_lookup(s, hash, key)? else {
            return Ok(None);
        };
        let Some(cell) = set_cell(s) else {
            return Ok(None);
        };
        let removed = cell
            .try_borrow_mut()
            .map_err(|_| busy(self))?
            .remove_at(slot);
        Ok(removed.map(|(_, k)| k))
    }

    /// The hash of a key for `in`, `remove` and `discard`: an unhashable
    /// set is looked up as the equal frozenset.
    pub(crate) fn set_key_hash(&mut self, key: &Value) -> PyResult<(i64, Value)> {
        if let Some(h) = fast_hash(key) {
            return Ok((h, key.clone()));
        }
        match self.hash(key) {
            Ok(h) => Ok((h, key.clone())),
            Err(e) => self.set_key_hash_retry(key, e),
        }
    }

    /// The end of [`Vm::set_key_hash`] once `hash(key)` raised `e`.
    fn set_key_hash_retry(&mut self, key: &Value, e: crate::vm::PyErr) -> PyResult<(i64, Value)> {
        match key {
            Value::Obj(o) if matches!(o.payload, Payload::Set(_)) => {
                if !self.err_is(&e, ExcKind::TypeError) {
                    return Err(e);
                }
                let t = table_ref(self, o)?.copy();
                let h = frozenset_hash(&t);
                Ok((h, wrap(self, t, true)))
            }
            _ => Err(e),
        }
    }

    /// `key in s` for a set or frozenset.
    pub fn set_contains(&mut self, s: &PyRef, key: &Value) -> PyResult<bool> {
        let h = match fast_hash(key) {
            Some(h) => h,
            None => match self.hash(key) {
                Ok(h) => h,
                Err(e) => {
                    let (h, k) = self.set_key_hash_retry(key, e)?;
                    return Ok(self.set_lookup(s, h, &k)?.is_some());
                }
            },
        };
        if let Some(found) = find_fast(s, h, key) {
            return Ok(found);
        }
        Ok(self.set_lookup(s, h, key)?.is_some())
    }

    /// `key in s` with the key's own hash (no frozenset retry).
    pub(crate) fn set_contains_key(&mut self, s: &PyRef, key: &Value) -> PyResult<bool> {
        let h = key_hash(self, key)?;
        if let Some(found) = find_fast(s, h, key) {
            return Ok(found);
        }
        Ok(self.set_lookup(s, h, key)?.is_some())
    }

    /// A `set_iterator` over a set or frozenset.
    pub fn new_set_iter(&self, s: &PyRef) -> Value {
        self.new_iter(
            &self.types.set_iterator,
            IterState::Set {
                set: s.clone(),
                pos: 0,
                used: set_len(s),
            },
        )
    }

    /// `repr()` of a set or frozenset (`{1, 2}`, `frozenset({1})`,
    /// `MySet({1})`, `set()`, `set(...)` when recursive).
    pub fn set_repr(&mut self, o: &PyRef) -> PyResult<String> {
        let cls = self.type_of(&Value::Obj(o.clone()));
        let name = self.type_name(&cls);
        if !self.repr_enter(o) {
            return Ok(format!("{name}(...)"));
        }
        let items = set_items(o);
        if items.is_empty() {
            self.repr_leave(o);
            return Ok(format!("{name}()"));
        }
        let r = self.join_reprs(&items);
        self.repr_leave(o);
        let body = r?;
        Ok(if o.class_is(&self.types.set) {
            format!("{{{body}}}")
        } else {
            format!("{name}({{{body}}})")
        })
    }
}

/// Whether `v` is the set object `s` itself.
pub(crate) fn is_same(v: &Value, s: &PyRef) -> bool {
    matches!(v, Value::Obj(o) if crate::objects::rc::Rc::ptr_eq(o, s))
}

// ------------------------------------------------------------ the algorithms

/// `set_intersection(so, other)` on a table: a new table.
pub(crate) fn intersection(vm: &mut Vm, so: &SetTable, other: &Value) -> PyResult<SetTable> {
    if let Some(o) = as_anyset(other) {
        let ot = table_ref(vm, o)?;
        return st::intersection(so, &ot, |a, b| key_eq(vm, a, b));
    }
    let mut out = SetTable::new();
    let it = vm.iter(other)?;
    while let Some(k) = vm.next(&it)? {
        let h = vm.hash(&k)?;
        if so.contains(h, &k, |a, b| key_eq(vm, a, b))? {
            out.add_entry(h, k, |a, b| key_eq(vm, a, b))?;
            if out.len() >= so.len() {
                break;
            }
        }
    }
    Ok(out)
}

/// `s.intersection(*others)` as a table.
pub(crate) fn intersection_multi(vm: &mut Vm, s: &PyRef, others: &[Value]) -> PyResult<SetTable> {
    let Some((first, rest)) = others.split_first() else {
        return Ok(table_ref(vm, s)?.copy());
    };
    let mut out = if is_same(first, s) {
        table_ref(vm, s)?.copy()
    } else {
        let so = table_ref(vm, s)?;
        intersection(vm, &so, first)?
    };
    for o in rest {
        out = intersection(vm, &out, o)?;
    }
    Ok(out)
}

/// `set_difference_update_internal(t, other)` for a table that is not
/// `other`'s.
pub(crate) fn difference_update(vm: &mut Vm, t: &mut SetTable, other: &Value) -> PyResult<()> {
    if let Some(o) = as_anyset(other) {
        let ot = table_ref(vm, o)?;
        return st::difference_update(t, &ot, |a, b| key_eq(vm, a, b));
    }
    let it = vm.iter(other)?;
    while let Some(k) = vm.next(&it)? {
        let h = vm.hash(&k)?;
        t.discard_entry(h, &k, |a, b| key_eq(vm, a, b))?;
    }
    t.purge_dummies_after_discards();
    Ok(())
}

/// `set_difference(so, other)` as a table.
pub(crate) fn difference(vm: &mut Vm, so: &PyRef, other: &Value) -> PyResult<SetTable> {
    let dict_keys = exact_dict_keys(vm, other);
    let other_size = match (as_anyset(other), &dict_keys) {
        (Some(o), _) => Some(set_len(o)),
        (None, Some(k)) => Some(k.len()),
        _ => None,
    };
    let copy_and_difference = |vm: &mut Vm| -> PyResult<SetTable> {
        let mut out = table_ref(vm, so)?.copy();
        if matches!(other, Value::Obj(o) if crate::objects::rc::Rc::ptr_eq(o, so)) {
            out.clear();
        } else {
            difference_update(vm, &mut out, other)?;
        }
        Ok(out)
    };
    let Some(other_size) = other_size else {
        return copy_and_difference(vm);
    };
    if (set_len(so) >> 2) > other_size {
        return copy_and_difference(vm);
    }
    if let Some(o) = as_anyset(other) {
        if let Some(t) = difference_fast(vm, so, o) {
            return Ok(t);
        }
    }
    let mut out = SetTable::new();
    let entries = set_entries(vm, so)?;
    if let (Value::Obj(d), true) = (other, dict_keys.is_some()) {
        for (h, k) in entries {
            if vm.dict_find(d, &k, h)?.is_none() {
                out.add_entry(h, k, |a, b| key_eq(vm, a, b))?;
            }
        }
        return Ok(out);
    }
    if let Some(o) = as_anyset(other) {
        for (h, k) in entries {
            if vm.set_lookup(o, h, &k)?.is_none() {
                out.add_entry(h, k, |a, b| key_eq(vm, a, b))?;
            }
        }
    }
    Ok(out)
}

/// The second loop of `set_difference` over two sets when every lookup
/// in `o` is decided natively ([`fast_key_eq`]): no copy of `so`'s
/// entries, no Python code. None (nothing done) when a lookup would need
/// Python's `__eq__` or a table is busy. The result grows as CPython's
/// does (same order).
fn difference_fast(vm: &Vm, so: &PyRef, o: &PyRef) -> Option<SetTable> {
    let a = table_ref(vm, so).ok()?;
    let b = table_ref(vm, o).ok()?;
    let mut out = SetTable::new();
    for (h, k) in a.iter() {
        if !b.contains_fast(h, k, fast_key_eq)? {
            // `so`'s keys are distinct: no comparison can find one in `out`.
            let _ = out.add_entry(h, k.clone(), |_, _| Ok::<bool, ()>(false));
        }
    }
    Some(out)
}

/// `set_symmetric_difference_update(t, other)` for a table that is not
/// `other`'s; `other` a set, frozenset or dict (else made into a set).
pub(crate) fn symmetric_difference_update(
    vm: &mut Vm,
    t: &mut SetTable,
    other: &Value,
) -> PyResult<()> {
    let entries = if let Some(keys) = exact_dict_keys(vm, other) {
        keys
    } else if let Some(o) = as_anyset(other) {
        set_entries(vm, o)?
    } else {
        let tmp = vm.set_table_from(other)?;
        tmp.iter().map(|(h, k)| (h, k.clone())).collect()
    };
    for (h, k) in entries {
        if t.discard_entry(h, &k, |a, b| key_eq(vm, a, b))?.is_none() {
            t.add_entry(h, k, |a, b| key_eq(vm, a, b))?;
        }
    }
    Ok(())
}

/// `set_symmetric_difference(so, other)`: a set made from `other`,
/// updated with `so`.
pub(crate) fn symmetric_difference(vm: &mut Vm, so: &PyRef, other: &Value) -> PyResult<SetTable> {
    let mut out = vm.set_table_from(other)?;
    symmetric_difference_update(vm, &mut out, &Value::Obj(so.clone()))?;
    Ok(out)
}

/// `set_issubset(so, other)`.
pub(crate) fn is_subset(vm: &mut Vm, so: &PyRef, other: &Value) -> PyResult<bool> {
    let o = match as_anyset(other) {
        Some(o) => o.clone(),
        None => {
            let t = vm.set_table_from(other)?;
            match wrap(vm, t, false) {
                Value::Obj(o) => o,
                _ => return Ok(false),
            }
        }
    };
    if set_len(so) > set_len(&o) {
        return Ok(false);
    }
    if let Some(r) = subset_fast(so, &o) {
        return Ok(r);
    }
    for (h, k) in set_entries(vm, so)? {
        if vm.set_lookup(&o, h, &k)?.is_none() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `is_subset` of two sets when no lookup runs Python code: each element
/// of `so` looked up in `o` in place, without copying `so`'s entries.
/// `None` when a comparison needs Python (or a table is busy).
fn subset_fast(so: &PyRef, o: &PyRef) -> Option<bool> {
    let t = match &so.payload {
        Payload::Set(c) => TableRef::Cell(c.try_borrow().ok()?),
        Payload::FrozenSet(t) => TableRef::Frozen(t),
        _ => return None,
    };
    for (h, k) in t.iter() {
        if !find_fast(o, h, k)? {
            return Some(false);
        }
    }
    Some(true)
}

/// `set_issuperset(so, other)`.
pub(crate) fn is_superset(vm: &mut Vm, so: &PyRef, other: &Value) -> PyResult<bool> {
    if let Some(o) = as_anyset(other) {
        return is_subset(vm, o, &Value::Obj(so.clone()));
    }
    let it = vm.iter(other)?;
    while let Some(k) = vm.next(&it)? {
        if !vm.set_contains_key(so, &k)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Fill the `set` and `frozenset` type dicts (the methods are in
/// `setmethods.rs`).
pub fn install(vm: &mut Vm) {
    super::setmethods::install(vm);
}

/// CONTAINS_OP's answer for `item in container` when it needs no Python
/// code and drops nothing: an exact set, frozenset or dict, an item whose
/// hash and comparisons are native (`fast_hash`, `fast_key_eq`). `None`:
/// take the general path.
#[inline(always)]
pub(crate) fn contains_hit(container: &Value, item: &Value) -> Option<bool> {
    let Value::Obj(s) = container else {
        return None;
    };
    match s.payload {
        Payload::Set(_) | Payload::FrozenSet(_) if s.class_is_static() => {
            find_fast(s, fast_hash(item)?, item)
        }
        Payload::Dict(_) => super::dict::contains_hit(container, item),
        _ => None,
    }
}
