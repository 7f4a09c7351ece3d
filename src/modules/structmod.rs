//! `_struct`: `pack`/`unpack`/`calcsize`/`iter_unpack`/`pack_into`/
//! `unpack_from`, the `Struct` type, the `unpack_iterator` type and
//! `struct.error`, over the format engine in `structfmt.rs`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::binargs::{add_module_functions, buffer_of, module_attr, need_bytes, raise, Sig};
use super::structfmt::{pack_item, parse, unpack_item, Format, PackErr};
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

/// A compiled format: the `Struct` object's state.
struct StructObj {
    fmt: RefCell<Option<(Format, Value)>>,
    error: PyRef,
}

impl NativeData for StructObj {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        if let Some((_, f)) = &*self.fmt.borrow() {
            visit(f);
        }
    }
}

/// The state of an `unpack_iterator`.
struct UnpackIter {
    fmt: Format,
    data: Vec<u8>,
    pos: Cell<usize>,
}

impl NativeData for UnpackIter {}

fn error_class(vm: &Vm, args: &Args) -> PyResult<PyRef> {
    match module_attr(vm, args, "error")? {
        Value::Obj(c) => Ok(c),
        _ => Err(vm.system_error("struct.error missing")),
    }
}

/// A `Format` from a format argument (str or bytes).
fn compile(vm: &Vm, err: &PyRef, f: &Value) -> PyResult<Format> {
    let text: Vec<u8> = match f {
        Value::Obj(o) => match &o.payload {
            Payload::Str(s) => s.as_str().as_bytes().to_vec(),
            Payload::Bytes(b) => b.to_vec(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let ok = matches!(f, Value::Obj(o) if matches!(o.payload, Payload::Str(_) | Payload::Bytes(_)));
    if !ok {
        return Err(vm.type_error(format!(
            "Struct() argument 1 must be a str or bytes object, not {}",
            vm.type_name_of(f)
        )));
    }
    parse(&text).map_err(|e| raise(vm, err, e.0))
}

fn pack_err(vm: &Vm, err: &PyRef, e: PackErr) -> PyErr {
    match e {
        PackErr::Struct(m) => raise(vm, err, m),
        PackErr::Py(e) => e,
    }
}

/// Pack `vals` with `fmt` (`name` for the count message).
fn do_pack(
    vm: &mut Vm,
    err: &PyRef,
    fmt: &Format,
    vals: &[Value],
    name: &str,
) -> PyResult<Vec<u8>> {
    pack_values(vm, fmt, vals, name).map_err(|e| pack_err(vm, err, e))
}

/// Pack `vals` with `fmt`; a `struct.error` comes back as its message, so
/// the module-level functions look the class up only to raise it.
fn pack_values(vm: &mut Vm, fmt: &Format, vals: &[Value], name: &str) -> Result<Vec<u8>, PackErr> {
    if vals.len() != fmt.items.len() {
        return Err(PackErr::Struct(format!(
            "{name} expected {} items for packing (got {})",
            fmt.items.len(),
            vals.len()
        )));
    }
    let mut out = vec![0u8; fmt.size];
    for (item, v) in fmt.items.iter().zip(vals) {
        let Some(dst) = out.get_mut(item.offset..item.offset + item.size) else {
            continue;
        };
        pack_item(vm, fmt.mode, item, v, dst)?;
    }
    Ok(out)
}

/// How many compiled formats the module-level functions keep.
const FORMAT_CACHE: usize = 16;

/// Compiled formats by their text, newest last, each with the address of
/// the format object it was last found by.
type FormatCache = Vec<(usize, Box<[u8]>, Rc<Format>)>;

thread_local! {
    /// Formats the module-level functions compiled lately (CPython keeps
    /// up to 100 `Struct` objects by format): `struct.pack("<B", n)` in a
    /// loop parses its format once.
    static FORMATS: RefCell<FormatCache> = const { RefCell::new(Vec::new()) };
}

/// The text of a str or bytes format argument.
fn format_text(f: &Value) -> Option<&[u8]> {
    match f {
        Value::Obj(o) => match &o.payload {
            Payload::Str(s) => Some(s.as_str().as_bytes()),
            Payload::Bytes(b) => Some(b),
            _ => None,
        },
        _ => None,
    }
}

/// The compiled form of a str or bytes format from the cache, compiling
/// and caching it on a miss; None when it does not parse. A format object
/// seen before (a constant at its call site) is found by its address, the
/// text confirming it (an address can be reused); another object with the
/// same text by a comparison of texts.
fn quiet_format(f: &Value) -> Option<Rc<Format>> {
    let t = format_text(f)?;
    let addr = match f {
        Value::Obj(o) => crate::objects::rc::Rc::as_ptr(o) as usize,
        _ => 0,
    };
    let hit = FORMATS.with(|c| {
        if let Some((_, _, fmt)) = c
            .borrow()
            .iter()
            .rev()
            .find(|(a, k, _)| *a == addr && **k == *t)
        {
            return Some(fmt.clone());
        }
        let mut c = c.borrow_mut();
        let (a, _, fmt) = c.iter_mut().rev().find(|(_, k, _)| **k == *t)?;
        *a = addr;
        Some(fmt.clone())
    });
    if hit.is_some() {
        return hit;
    }
    let fmt = Rc::new(parse(t).ok()?);
    FORMATS.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= FORMAT_CACHE {
            c.remove(0);
        }
        c.push((addr, t.into(), fmt.clone()));
    });
    Some(fmt)
}

/// The compiled form of format argument `f`; `struct.error` is looked up
/// only to raise it.
fn cached_format(vm: &Vm, args: &Args, f: &Value) -> PyResult<Rc<Format>> {
    if let Some(fmt) = quiet_format(f) {
        return Ok(fmt);
    }
    let err = error_class(vm, args)?;
    Ok(Rc::new(compile(vm, &err, f)?))
}

fn do_unpack(vm: &Vm, fmt: &Format, data: &[u8]) -> Value {
    let vals: Vec<Value> = fmt
        .items
        .iter()
        .map(|it| {
            let b = data.get(it.offset..it.offset + it.size).unwrap_or(&[]);
            unpack_item(vm, fmt.mode, it, b)
        })
        .collect();
    vm.new_tuple(vals)
}

fn unpack_checked(vm: &mut Vm, err: &PyRef, fmt: &Format, buf: &Value) -> PyResult<Value> {
    let data = need_bytes(vm, buf)?;
    if data.len() != fmt.size {
        return Err(raise(
            vm,
            err,
            format!("unpack requires a buffer of {} bytes", fmt.size),
        ));
    }
    Ok(do_unpack(vm, fmt, &data))
}

/// The effective offset of `unpack_from`/`pack_into`, checked.
fn check_offset(
    vm: &Vm,
    err: &PyRef,
    offset: i64,
    len: usize,
    size: usize,
    what: &str,
) -> PyResult<usize> {
    let mut off = offset;
    if off < 0 {
        if off + (len as i64) < 0 {
            return Err(raise(
                vm,
                err,
                format!("offset {offset} out of range for {len}-byte buffer"),
            ));
        }
        off += len as i64;
    }
    let off = off as usize;
    if len < off || len - off < size {
        let (verb, noun) = if what == "pack_into" {
            ("packing", "pack_into")
        } else {
            ("unpacking", "unpack_from")
        };
        return Err(raise(
            vm,
            err,
            format!(
                "{noun} requires a buffer of at least {} bytes for {verb} {size} bytes at offset {off} (actual buffer size is {len})",
                size as u128 + off as u128
            ),
        ));
    }
    Ok(off)
}

fn unpack_from_impl(
    vm: &mut Vm,
    err: &PyRef,
    fmt: &Format,
    b: &[Option<Value>],
) -> PyResult<Value> {
    let buf = b.first().cloned().flatten().unwrap_or(Value::None);
    let data = need_bytes(vm, &buf)?;
    let offset = match b.get(1).cloned().flatten() {
        Some(v) => super::binargs::ssize_arg(vm, &v)?,
        None => 0,
    };
    let off = check_offset(vm, err, offset, data.len(), fmt.size, "unpack_from")?;
    Ok(do_unpack(vm, fmt, data.get(off..).unwrap_or(&[])))
}

/// Write `data` at `off` into a writable buffer object.
fn write_into(vm: &mut Vm, target: &Value, off: usize, data: &[u8]) -> PyResult<()> {
    if let Value::Obj(o) = target {
        match &o.payload {
            Payload::ByteArray(b) => {
                let mut b = b
                    .try_borrow_mut()
                    .map_err(|_| vm.new_error(ExcKind::BufferError, "buffer is busy"))?;
                if let Some(dst) = b.get_mut(off..off + data.len()) {
                    dst.copy_from_slice(data);
                }
                return Ok(());
            }
            Payload::MemoryView(_) => {
                let sl = vm.new_obj(
                    &vm.types.slice,
                    Payload::Slice(Box::new([
                        Value::Int(off as i64),
                        Value::Int((off + data.len()) as i64),
                        Value::None,
                    ])),
                );
                let src = vm.new_bytes(data.to_vec());
                vm.call_method(target, "__setitem__", &[Value::Obj(sl), src])?;
                return Ok(());
            }
            _ => {}
        }
        if super::array::array_write(vm, target, off, data)? {
            return Ok(());
        }
    }
    Err(vm.type_error(format!(
        "argument must be read-write bytes-like object, not {}",
        vm.type_name_of(target)
    )))
}

fn is_writable(vm: &mut Vm, v: &Value) -> PyResult<Option<usize>> {
    if let Value::Obj(o) = v {
        match &o.payload {
            Payload::ByteArray(b) => return Ok(Some(b.borrow().len())),
            Payload::MemoryView(m) if !m.readonly => return Ok(buffer_of(vm, v)?.map(|b| b.len())),
            Payload::Native(_) => {
                if let Some(b) = super::array::array_bytes(vm, v) {
                    return Ok(Some(b.len()));
                }
            }
            _ => {}
        }
    }
    Ok(None)
}

fn pack_into_impl(vm: &mut Vm, err: &PyRef, fmt: &Format, rest: &[Value]) -> PyResult<Value> {
    let (Some(buf), Some(offv)) = (rest.first(), rest.get(1)) else {
        let msg = if rest.is_empty() {
            "pack_into expected buffer argument"
        } else {
            "pack_into expected offset argument"
        };
        return Err(raise(vm, err, msg));
    };
    let vals = rest.get(2..).unwrap_or(&[]);
    if vals.len() != fmt.items.len() {
        return Err(raise(
            vm,
            err,
            format!(
                "pack_into expected {} items for packing (got {})",
                fmt.items.len(),
                vals.len()
            ),
        ));
    }
    let Some(len) = is_writable(vm, buf)? else {
        return Err(vm.type_error(format!(
            "argument must be read-write bytes-like object, not {}",
            vm.type_name_of(buf)
        )));
    };
    let offset = super::binargs::ssize_arg(vm, offv)?;
    let off = check_offset(vm, err, offset, len, fmt.size, "pack_into")?;
    let data = do_pack(vm, err, fmt, vals, "pack_into")?;
    write_into(vm, buf, off, &data)?;
    Ok(Value::None)
}

fn new_unpack_iter(
    vm: &mut Vm,
    err: &PyRef,
    fmt: &Format,
    buf: &Value,
    cls: &PyRef,
) -> PyResult<Value> {
    let data = need_bytes(vm, buf)?;
    if fmt.size == 0 {
        return Err(raise(
            vm,
            err,
            "cannot iteratively unpack with a struct of length 0",
        ));
    }
    if data.len() % fmt.size != 0 {
        return Err(raise(
            vm,
            err,
            format!(
                "iterative unpacking requires a buffer of a multiple of {} bytes",
                fmt.size
            ),
        ));
    }
    let it = UnpackIter {
        fmt: fmt.clone(),
        data,
        pos: Cell::new(0),
    };
    Ok(Value::Obj(vm.new_native(cls, it)))
}

// ------------------------------------------------------- module functions

fn format_arg<'a>(vm: &Vm, args: &Args<'a>, name: &str) -> PyResult<&'a [Value]> {
    if args.has_kwargs() {
        return Err(vm.type_error(format!("{name}() takes no keyword arguments")));
    }
    Ok(args.pos().get(1..).unwrap_or(&[]))
}

