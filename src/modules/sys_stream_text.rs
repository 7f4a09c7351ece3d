//! Text with lone surrogates on the standard streams: CPython's
//! TextIOWrapper encodes what is written with the stream's error handler
//! (`sys.stdout.errors`), so a surrogate raises UnicodeEncodeError under
//! "strict", goes out as its byte under "surrogateescape" and as `\udcXX`
//! on stderr ("backslashreplace").

use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

/// The error handler of the stream on `fd`, as CPython 3.11 chooses it
/// (`config_init_stdio_encoding`): stderr always "backslashreplace";
/// stdin/stdout from PYTHONIOENCODING (`encoding:errors`; an encoding
/// alone means "strict"), else "surrogateescape" in UTF-8 mode and in the
/// C/POSIX locale or a locale-coercion target (C.UTF-8), else "strict".
pub(crate) fn stdio_errors(fd: i64) -> String {
    if let Some(e) = conf(fd, |c| c.errors.clone()) {
        return e;
    }
    default_errors(fd).to_string()
}

fn default_errors(fd: i64) -> &'static str {
    if fd == 2 {
        return "backslashreplace";
    }
    static ERRORS: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();
    ERRORS.get_or_init(|| {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        if let Some(io) = env("PYTHONIOENCODING") {
            let (enc, err) = match io.split_once(':') {
                Some((e, r)) => (e.to_string(), r.to_string()),
                None => (io.clone(), String::new()),
            };
            if !err.is_empty() {
                return known_handler(&err);
            }
            if !enc.is_empty() {
                return "strict";
            }
        }
        if env("PYTHONUTF8").as_deref() == Some("1") {
            return "surrogateescape";
        }
        let locale = env("LC_ALL")
            .or_else(|| env("LC_CTYPE"))
            .or_else(|| env("LANG"))
            .unwrap_or_else(|| "C".to_string());
        match locale.as_str() {
            "C" | "POSIX" | "C.UTF-8" | "C.utf8" | "UTF-8" => "surrogateescape",
            // A locale the system lacks leaves CPython in the C locale.
            name if !locale_available(name) => "surrogateescape",
            _ => "strict",
        }
    })
}

/// Whether the system has the locale `name` for LC_CTYPE (what
/// `setlocale(LC_CTYPE, "")` would succeed with).
fn locale_available(name: &str) -> bool {
    let Ok(c) = std::ffi::CString::new(name) else {
        return false;
    };
    // SAFETY: `c` is NUL-terminated and outlives the call; newlocale with
    // a null base allocates a fresh locale object or returns null.
    let l = unsafe { libc::newlocale(libc::LC_CTYPE_MASK, c.as_ptr(), std::ptr::null_mut()) };
    if l.is_null() {
        return false;
    }
    // SAFETY: `l` is the live locale object newlocale returned; it is not
    // used after being freed.
    unsafe { libc::freelocale(l) };
    true
}

/// A handler name from the environment, as a static string.
fn known_handler(name: &str) -> &'static str {
    match name {
        "ignore" => "ignore",
        "replace" => "replace",
        "surrogateescape" => "surrogateescape",
        "backslashreplace" => "backslashreplace",
        "xmlcharrefreplace" => "xmlcharrefreplace",
        "namereplace" => "namereplace",
        "surrogatepass" => "surrogatepass",
        _ => "strict",
    }
}

/// Whether `v` is a str holding lone surrogates (which its UTF-8 text
/// cannot carry).
pub(crate) fn has_surrogates(v: &Value) -> bool {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Str(s) => s.surrogate_cps().is_some(),
            _ => false,
        },
        _ => false,
    }
}

/// The bytes the stream on `fd` writes for the str `v` that holds lone
/// surrogates: `v.encode('utf-8', errors)`, raising as CPython does.
pub(crate) fn surrogate_bytes(vm: &mut Vm, fd: i64, v: &Value) -> PyResult<Vec<u8>> {
    let enc = vm.new_str(&stdio_encoding(fd));
    let errors = vm.new_str(&stdio_errors(fd));
    let b = vm.call_method(v, "encode", &[enc, errors])?;
    match crate::objects::bytes::bytes_of(&b) {
        Some(bytes) => Ok(bytes),
        None => Err(vm.type_error("encoder did not return bytes")),
    }
}

impl Vm {
    /// Write a str value to the standard stream on `fd` (1 or 2),
    /// encoding lone surrogates with the stream's error handler.
    pub fn write_stream_value(&mut self, fd: i64, v: &Value) -> PyResult<()> {
        if has_surrogates(v) || custom_encoding(fd) {
            let bytes = surrogate_bytes(self, fd, v)?;
            return self.write_stream_bytes(fd, &bytes);
        }
        let s = self
            .as_str_obj(v)
            .map(|t| t.as_str().to_string())
            .unwrap_or_default();
        self.write_stream_bytes(fd, s.as_bytes())
    }

