//! The global allocator: mimalloc, entered through its plain `mi_malloc`
//! whenever the layout's alignment is one mimalloc's size classes already
//! give. The `mimalloc` crate always calls `mi_malloc_aligned`, whose extra
//! checks cost measurably on pycvm's allocation-heavy paths (objects, frames
//! of generators, argument buffers): about 5% of the instructions of
//! benches/programs/raytrace.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

extern "C" {
    fn mi_malloc(size: usize) -> *mut c_void;
    fn mi_zalloc(size: usize) -> *mut c_void;
    fn mi_realloc(p: *mut c_void, newsize: usize) -> *mut c_void;
    fn mi_free(p: *mut c_void);
    fn mi_usable_size(p: *const c_void) -> usize;
}

/// A block growing past this many bytes by less than half its size gets
/// headroom (see `grow_with_headroom`).
const HEADROOM_MIN: usize = 4096;

/// mimalloc through its unaligned entry points where they suffice.
pub struct PyAlloc;

/// Whether `mi_malloc(size)` is aligned enough for `layout`: every block
/// is 8-aligned, and blocks of a multiple of 16 bytes are 16-aligned
/// (size classes are multiples of 8 and pages 16-aligned; mimalloc
/// guarantees `MI_MAX_ALIGN_SIZE` = 16 for such sizes).
#[inline(always)]
fn plain(size: usize, align: usize) -> bool {
    align <= 8 || (align <= 16 && size.is_multiple_of(16))
}

// SAFETY: every block comes from mimalloc (plain or aligned entry points,
// both freed by `mi_free`), with at least the size and alignment asked for
// (see `plain`); mimalloc is thread-safe.
unsafe impl GlobalAlloc for PyAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if plain(layout.size(), layout.align()) {
            // SAFETY: `mi_malloc` has no preconditions.
            unsafe { mi_malloc(layout.size()).cast() }
        } else {
            // SAFETY: forwarded with the caller's layout contract.
            unsafe { mimalloc::MiMalloc.alloc(layout) }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if plain(layout.size(), layout.align()) {
            // SAFETY: `mi_zalloc` has no preconditions.
            unsafe { mi_zalloc(layout.size()).cast() }
        } else {
            // SAFETY: forwarded with the caller's layout contract.
            unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator (the caller's contract),
        // so from mimalloc, whose `mi_free` takes any of its blocks.
        unsafe { mi_free(ptr.cast()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if plain(new_size, layout.align()) && plain(layout.size(), layout.align()) {
            let old = layout.size();
            if new_size > old && new_size >= HEADROOM_MIN && new_size - old < old / 2 {
                // SAFETY: as for `mi_realloc` below.
                return unsafe { grow_with_headroom(ptr, old, new_size) };
            }
            // SAFETY: `ptr` is a live mimalloc block (the caller's
            // contract); `mi_realloc` keeps the content up to the smaller
            // size, and the result is aligned enough by `plain`.
            unsafe { mi_realloc(ptr.cast(), new_size).cast() }
        } else {
            // SAFETY: forwarded with the caller's contract.
            unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
        }
    }
}

/// Grow the live mimalloc block `ptr` of `old` bytes to `new_size` bytes
/// (more than `old`). A block that grows by small steps (a list appended
/// to: CPython's `list_resize` adds an eighth) would otherwise be copied
/// at almost every step, where CPython's `realloc` usually extends it in
/// place: when it must move, it gets half its size again as headroom, so
/// the next steps stay in place (`mi_realloc` keeps a block that still
/// fits and is at least half used). What Python sees (`sys.getsizeof`,
/// `tracemalloc`) follows the requested sizes, not the headroom.
///
/// # Safety
/// `ptr` must be a live block of this allocator of at least `old` bytes,
/// allocated with an alignment `plain` accepts for `new_size`.
#[cold]
unsafe fn grow_with_headroom(ptr: *mut u8, old: usize, new_size: usize) -> *mut u8 {
    // SAFETY: `ptr` is a live mimalloc block (the caller's contract).
    if new_size <= unsafe { mi_usable_size(ptr.cast()) } {
        // SAFETY: as in `realloc`: it fits, so it stays in place.
        return unsafe { mi_realloc(ptr.cast(), new_size).cast() };
    }
    let want = new_size.saturating_add(new_size / 2).saturating_add(15) & !15;
    // SAFETY: `mi_malloc` has no preconditions; `want` is a multiple of 16
    // (so the block is 16-aligned, see `plain`) and at least `new_size`.
    let p: *mut u8 = unsafe { mi_malloc(want).cast() };
    if p.is_null() {
        // SAFETY: as in `realloc`.
        return unsafe { mi_realloc(ptr.cast(), new_size).cast() };
    }
    // SAFETY: the old block holds `old` initialised-or-not bytes (copied
    // as bytes), the new one at least `want > old`; they are distinct
    // live blocks. The old one is then freed once, as `realloc` would.
    unsafe {
        std::ptr::copy_nonoverlapping(ptr, p, old);
        mi_free(ptr.cast());
    }
    p
}
