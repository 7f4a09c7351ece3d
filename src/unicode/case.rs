//! `str.lower()`, `upper()`, `title()`, `capitalize()`, `swapcase()` and
//! `casefold()` with CPython 3.11's exact semantics (Objects/unicodeobject.c:
//! `do_lower`, `do_title`, `do_capitalize`, `do_swapcase`, `do_casefold`),
//! over code point slices. Results can be up to three times longer than the
//! input ('ß'.upper() == 'SS').

use super::{casefold, is_case_ignorable, is_cased, is_lower, is_upper, to_lower, to_title};
use super::{to_upper, CaseMapping};

const CAPITAL_SIGMA: u32 = 0x3A3;
const SMALL_SIGMA: u32 = 0x3C3;
const FINAL_SIGMA: u32 = 0x3C2;

/// CPython's `handle_capital_sigma`: the lower case of the capital sigma at
/// `i` is final (U+03C2) when it follows a cased letter (case-ignorable
/// characters skipped) and is not followed by one.
fn lower_sigma(s: &[u32], i: usize) -> u32 {
    let before = s.get(..i).unwrap_or(&[]);
    let prev = before.iter().rev().find(|&&c| !is_case_ignorable(c));
    let mut final_sigma = prev.is_some_and(|&c| is_cased(c));
    if final_sigma {
        let after = s.get(i + 1..).unwrap_or(&[]);
        let next = after.iter().find(|&&c| !is_case_ignorable(c));
        final_sigma = !next.is_some_and(|&c| is_cased(c));
    }
    if final_sigma {
        FINAL_SIGMA
    } else {
        SMALL_SIGMA
    }
}

/// CPython's `lower_ucs4`: full lower-case mapping of `s[i]` in context.
fn lower_at(s: &[u32], i: usize, c: u32) -> CaseMapping {
    if c == CAPITAL_SIGMA {
        CaseMapping::single(lower_sigma(s, i))
    } else {
        to_lower(c)
    }
}

/// `str.lower()`, with the final-sigma rule.
pub fn str_lower(s: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(s.len());
    for (i, &c) in s.iter().enumerate() {
        out.extend(lower_at(s, i, c));
    }
    out
}

/// `str.upper()`.
pub fn str_upper(s: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(s.len());
    for &c in s {
        out.extend(to_upper(c));
    }
    out
}

/// `str.casefold()` (no final-sigma rule: 'Σ' folds to 'σ').
pub fn str_casefold(s: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(s.len());
    for &c in s {
        out.extend(casefold(c));
    }
    out
}

/// `str.title()`: a character that follows a cased character is
/// lower-cased (final sigma included), any other is title-cased.
pub fn str_title(s: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(s.len());
    let mut previous_is_cased = false;
    for (i, &c) in s.iter().enumerate() {
        if previous_is_cased {
            out.extend(lower_at(s, i, c));
        } else {
            out.extend(to_title(c));
        }
        previous_is_cased = is_cased(c);
    }
    out
}

/// `str.capitalize()` (3.8+): the first character title-cased, the rest
/// lower-cased (final sigma included).
pub fn str_capitalize(s: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(s.len());
    for (i, &c) in s.iter().enumerate() {
        if i == 0 {
            out.extend(to_title(c));
        } else {
            out.extend(lower_at(s, i, c));
        }
    }
    out
}

/// `str.swapcase()`: upper-case characters lower-cased (final sigma
/// included), lower-case ones upper-cased, the rest kept.
pub fn str_swapcase(s: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(s.len());
    for (i, &c) in s.iter().enumerate() {
        if is_upper(c) {
            out.extend(lower_at(s, i, c));
        } else if is_lower(c) {
            out.extend(to_upper(c));
        } else {
            out.push(c);
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

    fn text(v: &[u32]) -> String {
        v.iter().filter_map(|&c| char::from_u32(c)).collect()
    }

    #[test]
    fn final_sigma() {
        assert_eq!(text(&str_lower(&cps("ΟΔΟΣ ΟΔΟΣ"))), "οδος οδος");
        assert_eq!(text(&str_lower(&cps("Σ"))), "σ");
        assert_eq!(text(&str_lower(&cps("ΑΣ'Α"))), "ασ'α");
        assert_eq!(text(&str_swapcase(&cps("ΑΣ"))), "ας");
        assert_eq!(text(&str_casefold(&cps("ΑΣ"))), "ασ");
    }

    #[test]
    fn title_and_capitalize() {
        assert_eq!(text(&str_title(&cps("they're bill's"))), "They'Re Bill'S");
        assert_eq!(text(&str_title(&cps("ﬁre ǆUNGLA"))), "Fire ǅungla");
        assert_eq!(text(&str_capitalize(&cps("ǆUNGLA"))), "ǅungla");
        assert_eq!(text(&str_upper(&cps("straße"))), "STRASSE");
        assert!(str_capitalize(&[]).is_empty());
    }
}
