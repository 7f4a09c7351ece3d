//! `_asyncio.Future` and `_asyncio.FutureIter` (CPython's FutureObj and
//! futureiterobject). A Task is a Future whose state has the task fields
//! set too (task.rs).

use std::cell::RefCell;

use super::{state, State};
use crate::modules::itertools::clinic::{self, KwStyle, Sig};
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{is_subtype, Layout, FLAG_BASETYPE, FLAG_HAS_DICT};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FState {
    Pending,
    Cancelled,
    Finished,
}

/// The (callback, context) pairs of a Future, in order. Most futures get
/// one (a Task's wake-up, `gather`'s child callback), which stays inline,
/// as CPython's `fut_callback0`: a `Vec`'s first allocation is four pairs,
/// a 128-byte block per future.
pub type Callbacks = smallvec::SmallVec<[(Value, Value); 1]>;

/// The fields of a Future (and of a Task, which has the rest set).
pub struct Inner {
    /// None: `__init__` has not run ("Future object is not initialized.").
    pub loop_: Option<Value>,
    pub callbacks: Callbacks,
    pub result: Option<Value>,
    /// The fields most futures never set (boxed when one is).
    pub rare: Option<Box<Rare>>,
    pub state: FState,
    pub log_tb: bool,
    pub blocking: bool,
    // Task
    pub must_cancel: bool,
    pub log_destroy_pending: bool,
    /// CPython's `task_num_cancels_requested` is a C `int`.
    pub num_cancels_requested: i32,
    /// (Objects: a future, a coroutine, a str. One word each, so a
    /// `Fut` fits a 160-byte block, tests/mem_layout.rs.)
    pub fut_waiter: Option<PyRef>,
    pub coro: Option<PyRef>,
    pub name: Option<PyRef>,
    /// A Task named by the counter whose name str is not made yet: its
    /// number (0: none). CPython 3.11 makes "Task-N" in `__init__`; the
    /// str is made on the first `get_name` instead (as CPython 3.12 does)
    /// and kept, so it is the same object from then on (a 64-byte block
    /// less for each of the many tasks nobody names or asks the name of).
    /// Four bytes beside `num_cancels_requested`, so `Fut` stays a
    /// 160-byte block; a number past `u32::MAX` is made into its str at
    /// once.
    pub name_number: u32,
    pub context: Option<Value>,
}

/// A Future's exception, tracebacks and cancellation details: set by few
/// futures, so out of line (tests/mem_layout.rs checks `Fut`'s size).
#[derive(Default)]
pub struct Rare {
    pub exception: Option<Value>,
    pub exception_tb: Option<Value>,
    pub source_tb: Option<Value>,
    pub cancel_msg: Option<Value>,
    pub cancelled_exc: Option<Value>,
}

impl Rare {
    fn fields_mut(&mut self) -> [&mut Option<Value>; 5] {
        [
            &mut self.exception,
            &mut self.exception_tb,
            &mut self.source_tb,
            &mut self.cancel_msg,
            &mut self.cancelled_exc,
        ]
    }
}

impl Inner {
    /// The rare fields, made on first write.
    pub fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }

    /// A rare field's value (`None` when unset).
    pub fn rare_get(&self, f: fn(&Rare) -> &Option<Value>) -> Option<Value> {
        self.rare.as_deref().and_then(|r| f(r).clone())
    }
}

/// The state of a Future or Task object.
pub struct Fut {
    pub inner: RefCell<Inner>,
    pub is_task: bool,
}

impl Fut {
    pub fn new(is_task: bool) -> Fut {
        Fut {
            inner: RefCell::new(Inner {
                loop_: None,
                callbacks: Callbacks::new(),
                result: None,
                rare: None,
                state: FState::Pending,
                log_tb: false,
                blocking: false,
                fut_waiter: None,
                coro: None,
                name: None,
                name_number: 0,
                context: None,
                must_cancel: false,
                log_destroy_pending: false,
                num_cancels_requested: 0,
            }),
            is_task,
        }
    }

    pub fn state(&self) -> FState {
        self.inner.borrow().state
    }

    pub fn loop_(&self) -> Option<Value> {
        self.inner.borrow().loop_.clone()
    }
}

fn opt_visit(v: &Option<Value>, visit: &mut dyn FnMut(&Value)) {
    if let Some(v) = v {
        visit(v);
    }
}

