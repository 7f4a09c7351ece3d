//! `pycvm -c COMMAND [ARGS...]` (CPython's `-c`): the command compiled as
//! `<string>` and run as `__main__`, with `sys.argv` `['-c', ARGS...]` and
//! the current directory's `''` first on `sys.path`. So `subprocess.run(
//! [sys.executable, "-c", code])` works under pycvm as under CPython.

use crate::compile::ast::Mode;

use super::Vm;

impl Vm {
    /// Run `source` as the main program; the exit status.
    pub fn run_command_main(&mut self, source: &str, argv: &[String]) -> i32 {
        crate::modules::sys::set_argv(self, argv);
        let main = self.new_main_module();
        let Some(globals) = main.dict() else {
            return 1;
        };
        let r = self
            .compile_text(source, "<string>", Mode::Exec)
            .and_then(|code| self.run_main_code(&code, globals.clone()));
        self.finish(r, &globals)
    }
}
