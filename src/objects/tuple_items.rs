//! A tuple's items ([`TupleItems`]): one or two inline in the object's
//! payload, more in one boxed slice.
//!
//! A tuple was a `Box<[Value]>` in its `PyObject`: two allocations per
//! tuple. Pairs and 1-tuples (dict items, `enumerate`, `zip`, `divmod`,
//! two return values, argument packing of one value) are most of the
//! tuples a program makes, and two values (32 bytes) fit in the payload's
//! five words beside its tag (the first value's tag word is the niche that
//! tells the three layouts apart; size test in tests/mem_layout.rs), so
//! they need the object's block only. Everything else reads the items as
//! a `[Value]` slice through `Deref`.

use std::ops::{Deref, DerefMut};

use crate::vm::value::Value;

/// The items of a tuple (see the module doc).
pub enum TupleItems {
    Two([Value; 2]),
    One(Value),
    Heap(Box<[Value]>),
}

impl TupleItems {
    /// The items as a vector (moved out).
    pub fn into_vec(self) -> Vec<Value> {
        match self {
            TupleItems::Two(a) => a.into(),
            TupleItems::One(v) => vec![v],
            TupleItems::Heap(b) => b.into_vec(),
        }
    }

    /// Release the items last to first (CPython's `tupledealloc` order,
    /// which `__del__` output shows).
    #[inline(always)]
    pub fn release_rev(self) {
        match self {
            TupleItems::Two([a, b]) => {
                drop(b);
                drop(a);
            }
            TupleItems::One(v) => drop(v),
            TupleItems::Heap(b) => {
                let mut items = b.into_vec();
                while let Some(v) = items.pop() {
                    drop(v);
                }
            }
        }
    }
}

impl Default for TupleItems {
    /// No items (an empty boxed slice allocates nothing).
    fn default() -> Self {
        TupleItems::Heap(Box::new([]))
    }
}

impl Deref for TupleItems {
    type Target = [Value];

    #[inline(always)]
    fn deref(&self) -> &[Value] {
        match self {
            TupleItems::Two(a) => a,
            TupleItems::One(v) => std::slice::from_ref(v),
            TupleItems::Heap(b) => b,
        }
    }
}

impl DerefMut for TupleItems {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [Value] {
        match self {
            TupleItems::Two(a) => a,
            TupleItems::One(v) => std::slice::from_mut(v),
            TupleItems::Heap(b) => b,
        }
    }
}

impl Clone for TupleItems {
    fn clone(&self) -> Self {
        match self {
            TupleItems::Two([a, b]) => TupleItems::Two([a.clone(), b.clone()]),
            TupleItems::One(v) => TupleItems::One(v.clone()),
            TupleItems::Heap(b) => TupleItems::Heap(b.clone()),
        }
    }
}

impl From<Vec<Value>> for TupleItems {
    #[inline]
    fn from(mut v: Vec<Value>) -> Self {
        match v.len() {
            1 | 2 => {
                let b = v.pop().unwrap_or_default();
                match v.pop() {
                    Some(a) => TupleItems::Two([a, b]),
                    None => TupleItems::One(b),
                }
            }
            _ => TupleItems::Heap(v.into_boxed_slice()),
        }
    }
}

impl From<Box<[Value]>> for TupleItems {
    #[inline]
    fn from(b: Box<[Value]>) -> Self {
        if b.len() <= 2 && !b.is_empty() {
            return TupleItems::from(b.into_vec());
        }
        TupleItems::Heap(b)
    }
}

impl<const N: usize> From<[Value; N]> for TupleItems {
    #[inline(always)]
    fn from(a: [Value; N]) -> Self {
        let mut it = a.into_iter();
        match N {
            1 => TupleItems::One(it.next().unwrap_or_default()),
            2 => {
                let x = it.next().unwrap_or_default();
                TupleItems::Two([x, it.next().unwrap_or_default()])
            }
            _ => TupleItems::Heap(it.collect()),
        }
    }
}

impl FromIterator<Value> for TupleItems {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Self {
        TupleItems::from(iter.into_iter().collect::<Vec<Value>>())
    }
}
