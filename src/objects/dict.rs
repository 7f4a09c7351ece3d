//! `dict` objects: lookups with Python hashing and equality over the
//! compact table of `dicttable.rs`, and the type's methods.

use std::cell::RefCell;

use super::dicttable::DictTable;
use super::function::Args;
use super::{Payload, StrObj};
use crate::objects::exception::ExcKind;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// Equality of two keys when it needs no Python code: `Some(result)`.
pub fn fast_key_eq(a: &Value, b: &Value) -> Option<bool> {
    key_eq_depth(a, b, 0)
}

/// Nested tuples compared natively to this depth (deeper: `None`).
const TUPLE_EQ_DEPTH: u32 = 4;

/// Two exact tuples compared as CPython's `tuplerichcompare` does for
/// `==`: items in order until the first unequal pair, then the lengths.
/// `None` as soon as a pair needs Python code (an earlier native result
/// never hides a later `__eq__` call: the scan stops at the first
/// unequal pair, as CPython's).
fn tuple_eq(s: &[Value], t: &[Value], depth: u32) -> Option<bool> {
    if depth >= TUPLE_EQ_DEPTH {
        return None;
    }
    for (x, y) in s.iter().zip(t.iter()) {
        if !key_eq_depth(x, y, depth + 1)? {
            return Some(false);
        }
    }
    Some(s.len() == t.len())
}

fn key_eq_depth(a: &Value, b: &Value, depth: u32) -> Option<bool> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x == y),
        // Identical (the same bits: `is` of unboxed floats) or equal, as
        // CPython's identity-then-equality (a NaN is itself).
        (Value::Float(x), Value::Float(y)) => {
            Some(x.get() == y.get() || x.to_bits() == y.to_bits())
        }
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => {
            Some((*x as f64) == y.get() && (y.get() as i64) == *x)
        }
        (Value::Bool(x), Value::Bool(y)) => Some(x == y),
        (Value::Bool(x), Value::Int(y)) | (Value::Int(y), Value::Bool(x)) => Some(*x as i64 == *y),
        (Value::Bool(x), Value::Float(y)) | (Value::Float(y), Value::Bool(x)) => {
            Some(x.get() as i64 as f64 == y.get())
        }
        (Value::None, Value::None) => Some(true),
        (Value::Obj(x), Value::Obj(y)) => {
            if crate::objects::rc::Rc::ptr_eq(x, y) {
                return Some(true);
            }
            if !not_subclassed(x) || !not_subclassed(y) {
                return None;
            }
            match (&x.payload, &y.payload) {
                (Payload::Str(s), Payload::Str(t)) => Some(s.same_text(t)),
                (Payload::Bytes(s), Payload::Bytes(t)) => Some(s == t),
                (Payload::Tuple(s), Payload::Tuple(t)) => tuple_eq(s, t, depth),
                // Two classes of metaclass `type`: equal only as the same
                // object (`type` keeps `object.__eq__`).
                (Payload::Type(_), Payload::Type(_)) => Some(false),
                _ => None,
            }
        }
        (Value::Obj(o), _) | (_, Value::Obj(o)) => match &o.payload {
            Payload::Str(_) | Payload::Bytes(_) | Payload::Tuple(_) if not_subclassed(o) => {
                Some(false)
            }
            _ => None,
        },
        _ => Some(false),
    }
}

/// Whether `o`'s class is a builtin (not a Python subclass that could
/// override `__eq__`).
fn not_subclassed(o: &PyRef) -> bool {
    o.class_is_static()
}

/// `lookup_str` for the eval loop's caches: `Some(Some((pos, value)))`
/// found, `Some(None)` certainly absent, `None` undecidable without Python.
#[inline]
pub fn find_str(d: &PyRef, key: &PyRef) -> Option<Option<(usize, Value)>> {
    match &key.payload {
        Payload::Str(s) => lookup_str(d, key, s),
        _ => None,
    }
}

/// The key-set version of a dict's table (see `DictTable::version`).
#[inline]
pub fn key_version(d: &PyRef) -> Option<u64> {
    table(d)?.try_borrow().ok().map(|t| t.version())
}

/// The entry position of the str key `key` in dict `d`, if present and
/// found without running code (for LOAD_NAME/STORE_NAME's hint).
pub fn str_key_pos(d: &PyRef, key: &PyRef) -> Option<usize> {
    let Payload::Str(s) = &key.payload else {
        return None;
    };
    lookup_str(d, key, s)?.map(|(pos, _)| pos)
}

