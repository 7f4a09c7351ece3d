//! `_io.BytesIO` (Modules/_io/bytesio.c): an in-memory binary stream. The
//! data is a `bytearray` object so `getbuffer()` can hand out a
//! memoryview that writes through; while one is alive the stream cannot
//! be resized or closed (`BufferError`, as CPython).

use crate::vm::value::Truth;
use std::cell::Cell;

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE, FLAG_HAS_DICT};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::iobase::{writable_len, write_into};
use super::{closed_error, int_arg, parse_args, size_arg};

/// The state of a BytesIO.
pub struct BytesIo {
    /// A bytearray holding the data.
    buf: PyRef,
    pos: Cell<usize>,
    closed: Cell<bool>,
}

impl NativeData for BytesIo {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&Value::Obj(self.buf.clone()));
    }
}

pub(super) fn make_type(vm: &mut Vm, base: &PyRef) -> PyRef {
    let t = vm.new_native_type(
        "_io",
        "BytesIO",
        base,
        Layout::Native("BytesIO"),
        FLAG_BASETYPE | FLAG_HAS_DICT,
    );
    vm.add_staticmethods(&t, &[("__new__", bytesio_new)]);
    vm.add_methods(
        &t,
        &[
            ("__init__", bytesio_init),
            ("getvalue", bytesio_getvalue),
            ("getbuffer", bytesio_getbuffer),
            ("close", bytesio_close),
            ("readable", bytesio_true),
            ("writable", bytesio_true),
            ("seekable", bytesio_true),
            ("flush", bytesio_flush),
            ("isatty", bytesio_isatty),
            ("tell", bytesio_tell),
            ("seek", bytesio_seek),
            ("read", bytesio_read),
            ("read1", bytesio_read),
            ("readline", bytesio_readline),
            ("readlines", bytesio_readlines),
            ("readinto", bytesio_readinto),
            ("truncate", bytesio_truncate),
            ("write", bytesio_write),
            ("writelines", bytesio_writelines),
            ("__iter__", bytesio_iter),
            ("__next__", bytesio_next),
            ("__getstate__", bytesio_getstate),
            ("__setstate__", bytesio_setstate),
        ],
    );
    vm.add_getsets(&t, &[("closed", bytesio_closed, None)]);
    t
}

fn bytesio_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) if matches!(c.payload, Payload::Type(_)) => c.clone(),
        _ => return Err(vm.type_error("BytesIO.__new__(X): X is not a type object")),
    };
    let buf = vm.new_obj(
        &vm.types.bytearray,
        Payload::ByteArray(std::cell::RefCell::new(Vec::new())),
    );
    Ok(Value::Obj(vm.new_native(
        &cls,
        BytesIo {
            buf,
            pos: Cell::new(0),
            closed: Cell::new(false),
        },
    )))
}

/// The state of `self`, which must be open.
fn open_self<'a>(vm: &Vm, args: &Args<'a>, method: &str) -> PyResult<&'a BytesIo> {
    let b = vm.native_self::<BytesIo>(args, "_io.BytesIO", method)?;
    if b.closed.get() {
        return Err(closed_error(vm));
    }
    Ok(b)
}

/// `closed` of an exact BytesIO (no Python subclass to override the
/// property), read without looking the attribute up: what a
/// TextIOWrapper over it checks before every write.
pub(super) fn exact_closed(v: &Value) -> Option<bool> {
    let Value::Obj(o) = v else {
        return None;
    };
    if !o.class_is_static() {
        return None;
    }
    match &o.payload {
        Payload::Native(d) => d.downcast_ref::<BytesIo>().map(|b| b.closed.get()),
        _ => None,
    }
}

fn data_of(b: &BytesIo) -> &std::cell::RefCell<Vec<u8>> {
    match &b.buf.payload {
        Payload::ByteArray(d) => d,
        _ => unreachable_buf(),
    }
}

