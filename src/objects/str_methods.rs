//! The rest of `str`'s methods (case, search, split, strip, padding,
//! predicates, encode, translate), with CPython 3.11's argument handling
//! and messages. The algorithms are `crate::text::str_methods`; this file
//! converts arguments and results. `%` and `format` are in `str_format.rs`.

use crate::vm::value::Truth;
use num_bigint::BigInt;

use super::exception::ExcKind;
use super::function::Args;
use super::str::StrObj;
use super::Payload;
use crate::text::{core as text_core, str_methods as sm, PyStrData, TextError};
use crate::vm::value::Value;
use crate::vm::{PyErr, PyResult, Vm};

// ---------------------------------------------------------------------------
// Conversions shared with str_format.rs.

/// The text of a str value as [`PyStrData`].
pub(crate) fn str_data(v: &Value) -> Option<PyStrData> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Str(s) => Some(match s.surrogate_cps() {
                Some(cps) => PyStrData::from_code_points(cps),
                None => PyStrData::from_str(s.as_str()),
            }),
            _ => None,
        },
        _ => None,
    }
}

/// The receiver (the method descriptor already checked its type).
fn this(vm: &Vm, args: &Args) -> PyResult<PyStrData> {
    args.args
        .first()
        .and_then(str_data)
        .ok_or_else(|| vm.type_error("descriptor requires a 'str' object"))
}

/// A text-layer error as the Python exception (with a Unicode error's
/// `encoding`/`start`/`end`/`reason` attributes).
pub(crate) fn text_err(vm: &Vm, e: TextError) -> PyErr {
    super::bytes::text_err(vm, e)
}

/// A str value from text data.
pub(crate) fn out(vm: &Vm, d: &PyStrData) -> Value {
    match d.as_str() {
        Some(s) => vm.new_str(s),
        None => Value::Obj(vm.new_obj(
            &vm.types.str,
            Payload::Str(super::StrObj::from_code_points(&d.to_cps())),
        )),
    }
}

/// The result of a method that may leave the string unchanged: the
/// receiver itself when it is an exact str (as CPython returns it).
fn out_same(vm: &Vm, args: &Args, before: &PyStrData, d: &PyStrData) -> Value {
    if let Some(s) = args.args.first() {
        if d == before && vm.exact(s, &vm.types.str) {
            return s.clone();
        }
    }
    out(vm, d)
}

/// A `Py_ssize_t` argument (`__index__`), with CPython's errors.
pub(crate) fn ssize_arg(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    if let Value::Obj(o) = v {
        if matches!(o.payload, Payload::Int(_)) {
            let b = super::int::to_bigint(v).unwrap_or_default();
            return i64::try_from(&b)
                .map_err(|_| vm.overflow_error("Python int too large to convert to C ssize_t"));
        }
    }
    match vm.index_value(v)? {
        Some(i) => Ok(i),
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(v)
        ))),
    }
}

/// A `start`/`end` argument (`_PyEval_SliceIndex`): None or an index,
/// clipped to the i64 range.
fn slice_arg(vm: &mut Vm, v: Option<&Value>) -> PyResult<Option<i64>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(v) => match vm.index_value(v)? {
            Some(i) => Ok(Some(i)),
            None => Err(
                vm.type_error("slice indices must be integers or None or have an __index__ method")
            ),
        },
    }
}

/// A str argument; `what` prefixes "must be str, not T".
fn str_arg(vm: &Vm, v: &Value, what: &str) -> PyResult<PyStrData> {
    str_data(v)
        .ok_or_else(|| vm.type_error(format!("{what}must be str, not {}", vm.arg_type_name(v))))
}

/// Positional-or-keyword arguments of an Argument Clinic method (`split`,
/// `encode`, ...): one slot per name.
pub(crate) fn kw_args(
    vm: &Vm,
    args: &Args,
    fname: &str,
    names: &[&str],
) -> PyResult<Vec<Option<Value>>> {
    let pos = args.pos().get(1..).unwrap_or(&[]);
    let total = pos.len() + args.kwnames.len();
    if total > names.len() {
        return Err(vm.type_error(format!(
            "{fname}() takes at most {} argument{} ({total} given)",
            names.len(),
            if names.len() == 1 { "" } else { "s" }
        )));
    }
    let mut out: Vec<Option<Value>> = vec![None; names.len()];
    for (slot, v) in out.iter_mut().zip(pos) {
        *slot = Some(v.clone());
    }
    for (k, v) in args.kwargs() {
        let key = crate::vm::proto::str_of(k);
        match names.iter().position(|n| *n == key) {
            Some(i) if i < pos.len() => {
                return Err(vm.type_error(format!(
                    "argument for {fname}() given by name ('{key}') and position ({})",
                    i + 1
                )))
            }
            Some(i) => {
                if let Some(slot) = out.get_mut(i) {
                    *slot = Some(v.clone());
                }
            }
            None => {
                return Err(vm.type_error(format!(
                    "'{key}' is an invalid keyword argument for {fname}()"
                )))
            }
        }
    }
    Ok(out)
}

