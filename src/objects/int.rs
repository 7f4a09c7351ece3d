//! `int` and `bool`: the value helpers, the BINARY_OP fast paths (i64
//! first, then `crate::num::Int`), comparison, and the types' arithmetic
//! dunders. The other methods are in `int_methods.rs`.

use num_bigint::BigInt;

use super::function::Args;
use super::Payload;
use crate::num::{cmp_int_float, Int, IntPow};
use crate::vm::proto::{BinOp, CmpOp};
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

/// The integer value of an int or bool (heap ints included).
pub fn to_bigint(v: &Value) -> Option<BigInt> {
    match v {
        Value::Int(i) => Some(BigInt::from(*i)),
        Value::Bool(b) => Some(BigInt::from(*b as i64)),
        Value::Obj(o) => match &o.payload {
            Payload::Int(b) => Some(b.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The value of an int or bool (subclass instances included) as an
/// [`Int`] in canonical form.
pub fn as_int(v: &Value) -> Option<Int> {
    match v {
        Value::Int(i) => Some(Int::Small(*i)),
        Value::Bool(b) => Some(Int::Small(*b as i64)),
        Value::Obj(o) => match &o.payload {
            Payload::Int(b) => Some(Int::from_bigint(b.clone())),
            _ => None,
        },
        _ => None,
    }
}

/// The order of two ints (bool and subclasses included) read in place
/// (no copy of a big value); None when one is not an int.
pub fn int_cmp(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    enum View<'a> {
        Small(i64),
        Big(&'a BigInt),
    }
    fn view(v: &Value) -> Option<View<'_>> {
        match v {
            Value::Int(i) => Some(View::Small(*i)),
            Value::Bool(b) => Some(View::Small(*b as i64)),
            Value::Obj(o) => match &o.payload {
                Payload::Int(b) => Some(match num_traits::ToPrimitive::to_i64(b) {
                    Some(i) => View::Small(i),
                    None => View::Big(b),
                }),
                _ => None,
            },
            _ => None,
        }
    }
    Some(match (view(a)?, view(b)?) {
        (View::Small(x), View::Small(y)) => x.cmp(&y),
        (View::Small(x), View::Big(y)) => BigInt::from(x).cmp(y),
        (View::Big(x), View::Small(y)) => x.cmp(&BigInt::from(y)),
        (View::Big(x), View::Big(y)) => x.cmp(y),
    })
}

/// Whether a value is an int (bool and subclasses included).
pub fn is_int(v: &Value) -> bool {
    match v {
        Value::Int(_) | Value::Bool(_) => true,
        Value::Obj(o) => matches!(o.payload, Payload::Int(_)),
        _ => false,
    }
}

fn small(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(*b as i64),
        _ => None,
    }
}

impl Vm {
    /// An int value in canonical form (unboxed when it fits 64 bits).
    pub fn new_bigint(&self, b: BigInt) -> Value {
        self.new_int(Int::from_bigint(b))
    }

    /// An int value from a `num::Int`.
    pub fn new_int(&self, i: Int) -> Value {
        match i {
            Int::Small(i) => Value::Int(i),
            Int::Big(b) => Value::Obj(self.new_obj(&self.types.int, Payload::Int(b))),
        }
    }

    /// An int as f64, with CPython's OverflowError.
    pub fn int_to_f64(&self, v: &Value) -> PyResult<f64> {
        match as_int(v) {
            Some(i) => i.to_f64().map_err(|e| self.num_err(e)),
            None => Err(self.type_error("an integer is required")),
        }
    }

    /// `operator.index(v)` (`PyNumber_Index`) at full precision.
    pub fn index_int(&mut self, v: &Value) -> PyResult<Int> {
        if let Some(i) = as_int(v) {
            return Ok(i);
        }
        match self.call_special(v, "__index__", &[])? {
            Some(r) => match as_int(&r) {
                Some(i) => Ok(i),
                None => Err(self.type_error(format!(
                    "__index__ returned non-int (type {})",
                    self.type_name_of(&r)
                ))),
            },
            None => Err(self.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                self.type_name_of(v)
            ))),
        }
    }
}

