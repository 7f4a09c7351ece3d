//! `_io`: CPython's Modules/_io in Rust. The abstract bases (`_IOBase`,
//! `_RawIOBase`, `_BufferedIOBase`, `_TextIOBase`) live in `iobase.rs`,
//! `FileIO` in `fileio.rs`, the buffered classes in `buffered.rs`,
//! `BytesIO`/`StringIO` in `bytesio.rs`/`stringio.rs`, `TextIOWrapper` and
//! `IncrementalNewlineDecoder` in `textio.rs`. This file builds the module
//! (once per VM, at start-up, since `builtins.open` is `_io.open`), keeps
//! its types in a per-thread registry, and implements `open`,
//! `open_code` and `text_encoding` plus the helpers every class shares.

use crate::objects::rc::Rc;
use std::cell::RefCell;

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::proto::str_of;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

mod buffered;
mod bytesio;
mod fileio;
mod iobase;
mod newlines;
mod stringio;
pub use stringio::{print_write, print_write_str};
mod textcodec;
mod textio;
mod textseek;

/// `io.DEFAULT_BUFFER_SIZE`.
pub const DEFAULT_BUFFER_SIZE: usize = 8192;

/// The module and its types (CPython's static types).
pub struct IoTypes {
    pub module: PyRef,
    pub iobase: PyRef,
    pub rawiobase: PyRef,
    pub bufferediobase: PyRef,
    pub textiobase: PyRef,
    pub fileio: PyRef,
    pub bytesio: PyRef,
    pub stringio: PyRef,
    pub buffered_reader: PyRef,
    pub buffered_writer: PyRef,
    pub buffered_random: PyRef,
    pub buffered_rwpair: PyRef,
    pub textiowrapper: PyRef,
    pub newline_decoder: PyRef,
    pub unsupported: PyRef,
}

crate::interp_local! {
    static TYPES: RefCell<Option<Rc<IoTypes>>> = const { RefCell::new(None) };
}

/// The `_io` types of the VM running on this thread.
pub fn io_types(vm: &Vm) -> PyResult<Rc<IoTypes>> {
    TYPES
        .try_with(|t| t.borrow().clone())
        .ok()
        .flatten()
        .ok_or_else(|| vm.system_error("_io is not initialized"))
}

/// Build `_io` at VM start-up: register it in `sys.modules` and make
/// `builtins.open` the same object as `_io.open`.
pub fn install(vm: &mut Vm) {
    let Ok(m) = build(vm) else {
        return;
    };
    let key = vm.new_str("_io");
    let modules = vm.modules.clone();
    let _ = vm.dict_set(&modules, key, Value::Obj(m.clone()));
    if let Some(open) = vm.get_attr_raw(&m, "open") {
        let b = vm.builtins.clone();
        vm.set_attr_raw(&b, "open", open);
    }
}

/// The native module entry: the module made at start-up.
pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    match TYPES.try_with(|t| t.borrow().as_ref().map(|t| t.module.clone())) {
        Ok(Some(m)) => Ok(m),
        _ => build(vm),
    }
}

