//! CPython 3.11's set hash table (Objects/setobject.c): the one
//! implementation of its probing, insertion, deletion and resize rules,
//! generic over the key type so both the `.pyc` layer (set and frozenset
//! constants, keyed by element index) and the VM's set objects
//! ([`crate::objects::set`], keyed by `Value`) use it without `pyc`
//! depending on the VM.
//!
//! The table never runs Python code: every operation takes the key's hash
//! and an equality callback `eq(existing, key)` that is only asked about
//! keys whose stored hash equals the probed hash and that are not
//! identical ([`SetKey::same`]) — CPython's order of checks. For callers
//! that must release a borrow before running a Python `__eq__`, the
//! resumable [`Probe`] / [`RawSet::probe_step`] API exposes each comparison
//! (see [`crate::objects::set`] for the restart rule).
//!
//! Iteration order is slot order, so replaying the same operations with
//! the same hashes gives CPython's order exactly.

/// `PySet_MINSIZE`.
pub const MINSIZE: usize = 8;
/// `LINEAR_PROBES`.
const LINEAR_PROBES: usize = 9;
/// `PERTURB_SHIFT`.
const PERTURB_SHIFT: u32 = 5;

/// A key type the table can hold. `same` is CPython's pointer identity
/// (`startkey == key`), checked before the equality callback.
pub trait SetKey: Clone {
    fn same(&self, other: &Self) -> bool;
}

impl SetKey for usize {
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

/// One slot, laid out as CPython's `setentry`: a live key with its hash,
/// or no key with hash 0 (empty: `key == NULL`) or -1 (deleted: `key ==
/// dummy`). The probe loops test the stored hash first, as CPython does:
/// one load and compare passes a live slot of another hash.
#[derive(Clone, Debug)]
pub struct Slot<K> {
    hash: i64,
    key: Option<K>,
}

/// The stored hash of a deleted slot (`dummy`'s).
const DUMMY_HASH: i64 = -1;

impl<K> Slot<K> {
    const EMPTY: Slot<K> = Slot { hash: 0, key: None };

    #[inline(always)]
    fn live(hash: i64, key: K) -> Slot<K> {
        Slot {
            hash,
            key: Some(key),
        }
    }

    /// Never held a key since the table was built (ends a probe).
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.key.is_none() && self.hash != DUMMY_HASH
    }

    /// A deleted key's slot.
    #[inline(always)]
    pub fn is_dummy(&self) -> bool {
        self.key.is_none() && self.hash == DUMMY_HASH
    }

    /// The live key with its hash.
    #[inline(always)]
    pub fn entry(&self) -> Option<(i64, &K)> {
        self.key.as_ref().map(|k| (self.hash, k))
    }

    /// Take the live key out, leaving a dummy.
    fn take_dummy(&mut self) -> Option<(i64, K)> {
        let key = self.key.take()?;
        let hash = std::mem::replace(&mut self.hash, DUMMY_HASH);
        Some((hash, key))
    }
}

/// The table: `fill` counts live and dummy slots, `used` live ones.
#[derive(Clone, Debug)]
pub struct RawSet<K> {
    table: Vec<Slot<K>>,
    fill: usize,
    used: usize,
    /// `so->finger`: where `pop` starts looking.
    finger: usize,
    /// Bumped whenever the slot array is rebuilt or replaced (resize,
    /// clear, swap): CPython's `table != so->table` test.
    generation: u64,
    /// Bumped on every mutation (add, discard, pop, clear, resize, swap).
    version: u64,
}

impl<K> Drop for RawSet<K> {
    /// `set_dealloc`: the live entries are released in slot order, and the
    /// walk stops after the last of them (`used` counts them); the slots
    /// left are empty or dummies, which own nothing.
    fn drop(&mut self) {
        let mut live = self.used;
        for slot in self.table.iter_mut() {
            if live == 0 {
                break;
            }
            if slot.key.take().is_some() {
                live -= 1;
            }
        }
        if live == 0 {
            // SAFETY: no slot holds a key now (the `used` live ones were
            // taken above), so no slot has a destructor to run;
            // shrinking the length to 0 only skips dropping them.
            unsafe { self.table.set_len(0) };
        }
    }
}

