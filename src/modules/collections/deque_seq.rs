//! The deque's sequence protocol (len, items, concatenation, repetition),
//! comparison, repr (`deque([...], maxlen=n)`, `[...]` on recursion) and
//! its iterators `_deque_iterator` / `_deque_reverse_iterator`.

use std::cell::Cell;

use crate::modules::itertools::clinic;
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::vm::proto::CmpOp;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::deque::{copy_of, dq, extend, Deque};

fn recv<'a>(vm: &Vm, args: &Args<'a>, method: &str) -> PyResult<(Value, &'a Deque)> {
    let s = args.args.first().ok_or_else(|| {
        vm.type_error(format!("unbound method deque.{method}() needs an argument"))
    })?;
    Ok((s.clone(), dq(vm, s, method)?))
}

fn arg1(args: &Args) -> Value {
    args.args.get(1).cloned().unwrap_or(Value::None)
}

fn deque_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, d) = recv(vm, &args, "__len__")?;
    Ok(Value::Int(d.len() as i64))
}

/// A sequence index (`sq_item` rules): negative counts from the end.
fn seq_index(vm: &mut Vm, d: &Deque, key: &Value) -> PyResult<usize> {
    let i = match clinic::index_checked(vm, key)? {
        Some(Ok(i)) => i,
        Some(Err(_)) => {
            return Err(vm.new_error(
                ExcKind::IndexError,
                format!(
                    "cannot fit '{}' into an index-sized integer",
                    vm.type_name_of(key)
                ),
            ))
        }
        None => {
            return Err(vm.type_error(format!(
                "sequence index must be integer, not '{}'",
                vm.type_name_of(key)
            )))
        }
    };
    let n = d.len() as i64;
    let i = if i < 0 { i + n } else { i };
    if i < 0 || i >= n {
        return Err(vm.index_error("deque index out of range"));
    }
    Ok(i as usize)
}

fn deque_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, d) = recv(vm, &args, "__getitem__")?;
    let i = seq_index(vm, d, &arg1(&args))?;
    let v = d.items.borrow().get(i).cloned();
    v.ok_or_else(|| vm.index_error("deque index out of range"))
}

fn deque_setitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, d) = recv(vm, &args, "__setitem__")?;
    let i = seq_index(vm, d, &arg1(&args))?;
    let v = args.args.get(2).cloned().unwrap_or(Value::None);
    let old = d
        .items
        .borrow_mut()
        .get_mut(i)
        .map(|slot| std::mem::replace(slot, v));
    drop(old);
    Ok(Value::None)
}

fn deque_delitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, d) = recv(vm, &args, "__delitem__")?;
    let i = seq_index(vm, d, &arg1(&args))?;
    let old = d.items.borrow_mut().remove(i);
    d.bump();
    drop(old);
    Ok(Value::None)
}

fn deque_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, d) = recv(vm, &args, "__repr__")?;
    let Value::Obj(o) = &s else {
        return Ok(vm.new_str("deque([])"));
    };
    if !vm.repr_enter(o) {
        return Ok(vm.new_str("[...]"));
    }
    let items = d.snapshot();
    let r = vm.join_reprs(&items);
    vm.repr_leave(o);
    let body = r?;
    let name = crate::modules::itertools::short_type_name(vm, &s);
    Ok(vm.new_string(match d.maxlen.get() {
        Some(m) => format!("{name}([{body}], maxlen={m})"),
        None => format!("{name}([{body}])"),
    }))
}

fn deque_cmp(vm: &mut Vm, args: Args, op: CmpOp) -> PyResult<Value> {
    let (_, a) = recv(vm, &args, op.dunder())?;
    let other = arg1(&args);
    let Some(b) = vm.native::<Deque>(&other) else {
        return Ok(vm.not_implemented());
    };
    let (x, y) = (a.snapshot(), b.snapshot());
    crate::objects::list::seq_richcompare(vm, &x, &y, op, true)
}

