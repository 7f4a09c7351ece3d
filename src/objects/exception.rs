//! Exceptions: the one table of the builtin exception hierarchy, and the
//! payload of exception instances.

use crate::vm::value::Truth;
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

/// The state of an exception instance.
pub struct ExcData {
    /// `args` (a tuple value).
    pub args: Value,
    /// `__traceback__`: None or a traceback object (outermost frame first).
    pub traceback: Value,
    pub cause: Value,
    pub context: Value,
    pub suppress_context: bool,
    /// `message` and `exceptions` of an exception group.
    pub group: Option<Box<GroupData>>,
    /// `name` of an AttributeError or NameError and `obj` of an
    /// AttributeError (CPython's member slots, not the instance dict):
    /// Null while unset, which the getters read as None.
    pub name: Value,
    pub obj: Value,
    /// The member slots of OSError ([`OSERROR_MEMBERS`]) and SystemExit
    /// (`code`), not in the instance dict: empty until `__init__` or a
    /// setter fills them; an unset member reads as None.
    pub members: Vec<Value>,
}

/// OSError's members, in `ExcData::members` order.
pub const OSERROR_MEMBERS: [&str; 4] = ["errno", "strerror", "filename", "filename2"];
/// `SystemExit.code`'s place in `ExcData::members`.
pub const SYSTEMEXIT_CODE: usize = 0;

/// The fields of a `BaseExceptionGroup`.
pub struct GroupData {
    pub message: Value,
    /// A tuple.
    pub excs: Value,
}

impl ExcData {
    pub fn new(args: Value) -> ExcData {
        ExcData {
            args,
            traceback: Value::None,
            cause: Value::None,
            context: Value::None,
            suppress_context: false,
            group: None,
            name: Value::Null,
            obj: Value::Null,
            members: Vec::new(),
        }
    }
}

/// The `name` and `obj` fields of exception `o` (Null: unset).
pub fn name_obj(o: &PyRef) -> (Value, Value) {
    match data(o).map(|d| d.try_borrow()) {
        Some(Ok(d)) => (d.name.clone(), d.obj.clone()),
        _ => (Value::Null, Value::Null),
    }
}

/// Set the `name` field of exception `o`, and `obj` when given; the old
/// values are dropped after the borrow ends.
pub fn set_name_obj(o: &PyRef, name: Value, obj: Option<Value>) {
    let mut name = name;
    let mut obj = obj;
    if let Some(Ok(mut d)) = data(o).map(|d| d.try_borrow_mut()) {
        std::mem::swap(&mut d.name, &mut name);
        if let Some(obj) = &mut obj {
            std::mem::swap(&mut d.obj, obj);
        }
    }
    drop((name, obj));
}

use super::function::{Args, NativeFn};
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

/// The exception kinds whose `__init__` sets attributes beyond `args`.
const INIT_KINDS: [ExcKind; 12] = [
    ExcKind::StopIteration,
    ExcKind::StopAsyncIteration,
    ExcKind::SystemExit,
    ExcKind::SyntaxError,
    ExcKind::ImportError,
    ExcKind::AttributeError,
    ExcKind::NameError,
    ExcKind::OSError,
    ExcKind::UnicodeError,
    ExcKind::UnicodeTranslateError,
    ExcKind::UnicodeDecodeError,
    ExcKind::UnicodeEncodeError,
];

const KIND_SLOTS: usize = 64;

crate::interp_local! {
    /// `exc_init_kinds` by type version (unique across types, changed with
    /// the MRO), direct-mapped.
    static KINDS: std::cell::RefCell<Vec<(u64, u16)>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn kinds_cached(version: u64) -> Option<u16> {
    if version == 0 {
        return None;
    }
    KINDS
        .try_with(|c| {
            let c = c.try_borrow().ok()?;
            let (v, bits) = c.get(version as usize & (KIND_SLOTS - 1))?;
            (*v == version).then_some(*bits)
        })
        .ok()
        .flatten()
}

fn remember_kinds(version: u64, bits: u16) {
    if version == 0 {
        return;
    }
    let _ = KINDS.try_with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            if c.len() < KIND_SLOTS {
                c.resize(KIND_SLOTS, (0, 0));
            }
            if let Some(e) = c.get_mut(version as usize & (KIND_SLOTS - 1)) {
                *e = (version, bits);
            }
        }
    });
}

