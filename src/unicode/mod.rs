//! Unicode character tables generated from CPython 3.11's unicodedata (Unicode 14.0).
//!
//! Per code point: the predicates and values behind `str`'s methods
//! (`Py_UNICODE_ISALPHA` ... in CPython's Objects/unicodectype.c) and the
//! full case mappings (SpecialCasing included). String-level operations with
//! CPython's exact semantics (final sigma, title-casing, the `is*()` rules)
//! live in [`case`] and [`string`], and work on code point slices so lone
//! surrogates are handled like CPython does.
//!
//! The tables are written by `scripts/gen_unicode.py`, which asks python3.11
//! itself for every code point. Code points above U+10FFFF have no property.

pub mod case;
mod printable;
pub mod string;
mod tables;

pub use case::{str_capitalize, str_casefold, str_lower, str_swapcase, str_title, str_upper};
pub use string::{
    splitlines, str_isalnum, str_isalpha, str_isdecimal, str_isdigit, str_isidentifier,
    str_islower, str_isnumeric, str_isprintable, str_isspace, str_istitle, str_isupper,
    transform_decimal_and_space,
};

use printable::NON_PRINTABLE;
use tables::{
    Record, EXT, FLAG_ALPHA, FLAG_CASED, FLAG_CASE_IGNORABLE, FLAG_DECIMAL, FLAG_DIGIT,
    FLAG_FOLD_EXT, FLAG_LINEBREAK, FLAG_LOWER, FLAG_LOWER_EXT, FLAG_NUMERIC, FLAG_SPACE,
    FLAG_TITLE, FLAG_TITLE_EXT, FLAG_UPPER, FLAG_UPPER_EXT, FLAG_XID_CONTINUE, FLAG_XID_START,
    INDEX1, INDEX2, NUMERIC, RECORDS, SHIFT,
};

/// The record of a code point; record 0 (no property, identity mappings)
/// for anything outside the tables.
fn record(cp: u32) -> &'static Record {
    const EMPTY: Record = (0, 0, 0, 0, 0, 0);
    let block = match INDEX1.get((cp >> SHIFT) as usize) {
        Some(&b) => usize::from(b),
        None => return &EMPTY,
    };
    let offset = (block << SHIFT) | (cp & ((1 << SHIFT) - 1)) as usize;
    INDEX2
        .get(offset)
        .and_then(|&r| RECORDS.get(usize::from(r)))
        .unwrap_or(&EMPTY)
}

fn flags(cp: u32) -> u32 {
    record(cp).0
}

/// `chr(cp).isalpha()`: categories Lu, Ll, Lt, Lm, Lo.
pub fn is_alpha(cp: u32) -> bool {
    flags(cp) & FLAG_ALPHA != 0
}

/// `chr(cp).isdecimal()`: the code point has a decimal digit value (Nd).
pub fn is_decimal(cp: u32) -> bool {
    flags(cp) & FLAG_DECIMAL != 0
}

/// `chr(cp).isdigit()`: the code point has a digit value (decimals,
/// superscripts, circled digits ...).
pub fn is_digit(cp: u32) -> bool {
    flags(cp) & FLAG_DIGIT != 0
}

/// `chr(cp).isnumeric()`: the code point has a numeric value.
pub fn is_numeric(cp: u32) -> bool {
    flags(cp) & FLAG_NUMERIC != 0
}

/// `chr(cp).isspace()` (`Py_UNICODE_ISSPACE`): ASCII whitespace including
/// \x1c-\x1f, bidirectional classes WS, B, S and category Zs.
pub fn is_space(cp: u32) -> bool {
    flags(cp) & FLAG_SPACE != 0
}

/// `chr(cp).isalnum()`: alpha, decimal, digit or numeric.
pub fn is_alnum(cp: u32) -> bool {
    flags(cp) & (FLAG_ALPHA | FLAG_DECIMAL | FLAG_DIGIT | FLAG_NUMERIC) != 0
}

/// `Py_UNICODE_ISLOWER`: the Unicode Lowercase property (`chr(cp).islower()`).
pub fn is_lower(cp: u32) -> bool {
    flags(cp) & FLAG_LOWER != 0
}

