//! The matcher: `SRE(match)`, `SRE(count)`, `SRE(charset)`, `SRE(at)` and `SRE(search)`
//! of Modules/_sre/sre_lib.h (CPython 3.11), over a subject of code points.
//!
//! Like CPython, `match` is a state machine over an explicit stack of contexts: where
//! CPython's `DO_JUMP` pushes a context and jumps to `entrance`, this pushes a [`Ctx`]
//! and continues the loop; when a context finishes, its parent resumes at the point
//! recorded in the child's [`Jump`]. Nothing here recurses on the Rust stack with the
//! subject's length; the only recursion is `count` running a complex single-character
//! item, which is bounded by [`MAX_COUNT_NESTING`].

use super::chars::{
    category, char_loc_ignore, is_linebreak, is_loc_word, is_uni_word, is_word, lower_ascii,
    lower_locale, lower_unicode, upper_locale, upper_unicode,
};
use super::constants::{at, info, op, MAXREPEAT};
use super::sets::{self, SetBits, NO_SETS};
use super::{SreError, Unit};

/// The null pointer of marks and `last_ptr`.
const NONE: usize = usize::MAX;

/// How deep `count` may nest matches of repeated items (only hand-made code nests).
const MAX_COUNT_NESTING: u32 = 64;

type R<T> = Result<T, SreError>;

/// Where a parent context resumes when its child returns (`JUMP_*` of sre_lib.h).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Jump {
    None,
    MaxUntil1,
    MaxUntil2,
    MaxUntil3,
    MinUntil1,
    MinUntil2,
    MinUntil3,
    Repeat,
    RepeatOne1,
    RepeatOne2,
    MinRepeatOne,
    Branch,
    Assert,
    AssertNot,
    PossRepeat1,
    PossRepeat2,
    AtomicGroup,
}

/// `SRE(match_context)`.
#[derive(Clone, Copy, Debug)]
struct Ctx {
    /// Code position (just after the opcode being executed, as `pattern` in C).
    pc: usize,
    ptr: usize,
    count: isize,
    chr: u32,
    rep: usize,
    lastmark: isize,
    lastindex: isize,
    toplevel: bool,
    /// How the parent resumes when this context returns.
    jump: Jump,
}

/// `SRE_REPEAT`.
#[derive(Clone, Copy, Debug)]
struct Repeat {
    count: isize,
    /// Position of the REPEAT's operands (`<skip> <min> <max> item`).
    pc: usize,
    prev: Option<usize>,
    last_ptr: usize,
}

/// What the dispatcher asks the driving loop to do next.
enum Step {
    /// Push a child context at `pc` (`DO_JUMP`); the current context is saved.
    Call {
        pc: usize,
        toplevel: bool,
        jump: Jump,
    },
    /// The current context returns this result.
    Return(bool),
    /// Continue executing the current context at `pc` with `ptr`.
    Dispatch { pc: usize, ptr: usize },
}

/// `SRE_STATE`: the subject, the bounds and the marks of one match attempt.
pub struct State<'a, T: Unit = u32> {
    code: &'a [u32],
    s: &'a [T],
    /// `state->pos` (the clamped `pos` argument).
    pub pos: usize,
    /// `state->start` (where the current attempt starts).
    pub start: usize,
    /// `state->end` (endpos).
    pub end: usize,
    /// `state->ptr` (where the last successful match ended).
    pub ptr: usize,
    pub(crate) marks: Vec<usize>,
    pub(crate) lastmark: isize,
    pub(crate) lastindex: isize,
    repeat: Option<usize>,
    repeats: Vec<Repeat>,
    data: Vec<usize>,
    pub(crate) match_all: bool,
    pub(crate) must_advance: bool,
    ctxs: Vec<Ctx>,
    count_nesting: u32,
    /// The pattern's set maps (sets.rs).
    sets: &'a SetBits,
}

/// A state's buffers between two matches.
struct Spare {
    marks: Vec<usize>,
    repeats: Vec<Repeat>,
    data: Vec<usize>,
    ctxs: Vec<Ctx>,
}

thread_local! {
    static SPARE: std::cell::Cell<Option<Spare>> = const { std::cell::Cell::new(None) };
}

/// Buffers grown past this many entries are not kept.
const SPARE_MAX: usize = 4096;

impl<T: Unit> Drop for State<'_, T> {
    fn drop(&mut self) {
        if self.ctxs.capacity() > SPARE_MAX
            || self.data.capacity() > SPARE_MAX
            || self.marks.capacity() > SPARE_MAX
            || self.repeats.capacity() > SPARE_MAX
        {
            return;
        }
        let mut b = Spare {
            marks: std::mem::take(&mut self.marks),
            repeats: std::mem::take(&mut self.repeats),
            data: std::mem::take(&mut self.data),
            ctxs: std::mem::take(&mut self.ctxs),
        };
        b.repeats.clear();
        b.data.clear();
        b.ctxs.clear();
        // A thread being torn down has no slot: the buffers go.
        let _ = SPARE.try_with(|c| c.set(Some(b)));
    }
}

impl<'a, T: Unit> State<'a, T> {
    /// `state_init`: `pos` and `endpos` are clamped to the subject as CPython does.
    pub fn new(code: &'a [u32], groups: usize, s: &'a [T], pos: isize, endpos: isize) -> Self {
        let len = s.len() as isize;
        let start = pos.clamp(0, len) as usize;
        let end = endpos.clamp(0, len) as usize;
        let mut st = State {
            code,
            s,
            pos: start,
            start,
            end,
            ptr: start,
            marks: Vec::new(),
            lastmark: -1,
            lastindex: -1,
            repeat: None,
            repeats: Vec::new(),
            data: Vec::new(),
            match_all: false,
            must_advance: false,
            ctxs: Vec::new(),
            count_nesting: 0,
            sets: &NO_SETS,
        };
        // The buffers of the last state on this thread, kept for the next
        // (a `sub` or `findall` makes one per match).
        if let Some(b) = SPARE.try_with(|c| c.take()).ok().flatten() {
            (st.marks, st.repeats, st.data, st.ctxs) = (b.marks, b.repeats, b.data, b.ctxs);
        }
        st.marks.clear();
        st.marks
            .resize(groups.saturating_mul(2).saturating_add(2), NONE);
        st
    }

