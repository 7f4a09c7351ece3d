//! The generational cycle collector (CPython's Modules/gcmodule.c; see
//! docs/gc.md). Reference counting frees everything but cycles; this finds
//! unreachable cycles and breaks them.
//!
//! Tracking: container objects are registered when allocated ([`track`],
//! called by the allocation functions) as a `Weak` in the youngest of three
//! generation lists (one set per interpreter, shared by its threads);
//! dead entries are dropped when their generation is scanned. A collection of generation `g` takes the lists `0..=g`, copies
//! each live object's strong count, subtracts the references the objects
//! hold to each other ([`traverse`]); what stays above zero is referenced
//! from outside (the VM's stacks, untracked holders, older generations)
//! and everything reachable from it survives into the next generation.
//! The rest is garbage: its weakrefs are cleared (callbacks of surviving
//! weakrefs run), `__del__` runs once per object (PEP 442), objects
//! resurrected by a finalizer survive, and the others are cleared
//! ([`clear`]) so reference counting frees them.
//!
//! Collections run only at safe points: an allocation past the threshold
//! sets a flag and wakes the eval loop, which collects before its next
//! instruction (`run_finalizers`), when no Rust code holds a borrow of an
//! object.

use crate::objects::rc::{Rc, Weak};
use std::cell::{Cell, RefCell};

use super::gc_index::AddrIndex;
use super::gc_traverse::{clear, is_container, traverse};
use super::typeobj::{type_data, FLAG_HAS_DEL, FLAG_HEAPTYPE};
use super::{Payload, PyObject};
use crate::vm::value::{PyRef, Value};
use crate::vm::Vm;

pub const DEBUG_STATS: i64 = 1;
pub const DEBUG_COLLECTABLE: i64 = 2;
pub const DEBUG_UNCOLLECTABLE: i64 = 4;
pub const DEBUG_SAVEALL: i64 = 32;

/// The generation lists and the allocation counter (the hot part).
struct Gens {
    lists: [Vec<Weak<PyObject>>; 3],
    /// `gc.freeze()`'s permanent generation.
    permanent: Vec<Weak<PyObject>>,
    /// What start-up made (builtin types, the import system): frozen like
    /// `gc.freeze()` (collections skip it) but not counted by
    /// `gc.get_freeze_count()`; listed as generation 2 ([`boot_end`]).
    boot: Vec<Weak<PyObject>>,
    /// Start-up is running: no automatic collection ([`boot_begin`]).
    booting: bool,
    /// Container allocations since the last collection (generation 0's
    /// count).
    count0: u64,
    /// `count0` above this is a checkpoint: a collection is scheduled, or
    /// with automatic collection off, generation 0's dead entries are
    /// dropped (so a disabled collector does not hold freed memory).
    trigger: u64,
    /// Whether automatic collection is on (enabled, threshold > 0).
    auto: bool,
    /// Generation 2's length that makes the next move into it drop its
    /// dead entries first.
    purge2_at: usize,
    /// Generation 0's length that makes the next allocation drop its dead
    /// entries (frees decrement `count0`, so the count alone does not
    /// bound the list).
    purge0_at: usize,
    /// Containers freed since the older generations last dropped their
    /// dead entries. A dead entry is a `Weak`, which keeps the freed
    /// object's block allocated: without this, objects dying in
    /// generations 1 and 2 (a data structure built, then dropped) kept
    /// their blocks until the next full collection.
    freed: usize,
    /// `freed` above this drops the older generations' dead entries.
    purge_old_at: usize,
}

/// Entries kept before a purge of dead ones is worth it.
const PURGE_MIN: usize = 8192;

/// Per-generation statistics (`gc.get_stats()`).
#[derive(Clone, Copy, Default)]
pub struct GenStats {
    pub collections: i64,
    pub collected: i64,
    pub uncollectable: i64,
}

/// The collector's settings and counters.
pub struct Ctl {
    pub enabled: bool,
    pub thresholds: [i64; 3],
    /// Generations 1 and 2's counts (collections of the younger one).
    pub counts: [i64; 3],
    pub debug: i64,
    pub stats: [GenStats; 3],
    long_lived_total: usize,
    long_lived_pending: usize,
}

crate::interp_local! {
    /// The generation lists, shared by the interpreter's threads (reached
    /// through [`GENS`]).
    static GENS_SLOT: RefCell<Gens> = const {
        RefCell::new(Gens {
            lists: [Vec::new(), Vec::new(), Vec::new()],
            permanent: Vec::new(),
            boot: Vec::new(),
            booting: false,
            count0: 0,
            trigger: 700,
            auto: true,
            purge2_at: PURGE_MIN,
            purge0_at: PURGE_MIN,
            freed: 0,
            purge_old_at: PURGE_MIN,
        })
    };
    /// A collection is due at the next safe point.
    static DUE: Cell<bool> = const { Cell::new(false) };
}

std::thread_local! {
    /// This thread's pointer to its interpreter's `GENS_SLOT` (null until
    /// first used): one thread-local read per allocation.
    static GENS_PTR: Cell<*const RefCell<Gens>> = const { Cell::new(std::ptr::null()) };
}

/// The interpreter's generation lists (`GENS.try_with(|g| ...)`).
struct GensKey;

static GENS: GensKey = GensKey;

