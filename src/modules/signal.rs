//! `_signal`: Python-level signal handlers. `signal(signum, handler)`
//! records the handler in a per-thread table and routes the signal to the
//! VM's flag (src/vm/signals.rs); the eval loop calls [`dispatch`] between
//! instructions, and `raise_signal` runs the handler at once, as CPython's
//! `PyErr_CheckSignals` does.

use std::cell::RefCell;
use std::ffi::CStr;

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::vm::signals::{self, NSIG};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

const SIG_DFL: i64 = 0;
const SIG_IGN: i64 = 1;

crate::interp_local! {
    /// The Python handler of each signal (`SIG_DFL`/`SIG_IGN` ints, None
    /// for a handler not installed from Python, or a callable); empty until
    /// the module is first made.
    static HANDLERS: RefCell<Vec<Value>> = const { RefCell::new(Vec::new()) };
    static DEFAULT_INT_HANDLER: RefCell<Option<Value>> = const { RefCell::new(None) };
}

const CONSTANTS: &[(&str, i64)] = &[
    ("NSIG", NSIG as i64),
    ("SIG_BLOCK", 0),
    ("SIG_UNBLOCK", 1),
    ("SIG_SETMASK", 2),
    ("SIGHUP", 1),
    ("SIGINT", 2),
    ("SIGQUIT", 3),
    ("SIGILL", 4),
    ("SIGTRAP", 5),
    ("SIGIOT", 6),
    ("SIGABRT", 6),
    ("SIGFPE", 8),
    ("SIGKILL", 9),
    ("SIGBUS", 7),
    ("SIGSEGV", 11),
    ("SIGSYS", 31),
    ("SIGPIPE", 13),
    ("SIGALRM", 14),
    ("SIGTERM", 15),
    ("SIGUSR1", 10),
    ("SIGUSR2", 12),
    ("SIGCLD", 17),
    ("SIGCHLD", 17),
    ("SIGPWR", 30),
    ("SIGIO", 29),
    ("SIGURG", 23),
    ("SIGWINCH", 28),
    ("SIGPOLL", 29),
    ("SIGSTOP", 19),
    ("SIGTSTP", 20),
    ("SIGCONT", 18),
    ("SIGTTIN", 21),
    ("SIGTTOU", 22),
    ("SIGVTALRM", 26),
    ("SIGPROF", 27),
    ("SIGXCPU", 24),
    ("SIGXFSZ", 25),
    ("SIGRTMIN", 34),
    ("SIGRTMAX", 64),
    ("SIGSTKFLT", 16),
    ("ITIMER_REAL", 0),
    ("ITIMER_VIRTUAL", 1),
    ("ITIMER_PROF", 2),
    ("SIG_DFL", SIG_DFL),
    ("SIG_IGN", SIG_IGN),
];

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_signal");
    vm.add_functions(
        &m,
        &[
            ("default_int_handler", signal_default_int_handler),
            ("alarm", signal_alarm),
            ("setitimer", super::signal_itimer::signal_setitimer),
            ("getitimer", super::signal_itimer::signal_getitimer),
            ("signal", signal_signal),
            ("raise_signal", signal_raise_signal),
            ("strsignal", signal_strsignal),
            ("getsignal", signal_getsignal),
            ("set_wakeup_fd", signal_set_wakeup_fd),
            ("siginterrupt", signal_siginterrupt),
            ("pause", signal_pause),
            ("pthread_kill", signal_pthread_kill),
            ("pthread_sigmask", signal_pthread_sigmask),
            ("sigpending", signal_sigpending),
            ("valid_signals", signal_valid_signals),
        ],
    );
    for (name, v) in CONSTANTS {
        vm.set_attr_raw(&m, name, Value::Int(*v));
    }
    let base = vm.exc_type(ExcKind::OSError);
    let ns = vm.new_dict();
    let modname = vm.new_str("signal");
    let key = vm.new_str("__module__");
    vm.dict_set(&ns, key, modname)?;
    let meta = vm.types.type_.clone();
    let itimer = vm.make_class(&meta, "ItimerError", vec![base], &ns, Vec::new())?;
    vm.set_attr_raw(&m, "ItimerError", itimer);
    let dih = vm.get_attr_raw(&m, "default_int_handler");
    DEFAULT_INT_HANDLER.with(|d| *d.borrow_mut() = dih.clone());
    if HANDLERS.with(|h| h.borrow().is_empty()) {
        let mut table = vec![Value::None; NSIG];
        for (signum, slot) in table.iter_mut().enumerate().skip(1) {
            *slot = current_disposition(signum as i32);
        }
        if let Some(d) = dih {
            if let Some(s) = table.get_mut(libc::SIGINT as usize) {
                *s = d;
            }
        }
        HANDLERS.with(|h| *h.borrow_mut() = table);
    }
    Ok(m)
}

