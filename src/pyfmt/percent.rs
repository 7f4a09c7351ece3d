//! `%`-formatting pieces (Objects/unicodeobject.c `PyUnicode_Format`):
//! parsing one conversion spec and formatting its value. The VM walks the
//! format string, fetches arguments (mapping keys, `*` widths) and makes
//! the `str()`/`repr()`/`ascii()` text for `%s`, `%r`, `%a`.

use super::dtoa::{double_to_string, DtoaFlags};
use super::spec::{check_size, value_err, FmtError};
use num_bigint::{BigInt, Sign};

/// A width or precision as written: absent, `*`, or a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    None,
    Star,
    Value(i64),
}

/// The `%` conversion flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PercentFlags {
    /// `-`
    pub ljust: bool,
    /// `+`
    pub sign: bool,
    /// ` `
    pub blank: bool,
    /// `#`
    pub alt: bool,
    /// `0`
    pub zero: bool,
}

/// One parsed conversion, from just after its `%` to its conversion char.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PercentSpec {
    /// The `(name)` mapping key, as code points.
    pub key: Option<Vec<u32>>,
    pub flags: PercentFlags,
    pub width: Count,
    pub precision: Count,
    /// The conversion character (not validated: the VM reports unknown
    /// ones with [`unsupported_char`] after fetching the argument).
    pub conv: u32,
    /// Index just past the conversion character.
    pub end: usize,
}

/// A conversion with `*` resolved: width and precision are -1 when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PercentConv {
    pub flags: PercentFlags,
    pub width: i64,
    pub prec: i64,
    pub conv: char,
}

impl PercentSpec {
    /// Resolve `*` values (the VM fetches them in order: width, then
    /// precision) into a [`PercentConv`]: a negative `*` width means
    /// left-justify, a negative `*` precision means 0.
    pub fn resolve(&self, star_width: Option<i64>, star_prec: Option<i64>) -> PercentConv {
        let mut flags = self.flags;
        let width = match self.width {
            Count::None => -1,
            Count::Value(n) => n,
            Count::Star => {
                let w = star_width.unwrap_or(-1);
                if w < 0 {
                    flags.ljust = true;
                }
                w.saturating_abs()
            }
        };
        let prec = match self.precision {
            Count::None => -1,
            Count::Value(n) => n,
            Count::Star => star_prec.unwrap_or(0).max(0),
        };
        PercentConv {
            flags,
            width,
            prec,
            conv: char::from_u32(self.conv).unwrap_or('?'),
        }
    }
}

/// `unsupported format character 'q' (0x71) at index 5`; `index` is the
/// position of the conversion character in the format string.
pub fn unsupported_char(conv: u32, index: usize) -> FmtError {
    let shown = if (31..=126).contains(&conv) {
        char::from_u32(conv).unwrap_or('?')
    } else {
        '?'
    };
    FmtError::Value(format!(
        "unsupported format character '{shown}' (0x{conv:x}) at index {index}"
    ))
}

/// Parse the conversion starting at `fmt[pos]`, just after a `%` (which is
/// not `%%`: the VM copies that as `%`).
pub fn parse_percent(fmt: &[u32], pos: usize) -> Result<PercentSpec, FmtError> {
    let mut i = pos;
    let n = fmt.len();
    let mut key = None;
    if fmt.get(i) == Some(&u32::from('(')) {
        i += 1;
        let start = i;
        let mut depth = 1;
        while depth > 0 && i < n {
            match char::from_u32(fmt[i]) {
                Some(')') => depth -= 1,
                Some('(') => depth += 1,
                _ => {}
            }
            i += 1;
        }
        if depth > 0 {
            return value_err("incomplete format key");
        }
        key = Some(fmt[start..i - 1].to_vec());
    }
    let mut flags = PercentFlags::default();
    let mut ch: Option<u32>;
    let next = |i: &mut usize| -> Option<u32> {
        let c = fmt.get(*i).copied();
        if c.is_some() {
            *i += 1;
        }
        c
    };
    // Flags.
    loop {
        ch = next(&mut i);
        match ch.and_then(char::from_u32) {
            Some('-') => flags.ljust = true,
            Some('+') => flags.sign = true,
            Some(' ') => flags.blank = true,
            Some('#') => flags.alt = true,
            Some('0') => flags.zero = true,
            _ => break,
        }
    }
    let is_digit = |c: Option<u32>| c.is_some_and(|c| (48..=57).contains(&c));
    let mut width = Count::None;
    if ch == Some(u32::from('*')) {
        width = Count::Star;
        ch = next(&mut i);
    } else if is_digit(ch) {
        let mut w = i64::from(ch.unwrap_or(48) - 48);
        loop {
            ch = next(&mut i);
            if !is_digit(ch) {
                break;
            }
            let d = i64::from(ch.unwrap_or(48) - 48);
            if w > (i64::MAX - d) / 10 {
                return value_err("width too big");
            }
            w = w * 10 + d;
        }
        width = Count::Value(w);
    }
    let mut precision = Count::None;
    if ch == Some(u32::from('.')) {
        precision = Count::Value(0);
        ch = next(&mut i);
        if ch == Some(u32::from('*')) {
            precision = Count::Star;
            ch = next(&mut i);
        } else if is_digit(ch) {
            let mut p = i64::from(ch.unwrap_or(48) - 48);
            loop {
                ch = next(&mut i);
                if !is_digit(ch) {
                    break;
                }
                let d = i64::from(ch.unwrap_or(48) - 48);
                if p > (i64::from(i32::MAX) - d) / 10 {
                    return value_err("precision too big");
                }
                p = p * 10 + d;
            }
            precision = Count::Value(p);
        }
    }
    if matches!(ch.and_then(char::from_u32), Some('h' | 'l' | 'L')) {
        ch = next(&mut i);
    }
    match ch {
        Some(conv) => Ok(PercentSpec {
            key,
            flags,
            width,
            precision,
            conv,
            end: i,
        }),
        None => value_err("incomplete format"),
    }
}

