//! The rest of `str`'s methods (case, search, split, strip, format, `%`).

use crate::vm::Vm;

/// Install the methods of this file in the str type.
pub fn install(vm: &mut Vm) {
    let _ = vm;
}
