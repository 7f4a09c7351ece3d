//! The `resource` module: `getrlimit`/`setrlimit`, `getrusage`
//! (`resource.struct_rusage`) and `getpagesize`.

use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::os_consts;
use super::posix::util::{add_bound_functions, c_int_arg, int_arg, module_type, split_module};

const RUSAGE_FIELDS: [&str; 16] = [
    "ru_utime",
    "ru_stime",
    "ru_maxrss",
    "ru_ixrss",
    "ru_idrss",
    "ru_isrss",
    "ru_minflt",
    "ru_majflt",
    "ru_nswap",
    "ru_inblock",
    "ru_oublock",
    "ru_msgsnd",
    "ru_msgrcv",
    "ru_nsignals",
    "ru_nvcsw",
    "ru_nivcsw",
];

fn resource_arg(vm: &mut Vm, v: &Value) -> PyResult<i32> {
    let r = c_int_arg(vm, v)?;
    if !(0..16).contains(&r) {
        return Err(vm.value_error("invalid resource specified"));
    }
    Ok(r)
}

fn rlim_value(x: libc::rlim_t) -> Value {
    if x == libc::RLIM_INFINITY {
        Value::Int(-1)
    } else {
        Value::Int(i64::try_from(x).unwrap_or(i64::MAX))
    }
}

/// `resource.getrlimit(resource)` → `(soft, hard)`.
fn resource_getrlimit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("getrlimit", args, 1, 1)?;
    let r = resource_arg(vm, &a[0])?;
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `rl` is a valid out-pointer; `r` was range-checked.
    if unsafe { libc::getrlimit(r as _, &mut rl) } < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(vm.new_tuple_of([rlim_value(rl.rlim_cur), rlim_value(rl.rlim_max)]))
}

fn rlim_arg(vm: &mut Vm, v: &Value) -> PyResult<libc::rlim_t> {
    let x = int_arg(vm, v)?;
    Ok(if x < 0 {
        libc::RLIM_INFINITY
    } else {
        x as libc::rlim_t
    })
}

/// `resource.setrlimit(resource, limits)`.
fn resource_setrlimit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("setrlimit", args, 2, 2)?;
    let r = resource_arg(vm, &a[0])?;
    let items = vm.collect_iter(&a[1])?;
    if items.len() != 2 {
        return Err(vm.value_error("expected a tuple of 2 integers"));
    }
    let rl = libc::rlimit {
        rlim_cur: rlim_arg(vm, &items[0])?,
        rlim_max: rlim_arg(vm, &items[1])?,
    };
    // SAFETY: `rl` is a valid in-pointer; `r` was range-checked.
    if unsafe { libc::setrlimit(r as _, &rl) } < 0 {
        let e = super::posix::util::last_errno();
        if e == libc::EINVAL {
            return Err(vm.value_error("current limit exceeds maximum limit"));
        }
        if e == libc::EPERM {
            return Err(vm.value_error("not allowed to raise maximum limit"));
        }
        return Err(vm.os_error(e, None, None));
    }
    Ok(Value::None)
}

/// `resource.getrusage(who)`.
fn resource_getrusage(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split_module(vm, args)?;
    let a = vm.fn_args("getrusage", args, 1, 1)?;
    let who = c_int_arg(vm, &a[0])?;
    // SAFETY: rusage is plain old data; getrusage fills it.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid out-pointer.
    if unsafe { libc::getrusage(who, &mut u) } < 0 {
        if super::posix::util::last_errno() == libc::EINVAL {
            return Err(vm.value_error("invalid who parameter"));
        }
        return Err(vm.last_os_error(None));
    }
    let tv = |t: libc::timeval| Value::float(t.tv_sec as f64 + t.tv_usec as f64 * 1e-6);
    let vals = vec![
        tv(u.ru_utime),
        tv(u.ru_stime),
        Value::Int(u.ru_maxrss),
        Value::Int(u.ru_ixrss),
        Value::Int(u.ru_idrss),
        Value::Int(u.ru_isrss),
        Value::Int(u.ru_minflt),
        Value::Int(u.ru_majflt),
        Value::Int(u.ru_nswap),
        Value::Int(u.ru_inblock),
        Value::Int(u.ru_oublock),
        Value::Int(u.ru_msgsnd),
        Value::Int(u.ru_msgrcv),
        Value::Int(u.ru_nsignals),
        Value::Int(u.ru_nvcsw),
        Value::Int(u.ru_nivcsw),
    ];
    let cls = module_type(vm, &m, "struct_rusage")?;
    Ok(vm.new_structseq(&cls, vals))
}

/// `resource.getpagesize()`.
fn resource_getpagesize(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("getpagesize", args, 0, 0)?;
    // SAFETY: plain sysconf query.
    Ok(Value::Int(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }))
}

/// Build the `resource` module.
pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("resource");
    for (name, v) in os_consts::RESOURCE {
        vm.set_attr_raw(&m, name, Value::Int(*v));
    }
    let t = vm.new_structseq_type("resource", "struct_rusage", &RUSAGE_FIELDS, true);
    vm.set_attr_raw(&m, "struct_rusage", Value::Obj(t));
    let err = vm.exc_type(crate::objects::exception::ExcKind::OSError);
    vm.set_attr_raw(&m, "error", Value::Obj(err));
    vm.add_functions(
        &m,
        &[
            ("getpagesize", resource_getpagesize),
            ("getrlimit", resource_getrlimit),
            ("setrlimit", resource_setrlimit),
        ],
    );
    add_bound_functions(vm, &m, &[("getrusage", resource_getrusage)]);
    Ok(m)
}
