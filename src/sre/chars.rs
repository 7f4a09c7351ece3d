//! Character predicates and case mappings of `_sre` (Modules/_sre/sre.c).
//!
//! "Locale" variants use the C locale: ASCII letters and digits only, as CPython does
//! under a UTF-8 or C `LC_CTYPE` (bytes 128..=255 are not alphanumeric there).
//! The Unicode variants use the crate's tables generated from CPython 3.11
//! (Unicode 14.0) in `crate::unicode`.

use super::constants::category as cat;
use crate::unicode;

/// `Py_UNICODE_TOLOWER` (simple lowercase mapping; for characters with special casing,
/// the first code point of the full mapping).
pub fn lower_unicode(cp: u32) -> u32 {
    unicode::simple_lower(cp)
}

/// `Py_UNICODE_TOUPPER` (simple uppercase mapping; for characters with special casing,
/// the first code point of the full mapping, e.g. 'ß' -> 'S').
pub fn upper_unicode(cp: u32) -> u32 {
    unicode::simple_upper(cp)
}

/// `sre_lower_ascii`.
pub fn lower_ascii(cp: u32) -> u32 {
    if (b'A' as u32..=b'Z' as u32).contains(&cp) {
        cp + 32
    } else {
        cp
    }
}

fn upper_ascii(cp: u32) -> u32 {
    if (b'a' as u32..=b'z' as u32).contains(&cp) {
        cp - 32
    } else {
        cp
    }
}

/// `sre_lower_locale` (C locale).
pub fn lower_locale(cp: u32) -> u32 {
    lower_ascii(cp)
}

/// `sre_upper_locale` (C locale).
pub fn upper_locale(cp: u32) -> u32 {
    upper_ascii(cp)
}

/// `_sre.ascii_iscased`.
pub fn ascii_iscased(cp: u32) -> bool {
    cp < 128 && (cp as u8).is_ascii_alphabetic()
}

/// `_sre.unicode_iscased`.
pub fn unicode_iscased(cp: u32) -> bool {
    cp != lower_unicode(cp) || cp != upper_unicode(cp)
}

fn is_ascii_alnum(cp: u32) -> bool {
    cp < 128 && (cp as u8).is_ascii_alphanumeric()
}

/// `SRE_IS_WORD`.
pub fn is_word(cp: u32) -> bool {
    is_ascii_alnum(cp) || cp == b'_' as u32
}

/// `SRE_LOC_IS_WORD` (C locale).
pub fn is_loc_word(cp: u32) -> bool {
    is_word(cp)
}

/// `SRE_UNI_IS_WORD`.
pub fn is_uni_word(cp: u32) -> bool {
    cp == b'_' as u32 || unicode::is_alnum(cp)
}

fn is_digit(cp: u32) -> bool {
    (b'0' as u32..=b'9' as u32).contains(&cp)
}

fn is_space(cp: u32) -> bool {
    cp == 0x20 || (0x09..=0x0D).contains(&cp)
}

/// `SRE_IS_LINEBREAK`.
pub fn is_linebreak(cp: u32) -> bool {
    cp == b'\n' as u32
}

/// `sre_category`: whether `cp` is in the category `code` (unknown codes: false).
pub fn category(code: u32, cp: u32) -> bool {
    match code {
        cat::DIGIT => is_digit(cp),
        cat::NOT_DIGIT => !is_digit(cp),
        cat::SPACE => is_space(cp),
        cat::NOT_SPACE => !is_space(cp),
        cat::WORD => is_word(cp),
        cat::NOT_WORD => !is_word(cp),
        cat::LINEBREAK => is_linebreak(cp),
        cat::NOT_LINEBREAK => !is_linebreak(cp),
        cat::LOC_WORD => is_loc_word(cp),
        cat::LOC_NOT_WORD => !is_loc_word(cp),
        cat::UNI_DIGIT => unicode::is_decimal(cp),
        cat::UNI_NOT_DIGIT => !unicode::is_decimal(cp),
        cat::UNI_SPACE => unicode::is_space(cp),
        cat::UNI_NOT_SPACE => !unicode::is_space(cp),
        cat::UNI_WORD => is_uni_word(cp),
        cat::UNI_NOT_WORD => !is_uni_word(cp),
        cat::UNI_LINEBREAK => unicode::is_linebreak(cp),
        cat::UNI_NOT_LINEBREAK => !unicode::is_linebreak(cp),
        _ => false,
    }
}

/// `char_loc_ignore`.
pub fn char_loc_ignore(pattern: u32, cp: u32) -> bool {
    cp == pattern || lower_locale(cp) == pattern || upper_locale(cp) == pattern
}
