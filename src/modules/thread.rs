//! `_thread`, single-threaded until threads proper (issue 7): locks and
//! re-entrant locks that work for the one thread there is, `get_ident`,
//! `_local`, `stack_size`; `start_new_thread` raises
//! `RuntimeError("can't start new thread")`. Waiting on a lock nobody can
//! release sleeps out its timeout (forever without one, as CPython would
//! deadlock), interruptible by signals.

use std::cell::Cell;
use std::time::{Duration, Instant};

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE, FLAG_HAS_DICT, FLAG_HAS_WEAKREF};
use crate::vm::proto::str_of;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// CPython's `TIMEOUT_MAX` on 64-bit Linux (seconds).
const TIMEOUT_MAX: f64 = 9223372036.0;

/// A `_thread.lock`.
pub struct LockState {
    locked: Cell<bool>,
}
impl NativeData for LockState {}

/// A `_thread.RLock`: owner thread id (0 = none) and recursion count.
pub struct RLockState {
    owner: Cell<i64>,
    count: Cell<i64>,
}
impl NativeData for RLockState {}

/// `_thread._local` instances carry only their dict.
struct LocalState;
impl NativeData for LocalState {}

/// The calling thread's id (`threading.get_ident()`).
pub fn thread_ident() -> i64 {
    // SAFETY: pthread_self has no preconditions.
    (unsafe { libc::pthread_self() }) as i64
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_thread");
    let object = vm.types.object.clone();
    let lock = vm.new_native_type("_thread", "lock", &object, Layout::Native("lock"), 0);
    vm.add_methods(
        &lock,
        &[
            ("acquire", lock_acquire),
            ("acquire_lock", lock_acquire),
            ("__enter__", lock_acquire),
            ("release", lock_release),
            ("release_lock", lock_release),
            ("__exit__", lock_release),
            ("locked", lock_locked),
            ("locked_lock", lock_locked),
            ("_at_fork_reinit", lock_at_fork_reinit),
            ("__repr__", lock_repr),
        ],
    );
    vm.add_staticmethods(&lock, &[("__new__", lock_new)]);
    flag_weakref(&lock);
    let rlock = vm.new_native_type(
        "_thread",
        "RLock",
        &object,
        Layout::Native("RLock"),
        FLAG_BASETYPE,
    );
    vm.add_staticmethods(&rlock, &[("__new__", rlock_new)]);
    vm.add_methods(
        &rlock,
        &[
            ("acquire", rlock_acquire),
            ("__enter__", rlock_acquire),
            ("release", rlock_release),
            ("__exit__", rlock_release),
            ("_is_owned", rlock_is_owned),
            ("_release_save", rlock_release_save),
            ("_acquire_restore", rlock_acquire_restore),
            ("_at_fork_reinit", rlock_at_fork_reinit),
            ("__repr__", rlock_repr),
        ],
    );
    flag_weakref(&rlock);
    let local = vm.new_native_type(
        "_thread",
        "_local",
        &object,
        Layout::Native("_local"),
        FLAG_BASETYPE | FLAG_HAS_DICT,
    );
    vm.add_staticmethods(&local, &[("__new__", local_new)]);
    flag_weakref(&local);
    vm.set_attr_raw(&m, "LockType", Value::Obj(lock.clone()));
    vm.set_attr_raw(&m, "lock", Value::Obj(lock));
    vm.set_attr_raw(&m, "RLock", Value::Obj(rlock));
    vm.set_attr_raw(&m, "_local", Value::Obj(local));
    vm.set_attr_raw(&m, "TIMEOUT_MAX", Value::Float(TIMEOUT_MAX));
    let err = vm.exc_type(ExcKind::RuntimeError);
    vm.set_attr_raw(&m, "error", Value::Obj(err));
    vm.add_functions(
        &m,
        &[
            ("allocate_lock", thread_allocate_lock),
            ("allocate", thread_allocate_lock),
            ("_set_sentinel", thread_set_sentinel),
            ("get_ident", thread_get_ident),
            ("get_native_id", thread_get_native_id),
            ("_count", thread_count),
            ("stack_size", thread_stack_size),
            ("start_new_thread", thread_start_new_thread),
            ("start_new", thread_start_new_thread),
            ("exit", thread_exit),
            ("exit_thread", thread_exit),
            ("interrupt_main", thread_interrupt_main),
        ],
    );
    let hook_args = vm.new_structseq_type(
        "_thread",
        "_ExceptHookArgs",
        &["exc_type", "exc_value", "exc_traceback", "thread"],
        true,
    );
    vm.set_attr_raw(&m, "_ExceptHookArgs", Value::Obj(hook_args));
    vm.add_functions(&m, &[("_excepthook", thread_excepthook)]);
    // The lock type is looked up by `allocate_lock` through the module.
    LOCK_TYPE.with(|t| *t.borrow_mut() = vm.get_attr_raw(&m, "LockType"));
    Ok(m)
}

