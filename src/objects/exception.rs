//! Exceptions: the one table of the builtin exception hierarchy, and the
//! payload of exception instances.

use crate::vm::value::Value;

macro_rules! exception_hierarchy {
    ($( $name:ident : $base:ident ),* $(,)?) => {
        /// Every builtin exception type, in the order they are created
        /// (a base always before its subclasses).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[allow(clippy::enum_variant_names)]
        pub enum ExcKind { $( $name ),* }

        /// (kind, name, base) for each builtin exception.
        pub const HIERARCHY: &[(ExcKind, &str, Option<ExcKind>)] = &[
            $( (ExcKind::$name, stringify!($name), exception_hierarchy!(@base $base)) ),*
        ];
    };
    (@base None) => { None };
    (@base $b:ident) => { Some(ExcKind::$b) };
}

// The hierarchy of CPython 3.11 (Lib/test/exception_hierarchy.txt).
// ExceptionGroup's second base, Exception, is added where it is created.
exception_hierarchy! {
    BaseException: None,
    BaseExceptionGroup: BaseException,
    GeneratorExit: BaseException,
    KeyboardInterrupt: BaseException,
    SystemExit: BaseException,
    Exception: BaseException,
    ArithmeticError: Exception,
    FloatingPointError: ArithmeticError,
    OverflowError: ArithmeticError,
    ZeroDivisionError: ArithmeticError,
    AssertionError: Exception,
    AttributeError: Exception,
    BufferError: Exception,
    EOFError: Exception,
    ExceptionGroup: BaseExceptionGroup,
    ImportError: Exception,
    ModuleNotFoundError: ImportError,
    LookupError: Exception,
    IndexError: LookupError,
    KeyError: LookupError,
    MemoryError: Exception,
    NameError: Exception,
    UnboundLocalError: NameError,
    OSError: Exception,
    BlockingIOError: OSError,
    ChildProcessError: OSError,
    ConnectionError: OSError,
    BrokenPipeError: ConnectionError,
    ConnectionAbortedError: ConnectionError,
    ConnectionRefusedError: ConnectionError,
    ConnectionResetError: ConnectionError,
    FileExistsError: OSError,
    FileNotFoundError: OSError,
    InterruptedError: OSError,
    IsADirectoryError: OSError,
    NotADirectoryError: OSError,
    PermissionError: OSError,
    ProcessLookupError: OSError,
    TimeoutError: OSError,
    ReferenceError: Exception,
    RuntimeError: Exception,
    NotImplementedError: RuntimeError,
    RecursionError: RuntimeError,
    StopAsyncIteration: Exception,
    StopIteration: Exception,
    SyntaxError: Exception,
    IndentationError: SyntaxError,
    TabError: IndentationError,
    SystemError: Exception,
    TypeError: Exception,
    ValueError: Exception,
    UnicodeError: ValueError,
    UnicodeDecodeError: UnicodeError,
    UnicodeEncodeError: UnicodeError,
    UnicodeTranslateError: UnicodeError,
    Warning: Exception,
    BytesWarning: Warning,
    DeprecationWarning: Warning,
    EncodingWarning: Warning,
    FutureWarning: Warning,
    ImportWarning: Warning,
    PendingDeprecationWarning: Warning,
    ResourceWarning: Warning,
    RuntimeWarning: Warning,
    SyntaxWarning: Warning,
    UnicodeWarning: Warning,
    UserWarning: Warning,
}

/// One traceback entry: a frame's code and the instruction it was at.
#[derive(Clone)]
pub struct TbEntry {
    pub code: std::rc::Rc<crate::vm::code::Code>,
    /// Code-unit index of the instruction.
    pub lasti: usize,
}

/// The state of an exception instance.
pub struct ExcData {
    /// `args` (a tuple value).
    pub args: Value,
    /// Innermost frame last, as the exception travelled outwards.
    pub traceback: Vec<TbEntry>,
    pub cause: Value,
    pub context: Value,
    pub suppress_context: bool,
}