impl NativeData for Fut {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        if let Ok(i) = self.inner.try_borrow() {
            for v in [&i.loop_, &i.result, &i.context] {
                opt_visit(v, visit);
            }
            for r in [&i.fut_waiter, &i.coro, &i.name].into_iter().flatten() {
                crate::objects::gc_traverse::visit_ref(r, &mut &mut *visit);
            }
            for (f, c) in &i.callbacks {
                visit(f);
                visit(c);
            }
            if let Some(r) = &i.rare {
                for v in [
                    &r.exception,
                    &r.exception_tb,
                    &r.source_tb,
                    &r.cancel_msg,
                    &r.cancelled_exc,
                ] {
                    opt_visit(v, visit);
                }
            }
        }
    }

    fn clear(&self, out: &mut Vec<Value>) {
        if let Ok(mut g) = self.inner.try_borrow_mut() {
            let i = &mut *g;
            for v in [&mut i.loop_, &mut i.result, &mut i.context] {
                if let Some(x) = v.take() {
                    out.push(x);
                }
            }
            for r in [&mut i.fut_waiter, &mut i.coro, &mut i.name] {
                if let Some(x) = r.take() {
                    out.push(Value::Obj(x));
                }
            }
            for (f, c) in i.callbacks.drain(..) {
                out.push(f);
                out.push(c);
            }
            if let Some(mut r) = i.rare.take() {
                out.extend(r.fields_mut().into_iter().filter_map(Option::take));
            }
        }
    }

    fn needs_finalize(&self) -> bool {
        self.inner.try_borrow().map_or(true, |i| {
            i.log_tb || (self.is_task && i.state == FState::Pending && i.log_destroy_pending)
        })
    }
}

/// The Future state of `v`.
pub fn fut_of<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a Fut> {
    vm.native::<Fut>(v).ok_or_else(|| {
        vm.type_error(format!(
            "descriptor requires a '_asyncio.Future' object but received a '{}'",
            vm.type_name_of(v)
        ))
    })
}

/// `self` and its state for a method.
fn recv<'a>(vm: &Vm, args: &Args<'a>) -> PyResult<(&'a Value, &'a Fut)> {
    let s = args
        .args
        .first()
        .ok_or_else(|| vm.type_error("method needs an argument"))?;
    Ok((s, fut_of(vm, s)?))
}

/// The class a method of `f` is found on (for argument errors).
pub fn owner(f: &Fut) -> &'static str {
    if f.is_task {
        "Task"
    } else {
        "Future"
    }
}

/// A METH_NOARGS method's check: `Future.done() takes no arguments (1 given)`.
pub fn noargs(vm: &Vm, args: &Args, f: &Fut, name: &str) -> PyResult<()> {
    if args.has_kwargs() {
        return Err(vm.type_error(format!("{}.{name}() takes no keyword arguments", owner(f))));
    }
    let n = args.args.len().saturating_sub(1);
    if n != 0 {
        return Err(vm.type_error(format!(
            "{}.{name}() takes no arguments ({n} given)",
            owner(f)
        )));
    }
    Ok(())
}

/// A METH_O method's argument: `Future.set_result() takes exactly one
/// argument (2 given)`.
pub fn one_arg(vm: &Vm, args: &Args, f: &Fut, name: &str) -> PyResult<Value> {
    if args.has_kwargs() {
        return Err(vm.type_error(format!("{}.{name}() takes no keyword arguments", owner(f))));
    }
    match args.args.get(1..) {
        Some([v]) => Ok(v.clone()),
        other => Err(vm.type_error(format!(
            "{}.{name}() takes exactly one argument ({} given)",
            owner(f),
            other.map_or(0, |o| o.len())
        ))),
    }
}

/// Whether `v` is exactly a `_asyncio.Future` or `_asyncio.Task`.
pub fn is_exact(st: &State, v: &Value) -> bool {
    matches!(v, Value::Obj(o) if o.class_is(&st.future_t) || o.class_is(&st.task_t))
}

pub fn not_initialized(vm: &Vm) -> PyErr {
    vm.runtime_error("Future object is not initialized.")
}

pub fn alive_loop(vm: &Vm, f: &Fut) -> PyResult<Value> {
    f.loop_().ok_or_else(|| not_initialized(vm))
}

