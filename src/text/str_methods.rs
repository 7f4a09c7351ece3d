//! The algorithms of `str`'s methods with CPython 3.11's results and error
//! messages (Objects/unicodeobject.c). Every function takes the receiver
//! first. Strings made only of ASCII are processed as bytes; others as
//! code point vectors (so surrogates behave as in CPython).
//!
//! Arguments are already converted by the caller: `start`/`end` are
//! `Option<i64>`, `maxsplit`/`count` plain `i64` (negative = no limit),
//! a tuple of prefixes is looped over by the caller.

use super::core;
use super::{value_err, PyStrData, TextError};
use crate::unicode;

/// An element type the algorithms run over: bytes for ASCII strings,
/// code points otherwise.
pub(crate) trait Unit: Copy + Eq + From<u8> {
    fn cp(self) -> u32;
    fn build(v: Vec<Self>) -> PyStrData;
}

impl Unit for u8 {
    fn cp(self) -> u32 {
        u32::from(self)
    }
    /// Only used on ASCII data.
    fn build(v: Vec<u8>) -> PyStrData {
        PyStrData::from_valid(v)
    }
}

impl Unit for u32 {
    fn cp(self) -> u32 {
        self
    }
    fn build(v: Vec<u32>) -> PyStrData {
        PyStrData::from_code_points(&v)
    }
}

/// Runs `$body` with `$x` (and `$y`) bound to the receiver's (and
/// argument's) elements: bytes when all are ASCII, code points otherwise.
macro_rules! units {
    ($a:expr, |$x:ident| $body:expr) => {
        if $a.is_ascii() {
            let $x: &[u8] = $a.as_bytes();
            $body
        } else {
            let xa = $a.to_cps();
            let $x: &[u32] = &xa;
            $body
        }
    };
    ($a:expr, $b:expr, |$x:ident, $y:ident| $body:expr) => {
        if $a.is_ascii() && $b.is_ascii() {
            let $x: &[u8] = $a.as_bytes();
            let $y: &[u8] = $b.as_bytes();
            $body
        } else {
            let xa = $a.to_cps();
            let ya = $b.to_cps();
            let $x: &[u32] = &xa;
            let $y: &[u32] = &ya;
            $body
        }
    };
}

fn space<T: Unit>(c: T) -> bool {
    unicode::is_space(c.cp())
}

fn pieces(s: &PyStrData, ranges: Vec<std::ops::Range<usize>>) -> Vec<PyStrData> {
    ranges
        .into_iter()
        .map(|r| s.substring(r.start, r.end))
        .collect()
}

/// `s.find(sub, start, end)`; None for -1.
pub fn find(s: &PyStrData, sub: &PyStrData, start: Option<i64>, end: Option<i64>) -> Option<usize> {
    units!(s, sub, |x, y| core::find(x, y, start, end))
}

/// `s.rfind(sub, start, end)`; None for -1.
pub fn rfind(
    s: &PyStrData,
    sub: &PyStrData,
    start: Option<i64>,
    end: Option<i64>,
) -> Option<usize> {
    units!(s, sub, |x, y| core::rfind(x, y, start, end))
}

/// `s.index(sub, start, end)`.
pub fn index(
    s: &PyStrData,
    sub: &PyStrData,
    start: Option<i64>,
    end: Option<i64>,
) -> Result<usize, TextError> {
    find(s, sub, start, end).map_or_else(|| value_err("substring not found"), Ok)
}

/// `s.rindex(sub, start, end)`.
pub fn rindex(
    s: &PyStrData,
    sub: &PyStrData,
    start: Option<i64>,
    end: Option<i64>,
) -> Result<usize, TextError> {
    rfind(s, sub, start, end).map_or_else(|| value_err("substring not found"), Ok)
}

/// `s.count(sub, start, end)`.
pub fn count(s: &PyStrData, sub: &PyStrData, start: Option<i64>, end: Option<i64>) -> usize {
    units!(s, sub, |x, y| core::count(x, y, start, end))
}

/// `sub in s`.
pub fn contains(s: &PyStrData, sub: &PyStrData) -> bool {
    find(s, sub, None, None).is_some()
}

/// `s.replace(old, new, count)`.
pub fn replace(s: &PyStrData, old: &PyStrData, new: &PyStrData, count: i64) -> PyStrData {
    let all_ascii = s.is_ascii() && old.is_ascii() && new.is_ascii();
    let out = if all_ascii {
        core::replace(s.as_bytes(), old.as_bytes(), new.as_bytes(), count).map(u8::build)
    } else {
        core::replace(&s.to_cps(), &old.to_cps(), &new.to_cps(), count).map(u32::build)
    };
    out.unwrap_or_else(|| s.clone())
}

