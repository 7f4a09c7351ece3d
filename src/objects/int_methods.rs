//! The non-operator methods of `int`: unary dunders, conversions,
//! rounding, `__format__`/`__repr__`, `to_bytes`/`from_bytes`, and the
//! `real`/`imag`/`numerator`/`denominator` attributes.

use crate::objects::rc::Rc;

use super::function::Args;
use super::int::{arg, as_int, bind, self_int};
use super::Payload;
use crate::num::{parse_byteorder, Int};
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

fn int_neg(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args, "__neg__")?;
    Ok(vm.new_int(x.neg()))
}
fn int_pos(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args, "__pos__")?;
    Ok(vm.new_int(x))
}
fn int_invert(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args, "__invert__")?;
    Ok(vm.new_int(x.invert()))
}
fn int_abs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args, "__abs__")?;
    Ok(vm.new_int(x.abs()))
}
fn int_bool(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args, "__bool__")?;
    Ok(Value::bool(!x.is_zero()))
}
/// `int(self)`: the exact int (used by `__int__`, `__index__`, `__trunc__`,
/// `__floor__`, `__ceil__`, `conjugate`, `numerator`, `real`).
fn int_int(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args, "__int__")?;
    Ok(vm.new_int(x))
}
/// `int.__trunc__` / `__floor__` / `__ceil__` / `conjugate`: METH_NOARGS.
fn int_noargs_self(vm: &mut Vm, args: Args, name: &str) -> PyResult<Value> {
    let x = self_int(vm, &args, name)?;
    if args.args.len() > 1 || args.has_kwargs() {
        vm.check_args(&format!("int.{name}"), args, 0, 0)?;
    }
    Ok(vm.new_int(x))
}
fn int_trunc(vm: &mut Vm, args: Args) -> PyResult<Value> {
    int_noargs_self(vm, args, "__trunc__")
}
fn int_floor(vm: &mut Vm, args: Args) -> PyResult<Value> {
    int_noargs_self(vm, args, "__floor__")
}
fn int_ceil(vm: &mut Vm, args: Args) -> PyResult<Value> {
    int_noargs_self(vm, args, "__ceil__")
}
fn int_conjugate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    int_noargs_self(vm, args, "conjugate")
}
fn int_float(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args, "__float__")?;
    x.to_f64().map(Value::float).map_err(|e| vm.num_err(e))
}
fn int_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args, "__hash__")?;
    Ok(Value::Int(match x {
        Int::Small(i) => crate::pyhash::hash_i64(i),
        Int::Big(b) => crate::pyhash::hash_bigint(&b),
    }))
}

fn int_round(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("__round__", args, 0, 1)?;
    let x = self_int(vm, &args, "__round__")?;
    match a.first() {
        None => Ok(vm.new_int(x)),
        Some(nd) => {
            let nd = vm.index_int(nd)?;
            Ok(vm.new_int(x.round(&nd)))
        }
    }
}

fn int_bit_length(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args, "bit_length")?;
    vm.check_args("int.bit_length", args, 0, 0)?;
    Ok(vm.new_bigint(x.bit_length().into()))
}
fn int_bit_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args, "bit_count")?;
    vm.check_args("int.bit_count", args, 0, 0)?;
    Ok(vm.new_bigint(x.bit_count().into()))
}
fn int_as_integer_ratio(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args, "as_integer_ratio")?;
    vm.check_args("int.as_integer_ratio", args, 0, 0)?;
    let (n, d) = x.as_integer_ratio();
    let (n, d) = (vm.new_int(n), vm.new_int(d));
    Ok(vm.new_tuple_of([n, d]))
}
fn int_getnewargs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args, "__getnewargs__")?;
    vm.check_args("int.__getnewargs__", args, 0, 0)?;
    let v = vm.new_int(x);
    Ok(vm.new_tuple_of([v]))
}
fn int_sizeof(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args, "__sizeof__")?;
    vm.check_args("int.__sizeof__", args, 0, 0)?;
    let digits = x.bit_length().div_ceil(30).max(1);
    Ok(vm.new_bigint((24 + 4 * digits).into()))
}

/// `str(int)` under the integer string conversion length limit.
pub fn int_decimal(vm: &Vm, x: &Int) -> PyResult<String> {
    match x {
        Int::Small(i) => Ok(i.to_string()),
        Int::Big(b) => crate::pyfmt::int_to_decimal(b, crate::modules::sys::int_max_str_digits())
            .map_err(|e| vm.fmt_err(e)),
    }
}

fn int_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args, "__repr__")?;
    let s = int_decimal(vm, &x)?;
    Ok(vm.new_string(s))
}

fn int_format(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("int.__format__", args, 1, 1)?;
    let this = arg(&args, 0);
    let x = self_int(vm, &args, "__format__")?;
    let spec = match &a[0] {
        Value::Obj(o) if matches!(o.payload, Payload::Str(_)) => crate::vm::proto::str_of(o),
        other => {
            return Err(vm.type_error(format!(
                "__format__() argument must be str, not {}",
                vm.arg_type_name(other)
            )))
        }
    };
    if spec.is_empty() {
        let s = vm.str(&this)?;
        return Ok(vm.new_string(s));
    }
    let name = vm.type_name_of(&this);
    let r = crate::pyfmt::format_int_as(
        &x.to_bigint(),
        spec,
        &name,
        crate::modules::sys::int_max_str_digits(),
    )
    .map_err(|e| vm.fmt_err(e))?;
    Ok(vm.new_string(r))
}

