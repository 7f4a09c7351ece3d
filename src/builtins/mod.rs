//! The `builtins` module: every builtin function and the builtin types
//! and exceptions under their names.

use crate::objects::exception::{ExcKind, HIERARCHY};
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::proto::CmpOp;
use crate::vm::value::Truth;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

pub mod convert;

/// `print` of pieces some of which hold lone surrogates: one `write` per
/// piece, each the str object itself (a standard stream encodes it with
/// its error handler, which may raise, as CPython's TextIOWrapper does).
fn print_pieces(
    vm: &mut Vm,
    file: &Value,
    items: &[Value],
    sep: Option<Value>,
    end: Option<Value>,
) -> PyResult<()> {
    let sep = sep.unwrap_or_else(|| vm.new_str(" "));
    let end = end.unwrap_or_else(|| vm.new_str("\n"));
    let fd = crate::modules::sys::stream_fd(vm, file);
    let write = |vm: &mut Vm, v: &Value| match fd {
        Some(fd @ (1 | 2)) => vm.write_stream_value(fd, v),
        _ => vm
            .call_method(file, "write", std::slice::from_ref(v))
            .map(|_| ()),
    };
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            write(vm, &sep)?;
        }
        let s = vm.str_value(v)?;
        write(vm, &s)?;
    }
    write(vm, &end)
}

fn b_print(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let mut sep = std::borrow::Cow::Borrowed(" ");
    let mut end = std::borrow::Cow::Borrowed("\n");
    // The sep/end str objects given (they may hold lone surrogates).
    let (mut sep_v, mut end_v) = (None, None);
    let mut file = Value::None;
    let mut flush = false;
    for (k, v) in args.kwargs() {
        let key = crate::vm::proto::str_of(k);
        match key {
            "sep" | "end" => {
                let s = if v.is_none() {
                    None
                } else {
                    match vm.as_str_obj(v) {
                        Some(s) => Some(s.as_str().to_string()),
                        None => {
                            return Err(vm.type_error(format!(
                                "{key} must be None or a string, not {}",
                                vm.type_name_of(v)
                            )))
                        }
                    }
                };
                if let Some(s) = s {
                    if key == "sep" {
                        sep = s.into();
                        sep_v = Some(v.clone());
                    } else {
                        end = s.into();
                        end_v = Some(v.clone());
                    }
                }
            }
            "file" => file = v.clone(),
            "flush" => flush = vm.truthy(v)?,
            other => {
                return Err(vm.type_error(format!(
                    "'{other}' is an invalid keyword argument for print()"
                )))
            }
        }
    }
    if file.is_none() {
        file = vm.sys_stream("stdout");
        if file.is_none() {
            return Ok(Value::None);
        }
    }
    let surrogates = crate::modules::sys_stream_text::has_surrogates;
    let special = sep_v.as_ref().is_some_and(surrogates)
        || end_v.as_ref().is_some_and(surrogates)
        || args.pos().iter().any(surrogates);
    if special {
        // Lone surrogates: each piece written as the str it is.
        print_pieces(vm, &file, args.pos(), sep_v, end_v)?;
    } else if vm.exact(&file, &vm.stream_type.clone()) {
        // The standard streams: one buffered write.
        let mut out = String::new();
        for (i, v) in args.pos().iter().enumerate() {
            if i > 0 {
                out.push_str(&sep);
            }
            out.push_str(&vm.str(v)?);
        }
        out.push_str(&end);
        vm.write_to(&file, &out)?;
    } else {
        // Any other file gets one write() per piece, as CPython's print
        // (a plain StringIO's in place).
        use crate::modules::io::{print_write, print_write_str};
        for (i, v) in args.pos().iter().enumerate() {
            if i > 0 {
                print_write_str(vm, &file, &sep)?;
            }
            let s = vm.str_value(v)?;
            print_write(vm, &file, &s)?;
        }
        print_write_str(vm, &file, &end)?;
    }
    if flush {
        if let Some(f) = vm.getattr_opt(&file, "flush")? {
            vm.call(&f, &[])?;
        }
    }
    Ok(Value::None)
}

pub(crate) fn b_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("len", args, 1, 1)?;
    Ok(Value::Int(vm.len(&a[0])? as i64))
}

fn b_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("repr", args, 1, 1)?;
    vm.repr_value(&a[0])
}

fn b_ascii(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("ascii", args, 1, 1)?;
    let r = vm.ascii(&a[0])?;
    Ok(vm.new_string(r))
}

fn b_format(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("format", args, 1, 2)?;
    let spec = match a.get(1) {
        Some(s) => match vm.as_str_obj(s) {
            Some(t) => t.as_str().to_string(),
            None => {
                return Err(vm.type_error(format!(
                    "format() argument 2 must be str, not {}",
                    vm.arg_type_name(s)
                )))
            }
        },
        None => String::new(),
    };
    let r = vm.format(&a[0], &spec)?;
    Ok(vm.new_string(r))
}

pub(crate) fn b_isinstance(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("isinstance", args, 2, 2)?;
    Ok(Value::bool(vm.isinstance(&a[0], &a[1])?))
}

pub(crate) fn b_issubclass(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("issubclass", args, 2, 2)?;
    Ok(Value::bool(vm.issubclass(&a[0], &a[1])?))
}

