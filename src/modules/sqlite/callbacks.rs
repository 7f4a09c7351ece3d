//! User-defined SQL functions, aggregates and collations
//! (`create_function`, `create_aggregate`, `create_collation`): SQLite
//! calls back into C functions here while a statement steps; they reach
//! the `Vm` through the pointer `with_vm` publishes for the duration of
//! the step, convert arguments and results as CPython 3.11's
//! `connection.c` does, and report Python errors with CPython's messages.

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void, CString};

use libsqlite3_sys as ffi;

use super::connection::conn_of;
use super::ffi::{Db, SqlValue, ValueRef};
use super::{callback_tracebacks, db_error, err, str_arg, Exc};
use crate::modules::binargs::{bool_arg, buffer_of, int_arg, Sig};
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::value::Value;
use crate::vm::{PyErr, PyResult, Vm};

thread_local! {
    /// The `Vm` of the thread stepping a statement (NULL otherwise).
    static CURRENT: Cell<*mut Vm> = const { Cell::new(std::ptr::null_mut()) };
}

/// Run `f` (an SQLite call that may call back into Python) with the `Vm`
/// published for the callbacks. `f` must not use `vm` itself.
pub fn with_vm<R>(vm: &mut Vm, f: impl FnOnce() -> R) -> R {
    let p: *mut Vm = vm;
    let old = CURRENT.with(|c| c.replace(p));
    let r = f();
    CURRENT.with(|c| c.set(old));
    r
}

/// The published `Vm`, for a callback.
pub fn current_vm<'a>() -> Option<&'a mut Vm> {
    let p = CURRENT.with(|c| c.get());
    // SAFETY: `with_vm` publishes a pointer from a `&mut Vm` whose owner
    // does not touch the Vm until the SQLite call returns; callbacks run
    // synchronously inside that call, on the same thread (the pointer is
    // thread-local), so this is the only live use of the Vm.
    unsafe { p.as_mut() }
}

pub fn interrupt(db: &Db) {
    let p = db.raw();
    if !p.is_null() {
        // SAFETY: p is an open handle; sqlite3_interrupt is safe to call
        // at any time on it.
        unsafe { ffi::sqlite3_interrupt(p) };
    }
}

/// What SQLite keeps as a function's user data (freed by `destroy`).
struct Ctx {
    callable: Value,
}

// SAFETY: only SQLite calls this, with the arguments its API documents.
unsafe extern "C" fn destroy(p: *mut c_void) {
    if !p.is_null() {
        // SAFETY: p is the Box<Ctx> we leaked when registering; SQLite
        // calls the destructor once.
        drop(unsafe { Box::from_raw(p as *mut Ctx) });
    }
}

/// The callable registered for the running function.
fn ctx_callable(context: *mut ffi::sqlite3_context) -> Option<Value> {
    // SAFETY: context is the live context SQLite passed to the callback;
    // its user data is our Ctx (alive until `destroy`).
    let p = unsafe { ffi::sqlite3_user_data(context) } as *const Ctx;
    // SAFETY: as above.
    unsafe { p.as_ref() }.map(|c| c.callable.clone())
}

/// `_pysqlite_build_py_params`.
fn py_args(vm: &mut Vm, argc: c_int, argv: *mut *mut ffi::sqlite3_value) -> PyResult<Vec<Value>> {
    let mut out = Vec::new();
    for i in 0..argc.max(0) as usize {
        // SAFETY: SQLite passes argc valid value pointers in argv.
        let v = ValueRef(unsafe { *argv.add(i) });
        out.push(match v.get() {
            SqlValue::Null => Value::None,
            SqlValue::Int(n) => Value::Int(n),
            SqlValue::Float(f) => Value::float(f),
            SqlValue::Text(t) => match String::from_utf8(t) {
                Ok(s) => vm.new_string(s),
                Err(_) => {
                    return Err(vm.new_error(
                        ExcKind::UnicodeDecodeError,
                        "'utf-8' codec can't decode bytes",
                    ))
                }
            },
            SqlValue::Blob(b) => vm.new_bytes(b),
        });
    }
    Ok(out)
}