pub fn error_of(vm: &mut Vm, cls: &Value, msg: &str) -> PyErr {
    let m = vm.new_str(msg);
    match vm.call(cls, &[m]) {
        Ok(Value::Obj(o)) => PyErr(o),
        Ok(_) => vm.system_error("exception class made a non-object"),
        Err(e) => e,
    }
}

pub fn invalid_state(vm: &mut Vm, msg: &str) -> PyErr {
    match state(vm) {
        Ok(st) => error_of(vm, &st.invalid_state, msg),
        Err(e) => e,
    }
}

/// `loop.call_soon(func[, arg], context=ctx)`.
pub fn call_soon(
    vm: &mut Vm,
    lp: &Value,
    func: Value,
    arg: Option<Value>,
    ctx: Option<Value>,
) -> PyResult<()> {
    match ctx {
        None => {
            let mut a = vec![func];
            a.extend(arg);
            vm.call_method(lp, "call_soon", &a)?;
        }
        Some(ctx) => {
            let cs = vm.getattr_str(lp, "call_soon")?;
            let mut a = vec![func];
            a.extend(arg);
            a.push(ctx);
            let kw = [vm.intern("context")];
            vm.call_args(
                &cs,
                Args {
                    args: &a,
                    kwnames: &kw,
                },
            )?;
        }
    }
    Ok(())
}

/// `future_schedule_callbacks`: each callback with the future, through
/// `call_soon` (all are dropped on an error, as in C).
pub fn schedule_callbacks(vm: &mut Vm, fv: &Value, f: &Fut) -> PyResult<()> {
    let (cbs, lp) = {
        let mut i = f.inner.borrow_mut();
        (std::mem::take(&mut i.callbacks), i.loop_.clone())
    };
    let Some(lp) = lp else {
        return Ok(());
    };
    for (cb, ctx) in cbs {
        call_soon(vm, &lp, cb, Some(fv.clone()), Some(ctx))?;
    }
    Ok(())
}

/// `future_init`.
pub fn future_init(vm: &mut Vm, f: &Fut, lp: Value) -> PyResult<()> {
    let old = {
        let mut g = f.inner.borrow_mut();
        let i = &mut *g;
        let mut old = Vec::new();
        for v in [&mut i.loop_, &mut i.result] {
            old.extend(v.take());
        }
        if let Some(mut r) = i.rare.take() {
            old.extend(r.fields_mut().into_iter().filter_map(Option::take));
        }
        old.extend(i.callbacks.drain(..).flat_map(|(a, b)| [a, b]));
        i.state = FState::Pending;
        i.log_tb = false;
        i.blocking = false;
        old
    };
    drop(old);
    let lp = if lp.is_none() {
        super::get_event_loop(vm)?
    } else {
        lp
    };
    f.inner.borrow_mut().loop_ = Some(lp.clone());
    let dbg = vm.call_method(&lp, "get_debug", &[])?;
    if vm.truthy(&dbg)? {
        let st = state(vm)?;
        let tb = vm.call(&st.extract_stack, &[])?;
        f.inner.borrow_mut().rare_mut().source_tb = Some(tb);
    }
    Ok(())
}

/// `future_set_result`.
pub fn set_result(vm: &mut Vm, fv: &Value, f: &Fut, res: Value) -> PyResult<()> {
    alive_loop(vm, f)?;
    {
        let mut i = f.inner.borrow_mut();
        if i.state != FState::Pending {
            drop(i);
            return Err(invalid_state(vm, "invalid state"));
        }
        i.result = Some(res);
        i.state = FState::Finished;
    }
    schedule_callbacks(vm, fv, f)
}

fn is_exc_class(vm: &Vm, v: &Value) -> bool {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Type(_)) => {
            is_subtype(o, &vm.exc_type(ExcKind::BaseException))
        }
        _ => false,
    }
}

pub fn is_exc_instance(vm: &Vm, v: &Value) -> bool {
    let t = vm.type_of(v);
    is_subtype(&t, &vm.exc_type(ExcKind::BaseException))
}

