//! The `sys` module and the standard streams.

use crate::vm::value::Truth;
use std::io::Write;

use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// Which standard stream a stream object writes to.
pub(crate) fn stream_fd(vm: &Vm, v: &Value) -> Option<i64> {
    match v {
        Value::Obj(o) if o.class_is(&vm.stream_type) => marker_fd(o),
        _ => None,
    }
}

/// The file descriptor a stream object (a `Marker` payload) stands for.
fn marker_fd(o: &PyRef) -> Option<i64> {
    match &o.payload {
        Payload::Marker(fd) => Some(i64::from(fd.get())),
        _ => None,
    }
}

/// How CPython buffers `sys.stdout`: unbuffered under a non-empty
/// PYTHONUNBUFFERED, line-buffered on a terminal, else in blocks (what a
/// block holds is lost when the process ends without flushing, as by
/// `os._exit` or a signal).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Buffering {
    Unbuffered,
    Line,
    Block,
}

fn stdout_buffering() -> Buffering {
    static MODE: std::sync::OnceLock<Buffering> = std::sync::OnceLock::new();
    *MODE.get_or_init(|| {
        if crate::vm::config::get().unbuffered {
            Buffering::Unbuffered
        } else if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            Buffering::Line
        } else {
            Buffering::Block
        }
    })
}

fn new_stream(vm: &Vm, ty: &PyRef, fd: i64) -> PyRef {
    vm.new_obj(
        ty,
        Payload::Marker(std::cell::Cell::new(u8::try_from(fd).unwrap_or(1))),
    )
}

impl Vm {
    /// Write text to the program's stdout (buffered).
    pub fn write_stdout(&mut self, s: &str) -> PyResult<()> {
        self.write_stdout_bytes(s.as_bytes())
    }

    /// Write encoded text to the program's stdout (buffered).
    pub fn write_stdout_bytes(&mut self, s: &[u8]) -> PyResult<()> {
        let newline = || s.iter().any(|&b| b == b'\n' || b == b'\r');
        let flush = match stdout_buffering() {
            Buffering::Unbuffered => true,
            _ if super::sys_stream_text::line_buffering(1) == Some(true) => newline(),
            Buffering::Line => newline(),
            Buffering::Block => false,
        };
        let mut r = self.stdout.write_all(s);
        if flush && r.is_ok() {
            r = self.stdout.flush();
        }
        if let Err(e) = r {
            return Err(self.stdout_write_error(&e));
        }
        Ok(())
    }

    /// The OSError of a failed write to stdout, as CPython's
    /// `OSError(errno, strerror)` (BrokenPipeError(32, 'Broken pipe') for a
    /// closed pipe).
    pub fn stdout_write_error(&mut self, e: &std::io::Error) -> crate::vm::PyErr {
        self.os_error(e.raw_os_error().unwrap_or(libc::EPIPE), None, None)
    }

    pub fn flush_stdout(&mut self) {
        let _ = self.stdout.flush();
    }

    /// `sys.stdout.flush()`: a failed write is the program's OSError
    /// (BrokenPipeError when the reader has gone).
    pub fn flush_stdout_checked(&mut self) -> PyResult<()> {
        match self.stdout.flush() {
            Ok(()) => Ok(()),
            Err(e) => Err(self.stdout_write_error(&e)),
        }
    }

