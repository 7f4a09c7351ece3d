//! The format-spec mini-language (Python/formatter_unicode.c
//! `parse_internal_render_format_spec`):
//! `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`,
//! and the error type every `pyfmt` formatter and parser returns.

use super::unidata::{DECIMAL_ZEROS, SPACES};

/// An error with CPython's exact message; the variant names the Python
/// exception class the VM raises.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FmtError {
    #[error("{0}")]
    Value(String),
    #[error("{0}")]
    Overflow(String),
    #[error("{0}")]
    Type(String),
    /// The result would be too large to build (CPython's `MemoryError`).
    #[error("{0}")]
    Memory(String),
}

/// Widths and precisions beyond this many characters are refused with
/// [`FmtError::Memory`] rather than attempted.
pub const MAX_OUTPUT_CHARS: i64 = 1 << 30;

/// Refuse a width or precision that would build an absurdly large string.
pub(super) fn check_size(n: i64) -> Result<(), FmtError> {
    if n > MAX_OUTPUT_CHARS {
        return Err(FmtError::Memory(String::new()));
    }
    Ok(())
}

impl FmtError {
    /// The Python exception class name: `ValueError`, `OverflowError`, `TypeError`.
    pub fn kind(&self) -> &'static str {
        match self {
            FmtError::Value(_) => "ValueError",
            FmtError::Overflow(_) => "OverflowError",
            FmtError::Type(_) => "TypeError",
            FmtError::Memory(_) => "MemoryError",
        }
    }

    /// The message text.
    pub fn message(&self) -> &str {
        match self {
            FmtError::Value(m)
            | FmtError::Overflow(m)
            | FmtError::Type(m)
            | FmtError::Memory(m) => m,
        }
    }
}

pub(super) fn value_err<T>(msg: impl Into<String>) -> Result<T, FmtError> {
    Err(FmtError::Value(msg.into()))
}

/// `Py_UNICODE_TODECIMAL`: the decimal value of a code point, if any.
pub fn unicode_decimal(cp: u32) -> Option<u32> {
    let i = DECIMAL_ZEROS.partition_point(|&z| z <= cp);
    let zero = *DECIMAL_ZEROS.get(i.checked_sub(1)?)?;
    let d = cp - zero;
    (d < 10).then_some(d)
}

/// `Py_UNICODE_ISSPACE` (`str.isspace()` for one code point).
pub fn unicode_isspace(cp: u32) -> bool {
    SPACES.binary_search(&cp).is_ok()
}

/// Thousands grouping requested by the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    None,
    /// `,` every three digits.
    Comma,
    /// `_` every three digits (decimal) ...
    Underscore,
    /// ... or every four (`b`, `o`, `x`, `X`).
    UnderscoreFour,
}

/// A parsed format spec. Code points are kept as `u32` so a fill character
/// may be any code point (lone surrogates included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatSpec {
    pub fill: u32,
    /// One of `<`, `>`, `^`, `=`.
    pub align: u8,
    /// 0 (not given), `+`, `-` or ` `.
    pub sign: u8,
    /// `z`: coerce negative zero to positive (floats only).
    pub no_neg_0: bool,
    /// `#`.
    pub alternate: bool,
    /// -1 when not given.
    pub width: i64,
    pub grouping: Grouping,
    /// -1 when not given.
    pub precision: i64,
    /// The type code; 0 means none (only possible as a default).
    pub ty: u32,
}

/// `Unknown format code 'X' for object of type 'T'` (with the `\x..` form
/// for unprintable codes).
pub fn unknown_code(ty: u32, type_name: &str) -> FmtError {
    FmtError::Value(format!(
        "Unknown format code '{}' for object of type '{}'",
        code_text(ty),
        truncate(type_name, 200)
    ))
}

fn code_text(ty: u32) -> String {
    if ty > 32 && ty < 128 {
        char::from_u32(ty).map(String::from).unwrap_or_default()
    } else {
        format!("\\x{ty:x}")
    }
}

pub(super) fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn is_align(c: u32) -> bool {
    matches!(char::from_u32(c), Some('<' | '>' | '=' | '^'))
}

/// `get_integer`: consume decimal digits (any Unicode decimal digit).
/// Returns the number of digits consumed and the value.
fn get_integer(s: &[u32], pos: &mut usize) -> Result<(usize, i64), FmtError> {
    let mut acc: i64 = 0;
    let mut n = 0;
    while let Some(d) = s.get(*pos).and_then(|&c| unicode_decimal(c)) {
        let d = i64::from(d);
        if acc > (i64::MAX - d) / 10 {
            return value_err("Too many decimal digits in format string");
        }
        acc = acc * 10 + d;
        *pos += 1;
        n += 1;
    }
    Ok((n, acc))
}

