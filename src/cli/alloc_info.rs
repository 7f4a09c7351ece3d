//! The global allocator's own figures for the memory report
//! (`pycvm run --memstats`, `sys._debugmallocstats()`): mimalloc's
//! process information.

use std::ffi::c_void;

extern "C" {
    /// mimalloc's `mi_process_info` (every out-parameter may be null).
    fn mi_process_info(
        elapsed_msecs: *mut usize,
        user_msecs: *mut usize,
        system_msecs: *mut usize,
        current_rss: *mut usize,
        peak_rss: *mut usize,
        current_commit: *mut usize,
        peak_commit: *mut usize,
        page_faults: *mut usize,
    );
}

fn mimalloc_figures() -> Vec<(&'static str, u64)> {
    let mut commit = 0usize;
    let mut peak_commit = 0usize;
    let null = std::ptr::null_mut::<c_void>().cast::<usize>();
    // SAFETY: mi_process_info (linked from libmimalloc-sys, the global
    // allocator of this binary) writes each non-null out-parameter once and
    // accepts null for the others; the two pointers are to live locals.
    unsafe {
        mi_process_info(
            null,
            null,
            null,
            null,
            null,
            &mut commit,
            &mut peak_commit,
            null,
        );
    }
    vec![
        ("committed now", commit as u64),
        ("committed at peak", peak_commit as u64),
    ]
}

/// Register mimalloc's figures with the library's memory report.
pub fn register() {
    pycvm::vm::memstats::set_allocator_info("mimalloc", mimalloc_figures);
}
