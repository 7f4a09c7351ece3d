//! The values a marshal stream holds: the constants of a code object and
//! the code objects themselves.
//!
//! An [`Obj`] is a cheap, shared handle. Objects that marshal wrote once
//! and referred back to (`TYPE_REF`) decode to the *same* handle, so the
//! writer can reproduce the back-references byte for byte by identity, as
//! CPython's `w_ref` does. Each handle also remembers whether it was
//! written with the reference flag (0x80), which CPython sets from the
//! writing process's reference counts and which cannot be derived.

use crate::objects::rc::Rc;
use std::fmt;
use std::ops::Deref;

use num_bigint::BigInt;

use super::code::CodeObject;

/// A shared handle to a decoded marshal object.
#[derive(Clone)]
pub struct Obj(Rc<Node>);

struct Node {
    flag_ref: bool,
    /// The reference-table index the reader gave it (`NO_REF`: none).
    ref_index: u32,
    value: Object,
}

/// `Node::ref_index` of an object no reader put in its reference table.
const NO_REF: u32 = u32::MAX;

impl Obj {
    /// A new object that a writer will emit without the reference flag.
    pub fn new(value: Object) -> Obj {
        Obj(Rc::new(Node {
            flag_ref: false,
            ref_index: NO_REF,
            value,
        }))
    }

    /// A new object carrying the given reference flag.
    pub fn with_ref_flag(value: Object, flag_ref: bool) -> Obj {
        Obj(Rc::new(Node {
            flag_ref,
            ref_index: NO_REF,
            value,
        }))
    }

    /// A new flagged object that a reader put at `index` of its
    /// reference table (indices stay below 2**31 - 2).
    pub fn with_ref_index(value: Object, index: usize) -> Obj {
        Obj(Rc::new(Node {
            flag_ref: true,
            ref_index: u32::try_from(index).unwrap_or(NO_REF),
            value,
        }))
    }

    /// Where the reader that made this object put it in its reference
    /// table (objects of one load have distinct indices), if it did.
    #[inline]
    pub fn ref_index(&self) -> Option<usize> {
        let i = self.0.ref_index;
        (i != NO_REF).then_some(i as usize)
    }

    /// Whether the object was written with marshal's `FLAG_REF` bit.
    pub fn ref_flag(&self) -> bool {
        self.0.flag_ref
    }

    /// Identity, as Python's `is`.
    pub fn ptr_eq(a: &Obj, b: &Obj) -> bool {
        Rc::ptr_eq(&a.0, &b.0)
    }

    /// A stable address for identity maps (valid while the handle lives).
    pub fn addr(&self) -> usize {
        Rc::as_ptr(&self.0) as *const u8 as usize
    }

    /// Whether more than one handle refers to this object (marshal
    /// back-references make one object appear in several places).
    pub fn is_shared(&self) -> bool {
        Rc::strong_count(&self.0) > 1
    }

    pub fn value(&self) -> &Object {
        &self.0.value
    }
}

impl Deref for Obj {
    type Target = Object;
    fn deref(&self) -> &Object {
        &self.0.value
    }
}

impl fmt::Debug for Obj {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0.value, f)
    }
}

/// One marshal value. Containers hold their elements in stream order
/// (a frozenset keeps the order its elements were written in).
#[derive(Debug)]
pub enum Object {
    /// `TYPE_NULL` ('0'): only inside dict streams and never a constant.
    Null,
    None,
    False,
    True,
    StopIteration,
    Ellipsis,
    /// An int that fits in 64 bits (`TYPE_INT`, or a small `TYPE_LONG`).
    Int(i64),
    /// An int beyond 64 bits (`TYPE_LONG`).
    Long(BigInt),
    Float(f64),
    Complex {
        re: f64,
        im: f64,
    },
    Str(PyStr),
    Bytes(Vec<u8>),
    Tuple(Vec<Obj>),
    List(Vec<Obj>),
    Dict(Vec<(Obj, Obj)>),
    Set(Vec<Obj>),
    FrozenSet(Vec<Obj>),
    Code(Box<CodeObject>),
}

