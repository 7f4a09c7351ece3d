//! Faults that must end as under CPython 3.11: SIGINT in a running loop
//! (KeyboardInterrupt traceback, then death by SIGINT), a closed stdout
//! pipe (BrokenPipeError, no panic); damaged bytecode given to `marshal.loads` (refused by
//! the verifier with a ValueError instead of running).

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

fn pycvm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pycvm"))
}

#[test]
fn sigint_raises_keyboard_interrupt_then_dies_by_sigint() {
    let mut child = pycvm()
        .args(["run", "fixtures/faults/sigint_loop.pyc"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "ready\n");
    // SAFETY: sending SIGINT to our own child process.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    // CPython 3.11 prints the traceback, then re-raises SIGINT on itself.
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
    assert!(
        err.starts_with("Traceback (most recent call last):\n"),
        "{err}"
    );
    assert_eq!(err.lines().last(), Some("KeyboardInterrupt"));
}

#[test]
fn closed_stdout_pipe_is_a_broken_pipe_error_not_a_panic() {
    let mut child = pycvm()
        .args(["run", "fixtures/faults/big_print.pyc"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    // As CPython 3.11: a BrokenPipeError traceback and exit status 1.
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(status.code(), Some(1), "{err}");
    assert_eq!(
        err.lines().last(),
        Some("BrokenPipeError: [Errno 32] Broken pipe"),
        "{err}"
    );
}

/// pycvm's own behaviour (CPython runs damaged bytecode and may crash):
/// code loads as in CPython and is verified before it first runs.
#[test]
fn damaged_bytecode_is_refused_where_it_would_run() {
    let out = pycvm()
        .args(["run", "fixtures/faults/marshal_bad_code.pyc"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "loading\nloaded f\ncalling\n"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.lines().last(),
        Some("SystemError: bad bytecode in code object 'f' at offset 2: unknown opcode 255"),
        "{err}"
    );
}

#[test]
fn running_a_source_file_says_how_to_compile_it() {
    let out = pycvm()
        .args(["run", "fixtures/faults/big_print.py"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("pycvm: fixtures/faults/big_print.py is Python source; pycvm runs compiled 3.11 bytecode: compile it with `python3.11 -m py_compile fixtures/faults/big_print.py`"),
        "{err}"
    );
}
