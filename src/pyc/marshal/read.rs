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

use nom::bytes::complete::take;
use nom::number::complete::{le_f64, le_i32, le_i64, le_u16, le_u8};
use num_bigint::{BigInt, BigUint, Sign};
use num_traits::ToPrimitive;

use super::build::{Builder, CodeParts, SeqKind, Shape, Singleton, StrData, StrEnc, TreeBuilder};
use super::types::*;
use super::{MarshalError, MarshalErrorKind as K, MAX_MARSHAL_STACK_DEPTH};
use crate::pyc::code::{CO_FAST_LOCAL, CO_VARARGS, CO_VARKEYWORDS};
use crate::pyc::object::{validate_wtf8, Obj};

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
    Reader::new(data, base_offset, TreeBuilder::default()).read_object()
}

/// Like [`loads`], also giving how many bytes the object took (what
/// follows it is left alone, as `marshal.load` leaves it in the file).
pub fn loads_prefix(data: &[u8]) -> Res<(Obj, usize)> {
    let (obj, used, _) = load_with(data, TreeBuilder::default())?;
    Ok((obj, used))
}

/// Read one object from `data` with `builder` making its objects; also
/// gives how many bytes it took, and the builder back.
pub fn load_with<'a, B: Builder<'a>>(data: &'a [u8], builder: B) -> Res<(B::Item, usize, B)> {
    let mut r = Reader::new(data, 0, builder);
    let obj = r.read_object()?;
    let used = r.pos();
    Ok((obj, used, r.b))
}

/// A number read from `TYPE_LONG`.
enum Num {
    Small(i64),
    Big(BigInt),
}

/// A container whose children are being read.
enum Frame<T> {
    Seq {
        kind: SeqKind,
        items: Vec<T>,
        len: usize,
        flag: bool,
        idx: usize,
    },
    Dict {
        items: Vec<(T, T)>,
        key: Option<T>,
        flag: bool,
        idx: usize,
    },
    /// Boxed: a code object's frame is large, and the sequence frames
    /// pushed and popped far more often stay small.
    Code(Box<CodeFrame<T>>),
}

struct CodeFrame<T> {
    /// argcount, posonlyargcount, kwonlyargcount, stacksize, flags.
    header: [i32; 5],
    /// code, consts, names, localsplusnames, localspluskinds, filename,
    /// name, qualname, linetable, exceptiontable (in stream order).
    fields: Vec<T>,
    firstlineno: i32,
    flag: bool,
    idx: usize,
    /// Offset of the code object's type byte (for validation errors).
    start: usize,
}

