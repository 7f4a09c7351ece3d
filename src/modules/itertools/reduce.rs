//! Pickling and copying of the single-input itertools (CPython 3.11's
//! `__reduce__`/`__setstate__` of count, repeat, cycle, chain, accumulate,
//! compress, dropwhile, takewhile, filterfalse, starmap, islice, product,
//! combinations, combinations_with_replacement and permutations), what
//! `pickle.dumps` and `copy.copy` call. The other itertools raise
//! "cannot pickle" as before.

use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::value::Truth;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

use super::clinic::self_arg;
use super::{it_obj, registered_type, St};

fn cannot_pickle(vm: &Vm, s: &Value) -> crate::vm::PyErr {
    let name = vm.type_name_of(s);
    vm.type_error(format!("cannot pickle '{name}' object"))
}

fn int_of(n: usize) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// `__reduce__` of an itertools iterator.
pub fn it_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_arg(&args);
    let cls = Value::Obj(vm.type_of(&s));
    // (constructor args, state) copied out of the borrow.
    enum R {
        Args(Vec<Value>),
        State(Vec<Value>, Value),
        CycleDone(Vec<Value>, usize),
        AccChain(Value, Value, Value),
        No,
    }
    let r = {
        let o = it_obj(vm, &s)?;
        let st = o.st.borrow();
        match &*st {
            St::Count { cur, step } => match (cur, step) {
                (Value::Int(_), Value::Int(1)) => R::Args(vec![cur.clone()]),
                _ => R::Args(vec![cur.clone(), step.clone()]),
            },
            St::Repeat { obj, left } => match left {
                Some(n) => R::Args(vec![obj.clone(), Value::Int(*n)]),
                None => R::Args(vec![obj.clone()]),
            },
            St::Cycle {
                it: Some(it),
                saved,
                firstpass,
                ..
            } => {
                let saved = vm.new_list(saved.clone());
                let state = vm.new_tuple_of([saved, Value::bool(!*firstpass)]);
                R::State(vec![it.clone()], state)
            }
            St::Cycle {
                it: None,
                saved,
                idx,
                ..
            } => R::CycleDone(saved.clone(), *idx),
            St::Chain { source, active } => {
                let mut state = Vec::new();
                if let Some(src) = source {
                    state.push(src.clone());
                    state.extend(active.iter().cloned());
                }
                if state.is_empty() {
                    R::Args(vec![])
                } else {
                    let t = vm.new_tuple(state);
                    R::State(vec![], t)
                }
            }
            St::Accumulate {
                it,
                func,
                total,
                initial,
            } => match (initial, total) {
                (Some(init), _) => R::AccChain(init.clone(), it.clone(), func.clone()),
                (None, total) => R::State(
                    vec![it.clone(), func.clone()],
                    total.clone().unwrap_or(Value::None),
                ),
            },
            St::Compress { data, selectors } => R::Args(vec![data.clone(), selectors.clone()]),
            St::DropWhile { pred, it, dropped } => R::State(
                vec![pred.clone(), it.clone()],
                Value::Int(i64::from(*dropped)),
            ),
            St::TakeWhile { pred, it, stopped } => R::State(
                vec![pred.clone(), it.clone()],
                Value::Int(i64::from(*stopped)),
            ),
            St::FilterFalse { func, it } | St::Starmap { func, it } => {
                R::Args(vec![func.clone(), it.clone()])
            }
            St::Islice {
                it: Some(it),
                next,
                stop,
                step,
                cnt,
            } => R::State(
                vec![
                    it.clone(),
                    int_of(*next),
                    stop.map_or(Value::None, int_of),
                    int_of(*step),
                ],
                int_of(*cnt),
            ),
            St::Islice { it: None, .. } => R::No,
            other => match super::combinatoric::reduce_parts(vm, other) {
                Some((a, Some(state))) => R::State(a, state),
                Some((a, None)) => R::Args(a),
                None => return Err(cannot_pickle(vm, &s)),
            },
        }
    };
    let out = match r {
        R::Args(a) => {
            let a = vm.new_tuple(a);
            vec![cls, a]
        }
        R::State(a, state) => {
            let a = vm.new_tuple(a);
            vec![cls, a, state]
        }
        R::CycleDone(saved, idx) => {
            let saved = vm.new_list(saved);
            let it = vm.iter(&saved)?;
            if idx != 0 {
                vm.call_method(&it, "__setstate__", &[int_of(idx)])?;
            }
            let a = vm.new_tuple_of([it]);
            let state = vm.new_tuple_of([saved, Value::Bool(Truth::True)]);
            vec![cls, a, state]
        }
        R::AccChain(init, it, func) => {
            let chain = Value::Obj(registered_type(vm, "chain")?);
            let first = vm.new_tuple_of([init]);
            let src = vm.call(&chain, &[first, it])?;
            let a = vm.new_tuple_of([src, func]);
            vec![cls, a, Value::None]
        }
        R::No => {
            // An exhausted islice: CPython rebuilds it over an empty list.
            let empty = vm.new_list(vec![]);
            let it = vm.iter(&empty)?;
            let a = vm.new_tuple_of([it, Value::Int(0)]);
            vec![cls, a, Value::Int(0)]
        }
    };
    Ok(vm.new_tuple(out))
}

