//! `list` objects and their methods.

use super::listcell::ListCell;
use crate::vm::value::Truth;

use super::function::Args;
use super::Payload;
use crate::objects::exception::ExcKind;
use crate::vm::proto::CmpOp;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

fn cell(o: &PyRef) -> Option<&ListCell> {
    match &o.payload {
        Payload::List(l) => Some(l),
        _ => None,
    }
}

fn self_list(vm: &Vm, args: &Args, name: &str) -> PyResult<PyRef> {
    match args.args.first() {
        Some(Value::Obj(o)) if matches!(o.payload, Payload::List(_)) => Ok(o.clone()),
        _ => Err(vm.type_error(format!("descriptor '{name}' requires a 'list' object"))),
    }
}

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

pub fn list_getitem(vm: &mut Vm, o: &PyRef, key: &Value) -> PyResult<Value> {
    let Some(l) = cell(o) else {
        return Err(vm.type_error("not a list"));
    };
    if let Some(s) = Vm::as_slice(key) {
        return super::list_slice::get_slice(vm, l, s);
    }
    match vm.item_index(key)? {
        Some(i) => {
            let items = l.borrow();
            match Vm::norm_index(i, items.len()).and_then(|j| items.get(j)) {
                Some(v) => Ok(v.clone()),
                None => Err(vm.index_error("list index out of range")),
            }
        }
        None => Err(vm.type_error(format!(
            "list indices must be integers or slices, not {}",
            vm.type_name_of(key)
        ))),
    }
}

/// `PySequence_Fast(v, msg)`: the items of an iterable; a TypeError from
/// `iter(v)` becomes `msg`.
pub fn sequence_fast(vm: &mut Vm, v: &Value, msg: &str) -> PyResult<Vec<Value>> {
    // Only an exact list or tuple is used as it is: a subclass may
    // override `__iter__`.
    if let Value::Obj(o) = v {
        if o.class_is(&vm.types.list) || o.class_is(&vm.types.tuple) {
            if let Some(items) = vm.seq_items(v) {
                return Ok(items);
            }
        }
    }
    let it = match vm.iter(v) {
        Ok(it) => it,
        Err(e) if vm.err_is(&e, ExcKind::TypeError) => return Err(vm.type_error(msg)),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    while let Some(x) = vm.next(&it)? {
        out.push(x);
    }
    Ok(out)
}

/// `l[key] = value`, or `del l[key]` when `value` is None.
pub fn list_setitem(vm: &mut Vm, o: &PyRef, key: &Value, value: Option<Value>) -> PyResult<()> {
    let Some(l) = cell(o) else {
        return Err(vm.type_error("not a list"));
    };
    if let Some(s) = Vm::as_slice(key) {
        return super::list_slice::set_slice(vm, o, l, s, value.as_ref());
    }
    let Some(i) = vm.item_index(key)? else {
        return Err(vm.type_error(format!(
            "list indices must be integers or slices, not {}",
            vm.type_name_of(key)
        )));
    };
    let mut items = l
        .try_borrow_mut()
        .map_err(|_| vm.runtime_error("list modified during operation"))?;
    let Some(j) = Vm::norm_index(i, items.len()) else {
        drop(items);
        return Err(vm.index_error("list assignment index out of range"));
    };
    let old = match value {
        Some(v) => std::mem::replace(&mut items[j], v),
        None => items.remove(j),
    };
    drop(items);
    drop(old);
    Ok(())
}

pub(crate) fn list_append(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "append")?;
    let a = vm.check_args("list.append", args, 1, 1)?;
    if let Some(c) = cell(&l) {
        // Head-aware: a queue's dead front stays (objects/listcell.rs).
        if let Err(v) = c.try_push(a[0].clone()) {
            push_item(&mut c.borrow_mut(), v);
        }
    }
    Ok(Value::None)
}