fn init_kind_bit(k: ExcKind) -> u16 {
    INIT_KINDS
        .iter()
        .position(|&x| x == k)
        .map_or(0, |i| 1 << i)
}

impl Vm {
    pub fn exc_args_vec(&self, o: &PyRef) -> Vec<Value> {
        let a = data(o)
            .map(|d| d.borrow().args.clone())
            .unwrap_or(Value::None);
        self.seq_items(&a).unwrap_or_default()
    }

    /// The exception kinds whose `__init__` sets attributes (bits of
    /// `init_kind_bit`) that `o` is an instance of.
    fn init_kinds(&self, o: &PyRef) -> u16 {
        let t = self.type_of(&Value::Obj(o.clone()));
        self.exc_init_kinds(&t)
    }

    /// The exception kinds whose `__init__` sets attributes that the class
    /// `t` derives from (one walk of its MRO, remembered by type version).
    pub(crate) fn exc_init_kinds(&self, t: &PyRef) -> u16 {
        let version = super::typeobj::type_data(t).map_or(0, |td| td.version.get());
        if let Some(bits) = kinds_cached(version) {
            return bits;
        }
        let mut bits = 0;
        let mut note = |cls: &PyRef| {
            for k in INIT_KINDS {
                if crate::objects::rc::Rc::ptr_eq(cls, &self.exc_types[k as usize]) {
                    bits |= init_kind_bit(k);
                }
            }
        };
        match super::typeobj::type_data(t) {
            Some(td) => td.mro.borrow().iter().for_each(&mut note),
            None => note(t),
        }
        remember_kinds(version, bits);
        bits
    }

    /// A new instance of the exception class `cls` with `args` (a tuple):
    /// what `BaseException.__new__` makes before the per-kind attributes.
    pub(crate) fn new_exc_instance(&self, cls: &PyRef, args: Value) -> PyRef {
        let o = self.new_instance_of(
            cls,
            Payload::Exception(Box::new(std::cell::RefCell::new(ExcData::new(args)))),
        );
        if !o.has_attrs() {
            o.set_dict(Some(self.new_dict()));
        }
        o
    }

    /// Member `i` of exception `o` (`ExcData::members`; None when unset).
    pub fn exc_member(&self, o: &PyRef, i: usize) -> Value {
        data(o)
            .and_then(|d| d.try_borrow().ok()?.members.get(i).cloned())
            .unwrap_or(Value::None)
    }

    /// Set member `i` of exception `o`.
    pub fn set_exc_member(&self, o: &PyRef, i: usize, v: Value) {
        if let Some(Ok(mut d)) = data(o).map(|d| d.try_borrow_mut()) {
            if d.members.len() <= i {
                d.members.resize(i + 1, Value::None);
            }
            if let Some(slot) = d.members.get_mut(i) {
                *slot = v;
            }
        }
    }

    pub(crate) fn exc_is(&self, o: &PyRef, kind: ExcKind) -> bool {
        let t = self.type_of(&Value::Obj(o.clone()));
        super::typeobj::is_subtype(&t, &self.exc_types[kind as usize])
    }

