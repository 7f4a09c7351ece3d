//! Python exceptions as Rust errors: `PyResult<T>` carries the exception
//! object being raised.

use crate::objects::exception::ExcKind;
use crate::objects::Payload;

use super::value::{PyRef, Value};
use super::Vm;

/// A raised Python exception (the exception instance).
#[derive(Clone)]
pub struct PyErr(pub PyRef);

pub type PyResult<T> = Result<T, PyErr>;

impl PyErr {
    pub fn value(&self) -> Value {
        Value::Obj(self.0.clone())
    }
}

impl Vm {
    /// A new exception of a builtin kind with a message.
    pub fn new_error(&self, kind: ExcKind, msg: impl Into<String>) -> PyErr {
        let ty = self.exc_type(kind);
        let m = self.new_string(msg.into());
        PyErr(self.new_exception(&ty, vec![m]))
    }

    pub fn type_error(&self, msg: impl Into<String>) -> PyErr {
        self.new_error(ExcKind::TypeError, msg)
    }

    pub fn value_error(&self, msg: impl Into<String>) -> PyErr {
        self.new_error(ExcKind::ValueError, msg)
    }

    pub fn index_error(&self, msg: impl Into<String>) -> PyErr {
        self.new_error(ExcKind::IndexError, msg)
    }

    pub fn attribute_error(&self, msg: impl Into<String>) -> PyErr {
        self.new_error(ExcKind::AttributeError, msg)
    }

    pub fn name_error(&self, msg: impl Into<String>) -> PyErr {
        self.new_error(ExcKind::NameError, msg)
    }

    pub fn zero_division(&self, msg: impl Into<String>) -> PyErr {
        self.new_error(ExcKind::ZeroDivisionError, msg)
    }

    pub fn overflow_error(&self, msg: impl Into<String>) -> PyErr {
        self.new_error(ExcKind::OverflowError, msg)
    }

    pub fn runtime_error(&self, msg: impl Into<String>) -> PyErr {
        self.new_error(ExcKind::RuntimeError, msg)
    }

    pub fn system_error(&self, msg: impl Into<String>) -> PyErr {
        self.new_error(ExcKind::SystemError, msg)
    }

    /// `KeyError(key)` (its str is the key's repr).
    pub fn key_error(&self, key: Value) -> PyErr {
        let ty = self.exc_type(ExcKind::KeyError);
        PyErr(self.new_exception(&ty, vec![key]))
    }

    /// A bare exception of a kind (`StopIteration()`).
    pub fn new_error_noargs(&self, kind: ExcKind) -> PyErr {
        let ty = self.exc_type(kind);
        PyErr(self.new_exception(&ty, vec![]))
    }

    /// Whether an exception is an instance of a builtin kind.
    pub fn err_is(&self, e: &PyErr, kind: ExcKind) -> bool {
        let t = self.type_of(&e.value());
        crate::objects::typeobj::is_subtype(&t, &self.exc_types[kind as usize])
    }

    /// The `args` tuple of an exception.
    pub fn exc_args(&self, e: &PyRef) -> Value {
        match &e.payload {
            Payload::Exception(d) => d.borrow().args.clone(),
            _ => self.new_tuple_of([]),
        }
    }
}

impl Vm {
    /// A `num` error as the Python exception CPython raises.
    pub fn num_err(&self, e: crate::num::NumError) -> PyErr {
        let kind = match e.kind() {
            "ZeroDivisionError" => ExcKind::ZeroDivisionError,
            "OverflowError" => ExcKind::OverflowError,
            "MemoryError" => ExcKind::MemoryError,
            _ => ExcKind::ValueError,
        };
        self.new_error(kind, e.message().to_string())
    }
}
