//! The interpreter lock (GIL): Python threads are OS threads sharing one
//! `Vm`; the thread holding the lock is the only one touching the `Vm` or
//! any Python object. See docs/threads.md.
//!
//! Switching follows CPython's `ceval_gil.c`: a thread waiting for the
//! lock waits `sys.getswitchinterval()`; if the holder has not let go by
//! then (no switch happened meanwhile) it sets the drop request, which the
//! eval loop sees at its next signal check (backward jump, call, return)
//! and answers by handing the lock over (`eval_breaker`); the dropping
//! thread waits until another thread took it (FORCE_SWITCHING), so a
//! CPU-bound thread cannot starve the others. Blocking calls release the
//! lock around the wait (`Vm::allow_threads`).
//!
//! The per-thread part of the interpreter (frame and value stacks, the
//! handled exception, recursion depths, ...) lives in the `Vm` while its
//! thread holds the lock and is moved out into that thread's own Rust
//! stack while it does not (`ThreadState`).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use super::frame::Frame;
use super::value::{PyRef, Value};
use super::Vm;

/// Set by a thread that waited a whole switch interval for the lock.
static DROP_REQUEST: AtomicBool = AtomicBool::new(false);

/// `sys.setswitchinterval`, in microseconds (CPython's default 5 ms).
static INTERVAL_US: AtomicU64 = AtomicU64::new(5000);

/// `sys.getswitchinterval()` in microseconds.
pub fn switch_interval_us() -> u64 {
    INTERVAL_US.load(Ordering::Relaxed)
}

/// `sys.setswitchinterval(us / 1e6)`.
pub fn set_switch_interval_us(us: u64) {
    INTERVAL_US.store(us, Ordering::Relaxed);
}

fn interval() -> Duration {
    Duration::from_micros(switch_interval_us().max(1))
}

#[derive(Default)]
struct GilState {
    locked: bool,
    /// Bumped at every acquisition (CPython's `switch_number`).
    switch_number: u64,
    /// Threads inside `acquire`.
    waiters: usize,
    /// Set once the interpreter is finalizing: other threads never get
    /// the lock again (CPython makes them exit; here they stay parked).
    finalizing: bool,
}

/// One interpreter's lock (it lives in its `interp_local::Table`).
pub struct Gil {
    state: Mutex<GilState>,
    /// Signalled when the lock is released.
    released: Condvar,
    /// Signalled when a thread took the lock (forced switching).
    switched: Condvar,
    /// Whether a second thread was ever started: until then nothing
    /// waits for the lock, and releasing it is skipped.
    threads_on: AtomicBool,
}

impl Default for Gil {
    fn default() -> Self {
        Gil::new()
    }
}

