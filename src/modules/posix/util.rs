//! Shared helpers of the OS modules: Argument-Clinic style argument
//! parsing, CPython's `path_t` converter (str/bytes/os.PathLike/fd),
//! `os.fspath`, filesystem encoding (UTF-8 with surrogateescape), and
//! [`Vm::os_error`], the errno-to-OSError helper other modules use too.

use std::ffi::CString;

use crate::objects::exception::ExcKind;
use crate::objects::function::{Args, Builtin, NativeFn};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

/// The calling thread's current `errno`.
pub fn last_errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// `strerror(errno)` as the C library words it.
pub fn strerror_text(errno: i32) -> String {
    // SAFETY: strerror returns a pointer to a NUL-terminated string owned by
    // the C library (static or thread-local); it is copied out immediately,
    // before any other libc call could overwrite it.
    unsafe {
        let p = libc::strerror(errno);
        if p.is_null() {
            return format!("Unknown error {errno}");
        }
        std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

impl Vm {
    /// CPython's `OSError(errno, strerror[, filename[, None, filename2]])`:
    /// the OSError subclass the errno selects (FileNotFoundError, ...), with
    /// str `[Errno 2] No such file or directory: 'x'` (and `-> 'y'` when a
    /// second filename is given).
    pub fn os_error(
        &mut self,
        errno: i32,
        filename: Option<Value>,
        filename2: Option<Value>,
    ) -> PyErr {
        let msg = self.new_string(strerror_text(errno));
        let mut args = vec![Value::Int(i64::from(errno)), msg];
        if let Some(f) = filename {
            args.push(f);
            if let Some(f2) = filename2 {
                args.push(Value::None);
                args.push(f2);
            }
        }
        let cls = Value::Obj(self.exc_type(ExcKind::OSError));
        match self.call(&cls, &args) {
            Ok(Value::Obj(e)) => PyErr(e),
            Ok(_) => self.system_error("OSError() did not return an exception"),
            Err(e) => e,
        }
    }

    /// [`Vm::os_error`] for the current `errno`.
    pub fn last_os_error(&mut self, filename: Option<Value>) -> PyErr {
        let e = last_errno();
        self.os_error(e, filename, None)
    }
}

/// Bind native functions to module `m` (their `__self__`, passed as the
/// first argument), for functions that need the module's types.
pub fn add_bound_functions(vm: &mut Vm, m: &PyRef, funcs: &[(&'static str, NativeFn)]) {
    // As `Vm::add_functions`: `__module__`, `__text_signature__`, `__doc__`.
    if let Payload::Module(md) = &m.payload {
        crate::objects::builtin_sigs::register_module_functions(&md.name, funcs);
    }
    for (name, f) in funcs {
        let b = vm.new_obj(
            &vm.types.builtin_function,
            Payload::Builtin(Box::new(Builtin {
                name,
                guards: crate::vm::call::builtin_call_guards(name),
                func: *f,
                self_: Some(Value::Obj(m.clone())),
                owner: None,
            })),
        );
        vm.set_attr_raw(m, name, Value::Obj(b));
    }
}

/// Split a bound function's arguments into its module and the rest.
pub fn split_module<'a>(vm: &Vm, args: Args<'a>) -> PyResult<(PyRef, Args<'a>)> {
    match args.args.first() {
        Some(Value::Obj(m)) if matches!(m.payload, Payload::Module(_)) => Ok((
            m.clone(),
            Args {
                args: args.args.get(1..).unwrap_or(&[]),
                kwnames: args.kwnames,
            },
        )),
        _ => Err(vm.system_error("module function called without its module")),
    }
}

/// A type stored as an attribute of module `m`.
pub fn module_type(vm: &Vm, m: &PyRef, name: &str) -> PyResult<PyRef> {
    match vm.get_attr_raw(m, name) {
        Some(Value::Obj(t)) if matches!(t.payload, Payload::Type(_)) => Ok(t),
        _ => Err(vm.system_error(format!("module type {name} is missing"))),
    }
}

/// Argument-Clinic parsing (`_PyArg_UnpackKeywords`): `names` are the
/// parameters in order, the first `required` must be given, at most
/// `maxpos` may be positional (the rest are keyword-only).
pub fn parse_args(
    vm: &Vm,
    args: &Args,
    fname: &str,
    names: &[&str],
    required: usize,
    maxpos: usize,
) -> PyResult<Vec<Option<Value>>> {
    let pos = args.pos();
    if pos.len() > maxpos {
        if maxpos == 0 {
            return Err(vm.type_error(format!("{fname}() takes no positional arguments")));
        }
        let how = if required.min(maxpos) < maxpos {
            "at most"
        } else {
            "exactly"
        };
        let s = if maxpos == 1 { "" } else { "s" };
        return Err(vm.type_error(format!(
            "{fname}() takes {how} {maxpos} positional argument{s} ({} given)",
            pos.len()
        )));
    }
    let mut out: Vec<Option<Value>> = vec![None; names.len()];
    for (slot, v) in out.iter_mut().zip(pos) {
        *slot = Some(v.clone());
    }
    for (k, v) in args.kwargs() {
        let key = vm
            .as_str_obj(&Value::Obj(k.clone()))
            .map(|s| s.as_str().to_string());
        let key = key.unwrap_or_default();
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
    for (i, n) in names.iter().enumerate().take(required) {
        if out.get(i).is_some_and(|v| v.is_none()) {
            return Err(if i < maxpos {
                vm.type_error(format!(
                    "{fname}() missing required argument '{n}' (pos {})",
                    i + 1
                ))
            } else {
                vm.type_error(format!(
                    "{fname}() missing required keyword-only argument '{n}'"
                ))
            });
        }
    }
    Ok(out)
}

/// An int argument (`__index__`), CPython's message when it is none.
pub fn int_arg(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    if let Value::Float(_) = v {
        return Err(vm.type_error("'float' object cannot be interpreted as an integer"));
    }
    match vm.index_value(v)? {
        Some(i) => Ok(i),
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(v)
        ))),
    }
}

/// A C `int` argument (file descriptors, flags, modes, signals).
pub fn c_int_arg(vm: &mut Vm, v: &Value) -> PyResult<i32> {
    let i = int_arg(vm, v)?;
    i32::try_from(i).map_err(|_| {
        vm.overflow_error(if i > 0 {
            "signed integer is greater than maximum"
        } else {
            "signed integer is less than minimum"
        })
    })
}

/// An optional C int keyword (`dir_fd=None`).
pub fn opt_fd(vm: &mut Vm, v: &Option<Value>) -> PyResult<Option<i32>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(v) => {
            if vm.index_value(v)?.is_none() {
                return Err(vm.type_error(format!(
                    "argument should be integer or None, not {}",
                    vm.type_name_of(v)
                )));
            }
            c_int_arg(vm, v).map(Some)
        }
    }
}

