//! `range`, and the iterators of the builtin containers and builtins
//! (`enumerate`, `zip`, `map`, `filter`, `reversed`, `iter(f, sentinel)`).

use crate::vm::value::{PyRef, Value};

/// A `range` (ints that fit in 64 bits).
#[derive(Clone, Copy)]
pub struct Range {
    pub start: i64,
    pub stop: i64,
    pub step: i64,
}

impl Range {
    /// Number of elements.
    pub fn len(&self) -> i64 {
        let (lo, hi, step) = (self.start as i128, self.stop as i128, self.step as i128);
        let n = if step > 0 && lo < hi {
            (hi - lo - 1) / step + 1
        } else if step < 0 && lo > hi {
            (lo - hi - 1) / (-step) + 1
        } else {
            0
        };
        n as i64
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The i-th element (0 <= i < len).
    pub fn get(&self, i: i64) -> i64 {
        self.start.wrapping_add(i.wrapping_mul(self.step))
    }
}

/// The state of an iterator object.
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
    /// str iteration by byte offset.
    Str {
        s: PyRef,
        pos: usize,
    },
    Bytes {
        b: Value,
        idx: usize,
    },
    DictKeys {
        dict: PyRef,
        pos: usize,
        len: usize,
    },
    DictValues {
        dict: PyRef,
        pos: usize,
        len: usize,
    },
    DictItems {
        dict: PyRef,
        pos: usize,
        len: usize,
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
        count: i64,
    },
    Zip {
        its: Vec<Value>,
        strict: bool,
    },
    Map {
        func: Value,
        its: Vec<Value>,
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
        Enumerate(Value, i64),
        Zip(Vec<Value>, bool),
        Map(Value, Vec<Value>),
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
            IterState::Str { s, pos } => {
                let text = match &s.payload {
                    Payload::Str(t) => t.as_str(),
                    _ => "",
                };
                match text.get(*pos..).and_then(|r| r.chars().next()) {
                    Some(c) => {
                        *pos += c.len_utf8();
                        Step::Done(Some(vm.new_char(c)))
                    }
                    None => Step::Done(None),
                }
            }
            IterState::Bytes { b, idx } => {
                let v = super::bytes::bytes_of(b).and_then(|d| d.get(*idx).copied());
                *idx += 1;
                Step::Done(v.map(|x| Value::Int(x as i64)))
            }
            IterState::DictKeys { dict, pos, len }
            | IterState::DictValues { dict, pos, len }
            | IterState::DictItems { dict, pos, len } => {
                let table = match &dict.payload {
                    Payload::Dict(t) | Payload::Set(t) => Some(t.borrow()),
                    _ => None,
                };
                let frozen = match &dict.payload {
                    Payload::FrozenSet(t) => Some(t),
                    _ => None,
                };
                let cur_len = table
                    .as_ref()
                    .map(|t| t.len())
                    .or(frozen.map(|t| t.len()))
                    .unwrap_or(0);
                if cur_len != *len {
                    drop(table);
                    *len = usize::MAX;
                    return Err(
                        vm.runtime_error(if matches!(dict.payload, Payload::Dict(_)) {
                            "dictionary changed size during iteration"
                        } else {
                            "Set changed size during iteration"
                        }),
                    );
                }
                let mut found = None;
                let slots = table
                    .as_ref()
                    .map(|t| t.entry_slots())
                    .or(frozen.map(|t| t.entry_slots()))
                    .unwrap_or(0);
                while *pos < slots {
                    let e = table
                        .as_ref()
                        .and_then(|t| t.entry(*pos))
                        .or(frozen.and_then(|t| t.entry(*pos)));
                    *pos += 1;
                    if let Some(e) = e {
                        found = Some((e.key.clone(), e.value.clone()));
                        break;
                    }
                }
                drop(table);
                let kind = match &*st {
                    IterState::DictKeys { .. } => 0,
                    IterState::DictValues { .. } => 1,
                    _ => 2,
                };
                Step::Done(found.map(|(k, v)| match kind {
                    0 => k,
                    1 => v,
                    _ => vm.new_tuple(vec![k, v]),
                }))
            }
            IterState::GetItem { obj, idx } => {
                let r = Step::GetItem(obj.clone(), *idx);
                *idx += 1;
                r
            }
            IterState::Callable { func, sentinel } => Step::Call(func.clone(), sentinel.clone()),
            IterState::Enumerate { it, count } => {
                let r = Step::Enumerate(it.clone(), *count);
                *count += 1;
                r
            }
            IterState::Zip { its, strict } => Step::Zip(its.clone(), *strict),
            IterState::Map { func, its } => Step::Map(func.clone(), its.clone()),
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
        Step::GetItem(obj, idx) => match vm.getitem(&obj, &Value::Int(idx)) {
            Ok(v) => Ok(Some(v)),
            Err(e)
                if vm.err_is(&e, ExcKind::IndexError) || vm.err_is(&e, ExcKind::StopIteration) =>
            {
                *cell.borrow_mut() = IterState::Exhausted;
                Ok(None)
            }
            Err(e) => Err(e),
        },
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
            Some(v) => Ok(Some(vm.new_tuple(vec![Value::Int(count), v]))),
            None => Ok(None),
        },
        Step::Zip(its, strict) => {
            if its.is_empty() {
                return Ok(None);
            }
            let mut out = Vec::with_capacity(its.len());
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
            Ok(Some(vm.new_tuple(out)))
        }
        Step::Map(func, its) => {
            let mut args = Vec::with_capacity(its.len());
            for it in &its {
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
                let r = vm.call(&func, &[v.clone()])?;
                vm.truthy(&r)?
            };
            if keep {
                return Ok(Some(v));
            }
        },
    }
}

