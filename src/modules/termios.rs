//! `termios`: `tcgetattr`/`tcsetattr`, `tcsendbreak`, `tcdrain`,
//! `tcflush`, `tcflow`, `tcgetwinsize`/`tcsetwinsize`, the constants and
//! `termios.error`, as CPython 3.11's `termios.c` (enough for `tty`, `pty`
//! and `getpass`).

use super::binargs::{add_module_functions, int_arg, new_exc_class, posonly};
use super::posix::fileops::fileno_arg;
use super::posix::util::{last_errno, strerror_text};
use super::termios_consts::TERMIOS_CONSTANTS;
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

crate::interp_local! {
    static ERROR: std::cell::RefCell<Option<PyRef>> = const { std::cell::RefCell::new(None) };
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("termios");
    let base = vm.exc_type(ExcKind::Exception);
    let error = new_exc_class(vm, "termios", "error", base)?;
    ERROR.with(|e| *e.borrow_mut() = Some(error.clone()));
    vm.set_attr_raw(&m, "error", Value::Obj(error));
    add_module_functions(
        vm,
        &m,
        &[
            ("tcgetattr", termios_tcgetattr),
            ("tcsetattr", termios_tcsetattr),
            ("tcsendbreak", termios_tcsendbreak),
            ("tcdrain", termios_tcdrain),
            ("tcflush", termios_tcflush),
            ("tcflow", termios_tcflow),
            ("tcgetwinsize", termios_tcgetwinsize),
            ("tcsetwinsize", termios_tcsetwinsize),
        ],
    );
    for (name, v) in TERMIOS_CONSTANTS {
        vm.set_attr_raw(&m, name, Value::Int(*v));
    }
    Ok(m)
}

/// `termios.error(errno, strerror)` for the current errno.
fn errno_error(vm: &Vm) -> PyErr {
    let errno = last_errno();
    let Some(cls) = ERROR.with(|e| e.borrow().clone()) else {
        return vm.system_error("termios.error missing");
    };
    let msg = vm.new_string(strerror_text(errno));
    PyErr(vm.new_exception(&cls, vec![Value::Int(errno as i64), msg]))
}

/// `PyObject_AsFileDescriptor`.
fn fd_arg(vm: &mut Vm, v: &Value) -> PyResult<i32> {
    let fd = fileno_arg(vm, v)?;
    if fd < 0 {
        return Err(vm.value_error(format!(
            "file descriptor cannot be a negative integer ({fd})"
        )));
    }
    Ok(fd)
}

fn get_mode(vm: &Vm, fd: i32) -> PyResult<libc::termios> {
    // SAFETY: termios is plain data; tcgetattr fills it in.
    let mut mode: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: mode is a live termios struct.
    if unsafe { libc::tcgetattr(fd, &mut mode) } == -1 {
        return Err(errno_error(vm));
    }
    Ok(mode)
}

fn termios_tcgetattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = posonly(vm, &args, "tcgetattr", 1, 1)?;
    let fd = fd_arg(vm, a.first().unwrap_or(&Value::None))?;
    let mode = get_mode(vm, fd)?;
    // SAFETY: mode is a valid termios from tcgetattr.
    let (ispeed, ospeed) = unsafe { (libc::cfgetispeed(&mode), libc::cfgetospeed(&mode)) };
    let mut cc: Vec<Value> = mode.c_cc.iter().map(|&c| vm.new_bytes(vec![c])).collect();
    if mode.c_lflag & libc::ICANON == 0 {
        for i in [libc::VMIN, libc::VTIME] {
            if let (Some(slot), Some(&c)) = (cc.get_mut(i), mode.c_cc.get(i)) {
                *slot = Value::Int(c as i64);
            }
        }
    }
    let cc = vm.new_list(cc);
    Ok(vm.new_list(vec![
        Value::Int(mode.c_iflag as i64),
        Value::Int(mode.c_oflag as i64),
        Value::Int(mode.c_cflag as i64),
        Value::Int(mode.c_lflag as i64),
        Value::Int(ispeed as i64),
        Value::Int(ospeed as i64),
        cc,
    ]))
}

fn list_items(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::List(items) => Some(items.borrow().clone()),
            _ => None,
        },
        _ => None,
    }
}

fn long_arg(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    match vm.index_value(v)? {
        Some(i) => Ok(i),
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(v)
        ))),
    }
}

