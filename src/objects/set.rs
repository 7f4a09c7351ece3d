//! The set table of `set` and `frozenset` objects: CPython 3.11's hash
//! table (Objects/setobject.c) over `Value` keys, so a set built by the
//! same operations on keys with the same hashes iterates in CPython's
//! order (with `PYTHONHASHSEED=0` hashes, the conformance harness's).
//!
//! The probing, insertion, deletion, `pop` and resize logic is the generic
//! [`RawSet`] in [`crate::pyfmt::settable`], shared with the `.pyc` layer's
//! frozenset constants (so `pyc` does not depend on the VM); this file
//! binds it to `Value` and adds the bulk operations in the order CPython
//! performs them:
//!
//! | Python | what CPython 3.11 does |
//! |---|---|
//! | `s.copy()`, `set(s)`, `frozenset(s)`, `s | s` | [`RawSet::copy`]: merge into an empty set — the slot layout is copied verbatim when `s` has no dummies, else clean re-insertion in `s`'s slot order into a presized table |
//! | `s | t`, `s.union(t, ...)` | [`union`]: copy of `s`, then merge each other (a set argument identical to `s` is skipped) |
//! | `s |= t`, `s.update(t)` | [`RawSet::merge`]; for a dict: [`RawSet::presize_for`]`(len)` then `add_entry` in dict order; other iterables: `add_entry` per item |
//! | `s & t`, `s.intersection(t)` | [`intersection`]: iterate the smaller set (`t` on a tie), `add_entry` the members of the larger into a new set; `s & s` is a copy. A non-set iterable: iterate it, add members of `s`, stop once the result is as large as `s` |
//! | `s &= t`, `s.intersection_update(...)` | compute the intersection(s), then the result's table replaces `s`'s ([`RawSet::take_body`]) |
//! | `s - t`, `s.difference(t)` | [`difference`]: if `len(s) >> 2 > len(t)` copy `s` and discard `t`'s keys ([`difference_update`]); else iterate `s` adding keys not in `t` to a new set. Further arguments: `difference_update` |
//! | `s -= t`, `s.difference_update(t)` | [`difference_update`]: `s is t` clears; a set more than 8 times larger is first intersected with `s`; discard each key in slot order; then [`RawSet::purge_dummies_after_discards`] |
//! | `s ^ t`, `s.symmetric_difference(t)` | [`symmetric_difference`]: copy of `t`, then `symmetric_difference_update` with `s` |
//! | `s ^= t` | [`symmetric_difference_update`]: for each key of `t` in slot order, discard it from `s` or add it if absent; `s is t` clears; a non-set iterable is first made into a set |
//!
//! Functions taking `&mut` one set and `&` another cannot be given the
//! same set; the VM handles `s is t` itself as listed above (`clear` for
//! the in-place difference forms, nothing for update).
//!
//! ## Equality and the restart rule
//! Every operation takes the key's hash and `eq(existing, key)`, called
//! only for a stored key with an equal hash that is not identical
//! (`Value::is`). The table never runs Python: when `eq` may need a
//! Python `__eq__`, the VM must not hold the set's `RefCell` borrow during
//! the call, so it drives the resumable probe itself:
//!
//! 1. `p = set.probe(hash)`; loop on `set.probe_step(&mut p, &key)`.
//! 2. `Found(slot)`: identical key present. `Absent(v)`: the key is absent;
//!    for an add, `set.insert_at(v, hash, key)` (it returns false if `v`
//!    was filled meanwhile: restart at 1).
//! 3. `Compare(slot, startkey)`: drop the borrow, run
//!    `startkey.__eq__(key)`, borrow again. For an **add**, a true result
//!    means "present" at once. Otherwise (and for lookups/discards, which
//!    check before trusting a true result) if
//!    `!set.still_valid(&p, slot, &startkey)` — the table was rebuilt
//!    (resize, clear) or that slot no longer holds `startkey` — restart
//!    the probe from step 1, as CPython's `goto restart` /
//!    `return set_lookkey(...)` does; else continue stepping.
//!
//! Iterators compare `len()` with the length they started with ("Set
//! changed size during iteration"), as `setiter_iternext` does; `version()`
//! counts every mutation for caches.

use crate::pyfmt::settable::RawSet;
pub use crate::pyfmt::settable::{grow_target, Probe, SetKey, Slot, Step, Vacancy, MINSIZE};
use crate::vm::value::Value;

