//! The iterators of the builtin containers and builtins
//! (`enumerate`, `zip`, `map`, `filter`, `reversed`, `iter(f, sentinel)`).

use crate::vm::value::{PyRef, Value};

pub use super::range::Range;

/// The state of an iterator object. An explicit tag byte (`repr(u8)`):
/// FOR_ITER's fast path tells a range or sequence state with one compare
/// (with the tag in the first variant's value, as rustc lays out the enum
/// otherwise, it took five instructions).
#[repr(u8)]
pub enum IterState {
    /// list/tuple iteration by index (sees list growth, as CPython).
    Seq {
        seq: Value,
        idx: usize,
    },
    Range {
        next: i64,
        remaining: i64,
        step: i64,
    },
    /// A range beyond 64 bits.
    BigRange {
        next: num_bigint::BigInt,
        remaining: num_bigint::BigInt,
        step: num_bigint::BigInt,
    },
    /// str iteration by byte offset.
    Str {
        s: PyRef,
        pos: usize,
    },
    Bytes {
        b: Value,
        idx: usize,
    },
    /// A dict's keys, values or items (`kind` 0/1/2), forward or
    /// reversed. `used` is the dict's length when iteration started
    /// (`usize::MAX` once a change was reported), `remaining` how many
    /// entries are still expected (CPython's `di_used` and `len`).
    Dict {
        dict: PyRef,
        pos: usize,
        used: usize,
        remaining: usize,
        kind: u8,
        reverse: bool,
        /// The items pair given last, refilled when nothing else holds it
        /// (CPython's `di_result`; [`pair_slots`]).
        last: Option<PyRef>,
    },
    /// A set or frozenset by slot position; `used` is the length it had
    /// when iteration started (`usize::MAX` once a change was reported).
    Set {
        set: PyRef,
        pos: usize,
        used: usize,
    },
    /// `__getitem__`-based iteration of any object.
    GetItem {
        obj: Value,
        idx: i64,
    },
    Callable {
        func: Value,
        sentinel: Value,
    },
    Enumerate {
        it: Value,
        /// The next index: an int, small or big (`enumerate(x, 2**70)`).
        count: Value,
        /// The pair given last, refilled when nothing else holds it
        /// (CPython's `en_result`; [`refill_pair`]).
        last: Option<PyRef>,
    },
    /// `its` is shared with each step (one count increment, no copy):
    /// it never changes once made.
    Zip {
        its: std::rc::Rc<[Value]>,
        strict: bool,
        /// The pair given last by a zip of two, refilled when nothing else
        /// holds it (CPython's `ittuple` reuse in `zip_next`).
        last: Option<PyRef>,
    },
    Map {
        func: Value,
        its: std::rc::Rc<[Value]>,
    },
    Filter {
        func: Value,
        it: Value,
    },
    Reversed {
        seq: Value,
        idx: i64,
    },
    /// `agen.asend(v)` / `agen.athrow(e)` awaitables.
    AsyncSend {
        gen: PyRef,
        value: Value,
        throw: Option<Value>,
        done: bool,
    },
    Exhausted,
}

use super::function::Args;
use super::Payload;
use crate::objects::exception::ExcKind;
use crate::vm::{PyResult, Vm};

/// Advance a builtin iterator.
/// Item `idx` of a native sequence through its `sq_item` hook, when `obj`
/// is an instance of a native type (not a Python subclass) that has one.
fn native_seq_item(vm: &Vm, obj: &Value, idx: i64) -> Option<Option<Value>> {
    let Value::Obj(o) = obj else {
        return None;
    };
    let Payload::Native(d) = &o.payload else {
        return None;
    };
    let i = usize::try_from(idx).ok()?;
    if !vm.builtin_class(o) {
        return None;
    }
    d.seq_item(i)
}

