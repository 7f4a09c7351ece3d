//! The algorithms of `bytes` and `bytearray` methods over `&[u8]`, with
//! CPython 3.11's results and messages (Objects/bytes_methods.c,
//! Objects/bytesobject.c, Objects/stringlib/, Python/pystrhex.c).
//! Whitespace and case are ASCII only. An int argument to `find`,
//! `count` ... is turned into a one-byte slice by the caller.

use super::core;
use super::{value_err, TextError};

/// `Py_ISSPACE`: space, \t, \n, \v, \f, \r.
pub fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

/// An int argument used as a byte (`b.find(104)`, `bytearray.append`):
/// `ValueError: byte must be in range(0, 256)` outside.
pub fn byte_value(v: i64) -> Result<u8, TextError> {
    u8::try_from(v).or_else(|_| value_err("byte must be in range(0, 256)"))
}

fn cut(b: &[u8], r: std::ops::Range<usize>) -> Vec<u8> {
    b.get(r).unwrap_or(&[]).to_vec()
}

fn cuts(b: &[u8], rs: Vec<std::ops::Range<usize>>) -> Vec<Vec<u8>> {
    rs.into_iter().map(|r| cut(b, r)).collect()
}

/// `b.find(sub, start, end)`; None for -1.
pub fn find(b: &[u8], sub: &[u8], start: Option<i64>, end: Option<i64>) -> Option<usize> {
    core::find(b, sub, start, end)
}

/// `b.rfind(sub, start, end)`.
pub fn rfind(b: &[u8], sub: &[u8], start: Option<i64>, end: Option<i64>) -> Option<usize> {
    core::rfind(b, sub, start, end)
}

/// `b.index(sub, start, end)`.
pub fn index(
    b: &[u8],
    sub: &[u8],
    start: Option<i64>,
    end: Option<i64>,
) -> Result<usize, TextError> {
    find(b, sub, start, end).map_or_else(|| value_err("subsection not found"), Ok)
}

/// `b.rindex(sub, start, end)`.
pub fn rindex(
    b: &[u8],
    sub: &[u8],
    start: Option<i64>,
    end: Option<i64>,
) -> Result<usize, TextError> {
    rfind(b, sub, start, end).map_or_else(|| value_err("subsection not found"), Ok)
}

/// `b.count(sub, start, end)`.
pub fn count(b: &[u8], sub: &[u8], start: Option<i64>, end: Option<i64>) -> usize {
    core::count(b, sub, start, end)
}

/// `b.replace(old, new, count)`.
pub fn replace(b: &[u8], old: &[u8], new: &[u8], count: i64) -> Vec<u8> {
    core::replace(b, old, new, count).unwrap_or_else(|| b.to_vec())
}

/// `b.split(sep, maxsplit)`.
pub fn split(b: &[u8], sep: Option<&[u8]>, maxsplit: i64) -> Result<Vec<Vec<u8>>, TextError> {
    let rs = match sep {
        None => core::split_whitespace(b, maxsplit, is_space),
        Some([]) => return value_err("empty separator"),
        Some(sep) => core::split(b, sep, maxsplit),
    };
    Ok(cuts(b, rs))
}

/// `b.rsplit(sep, maxsplit)`.
pub fn rsplit(b: &[u8], sep: Option<&[u8]>, maxsplit: i64) -> Result<Vec<Vec<u8>>, TextError> {
    let rs = match sep {
        None => core::rsplit_whitespace(b, maxsplit, is_space),
        Some([]) => return value_err("empty separator"),
        Some(sep) => core::rsplit(b, sep, maxsplit),
    };
    Ok(cuts(b, rs))
}

/// `b.splitlines(keepends)`: splits on \n, \r and \r\n only.
pub fn splitlines(b: &[u8], keepends: bool) -> Vec<Vec<u8>> {
    line_spans(b, keepends, |c| c == b'\n' || c == b'\r')
        .into_iter()
        .map(|r| cut(b, r))
        .collect()
}

/// The lines of `b` (`is_break`: the one-byte line boundaries; `\r\n` is
/// one), with their ends when `keepends`: what `bytes.splitlines` and an
/// ASCII `str.splitlines` cut.
pub fn line_spans(
    b: &[u8],
    keepends: bool,
    is_break: impl Fn(u8) -> bool,
) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < b.len() {
        while b.get(i).is_some_and(|&c| !is_break(c)) {
            i += 1;
        }
        let mut eol = i;
        if let Some(&c) = b.get(i) {
            i += if c == b'\r' && b.get(i + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
            if keepends {
                eol = i;
            }
        }
        out.push(j..eol);
        j = i;
    }
    out
}

fn strip_impl(b: &[u8], chars: Option<&[u8]>, left: bool, right: bool) -> Vec<u8> {
    let r = match chars {
        None => core::strip_range(b, left, right, is_space),
        Some(set) => core::strip_range(b, left, right, |c| set.contains(&c)),
    };
    cut(b, r)
}

/// `b.strip(chars)`.
pub fn strip(b: &[u8], chars: Option<&[u8]>) -> Vec<u8> {
    strip_impl(b, chars, true, true)
}