impl GensKey {
    #[inline(always)]
    fn try_with<R>(&'static self, f: impl FnOnce(&RefCell<Gens>) -> R) -> Result<R, ()> {
        let mut p = GENS_PTR.try_with(Cell::get).map_err(|_| ())?;
        if p.is_null() {
            p = gens_ptr_init();
        }
        // SAFETY: `p` points at the value of an `interp_local!` slot, which
        // lives in a leaked table and is never replaced once made (see
        // InterpLocal::with), so it is valid for the rest of the process.
        // It is only used by the thread holding the interpreter's lock
        // (every allocation and collection runs interpreter code), and the
        // RefCell guards re-entrant use on that thread.
        Ok(f(unsafe { &*p }))
    }
}

#[cold]
fn gens_ptr_init() -> *const RefCell<Gens> {
    let p = GENS_SLOT.with(|g| g as *const RefCell<Gens>);
    let _ = GENS_PTR.try_with(|c| c.set(p));
    p
}

crate::interp_local! {
    static CTL: RefCell<Ctl> = const {
        RefCell::new(Ctl {
            enabled: true,
            thresholds: [700, 10, 10],
            counts: [0; 3],
            debug: 0,
            stats: [GenStats { collections: 0, collected: 0, uncollectable: 0 }; 3],
            long_lived_total: 0,
            long_lived_pending: 0,
        })
    };
    /// A collection is running (no nested one starts).
    static COLLECTING: Cell<bool> = const { Cell::new(false) };
    /// `gc.callbacks` and `gc.garbage` (set by the gc module).
    static LISTS: RefCell<Option<(PyRef, PyRef)>> = const { RefCell::new(None) };
}

/// Register a newly allocated object with the collector when its layout
/// can hold references.
#[inline]
pub fn track_new(o: &PyRef) {
    if is_container(&o.payload) {
        track(o);
    }
}

/// Register `o` in the youngest generation (a `Weak` push and a count).
#[inline]
pub fn track(o: &PyRef) {
    let _ = GENS.try_with(|g| {
        if let Ok(mut g) = g.try_borrow_mut() {
            g.lists[0].push(Rc::downgrade(o));
            g.count0 += 1;
            if g.count0 > g.trigger || g.lists[0].len() > g.purge0_at {
                checkpoint(&mut g);
            }
        }
    });
}

/// Forget the registered instances of `cls`, a class made untracked
/// (`typeobj::FLAG_UNTRACKED`) after some of its instances were made.
pub fn untrack_instances_of(cls: &PyRef) {
    let _ = GENS.try_with(|g| {
        if let Ok(mut g) = g.try_borrow_mut() {
            let g = &mut *g;
            let before = g.lists[0].len();
            let [l0, l1, l2] = &mut g.lists;
            for l in [l0, l1, l2, &mut g.permanent, &mut g.boot] {
                l.retain(|w| w.upgrade().is_none_or(|o| !o.class_is(cls)));
            }
            let gone = before.saturating_sub(g.lists[0].len());
            g.count0 = g.count0.saturating_sub(gone.try_into().unwrap_or(0));
        }
    });
}

/// How many of generation 0's newest entries a freed container looks
/// through for its own (most objects die young, newest first).
const TAIL: usize = 8;

/// The container at `p` is being freed (from `PyObject`'s `Drop`).
///
/// When `counted`, generation 0's count goes down (CPython's
/// `PyObject_GC_Del`), so allocating and freeing does not schedule
/// collections. When its entry is among generation 0's newest (a
/// temporary: most containers die right after the ones made after them),
/// the entry goes now: the `Weak` would keep the freed object's block
/// allocated until a purge, so the allocator would hand out fresh, cold
/// blocks instead of this one. Other dead entries wait for a purge.
#[inline(always)]
pub fn note_free(p: *const PyObject, counted: bool) {
    let _ = GENS.try_with(|g| {
        if let Ok(mut g) = g.try_borrow_mut() {
            if counted {
                g.count0 = g.count0.saturating_sub(1);
            }
            let l = &mut g.lists[0];
            let n = l.len();
            // The newest entry (a container freed before the next one was
            // made), then the second newest (a temporary freed once the
            // next object was made: `t = (a, b)` in a loop frees the old
            // tuple after making the new one; the newest takes its place,
            // with no `remove`'s memmove call), then the rest of the tail.
            // Dropping the `Weak` only lowers the weak count: the object's
            // own (implicit) weak reference keeps the block until the `Rc`
            // that is freeing it lets go.
            if l.last().is_some_and(|w| w.points_to(p)) {
                drop(l.pop());
                return;
            }
            if n >= 2 && l.get(n - 2).is_some_and(|w| w.points_to(p)) {
                let w = l
                    .pop()
                    .and_then(|last| l.get_mut(n - 2).map(|s| std::mem::replace(s, last)));
                drop(w);
                return;
            }
            let lo = n.saturating_sub(TAIL);
            let found = l
                .get(lo..n.saturating_sub(2))
                .and_then(|t| t.iter().rposition(|w| w.points_to(p)));
            if let Some(k) = found {
                drop(l.remove(lo + k));
                return;
            }
            if counted {
                g.freed += 1;
                if g.freed > g.purge_old_at {
                    purge_old(&mut g);
                }
            }
        }
    });
}

/// Drop the dead entries of generations 1 and 2 (generation 0 has its
/// own purge, at allocation): the next purge comes after as many frees as
/// an eighth of the entries left, so dead blocks stay a bounded fraction of
/// the live ones at a constant cost per free (a half kept 4-8 MB more of
/// pyperformance's async_tree in dead 64-byte blocks).
#[cold]
fn purge_old(g: &mut Gens) {
    let [_, l1, l2] = &mut g.lists;
    l1.retain(|w| w.strong_count() > 0);
    l2.retain(|w| w.strong_count() > 0);
    g.freed = 0;
    g.purge_old_at = PURGE_MIN.max((l1.len() + l2.len()) / 8);
    g.purge2_at = PURGE_MIN.max(2 * l2.len());
}

