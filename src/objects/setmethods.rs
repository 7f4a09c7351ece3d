//! The methods of `set` and `frozenset` (Objects/setobject.c's
//! `set_methods` / `frozenset_methods` and number/compare slots), over the
//! table primitives and algorithms of `setobj.rs`.

use crate::vm::value::Truth;
use std::cell::RefCell;

use super::function::{Args, NativeFn};
use super::set::SetTable;
use super::setobj::{
    add_fast, as_anyset, busy, difference, difference_update, discard_fast, exact_dict_keys,
    frozenset_hash, intersection_multi, is_frozen, is_same, is_subset, is_superset, set_cell,
    set_entries, set_len, symmetric_difference, symmetric_difference_update, table_ref, with_taken,
    wrap,
};
use super::Payload;
use crate::objects::exception::ExcKind;
use crate::objects::typeobj::is_subtype;
use crate::vm::proto::CmpOp;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

fn self_set(vm: &Vm, args: &Args, name: &str) -> PyResult<PyRef> {
    match args.args.first() {
        Some(Value::Obj(o)) if matches!(o.payload, Payload::Set(_) | Payload::FrozenSet(_)) => {
            Ok(o.clone())
        }
        other => Err(vm.type_error(format!(
            "descriptor '{name}' for 'set' objects doesn't apply to a '{}' object",
            other.map(|v| vm.type_name_of(v)).unwrap_or_default()
        ))),
    }
}

fn self_mut_set(vm: &Vm, args: &Args, name: &str) -> PyResult<PyRef> {
    match args.args.first() {
        Some(Value::Obj(o)) if matches!(o.payload, Payload::Set(_)) => Ok(o.clone()),
        other => Err(vm.type_error(format!(
            "descriptor '{name}' for 'set' objects doesn't apply to a '{}' object",
            other.map(|v| vm.type_name_of(v)).unwrap_or_default()
        ))),
    }
}

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

fn no_kwargs(vm: &Vm, args: &Args, name: &str) -> PyResult<()> {
    if args.has_kwargs() {
        return Err(vm.type_error(format!("{name}() takes no keyword arguments")));
    }
    Ok(())
}

fn set_add_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if let ([Value::Obj(s), key], false) = (args.args, args.has_kwargs()) {
        if add_fast(s, key).is_some() {
            return Ok(Value::None);
        }
    }
    let s = self_mut_set(vm, &args, "add")?;
    let a = vm.check_args("set.add", args, 1, 1)?;
    vm.set_add(&s, a[0].clone())?;
    Ok(Value::None)
}

fn set_discard_impl(vm: &mut Vm, args: Args, remove: bool) -> PyResult<Value> {
    if let ([Value::Obj(s), key], false) = (args.args, args.has_kwargs()) {
        match discard_fast(s, key) {
            Some(true) => return Ok(Value::None),
            Some(false) if !remove => return Ok(Value::None),
            _ => {}
        }
    }
    let (name, qualname) = if remove {
        ("remove", "set.remove")
    } else {
        ("discard", "set.discard")
    };
    let s = self_mut_set(vm, &args, name)?;
    let a = vm.check_args(qualname, args, 1, 1)?;
    let (h, k) = vm.set_key_hash(&a[0])?;
    if vm.set_discard_entry(&s, h, &k)?.is_none() && remove {
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
    let s = self_mut_set(vm, &args, "pop")?;
    vm.check_args("set.pop", args, 0, 0)?;
    let popped = match set_cell(&s) {
        Some(c) => c.try_borrow_mut().map_err(|_| busy(vm))?.pop(),
        None => None,
    };
    match popped {
        Some((_, k)) => Ok(k),
        None => Err(vm.new_error(ExcKind::KeyError, "pop from an empty set")),
    }
}

/// `set_clear_internal` (the elements are dropped with no borrow held).
fn clear_set(vm: &mut Vm, s: &PyRef) -> PyResult<()> {
    with_taken(vm, s, |_, t| {
        t.clear();
        Ok(())
    })
}

/// `set_swap_bodies` for `intersection_update`: `t` replaces `s`'s table.
fn replace_body(vm: &mut Vm, s: &PyRef, t: SetTable) -> PyResult<()> {
    with_taken(vm, s, |_, old| {
        old.take_body(t);
        Ok(())
    })
}

fn set_clear(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_mut_set(vm, &args, "clear")?;
    vm.check_args("set.clear", args, 0, 0)?;
    clear_set(vm, &s)?;
    Ok(Value::None)
}

fn set_len_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args, "__len__")?;
    Ok(Value::Int(set_len(&s) as i64))
}