/// The arguments of `find`-like methods (`METH_VARARGS`, "O|OO:name"):
/// the first one unconverted, then start and end.
fn find_args<'a>(
    vm: &mut Vm,
    args: &Args<'a>,
    name: &str,
) -> PyResult<(&'a Value, Option<i64>, Option<i64>)> {
    if args.has_kwargs() {
        return Err(vm.type_error(format!("str.{name}() takes no keyword arguments")));
    }
    let pos = args.pos().get(1..).unwrap_or(&[]);
    let n = pos.len();
    let Some(first) = pos.first() else {
        return Err(vm.type_error(format!("{name}() takes at least 1 argument (0 given)")));
    };
    if n > 3 {
        return Err(vm.type_error(format!("{name}() takes at most 3 arguments ({n} given)")));
    }
    let start = slice_arg(vm, pos.get(1))?;
    let end = slice_arg(vm, pos.get(2))?;
    Ok((first, start, end))
}

// ---------------------------------------------------------------------------
// Case conversion and predicates.

macro_rules! transform_methods {
    ($($fname:ident, $name:literal, $f:path;)*) => {
        $(
            fn $fname(vm: &mut Vm, args: Args) -> PyResult<Value> {
                vm.check_args(concat!("str.", $name), args, 0, 0)?;
                let s = this(vm, &args)?;
                Ok(out(vm, &$f(&s)))
            }
        )*
    };
}

macro_rules! ascii_transform_methods {
    ($($fname:ident, $name:literal, $f:path, $case:ident;)*) => {
        $(
            fn $fname(vm: &mut Vm, args: Args) -> PyResult<Value> {
                if let Some(r) = super::str_fast::case(vm, &args, super::str_fast::Case::$case) {
                    return r;
                }
                vm.check_args(concat!("str.", $name), args, 0, 0)?;
                let s = this(vm, &args)?;
                Ok(out(vm, &$f(&s)))
            }
        )*
    };
}

ascii_transform_methods! {
    str_lower, "lower", sm::lower, Lower;
    str_upper, "upper", sm::upper, Upper;
    str_capitalize, "capitalize", sm::capitalize, Capitalize;
}

transform_methods! {
    str_title, "title", sm::title;
    str_swapcase, "swapcase", sm::swapcase;
    str_casefold, "casefold", sm::casefold;
}

macro_rules! predicate_methods {
    ($($fname:ident, $name:literal, $f:path;)*) => {
        $(
            fn $fname(vm: &mut Vm, args: Args) -> PyResult<Value> {
                vm.check_args(concat!("str.", $name), args, 0, 0)?;
                let s = this(vm, &args)?;
                Ok(Value::bool($f(&s)))
            }
        )*
    };
}

predicate_methods! {
    str_isspace, "isspace", sm::isspace;
    str_isalpha, "isalpha", sm::isalpha;
    str_isalnum, "isalnum", sm::isalnum;
    str_isdecimal, "isdecimal", sm::isdecimal;
    str_isdigit, "isdigit", sm::isdigit;
    str_isnumeric, "isnumeric", sm::isnumeric;
    str_isprintable, "isprintable", sm::isprintable;
    str_isidentifier, "isidentifier", sm::isidentifier;
    str_islower, "islower", sm::islower;
    str_isupper, "isupper", sm::isupper;
    str_istitle, "istitle", sm::istitle;
    str_isascii, "isascii", sm::isascii;
}

// ---------------------------------------------------------------------------
// Searching.

/// A str's text as bytes when it is ASCII (code point = byte index), read
/// in place: the search methods then work on it without a copy.
fn ascii_units(v: &Value) -> Option<&[u8]> {
    super::str_fast::ascii_arg(v).map(str::as_bytes)
}

