//! The non-mutating methods `bytes` and `bytearray` share (search,
//! split, strip, case, padding, hex, translate, decode). Each returns a
//! new object of the receiver's builtin type. The algorithms and their
//! messages are [`crate::text::bytes_methods`]'s.

use super::bytes::{
    buffer_bytes, index_arg, kw_args, make, need_buffer, no_args, one_arg, pos_args, self_data,
    str_value, text_err, tuple_args,
};
use super::function::Args;
use super::Payload;
use crate::text::bytes_methods as bm;
use crate::vm::value::Truth;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// A `start`/`end` argument (`_PyEval_SliceIndex`): None when absent or
/// None.
fn slice_arg(vm: &mut Vm, v: Option<&Value>) -> PyResult<Option<i64>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(x) => match vm.index_value(x)? {
            Some(i) => Ok(Some(i)),
            None => Err(
                vm.type_error("slice indices must be integers or None or have an __index__ method")
            ),
        },
    }
}

/// The `sub` argument of find/count/index: bytes-like or an int byte.
fn sub_arg(vm: &mut Vm, v: &Value) -> PyResult<Vec<u8>> {
    if let Some(b) = buffer_bytes(vm, v)? {
        return Ok(b);
    }
    match vm.index_value(v)? {
        Some(i) => bm::byte_value(i)
            .map(|b| vec![b])
            .map_err(|e| text_err(vm, e)),
        None => Err(vm.type_error(format!(
            "argument should be integer or bytes-like object, not '{}'",
            vm.type_name_of(v)
        ))),
    }
}

/// (sub, start, end) of find-like methods.
type FindArgs = (Vec<u8>, Option<i64>, Option<i64>);

type Finder = fn(&[u8], &[u8], Option<i64>, Option<i64>) -> Option<usize>;

/// The receiver's length before the arguments are converted: CPython
/// takes a bytearray's buffer and size first, so an `__index__` that
/// grows it is not seen.
fn self_len(args: &Args) -> usize {
    match args.args.first() {
        Some(Value::Obj(o)) => match &o.payload {
            Payload::Bytes(b) => b.len(),
            Payload::ByteArray(cell) => cell.try_borrow().map_or(0, |b| b.len()),
            _ => 0,
        },
        _ => 0,
    }
}

/// `f` of the receiver's first `n` bytes read where they are; the
/// receiver was checked to be a bytes or bytearray.
fn with_self<R>(args: &Args, n: usize, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    match args.args.first()? {
        Value::Obj(o) => match &o.payload {
            Payload::Bytes(b) => Some(f(b.get(..n).unwrap_or(b))),
            Payload::ByteArray(cell) => cell.try_borrow().ok().map(|b| f(b.get(..n).unwrap_or(&b))),
            _ => None,
        },
        _ => None,
    }
}

/// The receiver's bytes, copied (where `with_self` cannot lend them).
fn self_copy(vm: &Vm, args: &Args, name: &str) -> PyResult<Vec<u8>> {
    self_data(vm, args, name).map(|(d, _)| d)
}

fn find_common(vm: &mut Vm, args: Args, name: &str) -> PyResult<FindArgs> {
    // The receiver's type first (its error comes before the arguments').
    self_is_bytes(vm, &args, name)?;
    let a = tuple_args(vm, args, name, 1, 3)?;
    // CPython's `stringlib_parse_args_finds` converts start/end while
    // parsing, before it looks at `sub`.
    let start = slice_arg(vm, a.get(1))?;
    let end = slice_arg(vm, a.get(2))?;
    let sub = sub_arg(vm, &a[0])?;
    Ok((sub, start, end))
}

/// `self_data`'s check without its copy.
fn self_is_bytes(vm: &Vm, args: &Args, name: &str) -> PyResult<()> {
    match args.args.first() {
        Some(Value::Obj(o)) if matches!(o.payload, Payload::Bytes(_) | Payload::ByteArray(_)) => {
            Ok(())
        }
        _ => self_data(vm, args, name).map(|_| ()),
    }
}

