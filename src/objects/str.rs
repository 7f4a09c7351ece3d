//! `str` objects: the payload and the type's methods.

use std::cell::Cell;

use super::str_text::Text;

/// The payload of a `str`: UTF-8 text with its length in code points and
/// a cached hash (CPython 3.11's, under PYTHONHASHSEED=0).
///
/// A str holding lone surrogates (`'\ud800'`, which UTF-8 cannot carry)
/// keeps its exact code points in `cps`; `s` then shows each surrogate
/// as U+FFFD. `repr`, hashing and the str methods use the exact form.
pub struct StrObj {
    /// The text, short ASCII text in place (str_text.rs).
    s: Text,
    /// CPython's str hash, or -1 until computed (a hash is never -1).
    hash: Cell<i64>,
}

impl StrObj {
    pub fn new(s: &str) -> StrObj {
        StrObj {
            s: Text::new(s),
            hash: Cell::new(-1),
        }
    }

    pub fn from_string(s: String) -> StrObj {
        StrObj {
            s: Text::from_string(s),
            hash: Cell::new(-1),
        }
    }

    /// From code points that may include lone surrogates.
    pub fn from_code_points(cps: &[u32]) -> StrObj {
        let mut text = String::with_capacity(cps.len());
        let mut surrogates = false;
        for &c in cps {
            match char::from_u32(c) {
                Some(ch) => text.push(ch),
                None => {
                    surrogates = true;
                    text.push('\u{FFFD}');
                }
            }
        }
        let mut o = StrObj::from_string(text);
        if surrogates && cps.iter().any(|&c| (0xD800..=0xDFFF).contains(&c)) {
            if let Some(w) = o.s.wide_mut() {
                w.cps = Some(cps.to_vec());
            }
        }
        o
    }

    /// The exact code points when the string holds lone surrogates.
    pub fn surrogate_cps(&self) -> Option<&[u32]> {
        self.cps()
    }

    #[inline]
    fn cps(&self) -> Option<&[u32]> {
        self.s.wide().and_then(|w| w.cps.as_deref())
    }

    /// The code points (exact, surrogates included).
    pub fn code_points(&self) -> Vec<u32> {
        match self.cps() {
            Some(cps) => cps.to_vec(),
            None => self.s.as_str().chars().map(u32::from).collect(),
        }
    }

    /// Code point order (equal only for the same code points).
    pub fn compare(&self, other: &StrObj) -> std::cmp::Ordering {
        if self.cps().is_none() && other.cps().is_none() {
            return self.s.as_str().cmp(other.s.as_str());
        }
        self.code_points().cmp(&other.code_points())
    }

    /// Whether both hold the same code points.
    #[inline]
    pub fn same_text(&self, other: &StrObj) -> bool {
        if self.cps().is_none() && other.cps().is_none() {
            return self.s.as_str() == other.s.as_str();
        }
        self.cps() == other.cps() && self.s.as_str() == other.s.as_str()
    }

    /// `other in self`.
    pub fn contains(&self, other: &StrObj) -> bool {
        if self.cps().is_none() && other.cps().is_none() {
            return self.s.as_str().contains(other.s.as_str());
        }
        let x = crate::text::PyStrData::from_code_points(&self.code_points());
        let y = crate::text::PyStrData::from_code_points(&other.code_points());
        crate::text::str_methods::contains(&x, &y)
    }

    /// `repr(s)`.
    pub fn repr(&self) -> String {
        match self.cps() {
            Some(cps) => crate::pyfmt::str_repr(cps),
            None => crate::pyfmt::str_repr_str(self.s.as_str()),
        }
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        self.s.as_str()
    }

