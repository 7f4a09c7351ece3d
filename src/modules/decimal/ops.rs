//! The native methods of `Decimal` and `Context` (see mod.rs): each tries
//! its fast path and otherwise calls the Python method it replaced.

use std::cmp::Ordering;

use super::num::{self, Fin, Round};
use super::{fallback, state, CtxV, St};
use crate::objects::function::{Args, NativeFn};
use crate::vm::proto::str_of;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

pub const DECIMAL_METHODS: &[(&str, NativeFn)] = &[
    ("__add__", dec_add),
    ("__radd__", dec_radd),
    ("__sub__", dec_sub),
    ("__rsub__", dec_rsub),
    ("__mul__", dec_mul),
    ("__rmul__", dec_rmul),
    ("__truediv__", dec_truediv),
    ("__rtruediv__", dec_rtruediv),
    ("__neg__", dec_neg),
    ("__pos__", dec_pos),
    ("__abs__", dec_abs),
    ("__eq__", dec_eq),
    ("__lt__", dec_lt),
    ("__le__", dec_le),
    ("__gt__", dec_gt),
    ("__ge__", dec_ge),
    ("__bool__", dec_bool),
    ("__hash__", dec_hash),
    ("__str__", dec_str),
    ("__repr__", dec_repr),
    ("__int__", dec_int),
    ("__trunc__", dec_trunc),
    ("quantize", dec_quantize),
];

pub const CONTEXT_METHODS: &[(&str, NativeFn)] =
    &[("quantize", ctx_quantize), ("__setattr__", ctx_setattr)];

/// `Context.__setattr__`: the shim's, and loaded contexts become stale.
pub fn ctx_setattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm)?;
    st.context_changed();
    let r = fallback(vm, &st, true, "__setattr__", args);
    st.context_changed();
    r
}

/// The arguments after `self`, bound to the parameters `names` (None: a
/// call the fast paths leave alone).
fn bind<const N: usize>(args: &Args, names: [&str; N]) -> Option<[Option<Value>; N]> {
    let rest = args.pos().get(1..)?;
    if rest.len() > N {
        return None;
    }
    let mut out: [Option<Value>; N] = std::array::from_fn(|_| None);
    for (slot, v) in out.iter_mut().zip(rest) {
        *slot = Some(v.clone());
    }
    for (k, v) in args.kwargs() {
        let i = names.iter().position(|n| *n == str_of(k))?;
        let slot = out.get_mut(i)?;
        if slot.is_some() {
            return None;
        }
        *slot = Some(v.clone());
    }
    Some(out)
}

/// The context a method is given (None or absent: the current one).
fn ctx_arg(vm: &mut Vm, st: &St, v: Option<Value>) -> PyResult<Option<CtxV>> {
    match v {
        None | Some(Value::None) => st.current_ctx(vm),
        Some(v) => st.load_ctx(vm, &v),
    }
}

/// Signal and make the result of a fast path.
fn finish(vm: &mut Vm, st: &St, cx: &CtxV, r: Option<(Fin, u8)>) -> PyResult<Option<Value>> {
    let Some((f, flags)) = r else { return Ok(None) };
    if !st.signal(vm, cx, flags)? {
        return Ok(None);
    }
    Ok(Some(st.make(vm, f)))
}

fn self_fin(st: &St, args: &Args) -> Option<Fin> {
    args.args.first().and_then(|s| st.fin(s))
}

#[derive(Clone, Copy)]
enum Bin {
    Add,
    Sub,
    Mul,
    Div,
}

fn fast_binop(
    vm: &mut Vm,
    st: &St,
    args: &Args,
    op: Bin,
    reflected: bool,
) -> PyResult<Option<Value>> {
    let Some([Some(other), ctx]) = bind(args, ["other", "context"]) else {
        return Ok(None);
    };
    let Some(this) = args.args.first() else {
        return Ok(None);
    };
    fast_binop_on(vm, st, this, &other, ctx, op, reflected)
}

/// `this.__op__(other, ctx)` (the reflected method when `reflected`)
/// for finite operands.
fn fast_binop_on(
    vm: &mut Vm,
    st: &St,
    this: &Value,
    other: &Value,
    ctx: Option<Value>,
    op: Bin,
    reflected: bool,
) -> PyResult<Option<Value>> {
    let (Some(a), Some(b)) = (st.fin(this), st.fin_or_int(other)) else {
        return Ok(None);
    };
    let Some(cx) = ctx_arg(vm, st, ctx)? else {
        return Ok(None);
    };
    let (x, y) = if reflected { (b, a) } else { (a, b) };
    let exact = match op {
        Bin::Add => num::add(x, y, &cx.c),
        Bin::Sub => num::add(x, Fin::new(!y.neg, y.coeff, y.exp), &cx.c),
        Bin::Mul => num::mul(x, y),
        Bin::Div => num::div(x, y, &cx.c),
    };
    let r = exact.and_then(|e| num::fix(e, &cx.c));
    finish(vm, st, &cx, r)
}

