//! Whether emptying `__main__`'s globals at exit can have made new cyclic
//! garbage (`Vm::finalize_main`): when it cannot, and the collection before
//! it found no garbage (so no finalizer ran since), the garbage collection
//! after it would find nothing, and is skipped.
//! A script that only imports modules (`import collections, json, re`)
//! then pays for one exit collection over everything it loaded, not two.
//!
//! Deleting a global drops one reference. That leaves garbage only if the
//! value (or what it refers to) stays alive without being reachable any
//! more, and runs code only if something dies with a `__del__`, a weakref
//! or a generator to finish. The deletion is *inert* when each value is
//! - an atom: no object, or a str, bytes, int or float of a builtin class
//!   without attributes, or an empty builtin dict, list or tuple (it refers
//!   to nothing but its builtin class);
//! - reachable from the interpreter's roots whatever the deletion does: a
//!   module in the interpreter's modules dict, or a class that such a
//!   module holds under its name;
//! - held by the globals alone, so that it dies now, of a plain layout
//!   (an instance, dict, list or tuple) whose class has no `__del__`, with
//!   no weakref, and whose references are all atoms, rooted, or die with
//!   it the same way, a few levels deep (`__main__`'s `__loader__`, an
//!   instance of a class of the import system, and its attribute dict).

use super::gc_traverse::traverse;
use super::rc::Rc;
use super::typeobj::{type_data, FLAG_HAS_DEL, FLAG_HEAPTYPE};
use super::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::Vm;

/// Whether deleting every entry of `items` (the globals' entries, each
/// value held once more by `items` itself) is inert (see the module doc).
pub(super) fn globals_drop_inert(vm: &Vm, globals: &PyRef, items: &[(Value, Value)]) -> bool {
    // The modules that root what they hold: not the one whose globals go.
    let mut modules = vm.dict_items(&vm.modules);
    modules.retain(|(_, m)| match m {
        Value::Obj(m) => !m.dict().is_some_and(|d| Rc::ptr_eq(&d, globals)),
        _ => false,
    });
    items.iter().all(|(_, v)| value_inert(vm, v, &modules))
}

fn value_inert(vm: &Vm, v: &Value, modules: &[(Value, Value)]) -> bool {
    match v {
        // The dict's reference and `items`' copy.
        Value::Obj(o) => inert(vm, o, 2, modules, 3),
        _ => true,
    }
}

/// Whether dropping one of the `held` references to `o` (all that hold
/// it, when it is to die) is inert, looking `depth` references deep.
fn inert(vm: &Vm, o: &PyRef, held: usize, modules: &[(Value, Value)], depth: u32) -> bool {
    if atom(o) || rooted(vm, o, modules) {
        return true;
    }
    let dies_alone = depth > 0
        && Rc::strong_count(o) == held
        && matches!(
            o.payload,
            Payload::Object
                | Payload::Instance(_)
                | Payload::Dict(_)
                | Payload::List(_)
                | Payload::Tuple(_)
        )
        && !class_flag(o, FLAG_HAS_DEL)
        && super::weakref::weakrefs_of(o).is_empty();
    if !dies_alone {
        return false;
    }
    // What it refers to loses a reference: it must be an atom, rooted, or
    // die with it in turn (held by it alone).
    let mut ok = true;
    traverse(o, &mut |r| {
        if let Value::Obj(t) = r {
            ok = ok && inert(vm, t, 1, modules, depth - 1);
        }
    });
    ok
}

fn class_flag(o: &PyRef, flag: u32) -> bool {
    o.class_version_flags().is_some_and(|(_, f)| f & flag != 0)
}

/// An object that refers to nothing but its builtin class.
fn atom(o: &PyRef) -> bool {
    if class_flag(o, FLAG_HEAPTYPE) || o.has_attrs() {
        return false;
    }
    match &o.payload {
        Payload::Str(_) | Payload::Bytes(_) | Payload::Int(_) | Payload::Float(_) => true,
        Payload::Tuple(items) => items.is_empty(),
        Payload::List(items) => items.try_borrow().is_ok_and(|l| l.is_empty()),
        Payload::Dict(t) => t.try_borrow().is_ok_and(|t| t.iter().next().is_none()),
        _ => false,
    }
}

/// A module of the interpreter's modules dict, or a class one of them
/// holds under the class's name.
fn rooted(vm: &Vm, o: &PyRef, modules: &[(Value, Value)]) -> bool {
    let mut module_values = modules.iter().filter_map(|(_, m)| match m {
        Value::Obj(m) if matches!(m.payload, Payload::Module(_)) => Some(m),
        _ => None,
    });
    match &o.payload {
        Payload::Module(_) => module_values.any(|m| Rc::ptr_eq(m, o)),
        Payload::Type(_) => {
            let Some(td) = type_data(o) else {
                return false;
            };
            let name = td.name();
            module_values.any(|m| {
                vm.get_attr_raw(m, &name)
                    .is_some_and(|v| matches!(v, Value::Obj(c) if Rc::ptr_eq(&c, o)))
            })
        }
        _ => false,
    }
}