    /// Use the pattern's set maps.
    pub(crate) fn with_sets(mut self, sets: &'a SetBits) -> Self {
        self.sets = sets;
        self
    }

    /// `state_reset`.
    pub fn reset(&mut self) {
        self.lastmark = -1;
        self.lastindex = -1;
        self.repeat = None;
        self.repeats.clear();
        self.data.clear();
        self.ctxs.clear();
    }

    /// The span of mark pair `2*group, 2*group+1` (0-based group), if set.
    pub(crate) fn group_span(&self, group: usize) -> Option<(usize, usize)> {
        let j = group * 2;
        if (j as isize) + 1 > self.lastmark {
            return None;
        }
        let a = *self.marks.get(j)?;
        let b = *self.marks.get(j + 1)?;
        if a == NONE || b == NONE {
            None
        } else {
            Some((a, b))
        }
    }

    // ----------------------------------------------------------------- helpers

    #[inline]
    fn op(&self, i: usize) -> R<u32> {
        self.code.get(i).copied().ok_or(SreError::Internal)
    }

    /// The character at `i` (callers check `i < end` first, as CPython does; reads past
    /// `end` but inside the subject see the real character, beyond it 0).
    #[inline]
    fn ch(&self, i: usize) -> u32 {
        self.s.get(i).map_or(0, |c| c.cp())
    }

    fn ctx(&mut self) -> R<&mut Ctx> {
        self.ctxs.last_mut().ok_or(SreError::Internal)
    }

    fn rep(&mut self, i: usize) -> R<&mut Repeat> {
        self.repeats.get_mut(i).ok_or(SreError::Internal)
    }

    fn lastmark_save(&mut self) -> R<()> {
        let (lm, li) = (self.lastmark, self.lastindex);
        let c = self.ctx()?;
        c.lastmark = lm;
        c.lastindex = li;
        Ok(())
    }

    fn lastmark_restore(&mut self) -> R<()> {
        let c = *self.ctx()?;
        self.lastmark = c.lastmark;
        self.lastindex = c.lastindex;
        Ok(())
    }

    fn saved_lastmark(&mut self) -> R<isize> {
        Ok(self.ctx()?.lastmark)
    }

    fn mark_push(&mut self) -> R<()> {
        let lm = self.saved_lastmark()?;
        if lm >= 0 {
            let n = lm as usize + 1;
            let marks = self.marks.get(..n).ok_or(SreError::Internal)?;
            self.data.extend_from_slice(marks);
        }
        Ok(())
    }

    /// MARK_POP (`discard`) / MARK_POP_KEEP (`!discard`).
    fn mark_pop(&mut self, discard: bool) -> R<()> {
        let lm = self.saved_lastmark()?;
        if lm >= 0 {
            let n = lm as usize + 1;
            let from = self.data.len().checked_sub(n).ok_or(SreError::Internal)?;
            let saved = self.data.get(from..).ok_or(SreError::Internal)?;
            let marks = self.marks.get_mut(..n).ok_or(SreError::Internal)?;
            marks.copy_from_slice(saved);
            if discard {
                self.data.truncate(from);
            }
        }
        Ok(())
    }

    fn mark_pop_discard(&mut self) -> R<()> {
        let lm = self.saved_lastmark()?;
        if lm >= 0 {
            let n = lm as usize + 1;
            let from = self.data.len().checked_sub(n).ok_or(SreError::Internal)?;
            self.data.truncate(from);
        }
        Ok(())
    }

    /// `if (ctx->toplevel_repeat) MARK_POP_DISCARD`: a child succeeded
    /// inside a repeat, so the marks it saved are dropped.
    fn discard_marks_in_repeat(&mut self) -> R<()> {
        if self.repeat.is_some() {
            self.mark_pop_discard()?;
        }
        Ok(())
    }

    /// A child failed: inside a repeat restore the marks saved before it
    /// (MARK_POP with `discard`, else MARK_POP_KEEP), then `lastmark`.
    fn restore_marks_in_repeat(&mut self, discard: bool) -> R<()> {
        if self.repeat.is_some() {
            self.mark_pop(discard)?;
        }
        self.lastmark_restore()
    }

    // ----------------------------------------------------------------- SRE(at)

    fn at(&self, ptr: usize, code: u32) -> bool {
        let end = self.end;
        let word_boundary = |f: fn(u32) -> bool| -> Option<bool> {
            if end == 0 {
                return None;
            }
            let that = ptr > 0 && f(self.ch(ptr - 1));
            let this = ptr < end && f(self.ch(ptr));
            Some(this != that)
        };
        match code {
            at::BEGINNING | at::BEGINNING_STRING => ptr == 0,
            at::BEGINNING_LINE => ptr == 0 || is_linebreak(self.ch(ptr.wrapping_sub(1))),
            at::END => (end.wrapping_sub(ptr) == 1 && is_linebreak(self.ch(ptr))) || ptr == end,
            at::END_LINE => ptr == end || is_linebreak(self.ch(ptr)),
            at::END_STRING => ptr == end,
            at::BOUNDARY => word_boundary(is_word).unwrap_or(false),
            at::NON_BOUNDARY => word_boundary(is_word).is_some_and(|b| !b),
            at::LOC_BOUNDARY => word_boundary(is_loc_word).unwrap_or(false),
            at::LOC_NON_BOUNDARY => word_boundary(is_loc_word).is_some_and(|b| !b),
            at::UNI_BOUNDARY => word_boundary(is_uni_word).unwrap_or(false),
            at::UNI_NON_BOUNDARY => word_boundary(is_uni_word).is_some_and(|b| !b),
            _ => false,
        }
    }

    // ----------------------------------------------------------------- SRE(charset)

    /// Whether `ch` is in the set starting at code position `set`.
    #[inline]
    fn charset(&self, set: usize, ch: u32) -> R<bool> {
        if ch < 256 {
            if let Some(map) = self.sets.get(set) {
                return Ok(sets::test(map, ch));
            }
        }
        self.charset_code(set, ch)
    }

