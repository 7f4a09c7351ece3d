//! The `time` module (Modules/timemodule.c): the clocks (`time`,
//! `monotonic`, `perf_counter`, `process_time`, `thread_time` and their
//! `_ns` forms, `get_clock_info`), `sleep` (interrupted by signals), the
//! timezone constants, and `strptime` through the stdlib's `_strptime`.
//! `struct_time` and the calendar functions are in `calendar.rs`.

mod calendar;

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// Positional arguments counted as `PyArg_ParseTuple` words its errors
/// ("f() takes at most 1 argument (2 given)").
pub fn parse_tuple_args<'a>(
    vm: &Vm,
    name: &str,
    args: Args<'a>,
    min: usize,
    max: usize,
) -> PyResult<&'a [Value]> {
    if args.has_kwargs() {
        return Err(vm.type_error(format!("{name}() takes no keyword arguments")));
    }
    let a = args.pos();
    let n = a.len();
    let (how, count) = if n > max {
        (if min == max { "exactly" } else { "at most" }, max)
    } else if n < min {
        (if min == max { "exactly" } else { "at least" }, min)
    } else {
        return Ok(a);
    };
    Err(vm.type_error(format!(
        "{name}() takes {how} {count} argument{} ({n} given)",
        if count == 1 { "" } else { "s" }
    )))
}

/// `clock_gettime(clock)` in nanoseconds.
fn clock_ns(clock: libc::clockid_t) -> i128 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec to a live local.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    if rc != 0 {
        return 0;
    }
    i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec)
}

/// `clock_getres(clock)` in seconds.
fn clock_res(clock: libc::clockid_t) -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_getres writes one timespec to a live local.
    let rc = unsafe { libc::clock_getres(clock, &mut ts) };
    if rc != 0 {
        return 1e-9;
    }
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn ns_value(vm: &Vm, ns: i128) -> Value {
    match i64::try_from(ns) {
        Ok(v) => Value::Int(v),
        Err(_) => vm.new_bigint(num_bigint::BigInt::from(ns)),
    }
}

/// Seconds as CPython's `_PyTime_AsSecondsDouble` computes them.
fn ns_to_secs(ns: i128) -> f64 {
    if ns % 1_000_000_000 == 0 {
        (ns / 1_000_000_000) as f64
    } else {
        ns as f64 / 1e9
    }
}

macro_rules! clock_fns {
    ($secs:ident, $ns:ident, $name:literal, $clock:expr) => {
        fn $secs(vm: &mut Vm, args: Args) -> PyResult<Value> {
            vm.fn_args(concat!("time.", $name), args, 0, 0)?;
            Ok(Value::float(ns_to_secs(clock_ns($clock))))
        }
        fn $ns(vm: &mut Vm, args: Args) -> PyResult<Value> {
            vm.fn_args(concat!("time.", $name, "_ns"), args, 0, 0)?;
            Ok(ns_value(vm, clock_ns($clock)))
        }
    };
}

clock_fns!(time_time, time_time_ns, "time", libc::CLOCK_REALTIME);
clock_fns!(
    time_monotonic,
    time_monotonic_ns,
    "monotonic",
    libc::CLOCK_MONOTONIC
);
clock_fns!(
    time_perf_counter,
    time_perf_counter_ns,
    "perf_counter",
    libc::CLOCK_MONOTONIC
);
clock_fns!(
    time_process_time,
    time_process_time_ns,
    "process_time",
    libc::CLOCK_PROCESS_CPUTIME_ID
);
clock_fns!(
    time_thread_time,
    time_thread_time_ns,
    "thread_time",
    libc::CLOCK_THREAD_CPUTIME_ID
);

/// The clock id argument of `clock_gettime` and friends.
fn clock_id(vm: &mut Vm, v: &Value) -> PyResult<libc::clockid_t> {
    let i = vm.index_int(v)?;
    i.to_i64()
        .and_then(|i| libc::clockid_t::try_from(i).ok())
        .ok_or_else(|| {
            vm.new_error(
                ExcKind::OverflowError,
                "Python int too large to convert to C int",
            )
        })
}

fn time_clock_gettime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("time.clock_gettime", args, 1, 1)?;
    let c = clock_id(vm, &a[0])?;
    Ok(Value::float(ns_to_secs(clock_ns(c))))
}

fn time_clock_gettime_ns(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("time.clock_gettime_ns", args, 1, 1)?;
    let c = clock_id(vm, &a[0])?;
    Ok(ns_value(vm, clock_ns(c)))
}

fn time_clock_getres(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("time.clock_getres", args, 1, 1)?;
    let c = clock_id(vm, &a[0])?;
    Ok(Value::float(clock_res(c)))
}

