//! The memory report: `pycvm run --memstats FILE.pyc` prints it on stderr
//! when the program ends, and `sys._debugmallocstats()` prints it on
//! stderr at any time (CPython's prints pymalloc's arenas and size
//! classes; pycvm has no pymalloc, so this reports what it does know):
//! the process's resident memory, what the allocator says about itself
//! (the binary registers mimalloc's figures, [`set_allocator_info`]), the
//! cycle collector's generations, and the live objects the collector
//! tracks, counted by type.

use crate::objects::rc::Rc;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use super::value::Value;
use super::{PyResult, Vm};
use crate::objects::function::Args;
use crate::objects::PyObject;

/// Set by the CLI before the program starts.
static MEMSTATS_MAIN: AtomicBool = AtomicBool::new(false);

/// Figures the allocator gives about itself: (name, bytes).
pub type AllocatorInfo = fn() -> Vec<(&'static str, u64)>;

static ALLOCATOR: OnceLock<(&'static str, AllocatorInfo)> = OnceLock::new();

/// Ask for the report when the program ends (`--memstats`).
pub fn enable_memstats_main() {
    MEMSTATS_MAIN.store(true, Ordering::Relaxed);
}

/// Register the global allocator's name and a function giving its
/// figures (called by the binary, which chooses the allocator).
pub fn set_allocator_info(name: &'static str, f: AllocatorInfo) {
    let _ = ALLOCATOR.set((name, f));
}

/// Rows of the per-type table shown before the rest is summed up.
const TOP_TYPES: usize = 25;

/// The peak resident set size in bytes (`getrusage`'s `ru_maxrss`).
fn peak_rss() -> Option<u64> {
    // SAFETY: getrusage only writes the zero-initialised struct passed to it.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        (libc::getrusage(libc::RUSAGE_SELF, &mut ru) == 0).then_some(ru)
    }?;
    u64::try_from(ru.ru_maxrss).ok().map(|kb| kb * 1024)
}

/// The current resident set size in bytes (`/proc/self/statm`).
fn current_rss() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf reads a system constant and has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * u64::try_from(page).ok()?)
}

/// `1234567` as `1,234,567` (as `_debugmallocstats` prints sizes).
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Vm {
    /// The report's text (every line ends with a newline).
    pub fn memstats_report(&self) -> String {
        let mut out = String::new();
        let _ = self.write_memstats(&mut out);
        out
    }

    fn write_memstats(&self, out: &mut String) -> std::fmt::Result {
        let row = |out: &mut String, name: &str, v: Option<u64>| match v {
            Some(v) => writeln!(out, "{name:<32}= {:>15} bytes", grouped(v)),
            None => writeln!(out, "{name:<32}= {:>15}", "unknown"),
        };
        writeln!(out, "pycvm memory report")?;
        writeln!(out, "# process")?;
        row(out, "peak resident set size", peak_rss())?;
        row(out, "current resident set size", current_rss())?;
        match ALLOCATOR.get() {
            Some((name, f)) => {
                writeln!(out, "# allocator: {name}")?;
                for (k, v) in f() {
                    row(out, k, Some(v))?;
                }
            }
            None => writeln!(out, "# allocator: the system's (no figures)")?,
        }
        let ctl = crate::objects::gc::with_ctl(|c| (c.enabled, c.thresholds, c.stats));
        let counts = crate::objects::gc::get_count();
        writeln!(out, "# cycle collector")?;
        if let Some((enabled, thresholds, stats)) = ctl {
            writeln!(
                out,
                "{:<32}= {}",
                "automatic collection",
                if enabled { "enabled" } else { "disabled" }
            )?;
            writeln!(
                out,
                "{:<10} {:>9} {:>9} {:>11} {:>11} {:>13}",
                "generation", "threshold", "count", "collections", "collected", "uncollectable"
            )?;
            for g in 0..3 {
                let (t, c) = (thresholds[g], counts[g]);
                let s = stats[g];
                writeln!(
                    out,
                    "{g:<10} {t:>9} {c:>9} {:>11} {:>11} {:>13}",
                    s.collections, s.collected, s.uncollectable
                )?;
            }
        }
        writeln!(
            out,
            "{:<32}= {:>15}",
            "frozen objects",
            crate::objects::gc::freeze_count()
        )?;
        self.write_live_objects(out)
    }

    /// The objects the collector tracks, by type, most numerous first.
    fn write_live_objects(&self, out: &mut String) -> std::fmt::Result {
        let objs = crate::objects::gc::objects(None);
        let mut seen = std::collections::HashSet::with_capacity(objs.len());
        let mut by_type: HashMap<String, u64> = HashMap::new();
        for o in &objs {
            if seen.insert(Rc::as_ptr(o) as usize) {
                let name = self.type_name_of(&Value::Obj(o.clone()));
                *by_type.entry(name).or_insert(0) += 1;
            }
        }
        drop(objs);
        let total: u64 = by_type.values().sum();
        let mut rows: Vec<(String, u64)> = by_type.into_iter().collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        // Every object is one allocation of its header and payload; what
        // the payload owns (items, characters) is allocated apart.
        let each = std::mem::size_of::<PyObject>() as u64 + 2 * std::mem::size_of::<usize>() as u64;
        writeln!(out, "# live objects tracked by the cycle collector")?;
        writeln!(
            out,
            "(containers only: ints, floats, strs and bytes are not tracked; \
             each object is one {each}-byte block plus what it owns)"
        )?;
        writeln!(
            out,
            "{:<40} {:>12} {:>15}",
            "type", "objects", "header bytes"
        )?;
        let mut rest = (0u64, 0u64);
        for (i, (name, n)) in rows.iter().enumerate() {
            if i < TOP_TYPES {
                writeln!(out, "{name:<40} {n:>12} {:>15}", grouped(n * each))?;
            } else {
                rest.0 += 1;
                rest.1 += n;
            }
        }
        if rest.0 > 0 {
            let label = format!("({} other types)", rest.0);
            writeln!(
                out,
                "{label:<40} {:>12} {:>15}",
                rest.1,
                grouped(rest.1 * each)
            )?;
        }
        writeln!(
            out,
            "{:<40} {:>12} {:>15}",
            "total",
            total,
            grouped(total * each)
        )
    }

    /// At the program's end: print the report when `--memstats` was given.
    pub fn memstats_at_exit(&mut self) {
        if MEMSTATS_MAIN.load(Ordering::Relaxed) {
            self.flush_stdout();
            eprint!("{}", self.memstats_report());
        }
    }
}

/// `sys._debugmallocstats()`: the report, on the process's stderr.
fn sys_debugmallocstats(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("_debugmallocstats", args, 0, 0)?;
    eprint!("{}", vm.memstats_report());
    Ok(Value::None)
}

/// Add `_debugmallocstats` to `sys`.
pub fn install(vm: &mut Vm) {
    let sys = vm.sys.clone();
    vm.add_functions(&sys, &[("_debugmallocstats", sys_debugmallocstats)]);
}