    /// [`Self::charset`] from the set's code (`SRE(charset)`). Out of line:
    /// the maps answer most calls.
    #[inline(never)]
    pub(crate) fn charset_code(&self, mut set: usize, ch: u32) -> R<bool> {
        let mut ok = true;
        loop {
            let opcode = self.op(set)?;
            set += 1;
            match opcode {
                op::FAILURE => return Ok(!ok),
                op::LITERAL => {
                    if ch == self.op(set)? {
                        return Ok(ok);
                    }
                    set += 1;
                }
                op::CATEGORY => {
                    if category(self.op(set)?, ch) {
                        return Ok(ok);
                    }
                    set += 1;
                }
                op::CHARSET => {
                    if ch < 256 && self.op(set + (ch / 32) as usize)? & (1u32 << (ch & 31)) != 0 {
                        return Ok(ok);
                    }
                    set += 8;
                }
                op::RANGE => {
                    if self.op(set)? <= ch && ch <= self.op(set + 1)? {
                        return Ok(ok);
                    }
                    set += 2;
                }
                op::RANGE_UNI_IGNORE => {
                    let (lo, hi) = (self.op(set)?, self.op(set + 1)?);
                    if lo <= ch && ch <= hi {
                        return Ok(ok);
                    }
                    let uch = upper_unicode(ch);
                    if lo <= uch && uch <= hi {
                        return Ok(ok);
                    }
                    set += 2;
                }
                op::NEGATE => ok = !ok,
                op::BIGCHARSET => {
                    let count = self.op(set)? as usize;
                    set += 1;
                    if ch < 0x10000 {
                        let k = (ch >> 8) as usize;
                        // The 256 block indices are bytes packed in native (little-endian) words.
                        let block = ((self.op(set + k / 4)? >> (8 * (k % 4))) & 0xFF) as usize;
                        let bit = block * 256 + (ch & 255) as usize;
                        if self.op(set + 64 + bit / 32)? & (1u32 << (ch & 31)) != 0 {
                            return Ok(ok);
                        }
                    }
                    set += 64 + count.checked_mul(8).ok_or(SreError::Internal)?;
                }
                // Unknown set member: CPython "pretends it didn't match".
                _ => return Ok(false),
            }
        }
    }

    fn charset_loc_ignore(&self, set: usize, ch: u32) -> R<bool> {
        let lo = lower_locale(ch);
        if self.charset(set, lo)? {
            return Ok(true);
        }
        let up = upper_locale(ch);
        Ok(up != lo && self.charset(set, up)?)
    }

    // ----------------------------------------------------------------- SRE(count)

    /// Whether the one-character item at `pc` (followed by SUCCESS) matches `ch`, for
    /// the items `count` would otherwise run through a nested match; `None` if the item
    /// is not of that simple form.
    fn simple_item(&self, pc: usize, ch: u32) -> R<Option<bool>> {
        let opcode = self.op(pc)?;
        let (matched, next) = match opcode {
            op::IN_IGNORE | op::IN_UNI_IGNORE | op::IN_LOC_IGNORE => {
                let skip = self.op(pc + 1)? as usize;
                let m = match opcode {
                    op::IN_IGNORE => self.charset(pc + 2, lower_ascii(ch))?,
                    op::IN_UNI_IGNORE => self.charset(pc + 2, lower_unicode(ch))?,
                    _ => self.charset_loc_ignore(pc + 2, ch)?,
                };
                (m, pc + 1 + skip)
            }
            op::CATEGORY => (category(self.op(pc + 1)?, ch), pc + 2),
            _ => return Ok(None),
        };
        if self.op(next)? != op::SUCCESS {
            return Ok(None);
        }
        Ok(Some(matched))
    }

    /// How many times (up to `maxcount`) the single-character item at `pc` matches
    /// from `self.ptr`.
    fn count(&mut self, pc: usize, maxcount: u32) -> R<usize> {
        let start = self.ptr;
        let mut end = self.end;
        let mut ptr = start;
        if maxcount != MAXREPEAT && (maxcount as usize) < end.saturating_sub(ptr) {
            end = ptr + maxcount as usize;
        }
        let opcode = self.op(pc)?;
        match opcode {
            op::IN => match self.sets.get(pc + 2) {
                Some(map) => {
                    while ptr < end {
                        let c = self.ch(ptr);
                        let hit = if c < 256 {
                            sets::test(map, c)
                        } else {
                            self.charset_code(pc + 2, c)?
                        };
                        if !hit {
                            break;
                        }
                        ptr += 1;
                    }
                }
                None => {
                    while ptr < end && self.charset(pc + 2, self.ch(ptr))? {
                        ptr += 1;
                    }
                }
            },
            op::ANY => {
                while ptr < end && !is_linebreak(self.ch(ptr)) {
                    ptr += 1;
                }
            }
            op::ANY_ALL => ptr = ptr.max(end),
            op::LITERAL
            | op::LITERAL_IGNORE
            | op::LITERAL_UNI_IGNORE
            | op::LITERAL_LOC_IGNORE
            | op::NOT_LITERAL
            | op::NOT_LITERAL_IGNORE
            | op::NOT_LITERAL_UNI_IGNORE
            | op::NOT_LITERAL_LOC_IGNORE => {
                let chr = self.op(pc + 1)?;
                let test: fn(u32, u32) -> bool = match opcode {
                    op::LITERAL => |c, p| c == p,
                    op::LITERAL_IGNORE => |c, p| lower_ascii(c) == p,
                    op::LITERAL_UNI_IGNORE => |c, p| lower_unicode(c) == p,
                    op::LITERAL_LOC_IGNORE => |c, p| char_loc_ignore(p, c),
                    op::NOT_LITERAL => |c, p| c != p,
                    op::NOT_LITERAL_IGNORE => |c, p| lower_ascii(c) != p,
                    op::NOT_LITERAL_UNI_IGNORE => |c, p| lower_unicode(c) != p,
                    _ => |c, p| !char_loc_ignore(p, c),
                };
                while ptr < end && test(self.ch(ptr), chr) {
                    ptr += 1;
                }
            }
            _ => {
                // Repeated single-character pattern: run it as a sub-match.
                while self.ptr < end {
                    match self.simple_item(pc, self.ch(self.ptr))? {
                        Some(true) => self.ptr += 1,
                        Some(false) => break,
                        None => {
                            if self.count_nesting >= MAX_COUNT_NESTING {
                                return Err(SreError::Internal);
                            }
                            self.count_nesting += 1;
                            let r = self.run(pc, false);
                            self.count_nesting -= 1;
                            if !r? {
                                break;
                            }
                        }
                    }
                }
                return Ok(self.ptr.saturating_sub(start));
            }
        }
        Ok(ptr - start)
    }