/// `Py_UNICODE_ISUPPER`: the Unicode Uppercase property (`chr(cp).isupper()`).
pub fn is_upper(cp: u32) -> bool {
    flags(cp) & FLAG_UPPER != 0
}

/// `Py_UNICODE_ISTITLE`: category Lt. (Note `chr(cp).istitle()` is
/// `is_title(cp) || is_upper(cp)`.)
pub fn is_title(cp: u32) -> bool {
    flags(cp) & FLAG_TITLE != 0
}

/// `_PyUnicode_IsCased`: the Unicode Cased property (Lowercase, Uppercase or Lt).
pub fn is_cased(cp: u32) -> bool {
    flags(cp) & FLAG_CASED != 0
}

/// `_PyUnicode_IsCaseIgnorable`: the Unicode Case_Ignorable property, used
/// by the final-sigma rule of `lower()`.
pub fn is_case_ignorable(cp: u32) -> bool {
    flags(cp) & FLAG_CASE_IGNORABLE != 0
}

/// `Py_UNICODE_ISLINEBREAK`: what `str.splitlines()` splits on
/// (\n \x0b \x0c \r \x1c \x1d \x1e \x85 U+2028 U+2029).
pub fn is_linebreak(cp: u32) -> bool {
    flags(cp) & FLAG_LINEBREAK != 0
}

/// `_PyUnicode_IsXidStart`: XID_Start (without '_', which
/// `str.isidentifier()` allows first separately).
pub fn is_xid_start(cp: u32) -> bool {
    flags(cp) & FLAG_XID_START != 0
}

/// `_PyUnicode_IsXidContinue`: XID_Continue.
pub fn is_xid_continue(cp: u32) -> bool {
    flags(cp) & FLAG_XID_CONTINUE != 0
}

/// Whether `chr(cp).isprintable()` is true in CPython 3.11
/// (`Py_UNICODE_ISPRINTABLE`). Lone surrogates and values beyond
/// U+10FFFF are not printable.
pub fn is_printable(cp: u32) -> bool {
    if cp > 0x10FFFF {
        return false;
    }
    // Index of the first range whose end is >= cp.
    let i = NON_PRINTABLE.partition_point(|&(_, end)| end < cp);
    match NON_PRINTABLE.get(i) {
        Some(&(start, _)) => cp < start,
        None => true,
    }
}

/// `unicodedata.numeric(chr(cp))`: the numeric value, if any.
pub fn numeric_value(cp: u32) -> Option<f64> {
    let idx = usize::from(record(cp).5);
    idx.checked_sub(1).and_then(|i| NUMERIC.get(i)).copied()
}

/// `unicodedata.decimal(chr(cp))` (`Py_UNICODE_TODECIMAL`): 0-9 for decimal
/// digits, used by `int()` and `float()` on Unicode digits.
pub fn decimal_value(cp: u32) -> Option<u32> {
    if is_decimal(cp) {
        numeric_value(cp).map(|v| v as u32)
    } else {
        None
    }
}

/// `unicodedata.digit(chr(cp))` (`Py_UNICODE_TODIGIT`): 0-9 for digits.
pub fn digit_value(cp: u32) -> Option<u32> {
    if is_digit(cp) {
        numeric_value(cp).map(|v| v as u32)
    } else {
        None
    }
}

/// The result of a full case mapping of one code point: one to three code
/// points. Iterate it, or look at [`CaseMapping::as_slice`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseMapping {
    chars: [u32; 3],
    len: u8,
}

impl CaseMapping {
    fn single(cp: u32) -> Self {
        CaseMapping {
            chars: [cp, 0, 0],
            len: 1,
        }
    }

