//! The marshal format of CPython 3.11 (`Python/marshal.c`): a reader for
//! every type code 3.11 reads and a version-4 writer that reproduces, byte
//! for byte, the streams CPython 3.11 wrote for the objects we decoded.
//!
//! The reader ([`loads`]) treats its input as untrusted: it never recurses
//! (an explicit stack, capped at CPython's nesting depth of 2000), checks
//! every length against the bytes that remain before allocating, and
//! reports errors with CPython's wording plus the byte offset.
//! The writer ([`dumps`]) mirrors `w_object`: singletons as one byte,
//! back-references by identity for objects that carry the reference flag.

pub mod build;
mod read;
mod write;

use thiserror::Error;

/// CPython's `MAX_MARSHAL_STACK_DEPTH` (non-Windows builds).
pub const MAX_MARSHAL_STACK_DEPTH: usize = 2000;

/// Type codes (`Python/marshal.c`).
pub mod types {
    pub const TYPE_NULL: u8 = b'0';
    pub const TYPE_NONE: u8 = b'N';
    pub const TYPE_FALSE: u8 = b'F';
    pub const TYPE_TRUE: u8 = b'T';
    pub const TYPE_STOPITER: u8 = b'S';
    pub const TYPE_ELLIPSIS: u8 = b'.';
    pub const TYPE_INT: u8 = b'i';
    /// Read only: 3.11 no longer writes it.
    pub const TYPE_INT64: u8 = b'I';
    pub const TYPE_FLOAT: u8 = b'f';
    pub const TYPE_BINARY_FLOAT: u8 = b'g';
    pub const TYPE_COMPLEX: u8 = b'x';
    pub const TYPE_BINARY_COMPLEX: u8 = b'y';
    pub const TYPE_LONG: u8 = b'l';
    pub const TYPE_STRING: u8 = b's';
    pub const TYPE_INTERNED: u8 = b't';
    pub const TYPE_REF: u8 = b'r';
    pub const TYPE_TUPLE: u8 = b'(';
    pub const TYPE_LIST: u8 = b'[';
    pub const TYPE_DICT: u8 = b'{';
    pub const TYPE_CODE: u8 = b'c';
    pub const TYPE_UNICODE: u8 = b'u';
    pub const TYPE_SET: u8 = b'<';
    pub const TYPE_FROZENSET: u8 = b'>';
    pub const TYPE_ASCII: u8 = b'a';
    pub const TYPE_ASCII_INTERNED: u8 = b'A';
    pub const TYPE_SMALL_TUPLE: u8 = b')';
    pub const TYPE_SHORT_ASCII: u8 = b'z';
    pub const TYPE_SHORT_ASCII_INTERNED: u8 = b'Z';
    /// Added to a type code: the object goes into the reference table.
    pub const FLAG_REF: u8 = 0x80;
}

/// What went wrong; the messages are CPython 3.11's.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MarshalErrorKind {
    /// No byte left where a type code was due.
    #[error("EOF read where object expected")]
    EofObject,
    /// No byte left for a one-byte length.
    #[error("EOF read where not expected")]
    EofNotExpected,
    /// A fixed-size field or a payload runs past the end.
    #[error("marshal data too short")]
    TooShort,
    #[error("bad marshal data (unknown type code {0:#04x})")]
    UnknownType(u8),
    /// `what` is "bytes object", "string", "tuple", "list", "set" or "long".
    #[error("bad marshal data ({0} size out of range)")]
    SizeOutOfRange(&'static str),
    #[error("bad marshal data (digit out of range in long)")]
    DigitOutOfRange,
    #[error("bad marshal data (unnormalized long data)")]
    UnnormalizedLong,
    #[error("bad marshal data (invalid reference)")]
    InvalidReference,
    #[error("bad marshal data (index list too large)")]
    IndexListTooLarge,
    #[error("recursion limit exceeded")]
    RecursionLimit,
    /// `what` is "object", "tuple", "list" or "set".
    #[error("NULL object in marshal data for {0}")]
    NullObject(&'static str),
    #[error("could not convert string to float: '{0}'")]
    BadFloat(String),
    #[error("'utf-8' codec can't decode byte {byte:#04x} in position {position}: {reason}")]
    BadUtf8 {
        byte: u8,
        position: usize,
        reason: &'static str,
    },
    #[error("unhashable type: '{0}'")]
    Unhashable(&'static str),
    /// A code object that `_PyCode_Validate` (or `intern_strings`) rejects.
    #[error("bad marshal data ({0})")]
    BadCode(String),
    /// Writer: an object nested deeper than `MAX_MARSHAL_STACK_DEPTH`.
    #[error("object too deeply nested to marshal")]
    NestedTooDeep,
    /// Writer: a size that does not fit marshal's 32-bit fields.
    #[error("unmarshallable object")]
    Unmarshallable,
}

/// A marshal error and the byte offset it concerns (for the reader: where
/// the offending field starts, counted from `base_offset`; for the writer:
/// the output length when it stopped).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{kind} at byte {offset}")]
pub struct MarshalError {
    pub offset: usize,
    pub kind: MarshalErrorKind,
}

impl MarshalError {
    pub fn new(kind: MarshalErrorKind, offset: usize) -> MarshalError {
        MarshalError { offset, kind }
    }
}

pub use read::{load_with, loads, loads_at, loads_prefix};
pub use write::{dumps, dumps_version};