/// `future_set_exception`.
pub fn set_exception(vm: &mut Vm, fv: &Value, f: &Fut, exc: Value) -> PyResult<()> {
    if f.state() != FState::Pending {
        return Err(invalid_state(vm, "invalid state"));
    }
    let exc = if is_exc_class(vm, &exc) {
        let e = vm.call(&exc, &[])?;
        if f.state() != FState::Pending {
            return Err(invalid_state(vm, "invalid state"));
        }
        e
    } else {
        exc
    };
    if !is_exc_instance(vm, &exc) {
        return Err(vm.type_error("invalid exception object"));
    }
    let stop = vm.exc_type(ExcKind::StopIteration);
    if matches!(&exc, Value::Obj(o) if o.class_is(&stop)) {
        return Err(vm.type_error(
            "StopIteration interacts badly with generators and cannot be raised into a Future",
        ));
    }
    let tb = vm.getattr_str(&exc, "__traceback__")?;
    {
        let mut i = f.inner.borrow_mut();
        let r = i.rare_mut();
        r.exception = Some(exc);
        r.exception_tb = (!tb.is_none()).then_some(tb);
        i.state = FState::Finished;
    }
    schedule_callbacks(vm, fv, f)?;
    f.inner.borrow_mut().log_tb = true;
    Ok(())
}

/// `create_cancelled_error`.
pub fn make_cancelled_error(vm: &mut Vm, f: &Fut) -> PyResult<Value> {
    let (saved, msg) = {
        let mut i = f.inner.borrow_mut();
        let r = i.rare_mut();
        (r.cancelled_exc.take(), r.cancel_msg.clone())
    };
    if let Some(e) = saved {
        return Ok(e);
    }
    let st = state(vm)?;
    match msg {
        None | Some(Value::None) => vm.call(&st.cancelled_error, &[]),
        Some(m) => vm.call(&st.cancelled_error, &[m]),
    }
}

fn cancelled_err(vm: &mut Vm, f: &Fut) -> PyErr {
    match make_cancelled_error(vm, f) {
        Ok(Value::Obj(o)) => PyErr(o),
        Ok(_) => vm.system_error("CancelledError made a non-object"),
        Err(e) => e,
    }
}

/// `future_cancel`.
pub fn cancel(vm: &mut Vm, fv: &Value, f: &Fut, msg: Option<Value>) -> PyResult<bool> {
    {
        let mut i = f.inner.borrow_mut();
        i.log_tb = false;
        if i.state != FState::Pending {
            return Ok(false);
        }
        i.state = FState::Cancelled;
        let old = if msg.is_none() && i.rare.is_none() {
            None
        } else {
            std::mem::replace(&mut i.rare_mut().cancel_msg, msg)
        };
        drop(i);
        drop(old);
    }
    schedule_callbacks(vm, fv, f)?;
    Ok(true)
}

/// `Future.result()`: the result, or the exception raised (with the
/// traceback it was set with).
pub fn result(vm: &mut Vm, f: &Fut) -> PyResult<Value> {
    if f.loop_().is_none() {
        return Err(invalid_state(vm, "Future object is not initialized."));
    }
    let st = f.state();
    if st == FState::Cancelled {
        return Err(cancelled_err(vm, f));
    }
    if st != FState::Finished {
        return Err(invalid_state(vm, "Result is not set."));
    }
    let (exc, tb) = {
        let mut g = f.inner.borrow_mut();
        let i = &mut *g;
        i.log_tb = false;
        match i.rare.as_deref_mut() {
            Some(Rare {
                exception: Some(e),
                exception_tb,
                ..
            }) => (Some(e.clone()), exception_tb.take()),
            _ => return Ok(i.result.clone().unwrap_or(Value::None)),
        }
    };
    match exc {
        Some(Value::Obj(e)) => {
            let name = vm.intern("__traceback__");
            vm.setattr(
                &Value::Obj(e.clone()),
                &name,
                Some(tb.unwrap_or(Value::None)),
            )?;
            Err(PyErr(e))
        }
        _ => Err(vm.system_error("future exception is not an object")),
    }
}

/// `Future.add_done_callback` on the state (`future_add_done_callback`).
pub fn add_done_callback(vm: &mut Vm, fv: &Value, f: &Fut, cb: Value, ctx: Value) -> PyResult<()> {
    let Some(lp) = f.loop_() else {
        return Err(vm.runtime_error("uninitialized Future object"));
    };
    if f.state() != FState::Pending {
        call_soon(vm, &lp, cb, Some(fv.clone()), Some(ctx))
    } else {
        f.inner.borrow_mut().callbacks.push((cb, ctx));
        Ok(())
    }
}

// ------------------------------------------------------------ methods

