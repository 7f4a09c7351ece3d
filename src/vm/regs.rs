//! The eval loop's registers: the top of the value stack and the current
//! frame's fast locals as raw pointers held in locals of `dispatch`, as
//! CPython's `stack_pointer` and `localsplus`. The hot instructions
//! (LOAD_FAST, LOAD_CONST, STORE_FAST, POP_TOP, ...) push and pop through
//! them; every other instruction first writes the stack length back
//! (`sync`) and reloads the registers after (`load`), since it may grow
//! the stack (which moves it) or switch threads (which swaps it).
//!
//! Soundness rests on two facts established before an instruction runs
//! through the registers:
//! - the stack's capacity covers the frame's value stack at its full
//!   `co_stacksize` (`reserve_frame` at each frame (re)load; capacity never
//!   shrinks while the frame runs);
//! - the code was verified (vm/verify.rs): local indices are below
//!   `nlocalsplus`, and every instruction's stack depth stays within
//!   `0..=co_stacksize`, so a push never passes the reserved capacity and a
//!   pop never goes below the frame's value stack. pycvm's frozen import
//!   code, which skips the run-time verifier, is verified by
//!   tests/frozen_verify.rs.

use super::value::Value;

/// Raw pointers into `Vm::stack` valid until the next `sync`.
#[derive(Clone, Copy)]
pub(crate) struct Regs {
    /// One past the top of the value stack.
    pub sp: *mut Value,
    /// The current frame's `localsplus[0]`.
    pub fast: *mut Value,
    /// Debug builds check every access against the frame's locals start
    /// and the stack's capacity (tests run the fuzz corpora with them).
    #[cfg(debug_assertions)]
    lo: *mut Value,
    #[cfg(debug_assertions)]
    hi: *mut Value,
}

impl Regs {
    /// The registers of a stack whose current frame's locals start at
    /// `base` (`base <= stack.len()`, true of every frame on the stack).
    #[cfg_attr(not(debug_assertions), allow(unused_variables))]
    #[inline(always)]
    /// `floor`: where the frame's value stack starts (checked against
    /// in debug builds only).
    pub fn load(stack: &mut Vec<Value>, base: usize, floor: usize) -> Regs {
        let len = stack.len();
        let p = stack.as_mut_ptr();
        Regs {
            // SAFETY: `len` is within the allocation (one past the end at
            // most).
            sp: unsafe { p.add(len) },
            // Within the stack too for every frame on it; computed without
            // that assumption (only dereferencing it relies on it).
            fast: p.wrapping_add(base),
            #[cfg(debug_assertions)]
            lo: p.wrapping_add(floor),
            #[cfg(debug_assertions)]
            hi: p.wrapping_add(stack.capacity()),
        }
    }

    /// The slot `n` below the top (1 = the top value).
    ///
    /// # Safety
    /// The frame's value stack holds at least `n` values (verified code).
    #[inline(always)]
    #[cfg_attr(debug_assertions, track_caller)]
    pub unsafe fn at(&self, n: usize) -> *mut Value {
        #[cfg(debug_assertions)]
        assert!(
            n >= 1 && self.sp.wrapping_sub(n) >= self.lo,
            "value stack underflow"
        );
        // SAFETY: the caller's contract: `sp - n` is a slot of the stack.
        unsafe { self.sp.sub(n) }
    }

    /// Drop the top value, which owns nothing (an int, a float, a bool).
    ///
    /// # Safety
    /// The stack is not empty and its top value is not an object.
    #[inline(always)]
    #[cfg_attr(debug_assertions, track_caller)]
    pub unsafe fn drop_plain(&mut self) {
        // SAFETY: the caller's contract.
        unsafe { self.sp = self.at(1) };
    }

    /// Push `v`.
    ///
    /// # Safety
    /// The push stays within the frame's reserved value stack (verified
    /// code; module doc).
    #[inline(always)]
    #[cfg_attr(debug_assertions, track_caller)]
    pub unsafe fn push(&mut self, v: Value) {
        #[cfg(debug_assertions)]
        assert!(self.sp < self.hi, "value stack overflow");
        // SAFETY: the caller's contract: slot `sp` is allocated and free.
        unsafe {
            super::ops::write_words(self.sp, v);
            self.sp = self.sp.add(1);
        }
    }

