//! pycvm: load, inspect, disassemble and run CPython 3.11 `.pyc` files.
//!
//! Data flows one way: bytes → [`pyc`] (header, marshal, code objects, dis)
//! → the virtual machine. The `pyc` layer knows nothing of the VM.

pub mod builtins;
pub mod import;
pub mod modules;
pub mod objects;
pub mod pyc;
pub mod pyfmt;
pub mod pyhash;
pub mod sre;
pub mod unicode;
pub mod vm;
