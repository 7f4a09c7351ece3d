//! `_io.FileIO` (Modules/_io/fileio.c): raw, unbuffered binary I/O over
//! an OS file descriptor, with CPython's modes, `closefd`, `opener`,
//! `name`/`mode` attributes and error messages.

use std::cell::Cell;

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE, FLAG_HAS_DEL, FLAG_HAS_DICT};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::bytesio::index_arg;
use super::iobase::{writable_len, write_into};
use super::{last_errno, os_error, parse_args, set_attr, size_arg, unsupported};

/// The state of a FileIO.
pub struct FileIo {
    pub fd: Cell<i32>,
    created: Cell<bool>,
    readable: Cell<bool>,
    writable: Cell<bool>,
    appending: Cell<bool>,
    /// -1 unknown, 0 no, 1 yes.
    seekable: Cell<i8>,
    closefd: Cell<bool>,
    blksize: Cell<i64>,
}

impl NativeData for FileIo {}

impl Drop for FileIo {
    fn drop(&mut self) {
        let fd = self.fd.get();
        if fd >= 0 && self.closefd.get() {
            // SAFETY: the descriptor is owned by this object (closefd) and
            // nothing uses it after the object is gone.
            unsafe {
                libc::close(fd);
            }
        }
    }
}

pub(super) fn make_type(vm: &mut Vm, base: &PyRef) -> PyRef {
    let t = vm.new_native_type(
        "_io",
        "FileIO",
        base,
        Layout::Native("FileIO"),
        FLAG_BASETYPE | FLAG_HAS_DICT | FLAG_HAS_DEL,
    );
    vm.add_staticmethods(&t, &[("__new__", fileio_new)]);
    vm.add_methods(
        &t,
        &[
            ("__init__", fileio_init),
            ("read", fileio_read),
            ("readall", fileio_readall),
            ("readinto", fileio_readinto),
            ("write", fileio_write),
            ("seek", fileio_seek),
            ("tell", fileio_tell),
            ("truncate", fileio_truncate),
            ("close", fileio_close),
            ("seekable", fileio_seekable),
            ("readable", fileio_readable),
            ("writable", fileio_writable),
            ("fileno", fileio_fileno),
            ("isatty", fileio_isatty),
            ("__repr__", fileio_repr),
        ],
    );
    vm.add_getsets(
        &t,
        &[
            ("closed", fileio_closed, None),
            ("closefd", fileio_closefd, None),
            ("mode", fileio_mode, None),
            ("_blksize", fileio_blksize, Some(super::readonly_member)),
        ],
    );
    t
}

fn fileio_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) if matches!(c.payload, Payload::Type(_)) => c.clone(),
        _ => return Err(vm.type_error("FileIO.__new__(X): X is not a type object")),
    };
    Ok(Value::Obj(vm.new_native(
        &cls,
        FileIo {
            fd: Cell::new(-1),
            created: Cell::new(false),
            readable: Cell::new(false),
            writable: Cell::new(false),
            appending: Cell::new(false),
            seekable: Cell::new(-1),
            closefd: Cell::new(true),
            blksize: Cell::new(0),
        },
    )))
}

const BAD_MODE: &str =
    "Must have exactly one of create/read/write/append mode and at most one plus";

/// The bytes of a path for the OS (`os.fsencode`).
fn path_bytes(vm: &mut Vm, v: &Value) -> PyResult<Vec<u8>> {
    let b = if let Some(s) = vm.as_str_obj(v) {
        let cps = s.code_points();
        let mut out = Vec::new();
        for c in cps {
            if (0xDC80..=0xDCFF).contains(&c) {
                out.push((c - 0xDC00) as u8);
            } else if let Some(ch) = char::from_u32(c) {
                let mut tmp = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
            } else {
                return Err(vm.new_error(
                    ExcKind::UnicodeEncodeError,
                    "'utf-8' codec can't encode character: surrogates not allowed",
                ));
            }
        }
        out
    } else {
        crate::objects::bytes::bytes_of(v).unwrap_or_default()
    };
    if b.contains(&0) {
        return Err(vm.value_error("embedded null byte"));
    }
    Ok(b)
}

