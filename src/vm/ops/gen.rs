//! Generators, `yield from`/`await` (SEND), and the async protocols.

use std::cell::RefCell;

use crate::objects::exception::ExcKind;
use crate::objects::Payload;

use super::Flow;
use crate::vm::gen::GenResult;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

impl Vm {
    pub(crate) fn op_return_generator(&mut self, next: usize) -> PyResult<Flow> {
        // `await f(...)` of a coroutine function: it runs on at once.
        if self.await_new_coroutine(next) {
            return Ok(Flow::Reload);
        }
        let (gen, entry, _) = self.make_generator(next)?;
        if entry {
            self.exit_value = gen;
            return Ok(Flow::Return);
        }
        self.push(gen);
        Ok(Flow::Reload)
    }

    // The suspension is out of line (the eval loop's arm stays a call);
    // the frame moves of vm/gen_move.rs are inlined there. `lasti` is the
    // YIELD_VALUE's own (written into the suspended record, not first into
    // the running one).
    #[inline(always)]
    pub(crate) fn op_yield_value(&mut self, lasti: usize, next: usize) -> PyResult<Flow> {
        // A generator run by `sum`, `tuple`... (vm/gen_reduce.rs): the
        // value folded, the frame goes on.
        if let Some(crate::vm::frame::GenExit::Reduce(kind)) =
            self.frames.last().map(|f| f.gen_exit)
        {
            if self.reduce_yield(kind) {
                return Ok(Flow::Next);
            }
        }
        self.op_yield_suspend(lasti, next)
    }

    #[inline(never)]
    fn op_yield_suspend(&mut self, lasti: usize, next: usize) -> PyResult<Flow> {
        let v = self.pop();
        let (mut lasti, mut next) = (lasti, next);
        loop {
            match self.suspend_generator(lasti, next) {
                Ok(crate::vm::frame::GenExit::No) => break,
                // An async generator resumed by SEND on its asend object
                // (vm/agen_inline.rs): a yielded (wrapped) value ends it.
                Ok(crate::vm::frame::GenExit::ASend(t)) => {
                    if let Some(flow) = self.asend_yielded(&v, t) {
                        return flow;
                    }
                }
                // Suspended; the caller is a `sum(gen)`... call.
                Ok(crate::vm::frame::GenExit::Reduce(kind)) => return self.reduce_yielded(kind, v),
                Ok(_) => {}
                Err(e) => {
                    self.mark_lasti(lasti);
                    return Err(e);
                }
            }
            // Resumed by the caller's FOR_ITER/SEND/CALL: it takes the
            // value, unless it yields it on at once (below).
            match self.yield_on() {
                Some((l, n)) => (lasti, next) = (l, n),
                None => {
                    self.push(v);
                    return Ok(Flow::Reload);
                }
            }
        }
        self.exit_value = v;
        Ok(Flow::Yield)
    }

    /// A `yield from`/`await` chain: the frame now on top (the caller of a
    /// generator that just yielded) is a generator frame about to run
    /// YIELD_VALUE on the value it receives (SEND is followed by
    /// YIELD_VALUE), so it yields the same value: do that instruction here,
    /// without reloading the frame. Its `lasti` and next `pc` are returned
    /// (the suspension writes them). None when the loop must run it
    /// (nothing to skip, or tracing, a signal or anything else the eval
    /// breaker waits for, which run between instructions).
    #[inline(always)]
    fn yield_on(&mut self) -> Option<(usize, usize)> {
        // Most callers are not generators: that test first.
        let f = self.frames.last()?;
        f.generator.as_ref()?;
        let i = *f.code.instrs.get(f.pc)?;
        if i.op != crate::pyc::opcode::Op::YieldValue
            || self.tracing
            || crate::vm::breaker::any()
            || crate::vm::signals::pending()
        {
            return None;
        }
        Some((f.pc, f.pc + i.len as usize))
    }