/// The value at entry `pos` if its key is `key` (the object itself).
#[inline]
pub fn value_at_if_key(d: &PyRef, pos: usize, key: &PyRef) -> Option<Value> {
    let t = table(d)?.try_borrow().ok()?;
    let e = t.entry(pos)?;
    match (&e.key, &key.payload) {
        (Value::Obj(k), _) if crate::objects::rc::Rc::ptr_eq(k, key) => Some(e.value.clone()),
        (Value::Obj(k), Payload::Str(s)) => match &k.payload {
            Payload::Str(t) if t.same_text(s) => Some(e.value.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The value at entry `pos` if the table's key-set version is `ver` (one
/// borrow): under an unchanged version the entry still holds the key it
/// held when the position was recorded.
#[inline(always)]
pub fn value_at_if_version(d: &PyRef, ver: u64, pos: usize) -> Option<Value> {
    // SAFETY: the table is read, and a value cloned (a count incremented),
    // with no code in between that could borrow it mutably; a table
    // mutably borrowed now makes this fail.
    let t = unsafe { table(d)?.try_borrow_unguarded().ok()? };
    if t.version() != ver {
        return None;
    }
    t.entry(pos).map(|e| e.value.clone())
}

/// Whether the table's key-set version is `ver` (LOAD_GLOBAL's check
/// that a builtin's name is still absent from the globals).
#[inline(always)]
pub fn has_version(d: &PyRef, ver: u64) -> bool {
    // SAFETY: one field of the table is read, with no code run while the
    // reference lives; a table mutably borrowed now makes this fail.
    table(d).is_some_and(|t| unsafe { t.try_borrow_unguarded() }.is_ok_and(|t| t.version() == ver))
}

/// Replace the value at entry `pos` if its key is the object `key`
/// (identity only); gives the value back otherwise. The old value is
/// returned to be dropped by the caller after the table is released.
#[inline]
pub fn replace_at_if_key(d: &PyRef, pos: usize, key: &PyRef, value: Value) -> Result<Value, Value> {
    let Some(Ok(mut t)) = table(d).map(|t| t.try_borrow_mut()) else {
        return Err(value);
    };
    match t.entry_mut(pos) {
        Some(e) if matches!(&e.key, Value::Obj(k) if crate::objects::rc::Rc::ptr_eq(k, key)) => {
            Ok(std::mem::replace(&mut e.value, value))
        }
        _ => Err(value),
    }
}

/// The position of the last entry if its key is the object `key`.
#[inline]
pub fn last_entry_if_key(d: &PyRef, key: &PyRef) -> Option<usize> {
    let t = table(d)?.try_borrow().ok()?;
    let pos = t.entry_slots().checked_sub(1)?;
    match &t.entry(pos)?.key {
        Value::Obj(k) if crate::objects::rc::Rc::ptr_eq(k, key) => Some(pos),
        _ => None,
    }
}

/// Lookup of a str key (`s` is `key`'s text) that runs no Python code:
/// `Some(found)` when the answer is certain, `None` when `d` is not a dict
/// or holds a key with the same hash whose equality only Python can decide.
#[inline]
fn lookup_str(d: &PyRef, key: &PyRef, s: &StrObj) -> Option<Option<(usize, Value)>> {
    let tb = table(d)?.try_borrow().ok()?;
    // A key whose equality needs Python code ends the lookup (`None`): a
    // key after it is found only if that one is unequal.
    let found = tb
        .find::<()>(s.hash(), |k| match k {
            Value::Obj(o) if crate::objects::rc::Rc::ptr_eq(o, key) => Ok(true),
            Value::Obj(o) => match &o.payload {
                Payload::Str(t) if o.class_is_static() => Ok(t.same_text(s)),
                _ => Err(()),
            },
            _ => Ok(false),
        })
        .ok()?;
    match found {
        Some(p) => tb.entry(p).map(|e| Some((p, e.value.clone()))),
        None => Some(None),
    }
}

/// The value of `key` in dict `d` when hashing and every comparison run
/// no Python code: `Some(found)`, else `None` (the general path decides).
#[inline]
fn get_native(d: &PyRef, key: &Value) -> Option<Option<Value>> {
    if let Value::Obj(k) = key {
        if let Payload::Str(s) = &k.payload {
            if k.class_is_static() {
                return lookup_str(d, k, s).map(|r| r.map(|(_, v)| v));
            }
        }
    }
    let h = native_hash(key)?;
    let tb = table(d)?.try_borrow().ok()?;
    let pos = find_native(&tb, key, h)?;
    Some(pos.and_then(|p| tb.entry(p).map(|e| e.value.clone())))
}

/// `d[key] = value` when hashing and every comparison run no Python
/// code; the key and value back otherwise. The replaced value is dropped
/// after the table is released.
#[inline]
fn set_native(d: &PyRef, key: Value, value: Value) -> Result<(), (Value, Value)> {
    let (Some(t), Some(h)) = (table(d), native_hash(&key)) else {
        return Err((key, value));
    };
    let Ok(mut tb) = t.try_borrow_mut() else {
        return Err((key, value));
    };
    let old = match find_native(&tb, &key, h) {
        Some(Some(pos)) => tb.replace_value(pos, value),
        Some(None) => {
            tb.insert_new(h, key, value);
            None
        }
        None => {
            drop(tb);
            return Err((key, value));
        }
    };
    drop(tb);
    drop(old);
    Ok(())
}

fn table(d: &PyRef) -> Option<&RefCell<DictTable>> {
    match &d.payload {
        Payload::Dict(t) => Some(t),
        _ => None,
    }
}

struct NeedSlow;

impl Vm {
    /// Position of `key` in a dict's table, running `__eq__` if needed.
    pub fn dict_find(&mut self, d: &PyRef, key: &Value, hash: i64) -> PyResult<Option<usize>> {
        let Some(t) = table(d) else {
            return Ok(None);
        };
        let fast = t
            .borrow()
            .find(hash, |k| fast_key_eq(k, key).ok_or(NeedSlow));
        if let Ok(pos) = fast {
            return Ok(pos);
        }
        // Slow path: compare with no borrow held; restart if the dict changed.
        for _ in 0..100 {
            let (version, cands): (u64, Vec<(usize, Value)>) = {
                let tb = t.borrow();
                let c = tb
                    .candidates(hash)
                    .into_iter()
                    .filter_map(|p| tb.entry(p).map(|e| (p, e.key.clone())))
                    .collect();
                (tb.version(), c)
            };
            let mut changed = false;
            for (pos, k) in cands {
                let eq = match fast_key_eq(&k, key) {
                    Some(b) => b,
                    None => self.eq(&k, key)?,
                };
                if t.borrow().version() != version {
                    changed = true;
                    break;
                }
                if eq {
                    return Ok(Some(pos));
                }
            }
            if !changed {
                return Ok(None);
            }
        }
        Err(self.runtime_error("dictionary changed size during iteration"))
    }

    pub fn dict_get(&mut self, d: &PyRef, key: &Value) -> PyResult<Option<Value>> {
        if let Some(r) = get_native(d, key) {
            return Ok(r);
        }
        self.dict_get_general(d, key)
    }

    /// [`Vm::dict_get`] through `hash` and [`Vm::dict_find`] (which may
    /// run Python code).
    #[inline(never)]
    fn dict_get_general(&mut self, d: &PyRef, key: &Value) -> PyResult<Option<Value>> {
        let h = self.hash(key)?;
        let pos = self.dict_find(d, key, h)?;
        Ok(pos.and_then(|p| table(d).and_then(|t| t.borrow().entry(p).map(|e| e.value.clone()))))
    }

    /// Lookup by a str key object (names): never runs Python code unless
    /// the dict holds a key whose `__eq__` is Python.
    pub fn dict_get_str(&mut self, d: &PyRef, key: &PyRef) -> PyResult<Option<Value>> {
        self.dict_get(d, &Value::Obj(key.clone()))
    }

    /// Lookup by a str key that never runs Python code (keys needing it
    /// are treated as unequal).
    pub fn dict_get_str_nocall(&self, d: &PyRef, key: &PyRef) -> PyResult<Option<Value>> {
        Ok(find_str(d, key).flatten().map(|(_, v)| v))
    }

    pub fn dict_get_by_str_nocall(&self, d: &PyRef, key: &str) -> Option<Value> {
        // An interned name (what attribute and global names are) has its
        // hash: no str to make and hash for the lookup.
        if let Some(k) = self.interned_get(key) {
            return self.dict_get_str_nocall(d, &k).ok().flatten();
        }
        let k = self.new_str(key);
        match &k {
            Value::Obj(r) => self.dict_get_str_nocall(d, r).ok().flatten(),
            _ => None,
        }
    }

    pub fn dict_set(&mut self, d: &PyRef, key: Value, value: Value) -> PyResult<()> {
        // One borrow, one probe loop, for keys hashed and compared
        // natively (exact strs, ints, tuples of them, classes).
        let (key, value) = match set_native(d, key, value) {
            Ok(()) => return Ok(()),
            Err(kv) => kv,
        };
        let h = self.hash(&key)?;
        self.dict_set_hashed(d, key, h, value)
    }

    /// `dict_set` with the key's hash known (`_PyDict_SetItem_KnownHash`).
    pub fn dict_set_hashed(&mut self, d: &PyRef, key: Value, h: i64, value: Value) -> PyResult<()> {
        let pos = self.dict_find(d, &key, h)?;
        let Some(t) = table(d) else {
            return Ok(());
        };
        let old = match pos {
            Some(p) => t.borrow_mut().replace_value(p, value),
            None => {
                t.borrow_mut().insert_new(h, key, value);
                None
            }
        };
        drop(old);
        Ok(())
    }

    /// `dict_set` for keys whose hash and equality run no Python code.
    pub fn dict_set_nocall(&self, d: &PyRef, key: Value, value: Value) -> PyResult<()> {
        let h = match &key {
            Value::Obj(o) => match &o.payload {
                Payload::Str(s) => s.hash(),
                _ => return Ok(()),
            },
            Value::Int(i) => crate::pyhash::hash_i64(*i),
            _ => return Ok(()),
        };
        let Some(t) = table(d) else {
            return Ok(());
        };
        let pos = t
            .borrow()
            .find::<()>(h, |x| Ok(fast_key_eq(x, &key).unwrap_or(false)))
            .unwrap_or(None);
        let old = match pos {
            Some(p) => t.borrow_mut().replace_value(p, value),
            None => {
                t.borrow_mut().insert_new(h, key, value);
                None
            }
        };
        drop(old);
        Ok(())
    }

    /// `dict_get` with the key's hash known (`_PyDict_GetItem_KnownHash`):
    /// the key's `__hash__` is not called again.
    pub fn dict_get_hashed(&mut self, d: &PyRef, key: &Value, h: i64) -> PyResult<Option<Value>> {
        let pos = self.dict_find(d, key, h)?;
        Ok(pos.and_then(|p| table(d).and_then(|t| t.borrow().entry(p).map(|e| e.value.clone()))))
    }

    /// Remove a key; the removed value, or None if absent.
    pub fn dict_del(&mut self, d: &PyRef, key: &Value) -> PyResult<Option<Value>> {
        let h = self.hash(key)?;
        self.dict_del_hashed(d, key, h)
    }

    /// `dict_del` with the key's hash known (`_PyDict_Pop_KnownHash`).
    pub fn dict_del_hashed(&mut self, d: &PyRef, key: &Value, h: i64) -> PyResult<Option<Value>> {
        let pos = self.dict_find(d, key, h)?;
        let Some(t) = table(d) else {
            return Ok(None);
        };
        let removed = pos.and_then(|p| t.borrow_mut().remove_at(p));
        Ok(removed.map(|e| e.value))
    }

    /// `(hash, key)` of a dict's entries in order.
    pub fn dict_keys_hashed(&self, d: &PyRef) -> Vec<(i64, Value)> {
        match table(d) {
            Some(t) => t.borrow().iter().map(|e| (e.hash, e.key.clone())).collect(),
            None => Vec::new(),
        }
    }

    /// `(hash, key, value)` of a dict's entries in order.
    pub fn dict_entries_hashed(&self, d: &PyRef) -> Vec<(i64, Value, Value)> {
        match table(d) {
            Some(t) => t
                .borrow()
                .iter()
                .map(|e| (e.hash, e.key.clone(), e.value.clone()))
                .collect(),
            None => Vec::new(),
        }
    }

    /// The value at a live entry position.
    pub fn dict_value_at(&self, d: &PyRef, pos: usize) -> Option<Value> {
        table(d).and_then(|t| t.borrow().entry(pos).map(|e| e.value.clone()))
    }

    /// `PyDict_Copy`: a new exact dict with the same entries.
    pub fn dict_copy_of(&self, d: &PyRef) -> PyResult<PyRef> {
        let t = table(d).map(|t| t.borrow().copy()).unwrap_or_default();
        Ok(self.new_obj(&self.types.dict, Payload::Dict(Box::new(RefCell::new(t)))))
    }

    /// A snapshot of a dict's (key, value) pairs in order.
    pub fn dict_items(&self, d: &PyRef) -> Vec<(Value, Value)> {
        match table(d) {
            Some(t) => t
                .borrow()
                .iter()
                .map(|e| (e.key.clone(), e.value.clone()))
                .collect(),
            None => Vec::new(),
        }
    }

    pub fn dict_len(&self, d: &PyRef) -> usize {
        table(d).map_or(0, |t| t.borrow().len())
    }

    /// Look up an interned name without creating it.
    pub fn interned_get(&self, name: &str) -> Option<PyRef> {
        self.interned.get(name)
    }

    /// A new dict from pairs.
    pub fn dict_from_pairs(&mut self, pairs: Vec<(Value, Value)>) -> PyResult<PyRef> {
        let d = self.new_dict();
        for (k, v) in pairs {
            self.dict_set(&d, k, v)?;
        }
        Ok(d)
    }
}

fn self_dict(vm: &Vm, args: &Args, name: &str) -> PyResult<PyRef> {
    match args.args.first() {
        Some(Value::Obj(o)) if matches!(o.payload, Payload::Dict(_)) => Ok(o.clone()),
        _ => Err(vm.type_error(format!("descriptor '{name}' requires a 'dict' object"))),
    }
}

fn dict_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "__getitem__")?;
    let key = vm.check_args("dict.__getitem__", args, 1, 1)?[0].clone();
    match vm.dict_get(&d, &key)? {
        Some(v) => Ok(v),
        None => {
            // A dict subclass may define __missing__.
            let ty = vm.type_of(&Value::Obj(d.clone()));
            if !crate::objects::rc::Rc::ptr_eq(&ty, &vm.types.dict) {
                if let Some(m) = vm.type_lookup_static(&ty, "__missing__") {
                    return vm.call(&m, &[Value::Obj(d), key]);
                }
            }
            Err(vm.key_error(key))
        }
    }
}

fn dict_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    // `d.get(k)` and `d.get(k, default)`, positional: the dict and the
    // key used in place, an exact str key looked up inline.
    if let (Some(Value::Obj(d)), false) = (args.args.first(), args.has_kwargs()) {
        if matches!(d.payload, Payload::Dict(_)) {
            let (key, default) = match args.args {
                [_, key] => (key, None),
                [_, key, default] => (key, Some(default)),
                _ => return dict_get_checked(vm, args),
            };
            if let Some(r) = get_native(d, key) {
                return Ok(r.unwrap_or_else(|| default.cloned().unwrap_or(Value::None)));
            }
            return Ok(vm
                .dict_get_general(d, key)?
                .unwrap_or_else(|| default.cloned().unwrap_or(Value::None)));
        }
    }
    dict_get_checked(vm, args)
}

/// `dict.get` with its arguments checked (errors, keyword arguments).
#[inline(never)]
fn dict_get_checked(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "get")?;
    let a = vm.check_args("dict.get", args, 1, 2)?;
    let default = a.get(1).cloned().unwrap_or(Value::None);
    Ok(vm.dict_get(&d, &a[0])?.unwrap_or(default))
}

