//! `__new__` and `__init__` of a class, looked up by `type.__call__` on
//! every instantiation the instantiation cache (vm/inst_cache.rs) does not
//! cover (a Python `__new__`: `Decimal(x)`), remembered by the class's
//! version in a direct-mapped table. Held weakly, as vm/inst_cache.rs
//! does: versions change whenever the class's dict, a base's dict or its
//! MRO changes, so a hit is what the two lookups would find now.

use crate::objects::rc::{Rc, Weak};
use crate::objects::PyObject;
use std::cell::RefCell;

use super::value::{PyRef, Value};
use super::Vm;

const SLOTS: usize = 32;

/// (class version, `__new__`, `__init__`).
type Entry = (u64, Weak<PyObject>, Weak<PyObject>);

crate::interp_local! {
    static CACHE: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

#[inline(always)]
fn slot(version: u64) -> usize {
    (version as usize) & (SLOTS - 1)
}

fn lookup(version: u64) -> Option<(Value, Value)> {
    CACHE
        .try_with(|c| {
            let c = c.try_borrow().ok()?;
            let (v, n, i) = c.get(slot(version))?;
            if *v != version {
                return None;
            }
            Some((Value::Obj(n.upgrade()?), Value::Obj(i.upgrade()?)))
        })
        .ok()
        .flatten()
}

fn remember(version: u64, new: &PyRef, init: &PyRef) {
    let _ = CACHE.try_with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            if c.len() < SLOTS {
                c.resize_with(SLOTS, || (0, Weak::new(), Weak::new()));
            }
            if let Some(e) = c.get_mut(slot(version)) {
                *e = (version, Rc::downgrade(new), Rc::downgrade(init));
            }
        }
    });
}

impl Vm {
    /// `cls.__new__` and `cls.__init__` as `type_lookup` finds them
    /// (`None` for `__new__` when it finds none; `__init__` is then not
    /// looked up). Remembered by version when both are objects.
    pub(crate) fn new_init_lookup(&mut self, cls: &PyRef) -> (Option<Value>, Option<Value>) {
        let version = crate::objects::typeobj::type_data(cls).map_or(0, |t| t.version.get());
        if version != 0 {
            if let Some((n, i)) = lookup(version) {
                return (Some(n), Some(i));
            }
        }
        let Some(new) = self.type_lookup_static(cls, "__new__") else {
            return (None, None);
        };
        let init = self.type_lookup_static(cls, "__init__");
        if version != 0 {
            // The lookups ran no code: the version still describes `cls`.
            if let (Value::Obj(n), Some(Value::Obj(i))) = (&new, &init) {
                remember(version, n, i);
            }
        }
        (Some(new), init)
    }
}