impl ExcData {
    pub fn new(args: Value) -> ExcData {
        ExcData {
            args,
            traceback: Vec::new(),
            cause: Value::None,
            context: Value::None,
            suppress_context: false,
        }
    }
}

use super::function::Args;
use super::Payload;
use crate::vm::value::PyRef;
use crate::vm::{PyResult, Vm};

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

fn exc_of(vm: &Vm, v: &Value) -> PyResult<PyRef> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Exception(_)) => Ok(o.clone()),
        _ => Err(vm.type_error("descriptor requires a 'BaseException' object")),
    }
}

fn data(o: &PyRef) -> Option<&std::cell::RefCell<ExcData>> {
    match &o.payload {
        Payload::Exception(d) => Some(d),
        _ => None,
    }
}

impl Vm {
    pub fn exc_args_vec(&self, o: &PyRef) -> Vec<Value> {
        let a = data(o)
            .map(|d| d.borrow().args.clone())
            .unwrap_or(Value::None);
        self.seq_items(&a).unwrap_or_default()
    }

    fn exc_is(&self, o: &PyRef, kind: ExcKind) -> bool {
        let t = self.type_of(&Value::Obj(o.clone()));
        super::typeobj::is_subtype(&t, &self.exc_types[kind as usize])
    }

    /// `str(exc)` for the builtin exception types.
    pub fn exception_str(&mut self, o: &PyRef) -> PyResult<String> {
        let args = self.exc_args_vec(o);
        if self.exc_is(o, ExcKind::KeyError) && args.len() == 1 {
            return self.repr(&args[0]);
        }
        if self.exc_is(o, ExcKind::OSError) && args.len() >= 2 {
            let errno = self.str(&args[0])?;
            let msg = self.str(&args[1])?;
            return Ok(match self.get_attr_raw(o, "filename") {
                Some(f) if !f.is_none() => format!("[Errno {errno}] {msg}: {}", self.repr(&f)?),
                _ => format!("[Errno {errno}] {msg}"),
            });
        }
        if self.exc_is(o, ExcKind::BaseExceptionGroup) {
            let msg = args
                .first()
                .map(|m| self.str(m))
                .transpose()?
                .unwrap_or_default();
            let n = args
                .get(1)
                .and_then(|e| self.seq_items(e))
                .map_or(0, |v| v.len());
            return Ok(format!(
                "{msg} ({n} sub-exception{})",
                if n == 1 { "" } else { "s" }
            ));
        }
        match args.len() {
            0 => Ok(String::new()),
            1 => self.str(&args[0]),
            _ => {
                let t = self.new_tuple(args);
                self.repr(&t)
            }
        }
    }

    /// `repr(exc)`: `Name(args)`.
    pub fn exception_repr(&mut self, o: &PyRef) -> PyResult<String> {
        let name = self.type_name_of(&Value::Obj(o.clone()));
        let args = self.exc_args_vec(o);
        if args.len() == 1 {
            return Ok(format!("{name}({})", self.repr(&args[0])?));
        }
        let t = self.new_tuple(args);
        Ok(format!("{name}{}", self.repr(&t)?))
    }

