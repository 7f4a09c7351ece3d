//! The Python face of generators, coroutines and async generators, and the
//! awaitables around them: `coroutine_wrapper` (`coro.__await__()`),
//! `async_generator_asend` (`__anext__`/`asend`), `async_generator_athrow`
//! (`athrow`/`aclose`) and `anext_awaitable` (`anext(it, default)`), as in
//! CPython 3.11's Objects/genobject.c and Objects/iterobject.c. The resume
//! engine is vm/gen.rs.

use crate::objects::rc::Rc;
use std::cell::RefCell;

use super::exception::ExcKind;
use super::function::Args;
use super::Payload;
use crate::vm::gen::{state, GenKind, GenResult, Thrown};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

/// `AWAITABLE_STATE_INIT/ITER/CLOSED`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AwaitState {
    Init,
    Iter,
    Closed,
}

/// The awaitable objects around a generator.
pub enum GenOp {
    /// `coro.__await__()`.
    CoroWrapper(PyRef),
    /// `agen.__anext__()` / `agen.asend(v)`.
    ASend {
        gen: PyRef,
        sendval: Value,
        state: AwaitState,
    },
    /// `agen.athrow(*args)` (checked when first sent) / `agen.aclose()`
    /// (None).
    AThrow {
        gen: PyRef,
        args: Option<Vec<Value>>,
        state: AwaitState,
    },
    /// `anext(aiterator, default)`.
    Anext { wrapped: Value, default: Value },
}

const ASYNC_GEN_IGNORED_EXIT_MSG: &str = "async generator ignored GeneratorExit";

/// A bare StopAsyncIteration (its `value` is None, as CPython's).
fn stop_async(vm: &mut Vm) -> PyErr {
    let e = vm.new_error_noargs(ExcKind::StopAsyncIteration);
    vm.set_attr_raw(&e.0, "value", Value::None);
    e
}

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

fn gen_of(vm: &Vm, v: &Value) -> PyResult<PyRef> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Generator(_)) => Ok(o.clone()),
        _ => Err(vm.type_error("descriptor requires a generator object")),
    }
}

fn genop_of(vm: &Vm, v: &Value) -> PyResult<PyRef> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::GenOp(_)) => Ok(o.clone()),
        _ => Err(vm.type_error("descriptor requires an awaitable object")),
    }
}

fn kind_of(gen: &PyRef) -> GenKind {
    state(gen)
        .and_then(|s| s.try_borrow().ok().map(|s| s.kind))
        .unwrap_or(GenKind::Generator)
}

/// A `gen_send_ex` result as a method's return: StopIteration(value), or
/// StopAsyncIteration for async generators.
fn gen_result(vm: &mut Vm, gen: &PyRef, r: GenResult) -> PyResult<Value> {
    match r {
        GenResult::Yield(v) => Ok(v),
        GenResult::Return(v) => {
            if kind_of(gen) == GenKind::AsyncGenerator {
                return Err(stop_async(vm));
            }
            Err(vm.stop_iteration(v))
        }
    }
}

/// A GenOp result as a method's return (Return is StopIteration(value)).
fn op_result(vm: &mut Vm, r: GenResult) -> PyResult<Value> {
    match r {
        GenResult::Yield(v) => Ok(v),
        GenResult::Return(v) => Err(vm.stop_iteration(v)),
    }
}

/// `throw(typ[, val[, tb]])` arguments after self.
fn thrown_args(vm: &Vm, name: &str, args: &Args) -> PyResult<Thrown> {
    let a = vm.check_args(name, Args::new(args.pos()), 1, 3)?;
    Ok(Thrown {
        typ: a.first().cloned().unwrap_or(Value::None),
        val: a.get(1).cloned(),
        tb: a.get(2).cloned(),
    })
}

// ------------------------------------------------------------ generators