fn flag_weakref(t: &PyRef) {
    if let Some(td) = crate::objects::typeobj::type_data(t) {
        td.flags.set(td.flags.get() | FLAG_HAS_WEAKREF);
    }
}

std::thread_local! {
    static LOCK_TYPE: std::cell::RefCell<Option<Value>> = const { std::cell::RefCell::new(None) };
}

/// A new unlocked `_thread.lock` (for other native modules too).
pub fn new_lock(vm: &mut Vm) -> PyResult<Value> {
    let t = LOCK_TYPE.with(|t| t.borrow().clone());
    let t = match t {
        Some(Value::Obj(t)) => t,
        _ => {
            let m = vm.load_module("_thread")?;
            match vm.getattr_str(&m, "LockType")? {
                Value::Obj(t) => t,
                _ => return Err(vm.system_error("_thread.LockType is not a type")),
            }
        }
    };
    Ok(Value::Obj(vm.new_native(
        &t,
        LockState {
            locked: Cell::new(false),
        },
    )))
}

/// `_thread.lock()`: not creatable from Python (use `allocate_lock`).
fn lock_new(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(vm.type_error("cannot create '_thread.lock' instances"))
}

fn thread_allocate_lock(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let n = args.args.len();
    if n != 0 {
        return Err(vm.type_error(format!(
            "_thread.allocate_lock() takes no arguments ({n} given)"
        )));
    }
    new_lock(vm)
}

fn thread_set_sentinel(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("_set_sentinel", args, 0, 0)?;
    new_lock(vm)
}

/// `(blocking, timeout)` of `acquire(blocking=True, timeout=-1)`: the
/// deadline is None to wait forever, `Some(None)` never to wait.
fn acquire_args(vm: &mut Vm, args: &Args) -> PyResult<Option<Option<Duration>>> {
    let pos = args.pos().get(1..).unwrap_or(&[]);
    let total = pos.len() + args.kwnames.len();
    if total > 2 {
        return Err(vm.type_error(format!(
            "acquire() takes at most 2 arguments ({total} given)"
        )));
    }
    let mut blocking = pos.first().cloned();
    let mut timeout = pos.get(1).cloned();
    for (k, v) in args.kwargs() {
        match str_of(k) {
            "blocking" if blocking.is_none() => blocking = Some(v.clone()),
            "timeout" if timeout.is_none() => timeout = Some(v.clone()),
            "blocking" | "timeout" => {
                return Err(vm.type_error(format!(
                    "argument for acquire() given by name ('{}') and position",
                    str_of(k)
                )))
            }
            other => {
                return Err(vm.type_error(format!(
                    "'{other}' is an invalid keyword argument for acquire()"
                )))
            }
        }
    }
    let blocking = match blocking {
        Some(b) => vm.truthy(&b)?,
        None => true,
    };
    let secs = match &timeout {
        None => -1.0,
        Some(Value::Float(f)) => *f,
        Some(Value::Int(i)) => *i as f64,
        Some(Value::Bool(b)) => *b as i64 as f64,
        Some(v) => match vm.index_value(v)? {
            Some(i) => i as f64,
            None => {
                return Err(vm.type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    vm.type_name_of(v)
                )))
            }
        },
    };
    if !blocking && secs != -1.0 {
        return Err(vm.value_error("can't specify a timeout for a non-blocking call"));
    }
    if secs < 0.0 && secs != -1.0 {
        return Err(vm.value_error("timeout value must be positive"));
    }
    if secs > TIMEOUT_MAX * 1e9 || secs.is_nan() {
        return Err(vm.overflow_error("timestamp out of range for platform time_t"));
    }
    if secs > TIMEOUT_MAX {
        return Err(vm.overflow_error("timeout value is too large"));
    }
    Ok(match (blocking, secs) {
        (false, _) => Some(None),
        (true, s) if s < 0.0 => None,
        (true, s) => Some(Some(Duration::from_secs_f64(s))),
    })
}

