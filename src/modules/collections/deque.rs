//! `collections.deque` (CPython's Modules/_collectionsmodule.c): a
//! double-ended queue with an optional `maxlen`, and a mutation counter
//! (`state`) that iterators and searches check ("deque mutated during
//! iteration"). Sequence protocol, comparison, repr and the iterators are
//! in `deque_seq.rs`.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use crate::modules::itertools::clinic::{self, parse, Sig};
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The state of a deque.
pub struct Deque {
    pub items: RefCell<VecDeque<Value>>,
    pub maxlen: Cell<Option<usize>>,
    /// Bumped by every structural change.
    pub state: Cell<u64>,
}

impl NativeData for Deque {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        if let Ok(items) = self.items.try_borrow() {
            items.iter().for_each(visit);
        }
    }

    fn clear(&self, out: &mut Vec<Value>) {
        if let Ok(mut items) = self.items.try_borrow_mut() {
            out.extend(items.drain(..));
            self.bump();
        }
    }
}

impl Deque {
    pub fn new(maxlen: Option<usize>) -> Deque {
        Deque {
            items: RefCell::new(VecDeque::new()),
            maxlen: Cell::new(maxlen),
            state: Cell::new(0),
        }
    }

    pub fn bump(&self) {
        self.state.set(self.state.get().wrapping_add(1));
    }

    pub fn len(&self) -> usize {
        self.items.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.borrow().is_empty()
    }

    pub fn snapshot(&self) -> Vec<Value> {
        self.items.borrow().iter().cloned().collect()
    }

    /// Append on the right, dropping from the left past `maxlen`.
    pub fn push_back(&self, v: Value) {
        let dropped = {
            let mut items = self.items.borrow_mut();
            items.push_back(v);
            match self.maxlen.get() {
                Some(m) if items.len() > m => items.pop_front(),
                _ => None,
            }
        };
        self.bump();
        drop(dropped);
    }

    /// Append on the left, dropping from the right past `maxlen`.
    pub fn push_front(&self, v: Value) {
        let dropped = {
            let mut items = self.items.borrow_mut();
            items.push_front(v);
            match self.maxlen.get() {
                Some(m) if items.len() > m => items.pop_back(),
                _ => None,
            }
        };
        self.bump();
        drop(dropped);
    }

    /// Remove every item (their destructors run after the borrow ends).
    pub fn clear(&self) {
        let old = std::mem::take(&mut *self.items.borrow_mut());
        self.bump();
        drop(old);
    }
}

/// The deque `v` (the receiver of a deque method).
pub fn dq<'a>(vm: &Vm, v: &'a Value, method: &str) -> PyResult<&'a Deque> {
    vm.native::<Deque>(v).ok_or_else(|| {
        vm.type_error(format!(
            "descriptor '{method}' for 'collections.deque' objects doesn't apply to a '{}' object",
            vm.type_name_of(v)
        ))
    })
}

/// The receiver and its deque state.
fn recv<'a>(vm: &Vm, args: &Args<'a>, method: &str) -> PyResult<(Value, &'a Deque)> {
    let s = args.args.first().ok_or_else(|| {
        vm.type_error(format!("unbound method deque.{method}() needs an argument"))
    })?;
    Ok((s.clone(), dq(vm, s, method)?))
}

pub fn deque_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = clinic::cls_arg(vm, &args, "deque")?;
    Ok(Value::Obj(vm.new_native(&cls, Deque::new(None))))
}

/// A `maxlen` argument: None, or a non-negative int.
fn maxlen_arg(vm: &mut Vm, v: Option<&Value>) -> PyResult<Option<usize>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(v) => {
            let n = match vm.ssize_arg(v)? {
                Some(n) => n,
                None => return Err(vm.type_error("an integer is required")),
            };
            if n < 0 {
                return Err(vm.value_error("maxlen must be non-negative"));
            }
            Ok(Some(n as usize))
        }
    }
}

