//! The abstract bases of `_io` (Modules/_io/iobase.c, bufferedio.c's and
//! textio.c's base classes): `_IOBase` with the mixin methods every file
//! object shares (close/closed, context manager, iteration, readline,
//! readlines, writelines, the `_check*` helpers), `_RawIOBase` (read and
//! readall over readinto), `_BufferedIOBase` (readinto over read) and
//! `_TextIOBase`. They call the methods they need through the attribute
//! protocol, so Python subclasses that implement only `read`, `readinto`
//! or `write` work as in CPython. The closed state lives in the instance
//! dict as `__IOBase_closed`, as in CPython.

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE, FLAG_HAS_DEL, FLAG_HAS_DICT};
use crate::objects::Payload;
use crate::vm::value::Truth;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::{closed_error, is_closed, parse_args, set_attr, size_arg, unsupported};

/// `_IOBase`, `_RawIOBase`, `_BufferedIOBase`, `_TextIOBase`.
pub(super) fn make_types(vm: &mut Vm) -> (PyRef, PyRef, PyRef, PyRef) {
    let object = vm.types.object.clone();
    let flags = FLAG_BASETYPE | FLAG_HAS_DICT | FLAG_HAS_DEL;
    let iobase = vm.new_native_type("_io", "_IOBase", &object, Layout::Object, flags);
    vm.add_methods(
        &iobase,
        &[
            ("seek", iobase_seek),
            ("tell", iobase_tell),
            ("truncate", iobase_truncate),
            ("flush", iobase_flush),
            ("close", iobase_close),
            ("seekable", iobase_false),
            ("readable", iobase_false),
            ("writable", iobase_false),
            ("_checkClosed", iobase_check_closed),
            ("_checkSeekable", iobase_check_seekable),
            ("_checkReadable", iobase_check_readable),
            ("_checkWritable", iobase_check_writable),
            ("fileno", iobase_fileno),
            ("isatty", iobase_isatty),
            ("__enter__", iobase_enter),
            ("__exit__", iobase_exit),
            ("readline", iobase_readline),
            ("readlines", iobase_readlines),
            ("writelines", iobase_writelines),
            ("__iter__", iobase_iter),
            ("__next__", iobase_next),
            ("__del__", iobase_del),
        ],
    );
    vm.add_getsets(
        &iobase,
        &[
            ("closed", iobase_closed_get, None),
            (
                "__dict__",
                crate::objects::object::get_dict,
                Some(crate::objects::object::set_dict),
            ),
        ],
    );
    let raw = vm.new_native_type("_io", "_RawIOBase", &iobase, Layout::Object, flags);
    vm.add_methods(
        &raw,
        &[
            ("read", rawiobase_read),
            ("readall", rawiobase_readall),
            ("readinto", rawiobase_not_implemented),
            ("write", rawiobase_not_implemented),
        ],
    );
    let buf = vm.new_native_type("_io", "_BufferedIOBase", &iobase, Layout::Object, flags);
    vm.add_methods(
        &buf,
        &[
            ("detach", |vm, _| Err(unsupported(vm, "detach"))),
            ("read", |vm, _| Err(unsupported(vm, "read"))),
            ("read1", |vm, _| Err(unsupported(vm, "read1"))),
            ("write", |vm, _| Err(unsupported(vm, "write"))),
            ("readinto", bufferediobase_readinto),
            ("readinto1", bufferediobase_readinto1),
        ],
    );
    let text = vm.new_native_type("_io", "_TextIOBase", &iobase, Layout::Object, flags);
    vm.add_methods(
        &text,
        &[
            ("detach", |vm, _| Err(unsupported(vm, "detach"))),
            ("read", |vm, _| Err(unsupported(vm, "read"))),
            ("readline", |vm, _| Err(unsupported(vm, "readline"))),
            ("write", |vm, _| Err(unsupported(vm, "write"))),
        ],
    );
    vm.add_getsets(
        &text,
        &[
            ("encoding", none_get, None),
            ("newlines", none_get, None),
            ("errors", none_get, None),
        ],
    );
    (iobase, raw, buf, text)
}

fn none_get(_vm: &mut Vm, _v: &Value) -> PyResult<Value> {
    Ok(Value::None)
}

