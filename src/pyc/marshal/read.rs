//! The marshal reader: CPython 3.11's `r_object`, made iterative.
//!
//! Containers are opened on an explicit stack instead of recursing, so a
//! hostile nest can only reach [`MAX_MARSHAL_STACK_DEPTH`] and never the
//! native stack. Back-references follow CPython's reserve-then-fill order:
//! a flagged container takes its index when it starts, its children come
//! after it, and a `TYPE_REF` to an index that is still reserved (an
//! object not finished yet) is an invalid reference. (CPython lets a list
//! or tuple refer to itself while it is being filled; handles here are
//! immutable, so such self-referential streams are rejected.)
//!
//! A sequence claiming more elements than bytes remain is read until EOF
//! as in CPython, but its storage is sized only for what the input can
//! still hold. Another departure from CPython, on streams CPython never
//! writes: dict keys and set elements are kept in stream order without
//! merging duplicates (hashability is checked as CPython does).

use std::collections::HashSet;

use nom::bytes::complete::take;
use nom::number::complete::{le_f64, le_i32, le_i64, le_u16, le_u8};
use num_bigint::{BigInt, BigUint, Sign};
use num_traits::ToPrimitive;

use super::types::*;
use super::{MarshalError, MarshalErrorKind as K, MAX_MARSHAL_STACK_DEPTH};
use crate::pyc::code::{CodeObject, CO_FAST_LOCAL, CO_VARARGS, CO_VARKEYWORDS};
use crate::pyc::object::{validate_wtf8, Obj, Object, PyStr};

type Res<T> = Result<T, MarshalError>;
type NomRes<'a, T> = nom::IResult<&'a [u8], T, ()>;

/// Read one object from `data` (trailing bytes are ignored, as
/// `marshal.loads` does). Error offsets count from the start of `data`.
pub fn loads(data: &[u8]) -> Res<Obj> {
    loads_at(data, 0)
}

/// Like [`loads`], with every reported offset shifted by `base_offset`
/// (for a `.pyc` body after its 16-byte header, so errors name file
/// offsets).
pub fn loads_at(data: &[u8], base_offset: usize) -> Res<Obj> {
    Reader::new(data, base_offset).read_object()
}

/// Like [`loads`], also giving how many bytes the object took (what
/// follows it is left alone, as `marshal.load` leaves it in the file).
pub fn loads_prefix(data: &[u8]) -> Res<(Obj, usize)> {
    let mut r = Reader::new(data, 0);
    let obj = r.read_object()?;
    Ok((obj, r.pos()))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SeqKind {
    Tuple,
    List,
    Set,
    FrozenSet,
}

impl SeqKind {
    fn name(self) -> &'static str {
        match self {
            SeqKind::Tuple => "tuple",
            SeqKind::List => "list",
            SeqKind::Set | SeqKind::FrozenSet => "set",
        }
    }
}

/// A container whose children are being read.
enum Frame {
    Seq {
        kind: SeqKind,
        items: Vec<Obj>,
        len: usize,
        flag: bool,
        idx: usize,
    },
    Dict {
        items: Vec<(Obj, Obj)>,
        key: Option<Obj>,
        flag: bool,
        idx: usize,
    },
    /// Boxed: a code object's frame is large, and the sequence frames
    /// pushed and popped far more often stay small.
    Code(Box<CodeFrame>),
}

struct CodeFrame {
    /// argcount, posonlyargcount, kwonlyargcount, stacksize, flags.
    header: [i32; 5],
    /// code, consts, names, localsplusnames, localspluskinds, filename,
    /// name, qualname, linetable, exceptiontable (in stream order).
    fields: [Option<Obj>; 10],
    /// How many of `fields` are read.
    nfields: usize,
    firstlineno: i32,
    flag: bool,
    idx: usize,
    /// Offset of the code object's type byte (for validation errors).
    start: usize,
}

/// What reading one type code produced.
enum Step {
    /// A finished value; `None` is marshal's NULL.
    Value(Option<Obj>),
    /// A container was opened; its children follow.
    Opened,
}

/// What delivering a child to the innermost open container did.
enum Delivered {
    /// The container wants more children.
    More,
    /// The container is complete.
    Complete,
    /// The container turned into NULL (a code object with a NULL field,
    /// as in CPython, where that code object then reads as NULL).
    Null,
}