/// `_pysqlite_set_result`; Err(None) for an unsupported type.
fn set_result(
    vm: &mut Vm,
    context: *mut ffi::sqlite3_context,
    v: &Value,
) -> Result<(), Option<PyErr>> {
    let text = |s: &[u8]| -> Result<(), Option<PyErr>> {
        let n = c_int::try_from(s.len()).map_err(|_| None)?;
        // SAFETY: context is live; SQLite copies the text (TRANSIENT).
        unsafe {
            ffi::sqlite3_result_text(
                context,
                s.as_ptr() as *const c_char,
                n,
                ffi::SQLITE_TRANSIENT(),
            )
        };
        Ok(())
    };
    match v {
        // SAFETY: context is the live context SQLite passed to this callback.
        Value::None => unsafe { ffi::sqlite3_result_null(context) },
        // SAFETY: context is the live context SQLite passed to this callback.
        Value::Int(n) => unsafe { ffi::sqlite3_result_int64(context, *n) },
        // SAFETY: context is the live context SQLite passed to this callback.
        Value::Bool(b) => unsafe { ffi::sqlite3_result_int64(context, i64::from(b.get())) },
        // SAFETY: context is the live context SQLite passed to this callback.
        Value::Float(f) => unsafe { ffi::sqlite3_result_double(context, f.get()) },
        Value::Obj(o) => match &o.payload {
            Payload::Int(_) => {
                return Err(Some(vm.overflow_error(
                    "Python int too large to convert to SQLite INTEGER",
                )))
            }
            // SAFETY: context is the live context SQLite passed to this callback.
            Payload::Float(f) => unsafe { ffi::sqlite3_result_double(context, *f) },
            Payload::Str(s) => {
                if s.surrogate_cps().is_some() {
                    vm.call_method(v, "encode", &[]).map_err(Some)?;
                }
                text(s.as_str().as_bytes())?
            }
            _ => match buffer_of(vm, v).map_err(Some)? {
                Some(b) => {
                    let n = c_int::try_from(b.len())
                        .map_err(|_| Some(vm.overflow_error("BLOB longer than INT_MAX bytes")))?;
                    // SAFETY: context is the live context SQLite passed to this callback.
                    unsafe {
                        ffi::sqlite3_result_blob(
                            context,
                            b.as_ptr() as *const c_void,
                            n,
                            ffi::SQLITE_TRANSIENT(),
                        )
                    }
                }
                None => return Err(None),
            },
        },
        Value::Null => return Err(None),
    }
    Ok(())
}

/// CPython's `set_sqlite_error`: report a failed callback to SQLite
/// (MemoryError → nomem, OverflowError → toobig, else `msg`) and print or
/// drop the Python error.
fn set_error(
    vm: &mut Vm,
    context: *mut ffi::sqlite3_context,
    e: Option<PyErr>,
    msg: &str,
    callable: &Value,
) {
    let m = CString::new(msg).unwrap_or_default();
    // SAFETY: context is the live context; SQLite copies the message.
    unsafe {
        match &e {
            Some(e) if vm.err_is(e, ExcKind::MemoryError) => {
                ffi::sqlite3_result_error_nomem(context)
            }
            Some(e) if vm.err_is(e, ExcKind::OverflowError) => {
                ffi::sqlite3_result_error_toobig(context)
            }
            _ => ffi::sqlite3_result_error(context, m.as_ptr(), -1),
        }
    }
    if let Some(e) = e {
        if callback_tracebacks(vm) {
            vm.write_unraisable(&e, callable);
        }
    }
}

// SAFETY: only SQLite calls this, with the arguments its API documents.
unsafe extern "C" fn func_callback(
    context: *mut ffi::sqlite3_context,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    let (Some(vm), Some(f)) = (current_vm(), ctx_callable(context)) else {
        return;
    };
    let r = py_args(vm, argc, argv).and_then(|a| vm.call(&f, &a));
    let r = match r {
        Ok(v) => set_result(vm, context, &v),
        Err(e) => Err(Some(e)),
    };
    if let Err(e) = r {
        set_error(vm, context, e, "user-defined function raised exception", &f);
    }
}

/// The aggregate instance slot of the running aggregate (`size` 0: do
/// not allocate).
fn agg_slot(context: *mut ffi::sqlite3_context, alloc: bool) -> *mut *mut Value {
    let n = if alloc {
        std::mem::size_of::<*mut Value>() as c_int
    } else {
        0
    };
    // SAFETY: context is live; SQLite returns zeroed memory of n bytes
    // owned by the aggregate (or NULL).
    unsafe { ffi::sqlite3_aggregate_context(context, n) as *mut *mut Value }
}