    /// Write text to a file object: the builtin streams directly, anything
    /// else through its `write` method.
    pub fn write_to(&mut self, file: &Value, s: &str) -> PyResult<()> {
        let fd = stream_fd(self, file);
        if let Some(fd @ (1 | 2)) = fd {
            super::sys_stream_close::check_fd_usable(self, fd)?;
        }
        match fd {
            Some(fd @ (1 | 2)) if super::sys_stream_text::custom_encoding(fd) => {
                self.write_stream_text(fd, s)
            }
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

fn self_arg(args: &Args) -> Value {
    args.args.first().cloned().unwrap_or(Value::None)
}

fn stream_write(vm: &mut Vm, args: Args) -> PyResult<Value> {
    super::sys_stream_close::check_usable(vm, &self_arg(&args))?;
    let a = vm.check_args("TextIOWrapper.write", args, 1, 1)?;
    let text = a[0].clone();
    let Some(t) = vm.as_str_obj(&text).map(|t| t.as_str().to_string()) else {
        return Err(vm.type_error(format!(
            "write() argument must be str, not {}",
            vm.arg_type_name(&text)
        )));
    };
    let n = t.chars().count();
    match stream_fd(vm, &self_arg(&args)) {
        Some(fd @ (1 | 2)) if super::sys_stream_text::has_surrogates(&text) => {
            vm.write_stream_value(fd, &text)?
        }
        _ => vm.write_to(&self_arg(&args), &t)?,
    }
    Ok(Value::Int(n as i64))
}

fn stream_writelines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    super::sys_stream_close::check_usable(vm, &self_arg(&args))?;
    let a = vm.check_args("writelines", args, 1, 1)?;
    let lines = vm.collect_iter(&a[0])?;
    let s = self_arg(&args);
    for l in lines {
        let Some(t) = vm.as_str_obj(&l).map(|t| t.as_str().to_string()) else {
            return Err(vm.type_error(format!(
                "write() argument must be str, not {}",
                vm.arg_type_name(&l)
            )));
        };
        vm.write_to(&s, &t)?;
    }
    Ok(Value::None)
}

fn stream_flush(vm: &mut Vm, args: Args) -> PyResult<Value> {
    super::sys_stream_close::check_usable(vm, &self_arg(&args))?;
    match stream_fd(vm, &self_arg(&args)) {
        Some(1) => vm.flush_stdout_checked()?,
        Some(2) => {
            let _ = std::io::stderr().flush();
        }
        _ => {}
    }
    Ok(Value::None)
}

fn stream_fileno(vm: &mut Vm, args: Args) -> PyResult<Value> {
    super::sys_stream_close::check_usable(vm, &self_arg(&args))?;
    Ok(Value::Int(stream_fd(vm, &self_arg(&args)).unwrap_or(-1)))
}

fn stream_false(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Bool(Truth::False))
}

fn stream_writable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::bool(
        stream_fd(vm, &self_arg(&args)).unwrap_or(0) != 0,
    ))
}

fn stream_readable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::bool(stream_fd(vm, &self_arg(&args)) == Some(0)))
}

fn stream_name(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    super::sys_stream_close::check_usable(vm, v)?;
    Ok(match stream_fd(vm, v) {
        Some(0) => vm.new_str("<stdin>"),
        Some(1) => vm.new_str("<stdout>"),
        Some(2) => vm.new_str("<stderr>"),
        _ => vm.new_str("?"),
    })
}

fn stream_mode(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let text = v.as_obj().is_some_and(|o| o.class_is(&vm.stream_type));
    Ok(match (stream_fd(vm, v), text) {
        (Some(0), true) => vm.new_str("r"),
        (Some(0), false) => vm.new_str("rb"),
        (_, true) => vm.new_str("w"),
        (_, false) => vm.new_str("wb"),
    })
}

fn stream_encoding(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let fd = stream_fd(vm, v).unwrap_or(1);
    Ok(vm.new_str(&super::sys_stream_text::stdio_encoding(fd)))
}

fn stream_line_buffering(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let fd = stream_fd(vm, v).unwrap_or(1);
    // CPython's create_stdio: line-buffered when buffered and on a
    // terminal (stderr too when not a terminal: fixtures/run/
    // sys_stdout_methods still expects False there).
    let default = || {
        let buffered = !crate::vm::config::get().unbuffered;
        // SAFETY: isatty only inspects the descriptor number.
        buffered && unsafe { libc::isatty(fd as libc::c_int) } == 1
    };
    Ok(Value::bool(
        super::sys_stream_text::line_buffering(fd).unwrap_or_else(default),
    ))
}

fn stream_errors(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let fd = stream_fd(vm, v).unwrap_or(1);
    Ok(vm.new_str(&super::sys_stream_text::stdio_errors(fd)))
}

fn stream_closed(_vm: &mut Vm, _v: &Value) -> PyResult<Value> {
    Ok(Value::Bool(Truth::False))
}

fn stream_none(_vm: &mut Vm, _v: &Value) -> PyResult<Value> {
    Ok(Value::None)
}

/// `write_through`: False, as CPython's `create_stdio` makes them.
fn stream_write_through(_vm: &mut Vm, _v: &Value) -> PyResult<Value> {
    Ok(Value::Bool(Truth::False))
}