/// `unicode_format_arg_output`: pad a converted value. `numeric` is true
/// for the number conversions (their sign and `0x` prefix stay in front of
/// zero padding).
fn output(c: &PercentConv, text: &str, numeric: bool) -> String {
    // Text without width or precision comes out as it is.
    if !numeric && c.width <= 0 && c.prec < 0 {
        return text.to_string();
    }
    // The characters are walked, never collected: `'%s' % text` of a
    // long text made a 4-byte-a-character copy (pyperformance's pprint).
    let fill = if numeric && c.flags.zero { '0' } else { ' ' };
    let mut width = c.width;
    let mut len = text.chars().count() as i64;
    if matches!(c.conv, 's' | 'r' | 'a') && c.prec >= 0 && len > c.prec {
        len = c.prec;
    }
    let mut idx = 0usize;
    let mut signchar = None;
    if numeric {
        match text.chars().next() {
            Some(s @ ('-' | '+')) => {
                signchar = Some(s);
                len -= 1;
                idx = 1;
            }
            _ if c.flags.sign => signchar = Some('+'),
            _ if c.flags.blank => signchar = Some(' '),
            _ => {}
        }
    }
    if width < len {
        width = len;
    }
    let mut out = String::with_capacity(text.len());
    if let Some(s) = signchar {
        if fill != ' ' {
            out.push(s);
        }
        if width > len {
            width -= 1;
        }
    }
    let alt_prefix = c.flags.alt && matches!(c.conv, 'x' | 'X' | 'o');
    if alt_prefix {
        if fill != ' ' {
            out.push('0');
            out.push(c.conv);
            idx += 2;
        }
        width = (width - 2).max(0);
        len -= 2;
    }
    if width > len && !c.flags.ljust {
        for _ in 0..width - len {
            out.push(fill);
        }
        width = len;
    }
    if fill == ' ' {
        if let Some(s) = signchar {
            out.push(s);
        }
        if alt_prefix {
            out.push('0');
            out.push(c.conv);
            idx += 2;
        }
    }
    out.extend(text.chars().skip(idx).take(len.max(0) as usize));
    for _ in 0..(width - len).max(0) {
        out.push(' ');
    }
    out
}

/// `%d %i %u %o %x %X` of an int (`_PyUnicode_FormatLong` + padding).
pub fn percent_int(v: &BigInt, c: &PercentConv) -> Result<String, FmtError> {
    check_size(c.width)?;
    check_size(c.prec)?;
    if c.prec > i64::from(i32::MAX) - 3 {
        return Err(FmtError::Overflow("precision too large".to_string()));
    }
    let (radix, prefix) = match c.conv {
        'o' => (8, "0o"),
        'x' => (16, "0x"),
        'X' => (16, "0X"),
        _ => (10, ""),
    };
    let mut digits = v.magnitude().to_str_radix(radix);
    if c.conv == 'X' {
        digits = digits.to_ascii_uppercase();
    }
    let pad = (c.prec - digits.len() as i64).max(0) as usize;
    let mut s = String::new();
    if v.sign() == Sign::Minus {
        s.push('-');
    }
    if c.flags.alt {
        s.push_str(prefix);
    }
    s.extend(std::iter::repeat_n('0', pad));
    s.push_str(&digits);
    Ok(output(c, &s, true))
}

/// `%d`-family with the decimal digit limit (`max_str_digits`, 0 = none).
pub fn percent_int_limited(
    v: &BigInt,
    c: &PercentConv,
    max_str_digits: usize,
) -> Result<String, FmtError> {
    if matches!(c.conv, 'd' | 'i' | 'u') {
        super::parse::int_to_decimal(v, max_str_digits)?;
    }
    percent_int(v, c)
}

/// `%e %E %f %F %g %G` of a float.
pub fn percent_float(x: f64, c: &PercentConv) -> Result<String, FmtError> {
    check_size(c.width)?;
    check_size(c.prec)?;
    let prec = if c.prec < 0 { 6 } else { c.prec };
    let flags = DtoaFlags {
        alt: c.flags.alt,
        ..DtoaFlags::default()
    };
    let s = double_to_string(x, c.conv, prec, flags);
    Ok(output(c, &s, true))
}

/// `%c` of an int code point.
pub fn percent_char_code(v: &BigInt, c: &PercentConv) -> Result<String, FmtError> {
    let ch = i64::try_from(v)
        .ok()
        .and_then(|x| u32::try_from(x).ok())
        .filter(|&x| x <= 0x10FFFF)
        .ok_or_else(|| FmtError::Overflow("%c arg not in range(0x110000)".to_string()))?;
    check_size(c.width)?;
    let text = char::from_u32(ch).unwrap_or('\u{FFFD}').to_string();
    Ok(output(c, &text, false))
}

/// `%s %r %a %c` of already converted text: precision truncates (s, r, a)
/// and width pads.
pub fn percent_text(text: &str, c: &PercentConv) -> Result<String, FmtError> {
    check_size(c.width)?;
    Ok(output(c, text, false))
}
