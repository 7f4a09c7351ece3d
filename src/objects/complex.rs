//! `complex`: the constructor (numbers and strings), arithmetic through
//! `crate::num` mixing with ints and floats, and the type's methods
//! (Objects/complexobject.c).

use crate::objects::rc::Rc;

use super::function::Args;
use super::int::{arg, as_int, bind, float_payload};
use super::Payload;
use crate::num::{self, Complex};
use crate::vm::proto::CmpOp;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The value of a complex (or complex subclass instance).
pub fn complex_of(v: &Value) -> Option<Complex> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Complex(re, im) => Some(Complex::new(*re, *im)),
            _ => None,
        },
        _ => None,
    }
}

/// A complex view of a complex, float or int operand (None for others).
fn to_complex(vm: &Vm, v: &Value) -> Option<PyResult<Complex>> {
    if let Some(c) = complex_of(v) {
        return Some(Ok(c));
    }
    if let Some(f) = float_payload(v) {
        return Some(Ok(Complex::new(f, 0.0)));
    }
    let i = as_int(v)?;
    Some(
        i.to_f64()
            .map(|f| Complex::new(f, 0.0))
            .map_err(|e| vm.num_err(e)),
    )
}

fn complex_value(vm: &Vm, c: Complex) -> Value {
    vm.new_complex(c.re, c.im)
}

/// `self` and `other` of a binary method (None: NotImplemented).
fn operands(vm: &Vm, args: &Args) -> Option<PyResult<(Complex, Complex)>> {
    let a = match to_complex(vm, &arg(args, 0))? {
        Ok(a) => a,
        Err(e) => return Some(Err(e)),
    };
    match to_complex(vm, &arg(args, 1))? {
        Ok(b) => Some(Ok((a, b))),
        Err(e) => Some(Err(e)),
    }
}

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

fn apply(vm: &Vm, a: Complex, b: Complex, op: Op) -> PyResult<Value> {
    let r = match op {
        Op::Add => Ok(num::complex_add(a, b)),
        Op::Sub => Ok(num::complex_sub(a, b)),
        Op::Mul => Ok(num::complex_mul(a, b)),
        Op::Div => num::complex_div(a, b),
        Op::Pow => num::complex_pow(a, b),
    };
    match r {
        Ok(c) => Ok(complex_value(vm, c)),
        Err(e) => Err(vm.num_err(e)),
    }
}

fn binary(vm: &mut Vm, args: &Args, op: Op, reflected: bool) -> PyResult<Value> {
    match operands(vm, args) {
        None => Ok(vm.not_implemented()),
        Some(r) => {
            let (a, b) = r?;
            if reflected {
                apply(vm, b, a, op)
            } else {
                apply(vm, a, b, op)
            }
        }
    }
}

macro_rules! complex_binary_methods {
    ($( $fname:ident, $rname:ident, $op:expr ;)*) => {
        $(
            fn $fname(vm: &mut Vm, args: Args) -> PyResult<Value> {
                binary(vm, &args, $op, false)
            }
            fn $rname(vm: &mut Vm, args: Args) -> PyResult<Value> {
                binary(vm, &args, $op, true)
            }
        )*
    };
}

complex_binary_methods! {
    complex_add, complex_radd, Op::Add;
    complex_sub, complex_rsub, Op::Sub;
    complex_mul, complex_rmul, Op::Mul;
    complex_truediv, complex_rtruediv, Op::Div;
}

fn pow_method(vm: &mut Vm, args: Args, name: &str, reflected: bool) -> PyResult<Value> {
    let a = vm.check_args(name, args, 1, 2)?;
    if a.get(1).is_some_and(|m| !m.is_none()) {
        return Err(vm.value_error("complex modulo"));
    }
    binary(vm, &args, Op::Pow, reflected)
}
fn complex_pow(vm: &mut Vm, args: Args) -> PyResult<Value> {
    pow_method(vm, args, "__pow__", false)
}
fn complex_rpow(vm: &mut Vm, args: Args) -> PyResult<Value> {
    pow_method(vm, args, "__rpow__", true)
}