fn build(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_io");
    let (iobase, rawiobase, bufferediobase, textiobase) = iobase::make_types(vm);
    let fileio = fileio::make_type(vm, &rawiobase);
    let bytesio = bytesio::make_type(vm, &bufferediobase);
    let stringio = stringio::make_type(vm, &textiobase);
    let (buffered_reader, buffered_writer, buffered_random, buffered_rwpair) =
        buffered::make_types(vm, &bufferediobase);
    let (textiowrapper, newline_decoder) = textio::make_types(vm, &textiobase);
    let unsupported = make_unsupported(vm)?;
    let types = IoTypes {
        module: m.clone(),
        iobase,
        rawiobase,
        bufferediobase,
        textiobase,
        fileio,
        bytesio,
        stringio,
        buffered_reader,
        buffered_writer,
        buffered_random,
        buffered_rwpair,
        textiowrapper,
        newline_decoder,
        unsupported,
    };
    let t = &types;
    for (name, ty) in [
        ("_IOBase", &t.iobase),
        ("_RawIOBase", &t.rawiobase),
        ("_BufferedIOBase", &t.bufferediobase),
        ("_TextIOBase", &t.textiobase),
        ("FileIO", &t.fileio),
        ("BytesIO", &t.bytesio),
        ("StringIO", &t.stringio),
        ("BufferedReader", &t.buffered_reader),
        ("BufferedWriter", &t.buffered_writer),
        ("BufferedRandom", &t.buffered_random),
        ("BufferedRWPair", &t.buffered_rwpair),
        ("TextIOWrapper", &t.textiowrapper),
        ("IncrementalNewlineDecoder", &t.newline_decoder),
        ("UnsupportedOperation", &t.unsupported),
    ] {
        vm.set_attr_raw(&m, name, Value::Obj(ty.clone()));
    }
    vm.set_attr_raw(
        &m,
        "DEFAULT_BUFFER_SIZE",
        Value::Int(DEFAULT_BUFFER_SIZE as i64),
    );
    let bio = vm.exc_type(ExcKind::BlockingIOError);
    vm.set_attr_raw(&m, "BlockingIOError", Value::Obj(bio));
    let funcs: &[(&'static str, crate::objects::function::NativeFn)] = &[
        ("open", io_open),
        ("open_code", io_open_code),
        ("text_encoding", io_text_encoding),
    ];
    // CPython's _io module is named "io": its functions' __module__ (which
    // pickle uses to find them) is "io". The first registration wins.
    crate::objects::builtin_sigs::register_module_functions("io", funcs);
    vm.add_functions(&m, funcs);
    let _ = TYPES.try_with(|cell| *cell.borrow_mut() = Some(Rc::new(types)));
    Ok(m)
}

/// `class UnsupportedOperation(OSError, ValueError)`, module `io`.
fn make_unsupported(vm: &mut Vm) -> PyResult<PyRef> {
    let name = vm.new_str("UnsupportedOperation");
    let bases = vm.new_tuple_of([
        Value::Obj(vm.exc_type(ExcKind::OSError)),
        Value::Obj(vm.exc_type(ExcKind::ValueError)),
    ]);
    let ns = vm.new_dict();
    let modname = vm.new_str("io");
    let key = Value::Obj(vm.intern("__module__"));
    vm.dict_set(&ns, key, modname)?;
    let ty = Value::Obj(vm.types.type_.clone());
    match vm.call(&ty, &[name, bases, Value::Obj(ns)])? {
        Value::Obj(t) => Ok(t),
        _ => Err(vm.system_error("UnsupportedOperation")),
    }
}

// ------------------------------------------------------------------ helpers

/// `ValueError: I/O operation on closed file.`
pub(crate) fn closed_error(vm: &Vm) -> PyErr {
    vm.value_error("I/O operation on closed file.")
}

/// `io.UnsupportedOperation(msg)`.
pub(crate) fn unsupported(vm: &mut Vm, msg: &str) -> PyErr {
    let ty = match io_types(vm) {
        Ok(t) => t.unsupported.clone(),
        Err(e) => return e,
    };
    let m = vm.new_str(msg);
    match vm.call(&Value::Obj(ty), &[m]) {
        Ok(Value::Obj(e)) => PyErr(e),
        Ok(_) => vm.system_error("UnsupportedOperation"),
        Err(e) => e,
    }
}

/// The text of C's `strerror(errno)`.
pub(crate) fn strerror(errno: i32) -> String {
    let msg = std::io::Error::from_raw_os_error(errno).to_string();
    // Rust appends " (os error N)".
    match msg.rfind(" (os error ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    }
}

/// `OSError(errno, strerror, filename)` (the subclass for the errno).
pub(crate) fn os_error(vm: &mut Vm, errno: i32, filename: Option<Value>) -> PyErr {
    let ty = Value::Obj(vm.exc_type(ExcKind::OSError));
    let mut a = vec![Value::Int(i64::from(errno)), vm.new_string(strerror(errno))];
    if let Some(f) = filename {
        a.push(f);
    }
    match vm.call(&ty, &a) {
        Ok(Value::Obj(e)) => PyErr(e),
        Ok(_) => vm.system_error("OSError"),
        Err(e) => e,
    }
}

/// The errno of the last failed system call.
pub(crate) fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// The setter of a read-only member (CPython's `T_OBJECT` + `READONLY`).
pub(crate) fn readonly_member(vm: &mut Vm, _obj: &Value, _v: Option<Value>) -> PyResult<()> {
    Err(vm.attribute_error("readonly attribute"))
}

/// `obj.name = v` through the normal attribute protocol.
pub(crate) fn set_attr(vm: &mut Vm, obj: &Value, name: &str, v: Value) -> PyResult<()> {
    let n = vm.intern(name);
    vm.setattr(obj, &n, Some(v))
}

/// Argument Clinic style parsing: positional then keyword arguments for
/// `names`, the first `required` of them required. `skip` leading
/// positional values (self) are left out.
pub(crate) fn parse_args(
    vm: &Vm,
    args: &Args,
    fname: &str,
    names: &[&str],
    required: usize,
    skip: usize,
) -> PyResult<Vec<Option<Value>>> {
    let pos = args.pos().get(skip..).unwrap_or(&[]);
    let max = names.len();
    if pos.len() > max {
        let total = pos.len() + args.kwnames.len();
        return Err(vm.type_error(if max == 0 {
            format!("{fname}() takes no arguments ({total} given)")
        } else if required == max {
            format!(
                "{fname}() takes exactly {max} argument{} ({total} given)",
                if max == 1 { "" } else { "s" }
            )
        } else {
            format!(
                "{fname}() takes at most {max} argument{} ({total} given)",
                if max == 1 { "" } else { "s" }
            )
        }));
    }
    let mut out: Vec<Option<Value>> = vec![None; max];
    for (slot, v) in out.iter_mut().zip(pos) {
        *slot = Some(v.clone());
    }
    for (k, v) in args.kwargs() {
        let key = str_of(k);
        match names.iter().position(|n| *n == key) {
            Some(i) if i < pos.len() => {
                return Err(vm.type_error(format!(
                    "argument for {fname}() given by name ('{key}') and position ({})",
                    i + 1
                )))
            }
            Some(i) => {
                if let Some(slot) = out.get_mut(i) {
                    *slot = Some(v.clone());
                }
            }
            None => {
                return Err(vm.type_error(format!(
                    "'{key}' is an invalid keyword argument for {fname}()"
                )))
            }
        }
    }
    for (i, slot) in out.iter().enumerate().take(required) {
        if slot.is_none() {
            return Err(vm.type_error(format!(
                "{fname}() missing required argument '{}' (pos {})",
                names.get(i).copied().unwrap_or(""),
                i + 1
            )));
        }
    }
    Ok(out)
}

/// A size argument: None or an index (`-1` for None or absent).
pub(crate) fn size_arg(vm: &mut Vm, v: Option<&Value>) -> PyResult<i64> {
    match v {
        None | Some(Value::None) => Ok(-1),
        Some(v) => match vm.index_value(v)? {
            Some(i) => Ok(i),
            None => Err(vm.type_error(format!(
                "argument should be integer or None, not '{}'",
                vm.type_name_of(v)
            ))),
        },
    }
}

/// An integer argument (`__index__`), CPython's message otherwise.
pub(crate) fn int_arg(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    match vm.index_value(v)? {
        Some(i) => Ok(i),
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(v)
        ))),
    }
}