    /// The mapped code points.
    pub fn as_slice(&self) -> &[u32] {
        self.chars.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// The first code point: CPython's "simple" mapping
    /// (`_PyUnicode_ToLowercase` ... as used by `_sre`).
    pub fn first(&self) -> u32 {
        self.chars[0]
    }

    /// Number of code points (1 to 3).
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Always false: a mapping has at least one code point.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl IntoIterator for CaseMapping {
    type Item = u32;
    type IntoIter = std::iter::Take<std::array::IntoIter<u32, 3>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chars.into_iter().take(usize::from(self.len))
    }
}

fn case_map(cp: u32, field: i32, ext_flag: u32) -> CaseMapping {
    let rec = record(cp);
    if rec.0 & ext_flag != 0 {
        let (start, len) = ((field >> 2) as usize, (field & 3) as usize);
        let mut chars = [0u32; 3];
        if let Some(src) = EXT.get(start..start + len) {
            for (dst, &c) in chars.iter_mut().zip(src) {
                *dst = c;
            }
            return CaseMapping {
                chars,
                len: len as u8,
            };
        }
        return CaseMapping::single(cp);
    }
    CaseMapping::single(cp.checked_add_signed(field).unwrap_or(cp))
}

/// `_PyUnicode_ToLowerFull`: `chr(cp).lower()` (a lone capital sigma maps
/// to U+03C3; [`str_lower`] applies the final-sigma rule).
pub fn to_lower(cp: u32) -> CaseMapping {
    case_map(cp, record(cp).1, FLAG_LOWER_EXT)
}

/// `_PyUnicode_ToUpperFull`: `chr(cp).upper()`.
pub fn to_upper(cp: u32) -> CaseMapping {
    case_map(cp, record(cp).2, FLAG_UPPER_EXT)
}

/// `_PyUnicode_ToTitleFull`: `chr(cp).title()`.
pub fn to_title(cp: u32) -> CaseMapping {
    case_map(cp, record(cp).3, FLAG_TITLE_EXT)
}

/// `_PyUnicode_ToFoldedFull`: `chr(cp).casefold()`.
pub fn casefold(cp: u32) -> CaseMapping {
    case_map(cp, record(cp).4, FLAG_FOLD_EXT)
}

/// `_PyUnicode_ToLowercase`: the simple lower-case mapping CPython's `_sre`
/// uses for IGNORECASE (the first code point of the full mapping).
pub fn simple_lower(cp: u32) -> u32 {
    to_lower(cp).first()
}

/// `_PyUnicode_ToUppercase`: the simple upper-case mapping (first code
/// point of the full mapping, so 'ß' gives 'S' as in CPython).
pub fn simple_upper(cp: u32) -> u32 {
    to_upper(cp).first()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_points() {
        assert!(is_printable(' ' as u32));
        assert!(is_printable('a' as u32));
        assert!(!is_printable(0x7f));
        assert!(!is_printable(0xa0));
        assert!(!is_printable(0xad));
        assert!(is_printable(0xe9));
        assert!(!is_printable(0xd800));
        assert!(!is_printable(0x2028));
        assert!(is_printable(0x1f600));
        assert!(!is_printable(0x10ffff));
        assert!(!is_printable(0x110000));
    }

    #[test]
    fn known_properties() {
        assert!(is_alpha('é' as u32) && !is_alpha('1' as u32));
        assert_eq!(decimal_value('٣' as u32), Some(3));
        assert_eq!(decimal_value('²' as u32), None);
        assert_eq!(digit_value('²' as u32), Some(2));
        assert_eq!(numeric_value('½' as u32), Some(0.5));
        assert!(is_space(0x1c) && is_space(0x3000) && !is_space(0x200b));
        assert!(is_title('ǅ' as u32) && !is_upper('ǅ' as u32));
        assert!(is_case_ignorable('\'' as u32) && is_cased(0x345));
        assert_eq!(to_upper('ß' as u32).as_slice(), &[0x53, 0x53]);
        assert_eq!(to_title('ﬁ' as u32).as_slice(), &[0x46, 0x69]);
        assert_eq!(to_lower(0x130).as_slice(), &[0x69, 0x307]);
        assert_eq!(to_lower(0x3a3).as_slice(), &[0x3c3]);
        assert_eq!(casefold('ß' as u32).as_slice(), &[0x73, 0x73]);
        assert_eq!(to_upper(0x110000).as_slice(), &[0x110000]);
        assert!(!is_alpha(0x110000) && numeric_value(u32::MAX).is_none());
    }
}
