//! Each character set of a pattern answered once for the code points below
//! 256: `Pattern::new` works out a 256-bit map for every set the validator
//! found (`IN`'s operands and `INFO`'s charset), and the matcher tests a
//! character below 256 with one load instead of walking the set's code
//! (CPython walks it every time; `SRE(charset)` is most of a
//! character-class match).
//!
//! A set naming a locale category (`LOC_WORD`, `LOC_NOT_WORD`) is left out:
//! its answer can change with `setlocale` after the pattern is compiled.
//!
//! The same maps give `search` a first-character filter where `re`'s
//! compiler gave none (the INFO block has no prefix or charset when a
//! pattern starts with a group, a repeat or an alternative with `^`):
//! [`First`] says which characters below 256 can start a match, and the
//! general search skips the positions whose character cannot, where
//! CPython tries a match at each.

use super::chars::{category, lower_ascii, lower_unicode};
use super::constants::{at, category as cat, op};

/// The maps of a pattern's sets, found by the set's code position.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SetBits {
    /// For each code position, 1 + the index of its set's map, or 0.
    index: Vec<u16>,
    maps: Vec<[u32; 8]>,
    /// What a match of the whole pattern can start with.
    pub(crate) first: Option<First>,
}

/// The characters below 256 a match can start with, and whether it can
/// also start at the subject's beginning whatever is there (`^...`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct First {
    pub(crate) map: [u32; 8],
    pub(crate) at_start: bool,
}

/// No maps (a state made without a pattern).
pub(crate) static NO_SETS: SetBits = SetBits {
    index: Vec::new(),
    maps: Vec::new(),
    first: None,
};

impl SetBits {
    /// The maps of the sets starting at `starts` in validated `code` (the
    /// validator leaves out the sets with a locale category).
    pub(crate) fn new(code: &[u32], starts: &[usize]) -> SetBits {
        let mut bits = SetBits::default();
        for &start in starts {
            if bits.maps.len() >= usize::from(u16::MAX - 1) {
                break;
            }
            let Some(map) = map_of(code, start) else {
                continue;
            };
            if bits.index.is_empty() {
                bits.index = vec![0; code.len()];
            }
            bits.maps.push(map);
            if let Some(slot) = bits.index.get_mut(start) {
                // Bounded by the check above.
                *slot = bits.maps.len() as u16;
            }
        }
        let body = match code.first() {
            Some(&op::INFO) => code.get(1).map_or(0, |&skip| skip as usize + 1),
            _ => 0,
        };
        bits.first = bits.first_of(code, body, 0);
        bits
    }

    /// What a match of the code at `pc` must start with, when that is one
    /// character test (through marks, repeats of at least one, and
    /// alternatives); `None` when it could start otherwise.
    fn first_of(&self, code: &[u32], mut pc: usize, depth: u32) -> Option<First> {
        if depth > 32 {
            return None;
        }
        loop {
            let at_pc = pc;
            let arg = |i: usize| code.get(at_pc + i).copied();
            let opcode = arg(0)?;
            let mut map = [0u32; 8];
            let mut fill = |f: &dyn Fn(u32) -> bool| {
                for ch in 0u32..256 {
                    if f(ch) {
                        if let Some(w) = map.get_mut((ch >> 5) as usize) {
                            *w |= 1u32 << (ch & 31);
                        }
                    }
                }
            };
            match opcode {
                op::MARK => {
                    pc += 2;
                    continue;
                }
                op::LITERAL => set_bit(&mut map, arg(1)?),
                op::NOT_LITERAL => {
                    map = [u32::MAX; 8];
                    let c = arg(1)?;
                    if let Some(w) = map.get_mut((c >> 5) as usize) {
                        *w &= !(1u32 << (c & 31));
                    }
                }
                op::LITERAL_IGNORE | op::NOT_LITERAL_IGNORE => {
                    let (c, not) = (arg(1)?, opcode == op::NOT_LITERAL_IGNORE);
                    fill(&|ch| (lower_ascii(ch) == c) != not);
                }
                op::LITERAL_UNI_IGNORE | op::NOT_LITERAL_UNI_IGNORE => {
                    let (c, not) = (arg(1)?, opcode == op::NOT_LITERAL_UNI_IGNORE);
                    fill(&|ch| (lower_unicode(ch) == c) != not);
                }
                op::IN => map = *self.get(pc + 2)?,
                op::IN_IGNORE | op::IN_UNI_IGNORE => {
                    let set = self.get(pc + 2)?;
                    let lower = if opcode == op::IN_IGNORE {
                        lower_ascii
                    } else {
                        lower_unicode
                    };
                    // Every lowered character must have an answer here.
                    if (0u32..256).any(|ch| lower(ch) >= 256) {
                        return None;
                    }
                    fill(&|ch| test(set, lower(ch)));
                }
                op::CATEGORY => {
                    let c = arg(1)?;
                    if matches!(c, cat::LOC_WORD | cat::LOC_NOT_WORD) {
                        return None;
                    }
                    map = category_map(c);
                }
                op::ANY => fill(&|ch| ch != u32::from(b'\n')),
                op::AT => {
                    return match arg(1)? {
                        at::BEGINNING | at::BEGINNING_STRING => Some(First {
                            map,
                            at_start: true,
                        }),
                        _ => None,
                    };
                }
                op::REPEAT_ONE
                | op::MIN_REPEAT_ONE
                | op::POSSESSIVE_REPEAT_ONE
                | op::REPEAT
                | op::POSSESSIVE_REPEAT => {
                    if arg(2)? == 0 {
                        return None;
                    }
                    return self.first_of(code, pc + 4, depth + 1);
                }
                op::BRANCH => {
                    let mut all = First::default();
                    let mut alt = pc + 1;
                    loop {
                        let skip = *code.get(alt)? as usize;
                        if skip == 0 {
                            return Some(all);
                        }
                        let f = self.first_of(code, alt + 1, depth + 1)?;
                        for (a, b) in all.map.iter_mut().zip(f.map) {
                            *a |= b;
                        }
                        all.at_start |= f.at_start;
                        alt += skip;
                    }
                }
                _ => return None,
            }
            return Some(First {
                map,
                at_start: false,
            });
        }
    }

