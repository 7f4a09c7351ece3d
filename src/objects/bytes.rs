//! `bytes` objects: the shared helpers of the bytes-like types (argument
//! parsing with CPython's messages, buffer access), the constructors of
//! `bytes` and `bytearray`, and the dunders both types share. The
//! non-mutating methods are in `bytes_ops.rs`, the mutating ones of
//! `bytearray` in `bytearray.rs`, `%`-formatting in `bytes_format.rs`.
//! The algorithms come from [`crate::text::bytes_methods`].

use crate::objects::rc::Rc;
use std::cell::RefCell;

use super::exception::ExcKind;
use super::function::Args;
use super::Payload;
use crate::text::{PyStrData, TextError};
use crate::vm::proto::CmpOp;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

/// The bytes of a bytes or bytearray value (a copy).
pub fn bytes_of(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Bytes(b) => Some(b.to_vec()),
            Payload::ByteArray(b) => Some(b.borrow().clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The byte at `idx` of a bytes or bytearray value (no copy).
pub fn byte_at(v: &Value, idx: usize) -> Option<u8> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Bytes(b) => b.get(idx).copied(),
            Payload::ByteArray(b) => b.borrow().get(idx).copied(),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a value has a bytearray payload.
pub fn is_array(v: &Value) -> bool {
    matches!(v, Value::Obj(o) if matches!(o.payload, Payload::ByteArray(_)))
}

/// The name of the builtin type whose method is running on `v`.
pub(crate) fn tname(v: &Value) -> &'static str {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::ByteArray(_) => "bytearray",
            Payload::MemoryView(_) => "memoryview",
            _ => "bytes",
        },
        _ => "bytes",
    }
}

/// A new bytes (or bytearray when `array`) value.
pub(crate) fn make(vm: &Vm, array: bool, data: Vec<u8>) -> Value {
    if array {
        Value::Obj(vm.new_obj(&vm.types.bytearray, Payload::ByteArray(RefCell::new(data))))
    } else {
        vm.new_bytes(data)
    }
}

/// The data of any object exporting a buffer (bytes, bytearray,
/// memoryview), or None for other objects.
pub fn buffer_bytes(vm: &mut Vm, v: &Value) -> PyResult<Option<Vec<u8>>> {
    match bytes_of(v) {
        Some(b) => Ok(Some(b)),
        None => match v {
            Value::Obj(o) => match &o.payload {
                Payload::Native(d) => Ok(d.buffer()),
                _ => super::memoryview::view_bytes(vm, v),
            },
            _ => super::memoryview::view_bytes(vm, v),
        },
    }
}

/// A required bytes-like argument.
pub(crate) fn need_buffer(vm: &mut Vm, v: &Value) -> PyResult<Vec<u8>> {
    match buffer_bytes(vm, v)? {
        Some(b) => Ok(b),
        None => Err(vm.type_error(format!(
            "a bytes-like object is required, not '{}'",
            vm.type_name_of(v)
        ))),
    }
}

/// A `text` error as the Python exception it names.
pub fn text_err(vm: &Vm, e: TextError) -> PyErr {
    let kind = match &e {
        TextError::Value(_) => ExcKind::ValueError,
        TextError::Type(_) => ExcKind::TypeError,
        TextError::Overflow(_) => ExcKind::OverflowError,
        TextError::Memory(_) => ExcKind::MemoryError,
        TextError::Lookup(_) => ExcKind::LookupError,
        TextError::Index(_) => ExcKind::IndexError,
        TextError::UnicodeEncode(_) => ExcKind::UnicodeEncodeError,
        TextError::UnicodeDecode(_) => ExcKind::UnicodeDecodeError,
    };
    let err = vm.new_error(kind, e.message());
    if let TextError::UnicodeEncode(info) | TextError::UnicodeDecode(info) = &e {
        let enc = vm.new_str(info.encoding);
        vm.set_attr_raw(&err.0, "encoding", enc);
        vm.set_attr_raw(&err.0, "start", Value::Int(info.start as i64));
        vm.set_attr_raw(&err.0, "end", Value::Int(info.end as i64));
        let reason = vm.new_str(info.reason);
        vm.set_attr_raw(&err.0, "reason", reason);
    }
    err
}