impl Gil {
    /// A lock held by its creator (the interpreter's main thread, which
    /// is running when the table is made).
    pub fn new() -> Gil {
        Gil {
            state: Mutex::new(GilState {
                locked: true,
                ..GilState::default()
            }),
            released: Condvar::new(),
            switched: Condvar::new(),
            threads_on: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, GilState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn threads_on(&self) -> bool {
        self.threads_on.load(Ordering::Relaxed)
    }

    /// Called (with the lock held) before starting a second thread.
    pub fn enable_threads(&self) {
        self.threads_on.store(true, Ordering::Relaxed);
    }

    /// The state after a fork: held by the (only) thread, nobody waiting.
    /// A state mutex that a vanished thread held at the fork is left
    /// alone (it is held for a few instructions at a time).
    fn reset_after_fork(&self) {
        if let Ok(mut st) = self.state.try_lock() {
            st.locked = true;
            st.waiters = 0;
            st.finalizing = false;
        }
    }

    /// From now on only `main` gets the lock (Py_FinalizeEx).
    pub fn set_finalizing(&self) {
        self.lock().finalizing = true;
    }

    /// Wait for the lock and take it (`take_gil`).
    pub fn acquire(&self, is_main: bool) {
        let mut st = self.lock();
        loop {
            if st.finalizing && !is_main {
                // Parked for good: the process is ending.
                st = self.released.wait(st).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            if !st.locked {
                break;
            }
            let seen = st.switch_number;
            st.waiters += 1;
            let (g, r) = self
                .released
                .wait_timeout(st, interval())
                .unwrap_or_else(|e| e.into_inner());
            st = g;
            st.waiters -= 1;
            if r.timed_out() && st.locked && st.switch_number == seen {
                DROP_REQUEST.store(true, Ordering::Relaxed);
                super::signals::request_break();
            }
        }
        st.locked = true;
        st.switch_number = st.switch_number.wrapping_add(1);
        DROP_REQUEST.store(false, Ordering::Relaxed);
        drop(st);
        self.switched.notify_all();
    }

    /// Let the lock go (`drop_gil`); with `force_switch`, wait until
    /// another thread took it (if any is waiting).
    pub fn release(&self, force_switch: bool) {
        let mut st = self.lock();
        st.locked = false;
        let seen = st.switch_number;
        if st.finalizing {
            // Parked threads wait on the same condition: wake them all so
            // the main thread is among the woken.
            self.released.notify_all();
        } else {
            self.released.notify_one();
        }
        if !force_switch {
            return;
        }
        while st.waiters > 0 && st.switch_number == seen && !st.finalizing {
            st = self
                .switched
                .wait_timeout(st, interval())
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// The per-thread part of the interpreter, moved out of the `Vm` while
/// its thread does not hold the lock.
pub struct ThreadState {
    stack: Vec<Value>,
    frames: Vec<Frame>,
    native_depth: usize,
    c_recursion: usize,
    exc_info: Value,
    pending_kwnames: Option<PyRef>,
    gen_exc: super::gen::GenExcChain,
    repr_stack: Vec<usize>,
    /// Whether a trace or profile function is set (per thread).
    tracing: bool,
    /// The thread's contextvars context and its `sys.settrace`/
    /// `setprofile` and asyncgen hooks (per thread in CPython).
    context: Option<PyRef>,
    trace_hooks: (Value, Value),
    asyncgen_hooks: (Value, Value),
}

impl ThreadState {
    /// Nothing: what a releasing thread leaves in the `Vm`.
    pub fn empty() -> ThreadState {
        ThreadState {
            stack: Vec::new(),
            frames: Vec::new(),
            native_depth: 0,
            c_recursion: 0,
            exc_info: Value::None,
            pending_kwnames: None,
            gen_exc: super::gen::GenExcChain::default(),
            repr_stack: Vec::new(),
            tracing: false,
            context: None,
            trace_hooks: (Value::None, Value::None),
            asyncgen_hooks: (Value::None, Value::None),
        }
    }

    /// A new thread's state (stacks sized as `Vm::new` sizes them).
    pub fn fresh() -> ThreadState {
        ThreadState {
            stack: Vec::with_capacity(1 << 16),
            frames: Vec::with_capacity(256),
            ..ThreadState::empty()
        }
    }

    /// Exchange this state with the `Vm`'s.
    pub fn swap_with(&mut self, vm: &mut Vm) {
        std::mem::swap(&mut self.stack, &mut vm.stack);
        std::mem::swap(&mut self.frames, &mut vm.frames);
        std::mem::swap(&mut self.native_depth, &mut vm.native_depth);
        std::mem::swap(&mut self.c_recursion, &mut vm.c_recursion);
        std::mem::swap(&mut self.exc_info, &mut vm.exc_info);
        std::mem::swap(&mut self.pending_kwnames, &mut vm.pending_kwnames);
        std::mem::swap(&mut self.gen_exc, &mut vm.gen_exc);
        std::mem::swap(&mut self.repr_stack, &mut vm.repr_stack);
        std::mem::swap(&mut self.tracing, &mut vm.tracing);
        // The eval breaker's tracing bit follows the running thread's flag.
        super::breaker::set_to(super::breaker::TRACING, vm.tracing);
        crate::modules::contextvars::swap_current(&mut self.context);
        crate::modules::sys_trace::swap_hooks(&mut self.trace_hooks);
        crate::modules::sys_hooks::swap_hooks(&mut self.asyncgen_hooks);
    }
}

/// Whether the calling thread is its interpreter's main thread.
pub fn is_main_thread() -> bool {
    super::interp_local::table()
        .main_ident
        .load(Ordering::Relaxed)
        == crate::modules::thread::thread_ident()
}

/// In the child of `os.fork()`: only the forking thread exists; it holds
/// the lock and is the main thread now (`PyOS_AfterFork_Child`).
pub fn after_fork_child() {
    let t = super::interp_local::table();
    t.main_ident
        .store(crate::modules::thread::thread_ident(), Ordering::Relaxed);
    DROP_REQUEST.store(false, Ordering::Relaxed);
    t.gil.reset_after_fork();
}

impl Vm {
    /// Run `f` (a blocking call that touches no Python object: it must be
    /// `Send`, so it cannot capture a `PyRef`) with the interpreter lock
    /// released, so other threads run meanwhile
    /// (`Py_BEGIN_ALLOW_THREADS`).
    pub fn allow_threads<R>(&mut self, f: impl FnOnce() -> R + Send) -> R {
        let t = super::interp_local::table();
        if !t.gil.threads_on() {
            return f();
        }
        let mut ts = ThreadState::empty();
        ts.swap_with(self);
        t.gil.release(false);
        let r = f();
        t.gil.acquire(is_main_thread());
        // The Vm changed under us: keep the compiler from assuming not.
        let vm = std::hint::black_box(self);
        ts.swap_with(vm);
        r
    }

    /// Hand the lock to the thread that asked for it, then wait for it
    /// back (the eval loop's answer to a drop request).
    fn yield_gil(&mut self) {
        let t = super::interp_local::table();
        let mut ts = ThreadState::empty();
        ts.swap_with(self);
        t.gil.release(true);
        t.gil.acquire(is_main_thread());
        let vm = std::hint::black_box(self);
        ts.swap_with(vm);
    }
}

/// The eval loop's periodic check (with its signal check): give the lock
/// up if another thread asked. Returns whether this thread may run signal
/// handlers (only the main thread does; for others the signals stay
/// pending and the eval loop is asked to look again).
pub fn eval_breaker(vm: &mut Vm) -> bool {
    if DROP_REQUEST.load(Ordering::Relaxed) && super::interp_local::table().gil.threads_on() {
        vm.yield_gil();
    }
    if is_main_thread() {
        return true;
    }
    if super::signals::any_signal_pending() {
        super::signals::request_break();
    }
    false
}
