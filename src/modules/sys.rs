//! The `sys` module and the standard streams.

use std::io::Write;

use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// Which standard stream a stream object writes to.
fn stream_fd(vm: &Vm, v: &Value) -> Option<i64> {
    match v {
        Value::Obj(o) if o.class_is(&vm.stream_type) => match &o.payload {
            Payload::Cell(c) => match &*c.borrow() {
                Value::Int(fd) => Some(*fd),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

impl Vm {
    /// Write text to the program's stdout (buffered).
    pub fn write_stdout(&mut self, s: &str) -> PyResult<()> {
        if self.stdout.write_all(s.as_bytes()).is_err() {
            return Err(self.new_error(
                crate::objects::exception::ExcKind::BrokenPipeError,
                "[Errno 32] Broken pipe",
            ));
        }
        Ok(())
    }

    pub fn flush_stdout(&mut self) {
        let _ = self.stdout.flush();
    }

    /// Write text to a file object: the builtin streams directly, anything
    /// else through its `write` method.
    pub fn write_to(&mut self, file: &Value, s: &str) -> PyResult<()> {
        match stream_fd(self, file) {
            Some(1) => self.write_stdout(s),
            Some(2) => {
                self.flush_stdout();
                let _ = std::io::stderr().write_all(s.as_bytes());
                Ok(())
            }
            _ => {
                let v = self.new_str(s);
                self.call_method(file, "write", &[v])?;
                Ok(())
            }
        }
    }

    /// `sys.stdout` (or `sys.stderr`) as the program currently sees it.
    pub fn sys_stream(&mut self, name: &str) -> Value {
        self.get_attr_raw(&self.sys.clone(), name)
            .unwrap_or(Value::None)
    }
}

fn stream_write(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = args.args.first().cloned().unwrap_or(Value::None);
    let text = args.args.get(1).cloned().unwrap_or(Value::None);
    let Some(t) = vm.as_str_obj(&text).map(|t| t.as_str().to_string()) else {
        return Err(vm.type_error(format!(
            "write() argument must be str, not {}",
            vm.type_name_of(&text)
        )));
    };
    let n = t.chars().count();
    vm.write_to(&s, &t)?;
    Ok(Value::Int(n as i64))
}

fn stream_flush(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = args.args.first().cloned().unwrap_or(Value::None);
    if stream_fd(vm, &s) == Some(1) {
        vm.flush_stdout();
    }
    Ok(Value::None)
}

fn stream_fileno(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = args.args.first().cloned().unwrap_or(Value::None);
    Ok(Value::Int(stream_fd(vm, &s).unwrap_or(-1)))
}

fn stream_isatty(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Bool(false))
}

fn sys_exit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("exit", args, 0, 1)?;
    let ty = vm.exc_type(crate::objects::exception::ExcKind::SystemExit);
    let e = vm.call(&Value::Obj(ty), a)?;
    match e {
        Value::Obj(o) => Err(crate::vm::PyErr(o)),
        _ => Err(vm.system_error("bad SystemExit")),
    }
}

fn sys_getrecursionlimit(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Int(vm.recursion_limit as i64))
}

fn sys_setrecursionlimit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("setrecursionlimit", args, 1, 1)?;
    match &a[0] {
        Value::Int(n) if *n >= 1 => {
            vm.recursion_limit = *n as usize;
            Ok(Value::None)
        }
        Value::Int(_) => Err(vm.value_error("recursion limit must be greater or equal than 1")),
        other => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(other)
        ))),
    }
}

fn sys_exc_info(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    let e = vm.exc_info.clone();
    if e.is_none() {
        return Ok(vm.new_tuple(vec![Value::None, Value::None, Value::None]));
    }
    let t = Value::Obj(vm.type_of(&e));
    let tb = vm.traceback_of(&e);
    Ok(vm.new_tuple(vec![t, e, tb]))
}

fn sys_exception(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(vm.exc_info.clone())
}

fn sys_intern(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("intern", args, 1, 1)?;
    match vm.as_str_obj(&a[0]).map(|s| s.as_str().to_string()) {
        Some(s) => Ok(Value::Obj(vm.intern(&s))),
        None => Err(vm.type_error(format!(
            "intern() argument must be str, not {}",
            vm.type_name_of(&a[0])
        ))),
    }
}

fn sys_getsizeof(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("getsizeof", args, 1, 2)?;
    let _ = a;
    Ok(Value::Int(64))
}

pub fn install(vm: &mut Vm) {
    let sys = vm.sys.clone();
    let st = vm.stream_type.clone();
    vm.add_methods(
        &st,
        &[
            ("write", stream_write),
            ("flush", stream_flush),
            ("fileno", stream_fileno),
            ("isatty", stream_isatty),
        ],
    );
    for (name, fd) in [("stdout", 1), ("stderr", 2), ("stdin", 0)] {
        let s = vm.new_obj(&st, Payload::Cell(std::cell::RefCell::new(Value::Int(fd))));
        vm.set_attr_raw(&sys, name, Value::Obj(s.clone()));
        vm.set_attr_raw(&sys, &format!("__{name}__"), Value::Obj(s));
    }
    vm.add_functions(
        &sys,
        &[
            ("exit", sys_exit),
            ("getrecursionlimit", sys_getrecursionlimit),
            ("setrecursionlimit", sys_setrecursionlimit),
            ("exc_info", sys_exc_info),
            ("exception", sys_exception),
            ("intern", sys_intern),
            ("getsizeof", sys_getsizeof),
        ],
    );
    let maxsize = Value::Int(i64::MAX);
    vm.set_attr_raw(&sys, "maxsize", maxsize);
    let v = vm.new_tuple(vec![
        Value::Int(3),
        Value::Int(11),
        Value::Int(7),
        vm.new_str("final"),
        Value::Int(0),
    ]);
    vm.set_attr_raw(&sys, "version_info", v);
    let ver = vm.new_str("3.11.7 (pycvm)");
    vm.set_attr_raw(&sys, "version", ver);
    let hv = Value::Int(0x030B07F0);
    vm.set_attr_raw(&sys, "hexversion", hv);
    let p = vm.new_str("linux");
    vm.set_attr_raw(&sys, "platform", p);
    let bo = vm.new_str("little");
    vm.set_attr_raw(&sys, "byteorder", bo);
    let modules = Value::Obj(vm.modules.clone());
    vm.set_attr_raw(&sys, "modules", modules);
    let path = vm.new_list(vec![]);
    vm.set_attr_raw(&sys, "path", path);
    let mu = Value::Int(0x10FFFF);
    vm.set_attr_raw(&sys, "maxunicode", mu);
}

/// Set `sys.argv`.
pub fn set_argv(vm: &mut Vm, argv: &[String]) {
    let items: Vec<Value> = argv.iter().map(|a| vm.new_str(a)).collect();
    let l = vm.new_list(items);
    let sys: PyRef = vm.sys.clone();
    vm.set_attr_raw(&sys, "argv", l);
}
