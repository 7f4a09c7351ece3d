//! `_io.BufferedReader`, `BufferedWriter`, `BufferedRandom` and
//! `BufferedRWPair` (Modules/_io/bufferedio.c): a read buffer filled by
//! `raw.readinto` and a write buffer emptied by `raw.write`, over any raw
//! stream (a `FileIO` is read and written directly by descriptor). The
//! logical position is the raw position minus unread buffered bytes, or
//! plus pending written bytes.

use crate::vm::value::Truth;
use std::cell::{Cell, RefCell};

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE, FLAG_HAS_DEL, FLAG_HAS_DICT};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::bytesio::index_arg;
use super::iobase::{writable_len, write_into};
use super::{is_closed, parse_args, size_arg, unsupported, DEFAULT_BUFFER_SIZE};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Reader,
    Writer,
    Random,
}

/// The state of a buffered stream.
pub struct Buffered {
    kind: Kind,
    raw: RefCell<Value>,
    ok: Cell<bool>,
    detached: Cell<bool>,
    size: Cell<usize>,
    /// Read-ahead data; `rpos` is the next unread byte.
    rbuf: RefCell<Vec<u8>>,
    rpos: Cell<usize>,
    /// Data written but not yet passed to the raw stream.
    wbuf: RefCell<Vec<u8>>,
}

impl NativeData for Buffered {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        if let Ok(r) = self.raw.try_borrow() {
            visit(&r);
        }
    }
}

impl Buffered {
    fn readable(&self) -> bool {
        self.kind != Kind::Writer
    }
    fn writable(&self) -> bool {
        self.kind != Kind::Reader
    }
    fn raw(&self) -> Value {
        self.raw.borrow().clone()
    }
    fn unread(&self) -> usize {
        self.rbuf.borrow().len().saturating_sub(self.rpos.get())
    }
    fn clear_read(&self) {
        self.rbuf.borrow_mut().clear();
        self.rpos.set(0);
    }
}