/// A str value from decoded text.
pub(crate) fn str_value(vm: &Vm, s: &PyStrData) -> Value {
    match s.as_str() {
        Some(t) => vm.new_str(t),
        None => Value::Obj(vm.new_obj(
            &vm.types.str,
            Payload::Str(super::StrObj::from_code_points(&s.to_cps())),
        )),
    }
}

// ------------------------------------------------------------ arguments

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn no_kwargs(vm: &Vm, args: &Args, name: &str) -> PyResult<()> {
    if args.has_kwargs() {
        let owner = tname(args.args.first().unwrap_or(&Value::None));
        return Err(vm.type_error(format!("{owner}.{name}() takes no keyword arguments")));
    }
    Ok(())
}

fn after_self<'a>(args: &Args<'a>) -> &'a [Value] {
    args.pos().get(1..).unwrap_or(&[])
}

/// A METH_NOARGS method's check.
pub(crate) fn no_args(vm: &Vm, args: Args, name: &str) -> PyResult<()> {
    no_kwargs(vm, &args, name)?;
    let n = after_self(&args).len();
    if n > 0 {
        let owner = tname(args.args.first().unwrap_or(&Value::None));
        return Err(vm.type_error(format!("{owner}.{name}() takes no arguments ({n} given)")));
    }
    Ok(())
}

/// A METH_O method's argument.
pub(crate) fn one_arg(vm: &Vm, args: Args, name: &str) -> PyResult<Value> {
    no_kwargs(vm, &args, name)?;
    match after_self(&args) {
        [v] => Ok(v.clone()),
        a => {
            let owner = tname(args.args.first().unwrap_or(&Value::None));
            Err(vm.type_error(format!(
                "{owner}.{name}() takes exactly one argument ({} given)",
                a.len()
            )))
        }
    }
}

/// Positional arguments checked as `PyArg_ParseTuple` does.
pub(crate) fn tuple_args<'a>(
    vm: &Vm,
    args: Args<'a>,
    name: &str,
    min: usize,
    max: usize,
) -> PyResult<&'a [Value]> {
    no_kwargs(vm, &args, name)?;
    let a = after_self(&args);
    let n = a.len();
    if n < min || n > max {
        let (how, k) = if min == max {
            ("exactly", min)
        } else if n < min {
            ("at least", min)
        } else {
            ("at most", max)
        };
        return Err(vm.type_error(format!(
            "{name}() takes {how} {k} argument{} ({n} given)",
            plural(k)
        )));
    }
    Ok(a)
}

/// Positional arguments checked as `_PyArg_CheckPositional` does.
pub(crate) fn pos_args<'a>(
    vm: &Vm,
    args: Args<'a>,
    name: &str,
    min: usize,
    max: usize,
) -> PyResult<&'a [Value]> {
    no_kwargs(vm, &args, name)?;
    let a = after_self(&args);
    let n = a.len();
    if n < min || n > max {
        let msg = if min == max {
            format!("{name} expected {min} argument{}, got {n}", plural(min))
        } else if n < min {
            format!(
                "{name} expected at least {min} argument{}, got {n}",
                plural(min)
            )
        } else {
            format!(
                "{name} expected at most {max} argument{}, got {n}",
                plural(max)
            )
        };
        return Err(vm.type_error(msg));
    }
    Ok(a)
}