fn gen_send_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    // The common call, `gen.send(v)` on a generator or coroutine, with no
    // reference taken on it (the arguments hold it for the call).
    if let ([Value::Obj(g), v], []) = (args.args, args.kwnames) {
        if matches!(g.payload, Payload::Generator(_)) {
            let r = vm.gen_send(g, v.clone())?;
            return gen_result(vm, g, r);
        }
    }
    let g = gen_of(vm, &arg(&args, 0))?;
    let a = method_args(vm, &g, "send", args, 1, 1)?;
    let v = a.first().cloned().unwrap_or(Value::None);
    let r = vm.gen_send(&g, v)?;
    gen_result(vm, &g, r)
}

/// `check_args` with CPython's wording for a generator's or coroutine's
/// method (`generator.send() takes no keyword arguments`).
fn method_args<'a>(
    vm: &Vm,
    g: &PyRef,
    name: &str,
    args: Args<'a>,
    min: usize,
    max: usize,
) -> PyResult<&'a [Value]> {
    if let Ok(a) = vm.check_args(name, args, min, max) {
        return Ok(a);
    }
    vm.check_args(&format!("{}.{name}", kind_of(g).noun()), args, min, max)
}

fn gen_next_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if let Some(Value::Obj(g)) = args.args.first() {
        if matches!(g.payload, Payload::Generator(_)) {
            return match vm.gen_send_ex(g, None, None, false)? {
                GenResult::Yield(v) => Ok(v),
                GenResult::Return(v) => Err(vm.stop_iteration(v)),
            };
        }
    }
    let g = gen_of(vm, &arg(&args, 0))?;
    match vm.gen_send_ex(&g, None, None, false)? {
        GenResult::Yield(v) => Ok(v),
        GenResult::Return(v) => Err(vm.stop_iteration(v)),
    }
}

fn gen_throw_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = gen_of(vm, &arg(&args, 0))?;
    if args.has_kwargs() {
        method_args(vm, &g, "throw", args, 1, 3)?;
    }
    let t = thrown_args(vm, "throw", &args)?;
    let r = vm.gen_throw(&g, t)?;
    gen_result(vm, &g, r)
}

fn gen_close_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = gen_of(vm, &arg(&args, 0))?;
    method_args(vm, &g, "close", args, 0, 0)?;
    vm.gen_close(&g)?;
    Ok(Value::None)
}

fn self_iter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(arg(&args, 0))
}

fn addr(o: &PyRef) -> String {
    format!("0x{:x}", Rc::as_ptr(o) as *const u8 as usize)
}

fn gen_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = gen_of(vm, &arg(&args, 0))?;
    let (kind, qual) = match state(&g).and_then(|s| s.try_borrow().ok()) {
        Some(s) => (s.kind, s.qualname()),
        None => (GenKind::Generator, Value::None),
    };
    let tn = match kind {
        GenKind::Generator => "generator",
        GenKind::Coroutine => "coroutine",
        GenKind::AsyncGenerator => "async_generator",
    };
    let q = vm.str(&qual)?;
    Ok(vm.new_string(format!("<{tn} object {q} at {}>", addr(&g))))
}

fn gen_name(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let g = gen_of(vm, v)?;
    Ok(state(&g).map(|s| s.borrow().name()).unwrap_or(Value::None))
}

fn set_gen_name(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    set_str_field(vm, v, new, "__name__")
}

fn gen_qualname(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let g = gen_of(vm, v)?;
    Ok(state(&g)
        .map(|s| s.borrow().qualname())
        .unwrap_or(Value::None))
}

fn set_gen_qualname(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    set_str_field(vm, v, new, "__qualname__")
}

fn set_str_field(vm: &mut Vm, v: &Value, new: Option<Value>, which: &str) -> PyResult<()> {
    let g = gen_of(vm, v)?;
    let is_str = |x: &Value| matches!(x, Value::Obj(o) if matches!(o.payload, Payload::Str(_)));
    let Some(new) = new.filter(is_str) else {
        return Err(vm.type_error(format!("{which} must be set to a string object")));
    };
    if let Some(st) = state(&g) {
        let mut s = st.borrow_mut();
        s.set_name(which != "__name__", new);
    }
    Ok(())
}