/// The receiver and the argument `sub` of a search method when both are
/// ASCII.
fn ascii_pair<'a>(args: &Args<'a>, sub: &'a Value) -> Option<(&'a [u8], &'a [u8])> {
    Some((ascii_units(args.args.first()?)?, ascii_units(sub)?))
}

/// A str without lone surrogates (its UTF-8 text is its code points).
fn plain_str(v: &Value) -> Option<&StrObj> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Str(s) if s.surrogate_cps().is_none() => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// A search in a non-ASCII str: the `[start:end]` window (in code points,
/// after `ADJUST_INDICES`) as UTF-8 bytes with its first code point's
/// index, when `sub` can fit in it. A valid UTF-8 needle matches valid
/// UTF-8 text only at code-point boundaries, so the bytes are searched
/// as they are and only the window's ends and a match are converted.
struct Utf8Window<'a> {
    hay: &'a [u8],
    sub: &'a [u8],
    first: usize,
    chars: usize,
}

fn utf8_window<'a>(
    args: &Args<'a>,
    sub: &'a Value,
    start: Option<i64>,
    end: Option<i64>,
) -> Option<Option<Utf8Window<'a>>> {
    let x = plain_str(args.args.first()?)?;
    let y = plain_str(sub)?;
    let (s, e) = crate::text::adjust_indices(x.char_len(), start, end);
    if e < s || e - s < y.char_len() {
        return Some(None);
    }
    let (a, b) = (x.byte_offset(s), x.byte_offset(e));
    Some(Some(Utf8Window {
        hay: x.as_str().as_bytes().get(a..b)?,
        sub: y.as_str().as_bytes(),
        first: s,
        chars: e - s,
    }))
}

/// Code points in UTF-8 bytes.
fn utf8_chars(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c & 0xC0 != 0x80).count()
}

impl Utf8Window<'_> {
    fn at(&self, p: usize) -> usize {
        self.first + utf8_chars(self.hay.get(..p).unwrap_or_default())
    }

    fn find(&self) -> Option<usize> {
        text_core::search(self.hay, self.sub).map(|p| self.at(p))
    }

    fn rfind(&self) -> Option<usize> {
        text_core::rsearch(self.hay, self.sub).map(|p| self.at(p))
    }

    fn count(&self) -> usize {
        if self.sub.is_empty() {
            return self.chars + 1;
        }
        text_core::count_in(self.hay, self.sub, usize::MAX)
    }

    fn tailmatch(&self, at_end: bool) -> bool {
        let n = self.sub.len();
        let at = if at_end {
            self.hay.len().checked_sub(n)
        } else {
            Some(0)
        };
        at.and_then(|at| self.hay.get(at..at + n)) == Some(self.sub)
    }
}

/// `find`/`rfind` (`right`) of strs without lone surrogates, on their text
/// as stored (None: the general path decides).
fn find_in_place(
    args: &Args,
    sub: &Value,
    start: Option<i64>,
    end: Option<i64>,
    right: bool,
) -> Option<Option<usize>> {
    if let Some((x, y)) = ascii_pair(args, sub) {
        return Some(if right {
            text_core::rfind(x, y, start, end)
        } else {
            text_core::find(x, y, start, end)
        });
    }
    let w = utf8_window(args, sub, start, end)?;
    Some(w.and_then(|w| if right { w.rfind() } else { w.find() }))
}

fn str_find(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (sub, start, end) = find_args(vm, &args, "find")?;
    if let Some(r) = find_in_place(&args, sub, start, end, false) {
        return Ok(Value::Int(r.map_or(-1, |i| i as i64)));
    }
    let sub = str_arg(vm, sub, "")?;
    let s = this(vm, &args)?;
    Ok(Value::Int(
        sm::find(&s, &sub, start, end).map_or(-1, |i| i as i64),
    ))
}

fn str_rfind(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (sub, start, end) = find_args(vm, &args, "rfind")?;
    if let Some(r) = find_in_place(&args, sub, start, end, true) {
        return Ok(Value::Int(r.map_or(-1, |i| i as i64)));
    }
    let sub = str_arg(vm, sub, "")?;
    let s = this(vm, &args)?;
    Ok(Value::Int(
        sm::rfind(&s, &sub, start, end).map_or(-1, |i| i as i64),
    ))
}

