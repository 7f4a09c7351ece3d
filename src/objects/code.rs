//! Code objects as Python sees them: the `co_*` attributes, `co_lines()`
//! and `co_positions()`. The data comes from the prepared [`Code`] and the
//! byte tables of its marshal form it keeps (`Code::co`: code, line and
//! exception tables).

use crate::objects::rc::Rc;

use super::function::Args;
use super::Payload;
use crate::pyc::code::{CO_FAST_CELL, CO_FAST_FREE, CO_FAST_LOCAL};
use crate::vm::code::Code;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

fn code_of(vm: &mut Vm, v: &Value) -> PyResult<Rc<Code>> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Code(c) => {
                // Its constants, names and instructions are made when first
                // looked at (vm/code_lazy.rs).
                vm.ensure_prepared(c);
                Ok(c.clone())
            }
            _ => Err(vm.type_error("descriptor requires a 'code' object")),
        },
        _ => Err(vm.type_error("descriptor requires a 'code' object")),
    }
}

/// The names of the locals-plus slots whose kind has a bit of `mask`.
fn names_of_kind(vm: &Vm, c: &Code, mask: u8) -> Value {
    let names: Vec<Value> = c
        .localsplusnames
        .iter()
        .zip(c.localspluskinds().iter())
        .filter(|(_, &k)| k & mask != 0)
        .map(|(n, _)| Value::Obj(n.clone()))
        .collect();
    vm.new_tuple(names)
}

fn int_of(n: usize) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

macro_rules! code_getter {
    ($name:ident, |$vm:ident, $c:ident| $body:expr) => {
        fn $name($vm: &mut Vm, v: &Value) -> PyResult<Value> {
            let $c = code_of($vm, v)?;
            Ok($body)
        }
    };
}

code_getter!(co_name, |vm, c| Value::Obj(c.name.clone()));
code_getter!(co_qualname, |vm, c| Value::Obj(c.qualname.clone()));
code_getter!(co_filename, |vm, c| Value::Obj(c.filename()));
code_getter!(co_firstlineno, |vm, c| Value::Int(i64::from(c.firstlineno)));
code_getter!(co_argcount, |vm, c| int_of(c.argcount));
code_getter!(co_posonlyargcount, |vm, c| int_of(c.posonlyargcount));
code_getter!(co_kwonlyargcount, |vm, c| int_of(c.kwonlyargcount));
code_getter!(co_stacksize, |vm, c| int_of(c.stacksize));
code_getter!(co_flags, |vm, c| Value::Int(i64::from(c.flags)));
code_getter!(co_nlocals, |vm, c| int_of(
    c.localspluskinds()
        .iter()
        .filter(|&&k| k & CO_FAST_LOCAL != 0)
        .count()
));
code_getter!(co_varnames, |vm, c| names_of_kind(vm, &c, CO_FAST_LOCAL));
code_getter!(co_cellvars, |vm, c| names_of_kind(vm, &c, CO_FAST_CELL));
code_getter!(co_freevars, |vm, c| names_of_kind(vm, &c, CO_FAST_FREE));
code_getter!(co_consts, |vm, c| vm.new_tuple(c.consts.to_vec()));
code_getter!(co_names, |vm, c| vm
    .new_tuple(c.names.iter().map(|n| Value::Obj(n.clone())).collect()));
code_getter!(co_code, |vm, c| vm.new_bytes(c.co_code()));
// pycvm does not specialize instructions: the adaptive code is co_code
// (what CPython shows for code that has not warmed up).
code_getter!(co_code_adaptive, |vm, c| vm.new_bytes(c.co_code()));
code_getter!(co_linetable, |vm, c| vm.new_bytes(c.linetable().to_vec()));
code_getter!(co_lnotab, |vm, c| vm
    .new_bytes(c.co().map(|co| co.lnotab()).unwrap_or_default()));
code_getter!(co_exceptiontable, |vm, c| vm
    .new_bytes(c.exceptiontable().to_vec()));

fn opt_int(v: Option<i32>) -> Value {
    v.map_or(Value::None, |i| Value::Int(i64::from(i)))
}

