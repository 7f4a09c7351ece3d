//! The compact dict table: CPython's layout (Objects/dictobject.c) — a
//! dense, insertion-ordered entry array plus a sparse index probed with
//! CPython's perturbation sequence (see [`Probe`] for its first slot).
//!
//! The table itself never runs Python code: lookups take the key's hash
//! and an equality callback. The VM layer decides when equality can be
//! decided without Python (identity, str, int) and otherwise releases its
//! borrow of the dict before calling `__eq__`, re-checking `version()`
//! afterwards, as CPython restarts a lookup when the dict mutated.

use crate::vm::value::Value;

const EMPTY: u32 = u32::MAX;
const DUMMY: u32 = u32::MAX - 1;
const PERTURB_SHIFT: u32 = 5;
const MIN_SIZE: usize = 8;

/// One dict entry. A deleted entry keeps its place with a `Null` key until
/// the next resize compacts the array, so iteration order is insertion order.
#[derive(Clone, Default)]
pub struct Entry {
    pub hash: i64,
    pub key: Value,
    pub value: Value,
}

#[derive(Clone, Default)]
pub struct DictTable {
    entries: Vec<Entry>,
    /// The sparse index, 1, 2 or 4 bytes a slot by size as CPython's
    /// `dk_indices` (see [`Index`]): a boxed slice, so the table is seven
    /// words and the dict's `RefCell<DictTable>` fills a 64-byte block.
    indices: Index,
    used: usize,
    /// Bumped on every insertion of a new key, deletion and clear (not on
    /// value replacement): guards cached lookups and detects mutation
    /// during iteration or during a Python-level `__eq__`.
    version: u64,
}

/// Probe sequence over the sparse index: CPython's perturbation, from a
/// first slot that folds bits 6 and up into the low ones (the index
/// layout is not observable). Objects are 64-byte blocks, so `id()`
/// keys (deepcopy's memo) have six zero low bits and would all start at
/// slot 0 of a table of up to 64 slots; the fold is a bijection on the
/// low bits, so int keys below the table size still take distinct slots.
struct Probe {
    i: usize,
    perturb: u64,
    mask: usize,
}

impl Probe {
    fn new(hash: i64, mask: usize) -> Probe {
        let h = hash as u64;
        Probe {
            i: ((h ^ (h >> 6)) as usize) & mask,
            perturb: hash as u64,
            mask,
        }
    }
    fn advance(&mut self) {
        self.perturb >>= PERTURB_SHIFT;
        self.i = (self
            .i
            .wrapping_mul(5)
            .wrapping_add(self.perturb as usize)
            .wrapping_add(1))
            & self.mask;
    }
}

impl DictTable {
    pub fn new() -> DictTable {
        DictTable::default()
    }

    pub fn with_capacity(n: usize) -> DictTable {
        let mut d = DictTable::default();
        if n > 0 {
            d.resize_index(size_for(n));
            d.entries.reserve(n);
        }
        d
    }

    pub fn len(&self) -> usize {
        self.used
    }

    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    /// Changes whenever the set of keys (or their positions) changes, to a
    /// value no table had before: so (dict, version) names one key layout
    /// and caches of entry positions can trust it.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Slots of the sparse index (CPython's `1 << dk_log2_size`; 0 for a
    /// dict that never held a key).
    pub fn index_slots(&self) -> usize {
        self.indices.len()
    }

    /// Room for `n` more entries at once, for a caller about to insert
    /// that many (the unpickler's SETITEMS): the entries then grow by one
    /// allocation instead of doubling. The index (what `__sizeof__` and
    /// iteration see) still grows as CPython's does, insert by insert.
    pub fn reserve_entries(&mut self, n: usize) {
        self.entries.reserve_exact(n);
    }

    /// Number of entry slots, deleted ones included (for iteration by position).
    pub fn entry_slots(&self) -> usize {
        self.entries.len()
    }

    /// The live entry at a position, if any.
    pub fn entry(&self, pos: usize) -> Option<&Entry> {
        self.entries.get(pos).filter(|e| !e.key.is_null())
    }

    pub fn entry_mut(&mut self, pos: usize) -> Option<&mut Entry> {
        self.entries.get_mut(pos).filter(|e| !e.key.is_null())
    }

