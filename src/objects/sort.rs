//! `list.sort`: CPython 3.11's timsort (Objects/listsort.txt,
//! Objects/listobject.c) — natural runs (strictly descending ones
//! reversed), binary insertion sort up to `minrun`, powersort's merge
//! policy, and merges that gallop once one run keeps winning
//! (`min_gallop`, adapted as CPython does).
//!
//! The comparator is `lt(a, b)`: Python's `a < b`, which may run Python
//! code and fail. The first error stops the sort and is returned; the
//! slice then holds a permutation of its original items (every merge
//! copies its temporary run back on failure, as CPython's `merge_lo` /
//! `merge_hi` do). The sort is stable, and `reverse=True` is CPython's
//! reverse / sort / reverse, which keeps equal items in their original
//! order; the final reverse also happens after an error.
//!
//! The VM layer: `key=` computes all keys first (an error there leaves the
//! list untouched) and sorts `(key, item)` pairs with [`sort_keyed`]; the
//! list's items are moved out of its `RefCell` for the sort so `lt` can
//! run Python code, the list looks empty meanwhile, and if it is not
//! empty afterwards CPython raises `ValueError("list modified during
//! sort")` (the sorted items are put back either way).
//!
//! Items are moved, never cloned: slots being moved are briefly
//! `T::default()` (for `Value`, `Null`), never visible to `lt`.

use crate::vm::value::Value;

/// `MIN_GALLOP`.
const MIN_GALLOP: usize = 7;

/// Sort `v` in place with `lt` as `<`, CPython's `list.sort` algorithm.
pub fn sort_by<T: Default, E>(
    v: &mut [T],
    reverse: bool,
    mut lt: impl FnMut(&T, &T) -> Result<bool, E>,
) -> Result<(), E> {
    if v.len() < 2 {
        return Ok(());
    }
    if reverse {
        v.reverse();
    }
    let r = timsort(v, &mut lt);
    if reverse {
        v.reverse();
    }
    r
}

/// `list.sort(reverse=...)` over values.
pub fn sort_values<E>(
    v: &mut [Value],
    reverse: bool,
    lt: impl FnMut(&Value, &Value) -> Result<bool, E>,
) -> Result<(), E> {
    sort_by(v, reverse, lt)
}

/// `list.sort(key=..., reverse=...)` once the keys are computed: `items`
/// is permuted as `keys` sort (`lt` compares keys). `keys` must be as long
/// as `items` (extra keys or items are left where they are).
pub fn sort_keyed<E>(
    items: &mut [Value],
    keys: Vec<Value>,
    reverse: bool,
    mut lt: impl FnMut(&Value, &Value) -> Result<bool, E>,
) -> Result<(), E> {
    let mut pairs: Vec<(Value, Value)> = keys
        .into_iter()
        .zip(items.iter_mut().map(std::mem::take))
        .collect();
    let r = sort_by(&mut pairs, reverse, |a, b| lt(&a.0, &b.0));
    for (slot, (_, item)) in items.iter_mut().zip(pairs) {
        *slot = item;
    }
    r
}

#[derive(Clone, Copy)]
struct Run {
    base: usize,
    len: usize,
    /// Powersort power of the boundary between this run and the next.
    power: u32,
}

struct MergeState {
    min_gallop: usize,
    pending: Vec<Run>,
    listlen: usize,
}

fn timsort<T: Default, E>(
    v: &mut [T],
    lt: &mut impl FnMut(&T, &T) -> Result<bool, E>,
) -> Result<(), E> {
    let n = v.len();
    let mut ms = MergeState {
        min_gallop: MIN_GALLOP,
        pending: Vec::new(),
        listlen: n,
    };
    let minrun = compute_minrun(n);
    let mut lo = 0;
    while lo < n {
        let (mut run, descending) = count_run(&v[lo..], lt)?;
        if descending {
            v[lo..lo + run].reverse();
        }
        if run < minrun {
            let force = minrun.min(n - lo);
            binary_insertion_sort(&mut v[lo..lo + force], run, lt)?;
            run = force;
        }
        found_new_run(&mut ms, v, run, lt)?;
        ms.pending.push(Run {
            base: lo,
            len: run,
            power: 0,
        });
        lo += run;
    }
    // merge_force_collapse
    while ms.pending.len() > 1 {
        let mut i = ms.pending.len() - 2;
        if i > 0 && ms.pending[i - 1].len < ms.pending[i + 1].len {
            i -= 1;
        }
        merge_at(&mut ms, v, i, lt)?;
    }
    Ok(())
}

