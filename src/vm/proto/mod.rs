//! The abstract object protocols the instructions and builtins use
//! (CPython's Objects/abstract.c and object.c): attributes, comparison
//! and hashing, numbers, sequences and iteration, text conversion.

use crate::objects::Payload;

use super::value::PyRef;

mod attr;
mod compare;
mod number;
mod seq;
mod text;

pub(crate) use compare::fast_hash;
pub use compare::CmpOp;
pub use number::BinOp;

/// The text of a str object ("" for anything else).
pub fn str_of(r: &PyRef) -> &str {
    match &r.payload {
        Payload::Str(s) => s.as_str(),
        _ => "",
    }
}