fn dict_setdefault(vm: &mut Vm, args: Args) -> PyResult<Value> {
    // Positional, with a key hashed and compared natively: one lookup,
    // then an insertion if absent.
    if let (Some(Value::Obj(d)), false) = (args.args.first(), args.has_kwargs()) {
        let (key, default) = match args.args {
            [_, key] => (key, Value::None),
            [_, key, default] => (key, default.clone()),
            _ => (&Value::Null, Value::Null),
        };
        if let (Some(t), Some(h)) = (table(d), native_hash(key)) {
            if let Ok(mut tb) = t.try_borrow_mut() {
                match find_native(&tb, key, h) {
                    Some(Some(pos)) => {
                        if let Some(e) = tb.entry(pos) {
                            return Ok(e.value.clone());
                        }
                    }
                    Some(None) => {
                        tb.insert_new(h, key.clone(), default.clone());
                        return Ok(default);
                    }
                    None => {}
                }
            }
        }
    }
    let d = self_dict(vm, &args, "setdefault")?;
    let a = vm.check_args("dict.setdefault", args, 1, 2)?;
    let default = a.get(1).cloned().unwrap_or(Value::None);
    // One hash and one lookup (CPython's `setdefault_lookup`): an absent
    // key is inserted without comparing again.
    let key = &a[0];
    let h = vm.hash(key)?;
    if let Some(pos) = vm.dict_find(&d, key, h)? {
        if let Some(v) = vm.dict_value_at(&d, pos) {
            return Ok(v);
        }
    }
    if let Some(t) = table(&d) {
        t.borrow_mut().insert_new(h, key.clone(), default.clone());
    }
    Ok(default)
}