fn attr_name(vm: &Vm, v: &Value) -> PyResult<PyRef> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Str(_)) => Ok(o.clone()),
        _ => Err(vm.type_error(format!(
            "attribute name must be string, not '{}'",
            vm.type_name_of(v)
        ))),
    }
}

fn b_getattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("getattr", args, 2, 3)?;
    let name = match &a[1] {
        Value::Obj(o) if matches!(o.payload, Payload::Str(_)) => o.clone(),
        other => {
            return Err(vm.type_error(format!(
                "attribute name must be string, not '{}'",
                vm.type_name_of(other)
            )))
        }
    };
    if a.len() == 3 {
        return Ok(vm
            .lookup_attr(&a[0], &name)?
            .unwrap_or_else(|| a[2].clone()));
    }
    vm.getattr(&a[0], &name)
}

fn b_setattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("setattr", args, 3, 3)?;
    let name = attr_name(vm, &a[1])?;
    vm.setattr(&a[0], &name, Some(a[2].clone()))?;
    Ok(Value::None)
}

fn b_delattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("delattr", args, 2, 2)?;
    let name = attr_name(vm, &a[1])?;
    vm.setattr(&a[0], &name, None)?;
    Ok(Value::None)
}

fn b_hasattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("hasattr", args, 2, 2)?;
    let name = attr_name(vm, &a[1])?;
    Ok(Value::bool(vm.lookup_attr(&a[0], &name)?.is_some()))
}

fn b_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("iter", args, 1, 2)?;
    if a.len() == 2 {
        if !vm.callable(&a[0]) {
            return Err(vm.type_error("iter(v, w): v must be callable"));
        }
        return Ok(vm.new_iter(
            &vm.types.callable_iterator.clone(),
            crate::objects::iter::IterState::Callable {
                func: a[0].clone(),
                sentinel: a[1].clone(),
            },
        ));
    }
    vm.iter(&a[0])
}

fn b_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("next", args, 1, 2)?;
    let ty = vm.type_of(&a[0]);
    let is_iter = matches!(&a[0], Value::Obj(o) if matches!(o.payload, Payload::Iter(_) | Payload::Generator(_)))
        || vm.type_lookup_static(&ty, "__next__").is_some();
    if !is_iter {
        return Err(vm.type_error(format!("'{}' object is not an iterator", vm.type_name(&ty))));
    }
    if a.len() == 1 {
        // next() passes on the StopIteration that __next__ raised (with its
        // value); only builtin iterators end without one.
        if !matches!(&a[0], Value::Obj(o) if matches!(o.payload, Payload::Iter(_)) && vm.builtin_class(o))
        {
            if let Some(r) = vm.call_special(&a[0], "__next__", &[])? {
                return Ok(r);
            }
        }
    }
    match vm.next(&a[0])? {
        Some(v) => Ok(v),
        None => match a.get(1) {
            Some(d) => Ok(d.clone()),
            None => Err(vm.new_error_noargs(ExcKind::StopIteration)),
        },
    }
}

impl Vm {
    pub fn callable(&mut self, v: &Value) -> bool {
        match v {
            Value::Obj(o) => match &o.payload {
                Payload::Function(_)
                | Payload::Method(_)
                | Payload::Builtin(_)
                | Payload::Type(_)
                | Payload::MethodDescr(_) => true,
                _ => {
                    let t = self.type_of(v);
                    self.type_lookup_static(&t, "__call__").is_some()
                }
            },
            _ => false,
        }
    }
}

fn b_callable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("callable", args, 1, 1)?;
    Ok(Value::bool(vm.callable(&a[0])))
}

fn b_abs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("abs", args, 1, 1)?;
    match &a[0] {
        Value::Int(i) if *i != i64::MIN => Ok(Value::Int(i.abs())),
        Value::Float(f) => Ok(Value::float(f.abs())),
        Value::Bool(b) => Ok(Value::Int(*b as i64)),
        v => match vm.call_special(v, "__abs__", &[])? {
            Some(r) => Ok(r),
            None => Err(vm.type_error(format!(
                "bad operand type for abs(): '{}'",
                vm.type_name_of(v)
            ))),
        },
    }
}