/// `b.lstrip(chars)`.
pub fn lstrip(b: &[u8], chars: Option<&[u8]>) -> Vec<u8> {
    strip_impl(b, chars, true, false)
}

/// `b.rstrip(chars)`.
pub fn rstrip(b: &[u8], chars: Option<&[u8]>) -> Vec<u8> {
    strip_impl(b, chars, false, true)
}

/// The three parts of a partition.
pub type Parts = (Vec<u8>, Vec<u8>, Vec<u8>);

/// `b.partition(sep)`.
pub fn partition(b: &[u8], sep: &[u8]) -> Result<Parts, TextError> {
    if sep.is_empty() {
        return value_err("empty separator");
    }
    Ok(match core::search(b, sep) {
        Some(i) => (cut(b, 0..i), sep.to_vec(), cut(b, i + sep.len()..b.len())),
        None => (b.to_vec(), Vec::new(), Vec::new()),
    })
}

/// `b.rpartition(sep)`.
pub fn rpartition(b: &[u8], sep: &[u8]) -> Result<Parts, TextError> {
    if sep.is_empty() {
        return value_err("empty separator");
    }
    Ok(match core::rsearch(b, sep) {
        Some(i) => (cut(b, 0..i), sep.to_vec(), cut(b, i + sep.len()..b.len())),
        None => (Vec::new(), Vec::new(), b.to_vec()),
    })
}

/// `b.startswith(prefix, start, end)` for one prefix.
pub fn startswith(b: &[u8], prefix: &[u8], start: Option<i64>, end: Option<i64>) -> bool {
    core::tailmatch(b, prefix, start, end, false)
}

/// `b.endswith(suffix, start, end)` for one suffix.
pub fn endswith(b: &[u8], suffix: &[u8], start: Option<i64>, end: Option<i64>) -> bool {
    core::tailmatch(b, suffix, start, end, true)
}

/// `sep.join(items)`.
pub fn join(sep: &[u8], items: &[&[u8]]) -> Vec<u8> {
    items.join(sep)
}

fn justify(b: &[u8], width: i64, fill: u8, how: char) -> Vec<u8> {
    match core::justify_amounts(b.len(), width, how) {
        Some((l, r)) => core::pad(b, l, r, fill),
        None => b.to_vec(),
    }
}

/// `b.center(width, fillbyte)`.
pub fn center(b: &[u8], width: i64, fill: u8) -> Vec<u8> {
    justify(b, width, fill, 'c')
}

/// `b.ljust(width, fillbyte)`.
pub fn ljust(b: &[u8], width: i64, fill: u8) -> Vec<u8> {
    justify(b, width, fill, 'l')
}

/// `b.rjust(width, fillbyte)`.
pub fn rjust(b: &[u8], width: i64, fill: u8) -> Vec<u8> {
    justify(b, width, fill, 'r')
}

/// `b.zfill(width)`.
pub fn zfill(b: &[u8], width: i64) -> Vec<u8> {
    core::zfill(b, width).unwrap_or_else(|| b.to_vec())
}

/// `b.expandtabs(tabsize)`.
pub fn expandtabs(b: &[u8], tabsize: i64) -> Result<Vec<u8>, TextError> {
    core::expandtabs(b, tabsize, isize::MAX as usize)
        .ok_or_else(|| TextError::Overflow("result too long".into()))
}

/// `b.lower()`.
pub fn lower(b: &[u8]) -> Vec<u8> {
    b.to_ascii_lowercase()
}

/// `b.upper()`.
pub fn upper(b: &[u8]) -> Vec<u8> {
    b.to_ascii_uppercase()
}

/// `b.capitalize()`.
pub fn capitalize(b: &[u8]) -> Vec<u8> {
    let mut out = b.to_ascii_lowercase();
    if let Some(first) = out.first_mut() {
        first.make_ascii_uppercase();
    }
    out
}