/// `a <op> b` for `+ - * /` when an operand is an exact Decimal and the
/// other an exact Decimal or an int: the native method CPython's
/// `binary_op1` would call first (`a`'s, or `b`'s reflected one when `a`
/// is an int, whose method declines), straight from the operator. None:
/// the operator's usual path (also when the fast path declines).
pub fn binary_hook(
    vm: &mut Vm,
    a: &Value,
    b: &Value,
    op: crate::vm::proto::BinOp,
) -> Option<PyResult<Value>> {
    use crate::vm::proto::BinOp;
    let heap = |v: &Value| matches!(v, Value::Obj(o) if !o.class_is_static());
    if !heap(a) && !heap(b) {
        return None;
    }
    let bin = match op {
        BinOp::Add => Bin::Add,
        BinOp::Sub => Bin::Sub,
        BinOp::Mul => Bin::Mul,
        BinOp::TrueDiv => Bin::Div,
        _ => return None,
    };
    let st = super::STATE.with(|s| s.borrow().clone())?;
    let dec = |v: &Value| matches!(v, Value::Obj(o) if o.class_is(&st.dec));
    let (this, other, reflected) = match (a, b) {
        (_, Value::Int(_)) if dec(a) => (a, b, false),
        (Value::Int(_), _) if dec(b) => (b, a, true),
        _ if dec(a) && dec(b) => (a, b, false),
        _ => return None,
    };
    if !st.unchanged() {
        return None;
    }
    fast_binop_on(vm, &st, this, other, None, bin, reflected).transpose()
}

fn binop(vm: &mut Vm, args: Args, name: &str, op: Bin, reflected: bool) -> PyResult<Value> {
    let st = state(vm)?;
    if let Some(v) = fast_binop(vm, &st, &args, op, reflected)? {
        return Ok(v);
    }
    fallback(vm, &st, false, name, args)
}

pub fn dec_add(vm: &mut Vm, args: Args) -> PyResult<Value> {
    binop(vm, args, "__add__", Bin::Add, false)
}

pub fn dec_radd(vm: &mut Vm, args: Args) -> PyResult<Value> {
    binop(vm, args, "__radd__", Bin::Add, true)
}

pub fn dec_sub(vm: &mut Vm, args: Args) -> PyResult<Value> {
    binop(vm, args, "__sub__", Bin::Sub, false)
}

pub fn dec_rsub(vm: &mut Vm, args: Args) -> PyResult<Value> {
    binop(vm, args, "__rsub__", Bin::Sub, true)
}

pub fn dec_mul(vm: &mut Vm, args: Args) -> PyResult<Value> {
    binop(vm, args, "__mul__", Bin::Mul, false)
}

pub fn dec_rmul(vm: &mut Vm, args: Args) -> PyResult<Value> {
    binop(vm, args, "__rmul__", Bin::Mul, true)
}

pub fn dec_truediv(vm: &mut Vm, args: Args) -> PyResult<Value> {
    binop(vm, args, "__truediv__", Bin::Div, false)
}

pub fn dec_rtruediv(vm: &mut Vm, args: Args) -> PyResult<Value> {
    binop(vm, args, "__rtruediv__", Bin::Div, true)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Unary {
    Neg,
    Pos,
    Abs,
}

fn fast_unary(vm: &mut Vm, st: &St, args: &Args, op: Unary) -> PyResult<Option<Value>> {
    let ctx = if op == Unary::Abs {
        let Some([round, ctx]) = bind(args, ["round", "context"]) else {
            return Ok(None);
        };
        if round.is_some() {
            return Ok(None);
        }
        ctx
    } else {
        let Some([ctx]) = bind(args, ["context"]) else {
            return Ok(None);
        };
        ctx
    };
    let Some(a) = self_fin(st, args) else {
        return Ok(None);
    };
    let Some(cx) = ctx_arg(vm, st, ctx)? else {
        return Ok(None);
    };
    let negate = match op {
        Unary::Neg => true,
        Unary::Pos => false,
        Unary::Abs => a.neg,
    };
    let neg = if a.coeff == 0 && cx.c.round != Round::Floor {
        false
    } else {
        a.neg != negate
    };
    let r = num::fix(Fin::new(neg, a.coeff, a.exp), &cx.c);
    finish(vm, st, &cx, r)
}

fn unary(vm: &mut Vm, args: Args, name: &str, op: Unary) -> PyResult<Value> {
    let st = state(vm)?;
    if let Some(v) = fast_unary(vm, &st, &args, op)? {
        return Ok(v);
    }
    fallback(vm, &st, false, name, args)
}

pub fn dec_neg(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, args, "__neg__", Unary::Neg)
}

