//! A reference-counted box with 32-bit counts: `std::rc::Rc` and `Weak`
//! for heap objects (`PyRef = Rc<PyObject>`), with the same semantics and
//! the subset of the API the VM uses.
//!
//! std's `Rc` keeps two `usize` counts before the value (16 bytes). A
//! `PyObject` is 56 bytes, so std's block is 72 bytes, which mimalloc
//! rounds to its 80-byte size class; with two `u32` counts the block is
//! 64 bytes, a size class of its own (tests/mem_layout.rs checks it).
//! Four billion references to one object would take 32 GB of pointers;
//! a count that would overflow aborts, as std's does.
//!
//! Semantics as std's: the value is dropped when the strong count reaches
//! zero, the block freed when the weak count reaches zero too (the strong
//! references together hold one weak count); `Weak::new` points nowhere
//! and never upgrades; a weak reference of a dropped value never upgrades.
//! Counts are plain cells: `Rc` is neither `Send` nor `Sync` (threads
//! share objects under the interpreter lock, as with std's `Rc`).

use std::alloc::{dealloc, Layout};
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::mem::{ManuallyDrop, MaybeUninit};
use std::ops::Deref;
use std::ptr::{self, NonNull};

/// The block: the counts, then the value (`repr(C)`: the value's offset
/// is the counts' size rounded up to its alignment).
#[repr(C)]
struct RcBox<T> {
    strong: Cell<u32>,
    /// The weak references, plus one for all the strong ones together.
    weak: Cell<u32>,
    value: T,
}

/// A strong reference (std's `Rc`): one pointer to its block
/// (`repr(transparent)`; objects/attrs.rs packs a `PyRef` as that pointer).
#[repr(transparent)]
pub struct Rc<T> {
    ptr: NonNull<RcBox<T>>,
    _owns: PhantomData<RcBox<T>>,
}

/// A weak reference (std's `Weak`); `Weak::new` points nowhere.
pub struct Weak<T> {
    /// `usize::MAX` for `Weak::new`, else a block.
    ptr: NonNull<RcBox<T>>,
}

/// A count that would pass `u32::MAX`: abort, as std's `Rc` does.
#[cold]
#[inline(never)]
fn count_overflow() -> ! {
    std::process::abort()
}

/// The weak count's top bit: a weak count stays below it (a reference
/// that would reach it aborts, as an overflow), so while the cycle
/// collector runs it can stand the count aside and put the object's index
/// in the collection there, tagged with this bit ([`Rc::gc_tag`]): its
/// lookup of a referenced object is one load (CPython keeps `gc_refs` in
/// the object's header; pycvm's header has no spare word).
const GC_TAG: u32 = 1 << 31;

/// One more weak reference (below [`GC_TAG`]: one more on a tagged count
/// aborts instead of corrupting it).
#[inline(always)]
fn inc_weak(c: &Cell<u32>) {
    let n = c.get().wrapping_add(1);
    c.set(n);
    if n >= GC_TAG {
        count_overflow();
    }
}

#[inline(always)]
fn inc(c: &Cell<u32>) {
    let n = c.get().wrapping_add(1);
    c.set(n);
    if n == 0 {
        count_overflow();
    }
}

impl<T> RcBox<T> {
    /// The block of a value pointer (from `Rc::as_ptr`/`into_raw`).
    #[inline(always)]
    fn from_value_ptr(p: *const T) -> *mut RcBox<T> {
        let off = std::mem::offset_of!(RcBox<T>, value);
        // `wrapping_byte_sub` keeps the provenance of the block, which the
        // value pointer was derived from.
        p.wrapping_byte_sub(off).cast_mut().cast::<RcBox<T>>()
    }
}

impl<T> Rc<T> {
    /// A new block holding `value` (strong 1, weak 0).
    #[inline]
    pub fn new(value: T) -> Rc<T> {
        let b = Box::new(RcBox {
            strong: Cell::new(1),
            weak: Cell::new(1),
            value,
        });
        Rc {
            ptr: NonNull::from(Box::leak(b)),
            _owns: PhantomData,
        }
    }

    /// A new block whose value is written later (`get_mut`, then
    /// `assume_init`).
    #[inline(always)]
    pub fn new_uninit() -> Rc<MaybeUninit<T>> {
        Rc::new(MaybeUninit::uninit())
    }

    #[inline(always)]
    fn inner(&self) -> &RcBox<T> {
        // SAFETY: the block lives while this strong reference does.
        unsafe { self.ptr.as_ref() }
    }