fn self_complex(vm: &Vm, args: &Args, name: &str) -> PyResult<Complex> {
    let v = arg(args, 0);
    complex_of(&v).ok_or_else(|| {
        vm.type_error(format!(
            "descriptor '{name}' requires a 'complex' object but received a '{}'",
            vm.type_name_of(&v)
        ))
    })
}

fn complex_neg(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let z = self_complex(vm, &args, "__neg__")?;
    Ok(complex_value(vm, num::complex_neg(z)))
}
fn complex_pos(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let z = self_complex(vm, &args, "__pos__")?;
    Ok(complex_value(vm, z))
}
fn complex_conjugate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let z = self_complex(vm, &args, "conjugate")?;
    vm.check_args("complex.conjugate", args, 0, 0)?;
    Ok(vm.new_complex(z.re, -z.im))
}
fn complex_complex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = arg(&args, 0);
    let z = self_complex(vm, &args, "__complex__")?;
    vm.check_args("complex.__complex__", args, 0, 0)?;
    match &v {
        Value::Obj(o) if o.class_is(&vm.types.complex) => Ok(v.clone()),
        _ => Ok(complex_value(vm, z)),
    }
}
fn complex_abs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let z = self_complex(vm, &args, "__abs__")?;
    num::complex_abs(z)
        .map(Value::float)
        .map_err(|e| vm.num_err(e))
}
fn complex_bool(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let z = self_complex(vm, &args, "__bool__")?;
    Ok(Value::bool(z.re != 0.0 || z.im != 0.0))
}
fn complex_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let z = self_complex(vm, &args, "__hash__")?;
    let addr = match &arg(&args, 0) {
        Value::Obj(o) => Rc::as_ptr(o) as usize,
        _ => 0,
    };
    Ok(Value::Int(crate::pyhash::hash_complex(z.re, z.im, addr)))
}
fn complex_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let z = self_complex(vm, &args, "__repr__")?;
    Ok(vm.new_string(crate::pyfmt::complex_repr(z.re, z.im)))
}
fn complex_getnewargs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let z = self_complex(vm, &args, "__getnewargs__")?;
    vm.check_args("complex.__getnewargs__", args, 0, 0)?;
    Ok(vm.new_tuple_of([Value::float(z.re), Value::float(z.im)]))
}
fn complex_sizeof(vm: &mut Vm, args: Args) -> PyResult<Value> {
    self_complex(vm, &args, "__sizeof__")?;
    // CPython's complex inherits `object.__sizeof__`.
    vm.check_args("object.__sizeof__", args, 0, 0)?;
    Ok(Value::Int(32))
}
fn complex_format(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("complex.__format__", args, 1, 1)?;
    let this = arg(&args, 0);
    let z = self_complex(vm, &args, "__format__")?;
    let spec = super::float::str_arg(vm, &a[0], "__format__()")?;
    if spec.is_empty() {
        let s = vm.str(&this)?;
        return Ok(vm.new_string(s));
    }
    let name = vm.type_name_of(&this);
    let r = crate::pyfmt::format_complex_as(z.re, z.im, spec, &name).map_err(|e| vm.fmt_err(e))?;
    Ok(vm.new_string(r))
}

