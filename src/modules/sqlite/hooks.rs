//! The connection's hooks (`set_trace_callback`, `set_authorizer`,
//! `set_progress_handler`) and limits (`getlimit`, `setlimit`), as CPython
//! 3.11's `connection.c` has them. SQLite keeps a raw pointer to the
//! callable, which the connection owns in a `Box` (`Hooks`) until the hook
//! is replaced or the connection goes.

use std::ffi::{c_char, c_int, c_uint, c_void, CStr};

use libsqlite3_sys as ffi;

use super::callbacks::current_vm;
use super::connection::conn_of;
use super::{callback_tracebacks, err, Exc};
use crate::modules::binargs::int_arg;
use crate::objects::function::Args;
use crate::vm::value::Value;
use crate::vm::{PyErr, PyResult, Vm};

/// The callables SQLite points at (boxed so the pointers stay put).
#[derive(Default)]
pub struct Hooks {
    trace: Option<Box<Value>>,
    auth: Option<Box<Value>>,
    progress: Option<Box<Value>>,
}

impl Hooks {
    pub fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        for v in [&self.trace, &self.auth, &self.progress]
            .into_iter()
            .flatten()
        {
            visit(v);
        }
    }
}

/// The callable behind a hook's user-data pointer.
fn callable_at(p: *mut c_void) -> Option<Value> {
    // SAFETY: p points at a Box<Value> the connection keeps alive while
    // the hook is installed (it is replaced in SQLite before it is freed).
    unsafe { (p as *const Value).as_ref() }.cloned()
}

/// CPython's `print_or_clear_traceback`.
fn report(vm: &mut Vm, e: PyErr, callable: &Value) {
    if callback_tracebacks(vm) {
        vm.write_unraisable(&e, callable);
    }
}

fn text_arg(vm: &Vm, p: *const c_char) -> Value {
    if p.is_null() {
        return Value::None;
    }
    // SAFETY: SQLite passes NUL-terminated strings valid for the call.
    let s = unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
    vm.new_string(s)
}

// SAFETY: only SQLite calls this, with the arguments its API documents.
unsafe extern "C" fn trace_cb(
    kind: c_uint,
    ctx: *mut c_void,
    stmt: *mut c_void,
    sql: *mut c_void,
) -> c_int {
    if kind != ffi::SQLITE_TRACE_STMT as c_uint {
        return 0;
    }
    let (Some(vm), Some(f)) = (current_vm(), callable_at(ctx)) else {
        return 0;
    };
    // SAFETY: stmt is the statement being traced; the expanded text is
    // ours to free.
    let expanded = unsafe { ffi::sqlite3_expanded_sql(stmt as *mut ffi::sqlite3_stmt) };
    let text = if expanded.is_null() {
        text_arg(vm, sql as *const c_char)
    } else {
        let t = text_arg(vm, expanded);
        // SAFETY: expanded came from sqlite3_expanded_sql.
        unsafe { ffi::sqlite3_free(expanded as *mut c_void) };
        t
    };
    if let Err(e) = vm.call(&f, &[text]) {
        report(vm, e, &f);
    }
    0
}

// SAFETY: only SQLite calls this, with the arguments its API documents.
unsafe extern "C" fn auth_cb(
    ctx: *mut c_void,
    action: c_int,
    a1: *const c_char,
    a2: *const c_char,
    db: *const c_char,
    src: *const c_char,
) -> c_int {
    let (Some(vm), Some(f)) = (current_vm(), callable_at(ctx)) else {
        return ffi::SQLITE_DENY;
    };
    let args = [
        Value::Int(action as i64),
        text_arg(vm, a1),
        text_arg(vm, a2),
        text_arg(vm, db),
        text_arg(vm, src),
    ];
    match vm.call(&f, &args) {
        Ok(Value::Int(n)) => c_int::try_from(n).unwrap_or(ffi::SQLITE_DENY),
        Ok(Value::Bool(b)) => c_int::from(b.get()),
        Ok(_) => ffi::SQLITE_DENY,
        Err(e) => {
            report(vm, e, &f);
            ffi::SQLITE_DENY
        }
    }
}

// SAFETY: only SQLite calls this, with the arguments its API documents.
unsafe extern "C" fn progress_cb(ctx: *mut c_void) -> c_int {
    let (Some(vm), Some(f)) = (current_vm(), callable_at(ctx)) else {
        return 0;
    };
    let r = vm.call(&f, &[]).and_then(|v| vm.truthy(&v));
    match r {
        Ok(b) => c_int::from(b),
        Err(e) => {
            report(vm, e, &f);
            1
        }
    }
}

fn one_arg(vm: &Vm, args: &Args, name: &str, kw: &str) -> PyResult<Value> {
    let pos = args.pos();
    let by_kw = args
        .kwargs()
        .find(|(k, _)| crate::vm::proto::str_of(k) == kw)
        .map(|(_, v)| v.clone());
    match (pos.get(1), by_kw) {
        (Some(v), None) if pos.len() == 2 => Ok(v.clone()),
        (None, Some(v)) if args.kwargs().count() == 1 => Ok(v),
        _ => Err(vm.type_error(format!(
            "{name}() takes exactly 1 argument ({} given)",
            pos.len().saturating_sub(1) + args.kwargs().count()
        ))),
    }
}

