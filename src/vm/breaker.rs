//! The eval breaker (CPython's `eval_breaker`): one word the eval loop reads
//! before each instruction. Whatever needs the loop's attention between
//! instructions (finalizers of dropped objects, generators to close, a
//! collection, signals, a request to give up the interpreter lock) sets its
//! bit here, so the loop's fast path is a single relaxed load.

use std::sync::atomic::{AtomicU32, Ordering};

static BREAKER: AtomicU32 = AtomicU32::new(0);

/// `__del__` methods or weakref callbacks are queued (objects/finalize.rs).
pub const FINALIZERS: u32 = 1;
/// Suspended generators were dropped and wait to be closed (vm/gen.rs).
pub const GENERATORS: u32 = 2;
/// A signal arrived (vm/signals.rs); handled at backward jumps and calls.
pub const SIGNALS: u32 = 4;
/// Another thread asks for the interpreter lock.
pub const GIL_DROP: u32 = 8;
/// The cycle collector's allocation threshold was crossed.
pub const GC: u32 = 16;
/// A trace or profile function is set (`vm.tracing`): while it is, the loop
/// takes its slow path before every instruction.
pub const TRACING: u32 = 32;

/// Whether any bit is set (the loop's per-instruction check).
#[inline(always)]
pub fn any() -> bool {
    BREAKER.load(Ordering::Relaxed) != 0
}

/// Set `bit`.
#[inline]
pub fn set(bit: u32) {
    BREAKER.fetch_or(bit, Ordering::Relaxed);
}

/// Clear `bit`.
#[inline]
pub fn clear(bit: u32) {
    BREAKER.fetch_and(!bit, Ordering::Relaxed);
}

/// Set `bit` when `on`, else clear it.
#[inline]
pub fn set_to(bit: u32, on: bool) {
    if on {
        set(bit);
    } else {
        clear(bit);
    }
}

/// Whether `bit` is set.
#[inline]
pub fn is_set(bit: u32) -> bool {
    BREAKER.load(Ordering::Relaxed) & bit != 0
}
