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
///
/// The record is copied as 16-byte blocks: it was last written when the
/// frame was suspended, long before, so no store waits to be forwarded
/// (the word-by-word copies elsewhere avoid 16-byte loads of data just
/// written as words). The changed fields are written after the copy, into
/// the frame stack.
#[inline(always)]
pub(crate) fn frame_to_stack(
    frames: &mut Vec<Frame>,
    slot: &mut Option<Frame>,
    base: usize,
    exit: GenExit,
    gen: PyRef,
) -> bool {
    let Some(src) = slot.as_ref() else {
        return false;
    };
    // The suspended record holds no generator (`suspend_generator` took
    // it), so overwriting the copy's field below drops nothing.
    debug_assert!(src.generator.is_none());
    let src: *const Frame = src;
    if frames.len() == frames.capacity() {
        frames.reserve(1);
    }
    // SAFETY: `src` points to the valid frame inside `slot`, and the slot
    // past the frame stack's length is reserved (above) and does not
    // overlap it. The bitwise copy moves the frame: the frame stack owns
    // it once its length covers it, and `slot` is then overwritten with
    // None without being dropped, so the frame has exactly one owner. The
    // fields written into the copy are plain data, except `generator`,
    // which is None (asserted above) and written without a drop.
    unsafe {
        let len = frames.len();
        let dst = frames.as_mut_ptr().add(len);
        std::ptr::copy_nonoverlapping(src, dst, 1);
        std::ptr::write(slot, None);
        (*dst).base = base;
        (*dst).ret_base = base;
        (*dst).entry = exit == GenExit::No;
        (*dst).gen_exit = exit;
        std::ptr::write(std::ptr::addr_of_mut!((*dst).generator), Some(gen));
        frames.set_len(len + 1);
    }
    true
}

/// Move the top frame of `frames` into `slot` as suspended at a yield:
/// `lasti` and `pc` set, not resumed by a caller's loop (`gen_exit`), and
/// its generator reference taken out (returned; None when the frame stack
/// is empty or the record had none).
///
/// The record is copied as 16-byte blocks, then the changed fields are
/// written into the copy: the running frame's record was last written at
/// its resumption (the instructions in between do not touch it), so no
/// store waits to be forwarded to those loads.
#[inline(always)]
pub(crate) fn frame_from_stack(
    frames: &mut Vec<Frame>,
    slot: &mut Option<Frame>,
    lasti: usize,
    pc: usize,
) -> Option<PyRef> {
    let len = frames.len().checked_sub(1)?;
    if slot.is_some() {
        // Not the case while the frame runs; the old record is dropped.
        *slot = None;
    }
    // `Some(frame)` is the frame's own bytes (asserted below: the option
    // has no room for a tag of its own, its `None` is a value no frame
    // holds), so the record goes straight into it.
    const _: () = assert!(std::mem::size_of::<Option<Frame>>() == std::mem::size_of::<Frame>());
    // SAFETY: `len` is below the frame stack's length, so the slot at `len`
    // holds a valid frame; cutting the length first makes the copy the
    // frame's only owner, moved into `slot`, which is None (made so above)
    // and owns nothing, so overwriting it without a drop leaks nothing.
    // The generator reference is read out of the copy and None written
    // over it without a drop (one owner: the returned value); the other
    // fields written are plain data.
    unsafe {
        frames.set_len(len);
        let src = frames.as_ptr().add(len);
        let dst = (slot as *mut Option<Frame>).cast::<Frame>();
        std::ptr::copy_nonoverlapping(src, dst, 1);
        (*dst).lasti = lasti;
        (*dst).pc = pc;
        (*dst).gen_exit = GenExit::No;
        let gen = std::ptr::read(std::ptr::addr_of!((*dst).generator));
        std::ptr::write(std::ptr::addr_of_mut!((*dst).generator), None);
        gen
    }
}

/// Move all of `src` (a suspended frame's locals-plus and value stack) to
/// the end of `dst` and push `arg` after them, leaving `src` empty (its
/// buffer kept); returns where the values start in `dst`. One capacity
/// check and one pass of word moves.
#[inline(always)]
pub(crate) fn values_to_stack(dst: &mut Vec<Value>, src: &mut Vec<Value>, arg: Value) -> usize {
    let n = src.len();
    let base = dst.len();
    if dst.capacity() - base <= n {
        dst.reserve(n + 1);
    }
    // SAFETY: `src` holds `n` valid values and `dst` has room for `n + 1`
    // more past its length (reserved above); the buffers are distinct. Each
    // value is moved: `src`'s length is cut to 0 and `dst`'s extended over
    // them and `arg`, so every value has one owner.
    unsafe {
        let mut s = src.as_ptr();
        let end = s.add(n);
        let mut d = dst.as_mut_ptr().add(base);
        while s != end {
            write_words(d, read_words(s));
            s = s.add(1);
            d = d.add(1);
        }
        write_words(d, arg);
        src.set_len(0);
        dst.set_len(base + n + 1);
    }
    base
}

/// Move `stack[start..]` into `buf` (empty while its frame runs: the
/// values went to the stack at the resumption), cutting the stack to
/// `start`.
#[inline(always)]
pub(crate) fn values_from_stack(stack: &mut Vec<Value>, start: usize, buf: &mut Vec<Value>) {
    if !buf.is_empty() {
        buf.clear();
    }
    let len = stack.len();
    let start = start.min(len);
    let n = len - start;
    if buf.capacity() < n {
        buf.reserve(n);
    }
    // SAFETY: slots `start..len` of the stack hold values, moved into the
    // first `n` slots of the empty buffer, which has room for them
    // (reserved above); the stack's length is cut to `start` so each value
    // has one owner.
    unsafe {
        let mut s = stack.as_ptr().add(start);
        let end = stack.as_ptr().add(len);
        let mut d = buf.as_mut_ptr();
        while s != end {
            write_words(d, read_words(s));
            s = s.add(1);
            d = d.add(1);
        }
        stack.set_len(start);
        buf.set_len(n);
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
