//! The .pyc header reader and `pycvm inspect`, checked against what the
//! CPythons themselves reported (fixtures/headers/expected.json, made by
//! scripts/gen_header_fixtures.py).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

use pycvm::pyc::header::{
    self, check_source, cpython_final, lookup, parse, source_hash, source_hash_for,
    source_path_for, Freshness, HeaderError, Implementation, Invalidation, Layout, Mismatch,
    SourceInfo, MAGICS,
};
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn expected() -> Value {
    let text = fs::read_to_string(repo().join("fixtures/headers/expected.json"))
        .expect("fixtures/headers/expected.json (run scripts/gen_header_fixtures.py)");
    serde_json::from_str(&text).expect("expected.json is JSON")
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} is an array"))
}

fn read(rel: &str) -> Vec<u8> {
    fs::read(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn opt_u32(v: &Value) -> Option<u32> {
    v.as_u64().map(|n| u32::try_from(n).expect("u32"))
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("header-{name}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn set_mtime(path: &Path, secs: u64) {
    fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(UNIX_EPOCH + Duration::from_secs(secs)))
        .unwrap_or_else(|e| panic!("set mtime of {}: {e}", path.display()));
}

#[test]
fn parse_matches_what_each_cpython_saw() {
    let exp = expected();
    let files = arr(&exp, "files");
    assert!(files.len() >= 20, "expected the pycs of 2.7 and 3.6-3.13");
    for f in files {
        let path = f["path"].as_str().unwrap();
        let h = parse(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(u64::from(h.magic), f["magic"].as_u64().unwrap(), "{path}");
        assert_eq!(h.magic_hex(), f["magic_bytes"].as_str().unwrap(), "{path}");
        assert_eq!(
            h.python_version(),
            f["python_version"].as_str().unwrap(),
            "{path}"
        );
        assert_eq!(
            h.implementation().as_str(),
            f["implementation"].as_str().unwrap()
        );
        assert_eq!(h.flags, opt_u32(&f["flags"]), "{path}");
        assert_eq!(
            h.invalidation.as_str(),
            f["invalidation"].as_str().unwrap(),
            "{path}"
        );
        assert_eq!(h.source_mtime, opt_u32(&f["source_mtime"]), "{path}");
        assert_eq!(h.source_size, opt_u32(&f["source_size"]), "{path}");
        assert_eq!(
            h.source_hash_hex().as_deref(),
            f["source_hash"].as_str(),
            "{path}"
        );
        assert_eq!(
            h.header_size as u64,
            f["header_size"].as_u64().unwrap(),
            "{path}"
        );
        assert_eq!(
            h.source_mtime_utc().as_deref(),
            f["source_mtime_utc"].as_str(),
            "{path}"
        );
    }
}

#[test]
fn each_interpreter_magic_is_its_versions_final_magic() {
    let exp = expected();
    let mut seen = 0;
    for f in arr(&exp, "files") {
        let magic = f["magic"].as_u64().unwrap() as u16;
        let version = f["python_version"].as_str().unwrap();
        let entry = lookup(magic).expect("interpreter's magic is in the table");
        assert_eq!(entry.version, version);
        assert_eq!(entry.implementation, Implementation::CPython);
        assert_eq!(
            cpython_final(version).map(|e| e.magic),
            Some(magic),
            "{version}"
        );
        assert!(entry.label.contains("final"), "{version}: {}", entry.label);
        if let Some(raw) = f["raw_magic_number"].as_u64() {
            assert_eq!(u64::from(entry.raw_magic_number()), raw);
        }
        seen += 1;
    }
    assert!(seen > 0);
}

#[test]
fn table_holds_every_magic_in_each_cpythons_own_list() {
    let exp = expected();
    let lists = exp["comment_magics"].as_object().expect("comment_magics");
    assert!(lists.contains_key("3.13"));
    let mut checked = 0;
    for (interp, pairs) in lists {
        for pair in pairs.as_array().unwrap() {
            let magic = pair[0].as_u64().unwrap() as u16;
            let label = pair[1].as_str().unwrap();
            let e = lookup(magic)
                .unwrap_or_else(|| panic!("{magic} ({label}, listed by {interp}) missing"));
            assert_eq!(e.implementation, Implementation::CPython, "{magic}");
            let want = if label == "3000" {
                "3.0".to_string()
            } else {
                label.split('.').take(2).collect::<Vec<_>>().join(".")
            };
            // "3.11a1" -> "3.11"; "1.5.2" -> "1.5".
            let want: String = want
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            assert_eq!(e.version, want, "{magic} listed as {label}");
            // 3.6's list named some pre-releases one step earlier (3131 as
            // "3.0a5"); 3.7 corrected them and later lists agree with 3.13's.
            if interp != "3.6" {
                assert!(
                    e.label.contains(label),
                    "{magic}: {} lacks {label}",
                    e.label
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 900, "checked {checked}");
}

#[test]
fn table_invariants() {
    let mut magics: Vec<u16> = MAGICS.iter().map(|e| e.magic).collect();
    magics.sort_unstable();
    let n = magics.len();
    magics.dedup();
    assert_eq!(n, magics.len(), "a magic is listed twice");
    assert!(n >= 240, "{n} entries");
    // CPython 3.x magics grow with the version; layouts follow the magic.
    let mut py3: Vec<_> = MAGICS
        .iter()
        .filter(|e| e.implementation == Implementation::CPython && e.magic < 20000)
        .collect();
    py3.sort_by_key(|e| e.magic);
    for w in py3.windows(2) {
        assert!(w[0].version_tuple() <= w[1].version_tuple(), "{:?}", w);
    }
    assert_eq!(lookup(3200).map(|e| e.layout), Some(Layout::Mtime));
    assert_eq!(lookup(3210).map(|e| e.layout), Some(Layout::MtimeSize));
    assert_eq!(lookup(3391).map(|e| e.layout), Some(Layout::MtimeSize));
    assert_eq!(lookup(3392).map(|e| e.layout), Some(Layout::Pep552));
    assert_eq!(lookup(62211).map(|e| e.layout), Some(Layout::Mtime));
    // Interim development magics map to their version.
    assert_eq!(
        lookup(3450).map(|e| (e.version, e.label)),
        Some(("3.11", "3.11a1"))
    );
    assert_eq!(lookup(3600).map(|e| e.version), Some("3.14"));
    assert_eq!(lookup(3627).map(|e| e.version), Some("3.14"));
    assert_eq!(lookup(3000).map(|e| e.version), Some("3.0"));
    assert_eq!(lookup(20121).map(|e| e.version), Some("1.5"));
    // PyPy.
    for (m, v) in [
        (62218, "2.7"),
        (3187, "3.2"),
        (112, "3.5"),
        (240, "3.7"),
        (384, "3.10"),
    ] {
        let e = lookup(m).expect("PyPy magic");
        assert_eq!((e.implementation, e.version), (Implementation::PyPy, v));
    }
    let pypy = MAGICS
        .iter()
        .filter(|e| e.implementation == Implementation::PyPy)
        .count();
    assert!(pypy >= 10);
}

#[test]
fn source_hash_matches_python311() {
    let exp = expected();
    let cases = arr(&exp, "source_hashes");
    assert!(cases.len() >= 10);
    for c in cases {
        let input = unhex(c["input_hex"].as_str().unwrap());
        let want = c["source_hash"].as_str().unwrap();
        assert_eq!(header::hex(&source_hash(&input)), want, "input {input:?}");
    }
}

#[test]
fn source_hash_of_each_version_as_that_interpreter_computed_it() {
    let exp = expected();
    let source = read(exp["source"].as_str().unwrap());
    let mut computed = 0;
    for f in arr(&exp, "files") {
        let Some(want) = f["interpreter_source_hash"].as_str() else {
            continue;
        };
        let h = parse(&read(f["path"].as_str().unwrap())).unwrap();
        match source_hash_for(h.entry, &source) {
            Some(got) => {
                assert_eq!(header::hex(&got), want, "{}", f["path"]);
                computed += 1;
            }
            None => panic!("no source hash computed for {}", f["path"]),
        }
    }
    assert!(computed >= 14, "3.7-3.13, checked and unchecked");
}

#[test]
fn utc_dates_match_python_datetime() {
    let exp = expected();
    for d in arr(&exp, "utc_dates") {
        let secs = d[0].as_i64().unwrap();
        assert_eq!(header::format_utc(secs), d[1].as_str().unwrap(), "{secs}");
    }
    assert_eq!(header::format_utc(-1), "1969-12-31T23:59:59Z");
}

#[test]
fn bad_inputs_give_typed_errors() {
    let exp = expected();
    for b in arr(&exp, "bad") {
        let path = b["path"].as_str().unwrap();
        let offset = b["offset"].as_u64().unwrap() as usize;
        let res = parse(&read(path));
        match (b["kind"].as_str().unwrap(), &res) {
            ("truncated", Err(e @ HeaderError::Truncated { .. })) => {
                assert_eq!(e.offset(), offset, "{path}")
            }
            ("unknown-magic", Err(HeaderError::UnknownMagic { magic: 1234, .. }))
            | ("bad-crlf", Err(HeaderError::BadMagicTail { .. })) => {}
            ("invalid-flags", Err(HeaderError::InvalidFlags { flags })) => {
                // CPython said "invalid flags N"; so do we.
                let cpython = b["cpython_error"].as_str().unwrap();
                assert!(
                    cpython.contains(&format!("invalid flags {flags} ")),
                    "{cpython}"
                );
                assert!(res
                    .as_ref()
                    .unwrap_err()
                    .to_string()
                    .contains(&flags.to_string()));
            }
            ("ok", Ok(h)) => {
                assert!(b["cpython_error"].is_null());
                assert_eq!(h.flags, Some(2));
                assert_eq!(h.invalidation, Invalidation::Timestamp);
            }
            (kind, other) => panic!("{path}: expected {kind}, got {other:?}"),
        }
        if let Err(e) = &res {
            assert_eq!(e.offset(), offset, "{path}");
            assert!(e.to_string().contains("byte"), "{e}");
        }
    }
    // Every prefix of a good file short of the header is an error, never a panic.
    let good = read("fixtures/headers/pyc/hello.py311.timestamp.pyc");
    for n in 0..16 {
        assert!(parse(&good[..n]).is_err(), "prefix {n}");
    }
    assert!(parse(&good[..16]).is_ok());
}

fn stamp(pyc_rel: &str) -> header::PycHeader {
    parse(&read(pyc_rel)).expect("fixture parses")
}

#[test]
fn stale_check_timestamp_pycs() {
    let source = read("fixtures/headers/src/hello.py");
    let h = stamp("fixtures/headers/pyc/hello.py311.timestamp.pyc");
    let fresh = check_source(
        &h,
        SourceInfo {
            bytes: &source,
            mtime: 1_700_000_000,
        },
    );
    assert_eq!(fresh.freshness, Freshness::Fresh);
    assert!(fresh.cpython_checks);
    let stale = check_source(
        &h,
        SourceInfo {
            bytes: &source,
            mtime: 1_700_000_001,
        },
    );
    assert_eq!(stale.freshness, Freshness::Stale);
    assert_eq!(
        stale.mismatches,
        vec![Mismatch::Mtime {
            pyc: 1_700_000_000,
            source: 1_700_000_001
        }]
    );
    let mut longer = source.clone();
    longer.push(b'\n');
    let stale = check_source(
        &h,
        SourceInfo {
            bytes: &longer,
            mtime: 1_700_000_000,
        },
    );
    assert_eq!(
        stale.mismatches,
        vec![Mismatch::Size {
            pyc: 63,
            source: 64
        }]
    );
    // mtime is compared mod 2**32, as importlib's `& 0xFFFFFFFF`.
    let wrapped = check_source(
        &h,
        SourceInfo {
            bytes: &source,
            mtime: 1_700_000_000 + (1 << 32),
        },
    );
    assert_eq!(wrapped.freshness, Freshness::Fresh);
    // 2.7: mtime only.
    let h27 = stamp("fixtures/headers/pyc/hello.py27.timestamp.pyc");
    let c = check_source(
        &h27,
        SourceInfo {
            bytes: &longer,
            mtime: 1_700_000_000,
        },
    );
    assert_eq!((c.freshness, c.compared), (Freshness::Fresh, "mtime"));
}

#[test]
fn stale_check_hash_pycs() {
    let source = read("fixtures/headers/src/hello.py");
    let mut edited = source.clone();
    edited.extend_from_slice(b"y = 2\n");
    for (rel, checks) in [
        ("fixtures/headers/pyc/hello.py311.checked-hash.pyc", true),
        ("fixtures/headers/pyc/hello.py311.unchecked-hash.pyc", false),
        ("fixtures/headers/pyc/hello.py313.checked-hash.pyc", true),
    ] {
        let h = stamp(rel);
        // mtime plays no part for hash-based pycs.
        let fresh = check_source(
            &h,
            SourceInfo {
                bytes: &source,
                mtime: 5,
            },
        );
        assert_eq!(fresh.freshness, Freshness::Fresh, "{rel}");
        assert_eq!(fresh.cpython_checks, checks, "{rel}");
        let stale = check_source(
            &h,
            SourceInfo {
                bytes: &edited,
                mtime: 1_700_000_000,
            },
        );
        assert_eq!(stale.freshness, Freshness::Stale, "{rel}");
        assert!(matches!(
            stale.mismatches.as_slice(),
            [Mismatch::Hash { .. }]
        ));
        assert_eq!(
            stale
                .describe()
                .contains("CPython imports it without checking"),
            !checks
        );
    }
    let h37 = stamp("fixtures/headers/pyc/hello.py37.checked-hash.pyc");
    let c = check_source(
        &h37,
        SourceInfo {
            bytes: &source,
            mtime: 0,
        },
    );
    // 3.7 hashed with SipHash-2-4 keyed with its own magic.
    assert_eq!(c.freshness, Freshness::Fresh);
}

#[test]
fn stale_check_reads_the_source_file() {
    let dir = scratch("file");
    let pyc = dir.join("__pycache__/hello.cpython-311.pyc");
    fs::create_dir_all(pyc.parent().unwrap()).unwrap();
    fs::copy(
        repo().join("fixtures/headers/pyc/hello.py311.timestamp.pyc"),
        &pyc,
    )
    .unwrap();
    let src = dir.join("hello.py");
    fs::copy(repo().join("fixtures/headers/src/hello.py"), &src).unwrap();
    assert_eq!(source_path_for(&pyc), Some(src.clone()));
    let h = parse(&fs::read(&pyc).unwrap()).unwrap();
    set_mtime(&src, 1_700_000_000);
    let c = header::check_source_file(&h, &src).unwrap();
    assert_eq!(c.freshness, Freshness::Fresh);
    set_mtime(&src, 1_800_000_000);
    let c = header::check_source_file(&h, &src).unwrap();
    assert_eq!(c.freshness, Freshness::Stale);
    assert!(header::check_source_file(&h, &dir.join("missing.py")).is_err());
}

#[test]
fn source_paths_like_importlib() {
    let p = |s: &str| source_path_for(Path::new(s));
    assert_eq!(p("a/__pycache__/x.cpython-311.pyc"), Some("a/x.py".into()));
    assert_eq!(
        p("a/__pycache__/x.cpython-311.opt-2.pyc"),
        Some("a/x.py".into())
    );
    assert_eq!(p("__pycache__/x.cpython-311.pyc"), Some("x.py".into()));
    assert_eq!(p("a/__pycache__/x.pyc"), None);
    assert_eq!(p("a/__pycache__/x.a.b.pyc"), None);
    assert_eq!(p("a/legacy.pyc"), Some("a/legacy.py".into()));
    assert_eq!(p("a/notpyc.txt"), None);
}

// ---------------------------------------------------------------------------
// The binary.

fn pycvm(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pycvm"))
        .current_dir(repo())
        .args(args)
        .output()
        .expect("run pycvm")
}

#[test]
fn inspect_json_matches_expected() {
    let exp = expected();
    let files = arr(&exp, "files");
    let paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    let mut args = vec!["inspect", "--json"];
    args.extend(&paths);
    let out = pycvm(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let got = got.as_array().expect("array");
    assert_eq!(got.len(), files.len());
    for (g, f) in got.iter().zip(files) {
        for key in [
            "path",
            "magic",
            "magic_bytes",
            "python_version",
            "implementation",
            "flags",
            "invalidation",
            "source_mtime",
            "source_size",
            "source_hash",
            "header_size",
        ] {
            assert_eq!(g[key], f[key], "{key} of {}", f["path"]);
        }
        assert_eq!(
            g.get("source_mtime_utc").cloned().unwrap_or(Value::Null),
            f.get("source_mtime_utc").cloned().unwrap_or(Value::Null)
        );
    }
}

#[test]
fn inspect_walks_directories_and_reports_bad_files() {
    let out = pycvm(&[
        "inspect",
        "--json",
        "fixtures/headers/bad",
        "fixtures/headers/pyc",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let exp = expected();
    let bad: Vec<&Value> = arr(&exp, "bad")
        .iter()
        .filter(|b| b["kind"] != "ok")
        .collect();
    assert_eq!(stderr.lines().count(), bad.len(), "{stderr}");
    for b in &bad {
        let path = b["path"].as_str().unwrap();
        let line = stderr
            .lines()
            .find(|l| l.contains(path))
            .unwrap_or_else(|| panic!("no error line for {path}: {stderr}"));
        assert!(line.contains("byte"), "{line}");
        assert!(line.contains("expected"), "{line}");
    }
    let got: Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let got = got.as_array().unwrap();
    let ok = got.iter().filter(|o| o.get("error").is_none()).count();
    assert_eq!(
        ok,
        arr(&exp, "files").len() + 1,
        "all good pycs plus flags=2"
    );
}

#[test]
fn inspect_human_output_names_version_and_mode() {
    let out = pycvm(&[
        "inspect",
        "fixtures/headers/pyc/hello.py311.unchecked-hash.pyc",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("CPython 3.11"), "{text}");
    assert!(text.contains("unchecked-hash"), "{text}");
    assert!(text.contains("7bc8546d7f0baa2e"), "{text}");
}

/// Copy fixtures/headers/tree to a scratch dir and give the sources their
/// generation-time mtime (git does not keep mtimes).
fn tree_copy(name: &str) -> PathBuf {
    let dir = scratch(name);
    let src = repo().join("fixtures/headers/tree");
    for rel in [
        "legacy.py",
        "legacy.pyc",
        "pkg/mod.py",
        "pkg/changed.py",
        "pkg/__pycache__/mod.cpython-311.pyc",
        "pkg/__pycache__/changed.cpython-311.pyc",
        "pkg/__pycache__/junk.cpython-311.pyc",
    ] {
        let to = dir.join(rel);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(src.join(rel), &to).unwrap();
    }
    set_mtime(&dir.join("legacy.py"), 1_700_000_000);
    set_mtime(&dir.join("pkg/mod.py"), 1_700_000_000);
    dir
}

#[test]
fn inspect_check_finds_sources() {
    let dir = tree_copy("check");
    let d = dir.to_str().unwrap();
    let pyc = format!("{d}/pkg/__pycache__/mod.cpython-311.pyc");
    let legacy = format!("{d}/legacy.pyc");
    let changed = format!("{d}/pkg/__pycache__/changed.cpython-311.pyc");
    let out = pycvm(&["inspect", "--check", "--json", &pyc, &legacy, &changed]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    let status: Vec<&str> = got
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["check"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["fresh", "fresh", "stale"]);
    assert_eq!(got[0]["check"]["source"], format!("{d}/pkg/mod.py"));
    assert_eq!(got[1]["check"]["source"], format!("{d}/legacy.py"));
    assert_eq!(got[2]["check"]["mismatches"][0]["field"], "hash");
    // Touch the source: the timestamp pyc goes stale; --source overrides.
    set_mtime(&dir.join("pkg/mod.py"), 1_700_000_100);
    let out = pycvm(&["inspect", "--check", &pyc]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("stale (source mtime 1700000100"), "{text}");
    let out = pycvm(&[
        "inspect",
        "--json",
        "--source",
        &format!("{d}/legacy.py"),
        &pyc,
    ]);
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got[0]["check"]["status"], "fresh");
}

#[test]
fn inspect_recursive_summary() {
    let dir = tree_copy("summary");
    let out = pycvm(&["inspect", "-r", "--json", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "junk.pyc is unreadable");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1);
    assert!(stderr.contains("junk.cpython-311.pyc") && stderr.contains("byte 2"));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &got[0];
    assert_eq!(s["files"], 4);
    assert_eq!(s["by_version"]["CPython 3.11"], 3);
    assert_eq!(s["by_invalidation"]["timestamp"], 2);
    assert_eq!(s["by_invalidation"]["checked-hash"], 1);
    assert_eq!(s["fresh"], 2);
    assert_eq!(s["stale"], 1);
    assert_eq!(s["unreadable"], 1);
    assert_eq!(
        s["stale_files"][0]["path"],
        "pkg/__pycache__/changed.cpython-311.pyc"
    );
    let out = pycvm(&["inspect", "-r", dir.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("CPython 3.11: 3"), "{text}");
    assert!(text.contains("2 fresh, 1 stale"), "{text}");
}