struct Reader<'a> {
    data: &'a [u8],
    rest: &'a [u8],
    base: usize,
    /// The reference table: `None` for an index reserved but not filled.
    refs: Vec<Option<Obj>>,
    /// Bytes the open sequences still need after the current child (one
    /// per outstanding element), so nested length claims cannot add up to
    /// more memory than the input could fill.
    pending: usize,
    /// Flagged tuples already found hashable (they stay alive in `refs`,
    /// so their addresses are stable).
    hashable: HashSet<usize>,
    none: Obj,
    true_: Obj,
    false_: Obj,
    ellipsis: Obj,
    stopiter: Obj,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8], base: usize) -> Reader<'a> {
        Reader {
            data,
            rest: data,
            base,
            // About one flagged object per 16 bytes in CPython's .pyc
            // bodies: pre-size so the table is rarely grown.
            refs: Vec::with_capacity((data.len() / 16).min(1 << 16)),
            pending: 0,
            hashable: HashSet::new(),
            none: Obj::new(Object::None),
            true_: Obj::new(Object::True),
            false_: Obj::new(Object::False),
            ellipsis: Obj::new(Object::Ellipsis),
            stopiter: Obj::new(Object::StopIteration),
        }
    }

    #[inline]
    fn pos(&self) -> usize {
        self.data.len() - self.rest.len()
    }

    #[cold]
    fn err(&self, kind: K, pos: usize) -> MarshalError {
        MarshalError::new(kind, self.base + pos)
    }

    #[inline]
    fn byte(&mut self) -> Option<u8> {
        let r: NomRes<u8> = le_u8(self.rest);
        let (rest, b) = r.ok()?;
        self.rest = rest;
        Some(b)
    }

    /// A one-byte length (`r_byte`): EOF here is "not expected".
    #[inline]
    fn len_byte(&mut self) -> Res<usize> {
        match self.byte() {
            Some(b) => Ok(b as usize),
            None => Err(self.err(K::EofNotExpected, self.pos())),
        }
    }

    /// Run one nom parser on the rest of the input; running out of bytes
    /// is CPython's "marshal data too short".
    #[inline]
    fn parse<T>(&mut self, parser: impl FnOnce(&'a [u8]) -> NomRes<'a, T>) -> Res<T> {
        match parser(self.rest) {
            Ok((rest, v)) => {
                self.rest = rest;
                Ok(v)
            }
            Err(_) => Err(self.err(K::TooShort, self.pos())),
        }
    }

    /// `r_long`: a little-endian signed 32-bit field.
    #[inline]
    fn long(&mut self) -> Res<i32> {
        self.parse(le_i32)
    }

    #[inline]
    fn long64(&mut self) -> Res<i64> {
        self.parse(le_i64)
    }

    #[inline]
    fn float_bin(&mut self) -> Res<f64> {
        self.parse(le_f64)
    }

    /// `r_string`: the next `n` bytes, borrowed from the input.
    #[inline]
    fn take(&mut self, n: usize) -> Res<&'a [u8]> {
        self.parse(take(n))
    }

    /// A 32-bit size field; negative sizes are out of range.
    #[inline]
    fn size(&mut self, what: &'static str) -> Res<usize> {
        let at = self.pos();
        let n = self.long()?;
        usize::try_from(n).map_err(|_| self.err(K::SizeOutOfRange(what), at))
    }

    /// `r_ref_reserve`: take the next reference index if `flag`.
    #[inline]
    fn reserve(&mut self, flag: bool, at: usize) -> Res<usize> {
        let idx = self.refs.len();
        if flag {
            if idx >= 0x7fff_fffe {
                return Err(self.err(K::IndexListTooLarge, at));
            }
            self.refs.push(None);
        }
        Ok(idx)
    }

    /// Make the handle for a finished object and fill its reserved index.
    #[inline]
    fn fill(&mut self, value: Object, flag: bool, idx: usize) -> Obj {
        let obj = if flag {
            Obj::with_ref_index(value, idx)
        } else {
            Obj::new(value)
        };
        if flag {
            if let Some(slot) = self.refs.get_mut(idx) {
                *slot = Some(obj.clone());
            }
        }
        obj
    }

    /// A leaf object (no children): reserve and fill at once (`R_REF`).
    #[inline]
    fn leaf(&mut self, value: Object, flag: bool, at: usize) -> Res<Option<Obj>> {
        let idx = self.reserve(flag, at)?;
        Ok(Some(self.fill(value, flag, idx)))
    }

    fn read_object(&mut self) -> Res<Obj> {
        let mut stack: Vec<Frame> = Vec::with_capacity(16);
        loop {
            let start = self.pos();
            let Some(code) = self.byte() else {
                return Err(self.err(K::EofObject, start));
            };
            if stack.len() >= MAX_MARSHAL_STACK_DEPTH {
                return Err(self.err(K::RecursionLimit, start));
            }
            let mut result = match self.read_one(code, start, &mut stack)? {
                Step::Value(v) => v,
                Step::Opened => continue,
            };
            // Hand the value to the innermost open container; each
            // container that completes becomes the value for the next.
            loop {
                let Some(top) = stack.last_mut() else {
                    return result.ok_or_else(|| self.err(K::NullObject("object"), start));
                };
                match self.deliver(top, result, start)? {
                    Delivered::More => break,
                    Delivered::Null => {
                        stack.pop();
                        result = None;
                    }
                    Delivered::Complete => {
                        let Some(frame) = stack.pop() else {
                            break;
                        };
                        result = Some(self.finish(frame)?);
                    }
                }
            }
        }
    }

    /// Read the object whose type byte `code` (at `start`) was just read.
    fn read_one(&mut self, code: u8, start: usize, stack: &mut Vec<Frame>) -> Res<Step> {
        let flag = code & FLAG_REF != 0;
        let value = match code & !FLAG_REF {
            TYPE_NULL => None,
            TYPE_NONE => Some(self.none.clone()),
            TYPE_TRUE => Some(self.true_.clone()),
            TYPE_FALSE => Some(self.false_.clone()),
            TYPE_ELLIPSIS => Some(self.ellipsis.clone()),
            TYPE_STOPITER => Some(self.stopiter.clone()),
            TYPE_INT => {
                let v = self.long()?;
                self.leaf(Object::Int(v.into()), flag, start)?
            }
            TYPE_INT64 => {
                let v = self.long64()?;
                self.leaf(Object::Int(v), flag, start)?
            }
            TYPE_LONG => {
                let v = self.read_long()?;
                self.leaf(v, flag, start)?
            }
            TYPE_FLOAT => {
                let v = self.float_str()?;
                self.leaf(Object::Float(v), flag, start)?
            }
            TYPE_BINARY_FLOAT => {
                let v = self.float_bin()?;
                self.leaf(Object::Float(v), flag, start)?
            }
            TYPE_COMPLEX => {
                let re = self.float_str()?;
                let im = self.float_str()?;
                self.leaf(Object::Complex { re, im }, flag, start)?
            }
            TYPE_BINARY_COMPLEX => {
                let re = self.float_bin()?;
                let im = self.float_bin()?;
                self.leaf(Object::Complex { re, im }, flag, start)?
            }
            TYPE_STRING => {
                let n = self.size("bytes object")?;
                let b = self.take(n)?;
                self.leaf(Object::Bytes(b.to_vec()), flag, start)?
            }
            TYPE_ASCII | TYPE_ASCII_INTERNED => {
                let n = self.size("string")?;
                let s = self.ascii(n, code & !FLAG_REF == TYPE_ASCII_INTERNED)?;
                self.leaf(Object::Str(s), flag, start)?
            }
            TYPE_SHORT_ASCII | TYPE_SHORT_ASCII_INTERNED => {
                let n = self.len_byte()?;
                let s = self.ascii(n, code & !FLAG_REF == TYPE_SHORT_ASCII_INTERNED)?;
                self.leaf(Object::Str(s), flag, start)?
            }
            TYPE_UNICODE | TYPE_INTERNED => {
                let n = self.size("string")?;
                let s = self.unicode(n, code & !FLAG_REF == TYPE_INTERNED)?;
                self.leaf(Object::Str(s), flag, start)?
            }
            TYPE_SMALL_TUPLE => {
                let n = self.len_byte()?;
                return self.open_seq(SeqKind::Tuple, n, flag, start, stack);
            }
            TYPE_TUPLE => {
                let n = self.size("tuple")?;
                return self.open_seq(SeqKind::Tuple, n, flag, start, stack);
            }
            TYPE_LIST => {
                let n = self.size("list")?;
                return self.open_seq(SeqKind::List, n, flag, start, stack);
            }
            TYPE_SET => {
                let n = self.size("set")?;
                return self.open_seq(SeqKind::Set, n, flag, start, stack);
            }
            TYPE_FROZENSET => {
                let n = self.size("set")?;
                return self.open_seq(SeqKind::FrozenSet, n, flag, start, stack);
            }
            TYPE_DICT => {
                let idx = self.reserve(flag, start)?;
                stack.push(Frame::Dict {
                    items: Vec::new(),
                    key: None,
                    flag,
                    idx,
                });
                return Ok(Step::Opened);
            }
            TYPE_CODE => {
                let idx = self.reserve(flag, start)?;
                let mut header = [0i32; 5];
                for h in header.iter_mut() {
                    *h = self.long()?;
                }
                stack.push(Frame::Code(Box::new(CodeFrame {
                    header,
                    fields: Default::default(),
                    nfields: 0,
                    firstlineno: 0,
                    flag,
                    idx,
                    start,
                })));
                return Ok(Step::Opened);
            }
            TYPE_REF => {
                let at = self.pos();
                let n = self.long()?;
                let found = usize::try_from(n)
                    .ok()
                    .and_then(|i| self.refs.get(i))
                    .and_then(|slot| slot.clone());
                match found {
                    Some(o) => Some(o),
                    None => return Err(self.err(K::InvalidReference, at)),
                }
            }
            _ => return Err(self.err(K::UnknownType(code), start)),
        };
        Ok(Step::Value(value))
    }

    /// Start a tuple, list, set or frozenset of `len` elements.
    fn open_seq(
        &mut self,
        kind: SeqKind,
        len: usize,
        flag: bool,
        start: usize,
        stack: &mut Vec<Frame>,
    ) -> Res<Step> {
        let idx = self.reserve(flag, start)?;
        if len == 0 {
            let value = seq_value(kind, Vec::new());
            return Ok(Step::Value(Some(self.fill(value, flag, idx))));
        }
        // A claim beyond the bytes left reads on until the data runs out
        // ("EOF read where object expected", as CPython). Pre-size only
        // for what the input can still hold once the enclosing sequences'
        // outstanding elements are set aside, so nested claims never add
        // up to more than the input's length.
        let capacity = len.min(self.rest.len().saturating_sub(self.pending));
        self.pending = self.pending.saturating_add(len - 1);
        stack.push(Frame::Seq {
            kind,
            items: Vec::with_capacity(capacity),
            len,
            flag,
            idx,
        });
        Ok(Step::Opened)
    }

    /// Give `value` (read at `at`) to the container `top`.
    fn deliver(&mut self, top: &mut Frame, value: Option<Obj>, at: usize) -> Res<Delivered> {
        match top {
            Frame::Seq {
                kind, items, len, ..
            } => {
                let Some(obj) = value else {
                    return Err(self.err(K::NullObject(kind.name()), at));
                };
                if matches!(kind, SeqKind::Set | SeqKind::FrozenSet) {
                    self.check_hashable(&obj, at)?;
                }
                items.push(obj);
                if items.len() < *len {
                    self.pending = self.pending.saturating_sub(1);
                    Ok(Delivered::More)
                } else {
                    Ok(Delivered::Complete)
                }
            }
            Frame::Dict { items, key, .. } => match (key.take(), value) {
                // A NULL key ends the dict; so does a NULL value, which
                // drops its key (CPython's loop breaks without an error).
                (_, None) => Ok(Delivered::Complete),
                (None, Some(k)) => {
                    self.check_hashable(&k, at)?;
                    *key = Some(k);
                    Ok(Delivered::More)
                }
                (Some(k), Some(v)) => {
                    items.push((k, v));
                    Ok(Delivered::More)
                }
            },
            Frame::Code(c) => {
                let Some(obj) = value else {
                    return Ok(Delivered::Null);
                };
                if let Some(slot) = c.fields.get_mut(c.nfields) {
                    *slot = Some(obj);
                }
                c.nfields += 1;
                match c.nfields {
                    8 => {
                        c.firstlineno = self.long()?;
                        Ok(Delivered::More)
                    }
                    10 => Ok(Delivered::Complete),
                    _ => Ok(Delivered::More),
                }
            }
        }
    }

    /// Build the object of a completed container.
    fn finish(&mut self, frame: Frame) -> Res<Obj> {
        match frame {
            Frame::Seq {
                kind,
                items,
                flag,
                idx,
                ..
            } => Ok(self.fill(seq_value(kind, items), flag, idx)),
            Frame::Dict {
                items, flag, idx, ..
            } => Ok(self.fill(Object::Dict(items), flag, idx)),
            Frame::Code(c) => {
                let (flag, idx) = (c.flag, c.idx);
                let code = self.build_code(*c)?;
                Ok(self.fill(Object::Code(Box::new(code)), flag, idx))
            }
        }
    }

    /// `PyDict_SetItem` / `PySet_Add` refuse unhashable keys: lists, dicts,
    /// sets, and tuples holding any of them.
    fn check_hashable(&mut self, obj: &Obj, at: usize) -> Res<()> {
        let unhashable = |o: &Object| match o {
            Object::List(_) => Some("list"),
            Object::Dict(_) => Some("dict"),
            Object::Set(_) => Some("set"),
            _ => None,
        };
        if let Some(t) = unhashable(obj.value()) {
            return Err(self.err(K::Unhashable(t), at));
        }
        if obj.as_tuple().is_none() {
            return Ok(());
        }
        let mut todo: Vec<&Obj> = vec![obj];
        while let Some(t) = todo.pop() {
            let Some(items) = t.as_tuple() else {
                continue;
            };
            if t.ref_flag() && !self.hashable.insert(t.addr()) {
                continue;
            }
            for item in items {
                if let Some(name) = unhashable(item.value()) {
                    return Err(self.err(K::Unhashable(name), at));
                }
                if item.as_tuple().is_some() {
                    todo.push(item);
                }
            }
        }
        Ok(())
    }

    /// `TYPE_LONG`: a signed count of 15-bit digits, least significant
    /// first; each digit below 2**15 and the top one nonzero.
    fn read_long(&mut self) -> Res<Object> {
        let at = self.pos();
        let n = self.long()?;
        if n == 0 {
            return Ok(Object::Int(0));
        }
        if n == i32::MIN {
            return Err(self.err(K::SizeOutOfRange("long"), at));
        }
        let ndigits = n.unsigned_abs() as usize;
        let negative = n < 0;
        // Validate digit by digit, as CPython reads them, before building.
        let avail = (self.rest.len() / 2).min(ndigits);
        let base = self.pos();
        let bytes = self.take(avail * 2)?;
        for (i, pair) in bytes.chunks_exact(2).enumerate() {
            let d = u16::from_le_bytes([pair[0], pair[1]]);
            if d >= 0x8000 {
                return Err(self.err(K::DigitOutOfRange, base + 2 * i));
            }
            if d == 0 && i + 1 == ndigits {
                return Err(self.err(K::UnnormalizedLong, base + 2 * i));
            }
        }
        if avail < ndigits {
            return Err(self.err(K::TooShort, self.pos()));
        }
        let digits = bytes.chunks_exact(2).map(|p| {
            let r: NomRes<u16> = le_u16(p);
            r.map(|(_, d)| d).unwrap_or(0)
        });
        if ndigits <= 4 {
            let mut v: i64 = 0;
            for (i, d) in digits.enumerate() {
                v |= (d as i64) << (15 * i);
            }
            return Ok(Object::Int(if negative { -v } else { v }));
        }
        // Pack the 15-bit digits into 32-bit words.
        let mut words: Vec<u32> = Vec::with_capacity(ndigits * 15 / 32 + 1);
        let (mut acc, mut bits) = (0u64, 0u32);
        for d in digits {
            acc |= (d as u64) << bits;
            bits += 15;
            if bits >= 32 {
                words.push(acc as u32);
                acc >>= 32;
                bits -= 32;
            }
        }
        if bits > 0 {
            words.push(acc as u32);
        }
        let sign = if negative { Sign::Minus } else { Sign::Plus };
        let big = BigInt::from_biguint(sign, BigUint::new(words));
        Ok(match big.to_i64() {
            Some(v) => Object::Int(v),
            None => Object::Long(big),
        })
    }

    /// `r_float_str`: a one-byte length and the float's text.
    fn float_str(&mut self) -> Res<f64> {
        let n = self.len_byte()?;
        let at = self.pos();
        let text = self.take(n)?;
        // CPython copies into a NUL-terminated buffer: text stops at a NUL.
        let text = text.split(|&b| b == 0).next().unwrap_or(&[]);
        parse_py_float(text).ok_or_else(|| {
            let mut shown = String::from_utf8_lossy(text).into_owned();
            if let Some((cut, _)) = shown.char_indices().nth(200) {
                shown.truncate(cut);
            }
            self.err(K::BadFloat(shown), at)
        })
    }

    /// The ASCII string types. CPython builds them with the 1-byte kind,
    /// so bytes above 0x7f read as Latin-1.
    #[inline]
    fn ascii(&mut self, n: usize, interned: bool) -> Res<PyStr> {
        let b = self.take(n)?;
        if let Some(s) = PyStr::from_ascii(b, interned) {
            return Ok(s);
        }
        let text: String = b.iter().map(|&c| c as char).collect();
        Ok(PyStr::from_text(text.into(), interned))
    }

    /// `TYPE_UNICODE`/`TYPE_INTERNED`: UTF-8 decoded with `surrogatepass`.
    fn unicode(&mut self, n: usize, interned: bool) -> Res<PyStr> {
        let at = self.pos();
        let b = self.take(n)?;
        if let Err(pos) = validate_wtf8(b) {
            return Err(self.err(utf8_error(b, pos), at + pos));
        }
        Ok(PyStr::from_wtf8_unchecked(b.into(), interned))
    }

    /// Build a code object after the checks of `_PyCode_Validate` and
    /// `intern_strings`.
    fn build_code(&self, c: CodeFrame) -> Res<CodeObject> {
        let bad = |msg: String| self.err(K::BadCode(msg), c.start);
        let [argcount, posonlyargcount, kwonlyargcount, stacksize, flags] = c.header;
        if argcount < posonlyargcount
            || posonlyargcount < 0
            || kwonlyargcount < 0
            || stacksize < 0
            || flags < 0
        {
            return Err(bad(
                "code: negative or inconsistent argument counts, stack size or flags".into(),
            ));
        }
        let mut it = c.fields.into_iter();
        let mut next = || {
            it.next()
                .flatten()
                .unwrap_or_else(|| Obj::new(Object::Null))
        };
        let (code, consts, names, localsplusnames, localspluskinds) =
            (next(), next(), next(), next(), next());
        let (filename, name, qualname, linetable, exceptiontable) =
            (next(), next(), next(), next(), next());
        // Checked by variant (the common case); the message names types.
        let fields = [
            (&code, "co_code", Want::Bytes),
            (&consts, "co_consts", Want::Tuple),
            (&names, "co_names", Want::Tuple),
            (&localsplusnames, "co_localsplusnames", Want::Tuple),
            (&localspluskinds, "co_localspluskinds", Want::Bytes),
            (&filename, "co_filename", Want::Str),
            (&name, "co_name", Want::Str),
            (&qualname, "co_qualname", Want::Str),
            (&linetable, "co_linetable", Want::Bytes),
            (&exceptiontable, "co_exceptiontable", Want::Bytes),
        ];
        for (o, field, want) in fields {
            if !want.matches(o.value()) {
                return Err(bad(format!(
                    "code: {field} is {} where {} is required",
                    o.type_name(),
                    want.name()
                )));
            }
        }
        let lp_names = localsplusnames.as_tuple().unwrap_or(&[]);
        let lp_kinds = localspluskinds.as_bytes().unwrap_or(&[]);
        if lp_names.len() != lp_kinds.len() {
            return Err(bad(format!(
                "code: {} localsplus names but {} kinds",
                lp_names.len(),
                lp_kinds.len()
            )));
        }
        let code_len = code.as_bytes().map_or(0, |b| b.len());
        if code_len > i32::MAX as usize || code_len % 2 != 0 {
            return Err(bad("code: co_code is malformed".into()));
        }
        let nlocals = lp_kinds.iter().filter(|&&k| k & CO_FAST_LOCAL != 0).count() as i64;
        let flags_u = flags as u32;
        let nplain = nlocals
            - i64::from(argcount)
            - i64::from(kwonlyargcount)
            - i64::from(flags_u & CO_VARARGS != 0)
            - i64::from(flags_u & CO_VARKEYWORDS != 0);
        if nplain < 0 {
            return Err(bad("code: co_varnames is too small".into()));
        }
        let all_str = |t: &Obj| {
            t.as_tuple()
                .unwrap_or(&[])
                .iter()
                .all(|o| o.as_str().is_some())
        };
        if !all_str(&names) || !all_str(&localsplusnames) {
            return Err(bad("non-string found in code slot".into()));
        }
        Ok(CodeObject {
            argcount,
            posonlyargcount,
            kwonlyargcount,
            stacksize,
            flags,
            code,
            consts,
            names,
            localsplusnames,
            localspluskinds,
            filename,
            name,
            qualname,
            firstlineno: c.firstlineno,
            linetable,
            exceptiontable,
        })
    }
}