/// Append to a list's items, growing the buffer as CPython's `list_resize`
/// does (by an eighth, not double as `Vec::push`): a list built by
/// appending holds at most ~12% spare slots, as in CPython.
#[inline]
pub fn push_item(items: &mut Vec<Value>, v: Value) {
    if items.len() == items.capacity() {
        grow_for_append(items);
    }
    items.push(v);
}

#[cold]
fn grow_for_append(items: &mut Vec<Value>) {
    let n = items.len() + 1;
    // CPython: new_allocated = (newsize + (newsize >> 3) + 6) & ~3.
    let want = (n + (n >> 3) + 6) & !3;
    items.reserve_exact(want.saturating_sub(items.len()));
}

fn list_extend(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "extend")?;
    let a = vm.check_args("list.extend", args, 1, 1)?;
    let items = vm.collect_iter(&a[0])?;
    if let Some(c) = cell(&l) {
        c.borrow_mut().extend(items);
    }
    Ok(Value::None)
}

fn list_insert(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "insert")?;
    let a = vm.check_args("list.insert", args, 2, 2)?;
    let i = int_arg(vm, &a[0])?;
    if let Some(c) = cell(&l) {
        let mut items = c.borrow_mut();
        let n = items.len() as i64;
        let j = if i < 0 { (i + n).max(0) } else { i.min(n) } as usize;
        items.insert(j, a[1].clone());
    }
    Ok(Value::None)
}

fn list_pop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "pop")?;
    let a = vm.check_args("list.pop", args, 0, 1)?;
    let i = match a.first() {
        Some(v) => int_arg(vm, v)?,
        None => -1,
    };
    let Some(c) = cell(&l) else {
        return Ok(Value::None);
    };
    // `pop(0)` leaves a dead slot in front (objects/listcell.rs).
    match c.pop_at(i) {
        Ok(v) => Ok(v),
        Err(super::listcell::PopError::Empty) => Err(vm.index_error("pop from empty list")),
        Err(super::listcell::PopError::OutOfRange) => Err(vm.index_error("pop index out of range")),
    }
}

/// An integer argument (`__index__`), else CPython's TypeError.
fn int_arg(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    match vm.ssize_arg(v)? {
        Some(i) => Ok(i),
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(v)
        ))),
    }
}

/// A start/stop argument of `index` (`_PyEval_SliceIndexNotNone`).
pub fn slice_index_arg(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    match vm.index_value(v)? {
        Some(i) => Ok(i),
        None => Err(vm.type_error("slice indices must be integers or have an __index__ method")),
    }
}

fn list_remove(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "remove")?;
    let a = vm.check_args("list.remove", args, 1, 1)?;
    let items = cell(&l).map(|c| c.borrow().clone()).unwrap_or_default();
    for (i, x) in items.iter().enumerate() {
        if vm.eq(x, &a[0])? {
            if let Some(c) = cell(&l) {
                let mut m = c.borrow_mut();
                if i < m.len() {
                    m.remove(i);
                }
            }
            return Ok(Value::None);
        }
    }
    Err(vm.value_error("list.remove(x): x not in list"))
}

fn list_index(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "index")?;
    let a = vm.check_args("list.index", args, 1, 3)?;
    let items = cell(&l).map(|c| c.borrow().clone()).unwrap_or_default();
    let n = items.len() as i64;
    let norm = |i: i64| if i < 0 { (i + n).max(0) } else { i.min(n) };
    let start = match a.get(1) {
        Some(v) => norm(slice_index_arg(vm, v)?),
        None => 0,
    };
    let stop = match a.get(2) {
        Some(v) => norm(slice_index_arg(vm, v)?),
        None => n,
    };
    for i in start..stop {
        if let Some(x) = items.get(i as usize) {
            if elem_eq(vm, x, &a[0])? {
                return Ok(Value::Int(i));
            }
        }
    }
    let r = vm.repr(&a[0])?;
    Err(vm.value_error(format!("{r} is not in list")))
}

