//! `_validate` of Modules/_sre/sre.c: checks a code list for conformance with what
//! `re._compiler` generates, so the matcher never follows a jump out of the code.
//!
//! It is stricter than CPython in one place: a set (`IN`) whose skip is below 2 is
//! rejected (CPython 3.11's validator reads before the set there and can crash).
//! Nesting deeper than [`MAX_NESTING`] is rejected too (the validator recurses on
//! nested groups; `re`'s parser cannot produce anything near that deep).

use super::constants::{at, category as cat, info, op, MAXGROUPS};

/// Deepest nesting of BRANCH/REPEAT/ASSERT/... accepted.
pub const MAX_NESTING: usize = 2000;

struct Invalid;

type V<T> = Result<T, Invalid>;

struct Cursor<'a> {
    code: &'a [u32],
    pos: usize,
    end: usize,
}

impl Cursor<'_> {
    fn get(&mut self) -> V<u32> {
        if self.pos >= self.end {
            return Err(Invalid);
        }
        let v = *self.code.get(self.pos).ok_or(Invalid)?;
        self.pos += 1;
        Ok(v)
    }

    /// GET_SKIP_ADJ: read a skip and check it stays inside `end` (relative to the skip word).
    fn skip(&mut self, adj: u32) -> V<usize> {
        if self.pos >= self.end {
            return Err(Invalid);
        }
        let skip = *self.code.get(self.pos).ok_or(Invalid)?;
        // `skip - adj` is unsigned arithmetic in C: it wraps when skip < adj.
        if (skip.wrapping_sub(adj) as usize) > self.end - self.pos {
            return Err(Invalid);
        }
        self.pos += 1;
        Ok(skip as usize)
    }

    fn at(&self, i: usize) -> V<u32> {
        self.code.get(i).copied().ok_or(Invalid)
    }
}

/// Checks the set at `start..end`; gives whether its answers stay fixed
/// (no locale category, which `setlocale` can change).
fn validate_charset(code: &[u32], start: usize, end: usize) -> V<bool> {
    let mut c = Cursor {
        code,
        pos: start,
        end,
    };
    if end > code.len() {
        return Err(Invalid);
    }
    let mut fixed = true;
    while c.pos < end {
        match c.get()? {
            op::NEGATE => {}
            op::LITERAL => {
                c.get()?;
            }
            op::RANGE | op::RANGE_UNI_IGNORE => {
                c.get()?;
                c.get()?;
            }
            op::CHARSET => {
                if 8 > end - c.pos {
                    return Err(Invalid);
                }
                c.pos += 8;
            }
            op::BIGCHARSET => {
                let blocks = c.get()?;
                if 64 > end - c.pos {
                    return Err(Invalid);
                }
                for i in 0..256usize {
                    let word = c.at(c.pos + i / 4)?;
                    let byte = (word >> (8 * (i % 4))) & 0xFF;
                    if byte >= blocks {
                        return Err(Invalid);
                    }
                }
                c.pos += 64;
                let words = (blocks as usize).checked_mul(8).ok_or(Invalid)?;
                if words > end - c.pos {
                    return Err(Invalid);
                }
                c.pos += words;
            }
            op::CATEGORY => {
                let arg = c.get()?;
                if arg > cat::UNI_NOT_LINEBREAK {
                    return Err(Invalid);
                }
                fixed &= !matches!(arg, cat::LOC_WORD | cat::LOC_NOT_WORD);
            }
            _ => return Err(Invalid),
        }
    }
    Ok(fixed)
}

