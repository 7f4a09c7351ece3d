//! pycvm: load, inspect, disassemble and run CPython 3.11 `.pyc` files.
//!
//! Data flows one way: bytes → [`pyc`] (header, marshal, code objects, dis)
//! → the virtual machine. The `pyc` layer knows nothing of the VM.

// Calls build argument slices from clones (`&[x.clone()]`) throughout the
// VM; `std::slice::from_ref` would not read better.
#![allow(clippy::cloned_ref_to_slice_refs)]

pub mod builtins;
pub mod compile;
pub mod import;
pub mod modules;
pub mod num;
pub mod objects;
pub mod pyc;
pub mod pyfmt;
pub mod pyhash;
pub mod sre;
pub mod text;
pub mod unicode;
pub mod vm;
