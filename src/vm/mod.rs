//! The virtual machine: values, frames, the eval loop (in progress; see
//! docs/vm-design.md for the design it follows).

pub mod value;