pub(super) fn make_types(vm: &mut Vm, base: &PyRef) -> (PyRef, PyRef, PyRef, PyRef) {
    let flags = FLAG_BASETYPE | FLAG_HAS_DICT | FLAG_HAS_DEL;
    let common: &[(&'static str, crate::objects::function::NativeFn)] = &[
        ("detach", buffered_detach),
        ("flush", buffered_flush),
        ("close", buffered_close),
        ("seekable", |vm, a| delegate(vm, a, "seekable")),
        ("fileno", |vm, a| delegate(vm, a, "fileno")),
        ("isatty", |vm, a| delegate(vm, a, "isatty")),
        ("_dealloc_warn", |_, _| Ok(Value::None)),
        ("seek", buffered_seek),
        ("tell", buffered_tell),
        ("truncate", buffered_truncate),
        ("__repr__", buffered_repr),
    ];
    let read: &[(&'static str, crate::objects::function::NativeFn)] = &[
        ("read", buffered_read),
        ("read1", buffered_read1),
        ("peek", buffered_peek),
        ("readline", buffered_readline),
        ("readinto", buffered_readinto),
        ("readinto1", buffered_readinto),
        ("__next__", buffered_next),
        ("readable", |vm, a| delegate(vm, a, "readable")),
    ];
    let write: &[(&'static str, crate::objects::function::NativeFn)] = &[
        ("write", buffered_write),
        ("writable", |vm, a| delegate(vm, a, "writable")),
    ];
    let getsets: &[(
        &'static str,
        crate::objects::function::GetterFn,
        Option<crate::objects::function::SetterFn>,
    )] = &[
        ("raw", buffered_raw_get, Some(super::readonly_member)),
        ("closed", |vm, v| attr_of_raw(vm, v, "closed"), None),
        ("name", |vm, v| attr_of_raw(vm, v, "name"), None),
        ("mode", |vm, v| attr_of_raw(vm, v, "mode"), None),
    ];
    let mut make =
        |name: &'static str, new: crate::objects::function::NativeFn, r: bool, w: bool| {
            let t = vm.new_native_type("_io", name, base, Layout::Native(name), flags);
            vm.add_staticmethods(&t, &[("__new__", new)]);
            vm.add_methods(&t, &[("__init__", buffered_init)]);
            vm.add_methods(&t, common);
            if r {
                vm.add_methods(&t, read);
            }
            if w {
                vm.add_methods(&t, write);
            }
            vm.add_getsets(&t, getsets);
            t
        };
    let reader = make("BufferedReader", reader_new, true, false);
    let writer = make("BufferedWriter", writer_new, false, true);
    let random = make("BufferedRandom", random_new, true, true);
    let pair = vm.new_native_type(
        "_io",
        "BufferedRWPair",
        base,
        Layout::Native("BufferedRWPair"),
        flags,
    );
    vm.add_staticmethods(&pair, &[("__new__", rwpair_new)]);
    vm.add_methods(
        &pair,
        &[
            ("__init__", rwpair_init),
            ("read", |vm, a| pair_call(vm, a, false, "read")),
            ("peek", |vm, a| pair_call(vm, a, false, "peek")),
            ("read1", |vm, a| pair_call(vm, a, false, "read1")),
            ("readinto", |vm, a| pair_call(vm, a, false, "readinto")),
            ("readinto1", |vm, a| pair_call(vm, a, false, "readinto1")),
            ("readable", |vm, a| pair_call(vm, a, false, "readable")),
            ("write", |vm, a| pair_call(vm, a, true, "write")),
            ("flush", |vm, a| pair_call(vm, a, true, "flush")),
            ("writable", |vm, a| pair_call(vm, a, true, "writable")),
            ("close", rwpair_close),
            ("isatty", rwpair_isatty),
        ],
    );
    vm.add_getsets(
        &pair,
        &[(
            "closed",
            |vm, v| {
                let w = pair_part(vm, v, true)?;
                vm.getattr_str(&w, "closed")
            },
            None,
        )],
    );
    (reader, writer, random, pair)
}

fn new_of(vm: &mut Vm, args: &Args, kind: Kind) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) if matches!(c.payload, Payload::Type(_)) => c.clone(),
        _ => return Err(vm.type_error("__new__(X): X is not a type object")),
    };
    Ok(Value::Obj(vm.new_native(
        &cls,
        Buffered {
            kind,
            raw: RefCell::new(Value::None),
            ok: Cell::new(false),
            detached: Cell::new(false),
            size: Cell::new(DEFAULT_BUFFER_SIZE),
            rbuf: RefCell::new(Vec::new()),
            rpos: Cell::new(0),
            wbuf: RefCell::new(Vec::new()),
        },
    )))
}

fn reader_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    new_of(vm, &args, Kind::Reader)
}
fn writer_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    new_of(vm, &args, Kind::Writer)
}
fn random_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    new_of(vm, &args, Kind::Random)
}

fn any_state<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a Buffered> {
    vm.native::<Buffered>(v)
        .ok_or_else(|| vm.type_error("descriptor requires a buffered object"))
}

/// The state of `self`, initialized and not detached.
fn state<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a Buffered> {
    let b = any_state(vm, v)?;
    if b.detached.get() {
        return Err(vm.value_error("raw stream has been detached"));
    }
    if !b.ok.get() {
        return Err(vm.value_error("I/O operation on uninitialized object"));
    }
    Ok(b)
}

fn me(args: &Args) -> Value {
    args.args.first().cloned().unwrap_or(Value::None)
}

/// `ValueError(msg)` when the raw stream is closed.
fn check_closed(vm: &mut Vm, b: &Buffered, msg: &str) -> PyResult<()> {
    let raw = b.raw();
    if is_closed(vm, &raw)? {
        // Reads may still drain what is buffered (CPython's CHECK_CLOSED).
        if msg.starts_with("read") && b.unread() > 0 {
            return Ok(());
        }
        return Err(vm.value_error(msg.to_string()));
    }
    Ok(())
}

