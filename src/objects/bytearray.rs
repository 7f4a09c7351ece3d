//! `bytearray`'s mutating methods: item and slice assignment and
//! deletion, `append`, `extend`, `insert`, `pop`, `remove`, `reverse`,
//! `clear`, `copy`, `+=` and `*=`. The shared methods are in `bytes.rs`
//! and `bytes_ops.rs`.

use std::cell::RefCell;

use super::bytes::{
    buffer_bytes, byte_arg, index_arg, make, no_args, one_arg, pos_args, repeat_arg,
};
use super::exception::ExcKind;
use super::function::Args;
use super::Payload;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

fn cell<'a>(vm: &Vm, args: &Args<'a>, name: &str) -> PyResult<&'a RefCell<Vec<u8>>> {
    match args.args.first() {
        Some(Value::Obj(o)) => match &o.payload {
            Payload::ByteArray(c) => Ok(c),
            _ => Err(vm.type_error(format!(
                "descriptor '{name}' requires a 'bytearray' object but received a '{}'",
                vm.type_name_of(&Value::Obj(o.clone()))
            ))),
        },
        _ => Err(vm.type_error(format!("descriptor '{name}' requires a 'bytearray' object"))),
    }
}

fn resize_err(vm: &Vm) -> crate::vm::PyErr {
    vm.new_error(
        ExcKind::BufferError,
        "Existing exports of data: object cannot be re-sized",
    )
}

/// Run `f` on the bytearray's data. While memoryviews of it exist
/// (`this` is the bytearray) its size must not change: BufferError.
fn with_mut<R>(
    vm: &Vm,
    this: &Value,
    c: &RefCell<Vec<u8>>,
    f: impl FnOnce(&mut Vec<u8>) -> R,
) -> PyResult<R> {
    let exported = matches!(this, Value::Obj(o) if super::memoryview::is_exported(o));
    let mut b = c.try_borrow_mut().map_err(|_| resize_err(vm))?;
    if exported {
        let mut copy = b.clone();
        let r = f(&mut copy);
        if copy.len() != b.len() {
            return Err(resize_err(vm));
        }
        *b = copy;
        return Ok(r);
    }
    Ok(f(&mut b))
}

/// Whether a bytearray value may be given new contents of `new_len`
/// bytes (for `__init__`).
pub(crate) fn check_resize(vm: &Vm, this: &Value, old_len: usize, new_len: usize) -> PyResult<()> {
    let exported = matches!(this, Value::Obj(o) if super::memoryview::is_exported(o));
    if exported && (old_len != 0 || new_len != 0) {
        return Err(resize_err(vm));
    }
    Ok(())
}

fn me(args: &Args) -> Value {
    args.args.first().cloned().unwrap_or(Value::None)
}

/// The bytes an iterable of ints gives, with bytearray's messages.
fn bytes_from_ints(vm: &mut Vm, v: &Value) -> PyResult<Vec<u8>> {
    let items = vm.collect_iter(v)?;
    let mut out = Vec::with_capacity(items.len());
    for x in &items {
        out.push(byte_arg(vm, x)?);
    }
    Ok(out)
}

