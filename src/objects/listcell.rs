//! A list's items: `RefCell<Vec<Value>>`'s interface plus a head offset,
//! so that `pop(0)` (a list used as a queue) is O(1) amortized instead of a
//! memmove of the whole list (CPython's list is O(n) here too, but moves
//! 8-byte pointers where pycvm would move 16-byte values).
//!
//! The cell holds a plain `Vec<Value>`; its first `head` slots are dead
//! (items `pop(0)` took, each replaced by `None`). Only the head-aware
//! methods (`len`, `pop_at`, `push`) see them; every borrow through the
//! `RefCell`-like interface first drops them (one memmove), so all other
//! code sees an ordinary vector of the live items. `head > 0` only while
//! nothing is borrowed: `pop_at` needs the cell free, and any borrow
//! compacts first. The dead part never exceeds the live part (`pop_at`
//! compacts when it would), so a queue costs O(1) amortized per item.
//!
//! The borrow count and the head share one word, so the cell is as large as
//! `RefCell<Vec<Value>>` (32 bytes: `Payload` stays 40, tests/mem_layout.rs),
//! and a shared borrow checks both with one compare, as `RefCell` checks its
//! flag.

use std::cell::{Cell, UnsafeCell};
use std::ops::{Deref, DerefMut};

use crate::vm::value::Value;

pub struct ListCell {
    /// Low 32 bits, the borrows: 0 free, `MUT` borrowed mutably, else that
    /// many shared borrows. High 32 bits: the dead slots at the front of
    /// `vec` (0 whenever something is borrowed).
    state: Cell<u64>,
    vec: UnsafeCell<Vec<Value>>,
}

/// The borrow count of a mutable borrow.
const MUT: u64 = u32::MAX as u64;
/// The borrow bits.
const COUNT: u64 = u32::MAX as u64;

/// The cell is borrowed in a way that excludes the access asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListBorrowError;

/// Why `pop_at` gave no item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopError {
    Empty,
    OutOfRange,
}

impl Default for ListCell {
    fn default() -> Self {
        ListCell::new(Vec::new())
    }
}

impl ListCell {
    pub fn new(v: Vec<Value>) -> ListCell {
        ListCell {
            state: Cell::new(0),
            vec: UnsafeCell::new(v),
        }
    }

    /// The dead slots at the front.
    #[inline]
    fn head(&self) -> usize {
        (self.state.get() >> 32) as usize
    }

    /// Drop the dead slots (the cell must be free: state = head only).
    #[cold]
    #[inline(never)]
    fn compact(&self) {
        let head = self.head();
        self.state.set(0);
        // SAFETY: the callers check that nothing borrows the cell (count
        // 0), so this is the only reference to the vector.
        let v = unsafe { &mut *self.vec.get() };
        v.drain(..head.min(v.len()));
    }

