//! `_sre`, CPython 3.11's regular-expression module (Modules/_sre/sre.c): the
//! `compile` function the stdlib's `re` package hands its compiled code lists to,
//! the `re.Pattern`, `re.Match` and `_sre.SRE_Scanner` types, and the helpers
//! `re._compiler` and `re._parser` call. Matching itself is `crate::sre`.
//!
//! Template expansion stays in Python as in 3.11: `Pattern.sub` with a
//! replacement string containing a backslash calls `re._subx`, and
//! `Match.expand` calls `re._expand`.

mod matchobj;
mod pattern;
mod scanner;

use crate::objects::rc::Rc;

use crate::objects::exception::ExcKind;
use crate::objects::function::{Args, Builtin, NativeFn};
use crate::objects::native::NativeData;
use crate::objects::typeobj::Layout;
use crate::objects::{Payload, StrObj};
use crate::sre::SreError;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

pub(crate) use pattern::PatternData;

/// The three types of the module, shared by everything that makes instances.
pub(crate) struct SreTypes {
    pub pattern: PyRef,
    pub match_: PyRef,
    pub scanner: PyRef,
}

/// The hidden receiver the module's functions are bound to: it carries the
/// types so `compile` can make patterns (CPython keeps them in module state).
struct ModState {
    types: Rc<SreTypes>,
}

impl NativeData for ModState {}

/// A subject string, and whether it came from a bytes-like object. The
/// engine reads bytes where it can, as CPython's reads a subject in its own
/// character width: an exact immutable `bytes` or an ASCII `str` (whose
/// UTF-8 bytes are its code points) is read in place.
#[derive(Clone)]
pub(crate) struct Subject {
    units: Units,
    pub is_bytes: bool,
}

#[derive(Clone)]
enum Units {
    /// A `bytes`, an ASCII `str` or a `bytearray`: its own bytes, read where
    /// they are at each use (as CPython reads a bytearray's buffer: a
    /// scanner sees later changes).
    Held(Value),
    /// A copy of another buffer's bytes (memoryview, array...).
    Bytes(std::rc::Rc<[u8]>),
    /// The code points of a str with non-ASCII characters.
    Wide(std::rc::Rc<[u32]>),
}

/// A subject's units as the engine reads them.
pub(crate) enum UnitSlice<'a> {
    Narrow(Narrow<'a>),
    Wide(&'a [u32]),
}

/// Bytes in place, or a bytearray's borrowed for the time of one use.
pub(crate) enum Narrow<'a> {
    Slice(&'a [u8]),
    Cell(std::cell::Ref<'a, Vec<u8>>),
}

impl std::ops::Deref for Narrow<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Narrow::Slice(s) => s,
            Narrow::Cell(r) => r,
        }
    }
}

/// The bytes of a held subject.
fn held_bytes(v: &Value) -> Narrow<'_> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Str(s) => Narrow::Slice(s.as_str().as_bytes()),
            Payload::Bytes(b) => Narrow::Slice(b),
            Payload::ByteArray(c) => match c.try_borrow() {
                Ok(r) => Narrow::Cell(r),
                Err(_) => Narrow::Slice(&[]),
            },
            _ => Narrow::Slice(&[]),
        },
        _ => Narrow::Slice(&[]),
    }
}

impl Subject {
    pub(crate) fn units(&self) -> UnitSlice<'_> {
        match &self.units {
            Units::Held(v) => UnitSlice::Narrow(held_bytes(v)),
            Units::Bytes(b) => UnitSlice::Narrow(Narrow::Slice(b)),
            Units::Wide(c) => UnitSlice::Wide(c),
        }
    }

    /// The length in characters.
    pub(crate) fn len(&self) -> usize {
        match self.units() {
            UnitSlice::Narrow(b) => b.len(),
            UnitSlice::Wide(c) => c.len(),
        }
    }
}

/// Runs `$body` with `$s` bound to the subject's units, whatever their
/// width (the engine is generic over it).
macro_rules! with_units {
    ($subj:expr, |$s:ident| $body:expr) => {
        match $subj.units() {
            $crate::modules::sre::UnitSlice::Narrow(g) => {
                let $s: &[u8] = &g;
                $body
            }
            $crate::modules::sre::UnitSlice::Wide($s) => $body,
        }
    };
}
pub(crate) use with_units;

