//! Per-interpreter statics (see docs/threads.md).
//!
//! Native modules keep interpreter-wide state (type objects they create,
//! registries, queues) in statics declared with [`interp_local!`], which
//! has `std::thread_local!`'s syntax and API (`with`, `try_with`, `get`,
//! `set`, ...). Where `thread_local!` gives every OS thread its own copy,
//! an `interp_local!` resolves through the calling thread's *table*: the
//! thread that first touches one gets a new table (it is that
//! interpreter's main thread), and the threads that Python code starts
//! (`_thread.start_new_thread`) adopt their parent's table, so every
//! thread of one interpreter sees the same state, while two interpreters
//! on two OS threads stay apart as before.
//!
//! A table also holds its interpreter's lock (the GIL, src/vm/gil.rs).
//! Its slots are plain (non-atomic) `RefCell`s and `Rc`s: they are touched
//! only by the thread holding that GIL, which is what makes them sound.
//! Tables are leaked on purpose: a thread blocked on a GIL must never see
//! it freed, and the process ends soon after its interpreter does.

use std::any::Any;
use std::cell::{Cell, RefCell, UnsafeCell};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::gil::Gil;

/// One interpreter's statics and its lock.
pub struct Table {
    /// Slot `i` holds the value of the `interp_local!` whose id is `i`.
    /// Values are boxed: a `Box` does not move when the vector grows.
    slots: UnsafeCell<Vec<Option<Slot>>>,
    /// The interpreter lock.
    pub gil: Gil,
    /// The `_thread.get_ident()` of the thread that made the table (the
    /// interpreter's main thread: it alone runs signal handlers).
    pub main_ident: std::sync::atomic::AtomicI64,
}

/// A filled slot: the value (owned) and its address (read without a
/// downcast: slot `i` only ever holds the `T` of the one static whose id
/// is `i`).
struct Slot {
    ptr: *const (),
    _value: Box<dyn Any>,
}

// SAFETY: `slots` is only read or written by the thread holding `gil`
// (every `InterpLocal` access happens in interpreter code, which runs with
// the GIL held); `gil` and `main_ident` are Sync on their own.
unsafe impl Sync for Table {}

std::thread_local! {
    /// The table of the interpreter this OS thread belongs to (null until
    /// first used or adopted).
    static CURRENT: Cell<*const Table> = const { Cell::new(std::ptr::null()) };
}

/// This thread's table, made (and leaked) on first use.
pub fn table() -> &'static Table {
    let p = CURRENT.with(Cell::get);
    if p.is_null() {
        let t: &'static Table = Box::leak(Box::new(Table {
            slots: UnsafeCell::new(Vec::new()),
            gil: Gil::new(),
            main_ident: std::sync::atomic::AtomicI64::new(crate::modules::thread::thread_ident()),
        }));
        CURRENT.with(|c| c.set(t));
        return t;
    }
    // SAFETY: non-null pointers stored in CURRENT come from `Box::leak`
    // above (here or in the parent thread) and are never freed.
    unsafe { &*p }
}

/// Make the calling (new) thread part of `t`'s interpreter.
pub fn adopt(t: &'static Table) {
    CURRENT.with(|c| c.set(t));
}

/// Source of slot ids (0 means "not assigned yet").
static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

/// A static with one value per interpreter (declare with [`interp_local!`]).
pub struct InterpLocal<T: 'static> {
    id: AtomicUsize,
    init: fn() -> T,
}

/// Never returned in practice: an interpreter's statics live as long as
/// the process. Kept so `try_with` has `LocalKey::try_with`'s shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessError;

impl std::fmt::Display for AccessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interpreter static accessed outside its interpreter")
    }
}

