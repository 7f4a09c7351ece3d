//! The marshal writer (version 4): CPython 3.11's `w_object` and
//! `w_complex_object`, iterative so depth only costs heap.
//!
//! Whether an object carries `FLAG_REF` is not derivable (CPython decides
//! from the writing process's reference counts), so the writer follows
//! each handle's remembered flag: a flagged handle seen before becomes a
//! `TYPE_REF` to its index; otherwise it is written with the flag and
//! takes the next index, exactly as `w_ref` numbers them.
//!
//! Set and frozenset elements are written in their stored order. Streams
//! from CPython 3.11 already hold them in its order (sorted by each
//! element's own `marshal.dumps`, bpo-37596), so decoded sets round-trip;
//! a set built elsewhere is not re-sorted.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use num_bigint::BigInt;
use num_traits::ToPrimitive;

use super::types::*;
use super::{MarshalError, MarshalErrorKind as K, MAX_MARSHAL_STACK_DEPTH};
use crate::pyc::object::{Obj, Object};

/// Write `obj` as CPython 3.11's `marshal.dumps(obj)` (version 4) would.
pub fn dumps(obj: &Obj) -> Result<Vec<u8>, MarshalError> {
    dumps_version(obj, 4)
}

/// Write `obj` as `marshal.dumps(obj, version)` would: version 3 spells
/// strings without the ASCII forms and tuples without the small form,
/// version 2 also writes no references, versions 0 and 1 also write
/// floats as text (`%.17g`).
pub fn dumps_version(obj: &Obj, version: u8) -> Result<Vec<u8>, MarshalError> {
    let mut w = Writer {
        out: Vec::with_capacity(256),
        refs: AddrMap::default(),
        version,
    };
    w.write(obj)?;
    Ok(w.out)
}

/// Hashes handle addresses (the identity map's keys): one multiply, as
/// addresses are already well spread; SipHash would dominate small dumps.
#[derive(Default)]
struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_right(29);
    }
}

type AddrMap = HashMap<usize, u32, BuildHasherDefault<AddrHasher>>;

/// One pending piece of output.
enum Task<'a> {
    /// An object at the given nesting depth (1 for the top level).
    Obj(&'a Obj, usize),
    /// The NULL that ends a dict, at the given depth.
    Null(usize),
    /// A code object's `co_firstlineno` (between qualname and linetable).
    Long(i32),
}

struct Writer {
    out: Vec<u8>,
    /// Identity (handle address) → reference index, for flagged objects.
    refs: AddrMap,
    /// The marshal format version (4 unless asked otherwise).
    version: u8,
}

impl Writer {
    fn err(&self, kind: K) -> MarshalError {
        MarshalError::new(kind, self.out.len())
    }