    /// Pop the top value.
    ///
    /// # Safety
    /// The frame's value stack is not empty (verified code).
    #[inline(always)]
    #[cfg_attr(debug_assertions, track_caller)]
    pub unsafe fn pop(&mut self) -> Value {
        // SAFETY: the caller's contract: slot `sp - 1` holds a value, which
        // moves out as the stack shrinks past it.
        unsafe {
            self.sp = self.at(1);
            super::ops::read_words(self.sp)
        }
    }

    /// If the top value is a bool, an int or None (whose truth runs no
    /// code and which own nothing), pop it and give its truth.
    ///
    /// # Safety
    /// The frame's value stack is not empty (verified code).
    #[inline(always)]
    #[cfg_attr(debug_assertions, track_caller)]
    pub unsafe fn pop_truth(&mut self) -> Option<bool> {
        // SAFETY: the caller's contract: slot `sp - 1` holds a value; these
        // own nothing, so dropping the slot needs no drop.
        unsafe {
            let b = match *self.at(1) {
                Value::Bool(b) => b.get(),
                Value::Int(i) => i != 0,
                Value::None => false,
                _ => return None,
            };
            self.sp = self.at(1);
            Some(b)
        }
    }

    /// Replace the top two values, which own nothing (ints, floats), by `v`.
    ///
    /// # Safety
    /// The frame's value stack holds at least two values, neither an
    /// object (nothing is dropped).
    #[inline(always)]
    #[cfg_attr(debug_assertions, track_caller)]
    pub unsafe fn replace2(&mut self, v: Value) {
        // SAFETY: the caller's contract; slot `sp - 2` stays in the stack.
        unsafe {
            self.sp = self.at(1);
            super::ops::write_words(self.at(1), v);
        }
    }

    /// Replace the top value by `v`, giving the old one (to be dropped).
    ///
    /// # Safety
    /// The frame's value stack is not empty (verified code).
    #[inline(always)]
    #[cfg_attr(debug_assertions, track_caller)]
    pub unsafe fn replace_top(&mut self, v: Value) -> Value {
        // SAFETY: the caller's contract: slot `sp - 1` holds a value, which
        // moves out as `v` moves in.
        unsafe {
            let p = self.at(1);
            let old = super::ops::read_words(p);
            super::ops::write_words(p, v);
            old
        }
    }

    /// Pop the top value into local slot `i`, giving the slot's old value.
    ///
    /// # Safety
    /// `i < nlocalsplus` and the value stack is not empty (verified code).
    #[inline(always)]
    #[cfg_attr(debug_assertions, track_caller)]
    pub unsafe fn store_local(&mut self, i: usize) -> Value {
        // SAFETY: the caller's contract: the top slot and local slot `i`
        // hold values; the top moves into the local, whose old value moves
        // out to the caller.
        unsafe {
            let v = self.pop();
            let slot = self.fast.add(i);
            let old = super::ops::read_words(slot);
            super::ops::write_words(slot, v);
            old
        }
    }

    /// Move the top `n` values off the stack into a new vector (in stack
    /// order), word by word (see `vm::ops::write_words`).
    ///
    /// # Safety
    /// The frame's value stack holds at least `n` values (verified code).
    #[inline(always)]
    #[cfg_attr(debug_assertions, track_caller)]
    pub unsafe fn take_n(&mut self, n: usize) -> Vec<Value> {
        let mut items = Vec::with_capacity(n);
        if n == 0 {
            return items;
        }
        // SAFETY: the caller's contract: slots `sp - n .. sp` hold values,
        // which move into the vector's `n` reserved slots as the stack
        // shrinks past them.
        unsafe {
            let src = self.at(n);
            let dst = items.as_mut_ptr();
            for i in 0..n {
                super::ops::write_words(dst.add(i), super::ops::read_words(src.add(i)));
            }
            items.set_len(n);
            self.sp = src;
        }
        items
    }

    /// Write the stack length back into `stack` (before code that uses
    /// the `Vec`).
    #[inline(always)]
    pub fn sync(self, stack: &mut Vec<Value>) {
        // SAFETY: `sp` points into (or one past) `stack`'s allocation, at
        // or above its start: pushes and pops through the registers stay
        // between the frame's value stack base and the reserved capacity
        // (module doc), and every slot below `sp` holds a value.
        unsafe {
            let n = self.sp.offset_from(stack.as_ptr());
            stack.set_len(n as usize);
        }
    }
}
