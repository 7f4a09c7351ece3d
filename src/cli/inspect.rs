//! `pycvm inspect`: print .pyc headers in words or as JSON, check them
//! against their sources, and summarise whole trees. Formatting only; the
//! facts come from `pycvm::pyc::header`.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use pycvm::pyc::header::{
    self, check_source_file, source_path_for, Freshness, HeaderError, Implementation, Mismatch,
    PycHeader, StaleCheck,
};
use serde_json::{json, Value};

#[derive(clap::Args)]
pub struct InspectArgs {
    /// .pyc files, or directories to search (recursively) for .pyc files.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print a JSON array with one object per file (with -r: one summary
    /// object per directory).
    #[arg(long)]
    pub json: bool,
    /// Check each pyc against its source (`../x.py` for
    /// `__pycache__/x.TAG.pyc`, `x.py` beside a `x.pyc`) as importlib does.
    #[arg(long)]
    pub check: bool,
    /// Check against this source file instead (implies --check).
    #[arg(long, value_name = "FILE")]
    pub source: Option<PathBuf>,
    /// Summarise each directory tree: counts per version and implementation,
    /// per invalidation mode, stale and unreadable files.
    #[arg(short = 'r', long)]
    pub recursive: bool,
}

/// What happened to one file.
struct Report {
    path: PathBuf,
    outcome: Result<Inspected, Failure>,
}

struct Inspected {
    header: PycHeader,
    check: Option<CheckOutcome>,
}

enum CheckOutcome {
    Checked {
        source: PathBuf,
        check: StaleCheck,
    },
    NoSource {
        source: Option<PathBuf>,
        reason: String,
    },
}

enum Failure {
    Header(HeaderError),
    Io(String),
}

impl Failure {
    fn message(&self) -> String {
        match self {
            Failure::Header(e) => e.to_string(),
            Failure::Io(e) => e.clone(),
        }
    }
}

pub fn main(args: InspectArgs) -> anyhow::Result<ExitCode> {
    let check = args.check || args.source.is_some();
    let mut failed = false;
    let stdout = io::stdout();
    let mut out = stdout.lock();

    if args.recursive {
        let mut summaries = Vec::new();
        for root in &args.files {
            let reports = collect(root, true, args.source.as_deref());
            for r in &reports {
                if let Err(f) = &r.outcome {
                    failed = true;
                    eprintln!("pycvm inspect: {}: {}", r.path.display(), f.message());
                }
            }
            let summary = Summary::new(root, &reports);
            if args.json {
                summaries.push(summary.to_json());
            } else {
                summary.print(&mut out)?;
            }
        }
        if args.json {
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&Value::Array(summaries))?
            )?;
        }
    } else {
        let mut objects = Vec::new();
        let mut first = true;
        for root in &args.files {
            for r in collect(root, check, args.source.as_deref()) {
                if let Err(f) = &r.outcome {
                    failed = true;
                    eprintln!("pycvm inspect: {}: {}", r.path.display(), f.message());
                }
                if args.json {
                    objects.push(report_json(&r));
                } else if let Ok(ins) = &r.outcome {
                    if !first {
                        writeln!(out)?;
                    }
                    first = false;
                    print_report(&mut out, &r.path, ins)?;
                }
            }
        }
        if args.json {
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&Value::Array(objects))?
            )?;
        }
    }
    out.flush().context("writing the output")?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Inspect a file, or every .pyc under a directory (sorted by path).
fn collect(root: &Path, check: bool, source: Option<&Path>) -> Vec<Report> {
    let mut reports = Vec::new();
    if root.is_dir() {
        let mut files = Vec::new();
        let mut errors = Vec::new();
        walk(root, &mut files, &mut errors);
        files.sort();
        for (path, e) in errors {
            reports.push(Report {
                path,
                outcome: Err(Failure::Io(format!("cannot read directory: {e}"))),
            });
        }
        for f in files {
            reports.push(inspect_file(&f, check, source));
        }
    } else {
        reports.push(inspect_file(root, check, source));
    }
    reports
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<(PathBuf, io::Error)>) {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push((dir.to_path_buf(), e));
            return;
        }
    };
    let mut subdirs = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                errors.push((dir.to_path_buf(), e));
                continue;
            }
        };
        let path = entry.path();
        // Symbolic links to directories are not followed (no cycles).
        let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
        if is_dir {
            subdirs.push(path);
        } else if path.extension().is_some_and(|x| x == "pyc") {
            files.push(path);
        }
    }
    subdirs.sort();
    for d in subdirs {
        walk(&d, files, errors);
    }
}

/// The first 16 bytes of a file (fewer if it is shorter).
fn read_head(path: &Path) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(16);
    fs::File::open(path)?.take(16).read_to_end(&mut buf)?;
    Ok(buf)
}