fn dict_pop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "pop")?;
    let a = vm.check_args("dict.pop", args, 1, 2)?;
    // An empty dict answers without hashing the key (`{}.pop([], 1)` is 1).
    let empty = table(&d).is_some_and(|t| t.borrow().is_empty());
    let found = if empty { None } else { vm.dict_del(&d, &a[0])? };
    match found {
        Some(v) => Ok(v),
        None => match a.get(1) {
            Some(def) => Ok(def.clone()),
            None => Err(vm.key_error(a[0].clone())),
        },
    }
}

fn dict_popitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "popitem")?;
    vm.check_args("dict.popitem", args, 0, 0)?;
    let e = table(&d).and_then(|t| t.borrow_mut().pop_last());
    match e {
        Some(e) => Ok(vm.new_tuple_of([e.key, e.value])),
        None => Err(vm.new_error(ExcKind::KeyError, "popitem(): dictionary is empty")),
    }
}

fn dict_clear(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "clear")?;
    vm.check_args("dict.clear", args, 0, 0)?;
    let old = table(&d).map(|t| std::mem::take(&mut *t.borrow_mut()));
    drop(old);
    Ok(Value::None)
}

fn dict_copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "copy")?;
    vm.check_args("dict.copy", args, 0, 0)?;
    Ok(Value::Obj(vm.dict_copy_of(&d)?))
}

