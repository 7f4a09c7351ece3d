//! A guard against native stack overflow. Python-to-Python calls do not
//! recurse on the Rust stack, but recursion through native code does
//! (`__repr__` calling `repr`, `__init__` creating instances, comparisons
//! of nested containers): with a raised `sys.setrecursionlimit` it could
//! run the thread out of stack, where CPython 3.11 itself would crash.
//! The recursion guards ([`Vm::enter_recursive`] and the call of a Python
//! function from native code) also check the stack left on the current
//! thread and raise RecursionError when it is below a reserve.
//!
//! The bounds of the thread's stack are read once per thread with
//! `pthread_getattr_np`; the current depth is the address of a local.

use std::cell::Cell;

/// Stack kept free below the last check: room for the native work done
/// between two checks (a debug build's eval loop and builtins take tens
/// of KiB per level), and for printing the RecursionError's traceback.
fn reserve(size: usize) -> usize {
    (size / 8).clamp(64 * 1024, 16 * 1024 * 1024)
}

std::thread_local! {
    /// (lowest usable address, lowest address a native recursion may go
    /// on from: that plus the reserve) of this thread's stack; (0, 0)
    /// when unknown (nothing is ever below it), `NOT_LOOKED` until the
    /// first look.
    static LIMIT: Cell<(usize, usize)> = const { Cell::new(NOT_LOOKED) };
}

/// `LIMIT` before the thread's stack bounds were read.
const NOT_LOOKED: (usize, usize) = (usize::MAX, usize::MAX);

/// The lowest address of the current thread's stack and its size.
fn stack_bounds() -> Option<(usize, usize)> {
    // SAFETY: `attr` is initialised by pthread_getattr_np before use and
    // destroyed once; pthread_attr_getstack only writes the two outputs.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let ok = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0;
        libc::pthread_attr_destroy(&mut attr);
        (ok && !addr.is_null()).then_some((addr as usize, size))
    }
}

#[inline(always)]
fn limit() -> (usize, usize) {
    let l = LIMIT.try_with(Cell::get).unwrap_or((0, 0));
    if l.0 == usize::MAX {
        return limit_first_look();
    }
    l
}

/// Read the thread's stack bounds (once per thread).
#[cold]
#[inline(never)]
fn limit_first_look() -> (usize, usize) {
    let l = stack_bounds()
        .map(|(low, size)| (low, low.saturating_add(reserve(size))))
        .unwrap_or((0, 0));
    let _ = LIMIT.try_with(|c| c.set(l));
    l
}

/// The address of a local: how deep the stack is now (it grows down).
#[inline(always)]
fn current_sp() -> usize {
    let marker = 0u8;
    std::ptr::addr_of!(marker) as usize
}

/// Bytes of stack left on this thread, when known.
pub fn remaining() -> Option<usize> {
    let (low, _) = limit();
    (low != 0).then(|| current_sp().saturating_sub(low))
}

/// Whether the stack left is below the reserve: the next native
/// recursion must raise RecursionError instead of going deeper. Inline:
/// a thread-local load and a compare on every guarded builtin call.
#[inline(always)]
pub fn exhausted() -> bool {
    current_sp() < limit().1
}

#[cfg(test)]
mod tests {
    #[test]
    fn bounds_of_the_test_thread_are_known() {
        let left = super::remaining();
        assert!(left.is_some_and(|l| l > 0), "{left:?}");
        assert!(!super::exhausted());
    }

    #[test]
    fn deep_native_recursion_is_seen() {
        fn down(n: usize) -> usize {
            let pad = [0u8; 4096];
            if super::exhausted() {
                return n;
            }
            down(n + 1) + std::hint::black_box(&pad)[0] as usize
        }
        let worker = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(|| down(0));
        let depth = worker.map(|h| h.join());
        // 1 MiB less the 128 KiB reserve, 4 KiB and more a level.
        assert!(
            matches!(depth, Ok(Ok(d)) if (100..256).contains(&d)),
            "{depth:?}"
        );
    }
}
