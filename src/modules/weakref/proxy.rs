//! `weakref.ProxyType` / `weakref.CallableProxyType`: every operation on a
//! proxy is done on its referent (other proxy operands are unwrapped too);
//! a dead proxy raises ReferenceError.

use crate::objects::exception::ExcKind;
use crate::objects::function::{Args, NativeFn};
use crate::objects::typeobj::{type_data, Layout, FLAG_CUSTOM_GETATTRIBUTE, FLAG_CUSTOM_SETATTR};
use crate::objects::weakref::{data_of, WeakKind};
use crate::vm::proto::BinOp;
use crate::vm::proto::CmpOp;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The referent of `v` if it is a proxy (ReferenceError if dead), else `v`.
fn unwrap(vm: &Vm, v: &Value) -> PyResult<Value> {
    if let Value::Obj(o) = v {
        if let Some(d) = data_of(o) {
            if d.kind != WeakKind::Ref {
                return match d.get() {
                    Some(t) => Ok(Value::Obj(t)),
                    None => Err(vm.new_error(
                        ExcKind::ReferenceError,
                        "weakly-referenced object no longer exists",
                    )),
                };
            }
        }
    }
    Ok(v.clone())
}

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

fn me(vm: &Vm, args: &Args) -> PyResult<Value> {
    unwrap(vm, &arg(args, 0))
}

fn call_builtin(vm: &mut Vm, name: &str, args: &[Value]) -> PyResult<Value> {
    let b = vm.builtins.clone();
    match vm.get_attr_raw(&b, name) {
        Some(f) => vm.call(&f, args),
        None => Err(vm.system_error(format!("no builtin {name}"))),
    }
}

fn name_arg(vm: &Vm, v: &Value) -> PyResult<PyRef> {
    match v {
        Value::Obj(o) if vm.as_str_obj(v).is_some() => Ok(o.clone()),
        _ => Err(vm.type_error(format!(
            "attribute name must be string, not '{}'",
            vm.type_name_of(v)
        ))),
    }
}

fn proxy_getattribute(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = me(vm, &args)?;
    let n = name_arg(vm, &arg(&args, 1))?;
    vm.getattr(&r, &n)
}

fn proxy_setattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = me(vm, &args)?;
    let n = name_arg(vm, &arg(&args, 1))?;
    vm.setattr(&r, &n, Some(arg(&args, 2)))?;
    Ok(Value::None)
}

fn proxy_delattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = me(vm, &args)?;
    let n = name_arg(vm, &arg(&args, 1))?;
    vm.setattr(&r, &n, None)?;
    Ok(Value::None)
}

/// `<weakproxy at 0x.. to C at 0x..>` (dead: `to NoneType at ..`).
fn proxy_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Value::Obj(o) = arg(&args, 0) else {
        return Err(vm.type_error("bad proxy"));
    };
    let target = data_of(&o).and_then(|d| d.get());
    let addr = |p: usize| format!("0x{p:x}");
    let me_addr = addr(crate::objects::rc::Rc::as_ptr(&o) as *const u8 as usize);
    let s = match target {
        Some(t) => {
            let tname = vm.type_name(&vm.type_of(&Value::Obj(t.clone())));
            format!(
                "<weakproxy at {me_addr} to {tname} at {}>",
                addr(crate::objects::rc::Rc::as_ptr(&t) as *const u8 as usize)
            )
        }
        None => format!("<weakproxy at {me_addr} to NoneType at 0x0>"),
    };
    Ok(vm.new_string(s))
}

fn proxy_str(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = me(vm, &args)?;
    vm.str_value(&r)
}

fn proxy_call(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = me(vm, &args)?;
    let rest = Args {
        args: args.args.get(1..).unwrap_or(&[]),
        kwnames: args.kwnames,
    };
    vm.call_args(&r, rest)
}

fn proxy_bool(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = me(vm, &args)?;
    Ok(Value::bool(vm.truthy(&r)?))
}

fn compare(vm: &mut Vm, args: Args, op: CmpOp) -> PyResult<Value> {
    let a = me(vm, &args)?;
    let b = unwrap(vm, &arg(&args, 1))?;
    vm.richcompare(&a, &b, op)
}

