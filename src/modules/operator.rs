//! `_operator` (CPython's Modules/_operator.c): the operator functions
//! (`operator.py` re-exports them with `from _operator import *`), the
//! `itemgetter`/`attrgetter`/`methodcaller` types, and `_compare_digest`
//! (hmac's constant-time comparison).

use crate::modules::itertools::clinic;
use crate::objects::exception::ExcKind;
use crate::objects::function::{Args, NativeFn};
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE};
use crate::objects::Payload;
use crate::vm::proto::{str_of, BinOp, CmpOp};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The two operands of a binary operator function `name`.
fn two<'a>(vm: &Vm, args: &Args<'a>, name: &str) -> PyResult<&'a [Value]> {
    clinic::positional(vm, args, 0, name, 2, 2)
}

fn one<'a>(vm: &Vm, args: &Args<'a>, name: &str) -> PyResult<&'a Value> {
    if args.has_kwargs() {
        return Err(vm.type_error(format!("{name}() takes no keyword arguments")));
    }
    match args.pos() {
        [v] => Ok(v),
        a => Err(vm.type_error(format!(
            "_operator.{name}() takes exactly one argument ({} given)",
            a.len()
        ))),
    }
}

macro_rules! cmp_fns {
    ($($f:ident, $name:literal, $op:ident;)*) => {
        $( fn $f(vm: &mut Vm, args: Args) -> PyResult<Value> {
            let a = two(vm, &args, $name)?;
            vm.richcompare(&a[0], &a[1], CmpOp::$op)
        } )*
    };
}
cmp_fns! {
    op_lt, "lt", Lt; op_le, "le", Le; op_eq, "eq", Eq;
    op_ne, "ne", Ne; op_ge, "ge", Ge; op_gt, "gt", Gt;
}

macro_rules! bin_fns {
    ($($f:ident, $name:literal, $op:ident, $inplace:expr;)*) => {
        $( fn $f(vm: &mut Vm, args: Args) -> PyResult<Value> {
            let a = two(vm, &args, $name)?;
            vm.binary_op(&a[0], &a[1], BinOp::$op, $inplace)
        } )*
    };
}
bin_fns! {
    op_add, "add", Add, false; op_and, "and_", And, false; op_floordiv, "floordiv", FloorDiv, false;
    op_lshift, "lshift", LShift, false; op_mod, "mod", Mod, false; op_mul, "mul", Mul, false;
    op_matmul, "matmul", MatMul, false; op_or, "or_", Or, false; op_pow, "pow", Pow, false;
    op_rshift, "rshift", RShift, false; op_sub, "sub", Sub, false; op_truediv, "truediv", TrueDiv, false;
    op_xor, "xor", Xor, false;
    op_iadd, "iadd", Add, true; op_iand, "iand", And, true; op_ifloordiv, "ifloordiv", FloorDiv, true;
    op_ilshift, "ilshift", LShift, true; op_imod, "imod", Mod, true; op_imul, "imul", Mul, true;
    op_imatmul, "imatmul", MatMul, true; op_ior, "ior", Or, true; op_ipow, "ipow", Pow, true;
    op_irshift, "irshift", RShift, true; op_isub, "isub", Sub, true; op_itruediv, "itruediv", TrueDiv, true;
    op_ixor, "ixor", Xor, true;
}

fn op_not(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = one(vm, &args, "not_")?;
    Ok(Value::bool(!vm.truthy(v)?))
}

fn op_truth(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = one(vm, &args, "truth")?;
    Ok(Value::bool(vm.truthy(v)?))
}

fn op_is(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = two(vm, &args, "is_")?;
    Ok(Value::bool(a[0].is(&a[1])))
}

fn op_is_not(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = two(vm, &args, "is_not")?;
    Ok(Value::bool(!a[0].is(&a[1])))
}

fn op_abs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = one(vm, &args, "abs")?.clone();
    let f = vm
        .get_attr_raw(&vm.builtins.clone(), "abs")
        .ok_or_else(|| vm.system_error("builtins.abs missing"))?;
    vm.call(&f, &[v])
}

fn op_neg(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = one(vm, &args, "neg")?.clone();
    vm.unary_op(&v, "__neg__", "-")
}

fn op_pos(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = one(vm, &args, "pos")?.clone();
    vm.unary_op(&v, "__pos__", "+")
}