/// Whether `v` is an int or bool of the builtin types themselves (not a
/// subclass instance, whose class may override the operators).
fn is_exact_int(vm: &Vm, v: &Value) -> bool {
    match v {
        Value::Int(_) | Value::Bool(_) => true,
        Value::Obj(o) => matches!(o.payload, Payload::Int(_)) && o.class_is(&vm.types.int),
        _ => false,
    }
}

/// `a <op> b` when both are exact ints or bools; None otherwise.
pub fn fast_binop(vm: &mut Vm, a: &Value, b: &Value, op: BinOp) -> Option<PyResult<Value>> {
    if !is_exact_int(vm, a) || !is_exact_int(vm, b) {
        return None;
    }
    binop_values(vm, a, b, op)
}

/// `a <op> b` for any two ints (subclass instances included).
fn binop_values(vm: &mut Vm, a: &Value, b: &Value, op: BinOp) -> Option<PyResult<Value>> {
    if let (Some(x), Some(y)) = (small(a), small(b)) {
        let r = match op {
            BinOp::Add => x.checked_add(y).map(Value::Int),
            BinOp::Sub => x.checked_sub(y).map(Value::Int),
            BinOp::Mul => x.checked_mul(y).map(Value::Int),
            BinOp::And | BinOp::Or | BinOp::Xor => {
                let r = match op {
                    BinOp::And => x & y,
                    BinOp::Or => x | y,
                    _ => x ^ y,
                };
                Some(if matches!((a, b), (Value::Bool(_), Value::Bool(_))) {
                    Value::bool(r != 0)
                } else {
                    Value::Int(r)
                })
            }
            BinOp::FloorDiv | BinOp::Mod if y != 0 && !(x == i64::MIN && y == -1) => {
                let (q, r) = (x / y, x % y);
                let (q, r) = if r != 0 && ((r < 0) != (y < 0)) {
                    (q - 1, r + y)
                } else {
                    (q, r)
                };
                Some(Value::Int(if op == BinOp::FloorDiv { q } else { r }))
            }
            BinOp::TrueDiv
                if y != 0 && x.unsigned_abs() <= (1 << 53) && y.unsigned_abs() <= (1 << 53) =>
            {
                Some(Value::float(x as f64 / y as f64))
            }
            BinOp::Pow if y >= 0 => u32::try_from(y)
                .ok()
                .and_then(|e| x.checked_pow(e))
                .map(Value::Int),
            BinOp::LShift if (0..63).contains(&y) => {
                let r = i128::from(x) << y;
                i64::try_from(r).ok().map(Value::Int)
            }
            BinOp::RShift if y >= 0 => Some(Value::Int(if y >= 64 {
                if x < 0 {
                    -1
                } else {
                    0
                }
            } else {
                x >> y
            })),
            _ => None,
        };
        if let Some(r) = r {
            return Some(Ok(r));
        }
    }
    if op == BinOp::MatMul {
        return None;
    }
    let x = as_int(a)?;
    let y = as_int(b)?;
    Some(int_binop(vm, &x, &y, op))
}

/// `x <op> y` for two ints, through `crate::num`.
pub fn int_binop(vm: &mut Vm, x: &Int, y: &Int, op: BinOp) -> PyResult<Value> {
    let r = match op {
        BinOp::Add => Ok(x.add(y)),
        BinOp::Sub => Ok(x.sub(y)),
        BinOp::Mul => x.mul(y),
        BinOp::And => Ok(x.bitand(y)),
        BinOp::Or => Ok(x.bitor(y)),
        BinOp::Xor => Ok(x.bitxor(y)),
        BinOp::FloorDiv => x.floordiv(y),
        BinOp::Mod => x.modulo(y),
        BinOp::LShift => x.lshift(y),
        BinOp::RShift => x.rshift(y),
        BinOp::TrueDiv => return x.truediv(y).map(Value::float).map_err(|e| vm.num_err(e)),
        BinOp::Pow => {
            return match x.pow(y, None) {
                Ok(IntPow::Int(i)) => Ok(vm.new_int(i)),
                Ok(IntPow::Float(f)) => Ok(Value::float(f)),
                Err(e) => Err(vm.num_err(e)),
            }
        }
        BinOp::MatMul => return Ok(vm.not_implemented()),
    };
    match r {
        Ok(i) => Ok(vm.new_int(i)),
        Err(e) => Err(vm.num_err(e)),
    }
}

