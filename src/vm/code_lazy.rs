//! Lazily prepared code objects (see `Code` in vm/code.rs).
//!
//! Most functions of an imported module never run, so a code object's
//! decoded instructions and exception handlers are made when it first runs
//! or is looked into (`Vm::ensure_prepared`), from the bytes it keeps (code,
//! exception table). Its constants and names are converted when it
//! is loaded, as CPython's marshal does: the marshal objects then go (an
//! earlier design kept their tuples until the code ran, and with them the
//! marshal trees of every nested code object and a second copy of each
//! docstring).
//!
//! Converted constants that marshal shares between code objects of one
//! load (`r_ref`) are one object: the memo of a load ([`MemoMap`]) maps
//! them while the load converts.

use std::cell::{RefCell, UnsafeCell};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Deref;

use crate::pyc::Obj;

use super::value::Value;

/// A slice filled once: empty until then (`Code` fills it before the code
/// first runs or is looked into; `Code::prepared` says whether it did).
/// Reading it is a plain load of the slice (no "is it filled?" branch on
/// the eval loop's reads). Two words: whether it was filled is the code's
/// flag, not a field of each slice (session 14: code objects are a large
/// part of what imported modules hold).
pub struct Lazy<T> {
    items: UnsafeCell<Box<[T]>>,
}

impl<T: Clone> Clone for Lazy<T> {
    fn clone(&self) -> Self {
        Lazy {
            items: UnsafeCell::new(Box::<[T]>::from(&**self)),
        }
    }
}

impl<T> Default for Lazy<T> {
    fn default() -> Self {
        Lazy::empty()
    }
}

impl<T> Lazy<T> {
    /// A slice that is already there.
    pub fn ready(items: Box<[T]>) -> Lazy<T> {
        Lazy {
            items: UnsafeCell::new(items),
        }
    }

    /// Not filled yet (reads as empty).
    pub fn empty() -> Lazy<T> {
        Lazy {
            items: UnsafeCell::new(Box::default()),
        }
    }

    /// Fill it: no effect unless it is still empty.
    pub fn fill(&self, items: Box<[T]>) {
        // SAFETY: the cell is only ever written here, and only while it
        // holds an empty box. The only references ever handed out (by
        // `deref`) point into the box's heap block, which for an empty box
        // is a zero-sized region that is never allocated nor freed; no
        // reference to the cell itself outlives a method of this type.
        // Replacing an empty box therefore invalidates no live reference
        // to any byte, and `Lazy` is `!Sync` (the cell), so no other
        // thread writes at once. A non-empty box is never replaced.
        unsafe {
            if (&*self.items.get()).is_empty() {
                *self.items.get() = items;
            }
        }
    }
}

impl<T> Deref for Lazy<T> {
    type Target = [T];

    #[inline(always)]
    fn deref(&self) -> &[T] {
        // SAFETY: the cell is written only by `fill`, and only while it
        // holds an empty box (see there); the slice returned here borrows
        // the box's heap block, which stays in place for as long as
        // `self` (a non-empty box is never replaced).
        unsafe { &*self.items.get() }
    }
}

/// Hashes an object's address (keys are addresses, or addresses plus one).
#[derive(Default)]
pub struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64)
            .rotate_right(3)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// The values made from the shared objects of one marshal load (see
/// `LoadMemo` in vm/code.rs), in two forms per object: its value and its
/// interned form as a name (or, for a tuple or bytes object, its share
/// id). An object the marshal reader put in its reference table is found
/// by that index (objects of one load have distinct indices), checked
/// against its address; any other object by its address. Every object of
/// a load was allocated before any of them was freed, so two of them never
/// share an address, and only objects of its own load look a map up.
#[derive(Default)]
pub struct MemoMap {
    inner: RefCell<MemoInner>,
    /// The load is pycvm's own frozen import system (src/import/frozen,
    /// made by CPython's compiler and built into the binary): its code
    /// objects skip the bytecode verifier.
    pub trusted: std::cell::Cell<bool>,
}

#[derive(Default)]
struct MemoInner {
    /// By reference index: for each form, 1 + the entry's position in
    /// `entries` (0: none yet).
    by_ref: Vec<[u32; 2]>,
    /// (address, value) of the entries found through `by_ref`.
    entries: Vec<(usize, Value)>,
    /// Objects without a reference index (or whose slot another object
    /// took), by address plus the form (addresses are even).
    other: HashMap<usize, Value, BuildHasherDefault<AddrHasher>>,
}

/// Which form of an object a memo entry holds.
#[derive(Clone, Copy)]
pub enum Form {
    /// The object converted to a value.
    Value = 0,
    /// A str interned as a name; a tuple or bytes object's share id.
    Name = 1,
}

impl MemoMap {
    /// The `form` of `o` made earlier in this load.
    #[inline]
    pub fn get(&self, o: &Obj, form: Form) -> Option<Value> {
        let inner = self.inner.borrow();
        let addr = o.addr();
        if let Some(i) = o.ref_index() {
            let at = inner.by_ref.get(i).map_or(0, |s| s[form as usize]);
            if let Some((a, v)) = (at as usize)
                .checked_sub(1)
                .and_then(|k| inner.entries.get(k))
            {
                if *a == addr {
                    return Some(v.clone());
                }
            }
        }
        if inner.other.is_empty() {
            return None;
        }
        inner.other.get(&(addr + form as usize)).cloned()
    }

    /// Remember the `form` of `o`.
    pub fn put(&self, o: &Obj, form: Form, v: &Value) {
        let mut inner = self.inner.borrow_mut();
        let inner = &mut *inner;
        let addr = o.addr();
        if let Some(i) = o.ref_index() {
            if inner.by_ref.len() <= i {
                inner.by_ref.resize(i + 1, [0, 0]);
            }
            let pos = u32::try_from(inner.entries.len() + 1).ok();
            if let (Some(slot), Some(pos)) = (inner.by_ref.get_mut(i), pos) {
                if slot[form as usize] == 0 {
                    slot[form as usize] = pos;
                    inner.entries.push((addr, v.clone()));
                    return;
                }
            }
        }
        inner.other.insert(addr + form as usize, v.clone());
    }
}
