//! `pycvm run --profile FILE.pyc`: run the program's code under
//! `cProfile` and print its table sorted by cumulative time, as
//! `python3.11 -m cProfile -s cumulative FILE` does (on stdout, after the
//! program's own output; a SystemExit still prints the table).

use crate::objects::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::code::Code;
use super::value::{PyRef, Value};
use super::{PyResult, Vm};

/// Set by the CLI before the program starts.
static PROFILE_MAIN: AtomicBool = AtomicBool::new(false);

/// Ask for the main program to run under the profiler.
pub fn enable_profile_main() {
    PROFILE_MAIN.store(true, Ordering::Relaxed);
}

impl Vm {
    /// Run the main program's code in `globals` (its own locals), under
    /// `cProfile.runctx(code, globals, None, None, 'cumulative')` when
    /// `--profile` was given.
    pub fn run_main_code(&mut self, code: &Rc<Code>, globals: PyRef) -> PyResult<Value> {
        if !PROFILE_MAIN.load(Ordering::Relaxed) {
            return self.run_code(code, globals.clone(), Some(Value::Obj(globals)));
        }
        let cprofile = self.import_by_name("cProfile")?;
        let co = Value::Obj(self.code_object(code));
        let sort = self.new_str("cumulative");
        self.call_method(
            &cprofile,
            "runctx",
            &[co, Value::Obj(globals), Value::None, Value::None, sort],
        )
    }
}