fn search(vm: &mut Vm, args: Args, name: &str, f: Finder, raise: bool) -> PyResult<Value> {
    let n = self_len(&args);
    let (sub, start, end) = find_common(vm, args, name)?;
    let found = match with_self(&args, n, |d| f(d, &sub, start, end)) {
        Some(r) => r,
        None => f(&self_copy(vm, &args, name)?, &sub, start, end),
    };
    match found {
        Some(i) => Ok(Value::Int(i as i64)),
        None if raise => Err(vm.value_error("subsection not found")),
        None => Ok(Value::Int(-1)),
    }
}

fn b_find(vm: &mut Vm, args: Args) -> PyResult<Value> {
    search(vm, args, "find", bm::find, false)
}
fn b_rfind(vm: &mut Vm, args: Args) -> PyResult<Value> {
    search(vm, args, "rfind", bm::rfind, false)
}
fn b_index(vm: &mut Vm, args: Args) -> PyResult<Value> {
    search(vm, args, "index", bm::find, true)
}
fn b_rindex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    search(vm, args, "rindex", bm::rfind, true)
}
fn b_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let n0 = self_len(&args);
    let (sub, start, end) = find_common(vm, args, "count")?;
    let n = match with_self(&args, n0, |d| bm::count(d, &sub, start, end)) {
        Some(n) => n,
        None => bm::count(&self_copy(vm, &args, "count")?, &sub, start, end),
    };
    Ok(Value::Int(n as i64))
}

fn affix(vm: &mut Vm, args: Args, name: &str, suffix: bool) -> PyResult<Value> {
    self_is_bytes(vm, &args, name)?;
    let n = self_len(&args);
    let a = tuple_args(vm, args, name, 1, 3)?;
    let start = slice_arg(vm, a.get(1))?;
    let end = slice_arg(vm, a.get(2))?;
    let test = |vm: &Vm, p: &[u8]| -> PyResult<bool> {
        let t = |d: &[u8]| {
            if suffix {
                bm::endswith(d, p, start, end)
            } else {
                bm::startswith(d, p, start, end)
            }
        };
        match with_self(&args, n, t) {
            Some(r) => Ok(r),
            None => Ok(t(&self_copy(vm, &args, name)?)),
        }
    };
    if let Some(items) = tuple_items(&a[0]) {
        for it in items.iter() {
            let p = need_buffer(vm, it)?;
            if test(vm, &p)? {
                return Ok(Value::Bool(Truth::True));
            }
        }
        return Ok(Value::Bool(Truth::False));
    }
    match buffer_bytes(vm, &a[0])? {
        Some(p) => Ok(Value::bool(test(vm, &p)?)),
        None => Err(vm.type_error(format!(
            "{name} first arg must be bytes or a tuple of bytes, not {}",
            vm.type_name_of(&a[0])
        ))),
    }
}

fn tuple_items(v: &Value) -> Option<Box<[Value]>> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(t) => Some(t.to_vec().into_boxed_slice()),
            _ => None,
        },
        _ => None,
    }
}

fn b_startswith(vm: &mut Vm, args: Args) -> PyResult<Value> {
    affix(vm, args, "startswith", false)
}
fn b_endswith(vm: &mut Vm, args: Args) -> PyResult<Value> {
    affix(vm, args, "endswith", true)
}

fn opt_buffer(vm: &mut Vm, v: Option<&Value>) -> PyResult<Option<Vec<u8>>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(x) => need_buffer(vm, x).map(Some),
    }
}

fn list_of(vm: &Vm, array: bool, parts: Vec<Vec<u8>>) -> Value {
    let items = parts.into_iter().map(|p| make(vm, array, p)).collect();
    vm.new_list(items)
}

fn split_impl(vm: &mut Vm, args: Args, name: &str, right: bool) -> PyResult<Value> {
    let (data, array) = self_data(vm, &args, name)?;
    let a = kw_args(vm, args, name, &["sep", "maxsplit"], 0)?;
    let sep = opt_buffer(vm, a[0].as_ref())?;
    let maxsplit = match &a[1] {
        Some(v) => index_arg(vm, v)?,
        None => -1,
    };
    let parts = if right {
        bm::rsplit(&data, sep.as_deref(), maxsplit)
    } else {
        bm::split(&data, sep.as_deref(), maxsplit)
    }
    .map_err(|e| text_err(vm, e))?;
    Ok(list_of(vm, array, parts))
}

