//! `dict_keys`, `dict_values` and `dict_items`: the views of a dict
//! (Objects/dictobject.c's `dictview_*`, `dictviews_*`, `dictitems_*`).
//! Keys and items views are set-like: comparisons, `& | - ^` (the result
//! is a set) and `isdisjoint`.

use super::function::{Args, NativeFn};
use super::setobj::as_anyset;
use super::Payload;
use crate::vm::proto::CmpOp;
use crate::vm::value::Truth;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// Which view a view object is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Keys,
    Values,
    Items,
}

fn kind_of(vm: &Vm, o: &PyRef) -> Kind {
    if o.class_is(&vm.types.dict_keys) {
        Kind::Keys
    } else if o.class_is(&vm.types.dict_values) {
        Kind::Values
    } else {
        Kind::Items
    }
}

/// The view and its dict, if `v` is a view.
fn as_view(v: &Value) -> Option<(&PyRef, &PyRef)> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::DictView(d) => Some((o, d)),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `v` is a keys or items view (`PyDictViewSet_Check`).
fn is_view_set(vm: &Vm, v: &Value) -> bool {
    as_view(v).is_some_and(|(o, _)| kind_of(vm, o) != Kind::Values)
}

fn self_view(vm: &Vm, args: &Args) -> PyResult<(PyRef, PyRef)> {
    match args.args.first().and_then(|v| as_view(v)) {
        Some((o, d)) => Ok((o.clone(), d.clone())),
        None => Err(vm.type_error("descriptor requires a dict view")),
    }
}

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

/// `item in view`: keys look the key up; items look up the key of a
/// 2-tuple and compare the value; values compare each value.
pub fn dict_view_contains(vm: &mut Vm, view: &PyRef, d: &PyRef, item: &Value) -> PyResult<bool> {
    match kind_of(vm, view) {
        Kind::Keys => Ok(vm.dict_get(d, item)?.is_some()),
        Kind::Items => {
            let pair = match item {
                Value::Obj(o) => match &o.payload {
                    Payload::Tuple(t) if t.len() == 2 => t.to_vec(),
                    _ => return Ok(false),
                },
                _ => return Ok(false),
            };
            match vm.dict_get(d, &pair[0])? {
                Some(found) => vm.eq(&found, &pair[1]),
                None => Ok(false),
            }
        }
        Kind::Values => {
            for (_, v) in vm.dict_items(d) {
                if vm.eq(&v, item)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
    }
}

fn view_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, d) = self_view(vm, &args)?;
    Ok(Value::Int(vm.dict_len(&d) as i64))
}

fn view_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (o, d) = self_view(vm, &args)?;
    let kind = kind_of(vm, &o) as u8;
    Ok(vm.new_dict_iter(&d, kind))
}

fn view_reversed(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (o, d) = self_view(vm, &args)?;
    let kind = kind_of(vm, &o) as u8;
    Ok(vm.new_dict_iter_dir(&d, kind, true))
}

fn view_contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (o, d) = self_view(vm, &args)?;
    Ok(Value::bool(dict_view_contains(vm, &o, &d, &arg(&args, 1))?))
}

fn view_mapping(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match as_view(v) {
        Some((_, d)) => Ok(Value::Obj(vm.new_obj(
            &vm.types.mappingproxy,
            Payload::MappingProxy(Value::Obj(d.clone())),
        ))),
        None => Err(vm.type_error("descriptor requires a dict view")),
    }
}