fn gen_running(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let g = gen_of(vm, v)?;
    Ok(Value::bool(state(&g).is_some_and(|s| s.borrow().running)))
}

fn gen_suspended(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let g = gen_of(vm, v)?;
    Ok(Value::bool(state(&g).is_some_and(|s| {
        let s = s.borrow();
        s.started && s.frame.is_some()
    })))
}

fn gen_code(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let g = gen_of(vm, v)?;
    let code = state(&g).map(|s| s.borrow().code.clone());
    match code {
        Some(c) => Ok(Value::Obj(vm.code_object(&c))),
        None => Ok(Value::None),
    }
}

fn gen_frame(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let g = gen_of(vm, v)?;
    Ok(super::frame::gen_frame_object(vm, &g)
        .map(Value::Obj)
        .unwrap_or(Value::None))
}

fn gen_yieldfrom(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let g = gen_of(vm, v)?;
    Ok(vm.gen_yield_from(&g).unwrap_or(Value::None))
}

fn none_getter(_vm: &mut Vm, _v: &Value) -> PyResult<Value> {
    Ok(Value::None)
}

// ------------------------------------------------------------ coroutines

fn coro_await(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = gen_of(vm, &arg(&args, 0))?;
    Ok(Value::Obj(vm.new_obj(
        &vm.types.coroutine_wrapper,
        Payload::GenOp(Box::new(RefCell::new(GenOp::CoroWrapper(g)))),
    )))
}

// ------------------------------------------------------------ async generators

fn new_asend(vm: &Vm, gen: &PyRef, sendval: Value) -> Value {
    Value::Obj(vm.new_obj(
        &vm.types.async_gen_asend,
        Payload::GenOp(Box::new(RefCell::new(GenOp::ASend {
            gen: gen.clone(),
            sendval,
            state: AwaitState::Init,
        }))),
    ))
}

fn new_athrow(vm: &Vm, gen: &PyRef, args: Option<Vec<Value>>) -> Value {
    Value::Obj(vm.new_obj(
        &vm.types.async_gen_athrow,
        Payload::GenOp(Box::new(RefCell::new(GenOp::AThrow {
            gen: gen.clone(),
            args,
            state: AwaitState::Init,
        }))),
    ))
}

/// `async_gen_init_hooks`: on first use, remember the `sys` finalizer hook
/// and call the firstiter hook with the generator.
fn agen_init_hooks(vm: &mut Vm, g: &PyRef) -> PyResult<()> {
    let Some(st) = state(g) else { return Ok(()) };
    let firstiter = {
        let Ok(mut s) = st.try_borrow_mut() else {
            return Ok(());
        };
        if s.hooks_inited {
            return Ok(());
        }
        s.hooks_inited = true;
        let (firstiter, finalizer) = crate::modules::sys_hooks::asyncgen_hooks();
        if let Value::Obj(f) = finalizer {
            s.rare_mut().finalizer = Some(f);
        }
        firstiter
    };
    if !firstiter.is_none() {
        vm.call(&firstiter, &[Value::Obj(g.clone())])?;
    }
    Ok(())
}

fn agen_anext(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = gen_of(vm, &arg(&args, 0))?;
    agen_anext_of(vm, &g)
}

/// `async_gen_anext` of the async generator `g` (GET_ANEXT calls it on an
/// exact async generator).
pub fn agen_anext_of(vm: &mut Vm, g: &PyRef) -> PyResult<Value> {
    agen_init_hooks(vm, g)?;
    Ok(new_asend(vm, g, Value::None))
}

fn agen_asend(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = gen_of(vm, &arg(&args, 0))?;
    let a = vm.check_args("asend", args, 1, 1)?;
    agen_init_hooks(vm, &g)?;
    Ok(new_asend(vm, &g, a.first().cloned().unwrap_or(Value::None)))
}

