//! `format(value, spec)` for int, float, complex and str
//! (Python/formatter_unicode.c): padding, alignment, signs, `#` prefixes,
//! thousands grouping and `=`/`0` zero padding.

use super::dtoa::{double_to_string, DtoaFlags};
use super::float::{complex_repr, float_repr};
use super::parse::{bigint_to_f64, int_to_decimal};
use super::spec::{check_size, unknown_code, value_err, FmtError, FormatSpec, Grouping};
use num_bigint::{BigInt, Sign};
use num_traits::ToPrimitive;

/// CPython's default `sys.get_int_max_str_digits()`.
pub const INT_MAX_STR_DIGITS: usize = 4300;

/// A number split the way `calc_number_widths` sees it:
/// `<sign><prefix><digits>[.<remainder>]`.
struct Parts<'a> {
    negative: bool,
    prefix: &'a str,
    /// The digits that grouping applies to.
    digits: &'a str,
    has_decimal: bool,
    /// After the decimal point (or the whole non-digit tail: `inf`, `e+10`, `%`).
    remainder: &'a str,
}

/// Group size and separator, if any.
fn grouping_of(g: Grouping) -> Option<(i64, char)> {
    match g {
        Grouping::None => None,
        Grouping::Comma => Some((3, ',')),
        Grouping::Underscore => Some((3, '_')),
        Grouping::UnderscoreFour => Some((4, '_')),
    }
}

/// `_PyUnicode_InsertThousandsGrouping`: group `digits`, padding with
/// zeros to `min_width` characters (separators included).
fn insert_grouping(digits: &[u8], min_width: i64, group: Option<(i64, char)>) -> String {
    let mut min_width = min_width.max(0);
    let mut remaining = digits.len() as i64;
    let mut end = digits.len();
    let mut rev: Vec<char> = Vec::with_capacity(digits.len() + 8);
    let mut use_sep = false;
    let mut broken = false;
    let mut emit = |rev: &mut Vec<char>, len: i64, remaining: i64, sep: Option<char>| {
        let n_zeros = (len - remaining).max(0);
        let n_chars = remaining.min(len).max(0);
        if let Some(c) = sep {
            rev.push(c);
        }
        let start = end.saturating_sub(n_chars as usize);
        for &d in digits[start..end].iter().rev() {
            rev.push(char::from(d));
        }
        end = start;
        for _ in 0..n_zeros {
            rev.push('0');
        }
        n_chars
    };
    if let Some((g, sep)) = group {
        loop {
            let len = g.min(remaining.max(min_width).max(1));
            let n_chars = emit(&mut rev, len, remaining, use_sep.then_some(sep));
            use_sep = true;
            remaining -= n_chars;
            min_width -= len;
            if remaining <= 0 && min_width <= 0 {
                broken = true;
                break;
            }
            min_width -= 1;
        }
    }
    if !broken {
        let len = remaining.max(min_width).max(1);
        let sep = group.map(|(_, c)| c).filter(|_| use_sep);
        emit(&mut rev, len, remaining, sep);
    }
    rev.into_iter().rev().collect()
}

fn push_fill(out: &mut String, c: char, n: i64) {
    for _ in 0..n.max(0) {
        out.push(c);
    }
}