fn set_contains_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args, "__contains__")?;
    let a = vm.check_shared_args(set_contains_m, "__contains__", args, 1, 1)?;
    Ok(Value::bool(vm.set_contains(&s, &a[0])?))
}

fn set_copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args, "copy")?;
    vm.check_shared_args(set_copy, "copy", args, 0, 0)?;
    if s.class_is(&vm.types.frozenset) {
        return Ok(Value::Obj(s));
    }
    let t = table_ref(vm, &s)?.copy();
    Ok(wrap(vm, t, is_frozen(&s)))
}

fn set_union(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args, "union")?;
    vm.check_shared_no_kwargs(set_union, "union", &args)?;
    let mut t = table_ref(vm, &s)?.copy();
    for o in args.pos().get(1..).unwrap_or(&[]) {
        if is_same(o, &s) {
            continue;
        }
        vm.set_table_update(&mut t, o)?;
    }
    Ok(wrap(vm, t, is_frozen(&s)))
}

fn set_update_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_mut_set(vm, &args, "update")?;
    no_kwargs(vm, &args, "set.update")?;
    for o in args.pos().get(1..).unwrap_or(&[]) {
        vm.set_update(&s, o)?;
    }
    Ok(Value::None)
}

fn set_intersection(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args, "intersection")?;
    vm.check_shared_no_kwargs(set_intersection, "intersection", &args)?;
    let t = intersection_multi(vm, &s, args.pos().get(1..).unwrap_or(&[]))?;
    Ok(wrap(vm, t, is_frozen(&s)))
}

fn set_intersection_update(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_mut_set(vm, &args, "intersection_update")?;
    no_kwargs(vm, &args, "set.intersection_update")?;
    let t = intersection_multi(vm, &s, args.pos().get(1..).unwrap_or(&[]))?;
    replace_body(vm, &s, t)?;
    Ok(Value::None)
}

fn set_difference(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args, "difference")?;
    vm.check_shared_no_kwargs(set_difference, "difference", &args)?;
    let others = args.pos().get(1..).unwrap_or(&[]);
    let Some((first, rest)) = others.split_first() else {
        let t = table_ref(vm, &s)?.copy();
        return Ok(wrap(vm, t, is_frozen(&s)));
    };
    let mut t = difference(vm, &s, first)?;
    for o in rest {
        difference_update(vm, &mut t, o)?;
    }
    Ok(wrap(vm, t, is_frozen(&s)))
}

/// `set_difference_update_internal(s, other)` on a set object.
fn difference_update_obj(vm: &mut Vm, s: &PyRef, other: &Value) -> PyResult<()> {
    if is_same(other, s) {
        return clear_set(vm, s);
    }
    let other = other.clone();
    with_taken(vm, s, |vm, t| difference_update(vm, t, &other))
}

fn set_difference_update(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_mut_set(vm, &args, "difference_update")?;
    no_kwargs(vm, &args, "set.difference_update")?;
    for o in args.pos().get(1..).unwrap_or(&[]) {
        difference_update_obj(vm, &s, o)?;
    }
    Ok(Value::None)
}

fn set_symmetric_difference(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args, "symmetric_difference")?;
    let a = vm.check_shared_args(set_symmetric_difference, "symmetric_difference", args, 1, 1)?;
    let t = symmetric_difference(vm, &s, &a[0])?;
    Ok(wrap(vm, t, is_frozen(&s)))
}

