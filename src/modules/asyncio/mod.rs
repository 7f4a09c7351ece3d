//! `_asyncio` (CPython's Modules/_asynciomodule.c): the native `Future`
//! and `Task` (future.rs, task.rs), `FutureIter`, the running-loop
//! functions and the task registry (`_all_tasks`, `_current_tasks`,
//! `_register_task`, `_enter_task`, ...). As in C, the reprs, `get_stack`,
//! `print_stack` and `iscoroutine` for foreign coroutine types call the
//! pure-Python helpers of `asyncio.base_futures`, `asyncio.base_tasks` and
//! `asyncio.coroutines`.

use std::cell::{Cell, RefCell};

use crate::modules::itertools::clinic::{self, KwStyle, Sig};
use crate::objects::function::Args;
use crate::objects::rc::Rc;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

pub mod future;
pub mod task;

/// The objects the module works with (CPython's module state).
pub struct State {
    pub future_t: PyRef,
    pub task_t: PyRef,
    pub iter_t: PyRef,
    pub step_t: PyRef,
    pub invalid_state: Value,
    pub cancelled_error: Value,
    pub iscoroutine: Value,
    pub future_repr: Value,
    pub task_repr: Value,
    pub get_stack: Value,
    pub print_stack: Value,
    pub extract_stack: Value,
    pub get_policy: Value,
    pub all_tasks: Value,
    pub current_tasks: PyRef,
}

crate::interp_local! {
    static STATE: RefCell<Option<Rc<State>>> = const { RefCell::new(None) };
    /// The running loop of each thread: (thread ident, loop, pid).
    static RUNNING: RefCell<Vec<(i64, Value, u32)>> = const { RefCell::new(Vec::new()) };
    /// Types `asyncio.iscoroutine` accepted (`iscoroutine_typecache`).
    static CORO_TYPES: RefCell<Vec<PyRef>> = const { RefCell::new(Vec::new()) };
    /// The counter of automatic task names (`Task-N`).
    static NAME_COUNTER: Cell<u64> = const { Cell::new(0) };
}

/// The module state (made by the first import).
pub fn state(vm: &Vm) -> PyResult<Rc<State>> {
    STATE
        .with(|s| s.borrow().clone())
        .ok_or_else(|| vm.system_error("_asyncio is not initialised"))
}

/// The next automatic task number.
pub fn next_task_number() -> u64 {
    NAME_COUNTER.with(|c| {
        let n = c.get().wrapping_add(1);
        c.set(n);
        n
    })
}

/// `is_coroutine`: an exact coroutine, a type `asyncio.iscoroutine`
/// accepted before, or what it says now (remembered, up to 100 types).
pub fn is_coroutine(vm: &mut Vm, st: &State, coro: &Value) -> PyResult<bool> {
    let ty = vm.type_of(coro);
    if Rc::ptr_eq(&ty, &vm.types.coroutine) {
        return Ok(true);
    }
    if CORO_TYPES.with(|c| c.borrow().iter().any(|t| Rc::ptr_eq(t, &ty))) {
        return Ok(true);
    }
    let r = vm.call(&st.iscoroutine, std::slice::from_ref(coro))?;
    if !vm.truthy(&r)? {
        return Ok(false);
    }
    CORO_TYPES.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() < 100 {
            c.push(ty);
        }
    });
    Ok(true)
}

/// `get_running_loop`: this thread's running loop, if one is set by this
/// process.
pub fn running_loop() -> Option<Value> {
    let me = crate::modules::thread::thread_ident();
    RUNNING.with(|r| {
        r.borrow()
            .iter()
            .find(|(t, _, _)| *t == me)
            .and_then(|(_, l, pid)| (!l.is_none() && *pid == std::process::id()).then(|| l.clone()))
    })
}

fn set_running(lp: Value) {
    let me = crate::modules::thread::thread_ident();
    let pid = std::process::id();
    let old = RUNNING.with(|r| {
        let mut r = r.borrow_mut();
        match r.iter_mut().find(|(t, _, _)| *t == me) {
            Some(e) => Some(std::mem::replace(&mut e.1, lp)),
            None => {
                r.push((me, lp, pid));
                None
            }
        }
    });
    drop(old);
}

/// `get_event_loop`: the running loop, else the policy's loop.
pub fn get_event_loop(vm: &mut Vm) -> PyResult<Value> {
    if let Some(l) = running_loop() {
        return Ok(l);
    }
    let st = state(vm)?;
    let policy = vm.call(&st.get_policy, &[])?;
    vm.call_method(&policy, "get_event_loop", &[])
}

fn f_get_running_loop_opt(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(running_loop().unwrap_or(Value::None))
}

fn f_set_running_loop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::positional(vm, &args, 0, "_set_running_loop", 1, 1)?;
    set_running(a[0].clone());
    Ok(Value::None)
}

fn f_get_running_loop(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    running_loop().ok_or_else(|| vm.runtime_error("no running event loop"))
}

fn f_get_event_loop(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    get_event_loop(vm)
}

fn f_get_event_loop_level(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let sig = Sig {
        fname: "_get_event_loop",
        names: &["stacklevel"],
        required: 0,
        maxpos: 1,
        style: KwStyle::Unexpected,
    };
    let a = clinic::parse(vm, &args, 0, &sig)?;
    if let Some(Some(v)) = a.first() {
        clinic::ssize(vm, v)?;
    }
    get_event_loop(vm)
}

fn parse_named<'a>(
    vm: &Vm,
    args: &Args,
    fname: &'a str,
    names: &'a [&'a str],
) -> PyResult<Vec<Value>> {
    let sig = Sig {
        fname,
        names,
        required: names.len(),
        maxpos: names.len(),
        style: KwStyle::Unexpected,
    };
    Ok(clinic::parse(vm, args, 0, &sig)?
        .into_iter()
        .map(|v| v.unwrap_or(Value::None))
        .collect())
}