fn struct_pack(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = format_arg(vm, &args, "pack")?;
    let Some(f) = a.first() else {
        return Err(vm.type_error("missing format argument"));
    };
    let fmt = cached_format(vm, &args, f)?;
    match pack_values(vm, &fmt, a.get(1..).unwrap_or(&[]), "pack") {
        Ok(data) => Ok(vm.new_bytes_shared(data)),
        Err(e) => {
            let err = error_class(vm, &args)?;
            Err(pack_err(vm, &err, e))
        }
    }
}

fn struct_pack_into(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = format_arg(vm, &args, "pack_into")?;
    let Some(f) = a.first() else {
        return Err(vm.type_error("missing format argument"));
    };
    let err = error_class(vm, &args)?;
    let fmt = compile(vm, &err, f)?;
    pack_into_impl(vm, &err, &fmt, a.get(1..).unwrap_or(&[]))
}

fn struct_unpack(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = format_arg(vm, &args, "unpack")?;
    if a.len() != 2 {
        return Err(vm.type_error(format!("unpack expected 2 arguments, got {}", a.len())));
    }
    // struct.error is looked up only to raise it.
    let quiet = a.first().and_then(quiet_format);
    let (Some(fmt), Some(buf)) = (quiet, a.get(1)) else {
        let err = error_class(vm, &args)?;
        let fmt = compile(vm, &err, &a[0])?;
        return unpack_checked(vm, &err, &fmt, &a[1]);
    };
    let data = need_bytes(vm, buf)?;
    if data.len() != fmt.size {
        let err = error_class(vm, &args)?;
        return unpack_checked(vm, &err, &fmt, buf);
    }
    Ok(do_unpack(vm, &fmt, &data))
}