impl FormatSpec {
    /// Parse `spec` for an object of type `type_name` whose formatter uses
    /// `default_type` (`'d'` for int, 0 for float/complex, `'s'` for str)
    /// and `default_align` (`b'>'` for numbers, `b'<'` for str).
    pub fn parse(
        spec: &str,
        type_name: &str,
        default_type: u32,
        default_align: u8,
    ) -> Result<FormatSpec, FmtError> {
        let cps: Vec<u32> = spec.chars().map(u32::from).collect();
        Self::parse_cps(&cps, spec, type_name, default_type, default_align)
    }

    /// [`FormatSpec::parse`] on code points; `display` is the spec's text
    /// as it appears in the "Invalid format specifier" message.
    pub fn parse_cps(
        s: &[u32],
        display: &str,
        type_name: &str,
        default_type: u32,
        default_align: u8,
    ) -> Result<FormatSpec, FmtError> {
        let end = s.len();
        let mut pos = 0usize;
        let at = |i: usize| s.get(i).copied();
        let mut f = FormatSpec {
            fill: u32::from(' '),
            align: default_align,
            sign: 0,
            no_neg_0: false,
            alternate: false,
            width: -1,
            grouping: Grouping::None,
            precision: -1,
            ty: default_type,
        };
        let mut align_specified = false;
        let mut fill_specified = false;
        if let (Some(c0), Some(c1)) = (at(0), at(1)) {
            if is_align(c1) {
                f.align = c1 as u8;
                f.fill = c0;
                fill_specified = true;
                align_specified = true;
                pos = 2;
            }
        }
        if !align_specified {
            if let Some(c0) = at(0).filter(|&c| is_align(c)) {
                f.align = c0 as u8;
                align_specified = true;
                pos = 1;
            }
        }
        if let Some(c) = at(pos).filter(|&c| c == 32 || c == 43 || c == 45) {
            f.sign = c as u8;
            pos += 1;
        }
        if at(pos) == Some(u32::from('z')) {
            f.no_neg_0 = true;
            pos += 1;
        }
        if at(pos) == Some(u32::from('#')) {
            f.alternate = true;
            pos += 1;
        }
        if !fill_specified && at(pos) == Some(u32::from('0')) {
            f.fill = u32::from('0');
            if !align_specified && default_align == b'>' {
                f.align = b'=';
            }
            pos += 1;
        }
        let (n, w) = get_integer(s, &mut pos)?;
        if n > 0 {
            f.width = w;
        }
        if at(pos) == Some(u32::from(',')) {
            f.grouping = Grouping::Comma;
            pos += 1;
        }
        if at(pos) == Some(u32::from('_')) {
            if f.grouping != Grouping::None {
                return value_err("Cannot specify both ',' and '_'.");
            }
            f.grouping = Grouping::Underscore;
            pos += 1;
        }
        if at(pos) == Some(u32::from(',')) && f.grouping == Grouping::Underscore {
            return value_err("Cannot specify both ',' and '_'.");
        }
        if at(pos) == Some(u32::from('.')) {
            pos += 1;
            let (n, p) = get_integer(s, &mut pos)?;
            if n == 0 {
                return value_err("Format specifier missing precision");
            }
            f.precision = p;
        }
        if end.saturating_sub(pos) > 1 {
            return value_err(format!(
                "Invalid format specifier '{display}' for object of type '{}'",
                truncate(type_name, 200)
            ));
        }
        if let Some(c) = at(pos) {
            f.ty = c;
        }
        if f.grouping != Grouping::None {
            match char::from_u32(f.ty) {
                Some('d' | 'e' | 'f' | 'g' | 'E' | 'G' | '%' | 'F' | '\0') => {}
                Some('b' | 'o' | 'x' | 'X') if f.grouping == Grouping::Underscore => {
                    f.grouping = Grouping::UnderscoreFour;
                }
                _ => {
                    let sep = if f.grouping == Grouping::Comma {
                        ','
                    } else {
                        '_'
                    };
                    return value_err(format!(
                        "Cannot specify '{sep}' with '{}'.",
                        code_text(f.ty)
                    ));
                }
            }
        }
        Ok(f)
    }

    /// The fill character (U+FFFD for a lone surrogate).
    pub fn fill_char(&self) -> char {
        char::from_u32(self.fill).unwrap_or('\u{FFFD}')
    }
}