    // ----------------------------------------------------------------- SRE(match)

    /// `SRE(match)`: match the code at `pc` from `self.ptr`. On success `self.ptr` is
    /// where the match ended and the marks hold the groups.
    pub fn run(&mut self, pc: usize, toplevel: bool) -> R<bool> {
        let base = self.ctxs.len();
        self.ctxs.push(Ctx {
            pc,
            ptr: self.ptr,
            count: 0,
            chr: 0,
            rep: 0,
            lastmark: -1,
            lastindex: -1,
            toplevel,
            jump: Jump::None,
        });
        let result = self.drive(base);
        if result.is_err() {
            self.ctxs.truncate(base);
        }
        result
    }

    fn drive(&mut self, base: usize) -> R<bool> {
        // Entering the context on top of the stack ("entrance").
        let mut step = self.entrance()?;
        loop {
            step = match step {
                Step::Dispatch { pc, ptr } => self.dispatch(pc, ptr)?,
                Step::Call { pc, toplevel, jump } => {
                    self.ctxs.push(Ctx {
                        pc,
                        ptr: self.ptr,
                        count: 0,
                        chr: 0,
                        rep: 0,
                        lastmark: -1,
                        lastindex: -1,
                        toplevel,
                        jump,
                    });
                    self.entrance()?
                }
                Step::Return(ret) => {
                    let child = self.ctxs.pop().ok_or(SreError::Internal)?;
                    if self.ctxs.len() <= base {
                        return Ok(ret);
                    }
                    self.resume(child.jump, ret)?
                }
            };
        }
    }

    /// `entrance:` — the INFO check, then dispatch.
    fn entrance(&mut self) -> R<Step> {
        let ptr = self.ptr;
        let mut pc = self.ctx()?.pc;
        if self.op(pc)? == op::INFO {
            let min = self.op(pc + 3)?;
            // (uintptr_t)(end - ptr) < min
            if min != 0 && (self.end.wrapping_sub(ptr) as u64) < u64::from(min) {
                return Ok(Step::Return(false));
            }
            pc += self.op(pc + 1)? as usize + 1;
        }
        Ok(Step::Dispatch { pc, ptr })
    }

    /// Save the current context's position and call a child (`DO_JUMP`).
    fn call(
        &mut self,
        pc: usize,
        ptr: usize,
        child: usize,
        toplevel: Option<bool>,
        jump: Jump,
    ) -> R<Step> {
        let c = self.ctx()?;
        c.pc = pc;
        c.ptr = ptr;
        let toplevel = toplevel.unwrap_or(c.toplevel);
        Ok(Step::Call {
            pc: child,
            toplevel,
            jump,
        })
    }

