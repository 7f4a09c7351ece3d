//! The element-type-generic algorithms of Objects/stringlib/ shared by
//! `str` (over code points, or bytes for ASCII strings) and `bytes`:
//! search, count, split, replace, strip, padding, tab expansion. Results are
//! index ranges into the receiver or new element vectors.

use std::ops::Range;

use super::adjust_indices;

/// `Py_ssize_t` maxcount from a Python `maxsplit`/`count` argument: a
/// negative value means no limit.
pub(crate) fn max_count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// First index of `needle` in `hay` (plain search, no bounds).
pub(crate) fn search<T: Copy + Eq>(hay: &[T], needle: &[T]) -> Option<usize> {
    let (first, rest) = match needle.split_first() {
        Some(p) => p,
        None => return Some(0),
    };
    if needle.len() > hay.len() {
        return None;
    }
    let last_start = hay.len() - needle.len();
    let mut i = 0;
    while i <= last_start {
        let off = hay.get(i..=last_start)?.iter().position(|c| c == first)?;
        i += off;
        if hay.get(i + 1..i + needle.len()) == Some(rest) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Last index of `needle` in `hay`.
pub(crate) fn rsearch<T: Copy + Eq>(hay: &[T], needle: &[T]) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    if needle.is_empty() {
        return Some(hay.len());
    }
    (0..=hay.len() - needle.len())
        .rev()
        .find(|&i| hay.get(i..i + needle.len()) == Some(needle))
}

/// The `[start:end]` window after `ADJUST_INDICES`, or None when the
/// needle cannot fit (`end - start < len(needle)`).
fn window(len: usize, start: Option<i64>, end: Option<i64>, m: usize) -> Option<(usize, usize)> {
    let (s, e) = adjust_indices(len, start, end);
    (e >= s && e - s >= m).then_some((s, e))
}

/// `find(sub, start, end)`: index in `hay`, None for -1.
pub(crate) fn find<T: Copy + Eq>(
    hay: &[T],
    needle: &[T],
    start: Option<i64>,
    end: Option<i64>,
) -> Option<usize> {
    let (s, e) = window(hay.len(), start, end, needle.len())?;
    search(hay.get(s..e)?, needle).map(|i| i + s)
}

/// `rfind(sub, start, end)`.
pub(crate) fn rfind<T: Copy + Eq>(
    hay: &[T],
    needle: &[T],
    start: Option<i64>,
    end: Option<i64>,
) -> Option<usize> {
    let (s, e) = window(hay.len(), start, end, needle.len())?;
    rsearch(hay.get(s..e)?, needle).map(|i| i + s)
}

/// Non-overlapping occurrences in `hay`, at most `maxcount` (an empty
/// needle matches `len + 1` times).
pub(crate) fn count_in<T: Copy + Eq>(hay: &[T], needle: &[T], maxcount: usize) -> usize {
    if needle.is_empty() {
        return (hay.len() + 1).min(maxcount);
    }
    let mut n = 0;
    let mut i = 0;
    while n < maxcount {
        match hay.get(i..).and_then(|h| search(h, needle)) {
            Some(p) => {
                n += 1;
                i += p + needle.len();
            }
            None => break,
        }
    }
    n
}

/// `count(sub, start, end)`.
pub(crate) fn count<T: Copy + Eq>(
    hay: &[T],
    needle: &[T],
    start: Option<i64>,
    end: Option<i64>,
) -> usize {
    match window(hay.len(), start, end, needle.len()) {
        Some((s, e)) => count_in(hay.get(s..e).unwrap_or(&[]), needle, usize::MAX),
        None => 0,
    }
}

/// `startswith`/`endswith` of one prefix (CPython's `tailmatch`).
pub(crate) fn tailmatch<T: Copy + Eq>(
    hay: &[T],
    sub: &[T],
    start: Option<i64>,
    end: Option<i64>,
    at_end: bool,
) -> bool {
    let (s, e) = adjust_indices(hay.len(), start, end);
    if e < s || e - s < sub.len() {
        return false;
    }
    if sub.is_empty() {
        return true;
    }
    let at = if at_end { e - sub.len() } else { s };
    hay.get(at..at + sub.len()) == Some(sub)
}

/// `split(sep, maxsplit)` with a non-empty separator.
pub(crate) fn split<T: Copy + Eq>(hay: &[T], sep: &[T], maxsplit: i64) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut left = max_count(maxsplit);
    let mut i = 0;
    while left > 0 {
        let Some(pos) = hay.get(i..).and_then(|h| search(h, sep)) else {
            break;
        };
        out.push(i..i + pos);
        i += pos + sep.len();
        left -= 1;
    }
    out.push(i..hay.len());
    out
}

