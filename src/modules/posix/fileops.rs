//! File-descriptor calls of `posix`: `open`, `close`, `read`, `write`,
//! `lseek`, `pipe`, `dup`, `dup2`, `isatty`, `ftruncate`, `fsync`, the
//! inheritable/blocking flags and `device_encoding`.

use crate::objects::function::Args;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

use super::util::{bool_arg, bytes_like, c_int_arg, int_arg, opt_fd, parse_args, path_arg, retry};

fn arg(a: &[Option<Value>], i: usize) -> Value {
    a.get(i).cloned().flatten().unwrap_or(Value::None)
}

/// Positional-only arguments (`os.read(fd, length, /)`).
fn pos_args<'a>(vm: &Vm, args: Args<'a>, name: &str, n: usize) -> PyResult<&'a [Value]> {
    vm.fn_args(&format!("posix.{name}"), args, n, n)
}

fn ok_or_err<T>(vm: &mut Vm, r: Result<T, i32>) -> PyResult<T> {
    r.map_err(|e| vm.os_error(e, None, None))
}

/// `os.open(path, flags, mode=0o777, *, dir_fd=None)`: the new fd is not
/// inheritable (PEP 446).
pub fn posix_open(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(
        vm,
        &args,
        "open",
        &["path", "flags", "mode", "dir_fd"],
        2,
        3,
    )?;
    let p = path_arg(vm, "open", "path", a[0].as_ref(), false, false)?;
    let flags = c_int_arg(vm, &arg(&a, 1))? | libc::O_CLOEXEC;
    let mode = match &a[2] {
        Some(m) => c_int_arg(vm, m)?,
        None => 0o777,
    };
    let dir_fd = opt_fd(vm, &a[3])?;
    let c = p.c();
    let dfd = dir_fd.unwrap_or(libc::AT_FDCWD);
    // SAFETY: `c` is a NUL-terminated path alive across the call.
    let r = retry(|| unsafe { libc::openat(dfd, c.as_ptr(), flags, mode as libc::c_uint) });
    match r {
        Ok(fd) => Ok(Value::Int(i64::from(fd))),
        Err(e) => Err(vm.os_error(e, p.err_name(), None)),
    }
}

/// `os.close(fd)`.
pub fn posix_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "close", &["fd"], 1, 1)?;
    let fd = c_int_arg(vm, &arg(&a, 0))?;
    // SAFETY: closing an integer descriptor; a bad one only yields EBADF.
    // close is not retried on EINTR (the descriptor is gone either way).
    let r = unsafe { libc::close(fd) };
    if r < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

/// `os.closerange(fd_low, fd_high)`: errors are ignored.
pub fn posix_closerange(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "closerange", 2)?;
    let lo = c_int_arg(vm, &a[0])?.max(0);
    let hi = c_int_arg(vm, &a[1])?;
    for fd in lo..hi {
        // SAFETY: closing integer descriptors in a range the caller chose.
        unsafe { libc::close(fd) };
    }
    Ok(Value::None)
}

/// `os.read(fd, length)`.
pub fn posix_read(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "read", 2)?;
    let fd = c_int_arg(vm, &a[0])?;
    let n = int_arg(vm, &a[1])?;
    if n < 0 {
        return Err(vm.os_error(libc::EINVAL, None, None));
    }
    let mut buf = vec![0u8; usize::try_from(n).unwrap_or(0)];
    // SAFETY: `buf` has `buf.len()` writable bytes for the duration of the call.
    let r = vm
        .allow_threads(|| retry(|| unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) }));
    let got = ok_or_err(vm, r)?;
    buf.truncate(usize::try_from(got).unwrap_or(0));
    Ok(vm.new_bytes(buf))
}

/// `os.write(fd, data)`.
pub fn posix_write(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "write", 2)?;
    let fd = c_int_arg(vm, &a[0])?;
    let Some(data) = bytes_like(vm, &a[1]) else {
        return Err(vm.type_error(format!(
            "a bytes-like object is required, not '{}'",
            vm.type_name_of(&a[1])
        )));
    };
    if fd == 1 || fd == 2 {
        // Keep program order with what print() buffered.
        vm.flush_stdout();
    }
    // SAFETY: `data` holds `data.len()` readable bytes across the call.
    let r =
        vm.allow_threads(|| retry(|| unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) }));
    let n = ok_or_err(vm, r)?;
    Ok(Value::Int(n as i64))
}

