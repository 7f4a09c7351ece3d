//! `_thread`'s threads: `start_new_thread` (an OS thread per Python
//! thread, all sharing the one `Vm` under the interpreter lock), `_local`
//! (one dict per thread), `_count`, `stack_size`, `_excepthook`, and the
//! wait for non-daemon threads at exit. See docs/threads.md.

use crate::objects::rc::{Rc, Weak};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use super::thread::thread_ident;
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{type_data, FLAG_CUSTOM_GETATTRIBUTE, FLAG_CUSTOM_SETATTR};
use crate::objects::{Payload, PyObject};
use crate::vm::gil::ThreadState;
use crate::vm::interp_local::{adopt, table, Table};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The Rust stack of a new thread when `stack_size()` is 0 (deep Python
/// recursion needs a big one; the memory is only reserved).
const DEFAULT_STACK: usize = 256 << 20;

pub fn add_functions(vm: &mut Vm, m: &PyRef) {
    vm.add_functions(
        m,
        &[
            ("get_ident", thread_get_ident),
            ("get_native_id", thread_get_native_id),
            ("_count", thread_count),
            ("stack_size", thread_stack_size),
            ("start_new_thread", thread_start_new_thread),
            ("start_new", thread_start_new_thread),
            ("exit", thread_exit),
            ("exit_thread", thread_exit),
            ("interrupt_main", thread_interrupt_main),
            ("_excepthook", thread_excepthook),
        ],
    );
}

// ------------------------------------------------------------- thread ids

/// Source of thread serial numbers (never reused, unlike OS thread ids).
static NEXT_SERIAL: AtomicU64 = AtomicU64::new(1);

std::thread_local! {
    static SERIAL: Cell<u64> = const { Cell::new(0) };
    /// `_set_sentinel` locks of this thread, released when it ends. Only
    /// touched with the GIL held; emptied before the thread lets it go
    /// for the last time.
    static SENTINELS: RefCell<Vec<Value>> = const { RefCell::new(Vec::new()) };
}

/// This thread's serial number (keys `_local` dicts).
fn serial() -> u64 {
    SERIAL.with(|s| {
        if s.get() == 0 {
            s.set(NEXT_SERIAL.fetch_add(1, Ordering::Relaxed));
        }
        s.get()
    })
}

/// Remember a `_set_sentinel` lock of the calling thread.
pub fn add_sentinel(lock: &Value) {
    SENTINELS.with(|s| s.borrow_mut().push(lock.clone()));
}

// -------------------------------------------------------- starting threads

/// What a new thread needs: the interpreter (used only with its GIL held)
/// and the call to make.
struct Start {
    vm: *mut Vm,
    table: &'static Table,
    func: Value,
    args: Vec<Value>,
    kwnames: Vec<PyRef>,
}

// SAFETY: the `Vm` and the Python objects (non-atomic `Rc`s) in `Start`
// are moved to the new thread untouched; it reads them only after taking
// the interpreter lock, and every thread touches the `Vm` and Python
// objects only while holding that lock, so no two threads ever access
// them at the same time. The `Vm` outlives the thread's use of it: the
// interpreter's main thread never releases the lock after finalization
// starts (`shutdown`), so other threads stay parked from then on.
unsafe impl Send for Start {}

/// `start_new_thread(function, args, kwargs=None)`: the new thread's id.
fn thread_start_new_thread(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("start_new_thread", args, 2, 3)?;
    let func = a[0].clone();
    if !vm.callable(&func) {
        return Err(vm.type_error("first arg must be callable"));
    }
    let is_tuple = matches!(&a[1], Value::Obj(o) if matches!(o.payload, Payload::Tuple(_)));
    if !is_tuple {
        return Err(vm.type_error("2nd arg must be a tuple"));
    }
    let mut call_args = vm.seq_items(&a[1]).unwrap_or_default();
    let mut kwnames = Vec::new();
    match a.get(2) {
        None => {}
        Some(Value::Obj(d)) if matches!(d.payload, Payload::Dict(_)) => {
            for (k, v) in vm.dict_items(d) {
                match k {
                    Value::Obj(k) if matches!(k.payload, Payload::Str(_)) => {
                        kwnames.push(k);
                        call_args.push(v);
                    }
                    _ => return Err(vm.type_error("keywords must be strings")),
                }
            }
        }
        Some(_) => return Err(vm.type_error("optional 3rd arg must be a dictionary")),
    }
    vm.take_fast_import_locks();
    let t = table();
    t.gil.enable_threads();
    let size = match STACK_SIZE.get() {
        0 => DEFAULT_STACK,
        n => usize::try_from(n).unwrap_or(DEFAULT_STACK),
    };
    let start = Start {
        vm: vm as *mut Vm,
        table: t,
        func,
        args: call_args,
        kwnames,
    };
    COUNT.set(COUNT.get() + 1);
    let spawned = std::thread::Builder::new()
        .stack_size(size)
        .spawn(move || thread_main(start));
    match spawned {
        Ok(h) => {
            use std::os::unix::thread::JoinHandleExt;
            // pthread_t is the thread's `get_ident()` there too.
            Ok(Value::Int(h.as_pthread_t() as i64))
        }
        Err(_) => {
            COUNT.set(COUNT.get() - 1);
            Err(vm.runtime_error("can't start new thread"))
        }
    }
}

/// The body of a Python thread.
fn thread_main(start: Start) {
    adopt(start.table);
    start.table.gil.acquire(false);
    AT_EXIT.with(|g| *g.borrow_mut() = Some(GilAtExit(start.table)));
    // SAFETY: see `Start`: the lock is held from here to the end, except
    // inside `Vm::allow_threads`, which hands the state over properly.
    let vm: &mut Vm = unsafe { &mut *start.vm };
    let mut state = ThreadState::fresh();
    state.swap_with(vm);
    let Start {
        func,
        args,
        kwnames,
        table: t,
        ..
    } = start;
    let r = vm.call_args(
        &func,
        Args {
            args: &args,
            kwnames: &kwnames,
        },
    );
    drop(args);
    drop(kwnames);
    if let Err(e) = r {
        if !vm.err_is(&e, ExcKind::SystemExit) {
            vm.write_unraisable_msg(&e, "in thread started by", &func);
        }
    }
    drop(func);
    vm.run_gen_finalizers();
    vm.run_finalizers();
    thread_ended(vm);
    // Give the interpreter back the state it had, then drop ours (Python
    // objects among it) while still holding the lock.
    state.swap_with(vm);
    drop(state);
    let _ = t;
    // The lock is released by `AT_EXIT` once the thread's thread-locals
    // are gone.
}

/// Releases the interpreter lock when the thread's thread-locals are
/// destroyed. It is registered first, and thread-local destructors run
/// in reverse order of registration (glibc's `__cxa_thread_atexit_impl`),
/// so any other thread-local holding Python objects is dropped before the
/// lock goes; failing that order, it is released all the same.
struct GilAtExit(&'static Table);

impl Drop for GilAtExit {
    fn drop(&mut self) {
        self.0.gil.release(false);
    }
}

std::thread_local! {
    static AT_EXIT: RefCell<Option<GilAtExit>> = const { RefCell::new(None) };
}

/// A thread's end, with the lock held: release its sentinel locks (which
/// wakes `join`), forget its `_local` dicts, count it out.
fn thread_ended(vm: &mut Vm) {
    let sentinels = SENTINELS.with(|s| std::mem::take(&mut *s.borrow_mut()));
    for lock in &sentinels {
        if let Some(st) = vm.native::<super::thread::LockState>(lock) {
            st.release();
        }
    }
    drop(sentinels);
    let me = serial();
    let locals: Vec<PyRef> = LOCALS.with(|l| {
        let mut l = l.borrow_mut();
        l.retain(|w| w.strong_count() > 0);
        l.iter().filter_map(Weak::upgrade).collect()
    });
    for o in locals {
        if let Payload::Native(d) = &o.payload {
            if let Some(ls) = d.downcast_ref::<LocalState>() {
                let gone = ls.dicts.borrow_mut().remove(&me);
                drop(gone);
            }
        }
    }
    COUNT.set(COUNT.get() - 1);
}

/// At exit, before the atexit callbacks (CPython's
/// `wait_for_thread_shutdown`): if `threading` was imported,
/// `threading._shutdown()` joins the non-daemon threads.
pub fn shutdown(vm: &mut Vm) {
    let threading = vm.dict_get_by_str_nocall(&vm.modules.clone(), "threading");
    if let Some(m) = threading {
        if let Err(e) = vm.call_method(&m, "_shutdown", &[]) {
            vm.write_unraisable(&e, &m);
        }
    }
}

/// After the atexit callbacks: the interpreter finalizes, and threads
/// other than the main one never run again (daemon threads stay parked
/// until the process ends).
pub fn finalizing() {
    table().gil.set_finalizing();
}

// ----------------------------------------------------------------- _local

/// A `_thread._local`: one dict per thread; the running thread's is
/// installed as the instance dict before each attribute access.
struct LocalState {
    dicts: RefCell<HashMap<u64, PyRef>>,
    /// The constructor's arguments, for `__init__` in other threads.
    args: Vec<Value>,
    kwnames: Vec<PyRef>,
}
impl NativeData for LocalState {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        for d in self.dicts.borrow().values() {
            visit(&Value::Obj(d.clone()));
        }
        self.args.iter().for_each(visit);
    }

    /// `local_clear`: the per-thread dicts go.
    fn clear(&self, out: &mut Vec<Value>) {
        if let Ok(mut d) = self.dicts.try_borrow_mut() {
            out.extend(d.drain().map(|(_, v)| Value::Obj(v)));
        }
    }
}

pub fn init_local_type(vm: &mut Vm, local: &PyRef) {
    vm.add_staticmethods(local, &[("__new__", local_new)]);
    vm.add_methods(
        local,
        &[
            ("__getattribute__", local_getattribute),
            ("__setattr__", local_setattr),
            ("__delattr__", local_delattr),
        ],
    );
    if let Some(td) = type_data(local) {
        td.flags
            .set(td.flags.get() | FLAG_CUSTOM_GETATTRIBUTE | FLAG_CUSTOM_SETATTR);
    }
}

/// Whether `cls` has an `__init__` other than `object`'s.
fn has_own_init(vm: &mut Vm, cls: &PyRef) -> bool {
    match vm.type_lookup_static(cls, "__init__") {
        Some(Value::Obj(o)) => !matches!(
            &o.payload,
            Payload::MethodDescr(md) if Rc::ptr_eq(&md.owner, &vm.types.object)
        ),
        _ => false,
    }
}

/// `_local(*args, **kw)`: arguments only when a subclass defines `__init__`.
fn local_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(cls)) = args.args.first() else {
        return Err(vm.type_error("_local.__new__(): not enough arguments"));
    };
    let cls = cls.clone();
    if args.args.len() > 1 && !has_own_init(vm, &cls) {
        return Err(vm.type_error("Initialization arguments are not supported"));
    }
    let st = LocalState {
        dicts: RefCell::new(HashMap::new()),
        args: args.args.get(1..).unwrap_or(&[]).to_vec(),
        kwnames: args.kwnames.to_vec(),
    };
    let o = vm.new_native(&cls, st);
    let first = match o.dict() {
        Some(d) => d,
        None => vm.new_dict(),
    };
    if let Payload::Native(d) = &o.payload {
        if let Some(ls) = d.downcast_ref::<LocalState>() {
            ls.dicts.borrow_mut().insert(serial(), first);
        }
    }
    LOCALS.with(|l| l.borrow_mut().push(Rc::downgrade(&o)));
    Ok(Value::Obj(o))
}