crate::interp_local! {
    /// The last str subject and its code points: scanners that call
    /// `pattern.match(s, pos)` along one long string (tokenizers, json's
    /// pure-Python decoder) convert it once, not once per call. The entry
    /// holds the str itself, so its address cannot be reused meanwhile.
    static LAST_SUBJECT: std::cell::RefCell<Option<(Value, std::rc::Rc<[u32]>)>> =
        const { std::cell::RefCell::new(None) };
}

/// `getstring`: the code points of a str or the bytes of a bytes-like object.
pub(crate) fn subject_of(vm: &mut Vm, v: &Value) -> PyResult<Subject> {
    if let Some(s) = vm.as_str_obj(v) {
        if s.is_ascii() {
            return Ok(Subject {
                units: Units::Held(v.clone()),
                is_bytes: false,
            });
        }
        let cached = LAST_SUBJECT.with(|c| match &*c.borrow() {
            Some((k, cps)) if k.is(v) => Some(cps.clone()),
            _ => None,
        });
        let cps = match cached {
            Some(cps) => cps,
            None => {
                let cps: std::rc::Rc<[u32]> = s.code_points().into();
                if cps.len() >= 256 {
                    LAST_SUBJECT.with(|c| *c.borrow_mut() = Some((v.clone(), cps.clone())));
                }
                cps
            }
        };
        return Ok(Subject {
            units: Units::Wide(cps),
            is_bytes: false,
        });
    }
    if let Value::Obj(o) = v {
        if matches!(o.payload, Payload::Bytes(_) | Payload::ByteArray(_)) {
            return Ok(Subject {
                units: Units::Held(v.clone()),
                is_bytes: true,
            });
        }
    }
    match crate::objects::bytes::buffer_bytes(vm, v)? {
        Some(b) => Ok(Subject {
            units: Units::Bytes(b.into()),
            is_bytes: true,
        }),
        None => Err(vm.type_error(format!(
            "expected string or bytes-like object, got '{}'",
            vm.type_name_of(v)
        ))),
    }
}

/// `getslice`: `string[a:b]` as str or bytes (the subject itself when it is the
/// whole of an exact str or bytes).
pub(crate) fn slice_value(vm: &Vm, subj: &Subject, string: &Value, a: usize, b: usize) -> Value {
    let len = subj.len();
    let b = b.min(len);
    let a = a.min(b);
    if a == 0 && b == len {
        let ty = vm.type_of(string);
        let exact = if subj.is_bytes {
            Rc::ptr_eq(&ty, &vm.types.bytes)
        } else {
            Rc::ptr_eq(&ty, &vm.types.str)
        };
        if exact {
            return string.clone();
        }
    }
    match subj.units() {
        UnitSlice::Narrow(all) => {
            let part = all.get(a..b).unwrap_or(&[]);
            if subj.is_bytes {
                vm.new_bytes(part.to_vec())
            } else {
                // An ASCII str's bytes: valid UTF-8.
                let text = std::str::from_utf8(part).unwrap_or_default();
                Value::Obj(vm.new_obj(&vm.types.str, Payload::Str(StrObj::new(text))))
            }
        }
        UnitSlice::Wide(all) => {
            let part = all.get(a..b).unwrap_or(&[]);
            if subj.is_bytes {
                vm.new_bytes(part.iter().map(|&c| c as u8).collect())
            } else {
                Value::Obj(vm.new_obj(&vm.types.str, Payload::Str(StrObj::from_code_points(part))))
            }
        }
    }
}

/// An engine error as CPython raises it.
pub(crate) fn sre_err(vm: &Vm, e: SreError) -> PyErr {
    match e {
        SreError::WrongSpan => vm.system_error(e.to_string()),
        _ => vm.runtime_error(e.to_string()),
    }
}

/// A Py_ssize_t argument (`pos`, `endpos`, `maxsplit`, `count`).
pub(crate) fn ssize(vm: &mut Vm, v: &Value) -> PyResult<isize> {
    match vm.ssize_arg(v)? {
        Some(i) => Ok(isize::try_from(i).unwrap_or(if i < 0 { isize::MIN } else { isize::MAX })),
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(v)
        ))),
    }
}

/// Keyword-capable arguments after `self` (Argument Clinic's messages).
pub(crate) fn kw_args(
    vm: &Vm,
    args: Args,
    name: &str,
    names: &[&str],
    min: usize,
) -> PyResult<Vec<Option<Value>>> {
    crate::objects::bytes::kw_args(vm, args, name, names, min)
}