/// `b.swapcase()`.
pub fn swapcase(b: &[u8]) -> Vec<u8> {
    b.iter()
        .map(|&c| {
            if c.is_ascii_uppercase() {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect()
}

/// `b.title()`.
pub fn title(b: &[u8]) -> Vec<u8> {
    let mut prev_cased = false;
    b.iter()
        .map(|&c| {
            let out = if prev_cased {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            };
            prev_cased = c.is_ascii_alphabetic();
            out
        })
        .collect()
}

fn all_nonempty(b: &[u8], pred: fn(&u8) -> bool) -> bool {
    !b.is_empty() && b.iter().all(pred)
}

/// `b.isspace()`.
pub fn isspace(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(|&c| is_space(c))
}
/// `b.isalpha()`.
pub fn isalpha(b: &[u8]) -> bool {
    all_nonempty(b, u8::is_ascii_alphabetic)
}
/// `b.isalnum()`.
pub fn isalnum(b: &[u8]) -> bool {
    all_nonempty(b, u8::is_ascii_alphanumeric)
}
/// `b.isdigit()`.
pub fn isdigit(b: &[u8]) -> bool {
    all_nonempty(b, u8::is_ascii_digit)
}
/// `b.isascii()` (true for b'').
pub fn isascii(b: &[u8]) -> bool {
    b.is_ascii()
}
/// `b.islower()`: some lower-case letter and no upper-case one.
pub fn islower(b: &[u8]) -> bool {
    b.iter().any(u8::is_ascii_lowercase) && !b.iter().any(u8::is_ascii_uppercase)
}
/// `b.isupper()`: some upper-case letter and no lower-case one.
pub fn isupper(b: &[u8]) -> bool {
    b.iter().any(u8::is_ascii_uppercase) && !b.iter().any(u8::is_ascii_lowercase)
}
/// `b.istitle()`.
pub fn istitle(b: &[u8]) -> bool {
    let (mut cased, mut prev_cased) = (false, false);
    for &c in b {
        if c.is_ascii_uppercase() {
            if prev_cased {
                return false;
            }
            prev_cased = true;
            cased = true;
        } else if c.is_ascii_lowercase() {
            if !prev_cased {
                return false;
            }
            prev_cased = true;
            cased = true;
        } else {
            prev_cased = false;
        }
    }
    cased
}

/// `b.removeprefix(prefix)`.
pub fn removeprefix(b: &[u8], prefix: &[u8]) -> Vec<u8> {
    b.strip_prefix(prefix).unwrap_or(b).to_vec()
}

/// `b.removesuffix(suffix)`.
pub fn removesuffix(b: &[u8], suffix: &[u8]) -> Vec<u8> {
    b.strip_suffix(suffix).unwrap_or(b).to_vec()
}

/// `b.translate(table, delete)`: `table` None or 256 bytes long.
pub fn translate(b: &[u8], table: Option<&[u8]>, delete: &[u8]) -> Result<Vec<u8>, TextError> {
    if let Some(t) = table {
        if t.len() != 256 {
            return value_err("translation table must be 256 characters long");
        }
    }
    Ok(b.iter()
        .filter(|c| !delete.contains(c))
        .map(|&c| {
            table
                .and_then(|t| t.get(usize::from(c)).copied())
                .unwrap_or(c)
        })
        .collect())
}

/// `bytes.maketrans(from, to)`.
pub fn maketrans(from: &[u8], to: &[u8]) -> Result<Vec<u8>, TextError> {
    if from.len() != to.len() {
        return value_err("maketrans arguments must have same length");
    }
    let mut table: Vec<u8> = (0..=255u8).collect();
    for (&f, &t) in from.iter().zip(to) {
        if let Some(slot) = table.get_mut(usize::from(f)) {
            *slot = t;
        }
    }
    Ok(table)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `b.hex(sep, bytes_per_sep)`. `sep` is the separator's code points
/// (a bytes separator's bytes as code points); it must be one ASCII
/// character. Positive `bytes_per_sep` groups from the right.
pub fn hex(b: &[u8], sep: Option<&[u32]>, bytes_per_sep: i64) -> Result<String, TextError> {
    let sep = match sep {
        None => None,
        Some(&[c]) if c < 0x80 => Some(c as u8 as char),
        Some(&[_]) => return value_err("sep must be ASCII."),
        Some(_) => return value_err("sep must be length 1."),
    };
    let digits = |c: u8| -> [char; 2] {
        [
            char::from(HEX[usize::from(c >> 4)]),
            char::from(HEX[usize::from(c & 15)]),
        ]
    };
    let group = usize::try_from(bytes_per_sep.unsigned_abs()).unwrap_or(usize::MAX);
    let mut out = String::with_capacity(b.len() * 3);
    let (Some(sep), true) = (sep, group > 0) else {
        for &c in b {
            out.extend(digits(c));
        }
        return Ok(out);
    };
    // The first group is the short one when grouping from the right.
    let first = if bytes_per_sep > 0 && !b.len().is_multiple_of(group) {
        b.len() % group
    } else {
        group
    };
    for (i, &c) in b.iter().enumerate() {
        if i > 0 && (i >= first && (i - first) % group == 0) {
            out.push(sep);
        }
        out.extend(digits(c));
    }
    Ok(out)
}

/// `bytes.fromhex(s)` (s given as code points): pairs of hex digits,
/// ASCII whitespace allowed between pairs.
pub fn fromhex(s: &[u32]) -> Result<Vec<u8>, TextError> {
    let err = |pos: usize| {
        Err(TextError::Value(format!(
            "non-hexadecimal number found in fromhex() arg at position {pos}"
        )))
    };
    if let Some(pos) = s.iter().position(|&c| c >= 0x80) {
        return err(pos);
    }
    let digit = |i: usize| s.get(i).and_then(|&c| char::from_u32(c)?.to_digit(16));
    let mut out = Vec::with_capacity(s.len() / 2);
    let mut i = 0;
    while i < s.len() {
        if s.get(i).is_some_and(|&c| is_space(c as u8)) {
            i += 1;
            continue;
        }
        let Some(top) = digit(i) else {
            return err(i);
        };
        let Some(bot) = digit(i + 1) else {
            return err(i + 1);
        };
        out.push((top * 16 + bot) as u8);
        i += 2;
    }
    Ok(out)
}