    /// The value's address (the same for every reference to it).
    #[inline(always)]
    pub fn as_ptr(this: &Self) -> *const T {
        // SAFETY: the block is live; no reference is made, only an address.
        unsafe { ptr::addr_of!((*this.ptr.as_ptr()).value) }
    }

    /// The value's address; the strong count it held goes with it (back
    /// to an `Rc` with `from_raw`).
    #[inline(always)]
    pub fn into_raw(this: Self) -> *const T {
        let p = Rc::as_ptr(&this);
        std::mem::forget(this);
        p
    }

    /// The `Rc` whose strong count `into_raw` gave away.
    ///
    /// # Safety
    /// `p` comes from `Rc::<T>::into_raw` (or `as_ptr` with a strong count
    /// owned by the caller), and the count is given back once.
    #[inline(always)]
    pub unsafe fn from_raw(p: *const T) -> Rc<T> {
        Rc {
            // SAFETY: the caller's `p` points into a live block, so the
            // block's address is not null.
            ptr: unsafe { NonNull::new_unchecked(RcBox::from_value_ptr(p)) },
            _owns: PhantomData,
        }
    }

    /// One more strong count for the value at `p`.
    ///
    /// # Safety
    /// `p` comes from `Rc::<T>::as_ptr`/`into_raw` of a live reference.
    #[inline(always)]
    pub unsafe fn increment_strong_count(p: *const T) {
        // SAFETY: the caller's `p` is a live block's value.
        let b = unsafe { &*RcBox::from_value_ptr(p) };
        inc(&b.strong);
    }

    pub fn strong_count(this: &Self) -> usize {
        this.inner().strong.get() as usize
    }

    /// Drop a reference that is not the last (the eval loop's release of a
    /// shared value): the count goes down with no test for zero and no
    /// drop glue. Called on the last reference it leaks the value (never
    /// frees it), so it is safe either way.
    #[inline(always)]
    pub fn drop_shared(this: Self) {
        let s = &this.inner().strong;
        debug_assert!(s.get() > 1, "drop_shared of the last reference");
        s.set(s.get() - 1);
        std::mem::forget(this);
    }

    pub fn weak_count(this: &Self) -> usize {
        this.inner().weak.get() as usize - 1
    }

    /// Whether the two are the same value.
    #[inline(always)]
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        ptr::addr_eq(a.ptr.as_ptr(), b.ptr.as_ptr())
    }

    /// A weak reference to the value.
    pub fn downgrade(this: &Self) -> Weak<T> {
        inc_weak(&this.inner().weak);
        Weak { ptr: this.ptr }
    }

    /// The value, mutable, if this is its only reference (strong or weak).
    #[inline(always)]
    pub fn get_mut(this: &mut Self) -> Option<&mut T> {
        let b = this.inner();
        if b.strong.get() == 1 && b.weak.get() == 1 {
            // SAFETY: no other reference to the block exists, and `this`
            // is borrowed mutably for the result's lifetime.
            Some(unsafe { &mut (*this.ptr.as_ptr()).value })
        } else {
            None
        }
    }

    /// The value, mutable, if this is its only strong reference; weak
    /// references may exist (a tuple's are the collector's generation
    /// lists) and are not looked at.
    ///
    /// # Safety
    /// No weak reference to the value is upgraded while the result is
    /// borrowed (the collector upgrades its entries only while it runs,
    /// and objects that take user weakrefs must not be passed here).
    #[inline(always)]
    pub unsafe fn get_mut_strong(this: &mut Self) -> Option<&mut T> {
        if this.inner().strong.get() == 1 {
            // SAFETY: `this` is the only strong reference and is borrowed
            // mutably for the result's lifetime; the caller's contract
            // keeps weak references from making another.
            Some(unsafe { &mut (*this.ptr.as_ptr()).value })
        } else {
            None
        }
    }

    /// Tag the value as member `idx` of the running collection: its weak
    /// count is replaced by the tag, and returned (for [`Rc::gc_untag`]).
    /// None when it is tagged already or `idx` does not fit.
    ///
    /// # Safety
    /// Until `gc_untag` gives the count back, no weak reference to the
    /// value is made or dropped (making one aborts; dropping one would
    /// corrupt the tag and then the count).
    #[inline]
    pub unsafe fn gc_tag(this: &Self, idx: usize) -> Option<u32> {
        let w = &this.inner().weak;
        let saved = w.get();
        let idx = u32::try_from(idx).ok().filter(|&i| i < GC_TAG)?;
        if saved & GC_TAG != 0 {
            return None;
        }
        w.set(GC_TAG | idx);
        Some(saved)
    }

    /// The index `gc_tag` gave the value, if it is tagged.
    #[inline(always)]
    pub fn gc_tag_of(this: &Self) -> Option<usize> {
        let w = this.inner().weak.get();
        (w & GC_TAG != 0).then_some((w & !GC_TAG) as usize)
    }

    /// Give back the weak count `gc_tag` returned.
    ///
    /// # Safety
    /// The value is tagged and `saved` is what tagging it returned.
    #[inline]
    pub unsafe fn gc_untag(this: &Self, saved: u32) {
        let w = &this.inner().weak;
        debug_assert!(w.get() & GC_TAG != 0, "gc_untag of an untagged value");
        w.set(saved);
    }

    /// The value is gone: drop it, then free the block unless weak
    /// references remain.
    #[inline(never)]
    fn drop_slow(&mut self) {
        // SAFETY: the strong count is zero, so no `Rc` reaches the value
        // and `Weak::upgrade` refuses it: this is its last use. The value
        // is dropped in place (no reference to the block is held across
        // it: its `Drop` may make and drop weak references).
        unsafe { ptr::drop_in_place(ptr::addr_of_mut!((*self.ptr.as_ptr()).value)) };
        // The weak count all strong references held.
        // SAFETY: the block is live until the weak count reaches zero.
        unsafe { release_weak(self.ptr) };
    }
}