fn agen_athrow(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = gen_of(vm, &arg(&args, 0))?;
    if args.has_kwargs() {
        return Err(vm.type_error("athrow() takes no keyword arguments"));
    }
    agen_init_hooks(vm, &g)?;
    let rest = args.pos().get(1..).unwrap_or(&[]).to_vec();
    Ok(new_athrow(vm, &g, Some(rest)))
}

fn agen_aclose(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = gen_of(vm, &arg(&args, 0))?;
    vm.check_args("aclose", args, 0, 0)?;
    agen_init_hooks(vm, &g)?;
    Ok(new_athrow(vm, &g, None))
}

fn agen_running(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let g = gen_of(vm, v)?;
    Ok(Value::bool(
        state(&g).is_some_and(|s| s.borrow().running_async),
    ))
}

fn set_running_async(gen: &PyRef, on: bool) {
    if let Some(st) = state(gen) {
        if let Ok(mut s) = st.try_borrow_mut() {
            s.running_async = on;
        }
    }
}

/// `async_gen_unwrap_value`: a wrapped (async-yielded) value ends the
/// awaitable with StopIteration(value); a return ends the generator with
/// StopAsyncIteration; anything else passes through (an `await`).
fn unwrap_value(vm: &mut Vm, gen: &PyRef, r: PyResult<GenResult>) -> PyResult<GenResult> {
    let r = match r {
        Ok(GenResult::Return(_)) => Err(stop_async(vm)),
        other => other,
    };
    match r {
        Err(e) => {
            if vm.err_is(&e, ExcKind::StopAsyncIteration) || vm.err_is(&e, ExcKind::GeneratorExit) {
                if let Some(st) = state(gen) {
                    if let Ok(mut s) = st.try_borrow_mut() {
                        s.closed = true;
                    }
                }
            }
            set_running_async(gen, false);
            Err(e)
        }
        Ok(GenResult::Yield(v)) => match vm.unwrap_async_yield(&v) {
            Some(inner) => {
                set_running_async(gen, false);
                Ok(GenResult::Return(inner))
            }
            None => Ok(GenResult::Yield(v)),
        },
        Ok(r) => Ok(r),
    }
}

fn set_op_state(o: &PyRef, new: AwaitState) {
    if let Payload::GenOp(c) = &o.payload {
        if let Ok(mut op) = c.try_borrow_mut() {
            match &mut *op {
                GenOp::ASend { state, .. } | GenOp::AThrow { state, .. } => *state = new,
                _ => {}
            }
        }
    }
}

/// What a GenOp is, copied out so no borrow is held across calls.
enum OpView {
    Wrapper(PyRef),
    ASend(PyRef, Value, AwaitState),
    AThrow(PyRef, Option<Vec<Value>>, AwaitState),
    Anext(Value, Value),
}

fn view(vm: &Vm, o: &PyRef) -> PyResult<OpView> {
    let Payload::GenOp(c) = &o.payload else {
        return Err(vm.type_error("not an awaitable object"));
    };
    let Ok(op) = c.try_borrow() else {
        return Err(vm.runtime_error("awaitable object is in use"));
    };
    Ok(match &*op {
        GenOp::CoroWrapper(g) => OpView::Wrapper(g.clone()),
        GenOp::ASend {
            gen,
            sendval,
            state,
        } => OpView::ASend(gen.clone(), sendval.clone(), *state),
        GenOp::AThrow { gen, args, state } => OpView::AThrow(gen.clone(), args.clone(), *state),
        GenOp::Anext { wrapped, default } => OpView::Anext(wrapped.clone(), default.clone()),
    })
}

fn gen_finished(gen: &PyRef) -> bool {
    state(gen).is_some_and(|s| s.try_borrow().is_ok_and(|s| s.finished()))
}

