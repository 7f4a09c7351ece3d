//! The disassembler against CPython 3.11's `dis.dis(marshal.loads(data[16:]))`
//! (fixtures/dis/NAME.dis, and NAME.caches.dis with show_caches=True,
//! written by scripts/gen_dis_fixtures.py). Only memory addresses
//! (`0x[0-9a-f]+`) are normalised.

mod common;

use common::normalize_addresses;
use pycvm::pyc::dis::{dis, DisOptions};
use pycvm::pyc::load_pyc;

const PROGRAMS: &[&str] = &[
    "basics",
    "control",
    "funcs",
    "constants",
    "big",
    "misc",
    "crafted",
];

fn first_difference(want: &str, got: &str) -> String {
    for (n, (w, g)) in want.lines().zip(got.lines()).enumerate() {
        if w != g {
            return format!("line {}:\n  want: {w:?}\n  got:  {g:?}", n + 1);
        }
    }
    format!(
        "line counts differ: want {}, got {}",
        want.lines().count(),
        got.lines().count()
    )
}

fn check(name: &str, expected_file: &str, opts: DisOptions) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/dis");
    let data = std::fs::read(format!("{dir}/{name}.pyc")).unwrap();
    let want = std::fs::read_to_string(format!("{dir}/{expected_file}")).unwrap();
    let (_, obj) = load_pyc(&data).unwrap_or_else(|e| panic!("{name}.pyc: {e}"));
    let got = dis(obj.as_code().unwrap(), opts);
    let (want, got) = (normalize_addresses(&want), normalize_addresses(&got));
    assert!(
        want == got,
        "{expected_file}: {}",
        first_difference(&want, &got)
    );
}

#[test]
fn dis_matches_cpython() {
    for name in PROGRAMS {
        check(name, &format!("{name}.dis"), DisOptions::default());
    }
}

#[test]
fn dis_show_caches_matches_cpython() {
    for name in PROGRAMS.iter().filter(|n| **n != "big") {
        let opts = DisOptions {
            show_caches: true,
            ..DisOptions::default()
        };
        check(name, &format!("{name}.caches.dis"), opts);
    }
}

#[test]
fn normalization_only_touches_addresses() {
    assert_eq!(
        normalize_addresses("<code object f at 0x7f00ab, file \"x\", line 1> 0x 10"),
        "<code object f at 0x?, file \"x\", line 1> 0x 10"
    );
}

// ---- the `pycvm dis` command line

fn pycvm(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_pycvm"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

fn fixture_text(name: &str) -> String {
    let path = format!("{}/fixtures/dis/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn cli_prints_cpython_text() {
    for (args, expected) in [
        (&["dis", "fixtures/dis/misc.pyc"][..], "misc.dis"),
        (
            &["dis", "--show-caches", "fixtures/dis/funcs.pyc"][..],
            "funcs.caches.dis",
        ),
    ] {
        let out = pycvm(args);
        assert!(out.status.success(), "{args:?}");
        let got = normalize_addresses(&String::from_utf8(out.stdout).unwrap());
        let want = normalize_addresses(&fixture_text(expected));
        assert!(want == got, "{args:?}: {}", first_difference(&want, &got));
    }
}

#[test]
fn cli_positions_column() {
    let out = pycvm(&["dis", "--positions", "fixtures/dis/misc.pyc"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    // First instruction of the module: co_positions()[0] == (0, 1, 0, 0).
    assert!(text.starts_with("0:0-1:0 "), "{}", &text[..40]);
    // Removing the column gives dis's text back.
    let plain = normalize_addresses(&fixture_text("misc.dis"));
    let mut stripped = String::new();
    for line in text.lines() {
        // Instruction lines start with the position text, e.g. "3:4-3:18".
        if line.starts_with(|c: char| c.is_ascii_digit() || c == '?') {
            let (pos, rest) = line.split_once(' ').unwrap();
            assert!(pos.contains(':') && pos.contains('-'), "{line}");
            stripped.push_str(rest);
        } else {
            stripped.push_str(line);
        }
        stripped.push('\n');
    }
    let squeeze = |s: &str| {
        s.lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(squeeze(&normalize_addresses(&stripped)), squeeze(&plain));
}

#[test]
fn cli_json_matches_code_fixture() {
    let out = pycvm(&["dis", "--json", "fixtures/dis/control.pyc"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let got: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let fx: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/code/control.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let want = fx["codes"].as_array().unwrap();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g["qualname"], w["qualname"]);
        assert_eq!(g["firstlineno"], w["firstlineno"]);
        assert_eq!(g["lines"], w["lines"]);
        let exc: Vec<serde_json::Value> = g["exception_table"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| serde_json::json!([e["start"], e["end"], e["target"], e["depth"], e["lasti"]]))
            .collect();
        assert_eq!(serde_json::Value::from(exc), w["exception_table"]);
        let instrs = g["instructions"].as_array().unwrap();
        assert!(!instrs.is_empty());
        assert_eq!(instrs[0]["opname"], "RESUME");
    }
    // The module's first LOAD_CONST shows its constant's repr.
    let load = &got[0]["instructions"][1];
    assert_eq!(load["opname"], "LOAD_CONST");
    assert!(load["argrepr"]
        .as_str()
        .unwrap()
        .starts_with("<code object loops at 0x"));
}

#[test]
fn cli_reports_bad_files() {
    let out = pycvm(&["dis", "fixtures/dis/misc.py"]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("fixtures/dis/misc.py"), "{err}");
    assert!(err.contains("at byte 2"), "{err}");
    assert!(out.stdout.is_empty());
}
