//! `pycvm conform [--python PY] [--json] [--pycvm PATH] PATH...`: compile each
//! .py program with a CPython, run it under that CPython and under pycvm, and
//! compare stdout, stderr and exit status.
//!
//! Directories are walked recursively (sorted). A program `NAME.py` may have a
//! sibling `NAME.args` holding extra argv entries, one per line. Both runs get
//! `PYTHONHASHSEED=0`, `PYTHONIOENCODING=utf-8`, a null stdin, the current
//! directory as cwd and a per-program timeout.

use std::ffi::OsString;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{json, Value};

#[derive(clap::Args)]
pub struct ConformArgs {
    /// The CPython used to compile and run the programs (the oracle).
    #[arg(long, default_value = "python3.11")]
    pub python: OsString,
    /// The pycvm binary to test (default: this one).
    #[arg(long)]
    pub pycvm: Option<PathBuf>,
    /// Print a JSON array (one object per program) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Seconds each run may take before it is killed.
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
    /// Programs run at the same time (default: the number of CPUs).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// .py files, or directories searched recursively for .py files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// What one process run produced.
#[derive(Clone, Debug, PartialEq)]
struct RunOutput {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// Exit code, or the negated signal number, as Python's subprocess reports it.
    status: i32,
    timed_out: bool,
}

/// The verdict for one program.
enum Outcome {
    /// CPython and pycvm agreed (or disagreed) on these outputs.
    Compared {
        expected: RunOutput,
        actual: RunOutput,
    },
    /// The program could not be compared (no CPython, compile error, ...).
    Error(String),
}

struct Report {
    name: String,
    outcome: Outcome,
}

impl Report {
    /// The mismatch reasons; empty means PASS.
    fn reasons(&self) -> Vec<&'static str> {
        match &self.outcome {
            Outcome::Error(_) => vec!["error"],
            Outcome::Compared { expected, actual } => {
                let mut r = Vec::new();
                if actual.timed_out {
                    r.push("timeout");
                }
                if expected.stdout != actual.stdout {
                    r.push("stdout");
                }
                if expected.stderr != actual.stderr {
                    r.push("stderr");
                }
                if expected.status != actual.status {
                    r.push("exit status");
                }
                r
            }
        }
    }

    fn passed(&self) -> bool {
        self.reasons().is_empty()
    }

    /// `stdout differs`, `stdout and exit status differ`, `error: ...`.
    fn reason_text(&self) -> String {
        if let Outcome::Error(e) = &self.outcome {
            return format!("error: {e}");
        }
        let r: Vec<&str> = self
            .reasons()
            .into_iter()
            .filter(|r| *r != "timeout")
            .collect();
        let timeout = matches!(&self.outcome, Outcome::Compared { actual, .. } if actual.timed_out);
        let mut text = match r.len() {
            0 => String::new(),
            1 => format!("{} differs", r[0]),
            _ => {
                let (last, init) = r.split_last().unwrap_or((&"", &[]));
                format!("{} and {} differ", init.join(", "), last)
            }
        };
        if timeout {
            text = if text.is_empty() {
                "timed out".to_string()
            } else {
                format!("timed out; {text}")
            };
        }
        text
    }
}

