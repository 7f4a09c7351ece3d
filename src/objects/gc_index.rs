//! The cycle collector's index of one collection's objects by address
//! (where CPython keeps `gc_refs` in the object's header, pycvm looks the
//! object up here once per reference it traverses).
//!
//! Open addressing with linear probing in a power-of-two table kept at
//! most half full, Fibonacci hashing of the address: a lookup is a
//! multiply, a shift and, as a rule, one or two compares. Keys and values
//! are parallel arrays, so a miss (most references point outside the
//! collected set: strings, ints, older objects) touches only the keys,
//! which are 32-bit offsets from the lowest member address as a rule.

/// An address-to-index map for one collection.
pub struct AddrIndex {
    /// The object addresses, compressed when they allow (see [`Keys`]);
    /// 0 is an empty slot.
    keys: Keys,
    /// The lowest address the narrow keys can hold.
    base: usize,
    /// The index of the object whose address is in the same slot of
    /// `keys`; [`GONE`] after [`AddrIndex::remove`].
    vals: Vec<u32>,
    mask: usize,
    /// 64 minus log2 of the table's size: the hash's top bits are the slot.
    shift: u32,
    len: usize,
    /// The slots in use, so a table given back ([`AddrIndex::recycle`])
    /// is emptied in time proportional to its entries, not its size
    /// (`None` for a table too large to be kept).
    used: Option<Vec<u32>>,
}

/// The key column. Objects are 8-aligned and a collection's objects lie
/// within a few GB of each other (mimalloc's arenas), so as a rule a key
/// is `(address - base) / 8 + 1` in 32 bits: a third less memory than a
/// full address, at the largest collection (the program's memory peak
/// when it is one of the old generation).
enum Keys {
    Narrow(Vec<u32>),
    /// Full addresses, when the span of the addresses is too wide.
    Wide(Vec<usize>),
}

impl Keys {
    fn len(&self) -> usize {
        match self {
            Keys::Narrow(k) => k.len(),
            Keys::Wide(k) => k.len(),
        }
    }
}

/// Tables larger than this many slots are not kept for reuse.
const SPARE_MAX_SLOTS: usize = 1 << 17;

std::thread_local! {
    /// An empty table kept from the last collection: collections come in
    /// streams of similar sizes, and allocating and zeroing a table each
    /// time was a twentieth of a young collection's instructions.
    static SPARE: std::cell::Cell<Option<AddrIndex>> = const { std::cell::Cell::new(None) };
}

/// A removed entry: its key stays (probe sequences run through it) but it
/// is not found any more.
const GONE: u32 = u32::MAX;

/// The narrow key of address `a` over `base`, if it has one.
#[inline(always)]
fn narrow(a: usize, base: usize) -> Option<u32> {
    let d = a.wrapping_sub(base);
    if d & 7 != 0 {
        return None;
    }
    u32::try_from(d >> 3).ok()?.checked_add(1)
}

/// The slots of a table for `n` entries: at most half full, except for
/// the large tables of full collections (which come at the program's
/// memory peak), filled up to three quarters: 1 MB less for deltablue's
/// 90,000 objects.
fn table_slots(n: usize) -> usize {
    if n <= LARGE_TABLE {
        n.max(8).saturating_mul(2).next_power_of_two()
    } else {
        n.saturating_add(n / 3).next_power_of_two()
    }
}

/// Entries above which a table may be up to three quarters full.
const LARGE_TABLE: usize = 1 << 15;

/// Whether `len` entries are more than a table of `slots` may hold (see
/// [`table_slots`]).
#[inline(always)]
fn over_load(len: usize, slots: usize) -> bool {
    if slots >= 2 * LARGE_TABLE {
        len.saturating_mul(4) > slots.saturating_mul(3)
    } else {
        len.saturating_mul(2) > slots
    }
}

impl AddrIndex {
    /// An index for up to `n` entries without growing (any addresses).
    pub fn with_capacity(n: usize) -> AddrIndex {
        AddrIndex::with_bounds(n, 0, usize::MAX)
    }

    /// An index for up to `n` entries without growing, whose addresses
    /// all lie in `lo..=hi`.
    pub fn with_bounds(n: usize, lo: usize, hi: usize) -> AddrIndex {
        let cap = table_slots(n);
        let base = lo & !7;
        let fits = hi >= lo && narrow(hi & !7, base).is_some();
        if let Some(mut spare) = SPARE.try_with(std::cell::Cell::take).ok().flatten() {
            // Not much larger either: a sparse table spreads the lookups
            // over more memory.
            let len = spare.keys.len();
            if len >= cap
                && len <= cap.saturating_mul(4)
                && matches!(spare.keys, Keys::Narrow(_)) == fits
            {
                spare.base = base;
                return spare;
            }
        }
        AddrIndex {
            keys: if fits {
                Keys::Narrow(vec![0; cap])
            } else {
                Keys::Wide(vec![0; cap])
            },
            base,
            vals: vec![0; cap],
            mask: cap - 1,
            shift: 64 - cap.trailing_zeros(),
            len: 0,
            used: (cap <= SPARE_MAX_SLOTS).then(|| Vec::with_capacity(n)),
        }
    }