    /// `str(exc)` for the builtin exception types.
    pub fn exception_str(&mut self, o: &PyRef) -> PyResult<String> {
        let args = self.exc_args_vec(o);
        if self.exc_is(o, ExcKind::KeyError) && args.len() == 1 {
            return self.repr(&args[0]);
        }
        if self.exc_is(o, ExcKind::OSError) {
            if let Some(s) = self.oserror_str(o)? {
                return Ok(s);
            }
        }
        if let Some(g) = data(o).and_then(|d| {
            d.borrow()
                .group
                .as_ref()
                .map(|g| (g.message.clone(), g.excs.clone()))
        }) {
            let m = self.str(&g.0)?;
            let n = self.seq_items(&g.1).map_or(0, |v| v.len());
            let s = if n > 1 { "s" } else { "" };
            return Ok(format!("{m} ({n} sub-exception{s})"));
        }
        if self.exc_is(o, ExcKind::UnicodeError) {
            if let Some(s) = self.unicode_error_str(o)? {
                return Ok(s);
            }
        }
        if self.exc_is(o, ExcKind::SyntaxError) {
            return self.syntax_error_str(o);
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

    /// `SyntaxError_str`: `msg (file, line N)` with the file's basename.
    fn syntax_error_str(&mut self, o: &PyRef) -> PyResult<String> {
        let get = |vm: &Vm, n: &str| vm.get_attr_raw(o, n).unwrap_or(Value::None);
        let msg = self.str(&get(self, "msg"))?;
        let filename = self
            .as_str_obj(&get(self, "filename"))
            .map(|f| f.as_str().rsplit('/').next().unwrap_or("").to_string());
        let lineno = match get(self, "lineno") {
            Value::Int(i) => Some(i),
            _ => None,
        };
        Ok(match (filename, lineno) {
            (Some(f), Some(l)) => format!("{msg} ({f}, line {l})"),
            (Some(f), None) => format!("{msg} ({f})"),
            (None, Some(l)) => format!("{msg} (line {l})"),
            (None, None) => msg,
        })
    }

    /// `OSError_str`, or None to use the generic str.
    fn oserror_str(&mut self, o: &PyRef) -> PyResult<Option<String>> {
        let (errno, strerror) = (self.exc_member(o, 0), self.exc_member(o, 1));
        let (filename, filename2) = (self.exc_member(o, 2), self.exc_member(o, 3));
        if !filename.is_none() {
            let e = self.str(&errno)?;
            let m = self.str(&strerror)?;
            let f = self.repr(&filename)?;
            if !filename2.is_none() {
                let f2 = self.repr(&filename2)?;
                return Ok(Some(format!("[Errno {e}] {m}: {f} -> {f2}")));
            }
            return Ok(Some(format!("[Errno {e}] {m}: {f}")));
        }
        if !errno.is_none() && !strerror.is_none() {
            let e = self.str(&errno)?;
            let m = self.str(&strerror)?;
            return Ok(Some(format!("[Errno {e}] {m}")));
        }
        Ok(None)
    }

    /// `UnicodeDecodeError_str` and its siblings, for errors made from
    /// Python with all their fields; None to use the generic str.
    fn unicode_error_str(&mut self, o: &PyRef) -> PyResult<Option<String>> {
        let Some(object) = self.get_attr_raw(o, "object") else {
            return Ok(None);
        };
        let get = |vm: &Vm, n: &str| vm.get_attr_raw(o, n).unwrap_or(Value::None);
        let (Value::Int(start), Value::Int(end)) = (get(self, "start"), get(self, "end")) else {
            return Ok(None);
        };
        let reason = self.str(&get(self, "reason"))?;
        let translate = self.exc_is(o, ExcKind::UnicodeTranslateError);
        let enc = if translate {
            String::new()
        } else {
            self.str(&get(self, "encoding"))?
        };
        if self.exc_is(o, ExcKind::UnicodeDecodeError) {
            let bytes: Option<Vec<u8>> = match &object {
                Value::Obj(b) => match &b.payload {
                    Payload::Bytes(b) => Some(b.to_vec()),
                    Payload::ByteArray(b) => Some(b.borrow().clone()),
                    _ => None,
                },
                _ => None,
            };
            let Some(bytes) = bytes else {
                return Ok(None);
            };
            let byte = usize::try_from(start).ok().and_then(|i| bytes.get(i));
            return Ok(Some(match byte {
                Some(b) if end == start + 1 => format!(
                    "'{enc}' codec can't decode byte 0x{b:02x} in position {start}: {reason}"
                ),
                _ => format!(
                    "'{enc}' codec can't decode bytes in position {start}-{}: {reason}",
                    end - 1
                ),
            }));
        }
        // Code points, so a lone surrogate shows as itself.
        let Some(cps) = self.as_str_obj(&object).map(|s| match s.surrogate_cps() {
            Some(c) => c.to_vec(),
            None => s.as_str().chars().map(u32::from).collect::<Vec<u32>>(),
        }) else {
            return Ok(None);
        };
        let ch = usize::try_from(start)
            .ok()
            .and_then(|i| cps.get(i).copied());
        let what = if translate {
            "can't translate".to_string()
        } else {
            format!("'{enc}' codec can't encode")
        };
        Ok(Some(match ch {
            Some(c) if end == start + 1 => {
                let shown = if c <= 0xFF {
                    format!("\\x{c:02x}")
                } else if c <= 0xFFFF {
                    format!("\\u{c:04x}")
                } else {
                    format!("\\U{c:08x}")
                };
                format!("{what} character '{shown}' in position {start}: {reason}")
            }
            _ => format!(
                "{what} characters in position {start}-{}: {reason}",
                end - 1
            ),
        }))
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
        // One walk of the class's MRO answers every `isinstance` below.
        let kinds = self.init_kinds(o);
        if kinds == 0 {
            return Ok(());
        }
        let is = |k: ExcKind| kinds & init_kind_bit(k) != 0;
        if is(ExcKind::StopIteration) || is(ExcKind::StopAsyncIteration) {
            self.set_attr_raw(o, "value", args.first().cloned().unwrap_or(Value::None));
        }
        if is(ExcKind::SystemExit) {
            let code = match args.len() {
                0 => Value::None,
                1 => args[0].clone(),
                _ => self.new_tuple(args.to_vec()),
            };
            self.set_exc_member(o, SYSTEMEXIT_CODE, code);
        }
        if is(ExcKind::SyntaxError) {
            // SyntaxError_init: (msg, (filename, lineno, offset, text
            // [, end_lineno, end_offset])).
            let names = [
                "filename",
                "lineno",
                "offset",
                "text",
                "end_lineno",
                "end_offset",
            ];
            let info = match args.get(1) {
                Some(v) if args.len() == 2 => self.seq_items(v).unwrap_or_default(),
                _ => Vec::new(),
            };
            self.set_attr_raw(o, "msg", args.first().cloned().unwrap_or(Value::None));
            for (i, n) in names.iter().enumerate() {
                self.set_attr_raw(o, n, info.get(i).cloned().unwrap_or(Value::None));
            }
            self.set_attr_raw(o, "print_file_and_line", Value::None);
        }
        if is(ExcKind::ImportError) {
            self.set_attr_raw(o, "msg", args.first().cloned().unwrap_or(Value::None));
            self.set_attr_raw(o, "name", Vm::kwarg(kw, "name").unwrap_or(Value::None));
            self.set_attr_raw(o, "path", Vm::kwarg(kw, "path").unwrap_or(Value::None));
        }
        // name/obj stay unset unless given (an unset obj offers no
        // "Did you mean" suggestion); their getters default to None.
        if is(ExcKind::AttributeError) || is(ExcKind::NameError) {
            if let Some(n) = Vm::kwarg(kw, "name") {
                set_name_obj(o, n, None);
            }
        }
        if is(ExcKind::AttributeError) {
            if let Some(obj) = Vm::kwarg(kw, "obj") {
                let (n, _) = name_obj(o);
                set_name_obj(o, n, Some(obj));
            }
        }
        if is(ExcKind::OSError) {
            // oserror_parse_args: 2 to 5 arguments are
            // (errno, strerror, filename, winerror, filename2); with a
            // filename, args keeps only the first two.
            let (mut errno, mut strerror, mut filename, mut filename2) =
                (Value::None, Value::None, Value::None, Value::None);
            if (2..=5).contains(&args.len()) {
                errno = args[0].clone();
                strerror = args[1].clone();
                filename = args.get(2).cloned().unwrap_or(Value::None);
                if !filename.is_none() {
                    filename2 = args.get(4).cloned().unwrap_or(Value::None);
                    let t = self.new_tuple(args[..2].to_vec());
                    if let Some(d) = data(o) {
                        d.borrow_mut().args = t;
                    }
                }
            }
            for (i, v) in [errno, strerror, filename, filename2]
                .into_iter()
                .enumerate()
            {
                self.set_exc_member(o, i, v);
            }
        }
        if is(ExcKind::UnicodeError) {
            let names: &[&str] = if is(ExcKind::UnicodeTranslateError) {
                &["object", "start", "end", "reason"]
            } else if is(ExcKind::UnicodeDecodeError) || is(ExcKind::UnicodeEncodeError) {
                &["encoding", "object", "start", "end", "reason"]
            } else {
                &[]
            };
            if !names.is_empty() && args.len() == names.len() {
                for (n, v) in names.iter().zip(args) {
                    self.set_attr_raw(o, n, v.clone());
                }
                // UnicodeTranslateError has the `encoding` member, unset.
                if is(ExcKind::UnicodeTranslateError) {
                    self.set_attr_raw(o, "encoding", Value::None);
                }
            }
        }
        Ok(())
    }
}

fn exc_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => return Err(vm.type_error("BaseException.__new__(X): X is not a type object")),
    };
    let pos = args.pos().get(1..).unwrap_or(&[]);
    let cls = oserror_subclass(vm, cls, pos);
    let t = vm.new_tuple(pos.to_vec());
    let o = vm.new_exc_instance(&cls, t);
    vm.exception_init_attrs(&o, pos, &args)?;
    Ok(Value::Obj(o))
}