/// `rsplit(sep, maxsplit)` with a non-empty separator.
pub(crate) fn rsplit<T: Copy + Eq>(hay: &[T], sep: &[T], maxsplit: i64) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut left = max_count(maxsplit);
    let mut j = hay.len();
    while left > 0 {
        let Some(pos) = hay.get(..j).and_then(|h| rsearch(h, sep)) else {
            break;
        };
        out.push(pos + sep.len()..j);
        j = pos;
        left -= 1;
    }
    out.push(0..j);
    out.reverse();
    out
}

/// `split(None, maxsplit)`: runs of whitespace separate; leading and
/// trailing whitespace gives no empty field.
pub(crate) fn split_whitespace<T: Copy>(
    hay: &[T],
    maxsplit: i64,
    is_space: impl Fn(T) -> bool,
) -> Vec<Range<usize>> {
    let sp = |i: usize| hay.get(i).is_some_and(|&c| is_space(c));
    let n = hay.len();
    let mut out = Vec::new();
    let mut left = max_count(maxsplit);
    let mut i = 0;
    while left > 0 {
        while i < n && sp(i) {
            i += 1;
        }
        if i == n {
            break;
        }
        let j = i;
        i += 1;
        while i < n && !sp(i) {
            i += 1;
        }
        out.push(j..i);
        left -= 1;
    }
    if i < n {
        while i < n && sp(i) {
            i += 1;
        }
        if i != n {
            out.push(i..n);
        }
    }
    out
}

/// `rsplit(None, maxsplit)`.
pub(crate) fn rsplit_whitespace<T: Copy>(
    hay: &[T],
    maxsplit: i64,
    is_space: impl Fn(T) -> bool,
) -> Vec<Range<usize>> {
    // Positions are counted as "one past" to stay unsigned: `i` is the
    // number of elements not yet examined.
    let sp = |i: usize| hay.get(i - 1).is_some_and(|&c| is_space(c));
    let mut out = Vec::new();
    let mut left = max_count(maxsplit);
    let mut i = hay.len();
    while left > 0 {
        while i > 0 && sp(i) {
            i -= 1;
        }
        if i == 0 {
            break;
        }
        let j = i;
        i -= 1;
        while i > 0 && !sp(i) {
            i -= 1;
        }
        out.push(i..j);
        left -= 1;
    }
    if i > 0 {
        while i > 0 && sp(i) {
            i -= 1;
        }
        if i > 0 {
            out.push(0..i);
        }
    }
    out.reverse();
    out
}

/// The range left by stripping elements matching `pred` from the left
/// and/or right.
pub(crate) fn strip_range<T: Copy>(
    hay: &[T],
    left: bool,
    right: bool,
    pred: impl Fn(T) -> bool,
) -> Range<usize> {
    let mut i = 0;
    let mut j = hay.len();
    if left {
        while i < j && hay.get(i).is_some_and(|&c| pred(c)) {
            i += 1;
        }
    }
    if right {
        while j > i && hay.get(j - 1).is_some_and(|&c| pred(c)) {
            j -= 1;
        }
    }
    i..j
}