/// `min`/`max` with `key` and `default` (CPython's `min_max`): items are
/// taken one at a time, each key computed before the next item is read.
fn minmax(vm: &mut Vm, args: Args, name: &str, op: CmpOp) -> PyResult<Value> {
    let pos = args.pos();
    let mut key = Value::None;
    let mut default = None;
    for (k, v) in args.kwargs() {
        match crate::vm::proto::str_of(k) {
            "key" => key = v.clone(),
            "default" => default = Some(v.clone()),
            other => {
                return Err(vm.type_error(format!(
                    "'{other}' is an invalid keyword argument for {name}()"
                )))
            }
        }
    }
    if let ([one], true) = (pos, key.is_none()) {
        if let Some(i) = minmax_ints(one, matches!(op, CmpOp::Lt)) {
            return Ok(Value::Int(i));
        }
    }
    // Several positional arguments: CPython iterates their tuple; here the
    // arguments themselves, in the same order (no tuple or iterator).
    let (it, mut args_left) = match pos {
        [] => return Err(vm.type_error(format!("{name} expected at least 1 argument, got 0"))),
        [one] => (Some(vm.iter(one)?), None),
        _ => {
            if default.is_some() {
                return Err(vm.type_error(format!(
                    "Cannot specify a default for {name}() with multiple positional arguments"
                )));
            }
            if key.is_none() {
                if let Some(i) = fold_ints(pos.iter(), matches!(op, CmpOp::Lt)) {
                    return Ok(Value::Int(i));
                }
            }
            let items: smallvec::SmallVec<[Value; 4]> = pos.iter().cloned().collect();
            (None, Some(items.into_iter()))
        }
    };
    let mut best: Option<(Value, Value)> = None;
    loop {
        let item = match (&it, &mut args_left) {
            (Some(it), _) => vm.next(it)?,
            (None, Some(left)) => left.next(),
            (None, None) => None,
        };
        let Some(item) = item else { break };
        let k = if key.is_none() {
            item.clone()
        } else {
            vm.call(&key, std::slice::from_ref(&item))?
        };
        best = match best {
            None => Some((k, item)),
            Some((bk, bv)) => {
                if vm.compare(&k, &bk, op)? {
                    Some((k, item))
                } else {
                    Some((bk, bv))
                }
            }
        };
    }
    match best {
        Some((_, v)) => Ok(v),
        None => match default {
            Some(d) => Ok(d),
            None => Err(vm.value_error(format!("{name}() arg is an empty sequence"))),
        },
    }
}

/// `min(x)`/`max(x)` of a non-empty exact list, tuple, set or frozenset
/// of (unboxed) ints: the answer without iterator or comparison calls.
/// None for anything else, or an empty one (the general path says why).
fn minmax_ints(v: &Value, min: bool) -> Option<i64> {
    let Value::Obj(o) = v else {
        return None;
    };
    if !o.class_is_static() {
        return None;
    }
    match &o.payload {
        Payload::List(l) => fold_ints(l.try_borrow().ok()?.iter(), min),
        Payload::Tuple(t) => fold_ints(t.iter(), min),
        Payload::Set(c) => fold_ints(c.try_borrow().ok()?.keys(), min),
        Payload::FrozenSet(t) => fold_ints(t.keys(), min),
        _ => None,
    }
}

/// The least (`min`) or greatest of (unboxed) ints, the first of equals;
/// None when one is anything else, or there are none.
fn fold_ints<'a>(items: impl Iterator<Item = &'a Value>, min: bool) -> Option<i64> {
    let mut best: Option<i64> = None;
    for x in items {
        let Value::Int(i) = x else {
            return None;
        };
        best = Some(match best {
            Some(b) if (min && b <= *i) || (!min && b >= *i) => b,
            _ => *i,
        });
    }
    best
}

fn b_min(vm: &mut Vm, args: Args) -> PyResult<Value> {
    minmax(vm, args, "min", CmpOp::Lt)
}
fn b_max(vm: &mut Vm, args: Args) -> PyResult<Value> {
    minmax(vm, args, "max", CmpOp::Gt)
}

use crate::vm::gen_reduce::Reduce;

fn b_sum(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = args.pos();
    let total = pos.len() + args.kwargs().count();
    if total > 2 {
        return Err(vm.type_error(format!("sum() takes at most 2 arguments ({total} given)")));
    }
    if pos.is_empty() {
        return Err(vm.type_error("sum() takes at least 1 positional argument (0 given)"));
    }
    for (k, _) in args.kwargs() {
        let k = crate::vm::proto::str_of(k);
        if k != "start" {
            return Err(vm.type_error(format!("'{k}' is an invalid keyword argument for sum()")));
        }
    }
    let acc = pos
        .get(1)
        .cloned()
        .or_else(|| Vm::kwarg(&args, "start"))
        .unwrap_or(Value::Int(0));
    if vm.as_str_obj(&acc).is_some() {
        return Err(vm.type_error("sum() can't sum strings [use ''.join(seq) instead]"));
    }
    if let Value::Obj(o) = &acc {
        match o.payload {
            Payload::Bytes(_) => {
                return Err(vm.type_error("sum() can't sum bytes [use b''.join(seq) instead]"))
            }
            Payload::ByteArray(_) => {
                return Err(vm.type_error("sum() can't sum bytearray [use b''.join(seq) instead]"))
            }
            _ => {}
        }
    }
    let it = vm.iter(&pos[0])?;
    sum_rest(vm, acc, &it)
}

/// One item of `sum`: CPython's int and float fast paths (same results
/// as `+`), else `+`.
#[inline]
pub(crate) fn sum_step(vm: &mut Vm, acc: Value, x: Value) -> PyResult<Value> {
    Ok(match (&acc, &x) {
        (Value::Int(a), Value::Int(b)) if a.checked_add(*b).is_some() => {
            Value::Int(a.wrapping_add(*b))
        }
        (Value::Float(a), Value::Float(b)) => Value::float(a.get() + b.get()),
        _ => vm.binary_op(&acc, &x, crate::vm::proto::BinOp::Add, false)?,
    })
}

/// The rest of `sum` from `acc` over the iterator `it`.
pub(crate) fn sum_rest(vm: &mut Vm, mut acc: Value, it: &Value) -> PyResult<Value> {
    while let Some(x) = vm.next(it)? {
        acc = sum_step(vm, acc, x)?;
    }
    Ok(acc)
}

