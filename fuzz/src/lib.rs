//! What the fuzz targets share: the calls each one makes into pycvm (the
//! `.pyc` side lives in `pycvm::pyc::fuzz`, which tests/fuzz_regressions.rs
//! also calls on the saved crash inputs), a VM kept across runs, and the
//! structure-aware mutator of the `mutate_code` target.

pub mod mutate;

pub use pycvm::pyc::fuzz::{dis_pyc, exercise_code, header};
pub use pycvm::vm::limited::FUZZ_LIMITS as LIMITS;

use pycvm::pyc::code::CodeObject;
use pycvm::pyc::dis;
use pycvm::pyc::{Obj, Object};
use pycvm::vm::limited::UntrustedVm;

/// The marshal reader and writer (`pycvm::pyc::fuzz::marshal`); a broken
/// round trip is a crash.
pub fn marshal(data: &[u8]) {
    if let Err(e) = pycvm::pyc::fuzz::marshal(data) {
        panic!("{e}");
    }
}

thread_local! {
    /// One VM for all runs of a fuzz process (a fresh VM per run would
    /// spend most of the time, and memory, on start-up); a crash is
    /// confirmed by re-running its input alone.
    static VM: std::cell::RefCell<UntrustedVm> = std::cell::RefCell::new(UntrustedVm::new(LIMITS));
}

/// Whether a code object has only small numeric constants. The budget
/// bounds the instructions a run executes, not the work of one
/// instruction: `range(10**9)` unpacked or `10**10**6` are the program's
/// own (CPython would take as long), and a fuzzer that flips the bytes of
/// a constant finds them by the thousand. Such runs are skipped.
pub fn small_constants(co: &CodeObject) -> bool {
    fn small(o: &Obj) -> bool {
        match o.value() {
            Object::Int(i) => i.unsigned_abs() <= 100_000,
            Object::Long(_) => false,
            Object::Float(f) => f.abs() <= 1e5 || f.is_nan(),
            Object::Complex { re, im } => re.abs() <= 1e5 && im.abs() <= 1e5,
            Object::Tuple(v) | Object::FrozenSet(v) => v.iter().all(small),
            _ => true,
        }
    }
    dis::all_code_objects(co)
        .iter()
        .all(|c| c.consts().iter().all(small))
}

/// Verify a code object and, if accepted, run it within [`LIMITS`]
/// (when its constants are small, see [`small_constants`]).
pub fn verify_exec(code: &Obj) {
    match code.as_code() {
        Some(co) if small_constants(co) => {}
        _ => return,
    }
    VM.with(|vm| {
        if let Ok(mut vm) = vm.try_borrow_mut() {
            let _ = vm.run(code);
        }
    });
}

/// A `.pyc` through the loader, the verifier and a bounded run.
pub fn verify_exec_pyc(data: &[u8]) {
    if let Ok((_, obj)) = pycvm::pyc::load_pyc(data) {
        verify_exec(&obj);
    }
}