/// `ba[key] = value`, or `del ba[key]` when `value` is None.
pub fn bytearray_setitem(
    vm: &mut Vm,
    c: &RefCell<Vec<u8>>,
    this: &Value,
    key: &Value,
    value: Option<&Value>,
) -> PyResult<()> {
    if let Some(s) = Vm::as_slice(key) {
        let new: Option<Vec<u8>> = match value {
            None => None,
            Some(v) if v.is(this) => Some(c.borrow().clone()),
            Some(v) => match buffer_bytes(vm, v)? {
                Some(b) => Some(b),
                None => {
                    let is_num = super::int::is_int(v)
                        || matches!(v, Value::Float(_))
                        || vm.as_str_obj(v).is_some()
                        || matches!(v, Value::Obj(o) if matches!(o.payload, Payload::Float(_) | Payload::Complex(..)));
                    if is_num {
                        return Err(vm.type_error(
                            "can assign only bytes, buffers, or iterables of ints in range(0, 256)",
                        ));
                    }
                    Some(bytes_from_ints(vm, v)?)
                }
            },
        };
        let len = c.borrow().len();
        let (start, stop, step, n) = vm.slice_indices(&s.clone(), len)?;
        if step == 1 {
            let lo = start.clamp(0, len as i64) as usize;
            let hi = stop.max(start).clamp(0, len as i64) as usize;
            return with_mut(vm, this, c, |b| {
                b.splice(lo..hi, new.unwrap_or_default());
            });
        }
        let idx: Vec<usize> = (0..n as i64).map(|k| (start + k * step) as usize).collect();
        return match new {
            Some(vals) => {
                if vals.len() != idx.len() {
                    return Err(vm.value_error(format!(
                        "attempt to assign bytes of size {} to extended slice of size {}",
                        vals.len(),
                        idx.len()
                    )));
                }
                with_mut(vm, this, c, |b| {
                    for (i, v) in idx.into_iter().zip(vals) {
                        if let Some(slot) = b.get_mut(i) {
                            *slot = v;
                        }
                    }
                })
            }
            None => with_mut(vm, this, c, |b| {
                let mut sorted = idx;
                sorted.sort_unstable();
                for i in sorted.into_iter().rev() {
                    if i < b.len() {
                        b.remove(i);
                    }
                }
            }),
        };
    }
    let Some(i) = vm.index_value(key)? else {
        return Err(vm.type_error(format!(
            "bytearray indices must be integers or slices, not {}",
            vm.type_name_of(key)
        )));
    };
    let byte = match value {
        Some(v) => Some(byte_arg(vm, v)?),
        None => None,
    };
    let len = c.borrow().len();
    let Some(j) = Vm::norm_index(i, len) else {
        return Err(vm.index_error("bytearray index out of range"));
    };
    with_mut(vm, this, c, |b| match byte {
        Some(x) => {
            if let Some(slot) = b.get_mut(j) {
                *slot = x;
            }
        }
        None => {
            if j < b.len() {
                b.remove(j);
            }
        }
    })
}

fn ba_setitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = cell(vm, &args, "__setitem__")?;
    let a = pos_args(vm, args, "__setitem__", 2, 2)?;
    let this = args.args.first().cloned().unwrap_or(Value::None);
    bytearray_setitem(vm, c, &this, &a[0], Some(&a[1]))?;
    Ok(Value::None)
}

fn ba_delitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = cell(vm, &args, "__delitem__")?;
    let key = one_arg(vm, args, "__delitem__")?;
    let this = args.args.first().cloned().unwrap_or(Value::None);
    bytearray_setitem(vm, c, &this, &key, None)?;
    Ok(Value::None)
}

fn ba_append(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = cell(vm, &args, "append")?;
    let this = &me(&args);
    let v = one_arg(vm, args, "append")?;
    let b = byte_arg(vm, &v)?;
    with_mut(vm, this, c, |d| d.push(b))?;
    Ok(Value::None)
}

fn ba_extend(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = cell(vm, &args, "extend")?;
    let this = &me(&args);
    let v = one_arg(vm, args, "extend")?;
    let data = match buffer_bytes(vm, &v)? {
        Some(b) => b,
        None => {
            if let Err(e) = vm.iter(&v) {
                if vm.err_is(&e, ExcKind::TypeError) {
                    return Err(vm.type_error(format!(
                        "can't extend bytearray with {}",
                        vm.type_name_of(&v)
                    )));
                }
                return Err(e);
            }
            bytes_from_ints(vm, &v)?
        }
    };
    with_mut(vm, this, c, |d| d.extend(data))?;
    Ok(Value::None)
}