fn list_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "count")?;
    let a = vm.check_args("list.count", args, 1, 1)?;
    let items = cell(&l).map(|c| c.borrow().clone()).unwrap_or_default();
    let mut n = 0;
    for x in &items {
        if elem_eq(vm, x, &a[0])? {
            n += 1;
        }
    }
    Ok(Value::Int(n))
}

fn list_clear(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "clear")?;
    vm.check_args("list.clear", args, 0, 0)?;
    let old = cell(&l).map(|c| std::mem::take(&mut *c.borrow_mut()));
    drop(old);
    Ok(Value::None)
}

fn list_copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "copy")?;
    vm.check_args("list.copy", args, 0, 0)?;
    let items = cell(&l).map(|c| c.borrow().clone()).unwrap_or_default();
    Ok(vm.new_list(items))
}

fn list_reverse(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "reverse")?;
    vm.check_args("list.reverse", args, 0, 0)?;
    if let Some(c) = cell(&l) {
        c.borrow_mut().reverse();
    }
    Ok(Value::None)
}

/// Sort values as `list.sort(key=..., reverse=...)` does (CPython's
/// timsort; keys are computed first, an error there leaves the order).
pub fn sort_values(
    vm: &mut Vm,
    mut items: Vec<Value>,
    key: &Value,
    reverse: bool,
) -> PyResult<Vec<Value>> {
    sort_in_place(vm, &mut items, key, reverse)?;
    Ok(items)
}

/// `a < b` for sorting when no Python code can take part (CPython's
/// pre-checked `unsafe_*_compare`): small ints, floats, exact strs, and
/// exact tuples compared as `tuplerichcompare` does (the first items that
/// are not equal decide, else the lengths) when their items are such
/// values. `None`: the general comparison decides.
fn fast_lt(vm: &Vm, a: &Value, b: &Value) -> Option<bool> {
    if let (Value::Obj(x), Value::Obj(y)) = (a, b) {
        if let (Payload::Tuple(p), Payload::Tuple(q)) = (&x.payload, &y.payload) {
            if !x.class_is(&vm.types.tuple) || !y.class_is(&vm.types.tuple) {
                return None;
            }
            for (u, v) in p.iter().zip(q.iter()) {
                if !super::dict::fast_key_eq(u, v)? {
                    return leaf_lt(vm, u, v);
                }
            }
            return Some(p.len() < q.len());
        }
    }
    leaf_lt(vm, a, b)
}

/// `a < b` for two small ints, two floats or two exact strs.
#[inline]
fn leaf_lt(vm: &Vm, a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x < y),
        (Value::Float(x), Value::Float(y)) => Some(x.get() < y.get()),
        (Value::Obj(x), Value::Obj(y)) => match (&x.payload, &y.payload) {
            (Payload::Str(s), Payload::Str(t))
                if x.class_is(&vm.types.str) && y.class_is(&vm.types.str) =>
            {
                Some(s.compare(t).is_lt())
            }
            _ => None,
        },
        _ => None,
    }
}

/// Sort a vector in place (on error it holds a permutation of the items).
fn sort_in_place(vm: &mut Vm, items: &mut [Value], key: &Value, reverse: bool) -> PyResult<()> {
    let lt = |vm: &mut Vm, a: &Value, b: &Value| match fast_lt(vm, a, b) {
        Some(r) => Ok(r),
        None => vm.compare(a, b, CmpOp::Lt),
    };
    if key.is_none() {
        return super::sort::sort_values(items, reverse, |a, b| lt(vm, a, b));
    }
    let mut keys = Vec::with_capacity(items.len());
    for v in items.iter() {
        keys.push(vm.call(key, std::slice::from_ref(v))?);
    }
    super::sort::sort_keyed(items, keys, reverse, |a, b| lt(vm, a, b))
}

