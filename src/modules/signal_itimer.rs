//! `signal.setitimer` and `signal.getitimer` (interval timers delivering
//! SIGALRM, SIGVTALRM or SIGPROF), as CPython's `signal` module.

use crate::objects::function::Args;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

fn timeval(secs: f64) -> libc::timeval {
    let secs = secs.max(0.0);
    let whole = secs.trunc();
    let mut tv = libc::timeval {
        tv_sec: whole as libc::time_t,
        tv_usec: ((secs - whole) * 1e6).round() as libc::suseconds_t,
    };
    // CPython rounds a non-zero delay below 1 µs up to 1 µs.
    if tv.tv_sec == 0 && tv.tv_usec == 0 && secs > 0.0 {
        tv.tv_usec = 1;
    }
    tv
}

fn seconds(tv: &libc::timeval) -> f64 {
    tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6
}

fn as_tuple(vm: &Vm, it: &libc::itimerval) -> Value {
    vm.new_tuple_of([
        Value::float(seconds(&it.it_value)),
        Value::float(seconds(&it.it_interval)),
    ])
}

fn which_arg(vm: &mut Vm, v: &Value) -> PyResult<libc::c_int> {
    let n = vm.index_value(v)?.ok_or_else(|| {
        vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(v)
        ))
    })?;
    libc::c_int::try_from(n)
        .map_err(|_| vm.overflow_error("Python int too large to convert to C int"))
}

fn itimer_error(vm: &mut Vm) -> crate::vm::PyErr {
    // CPython raises signal.ItimerError, an OSError subclass.
    vm.last_os_error(None)
}

/// `setitimer(which, seconds, interval=0.0)`: the old (delay, interval).
pub fn signal_setitimer(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("setitimer", args, 2, 3)?;
    let which = which_arg(vm, &a[0])?;
    let secs = vm.to_f64(&a[1])?;
    let interval = match a.get(2) {
        Some(v) => vm.to_f64(v)?,
        None => 0.0,
    };
    let new = libc::itimerval {
        it_interval: timeval(interval),
        it_value: timeval(secs),
    };
    // SAFETY: an all-zero itimerval is valid; setitimer writes `old`.
    let mut old: libc::itimerval = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are to live, properly aligned itimervals.
    if unsafe { libc::setitimer(which as _, &new, &mut old) } != 0 {
        return Err(itimer_error(vm));
    }
    Ok(as_tuple(vm, &old))
}

/// `getitimer(which)`: the current (delay, interval).
pub fn signal_getitimer(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("getitimer", args, 1, 1)?;
    let which = which_arg(vm, &a[0])?;
    // SAFETY: an all-zero itimerval is valid; getitimer writes it.
    let mut cur: libc::itimerval = unsafe { std::mem::zeroed() };
    // SAFETY: the pointer is to a live, properly aligned itimerval.
    if unsafe { libc::getitimer(which as _, &mut cur) } != 0 {
        return Err(itimer_error(vm));
    }
    Ok(as_tuple(vm, &cur))
}
