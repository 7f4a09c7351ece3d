//! `set` and `frozenset` objects and their methods.

use std::cell::RefCell;

use super::dicttable::DictTable;
use super::function::Args;
use super::Payload;
use crate::objects::exception::ExcKind;
use crate::vm::proto::CmpOp;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The elements of a set or frozenset, in iteration order.
pub fn set_items(o: &PyRef) -> Vec<Value> {
    match &o.payload {
        Payload::Set(t) => t.borrow().iter().map(|e| e.key.clone()).collect(),
        Payload::FrozenSet(t) => t.iter().map(|e| e.key.clone()).collect(),
        _ => Vec::new(),
    }
}

fn is_anyset(v: &Value) -> bool {
    matches!(v, Value::Obj(o) if matches!(o.payload, Payload::Set(_) | Payload::FrozenSet(_)))
}

pub fn frozenset_contains(vm: &mut Vm, o: &PyRef, item: &Value) -> PyResult<bool> {
    let Payload::FrozenSet(t) = &o.payload else {
        return Ok(false);
    };
    let h = vm.hash(item)?;
    for p in t.candidates(h) {
        if let Some(e) = t.entry(p) {
            let k = e.key.clone();
            if vm.eq(&k, item)? {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

impl Vm {
    /// A new set (or frozenset) from values.
    pub fn new_set_from(&mut self, items: Vec<Value>, frozen: bool) -> PyResult<Value> {
        let mut t = DictTable::new();
        for v in items {
            self.set_table_add(&mut t, v)?;
        }
        Ok(if frozen {
            Value::Obj(self.new_obj(&self.types.frozenset, Payload::FrozenSet(t)))
        } else {
            Value::Obj(self.new_obj(&self.types.set, Payload::Set(RefCell::new(t))))
        })
    }

    /// Add to a mutable set object.
    pub fn set_add(&mut self, s: &PyRef, v: Value) -> PyResult<()> {
        let Payload::Set(t) = &s.payload else {
            return Ok(());
        };
        let mut table = std::mem::take(&mut *t.borrow_mut());
        let r = self.set_table_add(&mut table, v);
        *t.borrow_mut() = table;
        r
    }
}

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

fn self_set(vm: &Vm, args: &Args) -> PyResult<PyRef> {
    match args.args.first() {
        Some(Value::Obj(o)) if matches!(o.payload, Payload::Set(_) | Payload::FrozenSet(_)) => {
            Ok(o.clone())
        }
        _ => Err(vm.type_error("descriptor requires a 'set' object")),
    }
}

fn frozen(o: &PyRef) -> bool {
    matches!(o.payload, Payload::FrozenSet(_))
}

fn set_add_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args)?;
    let a = vm.check_args("set.add", args, 1, 1)?;
    vm.set_add(&s, a[0].clone())?;
    Ok(Value::None)
}

fn set_discard_impl(vm: &mut Vm, args: Args, must: bool) -> PyResult<Value> {
    let s = self_set(vm, &args)?;
    let a = vm.check_args(if must { "set.remove" } else { "set.discard" }, args, 1, 1)?;
    if vm.dict_del(&s, &a[0])?.is_none() && must {
        return Err(vm.key_error(a[0].clone()));
    }
    Ok(Value::None)
}
fn set_discard(vm: &mut Vm, args: Args) -> PyResult<Value> {
    set_discard_impl(vm, args, false)
}
fn set_remove(vm: &mut Vm, args: Args) -> PyResult<Value> {
    set_discard_impl(vm, args, true)
}

fn set_pop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args)?;
    let Payload::Set(t) = &s.payload else {
        return Ok(Value::None);
    };
    let first = t.borrow().iter().next().map(|e| e.key.clone());
    match first {
        Some(k) => {
            vm.dict_del(&s, &k)?;
            Ok(k)
        }
        None => Err(vm.new_error(ExcKind::KeyError, "pop from an empty set")),
    }
}

fn set_clear(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args)?;
    if let Payload::Set(t) = &s.payload {
        let old = std::mem::take(&mut *t.borrow_mut());
        drop(old);
    }
    Ok(Value::None)
}

fn set_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args)?;
    Ok(Value::Int(set_items(&s).len() as i64))
}

fn set_contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = vm.new_set_from(vec![], true)?;
    let _ = s;
    let c = arg(&args, 0);
    Ok(Value::Bool(vm.contains(&c, &arg(&args, 1))?))
}

fn new_like(vm: &mut Vm, like: &PyRef, items: Vec<Value>) -> PyResult<Value> {
    vm.new_set_from(items, frozen(like))
}

fn other_items(vm: &mut Vm, v: &Value) -> PyResult<Vec<Value>> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Set(_) | Payload::FrozenSet(_)) => {
            Ok(set_items(o))
        }
        _ => vm.collect_iter(v),
    }
}