pub fn deque_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, d) = recv(vm, &args, "__init__")?;
    let a = parse(vm, &args, 1, &Sig::new("deque", &["iterable", "maxlen"], 0))?;
    let maxlen = maxlen_arg(vm, a[1].as_ref())?;
    d.maxlen.set(maxlen);
    if !d.is_empty() {
        d.clear();
    }
    if let Some(it) = &a[0] {
        extend(vm, &s, d, it, false)?;
    }
    Ok(Value::None)
}

/// `extend`/`extendleft` (`left`), reading a copy when extending by itself.
pub fn extend(vm: &mut Vm, s: &Value, d: &Deque, iterable: &Value, left: bool) -> PyResult<()> {
    if iterable.is(s) {
        let items = d.snapshot();
        for v in items {
            if left {
                d.push_front(v);
            } else {
                d.push_back(v);
            }
        }
        return Ok(());
    }
    let it = vm.iter(iterable)?;
    while let Some(v) = vm.next(&it)? {
        if left {
            d.push_front(v);
        } else {
            d.push_back(v);
        }
    }
    Ok(())
}

fn deque_append(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, d) = recv(vm, &args, "append")?;
    let a = vm.check_args("deque.append", args, 1, 1)?;
    d.push_back(a[0].clone());
    Ok(Value::None)
}

fn deque_appendleft(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, d) = recv(vm, &args, "appendleft")?;
    let a = vm.check_args("deque.appendleft", args, 1, 1)?;
    d.push_front(a[0].clone());
    Ok(Value::None)
}

fn pop_end(vm: &mut Vm, args: Args, left: bool) -> PyResult<Value> {
    let (name, qual) = if left {
        ("popleft", "deque.popleft")
    } else {
        ("pop", "deque.pop")
    };
    let (_, d) = recv(vm, &args, name)?;
    vm.check_args(qual, args, 0, 0)?;
    let v = {
        let mut items = d.items.borrow_mut();
        if left {
            items.pop_front()
        } else {
            items.pop_back()
        }
    };
    match v {
        Some(v) => {
            d.bump();
            Ok(v)
        }
        None => Err(vm.index_error("pop from an empty deque")),
    }
}

fn deque_pop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    pop_end(vm, args, false)
}

fn deque_popleft(vm: &mut Vm, args: Args) -> PyResult<Value> {
    pop_end(vm, args, true)
}

fn deque_extend(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, d) = recv(vm, &args, "extend")?;
    let a = vm.check_args("deque.extend", args, 1, 1)?;
    extend(vm, &s, d, &a[0], false)?;
    Ok(Value::None)
}

fn deque_extendleft(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, d) = recv(vm, &args, "extendleft")?;
    let a = vm.check_args("deque.extendleft", args, 1, 1)?;
    extend(vm, &s, d, &a[0], true)?;
    Ok(Value::None)
}

fn deque_clear(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, d) = recv(vm, &args, "clear")?;
    vm.check_args("deque.clear", args, 0, 0)?;
    d.clear();
    Ok(Value::None)
}

/// `deque.copy()` / `__copy__`: the same class, items and maxlen (a
/// subclass is called as `type(d)(d[, maxlen])`).
pub fn copy_of(vm: &mut Vm, s: &Value, d: &Deque) -> PyResult<Value> {
    let cls = vm.type_of(s);
    let base = super::registered(vm, "deque")?;
    if crate::objects::rc::Rc::ptr_eq(&cls, &base) {
        let n = Deque::new(d.maxlen.get());
        *n.items.borrow_mut() = d.items.borrow().clone();
        return Ok(Value::Obj(vm.new_native(&cls, n)));
    }
    let c = Value::Obj(cls);
    match d.maxlen.get() {
        Some(m) => vm.call(&c, &[s.clone(), Value::Int(m as i64)]),
        None => vm.call(&c, std::slice::from_ref(s)),
    }
}

fn deque_copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, d) = recv(vm, &args, "copy")?;
    vm.check_args("deque.copy", args, 0, 0)?;
    copy_of(vm, &s, d)
}

fn deque_dunder_copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, d) = recv(vm, &args, "__copy__")?;
    vm.check_args("deque.__copy__", args, 0, 0)?;
    copy_of(vm, &s, d)
}

