//! Setting `frame.f_lineno` from a trace function (the jump behind pdb's
//! `jump` command), as CPython 3.11's Objects/frameobject.c
//! `frame_setlineno` does: the target is the first line at or after the
//! one asked for that has code; the value stack at the target must be
//! compatible with the current one (CPython models it per instruction
//! with `mark_stacks`: a stack of kinds — iterator, exception, object,
//! NULL, saved `lasti` — packed 3 bits each in an `i64`, following jumps
//! and the exception table); the values the target does not have are
//! popped (an exception popped restores the handled exception, as
//! 3.11.7's `frame_setlineno`). The same jumps are allowed and refused
//! with the same messages as CPython's.
//!
//! The eval loop picks the new position up after the trace function
//! returns ([`take_jump`]), and the jumped-to instruction runs without a
//! second `line` event ([`entering`]), as in CPython.

use std::cell::Cell;

use crate::pyc::opcode::{deopt_code, Op};
use crate::vm::code::{Code, Handler};
use crate::vm::value::Value;
use crate::vm::Vm;

const ITERATOR: i64 = 1;
const EXCEPT: i64 = 2;
const OBJECT: i64 = 3;
const NULL: i64 = 4;
const LASTI: i64 = 5;

const BITS_PER_BLOCK: u32 = 3;
const UNINITIALIZED: i64 = -2;
const OVERFLOWED: i64 = -1;
const MAX_STACK_ENTRIES: u32 = 63 / BITS_PER_BLOCK;
const WILL_OVERFLOW: u64 = 1u64 << ((MAX_STACK_ENTRIES - 1) * BITS_PER_BLOCK);

const CO_GENERATOR: u32 = 0x20;
const CO_COROUTINE: u32 = 0x80;
const CO_ASYNC_GENERATOR: u32 = 0x200;

fn push_value(stack: i64, kind: i64) -> i64 {
    if (stack as u64) >= WILL_OVERFLOW {
        OVERFLOWED
    } else {
        (stack << BITS_PER_BLOCK) | kind
    }
}

fn pop_value(stack: i64) -> i64 {
    stack >> BITS_PER_BLOCK
}

fn top_of_stack(stack: i64) -> i64 {
    stack & ((1 << BITS_PER_BLOCK) - 1)
}

fn compatible_kind(from: i64, to: i64) -> bool {
    match to {
        0 => false,
        OBJECT => from != NULL,
        NULL => true,
        _ => from == to,
    }
}

fn compatible_stack(mut from: i64, mut to: i64) -> bool {
    if from < 0 || to < 0 {
        return false;
    }
    while from > to {
        from = pop_value(from);
    }
    while from != 0 {
        if !compatible_kind(top_of_stack(from), top_of_stack(to)) {
            return false;
        }
        from = pop_value(from);
        to = pop_value(to);
    }
    to == 0
}

fn explain_incompatible_stack(to: i64) -> &'static str {
    match to {
        OVERFLOWED => "stack is too deep to analyze",
        UNINITIALIZED => "can't jump into an exception handler, or code may be unreachable",
        _ => match top_of_stack(to) {
            EXCEPT => "can't jump into an 'except' block as there's no exception",
            LASTI => "can't jump into a re-raising block as there's no location",
            ITERATOR => "can't jump into the body of a for loop",
            _ => "incompatible stacks",
        },
    }
}

/// The oparg of code unit `i`, with its EXTENDED_ARG prefixes.
fn get_arg(code: &[u8], i: usize) -> usize {
    let unit = |k: usize| -> (u8, usize) {
        (
            code.get(2 * k).copied().unwrap_or(0),
            code.get(2 * k + 1).copied().unwrap_or(0) as usize,
        )
    };
    let ext = Op::ExtendedArg as u8;
    let mut oparg = unit(i).1;
    for (back, shift) in [(1, 8), (2, 16), (3, 24)] {
        match i.checked_sub(back).map(unit) {
            Some((op, arg)) if op == ext => oparg |= arg << shift,
            _ => break,
        }
    }
    oparg
}

/// `pop_to_level`: the stack cut down to `level` entries.
fn pop_to_level(mut stack: i64, level: usize) -> i64 {
    if level == 0 {
        return 0;
    }
    let max_item: i64 = (1 << BITS_PER_BLOCK) - 1;
    let shift = (level - 1) as u32 * BITS_PER_BLOCK;
    if shift >= 63 {
        return stack;
    }
    let level_max = max_item << shift;
    while stack > level_max {
        stack = pop_value(stack);
    }
    stack
}

