//! CPython's "trashcan": freeing a deeply nested structure (a list nested a
//! million deep, a long linked list of instances) must not recurse on the
//! native stack once per level. `Drop for PyObject` releases an object's
//! contents inside [`enter`]/[`leave`]; past [`MAX_DEPTH`] nested releases,
//! the contents are parked in a thread-local list instead, and the
//! outermost release empties that list iteratively (each parked item may
//! park more, never deeper than `MAX_DEPTH` levels).

use std::cell::{Cell, RefCell};

use super::Payload;

/// Nested releases handled inline before contents are parked. Each level
/// costs a few hundred bytes of stack in debug builds, so this stays far
/// below the smallest thread stack the VM runs on (test threads: 2 MiB).
const MAX_DEPTH: usize = 500;

/// The contents of an object whose release was put off.
struct Parked {
    _payload: Payload,
    _dict: super::attrs::Slot,
}

std::thread_local! {
    /// Releases in progress on this thread's stack.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// Contents waiting to be released by the outermost release.
    static TRASH: RefCell<Vec<Parked>> = const { RefCell::new(Vec::new()) };
    /// Whether anything was parked since the last drain (the outermost
    /// release looks at the list only then).
    static PARKED: Cell<bool> = const { Cell::new(false) };
}

/// Start releasing an object's contents: `Some(level)` to release them
/// now (pass `level` to [`leave`] afterwards), `None` when the stack is
/// deep already and they must go to [`park`].
#[inline]
pub(super) fn enter() -> Option<usize> {
    DEPTH
        .try_with(|d| {
            let level = d.get();
            if level >= MAX_DEPTH {
                None
            } else {
                d.set(level + 1);
                Some(level)
            }
        })
        // The thread is shutting down: release inline.
        .unwrap_or(Some(1))
}

/// Put off the release of `payload` and `dict` to the outermost release.
pub(super) fn park(payload: Payload, dict: super::attrs::Slot) {
    let item = Parked {
        _payload: payload,
        _dict: dict,
    };
    let _ = PARKED.try_with(|p| p.set(true));
    // Without the list (the thread is shutting down) it is released here.
    let _ = TRASH.try_with(|t| {
        if let Ok(mut t) = t.try_borrow_mut() {
            t.push(item);
        }
    });
}

/// Finish the release begun by [`enter`]; the outermost one empties the
/// parked contents, one at a time.
#[inline]
pub(super) fn leave(level: usize) {
    let _ = DEPTH.try_with(|d| d.set(level));
    if level == 0 && PARKED.try_with(Cell::get).unwrap_or(true) {
        drain();
    }
}

#[cold]
fn drain() {
    let _ = PARKED.try_with(|p| p.set(false));
    let has_trash = TRASH
        .try_with(|t| t.try_borrow().is_ok_and(|t| !t.is_empty()))
        .unwrap_or(false);
    if !has_trash {
        return;
    }
    // Releases made while draining count from level 1, so they park
    // instead of draining recursively.
    let _ = DEPTH.try_with(|d| d.set(1));
    loop {
        let next = TRASH
            .try_with(|t| t.try_borrow_mut().ok().and_then(|mut t| t.pop()))
            .ok()
            .flatten();
        match next {
            Some(item) => drop(item),
            None => break,
        }
    }
    let _ = DEPTH.try_with(|d| d.set(0));
}

#[cfg(test)]
mod tests {
    use crate::vm::value::Value;
    use crate::vm::Vm;

    /// A list, a tuple and an instance-dict chain 200,000 deep are freed on
    /// a 512 KiB stack (inline release would need far more).
    #[test]
    fn deep_chains_free_on_a_small_stack() {
        let worker = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(|| {
                let vm = Vm::new();
                let mut list = Value::None;
                let mut tuple = Value::None;
                for _ in 0..200_000 {
                    list = vm.new_list(vec![list]);
                    tuple = vm.new_tuple_of([tuple]);
                }
                drop(list);
                drop(tuple);
                super::DEPTH.with(|d| d.get())
            });
        let joined = worker.map(|h| h.join());
        assert!(matches!(joined, Ok(Ok(0))), "{joined:?}");
    }
}
