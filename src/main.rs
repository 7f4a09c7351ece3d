//! The `pycvm` command line: a thin layer over the library.

mod cli;

/// mimalloc: measured faster than glibc malloc for pycvm's many small
/// objects (marshal decoding allocates two blocks per object); entered
/// through its plain `mi_malloc` where alignment allows (cli/allocator.rs).
#[global_allocator]
static GLOBAL: cli::allocator::PyAlloc = cli::allocator::PyAlloc;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    disable_transparent_huge_pages();
    purge_freed_arena_memory_at_once();
    pycvm::vm::run::set_program_end_hook(keep_freed_memory_until_exit);
    let args = cli::Cli::parse_from(cli::normalize_args(std::env::args_os().collect()));
    match cli::dispatch(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("pycvm: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// mimalloc keeps freed arena memory resident for `purge_delay` times
/// `arena_purge_mult` (10 ms x 10) before returning it to the system: a
/// list grown by reallocation (CPython's growth, an eighth at a time)
/// leaves its old buffers resident meanwhile. Measured, purging them at
/// once took the peak RSS of benches/programs/exceptions from 57 to 37 MB
/// and text_processing's from 142 to 128 MB, with no change in CPU time.
fn purge_freed_arena_memory_at_once() {
    extern "C" {
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    /// `mi_option_arena_purge_mult` in mimalloc.h (v2 and v3 alike).
    const MI_OPTION_ARENA_PURGE_MULT: std::ffi::c_int = 24;
    // SAFETY: mi_option_set (linked from libmimalloc-sys, the global
    // allocator) stores an option value; it is called before any other
    // thread exists, as mimalloc requires.
    unsafe {
        mi_option_set(MI_OPTION_ARENA_PURGE_MULT, 0);
    }
}

/// Once the program has ended, freed memory need not go back to the
/// system page by page before the process exits: at exit that was some 30
/// `madvise` calls (vm/run.rs calls this when no other Python thread runs;
/// a negative multiplier turns purging off).
fn keep_freed_memory_until_exit() {
    extern "C" {
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    /// `mi_option_arena_purge_mult` in mimalloc.h (v2 and v3 alike).
    const MI_OPTION_ARENA_PURGE_MULT: std::ffi::c_int = 24;
    // SAFETY: mi_option_set (linked from libmimalloc-sys, the global
    // allocator) stores an option value; the interpreter calls this only
    // when no other thread of the program runs Python code or allocates
    // (the starting thread only waits to join the interpreter's).
    unsafe {
        mi_option_set(MI_OPTION_ARENA_PURGE_MULT, -1);
    }
}

/// mimalloc's arenas are eligible for transparent huge pages, and the
/// kernel zeroes a whole 2 MB page on its first touch: measured, that was
/// over half of a short program's run time (`import json` spent 15 of
/// 25 ms in the kernel's `clear_page`). pycvm's heap is many small objects,
/// which gain nothing from huge pages.
fn disable_transparent_huge_pages() {
    // SAFETY: prctl(PR_SET_THP_DISABLE) only sets a flag on this process's
    // memory descriptor; it reads no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
