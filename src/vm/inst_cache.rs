//! A cache of what `type.__call__` found for classes that take the
//! instantiation fast path (`Vm::instantiate_fast` in call.rs): the class
//! inherits `object.__new__`, has the plain object layout, is not
//! abstract (no `__abstractmethods__` in its dict) and its `__init__` is a
//! Python function or `object.__init__`; and exception classes that take
//! `Vm::instantiate_exception`'s path: `__new__` is `BaseException.__new__`,
//! `__init__` is `BaseException.__init__` or a Python function, and no
//! class of the MRO is one whose `__init__` sets more attributes than
//! `args` (exception.rs `INIT_KINDS`).
//!
//! Entries are keyed by the class's version tag alone: versions are
//! unique across all types and change whenever the class's dict, a base's
//! dict or its MRO changes (`TypeData::modified`), so an entry for the
//! current version still describes the class exactly. The `__init__`
//! function is held weakly: the cache never keeps anything alive (what
//! `gc` and weakref callbacks observe is unchanged). Direct-mapped, so a
//! lookup is one index and one comparison.

use crate::objects::rc::Weak;
use std::cell::RefCell;

use crate::objects::function::Args;
use crate::objects::typeobj::type_data;
use crate::objects::{Payload, PyObject};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

const SLOTS: usize = 256;

/// `None`: `__init__` is `object.__init__` (`BaseException.__init__` for
/// an exception class); else the Python function. The flag: an exception
/// class.
type Entry = (u64, Option<Weak<PyObject>>, bool);

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
/// `__init__` (`None` for `object.__init__`, or `BaseException.__init__`
/// when `exc`).
pub(crate) fn remember(version: u64, init: Option<&PyRef>, exc: bool) {
    let _ = CACHE.try_with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            if c.len() < SLOTS {
                c.resize(SLOTS, (0, None, false));
            }
            if let Some(e) = c.get_mut(slot(version)) {
                *e = (version, init.map(crate::objects::rc::Rc::downgrade), exc);
            }
        }
    });
}

/// What the cache knows about `version`: `Some((None, _))` plain init,
/// `Some((Some(f), _))` the `__init__` function, with whether the class
/// is an exception class; `None` not cached.
#[inline]
fn lookup(version: u64) -> Option<(Option<PyRef>, bool)> {
    CACHE
        .try_with(|c| {
            let c = c.try_borrow().ok()?;
            let (v, init, exc) = c.get(slot(version))?;
            if *v != version || version == 0 {
                return None;
            }
            match init {
                None => Some((None, *exc)),
                Some(w) => w.upgrade().map(|f| (Some(f), *exc)),
            }
        })
        .ok()
        .flatten()
}

/// The Python `__init__` of the class at `version` when the cache says
/// the class takes the plain path (`object.__new__`, not an exception
/// class) with one (ops/call_py.rs runs it in the caller's loop).
#[inline]
pub(crate) fn lookup_init(version: u64) -> Option<PyRef> {
    match lookup(version)? {
        (Some(f), false) => Some(f),
        _ => None,
    }
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
        let (init, exc) = lookup(version)?;
        if exc {
            return self.instantiate_exception(cls, init, args);
        }
        let Some(f) = init else {
            if !args.args.is_empty() {
                return None;
            }
            return Some(Ok(Value::Obj(self.new_instance_of(cls, Payload::Object))));
        };
        let obj = Value::Obj(self.new_instance_of(cls, Payload::Object));
        Some(match self.call_function_self(&f, &obj, args) {
            Ok(r) => self.init_result(obj, r),
            Err(e) => Err(e),
        })
    }

    /// `cls(*args)` for a cached exception class: `BaseException.__new__`
    /// (the positional arguments become `args`), then the Python
    /// `__init__` or `BaseException.__init__` (which would set `args` to
    /// an equal tuple: nothing to do). With keyword arguments, `None`: the
    /// general path decides.
    fn instantiate_exception(
        &mut self,
        cls: &PyRef,
        init: Option<PyRef>,
        args: Args,
    ) -> Option<PyResult<Value>> {
        if args.has_kwargs() {
            return None;
        }
        let t = self.new_tuple(args.args.to_vec());
        let obj = Value::Obj(self.new_exc_instance(cls, t));
        let Some(f) = init else {
            return Some(Ok(obj));
        };
        Some(match self.call_function_self(&f, &obj, args) {
            Ok(r) => self.init_result(obj, r),
            Err(e) => Err(e),
        })
    }

    /// Fill the cache for an exception class that takes
    /// `instantiate_exception`'s path (`new` is its `__new__`); the
    /// general path makes this call's instance.
    pub(crate) fn remember_exception_class(&mut self, cls: &PyRef, new: &Value) {
        if !crate::objects::exception::is_base_new(new) {
            return;
        }
        let Some(td) = type_data(cls) else {
            return;
        };
        let Some(init) = self.type_lookup_static(cls, "__init__") else {
            return;
        };
        let init_fn = match &init {
            Value::Obj(f) if matches!(f.payload, Payload::Function(_)) => Some(f.clone()),
            _ if crate::objects::exception::is_base_init(&init) => None,
            _ => return,
        };
        if self.exc_init_kinds(cls) != 0 {
            return;
        }
        remember(td.version.get(), init_fn.as_ref(), true);
    }
}
