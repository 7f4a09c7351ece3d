//! The single-input itertools: count, cycle, repeat, accumulate, chain,
//! compress, dropwhile, takewhile, filterfalse, starmap, pairwise, islice.

use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::proto::BinOp;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

use super::clinic::{self, cls_arg, parse, positional, Sig};
use super::{it_obj, new_it, ItObj, St};

/// What one step needs after the state borrow is released.
enum Work {
    Ret(Option<Value>),
    /// Call `next(it)` and apply the rule of the state kind.
    Next(Value),
}

/// Advance a simple iterator.
pub fn step(vm: &mut Vm, o: &ItObj) -> PyResult<Option<Value>> {
    let work = {
        let mut st = o.st.borrow_mut();
        match &mut *st {
            St::Done => Work::Ret(None),
            St::Count { cur, step } => {
                let now = cur.clone();
                let next = match (&*cur, &*step) {
                    (Value::Int(a), Value::Int(b)) => a.checked_add(*b).map(Value::Int),
                    _ => None,
                };
                match next {
                    Some(n) => {
                        *cur = n;
                        Work::Ret(Some(now))
                    }
                    None => {
                        let st_v = step.clone();
                        drop(st);
                        let n = vm.binary_op(&now, &st_v, BinOp::Add, false)?;
                        if let St::Count { cur, .. } = &mut *o.st.borrow_mut() {
                            *cur = n;
                        }
                        return Ok(Some(now));
                    }
                }
            }
            St::Repeat { obj, left } => match left {
                None => Work::Ret(Some(obj.clone())),
                Some(n) if *n > 0 => {
                    *n -= 1;
                    Work::Ret(Some(obj.clone()))
                }
                Some(_) => Work::Ret(None),
            },
            St::Cycle { it: Some(it), .. } => Work::Next(it.clone()),
            St::Cycle {
                it: None,
                saved,
                idx,
                ..
            } => {
                if saved.is_empty() {
                    Work::Ret(None)
                } else {
                    let v = saved.get(*idx).cloned();
                    *idx = (*idx + 1) % saved.len();
                    Work::Ret(v)
                }
            }
            St::Accumulate { initial, total, .. } if initial.is_some() => {
                let v = initial.take();
                *total = v.clone();
                Work::Ret(v)
            }
            St::Accumulate { it, .. }
            | St::Compress { data: it, .. }
            | St::DropWhile { it, .. }
            | St::FilterFalse { it, .. }
            | St::Starmap { it, .. } => Work::Next(it.clone()),
            St::TakeWhile { stopped: true, .. } => Work::Ret(None),
            St::TakeWhile { it, .. } => Work::Next(it.clone()),
            St::Chain { .. } => {
                drop(st);
                return chain_step(vm, o);
            }
            St::Pairwise { it: None, .. } => Work::Ret(None),
            St::Pairwise { it: Some(it), .. } => Work::Next(it.clone()),
            St::Islice { .. } => {
                drop(st);
                return islice_step(vm, o);
            }
            _ => Work::Ret(None),
        }
    };
    let it = match work {
        Work::Ret(v) => return Ok(v),
        Work::Next(it) => it,
    };
    loop {
        let item = vm.next(&it);
        let item = match item {
            Ok(Some(x)) => x,
            Ok(None) => return on_exhausted(vm, o),
            Err(e) => {
                if let St::Pairwise { it, old } = &mut *o.st.borrow_mut() {
                    *it = None;
                    *old = None;
                }
                return Err(e);
            }
        };
        // Copy out what the rule needs; release the borrow before calling.
        enum Rule {
            Cycle,
            Acc(Value, Option<Value>),
            Compress(Value),
            Drop(Value, bool),
            Take(Value),
            FilterFalse(Value),
            Starmap(Value),
            Pair(Option<Value>),
        }
        let rule = match &*o.st.borrow() {
            St::Cycle { .. } => Rule::Cycle,
            St::Accumulate { func, total, .. } => Rule::Acc(func.clone(), total.clone()),
            St::Compress { selectors, .. } => Rule::Compress(selectors.clone()),
            St::DropWhile { pred, dropped, .. } => Rule::Drop(pred.clone(), *dropped),
            St::TakeWhile { pred, .. } => Rule::Take(pred.clone()),
            St::FilterFalse { func, .. } => Rule::FilterFalse(func.clone()),
            St::Starmap { func, .. } => Rule::Starmap(func.clone()),
            St::Pairwise { old, .. } => Rule::Pair(old.clone()),
            _ => return Ok(None),
        };
        match rule {
            Rule::Cycle => {
                if let St::Cycle {
                    saved, firstpass, ..
                } = &mut *o.st.borrow_mut()
                {
                    if *firstpass {
                        saved.push(item.clone());
                    }
                }
                return Ok(Some(item));
            }
            Rule::Acc(func, total) => {
                let new = match total {
                    None => item,
                    Some(t) if func.is_none() => vm.binary_op(&t, &item, BinOp::Add, false)?,
                    Some(t) => vm.call(&func, &[t, item])?,
                };
                if let St::Accumulate { total, .. } = &mut *o.st.borrow_mut() {
                    *total = Some(new.clone());
                }
                return Ok(Some(new));
            }
            Rule::Compress(sel) => match vm.next(&sel)? {
                None => return Ok(None),
                Some(s) => {
                    if vm.truthy(&s)? {
                        return Ok(Some(item));
                    }
                }
            },
            Rule::Drop(_, true) => return Ok(Some(item)),
            Rule::Drop(pred, false) => {
                let r = vm.call(&pred, std::slice::from_ref(&item))?;
                if !vm.truthy(&r)? {
                    if let St::DropWhile { dropped, .. } = &mut *o.st.borrow_mut() {
                        *dropped = true;
                    }
                    return Ok(Some(item));
                }
            }
            Rule::Take(pred) => {
                let r = vm.call(&pred, std::slice::from_ref(&item))?;
                if vm.truthy(&r)? {
                    return Ok(Some(item));
                }
                if let St::TakeWhile { stopped, .. } = &mut *o.st.borrow_mut() {
                    *stopped = true;
                }
                return Ok(None);
            }
            Rule::FilterFalse(func) => {
                let ok = if func.is_none() {
                    vm.truthy(&item)?
                } else {
                    let r = vm.call(&func, std::slice::from_ref(&item))?;
                    vm.truthy(&r)?
                };
                if !ok {
                    return Ok(Some(item));
                }
            }
            Rule::Starmap(func) => {
                let argv = match &item {
                    Value::Obj(t) if matches!(t.payload, Payload::Tuple(_)) => {
                        vm.seq_items(&item).unwrap_or_default()
                    }
                    _ => vm.collect_iter(&item)?,
                };
                return vm.call(&func, &argv).map(Some);
            }
            Rule::Pair(None) => {
                if let St::Pairwise { old, .. } = &mut *o.st.borrow_mut() {
                    *old = Some(item);
                }
                // First call: read a second item.
                continue;
            }
            Rule::Pair(Some(prev)) => {
                if let St::Pairwise { old, .. } = &mut *o.st.borrow_mut() {
                    *old = Some(item.clone());
                }
                return Ok(Some(vm.new_tuple_of([prev, item])));
            }
        }
    }
}