fn op_inv(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = one(vm, &args, "inv")?.clone();
    vm.unary_op(&v, "__invert__", "~")
}

fn op_invert(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = one(vm, &args, "invert")?.clone();
    vm.unary_op(&v, "__invert__", "~")
}

/// `PyNumber_Index`.
fn op_index(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = one(vm, &args, "index")?.clone();
    match &v {
        Value::Int(_) => return Ok(v),
        Value::Bool(b) => return Ok(Value::Int(*b as i64)),
        Value::Obj(o) if o.class_is(&vm.types.int) => return Ok(v),
        _ => {}
    }
    match vm.call_special(&v, "__index__", &[])? {
        Some(r) => {
            let is_int = matches!(r, Value::Int(_) | Value::Bool(_))
                || matches!(&r, Value::Obj(o) if matches!(o.payload, Payload::Int(_)));
            if is_int {
                Ok(r)
            } else {
                Err(vm.type_error(format!(
                    "__index__ returned non-int (type {})",
                    vm.type_name_of(&r)
                )))
            }
        }
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(&v)
        ))),
    }
}

fn op_contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = two(vm, &args, "contains")?;
    Ok(Value::bool(vm.contains(&a[0], &a[1])?))
}

fn op_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = two(vm, &args, "getitem")?;
    vm.getitem(&a[0], &a[1])
}

fn op_setitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::positional(vm, &args, 0, "setitem", 3, 3)?;
    vm.setitem(&a[0], a[1].clone(), a[2].clone())?;
    Ok(Value::None)
}

fn op_delitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = two(vm, &args, "delitem")?;
    vm.delitem(&a[0], a[1].clone())?;
    Ok(Value::None)
}

fn op_count_of(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = two(vm, &args, "countOf")?;
    let it = vm.iter(&a[0])?;
    let mut n = 0i64;
    while let Some(x) = vm.next(&it)? {
        if vm.eq(&x, &a[1])? {
            n += 1;
        }
    }
    Ok(Value::Int(n))
}

fn op_index_of(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = two(vm, &args, "indexOf")?;
    let it = vm.iter(&a[0])?;
    let mut i = 0i64;
    while let Some(x) = vm.next(&it)? {
        if vm.eq(&x, &a[1])? {
            return Ok(Value::Int(i));
        }
        i += 1;
    }
    Err(vm.value_error("sequence.index(x): x not in sequence"))
}

/// Whether `v` supports the sequence protocol (`PySequence_Check`).
fn is_sequence(vm: &mut Vm, v: &Value) -> bool {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Dict(_)) => false,
        Value::Obj(_) => {
            let t = vm.type_of(v);
            vm.type_lookup_static(&t, "__getitem__").is_some()
        }
        _ => false,
    }
}

fn concat(vm: &mut Vm, args: Args, name: &str, inplace: bool) -> PyResult<Value> {
    let a = two(vm, &args, name)?;
    if !is_sequence(vm, &a[0]) {
        return Err(vm.type_error(format!(
            "'{}' object can't be concatenated",
            vm.type_name_of(&a[0])
        )));
    }
    vm.binary_op(&a[0], &a[1], BinOp::Add, inplace)
}

fn op_concat(vm: &mut Vm, args: Args) -> PyResult<Value> {
    concat(vm, args, "concat", false)
}

fn op_iconcat(vm: &mut Vm, args: Args) -> PyResult<Value> {
    concat(vm, args, "iconcat", true)
}

