//! Unicode character tables generated from CPython 3.11's unicodedata (Unicode 14.0).

mod printable;

use printable::NON_PRINTABLE;

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

#[cfg(test)]
mod tests {
    use super::is_printable;

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
}