/// `set_symmetric_difference_update(s, other)` on a set object.
fn symmetric_difference_update_obj(vm: &mut Vm, s: &PyRef, other: &Value) -> PyResult<()> {
    if is_same(other, s) {
        return clear_set(vm, s);
    }
    let other = if as_anyset(other).is_some() || exact_dict_keys(vm, other).is_some() {
        other.clone()
    } else {
        let t = vm.set_table_from(other)?;
        wrap(vm, t, false)
    };
    with_taken(vm, s, |vm, t| symmetric_difference_update(vm, t, &other))
}

fn set_symmetric_difference_update(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_mut_set(vm, &args, "symmetric_difference_update")?;
    let a = vm.check_args("set.symmetric_difference_update", args, 1, 1)?;
    symmetric_difference_update_obj(vm, &s, &a[0])?;
    Ok(Value::None)
}

fn set_issubset(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args, "issubset")?;
    let a = vm.check_shared_args(set_issubset, "issubset", args, 1, 1)?;
    Ok(Value::bool(is_subset(vm, &s, &a[0])?))
}

fn set_issuperset(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args, "issuperset")?;
    let a = vm.check_shared_args(set_issuperset, "issuperset", args, 1, 1)?;
    Ok(Value::bool(is_superset(vm, &s, &a[0])?))
}

fn set_isdisjoint(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args, "isdisjoint")?;
    let a = vm.check_shared_args(set_isdisjoint, "isdisjoint", args, 1, 1)?;
    let other = &a[0];
    if is_same(other, &s) {
        return Ok(Value::bool(set_len(&s) == 0));
    }
    let exact = |vm: &Vm, o: &PyRef| o.class_is(&vm.types.set) || o.class_is(&vm.types.frozenset);
    if let Some(o) = as_anyset(other).filter(|o| exact(vm, o)) {
        let (big, small) = if set_len(o) > set_len(&s) {
            (o.clone(), s.clone())
        } else {
            (s.clone(), o.clone())
        };
        for (h, k) in set_entries(vm, &small)? {
            if vm.set_lookup(&big, h, &k)?.is_some() {
                return Ok(Value::Bool(Truth::False));
            }
        }
        return Ok(Value::Bool(Truth::True));
    }
    let it = vm.iter(other)?;
    while let Some(k) = vm.next(&it)? {
        if vm.set_contains_key(&s, &k)? {
            return Ok(Value::Bool(Truth::False));
        }
    }
    Ok(Value::Bool(Truth::True))
}

/// The binary operators: both operands must be sets; the result's kind
/// follows the left operand.
fn binop(
    vm: &mut Vm,
    left: &Value,
    right: &Value,
    f: fn(&mut Vm, &PyRef, &Value) -> PyResult<SetTable>,
) -> PyResult<Value> {
    let (Some(l), Some(_)) = (as_anyset(left), as_anyset(right)) else {
        return Ok(vm.not_implemented());
    };
    let l = l.clone();
    let t = f(vm, &l, right)?;
    Ok(wrap(vm, t, is_frozen(&l)))
}

fn or_tables(vm: &mut Vm, so: &PyRef, other: &Value) -> PyResult<SetTable> {
    let mut t = table_ref(vm, so)?.copy();
    if !is_same(other, so) {
        vm.set_table_update(&mut t, other)?;
    }
    Ok(t)
}

fn and_tables(vm: &mut Vm, so: &PyRef, other: &Value) -> PyResult<SetTable> {
    intersection_multi(vm, so, std::slice::from_ref(other))
}

macro_rules! binops {
    ($($name:ident, $rname:ident, $f:expr;)*) => {
        $(
            fn $name(vm: &mut Vm, args: Args) -> PyResult<Value> {
                binop(vm, &arg(&args, 0), &arg(&args, 1), $f)
            }
            fn $rname(vm: &mut Vm, args: Args) -> PyResult<Value> {
                binop(vm, &arg(&args, 1), &arg(&args, 0), $f)
            }
        )*
    };
}
binops! {
    set_or, set_ror, or_tables;
    set_and, set_rand, and_tables;
    set_sub, set_rsub, difference;
    set_xor, set_rxor, symmetric_difference;
}