fn buffered_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let me = me(&args);
    let kind = any_state(vm, &me)?.kind;
    let fname = match kind {
        Kind::Reader => "BufferedReader",
        Kind::Writer => "BufferedWriter",
        Kind::Random => "BufferedRandom",
    };
    let a = parse_args(vm, &args, fname, &["raw", "buffer_size"], 1, 1)?;
    let raw = a[0].clone().unwrap_or(Value::None);
    let size = match &a[1] {
        None => DEFAULT_BUFFER_SIZE as i64,
        Some(v) => index_arg(vm, v)?,
    };
    if kind == Kind::Random {
        super::iobase::check_true(vm, &raw, "seekable", "File or stream is not seekable.")?;
    }
    if kind != Kind::Writer {
        super::iobase::check_true(vm, &raw, "readable", "File or stream is not readable.")?;
    }
    if kind != Kind::Reader {
        super::iobase::check_true(vm, &raw, "writable", "File or stream is not writable.")?;
    }
    if size <= 0 {
        return Err(vm.value_error("buffer size must be strictly positive"));
    }
    let b = any_state(vm, &me)?;
    *b.raw.borrow_mut() = raw;
    b.size.set(size as usize);
    b.clear_read();
    b.wbuf.borrow_mut().clear();
    b.detached.set(false);
    b.ok.set(true);
    Ok(Value::None)
}

/// The `raw` member: None once detached (CPython clears the pointer).
fn buffered_raw_get(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let b = any_state(vm, v)?;
    Ok(if b.detached.get() {
        Value::None
    } else {
        b.raw()
    })
}

fn attr_of_raw(vm: &mut Vm, v: &Value, name: &str) -> PyResult<Value> {
    let raw = state(vm, v)?.raw();
    vm.getattr_str(&raw, name)
}

fn delegate(vm: &mut Vm, args: Args, name: &str) -> PyResult<Value> {
    let raw = state(vm, &me(&args))?.raw();
    vm.call_method(&raw, name, &[])
}

/// The descriptor of a raw `FileIO` (read and written directly).
fn raw_fd(vm: &Vm, raw: &Value) -> Option<i32> {
    let t = super::io_types(vm).ok()?;
    if !vm.exact(raw, &t.fileio) {
        return None;
    }
    let f = vm.native::<super::fileio::FileIo>(raw)?;
    let fd = f.fd.get();
    (fd >= 0).then_some(fd)
}

/// One raw read of up to `n` bytes: Some(data) (empty at EOF) or None
/// when the raw stream would block.
fn raw_read(vm: &mut Vm, b: &Buffered, n: usize) -> PyResult<Option<Vec<u8>>> {
    let raw = b.raw();
    if let Some(fd) = raw_fd(vm, &raw) {
        let mut buf = vec![0u8; n];
        return Ok(super::fileio::raw_read(vm, fd, &mut buf)?.map(|got| {
            buf.truncate(got);
            buf
        }));
    }
    let ba = vm.new_obj(
        &vm.types.bytearray,
        Payload::ByteArray(RefCell::new(vec![0u8; n])),
    );
    let mv = Value::Obj(vm.types.memoryview.clone());
    let view = vm.call(&mv, &[Value::Obj(ba.clone())])?;
    let r = vm.call_method(&raw, "readinto", &[view.clone()]);
    let _ = vm.call_method(&view, "release", &[]);
    let r = r?;
    if r.is_none() {
        return Ok(None);
    }
    let got = index_arg(vm, &r)?;
    if got < 0 || got as usize > n {
        return Err(vm.new_error(
            ExcKind::OSError,
            format!(
                "raw readinto() returned invalid length {got} (should have been between 0 and {n})"
            ),
        ));
    }
    let data = match &ba.payload {
        Payload::ByteArray(d) => d.borrow()[..got as usize].to_vec(),
        _ => Vec::new(),
    };
    Ok(Some(data))
}