/// `os.lseek(fd, position, whence)`.
pub fn posix_lseek(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "lseek", 3)?;
    let fd = c_int_arg(vm, &a[0])?;
    let pos = int_arg(vm, &a[1])?;
    let how = c_int_arg(vm, &a[2])?;
    // SAFETY: plain syscall on integers.
    let r = retry(|| unsafe { libc::lseek(fd, pos, how) });
    Ok(Value::Int(ok_or_err(vm, r)?))
}

fn make_pipe(vm: &mut Vm, flags: i32) -> PyResult<Value> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a valid array of two ints for pipe2 to fill.
    let r = unsafe { libc::pipe2(fds.as_mut_ptr(), flags) };
    if r < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(vm.new_tuple_of([Value::Int(i64::from(fds[0])), Value::Int(i64::from(fds[1]))]))
}

/// `os.pipe()`: two non-inheritable descriptors.
pub fn posix_pipe(vm: &mut Vm, args: Args) -> PyResult<Value> {
    pos_args(vm, args, "pipe", 0)?;
    make_pipe(vm, libc::O_CLOEXEC)
}

/// `os.pipe2(flags)`.
pub fn posix_pipe2(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "pipe2", 1)?;
    let flags = c_int_arg(vm, &a[0])?;
    make_pipe(vm, flags)
}

/// `os.dup(fd)`: a non-inheritable duplicate.
pub fn posix_dup(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "dup", 1)?;
    let fd = c_int_arg(vm, &a[0])?;
    // SAFETY: plain fcntl on an integer descriptor.
    let r = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if r < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::Int(i64::from(r)))
}

/// `os.dup2(fd, fd2, inheritable=True)`.
pub fn posix_dup2(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "dup2", &["fd", "fd2", "inheritable"], 2, 3)?;
    let fd = c_int_arg(vm, &arg(&a, 0))?;
    let fd2 = c_int_arg(vm, &arg(&a, 1))?;
    let inheritable = bool_arg(vm, &a[2], true)?;
    let r = if inheritable || fd == fd2 {
        // SAFETY: plain syscall on integer descriptors.
        unsafe { libc::dup2(fd, fd2) }
    } else {
        // SAFETY: as above.
        unsafe { libc::dup3(fd, fd2, libc::O_CLOEXEC) }
    };
    if r < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::Int(i64::from(r)))
}

/// `os.isatty(fd)`.
pub fn posix_isatty(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "isatty", 1)?;
    let fd = c_int_arg(vm, &a[0])?;
    // SAFETY: plain call on an integer descriptor.
    Ok(Value::bool(unsafe { libc::isatty(fd) } == 1))
}

/// `os.ftruncate(fd, length)`.
pub fn posix_ftruncate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "ftruncate", 2)?;
    let fd = c_int_arg(vm, &a[0])?;
    let len = int_arg(vm, &a[1])?;
    // SAFETY: plain syscall on integers.
    let r = retry(|| unsafe { libc::ftruncate(fd, len) });
    ok_or_err(vm, r)?;
    Ok(Value::None)
}

/// `os.truncate(path, length)` (path may be an fd).
pub fn posix_truncate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "truncate", &["path", "length"], 2, 2)?;
    let p = path_arg(vm, "truncate", "path", a[0].as_ref(), true, false)?;
    let len = int_arg(vm, &arg(&a, 1))?;
    let r = if let Some(fd) = p.fd {
        // SAFETY: plain syscall on integers.
        retry(|| unsafe { libc::ftruncate(fd, len) })
    } else {
        let c = p.c();
        // SAFETY: `c` is a NUL-terminated path alive across the call.
        retry(|| unsafe { libc::truncate(c.as_ptr(), len) })
    };
    match r {
        Ok(_) => Ok(Value::None),
        // With an fd CPython calls os_ftruncate_impl: no filename.
        Err(e) if p.fd.is_some() => Err(vm.os_error(e, None, None)),
        Err(e) => Err(vm.os_error(e, p.err_name(), None)),
    }
}

/// CPython's `fildes_converter`: an int or an object with `fileno()`.
pub fn fileno_arg(vm: &mut Vm, v: &Value) -> PyResult<i32> {
    if vm.index_value(v)?.is_some() {
        return c_int_arg(vm, v);
    }
    match vm.getattr_opt(v, "fileno")? {
        Some(f) => {
            let r = vm.call(&f, &[])?;
            if vm.index_value(&r)?.is_none() {
                return Err(vm.type_error("fileno() returned a non-integer"));
            }
            let fd = c_int_arg(vm, &r)?;
            if fd < 0 {
                return Err(vm.value_error(format!(
                    "file descriptor cannot be a negative integer ({fd})"
                )));
            }
            Ok(fd)
        }
        None => Err(vm.type_error("argument must be an int, or have a fileno() method.")),
    }
}