#[cold]
fn checkpoint(g: &mut Gens) {
    if g.auto && g.count0 > g.trigger {
        g.trigger = u64::MAX;
        schedule();
    }
    if g.lists[0].len() > g.purge0_at {
        g.lists[0].retain(|w| w.strong_count() > 0);
        g.purge0_at = PURGE_MIN.max(2 * g.lists[0].len());
    }
}

#[cold]
fn schedule() {
    let _ = DUE.try_with(|d| d.set(true));
    super::finalize::wake();
}

/// Whether an allocation asked for a collection (checked with the
/// finalizers at the eval loop's safe point).
#[inline]
pub fn due() -> bool {
    DUE.try_with(Cell::get).unwrap_or(false)
}

/// Recompute when an allocation schedules a collection.
fn rearm() {
    let (enabled, t0) = with_ctl(|c| (c.enabled, c.thresholds[0])).unwrap_or((false, 0));
    let _ = GENS.try_with(|g| {
        if let Ok(mut g) = g.try_borrow_mut() {
            g.auto = enabled && t0 > 0 && !g.booting;
            g.trigger = if g.auto {
                u64::try_from(t0).unwrap_or(u64::MAX - 1)
            } else {
                u64::MAX
            };
            if g.count0 > g.trigger {
                checkpoint(&mut g);
            }
        }
    });
}

/// Run `f` on the collector's settings.
pub fn with_ctl<R>(f: impl FnOnce(&mut Ctl) -> R) -> Option<R> {
    CTL.try_with(|c| c.try_borrow_mut().ok().map(|mut c| f(&mut c)))
        .ok()
        .flatten()
}

/// Settings changed (`enable`, `disable`, `set_threshold`).
pub fn settings_changed() {
    rearm();
}

/// `gc.get_count()`.
pub fn get_count() -> [i64; 3] {
    let c0 = GENS
        .try_with(|g| {
            g.try_borrow()
                .map(|g| i64::try_from(g.count0).unwrap_or(i64::MAX))
                .unwrap_or(0)
        })
        .unwrap_or(0);
    let c = with_ctl(|c| c.counts).unwrap_or([0; 3]);
    [c0, c[1], c[2]]
}

/// The gc module's `callbacks` and `garbage` lists.
pub fn set_lists(callbacks: PyRef, garbage: PyRef) {
    let _ = LISTS.try_with(|l| {
        if let Ok(mut l) = l.try_borrow_mut() {
            *l = Some((callbacks, garbage));
        }
    });
}

fn lists() -> Option<(PyRef, PyRef)> {
    LISTS
        .try_with(|l| l.try_borrow().ok().and_then(|l| l.clone()))
        .ok()
        .flatten()
}

/// The live objects of the given generations (all when `None`), oldest
/// generation first... in list order.
pub fn objects(gen: Option<usize>) -> Vec<PyRef> {
    GENS.try_with(|g| {
        let Ok(g) = g.try_borrow() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if gen.is_none_or(|x| x == 2) {
            out.extend(g.boot.iter().filter_map(Weak::upgrade));
        }
        for (i, l) in g.lists.iter().enumerate() {
            if gen.is_none_or(|x| x == i) {
                out.extend(l.iter().filter_map(Weak::upgrade));
            }
        }
        out
    })
    .unwrap_or_default()
}

/// Whether `o` is registered in a generation (or frozen).
pub fn is_registered(o: &PyRef) -> bool {
    let p = Rc::as_ptr(o);
    GENS.try_with(|g| {
        g.try_borrow().is_ok_and(|g| {
            g.lists
                .iter()
                .chain([&g.permanent, &g.boot])
                .any(|l| l.iter().any(|w| std::ptr::eq(w.as_ptr(), p)))
        })
    })
    .unwrap_or(false)
}

/// `gc.freeze()`: move every tracked object to the permanent generation.
pub fn freeze() {
    let _ = GENS.try_with(|g| {
        if let Ok(mut g) = g.try_borrow_mut() {
            let g = &mut *g;
            g.permanent.append(&mut g.boot);
            for l in g.lists.iter_mut() {
                g.permanent.append(l);
            }
            g.count0 = 0;
        }
    });
    let _ = with_ctl(|c| c.counts = [0; 3]);
}

/// Start-up begins: no automatic collection until [`boot_end`] (what it
/// allocates lives as long as the interpreter).
pub fn boot_begin() {
    let _ = GENS.try_with(|g| {
        if let Ok(mut g) = g.try_borrow_mut() {
            g.booting = true;
        }
    });
    let _ = DUE.try_with(|d| d.set(false));
    rearm();
}

/// Start-up is done: every object tracked so far is set aside like
/// `gc.freeze()` does (CPython's collections would scan them and find
/// nothing to free), so collections, the one at exit included, cost only
/// what the program itself made.
pub fn boot_end() {
    let _ = GENS.try_with(|g| {
        if let Ok(mut g) = g.try_borrow_mut() {
            let g = &mut *g;
            g.booting = false;
            for l in g.lists.iter_mut() {
                g.boot.append(l);
            }
            g.boot.retain(|w| w.strong_count() > 0);
            g.count0 = CPYTHON_START_COUNTS[0] as u64;
            g.purge0_at = PURGE_MIN;
        }
    });
    let _ = with_ctl(|c| {
        c.counts = CPYTHON_START_COUNTS;
        c.stats = CPYTHON_START_STATS;
    });
    let _ = DUE.try_with(|d| d.set(false));
    rearm();
}