fn future_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = clinic::cls_arg(vm, &args, "Future")?;
    let st = state(vm)?;
    let is_task = is_subtype(&cls, &st.task_t);
    Ok(Value::Obj(vm.new_native(&cls, Fut::new(is_task))))
}

fn future_init_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, f) = recv(vm, &args)?;
    let sig = Sig {
        fname: "Future",
        names: &["loop"],
        required: 0,
        maxpos: 0,
        style: KwStyle::Invalid,
    };
    if args.pos().len() > 1 {
        return Err(vm.type_error("Future() takes no positional arguments"));
    }
    let a = clinic::parse(vm, &args, 1, &sig)?;
    let lp = a.into_iter().next().flatten().unwrap_or(Value::None);
    future_init(vm, f, lp)?;
    Ok(Value::None)
}

fn m_result(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, f) = recv(vm, &args)?;
    noargs(vm, &args, f, "result")?;
    result(vm, f)
}

fn m_exception(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, f) = recv(vm, &args)?;
    noargs(vm, &args, f, "exception")?;
    if f.loop_().is_none() {
        return Err(invalid_state(vm, "Future object is not initialized."));
    }
    match f.state() {
        FState::Cancelled => Err(cancelled_err(vm, f)),
        FState::Pending => Err(invalid_state(vm, "Exception is not set.")),
        FState::Finished => {
            let mut i = f.inner.borrow_mut();
            match i.rare_get(|r| &r.exception) {
                Some(e) => {
                    let e = e.clone();
                    i.log_tb = false;
                    Ok(e)
                }
                None => Ok(Value::None),
            }
        }
    }
}

fn m_set_result(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, f) = recv(vm, &args)?;
    let a = one_arg(vm, &args, f, "set_result")?;
    set_result(vm, s, f, a)?;
    Ok(Value::None)
}

fn m_set_exception(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, f) = recv(vm, &args)?;
    let a = one_arg(vm, &args, f, "set_exception")?;
    alive_loop(vm, f)?;
    set_exception(vm, s, f, a)?;
    Ok(Value::None)
}

fn m_add_done_callback(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, f) = recv(vm, &args)?;
    let npos = args.pos().len().saturating_sub(1);
    if npos != 1 {
        return Err(vm.type_error(format!(
            "add_done_callback() takes exactly 1 positional argument ({npos} given)"
        )));
    }
    let sig = Sig {
        fname: "add_done_callback",
        names: &["fn", "context"],
        required: 1,
        maxpos: 1,
        style: KwStyle::Invalid,
    };
    let a = clinic::parse(vm, &args, 1, &sig)?;
    let mut a = a.into_iter();
    let cb = a.next().flatten().unwrap_or(Value::None);
    let ctx = match a.next().flatten() {
        Some(c) => c,
        None => crate::modules::contextvars::copy_current(vm)?,
    };
    add_done_callback(vm, s, f, cb, ctx)?;
    Ok(Value::None)
}

fn m_remove_done_callback(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, f) = recv(vm, &args)?;
    let a = [one_arg(vm, &args, f, "remove_done_callback")?];
    alive_loop(vm, f)?;
    let cbs = f.inner.borrow().callbacks.clone();
    let mut keep = Callbacks::with_capacity(cbs.len());
    let mut removed = 0i64;
    for (cb, ctx) in cbs {
        if vm.eq(&cb, &a[0])? {
            removed += 1;
        } else {
            keep.push((cb, ctx));
        }
    }
    if removed > 0 {
        let old = std::mem::replace(&mut f.inner.borrow_mut().callbacks, keep);
        drop(old);
    }
    Ok(Value::Int(removed))
}

fn msg_arg(vm: &Vm, args: &Args, fname: &str) -> PyResult<Option<Value>> {
    let sig = Sig {
        fname,
        names: &["msg"],
        required: 0,
        maxpos: 1,
        style: KwStyle::Invalid,
    };
    let a = clinic::parse(vm, args, 1, &sig)?;
    Ok(Some(a.into_iter().next().flatten().unwrap_or(Value::None)))
}

fn m_cancel(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, f) = recv(vm, &args)?;
    let msg = msg_arg(vm, &args, "cancel")?;
    alive_loop(vm, f)?;
    Ok(Value::bool(cancel(vm, s, f, msg)?))
}