/// Wait for a lock no other thread can release: sleep out the timeout,
/// running signal handlers meanwhile (an exception from one ends the wait).
fn wait_unreleasable(vm: &mut Vm, timeout: Option<Duration>) -> PyResult<()> {
    let start = Instant::now();
    loop {
        let left = match timeout {
            Some(t) => match t.checked_sub(start.elapsed()) {
                Some(l) if !l.is_zero() => l,
                _ => return Ok(()),
            },
            None => Duration::from_millis(50),
        };
        std::thread::sleep(left.min(Duration::from_millis(50)));
        super::signal::check_signals(vm)?;
    }
}

fn lock_state<'a>(vm: &Vm, args: &Args<'a>, m: &str) -> PyResult<&'a LockState> {
    vm.native_self::<LockState>(args, "_thread.lock", m)
}

fn lock_acquire(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = lock_state(vm, &args, "acquire")?;
    // `__enter__` takes no arguments; acquire's are checked either way.
    let wait = acquire_args(vm, &args)?;
    if !st.locked.get() {
        st.locked.set(true);
        return Ok(Value::Bool(true));
    }
    match wait {
        Some(None) => Ok(Value::Bool(false)),
        Some(Some(t)) => {
            wait_unreleasable(vm, Some(t))?;
            Ok(Value::Bool(false))
        }
        None => {
            wait_unreleasable(vm, None)?;
            Ok(Value::Bool(false))
        }
    }
}

fn lock_release(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = lock_state(vm, &args, "release")?;
    if !st.locked.get() {
        return Err(vm.runtime_error("release unlocked lock"));
    }
    st.locked.set(false);
    Ok(Value::None)
}

fn lock_locked(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = lock_state(vm, &args, "locked")?;
    vm.check_args("locked", args, 0, 0)?;
    Ok(Value::Bool(st.locked.get()))
}

fn lock_at_fork_reinit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = lock_state(vm, &args, "_at_fork_reinit")?;
    st.locked.set(false);
    Ok(Value::None)
}

fn addr_of(args: &Args) -> String {
    match args.args.first() {
        Some(Value::Obj(o)) => format!("0x{:x}", std::rc::Rc::as_ptr(o) as *const u8 as usize),
        _ => "0x0".into(),
    }
}

fn lock_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = lock_state(vm, &args, "__repr__")?;
    let what = if st.locked.get() {
        "locked"
    } else {
        "unlocked"
    };
    let ty = vm.type_of(args.args.first().unwrap_or(&Value::None));
    let tn = vm.qualified_type_name(&ty);
    Ok(vm.new_string(format!("<{what} {tn} object at {}>", addr_of(&args))))
}

fn rlock_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(cls)) = args.args.first() else {
        return Err(vm.type_error("RLock.__new__(): not enough arguments"));
    };
    Ok(Value::Obj(vm.new_native(
        cls,
        RLockState {
            owner: Cell::new(0),
            count: Cell::new(0),
        },
    )))
}