/// Call `re.<name>(*args)` (the Python halves of `sub` and `expand`).
pub(crate) fn call_re(vm: &mut Vm, name: &str, args: &[Value]) -> PyResult<Value> {
    let re = vm.import_module("re", &Value::None, &Value::Int(0))?;
    let f = vm.getattr_str(&re, name)?;
    vm.call(&f, args)
}

fn mod_types(vm: &Vm, args: &Args) -> PyResult<Rc<SreTypes>> {
    match args.args.first().and_then(|v| vm.native::<ModState>(v)) {
        Some(s) => Ok(s.types.clone()),
        None => Err(vm.system_error("_sre: missing module state")),
    }
}

/// `_sre.compile(pattern, flags, code, groups, groupindex, indexgroup)`.
fn sre_compile(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let types = mod_types(vm, &args)?;
    let names = [
        "pattern",
        "flags",
        "code",
        "groups",
        "groupindex",
        "indexgroup",
    ];
    let a = kw_args(vm, args, "compile", &names, 6)?;
    let get = |i: usize| a.get(i).cloned().flatten().unwrap_or(Value::None);
    let (pattern, flags, code, groups, groupindex, indexgroup) =
        (get(0), get(1), get(2), get(3), get(4), get(5));
    let flags = match vm.index_value(&flags)? {
        Some(f) => f,
        None => {
            return Err(vm.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                vm.type_name_of(&flags)
            )))
        }
    };
    let must = |vm: &Vm, v: &Value, arg: &str, want: &str, ok: bool| -> PyResult<()> {
        if ok {
            Ok(())
        } else {
            Err(vm.type_error(format!(
                "compile() argument '{arg}' must be {want}, not {}",
                vm.arg_type_name(v)
            )))
        }
    };
    let is = |v: &Value, f: fn(&Payload) -> bool| matches!(v, Value::Obj(o) if f(&o.payload));
    must(
        vm,
        &code,
        "code",
        "list",
        is(&code, |p| matches!(p, Payload::List(_))),
    )?;
    let groups = ssize(vm, &groups)?;
    must(
        vm,
        &groupindex,
        "groupindex",
        "dict",
        is(&groupindex, |p| matches!(p, Payload::Dict(_))),
    )?;
    must(
        vm,
        &indexgroup,
        "indexgroup",
        "tuple",
        is(&indexgroup, |p| matches!(p, Payload::Tuple(_))),
    )?;
    let items = vm.seq_items(&code).unwrap_or_default();
    let mut ops = Vec::with_capacity(items.len());
    for it in &items {
        let v = match vm.index_value(it)? {
            Some(v) => v,
            None => {
                return Err(vm.type_error(format!(
                    "an integer is required (got type {})",
                    vm.type_name_of(it)
                )))
            }
        };
        if v < 0 {
            return Err(vm.new_error(
                ExcKind::OverflowError,
                "can't convert negative value to unsigned int",
            ));
        }
        match u32::try_from(v) {
            Ok(c) => ops.push(c),
            Err(_) => {
                return Err(vm.new_error(
                    ExcKind::OverflowError,
                    "regular expression code size limit exceeded",
                ))
            }
        }
    }
    let is_bytes = if pattern.is_none() {
        None
    } else {
        Some(subject_of(vm, &pattern)?.is_bytes)
    };
    let ngroups = usize::try_from(groups).unwrap_or(0);
    let sre = crate::sre::Pattern::new(ops, ngroups, flags as u32).map_err(|e| sre_err(vm, e))?;
    let has_names = matches!(&groupindex, Value::Obj(o) if !vm.dict_items(o).is_empty());
    let data = PatternData {
        sre,
        pattern,
        flags,
        is_bytes,
        groupindex: if has_names { groupindex } else { Value::None },
        indexgroup,
        types: types.clone(),
    };
    Ok(Value::Obj(vm.new_native(&types.pattern, data)))
}

fn sre_getcodesize(vm: &mut Vm, args: Args) -> PyResult<Value> {
    kw_args(vm, args, "getcodesize", &[], 0)?;
    Ok(Value::Int(i64::from(crate::sre::getcodesize())))
}