fn inspect_file(path: &Path, check: bool, source: Option<&Path>) -> Report {
    let outcome = match read_head(path) {
        Err(e) => Err(Failure::Io(format!("cannot read: {e}"))),
        Ok(data) => match header::parse(&data) {
            Err(e) => Err(Failure::Header(e)),
            Ok(h) => {
                let check = check.then(|| run_check(path, &h, source));
                Ok(Inspected { header: h, check })
            }
        },
    };
    Report {
        path: path.to_path_buf(),
        outcome,
    }
}

fn run_check(pyc: &Path, h: &PycHeader, source: Option<&Path>) -> CheckOutcome {
    let src = match source {
        Some(s) => s.to_path_buf(),
        None => match source_path_for(pyc) {
            Some(s) => s,
            None => {
                return CheckOutcome::NoSource {
                    source: None,
                    reason: "cannot tell the source file from the pyc's name".into(),
                }
            }
        },
    };
    if !src.is_file() {
        return CheckOutcome::NoSource {
            reason: format!("{} not found", src.display()),
            source: Some(src),
        };
    }
    match check_source_file(h, &src) {
        Ok(check) => CheckOutcome::Checked { source: src, check },
        Err(e) => CheckOutcome::NoSource {
            source: Some(src),
            reason: e.to_string(),
        },
    }
}

fn opt_hex(h: &PycHeader) -> String {
    h.source_hash_hex().unwrap_or_default()
}

fn print_report(out: &mut impl Write, path: &Path, ins: &Inspected) -> io::Result<()> {
    let h = &ins.header;
    let b = &h.magic_bytes;
    writeln!(out, "{}", path.display())?;
    writeln!(
        out,
        "  magic:         {} ({:02x} {:02x} {:02x} {:02x}): {} {} ({})",
        h.magic,
        b[0],
        b[1],
        b[2],
        b[3],
        h.implementation(),
        h.python_version(),
        h.entry.label
    )?;
    writeln!(out, "  header size:   {} bytes", h.header_size)?;
    match h.flags {
        Some(f) => writeln!(out, "  flags:         {f:#010x} ({})", h.invalidation)?,
        None => writeln!(
            out,
            "  flags:         none (no PEP 552 flags word before 3.7): {}",
            h.invalidation
        )?,
    }
    if let Some(t) = h.source_mtime {
        writeln!(
            out,
            "  source mtime:  {t} ({})",
            header::format_utc(i64::from(t))
        )?;
    }
    if let Some(s) = h.source_size {
        writeln!(out, "  source size:   {s} bytes")?;
    }
    if h.source_hash.is_some() {
        writeln!(out, "  source hash:   {}", opt_hex(h))?;
    }
    match &ins.check {
        None => {}
        Some(CheckOutcome::Checked { source, check }) => {
            writeln!(out, "  source:        {}", source.display())?;
            writeln!(out, "  check:         {}", check.describe())?;
        }
        Some(CheckOutcome::NoSource { reason, .. }) => {
            writeln!(out, "  check:         not checked: {reason}")?;
        }
    }
    Ok(())
}

fn mismatch_json(m: &Mismatch) -> Value {
    match m {
        Mismatch::Mtime { pyc, source } => {
            json!({"field": "mtime", "pyc": pyc, "source": source, "message": m.to_string()})
        }
        Mismatch::Size { pyc, source } => {
            json!({"field": "size", "pyc": pyc, "source": source, "message": m.to_string()})
        }
        Mismatch::Hash { pyc, source } => json!({
            "field": "hash",
            "pyc": header::hex(pyc),
            "source": header::hex(source),
            "message": m.to_string()
        }),
    }
}

fn check_json(c: &CheckOutcome) -> Value {
    match c {
        CheckOutcome::Checked { source, check } => json!({
            "source": source.display().to_string(),
            "status": check.freshness.as_str(),
            "compared": check.compared,
            "cpython_checks": check.cpython_checks,
            "computed_source_hash": check.computed_hash.as_ref().map(|h| header::hex(h)),
            "mismatches": check.mismatches.iter().map(mismatch_json).collect::<Vec<_>>(),
            "message": check.describe(),
        }),
        CheckOutcome::NoSource { source, reason } => json!({
            "source": source.as_ref().map(|s| s.display().to_string()),
            "status": "no-source",
            "message": reason,
        }),
    }
}

