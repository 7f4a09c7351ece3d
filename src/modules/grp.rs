//! The `grp` module: the group database (`getgrgid`, `getgrnam`,
//! `getgrall`) as `grp.struct_group` struct sequences.

use std::ffi::{CStr, CString};

use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::posix::util::{add_bound_functions, fsdecode, int_arg, module_type, split_module};

fn cstr(vm: &Vm, p: *const libc::c_char) -> Value {
    if p.is_null() {
        return vm.new_str("");
    }
    // SAFETY: a non-null field of a group entry is a NUL-terminated string,
    // valid until the next getgr* call; it is copied out here.
    fsdecode(vm, unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// A `struct_group` from a C entry (copied out at once).
fn entry(vm: &mut Vm, m: &PyRef, g: &libc::group) -> PyResult<Value> {
    let cls = module_type(vm, m, "struct_group")?;
    let mut mem = Vec::new();
    let mut p = g.gr_mem;
    // SAFETY: gr_mem is a NULL-terminated array of NUL-terminated strings,
    // valid until the next getgr* call.
    unsafe {
        while !p.is_null() && !(*p).is_null() {
            mem.push(cstr(vm, *p));
            p = p.add(1);
        }
    }
    let vals = vec![
        cstr(vm, g.gr_name),
        cstr(vm, g.gr_passwd),
        Value::Int(i64::from(g.gr_gid)),
        vm.new_list(mem),
    ];
    Ok(vm.new_structseq(&cls, vals))
}

/// `grp.getgrgid(id)`.
fn grp_getgrgid(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split_module(vm, args)?;
    let a = vm.fn_args("getgrgid", args, 1, 1)?;
    let gid = int_arg(vm, &a[0])?;
    let p = match libc::gid_t::try_from(gid) {
        // SAFETY: getgrgid returns NULL or static storage valid until the
        // next getgr* call (none happens before use).
        Ok(g) => unsafe { libc::getgrgid(g) },
        Err(_) => std::ptr::null_mut(),
    };
    if p.is_null() {
        let k = vm.new_string(format!("getgrgid(): gid not found: {gid}"));
        return Err(vm.key_error(k));
    }
    // SAFETY: non-null, valid as above.
    entry(vm, &m, unsafe { &*p })
}

/// `grp.getgrnam(name)`.
fn grp_getgrnam(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split_module(vm, args)?;
    let a = vm.fn_args("getgrnam", args, 1, 1)?;
    let Some(name) = vm.as_str_obj(&a[0]).map(|s| s.as_str().to_string()) else {
        return Err(vm.type_error(format!(
            "getgrnam() argument must be str, not {}",
            vm.arg_type_name(&a[0])
        )));
    };
    let c = CString::new(name).map_err(|_| vm.value_error("embedded null character"))?;
    // SAFETY: `c` is NUL-terminated; the result is used before any other
    // getgr* call.
    let p = unsafe { libc::getgrnam(c.as_ptr()) };
    if p.is_null() {
        let r = vm.repr(&a[0])?;
        let k = vm.new_string(format!("getgrnam(): name not found: {r}"));
        return Err(vm.key_error(k));
    }
    // SAFETY: non-null, valid as above.
    entry(vm, &m, unsafe { &*p })
}

/// `grp.getgrall()`.
fn grp_getgrall(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split_module(vm, args)?;
    vm.fn_args("getgrall", args, 0, 0)?;
    let mut out = Vec::new();
    // SAFETY: the getgrent iteration runs to its end on this thread alone,
    // each entry copied out before the next call.
    unsafe {
        libc::setgrent();
        loop {
            let p = libc::getgrent();
            if p.is_null() {
                break;
            }
            match entry(vm, &m, &*p) {
                Ok(v) => out.push(v),
                Err(e) => {
                    libc::endgrent();
                    return Err(e);
                }
            }
        }
        libc::endgrent();
    }
    Ok(vm.new_list(out))
}

/// Build the `grp` module.
pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("grp");
    let t = vm.new_structseq_type(
        "grp",
        "struct_group",
        &["gr_name", "gr_passwd", "gr_gid", "gr_mem"],
        true,
    );
    vm.set_attr_raw(&m, "struct_group", Value::Obj(t));
    add_bound_functions(
        vm,
        &m,
        &[
            ("getgrall", grp_getgrall),
            ("getgrgid", grp_getgrgid),
            ("getgrnam", grp_getgrnam),
        ],
    );
    Ok(m)
}