/// The collector's state where `python3.11 script.pyc` starts the script
/// (`gc.get_count()` is (242, 0, 2) at its first line), less the 29
/// containers pycvm's own setup of `__main__` adds. CPython's start-up
/// (site included) ran 22 collections of generation 0 and 2 of
/// generation 1: starting from the same counts, the program's collections
/// come when CPython's do. From zero, a full collection came one
/// generation-1 cycle later than CPython's: benches/programs/deltablue
/// held a sixth more garbage at its peak (gen2 collections in repeats 6
/// and 11, CPython's in 5, 10 and 15).
const CPYTHON_START_COUNTS: [i64; 3] = [213, 0, 2];

/// `gc.get_stats()` at the same point (CPython's start-up collections).
const CPYTHON_START_STATS: [GenStats; 3] = [
    GenStats {
        collections: 22,
        collected: 43,
        uncollectable: 0,
    },
    GenStats {
        collections: 2,
        collected: 92,
        uncollectable: 0,
    },
    GenStats {
        collections: 0,
        collected: 0,
        uncollectable: 0,
    },
];

/// `gc.unfreeze()`: back into the oldest generation.
pub fn unfreeze() {
    let _ = GENS.try_with(|g| {
        if let Ok(mut g) = g.try_borrow_mut() {
            let g = &mut *g;
            g.lists[2].append(&mut g.permanent);
        }
    });
}

/// `gc.get_freeze_count()`.
pub fn freeze_count() -> usize {
    GENS.try_with(|g| {
        g.try_borrow_mut().map_or(0, |mut g| {
            g.permanent.retain(|w| w.strong_count() > 0);
            g.permanent.len()
        })
    })
    .unwrap_or(0)
}

fn addr(o: &PyObject) -> usize {
    o as *const PyObject as usize
}

/// `Young::reachable`'s mark of an object that is not a member.
const NOT_MEMBER: i32 = i32::MIN;

/// The objects of one collection, found from a reference by their tag
/// (while tagged) or by address (the garbage, afterwards).
///
/// While the reachable members are worked out, every member's weak count
/// is stood aside in `saved` and its index in `objs` is in its place
/// (`Rc::gc_tag`: CPython keeps `gc_refs` in the header): looking a
/// referenced object up is one load, and no address table is built (16
/// bytes an object, the largest part of a full collection's memory at a
/// program's peak). The tags go ([`Young::untag`]) before anything makes
/// or drops a weak reference (survivors' list entries, finalizers,
/// weakref callbacks); the garbage is then indexed by address.
struct Young {
    objs: Vec<PyRef>,
    /// The members' weak counts while they are tagged; empty otherwise.
    saved: Vec<u32>,
    /// Whether the members are tagged (else `index` answers).
    tagged: bool,
    /// The garbage by address, once untagged (None: no garbage).
    index: Option<AddrIndex>,
}

impl Young {
    fn find(&self, v: &Value) -> Option<usize> {
        match v {
            Value::Obj(o) => self.find_ref(o),
            _ => None,
        }
    }

    #[inline(always)]
    fn find_ref(&self, o: &PyRef) -> Option<usize> {
        if self.tagged {
            Rc::gc_tag_of(o)
        } else {
            self.index.as_ref()?.get(addr(o))
        }
    }

    /// The members from `taken` (each once), tagged.
    fn tagged_from(taken: Vec<Weak<PyObject>>) -> Young {
        let mut y = Young {
            objs: Vec::with_capacity(taken.len()),
            saved: Vec::with_capacity(taken.len()),
            tagged: true,
            index: None,
        };
        // A repeated entry's `Weak` is dropped once its object is untagged.
        let mut repeats = Vec::new();
        for w in taken {
            let Some(o) = w.upgrade() else {
                continue;
            };
            if Rc::gc_tag_of(&o).is_some() {
                repeats.push(w);
                continue;
            }
            drop(w);
            // SAFETY: until `untag` (below, and on every path out of the
            // collection's marking) nothing makes or drops a weak
            // reference to a member: the marking only traverses and
            // reads strong counts, and the repeated entries' `Weak`s wait
            // in `repeats`.
            if let Some(s) = unsafe { Rc::gc_tag(&o, y.objs.len()) } {
                y.saved.push(s);
                y.objs.push(o);
            }
        }
        if repeats.is_empty() {
            return y;
        }
        y.untag();
        y.retag_and(repeats)
    }

    /// Drop `repeats` while untagged, then tag the members again.
    fn retag_and(mut self, repeats: Vec<Weak<PyObject>>) -> Young {
        drop(repeats);
        self.saved.clear();
        for (i, o) in self.objs.iter().enumerate() {
            // SAFETY: as in `tagged_from`; each member once.
            if let Some(s) = unsafe { Rc::gc_tag(o, i) } {
                self.saved.push(s);
            }
        }
        self.tagged = true;
        self
    }

    /// Give the members their weak counts back.
    fn untag(&mut self) {
        if !self.tagged {
            return;
        }
        for (o, &s) in self.objs.iter().zip(&self.saved) {
            // SAFETY: `o` was tagged and `s` is what tagging returned.
            unsafe { Rc::gc_untag(o, s) };
        }
        self.saved = Vec::new();
        self.tagged = false;
    }

    /// Index `members` by address (after `untag`): the later phases look
    /// up only whether an object is one of them.
    fn index_only(&mut self, members: &[usize]) {
        let (mut lo, mut hi) = (usize::MAX, 0);
        for &i in members {
            if let Some(o) = self.objs.get(i) {
                let a = addr(o);
                (lo, hi) = (lo.min(a), hi.max(a));
            }
        }
        let mut index = AddrIndex::with_bounds(members.len(), lo, hi);
        for &i in members {
            if let Some(o) = self.objs.get(i) {
                index.insert(addr(o), i);
            }
        }
        self.index = Some(index);
    }

