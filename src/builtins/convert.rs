//! The numeric and text constructors: `int()`, `bool()`, `float()`, and
//! `str(bytes, encoding)`.

use crate::objects::function::Args;
use crate::objects::rc::Rc;
use crate::objects::Payload;
use crate::vm::value::Truth;

use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The class `X.__new__(cls, ...)` builds, checked as CPython's
/// `tp_new_wrapper` does: `cls` must be a subtype of `default` whose nearest
/// builtin base is `default` itself.
fn cls_arg(vm: &Vm, args: &Args, default: &PyRef) -> PyResult<PyRef> {
    use crate::objects::typeobj::{is_subtype, type_data, FLAG_HEAPTYPE};
    let c = match args.args.first() {
        Some(Value::Obj(c)) if matches!(c.payload, Payload::Type(_)) => c.clone(),
        _ => return Ok(default.clone()),
    };
    if Rc::ptr_eq(&c, default) {
        return Ok(c);
    }
    let what = vm.type_name(default);
    let n = vm.type_name(&c);
    if !is_subtype(&c, default) {
        return Err(vm.type_error(format!(
            "{what}.__new__({n}): {n} is not a subtype of {what}"
        )));
    }
    let static_base = type_data(&c).and_then(|td| {
        td.mro
            .borrow()
            .iter()
            .find(|t| type_data(t).is_some_and(|d| !d.has_flag(FLAG_HEAPTYPE)))
            .cloned()
    });
    if let Some(sb) = static_base {
        if !Rc::ptr_eq(&sb, default) {
            let sn = vm.type_name(&sb);
            return Err(vm.type_error(format!(
                "{what}.__new__({n}) is not safe, use {sn}.__new__()"
            )));
        }
    }
    Ok(c)
}

/// `int(x, base)` for a str or bytes-like `x`.
fn int_from_text(vm: &mut Vm, x: &Value, base: i64) -> PyResult<Value> {
    if let Some(s) = vm.as_str_obj(x) {
        let r = crate::pyfmt::parse_int_limited(
            s.as_str(),
            base,
            crate::modules::sys::int_max_str_digits(),
        )
        .map_err(|e| vm.fmt_err(e))?;
        return Ok(vm.new_bigint(r));
    }
    let Some(bytes) = crate::objects::bytes::bytes_of(x) else {
        return Err(vm.type_error("int() can't convert non-string with explicit base"));
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    match crate::pyfmt::parse_int_limited(&text, base, crate::modules::sys::int_max_str_digits()) {
        Ok(r) => Ok(vm.new_bigint(r)),
        Err(crate::pyfmt::FmtError::Value(m)) if m.starts_with("invalid literal") => Err(vm
            .value_error(format!(
                "invalid literal for int() with base {base}: {}",
                crate::pyfmt::bytes_repr(&bytes)
            ))),
        Err(e) => Err(vm.fmt_err(e)),
    }
}

/// `int(x=0, /)` / `int(x, /, base=10)`.
pub fn int_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, &vm.types.int.clone())?;
    let pos = args.pos().get(1..).unwrap_or(&[]).to_vec();
    let x = pos.first().cloned();
    let mut base = pos.get(1).cloned();
    for (k, v) in args.kwargs() {
        match crate::vm::proto::str_of(k) {
            "base" if base.is_none() => base = Some(v.clone()),
            "base" => {
                return Err(
                    vm.type_error("argument for int() given by name ('base') and position (2)")
                )
            }
            other => {
                return Err(vm.type_error(format!(
                    "'{other}' is an invalid keyword argument for int()"
                )))
            }
        }
    }
    if pos.len() > 2 {
        return Err(vm.type_error(format!(
            "int() takes at most 2 arguments ({} given)",
            pos.len()
        )));
    }
    let value = match (x, base) {
        (None, None) => Value::Int(0),
        (None, Some(_)) => return Err(vm.type_error("int() missing string argument")),
        (Some(x), Some(b)) => {
            let b = vm.index_int(&b)?.to_i64().unwrap_or(i64::MAX);
            if b != 0 && !(2..=36).contains(&b) {
                return Err(vm.value_error("int() base must be >= 2 and <= 36, or 0"));
            }
            int_from_text(vm, &x, b)?
        }
        (Some(x), None) => vm.to_int(&x)?,
    };
    if crate::objects::rc::Rc::ptr_eq(&cls, &vm.types.int) {
        return Ok(value);
    }
    let b = crate::objects::int::to_bigint(&value).unwrap_or_default();
    Ok(Value::Obj(vm.new_instance_of(&cls, Payload::Int(b))))
}