    /// Set the per-kind attributes from the args (StopIteration.value,
    /// SystemExit.code, ImportError.name...).
    fn exception_init_attrs(&mut self, o: &PyRef, args: &[Value], kw: &Args) -> PyResult<()> {
        if self.exc_is(o, ExcKind::StopIteration) || self.exc_is(o, ExcKind::StopAsyncIteration) {
            self.set_attr_raw(o, "value", args.first().cloned().unwrap_or(Value::None));
        }
        if self.exc_is(o, ExcKind::SystemExit) {
            let code = match args.len() {
                0 => Value::None,
                1 => args[0].clone(),
                _ => self.new_tuple(args.to_vec()),
            };
            self.set_attr_raw(o, "code", code);
        }
        if self.exc_is(o, ExcKind::ImportError) {
            self.set_attr_raw(o, "msg", args.first().cloned().unwrap_or(Value::None));
            self.set_attr_raw(o, "name", Vm::kwarg(kw, "name").unwrap_or(Value::None));
            self.set_attr_raw(o, "path", Vm::kwarg(kw, "path").unwrap_or(Value::None));
        }
        if self.exc_is(o, ExcKind::AttributeError) {
            self.set_attr_raw(o, "name", Vm::kwarg(kw, "name").unwrap_or(Value::None));
            self.set_attr_raw(o, "obj", Vm::kwarg(kw, "obj").unwrap_or(Value::None));
        }
        if self.exc_is(o, ExcKind::NameError) {
            self.set_attr_raw(o, "name", Vm::kwarg(kw, "name").unwrap_or(Value::None));
        }
        if self.exc_is(o, ExcKind::OSError) {
            let (errno, strerror, filename) = if args.len() >= 2 {
                (
                    args[0].clone(),
                    args[1].clone(),
                    args.get(2).cloned().unwrap_or(Value::None),
                )
            } else {
                (Value::None, Value::None, Value::None)
            };
            self.set_attr_raw(o, "errno", errno);
            self.set_attr_raw(o, "strerror", strerror);
            self.set_attr_raw(o, "filename", filename);
        }
        if self.exc_is(o, ExcKind::BaseExceptionGroup) {
            if args.len() != 2 {
                return Err(self.type_error(format!(
                    "BaseExceptionGroup.__new__() takes exactly 2 arguments ({} given)",
                    args.len()
                )));
            }
            self.set_attr_raw(o, "message", args[0].clone());
            let excs = self.collect_iter(&args[1])?;
            if excs.is_empty() {
                return Err(
                    self.value_error("second argument (exceptions) must be a non-empty sequence")
                );
            }
            let t = self.new_tuple(excs);
            self.set_attr_raw(o, "exceptions", t);
        }
        Ok(())
    }
}

fn exc_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let mut cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => return Err(vm.type_error("BaseException.__new__(X): X is not a type object")),
    };
    let pos: Vec<Value> = args.pos().get(1..).map(|s| s.to_vec()).unwrap_or_default();
    // BaseExceptionGroup(msg, excs) of only Exceptions is an ExceptionGroup.
    if std::rc::Rc::ptr_eq(&cls, &vm.exc_types[ExcKind::BaseExceptionGroup as usize])
        && pos.len() == 2
    {
        let excs = vm.collect_iter(&pos[1])?;
        let exc_t = vm.exc_type(ExcKind::Exception);
        if !excs.is_empty()
            && excs
                .iter()
                .all(|e| super::typeobj::is_subtype(&vm.type_of(e), &exc_t))
        {
            cls = vm.exc_type(ExcKind::ExceptionGroup);
        }
    }
    let t = vm.new_tuple(pos.clone());
    let o = vm.new_instance_of(
        &cls,
        Payload::Exception(std::cell::RefCell::new(ExcData::new(t))),
    );
    if o.dict().is_none() {
        *o.dict.borrow_mut() = Some(vm.new_dict());
    }
    vm.exception_init_attrs(&o, &pos, &args)?;
    Ok(Value::Obj(o))
}

fn exc_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = exc_of(vm, &arg(&args, 0))?;
    let pos: Vec<Value> = args.pos().get(1..).map(|s| s.to_vec()).unwrap_or_default();
    let t = vm.new_tuple(pos.clone());
    if let Some(d) = data(&o) {
        d.borrow_mut().args = t;
    }
    vm.exception_init_attrs(&o, &pos, &args)?;
    Ok(Value::None)
}

fn exc_str(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = exc_of(vm, &arg(&args, 0))?;
    let s = vm.exception_str(&o)?;
    Ok(vm.new_string(s))
}

fn exc_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = exc_of(vm, &arg(&args, 0))?;
    let s = vm.exception_repr(&o)?;
    Ok(vm.new_string(s))
}