/// `merge_compute_minrun`: n if n < 64, else a value in 32..=64 such that
/// n / minrun is a power of two or slightly less.
fn compute_minrun(mut n: usize) -> usize {
    let mut r = 0;
    while n >= 64 {
        r |= n & 1;
        n >>= 1;
    }
    n + r
}

/// `count_run`: the length of the run at the start of `v` (at least 1,
/// or 2 if `v` has 2 items), and whether it is strictly descending.
fn count_run<T, E>(
    v: &[T],
    lt: &mut impl FnMut(&T, &T) -> Result<bool, E>,
) -> Result<(usize, bool), E> {
    if v.len() < 2 {
        return Ok((v.len(), false));
    }
    let mut n = 2;
    if lt(&v[1], &v[0])? {
        while n < v.len() && lt(&v[n], &v[n - 1])? {
            n += 1;
        }
        Ok((n, true))
    } else {
        while n < v.len() && !lt(&v[n], &v[n - 1])? {
            n += 1;
        }
        Ok((n, false))
    }
}

/// `binarysort`: `v[..sorted]` is sorted; insert the rest one by one after
/// the last equal item (stable). An error leaves `v` a permutation (the
/// search compares before anything moves).
fn binary_insertion_sort<T, E>(
    v: &mut [T],
    sorted: usize,
    lt: &mut impl FnMut(&T, &T) -> Result<bool, E>,
) -> Result<(), E> {
    for start in sorted.max(1)..v.len() {
        let (mut l, mut r) = (0, start);
        while l < r {
            let p = l + ((r - l) >> 1);
            if lt(&v[start], &v[p])? {
                r = p;
            } else {
                l = p + 1;
            }
        }
        v[l..=start].rotate_right(1);
    }
    Ok(())
}

/// `powerloop`: the powersort power of the boundary between the run
/// `[s1, s1+n1)` and the following run of length `n2`, in a list of `n`.
fn powerloop(s1: usize, n1: usize, n2: usize, n: usize) -> u32 {
    let mut a = 2 * s1 + n1;
    let mut b = a + n1 + n2;
    let mut result = 0;
    loop {
        result += 1;
        if a >= n {
            a -= n;
            b -= n;
        } else if b >= n {
            break;
        }
        a <<= 1;
        b <<= 1;
    }
    result
}

/// `found_new_run`: merge pending runs whose boundary power exceeds the
/// new boundary's, then record that power on the top run.
fn found_new_run<T: Default, E>(
    ms: &mut MergeState,
    v: &mut [T],
    n2: usize,
    lt: &mut impl FnMut(&T, &T) -> Result<bool, E>,
) -> Result<(), E> {
    let Some(top) = ms.pending.last() else {
        return Ok(());
    };
    let power = powerloop(top.base, top.len, n2, ms.listlen);
    while ms.pending.len() > 1 && ms.pending[ms.pending.len() - 2].power > power {
        let i = ms.pending.len() - 2;
        merge_at(ms, v, i, lt)?;
    }
    if let Some(top) = ms.pending.last_mut() {
        top.power = power;
    }
    Ok(())
}

/// `merge_at`: merge pending runs `i` and `i + 1`.
fn merge_at<T: Default, E>(
    ms: &mut MergeState,
    v: &mut [T],
    i: usize,
    lt: &mut impl FnMut(&T, &T) -> Result<bool, E>,
) -> Result<(), E> {
    let a = ms.pending[i];
    let b = ms.pending[i + 1];
    ms.pending[i].len = a.len + b.len;
    ms.pending.remove(i + 1);
    // Items of a already in place: those <= b[0].
    let k = gallop_right(&v[b.base], &v[a.base..a.base + a.len], 0, lt)?;
    let ssa = a.base + k;
    let na = a.len - k;
    if na == 0 {
        return Ok(());
    }
    // Items of b already in place: those >= a[-1].
    let nb = gallop_left(&v[ssa + na - 1], &v[b.base..b.base + b.len], b.len - 1, lt)?;
    if nb == 0 {
        return Ok(());
    }
    if na <= nb {
        merge_lo(ms, v, ssa, na, nb, lt)
    } else {
        merge_hi(ms, v, ssa, na, nb, lt)
    }
}