impl<T> Rc<MaybeUninit<T>> {
    /// The `Rc` of the value written in place.
    ///
    /// # Safety
    /// The value is initialised.
    #[inline(always)]
    pub unsafe fn assume_init(self) -> Rc<T> {
        let this = ManuallyDrop::new(self);
        // `RcBox<MaybeUninit<T>>` and `RcBox<T>` have one layout
        // (`repr(C)`, and `MaybeUninit<T>` is laid out as `T`).
        Rc {
            ptr: this.ptr.cast(),
            _owns: PhantomData,
        }
    }
}

/// Drop one weak count; free the block at zero.
///
/// # Safety
/// `p` is a live block and the caller owns one weak count of it.
#[inline(always)]
unsafe fn release_weak<T>(p: NonNull<RcBox<T>>) {
    // SAFETY: the caller's block is live.
    let w = unsafe { &(*p.as_ptr()).weak };
    debug_assert!(w.get() & GC_TAG == 0, "weak reference dropped while tagged");
    let n = w.get() - 1;
    w.set(n);
    if n == 0 {
        // SAFETY: no reference of either kind is left; the block came from
        // `Box::new` of an `RcBox<T>`, which is this layout, and its value
        // was dropped already (the strong count reached zero first, since
        // the strong references hold one weak count).
        unsafe { dealloc(p.as_ptr().cast::<u8>(), Layout::new::<RcBox<T>>()) };
    }
}

impl<T> Clone for Rc<T> {
    #[inline(always)]
    fn clone(&self) -> Rc<T> {
        inc(&self.inner().strong);
        Rc {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl<T> Drop for Rc<T> {
    #[inline(always)]
    fn drop(&mut self) {
        let s = &self.inner().strong;
        let n = s.get() - 1;
        s.set(n);
        if n == 0 {
            self.drop_slow();
        }
    }
}

impl<T> Deref for Rc<T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        &self.inner().value
    }
}

impl<T> AsRef<T> for Rc<T> {
    fn as_ref(&self) -> &T {
        self
    }
}

impl<T> std::borrow::Borrow<T> for Rc<T> {
    fn borrow(&self) -> &T {
        self
    }
}

impl<T: Default> Default for Rc<T> {
    fn default() -> Rc<T> {
        Rc::new(T::default())
    }
}

impl<T: fmt::Debug> fmt::Debug for Rc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> fmt::Pointer for Rc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Pointer::fmt(&Rc::as_ptr(self), f)
    }
}

impl<T> Weak<T> {
    /// A weak reference to nothing: never upgrades.
    pub const fn new() -> Weak<T> {
        Weak {
            // SAFETY: `usize::MAX` is not null; it is never dereferenced
            // (`is_dangling` is checked first: no block can be there, its
            // alignment is at least 4).
            ptr: unsafe { NonNull::new_unchecked(ptr::without_provenance_mut(usize::MAX)) },
        }
    }

    #[inline(always)]
    fn is_dangling(&self) -> bool {
        self.ptr.as_ptr() as usize == usize::MAX
    }

