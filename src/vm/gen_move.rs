//! Moving a generator's frame record and values between its state and the
//! VM's frame and value stacks, with one copy each way: no temporaries and
//! no out-of-line `Vec` calls on the path of every `yield` and resumption
//! (vm/gen.rs `enter_generator` and `suspend_generator`).

use super::frame::Frame;
use super::gen::Suspended;
use super::ops::{read_words, write_words};
use super::value::Value;

/// Move the frame of the suspension in `slot` onto the top of `frames`,
/// leaving `slot` None; gives back the suspension's value buffer (None
/// when there was no suspension).
#[inline(always)]
pub(crate) fn frame_to_stack(
    frames: &mut Vec<Frame>,
    slot: &mut Option<Suspended>,
) -> Option<Vec<Value>> {
    let susp = slot.as_mut()?;
    let values = std::mem::take(&mut susp.values);
    let src: *const Frame = &susp.frame;
    if frames.len() == frames.capacity() {
        frames.reserve(1);
    }
    // SAFETY: `src` points to the valid frame inside `slot`, and the slot
    // past the frame stack's length is reserved (above) and does not
    // overlap it. The bitwise copy moves the frame: the frame stack owns
    // it once its length covers it, and `slot` is then overwritten with
    // None without being dropped (its other part, the value buffer, was
    // taken out above and an empty `Vec` owns nothing), so the frame has
    // exactly one owner.
    unsafe {
        let len = frames.len();
        std::ptr::copy_nonoverlapping(src, frames.as_mut_ptr().add(len), 1);
        frames.set_len(len + 1);
        std::ptr::write(slot, None);
    }
    Some(values)
}

/// Move the top frame of `frames` into `slot`, with `values`, as a
/// suspension. False when the frame stack is empty.
#[inline(always)]
pub(crate) fn frame_from_stack(
    frames: &mut Vec<Frame>,
    slot: &mut Option<Suspended>,
    values: Vec<Value>,
) -> bool {
    let Some(len) = frames.len().checked_sub(1) else {
        return false;
    };
    if slot.is_some() {
        // Not the case while the frame runs; the old suspension is dropped.
        *slot = frames.pop().map(|frame| Suspended { frame, values });
        return true;
    }
    // SAFETY: `len` is below the frame stack's length, so the slot at `len`
    // holds a valid frame; cutting the length first makes the read the
    // frame's only owner, moved into `slot`. `slot` is None (checked above),
    // which owns nothing, so overwriting it without a drop leaks nothing.
    unsafe {
        frames.set_len(len);
        let src = frames.as_ptr().add(len);
        std::ptr::write(
            slot,
            Some(Suspended {
                frame: std::ptr::read(src),
                values,
            }),
        );
    }
    true
}

/// Append all of `src` to `dst`, leaving `src` empty (its buffer kept).
#[inline(always)]
pub(crate) fn append_values(dst: &mut Vec<Value>, src: &mut Vec<Value>) {
    let n = src.len();
    dst.reserve(n);
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

/// Put the emptied value buffer `values` back as `spare`. The old spare is
/// normally the empty `Vec` a suspension left there, which owns nothing.
#[inline(always)]
pub(crate) fn keep_spare(spare: &mut Vec<Value>, values: Vec<Value>) {
    let old = std::mem::replace(spare, values);
    if old.capacity() == 0 {
        // Nothing to free: skip the out-of-line drop.
        std::mem::forget(old);
    } else {
        drop(old);
    }
}
