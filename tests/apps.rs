//! Multi-module apps (fixtures/apps/*): packages, relative and circular imports, `-m`,
//! sourceless and `__pycache__` layouts, hash-based pycs, importlib's API. Each app runs
//! under pycvm in its directory as `scripts/gen_app_fixtures.py` ran it under CPython 3.11
//! (arguments in RUN, default `main.pyc`); stdout, stderr and the exit status must be
//! identical, with the app's absolute path written `$APP`. Apps importing pure-Python stdlib
//! modules (importlib, runpy for -m) are skipped when no CPython 3.11 stdlib is installed.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const TIMEOUT: Duration = Duration::from_secs(20);
/// Apps that need the installed standard library.
const NEEDS_STDLIB: [&str; 3] = ["dashm", "importlib_api", "utdiscover"];

fn apps_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/apps")
}

fn apps() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(apps_dir())
        .expect("fixtures/apps exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expected.exit").is_file())
        .collect();
    v.sort();
    v
}

/// A git checkout gives sources new mtimes: give each source of a timestamp pyc the mtime
/// its pyc records, as when CPython compiled it.
fn restore_mtimes(dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "__pycache__") {
                for pyc in std::fs::read_dir(&p).into_iter().flatten().flatten() {
                    set_source_mtime(&pyc.path());
                }
            } else {
                restore_mtimes(&p);
            }
        }
    }
}

fn set_source_mtime(pyc: &Path) {
    let Ok(data) = std::fs::read(pyc) else { return };
    let Ok(h) = pycvm::pyc::header::parse(&data) else {
        return;
    };
    let Some(mtime) = h.source_mtime else { return };
    let Some(name) = pyc.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let stem = name.split('.').next().unwrap_or_default();
    let Some(src) = pyc
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join(format!("{stem}.py")))
    else {
        return;
    };
    if let Ok(f) = std::fs::File::options().write(true).open(&src) {
        let t = UNIX_EPOCH + Duration::from_secs(u64::from(mtime));
        f.set_modified(t).expect("set mtime");
    }
}

fn run_app(app: &Path) -> common::Run {
    let args: Vec<String> = match std::fs::read_to_string(app.join("RUN")) {
        Ok(s) => s.split_whitespace().map(str::to_string).collect(),
        Err(_) => vec!["main.pyc".to_string()],
    };
    let mut full = vec!["run".to_string()];
    full.extend(args);
    common::run_pycvm(&full, app, TIMEOUT)
}

fn normalized(app: &Path, b: &[u8]) -> String {
    String::from_utf8_lossy(b).replace(&app.display().to_string(), "$APP")
}

#[test]
fn apps_match_cpython() {
    let have_stdlib = pycvm::import::stdlib::find_stdlib(None).found.is_some();
    let mut failures = Vec::new();
    let mut ran = 0;
    for app in apps() {
        let name = app.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        if !have_stdlib && NEEDS_STDLIB.contains(&name.as_str()) {
            eprintln!("skipping app {name}: no CPython 3.11 standard library found");
            continue;
        }
        restore_mtimes(&app);
        let r = run_app(&app);
        ran += 1;
        let read = |f: &str| std::fs::read_to_string(app.join(f)).expect("expected file");
        let want_exit: i32 = read("expected.exit").trim().parse().expect("exit status");
        let (out, err) = (normalized(&app, &r.stdout), normalized(&app, &r.stderr));
        let mut why = Vec::new();
        if r.status != Some(want_exit) {
            why.push(format!("exit: want {want_exit} got {:?}", r.status));
        }
        if out != read("expected.stdout") {
            why.push(format!(
                "stdout:\n--- want\n{}--- got\n{out}",
                read("expected.stdout")
            ));
        }
        if err != read("expected.stderr") {
            why.push(format!(
                "stderr:\n--- want\n{}--- got\n{err}",
                read("expected.stderr")
            ));
        }
        if !why.is_empty() {
            failures.push(format!("app {name}:\n{}", why.join("\n")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(ran >= 5, "only {ran} apps ran");
}

/// A source newer than its cached pyc: pycvm cannot recompile it, and says so.
#[test]
fn stale_pyc_is_a_clear_import_error() {
    let tmp = std::env::temp_dir().join(format!("pycvm-stale-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("__pycache__")).expect("mkdir");
    let app = apps_dir().join("circular");
    for f in ["main.pyc", "a.py", "b.py", "__pycache__/a.cpython-311.pyc"] {
        std::fs::copy(app.join(f), tmp.join(f)).expect("copy");
    }
    // b.py has no compiled file at all; a.py's pyc records another mtime.
    let later = SystemTime::now();
    let f = std::fs::File::options()
        .write(true)
        .open(tmp.join("a.py"))
        .expect("open");
    f.set_modified(later).expect("mtime");
    let r = common::run_pycvm(&["run".into(), "main.pyc".into()], &tmp, TIMEOUT);
    let err = String::from_utf8_lossy(&r.stderr).into_owned();
    let _ = std::fs::remove_dir_all(&tmp);
    assert_eq!(r.status, Some(1), "{err}");
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("ImportError: pycvm cannot compile '"),
        "{err}"
    );
    assert!(
        last.contains("a.py': it has no up-to-date compiled file"),
        "{err}"
    );
    assert!(last.contains("python3.11 -m compileall"), "{err}");
    assert!(
        err.contains("File \"main.py\", line 2, in <module>"),
        "the traceback shows the importing line: {err}"
    );
}