/// A set's table of `Value` keys.
pub type SetTable = RawSet<Value>;

impl SetKey for Value {
    fn same(&self, other: &Self) -> bool {
        self.is(other)
    }
}

/// `set_union` (`s.union(*others)` with set arguments) and `set_or`: a copy
/// of `s`, then each other merged in. Arguments identical to `s` are skipped.
pub fn union<K: SetKey, E>(
    s: &RawSet<K>,
    others: &[&RawSet<K>],
    mut eq: impl FnMut(&K, &K) -> Result<bool, E>,
) -> Result<RawSet<K>, E> {
    let mut out = s.copy();
    for &o in others {
        if std::ptr::eq(o, s) {
            continue;
        }
        out.merge(o, &mut eq)?;
    }
    Ok(out)
}

/// `set_intersection(s, t)` for a set `t`: iterate the smaller (`t` when
/// equal in size) and add the keys the other contains to a new set. `s & s`
/// is `s.copy()`.
pub fn intersection<K: SetKey, E>(
    s: &RawSet<K>,
    t: &RawSet<K>,
    mut eq: impl FnMut(&K, &K) -> Result<bool, E>,
) -> Result<RawSet<K>, E> {
    if std::ptr::eq(s, t) {
        return Ok(s.copy());
    }
    let (big, small) = if t.len() > s.len() { (t, s) } else { (s, t) };
    let mut out = RawSet::new();
    let mut pos = 0;
    while let Some((slot, hash, key)) = small.next_entry(pos) {
        pos = slot + 1;
        if big.contains(hash, key, &mut eq)? {
            out.add_entry(hash, key.clone(), &mut eq)?;
        }
    }
    Ok(out)
}

/// `s.intersection(*others)` with set arguments: no argument copies `s`;
/// otherwise the running result is intersected with each in turn.
pub fn intersection_multi<K: SetKey, E>(
    s: &RawSet<K>,
    others: &[&RawSet<K>],
    mut eq: impl FnMut(&K, &K) -> Result<bool, E>,
) -> Result<RawSet<K>, E> {
    let Some((first, rest)) = others.split_first() else {
        return Ok(s.copy());
    };
    let mut out = intersection(s, first, &mut eq)?;
    for &o in rest {
        out = intersection(&out, o, &mut eq)?;
    }
    Ok(out)
}

/// `s.intersection_update(*others)` / `s &= t` with set arguments: the
/// intersection's table replaces `s`'s (`set_swap_bodies`).
pub fn intersection_update<K: SetKey, E>(
    s: &mut RawSet<K>,
    others: &[&RawSet<K>],
    eq: impl FnMut(&K, &K) -> Result<bool, E>,
) -> Result<(), E> {
    let tmp = intersection_multi(s, others, eq)?;
    s.take_body(tmp);
    Ok(())
}

/// `set_difference_update_internal(s, t)` for a set `t` that is not `s`
/// (for `s is t` the VM clears `s`).
pub fn difference_update<K: SetKey, E>(
    s: &mut RawSet<K>,
    t: &RawSet<K>,
    mut eq: impl FnMut(&K, &K) -> Result<bool, E>,
) -> Result<(), E> {
    if (t.len() >> 3) > s.len() {
        let common = intersection(s, t, &mut eq)?;
        discard_all(s, &common, &mut eq)?;
    } else {
        discard_all(s, t, &mut eq)?;
    }
    s.purge_dummies_after_discards();
    Ok(())
}

fn discard_all<K: SetKey, E>(
    s: &mut RawSet<K>,
    t: &RawSet<K>,
    mut eq: impl FnMut(&K, &K) -> Result<bool, E>,
) -> Result<(), E> {
    for (hash, key) in t.iter() {
        s.discard_entry(hash, key, &mut eq)?;
    }
    Ok(())
}

/// `set_difference(s, t)` for a set `t` (`s - t`). For a dict `t` the VM
/// does the same with dict membership.
pub fn difference<K: SetKey, E>(
    s: &RawSet<K>,
    t: &RawSet<K>,
    mut eq: impl FnMut(&K, &K) -> Result<bool, E>,
) -> Result<RawSet<K>, E> {
    if (s.len() >> 2) > t.len() {
        let mut out = s.copy();
        if std::ptr::eq(s, t) {
            out.clear();
        } else {
            difference_update(&mut out, t, &mut eq)?;
        }
        return Ok(out);
    }
    let mut out = RawSet::new();
    for (hash, key) in s.iter() {
        if !t.contains(hash, key, &mut eq)? {
            out.add_entry(hash, key.clone(), &mut eq)?;
        }
    }
    Ok(out)
}