    /// Empty the table and keep it for the next collection.
    pub fn recycle(mut self) {
        let Some(used) = self.used.as_mut() else {
            return;
        };
        for &i in used.iter() {
            match &mut self.keys {
                Keys::Narrow(k) => {
                    if let Some(k) = k.get_mut(i as usize) {
                        *k = 0;
                    }
                }
                Keys::Wide(k) => {
                    if let Some(k) = k.get_mut(i as usize) {
                        *k = 0;
                    }
                }
            }
        }
        used.clear();
        self.len = 0;
        let _ = SPARE.try_with(|s| s.set(Some(self)));
    }

    #[inline(always)]
    fn home(&self, a: usize) -> usize {
        ((a as u64 >> 3).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The slot holding address `a`, if it is there.
    #[inline(always)]
    fn find(&self, a: usize) -> Option<usize> {
        let i = self.home(a);
        match &self.keys {
            Keys::Narrow(keys) => probe(keys, i, self.mask, narrow(a, self.base)?),
            Keys::Wide(keys) => probe(keys, i, self.mask, a),
        }
    }

    /// The index stored for address `a`.
    #[inline(always)]
    pub fn get(&self, a: usize) -> Option<usize> {
        let v = *self.vals.get(self.find(a)?)?;
        if v == GONE {
            None
        } else {
            Some(v as usize)
        }
    }

    /// Store `v` for address `a` unless `a` is there already; returns
    /// whether it was stored. `v` must be below `u32::MAX`, and `a` within
    /// the bounds the table was made for.
    #[inline]
    pub fn insert(&mut self, a: usize, v: usize) -> bool {
        if a == 0 || v >= GONE as usize {
            return false;
        }
        if over_load(self.len + 1, self.keys.len()) {
            self.grow();
        }
        let i = self.home(a);
        let base = self.base;
        let found = match &mut self.keys {
            Keys::Narrow(keys) => match narrow(a, base) {
                Some(c) => probe_free(keys, i, self.mask, c),
                None => return false,
            },
            Keys::Wide(keys) => probe_free(keys, i, self.mask, a),
        };
        let Some(slot) = found else {
            return false;
        };
        if let Some(x) = self.vals.get_mut(slot) {
            *x = v as u32;
        }
        self.len += 1;
        if let Some(used) = self.used.as_mut() {
            used.push(slot as u32);
        }
        true
    }

    /// Forget address `a` (its object was freed: the address may be
    /// reused by a new object, which is not a member).
    pub fn remove(&mut self, a: usize) {
        if let Some(i) = self.find(a) {
            if let Some(x) = self.vals.get_mut(i) {
                *x = GONE;
            }
        }
    }

    /// The address a key stands for.
    fn address(&self, i: usize) -> Option<usize> {
        match &self.keys {
            Keys::Narrow(k) => {
                let c = *k.get(i)?;
                (c != 0).then(|| self.base + ((c as usize - 1) << 3))
            }
            Keys::Wide(k) => k.get(i).copied().filter(|&a| a != 0),
        }
    }

    #[cold]
    fn grow(&mut self) {
        // The same kind of keys over the same base.
        let (lo, hi) = match self.keys {
            Keys::Narrow(_) => (self.base, self.base),
            Keys::Wide(_) => (0, usize::MAX),
        };
        let mut bigger = AddrIndex::with_bounds(self.keys.len(), lo, hi);
        for i in 0..self.keys.len() {
            let v = self.vals.get(i).copied().unwrap_or(GONE);
            if let Some(a) = self.address(i).filter(|_| v != GONE) {
                bigger.insert(a, v as usize);
            }
        }
        *self = bigger;
    }
}

/// Linear probing from `i` for key `k`: its slot, or None at the first
/// empty (zero) slot, so a zero key is never found.
#[inline(always)]
fn probe<K: Copy + PartialEq + Default>(
    keys: &[K],
    mut i: usize,
    mask: usize,
    k: K,
) -> Option<usize> {
    loop {
        let at = *keys.get(i)?;
        if at == K::default() {
            return None;
        }
        if at == k {
            return Some(i);
        }
        i = (i + 1) & mask;
    }
}

/// Linear probing from `i` to store key `k` (non-zero): the empty slot it
/// took, or None when `k` is there already.
#[inline(always)]
fn probe_free<K: Copy + PartialEq + Default>(
    keys: &mut [K],
    mut i: usize,
    mask: usize,
    k: K,
) -> Option<usize> {
    loop {
        let at = keys.get_mut(i)?;
        if *at == K::default() {
            *at = k;
            return Some(i);
        }
        if *at == k {
            return None;
        }
        i = (i + 1) & mask;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_and_wide_keys_find_their_entries() {
        let base = 0x7f00_0000_0000usize;
        for (lo, hi) in [(base, base + 8 * 1000), (8, usize::MAX & !7)] {
            let mut t = AddrIndex::with_bounds(4, lo, hi);
            let addrs: Vec<usize> = (0..100).map(|i| lo + 8 * i * 7).chain([hi]).collect();
            for (i, &a) in addrs.iter().enumerate() {
                assert!(t.insert(a, i));
                assert!(!t.insert(a, i));
            }
            for (i, &a) in addrs.iter().enumerate() {
                assert_eq!(t.get(a), Some(i));
            }
            assert_eq!(t.get(lo + 4), None);
            assert_eq!(t.get(lo.wrapping_sub(8)), None);
            t.remove(addrs[3]);
            assert_eq!(t.get(addrs[3]), None);
            assert_eq!(t.get(addrs[4]), Some(4));
        }
    }
}