    /// Live entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| !e.key.is_null())
    }

    /// Find the entry position of a key with this hash for which `eq`
    /// says true. `eq` sees only keys whose hash is equal.
    #[inline]
    pub fn find<E>(
        &self,
        hash: i64,
        eq: impl FnMut(&Value) -> Result<bool, E>,
    ) -> Result<Option<usize>, E> {
        // The index's width picked once, not at every slot.
        match self.indices.0.len() {
            0 => Ok(None),
            1..=128 => self.find_w::<1, E>(hash, eq),
            129..=65536 => self.find_w::<2, E>(hash, eq),
            _ => self.find_w::<4, E>(hash, eq),
        }
    }

    /// [`DictTable::find`] in an index `W` bytes a slot wide.
    #[inline(always)]
    fn find_w<const W: usize, E>(
        &self,
        hash: i64,
        mut eq: impl FnMut(&Value) -> Result<bool, E>,
    ) -> Result<Option<usize>, E> {
        let mut p = Probe::new(hash, self.indices.0.len() / W - 1);
        loop {
            match self.indices.get_w::<W>(p.i) {
                EMPTY => return Ok(None),
                DUMMY => {}
                ix => {
                    if let Some(e) = self.entries.get(ix as usize) {
                        if e.hash == hash && !e.key.is_null() && eq(&e.key)? {
                            return Ok(Some(ix as usize));
                        }
                    }
                }
            }
            p.advance();
        }
    }

    /// Candidate entry positions with an equal hash, in probe order (for
    /// the slow path where equality must run Python code without a borrow).
    pub fn candidates(&self, hash: i64) -> Vec<usize> {
        let mut out = Vec::new();
        if self.indices.is_empty() {
            return out;
        }
        let mut p = Probe::new(hash, self.indices.len() - 1);
        loop {
            match self.indices.get(p.i) {
                EMPTY => return out,
                DUMMY => {}
                ix => {
                    if let Some(e) = self.entries.get(ix as usize) {
                        if e.hash == hash && !e.key.is_null() {
                            out.push(ix as usize);
                        }
                    }
                }
            }
            p.advance();
        }
    }

    /// Append a new entry for a key known to be absent.
    pub fn insert_new(&mut self, hash: i64, key: Value, value: Value) {
        if self.entries.len() >= usable(self.indices.len()) {
            self.grow();
        }
        let pos = self.entries.len();
        if pos == self.entries.capacity() {
            self.reserve_entry();
        }
        self.entries.push(Entry { hash, key, value });
        self.place(hash, pos);
        self.used += 1;
        self.version = next_version();
    }

    /// Room for one more entry when the entries are full: the power of
    /// two a `Vec` would double to, but never past the index's usable
    /// part (CPython's `dk_entries` size), as the entries past it would
    /// stay unused until the next resize.
    #[cold]
    #[inline(never)]
    fn reserve_entry(&mut self) {
        let pos = self.entries.len();
        if pos < 4 {
            return;
        }
        let room = usable(self.indices.len())
            .min((pos + 1).next_power_of_two())
            .max(pos + 1);
        self.entries.reserve_exact(room - pos);
    }

    /// Replace the value at a live position; returns the old value.
    pub fn replace_value(&mut self, pos: usize, value: Value) -> Option<Value> {
        self.entry_mut(pos)
            .map(|e| std::mem::replace(&mut e.value, value))
    }

    /// Delete the entry at a live position; returns it.
    pub fn remove_at(&mut self, pos: usize) -> Option<Entry> {
        let hash = self.entry(pos)?.hash;
        let mut p = Probe::new(hash, self.indices.len().checked_sub(1)?);
        loop {
            match self.indices.get(p.i) {
                EMPTY => return None,
                ix if ix as usize == pos => break,
                _ => p.advance(),
            }
        }
        self.indices.set(p.i, DUMMY);
        let e = self.entries.get_mut(pos)?;
        let out = std::mem::take(e);
        self.used -= 1;
        self.version = next_version();
        Some(out)
    }

    /// Remove and return the last inserted entry (`dict.popitem`).
    pub fn pop_last(&mut self) -> Option<Entry> {
        let pos = self.entries.iter().rposition(|e| !e.key.is_null())?;
        let out = self.remove_at(pos);
        self.entries.truncate(pos);
        out
    }

    pub fn clear(&mut self) {
        self.entries = Vec::new();
        self.indices = Index::default();
        self.used = 0;
        self.version = next_version();
    }

    /// Put entry position `pos` in the first free slot of `hash`'s probe
    /// sequence (the index's width picked once).
    #[inline]
    fn place(&mut self, hash: i64, pos: usize) {
        match self.indices.0.len() {
            0 => {}
            1..=128 => self.indices.place_w::<1>(hash, pos),
            129..=65536 => self.indices.place_w::<2>(hash, pos),
            _ => self.indices.place_w::<4>(hash, pos),
        }
    }

    #[inline(never)]
    fn grow(&mut self) {
        // CPython: GROWTH_RATE(d) = used * 3.
        let want = size_for_used(self.used * 3);
        self.resize_index(want);
    }

    fn resize_index(&mut self, size: usize) {
        if self.used != self.entries.len() {
            self.entries.retain(|e| !e.key.is_null());
        }
        self.indices = Index::new(size);
        self.place_all();
    }

    /// Index every entry (all live) into a fresh, empty index.
    fn place_all(&mut self) {
        let ix = &mut self.indices;
        let hashes = self.entries.iter().map(|e| e.hash).enumerate();
        match ix.0.len() {
            0 => {}
            1..=128 => hashes.for_each(|(pos, h)| ix.place_w::<1>(h, pos)),
            129..=65536 => hashes.for_each(|(pos, h)| ix.place_w::<2>(h, pos)),
            _ => hashes.for_each(|(pos, h)| ix.place_w::<4>(h, pos)),
        }
    }

    /// A table of entries whose keys are distinct (and live), in order:
    /// the index is built once at its final size.
    pub fn from_unique(entries: Vec<Entry>) -> DictTable {
        let mut d = DictTable {
            used: entries.len(),
            entries,
            indices: Index::default(),
            version: next_version(),
        };
        if d.used > 0 {
            d.indices = Index::new(size_for(d.used));
            d.place_all();
        }
        d
    }

    /// `PyDict_Copy`'s table, under a fresh version (a copy is a new key
    /// set for the caches): empty for an empty dict; the table cloned
    /// (deleted entries and index size kept) when at most a third of its
    /// entries are deleted; else the live entries in an index sized by
    /// CPython's `estimate_log2_keysize`.
    pub fn copy(&self) -> DictTable {
        if self.used == 0 {
            return DictTable::new();
        }
        if self.used >= self.entries.len() * 2 / 3 {
            return self.clone_fresh();
        }
        let mut t = DictTable::from_unique(self.iter().cloned().collect());
        t.resize_index(estimated_size(self.used));
        t
    }

    /// The table cloned whole under a fresh version.
    pub fn clone_fresh(&self) -> DictTable {
        let mut t = self.clone();
        t.version = next_version();
        t
    }

    /// Whether merging this table into an empty dict clones it (CPython's
    /// `dict_merge`: no deleted entries, and an index not oversized for
    /// its entries), so the copy has the same index size.
    pub fn clones_into_empty(&self) -> bool {
        let slots = self.indices.len();
        self.used == self.entries.len() && (slots == MIN_SIZE || usable(slots / 2) < self.used)
    }

    /// `dict_merge`'s one resize before merging `incoming` entries: when
    /// they would not fit the usable part of the index, the index takes
    /// CPython's estimate for both sets of keys.
    pub fn presize_for_merge(&mut self, incoming: usize) {
        if usable(self.indices.len()) < incoming {
            self.resize_index(estimated_size(self.used + incoming));
            // Compaction moved entries: cached positions are stale.
            self.version = next_version();
        }
    }
}