pub fn main(args: ConformArgs) -> anyhow::Result<ExitCode> {
    let pycvm = match &args.pycvm {
        Some(p) => p.clone(),
        None => std::env::current_exe().context("cannot locate the pycvm binary")?,
    };
    let mut programs = Vec::new();
    for p in &args.paths {
        collect(p, &mut programs).with_context(|| format!("cannot read {}", p.display()))?;
    }
    let tmp = TempDir::new()?;
    let timeout = Duration::from_secs(args.timeout.max(1));
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, programs.len().max(1));

    let progress = std::io::stderr().is_terminal() && !programs.is_empty();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Report>>> =
        Mutex::new((0..programs.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(src) = programs.get(i) else { break };
                let report = check(src, i, &args.python, &pycvm, tmp.path(), timeout);
                let finished = done.fetch_add(1, Ordering::SeqCst) + 1;
                if progress {
                    let mut err = std::io::stderr().lock();
                    let _ = write!(
                        err,
                        "\r\x1b[K[{finished}/{}] {} {}",
                        programs.len(),
                        if report.passed() { "PASS" } else { "FAIL" },
                        report.name
                    );
                    let _ = err.flush();
                }
                if let Ok(mut r) = results.lock() {
                    if let Some(slot) = r.get_mut(i) {
                        *slot = Some(report);
                    }
                }
            });
        }
    });
    if progress {
        eprint!("\r\x1b[K");
    }
    let reports: Vec<Report> = results
        .into_inner()
        .map_err(|_| anyhow::anyhow!("a worker thread panicked"))?
        .into_iter()
        .flatten()
        .collect();

    let failed = reports.iter().filter(|r| !r.passed()).count();
    let passed = reports.len() - failed;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        let arr: Vec<Value> = reports.iter().map(report_json).collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&Value::Array(arr))?)?;
    } else {
        write_text(&mut out, &reports, passed, failed)?;
    }
    out.flush()?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Add `path` (a .py file, or a directory walked recursively and sorted) to `out`.
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            if e.is_dir() || e.extension().is_some_and(|x| x == "py") {
                collect(&e, out)?;
            }
        }
    } else {
        // A file named explicitly is taken as given (errors are reported per program).
        out.push(path.to_path_buf());
    }
    Ok(())
}

/// Extra argv for `NAME.py` from `NAME.args`, one per line.
fn program_args(src: &Path) -> Vec<String> {
    std::fs::read_to_string(src.with_extension("args"))
        .map(|s| s.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

const COMPILE: &str = "import py_compile, sys\n\
py_compile.compile(sys.argv[1], cfile=sys.argv[2], dfile=sys.argv[3], doraise=True,\n\
    invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)\n";

fn check(
    src: &Path,
    index: usize,
    python: &OsString,
    pycvm: &Path,
    tmp: &Path,
    timeout: Duration,
) -> Report {
    let name = src.display().to_string();
    let outcome = match compare(src, index, python, pycvm, tmp, timeout) {
        Ok(o) => o,
        Err(e) => Outcome::Error(format!("{e:#}")),
    };
    Report { name, outcome }
}

fn compare(
    src: &Path,
    index: usize,
    python: &OsString,
    pycvm: &Path,
    tmp: &Path,
    timeout: Duration,
) -> anyhow::Result<Outcome> {
    if !src.is_file() {
        anyhow::bail!("no such file");
    }
    let stem = src
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cfile = tmp.join(format!("{index:05}_{stem}.pyc"));
    let mut cmd = Command::new(python);
    cmd.arg("-c").arg(COMPILE).arg(src).arg(&cfile).arg(src);
    let compiled =
        run(cmd, timeout).with_context(|| format!("cannot run {}", python.to_string_lossy()))?;
    if compiled.status != 0 || compiled.timed_out {
        let msg = String::from_utf8_lossy(&compiled.stderr);
        let last = msg
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        anyhow::bail!("compile failed: {}", last.trim());
    }
    let args = program_args(src);
    let mut cmd = Command::new(python);
    cmd.arg(&cfile).args(&args);
    let expected =
        run(cmd, timeout).with_context(|| format!("cannot run {}", python.to_string_lossy()))?;
    let mut cmd = Command::new(pycvm);
    cmd.arg("run").arg(&cfile).args(&args);
    let actual = run(cmd, timeout).with_context(|| format!("cannot run {}", pycvm.display()))?;
    let _ = std::fs::remove_file(&cfile);
    Ok(Outcome::Compared { expected, actual })
}

/// Run `cmd` with the conformance environment; kill it after `timeout`.
fn run(mut cmd: Command, timeout: Duration) -> std::io::Result<RunOutput> {
    cmd.env("PYTHONHASHSEED", "0")
        .env("PYTHONIOENCODING", "utf-8")
        .env_remove("PYTHONDONTWRITEBYTECODE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    let mut so = child.stdout.take();
    let mut se = child.stderr.take();
    let t_out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = so.as_mut() {
            let _ = s.read_to_end(&mut buf);
        }
        buf
    });
    let t_err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = se.as_mut() {
            let _ = s.read_to_end(&mut buf);
        }
        buf
    });
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break st;
        }
        if start.elapsed() >= timeout {
            timed_out = true;
            let _ = child.kill();
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let stdout = t_out.join().unwrap_or_default();
    let stderr = t_err.join().unwrap_or_default();
    Ok(RunOutput {
        stdout,
        stderr,
        status: status_code(&status),
        timed_out,
    })
}

