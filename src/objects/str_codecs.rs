//! The codecs `crate::text::codecs` does not provide, which CPython has
//! built in: UTF-16 and UTF-32 (`_codecs.utf_16_encode` ...,
//! Objects/unicodeobject.c) and the `cp1252` charmap, with the standard
//! error handlers and CPython 3.11's `UnicodeEncodeError` /
//! `UnicodeDecodeError` positions and reasons. [`encode`] and [`decode`]
//! are the entry points for every encoding (they fall back to
//! `crate::text::codecs`).

use crate::text::codecs::{ErrorHandler, UnicodeErrorInfo};
use crate::text::{PyStrData, TextError};

/// Byte order of a UTF-16/32 codec.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    Little,
    Big,
    /// `utf-16`/`utf-32`: a BOM on encode, detected on decode (default
    /// little-endian, the native order CPython uses here).
    Bom,
}

#[derive(Clone, Copy)]
enum Extra {
    Utf {
        wide: bool,
        order: Order,
    },
    Cp1252,
    /// `utf-8-sig`: UTF-8 with a BOM written, and skipped when read
    /// (error positions count from after it, as in CPython).
    Utf8Sig,
    /// `unicode_escape` / `raw_unicode_escape`.
    Escape {
        raw: bool,
    },
}

/// cp1252's code points for bytes 0x80..=0x9F (0 where undefined);
/// the other bytes map to themselves.
const CP1252_HIGH: [u16; 32] = [
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
    0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
];

fn lookup(encoding: &str) -> Option<Extra> {
    let norm: String = encoding
        .trim()
        .chars()
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let utf = |wide, order| Some(Extra::Utf { wide, order });
    match norm.as_str() {
        "utf_16" | "utf16" | "u16" => utf(false, Order::Bom),
        "utf_16_le" | "utf_16le" | "unicodelittleunmarked" => utf(false, Order::Little),
        "utf_16_be" | "utf_16be" | "unicodebigunmarked" => utf(false, Order::Big),
        "utf_32" | "utf32" | "u32" => utf(true, Order::Bom),
        "utf_32_le" | "utf_32le" => utf(true, Order::Little),
        "utf_32_be" | "utf_32be" => utf(true, Order::Big),
        "cp1252" | "windows_1252" | "1252" => Some(Extra::Cp1252),
        "utf_8_sig" | "utf8_sig" => Some(Extra::Utf8Sig),
        "unicode_escape" => Some(Extra::Escape { raw: false }),
        "raw_unicode_escape" => Some(Extra::Escape { raw: true }),
        _ => None,
    }
}

/// `s.encode(encoding, errors)` for any encoding pycvm knows.
pub(crate) fn encode(s: &PyStrData, encoding: &str, errors: &str) -> Result<Vec<u8>, TextError> {
    match lookup(encoding) {
        Some(Extra::Utf { wide, order }) => encode_utf(s, wide, order, errors),
        Some(Extra::Cp1252) => encode_cp1252(s, errors),
        Some(Extra::Escape { raw }) => Ok(super::str_escape_codec::encode(s, raw)),
        Some(Extra::Utf8Sig) => {
            let mut out = vec![0xEF, 0xBB, 0xBF];
            out.extend(crate::text::codecs::encode(s, "utf-8", errors)?);
            Ok(out)
        }
        None => crate::text::codecs::encode(s, encoding, errors),
    }
}

/// `b.decode(encoding, errors)` for any encoding pycvm knows.
pub(crate) fn decode(b: &[u8], encoding: &str, errors: &str) -> Result<PyStrData, TextError> {
    if b.is_empty() {
        return crate::text::codecs::decode(b, encoding, errors);
    }
    match lookup(encoding) {
        Some(Extra::Utf { wide, order }) => decode_utf(b, wide, order, errors),
        Some(Extra::Cp1252) => decode_cp1252(b, errors),
        Some(Extra::Escape { raw }) => super::str_escape_codec::decode(b, raw, errors),
        Some(Extra::Utf8Sig) => {
            let rest = b.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(b);
            crate::text::codecs::decode(rest, "utf-8", errors)
        }
        None => crate::text::codecs::decode(b, encoding, errors),
    }
}

/// The bytes a decode error's `object` attribute holds: the input, less
/// the BOM `utf-8-sig` skips.
pub(crate) fn decode_object<'a>(b: &'a [u8], encoding: &str) -> &'a [u8] {
    match lookup(encoding) {
        Some(Extra::Utf8Sig) => b.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(b),
        _ => b,
    }
}

fn enc_error(
    encoding: &'static str,
    cps: &[u32],
    start: usize,
    end: usize,
    reason: &'static str,
) -> TextError {
    TextError::UnicodeEncode(Box::new(UnicodeErrorInfo {
        encoding,
        start,
        end,
        reason,
        bad: cps.get(start).copied().unwrap_or(0),
        decoding: false,
    }))
}