/// The sparse index: `size` slots (a power of two) stored 1 byte wide up
/// to 128 slots, 2 up to 32768, else 4 (CPython's int8/int16/int32
/// `dk_indices`; a slot never holds a position >= 2/3 of its size, so
/// the two top values of each width are free for EMPTY and DUMMY). The
/// byte length determines the width: 1-byte indexes are at most 128
/// bytes, 2-byte ones 512 to 65536, 4-byte ones at least 262144.
#[derive(Clone, Default)]
struct Index(Box<[u8]>);

impl Index {
    fn new(size: usize) -> Index {
        // All-ones bytes are EMPTY at every width.
        Index(vec![0xFF; size * width_for(size)].into_boxed_slice())
    }

    #[inline]
    fn width(&self) -> usize {
        let n = self.0.len();
        if n <= 128 {
            1
        } else if n <= 65536 {
            2
        } else {
            4
        }
    }

    /// Number of slots.
    #[inline]
    fn len(&self) -> usize {
        let n = self.0.len();
        if n <= 128 {
            n
        } else if n <= 65536 {
            n >> 1
        } else {
            n >> 2
        }
    }

    #[inline]
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The slot's entry position, EMPTY or DUMMY (EMPTY when out of range).
    #[inline]
    fn get(&self, i: usize) -> u32 {
        match self.width() {
            1 => self.get_w::<1>(i),
            2 => self.get_w::<2>(i),
            _ => self.get_w::<4>(i),
        }
    }