/// The builtin that `f` is, if a call of it with one generator can run
/// the generator in the caller's loop (vm/gen_reduce.rs).
pub(crate) fn reduce_kind(f: crate::objects::function::NativeFn) -> Option<Reduce> {
    let f = f as usize;
    let table: [(crate::objects::function::NativeFn, Reduce); 6] = [
        (b_sum, Reduce::Sum),
        (b_any, Reduce::Any),
        (b_all, Reduce::All),
        (b_min, Reduce::Min),
        (b_max, Reduce::Max),
        (b_sorted, Reduce::Sorted),
    ];
    table
        .iter()
        .find(|(g, _)| *g as usize == f)
        .map(|(_, k)| *k)
}

fn b_sorted(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = args.pos();
    if pos.len() != 1 {
        return Err(vm.type_error(format!("sorted expected 1 argument, got {}", pos.len())));
    }
    let items = crate::objects::list::collect_list(vm, &pos[0])?;
    let l = vm.new_list(items);
    // `newlist.sort(**kwargs)`: the list is exact, so its `sort` is
    // `list.sort`, called directly (no attribute lookups, no bound method).
    let mut full = crate::vm::call::ArgBuf::with_capacity(1 + args.kwargs().count());
    full.push(l.clone());
    full.extend(args.kwargs().map(|(_, v)| v.clone()));
    crate::objects::list::list_sort(
        vm,
        Args {
            args: &full,
            kwnames: args.kwnames,
        },
    )?;
    Ok(l)
}

fn b_any(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("any", args, 1, 1)?;
    let it = vm.iter(&a[0])?;
    while let Some(x) = vm.next(&it)? {
        if vm.truthy(&x)? {
            return Ok(Value::Bool(Truth::True));
        }
    }
    Ok(Value::Bool(Truth::False))
}

fn b_all(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("all", args, 1, 1)?;
    let it = vm.iter(&a[0])?;
    while let Some(x) = vm.next(&it)? {
        if !vm.truthy(&x)? {
            return Ok(Value::Bool(Truth::False));
        }
    }
    Ok(Value::Bool(Truth::True))
}

fn b_chr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("chr", args, 1, 1)?;
    let Some(i) = vm.index_value(&a[0])? else {
        return Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(&a[0])
        )));
    };
    if !(0..=0x10FFFF).contains(&i) {
        return Err(vm.value_error("chr() arg not in range(0x110000)"));
    }
    match char::from_u32(i as u32) {
        Some(c) => Ok(vm.new_char(c)),
        // A lone surrogate: a str that keeps its exact code point.
        None => Ok(Value::Obj(vm.new_obj(
            &vm.types.str,
            Payload::Str(crate::objects::StrObj::from_code_points(&[i as u32])),
        ))),
    }
}

fn b_ord(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("ord", args, 1, 1)?;
    if let Some(s) = vm.as_str_obj(&a[0]) {
        let n = s.char_len();
        if n != 1 {
            return Err(vm.type_error(format!(
                "ord() expected a character, but string of length {n} found"
            )));
        }
        if let Some(cps) = s.surrogate_cps() {
            return Ok(Value::Int(cps.first().map_or(0, |&c| i64::from(c))));
        }
        return Ok(Value::Int(s.char_at(0).map_or(0, |c| c as i64)));
    }
    if let Some(b) = crate::objects::bytes::bytes_of(&a[0]) {
        if b.len() != 1 {
            return Err(vm.type_error(format!(
                "ord() expected a character, but string of length {} found",
                b.len()
            )));
        }
        return Ok(Value::Int(b[0] as i64));
    }
    Err(vm.type_error(format!(
        "ord() expected string of length 1, but {} found",
        vm.type_name_of(&a[0])
    )))
}

fn radix(vm: &mut Vm, args: Args, name: &str, r: u32) -> PyResult<Value> {
    let a = vm.fn_args(name, args, 1, 1)?;
    let i = vm.index_int(&a[0])?;
    let b = i.to_bigint();
    Ok(vm.new_string(crate::pyfmt::int_to_str_radix(&b, r)))
}

fn b_hex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    radix(vm, args, "hex", 16)
}
fn b_oct(vm: &mut Vm, args: Args) -> PyResult<Value> {
    radix(vm, args, "oct", 8)
}
fn b_bin(vm: &mut Vm, args: Args) -> PyResult<Value> {
    radix(vm, args, "bin", 2)
}

fn b_divmod(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("divmod", args, 2, 2)?;
    vm.divmod(&a[0], &a[1])
}

