//! `_thread`: locks (`lock`, `RLock`) whose waits release the interpreter
//! lock, thread identity, and the module's table. Starting threads,
//! `_local`, `_count` and interpreter shutdown are in thread_start.rs;
//! the interpreter lock itself in src/vm/gil.rs (see docs/threads.md).

use crate::vm::value::Truth;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Condvar, Mutex};
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

/// A `_thread.lock`: a real lock, waited for with the GIL released.
#[derive(Default)]
pub struct LockState {
    locked: Mutex<bool>,
    cv: Condvar,
}
impl NativeData for LockState {}

impl LockState {
    fn flag(&self) -> std::sync::MutexGuard<'_, bool> {
        self.locked.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Take the lock if it is free.
    pub fn try_acquire(&self) -> bool {
        let mut g = self.flag();
        if *g {
            return false;
        }
        *g = true;
        true
    }

    /// Wait until the lock is free (or `deadline` passes) and take it.
    /// Called with the GIL released.
    pub fn acquire_until(&self, deadline: Option<Instant>) -> bool {
        let mut g = self.flag();
        loop {
            if !*g {
                *g = true;
                return true;
            }
            g = match deadline {
                None => self.cv.wait(g).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return false;
                    }
                    self.cv
                        .wait_timeout(g, d - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }

    /// Unlock; false if it was not locked.
    pub fn release(&self) -> bool {
        let mut g = self.flag();
        if !*g {
            return false;
        }
        *g = false;
        drop(g);
        self.cv.notify_one();
        true
    }

    pub fn is_locked(&self) -> bool {
        *self.flag()
    }
}

/// A `_thread.RLock`: a lock plus owner thread id (0 = none) and
/// recursion count (both changed only by the owner, under the GIL).
#[derive(Default)]
pub struct RLockState {
    lock: LockState,
    owner: AtomicI64,
    count: AtomicI64,
}
impl NativeData for RLockState {}

impl RLockState {
    fn owner(&self) -> i64 {
        self.owner.load(Ordering::Relaxed)
    }
    fn count(&self) -> i64 {
        self.count.load(Ordering::Relaxed)
    }
    fn set(&self, owner: i64, count: i64) {
        self.owner.store(owner, Ordering::Relaxed);
        self.count.store(count, Ordering::Relaxed);
    }
}

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
            ("_recursion_count", rlock_recursion_count),
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
    super::thread_start::init_local_type(vm, &local);
    flag_weakref(&local);
    vm.set_attr_raw(&m, "LockType", Value::Obj(lock.clone()));
    vm.set_attr_raw(&m, "lock", Value::Obj(lock));
    vm.set_attr_raw(&m, "RLock", Value::Obj(rlock));
    vm.set_attr_raw(&m, "_local", Value::Obj(local));
    vm.set_attr_raw(&m, "TIMEOUT_MAX", Value::float(TIMEOUT_MAX));
    let err = vm.exc_type(ExcKind::RuntimeError);
    vm.set_attr_raw(&m, "error", Value::Obj(err));
    vm.add_functions(
        &m,
        &[
            ("allocate_lock", thread_allocate_lock),
            ("allocate", thread_allocate_lock),
            ("_set_sentinel", thread_set_sentinel),
        ],
    );
    super::thread_start::add_functions(vm, &m);
    let hook_args = vm.new_structseq_type(
        "_thread",
        "_ExceptHookArgs",
        &["exc_type", "exc_value", "exc_traceback", "thread"],
        true,
    );
    vm.set_attr_raw(&m, "_ExceptHookArgs", Value::Obj(hook_args));
    // The lock type is looked up by `allocate_lock` through the module.
    LOCK_TYPE.with(|t| *t.borrow_mut() = vm.get_attr_raw(&m, "LockType"));
    Ok(m)
}

fn flag_weakref(t: &PyRef) {
    if let Some(td) = crate::objects::typeobj::type_data(t) {
        td.flags.set(td.flags.get() | FLAG_HAS_WEAKREF);
    }
}

crate::interp_local! {
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
    Ok(Value::Obj(vm.new_native(&t, LockState::default())))
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

/// `_set_sentinel()`: a lock released when the calling thread's state
/// goes (threading's `_tstate_lock`, which `join` waits for).
fn thread_set_sentinel(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("_set_sentinel", args, 0, 0)?;
    let lock = new_lock(vm)?;
    super::thread_start::add_sentinel(&lock);
    Ok(lock)
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
        Some(Value::Float(f)) => f.get(),
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

/// Wait for `st` with the GIL released, until `timeout` (None: forever).
/// The main thread wakes up every 50 ms to run signal handlers (an
/// exception from one ends the wait), as CPython's interrupted waits do.
pub fn wait_lock(vm: &mut Vm, st: &LockState, timeout: Option<Duration>) -> PyResult<bool> {
    if st.try_acquire() {
        return Ok(true);
    }
    let deadline = timeout.map(|t| Instant::now() + t);
    let main = crate::vm::gil::is_main_thread();
    loop {
        let slice_end = if main {
            let s = Instant::now() + Duration::from_millis(50);
            Some(deadline.map_or(s, |d| d.min(s)))
        } else {
            deadline
        };
        if vm.allow_threads(|| st.acquire_until(slice_end)) {
            return Ok(true);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(false);
        }
        if main {
            super::signal::check_signals(vm)?;
        }
    }
}

fn lock_state<'a>(vm: &Vm, args: &Args<'a>, m: &str) -> PyResult<&'a LockState> {
    vm.native_self::<LockState>(args, "_thread.lock", m)
}

fn lock_acquire(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = lock_state(vm, &args, "acquire")?;
    // `__enter__` takes no arguments; acquire's are checked either way.
    let wait = acquire_args(vm, &args)?;
    let got = match wait {
        Some(None) => st.try_acquire(),
        Some(t) => wait_lock(vm, st, t)?,
        None => wait_lock(vm, st, None)?,
    };
    Ok(Value::bool(got))
}

fn lock_release(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = lock_state(vm, &args, "release")?;
    if !st.release() {
        return Err(vm.runtime_error("release unlocked lock"));
    }
    Ok(Value::None)
}

fn lock_locked(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = lock_state(vm, &args, "locked")?;
    vm.check_args("lock.locked", args, 0, 0)?;
    Ok(Value::bool(st.is_locked()))
}

fn lock_at_fork_reinit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = lock_state(vm, &args, "_at_fork_reinit")?;
    st.release();
    Ok(Value::None)
}

