//! Regression tests for what fuzzing found (fuzz/, scripts/fuzz) and the
//! hand-made damaged files of fixtures/fuzz/ (scripts/gen_fuzz_fixtures.py).
//! Each input goes through the same library calls as its fuzz target,
//! without the nightly toolchain or cargo-fuzz; the hand-made files also
//! go to `pycvm run`, `dis` and `inspect`. Nothing may panic, hang or
//! allocate out of proportion; a refusal is a clear, one-line error.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pycvm::pyc::fuzz;
use pycvm::pyc::load_pyc;
use pycvm::pyc::marshal::{loads, MarshalErrorKind};
use pycvm::vm::limited::{run_untrusted_code, run_untrusted_pyc, Outcome, FUZZ_LIMITS};

fn fixtures(prefix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir("fixtures/fuzz")
        .expect("fixtures/fuzz")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix))
        })
        .collect();
    out.sort();
    out
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The `marshal` target: a broken round trip fails the test.
fn marshal_target(data: &[u8]) {
    if let Err(e) = fuzz::marshal(data) {
        panic!("{e}");
    }
}

/// The `verify_exec` target (with a fresh VM per input).
fn verify_exec_target(data: &[u8]) -> Option<Outcome> {
    let (_, code) = load_pyc(data).ok()?;
    run_untrusted_code(&code, FUZZ_LIMITS).ok()
}

#[test]
fn marshal_crash_inputs() {
    let inputs = fixtures("marshal_");
    assert!(!inputs.is_empty(), "fixtures/fuzz/marshal_* are missing");
    for p in inputs {
        marshal_target(&read(&p));
    }
}

#[test]
fn exec_crash_inputs_end_within_the_budget() {
    for p in fixtures("exec_") {
        let data = read(&p);
        if let Ok((_, obj)) = load_pyc(&data) {
            if let Some(co) = obj.as_code() {
                fuzz::exercise_code(co);
            }
        }
        let _ = verify_exec_target(&data);
    }
}

#[test]
fn hand_made_files_through_every_target() {
    for p in fixtures("hand_") {
        let data = read(&p);
        fuzz::header(&data);
        marshal_target(data.get(16..).unwrap_or(&[]));
        if let Ok((_, obj)) = load_pyc(&data) {
            if let Some(co) = obj.as_code() {
                fuzz::exercise_code(co);
            }
        }
        let _ = verify_exec_target(&data);
    }
}

#[test]
fn a_spent_budget_cannot_be_caught() {
    // `while True: try: while True: pass / except BaseException: pass`:
    // the budget's KeyboardInterrupt is caught once per budget unit, then
    // no handler runs and the run ends.
    let out = run_untrusted_pyc(&src_fixture("caught_budget"), FUZZ_LIMITS).expect("verifies");
    assert_eq!(out, Outcome::Raised("KeyboardInterrupt".into()));
}

#[test]
fn untrusted_runs_get_no_open_and_no_import() {
    for (name, exc) in [
        ("open", "NameError"),
        ("import", "ImportError"),
        ("exec_import", "ImportError"),
        ("sum", ""),
    ] {
        let out = run_untrusted_pyc(&src_fixture(name), FUZZ_LIMITS).expect("verifies");
        let want = if exc.is_empty() {
            Outcome::Returned
        } else {
            Outcome::Raised(exc.into())
        };
        assert_eq!(out, want, "{name}");
    }
}

/// fixtures/fuzz/src_NAME.pyc: small programs compiled by CPython 3.11
/// (scripts/gen_fuzz_fixtures.py has their sources).
fn src_fixture(name: &str) -> Vec<u8> {
    read(Path::new(&format!("fixtures/fuzz/src_{name}.pyc")))
}

/// A 10**6-deep nest of one-element tuples (or lists) after a 3.11 header.
fn deep_nest(list: bool) -> Vec<u8> {
    let mut data = read(Path::new("fixtures/fuzz/hand_header_only.pyc"));
    for _ in 0..1_000_000 {
        if list {
            data.extend_from_slice(b"[\x01\x00\x00\x00");
        } else {
            data.extend_from_slice(b")\x01");
        }
    }
    data.push(b'N');
    data
}