impl<K> Default for RawSet<K> {
    fn default() -> Self {
        RawSet::new()
    }
}

/// Where a probe found nothing: the slot an insertion would take (the last
/// dummy passed, as 3.11's `set_add_entry` keeps it, else the empty slot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vacancy {
    pub slot: usize,
    pub dummy: bool,
}

/// One step of a probe sequence.
#[derive(Clone, Debug)]
pub enum Step<K> {
    /// An identical key sits at this slot.
    Found(usize),
    /// A different key with the same hash sits at this slot (a clone of it
    /// is given): the caller decides equality, then either stops or checks
    /// [`RawSet::still_valid`] and continues (or restarts) the probe.
    Compare(usize, K),
    /// An empty slot ends the probe: the key is absent.
    Absent(Vacancy),
}

/// A resumable probe for one hash (CPython's loop state in `set_lookkey` /
/// `set_add_entry`).
#[derive(Clone, Copy, Debug)]
pub struct Probe {
    hash: i64,
    i: usize,
    j: usize,
    probes: usize,
    perturb: u64,
    freeslot: Option<usize>,
    generation: u64,
}

impl Probe {
    pub fn hash(&self) -> i64 {
        self.hash
    }

    fn start(hash: i64, mask: usize, generation: u64) -> Probe {
        let i = (hash as u64 as usize) & mask;
        Probe {
            hash,
            i,
            j: 0,
            probes: linear_probes(i, mask),
            perturb: hash as u64,
            freeslot: None,
            generation,
        }
    }

    fn advance(&mut self, mask: usize) {
        if self.j < self.probes {
            self.j += 1;
        } else {
            self.perturb >>= PERTURB_SHIFT;
            self.i = (self
                .i
                .wrapping_mul(5)
                .wrapping_add(1)
                .wrapping_add(self.perturb as usize))
                & mask;
            self.j = 0;
            self.probes = linear_probes(self.i, mask);
        }
    }
}

#[inline(always)]
fn linear_probes(i: usize, mask: usize) -> usize {
    if i + LINEAR_PROBES <= mask {
        LINEAR_PROBES
    } else {
        0
    }
}

impl<K> RawSet<K> {
    /// An empty set (`make_new_set`): 8 empty slots.
    pub fn new() -> RawSet<K> {
        RawSet {
            table: empty_table(MINSIZE),
            fill: 0,
            used: 0,
            finger: 0,
            generation: 0,
            version: 0,
        }
    }

    /// Number of elements (`so->used`).
    pub fn len(&self) -> usize {
        self.used
    }

    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    /// Live plus dummy slots (`so->fill`).
    pub fn fill(&self) -> usize {
        self.fill
    }

    /// `so->mask`: slot count minus one.
    pub fn mask(&self) -> usize {
        self.table.len() - 1
    }

    /// Mutation counter (any change to the table).
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Rebuild counter (the slot array was replaced).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The slot at a position (for iteration by position, as `set_next`
    /// and the set iterator do).
    pub fn slot(&self, pos: usize) -> Option<&Slot<K>> {
        self.table.get(pos)
    }

    /// The live entry at a position.
    pub fn entry(&self, pos: usize) -> Option<(i64, &K)> {
        self.table.get(pos)?.entry()
    }

    /// The first live position at or after `pos` with its entry
    /// (`set_next`); `None` past the end.
    pub fn next_entry(&self, pos: usize) -> Option<(usize, i64, &K)> {
        self.table
            .iter()
            .enumerate()
            .skip(pos)
            .find_map(|(i, s)| s.entry().map(|(hash, key)| (i, hash, key)))
    }

    /// Live entries `(hash, key)` in iteration (slot) order.
    pub fn iter(&self) -> impl Iterator<Item = (i64, &K)> + '_ {
        self.table.iter().filter_map(Slot::entry)
    }