fn fileio_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(
        vm,
        &args,
        "FileIO",
        &["file", "mode", "closefd", "opener"],
        1,
        1,
    )?;
    let me = args.args.first().cloned().unwrap_or(Value::None);
    let f = vm.native_self::<FileIo>(&args, "_io.FileIO", "__init__")?;
    if f.fd.get() >= 0 {
        if f.closefd.get() {
            // SAFETY: re-initialising closes the descriptor this object owns.
            unsafe {
                libc::close(f.fd.get());
            }
        }
        f.fd.set(-1);
    }
    let nameobj = a[0].clone().unwrap_or(Value::None);
    let mode = match &a[1] {
        None => "r".to_string(),
        Some(v) => match vm.as_str_obj(v) {
            Some(s) => s.as_str().to_string(),
            None => {
                return Err(vm.type_error(format!(
                    "FileIO() argument 'mode' must be str, not {}",
                    vm.arg_type_name(v)
                )))
            }
        },
    };
    let closefd = match &a[2] {
        None => true,
        Some(v) => vm.truthy(v)?,
    };
    let opener = a[3].clone().unwrap_or(Value::None);

    let mut fd: i32 = -1;
    let is_int = matches!(nameobj, Value::Int(_) | Value::Bool(_))
        || matches!(&nameobj, Value::Obj(o) if matches!(o.payload, Payload::Int(_)));
    let mut path: Option<Vec<u8>> = None;
    if is_int {
        let n = index_arg(vm, &nameobj)?;
        if n < 0 {
            return Err(vm.value_error("negative file descriptor"));
        }
        fd = i32::try_from(n).map_err(|_| vm.overflow_error("fd is greater than maximum"))?;
    } else {
        let p = super::fspath(vm, &nameobj)?;
        path = Some(path_bytes(vm, &p)?);
    }

    let (mut rwa, mut plus) = (false, false);
    let (mut created, mut readable, mut writable, mut appending) = (false, false, false, false);
    let mut flags: i32 = 0;
    for c in mode.chars() {
        match c {
            'x' | 'r' | 'w' | 'a' => {
                if rwa {
                    return Err(vm.value_error(BAD_MODE));
                }
                rwa = true;
                match c {
                    'x' => {
                        created = true;
                        writable = true;
                        flags |= libc::O_EXCL | libc::O_CREAT;
                    }
                    'r' => readable = true,
                    'w' => {
                        writable = true;
                        flags |= libc::O_CREAT | libc::O_TRUNC;
                    }
                    _ => {
                        writable = true;
                        appending = true;
                        flags |= libc::O_APPEND | libc::O_CREAT;
                    }
                }
            }
            'b' => {}
            '+' => {
                if plus {
                    return Err(vm.value_error(BAD_MODE));
                }
                readable = true;
                writable = true;
                plus = true;
            }
            _ => return Err(vm.value_error(format!("invalid mode: {mode}"))),
        }
    }
    if !rwa {
        return Err(vm.value_error(BAD_MODE));
    }
    flags |= if readable && writable {
        libc::O_RDWR
    } else if readable {
        libc::O_RDONLY
    } else {
        libc::O_WRONLY
    };
    flags |= libc::O_CLOEXEC;

    let mut owned = closefd;
    if let Some(p) = &path {
        if !closefd {
            return Err(vm.value_error("Cannot use closefd=False with file name"));
        }
        if opener.is_none() {
            let Ok(c) = std::ffi::CString::new(p.clone()) else {
                return Err(vm.value_error("embedded null byte"));
            };
            // SAFETY: `c` is a valid NUL-terminated path; open has no
            // other preconditions.
            fd = unsafe { libc::open(c.as_ptr(), flags, 0o666 as libc::c_uint) };
            if fd < 0 {
                return Err(os_error(vm, last_errno(), Some(nameobj)));
            }
        } else {
            let r = vm.call(&opener, &[nameobj.clone(), Value::Int(i64::from(flags))])?;
            let n = match vm.index_value(&r)? {
                Some(n) => n,
                None => return Err(vm.type_error("expected integer from opener")),
            };
            if n < 0 {
                return Err(vm.value_error(format!("opener returned {n}")));
            }
            fd = i32::try_from(n).map_err(|_| vm.overflow_error("fd is greater than maximum"))?;
        }
        owned = true;
    }
    f.fd.set(fd);
    f.closefd.set(owned);
    f.created.set(created);
    f.readable.set(readable);
    f.writable.set(writable);
    f.appending.set(appending);
    f.seekable.set(-1);

    // SAFETY: fstat writes into a zeroed stat buffer we own.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is an open descriptor or fstat fails with EBADF.
    let r = unsafe { libc::fstat(fd, &mut st) };
    if r < 0 {
        let e = last_errno();
        f.fd.set(-1);
        return Err(os_error(vm, e, None));
    }
    if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
        if owned {
            // SAFETY: we opened this descriptor just now.
            unsafe {
                libc::close(fd);
            }
        }
        f.fd.set(-1);
        return Err(os_error(vm, libc::EISDIR, Some(nameobj)));
    }
    let blk = i64::from(st.st_blksize as i32);
    f.blksize.set(if blk > 1 {
        blk
    } else {
        super::DEFAULT_BUFFER_SIZE as i64
    });
    set_attr(vm, &me, "name", nameobj)?;
    if appending {
        // SAFETY: plain lseek on our descriptor.
        unsafe {
            libc::lseek(fd, 0, libc::SEEK_END);
        }
    }
    Ok(Value::None)
}