fn struct_unpack_from(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let sig = Sig {
        name: "unpack_from",
        pos: &["format", "buffer", "offset"],
        posonly: 1,
        required: 2,
        kwonly: &[],
    };
    let b = sig.bind(vm, &args, 1)?;
    let err = error_class(vm, &args)?;
    let f = b.first().cloned().flatten().unwrap_or(Value::None);
    let fmt = compile(vm, &err, &f)?;
    unpack_from_impl(vm, &err, &fmt, b.get(1..).unwrap_or(&[]))
}

fn struct_iter_unpack(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = format_arg(vm, &args, "iter_unpack")?;
    if a.len() != 2 {
        return Err(vm.type_error(format!("iter_unpack expected 2 arguments, got {}", a.len())));
    }
    let err = error_class(vm, &args)?;
    let fmt = compile(vm, &err, &a[0])?;
    let cls = match module_attr(vm, &args, "_unpack_iterator")? {
        Value::Obj(c) => c,
        _ => return Err(vm.system_error("unpack_iterator missing")),
    };
    new_unpack_iter(vm, &err, &fmt, &a[1], &cls)
}

fn struct_calcsize(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = format_arg(vm, &args, "calcsize")?;
    if a.len() != 1 {
        return Err(vm.type_error(format!(
            "calcsize() takes exactly one argument ({} given)",
            a.len()
        )));
    }
    let fmt = cached_format(vm, &args, &a[0])?;
    Ok(Value::Int(fmt.size as i64))
}