/// `all_contained_in(a, b)`: every item of `a` is in `b`.
fn all_contained_in(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<bool> {
    let it = vm.iter(a)?;
    while let Some(x) = vm.next(&it)? {
        if !vm.contains(b, &x)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `dictview_richcompare`.
fn view_cmp(vm: &mut Vm, args: Args, op: CmpOp) -> PyResult<Value> {
    let this = arg(&args, 0);
    let other = arg(&args, 1);
    if as_anyset(&other).is_none() && !is_view_set(vm, &other) {
        return Ok(vm.not_implemented());
    }
    let ls = vm.len(&this)?;
    let lo = vm.len(&other)?;
    let r = match op {
        CmpOp::Eq | CmpOp::Ne => {
            let ok = ls == lo && all_contained_in(vm, &this, &other)?;
            ok == (op == CmpOp::Eq)
        }
        CmpOp::Lt => ls < lo && all_contained_in(vm, &this, &other)?,
        CmpOp::Le => ls <= lo && all_contained_in(vm, &this, &other)?,
        CmpOp::Gt => ls > lo && all_contained_in(vm, &other, &this)?,
        CmpOp::Ge => ls >= lo && all_contained_in(vm, &other, &this)?,
    };
    Ok(Value::bool(r))
}

macro_rules! cmp_methods {
    ($($name:ident, $op:ident;)*) => {
        $( fn $name(vm: &mut Vm, args: Args) -> PyResult<Value> { view_cmp(vm, args, CmpOp::$op) } )*
    };
}
cmp_methods! { view_lt, Lt; view_le, Le; view_eq, Eq; view_ne, Ne; view_gt, Gt; view_ge, Ge; }

/// `dictviews_to_set`: a new set of the left operand's items (a keys
/// view of an exact dict is read through the dict).
fn to_set(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let src = match as_view(v) {
        Some((o, d)) if kind_of(vm, o) == Kind::Keys && d.class_is(&vm.types.dict) => {
            Value::Obj(d.clone())
        }
        _ => v.clone(),
    };
    let set = vm.types.set.clone();
    vm.call(&Value::Obj(set), &[src])
}

fn call_set_method(vm: &mut Vm, set: &Value, name: &str, other: &Value) -> PyResult<()> {
    vm.call_method(set, name, std::slice::from_ref(other))?;
    Ok(())
}

fn views_sub(vm: &mut Vm, left: &Value, right: &Value) -> PyResult<Value> {
    let r = to_set(vm, left)?;
    call_set_method(vm, &r, "difference_update", right)?;
    Ok(r)
}

fn views_or(vm: &mut Vm, left: &Value, right: &Value) -> PyResult<Value> {
    let r = to_set(vm, left)?;
    call_set_method(vm, &r, "update", right)?;
    Ok(r)
}

/// `_PyDictView_Intersect`.
fn views_and(vm: &mut Vm, left: &Value, right: &Value) -> PyResult<Value> {
    let (mut this, mut other) = (left.clone(), right.clone());
    if !is_view_set(vm, &this) {
        std::mem::swap(&mut this, &mut other);
    }
    let len_self = vm.len(&this)?;
    if let Value::Obj(o) = &other {
        if o.class_is(&vm.types.set) && len_self <= vm.len(&other)? {
            return vm.call_method(&other, "intersection", std::slice::from_ref(&this));
        }
    }
    if is_view_set(vm, &other) && vm.len(&other)? > len_self {
        std::mem::swap(&mut this, &mut other);
    }
    let result = vm.new_set_from(Vec::new(), false)?;
    let Value::Obj(rs) = &result else {
        return Ok(result);
    };
    let Some((view, d)) = as_view(&this).map(|(o, d)| (o.clone(), d.clone())) else {
        return Ok(result);
    };
    let it = vm.iter(&other)?;
    while let Some(x) = vm.next(&it)? {
        if dict_view_contains(vm, &view, &d, &x)? {
            vm.set_add(rs, x)?;
        }
    }
    Ok(result)
}

/// `dictitems_xor` (both operands items views).
fn items_xor(vm: &mut Vm, d1: &PyRef, d2: &PyRef) -> PyResult<Value> {
    let temp = vm.dict_copy_of(d1)?;
    let result = vm.new_set_from(Vec::new(), false)?;
    let Value::Obj(rs) = &result else {
        return Ok(result);
    };
    for (h, key, val2) in vm.dict_entries_hashed(d2) {
        let to_delete = match vm.dict_find(&temp, &key, h)? {
            Some(pos) => match vm.dict_value_at(&temp, pos) {
                Some(val1) => vm.eq(&val1, &val2)?,
                None => false,
            },
            None => false,
        };
        if to_delete {
            vm.dict_del(&temp, &key)?;
        } else {
            let pair = vm.new_tuple_of([key, val2]);
            vm.set_add(rs, pair)?;
        }
    }
    let items = vm.call_method(&Value::Obj(temp), "items", &[])?;
    vm.set_update(rs, &items)?;
    Ok(result)
}

fn views_xor(vm: &mut Vm, left: &Value, right: &Value) -> PyResult<Value> {
    if let (Some((lo, ld)), Some((ro, rd))) = (as_view(left), as_view(right)) {
        if kind_of(vm, lo) == Kind::Items && kind_of(vm, ro) == Kind::Items {
            let (ld, rd) = (ld.clone(), rd.clone());
            return items_xor(vm, &ld, &rd);
        }
    }
    let r = to_set(vm, left)?;
    call_set_method(vm, &r, "symmetric_difference_update", right)?;
    Ok(r)
}

macro_rules! binops {
    ($($name:ident, $rname:ident, $f:ident;)*) => {
        $(
            fn $name(vm: &mut Vm, args: Args) -> PyResult<Value> {
                $f(vm, &arg(&args, 0), &arg(&args, 1))
            }
            fn $rname(vm: &mut Vm, args: Args) -> PyResult<Value> {
                $f(vm, &arg(&args, 1), &arg(&args, 0))
            }
        )*
    };
}
binops! {
    view_sub, view_rsub, views_sub;
    view_or, view_ror, views_or;
    view_and, view_rand, views_and;
    view_xor, view_rxor, views_xor;
}

/// `dictviews_isdisjoint`.
fn view_isdisjoint(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("isdisjoint", args, 1, 1)?;
    let mut this = arg(&args, 0);
    let mut other = a[0].clone();
    if this.is(&other) {
        return Ok(Value::bool(vm.len(&this)? == 0));
    }
    if as_anyset(&other).is_some() || is_view_set(vm, &other) {
        let len_self = vm.len(&this)?;
        let len_other = vm.len(&other)?;
        if len_other > len_self {
            std::mem::swap(&mut this, &mut other);
        }
    }
    let it = vm.iter(&other)?;
    while let Some(x) = vm.next(&it)? {
        if vm.contains(&this, &x)? {
            return Ok(Value::Bool(Truth::False));
        }
    }
    Ok(Value::Bool(Truth::True))
}

pub fn install(vm: &mut Vm) {
    let common: &[(&'static str, NativeFn)] = &[
        ("__len__", view_len),
        ("__iter__", view_iter),
        ("__reversed__", view_reversed),
    ];
    let setlike: &[(&'static str, NativeFn)] = &[
        ("__contains__", view_contains),
        ("__lt__", view_lt),
        ("__le__", view_le),
        ("__eq__", view_eq),
        ("__ne__", view_ne),
        ("__gt__", view_gt),
        ("__ge__", view_ge),
        ("__sub__", view_sub),
        ("__rsub__", view_rsub),
        ("__or__", view_or),
        ("__ror__", view_ror),
        ("__and__", view_and),
        ("__rand__", view_rand),
        ("__xor__", view_xor),
        ("__rxor__", view_rxor),
        ("isdisjoint", view_isdisjoint),
    ];
    for t in [
        vm.types.dict_keys.clone(),
        vm.types.dict_values.clone(),
        vm.types.dict_items.clone(),
    ] {
        vm.add_methods(&t, common);
        vm.add_getsets(&t, &[("mapping", view_mapping, None)]);
    }
    for t in [vm.types.dict_keys.clone(), vm.types.dict_items.clone()] {
        vm.add_methods(&t, setlike);
        vm.add_type_attr(&t, "__hash__", Value::None);
    }
}
