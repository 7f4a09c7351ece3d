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
}

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