    /// Run opcodes of the current context from `pc` until it calls a child or returns.
    fn dispatch(&mut self, mut pc: usize, mut ptr: usize) -> R<Step> {
        let end = self.end;
        loop {
            let opcode = self.op(pc)?;
            pc += 1;
            match opcode {
                op::MARK => {
                    let i = self.op(pc)? as usize;
                    if i & 1 != 0 {
                        self.lastindex = (i / 2 + 1) as isize;
                    }
                    if i as isize > self.lastmark {
                        // Usually no gap (marks are set in order): no
                        // out-of-line fill.
                        let from = (self.lastmark + 1) as usize;
                        if from < i {
                            if let Some(gap) = self.marks.get_mut(from..i) {
                                gap.iter_mut().for_each(|m| *m = NONE);
                            }
                        }
                        self.lastmark = i as isize;
                    }
                    *self.marks.get_mut(i).ok_or(SreError::Internal)? = ptr;
                    pc += 1;
                }
                op::LITERAL
                | op::NOT_LITERAL
                | op::LITERAL_IGNORE
                | op::NOT_LITERAL_IGNORE
                | op::LITERAL_UNI_IGNORE
                | op::NOT_LITERAL_UNI_IGNORE
                | op::LITERAL_LOC_IGNORE
                | op::NOT_LITERAL_LOC_IGNORE => {
                    if ptr >= end {
                        return Ok(Step::Return(false));
                    }
                    let (c, p) = (self.ch(ptr), self.op(pc)?);
                    let ok = match opcode {
                        op::LITERAL => c == p,
                        op::NOT_LITERAL => c != p,
                        op::LITERAL_IGNORE => lower_ascii(c) == p,
                        op::NOT_LITERAL_IGNORE => lower_ascii(c) != p,
                        op::LITERAL_UNI_IGNORE => lower_unicode(c) == p,
                        op::NOT_LITERAL_UNI_IGNORE => lower_unicode(c) != p,
                        op::LITERAL_LOC_IGNORE => char_loc_ignore(p, c),
                        _ => !char_loc_ignore(p, c),
                    };
                    if !ok {
                        return Ok(Step::Return(false));
                    }
                    pc += 1;
                    ptr += 1;
                }
                op::SUCCESS => {
                    let toplevel = self.ctx()?.toplevel;
                    if toplevel
                        && ((self.match_all && ptr != end)
                            || (self.must_advance && ptr == self.start))
                    {
                        return Ok(Step::Return(false));
                    }
                    self.ptr = ptr;
                    return Ok(Step::Return(true));
                }
                op::AT => {
                    if !self.at(ptr, self.op(pc)?) {
                        return Ok(Step::Return(false));
                    }
                    pc += 1;
                }
                op::CATEGORY => {
                    if ptr >= end || !category(self.op(pc)?, self.ch(ptr)) {
                        return Ok(Step::Return(false));
                    }
                    pc += 1;
                    ptr += 1;
                }
                op::ANY => {
                    if ptr >= end || is_linebreak(self.ch(ptr)) {
                        return Ok(Step::Return(false));
                    }
                    ptr += 1;
                }
                op::ANY_ALL => {
                    if ptr >= end {
                        return Ok(Step::Return(false));
                    }
                    ptr += 1;
                }
                op::IN | op::IN_IGNORE | op::IN_UNI_IGNORE | op::IN_LOC_IGNORE => {
                    if ptr >= end {
                        return Ok(Step::Return(false));
                    }
                    let c = self.ch(ptr);
                    let ok = match opcode {
                        op::IN => self.charset(pc + 1, c)?,
                        op::IN_IGNORE => self.charset(pc + 1, lower_ascii(c))?,
                        op::IN_UNI_IGNORE => self.charset(pc + 1, lower_unicode(c))?,
                        _ => self.charset_loc_ignore(pc + 1, c)?,
                    };
                    if !ok {
                        return Ok(Step::Return(false));
                    }
                    pc += self.op(pc)? as usize;
                    ptr += 1;
                }
                op::JUMP | op::INFO => {
                    pc += self.op(pc)? as usize;
                }
                op::BRANCH => {
                    self.lastmark_save()?;
                    if self.repeat.is_some() {
                        self.mark_push()?;
                    }
                    return self.branch_next(pc, ptr);
                }
                op::REPEAT_ONE => {
                    let min = self.op(pc + 1)?;
                    if (min as isize) > (end as isize - ptr as isize) {
                        return Ok(Step::Return(false));
                    }
                    self.ptr = ptr;
                    let count = self.count(pc + 3, self.op(pc + 2)?)?;
                    ptr += count;
                    let count = count as isize;
                    self.ctx()?.count = count;
                    if count < min as isize {
                        return Ok(Step::Return(false));
                    }
                    let tail = pc + self.op(pc)? as usize;
                    let toplevel = self.ctx()?.toplevel;
                    if self.op(tail)? == op::SUCCESS
                        && ptr == end
                        && !(toplevel && self.must_advance && ptr == self.start)
                    {
                        self.ptr = ptr;
                        return Ok(Step::Return(true));
                    }
                    self.lastmark_save()?;
                    if self.repeat.is_some() {
                        self.mark_push()?;
                    }
                    if self.op(tail)? == op::LITERAL {
                        let chr = self.op(tail + 1)?;
                        self.ctx()?.chr = chr;
                        return self.repeat_one_literal(pc, ptr);
                    }
                    return self.repeat_one_general(pc, ptr);
                }
                op::MIN_REPEAT_ONE => {
                    let min = self.op(pc + 1)?;
                    if (min as isize) > (end as isize - ptr as isize) {
                        return Ok(Step::Return(false));
                    }
                    self.ptr = ptr;
                    if min == 0 {
                        self.ctx()?.count = 0;
                    } else {
                        let n = self.count(pc + 3, min)?;
                        if n < min as usize {
                            return Ok(Step::Return(false));
                        }
                        self.ctx()?.count = n as isize;
                        ptr += n;
                    }
                    let tail = pc + self.op(pc)? as usize;
                    let toplevel = self.ctx()?.toplevel;
                    if self.op(tail)? == op::SUCCESS
                        && !(toplevel
                            && ((self.match_all && ptr != end)
                                || (self.must_advance && ptr == self.start)))
                    {
                        self.ptr = ptr;
                        return Ok(Step::Return(true));
                    }
                    self.lastmark_save()?;
                    if self.repeat.is_some() {
                        self.mark_push()?;
                    }
                    return self.min_repeat_one_next(pc, ptr);
                }
                op::POSSESSIVE_REPEAT_ONE => {
                    let min = self.op(pc + 1)?;
                    if ptr.saturating_add(min as usize) > end {
                        return Ok(Step::Return(false));
                    }
                    self.ptr = ptr;
                    let count = self.count(pc + 3, self.op(pc + 2)?)?;
                    self.ctx()?.count = count as isize;
                    ptr += count;
                    if count < min as usize {
                        return Ok(Step::Return(false));
                    }
                    pc += self.op(pc)? as usize;
                    let toplevel = self.ctx()?.toplevel;
                    if self.op(pc)? == op::SUCCESS
                        && ptr == end
                        && !(toplevel && self.must_advance && ptr == self.start)
                    {
                        self.ptr = ptr;
                        return Ok(Step::Return(true));
                    }
                }
                op::REPEAT => {
                    let idx = self.repeats.len();
                    self.repeats.push(Repeat {
                        count: -1,
                        pc,
                        prev: self.repeat,
                        last_ptr: NONE,
                    });
                    self.ctx()?.rep = idx;
                    self.repeat = Some(idx);
                    self.ptr = ptr;
                    let body = pc + self.op(pc)? as usize;
                    return self.call(pc, ptr, body, None, Jump::Repeat);
                }
                op::MAX_UNTIL => {
                    let idx = self.repeat.ok_or(SreError::Internal)?;
                    self.ctx()?.rep = idx;
                    self.ptr = ptr;
                    let rep = *self.rep(idx)?;
                    let count = rep.count + 1;
                    self.ctx()?.count = count;
                    if count < self.op(rep.pc + 1)? as isize {
                        self.rep(idx)?.count = count;
                        return self.call(pc, ptr, rep.pc + 3, None, Jump::MaxUntil1);
                    }
                    let max = self.op(rep.pc + 2)?;
                    if (count < max as isize || max == MAXREPEAT) && self.ptr != rep.last_ptr {
                        self.rep(idx)?.count = count;
                        self.lastmark_save()?;
                        self.mark_push()?;
                        self.data.push(rep.last_ptr);
                        self.rep(idx)?.last_ptr = self.ptr;
                        return self.call(pc, ptr, rep.pc + 3, None, Jump::MaxUntil2);
                    }
                    return self.max_until_tail(pc, ptr);
                }
                op::MIN_UNTIL => {
                    let idx = self.repeat.ok_or(SreError::Internal)?;
                    self.ctx()?.rep = idx;
                    self.ptr = ptr;
                    let rep = *self.rep(idx)?;
                    let count = rep.count + 1;
                    self.ctx()?.count = count;
                    if count < self.op(rep.pc + 1)? as isize {
                        self.rep(idx)?.count = count;
                        return self.call(pc, ptr, rep.pc + 3, None, Jump::MinUntil1);
                    }
                    self.repeat = rep.prev;
                    self.lastmark_save()?;
                    if self.repeat.is_some() {
                        self.mark_push()?;
                    }
                    return self.call(pc, ptr, pc, None, Jump::MinUntil2);
                }
                op::POSSESSIVE_REPEAT => {
                    self.ptr = ptr;
                    self.ctx()?.count = 0;
                    return self.poss_repeat_min(pc, ptr);
                }
                op::ATOMIC_GROUP => {
                    self.ptr = ptr;
                    return self.call(pc, ptr, pc + 1, Some(false), Jump::AtomicGroup);
                }
                op::GROUPREF
                | op::GROUPREF_IGNORE
                | op::GROUPREF_UNI_IGNORE
                | op::GROUPREF_LOC_IGNORE => {
                    let groupref = self.op(pc)? as usize;
                    let Some((mut p, e)) = self.group_ref(groupref) else {
                        return Ok(Step::Return(false));
                    };
                    while p < e {
                        if ptr >= end {
                            return Ok(Step::Return(false));
                        }
                        let (a, b) = (self.ch(ptr), self.ch(p));
                        let same = match opcode {
                            op::GROUPREF => a == b,
                            op::GROUPREF_IGNORE => lower_ascii(a) == lower_ascii(b),
                            op::GROUPREF_UNI_IGNORE => lower_unicode(a) == lower_unicode(b),
                            _ => lower_locale(a) == lower_locale(b),
                        };
                        if !same {
                            return Ok(Step::Return(false));
                        }
                        p += 1;
                        ptr += 1;
                    }
                    pc += 1;
                }
                op::GROUPREF_EXISTS => {
                    let groupref = self.op(pc)? as usize;
                    if self.group_ref(groupref).is_none() {
                        pc += self.op(pc + 1)? as usize;
                    } else {
                        pc += 2;
                    }
                }
                op::ASSERT => {
                    let back = self.op(pc + 1)? as usize;
                    if ptr < back {
                        return Ok(Step::Return(false));
                    }
                    self.ptr = ptr - back;
                    return self.call(pc, ptr, pc + 2, Some(false), Jump::Assert);
                }
                op::ASSERT_NOT => {
                    let back = self.op(pc + 1)? as usize;
                    if ptr >= back {
                        self.ptr = ptr - back;
                        self.lastmark_save()?;
                        if self.repeat.is_some() {
                            self.mark_push()?;
                        }
                        return self.call(pc, ptr, pc + 2, Some(false), Jump::AssertNot);
                    }
                    pc += self.op(pc)? as usize;
                }
                op::FAILURE => return Ok(Step::Return(false)),
                _ => return Err(SreError::Internal),
            }
        }
    }

