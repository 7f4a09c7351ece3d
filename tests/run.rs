//! The conformance corpus: `pycvm run fixtures/run/NAME.pyc` against what CPython 3.11 produced.
//!
//! `scripts/gen_run_fixtures.py` (python3.11) compiles every `fixtures/run/NAME.py` to
//! `NAME.pyc` (dfile = the repo-relative path) and records `NAME.stdout`, `NAME.stderr` and
//! `NAME.exit` from `python3.11 fixtures/run/NAME.pyc [ARGS]` run from the repository root with
//! PYTHONHASHSEED=0, PYTHONIOENCODING=utf-8 and no stdin. `NAME.args` (optional) holds extra
//! argv entries, one per line.
//!
//! A program passes when stdout and the exit status are byte-identical and the last line of
//! stderr is identical (the whole stderr when CPython printed a traceback). The test is a
//! ratchet: every program named in `fixtures/run/PASSING` must pass; programs that pass but
//! are not listed are printed so the list can be extended.
//!
//! Programs named `std_*` import pure-Python modules of CPython's standard library; they are
//! skipped, with a message, when no CPython 3.11 stdlib is installed. The expected outputs
//! write the stdlib's directory as `$STDLIB`; pycvm's output is compared after the same
//! substitution of the directory it found.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(10);
const THREADS: usize = 2;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_dir() -> PathBuf {
    root().join("fixtures/run")
}

/// Every program name (NAME for fixtures/run/NAME.py), sorted.
fn programs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(run_dir())
        .expect("fixtures/run exists")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".py").map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