fn b_pow(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = args.pos().to_vec();
    let base = pos
        .first()
        .cloned()
        .or_else(|| Vm::kwarg(&args, "base"))
        .unwrap_or(Value::None);
    let exp = pos
        .get(1)
        .cloned()
        .or_else(|| Vm::kwarg(&args, "exp"))
        .unwrap_or(Value::None);
    let m = pos
        .get(2)
        .cloned()
        .or_else(|| Vm::kwarg(&args, "mod"))
        .unwrap_or(Value::None);
    if m.is_none() {
        return vm.binary_op(&base, &exp, crate::vm::proto::BinOp::Pow, false);
    }
    use crate::objects::int::as_int;
    if let (Some(b), Some(e), Some(md)) = (as_int(&base), as_int(&exp), as_int(&m)) {
        return match b.pow(&e, Some(&md)) {
            Ok(crate::num::IntPow::Int(r)) => Ok(vm.new_int(r)),
            Ok(crate::num::IntPow::Float(f)) => Ok(Value::float(f)),
            Err(e) => Err(vm.num_err(e)),
        };
    }
    // Three-argument pow only asks the base's type (CPython's ternary_op;
    // Python classes' __rpow__ is never called with a modulus).
    if let Some(r) = vm.call_special(&base, "__pow__", &[exp.clone(), m.clone()])? {
        if !vm.is_not_implemented(&r) {
            return Ok(r);
        }
    }
    let builtin_exp = match &exp {
        Value::Obj(o) => vm.builtin_class(o),
        _ => true,
    };
    if builtin_exp && !crate::objects::rc::Rc::ptr_eq(&vm.type_of(&base), &vm.type_of(&exp)) {
        if let Some(r) = vm.call_special(&exp, "__rpow__", &[base.clone(), m.clone()])? {
            if !vm.is_not_implemented(&r) {
                return Ok(r);
            }
        }
    }
    // The modulus's own builtin power slot (float's and complex's refuse
    // any modulus).
    if crate::objects::int::float_payload(&m).is_some() {
        return Err(
            vm.type_error("pow() 3rd argument not allowed unless all arguments are integers")
        );
    }
    if crate::objects::complex::complex_of(&m).is_some() {
        return Err(vm.value_error("complex modulo"));
    }
    Err(vm.type_error(format!(
        "unsupported operand type(s) for ** or pow(): '{}', '{}', '{}'",
        vm.type_name_of(&base),
        vm.type_name_of(&exp),
        vm.type_name_of(&m)
    )))
}

fn b_round(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = crate::modules::binargs::named_args(vm, &args, 0, "round", &["number", "ndigits"])?;
    let Some(x) = a.first().cloned().flatten() else {
        return Err(vm.type_error("round() missing required argument 'number' (pos 1)"));
    };
    let nd = a.get(1).cloned().flatten().unwrap_or(Value::None);
    if let (Value::Float(f), Value::None) = (&x, &nd) {
        return match crate::num::float_round(f.get()) {
            Ok(r) => Ok(vm.new_int(r)),
            Err(e) => Err(vm.num_err(e)),
        };
    }
    let a = if nd.is_none() {
        vec![]
    } else {
        vec![nd.clone()]
    };
    match vm.call_special(&x, "__round__", &a)? {
        Some(r) => Ok(r),
        None => Err(vm.type_error(format!(
            "type {} doesn't define __round__ method",
            vm.type_name_of(&x)
        ))),
    }
}

fn b_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("hash", args, 1, 1)?;
    Ok(Value::Int(vm.hash(&a[0])?))
}

fn b_id(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("id", args, 1, 1)?;
    Ok(Value::Int(match &a[0] {
        Value::Obj(o) => crate::objects::rc::Rc::as_ptr(o) as *const u8 as i64,
        Value::Int(i) => *i,
        Value::Float(f) => f.to_bits() as i64,
        Value::Bool(b) => 0x1000 + *b as i64,
        Value::None | Value::Null => 0x2000,
    }))
}

fn b_globals(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("globals", args, 0, 0)?;
    Ok(vm
        .frames
        .last()
        .map(|f| Value::Obj(f.globals.clone()))
        .unwrap_or(Value::None))
}

fn b_locals(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("locals", args, 0, 0)?;
    vm.frame_locals_dict()
}