/// The input of a simple iterator ran out.
fn on_exhausted(_vm: &mut Vm, o: &ItObj) -> PyResult<Option<Value>> {
    let mut st = o.st.borrow_mut();
    match &mut *st {
        St::Cycle {
            it,
            saved,
            idx,
            firstpass,
        } => {
            *it = None;
            *firstpass = false;
            if saved.is_empty() {
                return Ok(None);
            }
            *idx = 1 % saved.len();
            Ok(saved.first().cloned())
        }
        St::Pairwise { it, old } => {
            *it = None;
            *old = None;
            Ok(None)
        }
        _ => Ok(None),
    }
}

fn chain_step(vm: &mut Vm, o: &ItObj) -> PyResult<Option<Value>> {
    loop {
        let (source, active) = match &*o.st.borrow() {
            St::Chain { source, active } => (source.clone(), active.clone()),
            _ => return Ok(None),
        };
        if let Some(a) = active {
            if let Some(v) = vm.next(&a)? {
                return Ok(Some(v));
            }
            if let St::Chain { active, .. } = &mut *o.st.borrow_mut() {
                *active = None;
            }
        }
        let Some(src) = source else {
            return Ok(None);
        };
        match vm.next(&src)? {
            None => {
                if let St::Chain { source, .. } = &mut *o.st.borrow_mut() {
                    *source = None;
                }
                return Ok(None);
            }
            Some(iterable) => {
                let it = vm.iter(&iterable)?;
                if let St::Chain { active, .. } = &mut *o.st.borrow_mut() {
                    *active = Some(it);
                }
            }
        }
    }
}