/// `sys.stdout.buffer`: the binary stream under a text stream.
fn stream_buffer(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    // A member in CPython: None once detached.
    if stream_fd(vm, v).is_some_and(super::sys_stream_close::is_detached) {
        return Ok(Value::None);
    }
    let fd = stream_fd(vm, v).unwrap_or(1);
    if fd == 0 {
        return Ok(super::sys_stdin::stdin_buffer(vm));
    }
    let bt = buffer_type(vm);
    Ok(Value::Obj(new_stream(vm, &bt, fd)))
}

fn buffer_type(vm: &mut Vm) -> PyRef {
    let st = vm.stream_type.clone();
    match vm.type_lookup_static(&st, "__buffer_type__") {
        Some(Value::Obj(t)) => t,
        _ => st,
    }
}

fn stream_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_arg(&args);
    let name = stream_name(vm, &s)?;
    let name = vm.repr(&name)?;
    let mode = stream_mode(vm, &s)?;
    let mode = vm.repr(&mode)?;
    Ok(vm.new_string(format!(
        "<_io.TextIOWrapper name={name} mode={mode} encoding='utf-8'>"
    )))
}

/// `sys.stdout.buffer.write(b)`: bytes straight to the file descriptor.
fn buffer_write(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("write", args, 1, 1)?;
    let data: Vec<u8> = match &a[0] {
        Value::Obj(o) => match &o.payload {
            Payload::Bytes(b) => b.to_vec(),
            Payload::ByteArray(b) => b.borrow().clone(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    if !matches!(&a[0], Value::Obj(o) if matches!(o.payload, Payload::Bytes(_) | Payload::ByteArray(_)))
    {
        return Err(vm.type_error(format!(
            "a bytes-like object is required, not '{}'",
            vm.type_name_of(&a[0])
        )));
    }
    match buffer_fd(vm, &self_arg(&args)) {
        Some(2) => {
            vm.flush_stdout();
            let _ = std::io::stderr().write_all(&data);
        }
        _ => {
            let mut r = vm.stdout.write_all(&data);
            if r.is_ok() && stdout_buffering() == Buffering::Unbuffered {
                r = vm.stdout.flush();
            }
            if let Err(e) = r {
                return Err(vm.stdout_write_error(&e));
            }
        }
    }
    Ok(Value::Int(data.len() as i64))
}

fn buffer_fd(vm: &mut Vm, v: &Value) -> Option<i64> {
    let bt = buffer_type(vm);
    match v {
        Value::Obj(o) if o.class_is(&bt) => marker_fd(o),
        _ => None,
    }
}

fn buffer_readable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::bool(buffer_fd(vm, &self_arg(&args)) == Some(0)))
}

fn buffer_writable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::bool(
        buffer_fd(vm, &self_arg(&args)).unwrap_or(1) != 0,
    ))
}

fn buffer_flush(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if buffer_fd(vm, &self_arg(&args)) == Some(2) {
        let _ = std::io::stderr().flush();
    } else {
        vm.flush_stdout_checked()?;
    }
    Ok(Value::None)
}

fn buffer_name(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(match buffer_fd(vm, v) {
        Some(0) => vm.new_str("<stdin>"),
        Some(2) => vm.new_str("<stderr>"),
        _ => vm.new_str("<stdout>"),
    })
}

fn buffer_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_arg(&args);
    let name = buffer_name(vm, &s)?;
    let name = vm.repr(&name)?;
    Ok(vm.new_string(format!("<_io.BufferedWriter name={name}>")))
}

fn sys_exit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("exit", args, 0, 1)?;
    let ty = vm.exc_type(crate::objects::exception::ExcKind::SystemExit);
    // PyErr_SetObject: None means no arguments (`e.args == ()`). (A
    // tuple would be the arguments once the exception is normalised,
    // but an uncaught one never is: the tuple is the exit code.)
    let call_args: Vec<Value> = match a.first() {
        None | Some(Value::None) => Vec::new(),
        Some(v) => vec![v.clone()],
    };
    let e = vm.call(&Value::Obj(ty), &call_args)?;
    match e {
        Value::Obj(o) => Err(crate::vm::PyErr(o)),
        _ => Err(vm.system_error("bad SystemExit")),
    }
}

fn sys_getrecursionlimit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("sys.getrecursionlimit", args, 0, 0)?;
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

fn sys_getswitchinterval(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("getswitchinterval", args, 0, 0)?;
    let us = crate::vm::gil::switch_interval_us();
    Ok(Value::float(1e-6 * us as f64))
}

