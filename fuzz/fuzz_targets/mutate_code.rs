//! A fixture's code object edited by a script (see src/mutate.rs), then
//! disassembled, verified and, if accepted, run within bounds.
//! With PYCVM_FUZZ_DUMP=FILE set, the mutated .pyc is written to FILE
//! (to turn a crash into a regression fixture).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(pyc) = pycvm_fuzz::mutate::apply(data) else {
        return;
    };
    if let Some(path) = std::env::var_os("PYCVM_FUZZ_DUMP") {
        let _ = std::fs::write(path, &pyc);
    }
    pycvm_fuzz::dis_pyc(&pyc);
    pycvm_fuzz::verify_exec_pyc(&pyc);
});
