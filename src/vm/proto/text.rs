//! `repr()`, `str()` and `format()` (CPython's `PyObject_Repr`,
//! `PyObject_Str`, `PyObject_Format`), with the builtin types' reprs.

use crate::objects::rc::Rc;

use crate::objects::typeobj::{type_data, FLAG_HEAPTYPE};
use crate::objects::Payload;
use crate::pyfmt;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

use super::str_of;

impl Vm {
    /// A `pyfmt` error as the Python exception CPython raises.
    pub fn fmt_err(&self, e: pyfmt::FmtError) -> PyErr {
        use crate::objects::exception::ExcKind;
        let kind = match e {
            pyfmt::FmtError::Value(_) => ExcKind::ValueError,
            pyfmt::FmtError::Overflow(_) => ExcKind::OverflowError,
            pyfmt::FmtError::Type(_) => ExcKind::TypeError,
            pyfmt::FmtError::Memory(_) => ExcKind::MemoryError,
        };
        self.new_error(kind, e.message().to_string())
    }

    /// The module-qualified name used in reprs of classes and instances.
    pub fn qualified_type_name(&self, ty: &PyRef) -> String {
        let Some(td) = type_data(ty) else {
            return "?".into();
        };
        let module = self.get_attr_raw(ty, "__module__");
        let qual = td.qualname.borrow().clone();
        match module {
            Some(Value::Obj(m))
                if matches!(m.payload, Payload::Str(_)) && str_of(&m) != "builtins" =>
            {
                format!("{}.{qual}", str_of(&m))
            }
            _ => qual,
        }
    }

    fn addr(o: &PyRef) -> String {
        format!("0x{:x}", Rc::as_ptr(o) as *const u8 as usize)
    }

    /// `repr(v)` (`PyObject_Repr`, with its recursion guard).
    pub fn repr(&mut self, v: &Value) -> PyResult<String> {
        self.enter_recursive(" while getting the repr of an object")?;
        let r = self.repr_unguarded(v);
        self.leave_recursive();
        r
    }

    /// `repr(v)` as an object: what a Python `__repr__` returned when it
    /// is a str (CPython's `PyObject_Repr` hands back that object itself,
    /// a str subclass included), else a new str.
    pub fn repr_value(&mut self, v: &Value) -> PyResult<Value> {
        if let Value::Obj(o) = v {
            if !self.builtin_class(o) {
                self.enter_recursive(" while getting the repr of an object")?;
                let r = self.call_special(v, "__repr__", &[]);
                self.leave_recursive();
                return match r? {
                    Some(r) => match &r {
                        Value::Obj(s) if matches!(s.payload, Payload::Str(_)) => Ok(r),
                        _ => Err(self.type_error(format!(
                            "__repr__ returned non-string (type {})",
                            self.type_name_of(&r)
                        ))),
                    },
                    None => {
                        let s = self.default_repr(o);
                        Ok(self.new_string(s))
                    }
                };
            }
        }
        let s = self.repr(v)?;
        Ok(self.new_string(s))
    }

    fn repr_unguarded(&mut self, v: &Value) -> PyResult<String> {
        match v {
            Value::None | Value::Null => return Ok("None".into()),
            Value::Bool(b) => return Ok(if b.get() { "True" } else { "False" }.into()),
            Value::Int(i) => return Ok(i.to_string()),
            Value::Float(f) => return Ok(pyfmt::float_repr(f.get())),
            Value::Obj(_) => {}
        }
        let Value::Obj(o) = v else {
            return Ok(String::new());
        };
        if self.builtin_class(o) {
            if let Some(r) = self.builtin_repr(o)? {
                return Ok(r);
            }
        }
        match self.call_special(v, "__repr__", &[])? {
            Some(r) => match &r {
                Value::Obj(s) if matches!(s.payload, Payload::Str(_)) => Ok(str_of(s).to_string()),
                _ => Err(self.type_error(format!(
                    "__repr__ returned non-string (type {})",
                    self.type_name_of(&r)
                ))),
            },
            None => Ok(self.default_repr(o)),
        }
    }

    /// `object.__repr__`: `<module.Class object at 0x...>`.
    pub fn default_repr(&self, o: &PyRef) -> String {
        let ty = o.class().unwrap_or_else(|| self.types.object.clone());
        format!(
            "<{} object at {}>",
            self.qualified_type_name(&ty),
            Self::addr(o)
        )
    }

