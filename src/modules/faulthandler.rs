//! `faulthandler` (CPython 3.11's Modules/faulthandler.c), the parts a
//! program sees: `enable`/`disable`/`is_enabled`, `dump_traceback` of the
//! running thread straight to a file descriptor, and argument checking of
//! `dump_traceback_later`, `register` and `unregister`. pycvm installs no
//! fatal-signal handlers and runs no watchdog thread: a later dump is
//! accepted and never fires.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;

use super::binargs::named_args;
use crate::objects::function::Args;
use crate::vm::proto::str_of;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// CPython's `MAX_FRAME_DEPTH`.
const MAX_FRAME_DEPTH: usize = 100;

crate::interp_local! {
    static ENABLED: Cell<bool> = const { Cell::new(false) };
    static REGISTERED: RefCell<HashSet<i64>> = RefCell::new(HashSet::new());
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("faulthandler");
    let doc = vm.new_str("faulthandler module.");
    vm.set_attr_raw(&m, "__doc__", doc);
    vm.add_functions(
        &m,
        &[
            ("enable", fh_enable),
            ("disable", fh_disable),
            ("is_enabled", fh_is_enabled),
            ("dump_traceback", fh_dump_traceback),
            ("dump_traceback_later", fh_dump_traceback_later),
            ("cancel_dump_traceback_later", fh_cancel),
            ("register", fh_register),
            ("unregister", fh_unregister),
        ],
    );
    Ok(m)
}

/// `faulthandler_get_fileno`: the descriptor of `file` (sys.stderr when
/// None), after flushing a file object.
fn get_fileno(vm: &mut Vm, file: Option<Value>) -> PyResult<i32> {
    let file = match file {
        None | Some(Value::None) => {
            let f = vm.sys_stream("stderr");
            if f.is_none() {
                return Err(vm.runtime_error("sys.stderr is None"));
            }
            f
        }
        Some(Value::Int(i)) => {
            return match i32::try_from(i) {
                Ok(fd) if fd >= 0 => Ok(fd),
                _ => Err(vm.value_error("file is not a valid file descripter")),
            }
        }
        Some(f) => f,
    };
    let r = vm.call_method(&file, "fileno", &[])?;
    let fd = match r {
        Value::Int(i) => i32::try_from(i).unwrap_or(-1),
        _ => return Err(vm.type_error("an integer is required")),
    };
    if fd < 0 {
        return Err(vm.value_error("file is not a valid file descripter"));
    }
    // A flush() error is ignored.
    let _ = vm.call_method(&file, "flush", &[]);
    Ok(fd)
}

fn truthy_or(vm: &mut Vm, v: Option<Value>, default: bool) -> PyResult<bool> {
    match v {
        Some(v) => vm.truthy(&v),
        None => Ok(default),
    }
}

/// `_Py_DumpASCII`: non-ASCII characters escaped.
fn ascii(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let n = c as u32;
        if n < 0x80 {
            out.push(c);
        } else if n <= 0xff {
            out.push_str(&format!("\\x{n:02x}"));
        } else if n <= 0xffff {
            out.push_str(&format!("\\u{n:04x}"));
        } else {
            out.push_str(&format!("\\U{n:08x}"));
        }
    }
    out
}

/// The running thread's frames, most recent first (`dump_traceback`).
fn traceback_text(vm: &Vm, header: &str) -> String {
    let mut out = String::from(header);
    let frames = vm
        .frames
        .iter()
        .rev()
        .filter(|f| !crate::objects::c_accel::native_in_cpython(&f.code));
    for (depth, f) in frames.enumerate() {
        if depth >= MAX_FRAME_DEPTH {
            out.push_str("  ...\n");
            break;
        }
        let file = ascii(str_of(&f.code.filename()));
        let line = f
            .code
            .line_of(f.lasti)
            .filter(|l| *l >= 0)
            .map_or_else(|| "???".to_string(), |l| l.to_string());
        out.push_str(&format!(
            "  File \"{file}\", line {line} in {}\n",
            ascii(f.code.name_str())
        ));
    }
    out
}

