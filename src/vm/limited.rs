//! Running untrusted code objects with bounded work (the fuzz targets and
//! their regression tests): the bytecode verifier first, then a fresh
//! [`Vm`] with a small recursion limit, an instruction budget and a
//! builtins namespace without `open`, `__import__` and the interactive
//! helpers, so the code can neither import modules nor touch files.
//!
//! The budget counts the eval loop's periodic checks (every backward jump
//! and every call or return: the points where CPython also checks for
//! signals). While a budget is active, the signal flag stays raised, so
//! each check reaches [`charge`]; when the budget is spent, every further
//! check raises KeyboardInterrupt("instruction budget exhausted"). Each
//! exception handler entered also costs a unit, and once the budget is
//! spent the unwinder skips all handlers, so nothing can catch the end of
//! the run. Without an active budget nothing changes on the fast path.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::objects::exception::ExcKind;
use crate::pyc::{load_pyc, LoadError, Obj};

use super::value::Value;
use super::verify::{verify_nested, VerifyError};
use super::{PyResult, Vm};

/// Bounds for one untrusted run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Checks (backward jumps, calls, returns) before the run is stopped.
    pub budget: u64,
    /// `sys.getrecursionlimit()` for the run.
    pub recursion_limit: usize,
}

/// The bounds of a fuzzed run (fuzz/, tests/fuzz_regressions.rs): small
/// enough for thousands of runs a second, large enough to get through the
/// fixtures' loops.
pub const FUZZ_LIMITS: Limits = Limits {
    budget: 2_000,
    recursion_limit: 60,
};

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            budget: 10_000,
            recursion_limit: 100,
        }
    }
}

/// How an untrusted run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The module code returned.
    Returned,
    /// It raised an exception (its type name), the budget's
    /// KeyboardInterrupt included.
    Raised(String),
}

/// Why an untrusted `.pyc` did not run.
#[derive(Debug, thiserror::Error)]
pub enum UntrustedError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Verify(#[from] VerifyError),
    #[error("the marshalled object is not a code object")]
    NotCode,
}

thread_local! {
    /// Checks left in this thread's budget (None: no budget).
    static BUDGET: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Threads with an active budget (the signal flag is re-raised while
/// there is any).
static BUDGETED: AtomicUsize = AtomicUsize::new(0);

/// Whether some thread runs with a budget (read at each signal check).
#[inline]
pub fn active() -> bool {
    BUDGETED.load(Ordering::Relaxed) > 0
}

/// One check: spend a unit of this thread's budget, or raise when it is
/// spent. Threads without a budget pass.
pub fn charge(vm: &Vm) -> PyResult<()> {
    let left = BUDGET.with(|b| b.get());
    match left {
        None => Ok(()),
        Some(0) => Err(vm.new_error(ExcKind::KeyboardInterrupt, "instruction budget exhausted")),
        Some(n) => {
            BUDGET.with(|b| b.set(Some(n - 1)));
            Ok(())
        }
    }
}

/// Unwinding found an exception handler: spend a unit of this thread's
/// budget. False when the budget is spent: then the handler must not run,
/// so that a spent budget ends the run even through `except:` clauses.
pub fn charge_handler() -> bool {
    BUDGET.with(|b| match b.get() {
        None => true,
        Some(0) => false,
        Some(n) => {
            b.set(Some(n - 1));
            true
        }
    })
}

/// Sets this thread's budget for its lifetime; the drop clears it.
struct BudgetGuard;

impl BudgetGuard {
    fn new(budget: u64) -> BudgetGuard {
        let was = BUDGET.with(|b| b.replace(Some(budget)));
        if was.is_none() {
            BUDGETED.fetch_add(1, Ordering::Relaxed);
        }
        super::signals::arm();
        BudgetGuard
    }
}

impl Drop for BudgetGuard {
    fn drop(&mut self) {
        if BUDGET.with(|b| b.take()).is_some() {
            BUDGETED.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// Builtins an untrusted run does not get.
const WITHHELD: &[&str] = &[
    "__import__",
    "open",
    "input",
    "breakpoint",
    "help",
    "exit",
    "quit",
];

/// Load a `.pyc`, verify it and run it within `limits` in a fresh VM.
pub fn run_untrusted_pyc(data: &[u8], limits: Limits) -> Result<Outcome, UntrustedError> {
    let (_, code) = load_pyc(data)?;
    run_untrusted_code(&code, limits)
}

/// Verify a code object (and the ones nested in it) and run it as a
/// module within `limits`, in a fresh VM.
pub fn run_untrusted_code(code: &Obj, limits: Limits) -> Result<Outcome, UntrustedError> {
    UntrustedVm::new(limits).run(code)
}

/// A VM for untrusted runs: its builtins lack the [`WITHHELD`] names
/// (for every namespace the program can make, `exec` and `eval`
/// included). One VM can run many programs, each in a fresh module
/// (the fuzz targets reuse one: a VM's start-up costs more than most
/// runs); a program can still leave state behind in the VM (attributes
/// of shared objects), so a finding is confirmed with a fresh one.
pub struct UntrustedVm {
    vm: Vm,
    limits: Limits,
}

impl UntrustedVm {
    pub fn new(limits: Limits) -> UntrustedVm {
        let mut vm = Vm::new();
        vm.recursion_limit = limits.recursion_limit;
        let builtins = vm.builtins_dict();
        for name in WITHHELD {
            let key = vm.new_str(name);
            let _ = vm.dict_del(&builtins, &key);
        }
        UntrustedVm { vm, limits }
    }

    /// Verify `code` and run it as the module `__untrusted__`; the
    /// module's globals are cleared afterwards (running `__del__`
    /// methods, still within the budget).
    pub fn run(&mut self, code: &Obj) -> Result<Outcome, UntrustedError> {
        let co = code.as_code().ok_or(UntrustedError::NotCode)?;
        verify_nested(co)?;
        let vm = &mut self.vm;
        vm.recursion_limit = self.limits.recursion_limit;
        let prepared = vm.prepare_code(code, co);
        let module = vm.new_module("__untrusted__");
        let Some(globals) = module.dict() else {
            return Ok(Outcome::Raised("SystemError".into()));
        };
        let _guard = BudgetGuard::new(self.limits.budget);
        let result = vm.run_code(
            &prepared,
            globals.clone(),
            Some(Value::Obj(globals.clone())),
        );
        let outcome = match result {
            Ok(_) => Outcome::Returned,
            Err(e) => {
                let ty = vm.type_of(&e.value());
                Outcome::Raised(Vm::class_name(&ty))
            }
        };
        vm.finalize_main(&globals);
        vm.exc_info = Value::None;
        vm.pending_kwnames = None;
        let _ = std::io::Write::flush(&mut vm.stdout);
        Ok(outcome)
    }
}