    /// Reprs of builtin payloads (None: use the type's `__repr__`).
    pub(crate) fn builtin_repr(&mut self, o: &PyRef) -> PyResult<Option<String>> {
        let v = Value::Obj(o.clone());
        Ok(Some(match &o.payload {
            Payload::Str(s) => s.repr(),
            Payload::Int(b) => {
                let limit = crate::modules::sys::int_max_str_digits();
                pyfmt::int_to_decimal(b, limit).map_err(|e| self.fmt_err(e))?
            }
            Payload::Float(f) => pyfmt::float_repr(*f),
            Payload::Complex(re, im) => pyfmt::complex_repr(*re, *im),
            Payload::Bytes(b) => pyfmt::bytes_repr(b),
            Payload::ByteArray(b) => format!(
                "bytearray({})",
                crate::objects::bytes::bytearray_repr(&b.borrow())
            ),
            Payload::List(_) | Payload::Tuple(_) => {
                let is_list = matches!(o.payload, Payload::List(_));
                let items = self.seq_items(&v).unwrap_or_default();
                if is_list && items.is_empty() {
                    return Ok(Some("[]".into()));
                }
                if !self.repr_enter(o) {
                    return Ok(Some(if is_list { "[...]" } else { "(...)" }.into()));
                }
                let r = self.join_reprs(&items);
                self.repr_leave(o);
                let body = r?;
                if is_list {
                    format!("[{body}]")
                } else if items.len() == 1 {
                    format!("({body},)")
                } else {
                    format!("({body})")
                }
            }
            Payload::Dict(_) => {
                let items = self.dict_items(o);
                if items.is_empty() {
                    return Ok(Some("{}".into()));
                }
                if !self.repr_enter(o) {
                    return Ok(Some("{...}".into()));
                }
                let mut parts = Vec::with_capacity(items.len());
                let mut err = None;
                for (k, val) in items {
                    match (self.repr(&k), self.repr(&val)) {
                        (Ok(a), Ok(b)) => parts.push(format!("{a}: {b}")),
                        (Err(e), _) | (_, Err(e)) => {
                            err = Some(e);
                            break;
                        }
                    }
                }
                self.repr_leave(o);
                if let Some(e) = err {
                    return Err(e);
                }
                format!("{{{}}}", parts.join(", "))
            }
            Payload::Set(_) | Payload::FrozenSet(_) => self.set_repr(o)?,
            Payload::Type(_) => format!("<class '{}'>", self.qualified_type_name(o)),
            Payload::Function(f) => format!(
                "<function {} at {}>",
                f.qualname.with(str_of_value),
                Self::addr(o)
            ),
            Payload::Builtin(b) if o.class_is(&self.types.method_wrapper) => {
                let s = b.self_.clone().unwrap_or(Value::None);
                let addr = match &s {
                    Value::Obj(so) => Self::addr(so),
                    _ => "0x0".to_string(),
                };
                format!(
                    "<method-wrapper '{}' of {} object at {addr}>",
                    b.name,
                    self.type_name_of(&s)
                )
            }
            Payload::Builtin(b) => match &b.self_ {
                Some(Value::Obj(so)) if !matches!(so.payload, Payload::Module(_)) => format!(
                    "<built-in method {} of {} object at {}>",
                    b.name,
                    self.type_name(&self.type_of(&Value::Obj(so.clone()))),
                    Self::addr(so)
                ),
                Some(s) if !matches!(s, Value::Obj(_)) => {
                    format!(
                        "<built-in method {} of {} object at 0x0>",
                        b.name,
                        self.type_name_of(s)
                    )
                }
                _ => format!("<built-in function {}>", b.name),
            },
            Payload::MethodDescr(md) if md.kind == crate::objects::function::DescrKind::Static => {
                format!(
                    "<built-in method {} of type object at {}>",
                    md.name,
                    Self::addr(&md.owner)
                )
            }
            Payload::MethodDescr(md) => format!(
                "<{} '{}' of '{}' objects>",
                if o.class_is(&self.types.wrapper_descriptor) {
                    "slot wrapper"
                } else {
                    "method"
                },
                md.name,
                self.type_name(&md.owner)
            ),
            Payload::Method(m) => {
                let fname = match &m.func {
                    Value::Obj(f) => match &f.payload {
                        Payload::Function(func) => func.qualname.with(str_of_value),
                        _ => "?".into(),
                    },
                    _ => "?".into(),
                };
                let s = self.repr(&m.self_)?;
                format!("<bound method {fname} of {s}>")
            }
            Payload::Module(_) => self.module_repr(o)?,
            Payload::Range(r) => r.repr(),
            Payload::Slice(parts) => {
                let p = (**parts).clone();
                format!(
                    "slice({}, {}, {})",
                    self.repr(&p[0])?,
                    self.repr(&p[1])?,
                    self.repr(&p[2])?
                )
            }
            Payload::Cell(c) => {
                let inner = c.borrow().clone();
                if inner.is_null() {
                    format!("<cell at {}: empty>", Self::addr(o))
                } else {
                    format!(
                        "<cell at {}: {} object at {}>",
                        Self::addr(o),
                        self.type_name_of(&inner),
                        match &inner {
                            Value::Obj(i) => Self::addr(i),
                            _ => "0x0".into(),
                        }
                    )
                }
            }
            Payload::Exception(_) => return self.exception_repr(o).map(Some),
            Payload::NotImplemented => "NotImplemented".into(),
            Payload::Ellipsis => "Ellipsis".into(),
            Payload::Code(c) => format!(
                "<code object {} at {}, file \"{}\", line {}>",
                c.name_str(),
                Self::addr(o),
                c.filename_string(),
                c.firstlineno
            ),
            Payload::DictView(d) => {
                let name = self.type_name_of(&v);
                let items = self.dict_items(d);
                let vals: Vec<Value> = if o.class_is(&self.types.dict_keys) {
                    items.into_iter().map(|(k, _)| k).collect()
                } else if o.class_is(&self.types.dict_values) {
                    items.into_iter().map(|(_, x)| x).collect()
                } else {
                    items
                        .into_iter()
                        .map(|(k, x)| self.new_tuple_of([k, x]))
                        .collect()
                };
                format!("{name}([{}])", self.join_reprs(&vals)?)
            }
            Payload::Generator(_) => return Ok(None),
            _ => return Ok(None),
        }))
    }