/// Arguments that may be given by keyword (`_PyArg_UnpackKeywords`):
/// one slot per name, the first `min` required.
pub(crate) fn kw_args(
    vm: &Vm,
    args: Args,
    name: &str,
    names: &[&str],
    min: usize,
) -> PyResult<Vec<Option<Value>>> {
    let a = after_self(&args);
    let max = names.len();
    let total = a.len() + args.kwnames.len();
    if a.len() > max {
        return Err(vm.type_error(format!(
            "{name}() takes at most {max} argument{} ({} given)",
            plural(max),
            total
        )));
    }
    let mut out: Vec<Option<Value>> = vec![None; max];
    for (slot, v) in out.iter_mut().zip(a) {
        *slot = Some(v.clone());
    }
    for (k, v) in args.kwargs() {
        let key = crate::vm::proto::str_of(k).to_string();
        match names.iter().position(|n| *n == key) {
            Some(i) if i < a.len() => {
                return Err(vm.type_error(format!(
                    "argument for {name}() given by name ('{key}') and position ({})",
                    i + 1
                )))
            }
            Some(i) => {
                if let Some(slot) = out.get_mut(i) {
                    *slot = Some(v.clone());
                }
            }
            None => {
                return Err(vm.type_error(format!(
                    "'{key}' is an invalid keyword argument for {name}()"
                )))
            }
        }
    }
    for (i, n) in names.iter().enumerate().take(min) {
        if out.get(i).is_some_and(|v| v.is_none()) {
            return Err(vm.type_error(format!(
                "{name}() missing required argument '{n}' (pos {})",
                i + 1
            )));
        }
    }
    Ok(out)
}

/// `self`'s data and whether it is a bytearray.
pub(crate) fn self_data(vm: &Vm, args: &Args, name: &str) -> PyResult<(Vec<u8>, bool)> {
    let s = args.args.first().unwrap_or(&Value::None);
    match bytes_of(s) {
        Some(b) => Ok((b, is_array(s))),
        None => Err(vm.type_error(format!(
            "descriptor '{name}' requires a 'bytes' object but received a '{}'",
            vm.type_name_of(s)
        ))),
    }
}

/// An index-sized int argument (`__index__`).
pub(crate) fn index_arg(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    match vm.index_value(v)? {
        Some(i) => Ok(i),
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(v)
        ))),
    }
}

/// A byte value (0..=255) from an int-like argument.
pub(crate) fn byte_arg(vm: &mut Vm, v: &Value) -> PyResult<u8> {
    let i = index_arg(vm, v)?;
    crate::text::bytes_methods::byte_value(i).map_err(|e| text_err(vm, e))
}

// --------------------------------------------------------- constructors

/// The bytes an iterable of ints gives (`bytes([1, 2])`); `range_msg` is
/// the message for values outside 0..256.
fn bytes_from_iterable(vm: &mut Vm, v: &Value, range_msg: &str) -> PyResult<Vec<u8>> {
    let items = vm.collect_iter(v)?;
    let mut out = Vec::with_capacity(items.len());
    for x in &items {
        let i = index_arg(vm, x)?;
        match u8::try_from(i) {
            Ok(b) => out.push(b),
            Err(_) => return Err(vm.value_error(range_msg)),
        }
    }
    Ok(out)
}