    /// Keys in iteration order.
    pub fn keys(&self) -> impl Iterator<Item = &K> + '_ {
        self.iter().map(|(_, k)| k)
    }

    fn bump(&mut self) {
        self.version = self.version.wrapping_add(1);
    }

    /// Start a probe for `hash` in the current table.
    pub fn probe(&self, hash: i64) -> Probe {
        Probe::start(hash, self.mask(), self.generation)
    }

    /// `set_clear_internal`: back to 8 empty slots. The finger is kept.
    pub fn clear(&mut self) {
        self.table = empty_table(MINSIZE);
        self.fill = 0;
        self.used = 0;
        self.generation = self.generation.wrapping_add(1);
        self.bump();
    }

    /// `set_pop`: remove the first live entry at or after the finger
    /// (wrapping), leave a dummy, and move the finger past it.
    pub fn pop(&mut self) -> Option<(i64, K)> {
        if self.used == 0 {
            return None;
        }
        let mask = self.mask();
        let mut pos = self.finger & mask;
        while !matches!(self.table.get(pos), Some(Slot { key: Some(_), .. })) {
            pos += 1;
            if pos > mask {
                pos = 0;
            }
        }
        let old = self.table.get_mut(pos)?.take_dummy();
        self.used -= 1;
        self.finger = pos + 1;
        self.bump();
        old
    }

    /// Turn the live entry at `pos` into a dummy (the end of
    /// `set_discard_entry` once the lookup found it).
    pub fn remove_at(&mut self, pos: usize) -> Option<(i64, K)> {
        let old = self.table.get_mut(pos)?.take_dummy()?;
        self.used -= 1;
        self.bump();
        Some(old)
    }

    /// Insert a key a probe found absent, at the probe's vacancy (the
    /// `found_unused_or_dummy` tail of `set_add_entry`, including the
    /// resize when `fill*5 >= mask*3`). Returns false, inserting nothing,
    /// if the vacancy is no longer vacant (the caller restarts its probe).
    #[inline]
    pub fn insert_at(&mut self, v: Vacancy, hash: i64, key: K) -> bool {
        let mask = self.mask();
        let Some(slot) = self.table.get_mut(v.slot) else {
            return false;
        };
        match (v.dummy, slot.is_dummy(), slot.is_empty()) {
            (true, true, _) => {
                *slot = Slot::live(hash, key);
                self.used += 1;
                self.bump();
            }
            (false, _, true) => {
                *slot = Slot::live(hash, key);
                self.fill += 1;
                self.used += 1;
                self.bump();
                if self.fill * 5 >= mask * 3 {
                    self.resize(grow_target(self.used));
                }
            }
            _ => return false,
        }
        true
    }

    /// `set_table_resize(so, minused)`: a table of the smallest power of two
    /// above `minused` (at least 8), live entries reinserted in old slot
    /// order, dummies dropped. An 8-slot table without dummies is left as is.
    #[inline(never)]
    pub fn resize(&mut self, minused: usize) {
        let mut newsize = MINSIZE;
        while newsize <= minused {
            newsize <<= 1;
        }
        if newsize == MINSIZE && self.table.len() == MINSIZE && self.fill == self.used {
            return;
        }
        let old = std::mem::replace(&mut self.table, empty_table(newsize));
        let mask = newsize - 1;
        for s in old {
            if let Some(key) = s.key {
                insert_clean(&mut self.table, mask, s.hash, key);
            }
        }
        self.fill = self.used;
        self.generation = self.generation.wrapping_add(1);
        self.bump();
    }

    /// The presizing `set_merge` and the dict path of `set_update_internal`
    /// do before adding `n` more keys: one resize to `(used + n) * 2` if
    /// `(fill + n) * 5 >= mask * 3`.
    pub fn presize_for(&mut self, n: usize) {
        if (self.fill + n) * 5 >= self.mask() * 3 {
            self.resize((self.used + n) * 2);
        }
    }

    /// The tail of `set_difference_update_internal`: if more than a quarter
    /// of the slots are dummies, resize them away.
    pub fn purge_dummies_after_discards(&mut self) {
        if self.fill - self.used > self.mask() / 4 {
            self.resize(grow_target(self.used));
        }
    }

    /// `set_swap_bodies(self, other)` for `intersection_update`: take
    /// `other`'s table (fill, used, mask, slots); the finger stays.
    pub fn take_body(&mut self, mut other: RawSet<K>) {
        self.table = std::mem::take(&mut other.table);
        self.fill = other.fill;
        self.used = other.used;
        self.generation = self.generation.wrapping_add(1);
        self.bump();
    }
}

