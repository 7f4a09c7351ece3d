//! Running a program: the `__main__` module, `sys.argv`, and how the
//! process ends (exit status, SystemExit, uncaught exceptions).

use crate::objects::rc::Rc;
use crate::vm::value::Truth;
use std::path::{Path, PathBuf};

use crate::import::MainPath;

use crate::objects::exception::ExcKind;
use crate::objects::Payload;
use crate::pyc::{load_pyc, Obj};

use super::code::Code;
use super::frame::Frame;
use super::interp::Exit;
use super::value::{PyRef, Value};
use super::{PyResult, Vm};

impl Vm {
    /// Run a code object with the given globals (and locals mapping).
    pub fn run_code(
        &mut self,
        code: &Rc<Code>,
        globals: PyRef,
        locals: Option<Value>,
    ) -> PyResult<Value> {
        code.ensure_verified(self)?;
        let builtins = match self.dict_get_by_str_nocall(&globals, "__builtins__") {
            Some(Value::Obj(b)) => match &b.payload {
                Payload::Dict(_) => b,
                _ => b.dict().unwrap_or_else(|| self.builtins_dict()),
            },
            _ => self.builtins_dict(),
        };
        let base = self.stack.len();
        self.stack.resize(base + code.nlocalsplus(), Value::Null);
        self.frames.push(Frame {
            entry: true,
            ..Frame::new(code.clone(), None, globals, builtins, locals, base, base)
        });
        match self.run()? {
            Exit::Return(v) => Ok(v),
            Exit::Yield(_) => Err(self.system_error("module code yielded")),
        }
    }

    /// The `__main__` module, registered in `sys.modules` (as CPython's
    /// `add_main_module`): its dict starts with the keys CPython puts there.
    pub(crate) fn new_main_module(&mut self) -> PyRef {
        let main = self.new_module("__main__");
        let ann = Value::Obj(self.new_dict());
        self.set_attr_raw(&main, "__annotations__", ann);
        let b = Value::Obj(self.builtins.clone());
        self.set_attr_raw(&main, "__builtins__", b);
        let modules = self.modules.clone();
        for (name, m) in [
            ("__main__", main.clone()),
            ("builtins", self.builtins.clone()),
            ("sys", self.sys.clone()),
        ] {
            let key = self.new_str(name);
            let _ = self.dict_set(&modules, key, Value::Obj(m));
        }
        main
    }

    /// Run a loaded `.pyc` as `__main__`; every code object in it was
    /// accepted by `verify::verify_nested`, so none is verified again, and
    /// its marshal form goes before the program runs. Returns the exit
    /// status.
    pub fn run_main_verified(&mut self, path: &str, code_obj: Obj, argv: &[String]) -> i32 {
        let code = match code_obj.as_code() {
            Some(co) => self.prepare_code_verified(co),
            None => return 1,
        };
        drop(code_obj);
        self.run_main_prepared(path, code, argv)
    }

    fn run_main_prepared(&mut self, path: &str, code: Rc<Code>, argv: &[String]) -> i32 {
        crate::modules::sys::set_argv(self, argv);
        let main = self.new_main_module();
        let Some(globals) = main.dict() else {
            return 1;
        };
        let r = match self.init_main_module(&main, &main_file(path)) {
            Ok(()) => self.run_main_code(&code, globals.clone()),
            Err(e) => Err(e),
        };
        self.finish(r, &globals)
    }

    /// `-m MODULE`: run a module found on `sys.path` as `__main__`, by the
    /// stdlib's `runpy._run_module_as_main` as CPython does.
    pub fn run_module_main(&mut self, module: &str, argv: &[String]) -> i32 {
        crate::modules::sys::set_argv(self, argv);
        let main = self.new_main_module();
        let Some(globals) = main.dict() else {
            return 1;
        };
        let r = match self.import_by_name("runpy") {
            Ok(runpy) => {
                let name = self.new_str(module);
                self.call_method(
                    &runpy,
                    "_run_module_as_main",
                    &[name, Value::Bool(Truth::True)],
                )
            }
            Err(e) => {
                self.flush_stdout();
                let text = self.format_exception(&e.0);
                eprint!("{text}");
                eprintln!("Could not import runpy module");
                return 1;
            }
        };
        self.finish(r, &globals)
    }

    pub(crate) fn finish(&mut self, r: PyResult<Value>, globals: &PyRef) -> i32 {
        let status = match r {
            Ok(_) => 0,
            Err(e) => self.handle_uncaught(&e.0),
        };
        crate::modules::thread_start::shutdown(self);
        crate::modules::atexit::run_exitfuncs(self);
        self.memstats_at_exit();
        crate::modules::thread_start::finalizing();
        self.restore_std_streams();
        super::report::set_finalizing();
        self.finalize_main(globals);
        self.flush_stdout();
        status
    }

    /// Print an uncaught exception (or honour SystemExit) and give the
    /// exit status.
    pub fn handle_uncaught(&mut self, exc: &PyRef) -> i32 {
        self.flush_stdout();
        let e = super::PyErr(exc.clone());
        if self.err_is(&e, ExcKind::SystemExit) {
            let code = self.exc_member(exc, crate::objects::exception::SYSTEMEXIT_CODE);
            return match code {
                Value::None => 0,
                Value::Int(i) => i as i32,
                Value::Bool(b) => b as i32,
                other => {
                    let s = self.str(&other).unwrap_or_default();
                    self.write_report(&format!("{s}\n"));
                    1
                }
            };
        }
        if let Some(status) = crate::modules::sys_excepthook::display_uncaught(self, exc) {
            return status;
        }
        if self.err_is(&e, ExcKind::KeyboardInterrupt) {
            crate::modules::atexit::run_exitfuncs(self);
            self.flush_stdout();
            super::signals::die_by_sigint();
        }
        1
    }
}