impl<T: 'static> InterpLocal<T> {
    #[doc(hidden)]
    pub const fn new(init: fn() -> T) -> Self {
        InterpLocal {
            id: AtomicUsize::new(0),
            init,
        }
    }

    fn slot(&'static self) -> usize {
        let id = self.id.load(Ordering::Relaxed);
        if id != 0 {
            return id - 1;
        }
        let fresh = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        match self
            .id
            .compare_exchange(0, fresh, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => fresh - 1,
            Err(other) => other - 1,
        }
    }

    /// The value in this thread's interpreter, made on first use.
    #[inline]
    fn get_ptr(&'static self) -> *const T {
        let id = self.id.load(Ordering::Relaxed);
        let p = CURRENT.with(Cell::get);
        if id != 0 && !p.is_null() {
            // SAFETY: non-null pointers in CURRENT come from `Box::leak`
            // (see `table`); the GIL holder is the only thread touching
            // `slots` and no reference into the vector outlives this block;
            // slot `id - 1` belongs to this static alone, so it holds a `T`.
            unsafe {
                let slots = &*(*p).slots.get();
                if let Some(Some(s)) = slots.get(id - 1) {
                    return s.ptr.cast::<T>();
                }
            }
        }
        self.get_ptr_slow()
    }

    /// [`InterpLocal::get_ptr`] the first time (in this interpreter).
    #[cold]
    #[inline(never)]
    fn get_ptr_slow(&'static self) -> *const T {
        let t = table();
        let i = self.slot();
        // SAFETY: as in `get_ptr`.
        unsafe {
            let slots = &*t.slots.get();
            if let Some(Some(s)) = slots.get(i) {
                return s.ptr.cast::<T>();
            }
        }
        let value: Box<dyn Any> = Box::new((self.init)());
        // SAFETY: as above; the reference to the vector ends before return.
        unsafe {
            let slots = &mut *t.slots.get();
            if slots.len() <= i {
                slots.resize_with(i + 1, || None);
            }
            let entry = &mut slots[i];
            match entry {
                // `init` itself filled the slot (re-entrantly): keep that.
                Some(s) => s.ptr.cast::<T>(),
                None => {
                    // The address is taken from the box once it is in its
                    // slot: moving a Box invalidates pointers taken into it
                    // before (Miri, Stacked Borrows).
                    let s = entry.insert(Slot {
                        ptr: std::ptr::null(),
                        _value: value,
                    });
                    s.ptr = (&*s._value as *const dyn Any).cast::<()>();
                    s.ptr.cast::<T>()
                }
            }
        }
    }

    /// Run `f` on the value (as `LocalKey::with`).
    pub fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        let p = self.get_ptr();
        // SAFETY: `p` points into a Box owned by a leaked table's slot,
        // which is never replaced once filled with a `T` (so it lives for
        // the rest of the process); only the GIL holder runs here.
        f(unsafe { &*p })
    }

    /// As `LocalKey::try_with` (it never fails).
    pub fn try_with<R>(&'static self, f: impl FnOnce(&T) -> R) -> Result<R, AccessError> {
        Ok(self.with(f))
    }
}

impl<T: Copy + 'static> InterpLocal<Cell<T>> {
    pub fn get(&'static self) -> T {
        self.with(Cell::get)
    }
    pub fn set(&'static self, v: T) {
        self.with(|c| c.set(v))
    }
}

impl<T: 'static> InterpLocal<Cell<T>> {
    pub fn replace(&'static self, v: T) -> T {
        self.with(|c| c.replace(v))
    }
}

impl<T: 'static> InterpLocal<RefCell<T>> {
    pub fn with_borrow<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        self.with(|c| f(&c.borrow()))
    }
    pub fn with_borrow_mut<R>(&'static self, f: impl FnOnce(&mut T) -> R) -> R {
        self.with(|c| f(&mut c.borrow_mut()))
    }
    pub fn set(&'static self, v: T) {
        self.with(|c| *c.borrow_mut() = v)
    }
    pub fn replace(&'static self, v: T) -> T {
        self.with(|c| c.replace(v))
    }
}

impl<T: Default + 'static> InterpLocal<RefCell<T>> {
    pub fn take(&'static self) -> T {
        self.with(|c| c.take())
    }
}

/// Declare per-interpreter statics, with `thread_local!`'s syntax.
#[macro_export]
macro_rules! interp_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident : $t:ty = const { $init:expr } $(; $($rest:tt)*)?) => {
        $(#[$attr])* $vis static $name: $crate::vm::interp_local::InterpLocal<$t> =
            $crate::vm::interp_local::InterpLocal::new({
                fn __init() -> $t {
                    $init
                }
                __init
            });
        $($crate::interp_local!($($rest)*);)?
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident : $t:ty = $init:expr $(; $($rest:tt)*)?) => {
        $(#[$attr])* $vis static $name: $crate::vm::interp_local::InterpLocal<$t> =
            $crate::vm::interp_local::InterpLocal::new({
                fn __init() -> $t {
                    $init
                }
                __init
            });
        $($crate::interp_local!($($rest)*);)?
    };
}