/// `set_trace_callback(trace_callback)`.
pub fn set_trace_callback(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = conn_of(vm, args.args.first().unwrap_or(&Value::None))?;
    let f = one_arg(vm, &args, "set_trace_callback", "trace_callback")?;
    let db = c.check(vm)?;
    let p = db.raw();
    let mut hooks = c.hooks.borrow_mut();
    let old = if matches!(f, Value::None) {
        // SAFETY: p is an open handle; NULL unregisters the callback.
        unsafe {
            ffi::sqlite3_trace_v2(
                p,
                ffi::SQLITE_TRACE_STMT as c_uint,
                None,
                std::ptr::null_mut(),
            )
        };
        hooks.trace.take()
    } else {
        let b = Box::new(f);
        let ctx = &*b as *const Value as *mut c_void;
        // SAFETY: p is open; ctx stays valid while the box is kept below.
        unsafe { ffi::sqlite3_trace_v2(p, ffi::SQLITE_TRACE_STMT as c_uint, Some(trace_cb), ctx) };
        hooks.trace.replace(b)
    };
    drop(hooks);
    drop(old);
    Ok(Value::None)
}

/// `set_authorizer(authorizer_callback)`.
pub fn set_authorizer(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = conn_of(vm, args.args.first().unwrap_or(&Value::None))?;
    let f = one_arg(vm, &args, "set_authorizer", "authorizer_callback")?;
    let db = c.check(vm)?;
    let p = db.raw();
    let mut hooks = c.hooks.borrow_mut();
    let old;
    let rc = if matches!(f, Value::None) {
        // SAFETY: p is an open handle; NULL removes the authorizer.
        let rc = unsafe { ffi::sqlite3_set_authorizer(p, None, std::ptr::null_mut()) };
        old = hooks.auth.take();
        rc
    } else {
        let b = Box::new(f);
        let ctx = &*b as *const Value as *mut c_void;
        // SAFETY: p is open; ctx stays valid while the box is kept below.
        let rc = unsafe { ffi::sqlite3_set_authorizer(p, Some(auth_cb), ctx) };
        old = hooks.auth.replace(b);
        rc
    };
    drop(hooks);
    drop(old);
    if rc != ffi::SQLITE_OK {
        return Err(err(
            vm,
            Exc::OperationalError,
            "Error setting authorizer callback",
        ));
    }
    Ok(Value::None)
}

/// `set_progress_handler(progress_handler, n)`.
pub fn set_progress_handler(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = conn_of(vm, args.args.first().unwrap_or(&Value::None))?;
    let sig = crate::modules::binargs::Sig {
        name: "set_progress_handler",
        pos: &["progress_handler", "n"],
        posonly: 0,
        required: 2,
        kwonly: &[],
    };
    let s = sig.bind(vm, &args, 1)?;
    let f = s.first().cloned().flatten().unwrap_or(Value::None);
    let n = int_arg(vm, &s.get(1).cloned().flatten().unwrap_or(Value::None))? as c_int;
    let db = c.check(vm)?;
    let p = db.raw();
    let mut hooks = c.hooks.borrow_mut();
    let old = if matches!(f, Value::None) {
        // SAFETY: p is an open handle; NULL removes the handler.
        unsafe { ffi::sqlite3_progress_handler(p, 0, None, std::ptr::null_mut()) };
        hooks.progress.take()
    } else {
        let b = Box::new(f);
        let ctx = &*b as *const Value as *mut c_void;
        // SAFETY: p is open; ctx stays valid while the box is kept below.
        unsafe { ffi::sqlite3_progress_handler(p, n, Some(progress_cb), ctx) };
        hooks.progress.replace(b)
    };
    drop(hooks);
    drop(old);
    Ok(Value::None)
}

fn category(vm: &mut Vm, args: &Args, n: usize, name: &str) -> PyResult<Vec<c_int>> {
    let pos = args.pos();
    if pos.len() != n + 1 || args.has_kwargs() {
        return Err(vm.type_error(format!(
            "{name} expected {n} argument{}, got {}",
            if n == 1 { "" } else { "s" },
            pos.len().saturating_sub(1)
        )));
    }
    let mut out = Vec::new();
    for v in pos.iter().skip(1) {
        out.push(int_arg(vm, v)? as c_int);
    }
    Ok(out)
}

/// `getlimit(category, /)`.
pub fn getlimit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = conn_of(vm, args.args.first().unwrap_or(&Value::None))?;
    let a = category(vm, &args, 1, "getlimit")?;
    let db = c.check(vm)?;
    // -1 only queries.
    limit(vm, &db, a.first().copied().unwrap_or(-1), -1)
}

/// `setlimit(category, limit, /)`: the old limit.
pub fn setlimit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = conn_of(vm, args.args.first().unwrap_or(&Value::None))?;
    let a = category(vm, &args, 2, "setlimit")?;
    let db = c.check(vm)?;
    let (cat, lim) = (
        a.first().copied().unwrap_or(-1),
        a.get(1).copied().unwrap_or(-1),
    );
    limit(vm, &db, cat, lim)
}

/// `sqlite3_limit(db, cat, lim)` (`lim` -1: only query): the old limit,
/// or CPython's ProgrammingError for a category SQLite does not know.
fn limit(vm: &Vm, db: &super::ffi::Db, cat: c_int, lim: c_int) -> PyResult<Value> {
    // SAFETY: the handle is open (`check` above); SQLite bounds-checks the
    // category.
    let v = unsafe { ffi::sqlite3_limit(db.raw(), cat, lim) };
    if v < 0 {
        return Err(err(
            vm,
            Exc::ProgrammingError,
            "'category' is out of bounds",
        ));
    }
    Ok(Value::Int(v as i64))
}