    /// Which of `members` are reachable from outside them: copy the strong
    /// counts (less the one `objs` holds), subtract the references among
    /// the members, and propagate from what stays above zero.
    ///
    /// `members` `None` means every object (the whole collection): then
    /// no list of them and no position table is built, which at a large
    /// collection (often the program's memory peak) is 12 bytes an object.
    fn reachable(&self, members: Option<&[usize]>) -> Vec<bool> {
        match members {
            Some(m) => self.reachable_of(m.iter().copied(), m.len(), false),
            None => self.reachable_of(0..self.objs.len(), self.objs.len(), true),
        }
    }

    /// `reachable` over the `count` members `members` yields; `identity`:
    /// they are `0..objs.len()` in order.
    fn reachable_of(
        &self,
        members: impl Iterator<Item = usize> + Clone,
        count: usize,
        identity: bool,
    ) -> Vec<bool> {
        let n = self.objs.len();
        // `refs[i]` is member `i`'s `gc_refs`; [`NOT_MEMBER`] otherwise.
        let mut refs = vec![NOT_MEMBER; n];
        for i in members.clone() {
            if let (Some(o), Some(r)) = (self.objs.get(i), refs.get_mut(i)) {
                *r = i32::try_from(Rc::strong_count(o)).unwrap_or(i32::MAX) - 1;
            }
        }
        if identity && count > LARGE_COLLECTION {
            return self.reachable_by_traversal(refs);
        }
        // The references among the members, found once (one address
        // lookup per reference) and kept for the propagation: the `k`th
        // member's targets are `targets[start[k]..start[k + 1]]`.
        let mut start: Vec<u32> = Vec::with_capacity(count + 1);
        let mut targets: Vec<u32> = Vec::with_capacity(count * 4);
        for i in members.clone() {
            let first = targets.len();
            start.push(first as u32);
            let Some(o) = self.objs.get(i) else {
                continue;
            };
            traverse(o, &mut |v| {
                if let Value::Obj(t) = v {
                    if let Some(j) = self.find_ref(t) {
                        if let Some(r) = refs.get_mut(j) {
                            if *r != NOT_MEMBER {
                                *r -= 1;
                                // A repeat of the member's last target adds
                                // nothing to the propagation (`[x] * n`).
                                if targets.len() == first || targets.last() != Some(&(j as u32)) {
                                    targets.push(j as u32);
                                }
                            }
                        }
                    }
                }
            });
        }
        start.push(targets.len() as u32);
        // Member position of each object index, for the propagation (the
        // identity when every object is a member).
        let mut pos = Vec::new();
        if !identity {
            pos = vec![u32::MAX; n];
            for (k, i) in members.clone().enumerate() {
                if let Some(p) = pos.get_mut(i) {
                    *p = k as u32;
                }
            }
        }
        let mut reached = vec![false; n];
        let mut stack: Vec<usize> = Vec::new();
        for i in members {
            if refs.get(i).is_some_and(|&r| r > 0) && !reached[i] {
                reached[i] = true;
                stack.push(i);
            }
        }
        drop(refs);
        while let Some(i) = stack.pop() {
            let k = if identity {
                i
            } else {
                pos.get(i).copied().unwrap_or(u32::MAX) as usize
            };
            let (Some(&a), Some(&b)) = (start.get(k), start.get(k + 1)) else {
                continue;
            };
            for &j in targets.get(a as usize..b as usize).unwrap_or(&[]) {
                let j = j as usize;
                if !reached[j] {
                    reached[j] = true;
                    stack.push(j);
                }
            }
        }
        reached
    }

    /// `reachable_of` for a large collection of every object: the
    /// references are found by traversing each object twice (once to
    /// count them, then again for the objects found reachable), CPython's
    /// way, instead of being kept between the two passes. A large
    /// collection is a full one holding a program's accumulated garbage,
    /// at its memory peak, where the kept references (16 bytes an object
    /// for deltablue's 94,000) cost more than traversing the survivors
    /// again, as the garbage is not traversed twice.
    fn reachable_by_traversal(&self, mut refs: Vec<i32>) -> Vec<bool> {
        let n = self.objs.len();
        for o in &self.objs {
            traverse(o, &mut |v| {
                if let Value::Obj(t) = v {
                    if let Some(r) = self.find_ref(t).and_then(|j| refs.get_mut(j)) {
                        *r -= 1;
                    }
                }
            });
        }
        let mut reached = vec![false; n];
        let mut stack: Vec<usize> = Vec::new();
        for (i, &r) in refs.iter().enumerate() {
            if r > 0 {
                if let Some(x) = reached.get_mut(i) {
                    *x = true;
                }
                stack.push(i);
            }
        }
        drop(refs);
        while let Some(i) = stack.pop() {
            let Some(o) = self.objs.get(i) else {
                continue;
            };
            traverse(o, &mut |v| {
                if let Value::Obj(t) = v {
                    if let Some(j) = self.find_ref(t) {
                        if let Some(x) = reached.get_mut(j).filter(|x| !**x) {
                            *x = true;
                            stack.push(j);
                        }
                    }
                }
            });
        }
        reached
    }
}

/// Members above which a full collection does not keep the references it
/// found between its passes (see `reachable_by_traversal`).
const LARGE_COLLECTION: usize = 1 << 15;