/// `send(arg)` on an awaitable; `arg` None is `__next__`.
pub fn genop_send(vm: &mut Vm, o: &PyRef, arg: Option<Value>) -> PyResult<GenResult> {
    match view(vm, o)? {
        OpView::Wrapper(g) => vm.gen_send_ex(&g, arg, None, false),
        OpView::ASend(gen, sendval, st) => {
            if st == AwaitState::Closed {
                return Err(vm.runtime_error("cannot reuse already awaited __anext__()/asend()"));
            }
            let mut arg = arg.unwrap_or(Value::None);
            if st == AwaitState::Init {
                if state(&gen).is_some_and(|s| s.borrow().running_async) {
                    return Err(
                        vm.runtime_error("anext(): asynchronous generator is already running")
                    );
                }
                if arg.is_none() {
                    arg = sendval;
                }
                set_op_state(o, AwaitState::Iter);
            }
            set_running_async(&gen, true);
            let r = vm.gen_send_ex(&gen, Some(arg), None, false);
            let r = unwrap_value(vm, &gen, r);
            if !matches!(r, Ok(GenResult::Yield(_))) {
                set_op_state(o, AwaitState::Closed);
            }
            r
        }
        OpView::AThrow(gen, args, st) => athrow_send(vm, o, &gen, args, st, arg),
        OpView::Anext(wrapped, default) => anext_proxy(vm, &wrapped, &default, Proxy::Send(arg)),
    }
}

/// `async_gen_athrow_send`.
fn athrow_send(
    vm: &mut Vm,
    o: &PyRef,
    gen: &PyRef,
    args: Option<Vec<Value>>,
    st: AwaitState,
    arg: Option<Value>,
) -> PyResult<GenResult> {
    let arg = arg.unwrap_or(Value::None);
    if st == AwaitState::Closed {
        return Err(vm.runtime_error("cannot reuse already awaited aclose()/athrow()"));
    }
    if gen_finished(gen) {
        // `PyErr_SetNone(PyExc_StopIteration)`: a return of None to SEND
        // (`PyIter_Send`), StopIteration to a `send()` call.
        set_op_state(o, AwaitState::Closed);
        return Ok(GenResult::Return(Value::None));
    }
    let aclose = args.is_none();
    let r = if st == AwaitState::Init {
        let (running_async, closed) = state(gen)
            .map(|s| {
                let s = s.borrow();
                (s.running_async, s.closed)
            })
            .unwrap_or((false, false));
        if running_async {
            set_op_state(o, AwaitState::Closed);
            let which = if aclose { "aclose" } else { "athrow" };
            return Err(vm.runtime_error(format!(
                "{which}(): asynchronous generator is already running"
            )));
        }
        if closed {
            set_op_state(o, AwaitState::Closed);
            return Err(stop_async(vm));
        }
        if !arg.is_none() {
            return Err(vm.runtime_error("can't send non-None value to a just-started coroutine"));
        }
        set_op_state(o, AwaitState::Iter);
        set_running_async(gen, true);
        match args {
            None => {
                if let Some(s) = state(gen) {
                    s.borrow_mut().closed = true;
                }
                let exit = Value::Obj(vm.exc_type(ExcKind::GeneratorExit));
                let t = Thrown {
                    typ: exit,
                    val: None,
                    tb: None,
                };
                let r = vm.gen_throw_ex(gen, false, t);
                if let Ok(GenResult::Yield(v)) = &r {
                    if vm.unwrap_async_yield(v).is_some() {
                        return Err(yield_close(vm, o, gen));
                    }
                }
                r
            }
            Some(a) => {
                // `PyArg_UnpackTuple(args, "athrow", 1, 3)`, only now.
                let t = Thrown {
                    typ: a.first().cloned().unwrap_or(Value::None),
                    val: a.get(1).cloned(),
                    tb: a.get(2).cloned(),
                };
                if a.is_empty() || a.len() > 3 {
                    let (bound, n) = if a.is_empty() {
                        ("least", 1)
                    } else {
                        ("most", 3)
                    };
                    return Err(vm.type_error(format!(
                        "athrow expected at {bound} {n} argument{}, got {}",
                        if n == 1 { "" } else { "s" },
                        a.len()
                    )));
                }
                let r = vm.gen_throw_ex(gen, false, t);
                unwrap_value(vm, gen, r)
            }
        }
    } else {
        let r = vm.gen_send_ex(gen, Some(arg), None, false);
        if aclose {
            if let Ok(GenResult::Yield(v)) = &r {
                if vm.unwrap_async_yield(v).is_some() {
                    return Err(yield_close(vm, o, gen));
                }
            }
            r
        } else {
            unwrap_value(vm, gen, r)
        }
    };
    athrow_check(vm, o, gen, aclose, r)
}