/// `complex_richcompare`: only `==` and `!=`; ints compare exactly.
fn complex_richcmp(vm: &mut Vm, args: Args, op: CmpOp) -> PyResult<Value> {
    let z = self_complex(vm, &args, op.dunder())?;
    if !matches!(op, CmpOp::Eq | CmpOp::Ne) {
        return Ok(vm.not_implemented());
    }
    let other = arg(&args, 1);
    let equal = if let Some(i) = as_int(&other) {
        z.im == 0.0 && num::eq_int_float(&i, z.re)
    } else if let Some(f) = float_payload(&other) {
        z.re == f && z.im == 0.0
    } else if let Some(w) = complex_of(&other) {
        num::complex_eq(z, w)
    } else {
        return Ok(vm.not_implemented());
    };
    Ok(Value::bool(equal == (op == CmpOp::Eq)))
}
macro_rules! cmp_methods {
    ($($name:ident, $op:ident;)*) => {
        $( fn $name(vm: &mut Vm, args: Args) -> PyResult<Value> { complex_richcmp(vm, args, CmpOp::$op) } )*
    };
}
cmp_methods! { complex_lt, Lt; complex_le, Le; complex_eq, Eq; complex_ne, Ne; complex_gt, Gt; complex_ge, Ge; }

fn get_real(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match complex_of(v) {
        Some(z) => Ok(Value::float(z.re)),
        None => Err(vm.type_error("descriptor requires a 'complex' object")),
    }
}
fn get_imag(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match complex_of(v) {
        Some(z) => Ok(Value::float(z.im)),
        None => Err(vm.type_error("descriptor requires a 'complex' object")),
    }
}