pub(crate) fn dec_error(
    encoding: &'static str,
    b: &[u8],
    start: usize,
    end: usize,
    reason: &'static str,
) -> TextError {
    TextError::UnicodeDecode(Box::new(UnicodeErrorInfo {
        encoding,
        start,
        end,
        reason,
        bad: b.get(start).map_or(0, |&c| u32::from(c)),
        decoding: true,
    }))
}

/// The ASCII text a replacing encode handler substitutes for `c`.
fn encode_replacement(h: ErrorHandler, c: u32) -> Option<String> {
    match h {
        ErrorHandler::Ignore => Some(String::new()),
        ErrorHandler::Replace => Some("?".into()),
        ErrorHandler::BackslashReplace => Some(if c <= 0xFF {
            format!("\\x{c:02x}")
        } else if c <= 0xFFFF {
            format!("\\u{c:04x}")
        } else {
            format!("\\U{c:08x}")
        }),
        ErrorHandler::XmlCharRefReplace => Some(format!("&#{c};")),
        _ => None,
    }
}

fn encode_utf(s: &PyStrData, wide: bool, order: Order, errors: &str) -> Result<Vec<u8>, TextError> {
    let big = order == Order::Big;
    let name = match (wide, order) {
        (false, Order::Bom) => "utf-16",
        (false, Order::Little) => "utf-16-le",
        (false, Order::Big) => "utf-16-be",
        (true, Order::Bom) => "utf-32",
        (true, Order::Little) => "utf-32-le",
        (true, Order::Big) => "utf-32-be",
    };
    let mut out = Vec::with_capacity(s.len() * if wide { 4 } else { 2 } + 4);
    let push = |unit: u32, out: &mut Vec<u8>| {
        if wide {
            out.extend_from_slice(&if big {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        } else {
            let u = u16::try_from(unit).unwrap_or(0xFFFD);
            out.extend_from_slice(&if big {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
    };
    if order == Order::Bom {
        push(0xFEFF, &mut out);
    }
    let cps = s.to_cps();
    for (k, &cp) in cps.iter().enumerate() {
        if (0xD800..=0xDFFF).contains(&cp) {
            let h = ErrorHandler::lookup(errors)?;
            if h == ErrorHandler::SurrogatePass {
                push(cp, &mut out);
                continue;
            }
            let Some(rep) = encode_replacement(h, cp) else {
                return Err(enc_error(name, &cps, k, k + 1, "surrogates not allowed"));
            };
            for c in rep.chars() {
                push(u32::from(c), &mut out);
            }
        } else if !wide && cp > 0xFFFF {
            let v = cp - 0x10000;
            push(0xD800 | (v >> 10), &mut out);
            push(0xDC00 | (v & 0x3FF), &mut out);
        } else {
            push(cp, &mut out);
        }
    }
    Ok(out)
}

/// What a decode error handler does with the bytes `b[start..end]`:
/// pushes its replacement, or returns the error. `pass` is the code point
/// `surrogatepass` may produce there (and how many bytes it takes).
pub(crate) fn decode_handle(
    errors: &str,
    err: TextError,
    b: &[u8],
    start: usize,
    end: usize,
    pass: Option<(u32, usize)>,
    out: &mut Vec<u32>,
) -> Result<usize, TextError> {
    let bytes = b.get(start..end).unwrap_or(&[]);
    match ErrorHandler::lookup(errors)? {
        ErrorHandler::Strict => Err(err),
        ErrorHandler::Ignore => Ok(end),
        ErrorHandler::Replace => {
            out.push(0xFFFD);
            Ok(end)
        }
        ErrorHandler::BackslashReplace => {
            for &x in bytes {
                out.extend(format!("\\x{x:02x}").chars().map(u32::from));
            }
            Ok(end)
        }
        ErrorHandler::SurrogateEscape => {
            if bytes.iter().any(|&x| x < 0x80) {
                return Err(err);
            }
            out.extend(bytes.iter().map(|&x| 0xDC00 + u32::from(x)));
            Ok(end)
        }
        ErrorHandler::SurrogatePass => match pass {
            Some((cp, n)) => {
                out.push(cp);
                Ok(start + n)
            }
            None => Err(err),
        },
        ErrorHandler::XmlCharRefReplace => Err(TextError::Type(
            "don't know how to handle UnicodeDecodeError in error callback".into(),
        )),
    }
}

fn decode_utf(b: &[u8], wide: bool, order: Order, errors: &str) -> Result<PyStrData, TextError> {
    let (mut big, mut i) = (order == Order::Big, 0);
    if order == Order::Bom {
        let bom: &[u8] = if wide {
            &[0, 0, 0xFE, 0xFF]
        } else {
            &[0xFE, 0xFF]
        };
        let mob: &[u8] = if wide {
            &[0xFF, 0xFE, 0, 0]
        } else {
            &[0xFF, 0xFE]
        };
        if b.starts_with(bom) {
            big = true;
            i = bom.len();
        } else if b.starts_with(mob) {
            i = mob.len();
        }
    }
    let name = match (wide, big) {
        (false, false) => "utf-16-le",
        (false, true) => "utf-16-be",
        (true, false) => "utf-32-le",
        (true, true) => "utf-32-be",
    };
    let width = if wide { 4 } else { 2 };
    let unit = |at: usize| -> Option<u32> {
        let u = b.get(at..at + width)?;
        Some(
            u.iter()
                .fold(0u32, |acc, &x| acc << 8 | u32::from(x))
                .swap_bytes_if(!big, width),
        )
    };
    let mut out: Vec<u32> = Vec::with_capacity(b.len() / width);
    while i < b.len() {
        let Some(u) = unit(i) else {
            let err = dec_error(name, b, i, b.len(), "truncated data");
            i = decode_handle(errors, err, b, i, b.len(), None, &mut out)?;
            continue;
        };
        if wide {
            let reason = if u > 0x10FFFF {
                "code point not in range(0x110000)"
            } else if (0xD800..=0xDFFF).contains(&u) {
                "code point in surrogate code point range(0xd800, 0xe000)"
            } else {
                out.push(u);
                i += 4;
                continue;
            };
            let pass = (u <= 0x10FFFF).then_some((u, 4));
            let err = dec_error(name, b, i, i + 4, reason);
            i = decode_handle(errors, err, b, i, i + 4, pass, &mut out)?;
            continue;
        }
        if !(0xD800..=0xDFFF).contains(&u) {
            out.push(u);
            i += 2;
            continue;
        }
        let (end, reason) = if u >= 0xDC00 {
            (i + 2, "illegal encoding")
        } else {
            match unit(i + 2) {
                None => (b.len(), "unexpected end of data"),
                Some(lo) if (0xDC00..=0xDFFF).contains(&lo) => {
                    out.push(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
                    i += 4;
                    continue;
                }
                Some(_) => (i + 2, "illegal UTF-16 surrogate"),
            }
        };
        let err = dec_error(name, b, i, end, reason);
        i = decode_handle(errors, err, b, i, end, Some((u, 2)), &mut out)?;
    }
    Ok(PyStrData::from_code_points(&out))
}

/// Reverses the bytes of a `width`-byte unit read big-endian when the
/// codec is little-endian.
trait SwapIf {
    fn swap_bytes_if(self, swap: bool, width: usize) -> u32;
}

impl SwapIf for u32 {
    fn swap_bytes_if(self, swap: bool, width: usize) -> u32 {
        match (swap, width) {
            (false, _) => self,
            (true, 2) => u32::from((self as u16).swap_bytes()),
            (true, _) => self.swap_bytes(),
        }
    }
}

fn cp1252_byte(c: u32) -> Option<u8> {
    if c < 0x80 || (0xA0..=0xFF).contains(&c) {
        return u8::try_from(c).ok();
    }
    let pos = CP1252_HIGH
        .iter()
        .position(|&m| m != 0 && u32::from(m) == c)?;
    u8::try_from(0x80 + pos).ok()
}

fn encode_cp1252(s: &PyStrData, errors: &str) -> Result<Vec<u8>, TextError> {
    const REASON: &str = "character maps to <undefined>";
    let cps = s.to_cps();
    let mut out = Vec::with_capacity(cps.len());
    let mut i = 0;
    while let Some(&c) = cps.get(i) {
        if let Some(x) = cp1252_byte(c) {
            out.push(x);
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        while cps.get(end).is_some_and(|&c| cp1252_byte(c).is_none()) {
            end += 1;
        }
        let run = cps.get(start..end).unwrap_or(&[]);
        let h = ErrorHandler::lookup(errors)?;
        if h == ErrorHandler::SurrogateEscape && run.iter().all(|c| (0xDC80..=0xDCFF).contains(c)) {
            out.extend(run.iter().map(|&c| (c - 0xDC00) as u8));
        } else {
            for &c in run {
                let Some(rep) = encode_replacement(h, c) else {
                    return Err(enc_error("charmap", &cps, start, end, REASON));
                };
                out.extend_from_slice(rep.as_bytes());
            }
        }
        i = end;
    }
    Ok(out)
}

fn decode_cp1252(b: &[u8], errors: &str) -> Result<PyStrData, TextError> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&x) = b.get(i) {
        let cp = match x {
            0x80..=0x9F => CP1252_HIGH
                .get(usize::from(x - 0x80))
                .map_or(0, |&m| u32::from(m)),
            _ => u32::from(x),
        };
        if cp != 0 || x == 0 {
            out.push(cp);
            i += 1;
            continue;
        }
        let err = dec_error("charmap", b, i, i + 1, "character maps to <undefined>");
        i = decode_handle(errors, err, b, i, i + 1, None, &mut out)?;
    }
    Ok(PyStrData::from_code_points(&out))
}
