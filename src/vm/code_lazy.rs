//! Lazily prepared code objects (see `Code` in vm/code.rs).
//!
//! Most functions of an imported module never run, so a code object
//! nested in another's constants is prepared in two steps: when the outer
//! code is loaded it gets only what defining a function and binding its
//! arguments read (names, argument counts, flags, slot names and kinds,
//! the first constant for `__doc__`); its constants, names, instructions
//! and exception handlers are made from the marshal object it keeps when
//! it first runs or is looked into (`Vm::ensure_prepared`).
//!
//! Converted constants that marshal shares between code objects of one
//! load (`r_ref`) must stay one object however late each code object is
//! prepared, so the memo of a load ([`MemoMap`]) lives as long as a code
//! object of that load still waits for its preparation.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Deref;
use std::rc::Rc;

use crate::pyc::Obj;

use super::value::Value;

/// A slice filled once: empty until then (`Code` fills it before the code
/// first runs or is looked into).
#[derive(Clone, Default)]
pub struct Lazy<T>(OnceCell<Box<[T]>>);

impl<T> Lazy<T> {
    /// A slice that is already there.
    pub fn ready(items: Box<[T]>) -> Lazy<T> {
        Lazy(OnceCell::from(items))
    }

    /// Not filled yet.
    pub fn empty() -> Lazy<T> {
        Lazy(OnceCell::new())
    }

    /// Fill it (no effect when already filled).
    pub fn fill(&self, items: Box<[T]>) {
        let _ = self.0.set(items);
    }

    pub fn is_ready(&self) -> bool {
        self.0.get().is_some()
    }
}

impl<T> Deref for Lazy<T> {
    type Target = [T];

    #[inline(always)]
    fn deref(&self) -> &[T] {
        match self.0.get() {
            Some(b) => b,
            None => {
                debug_assert!(false, "a lazy code field was read before `ensure_prepared`");
                &[]
            }
        }
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

/// The values made from the shared objects of one marshal load, by the
/// object's address (see `LoadMemo` in vm/code.rs). Every object of a load
/// was allocated before any of them was freed, so two of them never share
/// an address, and only objects of its own load look a map up.
#[derive(Default)]
pub struct MemoMap {
    pub map: RefCell<HashMap<usize, Value, BuildHasherDefault<AddrHasher>>>,
    /// The load is pycvm's own frozen import system (src/import/frozen,
    /// made by CPython's compiler and built into the binary): its code
    /// objects skip the bytecode verifier.
    pub trusted: std::cell::Cell<bool>,
}

/// What a code object waiting for its preparation keeps: its marshal
/// object and the memo of the load it came from.
#[derive(Clone)]
pub struct Pending {
    pub obj: Obj,
    pub memo: Rc<MemoMap>,
}