pub(super) fn islice_step(vm: &mut Vm, o: &ItObj) -> PyResult<Option<Value>> {
    let clear = |o: &ItObj| {
        if let St::Islice { it, .. } = &mut *o.st.borrow_mut() {
            *it = None;
        }
    };
    // One borrow for the state: the source, whether items are to be
    // skipped first, and whether the stop is reached.
    let (it, stop, behind, at_stop) = match &*o.st.borrow() {
        St::Islice {
            it: Some(it),
            stop,
            cnt,
            next,
            ..
        } => (
            it.clone(),
            *stop,
            cnt < next,
            stop.is_some_and(|s| *cnt >= s),
        ),
        _ => return Ok(None),
    };
    if behind {
        loop {
            let behind = match &*o.st.borrow() {
                St::Islice { cnt, next, .. } => cnt < next,
                _ => false,
            };
            if !behind {
                break;
            }
            if vm.next(&it)?.is_none() {
                clear(o);
                return Ok(None);
            }
            if let St::Islice { cnt, .. } = &mut *o.st.borrow_mut() {
                *cnt += 1;
            }
        }
        let at_stop = match &*o.st.borrow() {
            St::Islice { cnt, .. } => stop.is_some_and(|s| *cnt >= s),
            _ => true,
        };
        if at_stop {
            clear(o);
            return Ok(None);
        }
    } else if at_stop {
        clear(o);
        return Ok(None);
    }
    let Some(item) = vm.next(&it)? else {
        clear(o);
        return Ok(None);
    };
    if let St::Islice {
        cnt, next, step, ..
    } = &mut *o.st.borrow_mut()
    {
        *cnt += 1;
        let n = next.checked_add(*step);
        *next = match (n, stop) {
            (Some(n), Some(s)) if n > s => s,
            (Some(n), _) => n,
            (None, s) => s.unwrap_or(usize::MAX),
        };
    }
    Ok(Some(item))
}

/// PyNumber_Check: int, float, complex, or a type with a number conversion.
fn is_number(vm: &mut Vm, v: &Value) -> bool {
    match v {
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => true,
        Value::Obj(o) => {
            if matches!(
                o.payload,
                Payload::Int(_) | Payload::Float(_) | Payload::Complex(..)
            ) {
                return true;
            }
            let ty = vm.type_of(v);
            ["__index__", "__int__", "__float__"]
                .iter()
                .any(|n| vm.type_lookup_str(&ty, n).is_some())
        }
        _ => false,
    }
}

pub fn count_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "count")?;
    let a = parse(vm, &args, 1, &Sig::new("count", &["start", "step"], 0))?;
    let start = a[0].clone().unwrap_or(Value::Int(0));
    let step = a[1].clone().unwrap_or(Value::Int(1));
    if !is_number(vm, &start) || !is_number(vm, &step) {
        return Err(vm.type_error("a number is required"));
    }
    Ok(new_it(vm, &cls, St::Count { cur: start, step }))
}