    pub(crate) fn join_reprs(&mut self, items: &[Value]) -> PyResult<String> {
        let mut parts = Vec::with_capacity(items.len());
        for i in items {
            parts.push(self.repr(i)?);
        }
        Ok(parts.join(", "))
    }

    /// Py_ReprEnter: false if `o` is already being repr'd (a cycle).
    pub(crate) fn repr_enter(&mut self, o: &PyRef) -> bool {
        let p = Rc::as_ptr(o) as *const u8 as usize;
        if self.repr_stack.contains(&p) {
            return false;
        }
        self.repr_stack.push(p);
        true
    }

    pub(crate) fn repr_leave(&mut self, o: &PyRef) {
        let p = Rc::as_ptr(o) as *const u8 as usize;
        if let Some(i) = self.repr_stack.iter().rposition(|&x| x == p) {
            self.repr_stack.remove(i);
        }
    }

    /// `str(v)` (`PyObject_Str`, with its recursion guard).
    pub fn str(&mut self, v: &Value) -> PyResult<String> {
        if let Value::Obj(o) = v {
            if let Payload::Str(s) = &o.payload {
                if self.builtin_class(o) {
                    return Ok(s.as_str().to_string());
                }
            }
        }
        self.enter_recursive(" while getting the str of an object")?;
        let r = self.str_unguarded(v);
        self.leave_recursive();
        r
    }

    fn str_unguarded(&mut self, v: &Value) -> PyResult<String> {
        match v {
            Value::Obj(o) => {
                if self.builtin_class(o) {
                    if let Payload::Exception(_) = &o.payload {
                        return self.exception_str(o);
                    }
                }
                let ty = self.type_of(v);
                let heap = type_data(&ty).is_some_and(|t| t.has_flag(FLAG_HEAPTYPE));
                if heap
                    || matches!(
                        o.payload,
                        Payload::Exception(_)
                            | Payload::MappingProxy(_)
                            | Payload::Native(_)
                            | Payload::WeakRef(_)
                            | Payload::Context(_)
                    )
                {
                    if let Some(m) = self.type_lookup_static(&ty, "__str__") {
                        let native = matches!(&m, Value::Obj(mo) if matches!(&mo.payload, Payload::MethodDescr(md) if Rc::ptr_eq(&md.owner, &self.types.object)));
                        if !native {
                            let f = self.descr_get(m, Some(v), &ty)?;
                            let r = self.call(&f, &[])?;
                            return match &r {
                                Value::Obj(s) if matches!(s.payload, Payload::Str(_)) => {
                                    Ok(str_of(s).to_string())
                                }
                                _ => Err(self.type_error(format!(
                                    "__str__ returned non-string (type {})",
                                    self.type_name_of(&r)
                                ))),
                            };
                        }
                    }
                }
                if matches!(o.payload, Payload::Bytes(_) | Payload::ByteArray(_)) {
                    self.warn_bytes_str(o)?;
                }
                if !heap {
                    return self.repr_unguarded(v);
                }
                self.repr(v)
            }
            _ => self.repr_unguarded(v),
        }
    }

