//! `str.encode` for the UTF-16 and UTF-32 families, which
//! `crate::text::codecs` does not provide (CPython has them built in as
//! `_codecs.utf_16_encode` ...). A str object never holds lone
//! surrogates, so these encoders cannot fail.

use crate::text::{PyStrData, TextError};

/// The encoded bytes for a UTF-16/32 encoding name, or None when the name
/// is not one of them.
pub(crate) fn encode_extra(
    s: &PyStrData,
    encoding: &str,
    _errors: &str,
) -> Option<Result<Vec<u8>, TextError>> {
    let norm: String = encoding
        .trim()
        .chars()
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    // (bytes per unit, big endian, with BOM)
    let (wide, big, bom) = match norm.as_str() {
        "utf_16" | "utf16" | "u16" => (false, false, true),
        "utf_16_le" | "utf_16le" | "unicodelittleunmarked" => (false, false, false),
        "utf_16_be" | "utf_16be" | "unicodebigunmarked" => (false, true, false),
        "utf_32" | "utf32" | "u32" => (true, false, true),
        "utf_32_le" | "utf_32le" => (true, false, false),
        "utf_32_be" | "utf_32be" => (true, true, false),
        _ => return None,
    };
    let mut out = Vec::with_capacity(s.len() * if wide { 4 } else { 2 } + 4);
    let push = |unit: u32, out: &mut Vec<u8>| {
        if wide {
            let b = if big {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            };
            out.extend_from_slice(&b);
        } else {
            let u = u16::try_from(unit).unwrap_or(0xFFFD);
            let b = if big {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            };
            out.extend_from_slice(&b);
        }
    };
    if bom {
        push(0xFEFF, &mut out);
    }
    for cp in s.code_points() {
        if !wide && cp > 0xFFFF {
            let v = cp - 0x10000;
            push(0xD800 | (v >> 10), &mut out);
            push(0xDC00 | (v & 0x3FF), &mut out);
        } else {
            push(cp, &mut out);
        }
    }
    Some(Ok(out))
}
