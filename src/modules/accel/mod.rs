//! CPython 3.11's C accelerator modules (`_asyncio`, `_datetime`,
//! `_decimal`, `_elementtree`, `_pickle`, `_zoneinfo`) as pycvm provides
//! them: each is a short Python source compiled into the binary that takes
//! the stdlib's pure-Python implementation (which every one of these
//! modules has) and gives it the behaviour a program can see of the C
//! version: its messages, reprs, exception arguments and hashes. The
//! sources' frames never show in tracebacks (they stand for C code; see
//! `objects::c_accel`), and their code objects are named `<pycvm:NAME>`.

use crate::compile::Mode;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The filename prefix of every accelerator source's code objects.
pub const FILENAME_PREFIX: &str = "<pycvm:";

/// Compile and run the accelerator source `src` as the module `name`.
/// Imported before `parent` (the stdlib module that imports it, whose
/// pure-Python classes it takes), it imports `parent` first, which
/// imports `name` in turn; that module is then the one to return, so the
/// two share their classes as CPython's do.
fn load(vm: &mut Vm, name: &str, parent: Option<&str>, src: &str) -> PyResult<PyRef> {
    if let Some(parent) = parent {
        let modules = vm.modules.clone();
        let key = vm.new_str(parent);
        if vm.dict_get(&modules, &key)?.is_none() {
            vm.import_by_name(parent)?;
            let key = vm.new_str(name);
            if let Some(Value::Obj(m)) = vm.dict_get(&modules, &key)? {
                return Ok(m);
            }
        }
    }
    let m = vm.new_module(name);
    let code = vm.compile_text(src, &format!("{FILENAME_PREFIX}{name}>"), Mode::Exec)?;
    let Some(globals) = m.dict() else {
        return Err(vm.system_error("module without a dict"));
    };
    vm.run_code(&code, globals.clone(), Some(Value::Obj(globals)))?;
    Ok(m)
}

/// `_zoneinfo`: `ZoneInfo` whose repr names `zoneinfo.ZoneInfo`.
pub fn init_zoneinfo(vm: &mut Vm) -> PyResult<PyRef> {
    load(
        vm,
        "_zoneinfo",
        Some("zoneinfo"),
        include_str!("zoneinfo.py"),
    )
}

/// `_asyncio`: `Future` and `Task` with the C messages, the running-loop
/// and task-registry functions.
pub fn init_asyncio(vm: &mut Vm) -> PyResult<PyRef> {
    load(vm, "_asyncio", Some("asyncio"), include_str!("asyncio.py"))
}

/// `_elementtree`: `Element`, `SubElement`, `TreeBuilder`, `XMLParser`
/// and `ParseError` as the C module shows them.
pub fn init_elementtree(vm: &mut Vm) -> PyResult<PyRef> {
    load(
        vm,
        "_elementtree",
        Some("xml.etree.ElementTree"),
        include_str!("elementtree.py"),
    )
}

/// `_datetime`: the datetime types with the C module's messages, reprs
/// and hashes.
pub fn init_datetime(vm: &mut Vm) -> PyResult<PyRef> {
    load(
        vm,
        "_datetime",
        Some("datetime"),
        include_str!("datetime.py"),
    )
}

/// `_decimal`: the decimal types with libmpdec's signal arguments, signal
/// dicts and messages.
pub fn init_decimal(vm: &mut Vm) -> PyResult<PyRef> {
    load(vm, "_decimal", None, include_str!("decimal.py"))
}

/// `_pickle`: pickle's pickler and unpickler with the C module's
/// exception classes and unpickling messages.
pub fn init_pickle(vm: &mut Vm) -> PyResult<PyRef> {
    load(vm, "_pickle", Some("pickle"), include_str!("pickle.py"))
}
