//! The methods of `array.array` and its sequence protocol: item and
//! slice access and assignment, concatenation and repetition, rich
//! comparison, `repr`, and the `arrayiterator` type.

use super::array::{as_array, decode_item, encode_item, itemsize, new_array, ArrayIter, ArrayObj};
use super::binargs::{need_bytes, ssize_arg};
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::proto::CmpOp;
use crate::vm::value::Truth;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

fn me<'a>(vm: &Vm, args: &Args<'a>, m: &str) -> PyResult<&'a ArrayObj> {
    vm.native_self::<ArrayObj>(args, "array.array", m)
}

fn this(args: &Args) -> Value {
    args.args.first().cloned().unwrap_or(Value::None)
}

/// All items as values.
fn items(vm: &Vm, a: &ArrayObj) -> Vec<Value> {
    let n = itemsize(a.code);
    let d = a.data.borrow().clone();
    d.chunks(n).map(|c| decode_item(vm, a.code, c)).collect()
}

/// arraymodule.c `array_resize`: an array a memoryview is exporting may
/// not change size (`new_bytes` is the size it would get).
fn resize_guard(vm: &Vm, owner: &Value, a: &ArrayObj, new_bytes: usize) -> PyResult<()> {
    let exported = matches!(owner, Value::Obj(o) if crate::objects::memoryview::is_exported(o));
    if exported && new_bytes != a.data.borrow().len() {
        return Err(vm.new_error(
            ExcKind::BufferError,
            "cannot resize an array that is exporting buffers",
        ));
    }
    Ok(())
}

fn arr_append(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "append")?;
    let v = vm.check_args("append", args, 1, 1)?;
    let b = encode_item(vm, a.code, &v[0])?;
    resize_guard(vm, &this(&args), a, a.data.borrow().len() + b.len())?;
    a.data.borrow_mut().extend(b);
    Ok(Value::None)
}

/// `extend`: an array of the same kind, or any iterable.
fn extend_with(vm: &mut Vm, owner: &Value, a: &ArrayObj, other: &Value) -> PyResult<()> {
    if let Some(o) = as_array(vm, other) {
        if o.code != a.code {
            return Err(vm.type_error("can only extend with array of same kind"));
        }
        let add = o.data.borrow().clone();
        resize_guard(vm, owner, a, a.data.borrow().len() + add.len())?;
        a.data.borrow_mut().extend(add);
        return Ok(());
    }
    let vals = vm.collect_iter(other)?;
    for v in &vals {
        let b = encode_item(vm, a.code, v)?;
        resize_guard(vm, owner, a, a.data.borrow().len() + b.len())?;
        a.data.borrow_mut().extend(b);
    }
    Ok(())
}

fn arr_extend(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "extend")?;
    let v = vm.check_args("extend", args, 1, 1)?;
    extend_with(vm, &this(&args), a, &v[0])?;
    Ok(Value::None)
}

fn arr_insert(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "insert")?;
    let v = vm.check_args("insert", args, 2, 2)?;
    let i = ssize_arg(vm, &v[0])?;
    let b = encode_item(vm, a.code, &v[1])?;
    let n = a.len() as i64;
    let i = if i < 0 { (i + n).max(0) } else { i.min(n) } as usize;
    let at = i * itemsize(a.code);
    resize_guard(vm, &this(&args), a, a.data.borrow().len() + b.len())?;
    a.data.borrow_mut().splice(at..at, b);
    Ok(Value::None)
}

fn arr_pop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "pop")?;
    let v = vm.check_args("pop", args, 0, 1)?;
    let i = match v.first() {
        Some(x) => ssize_arg(vm, x)?,
        None => -1,
    };
    let n = a.len();
    if n == 0 {
        return Err(vm.index_error("pop from empty array"));
    }
    let Some(j) = Vm::norm_index(i, n) else {
        return Err(vm.index_error("pop index out of range"));
    };
    let item = decode_item(vm, a.code, &a.item_bytes(j));
    let sz = itemsize(a.code);
    resize_guard(vm, &this(&args), a, (n - 1) * sz)?;
    a.data.borrow_mut().drain(j * sz..j * sz + sz);
    Ok(item)
}