/// `s.split(sep, maxsplit)`.
pub fn split(
    s: &PyStrData,
    sep: Option<&PyStrData>,
    maxsplit: i64,
) -> Result<Vec<PyStrData>, TextError> {
    Ok(pieces(s, split_ranges(s, sep, maxsplit)?))
}

/// The code-point ranges of `s.split(sep, maxsplit)`'s pieces (callers
/// that make str objects straight from them skip the copies [`split`]
/// makes).
pub fn split_ranges(
    s: &PyStrData,
    sep: Option<&PyStrData>,
    maxsplit: i64,
) -> Result<Vec<std::ops::Range<usize>>, TextError> {
    Ok(match sep {
        None => units!(s, |x| core::split_whitespace(x, maxsplit, space)),
        Some(sep) if sep.is_empty() => return value_err("empty separator"),
        Some(sep) => units!(s, sep, |x, y| core::split(x, y, maxsplit)),
    })
}

/// `s.rsplit(sep, maxsplit)`.
pub fn rsplit(
    s: &PyStrData,
    sep: Option<&PyStrData>,
    maxsplit: i64,
) -> Result<Vec<PyStrData>, TextError> {
    Ok(pieces(s, rsplit_ranges(s, sep, maxsplit)?))
}

/// The code-point ranges of `s.rsplit(sep, maxsplit)`'s pieces.
pub fn rsplit_ranges(
    s: &PyStrData,
    sep: Option<&PyStrData>,
    maxsplit: i64,
) -> Result<Vec<std::ops::Range<usize>>, TextError> {
    Ok(match sep {
        None => units!(s, |x| core::rsplit_whitespace(x, maxsplit, space)),
        Some(sep) if sep.is_empty() => return value_err("empty separator"),
        Some(sep) => units!(s, sep, |x, y| core::rsplit(x, y, maxsplit)),
    })
}

/// `s.splitlines(keepends)`.
pub fn splitlines(s: &PyStrData, keepends: bool) -> Vec<PyStrData> {
    pieces(s, unicode::splitlines(&s.to_cps(), keepends))
}

fn strip_impl(s: &PyStrData, chars: Option<&PyStrData>, left: bool, right: bool) -> PyStrData {
    let r = match chars {
        None => units!(s, |x| core::strip_range(x, left, right, space)),
        Some(chars) => units!(s, chars, |x, y| core::strip_range(x, left, right, |c| y
            .contains(&c))),
    };
    s.substring(r.start, r.end)
}

/// `s.strip(chars)` (None: whitespace).
pub fn strip(s: &PyStrData, chars: Option<&PyStrData>) -> PyStrData {
    strip_impl(s, chars, true, true)
}

/// `s.lstrip(chars)`.
pub fn lstrip(s: &PyStrData, chars: Option<&PyStrData>) -> PyStrData {
    strip_impl(s, chars, true, false)
}

/// `s.rstrip(chars)`.
pub fn rstrip(s: &PyStrData, chars: Option<&PyStrData>) -> PyStrData {
    strip_impl(s, chars, false, true)
}

/// `s.partition(sep)`.
pub fn partition(
    s: &PyStrData,
    sep: &PyStrData,
) -> Result<(PyStrData, PyStrData, PyStrData), TextError> {
    if sep.is_empty() {
        return value_err("empty separator");
    }
    Ok(match find(s, sep, None, None) {
        Some(i) => (
            s.substring(0, i),
            sep.clone(),
            s.substring(i + sep.len(), s.len()),
        ),
        None => (s.clone(), PyStrData::empty(), PyStrData::empty()),
    })
}

/// `s.rpartition(sep)`.
pub fn rpartition(
    s: &PyStrData,
    sep: &PyStrData,
) -> Result<(PyStrData, PyStrData, PyStrData), TextError> {
    if sep.is_empty() {
        return value_err("empty separator");
    }
    Ok(match rfind(s, sep, None, None) {
        Some(i) => (
            s.substring(0, i),
            sep.clone(),
            s.substring(i + sep.len(), s.len()),
        ),
        None => (PyStrData::empty(), PyStrData::empty(), s.clone()),
    })
}

/// `s.startswith(prefix, start, end)` for one prefix.
pub fn startswith(s: &PyStrData, prefix: &PyStrData, start: Option<i64>, end: Option<i64>) -> bool {
    units!(s, prefix, |x, y| core::tailmatch(x, y, start, end, false))
}