impl Vm {
    /// `int(x)` for one argument.
    pub fn to_int(&mut self, x: &Value) -> PyResult<Value> {
        match x {
            Value::Int(_) => return Ok(x.clone()),
            Value::Bool(b) => return Ok(Value::Int(*b as i64)),
            Value::Float(f) => return self.float_to_int(f.get()),
            _ => {}
        }
        // An instance of a Python class: its `__int__` (etc.) comes first, even
        // over the str or int it derives from (CPython's `nb_int` slot).
        let heap = matches!(x, Value::Obj(o) if !self.builtin_class(o));
        if heap {
            if let Some(r) = self.int_via_dunders(x)? {
                return Ok(r);
            }
        }
        if self.as_str_obj(x).is_some() || crate::objects::bytes::bytes_of(x).is_some() {
            return int_from_text(self, x, 10);
        }
        if let Value::Obj(o) = x {
            if let Payload::Int(b) = &o.payload {
                return Ok(self.new_bigint(b.clone()));
            }
            if let Payload::Float(f) = &o.payload {
                return self.float_to_int(*f);
            }
        }
        if !heap {
            if let Some(r) = self.int_via_dunders(x)? {
                return Ok(r);
            }
        }
        if let Some(bytes) = crate::objects::memoryview::view_bytes(self, x)? {
            let b = self.new_bytes(bytes);
            return int_from_text(self, &b, 10);
        }
        Err(self.type_error(format!(
            "int() argument must be a string, a bytes-like object or a real number, not '{}'",
            self.type_name_of(x)
        )))
    }

    /// `int(x)` through `__int__`, `__index__` or `__trunc__`; None when `x`
    /// has none of them.
    fn int_via_dunders(&mut self, x: &Value) -> PyResult<Option<Value>> {
        for name in ["__int__", "__index__", "__trunc__"] {
            if name == "__trunc__" {
                let t = self.type_of(x);
                if self.type_lookup_static(&t, "__trunc__").is_some() {
                    crate::modules::warnings::warn(
                        self,
                        crate::objects::exception::ExcKind::DeprecationWarning,
                        "The delegation of int() to __trunc__ is deprecated.",
                        1,
                    )?;
                }
            }
            if let Some(r) = self.call_special(x, name, &[])? {
                if crate::objects::int::is_int(&r) {
                    return Ok(Some(match crate::objects::int::to_bigint(&r) {
                        Some(b) => self.new_bigint(b),
                        None => r,
                    }));
                }
                if name == "__trunc__" {
                    // An Integral result converts through `__index__`.
                    let t = self.type_of(&r);
                    if self.type_lookup_static(&t, "__index__").is_none() {
                        return Err(self.type_error(format!(
                            "__trunc__ returned non-Integral (type {})",
                            self.type_name_of(&r)
                        )));
                    }
                    let i = self.index_int(&r)?;
                    return Ok(Some(self.new_int(i)));
                }
                return Err(self.type_error(format!(
                    "{name} returned non-int (type {})",
                    self.type_name_of(&r)
                )));
            }
        }
        Ok(None)
    }

    /// `float(x)` through `__float__`; None when `x` has none.
    fn float_via_dunder(&mut self, x: &Value) -> PyResult<Option<f64>> {
        let r = match self.call_special(x, "__float__", &[])? {
            None => return Ok(None),
            Some(r) => r,
        };
        if let Value::Float(f) = r {
            return Ok(Some(f.get()));
        }
        if let Value::Obj(o) = &r {
            if let Payload::Float(f) = o.payload {
                return Ok(Some(f));
            }
        }
        Err(self.type_error(format!(
            "{}.__float__ returned non-float (type {})",
            self.type_name_of(x),
            self.type_name_of(&r)
        )))
    }