fn err_closed(vm: &Vm) -> crate::vm::PyErr {
    vm.value_error("I/O operation on closed file")
}

/// The state of an open FileIO `self`.
fn open_self<'a>(vm: &Vm, args: &Args<'a>, m: &str) -> PyResult<&'a FileIo> {
    let f = vm.native_self::<FileIo>(args, "_io.FileIO", m)?;
    if f.fd.get() < 0 {
        return Err(err_closed(vm));
    }
    Ok(f)
}

fn check_readable(vm: &mut Vm, f: &FileIo) -> PyResult<()> {
    if !f.readable.get() {
        return Err(unsupported(vm, "File not open for reading"));
    }
    Ok(())
}

fn check_writable(vm: &mut Vm, f: &FileIo) -> PyResult<()> {
    if !f.writable.get() {
        return Err(unsupported(vm, "File not open for writing"));
    }
    Ok(())
}

/// After a failed read(2) or write(2) with errno `e`: Ok(true) to retry
/// (EINTR, once signal handlers ran), Ok(false) when it would block
/// (EAGAIN), else the OSError.
fn io_failed(vm: &mut Vm, e: i32) -> PyResult<bool> {
    if e == libc::EINTR {
        check_signals(vm)?;
        return Ok(true);
    }
    if e == libc::EAGAIN {
        return Ok(false);
    }
    Err(os_error(vm, e, None))
}

/// `read(2)` into `buf`, retrying on EINTR; Ok(None) on EAGAIN.
pub(crate) fn raw_read(vm: &mut Vm, fd: i32, buf: &mut [u8]) -> PyResult<Option<usize>> {
    loop {
        // SAFETY: `buf` is a valid writable region of `buf.len()` bytes.
        let (n, e) = vm.allow_threads(|| {
            // SAFETY: `buf` is a valid writable region of `buf.len()` bytes.
            let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
            (n, last_errno())
        });
        if n >= 0 {
            return Ok(Some(n as usize));
        }
        if io_failed(vm, e)? {
            continue;
        }
        return Ok(None);
    }
}