fn b_split(vm: &mut Vm, args: Args) -> PyResult<Value> {
    split_impl(vm, args, "split", false)
}
fn b_rsplit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    split_impl(vm, args, "rsplit", true)
}

fn b_splitlines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (data, array) = self_data(vm, &args, "splitlines")?;
    let a = kw_args(vm, args, "splitlines", &["keepends"], 0)?;
    let keep = match &a[0] {
        Some(v) => index_arg(vm, v)? != 0,
        None => false,
    };
    Ok(list_of(vm, array, bm::splitlines(&data, keep)))
}

fn part_impl(vm: &mut Vm, args: Args, name: &str, right: bool) -> PyResult<Value> {
    let (data, array) = self_data(vm, &args, name)?;
    let sep = one_arg(vm, args, name)?;
    let sep = need_buffer(vm, &sep)?;
    let (a, b, c) = if right {
        bm::rpartition(&data, &sep)
    } else {
        bm::partition(&data, &sep)
    }
    .map_err(|e| text_err(vm, e))?;
    let items = vec![make(vm, array, a), make(vm, array, b), make(vm, array, c)];
    Ok(vm.new_tuple(items))
}

fn b_partition(vm: &mut Vm, args: Args) -> PyResult<Value> {
    part_impl(vm, args, "partition", false)
}
fn b_rpartition(vm: &mut Vm, args: Args) -> PyResult<Value> {
    part_impl(vm, args, "rpartition", true)
}

type Strip = fn(&[u8], Option<&[u8]>) -> Vec<u8>;

fn strip_impl(vm: &mut Vm, args: Args, name: &str, f: Strip) -> PyResult<Value> {
    let (data, array) = self_data(vm, &args, name)?;
    let a = pos_args(vm, args, name, 0, 1)?;
    let chars = opt_buffer(vm, a.first())?;
    Ok(make(vm, array, f(&data, chars.as_deref())))
}

fn b_strip(vm: &mut Vm, args: Args) -> PyResult<Value> {
    strip_impl(vm, args, "strip", bm::strip)
}
fn b_lstrip(vm: &mut Vm, args: Args) -> PyResult<Value> {
    strip_impl(vm, args, "lstrip", bm::lstrip)
}
fn b_rstrip(vm: &mut Vm, args: Args) -> PyResult<Value> {
    strip_impl(vm, args, "rstrip", bm::rstrip)
}

fn b_replace(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (data, array) = self_data(vm, &args, "replace")?;
    let a = pos_args(vm, args, "replace", 2, 3)?;
    let old = need_buffer(vm, &a[0])?;
    let new = need_buffer(vm, &a[1])?;
    let count = match a.get(2) {
        Some(v) => index_arg(vm, v)?,
        None => -1,
    };
    if new.len() > old.len() {
        // Size the result first (MemoryError rather than an abort).
        let n = bm::count(&data, &old, None, None);
        let n = usize::try_from(count).map_or(n, |c| n.min(c));
        let grow = n.saturating_mul(new.len() - old.len());
        super::alloc::check_room(vm, data.len().saturating_add(grow), 1)?;
    }
    Ok(make(vm, array, bm::replace(&data, &old, &new, count)))
}

