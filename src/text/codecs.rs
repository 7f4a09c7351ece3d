//! `str.encode` and `bytes.decode` for UTF-8, ASCII and Latin-1 with the
//! standard error handlers, raising CPython 3.11's `UnicodeEncodeError` /
//! `UnicodeDecodeError` (positions, reasons and messages as
//! Objects/unicodeobject.c, Objects/stringlib/codecs.h and Python/codecs.c
//! produce them).

use super::pystr::push_cp;
use super::{PyStrData, TextError};

/// A codec implemented natively.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    Utf8,
    Ascii,
    Latin1,
}

impl Codec {
    /// Finds the codec for an encoding name (case-insensitive; '-' and ' '
    /// count as '_'), with the aliases of Lib/encodings/aliases.py.
    /// `LookupError: unknown encoding: NAME` otherwise.
    pub fn lookup(name: &str) -> Result<Codec, TextError> {
        let norm: String = name
            .trim()
            .chars()
            .map(|c| match c {
                '-' | ' ' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        Ok(match norm.as_str() {
            "utf_8" | "utf8" | "u8" | "utf" | "utf8_ucs2" | "utf8_ucs4" | "cp65001" => Codec::Utf8,
            "ascii" | "us_ascii" | "646" | "us" | "ansi_x3.4_1968" | "ansi_x3_4_1968"
            | "ansi_x3.4_1986" | "cp367" | "csascii" | "ibm367" | "iso646_us"
            | "iso_646.irv_1991" | "iso_ir_6" => Codec::Ascii,
            "latin_1" | "latin1" | "latin" | "l1" | "iso_8859_1" | "iso8859_1" | "8859"
            | "cp819" | "csisolatin1" | "ibm819" | "iso_8859_1_1987" | "iso_ir_100" => {
                Codec::Latin1
            }
            _ => return Err(TextError::Lookup(format!("unknown encoding: {name}"))),
        })
    }

    /// The name CPython's exceptions show: 'utf-8', 'ascii', 'latin-1'.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Utf8 => "utf-8",
            Codec::Ascii => "ascii",
            Codec::Latin1 => "latin-1",
        }
    }
}

/// The standard error handlers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorHandler {
    Strict,
    Ignore,
    Replace,
    SurrogateEscape,
    SurrogatePass,
    BackslashReplace,
    XmlCharRefReplace,
}

impl ErrorHandler {
    /// The handler for a name; `LookupError: unknown error handler name
    /// 'NAME'` otherwise (CPython only looks the name up when an error
    /// happens, and so do the codecs here).
    pub fn lookup(name: &str) -> Result<ErrorHandler, TextError> {
        Ok(match name {
            "strict" => ErrorHandler::Strict,
            "ignore" => ErrorHandler::Ignore,
            "replace" => ErrorHandler::Replace,
            "surrogateescape" => ErrorHandler::SurrogateEscape,
            "surrogatepass" => ErrorHandler::SurrogatePass,
            "backslashreplace" => ErrorHandler::BackslashReplace,
            "xmlcharrefreplace" => ErrorHandler::XmlCharRefReplace,
            _ => {
                return Err(TextError::Lookup(format!(
                    "unknown error handler name '{name}'"
                )))
            }
        })
    }
}

/// The attributes of a `UnicodeEncodeError`/`UnicodeDecodeError`
/// (`object` is the receiver, which the caller has).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnicodeErrorInfo {
    pub encoding: &'static str,
    pub start: usize,
    pub end: usize,
    pub reason: &'static str,
    /// The code point (encode) or byte (decode) at `start`.
    pub bad: u32,
    pub decoding: bool,
}

impl UnicodeErrorInfo {
    /// `str(exc)` (Objects/exceptions.c `UnicodeEncodeError_str` /
    /// `UnicodeDecodeError_str`).
    pub fn message(&self) -> String {
        let (enc, reason, start) = (self.encoding, self.reason, self.start);
        let single = self.end == start + 1;
        if self.decoding {
            if single {
                format!(
                    "'{enc}' codec can't decode byte 0x{:02x} in position {start}: {reason}",
                    self.bad
                )
            } else {
                format!(
                    "'{enc}' codec can't decode bytes in position {start}-{}: {reason}",
                    self.end.saturating_sub(1)
                )
            }
        } else if single {
            let c = self.bad;
            let shown = if c <= 0xFF {
                format!("\\x{c:02x}")
            } else if c <= 0xFFFF {
                format!("\\u{c:04x}")
            } else {
                format!("\\U{c:08x}")
            };
            format!("'{enc}' codec can't encode character '{shown}' in position {start}: {reason}")
        } else {
            format!(
                "'{enc}' codec can't encode characters in position {start}-{}: {reason}",
                self.end.saturating_sub(1)
            )
        }
    }
}