macro_rules! cmp_methods {
    ($($name:ident, $op:ident;)*) => {
        $( fn $name(vm: &mut Vm, args: Args) -> PyResult<Value> { deque_cmp(vm, args, CmpOp::$op) } )*
    };
}
cmp_methods! { deque_lt, Lt; deque_le, Le; deque_eq, Eq; deque_ne, Ne; deque_gt, Gt; deque_ge, Ge; }

fn deque_add(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, d) = recv(vm, &args, "__add__")?;
    let other = arg1(&args);
    if vm.native::<Deque>(&other).is_none() {
        return Err(vm.type_error(format!(
            "can only concatenate deque (not \"{}\") to deque",
            vm.type_name_of(&other)
        )));
    }
    let new = copy_of(vm, &s, d)?;
    let nd = dq(vm, &new, "__add__")?;
    extend(vm, &new, nd, &other, false)?;
    Ok(new)
}

fn deque_iadd(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, d) = recv(vm, &args, "__iadd__")?;
    extend(vm, &s, d, &arg1(&args), false)?;
    Ok(s)
}

/// The repeat count of `d * n`.
fn repeat_count(vm: &mut Vm, n: &Value) -> PyResult<i64> {
    match clinic::index_checked(vm, n)? {
        Some(Ok(i)) => Ok(i),
        Some(Err(_)) => Err(vm.overflow_error(format!(
            "cannot fit '{}' into an index-sized integer",
            vm.type_name_of(n)
        ))),
        None => Err(vm.type_error(format!(
            "can't multiply sequence by non-int of type '{}'",
            vm.type_name_of(n)
        ))),
    }
}

/// Repeat `d` in place `n` times, keeping the last `maxlen` items.
fn repeat_in_place(vm: &mut Vm, d: &Deque, n: i64) -> PyResult<()> {
    let items = d.snapshot();
    let len = items.len();
    if n <= 0 {
        d.clear();
        return Ok(());
    }
    if n == 1 || len == 0 {
        return Ok(());
    }
    let total = (len as u128) * (n as u128);
    let keep = match d.maxlen.get() {
        Some(m) => (m as u128).min(total),
        None => total,
    };
    if keep > (isize::MAX as u128) / 16 {
        return Err(vm.new_error_noargs(ExcKind::MemoryError));
    }
    let first = total - keep;
    let out: std::collections::VecDeque<Value> = (0..keep)
        .map(|k| {
            let idx = ((first + k) % len as u128) as usize;
            items.get(idx).cloned().unwrap_or(Value::None)
        })
        .collect();
    let old = std::mem::replace(&mut *d.items.borrow_mut(), out);
    d.bump();
    drop(old);
    Ok(())
}

fn deque_mul(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, d) = recv(vm, &args, "__mul__")?;
    let n = repeat_count(vm, &arg1(&args))?;
    let new = copy_of(vm, &s, d)?;
    let nd = dq(vm, &new, "__mul__")?;
    repeat_in_place(vm, nd, n)?;
    Ok(new)
}

fn deque_imul(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, d) = recv(vm, &args, "__imul__")?;
    let n = repeat_count(vm, &arg1(&args))?;
    repeat_in_place(vm, d, n)?;
    Ok(s)
}

/// A deque iterator's state.
pub struct DequeIter {
    deque: PyRef,
    index: Cell<usize>,
    state: u64,
    counter: Cell<usize>,
    reverse: bool,
}

impl NativeData for DequeIter {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&Value::Obj(self.deque.clone()));
    }
}

fn new_iter(vm: &mut Vm, s: &Value, d: &Deque, reverse: bool) -> PyResult<Value> {
    let Value::Obj(o) = s else {
        return Err(vm.type_error("deque expected"));
    };
    let name = if reverse {
        "_deque_reverse_iterator"
    } else {
        "_deque_iterator"
    };
    let t = super::registered(vm, name)?;
    let n = d.len();
    let it = DequeIter {
        deque: o.clone(),
        index: Cell::new(if reverse { n.wrapping_sub(1) } else { 0 }),
        state: d.state.get(),
        counter: Cell::new(n),
        reverse,
    };
    Ok(Value::Obj(vm.new_native(&t, it)))
}

fn deque_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, d) = recv(vm, &args, "__iter__")?;
    new_iter(vm, &s, d, false)
}