#[cfg(unix)]
fn status_code(st: &std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    st.code().or_else(|| st.signal().map(|s| -s)).unwrap_or(-1)
}

#[cfg(not(unix))]
fn status_code(st: &std::process::ExitStatus) -> i32 {
    st.code().unwrap_or(-1)
}

fn write_text(
    out: &mut impl Write,
    reports: &[Report],
    passed: usize,
    failed: usize,
) -> std::io::Result<()> {
    for r in reports {
        if r.passed() {
            writeln!(out, "PASS {}", r.name)?;
        } else {
            writeln!(out, "FAIL {} ({})", r.name, r.reason_text())?;
        }
    }
    let mut any_diff = false;
    for r in reports {
        if let Outcome::Compared { expected, actual } = &r.outcome {
            if r.passed() {
                continue;
            }
            if !any_diff {
                writeln!(out)?;
                any_diff = true;
            }
            writeln!(out, "=== {}", r.name)?;
            if expected.stdout != actual.stdout {
                write_diff(out, "stdout", &expected.stdout, &actual.stdout)?;
            }
            if expected.stderr != actual.stderr {
                write_diff(out, "stderr", &expected.stderr, &actual.stderr)?;
            }
            if expected.status != actual.status {
                writeln!(
                    out,
                    "exit status: cpython {}, pycvm {}",
                    expected.status, actual.status
                )?;
            }
            if actual.timed_out {
                writeln!(out, "pycvm was killed after the timeout")?;
            }
        }
    }
    // Summary table: how many programs passed, and how many failed for each reason
    // (a program failing on several counts appears in several rows).
    let rows: [(&str, &str); 5] = [
        ("stdout", "stdout differs"),
        ("stderr", "stderr differs"),
        ("exit status", "exit status differs"),
        ("timeout", "timed out"),
        ("error", "could not compare"),
    ];
    writeln!(out)?;
    writeln!(out, "{:<22}{:>7}", "result", "count")?;
    writeln!(out, "{:<22}{:>7}", "passed", passed)?;
    writeln!(out, "{:<22}{:>7}", "failed", failed)?;
    for (key, label) in rows {
        let n = reports
            .iter()
            .filter(|r| r.reasons().contains(&key))
            .count();
        if n > 0 {
            writeln!(out, "  {:<20}{:>7}", label, n)?;
        }
    }
    writeln!(out)?;
    writeln!(out, "{passed} passed, {failed} failed")?;
    Ok(())
}

/// Most differing lines shown per stream.
const DIFF_LIMIT: usize = 20;

