//! Type-variable parameters of `types.GenericAlias` (`dict[K, list[T]]`)
//! and `types.UnionType` (`int | T`): collecting `__parameters__` and
//! substituting them by subscription (`dict[K, list[T]][str, int]`), as
//! CPython's `_Py_make_parameters` / `_Py_subs_parameters`
//! (Objects/genericaliasobject.c). Also the alias's `__reduce__`,
//! `__unpacked__` and `__typing_unpacked_tuple_args__`.

use super::function::Args;
use super::Payload;
use crate::vm::value::Truth;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

fn is_type(v: &Value) -> bool {
    matches!(v, Value::Obj(o) if matches!(o.payload, Payload::Type(_)))
}

fn tuple_of(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(t) => Some(t.to_vec()),
            _ => None,
        },
        _ => None,
    }
}

/// The stored `__args__` of an alias or union.
fn stored_args(v: &Value) -> Vec<Value> {
    let a = match v {
        Value::Obj(o) => match &o.payload {
            Payload::GenericAlias(p) => p[1].clone(),
            Payload::Union(a) => a.clone(),
            _ => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    tuple_of(&a).unwrap_or_else(|| vec![a])
}

fn position(params: &[Value], v: &Value) -> Option<usize> {
    params.iter().position(|p| p.is(v))
}

/// CPython's `_Py_make_parameters`: the type variables among `args`
/// (objects with `__typing_subst__`) and inside nested aliases, in first-seen
/// order without duplicates.
pub fn make_parameters(vm: &mut Vm, args: &[Value]) -> PyResult<Vec<Value>> {
    let mut params: Vec<Value> = Vec::new();
    for t in args {
        if is_type(t) {
            continue;
        }
        if vm.getattr_opt(t, "__typing_subst__")?.is_some() {
            if position(&params, t).is_none() {
                params.push(t.clone());
            }
            continue;
        }
        if let Some(sub) = vm.getattr_opt(t, "__parameters__")? {
            for p in tuple_of(&sub).unwrap_or_default() {
                if position(&params, &p).is_none() {
                    params.push(p);
                }
            }
        }
    }
    Ok(params)
}

/// `__parameters__` of an alias or union.
pub fn get_parameters(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let args = stored_args(v);
    let params = make_parameters(vm, &args)?;
    Ok(vm.new_tuple(params))
}

/// CPython's `subs_tvars`: substitute inside a nested alias.
fn subs_tvars(vm: &mut Vm, obj: &Value, params: &[Value], items: &[Value]) -> PyResult<Value> {
    let Some(sub) = vm.getattr_opt(obj, "__parameters__")? else {
        return Ok(obj.clone());
    };
    let subparams = tuple_of(&sub).unwrap_or_default();
    if subparams.is_empty() {
        return Ok(obj.clone());
    }
    let subargs: Vec<Value> = subparams
        .iter()
        .map(|p| match position(params, p) {
            Some(i) => items.get(i).cloned().unwrap_or_else(|| p.clone()),
            None => p.clone(),
        })
        .collect();
    let key = vm.new_tuple(subargs);
    vm.getitem(obj, &key)
}

/// CPython's `_Py_subs_parameters`: the new `__args__` after `self[item]`.
pub fn subs_parameters(vm: &mut Vm, this: &Value, item: &Value) -> PyResult<Vec<Value>> {
    let args = stored_args(this);
    let params = make_parameters(vm, &args)?;
    if params.is_empty() {
        let r = vm.repr(this)?;
        return Err(vm.type_error(format!("{r} is not a generic class")));
    }
    let mut item = item.clone();
    for p in &params {
        if let Some(prepare) = vm.getattr_opt(p, "__typing_prepare_subst__")? {
            if prepare.is_none() {
                continue;
            }
            let packed = match tuple_of(&item) {
                Some(_) => item.clone(),
                None => vm.new_tuple_of([item.clone()]),
            };
            item = vm.call(&prepare, &[this.clone(), packed])?;
        }
    }
    let items = tuple_of(&item).unwrap_or_else(|| vec![item.clone()]);
    if items.len() != params.len() {
        let r = vm.repr(this)?;
        let how = if items.len() > params.len() {
            "many"
        } else {
            "few"
        };
        return Err(vm.type_error(format!(
            "Too {how} arguments for {r}; actual {}, expected {}",
            items.len(),
            params.len()
        )));
    }
    let mut out = Vec::with_capacity(args.len());
    for a in &args {
        if is_type(a) {
            out.push(a.clone());
            continue;
        }
        if let Some(subst) = vm.getattr_opt(a, "__typing_subst__")? {
            let i = position(&params, a).unwrap_or(0);
            let v = items.get(i).cloned().unwrap_or(Value::None);
            out.push(vm.call(&subst, &[v])?);
        } else {
            out.push(subs_tvars(vm, a, &params, &items)?);
        }
    }
    Ok(out)
}

/// `alias[item]`: a new alias over the substituted arguments.
pub fn alias_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let this = arg(&args, 0);
    let origin = match &this {
        Value::Obj(o) => match &o.payload {
            Payload::GenericAlias(p) => p[0].clone(),
            _ => return Err(vm.type_error("descriptor requires a 'types.GenericAlias' object")),
        },
        _ => return Err(vm.type_error("descriptor requires a 'types.GenericAlias' object")),
    };
    let new_args = subs_parameters(vm, &this, &arg(&args, 1))?;
    let t = vm.new_tuple(new_args);
    Ok(vm.new_generic_alias(origin, t))
}

/// `(int | T)[str]`: the substituted members or'ed together again.
pub fn union_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let this = arg(&args, 0);
    let new_args = subs_parameters(vm, &this, &arg(&args, 1))?;
    let mut it = new_args.into_iter();
    let Some(mut res) = it.next() else {
        return Ok(vm.new_tuple_of([]));
    };
    for a in it {
        res = vm.binary_op(&res, &a, crate::vm::proto::BinOp::Or, false)?;
    }
    Ok(res)
}

/// `alias.__reduce__()`: `(GenericAlias, (origin, args))`.
pub fn alias_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let this = arg(&args, 0);
    let (origin, a) = match &this {
        Value::Obj(o) => match &o.payload {
            Payload::GenericAlias(p) => (p[0].clone(), p[1].clone()),
            _ => return Err(vm.type_error("descriptor requires a 'types.GenericAlias' object")),
        },
        _ => return Err(vm.type_error("descriptor requires a 'types.GenericAlias' object")),
    };
    let ty = Value::Obj(vm.type_of(&this));
    let inner = vm.new_tuple_of([origin, a]);
    Ok(vm.new_tuple_of([ty, inner]))
}

/// `alias.__unpacked__`: whether it is `*tuple[...]` (never, without
/// starred aliases).
pub fn get_unpacked(_vm: &mut Vm, _v: &Value) -> PyResult<Value> {
    Ok(Value::Bool(Truth::False))
}

/// `alias.__typing_unpacked_tuple_args__`: None unless unpacked.
pub fn get_unpacked_tuple_args(_vm: &mut Vm, _v: &Value) -> PyResult<Value> {
    Ok(Value::None)
}
