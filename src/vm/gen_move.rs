//! Moving a generator's frame record and values between its state and the
//! VM's frame and value stacks, with one copy each way: no temporaries and
//! no out-of-line `Vec` calls on the path of every `yield` and resumption
//! (vm/gen.rs `enter_generator` and `suspend_generator`). The state keeps
//! its value buffer while the frame runs (emptied, capacity kept), so a
//! suspension allocates nothing.

use super::frame::{Frame, GenExit};
use super::ops::{read_words, write_words};
use super::value::{PyRef, Value};

/// Move the frame in `slot` onto the top of `frames`, leaving `slot` None,
/// with its stack positions at `base` and `exit`/`generator` set (the
/// fields a resumption changes, written once, in the frame's new place).
/// False (nothing moved) when `slot` is None.
#[inline(always)]
pub(crate) fn frame_to_stack(
    frames: &mut Vec<Frame>,
    slot: &mut Option<Frame>,
    base: usize,
    exit: GenExit,
    gen: PyRef,
) -> bool {
    let Some(src) = slot.as_mut() else {
        return false;
    };
    // Written before the move: after it the frame stack owns the record.
    src.base = base;
    src.ret_base = base;
    src.entry = exit == GenExit::No;
    src.gen_exit = exit;
    // The suspended record holds no generator (`suspend_generator` took it).
    let old = src.generator.replace(gen);
    let src: *const Frame = src;
    if frames.len() == frames.capacity() {
        frames.reserve(1);
    }
    // SAFETY: `src` points to the valid frame inside `slot`, and the slot
    // past the frame stack's length is reserved (above) and does not
    // overlap it. The bitwise copy moves the frame: the frame stack owns
    // it once its length covers it, and `slot` is then overwritten with
    // None without being dropped, so the frame has exactly one owner.
    unsafe {
        let len = frames.len();
        crate::vm::ops::copy_words(src, frames.as_mut_ptr().add(len));
        frames.set_len(len + 1);
        std::ptr::write(slot, None);
    }
    drop(old);
    true
}

/// Move the top frame of `frames` into `slot`. False when the frame stack
/// is empty.
#[inline(always)]
pub(crate) fn frame_from_stack(frames: &mut Vec<Frame>, slot: &mut Option<Frame>) -> bool {
    let Some(len) = frames.len().checked_sub(1) else {
        return false;
    };
    if slot.is_some() {
        // Not the case while the frame runs; the old record is dropped.
        *slot = frames.pop();
        return true;
    }
    // SAFETY: `len` is below the frame stack's length, so the slot at `len`
    // holds a valid frame; cutting the length first makes the read the
    // frame's only owner, moved into `slot`. `slot` is None (checked above),
    // which owns nothing, so overwriting it without a drop leaks nothing.
    unsafe {
        frames.set_len(len);
        let src = frames.as_ptr().add(len);
        // `Some(frame)` is the frame's own bytes (asserted below: the
        // option has no room for a tag of its own, its `None` is a value
        // no frame holds), so the record's words go straight into it.
        const _: () = assert!(std::mem::size_of::<Option<Frame>>() == std::mem::size_of::<Frame>());
        crate::vm::ops::copy_words(src, (slot as *mut Option<Frame>).cast::<Frame>());
    }
    true
}

/// Append all of `src` to `dst`, leaving `src` empty (its buffer kept).
#[inline(always)]
pub(crate) fn append_values(dst: &mut Vec<Value>, src: &mut Vec<Value>) {
    let n = src.len();
    if dst.capacity() - dst.len() < n {
        dst.reserve(n);
    }
    // SAFETY: `src` holds `n` valid values and `dst` has room for `n` more
    // past its length (reserved above); the buffers are distinct. Each value
    // is moved: `src`'s length is cut to 0 and `dst`'s extended over them,
    // so every value has one owner.
    unsafe {
        let len = dst.len();
        let d = dst.as_mut_ptr().add(len);
        let s = src.as_ptr();
        for i in 0..n {
            write_words(d.add(i), read_words(s.add(i)));
        }
        src.set_len(0);
        dst.set_len(len + n);
    }
}

/// `v.push(x)` without the out-of-line call.
#[inline(always)]
pub(crate) fn push_value(v: &mut Vec<Value>, x: Value) {
    if v.len() == v.capacity() {
        v.reserve(1);
    }
    // SAFETY: there is room for one more value past the length (reserved
    // above); the slot is then covered by the length and owns `x`.
    unsafe {
        let len = v.len();
        write_words(v.as_mut_ptr().add(len), x);
        v.set_len(len + 1);
    }
}

/// `v.pop()` without the out-of-line call; None for an empty `v`.
#[inline(always)]
pub(crate) fn pop_value(v: &mut Vec<Value>) -> Value {
    let Some(len) = v.len().checked_sub(1) else {
        return Value::None;
    };
    // SAFETY: slot `len` holds a value; cutting the length first makes the
    // read its only owner.
    unsafe {
        v.set_len(len);
        read_words(v.as_ptr().add(len))
    }
}
