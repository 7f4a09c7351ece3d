//! Heap objects: one file per builtin type. Every heap object is a
//! [`PyObject`]: its class, an optional instance dict, and a payload whose
//! variant is the object's builtin layout. See docs/vm-design.md.

use std::cell::{RefCell, UnsafeCell};

use num_bigint::BigInt;

use crate::vm::value::{PyRef, Value};

pub mod dict;
pub mod set;
pub mod sort;

/// A heap object.
pub struct PyObject {
    /// The class. Replaced only by `__class__` assignment.
    ty: UnsafeCell<Option<PyRef>>,
    /// The instance `__dict__` for objects that have one.
    pub dict: RefCell<Option<PyRef>>,
    pub payload: Payload,
}

impl PyObject {
    pub fn new(ty: Option<PyRef>, payload: Payload) -> PyObject {
        PyObject {
            ty: UnsafeCell::new(ty),
            dict: RefCell::new(None),
            payload,
        }
    }

    /// The object's class (a new reference). `None` only for the few
    /// objects built before their type exists during VM start-up.
    pub fn class(&self) -> Option<PyRef> {
        // SAFETY: `ty` is only written by `set_class`, which takes the old
        // value out and drops it after the write; this read clones the Rc
        // without calling anything that could run `set_class` meanwhile,
        // and PyObject is !Sync (it holds Rc), so no other thread can.
        unsafe { (*self.ty.get()).clone() }
    }

    /// `obj.__class__ = cls` (the caller checked layout compatibility).
    pub fn set_class(&self, cls: PyRef) {
        // SAFETY: as in `class`: no reference into the cell outlives a call.
        let old = unsafe { (*self.ty.get()).replace(cls) };
        drop(old);
    }
}

/// The builtin layouts. Types that need more state get a struct in their
/// own file; mutable state sits in a `RefCell` that is never held across a
/// call into Python code.
pub enum Payload {
    /// An int beyond i64 (values that fit are `Value::Int`).
    Int(BigInt),
    /// A float subclass instance (plain floats are `Value::Float`).
    Float(f64),
    Tuple(Box<[Value]>),
    List(RefCell<Vec<Value>>),
    Dict(RefCell<dict::DictTable>),
    Cell(RefCell<Value>),
    /// An instance of a Python class with no builtin base layout.
    Instance,
}
