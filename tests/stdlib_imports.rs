//! Import every pure-Python stdlib module that CPython 3.11 imports on this machine
//! (fixtures/stdlib/modules.txt, made by scripts/gen_stdlib_modules.py), each in a fresh
//! pycvm process, and report which fail and why. No import may crash pycvm (a panic, a
//! signal, a hang); the number that import must not drop below fixtures/stdlib/MIN_OK (a
//! ratchet: raise it as more modules work). Skipped, with a message, when no CPython 3.11
//! standard library is installed.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(60);
const THREADS: usize = 2;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/stdlib")
}

#[test]
fn stdlib_modules_import() {
    let search = pycvm::import::stdlib::find_stdlib(None);
    if search.found.is_none() {
        eprintln!(
            "skipping: no CPython 3.11 standard library found (looked in {:?})",
            search.tried
        );
        return;
    }
    let names: Vec<String> = std::fs::read_to_string(dir().join("modules.txt"))
        .expect("fixtures/stdlib/modules.txt")
        .lines()
        .map(str::to_string)
        .collect();
    let min_ok: usize = std::fs::read_to_string(dir().join("MIN_OK"))
        .expect("fixtures/stdlib/MIN_OK")
        .trim()
        .parse()
        .expect("MIN_OK holds a number");
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(String, Result<(), String>)>> = Mutex::new(Vec::new());
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(name) = names.get(i) else { break };
                let args = [
                    "run".to_string(),
                    "fixtures/stdlib/import_one.pyc".to_string(),
                    name.clone(),
                ];
                let r = common::run_pycvm(&args, &root, TIMEOUT);
                let out = String::from_utf8_lossy(&r.stdout).into_owned();
                let err = String::from_utf8_lossy(&r.stderr).into_owned();
                let outcome = if r.timed_out {
                    Err(format!("CRASH: timed out after {}s", TIMEOUT.as_secs()))
                } else if r.status.is_none() || err.contains("panicked") {
                    Err(format!("CRASH: status {:?}: {}", r.status, err.trim()))
                } else if out.trim() == format!("ok {name}") {
                    Ok(())
                } else if let Some(why) = out.trim().strip_prefix(&format!("fail {name}: ")) {
                    Err(why.to_string())
                } else {
                    let last = err.lines().last().unwrap_or("no output").to_string();
                    Err(format!("exit {:?}: {last}", r.status))
                };
                results.lock().expect("lock").push((name.clone(), outcome));
            });
        }
    });
    let mut results = results.into_inner().expect("lock");
    results.sort();
    let ok = results.iter().filter(|r| r.1.is_ok()).count();
    let mut by_reason: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (name, r) in &results {
        if let Err(why) = r {
            by_reason.entry(why.clone()).or_default().push(name);
        }
    }
    eprintln!("stdlib imports: {ok} of {} modules import", results.len());
    for (why, mods) in &by_reason {
        eprintln!("  {} x {why}: {}", mods.len(), mods.join(" "));
    }
    let crashes: Vec<&String> = by_reason
        .keys()
        .filter(|w| w.starts_with("CRASH"))
        .collect();
    assert!(
        crashes.is_empty(),
        "imports that crashed pycvm: {crashes:?}"
    );
    assert!(
        ok >= min_ok,
        "only {ok} stdlib modules import, fixtures/stdlib/MIN_OK says {min_ok}"
    );
}