/// `yield_close:` an aclose() whose generator yielded a value.
fn yield_close(vm: &mut Vm, o: &PyRef, gen: &PyRef) -> PyErr {
    set_running_async(gen, false);
    set_op_state(o, AwaitState::Closed);
    vm.runtime_error(ASYNC_GEN_IGNORED_EXIT_MSG)
}

/// `check_error:` the generator's send/throw returned NULL. A return of
/// the generator itself counts as StopAsyncIteration.
fn athrow_check(
    vm: &mut Vm,
    o: &PyRef,
    gen: &PyRef,
    aclose: bool,
    r: PyResult<GenResult>,
) -> PyResult<GenResult> {
    let e = match r {
        Ok(GenResult::Yield(v)) => return Ok(GenResult::Yield(v)),
        Ok(GenResult::Return(v)) if !aclose => {
            // unwrap_value turned a wrapped yield into a return.
            set_running_async(gen, false);
            set_op_state(o, AwaitState::Closed);
            return Ok(GenResult::Return(v));
        }
        Ok(GenResult::Return(_)) => stop_async(vm),
        Err(e) => e,
    };
    set_running_async(gen, false);
    set_op_state(o, AwaitState::Closed);
    if aclose
        && (vm.err_is(&e, ExcKind::StopAsyncIteration) || vm.err_is(&e, ExcKind::GeneratorExit))
    {
        return Ok(GenResult::Return(Value::None));
    }
    Err(e)
}

/// `throw(...)` on an awaitable.
pub fn genop_throw(vm: &mut Vm, o: &PyRef, t: Thrown) -> PyResult<GenResult> {
    match view(vm, o)? {
        OpView::Wrapper(g) => vm.gen_throw(&g, t),
        OpView::ASend(gen, _, st) => {
            if st == AwaitState::Closed {
                return Err(vm.runtime_error("cannot reuse already awaited __anext__()/asend()"));
            }
            let r = vm.gen_throw(&gen, t);
            let r = unwrap_value(vm, &gen, r);
            if !matches!(r, Ok(GenResult::Yield(_))) {
                set_op_state(o, AwaitState::Closed);
            }
            r
        }
        OpView::AThrow(gen, args, st) => {
            if st == AwaitState::Closed {
                return Err(vm.runtime_error("cannot reuse already awaited aclose()/athrow()"));
            }
            let r = vm.gen_throw(&gen, t);
            if args.is_some() {
                return unwrap_value(vm, &gen, r);
            }
            match r {
                Ok(GenResult::Yield(v)) if vm.unwrap_async_yield(&v).is_some() => {
                    Err(yield_close(vm, o, &gen))
                }
                Ok(GenResult::Yield(v)) => Ok(GenResult::Yield(v)),
                Ok(GenResult::Return(_)) => Ok(GenResult::Return(Value::None)),
                Err(e)
                    if vm.err_is(&e, ExcKind::StopAsyncIteration)
                        || vm.err_is(&e, ExcKind::GeneratorExit) =>
                {
                    Ok(GenResult::Return(Value::None))
                }
                Err(e) => Err(e),
            }
        }
        OpView::Anext(wrapped, default) => {
            anext_proxy(vm, &wrapped, &default, Proxy::Throw(t.call_args()))
        }
    }
}

/// `close()` on an awaitable.
pub fn genop_close(vm: &mut Vm, o: &PyRef) -> PyResult<()> {
    match view(vm, o)? {
        OpView::Wrapper(g) => vm.gen_close(&g),
        OpView::ASend(..) | OpView::AThrow(..) => {
            set_op_state(o, AwaitState::Closed);
            Ok(())
        }
        OpView::Anext(wrapped, default) => {
            anext_proxy(vm, &wrapped, &default, Proxy::Close).map(|_| ())
        }
    }
}

