//! The .pyc header reader and what `pycvm inspect` derives from a header.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pycvm_fuzz::header(data));