fn m_cancelled(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, f) = recv(vm, &args)?;
    noargs(vm, &args, f, "cancelled")?;
    let i = f.inner.borrow();
    Ok(Value::bool(
        i.loop_.is_some() && i.state == FState::Cancelled,
    ))
}

fn m_done(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, f) = recv(vm, &args)?;
    noargs(vm, &args, f, "done")?;
    let i = f.inner.borrow();
    Ok(Value::bool(i.loop_.is_some() && i.state != FState::Pending))
}

fn m_get_loop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, f) = recv(vm, &args)?;
    noargs(vm, &args, f, "get_loop")?;
    alive_loop(vm, f)
}

fn m_make_cancelled_error(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, f) = recv(vm, &args)?;
    noargs(vm, &args, f, "_make_cancelled_error")?;
    make_cancelled_error(vm, f)
}

fn m_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, f) = recv(vm, &args)?;
    alive_loop(vm, f)?;
    let st = state(vm)?;
    let func = if f.is_task {
        st.task_repr.clone()
    } else {
        st.future_repr.clone()
    };
    vm.call(&func, std::slice::from_ref(s))
}

/// `FutureObj_finalize`: "exception was never retrieved" through the
/// loop's exception handler.
pub fn finalize_future(vm: &mut Vm, s: &Value, f: &Fut) -> PyResult<()> {
    let (exc, src, lp) = {
        let mut i = f.inner.borrow_mut();
        if !i.log_tb {
            return Ok(());
        }
        i.log_tb = false;
        (
            i.rare_get(|r| &r.exception),
            i.rare_get(|r| &r.source_tb),
            i.loop_.clone(),
        )
    };
    let (Some(exc), Some(lp)) = (exc, lp) else {
        return Ok(());
    };
    let tn = crate::modules::itertools::short_type_name(vm, s);
    let msg = vm.new_string(format!("{tn} exception was never retrieved"));
    let mut items = vec![("message", msg), ("exception", exc), ("future", s.clone())];
    if let Some(tb) = src {
        items.push(("source_traceback", tb));
    }
    report(vm, &lp, items)
}

/// `loop.call_exception_handler(context)`, an error in it unraisable.
pub fn report(vm: &mut Vm, lp: &Value, items: Vec<(&str, Value)>) -> PyResult<()> {
    let d = vm.new_dict();
    for (k, v) in items {
        let k = vm.new_str(k);
        vm.dict_set(&d, k, v)?;
    }
    let func = match vm.getattr_str(lp, "call_exception_handler") {
        Ok(f) => f,
        Err(_) => return Ok(()),
    };
    if let Err(e) = vm.call(&func, &[Value::Obj(d)]) {
        vm.write_unraisable(&e, &func);
    }
    Ok(())
}

fn m_del(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, f) = recv(vm, &args)?;
    if f.is_task {
        super::task::finalize_task(vm, s, f)?;
    } else {
        finalize_future(vm, s, f)?;
    }
    Ok(Value::None)
}

fn m_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, f) = recv(vm, &args)?;
    alive_loop(vm, f)?;
    let st = state(vm)?;
    Ok(Value::Obj(vm.new_native(
        &st.iter_t,
        FutIter {
            fut: RefCell::new(Some(s.clone())),
        },
    )))
}

fn class_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::positional(vm, &args, 1, "__class_getitem__", 1, 1)?;
    Ok(vm.new_generic_alias(clinic::self_arg(&args), a[0].clone()))
}

// ------------------------------------------------------------ getsets

fn g_state(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = fut_of(vm, v)?;
    alive_loop(vm, f)?;
    Ok(vm.new_str(match f.state() {
        FState::Pending => "PENDING",
        FState::Cancelled => "CANCELLED",
        FState::Finished => "FINISHED",
    }))
}

fn g_blocking(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = fut_of(vm, v)?;
    let i = f.inner.borrow();
    Ok(Value::bool(i.loop_.is_some() && i.blocking))
}

fn s_blocking(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let f = fut_of(vm, v)?;
    alive_loop(vm, f)?;
    let Some(new) = new else {
        return Err(vm.attribute_error("cannot delete attribute"));
    };
    let b = vm.truthy(&new)?;
    f.inner.borrow_mut().blocking = b;
    Ok(())
}

fn g_loop(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(fut_of(vm, v)?.loop_().unwrap_or(Value::None))
}