/// The old protocol's step: `obj[idx]`, its IndexError (or StopIteration)
/// ending the iteration.
fn getitem_step(
    vm: &mut Vm,
    cell: &std::cell::RefCell<IterState>,
    obj: &Value,
    idx: i64,
) -> PyResult<Option<Value>> {
    match vm.getitem(obj, &Value::Int(idx)) {
        Ok(v) => Ok(Some(v)),
        Err(e) if vm.err_is(&e, ExcKind::IndexError) || vm.err_is(&e, ExcKind::StopIteration) => {
            *cell.borrow_mut() = IterState::Exhausted;
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

pub fn iter_next(vm: &mut Vm, o: &PyRef) -> PyResult<Option<Value>> {
    let Payload::Iter(cell) = &o.payload else {
        return Ok(None);
    };
    // States that need Python code (map/filter/zip/enumerate/getitem) take
    // their inputs out, release the borrow, then call.
    enum Step {
        Done(Option<Value>),
        GetItem(Value, i64),
        Call(Value, Value),
        Enumerate(Value, Value),
        Zip(std::rc::Rc<[Value]>, bool),
        Map(Value, std::rc::Rc<[Value]>),
        Map1(Value, Value),
        Filter(Value, Value),
    }
    let step = {
        let mut st = cell.borrow_mut();
        match &mut *st {
            IterState::Seq { seq, idx } => {
                let item = match seq {
                    Value::Obj(s) => match &s.payload {
                        Payload::List(l) => l.borrow().get(*idx).cloned(),
                        Payload::Tuple(t) => t.get(*idx).cloned(),
                        _ => None,
                    },
                    _ => None,
                };
                if item.is_some() {
                    *idx += 1;
                } else {
                    *st = IterState::Exhausted;
                }
                Step::Done(item)
            }
            IterState::Range {
                next,
                remaining,
                step,
            } => {
                if *remaining <= 0 {
                    Step::Done(None)
                } else {
                    let v = *next;
                    *next = next.wrapping_add(*step);
                    *remaining -= 1;
                    Step::Done(Some(Value::Int(v)))
                }
            }
            IterState::BigRange {
                next,
                remaining,
                step,
            } => {
                if num_traits::Signed::is_positive(remaining) {
                    let v = next.clone();
                    *next += &*step;
                    *remaining -= 1;
                    Step::Done(Some(vm.new_bigint(v)))
                } else {
                    Step::Done(None)
                }
            }
            IterState::Str { s, pos } => {
                let text = match &s.payload {
                    Payload::Str(t) => t.as_str(),
                    _ => "",
                };
                let exact = match &s.payload {
                    Payload::Str(t) => t.surrogate_cps(),
                    _ => None,
                };
                match text.get(*pos..).and_then(|r| r.chars().next()) {
                    // A str with lone surrogates: its exact code point.
                    Some(c) if exact.is_some() => {
                        let idx = text.get(..*pos).map_or(0, |t| t.chars().count());
                        *pos += c.len_utf8();
                        let cp = exact.and_then(|e| e.get(idx)).copied().unwrap_or(0xFFFD);
                        Step::Done(Some(Value::Obj(vm.new_obj(
                            &vm.types.str,
                            Payload::Str(super::StrObj::from_code_points(&[cp])),
                        ))))
                    }
                    Some(c) => {
                        *pos += c.len_utf8();
                        Step::Done(Some(vm.new_char(c)))
                    }
                    None => Step::Done(None),
                }
            }
            IterState::Bytes { b, idx } => {
                let v = super::bytes::byte_at(b, *idx);
                *idx += 1;
                Step::Done(v.map(|x| Value::Int(x as i64)))
            }
            IterState::Dict {
                dict,
                pos,
                used,
                remaining,
                kind,
                reverse,
                last,
            } => {
                let next = {
                    let Payload::Dict(t) = &dict.payload else {
                        return Ok(None);
                    };
                    let t = t.borrow();
                    if t.len() != *used {
                        *used = usize::MAX;
                        return Err(vm.runtime_error("dictionary changed size during iteration"));
                    }
                    let mut found = None;
                    if *reverse {
                        // `pos` counts down from the number of entry slots.
                        while *pos > 0 {
                            *pos -= 1;
                            if let Some(e) = t.entry(*pos) {
                                found = Some((e.key.clone(), e.value.clone()));
                                break;
                            }
                        }
                    } else {
                        while *pos < t.entry_slots() {
                            let e = t.entry(*pos);
                            *pos += 1;
                            if let Some(e) = e {
                                found = Some((e.key.clone(), e.value.clone()));
                                break;
                            }
                        }
                    }
                    found
                };
                match next {
                    None => {
                        *st = IterState::Exhausted;
                        Step::Done(None)
                    }
                    Some(_) if *remaining == 0 && !*reverse => {
                        *st = IterState::Exhausted;
                        return Err(vm.runtime_error("dictionary keys changed during iteration"));
                    }
                    Some((k, v)) => {
                        *remaining = remaining.saturating_sub(1);
                        Step::Done(Some(match *kind {
                            0 => k,
                            1 => v,
                            _ => pair_result(vm, last, k, v),
                        }))
                    }
                }
            }
            IterState::Set { set, pos, used } => {
                let (len, next) = match super::setobj::table_ref(vm, set) {
                    Ok(t) => (t.len(), t.next_entry(*pos).map(|(i, _, k)| (i, k.clone()))),
                    Err(e) => return Err(e),
                };
                if len != *used {
                    *used = usize::MAX;
                    return Err(vm.runtime_error("Set changed size during iteration"));
                }
                match next {
                    Some((i, k)) => {
                        *pos = i + 1;
                        Step::Done(Some(k))
                    }
                    None => {
                        *st = IterState::Exhausted;
                        Step::Done(None)
                    }
                }
            }
            IterState::GetItem { obj, idx } => {
                let r = Step::GetItem(obj.clone(), *idx);
                *idx += 1;
                r
            }
            IterState::Callable { func, sentinel } => Step::Call(func.clone(), sentinel.clone()),
            IterState::Enumerate { it, count, .. } => {
                let next = match &*count {
                    Value::Int(i) => match i.checked_add(1) {
                        Some(j) => Value::Int(j),
                        None => vm.new_bigint(num_bigint::BigInt::from(*i) + 1),
                    },
                    other => match super::int::to_bigint(other) {
                        Some(b) => vm.new_bigint(b + 1),
                        None => other.clone(),
                    },
                };
                Step::Enumerate(it.clone(), std::mem::replace(count, next))
            }
            IterState::Zip { its, strict, .. } => Step::Zip(its.clone(), *strict),
            IterState::Map { func, its } => match &**its {
                // One iterable (the usual case): no buffer.
                [it] => Step::Map1(func.clone(), it.clone()),
                _ => Step::Map(func.clone(), its.clone()),
            },
            IterState::Filter { func, it } => Step::Filter(func.clone(), it.clone()),
            IterState::Reversed { seq, idx } => {
                if *idx < 0 {
                    Step::Done(None)
                } else {
                    let r = Step::GetItem(seq.clone(), *idx);
                    *idx -= 1;
                    r
                }
            }
            IterState::Exhausted | IterState::AsyncSend { .. } => Step::Done(None),
        }
    };
    match step {
        Step::Done(v) => Ok(v),
        Step::GetItem(obj, idx) => {
            if let Some(item) = native_seq_item(vm, &obj, idx) {
                if item.is_none() {
                    *cell.borrow_mut() = IterState::Exhausted;
                }
                return Ok(item);
            }
            getitem_step(vm, cell, &obj, idx)
        }
        Step::Call(func, sentinel) => {
            let v = vm.call(&func, &[])?;
            if vm.eq(&v, &sentinel)? {
                *cell.borrow_mut() = IterState::Exhausted;
                Ok(None)
            } else {
                Ok(Some(v))
            }
        }
        Step::Enumerate(it, count) => match vm.next(&it)? {
            Some(v) => {
                let mut st = cell.borrow_mut();
                let IterState::Enumerate { last, .. } = &mut *st else {
                    return Ok(Some(vm.new_tuple_of([count, v])));
                };
                Ok(Some(pair_result(vm, last, count, v)))
            }
            None => Ok(None),
        },
        Step::Zip(its, strict) => {
            if its.is_empty() {
                return Ok(None);
            }
            let mut out = crate::vm::call::ArgBuf::new();
            for (i, it) in its.iter().enumerate() {
                match vm.next(it)? {
                    Some(v) => out.push(v),
                    None => {
                        *cell.borrow_mut() = IterState::Exhausted;
                        if strict {
                            if i > 0 {
                                let plural = if i == 1 { " " } else { "s 1-" };
                                return Err(vm.value_error(format!(
                                    "zip() argument {} is shorter than argument{plural}{}",
                                    i + 1,
                                    i
                                )));
                            }
                            for (j, rest) in its.iter().enumerate().skip(1) {
                                if vm.next(rest)?.is_some() {
                                    let plural = if j == 1 { " " } else { "s 1-" };
                                    return Err(vm.value_error(format!(
                                        "zip() argument {} is longer than argument{plural}{}",
                                        j + 1,
                                        j
                                    )));
                                }
                            }
                        }
                        return Ok(None);
                    }
                }
            }
            let mut st = cell.borrow_mut();
            if let IterState::Zip { last, .. } = &mut *st {
                return Ok(Some(tuple_result(vm, last, &mut out)));
            }
            Ok(Some(vm.new_tuple(out.into_vec())))
        }
        Step::Map1(func, it) => match vm.next(&it)? {
            Some(v) => vm.call(&func, std::slice::from_ref(&v)).map(Some),
            None => Ok(None),
        },
        Step::Map(func, its) => {
            // On the Rust stack for up to 8 iterables: no heap buffer per item.
            let mut args = crate::vm::call::ArgBuf::new();
            for it in its.iter() {
                match vm.next(it)? {
                    Some(v) => args.push(v),
                    None => return Ok(None),
                }
            }
            vm.call(&func, &args).map(Some)
        }
        Step::Filter(func, it) => loop {
            let Some(v) = vm.next(&it)? else {
                return Ok(None);
            };
            let keep = if func.is_none() {
                vm.truthy(&v)?
            } else {
                let r = vm.call(&func, std::slice::from_ref(&v))?;
                vm.truthy(&r)?
            };
            if keep {
                return Ok(Some(v));
            }
        },
    }
}

fn iter_self(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let _ = vm;
    Ok(args.args.first().cloned().unwrap_or(Value::None))
}

fn iter_next_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let it = args.args.first().cloned().unwrap_or(Value::None);
    // The native step itself (not `Vm::next`, which would find a
    // subclass's `__next__` that calls this one through `super()`).
    let step = match &it {
        Value::Obj(o) if matches!(o.payload, Payload::Iter(_)) => iter_next(vm, o)?,
        _ => vm.next(&it)?,
    };
    match step {
        Some(v) => Ok(v),
        None => Err(vm.new_error_noargs(ExcKind::StopIteration)),
    }
}

fn enumerate_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = &args.pos()[1.min(args.pos().len())..];
    let given = pos.len() + args.kwnames.len();
    if given > 2 {
        return Err(vm.type_error(format!(
            "enumerate() takes at most 2 arguments ({given} given)"
        )));
    }
    for (k, _) in args.kwargs() {
        let k = crate::vm::proto::str_of(k);
        if k != "iterable" && k != "start" {
            return Err(vm.type_error(format!(
                "'{k}' is an invalid keyword argument for enumerate()"
            )));
        }
    }
    let iterable = match pos
        .first()
        .cloned()
        .or_else(|| Vm::kwarg(&args, "iterable"))
    {
        Some(v) => v,
        None => return Err(vm.type_error("enumerate() missing required argument 'iterable'")),
    };
    let start = match pos.get(1).cloned().or_else(|| Vm::kwarg(&args, "start")) {
        Some(Value::Obj(o)) if matches!(o.payload, Payload::Int(_)) => {
            match super::int::to_bigint(&Value::Obj(o)) {
                Some(b) => vm.new_bigint(b),
                None => Value::Int(0),
            }
        }
        Some(v) => match vm.index_value(&v)? {
            Some(i) => Value::Int(i),
            None => {
                return Err(vm.type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    vm.type_name_of(&v)
                )))
            }
        },
        None => Value::Int(0),
    };
    let it = vm.iter(&iterable)?;
    let ty = vm.types.enumerate.clone();
    new_iter_of(
        vm,
        &args,
        &ty,
        IterState::Enumerate {
            it,
            count: start,
            last: None,
        },
    )
}

