//! `pycvm conform`: output format and exit status. Needs python3.11 on PATH (skips otherwise).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn python() -> Option<&'static str> {
    let ok = Command::new("python3.11")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if ok {
        Some("python3.11")
    } else {
        eprintln!("skipping: python3.11 is not on PATH");
        None
    }
}

/// A fresh directory under the target dir holding two tiny programs.
fn programs(tag: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("conform-{tag}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("a_hello.py"),
        "print('hello')\nprint(sum(range(10)))\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("b_fail.py"),
        "import sys\nprint('before', sys.argv[1:])\nraise ValueError('boom')\n",
    )
    .expect("write");
    std::fs::write(dir.join("b_fail.args"), "x\ny z\n").expect("write");
    std::fs::write(dir.join("notes.txt"), "not a program").expect("write");
    dir
}

fn conform(dir: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pycvm"))
        .arg("conform")
        .args(["--python", "python3.11"])
        .args(extra)
        .arg(".")
        .current_dir(dir)
        .output()
        .expect("run pycvm conform")
}

fn vm_missing(dir: &Path) -> bool {
    let o = Command::new(env!("CARGO_BIN_EXE_pycvm"))
        .args(["run", "nothing.pyc"])
        .current_dir(dir)
        .output()
        .expect("run pycvm");
    String::from_utf8_lossy(&o.stderr).contains("not built yet")
}

#[test]
fn conform_reports_each_program_and_a_summary() {
    let Some(_) = python() else { return };
    let dir = programs("default");
    let out = conform(&dir, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    // One verdict line per program, in sorted order, first.
    let verdicts: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("PASS ") || l.starts_with("FAIL "))
        .collect();
    assert_eq!(verdicts.len(), 2, "{stdout}");
    assert!(verdicts[0].contains("./a_hello.py"), "{stdout}");
    assert!(verdicts[1].contains("./b_fail.py"), "{stdout}");
    let last = lines.last().copied().unwrap_or("");
    let (p, f) = last
        .split_once(" passed, ")
        .and_then(|(p, f)| {
            Some((
                p.parse::<usize>().ok()?,
                f.strip_suffix(" failed")?.parse::<usize>().ok()?,
            ))
        })
        .unwrap_or_else(|| panic!("last line is not `N passed, M failed`: {last:?}"));
    assert_eq!(p + f, 2);
    assert_eq!(out.status.code(), Some(if f == 0 { 0 } else { 1 }));
    if vm_missing(&dir) {
        // Today: pycvm cannot run anything, so both fail on every count.
        assert_eq!(last, "0 passed, 2 failed");
        assert_eq!(
            verdicts[0],
            "FAIL ./a_hello.py (stdout, stderr and exit status differ)"
        );
        assert_eq!(
            verdicts[1],
            "FAIL ./b_fail.py (stdout, stderr and exit status differ)"
        );
        assert!(stdout.contains("=== ./a_hello.py\n--- cpython stdout\n+++ pycvm stdout\n@@ -1 +1 @@\n-hello\n-45\n"), "{stdout}");
        assert!(
            stdout.contains("exit status: cpython 1, pycvm 2"),
            "{stdout}"
        );
        assert!(stdout.contains("-ValueError: boom"), "{stdout}");
        assert!(stdout.contains("\nresult"), "summary table: {stdout}");
        assert!(stdout.contains("  stdout differs            2"), "{stdout}");
    }
}

/// A stand-in pycvm that runs the .pyc with CPython: every program must PASS.
#[test]
fn conform_passes_when_outputs_match() {
    let Some(py) = python() else { return };
    let dir = programs("fake");
    let fake = dir.join("fake-pycvm.sh");
    std::fs::write(&fake, format!("#!/bin/sh\nshift\nexec {py} \"$@\"\n")).expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let fake_arg = fake.to_string_lossy().into_owned();
    let out = conform(&dir, &["--pycvm", &fake_arg]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("PASS ./a_hello.py\nPASS ./b_fail.py\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("\n2 passed, 0 failed\n"), "{stdout}");
    assert_eq!(out.status.code(), Some(0));

    let out = conform(&dir, &["--pycvm", &fake_arg, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let arr = v.as_array().expect("array");
    assert_eq!(arr.len(), 2);
    assert_eq!(arr[1]["name"], "./b_fail.py");
    assert_eq!(arr[1]["passed"], true);
    assert_eq!(arr[1]["cpython"]["exit"], 1);
    assert_eq!(arr[1]["cpython"]["stdout"], "before ['x', 'y z']\n");
    assert!(arr[1]["cpython"]["stderr"]
        .as_str()
        .is_some_and(|s| s.ends_with("ValueError: boom\n")));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn conform_reports_errors_per_program() {
    let Some(_) = python() else { return };
    let dir = programs("errors");
    std::fs::write(dir.join("c_syntax.py"), "x = (\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_pycvm"))
        .args([
            "conform",
            "--python",
            "python3.11",
            "c_syntax.py",
            "missing.py",
        ])
        .current_dir(&dir)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "FAIL c_syntax.py (error: compile failed: SyntaxError: '(' was never closed)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL missing.py (error: no such file)"),
        "{stdout}"
    );
    assert!(stdout.ends_with("\n0 passed, 2 failed\n"), "{stdout}");
    assert_eq!(out.status.code(), Some(1));

    let out = Command::new(env!("CARGO_BIN_EXE_pycvm"))
        .args([
            "conform",
            "--python",
            "/nonexistent/python3.11",
            "a_hello.py",
        ])
        .current_dir(&dir)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("FAIL a_hello.py (error: cannot run /nonexistent/python3.11"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(1));
}
