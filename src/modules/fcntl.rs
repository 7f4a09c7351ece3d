//! The `fcntl` module: `fcntl`, `ioctl` (integer and buffer forms),
//! `flock`, `lockf` and the platform's constants.

use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::os_consts;
use super::posix::fileops::fileno_arg;
use super::posix::util::{bytes_like, c_int_arg, int_arg, retry};

/// `fcntl.fcntl(fd, cmd, arg=0)`: an int arg returns an int; a bytes
/// arg (at most 1024 bytes) is passed as a buffer and returned changed.
fn fcntl_fcntl(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("fcntl", args, 2, 3)?;
    let fd = fileno_arg(vm, &a[0])?;
    let cmd = c_int_arg(vm, &a[1])?;
    if let Some(arg) = a.get(2) {
        if let Some(mut buf) = bytes_like(vm, arg) {
            if buf.len() > 1024 {
                return Err(vm.value_error("fcntl argument 3 is too long"));
            }
            // SAFETY: `buf` is a writable buffer the call may fill in place.
            let r = retry(|| unsafe { libc::fcntl(fd, cmd, buf.as_mut_ptr()) });
            r.map_err(|e| vm.os_error(e, None, None))?;
            return Ok(vm.new_bytes(buf));
        }
    }
    let arg = match a.get(2) {
        Some(v) => int_arg(vm, v)? as libc::c_long,
        None => 0,
    };
    // SAFETY: an integer-argument fcntl on an integer descriptor.
    let r = retry(|| unsafe { libc::fcntl(fd, cmd, arg) });
    let r = r.map_err(|e| vm.os_error(e, None, None))?;
    Ok(Value::Int(i64::from(r)))
}

/// `fcntl.ioctl(fd, request, arg=0, mutate_flag=True)` (int and
/// read-only buffer forms).
fn fcntl_ioctl(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("ioctl", args, 2, 4)?;
    let fd = fileno_arg(vm, &a[0])?;
    let req = int_arg(vm, &a[1])? as libc::c_ulong;
    if let Some(arg) = a.get(2) {
        if let Some(mut buf) = bytes_like(vm, arg) {
            buf.resize(buf.len().max(1024), 0);
            let n = bytes_like(vm, arg).map_or(0, |b| b.len());
            // SAFETY: `buf` has at least 1024 writable bytes for the ioctl.
            let r = unsafe { libc::ioctl(fd, req as _, buf.as_mut_ptr()) };
            if r < 0 {
                return Err(vm.last_os_error(None));
            }
            buf.truncate(n);
            return Ok(vm.new_bytes(buf));
        }
    }
    let arg = match a.get(2) {
        Some(v) => int_arg(vm, v)? as libc::c_long,
        None => 0,
    };
    // SAFETY: an integer-argument ioctl on an integer descriptor.
    let r = unsafe { libc::ioctl(fd, req as _, arg) };
    if r < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::Int(i64::from(r)))
}

/// `fcntl.flock(fd, operation)`.
fn fcntl_flock(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("flock", args, 2, 2)?;
    let fd = fileno_arg(vm, &a[0])?;
    let op = c_int_arg(vm, &a[1])?;
    // SAFETY: plain syscall on integers.
    let r = retry(|| unsafe { libc::flock(fd, op) });
    r.map_err(|e| vm.os_error(e, None, None))?;
    Ok(Value::None)
}

/// `fcntl.lockf(fd, cmd, len=0, start=0, whence=0)`.
fn fcntl_lockf(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("lockf", args, 2, 5)?;
    let fd = fileno_arg(vm, &a[0])?;
    let cmd = c_int_arg(vm, &a[1])?;
    let len = match a.get(2) {
        Some(v) => int_arg(vm, v)?,
        None => 0,
    };
    let start = match a.get(3) {
        Some(v) => int_arg(vm, v)?,
        None => 0,
    };
    let whence = match a.get(4) {
        Some(v) => c_int_arg(vm, v)?,
        None => 0,
    };
    let ty = if cmd == libc::LOCK_UN {
        libc::F_UNLCK
    } else if cmd & libc::LOCK_SH != 0 {
        libc::F_RDLCK
    } else if cmd & libc::LOCK_EX != 0 {
        libc::F_WRLCK
    } else {
        return Err(vm.value_error("unrecognized lockf argument"));
    };
    let lk = libc::flock {
        l_type: ty as i16,
        l_whence: whence as i16,
        l_start: start,
        l_len: len,
        l_pid: 0,
    };
    let op = if cmd & libc::LOCK_NB != 0 {
        libc::F_SETLK
    } else {
        libc::F_SETLKW
    };
    // SAFETY: `lk` is a valid flock struct alive across the call.
    let r = retry(|| unsafe { libc::fcntl(fd, op, &lk) });
    r.map_err(|e| vm.os_error(e, None, None))?;
    Ok(Value::None)
}

/// Build the `fcntl` module.
pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("fcntl");
    for (name, v) in os_consts::FCNTL {
        vm.set_attr_raw(&m, name, Value::Int(*v));
    }
    vm.add_functions(
        &m,
        &[
            ("fcntl", fcntl_fcntl),
            ("flock", fcntl_flock),
            ("ioctl", fcntl_ioctl),
            ("lockf", fcntl_lockf),
        ],
    );
    Ok(m)
}