impl Object {
    /// The Python type name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Object::Null => "NULL",
            Object::None => "NoneType",
            Object::False | Object::True => "bool",
            Object::StopIteration => "type",
            Object::Ellipsis => "ellipsis",
            Object::Int(_) | Object::Long(_) => "int",
            Object::Float(_) => "float",
            Object::Complex { .. } => "complex",
            Object::Str(_) => "str",
            Object::Bytes(_) => "bytes",
            Object::Tuple(_) => "tuple",
            Object::List(_) => "list",
            Object::Dict(_) => "dict",
            Object::Set(_) => "set",
            Object::FrozenSet(_) => "frozenset",
            Object::Code(_) => "code",
        }
    }

    pub fn as_str(&self) -> Option<&PyStr> {
        match self {
            Object::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Object::Bytes(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_tuple(&self) -> Option<&[Obj]> {
        match self {
            Object::Tuple(t) => Some(t),
            _ => None,
        }
    }

    pub fn as_code(&self) -> Option<&CodeObject> {
        match self {
            Object::Code(c) => Some(c),
            _ => None,
        }
    }
}

/// A Python `str` as marshal carries it: UTF-8 extended to allow lone
/// surrogates (CPython encodes with `surrogatepass`), plus whether it was
/// interned, which decides the type code the writer uses.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PyStr {
    utf8: Box<[u8]>,
    interned: bool,
    /// `utf8` is valid UTF-8 (no lone surrogates): decided once when the
    /// string is made (a function of `utf8`, which never changes).
    text: bool,
}

impl PyStr {
    /// From bytes already checked to be surrogate-tolerant UTF-8.
    pub fn from_wtf8_unchecked(utf8: Box<[u8]>, interned: bool) -> PyStr {
        let text = std::str::from_utf8(&utf8).is_ok();
        PyStr {
            utf8,
            interned,
            text,
        }
    }

    /// From bytes that are all ASCII (None otherwise).
    #[inline]
    pub fn from_ascii(b: &[u8], interned: bool) -> Option<PyStr> {
        b.is_ascii().then(|| PyStr {
            utf8: b.into(),
            interned,
            text: true,
        })
    }

    /// From text (valid UTF-8, so no lone surrogates).
    pub fn from_text(text: Box<str>, interned: bool) -> PyStr {
        PyStr {
            utf8: text.into_boxed_bytes(),
            interned,
            text: true,
        }
    }

    pub fn new(s: &str, interned: bool) -> PyStr {
        PyStr {
            utf8: s.as_bytes().into(),
            interned,
            text: true,
        }
    }

    /// The encoded bytes (UTF-8, surrogates as 3-byte sequences).
    pub fn as_wtf8(&self) -> &[u8] {
        &self.utf8
    }

    /// The text, when it holds no lone surrogates.
    #[inline]
    pub fn as_str(&self) -> Option<&str> {
        if !self.text {
            return None;
        }
        // SAFETY: `text` is true only when `utf8` was valid UTF-8 when the
        // string was made (`from_utf8` succeeded, or it came from a `str`),
        // and `utf8` is private and never mutated afterwards.
        Some(unsafe { std::str::from_utf8_unchecked(&self.utf8) })
    }

    /// The text with any lone surrogate shown as U+FFFD (for messages).
    pub fn to_string_lossy(&self) -> String {
        if let Some(s) = self.as_str() {
            return s.to_string();
        }
        self.chars()
            .map(|c| char::from_u32(c).unwrap_or('\u{fffd}'))
            .collect()
    }

    pub fn interned(&self) -> bool {
        self.interned
    }

    pub fn is_ascii(&self) -> bool {
        self.utf8.is_ascii()
    }

    /// Code points, lone surrogates included.
    pub fn chars(&self) -> Wtf8Chars<'_> {
        Wtf8Chars {
            bytes: &self.utf8,
            pos: 0,
        }
    }

    /// Number of code points (Python's `len`).
    pub fn char_len(&self) -> usize {
        self.utf8.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
    }
}

impl fmt::Debug for PyStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string_lossy())
    }
}

impl fmt::Display for PyStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Some(s) => f.write_str(s),
            None => f.write_str(&self.to_string_lossy()),
        }
    }
}

/// Iterator over the code points of surrogate-tolerant UTF-8.
pub struct Wtf8Chars<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Iterator for Wtf8Chars<'_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        let (c, n) = decode_wtf8_char(self.bytes.get(self.pos..)?)?;
        self.pos += n;
        Some(c)
    }
}

/// Decode one code point from surrogate-tolerant UTF-8: `(code point, bytes used)`.
/// Ill-formed input yields U+FFFD for one byte rather than failing.
pub fn decode_wtf8_char(b: &[u8]) -> Option<(u32, usize)> {
    let b0 = *b.first()?;
    let cont = |i: usize| b.get(i).map(|&x| (x & 0x3F) as u32).unwrap_or(0);
    Some(match b0 {
        0x00..=0x7F => (b0 as u32, 1),
        0xC0..=0xDF if b.len() >= 2 => ((((b0 & 0x1F) as u32) << 6) | cont(1), 2),
        0xE0..=0xEF if b.len() >= 3 => ((((b0 & 0x0F) as u32) << 12) | (cont(1) << 6) | cont(2), 3),
        0xF0..=0xF7 if b.len() >= 4 => (
            (((b0 & 0x07) as u32) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3),
            4,
        ),
        _ => (0xFFFD, 1),
    })
}

/// Check bytes as UTF-8 that may encode lone surrogates (what CPython's
/// `surrogatepass` decoder accepts). Returns the offset of the first bad
/// byte on failure.
pub fn validate_wtf8(b: &[u8]) -> Result<(), usize> {
    if std::str::from_utf8(b).is_ok() {
        return Ok(());
    }
    let mut i = 0;
    while i < b.len() {
        let b0 = b[i];
        let need = match b0 {
            0x00..=0x7F => 0,
            0xC2..=0xDF => 1,
            0xE0..=0xEF => 2,
            0xF0..=0xF4 => 3,
            _ => return Err(i),
        };
        let seq = b.get(i..i + need + 1).ok_or(i)?;
        if seq[1..].iter().any(|&c| c & 0xC0 != 0x80) {
            return Err(i);
        }
        if need == 2 {
            let cp = (((b0 & 0x0F) as u32) << 12) | (((seq[1] & 0x3F) as u32) << 6);
            if cp < 0x800 {
                return Err(i);
            }
        } else if need == 3 {
            let cp = (((b0 & 0x07) as u32) << 18) | (((seq[1] & 0x3F) as u32) << 12);
            if !(0x10000..=0x10FFFF).contains(&cp) {
                return Err(i);
            }
        }
        i += need + 1;
    }
    Ok(())
}