// SAFETY: only SQLite calls this, with the arguments its API documents.
unsafe extern "C" fn step_callback(
    context: *mut ffi::sqlite3_context,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    let (Some(vm), Some(cls)) = (current_vm(), ctx_callable(context)) else {
        return;
    };
    let slot = agg_slot(context, true);
    if slot.is_null() {
        let e = vm.new_error_noargs(ExcKind::MemoryError);
        set_error(
            vm,
            context,
            Some(e),
            "user-defined aggregate's '__init__' method raised error",
            &cls,
        );
        return;
    }
    // SAFETY: slot points at our pointer-sized aggregate memory.
    let mut inst = unsafe { *slot };
    if inst.is_null() {
        match vm.call(&cls, &[]) {
            Ok(v) => {
                inst = Box::into_raw(Box::new(v));
                // SAFETY: as above; freed in final_callback.
                unsafe { *slot = inst };
            }
            Err(e) => {
                set_error(
                    vm,
                    context,
                    Some(e),
                    "user-defined aggregate's '__init__' method raised error",
                    &cls,
                );
                return;
            }
        }
    }
    // SAFETY: inst is the Box<Value> stored above, alive until final.
    let obj = unsafe { (*inst).clone() };
    let step = match vm.getattr_str(&obj, "step") {
        Ok(s) => s,
        Err(e) => {
            set_error(
                vm,
                context,
                Some(e),
                "user-defined aggregate's 'step' method not defined",
                &cls,
            );
            return;
        }
    };
    if let Err(e) = py_args(vm, argc, argv).and_then(|a| vm.call(&step, &a)) {
        set_error(
            vm,
            context,
            Some(e),
            "user-defined aggregate's 'step' method raised error",
            &cls,
        );
    }
}

// SAFETY: only SQLite calls this, with the arguments its API documents.
unsafe extern "C" fn final_callback(context: *mut ffi::sqlite3_context) {
    let (Some(vm), Some(cls)) = (current_vm(), ctx_callable(context)) else {
        return;
    };
    let slot = agg_slot(context, false);
    // SAFETY: slot is NULL or our aggregate memory.
    if slot.is_null() || unsafe { (*slot).is_null() } {
        // __init__ failed: the error is already reported.
        return;
    }
    // SAFETY: the Box<Value> stored by step_callback; taken once.
    let inst = unsafe { Box::from_raw(*slot) };
    // SAFETY: clear the slot so it is not freed twice.
    unsafe { *slot = std::ptr::null_mut() };
    let r = match vm.getattr_str(&inst, "finalize") {
        Ok(f) => match vm.call(&f, &[]) {
            Ok(v) => set_result(vm, context, &v)
                .map_err(|e| (e, "user-defined aggregate's 'finalize' method raised error")),
            Err(e) => Err((
                Some(e),
                "user-defined aggregate's 'finalize' method raised error",
            )),
        },
        Err(e) => Err((
            Some(e),
            "user-defined aggregate's 'finalize' method not defined",
        )),
    };
    if let Err((e, msg)) = r {
        set_error(vm, context, e, msg, &cls);
    }
}

// SAFETY: only SQLite calls this, with the arguments its API documents.
unsafe extern "C" fn collation_callback(
    p: *mut c_void,
    l1: c_int,
    s1: *const c_void,
    l2: c_int,
    s2: *const c_void,
) -> c_int {
    let Some(vm) = current_vm() else {
        return 0;
    };
    // SAFETY: p is our Ctx (alive until `destroy`).
    let Some(f) = (unsafe { (p as *const Ctx).as_ref() }).map(|c| c.callable.clone()) else {
        return 0;
    };
    let text = |s: *const c_void, n: c_int| {
        if s.is_null() || n <= 0 {
            return Vec::new();
        }
        // SAFETY: SQLite passes n readable bytes at s.
        unsafe { std::slice::from_raw_parts(s as *const u8, n as usize) }.to_vec()
    };
    let (Ok(a), Ok(b)) = (
        String::from_utf8(text(s1, l1)),
        String::from_utf8(text(s2, l2)),
    ) else {
        return 0;
    };
    let (a, b) = (vm.new_string(a), vm.new_string(b));
    match vm.call(&f, &[a, b]) {
        Ok(Value::Int(n)) => n.signum() as c_int,
        Ok(Value::Bool(b)) => c_int::from(b.get()),
        Ok(Value::Obj(o)) => match &o.payload {
            Payload::Int(b) => match b.sign() {
                num_bigint::Sign::Minus => -1,
                num_bigint::Sign::NoSign => 0,
                num_bigint::Sign::Plus => 1,
            },
            _ => 0,
        },
        _ => 0,
    }
}

/// Register `name` with SQLite: `rc` of `sqlite3_create_function_v2`.
fn register_function(
    db: &Db,
    name: &CString,
    narg: c_int,
    flags: c_int,
    callable: Value,
    aggregate: bool,
) -> c_int {
    let p = db.raw();
    if p.is_null() {
        return ffi::SQLITE_MISUSE;
    }
    let ctx = Box::into_raw(Box::new(Ctx { callable })) as *mut c_void;
    // SAFETY: p is open; ctx is a leaked Box SQLite owns from here on and
    // frees through `destroy` (also on failure, per SQLite's contract).
    unsafe {
        if aggregate {
            ffi::sqlite3_create_function_v2(
                p,
                name.as_ptr(),
                narg,
                flags,
                ctx,
                None,
                Some(step_callback),
                Some(final_callback),
                Some(destroy),
            )
        } else {
            ffi::sqlite3_create_function_v2(
                p,
                name.as_ptr(),
                narg,
                flags,
                ctx,
                Some(func_callback),
                None,
                None,
                Some(destroy),
            )
        }
    }
}

