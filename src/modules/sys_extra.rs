//! The smaller `sys` functions a program may look for:
//! `getallocatedblocks`, `getdlopenflags`/`setdlopenflags`,
//! `_clear_type_cache`, `_current_frames`, `_current_exceptions`,
//! `_getquickenedcount`, and the attributes `_git`, `_framework`, `_home`,
//! `_base_executable`.

use std::cell::Cell;

use crate::objects::function::Args;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

crate::interp_local! {
    /// `sys.setdlopenflags`' value (pycvm loads no C extensions, so it is
    /// only kept): CPython's default is RTLD_NOW.
    static DLOPEN_FLAGS: Cell<i64> = const { Cell::new(2) };
}

/// `sys.getallocatedblocks()`: CPython counts pymalloc's blocks; pycvm
/// reports the objects its cycle collector tracks (a positive count of
/// live heap objects).
fn sys_getallocatedblocks(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("getallocatedblocks", args, 0, 0)?;
    let n = crate::objects::gc::objects(None).len();
    Ok(Value::Int(i64::try_from(n).unwrap_or(i64::MAX)))
}

fn sys_getdlopenflags(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("getdlopenflags", args, 0, 0)?;
    Ok(Value::Int(DLOPEN_FLAGS.with(Cell::get)))
}

fn sys_setdlopenflags(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("setdlopenflags", args, 1, 1)?;
    let n = match vm.index_value(&a[0])? {
        Some(n) => n,
        None => {
            return Err(vm.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                vm.type_name_of(&a[0])
            )))
        }
    };
    DLOPEN_FLAGS.with(|f| f.set(n));
    Ok(Value::None)
}

/// `sys._clear_type_cache()`: pycvm's attribute caches need no flush.
fn sys_clear_type_cache(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("_clear_type_cache", args, 0, 0)?;
    Ok(Value::None)
}

/// `{thread id: its innermost frame}`: the calling thread's (pycvm runs
/// one thread's bytecode at a time; the others' frames are not reachable
/// from here).
fn sys_current_frames(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("_current_frames", args, 0, 0)?;
    let d = vm.new_dict();
    let depth = [Value::Int(0)];
    if let Ok(f) = crate::objects::frame::sys_getframe(vm, Args::new(&depth)) {
        let id = Value::Int(current_ident());
        vm.dict_set(&d, id, f)?;
    }
    Ok(Value::Obj(d))
}

/// `{thread id: sys.exc_info()}` (3.11's triples, one for every thread
/// even when it handles nothing) for the calling thread.
fn sys_current_exceptions(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("_current_exceptions", args, 0, 0)?;
    let d = vm.new_dict();
    let info = vm.call_method(&Value::Obj(vm.sys.clone()), "exc_info", &[])?;
    let id = Value::Int(current_ident());
    vm.dict_set(&d, id, info)?;
    Ok(Value::Obj(d))
}

fn current_ident() -> i64 {
    crate::modules::thread::thread_ident()
}

pub fn install(vm: &mut Vm) {
    let sys = vm.sys.clone();
    vm.add_functions(
        &sys,
        &[
            ("getallocatedblocks", sys_getallocatedblocks),
            ("getdlopenflags", sys_getdlopenflags),
            ("setdlopenflags", sys_setdlopenflags),
            ("_clear_type_cache", sys_clear_type_cache),
            ("_current_frames", sys_current_frames),
            ("_current_exceptions", sys_current_exceptions),
            ("_getquickenedcount", sys_getquickenedcount),
        ],
    );
    let git = {
        let parts = ["CPython", "", ""].map(|p| vm.new_str(p));
        vm.new_tuple(parts.to_vec())
    };
    vm.set_attr_raw(&sys, "_git", git);
    let fw = vm.new_str("");
    vm.set_attr_raw(&sys, "_framework", fw);
    vm.set_attr_raw(&sys, "_home", Value::None);
    // As `sys.executable` (no virtual environment).
    let exe = std::env::current_exe()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let exe = vm.new_string(exe);
    vm.set_attr_raw(&sys, "_base_executable", exe);
}

/// `sys._getquickenedcount()`: pycvm does not quicken instructions.
fn sys_getquickenedcount(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("_getquickenedcount", args, 0, 0)?;
    Ok(Value::Int(0))
}