    #[inline(always)]
    fn inner(&self) -> Option<&RcBox<T>> {
        if self.is_dangling() {
            None
        } else {
            // SAFETY: a weak reference keeps its block allocated.
            Some(unsafe { self.ptr.as_ref() })
        }
    }

    /// A strong reference, if the value is alive.
    #[inline]
    pub fn upgrade(&self) -> Option<Rc<T>> {
        let b = self.inner()?;
        if b.strong.get() == 0 {
            return None;
        }
        inc(&b.strong);
        Some(Rc {
            ptr: self.ptr,
            _owns: PhantomData,
        })
    }

    pub fn strong_count(&self) -> usize {
        self.inner().map_or(0, |b| b.strong.get() as usize)
    }

    /// Whether the two point at the same block (two `Weak::new` are equal).
    #[inline]
    pub fn ptr_eq(&self, other: &Self) -> bool {
        ptr::addr_eq(self.ptr.as_ptr(), other.ptr.as_ptr())
    }

    /// Whether this is a reference to the value at `p` (an address
    /// compare: no dangling test, as a dangling `Weak`'s address plus the
    /// value's offset is never a value's address).
    #[inline(always)]
    pub fn points_to(&self, p: *const T) -> bool {
        let value = self
            .ptr
            .as_ptr()
            .cast::<u8>()
            .wrapping_add(std::mem::offset_of!(RcBox<T>, value));
        ptr::addr_eq(value, p)
    }

    /// The value's address (not dereferenceable once the value is gone).
    pub fn as_ptr(&self) -> *const T {
        if self.is_dangling() {
            self.ptr.as_ptr().cast::<T>()
        } else {
            // SAFETY: the block is allocated; only an address is made.
            unsafe { ptr::addr_of!((*self.ptr.as_ptr()).value) }
        }
    }
}

impl<T> Default for Weak<T> {
    fn default() -> Weak<T> {
        Weak::new()
    }
}

impl<T> Clone for Weak<T> {
    fn clone(&self) -> Weak<T> {
        if let Some(b) = self.inner() {
            inc_weak(&b.weak);
        }
        Weak { ptr: self.ptr }
    }
}

impl<T> Drop for Weak<T> {
    fn drop(&mut self) {
        if !self.is_dangling() {
            // SAFETY: this weak reference owns one weak count of a live
            // block.
            unsafe { release_weak(self.ptr) };
        }
    }
}

impl<T> fmt::Debug for Weak<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(Weak)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Noisy<'a>(&'a Cell<u32>);
    impl Drop for Noisy<'_> {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }

    #[test]
    fn counts_and_drop() {
        let drops = Cell::new(0);
        let a = Rc::new(Noisy(&drops));
        let b = a.clone();
        assert_eq!(Rc::strong_count(&a), 2);
        let w = Rc::downgrade(&a);
        assert_eq!(Rc::weak_count(&a), 1);
        assert!(w.upgrade().is_some());
        drop(a);
        drop(b);
        assert_eq!(drops.get(), 1);
        assert!(w.upgrade().is_none());
        assert_eq!(w.strong_count(), 0);
        let n: Weak<Noisy> = Weak::new();
        assert!(n.upgrade().is_none());
        assert!(n.ptr_eq(&Weak::new()));
    }

    #[test]
    fn raw_round_trip() {
        let a = Rc::new(5u64);
        let p = Rc::into_raw(a.clone());
        // SAFETY: `p` is from `into_raw`, given back once.
        let b = unsafe { Rc::from_raw(p) };
        assert!(Rc::ptr_eq(&a, &b));
        drop(b);
        let mut a = a;
        assert_eq!(Rc::get_mut(&mut a).copied(), Some(5));
    }

    #[test]
    fn gc_tag_round_trip() {
        let a = Rc::new(7u64);
        let w = Rc::downgrade(&a);
        assert_eq!(Rc::gc_tag_of(&a), None);
        // SAFETY: no weak reference is made or dropped until the untag.
        let saved = unsafe { Rc::gc_tag(&a, 12) };
        assert_eq!(saved, Some(2));
        assert_eq!(Rc::gc_tag_of(&a), Some(12));
        // SAFETY: as above.
        assert_eq!(unsafe { Rc::gc_tag(&a, 13) }, None);
        if let Some(s) = saved {
            // SAFETY: tagged by the call that returned `s`.
            unsafe { Rc::gc_untag(&a, s) };
        }
        assert_eq!(Rc::gc_tag_of(&a), None);
        assert_eq!(Rc::weak_count(&a), 1);
        drop(a);
        assert!(w.upgrade().is_none());
    }
}