/// The index of the first item equal to `x` in `start..stop`.
fn find(
    vm: &mut Vm,
    a: &ArrayObj,
    x: &Value,
    start: usize,
    stop: usize,
) -> PyResult<Option<usize>> {
    let mut i = start;
    while i < stop.min(a.len()) {
        let it = decode_item(vm, a.code, &a.item_bytes(i));
        if vm.eq(&it, x)? {
            return Ok(Some(i));
        }
        i += 1;
    }
    Ok(None)
}

fn arr_remove(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "remove")?;
    let v = vm.check_args("remove", args, 1, 1)?;
    match find(vm, a, &v[0], 0, usize::MAX)? {
        Some(j) => {
            let sz = itemsize(a.code);
            resize_guard(vm, &this(&args), a, a.len().saturating_sub(1) * sz)?;
            a.data.borrow_mut().drain(j * sz..j * sz + sz);
            Ok(Value::None)
        }
        None => Err(vm.value_error("array.remove(x): x not in array")),
    }
}

fn arr_index(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "index")?;
    let v = vm.check_args("index", args, 1, 3)?;
    let n = a.len() as i64;
    let clamp = |i: i64| if i < 0 { (i + n).max(0) } else { i.min(n) } as usize;
    let start = match v.get(1) {
        Some(x) => clamp(vm.index_value(x)?.unwrap_or(0)),
        None => 0,
    };
    let stop = match v.get(2) {
        Some(x) => clamp(vm.index_value(x)?.unwrap_or(n)),
        None => n as usize,
    };
    match find(vm, a, &v[0], start, stop)? {
        Some(j) => Ok(Value::Int(j as i64)),
        None => Err(vm.value_error("array.index(x): x not in array")),
    }
}

fn arr_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "count")?;
    let v = vm.check_args("count", args, 1, 1)?;
    let mut c = 0;
    for it in items(vm, a) {
        if vm.eq(&it, &v[0])? {
            c += 1;
        }
    }
    Ok(Value::Int(c))
}

fn arr_contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "__contains__")?;
    let v = vm.check_args("__contains__", args, 1, 1)?;
    Ok(Value::bool(find(vm, a, &v[0], 0, usize::MAX)?.is_some()))
}

fn arr_reverse(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "reverse")?;
    vm.check_args("array.reverse", args, 0, 0)?;
    let sz = itemsize(a.code);
    let mut d = a.data.borrow_mut();
    let rev: Vec<u8> = d.chunks(sz).rev().flatten().copied().collect();
    *d = rev;
    Ok(Value::None)
}

fn arr_byteswap(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "byteswap")?;
    vm.check_args("array.byteswap", args, 0, 0)?;
    let sz = itemsize(a.code);
    for c in a.data.borrow_mut().chunks_mut(sz) {
        c.reverse();
    }
    Ok(Value::None)
}

fn arr_buffer_info(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "buffer_info")?;
    vm.check_args("array.buffer_info", args, 0, 0)?;
    let addr = a.data.borrow().as_ptr() as usize as i64;
    Ok(vm.new_tuple_of([Value::Int(addr), Value::Int(a.len() as i64)]))
}

fn frombytes_into(vm: &mut Vm, owner: &Value, a: &ArrayObj, b: &[u8]) -> PyResult<()> {
    if !b.len().is_multiple_of(itemsize(a.code)) {
        return Err(vm.value_error("bytes length not a multiple of item size"));
    }
    resize_guard(vm, owner, a, a.data.borrow().len() + b.len())?;
    a.data.borrow_mut().extend_from_slice(b);
    Ok(())
}

fn arr_frombytes(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "frombytes")?;
    let v = vm.check_args("frombytes", args, 1, 1)?;
    let b = need_bytes(vm, &v[0])?;
    frombytes_into(vm, &this(&args), a, &b)?;
    Ok(Value::None)
}

fn arr_tobytes(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "tobytes")?;
    vm.check_args("array.tobytes", args, 0, 0)?;
    let d = a.data.borrow().clone();
    Ok(vm.new_bytes(d))
}

fn arr_fromlist(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "fromlist")?;
    let v = vm.check_args("fromlist", args, 1, 1)?;
    let list = match &v[0] {
        Value::Obj(o) => match &o.payload {
            Payload::List(l) => l.borrow().clone(),
            _ => return Err(vm.type_error("arg must be list")),
        },
        _ => return Err(vm.type_error("arg must be list")),
    };
    let mut add = Vec::new();
    for it in &list {
        add.extend(encode_item(vm, a.code, it)?);
    }
    resize_guard(vm, &this(&args), a, a.data.borrow().len() + add.len())?;
    a.data.borrow_mut().extend(add);
    Ok(Value::None)
}