fn sys_setswitchinterval(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("setswitchinterval", args, 1, 1)?;
    let x = vm.to_f64(&a[0])?;
    if x <= 0.0 {
        return Err(vm.value_error("switch interval must be strictly positive"));
    }
    // CPython stores `(unsigned long)(1e6 * interval)`; an interval too big
    // for that reads back as 0 there.
    let us = 1e6 * x;
    let us = if us < u64::MAX as f64 { us as u64 } else { 0 };
    crate::vm::gil::set_switch_interval_us(us);
    Ok(Value::None)
}

fn sys_exc_info(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("sys.exc_info", args, 0, 0)?;
    let e = vm.topmost_exc_info();
    if e.is_none() {
        return Ok(vm.new_tuple_of([Value::None, Value::None, Value::None]));
    }
    let t = Value::Obj(vm.type_of(&e));
    let tb = vm.traceback_of(&e);
    Ok(vm.new_tuple_of([t, e, tb]))
}

fn sys_exception(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("sys.exception", args, 0, 0)?;
    Ok(vm.topmost_exc_info())
}

fn sys_intern(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("intern", args, 1, 1)?;
    match vm.as_str_obj(&a[0]).map(|s| s.as_str().to_string()) {
        Some(s) => Ok(Value::Obj(vm.intern(&s))),
        None => Err(vm.type_error(format!(
            "intern() argument must be str, not {}",
            vm.arg_type_name(&a[0])
        ))),
    }
}

fn sys_getsizeof(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = super::binargs::Sig {
        name: "getsizeof",
        pos: &["object", "default"],
        posonly: 0,
        required: 1,
        kwonly: &[],
    }
    .bind(vm, &args, 0)?;
    let obj = b.first().cloned().flatten().unwrap_or(Value::None);
    let default = b.get(1).cloned().flatten();
    vm.getsizeof(&obj, default)
}

fn sys_getdefaultencoding(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("getdefaultencoding", args, 0, 0)?;
    Ok(vm.new_str("utf-8"))
}

/// `sys.audit(event, *args)`: pycvm raises no audit events and runs no
/// hooks (`sys.addaudithook` accepts and ignores them).
fn sys_audit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match args.pos().first() {
        Some(e) if vm.as_str_obj(e).is_some() => Ok(Value::None),
        Some(e) => Err(vm.type_error(format!(
            "expected str for argument 'event', not {}",
            vm.type_name_of(e)
        ))),
        None => Err(vm.type_error("audit() missing 1 required positional argument: 'event'")),
    }
}

fn sys_addaudithook(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("addaudithook", args, 1, 1)?;
    Ok(Value::None)
}

/// `sys.breakpointhook(*args, **kws)`: as CPython, `PYTHONBREAKPOINT`
/// names the hook (`0` disables it; default `pdb.set_trace`), imported and
/// called with the arguments.
fn sys_breakpointhook(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let hook = crate::vm::config::env("PYTHONBREAKPOINT").unwrap_or_default();
    if hook == "0" {
        return Ok(Value::None);
    }
    let hook = if hook.is_empty() {
        "pdb.set_trace".to_string()
    } else {
        hook
    };
    let (module, attr) = match hook.rsplit_once('.') {
        Some((m, a)) => (m.to_string(), a.to_string()),
        None => ("builtins".to_string(), hook.clone()),
    };
    let found = vm
        .import_by_name(&module)
        .and_then(|m| vm.getattr_str(&m, &attr));
    match found {
        Ok(f) => vm.call_args(&f, args),
        Err(_) => {
            let text = format!("Ignoring unimportable $PYTHONBREAKPOINT: \"{hook}\"");
            let w = vm.new_string(text);
            let cat = Value::Obj(vm.exc_type(crate::objects::exception::ExcKind::RuntimeWarning));
            let warnings = vm.import_by_name("warnings")?;
            vm.call_method(&warnings, "warn", &[w, cat])?;
            Ok(Value::None)
        }
    }
}

fn sys_getfilesystemencodeerrors(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("getfilesystemencodeerrors", args, 0, 0)?;
    Ok(vm.new_str("surrogateescape"))
}

fn sys_getrefcount(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("getrefcount", args, 1, 1)?;
    Ok(match &a[0] {
        // The argument itself holds one reference, as in CPython.
        Value::Obj(o) => Value::Int(crate::objects::rc::Rc::strong_count(o) as i64),
        // Unboxed values behave like CPython's immortal small ints.
        _ => Value::Int(4294967295),
    })
}