fn struct_clearcache(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    FORMATS.with(|c| c.borrow_mut().clear());
    Ok(Value::None)
}

// ------------------------------------------------------------ Struct type

fn struct_self<'a>(vm: &Vm, args: &Args<'a>, m: &str) -> PyResult<&'a StructObj> {
    vm.native_self::<StructObj>(args, "_struct.Struct", m)
}

/// The compiled format of a Struct (copied out).
fn struct_fmt(vm: &Vm, s: &StructObj) -> PyResult<Format> {
    match &*s.fmt.borrow() {
        Some((f, _)) => Ok(f.clone()),
        None => Err(vm.value_error("Struct not initialized")),
    }
}

fn struct_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => return Err(vm.type_error("Struct.__new__ needs a type")),
    };
    let error = match vm.type_lookup_static(&cls, "_error") {
        Some(Value::Obj(e)) => e,
        _ => vm.exc_type(ExcKind::Exception),
    };
    let obj = vm.new_native(
        &cls,
        StructObj {
            fmt: RefCell::new(None),
            error,
        },
    );
    Ok(Value::Obj(obj))
}

fn struct_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = struct_self(vm, &args, "__init__")?;
    let sig = Sig {
        name: "Struct",
        pos: &["format"],
        posonly: 0,
        required: 1,
        kwonly: &[],
    };
    let b = sig.bind(vm, &args, 1)?;
    let f = b.into_iter().next().flatten().unwrap_or(Value::None);
    let fmt = compile(vm, &s.error, &f)?;
    let text = match &f {
        Value::Obj(o) => match &o.payload {
            Payload::Bytes(b) => vm.new_string(String::from_utf8_lossy(b).into_owned()),
            _ => f.clone(),
        },
        _ => f.clone(),
    };
    *s.fmt.borrow_mut() = Some((fmt, text));
    Ok(Value::None)
}

