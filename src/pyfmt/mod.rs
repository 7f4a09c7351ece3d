//! Python's formatting algorithms, independent of the `.pyc` layer so the
//! VM can reuse them: `repr` of floats, complex numbers, `str` and `bytes`
//! exactly as CPython 3.11 prints them, and the emulation of CPython's set
//! hash table that decides the iteration (and so repr) order of sets.

mod float;
pub mod settable;
mod text;

pub use float::{complex_repr, float_repr, format_float_r};
pub use text::{bytes_repr, str_repr, str_repr_str};