/// Pass every pending written byte to the raw stream.
fn flush_writes(vm: &mut Vm, b: &Buffered) -> PyResult<()> {
    while !b.wbuf.borrow().is_empty() {
        flush_one(vm, b)?;
    }
    Ok(())
}

/// One raw write of the pending bytes (dropping what it took).
fn flush_one(vm: &mut Vm, b: &Buffered) -> PyResult<()> {
    let data = b.wbuf.borrow().clone();
    if data.is_empty() {
        return Ok(());
    }
    let raw = b.raw();
    let n = if let Some(fd) = raw_fd(vm, &raw) {
        super::fileio::raw_write(vm, fd, &data)?
    } else {
        let bytes = vm.new_bytes(data.clone());
        let r = vm.call_method(&raw, "write", &[bytes])?;
        if r.is_none() {
            None
        } else {
            let n = index_arg(vm, &r)?;
            if n < 0 || n as usize > data.len() {
                return Err(vm.new_error(
                    ExcKind::OSError,
                    format!(
                        "raw write() returned invalid length {n} (should have been between 0 and {})",
                        data.len()
                    ),
                ));
            }
            Some(n as usize)
        }
    };
    match n {
        Some(n) => {
            b.wbuf.borrow_mut().drain(..n);
            Ok(())
        }
        None => Err(vm.new_error(
            ExcKind::BlockingIOError,
            "write could not complete without blocking",
        )),
    }
}

/// Before writing or seeking the raw stream: put its position back where
/// the reader is (unread buffered bytes are dropped).
fn rewind_reads(vm: &mut Vm, b: &Buffered) -> PyResult<()> {
    let unread = b.unread();
    if unread > 0 {
        let raw = b.raw();
        vm.call_method(&raw, "seek", &[Value::Int(-(unread as i64)), Value::Int(1)])?;
    }
    b.clear_read();
    Ok(())
}

/// Bytes from the read buffer (up to `n`).
fn take_buffered(b: &Buffered, n: usize) -> Vec<u8> {
    let buf = b.rbuf.borrow();
    let pos = b.rpos.get().min(buf.len());
    let k = n.min(buf.len() - pos);
    let out = buf[pos..pos + k].to_vec();
    b.rpos.set(pos + k);
    out
}

/// One raw read appended to the read buffer, into the space left in it
/// (CPython's `_bufferedreader_fill_buffer`): Some(n) with n == 0 at EOF,
/// None when the raw stream would block.
fn fill(vm: &mut Vm, b: &Buffered) -> PyResult<Option<usize>> {
    if b.writable() {
        flush_writes(vm, b)?;
    }
    let start = b.rbuf.borrow().len();
    let room = b.size.get().saturating_sub(start);
    let data = raw_read(vm, b, room)?;
    Ok(data.map(|d| {
        b.rbuf.borrow_mut().extend_from_slice(&d);
        d.len()
    }))
}

/// `_bufferedreader_read_all`: the buffered bytes, then `raw.readall()`
/// (or `raw.read()` until EOF).
fn read_all(vm: &mut Vm, b: &Buffered) -> PyResult<Value> {
    let mut out = take_buffered(b, usize::MAX);
    b.clear_read();
    if b.writable() {
        flush_writes(vm, b)?;
    }
    let raw = b.raw();
    if let Some(fd) = raw_fd(vm, &raw) {
        return Ok(match super::fileio::read_to_end(vm, fd, out)? {
            Some(out) => vm.new_bytes(out),
            None => Value::None,
        });
    }
    if let Some(ra) = vm.getattr_opt(&raw, "readall")? {
        let r = vm.call(&ra, &[])?;
        if r.is_none() {
            return Ok(if out.is_empty() {
                Value::None
            } else {
                vm.new_bytes(out)
            });
        }
        match crate::objects::bytes::bytes_of(&r) {
            Some(d) => out.extend_from_slice(&d),
            None => return Err(vm.type_error("readall() should return bytes")),
        }
        return Ok(vm.new_bytes(out));
    }
    loop {
        let r = vm.call_method(&raw, "read", &[])?;
        if r.is_none() {
            return Ok(if out.is_empty() {
                Value::None
            } else {
                vm.new_bytes(out)
            });
        }
        match crate::objects::bytes::bytes_of(&r) {
            Some(d) if d.is_empty() => break,
            Some(d) => out.extend_from_slice(&d),
            None => return Err(vm.type_error("read() should return bytes")),
        }
    }
    Ok(vm.new_bytes(out))
}