fn inplace(
    vm: &mut Vm,
    args: Args,
    f: fn(&mut Vm, &PyRef, &Value) -> PyResult<()>,
) -> PyResult<Value> {
    let s = self_mut_set(vm, &args, "__ior__")?;
    let other = arg(&args, 1);
    if as_anyset(&other).is_none() {
        return Ok(vm.not_implemented());
    }
    f(vm, &s, &other)?;
    Ok(Value::Obj(s))
}

fn ior(vm: &mut Vm, s: &PyRef, other: &Value) -> PyResult<()> {
    vm.set_update(s, other)
}

fn iand(vm: &mut Vm, s: &PyRef, other: &Value) -> PyResult<()> {
    let t = intersection_multi(vm, s, std::slice::from_ref(other))?;
    replace_body(vm, s, t)
}

fn set_ior(vm: &mut Vm, args: Args) -> PyResult<Value> {
    inplace(vm, args, ior)
}
fn set_iand(vm: &mut Vm, args: Args) -> PyResult<Value> {
    inplace(vm, args, iand)
}
fn set_isub(vm: &mut Vm, args: Args) -> PyResult<Value> {
    inplace(vm, args, difference_update_obj)
}
fn set_ixor(vm: &mut Vm, args: Args) -> PyResult<Value> {
    inplace(vm, args, symmetric_difference_update_obj)
}

/// `set_richcompare`.
fn set_cmp(vm: &mut Vm, args: Args, op: CmpOp) -> PyResult<Value> {
    let s = self_set(vm, &args, op.dunder())?;
    cmp_sets(vm, &s, &arg(&args, 1), op)
}

/// Whether `o` is an exact set or frozenset (no subclass).
fn exact_set(vm: &Vm, o: &PyRef) -> bool {
    o.class_is(&vm.types.set) || o.class_is(&vm.types.frozenset)
}

/// `a op b` with an exact set or frozenset on both sides: CPython's
/// `binary_op1` calls their one `nb_*` slot and returns its answer, so
/// the slot's function runs directly. None: not such operands, or not
/// `|`, `&`, `-`, `^`.
pub(crate) fn exact_binop(
    vm: &mut Vm,
    a: &Value,
    b: &Value,
    op: crate::vm::proto::BinOp,
) -> Option<PyResult<Value>> {
    use crate::vm::proto::BinOp;
    let f: fn(&mut Vm, &PyRef, &Value) -> PyResult<SetTable> = match op {
        BinOp::Or => or_tables,
        BinOp::And => and_tables,
        BinOp::Sub => difference,
        BinOp::Xor => symmetric_difference,
        _ => return None,
    };
    if !(exact_set(vm, as_anyset(a)?) && exact_set(vm, as_anyset(b)?)) {
        return None;
    }
    Some(binop(vm, a, b, f))
}

/// `a op b` comparing an exact set or frozenset with another: CPython's
/// `do_richcompare` takes the left one's `set_richcompare` answer, which
/// is never NotImplemented for two sets. None: not such operands.
pub(crate) fn exact_compare(
    vm: &mut Vm,
    a: &Value,
    b: &Value,
    op: CmpOp,
) -> Option<PyResult<Value>> {
    let s = as_anyset(a)?;
    if !(exact_set(vm, s) && exact_set(vm, as_anyset(b)?)) {
        return None;
    }
    let s = s.clone();
    Some(cmp_sets(vm, &s, b, op))
}

/// `set_richcompare(s, o, op)`.
fn cmp_sets(vm: &mut Vm, s: &PyRef, o: &Value, op: CmpOp) -> PyResult<Value> {
    let s = s.clone();
    let o = o.clone();
    let Some(oo) = as_anyset(&o).cloned() else {
        return Ok(vm.not_implemented());
    };
    let (ls, lo) = (set_len(&s), set_len(&oo));
    let r = match op {
        CmpOp::Eq => ls == lo && is_subset(vm, &s, &o)?,
        CmpOp::Ne => !(ls == lo && is_subset(vm, &s, &o)?),
        CmpOp::Le => is_subset(vm, &s, &o)?,
        CmpOp::Ge => is_superset(vm, &s, &o)?,
        CmpOp::Lt => ls < lo && is_subset(vm, &s, &o)?,
        CmpOp::Gt => ls > lo && is_superset(vm, &s, &o)?,
    };
    Ok(Value::bool(r))
}