impl Vm {
    /// `locals()` of the running frame (a snapshot for function frames).
    pub fn frame_locals_dict(&mut self) -> PyResult<Value> {
        let Some(f) = self.frames.last() else {
            return Ok(Value::None);
        };
        if let Some(l) = &f.locals {
            return Ok(l.clone());
        }
        let code = f.code.clone();
        let base = f.base;
        let d = self.new_dict();
        for (i, name) in code.localsplusnames.iter().enumerate() {
            let mut v = self.stack.get(base + i).cloned().unwrap_or(Value::Null);
            if code.is_cell(i) || code.is_free(i) {
                let inner = match &v {
                    Value::Obj(c) => match &c.payload {
                        Payload::Cell(inner) => Some(inner.borrow().clone()),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(x) = inner {
                    v = x;
                }
            }
            if !v.is_null() {
                self.dict_set(&d, Value::Obj(name.clone()), v)?;
            }
        }
        Ok(Value::Obj(d))
    }

    /// `dir(obj)` names, sorted.
    pub fn dir_names(&mut self, v: &Value) -> PyResult<Vec<Value>> {
        let mut names: Vec<String> = Vec::new();
        if let Value::Obj(o) = v {
            if let Some(d) = o.dict() {
                if !matches!(o.payload, Payload::Type(_)) {
                    for (k, _) in self.dict_items(&d) {
                        if let Some(s) = self.as_str_obj(&k) {
                            names.push(s.as_str().to_string());
                        }
                    }
                }
            }
        }
        let ty = match v {
            Value::Obj(o) if matches!(o.payload, Payload::Type(_)) => o.clone(),
            _ => self.type_of(v),
        };
        let mro = crate::objects::typeobj::type_data(&ty)
            .map(|t| t.mro.borrow().clone())
            .unwrap_or_default();
        for t in mro {
            if let Some(d) = t.dict() {
                for (k, _) in self.dict_items(&d) {
                    if let Some(s) = self.as_str_obj(&k) {
                        names.push(s.as_str().to_string());
                    }
                }
            }
        }
        names.sort();
        names.dedup();
        Ok(names.into_iter().map(|n| self.new_string(n)).collect())
    }
}

fn b_dir(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("dir", args, 0, 1)?;
    match a.first() {
        Some(v) => {
            let r = match vm.call_special(v, "__dir__", &[])? {
                Some(r) => vm.collect_iter(&r)?,
                None => vm.dir_names(v)?,
            };
            let l = vm.new_list(r);
            let sort = vm.getattr_str(&l, "sort")?;
            vm.call(&sort, &[])?;
            Ok(l)
        }
        None => {
            let d = vm.frame_locals_dict()?;
            let mut keys: Vec<Value> = match &d {
                Value::Obj(o) => vm.dict_items(o).into_iter().map(|(k, _)| k).collect(),
                _ => vec![],
            };
            let l = vm.new_list(std::mem::take(&mut keys));
            let sort = vm.getattr_str(&l, "sort")?;
            vm.call(&sort, &[])?;
            Ok(l)
        }
    }
}

fn b_vars(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("vars", args, 0, 1)?;
    match a.first() {
        Some(v) => match vm.getattr_opt(v, "__dict__")? {
            Some(d) => Ok(d),
            None => Err(vm.type_error("vars() argument must have __dict__ attribute")),
        },
        None => vm.frame_locals_dict(),
    }
}

fn b_build_class(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = args.pos();
    if pos.len() < 2 {
        return Err(vm.type_error("__build_class__: not enough arguments"));
    }
    let Value::Obj(func) = &pos[0] else {
        return Err(vm.type_error("__build_class__: func must be a function"));
    };
    if !matches!(func.payload, Payload::Function(_)) {
        return Err(vm.type_error("__build_class__: func must be a function"));
    }
    let name = pos[1].clone();
    if vm.as_str_obj(&name).is_none() {
        return Err(vm.type_error("__build_class__: name is not a string"));
    }
    let orig_bases: Vec<Value> = pos[2..].to_vec();
    // PEP 560: __mro_entries__.
    let mut bases: Vec<Value> = Vec::new();
    let mut changed = false;
    for b in &orig_bases {
        if !vm.is_type(b) {
            if let Some(me) = vm.getattr_opt(b, "__mro_entries__")? {
                let t = vm.new_tuple(orig_bases.clone());
                let r = vm.call(&me, &[t])?;
                bases.extend(vm.seq_items(&r).unwrap_or_default());
                changed = true;
                continue;
            }
        }
        bases.push(b.clone());
    }
    let mut meta: Option<Value> = None;
    let mut kw: Vec<(PyRef, Value)> = Vec::new();
    for (k, v) in args.kwargs() {
        if crate::vm::proto::str_of(k) == "metaclass" {
            meta = Some(v.clone());
        } else {
            kw.push((k.clone(), v.clone()));
        }
    }
    let is_class_meta = meta.is_none() || meta.as_ref().is_some_and(|m| vm.is_type(m));
    let mut meta = match meta {
        Some(m) => m,
        None => match bases.first() {
            Some(b) => Value::Obj(vm.type_of(b)),
            None => Value::Obj(vm.types.type_.clone()),
        },
    };
    if is_class_meta {
        if let Value::Obj(m) = &meta {
            let base_refs: Vec<PyRef> = bases
                .iter()
                .filter_map(|b| match b {
                    Value::Obj(o) if matches!(o.payload, Payload::Type(_)) => Some(o.clone()),
                    _ => None,
                })
                .collect();
            meta = Value::Obj(vm.calculate_metaclass(m, &base_refs)?);
        }
    }
    let bases_t = vm.new_tuple(bases.clone());
    let kwnames: Vec<PyRef> = kw.iter().map(|(k, _)| k.clone()).collect();
    let kwvals: Vec<Value> = kw.iter().map(|(_, v)| v.clone()).collect();
    let ns = match vm.getattr_opt(&meta, "__prepare__")? {
        Some(prep) => {
            let mut a = vec![name.clone(), bases_t.clone()];
            a.extend(kwvals.clone());
            vm.call_args(
                &prep,
                Args {
                    args: &a,
                    kwnames: &kwnames,
                },
            )?
        }
        None => Value::Obj(vm.new_dict()),
    };
    if !matches!(&ns, Value::Obj(o) if matches!(o.payload, Payload::Dict(_)))
        && vm.getattr_opt(&ns, "__getitem__")?.is_none()
    {
        // CPython names the metaclass by its tp_name.
        let mn = match &meta {
            Value::Obj(m) if vm.is_type(&meta) => vm.type_name(m),
            _ => "<metaclass>".to_string(),
        };
        return Err(vm.type_error(format!(
            "{mn}.__prepare__() must return a mapping, not {}",
            vm.type_name_of(&ns)
        )));
    }
    let cell = vm.run_with_locals(func, ns.clone())?;
    if changed {
        let ob = vm.new_tuple(orig_bases);
        vm.setitem(&ns, vm.new_str("__orig_bases__"), ob)?;
    }
    let mut a = vec![name.clone(), bases_t, ns];
    a.extend(kwvals);
    let cls = vm.call_args(
        &meta,
        Args {
            args: &a,
            kwnames: &kwnames,
        },
    )?;
    check_class_cell(vm, &cell, &name, &cls)?;
    Ok(cls)
}

/// The end of CPython's `__build_class__`: when the body made a
/// `__class__` cell and the metaclass made a class, `type.__new__` must
/// have put that class in the cell (it does so from `__classcell__`).
fn check_class_cell(vm: &mut Vm, cell: &Value, name: &Value, cls: &Value) -> PyResult<()> {
    let (Value::Obj(c), Value::Obj(k)) = (cell, cls) else {
        return Ok(());
    };
    let (Payload::Cell(inner), Payload::Type(_)) = (&c.payload, &k.payload) else {
        return Ok(());
    };
    let cur = inner.borrow().clone();
    if matches!(&cur, Value::Obj(o) if crate::objects::rc::Rc::ptr_eq(o, k)) {
        return Ok(());
    }
    let (name_r, cls_r) = (vm.repr(name)?, vm.repr(cls)?);
    if cur.is_null() {
        return Err(vm.new_error(
            ExcKind::RuntimeError,
            format!(
                "__class__ not set defining {name_r} as {cls_r}. Was __classcell__ propagated to type.__new__?"
            ),
        ));
    }
    let cur_r = vm.repr(&cur)?;
    Err(vm.type_error(format!(
        "__class__ set to {cur_r} defining {name_r} as {cls_r}"
    )))
}

/// `__import__(name, globals=None, locals=None, fromlist=(), level=0)`.
fn b_import(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = crate::modules::binargs::named_args(
        vm,
        &args,
        0,
        "__import__",
        &["name", "globals", "locals", "fromlist", "level"],
    )?;
    let get = |i: usize, _kw: &str| a.get(i).cloned().flatten();
    let Some(name) = get(0, "name") else {
        return Err(vm.type_error("__import__() missing required argument 'name' (pos 1)"));
    };
    if vm.as_str_obj(&name).is_none() {
        return Err(vm.type_error("module name must be a string"));
    }
    let globals = match get(1, "globals") {
        Some(Value::Obj(g)) if matches!(g.payload, crate::objects::Payload::Dict(_)) => Some(g),
        _ => None,
    };
    let fromlist = get(3, "fromlist").unwrap_or(Value::None);
    let level = match get(4, "level").unwrap_or(Value::Int(0)) {
        Value::Int(i) => i,
        Value::Bool(b) => i64::from(b.get()),
        other => {
            return Err(vm.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                vm.type_name_of(&other)
            )))
        }
    };
    vm.import_module_level(&name, globals.as_ref(), &fromlist, level)
}