fn str_index(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (sub, start, end) = find_args(vm, &args, "index")?;
    if let Some(Some(i)) = find_in_place(&args, sub, start, end, false) {
        return Ok(Value::Int(i as i64));
    }
    let sub = str_arg(vm, sub, "")?;
    let s = this(vm, &args)?;
    match sm::index(&s, &sub, start, end) {
        Ok(i) => Ok(Value::Int(i as i64)),
        Err(e) => Err(text_err(vm, e)),
    }
}

fn str_rindex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (sub, start, end) = find_args(vm, &args, "rindex")?;
    if let Some(Some(i)) = find_in_place(&args, sub, start, end, true) {
        return Ok(Value::Int(i as i64));
    }
    let sub = str_arg(vm, sub, "")?;
    let s = this(vm, &args)?;
    match sm::rindex(&s, &sub, start, end) {
        Ok(i) => Ok(Value::Int(i as i64)),
        Err(e) => Err(text_err(vm, e)),
    }
}

fn str_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (sub, start, end) = find_args(vm, &args, "count")?;
    if let Some((x, y)) = ascii_pair(&args, sub) {
        return Ok(Value::Int(text_core::count(x, y, start, end) as i64));
    }
    if let Some(w) = utf8_window(&args, sub, start, end) {
        return Ok(Value::Int(w.map_or(0, |w| w.count()) as i64));
    }
    let sub = str_arg(vm, sub, "")?;
    let s = this(vm, &args)?;
    Ok(Value::Int(sm::count(&s, &sub, start, end) as i64))
}

fn prefix_match(vm: &mut Vm, args: Args, name: &str, at_end: bool) -> PyResult<Value> {
    let (prefix, start, end) = find_args(vm, &args, name)?;
    if let Some(r) = ascii_prefix_match(&args, prefix, start, end, at_end) {
        return Ok(Value::bool(r));
    }
    let s = this(vm, &args)?;
    let test = |p: &PyStrData| {
        if at_end {
            sm::endswith(&s, p, start, end)
        } else {
            sm::startswith(&s, p, start, end)
        }
    };
    if let Some(items) = tuple_items(prefix) {
        for it in items.iter() {
            match str_data(it) {
                Some(p) => {
                    if test(&p) {
                        return Ok(Value::Bool(Truth::True));
                    }
                }
                None => {
                    return Err(vm.type_error(format!(
                        "tuple for {name} must only contain str, not {}",
                        vm.type_name_of(it)
                    )))
                }
            }
        }
        return Ok(Value::Bool(Truth::False));
    }
    match str_data(prefix) {
        Some(p) => Ok(Value::bool(test(&p))),
        None => Err(vm.type_error(format!(
            "{name} first arg must be str or a tuple of str, not {}",
            vm.type_name_of(prefix)
        ))),
    }
}

/// `startswith`/`endswith` of an ASCII str by an ASCII str or a tuple of
/// them (None: the general path decides, and makes any error).
fn ascii_prefix_match(
    args: &Args,
    prefix: &Value,
    start: Option<i64>,
    end: Option<i64>,
    at_end: bool,
) -> Option<bool> {
    let one = |p: &Value| -> Option<bool> {
        if let (Some(x), Some(y)) = (ascii_units(args.args.first()?), ascii_units(p)) {
            return Some(text_core::tailmatch(x, y, start, end, at_end));
        }
        Some(utf8_window(args, p, start, end)?.is_some_and(|w| w.tailmatch(at_end)))
    };
    if let Value::Obj(o) = prefix {
        if let Payload::Tuple(items) = &o.payload {
            let mut found = false;
            for it in items.iter() {
                found = found || one(it)?;
            }
            return Some(found);
        }
    }
    one(prefix)
}

fn tuple_items(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(items) => Some(items.to_vec()),
            _ => None,
        },
        _ => None,
    }
}

fn str_startswith(vm: &mut Vm, args: Args) -> PyResult<Value> {
    prefix_match(vm, args, "startswith", false)
}

fn str_endswith(vm: &mut Vm, args: Args) -> PyResult<Value> {
    prefix_match(vm, args, "endswith", true)
}

// ---------------------------------------------------------------------------
// Splitting, partitioning, stripping, replacing.

