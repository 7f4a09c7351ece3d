//! The `pycvm` command line: a thin layer over the library.
//!
//! The binary has its own C `main` (`no_main`): std's start-up reads
//! `/proc/self/maps` (glibc's `pthread_getattr_np` for the main thread's
//! stack guard, parsed with `sscanf`) and sets up signal stacks for its
//! stack-overflow message, ~140,000 instructions and several system calls
//! at every start. pycvm guards its own stack (vm/stack_guard.rs); `entry`
//! does the rest of what std's start-up did (see `start_as_std_does`).
#![cfg_attr(not(test), no_main)]

mod cli;

/// mimalloc: measured faster than glibc malloc for pycvm's many small
/// objects (marshal decoding allocates two blocks per object); entered
/// through its plain `mi_malloc` where alignment allows (cli/allocator.rs).
#[global_allocator]
static GLOBAL: cli::allocator::PyAlloc = cli::allocator::PyAlloc;

use std::process::ExitCode;

/// The process's entry point, called by the C runtime (arguments are read
/// through `std::env::args_os`, which glibc gives std before `main`).
#[cfg(not(test))]
#[no_mangle]
pub extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    entry()
}

#[cfg(test)]
fn main() {
    entry();
}

/// Run the command line and end the process with its status (flushing
/// std's stdout as a return from a std `main` does); a panic ends it with
/// status 101 as under std's `main`, after the panic hook printed it.
fn entry() -> ! {
    reserve_smaller_arenas();
    start_as_std_does();
    match std::panic::catch_unwind(run) {
        Ok(code) => std::process::exit(status_of(code)),
        Err(_) => std::process::exit(101),
    }
}

/// The status an `ExitCode` stands for (std has no stable accessor; every
/// code pycvm makes is `ExitCode::from` a byte, SUCCESS and FAILURE being
/// 0 and 1).
fn status_of(code: ExitCode) -> i32 {
    (0..=255u8)
        .find(|b| ExitCode::from(*b) == code)
        .map_or(1, i32::from)
}

