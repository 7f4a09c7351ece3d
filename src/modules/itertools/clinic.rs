//! Argument parsing with the messages of CPython's `getargs.c` keyword
//! parsers (`vgetargskeywords`, `_PyArg_UnpackKeywords`), shared by the
//! native modules of the itertools/_collections/_functools group.

use crate::objects::function::Args;
use crate::vm::proto::str_of;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

/// How unknown keywords are reported.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum KwStyle {
    /// `'x' is an invalid keyword argument for f()` (old-style parsers).
    Invalid,
    /// `f() got an unexpected keyword argument 'x'` (Argument Clinic).
    Unexpected,
}

/// A parameter list: names, how many are required, how many may be given
/// positionally (the rest are keyword-only).
pub struct Sig<'a> {
    pub fname: &'a str,
    pub names: &'a [&'a str],
    pub required: usize,
    pub maxpos: usize,
    pub style: KwStyle,
}

impl<'a> Sig<'a> {
    /// A signature whose parameters may all be given by position.
    pub const fn new(fname: &'a str, names: &'a [&'a str], required: usize) -> Sig<'a> {
        Sig {
            fname,
            names,
            required,
            maxpos: names.len(),
            style: KwStyle::Invalid,
        }
    }
}

/// Bind `args` (skipping `skip` leading values: `self` or `cls`) to `sig`;
/// `None` for parameters not given.
pub fn parse(vm: &Vm, args: &Args, skip: usize, sig: &Sig) -> PyResult<Vec<Option<Value>>> {
    let pos = args.pos().get(skip..).unwrap_or(&[]);
    let nkw = args.kwnames.len();
    let total = pos.len() + nkw;
    let f = sig.fname;
    let n = sig.names.len();
    if total > n {
        let s = if n == 1 { "" } else { "s" };
        return Err(vm.type_error(format!(
            "{f}() takes at most {n} argument{s} ({total} given)"
        )));
    }
    if pos.len() > sig.maxpos {
        let m = sig.maxpos;
        let s = if m == 1 { "" } else { "s" };
        return Err(vm.type_error(format!(
            "{f}() takes at most {m} positional argument{s} ({} given)",
            pos.len()
        )));
    }
    let mut out: Vec<Option<Value>> = vec![None; n];
    for (slot, v) in out.iter_mut().zip(pos) {
        *slot = Some(v.clone());
    }
    // The first keyword that is unknown or repeats a positional argument;
    // reported after any missing required argument, as CPython does.
    let mut bad: Option<String> = None;
    for (k, v) in args.kwargs() {
        let name = str_of(k);
        match sig.names.iter().position(|p| *p == name) {
            Some(i) if i < pos.len() => {
                if bad.is_none() {
                    bad = Some(format!(
                        "argument for {f}() given by name ('{name}') and position ({})",
                        i + 1
                    ));
                }
            }
            Some(i) => {
                if let Some(slot) = out.get_mut(i) {
                    *slot = Some(v.clone());
                }
            }
            None => {
                if bad.is_none() {
                    bad = Some(match sig.style {
                        KwStyle::Invalid => {
                            format!("'{name}' is an invalid keyword argument for {f}()")
                        }
                        KwStyle::Unexpected => {
                            format!("{f}() got an unexpected keyword argument '{name}'")
                        }
                    });
                }
            }
        }
    }
    for (i, name) in sig.names.iter().enumerate().take(sig.required) {
        if out.get(i).is_some_and(|v| v.is_none()) {
            return Err(vm.type_error(format!(
                "{f}() missing required argument '{name}' (pos {})",
                i + 1
            )));
        }
    }
    if let Some(msg) = bad {
        return Err(vm.type_error(msg));
    }
    Ok(out)
}

/// The positional arguments after `skip` leading values, for functions
/// taking no keywords: `name() takes no keyword arguments` and CPython's
/// `name expected N arguments, got M` counts.
pub fn positional<'a>(
    vm: &Vm,
    args: &Args<'a>,
    skip: usize,
    name: &str,
    min: usize,
    max: usize,
) -> PyResult<&'a [Value]> {
    if args.has_kwargs() {
        return Err(vm.type_error(format!("{name}() takes no keyword arguments")));
    }
    let a = args.pos().get(skip..).unwrap_or(&[]);
    let n = a.len();
    let plural = |k: usize| if k == 1 { "" } else { "s" };
    if min == max && n != min {
        return Err(vm.type_error(format!(
            "{name} expected {min} argument{}, got {n}",
            plural(min)
        )));
    }
    if n < min {
        return Err(vm.type_error(format!(
            "{name} expected at least {min} argument{}, got {n}",
            plural(min)
        )));
    }
    if n > max {
        return Err(vm.type_error(format!(
            "{name} expected at most {max} argument{}, got {n}",
            plural(max)
        )));
    }
    Ok(a)
}

/// The class passed to a native `__new__` (its first argument).
pub fn cls_arg(vm: &Vm, args: &Args, name: &str) -> PyResult<crate::vm::value::PyRef> {
    match args.args.first() {
        Some(Value::Obj(c)) if matches!(c.payload, crate::objects::Payload::Type(_)) => {
            Ok(c.clone())
        }
        _ => Err(vm.type_error(format!("{name}.__new__(X): X is not a type object"))),
    }
}

/// `self` of a native method (the first argument).
pub fn self_arg(args: &Args) -> Value {
    args.args.first().cloned().unwrap_or(Value::None)
}

/// `PyNumber_AsSsize_t(v, PyExc_OverflowError)` with the message of a
/// non-integer: `'str' object cannot be interpreted as an integer`.
pub fn ssize(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    match vm.ssize_arg(v)? {
        Some(i) => Ok(i),
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(v)
        ))),
    }
}

/// `__index__` of `v` as i64: `Some(Ok(i))`, `Some(Err(()))` for an int
/// beyond i64, None for a value that is not an index.
pub fn index_checked(vm: &mut Vm, v: &Value) -> PyResult<Option<Result<i64, ()>>> {
    match vm.ssize_arg(v) {
        Ok(Some(i)) => Ok(Some(Ok(i))),
        Ok(None) => Ok(None),
        Err(e) if vm.err_is(&e, crate::objects::exception::ExcKind::OverflowError) => {
            Ok(Some(Err(())))
        }
        Err(e) => Err(e),
    }
}
