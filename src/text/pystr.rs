//! [`PyStrData`]: an immutable Python `str`.
//!
//! Storage is "generalized UTF-8": every code point, lone surrogates
//! included, is encoded on its own with the UTF-8 formula (a surrogate
//! takes three bytes, `ED A0..BF xx`). Unlike WTF-8, a high surrogate
//! followed by a low one is NOT merged into a four-byte sequence, because
//! in Python `'\ud83d\ude00'` (two code points) and `'😀'` (one) are
//! different strings. With that encoding, byte order equals code point
//! order, so comparison is a byte comparison, and a substring search over
//! bytes finds exactly the code-point matches.
//!
//! Cached alongside: the length in code points, the largest code point
//! (ASCII, UCS1, UCS2 or UCS4 "kind", which the hash needs), whether there
//! are surrogates, the hash once computed, and for non-ASCII strings an
//! index of byte offsets (one per 64 code points) built on the first
//! random access.

use std::cell::{Cell, OnceCell};
use std::cmp::Ordering;
use std::fmt;

use super::TextError;
use crate::pyhash;

/// The default cap on a built string's size in bytes (CPython's
/// `PY_SSIZE_T_MAX`).
pub const DEFAULT_MAX_STR_BYTES: usize = isize::MAX as usize;

/// Code points per entry of the lazily built offset index.
const INDEX_STEP: usize = 64;

/// An immutable Python string (see the module docs for the storage).
#[derive(Clone)]
pub struct PyStrData {
    bytes: Box<[u8]>,
    char_len: usize,
    max_char: u32,
    has_surrogates: bool,
    /// -1 until computed (a Python hash is never -1).
    hash: Cell<i64>,
    /// Byte offset of code point `k * INDEX_STEP`, for non-ASCII strings.
    index: OnceCell<Box<[usize]>>,
}