    /// Whether the text is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.char_len() == 0
    }

    /// Length in code points.
    #[inline]
    pub fn char_len(&self) -> usize {
        match self.s.wide() {
            None => self.s.as_str().len(),
            Some(w) => w.chars,
        }
    }

    #[inline]
    pub fn is_ascii(&self) -> bool {
        self.s.wide().is_none()
    }

    /// CPython's hash of the text: the cached value in line, computed
    /// once out of line.
    #[inline]
    pub fn hash(&self) -> i64 {
        let h = self.hash.get();
        if h != -1 {
            return h;
        }
        self.hash_slow()
    }

    #[inline(never)]
    fn hash_slow(&self) -> i64 {
        let h = if let Some(cps) = self.cps() {
            crate::pyhash::hash_str_cps(cps)
        } else if self.is_ascii() {
            crate::pyhash::hash_bytes(self.s.as_str().as_bytes())
        } else {
            let cps: Vec<u32> = self.s.as_str().chars().map(|c| c as u32).collect();
            crate::pyhash::hash_str_cps(&cps)
        };
        self.hash.set(h);
        h
    }

    /// The code point at index `i` (0 <= i < len).
    pub fn char_at(&self, i: usize) -> Option<char> {
        match self.s.wide() {
            None => self.s.as_str().as_bytes().get(i).map(|&b| b as char),
            Some(_) if i >= self.char_len() => None,
            Some(_) => self.as_str().get(self.byte_offset(i)..)?.chars().next(),
        }
    }

    /// The byte offset in [`StrObj::as_str`] of code point `i`; the text's
    /// length for `i` at or past the end.
    #[inline]
    pub fn byte_offset(&self, i: usize) -> usize {
        let text = self.s.as_str();
        match self.s.wide() {
            None => i.min(text.len()),
            Some(w) => w.byte_offset(text, i),
        }
    }
}

use super::function::Args;
use super::Payload;
use crate::vm::proto::CmpOp;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

fn text(v: &Value) -> Option<&str> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Str(s) => Some(s.as_str()),
            _ => None,
        },
        _ => None,
    }
}

fn self_text<'a>(vm: &Vm, args: &'a Args, name: &str) -> PyResult<&'a str> {
    match args.args.first().and_then(text) {
        Some(s) => Ok(s),
        None => Err(vm.type_error(format!("descriptor '{name}' requires a 'str' object"))),
    }
}

pub fn str_getitem(vm: &mut Vm, o: &PyRef, key: &Value) -> PyResult<Value> {
    let Payload::Str(s) = &o.payload else {
        return Err(vm.type_error("not a str"));
    };
    if let Some(cps) = s.surrogate_cps() {
        // Lone surrogates: index the exact code points.
        let cps = cps.to_vec();
        let pick = |vm: &Vm, part: &[u32]| {
            Value::Obj(vm.new_obj(&vm.types.str, Payload::Str(StrObj::from_code_points(part))))
        };
        if let Some(sl) = Vm::as_slice(key) {
            let (start, _, step, n) = vm.slice_indices(&sl.clone(), cps.len())?;
            let part: Vec<u32> = (0..n as i64)
                .filter_map(|k| cps.get((start + k * step) as usize).copied())
                .collect();
            return Ok(pick(vm, &part));
        }
        if let Some(i) = vm.item_index(key)? {
            return match Vm::norm_index(i, cps.len()).and_then(|j| cps.get(j)) {
                Some(&c) => Ok(pick(vm, &[c])),
                None => Err(vm.index_error("string index out of range")),
            };
        }
    }
    if let Some(sl) = Vm::as_slice(key) {
        let (start, _, step, n) = super::slice::indices(vm, sl, s.char_len())?;
        return Ok(str_slice(vm, o, s, start, step, n));
    }
    match vm.item_index(key)? {
        Some(i) => match Vm::norm_index(i, s.char_len()).and_then(|j| s.char_at(j)) {
            Some(c) => Ok(vm.new_char(c)),
            None => Err(vm.index_error("string index out of range")),
        },
        None => Err(vm.type_error(format!(
            "string indices must be integers, not '{}'",
            vm.type_name_of(key)
        ))),
    }
}