/// `_varname_from_oparg(oparg)`: the name of local slot `oparg` (`dis`
/// uses it for LOAD_FAST and friends).
fn code_varname_from_oparg(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = code_of(vm, args.args.first().unwrap_or(&Value::None))?;
    let i = match args.args.get(1) {
        Some(Value::Int(i)) => *i,
        _ => return Err(vm.type_error("an integer is required")),
    };
    match usize::try_from(i)
        .ok()
        .and_then(|i| c.localsplusnames.get(i))
    {
        Some(n) => Ok(Value::Obj(n.clone())),
        None => Err(vm.new_error(
            crate::objects::exception::ExcKind::IndexError,
            "tuple index out of range",
        )),
    }
}

/// A non-negative int keyword of `replace`.
fn replace_count(vm: &mut Vm, v: &Value, key: &str) -> PyResult<usize> {
    match vm.index_value(v)? {
        Some(i) => usize::try_from(i)
            .map_err(|_| vm.value_error(format!("{key} must be a positive integer"))),
        None => Err(vm.type_error(format!(
            "replace() argument '{key}' must be int, not {}",
            vm.arg_type_name(v)
        ))),
    }
}

/// A str keyword of `replace`.
fn replace_str(vm: &Vm, v: &Value, key: &str) -> PyResult<crate::vm::value::PyRef> {
    match v {
        Value::Obj(o) if vm.as_str_obj(v).is_some() => Ok(o.clone()),
        _ => Err(vm.type_error(format!(
            "replace() argument '{key}' must be str, not {}",
            vm.arg_type_name(v)
        ))),
    }
}

/// `code.replace(**changes)`: a copy with the given fields replaced (the
/// scalar fields, names, constants and filename; bytecode and variable
/// tables cannot be replaced in pycvm).
fn code_replace(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = code_of(vm, args.args.first().unwrap_or(&Value::None))?;
    if args.pos().len() > 1 {
        return Err(vm.type_error("replace() takes no positional arguments"));
    }
    let mut new = c.detached_clone();
    // The copy shares the tuples and tables it does not replace with the
    // original (marshal flags them for back-references); CPython builds
    // co_localsplusnames anew.
    for (i, id) in new.share_ids.get_mut().iter_mut().enumerate() {
        if *id == 0 && i != 2 {
            *id = vm.new_share_id();
        }
    }
    for (k, v) in args.kwargs() {
        let key = vm
            .as_str_obj(&Value::Obj(k.clone()))
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        match key.as_str() {
            "co_flags" => {
                let f = replace_count(vm, v, &key)?;
                new.flags =
                    u32::try_from(f).map_err(|_| vm.overflow_error("co_flags too large"))?;
            }
            "co_argcount" => new.argcount = replace_count(vm, v, &key)?,
            "co_posonlyargcount" => new.posonlyargcount = replace_count(vm, v, &key)?,
            "co_kwonlyargcount" => new.kwonlyargcount = replace_count(vm, v, &key)?,
            "co_stacksize" => new.stacksize = replace_count(vm, v, &key)?,
            "co_firstlineno" => {
                let n = replace_count(vm, v, &key)?;
                new.set_firstlineno(
                    i32::try_from(n).map_err(|_| vm.overflow_error("co_firstlineno too large"))?,
                );
            }
            "co_name" => {
                new.name = replace_str(vm, v, &key)?;
                *new.shared_names.get_mut() &= !1;
            }
            "co_qualname" => {
                new.qualname = replace_str(vm, v, &key)?;
                *new.shared_names.get_mut() &= !2;
            }
            "co_filename" => {
                let f = replace_str(vm, v, &key)?;
                new.set_filename(&f);
            }
            "co_consts" => match v {
                Value::Obj(o) if matches!(o.payload, Payload::Tuple(_)) => {
                    if let Payload::Tuple(items) = &o.payload {
                        new.set_consts(items.iter().cloned().collect());
                        // A tuple held elsewhere too (a constant) is shared,
                        // and its items have one reference fewer in CPython
                        // (pycvm copies them); numbers in a new tuple come
                        // from elsewhere.
                        let alive = Rc::strong_count(o) > 1;
                        new.share_ids.get_mut()[0] = if alive { vm.new_share_id() } else { 0 };
                        new.set_all_consts_shared();
                        *new.shared_names.get_mut() =
                            (new.shared_names.get() & !4) | (u8::from(alive) << 2);
                    }
                }
                _ => {
                    return Err(vm.type_error(format!(
                        "replace() argument 'co_consts' must be tuple, not {}",
                        vm.arg_type_name(v)
                    )))
                }
            },
            "co_names" => {
                let (items, shared) = match v {
                    Value::Obj(o) => match &o.payload {
                        Payload::Tuple(items) => (items.to_vec(), Rc::strong_count(o) > 1),
                        _ => (Vec::new(), false),
                    },
                    _ => (Vec::new(), false),
                };
                let mut names = Vec::with_capacity(items.len());
                for it in &items {
                    names.push(replace_str(vm, it, "co_names")?);
                }
                new.set_names(names.into_boxed_slice());
                new.share_ids.get_mut()[1] = if shared { vm.new_share_id() } else { 0 };
            }
            "co_code" | "co_linetable" | "co_exceptiontable" | "co_varnames" | "co_freevars"
            | "co_cellvars" | "co_nlocals" => {
                return Err(
                    vm.value_error(format!("code.replace(): {key} cannot be replaced in pycvm"))
                );
            }
            _ => {
                return Err(vm.type_error(format!(
                    "'{key}' is an invalid keyword argument for replace()"
                )))
            }
        }
    }
    Ok(Value::Obj(
        vm.new_obj(&vm.types.code, Payload::Code(Rc::new(new))),
    ))
}