fn time_get_clock_info(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_tuple_args(vm, "get_clock_info", args, 1, 1)?;
    let Some(name) = vm.as_str_obj(&a[0]).map(|s| s.as_str().to_string()) else {
        return Err(vm.type_error(format!(
            "get_clock_info() argument must be str, not {}",
            vm.arg_type_name(&a[0])
        )));
    };
    let (imp, clock, monotonic, adjustable) = match name.as_str() {
        "time" => (
            "clock_gettime(CLOCK_REALTIME)",
            libc::CLOCK_REALTIME,
            false,
            true,
        ),
        "monotonic" | "perf_counter" => (
            "clock_gettime(CLOCK_MONOTONIC)",
            libc::CLOCK_MONOTONIC,
            true,
            false,
        ),
        "process_time" => (
            "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)",
            libc::CLOCK_PROCESS_CPUTIME_ID,
            true,
            false,
        ),
        "thread_time" => (
            "clock_gettime(CLOCK_THREAD_CPUTIME_ID)",
            libc::CLOCK_THREAD_CPUTIME_ID,
            true,
            false,
        ),
        _ => return Err(vm.value_error("unknown clock")),
    };
    let sys = Value::Obj(vm.sys.clone());
    let impl_ns = vm.getattr_str(&sys, "implementation")?;
    let ty = vm.type_of(&impl_ns);
    let imp = vm.new_str(imp);
    Ok(vm.new_namespace(
        &ty,
        vec![
            ("implementation", imp),
            ("monotonic", Value::bool(monotonic)),
            ("adjustable", Value::bool(adjustable)),
            ("resolution", Value::float(clock_res(clock))),
        ],
    ))
}

/// `time.sleep(secs)`: in slices, so a signal's handler runs promptly
/// (an exception from it, such as KeyboardInterrupt, ends the sleep).
fn time_sleep(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("time.sleep", args, 1, 1)?;
    let secs = match &a[0] {
        Value::Float(f) => {
            if f.is_nan() {
                return Err(vm.value_error("Invalid value NaN (not a number)"));
            }
            f.get()
        }
        v => {
            let i = vm.index_int(v)?;
            i.to_f64().map_err(|_| {
                vm.new_error(
                    ExcKind::OverflowError,
                    "timestamp too large to convert to C _PyTime_t",
                )
            })?
        }
    };
    if secs < 0.0 {
        return Err(vm.value_error("sleep length must be non-negative"));
    }
    if secs * 1e9 > i64::MAX as f64 {
        return Err(vm.new_error(
            ExcKind::OverflowError,
            "timestamp too large to convert to C _PyTime_t",
        ));
    }
    if secs == 0.0 {
        // `sleep(0)` still lets other threads run.
        vm.allow_threads(std::thread::yield_now);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs_f64(secs);
    loop {
        let now = std::time::Instant::now();
        if now >= deadline {
            break;
        }
        let step = (deadline - now).min(std::time::Duration::from_millis(20));
        vm.allow_threads(|| std::thread::sleep(step));
        if crate::vm::signals::take_pending() {
            vm.run_signal_handlers()?;
        }
    }
    Ok(Value::None)
}

fn time_strptime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = vm.import_by_name("_strptime")?;
    let f = vm.getattr_str(&m, "_strptime_time")?;
    vm.call_args(&f, args)
}

/// CPython's `time.__doc__`.
const TIME_DOC: &str = "This module provides various functions to manipulate time values.\n\nThere are two standard representations of time.  One is the number\nof seconds since the Epoch, in UTC (a.k.a. GMT).  It may be an integer\nor a floating point number (to represent fractions of seconds).\nThe Epoch is system-defined; on Unix, it is generally January 1st, 1970.\nThe actual value can be retrieved by calling gmtime(0).\n\nThe other representation is a tuple of 9 integers giving local time.\nThe tuple items are:\n  year (including century, e.g. 1998)\n  month (1-12)\n  day (1-31)\n  hours (0-23)\n  minutes (0-59)\n  seconds (0-59)\n  weekday (0-6, Monday is 0)\n  Julian day (day in the year, 1-366)\n  DST (Daylight Savings Time) flag (-1, 0 or 1)\nIf the DST flag is 0, the time is given in the regular time zone;\nif it is 1, the time is given in the DST time zone;\nif it is -1, mktime() should guess based on the date and time.\n";

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("time");
    let doc = vm.new_str(TIME_DOC);
    vm.set_attr_raw(&m, "__doc__", doc);
    vm.add_functions(
        &m,
        &[
            ("time", time_time),
            ("time_ns", time_time_ns),
            ("monotonic", time_monotonic),
            ("monotonic_ns", time_monotonic_ns),
            ("perf_counter", time_perf_counter),
            ("perf_counter_ns", time_perf_counter_ns),
            ("process_time", time_process_time),
            ("process_time_ns", time_process_time_ns),
            ("thread_time", time_thread_time),
            ("thread_time_ns", time_thread_time_ns),
            ("clock_gettime", time_clock_gettime),
            ("clock_gettime_ns", time_clock_gettime_ns),
            ("clock_getres", time_clock_getres),
            ("get_clock_info", time_get_clock_info),
            ("sleep", time_sleep),
            ("strptime", time_strptime),
        ],
    );
    for (name, v) in [
        ("CLOCK_REALTIME", libc::CLOCK_REALTIME),
        ("CLOCK_MONOTONIC", libc::CLOCK_MONOTONIC),
        ("CLOCK_MONOTONIC_RAW", libc::CLOCK_MONOTONIC_RAW),
        ("CLOCK_PROCESS_CPUTIME_ID", libc::CLOCK_PROCESS_CPUTIME_ID),
        ("CLOCK_THREAD_CPUTIME_ID", libc::CLOCK_THREAD_CPUTIME_ID),
        ("CLOCK_BOOTTIME", libc::CLOCK_BOOTTIME),
        ("CLOCK_TAI", libc::CLOCK_TAI),
    ] {
        vm.set_attr_raw(&m, name, Value::Int(i64::from(v)));
    }
    // The number of struct_time fields (`_strptime` slices its result by it).
    vm.set_attr_raw(&m, "_STRUCT_TM_ITEMS", Value::Int(11));
    calendar::install(vm, &m)?;
    Ok(m)
}
