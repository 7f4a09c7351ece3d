//! String-level predicates of CPython 3.11's `str` (`unicode_isupper_impl`
//! ... in Objects/unicodeobject.c) and `str.splitlines()`.
//!
//! The predicates take any sequence of code points (`s.iter().copied()`,
//! a decoding iterator ...). Like CPython, every one of them is false for
//! the empty string except `isprintable`, which is true.

use std::iter::Peekable;
use std::ops::Range;

use super::{
    is_alnum, is_alpha, is_decimal, is_digit, is_linebreak, is_lower, is_numeric, is_printable,
    is_space, is_title, is_upper, is_xid_continue, is_xid_start,
};

/// True when `s` is non-empty and every code point satisfies `pred`.
fn all_nonempty(s: impl IntoIterator<Item = u32>, pred: fn(u32) -> bool) -> bool {
    let mut any = false;
    for c in s {
        if !pred(c) {
            return false;
        }
        any = true;
    }
    any
}

/// Splits off the first code point; tells whether it is the only one.
fn first_and_rest<I: Iterator<Item = u32>>(s: I) -> Option<(u32, bool, Peekable<I>)> {
    let mut it = s.peekable();
    let first = it.next()?;
    let alone = it.peek().is_none();
    Some((first, alone, it))
}

/// `str.isspace()`.
pub fn str_isspace(s: impl IntoIterator<Item = u32>) -> bool {
    all_nonempty(s, is_space)
}

/// `str.isalpha()`.
pub fn str_isalpha(s: impl IntoIterator<Item = u32>) -> bool {
    all_nonempty(s, is_alpha)
}

/// `str.isalnum()`.
pub fn str_isalnum(s: impl IntoIterator<Item = u32>) -> bool {
    all_nonempty(s, is_alnum)
}

/// `str.isdecimal()`.
pub fn str_isdecimal(s: impl IntoIterator<Item = u32>) -> bool {
    all_nonempty(s, is_decimal)
}

/// `str.isdigit()`.
pub fn str_isdigit(s: impl IntoIterator<Item = u32>) -> bool {
    all_nonempty(s, is_digit)
}

/// `str.isnumeric()`.
pub fn str_isnumeric(s: impl IntoIterator<Item = u32>) -> bool {
    all_nonempty(s, is_numeric)
}

/// `str.isprintable()`: true for the empty string.
pub fn str_isprintable(s: impl IntoIterator<Item = u32>) -> bool {
    s.into_iter().all(is_printable)
}

/// `str.isidentifier()`: XID_Start or '_' first, XID_Continue after.
pub fn str_isidentifier(s: impl IntoIterator<Item = u32>) -> bool {
    let mut it = s.into_iter();
    match it.next() {
        Some(c) if is_xid_start(c) || c == u32::from(b'_') => it.all(is_xid_continue),
        _ => false,
    }
}

/// `str.isupper()`: at least one cased character and no lower- or
/// title-case one. A single character is just `Py_UNICODE_ISUPPER`.
pub fn str_isupper(s: impl IntoIterator<Item = u32>) -> bool {
    let Some((first, alone, rest)) = first_and_rest(s.into_iter()) else {
        return false;
    };
    if alone {
        return is_upper(first);
    }
    let mut cased = false;
    for c in std::iter::once(first).chain(rest) {
        if is_lower(c) || is_title(c) {
            return false;
        }
        cased |= is_upper(c);
    }
    cased
}

/// `str.islower()`: at least one cased character and no upper- or
/// title-case one. A single character is just `Py_UNICODE_ISLOWER`.
pub fn str_islower(s: impl IntoIterator<Item = u32>) -> bool {
    let Some((first, alone, rest)) = first_and_rest(s.into_iter()) else {
        return false;
    };
    if alone {
        return is_lower(first);
    }
    let mut cased = false;
    for c in std::iter::once(first).chain(rest) {
        if is_upper(c) || is_title(c) {
            return false;
        }
        cased |= is_lower(c);
    }
    cased
}

