//! Resource faults that end a program in a way the run corpus
//! (fixtures/run) cannot record: death by SIGTERM, and native recursion
//! so deep that CPython 3.11 itself crashes. Programs are in
//! fixtures/faults (compiled by scripts/gen_fault_fixtures.py).

use std::os::unix::process::ExitStatusExt;
use std::process::Command;

fn pycvm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pycvm"))
}

/// As CPython 3.11: SIGTERM's default action kills the process (status
/// -15), no traceback, no atexit handlers; what print() had buffered
/// without PYTHONUNBUFFERED is lost with it.
#[test]
fn sigterm_default_action_kills_the_process() {
    let out = pycvm()
        .args(["run", "fixtures/faults/sigterm_self.pyc"])
        .env_remove("PYTHONUNBUFFERED")
        .output()
        .unwrap();
    assert_eq!(out.status.signal(), Some(libc::SIGTERM), "{:?}", out.status);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ready\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// With `sys.setrecursionlimit(10**8)`, recursion through `__repr__`,
/// class calls, `__eq__` and the comparison of lists nested 300,000 deep
/// would overflow the native stack (CPython 3.11 dies by SIGSEGV on this
/// program). pycvm raises RecursionError (native re-entry cap, stack
/// guard) or, where the stack suffices, completes; it never crashes.
#[test]
fn native_recursion_past_the_stack_is_a_recursion_error() {
    let out = pycvm()
        .args(["run", "fixtures/faults/deep_native_recursion.pyc"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for name in ["repr", "init", "eq"] {
        let want = format!("{name} RecursionError: maximum recursion depth exceeded");
        assert!(stdout.contains(&want), "{name}: {stdout}");
    }
    // An optimised build's frames are small enough to compare the whole
    // depth; a debug build's reach the stack guard first.
    assert!(
        stdout.contains("nested eq returned\n")
            || stdout.contains("nested eq RecursionError: maximum recursion depth exceeded"),
        "{stdout}"
    );
    assert!(stdout.ends_with("done\n"), "{stdout}");
}
