//! Native modules that CPython builds as shared libraries (`math`,
//! `_json`, `array`, `zlib`, ... in `lib-dynload/`): when the standard
//! library found has that file, the module is not "built-in" but found by
//! the path finder on `lib-dynload` and made by `_imp.create_dynamic`, so
//! its `__file__`, `__spec__`, loader and repr are CPython's. Without the
//! file (no CPython installed) it stays a built-in module.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;

use crate::vm::Vm;

/// CPython 3.11's extension module suffix on x86-64 Linux.
const SUFFIX: &str = ".cpython-311-x86_64-linux-gnu.so";

crate::interp_local! {
    static CACHE: RefCell<HashMap<String, bool>> = RefCell::new(HashMap::new());
}

/// `<stdlib>/lib-dynload`, when the standard library has one.
pub fn dynload_dir(vm: &Vm) -> Option<PathBuf> {
    let d = vm.import.stdlib.as_ref()?.join("lib-dynload");
    d.is_dir().then_some(d)
}

/// Whether native module `name` is a shared library in CPython's install.
pub fn is_dynload(vm: &Vm, name: &str) -> bool {
    if let Ok(Some(hit)) = CACHE.try_with(|c| c.borrow().get(name).copied()) {
        return hit;
    }
    let hit = crate::modules::is_native(name)
        && dynload_dir(vm).is_some_and(|d| d.join(format!("{name}{SUFFIX}")).is_file());
    let _ = CACHE.try_with(|c| c.borrow_mut().insert(name.to_string(), hit));
    hit
}