/// The code point argument of the case helpers (a C int).
fn char_arg(vm: &mut Vm, args: Args, name: &str) -> PyResult<u32> {
    let a = kw_args(vm, args, name, &["character"], 1)?;
    let v = a.first().cloned().flatten().unwrap_or(Value::None);
    match vm.index_value(&v)? {
        Some(i) => match i32::try_from(i) {
            Ok(c) => Ok(c as u32),
            Err(_) => Err(vm.new_error(
                ExcKind::OverflowError,
                if i < 0 {
                    "signed integer is less than minimum"
                } else {
                    "signed integer is greater than maximum"
                },
            )),
        },
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(&v)
        ))),
    }
}

fn sre_ascii_iscased(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = char_arg(vm, args, "ascii_iscased")?;
    Ok(Value::bool(crate::sre::ascii_iscased(c)))
}

fn sre_unicode_iscased(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = char_arg(vm, args, "unicode_iscased")?;
    Ok(Value::bool(crate::sre::unicode_iscased(c)))
}

fn sre_ascii_tolower(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = char_arg(vm, args, "ascii_tolower")?;
    Ok(Value::Int(i64::from(crate::sre::ascii_tolower(c) as i32)))
}

fn sre_unicode_tolower(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = char_arg(vm, args, "unicode_tolower")?;
    Ok(Value::Int(i64::from(crate::sre::unicode_tolower(c) as i32)))
}

/// `__new__` of the types Python code cannot instantiate.
pub(crate) fn no_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let name = match args.args.first() {
        Some(Value::Obj(t)) => vm.qualified_type_name(t),
        _ => "type".to_string(),
    };
    Err(vm.type_error(format!("cannot create '{name}' instances")))
}

/// `__copy__`/`__deepcopy__` of the immutable objects: the object itself.
pub(crate) fn return_self(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(args.args.first().cloned().unwrap_or(Value::None))
}

/// `__class_getitem__`: `re.Pattern[str]`.
pub(crate) fn class_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = args.args.first().cloned().unwrap_or(Value::None);
    let item = args.args.get(1).cloned().unwrap_or(Value::None);
    Ok(vm.new_generic_alias(cls, item))
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_sre");
    let object = vm.types.object.clone();
    let pattern_t = vm.new_native_type("re", "Pattern", &object, Layout::Native("Pattern"), 0);
    let match_t = vm.new_native_type("re", "Match", &object, Layout::Native("Match"), 0);
    let scanner_t = vm.new_native_type(
        "_sre",
        "SRE_Scanner",
        &object,
        Layout::Native("SRE_Scanner"),
        0,
    );
    pattern::install(vm, &pattern_t);
    matchobj::install(vm, &match_t);
    scanner::install(vm, &scanner_t);
    let types = Rc::new(SreTypes {
        pattern: pattern_t,
        match_: match_t,
        scanner: scanner_t,
    });
    let state_t = vm.new_native_type("_sre", "_State", &object, Layout::Native("_State"), 0);
    let state = Value::Obj(vm.new_native(&state_t, ModState { types }));
    let funcs: &[(&'static str, NativeFn)] = &[
        ("compile", sre_compile),
        ("getcodesize", sre_getcodesize),
        ("ascii_iscased", sre_ascii_iscased),
        ("unicode_iscased", sre_unicode_iscased),
        ("ascii_tolower", sre_ascii_tolower),
        ("unicode_tolower", sre_unicode_tolower),
    ];
    for (name, f) in funcs {
        let b = vm.new_obj(
            &vm.types.builtin_function,
            Payload::Builtin(Box::new(Builtin {
                name,
                guards: crate::vm::call::builtin_call_guards(name),
                func: *f,
                self_: Some(state.clone()),
                owner: None,
            })),
        );
        vm.set_attr_raw(&m, name, Value::Obj(b));
    }
    let c = vm.new_str(" SRE 2.2.2 Copyright (c) 1997-2002 by Secret Labs AB ");
    vm.set_attr_raw(&m, "copyright", c);
    vm.set_attr_raw(&m, "MAGIC", Value::Int(20220615));
    vm.set_attr_raw(&m, "CODESIZE", Value::Int(4));
    vm.set_attr_raw(&m, "MAXREPEAT", Value::Int(4294967295));
    vm.set_attr_raw(&m, "MAXGROUPS", Value::Int(1073741823));
    Ok(m)
}
