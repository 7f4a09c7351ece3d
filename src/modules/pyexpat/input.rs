//! Input side of the XML parser: decoding the bytes fed to `Parse` (UTF-8,
//! UTF-16, ISO-8859-1, US-ASCII, or a 256-entry table built from a Python
//! codec for other single-byte encodings) into one UTF-8 text buffer, the
//! position tracker (expat's line, column in characters, byte index in the
//! source encoding), and XML's character classes.

/// A position in the document, as expat reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Pos {
    pub line: u64,
    pub col: u64,
    pub byte: i64,
    /// The previous character was a CR (so a following LF ends no line).
    pub after_cr: bool,
}

impl Pos {
    pub fn start() -> Pos {
        Pos {
            line: 1,
            col: 0,
            byte: 0,
            after_cr: false,
        }
    }
}

/// How source bytes become characters.
#[derive(Clone, Debug)]
pub enum Decoder {
    Utf8,
    Utf16Le,
    Utf16Be,
    Latin1,
    Ascii,
    /// A single-byte encoding: the character of each byte (None: invalid).
    Table(Box<[Option<char>; 256]>),
}

impl Decoder {
    /// The width in source bytes of a decoded character.
    pub fn width(&self, c: char) -> i64 {
        match self {
            Decoder::Utf8 => c.len_utf8() as i64,
            Decoder::Utf16Le | Decoder::Utf16Be => 2 * c.len_utf16() as i64,
            _ => 1,
        }
    }

    /// A decoder for an encoding name expat knows itself, or None.
    pub fn builtin(name: &str) -> Option<Decoder> {
        match name.to_ascii_uppercase().as_str() {
            "UTF-8" => Some(Decoder::Utf8),
            "UTF-16LE" => Some(Decoder::Utf16Le),
            "UTF-16BE" | "UTF-16" => Some(Decoder::Utf16Be),
            "ISO-8859-1" => Some(Decoder::Latin1),
            "US-ASCII" => Some(Decoder::Ascii),
            _ => None,
        }
    }
}

/// Where decoding stopped on bytes that are no character.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DecodeStop {
    /// More bytes may complete the character.
    Partial,
    /// The bytes can never be a character.
    Invalid,
}

/// Decode as much of `raw` as forms whole characters onto `out`; returns
/// the number of bytes used and why it stopped early, if it did.
pub fn decode(dec: &Decoder, raw: &[u8], out: &mut Vec<u8>) -> (usize, Option<DecodeStop>) {
    match dec {
        Decoder::Utf8 => match std::str::from_utf8(raw) {
            Ok(s) => {
                out.extend_from_slice(s.as_bytes());
                (raw.len(), None)
            }
            Err(e) => {
                let n = e.valid_up_to();
                out.extend_from_slice(raw.get(..n).unwrap_or(&[]));
                let stop = if e.error_len().is_none() {
                    DecodeStop::Partial
                } else {
                    DecodeStop::Invalid
                };
                (n, Some(stop))
            }
        },
        Decoder::Latin1 => {
            let mut buf = [0u8; 4];
            for &b in raw {
                out.extend_from_slice(char::from(b).encode_utf8(&mut buf).as_bytes());
            }
            (raw.len(), None)
        }
        Decoder::Ascii => {
            for (i, &b) in raw.iter().enumerate() {
                if b >= 0x80 {
                    return (i, Some(DecodeStop::Invalid));
                }
                out.push(b);
            }
            (raw.len(), None)
        }
        Decoder::Table(t) => {
            let mut buf = [0u8; 4];
            for (i, &b) in raw.iter().enumerate() {
                match t.get(usize::from(b)).copied().flatten() {
                    Some(c) => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
                    None => return (i, Some(DecodeStop::Invalid)),
                }
            }
            (raw.len(), None)
        }
        Decoder::Utf16Le | Decoder::Utf16Be => {
            let le = matches!(dec, Decoder::Utf16Le);
            let unit = |i: usize| -> Option<u16> {
                let a = *raw.get(i)?;
                let b = *raw.get(i + 1)?;
                Some(if le {
                    u16::from_le_bytes([a, b])
                } else {
                    u16::from_be_bytes([a, b])
                })
            };
            let mut i = 0;
            let mut buf = [0u8; 4];
            while i < raw.len() {
                let Some(u) = unit(i) else {
                    return (i, Some(DecodeStop::Partial));
                };
                let (c, n) = if (0xD800..0xDC00).contains(&u) {
                    let Some(u2) = unit(i + 2) else {
                        return (i, Some(DecodeStop::Partial));
                    };
                    if !(0xDC00..0xE000).contains(&u2) {
                        return (i, Some(DecodeStop::Invalid));
                    }
                    let cp = 0x10000 + ((u32::from(u) - 0xD800) << 10) + (u32::from(u2) - 0xDC00);
                    (char::from_u32(cp), 4)
                } else {
                    (char::from_u32(u32::from(u)), 2)
                };
                let Some(c) = c else {
                    return (i, Some(DecodeStop::Invalid));
                };
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += n;
            }
            (i, None)
        }
    }
}