/// The byte length of the sequence led by `b`.
fn seq_len(b: u8) -> usize {
    match b {
        0..=0x7F => 1,
        0x80..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// Decodes the (valid) sequence at `i`: (code point, byte length).
fn decode_at(b: &[u8], i: usize) -> (u32, usize) {
    let lead = b.get(i).copied().unwrap_or(0);
    let cont = |k: usize| u32::from(b.get(i + k).copied().unwrap_or(0x80) & 0x3F);
    match seq_len(lead) {
        1 => (u32::from(lead), 1),
        2 => ((u32::from(lead & 0x1F) << 6) | cont(1), 2),
        3 => ((u32::from(lead & 0x0F) << 12) | (cont(1) << 6) | cont(2), 3),
        _ => (
            (u32::from(lead & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3),
            4,
        ),
    }
}

/// Appends code point `cp` (at most U+10FFFF; surrogates allowed) in
/// generalized UTF-8.
pub(crate) fn push_cp(out: &mut Vec<u8>, cp: u32) {
    if cp < 0x80 {
        out.push(cp as u8);
    } else if cp < 0x800 {
        out.extend_from_slice(&[0xC0 | (cp >> 6) as u8, 0x80 | (cp & 0x3F) as u8]);
    } else if cp < 0x10000 {
        out.extend_from_slice(&[
            0xE0 | (cp >> 12) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
    } else {
        out.extend_from_slice(&[
            0xF0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3F) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]);
    }
}

fn is_surrogate(cp: u32) -> bool {
    (0xD800..=0xDFFF).contains(&cp)
}

/// Iterator over the code points of a [`PyStrData`] (double-ended, exact size).
#[derive(Clone)]
pub struct CodePoints<'a> {
    bytes: &'a [u8],
    front: usize,
    back: usize,
    remaining: usize,
}

impl Iterator for CodePoints<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if self.front >= self.back {
            return None;
        }
        let (cp, n) = decode_at(self.bytes, self.front);
        self.front += n;
        self.remaining = self.remaining.saturating_sub(1);
        Some(cp)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl DoubleEndedIterator for CodePoints<'_> {
    fn next_back(&mut self) -> Option<u32> {
        if self.front >= self.back {
            return None;
        }
        let mut i = self.back - 1;
        while i > self.front && self.bytes.get(i).is_some_and(|&b| b & 0xC0 == 0x80) {
            i -= 1;
        }
        let (cp, _) = decode_at(self.bytes, i);
        self.back = i;
        self.remaining = self.remaining.saturating_sub(1);
        Some(cp)
    }
}

impl ExactSizeIterator for CodePoints<'_> {}

impl PyStrData {
    /// Builds from bytes already known to be valid generalized UTF-8,
    /// computing the cached facts.
    pub(crate) fn from_valid(bytes: Vec<u8>) -> Self {
        let (mut char_len, mut max_char, mut has_surrogates) = (0, 0, false);
        if bytes.is_ascii() {
            char_len = bytes.len();
            max_char = bytes.iter().copied().max().map_or(0, u32::from);
        } else {
            let mut i = 0;
            while i < bytes.len() {
                let (cp, n) = decode_at(&bytes, i);
                i += n;
                char_len += 1;
                max_char = max_char.max(cp);
                has_surrogates |= is_surrogate(cp);
            }
        }
        PyStrData {
            bytes: bytes.into_boxed_slice(),
            char_len,
            max_char,
            has_surrogates,
            hash: Cell::new(-1),
            index: OnceCell::new(),
        }
    }

    /// The empty string.
    pub fn empty() -> Self {
        Self::from_valid(Vec::new())
    }

    /// From a Rust string (never has surrogates). Infallible, so not
    /// `FromStr`.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(s: &str) -> Self {
        Self::from_valid(s.as_bytes().to_vec())
    }

    /// From a Rust `String` without copying.
    pub fn from_string(s: String) -> Self {
        Self::from_valid(s.into_bytes())
    }

    /// From Latin-1 bytes: each byte is one code point (`bytes.decode('latin-1')`).
    pub fn from_latin1(b: &[u8]) -> Self {
        if b.is_ascii() {
            return Self::from_valid(b.to_vec());
        }
        let mut out = Vec::with_capacity(b.len() * 2);
        for &c in b {
            push_cp(&mut out, u32::from(c));
        }
        Self::from_valid(out)
    }

    /// From generalized UTF-8 (lone surrogates as three-byte sequences),
    /// validated: no overlong forms, nothing above U+10FFFF, no truncated
    /// sequence.
    pub fn from_wtf8(bytes: Vec<u8>) -> Result<Self, TextError> {
        let mut i = 0;
        while i < bytes.len() {
            let n = valid_seq_len(&bytes, i).ok_or_else(|| {
                TextError::Value(format!("invalid surrogate-tolerant UTF-8 at byte {i}"))
            })?;
            i += n;
        }
        Ok(Self::from_valid(bytes))
    }

    /// From code points; `None` if one is above U+10FFFF.
    pub fn try_from_code_points(cps: impl IntoIterator<Item = u32>) -> Option<Self> {
        let it = cps.into_iter();
        let mut out = Vec::with_capacity(it.size_hint().0);
        for cp in it {
            if cp > 0x10FFFF {
                return None;
            }
            push_cp(&mut out, cp);
        }
        Some(Self::from_valid(out))
    }

    /// From code points; any above U+10FFFF become U+FFFD.
    pub fn from_code_points(cps: &[u32]) -> Self {
        Self::from_cp_iter(cps.iter().copied())
    }

    /// [`PyStrData::from_code_points`] from an iterator.
    pub fn from_cp_iter(cps: impl IntoIterator<Item = u32>) -> Self {
        let it = cps.into_iter();
        let mut out = Vec::with_capacity(it.size_hint().0);
        for cp in it {
            push_cp(&mut out, if cp > 0x10FFFF { 0xFFFD } else { cp });
        }
        Self::from_valid(out)
    }

    /// The stored bytes (generalized UTF-8).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The string as `&str`; `None` when it holds lone surrogates.
    pub fn as_str(&self) -> Option<&str> {
        if self.has_surrogates {
            None
        } else {
            std::str::from_utf8(&self.bytes).ok()
        }
    }

    /// The string with every lone surrogate replaced by U+FFFD.
    pub fn to_string_lossy(&self) -> String {
        match self.as_str() {
            Some(s) => s.to_string(),
            None => self
                .code_points()
                .map(|c| char::from_u32(c).unwrap_or('\u{FFFD}'))
                .collect(),
        }
    }

    /// Length in code points (`len(s)`).
    pub fn len(&self) -> usize {
        self.char_len
    }

    /// `len(s) == 0`.
    pub fn is_empty(&self) -> bool {
        self.char_len == 0
    }

    /// `s.isascii()`.
    pub fn is_ascii(&self) -> bool {
        self.max_char < 0x80
    }

    /// The largest code point (0 for the empty string).
    pub fn max_char(&self) -> u32 {
        self.max_char
    }

    /// Whether some code point is a (lone) surrogate.
    pub fn has_surrogates(&self) -> bool {
        self.has_surrogates
    }

    /// CPython's storage width: 1, 2 or 4 bytes per code point.
    pub fn kind(&self) -> usize {
        match self.max_char {
            0..=0xFF => 1,
            0x100..=0xFFFF => 2,
            _ => 4,
        }
    }

    /// The code points, front to back (or back to front).
    pub fn code_points(&self) -> CodePoints<'_> {
        CodePoints {
            bytes: &self.bytes,
            front: 0,
            back: self.bytes.len(),
            remaining: self.char_len,
        }
    }

    /// All code points in a vector.
    pub fn to_cps(&self) -> Vec<u32> {
        if self.is_ascii() {
            return self.bytes.iter().map(|&b| u32::from(b)).collect();
        }
        self.code_points().collect()
    }

    fn offsets(&self) -> &[usize] {
        self.index.get_or_init(|| {
            let mut idx = Vec::with_capacity(self.char_len / INDEX_STEP + 1);
            let mut i = 0;
            let mut k = 0;
            while i < self.bytes.len() {
                if k % INDEX_STEP == 0 {
                    idx.push(i);
                }
                i += seq_len(self.bytes.get(i).copied().unwrap_or(0));
                k += 1;
            }
            idx.into_boxed_slice()
        })
    }

    /// Byte offset of code point `i` (`i <= len`).
    fn byte_offset(&self, i: usize) -> usize {
        if self.is_ascii() || i == 0 {
            return i.min(self.bytes.len());
        }
        if i >= self.char_len {
            return self.bytes.len();
        }
        let mut pos = self
            .offsets()
            .get(i / INDEX_STEP)
            .copied()
            .unwrap_or(self.bytes.len());
        for _ in 0..i % INDEX_STEP {
            pos += seq_len(self.bytes.get(pos).copied().unwrap_or(0));
        }
        pos
    }

    /// `s[i]` as a code point, for `0 <= i < len`. O(1) for ASCII strings;
    /// otherwise at most 63 sequences are walked after the first call
    /// builds the offset index.
    pub fn char_at(&self, i: usize) -> Option<u32> {
        if i >= self.char_len {
            return None;
        }
        if self.is_ascii() {
            return self.bytes.get(i).map(|&b| u32::from(b));
        }
        Some(decode_at(&self.bytes, self.byte_offset(i)).0)
    }

    /// `s[i]` with a Python index (negative counts from the end):
    /// `IndexError: string index out of range` outside.
    pub fn getitem(&self, i: i64) -> Result<Self, TextError> {
        let n = i64::try_from(self.char_len).unwrap_or(i64::MAX);
        let j = if i < 0 { i.saturating_add(n) } else { i };
        usize::try_from(j)
            .ok()
            .filter(|&j| j < self.char_len)
            .map(|j| self.substring(j, j + 1))
            .ok_or_else(|| TextError::Index("string index out of range".into()))
    }

    /// `s[start:stop]` for `0 <= start`, `stop <= len` (empty if
    /// `start >= stop`).
    pub fn substring(&self, start: usize, stop: usize) -> Self {
        let stop = stop.min(self.char_len);
        if start >= stop {
            return Self::empty();
        }
        if start == 0 && stop == self.char_len {
            return self.clone();
        }
        let (a, b) = (self.byte_offset(start), self.byte_offset(stop));
        let bytes = self.bytes.get(a..b).unwrap_or(&[]).to_vec();
        if self.is_ascii() {
            return PyStrData {
                char_len: bytes.len(),
                max_char: bytes.iter().copied().max().map_or(0, u32::from),
                bytes: bytes.into_boxed_slice(),
                has_surrogates: false,
                hash: Cell::new(-1),
                index: OnceCell::new(),
            };
        }
        Self::from_valid(bytes)
    }

    /// `s[start:stop:step]` with indices already normalised by
    /// [`super::slice_indices`] (`step != 0`).
    pub fn slice(&self, start: isize, stop: isize, step: isize) -> Self {
        let count = if step > 0 && start < stop {
            (stop - start - 1) / step + 1
        } else if step < 0 && stop < start {
            (start - stop - 1) / -step + 1
        } else {
            0
        };
        if count <= 0 || start < 0 {
            return Self::empty();
        }
        let (start, count) = (start as usize, count as usize);
        if step == 1 {
            return self.substring(start, start + count);
        }
        if self.is_ascii() {
            let out: Vec<u8> = (0..count)
                .filter_map(|k| {
                    let i = start as isize + k as isize * step;
                    self.bytes.get(i as usize).copied()
                })
                .collect();
            return Self::from_valid(out);
        }
        let cps = self.to_cps();
        Self::from_cp_iter((0..count).filter_map(|k| {
            let i = start as isize + k as isize * step;
            cps.get(i as usize).copied()
        }))
    }

    /// `self + other`.
    pub fn concat(&self, other: &Self) -> Self {
        if other.is_empty() {
            return self.clone();
        }
        if self.is_empty() {
            return other.clone();
        }
        let mut bytes = Vec::with_capacity(self.bytes.len() + other.bytes.len());
        bytes.extend_from_slice(&self.bytes);
        bytes.extend_from_slice(&other.bytes);
        PyStrData {
            bytes: bytes.into_boxed_slice(),
            char_len: self.char_len + other.char_len,
            max_char: self.max_char.max(other.max_char),
            has_surrogates: self.has_surrogates || other.has_surrogates,
            hash: Cell::new(-1),
            index: OnceCell::new(),
        }
    }

    /// `self * n` (n <= 0 gives ''), refusing results beyond
    /// [`DEFAULT_MAX_STR_BYTES`] with CPython's `OverflowError`.
    pub fn repeat(&self, n: i64) -> Result<Self, TextError> {
        self.repeat_capped(n, DEFAULT_MAX_STR_BYTES)
    }

    /// [`PyStrData::repeat`] with a cap in bytes: beyond `isize::MAX`
    /// `OverflowError: repeated string is too long`, beyond `max_bytes`
    /// `MemoryError`.
    pub fn repeat_capped(&self, n: i64, max_bytes: usize) -> Result<Self, TextError> {
        if n <= 0 || self.is_empty() {
            return Ok(Self::empty());
        }
        if n == 1 {
            return Ok(self.clone());
        }
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        let size = self
            .bytes
            .len()
            .checked_mul(n)
            .filter(|&s| s <= DEFAULT_MAX_STR_BYTES)
            .ok_or_else(|| TextError::Overflow("repeated string is too long".into()))?;
        if size > max_bytes {
            return Err(TextError::Memory(String::new()));
        }
        Ok(PyStrData {
            bytes: self.bytes.repeat(n).into_boxed_slice(),
            char_len: self.char_len * n,
            max_char: self.max_char,
            has_surrogates: self.has_surrogates,
            hash: Cell::new(-1),
            index: OnceCell::new(),
        })
    }

    /// `hash(s)` as CPython 3.11 computes it with `PYTHONHASHSEED=0`:
    /// SipHash-1-3 (zero key) over the UCS1/UCS2/UCS4 little-endian form.
    /// Computed once, then cached.
    pub fn hash(&self) -> i64 {
        let h = self.hash.get();
        if h != -1 {
            return h;
        }
        let h = if self.is_ascii() {
            pyhash::hash_bytes(&self.bytes)
        } else {
            let width = self.kind();
            let mut buf = Vec::with_capacity(self.char_len * width);
            for c in self.code_points() {
                buf.extend_from_slice(c.to_le_bytes().get(..width).unwrap_or(&[]));
            }
            pyhash::hash_bytes(&buf)
        };
        self.hash.set(h);
        h
    }

    /// Python's `repr(s)`.
    pub fn repr(&self) -> String {
        crate::pyfmt::str_repr(&self.to_cps())
    }
}