/// `PyObject_LengthHint`.
fn op_length_hint(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::positional(vm, &args, 0, "length_hint", 1, 2)?;
    let obj = a[0].clone();
    let default = match a.get(1) {
        None => 0,
        Some(d) => match vm.ssize_arg(d)? {
            Some(n) => n,
            None => {
                return Err(vm.type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    vm.type_name_of(d)
                )))
            }
        },
    };
    let ty = vm.type_of(&obj);
    if vm.type_lookup_static(&ty, "__len__").is_some() {
        match vm.len(&obj) {
            Ok(n) => return Ok(Value::Int(n as i64)),
            Err(e) if vm.err_is(&e, ExcKind::TypeError) => {}
            Err(e) => return Err(e),
        }
    }
    let r = match vm.call_special(&obj, "__length_hint__", &[]) {
        Ok(None) => return Ok(Value::Int(default)),
        Ok(Some(r)) => r,
        Err(e) if vm.err_is(&e, ExcKind::TypeError) => return Ok(Value::Int(default)),
        Err(e) => return Err(e),
    };
    if vm.is_not_implemented(&r) {
        return Ok(Value::Int(default));
    }
    let is_int = matches!(r, Value::Int(_) | Value::Bool(_))
        || matches!(&r, Value::Obj(o) if matches!(o.payload, Payload::Int(_)));
    if !is_int {
        return Err(vm.type_error(format!(
            "__length_hint__ must be an integer, not {}",
            vm.type_name_of(&r)
        )));
    }
    let n = clinic::ssize(vm, &r)?;
    if n < 0 {
        return Err(vm.value_error("__length_hint__() should return >= 0"));
    }
    Ok(Value::Int(n))
}

fn op_call(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(f) = args.pos().first().cloned() else {
        return Err(vm.type_error("call() missing required argument 'obj' (pos 1)"));
    };
    vm.call_args(
        &f,
        Args {
            args: args.args.get(1..).unwrap_or(&[]),
            kwnames: args.kwnames,
        },
    )
}

/// `_compare_digest(a, b)`: equality of two ASCII strs or two bytes-like
/// objects, in time independent of where they differ.
fn op_compare_digest(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = two(vm, &args, "_compare_digest")?;
    let bytes_of = |v: &Value| -> Option<Vec<u8>> {
        match v {
            Value::Obj(o) => match &o.payload {
                Payload::Bytes(b) => Some(b.to_vec()),
                Payload::ByteArray(b) => Some(b.borrow().clone()),
                _ => None,
            },
            _ => None,
        }
    };
    let (x, y) = match (vm.as_str_obj(&a[0]), vm.as_str_obj(&a[1])) {
        (Some(s), Some(t)) => {
            if !s.as_str().is_ascii() || !t.as_str().is_ascii() {
                return Err(
                    vm.type_error("comparing strings with non-ASCII characters is not supported")
                );
            }
            (
                s.as_str().as_bytes().to_vec(),
                t.as_str().as_bytes().to_vec(),
            )
        }
        _ => match (bytes_of(&a[0]), bytes_of(&a[1])) {
            (Some(x), Some(y)) => (x, y),
            _ => {
                return Err(vm.type_error(format!(
                    "unsupported operand types(s) or combination of types: '{}' and '{}'",
                    vm.type_name_of(&a[0]),
                    vm.type_name_of(&a[1])
                )))
            }
        },
    };
    // Constant time in the length of `y`, as CPython's tscmp.
    let mut diff = u8::from(x.len() != y.len());
    for (i, b) in y.iter().enumerate() {
        let l = x.get(i).copied().unwrap_or(*b ^ 1);
        diff |= l ^ b;
    }
    Ok(Value::bool(diff == 0))
}

/// itemgetter / attrgetter / methodcaller state.
enum Getter {
    Item(Vec<Value>),
    /// Each attribute as its dotted parts (interned), plus the names given.
    Attr(Vec<Vec<PyRef>>, Vec<Value>),
    Method {
        name: Value,
        args: Vec<Value>,
        kwnames: Vec<PyRef>,
    },
}

impl NativeData for Getter {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        match self {
            Getter::Item(v) | Getter::Attr(_, v) => v.iter().for_each(visit),
            Getter::Method { name, args, .. } => {
                visit(name);
                args.iter().for_each(visit)
            }
        }
    }
}

fn getter<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a Getter> {
    vm.native::<Getter>(v)
        .ok_or_else(|| vm.type_error("descriptor requires an operator getter object"))
}

fn itemgetter_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = clinic::cls_arg(vm, &args, "itemgetter")?;
    if args.has_kwargs() {
        return Err(vm.type_error("itemgetter() takes no keyword arguments"));
    }
    let items = args.pos().get(1..).unwrap_or(&[]).to_vec();
    if items.is_empty() {
        return Err(vm.type_error("itemgetter expected 1 argument, got 0"));
    }
    Ok(Value::Obj(vm.new_native(&cls, Getter::Item(items))))
}