/// Whether a tuple item may be tracked (`_PyObject_GC_MAY_BE_TRACKED`).
fn may_be_tracked(v: &Value, y: &Young, untracked: &[bool]) -> bool {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(_) => !y
                .find(v)
                .is_some_and(|j| untracked.get(j).copied().unwrap_or(false)),
            p => {
                is_container(p) || o.has_attrs() || {
                    o.class()
                        .as_ref()
                        .and_then(type_data)
                        .is_some_and(|t| t.has_flag(FLAG_HEAPTYPE))
                }
            }
        },
        _ => false,
    }
}

/// Whether `v` would be tracked in CPython (atomic values and tuples and
/// dicts holding only atomic values are not).
pub fn value_may_be_tracked(v: &Value, depth: u32) -> bool {
    let Value::Obj(o) = v else {
        return false;
    };
    if depth > 8 {
        return true;
    }
    match &o.payload {
        Payload::Tuple(items) => items.iter().any(|x| value_may_be_tracked(x, depth + 1)),
        Payload::Dict(_) if !heap_instance(o) => dict_may_be_tracked(o, depth),
        p => is_container(p) || o.has_attrs() || heap_instance(o),
    }
}

/// Whether a dict holds something trackable (CPython tracks a dict only
/// from the first such insertion).
pub fn dict_may_be_tracked(o: &PyObject, depth: u32) -> bool {
    match &o.payload {
        Payload::Dict(t) => t.try_borrow().map_or(true, |t| {
            t.iter().any(|e| {
                value_may_be_tracked(&e.key, depth + 1) || value_may_be_tracked(&e.value, depth + 1)
            })
        }),
        _ => true,
    }
}

fn heap_instance(o: &PyObject) -> bool {
    o.class()
        .as_ref()
        .and_then(type_data)
        .is_some_and(|t| t.has_flag(FLAG_HEAPTYPE))
}

/// The dicts among `garbage` that only their owner's `__dict__` slot
/// references, owned by an instance of a class (CPython 3.11 keeps such
/// attributes in the instance, no dict object) or an empty one owned by a
/// function (CPython makes it on first use): they are not counted.
fn inline_dicts(y: &Young, garbage: &[usize], is_garbage: &[bool]) -> Vec<bool> {
    let mut inline = vec![false; y.objs.len()];
    for &i in garbage {
        let Some(o) = y.objs.get(i) else {
            continue;
        };
        let function = matches!(o.payload, Payload::Function(_));
        if !function && !matches!(o.payload, Payload::Object) {
            continue;
        }
        // (A clone: the owner's, the young list's and this one.)
        let Some(d) = o.dict_made() else {
            continue;
        };
        let d = &d;
        if Rc::strong_count(d) != 3 {
            continue;
        }
        // A function's dict exists in CPython once an attribute was set.
        let empty = match &d.payload {
            Payload::Dict(t) => t.try_borrow().is_ok_and(|t| t.is_empty()),
            _ => false,
        };
        if function && !empty {
            continue;
        }
        if let Some(j) = y.find_ref(d) {
            if is_garbage.get(j).copied().unwrap_or(false) {
                inline[j] = true;
            }
        }
    }
    inline
}

impl Vm {
    /// The automatic collection an allocation scheduled
    /// (`gc_collect_generations`): the oldest generation whose count
    /// exceeds its threshold, a full collection only when enough objects
    /// survived into the oldest generation since the last one.
    pub fn gc_collect_due(&mut self) {
        let _ = DUE.try_with(|d| d.set(false));
        if COLLECTING.try_with(Cell::get).unwrap_or(true) {
            return;
        }
        let Some((enabled, counts, thresholds, pending, total)) = with_ctl(|c| {
            (
                c.enabled,
                c.counts,
                c.thresholds,
                c.long_lived_pending,
                c.long_lived_total,
            )
        }) else {
            return;
        };
        let count0 = get_count()[0];
        let counts = [count0, counts[1], counts[2]];
        if !enabled || thresholds[0] <= 0 {
            rearm();
            return;
        }
        for g in (0..3).rev() {
            if counts[g] > thresholds[g] {
                if g == 2 && pending < total / 4 {
                    continue;
                }
                self.gc_collect_with_callback(g);
                return;
            }
        }
        rearm();
    }

    /// Collect generation `gen` (and the younger ones), calling
    /// `gc.callbacks` around it; returns the number of unreachable
    /// objects found.
    pub fn gc_collect_with_callback(&mut self, gen: usize) -> i64 {
        if COLLECTING.try_with(Cell::get).unwrap_or(true) {
            return 0;
        }
        self.gc_invoke_callbacks("start", gen, 0, 0);
        let _ = COLLECTING.try_with(|c| c.set(true));
        let (m, n) = self.gc_collect_main(gen);
        let _ = COLLECTING.try_with(|c| c.set(false));
        // Allocations during the collection may have asked for another.
        rearm();
        self.gc_invoke_callbacks("stop", gen, m, n);
        m + n
    }

    /// The collection at exit (`_PyGC_CollectNoFail`): runs even when the
    /// collector is disabled, without `gc.callbacks`.
    /// Returns the number of unreachable objects found (-1: none
    /// looked for, a collection was under way).
    pub fn gc_collect_at_exit(&mut self) -> i64 {
        if COLLECTING.try_with(Cell::get).unwrap_or(true) {
            return -1;
        }
        let _ = COLLECTING.try_with(|c| c.set(true));
        let (m, n) = self.gc_collect_main(2);
        let _ = COLLECTING.try_with(|c| c.set(false));
        rearm();
        self.run_gen_finalizers();
        self.run_finalizers();
        m + n
    }