    /// `float(x)` for one argument.
    pub fn to_float(&mut self, x: &Value) -> PyResult<f64> {
        match x {
            Value::Float(f) => return Ok(f.get()),
            Value::Int(i) => return Ok(*i as f64),
            Value::Bool(b) => return Ok(*b as i64 as f64),
            _ => {}
        }
        // An instance of a Python class: its `__float__` comes first (`nb_float`).
        let heap = matches!(x, Value::Obj(o) if !self.builtin_class(o));
        if heap {
            if let Some(f) = self.float_via_dunder(x)? {
                return Ok(f);
            }
        }
        if let Some(s) = self.as_str_obj(x) {
            return crate::pyfmt::parse_float(s.as_str()).map_err(|e| self.fmt_err(e));
        }
        let buffer = match crate::objects::bytes::bytes_of(x) {
            Some(b) => Some(b),
            None => crate::objects::memoryview::view_bytes(self, x)?,
        };
        if let Some(b) = buffer {
            let text = String::from_utf8_lossy(&b).into_owned();
            return crate::pyfmt::parse_float(&text).map_err(|e| match e {
                crate::pyfmt::FmtError::Value(_) => self.value_error(format!(
                    "could not convert string to float: {}",
                    crate::pyfmt::bytes_repr(&b)
                )),
                e => self.fmt_err(e),
            });
        }
        if let Value::Obj(o) = x {
            // Subclasses may override `__float__` (PyNumber_Float).
            let heap = !o.class_is(&self.types.int) && !o.class_is(&self.types.float);
            match &o.payload {
                Payload::Int(_) if !heap => return self.int_to_f64(x),
                Payload::Float(f) if !heap => return Ok(*f),
                _ => {}
            }
        }
        if !heap {
            if let Some(f) = self.float_via_dunder(x)? {
                return Ok(f);
            }
        }
        let ty = self.type_of(x);
        if self.type_lookup_static(&ty, "__index__").is_some() {
            let i = self.index_int(x)?;
            return i.to_f64().map_err(|e| self.num_err(e));
        }
        Err(self.type_error(format!(
            "float() argument must be a string or a real number, not '{}'",
            self.type_name_of(x)
        )))
    }
}

pub fn bool_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = args.pos().get(1..).unwrap_or(&[]);
    if args.has_kwargs() {
        return Err(vm.type_error("bool() takes no keyword arguments"));
    }
    if pos.len() > 1 {
        return Err(vm.type_error(format!(
            "bool expected at most 1 argument, got {}",
            pos.len()
        )));
    }
    match pos.first() {
        Some(v) => Ok(Value::bool(vm.truthy(v)?)),
        None => Ok(Value::Bool(Truth::False)),
    }
}

pub fn float_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, &vm.types.float.clone())?;
    let a = vm.check_args("float", args, 0, 1)?;
    let f = match a.first() {
        Some(v) => vm.to_float(v)?,
        None => 0.0,
    };
    // A NaN is boxed so that it has an identity: `x in [x]` is True (containers compare by
    // identity first) while `float('nan') in [float('nan')]` is False, as in CPython.
    if crate::objects::rc::Rc::ptr_eq(&cls, &vm.types.float) && !f.is_nan() {
        return Ok(Value::float(f));
    }
    Ok(Value::Obj(vm.new_instance_of(&cls, Payload::Float(f))))
}

/// `str(bytes, encoding, errors)`.
pub fn str_decode(vm: &mut Vm, args: Args) -> PyResult<String> {
    let pos = args.pos().get(1..).unwrap_or(&[]);
    let obj = pos.first().cloned().unwrap_or(Value::None);
    match crate::objects::bytes::bytes_of(&obj) {
        Some(b) => String::from_utf8(b).map_err(|e| {
            vm.new_error(
                crate::objects::exception::ExcKind::UnicodeDecodeError,
                format!(
                    "'utf-8' codec can't decode byte in position {}",
                    e.utf8_error().valid_up_to()
                ),
            )
        }),
        None => Err(vm.type_error(format!(
            "decoding to str: need a bytes-like object, {} found",
            vm.type_name_of(&obj)
        ))),
    }
}