/// Length of the valid generalized-UTF-8 sequence at `i`, if any.
fn valid_seq_len(b: &[u8], i: usize) -> Option<usize> {
    let lead = *b.get(i)?;
    let cont = |k: usize| b.get(i + k).filter(|&&c| c & 0xC0 == 0x80).copied();
    match lead {
        0..=0x7F => Some(1),
        0xC2..=0xDF => cont(1).map(|_| 2),
        0xE0..=0xEF => {
            let c1 = cont(1)?;
            cont(2)?;
            (lead != 0xE0 || c1 >= 0xA0).then_some(3)
        }
        0xF0..=0xF4 => {
            let c1 = cont(1)?;
            cont(2)?;
            cont(3)?;
            let ok = match lead {
                0xF0 => c1 >= 0x90,
                0xF4 => c1 < 0x90,
                _ => true,
            };
            ok.then_some(4)
        }
        _ => None,
    }
}

impl Default for PyStrData {
    fn default() -> Self {
        Self::empty()
    }
}

impl PartialEq for PyStrData {
    fn eq(&self, other: &Self) -> bool {
        self.char_len == other.char_len && self.bytes == other.bytes
    }
}

impl Eq for PyStrData {}

impl PartialOrd for PyStrData {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PyStrData {
    /// Code point order: with every code point encoded on its own,
    /// this is the byte order.
    fn cmp(&self, other: &Self) -> Ordering {
        self.bytes.cmp(&other.bytes)
    }
}

impl std::hash::Hash for PyStrData {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bytes.hash(state);
    }
}