/// A boolean argument (`follow_symlinks=True`): any object's truth.
pub fn bool_arg(vm: &mut Vm, v: &Option<Value>, default: bool) -> PyResult<bool> {
    match v {
        None => Ok(default),
        Some(v) => vm.truthy(v),
    }
}

/// The bytes of a bytes-like object (bytes, bytearray, memoryview).
pub fn bytes_like(vm: &mut Vm, v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Bytes(b) => Some(b.to_vec()),
            Payload::ByteArray(b) => Some(b.borrow().clone()),
            Payload::MemoryView(_) => {
                let b = vm.call_method(v, "tobytes", &[]).ok()?;
                match b {
                    Value::Obj(bo) => match &bo.payload {
                        Payload::Bytes(b) => Some(b.to_vec()),
                        _ => None,
                    },
                    _ => None,
                }
            }
            _ => None,
        },
        _ => None,
    }
}

/// The bytes of a `bytes` object (subclasses included).
pub fn bytes_of(v: &Value) -> Option<&[u8]> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Bytes(b) => Some(b),
            _ => None,
        },
        _ => None,
    }
}

/// Encode a str to the filesystem encoding (UTF-8, surrogateescape).
pub fn fsencode_str(vm: &Vm, v: &Value) -> PyResult<Option<Vec<u8>>> {
    let Some(s) = vm.as_str_obj(v) else {
        return Ok(None);
    };
    let Some(cps) = s.surrogate_cps() else {
        return Ok(Some(s.as_str().as_bytes().to_vec()));
    };
    let mut out = Vec::with_capacity(cps.len());
    for (i, &c) in cps.iter().enumerate() {
        if (0xDC80..=0xDCFF).contains(&c) {
            out.push((c - 0xDC00) as u8);
        } else if let Some(ch) = char::from_u32(c) {
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        } else {
            return Err(vm.new_error(
                ExcKind::UnicodeEncodeError,
                format!(
                    "'utf-8' codec can't encode character '\\u{c:x}' in position {i}: surrogates not allowed"
                ),
            ));
        }
    }
    Ok(Some(out))
}

/// Decode filesystem bytes to a str (UTF-8, surrogateescape).
pub fn fsdecode(vm: &Vm, b: &[u8]) -> Value {
    if let Ok(s) = std::str::from_utf8(b) {
        return vm.new_str(s);
    }
    let mut cps: Vec<u32> = Vec::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        cps.extend(chunk.valid().chars().map(u32::from));
        cps.extend(chunk.invalid().iter().map(|&x| 0xDC00 + u32::from(x)));
    }
    Value::Obj(vm.new_obj(
        &vm.types.str,
        Payload::Str(crate::objects::StrObj::from_code_points(&cps)),
    ))
}

/// A name from the filesystem, as str or bytes like the argument was.
pub fn fs_name(vm: &Vm, b: &[u8], as_bytes: bool) -> Value {
    if as_bytes {
        vm.new_bytes(b.to_vec())
    } else {
        fsdecode(vm, b)
    }
}