    /// `bytes.__str__`/`bytearray.__str__` under `-b`: a BytesWarning.
    fn warn_bytes_str(&mut self, o: &PyRef) -> PyResult<()> {
        if crate::vm::config::get().bytes_warning == 0 {
            return Ok(());
        }
        let msg = match o.payload {
            Payload::Bytes(_) => "str() on a bytes instance",
            _ => "str() on a bytearray instance",
        };
        crate::modules::warnings::warn(
            self,
            crate::objects::exception::ExcKind::BytesWarning,
            msg,
            1,
        )
    }

    /// `str(v)` as a str value (no copy for str objects).
    pub fn str_value(&mut self, v: &Value) -> PyResult<Value> {
        if let Value::Obj(o) = v {
            if o.class_is(&self.types.str) {
                return Ok(v.clone());
            }
            if !o.class_is_static() {
                if let Some(r) = self.heap_str_value(v)? {
                    return Ok(r);
                }
            }
        }
        let s = self.str(v)?;
        Ok(self.new_string(s))
    }

    /// `str(v)` for an instance of a class whose `__str__` is not
    /// object's: the str it returns, as it is when an exact str (None:
    /// no such `__str__`, `str` does the rest).
    fn heap_str_value(&mut self, v: &Value) -> PyResult<Option<Value>> {
        let ty = self.type_of(v);
        let Some(m) = self.type_lookup_static(&ty, "__str__") else {
            return Ok(None);
        };
        if matches!(&m, Value::Obj(mo) if matches!(&mo.payload, Payload::MethodDescr(md) if Rc::ptr_eq(&md.owner, &self.types.object)))
        {
            return Ok(None);
        }
        self.enter_recursive(" while getting the str of an object")?;
        let r = self.call_descr(m, v, &ty, &[]);
        self.leave_recursive();
        let r = r?;
        match &r {
            Value::Obj(s) if s.class_is(&self.types.str) => Ok(Some(r)),
            Value::Obj(s) if matches!(s.payload, Payload::Str(_)) => {
                let t = str_of(s).to_string();
                Ok(Some(self.new_string(t)))
            }
            _ => Err(self.type_error(format!(
                "__str__ returned non-string (type {})",
                self.type_name_of(&r)
            ))),
        }
    }

    /// `ascii(v)`: the repr with non-ASCII escaped.
    pub fn ascii(&mut self, v: &Value) -> PyResult<String> {
        let r = self.repr(v)?;
        let mut out = String::with_capacity(r.len());
        for c in r.chars() {
            let cp = c as u32;
            if cp < 0x80 {
                out.push(c);
            } else if cp < 0x100 {
                out.push_str(&format!("\\x{cp:02x}"));
            } else if cp < 0x10000 {
                out.push_str(&format!("\\u{cp:04x}"));
            } else {
                out.push_str(&format!("\\U{cp:08x}"));
            }
        }
        Ok(out)
    }

    /// `format(v, spec)`.
    pub fn format(&mut self, v: &Value, spec: &str) -> PyResult<String> {
        match v {
            Value::Int(i) => {
                return pyfmt::format_int(&num_bigint::BigInt::from(*i), spec)
                    .map_err(|e| self.fmt_err(e))
            }
            Value::Float(f) => {
                return pyfmt::format_float(f.get(), spec).map_err(|e| self.fmt_err(e))
            }
            Value::Bool(b) if spec.is_empty() => {
                return Ok(if b.get() { "True" } else { "False" }.into())
            }
            Value::Obj(o) if self.builtin_class(o) => match &o.payload {
                Payload::Str(s) => {
                    return pyfmt::format_str(s.as_str(), spec).map_err(|e| self.fmt_err(e))
                }
                Payload::Int(b) => return pyfmt::format_int(b, spec).map_err(|e| self.fmt_err(e)),
                _ => {}
            },
            _ => {}
        }
        let spec_v = self.new_str(spec);
        // A native `__format__` (object.__format__) is a C function called
        // through its vectorcall, which takes a recursion unit in CPython.
        let ty = self.type_of(v);
        let native = matches!(self.type_lookup_static(&ty, "__format__"),
            Some(Value::Obj(m)) if matches!(m.payload, Payload::MethodDescr(_)));
        if native {
            self.enter_recursive(" while calling a Python object")?;
        }
        let r = self.call_special(v, "__format__", &[spec_v]);
        if native {
            self.leave_recursive();
        }
        match r? {
            Some(r) => match &r {
                Value::Obj(s) if matches!(s.payload, Payload::Str(_)) => Ok(str_of(s).to_string()),
                _ => Err(self.type_error(format!(
                    "__format__ must return a str, not {}",
                    self.type_name_of(&r)
                ))),
            },
            None => self.str(v),
        }
    }
}

/// The text of a str value ("" otherwise).
pub fn str_of_value(v: &Value) -> String {
    match v {
        Value::Obj(o) => str_of(o).to_string(),
        _ => String::new(),
    }
}
