//! The `pwd` module: the password database (`getpwuid`, `getpwnam`,
//! `getpwall`) as `pwd.struct_passwd` struct sequences.

use std::ffi::{CStr, CString};

use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::posix::util::{add_bound_functions, fsdecode, int_arg, module_type, split_module};

fn cstr(vm: &Vm, p: *const libc::c_char) -> Value {
    if p.is_null() {
        return vm.new_str("");
    }
    // SAFETY: a non-null field of a passwd entry is a NUL-terminated string,
    // valid until the next getpw* call; it is copied out here.
    fsdecode(vm, unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// A `struct_passwd` from a C entry (copied out at once).
fn entry(vm: &mut Vm, m: &PyRef, p: &libc::passwd) -> PyResult<Value> {
    let cls = module_type(vm, m, "struct_passwd")?;
    let vals = vec![
        cstr(vm, p.pw_name),
        cstr(vm, p.pw_passwd),
        Value::Int(i64::from(p.pw_uid)),
        Value::Int(i64::from(p.pw_gid)),
        cstr(vm, p.pw_gecos),
        cstr(vm, p.pw_dir),
        cstr(vm, p.pw_shell),
    ];
    Ok(vm.new_structseq(&cls, vals))
}

/// `pwd.getpwuid(uid)`.
fn pwd_getpwuid(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split_module(vm, args)?;
    let a = vm.fn_args("getpwuid", args, 1, 1)?;
    let uid = int_arg(vm, &a[0])?;
    let p = match libc::uid_t::try_from(uid) {
        // SAFETY: getpwuid returns NULL or a pointer to static storage that
        // stays valid until the next getpw* call (none happens before use).
        Ok(u) => unsafe { libc::getpwuid(u) },
        Err(_) => std::ptr::null_mut(),
    };
    if p.is_null() {
        let k = vm.new_string(format!("getpwuid(): uid not found: {uid}"));
        return Err(vm.key_error(k));
    }
    // SAFETY: non-null, valid as above.
    entry(vm, &m, unsafe { &*p })
}

/// `pwd.getpwnam(name)`.
fn pwd_getpwnam(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split_module(vm, args)?;
    let a = vm.fn_args("getpwnam", args, 1, 1)?;
    let Some(name) = vm.as_str_obj(&a[0]).map(|s| s.as_str().to_string()) else {
        return Err(vm.type_error(format!(
            "getpwnam() argument must be str, not {}",
            vm.arg_type_name(&a[0])
        )));
    };
    let c = CString::new(name.clone()).map_err(|_| vm.value_error("embedded null character"))?;
    // SAFETY: `c` is NUL-terminated; the result is used before any other
    // getpw* call.
    let p = unsafe { libc::getpwnam(c.as_ptr()) };
    if p.is_null() {
        let r = vm.repr(&a[0])?;
        let k = vm.new_string(format!("getpwnam(): name not found: {r}"));
        return Err(vm.key_error(k));
    }
    // SAFETY: non-null, valid as above.
    entry(vm, &m, unsafe { &*p })
}

/// `pwd.getpwall()`.
fn pwd_getpwall(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split_module(vm, args)?;
    vm.fn_args("getpwall", args, 0, 0)?;
    let mut out = Vec::new();
    // SAFETY: the getpwent iteration runs to its end on this thread alone,
    // each entry copied out before the next call.
    unsafe {
        libc::setpwent();
        loop {
            let p = libc::getpwent();
            if p.is_null() {
                break;
            }
            match entry(vm, &m, &*p) {
                Ok(v) => out.push(v),
                Err(e) => {
                    libc::endpwent();
                    return Err(e);
                }
            }
        }
        libc::endpwent();
    }
    Ok(vm.new_list(out))
}

/// Build the `pwd` module.
pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("pwd");
    let t = vm.new_structseq_type(
        "pwd",
        "struct_passwd",
        &[
            "pw_name",
            "pw_passwd",
            "pw_uid",
            "pw_gid",
            "pw_gecos",
            "pw_dir",
            "pw_shell",
        ],
        true,
    );
    vm.set_attr_raw(&m, "struct_passwd", Value::Obj(t));
    add_bound_functions(
        vm,
        &m,
        &[
            ("getpwall", pwd_getpwall),
            ("getpwnam", pwd_getpwnam),
            ("getpwuid", pwd_getpwuid),
        ],
    );
    Ok(m)
}