    /// The map of the set starting at `set`, if it has one.
    #[inline]
    pub(crate) fn get(&self, set: usize) -> Option<&[u32; 8]> {
        let i = *self.index.get(set)?;
        if i == 0 {
            return None;
        }
        self.maps.get(usize::from(i) - 1)
    }
}

/// Whether `ch` (below 256) is in the set whose map is `map`.
#[inline(always)]
pub(crate) fn test(map: &[u32; 8], ch: u32) -> bool {
    map.get((ch >> 5) as usize)
        .is_some_and(|w| w & (1u32 << (ch & 31)) != 0)
}

/// The set's answers for 0..256, from the set's code: one walk over its
/// members (what `charset_code` answers for each character below 256,
/// without running it 256 times). A character's answer is decided by the
/// first member that holds it (NEGATE flips the answer members give), or
/// by FAILURE; an unknown member answers false, and code ending early
/// gives no map (as `charset_code` would fail) unless every character was
/// decided before.
fn map_of(code: &[u32], start: usize) -> Option<[u32; 8]> {
    let mut map = [0u32; 8];
    let mut decided = [0u32; 8];
    let mut ok = true;
    let mut set = start;
    let arg = |i: usize| code.get(i).copied();
    // Members that hold `bits`: the undecided ones among them get `ok`.
    let hold = |map: &mut [u32; 8], decided: &mut [u32; 8], bits: &[u32; 8], ok: bool| {
        for ((m, d), b) in map.iter_mut().zip(decided.iter_mut()).zip(bits) {
            let new = b & !*d;
            if ok {
                *m |= new;
            }
            *d |= new;
        }
    };
    loop {
        if decided.iter().all(|&d| d == u32::MAX) {
            return Some(map);
        }
        let opcode = arg(set)?;
        set += 1;
        match opcode {
            op::FAILURE => {
                // The undecided characters answer `!ok`.
                if !ok {
                    for (m, d) in map.iter_mut().zip(decided) {
                        *m |= !d;
                    }
                }
                return Some(map);
            }
            op::LITERAL => {
                let c = arg(set)?;
                let mut bits = [0u32; 8];
                set_bit(&mut bits, c);
                hold(&mut map, &mut decided, &bits, ok);
                set += 1;
            }
            op::CATEGORY => {
                let bits = category_map(arg(set)?);
                hold(&mut map, &mut decided, &bits, ok);
                set += 1;
            }
            op::CHARSET => {
                let mut bits = [0u32; 8];
                for (k, b) in bits.iter_mut().enumerate() {
                    *b = arg(set + k)?;
                }
                hold(&mut map, &mut decided, &bits, ok);
                set += 8;
            }
            op::RANGE => {
                let (lo, hi) = (arg(set)?, arg(set + 1)?);
                let mut bits = [0u32; 8];
                for ch in lo..=hi.min(255) {
                    set_bit(&mut bits, ch);
                }
                hold(&mut map, &mut decided, &bits, ok);
                set += 2;
            }
            op::RANGE_UNI_IGNORE => {
                let (lo, hi) = (arg(set)?, arg(set + 1)?);
                let mut bits = [0u32; 8];
                for ch in 0u32..256 {
                    let uch = super::chars::upper_unicode(ch);
                    if (lo <= ch && ch <= hi) || (lo <= uch && uch <= hi) {
                        set_bit(&mut bits, ch);
                    }
                }
                hold(&mut map, &mut decided, &bits, ok);
                set += 2;
            }
            op::NEGATE => ok = !ok,
            op::BIGCHARSET => {
                let count = arg(set)? as usize;
                set += 1;
                // Characters below 256 are block 0's: its index is the
                // first byte of the packed block indices.
                let block = (arg(set)? & 0xFF) as usize;
                let mut bits = [0u32; 8];
                for (k, b) in bits.iter_mut().enumerate() {
                    *b = arg(set + 64 + block * 8 + k)?;
                }
                hold(&mut map, &mut decided, &bits, ok);
                set += 64 + count.checked_mul(8)?;
            }
            // Unknown set member: every undecided character answers false.
            _ => return Some(map),
        }
    }
}

#[inline]
fn set_bit(bits: &mut [u32; 8], ch: u32) {
    if let Some(w) = bits.get_mut((ch >> 5) as usize) {
        *w |= 1u32 << (ch & 31);
    }
}

/// The characters below 256 in the category `c` (each computed once per
/// process; the locale categories, which `setlocale` changes, each time).
fn category_map(c: u32) -> [u32; 8] {
    fn compute(c: u32) -> [u32; 8] {
        let mut bits = [0u32; 8];
        for ch in 0u32..256 {
            if category(c, ch) {
                set_bit(&mut bits, ch);
            }
        }
        bits
    }
    static MAPS: [std::sync::OnceLock<[u32; 8]>; 18] = [const { std::sync::OnceLock::new() }; 18];
    if matches!(c, cat::LOC_WORD | cat::LOC_NOT_WORD) {
        return compute(c);
    }
    match MAPS.get(c as usize) {
        Some(m) => *m.get_or_init(|| compute(c)),
        None => compute(c),
    }
}