pub fn dec_pos(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, args, "__pos__", Unary::Pos)
}

pub fn dec_abs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, args, "__abs__", Unary::Abs)
}

fn compare(vm: &mut Vm, args: Args, name: &str, pred: fn(Ordering) -> bool) -> PyResult<Value> {
    let st = state(vm)?;
    if let Some([Some(other), _]) = bind(&args, ["other", "context"]) {
        if let (Some(a), Some(b)) = (self_fin(&st, &args), st.fin_or_int(&other)) {
            if let Some(o) = num::cmp(&a, &b) {
                return Ok(Value::bool(pred(o)));
            }
        }
    }
    fallback(vm, &st, false, name, args)
}

pub fn dec_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    compare(vm, args, "__eq__", |o| o == Ordering::Equal)
}

pub fn dec_lt(vm: &mut Vm, args: Args) -> PyResult<Value> {
    compare(vm, args, "__lt__", |o| o == Ordering::Less)
}

pub fn dec_le(vm: &mut Vm, args: Args) -> PyResult<Value> {
    compare(vm, args, "__le__", |o| o != Ordering::Greater)
}

pub fn dec_gt(vm: &mut Vm, args: Args) -> PyResult<Value> {
    compare(vm, args, "__gt__", |o| o == Ordering::Greater)
}

pub fn dec_ge(vm: &mut Vm, args: Args) -> PyResult<Value> {
    compare(vm, args, "__ge__", |o| o != Ordering::Less)
}

pub fn dec_bool(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm)?;
    if args.args.len() == 1 && args.kwnames.is_empty() {
        if let Some((_, digits, _)) = args.args.first().and_then(|s| st.parts(s)) {
            return Ok(Value::bool(!digits.is_zero()));
        }
    }
    fallback(vm, &st, false, "__bool__", args)
}

pub fn dec_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm)?;
    if args.args.len() == 1 && args.kwnames.is_empty() {
        if let Some((neg, digits, Value::Int(exp))) = args.args.first().and_then(|s| st.parts(s)) {
            return Ok(Value::Int(digits.with_text(|t| num::hash(neg, t, exp))));
        }
    }
    fallback(vm, &st, false, "__hash__", args)
}

/// `str(self)` of a finite exact Decimal (None: leave it to Python).
fn fast_str(vm: &mut Vm, st: &St, args: &Args) -> PyResult<Option<String>> {
    if args.args.len() != 1 || !args.kwnames.is_empty() {
        return Ok(None);
    }
    let Some((neg, digits, Value::Int(exp))) = args.args.first().and_then(|s| st.parts(s)) else {
        return Ok(None);
    };
    let Some(s) = digits.with_text(|t| num::to_sci(neg, t, exp, true)) else {
        return Ok(None);
    };
    if !s.contains('E') {
        return Ok(Some(s));
    }
    let ctx = st.current(vm)?;
    let Value::Obj(co) = &ctx else {
        return Ok(None);
    };
    if !co.class_is(&st.ctx_cls) {
        return Ok(None);
    }
    let caps = super::own_attr(vm, co, &st.names.capitals)?;
    Ok(match caps {
        Some(Value::Int(1)) => Some(s),
        Some(Value::Int(0)) => Some(s.replace('E', "e")),
        _ => None,
    })
}

pub fn dec_str(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm)?;
    if let Some(s) = fast_str(vm, &st, &args)? {
        return Ok(vm.new_string(s));
    }
    fallback(vm, &st, false, "__str__", args)
}

pub fn dec_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm)?;
    if let Some(s) = fast_str(vm, &st, &args)? {
        return Ok(vm.new_string(format!("Decimal('{s}')")));
    }
    fallback(vm, &st, false, "__repr__", args)
}

