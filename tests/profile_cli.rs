//! `pycvm run --profile FILE.pyc` prints cProfile's table sorted by
//! cumulative time, as `python3.11 -m cProfile -s cumulative FILE.py` does
//! (fixtures/profile/*.expected, made by fixtures/profile/gen_expected.sh).
//! Timings differ run to run, so the comparison is of the program's output,
//! the header, and the set of (ncalls, function) rows; the cumulative-time
//! column must not increase down the table.

mod common;

use std::path::PathBuf;
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Table {
    before: Vec<String>,
    header: Vec<String>,
    rows: Vec<(String, String)>,
    cumtimes: Vec<f64>,
}

fn parse(text: &str) -> Table {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains(" function calls"))
        .unwrap_or(lines.len());
    let before = lines[..start].iter().map(|s| s.to_string()).collect();
    let mut header = Vec::new();
    let mut rows = Vec::new();
    let mut cumtimes = Vec::new();
    for l in lines.iter().skip(start) {
        let cols: Vec<&str> = l.split_whitespace().collect();
        if cols.len() >= 6 && cols[0] != "ncalls" && cols[1].parse::<f64>().is_ok() {
            rows.push((cols[0].to_string(), cols[5..].join(" ")));
            cumtimes.push(cols[3].parse::<f64>().unwrap_or(0.0));
        } else if let Some(i) = l.find(" in ") {
            header.push(l[..i].to_string());
        } else {
            header.push(l.to_string());
        }
    }
    rows.sort();
    Table {
        before,
        header,
        rows,
        cumtimes,
    }
}

#[test]
fn profile_table_matches_cprofile() {
    let dir = root().join("fixtures/profile");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures/profile exists")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.strip_suffix(".expected").map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for name in names {
        let args = vec![
            "run".to_string(),
            "--profile".to_string(),
            format!("fixtures/profile/{name}.pyc"),
        ];
        let r = common::run_pycvm(&args, &root(), Duration::from_secs(30));
        assert_eq!(
            r.status,
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        let got = parse(&String::from_utf8_lossy(&r.stdout));
        let want_text =
            std::fs::read_to_string(dir.join(format!("{name}.expected"))).expect("expected output");
        let want = parse(&want_text);
        assert_eq!(got.before, want.before, "{name}: program output");
        assert_eq!(got.header, want.header, "{name}: header");
        assert_eq!(got.rows, want.rows, "{name}: rows");
        assert!(
            got.cumtimes.windows(2).all(|w| w[0] >= w[1]),
            "{name}: not sorted by cumulative time"
        );
    }
}
