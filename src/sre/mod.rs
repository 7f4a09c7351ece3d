//! The core of `_sre`, CPython 3.11's regular-expression engine (Modules/_sre/).
//!
//! CPython's own `re` package compiles a pattern to a list of integer opcodes
//! (`re._compiler._code`) and hands it to `_sre.compile`; this module executes that
//! code. It is a leaf library: the VM wraps [`Pattern`], [`Match`] and [`Scanner`]
//! into the `_sre` module's Pattern/Match/Scanner objects.
//!
//! Subjects are slices of code points (`&[u32]`); for bytes patterns the values are
//! the byte values. Positions are code-point indices, as in Python.
//!
//! ```
//! use pycvm::sre::{Pattern, constants::op};
//! // re._compiler._code for 'a(b)': no INFO block needed by the engine
//! let code = vec![op::LITERAL, 97, op::MARK, 0, op::LITERAL, 98, op::MARK, 1, op::SUCCESS];
//! let p = Pattern::new(code, 1, 0).unwrap();
//! let s: Vec<u32> = "xab".chars().map(|c| c as u32).collect();
//! let m = p.search(&s, 0, isize::MAX).unwrap().unwrap();
//! assert_eq!(m.span(0), Some((1, 3)));
//! assert_eq!(m.span(1), Some((2, 3)));
//! assert_eq!(m.lastindex, Some(1));
//! ```

mod chars;
pub mod constants;
mod engine;
mod sets;
mod validate;

pub use chars::{
    ascii_iscased, category, lower_ascii, lower_locale, lower_unicode, unicode_iscased,
    upper_locale, upper_unicode,
};
pub use engine::State;

/// Errors of the engine. CPython raises `RuntimeError` for both.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SreError {
    /// `_sre.compile` rejected the code (`RuntimeError: invalid SRE code`).
    #[error("invalid SRE code")]
    InvalidCode,
    /// The matcher met an impossible state (`RuntimeError: internal error in regular
    /// expression engine`); validated code never gets here.
    #[error("internal error in regular expression engine")]
    Internal,
    /// A group's end precedes its start (CPython: `SystemError`).
    #[error("The span of capturing group is wrong, please report a bug for the re module.")]
    WrongSpan,
}

/// `_sre.getcodesize()`.
pub fn getcodesize() -> u32 {
    constants::CODESIZE
}

/// `_sre.ascii_tolower`.
pub fn ascii_tolower(cp: u32) -> u32 {
    lower_ascii(cp)
}

/// `_sre.unicode_tolower`.
pub fn unicode_tolower(cp: u32) -> u32 {
    lower_unicode(cp)
}

/// Whether `code` passes `_sre.compile`'s validation for `groups` capture groups.
pub fn validate(code: &[u32], groups: usize) -> bool {
    validate::validate(code, groups)
}

/// A compiled pattern: validated code plus the number of capture groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    code: Vec<u32>,
    groups: usize,
    flags: u32,
    /// Its sets' answers below 256 (sets.rs).
    sets: sets::SetBits,
}

/// The result of a successful match (what `_sre`'s Match object records).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Span of each group, index 0 being the whole match; `None` for a group that did
    /// not participate.
    pub spans: Vec<Option<(usize, usize)>>,
    /// `Match.lastindex`.
    pub lastindex: Option<usize>,
    /// `Match.pos` and `Match.endpos` (clamped as CPython does).
    pub pos: usize,
    pub endpos: usize,
}

impl Match {
    /// Span of group `g` (0 = whole match).
    pub fn span(&self, g: usize) -> Option<(usize, usize)> {
        self.spans.get(g).copied().flatten()
    }

    /// `pattern_new_match`: build the match from a state after a successful run.
    fn from_state<T: Unit>(state: &State<'_, T>, groups: usize) -> Result<Match, SreError> {
        let mut spans = Vec::with_capacity(groups + 1);
        spans.push(Some((state.start, state.ptr)));
        for g in 0..groups {
            let span = state.group_span(g);
            if let Some((a, b)) = span {
                if a > b {
                    return Err(SreError::WrongSpan);
                }
            }
            spans.push(span);
        }
        Ok(Match {
            spans,
            lastindex: usize::try_from(state.lastindex).ok(),
            pos: state.pos,
            endpos: state.end,
        })
    }
}

/// A subject's unit, as CPython's SRE_CHAR is 1, 2 or 4 bytes: a byte
/// (bytes-like subjects and ASCII strs, matched where they are) or a code
/// point (other strs).
pub trait Unit: Copy {
    /// Whether every unit is below 256 (a byte).
    const NARROW: bool;

    /// The unit as a code point.
    fn cp(self) -> u32;

    /// The index of the first unit equal to `c` in `hay`.
    fn find(hay: &[Self], c: u32) -> Option<usize>;
}

impl Unit for u8 {
    const NARROW: bool = true;

    #[inline(always)]
    fn cp(self) -> u32 {
        u32::from(self)
    }