    /// `PyIter_Send`: send a value into the receiver of SEND / `yield
    /// from` (generators and coroutines directly, `__next__` for None and
    /// iterators, else the `send` method).
    pub fn send_to(&mut self, receiver: &Value, v: Value) -> PyResult<GenResult> {
        if let Value::Obj(r) = receiver {
            match &r.payload {
                Payload::Generator(_) => return self.gen_send_ex(r, Some(v), None, false),
                Payload::GenOp(_) => {
                    let arg = if v.is_none() { None } else { Some(v) };
                    return crate::objects::genobject::genop_send(self, r, arg);
                }
                // `await future`: FutureIter's am_send (the value is
                // ignored), no StopIteration made.
                Payload::Native(d) => {
                    if let Some(it) = d.downcast_ref::<crate::modules::asyncio::future::FutIter>() {
                        return crate::modules::asyncio::future::fi_step(self, it);
                    }
                }
                _ => {}
            }
        }
        if v.is_none() {
            let ty = self.type_of(receiver);
            let is_iter = matches!(receiver, Value::Obj(o) if matches!(o.payload, Payload::Iter(_)))
                || self.type_lookup_static(&ty, "__next__").is_some();
            if is_iter {
                return self.iternext_value(receiver);
            }
        }
        match self.call_method(receiver, "send", &[v]) {
            Ok(x) => Ok(GenResult::Yield(x)),
            Err(e) if self.err_is(&e, ExcKind::StopIteration) => {
                let val = self.get_attr_raw(&e.0, "value").unwrap_or(Value::None);
                Ok(GenResult::Return(val))
            }
            Err(e) => Err(e),
        }
    }

    /// `tp_iternext` keeping the StopIteration value: Yield(next value) or
    /// Return(the value the iterator finished with).
    pub fn iternext_value(&mut self, it: &Value) -> PyResult<GenResult> {
        if let Value::Obj(o) = it {
            match &o.payload {
                Payload::Generator(_) if o.class_is(&self.types.generator) => {
                    return self.gen_send_ex(o, None, None, false)
                }
                Payload::GenOp(_) => return crate::objects::genobject::genop_send(self, o, None),
                Payload::Iter(_) if self.builtin_class(o) => {
                    return Ok(match self.next(it)? {
                        Some(v) => GenResult::Yield(v),
                        None => GenResult::Return(Value::None),
                    })
                }
                _ => {}
            }
        }
        match self.call_special(it, "__next__", &[]) {
            Ok(Some(v)) => Ok(GenResult::Yield(v)),
            Ok(None) => Err(self.type_error(format!(
                "'{}' object is not an iterator",
                self.type_name_of(it)
            ))),
            Err(e) if self.err_is(&e, ExcKind::StopIteration) => {
                let val = self.get_attr_raw(&e.0, "value").unwrap_or(Value::None);
                Ok(GenResult::Return(val))
            }
            Err(e) => Err(e),
        }
    }

    pub(crate) fn op_send(&mut self, next: usize, oparg: u32) -> PyResult<Flow> {
        // SEND_GEN (a generator or coroutine run on in this loop) was
        // tried by the eval loop (`Vm::send_gen`); an async generator's
        // asend object runs on in it too (vm/agen_inline.rs).
        if self.send_asend(next, next + oparg as usize) {
            return Ok(Flow::Reload);
        }
        let v = self.pop();
        let receiver = self.peek(0).clone();
        match self.send_to(&receiver, v)? {
            GenResult::Return(r) => {
                if self.tracing {
                    self.trace_iter_stop(&receiver, Some(&r));
                }
                if let Some(top) = self.stack.last_mut() {
                    *top = r;
                }
                Ok(Flow::Jump(next + oparg as usize))
            }
            GenResult::Yield(x) => self.op_push(x),
        }
    }

    fn is_coroutine(&self, v: &Value) -> bool {
        matches!(v, Value::Obj(o) if o.class_is(&self.types.coroutine))
    }