fn b_join(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (sep, array) = self_data(vm, &args, "join")?;
    let it = one_arg(vm, args, "join")?;
    // PySequence_Fast(iterable, "can only join an iterable").
    if let Err(e) = vm.iter(&it) {
        if vm.err_is(&e, super::exception::ExcKind::TypeError) {
            return Err(vm.type_error("can only join an iterable"));
        }
        return Err(e);
    }
    let items = vm.collect_iter(&it)?;
    // Size the result before copying any item (MemoryError up front).
    let mut total = sep.len().saturating_mul(items.len().saturating_sub(1));
    for x in &items {
        if let Value::Obj(o) = x {
            match &o.payload {
                Payload::Bytes(b) => total = total.saturating_add(b.len()),
                Payload::ByteArray(b) => total = total.saturating_add(b.borrow().len()),
                _ => {}
            }
        }
    }
    super::alloc::check_room(vm, total, 1)?;
    let mut parts = Vec::with_capacity(items.len());
    for (i, x) in items.iter().enumerate() {
        match buffer_bytes(vm, x)? {
            Some(b) => parts.push(b),
            None => {
                return Err(vm.type_error(format!(
                    "sequence item {i}: expected a bytes-like object, {} found",
                    vm.type_name_of(x)
                )))
            }
        }
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    Ok(make(vm, array, bm::join(&sep, &refs)))
}

type Justify = fn(&[u8], i64, u8) -> Vec<u8>;

fn justify(vm: &mut Vm, args: Args, name: &str, f: Justify) -> PyResult<Value> {
    let (data, array) = self_data(vm, &args, name)?;
    let a = pos_args(vm, args, name, 1, 2)?;
    let width = index_arg(vm, &a[0])?;
    let fill = match a.get(1) {
        None => b' ',
        Some(v) => match super::bytes::bytes_of(v).as_deref() {
            Some([c]) => *c,
            _ => {
                return Err(vm.type_error(format!(
                    "{name}() argument 2 must be a byte string of length 1, not {}",
                    vm.arg_type_name(v)
                )))
            }
        },
    };
    super::alloc::check_bytes_room(vm, array, width)?;
    Ok(make(vm, array, f(&data, width, fill)))
}

fn b_center(vm: &mut Vm, args: Args) -> PyResult<Value> {
    justify(vm, args, "center", bm::center)
}
fn b_ljust(vm: &mut Vm, args: Args) -> PyResult<Value> {
    justify(vm, args, "ljust", bm::ljust)
}
fn b_rjust(vm: &mut Vm, args: Args) -> PyResult<Value> {
    justify(vm, args, "rjust", bm::rjust)
}

fn b_zfill(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (data, array) = self_data(vm, &args, "zfill")?;
    let w = one_arg(vm, args, "zfill")?;
    let w = index_arg(vm, &w)?;
    super::alloc::check_bytes_room(vm, array, w)?;
    Ok(make(vm, array, bm::zfill(&data, w)))
}

fn b_expandtabs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (data, array) = self_data(vm, &args, "expandtabs")?;
    let a = kw_args(vm, args, "expandtabs", &["tabsize"], 0)?;
    let size = match &a[0] {
        Some(v) => {
            let n = index_arg(vm, v)?;
            super::alloc::c_int_arg(vm, n)?
        }
        None => 8,
    };
    let out = bm::expandtabs(&data, size).map_err(|e| text_err(vm, e))?;
    Ok(make(vm, array, out))
}

macro_rules! transforms {
    ($($fname:ident, $name:literal, $f:path;)*) => {
        $(
            fn $fname(vm: &mut Vm, args: Args) -> PyResult<Value> {
                let (data, array) = self_data(vm, &args, $name)?;
                no_args(vm, args, $name)?;
                Ok(make(vm, array, $f(&data)))
            }
        )*
    };
}
transforms! {
    b_lower, "lower", bm::lower;
    b_upper, "upper", bm::upper;
    b_capitalize, "capitalize", bm::capitalize;
    b_swapcase, "swapcase", bm::swapcase;
    b_title, "title", bm::title;
}

macro_rules! predicates {
    ($($fname:ident, $name:literal, $f:path;)*) => {
        $(
            fn $fname(vm: &mut Vm, args: Args) -> PyResult<Value> {
                let (data, _) = self_data(vm, &args, $name)?;
                no_args(vm, args, $name)?;
                Ok(Value::bool($f(&data)))
            }
        )*
    };
}
predicates! {
    b_isalnum, "isalnum", bm::isalnum;
    b_isalpha, "isalpha", bm::isalpha;
    b_isascii, "isascii", bm::isascii;
    b_isdigit, "isdigit", bm::isdigit;
    b_islower, "islower", bm::islower;
    b_isspace, "isspace", bm::isspace;
    b_istitle, "istitle", bm::istitle;
    b_isupper, "isupper", bm::isupper;
}