pub fn range_getitem(vm: &mut Vm, o: &PyRef, key: &Value) -> PyResult<Value> {
    let Payload::Range(r) = &o.payload else {
        return Err(vm.type_error("not a range"));
    };
    let r = *r;
    if let Some(s) = Vm::as_slice(key) {
        let (start, stop, step, _) = vm.slice_indices(&s.clone(), r.len() as usize)?;
        let nr = Range {
            start: r.get(start),
            stop: r.get(stop),
            step: r.step * step,
        };
        return Ok(Value::Obj(vm.new_obj(&vm.types.range, Payload::Range(nr))));
    }
    match vm.index_value(key)? {
        Some(i) => match Vm::norm_index(i, r.len() as usize) {
            Some(j) => Ok(Value::Int(r.get(j as i64))),
            None => Err(vm.index_error("range object index out of range")),
        },
        None => Err(vm.type_error(format!(
            "range indices must be integers or slices, not {}",
            vm.type_name_of(key)
        ))),
    }
}

pub fn dict_view_contains(vm: &mut Vm, view: &PyRef, d: &PyRef, item: &Value) -> PyResult<bool> {
    if view.class_is(&vm.types.dict_keys) {
        return Ok(vm.dict_get(d, item)?.is_some());
    }
    let items = vm.dict_items(d);
    for (k, v) in items {
        let cand = if view.class_is(&vm.types.dict_values) {
            v
        } else {
            vm.new_tuple(vec![k, v])
        };
        if vm.eq(&cand, item)? {
            return Ok(true);
        }
    }
    Ok(false)
}

fn iter_self(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let _ = vm;
    Ok(args.args.first().cloned().unwrap_or(Value::None))
}

fn iter_next_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let it = args.args.first().cloned().unwrap_or(Value::None);
    match vm.next(&it)? {
        Some(v) => Ok(v),
        None => Err(vm.new_error_noargs(ExcKind::StopIteration)),
    }
}

fn range_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("range", args, 1, 3)?;
    let mut n = [0i64; 3];
    for (i, v) in a.iter().enumerate() {
        n[i] = match vm.index_value(v)? {
            Some(x) => x,
            None => {
                return Err(vm.type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    vm.type_name_of(v)
                )))
            }
        };
    }
    let r = match a.len() {
        1 => Range {
            start: 0,
            stop: n[0],
            step: 1,
        },
        2 => Range {
            start: n[0],
            stop: n[1],
            step: 1,
        },
        _ => {
            if n[2] == 0 {
                return Err(vm.value_error("range() arg 3 must not be zero"));
            }
            Range {
                start: n[0],
                stop: n[1],
                step: n[2],
            }
        }
    };
    Ok(Value::Obj(vm.new_obj(&vm.types.range, Payload::Range(r))))
}