fn rlock_state<'a>(vm: &Vm, args: &Args<'a>, m: &str) -> PyResult<&'a RLockState> {
    vm.native_self::<RLockState>(args, "_thread.RLock", m)
}

fn rlock_acquire(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = rlock_state(vm, &args, "acquire")?;
    let wait = acquire_args(vm, &args)?;
    let me = thread_ident();
    if st.count.get() == 0 || st.owner.get() == me {
        let c = st.count.get();
        if c == i64::MAX {
            return Err(vm.overflow_error("Internal lock count overflowed"));
        }
        st.owner.set(me);
        st.count.set(c + 1);
        return Ok(Value::Bool(true));
    }
    match wait {
        Some(None) => {}
        Some(Some(t)) => wait_unreleasable(vm, Some(t))?,
        None => wait_unreleasable(vm, None)?,
    }
    Ok(Value::Bool(false))
}

fn rlock_release(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = rlock_state(vm, &args, "release")?;
    if st.count.get() == 0 || st.owner.get() != thread_ident() {
        return Err(vm.runtime_error("cannot release un-acquired lock"));
    }
    let c = st.count.get() - 1;
    st.count.set(c);
    if c == 0 {
        st.owner.set(0);
    }
    Ok(Value::None)
}

fn rlock_is_owned(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = rlock_state(vm, &args, "_is_owned")?;
    Ok(Value::Bool(
        st.count.get() > 0 && st.owner.get() == thread_ident(),
    ))
}

fn rlock_release_save(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = rlock_state(vm, &args, "_release_save")?;
    if st.count.get() == 0 {
        return Err(vm.runtime_error("cannot release un-acquired lock"));
    }
    let saved = vm.new_tuple(vec![Value::Int(st.count.get()), Value::Int(st.owner.get())]);
    st.count.set(0);
    st.owner.set(0);
    Ok(saved)
}

fn rlock_acquire_restore(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = rlock_state(vm, &args, "_acquire_restore")?;
    let a = vm.check_args("_acquire_restore", args, 1, 1)?;
    let items = vm.seq_items(&a[0]).unwrap_or_default();
    match items.as_slice() {
        [Value::Int(c), Value::Int(o)] => {
            st.count.set(*c);
            st.owner.set(*o);
            Ok(Value::None)
        }
        _ => Err(vm.type_error("_acquire_restore() argument must be a (count, owner) tuple")),
    }
}

fn rlock_at_fork_reinit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = rlock_state(vm, &args, "_at_fork_reinit")?;
    st.count.set(0);
    st.owner.set(0);
    Ok(Value::None)
}

fn rlock_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = rlock_state(vm, &args, "__repr__")?;
    let what = if st.count.get() > 0 {
        "locked"
    } else {
        "unlocked"
    };
    let ty = vm.type_of(args.args.first().unwrap_or(&Value::None));
    let tn = vm.qualified_type_name(&ty);
    Ok(vm.new_string(format!(
        "<{what} {tn} object owner={} count={} at {}>",
        st.owner.get(),
        st.count.get(),
        addr_of(&args)
    )))
}

/// `_local(*args, **kw)`: arguments only when a subclass defines `__init__`.
fn local_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(cls)) = args.args.first() else {
        return Err(vm.type_error("_local.__new__(): not enough arguments"));
    };
    let cls = cls.clone();
    if args.args.len() > 1 {
        let own_init = match vm.type_lookup_str(&cls, "__init__") {
            Some(Value::Obj(o)) => !matches!(
                &o.payload,
                crate::objects::Payload::MethodDescr(md)
                    if std::rc::Rc::ptr_eq(&md.owner, &vm.types.object)
            ),
            _ => false,
        };
        if !own_init {
            return Err(vm.type_error("Initialization arguments are not supported"));
        }
    }
    Ok(Value::Obj(vm.new_native(&cls, LocalState)))
}

fn thread_get_ident(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_ident", args, 0, 0)?;
    Ok(Value::Int(thread_ident()))
}