impl Vm {
    /// A one-character str (interned for ASCII).
    pub fn new_char(&mut self, c: char) -> Value {
        if c.is_ascii() {
            return Value::Obj(self.intern_ascii_char(c as u8));
        }
        if let Some(r) = self.latin1_char(c) {
            return Value::Obj(r);
        }
        self.new_string(c.to_string())
    }
}

fn str_add(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = self_text(vm, &args, "__add__")?;
    let b = arg(&args, 1);
    if let (Some(Value::Obj(x)), Value::Obj(y)) = (args.args.first(), &b) {
        if let (Payload::Str(x), Payload::Str(y)) = (&x.payload, &y.payload) {
            if x.surrogate_cps().is_some() || y.surrogate_cps().is_some() {
                let mut cps = x.code_points();
                cps.extend(y.code_points());
                return Ok(Value::Obj(vm.new_obj(
                    &vm.types.str,
                    Payload::Str(StrObj::from_code_points(&cps)),
                )));
            }
        }
    }
    match text(&b) {
        Some(t) => {
            let mut s = String::with_capacity(a.len() + t.len());
            s.push_str(a);
            s.push_str(t);
            Ok(vm.new_string(s))
        }
        None => Err(vm.type_error(format!(
            "can only concatenate str (not \"{}\") to str",
            vm.type_name_of(&b)
        ))),
    }
}

fn str_mul(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = self_text(vm, &args, "__mul__")?.to_string();
    let Some(k) = super::list::repeat_count(vm, &arg(&args, 1), 0)? else {
        return Ok(vm.not_implemented());
    };
    let chars = a.chars().count();
    super::alloc::repeat_fits(vm, chars, k, "repeated string is too long")?;
    // Lone surrogates are repeated by code point.
    if let Some(Value::Obj(o)) = args.args.first() {
        if let Payload::Str(s) = &o.payload {
            if let Some(cps) = s.surrogate_cps() {
                let all: Vec<u32> = cps.repeat(k);
                let o = vm.new_obj(&vm.types.str, Payload::Str(StrObj::from_code_points(&all)));
                return Ok(Value::Obj(o));
            }
        }
    }
    let out = super::alloc::repeat_str(vm, &a, k)?;
    Ok(vm.new_string(out))
}

fn str_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match args.args.first() {
        Some(Value::Obj(o)) => match &o.payload {
            Payload::Str(s) => Ok(Value::Int(s.char_len() as i64)),
            _ => Err(vm.type_error("descriptor '__len__' requires a 'str' object")),
        },
        _ => Err(vm.type_error("descriptor '__len__' requires a 'str' object")),
    }
}

fn str_contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = self_text(vm, &args, "__contains__")?;
    let b = arg(&args, 1);
    if let (Some(Value::Obj(x)), Value::Obj(y)) = (args.args.first(), &b) {
        if let (Payload::Str(x), Payload::Str(y)) = (&x.payload, &y.payload) {
            return Ok(Value::bool(x.contains(y)));
        }
    }
    match text(&b) {
        Some(t) => Ok(Value::bool(a.contains(t))),
        None => Err(vm.type_error(format!(
            "'in <string>' requires string as left operand, not {}",
            vm.type_name_of(&b)
        ))),
    }
}

fn str_getitem_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match args.args.first() {
        Some(Value::Obj(o)) => str_getitem(vm, &o.clone(), &arg(&args, 1)),
        _ => Err(vm.type_error("descriptor '__getitem__' requires a 'str' object")),
    }
}

fn str_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match args.args.first() {
        Some(Value::Obj(o)) => match &o.payload {
            Payload::Str(s) => Ok(Value::Int(s.hash())),
            _ => Err(vm.type_error("descriptor '__hash__' requires a 'str' object")),
        },
        _ => Err(vm.type_error("descriptor '__hash__' requires a 'str' object")),
    }
}