/// What to run as `__main__`.
pub enum Target {
    /// A .pyc file.
    File(String),
    /// `-m NAME`: a module found on `sys.path`.
    Module(String),
    /// `-c COMMAND`: Python source (run_command.rs).
    Command(String),
}

/// `__file__` of a script: CPython 3.11 makes a relative path absolute by
/// joining it to the current directory (`_Py_abspath`).
fn main_file(path: &str) -> String {
    if Path::new(path).is_absolute() {
        return path.to_string();
    }
    match std::env::current_dir() {
        Ok(cwd) => format!("{}/{path}", cwd.display()),
        Err(_) => path.to_string(),
    }
}

/// Load and run a `.pyc` file on a thread with a large stack; the exit status.
pub fn run_file(path: &str, argv: Vec<String>) -> Result<i32, String> {
    run(Target::File(path.to_string()), argv, None)
}

/// Run a program; `stdlib` is `--stdlib DIR` (searched for when None).
pub fn run(target: Target, argv: Vec<String>, stdlib: Option<PathBuf>) -> Result<i32, String> {
    let data = match &target {
        Target::File(path) => {
            std::fs::read(path).map_err(|e| format!("can't open file '{path}': {e}"))?
        }
        Target::Module(_) | Target::Command(_) => Vec::new(),
    };
    let search = crate::import::stdlib::find_stdlib(stdlib.as_deref());
    super::signals::install();
    // Signals sent to the process go to the interpreter thread: blocked
    // here before it starts (so none reaches this thread, however late it
    // runs), open again there. `os.kill(os.getpid(), sig)` then runs the
    // handler before the next instruction, as in CPython.
    let mask = super::signals::block_in_this_thread();
    let handle = std::thread::Builder::new()
        .name("pycvm-main".into())
        .stack_size(1 << 30)
        .spawn(move || -> Result<i32, String> {
            super::signals::set_mask_in_this_thread(&mask);
            // The file is checked, and every code object in it verified,
            // before the interpreter starts; it is read once.
            let main_code = match &target {
                Target::File(path) => Some(load_main(path, &data)?),
                Target::Module(_) | Target::Command(_) => None,
            };
            let mut vm = Vm::new();
            vm.argv = argv.clone();
            let status = match &target {
                Target::File(path) => {
                    let Some(code) = main_code else {
                        return Ok(1);
                    };
                    vm.init_import_system(search, MainPath::Script(Path::new(path)));
                    run_hook(&AT_STARTUP_END);
                    vm.run_main_verified(path, code, &argv)
                }
                Target::Module(name) => {
                    vm.init_import_system(search, MainPath::Cwd);
                    run_hook(&AT_STARTUP_END);
                    vm.run_module_main(name, &argv)
                }
                Target::Command(source) => {
                    vm.init_import_system(search, MainPath::Empty);
                    run_hook(&AT_STARTUP_END);
                    vm.run_command_main(source, &argv)
                }
            };
            keep_freed_memory_until_exit();
            Ok(status)
        })
        .map_err(|e| format!("cannot start the interpreter thread: {e}"))?;
    handle
        .join()
        .map_err(|_| "the interpreter thread panicked".to_string())?
}

/// The main program's code from its `.pyc` bytes, every code object in
/// it verified (the message `run` reports otherwise).
fn load_main(path: &str, data: &[u8]) -> Result<Obj, String> {
    let (_, code) = load_pyc(data).map_err(|e| {
        if path.ends_with(".py") {
            format!(
                "{path} is Python source; pycvm runs compiled 3.11 bytecode: \
                 compile it with `python3.11 -m py_compile {path}` and run the .pyc \
                 from __pycache__ ({e})"
            )
        } else {
            format!("{path}: {e}")
        }
    })?;
    if let Some(co) = code.as_code() {
        super::verify::verify_nested(co).map_err(|e| format!("{path}: {e}"))?;
    }
    Ok(code)
}

/// What the binary does once the program has ended (main.rs installs
/// it: the library does not link the allocator itself).
static AT_PROGRAM_END: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// What the binary does once the interpreter has started, before the
/// program runs (main.rs: let mimalloc return freed memory at once from
/// here on, not during start-up, whose freed blocks are soon reused).
static AT_STARTUP_END: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Install the hook run once the interpreter has started; it runs on the
/// interpreter thread while the starting thread only waits to join it.
pub fn set_startup_end_hook(f: fn()) {
    let _ = AT_STARTUP_END.set(f);
}

fn run_hook(hook: &std::sync::OnceLock<fn()>) {
    if let Some(f) = hook.get() {
        f();
    }
}

/// Install the hook run when the program has ended and no other Python
/// thread runs (main.rs: stop mimalloc purging freed memory page by page
/// before the process exits).
pub fn set_program_end_hook(f: fn()) {
    let _ = AT_PROGRAM_END.set(f);
}

/// The program has ended: what is freed from here on (the interpreter's
/// objects, then this thread's heap, then the process's) need not go back
/// to the system page by page before the process exits. Only when no
/// other Python thread runs, as the allocator's options are not meant to
/// change under threads that allocate.
fn keep_freed_memory_until_exit() {
    if crate::modules::thread_start::others_running() {
        return;
    }
    if let Some(f) = AT_PROGRAM_END.get() {
        f();
    }
}