/// `write(2)` of `data`, retrying on EINTR; Ok(None) on EAGAIN.
pub(crate) fn raw_write(vm: &mut Vm, fd: i32, data: &[u8]) -> PyResult<Option<usize>> {
    if fd == 1 || fd == 2 {
        // Keep the order with what `print` buffered for the same stream.
        vm.flush_stdout();
    }
    loop {
        // SAFETY: `data` is a valid readable region of `data.len()` bytes.
        let (n, e) = vm.allow_threads(|| {
            // SAFETY: `data` is a valid readable region of `data.len()` bytes.
            let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
            (n, last_errno())
        });
        if n >= 0 {
            return Ok(Some(n as usize));
        }
        if io_failed(vm, e)? {
            continue;
        }
        return Ok(None);
    }
}

fn fileio_read(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "read", &["size"], 0, 1)?;
    let f = open_self(vm, &args, "read")?;
    check_readable(vm, f)?;
    let n = size_arg(vm, a[0].as_ref())?;
    if n < 0 {
        return readall(vm, f);
    }
    let mut buf = vec![0u8; n as usize];
    match raw_read(vm, f.fd.get(), &mut buf)? {
        Some(got) => {
            buf.truncate(got);
            Ok(vm.new_bytes(buf))
        }
        None => Ok(Value::None),
    }
}

fn readall(vm: &mut Vm, f: &FileIo) -> PyResult<Value> {
    Ok(match read_to_end(vm, f.fd.get(), Vec::new())? {
        Some(out) => vm.new_bytes(out),
        None => Value::None,
    })
}

/// The bytes from the descriptor's position to the end of the file, if
/// `fstat` and `lseek` tell (`_io_FileIO_readall_impl`'s size hint).
fn remaining_size(fd: i32) -> Option<usize> {
    // SAFETY: fstat writes into a zeroed stat buffer we own.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat on any descriptor number either fills `st` or fails.
    if unsafe { libc::fstat(fd, &mut st) } < 0 {
        return None;
    }
    // SAFETY: a plain lseek query; it moves nothing.
    let pos = unsafe { libc::lseek(fd, 0, libc::SEEK_CUR) };
    // `off_t` (both are i64 on the 64-bit targets pycvm builds for).
    let (end, pos): (i64, i64) = (st.st_size, pos);
    if pos < 0 || end < pos {
        return None;
    }
    usize::try_from(end - pos).ok()
}

/// `read(2)` until end of file after the bytes of `out`, into a buffer
/// sized by the file's size (so a regular file takes one read of its size
/// and one that finds the end; nothing is zeroed first nor copied from a
/// fixed-size chunk). Ok(None) when the first read would block (EAGAIN)
/// and `out` is empty.
pub(crate) fn read_to_end(vm: &mut Vm, fd: i32, out: Vec<u8>) -> PyResult<Option<Vec<u8>>> {
    const MIN_GROW: usize = 8 * 1024;
    /// A size hint beyond this is not trusted (a sparse or odd file).
    const MAX_HINT: usize = 1 << 30;
    let mut buf = out;
    let first = match remaining_size(fd) {
        Some(n) if n < MAX_HINT => n + 1,
        _ => MIN_GROW,
    };
    buf.reserve_exact(first);
    loop {
        if buf.len() == buf.capacity() {
            let grow = (buf.len() / 2).clamp(MIN_GROW, MAX_HINT);
            buf.reserve(grow);
        }
        match read_spare(vm, fd, &mut buf)? {
            Some(0) => break,
            Some(_) => {}
            None => {
                if buf.is_empty() {
                    return Ok(None);
                }
                break;
            }
        }
    }
    Ok(Some(buf))
}