fn arr_tolist(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "tolist")?;
    vm.check_args("array.tolist", args, 0, 0)?;
    let v = items(vm, a);
    Ok(vm.new_list(v))
}

fn arr_fromunicode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "fromunicode")?;
    let v = vm.check_args("fromunicode", args, 1, 1)?;
    let cps = match &v[0] {
        Value::Obj(o) => match &o.payload {
            Payload::Str(s) => s.code_points(),
            _ => {
                return Err(vm.type_error(format!(
                    "fromunicode() argument must be str, not {}",
                    vm.arg_type_name(&v[0])
                )))
            }
        },
        _ => {
            return Err(vm.type_error(format!(
                "fromunicode() argument must be str, not {}",
                vm.arg_type_name(&v[0])
            )))
        }
    };
    if a.code != b'u' {
        return Err(vm.value_error("fromunicode() may only be called on unicode type arrays"));
    }
    resize_guard(vm, &this(&args), a, a.data.borrow().len() + cps.len() * 4)?;
    let mut d = a.data.borrow_mut();
    for c in cps {
        d.extend_from_slice(&c.to_ne_bytes());
    }
    Ok(Value::None)
}

fn arr_tounicode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "tounicode")?;
    vm.check_args("array.tounicode", args, 0, 0)?;
    if a.code != b'u' {
        return Err(vm.value_error("tounicode() may only be called on unicode type arrays"));
    }
    let cps: Vec<u32> = a
        .data
        .borrow()
        .chunks(4)
        .map(|c| {
            let mut b = [0u8; 4];
            for (d, s) in b.iter_mut().zip(c) {
                *d = *s;
            }
            u32::from_ne_bytes(b)
        })
        .collect();
    Ok(super::array::str_from_cps(vm, &cps))
}

fn arr_fromfile(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "fromfile")?;
    let v = vm.check_args("fromfile", args, 2, 2)?;
    let n = ssize_arg(vm, &v[1])?;
    if n < 0 {
        return Err(vm.value_error("negative count"));
    }
    let want = (n as usize).saturating_mul(itemsize(a.code));
    let r = vm.call_method(&v[0], "read", &[Value::Int(want as i64)])?;
    let b = match &r {
        Value::Obj(o) if matches!(o.payload, Payload::Bytes(_)) => need_bytes(vm, &r)?,
        _ => return Err(vm.type_error("read() didn't return bytes")),
    };
    let whole = b.len() / itemsize(a.code) * itemsize(a.code);
    frombytes_into(vm, &this(&args), a, b.get(..whole).unwrap_or(&[]))?;
    if b.len() != want {
        return Err(vm.new_error(ExcKind::EOFError, "read() didn't return enough bytes"));
    }
    Ok(Value::None)
}

fn arr_tofile(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "tofile")?;
    let v = vm.check_args("tofile", args, 1, 1)?;
    let d = a.data.borrow().clone();
    for chunk in d.chunks(64 * 1024) {
        let b = vm.new_bytes(chunk.to_vec());
        vm.call_method(&v[0], "write", &[b])?;
    }
    Ok(Value::None)
}

fn arr_typecode(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match as_array(vm, v) {
        Some(a) => Ok(vm.new_string((a.code as char).to_string())),
        None => Err(vm.type_error("descriptor 'typecode' requires an 'array.array' object")),
    }
}

fn arr_itemsize(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match as_array(vm, v) {
        Some(a) => Ok(Value::Int(itemsize(a.code) as i64)),
        None => Err(vm.type_error("descriptor 'itemsize' requires an 'array.array' object")),
    }
}

fn arr_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "__len__")?;
    Ok(Value::Int(a.len() as i64))
}

fn arr_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "__repr__")?;
    let cls = vm.type_of(&this(&args));
    let name = Vm::class_name(&cls);
    let code = a.code as char;
    if a.is_empty() {
        return Ok(vm.new_string(format!("{name}('{code}')")));
    }
    let inner = if a.code == b'u' {
        let s = arr_tounicode(vm, args)?;
        vm.repr(&s)?
    } else {
        let l = vm.new_list(items(vm, a));
        vm.repr(&l)?
    };
    Ok(vm.new_string(format!("{name}('{code}', {inner})")))
}

