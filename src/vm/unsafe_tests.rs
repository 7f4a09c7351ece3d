//! Unit tests of the object model's `unsafe` code, small enough for Miri
//! (`cargo +nightly miri test --lib unsafe_tests`): a value's two-word
//! moves and copies (`Value::clone`, `into_words`/`from_words`, the value
//! stack's `write_words`/`read_words`), an object's class cell
//! (`PyObject::class`/`set_class`), and the per-interpreter statics
//! (`interp_local!`). They run in the ordinary test suite too.

use crate::objects::rc::Rc;
use crate::vm::value::Truth;
use std::cell::{Cell, RefCell};

use crate::objects::{Payload, PyObject};
use crate::vm::ops::{read_words, write_words};
use crate::vm::value::{PyRef, Value};

fn obj() -> PyRef {
    Rc::new(PyObject::new_bootstrap(Payload::Object))
}

#[test]
fn clone_and_drop_keep_the_count() {
    let o = obj();
    let v = Value::Obj(o.clone());
    assert_eq!(Rc::strong_count(&o), 2);
    let w = v.clone();
    assert_eq!(Rc::strong_count(&o), 3);
    assert!(w.is(&v));
    drop(v);
    drop(w);
    assert_eq!(Rc::strong_count(&o), 1);
    for v in [
        Value::Null,
        Value::None,
        Value::Bool(Truth::True),
        Value::Int(-7),
        Value::float(f64::NAN),
    ] {
        let c = v.clone();
        assert!(c.is(&v));
    }
}

#[test]
fn words_round_trip_moves_the_reference() {
    let o = obj();
    let w = Value::Obj(o.clone()).into_words();
    assert_eq!(Rc::strong_count(&o), 2);
    // SAFETY: `w` are the words of a valid value, moved back exactly once.
    let v = unsafe { Value::from_words(w) };
    assert!(matches!(&v, Value::Obj(p) if Rc::ptr_eq(p, &o)));
    drop(v);
    assert_eq!(Rc::strong_count(&o), 1);
    let w = Value::Bool(Truth::True).into_words();
    // SAFETY: as above.
    assert!(matches!(
        unsafe { Value::from_words(w) },
        Value::Bool(Truth::True)
    ));
}

/// The value stack's push and pop (`Vm::push`/`Vm::pop`) on a plain Vec.
#[test]
fn stack_slots_written_and_read_as_words() {
    let o = obj();
    let mut stack: Vec<Value> = Vec::with_capacity(1);
    for i in 0..5 {
        let len = stack.len();
        if len == stack.capacity() {
            stack.reserve(1);
        }
        let v = if i % 2 == 0 {
            Value::Obj(o.clone())
        } else {
            Value::Int(i)
        };
        // SAFETY: `len < capacity`: the slot is allocated and uninitialised;
        // the length then covers it.
        unsafe {
            write_words(stack.as_mut_ptr().add(len), v);
            stack.set_len(len + 1);
        }
    }
    assert_eq!(Rc::strong_count(&o), 4);
    // Overwrite a slot whose value was taken out (STORE_FAST).
    if let Some(slot) = stack.get_mut(1) {
        let old = std::mem::take(slot);
        // SAFETY: the slot is initialised and holds `Null` (owns nothing).
        unsafe { write_words(slot, Value::Obj(o.clone())) };
        drop(old);
    }
    assert_eq!(Rc::strong_count(&o), 5);
    while let Some(len) = stack.len().checked_sub(1) {
        // SAFETY: the last slot holds a value; the length is cut first so
        // it moves out once.
        let v = unsafe {
            stack.set_len(len);
            read_words(stack.as_ptr().add(len))
        };
        drop(v);
    }
    assert_eq!(Rc::strong_count(&o), 1);
}

#[test]
fn class_cell_swaps_and_releases() {
    let a = obj();
    let b = obj();
    let x = PyObject::new(a.clone(), Payload::Object);
    assert!(x.class_is(&a));
    assert_eq!(Rc::strong_count(&a), 2);
    let c = x.class();
    assert!(c.as_ref().is_some_and(|c| Rc::ptr_eq(c, &a)));
    drop(c);
    x.set_class(b.clone());
    assert!(x.class_is(&b) && !x.class_is(&a));
    assert_eq!(Rc::strong_count(&a), 1);
    assert_eq!(Rc::strong_count(&b), 2);
    assert!(!x.class_is_static());
    assert_eq!(x.class_version_flags(), None);
    drop(x);
    assert_eq!(Rc::strong_count(&b), 1);
}

crate::interp_local! {
    static COUNTER: Cell<u32> = const { Cell::new(0) };
    static NAMES: RefCell<Vec<String>> = RefCell::new(Vec::new());
}

#[test]
fn interp_locals_keep_their_value() {
    COUNTER.set(COUNTER.get() + 1);
    NAMES.with_borrow_mut(|n| n.push("a".into()));
    NAMES.with_borrow_mut(|n| n.push("b".into()));
    assert_eq!(COUNTER.get(), 1);
    assert_eq!(NAMES.with_borrow(|n| n.join(",")), "a,b");
    // A thread that adopts this table sees the same statics.
    let t = crate::vm::interp_local::table();
    std::thread::scope(|s| {
        s.spawn(|| {
            crate::vm::interp_local::adopt(t);
            // Only the GIL holder may touch the statics: this thread runs
            // while the parent waits in `scope`.
            assert_eq!(NAMES.with_borrow(|n| n.len()), 2);
        });
    });
}