/// `raw_read` into the spare capacity of `buf` (its length grows by what
/// was read).
fn read_spare(vm: &mut Vm, fd: i32, buf: &mut Vec<u8>) -> PyResult<Option<usize>> {
    loop {
        let len = buf.len();
        let spare = buf.spare_capacity_mut();
        let room = spare.len();
        let (n, e) = vm.allow_threads(|| {
            // SAFETY: `spare` is `room` writable bytes owned by `buf`, and
            // read(2) writes at most `room` bytes into it.
            let n = unsafe { libc::read(fd, spare.as_mut_ptr().cast(), room) };
            (n, last_errno())
        });
        if n >= 0 {
            let n = (n as usize).min(room);
            // SAFETY: read(2) initialised the first `n` bytes of the spare
            // capacity (`n <= room`, so the length stays within it).
            unsafe { buf.set_len(len + n) };
            return Ok(Some(n));
        }
        if io_failed(vm, e)? {
            continue;
        }
        return Ok(None);
    }
}

fn fileio_readall(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = open_self(vm, &args, "readall")?;
    check_readable(vm, f)?;
    readall(vm, f)
}

fn fileio_readinto(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "readinto", &["buffer"], 1, 1)?;
    let target = a[0].clone().unwrap_or(Value::None);
    let n = writable_len(vm, &target, "readinto")?;
    let f = open_self(vm, &args, "readinto")?;
    check_readable(vm, f)?;
    let mut buf = vec![0u8; n];
    match raw_read(vm, f.fd.get(), &mut buf)? {
        Some(got) => {
            write_into(vm, &target, &buf[..got])?;
            Ok(Value::Int(got as i64))
        }
        None => Ok(Value::None),
    }
}

fn fileio_write(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "write", &["b"], 1, 1)?;
    let f = open_self(vm, &args, "write")?;
    check_writable(vm, f)?;
    let data = crate::objects::bytes::need_buffer(vm, a[0].as_ref().unwrap_or(&Value::None))?;
    match raw_write(vm, f.fd.get(), &data)? {
        Some(n) => Ok(Value::Int(n as i64)),
        None => Ok(Value::None),
    }
}

/// `lseek(2)` with CPython's errors.
fn lseek(vm: &mut Vm, fd: i32, pos: i64, whence: i32) -> PyResult<i64> {
    // SAFETY: plain lseek on a descriptor; failure is reported by errno.
    let r = unsafe { libc::lseek(fd, pos as libc::off_t, whence) };
    if r < 0 {
        return Err(os_error(vm, last_errno(), None));
    }
    Ok(r as i64)
}

fn fileio_seek(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "seek", &["pos", "whence"], 1, 1)?;
    let f = open_self(vm, &args, "seek")?;
    let pos = index_arg(vm, a[0].as_ref().unwrap_or(&Value::None))?;
    let whence = match &a[1] {
        None => 0,
        Some(v) => index_arg(vm, v)?,
    };
    let whence = i32::try_from(whence).unwrap_or(-1);
    Ok(Value::Int(lseek(vm, f.fd.get(), pos, whence)?))
}

fn fileio_tell(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = open_self(vm, &args, "tell")?;
    Ok(Value::Int(lseek(vm, f.fd.get(), 0, libc::SEEK_CUR)?))
}

fn fileio_truncate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "truncate", &["size"], 0, 1)?;
    let f = open_self(vm, &args, "truncate")?;
    check_writable(vm, f)?;
    let size = match &a[0] {
        None | Some(Value::None) => lseek(vm, f.fd.get(), 0, libc::SEEK_CUR)?,
        Some(v) => index_arg(vm, v)?,
    };
    // SAFETY: ftruncate on our descriptor; failure is reported by errno.
    let r = unsafe { libc::ftruncate(f.fd.get(), size as libc::off_t) };
    if r < 0 {
        return Err(os_error(vm, last_errno(), None));
    }
    Ok(Value::Int(size))
}