/// Whether `v` (a class's `__new__`) is `BaseException.__new__`.
pub(crate) fn is_base_new(v: &Value) -> bool {
    matches!(v, Value::Obj(o) if matches!(&o.payload,
        Payload::MethodDescr(md) if std::ptr::fn_addr_eq(md.func, exc_new as NativeFn)))
}

/// Whether `v` (a class's `__init__`) is `BaseException.__init__`.
pub(crate) fn is_base_init(v: &Value) -> bool {
    matches!(v, Value::Obj(o) if matches!(&o.payload,
        Payload::MethodDescr(md) if std::ptr::fn_addr_eq(md.func, exc_init as NativeFn)))
}

/// Whether the tuple `args` holds exactly `pos` and nothing but the
/// exception refers to it (`BaseException.__init__` would replace it by a
/// tuple no one could tell from it).
fn same_args(args: &Value, pos: &[Value]) -> bool {
    let Value::Obj(t) = args else {
        return false;
    };
    let Payload::Tuple(items) = &t.payload else {
        return false;
    };
    (pos.is_empty() || crate::objects::rc::Rc::strong_count(t) == 1)
        && items.len() == pos.len()
        && items.iter().zip(pos).all(|(a, b)| a.is(b))
}

/// `OSError(errno, ...)` makes the subclass for the errno
/// (Objects/exceptions.c `errnomap`, Linux errno values).
fn oserror_subclass(vm: &Vm, cls: PyRef, pos: &[Value]) -> PyRef {
    if !crate::objects::rc::Rc::ptr_eq(&cls, &vm.exc_types[ExcKind::OSError as usize])
        || pos.len() < 2
    {
        return cls;
    }
    let Some(Value::Int(errno)) = pos.first() else {
        return cls;
    };
    let kind = match errno {
        11 | 114 | 115 => ExcKind::BlockingIOError,
        10 => ExcKind::ChildProcessError,
        32 | 108 => ExcKind::BrokenPipeError,
        103 => ExcKind::ConnectionAbortedError,
        111 => ExcKind::ConnectionRefusedError,
        104 => ExcKind::ConnectionResetError,
        17 => ExcKind::FileExistsError,
        2 => ExcKind::FileNotFoundError,
        21 => ExcKind::IsADirectoryError,
        20 => ExcKind::NotADirectoryError,
        4 => ExcKind::InterruptedError,
        1 | 13 => ExcKind::PermissionError,
        3 => ExcKind::ProcessLookupError,
        110 => ExcKind::TimeoutError,
        _ => return cls,
    };
    vm.exc_type(kind)
}