fn write_fd(fd: i32, text: &str) {
    let mut data = text.as_bytes();
    while !data.is_empty() {
        // SAFETY: data points to data.len() readable bytes.
        let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
        if n <= 0 {
            return;
        }
        data = data.get(n as usize..).unwrap_or(&[]);
    }
}

fn dump(vm: &mut Vm, fd: i32, all_threads: bool) {
    let header = if all_threads {
        format!(
            "Current thread 0x{:016x} (most recent call first):\n",
            crate::modules::thread::thread_ident() as u64
        )
    } else {
        "Stack (most recent call first):\n".to_string()
    };
    let text = traceback_text(vm, &header);
    write_fd(fd, &text);
}

fn fh_enable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = named_args(vm, &args, 0, "enable", &["file", "all_threads"])?;
    get_fileno(vm, a.first().cloned().flatten())?;
    truthy_or(vm, a.get(1).cloned().flatten(), true)?;
    let _ = ENABLED.try_with(|e| e.set(true));
    Ok(Value::None)
}

fn fh_disable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("disable", args, 0, 0)?;
    let was = ENABLED.try_with(|e| e.replace(false)).unwrap_or(false);
    Ok(Value::bool(was))
}

fn fh_is_enabled(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("is_enabled", args, 0, 0)?;
    Ok(Value::bool(ENABLED.try_with(Cell::get).unwrap_or(false)))
}

fn fh_dump_traceback(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = named_args(vm, &args, 0, "dump_traceback", &["file", "all_threads"])?;
    let fd = get_fileno(vm, a.first().cloned().flatten())?;
    let all = truthy_or(vm, a.get(1).cloned().flatten(), true)?;
    dump(vm, fd, all);
    Ok(Value::None)
}

fn fh_dump_traceback_later(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = named_args(
        vm,
        &args,
        0,
        "dump_traceback_later",
        &["timeout", "repeat", "file", "exit"],
    )?;
    let Some(t) = a.first().cloned().flatten() else {
        return Err(
            vm.type_error("dump_traceback_later() missing required argument 'timeout' (pos 1)")
        );
    };
    let t = vm.to_f64(&t)?;
    if t <= 0.0 {
        return Err(vm.value_error("timeout must be greater than 0"));
    }
    if t * 1e6 >= i64::MAX as f64 {
        return Err(vm.overflow_error("timeout value is too large"));
    }
    get_fileno(vm, a.get(2).cloned().flatten())?;
    Ok(Value::None)
}

fn fh_cancel(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("cancel_dump_traceback_later", args, 0, 0)?;
    Ok(Value::None)
}

fn signum_of(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    let Some(n) = vm.index_value(v)? else {
        return Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(v)
        )));
    };
    if !(1..65).contains(&n) {
        return Err(vm.value_error("signal number out of range"));
    }
    Ok(n)
}

fn fh_register(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = named_args(
        vm,
        &args,
        0,
        "register",
        &["signum", "file", "all_threads", "chain"],
    )?;
    let Some(s) = a.first().cloned().flatten() else {
        return Err(vm.type_error("register() missing required argument 'signum' (pos 1)"));
    };
    let n = signum_of(vm, &s)?;
    if matches!(n, 4 | 7 | 8 | 9 | 11 | 19) {
        return Err(vm.runtime_error(format!(
            "signal {n} cannot be registered, use enable() instead"
        )));
    }
    get_fileno(vm, a.get(1).cloned().flatten())?;
    let _ = REGISTERED.try_with(|r| r.borrow_mut().insert(n));
    Ok(Value::None)
}

fn fh_unregister(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("unregister", args, 1, 1)?;
    let n = signum_of(vm, &a[0])?;
    let was = REGISTERED
        .try_with(|r| r.borrow_mut().remove(&n))
        .unwrap_or(false);
    Ok(Value::bool(was))
}