/// `mark_stacks`: the stack at each code unit (`len + 1` entries).
fn mark_stacks(code: &[u8], flags: u32, handlers: &[Handler]) -> Vec<i64> {
    let len = code.len() / 2;
    let mut stacks = vec![UNINITIALIZED; len + 1];
    stacks[0] = 0;
    if flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR) != 0 {
        // Generators get sent None while starting.
        stacks[0] = push_value(0, OBJECT);
    }
    let mut todo = true;
    while todo {
        todo = false;
        for i in 0..len {
            let mut next = stacks[i];
            if next == UNINITIALIZED {
                continue;
            }
            let byte = code.get(2 * i).copied().unwrap_or(0);
            let low = code.get(2 * i + 1).copied().unwrap_or(0) as i32;
            let Some(op) = Op::from_u8(byte) else {
                // Not an opcode: CPython's stack effect is invalid (huge).
                stacks[i + 1] = OVERFLOWED;
                continue;
            };
            let set = |stacks: &mut Vec<i64>, j: usize, v: i64| {
                if let Some(s) = stacks.get_mut(j) {
                    *s = v;
                }
            };
            match op {
                Op::Cache => stacks[i + 1] = stacks[i],
                Op::JumpIfFalseOrPop
                | Op::JumpIfTrueOrPop
                | Op::PopJumpForwardIfFalse
                | Op::PopJumpBackwardIfFalse
                | Op::PopJumpForwardIfTrue
                | Op::PopJumpBackwardIfTrue => {
                    let arg = get_arg(code, i);
                    let j = match op {
                        Op::PopJumpBackwardIfFalse | Op::PopJumpBackwardIfTrue => {
                            (i + 1).wrapping_sub(arg)
                        }
                        _ => arg + i + 1,
                    };
                    if stacks.get(j) == Some(&UNINITIALIZED) && j < i {
                        todo = true;
                    }
                    let target = if matches!(op, Op::JumpIfFalseOrPop | Op::JumpIfTrueOrPop) {
                        let t = next;
                        next = pop_value(next);
                        t
                    } else {
                        next = pop_value(next);
                        next
                    };
                    set(&mut stacks, j, target);
                    stacks[i + 1] = next;
                }
                Op::PopExcept => stacks[i + 1] = pop_value(next),
                Op::EndAsyncFor => stacks[i + 1] = pop_value(pop_value(next)),
                Op::Send => {
                    let j = get_arg(code, i) + i + 1;
                    set(&mut stacks, j, pop_value(next));
                    stacks[i + 1] = next;
                }
                Op::JumpForward => {
                    let j = get_arg(code, i) + i + 1;
                    set(&mut stacks, j, next);
                }
                Op::JumpBackward | Op::JumpBackwardNoInterrupt => {
                    let j = (i + 1).wrapping_sub(get_arg(code, i));
                    if stacks.get(j) == Some(&UNINITIALIZED) && j < i {
                        todo = true;
                    }
                    set(&mut stacks, j, next);
                }
                Op::GetIter | Op::GetAiter => {
                    stacks[i + 1] = push_value(pop_value(next), ITERATOR);
                }
                Op::ForIter => {
                    let target = pop_value(next);
                    stacks[i + 1] = push_value(next, OBJECT);
                    let j = get_arg(code, i) + 1 + Op::ForIter.caches() + i;
                    set(&mut stacks, j, target);
                }
                Op::PushExcInfo => stacks[i + 1] = push_value(next, EXCEPT),
                Op::ReturnValue | Op::RaiseVarargs | Op::Reraise => {}
                Op::PushNull => stacks[i + 1] = push_value(next, NULL),
                Op::LoadGlobal => {
                    if get_arg(code, i) & 1 != 0 {
                        next = push_value(next, NULL);
                    }
                    stacks[i + 1] = push_value(next, OBJECT);
                }
                _ => {
                    let oparg = op.has_arg().then_some(low);
                    let delta = op.stack_effect(oparg, None).unwrap_or(i32::MAX);
                    if delta == i32::MAX {
                        next = OVERFLOWED;
                    } else {
                        for _ in delta..0 {
                            next = pop_value(next);
                        }
                        for _ in 0..delta {
                            next = push_value(next, OBJECT);
                        }
                    }
                    stacks[i + 1] = next;
                }
            }
        }
        // The exception table: a handler starts with the stack cut to its
        // depth, the saved lasti if any, and the exception.
        for h in handlers {
            let Some(&at) = stacks.get(h.start) else {
                continue;
            };
            if at != UNINITIALIZED && stacks.get(h.target) == Some(&UNINITIALIZED) {
                todo = true;
                let mut target = pop_to_level(at, h.depth);
                if h.lasti {
                    target = push_value(target, LASTI);
                }
                stacks[h.target] = push_value(target, EXCEPT);
            }
        }
    }
    stacks
}

/// `marklines`: the line starting at each code unit, or -1.
fn marklines(code: &Code, len: usize) -> Vec<i64> {
    let mut starts = vec![-1i64; len];
    let Some(co) = code.co() else {
        return starts;
    };
    let mut last = -1i64;
    for r in co.lines() {
        let Some(line) = r.line else { continue };
        let line = i64::from(line);
        if line != last && line != -1 {
            if let Some(s) = starts.get_mut(r.start as usize / 2) {
                *s = line;
            }
            last = line;
        }
    }
    starts
}

/// Where to jump: the target code unit and the values to pop (top
/// first: whether each is a saved exception), or CPython's message.
pub struct Jump {
    pub target: usize,
    pub pops: Vec<bool>,
}

