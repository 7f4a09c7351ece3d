//! Signals as CPython handles them: the C-level handler only sets a flag
//! per signal; the eval loop runs the Python-level handlers (the `_signal`
//! module's table, src/modules/signal.rs) in the running Python code at
//! its next backward jump or call. SIGINT's default Python handler raises
//! KeyboardInterrupt, and an uncaught KeyboardInterrupt ends the process
//! by SIGINT after the traceback (so the exit status says so).

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use super::{PyResult, Vm};

/// Signal numbers are below this (Linux's `NSIG`).
pub const NSIG: usize = 65;

/// Whether any signal arrived since the last check.
static ANY_PENDING: AtomicBool = AtomicBool::new(false);
/// Which signals arrived.
static PENDING: [AtomicBool; NSIG] = [const { AtomicBool::new(false) }; NSIG];

/// `signal.set_wakeup_fd`: the descriptor the handler writes each
/// arriving signal's number to (as one byte), or -1.
static WAKEUP_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(signum: libc::c_int) {
    if let Some(flag) = usize::try_from(signum).ok().and_then(|i| PENDING.get(i)) {
        flag.store(true, Ordering::Relaxed);
        ANY_PENDING.store(true, Ordering::Relaxed);
    }
    let fd = WAKEUP_FD.load(Ordering::Relaxed);
    if fd >= 0 {
        let byte = signum as u8;
        // SAFETY: write(2) is async-signal-safe; one byte from a local. A
        // full or closed descriptor is ignored, as CPython does by default;
        // errno is saved and restored around it.
        unsafe {
            let saved = *libc::__errno_location();
            libc::write(fd, (&byte as *const u8).cast(), 1);
            *libc::__errno_location() = saved;
        }
    }
}

/// Set the wakeup descriptor (-1: none); the previous one.
pub fn set_wakeup_fd(fd: i32) -> i32 {
    WAKEUP_FD.swap(fd, Ordering::Relaxed)
}

/// Route `signum` to the flag (its Python handler runs later).
pub fn catch(signum: i32) -> bool {
    let handler: extern "C" fn(libc::c_int) = on_signal;
    // SAFETY: the handler only stores to atomic flags (async-signal-safe).
    unsafe { libc::signal(signum, handler as libc::sighandler_t) != libc::SIG_ERR }
}

/// Route SIGINT to the flag — unless it was ignored when pycvm started
/// (a background job), which CPython also leaves alone.
pub fn install() {
    let handler: extern "C" fn(libc::c_int) = on_signal;
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

/// Block the catchable signals in the calling thread (the launcher
/// thread waiting for the interpreter thread); returns the mask it had.
pub fn block_in_this_thread() -> libc::sigset_t {
    // SAFETY: sigfillset/sigemptyset initialise the sets; pthread_sigmask
    // only changes the calling thread's mask and writes the old one into
    // `old`. SIGKILL/SIGSTOP cannot be blocked anyway, and faults
    // (SIGSEGV...) raised in the interpreter thread still go to it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut old);
        libc::sigfillset(&mut set);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
        old
    }
}

/// Give the calling thread the signal mask `mask` (the interpreter thread
/// takes back the mask its launcher had before blocking).
pub fn set_mask_in_this_thread(mask: &libc::sigset_t) {
    // SAFETY: `mask` is an initialised set (from `block_in_this_thread`);
    // pthread_sigmask only changes the calling thread's mask.
    unsafe {
        libc::pthread_sigmask(libc::SIG_SETMASK, mask, std::ptr::null_mut());
    }
}

/// Mark `signum` as arrived (`_thread.interrupt_main`, tests).
pub fn trip(signum: usize) {
    if let Some(flag) = PENDING.get(signum) {
        flag.store(true, Ordering::Relaxed);
        ANY_PENDING.store(true, Ordering::Relaxed);
    }
}

/// Whether a signal arrived since the last call (clears the flag; the
/// caller then runs [`Vm::run_signal_handlers`]).
#[inline]
pub fn take_pending() -> bool {
    ANY_PENDING.load(Ordering::Relaxed) && ANY_PENDING.swap(false, Ordering::Relaxed)
}

/// Whether a signal (or a GIL drop request) waits, without clearing it.
#[inline(always)]
pub fn pending() -> bool {
    ANY_PENDING.load(Ordering::Relaxed)
}

/// Make the eval loop's next check call `run_signal_handlers` (the
/// GIL's drop request, src/vm/gil.rs).
pub fn request_break() {
    ANY_PENDING.store(true, Ordering::Relaxed);
}

/// Whether any signal waits for its handler.
pub fn any_signal_pending() -> bool {
    PENDING.iter().any(|f| f.load(Ordering::Relaxed))
}

/// Raise the "check signals" flag with no signal (an instruction budget
/// of vm/limited.rs is charged at each check while it stays raised).
pub fn arm() {
    ANY_PENDING.store(true, Ordering::Relaxed);
}

/// Whether `signum` arrived (clears its flag).
pub fn take_signal(signum: usize) -> bool {
    PENDING
        .get(signum)
        .is_some_and(|f| f.load(Ordering::Relaxed) && f.swap(false, Ordering::Relaxed))
}

impl Vm {
    /// Run the Python handlers of the signals that arrived, lowest number
    /// first; an exception from a handler propagates (the remaining
    /// signals stay pending).
    pub fn run_signal_handlers(&mut self) -> PyResult<()> {
        if super::limited::active() {
            arm();
            super::limited::charge(self)?;
        }
        // The GIL's drop request rides on the same flag (src/vm/gil.rs);
        // only the main thread runs handlers.
        if !super::gil::eval_breaker(self) {
            return Ok(());
        }
        for signum in 1..NSIG {
            if take_signal(signum) {
                if let Err(e) = crate::modules::signal::dispatch(self, signum) {
                    if PENDING.iter().any(|f| f.load(Ordering::Relaxed)) {
                        ANY_PENDING.store(true, Ordering::Relaxed);
                    }
                    return Err(e);
                }
            }
        }
        Ok(())
    }
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