crate::interp_local! {
    static INT_MAX_STR_DIGITS: std::cell::Cell<usize> =
        const { std::cell::Cell::new(crate::pyfmt::INT_MAX_STR_DIGITS) };
}

/// The limit `sys.set_int_max_str_digits` set (0 = none) for int/str
/// conversions.
pub fn int_max_str_digits() -> usize {
    INT_MAX_STR_DIGITS.with(|c| c.get())
}

fn sys_get_int_max_str_digits(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_int_max_str_digits", args, 0, 0)?;
    Ok(Value::Int(int_max_str_digits() as i64))
}

fn sys_set_int_max_str_digits(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = match (args.pos(), Vm::kwarg(&args, "maxdigits")) {
        ([v], None) => v.clone(),
        ([], Some(v)) => v,
        ([], None) => {
            return Err(vm.type_error(
                "set_int_max_str_digits() missing required argument 'maxdigits' (pos 1)",
            ))
        }
        _ => return Err(vm.type_error("set_int_max_str_digits() takes at most 1 argument")),
    };
    let n = match vm.index_value(&v)? {
        Some(n) => n,
        None => {
            return Err(vm.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                vm.type_name_of(&v)
            )))
        }
    };
    if n != 0 && n < 640 {
        return Err(vm.value_error("maxdigits must be 0 or larger than 640"));
    }
    INT_MAX_STR_DIGITS.with(|c| c.set(usize::try_from(n).unwrap_or(0)));
    Ok(Value::None)
}

/// `sys.displayhook(value)`: print the repr and bind `builtins._`.
fn sys_displayhook(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("displayhook", args, 1, 1)?;
    let v = a[0].clone();
    if v.is_none() {
        return Ok(Value::None);
    }
    let b = vm.builtins.clone();
    vm.set_attr_raw(&b, "_", Value::None);
    let r = vm.repr(&v)?;
    let out = vm.sys_stream("stdout");
    vm.write_to(&out, &format!("{r}\n"))?;
    vm.set_attr_raw(&b, "_", v);
    Ok(Value::None)
}

/// `sys.excepthook(type, value, traceback)`: print the traceback.
fn sys_excepthook(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("excepthook", args, 3, 3)?;
    match &a[1] {
        Value::Obj(e) if matches!(e.payload, Payload::Exception(_)) => {
            crate::modules::sys_excepthook::display(vm, e);
            Ok(Value::None)
        }
        other => {
            let msg = format!(
                "TypeError: print_exception(): Exception expected for value, {} found\n",
                vm.type_name_of(other)
            );
            let _ = std::io::stderr().write_all(msg.as_bytes());
            Ok(Value::None)
        }
    }
}

fn set(vm: &mut Vm, name: &str, v: Value) {
    let sys = vm.sys.clone();
    vm.set_attr_raw(&sys, name, v);
}