    /// The span of 0-based group `g` for back references, if it is set and sane.
    fn group_ref(&self, g: usize) -> Option<(usize, usize)> {
        let groupref = g.checked_mul(2)?;
        if groupref as isize >= self.lastmark {
            return None;
        }
        let p = *self.marks.get(groupref)?;
        let e = *self.marks.get(groupref + 1)?;
        if p == NONE || e == NONE || e < p {
            None
        } else {
            Some((p, e))
        }
    }

    // ----------------------------------------------------------------- loops of ops

    /// BRANCH: try the alternatives from the one at `pc` on.
    fn branch_next(&mut self, mut pc: usize, ptr: usize) -> R<Step> {
        let end = self.end;
        loop {
            let skip = self.op(pc)? as usize;
            if skip == 0 {
                break;
            }
            let first = self.op(pc + 1)?;
            if first == op::LITERAL && (ptr >= end || self.ch(ptr) != self.op(pc + 2)?) {
                pc += skip;
                continue;
            }
            if first == op::IN && (ptr >= end || !self.charset(pc + 3, self.ch(ptr))?) {
                pc += skip;
                continue;
            }
            // Beyond CPython's two: an alternative that starts with a
            // test which consumes and records nothing fails here without
            // a context of its own (`(^|x)`, `(?:\s+|$)`).
            let fails = match first {
                op::AT => !self.at(ptr, self.op(pc + 2)?),
                op::CATEGORY => ptr >= end || !category(self.op(pc + 2)?, self.ch(ptr)),
                op::NOT_LITERAL => ptr >= end || self.ch(ptr) == self.op(pc + 2)?,
                _ => false,
            };
            if fails {
                pc += skip;
                continue;
            }
            self.ptr = ptr;
            return self.call(pc, ptr, pc + 1, None, Jump::Branch);
        }
        self.discard_marks_in_repeat()?;
        Ok(Step::Return(false))
    }

    /// REPEAT_ONE whose tail starts with a literal: back off to where it can match.
    fn repeat_one_literal(&mut self, pc: usize, mut ptr: usize) -> R<Step> {
        let end = self.end;
        let min = self.op(pc + 1)? as isize;
        let (mut count, chr) = {
            let c = self.ctx()?;
            (c.count, c.chr)
        };
        while count >= min && (ptr >= end || self.ch(ptr) != chr) {
            ptr = ptr.wrapping_sub(1);
            count -= 1;
        }
        self.ctx()?.count = count;
        if count >= min {
            self.ptr = ptr;
            let tail = pc + self.op(pc)? as usize;
            return self.call(pc, ptr, tail, None, Jump::RepeatOne1);
        }
        self.discard_marks_in_repeat()?;
        Ok(Step::Return(false))
    }

    fn repeat_one_general(&mut self, pc: usize, ptr: usize) -> R<Step> {
        let min = self.op(pc + 1)? as isize;
        if self.ctx()?.count >= min {
            self.ptr = ptr;
            let tail = pc + self.op(pc)? as usize;
            return self.call(pc, ptr, tail, None, Jump::RepeatOne2);
        }
        self.discard_marks_in_repeat()?;
        Ok(Step::Return(false))
    }

    fn min_repeat_one_next(&mut self, pc: usize, ptr: usize) -> R<Step> {
        let max = self.op(pc + 2)?;
        if max == MAXREPEAT || self.ctx()?.count <= max as isize {
            self.ptr = ptr;
            let tail = pc + self.op(pc)? as usize;
            return self.call(pc, ptr, tail, None, Jump::MinRepeatOne);
        }
        self.discard_marks_in_repeat()?;
        Ok(Step::Return(false))
    }

