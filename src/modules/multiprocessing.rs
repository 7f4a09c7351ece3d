//! `_multiprocessing` (CPython 3.11's Modules/_multiprocessing, POSIX):
//! `SemLock`, a lock or semaphore on a POSIX named semaphore (shared with
//! forked children), `sem_unlink` and `flags`. What `multiprocessing`'s
//! locks, queues and pools are built on. Waits release the interpreter lock.

use crate::vm::value::Truth;
use std::cell::Cell;
use std::ffi::CString;

use crate::modules::binargs::named_args;
use crate::modules::posix::util::last_errno;
use crate::modules::thread::thread_ident;
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

const RECURSIVE_MUTEX: i64 = 0;
const SEMAPHORE: i64 = 1;
/// `SEM_VALUE_MAX` on Linux (INT_MAX).
const SEM_VALUE_MAX: i64 = i32::MAX as i64;

/// A `_multiprocessing.SemLock`.
pub struct SemLock {
    /// The `sem_t*` from `sem_open`, as an address.
    handle: usize,
    kind: i64,
    maxvalue: i64,
    name: Option<String>,
    /// Times acquired by `last_tid` (recursive mutexes count re-entries).
    count: Cell<i64>,
    last_tid: Cell<i64>,
}

impl NativeData for SemLock {}

impl Drop for SemLock {
    fn drop(&mut self) {
        if self.handle != 0 {
            // SAFETY: handle came from a successful sem_open and is closed
            // only here, once.
            unsafe {
                libc::sem_close(self.handle as *mut libc::sem_t);
            }
        }
    }
}

impl SemLock {
    fn sem(&self) -> *mut libc::sem_t {
        self.handle as *mut libc::sem_t
    }

    fn is_mine(&self) -> bool {
        self.count.get() > 0 && self.last_tid.get() == thread_ident()
    }

    fn value(&self, vm: &mut Vm) -> PyResult<i64> {
        let mut sval: libc::c_int = 0;
        // SAFETY: the handle is an open semaphore; sval is a valid out pointer.
        if unsafe { libc::sem_getvalue(self.sem(), &mut sval) } < 0 {
            return Err(vm.last_os_error(None));
        }
        Ok(i64::from(sval.max(0)))
    }
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_multiprocessing");
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "_multiprocessing",
        "SemLock",
        &object,
        Layout::Native("SemLock"),
        FLAG_BASETYPE,
    );
    vm.add_staticmethods(&t, &[("__new__", semlock_new)]);
    vm.add_classmethods(&t, &[("_rebuild", semlock_rebuild)]);
    vm.add_methods(
        &t,
        &[
            ("acquire", semlock_acquire),
            ("release", semlock_release),
            ("__enter__", semlock_acquire),
            ("__exit__", semlock_exit),
            ("_count", semlock_count),
            ("_is_mine", semlock_is_mine),
            ("_get_value", semlock_get_value),
            ("_is_zero", semlock_is_zero),
            ("_after_fork", semlock_after_fork),
        ],
    );
    vm.add_getsets(
        &t,
        &[
            ("handle", get_handle, None),
            ("kind", get_kind, None),
            ("maxvalue", get_maxvalue, None),
            ("name", get_name, None),
        ],
    );
    vm.add_type_attr(&t, "SEM_VALUE_MAX", Value::Int(SEM_VALUE_MAX));
    vm.set_attr_raw(&m, "SemLock", Value::Obj(t));
    vm.add_functions(&m, &[("sem_unlink", sem_unlink)]);
    let flags = vm.new_dict();
    for f in ["HAVE_SEM_OPEN", "HAVE_SEM_TIMEDWAIT"] {
        let k = vm.new_str(f);
        vm.dict_set(&flags, k, Value::Int(1))?;
    }
    vm.set_attr_raw(&m, "flags", Value::Obj(flags));
    Ok(m)
}

fn cname(vm: &Vm, name: &str) -> PyResult<CString> {
    CString::new(name).map_err(|_| vm.value_error("embedded null character"))
}

fn int_arg(vm: &Vm, v: &Value, what: &str) -> PyResult<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(i64::from(b.get())),
        _ => Err(vm.type_error(format!("{what} must be int, not {}", vm.arg_type_name(v)))),
    }
}

fn required(vm: &Vm, a: &[Option<Value>], i: usize, fname: &str, name: &str) -> PyResult<Value> {
    a.get(i).cloned().flatten().ok_or_else(|| {
        vm.type_error(format!(
            "{fname}() missing required argument '{name}' (pos {})",
            i + 1
        ))
    })
}