/// An optional str argument (None allowed): `fname() argument 'name'
/// must be str or None, not X`.
pub(crate) fn opt_str_arg(
    vm: &Vm,
    v: Option<&Value>,
    fname: &str,
    name: &str,
) -> PyResult<Option<String>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(v) => match vm.as_str_obj(v) {
            Some(s) => Ok(Some(s.as_str().to_string())),
            None => Err(vm.type_error(format!(
                "{fname}() argument '{name}' must be str or None, not {}",
                vm.arg_type_name(v)
            ))),
        },
    }
}

/// Whether `obj.closed` is true (the attribute, as CPython's checks).
pub(crate) fn is_closed(vm: &mut Vm, obj: &Value) -> PyResult<bool> {
    if let Some(c) = bytesio::exact_closed(obj) {
        return Ok(c);
    }
    let c = vm.getattr_str(obj, "closed")?;
    vm.truthy(&c)
}

/// `os.fspath(path)` for `open`/`FileIO`: str and bytes as they are,
/// `__fspath__` for path-like objects.
pub(crate) fn fspath(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    if vm.as_str_obj(v).is_some()
        || matches!(v, Value::Obj(o) if matches!(o.payload, Payload::Bytes(_)))
    {
        return Ok(v.clone());
    }
    let fs = vm.call_special(v, "__fspath__", &[])?;
    match fs {
        Some(r)
            if vm.as_str_obj(&r).is_some()
                || matches!(&r, Value::Obj(o) if matches!(o.payload, Payload::Bytes(_))) =>
        {
            Ok(r)
        }
        Some(r) => Err(vm.type_error(format!(
            "expected {}.__fspath__() to return str or bytes, not {}",
            vm.type_name_of(v),
            vm.type_name_of(&r)
        ))),
        None => Err(vm.type_error(format!(
            "expected str, bytes or os.PathLike object, not {}",
            vm.type_name_of(v)
        ))),
    }
}