fn range_field(vm: &mut Vm, v: &Value, which: u8) -> PyResult<Value> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Range(r) => Ok(Value::Int(match which {
                0 => r.start,
                1 => r.stop,
                _ => r.step,
            })),
            _ => Err(vm.type_error("not a range")),
        },
        _ => Err(vm.type_error("not a range")),
    }
}
fn range_start(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    range_field(vm, v, 0)
}
fn range_stop(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    range_field(vm, v, 1)
}
fn range_step(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    range_field(vm, v, 2)
}

fn enumerate_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = &args.pos()[1.min(args.pos().len())..];
    let iterable = match pos
        .first()
        .cloned()
        .or_else(|| Vm::kwarg(&args, "iterable"))
    {
        Some(v) => v,
        None => {
            return Err(vm.type_error("enumerate() missing required argument 'iterable' (pos 1)"))
        }
    };
    let start = match pos.get(1).cloned().or_else(|| Vm::kwarg(&args, "start")) {
        Some(v) => match vm.index_value(&v)? {
            Some(i) => i,
            None => {
                return Err(vm.type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    vm.type_name_of(&v)
                )))
            }
        },
        None => 0,
    };
    let it = vm.iter(&iterable)?;
    Ok(vm.new_iter(
        &vm.types.enumerate.clone(),
        IterState::Enumerate { it, count: start },
    ))
}

fn zip_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = &args.pos()[1.min(args.pos().len())..];
    let strict = match Vm::kwarg(&args, "strict") {
        Some(v) => vm.truthy(&v)?,
        None => false,
    };
    let mut its = Vec::with_capacity(pos.len());
    for (i, p) in pos.iter().enumerate() {
        match vm.iter(p) {
            Ok(it) => its.push(it),
            Err(e) if vm.err_is(&e, ExcKind::TypeError) => {
                return Err(vm.type_error(format!("zip argument #{} must support iteration", i + 1)))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(vm.new_iter(&vm.types.zip.clone(), IterState::Zip { its, strict }))
}

fn map_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = &args.pos()[1.min(args.pos().len())..];
    if pos.len() < 2 {
        return Err(vm.type_error("map() must have at least two arguments."));
    }
    let mut its = Vec::with_capacity(pos.len() - 1);
    for p in &pos[1..] {
        its.push(vm.iter(p)?);
    }
    Ok(vm.new_iter(
        &vm.types.map.clone(),
        IterState::Map {
            func: pos[0].clone(),
            its,
        },
    ))
}

fn filter_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = &args.pos()[1.min(args.pos().len())..];
    if pos.len() != 2 {
        return Err(vm.type_error(format!("filter expected 2 arguments, got {}", pos.len())));
    }
    let it = vm.iter(&pos[1])?;
    Ok(vm.new_iter(
        &vm.types.filter.clone(),
        IterState::Filter {
            func: pos[0].clone(),
            it,
        },
    ))
}

fn reversed_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = &args.pos()[1.min(args.pos().len())..];
    if pos.len() != 1 {
        return Err(vm.type_error(format!("reversed expected 1 argument, got {}", pos.len())));
    }
    let seq = pos[0].clone();
    if let Some(r) = vm.call_special(&seq, "__reversed__", &[])? {
        return Ok(r);
    }
    let ty = vm.type_of(&seq);
    if vm.type_lookup_str(&ty, "__getitem__").is_none()
        || matches!(&seq, Value::Obj(o) if matches!(o.payload, Payload::Dict(_)))
    {
        return Err(vm.type_error(format!("'{}' object is not reversible", vm.type_name(&ty))));
    }
    let n = vm.len(&seq)? as i64;
    Ok(vm.new_iter(
        &vm.types.reversed.clone(),
        IterState::Reversed { seq, idx: n - 1 },
    ))
}

fn range_len_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = args.args.first().cloned().unwrap_or(Value::None);
    Ok(Value::Int(vm.len(&v)? as i64))
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
    let r = vm.types.range.clone();
    vm.add_staticmethods(&r, &[("__new__", range_new)]);
    vm.add_methods(&r, &[("__len__", range_len_m)]);
    vm.add_getsets(
        &r,
        &[
            ("start", range_start, None),
            ("stop", range_stop, None),
            ("step", range_step, None),
        ],
    );
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
    for t in [
        vm.types.dict_keys.clone(),
        vm.types.dict_values.clone(),
        vm.types.dict_items.clone(),
    ] {
        vm.add_methods(&t, &[("__len__", range_len_m)]);
    }
}