/// SIG_DFL / SIG_IGN, or None for a handler set outside Python.
fn current_disposition(signum: i32) -> Value {
    // SAFETY: sigaction with a null new action only reads the current one.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(signum, std::ptr::null(), &mut old) != 0 {
            return Value::None;
        }
        match old.sa_sigaction {
            libc::SIG_DFL => Value::Int(SIG_DFL),
            libc::SIG_IGN => Value::Int(SIG_IGN),
            _ => Value::None,
        }
    }
}

/// Run the Python handler of `signum` (called by the eval loop).
pub fn dispatch(vm: &mut Vm, signum: usize) -> PyResult<()> {
    let handler = HANDLERS.with(|h| h.borrow().get(signum).cloned());
    let handler = match handler {
        Some(h) => h,
        // `_signal` never imported: SIGINT is KeyboardInterrupt.
        None if signum == libc::SIGINT as usize => {
            return Err(vm.new_error_noargs(ExcKind::KeyboardInterrupt))
        }
        None => return Ok(()),
    };
    if matches!(handler, Value::Int(_) | Value::None) {
        return Ok(());
    }
    let frame = crate::objects::frame::sys_getframe(vm, Args::new(&[])).unwrap_or(Value::None);
    vm.call(&handler, &[Value::Int(signum as i64), frame])?;
    Ok(())
}

/// `PyErr_CheckSignals`: run the handlers of signals that arrived.
pub fn check_signals(vm: &mut Vm) -> PyResult<()> {
    if signals::take_pending() {
        vm.run_signal_handlers()?;
    }
    Ok(())
}

/// As if `signum` arrived now (`_thread.interrupt_main`).
pub fn simulate_signal(vm: &mut Vm, signum: i64) -> PyResult<()> {
    let n = signum_arg(vm, signum)?;
    signals::trip(n);
    Ok(())
}

fn signum_arg(vm: &Vm, signum: i64) -> PyResult<usize> {
    match usize::try_from(signum) {
        Ok(n) if (1..NSIG).contains(&n) => Ok(n),
        _ => Err(vm.value_error("signal number out of range")),
    }
}

fn int_arg(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    match vm.index_value(v)? {
        Some(i) => Ok(i),
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(v)
        ))),
    }
}

fn errno_error(vm: &mut Vm) -> crate::vm::PyErr {
    vm.last_os_error(None)
}

fn signal_default_int_handler(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(vm.new_error_noargs(ExcKind::KeyboardInterrupt))
}

/// `signal(signalnum, handler)`: install and return the previous handler.
fn signal_signal(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("signal", args, 2, 2)?;
    let signum = int_arg(vm, &a[0])?;
    let handler = a[1].clone();
    let n = signum_arg(vm, signum)?;
    let kind = match &handler {
        Value::Int(SIG_DFL) => libc::SIG_DFL,
        Value::Int(SIG_IGN) => libc::SIG_IGN,
        h if vm.callable(h) => 2,
        _ => {
            return Err(vm.type_error(
                "signal handler must be signal.SIG_IGN, signal.SIG_DFL, or a callable object",
            ))
        }
    };
    let ok = if kind == 2 {
        signals::catch(n as i32)
    } else {
        // SAFETY: setting the default or ignore disposition.
        unsafe { libc::signal(n as i32, kind) != libc::SIG_ERR }
    };
    if !ok {
        return Err(errno_error(vm));
    }
    let old = HANDLERS.with(|h| {
        let mut h = h.borrow_mut();
        match h.get_mut(n) {
            Some(slot) => std::mem::replace(slot, handler),
            None => Value::None,
        }
    });
    Ok(old)
}

fn signal_getsignal(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("getsignal", args, 1, 1)?;
    let signum = int_arg(vm, &a[0])?;
    let n = signum_arg(vm, signum)?;
    Ok(HANDLERS.with(|h| h.borrow().get(n).cloned().unwrap_or(Value::None)))
}

/// `raise_signal(signalnum)`: send it to this process and run its handler.
fn signal_raise_signal(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("raise_signal", args, 1, 1)?;
    let signum = int_arg(vm, &a[0])?;
    let n = signum_arg(vm, signum)?;
    // SAFETY: raising a signal in this process.
    if unsafe { libc::raise(n as i32) } != 0 {
        return Err(errno_error(vm));
    }
    check_signals(vm)?;
    Ok(Value::None)
}

fn signal_strsignal(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("strsignal", args, 1, 1)?;
    let signum = int_arg(vm, &a[0])?;
    let n = signum_arg(vm, signum)?;
    // SAFETY: strsignal returns a pointer to a static or thread-local
    // string, copied out at once.
    let p = unsafe { libc::strsignal(n as i32) };
    if p.is_null() {
        return Ok(Value::None);
    }
    // SAFETY: non-null and NUL-terminated (checked above, libc contract).
    let s = unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
    if s.starts_with("Unknown signal") {
        return Ok(Value::None);
    }
    Ok(vm.new_string(s))
}

