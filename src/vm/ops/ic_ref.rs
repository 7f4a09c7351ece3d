//! A value an inline cache (ops/cache.rs) remembers without owning it.
//!
//! CPython 3.11's caches hold borrowed pointers guarded by type versions:
//! a cache never keeps an object alive. Owning references here would: a
//! method's code caching another method of its class (`self.helper()`)
//! makes a cycle function → code → cache → function → globals → module
//! → class → function that the collector cannot see (code objects are not
//! containers), so no module whose code ran would ever be freed. A `Weak`
//! keeps the cache's answer without the reference: under an unchanged
//! type version the object is still held by the type's dicts, so the
//! upgrade succeeds; a dead one reads as a miss.

use crate::objects::rc::{Rc, Weak};

use crate::objects::PyObject;
use crate::vm::value::{PyRef, Value};

/// An object as a `Weak`, any other value as itself.
#[derive(Clone)]
pub enum IcRef {
    Obj(Weak<PyObject>),
    Val(Value),
}

impl Default for IcRef {
    fn default() -> Self {
        IcRef::Val(Value::Null)
    }
}

impl IcRef {
    /// Remember `v` without owning it.
    pub fn new(v: &Value) -> IcRef {
        match v {
            Value::Obj(o) => IcRef::Obj(Rc::downgrade(o)),
            v => IcRef::Val(v.clone()),
        }
    }

    /// Remember the object `o` without owning it.
    pub fn obj(o: &PyRef) -> IcRef {
        IcRef::Obj(Rc::downgrade(o))
    }

    /// The remembered value; None when the object died.
    #[inline(always)]
    pub fn get(&self) -> Option<Value> {
        match self {
            IcRef::Obj(w) => w.upgrade().map(Value::Obj),
            IcRef::Val(v) => Some(v.clone()),
        }
    }

    /// The remembered object; None when it died or is not an object.
    #[inline(always)]
    pub fn get_obj(&self) -> Option<PyRef> {
        match self {
            IcRef::Obj(w) => w.upgrade(),
            IcRef::Val(_) => None,
        }
    }
}