/// Install the calling thread's dict in `obj` (making it, and running
/// `__init__` with the constructor's arguments, on a thread's first use).
fn enter_local(vm: &mut Vm, args: &Args, what: &str) -> PyResult<Value> {
    let Some(obj) = args.args.first() else {
        return Err(vm.type_error(format!("{what}: not enough arguments")));
    };
    let Value::Obj(o) = obj else {
        return Err(vm.type_error(format!("{what}: not a _thread._local")));
    };
    let Some(ls) = vm.native::<LocalState>(obj) else {
        return Err(vm.type_error(format!(
            "descriptor '{what}' for '_thread._local' objects doesn't apply to a '{}' object",
            vm.type_name_of(obj)
        )));
    };
    let me = serial();
    let existing = ls.dicts.borrow().get(&me).cloned();
    match existing {
        Some(d) => o.set_dict(Some(d)),
        None => {
            let d = vm.new_dict();
            ls.dicts.borrow_mut().insert(me, d.clone());
            o.set_dict(Some(d));
            let cls = vm.type_of(obj);
            if has_own_init(vm, &cls) {
                let mut all = vec![obj.clone()];
                all.extend(ls.args.iter().cloned());
                let kwnames = ls.kwnames.clone();
                if let Some(init) = vm.type_lookup_static(&cls, "__init__") {
                    vm.call_args(
                        &init,
                        Args {
                            args: &all,
                            kwnames: &kwnames,
                        },
                    )?;
                }
            }
        }
    }
    Ok(obj.clone())
}