/// Compare item `i` with `v` (item first, as CPython), then check the
/// deque was not changed meanwhile.
fn item_eq(vm: &mut Vm, d: &Deque, i: usize, v: &Value, state: u64) -> PyResult<Option<bool>> {
    let Some(item) = d.items.borrow().get(i).cloned() else {
        return Ok(None);
    };
    let r = vm.eq(&item, v)?;
    if d.state.get() != state {
        return Err(vm.runtime_error("deque mutated during iteration"));
    }
    Ok(Some(r))
}

fn deque_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, d) = recv(vm, &args, "count")?;
    let a = vm.check_args("deque.count", args, 1, 1)?;
    let state = d.state.get();
    let n = d.len();
    let mut count = 0;
    for i in 0..n {
        if item_eq(vm, d, i, &a[0], state)? == Some(true) {
            count += 1;
        }
    }
    Ok(Value::Int(count))
}

/// The position of `v` in `d[start:stop]`, checking for mutation.
fn find(vm: &mut Vm, d: &Deque, v: &Value, start: usize, stop: usize) -> PyResult<Option<usize>> {
    let state = d.state.get();
    for i in start..stop {
        match item_eq(vm, d, i, v, state)? {
            Some(true) => return Ok(Some(i)),
            Some(false) => {}
            None => break,
        }
    }
    Ok(None)
}

pub fn deque_contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, d) = recv(vm, &args, "__contains__")?;
    let a = vm.check_args("deque.__contains__", args, 1, 1)?;
    let n = d.len();
    Ok(Value::bool(find(vm, d, &a[0], 0, n)?.is_some()))
}

fn deque_index(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, d) = recv(vm, &args, "index")?;
    let a = args.pos().get(1..).unwrap_or(&[]);
    if args.has_kwargs() {
        return Err(vm.type_error("index() takes no keyword arguments"));
    }
    if a.is_empty() || a.len() > 3 {
        let (w, k) = if a.is_empty() {
            ("least", 1)
        } else {
            ("most", 3)
        };
        let s = if k == 1 { "" } else { "s" };
        return Err(vm.type_error(format!(
            "index() takes at {w} {k} argument{s} ({} given)",
            a.len()
        )));
    }
    let n = d.len() as i64;
    let bound = |vm: &mut Vm, v: Option<&Value>, dflt: i64| -> PyResult<i64> {
        let i = match v {
            Some(v) => crate::objects::list::slice_index_arg(vm, v)?,
            None => dflt,
        };
        Ok(if i < 0 { (i + n).max(0) } else { i.min(n) })
    };
    let start = bound(vm, a.get(1), 0)?;
    let stop = bound(vm, a.get(2), n)?;
    let start = start.min(stop);
    match find(vm, d, &a[0], start as usize, stop as usize)? {
        Some(i) => Ok(Value::Int(i as i64)),
        None => {
            let r = vm.repr(&a[0])?;
            Err(vm.value_error(format!("{r} is not in deque")))
        }
    }
}

fn deque_insert(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, d) = recv(vm, &args, "insert")?;
    let a = args.pos().get(1..).unwrap_or(&[]);
    if args.has_kwargs() {
        return Err(vm.type_error("deque.insert() takes no keyword arguments"));
    }
    if a.len() != 2 {
        return Err(vm.type_error(format!(
            "insert() takes exactly 2 arguments ({} given)",
            a.len()
        )));
    }
    let i = clinic::ssize(vm, &a[0])?;
    let n = d.len();
    if d.maxlen.get() == Some(n) {
        return Err(vm.index_error("deque already at its maximum size"));
    }
    let n = n as i64;
    let at = if i < 0 { (i + n).max(0) } else { i.min(n) };
    d.items.borrow_mut().insert(at as usize, a[1].clone());
    d.bump();
    Ok(Value::None)
}

