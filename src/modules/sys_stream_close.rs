//! `close()` and `closed` of pycvm's standard streams (`sys.stdin`,
//! `sys.stdout`, `sys.stderr`): closing stdin closes file descriptor 0
//! (as CPython's `FileIO.close`), so a later `os.open` may reuse it, and
//! reading it then raises "I/O operation on closed file."; closing stdout
//! or stderr flushes it and marks it closed (its descriptor stays open for
//! pycvm's own reports). `detach()` gives a stream's buffer and leaves the
//! text stream unusable ("underlying buffer has been detached"), as
//! `io.TextIOWrapper(sys.stdout.detach(), ...)` expects.

use std::cell::Cell;

use crate::objects::function::Args;
use crate::vm::value::Value;
use crate::vm::{PyErr, PyResult, Vm};

crate::interp_local! {
    /// Bit `fd` set: that standard stream was closed; bit `fd + 3`: it
    /// was detached from its buffer. One cell, so `print` checks both
    /// with one read.
    static STATE: Cell<u8> = const { Cell::new(0) };
}

const DETACHED_SHIFT: i64 = 3;

fn state() -> u8 {
    STATE.try_with(Cell::get).unwrap_or(0)
}

fn mark(bit: i64) {
    let _ = STATE.try_with(|c| c.set(c.get() | (1 << bit)));
}

/// Whether the standard stream for `fd` (0, 1, 2) was detached.
pub fn is_detached(fd: i64) -> bool {
    (0..3).contains(&fd) && state() & (1 << (fd + DETACHED_SHIFT)) != 0
}

/// The error of an operation on standard stream `v` once it was detached
/// or closed (CPython's CHECK_ATTACHED, then the closed check).
pub fn check_usable(vm: &mut Vm, v: &Value) -> PyResult<()> {
    match super::sys::stream_fd(vm, v) {
        Some(fd) => check_fd_usable(vm, fd),
        None => Ok(()),
    }
}

/// [`check_usable`] for the standard stream of descriptor `fd`.
pub fn check_fd_usable(vm: &mut Vm, fd: i64) -> PyResult<()> {
    if state() == 0 {
        return Ok(());
    }
    if is_detached(fd) {
        Err(vm.value_error("underlying buffer has been detached"))
    } else if is_closed(fd) {
        Err(closed_error(vm))
    } else {
        Ok(())
    }
}

/// `sys.stdout.detach()`: flush, then give the buffer; the text stream
/// can no longer be used.
pub fn stream_detach(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = args.args.first().cloned().unwrap_or(Value::None);
    vm.check_args("detach", args, 0, 0)?;
    check_usable(vm, &s)?;
    vm.call_method(&s, "flush", &[])?;
    let buffer = vm.getattr_str(&s, "buffer")?;
    if let Some(fd @ 0..=2) = super::sys::stream_fd(vm, &s) {
        mark(fd + DETACHED_SHIFT);
    }
    Ok(buffer)
}

/// `tell()` and `seek()`: pycvm's standard streams are not seekable
/// (`seekable()` is False), so these are UnsupportedOperation.
pub fn stream_not_seekable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = args.args.first().cloned().unwrap_or(Value::None);
    check_usable(vm, &s)?;
    Err(super::io::unsupported(
        vm,
        "underlying stream is not seekable",
    ))
}

/// `truncate()`: flushes, then the descriptor's own error, as FileIO's
/// `truncate` finding the position (ESPIPE on a pipe or terminal).
pub fn stream_truncate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = args.args.first().cloned().unwrap_or(Value::None);
    check_usable(vm, &s)?;
    vm.call_method(&s, "flush", &[])?;
    let fd = super::sys::stream_fd(vm, &s).unwrap_or(1);
    // SAFETY: lseek takes no pointers; it only queries the descriptor.
    if unsafe { libc::lseek(fd as libc::c_int, 0, libc::SEEK_CUR) } < 0 {
        return Err(vm.last_os_error(None));
    }
    Err(super::io::unsupported(
        vm,
        "underlying stream is not seekable",
    ))
}

/// Whether the standard stream for `fd` (0, 1, 2) was closed.
pub fn is_closed(fd: i64) -> bool {
    (0..3).contains(&fd) && state() & (1 << fd) != 0
}

/// The error of an operation on a closed stream.
pub fn closed_error(vm: &Vm) -> PyErr {
    vm.value_error("I/O operation on closed file.")
}

/// `sys.stdin.close()` (and the other streams').
pub fn stream_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = args.args.first().cloned().unwrap_or(Value::None);
    vm.check_args("close", args, 0, 0)?;
    let Some(fd) = super::sys::stream_fd(vm, &s) else {
        return Ok(Value::None);
    };
    close_fd(vm, fd);
    Ok(Value::None)
}

/// Close standard stream `fd` (0, 1, 2), once.
pub fn close_fd(vm: &mut Vm, fd: i64) {
    if is_closed(fd) || !(0..3).contains(&fd) {
        return;
    }
    if fd == 0 {
        // SAFETY: closing descriptor 0 affects no Rust-owned handle; pycvm
        // reads stdin only through this stream, which now refuses reads.
        unsafe {
            libc::close(0);
        }
    } else {
        vm.flush_stdout();
    }
    mark(fd);
}

/// `sys.stdin.closed`.
pub fn stream_closed(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    if super::sys::stream_fd(vm, v).is_some_and(is_detached) {
        return Err(vm.value_error("underlying buffer has been detached"));
    }
    Ok(Value::bool(
        super::sys::stream_fd(vm, v).is_some_and(is_closed),
    ))
}

/// `with sys.stdin as f:` gives the stream.
pub fn stream_enter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = args.args.first().cloned().unwrap_or(Value::None);
    if super::sys::stream_fd(vm, &s).is_some_and(is_closed) {
        return Err(closed_error(vm));
    }
    Ok(s)
}

/// Leaving the `with` block closes the stream (as `IOBase.__exit__`).
pub fn stream_exit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = args.args.first().cloned().unwrap_or(Value::None);
    stream_close(vm, Args::new(std::slice::from_ref(&s)))?;
    Ok(Value::None)
}