fn sep_arg(vm: &Vm, v: Option<&Value>) -> PyResult<Option<PyStrData>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(v) => match str_data(v) {
            Some(s) => Ok(Some(s)),
            None => Err(vm.type_error(format!("must be str or None, not {}", vm.type_name_of(v)))),
        },
    }
}

fn split_impl(vm: &mut Vm, args: Args, name: &str, right: bool) -> PyResult<Value> {
    if !right {
        if let Some(r) = super::str_fast::split(vm, &args) {
            return r;
        }
    }
    let a = kw_args(vm, &args, name, &["sep", "maxsplit"])?;
    let sep = sep_arg(vm, a.first().and_then(Option::as_ref))?;
    let maxsplit = match a.get(1).and_then(Option::as_ref) {
        Some(v) => ssize_arg(vm, v)?,
        None => -1,
    };
    let s = this(vm, &args)?;
    let ranges = if right {
        sm::rsplit_ranges(&s, sep.as_ref(), maxsplit)
    } else {
        sm::split_ranges(&s, sep.as_ref(), maxsplit)
    }
    .map_err(|e| text_err(vm, e))?;
    // Each piece becomes a str at once (no intermediate copies: splitting
    // a large text held them all at the same time).
    let ascii = s.as_str().filter(|_| s.is_ascii());
    let mut items: Vec<Value> = ranges
        .into_iter()
        .map(|r| match ascii.and_then(|t| t.get(r.clone())) {
            Some(piece) => vm.new_str(piece),
            None => out(vm, &s.substring(r.start, r.end)),
        })
        .collect();
    size_split_list(&mut items, maxsplit);
    Ok(vm.new_list(items))
}

/// CPython's allocation of a split's list (`sys.getsizeof`): made for
/// `PREALLOC_SIZE(maxsplit)` items (12 at most), grown by appends.
pub(crate) fn size_split_list(items: &mut Vec<Value>, maxsplit: i64) {
    let mut cap = if (0..12).contains(&maxsplit) {
        maxsplit as usize + 1
    } else {
        12
    };
    for size in cap + 1..=items.len() {
        if size > cap {
            cap = (size + (size >> 3) + 6) & !3;
        }
    }
    if items.capacity() > cap {
        items.shrink_to(cap);
    } else {
        items.reserve_exact(cap - items.len());
    }
}

fn str_split(vm: &mut Vm, args: Args) -> PyResult<Value> {
    split_impl(vm, args, "split", false)
}

fn str_rsplit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    split_impl(vm, args, "rsplit", true)
}

fn str_splitlines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = kw_args(vm, &args, "splitlines", &["keepends"])?;
    let keepends = match a.first().and_then(Option::as_ref) {
        Some(v) => ssize_or_big_nonzero(vm, v)?,
        None => false,
    };
    if let Some(r) = super::str_fast::splitlines(vm, &args, keepends) {
        return r;
    }
    let s = this(vm, &args)?;
    let items = sm::splitlines(&s, keepends)
        .iter()
        .map(|p| out(vm, p))
        .collect();
    Ok(vm.new_list(items))
}

/// An int-like flag (`bool(accept={int})`): any int, nonzero is true.
fn ssize_or_big_nonzero(vm: &mut Vm, v: &Value) -> PyResult<bool> {
    if let Some(b) = super::int::to_bigint(v) {
        return Ok(b != BigInt::from(0));
    }
    Ok(ssize_arg(vm, v)? != 0)
}

fn partition_impl(vm: &mut Vm, args: Args, name: &str, right: bool) -> PyResult<Value> {
    if let Some(r) = super::str_fast::partition(vm, &args, right) {
        return r;
    }
    let a = vm.check_args(name, args, 1, 1)?;
    let sep = str_arg(vm, &a[0], "")?;
    let s = this(vm, &args)?;
    let (x, y, z) = if right {
        sm::rpartition(&s, &sep)
    } else {
        sm::partition(&s, &sep)
    }
    .map_err(|e| text_err(vm, e))?;
    let items = vec![out(vm, &x), out(vm, &y), out(vm, &z)];
    Ok(vm.new_tuple(items))
}

fn str_partition(vm: &mut Vm, args: Args) -> PyResult<Value> {
    partition_impl(vm, args, "str.partition", false)
}

fn str_rpartition(vm: &mut Vm, args: Args) -> PyResult<Value> {
    partition_impl(vm, args, "str.rpartition", true)
}