fn st_pack(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = struct_self(vm, &args, "pack")?;
    if args.has_kwargs() {
        return Err(vm.type_error("pack() takes no keyword arguments"));
    }
    let fmt = struct_fmt(vm, s)?;
    let data = do_pack(
        vm,
        &s.error,
        &fmt,
        args.pos().get(1..).unwrap_or(&[]),
        "pack",
    )?;
    Ok(vm.new_bytes_shared(data))
}

fn st_pack_into(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = struct_self(vm, &args, "pack_into")?;
    if args.has_kwargs() {
        return Err(vm.type_error("pack_into() takes no keyword arguments"));
    }
    let fmt = struct_fmt(vm, s)?;
    pack_into_impl(vm, &s.error, &fmt, args.pos().get(1..).unwrap_or(&[]))
}

fn st_unpack(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = struct_self(vm, &args, "unpack")?;
    let a = vm.check_args("unpack", args, 1, 1)?;
    let fmt = struct_fmt(vm, s)?;
    unpack_checked(vm, &s.error, &fmt, &a[0])
}

fn st_unpack_from(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = struct_self(vm, &args, "unpack_from")?;
    let sig = Sig {
        name: "unpack_from",
        pos: &["buffer", "offset"],
        posonly: 0,
        required: 1,
        kwonly: &[],
    };
    let b = sig.bind(vm, &args, 1)?;
    let fmt = struct_fmt(vm, s)?;
    unpack_from_impl(vm, &s.error, &fmt, &b)
}

fn st_iter_unpack(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = struct_self(vm, &args, "iter_unpack")?;
    let a = vm.check_args("iter_unpack", args, 1, 1)?;
    let fmt = struct_fmt(vm, s)?;
    let cls = vm.type_of(args.args.first().unwrap_or(&Value::None));
    let it = match vm.type_lookup_static(&cls, "_iter_type") {
        Some(Value::Obj(c)) => c,
        _ => return Err(vm.system_error("unpack_iterator missing")),
    };
    new_unpack_iter(vm, &s.error, &fmt, &a[0], &it)
}