fn is_str_or_bytes(vm: &Vm, v: &Value) -> bool {
    vm.as_str_obj(v).is_some() || bytes_of(v).is_some()
}

/// `os.fspath(v)`: str and bytes as they are, else `__fspath__()`.
pub fn fspath(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match fspath_opt(vm, v)? {
        Some(r) => Ok(r),
        None => Err(vm.type_error(format!(
            "expected str, bytes or os.PathLike object, not {}",
            vm.type_name_of(v)
        ))),
    }
}

/// `fspath`, or None when `v` has no `__fspath__`.
fn fspath_opt(vm: &mut Vm, v: &Value) -> PyResult<Option<Value>> {
    if is_str_or_bytes(vm, v) {
        return Ok(Some(v.clone()));
    }
    let ty = vm.type_of(v);
    let Some(meth) = vm.type_lookup_static(&ty, "__fspath__") else {
        return Ok(None);
    };
    if meth.is_none() {
        return Ok(None);
    }
    let r = vm.call(&meth, std::slice::from_ref(v))?;
    if !is_str_or_bytes(vm, &r) {
        return Err(vm.type_error(format!(
            "expected {}.__fspath__() to return str or bytes, not {}",
            vm.type_name(&ty),
            vm.type_name_of(&r)
        )));
    }
    Ok(Some(r))
}

/// A converted `path_t` argument.
pub struct PathArg {
    /// The encoded path (empty for an fd).
    pub raw: Vec<u8>,
    /// The file descriptor, when an int was given (and allowed).
    pub fd: Option<i32>,
    /// Whether the path was given as bytes (results are then bytes).
    pub is_bytes: bool,
    /// The object for error messages (`filename`): the str/bytes after
    /// `__fspath__`, or the fd int; None for a defaulted path.
    pub obj: Value,
}

impl PathArg {
    /// The path as a C string (never contains NUL: checked on conversion).
    pub fn c(&self) -> CString {
        CString::new(self.raw.clone()).unwrap_or_default()
    }

    /// The filename for an error: the object given.
    pub fn err_name(&self) -> Option<Value> {
        Some(self.obj.clone())
    }
}

/// CPython's `path_converter`: `what` is `(allow_fd, nullable)`.
pub fn path_arg(
    vm: &mut Vm,
    fname: &str,
    argname: &str,
    v: Option<&Value>,
    allow_fd: bool,
    nullable: bool,
) -> PyResult<PathArg> {
    let v = match v {
        None | Some(Value::None) if nullable => {
            return Ok(PathArg {
                raw: b".".to_vec(),
                fd: None,
                is_bytes: false,
                obj: Value::None,
            })
        }
        None => &Value::None,
        Some(v) => v,
    };
    let conv = if matches!(v, Value::Int(_) | Value::Bool(_)) {
        None
    } else {
        fspath_opt(vm, v)?
    };
    let Some(p) = conv else {
        if allow_fd && vm.index_value(v)?.is_some() {
            let fd = c_int_arg(vm, v)?;
            return Ok(PathArg {
                raw: Vec::new(),
                fd: Some(fd),
                is_bytes: false,
                obj: v.clone(),
            });
        }
        let allowed = match (allow_fd, nullable) {
            (true, true) => "string, bytes, os.PathLike, integer or None",
            (true, false) => "string, bytes, os.PathLike or integer",
            (false, true) => "string, bytes, os.PathLike or None",
            (false, false) => "string, bytes or os.PathLike",
        };
        return Err(vm.type_error(format!(
            "{fname}: {argname} should be {allowed}, not {}",
            vm.type_name_of(v)
        )));
    };
    let (raw, is_bytes) = match bytes_of(&p) {
        Some(b) => {
            if b.contains(&0) {
                return Err(
                    vm.value_error(format!("{fname}: embedded null character in {argname}"))
                );
            }
            (b.to_vec(), true)
        }
        None => {
            let b = fsencode_str(vm, &p)?.unwrap_or_default();
            if b.contains(&0) {
                return Err(vm.value_error("embedded null byte"));
            }
            (b, false)
        }
    };
    Ok(PathArg {
        raw,
        fd: None,
        is_bytes,
        obj: p,
    })
}

/// Run a system call, retrying on EINTR (PEP 475); Err(errno) on failure.
pub fn retry<T: PartialOrd + Default + Copy>(mut f: impl FnMut() -> T) -> Result<T, i32> {
    loop {
        let r = f();
        if r < T::default() {
            let e = last_errno();
            if e == libc::EINTR {
                continue;
            }
            return Err(e);
        }
        return Ok(r);
    }
}

/// Convert a Rust string list to NUL-free C strings (argv/envp).
pub fn cstrings(vm: &Vm, items: Vec<Vec<u8>>) -> PyResult<Vec<CString>> {
    items
        .into_iter()
        .map(|b| CString::new(b).map_err(|_| vm.value_error("embedded null byte")))
        .collect()
}