fn termios_tcsetattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = posonly(vm, &args, "tcsetattr", 3, 3)?;
    let fd = fd_arg(vm, a.first().unwrap_or(&Value::None))?;
    let when = int_arg(vm, a.get(1).unwrap_or(&Value::None))?;
    let term = match list_items(a.get(2).unwrap_or(&Value::None)) {
        Some(t) if t.len() == 7 => t,
        _ => return Err(vm.type_error("tcsetattr, arg 3: must be 7 element list")),
    };
    let mut mode = get_mode(vm, fd)?;
    let mut nums = [0i64; 6];
    for (slot, v) in nums.iter_mut().zip(&term) {
        *slot = long_arg(vm, v)?;
    }
    let [iflag, oflag, cflag, lflag, ispeed, ospeed] = nums;
    mode.c_iflag = iflag as libc::tcflag_t;
    mode.c_oflag = oflag as libc::tcflag_t;
    mode.c_cflag = cflag as libc::tcflag_t;
    mode.c_lflag = lflag as libc::tcflag_t;
    let ncc = mode.c_cc.len();
    let cc = match term.get(6).and_then(list_items) {
        Some(cc) if cc.len() == ncc => cc,
        _ => {
            return Err(vm.type_error(format!(
                "tcsetattr: attributes[6] must be {ncc} element list"
            )))
        }
    };
    for (slot, v) in mode.c_cc.iter_mut().zip(&cc) {
        let b = match v {
            Value::Obj(o) => match &o.payload {
                Payload::Bytes(b) if b.len() == 1 => b.first().copied(),
                _ => None,
            },
            _ => None,
        };
        *slot = match b {
            Some(b) => b,
            None if vm.index_value(v)?.is_some() => long_arg(vm, v)? as libc::cc_t,
            None => {
                return Err(vm.type_error(
                    "tcsetattr: elements of attributes must be characters or integers",
                ))
            }
        };
    }
    // SAFETY: mode is a valid termios; the calls only read/write it.
    unsafe {
        if libc::cfsetispeed(&mut mode, ispeed as libc::speed_t) == -1
            || libc::cfsetospeed(&mut mode, ospeed as libc::speed_t) == -1
            || libc::tcsetattr(fd, when as i32, &mode) == -1
        {
            return Err(errno_error(vm));
        }
    }
    Ok(Value::None)
}

/// A function `(fd, int)` calling `f`.
fn fd_int_call(
    vm: &mut Vm,
    args: &Args,
    name: &str,
    f: unsafe extern "C" fn(i32, i32) -> i32,
) -> PyResult<Value> {
    let a = posonly(vm, args, name, 2, 2)?;
    let fd = fd_arg(vm, a.first().unwrap_or(&Value::None))?;
    let n = int_arg(vm, a.get(1).unwrap_or(&Value::None))?;
    // SAFETY: a plain system call on an fd.
    if unsafe { f(fd, n as i32) } == -1 {
        return Err(errno_error(vm));
    }
    Ok(Value::None)
}

fn termios_tcsendbreak(vm: &mut Vm, args: Args) -> PyResult<Value> {
    fd_int_call(vm, &args, "tcsendbreak", libc::tcsendbreak)
}

fn termios_tcflush(vm: &mut Vm, args: Args) -> PyResult<Value> {
    fd_int_call(vm, &args, "tcflush", libc::tcflush)
}

fn termios_tcflow(vm: &mut Vm, args: Args) -> PyResult<Value> {
    fd_int_call(vm, &args, "tcflow", libc::tcflow)
}

fn termios_tcdrain(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = posonly(vm, &args, "tcdrain", 1, 1)?;
    let fd = fd_arg(vm, a.first().unwrap_or(&Value::None))?;
    // SAFETY: a plain system call on an fd.
    if unsafe { libc::tcdrain(fd) } == -1 {
        return Err(errno_error(vm));
    }
    Ok(Value::None)
}

fn termios_tcgetwinsize(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = posonly(vm, &args, "tcgetwinsize", 1, 1)?;
    let fd = fd_arg(vm, a.first().unwrap_or(&Value::None))?;
    // SAFETY: winsize is plain data filled in by the ioctl.
    let mut w: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes one winsize into w.
    if unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut w) } == -1 {
        return Err(errno_error(vm));
    }
    Ok(vm.new_tuple_of([Value::Int(w.ws_row as i64), Value::Int(w.ws_col as i64)]))
}

fn termios_tcsetwinsize(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = posonly(vm, &args, "tcsetwinsize", 2, 2)?;
    let fd = fd_arg(vm, a.first().unwrap_or(&Value::None))?;
    let size = a.get(1).cloned().unwrap_or(Value::None);
    let items = match vm.seq_items(&size) {
        Some(items) if items.len() == 2 => items,
        _ => {
            return Err(vm.type_error("tcsetwinsize, arg 2: must be a two-item sequence"));
        }
    };
    let rows = long_arg(vm, items.first().unwrap_or(&Value::None))?;
    let cols = long_arg(vm, items.get(1).unwrap_or(&Value::None))?;
    // SAFETY: winsize is plain data filled in by the ioctl.
    let mut w: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes one winsize into w.
    if unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut w) } == -1 {
        return Err(errno_error(vm));
    }
    w.ws_row = rows as u16;
    w.ws_col = cols as u16;
    // SAFETY: TIOCSWINSZ reads one winsize from w.
    if unsafe { libc::ioctl(fd, libc::TIOCSWINSZ, &w) } == -1 {
        return Err(errno_error(vm));
    }
    Ok(Value::None)
}
