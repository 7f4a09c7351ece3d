//! Instances of the types that native modules define (`deque`, `StringIO`,
//! `Pattern`, ...). A module keeps its state in a struct implementing
//! [`NativeData`] (mutable parts in `RefCell`/`Cell`, never borrowed across a
//! call into Python), makes its type with `vm.new_native_type(module, name,
//! base, Layout::Native("name"), flags)`, creates instances with
//! [`Vm::new_native`] from its `__new__`, and reads them back with
//! [`Vm::native`] / [`Vm::native_self`].

use std::any::Any;

use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::Payload;

/// The state of a native object.
pub trait NativeData: Any {
    /// Visit every Python value the object holds (the cycle collector's
    /// traversal, issue 7). Objects holding no values keep the default.
    fn traverse(&self, _visit: &mut dyn FnMut(&Value)) {}

    /// Move the values that can form cycles into `out` (the cycle
    /// collector's `tp_clear`; it drops them after releasing borrows).
    fn clear(&self, _out: &mut Vec<Value>) {}

    /// The bytes the object exports through the buffer protocol
    /// (`array.array`), or None for objects that export none.
    fn buffer(&self) -> Option<Vec<u8>> {
        None
    }

    /// Write `data` at byte `at` of the exported buffer (a writable
    /// exporter such as `mmap`, through a memoryview); false when the
    /// object has no writable buffer or the range is outside it.
    fn buffer_write(&self, _at: usize, _data: &[u8]) -> bool {
        false
    }

    /// Whether the exported buffer is read-only.
    fn buffer_readonly(&self) -> bool {
        true
    }

    /// Whether an instance of a native type (not a Python subclass) whose
    /// type has `__del__` has anything to do in it now (CPython's
    /// `tp_finalize` returning at once): false lets it die without the
    /// finalizer's revival (`_asyncio.Future` with nothing to log).
    fn needs_finalize(&self) -> bool {
        true
    }

    /// The type's `tp_iternext`, for a native iterator: `next()` and
    /// FOR_ITER call it directly on instances of the native type itself
    /// (a Python subclass may override `__next__`) instead of looking up
    /// and calling `__next__`, which must do the same. `me` is the object
    /// whose state `self` is. None: the type has no such hook; else
    /// Some(item), or None when exhausted.
    fn iter_step(&self, _vm: &mut Vm, _me: &Value) -> Option<PyResult<Option<Value>>> {
        None
    }

    /// The type's `sq_item` at a non-negative index, for the old
    /// iteration protocol (`iter()` of a type with `__getitem__` and no
    /// `__iter__`): on instances of the native type itself, iteration reads
    /// items here instead of calling `__getitem__` and catching its
    /// IndexError, which must do the same. None: the type has no such
    /// hook; Some(None): past the end.
    fn seq_item(&self, _i: usize) -> Option<Option<Value>> {
        None
    }
}

impl dyn NativeData {
    pub fn downcast_ref<T: NativeData>(&self) -> Option<&T> {
        (self as &dyn Any).downcast_ref::<T>()
    }
}

impl Vm {
    /// A new instance of `cls` (a native type or a Python subclass of one)
    /// holding `data`; it gets an instance dict when the class has one.
    pub fn new_native(&self, cls: &PyRef, data: impl NativeData) -> PyRef {
        self.new_instance_of(cls, Payload::Native(Box::new(data)))
    }

    /// The native state of type `T` inside `v`, if `v` holds one.
    pub fn native<'a, T: NativeData>(&self, v: &'a Value) -> Option<&'a T> {
        match v {
            Value::Obj(o) => match &o.payload {
                Payload::Native(d) => d.downcast_ref::<T>(),
                _ => None,
            },
            _ => None,
        }
    }

    /// The state of `self` (the first argument) of a native method named
    /// `Type.method`, or CPython's TypeError for a wrong receiver.
    pub fn native_self<'a, T: NativeData>(
        &self,
        args: &Args<'a>,
        type_name: &str,
        method: &str,
    ) -> PyResult<&'a T> {
        let recv = args.args.first();
        if let Some(d) = recv.and_then(|v| self.native::<T>(v)) {
            return Ok(d);
        }
        let got = recv.map_or_else(|| "nothing".to_string(), |v| self.type_name_of(v));
        Err(self.type_error(format!(
            "descriptor '{method}' for '{type_name}' objects doesn't apply to a '{got}' object"
        )))
    }
}