/// The buffer is always a bytearray; this is never reached.
fn unreachable_buf() -> &'static std::cell::RefCell<Vec<u8>> {
    thread_local! {
        static EMPTY: &'static std::cell::RefCell<Vec<u8>> =
            Box::leak(Box::new(std::cell::RefCell::new(Vec::new())));
    }
    EMPTY.with(|e| *e)
}

/// `BufferError` when a memoryview of the data is alive.
fn check_exports(vm: &Vm, b: &BytesIo) -> PyResult<()> {
    if crate::objects::memoryview::is_exported(&b.buf) {
        return Err(vm.new_error(
            ExcKind::BufferError,
            "Existing exports of data: object cannot be re-sized",
        ));
    }
    Ok(())
}

fn bytesio_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "BytesIO", &["initial_bytes"], 0, 1)?;
    let b = vm.native_self::<BytesIo>(&args, "_io.BytesIO", "__init__")?;
    check_exports(vm, b)?;
    let init = match &a[0] {
        None | Some(Value::None) => Vec::new(),
        Some(v) => crate::objects::bytes::need_buffer(vm, v)?,
    };
    *data_of(b).borrow_mut() = init;
    b.pos.set(0);
    Ok(Value::None)
}

fn bytesio_closed(vm: &mut Vm, s: &Value) -> PyResult<Value> {
    match vm.native::<BytesIo>(s) {
        Some(b) => Ok(Value::bool(b.closed.get())),
        None => Err(vm.type_error("descriptor 'closed' for '_io.BytesIO' objects doesn't apply")),
    }
}

fn bytesio_getvalue(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.check_args("BytesIO.getvalue", args, 0, 0)?;
    let b = open_self(vm, &args, "getvalue")?;
    let d = data_of(b).borrow().clone();
    Ok(vm.new_bytes(d))
}

fn bytesio_getbuffer(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.check_args("BytesIO.getbuffer", args, 0, 0)?;
    let b = open_self(vm, &args, "getbuffer")?;
    let mv = Value::Obj(vm.types.memoryview.clone());
    vm.call(&mv, &[Value::Obj(b.buf.clone())])
}

fn bytesio_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = vm.native_self::<BytesIo>(&args, "_io.BytesIO", "close")?;
    check_exports(vm, b)?;
    b.closed.set(true);
    *data_of(b).borrow_mut() = Vec::new();
    Ok(Value::None)
}

fn bytesio_true(vm: &mut Vm, args: Args) -> PyResult<Value> {
    open_self(vm, &args, "readable")?;
    Ok(Value::Bool(Truth::True))
}

fn bytesio_flush(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.check_args("BytesIO.flush", args, 0, 0)?;
    open_self(vm, &args, "flush")?;
    Ok(Value::None)
}

fn bytesio_isatty(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.check_args("BytesIO.isatty", args, 0, 0)?;
    open_self(vm, &args, "isatty")?;
    Ok(Value::Bool(Truth::False))
}

fn bytesio_tell(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.check_args("BytesIO.tell", args, 0, 0)?;
    let b = open_self(vm, &args, "tell")?;
    Ok(Value::Int(b.pos.get() as i64))
}

/// An index argument (`__index__`), CPython's TypeError otherwise.
pub(crate) fn index_arg(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    match vm.index_value(v)? {
        Some(i) => Ok(i),
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(v)
        ))),
    }
}

fn bytesio_seek(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "seek", &["pos", "whence"], 1, 1)?;
    let pos = index_arg(vm, a[0].as_ref().unwrap_or(&Value::None))?;
    let whence = match &a[1] {
        None => 0,
        Some(v) => int_arg(vm, v)?,
    };
    let b = open_self(vm, &args, "seek")?;
    let len = data_of(b).borrow().len() as i64;
    let new = match whence {
        0 => {
            if pos < 0 {
                return Err(vm.value_error(format!("negative seek value {pos}")));
            }
            pos
        }
        1 => (b.pos.get() as i64).saturating_add(pos).max(0),
        2 => len.saturating_add(pos).max(0),
        _ => return Err(vm.value_error(format!("invalid whence ({whence}, should be 0, 1 or 2)"))),
    };
    b.pos.set(usize::try_from(new).unwrap_or(0));
    Ok(Value::Int(new))
}