fn affix_remove(vm: &mut Vm, args: Args, name: &str, suffix: bool) -> PyResult<Value> {
    let (data, array) = self_data(vm, &args, name)?;
    let p = one_arg(vm, args, name)?;
    let p = need_buffer(vm, &p)?;
    let out = if suffix {
        bm::removesuffix(&data, &p)
    } else {
        bm::removeprefix(&data, &p)
    };
    Ok(make(vm, array, out))
}

fn b_removeprefix(vm: &mut Vm, args: Args) -> PyResult<Value> {
    affix_remove(vm, args, "removeprefix", false)
}
fn b_removesuffix(vm: &mut Vm, args: Args) -> PyResult<Value> {
    affix_remove(vm, args, "removesuffix", true)
}

fn b_translate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (data, array) = self_data(vm, &args, "translate")?;
    let pos = args.pos().len().saturating_sub(1);
    if pos == 0 && !args.has_kwargs() {
        return Err(vm.type_error("translate() takes at least 1 positional argument (0 given)"));
    }
    let a = kw_args(vm, args, "translate", &["table", "delete"], 1)?;
    if args
        .kwargs()
        .any(|(k, _)| crate::vm::proto::str_of(k) == "table")
    {
        return Err(vm.type_error("translate() takes at least 1 positional argument (0 given)"));
    }
    let table = opt_buffer(vm, a[0].as_ref())?;
    let delete = match &a[1] {
        Some(v) => need_buffer(vm, v)?,
        None => Vec::new(),
    };
    let out = bm::translate(&data, table.as_deref(), &delete).map_err(|e| text_err(vm, e))?;
    Ok(make(vm, array, out))
}

fn b_maketrans(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.has_kwargs() {
        return Err(vm.type_error("maketrans() takes no keyword arguments"));
    }
    let a = args.pos();
    if a.len() != 2 {
        return Err(vm.type_error(format!("maketrans expected 2 arguments, got {}", a.len())));
    }
    let from = need_buffer(vm, &a[0])?;
    let to = need_buffer(vm, &a[1])?;
    let t = bm::maketrans(&from, &to).map_err(|e| text_err(vm, e))?;
    Ok(vm.new_bytes(t))
}

fn text_of(vm: &Vm, v: &Value, func: &str, arg: &str) -> PyResult<String> {
    match vm.as_str_obj(v) {
        Some(s) => Ok(s.as_str().to_string()),
        None => Err(vm.type_error(format!(
            "{func}() argument '{arg}' must be str, not {}",
            vm.arg_type_name(v)
        ))),
    }
}

fn b_decode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (data, _) = self_data(vm, &args, "decode")?;
    let a = kw_args(vm, args, "decode", &["encoding", "errors"], 0)?;
    let enc = match &a[0] {
        Some(v) => text_of(vm, v, "decode", "encoding")?,
        None => "utf-8".to_string(),
    };
    let errs = match &a[1] {
        Some(v) => text_of(vm, v, "decode", "errors")?,
        None => "strict".to_string(),
    };
    decode_str(vm, &data, &enc, &errs)
}

/// `data.decode(encoding, errors)` as a str value, with CPython's
/// `LookupError`/`UnicodeDecodeError` (its `object` attribute set).
pub fn decode_str(vm: &mut Vm, data: &[u8], encoding: &str, errors: &str) -> PyResult<Value> {
    let r = super::str_codecs::decode(data, encoding, errors);
    if let Err(crate::text::TextError::Lookup(_)) = r {
        // Not known natively: the codec registry (`_codecs`), as CPython.
        let obj = vm.new_bytes(data.to_vec());
        return crate::modules::codecs::decode_text(vm, &obj, encoding, errors);
    }
    let s = r.map_err(|e| {
        let decode_error = matches!(e, crate::text::TextError::UnicodeDecode(_));
        let err = text_err(vm, e);
        if decode_error {
            let obj = vm.new_bytes(super::str_codecs::decode_object(data, encoding).to_vec());
            vm.set_attr_raw(&err.0, "object", obj);
        }
        err
    })?;
    Ok(str_value(vm, &s))
}