fn deque_reversed(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, d) = recv(vm, &args, "__reversed__")?;
    vm.check_args("deque.__reversed__", args, 0, 0)?;
    new_iter(vm, &s, d, true)
}

fn it_state<'a>(vm: &Vm, args: &Args<'a>) -> PyResult<&'a DequeIter> {
    let s = args.args.first().unwrap_or(&Value::None);
    vm.native::<DequeIter>(s)
        .ok_or_else(|| vm.type_error("descriptor requires a '_collections._deque_iterator' object"))
}

fn dequeiter_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let it = it_state(vm, &args)?;
    let dv = Value::Obj(it.deque.clone());
    let d = dq(vm, &dv, "__next__")?;
    if d.state.get() != it.state {
        it.counter.set(0);
        return Err(vm.runtime_error("deque mutated during iteration"));
    }
    if it.counter.get() == 0 {
        return Err(vm.new_error_noargs(ExcKind::StopIteration));
    }
    let i = it.index.get();
    let v = d.items.borrow().get(i).cloned().unwrap_or(Value::None);
    it.index
        .set(if it.reverse { i.wrapping_sub(1) } else { i + 1 });
    it.counter.set(it.counter.get() - 1);
    Ok(v)
}

fn dequeiter_iter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(clinic::self_arg(&args))
}

fn dequeiter_length_hint(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let it = it_state(vm, &args)?;
    Ok(Value::Int(it.counter.get() as i64))
}

/// `_deque_iterator(deque, index=0)`.
fn dequeiter_new_dir(vm: &mut Vm, args: Args, reverse: bool) -> PyResult<Value> {
    let name = if reverse {
        "_deque_reverse_iterator"
    } else {
        "_deque_iterator"
    };
    let a = clinic::positional(vm, &args, 1, name, 1, 2)?;
    let d = dq(vm, &a[0], name)?;
    let it = new_iter(vm, &a[0], d, reverse)?;
    let skip = match a.get(1) {
        Some(v) => clinic::ssize(vm, v)?.max(0) as usize,
        None => 0,
    };
    for _ in 0..skip.min(d.len()) {
        dequeiter_next(vm, Args::new(std::slice::from_ref(&it)))?;
    }
    Ok(it)
}

fn dequeiter_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    dequeiter_new_dir(vm, args, false)
}

fn dequereviter_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    dequeiter_new_dir(vm, args, true)
}

pub fn add_methods(vm: &mut Vm, t: &PyRef) {
    vm.add_methods(
        t,
        &[
            ("__len__", deque_len),
            ("__getitem__", deque_getitem),
            ("__setitem__", deque_setitem),
            ("__delitem__", deque_delitem),
            ("__repr__", deque_repr),
            ("__lt__", deque_lt),
            ("__le__", deque_le),
            ("__eq__", deque_eq),
            ("__ne__", deque_ne),
            ("__gt__", deque_gt),
            ("__ge__", deque_ge),
            ("__add__", deque_add),
            ("__iadd__", deque_iadd),
            ("__mul__", deque_mul),
            ("__rmul__", deque_mul),
            ("__imul__", deque_imul),
            ("__iter__", deque_iter),
            ("__reversed__", deque_reversed),
        ],
    );
}

/// The two iterator types.
pub fn make_iter_types(vm: &mut Vm) -> Vec<(&'static str, PyRef)> {
    use crate::objects::typeobj::Layout;
    let object = vm.types.object.clone();
    let mut out = Vec::new();
    for (name, new) in [
        (
            "_deque_iterator",
            dequeiter_new as crate::objects::function::NativeFn,
        ),
        ("_deque_reverse_iterator", dequereviter_new),
    ] {
        let t = vm.new_native_type(
            "_collections",
            name,
            &object,
            Layout::Native("dequeiter"),
            0,
        );
        vm.add_staticmethods(&t, &[("__new__", new)]);
        vm.add_methods(
            &t,
            &[
                ("__iter__", dequeiter_iter),
                ("__next__", dequeiter_next),
                ("__length_hint__", dequeiter_length_hint),
            ],
        );
        out.push((name, t));
    }
    out
}