/// Take up to `n` bytes (all for a negative `n`) from the position.
fn take(b: &BytesIo, n: i64) -> Vec<u8> {
    let d = data_of(b).borrow();
    let pos = b.pos.get().min(d.len());
    let avail = d.len() - pos;
    let n = if n < 0 {
        avail
    } else {
        (n as usize).min(avail)
    };
    let out = d[pos..pos + n].to_vec();
    b.pos.set(b.pos.get().max(pos) + n);
    out
}

fn bytesio_read(vm: &mut Vm, args: Args) -> PyResult<Value> {
    // `f.read()` and `f.read(n)` of a small int need no argument parsing.
    let n = match (args.has_kwargs(), args.args) {
        (false, [_]) => -1,
        (false, [_, Value::Int(n)]) => *n,
        (true, _) => {
            return Err(vm.type_error("BytesIO.read() takes no keyword arguments"));
        }
        (false, [_, _, rest @ ..]) if !rest.is_empty() => {
            return Err(vm.type_error(format!(
                "read expected at most 1 argument, got {}",
                rest.len() + 1
            )));
        }
        _ => {
            let a = parse_args(vm, &args, "read", &["size"], 0, 1)?;
            size_arg(vm, a[0].as_ref())?
        }
    };
    let b = open_self(vm, &args, "read")?;
    let out = take(b, n);
    Ok(vm.new_bytes(out))
}

/// One line (up to `limit` bytes when it is not negative).
fn read_line(b: &BytesIo, limit: i64) -> Vec<u8> {
    let d = data_of(b).borrow();
    let pos = b.pos.get().min(d.len());
    let rest = &d[pos..];
    let mut n = match rest.iter().position(|&c| c == b'\n') {
        Some(i) => i + 1,
        None => rest.len(),
    };
    if limit >= 0 {
        n = n.min(limit as usize);
    }
    let out = rest[..n].to_vec();
    b.pos.set(pos + n);
    out
}

fn bytesio_readline(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "readline", &["size"], 0, 1)?;
    let n = size_arg(vm, a[0].as_ref())?;
    let b = open_self(vm, &args, "readline")?;
    let out = read_line(b, n);
    Ok(vm.new_bytes(out))
}

fn bytesio_readlines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "readlines", &["size"], 0, 1)?;
    let hint = size_arg(vm, a[0].as_ref())?;
    let b = open_self(vm, &args, "readlines")?;
    let mut lines = Vec::new();
    let mut total = 0usize;
    loop {
        let l = read_line(b, -1);
        if l.is_empty() {
            break;
        }
        total += l.len();
        lines.push(vm.new_bytes(l));
        if hint > 0 && total >= hint as usize {
            break;
        }
    }
    Ok(vm.new_list(lines))
}

fn bytesio_readinto(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "readinto", &["buffer"], 1, 1)?;
    let target = a[0].clone().unwrap_or(Value::None);
    let n = writable_len(vm, &target, "readinto")?;
    let b = open_self(vm, &args, "readinto")?;
    let data = take(b, n as i64);
    write_into(vm, &target, &data)?;
    Ok(Value::Int(data.len() as i64))
}

fn bytesio_truncate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "truncate", &["size"], 0, 1)?;
    let b = open_self(vm, &args, "truncate")?;
    let size = match &a[0] {
        None | Some(Value::None) => b.pos.get() as i64,
        Some(v) => index_arg(vm, v)?,
    };
    if size < 0 {
        return Err(vm.value_error(format!("negative size value {size}")));
    }
    check_exports(vm, b)?;
    let len = data_of(b).borrow().len();
    if (size as usize) < len {
        data_of(b).borrow_mut().truncate(size as usize);
    }
    Ok(Value::Int(size))
}