fn run() -> ExitCode {
    disable_transparent_huge_pages();
    // Not during start-up: the blocks it frees are soon reused, and
    // purging them at once cost ~25 page faults and a dozen `madvise`s.
    pycvm::vm::run::set_startup_end_hook(at_startup_end);
    pycvm::vm::run::set_program_end_hook(keep_freed_memory_until_exit);
    let args = match cli::normalize_args(std::env::args_os().collect()) {
        Ok(args) => cli::parse(args),
        Err(err) => {
            // As CPython's usage error (status 2).
            eprintln!("{err}\nusage: pycvm [option] ... [-c cmd | -m mod | file] [arg] ...");
            return ExitCode::from(2);
        }
    };
    match cli::dispatch(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("pycvm: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// What std's start-up does that pycvm relies on: standard descriptors
/// 0-2 that are closed are opened on /dev/null (so no file the program
/// opens becomes its stdout), and SIGPIPE is ignored (a write to a closed
/// pipe is a BrokenPipeError, as in CPython; child processes get the
/// default back, as std spawns them).
fn start_as_std_does() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: poll reads and writes the three pollfd records of `fds`,
    // whose length is passed; open/fcntl/signal take no pointers of ours
    // except the NUL-terminated path literal.
    unsafe {
        let dev_null = c"/dev/null".as_ptr();
        loop {
            if libc::poll(fds.as_mut_ptr(), 3, 0) != -1 {
                for p in &fds {
                    if p.revents & libc::POLLNVAL != 0 {
                        libc::open(dev_null, libc::O_RDWR, 0);
                    }
                }
                break;
            }
            let err = std::io::Error::last_os_error().raw_os_error();
            if err == Some(libc::EINTR) {
                continue;
            }
            for fd in 0..3 {
                if libc::fcntl(fd, libc::F_GETFD) == -1
                    && std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF)
                {
                    libc::open(dev_null, libc::O_RDWR, 0);
                }
            }
            break;
        }
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}

/// mimalloc reserves its address space an arena at a time (1 GiB first)
/// and writes the arena's bitmaps, sized by the arena, on its first
/// pages: a 64 MiB first arena took ~30 page faults off every start
/// (later arenas grow: mimalloc doubles their size every eight).
/// Called before the first allocation.
fn reserve_smaller_arenas() {
    extern "C" {
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    /// `mi_option_arena_reserve` in mimalloc.h (v3), in KiB.
    const MI_OPTION_ARENA_RESERVE: std::ffi::c_int = 23;
    /// `mi_option_purge_delay` in mimalloc.h (v3), in ms.
    const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;
    // SAFETY: mi_option_set (linked from libmimalloc-sys, the global
    // allocator) stores an option value; it is called before any other
    // thread exists, as mimalloc requires.
    unsafe {
        mi_option_set(MI_OPTION_ARENA_RESERVE, 64 * 1024);
        // See `purge_freed_arena_memory_soon`: the delay must be set before
        // the first allocation (set later, it was not followed: exceptions'
        // peak went from 33 to 52 MB).
        mi_option_set(MI_OPTION_PURGE_DELAY, 1);
    }
}

/// The interpreter has started; the program is about to run.
fn at_startup_end() {
    purge_freed_arena_memory_soon();
    drop_startup_code_pages();
}

/// Start-up (type objects, the builtins, the import system, unmarshalled
/// code) runs code and reads tables of the executable that the program
/// mostly never touches again, and the kernel maps a file's pages 64 KiB
/// around each fault: measured, 4.8 MB of pycvm's text and 1 MB of its
/// read-only data were resident when a program started, counted in its
/// peak RSS. Unmapping them (`MADV_DONTNEED` on the executable's
/// read-only segments: they stay in the page cache, and a page used again
/// is mapped again on its next access, a minor fault) took 1.4 to 1.9 MB
/// off the peaks of benches/programs/raytrace and deltablue.
///
/// Only segments that are never written are touched (no `PF_W`: the
/// relocated `.data.rel.ro` is in a writable one), and only the whole
/// pages inside them, so no page holding written data is dropped.
fn drop_startup_code_pages() {
    /// `PF_W` in elf.h: a writable segment.
    const PF_W: u32 = 2;
    // SAFETY: called only by `dl_iterate_phdr` below, with the arguments
    // glibc documents for its callback.
    unsafe extern "C" fn main_program(
        info: *mut libc::dl_phdr_info,
        _size: libc::size_t,
        _data: *mut std::ffi::c_void,
    ) -> std::ffi::c_int {
        // SAFETY: glibc passes a valid `dl_phdr_info` for the first object
        // (the main program) whose `dlpi_phdr` points at its
        // `dlpi_phnum` program headers, mapped for the process's life.
        let (bias, phdrs) = unsafe {
            let info = &*info;
            (
                info.dlpi_addr as usize,
                std::slice::from_raw_parts(info.dlpi_phdr, usize::from(info.dlpi_phnum)),
            )
        };
        let page = 4096usize;
        for ph in phdrs {
            if ph.p_type != libc::PT_LOAD || ph.p_flags & PF_W != 0 {
                continue;
            }
            let start = bias.wrapping_add(ph.p_vaddr as usize);
            let end = start.wrapping_add(ph.p_memsz as usize);
            let lo = start.next_multiple_of(page);
            let hi = end & !(page - 1);
            if hi > lo {
                // SAFETY: [lo, hi) is whole pages of a read-only mapping
                // of the executable file that nothing ever writes (no
                // `PF_W`), so dropping them loses nothing: the kernel maps
                // the file's same contents again on the next access.
                unsafe {
                    libc::madvise(lo as *mut std::ffi::c_void, hi - lo, libc::MADV_DONTNEED);
                }
            }
        }
        // The main program is the first object: stop.
        1
    }
    // SAFETY: `main_program` is a valid callback for `dl_iterate_phdr`; it
    // reads only what glibc passes it.
    unsafe {
        libc::dl_iterate_phdr(Some(main_program), std::ptr::null_mut());
    }
}

/// mimalloc keeps freed arena memory resident for `purge_delay` times
/// `arena_purge_mult` (10 ms x 10) before returning it to the system: a
/// list grown by reallocation (CPython's growth, an eighth at a time)
/// leaves its old buffers resident meanwhile. Measured, purging them
/// sooner took the peak RSS of benches/programs/exceptions from 57 to 37 MB
/// and text_processing's from 142 to 128 MB, with no change in CPU time.
/// Purging at once (a zero delay) made a program that frees and allocates
/// large blocks in turn pay a `madvise` and fresh page faults each time:
/// pyperformance's pidigits spent 0.82 s in the kernel against 0.84 s of
/// user time (32,000 `madvise` calls), regex_dna 0.16 s; a delay of 1 ms
/// (`purge_delay` 1 x `arena_purge_mult` 1) takes both to almost nothing,
/// and the peaks of those two benchmark sets moved by under 1 MB. The
/// 1 ms `purge_delay` is set before the first allocation
/// (`reserve_smaller_arenas`); the multiplier stays 10 during start-up.
fn purge_freed_arena_memory_soon() {
    extern "C" {
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    /// `mi_option_arena_purge_mult` in mimalloc.h (v2 and v3 alike).
    const MI_OPTION_ARENA_PURGE_MULT: std::ffi::c_int = 24;
    // SAFETY: mi_option_set (linked from libmimalloc-sys, the global
    // allocator) stores an option value; it is called when the interpreter
    // has started (vm/run.rs), on its thread, while the only other thread
    // waits to join it and allocates nothing.
    unsafe {
        mi_option_set(MI_OPTION_ARENA_PURGE_MULT, 1);
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