/// What reading one type code produced.
enum Step<T> {
    /// A finished value; `None` is marshal's NULL.
    Value(Option<T>),
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

struct Reader<'a, B: Builder<'a>> {
    data: &'a [u8],
    rest: &'a [u8],
    base: usize,
    /// The reference table: `None` for an index reserved but not filled.
    refs: Vec<Option<B::Item>>,
    /// Bytes the open sequences still need after the current child (one
    /// per outstanding element), so nested length claims cannot add up to
    /// more memory than the input could fill.
    pending: usize,
    b: B,
}

impl<'a, B: Builder<'a>> Reader<'a, B> {
    fn new(data: &'a [u8], base: usize, b: B) -> Reader<'a, B> {
        Reader {
            data,
            rest: data,
            base,
            // About one flagged object per 16 bytes in CPython's .pyc
            // bodies: pre-size so the table is rarely grown.
            refs: Vec::with_capacity((data.len() / 16).min(1 << 16)),
            pending: 0,
            b,
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

    /// Fill the reserved index of a finished object.
    #[inline]
    fn fill(&mut self, item: B::Item, flag: bool, idx: usize) -> B::Item {
        if flag {
            if let Some(slot) = self.refs.get_mut(idx) {
                *slot = Some(item.clone());
            }
        }
        item
    }

    /// A leaf object (no children): reserve, make and fill at once
    /// (`R_REF`).
    #[inline]
    fn leaf(
        &mut self,
        flag: bool,
        at: usize,
        make: impl FnOnce(&mut B, Option<usize>) -> B::Item,
    ) -> Res<Option<B::Item>> {
        let idx = self.reserve(flag, at)?;
        let item = make(&mut self.b, flag.then_some(idx));
        Ok(Some(self.fill(item, flag, idx)))
    }

    fn read_object(&mut self) -> Res<B::Item> {
        let mut stack: Vec<Frame<B::Item>> = Vec::with_capacity(16);
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
                        result = Some(self.finish(frame, start)?);
                    }
                }
            }
        }
    }

    /// Read the object whose type byte `code` (at `start`) was just read.
    fn read_one(
        &mut self,
        code: u8,
        start: usize,
        stack: &mut Vec<Frame<B::Item>>,
    ) -> Res<Step<B::Item>> {
        let flag = code & FLAG_REF != 0;
        let value = match code & !FLAG_REF {
            TYPE_NULL => None,
            TYPE_NONE => Some(self.b.singleton(Singleton::None)),
            TYPE_TRUE => Some(self.b.singleton(Singleton::True)),
            TYPE_FALSE => Some(self.b.singleton(Singleton::False)),
            TYPE_ELLIPSIS => Some(self.b.singleton(Singleton::Ellipsis)),
            TYPE_STOPITER => Some(self.b.singleton(Singleton::StopIteration)),
            TYPE_INT => {
                let v = self.long()?;
                self.leaf(flag, start, |b, r| b.int(v.into(), r))?
            }
            TYPE_INT64 => {
                let v = self.long64()?;
                self.leaf(flag, start, |b, r| b.int(v, r))?
            }
            TYPE_LONG => match self.read_long()? {
                Num::Small(v) => self.leaf(flag, start, |b, r| b.int(v, r))?,
                Num::Big(v) => self.leaf(flag, start, |b, r| b.long(v, r))?,
            },
            TYPE_FLOAT => {
                let v = self.float_str()?;
                self.leaf(flag, start, |b, r| b.float(v, r))?
            }
            TYPE_BINARY_FLOAT => {
                let v = self.float_bin()?;
                self.leaf(flag, start, |b, r| b.float(v, r))?
            }
            TYPE_COMPLEX => {
                let re = self.float_str()?;
                let im = self.float_str()?;
                self.leaf(flag, start, |b, r| b.complex(re, im, r))?
            }
            TYPE_BINARY_COMPLEX => {
                let re = self.float_bin()?;
                let im = self.float_bin()?;
                self.leaf(flag, start, |b, r| b.complex(re, im, r))?
            }
            TYPE_STRING => {
                let n = self.size("bytes object")?;
                let bytes = self.take(n)?;
                self.leaf(flag, start, |b, r| b.bytes(bytes, r))?
            }
            TYPE_ASCII | TYPE_ASCII_INTERNED => {
                let n = self.size("string")?;
                let s = self.ascii(n, code & !FLAG_REF == TYPE_ASCII_INTERNED)?;
                self.leaf(flag, start, |b, r| b.str(s, r))?
            }
            TYPE_SHORT_ASCII | TYPE_SHORT_ASCII_INTERNED => {
                let n = self.len_byte()?;
                let s = self.ascii(n, code & !FLAG_REF == TYPE_SHORT_ASCII_INTERNED)?;
                self.leaf(flag, start, |b, r| b.str(s, r))?
            }
            TYPE_UNICODE | TYPE_INTERNED => {
                let n = self.size("string")?;
                let s = self.unicode(n, code & !FLAG_REF == TYPE_INTERNED)?;
                self.leaf(flag, start, |b, r| b.str(s, r))?
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
                    fields: Vec::with_capacity(10),
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
                    .and_then(|i| Some((i, self.refs.get(i)?.clone()?)));
                match found {
                    Some((i, o)) => {
                        self.b.on_ref(i);
                        Some(o)
                    }
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
        stack: &mut Vec<Frame<B::Item>>,
    ) -> Res<Step<B::Item>> {
        let idx = self.reserve(flag, start)?;
        if len == 0 {
            let item = self
                .b
                .seq(kind, Vec::new(), flag.then_some(idx))
                .map_err(|k| self.err(k, start))?;
            return Ok(Step::Value(Some(self.fill(item, flag, idx))));
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
    fn deliver(
        &mut self,
        top: &mut Frame<B::Item>,
        value: Option<B::Item>,
        at: usize,
    ) -> Res<Delivered> {
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
                c.fields.push(obj);
                match c.fields.len() {
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

    fn check_hashable(&mut self, item: &B::Item, at: usize) -> Res<()> {
        self.b
            .check_hashable(item)
            .map_err(|t| self.err(K::Unhashable(t), at))
    }

    /// Build the object of a completed container (its last child was read
    /// at `at`).
    fn finish(&mut self, frame: Frame<B::Item>, at: usize) -> Res<B::Item> {
        let (item, flag, idx) = match frame {
            Frame::Seq {
                kind,
                items,
                flag,
                idx,
                ..
            } => {
                let item = self.b.seq(kind, items, flag.then_some(idx));
                (item.map_err(|k| self.err(k, at))?, flag, idx)
            }
            Frame::Dict {
                items, flag, idx, ..
            } => {
                let item = self.b.dict(items, flag.then_some(idx));
                (item.map_err(|k| self.err(k, at))?, flag, idx)
            }
            Frame::Code(c) => {
                let (flag, idx) = (c.flag, c.idx);
                let parts = self.check_code(*c)?;
                (self.b.code(parts, flag.then_some(idx)), flag, idx)
            }
        };
        Ok(self.fill(item, flag, idx))
    }

    /// `TYPE_LONG`: a signed count of 15-bit digits, least significant
    /// first; each digit below 2**15 and the top one nonzero.
    fn read_long(&mut self) -> Res<Num> {
        let at = self.pos();
        let n = self.long()?;
        if n == 0 {
            return Ok(Num::Small(0));
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
            return Ok(Num::Small(if negative { -v } else { v }));
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
            Some(v) => Num::Small(v),
            None => Num::Big(big),
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
    fn ascii(&mut self, n: usize, interned: bool) -> Res<StrData<'a>> {
        let bytes = self.take(n)?;
        let enc = if bytes.is_ascii() {
            StrEnc::Ascii
        } else {
            StrEnc::Latin1
        };
        Ok(StrData::new(bytes, enc, interned))
    }

    /// `TYPE_UNICODE`/`TYPE_INTERNED`: UTF-8 decoded with `surrogatepass`.
    fn unicode(&mut self, n: usize, interned: bool) -> Res<StrData<'a>> {
        let at = self.pos();
        let bytes = self.take(n)?;
        if std::str::from_utf8(bytes).is_ok() {
            return Ok(StrData::new(bytes, StrEnc::Utf8, interned));
        }
        if let Err(pos) = validate_wtf8(bytes) {
            return Err(self.err(utf8_error(bytes, pos), at + pos));
        }
        Ok(StrData::new(bytes, StrEnc::Wtf8, interned))
    }

    /// The checks of `_PyCode_Validate` and `intern_strings` on a
    /// complete code object's parts.
    fn check_code(&self, c: CodeFrame<B::Item>) -> Res<CodeParts<B::Item>> {
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
        let Ok(fields) = <[B::Item; 10]>::try_from(c.fields) else {
            return Err(bad("code: missing fields".into()));
        };
        const WANT: [(&str, Want); 10] = [
            ("co_code", Want::Bytes),
            ("co_consts", Want::Tuple),
            ("co_names", Want::Tuple),
            ("co_localsplusnames", Want::Tuple),
            ("co_localspluskinds", Want::Bytes),
            ("co_filename", Want::Str),
            ("co_name", Want::Str),
            ("co_qualname", Want::Str),
            ("co_linetable", Want::Bytes),
            ("co_exceptiontable", Want::Bytes),
        ];
        // Checked by shape (the common case); the message names types.
        for (o, (field, want)) in fields.iter().zip(WANT) {
            let shape = self.b.shape(o);
            if !want.matches(shape) {
                return Err(bad(format!(
                    "code: {field} is {} where {} is required",
                    shape_name(shape),
                    want.name()
                )));
            }
        }
        let [code, _, names, localsplusnames, localspluskinds, ..] = &fields;
        let lp_len = match self.b.shape(localsplusnames) {
            Shape::Tuple(n) => n,
            _ => 0,
        };
        let lp_kinds = match self.b.shape(localspluskinds) {
            Shape::Bytes(b) => b,
            _ => &[],
        };
        if lp_len != lp_kinds.len() {
            return Err(bad(format!(
                "code: {} localsplus names but {} kinds",
                lp_len,
                lp_kinds.len()
            )));
        }
        let code_len = match self.b.shape(code) {
            Shape::Bytes(b) => b.len(),
            _ => 0,
        };
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
        if !self.b.all_str(names) || !self.b.all_str(localsplusnames) {
            return Err(bad("non-string found in code slot".into()));
        }
        Ok(CodeParts {
            header: c.header,
            fields,
            firstlineno: c.firstlineno,
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
    fn matches(self, o: Shape<'_>) -> bool {
        matches!(
            (self, o),
            (Want::Bytes, Shape::Bytes(_))
                | (Want::Tuple, Shape::Tuple(_))
                | (Want::Str, Shape::Str)
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

fn shape_name(s: Shape<'_>) -> &'static str {
    match s {
        Shape::Bytes(_) => "bytes",
        Shape::Tuple(_) => "tuple",
        Shape::Str => "str",
        Shape::Other(name) => name,
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