/// `gallop_left`: the k in 0..=len with `a[k-1] < key <= a[k]`, searched
/// from `hint` outwards.
fn gallop_left<T, E>(
    key: &T,
    a: &[T],
    hint: usize,
    lt: &mut impl FnMut(&T, &T) -> Result<bool, E>,
) -> Result<usize, E> {
    let n = a.len() as isize;
    let hint = hint as isize;
    let at = |i: isize| &a[i as usize];
    let (mut lastofs, mut ofs): (isize, isize) = (0, 1);
    if lt(at(hint), key)? {
        // a[hint] < key: gallop right.
        let maxofs = n - hint;
        while ofs < maxofs {
            if lt(at(hint + ofs), key)? {
                lastofs = ofs;
                ofs = (ofs << 1) + 1;
            } else {
                break;
            }
        }
        ofs = ofs.min(maxofs);
        lastofs += hint;
        ofs += hint;
    } else {
        // key <= a[hint]: gallop left.
        let maxofs = hint + 1;
        while ofs < maxofs {
            if lt(at(hint - ofs), key)? {
                break;
            }
            lastofs = ofs;
            ofs = (ofs << 1) + 1;
        }
        ofs = ofs.min(maxofs);
        let k = lastofs;
        lastofs = hint - ofs;
        ofs = hint - k;
    }
    // a[lastofs] < key <= a[ofs]
    lastofs += 1;
    while lastofs < ofs {
        let m = lastofs + ((ofs - lastofs) >> 1);
        if lt(at(m), key)? {
            lastofs = m + 1;
        } else {
            ofs = m;
        }
    }
    Ok(ofs as usize)
}

/// `gallop_right`: the k in 0..=len with `a[k-1] <= key < a[k]`.
fn gallop_right<T, E>(
    key: &T,
    a: &[T],
    hint: usize,
    lt: &mut impl FnMut(&T, &T) -> Result<bool, E>,
) -> Result<usize, E> {
    let n = a.len() as isize;
    let hint = hint as isize;
    let at = |i: isize| &a[i as usize];
    let (mut lastofs, mut ofs): (isize, isize) = (0, 1);
    if lt(key, at(hint))? {
        // key < a[hint]: gallop left.
        let maxofs = hint + 1;
        while ofs < maxofs {
            if lt(key, at(hint - ofs))? {
                lastofs = ofs;
                ofs = (ofs << 1) + 1;
            } else {
                break;
            }
        }
        ofs = ofs.min(maxofs);
        let k = lastofs;
        lastofs = hint - ofs;
        ofs = hint - k;
    } else {
        // a[hint] <= key: gallop right.
        let maxofs = n - hint;
        while ofs < maxofs {
            if lt(key, at(hint + ofs))? {
                break;
            }
            lastofs = ofs;
            ofs = (ofs << 1) + 1;
        }
        ofs = ofs.min(maxofs);
        lastofs += hint;
        ofs += hint;
    }
    // a[lastofs] <= key < a[ofs]
    lastofs += 1;
    while lastofs < ofs {
        let m = lastofs + ((ofs - lastofs) >> 1);
        if lt(key, at(m))? {
            ofs = m;
        } else {
            lastofs = m + 1;
        }
    }
    Ok(ofs as usize)
}

/// Move `v[src..src+k]` to `v[dst..dst+k]`, `dst <= src` (forward).
fn move_down<T>(v: &mut [T], dst: usize, src: usize, k: usize) {
    for i in 0..k {
        v.swap(dst + i, src + i);
    }
}

/// Move `v[src..src+k]` to `v[dst..dst+k]`, `dst >= src` (backward).
fn move_up<T>(v: &mut [T], dst: usize, src: usize, k: usize) {
    for i in (0..k).rev() {
        v.swap(dst + i, src + i);
    }
}

fn take_into<T: Default>(v: &mut [T], dst: usize, tmp: &mut [T], src: usize, k: usize) {
    for i in 0..k {
        v[dst + i] = std::mem::take(&mut tmp[src + i]);
    }
}

/// `merge_lo`: merge `a = v[ssa..ssa+na]` and the following
/// `b = v[ssa+na..ssa+na+nb]` when `na <= nb`, with `a` moved to a
/// temporary. Known: `b[0] < a[0]` and `a[-1] > b[-1]`. The holes are
/// always `v[dest..dest+na]`, refilled from the temporary on failure.
fn merge_lo<T: Default, E>(
    ms: &mut MergeState,
    v: &mut [T],
    ssa: usize,
    na: usize,
    nb: usize,
    lt: &mut impl FnMut(&T, &T) -> Result<bool, E>,
) -> Result<(), E> {
    let mut tmp: Vec<T> = v[ssa..ssa + na].iter_mut().map(std::mem::take).collect();
    let mut st = Lo {
        dest: ssa,
        pa: 0,
        na,
        pb: ssa + na,
        nb,
    };
    let r = merge_lo_body(ms, v, &mut tmp, &mut st, lt);
    match r {
        Ok(true) => {
            // CopyB: na == 1; the rest of b, then the last of a.
            move_down(v, st.dest, st.pb, st.nb);
            take_into(v, st.dest + st.nb, &mut tmp, st.pa, 1);
            Ok(())
        }
        Ok(false) => {
            take_into(v, st.dest, &mut tmp, st.pa, st.na);
            Ok(())
        }
        Err(e) => {
            take_into(v, st.dest, &mut tmp, st.pa, st.na);
            Err(e)
        }
    }
}

