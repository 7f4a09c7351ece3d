//! Heap object sizes: a guard against payload variants growing every
//! object (memory per object is part of the speed goal, issue 5).

use pycvm::objects::{Payload, PyObject};
use pycvm::vm::Value;

#[test]
fn objects_stay_small() {
    let payload = std::mem::size_of::<Payload>();
    let object = std::mem::size_of::<PyObject>();
    println!(
        "Value {} bytes, Payload {payload} bytes, PyObject {object} bytes",
        std::mem::size_of::<Value>()
    );
    assert_eq!(std::mem::size_of::<Value>(), 16);
    // Large or rare payloads are boxed so that every object stays small.
    assert!(payload <= 48, "Payload grew to {payload} bytes");
    assert!(object <= 72, "PyObject grew to {object} bytes");
}