// ------------------------------------------------------------------ open

/// The mode letters `open` accepted.
#[derive(Default)]
struct OpenMode {
    creating: bool,
    reading: bool,
    writing: bool,
    appending: bool,
    updating: bool,
    text: bool,
    binary: bool,
}

fn parse_open_mode(vm: &Vm, mode: &str) -> PyResult<OpenMode> {
    let mut m = OpenMode::default();
    let invalid = || vm.value_error(format!("invalid mode: '{mode}'"));
    for (i, c) in mode.char_indices() {
        match c {
            'x' => m.creating = true,
            'r' => m.reading = true,
            'w' => m.writing = true,
            'a' => m.appending = true,
            '+' => m.updating = true,
            't' => m.text = true,
            'b' => m.binary = true,
            _ => return Err(invalid()),
        }
        if mode[i + c.len_utf8()..].contains(c) {
            return Err(invalid());
        }
    }
    if m.text && m.binary {
        return Err(vm.value_error("can't have text and binary mode at once"));
    }
    let n = [m.creating, m.reading, m.writing, m.appending]
        .iter()
        .filter(|b| **b)
        .count();
    if n > 1 {
        return Err(vm.value_error("must have exactly one of create/read/write/append mode"));
    }
    Ok(m)
}

/// `open(file, mode='r', buffering=-1, encoding=None, errors=None,
/// newline=None, closefd=True, opener=None)`.
fn io_open(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let names = [
        "file",
        "mode",
        "buffering",
        "encoding",
        "errors",
        "newline",
        "closefd",
        "opener",
    ];
    let a = parse_args(vm, &args, "open", &names, 1, 0)?;
    let file = a[0].clone().unwrap_or(Value::None);
    let mode = match &a[1] {
        None => "r".to_string(),
        Some(v) => match vm.as_str_obj(v) {
            Some(s) => s.as_str().to_string(),
            None => {
                return Err(vm.type_error(format!(
                    "open() argument 'mode' must be str, not {}",
                    vm.arg_type_name(v)
                )))
            }
        },
    };
    let mut buffering = match &a[2] {
        None => -1,
        Some(v) => int_arg(vm, v)?,
    };
    let encoding = opt_str_arg(vm, a[3].as_ref(), "open", "encoding")?;
    let errors = opt_str_arg(vm, a[4].as_ref(), "open", "errors")?;
    let newline = opt_str_arg(vm, a[5].as_ref(), "open", "newline")?;
    let closefd = match &a[6] {
        None => true,
        Some(v) => vm.truthy(v)?,
    };
    let opener = a[7].clone().unwrap_or(Value::None);

    let is_fd = matches!(file, Value::Int(_) | Value::Bool(_))
        || matches!(&file, Value::Obj(o) if matches!(o.payload, Payload::Int(_)));
    let path_or_fd = if is_fd {
        file.clone()
    } else {
        fspath(vm, &file)?
    };
    let m = parse_open_mode(vm, &mode)?;
    if m.binary && encoding.is_some() {
        return Err(vm.value_error("binary mode doesn't take an encoding argument"));
    }
    if m.binary && errors.is_some() {
        return Err(vm.value_error("binary mode doesn't take an errors argument"));
    }
    if m.binary && newline.is_some() {
        return Err(vm.value_error("binary mode doesn't take a newline argument"));
    }
    let mut rawmode = String::new();
    for (on, c) in [
        (m.creating, 'x'),
        (m.reading, 'r'),
        (m.writing, 'w'),
        (m.appending, 'a'),
        (m.updating, '+'),
    ] {
        if on {
            rawmode.push(c);
        }
    }
    let t = io_types(vm)?;
    let raw = {
        let mut fa = vec![path_or_fd, vm.new_str(&rawmode)];
        fa.push(Value::bool(closefd));
        fa.push(opener);
        vm.call(&Value::Obj(t.fileio.clone()), &fa)?
    };
    let result = open_wrap(
        vm,
        &t,
        &raw,
        &m,
        &mode,
        &mut buffering,
        encoding,
        errors,
        newline,
    );
    if result.is_err() {
        // Close the raw file on failure, keeping the first error.
        let _ = vm.call_method(&raw, "close", &[]);
    }
    result
}