/// `s.difference(*others)` with set arguments.
pub fn difference_multi<K: SetKey, E>(
    s: &RawSet<K>,
    others: &[&RawSet<K>],
    mut eq: impl FnMut(&K, &K) -> Result<bool, E>,
) -> Result<RawSet<K>, E> {
    let Some((first, rest)) = others.split_first() else {
        return Ok(s.copy());
    };
    let mut out = difference(s, first, &mut eq)?;
    for &o in rest {
        difference_update(&mut out, o, &mut eq)?;
    }
    Ok(out)
}

/// `set_symmetric_difference_update(s, t)` for a set `t` that is not `s`:
/// each key of `t` in slot order is discarded from `s`, or added if absent.
pub fn symmetric_difference_update<K: SetKey, E>(
    s: &mut RawSet<K>,
    t: &RawSet<K>,
    mut eq: impl FnMut(&K, &K) -> Result<bool, E>,
) -> Result<(), E> {
    for (hash, key) in t.iter() {
        if s.discard_entry(hash, key, &mut eq)?.is_none() {
            s.add_entry(hash, key.clone(), &mut eq)?;
        }
    }
    Ok(())
}

/// `set_symmetric_difference(s, t)`: a copy of `t`, updated with `s`.
pub fn symmetric_difference<K: SetKey, E>(
    s: &RawSet<K>,
    t: &RawSet<K>,
    mut eq: impl FnMut(&K, &K) -> Result<bool, E>,
) -> Result<RawSet<K>, E> {
    let mut out = t.copy();
    symmetric_difference_update(&mut out, s, &mut eq)?;
    Ok(out)
}

/// `set_issubset(s, t)` for a set `t`.
pub fn is_subset<K: SetKey, E>(
    s: &RawSet<K>,
    t: &RawSet<K>,
    mut eq: impl FnMut(&K, &K) -> Result<bool, E>,
) -> Result<bool, E> {
    if s.len() > t.len() {
        return Ok(false);
    }
    for (hash, key) in s.iter() {
        if !t.contains(hash, key, &mut eq)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `set_isdisjoint(s, t)` for a set `t`: iterate the smaller.
pub fn is_disjoint<K: SetKey, E>(
    s: &RawSet<K>,
    t: &RawSet<K>,
    mut eq: impl FnMut(&K, &K) -> Result<bool, E>,
) -> Result<bool, E> {
    if std::ptr::eq(s, t) {
        return Ok(s.is_empty());
    }
    let (big, small) = if t.len() > s.len() { (t, s) } else { (s, t) };
    for (hash, key) in small.iter() {
        if big.contains(hash, key, &mut eq)? {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ieq(a: &Value, b: &Value) -> Result<bool, ()> {
        Ok(matches!((a, b), (Value::Int(x), Value::Int(y)) if x == y))
    }

    fn ints(s: &SetTable) -> Vec<i64> {
        s.keys()
            .map(|k| match k {
                Value::Int(i) => *i,
                _ => i64::MIN,
            })
            .collect()
    }

    #[test]
    fn slot_is_24_bytes() {
        assert_eq!(std::mem::size_of::<Slot<Value>>(), 24);
    }

    #[test]
    fn add_discard_pop() {
        let mut s = SetTable::new();
        for k in [5i64, 3, 9, 1] {
            s.add_entry(k, Value::Int(k), ieq).unwrap();
        }
        // 9 takes slot 1; 1 collides there and perturbs to slot 6.
        assert_eq!(ints(&s), vec![9, 3, 5, 1]);
        assert_eq!(
            s.discard_entry(3, &Value::Int(3), ieq).unwrap().map(|_| ()),
            Some(())
        );
        assert_eq!(s.len(), 3);
        assert_eq!(s.fill(), 4);
        assert!(matches!(s.pop(), Some((9, Value::Int(9)))));
        assert!(matches!(s.pop(), Some((5, Value::Int(5)))));
    }
}