/// `b.hex(sep, bytes_per_sep)` for any buffer's data (also memoryview's).
pub(crate) fn hex_impl(vm: &mut Vm, data: &[u8], args: Args) -> PyResult<Value> {
    let a = kw_args(vm, args, "hex", &["sep", "bytes_per_sep"], 0)?;
    let per = match &a[1] {
        Some(v) => index_arg(vm, v)?,
        None => 1,
    };
    let sep: Option<Vec<u32>> = match &a[0] {
        None => None,
        Some(v) => {
            if let Some(s) = vm.as_str_obj(v) {
                Some(s.as_str().chars().map(u32::from).collect())
            } else if let Some(b) = super::bytes::bytes_of(v) {
                Some(b.into_iter().map(u32::from).collect())
            } else {
                vm.len(v)?;
                return Err(vm.type_error("sep must be str or bytes."));
            }
        }
    };
    let s = bm::hex(data, sep.as_deref(), per).map_err(|e| text_err(vm, e))?;
    Ok(vm.new_string(s))
}

fn b_hex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (data, _) = self_data(vm, &args, "hex")?;
    hex_impl(vm, &data, args)
}

/// `bytes.fromhex(s)` / `bytearray.fromhex(s)` (a classmethod).
fn b_fromhex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => vm.types.bytes.clone(),
    };
    let owner = if super::typeobj::is_subtype(&cls, &vm.types.bytearray) {
        "bytearray"
    } else {
        "bytes"
    };
    if args.has_kwargs() {
        return Err(vm.type_error(format!("{owner}.fromhex() takes no keyword arguments")));
    }
    let a = args.pos().get(1..).unwrap_or(&[]);
    let [s] = a else {
        return Err(vm.type_error(format!(
            "{owner}.fromhex() takes exactly one argument ({} given)",
            a.len()
        )));
    };
    let Some(text) = vm.as_str_obj(s) else {
        return Err(vm.type_error(format!(
            "fromhex() argument must be str, not {}",
            vm.arg_type_name(s)
        )));
    };
    let cps: Vec<u32> = text.as_str().chars().map(u32::from).collect();
    let data = bm::fromhex(&cps).map_err(|e| text_err(vm, e))?;
    let array = owner == "bytearray";
    let v = make(vm, array, data);
    let exact: &PyRef = if array {
        &vm.types.bytearray
    } else {
        &vm.types.bytes
    };
    if crate::objects::rc::Rc::ptr_eq(&cls, exact) {
        return Ok(v);
    }
    vm.call(&Value::Obj(cls), &[v])
}

/// Install the shared methods in `bytes` or `bytearray`.
pub fn install(vm: &mut Vm, t: &PyRef) {
    vm.add_methods(
        t,
        &[
            ("capitalize", b_capitalize),
            ("center", b_center),
            ("count", b_count),
            ("decode", b_decode),
            ("endswith", b_endswith),
            ("expandtabs", b_expandtabs),
            ("find", b_find),
            ("hex", b_hex),
            ("index", b_index),
            ("isalnum", b_isalnum),
            ("isalpha", b_isalpha),
            ("isascii", b_isascii),
            ("isdigit", b_isdigit),
            ("islower", b_islower),
            ("isspace", b_isspace),
            ("istitle", b_istitle),
            ("isupper", b_isupper),
            ("join", b_join),
            ("ljust", b_ljust),
            ("lower", b_lower),
            ("lstrip", b_lstrip),
            ("partition", b_partition),
            ("removeprefix", b_removeprefix),
            ("removesuffix", b_removesuffix),
            ("replace", b_replace),
            ("rfind", b_rfind),
            ("rindex", b_rindex),
            ("rjust", b_rjust),
            ("rpartition", b_rpartition),
            ("rsplit", b_rsplit),
            ("rstrip", b_rstrip),
            ("split", b_split),
            ("splitlines", b_splitlines),
            ("startswith", b_startswith),
            ("strip", b_strip),
            ("swapcase", b_swapcase),
            ("title", b_title),
            ("translate", b_translate),
            ("upper", b_upper),
            ("zfill", b_zfill),
        ],
    );
    vm.add_classmethods(t, &[("fromhex", b_fromhex)]);
    vm.add_staticmethods(t, &[("maketrans", b_maketrans)]);
}