/// `s.endswith(suffix, start, end)` for one suffix.
pub fn endswith(s: &PyStrData, suffix: &PyStrData, start: Option<i64>, end: Option<i64>) -> bool {
    units!(s, suffix, |x, y| core::tailmatch(x, y, start, end, true))
}

/// `sep.join(items)` (items already checked to be strs).
pub fn join(sep: &PyStrData, items: &[&PyStrData]) -> PyStrData {
    if let [only] = items {
        return (*only).clone();
    }
    let mut bytes = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            bytes.extend_from_slice(sep.as_bytes());
        }
        bytes.extend_from_slice(item.as_bytes());
    }
    PyStrData::from_valid(bytes)
}

fn justify(s: &PyStrData, width: i64, fill: u32, how: char) -> PyStrData {
    let Some((left, right)) = core::justify_amounts(s.len(), width, how) else {
        return s.clone();
    };
    if s.is_ascii() && fill < 0x80 {
        u8::build(core::pad(s.as_bytes(), left, right, fill as u8))
    } else {
        u32::build(core::pad(&s.to_cps(), left, right, fill))
    }
}

/// `s.center(width, fillchar)`.
pub fn center(s: &PyStrData, width: i64, fill: u32) -> PyStrData {
    justify(s, width, fill, 'c')
}

/// `s.ljust(width, fillchar)`.
pub fn ljust(s: &PyStrData, width: i64, fill: u32) -> PyStrData {
    justify(s, width, fill, 'l')
}

/// `s.rjust(width, fillchar)`.
pub fn rjust(s: &PyStrData, width: i64, fill: u32) -> PyStrData {
    justify(s, width, fill, 'r')
}

/// `s.zfill(width)`.
pub fn zfill(s: &PyStrData, width: i64) -> PyStrData {
    let out = units!(s, |x| core::zfill(x, width).map(Unit::build));
    out.unwrap_or_else(|| s.clone())
}

/// `s.expandtabs(tabsize)`.
pub fn expandtabs(s: &PyStrData, tabsize: i64) -> Result<PyStrData, TextError> {
    let max = super::DEFAULT_MAX_STR_BYTES / 4;
    let out = units!(s, |x| core::expandtabs(x, tabsize, max).map(Unit::build));
    out.ok_or_else(|| TextError::Overflow("new string is too long".into()))
}

fn case_map(s: &PyStrData, f: fn(&[u32]) -> Vec<u32>) -> PyStrData {
    PyStrData::from_code_points(&f(&s.to_cps()))
}

/// `s.lower()`.
pub fn lower(s: &PyStrData) -> PyStrData {
    if s.is_ascii() {
        return u8::build(s.as_bytes().to_ascii_lowercase());
    }
    case_map(s, unicode::str_lower)
}

/// `s.upper()`.
pub fn upper(s: &PyStrData) -> PyStrData {
    if s.is_ascii() {
        return u8::build(s.as_bytes().to_ascii_uppercase());
    }
    case_map(s, unicode::str_upper)
}

/// `s.capitalize()`.
pub fn capitalize(s: &PyStrData) -> PyStrData {
    case_map(s, unicode::str_capitalize)
}

/// `s.title()`.
pub fn title(s: &PyStrData) -> PyStrData {
    case_map(s, unicode::str_title)
}

/// `s.swapcase()`.
pub fn swapcase(s: &PyStrData) -> PyStrData {
    case_map(s, unicode::str_swapcase)
}

/// `s.casefold()`.
pub fn casefold(s: &PyStrData) -> PyStrData {
    if s.is_ascii() {
        return lower(s);
    }
    case_map(s, unicode::str_casefold)
}

/// `s.isspace()`.
pub fn isspace(s: &PyStrData) -> bool {
    unicode::str_isspace(s.code_points())
}
/// `s.isalpha()`.
pub fn isalpha(s: &PyStrData) -> bool {
    unicode::str_isalpha(s.code_points())
}
/// `s.isalnum()`.
pub fn isalnum(s: &PyStrData) -> bool {
    unicode::str_isalnum(s.code_points())
}
/// `s.isdecimal()`.
pub fn isdecimal(s: &PyStrData) -> bool {
    unicode::str_isdecimal(s.code_points())
}
/// `s.isdigit()`.
pub fn isdigit(s: &PyStrData) -> bool {
    unicode::str_isdigit(s.code_points())
}
/// `s.isnumeric()`.
pub fn isnumeric(s: &PyStrData) -> bool {
    unicode::str_isnumeric(s.code_points())
}
/// `s.isprintable()`.
pub fn isprintable(s: &PyStrData) -> bool {
    unicode::str_isprintable(s.code_points())
}
/// `s.isidentifier()`.
pub fn isidentifier(s: &PyStrData) -> bool {
    unicode::str_isidentifier(s.code_points())
}
/// `s.islower()`.
pub fn islower(s: &PyStrData) -> bool {
    unicode::str_islower(s.code_points())
}
/// `s.isupper()`.
pub fn isupper(s: &PyStrData) -> bool {
    unicode::str_isupper(s.code_points())
}
/// `s.istitle()`.
pub fn istitle(s: &PyStrData) -> bool {
    unicode::str_istitle(s.code_points())
}
/// `s.isascii()`.
pub fn isascii(s: &PyStrData) -> bool {
    s.is_ascii()
}