    fn w_long(&mut self, v: i32) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }

    /// `W_SIZE`: a 32-bit size, or an error beyond `i32::MAX`.
    fn w_size(&mut self, n: usize) -> Result<(), MarshalError> {
        match i32::try_from(n) {
            Ok(v) => {
                self.w_long(v);
                Ok(())
            }
            Err(_) => Err(self.err(K::Unmarshallable)),
        }
    }

    /// `w_float_str`: a one-byte length and `%.17g` text (versions 0-1).
    fn w_float_str(&mut self, v: f64) {
        let text = crate::pyfmt::double_to_string(v, 'g', 17, crate::pyfmt::DtoaFlags::default());
        self.out.push(text.len().min(255) as u8);
        self.out.extend_from_slice(text.as_bytes());
    }

    fn w_pstring(&mut self, b: &[u8]) -> Result<(), MarshalError> {
        self.w_size(b.len())?;
        self.out.extend_from_slice(b);
        Ok(())
    }

    fn write<'a>(&mut self, root: &'a Obj) -> Result<(), MarshalError> {
        let mut todo: Vec<Task<'a>> = vec![Task::Obj(root, 1)];
        while let Some(task) = todo.pop() {
            let (obj, depth) = match task {
                Task::Long(v) => {
                    self.w_long(v);
                    continue;
                }
                Task::Null(depth) => {
                    if depth > MAX_MARSHAL_STACK_DEPTH {
                        return Err(self.err(K::NestedTooDeep));
                    }
                    self.out.push(TYPE_NULL);
                    continue;
                }
                Task::Obj(obj, depth) => (obj, depth),
            };
            if depth > MAX_MARSHAL_STACK_DEPTH {
                return Err(self.err(K::NestedTooDeep));
            }
            let single = match obj.value() {
                Object::Null => Some(TYPE_NULL),
                Object::None => Some(TYPE_NONE),
                Object::StopIteration => Some(TYPE_STOPITER),
                Object::Ellipsis => Some(TYPE_ELLIPSIS),
                Object::False => Some(TYPE_FALSE),
                Object::True => Some(TYPE_TRUE),
                _ => None,
            };
            if let Some(code) = single {
                self.out.push(code);
                continue;
            }
            let mut flag = 0u8;
            if obj.ref_flag() && self.version >= 3 {
                if let Some(&idx) = self.refs.get(&obj.addr()) {
                    self.out.push(TYPE_REF);
                    self.out.extend_from_slice(&idx.to_le_bytes());
                    continue;
                }
                let idx = self.refs.len();
                if idx >= 0x7fff_ffff {
                    return Err(self.err(K::Unmarshallable));
                }
                self.refs.insert(obj.addr(), idx as u32);
                flag = FLAG_REF;
            }
            self.complex_object(obj, flag, depth, &mut todo)?;
        }
        Ok(())
    }

    /// `w_complex_object`: write the type code and the object's own bytes,
    /// and queue its children (in reverse, so they come out in order).
    fn complex_object<'a>(
        &mut self,
        obj: &'a Obj,
        flag: u8,
        depth: usize,
        todo: &mut Vec<Task<'a>>,
    ) -> Result<(), MarshalError> {
        let child = depth + 1;
        match obj.value() {
            Object::Int(v) => match i32::try_from(*v) {
                Ok(small) => {
                    self.out.push(TYPE_INT | flag);
                    self.w_long(small);
                }
                Err(_) => self.w_pylong(v.is_negative(), &v.unsigned_abs().to_le_bytes(), flag)?,
            },
            Object::Long(b) => match b.to_i32() {
                Some(small) => {
                    self.out.push(TYPE_INT | flag);
                    self.w_long(small);
                }
                None => self.w_bigint(b, flag)?,
            },
            Object::Float(v) if self.version <= 1 => {
                self.out.push(TYPE_FLOAT | flag);
                self.w_float_str(*v);
            }
            Object::Complex { re, im } if self.version <= 1 => {
                self.out.push(TYPE_COMPLEX | flag);
                self.w_float_str(*re);
                self.w_float_str(*im);
            }
            Object::Float(v) => {
                self.out.push(TYPE_BINARY_FLOAT | flag);
                self.out.extend_from_slice(&v.to_le_bytes());
            }
            Object::Complex { re, im } => {
                self.out.push(TYPE_BINARY_COMPLEX | flag);
                self.out.extend_from_slice(&re.to_le_bytes());
                self.out.extend_from_slice(&im.to_le_bytes());
            }
            Object::Bytes(b) => {
                self.out.push(TYPE_STRING | flag);
                self.w_pstring(b)?;
            }
            Object::Str(s) => {
                let b = s.as_wtf8();
                if s.is_ascii() && self.version >= 4 {
                    if b.len() < 256 {
                        let code = if s.interned() {
                            TYPE_SHORT_ASCII_INTERNED
                        } else {
                            TYPE_SHORT_ASCII
                        };
                        self.out.push(code | flag);
                        self.out.push(b.len() as u8);
                        self.out.extend_from_slice(b);
                    } else {
                        let code = if s.interned() {
                            TYPE_ASCII_INTERNED
                        } else {
                            TYPE_ASCII
                        };
                        self.out.push(code | flag);
                        self.w_pstring(b)?;
                    }
                } else {
                    let code = if s.interned() && self.version >= 3 {
                        TYPE_INTERNED
                    } else {
                        TYPE_UNICODE
                    };
                    self.out.push(code | flag);
                    self.w_pstring(b)?;
                }
            }
            Object::Tuple(items) => {
                if items.len() < 256 && self.version >= 4 {
                    self.out.push(TYPE_SMALL_TUPLE | flag);
                    self.out.push(items.len() as u8);
                } else {
                    self.out.push(TYPE_TUPLE | flag);
                    self.w_size(items.len())?;
                }
                todo.extend(items.iter().rev().map(|o| Task::Obj(o, child)));
            }
            Object::List(items) => {
                self.out.push(TYPE_LIST | flag);
                self.w_size(items.len())?;
                todo.extend(items.iter().rev().map(|o| Task::Obj(o, child)));
            }
            Object::Set(items) | Object::FrozenSet(items) => {
                let code = if matches!(obj.value(), Object::Set(_)) {
                    TYPE_SET
                } else {
                    TYPE_FROZENSET
                };
                self.out.push(code | flag);
                self.w_size(items.len())?;
                todo.extend(items.iter().rev().map(|o| Task::Obj(o, child)));
            }
            Object::Dict(items) => {
                self.out.push(TYPE_DICT | flag);
                todo.push(Task::Null(child));
                for (k, v) in items.iter().rev() {
                    todo.push(Task::Obj(v, child));
                    todo.push(Task::Obj(k, child));
                }
            }
            Object::Code(c) => {
                self.out.push(TYPE_CODE | flag);
                for v in [
                    c.argcount,
                    c.posonlyargcount,
                    c.kwonlyargcount,
                    c.stacksize,
                    c.flags,
                ] {
                    self.w_long(v);
                }
                todo.push(Task::Obj(&c.exceptiontable, child));
                todo.push(Task::Obj(&c.linetable, child));
                todo.push(Task::Long(c.firstlineno));
                for o in [
                    &c.qualname,
                    &c.name,
                    &c.filename,
                    &c.localspluskinds,
                    &c.localsplusnames,
                    &c.names,
                    &c.consts,
                    &c.code,
                ] {
                    todo.push(Task::Obj(o, child));
                }
            }
            // Handled as single bytes by the caller.
            Object::Null
            | Object::None
            | Object::False
            | Object::True
            | Object::StopIteration
            | Object::Ellipsis => {}
        }
        Ok(())
    }

    fn w_bigint(&mut self, b: &BigInt, flag: u8) -> Result<(), MarshalError> {
        let negative = b.sign() == num_bigint::Sign::Minus;
        self.w_pylong(negative, &b.magnitude().to_bytes_le(), flag)
    }

    /// `w_PyLong`: the magnitude (little-endian bytes) as 15-bit digits,
    /// the digit count negated for negative numbers.
    fn w_pylong(&mut self, negative: bool, magnitude: &[u8], flag: u8) -> Result<(), MarshalError> {
        self.out.push(TYPE_LONG | flag);
        let mut digits: Vec<u16> = Vec::with_capacity(magnitude.len() * 8 / 15 + 1);
        let (mut acc, mut bits) = (0u32, 0u32);
        for &byte in magnitude {
            acc |= u32::from(byte) << bits;
            bits += 8;
            while bits >= 15 {
                digits.push((acc & 0x7fff) as u16);
                acc >>= 15;
                bits -= 15;
            }
        }
        if bits > 0 {
            digits.push(acc as u16);
        }
        while digits.last() == Some(&0) {
            digits.pop();
        }
        let n = i32::try_from(digits.len()).map_err(|_| self.err(K::Unmarshallable))?;
        self.w_long(if negative { -n } else { n });
        for d in digits {
            self.out.extend_from_slice(&d.to_le_bytes());
        }
        Ok(())
    }
}