    fn gc_invoke_callbacks(&mut self, phase: &str, gen: usize, m: i64, n: i64) {
        let Some((callbacks, _)) = lists() else {
            return;
        };
        let cbs = match &callbacks.payload {
            Payload::List(l) => l.try_borrow().map(|l| l.clone()).unwrap_or_default(),
            _ => return,
        };
        if cbs.is_empty() {
            return;
        }
        let info = self.new_dict();
        for (k, v) in [
            ("generation", gen as i64),
            ("collected", m),
            ("uncollectable", n),
        ] {
            let key = self.new_str(k);
            let _ = self.dict_set(&info, key, Value::Int(v));
        }
        let phase = self.new_str(phase);
        for cb in cbs {
            if let Err(e) = self.call(&cb, &[phase.clone(), Value::Obj(info.clone())]) {
                self.write_unraisable(&e, &cb);
            }
        }
    }

    /// `gc_collect_main`: returns (collected, uncollectable).
    fn gc_collect_main(&mut self, gen: usize) -> (i64, i64) {
        let gen = gen.min(2);
        let debug = with_ctl(|c| {
            if gen < 2 {
                c.counts[gen + 1] += 1;
            }
            for x in c.counts.iter_mut().take(gen + 1) {
                *x = 0;
            }
            c.debug
        })
        .unwrap_or(0);
        if debug & DEBUG_STATS != 0 {
            self.flush_stdout();
            eprintln!("gc: collecting generation {gen}...");
        }
        // Take the lists: generation `gen` first, then the younger ones.
        let taken: Vec<Weak<PyObject>> = GENS
            .try_with(|g| {
                let Ok(mut g) = g.try_borrow_mut() else {
                    return Vec::new();
                };
                let mut all = std::mem::take(&mut g.lists[gen]);
                for i in 0..gen {
                    all.append(&mut g.lists[i]);
                }
                g.count0 = 0;
                g.purge0_at = PURGE_MIN;
                all
            })
            .unwrap_or_default();
        rearm();
        let mut y = Young::tagged_from(taken);
        let mut reached = y.reachable(None);
        // Survivors move on (tuples of atomic values are untracked: their
        // `reached` goes false, and they are not garbage).
        let target = (gen + 1).min(2);
        let mut untracked = vec![false; y.objs.len()];
        let mut unreachable = Vec::new();
        for (i, o) in y.objs.iter().enumerate() {
            if reached[i] {
                if let Payload::Tuple(items) = &o.payload {
                    if !items.iter().any(|v| may_be_tracked(v, &y, &untracked)) {
                        if let Some(u) = untracked.get_mut(i) {
                            *u = true;
                        }
                        reached[i] = false;
                    }
                }
            } else {
                unreachable.push(i);
            }
        }
        drop(untracked);
        y.untag();
        // Sized once (a collection of the old generation comes at the
        // program's memory peak, where doubling as it grew left up to
        // twice the room).
        let mut survivors = Vec::with_capacity(reached.iter().filter(|&&r| r).count());
        for (o, _) in y.objs.iter().zip(&reached).filter(|(_, &r)| r) {
            survivors.push(Rc::downgrade(o));
        }
        drop(reached);
        if !unreachable.is_empty() {
            y.index_only(&unreachable);
        }
        let nsurv = survivors.len();
        self.gc_keep(target, survivors);
        let _ = with_ctl(|c| {
            if gen == 1 {
                c.long_lived_pending += nsurv;
            } else if gen == 2 {
                c.long_lived_pending = 0;
                c.long_lived_total = nsurv;
            }
        });
        let (m, n) = if unreachable.is_empty() {
            (0, 0)
        } else {
            self.gc_handle_garbage(&mut y, unreachable, target, debug)
        };
        let _ = with_ctl(|c| {
            if let Some(s) = c.stats.get_mut(gen) {
                s.collections += 1;
                s.collected += m;
                s.uncollectable += n;
            }
        });
        if debug & DEBUG_STATS != 0 {
            self.flush_stdout();
            eprintln!("gc: done, {m} unreachable, {n} uncollectable.");
        }
        let Young { objs, index, .. } = y;
        if let Some(index) = index {
            index.recycle();
        }
        drop(objs);
        (m, n)
    }

    /// Append weak entries to generation `target`.
    fn gc_keep(&mut self, target: usize, mut objs: Vec<Weak<PyObject>>) {
        let _ = GENS.try_with(|g| {
            if let Ok(mut g) = g.try_borrow_mut() {
                let g = &mut *g;
                if let Some(l) = g.lists.get_mut(target) {
                    if l.is_empty() {
                        // The list was taken by this collection: the
                        // survivors' buffer becomes it, not a copy of it.
                        std::mem::swap(l, &mut objs);
                    } else {
                        l.append(&mut objs);
                    }
                    // Objects die in the oldest generation without a
                    // collection noticing: drop their entries now and then.
                    if target == 2 && l.len() > g.purge2_at {
                        l.retain(|w| w.strong_count() > 0);
                        g.purge2_at = PURGE_MIN.max(2 * l.len());
                    }
                }
            }
        });
    }