struct Lo {
    dest: usize,
    pa: usize,
    na: usize,
    pb: usize,
    nb: usize,
}

/// The loop of `merge_lo`; `Ok(true)` means "CopyB" (one item of `a`
/// left, known to go last).
fn merge_lo_body<T: Default, E>(
    ms: &mut MergeState,
    v: &mut [T],
    tmp: &mut [T],
    s: &mut Lo,
    lt: &mut impl FnMut(&T, &T) -> Result<bool, E>,
) -> Result<bool, E> {
    v.swap(s.dest, s.pb);
    s.dest += 1;
    s.pb += 1;
    s.nb -= 1;
    if s.nb == 0 {
        return Ok(false);
    }
    if s.na == 1 {
        return Ok(true);
    }
    let mut min_gallop = ms.min_gallop;
    loop {
        let (mut acount, mut bcount) = (0usize, 0usize);
        // Straightforward merge until one run wins min_gallop times.
        loop {
            if lt(&v[s.pb], &tmp[s.pa])? {
                v.swap(s.dest, s.pb);
                s.dest += 1;
                s.pb += 1;
                s.nb -= 1;
                bcount += 1;
                acount = 0;
                if s.nb == 0 {
                    return Ok(false);
                }
                if bcount >= min_gallop {
                    break;
                }
            } else {
                take_into(v, s.dest, tmp, s.pa, 1);
                s.dest += 1;
                s.pa += 1;
                s.na -= 1;
                acount += 1;
                bcount = 0;
                if s.na == 1 {
                    return Ok(true);
                }
                if acount >= min_gallop {
                    break;
                }
            }
        }
        // Galloping until neither run wins MIN_GALLOP in a row.
        min_gallop += 1;
        loop {
            min_gallop -= usize::from(min_gallop > 1);
            ms.min_gallop = min_gallop;
            let k = gallop_right(&v[s.pb], &tmp[s.pa..s.pa + s.na], 0, lt)?;
            acount = k;
            if k > 0 {
                take_into(v, s.dest, tmp, s.pa, k);
                s.dest += k;
                s.pa += k;
                s.na -= k;
                if s.na == 1 {
                    return Ok(true);
                }
                // na == 0 only with an inconsistent comparison.
                if s.na == 0 {
                    return Ok(false);
                }
            }
            v.swap(s.dest, s.pb);
            s.dest += 1;
            s.pb += 1;
            s.nb -= 1;
            if s.nb == 0 {
                return Ok(false);
            }
            let k = gallop_left(&tmp[s.pa], &v[s.pb..s.pb + s.nb], 0, lt)?;
            bcount = k;
            if k > 0 {
                move_down(v, s.dest, s.pb, k);
                s.dest += k;
                s.pb += k;
                s.nb -= k;
                if s.nb == 0 {
                    return Ok(false);
                }
            }
            take_into(v, s.dest, tmp, s.pa, 1);
            s.dest += 1;
            s.pa += 1;
            s.na -= 1;
            if s.na == 1 {
                return Ok(true);
            }
            if acount < MIN_GALLOP && bcount < MIN_GALLOP {
                break;
            }
        }
        min_gallop += 1;
        ms.min_gallop = min_gallop;
    }
}

/// `merge_hi`: as `merge_lo` for `na > nb`, with `b` in the temporary,
/// merging from the right. Remaining `a` is `v[a_end-na..a_end]`,
/// remaining `b` is `tmp[..nb]`, and the holes are `v[a_end..a_end+nb]`.
fn merge_hi<T: Default, E>(
    ms: &mut MergeState,
    v: &mut [T],
    ssa: usize,
    na: usize,
    nb: usize,
    lt: &mut impl FnMut(&T, &T) -> Result<bool, E>,
) -> Result<(), E> {
    let ssb = ssa + na;
    let mut tmp: Vec<T> = v[ssb..ssb + nb].iter_mut().map(std::mem::take).collect();
    let mut st = Hi { a_end: ssb, na, nb };
    let r = merge_hi_body(ms, v, &mut tmp, &mut st, lt);
    match r {
        Ok(true) => {
            // CopyA: nb == 1; the rest of a moves up, then the first of b.
            let Hi { a_end, na, .. } = st;
            move_up(v, a_end - na + 1, a_end - na, na);
            take_into(v, a_end - na, &mut tmp, 0, 1);
            Ok(())
        }
        Ok(false) => {
            take_into(v, st.a_end, &mut tmp, 0, st.nb);
            Ok(())
        }
        Err(e) => {
            take_into(v, st.a_end, &mut tmp, 0, st.nb);
            Err(e)
        }
    }
}