/// Exact comparison of an unboxed int or bool with a float (never lossy).
pub fn compare_int_float(a: &Value, b: &Value, op: CmpOp) -> bool {
    let (i, f, flipped) = match (a, b) {
        (Value::Float(f), other) => (small(other).unwrap_or(0), *f, true),
        (other, Value::Float(f)) => (small(other).unwrap_or(0), *f, false),
        _ => return false,
    };
    match cmp_int_float(&Int::Small(i), f.get()) {
        None => op == CmpOp::Ne,
        Some(ord) => op.test(if flipped { ord.reverse() } else { ord }),
    }
}

/// The float value of a float or float-subclass instance.
pub fn float_payload(v: &Value) -> Option<f64> {
    match v {
        Value::Float(f) => Some(f.get()),
        Value::Obj(o) => match &o.payload {
            Payload::Float(f) => Some(*f),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

/// Bind a native method's arguments after `self` to `names`: at most
/// `max_pos` positionally, the rest by keyword (Argument Clinic's rules
/// and messages).
pub(crate) fn bind(
    vm: &Vm,
    fname: &str,
    args: &Args,
    names: &[&str],
    max_pos: usize,
) -> PyResult<Vec<Option<Value>>> {
    let pos = args.pos().get(1..).unwrap_or(&[]);
    let mut out: Vec<Option<Value>> = vec![None; names.len()];
    if pos.len() > max_pos {
        return Err(vm.type_error(if max_pos == 0 {
            format!("{fname}() takes no positional arguments")
        } else {
            format!(
                "{fname}() takes at most {max_pos} positional argument{} ({} given)",
                if max_pos == 1 { "" } else { "s" },
                pos.len()
            )
        }));
    }
    for (slot, v) in out.iter_mut().zip(pos) {
        *slot = Some(v.clone());
    }
    for (k, v) in args.kwargs() {
        let name = crate::vm::proto::str_of(k);
        match names.iter().position(|n| *n == name) {
            Some(i) => {
                if i < pos.len() {
                    return Err(vm.type_error(format!(
                        "argument for {fname}() given by name ('{name}') and position ({})",
                        i + 1
                    )));
                }
                if let Some(slot) = out.get_mut(i) {
                    *slot = Some(v.clone());
                }
            }
            None => {
                return Err(vm.type_error(format!(
                    "'{name}' is an invalid keyword argument for {fname}()"
                )))
            }
        }
    }
    Ok(out)
}

macro_rules! int_binary_methods {
    ($( $fname:ident, $rname:ident, $op:expr ;)*) => {
        $(
            fn $fname(vm: &mut Vm, args: Args) -> PyResult<Value> {
                let (a, b) = (arg(&args, 0), arg(&args, 1));
                if !is_int(&a) || !is_int(&b) {
                    return Ok(vm.not_implemented());
                }
                match binop_values(vm, &a, &b, $op) {
                    Some(r) => r,
                    None => Ok(vm.not_implemented()),
                }
            }
            fn $rname(vm: &mut Vm, args: Args) -> PyResult<Value> {
                let (a, b) = (arg(&args, 0), arg(&args, 1));
                if !is_int(&a) || !is_int(&b) {
                    return Ok(vm.not_implemented());
                }
                match binop_values(vm, &b, &a, $op) {
                    Some(r) => r,
                    None => Ok(vm.not_implemented()),
                }
            }
        )*
    };
}

int_binary_methods! {
    int_add, int_radd, BinOp::Add;
    int_sub, int_rsub, BinOp::Sub;
    int_mul, int_rmul, BinOp::Mul;
    int_floordiv, int_rfloordiv, BinOp::FloorDiv;
    int_truediv, int_rtruediv, BinOp::TrueDiv;
    int_mod, int_rmod, BinOp::Mod;
    int_lshift, int_rlshift, BinOp::LShift;
    int_rshift, int_rrshift, BinOp::RShift;
    int_and, int_rand, BinOp::And;
    int_or, int_ror, BinOp::Or;
    int_xor, int_rxor, BinOp::Xor;
}

/// `int.__pow__(self, other, mod=None)` and `__rpow__`.
fn int_pow_impl(vm: &mut Vm, base: &Value, exp: &Value, m: &Value) -> PyResult<Value> {
    let (Some(x), Some(y)) = (as_int(base), as_int(exp)) else {
        return Ok(vm.not_implemented());
    };
    if m.is_none() {
        return int_binop(vm, &x, &y, BinOp::Pow);
    }
    let Some(z) = as_int(m) else {
        return Ok(vm.not_implemented());
    };
    match x.pow(&y, Some(&z)) {
        Ok(IntPow::Int(i)) => Ok(vm.new_int(i)),
        Ok(IntPow::Float(f)) => Ok(Value::float(f)),
        Err(e) => Err(vm.num_err(e)),
    }
}

fn int_pow(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("__pow__", args, 1, 2)?;
    let m = a.get(1).cloned().unwrap_or(Value::None);
    int_pow_impl(vm, &arg(&args, 0), &arg(&args, 1), &m)
}

fn int_rpow(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("__rpow__", args, 1, 2)?;
    let m = a.get(1).cloned().unwrap_or(Value::None);
    int_pow_impl(vm, &arg(&args, 1), &arg(&args, 0), &m)
}

fn divmod_tuple(vm: &mut Vm, x: &Int, y: &Int) -> PyResult<Value> {
    let (q, r) = x.divmod(y).map_err(|e| vm.num_err(e))?;
    let (q, r) = (vm.new_int(q), vm.new_int(r));
    Ok(vm.new_tuple_of([q, r]))
}

fn int_divmod(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match (as_int(&arg(&args, 0)), as_int(&arg(&args, 1))) {
        (Some(x), Some(y)) => divmod_tuple(vm, &x, &y),
        _ => Ok(vm.not_implemented()),
    }
}

fn int_rdivmod(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match (as_int(&arg(&args, 0)), as_int(&arg(&args, 1))) {
        (Some(x), Some(y)) => divmod_tuple(vm, &y, &x),
        _ => Ok(vm.not_implemented()),
    }
}

/// The int value of `self` for a method of int.
pub(crate) fn self_int(vm: &Vm, args: &Args, name: &str) -> PyResult<Int> {
    let v = arg(args, 0);
    as_int(&v).ok_or_else(|| {
        vm.type_error(format!(
            "descriptor '{name}' requires a 'int' object but received a '{}'",
            vm.type_name_of(&v)
        ))
    })
}

fn int_richcmp(vm: &mut Vm, args: Args, op: CmpOp) -> PyResult<Value> {
    let x = self_int(vm, &args, op.dunder())?;
    // Like CPython's long_richcompare, only ints: a float's own
    // comparison handles int operands.
    match as_int(&arg(&args, 1)) {
        Some(y) => Ok(Value::bool(op.test(x.cmp(&y)))),
        None => Ok(vm.not_implemented()),
    }
}

macro_rules! cmp_methods {
    ($($name:ident, $op:ident;)*) => {
        $( fn $name(vm: &mut Vm, args: Args) -> PyResult<Value> { int_richcmp(vm, args, CmpOp::$op) } )*
    };
}
cmp_methods! { int_lt, Lt; int_le, Le; int_eq, Eq; int_ne, Ne; int_gt, Gt; int_ge, Ge; }

/// The bitwise operators of bool: bool when both sides are bools.
fn bool_bitop(vm: &mut Vm, args: Args, op: BinOp, reflected: bool) -> PyResult<Value> {
    let (a, b) = (arg(&args, 0), arg(&args, 1));
    let (a, b) = if reflected { (b, a) } else { (a, b) };
    if !is_int(&a) || !is_int(&b) {
        return Ok(vm.not_implemented());
    }
    match binop_values(vm, &a, &b, op) {
        Some(r) => r,
        None => Ok(vm.not_implemented()),
    }
}

fn bool_and(vm: &mut Vm, args: Args) -> PyResult<Value> {
    bool_bitop(vm, args, BinOp::And, false)
}
fn bool_rand(vm: &mut Vm, args: Args) -> PyResult<Value> {
    bool_bitop(vm, args, BinOp::And, true)
}
fn bool_or(vm: &mut Vm, args: Args) -> PyResult<Value> {
    bool_bitop(vm, args, BinOp::Or, false)
}
fn bool_ror(vm: &mut Vm, args: Args) -> PyResult<Value> {
    bool_bitop(vm, args, BinOp::Or, true)
}
fn bool_xor(vm: &mut Vm, args: Args) -> PyResult<Value> {
    bool_bitop(vm, args, BinOp::Xor, false)
}
fn bool_rxor(vm: &mut Vm, args: Args) -> PyResult<Value> {
    bool_bitop(vm, args, BinOp::Xor, true)
}

fn bool_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match arg(&args, 0) {
        Value::Bool(b) => Ok(vm.new_str(if b.get() { "True" } else { "False" })),
        v => Err(vm.type_error(format!(
            "descriptor '__repr__' requires a 'bool' object but received a '{}'",
            vm.type_name_of(&v)
        ))),
    }
}

pub fn install(vm: &mut Vm) {
    let t = vm.types.int.clone();
    vm.add_methods(
        &t,
        &[
            ("__add__", int_add),
            ("__radd__", int_radd),
            ("__sub__", int_sub),
            ("__rsub__", int_rsub),
            ("__mul__", int_mul),
            ("__rmul__", int_rmul),
            ("__floordiv__", int_floordiv),
            ("__rfloordiv__", int_rfloordiv),
            ("__truediv__", int_truediv),
            ("__rtruediv__", int_rtruediv),
            ("__mod__", int_mod),
            ("__rmod__", int_rmod),
            ("__divmod__", int_divmod),
            ("__rdivmod__", int_rdivmod),
            ("__pow__", int_pow),
            ("__rpow__", int_rpow),
            ("__lshift__", int_lshift),
            ("__rlshift__", int_rlshift),
            ("__rshift__", int_rshift),
            ("__rrshift__", int_rrshift),
            ("__and__", int_and),
            ("__rand__", int_rand),
            ("__or__", int_or),
            ("__ror__", int_ror),
            ("__xor__", int_xor),
            ("__rxor__", int_rxor),
            ("__lt__", int_lt),
            ("__le__", int_le),
            ("__eq__", int_eq),
            ("__ne__", int_ne),
            ("__gt__", int_gt),
            ("__ge__", int_ge),
        ],
    );
    super::int_methods::install(vm);
    vm.add_staticmethods(&t, &[("__new__", crate::builtins::convert::int_new)]);
    let b = vm.types.bool_.clone();
    vm.add_methods(
        &b,
        &[
            ("__and__", bool_and),
            ("__rand__", bool_rand),
            ("__or__", bool_or),
            ("__ror__", bool_ror),
            ("__xor__", bool_xor),
            ("__rxor__", bool_rxor),
            ("__repr__", bool_repr),
        ],
    );
    vm.add_staticmethods(&b, &[("__new__", crate::builtins::convert::bool_new)]);
}