/// `replace(old, new, count)` as 3.11's `replace()`/`stringlib_replace`
/// (count < 0: all; an empty `old` inserts `new` around every element).
/// None when the result equals the receiver.
pub(crate) fn replace<T: Copy + Eq>(hay: &[T], old: &[T], new: &[T], count: i64) -> Option<Vec<T>> {
    let maxcount = max_count(count);
    if maxcount == 0 || hay.len() < old.len() || (old.is_empty() && new.is_empty()) {
        return None;
    }
    if old == new {
        return None;
    }
    let n = count_in(hay, old, maxcount);
    if n == 0 {
        return None;
    }
    let mut out = Vec::with_capacity(hay.len() + n * new.len());
    if old.is_empty() {
        let mut left = n;
        let mut i = 0;
        loop {
            out.extend_from_slice(new);
            left -= 1;
            if left == 0 {
                break;
            }
            match hay.get(i) {
                Some(&c) => out.push(c),
                None => break,
            }
            i += 1;
        }
        out.extend_from_slice(hay.get(i..).unwrap_or(&[]));
        return Some(out);
    }
    let mut i = 0;
    for _ in 0..n {
        let Some(p) = hay.get(i..).and_then(|h| search(h, old)) else {
            break;
        };
        out.extend_from_slice(hay.get(i..i + p).unwrap_or(&[]));
        out.extend_from_slice(new);
        i += p + old.len();
    }
    out.extend_from_slice(hay.get(i..).unwrap_or(&[]));
    Some(out)
}

/// `pad()`: `left` fill elements, the receiver, `right` fill elements.
pub(crate) fn pad<T: Copy>(hay: &[T], left: usize, right: usize, fill: T) -> Vec<T> {
    let mut out = Vec::with_capacity(hay.len() + left + right);
    out.resize(left, fill);
    out.extend_from_slice(hay);
    out.resize(left + hay.len() + right, fill);
    out
}

/// How `center`/`ljust`/`rjust` pad: (left, right) or None if the receiver
/// is already wide enough. `how`: 'c', 'l' (ljust), 'r' (rjust).
pub(crate) fn justify_amounts(len: usize, width: i64, how: char) -> Option<(usize, usize)> {
    let width = usize::try_from(width).ok()?;
    if len >= width {
        return None;
    }
    let marg = width - len;
    Some(match how {
        'c' => {
            let left = marg / 2 + (marg & width & 1);
            (left, marg - left)
        }
        'l' => (0, marg),
        _ => (marg, 0),
    })
}

/// `zfill(width)`: pad with '0' on the left, keeping a leading sign first.
pub(crate) fn zfill<T: Copy + Eq + From<u8>>(hay: &[T], width: i64) -> Option<Vec<T>> {
    let (left, _) = justify_amounts(hay.len(), width, 'r')?;
    let mut out = pad(hay, left, 0, T::from(b'0'));
    if let Some(&c) = out.get(left) {
        if c == T::from(b'+') || c == T::from(b'-') {
            if let Some(first) = out.first_mut() {
                *first = c;
            }
            if let Some(at) = out.get_mut(left) {
                *at = T::from(b'0');
            }
        }
    }
    Some(out)
}

/// `expandtabs(tabsize)`: the column resets after '\n' and '\r'; a tab
/// advances to the next multiple of `tabsize` (tabs vanish if tabsize <= 0).
/// `max_len` bounds the result (`OverflowError: result too long`).
pub(crate) fn expandtabs<T: Copy + Eq + From<u8>>(
    hay: &[T],
    tabsize: i64,
    max_len: usize,
) -> Option<Vec<T>> {
    let mut out = Vec::with_capacity(hay.len());
    let mut col: usize = 0;
    let tab = usize::try_from(tabsize).unwrap_or(0);
    for &c in hay {
        if c == T::from(b'\t') {
            if tab > 0 {
                let incr = tab - col % tab;
                col = col.checked_add(incr)?;
                if out.len().checked_add(incr)? > max_len {
                    return None;
                }
                out.resize(out.len() + incr, T::from(b' '));
            }
        } else {
            col += 1;
            out.push(c);
            if c == T::from(b'\n') || c == T::from(b'\r') {
                col = 0;
            }
        }
    }
    Some(out)
}