/// `frame_setlineno` after its checks of the event and the trace
/// function: `lasti` is the instruction about to run, `suspended` a
/// generator stopped at a yield.
pub fn plan(code: &Code, lasti: usize, new_lineno: i64, suspended: bool) -> Result<Jump, String> {
    if new_lineno > i64::from(i32::MAX) || new_lineno < i64::from(i32::MIN) {
        return Err("lineno out of range".into());
    }
    if new_lineno < i64::from(code.firstlineno) {
        return Err(format!(
            "line {new_lineno} comes before the current code block"
        ));
    }
    let raw = deopt_code(code.raw_code());
    let len = raw.len() / 2;
    let lines = marklines(code, len);
    let Some(target_line) = lines.iter().copied().filter(|&l| l >= new_lineno).min() else {
        return Err(format!(
            "line {new_lineno} comes after the current code block"
        ));
    };
    let stacks = mark_stacks(&raw, code.flags, &code.handlers);
    let mut best_stack = OVERFLOWED;
    let mut best_addr = None;
    let mut start_stack = stacks.get(lasti).copied().unwrap_or(UNINITIALIZED);
    let mut err: i32 = -1;
    let mut msg = "cannot find bytecode for specified line";
    for (i, &l) in lines.iter().enumerate() {
        if l != target_line {
            continue;
        }
        let target_stack = stacks.get(i).copied().unwrap_or(UNINITIALIZED);
        if compatible_stack(start_stack, target_stack) {
            err = 0;
            if target_stack > best_stack {
                best_stack = target_stack;
                best_addr = Some(i);
            }
        } else if err < 0 {
            if start_stack == OVERFLOWED {
                msg = "stack to deep to analyze";
            } else if start_stack == UNINITIALIZED {
                msg = "can't jump from unreachable code";
            } else {
                msg = explain_incompatible_stack(target_stack);
                err = 1;
            }
        }
    }
    let (0, Some(target)) = (err, best_addr) else {
        return Err(msg.into());
    };
    if suspended {
        // The value the yield popped.
        start_stack = pop_value(start_stack);
    }
    let mut pops = Vec::new();
    while start_stack > best_stack {
        pops.push(top_of_stack(start_stack) == EXCEPT);
        start_stack = pop_value(start_stack);
    }
    Ok(Jump { target, pops })
}

/// A jump set by a trace function, for the eval loop.
#[derive(Default)]
enum Pending {
    #[default]
    None,
    /// Frame depth, target and values to pop: the eval loop continues
    /// there once the trace function returned.
    Requested(usize, usize, Vec<bool>),
    /// The eval loop is at the target: its `line` event is not repeated.
    Arrived(usize, usize),
}

crate::interp_local! {
    static PENDING: Cell<Pending> = const { Cell::new(Pending::None) };
    /// The depth (`vm.frames.len()`) of the frame whose instruction is
    /// being traced: the one frame a trace function may make jump.
    static TRACED: Cell<usize> = const { Cell::new(0) };
}

/// The depth of the frame whose trace event is running.
pub fn traced_depth() -> usize {
    TRACED.try_with(Cell::get).unwrap_or(0)
}

/// Record a jump of the frame at `depth` (`vm.frames.len()` when it is
/// on top) to `target`, popping `pops` values of its stack.
pub fn request(depth: usize, target: usize, pops: Vec<bool>) {
    let _ = PENDING.try_with(|p| p.set(Pending::Requested(depth, target, pops)));
}

/// After a trace hook returned: the code unit the top frame jumps to, if
/// its trace function set `f_lineno` (the values the target does not
/// have are popped here, now that the frame is on top again).
#[inline]
pub fn take_jump(vm: &mut Vm) -> Option<usize> {
    let depth = vm.frames.len();
    let p = PENDING.try_with(Cell::take).ok()?;
    let Pending::Requested(d, to, pops) = p else {
        let _ = PENDING.try_with(|c| c.set(p));
        return None;
    };
    if d != depth {
        // Another frame's loop (the trace function's own).
        let _ = PENDING.try_with(|c| c.set(Pending::Requested(d, to, pops)));
        return None;
    }
    let base = vm.frames.last()?.stack_base();
    vm.stack
        .len()
        .checked_sub(pops.len())
        .filter(|&k| k >= base)?;
    for except in pops {
        let v = vm.stack.pop().unwrap_or(Value::None);
        if except {
            // A saved exception: it is the handled one again.
            let old = std::mem::replace(&mut vm.exc_info, v);
            drop(old);
        } else {
            drop(v);
        }
    }
    if let Some(f) = vm.frames.last_mut() {
        f.lasti = to;
    }
    let _ = PENDING.try_with(|c| c.set(Pending::Arrived(d, to)));
    Some(to)
}

/// At the start of tracing instruction `pc` of the frame at `depth`:
/// whether it is the target of a jump just made (then its events are not
/// repeated). Clears any stale request.
pub fn entering(depth: usize, pc: usize) -> bool {
    let _ = TRACED.try_with(|t| t.set(depth));
    let p = PENDING.try_with(Cell::take).unwrap_or_default();
    matches!(p, Pending::Arrived(d, to) if d == depth && to == pc)
}
