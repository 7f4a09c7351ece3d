//! Running a program: the `__main__` module, `sys.argv`, and how the
//! process ends (exit status, SystemExit, uncaught exceptions).

use std::rc::Rc;

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
            code: code.clone(),
            func: None,
            globals,
            builtins,
            locals,
            base,
            ret_base: base,
            lasti: 0,
            pc: 0,
            entry: true,
            generator: None,
            exc_depth: 0,
        });
        match self.run()? {
            Exit::Return(v) => Ok(v),
            Exit::Yield(_) => Err(self.system_error("module code yielded")),
        }
    }

    /// Run a loaded `.pyc` as `__main__`; returns the process exit status.
    pub fn run_main(&mut self, path: &str, code_obj: &Obj, argv: &[String]) -> i32 {
        crate::modules::sys::set_argv(self, argv);
        let Some(co) = code_obj.as_code() else {
            return 1;
        };
        let code = self.prepare_code(code_obj, co);
        let main = self.new_module("__main__");
        let b = Value::Obj(self.builtins.clone());
        self.set_attr_raw(&main, "__builtins__", b);
        let f = self.new_str(path);
        self.set_attr_raw(&main, "__file__", f);
        self.set_attr_raw(&main, "__cached__", Value::None);
        let key = self.new_str("__main__");
        let modules = self.modules.clone();
        let _ = self.dict_set(&modules, key, Value::Obj(main.clone()));
        let key = self.new_str("builtins");
        let _ = self.dict_set(&modules, key, Value::Obj(self.builtins.clone()));
        let key = self.new_str("sys");
        let _ = self.dict_set(&modules, key, Value::Obj(self.sys.clone()));
        let Some(globals) = main.dict() else {
            return 1;
        };
        let r = self.run_code(&code, globals.clone(), Some(Value::Obj(globals.clone())));
        let status = match r {
            Ok(_) => 0,
            Err(e) => self.handle_uncaught(&e.0),
        };
        self.finalize_main(&globals);
        self.flush_stdout();
        status
    }

    /// Print an uncaught exception (or honour SystemExit) and give the
    /// exit status.
    pub fn handle_uncaught(&mut self, exc: &PyRef) -> i32 {
        self.flush_stdout();
        let e = super::PyErr(exc.clone());
        if self.err_is(&e, ExcKind::SystemExit) {
            let code = self.get_attr_raw(exc, "code").unwrap_or(Value::None);
            return match code {
                Value::None => 0,
                Value::Int(i) => i as i32,
                Value::Bool(b) => b as i32,
                other => {
                    let s = self.str(&other).unwrap_or_default();
                    eprintln!("{s}");
                    1
                }
            };
        }
        let text = self.format_exception(exc);
        eprint!("{text}");
        if self.err_is(&e, ExcKind::KeyboardInterrupt) {
            self.flush_stdout();
            super::signals::die_by_sigint();
        }
        1
    }
}

/// Load and run a `.pyc` file on a thread with a large stack; the exit status.
pub fn run_file(path: &str, argv: Vec<String>) -> Result<i32, String> {
    let data = std::fs::read(path).map_err(|e| format!("can't open file '{path}': {e}"))?;
    // Check the file, and verify every code object in it, before starting
    // the interpreter thread.
    let (_, code) = load_pyc(&data).map_err(|e| format!("{path}: {e}"))?;
    if let Some(co) = code.as_code() {
        for c in crate::pyc::dis::all_code_objects(co) {
            super::verify::verify(c).map_err(|e| format!("{path}: {e}"))?;
        }
    }
    drop(code);
    let path = path.to_string();
    super::signals::install();
    let handle = std::thread::Builder::new()
        .name("pycvm-main".into())
        .stack_size(1 << 30)
        .spawn(move || -> i32 {
            let Ok((_, code)) = load_pyc(&data) else {
                return 1;
            };
            let mut vm = Vm::new();
            vm.argv = argv.clone();
            vm.run_main(&path, &code, &argv)
        })
        .map_err(|e| format!("cannot start the interpreter thread: {e}"))?;
    handle
        .join()
        .map_err(|_| "the interpreter thread panicked".to_string())
}