#[test]
fn million_deep_nests_stop_at_the_marshal_limit() {
    for list in [false, true] {
        let data = deep_nest(list);
        let err = loads(&data[16..]).expect_err("too deep");
        assert_eq!(err.kind, MarshalErrorKind::RecursionLimit);
        assert!(load_pyc(&data).is_err());
    }
}

fn pycvm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pycvm"))
        .args(args)
        .output()
        .expect("run pycvm")
}

/// A refusal: non-zero status, no panic, one line naming the file.
fn assert_clear_error(out: &Output, path: &str, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{what} {path}: succeeded");
    assert!(!stderr.contains("panicked"), "{what} {path}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{what} {path}: {stderr}");
    assert!(stderr.contains(path), "{what} {path}: {stderr}");
}

#[test]
fn commands_on_damaged_files_fail_with_one_line() {
    let refused = [
        "hand_zero_length.pyc",
        "hand_header_only.pyc",
        "hand_truncated_body.pyc",
        "hand_bitflip_type.pyc",
        "hand_huge_bytes_length.pyc",
        "hand_huge_list_length.pyc",
        "hand_negative_tuple_length.pyc",
        "hand_stacksize_negative.pyc",
        "hand_argcount_2_31.pyc",
        "hand_argcount_negative.pyc",
        "hand_kwonly_2_31.pyc",
    ];
    for name in refused {
        let path = format!("fixtures/fuzz/{name}");
        for cmd in ["run", "dis"] {
            assert_clear_error(&pycvm(&[cmd, &path]), &path, cmd);
        }
        let out = pycvm(&["inspect", &path]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "inspect {path}: {stderr}");
    }
    // co_stacksize 0 with a LOAD_CONST: the verifier refuses to run it.
    let path = "fixtures/fuzz/hand_stacksize_zero.pyc";
    let out = pycvm(&["run", path]);
    assert_clear_error(&out, path, "run");
    assert!(String::from_utf8_lossy(&out.stderr).contains("co_stacksize"));
}

#[test]
fn commands_on_deep_nests_fail_with_one_line() {
    let dir = std::env::temp_dir().join(format!("pycvm-fuzz-reg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for list in [false, true] {
        let p = dir.join(if list {
            "deep_lists.pyc"
        } else {
            "deep_tuples.pyc"
        });
        std::fs::write(&p, deep_nest(list)).expect("write");
        let path = p.to_string_lossy().into_owned();
        for cmd in ["run", "dis"] {
            let out = pycvm(&[cmd, &path]);
            assert_clear_error(&out, &path, cmd);
            assert!(String::from_utf8_lossy(&out.stderr).contains("recursion limit exceeded"));
        }
        assert!(pycvm(&["inspect", &path]).status.success());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn absurd_counts_run_without_giant_allocations() {
    // CPython 3.11 answers MemoryError for a co_stacksize of 2**30 or
    // 2**31-1 (it allocates the frame up front); pycvm grows its value
    // stack as used, so these run as the undamaged program does.
    for (name, stdout) in [
        ("hand_stacksize_2_31.pyc", "1\n"),
        ("hand_stacksize_2_30.pyc", "1\n"),
        ("hand_inner_stacksize_2_31.pyc", "3\n"),
        ("hand_nlocals_70000.pyc", "3\n"),
        ("hand_firstlineno_max.pyc", "1\n"),
    ] {
        let path = format!("fixtures/fuzz/{name}");
        let out = pycvm(&["run", &path]);
        assert_eq!(String::from_utf8_lossy(&out.stdout), stdout, "{name}");
        assert!(out.status.success(), "{name}");
        for cmd in ["dis", "inspect"] {
            let out = pycvm(&[cmd, &path]);
            assert!(out.status.success(), "{cmd} {name}");
        }
    }
}

#[test]
fn more_defaults_than_parameters() {
    // Found by mutate_code (a panic: "attempt to subtract with overflow").
    // CPython 3.11's output for fixtures/fuzz/src_defaults_longer.pyc:
    let out = pycvm(&["run", "fixtures/fuzz/src_defaults_longer.pyc"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "f() takes from -2 to 1 positional arguments but 4 were given\n"
    );
    assert!(out.status.success());
}