fn contains_in(vm: &mut Vm, set: &Value, item: &Value) -> PyResult<bool> {
    vm.contains(set, item)
}

fn set_union(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args)?;
    let mut items = set_items(&s);
    for o in &args.pos()[1..] {
        items.extend(other_items(vm, o)?);
    }
    new_like(vm, &s, items)
}

fn set_intersection(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args)?;
    let mut items = set_items(&s);
    for o in &args.pos()[1..] {
        let oitems = other_items(vm, o)?;
        let other = vm.new_set_from(oitems, true)?;
        let mut keep = Vec::new();
        for i in items {
            if contains_in(vm, &other, &i)? {
                keep.push(i);
            }
        }
        items = keep;
    }
    new_like(vm, &s, items)
}

fn set_difference(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args)?;
    let mut items = set_items(&s);
    for o in &args.pos()[1..] {
        let oitems = other_items(vm, o)?;
        let other = vm.new_set_from(oitems, true)?;
        let mut keep = Vec::new();
        for i in items {
            if !contains_in(vm, &other, &i)? {
                keep.push(i);
            }
        }
        items = keep;
    }
    new_like(vm, &s, items)
}

fn set_symmetric_difference(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args)?;
    let sv = Value::Obj(s.clone());
    let other_list = other_items(vm, &arg(&args, 1))?;
    let other = vm.new_set_from(other_list.clone(), true)?;
    let mut out = Vec::new();
    for i in set_items(&s) {
        if !contains_in(vm, &other, &i)? {
            out.push(i);
        }
    }
    for i in other_list {
        if !contains_in(vm, &sv, &i)? {
            out.push(i);
        }
    }
    new_like(vm, &s, out)
}

fn binop_guard(
    vm: &mut Vm,
    args: &Args,
    f: fn(&mut Vm, Args) -> PyResult<Value>,
) -> PyResult<Value> {
    if !is_anyset(&arg(args, 1)) {
        return Ok(vm.not_implemented());
    }
    f(
        vm,
        Args {
            args: &args.args[..2.min(args.args.len())],
            kwnames: &[],
        },
    )
}
fn set_or(vm: &mut Vm, args: Args) -> PyResult<Value> {
    binop_guard(vm, &args, set_union)
}
fn set_and(vm: &mut Vm, args: Args) -> PyResult<Value> {
    binop_guard(vm, &args, set_intersection)
}
fn set_sub(vm: &mut Vm, args: Args) -> PyResult<Value> {
    binop_guard(vm, &args, set_difference)
}
fn set_xor(vm: &mut Vm, args: Args) -> PyResult<Value> {
    binop_guard(vm, &args, set_symmetric_difference)
}

fn set_update(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args)?;
    for o in &args.pos()[1..] {
        for i in other_items(vm, o)? {
            vm.set_add(&s, i)?;
        }
    }
    Ok(Value::None)
}

fn inplace(vm: &mut Vm, args: Args, f: fn(&mut Vm, Args) -> PyResult<Value>) -> PyResult<Value> {
    let s = self_set(vm, &args)?;
    if !is_anyset(&arg(&args, 1)) {
        return Ok(vm.not_implemented());
    }
    let r = f(
        vm,
        Args {
            args: &args.args[..2],
            kwnames: &[],
        },
    )?;
    if let (Payload::Set(t), Value::Obj(ro)) = (&s.payload, &r) {
        let items = set_items(ro);
        let mut table = DictTable::new();
        for i in items {
            vm.set_table_add(&mut table, i)?;
        }
        *t.borrow_mut() = table;
    }
    Ok(Value::Obj(s))
}
fn set_ior(vm: &mut Vm, args: Args) -> PyResult<Value> {
    inplace(vm, args, set_union)
}
fn set_iand(vm: &mut Vm, args: Args) -> PyResult<Value> {
    inplace(vm, args, set_intersection)
}
fn set_isub(vm: &mut Vm, args: Args) -> PyResult<Value> {
    inplace(vm, args, set_difference)
}
fn set_ixor(vm: &mut Vm, args: Args) -> PyResult<Value> {
    inplace(vm, args, set_symmetric_difference)
}