fn str_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match args.args.first() {
        Some(Value::Obj(o)) => Ok(vm.new_iter(
            &vm.types.str_iterator.clone(),
            crate::objects::iter::IterState::Str {
                s: o.clone(),
                pos: 0,
            },
        )),
        _ => Err(vm.type_error("descriptor '__iter__' requires a 'str' object")),
    }
}

fn str_cmp(vm: &mut Vm, args: Args, op: CmpOp) -> PyResult<Value> {
    let b = arg(&args, 1);
    match (args.args.first(), &b) {
        (Some(Value::Obj(x)), Value::Obj(y)) => match (&x.payload, &y.payload) {
            (Payload::Str(s), Payload::Str(t)) => Ok(Value::bool(op.test(s.compare(t)))),
            (Payload::Str(_), _) => Ok(vm.not_implemented()),
            _ => Err(vm.type_error("descriptor '__eq__' requires a 'str' object")),
        },
        (Some(Value::Obj(x)), _) if matches!(x.payload, Payload::Str(_)) => {
            Ok(vm.not_implemented())
        }
        _ => Err(vm.type_error("descriptor '__eq__' requires a 'str' object")),
    }
}

macro_rules! cmp_methods {
    ($($name:ident, $op:ident;)*) => {
        $( fn $name(vm: &mut Vm, args: Args) -> PyResult<Value> { str_cmp(vm, args, CmpOp::$op) } )*
    };
}
cmp_methods! { str_lt, Lt; str_le, Le; str_eq, Eq; str_ne, Ne; str_gt, Gt; str_ge, Ge; }

fn str_join(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let sep = self_text(vm, &args, "join")?;
    let a = vm.check_args("str.join", args, 1, 1)?;
    // `PySequence_Fast`: an exact list (borrowed while the result is made,
    // which runs no Python code) or tuple is read in place; anything else
    // is iterated into a list first.
    let owned: Vec<Value>;
    let list_items;
    let items: &[Value] = match &a[0] {
        Value::Obj(o) if o.class_is(&vm.types.list) || o.class_is(&vm.types.tuple) => {
            match &o.payload {
                Payload::List(l) => {
                    list_items = l
                        .try_borrow()
                        .map_err(|_| vm.runtime_error("list modified during operation"))?;
                    &list_items
                }
                Payload::Tuple(t) => t,
                _ => &[],
            }
        }
        other => {
            let it = match vm.iter(other) {
                Ok(it) => it,
                Err(e) if vm.err_is(&e, super::exception::ExcKind::TypeError) => {
                    return Err(vm.type_error("can only join an iterable"))
                }
                Err(e) => return Err(e),
            };
            let mut v = Vec::new();
            while let Some(x) = vm.next(&it)? {
                v.push(x);
            }
            owned = v;
            &owned
        }
    };
    // A single exact str is the result itself (`_PyUnicode_JoinArray`).
    if let [Value::Obj(o)] = items {
        if o.class_is(&vm.types.str) {
            return Ok(Value::Obj(o.clone()));
        }
    }
    join_items(vm, args.args.first(), sep, items)
}