    /// [`Index::get`] for an index known to be `W` bytes a slot wide.
    #[inline(always)]
    fn get_w<const W: usize>(&self, i: usize) -> u32 {
        let b = &self.0;
        match W {
            1 => match b.get(i) {
                Some(&v) if v < 0xFE => u32::from(v),
                Some(&v) => u32::MAX - u32::from(0xFF - v),
                None => EMPTY,
            },
            2 => match b.get(2 * i..2 * i + 2) {
                Some(&[x, y]) => {
                    let v = u16::from_ne_bytes([x, y]);
                    if v < 0xFFFE {
                        u32::from(v)
                    } else {
                        u32::MAX - u32::from(0xFFFF - v)
                    }
                }
                _ => EMPTY,
            },
            _ => match b.get(4 * i..4 * i + 4) {
                Some(&[w, x, y, z]) => u32::from_ne_bytes([w, x, y, z]),
                _ => EMPTY,
            },
        }
    }

    /// Store `pos` in the first EMPTY or DUMMY slot of `hash`'s probe
    /// sequence, for an index `W` bytes a slot wide.
    #[inline(always)]
    fn place_w<const W: usize>(&mut self, hash: i64, pos: usize) {
        let mut p = Probe::new(hash, self.0.len() / W - 1);
        loop {
            let i = p.i;
            match W {
                1 => match self.0.get_mut(i) {
                    Some(s) if *s >= 0xFE => {
                        *s = pos as u8;
                        return;
                    }
                    Some(_) => {}
                    None => return,
                },
                2 => match self
                    .0
                    .get_mut(2 * i..2 * i + 2)
                    .and_then(|s| <&mut [u8; 2]>::try_from(s).ok())
                {
                    Some(s) if u16::from_ne_bytes(*s) >= 0xFFFE => {
                        *s = (pos as u16).to_ne_bytes();
                        return;
                    }
                    Some(_) => {}
                    None => return,
                },
                _ => match self
                    .0
                    .get_mut(4 * i..4 * i + 4)
                    .and_then(|s| <&mut [u8; 4]>::try_from(s).ok())
                {
                    Some(s) if u32::from_ne_bytes(*s) >= DUMMY => {
                        *s = (pos as u32).to_ne_bytes();
                        return;
                    }
                    Some(_) => {}
                    None => return,
                },
            }
            p.advance();
        }
    }

    /// Store a position, EMPTY or DUMMY in slot `i` (ignored out of range).
    #[inline]
    fn set(&mut self, i: usize, v: u32) {
        let w = self.width();
        // EMPTY and DUMMY keep their distance from the top of the width;
        // positions are below both.
        let narrow = |top: u32| if v >= DUMMY { top - (u32::MAX - v) } else { v };
        match w {
            1 => {
                if let Some(s) = self.0.get_mut(i) {
                    *s = narrow(0xFF) as u8;
                }
            }
            2 => {
                if let Some(s) = self.0.get_mut(2 * i..2 * i + 2) {
                    s.copy_from_slice(&(narrow(0xFFFF) as u16).to_ne_bytes());
                }
            }
            _ => {
                if let Some(s) = self.0.get_mut(4 * i..4 * i + 4) {
                    s.copy_from_slice(&v.to_ne_bytes());
                }
            }
        }
    }
}