    pub(crate) fn op_get_yield_from_iter(&mut self) -> PyResult<Flow> {
        let v = self.pop();
        if self.is_coroutine(&v) {
            let in_coro = self.frames.last().is_some_and(|f| {
                f.code.flags
                    & (crate::pyc::code::CO_COROUTINE | crate::pyc::code::CO_ITERABLE_COROUTINE)
                    != 0
            });
            if !in_coro {
                return Err(self.type_error(
                    "cannot 'yield from' a coroutine object in a non-coroutine generator",
                ));
            }
            return self.op_push(v);
        }
        if matches!(&v, Value::Obj(o) if o.class_is(&self.types.generator)) {
            return self.op_push(v);
        }
        let it = self.iter(&v)?;
        self.op_push(it)
    }

    /// `_PyCoro_GetAwaitableIter`.
    pub fn get_awaitable(&mut self, v: &Value) -> PyResult<Value> {
        if self.is_coroutine(v) {
            return Ok(v.clone());
        }
        if let Value::Obj(o) = v {
            match &o.payload {
                Payload::Generator(g)
                    if g.borrow().code.flags & crate::pyc::code::CO_ITERABLE_COROUTINE != 0 =>
                {
                    return Ok(v.clone());
                }
                // `async_generator_asend`/`_athrow` (not subclassable):
                // their `am_await` is `PyObject_SelfIter`.
                Payload::GenOp(_)
                    if o.class_is(&self.types.async_gen_asend)
                        || o.class_is(&self.types.async_gen_athrow) =>
                {
                    return Ok(v.clone());
                }
                _ => {}
            }
        }
        let ty = self.type_of(v);
        let Some(aw) = self.type_lookup_static(&ty, "__await__") else {
            return Err(self.type_error(format!(
                "object {} can't be used in 'await' expression",
                self.type_name(&ty)
            )));
        };
        let f = self.descr_get(aw, Some(v), &ty)?;
        let it = self.call(&f, &[])?;
        if self.is_coroutine(&it) {
            return Err(self.type_error("__await__() returned a coroutine"));
        }
        let it_ty = self.type_of(&it);
        let is_iter = matches!(&it, Value::Obj(o) if matches!(o.payload, Payload::Iter(_) | Payload::Generator(_)))
            || self.type_lookup_static(&it_ty, "__next__").is_some();
        if !is_iter {
            return Err(self.type_error(format!(
                "__await__() returned non-iterator of type '{}'",
                self.type_name(&it_ty)
            )));
        }
        Ok(it)
    }

    pub(crate) fn op_get_awaitable(&mut self, where_: u32) -> PyResult<Flow> {
        let v = self.pop();
        match self.get_awaitable(&v) {
            Ok(it) => {
                if let Value::Obj(o) = &it {
                    if self.is_coroutine(&it) && self.gen_yield_from(o).is_some() {
                        return Err(self.runtime_error("coroutine is being awaited already"));
                    }
                }
                self.op_push(it)
            }
            Err(e) => {
                let tn = self.type_name_of(&v);
                if self.err_is(&e, ExcKind::TypeError) && where_ == 1 {
                    return Err(self.type_error(format!(
                        "'async with' received an object from __aenter__ that does not implement __await__: {tn}"
                    )));
                }
                if self.err_is(&e, ExcKind::TypeError) && where_ == 2 {
                    return Err(self.type_error(format!(
                        "'async with' received an object from __aexit__ that does not implement __await__: {tn}"
                    )));
                }
                Err(e)
            }
        }
    }

    pub(crate) fn op_get_aiter(&mut self) -> PyResult<Flow> {
        let obj = self.pop();
        let ty = self.type_of(&obj);
        let Some(m) = self.type_lookup_static(&ty, "__aiter__") else {
            return Err(self.type_error(format!(
                "'async for' requires an object with __aiter__ method, got {}",
                self.type_name(&ty)
            )));
        };
        let f = self.descr_get(m, Some(&obj), &ty)?;
        let it = self.call(&f, &[])?;
        let it_ty = self.type_of(&it);
        if self.type_lookup_static(&it_ty, "__anext__").is_none() {
            return Err(self.type_error(format!(
                "'async for' received an object from __aiter__ that does not implement __anext__: {}",
                self.type_name(&it_ty)
            )));
        }
        self.op_push(it)
    }