fn this(args: &Args) -> Value {
    args.args.first().cloned().unwrap_or(Value::None)
}

/// CPython's `iobase_is_closed`: the `__IOBase_closed` attribute.
fn iobase_is_closed(vm: &mut Vm, s: &Value) -> PyResult<bool> {
    Ok(vm.getattr_opt(s, "__IOBase_closed")?.is_some())
}

fn iobase_closed_get(vm: &mut Vm, s: &Value) -> PyResult<Value> {
    Ok(Value::bool(iobase_is_closed(vm, s)?))
}

/// `ValueError` when `self.closed` is true.
pub(crate) fn check_closed(vm: &mut Vm, s: &Value) -> PyResult<()> {
    if is_closed(vm, s)? {
        return Err(closed_error(vm));
    }
    Ok(())
}

fn iobase_seek(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(unsupported(vm, "seek"))
}

fn iobase_tell(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.call_method(&this(&args), "seek", &[Value::Int(0), Value::Int(1)])
}

fn iobase_truncate(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(unsupported(vm, "truncate"))
}

fn iobase_fileno(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(unsupported(vm, "fileno"))
}

fn iobase_false(vm: &mut Vm, args: Args) -> PyResult<Value> {
    parse_args(vm, &args, "seekable", &[], 0, 1)?;
    Ok(Value::Bool(Truth::False))
}

fn iobase_flush(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if iobase_is_closed(vm, &this(&args))? {
        return Err(closed_error(vm));
    }
    Ok(Value::None)
}

fn iobase_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = this(&args);
    if iobase_is_closed(vm, &s)? {
        return Ok(Value::None);
    }
    let r = vm.call_method(&s, "flush", &[]);
    set_attr(vm, &s, "__IOBase_closed", Value::Bool(Truth::True))?;
    r.map(|_| Value::None)
}

fn iobase_check_closed(vm: &mut Vm, args: Args) -> PyResult<Value> {
    check_closed(vm, &this(&args))?;
    Ok(Value::None)
}

/// `_PyIOBase_check_readable` and friends: `s.method()` must return True
/// (raw streams need not derive from IOBase, so no `_checkX` call).
pub(super) fn check_true(vm: &mut Vm, s: &Value, method: &str, msg: &str) -> PyResult<Value> {
    let r = vm.call_method(s, method, &[])?;
    if !matches!(r, Value::Bool(Truth::True)) {
        return Err(unsupported(vm, msg));
    }
    Ok(r)
}

fn iobase_check_seekable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    check_true(
        vm,
        &this(&args),
        "seekable",
        "File or stream is not seekable.",
    )
}

fn iobase_check_readable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    check_true(
        vm,
        &this(&args),
        "readable",
        "File or stream is not readable.",
    )
}

fn iobase_check_writable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    check_true(
        vm,
        &this(&args),
        "writable",
        "File or stream is not writable.",
    )
}

fn iobase_isatty(vm: &mut Vm, args: Args) -> PyResult<Value> {
    check_closed(vm, &this(&args))?;
    Ok(Value::Bool(Truth::False))
}

fn iobase_enter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = this(&args);
    check_closed(vm, &s)?;
    Ok(s)
}

fn iobase_exit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.call_method(&this(&args), "close", &[])
}

fn iobase_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = this(&args);
    check_closed(vm, &s)?;
    Ok(s)
}

fn iobase_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = this(&args);
    let line = vm.call_method(&s, "readline", &[])?;
    if vm.len(&line)? == 0 {
        return Err(vm.new_error_noargs(ExcKind::StopIteration));
    }
    Ok(line)
}

/// The finalizer: close the file unless it is closed already. As
/// CPython's `iobase_finalize`, an error closing it is dropped (reported
/// to `sys.unraisablehook` only under `-X dev`).
fn iobase_del(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = this(&args);
    let closed = match vm.getattr_str(&s, "closed") {
        Ok(c) => vm.truthy(&c).unwrap_or(true),
        Err(_) => true,
    };
    if !closed {
        let _ = set_attr(vm, &s, "_finalizing", Value::Bool(Truth::True));
        let r = vm.call_method(&s, "close", &[]);
        if crate::vm::config::get().dev_mode {
            r?;
        }
    }
    Ok(Value::None)
}

