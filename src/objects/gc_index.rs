//! The cycle collector's index of one collection's objects by address
//! (where CPython keeps `gc_refs` in the object's header, pycvm looks the
//! object up here once per reference it traverses).
//!
//! Open addressing with linear probing in a power-of-two table kept at
//! most half full, Fibonacci hashing of the address: a lookup is a
//! multiply, a shift and, as a rule, one or two compares. Keys and values
//! are parallel arrays, so a miss (most references point outside the
//! collected set: strings, ints, older objects) touches only the keys.

/// An address-to-index map for one collection.
pub struct AddrIndex {
    /// The object addresses; 0 is an empty slot (no object lives there).
    keys: Vec<usize>,
    /// The index of the object whose address is in the same slot of
    /// `keys`; [`GONE`] after [`AddrIndex::remove`].
    vals: Vec<u32>,
    mask: usize,
    /// 64 minus log2 of the table's size: the hash's top bits are the slot.
    shift: u32,
    len: usize,
    /// The slots in use, so a table given back ([`AddrIndex::recycle`])
    /// is emptied in time proportional to its entries, not its size.
    used: Vec<u32>,
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

impl AddrIndex {
    /// An index for up to `n` entries without growing.
    pub fn with_capacity(n: usize) -> AddrIndex {
        let cap = n.max(8).saturating_mul(2).next_power_of_two();
        if let Some(spare) = SPARE.try_with(std::cell::Cell::take).ok().flatten() {
            // Not much larger either: a sparse table spreads the lookups
            // over more memory.
            if spare.keys.len() >= cap && spare.keys.len() <= cap.saturating_mul(4) {
                return spare;
            }
        }
        AddrIndex {
            keys: vec![0; cap],
            vals: vec![0; cap],
            mask: cap - 1,
            shift: 64 - cap.trailing_zeros(),
            len: 0,
            used: Vec::with_capacity(n),
        }
    }

    /// Empty the table and keep it for the next collection.
    pub fn recycle(mut self) {
        if self.keys.len() > SPARE_MAX_SLOTS {
            return;
        }
        for &i in &self.used {
            if let Some(k) = self.keys.get_mut(i as usize) {
                *k = 0;
            }
        }
        self.used.clear();
        self.len = 0;
        let _ = SPARE.try_with(|s| s.set(Some(self)));
    }

    #[inline(always)]
    fn home(&self, a: usize) -> usize {
        ((a as u64 >> 3).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The index stored for address `a`.
    #[inline(always)]
    pub fn get(&self, a: usize) -> Option<usize> {
        let mut i = self.home(a);
        loop {
            let k = *self.keys.get(i)?;
            if k == 0 {
                return None;
            }
            if k == a {
                let v = *self.vals.get(i)?;
                return if v == GONE { None } else { Some(v as usize) };
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Store `v` for address `a` unless `a` is there already; returns
    /// whether it was stored. `v` must be below `u32::MAX`.
    #[inline]
    pub fn insert(&mut self, a: usize, v: usize) -> bool {
        if a == 0 || v >= GONE as usize {
            return false;
        }
        if (self.len + 1) * 2 > self.keys.len() {
            self.grow();
        }
        let mut i = self.home(a);
        loop {
            let Some(k) = self.keys.get_mut(i) else {
                return false;
            };
            if *k == 0 {
                *k = a;
                if let Some(x) = self.vals.get_mut(i) {
                    *x = v as u32;
                }
                self.len += 1;
                self.used.push(i as u32);
                return true;
            }
            if *k == a {
                return false;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Forget address `a` (its object was freed: the address may be
    /// reused by a new object, which is not a member).
    pub fn remove(&mut self, a: usize) {
        let mut i = self.home(a);
        loop {
            match self.keys.get(i).copied() {
                Some(k) if k == a => {
                    if let Some(x) = self.vals.get_mut(i) {
                        *x = GONE;
                    }
                    return;
                }
                Some(0) | None => return,
                Some(_) => i = (i + 1) & self.mask,
            }
        }
    }

    #[cold]
    fn grow(&mut self) {
        let mut bigger = AddrIndex::with_capacity(self.keys.len());
        for (&k, &v) in self.keys.iter().zip(self.vals.iter()) {
            if k != 0 && v != GONE {
                bigger.insert(k, v as usize);
            }
        }
        *self = bigger;
    }
}