fn attrgetter_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = clinic::cls_arg(vm, &args, "attrgetter")?;
    if args.has_kwargs() {
        return Err(vm.type_error("attrgetter() takes no keyword arguments"));
    }
    let names = args.pos().get(1..).unwrap_or(&[]).to_vec();
    if names.is_empty() {
        return Err(vm.type_error("attrgetter expected 1 argument, got 0"));
    }
    let mut parts = Vec::with_capacity(names.len());
    for n in &names {
        let Some(s) = vm.as_str_obj(n).map(|s| s.as_str().to_string()) else {
            return Err(vm.type_error("attribute name must be a string"));
        };
        parts.push(s.split('.').map(|p| vm.intern(p)).collect());
    }
    Ok(Value::Obj(vm.new_native(&cls, Getter::Attr(parts, names))))
}

fn methodcaller_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = clinic::cls_arg(vm, &args, "methodcaller")?;
    let pos = args.pos().get(1..).unwrap_or(&[]);
    let Some(name) = pos.first().cloned() else {
        return Err(vm.type_error("methodcaller needs at least one argument, the method name"));
    };
    if vm.as_str_obj(&name).is_none() {
        return Err(vm.type_error("method name must be a string"));
    }
    let mut margs: Vec<Value> = pos.get(1..).unwrap_or(&[]).to_vec();
    margs.extend(args.kwargs().map(|(_, v)| v.clone()));
    let g = Getter::Method {
        name,
        args: margs,
        kwnames: args.kwnames.to_vec(),
    };
    Ok(Value::Obj(vm.new_native(&cls, g)))
}

fn getter_call(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let g = getter(vm, &s)?;
    let name = match g {
        Getter::Item(_) => "itemgetter",
        Getter::Attr(..) => "attrgetter",
        Getter::Method { .. } => "methodcaller",
    };
    let a = clinic::positional(vm, &args, 1, name, 1, 1)?;
    let obj = a[0].clone();
    match g {
        Getter::Item(items) => {
            if let [k] = items.as_slice() {
                return vm.getitem(&obj, k);
            }
            let mut out = Vec::with_capacity(items.len());
            for k in items {
                out.push(vm.getitem(&obj, k)?);
            }
            Ok(vm.new_tuple(out))
        }
        Getter::Attr(parts, _) => {
            let mut out = Vec::with_capacity(parts.len());
            for dotted in parts {
                let mut v = obj.clone();
                for p in dotted {
                    v = vm.getattr(&v, p)?;
                }
                out.push(v);
            }
            if out.len() == 1 {
                return Ok(out.pop().unwrap_or(Value::None));
            }
            Ok(vm.new_tuple(out))
        }
        Getter::Method {
            name,
            args: margs,
            kwnames,
        } => {
            let n = vm.intern(vm.as_str_obj(name).map_or("", |s| s.as_str()));
            let m = vm.getattr(&obj, &n)?;
            vm.call_args(
                &m,
                Args {
                    args: margs,
                    kwnames,
                },
            )
        }
    }
}

fn getter_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let g = getter(vm, &s)?;
    let Value::Obj(so) = &s else {
        return Ok(vm.new_str(""));
    };
    let cls = vm.qualified_type_name(&vm.type_of(&s));
    if !vm.repr_enter(so) {
        return Ok(vm.new_string(format!("{cls}(...)")));
    }
    let r = (|| -> PyResult<String> {
        let parts: Vec<String> = match g {
            Getter::Item(v) | Getter::Attr(_, v) => {
                let mut out = Vec::new();
                for x in v {
                    out.push(vm.repr(x)?);
                }
                out
            }
            Getter::Method {
                name,
                args: margs,
                kwnames,
            } => {
                let mut out = vec![vm.repr(name)?];
                let npos = margs.len() - kwnames.len().min(margs.len());
                for (i, x) in margs.iter().enumerate() {
                    let r = vm.repr(x)?;
                    out.push(match i.checked_sub(npos).and_then(|k| kwnames.get(k)) {
                        Some(k) => format!("{}={r}", str_of(k)),
                        None => r,
                    });
                }
                out
            }
        };
        Ok(format!("{cls}({})", parts.join(", ")))
    })();
    vm.repr_leave(so);
    let r = r?;
    Ok(vm.new_string(r))
}