/// `int(self)` of a finite exact Decimal, when it fits an i64.
fn fast_int(st: &St, args: &Args) -> Option<i64> {
    if args.args.len() != 1 || !args.kwnames.is_empty() {
        return None;
    }
    let (neg, digits, exp) = args.args.first().and_then(|s| st.parts(s))?;
    let Value::Int(exp) = exp else { return None };
    let digits = digits.text();
    let mag = if exp >= 0 {
        num::parse_coeff(&digits)?.checked_mul(num::pow10(exp)?)?
    } else {
        let keep = i64::try_from(digits.len()).ok()?.checked_add(exp)?;
        if keep <= 0 {
            0
        } else {
            num::parse_coeff(digits.get(..usize::try_from(keep).ok()?)?)?
        }
    };
    let mag = i64::try_from(mag).ok()?;
    Some(if neg { -mag } else { mag })
}

pub fn dec_int(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm)?;
    if let Some(i) = fast_int(&st, &args) {
        return Ok(Value::Int(i));
    }
    fallback(vm, &st, false, "__int__", args)
}

pub fn dec_trunc(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm)?;
    if let Some(i) = fast_int(&st, &args) {
        return Ok(Value::Int(i));
    }
    fallback(vm, &st, false, "__trunc__", args)
}

/// `a.quantize(exp, rounding, context)` for finite operands.
fn fast_quantize(
    vm: &mut Vm,
    st: &St,
    a: Option<Fin>,
    exp: Option<Value>,
    rounding: Option<Value>,
    cx: Option<CtxV>,
) -> PyResult<Option<Value>> {
    let (Some(a), Some(e), Some(cx)) = (a, exp.as_ref().and_then(|e| st.fin_or_int(e)), cx) else {
        return Ok(None);
    };
    let round = match rounding {
        None | Some(Value::None) => cx.c.round,
        Some(Value::Obj(r)) if r.class_is(&vm.types.str) => match Round::from_name(str_of(&r)) {
            Some(r) => r,
            None => return Ok(None),
        },
        Some(_) => return Ok(None),
    };
    let r = num::quantize(a, e.exp, round, &cx.c);
    finish(vm, st, &cx, r)
}

pub fn dec_quantize(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm)?;
    if let Some([exp, rounding, ctx]) = bind(&args, ["exp", "rounding", "context"]) {
        if let Some(a) = self_fin(&st, &args) {
            let cx = ctx_arg(vm, &st, ctx)?;
            if let Some(v) = fast_quantize(vm, &st, Some(a), exp, rounding, cx)? {
                return Ok(v);
            }
        }
    }
    fallback(vm, &st, false, "quantize", args)
}

pub fn ctx_quantize(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm)?;
    if let Some([Some(a), b]) = bind(&args, ["a", "b"]) {
        if let (Some(fa), Some(ctx)) = (st.fin_or_int(&a), args.args.first()) {
            let cx = st.load_ctx(vm, ctx)?;
            if let Some(v) = fast_quantize(vm, &st, Some(fa), b, None, cx)? {
                return Ok(v);
            }
        }
    }
    fallback(vm, &st, true, "quantize", args)
}

/// `Decimal(value)` for a plain numeric str, an int or an exact Decimal.
fn fast_new(vm: &mut Vm, st: &St, args: &Args) -> Option<Value> {
    if !args.kwnames.is_empty() {
        return None;
    }
    let (cls, value, ctx) = match args.args {
        [c] => (c, None, None),
        [c, v] => (c, Some(v), None),
        [c, v, x] => (c, Some(v), Some(x)),
        _ => return None,
    };
    if !matches!(cls, Value::Obj(c) if crate::objects::rc::Rc::ptr_eq(c, &st.dec)) {
        return None;
    }
    if !matches!(ctx, None | Some(Value::None)) {
        return None;
    }
    let Some(value) = value else {
        let zero = vm.new_str("0");
        return Some(st.make_parts(vm, false, zero, Value::Int(0)));
    };
    match value {
        Value::Int(i) => Some(st.make(vm, Fin::from_i64(*i))),
        Value::Obj(o) if o.class_is(&vm.types.str) => {
            let (neg, digits, exp) = num::parse_str(str_of(o))?;
            let digits = match num::parse_coeff(&digits).map(i64::try_from) {
                Some(Ok(n)) => Value::Int(n),
                _ => vm.new_string(digits),
            };
            Some(st.make_parts(vm, neg, digits, Value::Int(exp)))
        }
        Value::Obj(_) => {
            let (neg, digits, exp) = st.parts(value)?;
            Some(st.make_parts(vm, neg, digits.value(), exp))
        }
        _ => None,
    }
}

pub fn dec_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm)?;
    if let Some(v) = fast_new(vm, &st, &args) {
        return Ok(v);
    }
    fallback(vm, &st, false, "__new__", args)
}
