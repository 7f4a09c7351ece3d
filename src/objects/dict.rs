//! `dict` objects: lookups with Python hashing and equality over the
//! compact table of `dicttable.rs`, and the type's methods.

use std::cell::RefCell;

use super::dicttable::DictTable;
use super::function::Args;
use super::Payload;
use crate::objects::exception::ExcKind;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// Equality of two keys when it needs no Python code: `Some(result)`.
pub fn fast_key_eq(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x == y),
        (Value::Float(x), Value::Float(y)) => Some(x == y),
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => {
            Some((*x as f64) == *y && (*y as i64) == *x)
        }
        (Value::Bool(x), Value::Bool(y)) => Some(x == y),
        (Value::Bool(x), Value::Int(y)) | (Value::Int(y), Value::Bool(x)) => Some(*x as i64 == *y),
        (Value::None, Value::None) => Some(true),
        (Value::Obj(x), Value::Obj(y)) => {
            if std::rc::Rc::ptr_eq(x, y) {
                return Some(true);
            }
            match (&x.payload, &y.payload) {
                (Payload::Str(s), Payload::Str(t)) => Some(s.as_str() == t.as_str()),
                (Payload::Bytes(s), Payload::Bytes(t)) => Some(s == t),
                _ => None,
            }
        }
        (Value::Obj(o), _) | (_, Value::Obj(o)) => match &o.payload {
            Payload::Str(_) | Payload::Bytes(_) | Payload::Tuple(_) => Some(false),
            _ => None,
        },
        _ => Some(false),
    }
}

fn table(d: &PyRef) -> Option<&RefCell<DictTable>> {
    match &d.payload {
        Payload::Dict(t) | Payload::Set(t) => Some(t),
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
        let Payload::Str(s) = &key.payload else {
            return Ok(None);
        };
        let h = s.hash();
        let k = Value::Obj(key.clone());
        let Some(t) = table(d) else {
            return Ok(None);
        };
        let tb = t.borrow();
        let pos = tb
            .find::<()>(h, |x| Ok(fast_key_eq(x, &k).unwrap_or(false)))
            .unwrap_or(None);
        Ok(pos.and_then(|p| tb.entry(p).map(|e| e.value.clone())))
    }

    pub fn dict_get_by_str_nocall(&self, d: &PyRef, key: &str) -> Option<Value> {
        let k = self.new_str(key);
        match &k {
            Value::Obj(r) => self.dict_get_str_nocall(d, r).ok().flatten(),
            _ => None,
        }
    }

    pub fn dict_set(&mut self, d: &PyRef, key: Value, value: Value) -> PyResult<()> {
        let h = self.hash(&key)?;
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

    /// Remove a key; the removed value, or None if absent.
    pub fn dict_del(&mut self, d: &PyRef, key: &Value) -> PyResult<Option<Value>> {
        let h = self.hash(key)?;
        let pos = self.dict_find(d, key, h)?;
        let Some(t) = table(d) else {
            return Ok(None);
        };
        let removed = pos.and_then(|p| t.borrow_mut().remove_at(p));
        Ok(removed.map(|e| e.value))
    }

    /// Add a key to a set table (values unused).
    pub fn set_table_add(&mut self, t: &mut DictTable, key: Value) -> PyResult<()> {
        let h = self.hash(&key)?;
        let exists = match t.find(h, |k| fast_key_eq(k, &key).ok_or(NeedSlow)) {
            Ok(p) => p.is_some(),
            Err(NeedSlow) => {
                let cands: Vec<Value> = t
                    .candidates(h)
                    .into_iter()
                    .filter_map(|p| t.entry(p).map(|e| e.key.clone()))
                    .collect();
                let mut found = false;
                for k in cands {
                    if self.eq(&k, &key)? {
                        found = true;
                        break;
                    }
                }
                found
            }
        };
        if !exists {
            t.insert_new(h, key, Value::None);
        }
        Ok(())
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
    let key = args.args.get(1).cloned().unwrap_or(Value::None);
    match vm.dict_get(&d, &key)? {
        Some(v) => Ok(v),
        None => {
            // A dict subclass may define __missing__.
            let ty = vm.type_of(&Value::Obj(d.clone()));
            if !std::rc::Rc::ptr_eq(&ty, &vm.types.dict) {
                if let Some(m) = vm.type_lookup_str(&ty, "__missing__") {
                    return vm.call(&m, &[Value::Obj(d), key]);
                }
            }
            Err(vm.key_error(key))
        }
    }
}

fn dict_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "get")?;
    let a = vm.check_args("get", args, 1, 2)?;
    let default = a.get(1).cloned().unwrap_or(Value::None);
    Ok(vm.dict_get(&d, &a[0])?.unwrap_or(default))
}

fn dict_setdefault(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "setdefault")?;
    let a = vm.check_args("setdefault", args, 1, 2)?;
    let default = a.get(1).cloned().unwrap_or(Value::None);
    if let Some(v) = vm.dict_get(&d, &a[0])? {
        return Ok(v);
    }
    vm.dict_set(&d, a[0].clone(), default.clone())?;
    Ok(default)
}