fn new_semlock(
    vm: &mut Vm,
    cls: &PyRef,
    handle: usize,
    kind: i64,
    maxvalue: i64,
    name: Option<String>,
) -> Value {
    Value::Obj(vm.new_native(
        cls,
        SemLock {
            handle,
            kind,
            maxvalue,
            name,
            count: Cell::new(0),
            last_tid: Cell::new(0),
        },
    ))
}

/// `SemLock(kind, value, maxvalue, name, unlink)`.
fn semlock_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(cls)) = args.args.first().cloned() else {
        return Err(vm.type_error("SemLock.__new__(): not enough arguments"));
    };
    let names = ["kind", "value", "maxvalue", "name", "unlink"];
    let a = named_args(vm, &args, 1, "SemLock", &names)?;
    let mut vals = Vec::new();
    for (i, n) in names.iter().enumerate() {
        vals.push(required(vm, &a, i, "SemLock", n)?);
    }
    let kind = int_arg(vm, &vals[0], "SemLock() argument 'kind'")?;
    let value = int_arg(vm, &vals[1], "SemLock() argument 'value'")?;
    let maxvalue = int_arg(vm, &vals[2], "SemLock() argument 'maxvalue'")?;
    let Some(name) = vm.as_str_obj(&vals[3]).map(|s| s.as_str().to_string()) else {
        return Err(vm.type_error(format!(
            "SemLock() argument 'name' must be str, not {}",
            vm.arg_type_name(&vals[3])
        )));
    };
    let unlink = vm.truthy(&vals[4])?;
    if kind != RECURSIVE_MUTEX && kind != SEMAPHORE {
        return Err(vm.value_error("unrecognized kind"));
    }
    let value = u32::try_from(value).map_err(|_| vm.value_error("invalid value"))?;
    let c = cname(vm, &name)?;
    // SAFETY: c is a valid NUL-terminated name; the variadic mode and
    // value are the types sem_open expects with O_CREAT.
    let h = unsafe {
        libc::sem_open(
            c.as_ptr(),
            libc::O_CREAT | libc::O_EXCL,
            0o600 as libc::c_uint,
            value as libc::c_uint,
        )
    };
    if h == libc::SEM_FAILED {
        return Err(vm.last_os_error(None));
    }
    // SAFETY: c is a valid NUL-terminated name.
    if unlink && unsafe { libc::sem_unlink(c.as_ptr()) } < 0 {
        let err = vm.last_os_error(None);
        // SAFETY: h is the semaphore just opened.
        unsafe { libc::sem_close(h) };
        return Err(err);
    }
    let name = if unlink { None } else { Some(name) };
    Ok(new_semlock(vm, &cls, h as usize, kind, maxvalue, name))
}

/// `SemLock._rebuild(handle, kind, maxvalue, name)`: reopen by name.
fn semlock_rebuild(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = args.pos();
    let Some(Value::Obj(cls)) = a.first().cloned() else {
        return Err(vm.type_error("_rebuild(): not enough arguments"));
    };
    let rest = a.get(1..).unwrap_or(&[]);
    if rest.len() != 4 {
        return Err(vm.type_error(format!("_rebuild expected 4 arguments, got {}", rest.len())));
    }
    let mut handle = int_arg(vm, &rest[0], "handle")? as usize;
    let kind = int_arg(vm, &rest[1], "kind")?;
    let maxvalue = int_arg(vm, &rest[2], "maxvalue")?;
    let name = vm.as_str_obj(&rest[3]).map(|s| s.as_str().to_string());
    if let Some(n) = &name {
        let c = cname(vm, n)?;
        // SAFETY: c is a valid NUL-terminated name.
        let h = unsafe { libc::sem_open(c.as_ptr(), 0) };
        if h == libc::SEM_FAILED {
            return Err(vm.last_os_error(None));
        }
        handle = h as usize;
    }
    Ok(new_semlock(vm, &cls, handle, kind, maxvalue, name))
}

fn me<'a>(vm: &Vm, args: &Args<'a>, m: &str) -> PyResult<&'a SemLock> {
    vm.native_self::<SemLock>(args, "_multiprocessing.SemLock", m)
}