pub fn count_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let (cur, step) = match &*it_obj(vm, &s)?.st.borrow() {
        St::Count { cur, step } => (cur.clone(), step.clone()),
        _ => (Value::Int(0), Value::Int(1)),
    };
    let name = short_type_name(vm, &s);
    let c = vm.repr(&cur)?;
    let r = if matches!(step, Value::Int(1)) {
        format!("{name}({c})")
    } else {
        let st = vm.repr(&step)?;
        format!("{name}({c}, {st})")
    };
    Ok(vm.new_string(r))
}

pub fn cycle_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "cycle")?;
    let args = vm.new_args_no_kwargs(args, "cycle")?;
    let a = positional(vm, &args, 1, "cycle", 1, 1)?;
    let it = vm.iter(&a[0])?;
    Ok(new_it(
        vm,
        &cls,
        St::Cycle {
            it: Some(it),
            saved: Vec::new(),
            idx: 0,
            firstpass: true,
        },
    ))
}

pub fn repeat_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "repeat")?;
    let a = parse(vm, &args, 1, &Sig::new("repeat", &["object", "times"], 1))?;
    let obj = a[0].clone().unwrap_or(Value::None);
    let left = match &a[1] {
        None => None,
        Some(t) => {
            let n = super::clinic::ssize(vm, t)?;
            Some(n.max(0))
        }
    };
    Ok(new_it(vm, &cls, St::Repeat { obj, left }))
}

pub fn repeat_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let (obj, left) = match &*it_obj(vm, &s)?.st.borrow() {
        St::Repeat { obj, left } => (obj.clone(), *left),
        _ => (Value::None, None),
    };
    let name = short_type_name(vm, &s);
    let r = vm.repr(&obj)?;
    Ok(vm.new_string(match left {
        None => format!("{name}({r})"),
        Some(n) => format!("{name}({r}, {n})"),
    }))
}

pub fn repeat_length_hint(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let left = match &*it_obj(vm, &s)?.st.borrow() {
        St::Repeat { left, .. } => *left,
        _ => Some(0),
    };
    match left {
        Some(n) => Ok(Value::Int(n)),
        None => Err(vm.type_error("len() of unsized object")),
    }
}

pub fn accumulate_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "accumulate")?;
    let sig = Sig {
        maxpos: 2,
        ..Sig::new("accumulate", &["iterable", "func", "initial"], 1)
    };
    let a = parse(vm, &args, 1, &sig)?;
    let it = vm.iter(a[0].as_ref().unwrap_or(&Value::None))?;
    let func = a[1].clone().unwrap_or(Value::None);
    let initial = a[2].clone().filter(|v| !v.is_none());
    Ok(new_it(
        vm,
        &cls,
        St::Accumulate {
            it,
            func,
            total: None,
            initial,
        },
    ))
}

pub fn chain_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "chain")?;
    let args = vm.new_args_no_kwargs(args, "chain")?;
    let items = args.pos().get(1..).unwrap_or(&[]).to_vec();
    let tuple = vm.new_tuple(items);
    let source = vm.iter(&tuple)?;
    Ok(new_it(
        vm,
        &cls,
        St::Chain {
            source: Some(source),
            active: None,
        },
    ))
}

pub fn chain_from_iterable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "chain")?;
    if args.has_kwargs() {
        return Err(vm.type_error("chain.from_iterable() takes no keyword arguments"));
    }
    let a = args.pos().get(1..).unwrap_or(&[]);
    if a.len() != 1 {
        return Err(vm.type_error(format!(
            "chain.from_iterable() takes exactly one argument ({} given)",
            a.len()
        )));
    }
    let source = vm.iter(&a[0])?;
    Ok(new_it(
        vm,
        &cls,
        St::Chain {
            source: Some(source),
            active: None,
        },
    ))
}

pub fn compress_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "compress")?;
    let a = parse(
        vm,
        &args,
        1,
        &Sig::new("compress", &["data", "selectors"], 2),
    )?;
    let data = vm.iter(a[0].as_ref().unwrap_or(&Value::None))?;
    let selectors = vm.iter(a[1].as_ref().unwrap_or(&Value::None))?;
    Ok(new_it(vm, &cls, St::Compress { data, selectors }))
}