    pub(crate) fn op_get_anext(&mut self) -> PyResult<Flow> {
        let aiter = self.peek(0).clone();
        // An exact async generator: its `am_anext` directly, and the
        // awaitable is known (CPython's `PyAsyncGen_CheckExact` branch).
        if let Value::Obj(g) = &aiter {
            if g.class_is(&self.types.async_generator) {
                let aw = crate::objects::genobject::agen_anext_of(self, g)?;
                return self.op_push(aw);
            }
        }
        let ty = self.type_of(&aiter);
        let Some(m) = self.type_lookup_static(&ty, "__anext__") else {
            return Err(self.type_error(format!(
                "'async for' requires an iterator with __anext__ method, got {}",
                self.type_name(&ty)
            )));
        };
        let f = self.descr_get(m, Some(&aiter), &ty)?;
        let next = self.call(&f, &[])?;
        let aw = match self.get_awaitable(&next) {
            Ok(a) => a,
            Err(e) if self.err_is(&e, ExcKind::TypeError) => {
                return Err(self.type_error(format!(
                    "'async for' received an invalid object from __anext__: {}",
                    self.type_name_of(&next)
                )))
            }
            Err(e) => return Err(e),
        };
        self.op_push(aw)
    }

    pub(crate) fn op_end_async_for(&mut self) -> PyResult<Flow> {
        let exc = self.pop();
        let _aiter = self.pop();
        match exc {
            Value::Obj(o) if matches!(o.payload, Payload::Exception(_)) => {
                let e = crate::vm::PyErr(o);
                if self.err_is(&e, ExcKind::StopAsyncIteration) {
                    Ok(Flow::Next)
                } else {
                    Err(e)
                }
            }
            _ => Ok(Flow::Next),
        }
    }

    pub(crate) fn op_before_async_with(&mut self) -> PyResult<Flow> {
        let mgr = self.pop();
        let ty = self.type_of(&mgr);
        let enter = self.type_lookup_static(&ty, "__aenter__");
        let exit = self.type_lookup_static(&ty, "__aexit__");
        let (Some(enter), Some(exit)) = (enter, exit) else {
            let extra = if self.type_lookup_static(&ty, "__aenter__").is_some() {
                " (missed __aexit__ method)"
            } else {
                ""
            };
            return Err(self.type_error(format!(
                "'{}' object does not support the asynchronous context manager protocol{extra}",
                self.type_name(&ty)
            )));
        };
        let exit = self.descr_get(exit, Some(&mgr), &ty)?;
        self.push(exit);
        let enter = self.descr_get(enter, Some(&mgr), &ty)?;
        let r = self.call(&enter, &[])?;
        self.op_push(r)
    }

    pub(crate) fn op_async_gen_wrap(&mut self, next: usize) -> PyResult<Flow> {
        // `yield v` in an async generator run by its asend in this loop
        // (vm/agen_inline.rs): no wrapper.
        if let Some(flow) = self.asend_wrap_yield(next) {
            return flow;
        }
        let v = self.pop();
        let w = self.new_obj(
            &self.types.async_gen_wrapped,
            Payload::Cell(RefCell::new(v)),
        );
        self.op_push(Value::Obj(w))
    }

    /// The value inside an ASYNC_GEN_WRAP wrapper, if `v` is one.
    pub fn unwrap_async_yield(&self, v: &Value) -> Option<Value> {
        match v {
            Value::Obj(o) if o.class_is(&self.types.async_gen_wrapped) => match &o.payload {
                Payload::Cell(c) => Some(c.borrow().clone()),
                _ => None,
            },
            _ => None,
        }
    }
}