fn subset(vm: &mut Vm, a: &[Value], b: &Value) -> PyResult<bool> {
    for i in a {
        if !vm.contains(b, i)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn set_cmp(vm: &mut Vm, args: Args, op: CmpOp) -> PyResult<Value> {
    let s = self_set(vm, &args)?;
    let o = arg(&args, 1);
    let Value::Obj(oo) = &o else {
        return Ok(vm.not_implemented());
    };
    if !is_anyset(&o) {
        return Ok(vm.not_implemented());
    }
    let a = set_items(&s);
    let b = set_items(oo);
    let sv = Value::Obj(s.clone());
    let r = match op {
        CmpOp::Eq => a.len() == b.len() && subset(vm, &a, &o)?,
        CmpOp::Ne => !(a.len() == b.len() && subset(vm, &a, &o)?),
        CmpOp::Le => subset(vm, &a, &o)?,
        CmpOp::Lt => a.len() < b.len() && subset(vm, &a, &o)?,
        CmpOp::Ge => subset(vm, &b, &sv)?,
        CmpOp::Gt => a.len() > b.len() && subset(vm, &b, &sv)?,
    };
    Ok(Value::Bool(r))
}
macro_rules! cmp_methods {
    ($($name:ident, $op:ident;)*) => {
        $( fn $name(vm: &mut Vm, args: Args) -> PyResult<Value> { set_cmp(vm, args, CmpOp::$op) } )*
    };
}
cmp_methods! { set_lt, Lt; set_le, Le; set_eq, Eq; set_ne, Ne; set_gt, Gt; set_ge, Ge; }

fn set_issubset(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args)?;
    let items = other_items(vm, &arg(&args, 1))?;
    let other = vm.new_set_from(items, true)?;
    Ok(Value::Bool(subset(vm, &set_items(&s), &other)?))
}
fn set_issuperset(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args)?;
    let items = other_items(vm, &arg(&args, 1))?;
    Ok(Value::Bool(subset(vm, &items, &Value::Obj(s))?))
}
fn set_isdisjoint(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args)?;
    let sv = Value::Obj(s);
    for i in other_items(vm, &arg(&args, 1))? {
        if vm.contains(&sv, &i)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn set_copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args)?;
    if frozen(&s) && s.class_is(&vm.types.frozenset) {
        return Ok(Value::Obj(s));
    }
    new_like(vm, &s, set_items(&s))
}

fn set_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args)?;
    let len = set_items(&s).len();
    Ok(vm.new_iter(
        &vm.types.set_iterator.clone(),
        crate::objects::iter::IterState::DictKeys {
            dict: s,
            pos: 0,
            len,
        },
    ))
}

fn set_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => vm.types.set.clone(),
    };
    let is_frozen = crate::objects::typeobj::is_subtype(&cls, &vm.types.frozenset);
    let name = if is_frozen { "frozenset" } else { "set" };
    let a = vm.check_args(name, args, 0, 1)?;
    let items = match (a.first(), is_frozen) {
        (Some(v), true) => vm.collect_iter(v)?,
        _ => Vec::new(),
    };
    let mut t = DictTable::new();
    for i in items {
        vm.set_table_add(&mut t, i)?;
    }
    let payload = if is_frozen {
        Payload::FrozenSet(t)
    } else {
        Payload::Set(RefCell::new(t))
    };
    Ok(Value::Obj(vm.new_instance_of(&cls, payload)))
}

fn set_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args)?;
    let a = vm.check_args("set", args, 0, 1)?;
    if let Payload::Set(t) = &s.payload {
        let old = std::mem::take(&mut *t.borrow_mut());
        drop(old);
    }
    if let Some(v) = a.first() {
        for i in vm.collect_iter(v)? {
            vm.set_add(&s, i)?;
        }
    }
    Ok(Value::None)
}

fn frozenset_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args)?;
    let h = vm.hash(&Value::Obj(s))?;
    Ok(Value::Int(h))
}

pub fn install(vm: &mut Vm) {
    let common: &[(&'static str, super::function::NativeFn)] = &[
        ("__len__", set_len),
        ("__contains__", set_contains),
        ("__iter__", set_iter),
        ("__or__", set_or),
        ("__and__", set_and),
        ("__sub__", set_sub),
        ("__xor__", set_xor),
        ("__lt__", set_lt),
        ("__le__", set_le),
        ("__eq__", set_eq),
        ("__ne__", set_ne),
        ("__gt__", set_gt),
        ("__ge__", set_ge),
        ("union", set_union),
        ("intersection", set_intersection),
        ("difference", set_difference),
        ("symmetric_difference", set_symmetric_difference),
        ("issubset", set_issubset),
        ("issuperset", set_issuperset),
        ("isdisjoint", set_isdisjoint),
        ("copy", set_copy),
    ];
    let s = vm.types.set.clone();
    let f = vm.types.frozenset.clone();
    vm.add_methods(&s, common);
    vm.add_methods(&f, common);
    vm.add_methods(
        &s,
        &[
            ("add", set_add_m),
            ("discard", set_discard),
            ("remove", set_remove),
            ("pop", set_pop),
            ("clear", set_clear),
            ("update", set_update),
            ("__ior__", set_ior),
            ("__iand__", set_iand),
            ("__isub__", set_isub),
            ("__ixor__", set_ixor),
            ("__init__", set_init),
        ],
    );
    vm.add_methods(&f, &[("__hash__", frozenset_hash)]);
    vm.add_staticmethods(&s, &[("__new__", set_new)]);
    vm.add_staticmethods(&f, &[("__new__", set_new)]);
    vm.add_type_attr(&s, "__hash__", Value::None);
}