fn slice_of(vm: &mut Vm, a: &ArrayObj, s: &PyRef) -> PyResult<Vec<usize>> {
    let (start, _, step, n) = vm.slice_indices(s, a.len())?;
    Ok((0..n as i64).map(|k| (start + k * step) as usize).collect())
}

fn arr_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "__getitem__")?;
    let v = vm.check_args("__getitem__", args, 1, 1)?;
    if let Some(s) = Vm::as_slice(&v[0]) {
        let idx = slice_of(vm, a, &s.clone())?;
        let data: Vec<u8> = idx.iter().flat_map(|&i| a.item_bytes(i)).collect();
        let cls = super::array::array_type(vm, &this(&args));
        return Ok(new_array(vm, &cls, a.code, data));
    }
    let i = index_of(vm, &v[0])?;
    match Vm::norm_index(i, a.len()) {
        Some(j) => Ok(decode_item(vm, a.code, &a.item_bytes(j))),
        None => Err(vm.index_error("array index out of range")),
    }
}

fn index_of(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    match vm.item_index(v)? {
        Some(i) => Ok(i),
        None => Err(vm.type_error("array indices must be integers")),
    }
}

fn arr_setitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "__setitem__")?;
    let v = vm.check_args("__setitem__", args, 2, 2)?;
    if let Some(s) = Vm::as_slice(&v[0]) {
        let src = match as_array(vm, &v[1]) {
            Some(o) if o.code == a.code => o.data.borrow().clone(),
            Some(_) => return Err(vm.type_error("bad argument type for built-in operation")),
            None => {
                return Err(vm.type_error(format!(
                    "can only assign array (not \"{}\") to array slice",
                    vm.type_name_of(&v[1])
                )))
            }
        };
        let (start, stop, step, n) = vm.slice_indices(&s.clone(), a.len())?;
        let sz = itemsize(a.code);
        // array_ass_subscr: assigning an empty array or one of another
        // length than the slice fails early.
        let needed = src.len() / sz;
        if needed == 0 || needed != n {
            resize_guard(vm, &this(&args), a, usize::MAX)?;
        }
        if step == 1 {
            let lo = start as usize * sz;
            let hi = (stop.max(start) as usize) * sz;
            a.data.borrow_mut().splice(lo..hi, src);
            return Ok(Value::None);
        }
        let m = src.len() / sz;
        if m != n {
            return Err(vm.value_error(format!(
                "attempt to assign array of size {m} to extended slice of size {n}"
            )));
        }
        let mut d = a.data.borrow_mut();
        for (k, chunk) in src.chunks(sz).enumerate() {
            let at = (start + k as i64 * step) as usize * sz;
            if let Some(dst) = d.get_mut(at..at + sz) {
                dst.copy_from_slice(chunk);
            }
        }
        return Ok(Value::None);
    }
    let i = index_of(vm, &v[0])?;
    let Some(j) = Vm::norm_index(i, a.len()) else {
        return Err(vm.index_error("array assignment index out of range"));
    };
    let b = encode_item(vm, a.code, &v[1])?;
    let sz = itemsize(a.code);
    if let Some(dst) = a.data.borrow_mut().get_mut(j * sz..j * sz + sz) {
        dst.copy_from_slice(&b);
    }
    Ok(Value::None)
}

fn arr_delitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "__delitem__")?;
    let v = vm.check_args("__delitem__", args, 1, 1)?;
    let sz = itemsize(a.code);
    if let Some(s) = Vm::as_slice(&v[0]) {
        // array_ass_subscr: deleting a slice fails early, even an empty one.
        resize_guard(vm, &this(&args), a, usize::MAX)?;
        let mut idx = slice_of(vm, a, &s.clone())?;
        idx.sort_unstable();
        let mut d = a.data.borrow_mut();
        for i in idx.into_iter().rev() {
            if i * sz + sz <= d.len() {
                d.drain(i * sz..i * sz + sz);
            }
        }
        return Ok(Value::None);
    }
    let i = index_of(vm, &v[0])?;
    let Some(j) = Vm::norm_index(i, a.len()) else {
        return Err(vm.index_error("array assignment index out of range"));
    };
    resize_guard(vm, &this(&args), a, a.len().saturating_sub(1) * sz)?;
    a.data.borrow_mut().drain(j * sz..j * sz + sz);
    Ok(Value::None)
}