/// A new `enumerate`/`zip`/`map`/`filter` object of the class `__new__`
/// was called with (its first argument): `ty` itself, or a subclass, whose
/// instances get their attribute storage (and whose `__next__` then runs
/// instead of the native one, as `Vm::next` checks the class).
fn new_iter_of(vm: &mut Vm, args: &Args, ty: &PyRef, st: IterState) -> PyResult<Value> {
    match args.pos().first() {
        Some(Value::Obj(c))
            if matches!(c.payload, Payload::Type(_)) && !crate::objects::rc::Rc::ptr_eq(c, ty) =>
        {
            if !super::typeobj::is_subtype(c, ty) {
                let (n, t) = (vm.type_name(c), vm.type_name(ty));
                return Err(vm.type_error(format!("{t}.__new__({n}): {n} is not a subtype of {t}")));
            }
            let payload = Payload::Iter(Box::new(std::cell::RefCell::new(st)));
            Ok(Value::Obj(vm.new_instance_of(c, payload)))
        }
        _ => Ok(vm.new_iter(ty, st)),
    }
}

fn zip_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = &args.pos()[1.min(args.pos().len())..];
    let mut strict = false;
    for (k, v) in args.kwargs() {
        match crate::vm::proto::str_of(k) {
            "strict" => strict = vm.truthy(v)?,
            other => {
                return Err(vm.type_error(format!(
                    "'{other}' is an invalid keyword argument for zip()"
                )))
            }
        }
    }
    let mut its = Vec::with_capacity(pos.len());
    for p in pos {
        its.push(vm.iter(p)?);
    }
    let ty = vm.types.zip.clone();
    new_iter_of(
        vm,
        &args,
        &ty,
        IterState::Zip {
            its: its.into(),
            strict,
            last: None,
        },
    )
}