fn getter_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let g = getter(vm, &s)?;
    let cls = Value::Obj(vm.type_of(&s));
    let cargs = match g {
        Getter::Item(v) | Getter::Attr(_, v) => vm.new_tuple(v.clone()),
        Getter::Method {
            name,
            args: margs,
            kwnames,
        } => {
            if !kwnames.is_empty() {
                // CPython: (functools.partial(methodcaller, name, **kwds), args).
                let npos = margs.len() - kwnames.len().min(margs.len());
                let (pos, kwvals) = margs.split_at(npos);
                let (pos, kwvals, kwnames) = (pos.to_vec(), kwvals.to_vec(), kwnames.clone());
                let name = name.clone();
                let functools = vm.import_by_name("functools")?;
                let partial = vm.getattr_str(&functools, "partial")?;
                let mut cargs = vec![cls, name];
                cargs.extend(kwvals);
                let ctor = vm.call_args(
                    &partial,
                    Args {
                        args: &cargs,
                        kwnames: &kwnames,
                    },
                )?;
                let pos = vm.new_tuple(pos);
                return Ok(vm.new_tuple_of([ctor, pos]));
            }
            let mut v = vec![name.clone()];
            v.extend(margs.iter().cloned());
            vm.new_tuple(v)
        }
    };
    Ok(vm.new_tuple_of([cls, cargs]))
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_operator");
    let funcs: &[(&'static str, NativeFn)] = &[
        ("lt", op_lt),
        ("le", op_le),
        ("eq", op_eq),
        ("ne", op_ne),
        ("ge", op_ge),
        ("gt", op_gt),
        ("not_", op_not),
        ("truth", op_truth),
        ("is_", op_is),
        ("is_not", op_is_not),
        ("abs", op_abs),
        ("add", op_add),
        ("and_", op_and),
        ("floordiv", op_floordiv),
        ("index", op_index),
        ("inv", op_inv),
        ("invert", op_invert),
        ("lshift", op_lshift),
        ("mod", op_mod),
        ("mul", op_mul),
        ("matmul", op_matmul),
        ("neg", op_neg),
        ("or_", op_or),
        ("pos", op_pos),
        ("pow", op_pow),
        ("rshift", op_rshift),
        ("sub", op_sub),
        ("truediv", op_truediv),
        ("xor", op_xor),
        ("concat", op_concat),
        ("contains", op_contains),
        ("countOf", op_count_of),
        ("delitem", op_delitem),
        ("getitem", op_getitem),
        ("indexOf", op_index_of),
        ("setitem", op_setitem),
        ("length_hint", op_length_hint),
        ("call", op_call),
        ("iadd", op_iadd),
        ("iand", op_iand),
        ("iconcat", op_iconcat),
        ("ifloordiv", op_ifloordiv),
        ("ilshift", op_ilshift),
        ("imod", op_imod),
        ("imul", op_imul),
        ("imatmul", op_imatmul),
        ("ior", op_ior),
        ("ipow", op_ipow),
        ("irshift", op_irshift),
        ("isub", op_isub),
        ("itruediv", op_itruediv),
        ("ixor", op_ixor),
        ("_compare_digest", op_compare_digest),
    ];
    vm.add_functions(&m, funcs);
    let object = vm.types.object.clone();
    for (name, new) in [
        ("itemgetter", itemgetter_new as NativeFn),
        ("attrgetter", attrgetter_new),
        ("methodcaller", methodcaller_new),
    ] {
        let t = vm.new_native_type(
            "operator",
            name,
            &object,
            Layout::Native("getter"),
            FLAG_BASETYPE,
        );
        vm.add_staticmethods(&t, &[("__new__", new)]);
        vm.add_methods(
            &t,
            &[
                ("__call__", getter_call),
                ("__repr__", getter_repr),
                ("__reduce__", getter_reduce),
            ],
        );
        vm.set_attr_raw(&m, name, Value::Obj(t));
    }
    let doc = vm.new_str("Operator interface.\n\nThis module exports a set of functions implemented in C corresponding\nto the intrinsic operators of Python.  For example, operator.add(x, y)\nis equivalent to the expression x+y.  The function names are those\nused for special methods; variants without leading and trailing\n'__' are also provided for convenience.");
    vm.set_attr_raw(&m, "__doc__", doc);
    Ok(m)
}