    /// MAX_UNTIL: cannot match more items here; make sure the tail matches.
    fn max_until_tail(&mut self, pc: usize, ptr: usize) -> R<Step> {
        let idx = self.ctx()?.rep;
        self.repeat = self.rep(idx)?.prev;
        self.call(pc, ptr, pc, None, Jump::MaxUntil3)
    }

    /// POSSESSIVE_REPEAT: the mandatory repetitions.
    fn poss_repeat_min(&mut self, pc: usize, ptr: usize) -> R<Step> {
        let min = self.op(pc + 1)? as isize;
        if self.ctx()?.count < min {
            return self.call(pc, ptr, pc + 3, Some(false), Jump::PossRepeat1);
        }
        self.poss_repeat_more(pc, NONE)
    }

    /// POSSESSIVE_REPEAT: optional repetitions, without backtracking into them.
    fn poss_repeat_more(&mut self, pc: usize, ptr: usize) -> R<Step> {
        let max = self.op(pc + 2)?;
        let count = self.ctx()?.count;
        if (count < max as isize || max == MAXREPEAT) && self.ptr != ptr {
            self.lastmark_save()?;
            self.mark_push()?;
            let ptr = self.ptr;
            return self.call(pc, ptr, pc + 3, Some(false), Jump::PossRepeat2);
        }
        self.poss_repeat_done(pc)
    }

    fn poss_repeat_done(&mut self, pc: usize) -> R<Step> {
        let pc = pc + self.op(pc)? as usize + 1;
        Ok(Step::Dispatch { pc, ptr: self.ptr })
    }

    // ----------------------------------------------------------------- resumption

    /// The parent context (now on top) continues after its child returned `ret`.
    fn resume(&mut self, jump: Jump, ret: bool) -> R<Step> {
        let Ctx { pc, ptr, .. } = *self.ctx()?;
        match jump {
            Jump::None => Err(SreError::Internal),
            Jump::Branch => {
                if ret {
                    self.discard_marks_in_repeat()?;
                    return Ok(Step::Return(true));
                }
                self.restore_marks_in_repeat(false)?;
                let next = pc + self.op(pc)? as usize;
                self.branch_next(next, ptr)
            }
            Jump::RepeatOne1 | Jump::RepeatOne2 | Jump::MinRepeatOne => {
                if ret {
                    self.discard_marks_in_repeat()?;
                    return Ok(Step::Return(true));
                }
                self.restore_marks_in_repeat(false)?;
                match jump {
                    Jump::RepeatOne1 => {
                        self.ctx()?.count -= 1;
                        self.repeat_one_literal(pc, ptr.wrapping_sub(1))
                    }
                    Jump::RepeatOne2 => {
                        self.ctx()?.count -= 1;
                        self.repeat_one_general(pc, ptr.wrapping_sub(1))
                    }
                    _ => {
                        self.ptr = ptr;
                        if self.count(pc + 3, 1)? == 0 {
                            self.discard_marks_in_repeat()?;
                            return Ok(Step::Return(false));
                        }
                        self.ctx()?.count += 1;
                        self.min_repeat_one_next(pc, ptr + 1)
                    }
                }
            }
            Jump::Repeat => {
                let idx = self.ctx()?.rep;
                self.repeat = self.rep(idx)?.prev;
                self.repeats.truncate(idx);
                Ok(Step::Return(ret))
            }
            Jump::MaxUntil1 | Jump::MinUntil1 => {
                if ret {
                    return Ok(Step::Return(true));
                }
                let Ctx { rep, count, .. } = *self.ctx()?;
                self.rep(rep)?.count = count - 1;
                self.ptr = ptr;
                Ok(Step::Return(false))
            }
            Jump::MaxUntil2 => {
                let Ctx { rep, count, .. } = *self.ctx()?;
                let saved = self.data.pop().ok_or(SreError::Internal)?;
                self.rep(rep)?.last_ptr = saved;
                if ret {
                    self.mark_pop_discard()?;
                    return Ok(Step::Return(true));
                }
                self.mark_pop(true)?;
                self.lastmark_restore()?;
                self.rep(rep)?.count = count - 1;
                self.ptr = ptr;
                self.max_until_tail(pc, ptr)
            }
            Jump::MaxUntil3 => {
                let rep = self.ctx()?.rep;
                self.repeat = Some(rep);
                if ret {
                    return Ok(Step::Return(true));
                }
                self.ptr = ptr;
                Ok(Step::Return(false))
            }
            Jump::MinUntil2 => {
                let Ctx { rep, count, .. } = *self.ctx()?;
                let repeat_of_tail = self.repeat;
                self.repeat = Some(rep);
                if ret {
                    if repeat_of_tail.is_some() {
                        self.mark_pop_discard()?;
                    }
                    return Ok(Step::Return(true));
                }
                if repeat_of_tail.is_some() {
                    self.mark_pop(true)?;
                }
                self.lastmark_restore()?;
                self.ptr = ptr;
                let r = *self.rep(rep)?;
                let max = self.op(r.pc + 2)?;
                if (count >= max as isize && max != MAXREPEAT) || self.ptr == r.last_ptr {
                    return Ok(Step::Return(false));
                }
                self.rep(rep)?.count = count;
                self.data.push(r.last_ptr);
                self.rep(rep)?.last_ptr = self.ptr;
                self.call(pc, ptr, r.pc + 3, None, Jump::MinUntil3)
            }
            Jump::MinUntil3 => {
                let Ctx { rep, count, .. } = *self.ctx()?;
                let saved = self.data.pop().ok_or(SreError::Internal)?;
                self.rep(rep)?.last_ptr = saved;
                if ret {
                    return Ok(Step::Return(true));
                }
                self.rep(rep)?.count = count - 1;
                self.ptr = ptr;
                Ok(Step::Return(false))
            }
            Jump::PossRepeat1 => {
                if ret {
                    self.ctx()?.count += 1;
                    return self.poss_repeat_min(pc, ptr);
                }
                self.ptr = ptr;
                Ok(Step::Return(false))
            }
            Jump::PossRepeat2 => {
                if ret {
                    self.mark_pop_discard()?;
                    self.ctx()?.count += 1;
                    return self.poss_repeat_more(pc, ptr);
                }
                self.mark_pop(true)?;
                self.lastmark_restore()?;
                self.ptr = ptr;
                self.poss_repeat_done(pc)
            }
            Jump::AtomicGroup => {
                if !ret {
                    self.ptr = ptr;
                    return Ok(Step::Return(false));
                }
                let pc = pc + self.op(pc)? as usize;
                Ok(Step::Dispatch { pc, ptr: self.ptr })
            }
            Jump::Assert => {
                if !ret {
                    return Ok(Step::Return(false));
                }
                let pc = pc + self.op(pc)? as usize;
                Ok(Step::Dispatch { pc, ptr })
            }
            Jump::AssertNot => {
                if ret {
                    self.discard_marks_in_repeat()?;
                    return Ok(Step::Return(false));
                }
                self.restore_marks_in_repeat(true)?;
                let pc = pc + self.op(pc)? as usize;
                Ok(Step::Dispatch { pc, ptr })
            }
        }
    }