fn b_exit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let ty = vm.exc_type(ExcKind::SystemExit);
    let e = vm.call(&Value::Obj(ty), args.pos())?;
    match e {
        Value::Obj(o) => Err(crate::vm::PyErr(o)),
        _ => Err(vm.system_error("bad SystemExit")),
    }
}

/// `breakpoint(*args, **kws)`: calls `sys.breakpointhook`.
fn b_breakpoint(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let sys = Value::Obj(vm.sys.clone());
    let Some(hook) = vm.getattr_opt(&sys, "breakpointhook")? else {
        return Err(vm.new_error(ExcKind::RuntimeError, "lost sys.breakpointhook"));
    };
    vm.call_args(&hook, args)
}

fn b_exec_eval(vm: &mut Vm, args: Args, is_eval: bool) -> PyResult<Value> {
    let pos = args.pos();
    let what = if is_eval { "eval" } else { "exec" };
    let src = pos.first().cloned().unwrap_or(Value::None);
    let code = match &src {
        Value::Obj(o) => match &o.payload {
            Payload::Code(c) => c.clone(),
            _ => match crate::compile::vmglue::exec_eval_code(vm, &src, is_eval)? {
                Some(c) => c,
                None => {
                    return Err(vm.type_error(format!(
                        "{what}() arg 1 must be a string, bytes or code object"
                    )))
                }
            },
        },
        _ => {
            return Err(vm.type_error(format!(
                "{what}() arg 1 must be a string, bytes or code object"
            )))
        }
    };
    let globals = match pos.get(1) {
        Some(Value::Obj(g)) if matches!(g.payload, Payload::Dict(_)) => g.clone(),
        _ => match vm.frames.last() {
            Some(f) => f.globals.clone(),
            None => vm.new_dict(),
        },
    };
    let locals = match pos.get(2) {
        Some(l) if !l.is_none() => l.clone(),
        _ => {
            if pos.get(1).is_some() {
                Value::Obj(globals.clone())
            } else {
                vm.frame_locals_dict()?
            }
        }
    };
    let key = vm.new_str("__builtins__");
    if vm.dict_get(&globals, &key)?.is_none() {
        let b = Value::Obj(vm.builtins.clone());
        vm.dict_set(&globals, key, b)?;
    }
    vm.run_code(&code, globals, Some(locals))
}