    #[inline]
    fn find(hay: &[u8], c: u32) -> Option<usize> {
        // CPython's search uses memchr for one-byte subjects too.
        u8::try_from(c).ok().and_then(|b| memchr::memchr(b, hay))
    }
}

impl Unit for u32 {
    const NARROW: bool = false;

    #[inline(always)]
    fn cp(self) -> u32 {
        self
    }

    #[inline]
    fn find(hay: &[u32], c: u32) -> Option<usize> {
        hay.iter().position(|&u| u == c)
    }
}

impl Pattern {
    /// `_sre.compile`: validate `code` for `groups` capture groups (group 0 excluded,
    /// i.e. `p.state.groups - 1`). `flags` is kept for the caller.
    pub fn new(code: Vec<u32>, groups: usize, flags: u32) -> Result<Pattern, SreError> {
        let starts = validate::validate_sets(&code, groups).ok_or(SreError::InvalidCode)?;
        let sets = sets::SetBits::new(&code, &starts);
        Ok(Pattern {
            code,
            groups,
            flags,
            sets,
        })
    }

    /// The code list.
    pub fn code(&self) -> &[u32] {
        &self.code
    }

    /// Number of capture groups (group 0 excluded).
    pub fn groups(&self) -> usize {
        self.groups
    }

    /// The flags given to [`Pattern::new`].
    pub fn flags(&self) -> u32 {
        self.flags
    }

    /// A matching state over `s[pos..endpos]` (clamped as `state_init` does).
    pub fn state<'a, T: Unit>(&'a self, s: &'a [T], pos: isize, endpos: isize) -> State<'a, T> {
        State::new(&self.code, self.groups, s, pos, endpos).with_sets(&self.sets)
    }

    fn finish<T: Unit>(
        &self,
        state: &State<'_, T>,
        found: bool,
    ) -> Result<Option<Match>, SreError> {
        if found {
            Match::from_state(state, self.groups).map(Some)
        } else {
            Ok(None)
        }
    }

    /// `Pattern.match(s, pos, endpos)`.
    pub fn match_at<T: Unit>(
        &self,
        s: &[T],
        pos: isize,
        endpos: isize,
    ) -> Result<Option<Match>, SreError> {
        let mut state = self.state(s, pos, endpos);
        state.ptr = state.start;
        let found = state.run(0, true)?;
        self.finish(&state, found)
    }

    /// `Pattern.fullmatch(s, pos, endpos)`.
    pub fn fullmatch<T: Unit>(
        &self,
        s: &[T],
        pos: isize,
        endpos: isize,
    ) -> Result<Option<Match>, SreError> {
        let mut state = self.state(s, pos, endpos);
        state.ptr = state.start;
        state.match_all = true;
        let found = state.run(0, true)?;
        self.finish(&state, found)
    }

    /// `Pattern.search(s, pos, endpos)`.
    pub fn search<T: Unit>(
        &self,
        s: &[T],
        pos: isize,
        endpos: isize,
    ) -> Result<Option<Match>, SreError> {
        let mut state = self.state(s, pos, endpos);
        let found = state.search()?;
        self.finish(&state, found)
    }

    /// `Pattern.scanner(s, pos, endpos)`: the iterator behind `finditer`, `findall`,
    /// `sub` and `split`.
    pub fn scanner<'a, T: Unit>(&'a self, s: &'a [T], pos: isize, endpos: isize) -> Scanner<'a, T> {
        Scanner {
            pattern: self,
            state: self.state(s, pos, endpos),
            done: false,
        }
    }
}

/// `_sre.SRE_Scanner`: successive non-overlapping matches. After an empty match the
/// next match may not be empty at the same position (`must_advance`), CPython 3.7+'s
/// rule for `finditer`, `findall`, `sub` and `split`.
pub struct Scanner<'a, T: Unit = u32> {
    pattern: &'a Pattern,
    state: State<'a, T>,
    done: bool,
}

impl<T: Unit> Scanner<'_, T> {
    fn step(&mut self, search: bool) -> Result<Option<Match>, SreError> {
        if self.done {
            return Ok(None);
        }
        self.state.reset();
        self.state.ptr = self.state.start;
        let found = if search {
            self.state.search()
        } else {
            self.state.run(0, true)
        };
        let found = match found {
            Ok(f) => f,
            Err(e) => {
                self.done = true;
                return Err(e);
            }
        };
        let m = self.pattern.finish(&self.state, found)?;
        if found {
            self.state.must_advance = self.state.ptr == self.state.start;
            self.state.start = self.state.ptr;
        } else {
            self.done = true;
        }
        Ok(m)
    }

    /// `Scanner.search()`: the next match anywhere after the previous one.
    pub fn search(&mut self) -> Result<Option<Match>, SreError> {
        self.step(true)
    }

    /// `Scanner.match()`: the next match starting exactly where the previous one ended.
    pub fn match_(&mut self) -> Result<Option<Match>, SreError> {
        self.step(false)
    }
}

impl<T: Unit> Iterator for Scanner<'_, T> {
    type Item = Result<Match, SreError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.search().transpose()
    }
}