    // ----------------------------------------------------------------- SRE(search)

    /// `SRE(search)`: find the first match at or after `self.start`. On success
    /// `self.start`/`self.ptr` delimit it.
    pub fn search(&mut self) -> R<bool> {
        let mut ptr = self.start;
        let mut end = self.end;
        if ptr > end {
            return Ok(false);
        }
        let mut pc = 0usize;
        let mut flags = 0;
        let mut prefix: Option<(usize, usize, usize)> = None; // (len, skip, position)
        let mut charset: Option<usize> = None;
        if self.op(0)? == op::INFO {
            flags = self.op(2)?;
            let min = self.op(3)? as usize;
            if min != 0 && end - ptr < min {
                return Ok(false);
            }
            if min > 1 {
                end -= min - 1;
                if end <= ptr {
                    end = ptr;
                }
            }
            if flags & info::PREFIX != 0 {
                prefix = Some((self.op(5)? as usize, self.op(6)? as usize, 7));
            } else if flags & info::CHARSET != 0 {
                charset = Some(5);
            }
            pc = 1 + self.op(1)? as usize;
        }

        if let Some((prefix_len, prefix_skip, prefix_pos)) = prefix {
            if prefix_len == 1 {
                let c = self.op(prefix_pos)?;
                let end = self.end;
                self.must_advance = false;
                while ptr < end {
                    match T::find(self.s.get(ptr..end).unwrap_or(&[]), c) {
                        Some(k) => ptr += k,
                        None => return Ok(false),
                    }
                    self.start = ptr;
                    self.ptr = ptr + prefix_skip;
                    if flags & info::LITERAL != 0 {
                        return Ok(true);
                    }
                    if self.run(pc + 2 * prefix_skip, false)? {
                        return Ok(true);
                    }
                    ptr += 1;
                    self.lastmark = -1;
                    self.lastindex = -1;
                }
                return Ok(false);
            }
            if prefix_len > 1 {
                let end = self.end;
                if prefix_len > end - ptr {
                    return Ok(false);
                }
                let overlap = prefix_pos + prefix_len - 1;
                while ptr < end {
                    let c = self.op(prefix_pos)?;
                    loop {
                        let here = self.ch(ptr);
                        ptr += 1;
                        if here == c {
                            break;
                        }
                        if ptr >= end {
                            return Ok(false);
                        }
                    }
                    if ptr >= end {
                        return Ok(false);
                    }
                    let mut i = 1usize;
                    self.must_advance = false;
                    loop {
                        if self.ch(ptr) == self.op(prefix_pos + i)? {
                            i += 1;
                            if i != prefix_len {
                                ptr += 1;
                                if ptr >= end {
                                    return Ok(false);
                                }
                                continue;
                            }
                            // A potential match.
                            self.start = ptr + 1 - prefix_len;
                            self.ptr = ptr + 1 + prefix_skip - prefix_len;
                            if flags & info::LITERAL != 0 {
                                return Ok(true);
                            }
                            if self.run(pc + 2 * prefix_skip, false)? {
                                return Ok(true);
                            }
                            ptr += 1;
                            if ptr >= end {
                                return Ok(false);
                            }
                            self.lastmark = -1;
                            self.lastindex = -1;
                        }
                        i = self.op(overlap + i)? as usize;
                        if i == 0 {
                            break;
                        }
                    }
                }
                return Ok(false);
            }
        }

        if let Some(set) = charset {
            let end = self.end;
            self.must_advance = false;
            let map = self.sets.get(set);
            loop {
                match map {
                    Some(m) => {
                        while ptr < end {
                            let c = self.ch(ptr);
                            let hit = if c < 256 {
                                sets::test(m, c)
                            } else {
                                self.charset_code(set, c)?
                            };
                            if hit {
                                break;
                            }
                            ptr += 1;
                        }
                    }
                    None => {
                        while ptr < end && !self.charset(set, self.ch(ptr))? {
                            ptr += 1;
                        }
                    }
                }
                if ptr >= end {
                    return Ok(false);
                }
                self.start = ptr;
                self.ptr = ptr;
                if self.run(pc, false)? {
                    return Ok(true);
                }
                ptr += 1;
                self.lastmark = -1;
                self.lastindex = -1;
            }
        }

        // General case.
        self.start = ptr;
        self.ptr = ptr;
        let mut status = self.run(pc, true)?;
        self.must_advance = false;
        if !status
            && self.op(pc)? == op::AT
            && matches!(self.op(pc + 1)?, at::BEGINNING | at::BEGINNING_STRING)
        {
            self.start = end;
            self.ptr = end;
            return Ok(false);
        }
        let first = self.sets.first.as_ref();
        while !status && ptr < end {
            ptr += 1;
            // A position whose character cannot start a match (sets.rs's
            // `First`) fails at its first test: no attempt is made.
            if let Some(f) = first {
                if ptr < end && !(f.at_start && ptr == 0) {
                    let c = self.ch(ptr);
                    if c < 256 && !sets::test(&f.map, c) {
                        continue;
                    }
                }
            }
            self.lastmark = -1;
            self.lastindex = -1;
            self.start = ptr;
            self.ptr = ptr;
            status = self.run(pc, false)?;
        }
        Ok(status)
    }
}