/// `calc_number_widths` + `fill_number`.
fn fill_number(p: &Parts, f: &FormatSpec, fill: char, toupper: bool) -> String {
    let sign = match f.sign {
        b'+' => Some(if p.negative { '-' } else { '+' }),
        b' ' => Some(if p.negative { '-' } else { ' ' }),
        _ => p.negative.then_some('-'),
    };
    let n_sign = i64::from(sign.is_some());
    let n_prefix = p.prefix.chars().count() as i64;
    let n_remainder = p.remainder.chars().count() as i64;
    let n_decimal = i64::from(p.has_decimal);
    let non_digit = n_sign + n_prefix + n_decimal + n_remainder;
    let min_width = if f.fill == u32::from('0') && f.align == b'=' {
        f.width - non_digit
    } else {
        0
    };
    let grouped = if p.digits.is_empty() {
        String::new()
    } else {
        insert_grouping(p.digits.as_bytes(), min_width, grouping_of(f.grouping))
    };
    let n_grouped = grouped.chars().count() as i64;
    let padding = f.width - (non_digit + n_grouped);
    let (mut lpad, mut spad, mut rpad) = (0, 0, 0);
    if padding > 0 {
        match f.align {
            b'<' => rpad = padding,
            b'^' => {
                lpad = padding / 2;
                rpad = padding - lpad;
            }
            b'=' => spad = padding,
            _ => lpad = padding,
        }
    }
    let mut out = String::new();
    push_fill(&mut out, fill, lpad);
    if let Some(c) = sign {
        out.push(c);
    }
    if toupper {
        out.push_str(&p.prefix.to_ascii_uppercase());
    } else {
        out.push_str(p.prefix);
    }
    push_fill(&mut out, fill, spad);
    if toupper {
        out.push_str(&grouped.to_ascii_uppercase());
    } else {
        out.push_str(&grouped);
    }
    if p.has_decimal {
        out.push('.');
    }
    out.push_str(p.remainder);
    push_fill(&mut out, fill, rpad);
    out
}

/// `calc_padding` + `fill_padding` around already formatted text.
fn pad_text(text: &str, nchars: i64, width: i64, align: u8, fill: char) -> String {
    let total = width.max(nchars);
    let lpad = match align {
        b'>' => total - nchars,
        b'^' => (total - nchars) / 2,
        _ => 0,
    };
    let rpad = total - nchars - lpad;
    let mut out = String::with_capacity(text.len() + (total - nchars).max(0) as usize);
    push_fill(&mut out, fill, lpad);
    out.push_str(text);
    push_fill(&mut out, fill, rpad);
    out
}

/// `parse_number`: split a `PyOS_double_to_string` result (sign removed)
/// into integer digits, decimal point and remainder.
fn split_number(s: &str) -> (&str, bool, &str) {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    let (digits, rest) = s.split_at(n);
    match rest.strip_prefix('.') {
        Some(r) => (digits, true, r),
        None => (digits, false, rest),
    }
}

/// `format(int, spec)` for an exact `int`.
pub fn format_int(v: &BigInt, spec: &str) -> Result<String, FmtError> {
    format_int_as(v, spec, "int", INT_MAX_STR_DIGITS)
}

/// `format(v, spec)` where `v` is an int of type `type_name` (the name the
/// error messages use), with `max_str_digits` as `sys.set_int_max_str_digits`
/// (0 = no limit).
pub fn format_int_as(
    v: &BigInt,
    spec: &str,
    type_name: &str,
    max_str_digits: usize,
) -> Result<String, FmtError> {
    if spec.is_empty() {
        return int_to_decimal(v, max_str_digits);
    }
    let f = FormatSpec::parse(spec, type_name, u32::from('d'), b'>')?;
    check_size(f.width)?;
    match char::from_u32(f.ty) {
        Some('b' | 'c' | 'd' | 'o' | 'x' | 'X' | 'n') => {
            format_long_internal(v, &f, max_str_digits)
        }
        Some('e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%') => {
            format_float_internal(bigint_to_f64(v)?, &f)
        }
        _ => Err(unknown_code(f.ty, type_name)),
    }
}