/// `(func, iter(iterable))` of the two-argument constructors.
fn func_and_iter(vm: &mut Vm, args: &Args, name: &str) -> PyResult<(Value, Value)> {
    let args = vm.new_args_no_kwargs(*args, name)?;
    let a = positional(vm, &args, 1, name, 2, 2)?;
    let it = vm.iter(&a[1])?;
    Ok((a[0].clone(), it))
}

pub fn dropwhile_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "dropwhile")?;
    let (pred, it) = func_and_iter(vm, &args, "dropwhile")?;
    Ok(new_it(
        vm,
        &cls,
        St::DropWhile {
            pred,
            it,
            dropped: false,
        },
    ))
}

pub fn takewhile_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "takewhile")?;
    let (pred, it) = func_and_iter(vm, &args, "takewhile")?;
    Ok(new_it(
        vm,
        &cls,
        St::TakeWhile {
            pred,
            it,
            stopped: false,
        },
    ))
}

pub fn filterfalse_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "filterfalse")?;
    let (func, it) = func_and_iter(vm, &args, "filterfalse")?;
    Ok(new_it(vm, &cls, St::FilterFalse { func, it }))
}

pub fn starmap_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "starmap")?;
    let (func, it) = func_and_iter(vm, &args, "starmap")?;
    Ok(new_it(vm, &cls, St::Starmap { func, it }))
}

pub fn pairwise_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "pairwise")?;
    let args = vm.new_args_no_kwargs(args, "pairwise")?;
    let a = positional(vm, &args, 1, "pairwise", 1, 1)?;
    let it = vm.iter(&a[0])?;
    Ok(new_it(
        vm,
        &cls,
        St::Pairwise {
            it: Some(it),
            old: None,
        },
    ))
}

/// An islice bound: None, or an int in 0..=sys.maxsize.
fn islice_bound(vm: &mut Vm, v: &Value, msg: &str) -> PyResult<Option<usize>> {
    if v.is_none() {
        return Ok(None);
    }
    let n = match vm.index_value(v) {
        Ok(Some(n)) => n,
        Ok(None) => return Err(vm.value_error(msg)),
        Err(e) => return Err(e),
    };
    if n < 0 || n == i64::MAX && !matches!(v, Value::Int(_)) {
        return Err(vm.value_error(msg));
    }
    Ok(Some(n as usize))
}

pub fn islice_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "islice")?;
    let args = vm.new_args_no_kwargs(args, "islice")?;
    let a = positional(vm, &args, 1, "islice", 2, 4)?;
    const STOP: &str =
        "Stop argument for islice() must be None or an integer: 0 <= x <= sys.maxsize.";
    const IDX: &str = "Indices for islice() must be None or an integer: 0 <= x <= sys.maxsize.";
    let (start, stop, step) = if a.len() == 2 {
        (None, islice_bound(vm, &a[1], STOP)?, None)
    } else {
        let start = islice_bound(vm, &a[1], IDX)?;
        let stop = islice_bound(vm, &a[2], STOP)?;
        let step = match a.get(3) {
            None => None,
            Some(s) if s.is_none() => None,
            Some(s) => match vm.index_value(s) {
                Ok(Some(n)) if n >= 1 => Some(n as usize),
                Ok(_) => {
                    return Err(
                        vm.value_error("Step for islice() must be a positive integer or None.")
                    )
                }
                Err(e) => return Err(e),
            },
        };
        (start, stop, step)
    };
    let it = vm.iter(&a[0])?;
    Ok(new_it(
        vm,
        &cls,
        St::Islice {
            it: Some(it),
            next: start.unwrap_or(0),
            stop,
            step: step.unwrap_or(1),
            cnt: 0,
        },
    ))
}

/// `_PyType_Name(Py_TYPE(v))`: the class's `__name__` (no module).
pub fn short_type_name(vm: &Vm, v: &Value) -> String {
    let ty = vm.type_of(v);
    crate::objects::typeobj::type_data(&ty).map_or_else(String::new, |t| t.name())
}