fn arr_add(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "__add__")?;
    let v = vm.check_args("__add__", args, 1, 1)?;
    let other = match as_array(vm, &v[0]) {
        Some(o) if o.code == a.code => o.data.borrow().clone(),
        Some(_) => return Err(vm.type_error("bad argument type for built-in operation")),
        None => {
            return Err(vm.type_error(format!(
                "can only append array (not \"{}\") to array",
                vm.type_name_of(&v[0])
            )))
        }
    };
    let mut d = a.data.borrow().clone();
    d.extend(other);
    let cls = super::array::array_type(vm, &this(&args));
    Ok(new_array(vm, &cls, a.code, d))
}

fn arr_iadd(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "__iadd__")?;
    let v = vm.check_args("__iadd__", args, 1, 1)?;
    if as_array(vm, &v[0]).is_none() {
        return Err(vm.type_error(format!(
            "can only extend array with array (not \"{}\")",
            vm.type_name_of(&v[0])
        )));
    }
    extend_with(vm, &this(&args), a, &v[0])?;
    Ok(this(&args))
}

fn repeat_count(vm: &mut Vm, v: &Value) -> PyResult<usize> {
    let t = vm.type_of(v);
    if !crate::objects::int::is_int(v) && vm.type_lookup_static(&t, "__index__").is_none() {
        return Err(vm.type_error(format!(
            "can't multiply sequence by non-int of type '{}'",
            vm.type_name_of(v)
        )));
    }
    let n = vm.repeat_index(v)?.unwrap_or(0);
    Ok(n.max(0) as usize)
}

fn arr_mul(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "__mul__")?;
    let v = vm.check_args("__mul__", args, 1, 1)?;
    let n = repeat_count(vm, &v[0])?;
    let d = a.data.borrow().clone();
    if d.len().saturating_mul(n) > isize::MAX as usize / 2 {
        return Err(vm.new_error_noargs(ExcKind::MemoryError));
    }
    let cls = super::array::array_type(vm, &this(&args));
    let out = crate::objects::alloc::repeat_slice(vm, &d, n)?;
    Ok(new_array(vm, &cls, a.code, out))
}

fn arr_imul(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "__imul__")?;
    let v = vm.check_args("__imul__", args, 1, 1)?;
    let n = repeat_count(vm, &v[0])?;
    let d = a.data.borrow().clone();
    if d.len().saturating_mul(n) > isize::MAX as usize / 2 {
        return Err(vm.new_error_noargs(ExcKind::MemoryError));
    }
    resize_guard(vm, &this(&args), a, d.len() * n)?;
    *a.data.borrow_mut() = crate::objects::alloc::repeat_slice(vm, &d, n)?;
    Ok(this(&args))
}

fn richcompare(vm: &mut Vm, args: Args, op: CmpOp, name: &str) -> PyResult<Value> {
    let a = me(vm, &args, name)?;
    let v = vm.check_args(name, args, 1, 1)?;
    let Some(b) = as_array(vm, &v[0]) else {
        return Ok(vm.not_implemented());
    };
    let (la, lb) = (a.len(), b.len());
    if la != lb && matches!(op, CmpOp::Eq | CmpOp::Ne) {
        return Ok(Value::bool(op == CmpOp::Ne));
    }
    let (xs, ys) = (items(vm, a), items(vm, b));
    for (x, y) in xs.iter().zip(&ys) {
        if !vm.eq(x, y)? {
            return match op {
                CmpOp::Eq => Ok(Value::Bool(Truth::False)),
                CmpOp::Ne => Ok(Value::Bool(Truth::True)),
                _ => vm.richcompare(x, y, op),
            };
        }
    }
    Ok(Value::Bool(match op {
        CmpOp::Lt => Truth::from(la < lb),
        CmpOp::Le => Truth::from(la <= lb),
        CmpOp::Eq => Truth::from(la == lb),
        CmpOp::Ne => Truth::from(la != lb),
        CmpOp::Gt => Truth::from(la > lb),
        CmpOp::Ge => Truth::from(la >= lb),
    }))
}