fn fileio_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let me = args.args.first().cloned().unwrap_or(Value::None);
    let f = vm.native_self::<FileIo>(&args, "_io.FileIO", "close")?;
    // `_RawIOBase.close(self)`: flush, then mark closed.
    let t = super::io_types(vm)?;
    let base_close = vm
        .type_lookup_static(&t.rawiobase, "close")
        .unwrap_or(Value::None);
    let r = vm.call(&base_close, &[me]);
    let fd = f.fd.get();
    if fd >= 0 {
        f.fd.set(-1);
        if f.closefd.get() {
            // SAFETY: the descriptor is ours (closefd) and now forgotten.
            let c = unsafe { libc::close(fd) };
            if c < 0 {
                let e = last_errno();
                r?;
                return Err(os_error(vm, e, None));
            }
        }
    }
    r.map(|_| Value::None)
}

fn fileio_seekable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = open_self(vm, &args, "seekable")?;
    if f.seekable.get() < 0 {
        // SAFETY: a position query on our descriptor.
        let r = unsafe { libc::lseek(f.fd.get(), 0, libc::SEEK_CUR) };
        f.seekable.set(i8::from(r >= 0));
    }
    Ok(Value::bool(f.seekable.get() == 1))
}

fn fileio_readable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = open_self(vm, &args, "readable")?;
    Ok(Value::bool(f.readable.get()))
}

fn fileio_writable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = open_self(vm, &args, "writable")?;
    Ok(Value::bool(f.writable.get()))
}

fn fileio_fileno(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = open_self(vm, &args, "fileno")?;
    Ok(Value::Int(i64::from(f.fd.get())))
}

fn fileio_isatty(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = open_self(vm, &args, "isatty")?;
    // SAFETY: isatty only queries the descriptor.
    Ok(Value::bool(unsafe { libc::isatty(f.fd.get()) } == 1))
}

/// CPython's `mode_string`.
fn mode_string(f: &FileIo) -> &'static str {
    let (r, w) = (f.readable.get(), f.writable.get());
    if f.created.get() {
        if r {
            "xb+"
        } else {
            "xb"
        }
    } else if f.appending.get() {
        if r {
            "ab+"
        } else {
            "ab"
        }
    } else if r && w {
        "rb+"
    } else if r {
        "rb"
    } else {
        "wb"
    }
}

fn state_of<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a FileIo> {
    vm.native::<FileIo>(v)
        .ok_or_else(|| vm.type_error("descriptor for '_io.FileIO' objects doesn't apply"))
}

fn fileio_closed(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::bool(state_of(vm, v)?.fd.get() < 0))
}

fn fileio_closefd(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::bool(state_of(vm, v)?.closefd.get()))
}

fn fileio_blksize(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Int(state_of(vm, v)?.blksize.get()))
}

fn fileio_mode(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let m = mode_string(state_of(vm, v)?);
    Ok(vm.new_str(m))
}

fn fileio_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let me = args.args.first().cloned().unwrap_or(Value::None);
    let f = state_of(vm, &me)?;
    // CPython writes the type name literally, for subclasses too.
    let tname = "_io.FileIO";
    if f.fd.get() < 0 {
        return Ok(vm.new_string(format!("<{tname} [closed]>")));
    }
    let mode = mode_string(f);
    let closefd = if f.closefd.get() { "True" } else { "False" };
    let s = match vm.getattr_opt(&me, "name")? {
        Some(n) => {
            let r = vm.repr(&n)?;
            format!("<{tname} name={r} mode='{mode}' closefd={closefd}>")
        }
        None => format!(
            "<{tname} fd={} mode='{mode}' closefd={closefd}>",
            f.fd.get()
        ),
    };
    Ok(vm.new_string(s))
}

/// Raise KeyboardInterrupt if SIGINT arrived during an interrupted call.
fn check_signals(vm: &Vm) -> PyResult<()> {
    if crate::vm::signals::take_pending() {
        return Err(vm.new_error_noargs(ExcKind::KeyboardInterrupt));
    }
    Ok(())
}