/// `list.sort(*, key=None, reverse=False)`: the items are moved out of
/// the list while sorting (it looks empty meanwhile); anything put in the
/// list during the sort is discarded and reported.
pub(crate) fn list_sort(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "sort")?;
    // Argument Clinic's `_PyArg_UnpackKeywords`: the total first.
    let npos = args.pos().len().saturating_sub(1);
    let total = npos + args.kwargs().count();
    if total > 2 {
        let kw = if npos == 0 { "keyword " } else { "" };
        return Err(vm.type_error(format!(
            "sort() takes at most 2 {kw}arguments ({total} given)"
        )));
    }
    if npos > 0 {
        return Err(vm.type_error("sort() takes no positional arguments"));
    }
    let mut key = Value::None;
    let mut reverse = false;
    for (k, v) in args.kwargs() {
        match crate::vm::proto::str_of(k) {
            "key" => key = v.clone(),
            "reverse" => {
                reverse = match v {
                    Value::Bool(b) => b.get(),
                    _ => match vm.index_value(v)? {
                        Some(i) => i != 0,
                        None => {
                            return Err(vm.type_error(format!(
                                "'{}' object cannot be interpreted as an integer",
                                vm.type_name_of(v)
                            )))
                        }
                    },
                }
            }
            other => {
                return Err(vm.type_error(format!(
                    "'{other}' is an invalid keyword argument for sort()"
                )))
            }
        }
    }
    let Some(c) = cell(&l) else {
        return Ok(Value::None);
    };
    let mut items = match c.try_borrow_mut() {
        Ok(mut b) => std::mem::take(&mut *b),
        Err(_) => return Err(vm.runtime_error("list modified during operation")),
    };
    let r = sort_in_place(vm, &mut items, &key, reverse);
    let during = match c.try_borrow_mut() {
        Ok(mut b) => std::mem::replace(&mut *b, items),
        Err(_) => return Err(vm.runtime_error("list modified during operation")),
    };
    let modified = !during.is_empty();
    drop(during);
    r?;
    if modified {
        return Err(vm.value_error("list modified during sort"));
    }
    Ok(Value::None)
}

fn list_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "__len__")?;
    Ok(Value::Int(cell(&l).map_or(0, |c| c.borrow().len()) as i64))
}

fn list_getitem_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "__getitem__")?;
    let a = vm.check_args("list.__getitem__", args, 1, 1)?;
    list_getitem(vm, &l, &a[0])
}

fn list_setitem_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "__setitem__")?;
    list_setitem(vm, &l, &arg(&args, 1), Some(arg(&args, 2)))?;
    Ok(Value::None)
}

fn list_delitem_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "__delitem__")?;
    list_setitem(vm, &l, &arg(&args, 1), None)?;
    Ok(Value::None)
}

fn list_contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = arg(&args, 1);
    match args.args.first() {
        Some(Value::Obj(o)) => Ok(Value::bool(seq_contains(vm, o, &x)?)),
        _ => Ok(Value::Bool(Truth::False)),
    }
}

/// `x == item` for `in`: identity first, then the comparison
/// (`PyObject_RichCompareBool(x, item, Py_EQ)`).
#[inline]
fn elem_eq(vm: &mut Vm, x: &Value, item: &Value) -> PyResult<bool> {
    match super::dict::fast_key_eq(x, item) {
        Some(r) => Ok(r),
        None => vm.eq(x, item),
    }
}

/// `list_contains` / `tuplecontains`: `item in o` for a list or tuple.
/// A list's length is read afresh at each step (an `__eq__` may change
/// it); elements whose comparison runs no Python code are compared under
/// one borrow.
pub(crate) fn seq_contains(vm: &mut Vm, o: &PyRef, item: &Value) -> PyResult<bool> {
    match &o.payload {
        Payload::Tuple(items) => {
            for x in items.iter() {
                if elem_eq(vm, x, item)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Payload::List(l) => {
            let mut i = 0;
            loop {
                let x = {
                    let Ok(items) = l.try_borrow() else {
                        return Err(vm.runtime_error("list modified during operation"));
                    };
                    loop {
                        let Some(x) = items.get(i) else {
                            return Ok(false);
                        };
                        match super::dict::fast_key_eq(x, item) {
                            Some(true) => return Ok(true),
                            Some(false) => i += 1,
                            None => break x.clone(),
                        }
                    }
                };
                if vm.eq(&x, item)? {
                    return Ok(true);
                }
                i += 1;
            }
        }
        _ => Ok(false),
    }
}

fn list_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "__iter__")?;
    Ok(vm.new_iter(
        &vm.types.list_iterator.clone(),
        crate::objects::iter::IterState::Seq {
            seq: Value::Obj(l),
            idx: 0,
        },
    ))
}