    /// Raw bytes to the standard stream on `fd`.
    pub fn write_stream_bytes(&mut self, fd: i64, b: &[u8]) -> PyResult<()> {
        if fd == 2 {
            self.flush_stdout();
            let _ = std::io::Write::write_all(&mut std::io::stderr(), b);
            return Ok(());
        }
        self.write_stdout_bytes(b)
    }
}

/// What `reconfigure()` set on a standard stream.
#[derive(Clone, Default)]
struct StreamConf {
    encoding: Option<String>,
    errors: Option<String>,
    line_buffering: Option<bool>,
}

crate::interp_local! {
    /// The reconfigured settings of fds 0, 1 and 2.
    static CONF: std::cell::RefCell<[Option<StreamConf>; 3]> =
        const { std::cell::RefCell::new([None, None, None]) };
}

fn conf<R>(fd: i64, f: impl FnOnce(&StreamConf) -> Option<R>) -> Option<R> {
    let i = usize::try_from(fd).ok()?;
    CONF.try_with(|c| c.borrow().get(i).and_then(|s| s.as_ref().and_then(f)))
        .ok()
        .flatten()
}

/// `sys.stdout.encoding` (and the others').
pub(crate) fn stdio_encoding(fd: i64) -> String {
    conf(fd, |c| c.encoding.clone()).unwrap_or_else(|| "utf-8".to_string())
}

/// `sys.stdout.line_buffering`, when `reconfigure()` set it.
pub(crate) fn line_buffering(fd: i64) -> Option<bool> {
    conf(fd, |c| c.line_buffering)
}

/// Whether text for `fd` must go through its codec (a non-UTF-8
/// encoding set by `reconfigure()`).
pub(crate) fn custom_encoding(fd: i64) -> bool {
    conf(fd, |c| c.encoding.clone()).is_some_and(|e| {
        !matches!(
            e.to_ascii_lowercase().replace('-', "_").as_str(),
            "utf_8" | "utf8" | "u8" | "utf"
        )
    })
}

impl Vm {
    /// Text to a standard stream whose encoding was reconfigured.
    pub fn write_stream_text(&mut self, fd: i64, s: &str) -> PyResult<()> {
        let v = self.new_str(s);
        self.write_stream_value(fd, &v)
    }
}

/// `stream.reconfigure(*, encoding=None, errors=None, newline=None,
/// line_buffering=None, write_through=None)`.
pub(crate) fn stream_reconfigure(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.pos().len() > 1 {
        return Err(vm.type_error("reconfigure() takes no positional arguments"));
    }
    let s = args.args.first().cloned().unwrap_or(Value::None);
    let fd = super::sys::stream_fd(vm, &s).unwrap_or(1);
    let mut new = CONF
        .try_with(|c| {
            c.borrow()
                .get(usize::try_from(fd).unwrap_or(1))
                .cloned()
                .flatten()
        })
        .ok()
        .flatten()
        .unwrap_or_default();
    let mut encoding_set = false;
    let mut errors_set = false;
    for (k, v) in args.kwargs() {
        let key = crate::vm::proto::str_of(k).to_string();
        let text = |vm: &mut Vm, v: &Value| -> PyResult<Option<String>> {
            if v.is_none() {
                return Ok(None);
            }
            match vm.as_str_obj(v) {
                Some(t) => Ok(Some(t.as_str().to_string())),
                None => Err(vm.type_error(format!(
                    "reconfigure() argument '{key}' must be str or None, not {}",
                    vm.type_name_of(v)
                ))),
            }
        };
        match key.as_str() {
            "encoding" => {
                if let Some(e) = text(vm, v)? {
                    let codecs = vm.import_by_name("codecs")?;
                    let name = vm.new_str(&e);
                    vm.call_method(&codecs, "lookup", &[name])?;
                    new.encoding = Some(e);
                    encoding_set = true;
                }
            }
            "errors" => {
                if let Some(e) = text(vm, v)? {
                    new.errors = Some(e);
                    errors_set = true;
                }
            }
            "newline" => {
                if let Some(n) = text(vm, v)? {
                    if !matches!(n.as_str(), "" | "\n" | "\r" | "\r\n") {
                        return Err(vm.value_error(format!("illegal newline value: {n}")));
                    }
                }
            }
            "line_buffering" => {
                if !v.is_none() {
                    new.line_buffering = Some(as_int(vm, v)? != 0);
                }
            }
            "write_through" => {
                if !v.is_none() {
                    as_int(vm, v)?;
                }
            }
            _ => {
                return Err(vm.type_error(format!(
                    "'{key}' is an invalid keyword argument for reconfigure()"
                )))
            }
        }
    }
    if encoding_set && !errors_set {
        new.errors = Some("strict".to_string());
    }
    vm.flush_stdout();
    let _ = CONF.try_with(|c| {
        if let Some(slot) = c.borrow_mut().get_mut(usize::try_from(fd).unwrap_or(1)) {
            *slot = Some(new);
        }
    });
    Ok(Value::None)
}

fn as_int(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    match vm.index_value(v)? {
        Some(n) => Ok(n),
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(v)
        ))),
    }
}