/// The `byteorder` and `signed` arguments of `to_bytes`/`from_bytes`.
fn order_and_sign(
    vm: &mut Vm,
    fname: &str,
    order: Option<Value>,
    signed: Option<Value>,
) -> PyResult<(bool, bool)> {
    let little = match order {
        None => false,
        Some(Value::Obj(o)) if matches!(o.payload, Payload::Str(_)) => {
            parse_byteorder(crate::vm::proto::str_of(&o)).map_err(|e| vm.num_err(e))?
        }
        Some(v) => {
            return Err(vm.type_error(format!(
                "{fname}() argument 'byteorder' must be str, not {}",
                vm.arg_type_name(&v)
            )))
        }
    };
    let signed = match signed {
        None => false,
        Some(v) => vm.truthy(&v)?,
    };
    Ok((little, signed))
}

fn int_to_bytes(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = self_int(vm, &args, "to_bytes")?;
    let mut b = bind(vm, "to_bytes", &args, &["length", "byteorder", "signed"], 2)?.into_iter();
    let (length, order, signed) = (b.next().flatten(), b.next().flatten(), b.next().flatten());
    let length = match length {
        None => 1,
        Some(v) => {
            let n = vm.index_int(&v)?;
            match n.to_i64() {
                Some(n) => n,
                None => {
                    return Err(vm.overflow_error("Python int too large to convert to C ssize_t"))
                }
            }
        }
    };
    let (little, signed) = order_and_sign(vm, "to_bytes", order, signed)?;
    let out = x
        .to_bytes(length, little, signed)
        .map_err(|e| vm.num_err(e))?;
    Ok(vm.new_bytes(out))
}

fn int_from_bytes(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = arg(&args, 0);
    let mut b = bind(
        vm,
        "from_bytes",
        &args,
        &["bytes", "byteorder", "signed"],
        2,
    )?
    .into_iter();
    let (data, order, signed) = (b.next().flatten(), b.next().flatten(), b.next().flatten());
    let Some(data) = data else {
        return Err(vm.type_error("from_bytes() missing required argument 'bytes' (pos 1)"));
    };
    let (little, signed) = order_and_sign(vm, "from_bytes", order, signed)?;
    let bytes = match crate::objects::bytes::bytes_of(&data) {
        Some(b) => b,
        None => {
            // CPython's `PyObject_Bytes`: an int is no buffer or iterable
            // (`bytes(5)`'s zero-filled meaning does not apply).
            let ty = vm.type_of(&data);
            if crate::objects::int::is_int(&data)
                && vm.type_lookup_static(&ty, "__bytes__").is_none()
            {
                return Err(vm.type_error(format!(
                    "cannot convert '{}' object to bytes",
                    vm.type_name_of(&data)
                )));
            }
            let bytes_ty = Value::Obj(vm.types.bytes.clone());
            let r = vm.call(&bytes_ty, &[data.clone()]);
            match r {
                Ok(v) => crate::objects::bytes::bytes_of(&v).unwrap_or_default(),
                Err(e) => {
                    if crate::objects::int::is_int(&data)
                        || matches!(&data, Value::Float(_) | Value::None)
                        || vm.as_str_obj(&data).is_some()
                    {
                        return Err(vm.type_error(format!(
                            "cannot convert '{}' object to bytes",
                            vm.type_name_of(&data)
                        )));
                    }
                    return Err(e);
                }
            }
        }
    };
    let v = vm.new_int(Int::from_bytes(&bytes, little, signed));
    match &cls {
        Value::Obj(c) if Rc::ptr_eq(c, &vm.types.int) || Rc::ptr_eq(c, &vm.types.bool_) => {
            if Rc::ptr_eq(c, &vm.types.bool_) {
                let t = vm.truthy(&v)?;
                return Ok(Value::bool(t));
            }
            Ok(v)
        }
        _ => vm.call(&cls, &[v]),
    }
}

fn get_int(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match as_int(v) {
        Some(i) => Ok(vm.new_int(i)),
        None => Err(vm.type_error("descriptor requires an 'int' object")),
    }
}
fn get_zero(_vm: &mut Vm, _v: &Value) -> PyResult<Value> {
    Ok(Value::Int(0))
}
fn get_one(_vm: &mut Vm, _v: &Value) -> PyResult<Value> {
    Ok(Value::Int(1))
}

pub fn install(vm: &mut Vm) {
    let t = vm.types.int.clone();
    vm.add_methods(
        &t,
        &[
            ("__neg__", int_neg),
            ("__pos__", int_pos),
            ("__invert__", int_invert),
            ("__abs__", int_abs),
            ("__bool__", int_bool),
            ("__int__", int_int),
            ("__index__", int_int),
            ("__float__", int_float),
            ("__trunc__", int_trunc),
            ("__floor__", int_floor),
            ("__ceil__", int_ceil),
            ("__round__", int_round),
            ("__hash__", int_hash),
            ("__repr__", int_repr),
            ("__format__", int_format),
            ("__getnewargs__", int_getnewargs),
            ("__sizeof__", int_sizeof),
            ("bit_length", int_bit_length),
            ("bit_count", int_bit_count),
            ("conjugate", int_conjugate),
            ("as_integer_ratio", int_as_integer_ratio),
            ("to_bytes", int_to_bytes),
        ],
    );
    vm.add_classmethods(&t, &[("from_bytes", int_from_bytes)]);
    vm.add_getsets(
        &t,
        &[
            ("real", get_int, None),
            ("imag", get_zero, None),
            ("numerator", get_int, None),
            ("denominator", get_one, None),
        ],
    );
}