/// The shared logic of `bytes(source, encoding, errors)` and
/// `bytearray(...)`.
fn construct(vm: &mut Vm, args: Args, array: bool) -> PyResult<Vec<u8>> {
    let what = if array { "bytearray" } else { "bytes" };
    let a = kw_args(vm, args, what, &["source", "encoding", "errors"], 0)?;
    let mut a = a.into_iter();
    let (source, encoding, errors) = (a.next().flatten(), a.next().flatten(), a.next().flatten());
    let text_arg = |vm: &Vm, v: &Option<Value>, arg: &str| -> PyResult<Option<String>> {
        match v {
            None => Ok(None),
            Some(x) => match vm.as_str_obj(x) {
                Some(s) => Ok(Some(s.as_str().to_string())),
                None => Err(vm.type_error(format!(
                    "{what}() argument '{arg}' must be str, not {}",
                    vm.arg_type_name(x)
                ))),
            },
        }
    };
    let enc = text_arg(vm, &encoding, "encoding")?;
    let errs = text_arg(vm, &errors, "errors")?;
    let Some(source) = source else {
        if enc.is_some() {
            return Err(vm.type_error("encoding without a string argument"));
        }
        if errs.is_some() {
            return Err(vm.type_error("errors without a string argument"));
        }
        return Ok(Vec::new());
    };
    if let Some(s) = vm.as_str_obj(&source) {
        let Some(enc) = enc else {
            return Err(vm.type_error("string argument without an encoding"));
        };
        let data = PyStrData::from_str(s.as_str());
        let errs = errs.unwrap_or_else(|| "strict".to_string());
        return super::str_codecs::encode(&data, &enc, &errs).map_err(|e| text_err(vm, e));
    }
    if enc.is_some() {
        return Err(vm.type_error("encoding without a string argument"));
    }
    if errs.is_some() {
        return Err(vm.type_error("errors without a string argument"));
    }
    if !array {
        if let Some(r) = vm.call_special(&source, "__bytes__", &[])? {
            return match &r {
                Value::Obj(o) if matches!(o.payload, Payload::Bytes(_)) => {
                    Ok(bytes_of(&r).unwrap_or_default())
                }
                _ => Err(vm.type_error(format!(
                    "__bytes__ returned non-bytes (type {})",
                    vm.type_name_of(&r)
                ))),
            };
        }
    }
    if let Some(b) = buffer_bytes(vm, &source)? {
        return Ok(b);
    }
    let has_index = super::int::is_int(&source) || {
        let t = vm.type_of(&source);
        vm.type_lookup_static(&t, "__index__").is_some()
    };
    if has_index {
        let n: i64 = vm.repeat_index(&source)?.unwrap_or_default();
        if n < 0 {
            return Err(vm.value_error("negative count"));
        }
        // PyBytes_FromStringAndSize: the size plus the 33-byte header.
        if !array && n > i64::MAX - 33 {
            return Err(vm.overflow_error("byte string is too large"));
        }
        return super::alloc::zeroed_bytes(vm, n as usize);
    }
    let range_msg = if array {
        "byte must be in range(0, 256)"
    } else {
        "bytes must be in range(0, 256)"
    };
    match vm.iter(&source) {
        Ok(_) => bytes_from_iterable(vm, &source, range_msg),
        Err(e) if vm.err_is(&e, ExcKind::TypeError) => Err(vm.type_error(format!(
            "cannot convert '{}' object to {what}",
            vm.type_name_of(&source)
        ))),
        Err(e) => Err(e),
    }
}

fn cls_arg(vm: &Vm, args: &Args, what: &str) -> PyResult<PyRef> {
    match args.args.first() {
        Some(Value::Obj(c)) if matches!(c.payload, Payload::Type(_)) => {
            let base = if what == "bytes" {
                &vm.types.bytes
            } else {
                &vm.types.bytearray
            };
            if !super::typeobj::is_subtype(c, base) {
                let n = vm.type_name(c);
                return Err(vm.type_error(format!(
                    "{what}.__new__({n}): {n} is not a subtype of {what}"
                )));
            }
            Ok(c.clone())
        }
        Some(v) => Err(vm.type_error(format!(
            "{what}.__new__(X): X is not a type object ({})",
            vm.type_name_of(v)
        ))),
        None => Err(vm.type_error(format!("{what}.__new__(): not enough arguments"))),
    }
}

fn bytes_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "bytes")?;
    let data = construct(vm, args, false)?;
    if Rc::ptr_eq(&cls, &vm.types.bytes) {
        return Ok(vm.new_bytes(data));
    }
    Ok(Value::Obj(vm.new_instance_of(
        &cls,
        Payload::Bytes(data.into_boxed_slice()),
    )))
}

fn bytearray_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "bytearray")?;
    Ok(Value::Obj(vm.new_instance_of(
        &cls,
        Payload::ByteArray(RefCell::new(Vec::new())),
    )))
}

fn bytearray_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(o)) = args.args.first() else {
        return Err(vm.type_error("descriptor '__init__' requires a 'bytearray' object"));
    };
    let o = o.clone();
    let data = construct(vm, args, true)?;
    if let Payload::ByteArray(c) = &o.payload {
        let old_len = c.borrow().len();
        super::bytearray::check_resize(vm, &Value::Obj(o.clone()), old_len, data.len())?;
        let mut b = c.try_borrow_mut().map_err(|_| {
            vm.new_error(
                ExcKind::BufferError,
                "Existing exports of data: object cannot be re-sized",
            )
        })?;
        *b = data;
    }
    Ok(Value::None)
}