/// The body of `sep.join(items)` once the items are a sequence.
fn join_items(vm: &Vm, sep_v: Option<&Value>, sep: &str, items: &[Value]) -> PyResult<Value> {
    // As CPython: check the items and size the result, then allocate once.
    let mut total = sep.len().saturating_mul(items.len().saturating_sub(1));
    for (i, it) in items.iter().enumerate() {
        match text(it) {
            Some(t) => total = total.saturating_add(t.len()),
            None => {
                return Err(vm.type_error(format!(
                    "sequence item {i}: expected str instance, {} found",
                    vm.type_name_of(it)
                )))
            }
        }
    }
    if total > isize::MAX as usize {
        return Err(vm.overflow_error("join() result is too long for a Python string"));
    }
    // Lone surrogates (surrogateescape text) are joined by code point.
    let has_surrogates = |v: &Value| match v {
        Value::Obj(o) => matches!(&o.payload, Payload::Str(s) if s.surrogate_cps().is_some()),
        _ => false,
    };
    if sep_v.is_some_and(has_surrogates) || items.iter().any(has_surrogates) {
        let cps_of = |v: &Value| match v {
            Value::Obj(o) => match &o.payload {
                Payload::Str(s) => s.code_points(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        let sep_cps = sep_v.map(cps_of).unwrap_or_default();
        let mut cps: Vec<u32> = Vec::new();
        for (i, it) in items.iter().enumerate() {
            if i > 0 {
                cps.extend_from_slice(&sep_cps);
            }
            cps.extend(cps_of(it));
        }
        let o = vm.new_obj(&vm.types.str, Payload::Str(StrObj::from_code_points(&cps)));
        return Ok(Value::Obj(o));
    }
    let mut out = super::alloc::string_with_capacity(vm, total)?;
    for (i, t) in items.iter().filter_map(text).enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(t);
    }
    Ok(vm.new_string(out))
}

fn str_format_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.check_args("str.__format__", args, 1, 1)?;
    let spec_v = arg(&args, 1);
    let Some(spec) = text(&spec_v).map(str::to_string) else {
        let tn = vm.arg_type_name(&spec_v);
        return Err(vm.type_error(format!("__format__() argument must be str, not {tn}")));
    };
    let s = self_text(vm, &args, "__format__")?.to_string();
    if spec.is_empty() {
        // CPython's format_obj: an empty spec formats `str(self)`, which runs
        // a subclass's `__str__`.
        return vm.str_value(&arg(&args, 0));
    }
    let r = crate::pyfmt::format_str(&s, &spec).map_err(|e| vm.fmt_err(e))?;
    Ok(vm.new_string(r))
}

fn str_str(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_text(vm, &args, "__str__")?.to_string();
    Ok(vm.new_string(s))
}

fn str_repr_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = match args.args.first() {
        Some(Value::Obj(o)) => match &o.payload {
            Payload::Str(s) => s.repr(),
            _ => return Err(vm.type_error("descriptor '__repr__' requires a 'str' object")),
        },
        _ => return Err(vm.type_error("descriptor '__repr__' requires a 'str' object")),
    };
    Ok(vm.new_string(r))
}

fn str_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => vm.types.str.clone(),
    };
    let a = super::str_methods::kw_args(vm, &args, "str", &["object", "encoding", "errors"])?;
    let value = match (
        a.first().cloned().flatten(),
        a.len() > 1 && a[1..].iter().any(Option::is_some),
    ) {
        (None, false) => String::new(),
        (Some(v), false) => {
            if vm.exact(&v, &vm.types.str) && crate::objects::rc::Rc::ptr_eq(&cls, &vm.types.str) {
                return Ok(v);
            }
            vm.str(&v)?
        }
        (obj, true) => {
            let d = str_decode(vm, obj, &a)?;
            match d.as_str() {
                Some(s) => s.to_string(),
                None => {
                    // Lone surrogates (surrogateescape ...) kept as they are.
                    let payload = Payload::Str(StrObj::from_code_points(&d.to_cps()));
                    return Ok(Value::Obj(vm.new_instance_of(&cls, payload)));
                }
            }
        }
    };
    if crate::objects::rc::Rc::ptr_eq(&cls, &vm.types.str) {
        return Ok(vm.new_string(value));
    }
    Ok(Value::Obj(vm.new_instance_of(
        &cls,
        Payload::Str(StrObj::from_string(value)),
    )))
}