fn format_long_internal(v: &BigInt, f: &FormatSpec, limit: usize) -> Result<String, FmtError> {
    if f.precision != -1 {
        return value_err("Precision not allowed in integer format specifier");
    }
    if f.no_neg_0 {
        return value_err("Negative zero coercion (z) not allowed in integer format specifier");
    }
    let fill = f.fill_char();
    if f.ty == u32::from('c') {
        if f.sign != 0 {
            return value_err("Sign not allowed with integer format specifier 'c'");
        }
        if f.alternate {
            return value_err("Alternate form (#) not allowed with integer format specifier 'c'");
        }
        let x = v.to_i64().ok_or_else(|| {
            FmtError::Overflow("Python int too large to convert to C long".to_string())
        })?;
        let c = u32::try_from(x)
            .ok()
            .filter(|&c| c <= 0x10FFFF)
            .ok_or_else(|| FmtError::Overflow("%c arg not in range(0x110000)".to_string()))?;
        let text = char::from_u32(c).unwrap_or('\u{FFFD}').to_string();
        let parts = Parts {
            negative: false,
            prefix: "",
            digits: "",
            has_decimal: false,
            remainder: &text,
        };
        return Ok(fill_number(&parts, f, fill, false));
    }
    let ty = char::from_u32(f.ty).unwrap_or('d');
    let (base, prefix) = match ty {
        'b' => (2, "0b"),
        'o' => (8, "0o"),
        'x' | 'X' => (16, "0x"),
        _ => (10, ""),
    };
    let digits = if base == 10 {
        let s = int_to_decimal(v, limit)?;
        s.trim_start_matches('-').to_string()
    } else {
        v.magnitude().to_str_radix(base)
    };
    let parts = Parts {
        negative: v.sign() == Sign::Minus,
        prefix: if f.alternate { prefix } else { "" },
        digits: &digits,
        has_decimal: false,
        remainder: "",
    };
    let mut f = f.clone();
    if ty == 'n' {
        f.grouping = Grouping::None;
    }
    Ok(fill_number(&parts, &f, fill, ty == 'X'))
}

/// `format(float, spec)`.
pub fn format_float(v: f64, spec: &str) -> Result<String, FmtError> {
    format_float_as(v, spec, "float")
}

/// `format(v, spec)` for a float of type `type_name`.
pub fn format_float_as(v: f64, spec: &str, type_name: &str) -> Result<String, FmtError> {
    if spec.is_empty() {
        return Ok(float_repr(v));
    }
    let f = FormatSpec::parse(spec, type_name, 0, b'>')?;
    check_size(f.width)?;
    match char::from_u32(f.ty) {
        Some('\0' | 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'n' | '%') => format_float_internal(v, &f),
        _ => Err(unknown_code(f.ty, type_name)),
    }
}

/// The type code, flags and precision `format_float_internal` and
/// `format_complex_internal` hand to `PyOS_double_to_string`.
fn float_code(f: &FormatSpec, default_add_dot_0: bool) -> Result<(char, i64, DtoaFlags), FmtError> {
    if f.precision > i64::from(i32::MAX) {
        return value_err("precision too big");
    }
    check_size(f.precision)?;
    let mut flags = DtoaFlags {
        alt: f.alternate,
        no_neg_0: f.no_neg_0,
        ..DtoaFlags::default()
    };
    let mut ty = char::from_u32(f.ty).unwrap_or('\0');
    let mut default_precision = 6;
    if ty == '\0' {
        flags.add_dot_0 = default_add_dot_0;
        ty = 'r';
        default_precision = 0;
    }
    if ty == 'n' {
        ty = 'g';
    }
    let precision = if f.precision < 0 {
        default_precision
    } else {
        if ty == 'r' {
            ty = 'g';
        }
        f.precision
    };
    Ok((ty, precision, flags))
}

fn format_float_internal(v: f64, f: &FormatSpec) -> Result<String, FmtError> {
    let (mut ty, precision, flags) = float_code(f, true)?;
    let mut val = v;
    let add_pct = ty == '%';
    if add_pct {
        ty = 'f';
        val *= 100.0;
    }
    let mut buf = double_to_string(val, ty, precision, flags);
    if add_pct {
        buf.push('%');
    }
    let (negative, body) = match buf.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, buf.as_str()),
    };
    let (digits, has_decimal, remainder) = split_number(body);
    let parts = Parts {
        negative,
        prefix: "",
        digits,
        has_decimal,
        remainder,
    };
    let mut f = f.clone();
    if f.ty == u32::from('n') {
        f.grouping = Grouping::None;
    }
    Ok(fill_number(&parts, &f, f.fill_char(), false))
}