// --------------------------------------------------------------- dunders

pub fn bytes_getitem(vm: &mut Vm, o: &PyRef, key: &Value) -> PyResult<Value> {
    let this = Value::Obj(o.clone());
    let array = is_array(&this);
    if let Some(s) = Vm::as_slice(key) {
        // An immutable bytes is sliced in place (importlib slices whole
        // .pyc files for their header fields).
        if let Payload::Bytes(b) = &o.payload {
            let (start, _, step, n) = vm.slice_indices(&s.clone(), b.len())?;
            let out: Vec<u8> = if step == 1 {
                let from = usize::try_from(start).unwrap_or(0);
                b.get(from..from.saturating_add(n))
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default()
            } else {
                (0..n as i64)
                    .filter_map(|k| b.get((start + k * step) as usize).copied())
                    .collect()
            };
            if step == 1 {
                return Ok(vm.new_bytes_shared(out));
            }
            return Ok(make(vm, array, out));
        }
        let data = bytes_of(&this).unwrap_or_default();
        let (start, _, step, n) = vm.slice_indices(&s.clone(), data.len())?;
        let out: Vec<u8> = (0..n as i64)
            .filter_map(|k| data.get((start + k * step) as usize).copied())
            .collect();
        return Ok(make(vm, array, out));
    }
    match vm.item_index(key)? {
        Some(i) => {
            let len = match &o.payload {
                Payload::Bytes(b) => b.len(),
                Payload::ByteArray(b) => b.borrow().len(),
                _ => 0,
            };
            match Vm::norm_index(i, len).and_then(|j| byte_at(&this, j)) {
                Some(b) => Ok(Value::Int(b as i64)),
                None => Err(vm.index_error(if array {
                    "bytearray index out of range"
                } else {
                    "index out of range"
                })),
            }
        }
        None => Err(vm.type_error(format!(
            "{} indices must be integers or slices, not {}",
            if array { "bytearray" } else { "byte" },
            vm.type_name_of(key)
        ))),
    }
}

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

fn bytes_getitem_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let key = one_arg(vm, args, "__getitem__")?;
    match args.args.first() {
        Some(Value::Obj(o)) if bytes_of(&Value::Obj(o.clone())).is_some() => {
            bytes_getitem(vm, &o.clone(), &key)
        }
        _ => Err(vm.type_error("descriptor '__getitem__' requires a 'bytes' object")),
    }
}

fn bytes_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, args, "__len__")?;
    Ok(Value::Int(match args.args.first() {
        Some(Value::Obj(o)) => match &o.payload {
            Payload::Bytes(b) => b.len() as i64,
            Payload::ByteArray(b) => b.borrow().len() as i64,
            _ => 0,
        },
        _ => 0,
    }))
}

/// Whether the other operand's type has a reflected dunder written in
/// Python (then `__add__`/`__mul__` defer to it with NotImplemented, as
/// CPython tries `nb_add` of both sides before `sq_concat`).
fn defers_to(vm: &mut Vm, other: &Value, rname: &str) -> bool {
    let t = vm.type_of(other);
    match vm.type_lookup_str(&t, rname) {
        Some(Value::Obj(o)) => !matches!(o.payload, Payload::MethodDescr(_)),
        Some(_) => true,
        None => false,
    }
}

fn bytes_add(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (mut a, array) = self_data(vm, &args, "__add__")?;
    let other = arg(&args, 1);
    match buffer_bytes(vm, &other)? {
        Some(b) => {
            a.extend(b);
            Ok(make(vm, array, a))
        }
        None if defers_to(vm, &other, "__radd__") => Ok(vm.not_implemented()),
        None => Err(vm.type_error(format!(
            "can't concat {} to {}",
            vm.type_name_of(&other),
            vm.type_name_of(&arg(&args, 0))
        ))),
    }
}