/// The struct sequences and namespaces of `sys`.
fn install_info(vm: &mut Vm) {
    let vt = vm.new_structseq_type(
        "sys",
        "version_info",
        &["major", "minor", "micro", "releaselevel", "serial"],
        false,
    );
    let final_ = vm.new_str("final");
    let vi = vm.new_structseq(
        &vt,
        vec![
            Value::Int(3),
            Value::Int(11),
            Value::Int(7),
            final_,
            Value::Int(0),
        ],
    );
    set(vm, "version_info", vi.clone());
    let ft = vm.new_structseq_type(
        "sys",
        "float_info",
        &[
            "max",
            "max_exp",
            "max_10_exp",
            "min",
            "min_exp",
            "min_10_exp",
            "dig",
            "mant_dig",
            "epsilon",
            "radix",
            "rounds",
        ],
        false,
    );
    let fi = vm.new_structseq(
        &ft,
        vec![
            Value::float(f64::MAX),
            Value::Int(1024),
            Value::Int(308),
            Value::float(f64::MIN_POSITIVE),
            Value::Int(-1021),
            Value::Int(-307),
            Value::Int(15),
            Value::Int(53),
            Value::float(f64::EPSILON),
            Value::Int(2),
            Value::Int(1),
        ],
    );
    set(vm, "float_info", fi);
    let it = vm.new_structseq_type(
        "sys",
        "int_info",
        &[
            "bits_per_digit",
            "sizeof_digit",
            "default_max_str_digits",
            "str_digits_check_threshold",
        ],
        false,
    );
    let ii = vm.new_structseq(
        &it,
        vec![
            Value::Int(30),
            Value::Int(4),
            Value::Int(4300),
            Value::Int(640),
        ],
    );
    set(vm, "int_info", ii);
    let ht = vm.new_structseq_type(
        "sys",
        "hash_info",
        &[
            "width",
            "modulus",
            "inf",
            "nan",
            "imag",
            "algorithm",
            "hash_bits",
            "seed_bits",
            "cutoff",
        ],
        false,
    );
    let alg = vm.new_str("siphash13");
    let hi = vm.new_structseq(
        &ht,
        vec![
            Value::Int(64),
            Value::Int((1i64 << 61) - 1),
            Value::Int(314159),
            Value::Int(0),
            Value::Int(1000003),
            alg,
            Value::Int(64),
            Value::Int(128),
            Value::Int(0),
        ],
    );
    set(vm, "hash_info", hi);
    let flag_names = [
        "debug",
        "inspect",
        "interactive",
        "optimize",
        "dont_write_bytecode",
        "no_user_site",
        "no_site",
        "ignore_environment",
        "verbose",
        "bytes_warning",
        "quiet",
        "hash_randomization",
        "isolated",
        "dev_mode",
        "utf8_mode",
        "warn_default_encoding",
        "safe_path",
        "int_max_str_digits",
    ];
    let flt = vm.new_structseq_type("sys", "flags", &flag_names, false);
    let c = crate::vm::config::get();
    let fv: Vec<Value> = flag_names
        .iter()
        .map(|n| match *n {
            "debug" => Value::Int(i64::from(c.debug)),
            "optimize" => Value::Int(i64::from(c.optimize)),
            "dont_write_bytecode" => Value::Int(i64::from(c.dont_write_bytecode)),
            "no_user_site" => Value::Int(i64::from(c.no_user_site)),
            "no_site" => Value::Int(i64::from(c.no_site)),
            "ignore_environment" => Value::Int(i64::from(c.ignore_environment)),
            "bytes_warning" => Value::Int(i64::from(c.bytes_warning)),
            "quiet" => Value::Int(i64::from(c.quiet)),
            "isolated" => Value::Int(i64::from(c.isolated)),
            "dev_mode" => Value::bool(c.dev_mode),
            "utf8_mode" => Value::Int(i64::from(c.utf8_mode)),
            "warn_default_encoding" => Value::Int(i64::from(c.warn_default_encoding)),
            "safe_path" => Value::bool(c.safe_path),
            "int_max_str_digits" => Value::Int(c.int_max_str_digits),
            _ => Value::Int(0),
        })
        .collect();
    let fl = vm.new_structseq(&flt, fv);
    set(vm, "flags", fl);
    let tt = vm.new_structseq_type("sys", "thread_info", &["name", "lock", "version"], false);
    let (a, b) = (vm.new_str("pthread"), vm.new_str("semaphore"));
    let ver = match pthread_version() {
        Some(v) => vm.new_string(v),
        None => Value::None,
    };
    let ti = vm.new_structseq(&tt, vec![a, b, ver]);
    set(vm, "thread_info", ti);
    let nst = vm.new_namespace_type();
    let name = vm.new_str("cpython");
    let tag = vm.new_str("cpython-311");
    let arch = vm.new_str("x86_64-linux-gnu");
    let imp = vm.new_namespace(
        &nst,
        vec![
            ("name", name),
            ("cache_tag", tag),
            ("version", vi),
            ("hexversion", Value::Int(0x030B07F0)),
            ("_multiarch", arch),
        ],
    );
    set(vm, "implementation", imp);
}