fn arr_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    richcompare(vm, args, CmpOp::Eq, "__eq__")
}
fn arr_ne(vm: &mut Vm, args: Args) -> PyResult<Value> {
    richcompare(vm, args, CmpOp::Ne, "__ne__")
}
fn arr_lt(vm: &mut Vm, args: Args) -> PyResult<Value> {
    richcompare(vm, args, CmpOp::Lt, "__lt__")
}
fn arr_le(vm: &mut Vm, args: Args) -> PyResult<Value> {
    richcompare(vm, args, CmpOp::Le, "__le__")
}
fn arr_gt(vm: &mut Vm, args: Args) -> PyResult<Value> {
    richcompare(vm, args, CmpOp::Gt, "__gt__")
}
fn arr_ge(vm: &mut Vm, args: Args) -> PyResult<Value> {
    richcompare(vm, args, CmpOp::Ge, "__ge__")
}

fn arr_copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "__copy__")?;
    let d = a.data.borrow().clone();
    let cls = super::array::array_type(vm, &this(&args));
    Ok(new_array(vm, &cls, a.code, d))
}

fn arr_reduce_ex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args, "__reduce_ex__")?;
    let cls = vm.type_of(&this(&args));
    let code = vm.new_string((a.code as char).to_string());
    let l = vm.new_list(items(vm, a));
    let cargs = vm.new_tuple_of([code, l]);
    let dict = match &this(&args) {
        Value::Obj(o) => o.dict().map(Value::Obj).unwrap_or(Value::None),
        _ => Value::None,
    };
    Ok(vm.new_tuple_of([Value::Obj(cls), cargs, dict]))
}

fn arr_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    me(vm, &args, "__iter__")?;
    let cls = vm.type_of(&this(&args));
    let it = match vm.type_lookup_static(&cls, "_iter_type") {
        Some(Value::Obj(t)) => t,
        _ => return Err(vm.system_error("arrayiterator type missing")),
    };
    let st = ArrayIter {
        arr: this(&args),
        idx: std::cell::Cell::new(0),
    };
    Ok(Value::Obj(vm.new_native(&it, st)))
}

fn it_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let it = vm.native_self::<ArrayIter>(&args, "array.arrayiterator", "__next__")?;
    let i = it.idx.get();
    if let Some(a) = as_array(vm, &it.arr) {
        if i < a.len() {
            it.idx.set(i + 1);
            return Ok(decode_item(vm, a.code, &a.item_bytes(i)));
        }
        it.idx.set(usize::MAX);
    }
    Err(vm.new_error_noargs(ExcKind::StopIteration))
}

fn it_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.native_self::<ArrayIter>(&args, "array.arrayiterator", "__iter__")?;
    Ok(this(&args))
}

/// Install the array methods on its type.
pub fn install(vm: &mut Vm, t: &PyRef) {
    vm.add_methods(
        t,
        &[
            ("append", arr_append),
            ("buffer_info", arr_buffer_info),
            ("byteswap", arr_byteswap),
            ("count", arr_count),
            ("extend", arr_extend),
            ("frombytes", arr_frombytes),
            ("fromfile", arr_fromfile),
            ("fromlist", arr_fromlist),
            ("fromunicode", arr_fromunicode),
            ("index", arr_index),
            ("insert", arr_insert),
            ("pop", arr_pop),
            ("remove", arr_remove),
            ("reverse", arr_reverse),
            ("tobytes", arr_tobytes),
            ("tofile", arr_tofile),
            ("tolist", arr_tolist),
            ("tounicode", arr_tounicode),
            ("__len__", arr_len),
            ("__repr__", arr_repr),
            ("__getitem__", arr_getitem),
            ("__setitem__", arr_setitem),
            ("__delitem__", arr_delitem),
            ("__contains__", arr_contains),
            ("__iter__", arr_iter),
            ("__add__", arr_add),
            ("__iadd__", arr_iadd),
            ("__mul__", arr_mul),
            ("__rmul__", arr_mul),
            ("__imul__", arr_imul),
            ("__eq__", arr_eq),
            ("__ne__", arr_ne),
            ("__lt__", arr_lt),
            ("__le__", arr_le),
            ("__gt__", arr_gt),
            ("__ge__", arr_ge),
            ("__copy__", arr_copy),
            ("__deepcopy__", arr_copy),
            ("__reduce_ex__", arr_reduce_ex),
        ],
    );
    vm.add_getsets(
        t,
        &[
            ("typecode", arr_typecode, None),
            ("itemsize", arr_itemsize, None),
        ],
    );
    vm.add_type_attr(t, "__hash__", Value::None);
}

/// Install the iterator type's methods.
pub fn install_iter(vm: &mut Vm, t: &PyRef) {
    vm.add_methods(t, &[("__next__", it_next), ("__iter__", it_iter)]);
}
