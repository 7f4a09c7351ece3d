//! Native modules that CPython builds as shared libraries (`math`,
//! `_json`, `array`, `zlib`, ... in `lib-dynload/`): when the standard
//! library found has that file, the module is not "built-in" but found by
//! the path finder on `lib-dynload` and made by `_imp.create_dynamic`, so
//! its `__file__`, `__spec__`, loader and repr are CPython's. Without the
//! file (no CPython installed) it stays a built-in module.

use std::cell::RefCell;
use std::collections::HashSet;
use std::path::PathBuf;

use crate::vm::Vm;

/// CPython 3.11's extension module suffix on x86-64 Linux.
const SUFFIX: &str = ".cpython-311-x86_64-linux-gnu.so";

/// `lib-dynload` and the module names it has shared libraries for, read
/// once (one directory listing, not a `stat` per native module at
/// start-up).
struct Listing {
    dir: Option<PathBuf>,
    names: HashSet<String>,
}

crate::interp_local! {
    static CACHE: RefCell<Option<Listing>> = RefCell::new(None);
}

fn with_listing<R>(vm: &Vm, f: impl FnOnce(&Listing) -> R) -> Option<R> {
    CACHE
        .try_with(|c| {
            let mut c = c.borrow_mut();
            let listing = c.get_or_insert_with(|| {
                let dir = vm
                    .import
                    .stdlib
                    .as_ref()
                    .map(|s| s.join("lib-dynload"))
                    .filter(|d| d.is_dir());
                let names = dir
                    .as_ref()
                    .and_then(|d| std::fs::read_dir(d).ok())
                    .map(|rd| {
                        rd.flatten()
                            .filter_map(|e| {
                                let n = e.file_name().into_string().ok()?;
                                n.strip_suffix(SUFFIX).map(str::to_string)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Listing { dir, names }
            });
            f(listing)
        })
        .ok()
}

/// `<stdlib>/lib-dynload`, when the standard library has one.
pub fn dynload_dir(vm: &Vm) -> Option<PathBuf> {
    with_listing(vm, |l| l.dir.clone()).flatten()
}

/// Whether native module `name` is a shared library in CPython's install.
pub fn is_dynload(vm: &Vm, name: &str) -> bool {
    crate::modules::is_native(name) && with_listing(vm, |l| l.names.contains(name)).unwrap_or(false)
}