fn dict_view(vm: &mut Vm, args: Args, which: u8) -> PyResult<Value> {
    let d = self_dict(vm, &args, "keys")?;
    let ty = match which {
        0 => vm.types.dict_keys.clone(),
        1 => vm.types.dict_values.clone(),
        _ => vm.types.dict_items.clone(),
    };
    Ok(Value::Obj(vm.new_obj(&ty, Payload::DictView(d))))
}

fn dict_keys(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.check_args("dict.keys", args, 0, 0)?;
    dict_view(vm, args, 0)
}
fn dict_values(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.check_args("dict.values", args, 0, 0)?;
    dict_view(vm, args, 1)
}
fn dict_items_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.check_args("dict.items", args, 0, 0)?;
    dict_view(vm, args, 2)
}

/// Whether `o` is a dict whose iteration is dict's own (CPython merges
/// such a dict entry by entry, with the stored hashes).
fn plain_dict_iter(vm: &mut Vm, o: &PyRef) -> bool {
    if !matches!(o.payload, Payload::Dict(_)) {
        return false;
    }
    if o.class_is(&vm.types.dict) {
        return true;
    }
    let cls = vm.type_of(&Value::Obj(o.clone()));
    let dict_ty = vm.types.dict.clone();
    match (
        vm.type_lookup_static(&cls, "__iter__"),
        vm.type_lookup_static(&dict_ty, "__iter__"),
    ) {
        (Some(a), Some(b)) => a.is(&b),
        _ => false,
    }
}

