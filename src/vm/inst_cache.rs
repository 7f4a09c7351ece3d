//! A cache of what `type.__call__` found for classes that take the
//! instantiation fast path (`Vm::instantiate_fast` in call.rs): the class
//! inherits `object.__new__`, has the plain object layout, is not
//! abstract (no `__abstractmethods__` in its dict) and its `__init__` is a
//! Python function or `object.__init__`.
//!
//! Entries are keyed by the class's version tag alone: versions are
//! unique across all types and change whenever the class's dict, a base's
//! dict or its MRO changes (`TypeData::modified`), so an entry for the
//! current version still describes the class exactly. The `__init__`
//! function is held weakly: the cache never keeps anything alive (what
//! `gc` and weakref callbacks observe is unchanged). Direct-mapped, so a
//! lookup is one index and one comparison.

use std::cell::RefCell;
use std::rc::Weak;

use crate::objects::function::Args;
use crate::objects::typeobj::type_data;
use crate::objects::{Payload, PyObject};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

const SLOTS: usize = 256;

/// `None`: `__init__` is `object.__init__`; else the Python function.
type Entry = (u64, Option<Weak<PyObject>>);

crate::interp_local! {
    /// Per interpreter (its threads share it, as they share the classes
    /// and the `Weak` counts it holds).
    static CACHE: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

#[inline(always)]
fn slot(version: u64) -> usize {
    (version as usize) & (SLOTS - 1)
}

/// Record that the class at `version` takes the fast path with this
/// `__init__` (`None` for `object.__init__`).
pub(crate) fn remember(version: u64, init: Option<&PyRef>) {
    let _ = CACHE.try_with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            if c.len() < SLOTS {
                c.resize(SLOTS, (0, None));
            }
            if let Some(e) = c.get_mut(slot(version)) {
                *e = (version, init.map(std::rc::Rc::downgrade));
            }
        }
    });
}

/// What the cache knows about `version`: `Some(None)` plain init,
/// `Some(Some(f))` the `__init__` function, `None` not cached.
#[inline]
fn lookup(version: u64) -> Option<Option<PyRef>> {
    CACHE
        .try_with(|c| {
            let c = c.try_borrow().ok()?;
            let (v, init) = c.get(slot(version))?;
            if *v != version || version == 0 {
                return None;
            }
            match init {
                None => Some(None),
                Some(w) => w.upgrade().map(Some),
            }
        })
        .ok()
        .flatten()
}

impl Vm {
    /// `cls(*args)` from the cache: `None` when the class is not cached
    /// at its current version (the general path decides and fills it).
    #[inline]
    pub(crate) fn instantiate_cached(
        &mut self,
        cls: &PyRef,
        args: Args,
    ) -> Option<PyResult<Value>> {
        let version = type_data(cls)?.version.get();
        let init = lookup(version)?;
        let Some(f) = init else {
            if !args.args.is_empty() {
                return None;
            }
            return Some(Ok(Value::Obj(self.new_instance_of(cls, Payload::Object))));
        };
        let obj = Value::Obj(self.new_instance_of(cls, Payload::Object));
        Some(match self.call_function_self(&f, &obj, args) {
            Ok(Value::None) => Ok(obj),
            Ok(r) => Err(self.type_error(format!(
                "__init__() should return None, not '{}'",
                self.type_name_of(&r)
            ))),
            Err(e) => Err(e),
        })
    }
}