fn strip_impl(
    vm: &mut Vm,
    args: Args,
    name: &str,
    f: fn(&PyStrData, Option<&PyStrData>) -> PyStrData,
    side: super::str_fast::Side,
) -> PyResult<Value> {
    if let Some(r) = super::str_fast::strip(vm, &args, side) {
        return r;
    }
    let a = vm.check_args(&format!("str.{name}"), args, 0, 1)?;
    let chars = match a.first() {
        None | Some(Value::None) => None,
        Some(v) => match str_data(v) {
            Some(c) => Some(c),
            None => return Err(vm.type_error(format!("{name} arg must be None or str"))),
        },
    };
    let s = this(vm, &args)?;
    let r = f(&s, chars.as_ref());
    Ok(out_same(vm, &args, &s, &r))
}

fn str_strip(vm: &mut Vm, args: Args) -> PyResult<Value> {
    strip_impl(vm, args, "strip", sm::strip, super::str_fast::Side::Both)
}

fn str_lstrip(vm: &mut Vm, args: Args) -> PyResult<Value> {
    strip_impl(vm, args, "lstrip", sm::lstrip, super::str_fast::Side::Left)
}

fn str_rstrip(vm: &mut Vm, args: Args) -> PyResult<Value> {
    strip_impl(vm, args, "rstrip", sm::rstrip, super::str_fast::Side::Right)
}

fn str_replace(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("str.replace", args, 2, 3)?;
    let old = str_arg(vm, &a[0], "replace() argument 1 ")?;
    let new = str_arg(vm, &a[1], "replace() argument 2 ")?;
    let count = match a.get(2) {
        Some(v) => ssize_arg(vm, v)?,
        None => -1,
    };
    let s = this(vm, &args)?;
    if new.len() > old.len() {
        // Size the result first, as CPython does, so a huge one is a
        // MemoryError rather than an abort.
        let n = sm::count(&s, &old, None, None);
        let n = usize::try_from(count).map_or(n, |c| n.min(c));
        let grow = n.saturating_mul(new.len() - old.len());
        super::alloc::check_room(vm, s.len().saturating_add(grow), 1)?;
    }
    let r = sm::replace(&s, &old, &new, count);
    Ok(out_same(vm, &args, &s, &r))
}

fn affix_impl(vm: &mut Vm, args: Args, name: &str, suffix: bool) -> PyResult<Value> {
    let a = vm.check_args(&format!("str.{name}"), args, 1, 1)?;
    let p = str_arg(vm, &a[0], &format!("{name}() argument "))?;
    let s = this(vm, &args)?;
    let r = if suffix {
        sm::removesuffix(&s, &p)
    } else {
        sm::removeprefix(&s, &p)
    };
    Ok(out_same(vm, &args, &s, &r))
}

fn str_removeprefix(vm: &mut Vm, args: Args) -> PyResult<Value> {
    affix_impl(vm, args, "removeprefix", false)
}

fn str_removesuffix(vm: &mut Vm, args: Args) -> PyResult<Value> {
    affix_impl(vm, args, "removesuffix", true)
}

// ---------------------------------------------------------------------------
// Padding.

fn justify_impl(vm: &mut Vm, args: Args, name: &str, how: char) -> PyResult<Value> {
    let a = vm.check_args(&format!("str.{name}"), args, 1, 2)?;
    let width = ssize_arg(vm, &a[0])?;
    let fill = match a.get(1) {
        None => u32::from(' '),
        Some(v) => match str_data(v) {
            Some(f) if f.len() == 1 => f.char_at(0).unwrap_or(32),
            Some(_) => {
                return Err(vm.type_error("The fill character must be exactly one character long"))
            }
            None => {
                return Err(vm.type_error(format!(
                    "The fill character must be a unicode character, not {}",
                    vm.type_name_of(v)
                )))
            }
        },
    };
    let s = this(vm, &args)?;
    super::alloc::check_room(vm, usize::try_from(width).unwrap_or(0), 1)?;
    let r = match how {
        'c' => sm::center(&s, width, fill),
        'l' => sm::ljust(&s, width, fill),
        _ => sm::rjust(&s, width, fill),
    };
    Ok(out_same(vm, &args, &s, &r))
}

fn str_center(vm: &mut Vm, args: Args) -> PyResult<Value> {
    justify_impl(vm, args, "center", 'c')
}