fn b_exec(vm: &mut Vm, args: Args) -> PyResult<Value> {
    b_exec_eval(vm, args, false)?;
    Ok(Value::None)
}
fn b_eval(vm: &mut Vm, args: Args) -> PyResult<Value> {
    b_exec_eval(vm, args, true)
}

fn b_input(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("input", args, 0, 1)?;
    if let Some(p) = a.first() {
        let s = vm.str(p)?;
        vm.write_stdout(&s)?;
    }
    vm.flush_stdout();
    let mut line = String::new();
    match vm.allow_threads(|| std::io::stdin().read_line(&mut line)) {
        Ok(0) | Err(_) => Err(vm.new_error(ExcKind::EOFError, "EOF when reading a line")),
        Ok(_) => {
            if line.ends_with('\n') {
                line.pop();
            }
            Ok(vm.new_string(line))
        }
    }
}

pub fn install(vm: &mut Vm) {
    let b = vm.builtins.clone();
    vm.add_functions(
        &b,
        &[
            ("print", b_print),
            ("len", b_len),
            ("repr", b_repr),
            ("ascii", b_ascii),
            ("format", b_format),
            ("isinstance", b_isinstance),
            ("issubclass", b_issubclass),
            ("getattr", b_getattr),
            ("setattr", b_setattr),
            ("delattr", b_delattr),
            ("hasattr", b_hasattr),
            ("iter", b_iter),
            ("next", b_next),
            ("aiter", crate::objects::genobject::builtin_aiter),
            ("anext", crate::objects::genobject::builtin_anext),
            ("callable", b_callable),
            ("abs", b_abs),
            ("min", b_min),
            ("max", b_max),
            ("sum", b_sum),
            ("sorted", b_sorted),
            ("any", b_any),
            ("all", b_all),
            ("chr", b_chr),
            ("ord", b_ord),
            ("hex", b_hex),
            ("oct", b_oct),
            ("bin", b_bin),
            ("divmod", b_divmod),
            ("pow", b_pow),
            ("round", b_round),
            ("hash", b_hash),
            ("id", b_id),
            ("globals", b_globals),
            ("locals", b_locals),
            ("dir", b_dir),
            ("vars", b_vars),
            ("__build_class__", b_build_class),
            ("__import__", b_import),
            ("exit", b_exit),
            ("quit", b_exit),
            ("exec", b_exec),
            ("breakpoint", b_breakpoint),
            ("eval", b_eval),
            ("compile", crate::compile::vmglue::builtin_compile),
            ("input", b_input),
        ],
    );
    let t = vm.types.clone_list();
    for (name, ty) in t {
        vm.set_attr_raw(&b, name, Value::Obj(ty));
    }
    for (kind, name, _) in HIERARCHY {
        let t = vm.exc_type(*kind);
        vm.set_attr_raw(&b, name, Value::Obj(t));
    }
    let ni = Value::Obj(vm.not_implemented.clone());
    vm.set_attr_raw(&b, "NotImplemented", ni);
    let el = Value::Obj(vm.ellipsis.clone());
    vm.set_attr_raw(&b, "Ellipsis", el);
    vm.set_attr_raw(&b, "None", Value::None);
    vm.set_attr_raw(&b, "True", Value::Bool(Truth::True));
    vm.set_attr_raw(&b, "False", Value::Bool(Truth::False));
    // False under -O (what the compiler folds `__debug__` to).
    let debug = crate::vm::config::get().optimize == 0;
    vm.set_attr_raw(&b, "__debug__", Value::bool(debug));
    let eg = vm.exc_type(ExcKind::OSError);
    vm.set_attr_raw(&b, "EnvironmentError", Value::Obj(eg.clone()));
    vm.set_attr_raw(&b, "IOError", Value::Obj(eg));
    // `open` is `_io.open` (the `_io` module is made at start-up).
    crate::modules::io::install(vm);
}

impl crate::vm::Types {
    /// (builtins name, type) of the types that are builtins.
    pub fn clone_list(&self) -> Vec<(&'static str, PyRef)> {
        vec![
            ("object", self.object.clone()),
            ("type", self.type_.clone()),
            ("int", self.int.clone()),
            ("bool", self.bool_.clone()),
            ("float", self.float.clone()),
            ("complex", self.complex.clone()),
            ("str", self.str.clone()),
            ("bytes", self.bytes.clone()),
            ("bytearray", self.bytearray.clone()),
            ("memoryview", self.memoryview.clone()),
            ("tuple", self.tuple.clone()),
            ("list", self.list.clone()),
            ("dict", self.dict.clone()),
            ("set", self.set.clone()),
            ("frozenset", self.frozenset.clone()),
            ("range", self.range.clone()),
            ("slice", self.slice.clone()),
            ("property", self.property.clone()),
            ("staticmethod", self.staticmethod.clone()),
            ("classmethod", self.classmethod.clone()),
            ("super", self.super_.clone()),
            ("enumerate", self.enumerate.clone()),
            ("zip", self.zip.clone()),
            ("map", self.map.clone()),
            ("filter", self.filter.clone()),
            ("reversed", self.reversed.clone()),
        ]
    }
}
