//! `_asyncio.Task` (CPython's TaskObj): `__step` and `__wakeup` run
//! natively, driving the coroutine with send/throw, and
//! `TaskStepMethWrapper`, the callable a task schedules itself with.

use super::future::{self, fut_of, FState, Fut};
use super::{state, State};
use crate::modules::itertools::clinic::{self, KwStyle, Sig};
use crate::objects::exception::ExcKind;
use crate::objects::function::{Args, Builtin};
use crate::objects::native::NativeData;
use crate::objects::typeobj::Layout;
use crate::objects::Payload;
use crate::vm::gen::{GenResult, Thrown};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

fn task_of<'a>(vm: &Vm, args: &Args<'a>) -> PyResult<(&'a Value, &'a Fut)> {
    let s = args
        .args
        .first()
        .ok_or_else(|| vm.type_error("method needs an argument"))?;
    match vm.native::<Fut>(s) {
        Some(f) if f.is_task => Ok((s, f)),
        _ => Err(vm.type_error(format!(
            "descriptor requires a '_asyncio.Task' object but received a '{}'",
            vm.type_name_of(s)
        ))),
    }
}

// ------------------------------------------------------------ stepping

/// `task_call_step_soon`: `loop.call_soon(TaskStepMethWrapper(task, arg),
/// context=task._context)`.
pub fn call_step_soon(
    vm: &mut Vm,
    st: &State,
    tv: &Value,
    f: &Fut,
    arg: Option<Value>,
) -> PyResult<()> {
    let (lp, ctx) = {
        let i = f.inner.borrow();
        (i.loop_.clone(), i.context.clone())
    };
    let lp = lp.ok_or_else(|| future::not_initialized(vm))?;
    let w = vm.new_native(
        &st.step_t,
        StepW {
            task: tv.clone(),
            arg,
        },
    );
    future::call_soon(vm, &lp, Value::Obj(w), None, ctx)
}

/// `task_set_error_soon`: step again soon with RuntimeError(msg).
fn error_soon(vm: &mut Vm, st: &State, tv: &Value, f: &Fut, msg: String) -> PyResult<()> {
    let m = vm.new_string(msg);
    let rt = Value::Obj(vm.exc_type(ExcKind::RuntimeError));
    let e = vm.call(&rt, &[m])?;
    call_step_soon(vm, st, tv, f, Some(e))
}

/// `task_step`: enter the task, step, leave.
pub fn step(vm: &mut Vm, tv: &Value, exc: Option<Value>) -> PyResult<()> {
    let st = state(vm)?;
    let f = fut_of(vm, tv)?;
    let lp = f.loop_().ok_or_else(|| future::not_initialized(vm))?;
    super::enter_task(vm, &st, &lp, tv)?;
    let r = step_impl(vm, &st, tv, f, exc);
    let left = super::leave_task(vm, &st, &lp, tv);
    r?;
    left
}

/// Send into (or throw into) the coroutine.
fn resume(vm: &mut Vm, coro: &Value, exc: Option<Value>) -> PyResult<GenResult> {
    let gen = match coro {
        Value::Obj(o) if matches!(o.payload, Payload::Generator(_)) => Some(o.clone()),
        _ => None,
    };
    match (gen, exc) {
        (Some(g), None) => vm.gen_send(&g, Value::None),
        (None, None) => vm.send_to(coro, Value::None),
        (Some(g), Some(e)) => vm.gen_throw(
            &g,
            Thrown {
                typ: e,
                val: None,
                tb: None,
            },
        ),
        (None, Some(e)) => match vm.call_method(coro, "throw", &[e]) {
            Ok(v) => Ok(GenResult::Yield(v)),
            Err(e) if vm.err_is(&e, ExcKind::StopIteration) => {
                let v = vm.get_attr_raw(&e.0, "value").unwrap_or(Value::None);
                Ok(GenResult::Return(v))
            }
            Err(e) => Err(e),
        },
    }
}