fn map_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = vm.new_args_no_kwargs(args, "map")?;
    let pos = &args.pos()[1.min(args.pos().len())..];
    if pos.len() < 2 {
        return Err(vm.type_error("map() must have at least two arguments."));
    }
    let mut its = Vec::with_capacity(pos.len() - 1);
    for p in &pos[1..] {
        its.push(vm.iter(p)?);
    }
    let ty = vm.types.map.clone();
    let func = pos[0].clone();
    let its = its.into();
    new_iter_of(vm, &args, &ty, IterState::Map { func, its })
}

fn filter_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = vm.new_args_no_kwargs(args, "filter")?;
    let pos = &args.pos()[1.min(args.pos().len())..];
    if pos.len() != 2 {
        return Err(vm.type_error(format!("filter expected 2 arguments, got {}", pos.len())));
    }
    let it = vm.iter(&pos[1])?;
    let ty = vm.types.filter.clone();
    let func = pos[0].clone();
    new_iter_of(vm, &args, &ty, IterState::Filter { func, it })
}

fn reversed_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let args = vm.new_args_no_kwargs(args, "reversed")?;
    let pos = &args.pos()[1.min(args.pos().len())..];
    if pos.len() != 1 {
        return Err(vm.type_error(format!("reversed expected 1 argument, got {}", pos.len())));
    }
    let seq = pos[0].clone();
    if let Some(r) = vm.call_special(&seq, "__reversed__", &[])? {
        return Ok(r);
    }
    let ty = vm.type_of(&seq);
    if vm.type_lookup_static(&ty, "__getitem__").is_none()
        || matches!(&seq, Value::Obj(o) if matches!(o.payload, Payload::Dict(_)))
    {
        return Err(vm.type_error(format!("'{}' object is not reversible", vm.type_name(&ty))));
    }
    let n = vm.len(&seq)? as i64;
    // Of the class called (a subclass of reversed gets its own instances).
    let ty = vm.types.reversed.clone();
    new_iter_of(vm, &args, &ty, IterState::Reversed { seq, idx: n - 1 })
}

