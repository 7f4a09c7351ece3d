//! `repr(str)` and `repr(bytes)` (Objects/unicodeobject.c `unicode_repr`,
//! Objects/bytesobject.c `PyBytes_Repr` with smart quotes).

use crate::unicode::is_printable;

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_hex(out: &mut String, prefix: &str, v: u32, width: u32) {
    out.push_str(prefix);
    for i in (0..width).rev() {
        out.push(HEX[((v >> (4 * i)) & 0xF) as usize] as char);
    }
}

/// The quote CPython picks: `"` only when the text holds `'` and no `"`.
fn pick_quote(has_single: bool, has_double: bool) -> char {
    if has_single && !has_double {
        '"'
    } else {
        '\''
    }
}

/// Python's `repr(str)` for a string given as code points (lone surrogates
/// allowed; they are not printable and come out as `\udxxx`).
pub fn str_repr(cps: &[u32]) -> String {
    let has_single = cps.contains(&('\'' as u32));
    let has_double = cps.contains(&('"' as u32));
    let quote = pick_quote(has_single, has_double);
    let mut out = String::with_capacity(cps.len() + 2);
    out.push(quote);
    for &cp in cps {
        match cp {
            _ if cp == quote as u32 || cp == '\\' as u32 => {
                out.push('\\');
                out.push(quote_or_backslash(cp));
            }
            0x09 => out.push_str("\\t"),
            0x0A => out.push_str("\\n"),
            0x0D => out.push_str("\\r"),
            0x00..=0x1F | 0x7F => push_hex(&mut out, "\\x", cp, 2),
            0x20..=0x7E => out.push(cp as u8 as char),
            _ => match char::from_u32(cp) {
                Some(c) if is_printable(cp) => out.push(c),
                _ if cp <= 0xFF => push_hex(&mut out, "\\x", cp, 2),
                _ if cp <= 0xFFFF => push_hex(&mut out, "\\u", cp, 4),
                _ => push_hex(&mut out, "\\U", cp, 8),
            },
        }
    }
    out.push(quote);
    out
}

fn quote_or_backslash(cp: u32) -> char {
    if cp == '\\' as u32 {
        '\\'
    } else {
        char::from_u32(cp).unwrap_or('\'')
    }
}

/// [`str_repr`] of a Rust string.
pub fn str_repr_str(s: &str) -> String {
    let cps: Vec<u32> = s.chars().map(|c| c as u32).collect();
    str_repr(&cps)
}

/// Python's `repr(bytes)`: `b'...'`.
pub fn bytes_repr(b: &[u8]) -> String {
    let quote = pick_quote(b.contains(&b'\''), b.contains(&b'"'));
    let mut out = String::with_capacity(b.len() + 3);
    out.push('b');
    out.push(quote);
    for &c in b {
        match c {
            _ if c == quote as u8 || c == b'\\' => {
                out.push('\\');
                out.push(c as char);
            }
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            0x20..=0x7E => out.push(c as char),
            _ => push_hex(&mut out, "\\x", c as u32, 2),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings() {
        assert_eq!(str_repr_str("abc"), "'abc'");
        assert_eq!(str_repr_str("it's"), "\"it's\"");
        assert_eq!(str_repr_str("'\""), "'\\'\"'");
        assert_eq!(
            str_repr_str("a\\b\t\n\r\x00\x7f"),
            "'a\\\\b\\t\\n\\r\\x00\\x7f'"
        );
        assert_eq!(
            str_repr_str("\u{a0}\u{e9}\u{2028}\u{1f600}\u{e0001}"),
            "'\\xa0é\\u2028😀\\U000e0001'"
        );
        assert_eq!(str_repr(&[0xd800]), "'\\ud800'");
    }

    #[test]
    fn bytes() {
        assert_eq!(bytes_repr(b""), "b''");
        assert_eq!(bytes_repr(b"it's"), "b\"it's\"");
        assert_eq!(
            bytes_repr(b"\x00\x7f\xff\\'\""),
            "b'\\x00\\x7f\\xff\\\\\\'\"'"
        );
    }
}