impl<K: SetKey> RawSet<K> {
    /// Advance a probe to its next event. After a [`Step::Compare`] the
    /// probe is already positioned past the compared slot.
    pub fn probe_step(&self, p: &mut Probe, key: &K) -> Step<K> {
        let mask = self.mask();
        loop {
            let idx = p.i + p.j;
            match self.table.get(idx) {
                Some(Slot { hash, key: Some(k) }) => {
                    if *hash == p.hash {
                        if k.same(key) {
                            return Step::Found(idx);
                        }
                        let k = k.clone();
                        p.advance(mask);
                        return Step::Compare(idx, k);
                    }
                }
                Some(s) if s.hash == DUMMY_HASH => p.freeslot = Some(idx),
                _ => {
                    return Step::Absent(match p.freeslot {
                        Some(slot) => Vacancy { slot, dummy: true },
                        None => Vacancy {
                            slot: idx,
                            dummy: false,
                        },
                    })
                }
            }
            p.advance(mask);
        }
    }

    /// `set_lookkey` without foreign code: `eq` answers `None` when a
    /// comparison would need it, and then so does this (nothing was
    /// changed, so the caller may redo the lookup the resumable way).
    /// `Some(Ok(slot))`: an equal key is at `slot`; `Some(Err(vacancy))`:
    /// absent, and where `set_add_entry` would insert it.
    #[inline(always)]
    pub fn find_fast(
        &self,
        hash: i64,
        key: &K,
        eq: impl FnMut(&K, &K) -> Option<bool>,
    ) -> Option<Result<usize, Vacancy>> {
        self.find_fast_in::<true>(hash, key, eq)
    }

    /// [`RawSet::find_fast`] for a membership test (`set_lookkey` itself):
    /// the probe does not note the dummies it passes.
    #[inline(always)]
    pub fn contains_fast(
        &self,
        hash: i64,
        key: &K,
        eq: impl FnMut(&K, &K) -> Option<bool>,
    ) -> Option<bool> {
        Some(self.find_fast_in::<false>(hash, key, eq)?.is_ok())
    }

    /// [`RawSet::find_fast`]; the vacancy is only meaningful with
    /// `VACANCY`.
    #[inline(always)]
    fn find_fast_in<const VACANCY: bool>(
        &self,
        hash: i64,
        key: &K,
        eq: impl FnMut(&K, &K) -> Option<bool>,
    ) -> Option<Result<usize, Vacancy>> {
        // The first slot answers most lookups (an empty slot, or the key
        // itself): inline, the rest of the probe out of line.
        let i = (hash as u64 as usize) & self.table.len().wrapping_sub(1);
        if let Some(s) = self.table.get(i) {
            match &s.key {
                Some(k) if s.hash == hash && k.same(key) => return Some(Ok(i)),
                None if s.hash != DUMMY_HASH => {
                    return Some(Err(Vacancy {
                        slot: i,
                        dummy: false,
                    }))
                }
                _ => {}
            }
        }
        self.find_fast_probe::<VACANCY>(hash, key, eq)
    }