fn exc_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = exc_of(vm, &arg(&args, 0))?;
    let pos = args.pos().get(1..).unwrap_or(&[]);
    if args.has_kwargs() {
        // Only ImportError, AttributeError and NameError take keywords
        // (`BaseException_init`'s `_PyArg_NoKeywords`).
        let takes = [
            ExcKind::ImportError,
            ExcKind::AttributeError,
            ExcKind::NameError,
        ];
        let kinds = vm.init_kinds(&o);
        if !takes.iter().any(|&k| kinds & init_kind_bit(k) != 0) {
            return Err(vm.type_error(format!(
                "{}() takes no keyword arguments",
                vm.type_name_of(&Value::Obj(o))
            )));
        }
    }
    if let Some(d) = data(&o) {
        // `__new__` made this very tuple (the usual case): kept.
        if !same_args(&d.borrow().args, pos) {
            let t = vm.new_tuple(pos.to_vec());
            d.borrow_mut().args = t;
        }
    }
    vm.exception_init_attrs(&o, pos, &args)?;
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
    let new = chain_value(vm, new, "__cause__", "cause")?;
    if let Some(d) = data(&o) {
        let mut d = d.borrow_mut();
        d.cause = new;
        d.suppress_context = true;
    }
    Ok(())
}

/// Check a value for `__cause__`/`__context__`: None or an exception.
fn chain_value(vm: &Vm, new: Option<Value>, attr: &str, what: &str) -> PyResult<Value> {
    match new {
        None => Err(vm.type_error(format!("{attr} may not be deleted"))),
        Some(Value::None) => Ok(Value::None),
        Some(Value::Obj(e)) if matches!(e.payload, Payload::Exception(_)) => Ok(Value::Obj(e)),
        Some(_) => Err(vm.type_error(format!(
            "exception {what} must be None or derive from BaseException"
        ))),
    }
}
fn get_context(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let o = exc_of(vm, v)?;
    Ok(data(&o)
        .map(|d| d.borrow().context.clone())
        .unwrap_or(Value::None))
}
fn set_context(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let o = exc_of(vm, v)?;
    let new = chain_value(vm, new, "__context__", "context")?;
    if let Some(d) = data(&o) {
        d.borrow_mut().context = new;
    }
    Ok(())
}
fn get_suppress(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let o = exc_of(vm, v)?;
    Ok(Value::bool(
        data(&o).is_some_and(|d| d.borrow().suppress_context),
    ))
}
fn set_suppress(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let o = exc_of(vm, v)?;
    let b = vm.truthy(&new.unwrap_or(Value::Bool(Truth::False)))?;
    if let Some(d) = data(&o) {
        d.borrow_mut().suppress_context = b;
    }
    Ok(())
}
fn get_traceback(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let o = exc_of(vm, v)?;
    Ok(data(&o).map_or(Value::None, |d| d.borrow().traceback.clone()))
}