/// The repeat count of `seq * n`, or the error CPython's `sq_repeat`
/// raises; None to return NotImplemented.
pub(crate) fn repeat_arg(vm: &mut Vm, n: &Value, size: usize) -> PyResult<Option<usize>> {
    match super::list::repeat_count(vm, n, size)? {
        Some(k) => Ok(Some(k)),
        None if defers_to(vm, n, "__rmul__") => Ok(None),
        None => Err(vm.type_error(format!(
            "can't multiply sequence by non-int of type '{}'",
            vm.type_name_of(n)
        ))),
    }
}

fn bytes_mul(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (a, array) = self_data(vm, &args, "__mul__")?;
    let Some(k) = repeat_arg(vm, &arg(&args, 1), if array { a.len() } else { 0 })? else {
        return Ok(vm.not_implemented());
    };
    super::alloc::repeat_fits(vm, a.len(), k, "repeated bytes are too long")?;
    let out = super::alloc::repeat_slice(vm, &a, k)?;
    Ok(make(vm, array, out))
}

/// `item in b`: an int byte or a bytes-like subsequence.
pub(crate) fn contains_in(vm: &mut Vm, data: &[u8], item: &Value) -> PyResult<bool> {
    let has_index = super::int::is_int(item) || {
        let t = vm.type_of(item);
        vm.type_lookup_static(&t, "__index__").is_some()
    };
    if has_index {
        let b = byte_arg(vm, item)?;
        return Ok(data.contains(&b));
    }
    let sub = need_buffer(vm, item)?;
    Ok(crate::text::bytes_methods::find(data, &sub, None, None).is_some())
}

fn bytes_contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (a, _) = self_data(vm, &args, "__contains__")?;
    let item = one_arg(vm, args, "__contains__")?;
    Ok(Value::bool(contains_in(vm, &a, &item)?))
}

fn bytes_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, args, "__iter__")?;
    let this = arg(&args, 0);
    Ok(vm.new_iter(
        &vm.types.bytes_iterator.clone(),
        super::iter::IterState::Bytes { b: this, idx: 0 },
    ))
}

fn bytes_cmp(vm: &mut Vm, args: Args, op: CmpOp) -> PyResult<Value> {
    let (a, _) = self_data(vm, &args, op.dunder())?;
    let other = arg(&args, 1);
    // bytes compares with bytes only; bytearray with any buffer.
    let b = if is_array(&arg(&args, 0)) {
        buffer_bytes(vm, &other)?
    } else {
        bytes_of(&other)
    };
    match b {
        Some(b) => Ok(Value::bool(op.test(a.cmp(&b)))),
        None => {
            if matches!(op, CmpOp::Eq | CmpOp::Ne) {
                warn_bytes_compare(vm, &arg(&args, 0), &other)?;
            }
            Ok(vm.not_implemented())
        }
    }
}

/// Under `-b`, `bytes == str` (or int) and `bytearray == str` warn
/// (BytesWarning) before comparing unequal, as CPython's richcompare.
fn warn_bytes_compare(vm: &mut Vm, this: &Value, other: &Value) -> PyResult<()> {
    if crate::vm::config::get().bytes_warning == 0 {
        return Ok(());
    }
    let is = |vm: &Vm, v: &Value, ty: &PyRef| {
        let t = vm.type_of(v);
        crate::objects::typeobj::is_subtype(&t, ty)
    };
    let (str_t, int_t) = (vm.types.str.clone(), vm.types.int.clone());
    let msg = if is_array(this) {
        if !is(vm, other, &str_t) {
            return Ok(());
        }
        "Comparison between bytearray and string"
    } else if is(vm, other, &str_t) {
        "Comparison between bytes and string"
    } else if is(vm, other, &int_t) {
        "Comparison between bytes and int"
    } else {
        return Ok(());
    };
    crate::modules::warnings::warn(vm, ExcKind::BytesWarning, msg, 1)
}

macro_rules! cmp_methods {
    ($($name:ident, $op:ident;)*) => {
        $( fn $name(vm: &mut Vm, args: Args) -> PyResult<Value> { bytes_cmp(vm, args, CmpOp::$op) } )*
    };
}
cmp_methods! { bytes_lt, Lt; bytes_le, Le; bytes_eq, Eq; bytes_ne, Ne; bytes_gt, Gt; bytes_ge, Ge; }