/// Returns Ok(true) when the block ends with a JUMP (the "then" part of a conditional).
fn validate_inner(
    code: &[u32],
    start: usize,
    end: usize,
    groups: usize,
    depth: usize,
    sets: &mut Vec<usize>,
) -> V<bool> {
    if start > end || end > code.len() || depth > MAX_NESTING {
        return Err(Invalid);
    }
    let mut c = Cursor {
        code,
        pos: start,
        end,
    };
    while c.pos < end {
        let opcode = c.get()?;
        match opcode {
            op::MARK => {
                let arg = c.get()? as usize;
                if arg > 2 * groups + 1 {
                    return Err(Invalid);
                }
            }
            op::LITERAL
            | op::NOT_LITERAL
            | op::LITERAL_IGNORE
            | op::NOT_LITERAL_IGNORE
            | op::LITERAL_UNI_IGNORE
            | op::NOT_LITERAL_UNI_IGNORE
            | op::LITERAL_LOC_IGNORE
            | op::NOT_LITERAL_LOC_IGNORE => {
                c.get()?;
            }
            op::SUCCESS | op::FAILURE | op::ANY | op::ANY_ALL => {}
            op::AT => {
                let arg = c.get()?;
                if arg > at::UNI_NON_BOUNDARY {
                    return Err(Invalid);
                }
            }
            op::IN | op::IN_IGNORE | op::IN_UNI_IGNORE | op::IN_LOC_IGNORE => {
                let skip = c.skip(0)?;
                if skip < 2 {
                    return Err(Invalid);
                }
                if validate_charset(code, c.pos, c.pos + skip - 2)? {
                    sets.push(c.pos);
                }
                if c.at(c.pos + skip - 2)? != op::FAILURE {
                    return Err(Invalid);
                }
                c.pos += skip - 1;
            }
            op::INFO => {
                let skip = c.skip(0)?;
                if skip == 0 {
                    return Err(Invalid);
                }
                let newcode = c.pos + skip - 1;
                let flags = c.get()?;
                c.get()?;
                c.get()?;
                if flags & !(info::PREFIX | info::LITERAL | info::CHARSET) != 0
                    || (flags & info::PREFIX != 0 && flags & info::CHARSET != 0)
                    || (flags & info::LITERAL != 0 && flags & info::PREFIX == 0)
                {
                    return Err(Invalid);
                }
                if flags & info::PREFIX != 0 {
                    let prefix_len = c.get()? as usize;
                    c.get()?;
                    if c.pos > newcode || prefix_len > newcode - c.pos {
                        return Err(Invalid);
                    }
                    c.pos += prefix_len;
                    if prefix_len > newcode - c.pos {
                        return Err(Invalid);
                    }
                    for i in 0..prefix_len {
                        if c.at(c.pos + i)? as usize >= prefix_len {
                            return Err(Invalid);
                        }
                    }
                    c.pos += prefix_len;
                }
                if flags & info::CHARSET != 0 {
                    if newcode < 1 || c.pos > newcode - 1 {
                        return Err(Invalid);
                    }
                    if validate_charset(code, c.pos, newcode - 1)? {
                        sets.push(c.pos);
                    }
                    if c.at(newcode - 1)? != op::FAILURE {
                        return Err(Invalid);
                    }
                    c.pos = newcode;
                } else if c.pos != newcode {
                    return Err(Invalid);
                }
            }
            op::BRANCH => {
                let mut target: Option<usize> = None;
                loop {
                    let skip = c.skip(0)?;
                    if skip == 0 {
                        break;
                    }
                    if skip < 3 {
                        return Err(Invalid);
                    }
                    validate_inner(code, c.pos, c.pos + skip - 3, groups, depth + 1, sets)?;
                    c.pos += skip - 3;
                    if c.get()? != op::JUMP {
                        return Err(Invalid);
                    }
                    let jskip = c.skip(0)?;
                    if jskip == 0 {
                        return Err(Invalid);
                    }
                    let t = c.pos + jskip - 1;
                    match target {
                        None => target = Some(t),
                        Some(prev) if prev != t => return Err(Invalid),
                        Some(_) => {}
                    }
                }
                if Some(c.pos) != target {
                    return Err(Invalid);
                }
            }
            op::REPEAT_ONE | op::MIN_REPEAT_ONE | op::POSSESSIVE_REPEAT_ONE => {
                let skip = c.skip(0)?;
                let min = c.get()?;
                let max = c.get()?;
                // (`max > MAXREPEAT` cannot happen with 32-bit codes)
                if min > max || skip < 4 {
                    return Err(Invalid);
                }
                validate_inner(code, c.pos, c.pos + skip - 4, groups, depth + 1, sets)?;
                c.pos += skip - 4;
                if c.get()? != op::SUCCESS {
                    return Err(Invalid);
                }
            }
            op::REPEAT | op::POSSESSIVE_REPEAT => {
                let skip = c.skip(0)?;
                let min = c.get()?;
                let max = c.get()?;
                // (`max > MAXREPEAT` cannot happen with 32-bit codes)
                if min > max || skip < 3 {
                    return Err(Invalid);
                }
                validate_inner(code, c.pos, c.pos + skip - 3, groups, depth + 1, sets)?;
                c.pos += skip - 3;
                let last = c.get()?;
                let ok = if opcode == op::POSSESSIVE_REPEAT {
                    last == op::SUCCESS
                } else {
                    last == op::MAX_UNTIL || last == op::MIN_UNTIL
                };
                if !ok {
                    return Err(Invalid);
                }
            }
            op::ATOMIC_GROUP => {
                let skip = c.skip(0)?;
                if skip < 2 {
                    return Err(Invalid);
                }
                validate_inner(code, c.pos, c.pos + skip - 2, groups, depth + 1, sets)?;
                c.pos += skip - 2;
                if c.get()? != op::SUCCESS {
                    return Err(Invalid);
                }
            }
            op::GROUPREF
            | op::GROUPREF_IGNORE
            | op::GROUPREF_UNI_IGNORE
            | op::GROUPREF_LOC_IGNORE => {
                if c.get()? as usize >= groups {
                    return Err(Invalid);
                }
            }
            op::GROUPREF_EXISTS => {
                if c.get()? as usize >= groups {
                    return Err(Invalid);
                }
                let skip = c.skip(1)?;
                c.pos -= 1; // the skip is relative to the group argument
                if skip < 2 {
                    return Err(Invalid);
                }
                let then_ends_with_jump =
                    validate_inner(code, c.pos + 1, c.pos + skip - 1, groups, depth + 1, sets)?;
                let mut skip = skip;
                if then_ends_with_jump {
                    c.pos += skip - 2; // at <skipno>, after the JUMP
                    skip = c.skip(0)?;
                    if skip == 0
                        || validate_inner(code, c.pos, c.pos + skip - 1, groups, depth + 1, sets)?
                    {
                        return Err(Invalid);
                    }
                }
                c.pos += skip - 1;
            }
            op::ASSERT | op::ASSERT_NOT => {
                let skip = c.skip(0)?;
                c.get()?; // lookbehind width
                c.pos -= 1;
                if skip < 2 {
                    return Err(Invalid);
                }
                validate_inner(code, c.pos + 1, c.pos + skip - 2, groups, depth + 1, sets)?;
                c.pos += skip - 2;
                if c.get()? != op::SUCCESS {
                    return Err(Invalid);
                }
            }
            op::JUMP => {
                if c.pos + 1 != end {
                    return Err(Invalid);
                }
                return Ok(true);
            }
            _ => return Err(Invalid),
        }
    }
    Ok(false)
}

/// `_validate_outer`: whether `code` is acceptable for a pattern with `groups` capture
/// groups.
pub fn validate(code: &[u32], groups: usize) -> bool {
    validate_sets(code, groups).is_some()
}

/// [`validate`], giving where each set (`IN`'s and `INFO`'s) whose answers
/// stay fixed (no locale category) starts, when `code` is acceptable.
pub fn validate_sets(code: &[u32], groups: usize) -> Option<Vec<usize>> {
    if groups > MAXGROUPS as usize || code.last() != Some(&op::SUCCESS) {
        return None;
    }
    let mut sets = Vec::new();
    validate_inner(code, 0, code.len() - 1, groups, 0, &mut sets).ok()?;
    Some(sets)
}
