//! Object sizes that peak memory depends on: every heap object is an
//! `objects::rc::Rc<PyObject>` (two `u32` counts + the object), and
//! mimalloc rounds a block to its size class (56, 64, 80, 96, ...), so a
//! word more in `PyObject` or in a dict's table costs a whole size class
//! on every object.

use std::cell::RefCell;
use std::mem::size_of;

use pycvm::objects::dicttable::DictTable;
use pycvm::objects::{Payload, PyObject, StrObj};

#[test]
fn pyobject_fits_a_64_byte_block() {
    assert!(
        size_of::<Payload>() <= 40,
        "Payload is {}",
        size_of::<Payload>()
    );
    // The class, the one-word attribute storage (objects/attrs.rs), the
    // payload; the block adds the two 4-byte counts (objects/rc.rs).
    assert!(
        size_of::<PyObject>() <= 56,
        "PyObject is {}",
        size_of::<PyObject>()
    );
    assert_eq!(size_of::<pycvm::vm::value::PyRef>(), 8);
    assert_eq!(size_of::<Option<pycvm::vm::value::PyRef>>(), 8);
}

#[test]
fn tuple_items_are_four_words() {
    // One or two items inline beside the payload's tag
    // (objects/tuple_items.rs): a pair needs no allocation of its own.
    let n = size_of::<pycvm::objects::tuple_items::TupleItems>();
    assert!(n <= 32, "TupleItems is {n}");
}

#[test]
fn str_payload_is_four_words() {
    assert!(
        size_of::<StrObj>() <= 32,
        "StrObj is {}",
        size_of::<StrObj>()
    );
}

#[test]
fn dict_table_fits_a_64_byte_block() {
    let n = size_of::<RefCell<DictTable>>();
    assert!(n <= 64, "RefCell<DictTable> is {n}");
}

#[test]
fn code_fits_a_256_byte_block() {
    // A prepared code object is one `Rc<Code>` block (two 4-byte counts
    // and the `Code`); imported modules hold thousands of them, and
    // mimalloc's size classes go 256, 320, ... (session 14: 448 before).
    assert!(
        size_of::<pycvm::vm::code::Code>() <= 248,
        "Code is {}",
        size_of::<pycvm::vm::code::Code>()
    );
}

#[test]
fn function_fits_a_160_byte_block() {
    // Every function object boxes one `Function` (its `__kwdefaults__` and
    // `__annotations__` boxed apart); an import makes thousands, and
    // mimalloc's size classes go 128, 160, 192, 256 (256 before session 19;
    // 192 before session 25, when the five replaceable fields became
    // flagless `ValueCell`s).
    let n = size_of::<pycvm::objects::function::Function>();
    assert!(n <= 160, "Function is {n}");
}

#[test]
fn generator_state_fits_a_192_byte_block() {
    // Every generator and coroutine boxes one `RefCell<GenState>`;
    // mimalloc's size classes go 160, 192, 224 (session 16: 240 bytes, a
    // 256-byte block, before the async-generator finalizer became one
    // word; session 20: 224 before the names, the frame object and the
    // finalizer went to the rarely made `GenRare`).
    let n = size_of::<RefCell<pycvm::vm::gen::GenState>>();
    assert!(n <= 192, "RefCell<GenState> is {n}");
}

#[test]
fn future_state_fits_a_160_byte_block() {
    // Every asyncio Future and Task boxes one `Fut`; the exception and
    // cancellation fields are boxed apart and one done-callback is inline
    // (session 17: 232 bytes and a 128-byte callback vector before;
    // session 20: 184, a 192-byte block, before the waiter, coroutine and
    // name became one word each).
    let n = size_of::<pycvm::modules::asyncio::future::Fut>();
    assert!(n <= 160, "Fut is {n}");
}