/// The bytes of a `bytes` result, or OSError naming the method.
fn bytes_result(vm: &mut Vm, v: &Value, method: &str) -> PyResult<Vec<u8>> {
    if let Value::Obj(o) = v {
        if let Payload::Bytes(b) = &o.payload {
            return Ok(b.to_vec());
        }
    }
    Err(vm.new_error(
        ExcKind::OSError,
        format!(
            "{method}() should have returned a bytes object, not '{}'",
            vm.type_name_of(v)
        ),
    ))
}

/// `_IOBase.readline(size=-1)`: by `peek` when the object has one, else
/// one byte at a time.
fn iobase_readline(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "readline", &["size"], 0, 1)?;
    let limit = size_arg(vm, a[0].as_ref())?;
    let s = this(&args);
    let peek = vm.getattr_opt(&s, "peek")?;
    let mut buf: Vec<u8> = Vec::new();
    while limit < 0 || (buf.len() as i64) < limit {
        let mut nreadahead = 1usize;
        if let Some(p) = &peek {
            let ahead = vm.call(p, &[Value::Int(1)])?;
            let ahead = bytes_result(vm, &ahead, "peek")?;
            if !ahead.is_empty() {
                let room = if limit >= 0 {
                    (limit as usize).saturating_sub(buf.len())
                } else {
                    usize::MAX
                };
                let mut n = 0;
                while n < ahead.len() && n < room {
                    n += 1;
                    if ahead[n - 1] == b'\n' {
                        break;
                    }
                }
                nreadahead = n.max(1);
            }
        }
        let b = vm.call_method(&s, "read", &[Value::Int(nreadahead as i64)])?;
        let b = bytes_result(vm, &b, "read")?;
        if b.is_empty() {
            break;
        }
        buf.extend_from_slice(&b);
        if buf.last() == Some(&b'\n') {
            break;
        }
    }
    Ok(vm.new_bytes(buf))
}

fn iobase_readlines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "readlines", &["hint"], 0, 1)?;
    let hint = size_arg(vm, a[0].as_ref())?;
    let s = this(&args);
    let it = vm.iter(&s)?;
    let mut out = Vec::new();
    let mut total = 0usize;
    while let Some(line) = vm.next(&it)? {
        if hint > 0 {
            total += vm.len(&line)?;
        }
        out.push(line);
        if hint > 0 && total >= hint as usize {
            break;
        }
    }
    Ok(vm.new_list(out))
}

fn iobase_writelines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "writelines", &["lines"], 1, 1)?;
    let s = this(&args);
    check_closed(vm, &s)?;
    let lines = a[0].clone().unwrap_or(Value::None);
    let it = vm.iter(&lines)?;
    while let Some(line) = vm.next(&it)? {
        vm.call_method(&s, "write", &[line])?;
    }
    Ok(Value::None)
}

// ------------------------------------------------------------ _RawIOBase

fn rawiobase_read(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "read", &["size"], 0, 1)?;
    let n = size_arg(vm, a[0].as_ref())?;
    let s = this(&args);
    if n < 0 {
        return vm.call_method(&s, "readall", &[]);
    }
    let n = usize::try_from(n).unwrap_or(0);
    let b = vm.new_obj(
        &vm.types.bytearray,
        Payload::ByteArray(std::cell::RefCell::new(vec![0; n])),
    );
    let r = vm.call_method(&s, "readinto", &[Value::Obj(b.clone())])?;
    if r.is_none() {
        return Ok(Value::None);
    }
    let got = super::int_arg(vm, &r)?;
    let data = match &b.payload {
        Payload::ByteArray(d) => {
            let d = d.borrow();
            let got = usize::try_from(got).unwrap_or(0).min(d.len());
            d.get(..got).map(|s| s.to_vec()).unwrap_or_default()
        }
        _ => Vec::new(),
    };
    Ok(vm.new_bytes(data))
}