macro_rules! cmp_methods {
    ($($name:ident, $op:ident;)*) => {
        $( fn $name(vm: &mut Vm, args: Args) -> PyResult<Value> { set_cmp(vm, args, CmpOp::$op) } )*
    };
}
cmp_methods! { set_lt, Lt; set_le, Le; set_eq, Eq; set_ne, Ne; set_gt, Gt; set_ge, Ge; }

fn set_iter_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args, "__iter__")?;
    Ok(vm.new_set_iter(&s))
}

fn set_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => vm.types.set.clone(),
    };
    if crate::objects::rc::Rc::ptr_eq(&cls, &vm.types.set) {
        // `set.__init__` checks the arguments.
        return Ok(wrap(vm, SetTable::new(), false));
    }
    if !is_subtype(&cls, &vm.types.frozenset) {
        // `set.__init__` checks the arguments.
        let payload = Payload::Set(Box::new(RefCell::new(SetTable::new())));
        return Ok(Value::Obj(vm.new_instance_of(&cls, payload)));
    }
    let exact = crate::objects::rc::Rc::ptr_eq(&cls, &vm.types.frozenset);
    if exact {
        no_kwargs(vm, &args, "frozenset")?;
    }
    let name = vm.type_name(&cls);
    let pos = args.pos().get(1..).unwrap_or(&[]);
    if pos.len() > 1 {
        return Err(vm.type_error(format!(
            "{name} expected at most 1 argument, got {}",
            pos.len()
        )));
    }
    if let (true, Some(Value::Obj(o))) = (exact, pos.first()) {
        if o.class_is(&vm.types.frozenset) {
            return Ok(Value::Obj(o.clone()));
        }
    }
    let t = match pos.first() {
        Some(v) => vm.set_table_from(v)?,
        None => SetTable::new(),
    };
    Ok(Value::Obj(
        vm.new_instance_of(&cls, Payload::FrozenSet(Box::new(t))),
    ))
}

fn set_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_mut_set(vm, &args, "__init__")?;
    no_kwargs(vm, &args, "set")?;
    let pos = args.pos().get(1..).unwrap_or(&[]);
    if pos.len() > 1 {
        let cls = vm.type_of(&Value::Obj(s.clone()));
        let name = vm.type_name(&cls);
        return Err(vm.type_error(format!(
            "{name} expected at most 1 argument, got {}",
            pos.len()
        )));
    }
    if set_cell(&s).is_some_and(|c| c.try_borrow().is_ok_and(|t| t.fill() > 0)) {
        clear_set(vm, &s)?;
    }
    if let Some(v) = pos.first() {
        vm.set_update(&s, v)?;
    }
    Ok(Value::None)
}

fn frozenset_hash_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_set(vm, &args, "__hash__")?;
    let t = table_ref(vm, &s)?;
    let h = frozenset_hash(&t);
    Ok(Value::Int(h))
}

pub fn install(vm: &mut Vm) {
    let common: &[(&'static str, NativeFn)] = &[
        ("__len__", set_len_m),
        ("__contains__", set_contains_m),
        ("__iter__", set_iter_m),
        ("__or__", set_or),
        ("__ror__", set_ror),
        ("__and__", set_and),
        ("__rand__", set_rand),
        ("__sub__", set_sub),
        ("__rsub__", set_rsub),
        ("__xor__", set_xor),
        ("__rxor__", set_rxor),
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
            ("update", set_update_m),
            ("intersection_update", set_intersection_update),
            ("difference_update", set_difference_update),
            (
                "symmetric_difference_update",
                set_symmetric_difference_update,
            ),
            ("__ior__", set_ior),
            ("__iand__", set_iand),
            ("__isub__", set_isub),
            ("__ixor__", set_ixor),
            ("__init__", set_init),
        ],
    );
    vm.add_methods(&f, &[("__hash__", frozenset_hash_m)]);
    vm.add_staticmethods(&s, &[("__new__", set_new)]);
    vm.add_staticmethods(&f, &[("__new__", set_new)]);
    vm.add_type_attr(&s, "__hash__", Value::None);
}
