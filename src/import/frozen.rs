//! The frozen modules: CPython 3.11's own import system, built into pycvm
//! the way CPython builds it into its binary. The marshal data is made by
//! `scripts/gen_frozen.py` from the 3.11 stdlib sources (generated; do not
//! edit) and loaded through `_imp.find_frozen`/`get_frozen_object`, so
//! `FrozenImporter` finds them as under CPython.

/// A frozen module: its name, the stdlib module it was made from, and its
/// marshalled code object.
pub struct Frozen {
    pub name: &'static str,
    pub origname: &'static str,
    pub code: &'static [u8],
}

pub const FROZEN: &[Frozen] = &[
    Frozen {
        name: "_frozen_importlib",
        origname: "importlib._bootstrap",
        code: include_bytes!("frozen/_frozen_importlib.marshal"),
    },
    Frozen {
        name: "_frozen_importlib_external",
        origname: "importlib._bootstrap_external",
        code: include_bytes!("frozen/_frozen_importlib_external.marshal"),
    },
    Frozen {
        name: "zipimport",
        origname: "zipimport",
        code: include_bytes!("frozen/zipimport.marshal"),
    },
];

/// The frozen module `name`, if there is one.
pub fn find(name: &str) -> Option<&'static Frozen> {
    FROZEN.iter().find(|f| f.name == name)
}

/// The stdlib modules CPython 3.11 also freezes (its `Tools/scripts/
/// freeze_modules.py` list), by name and the module they are made from:
/// pycvm serves them from the installed stdlib's cached `.pyc`, named
/// `<frozen NAME>` as CPython's are, so they import, repr
/// (`<module 'os' (frozen)>`) and show in tracebacks as under CPython.
pub const STDLIB_FROZEN: &[(&str, &str)] = &[
    ("abc", "abc"),
    ("codecs", "codecs"),
    ("io", "io"),
    ("_collections_abc", "_collections_abc"),
    ("_sitebuiltins", "_sitebuiltins"),
    ("genericpath", "genericpath"),
    ("ntpath", "ntpath"),
    ("posixpath", "posixpath"),
    ("os.path", "posixpath"),
    ("os", "os"),
    ("site", "site"),
    ("stat", "stat"),
    ("importlib.util", "importlib.util"),
    ("importlib.machinery", "importlib.machinery"),
    ("runpy", "runpy"),
];

/// The stdlib module a stdlib-frozen name is made from.
pub fn stdlib_origin(name: &str) -> Option<&'static str> {
    STDLIB_FROZEN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, o)| *o)
}

/// Where the installed stdlib caches the compiled `origname`.
pub fn stdlib_pyc(stdlib: &std::path::Path, origname: &str) -> std::path::PathBuf {
    let mut parts: Vec<&str> = origname.split('.').collect();
    let last = parts.pop().unwrap_or(origname);
    let mut dir = stdlib.to_path_buf();
    for p in parts {
        dir.push(p);
    }
    dir.join("__pycache__")
        .join(format!("{last}.cpython-311.pyc"))
}
