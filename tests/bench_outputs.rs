//! The benchmark programs as a correctness guard: `pycvm run benches/programs/NAME.pyc quick`
//! must print exactly what CPython 3.11 printed.
//!
//! `scripts/bench --update-expected` (python3.11) compiles every `benches/programs/NAME.py` to
//! `NAME.pyc` (dfile = the repo-relative path, UNCHECKED_HASH) and records `NAME.quick.out`,
//! the stdout of `python3.11 benches/programs/NAME.pyc quick` run from the repository root with
//! PYTHONHASHSEED=0 and PYTHONIOENCODING=utf-8. Quick mode shrinks each program ~50x, so this
//! checks the output, never the speed (speed is `scripts/bench`'s business).
//!
//! The test is a ratchet: every program named in `benches/programs/PASSING` must exit 0 with
//! identical stdout and, like CPython, nothing on stderr; programs that pass but are not
//! listed are printed so the list can grow.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use pycvm::pyc::header;

const TIMEOUT: Duration = Duration::from_secs(60);
const THREADS: usize = 2;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn dir() -> PathBuf {
    root().join("benches/programs")
}

/// Every program name (NAME for benches/programs/NAME.py), sorted.
fn programs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("benches/programs exists")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".py").map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

fn passing_list() -> BTreeSet<String> {
    std::fs::read_to_string(dir().join("PASSING"))
        .expect("benches/programs/PASSING exists")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

fn read(name: &str, ext: &str) -> Vec<u8> {
    let p = dir().join(format!("{name}{ext}"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// None when pycvm prints the expected output and exits 0, else why not.
fn check(name: &str) -> Option<String> {
    let want = read(name, ".quick.out");
    let args = [
        "run".to_string(),
        format!("benches/programs/{name}.pyc"),
        "quick".to_string(),
    ];
    let r = common::run_pycvm(&args, &root(), TIMEOUT);
    let (got, err, timed_out) = (r.stdout, r.stderr, r.timed_out);
    let status_code = r.status;
    if timed_out {
        return Some(format!("    timed out after {}s", TIMEOUT.as_secs()));
    }
    if status_code != Some(0) {
        let err = String::from_utf8_lossy(&err);
        let line = err.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
        return Some(format!("    exit status {status_code:?}: {line}"));
    }
    if !err.is_empty() {
        let err = String::from_utf8_lossy(&err);
        let line = err.lines().next().unwrap_or("");
        return Some(format!(
            "    stderr: want nothing (as CPython) got {line:?}"
        ));
    }
    if got != want {
        let w = String::from_utf8_lossy(&want);
        let g = String::from_utf8_lossy(&got);
        let wl: Vec<&str> = w.lines().collect();
        let gl: Vec<&str> = g.lines().collect();
        let i = wl.iter().zip(&gl).take_while(|(a, b)| a == b).count();
        return Some(format!(
            "    stdout line {}: want {:?} got {:?}",
            i + 1,
            wl.get(i).copied().unwrap_or("<end>"),
            gl.get(i).copied().unwrap_or("<end>")
        ));
    }
    None
}

#[test]
fn expected_outputs_are_complete_and_fresh() {
    let names = programs();
    assert!(names.len() >= 20, "only {} benchmark programs", names.len());
    for n in &names {
        for ext in [".pyc", ".quick.out"] {
            assert!(
                dir().join(format!("{n}{ext}")).is_file(),
                "benches/programs/{n}{ext} is missing: run scripts/bench --update-expected"
            );
        }
        // The committed .pyc is hash-based: it must be the compilation of today's source.
        let h = header::parse(&read(n, ".pyc")).expect("a valid pyc header");
        assert_eq!(
            h.source_hash,
            Some(header::source_hash(&read(n, ".py"))),
            "benches/programs/{n}.pyc is stale: run scripts/bench --update-expected"
        );
    }
    let known: BTreeSet<String> = names.iter().cloned().collect();
    for p in passing_list() {
        assert!(
            known.contains(&p),
            "benches/programs/PASSING names {p}, which is not a benchmark program"
        );
    }
}

#[test]
fn quick_outputs_match_cpython() {
    let names = programs();
    let passing = passing_list();
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
    let mut failed = 0;
    for (name, why) in &results {
        if let Some(why) = why {
            failed += 1;
            eprintln!("FAIL {name}\n{why}");
        }
    }
    let newly: Vec<&str> = results
        .iter()
        .filter(|(n, r)| r.is_none() && !passing.contains(n))
        .map(|(n, _)| n.as_str())
        .collect();
    if !newly.is_empty() {
        eprintln!(
            "passing but not in benches/programs/PASSING ({}):\n{}",
            newly.len(),
            newly.join("\n")
        );
    }
    eprintln!(
        "{} passed, {failed} failed ({:.1}s)",
        results.len() - failed,
        start.elapsed().as_secs_f64()
    );
    let regressions: Vec<&str> = results
        .iter()
        .filter(|(n, r)| r.is_some() && passing.contains(n))
        .map(|(n, _)| n.as_str())
        .collect();
    assert!(
        regressions.is_empty(),
        "programs listed in benches/programs/PASSING fail: {regressions:?}"
    );
}