/// `__length_hint__` of the sequence-like builtin iterators: how many
/// items remain (CPython's `listiter_len`, `rangeiter_len`, `dictiter_len`...).
fn iter_length_hint(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(o)) = args.args.first() else {
        return Ok(Value::Int(0));
    };
    let Payload::Iter(cell) = &o.payload else {
        return Ok(Value::Int(0));
    };
    // Copy what is needed out of the state before calling `len` (which may
    // run Python code for `reversed(obj)`).
    enum Hint {
        Known(i64),
        Big(num_bigint::BigInt),
        SeqFrom(Value, i64),
        Reversed(Value, i64),
        SetFrom(PyRef, usize, usize),
    }
    let hint = match &*cell.borrow() {
        IterState::Seq { seq, idx } => {
            Hint::SeqFrom(seq.clone(), i64::try_from(*idx).unwrap_or(i64::MAX))
        }
        IterState::Bytes { b, idx } => {
            Hint::SeqFrom(b.clone(), i64::try_from(*idx).unwrap_or(i64::MAX))
        }
        IterState::Range { remaining, .. } => Hint::Known((*remaining).max(0)),
        IterState::BigRange { remaining, .. } => Hint::Big(remaining.clone()),
        IterState::Str { s, pos } => {
            let n = match &s.payload {
                Payload::Str(t) => t.as_str().get(*pos..).map_or(0, |r| r.chars().count()),
                _ => 0,
            };
            Hint::Known(i64::try_from(n).unwrap_or(i64::MAX))
        }
        IterState::Dict {
            used, remaining, ..
        } if *used != usize::MAX => Hint::Known(i64::try_from(*remaining).unwrap_or(i64::MAX)),
        IterState::Set { set, pos, used } if *used != usize::MAX => {
            Hint::SetFrom(set.clone(), *pos, *used)
        }
        IterState::Reversed { seq, idx } => Hint::Reversed(seq.clone(), *idx),
        _ => Hint::Known(0),
    };
    let n = match hint {
        Hint::Known(n) => n,
        Hint::Big(b) => return Ok(vm.new_bigint(b.max(num_bigint::BigInt::from(0)))),
        Hint::SeqFrom(seq, idx) => {
            let len = i64::try_from(vm.len(&seq)?).unwrap_or(i64::MAX);
            (len - idx).max(0)
        }
        Hint::Reversed(seq, idx) => {
            let len = i64::try_from(vm.len(&seq)?).unwrap_or(i64::MAX);
            if idx < 0 || idx + 1 > len {
                0
            } else {
                idx + 1
            }
        }
        Hint::SetFrom(set, mut pos, used) => {
            let t = super::setobj::table_ref(vm, &set)?;
            if t.len() != used {
                0
            } else {
                let mut n = 0i64;
                while let Some((i, _, _)) = t.next_entry(pos) {
                    pos = i + 1;
                    n += 1;
                }
                n
            }
        }
    };
    Ok(Value::Int(n))
}

