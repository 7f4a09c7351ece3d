//! The pickler's memo (`PyMemoTable`: object identity → memo index,
//! holding the object so its identity stays unique) and the memo proxies'
//! native parts (`copy`, `clear`, assignment) for both memos.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::{margs, pstate, ustate};
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

/// A hasher for object addresses (one multiply).
#[derive(Default)]
pub struct PtrHasher(u64);

impl Hasher for PtrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = ((n as u64) >> 4).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Object address → (memo index, the object).
#[derive(Default)]
pub struct Memo {
    map: HashMap<usize, (u32, Value), BuildHasherDefault<PtrHasher>>,
}

impl Memo {
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    #[inline]
    pub fn get(&self, key: usize) -> Option<u32> {
        self.map.get(&key).map(|e| e.0)
    }

    #[inline]
    pub fn set(&mut self, key: usize, idx: u32, obj: Value) {
        self.map.insert(key, (idx, obj));
    }

    pub fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        self.map.values().for_each(|(_, v)| visit(v));
    }

    pub fn drain_into(&mut self, out: &mut Vec<Value>) {
        out.extend(self.map.drain().map(|(_, (_, v))| v));
    }

    pub fn take(&mut self) -> Memo {
        std::mem::take(self)
    }

    pub fn capacity(&self) -> usize {
        self.map.capacity()
    }

    fn entries(&self) -> Vec<(usize, u32, Value)> {
        self.map
            .iter()
            .map(|(k, (i, v))| (*k, *i, v.clone()))
            .collect()
    }
}

/// `_memo_copy(state)`: `PicklerMemoProxy.copy()`, a dict
/// `{id(obj): (index, obj)}`.
pub fn memo_copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, a) = margs(vm, &args, 1)?;
    let entries = pstate(vm, &a[0])?.memo.borrow().entries();
    let d = vm.new_dict();
    for (k, i, v) in entries {
        let t = vm.new_tuple_of([Value::Int(i64::from(i)), v]);
        vm.dict_set(&d, Value::Int(k as i64), t)?;
    }
    Ok(Value::Obj(d))
}

/// `_memo_clear(state)`: `Pickler.clear_memo()`.
pub fn memo_clear(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, a) = margs(vm, &args, 1)?;
    let old = pstate(vm, &a[0])?.memo.borrow_mut().take();
    drop(old);
    Ok(Value::None)
}

/// `_memo_set(state, dict)`: `Pickler.memo = {id: (index, obj)}`.
pub fn memo_set(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, a) = margs(vm, &args, 2)?;
    let Value::Obj(d) = &a[1] else {
        return Err(memo_type_error(vm, &a[1]));
    };
    if !matches!(d.payload, Payload::Dict(_)) {
        return Err(memo_type_error(vm, &a[1]));
    }
    let mut memo = Memo::default();
    for (_, v) in vm.dict_items(d) {
        let pair = match &v {
            Value::Obj(t) => match &t.payload {
                Payload::Tuple(items) if items.len() == 2 => Some(items.clone()),
                _ => None,
            },
            _ => None,
        };
        let Some(pair) = pair else {
            return Err(vm.type_error("'memo' values must be 2-item tuples"));
        };
        let idx = crate::modules::binargs::ssize_arg(vm, &pair[0])?;
        if let Value::Obj(o) = &pair[1] {
            memo.set(super::ident(o), idx as u32, pair[1].clone());
        }
    }
    let old = std::mem::replace(&mut *pstate(vm, &a[0])?.memo.borrow_mut(), memo);
    drop(old);
    Ok(Value::None)
}

fn memo_type_error(vm: &Vm, v: &Value) -> crate::vm::PyErr {
    vm.type_error(format!(
        "'memo' attribute must be a PicklerMemoProxy object or dict, not {}",
        vm.type_name_of(v)
    ))
}

/// `_umemo_copy(state)`: `UnpicklerMemoProxy.copy()`, `{index: obj}`.
pub fn umemo_copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, a) = margs(vm, &args, 1)?;
    let items: Vec<Value> = ustate(vm, &a[0])?.memo.borrow().clone();
    let d = vm.new_dict();
    for (i, v) in items.into_iter().enumerate() {
        if !matches!(v, Value::Null) {
            vm.dict_set(&d, Value::Int(i as i64), v)?;
        }
    }
    Ok(Value::Obj(d))
}

/// `_umemo_clear(state)`.
pub fn umemo_clear(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, a) = margs(vm, &args, 1)?;
    let old = std::mem::take(&mut *ustate(vm, &a[0])?.memo.borrow_mut());
    drop(old);
    Ok(Value::None)
}

/// `_umemo_set(state, dict)`: `Unpickler.memo = {index: obj}`.
pub fn umemo_set(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, a) = margs(vm, &args, 2)?;
    let Value::Obj(d) = &a[1] else {
        return Err(umemo_type_error(vm, &a[1]));
    };
    if !matches!(d.payload, Payload::Dict(_)) {
        return Err(umemo_type_error(vm, &a[1]));
    }
    let mut memo: Vec<Value> = Vec::new();
    for (k, v) in vm.dict_items(d) {
        let Value::Int(i) = k else {
            return Err(vm.type_error("memo key must be integers"));
        };
        if i < 0 {
            return Err(vm.value_error("memo key must be positive integers."));
        }
        let i = i as usize;
        if memo.len() <= i {
            memo.resize(i + 1, Value::Null);
        }
        if let Some(slot) = memo.get_mut(i) {
            *slot = v;
        }
    }
    let old = std::mem::replace(&mut *ustate(vm, &a[0])?.memo.borrow_mut(), memo);
    drop(old);
    Ok(Value::None)
}

fn umemo_type_error(vm: &Vm, v: &Value) -> crate::vm::PyErr {
    vm.type_error(format!(
        "'memo' attribute must be an UnpicklerMemoProxy object or dict, not {}",
        vm.type_name_of(v)
    ))
}