/// `dict_update_arg`: merge a dict or mapping (anything with `keys`),
/// else a sequence of pairs (`PyDict_MergeFromSeq2`).
pub fn dict_update_from(vm: &mut Vm, d: &PyRef, other: &Value) -> PyResult<()> {
    if let Value::Obj(o) = other {
        if plain_dict_iter(vm, o) {
            if crate::objects::rc::Rc::ptr_eq(o, d) {
                return Ok(());
            }
            // CPython's `dict_merge`: nothing from an empty dict; into an
            // empty dict, the other's table cloned when compact; else one
            // resize for both key sets before the insertions.
            if let (Some(dst), Some(src)) = (table(d), table(o)) {
                if let (Ok(mut dt), Ok(st)) = (dst.try_borrow_mut(), src.try_borrow()) {
                    if st.is_empty() {
                        return Ok(());
                    }
                    if dt.is_empty() && st.clones_into_empty() {
                        *dt = st.clone_fresh();
                        return Ok(());
                    }
                    dt.presize_for_merge(st.len());
                }
            }
            for (h, k, v) in vm.dict_entries_hashed(o) {
                vm.dict_set_hashed(d, k, h, v)?;
            }
            return Ok(());
        }
    }
    if vm.getattr_opt(other, "keys")?.is_some() {
        let keys = vm.call_method(other, "keys", &[])?;
        let it = vm.iter(&keys)?;
        while let Some(k) = vm.next(&it)? {
            let v = vm.getitem(other, &k)?;
            vm.dict_set(d, k, v)?;
        }
        return Ok(());
    }
    let it = vm.iter(other)?;
    let mut i = 0usize;
    while let Some(item) = vm.next(&it)? {
        let pair = match vm.collect_iter(&item) {
            Ok(p) => p,
            Err(e) if vm.err_is(&e, ExcKind::TypeError) => {
                return Err(vm.type_error(format!(
                    "cannot convert dictionary update sequence element #{i} to a sequence"
                )))
            }
            Err(e) => return Err(e),
        };
        if pair.len() != 2 {
            return Err(vm.value_error(format!(
                "dictionary update sequence element #{i} has length {}; 2 is required",
                pair.len()
            )));
        }
        let mut p = pair.into_iter();
        if let (Some(k), Some(v)) = (p.next(), p.next()) {
            vm.dict_set(d, k, v)?;
        }
        i += 1;
    }
    Ok(())
}

/// `dict_update_common`: at most one positional argument, then keywords.
fn update_common(vm: &mut Vm, args: Args, name: &str) -> PyResult<Value> {
    let d = self_dict(vm, &args, name)?;
    let pos = args.pos().get(1..).unwrap_or(&[]);
    if pos.len() > 1 {
        return Err(vm.type_error(format!(
            "{name} expected at most 1 argument, got {}",
            pos.len()
        )));
    }
    if let Some(o) = pos.first() {
        dict_update_from(vm, &d, o)?;
    }
    for (k, v) in args.kwargs() {
        vm.dict_set(&d, Value::Obj(k.clone()), v.clone())?;
    }
    Ok(Value::None)
}

fn dict_update(vm: &mut Vm, args: Args) -> PyResult<Value> {
    update_common(vm, args, "update")
}

fn dict_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    update_common(vm, args, "dict")
}

fn dict_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => vm.types.dict.clone(),
    };
    Ok(Value::Obj(vm.new_instance_of(
        &cls,
        Payload::Dict(Box::new(RefCell::new(DictTable::new()))),
    )))
}

