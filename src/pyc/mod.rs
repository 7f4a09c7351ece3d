//! Everything about the `.pyc` file format: the header and magic numbers,
//! the marshal format (reader and writer), 3.11 code objects and their
//! location/exception tables, the opcode table and the disassembler.

pub mod code;
pub mod dis;
pub mod header;
pub mod marshal;
pub mod object;
pub mod opcode;
pub mod repr;

pub use code::CodeObject;
pub use object::{Obj, Object};
