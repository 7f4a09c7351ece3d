//! `re.Pattern`: a compiled regular expression (Modules/_sre/sre.c's
//! PatternObject): `match`/`fullmatch`/`search`, `findall`/`finditer`,
//! `split`, `sub`/`subn` (string, callable and template replacements) and
//! `scanner`, with CPython 3.11's argument handling and messages.

use crate::objects::rc::Rc;
use crate::vm::value::Truth;

use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::{Payload, StrObj};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::matchobj::new_match;
use super::scanner::{new_scanner, step, Cursor};
use super::{kw_args, slice_value, sre_err, ssize, subject_of, with_units, SreTypes, Subject};

/// The state of a Pattern object.
pub(crate) struct PatternData {
    pub sre: crate::sre::Pattern,
    /// The source (str, bytes or None).
    pub pattern: Value,
    pub flags: i64,
    /// Whether the pattern is bytes (None when the pattern is None: any subject).
    pub is_bytes: Option<bool>,
    /// The name -> number dict, or None without named groups.
    pub groupindex: Value,
    /// The number -> name tuple.
    pub indexgroup: Value,
    pub types: Rc<SreTypes>,
}

impl NativeData for PatternData {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&self.pattern);
        visit(&self.groupindex);
        visit(&self.indexgroup);
    }
}

fn this<'a>(vm: &Vm, args: &Args<'a>, method: &str) -> PyResult<&'a PatternData> {
    vm.native_self::<PatternData>(args, "re.Pattern", method)
}

fn getter_self<'a>(vm: &Vm, v: &'a Value, name: &str) -> PyResult<&'a PatternData> {
    vm.native::<PatternData>(v).ok_or_else(|| {
        vm.type_error(format!(
            "descriptor '{name}' for 're.Pattern' objects doesn't apply to a '{}' object",
            vm.type_name_of(v)
        ))
    })
}

impl PatternData {
    /// `state_init`'s string checks.
    fn subject(&self, vm: &mut Vm, string: &Value) -> PyResult<Subject> {
        let subj = subject_of(vm, string)?;
        match (self.is_bytes, subj.is_bytes) {
            (Some(false), true) => {
                Err(vm.type_error("cannot use a string pattern on a bytes-like object"))
            }
            (Some(true), false) => {
                Err(vm.type_error("cannot use a bytes pattern on a string-like object"))
            }
            _ => Ok(subj),
        }
    }
}

fn opt(a: &[Option<Value>], i: usize) -> Option<Value> {
    a.get(i).cloned().flatten()
}

/// `(string, pos=0, endpos=sys.maxsize)`.
fn string_pos_endpos(vm: &mut Vm, args: Args, name: &str) -> PyResult<(Value, isize, isize)> {
    // The common `p.search(s)`: no argument list to build.
    if args.kwnames.is_empty() && args.args.len() == 2 {
        if let Some(string) = args.args.get(1) {
            return Ok((string.clone(), 0, isize::MAX));
        }
    }
    let a = kw_args(vm, args, name, &["string", "pos", "endpos"], 1)?;
    let string = opt(&a, 0).unwrap_or(Value::None);
    let pos = match opt(&a, 1) {
        Some(v) => ssize(vm, &v)?,
        None => 0,
    };
    let endpos = match opt(&a, 2) {
        Some(v) => ssize(vm, &v)?,
        None => isize::MAX,
    };
    Ok((string, pos, endpos))
}

#[derive(Clone, Copy)]
enum Kind {
    Match,
    FullMatch,
    Search,
}

fn pattern_match_kind(vm: &mut Vm, args: Args, name: &str, kind: Kind) -> PyResult<Value> {
    let pd = this(vm, &args, name)?;
    let me = args.args[0].clone();
    let (string, pos, endpos) = string_pos_endpos(vm, args, name)?;
    let subj = pd.subject(vm, &string)?;
    let r = match kind {
        Kind::Match => with_units!(subj, |s| pd.sre.match_at(s, pos, endpos)),
        Kind::FullMatch => with_units!(subj, |s| pd.sre.fullmatch(s, pos, endpos)),
        Kind::Search => with_units!(subj, |s| pd.sre.search(s, pos, endpos)),
    };
    match r.map_err(|e| sre_err(vm, e))? {
        Some(m) => Ok(new_match(vm, &pd.types.match_, me, string, subj, m)),
        None => Ok(Value::None),
    }
}