/// `dict.fromkeys(iterable, value=None)` (a classmethod: `cls()` is
/// filled through `__setitem__` unless it is an exact dict).
fn dict_fromkeys(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = args.args.first().cloned().unwrap_or(Value::None);
    let a = vm.check_args("dict.fromkeys", args, 1, 2)?;
    let value = a.get(1).cloned().unwrap_or(Value::None);
    let d = vm.call(&cls, &[])?;
    let exact = match &d {
        Value::Obj(o) if o.class_is(&vm.types.dict) => Some(o.clone()),
        _ => None,
    };
    if let Some(dd) = &exact {
        if let Value::Obj(src) = &a[0] {
            if src.class_is(&vm.types.dict) {
                for (h, k, _) in vm.dict_entries_hashed(src) {
                    vm.dict_set_hashed(dd, k, h, value.clone())?;
                }
                return Ok(d);
            }
            if src.class_is(&vm.types.set) || src.class_is(&vm.types.frozenset) {
                let entries: Vec<(i64, Value)> = super::setobj::table_ref(vm, src)?
                    .iter()
                    .map(|(h, k)| (h, k.clone()))
                    .collect();
                for (h, k) in entries {
                    vm.dict_set_hashed(dd, k, h, value.clone())?;
                }
                return Ok(d);
            }
        }
    }
    let it = vm.iter(&a[0])?;
    while let Some(k) = vm.next(&it)? {
        match &exact {
            Some(dd) => vm.dict_set(dd, k, value.clone())?,
            None => vm.setitem(&d, k, value.clone())?,
        }
    }
    Ok(d)
}

fn dict_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "__len__")?;
    Ok(Value::Int(vm.dict_len(&d) as i64))
}

fn dict_contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "__contains__")?;
    let key = vm.check_args("dict.__contains__", args, 1, 1)?[0].clone();
    Ok(Value::bool(vm.dict_get(&d, &key)?.is_some()))
}

fn dict_setitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "__setitem__")?;
    let a = vm.check_args("__setitem__", args, 2, 2)?;
    vm.dict_set(&d, a[0].clone(), a[1].clone())?;
    Ok(Value::None)
}

fn dict_delitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "__delitem__")?;
    let a = vm.check_args("__delitem__", args, 1, 1)?;
    match vm.dict_del(&d, &a[0])? {
        Some(_) => Ok(Value::None),
        None => Err(vm.key_error(a[0].clone())),
    }
}

fn dict_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "__iter__")?;
    Ok(vm.new_dict_iter(&d, 0))
}

fn dict_reversed(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "__reversed__")?;
    vm.check_args("dict.__reversed__", args, 0, 0)?;
    Ok(vm.new_dict_iter_dir(&d, 0, true))
}

/// `dict_equal`: same length, and each key of `a` maps to an equal value
/// in `b`.
fn dict_equal(vm: &mut Vm, a: &PyRef, b: &PyRef) -> PyResult<bool> {
    if vm.dict_len(a) != vm.dict_len(b) {
        return Ok(false);
    }
    for (h, k, av) in vm.dict_entries_hashed(a) {
        let Some(pos) = vm.dict_find(b, &k, h)? else {
            return Ok(false);
        };
        let Some(bv) = vm.dict_value_at(b, pos) else {
            return Ok(false);
        };
        if !vm.eq(&av, &bv)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn as_dict(v: &Value) -> Option<&PyRef> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Dict(_)) => Some(o),
        _ => None,
    }
}

fn dict_cmp(vm: &mut Vm, args: Args, eq: bool) -> PyResult<Value> {
    let d = self_dict(vm, &args, if eq { "__eq__" } else { "__ne__" })?;
    let other = args.args.get(1).cloned().unwrap_or(Value::None);
    let Some(o) = as_dict(&other) else {
        return Ok(vm.not_implemented());
    };
    Ok(Value::bool(dict_equal(vm, &d, o)? == eq))
}

fn dict_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    dict_cmp(vm, args, true)
}

fn dict_ne(vm: &mut Vm, args: Args) -> PyResult<Value> {
    dict_cmp(vm, args, false)
}

/// `dict_or(left, right)`: both dicts, else NotImplemented.
fn or_impl(vm: &mut Vm, left: &Value, right: &Value) -> PyResult<Value> {
    let (Some(l), Some(_)) = (as_dict(left), as_dict(right)) else {
        return Ok(vm.not_implemented());
    };
    let new = vm.dict_copy_of(l)?;
    dict_update_from(vm, &new, right)?;
    Ok(Value::Obj(new))
}

fn dict_or(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = args.args.first().cloned().unwrap_or(Value::None);
    let b = args.args.get(1).cloned().unwrap_or(Value::None);
    or_impl(vm, &a, &b)
}