fn step_impl(vm: &mut Vm, st: &State, tv: &Value, f: &Fut, exc: Option<Value>) -> PyResult<()> {
    let (fstate, must_cancel) = {
        let i = f.inner.borrow();
        (i.state, i.must_cancel)
    };
    if fstate != FState::Pending {
        let t = vm.repr(tv)?;
        let e = vm.repr(exc.as_ref().unwrap_or(&Value::None))?;
        return Err(future::error_of(
            vm,
            &st.invalid_state.clone(),
            &format!("_step(): already done: {t} {e}"),
        ));
    }
    let mut exc = exc;
    if must_cancel {
        if let Some(e) = &exc {
            if !vm.isinstance(e, &st.cancelled_error)? {
                exc = None;
            }
        }
        if exc.is_none() {
            exc = Some(future::make_cancelled_error(vm, f)?);
        }
        f.inner.borrow_mut().must_cancel = false;
    }
    let (old_waiter, coro) = {
        let mut i = f.inner.borrow_mut();
        (i.fut_waiter.take(), i.coro.clone().map(Value::Obj))
    };
    drop(old_waiter);
    let Some(coro) = coro else {
        return Err(vm.runtime_error("uninitialized Task object"));
    };
    let r = resume(vm, &coro, exc);
    drop(coro);
    let result = match r {
        Ok(GenResult::Return(v)) => {
            let (mc, msg) = {
                let mut i = f.inner.borrow_mut();
                let mc = i.must_cancel;
                i.must_cancel = false;
                (mc, i.rare_get(|r| &r.cancel_msg))
            };
            if mc {
                future::cancel(vm, tv, f, msg)?;
            } else {
                future::set_result(vm, tv, f, v)?;
            }
            return Ok(());
        }
        Err(e) => {
            let ev = e.value();
            if vm.isinstance(&ev, &st.cancelled_error)? {
                f.inner.borrow_mut().rare_mut().cancelled_exc = Some(ev);
                future::cancel(vm, tv, f, None)?;
                return Ok(());
            }
            future::set_exception(vm, tv, f, ev)?;
            if vm.err_is(&e, ExcKind::KeyboardInterrupt) || vm.err_is(&e, ExcKind::SystemExit) {
                return Err(e);
            }
            return Ok(());
        }
        Ok(GenResult::Yield(v)) => v,
    };
    if result.is(tv) {
        let t = vm.repr(tv)?;
        return error_soon(vm, st, tv, f, format!("Task cannot await on itself: {t}"));
    }
    if future::is_exact(st, &result) {
        let rf = fut_of(vm, &result)?;
        let (rloop, blocking) = {
            let i = rf.inner.borrow();
            (i.loop_.clone(), i.blocking)
        };
        let same = match (&rloop, f.loop_()) {
            (Some(a), Some(b)) => a.is(&b),
            _ => false,
        };
        if !same {
            return different_loop(vm, st, tv, f, &result);
        }
        if !blocking {
            return yield_instead(vm, st, tv, f, &result);
        }
        rf.inner.borrow_mut().blocking = false;
        let w = wakeup_method(vm, tv);
        let ctx = f.inner.borrow().context.clone().unwrap_or(Value::None);
        future::add_done_callback(vm, &result, rf, w, ctx)?;
        return waiting_on(vm, f, result);
    }
    if result.is_none() {
        return call_step_soon(vm, st, tv, f, None);
    }
    let o = vm.getattr_opt(&result, "_asyncio_future_blocking")?;
    if let Some(o) = o.filter(|o| !o.is_none()) {
        let blocking = vm.truthy(&o)?;
        let oloop = future_loop(vm, &result)?;
        let same = f.loop_().is_some_and(|l| l.is(&oloop));
        if !same {
            return different_loop(vm, st, tv, f, &result);
        }
        if !blocking {
            return yield_instead(vm, st, tv, f, &result);
        }
        let name = vm.intern("_asyncio_future_blocking");
        vm.setattr(&result, &name, Some(Value::Bool(false.into())))?;
        let w = wakeup_method(vm, tv);
        let add = vm.getattr_str(&result, "add_done_callback")?;
        let ctx = f.inner.borrow().context.clone().unwrap_or(Value::None);
        let kw = [vm.intern("context")];
        vm.call_args(
            &add,
            Args {
                args: &[w, ctx],
                kwnames: &kw,
            },
        )?;
        return waiting_on(vm, f, result);
    }
    let gen_t = Value::Obj(vm.types.generator.clone());
    let r = vm.repr(&result)?;
    let t = vm.repr(tv)?;
    if vm.isinstance(&result, &gen_t)? {
        return error_soon(
            vm,
            st,
            tv,
            f,
            format!("yield was used instead of yield from for generator in task {t} with {r}"),
        );
    }
    error_soon(vm, st, tv, f, format!("Task got bad yield: {r}"))
}

