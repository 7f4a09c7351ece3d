//! The `unicode_escape` and `raw_unicode_escape` codecs
//! (Objects/unicodeobject.c `_PyUnicode_DecodeUnicodeEscapeInternal`,
//! `PyUnicode_AsUnicodeEscapeString` and their raw siblings).

use super::str_codecs::{dec_error, decode_handle};
use crate::text::{PyStrData, TextError};

/// `s.encode("unicode_escape")` / `s.encode("raw_unicode_escape")`.
pub(crate) fn encode(s: &PyStrData, raw: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.code_points() {
        let esc = match c {
            _ if raw && c < 0x100 => {
                out.push(c as u8);
                continue;
            }
            0x09 => "\\t".to_string(),
            0x0A => "\\n".to_string(),
            0x0D => "\\r".to_string(),
            0x5C => "\\\\".to_string(),
            0x20..=0x7E => {
                out.push(c as u8);
                continue;
            }
            0..=0xFF => format!("\\x{c:02x}"),
            0x100..=0xFFFF => format!("\\u{c:04x}"),
            _ => format!("\\U{c:08x}"),
        };
        out.extend_from_slice(esc.as_bytes());
    }
    out
}

/// The value of `n` hex digits at `b[at..]`, if they are all there.
fn hex_digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let digits = b.get(at..at + n)?;
    digits
        .iter()
        .try_fold(0u32, |acc, &d| Some(acc * 16 + char::from(d).to_digit(16)?))
}

/// How many hex digits follow `b[at..]`, at most `n`.
fn hex_run(b: &[u8], at: usize, n: usize) -> usize {
    b.iter()
        .skip(at)
        .take(n)
        .take_while(|d| d.is_ascii_hexdigit())
        .count()
}

/// `b.decode("unicode_escape")` / `b.decode("raw_unicode_escape")`.
pub(crate) fn decode(b: &[u8], raw: bool, errors: &str) -> Result<PyStrData, TextError> {
    let name = if raw {
        "rawunicodeescape"
    } else {
        "unicodeescape"
    };
    let mut out: Vec<u32> = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c != b'\\' {
            out.push(u32::from(c));
            i += 1;
            continue;
        }
        let Some(&e) = b.get(i + 1) else {
            if raw {
                out.push(u32::from(c));
                break;
            }
            let err = dec_error(name, b, i, i + 1, "\\ at end of string");
            i = decode_handle(errors, err, b, i, i + 1, None, &mut out)?;
            continue;
        };
        if raw {
            // Only \u and \U after an odd number of backslashes are escapes.
            if e == b'\\' {
                out.extend([0x5C, 0x5C]);
                i += 2;
                continue;
            }
            if e != b'u' && e != b'U' {
                out.push(0x5C);
                i += 1;
                continue;
            }
        }
        let simple = match e {
            b'\n' => Some(None),
            b'\\' => Some(Some(0x5C)),
            b'\'' => Some(Some(0x27)),
            b'"' => Some(Some(0x22)),
            b'a' => Some(Some(0x07)),
            b'b' => Some(Some(0x08)),
            b'f' => Some(Some(0x0C)),
            b'n' => Some(Some(0x0A)),
            b'r' => Some(Some(0x0D)),
            b't' => Some(Some(0x09)),
            b'v' => Some(Some(0x0B)),
            _ => None,
        };
        if let Some(v) = simple {
            out.extend(v);
            i += 2;
            continue;
        }
        if (b'0'..=b'7').contains(&e) {
            let mut v = 0u32;
            let mut j = i + 1;
            while j < i + 4 && b.get(j).is_some_and(|d| (b'0'..=b'7').contains(d)) {
                v = v * 8 + u32::from(b.get(j).copied().unwrap_or(b'0') - b'0');
                j += 1;
            }
            out.push(v);
            i = j;
            continue;
        }
        let (n, what) = match e {
            b'x' => (2, "truncated \\xXX escape"),
            b'u' => (4, "truncated \\uXXXX escape"),
            b'U' => (8, "truncated \\UXXXXXXXX escape"),
            b'N' => {
                // No character-name table: every \N{...} is unknown.
                let close = b.iter().skip(i + 3).position(|&x| x == b'}');
                let (end, reason) = match (b.get(i + 2), close) {
                    (Some(b'{'), Some(k)) if k > 0 => {
                        (i + 3 + k + 1, "unknown Unicode character name")
                    }
                    _ => ((i + 3).min(b.len()), "malformed \\N character escape"),
                };
                let err = dec_error(name, b, i, end, reason);
                i = decode_handle(errors, err, b, i, end, None, &mut out)?;
                continue;
            }
            _ => {
                out.extend([0x5C, u32::from(e)]);
                i += 2;
                continue;
            }
        };
        match hex_digits(b, i + 2, n) {
            Some(v) if v <= 0x10FFFF => {
                out.push(v);
                i += 2 + n;
            }
            Some(_) => {
                let end = i + 2 + n;
                let err = dec_error(name, b, i, end, "illegal Unicode character");
                i = decode_handle(errors, err, b, i, end, None, &mut out)?;
            }
            None => {
                let end = i + 2 + hex_run(b, i + 2, n);
                let err = dec_error(name, b, i, end, what);
                i = decode_handle(errors, err, b, i, end, None, &mut out)?;
            }
        }
    }
    Ok(PyStrData::from_code_points(&out))
}