fn name_arg(vm: &Vm, args: &Args, what: &str) -> PyResult<PyRef> {
    match args.args.get(1) {
        Some(Value::Obj(n)) if matches!(n.payload, Payload::Str(_)) => Ok(n.clone()),
        Some(v) => Err(vm.type_error(format!(
            "attribute name must be string, not '{}'",
            vm.type_name_of(v)
        ))),
        None => Err(vm.type_error(format!("{what} expected 1 argument, got 0"))),
    }
}

fn local_getattribute(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let name = name_arg(vm, &args, "__getattribute__")?;
    let obj = enter_local(vm, &args, "__getattribute__")?;
    let ty = vm.type_of(&obj);
    vm.generic_getattr(&obj, &name, &ty)
}

fn local_setattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let name = name_arg(vm, &args, "__setattr__")?;
    let Some(value) = args.args.get(2).cloned() else {
        return Err(vm.type_error("__setattr__ expected 2 arguments, got 1"));
    };
    let obj = enter_local(vm, &args, "__setattr__")?;
    read_only_dict(vm, &obj, &name)?;
    vm.generic_setattr(&obj, &name, Some(value))?;
    Ok(Value::None)
}

fn local_delattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let name = name_arg(vm, &args, "__delattr__")?;
    let obj = enter_local(vm, &args, "__delattr__")?;
    read_only_dict(vm, &obj, &name)?;
    vm.generic_setattr(&obj, &name, None)?;
    Ok(Value::None)
}

/// `__dict__` of a `_local` cannot be replaced or deleted.
fn read_only_dict(vm: &Vm, obj: &Value, name: &PyRef) -> PyResult<()> {
    if crate::vm::proto::str_of(name) == "__dict__" {
        return Err(vm.attribute_error(format!(
            "'{}' object attribute '__dict__' is read-only",
            vm.type_name_of(obj)
        )));
    }
    Ok(())
}

// ------------------------------------------------------- small functions

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

/// Whether threads other than the main one still run (daemon threads, at
/// exit).
pub fn others_running() -> bool {
    COUNT.try_with(Cell::get).unwrap_or(0) > 0
}

fn thread_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("_count", args, 0, 0)?;
    Ok(Value::Int(COUNT.get()))
}

crate::interp_local! {
    static STACK_SIZE: Cell<i64> = const { Cell::new(0) };
    /// Threads started and not finished (`_count()`).
    static COUNT: Cell<i64> = const { Cell::new(0) };
    /// Every `_local` made (to drop a finished thread's dicts).
    static LOCALS: RefCell<Vec<Weak<PyObject>>> = const { RefCell::new(Vec::new()) };
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
    if crate::vm::gil::is_main_thread() {
        super::signal::check_signals(vm)?;
    }
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