    #[inline]
    pub fn try_borrow(&self) -> Result<ListRef<'_>, ListBorrowError> {
        let w = self.state.get();
        // No dead slots, not borrowed mutably, room for one more count.
        if w < MUT - 1 {
            self.state.set(w + 1);
            return Ok(ListRef { cell: self });
        }
        self.try_borrow_slow()
    }

    #[cold]
    #[inline(never)]
    fn try_borrow_slow(&self) -> Result<ListRef<'_>, ListBorrowError> {
        // Either borrowed mutably or to the count's limit, or free with
        // dead slots (they exist only while nothing is borrowed).
        if self.state.get() & COUNT != 0 {
            return Err(ListBorrowError);
        }
        self.compact();
        self.state.set(1);
        Ok(ListRef { cell: self })
    }

    #[inline]
    pub fn try_borrow_mut(&self) -> Result<ListRefMut<'_>, ListBorrowError> {
        let w = self.state.get();
        if w & COUNT != 0 {
            return Err(ListBorrowError);
        }
        if w != 0 {
            self.compact();
        }
        self.state.set(MUT);
        Ok(ListRefMut { cell: self })
    }

    /// As `RefCell::borrow`: a conflicting mutable borrow is a bug in the
    /// VM (no borrow is held across a call into Python code).
    #[inline]
    #[track_caller]
    pub fn borrow(&self) -> ListRef<'_> {
        match self.try_borrow() {
            Ok(r) => r,
            Err(_) => borrow_failed(),
        }
    }

    /// As `RefCell::borrow_mut`.
    #[inline]
    #[track_caller]
    pub fn borrow_mut(&self) -> ListRefMut<'_> {
        match self.try_borrow_mut() {
            Ok(r) => r,
            Err(_) => borrow_failed(),
        }
    }

    /// The vector, through exclusive access.
    pub fn get_mut(&mut self) -> &mut Vec<Value> {
        if self.head() != 0 {
            self.compact();
        }
        self.vec.get_mut()
    }

    pub fn into_inner(self) -> Vec<Value> {
        let mut s = self;
        std::mem::take(s.get_mut())
    }

    /// Replace the items, giving the old ones.
    #[track_caller]
    pub fn replace(&self, v: Vec<Value>) -> Vec<Value> {
        std::mem::replace(&mut *self.borrow_mut(), v)
    }

    /// The number of items (head-aware: no compaction); None while the
    /// cell is borrowed mutably.
    #[inline]
    pub fn try_len(&self) -> Option<usize> {
        if self.state.get() & COUNT == MUT {
            return None;
        }
        // SAFETY: no mutable borrow exists, so reading the vector's length
        // races with no writer.
        let n = unsafe { (*self.vec.get()).len() };
        Some(n - self.head().min(n))
    }

    /// The item at live index `i` (negative from the end, as a subscript),
    /// cloned: `None` when out of range or while the cell is borrowed
    /// mutably. No borrow is taken: only a count is incremented.
    #[inline(always)]
    pub fn item_cloned(&self, i: i64) -> Option<Value> {
        let w = self.state.get();
        if w & COUNT == MUT {
            return None;
        }
        // SAFETY: no mutable borrow exists, so no `&mut` to the vector is
        // live; cloning a value only increments a count (no code runs that
        // could borrow the cell) and the reference ends here.
        let v = unsafe { &*self.vec.get() };
        let head = (w >> 32) as usize;
        let j = if i < 0 {
            i.wrapping_add(v.len().wrapping_sub(head) as i64)
        } else {
            i
        };
        // `head <= v.len()`, so the bounds check of `get` is the live
        // range's (a negative or unrepresentable `j` is out of range).
        let j = usize::try_from(j).ok()?;
        v.get(head.checked_add(j)?).cloned()
    }

    /// `len(list)`; as `borrow().len()` (panics while borrowed mutably).
    #[inline]
    #[track_caller]
    pub fn len(&self) -> usize {
        match self.try_len() {
            Some(n) => n,
            None => borrow_failed(),
        }
    }

    #[inline]
    #[track_caller]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `list.append(v)`, growing as CPython's `list_resize`
    /// (`list::push_item`), without compacting; `v` back when borrowed.
    #[inline]
    pub fn try_push(&self, v: Value) -> Result<(), Value> {
        if self.state.get() & COUNT != 0 {
            return Err(v);
        }
        // SAFETY: the cell is free (count 0) and nothing here calls out, so
        // this is the only reference to the vector while it lives.
        let vec = unsafe { &mut *self.vec.get() };
        super::list::push_item(vec, v);
        Ok(())
    }

    /// `list.pop(i)` (head-aware). Panics while borrowed, as the
    /// `borrow_mut` it replaces.
    #[track_caller]
    pub fn pop_at(&self, i: i64) -> Result<Value, PopError> {
        if self.state.get() & COUNT != 0 {
            borrow_failed();
        }
        // SAFETY: the cell is free (count 0) and nothing here calls out
        // (dropping `None` or moving values runs no code), so this is the
        // only reference to the vector while it lives.
        let vec = unsafe { &mut *self.vec.get() };
        let head = self.head().min(vec.len());
        let live = vec.len() - head;
        if live == 0 {
            return Err(PopError::Empty);
        }
        let j = if i < 0 { i + live as i64 } else { i };
        if j < 0 || j >= live as i64 {
            return Err(PopError::OutOfRange);
        }
        let j = j as usize;
        if j + 1 == live {
            let v = vec.pop().unwrap_or(Value::None);
            if head == vec.len() {
                vec.clear();
                self.state.set(0);
            }
            return Ok(v);
        }
        if j > 0 || live <= 16 || head >= u32::MAX as usize - 1 {
            if head != 0 {
                // A middle item: the dead part stays in front.
                return Ok(vec.remove(head + j));
            }
            return Ok(vec.remove(j));
        }
        // The first of many: leave a dead slot instead of moving the rest.
        let v = match vec.get_mut(head) {
            Some(slot) => std::mem::replace(slot, Value::None),
            None => return Err(PopError::Empty),
        };
        let head = head + 1;
        if head * 2 >= vec.len() {
            vec.drain(..head);
            self.state.set(0);
        } else {
            self.state.set((head as u64) << 32);
        }
        Ok(v)
    }
}

#[cold]
#[track_caller]
fn borrow_failed() -> ! {
    panic!("list items already borrowed")
}

/// A shared borrow of the items (compacted: all live).
pub struct ListRef<'a> {
    cell: &'a ListCell,
}

impl Deref for ListRef<'_> {
    type Target = Vec<Value>;
    #[inline]
    fn deref(&self) -> &Vec<Value> {
        // SAFETY: the state counts this shared borrow, so no mutable
        // reference to the vector exists while it lives.
        unsafe { &*self.cell.vec.get() }
    }
}

impl Drop for ListRef<'_> {
    #[inline]
    fn drop(&mut self) {
        self.cell.state.set(self.cell.state.get() - 1);
    }
}

/// The exclusive borrow of the items (compacted: all live).
pub struct ListRefMut<'a> {
    cell: &'a ListCell,
}

impl Deref for ListRefMut<'_> {
    type Target = Vec<Value>;
    #[inline]
    fn deref(&self) -> &Vec<Value> {
        // SAFETY: the state (`MUT`) marks this borrow as the only one.
        unsafe { &*self.cell.vec.get() }
    }
}

impl DerefMut for ListRefMut<'_> {
    #[inline]
    fn deref_mut(&mut self) -> &mut Vec<Value> {
        // SAFETY: the state (`MUT`) marks this borrow as the only one, and
        // `&mut self` makes this reference unique among its derefs.
        unsafe { &mut *self.cell.vec.get() }
    }
}

impl Drop for ListRefMut<'_> {
    #[inline]
    fn drop(&mut self) {
        // No dead slots while borrowed: the state was `MUT` alone.
        self.cell.state.set(0);
    }
}