fn str_ljust(vm: &mut Vm, args: Args) -> PyResult<Value> {
    justify_impl(vm, args, "ljust", 'l')
}

fn str_rjust(vm: &mut Vm, args: Args) -> PyResult<Value> {
    justify_impl(vm, args, "rjust", 'r')
}

fn str_zfill(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("str.zfill", args, 1, 1)?;
    let width = ssize_arg(vm, &a[0])?;
    let s = this(vm, &args)?;
    super::alloc::check_room(vm, usize::try_from(width).unwrap_or(0), 1)?;
    let r = sm::zfill(&s, width);
    Ok(out_same(vm, &args, &s, &r))
}

fn str_expandtabs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = kw_args(vm, &args, "expandtabs", &["tabsize"])?;
    let tabsize = match a.first().and_then(Option::as_ref) {
        Some(v) => {
            let n = ssize_arg(vm, v)?;
            super::alloc::c_int_arg(vm, n)?
        }
        None => 8,
    };
    let s = this(vm, &args)?;
    let r = sm::expandtabs(&s, tabsize).map_err(|e| text_err(vm, e))?;
    Ok(out_same(vm, &args, &s, &r))
}

// ---------------------------------------------------------------------------
// Encoding and translation.

fn str_encode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if let Some(r) = super::str_fast::encode(vm, &args) {
        return r;
    }
    let a = kw_args(vm, &args, "encode", &["encoding", "errors"])?;
    let mut names = ["utf-8".to_string(), "strict".to_string()];
    for (i, (slot, what)) in names.iter_mut().zip(["encoding", "errors"]).enumerate() {
        if let Some(v) = a.get(i).and_then(Option::as_ref) {
            match str_data(v) {
                Some(t) => *slot = t.to_string_lossy(),
                None => {
                    return Err(vm.type_error(format!(
                        "encode() argument '{what}' must be str, not {}",
                        vm.arg_type_name(v)
                    )))
                }
            }
        }
    }
    let s = this(vm, &args)?;
    let [encoding, errors] = names;
    let bytes = match super::str_codecs::encode(&s, &encoding, &errors) {
        Ok(b) => b,
        Err(TextError::Lookup(_)) => {
            // Encodings and error handlers pycvm does not know natively:
            // the codec registry (`_codecs`), as CPython.
            let me = args.args.first().cloned().unwrap_or(Value::None);
            return crate::modules::codecs::encode_text(vm, &me, &encoding, &errors);
        }
        Err(e) => {
            let encode_error = matches!(e, TextError::UnicodeEncode(_));
            let err = text_err(vm, e);
            if encode_error {
                let obj = out(vm, &s);
                vm.set_attr_raw(&err.0, "object", obj);
            }
            return Err(err);
        }
    };
    Ok(vm.new_bytes(bytes))
}

/// `str.translate`'s error channel: a Python error or a text-layer one.
enum TransErr {
    Py(PyErr),
    Text(TextError),
}

impl From<TextError> for TransErr {
    fn from(e: TextError) -> Self {
        TransErr::Text(e)
    }
}

fn str_translate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("str.translate", args, 1, 1)?;
    let table = a[0].clone();
    let s = this(vm, &args)?;
    let r = sm::translate(&s, |c| -> Result<Option<sm::TransOp>, TransErr> {
        let v = match vm.getitem(&table, &Value::Int(i64::from(c))) {
            Ok(v) => v,
            Err(e) if vm.err_is(&e, ExcKind::LookupError) => return Ok(None),
            Err(e) => return Err(TransErr::Py(e)),
        };
        if v.is_none() {
            return Ok(Some(sm::TransOp::Delete));
        }
        if let Some(b) = super::int::to_bigint(&v) {
            return Ok(Some(sm::TransOp::Char(i64::try_from(&b).unwrap_or(-1))));
        }
        if let Some(t) = str_data(&v) {
            return Ok(Some(sm::TransOp::Str(t)));
        }
        Err(TransErr::Py(vm.type_error(
            "character mapping must return integer, None or str",
        )))
    });
    match r {
        Ok(r) => Ok(out_same(vm, &args, &s, &r)),
        Err(TransErr::Py(e)) => Err(e),
        Err(TransErr::Text(e)) => Err(text_err(vm, e)),
    }
}