fn addr_of(args: &Args) -> String {
    match args.args.first() {
        Some(Value::Obj(o)) => format!(
            "0x{:x}",
            crate::objects::rc::Rc::as_ptr(o) as *const u8 as usize
        ),
        _ => "0x0".into(),
    }
}

fn lock_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = lock_state(vm, &args, "__repr__")?;
    let what = if st.is_locked() { "locked" } else { "unlocked" };
    let ty = vm.type_of(args.args.first().unwrap_or(&Value::None));
    let tn = vm.qualified_type_name(&ty);
    Ok(vm.new_string(format!("<{what} {tn} object at {}>", addr_of(&args))))
}

fn rlock_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(cls)) = args.args.first() else {
        return Err(vm.type_error("RLock.__new__(): not enough arguments"));
    };
    Ok(Value::Obj(vm.new_native(cls, RLockState::default())))
}

fn rlock_state<'a>(vm: &Vm, args: &Args<'a>, m: &str) -> PyResult<&'a RLockState> {
    vm.native_self::<RLockState>(args, "_thread.RLock", m)
}

fn rlock_acquire(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = rlock_state(vm, &args, "acquire")?;
    let wait = acquire_args(vm, &args)?;
    let me = thread_ident();
    if st.count() > 0 && st.owner() == me {
        let c = st.count();
        if c == i64::MAX {
            return Err(vm.overflow_error("Internal lock count overflowed"));
        }
        st.set(me, c + 1);
        return Ok(Value::Bool(Truth::True));
    }
    let got = match wait {
        Some(None) => st.lock.try_acquire(),
        Some(t) => wait_lock(vm, &st.lock, t)?,
        None => wait_lock(vm, &st.lock, None)?,
    };
    if got {
        st.set(me, 1);
    }
    Ok(Value::bool(got))
}

fn rlock_release(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = rlock_state(vm, &args, "release")?;
    if st.count() == 0 || st.owner() != thread_ident() {
        return Err(vm.runtime_error("cannot release un-acquired lock"));
    }
    let c = st.count() - 1;
    if c == 0 {
        st.set(0, 0);
        st.lock.release();
    } else {
        st.set(st.owner(), c);
    }
    Ok(Value::None)
}

fn rlock_is_owned(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = rlock_state(vm, &args, "_is_owned")?;
    Ok(Value::bool(st.count() > 0 && st.owner() == thread_ident()))
}

/// `RLock._recursion_count()`: the count when the caller owns it, else 0.
fn rlock_recursion_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = rlock_state(vm, &args, "_recursion_count")?;
    let owned = st.count() > 0 && st.owner() == thread_ident();
    Ok(Value::Int(if owned { st.count() } else { 0 }))
}

fn rlock_release_save(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = rlock_state(vm, &args, "_release_save")?;
    if st.count() == 0 {
        return Err(vm.runtime_error("cannot release un-acquired lock"));
    }
    let saved = vm.new_tuple_of([Value::Int(st.count()), Value::Int(st.owner())]);
    st.set(0, 0);
    st.lock.release();
    Ok(saved)
}

fn rlock_acquire_restore(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = rlock_state(vm, &args, "_acquire_restore")?;
    let a = vm.check_args("_acquire_restore", args, 1, 1)?;
    let items = vm.seq_items(&a[0]).unwrap_or_default();
    let (c, o) = match items.as_slice() {
        [Value::Int(c), Value::Int(o)] => (*c, *o),
        _ => {
            return Err(vm.type_error("_acquire_restore() argument must be a (count, owner) tuple"))
        }
    };
    wait_lock(vm, &st.lock, None)?;
    st.set(o, c);
    Ok(Value::None)
}

fn rlock_at_fork_reinit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = rlock_state(vm, &args, "_at_fork_reinit")?;
    st.set(0, 0);
    st.lock.release();
    Ok(Value::None)
}

fn rlock_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = rlock_state(vm, &args, "__repr__")?;
    let what = if st.count() > 0 { "locked" } else { "unlocked" };
    let ty = vm.type_of(args.args.first().unwrap_or(&Value::None));
    let tn = vm.qualified_type_name(&ty);
    Ok(vm.new_string(format!(
        "<{what} {tn} object owner={} count={} at {}>",
        st.owner(),
        st.count(),
        addr_of(&args)
    )))
}