/// `_bufferedreader_read_generic`: the buffered bytes, whole blocks read
/// directly, then the tail through the buffer.
fn read_n(vm: &mut Vm, b: &Buffered, n: usize) -> PyResult<Value> {
    if b.unread() >= n {
        let out = take_buffered(b, n);
        return Ok(vm.new_bytes(out));
    }
    let mut out = take_buffered(b, n);
    if b.writable() {
        flush_writes(vm, b)?;
    }
    b.clear_read();
    let size = b.size.get();
    let blocked = |vm: &Vm, out: Vec<u8>| {
        if out.is_empty() {
            Value::None
        } else {
            vm.new_bytes(out)
        }
    };
    loop {
        let remaining = n - out.len();
        let whole = size * (remaining / size);
        if whole == 0 {
            break;
        }
        match raw_read(vm, b, whole)? {
            Some(d) if d.is_empty() => return Ok(vm.new_bytes(out)),
            Some(d) => out.extend_from_slice(&d),
            None => return Ok(blocked(vm, out)),
        }
    }
    while out.len() < n && b.rbuf.borrow().len() < size {
        match fill(vm, b)? {
            Some(0) => return Ok(vm.new_bytes(out)),
            Some(_) => {
                let want = n - out.len();
                out.extend(take_buffered(b, want));
            }
            None => return Ok(blocked(vm, out)),
        }
    }
    Ok(vm.new_bytes(out))
}

fn buffered_read(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "read", &["size"], 0, 1)?;
    let n = size_arg(vm, a[0].as_ref())?;
    let s = me(&args);
    let b = state(vm, &s)?;
    if n < -1 {
        return Err(vm.value_error("read length must be non-negative or -1"));
    }
    check_closed(vm, b, "read of closed file")?;
    if n == -1 {
        return read_all(vm, b);
    }
    read_n(vm, b, n as usize)
}

fn buffered_read1(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "read1", &["size"], 0, 1)?;
    let n = size_arg(vm, a[0].as_ref())?;
    let s = me(&args);
    let b = state(vm, &s)?;
    check_closed(vm, b, "read of closed file")?;
    let n = if n < 0 { b.size.get() } else { n as usize };
    if n == 0 {
        return Ok(vm.new_bytes(Vec::new()));
    }
    if b.unread() > 0 {
        let out = take_buffered(b, n);
        return Ok(vm.new_bytes(out));
    }
    if b.writable() {
        flush_writes(vm, b)?;
    }
    b.clear_read();
    let d = raw_read(vm, b, n)?.unwrap_or_default();
    Ok(vm.new_bytes(d))
}

fn buffered_peek(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let _ = parse_args(vm, &args, "peek", &["size"], 0, 1)?;
    let s = me(&args);
    let b = state(vm, &s)?;
    check_closed(vm, b, "peek of closed file")?;
    if b.unread() == 0 {
        b.clear_read();
        fill(vm, b)?;
    }
    // (CPython's peek returns what the buffer holds, whatever `size`.)
    let buf = b.rbuf.borrow();
    let out = buf
        .get(b.rpos.get()..)
        .map(|s| s.to_vec())
        .unwrap_or_default();
    drop(buf);
    Ok(vm.new_bytes(out))
}