fn st_format(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let s = vm
        .native::<StructObj>(v)
        .ok_or_else(|| vm.type_error("descriptor 'format' requires a 'Struct' object"))?;
    Ok(s.fmt
        .borrow()
        .as_ref()
        .map(|(_, t)| t.clone())
        .unwrap_or(Value::None))
}

fn st_size(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let s = vm
        .native::<StructObj>(v)
        .ok_or_else(|| vm.type_error("descriptor 'size' requires a 'Struct' object"))?;
    let n = s
        .fmt
        .borrow()
        .as_ref()
        .map(|(f, _)| f.size as i64)
        .unwrap_or(-1);
    Ok(Value::Int(n))
}

fn st_sizeof(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = struct_self(vm, &args, "__sizeof__")?;
    let n = s
        .fmt
        .borrow()
        .as_ref()
        .map(|(f, _)| f.items.len())
        .unwrap_or(0);
    Ok(Value::Int(64 + 24 * (n as i64 + 1)))
}

// ------------------------------------------------------ unpack_iterator

fn it_self<'a>(vm: &Vm, args: &Args<'a>, m: &str) -> PyResult<&'a UnpackIter> {
    vm.native_self::<UnpackIter>(args, "_struct.unpack_iterator", m)
}

fn it_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    it_self(vm, &args, "__iter__")?;
    Ok(args.args.first().cloned().unwrap_or(Value::None))
}

fn it_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let it = it_self(vm, &args, "__next__")?;
    let pos = it.pos.get();
    let size = it.fmt.size;
    match it.data.get(pos..pos + size) {
        Some(chunk) if pos < it.data.len() => {
            let chunk = chunk.to_vec();
            it.pos.set(pos + size);
            Ok(do_unpack(vm, &it.fmt, &chunk))
        }
        _ => Err(vm.new_error_noargs(ExcKind::StopIteration)),
    }
}

fn it_length_hint(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let it = it_self(vm, &args, "__length_hint__")?;
    let left = it.data.len().saturating_sub(it.pos.get());
    Ok(Value::Int((left / it.fmt.size.max(1)) as i64))
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_struct");
    let base = vm.exc_type(ExcKind::Exception);
    let error = super::binargs::new_exc_class(vm, "struct", "error", base)?;
    vm.set_attr_raw(&m, "error", Value::Obj(error.clone()));
    let object = vm.types.object.clone();
    let it = vm.new_native_type(
        "_struct",
        "unpack_iterator",
        &object,
        Layout::Native("unpack_iterator"),
        0,
    );
    vm.add_methods(
        &it,
        &[
            ("__iter__", it_iter),
            ("__next__", it_next),
            ("__length_hint__", it_length_hint),
        ],
    );
    let st = vm.new_native_type(
        "_struct",
        "Struct",
        &object,
        Layout::Native("Struct"),
        FLAG_BASETYPE,
    );
    vm.add_staticmethods(&st, &[("__new__", struct_new)]);
    vm.add_methods(
        &st,
        &[
            ("__init__", struct_init),
            ("pack", st_pack),
            ("pack_into", st_pack_into),
            ("unpack", st_unpack),
            ("unpack_from", st_unpack_from),
            ("iter_unpack", st_iter_unpack),
            ("__sizeof__", st_sizeof),
        ],
    );
    vm.add_getsets(&st, &[("format", st_format, None), ("size", st_size, None)]);
    vm.add_type_attr(&st, "_error", Value::Obj(error));
    vm.add_type_attr(&st, "_iter_type", Value::Obj(it.clone()));
    vm.set_attr_raw(&m, "Struct", Value::Obj(st));
    vm.set_attr_raw(&m, "_unpack_iterator", Value::Obj(it));
    add_module_functions(
        vm,
        &m,
        &[
            ("pack", struct_pack),
            ("pack_into", struct_pack_into),
            ("unpack", struct_unpack),
            ("unpack_from", struct_unpack_from),
            ("iter_unpack", struct_iter_unpack),
            ("calcsize", struct_calcsize),
            ("_clearcache", struct_clearcache),
        ],
    );
    Ok(m)
}