/// Bytes per slot of an index of `size` slots.
fn width_for(size: usize) -> usize {
    if size <= 128 {
        1
    } else if size <= 32768 {
        2
    } else {
        4
    }
}

/// Usable entries for an index of `size` slots (2/3 of it, as CPython).
fn usable(size: usize) -> usize {
    (size << 1) / 3
}

/// Smallest power-of-two index size >= MIN_SIZE whose usable part holds `n`.
fn size_for(n: usize) -> usize {
    let mut size = MIN_SIZE;
    while usable(size) < n {
        size <<= 1;
    }
    size
}

/// CPython's `1 << estimate_log2_keysize(n)`: the index size for `n`
/// keys, through `calculate_log2_keysize`'s bit arithmetic (which gives
/// 16 slots, not 8, for 1 to 4 keys).
fn estimated_size(n: usize) -> usize {
    let m = ((n * 3).div_ceil(2) | MIN_SIZE) - 1;
    1usize << (usize::BITS - (m | (MIN_SIZE - 1)).leading_zeros())
}

fn size_for_used(minsize: usize) -> usize {
    let mut size = MIN_SIZE;
    while size < minsize {
        size <<= 1;
    }
    size
}

/// A fresh key-set version (see `DictTable::version`). Tables change only
/// under the interpreter lock, so a plain load and store suffice.
fn next_version() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static VERSION: AtomicU64 = AtomicU64::new(1);
    let v = VERSION.load(Ordering::Relaxed).wrapping_add(1);
    VERSION.store(v, Ordering::Relaxed);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ieq(k: i64) -> impl FnMut(&Value) -> Result<bool, ()> {
        move |v| Ok(matches!(v, Value::Int(x) if *x == k))
    }

    #[test]
    fn insert_find_delete_keeps_order() {
        let mut d = DictTable::new();
        for k in 0..100i64 {
            d.insert_new(k % 7, Value::Int(k), Value::Int(k * 2));
        }
        assert_eq!(d.len(), 100);
        for k in 0..100i64 {
            let pos = d.find(k % 7, ieq(k)).unwrap().unwrap();
            assert!(matches!(d.entry(pos).unwrap().value, Value::Int(v) if v == k * 2));
        }
        for k in (0..100i64).step_by(2) {
            let pos = d.find(k % 7, ieq(k)).unwrap().unwrap();
            d.remove_at(pos).unwrap();
        }
        let keys: Vec<i64> = d
            .iter()
            .map(|e| match e.key {
                Value::Int(k) => k,
                _ => -1,
            })
            .collect();
        assert_eq!(keys, (1..100).step_by(2).collect::<Vec<_>>());
        d.insert_new(3, Value::Int(1000), Value::None);
        assert_eq!(d.pop_last().map(|e| e.hash), Some(3));
        assert_eq!(d.len(), 50);
    }

    #[test]
    fn every_index_width_round_trips() {
        for size in [8usize, 128, 256, 32768, 65536] {
            let mut ix = Index::new(size);
            assert_eq!(ix.len(), size);
            assert_eq!(ix.get(size - 1), EMPTY);
            let top = usable(size) as u32 - 1;
            ix.set(0, top);
            ix.set(1, DUMMY);
            ix.set(2, 0);
            assert_eq!((ix.get(0), ix.get(1), ix.get(2)), (top, DUMMY, 0));
            assert_eq!(ix.get(3), EMPTY);
            assert_eq!(ix.get(size), EMPTY);
        }
    }

    #[test]
    fn estimated_sizes_are_cpythons() {
        let got: Vec<usize> = [0, 1, 4, 5, 10, 11, 14, 21, 22]
            .map(estimated_size)
            .to_vec();
        assert_eq!(got, [8, 16, 16, 8, 16, 32, 32, 64, 64]);
    }

    #[test]
    fn large_tables_keep_every_key() {
        let mut d = DictTable::new();
        for k in 0..100_000i64 {
            d.insert_new(k.wrapping_mul(0x9E37_79B9), Value::Int(k), Value::Int(k));
        }
        for k in (0..100_000i64).step_by(997) {
            let pos = d.find(k.wrapping_mul(0x9E37_79B9), ieq(k)).unwrap();
            assert!(pos.is_some());
        }
    }
}
