//! pycvm: load, inspect, disassemble and run CPython 3.11 `.pyc` files.
//!
//! Data flows one way: bytes → [`pyc`] (header, marshal, code objects, dis)
//! → the virtual machine. The `pyc` layer knows nothing of the VM.

pub mod import;
pub mod num;
pub mod objects;
pub mod pyc;
pub mod pyfmt;
pub mod pyhash;
pub mod sre;
pub mod text;
pub mod unicode;
pub mod vm;