macro_rules! cmp_fns {
    ($($f:ident => $op:expr),* $(,)?) => {
        $(fn $f(vm: &mut Vm, args: Args) -> PyResult<Value> { compare(vm, args, $op) })*
    };
}
cmp_fns!(proxy_eq => CmpOp::Eq, proxy_ne => CmpOp::Ne, proxy_lt => CmpOp::Lt,
         proxy_le => CmpOp::Le, proxy_gt => CmpOp::Gt, proxy_ge => CmpOp::Ge);

/// `how`: 0 = `self op other`, 1 = reflected, 2 = in place.
fn binop(vm: &mut Vm, args: Args, op: BinOp, how: u8) -> PyResult<Value> {
    let a = me(vm, &args)?;
    let b = unwrap(vm, &arg(&args, 1))?;
    match how {
        1 => vm.binary_op(&b, &a, op, false),
        2 => vm.binary_op(&a, &b, op, true),
        _ => vm.binary_op(&a, &b, op, false),
    }
}

macro_rules! bin_fns {
    ($($name:literal: $f:ident, $rf:ident, $inf:ident => $op:expr);* $(;)?) => {
        $(
            fn $f(vm: &mut Vm, args: Args) -> PyResult<Value> { binop(vm, args, $op, 0) }
            fn $rf(vm: &mut Vm, args: Args) -> PyResult<Value> { binop(vm, args, $op, 1) }
            fn $inf(vm: &mut Vm, args: Args) -> PyResult<Value> { binop(vm, args, $op, 2) }
        )*
        const BINOPS: &[(&str, NativeFn)] = &[
            $(
                (concat!("__", $name, "__"), $f),
                (concat!("__r", $name, "__"), $rf),
                (concat!("__i", $name, "__"), $inf),
            )*
        ];
    };
}
bin_fns!(
    "add": proxy_add, proxy_radd, proxy_iadd => BinOp::Add;
    "sub": proxy_sub, proxy_rsub, proxy_isub => BinOp::Sub;
    "mul": proxy_mul, proxy_rmul, proxy_imul => BinOp::Mul;
    "matmul": proxy_matmul, proxy_rmatmul, proxy_imatmul => BinOp::MatMul;
    "truediv": proxy_truediv, proxy_rtruediv, proxy_itruediv => BinOp::TrueDiv;
    "floordiv": proxy_floordiv, proxy_rfloordiv, proxy_ifloordiv => BinOp::FloorDiv;
    "mod": proxy_mod, proxy_rmod, proxy_imod => BinOp::Mod;
    "pow": proxy_pow, proxy_rpow, proxy_ipow => BinOp::Pow;
    "lshift": proxy_lshift, proxy_rlshift, proxy_ilshift => BinOp::LShift;
    "rshift": proxy_rshift, proxy_rrshift, proxy_irshift => BinOp::RShift;
    "and": proxy_and, proxy_rand, proxy_iand => BinOp::And;
    "or": proxy_or, proxy_ror, proxy_ior => BinOp::Or;
    "xor": proxy_xor, proxy_rxor, proxy_ixor => BinOp::Xor;
);

fn proxy_neg(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = me(vm, &args)?;
    vm.unary_op(&r, "__neg__", "-")
}

fn proxy_pos(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = me(vm, &args)?;
    vm.unary_op(&r, "__pos__", "+")
}

fn proxy_invert(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = me(vm, &args)?;
    vm.unary_op(&r, "__invert__", "~")
}

macro_rules! builtin_fns {
    ($($f:ident => $name:expr),* $(,)?) => {
        $(fn $f(vm: &mut Vm, args: Args) -> PyResult<Value> {
            let r = me(vm, &args)?;
            call_builtin(vm, $name, &[r])
        })*
    };
}
builtin_fns!(proxy_abs => "abs", proxy_int => "int", proxy_float => "float",
             proxy_iter => "iter");

fn proxy_divmod(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args)?;
    let b = unwrap(vm, &arg(&args, 1))?;
    vm.divmod(&a, &b)
}