fn buffered_readline(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "readline", &["size"], 0, 1)?;
    let limit = size_arg(vm, a[0].as_ref())?;
    let s = me(&args);
    let b = state(vm, &s)?;
    check_closed(vm, b, "readline of closed file")?;
    let out = read_line(vm, b, limit)?;
    Ok(vm.new_bytes(out))
}

fn read_line(vm: &mut Vm, b: &Buffered, limit: i64) -> PyResult<Vec<u8>> {
    let mut out: Vec<u8> = Vec::new();
    loop {
        let room = if limit < 0 {
            usize::MAX
        } else {
            (limit as usize).saturating_sub(out.len())
        };
        if room == 0 {
            break;
        }
        {
            let buf = b.rbuf.borrow();
            let pos = b.rpos.get().min(buf.len());
            let avail = &buf[pos..];
            let (n, done) = match avail.iter().position(|&c| c == b'\n') {
                Some(i) if i < room => (i + 1, true),
                _ if avail.len() >= room => (room, true),
                _ => (avail.len(), false),
            };
            out.extend_from_slice(&avail[..n]);
            b.rpos.set(pos + n);
            if done {
                break;
            }
        }
        b.clear_read();
        match fill(vm, b)? {
            Some(n) if n > 0 => {}
            _ => break,
        }
    }
    Ok(out)
}

fn buffered_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(&args);
    let b = state(vm, &s)?;
    check_closed(vm, b, "readline of closed file")?;
    let line = read_line(vm, b, -1)?;
    if line.is_empty() {
        return Err(vm.new_error_noargs(ExcKind::StopIteration));
    }
    Ok(vm.new_bytes(line))
}

fn buffered_readinto(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "readinto", &["buffer"], 1, 1)?;
    let target = a[0].clone().unwrap_or(Value::None);
    let n = writable_len(vm, &target, "readinto")?;
    let s = me(&args);
    let b = state(vm, &s)?;
    check_closed(vm, b, "readinto of closed file")?;
    let data = read_n(vm, b, n)?;
    let data = crate::objects::bytes::bytes_of(&data).unwrap_or_default();
    write_into(vm, &target, &data)?;
    Ok(Value::Int(data.len() as i64))
}

fn buffered_write(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "write", &["buffer"], 1, 1)?;
    let s = me(&args);
    let b = state(vm, &s)?;
    let data = crate::objects::bytes::need_buffer(vm, a[0].as_ref().unwrap_or(&Value::None))?;
    if is_closed(vm, &b.raw())? {
        return Err(vm.value_error("write to closed file"));
    }
    if b.readable() {
        rewind_reads(vm, b)?;
    }
    let size = b.size.get();
    if data.len() <= size.saturating_sub(b.wbuf.borrow().len()) {
        b.wbuf.borrow_mut().extend_from_slice(&data);
        return Ok(Value::Int(data.len() as i64));
    }
    // CPython: flush the buffer, write whole blocks directly, keep the rest.
    flush_writes(vm, b)?;
    let mut off = 0;
    while data.len() - off > size {
        b.wbuf.borrow_mut().extend_from_slice(&data[off..]);
        let before = b.wbuf.borrow().len();
        flush_one(vm, b)?;
        let after = b.wbuf.borrow().len();
        b.wbuf.borrow_mut().clear();
        off += before - after;
    }
    b.wbuf.borrow_mut().extend_from_slice(&data[off..]);
    Ok(Value::Int(data.len() as i64))
}

fn buffered_flush(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(&args);
    let b = state(vm, &s)?;
    if !b.writable() {
        let raw = b.raw();
        return vm.call_method(&raw, "flush", &[]);
    }
    if is_closed(vm, &b.raw())? {
        return Err(vm.value_error("flush of closed file"));
    }
    flush_writes(vm, b)?;
    if b.readable() {
        rewind_reads(vm, b)?;
    }
    Ok(Value::None)
}