/// The character starting at byte `i` of UTF-8 text `s`.
pub fn char_at(s: &[u8], i: usize) -> Option<char> {
    let b = *s.get(i)?;
    if b < 0x80 {
        return Some(char::from(b));
    }
    let n = if b >= 0xF0 {
        4
    } else if b >= 0xE0 {
        3
    } else {
        2
    };
    std::str::from_utf8(s.get(i..i + n)?).ok()?.chars().next()
}

/// `b` as text, when it is valid UTF-8 (ASCII, most names and text, is
/// checked without the general validator's set-up cost).
#[inline]
pub fn as_text(b: &[u8]) -> Option<&str> {
    if b.is_ascii() {
        // SAFETY: ASCII bytes are valid UTF-8.
        return Some(unsafe { std::str::from_utf8_unchecked(b) });
    }
    std::str::from_utf8(b).ok()
}

/// ASCII name characters (`is_name_char` of the first 128 code points).
pub static ASCII_NAME: [bool; 128] = {
    let mut t = [false; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'_' | b':' | b'-' | b'.');
        b += 1;
    }
    t
};

/// Whether `s` is ASCII without line ends (eight bytes at a time).
fn plain_ascii(s: &[u8]) -> bool {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Whether some byte of `w` (all below 0x80) is zero.
    let has_zero = |w: u64| w.wrapping_sub(LOW) & !w & HIGH != 0;
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        let mut b = [0u8; 8];
        b.copy_from_slice(c);
        let w = u64::from_le_bytes(b);
        if w & HIGH != 0
            || has_zero(w ^ (LOW * u64::from(b'\n')))
            || has_zero(w ^ (LOW * u64::from(b'\r')))
        {
            return false;
        }
    }
    chunks
        .remainder()
        .iter()
        .all(|&b| b < 0x80 && b != b'\r' && b != b'\n')
}

/// Advance `p` over the UTF-8 text `s`.
pub fn advance(p: &mut Pos, s: &[u8], dec: &Decoder) {
    // ASCII text without line ends (most of a document): one column and
    // one byte each in every decoder pycvm has but UTF-16's two.
    if !matches!(dec, Decoder::Utf16Le | Decoder::Utf16Be) && plain_ascii(s) {
        if !s.is_empty() {
            p.byte += s.len() as i64;
            p.col += s.len() as u64;
            p.after_cr = false;
        }
        return;
    }
    let Ok(text) = std::str::from_utf8(s) else {
        return;
    };
    for c in text.chars() {
        p.byte += dec.width(c);
        match c {
            '\r' => {
                p.line += 1;
                p.col = 0;
                p.after_cr = true;
                continue;
            }
            '\n' => {
                if !p.after_cr {
                    p.line += 1;
                    p.col = 0;
                }
            }
            _ => p.col += 1,
        }
        p.after_cr = false;
    }
}

/// An XML 1.0 character (others are "not well-formed (invalid token)").
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

pub fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// A character that may start a name (colons included, as expat's
/// tokenizer takes them).
pub fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic()
        || c == '_'
        || c == ':'
        || (!c.is_ascii()
            && !matches!(c, '\u{D7}' | '\u{F7}' | '\u{2000}'..='\u{206F}' | '\u{FFF0}'..)
            && (c.is_alphabetic() || ('\u{3000}'..'\u{E000}').contains(&c)))
}

pub fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || c.is_ascii_digit()
        || c == '-'
        || c == '.'
        || c == '\u{B7}'
        || (!c.is_ascii() && (c.is_alphanumeric() || ('\u{300}'..='\u{36F}').contains(&c)))
}