fn report_json(r: &Report) -> Value {
    let path = r.path.display().to_string();
    match &r.outcome {
        Err(f) => {
            let offset = match f {
                Failure::Header(e) => Some(e.offset()),
                Failure::Io(_) => None,
            };
            json!({"path": path, "error": f.message(), "error_offset": offset})
        }
        Ok(ins) => {
            let h = &ins.header;
            let mut v = json!({
                "path": path,
                "magic": h.magic,
                "magic_bytes": h.magic_hex(),
                "python_version": h.python_version(),
                "implementation": h.implementation().as_str(),
                "release": h.entry.label,
                "flags": h.flags,
                "invalidation": h.invalidation.as_str(),
                "source_mtime": h.source_mtime,
                "source_mtime_utc": h.source_mtime_utc(),
                "source_size": h.source_size,
                "source_hash": h.source_hash_hex(),
                "header_size": h.header_size,
            });
            if let (Some(c), Some(obj)) = (&ins.check, v.as_object_mut()) {
                obj.insert("check".into(), check_json(c));
            }
            v
        }
    }
}

/// A version row of a summary: (implementation, (major, minor)) so 3.6
/// sorts before 3.10, mapping to the version string and a count.
type VersionCounts = BTreeMap<(Implementation, (u32, u32)), (&'static str, usize)>;

/// Counts over one directory tree.
struct Summary {
    root: PathBuf,
    files: usize,
    by_version: VersionCounts,
    by_invalidation: BTreeMap<&'static str, usize>,
    fresh: usize,
    unknown: usize,
    no_source: usize,
    stale: Vec<(String, String)>,
    unreadable: Vec<(String, String)>,
}

impl Summary {
    fn new(root: &Path, reports: &[Report]) -> Summary {
        let mut s = Summary {
            root: root.to_path_buf(),
            files: 0,
            by_version: BTreeMap::new(),
            by_invalidation: BTreeMap::new(),
            fresh: 0,
            unknown: 0,
            no_source: 0,
            stale: Vec::new(),
            unreadable: Vec::new(),
        };
        for r in reports {
            let rel = r
                .path
                .strip_prefix(root)
                .unwrap_or(&r.path)
                .display()
                .to_string();
            let rel = if rel.is_empty() {
                r.path.display().to_string()
            } else {
                rel
            };
            s.files += 1;
            match &r.outcome {
                Err(f) => s.unreadable.push((rel, f.message())),
                Ok(ins) => {
                    let h = &ins.header;
                    let key = (h.implementation(), h.entry.version_tuple());
                    s.by_version.entry(key).or_insert((h.python_version(), 0)).1 += 1;
                    *s.by_invalidation
                        .entry(h.invalidation.as_str())
                        .or_default() += 1;
                    match &ins.check {
                        Some(CheckOutcome::Checked { check, .. }) => match check.freshness {
                            Freshness::Fresh => s.fresh += 1,
                            Freshness::Unknown => s.unknown += 1,
                            Freshness::Stale => s.stale.push((rel, check.describe())),
                        },
                        Some(CheckOutcome::NoSource { .. }) | None => s.no_source += 1,
                    }
                }
            }
        }
        s
    }

    fn print(&self, out: &mut impl Write) -> io::Result<()> {
        writeln!(out, "{}: {} .pyc files", self.root.display(), self.files)?;
        let join = |m: Vec<String>| {
            if m.is_empty() {
                "-".to_string()
            } else {
                m.join(", ")
            }
        };
        let versions = self
            .by_version
            .iter()
            .map(|((imp, _), (ver, n))| format!("{imp} {ver}: {n}"))
            .collect();
        writeln!(out, "  by version:      {}", join(versions))?;
        let modes = self
            .by_invalidation
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        writeln!(out, "  by invalidation: {}", join(modes))?;
        writeln!(
            out,
            "  source check:    {} fresh, {} stale, {} unknown, {} without source",
            self.fresh,
            self.stale.len(),
            self.unknown,
            self.no_source
        )?;
        writeln!(out, "  unreadable:      {}", self.unreadable.len())?;
        for (p, why) in &self.stale {
            writeln!(out, "  stale: {p}: {why}")?;
        }
        for (p, why) in &self.unreadable {
            writeln!(out, "  unreadable: {p}: {why}")?;
        }
        Ok(())
    }

    fn to_json(&self) -> Value {
        let pairs = |v: &[(String, String)]| {
            v.iter()
                .map(|(p, m)| json!({"path": p, "message": m}))
                .collect::<Vec<_>>()
        };
        json!({
            "root": self.root.display().to_string(),
            "files": self.files,
            "by_version": self
                .by_version
                .iter()
                .map(|((imp, _), (ver, n))| (format!("{imp} {ver}"), json!(n)))
                .collect::<serde_json::Map<String, Value>>(),
            "by_invalidation": self.by_invalidation,
            "fresh": self.fresh,
            "stale": self.stale.len(),
            "unknown": self.unknown,
            "no_source": self.no_source,
            "unreadable": self.unreadable.len(),
            "stale_files": pairs(&self.stale),
            "unreadable_files": pairs(&self.unreadable),
        })
    }
}