fn signal_alarm(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("alarm", args, 1, 1)?;
    let secs = int_arg(vm, &a[0])?;
    let secs = u32::try_from(secs)
        .map_err(|_| vm.overflow_error("Python int too large to convert to C unsigned int"))?;
    // SAFETY: alarm has no preconditions.
    Ok(Value::Int(unsafe { libc::alarm(secs) } as i64))
}

/// `set_wakeup_fd(fd, *, warn_on_full_buffer=True)`: the C handler writes
/// each arriving signal's number to `fd` (non-blocking); returns the
/// previous fd.
fn signal_set_wakeup_fd(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = args.pos();
    if pos.len() != 1 {
        return Err(vm.type_error(format!(
            "set_wakeup_fd() takes exactly 1 positional argument ({} given)",
            pos.len()
        )));
    }
    for (k, _) in args.kwargs() {
        let key = vm
            .as_str_obj(&Value::Obj(k.clone()))
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        if key != "warn_on_full_buffer" {
            return Err(vm.type_error(format!(
                "'{key}' is an invalid keyword argument for set_wakeup_fd()"
            )));
        }
    }
    let fd = int_arg(vm, &pos[0])?;
    let fd = i32::try_from(fd)
        .map_err(|_| vm.overflow_error("Python int too large to convert to C int"))?;
    if fd != -1 {
        // SAFETY: fcntl F_GETFL only reads the descriptor's flags.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        if flags < 0 {
            return Err(errno_error(vm));
        }
        if flags & libc::O_NONBLOCK == 0 {
            return Err(vm.value_error(format!("the fd {fd} must be in non-blocking mode")));
        }
    }
    Ok(Value::Int(i64::from(signals::set_wakeup_fd(fd))))
}

fn signal_siginterrupt(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("siginterrupt", args, 2, 2)?;
    let signum = int_arg(vm, &a[0])?;
    signum_arg(vm, signum)?;
    int_arg(vm, &a[1])?;
    Ok(Value::None)
}

fn signal_pause(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("pause", args, 0, 0)?;
    // SAFETY: pause blocks until a signal handler ran.
    unsafe { libc::pause() };
    check_signals(vm)?;
    Ok(Value::None)
}

fn signal_pthread_kill(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("pthread_kill", args, 2, 2)?;
    let tid = int_arg(vm, &a[0])?;
    let signum = int_arg(vm, &a[1])?;
    // SAFETY: pthread_kill on a thread id the caller got from get_ident;
    // a wrong id gives an error code.
    let r = unsafe { libc::pthread_kill(tid as libc::pthread_t, signum as i32) };
    if r != 0 {
        return Err(vm.os_error(r, None, None));
    }
    check_signals(vm)?;
    Ok(Value::None)
}

/// A set of the signals in `set`.
fn sigset_to_set(vm: &mut Vm, set: &libc::sigset_t) -> PyResult<Value> {
    let mut items = Vec::new();
    for n in 1..NSIG as i32 {
        // SAFETY: `set` is an initialised sigset.
        if unsafe { libc::sigismember(set, n) } == 1 {
            items.push(Value::Int(n as i64));
        }
    }
    let l = vm.new_list(items);
    let set_t = Value::Obj(vm.types.set.clone());
    vm.call(&set_t, &[l])
}

fn signal_pthread_sigmask(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("pthread_sigmask", args, 2, 2)?;
    let how = int_arg(vm, &a[0])?;
    let nums = vm.collect_iter(&a[1])?;
    // SAFETY: sigset_t is plain data (all-zero is a valid value), and
    // sigemptyset initialises the set before use.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a live, writable sigset_t.
    unsafe { libc::sigemptyset(&mut set) };
    for v in &nums {
        let n = int_arg(vm, v)?;
        let n = match usize::try_from(n) {
            Ok(n) if (1..NSIG).contains(&n) => n,
            _ => {
                return Err(
                    vm.value_error(format!("signal number {n} out of range [1; {}]", NSIG - 1))
                )
            }
        };
        // SAFETY: adding a valid signal number to an initialised set.
        unsafe { libc::sigaddset(&mut set, n as i32) };
    }
    // SAFETY: sigset_t is plain data; all-zero is a valid value.
    let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: both sets are initialised; a bad `how` gives EINVAL.
    let r = unsafe { libc::pthread_sigmask(how as i32, &set, &mut old) };
    if r != 0 {
        return Err(vm.os_error(r, None, None));
    }
    check_signals(vm)?;
    sigset_to_set(vm, &old)
}

fn signal_sigpending(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("sigpending", args, 0, 0)?;
    // SAFETY: sigset_t is plain data; all-zero is a valid value.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: sigpending fills the set.
    if unsafe { libc::sigpending(&mut set) } != 0 {
        return Err(errno_error(vm));
    }
    sigset_to_set(vm, &set)
}

fn signal_valid_signals(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("valid_signals", args, 0, 0)?;
    // SAFETY: sigset_t is plain data; all-zero is a valid value.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: sigfillset initialises the set.
    unsafe { libc::sigfillset(&mut set) };
    sigset_to_set(vm, &set)
}