/// `format(complex(re, im), spec)`.
pub fn format_complex(re: f64, im: f64, spec: &str) -> Result<String, FmtError> {
    format_complex_as(re, im, spec, "complex")
}

/// `format(v, spec)` for a complex of type `type_name`.
pub fn format_complex_as(
    re: f64,
    im: f64,
    spec: &str,
    type_name: &str,
) -> Result<String, FmtError> {
    if spec.is_empty() {
        return Ok(complex_repr(re, im));
    }
    let f = FormatSpec::parse(spec, type_name, 0, b'>')?;
    check_size(f.width)?;
    if !matches!(
        char::from_u32(f.ty),
        Some('\0' | 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'n')
    ) {
        return Err(unknown_code(f.ty, type_name));
    }
    if f.precision > i64::from(i32::MAX) {
        return value_err("precision too big");
    }
    if f.fill == u32::from('0') {
        return value_err("Zero padding is not allowed in complex format specifier");
    }
    if f.align == b'=' {
        return value_err("'=' alignment flag is not allowed in complex format specifier");
    }
    let (ty, precision, flags) = float_code(&f, false)?;
    let (mut skip_re, mut add_parens) = (false, false);
    if f.ty == 0 {
        if re == 0.0 && re.is_sign_positive() {
            skip_re = true;
        } else {
            add_parens = true;
        }
    }
    let re_buf = double_to_string(re, ty, precision, flags);
    let im_buf = double_to_string(im, ty, precision, flags);
    let mut tmp = f.clone();
    tmp.fill = 0;
    tmp.align = b'<';
    tmp.width = -1;
    if f.ty == u32::from('n') {
        tmp.grouping = Grouping::None;
    }
    let part = |buf: &str, tmp: &FormatSpec| {
        let (negative, body) = match buf.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, buf),
        };
        let (digits, has_decimal, remainder) = split_number(body);
        let parts = Parts {
            negative,
            prefix: "",
            digits,
            has_decimal,
            remainder,
        };
        fill_number(&parts, tmp, ' ', false)
    };
    let re_text = if skip_re {
        String::new()
    } else {
        part(&re_buf, &tmp)
    };
    if !skip_re {
        tmp.sign = b'+';
    }
    let im_text = part(&im_buf, &tmp);
    let mut body = String::new();
    if add_parens {
        body.push('(');
    }
    body.push_str(&re_text);
    body.push_str(&im_text);
    body.push('j');
    if add_parens {
        body.push(')');
    }
    let n = body.chars().count() as i64;
    Ok(pad_text(&body, n, f.width, f.align, f.fill_char()))
}

/// `format(str, spec)`.
pub fn format_str(s: &str, spec: &str) -> Result<String, FmtError> {
    format_str_as(s, spec, "str")
}

/// `format(s, spec)` for a str of type `type_name`.
pub fn format_str_as(s: &str, spec: &str, type_name: &str) -> Result<String, FmtError> {
    if spec.is_empty() {
        return Ok(s.to_string());
    }
    let f = FormatSpec::parse(spec, type_name, u32::from('s'), b'<')?;
    check_size(f.width)?;
    if f.ty != u32::from('s') {
        return Err(unknown_code(f.ty, type_name));
    }
    if f.sign == b' ' {
        return value_err("Space not allowed in string format specifier");
    }
    if f.sign != 0 {
        return value_err("Sign not allowed in string format specifier");
    }
    if f.no_neg_0 {
        return value_err("Negative zero coercion (z) not allowed in string format specifier");
    }
    if f.alternate {
        return value_err("Alternate form (#) not allowed in string format specifier");
    }
    if f.align == b'=' {
        return value_err("'=' alignment not allowed in string format specifier");
    }
    let mut len = s.chars().count() as i64;
    let mut text = s;
    if f.precision >= 0 && len >= f.precision {
        len = f.precision;
        let cut = s
            .char_indices()
            .nth(f.precision as usize)
            .map_or(s.len(), |(i, _)| i);
        text = &s[..cut];
    }
    Ok(pad_text(text, len, f.width, f.align, f.fill_char()))
}