    /// [`RawSet::find_fast_in`] from the first slot on.
    #[inline(never)]
    fn find_fast_probe<const VACANCY: bool>(
        &self,
        hash: i64,
        key: &K,
        mut eq: impl FnMut(&K, &K) -> Option<bool>,
    ) -> Option<Result<usize, Vacancy>> {
        // The probe order of `Probe` (runs of `linear_probes` + 1 slots,
        // then a perturbed jump), walked over slices of the table. Each
        // slot's hash is tested first, as CPython does: a live or deleted
        // slot of another hash is passed after two compares (with the
        // probed hash, and with 0: only empty slots and keys hashing to 0
        // look further). A deleted slot's hash is -1, which no key has.
        let table = self.table.as_slice();
        let mask = table.len().wrapping_sub(1);
        let mut i = (hash as u64 as usize) & mask;
        let mut perturb = hash as u64;
        let mut freeslot = usize::MAX;
        // The slot at `j`: found, or the probe ends at an empty slot.
        macro_rules! visit {
            ($slot:expr, $j:expr) => {{
                let slot: &Slot<K> = $slot;
                let h = slot.hash;
                if h == hash {
                    match &slot.key {
                        Some(k) => {
                            if k.same(key) || eq(k, key)? {
                                return Some(Ok($j));
                            }
                        }
                        None if h != DUMMY_HASH => {
                            return Some(Err(self.vacancy::<VACANCY>(freeslot, $j)));
                        }
                        None => {
                            if VACANCY {
                                freeslot = $j;
                            }
                        }
                    }
                } else if h == 0 {
                    if slot.key.is_none() {
                        return Some(Err(self.vacancy::<VACANCY>(freeslot, $j)));
                    }
                } else if VACANCY && h == DUMMY_HASH {
                    freeslot = $j;
                }
            }};
        }
        if mask < LINEAR_PROBES {
            // A small table: every run is one slot.
            loop {
                visit!(table.get(i)?, i);
                perturb >>= PERTURB_SHIFT;
                i = (i
                    .wrapping_mul(5)
                    .wrapping_add(1)
                    .wrapping_add(perturb as usize))
                    & mask;
            }
        }
        loop {
            let run = table.get(i..=i + linear_probes(i, mask))?;
            let base = run.as_ptr() as usize;
            // One pointer walks the run; a slot's index is worked out
            // from its address only when the probe ends there.
            for slot in run {
                let at =
                    i + (slot as *const Slot<K> as usize - base) / std::mem::size_of::<Slot<K>>();
                visit!(slot, at);
            }
            perturb >>= PERTURB_SHIFT;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(1)
                .wrapping_add(perturb as usize))
                & mask;
        }
    }

    /// Where an absent key goes: the last deleted slot the probe passed
    /// (with `VACANCY`), else the empty slot `j` that ended it.
    #[inline(always)]
    fn vacancy<const VACANCY: bool>(&self, freeslot: usize, j: usize) -> Vacancy {
        if VACANCY && freeslot != usize::MAX {
            Vacancy {
                slot: freeslot,
                dummy: true,
            }
        } else {
            Vacancy {
                slot: j,
                dummy: false,
            }
        }
    }

    /// After a comparison that ran foreign code: whether the probe may
    /// continue (CPython's `table == so->table && entry->key == startkey`).
    /// If not, restart with [`RawSet::probe`].
    pub fn still_valid(&self, p: &Probe, slot: usize, startkey: &K) -> bool {
        p.generation == self.generation
            && matches!(self.table.get(slot), Some(Slot { key: Some(key), .. }) if key.same(startkey))
    }

    /// `set_lookkey`: the slot of a key equal to `key`, if any.
    pub fn lookup<E>(
        &self,
        hash: i64,
        key: &K,
        mut eq: impl FnMut(&K, &K) -> Result<bool, E>,
    ) -> Result<Option<usize>, E> {
        let mut p = self.probe(hash);
        loop {
            match self.probe_step(&mut p, key) {
                Step::Found(slot) => return Ok(Some(slot)),
                Step::Absent(_) => return Ok(None),
                Step::Compare(slot, start) => {
                    let equal = eq(&start, key)?;
                    if !self.still_valid(&p, slot, &start) {
                        p = self.probe(hash);
                    } else if equal {
                        return Ok(Some(slot));
                    }
                }
            }
        }
    }

    /// `set_contains_entry`.
    pub fn contains<E>(
        &self,
        hash: i64,
        key: &K,
        eq: impl FnMut(&K, &K) -> Result<bool, E>,
    ) -> Result<bool, E> {
        Ok(self.lookup(hash, key, eq)?.is_some())
    }

    /// `set_add_entry`: add `key` unless an equal key is present. Returns
    /// whether it was added.
    pub fn add_entry<E>(
        &mut self,
        hash: i64,
        key: K,
        mut eq: impl FnMut(&K, &K) -> Result<bool, E>,
    ) -> Result<bool, E> {
        let mut p = self.probe(hash);
        loop {
            match self.probe_step(&mut p, &key) {
                Step::Found(_) => return Ok(false),
                Step::Compare(slot, start) => {
                    if eq(&start, &key)? {
                        return Ok(false);
                    }
                    if !self.still_valid(&p, slot, &start) {
                        p = self.probe(hash);
                    }
                }
                Step::Absent(v) => {
                    if self.insert_at(v, hash, key.clone()) {
                        return Ok(true);
                    }
                    p = self.probe(hash);
                }
            }
        }
    }

    /// `set_discard_entry`: remove a key equal to `key`, leaving a dummy.
    /// Returns the removed key.
    pub fn discard_entry<E>(
        &mut self,
        hash: i64,
        key: &K,
        eq: impl FnMut(&K, &K) -> Result<bool, E>,
    ) -> Result<Option<K>, E> {
        Ok(match self.lookup(hash, key, eq)? {
            Some(slot) => self.remove_at(slot).map(|(_, k)| k),
            None => None,
        })
    }

    /// `set_merge(self, other)` (`other` is not `self`): presize, then copy
    /// the slot layout if `self` is empty with the same size and `other`
    /// has no dummies, else clean inserts if `self` is empty, else
    /// `set_add_entry` for each of `other`'s keys in slot order.
    pub fn merge<E>(
        &mut self,
        other: &RawSet<K>,
        mut eq: impl FnMut(&K, &K) -> Result<bool, E>,
    ) -> Result<(), E> {
        if other.used == 0 {
            return Ok(());
        }
        self.presize_for(other.used);
        if self.fill == 0 && self.mask() == other.mask() && other.fill == other.used {
            self.table = other
                .table
                .iter()
                .map(|s| match s.entry() {
                    Some((hash, key)) => Slot::live(hash, key.clone()),
                    None => Slot::EMPTY,
                })
                .collect();
            self.fill = other.fill;
            self.used = other.used;
            self.generation = self.generation.wrapping_add(1);
            self.bump();
            return Ok(());
        }
        if self.fill == 0 {
            let mask = self.mask();
            for (hash, key) in other.iter() {
                insert_clean(&mut self.table, mask, hash, key.clone());
            }
            self.fill = other.used;
            self.used = other.used;
            self.bump();
            return Ok(());
        }
        for (hash, key) in other.iter() {
            self.add_entry(hash, key.clone(), &mut eq)?;
        }
        Ok(())
    }

    /// `set.copy()`, `set(s)`, `frozenset(s)` for a set `s`: a merge into
    /// an empty set, which never compares.
    pub fn copy(&self) -> RawSet<K> {
        let mut out = RawSet::new();
        // Merging into an empty set takes one of the clean paths, so `eq`
        // is never called.
        let _ = out.merge::<()>(self, |_, _| Ok(false));
        out
    }
}