fn thread_get_native_id(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_native_id", args, 0, 0)?;
    // SAFETY: gettid has no preconditions.
    #[cfg(target_os = "linux")]
    let id = unsafe { libc::gettid() } as i64;
    #[cfg(not(target_os = "linux"))]
    let id = std::process::id() as i64;
    Ok(Value::Int(id))
}

fn thread_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("_count", args, 0, 0)?;
    Ok(Value::Int(0))
}

std::thread_local! {
    static STACK_SIZE: Cell<i64> = const { Cell::new(0) };
}

/// `stack_size([size])`: the previous setting; 0 or >= 32 KiB.
fn thread_stack_size(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("stack_size", args, 0, 1)?;
    let old = STACK_SIZE.with(Cell::get);
    if let Some(v) = a.first() {
        let n = match vm.index_value(v)? {
            Some(n) => n,
            None => {
                return Err(vm.type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    vm.type_name_of(v)
                )))
            }
        };
        if n < 0 {
            return Err(vm.value_error("size must be 0 or a positive value"));
        }
        if n != 0 && n < 32768 {
            return Err(vm.value_error(format!("size not valid: {n} bytes")));
        }
        STACK_SIZE.with(|c| c.set(n));
    }
    Ok(Value::Int(old))
}

fn thread_start_new_thread(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(vm.runtime_error("can't start new thread"))
}

fn thread_exit(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(vm.new_error_noargs(ExcKind::SystemExit))
}

/// `interrupt_main(signum=SIGINT)`: as if the signal arrived.
fn thread_interrupt_main(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("interrupt_main", args, 0, 1)?;
    let signum = match a.first() {
        Some(Value::Int(n)) => *n,
        Some(_) => return Err(vm.type_error("an integer is required")),
        None => libc::SIGINT as i64,
    };
    super::signal::simulate_signal(vm, signum)?;
    // CPython's eval loop checks for signals right after the call.
    super::signal::check_signals(vm)?;
    Ok(Value::None)
}

/// `_excepthook(args)`: threading's default `excepthook`: "Exception in
/// thread NAME:" and the traceback on `sys.stderr`; SystemExit is silent.
fn thread_excepthook(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("_excepthook", args, 1, 1)?;
    let arg = &a[0];
    let is_hook_args = vm.type_name_of(arg).eq("_thread._ExceptHookArgs");
    let items = match vm.seq_items(arg) {
        Some(items) if is_hook_args && items.len() == 4 => items,
        _ => return Err(vm.type_error("_thread.excepthook argument type must be ExceptHookArgs")),
    };
    let (exc_type, exc_value, thread) = (&items[0], &items[1], &items[3]);
    let system_exit = Value::Obj(vm.exc_type(ExcKind::SystemExit));
    if vm.eq(exc_type, &system_exit)? {
        return Ok(Value::None);
    }
    let name = if thread.is_none() {
        None
    } else {
        match vm.getattr_opt(thread, "name") {
            Ok(Some(n)) => Some(vm.str(&n)?),
            _ => None,
        }
    };
    let name = name.unwrap_or_else(|| thread_ident().to_string());
    let mut text = format!("Exception in thread {name}:\n");
    match exc_value {
        Value::Obj(e) if matches!(e.payload, crate::objects::Payload::Exception(_)) => {
            text.push_str(&vm.format_exception(e));
        }
        other => {
            let tn = vm.repr(exc_type)?;
            let v = vm.str(other)?;
            text.push_str(&format!("{tn}: {v}\n"));
        }
    }
    let sys = Value::Obj(vm.sys.clone());
    let stderr = vm.getattr_str(&sys, "stderr")?;
    if stderr.is_none() {
        return Ok(Value::None);
    }
    let t = vm.new_string(text);
    vm.call_method(&stderr, "write", &[t])?;
    if let Ok(Some(flush)) = vm.getattr_opt(&stderr, "flush") {
        vm.call(&flush, &[])?;
    }
    Ok(Value::None)
}