/// The stream types and `sys.stdin`/`stdout`/`stderr`.
fn install_streams(vm: &mut Vm) {
    let sys = vm.sys.clone();
    let st = vm.stream_type.clone();
    let m = vm.new_str("_io");
    vm.add_type_attr(&st, "__module__", m);
    if let Some(td) = crate::objects::typeobj::type_data(&st) {
        td.flags
            .set(td.flags.get() | crate::objects::typeobj::FLAG_MODULE_IN_NAME);
    }
    vm.add_methods(
        &st,
        &[
            ("write", stream_write),
            ("writelines", stream_writelines),
            ("flush", stream_flush),
            ("fileno", stream_fileno),
            ("isatty", stream_false),
            ("writable", stream_writable),
            ("readable", stream_readable),
            ("seekable", stream_false),
            ("__repr__", stream_repr),
            ("close", super::sys_stream_close::stream_close),
            ("detach", super::sys_stream_close::stream_detach),
            ("tell", super::sys_stream_close::stream_not_seekable),
            ("seek", super::sys_stream_close::stream_not_seekable),
            ("truncate", super::sys_stream_close::stream_truncate),
            ("__enter__", super::sys_stream_close::stream_enter),
            ("__exit__", super::sys_stream_close::stream_exit),
        ],
    );
    // read, readline, readlines and iteration (stdin).
    super::sys_stdin::install(vm, &st);
    vm.add_methods(
        &st,
        &[("reconfigure", super::sys_stream_text::stream_reconfigure)],
    );
    vm.add_getsets(
        &st,
        &[
            ("name", stream_name, None),
            ("mode", stream_mode, None),
            ("encoding", stream_encoding, None),
            ("errors", stream_errors, None),
            ("closed", super::sys_stream_close::stream_closed, None),
            ("line_buffering", stream_line_buffering, None),
            ("newlines", stream_none, None),
            ("write_through", stream_write_through, None),
            ("buffer", stream_buffer, None),
        ],
    );
    let object = vm.types.object.clone();
    let bt = vm.new_native_type(
        "_io",
        "BufferedWriter",
        &object,
        crate::objects::typeobj::Layout::Opaque,
        0,
    );
    vm.add_methods(
        &bt,
        &[
            ("write", buffer_write),
            ("flush", buffer_flush),
            ("fileno", stream_fileno),
            ("isatty", stream_false),
            ("__repr__", buffer_repr),
            // So `_io.TextIOWrapper(sys.stdout.buffer)` works.
            ("readable", buffer_readable),
            ("writable", buffer_writable),
            ("seekable", stream_false),
            // Closing only flushes: pycvm's standard streams stay usable.
            ("close", buffer_flush),
        ],
    );
    vm.add_getsets(
        &bt,
        &[("name", buffer_name, None), ("closed", stream_closed, None)],
    );
    vm.add_type_attr(&st, "__buffer_type__", Value::Obj(bt));
    for (name, fd) in [("stdout", 1), ("stderr", 2), ("stdin", 0)] {
        let s = new_stream(vm, &st, fd);
        vm.set_attr_raw(&sys, name, Value::Obj(s.clone()));
        vm.set_attr_raw(&sys, &format!("__{name}__"), Value::Obj(s));
    }
}