fn proxy_rdivmod(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = me(vm, &args)?;
    let b = unwrap(vm, &arg(&args, 1))?;
    vm.divmod(&b, &a)
}

fn proxy_index(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = me(vm, &args)?;
    match vm.call_special(&r, "__index__", &[])? {
        Some(v) => Ok(v),
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(&r)
        ))),
    }
}

fn proxy_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = me(vm, &args)?;
    Ok(Value::Int(vm.len(&r)? as i64))
}

fn proxy_contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = me(vm, &args)?;
    let x = unwrap(vm, &arg(&args, 1))?;
    Ok(Value::bool(vm.contains(&r, &x)?))
}

fn proxy_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = me(vm, &args)?;
    let k = unwrap(vm, &arg(&args, 1))?;
    vm.getitem(&r, &k)
}

fn proxy_setitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = me(vm, &args)?;
    let k = unwrap(vm, &arg(&args, 1))?;
    let v = unwrap(vm, &arg(&args, 2))?;
    vm.setitem(&r, k, v)?;
    Ok(Value::None)
}

fn proxy_delitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = me(vm, &args)?;
    let k = unwrap(vm, &arg(&args, 1))?;
    vm.delitem(&r, k)?;
    Ok(Value::None)
}

fn proxy_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = me(vm, &args)?;
    match vm.next(&r)? {
        Some(v) => Ok(v),
        None => Err(vm.new_error_noargs(ExcKind::StopIteration)),
    }
}

fn proxy_bytes(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = me(vm, &args)?;
    vm.call_method(&r, "__bytes__", &[])
}

fn proxy_reversed(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = me(vm, &args)?;
    vm.call_method(&r, "__reversed__", &[])
}

const METHODS: &[(&str, NativeFn)] = &[
    ("__getattribute__", proxy_getattribute),
    ("__setattr__", proxy_setattr),
    ("__delattr__", proxy_delattr),
    ("__repr__", proxy_repr),
    ("__str__", proxy_str),
    ("__bool__", proxy_bool),
    ("__eq__", proxy_eq),
    ("__ne__", proxy_ne),
    ("__lt__", proxy_lt),
    ("__le__", proxy_le),
    ("__gt__", proxy_gt),
    ("__ge__", proxy_ge),
    ("__neg__", proxy_neg),
    ("__pos__", proxy_pos),
    ("__invert__", proxy_invert),
    ("__abs__", proxy_abs),
    ("__int__", proxy_int),
    ("__float__", proxy_float),
    ("__index__", proxy_index),
    ("__divmod__", proxy_divmod),
    ("__rdivmod__", proxy_rdivmod),
    ("__len__", proxy_len),
    ("__contains__", proxy_contains),
    ("__getitem__", proxy_getitem),
    ("__setitem__", proxy_setitem),
    ("__delitem__", proxy_delitem),
    ("__iter__", proxy_iter),
    ("__next__", proxy_next),
    ("__bytes__", proxy_bytes),
    ("__reversed__", proxy_reversed),
];

/// (ProxyType, CallableProxyType).
pub(super) fn make_types(vm: &mut Vm) -> (PyRef, PyRef) {
    let object = vm.types.object.clone();
    let mut out = Vec::new();
    for (name, callable) in [("ProxyType", false), ("CallableProxyType", true)] {
        let t = vm.new_native_type("weakref", name, &object, Layout::Native("weakproxy"), 0);
        vm.add_methods(&t, METHODS);
        vm.add_methods(&t, BINOPS);
        if callable {
            vm.add_methods(&t, &[("__call__", proxy_call)]);
        }
        vm.add_type_attr(&t, "__hash__", Value::None);
        if let Some(td) = type_data(&t) {
            td.flags
                .set(td.flags.get() | FLAG_CUSTOM_GETATTRIBUTE | FLAG_CUSTOM_SETATTR);
        }
        out.push(t);
    }
    let c = out.pop().unwrap_or_else(|| object.clone());
    let p = out.pop().unwrap_or(object);
    (p, c)
}