/// Set `__traceback__` (None or a traceback object).
fn store_traceback(vm: &Vm, o: &PyRef, tb: Value) -> PyResult<()> {
    let ok = match &tb {
        Value::None => true,
        Value::Obj(t) => matches!(t.payload, Payload::Traceback(_)),
        _ => false,
    };
    if !ok {
        return Err(vm.type_error("__traceback__ must be a traceback or None"));
    }
    if let Some(d) = data(o) {
        d.borrow_mut().traceback = tb;
    }
    Ok(())
}

fn set_traceback(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let o = exc_of(vm, v)?;
    let Some(new) = new else {
        return Err(vm.type_error("__traceback__ may not be deleted"));
    };
    store_traceback(vm, &o, new)
}

fn exc_with_traceback(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = exc_of(vm, &arg(&args, 0))?;
    store_traceback(vm, &o, arg(&args, 1))?;
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

/// A getter/setter pair for an exception attribute kept in the instance
/// dict, None until set.
macro_rules! dict_attr {
    ($get:ident, $set:ident, $name:literal) => {
        fn $get(vm: &mut Vm, v: &Value) -> PyResult<Value> {
            let o = exc_of(vm, v)?;
            Ok(vm.get_attr_raw(&o, $name).unwrap_or(Value::None))
        }
        fn $set(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
            let o = exc_of(vm, v)?;
            vm.set_attr_raw(&o, $name, new.unwrap_or(Value::None));
            Ok(())
        }
    };
}

dict_attr!(get_import_name, set_import_name, "name");

/// `AttributeError.name` / `NameError.name` and `AttributeError.obj`
/// (CPython's `T_OBJECT` members: None while unset, `del` unsets).
fn get_name(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let o = exc_of(vm, v)?;
    Ok(none_if_null(name_obj(&o).0))
}
fn set_name(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let o = exc_of(vm, v)?;
    set_name_obj(&o, new.unwrap_or(Value::Null), None);
    Ok(())
}
fn get_obj(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let o = exc_of(vm, v)?;
    Ok(none_if_null(name_obj(&o).1))
}
fn set_obj(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let o = exc_of(vm, v)?;
    let (n, _) = name_obj(&o);
    set_name_obj(&o, n, Some(new.unwrap_or(Value::Null)));
    Ok(())
}
fn none_if_null(v: Value) -> Value {
    if v.is_null() {
        Value::None
    } else {
        v
    }
}
dict_attr!(get_value, set_value, "value");

/// The getter and setter of member `$i` (`ExcData::members`).
macro_rules! member_attr {
    ($get:ident, $set:ident, $i:expr) => {
        fn $get(vm: &mut Vm, v: &Value) -> PyResult<Value> {
            let o = exc_of(vm, v)?;
            Ok(vm.exc_member(&o, $i))
        }
        fn $set(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
            let o = exc_of(vm, v)?;
            vm.set_exc_member(&o, $i, new.unwrap_or(Value::None));
            Ok(())
        }
    };
}
member_attr!(get_errno, set_errno, 0);
member_attr!(get_strerror, set_strerror, 1);
member_attr!(get_filename, set_filename, 2);
member_attr!(get_filename2, set_filename2, 3);
member_attr!(get_code, set_code, SYSTEMEXIT_CODE);
dict_attr!(get_path, set_path, "path");

/// `ImportError.msg`: set by `__init__`; for one the VM raised without
/// it (`new_error`), the message it was made with, as CPython's init sets.
fn get_import_msg(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let o = exc_of(vm, v)?;
    if let Some(m) = vm.get_attr_raw(&o, "msg") {
        return Ok(m);
    }
    let args = match &o.payload {
        Payload::Exception(d) => d.borrow().args.clone(),
        _ => return Ok(Value::None),
    };
    let items = vm.seq_items(&args).unwrap_or_default();
    Ok(match items.as_slice() {
        [m] => m.clone(),
        _ => Value::None,
    })
}

fn set_import_msg(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let o = exc_of(vm, v)?;
    vm.set_attr_raw(&o, "msg", new.unwrap_or(Value::None));
    Ok(())
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
    super::excgroup::install(vm);
    super::exc_reduce::install(vm);
    let attr = vm.exc_type(ExcKind::AttributeError);
    vm.add_getsets(
        &attr,
        &[
            ("name", get_name, Some(set_name)),
            ("obj", get_obj, Some(set_obj)),
        ],
    );
    let imp = vm.exc_type(ExcKind::ImportError);
    vm.add_getsets(
        &imp,
        &[
            ("msg", get_import_msg, Some(set_import_msg)),
            ("name", get_import_name, Some(set_import_name)),
            ("path", get_path, Some(set_path)),
        ],
    );
    let os = vm.exc_type(ExcKind::OSError);
    let getters: [(super::function::GetterFn, super::function::SetterFn); 4] = [
        (get_errno, set_errno),
        (get_strerror, set_strerror),
        (get_filename, set_filename),
        (get_filename2, set_filename2),
    ];
    let items: Vec<_> = OSERROR_MEMBERS
        .iter()
        .zip(getters)
        .map(|(n, (g, st))| (*n, g, Some(st)))
        .collect();
    vm.add_members(&os, &items);
    let exit = vm.exc_type(ExcKind::SystemExit);
    vm.add_members(&exit, &[("code", get_code, Some(set_code))]);
    let name = vm.exc_type(ExcKind::NameError);
    vm.add_getsets(&name, &[("name", get_name, Some(set_name))]);
    for kind in [ExcKind::StopIteration, ExcKind::StopAsyncIteration] {
        let t = vm.exc_type(kind);
        vm.add_getsets(&t, &[("value", get_value, Some(set_value))]);
    }
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