const CREATE_FUNCTION_SIG: Sig = Sig {
    name: "create_function",
    pos: &["name", "narg", "func"],
    posonly: 0,
    required: 3,
    kwonly: &["deterministic"],
};

/// `create_function(name, narg, func, *, deterministic=False)`.
pub fn create_function(vm: &mut Vm, args: Args) -> PyResult<Value> {
    create(vm, args, &CREATE_FUNCTION_SIG, false)
}

const CREATE_AGGREGATE_SIG: Sig = Sig {
    name: "create_aggregate",
    pos: &["name", "n_arg", "aggregate_class"],
    posonly: 0,
    required: 3,
    kwonly: &[],
};

/// `create_aggregate(name, n_arg, aggregate_class)`.
pub fn create_aggregate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    create(vm, args, &CREATE_AGGREGATE_SIG, true)
}

/// `create_function` (the callable's calls are the results) or, with
/// `aggregate`, `create_aggregate` (the class's instances step and
/// finalize): the name, argument count and callable, then the
/// registration. None is registered as is (calling it fails), as CPython
/// 3.11 does.
fn create(vm: &mut Vm, args: Args, sig: &Sig, aggregate: bool) -> PyResult<Value> {
    let c = conn_of(vm, args.args.first().unwrap_or(&Value::None))?;
    let s = sig.bind(vm, &args, 1)?;
    let arg = |i: usize| s.get(i).cloned().flatten().unwrap_or(Value::None);
    let db = c.check(vm)?;
    let name = arg(0);
    let what = format!("{}() argument 'name'", sig.name);
    let name = str_arg(vm, &name, &what)?.to_string();
    let narg = int_arg(vm, &arg(1))? as c_int;
    let mut flags = ffi::SQLITE_UTF8;
    if !aggregate && bool_arg(vm, &s.get(3).cloned().flatten(), false)? {
        flags |= ffi::SQLITE_DETERMINISTIC;
    }
    let cname = CString::new(name).map_err(|_| vm.value_error("embedded null character"))?;
    if register_function(&db, &cname, narg, flags, arg(2), aggregate) != ffi::SQLITE_OK {
        let msg = if aggregate {
            "Error creating aggregate"
        } else {
            "Error creating function"
        };
        return Err(err(vm, Exc::OperationalError, msg));
    }
    Ok(Value::None)
}

/// `create_collation(name, callable, /)`; None removes it.
pub fn create_collation(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = conn_of(vm, args.args.first().unwrap_or(&Value::None))?;
    let pos = args.pos();
    if pos.len() != 3 || args.has_kwargs() {
        return Err(vm.type_error(format!(
            "create_collation expected 2 arguments, got {}",
            pos.len().saturating_sub(1)
        )));
    }
    let name = pos.get(1).cloned().unwrap_or(Value::None);
    let callable = pos.get(2).cloned().unwrap_or(Value::None);
    let name = str_arg(vm, &name, "create_collation() argument 1")?.to_string();
    let db = c.check(vm)?;
    let is_none = matches!(callable, Value::None);
    if !is_none && !vm.callable(&callable) {
        return Err(vm.type_error("parameter must be callable"));
    }
    let cname = CString::new(name).map_err(|_| vm.value_error("embedded null character"))?;
    let p = db.raw();
    let rc = if is_none {
        // SAFETY: p is open; a NULL comparator removes the collation.
        unsafe {
            ffi::sqlite3_create_collation_v2(
                p,
                cname.as_ptr(),
                ffi::SQLITE_UTF8,
                std::ptr::null_mut(),
                None,
                None,
            )
        }
    } else {
        let ctx = Box::into_raw(Box::new(Ctx { callable })) as *mut c_void;
        // SAFETY: p is open; ctx is leaked to SQLite, freed by `destroy`
        // (on failure SQLite does not call it: the box leaks, safely).
        unsafe {
            ffi::sqlite3_create_collation_v2(
                p,
                cname.as_ptr(),
                ffi::SQLITE_UTF8,
                ctx,
                Some(collation_callback),
                Some(destroy),
            )
        }
    };
    if rc != ffi::SQLITE_OK {
        return Err(db_error(vm, db.errcode(), &db.errmsg()));
    }
    Ok(Value::None)
}
