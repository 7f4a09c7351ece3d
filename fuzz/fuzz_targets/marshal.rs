//! The marshal reader on arbitrary bytes, and write→read→write round trips
//! of what it accepts.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pycvm_fuzz::marshal(data));