fn list_add(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = arg(&args, 0);
    let b = arg(&args, 1);
    let (Some(mut x), true) = (
        vm.seq_items(&a),
        matches!(&b, Value::Obj(o) if matches!(o.payload, Payload::List(_))),
    ) else {
        return Err(vm.type_error(format!(
            "can only concatenate list (not \"{}\") to list",
            vm.type_name_of(&b)
        )));
    };
    x.extend(vm.seq_items(&b).unwrap_or_default());
    Ok(vm.new_list(x))
}

fn list_iadd(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "__iadd__")?;
    let items = vm.collect_iter(&arg(&args, 1))?;
    if let Some(c) = cell(&l) {
        c.borrow_mut().extend(items);
    }
    Ok(Value::Obj(l))
}

/// A repeat count for `seq * n` (negative counts are 0).
pub fn repeat_count(vm: &mut Vm, n: &Value, elem_size: usize) -> PyResult<Option<usize>> {
    let Some(k) = vm.repeat_index(n)? else {
        return Ok(None);
    };
    let k = k.max(0) as usize;
    // CPython: `if (size > PY_SSIZE_T_MAX / n) return PyErr_NoMemory();`
    if k > 0 && elem_size > isize::MAX as usize / k {
        return Err(super::alloc::no_memory(vm));
    }
    Ok(Some(k))
}

fn list_mul(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let items = vm.seq_items(&arg(&args, 0)).unwrap_or_default();
    let Some(k) = repeat_count(vm, &arg(&args, 1), items.len())? else {
        return Ok(vm.not_implemented());
    };
    let out = super::alloc::repeat_slice(vm, &items, k)?;
    Ok(vm.new_list(out))
}

fn list_imul(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "__imul__")?;
    let items = vm.seq_items(&arg(&args, 0)).unwrap_or_default();
    let Some(k) = repeat_count(vm, &arg(&args, 1), items.len())? else {
        return Ok(vm.not_implemented());
    };
    let out = super::alloc::repeat_slice(vm, &items, k)?;
    if let Some(c) = cell(&l) {
        *c.borrow_mut() = out;
    }
    Ok(Value::Obj(l))
}

/// `list_richcompare` / `tuplerichcompare` over item snapshots: the
/// first unequal pair decides (compared again with `op`), else the
/// lengths. Lists answer `==`/`!=` of different lengths at once
/// (`early_out`); tuples compare items first.
pub fn seq_richcompare(
    vm: &mut Vm,
    a: &[Value],
    b: &[Value],
    op: CmpOp,
    early_out: bool,
) -> PyResult<Value> {
    if early_out && matches!(op, CmpOp::Eq | CmpOp::Ne) && a.len() != b.len() {
        return Ok(Value::bool(op == CmpOp::Ne));
    }
    for (x, y) in a.iter().zip(b) {
        if !vm.eq(x, y)? {
            return match op {
                CmpOp::Eq => Ok(Value::Bool(Truth::False)),
                CmpOp::Ne => Ok(Value::Bool(Truth::True)),
                _ => vm.richcompare(x, y, op),
            };
        }
    }
    Ok(Value::bool(op.test(a.len().cmp(&b.len()))))
}