/// `task._fut_waiter = result`, then cancel it when a cancel is due.
fn waiting_on(vm: &mut Vm, f: &Fut, result: Value) -> PyResult<()> {
    let (mc, msg) = {
        let mut i = f.inner.borrow_mut();
        i.fut_waiter = result.as_obj().cloned();
        (i.must_cancel, i.rare_get(|r| &r.cancel_msg))
    };
    if mc {
        let r = vm.call_method(&result, "cancel", &[msg.unwrap_or(Value::None)])?;
        if vm.truthy(&r)? {
            f.inner.borrow_mut().must_cancel = false;
        }
    }
    Ok(())
}

fn different_loop(vm: &mut Vm, st: &State, tv: &Value, f: &Fut, r: &Value) -> PyResult<()> {
    let t = vm.repr(tv)?;
    let rr = vm.repr(r)?;
    error_soon(
        vm,
        st,
        tv,
        f,
        format!("Task {t} got Future {rr} attached to a different loop"),
    )
}

fn yield_instead(vm: &mut Vm, st: &State, tv: &Value, f: &Fut, r: &Value) -> PyResult<()> {
    let t = vm.repr(tv)?;
    let rr = vm.repr(r)?;
    error_soon(
        vm,
        st,
        tv,
        f,
        format!("yield was used instead of yield from in task {t} with {rr}"),
    )
}

/// `get_future_loop`: `fut.get_loop()`, else `fut._loop`.
fn future_loop(vm: &mut Vm, fut: &Value) -> PyResult<Value> {
    if let Some(f) = vm.native::<Fut>(fut) {
        if let Some(l) = f.loop_() {
            return Ok(l);
        }
    }
    match vm.getattr_opt(fut, "get_loop")? {
        Some(g) => vm.call(&g, &[]),
        None => vm.getattr_str(fut, "_loop"),
    }
}

/// The task's `task_wakeup` bound to it (a builtin method).
fn wakeup_method(vm: &mut Vm, tv: &Value) -> Value {
    let b = vm.new_obj(
        &vm.types.builtin_function,
        Payload::Builtin(Box::new(Builtin {
            name: "task_wakeup",
            guards: crate::vm::call::builtin_call_guards("task_wakeup"),
            func: task_wakeup,
            self_: Some(tv.clone()),
            owner: Some(vm.type_of(tv)),
        })),
    );
    Value::Obj(b)
}

/// `task_wakeup(fut)`: step with None, or with the future's exception.
fn task_wakeup(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::positional(vm, &args, 0, "task_wakeup", 2, 2)?;
    let tv = a[0].clone();
    let fv = a[1].clone();
    let st = state(vm)?;
    let r = if future::is_exact(&st, &fv) {
        let ff = fut_of(vm, &fv)?;
        future::result(vm, ff)
    } else {
        vm.call_method(&fv, "result", &[])
    };
    drop(st);
    match r {
        Ok(_) => step(vm, &tv, None)?,
        Err(e) => step(vm, &tv, Some(e.value()))?,
    }
    Ok(Value::None)
}