fn buffered_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(&args);
    let b = state(vm, &s)?;
    let raw = b.raw();
    if is_closed(vm, &raw)? {
        return Ok(Value::None);
    }
    let r = vm.call_method(&s, "flush", &[]);
    let c = vm.call_method(&raw, "close", &[]);
    b.clear_read();
    b.wbuf.borrow_mut().clear();
    match (r, c) {
        (Err(e), Err(e2)) => {
            let _ = super::set_attr(vm, &e2.value(), "__context__", e.value());
            Err(e2)
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
        _ => Ok(Value::None),
    }
}

fn buffered_detach(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(&args);
    vm.call_method(&s, "flush", &[])?;
    let b = state(vm, &s)?;
    let raw = b.raw();
    b.detached.set(true);
    Ok(raw)
}

fn buffered_tell(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(&args);
    let b = state(vm, &s)?;
    let raw = b.raw();
    let r = vm.call_method(&raw, "tell", &[])?;
    let pos = index_arg(vm, &r)?;
    if pos < 0 {
        return Err(vm.new_error(
            ExcKind::OSError,
            format!("Raw stream returned invalid position {pos}"),
        ));
    }
    let pos = pos - b.unread() as i64 + b.wbuf.borrow().len() as i64;
    Ok(Value::Int(pos.max(0)))
}

fn buffered_seek(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "seek", &["target", "whence"], 1, 1)?;
    let s = me(&args);
    let b = state(vm, &s)?;
    let target = index_arg(vm, a[0].as_ref().unwrap_or(&Value::None))?;
    let whence = match &a[1] {
        None => 0,
        Some(v) => index_arg(vm, v)?,
    };
    if !(0..=4).contains(&whence) {
        return Err(vm.value_error(format!("whence value {whence} unsupported")));
    }
    check_closed(vm, b, "seek of closed file")?;
    let raw = b.raw();
    let r = vm.call_method(&raw, "seekable", &[])?;
    if !matches!(r, Value::Bool(Truth::True)) {
        return Err(unsupported(vm, "File or stream is not seekable."));
    }
    if (whence == 0 || whence == 1) && b.readable() && !b.rbuf.borrow().is_empty() {
        let r = vm.call_method(&raw, "tell", &[])?;
        let raw_pos = index_arg(vm, &r)?;
        let logical = raw_pos - b.unread() as i64;
        let offset = if whence == 0 {
            target - logical
        } else {
            target
        };
        if offset >= -(b.rpos.get() as i64) && offset <= b.unread() as i64 {
            b.rpos.set((b.rpos.get() as i64 + offset) as usize);
            return Ok(Value::Int(logical + offset));
        }
    }
    flush_writes(vm, b)?;
    let mut target = target;
    if whence == 1 {
        target -= b.unread() as i64;
    }
    b.clear_read();
    let r = vm.call_method(&raw, "seek", &[Value::Int(target), Value::Int(whence)])?;
    let pos = index_arg(vm, &r)?;
    if pos < 0 {
        return Err(vm.new_error(
            ExcKind::OSError,
            format!("Raw stream returned invalid position {pos}"),
        ));
    }
    Ok(Value::Int(pos))
}

fn buffered_truncate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "truncate", &["pos"], 0, 1)?;
    let s = me(&args);
    let b = state(vm, &s)?;
    check_closed(vm, b, "truncate of closed file")?;
    if !b.writable() {
        return Err(unsupported(vm, "truncate"));
    }
    let pos = match &a[0] {
        None | Some(Value::None) => buffered_tell(vm, Args::new(&[s.clone()]))?,
        Some(v) => v.clone(),
    };
    flush_writes(vm, b)?;
    rewind_reads(vm, b)?;
    let raw = b.raw();
    vm.call_method(&raw, "truncate", &[pos])
}