fn state_tuple(vm: &Vm, v: &Value) -> PyResult<Vec<Value>> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(t) => Ok(t.to_vec()),
            _ => Err(vm.type_error("state is not a tuple")),
        },
        _ => Err(vm.type_error("state is not a tuple")),
    }
}

fn is_iterator(vm: &mut Vm, v: &Value) -> bool {
    vm.getattr_str(v, "__next__").is_ok()
}

/// `__setstate__` of an itertools iterator.
pub fn it_setstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_arg(&args);
    let Some(state) = args.args.get(1).cloned() else {
        return Err(vm.type_error("__setstate__() takes exactly one argument (0 given)"));
    };
    enum K {
        Cycle,
        Chain,
        Acc,
        Flag,
        Islice,
        Comb,
        No,
    }
    let kind = match &*it_obj(vm, &s)?.st.borrow() {
        St::Cycle { .. } => K::Cycle,
        St::Chain { .. } => K::Chain,
        St::Accumulate { .. } => K::Acc,
        St::DropWhile { .. } | St::TakeWhile { .. } => K::Flag,
        St::Islice { .. } => K::Islice,
        St::Product(_) | St::Combinations(_) | St::CombWithRepl(_) | St::Permutations(_) => K::Comb,
        _ => K::No,
    };
    match kind {
        K::Cycle => {
            let t = state_tuple(vm, &state)?;
            let (saved, first) = match t.as_slice() {
                [Value::Obj(l), f] if matches!(l.payload, Payload::List(_)) => {
                    let items = vm.seq_items(&t[0]).unwrap_or_default();
                    (items, vm.truthy(f)?)
                }
                _ => return Err(vm.type_error("state is not a (list, int) pair")),
            };
            if let St::Cycle {
                saved: sv,
                firstpass,
                idx,
                ..
            } = &mut *it_obj(vm, &s)?.st.borrow_mut()
            {
                *sv = saved;
                *firstpass = !first;
                *idx = 0;
            }
        }
        K::Chain => {
            let t = state_tuple(vm, &state)?;
            if t.is_empty() || t.len() > 2 {
                return Err(vm.type_error(format!(
                    "function takes at {} 1 argument{} ({} given)",
                    if t.is_empty() { "least" } else { "most" },
                    if t.is_empty() { "" } else { "s" },
                    t.len()
                )));
            }
            for x in &t {
                if !is_iterator(vm, x) {
                    return Err(vm.type_error("Arguments must be iterators."));
                }
            }
            if let St::Chain { source, active } = &mut *it_obj(vm, &s)?.st.borrow_mut() {
                *source = t.first().cloned();
                *active = t.get(1).cloned();
            }
        }
        K::Acc => {
            if let St::Accumulate { total, .. } = &mut *it_obj(vm, &s)?.st.borrow_mut() {
                *total = if state.is_none() { None } else { Some(state) };
            }
        }
        K::Flag => {
            let b = vm.truthy(&state)?;
            match &mut *it_obj(vm, &s)?.st.borrow_mut() {
                St::DropWhile { dropped, .. } => *dropped = b,
                St::TakeWhile { stopped, .. } => *stopped = b,
                _ => {}
            }
        }
        K::Islice => {
            let n = match vm.index_value(&state)? {
                Some(n) => n,
                None => return Err(vm.type_error("an integer is required")),
            };
            if let St::Islice { cnt, .. } = &mut *it_obj(vm, &s)?.st.borrow_mut() {
                *cnt = usize::try_from(n).unwrap_or(0);
            }
        }
        K::Comb => {
            let t = state_tuple(vm, &state).map_err(|_| vm.value_error("invalid arguments"))?;
            let o = it_obj(vm, &s)?;
            let mut st = o.st.borrow_mut();
            super::combinatoric::setstate(vm, &mut st, &t)?;
        }
        K::No => return Err(vm.attribute_error("__setstate__")),
    }
    Ok(Value::None)
}