// ------------------------------------------------------------ methods

fn task_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, f) = task_of(vm, &args)?;
    let sig = Sig {
        fname: "Task",
        names: &["coro", "loop", "name", "context"],
        required: 1,
        maxpos: 1,
        style: KwStyle::Invalid,
    };
    let a = clinic::parse(vm, &args, 1, &sig)?;
    let mut a = a.into_iter().map(|v| v.unwrap_or(Value::None));
    let coro = a.next().unwrap_or(Value::None);
    let lp = a.next().unwrap_or(Value::None);
    let name = a.next().unwrap_or(Value::None);
    let context = a.next().unwrap_or(Value::None);
    future::future_init(vm, f, lp)?;
    let st = state(vm)?;
    if !super::is_coroutine(vm, &st, &coro)? {
        f.inner.borrow_mut().log_destroy_pending = false;
        let r = vm.repr(&coro)?;
        return Err(vm.type_error(format!("a coroutine was expected, got {r}")));
    }
    let context = if context.is_none() {
        crate::modules::contextvars::copy_current(vm)?
    } else {
        context
    };
    let (name, name_number) = if name.is_none() {
        let n = super::next_task_number();
        match u32::try_from(n) {
            Ok(small) if small != 0 => (Value::None, small),
            _ => (vm.new_string(format!("Task-{n}")), 0),
        }
    } else if matches!(&name, Value::Obj(o) if o.class_is(&vm.types.str)) {
        (name, 0)
    } else {
        let s = Value::Obj(vm.types.str.clone());
        (vm.call(&s, &[name])?, 0)
    };
    let old = {
        let mut i = f.inner.borrow_mut();
        let old = (
            i.context.replace(context),
            i.fut_waiter.take(),
            std::mem::replace(&mut i.coro, coro.as_obj().cloned()),
            std::mem::replace(&mut i.name, name.as_obj().cloned()),
        );
        i.name_number = name_number;
        i.must_cancel = false;
        i.log_destroy_pending = true;
        i.num_cancels_requested = 0;
        old
    };
    drop(old);
    call_step_soon(vm, &st, s, f, None)?;
    super::register_task(vm, &st, s)?;
    Ok(Value::None)
}

fn t_cancel(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, f) = task_of(vm, &args)?;
    let sig = Sig {
        fname: "cancel",
        names: &["msg"],
        required: 0,
        maxpos: 1,
        style: KwStyle::Invalid,
    };
    let a = clinic::parse(vm, &args, 1, &sig)?;
    let msg = a.into_iter().next().flatten().unwrap_or(Value::None);
    let waiter = {
        let mut i = f.inner.borrow_mut();
        i.log_tb = false;
        if i.state != FState::Pending {
            return Ok(Value::bool(false));
        }
        i.num_cancels_requested = i.num_cancels_requested.saturating_add(1);
        i.fut_waiter.clone().map(Value::Obj)
    };
    if let Some(w) = waiter {
        let r = vm.call_method(&w, "cancel", std::slice::from_ref(&msg))?;
        if vm.truthy(&r)? {
            return Ok(Value::bool(true));
        }
    }
    let old = {
        let mut i = f.inner.borrow_mut();
        i.must_cancel = true;
        i.rare_mut().cancel_msg.replace(msg)
    };
    drop(old);
    Ok(Value::bool(true))
}

fn t_cancelling(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, f) = task_of(vm, &args)?;
    future::noargs(vm, &args, f, "cancelling")?;
    let n = f.inner.borrow().num_cancels_requested;
    Ok(Value::Int(i64::from(n)))
}

fn t_uncancel(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, f) = task_of(vm, &args)?;
    future::noargs(vm, &args, f, "uncancel")?;
    let mut i = f.inner.borrow_mut();
    if i.num_cancels_requested > 0 {
        i.num_cancels_requested -= 1;
    }
    Ok(Value::Int(i64::from(i.num_cancels_requested)))
}