fn str_maketrans(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("str.maketrans", args, 1, 3)?;
    let d = vm.new_dict();
    if a.len() == 1 {
        let x = &a[0];
        let is_dict = matches!(x, Value::Obj(o) if matches!(o.payload, Payload::Dict(_)));
        if !is_dict {
            return Err(
                vm.type_error("if you give only one argument to maketrans it must be a dict")
            );
        }
        let Value::Obj(xo) = x else {
            return Ok(Value::Obj(d));
        };
        for (k, v) in vm.dict_items(xo) {
            let key = if let Some(ks) = str_data(&k) {
                let c = sm::maketrans_key(&ks).map_err(|e| text_err(vm, e))?;
                Value::Int(i64::from(c))
            } else if super::int::is_int(&k) {
                k
            } else {
                return Err(vm.type_error("keys in translate table must be strings or integers"));
            };
            vm.dict_set(&d, key, v)?;
        }
        return Ok(Value::Obj(d));
    }
    let Some(x) = str_data(&a[0]) else {
        return Err(vm.type_error(
            "first maketrans argument must be a string if there is a second argument",
        ));
    };
    let y = str_arg(vm, &a[1], "maketrans() argument 2 ")?;
    let z = match a.get(2) {
        Some(v) => Some(str_arg(vm, v, "maketrans() argument 3 ")?),
        None => None,
    };
    let pairs = sm::maketrans(&x, &y, z.as_ref()).map_err(|e| text_err(vm, e))?;
    for (k, v) in pairs {
        let v = v.map_or(Value::None, |c| Value::Int(i64::from(c)));
        vm.dict_set(&d, Value::Int(i64::from(k)), v)?;
    }
    Ok(Value::Obj(d))
}

fn str_getnewargs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.check_args("str.__getnewargs__", args, 0, 0)?;
    let s = this(vm, &args)?;
    let v = out(vm, &s);
    Ok(vm.new_tuple_of([v]))
}

/// `__sizeof__`: CPython's compact string layout (header, then one
/// element per code point plus a terminator, 1/2/4 bytes by the widest).
fn str_sizeof(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.check_args("str.__sizeof__", args, 0, 0)?;
    let s = this(vm, &args)?;
    let n = s.len() as i64 + 1;
    let size = match s.max_char() {
        0..=0x7F => 48 + n,
        0x80..=0xFF => 72 + n,
        0x100..=0xFFFF => 72 + 2 * n,
        _ => 72 + 4 * n,
    };
    Ok(Value::Int(size))
}

/// Install the methods of this file in the str type.
pub fn install(vm: &mut Vm) {
    let t = vm.types.str.clone();
    vm.add_methods(
        &t,
        &[
            ("lower", str_lower),
            ("upper", str_upper),
            ("capitalize", str_capitalize),
            ("title", str_title),
            ("swapcase", str_swapcase),
            ("casefold", str_casefold),
            ("isspace", str_isspace),
            ("isalpha", str_isalpha),
            ("isalnum", str_isalnum),
            ("isdecimal", str_isdecimal),
            ("isdigit", str_isdigit),
            ("isnumeric", str_isnumeric),
            ("isprintable", str_isprintable),
            ("isidentifier", str_isidentifier),
            ("islower", str_islower),
            ("isupper", str_isupper),
            ("istitle", str_istitle),
            ("isascii", str_isascii),
            ("find", str_find),
            ("rfind", str_rfind),
            ("index", str_index),
            ("rindex", str_rindex),
            ("count", str_count),
            ("startswith", str_startswith),
            ("endswith", str_endswith),
            ("split", str_split),
            ("rsplit", str_rsplit),
            ("splitlines", str_splitlines),
            ("partition", str_partition),
            ("rpartition", str_rpartition),
            ("strip", str_strip),
            ("lstrip", str_lstrip),
            ("rstrip", str_rstrip),
            ("replace", str_replace),
            ("removeprefix", str_removeprefix),
            ("removesuffix", str_removesuffix),
            ("center", str_center),
            ("ljust", str_ljust),
            ("rjust", str_rjust),
            ("zfill", str_zfill),
            ("expandtabs", str_expandtabs),
            ("encode", str_encode),
            ("translate", str_translate),
            ("__getnewargs__", str_getnewargs),
            ("__sizeof__", str_sizeof),
        ],
    );
    vm.add_staticmethods(&t, &[("maketrans", str_maketrans)]);
    super::str_format::install(vm);
}