fn encode_error(codec: Codec, cps: &[u32], start: usize, end: usize) -> TextError {
    let reason = match codec {
        Codec::Utf8 => "surrogates not allowed",
        Codec::Ascii => "ordinal not in range(128)",
        Codec::Latin1 => "ordinal not in range(256)",
    };
    TextError::UnicodeEncode(Box::new(UnicodeErrorInfo {
        encoding: codec.name(),
        start,
        end,
        reason,
        bad: cps.get(start).copied().unwrap_or(0),
        decoding: false,
    }))
}

fn decode_error(
    codec: Codec,
    b: &[u8],
    start: usize,
    end: usize,
    reason: &'static str,
) -> TextError {
    TextError::UnicodeDecode(Box::new(UnicodeErrorInfo {
        encoding: codec.name(),
        start,
        end,
        reason,
        bad: b.get(start).map_or(0, |&c| u32::from(c)),
        decoding: true,
    }))
}

/// `s.encode(encoding, errors)`.
pub fn encode(s: &PyStrData, encoding: &str, errors: &str) -> Result<Vec<u8>, TextError> {
    encode_with(s, Codec::lookup(encoding)?, errors)
}

/// [`encode`] with the codec already looked up.
pub fn encode_with(s: &PyStrData, codec: Codec, errors: &str) -> Result<Vec<u8>, TextError> {
    let limit = match codec {
        Codec::Utf8 if !s.has_surrogates() => return Ok(s.as_bytes().to_vec()),
        Codec::Utf8 => 0,
        Codec::Ascii => 0x80,
        Codec::Latin1 => 0x100,
    };
    if s.max_char() < limit {
        return Ok(match codec {
            Codec::Latin1 => s.code_points().map(|c| c as u8).collect(),
            _ => s.as_bytes().to_vec(),
        });
    }
    let bad = |c: u32| match codec {
        Codec::Utf8 => (0xD800..=0xDFFF).contains(&c),
        _ => c >= limit,
    };
    let cps = s.to_cps();
    let mut out = Vec::with_capacity(cps.len());
    let mut i = 0;
    while let Some(&c) = cps.get(i) {
        if !bad(c) {
            match codec {
                Codec::Utf8 => push_cp(&mut out, c),
                _ => out.push(c as u8),
            }
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        while cps.get(end).is_some_and(|&c| bad(c)) {
            end += 1;
        }
        let run = cps.get(start..end).unwrap_or(&[]);
        match ErrorHandler::lookup(errors)? {
            ErrorHandler::Strict => return Err(encode_error(codec, &cps, start, end)),
            ErrorHandler::Ignore => {}
            ErrorHandler::Replace => out.resize(out.len() + run.len(), b'?'),
            ErrorHandler::BackslashReplace => {
                for &c in run {
                    let esc = if c <= 0xFF {
                        format!("\\x{c:02x}")
                    } else if c <= 0xFFFF {
                        format!("\\u{c:04x}")
                    } else {
                        format!("\\U{c:08x}")
                    };
                    out.extend_from_slice(esc.as_bytes());
                }
            }
            ErrorHandler::XmlCharRefReplace => {
                for &c in run {
                    out.extend_from_slice(format!("&#{c};").as_bytes());
                }
            }
            ErrorHandler::SurrogateEscape => {
                for (k, &c) in run.iter().enumerate() {
                    if !(0xDC80..=0xDCFF).contains(&c) {
                        return Err(encode_error(codec, &cps, start + k, end));
                    }
                    out.push((c - 0xDC00) as u8);
                }
            }
            ErrorHandler::SurrogatePass => {
                if codec != Codec::Utf8 {
                    return Err(encode_error(codec, &cps, start, end));
                }
                for &c in run {
                    push_cp(&mut out, c);
                }
            }
        }
        i = end;
    }
    Ok(out)
}

/// `b.decode(encoding, errors)`. Like CPython, empty input decodes to ''
/// before the encoding is even looked up.
pub fn decode(b: &[u8], encoding: &str, errors: &str) -> Result<PyStrData, TextError> {
    if b.is_empty() {
        return Ok(PyStrData::empty());
    }
    decode_with(b, Codec::lookup(encoding)?, errors)
}

/// [`decode`] with the codec already looked up.
pub fn decode_with(b: &[u8], codec: Codec, errors: &str) -> Result<PyStrData, TextError> {
    match codec {
        Codec::Latin1 => Ok(PyStrData::from_latin1(b)),
        _ if b.is_ascii() => Ok(PyStrData::from_valid(b.to_vec())),
        Codec::Utf8 => match std::str::from_utf8(b) {
            Ok(s) => Ok(PyStrData::from_str(s)),
            Err(_) => decode_slow(b, codec, errors),
        },
        Codec::Ascii => decode_slow(b, codec, errors),
    }
}

/// What the UTF-8 decoder finds at `i`: a code point and its length, or
/// an error (end offset, reason) as `utf8_decode` + `unicode_decode_utf8`.
fn utf8_step(b: &[u8], i: usize) -> Result<(u32, usize), (usize, &'static str)> {
    const START: &str = "invalid start byte";
    const CONT: &str = "invalid continuation byte";
    const END: &str = "unexpected end of data";
    let at = |k: usize| b.get(i + k).copied();
    let is_cont = |k: usize| at(k).is_some_and(|c| (0x80..0xC0).contains(&c));
    let lead = at(0).unwrap_or(0);
    let avail = b.len() - i;
    let cp = |n: usize| -> u32 {
        let mut v = u32::from(lead) & (0x7F >> n);
        for k in 1..n {
            v = (v << 6) | u32::from(at(k).unwrap_or(0) & 0x3F);
        }
        v
    };
    match lead {
        0..=0x7F => Ok((u32::from(lead), 1)),
        0xC2..=0xDF => {
            if avail < 2 {
                return Err((b.len(), END));
            }
            if !is_cont(1) {
                return Err((i + 1, CONT));
            }
            Ok((cp(2), 2))
        }
        0xE0..=0xEF => {
            let bad2 = |c: u8| match lead {
                0xE0 => c < 0xA0,
                0xED => c >= 0xA0,
                _ => false,
            };
            if avail < 2 {
                return Err((b.len(), END));
            }
            if !is_cont(1) || bad2(at(1).unwrap_or(0)) {
                return Err((i + 1, CONT));
            }
            if avail < 3 {
                return Err((b.len(), END));
            }
            if !is_cont(2) {
                return Err((i + 2, CONT));
            }
            Ok((cp(3), 3))
        }
        0xF0..=0xF4 => {
            let bad2 = |c: u8| match lead {
                0xF0 => c < 0x90,
                0xF4 => c >= 0x90,
                _ => false,
            };
            if avail < 2 {
                return Err((b.len(), END));
            }
            if !is_cont(1) || bad2(at(1).unwrap_or(0)) {
                return Err((i + 1, CONT));
            }
            if avail < 3 {
                return Err((b.len(), END));
            }
            if !is_cont(2) {
                return Err((i + 2, CONT));
            }
            if avail < 4 {
                return Err((b.len(), END));
            }
            if !is_cont(3) {
                return Err((i + 3, CONT));
            }
            Ok((cp(4), 4))
        }
        _ => Err((i + 1, START)),
    }
}

fn decode_slow(b: &[u8], codec: Codec, errors: &str) -> Result<PyStrData, TextError> {
    let mut out = Vec::with_capacity(b.len() + 8);
    let mut i = 0;
    while i < b.len() {
        let step = match codec {
            Codec::Utf8 => utf8_step(b, i),
            _ => match b.get(i) {
                Some(&c) if c < 0x80 => Ok((u32::from(c), 1)),
                _ => Err((i + 1, "ordinal not in range(128)")),
            },
        };
        let (end, reason) = match step {
            Ok((c, n)) => {
                push_cp(&mut out, c);
                i += n;
                continue;
            }
            Err(e) => e,
        };
        let bytes = b.get(i..end).unwrap_or(&[]);
        match ErrorHandler::lookup(errors)? {
            ErrorHandler::Strict => return Err(decode_error(codec, b, i, end, reason)),
            ErrorHandler::Ignore => {}
            ErrorHandler::Replace => push_cp(&mut out, 0xFFFD),
            ErrorHandler::SurrogateEscape => {
                for &c in bytes {
                    push_cp(&mut out, 0xDC00 + u32::from(c));
                }
            }
            ErrorHandler::BackslashReplace => {
                for &c in bytes {
                    out.extend_from_slice(format!("\\x{c:02x}").as_bytes());
                }
            }
            ErrorHandler::XmlCharRefReplace => {
                return Err(TextError::Type(
                    "don't know how to handle UnicodeDecodeError in error callback".into(),
                ))
            }
            ErrorHandler::SurrogatePass => {
                // Python/codecs.c: a three-byte encoded surrogate at `i`.
                let p = b.get(i..i + 3).filter(|_| codec == Codec::Utf8);
                let ch = match p {
                    Some(&[p0, p1, p2])
                        if p0 & 0xF0 == 0xE0 && p1 & 0xC0 == 0x80 && p2 & 0xC0 == 0x80 =>
                    {
                        (u32::from(p0 & 0x0F) << 12)
                            | (u32::from(p1 & 0x3F) << 6)
                            | u32::from(p2 & 0x3F)
                    }
                    _ => 0,
                };
                if !(0xD800..=0xDFFF).contains(&ch) {
                    return Err(decode_error(codec, b, i, end, reason));
                }
                push_cp(&mut out, ch);
                i += 3;
                continue;
            }
        }
        i = end;
    }
    Ok(PyStrData::from_valid(out))
}