    /// Weakrefs, finalizers, resurrection, then clearing.
    fn gc_handle_garbage(
        &mut self,
        y: &mut Young,
        unreachable: Vec<usize>,
        target: usize,
        debug: i64,
    ) -> (i64, i64) {
        let mut is_garbage = vec![false; y.objs.len()];
        for &i in &unreachable {
            is_garbage[i] = true;
        }
        if debug & DEBUG_COLLECTABLE != 0 {
            self.flush_stdout();
            for &i in &unreachable {
                if let Some(o) = y.objs.get(i) {
                    let v = Value::Obj(o.clone());
                    eprintln!("gc: collectable <{} {:#x}>", self.type_name_of(&v), addr(o));
                }
            }
        }
        // Clear the weakrefs to garbage; call the callbacks of the
        // weakrefs that are not garbage themselves.
        let mut callbacks = Vec::new();
        for &i in &unreachable {
            if let Some(o) = y.objs.get(i) {
                for (wr, cb) in super::weakref::clear_for_gc(o) {
                    let wr_garbage = y
                        .find(&Value::Obj(wr.clone()))
                        .is_some_and(|j| is_garbage[j]);
                    if !wr_garbage {
                        callbacks.push((wr, cb));
                    }
                }
            }
        }
        let ran_code = !callbacks.is_empty();
        for (wr, cb) in callbacks {
            if let Err(e) = self.call(&cb, &[Value::Obj(wr)]) {
                self.write_unraisable(&e, &cb);
            }
        }
        // PEP 442 finalizers, once per object.
        let mut finalized_any = false;
        for &i in &unreachable {
            let Some(o) = y.objs.get(i).cloned() else {
                continue;
            };
            if self.gc_finalize(&o) {
                finalized_any = true;
            }
        }
        // What a finalizer left unreferenced (it broke its own cycle) dies
        // now by reference counting, as in CPython, and is not counted.
        let unreachable = if finalized_any || ran_code {
            self.gc_release_unreferenced(y, unreachable)
        } else {
            unreachable
        };
        // Objects a finalizer resurrected survive, with all they reach.
        let garbage: Vec<usize> = if finalized_any {
            let reached = y.reachable(Some(&unreachable));
            let (alive, dead): (Vec<usize>, Vec<usize>) =
                unreachable.into_iter().partition(|&i| reached[i]);
            let keep: Vec<Weak<PyObject>> = alive
                .iter()
                .filter_map(|&i| y.objs.get(i).map(Rc::downgrade))
                .collect();
            self.gc_keep(target, keep);
            for &i in &alive {
                is_garbage[i] = false;
            }
            dead
        } else {
            unreachable
        };
        // Not counted: inline instance dicts, and dicts CPython would not
        // track (only atomic contents).
        let mut inline = inline_dicts(y, &garbage, &is_garbage);
        for &i in &garbage {
            if let Some(o) = y.objs.get(i) {
                if matches!(o.payload, Payload::Dict(_)) && !dict_may_be_tracked(o, 0) {
                    inline[i] = true;
                }
            }
        }
        let counted = garbage.iter().filter(|&&i| !inline[i]).count() as i64;
        if debug & DEBUG_SAVEALL != 0 {
            if let Some((_, g)) = lists() {
                if let Payload::List(l) = &g.payload {
                    if let Ok(mut l) = l.try_borrow_mut() {
                        for &i in &garbage {
                            if let Some(o) = y.objs.get(i) {
                                if !inline[i] {
                                    l.push(Value::Obj(o.clone()));
                                }
                            }
                        }
                    }
                }
            }
            return (counted, 0);
        }
        // Break the cycles; the references die after every borrow ended
        // (object by object, as CPython's tp_clear drops them: gathering
        // all of them first held ~16 MB more at deltablue's peak).
        let mut out = Vec::new();
        for &i in &garbage {
            if let Some(o) = y.objs.get(i) {
                clear(o, &mut out);
            }
            out.clear();
        }
        drop(out);
        (counted, 0)
    }

    /// Drop the collection's own reference to the members nothing else
    /// references any more (repeatedly: freeing one can free others);
    /// returns the members still alive.
    fn gc_release_unreferenced(&mut self, y: &mut Young, mut members: Vec<usize>) -> Vec<usize> {
        loop {
            let mut freed = Vec::new();
            members.retain(|&i| {
                let lone = y.objs.get(i).is_some_and(|o| Rc::strong_count(o) == 1);
                if lone {
                    freed.push(i);
                }
                !lone
            });
            if freed.is_empty() {
                return members;
            }
            for i in freed {
                if let Some(slot) = y.objs.get_mut(i) {
                    let o = std::mem::replace(slot, self.types.object.clone());
                    if let Some(index) = y.index.as_mut() {
                        index.remove(addr(&o));
                    }
                    drop(o);
                }
            }
        }
    }

    /// Run the finalizer of an unreachable object if it has one that has
    /// not run yet (`__del__`, or closing a suspended generator).
    fn gc_finalize(&mut self, o: &PyRef) -> bool {
        if let Payload::Generator(g) = &o.payload {
            let due = g
                .try_borrow()
                .is_ok_and(|g| !g.finalized && g.started && !g.running && g.frame.is_some());
            if !due {
                return false;
            }
            if let Ok(mut g) = g.try_borrow_mut() {
                g.finalized = true;
            }
            if let Err(e) = self.gen_close(o) {
                self.write_unraisable(&e, &Value::Obj(o.clone()));
            }
            return true;
        }
        let has_del = o
            .class()
            .as_ref()
            .and_then(type_data)
            .is_some_and(|t| t.has_flag(FLAG_HAS_DEL));
        if !has_del || super::finalize::is_finalized(addr(o)) {
            return false;
        }
        if !super::finalize::mark_finalized(addr(o)) {
            return false;
        }
        let v = Value::Obj(o.clone());
        let ty = self.type_of(&v);
        if let Some(del) = self.type_lookup_static(&ty, "__del__") {
            let r = self
                .descr_get(del.clone(), Some(&v), &ty)
                .and_then(|f| self.call(&f, &[]));
            if let Err(e) = r {
                self.write_unraisable(&e, &del);
            }
        }
        true
    }
}
