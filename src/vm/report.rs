//! Where error reports go: CPython prints uncaught tracebacks, the
//! SystemExit message, "Exception ignored in: ..." and atexit failures on
//! `sys.stderr`, whatever object it is (a program may replace it), and
//! prints nothing when it is None.

use super::value::Value;
use super::Vm;

impl Vm {
    /// Write an error report to `sys.stderr` (the builtin stream directly,
    /// another object through its `write` and `flush`). If that raises, the
    /// report goes to the process's stderr, as CPython's fallback does.
    pub fn write_report(&mut self, text: &str) {
        let sys = self.sys.clone();
        let err = match self.get_attr_raw(&sys, "stderr") {
            Some(Value::None) => return,
            Some(v) => v,
            None => {
                self.flush_stdout();
                eprint!("{text}");
                return;
            }
        };
        if self.write_to(&err, text).is_err() {
            self.flush_stdout();
            eprint!("{text}");
            return;
        }
        if crate::modules::sys::stream_fd(self, &err).is_none() {
            let _ = self.call_method(&err, "flush", &[]);
        }
    }
}

impl Vm {
    /// At exit, after the atexit handlers: `sys.stdin`, `sys.stdout` and
    /// `sys.stderr` get back the original streams (`sys.__stderr__`, ...),
    /// as CPython's `finalize_modules` does before it clears `__main__`, so
    /// errors in `__del__` at exit reach the real stderr.
    pub fn restore_std_streams(&mut self) {
        let sys = self.sys.clone();
        for name in ["stdin", "stdout", "stderr"] {
            if let Some(orig) = self.get_attr_raw(&sys, &format!("__{name}__")) {
                self.set_attr_raw(&sys, name, orig);
            }
        }
    }
}

std::thread_local! {
    /// Set once `__main__` is being cleared at exit.
    static FINALIZING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Mark the interpreter as finalizing (modules being cleared at exit).
pub fn set_finalizing() {
    let _ = FINALIZING.try_with(|f| f.set(true));
}

/// Whether modules are being cleared at exit: CPython's traceback printer
/// can no longer import `io` then, so reports show no source lines.
pub fn finalizing() -> bool {
    FINALIZING.try_with(|f| f.get()).unwrap_or(false)
}