pub fn install(vm: &mut Vm) {
    let sys = vm.sys.clone();
    install_streams(vm);
    let _ = crate::objects::doc_lookup::install_module_extras(vm);
    vm.add_functions(
        &sys,
        &[
            ("exit", sys_exit),
            ("getrecursionlimit", sys_getrecursionlimit),
            ("setrecursionlimit", sys_setrecursionlimit),
            ("getswitchinterval", sys_getswitchinterval),
            ("setswitchinterval", sys_setswitchinterval),
            ("exc_info", sys_exc_info),
            ("_getframe", crate::objects::frame::sys_getframe),
            ("exception", sys_exception),
            ("intern", sys_intern),
            ("getsizeof", sys_getsizeof),
            ("getrefcount", sys_getrefcount),
            ("getdefaultencoding", sys_getdefaultencoding),
            ("getfilesystemencoding", sys_getdefaultencoding),
            ("getfilesystemencodeerrors", sys_getfilesystemencodeerrors),
            ("get_int_max_str_digits", sys_get_int_max_str_digits),
            ("set_int_max_str_digits", sys_set_int_max_str_digits),
            ("displayhook", sys_displayhook),
            ("excepthook", sys_excepthook),
            ("breakpointhook", sys_breakpointhook),
            ("audit", sys_audit),
            ("addaudithook", sys_addaudithook),
        ],
    );
    for name in ["displayhook", "excepthook", "breakpointhook"] {
        if let Some(f) = vm.get_attr_raw(&sys, name) {
            vm.set_attr_raw(&sys, &format!("__{name}__"), f);
        }
    }
    install_info(vm);
    crate::modules::sys_hooks::install(vm);
    crate::modules::sys_extra::install(vm);
    crate::modules::sys_unraisable::install(vm);
    crate::modules::sys_trace::install(vm);
    crate::vm::memstats::install(vm);
    set(vm, "maxsize", Value::Int(i64::MAX));
    let ver = vm.new_str("3.11.7 (main, pycvm) [rustc]");
    set(vm, "version", ver);
    set(vm, "hexversion", Value::Int(0x030B07F0));
    set(vm, "api_version", Value::Int(1013));
    for (name, val) in [
        ("platform", "linux"),
        ("byteorder", "little"),
        ("float_repr_style", "short"),
        ("abiflags", ""),
        ("platlibdir", "lib"),
        ("prefix", "/usr"),
        ("base_prefix", "/usr"),
        ("exec_prefix", "/usr"),
        ("base_exec_prefix", "/usr"),
        (
            "copyright",
            "Copyright (c) 2001-2023 Python Software Foundation.\nAll Rights Reserved.",
        ),
    ] {
        let v = vm.new_str(val);
        set(vm, name, v);
    }
    let exe = std::env::current_exe()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let exe = vm.new_string(exe);
    set(vm, "executable", exe);
    let c = crate::vm::config::get();
    set(
        vm,
        "dont_write_bytecode",
        Value::bool(c.dont_write_bytecode),
    );
    let prefix = c
        .xoptions
        .iter()
        .find_map(|x| x.strip_prefix("pycache_prefix=").map(str::to_string))
        .or_else(|| crate::vm::config::env("PYTHONPYCACHEPREFIX"));
    let prefix = match prefix {
        Some(p) => vm.new_string(p),
        None => Value::None,
    };
    set(vm, "pycache_prefix", prefix);
    let modules = Value::Obj(vm.modules.clone());
    set(vm, "modules", modules);
    let path = vm.new_list(vec![]);
    set(vm, "path", path);
    for name in ["meta_path", "path_hooks"] {
        let l = vm.new_list(vec![]);
        set(vm, name, l);
    }
    let w: Vec<Value> = c.warnoptions.iter().map(|w| vm.new_str(w)).collect();
    let w = vm.new_list(w);
    set(vm, "warnoptions", w);
    let pic = Value::Obj(vm.new_dict());
    set(vm, "path_importer_cache", pic);
    let xo = vm.new_dict();
    for x in &c.xoptions {
        // As CPython's `sys._xoptions`: `name=value` maps to the value,
        // a bare name to True.
        let (k, v) = match x.split_once('=') {
            Some((k, v)) => (vm.new_str(k), vm.new_str(v)),
            None => (vm.new_str(x), Value::Bool(Truth::True)),
        };
        let _ = vm.dict_set_nocall(&xo, k, v);
    }
    set(vm, "_xoptions", Value::Obj(xo));
    if let Ok(n) = usize::try_from(c.int_max_str_digits) {
        INT_MAX_STR_DIGITS.with(|d| d.set(n));
    }
    // CPython's orig_argv is the interpreter's own argv: for pycvm, pycvm's.
    let orig: Vec<Value> = std::env::args_os()
        .map(|a| vm.new_string(a.to_string_lossy().into_owned()))
        .collect();
    let orig = vm.new_list(orig);
    set(vm, "orig_argv", orig);
    set(vm, "maxunicode", Value::Int(0x10FFFF));
    let names: Vec<Value> = crate::modules::NATIVE_MODULES
        .iter()
        .map(|(n, _)| vm.new_str(n))
        .collect();
    let bmn = vm.new_tuple(names);
    set(vm, "builtin_module_names", bmn);
}

/// Set `sys.argv`.
pub fn set_argv(vm: &mut Vm, argv: &[String]) {
    let items: Vec<Value> = argv.iter().map(|a| vm.new_str(a)).collect();
    let l = vm.new_list(items);
    let sys: PyRef = vm.sys.clone();
    vm.set_attr_raw(&sys, "argv", l);
}

/// The C library's thread implementation name (`confstr(_CS_GNU_LIBPTHREAD_VERSION)`),
/// as CPython's `sys.thread_info.version` reports it ("NPTL 2.36"); None elsewhere.
fn pthread_version() -> Option<String> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let mut buf = [0u8; 128];
        // SAFETY: `buf` has `buf.len()` writable bytes and confstr writes at most that many.
        let len = unsafe {
            libc::confstr(
                libc::_CS_GNU_LIBPTHREAD_VERSION,
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        };
        let text = buf.get(..len.checked_sub(1)?)?;
        Some(String::from_utf8_lossy(text).into_owned())
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        None
    }
}