pub fn install(vm: &mut Vm) {
    let its = [
        vm.types.list_iterator.clone(),
        vm.types.tuple_iterator.clone(),
        vm.types.range_iterator.clone(),
        vm.types.str_iterator.clone(),
        vm.types.bytes_iterator.clone(),
        vm.types.dict_keyiterator.clone(),
        vm.types.dict_valueiterator.clone(),
        vm.types.dict_itemiterator.clone(),
        vm.types.dict_reversekeyiterator.clone(),
        vm.types.dict_reversevalueiterator.clone(),
        vm.types.dict_reverseitemiterator.clone(),
        vm.types.list_reverseiterator.clone(),
        vm.types.set_iterator.clone(),
        vm.types.seq_iterator.clone(),
        vm.types.callable_iterator.clone(),
        vm.types.enumerate.clone(),
        vm.types.zip.clone(),
        vm.types.map.clone(),
        vm.types.filter.clone(),
        vm.types.reversed.clone(),
    ];
    for t in its {
        vm.add_methods(&t, &[("__iter__", iter_self), ("__next__", iter_next_m)]);
    }
    let hinted = [
        vm.types.list_iterator.clone(),
        vm.types.tuple_iterator.clone(),
        vm.types.range_iterator.clone(),
        vm.types.str_iterator.clone(),
        vm.types.bytes_iterator.clone(),
        vm.types.dict_keyiterator.clone(),
        vm.types.dict_valueiterator.clone(),
        vm.types.dict_itemiterator.clone(),
        vm.types.dict_reversekeyiterator.clone(),
        vm.types.dict_reversevalueiterator.clone(),
        vm.types.dict_reverseitemiterator.clone(),
        vm.types.list_reverseiterator.clone(),
        vm.types.set_iterator.clone(),
        vm.types.reversed.clone(),
    ];
    for t in hinted {
        vm.add_methods(&t, &[("__length_hint__", iter_length_hint)]);
    }
    for (t, f) in [
        (
            vm.types.enumerate.clone(),
            enumerate_new as super::function::NativeFn,
        ),
        (vm.types.zip.clone(), zip_new),
        (vm.types.map.clone(), map_new),
        (vm.types.filter.clone(), filter_new),
        (vm.types.reversed.clone(), reversed_new),
    ] {
        vm.add_staticmethods(&t, &[("__new__", f)]);
    }
    super::iter_reduce::install(vm);
}

/// The pair `(a, b)` an iterator gives: `last` (the pair it gave before)
/// refilled when [`pair_slots`] allows, else a new tuple that becomes
/// `last`.
pub(crate) fn pair_result(vm: &Vm, last: &mut Option<PyRef>, a: Value, b: Value) -> Value {
    if let Some(t) = last.as_mut() {
        let tracked = crate::objects::rc::Rc::weak_count(t) > 0;
        if let Some(items) = pair_slots(t) {
            let objects = fill_pair(items, a, b);
            return refilled(t, tracked, objects);
        }
    }
    let v = vm.new_tuple_of([a, b]);
    if let Value::Obj(t) = &v {
        *last = Some(t.clone());
    }
    v
}