/// The type a code object's field must have.
#[derive(Clone, Copy)]
enum Want {
    Bytes,
    Tuple,
    Str,
}

impl Want {
    #[inline]
    fn matches(self, o: &Object) -> bool {
        matches!(
            (self, o),
            (Want::Bytes, Object::Bytes(_))
                | (Want::Tuple, Object::Tuple(_))
                | (Want::Str, Object::Str(_))
        )
    }

    fn name(self) -> &'static str {
        match self {
            Want::Bytes => "bytes",
            Want::Tuple => "tuple",
            Want::Str => "str",
        }
    }
}

fn seq_value(kind: SeqKind, items: Vec<Obj>) -> Object {
    match kind {
        SeqKind::Tuple => Object::Tuple(items),
        SeqKind::List => Object::List(items),
        SeqKind::Set => Object::Set(items),
        SeqKind::FrozenSet => Object::FrozenSet(items),
    }
}

/// Parse float text as `PyOS_string_to_double` does (no surrounding
/// spaces, no underscores; `inf`, `infinity`, `nan` in any case, signed).
fn parse_py_float(text: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(text).ok()?;
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let magnitude = if body.eq_ignore_ascii_case("nan") {
        f64::NAN
    } else if body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity") {
        f64::INFINITY
    } else if body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && body
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        body.parse().ok()?
    } else {
        return None;
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// The `UnicodeDecodeError` CPython's UTF-8 decoder raises for the bad
/// sequence starting at `pos`.
fn utf8_error(b: &[u8], pos: usize) -> K {
    let b0 = b.get(pos).copied().unwrap_or(0);
    let (need, lo, hi) = match b0 {
        0xC2..=0xDF => (1, 0x80, 0xBF),
        0xE0 => (2, 0xA0, 0xBF),
        0xE1..=0xEF => (2, 0x80, 0xBF),
        0xF0 => (3, 0x90, 0xBF),
        0xF1..=0xF3 => (3, 0x80, 0xBF),
        0xF4 => (3, 0x80, 0x8F),
        _ => {
            return K::BadUtf8 {
                byte: b0,
                position: pos,
                reason: "invalid start byte",
            }
        }
    };
    // The second byte has the narrowed range; later ones are 80..BF.
    for i in 1..=need {
        let range = if i == 1 { lo..=hi } else { 0x80..=0xBF };
        match b.get(pos + i) {
            None => {
                return K::BadUtf8 {
                    byte: b0,
                    position: pos,
                    reason: "unexpected end of data",
                }
            }
            Some(c) if range.contains(c) => {}
            Some(_) => {
                return K::BadUtf8 {
                    byte: b0,
                    position: pos,
                    reason: "invalid continuation byte",
                }
            }
        }
    }
    K::BadUtf8 {
        byte: b0,
        position: pos,
        reason: "invalid continuation byte",
    }
}