fn rawiobase_readall(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = this(&args);
    let mut out: Vec<u8> = Vec::new();
    let mut any = false;
    loop {
        let chunk = vm.call_method(&s, "read", &[Value::Int(super::DEFAULT_BUFFER_SIZE as i64)])?;
        if chunk.is_none() {
            if !any {
                return Ok(Value::None);
            }
            break;
        }
        let Some(b) = crate::objects::bytes::bytes_of(&chunk)
            .filter(|_| matches!(&chunk, Value::Obj(o) if matches!(o.payload, Payload::Bytes(_))))
        else {
            return Err(vm.type_error("read() should return bytes"));
        };
        if b.is_empty() {
            break;
        }
        any = true;
        out.extend_from_slice(&b);
    }
    Ok(vm.new_bytes(out))
}

fn rawiobase_not_implemented(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(vm.new_error_noargs(ExcKind::NotImplementedError))
}

// ------------------------------------------------------- _BufferedIOBase

fn bufferediobase_readinto_generic(vm: &mut Vm, args: Args, method: &str) -> PyResult<Value> {
    let a = parse_args(vm, &args, "readinto", &["buffer"], 1, 1)?;
    let buf = a[0].clone().unwrap_or(Value::None);
    let n = writable_len(vm, &buf, method_name(method))?;
    let data = vm.call_method(&this(&args), method, &[Value::Int(n as i64)])?;
    let Some(b) = (match &data {
        Value::Obj(o) => match &o.payload {
            Payload::Bytes(b) => Some(b.to_vec()),
            _ => None,
        },
        _ => None,
    }) else {
        return Err(vm.type_error("read() should return bytes"));
    };
    if b.len() > n {
        return Err(vm.value_error(format!(
            "read() returned too much data: {n} bytes requested, {} returned",
            b.len()
        )));
    }
    write_into(vm, &buf, &b)?;
    Ok(Value::Int(b.len() as i64))
}

fn method_name(read: &str) -> &'static str {
    if read == "read1" {
        "readinto1"
    } else {
        "readinto"
    }
}

fn bufferediobase_readinto(vm: &mut Vm, args: Args) -> PyResult<Value> {
    bufferediobase_readinto_generic(vm, args, "read")
}

fn bufferediobase_readinto1(vm: &mut Vm, args: Args) -> PyResult<Value> {
    bufferediobase_readinto_generic(vm, args, "read1")
}

// ------------------------------------------------ writable buffer helpers

/// The size of a writable buffer (bytearray or a writable memoryview),
/// or CPython's TypeError naming the method.
pub(crate) fn writable_len(vm: &mut Vm, v: &Value, fname: &str) -> PyResult<usize> {
    if let Value::Obj(o) = v {
        match &o.payload {
            Payload::ByteArray(b) => return Ok(b.borrow().len()),
            Payload::MemoryView(m) if !m.readonly => {
                if m.released.get() {
                    return Err(vm.value_error("operation forbidden on released memoryview object"));
                }
                return Ok(m.len * m.itemsize);
            }
            _ => {}
        }
    }
    Err(vm.type_error(format!(
        "{fname}() argument must be read-write bytes-like object, not {}",
        vm.arg_type_name(v)
    )))
}

/// Copy `data` to the start of a writable buffer.
pub(crate) fn write_into(vm: &mut Vm, v: &Value, data: &[u8]) -> PyResult<()> {
    if let Value::Obj(o) = v {
        match &o.payload {
            Payload::ByteArray(b) => {
                let mut b = b
                    .try_borrow_mut()
                    .map_err(|_| vm.runtime_error("buffer is in use"))?;
                let n = data.len().min(b.len());
                b[..n].copy_from_slice(&data[..n]);
                return Ok(());
            }
            Payload::MemoryView(m) => {
                if let Payload::ByteArray(t) = &m.obj.payload {
                    let mut t = t
                        .try_borrow_mut()
                        .map_err(|_| vm.runtime_error("buffer is in use"))?;
                    let total = m.len * m.itemsize;
                    for (i, byte) in data.iter().take(total).enumerate() {
                        let item = i / m.itemsize.max(1);
                        let off = i % m.itemsize.max(1);
                        let pos = m.start as isize + item as isize * m.step + off as isize;
                        if let Some(slot) = usize::try_from(pos).ok().and_then(|p| t.get_mut(p)) {
                            *slot = *byte;
                        }
                    }
                    return Ok(());
                }
            }
            _ => {}
        }
    }
    Err(vm.type_error(format!(
        "read-write bytes-like object is required, not '{}'",
        vm.type_name_of(v)
    )))
}