fn get_args(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let o = exc_of(vm, v)?;
    Ok(data(&o)
        .map(|d| d.borrow().args.clone())
        .unwrap_or(Value::None))
}
fn set_args(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let o = exc_of(vm, v)?;
    let items = vm.collect_iter(&new.unwrap_or(Value::None))?;
    let t = vm.new_tuple(items);
    if let Some(d) = data(&o) {
        d.borrow_mut().args = t;
    }
    Ok(())
}
fn get_cause(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let o = exc_of(vm, v)?;
    Ok(data(&o)
        .map(|d| d.borrow().cause.clone())
        .unwrap_or(Value::None))
}
fn set_cause(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let o = exc_of(vm, v)?;
    if let Some(d) = data(&o) {
        let mut d = d.borrow_mut();
        d.cause = new.unwrap_or(Value::None);
        d.suppress_context = true;
    }
    Ok(())
}
fn get_context(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let o = exc_of(vm, v)?;
    Ok(data(&o)
        .map(|d| d.borrow().context.clone())
        .unwrap_or(Value::None))
}
fn set_context(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let o = exc_of(vm, v)?;
    if let Some(d) = data(&o) {
        d.borrow_mut().context = new.unwrap_or(Value::None);
    }
    Ok(())
}
fn get_suppress(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let o = exc_of(vm, v)?;
    Ok(Value::Bool(
        data(&o).is_some_and(|d| d.borrow().suppress_context),
    ))
}
fn set_suppress(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let o = exc_of(vm, v)?;
    let b = vm.truthy(&new.unwrap_or(Value::Bool(false)))?;
    if let Some(d) = data(&o) {
        d.borrow_mut().suppress_context = b;
    }
    Ok(())
}
fn get_traceback(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let o = exc_of(vm, v)?;
    Ok(vm.get_attr_raw(&o, "__traceback__").unwrap_or(Value::None))
}
fn set_traceback(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let o = exc_of(vm, v)?;
    vm.set_attr_raw(&o, "__traceback__", new.unwrap_or(Value::None));
    Ok(())
}

fn exc_with_traceback(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = exc_of(vm, &arg(&args, 0))?;
    vm.set_attr_raw(&o, "__traceback__", arg(&args, 1));
    Ok(Value::Obj(o))
}

fn exc_add_note(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = exc_of(vm, &arg(&args, 0))?;
    let note = arg(&args, 1);
    if vm.as_str_obj(&note).is_none() {
        return Err(vm.type_error(format!(
            "note must be a str, not '{}'",
            vm.type_name_of(&note)
        )));
    }
    let notes = match vm.get_attr_raw(&o, "__notes__") {
        Some(n) => n,
        None => {
            let l = vm.new_list(vec![]);
            vm.set_attr_raw(&o, "__notes__", l.clone());
            l
        }
    };
    if let Value::Obj(l) = &notes {
        if let Payload::List(items) = &l.payload {
            items.borrow_mut().push(note);
            return Ok(Value::None);
        }
    }
    Err(vm.type_error("Cannot add note: __notes__ is not a list"))
}

pub fn install(vm: &mut Vm) {
    let base = vm.exc_type(ExcKind::BaseException);
    vm.add_methods(
        &base,
        &[
            ("__init__", exc_init),
            ("__str__", exc_str),
            ("__repr__", exc_repr),
            ("with_traceback", exc_with_traceback),
            ("add_note", exc_add_note),
        ],
    );
    vm.add_staticmethods(&base, &[("__new__", exc_new)]);
    vm.add_getsets(
        &base,
        &[
            ("args", get_args, Some(set_args)),
            ("__cause__", get_cause, Some(set_cause)),
            ("__context__", get_context, Some(set_context)),
            ("__suppress_context__", get_suppress, Some(set_suppress)),
            ("__traceback__", get_traceback, Some(set_traceback)),
        ],
    );
}