/// Write `data` at the position (zero-filling a gap), moving past it.
fn put(vm: &Vm, b: &BytesIo, data: &[u8]) -> PyResult<usize> {
    if data.is_empty() {
        check_exports(vm, b)?;
        return Ok(0);
    }
    check_exports(vm, b)?;
    let pos = b.pos.get();
    let end = pos + data.len();
    let mut d = data_of(b)
        .try_borrow_mut()
        .map_err(|_| vm.runtime_error("BytesIO buffer is in use"))?;
    if end > d.len() {
        d.resize(end, 0);
    }
    d[pos..end].copy_from_slice(data);
    b.pos.set(end);
    Ok(data.len())
}

fn bytesio_write(vm: &mut Vm, args: Args) -> PyResult<Value> {
    // `f.write(b)` of a bytes object: written from its own storage.
    if let (false, [_, Value::Obj(o)]) = (args.has_kwargs(), args.args) {
        if let Payload::Bytes(data) = &o.payload {
            let b = open_self(vm, &args, "write")?;
            let n = put(vm, b, data)?;
            return Ok(Value::Int(n as i64));
        }
    }
    let a = parse_args(vm, &args, "write", &["b"], 1, 1)?;
    open_self(vm, &args, "write")?;
    let data = crate::objects::bytes::need_buffer(vm, a[0].as_ref().unwrap_or(&Value::None))?;
    let b = open_self(vm, &args, "write")?;
    let n = put(vm, b, &data)?;
    Ok(Value::Int(n as i64))
}

fn bytesio_writelines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "writelines", &["lines"], 1, 1)?;
    open_self(vm, &args, "writelines")?;
    let it = vm.iter(a[0].as_ref().unwrap_or(&Value::None))?;
    while let Some(line) = vm.next(&it)? {
        let data = crate::objects::bytes::need_buffer(vm, &line)?;
        let b = open_self(vm, &args, "writelines")?;
        put(vm, b, &data)?;
    }
    Ok(Value::None)
}

fn bytesio_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    open_self(vm, &args, "__iter__")?;
    Ok(args.args.first().cloned().unwrap_or(Value::None))
}

fn bytesio_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = open_self(vm, &args, "__next__")?;
    let l = read_line(b, -1);
    if l.is_empty() {
        return Err(vm.new_error_noargs(ExcKind::StopIteration));
    }
    Ok(vm.new_bytes(l))
}

/// `(value, position, dict)`, as CPython's `__getstate__`.
fn bytesio_getstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let me = args.args.first().cloned().unwrap_or(Value::None);
    let b = open_self(vm, &args, "__getstate__")?;
    let value = vm.new_bytes(data_of(b).borrow().clone());
    let pos = Value::Int(b.pos.get() as i64);
    let d = super::stringio::dict_state(vm, &me)?;
    Ok(vm.new_tuple_of([value, pos, d]))
}

fn bytesio_setstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "__setstate__", &["state"], 1, 1)?;
    let me = args.args.first().cloned().unwrap_or(Value::None);
    let st = a[0].clone().unwrap_or(Value::None);
    let items = match &st {
        Value::Obj(o) if matches!(o.payload, Payload::Tuple(_)) => {
            vm.seq_items(&st).unwrap_or_default()
        }
        _ => Vec::new(),
    };
    let [value, pos, d] = items.as_slice() else {
        return Err(vm.type_error(format!(
            "{}.__setstate__ argument should be 3-tuple, got {}",
            vm.type_name_of(&me),
            vm.type_name_of(&st)
        )));
    };
    let data = crate::objects::bytes::need_buffer(vm, value)?;
    let p = index_arg(vm, pos)?;
    if p < 0 {
        return Err(vm.value_error("position value cannot be negative"));
    }
    let b = vm.native_self::<BytesIo>(&args, "_io.BytesIO", "__setstate__")?;
    check_exports(vm, b)?;
    *data_of(b).borrow_mut() = data;
    b.pos.set(p as usize);
    super::stringio::restore_dict(vm, &me, d)?;
    Ok(Value::None)
}