/// `s.removeprefix(prefix)`.
pub fn removeprefix(s: &PyStrData, prefix: &PyStrData) -> PyStrData {
    if s.as_bytes().starts_with(prefix.as_bytes()) {
        s.substring(prefix.len(), s.len())
    } else {
        s.clone()
    }
}

/// `s.removesuffix(suffix)`.
pub fn removesuffix(s: &PyStrData, suffix: &PyStrData) -> PyStrData {
    if !suffix.is_empty() && s.as_bytes().ends_with(suffix.as_bytes()) {
        s.substring(0, s.len() - suffix.len())
    } else {
        s.clone()
    }
}

/// What `str.translate`'s table gives for one code point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransOp {
    /// The table maps to `None`: drop the character.
    Delete,
    /// An int: the replacement code point (checked to be < 0x110000).
    Char(i64),
    /// A str: the replacement text.
    Str(PyStrData),
}

/// `s.translate(table)`: `lookup(cp)` returns `Ok(None)` when the table
/// has no entry (LookupError: keep the character), or the mapping.
/// Callback errors propagate.
pub fn translate<E: From<TextError>>(
    s: &PyStrData,
    mut lookup: impl FnMut(u32) -> Result<Option<TransOp>, E>,
) -> Result<PyStrData, E> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.code_points() {
        match lookup(c)? {
            None => out.push(c),
            Some(TransOp::Delete) => {}
            Some(TransOp::Char(v)) => match u32::try_from(v) {
                Ok(v) if v <= 0x10FFFF => out.push(v),
                _ => {
                    return Err(TextError::Value(
                        "character mapping must be in range(0x110000)".into(),
                    )
                    .into())
                }
            },
            Some(TransOp::Str(t)) => out.extend(t.code_points()),
        }
    }
    Ok(PyStrData::from_code_points(&out))
}

/// `str.maketrans(x, y, z)` with two or three str arguments: the dict
/// assignments in order (`d[k] = v`, `None` for deletions from `z`).
pub fn maketrans(
    x: &PyStrData,
    y: &PyStrData,
    z: Option<&PyStrData>,
) -> Result<Vec<(u32, Option<u32>)>, TextError> {
    if x.len() != y.len() {
        return value_err("the first two maketrans arguments must have equal length");
    }
    let mut out: Vec<(u32, Option<u32>)> = x
        .code_points()
        .zip(y.code_points())
        .map(|(a, b)| (a, Some(b)))
        .collect();
    if let Some(z) = z {
        out.extend(z.code_points().map(|c| (c, None)));
    }
    Ok(out)
}

/// `str.maketrans(dict)`: the key conversion for a str key (must be one
/// character). Int keys are used as they are; other keys raise
/// `TypeError: keys in translate table must be strings or integers`.
pub fn maketrans_key(key: &PyStrData) -> Result<u32, TextError> {
    match (key.len(), key.char_at(0)) {
        (1, Some(c)) => Ok(c),
        _ => value_err("string keys in translate table must be of length 1"),
    }
}

/// `repr(s)`.
pub fn repr(s: &PyStrData) -> String {
    s.repr()
}

/// `ascii(s)`: the repr with every non-ASCII code point escaped.
pub fn ascii(s: &PyStrData) -> String {
    let r = s.repr();
    let mut out = String::with_capacity(r.len());
    for c in r.chars() {
        let v = u32::from(c);
        if v < 0x80 {
            out.push(c);
        } else if v <= 0xFF {
            out.push_str(&format!("\\x{v:02x}"));
        } else if v <= 0xFFFF {
            out.push_str(&format!("\\u{v:04x}"));
        } else {
            out.push_str(&format!("\\U{v:08x}"));
        }
    }
    out
}