enum Proxy {
    Send(Option<Value>),
    Throw(Vec<Value>),
    Close,
}

/// `anextawaitable_proxy`: forward to the wrapped awaitable's iterator and
/// turn its StopAsyncIteration into StopIteration(default).
fn anext_proxy(vm: &mut Vm, wrapped: &Value, default: &Value, how: Proxy) -> PyResult<GenResult> {
    let mut aw = vm.get_awaitable(wrapped)?;
    if let Value::Obj(c) = &aw {
        if c.class_is(&vm.types.coroutine) {
            aw = Value::Obj(vm.new_obj(
                &vm.types.coroutine_wrapper,
                Payload::GenOp(Box::new(RefCell::new(GenOp::CoroWrapper(c.clone())))),
            ));
        }
    }
    let r = match how {
        Proxy::Send(None) => vm.iternext_value(&aw),
        Proxy::Send(Some(v)) => call_result(vm, &aw, "send", &[v]),
        Proxy::Throw(args) => call_result(vm, &aw, "throw", &args),
        Proxy::Close => call_result(vm, &aw, "close", &[]),
    };
    match r {
        Err(e) if vm.err_is(&e, ExcKind::StopAsyncIteration) => {
            Ok(GenResult::Return(default.clone()))
        }
        other => other,
    }
}

/// Call a method; StopIteration(value) becomes Return(value).
fn call_result(vm: &mut Vm, obj: &Value, name: &str, args: &[Value]) -> PyResult<GenResult> {
    match vm.call_method(obj, name, args) {
        Ok(v) => Ok(GenResult::Yield(v)),
        Err(e) if vm.err_is(&e, ExcKind::StopIteration) => {
            let v = vm.get_attr_raw(&e.0, "value").unwrap_or(Value::None);
            Ok(GenResult::Return(v))
        }
        Err(e) => Err(e),
    }
}

fn op_send_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = genop_of(vm, &arg(&args, 0))?;
    let a = vm.check_args("send", args, 1, 1)?;
    let r = genop_send(vm, &o, Some(a.first().cloned().unwrap_or(Value::None)))?;
    op_result(vm, r)
}

fn op_next_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = genop_of(vm, &arg(&args, 0))?;
    let r = genop_send(vm, &o, None)?;
    op_result(vm, r)
}

fn op_throw_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = genop_of(vm, &arg(&args, 0))?;
    let t = thrown_args(vm, "throw", &args)?;
    let r = genop_throw(vm, &o, t)?;
    op_result(vm, r)
}

fn op_close_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = genop_of(vm, &arg(&args, 0))?;
    vm.check_args("close", args, 0, 0)?;
    genop_close(vm, &o)?;
    Ok(Value::None)
}

// ------------------------------------------------------------ aiter / anext

/// `aiter(async_iterable)`.
pub fn builtin_aiter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("aiter", args, 1, 1)?;
    let obj = a.first().cloned().unwrap_or(Value::None);
    let ty = vm.type_of(&obj);
    let Some(m) = vm.type_lookup_static(&ty, "__aiter__") else {
        return Err(vm.type_error(format!(
            "'{}' object is not an async iterable",
            vm.type_name(&ty)
        )));
    };
    let f = vm.descr_get(m, Some(&obj), &ty)?;
    let it = vm.call(&f, &[])?;
    let it_ty = vm.type_of(&it);
    if vm.type_lookup_static(&it_ty, "__anext__").is_none() {
        return Err(vm.type_error(format!(
            "aiter() returned not an async iterator of type '{}'",
            vm.type_name(&it_ty)
        )));
    }
    Ok(it)
}