/// `acquire(block=True, timeout=None)`.
fn semlock_acquire(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(vm, &args, "acquire")?;
    let a = named_args(vm, &args, 1, "acquire", &["block", "timeout"])?;
    let blocking = match a.first().cloned().flatten() {
        Some(v) => vm.truthy(&v)?,
        None => true,
    };
    let timeout = match a.get(1).cloned().flatten() {
        Some(Value::None) | None => None,
        Some(v) => Some(vm.to_f64(&v)?.max(0.0)),
    };
    if s.kind == RECURSIVE_MUTEX && s.is_mine() {
        s.count.set(s.count.get() + 1);
        return Ok(Value::Bool(Truth::True));
    }
    let sem = s.handle;
    // First without blocking (and without releasing the interpreter lock).
    let mut res;
    let mut err;
    loop {
        // SAFETY: sem is an open semaphore.
        res = unsafe { libc::sem_trywait(sem as *mut libc::sem_t) };
        err = last_errno();
        if !(res < 0 && err == libc::EINTR) {
            break;
        }
    }
    if res < 0 && err == libc::EAGAIN && blocking {
        let deadline = timeout.map(|t| {
            let mut now = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: now is a valid out pointer.
            unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut now) };
            let whole = t.trunc();
            let mut sec = now.tv_sec.saturating_add(whole.min(1e15) as libc::time_t);
            let mut nsec = now.tv_nsec + ((t - whole) * 1e9) as libc::c_long;
            if nsec >= 1_000_000_000 {
                sec = sec.saturating_add(1);
                nsec -= 1_000_000_000;
            }
            (sec, nsec)
        });
        (res, err) = vm.allow_threads(move || loop {
            let r = match deadline {
                None => {
                    // SAFETY: sem is an open semaphore.
                    unsafe { libc::sem_wait(sem as *mut libc::sem_t) }
                }
                Some((sec, nsec)) => {
                    let ts = libc::timespec {
                        tv_sec: sec,
                        tv_nsec: nsec,
                    };
                    // SAFETY: sem is an open semaphore; ts is a valid timespec.
                    unsafe { libc::sem_timedwait(sem as *mut libc::sem_t, &ts) }
                }
            };
            let e = last_errno();
            if !(r < 0 && e == libc::EINTR) {
                break (r, e);
            }
        });
    }
    if res < 0 {
        if err == libc::EAGAIN || err == libc::ETIMEDOUT {
            return Ok(Value::Bool(Truth::False));
        }
        return Err(vm.os_error(err, None, None));
    }
    let s = me(vm, &args, "acquire")?;
    s.count.set(s.count.get() + 1);
    s.last_tid.set(thread_ident());
    Ok(Value::Bool(Truth::True))
}

fn semlock_release(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(vm, &args, "release")?;
    vm.check_args("release", args, 0, 0)?;
    if s.kind == RECURSIVE_MUTEX {
        if !s.is_mine() {
            return Err(vm.new_error(
                ExcKind::AssertionError,
                "attempt to release recursive lock not owned by thread",
            ));
        }
        if s.count.get() > 1 {
            s.count.set(s.count.get() - 1);
            return Ok(Value::None);
        }
    } else if s.value(vm)? >= s.maxvalue {
        return Err(vm.value_error("semaphore or lock released too many times"));
    }
    // SAFETY: the handle is an open semaphore.
    if unsafe { libc::sem_post(s.sem()) } < 0 {
        return Err(vm.last_os_error(None));
    }
    s.count.set(s.count.get() - 1);
    Ok(Value::None)
}

fn semlock_exit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let recv = args.args.first().cloned().unwrap_or(Value::None);
    semlock_release(vm, Args::new(std::slice::from_ref(&recv)))
}

fn semlock_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(vm, &args, "_count")?;
    Ok(Value::Int(s.count.get()))
}

fn semlock_is_mine(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(vm, &args, "_is_mine")?;
    Ok(Value::bool(s.is_mine()))
}

fn semlock_get_value(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(vm, &args, "_get_value")?;
    Ok(Value::Int(s.value(vm)?))
}

fn semlock_is_zero(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(vm, &args, "_is_zero")?;
    Ok(Value::bool(s.value(vm)? == 0))
}

fn semlock_after_fork(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(vm, &args, "_after_fork")?;
    s.count.set(0);
    Ok(Value::None)
}

fn get_handle(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(vm
        .native::<SemLock>(v)
        .map_or(Value::None, |s| Value::Int(s.handle as i64)))
}

fn get_kind(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(vm
        .native::<SemLock>(v)
        .map_or(Value::None, |s| Value::Int(s.kind)))
}

fn get_maxvalue(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(vm
        .native::<SemLock>(v)
        .map_or(Value::None, |s| Value::Int(s.maxvalue)))
}

fn get_name(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let name = vm.native::<SemLock>(v).and_then(|s| s.name.clone());
    Ok(name.map_or(Value::None, |n| vm.new_str(&n)))
}

/// `sem_unlink(name)`.
fn sem_unlink(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("sem_unlink", args, 1, 1)?;
    let Some(name) = vm.as_str_obj(&a[0]).map(|s| s.as_str().to_string()) else {
        return Err(vm.type_error(format!(
            "sem_unlink() argument must be str, not {}",
            vm.arg_type_name(&a[0])
        )));
    };
    let c = cname(vm, &name)?;
    // SAFETY: c is a valid NUL-terminated name.
    if unsafe { libc::sem_unlink(c.as_ptr()) } < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}