fn write_diff(out: &mut impl Write, what: &str, a: &[u8], b: &[u8]) -> std::io::Result<()> {
    writeln!(out, "--- cpython {what}")?;
    writeln!(out, "+++ pycvm {what}")?;
    for line in diff_lines(a, b, DIFF_LIMIT) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// A unified-style line diff (`-` lines only CPython printed, `+` only pycvm,
/// `@@ -N +M @@` before each hunk), stopping after `limit` differing lines.
pub fn diff_lines(a: &[u8], b: &[u8], limit: usize) -> Vec<String> {
    let a = String::from_utf8_lossy(a);
    let b = String::from_utf8_lossy(b);
    let al: Vec<&str> = a.split_inclusive('\n').collect();
    let bl: Vec<&str> = b.split_inclusive('\n').collect();
    let mut lines = Vec::new();
    let mut shown = 0;
    let mut total = 0;
    let mut in_hunk = false;
    for op in line_ops(&al, &bl) {
        let (sign, i, j, text) = match op {
            Op::Same => {
                in_hunk = false;
                continue;
            }
            Op::Del(i, j) => ('-', i, j, al.get(i).copied().unwrap_or("")),
            Op::Ins(i, j) => ('+', i, j, bl.get(j).copied().unwrap_or("")),
        };
        total += 1;
        if shown >= limit {
            continue;
        }
        if !in_hunk {
            lines.push(format!("@@ -{} +{} @@", i + 1, j + 1));
            in_hunk = true;
        }
        let mut shown_text = text.strip_suffix('\n').unwrap_or(text).to_string();
        if !text.ends_with('\n') {
            shown_text.push_str("  (no newline at end)");
        }
        lines.push(format!("{sign}{shown_text}"));
        shown += 1;
    }
    if total > shown {
        lines.push(format!("... {} more differing lines", total - shown));
    }
    lines
}

/// One step of a line diff; `Del`/`Ins` carry the line positions in both inputs.
enum Op {
    Same,
    Del(usize, usize),
    Ins(usize, usize),
}

/// Longest-common-subsequence line diff; falls back to a positional
/// comparison when the inputs are too large for the quadratic table.
fn line_ops(a: &[&str], b: &[&str]) -> Vec<Op> {
    // Trim the common prefix and suffix first: outputs usually differ locally.
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let am = a.get(pre..).unwrap_or_default();
    let bm = b.get(pre..).unwrap_or_default();
    let suf = am
        .iter()
        .rev()
        .zip(bm.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let am = am.get(..am.len() - suf).unwrap_or_default();
    let bm = bm.get(..bm.len() - suf).unwrap_or_default();
    let (n, m) = (am.len(), bm.len());
    let mut ops: Vec<Op> = (0..pre).map(|_| Op::Same).collect();
    if n.saturating_mul(m) <= 4_000_000 {
        // t[i][j] = LCS length of am[i..] and bm[j..]
        let w = m + 1;
        let mut t = vec![0u32; (n + 1) * w];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                t[i * w + j] = if am[i] == bm[j] {
                    t[(i + 1) * w + j + 1] + 1
                } else {
                    t[(i + 1) * w + j].max(t[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && am[i] == bm[j] {
                ops.push(Op::Same);
                i += 1;
                j += 1;
            } else if i < n && (j == m || t[(i + 1) * w + j] >= t[i * w + j + 1]) {
                ops.push(Op::Del(pre + i, pre + j));
                i += 1;
            } else {
                ops.push(Op::Ins(pre + i, pre + j));
                j += 1;
            }
        }
    } else {
        for k in 0..n {
            ops.push(Op::Del(pre + k, pre));
        }
        for k in 0..m {
            ops.push(Op::Ins(pre + n, pre + k));
        }
    }
    ops.extend((0..suf).map(|_| Op::Same));
    ops
}

fn run_json(o: &RunOutput) -> Value {
    json!({
        "stdout": String::from_utf8_lossy(&o.stdout),
        "stderr": String::from_utf8_lossy(&o.stderr),
        "exit": o.status,
        "timed_out": o.timed_out,
    })
}

fn report_json(r: &Report) -> Value {
    let reasons: Vec<&str> = r.reasons();
    match &r.outcome {
        Outcome::Error(e) => json!({
            "name": r.name, "passed": false, "reasons": reasons, "error": e,
        }),
        Outcome::Compared { expected, actual } => json!({
            "name": r.name,
            "passed": reasons.is_empty(),
            "reasons": reasons,
            "cpython": run_json(expected),
            "pycvm": run_json(actual),
        }),
    }
}

/// A private temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> anyhow::Result<TempDir> {
        let base = std::env::temp_dir();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        for n in 0..100u32 {
            let p = base.join(format!("pycvm-conform-{}-{nanos}-{n}", std::process::id()));
            match std::fs::create_dir(&p) {
                Ok(()) => return Ok(TempDir(p)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e).context("cannot create a temporary directory"),
            }
        }
        anyhow::bail!("cannot create a temporary directory")
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
