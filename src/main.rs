//! The `pycvm` command line: a thin layer over the library.

mod cli;

/// mimalloc: measured faster than glibc malloc for pycvm's many small
/// objects (marshal decoding allocates two blocks per object).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    disable_transparent_huge_pages();
    let args = cli::Cli::parse_from(cli::normalize_args(std::env::args_os().collect()));
    match cli::dispatch(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("pycvm: error: {err:#}");
            ExitCode::from(2)
        }
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