/// `str.istitle()`: upper- and title-case characters only after uncased
/// ones, lower-case ones only after cased ones, and at least one cased
/// character. A single character: title or upper case.
pub fn str_istitle(s: impl IntoIterator<Item = u32>) -> bool {
    let Some((first, alone, rest)) = first_and_rest(s.into_iter()) else {
        return false;
    };
    if alone {
        return is_title(first) || is_upper(first);
    }
    let mut cased = false;
    let mut previous_is_cased = false;
    for c in std::iter::once(first).chain(rest) {
        if is_upper(c) || is_title(c) {
            if previous_is_cased {
                return false;
            }
            previous_is_cased = true;
            cased = true;
        } else if is_lower(c) {
            if !previous_is_cased {
                return false;
            }
            previous_is_cased = true;
            cased = true;
        } else {
            previous_is_cased = false;
        }
    }
    cased
}

/// `str.splitlines(keepends)`: the index ranges of the lines of `s`.
/// Splits on every [`is_linebreak`] code point, "\r\n" counting as one.
pub fn splitlines(s: &[u32], keepends: bool) -> Vec<Range<usize>> {
    let mut lines = Vec::new();
    let (mut i, mut j) = (0, 0);
    let n = s.len();
    while i < n {
        while s.get(i).is_some_and(|&c| !is_linebreak(c)) {
            i += 1;
        }
        let mut eol = i;
        if let Some(&c) = s.get(i) {
            i += if c == 0x0D && s.get(i + 1) == Some(&0x0A) {
                2
            } else {
                1
            };
            if keepends {
                eol = i;
            }
        }
        lines.push(j..eol);
        j = i;
    }
    lines
}

/// CPython's `_PyUnicode_TransformDecimalAndSpaceToASCII`, the first step
/// of `int(str)`, `float(str)`, `complex(str)` and `Decimal(str)`: a string
/// of only ASCII code points is returned unchanged; otherwise code points
/// below 127 are kept, whitespace becomes ' ', decimal digits become '0'-'9',
/// and the result stops at the first other code point, replaced by '?'
/// (so that parsing fails there).
pub fn transform_decimal_and_space(s: &[u32]) -> String {
    let ascii = |c: u32| char::from_u32(c).filter(char::is_ascii);
    if s.iter().all(|&c| c < 128) {
        return s.iter().filter_map(|&c| ascii(c)).collect();
    }
    let mut out = String::with_capacity(s.len());
    for &c in s {
        if c < 127 {
            out.extend(ascii(c));
        } else if is_space(c) {
            out.push(' ');
        } else if let Some(d) = super::decimal_value(c).and_then(|d| char::from_digit(d, 10)) {
            out.push(d);
        } else {
            out.push('?');
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cps(s: &str) -> Vec<u32> {
        s.chars().map(u32::from).collect()
    }

    #[test]
    fn predicates() {
        let t = |s: &str| str_istitle(cps(s));
        assert!(t("Hello World") && t("ǅ") && t("A") && !t("a") && !t("") && !t("1"));
        assert!(str_isupper(cps("ABC1")) && !str_isupper(cps("1")) && !str_isupper(cps("ǅ")));
        assert!(str_isidentifier(cps("_x1")) && !str_isidentifier(cps("1x")));
        assert!(str_isprintable(cps("")) && !str_isspace(cps("")));
    }

    #[test]
    fn decimal_and_space() {
        let t = |s: &str| transform_decimal_and_space(&cps(s));
        assert_eq!(t("\u{663}.\u{665}\u{3000}"), "3.5 ");
        assert_eq!(t(" 12\x7f"), " 12\x7f");
        assert_eq!(t("1\u{b2}3"), "1?");
        assert_eq!(t("\u{ff11}\x7f9"), "1?");
    }

    #[test]
    fn lines() {
        let s = cps("a\r\nb\rc\n\x1cd");
        assert_eq!(splitlines(&s, false), vec![0..1, 3..4, 5..6, 7..7, 8..9]);
        assert_eq!(splitlines(&s, true), vec![0..3, 3..5, 5..7, 7..8, 8..9]);
        assert!(splitlines(&[], true).is_empty());
    }
}