fn dict_ror(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = args.args.first().cloned().unwrap_or(Value::None);
    let b = args.args.get(1).cloned().unwrap_or(Value::None);
    or_impl(vm, &b, &a)
}

fn dict_ior(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "__ior__")?;
    let other = args.args.get(1).cloned().unwrap_or(Value::None);
    dict_update_from(vm, &d, &other)?;
    Ok(Value::Obj(d))
}

pub fn install(vm: &mut Vm) {
    let t = vm.types.dict.clone();
    vm.add_methods(
        &t,
        &[
            ("__getitem__", dict_getitem),
            ("__setitem__", dict_setitem),
            ("__delitem__", dict_delitem),
            ("__contains__", dict_contains),
            ("__len__", dict_len),
            ("__iter__", dict_iter),
            ("__reversed__", dict_reversed),
            ("__init__", dict_init),
            ("__or__", dict_or),
            ("__ror__", dict_ror),
            ("__ior__", dict_ior),
            ("__eq__", dict_eq),
            ("__ne__", dict_ne),
            ("get", dict_get),
            ("setdefault", dict_setdefault),
            ("pop", dict_pop),
            ("popitem", dict_popitem),
            ("clear", dict_clear),
            ("copy", dict_copy),
            ("keys", dict_keys),
            ("values", dict_values),
            ("items", dict_items_m),
            ("update", dict_update),
        ],
    );
    vm.add_classmethods(&t, &[("fromkeys", dict_fromkeys)]);
    vm.add_staticmethods(&t, &[("__new__", dict_new)]);
    vm.add_type_attr(&t, "__hash__", Value::None);
}

/// The hash of a key whose hashing runs no Python code (an int or an
/// exact str inline, the other builtin keys through `fast_hash`).
#[inline(always)]
fn native_hash(key: &Value) -> Option<i64> {
    match key {
        // hash(n) == n for 0 <= n < 2**61 - 1 (`_PyHASH_MODULUS`).
        Value::Int(i) if (0..(1i64 << 61) - 1).contains(i) => Some(*i),
        Value::Obj(k) => match &k.payload {
            Payload::Str(s) if k.class_is_static() => Some(s.hash()),
            // Tuples of such keys, classes (`object.__hash__`).
            _ => crate::vm::proto::fast_hash(key),
        },
        _ => crate::vm::proto::fast_hash(key),
    }
}

/// The table of an exact dict (`None` for a subclass, which may define
/// `__missing__` or override the methods).
#[inline(always)]
fn exact_table(d: &Value) -> Option<&RefCell<DictTable>> {
    match d {
        Value::Obj(o) if o.class_is_static() => table(o),
        _ => None,
    }
}

/// The position of `key` (hash `h`) in `tb` when every comparison is
/// decided natively: `Some(found)`, else `None`.
#[inline(always)]
fn find_native(tb: &DictTable, key: &Value, h: i64) -> Option<Option<usize>> {
    // The first comparison that needs Python code ends the lookup: a key
    // after it is found only if that one is unequal.
    tb.find::<()>(h, |k| fast_key_eq(k, key).ok_or(())).ok()
}

/// BINARY_SUBSCR_DICT: `d[key]` for an exact dict holding `key`, when it
/// runs no Python code. `None`: the general path (absent keys raise there).
#[inline]
pub(crate) fn subscr_hit(d: &Value, key: &Value) -> Option<Value> {
    let t = exact_table(d)?;
    let h = native_hash(key)?;
    let tb = t.try_borrow().ok()?;
    let pos = find_native(&tb, key, h)??;
    Some(tb.entry(pos)?.value.clone())
}

/// `key in d` for an exact dict when it runs no Python code.
#[inline]
pub(crate) fn contains_hit(d: &Value, key: &Value) -> Option<bool> {
    let t = exact_table(d)?;
    let h = native_hash(key)?;
    let tb = t.try_borrow().ok()?;
    Some(find_native(&tb, key, h)?.is_some())
}

/// STORE_SUBSCR_DICT: `d[key] = v` for an exact dict when it runs no
/// Python code: the value replaced (`None` for a new key). `Err(v)`: the
/// general path.
#[inline]
pub(crate) fn store_hit(d: &Value, key: &Value, v: Value) -> Result<Value, Value> {
    let (Some(t), Some(h)) = (exact_table(d), native_hash(key)) else {
        return Err(v);
    };
    let Ok(mut tb) = t.try_borrow_mut() else {
        return Err(v);
    };
    match find_native(&tb, key, h) {
        Some(Some(pos)) => match tb.entry_mut(pos) {
            Some(e) => Ok(std::mem::replace(&mut e.value, v)),
            None => Err(v),
        },
        Some(None) => {
            tb.insert_new(h, key.clone(), v);
            Ok(Value::None)
        }
        None => Err(v),
    }
}
