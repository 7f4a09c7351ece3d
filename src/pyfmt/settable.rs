//! CPython 3.11's set hash table (Objects/setobject.c), reduced to what
//! decides a set's iteration order: `set_add_entry` with linear probing and
//! perturbation, and `set_table_resize` / `set_insert_clean` when the table
//! fills. `marshal.loads` builds a set or frozenset by starting from an
//! empty one (8 slots) and calling `PySet_Add` for each element in stream
//! order, so replaying those insertions gives the order `repr` prints.

/// `PySet_MINSIZE`.
const MINSIZE: usize = 8;
/// `LINEAR_PROBES`.
const LINEAR_PROBES: usize = 9;
/// `PERTURB_SHIFT`.
const PERTURB_SHIFT: u32 = 5;

/// A set table holding item indices (into the caller's element list) and
/// their hashes. Deletions are not modelled (marshal never deletes).
#[derive(Debug, Clone)]
pub struct SetTable {
    slots: Vec<Option<(usize, i64)>>,
    fill: usize,
}

impl Default for SetTable {
    fn default() -> Self {
        Self::new()
    }
}

impl SetTable {
    /// An empty set (`PySet_New(NULL)`): 8 slots.
    pub fn new() -> SetTable {
        SetTable {
            slots: vec![None; MINSIZE],
            fill: 0,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.fill
    }

    pub fn is_empty(&self) -> bool {
        self.fill == 0
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// `set_add_entry(so, key, hash)`: add item `item` with hash `hash`
    /// unless an equal element is present. `eq(existing, item)` decides
    /// equality (identity first, then Python `==`); it is only asked about
    /// elements whose stored hash equals `hash`, as CPython does. Returns
    /// whether the item was added.
    pub fn add<E>(
        &mut self,
        item: usize,
        hash: i64,
        mut eq: impl FnMut(usize, usize) -> Result<bool, E>,
    ) -> Result<bool, E> {
        let mask = self.mask();
        let mut i = (hash as u64 as usize) & mask;
        let mut perturb = hash as u64;
        loop {
            let probes = if i + LINEAR_PROBES <= mask {
                LINEAR_PROBES
            } else {
                0
            };
            for j in i..=i + probes {
                match self.slots.get(j).copied().flatten() {
                    None => {
                        if let Some(slot) = self.slots.get_mut(j) {
                            *slot = Some((item, hash));
                        }
                        self.fill += 1;
                        if self.fill * 5 >= mask * 3 {
                            let used = self.fill;
                            self.resize(if used > 50000 { used * 2 } else { used * 4 });
                        }
                        return Ok(true);
                    }
                    Some((other, h)) => {
                        if h == hash && eq(other, item)? {
                            return Ok(false);
                        }
                    }
                }
            }
            perturb >>= PERTURB_SHIFT;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(1)
                .wrapping_add(perturb as usize))
                & mask;
        }
    }

    /// `set_table_resize(so, minused)`: the smallest power of two above
    /// `minused` (at least 8), entries reinserted in old-table order.
    fn resize(&mut self, minused: usize) {
        let mut newsize = MINSIZE;
        while newsize <= minused {
            newsize <<= 1;
        }
        let old = std::mem::replace(&mut self.slots, vec![None; newsize]);
        for (item, hash) in old.into_iter().flatten() {
            self.insert_clean(item, hash);
        }
    }

    /// `set_insert_clean`: place a key known to be absent.
    fn insert_clean(&mut self, item: usize, hash: i64) {
        let mask = self.mask();
        let mut i = (hash as u64 as usize) & mask;
        let mut perturb = hash as u64;
        loop {
            let probes = if i + LINEAR_PROBES <= mask {
                LINEAR_PROBES
            } else {
                0
            };
            for j in i..=i + probes {
                if let Some(slot @ None) = self.slots.get_mut(j) {
                    *slot = Some((item, hash));
                    return;
                }
            }
            perturb >>= PERTURB_SHIFT;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(1)
                .wrapping_add(perturb as usize))
                & mask;
        }
    }

    /// The items in iteration order (table slot order).
    pub fn items(&self) -> impl Iterator<Item = usize> + '_ {
        self.slots.iter().flatten().map(|&(item, _)| item)
    }

    /// The stored hashes of the elements, in iteration order.
    pub fn hashes(&self) -> impl Iterator<Item = i64> + '_ {
        self.slots.iter().flatten().map(|&(_, h)| h)
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