/// `so->used > 50000 ? so->used*2 : so->used*4`.
pub fn grow_target(used: usize) -> usize {
    if used > 50000 {
        used * 2
    } else {
        used * 4
    }
}

fn empty_table<K>(n: usize) -> Vec<Slot<K>> {
    let mut v = Vec::with_capacity(n);
    v.resize_with(n, || Slot::EMPTY);
    v
}

/// `set_insert_clean`: place a key known to be absent in a table without
/// dummies.
fn insert_clean<K>(table: &mut [Slot<K>], mask: usize, hash: i64, key: K) {
    let mut i = (hash as u64 as usize) & mask;
    let mut perturb = hash as u64;
    loop {
        let last = i + linear_probes(i, mask);
        if let Some(j) = (i..=last).find(|&j| table.get(j).is_some_and(Slot::is_empty)) {
            if let Some(slot) = table.get_mut(j) {
                *slot = Slot::live(hash, key);
            }
            return;
        }
        perturb >>= PERTURB_SHIFT;
        i = (i
            .wrapping_mul(5)
            .wrapping_add(1)
            .wrapping_add(perturb as usize))
            & mask;
    }
}

/// A set of item indices (into the caller's element list) with their
/// hashes, as `marshal.loads` builds set and frozenset constants: an empty
/// set and `PySet_Add` for each element in stream order.
#[derive(Debug, Clone, Default)]
pub struct SetTable {
    raw: RawSet<usize>,
}