fn g_callbacks(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = fut_of(vm, v)?;
    alive_loop(vm, f)?;
    let cbs = f.inner.borrow().callbacks.clone();
    if cbs.is_empty() {
        return Ok(Value::None);
    }
    let items = cbs
        .into_iter()
        .map(|(a, b)| vm.new_tuple_of([a, b]))
        .collect();
    Ok(vm.new_list(items))
}

fn g_result(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = fut_of(vm, v)?;
    alive_loop(vm, f)?;
    Ok(f.inner.borrow().result.clone().unwrap_or(Value::None))
}

fn g_exception(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = fut_of(vm, v)?;
    alive_loop(vm, f)?;
    Ok(f.inner
        .borrow()
        .rare_get(|r| &r.exception)
        .unwrap_or(Value::None))
}

fn g_log_traceback(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = fut_of(vm, v)?;
    alive_loop(vm, f)?;
    Ok(Value::bool(f.inner.borrow().log_tb))
}

fn s_log_traceback(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let f = fut_of(vm, v)?;
    let Some(new) = new else {
        return Err(vm.attribute_error("cannot delete attribute"));
    };
    if vm.truthy(&new)? {
        return Err(vm.value_error("_log_traceback can only be set to False"));
    }
    f.inner.borrow_mut().log_tb = false;
    Ok(())
}

fn g_source_traceback(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = fut_of(vm, v)?;
    let i = f.inner.borrow();
    Ok(match (&i.loop_, i.rare_get(|r| &r.source_tb)) {
        (Some(_), Some(tb)) => tb,
        _ => Value::None,
    })
}

fn g_cancel_message(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = fut_of(vm, v)?;
    Ok(f.inner
        .borrow()
        .rare_get(|r| &r.cancel_msg)
        .unwrap_or(Value::None))
}

fn s_cancel_message(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let f = fut_of(vm, v)?;
    let Some(new) = new else {
        return Err(vm.attribute_error("cannot delete attribute"));
    };
    let old = f.inner.borrow_mut().rare_mut().cancel_msg.replace(new);
    drop(old);
    Ok(())
}

/// The methods, getsets and slots Future and Task share.
pub fn add_common(vm: &mut Vm, t: &PyRef) {
    vm.add_methods(
        t,
        &[
            ("result", m_result),
            ("exception", m_exception),
            ("add_done_callback", m_add_done_callback),
            ("remove_done_callback", m_remove_done_callback),
            ("cancelled", m_cancelled),
            ("done", m_done),
            ("get_loop", m_get_loop),
            ("_make_cancelled_error", m_make_cancelled_error),
            ("__repr__", m_repr),
            ("__del__", m_del),
            ("__iter__", m_iter),
            ("__await__", m_iter),
        ],
    );
    vm.add_classmethods(t, &[("__class_getitem__", class_getitem)]);
    vm.add_getsets(
        t,
        &[
            ("_state", g_state, None),
            ("_asyncio_future_blocking", g_blocking, Some(s_blocking)),
            ("_loop", g_loop, None),
            ("_callbacks", g_callbacks, None),
            ("_result", g_result, None),
            ("_exception", g_exception, None),
            ("_log_traceback", g_log_traceback, Some(s_log_traceback)),
            ("_source_traceback", g_source_traceback, None),
            ("_cancel_message", g_cancel_message, Some(s_cancel_message)),
        ],
    );
}

pub fn flags() -> u32 {
    FLAG_BASETYPE | FLAG_HAS_DICT | crate::objects::typeobj::FLAG_HAS_DEL
}

/// The Future and FutureIter types.
pub fn make_types(vm: &mut Vm) -> (PyRef, PyRef) {
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "_asyncio",
        "Future",
        &object,
        Layout::Native("Future"),
        flags(),
    );
    vm.add_staticmethods(&t, &[("__new__", future_new)]);
    vm.add_methods(
        &t,
        &[
            ("__init__", future_init_m),
            ("set_result", m_set_result),
            ("set_exception", m_set_exception),
            ("cancel", m_cancel),
        ],
    );
    add_common(vm, &t);
    let it = vm.new_native_type(
        "_asyncio",
        "FutureIter",
        &object,
        Layout::Native("FutureIter"),
        0,
    );
    vm.add_methods(
        &it,
        &[
            ("__iter__", fi_iter),
            ("__next__", fi_next),
            ("send", fi_send),
            ("throw", fi_throw),
            ("close", fi_close),
        ],
    );
    (t, it)
}

