//! SIGINT as CPython handles it: the signal only sets a flag; the eval loop
//! raises KeyboardInterrupt in the running Python code at its next
//! backward jump or call, and an uncaught KeyboardInterrupt ends the
//! process by SIGINT after the traceback (so the exit status says so).

use std::sync::atomic::{AtomicBool, Ordering};

static SIGINT_PENDING: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    SIGINT_PENDING.store(true, Ordering::Relaxed);
}

/// Route SIGINT to the flag — unless it was ignored when pycvm started
/// (a background job), which CPython also leaves alone.
pub fn install() {
    let handler: extern "C" fn(libc::c_int) = on_sigint;
    // SAFETY: `signal` installs a handler that only stores to an atomic
    // flag, which is async-signal-safe; if the previous disposition was
    // "ignore", it is put back unchanged.
    unsafe {
        let previous = libc::signal(libc::SIGINT, handler as libc::sighandler_t);
        if previous == libc::SIG_IGN {
            libc::signal(libc::SIGINT, libc::SIG_IGN);
        }
    }
}

/// Whether a SIGINT arrived since the last call (clears the flag).
#[inline]
pub fn take_pending() -> bool {
    SIGINT_PENDING.load(Ordering::Relaxed) && SIGINT_PENDING.swap(false, Ordering::Relaxed)
}

/// End the process by SIGINT with the default disposition, as CPython does
/// after printing an uncaught KeyboardInterrupt.
pub fn die_by_sigint() {
    // SAFETY: restoring the default disposition and raising the signal in
    // this process; nothing runs afterwards.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
        libc::raise(libc::SIGINT);
    }
}