/// The length of the longest prefix of `s` that `PyOS_string_to_double`
/// accepts: sign, digits with an optional point and exponent, or
/// `inf`/`infinity`/`nan` (any case). 0 when there is none.
fn float_prefix(s: &[u8]) -> usize {
    let mut i = 0;
    if matches!(s.first(), Some(b'+' | b'-')) {
        i = 1;
    }
    let rest = s.get(i..).unwrap_or(&[]);
    let lower: Vec<u8> = rest
        .iter()
        .take(8)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    if lower.starts_with(b"infinity") {
        return i + 8;
    }
    if lower.starts_with(b"inf") || lower.starts_with(b"nan") {
        return i + 3;
    }
    let digits = |from: usize| {
        s.get(from..)
            .unwrap_or(&[])
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let int_digits = digits(i);
    i += int_digits;
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        frac_digits = digits(i + 1);
        if int_digits + frac_digits > 0 {
            i += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return 0;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(s.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let e = digits(j);
        if e > 0 {
            i = j + e;
        }
    }
    i
}

/// Parse a float prefix of `s`: (value, length), or None.
fn parse_prefix(s: &[u8]) -> Option<(f64, usize)> {
    let n = float_prefix(s);
    if n == 0 {
        return None;
    }
    let text = std::str::from_utf8(s.get(..n)?).ok()?;
    crate::pyfmt::parse_float(text).ok().map(|f| (f, n))
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

/// `complex_from_string_inner`: the ASCII text of a complex literal.
fn parse_complex_ascii(s: &[u8]) -> Option<Complex> {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut i = 0;
    while i < s.len() && is_space(at(i)) {
        i += 1;
    }
    let mut bracket = false;
    if at(i) == b'(' {
        bracket = true;
        i += 1;
        while i < s.len() && is_space(at(i)) {
            i += 1;
        }
    }
    let (mut x, mut y) = (0.0, 0.0);
    let rest = s.get(i..).unwrap_or(&[]);
    if let Some((z, n)) = parse_prefix(rest) {
        i += n;
        if matches!(at(i), b'+' | b'-') {
            x = z;
            match parse_prefix(s.get(i..).unwrap_or(&[])) {
                Some((v, n)) => {
                    y = v;
                    i += n;
                }
                None => {
                    y = if at(i) == b'+' { 1.0 } else { -1.0 };
                    i += 1;
                }
            }
            if !matches!(at(i), b'j' | b'J') {
                return None;
            }
            i += 1;
        } else if matches!(at(i), b'j' | b'J') {
            i += 1;
            y = z;
        } else {
            x = z;
        }
    } else {
        if matches!(at(i), b'+' | b'-') {
            y = if at(i) == b'+' { 1.0 } else { -1.0 };
            i += 1;
        } else {
            y = 1.0;
        }
        if !matches!(at(i), b'j' | b'J') {
            return None;
        }
        i += 1;
    }
    while i < s.len() && is_space(at(i)) {
        i += 1;
    }
    if bracket {
        if at(i) != b')' {
            return None;
        }
        i += 1;
        while i < s.len() && is_space(at(i)) {
            i += 1;
        }
    }
    (i == s.len()).then_some(Complex::new(x, y))
}

/// Why `complex(s)` failed.
pub enum ComplexParseError {
    /// `complex() arg is a malformed string`.
    Malformed,
    /// A misplaced underscore: `could not convert string to complex: ...`.
    Underscore,
}

/// `complex(s)` for a str: Unicode digits and spaces count as their ASCII
/// forms; underscores only between digits.
pub fn parse_complex(s: &str) -> Result<Complex, ComplexParseError> {
    let mut ascii = Vec::with_capacity(s.len());
    for c in s.chars() {
        let cp = u32::from(c);
        if cp < 128 {
            ascii.push(cp as u8);
        } else if crate::pyfmt::unicode_isspace(cp) {
            ascii.push(b' ');
        } else if let Some(d) = crate::pyfmt::unicode_decimal(cp) {
            ascii.push(b'0' + d as u8);
        } else {
            return Err(ComplexParseError::Malformed);
        }
    }
    if ascii.contains(&0) {
        return Err(ComplexParseError::Malformed);
    }
    let mut clean = Vec::with_capacity(ascii.len());
    for (k, &b) in ascii.iter().enumerate() {
        if b == b'_' {
            let prev_digit = k > 0 && ascii.get(k - 1).is_some_and(|p| p.is_ascii_digit());
            let next_digit = ascii.get(k + 1).is_some_and(|n| n.is_ascii_digit());
            if !prev_digit || !next_digit {
                return Err(ComplexParseError::Underscore);
            }
        } else {
            clean.push(b);
        }
    }
    parse_complex_ascii(&clean).ok_or(ComplexParseError::Malformed)
}

/// Whether a value can be a part of a complex: a number with `__float__`
/// or `__index__`, or a complex.
fn is_number(vm: &mut Vm, v: &Value) -> bool {
    if as_int(v).is_some() || float_payload(v).is_some() || complex_of(v).is_some() {
        return true;
    }
    let ty = vm.type_of(v);
    vm.type_lookup_static(&ty, "__float__").is_some()
        || vm.type_lookup_static(&ty, "__index__").is_some()
}

fn make(vm: &Vm, cls: &PyRef, re: f64, im: f64) -> Value {
    if Rc::ptr_eq(cls, &vm.types.complex) {
        vm.new_complex(re, im)
    } else {
        Value::Obj(vm.new_instance_of(cls, Payload::Complex(re, im)))
    }
}

/// `complex.__new__(cls, real=0, imag=0)`.
pub fn complex_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) if matches!(c.payload, Payload::Type(_)) => c.clone(),
        _ => vm.types.complex.clone(),
    };
    let npos = args.pos().len().saturating_sub(1);
    if npos > 2 {
        return Err(vm.type_error(format!(
            "complex() takes at most 2 arguments ({npos} given)"
        )));
    }
    let mut b = bind(vm, "complex", &args, &["real", "imag"], 2)?.into_iter();
    let (r, i) = (b.next().flatten(), b.next().flatten());
    let Some(mut r) = r else {
        return match i {
            None => Ok(make(vm, &cls, 0.0, 0.0)),
            Some(i) => {
                // complex(imag=x) is 0 + x*1j.
                let zero = Value::Int(0);
                complex_from_parts(vm, &cls, zero, Some(i))
            }
        };
    };
    if let Value::Obj(o) = &r {
        if let Payload::Str(s) = &o.payload {
            if i.is_some() {
                return Err(vm.type_error("complex() can't take second arg if first is a string"));
            }
            return match parse_complex(s.as_str()) {
                Ok(z) => Ok(make(vm, &cls, z.re, z.im)),
                Err(ComplexParseError::Malformed) => {
                    Err(vm.value_error("complex() arg is a malformed string"))
                }
                Err(ComplexParseError::Underscore) => Err(vm.value_error(format!(
                    "could not convert string to complex: {}",
                    crate::pyfmt::str_repr_str(s.as_str())
                ))),
            };
        }
        if o.class_is(&vm.types.complex) && i.is_none() && Rc::ptr_eq(&cls, &vm.types.complex) {
            return Ok(r.clone());
        }
    }
    if let Some(Value::Obj(o)) = &i {
        if matches!(o.payload, Payload::Str(_)) {
            return Err(vm.type_error("complex() second arg can't be a string"));
        }
    }
    if let Some(c) = vm.call_special(&r, "__complex__", &[])? {
        if complex_of(&c).is_none() {
            return Err(vm.type_error(format!(
                "__complex__ returned non-complex (type {})",
                vm.type_name_of(&c)
            )));
        }
        r = c;
    }
    complex_from_parts(vm, &cls, r, i)
}

