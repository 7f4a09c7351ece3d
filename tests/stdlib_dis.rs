//! Whole-stdlib check: for every `.pyc` of the installed CPython 3.11's
//! Lib (`__pycache__/*.cpython-311.pyc`, no `.opt-`, without test/,
//! site-packages, idle_test, lib2to3/tests), pycvm's disassembly must be
//! identical to `dis.dis` run by CPython 3.11 (memory addresses
//! normalised). One python3.11 process writes all of CPython's outputs.
//! Also checks `co_lines()`, `co_positions()` and the exception table of
//! every code object.
//! Skips with a "SKIPPED:" message when no python3.11 is on PATH.

use std::path::PathBuf;
use std::process::Command;

mod common;

use common::normalize_addresses;
use pycvm::pyc::dis::{all_code_objects, dis, DisOptions};
use pycvm::pyc::load_pyc;

const SCRIPT: &str = r#"
import dis, marshal, os, sys, sysconfig
out = sys.argv[1]
lib = sysconfig.get_paths()["stdlib"]
skip = ("test", "site-packages", "idle_test", os.path.join("lib2to3", "tests"))
files = []
for root, dirs, names in os.walk(lib):
    rel = os.path.relpath(root, lib)
    parts = rel.split(os.sep)
    if parts[0] in ("test", "site-packages") or "idle_test" in parts or rel.startswith(skip[3]):
        dirs[:] = []
        continue
    dirs.sort()
    if os.path.basename(root) != "__pycache__":
        continue
    for n in sorted(names):
        if n.endswith(".cpython-311.pyc") and ".opt-" not in n:
            files.append(os.path.join(root, n))
with open(os.path.join(out, "manifest.txt"), "w") as m:
    for i, path in enumerate(files):
        with open(path, "rb") as f:
            data = f.read()
        co = marshal.loads(data[16:])
        with open(os.path.join(out, f"{i}.dis"), "w", encoding="utf-8",
                  errors="surrogateescape") as f:
            dis.dis(co, file=f)
        with open(os.path.join(out, f"{i}.tables"), "w") as f:
            def walk(c):
                yield c
                for k in c.co_consts:
                    if hasattr(k, "co_code"):
                        yield from walk(k)
            for c in walk(co):
                f.write(repr(list(c.co_lines())) + "\n")
                f.write(repr(list(c.co_positions())) + "\n")
                f.write(repr([tuple(e) for e in dis._parse_exception_table(c)]) + "\n")
        m.write(path + "\n")
"#;

fn find_python311() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("python3.11"))
        .find(|p| p.is_file())
}

fn py_opt(v: Option<i32>) -> String {
    v.map_or_else(|| "None".to_string(), |v| v.to_string())
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// Our `co_lines()` and exception table, printed as Python prints them.
fn tables_text(co: &pycvm::pyc::CodeObject) -> String {
    let mut s = String::new();
    for c in all_code_objects(co) {
        let lines: Vec<String> = c
            .lines()
            .iter()
            .map(|r| format!("({}, {}, {})", r.start, r.end, py_opt(r.line)))
            .collect();
        s.push_str(&format!("[{}]\n", lines.join(", ")));
        let pos: Vec<String> = c
            .positions()
            .iter()
            .map(|p| {
                format!(
                    "({}, {}, {}, {})",
                    py_opt(p.line),
                    py_opt(p.end_line),
                    py_opt(p.col),
                    py_opt(p.end_col)
                )
            })
            .collect();
        s.push_str(&format!("[{}]\n", pos.join(", ")));
        let exc: Vec<String> = c
            .exception_table()
            .iter()
            .map(|e| {
                format!(
                    "({}, {}, {}, {}, {})",
                    e.start,
                    e.end,
                    e.target,
                    e.depth,
                    py_bool(e.lasti)
                )
            })
            .collect();
        s.push_str(&format!("[{}]\n", exc.join(", ")));
    }
    s
}

fn first_difference(want: &str, got: &str) -> String {
    for (n, (w, g)) in want.lines().zip(got.lines()).enumerate() {
        if w != g {
            return format!("line {}: want {w:?}, got {g:?}", n + 1);
        }
    }
    format!(
        "want {} lines, got {}",
        want.lines().count(),
        got.lines().count()
    )
}

#[test]
fn stdlib_dis_matches_cpython() {
    let Some(python) = find_python311() else {
        println!("SKIPPED: stdlib_dis: no python3.11 on PATH");
        return;
    };
    let out = std::env::temp_dir().join(format!("pycvm-stdlib-dis-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let status = Command::new(&python)
        .env("PYTHONHASHSEED", "0")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg("-c")
        .arg(SCRIPT)
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "{} failed", python.display());
    let manifest = std::fs::read_to_string(out.join("manifest.txt")).unwrap();
    let files: Vec<&str> = manifest.lines().collect();
    let mut identical = 0;
    let mut tables_ok = 0;
    let mut mismatches = Vec::new();
    for (i, path) in files.iter().enumerate() {
        let data = std::fs::read(path).unwrap();
        let want = std::fs::read(out.join(format!("{i}.dis"))).unwrap();
        let want = String::from_utf8_lossy(&want);
        let (_, obj) = match load_pyc(&data) {
            Ok(x) => x,
            Err(e) => {
                mismatches.push(format!("{path}: load error: {e}"));
                continue;
            }
        };
        let co = obj.as_code().unwrap();
        let got = dis(co, DisOptions::default());
        let (w, g) = (normalize_addresses(&want), normalize_addresses(&got));
        if w == g {
            identical += 1;
        } else {
            mismatches.push(format!("{path}: {}", first_difference(&w, &g)));
        }
        let want_tables = std::fs::read_to_string(out.join(format!("{i}.tables"))).unwrap();
        if want_tables == tables_text(co) {
            tables_ok += 1;
        } else {
            mismatches.push(format!(
                "{path}: co_lines/co_positions/exception table differ"
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    println!(
        "stdlib dis: {identical}/{} files identical to CPython 3.11's dis.dis; \
         co_lines+co_positions+exception tables identical in {tables_ok}/{}",
        files.len(),
        files.len()
    );
    for m in &mismatches {
        println!("MISMATCH {m}");
    }
    assert!(files.len() > 100, "only {} stdlib files found", files.len());
    assert!(
        mismatches.is_empty(),
        "{} mismatches (first: {})",
        mismatches.len(),
        mismatches[0]
    );
}