fn bytes_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, args, "__hash__")?;
    let (a, _) = self_data(vm, &args, "__hash__")?;
    Ok(Value::Int(crate::pyhash::hash_bytes(&a)))
}

/// The `b'...'` part of a bytearray's repr: like bytes' but `'` and `\\`
/// are always escaped and `"` never is (Objects/bytearrayobject.c).
pub fn bytearray_repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(b.len() + 3);
    out.push('b');
    out.push(quote);
    for &c in b {
        match c {
            b'\'' | b'\\' => {
                out.push('\\');
                out.push(char::from(c));
            }
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            c if !(0x20..0x7f).contains(&c) => out.push_str(&format!("\\x{c:02x}")),
            c => out.push(char::from(c)),
        }
    }
    out.push(quote);
    out
}

fn bytes_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, args, "__repr__")?;
    let (a, array) = self_data(vm, &args, "__repr__")?;
    if array {
        let name = vm.type_name_of(&arg(&args, 0));
        let r = bytearray_repr(&a);
        return Ok(vm.new_string(format!("{name}({r})")));
    }
    let r = crate::pyfmt::bytes_repr(&a);
    Ok(vm.new_string(r))
}

fn bytes_bytes(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, args, "__bytes__")?;
    let this = arg(&args, 0);
    if let Value::Obj(o) = &this {
        if o.class_is(&vm.types.bytes) {
            return Ok(this);
        }
    }
    let (a, _) = self_data(vm, &args, "__bytes__")?;
    Ok(vm.new_bytes(a))
}

fn bytes_getnewargs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, args, "__getnewargs__")?;
    let (a, _) = self_data(vm, &args, "__getnewargs__")?;
    let b = vm.new_bytes(a);
    Ok(vm.new_tuple_of([b]))
}

fn bytes_mod(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (a, array) = self_data(vm, &args, "__mod__")?;
    let out = super::bytes_format::format(vm, &a, &arg(&args, 1))?;
    Ok(make(vm, array, out))
}

fn bytes_rmul(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (a, array) = self_data(vm, &args, "__rmul__")?;
    let size = if array { a.len() } else { 0 };
    let Some(k) = super::list::repeat_count(vm, &arg(&args, 1), size)? else {
        return Ok(vm.not_implemented());
    };
    super::alloc::repeat_fits(vm, a.len(), k, "repeated bytes are too long")?;
    let out = super::alloc::repeat_slice(vm, &a, k)?;
    Ok(make(vm, array, out))
}

pub fn install(vm: &mut Vm) {
    for t in [vm.types.bytes.clone(), vm.types.bytearray.clone()] {
        vm.add_methods(
            &t,
            &[
                ("__len__", bytes_len),
                ("__getitem__", bytes_getitem_m),
                ("__add__", bytes_add),
                ("__mul__", bytes_mul),
                ("__rmul__", bytes_rmul),
                ("__mod__", bytes_mod),
                ("__contains__", bytes_contains),
                ("__iter__", bytes_iter),
                ("__lt__", bytes_lt),
                ("__le__", bytes_le),
                ("__eq__", bytes_eq),
                ("__ne__", bytes_ne),
                ("__gt__", bytes_gt),
                ("__ge__", bytes_ge),
                ("__repr__", bytes_repr),
            ],
        );
        super::bytes_ops::install(vm, &t);
    }
    let b = vm.types.bytes.clone();
    vm.add_methods(
        &b,
        &[
            ("__hash__", bytes_hash),
            ("__bytes__", bytes_bytes),
            ("__getnewargs__", bytes_getnewargs),
        ],
    );
    vm.add_staticmethods(&b, &[("__new__", bytes_new)]);
    let ba = vm.types.bytearray.clone();
    vm.add_methods(&ba, &[("__init__", bytearray_init)]);
    vm.add_staticmethods(&ba, &[("__new__", bytearray_new)]);
    vm.add_type_attr(&ba, "__hash__", Value::None);
    super::bytearray::install(vm);
    super::memoryview::install(vm);
}
