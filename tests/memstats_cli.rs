//! `pycvm run --memstats FILE.pyc` prints a memory report on stderr when
//! the program ends, and `sys._debugmallocstats()` prints the same report
//! (fixtures/memstats/*.py, compiled by fixtures/memstats/gen_pyc.sh).
//! Figures differ by machine and run, so this checks the report's
//! structure: its sections in order, well-formed rows, totals that add up,
//! and the program's own output and exit status left as CPython gives
//! them.

mod common;

use std::path::PathBuf;
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> common::Run {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    common::run_pycvm(&args, &root(), Duration::from_secs(60))
}

/// A `name = N bytes` (or `= N`) row: the number, commas removed.
fn figure(line: &str) -> Option<u64> {
    let (_, v) = line.split_once('=')?;
    let v = v.trim().trim_end_matches("bytes").trim().replace(',', "");
    v.parse().ok()
}

/// Check one report (the whole of `text` from its first line); returns
/// the per-type rows (name, objects).
fn check_report(text: &str) -> Vec<(String, u64)> {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some("pycvm memory report"),
        "{text}"
    );
    let sections: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("# "))
        .collect();
    assert_eq!(sections.len(), 4, "{text}");
    assert_eq!(sections[0], "# process");
    assert!(sections[1].starts_with("# allocator: "), "{text}");
    assert_eq!(sections[2], "# cycle collector");
    assert_eq!(sections[3], "# live objects tracked by the cycle collector");
    let peak = lines
        .iter()
        .find(|l| l.starts_with("peak resident set size"))
        .and_then(|l| figure(l));
    assert!(peak.is_some_and(|p| p > 0), "{text}");
    // The generation table: a header and three rows of six integers.
    let head = lines
        .iter()
        .position(|l| l.starts_with("generation"))
        .expect("generation table");
    for (g, l) in lines[head + 1..head + 4].iter().enumerate() {
        let cols: Vec<&str> = l.split_whitespace().collect();
        assert_eq!(cols.len(), 6, "{l}");
        assert_eq!(cols[0], g.to_string());
        assert!(cols.iter().all(|c| c.parse::<i64>().is_ok()), "{l}");
    }
    assert_eq!(
        lines[head + 1].split_whitespace().nth(1),
        Some("700"),
        "generation 0's threshold"
    );
    // The type table: rows of (name, objects, bytes), most numerous first,
    // ending with the total.
    let start = lines
        .iter()
        .position(|l| l.starts_with("type "))
        .expect("type table");
    let mut rows = Vec::new();
    let mut total = None;
    for l in &lines[start + 1..] {
        let cols: Vec<&str> = l.split_whitespace().collect();
        assert!(cols.len() >= 3, "{l}");
        let n: u64 = cols[cols.len() - 2].parse().expect("object count");
        let name = cols[..cols.len() - 2].join(" ");
        if name == "total" {
            total = Some(n);
            break;
        }
        rows.push((name, n));
    }
    assert!(!rows.is_empty());
    // Most numerous first; the remaining types summed up last.
    let named: Vec<u64> = rows
        .iter()
        .filter(|r| !r.0.ends_with(" other types)"))
        .map(|r| r.1)
        .collect();
    assert!(named.windows(2).all(|w| w[0] >= w[1]), "{text}");
    assert_eq!(total, Some(rows.iter().map(|r| r.1).sum::<u64>()), "{text}");
    rows
}

#[test]
fn memstats_report_at_exit() {
    let r = run(&["run", "--memstats", "fixtures/memstats/keep_lists.pyc"]);
    assert_eq!(r.status, Some(0), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(String::from_utf8_lossy(&r.stdout), "done 1000\n");
    let err = String::from_utf8_lossy(&r.stderr);
    let rows = check_report(&err);
    // The 1000 lists the program keeps are live at its end.
    let lists = rows.iter().find(|r| r.0 == "list").map_or(0, |r| r.1);
    assert!(lists >= 1000, "{err}");
    // The program's gc.collect() ran a full collection.
    let full = err
        .lines()
        .find(|l| l.starts_with("2 "))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|c| c.parse::<i64>().ok());
    assert!(full.is_some_and(|n| n >= 1), "{err}");
}

#[test]
fn no_report_without_the_flag() {
    let r = run(&["run", "fixtures/memstats/keep_lists.pyc"]);
    assert_eq!(r.status, Some(0));
    assert_eq!(String::from_utf8_lossy(&r.stdout), "done 1000\n");
    assert!(
        r.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
}

#[test]
fn debugmallocstats_prints_the_report() {
    let r = run(&["run", "fixtures/memstats/debugmallocstats.pyc"]);
    assert_eq!(r.status, Some(3), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(String::from_utf8_lossy(&r.stdout), "None\n");
    check_report(&String::from_utf8_lossy(&r.stderr));
}