fn dict_pop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "pop")?;
    let a = vm.check_args("pop", args, 1, 2)?;
    match vm.dict_del(&d, &a[0])? {
        Some(v) => Ok(v),
        None => match a.get(1) {
            Some(def) => Ok(def.clone()),
            None => Err(vm.key_error(a[0].clone())),
        },
    }
}

fn dict_popitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "popitem")?;
    vm.check_args("popitem", args, 0, 0)?;
    let e = table(&d).and_then(|t| t.borrow_mut().pop_last());
    match e {
        Some(e) => Ok(vm.new_tuple(vec![e.key, e.value])),
        None => Err(vm.new_error(ExcKind::KeyError, "popitem(): dictionary is empty")),
    }
}

fn dict_clear(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "clear")?;
    let old = table(&d).map(|t| std::mem::take(&mut *t.borrow_mut()));
    drop(old);
    Ok(Value::None)
}

fn dict_copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "copy")?;
    let t = table(&d).map(|t| t.borrow().clone()).unwrap_or_default();
    Ok(Value::Obj(
        vm.new_obj(&vm.types.dict, Payload::Dict(RefCell::new(t))),
    ))
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
    dict_view(vm, args, 0)
}
fn dict_values(vm: &mut Vm, args: Args) -> PyResult<Value> {
    dict_view(vm, args, 1)
}
fn dict_items_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    dict_view(vm, args, 2)
}

/// `d.update(other)` semantics shared by `dict()`, `update` and `|=`.
pub fn dict_update_from(vm: &mut Vm, d: &PyRef, other: &Value) -> PyResult<()> {
    if let Value::Obj(o) = other {
        if matches!(o.payload, Payload::Dict(_)) {
            for (k, v) in vm.dict_items(o) {
                vm.dict_set(d, k, v)?;
            }
            return Ok(());
        }
    }
    if vm.getattr_opt(other, "keys")?.is_some() {
        let keys = vm.call_method(other, "keys", &[])?;
        for k in vm.collect_iter(&keys)? {
            let v = vm.getitem(other, &k)?;
            vm.dict_set(d, k, v)?;
        }
        return Ok(());
    }
    for (i, item) in vm.collect_iter(other)?.into_iter().enumerate() {
        let pair = vm.collect_iter(&item).map_err(|e| {
            if vm.err_is(&e, ExcKind::TypeError) {
                vm.type_error(format!(
                    "cannot convert dictionary update sequence element #{i} to a sequence"
                ))
            } else {
                e
            }
        })?;
        if pair.len() != 2 {
            return Err(vm.value_error(format!(
                "dictionary update sequence element #{i} has length {}; 2 is required",
                pair.len()
            )));
        }
        let mut it = pair.into_iter();
        if let (Some(k), Some(v)) = (it.next(), it.next()) {
            vm.dict_set(d, k, v)?;
        }
    }
    Ok(())
}

fn dict_update(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "update")?;
    let pos = &args.pos()[1..];
    if pos.len() > 1 {
        return Err(vm.type_error(format!(
            "update expected at most 1 argument, got {}",
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

fn dict_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = args.pos();
    if pos.len() > 2 {
        return Err(vm.type_error(format!(
            "dict expected at most 1 argument, got {}",
            pos.len() - 1
        )));
    }
    dict_update(vm, args)
}

fn dict_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => vm.types.dict.clone(),
    };
    Ok(Value::Obj(vm.new_instance_of(
        &cls,
        Payload::Dict(RefCell::new(DictTable::new())),
    )))
}

fn dict_fromkeys(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("fromkeys", args, 1, 2)?;
    let value = a.get(1).cloned().unwrap_or(Value::None);
    let d = vm.new_dict();
    for k in vm.collect_iter(&a[0])? {
        vm.dict_set(&d, k, value.clone())?;
    }
    Ok(Value::Obj(d))
}

fn dict_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "__len__")?;
    Ok(Value::Int(vm.dict_len(&d) as i64))
}

fn dict_contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "__contains__")?;
    let key = args.args.get(1).cloned().unwrap_or(Value::None);
    Ok(Value::Bool(vm.dict_get(&d, &key)?.is_some()))
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
    let keys: Vec<Value> = vm
        .dict_items(&d)
        .into_iter()
        .rev()
        .map(|(k, _)| k)
        .collect();
    let l = vm.new_list(keys);
    vm.iter(&l)
}

fn dict_or(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_dict(vm, &args, "__or__")?;
    let other = args.args.get(1).cloned().unwrap_or(Value::None);
    if !matches!(&other, Value::Obj(o) if matches!(o.payload, Payload::Dict(_))) {
        return Ok(vm.not_implemented());
    }
    let t = table(&d).map(|t| t.borrow().clone()).unwrap_or_default();
    let new = vm.new_obj(&vm.types.dict, Payload::Dict(RefCell::new(t)));
    dict_update_from(vm, &new, &other)?;
    Ok(Value::Obj(new))
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
            ("__ior__", dict_ior),
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