fn sync_common(vm: &mut Vm, args: Args, data_only: bool) -> PyResult<Value> {
    let a = parse_args(
        vm,
        &args,
        if data_only { "fdatasync" } else { "fsync" },
        &["fd"],
        1,
        1,
    )?;
    let fd = fileno_arg(vm, &arg(&a, 0))?;
    let r = if data_only {
        // SAFETY: plain syscall on an integer descriptor.
        retry(|| unsafe { libc::fdatasync(fd) })
    } else {
        // SAFETY: plain syscall on an integer descriptor.
        retry(|| unsafe { libc::fsync(fd) })
    };
    ok_or_err(vm, r)?;
    Ok(Value::None)
}

/// `os.fsync(fd)`.
pub fn posix_fsync(vm: &mut Vm, args: Args) -> PyResult<Value> {
    sync_common(vm, args, false)
}

/// `os.fdatasync(fd)`.
pub fn posix_fdatasync(vm: &mut Vm, args: Args) -> PyResult<Value> {
    sync_common(vm, args, true)
}

fn fd_flags(vm: &mut Vm, fd: i32, get: i32) -> PyResult<i32> {
    // SAFETY: plain fcntl query on an integer descriptor.
    let r = unsafe { libc::fcntl(fd, get) };
    if r < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(r)
}

fn set_fd_flag(vm: &mut Vm, fd: i32, get: i32, set: i32, bit: i32, on: bool) -> PyResult<()> {
    let old = fd_flags(vm, fd, get)?;
    let new = if on { old | bit } else { old & !bit };
    if new != old {
        // SAFETY: plain fcntl update on an integer descriptor.
        if unsafe { libc::fcntl(fd, set, new) } < 0 {
            return Err(vm.last_os_error(None));
        }
    }
    Ok(())
}

/// Make `fd` inheritable or not (used by `set_inheritable` and `dup2`).
pub fn set_inheritable_fd(vm: &mut Vm, fd: i32, inheritable: bool) -> PyResult<()> {
    set_fd_flag(
        vm,
        fd,
        libc::F_GETFD,
        libc::F_SETFD,
        libc::FD_CLOEXEC,
        !inheritable,
    )
}

/// `os.get_inheritable(fd)`.
pub fn posix_get_inheritable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "get_inheritable", 1)?;
    let fd = c_int_arg(vm, &a[0])?;
    let f = fd_flags(vm, fd, libc::F_GETFD)?;
    Ok(Value::bool(f & libc::FD_CLOEXEC == 0))
}

/// `os.set_inheritable(fd, inheritable)`.
pub fn posix_set_inheritable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "set_inheritable", 2)?;
    let fd = c_int_arg(vm, &a[0])?;
    let on = c_int_arg(vm, &a[1])? != 0;
    set_inheritable_fd(vm, fd, on)?;
    Ok(Value::None)
}

/// `os.get_blocking(fd)`.
pub fn posix_get_blocking(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "get_blocking", 1)?;
    let fd = c_int_arg(vm, &a[0])?;
    let f = fd_flags(vm, fd, libc::F_GETFL)?;
    Ok(Value::bool(f & libc::O_NONBLOCK == 0))
}

/// `os.set_blocking(fd, blocking)`.
pub fn posix_set_blocking(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = pos_args(vm, args, "set_blocking", 2)?;
    let fd = c_int_arg(vm, &a[0])?;
    let on = c_int_arg(vm, &a[1])? != 0;
    set_fd_flag(vm, fd, libc::F_GETFL, libc::F_SETFL, libc::O_NONBLOCK, !on)?;
    Ok(Value::None)
}

/// `os.device_encoding(fd)`: the locale's encoding for a terminal, else None.
pub fn posix_device_encoding(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "device_encoding", &["fd"], 1, 1)?;
    let fd = c_int_arg(vm, &arg(&a, 0))?;
    // SAFETY: plain call on an integer descriptor.
    if unsafe { libc::isatty(fd) } == 1 {
        return Ok(vm.new_str("UTF-8"));
    }
    Ok(Value::None)
}