fn pattern_match(vm: &mut Vm, args: Args) -> PyResult<Value> {
    pattern_match_kind(vm, args, "match", Kind::Match)
}

fn pattern_fullmatch(vm: &mut Vm, args: Args) -> PyResult<Value> {
    pattern_match_kind(vm, args, "fullmatch", Kind::FullMatch)
}

fn pattern_search(vm: &mut Vm, args: Args) -> PyResult<Value> {
    pattern_match_kind(vm, args, "search", Kind::Search)
}

fn pattern_findall(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pd = this(vm, &args, "findall")?;
    let (string, pos, endpos) = string_pos_endpos(vm, args, "findall")?;
    let subj = pd.subject(vm, &string)?;
    let mut cur = Cursor::default();
    let mut out = Vec::new();
    while let Some(m) = with_units!(subj, |s| step(&pd.sre, s, pos, endpos, &mut cur, true))
        .map_err(|e| sre_err(vm, e))?
    {
        let grp = |i: usize| {
            let (a, b) = m.span(i).unwrap_or((0, 0));
            slice_value(vm, &subj, &string, a, b)
        };
        let item = match pd.sre.groups() {
            0 => grp(0),
            1 => grp(1),
            n => {
                let items = (1..=n).map(grp).collect();
                vm.new_tuple(items)
            }
        };
        out.push(item);
    }
    Ok(vm.new_list(out))
}

fn make_scanner(vm: &mut Vm, args: Args, name: &str) -> PyResult<Value> {
    let pd = this(vm, &args, name)?;
    let me = args.args[0].clone();
    let (string, pos, endpos) = string_pos_endpos(vm, args, name)?;
    let subj = pd.subject(vm, &string)?;
    Ok(new_scanner(
        vm,
        &pd.types.scanner,
        me,
        string,
        subj,
        pos,
        endpos,
    ))
}

fn pattern_scanner(vm: &mut Vm, args: Args) -> PyResult<Value> {
    make_scanner(vm, args, "scanner")
}

/// `finditer`: `iter(scanner.search, None)`, as CPython builds it.
fn pattern_finditer(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let sc = make_scanner(vm, args, "finditer")?;
    let search = vm.getattr_str(&sc, "search")?;
    Ok(vm.new_iter(
        &vm.types.callable_iterator.clone(),
        crate::objects::iter::IterState::Callable {
            func: search,
            sentinel: Value::None,
        },
    ))
}

fn pattern_split(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pd = this(vm, &args, "split")?;
    let a = kw_args(vm, args, "split", &["string", "maxsplit"], 1)?;
    let string = opt(&a, 0).unwrap_or(Value::None);
    let maxsplit = match opt(&a, 1) {
        Some(v) => ssize(vm, &v)?,
        None => 0,
    };
    let subj = pd.subject(vm, &string)?;
    let mut cur = Cursor::default();
    let mut out = Vec::new();
    let mut last = 0usize;
    let mut n = 0isize;
    while maxsplit == 0 || n < maxsplit {
        let Some(m) = with_units!(subj, |s| step(&pd.sre, s, 0, isize::MAX, &mut cur, true))
            .map_err(|e| sre_err(vm, e))?
        else {
            break;
        };
        let (b, e) = m.span(0).unwrap_or((last, last));
        out.push(slice_value(vm, &subj, &string, last, b));
        for g in 1..=pd.sre.groups() {
            out.push(match m.span(g) {
                Some((x, y)) => slice_value(vm, &subj, &string, x, y),
                None => Value::None,
            });
        }
        n += 1;
        last = e;
    }
    out.push(slice_value(vm, &subj, &string, last, subj.len()));
    Ok(vm.new_list(out))
}

/// What replaces each match in `sub`.
enum Filter {
    Literal(Value),
    Callable(Value),
}

fn has_backslash(vm: &mut Vm, v: &Value) -> PyResult<Option<bool>> {
    if let Some(s) = vm.as_str_obj(v) {
        return Ok(Some(s.code_points().contains(&u32::from(b'\\'))));
    }
    Ok(crate::objects::bytes::buffer_bytes(vm, v)?.map(|b| b.contains(&b'\\')))
}