struct Hi {
    a_end: usize,
    na: usize,
    nb: usize,
}

impl Hi {
    /// Next slot to fill from the right.
    fn dest(&self) -> usize {
        self.a_end + self.nb - 1
    }
}

/// The loop of `merge_hi`; `Ok(true)` means "CopyA" (one item of `b`
/// left, known to go first).
fn merge_hi_body<T: Default, E>(
    ms: &mut MergeState,
    v: &mut [T],
    tmp: &mut [T],
    s: &mut Hi,
    lt: &mut impl FnMut(&T, &T) -> Result<bool, E>,
) -> Result<bool, E> {
    // Move the last of a (known greatest) to the end.
    let d = s.dest();
    v.swap(d, s.a_end - 1);
    s.a_end -= 1;
    s.na -= 1;
    if s.na == 0 {
        return Ok(false);
    }
    if s.nb == 1 {
        return Ok(true);
    }
    let mut min_gallop = ms.min_gallop;
    loop {
        let (mut acount, mut bcount) = (0usize, 0usize);
        loop {
            if lt(&tmp[s.nb - 1], &v[s.a_end - 1])? {
                let d = s.dest();
                v.swap(d, s.a_end - 1);
                s.a_end -= 1;
                s.na -= 1;
                acount += 1;
                bcount = 0;
                if s.na == 0 {
                    return Ok(false);
                }
                if acount >= min_gallop {
                    break;
                }
            } else {
                let d = s.dest();
                take_into(v, d, tmp, s.nb - 1, 1);
                s.nb -= 1;
                bcount += 1;
                acount = 0;
                if s.nb == 1 {
                    return Ok(true);
                }
                if bcount >= min_gallop {
                    break;
                }
            }
        }
        min_gallop += 1;
        loop {
            min_gallop -= usize::from(min_gallop > 1);
            ms.min_gallop = min_gallop;
            let a_start = s.a_end - s.na;
            let k = gallop_right(&tmp[s.nb - 1], &v[a_start..s.a_end], s.na - 1, lt)?;
            let k = s.na - k;
            acount = k;
            if k > 0 {
                // The last k of a go to the last k holes.
                move_up(v, s.a_end - k + s.nb, s.a_end - k, k);
                s.a_end -= k;
                s.na -= k;
                if s.na == 0 {
                    return Ok(false);
                }
            }
            let d = s.dest();
            take_into(v, d, tmp, s.nb - 1, 1);
            s.nb -= 1;
            if s.nb == 1 {
                return Ok(true);
            }
            let k = gallop_left(&v[s.a_end - 1], &tmp[..s.nb], s.nb - 1, lt)?;
            let k = s.nb - k;
            bcount = k;
            if k > 0 {
                // The last k of b go to the last k holes.
                let d = s.dest() + 1 - k;
                take_into(v, d, tmp, s.nb - k, k);
                s.nb -= k;
                if s.nb == 1 {
                    return Ok(true);
                }
                // nb == 0 only with an inconsistent comparison.
                if s.nb == 0 {
                    return Ok(false);
                }
            }
            let d = s.dest();
            v.swap(d, s.a_end - 1);
            s.a_end -= 1;
            s.na -= 1;
            if s.na == 0 {
                return Ok(false);
            }
            if acount < MIN_GALLOP && bcount < MIN_GALLOP {
                break;
            }
        }
        min_gallop += 1;
        ms.min_gallop = min_gallop;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minrun() {
        assert_eq!(compute_minrun(63), 63);
        assert_eq!(compute_minrun(64), 32);
        assert_eq!(compute_minrun(65), 33);
        assert_eq!(compute_minrun(2112), 33);
    }

    #[test]
    fn small_sort() {
        let mut v = vec![5, 3, 9, 1, 1, 0, 7];
        sort_by::<_, ()>(&mut v, false, |a, b| Ok(a < b)).unwrap();
        assert_eq!(v, vec![0, 1, 1, 3, 5, 7, 9]);
    }
}