/// `_all_tasks.add(task)`.
pub fn register_task(vm: &mut Vm, st: &State, task: &Value) -> PyResult<()> {
    vm.call_method(&st.all_tasks, "add", std::slice::from_ref(task))?;
    Ok(())
}

fn f_register_task(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_named(vm, &args, "_register_task", &["task"])?;
    let st = state(vm)?;
    register_task(vm, &st, &a[0])?;
    Ok(Value::None)
}

fn f_unregister_task(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_named(vm, &args, "_unregister_task", &["task"])?;
    let st = state(vm)?;
    vm.call_method(&st.all_tasks, "discard", &a[..1])?;
    Ok(Value::None)
}

/// `enter_task`: `_current_tasks[loop] = task`, unless another task runs.
pub fn enter_task(vm: &mut Vm, st: &State, lp: &Value, task: &Value) -> PyResult<()> {
    if let Some(cur) = vm.dict_get(&st.current_tasks, lp)? {
        let t = vm.repr(task)?;
        let c = vm.repr(&cur)?;
        return Err(vm.runtime_error(format!(
            "Cannot enter into task {t} while another task {c} is being executed."
        )));
    }
    vm.dict_set(&st.current_tasks, lp.clone(), task.clone())
}

/// `leave_task`: remove `task` as the loop's current task.
pub fn leave_task(vm: &mut Vm, st: &State, lp: &Value, task: &Value) -> PyResult<()> {
    let cur = vm.dict_get(&st.current_tasks, lp)?;
    if !cur.as_ref().is_some_and(|c| c.is(task)) {
        let t = vm.repr(task)?;
        let c = vm.repr(&cur.unwrap_or(Value::None))?;
        return Err(vm.runtime_error(format!(
            "Leaving task {t} does not match the current task {c}."
        )));
    }
    vm.dict_del(&st.current_tasks, lp)?;
    Ok(())
}

fn f_enter_task(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_named(vm, &args, "_enter_task", &["loop", "task"])?;
    let st = state(vm)?;
    enter_task(vm, &st, &a[0], &a[1])?;
    Ok(Value::None)
}

fn f_leave_task(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_named(vm, &args, "_leave_task", &["loop", "task"])?;
    let st = state(vm)?;
    leave_task(vm, &st, &a[0], &a[1])?;
    Ok(Value::None)
}

fn attr_of(vm: &mut Vm, module: &str, name: &str) -> PyResult<Value> {
    let m = vm.import_by_name(module)?;
    vm.getattr_str(&m, name)
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    // Imported before asyncio: asyncio's import makes it (asyncio.events
    // imports this module), and that one is the module to return.
    let modules = vm.modules.clone();
    let key = vm.new_str("asyncio");
    if vm.dict_get(&modules, &key)?.is_none() {
        vm.import_by_name("asyncio")?;
        let key = vm.new_str("_asyncio");
        if let Some(Value::Obj(m)) = vm.dict_get(&modules, &key)? {
            return Ok(m);
        }
    }
    // CPython's module_init.
    let current_tasks = vm.new_dict();
    let get_policy = attr_of(vm, "asyncio.events", "get_event_loop_policy")?;
    let future_repr = attr_of(vm, "asyncio.base_futures", "_future_repr")?;
    let invalid_state = attr_of(vm, "asyncio.exceptions", "InvalidStateError")?;
    let cancelled_error = attr_of(vm, "asyncio.exceptions", "CancelledError")?;
    let task_repr = attr_of(vm, "asyncio.base_tasks", "_task_repr")?;
    let get_stack = attr_of(vm, "asyncio.base_tasks", "_task_get_stack")?;
    let print_stack = attr_of(vm, "asyncio.base_tasks", "_task_print_stack")?;
    let iscoroutine = attr_of(vm, "asyncio.coroutines", "iscoroutine")?;
    let extract_stack = attr_of(vm, "traceback", "extract_stack")?;
    let weak_set = attr_of(vm, "weakref", "WeakSet")?;
    let all_tasks = vm.call(&weak_set, &[])?;

    let m = vm.new_module("_asyncio");
    let (future_t, iter_t) = future::make_types(vm);
    let (task_t, step_t) = task::make_types(vm, &future_t);
    vm.set_attr_raw(&m, "Future", Value::Obj(future_t.clone()));
    vm.set_attr_raw(&m, "Task", Value::Obj(task_t.clone()));
    vm.set_attr_raw(&m, "_all_tasks", all_tasks.clone());
    vm.set_attr_raw(&m, "_current_tasks", Value::Obj(current_tasks.clone()));
    vm.add_functions(
        &m,
        &[
            ("get_event_loop", f_get_event_loop),
            ("_get_event_loop", f_get_event_loop_level),
            ("get_running_loop", f_get_running_loop),
            ("_get_running_loop", f_get_running_loop_opt),
            ("_set_running_loop", f_set_running_loop),
            ("_register_task", f_register_task),
            ("_unregister_task", f_unregister_task),
            ("_enter_task", f_enter_task),
            ("_leave_task", f_leave_task),
        ],
    );
    let doc = vm.new_str("Accelerator module for asyncio");
    vm.set_attr_raw(&m, "__doc__", doc);
    let st = State {
        future_t,
        task_t,
        iter_t,
        step_t,
        invalid_state,
        cancelled_error,
        iscoroutine,
        future_repr,
        task_repr,
        get_stack,
        print_stack,
        extract_stack,
        get_policy,
        all_tasks,
        current_tasks,
    };
    STATE.with(|s| *s.borrow_mut() = Some(Rc::new(st)));
    Ok(m)
}