/// `join_list`: the pieces joined as str or bytes, with `str.join`'s and
/// `bytes.join`'s messages.
fn join_pieces(vm: &mut Vm, pieces: Vec<Value>, is_bytes: bool) -> PyResult<Value> {
    if let [one] = pieces.as_slice() {
        let ty = vm.type_of(one);
        let exact = if is_bytes {
            Rc::ptr_eq(&ty, &vm.types.bytes)
        } else {
            Rc::ptr_eq(&ty, &vm.types.str)
        };
        if exact {
            return Ok(one.clone());
        }
    }
    if is_bytes {
        let mut out = Vec::new();
        for (i, p) in pieces.iter().enumerate() {
            match crate::objects::bytes::buffer_bytes(vm, p)? {
                Some(b) => out.extend_from_slice(&b),
                None => {
                    return Err(vm.type_error(format!(
                        "sequence item {i}: expected a bytes-like object, {} found",
                        vm.type_name_of(p)
                    )))
                }
            }
        }
        return Ok(vm.new_bytes(out));
    }
    let mut out: Vec<u32> = Vec::new();
    for (i, p) in pieces.iter().enumerate() {
        match vm.as_str_obj(p) {
            Some(s) => out.extend(s.code_points()),
            None => {
                return Err(vm.type_error(format!(
                    "sequence item {i}: expected str instance, {} found",
                    vm.type_name_of(p)
                )))
            }
        }
    }
    Ok(Value::Obj(vm.new_obj(
        &vm.types.str,
        Payload::Str(StrObj::from_code_points(&out)),
    )))
}

/// `pattern_subx`.
fn pattern_subx(vm: &mut Vm, args: Args, name: &str, subn: bool) -> PyResult<Value> {
    let pd = this(vm, &args, name)?;
    let me = args.args[0].clone();
    let a = kw_args(vm, args, name, &["repl", "string", "count"], 2)?;
    let repl = opt(&a, 0).unwrap_or(Value::None);
    let string = opt(&a, 1).unwrap_or(Value::None);
    let count = match opt(&a, 2) {
        Some(v) => ssize(vm, &v)?,
        None => 0,
    };
    let filter = if vm.callable(&repl) {
        Filter::Callable(repl)
    } else if has_backslash(vm, &repl)? == Some(false) {
        Filter::Literal(repl)
    } else {
        let f = super::call_re(vm, "_subx", &[me.clone(), repl])?;
        if vm.callable(&f) {
            Filter::Callable(f)
        } else {
            Filter::Literal(f)
        }
    };
    let subj = pd.subject(vm, &string)?;
    let mut cur = Cursor::default();
    let mut pieces = Vec::new();
    let mut last = 0usize;
    let mut n = 0isize;
    while count == 0 || n < count {
        let Some(m) = with_units!(subj, |s| step(&pd.sre, s, 0, isize::MAX, &mut cur, true))
            .map_err(|e| sre_err(vm, e))?
        else {
            break;
        };
        let (b, e) = m.span(0).unwrap_or((last, last));
        if last < b {
            pieces.push(slice_value(vm, &subj, &string, last, b));
        }
        let item = match &filter {
            Filter::Literal(v) => v.clone(),
            Filter::Callable(f) => {
                let mo = new_match(
                    vm,
                    &pd.types.match_,
                    me.clone(),
                    string.clone(),
                    subj.clone(),
                    m,
                );
                vm.call(f, &[mo])?
            }
        };
        if !item.is_none() {
            pieces.push(item);
        }
        last = e;
        n += 1;
    }
    if last < subj.len() {
        pieces.push(slice_value(vm, &subj, &string, last, subj.len()));
    }
    let joined = join_pieces(vm, pieces, subj.is_bytes)?;
    if subn {
        Ok(vm.new_tuple_of([joined, Value::Int(n as i64)]))
    } else {
        Ok(joined)
    }
}

fn pattern_sub(vm: &mut Vm, args: Args) -> PyResult<Value> {
    pattern_subx(vm, args, "sub", false)
}

fn pattern_subn(vm: &mut Vm, args: Args) -> PyResult<Value> {
    pattern_subx(vm, args, "subn", true)
}

