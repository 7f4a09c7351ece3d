//! A .pyc through the loader and the disassembler (`pycvm dis`'s calls).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pycvm_fuzz::dis_pyc(data));
