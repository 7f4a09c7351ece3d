//! A .pyc through the loader, the bytecode verifier and, if accepted, a
//! bounded run in a fresh VM (no imports, no files).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pycvm_fuzz::verify_exec_pyc(data));