/// Keyword-only parameters: `f() takes no positional arguments`.
fn no_positional(vm: &Vm, args: &Args, fname: &str) -> PyResult<()> {
    if args.pos().len() > 1 {
        return Err(vm.type_error(format!("{fname}() takes no positional arguments")));
    }
    Ok(())
}

fn t_get_stack(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, _) = task_of(vm, &args)?;
    no_positional(vm, &args, "get_stack")?;
    let sig = Sig {
        fname: "get_stack",
        names: &["limit"],
        required: 0,
        maxpos: 0,
        style: KwStyle::Invalid,
    };
    let a = clinic::parse(vm, &args, 1, &sig)?;
    let limit = a.into_iter().next().flatten().unwrap_or(Value::None);
    let st = state(vm)?;
    vm.call(&st.get_stack, &[s.clone(), limit])
}

fn t_print_stack(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, _) = task_of(vm, &args)?;
    no_positional(vm, &args, "print_stack")?;
    let sig = Sig {
        fname: "print_stack",
        names: &["limit", "file"],
        required: 0,
        maxpos: 0,
        style: KwStyle::Invalid,
    };
    let a = clinic::parse(vm, &args, 1, &sig)?;
    let mut a = a.into_iter().map(|v| v.unwrap_or(Value::None));
    let limit = a.next().unwrap_or(Value::None);
    let file = a.next().unwrap_or(Value::None);
    let st = state(vm)?;
    vm.call(&st.print_stack, &[s.clone(), limit, file])
}

fn t_set_result(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, f) = task_of(vm, &args)?;
    future::one_arg(vm, &args, f, "set_result")?;
    Err(vm.runtime_error("Task does not support set_result operation"))
}

fn t_set_exception(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, f) = task_of(vm, &args)?;
    future::one_arg(vm, &args, f, "set_exception")?;
    Err(vm.runtime_error("Task does not support set_exception operation"))
}

fn t_get_coro(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, f) = task_of(vm, &args)?;
    future::noargs(vm, &args, f, "get_coro")?;
    let c = f.inner.borrow().coro.clone().map(Value::Obj);
    c.ok_or_else(|| vm.system_error("uninitialized Task object"))
}

fn t_get_name(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, f) = task_of(vm, &args)?;
    future::noargs(vm, &args, f, "get_name")?;
    let n = f.inner.borrow().name_number;
    if n != 0 {
        // The counter's name, made on first use (see `Inner::name_number`).
        let s = vm.new_string(format!("Task-{n}"));
        let old = {
            let mut i = f.inner.borrow_mut();
            i.name_number = 0;
            std::mem::replace(&mut i.name, s.as_obj().cloned())
        };
        drop(old);
    }
    Ok(f.inner
        .borrow()
        .name
        .clone()
        .map_or(Value::None, Value::Obj))
}

fn t_set_name(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, f) = task_of(vm, &args)?;
    let v = future::one_arg(vm, &args, f, "set_name")?;
    let v = if matches!(&v, Value::Obj(o) if o.class_is(&vm.types.str)) {
        v
    } else {
        let s = Value::Obj(vm.types.str.clone());
        vm.call(&s, &[v])?
    };
    let old = {
        let mut i = f.inner.borrow_mut();
        i.name_number = 0;
        std::mem::replace(&mut i.name, v.as_obj().cloned())
    };
    drop(old);
    Ok(Value::None)
}