// ------------------------------------------------------------ FutureIter

/// A Future's `__await__` iterator.
pub struct FutIter {
    pub fut: RefCell<Option<Value>>,
}

impl NativeData for FutIter {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        if let Ok(f) = self.fut.try_borrow() {
            opt_visit(&f, visit);
        }
    }

    fn clear(&self, out: &mut Vec<Value>) {
        if let Ok(mut f) = self.fut.try_borrow_mut() {
            out.extend(f.take());
        }
    }
}

fn fi_of<'a>(vm: &Vm, args: &Args<'a>) -> PyResult<&'a FutIter> {
    args.args
        .first()
        .and_then(|v| vm.native::<FutIter>(v))
        .ok_or_else(|| vm.type_error("descriptor requires a '_asyncio.FutureIter' object"))
}

/// One step of a FutureIter: Ok(Some(yielded)) or Ok(None) with the
/// result in `out` (`FutureIter_am_send`).
pub fn fi_step(vm: &mut Vm, it: &FutIter) -> PyResult<crate::vm::gen::GenResult> {
    use crate::vm::gen::GenResult;
    let Some(fv) = it.fut.borrow().clone() else {
        return Ok(GenResult::Return(Value::None));
    };
    let f = fut_of(vm, &fv)?;
    {
        let mut i = f.inner.borrow_mut();
        if i.state == FState::Pending {
            if !i.blocking {
                i.blocking = true;
                drop(i);
                return Ok(GenResult::Yield(fv));
            }
            drop(i);
            return Err(vm.runtime_error("await wasn't used with future"));
        }
    }
    let old = it.fut.borrow_mut().take();
    let r = result(vm, f);
    drop(old);
    r.map(GenResult::Return)
}

fn fi_iter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(clinic::self_arg(&args))
}

fn fi_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let it = fi_of(vm, &args)?;
    if it.fut.borrow().is_none() {
        return Err(vm.new_error_noargs(ExcKind::StopIteration));
    }
    match fi_step(vm, it)? {
        crate::vm::gen::GenResult::Yield(v) => Ok(v),
        crate::vm::gen::GenResult::Return(v) => Err(vm.stop_iteration(v)),
    }
}

fn fi_send(vm: &mut Vm, args: Args) -> PyResult<Value> {
    clinic::positional(vm, &args, 1, "send", 1, 1)?;
    fi_next(vm, args)
}

fn fi_throw(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let it = fi_of(vm, &args)?;
    let a = clinic::positional(vm, &args, 1, "throw", 1, 3)?;
    let typ = a[0].clone();
    let val = a.get(1).cloned().filter(|v| !v.is_none());
    let tb = a.get(2).cloned().filter(|v| !v.is_none());
    if let Some(tb) = &tb {
        let tbt = vm.type_name_of(tb);
        if tbt != "traceback" {
            return Err(vm.type_error("throw() third argument must be a traceback"));
        }
    }
    let exc = if let (true, Value::Obj(tcls)) = (is_exc_class(vm, &typ), &typ) {
        match val {
            Some(v) if is_subtype(&vm.type_of(&v), tcls) => v,
            Some(Value::Obj(t)) if matches!(t.payload, Payload::Tuple(_)) => {
                let items = match &t.payload {
                    Payload::Tuple(items) => items.to_vec(),
                    _ => Vec::new(),
                };
                vm.call(&typ, &items)?
            }
            Some(v) => vm.call(&typ, &[v])?,
            None => vm.call(&typ, &[])?,
        }
    } else if is_exc_instance(vm, &typ) {
        if val.is_some() {
            return Err(vm.type_error("instance exception may not have a separate value"));
        }
        typ
    } else {
        return Err(vm.type_error(
            "exceptions must be classes deriving BaseException or instances of such a class",
        ));
    };
    if let Some(tb) = tb {
        let name = vm.intern("__traceback__");
        vm.setattr(&exc, &name, Some(tb))?;
    }
    let old = it.fut.borrow_mut().take();
    drop(old);
    match exc {
        Value::Obj(o) => Err(PyErr(o)),
        _ => Err(vm.system_error("exception is not an object")),
    }
}

fn fi_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let it = fi_of(vm, &args)?;
    let old = it.fut.borrow_mut().take();
    drop(old);
    Ok(Value::None)
}