/// `str(object, encoding, errors)`: decode a bytes-like object.
fn str_decode(
    vm: &mut Vm,
    obj: Option<Value>,
    a: &[Option<Value>],
) -> PyResult<crate::text::PyStrData> {
    let mut names = ["utf-8".to_string(), "strict".to_string()];
    for (i, (slot, what)) in names.iter_mut().zip(["encoding", "errors"]).enumerate() {
        if let Some(v) = a.get(i + 1).cloned().flatten() {
            match text(&v) {
                Some(t) => *slot = t.to_string(),
                None => {
                    return Err(vm.type_error(format!(
                        "str() argument '{what}' must be str, not {}",
                        vm.arg_type_name(&v)
                    )))
                }
            }
        }
    }
    let obj = obj.unwrap_or_else(|| vm.new_bytes(Vec::new()));
    if text(&obj).is_some() {
        return Err(vm.type_error("decoding str is not supported"));
    }
    let Some(bytes) = super::bytes::buffer_bytes(vm, &obj)? else {
        return Err(vm.type_error(format!(
            "decoding to str: need a bytes-like object, {} found",
            vm.type_name_of(&obj)
        )));
    };
    let [encoding, errors] = names;
    match super::str_codecs::decode(&bytes, &encoding, &errors) {
        Ok(d) => Ok(d),
        Err(crate::text::TextError::Lookup(_)) => {
            // Not known natively: the codec registry (`_codecs`), as CPython.
            let b = vm.new_bytes(bytes);
            let v = crate::modules::codecs::decode_text(vm, &b, &encoding, &errors)?;
            Ok(super::str_methods::str_data(&v).unwrap_or_else(crate::text::PyStrData::empty))
        }
        Err(e) => Err(super::str_methods::text_err(vm, e)),
    }
}

pub fn install(vm: &mut Vm) {
    let t = vm.types.str.clone();
    vm.add_methods(
        &t,
        &[
            ("__add__", str_add),
            ("__mul__", str_mul),
            ("__rmul__", str_mul),
            ("__len__", str_len),
            ("__contains__", str_contains),
            ("__getitem__", str_getitem_m),
            ("__hash__", str_hash),
            ("__iter__", str_iter),
            ("__lt__", str_lt),
            ("__le__", str_le),
            ("__eq__", str_eq),
            ("__ne__", str_ne),
            ("__gt__", str_gt),
            ("__ge__", str_ge),
            ("__format__", str_format_m),
            ("__str__", str_str),
            ("__repr__", str_repr_m),
            ("join", str_join),
        ],
    );
    vm.add_staticmethods(&t, &[("__new__", str_new)]);
    crate::objects::str_methods::install(vm);
}

/// `s[start:stop:step]` with its indices adjusted (`n` characters) for a
/// str `s` without lone surrogates (`o` is its object).
pub(crate) fn str_slice(
    vm: &mut Vm,
    o: &PyRef,
    s: &StrObj,
    start: i64,
    step: i64,
    n: usize,
) -> Value {
    let len = s.char_len();
    // `unicode_subscript`: the whole of an exact str is itself; ASCII
    // runs are copied at once, single characters are the cached ones.
    if step == 1 && n == len && o.class_is(&vm.types.str) {
        return Value::Obj(o.clone());
    }
    if s.is_ascii() {
        let b = s.as_str();
        let lo = usize::try_from(start).unwrap_or(usize::MAX);
        if n == 1 {
            if let Some(&c) = b.as_bytes().get(lo) {
                return Value::Obj(vm.intern_ascii_char(c));
            }
        } else if step == 1 {
            if let Some(run) = lo.checked_add(n).and_then(|hi| b.get(lo..hi)) {
                return vm.new_str(run);
            }
        }
    }
    let out: String = if s.is_ascii() {
        let b = s.as_str().as_bytes();
        (0..n as i64)
            .filter_map(|k| b.get((start + k * step) as usize).map(|&c| c as char))
            .collect()
    } else if step == 1 {
        // A run of UTF-8 between the two code points' offsets.
        let lo = usize::try_from(start).unwrap_or(0);
        let (a, b) = (s.byte_offset(lo), s.byte_offset(lo.saturating_add(n)));
        s.as_str().get(a..b).unwrap_or_default().to_string()
    } else {
        (0..n as i64)
            .filter_map(|k| s.char_at((start + k * step) as usize))
            .collect()
    };
    vm.new_string(out)
}
