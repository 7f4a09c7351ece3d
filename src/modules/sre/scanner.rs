//! `_sre.SRE_Scanner` (`Pattern.scanner`) and the stepping shared by `findall`,
//! `finditer`, `split` and `sub`: successive non-overlapping matches, where a
//! match after an empty one may not be empty at the same place.

use std::cell::Cell;

use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::sre::SreError;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::{matchobj, sre_err, Subject};

/// Where the next match attempt starts.
#[derive(Clone, Copy, Default)]
pub(crate) struct Cursor {
    /// `state->start`, or None before the first attempt (then the clamped `pos`).
    pub start: Option<usize>,
    pub must_advance: bool,
    /// No match left (`state->start == NULL`).
    pub done: bool,
}

/// One match attempt from `cur` (`search` or anchored `match`), advancing `cur`.
pub(crate) fn step<T: crate::sre::Unit>(
    p: &crate::sre::Pattern,
    s: &[T],
    pos: isize,
    endpos: isize,
    cur: &mut Cursor,
    search: bool,
) -> Result<Option<crate::sre::Match>, SreError> {
    if cur.done {
        return Ok(None);
    }
    let mut st = p.state(s, pos, endpos);
    if let Some(start) = cur.start {
        st.start = start;
    }
    st.reset();
    st.ptr = st.start;
    st.must_advance = cur.must_advance;
    let found = match if search { st.search() } else { st.run(0, true) } {
        Ok(f) => f,
        Err(e) => {
            cur.done = true;
            return Err(e);
        }
    };
    if !found {
        cur.done = true;
        return Ok(None);
    }
    let mut spans = Vec::with_capacity(p.groups() + 1);
    spans.push(Some((st.start, st.ptr)));
    for g in 0..p.groups() {
        let span = st.group_span(g);
        if let Some((a, b)) = span {
            if a > b {
                return Err(SreError::WrongSpan);
            }
        }
        spans.push(span);
    }
    cur.must_advance = st.ptr == st.start;
    cur.start = Some(st.ptr);
    Ok(Some(crate::sre::Match {
        spans,
        lastindex: usize::try_from(st.lastindex).ok(),
        pos: st.pos,
        endpos: st.end,
    }))
}

/// An `SRE_Scanner`: a pattern, a subject and a cursor.
pub(crate) struct ScannerData {
    pub pattern: Value,
    pub string: Value,
    pub subj: Subject,
    pub pos: isize,
    pub endpos: isize,
    pub cur: Cell<Cursor>,
}

impl NativeData for ScannerData {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&self.pattern);
        visit(&self.string);
    }
}

/// A new scanner over `string` (already checked against the pattern).
pub(crate) fn new_scanner(
    vm: &Vm,
    ty: &PyRef,
    pattern: Value,
    string: Value,
    subj: Subject,
    pos: isize,
    endpos: isize,
) -> Value {
    Value::Obj(vm.new_native(
        ty,
        ScannerData {
            pattern,
            string,
            subj,
            pos,
            endpos,
            cur: Cell::new(Cursor::default()),
        },
    ))
}

fn scanner_step(vm: &mut Vm, args: Args, name: &str, search: bool) -> PyResult<Value> {
    let sc = vm.native_self::<ScannerData>(&args, "SRE_Scanner", name)?;
    vm.check_args(name, args, 0, 0)?;
    let Some(pd) = vm.native::<super::PatternData>(&sc.pattern) else {
        return Ok(Value::None);
    };
    let mut cur = sc.cur.get();
    let r = super::with_units!(sc.subj, |s| step(
        &pd.sre, s, sc.pos, sc.endpos, &mut cur, search
    ));
    sc.cur.set(cur);
    match r.map_err(|e| sre_err(vm, e))? {
        Some(m) => Ok(matchobj::new_match(
            vm,
            &pd.types.match_,
            sc.pattern.clone(),
            sc.string.clone(),
            sc.subj.clone(),
            m,
        )),
        None => Ok(Value::None),
    }
}

fn scanner_match(vm: &mut Vm, args: Args) -> PyResult<Value> {
    scanner_step(vm, args, "match", false)
}

fn scanner_search(vm: &mut Vm, args: Args) -> PyResult<Value> {
    scanner_step(vm, args, "search", true)
}

fn scanner_pattern(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match vm.native::<ScannerData>(v) {
        Some(sc) => Ok(sc.pattern.clone()),
        None => Err(vm.type_error("descriptor 'pattern' for 'SRE_Scanner' objects doesn't apply")),
    }
}

pub(super) fn install(vm: &mut Vm, t: &PyRef) {
    vm.add_staticmethods(t, &[("__new__", super::no_new)]);
    vm.add_methods(t, &[("match", scanner_match), ("search", scanner_search)]);
    vm.add_getsets(t, &[("pattern", scanner_pattern, None)]);
}