/// The buffering and text layers `open` puts over its raw file.
#[allow(clippy::too_many_arguments)]
fn open_wrap(
    vm: &mut Vm,
    t: &IoTypes,
    raw: &Value,
    m: &OpenMode,
    mode: &str,
    buffering: &mut i64,
    encoding: Option<String>,
    errors: Option<String>,
    newline: Option<String>,
) -> PyResult<Value> {
    let mut line_buffering = false;
    if *buffering == 1 || *buffering < 0 {
        let tty = vm.call_method(raw, "isatty", &[])?;
        if *buffering == 1 || vm.truthy(&tty)? {
            line_buffering = true;
        }
    }
    if *buffering == 1 && m.binary {
        line_buffering = false;
        *buffering = -1;
    }
    if *buffering < 0 {
        let bs = vm.getattr_opt(raw, "_blksize")?;
        *buffering = match bs {
            Some(Value::Int(n)) if n > 1 => n,
            _ => DEFAULT_BUFFER_SIZE as i64,
        };
    }
    if *buffering == 1 {
        *buffering = DEFAULT_BUFFER_SIZE as i64;
    }
    if *buffering == 0 {
        if m.binary {
            return Ok(raw.clone());
        }
        return Err(vm.value_error("can't have unbuffered text I/O"));
    }
    let cls = if m.updating {
        &t.buffered_random
    } else if m.creating || m.writing || m.appending {
        &t.buffered_writer
    } else if m.reading {
        &t.buffered_reader
    } else {
        return Err(vm.value_error(format!("unknown mode: '{mode}'")));
    };
    let buffer = vm.call(
        &Value::Obj(cls.clone()),
        &[raw.clone(), Value::Int(*buffering)],
    )?;
    if m.binary {
        return Ok(buffer);
    }
    let opt = |vm: &Vm, s: Option<String>| s.map_or(Value::None, |s| vm.new_string(s));
    let wa = [
        buffer.clone(),
        opt(vm, encoding),
        opt(vm, errors),
        opt(vm, newline),
        Value::bool(line_buffering),
    ];
    let wrapper = match vm.call(&Value::Obj(t.textiowrapper.clone()), &wa) {
        Ok(w) => w,
        Err(e) => {
            let _ = vm.call_method(&buffer, "close", &[]);
            return Err(e);
        }
    };
    let mv = vm.new_str(mode);
    set_attr(vm, &wrapper, "mode", mv)?;
    Ok(wrapper)
}

/// `open_code(path)`: `open(path, 'rb')`.
fn io_open_code(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "open_code", &["path"], 1, 0)?;
    let path = a[0].clone().unwrap_or(Value::None);
    if vm.as_str_obj(&path).is_none() {
        return Err(vm.type_error(format!(
            "open_code() argument 'path' must be str, not {}",
            vm.arg_type_name(&path)
        )));
    }
    let t = io_types(vm)?;
    let open = vm.get_attr_raw(&t.module, "open").unwrap_or(Value::None);
    let rb = vm.new_str("rb");
    vm.call(&open, &[path, rb])
}

/// `text_encoding(encoding, stacklevel=2)`: "locale" for None.
fn io_text_encoding(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(
        vm,
        &args,
        "text_encoding",
        &["encoding", "stacklevel"],
        1,
        0,
    )?;
    match &a[0] {
        Some(Value::None) | None => Ok(vm.new_str("locale")),
        Some(v) => Ok(v.clone()),
    }
}