fn buffered_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(&args);
    let tname = vm.type_name(&vm.type_of(&s));
    match vm.getattr_str(&s, "name") {
        Ok(n) => {
            let r = vm.repr(&n)?;
            Ok(vm.new_string(format!("<{tname} name={r}>")))
        }
        Err(e) if vm.err_is(&e, ExcKind::ValueError) || vm.err_is(&e, ExcKind::AttributeError) => {
            Ok(vm.new_string(format!("<{tname}>")))
        }
        Err(e) => Err(e),
    }
}

// ------------------------------------------------------------ BufferedRWPair

/// The reader and writer of a BufferedRWPair.
pub struct RwPair {
    reader: RefCell<Value>,
    writer: RefCell<Value>,
}

impl NativeData for RwPair {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        if let (Ok(r), Ok(w)) = (self.reader.try_borrow(), self.writer.try_borrow()) {
            visit(&r);
            visit(&w);
        }
    }
}

fn rwpair_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) if matches!(c.payload, Payload::Type(_)) => c.clone(),
        _ => return Err(vm.type_error("BufferedRWPair.__new__(X): X is not a type object")),
    };
    Ok(Value::Obj(vm.new_native(
        &cls,
        RwPair {
            reader: RefCell::new(Value::None),
            writer: RefCell::new(Value::None),
        },
    )))
}

fn rwpair_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(
        vm,
        &args,
        "BufferedRWPair",
        &["reader", "writer", "buffer_size"],
        2,
        1,
    )?;
    let reader = a[0].clone().unwrap_or(Value::None);
    let writer = a[1].clone().unwrap_or(Value::None);
    let size = a[2]
        .clone()
        .unwrap_or(Value::Int(DEFAULT_BUFFER_SIZE as i64));
    super::iobase::check_true(vm, &reader, "readable", "File or stream is not readable.")?;
    super::iobase::check_true(vm, &writer, "writable", "File or stream is not writable.")?;
    let t = super::io_types(vm)?;
    let r = vm.call(
        &Value::Obj(t.buffered_reader.clone()),
        &[reader, size.clone()],
    )?;
    let w = vm.call(&Value::Obj(t.buffered_writer.clone()), &[writer, size])?;
    let p = vm.native_self::<RwPair>(&args, "_io.BufferedRWPair", "__init__")?;
    *p.reader.borrow_mut() = r;
    *p.writer.borrow_mut() = w;
    Ok(Value::None)
}

fn pair_part(vm: &Vm, v: &Value, writer: bool) -> PyResult<Value> {
    let p = vm
        .native::<RwPair>(v)
        .ok_or_else(|| vm.type_error("descriptor requires a '_io.BufferedRWPair' object"))?;
    let part = if writer {
        p.writer.borrow().clone()
    } else {
        p.reader.borrow().clone()
    };
    if part.is_none() {
        return Err(vm.value_error("I/O operation on uninitialized object"));
    }
    Ok(part)
}

fn pair_call(vm: &mut Vm, args: Args, writer: bool, name: &str) -> PyResult<Value> {
    let part = pair_part(vm, &me(&args), writer)?;
    let f = vm.getattr_str(&part, name)?;
    let rest = args.args.get(1..).unwrap_or(&[]);
    vm.call_args(
        &f,
        Args {
            args: rest,
            kwnames: args.kwnames,
        },
    )
}

fn rwpair_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(&args);
    let w = pair_part(vm, &s, true)?;
    let r = pair_part(vm, &s, false)?;
    let e1 = vm.call_method(&w, "close", &[]);
    let e2 = vm.call_method(&r, "close", &[]);
    match (e1, e2) {
        (Err(a), Err(b)) => {
            let _ = super::set_attr(vm, &b.value(), "__context__", a.value());
            Err(b)
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
        _ => Ok(Value::None),
    }
}

fn rwpair_isatty(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(&args);
    let w = pair_part(vm, &s, true)?;
    let r = vm.call_method(&w, "isatty", &[])?;
    if vm.truthy(&r)? {
        return Ok(r);
    }
    let rd = pair_part(vm, &s, false)?;
    vm.call_method(&rd, "isatty", &[])
}
