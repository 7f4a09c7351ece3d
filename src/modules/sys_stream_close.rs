//! `close()` and `closed` of pycvm's standard streams (`sys.stdin`,
//! `sys.stdout`, `sys.stderr`): closing stdin closes file descriptor 0
//! (as CPython's `FileIO.close`), so a later `os.open` may reuse it, and
//! reading it then raises "I/O operation on closed file."; closing stdout
//! or stderr flushes it and marks it closed (its descriptor stays open for
//! pycvm's own reports).

use std::cell::Cell;

use crate::objects::function::Args;
use crate::vm::value::Value;
use crate::vm::{PyErr, PyResult, Vm};

crate::interp_local! {
    /// Bit `fd` set: that standard stream was closed.
    static CLOSED: Cell<u8> = const { Cell::new(0) };
}

/// Whether the standard stream for `fd` (0, 1, 2) was closed.
pub fn is_closed(fd: i64) -> bool {
    (0..3).contains(&fd)
        && CLOSED
            .try_with(|c| c.get() & (1 << fd) != 0)
            .unwrap_or(false)
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
    let _ = CLOSED.try_with(|c| c.set(c.get() | (1 << fd)));
}

/// `sys.stdin.closed`.
pub fn stream_closed(vm: &mut Vm, v: &Value) -> PyResult<Value> {
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