/// `anext(aiterator[, default])`.
pub fn builtin_anext(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("anext", args, 1, 2)?;
    let it = a.first().cloned().unwrap_or(Value::None);
    let ty = vm.type_of(&it);
    let Some(m) = vm.type_lookup_static(&ty, "__anext__") else {
        return Err(vm.type_error(format!(
            "'{}' object is not an async iterator",
            vm.type_name(&ty)
        )));
    };
    let f = vm.descr_get(m, Some(&it), &ty)?;
    let awaitable = vm.call(&f, &[])?;
    let Some(default) = a.get(1).cloned() else {
        return Ok(awaitable);
    };
    Ok(Value::Obj(vm.new_obj(
        &vm.types.anext_awaitable,
        Payload::GenOp(Box::new(RefCell::new(GenOp::Anext {
            wrapped: awaitable,
            default,
        }))),
    )))
}

pub fn install(vm: &mut Vm) {
    let g = vm.types.generator.clone();
    let c = vm.types.coroutine.clone();
    let ag = vm.types.async_generator.clone();
    for t in [&g, &c, &ag] {
        vm.add_methods(t, &[("__repr__", gen_repr)]);
        vm.add_getsets(
            t,
            &[
                ("__name__", gen_name, Some(set_gen_name)),
                ("__qualname__", gen_qualname, Some(set_gen_qualname)),
            ],
        );
    }
    for t in [&g, &c] {
        vm.add_methods(
            t,
            &[
                ("send", gen_send_m),
                ("throw", gen_throw_m),
                ("close", gen_close_m),
            ],
        );
    }
    vm.add_methods(&g, &[("__next__", gen_next_m), ("__iter__", self_iter)]);
    vm.add_getsets(
        &g,
        &[
            ("gi_running", gen_running, None),
            ("gi_suspended", gen_suspended, None),
            ("gi_code", gen_code, None),
            ("gi_frame", gen_frame, None),
            ("gi_yieldfrom", gen_yieldfrom, None),
        ],
    );
    vm.add_methods(&c, &[("__await__", coro_await)]);
    vm.add_getsets(
        &c,
        &[
            ("cr_running", gen_running, None),
            ("cr_suspended", gen_suspended, None),
            ("cr_code", gen_code, None),
            ("cr_frame", gen_frame, None),
            ("cr_await", gen_yieldfrom, None),
            ("cr_origin", none_getter, None),
        ],
    );
    vm.add_methods(
        &ag,
        &[
            ("__aiter__", self_iter),
            ("__anext__", agen_anext),
            ("asend", agen_asend),
            ("athrow", agen_athrow),
            ("aclose", agen_aclose),
        ],
    );
    vm.add_getsets(
        &ag,
        &[
            ("ag_running", agen_running, None),
            ("ag_code", gen_code, None),
            ("ag_frame", gen_frame, None),
            ("ag_await", gen_yieldfrom, None),
        ],
    );
    let ops = [
        vm.types.coroutine_wrapper.clone(),
        vm.types.async_gen_asend.clone(),
        vm.types.async_gen_athrow.clone(),
        vm.types.anext_awaitable.clone(),
    ];
    for t in &ops {
        vm.add_methods(
            t,
            &[
                ("send", op_send_m),
                ("throw", op_throw_m),
                ("close", op_close_m),
                ("__next__", op_next_m),
                ("__iter__", self_iter),
            ],
        );
    }
    for t in ops.iter().skip(1) {
        vm.add_methods(t, &[("__await__", self_iter)]);
    }
}

/// `_PyErr_WarnUnawaitedCoroutine`: a coroutine finalized before it ever
/// ran warns through `warnings._warn_unawaited_coroutine` (a
/// RuntimeWarning pointing at the running frame); an error from it (such
/// as the warning turned into an exception) is reported as unraisable.
pub fn warn_unawaited_coroutine(vm: &mut Vm, coro: &PyRef) {
    let cv = Value::Obj(coro.clone());
    let r = vm
        .import_module("warnings", &Value::None, &Value::Int(0))
        .and_then(|m| vm.getattr_str(&m, "_warn_unawaited_coroutine"))
        .and_then(|f| vm.call(&f, std::slice::from_ref(&cv)));
    if let Err(e) = r {
        vm.write_unraisable(&e, &cv);
    }
}