impl fmt::Debug for PyStrData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repr())
    }
}

impl fmt::Display for PyStrData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

impl From<&str> for PyStrData {
    fn from(s: &str) -> Self {
        Self::from_str(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrogates_and_order() {
        let pair = PyStrData::from_code_points(&[0xD83D, 0xDE00]);
        let astral = PyStrData::from_str("😀");
        assert_ne!(pair, astral);
        assert_eq!(pair.len(), 2);
        assert!(pair.as_str().is_none() && pair.has_surrogates());
        assert!(pair < astral);
        assert!(PyStrData::from_str("\u{FFFF}") < astral);
        assert!(PyStrData::from_code_points(&[0xDFFF]) < PyStrData::from_str("\u{E000}"));
        assert!(PyStrData::from_wtf8(pair.as_bytes().to_vec()).is_ok());
        assert!(PyStrData::from_wtf8(vec![0xED, 0xA0]).is_err());
        assert!(PyStrData::from_wtf8(vec![0xC0, 0x80]).is_err());
        assert_eq!(
            pair.code_points().rev().collect::<Vec<_>>(),
            [0xDE00, 0xD83D]
        );
    }

    #[test]
    fn indexing() {
        let cps: Vec<u32> = (0..300u32)
            .map(|i| {
                if i % 3 == 0 {
                    0x1F600 + i
                } else {
                    0x61 + i % 20
                }
            })
            .collect();
        let s = PyStrData::from_code_points(&cps);
        for (i, &c) in cps.iter().enumerate() {
            assert_eq!(s.char_at(i), Some(c));
        }
        assert_eq!(s.char_at(300), None);
        assert_eq!(s.substring(100, 200).to_cps(), cps[100..200]);
        assert_eq!(s.hash(), pyhash::hash_str_cps(&cps));
        assert_eq!(
            PyStrData::from_str("abc").repeat(3).ok().map(|s| s.len()),
            Some(9)
        );
    }
}