fn ba_insert(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = cell(vm, &args, "insert")?;
    let this = &me(&args);
    let a = pos_args(vm, args, "insert", 2, 2)?;
    let i = index_arg(vm, &a[0])?;
    let b = byte_arg(vm, &a[1])?;
    with_mut(vm, this, c, |d| {
        let n = d.len() as i64;
        let at = if i < 0 { (i + n).max(0) } else { i.min(n) };
        d.insert(at as usize, b);
    })?;
    Ok(Value::None)
}

fn ba_pop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = cell(vm, &args, "pop")?;
    let this = &me(&args);
    let a = pos_args(vm, args, "pop", 0, 1)?;
    let i = match a.first() {
        Some(v) => index_arg(vm, v)?,
        None => -1,
    };
    let len = c.borrow().len();
    if len == 0 {
        return Err(vm.index_error("pop from empty bytearray"));
    }
    let Some(j) = Vm::norm_index(i, len) else {
        return Err(vm.index_error("pop index out of range"));
    };
    let b = with_mut(vm, this, c, |d| d.remove(j))?;
    Ok(Value::Int(i64::from(b)))
}

fn ba_remove(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = cell(vm, &args, "remove")?;
    let this = &me(&args);
    let v = one_arg(vm, args, "remove")?;
    let b = byte_arg(vm, &v)?;
    let pos = c.borrow().iter().position(|&x| x == b);
    match pos {
        Some(j) => {
            with_mut(vm, this, c, |d| d.remove(j))?;
            Ok(Value::None)
        }
        None => Err(vm.value_error("value not found in bytearray")),
    }
}

fn ba_reverse(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = cell(vm, &args, "reverse")?;
    let this = &me(&args);
    no_args(vm, args, "reverse")?;
    with_mut(vm, this, c, |d| d.reverse())?;
    Ok(Value::None)
}

fn ba_clear(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = cell(vm, &args, "clear")?;
    let this = &me(&args);
    no_args(vm, args, "clear")?;
    with_mut(vm, this, c, |d| d.clear())?;
    Ok(Value::None)
}

fn ba_copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = cell(vm, &args, "copy")?;
    no_args(vm, args, "copy")?;
    let d = c.borrow().clone();
    Ok(make(vm, true, d))
}

fn ba_iadd(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = cell(vm, &args, "__iadd__")?;
    let v = one_arg(vm, args, "__iadd__")?;
    let this = args.args.first().cloned().unwrap_or(Value::None);
    match buffer_bytes(vm, &v)? {
        Some(b) => {
            with_mut(vm, &this, c, |d| d.extend(b))?;
            Ok(this)
        }
        None => Err(vm.type_error(format!(
            "can't concat {} to {}",
            vm.type_name_of(&v),
            vm.type_name_of(&this)
        ))),
    }
}

fn ba_imul(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = cell(vm, &args, "__imul__")?;
    let v = one_arg(vm, args, "__imul__")?;
    let this = args.args.first().cloned().unwrap_or(Value::None);
    let len = c.borrow().len();
    let Some(k) = repeat_arg(vm, &v, len)? else {
        return Ok(vm.not_implemented());
    };
    let r = super::alloc::repeat_slice(vm, &c.borrow(), k)?;
    with_mut(vm, &this, c, |d| {
        *d = r;
    })?;
    Ok(this)
}

pub fn install(vm: &mut Vm) {
    let t = vm.types.bytearray.clone();
    vm.add_methods(
        &t,
        &[
            ("__setitem__", ba_setitem),
            ("__delitem__", ba_delitem),
            ("__iadd__", ba_iadd),
            ("__imul__", ba_imul),
            ("append", ba_append),
            ("extend", ba_extend),
            ("insert", ba_insert),
            ("pop", ba_pop),
            ("remove", ba_remove),
            ("reverse", ba_reverse),
            ("clear", ba_clear),
            ("copy", ba_copy),
        ],
    );
}