impl SetTable {
    /// An empty set (`PySet_New(NULL)`): 8 slots.
    pub fn new() -> SetTable {
        SetTable { raw: RawSet::new() }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// `set_add_entry(so, key, hash)`: add item `item` with hash `hash`
    /// unless an equal element is present. `eq(existing, item)` decides
    /// equality (Python `==`); it is only asked about elements whose
    /// stored hash equals `hash`, as CPython does. Returns whether the
    /// item was added.
    pub fn add<E>(
        &mut self,
        item: usize,
        hash: i64,
        mut eq: impl FnMut(usize, usize) -> Result<bool, E>,
    ) -> Result<bool, E> {
        self.raw.add_entry(hash, item, |a, b| eq(*a, *b))
    }

    /// The items in iteration order (table slot order).
    pub fn items(&self) -> impl Iterator<Item = usize> + '_ {
        self.raw.keys().copied()
    }

    /// The stored hashes of the elements, in iteration order.
    pub fn hashes(&self) -> impl Iterator<Item = i64> + '_ {
        self.raw.iter().map(|(h, _)| h)
    }
}

/// Iteration order of a set built by adding `hashes.len()` items in order:
/// the indices of the items kept (duplicates dropped), in the order CPython
/// iterates them.
pub fn set_order<E>(
    hashes: &[i64],
    mut eq: impl FnMut(usize, usize) -> Result<bool, E>,
) -> Result<Vec<usize>, E> {
    let mut t = SetTable::new();
    for (i, &h) in hashes.iter().enumerate() {
        t.add(i, h, &mut eq)?;
    }
    Ok(t.items().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(vals: &[i64]) -> Vec<i64> {
        let idx = set_order::<()>(vals, |a, b| Ok(vals[a] == vals[b])).unwrap_or_default();
        idx.into_iter().map(|i| vals[i]).collect()
    }

    #[test]
    fn small_ints_sort_by_slot() {
        // frozenset({3, 1, 2}) iterates 1, 2, 3 in CPython.
        assert_eq!(order(&[3, 1, 2]), vec![1, 2, 3]);
        // 8 and 0 collide in an 8-slot table; 8 lands after by linear probing.
        assert_eq!(order(&[8, 0]), vec![8, 0]);
        assert_eq!(order(&[1, 1, 1]), vec![1]);
    }
}