fn deque_remove(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, d) = recv(vm, &args, "remove")?;
    let a = vm.check_args("deque.remove", args, 1, 1)?;
    let n = d.len();
    let found = find(vm, d, &a[0], 0, n).map_err(|e| {
        if vm.err_is(&e, crate::objects::exception::ExcKind::RuntimeError) {
            vm.index_error("deque mutated during iteration")
        } else {
            e
        }
    })?;
    match found {
        Some(i) => {
            let old = d.items.borrow_mut().remove(i);
            d.bump();
            drop(old);
            Ok(Value::None)
        }
        None => {
            let r = vm.repr(&a[0])?;
            Err(vm.value_error(format!("{r} is not in deque")))
        }
    }
}

fn deque_reverse(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, d) = recv(vm, &args, "reverse")?;
    vm.check_args("deque.reverse", args, 0, 0)?;
    d.items.borrow_mut().make_contiguous().reverse();
    Ok(Value::None)
}

fn deque_rotate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, d) = recv(vm, &args, "rotate")?;
    let a = clinic::positional(vm, &args, 1, "deque.rotate", 0, 1)?;
    let k = match a.first() {
        Some(v) => clinic::ssize(vm, v)?,
        None => 1,
    };
    let mut items = d.items.borrow_mut();
    let n = items.len() as i64;
    if n > 1 {
        let k = k.rem_euclid(n) as usize;
        items.rotate_right(k);
    }
    drop(items);
    d.bump();
    Ok(Value::None)
}

fn get_maxlen(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let d = dq(vm, v, "maxlen")?;
    Ok(d.maxlen.get().map_or(Value::None, |m| Value::Int(m as i64)))
}

fn deque_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, d) = recv(vm, &args, "__reduce__")?;
    let cls = Value::Obj(vm.type_of(&s));
    let cargs = match d.maxlen.get() {
        None => vm.new_tuple_of([]),
        Some(m) => {
            let e = vm.new_tuple_of([]);
            vm.new_tuple_of([e, Value::Int(m as i64)])
        }
    };
    let state = match &s {
        Value::Obj(o) => match o.dict() {
            Some(dict) if vm.dict_len(&dict) > 0 => Value::Obj(dict),
            _ => Value::None,
        },
        _ => Value::None,
    };
    let it = vm.iter(&s)?;
    Ok(vm.new_tuple_of([cls, cargs, state, it]))
}

fn deque_sizeof(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, d) = recv(vm, &args, "__sizeof__")?;
    let blocks = d.len() / 64 + 1;
    Ok(Value::Int((80 + blocks * 528) as i64))
}

fn deque_class_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::positional(vm, &args, 1, "__class_getitem__", 1, 1)?;
    Ok(vm.new_generic_alias(clinic::self_arg(&args), a[0].clone()))
}

/// Make the deque type (methods from this file and `deque_seq.rs`).
pub fn make_type(vm: &mut Vm) -> PyRef {
    use crate::objects::typeobj::{Layout, FLAG_BASETYPE, FLAG_HAS_WEAKREF};
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "collections",
        "deque",
        &object,
        Layout::Native("deque"),
        FLAG_BASETYPE | FLAG_HAS_WEAKREF,
    );
    vm.add_staticmethods(&t, &[("__new__", deque_new)]);
    vm.add_methods(
        &t,
        &[
            ("__init__", deque_init),
            ("append", deque_append),
            ("appendleft", deque_appendleft),
            ("pop", deque_pop),
            ("popleft", deque_popleft),
            ("extend", deque_extend),
            ("extendleft", deque_extendleft),
            ("clear", deque_clear),
            ("copy", deque_copy),
            ("__copy__", deque_dunder_copy),
            ("count", deque_count),
            ("index", deque_index),
            ("insert", deque_insert),
            ("remove", deque_remove),
            ("reverse", deque_reverse),
            ("rotate", deque_rotate),
            ("__contains__", deque_contains),
            ("__reduce__", deque_reduce),
            ("__sizeof__", deque_sizeof),
        ],
    );
    super::deque_seq::add_methods(vm, &t);
    vm.add_classmethods(&t, &[("__class_getitem__", deque_class_getitem)]);
    vm.add_getsets(&t, &[("maxlen", get_maxlen, None)]);
    vm.add_type_attr(&t, "__hash__", Value::None);
    t
}