/// `co_lines()`: an iterator of `(start, end, line)`.
fn code_lines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = code_of(vm, args.args.first().unwrap_or(&Value::None))?;
    let ranges = c.co().map(|co| co.lines()).unwrap_or_default();
    let items: Vec<Value> = ranges
        .iter()
        .map(|r| {
            vm.new_tuple_of([
                Value::Int(i64::from(r.start)),
                Value::Int(i64::from(r.end)),
                opt_int(r.line),
            ])
        })
        .collect();
    let l = vm.new_list(items);
    vm.iter(&l)
}

/// `co_positions()`: an iterator of `(line, end_line, col, end_col)`, one
/// per code unit.
fn code_positions(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = code_of(vm, args.args.first().unwrap_or(&Value::None))?;
    let pos = c.co().map(|co| co.positions()).unwrap_or_default();
    let items: Vec<Value> = pos
        .iter()
        .map(|p| {
            vm.new_tuple_of([
                opt_int(p.line),
                opt_int(p.end_line),
                opt_int(p.col),
                opt_int(p.end_col),
            ])
        })
        .collect();
    let l = vm.new_list(items);
    vm.iter(&l)
}

pub fn install(vm: &mut Vm) {
    let t = vm.types.code.clone();
    vm.add_getsets(
        &t,
        &[
            ("co_name", co_name, None),
            ("co_qualname", co_qualname, None),
            ("co_filename", co_filename, None),
            ("co_firstlineno", co_firstlineno, None),
            ("co_argcount", co_argcount, None),
            ("co_posonlyargcount", co_posonlyargcount, None),
            ("co_kwonlyargcount", co_kwonlyargcount, None),
            ("co_stacksize", co_stacksize, None),
            ("co_flags", co_flags, None),
            ("co_nlocals", co_nlocals, None),
            ("co_varnames", co_varnames, None),
            ("co_cellvars", co_cellvars, None),
            ("co_freevars", co_freevars, None),
            ("co_consts", co_consts, None),
            ("co_names", co_names, None),
            ("co_code", co_code, None),
            ("_co_code_adaptive", co_code_adaptive, None),
            ("co_linetable", co_linetable, None),
            ("co_lnotab", co_lnotab, None),
            ("co_exceptiontable", co_exceptiontable, None),
        ],
    );
    vm.add_methods(
        &t,
        &[
            ("co_lines", code_lines),
            ("co_positions", code_positions),
            ("replace", code_replace),
            ("_varname_from_oparg", code_varname_from_oparg),
        ],
    );
    vm.add_staticmethods(&t, &[("__new__", super::code_new::code_new)]);
    vm.add_methods(
        &t,
        &[
            ("__eq__", super::code_new::code_richeq),
            ("__ne__", super::code_new::code_richne),
            ("__hash__", super::code_new::code_hash),
        ],
    );
}