fn read(name: &str, ext: &str) -> Vec<u8> {
    let p = run_dir().join(format!("{name}{ext}"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn passing_list() -> BTreeSet<String> {
    std::fs::read_to_string(run_dir().join("PASSING"))
        .expect("fixtures/run/PASSING exists")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

struct Outcome {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    status: Option<i32>,
    timed_out: bool,
}

fn run_program(name: &str) -> Outcome {
    let args: Vec<String> = std::fs::read_to_string(run_dir().join(format!("{name}.args")))
        .map(|s| s.lines().map(str::to_string).collect())
        .unwrap_or_default();
    let mut full = vec!["run".to_string(), format!("fixtures/run/{name}.pyc")];
    full.extend(args);
    let r = common::run_pycvm(&full, &root(), TIMEOUT);
    Outcome {
        stdout: stdlib_placeholder(r.stdout),
        stderr: stdlib_placeholder(r.stderr),
        status: r.status,
        timed_out: r.timed_out,
    }
}

/// `$STDLIB` in place of the standard library's directory (as the expected files have it).
fn stdlib_placeholder(out: Vec<u8>) -> Vec<u8> {
    static DIR: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| {
        pycvm::import::stdlib::find_stdlib(None)
            .found
            .map(|d| d.display().to_string())
    });
    let Some(d) = dir.as_deref().filter(|d| !d.is_empty()) else {
        return out;
    };
    let needle = d.as_bytes();
    let mut res = Vec::with_capacity(out.len());
    let mut i = 0;
    while i < out.len() {
        if out[i..].starts_with(needle) {
            res.extend_from_slice(b"$STDLIB");
            i += needle.len();
        } else {
            res.push(out[i]);
            i += 1;
        }
    }
    res
}

fn last_line(b: &[u8]) -> &[u8] {
    let t = b.strip_suffix(b"\n").unwrap_or(b);
    match t.iter().rposition(|&c| c == b'\n') {
        Some(i) => &t[i + 1..],
        None => t,
    }
}

/// A short line diff: the first differing line of each side, with its number.
fn short_diff(what: &str, want: &[u8], got: &[u8]) -> String {
    let w = String::from_utf8_lossy(want);
    let g = String::from_utf8_lossy(got);
    let wl: Vec<&str> = w.lines().collect();
    let gl: Vec<&str> = g.lines().collect();
    let i = wl.iter().zip(&gl).take_while(|(a, b)| a == b).count();
    let cut = |s: Option<&&str>| -> String {
        match s {
            None => "<end>".into(),
            Some(s) if s.chars().count() > 100 => {
                format!("{}...", s.chars().take(100).collect::<String>())
            }
            Some(s) => format!("{s:?}"),
        }
    };
    format!(
        "    {what} line {}: want {} got {} ({} vs {} lines)",
        i + 1,
        cut(wl.get(i)),
        cut(gl.get(i)),
        wl.len(),
        gl.len()
    )
}

/// None when the program passes, else why not.
fn check(name: &str) -> Option<String> {
    let want_out = read(name, ".stdout");
    let want_err = read(name, ".stderr");
    let want_exit: i32 = String::from_utf8_lossy(&read(name, ".exit"))
        .trim()
        .parse()
        .expect(".exit holds an integer");
    let got = run_program(name);
    let mut problems = Vec::new();
    if got.timed_out {
        problems.push(format!("    timed out after {}s", TIMEOUT.as_secs()));
    }
    if got.status != Some(want_exit) {
        problems.push(format!(
            "    exit status: want {want_exit} got {:?}",
            got.status
        ));
    }
    if got.stdout != want_out {
        problems.push(short_diff("stdout", &want_out, &got.stdout));
    }
    let full = want_err.windows(9).any(|w| w == b"Traceback");
    let err_ok = if full {
        got.stderr == want_err
    } else {
        last_line(&got.stderr) == last_line(&want_err)
    };
    if !err_ok {
        problems.push(short_diff(
            if full { "stderr" } else { "stderr (last line)" },
            if full {
                &want_err
            } else {
                last_line(&want_err)
            },
            if full {
                &got.stderr
            } else {
                last_line(&got.stderr)
            },
        ));
    }
    if problems.is_empty() {
        None
    } else {
        Some(problems.join("\n"))
    }
}

#[test]
fn corpus_is_complete() {
    let names = programs();
    assert!(
        names.len() >= 250,
        "only {} programs in fixtures/run",
        names.len()
    );
    for n in &names {
        for ext in [".pyc", ".stdout", ".stderr", ".exit"] {
            assert!(
                run_dir().join(format!("{n}{ext}")).is_file(),
                "fixtures/run/{n}{ext} is missing: run scripts/gen_run_fixtures.py"
            );
        }
        let src = String::from_utf8_lossy(&read(n, ".py")).into_owned();
        let lines = src.lines().count();
        assert!(
            (10..=200).contains(&lines),
            "{n}.py has {lines} lines (want 10..=200)"
        );
    }
    let known: BTreeSet<String> = names.iter().cloned().collect();
    for p in passing_list() {
        assert!(
            known.contains(&p),
            "PASSING names {p}, which is not in fixtures/run"
        );
    }
}

#[test]
fn corpus_matches_cpython() {
    let mut names = programs();
    let search = pycvm::import::stdlib::find_stdlib(None);
    if search.found.is_none() {
        let before = names.len();
        names.retain(|n| !n.starts_with("std_"));
        eprintln!(
            "skipping {} std_* programs: no CPython 3.11 standard library found (looked in {:?})",
            before - names.len(),
            search.tried
        );
    }
    let passing: BTreeSet<String> = passing_list()
        .into_iter()
        .filter(|n| names.contains(n))
        .collect();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(String, Option<String>)>> = Mutex::new(Vec::new());
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(name) = names.get(i) else { break };
                let r = check(name);
                results.lock().expect("lock").push((name.clone(), r));
            });
        }
    });
    let mut results = results.into_inner().expect("lock");
    results.sort();
    let failed: Vec<&(String, Option<String>)> = results.iter().filter(|r| r.1.is_some()).collect();
    let passed = results.len() - failed.len();
    // Short diffs for the first failures (all of them would drown the output).
    for (name, why) in failed.iter().take(15) {
        eprintln!("FAIL {name}\n{}", why.as_deref().unwrap_or(""));
    }
    if failed.len() > 15 {
        eprintln!("... and {} more failures", failed.len() - 15);
    }
    let newly: Vec<&str> = results
        .iter()
        .filter(|(n, r)| r.is_none() && !passing.contains(n))
        .map(|(n, _)| n.as_str())
        .collect();
    if !newly.is_empty() {
        eprintln!(
            "passing but not in fixtures/run/PASSING ({}):\n{}",
            newly.len(),
            newly.join("\n")
        );
    }
    eprintln!(
        "{passed} passed, {} failed ({:.1}s)",
        failed.len(),
        start.elapsed().as_secs_f64()
    );
    let regressions: Vec<&str> = failed
        .iter()
        .filter(|(n, _)| passing.contains(n))
        .map(|(n, _)| n.as_str())
        .collect();
    assert!(
        regressions.is_empty(),
        "programs listed in fixtures/run/PASSING fail: {regressions:?}"
    );
}