/// `TaskObj_finalize`: "Task was destroyed but it is pending!", then the
/// Future's report.
pub fn finalize_task(vm: &mut Vm, s: &Value, f: &Fut) -> PyResult<()> {
    let (pending, src, lp) = {
        let i = f.inner.borrow();
        (
            i.state == FState::Pending && i.log_destroy_pending,
            i.rare_get(|r| &r.source_tb),
            i.loop_.clone(),
        )
    };
    if let (true, Some(lp)) = (pending, lp) {
        let msg = vm.new_str("Task was destroyed but it is pending!");
        let mut items = vec![("message", msg), ("task", s.clone())];
        if let Some(tb) = src {
            items.push(("source_traceback", tb));
        }
        future::report(vm, &lp, items)?;
    }
    future::finalize_future(vm, s, f)
}

// ------------------------------------------------------------ getsets

fn g_log_destroy_pending(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::bool(
        fut_of(vm, v)?.inner.borrow().log_destroy_pending,
    ))
}

fn s_log_destroy_pending(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let f = fut_of(vm, v)?;
    let Some(new) = new else {
        return Err(vm.attribute_error("cannot delete attribute"));
    };
    let b = vm.truthy(&new)?;
    f.inner.borrow_mut().log_destroy_pending = b;
    Ok(())
}

fn g_must_cancel(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::bool(fut_of(vm, v)?.inner.borrow().must_cancel))
}

fn g_coro(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(fut_of(vm, v)?
        .inner
        .borrow()
        .coro
        .clone()
        .map_or(Value::None, Value::Obj))
}

fn g_fut_waiter(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(fut_of(vm, v)?
        .inner
        .borrow()
        .fut_waiter
        .clone()
        .map_or(Value::None, Value::Obj))
}

// ------------------------------------------------------------ TaskStepMethWrapper

/// The callable a task schedules its next step with.
pub struct StepW {
    task: Value,
    arg: Option<Value>,
}

impl NativeData for StepW {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&self.task);
        if let Some(a) = &self.arg {
            visit(a);
        }
    }
}

fn stepw_call(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(w) = args.args.first().and_then(|v| vm.native::<StepW>(v)) else {
        return Err(vm.type_error("TaskStepMethWrapper expected"));
    };
    if args.has_kwargs() {
        return Err(vm.type_error("function takes no keyword arguments"));
    }
    if args.pos().len() > 1 {
        return Err(vm.type_error("function takes no positional arguments"));
    }
    let (t, a) = (w.task.clone(), w.arg.clone());
    step(vm, &t, a)?;
    Ok(Value::None)
}

fn stepw_self(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(vm
        .native::<StepW>(v)
        .map_or(Value::None, |w| w.task.clone()))
}

/// The Task and TaskStepMethWrapper types.
pub fn make_types(vm: &mut Vm, future_t: &PyRef) -> (PyRef, PyRef) {
    let t = vm.new_native_type(
        "_asyncio",
        "Task",
        future_t,
        Layout::Native("Future"),
        future::flags(),
    );
    future::add_common(vm, &t);
    vm.add_methods(
        &t,
        &[
            ("__init__", task_init),
            ("set_result", t_set_result),
            ("set_exception", t_set_exception),
            ("cancel", t_cancel),
            ("cancelling", t_cancelling),
            ("uncancel", t_uncancel),
            ("get_stack", t_get_stack),
            ("print_stack", t_print_stack),
            ("get_coro", t_get_coro),
            ("get_name", t_get_name),
            ("set_name", t_set_name),
        ],
    );
    vm.add_getsets(
        &t,
        &[
            (
                "_log_destroy_pending",
                g_log_destroy_pending,
                Some(s_log_destroy_pending),
            ),
            ("_must_cancel", g_must_cancel, None),
            ("_coro", g_coro, None),
            ("_fut_waiter", g_fut_waiter, None),
        ],
    );
    let object = vm.types.object.clone();
    let w = vm.new_native_type(
        "builtins",
        "TaskStepMethWrapper",
        &object,
        Layout::Native("TaskStepMethWrapper"),
        0,
    );
    vm.add_methods(&w, &[("__call__", stepw_call)]);
    vm.add_getsets(&w, &[("__self__", stepw_self, None)]);
    (t, w)
}