fn complex_from_parts(vm: &mut Vm, cls: &PyRef, r: Value, i: Option<Value>) -> PyResult<Value> {
    if !is_number(vm, &r) {
        return Err(vm.type_error(format!(
            "complex() first argument must be a string or a number, not '{}'",
            vm.type_name_of(&r)
        )));
    }
    if let Some(iv) = &i {
        if !is_number(vm, iv) {
            return Err(vm.type_error(format!(
                "complex() second argument must be a number, not '{}'",
                vm.type_name_of(iv)
            )));
        }
    }
    let (cr, cr_is_complex) = match complex_of(&r) {
        Some(c) => (c, true),
        None => (Complex::new(vm.to_float(&r)?, 0.0), false),
    };
    let (ci, ci_is_complex) = match &i {
        None => (Complex::new(cr.im, 0.0), false),
        Some(iv) => match complex_of(iv) {
            Some(c) => (c, true),
            None => (Complex::new(vm.to_float(iv)?, 0.0), false),
        },
    };
    let mut re = cr.re;
    let mut im = ci.re;
    if ci_is_complex {
        re -= ci.im;
    }
    if cr_is_complex && i.is_some() {
        im += cr.im;
    }
    Ok(make(vm, cls, re, im))
}

pub fn install(vm: &mut Vm) {
    let t = vm.types.complex.clone();
    vm.add_methods(
        &t,
        &[
            ("__add__", complex_add),
            ("__radd__", complex_radd),
            ("__sub__", complex_sub),
            ("__rsub__", complex_rsub),
            ("__mul__", complex_mul),
            ("__rmul__", complex_rmul),
            ("__truediv__", complex_truediv),
            ("__rtruediv__", complex_rtruediv),
            ("__pow__", complex_pow),
            ("__rpow__", complex_rpow),
            ("__neg__", complex_neg),
            ("__pos__", complex_pos),
            ("__abs__", complex_abs),
            ("__bool__", complex_bool),
            ("__hash__", complex_hash),
            ("__repr__", complex_repr),
            ("__format__", complex_format),
            ("__complex__", complex_complex),
            ("__getnewargs__", complex_getnewargs),
            ("__sizeof__", complex_sizeof),
            ("__lt__", complex_lt),
            ("__le__", complex_le),
            ("__eq__", complex_eq),
            ("__ne__", complex_ne),
            ("__gt__", complex_gt),
            ("__ge__", complex_ge),
            ("conjugate", complex_conjugate),
        ],
    );
    vm.add_getsets(&t, &[("real", get_real, None), ("imag", get_imag, None)]);
    vm.add_staticmethods(&t, &[("__new__", complex_new)]);
}