/// The flag names of `pattern_repr`, in CPython's order.
const FLAG_NAMES: [(&str, i64); 9] = [
    ("re.TEMPLATE", 1),
    ("re.IGNORECASE", 2),
    ("re.LOCALE", 4),
    ("re.MULTILINE", 8),
    ("re.DOTALL", 16),
    ("re.UNICODE", 32),
    ("re.VERBOSE", 64),
    ("re.DEBUG", 128),
    ("re.ASCII", 256),
];

fn pattern_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pd = this(vm, &args, "__repr__")?;
    let r = vm.repr(&pd.pattern)?;
    let r: String = r.chars().take(200).collect();
    let mut flags = pd.flags;
    if pd.is_bytes == Some(false) && flags & (4 | 32 | 256) == 32 {
        flags &= !32;
    }
    if flags == 0 {
        return Ok(vm.new_string(format!("re.compile({r})")));
    }
    let mut parts = Vec::new();
    for (name, bit) in FLAG_NAMES {
        if flags & bit != 0 {
            parts.push(name.to_string());
            flags &= !bit;
        }
    }
    if flags != 0 {
        parts.push(format!("0x{flags:x}"));
    }
    Ok(vm.new_string(format!("re.compile({r}, {})", parts.join("|"))))
}

fn pattern_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pd = this(vm, &args, "__eq__")?;
    let other = args.args.get(1).cloned().unwrap_or(Value::None);
    let Some(od) = vm.native::<PatternData>(&other) else {
        return Ok(vm.not_implemented());
    };
    if args.args[0].is(&other) {
        return Ok(Value::Bool(Truth::True));
    }
    if pd.flags != od.flags || pd.is_bytes != od.is_bytes || pd.sre.code() != od.sre.code() {
        return Ok(Value::Bool(Truth::False));
    }
    let (a, b) = (pd.pattern.clone(), od.pattern.clone());
    Ok(Value::bool(vm.eq(&a, &b)?))
}

fn pattern_ne(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match pattern_eq(vm, args)? {
        Value::Bool(b) => Ok(Value::bool(!b.get())),
        v => Ok(v),
    }
}

fn pattern_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pd = this(vm, &args, "__hash__")?;
    let p = pd.pattern.clone();
    let mut h = vm.hash(&p)?;
    let bytes: Vec<u8> = pd.sre.code().iter().flat_map(|c| c.to_le_bytes()).collect();
    h ^= crate::pyhash::hash_bytes(&bytes);
    h ^= pd.flags;
    h ^= i64::from(pd.is_bytes.unwrap_or(false));
    h ^= pd.sre.code().len() as i64;
    Ok(Value::Int(if h == -1 { -2 } else { h }))
}

fn pattern_pattern(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(getter_self(vm, v, "pattern")?.pattern.clone())
}

fn pattern_flags(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Int(getter_self(vm, v, "flags")?.flags))
}

fn pattern_groups(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Int(getter_self(vm, v, "groups")?.sre.groups() as i64))
}

fn pattern_groupindex(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let gi = getter_self(vm, v, "groupindex")?.groupindex.clone();
    if gi.is_none() {
        return Ok(Value::Obj(vm.new_dict()));
    }
    Ok(vm.new_mappingproxy(gi))
}

pub(super) fn install(vm: &mut Vm, t: &PyRef) {
    vm.add_staticmethods(t, &[("__new__", super::no_new)]);
    vm.add_methods(
        t,
        &[
            ("match", pattern_match),
            ("fullmatch", pattern_fullmatch),
            ("search", pattern_search),
            ("findall", pattern_findall),
            ("finditer", pattern_finditer),
            ("scanner", pattern_scanner),
            ("split", pattern_split),
            ("sub", pattern_sub),
            ("subn", pattern_subn),
            ("__repr__", pattern_repr),
            ("__eq__", pattern_eq),
            ("__ne__", pattern_ne),
            ("__hash__", pattern_hash),
            ("__copy__", super::return_self),
            ("__deepcopy__", super::return_self),
        ],
    );
    vm.add_classmethods(t, &[("__class_getitem__", super::class_getitem)]);
    vm.add_getsets(
        t,
        &[
            ("pattern", pattern_pattern, None),
            ("flags", pattern_flags, None),
            ("groups", pattern_groups, None),
            ("groupindex", pattern_groupindex, None),
        ],
    );
}