/// The tuple of `items` (moved out) an iterator gives: `last` (the tuple
/// it gave before) refilled in place when nothing else holds it, it has
/// as many items and no old item would be freed (CPython's result tuple
/// reuse in `zip_next` and `zip_longest_next`), else a new tuple that
/// becomes `last`.
pub(crate) fn tuple_result(vm: &Vm, last: &mut Option<PyRef>, items: &mut [Value]) -> Value {
    if let Some(t) = last.as_mut() {
        let tracked = crate::objects::rc::Rc::weak_count(t) > 0;
        if let Some(slots) = tuple_slots(t).filter(|s| s.len() == items.len()) {
            let mut objects = false;
            for (slot, v) in slots.iter_mut().zip(items.iter_mut()) {
                objects |= matches!(v, Value::Obj(_));
                drop(std::mem::replace(slot, std::mem::take(v)));
            }
            return refilled(t, tracked, objects);
        }
    }
    let v = vm.new_tuple_items(items.iter_mut().map(std::mem::take).collect());
    if let Value::Obj(t) = &v {
        *last = Some(t.clone());
    }
    v
}

/// The items of the tuple `last` for a refill ([`pair_slots`]'s rule for a
/// tuple of any length).
fn tuple_slots(last: &mut PyRef) -> Option<&mut [Value]> {
    // SAFETY: as in `pair_slots`: a tuple's weak references are the
    // collector's generation entries, not upgraded while no code runs.
    let o = unsafe { crate::objects::rc::Rc::get_mut_strong(last) }?;
    let Payload::Tuple(items) = &mut o.payload else {
        return None;
    };
    let frees =
        |v: &Value| matches!(v, Value::Obj(x) if crate::objects::rc::Rc::strong_count(x) == 1);
    (!items.iter().any(frees)).then_some(&mut **items)
}

/// The pair `t` refilled with what `make` gives and given again, when
/// [`pair_slots`] allows and `make` gives a pair (`make` runs only then,
/// so a state it advances is left as it was otherwise).
#[inline(always)]
pub(crate) fn refill_with(
    t: &mut PyRef,
    make: impl FnOnce() -> Option<(Value, Value)>,
) -> Option<Value> {
    let tracked = crate::objects::rc::Rc::weak_count(t) > 0;
    let items = pair_slots(t)?;
    let (a, b) = make()?;
    let objects = fill_pair(items, a, b);
    Some(refilled(t, tracked, objects))
}

/// CPython's reuse of an iterator's result pair (enumerate's `en_result`,
/// a dict items iterator's `di_result`):
/// when the iterator's reference is the pair's only one (the loop
/// unpacked and dropped it), its two items can be replaced in place and
/// the pair given again, with no allocation. Their slots, unless the pair
/// is shared or an old item would be freed by the refill (its finalizer
/// would wait for the eval loop's next check).
pub(crate) fn pair_slots(last: &mut PyRef) -> Option<&mut [Value; 2]> {
    // SAFETY: a tuple takes no user weakrefs; its weak references are the
    // collector's generation entries, upgraded only while a collection
    // runs, which does not happen while the slots are borrowed (no code
    // runs in a refill).
    let o = unsafe { crate::objects::rc::Rc::get_mut_strong(last) }?;
    let Payload::Tuple(super::tuple_items::TupleItems::Two(items)) = &mut o.payload else {
        return None;
    };
    let frees =
        |v: &Value| matches!(v, Value::Obj(x) if crate::objects::rc::Rc::strong_count(x) == 1);
    (!items.iter().any(frees)).then_some(items)
}

/// Put `a` and `b` in the slots [`pair_slots`] gave (the old items are
/// not freed: checked there); whether either is an object.
pub(crate) fn fill_pair(items: &mut [Value; 2], a: Value, b: Value) -> bool {
    let objects = matches!(a, Value::Obj(_)) || matches!(b, Value::Obj(_));
    let [x, y] = items;
    drop(std::mem::replace(x, a));
    drop(std::mem::replace(y, b));
    objects
}

/// The refilled pair `t`, given again: tracked by the collector again if a
/// collection untracked it (its items were all atomic, `tracked` false)
/// and it now holds an object.
pub(crate) fn refilled(t: &PyRef, tracked: bool, objects: bool) -> Value {
    if !tracked && objects {
        super::gc::track(t);
    }
    Value::Obj(t.clone())
}