fn list_cmp(vm: &mut Vm, args: Args, op: CmpOp) -> PyResult<Value> {
    let b = arg(&args, 1);
    if !matches!(&b, Value::Obj(o) if matches!(o.payload, Payload::List(_))) {
        return Ok(vm.not_implemented());
    }
    let x = vm.seq_items(&arg(&args, 0)).unwrap_or_default();
    let y = vm.seq_items(&b).unwrap_or_default();
    seq_richcompare(vm, &x, &y, op, true)
}

macro_rules! cmp_methods {
    ($($name:ident, $op:ident;)*) => {
        $( fn $name(vm: &mut Vm, args: Args) -> PyResult<Value> { list_cmp(vm, args, CmpOp::$op) } )*
    };
}
cmp_methods! { list_lt, Lt; list_le, Le; list_eq, Eq; list_ne, Ne; list_gt, Gt; list_ge, Ge; }

/// The items of `list(src)` with CPython 3.11's allocation (what
/// `sys.getsizeof` reports): exactly the length rounded up to even when
/// `src` has a length (`list_preallocate_exact`), else as appends grow it.
pub fn collect_list(vm: &mut Vm, src: &Value) -> PyResult<Vec<Value>> {
    let mut items = vm.collect_iter(src)?;
    let ty = vm.type_of(src);
    let sized = vm.type_lookup_static(&ty, "__len__").is_some();
    let n = items.len();
    let want = if n == 0 {
        0
    } else if sized {
        (n + 1) & !1
    } else {
        let mut cap = 0;
        for size in 1..=n {
            if size > cap {
                cap = (size + (size >> 3) + 6) & !3;
            }
        }
        cap
    };
    if items.capacity() > want {
        items.shrink_to(want);
    } else {
        items.reserve_exact(want - n);
    }
    Ok(items)
}

fn list_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "__init__")?;
    let a = vm.check_args("list", args, 0, 1)?;
    let items = match a.first() {
        Some(v) => collect_list(vm, v)?,
        None => Vec::new(),
    };
    if let Some(c) = cell(&l) {
        *c.borrow_mut() = items;
    }
    Ok(Value::None)
}

fn list_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => vm.types.list.clone(),
    };
    Ok(Value::Obj(vm.new_instance_of(
        &cls,
        Payload::List(super::listcell::ListCell::default()),
    )))
}

fn list_reversed(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let l = self_list(vm, &args, "__reversed__")?;
    vm.check_args("list.__reversed__", args, 0, 0)?;
    let n = cell(&l).map_or(0, |c| c.borrow().len()) as i64;
    Ok(vm.new_iter(
        &vm.types.list_reverseiterator.clone(),
        crate::objects::iter::IterState::Reversed {
            seq: Value::Obj(l),
            idx: n - 1,
        },
    ))
}

pub fn install(vm: &mut Vm) {
    let t = vm.types.list.clone();
    vm.add_methods(
        &t,
        &[
            ("append", list_append),
            ("extend", list_extend),
            ("insert", list_insert),
            ("pop", list_pop),
            ("remove", list_remove),
            ("index", list_index),
            ("count", list_count),
            ("clear", list_clear),
            ("copy", list_copy),
            ("reverse", list_reverse),
            ("sort", list_sort),
            ("__len__", list_len),
            ("__getitem__", list_getitem_m),
            ("__setitem__", list_setitem_m),
            ("__delitem__", list_delitem_m),
            ("__contains__", list_contains),
            ("__iter__", list_iter),
            ("__reversed__", list_reversed),
            ("__add__", list_add),
            ("__iadd__", list_iadd),
            ("__mul__", list_mul),
            ("__rmul__", list_mul),
            ("__imul__", list_imul),
            ("__lt__", list_lt),
            ("__le__", list_le),
            ("__eq__", list_eq),
            ("__ne__", list_ne),
            ("__gt__", list_gt),
            ("__ge__", list_ge),
            ("__init__", list_init),
        ],
    );
    vm.add_staticmethods(&t, &[("__new__", list_new)]);
    vm.add_type_attr(&t, "__hash__", Value::None);
}
