//! What the fuzz targets share: the calls each one makes into pycvm (the
//! same library functions the CLI uses) and the structure-aware mutator
//! of the `mutate_code` target. tests/fuzz_regressions.rs repeats these
//! calls on the saved crash inputs without needing this crate.

pub mod mutate;

use pycvm::pyc::code::CodeObject;
use pycvm::pyc::dis::{self, DisOptions};
use pycvm::pyc::header;
use pycvm::pyc::marshal::{dumps, loads};
use pycvm::pyc::repr::repr;
use pycvm::pyc::{Obj, Object};
use pycvm::vm::limited::{Limits, UntrustedVm};

/// The bounds of a fuzzed run: small enough for thousands of runs a
/// second, large enough to get through the fixtures' loops.
pub const LIMITS: Limits = Limits {
    budget: 2_000,
    recursion_limit: 60,
};

/// The header reader and everything `pycvm inspect` derives from it.
pub fn header(data: &[u8]) {
    let Ok(h) = header::parse(data) else {
        return;
    };
    let _ = (h.python_version(), h.implementation(), h.magic_hex());
    let _ = (h.source_mtime_utc(), h.source_hash_hex());
    let _ = header::source_hash_for(h.entry, data);
    let src = header::SourceInfo {
        bytes: data,
        mtime: i64::from(h.source_mtime.unwrap_or(0)) ^ 0x5a5a,
    };
    let _ = header::check_source(&h, src).describe();
}

/// The marshal reader, and for what it accepts: the reprs, and a
/// round trip through the writer that must reproduce its own output.
pub fn marshal(data: &[u8]) {
    let Ok(obj) = loads(data) else {
        return;
    };
    let _ = repr(&obj);
    if let Some(co) = obj.as_code() {
        exercise_code(co);
    }
    let Ok(once) = dumps(&obj) else {
        return;
    };
    let again = match loads(&once) {
        Ok(o) => o,
        Err(e) => panic!("the writer's output does not read back: {e}"),
    };
    match dumps(&again) {
        Ok(twice) => assert!(once == twice, "write→read→write changed the stream"),
        Err(e) => panic!("a re-read object does not write: {e}"),
    }
}

/// Every view `pycvm dis` (text and --json) takes of a code object.
pub fn exercise_code(co: &CodeObject) {
    for c in dis::all_code_objects(co) {
        let _ = c.lines();
        let _ = c.positions();
        let _ = c.exception_table();
        let _ = c.lnotab();
        let _ = dis::findlinestarts(c);
        let _ = dis::get_instructions(c, true);
        let _ = (c.varnames(), c.cellvars(), c.freevars(), c.nlocals());
        let _: Vec<String> = c.consts().iter().map(repr).collect();
    }
    for (show_caches, positions) in [(false, false), (true, true)] {
        let _ = dis::dis(
            co,
            DisOptions {
                show_caches,
                positions,
            },
        );
    }
}

/// A `.pyc` through `pycvm dis`'s calls.
pub fn dis_pyc(data: &[u8]) {
    if let Ok((_, obj)) = pycvm::pyc::load_pyc(data) {
        if let Some(co) = obj.as_code() {
            exercise_code(co);
        }
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
