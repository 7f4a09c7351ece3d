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
