//! `_posixshmem` (CPython 3.11's Modules/_multiprocessing/posixshmem.c):
//! POSIX shared memory objects for `multiprocessing.shared_memory`.

use std::ffi::CString;

use super::binargs::Sig;
use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_posixshmem");
    vm.add_functions(&m, &[("shm_open", shm_open), ("shm_unlink", shm_unlink)]);
    let docs: &[(&str, &str)] = &[
        (
            "shm_open",
            "Open a shared memory object.  Returns a file descriptor (integer).",
        ),
        (
            "shm_unlink",
            "Remove a shared memory object (similar to unlink()).\n\n\
             Remove a shared memory object name, and, once all processes  have  unmapped\n\
             the object, de-allocates and destroys the contents of the associated memory\n\
             region.",
        ),
    ];
    for (name, doc) in docs {
        if let Some(Value::Obj(f)) = vm.get_attr_raw(&m, name) {
            let d = vm.new_str(doc);
            vm.set_attr_raw(&f, "__doc__", d);
        }
    }
    Ok(m)
}

/// The `path` argument: a str (CPython's clinic takes `unicode` only),
/// as a C string.
fn path_arg(vm: &mut Vm, fname: &str, v: &Value) -> PyResult<CString> {
    let Some(s) = vm.as_str_obj(v).map(|s| s.as_str().to_string()) else {
        return Err(vm.type_error(format!(
            "{fname}() argument 'path' must be str, not {}",
            vm.type_name_of(v)
        )));
    };
    CString::new(s).map_err(|_| vm.value_error("embedded null character"))
}

fn int_arg(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    if matches!(v, Value::Float(_)) {
        return Err(vm.type_error("'float' object cannot be interpreted as an integer"));
    }
    match vm.index_value(v)? {
        Some(i) => Ok(i),
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(v)
        ))),
    }
}

/// `shm_open(path, flags, mode=0o777)`.
fn shm_open(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let sig = Sig {
        name: "shm_open",
        pos: &["path", "flags", "mode"],
        posonly: 0,
        required: 2,
        kwonly: &[],
    };
    let a = sig.bind(vm, &args, 0)?;
    let (Some(pathv), Some(flagsv)) = (a[0].clone(), a[1].clone()) else {
        return Err(vm.type_error("shm_open() missing required argument"));
    };
    let path = path_arg(vm, "shm_open", &pathv)?;
    let flags = int_arg(vm, &flagsv)?;
    let mode = match a[2].clone() {
        Some(v) => int_arg(vm, &v)?,
        None => 0o777,
    };
    let flags = i32::try_from(flags)
        .map_err(|_| vm.overflow_error("signed integer is greater than maximum"))?;
    let mode = i32::try_from(mode)
        .map_err(|_| vm.overflow_error("signed integer is greater than maximum"))?;
    loop {
        // SAFETY: path is a NUL-terminated C string that outlives the call.
        let fd = unsafe { libc::shm_open(path.as_ptr(), flags, mode as libc::mode_t) };
        if fd >= 0 {
            return Ok(Value::Int(i64::from(fd)));
        }
        let e = super::posix::util::last_errno();
        if e == libc::EINTR {
            super::signal::check_signals(vm)?;
            continue;
        }
        return Err(vm.os_error(e, Some(pathv), None));
    }
}

/// `shm_unlink(path)`.
fn shm_unlink(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let sig = Sig {
        name: "shm_unlink",
        pos: &["path"],
        posonly: 0,
        required: 1,
        kwonly: &[],
    };
    let a = sig.bind(vm, &args, 0)?;
    let Some(pathv) = a[0].clone() else {
        return Err(vm.type_error("shm_unlink() missing required argument 'path' (pos 1)"));
    };
    let path = path_arg(vm, "shm_unlink", &pathv)?;
    loop {
        // SAFETY: path is a NUL-terminated C string that outlives the call.
        let r = unsafe { libc::shm_unlink(path.as_ptr()) };
        if r == 0 {
            return Ok(Value::None);
        }
        let e = super::posix::util::last_errno();
        if e == libc::EINTR {
            super::signal::check_signals(vm)?;
            continue;
        }
        return Err(vm.os_error(e, Some(pathv), None));
    }
}
