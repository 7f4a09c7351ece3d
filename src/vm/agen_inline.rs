//! Async generators resumed in their caller's eval loop: SEND on the
//! awaitable an async generator's `__anext__`/`asend` returns
//! (`async_generator_asend`) pushes the generator's suspended frame, as
//! SEND_GEN does for a coroutine (vm/gen_inline.rs), instead of a nested
//! `gen_send_ex` per item. The frame's `GenExit::ASend` makes its exits do
//! what `async_gen_asend_send` and `async_gen_unwrap_value` do with the
//! result of that nested run (CPython 3.11's Objects/genobject.c):
//! - a yield of a wrapped value (`yield v` in the async generator) ends
//!   the asend: `ag_running_async` off, the asend closed, and the value is
//!   SEND's result (it replaces the receiver; the caller jumps to SEND's
//!   target), as StopIteration(value) would be;
//! - any other yield (an `await` inside the generator) is passed on to the
//!   caller as SEND passes it;
//! - a return is StopAsyncIteration raised at the caller's SEND, the
//!   generator closed;
//! - an exception leaving the frame (after the conversions of
//!   `gen_send_ex2`) closes the generator if it is StopAsyncIteration or
//!   GeneratorExit and ends the asend.
//!
//! Everything else (tracing, an asend already awaited or not in its first
//! state's conditions, a running or finished generator, a first send of a
//! value, the recursion limit) takes `op_send`'s general path, which raises
//! CPython's errors.

use super::frame::GenExit;
use super::gen::{state, GenKind};
use super::ops::Flow;
use super::value::{PyRef, Value};
use super::{PyErr, PyResult, Vm};
use crate::objects::exception::ExcKind;
use crate::objects::genobject::{AwaitState, GenOp};
use crate::objects::Payload;

/// The asend object `v` is, if it is one (the type is not subclassable).
fn as_asend<'a>(vm: &Vm, v: &'a Value) -> Option<&'a PyRef> {
    match v {
        Value::Obj(o) if o.class_is(&vm.types.async_gen_asend) => Some(o),
        _ => None,
    }
}

/// Close the asend `op` and clear `ag_running_async` of its generator.
fn end_asend(op: &PyRef) {
    let Payload::GenOp(c) = &op.payload else {
        return;
    };
    let Ok(mut o) = c.try_borrow_mut() else {
        return;
    };
    if let GenOp::ASend { gen, state: st, .. } = &mut *o {
        *st = AwaitState::Closed;
        if let Some(g) = state(gen) {
            if let Ok(mut s) = g.try_borrow_mut() {
                s.running_async = false;
            }
        }
    }
}

impl Vm {
    /// SEND (at the top of the stack: the value sent, the receiver below
    /// it) on an `async_generator_asend`: push its generator's frame to run
    /// next; the caller goes on at `next` on a passed-on yield and at
    /// `exit_to` when the asend ends with a value. False (nothing changed)
    /// when `op_send`'s general path must take it.
    pub(crate) fn send_asend(&mut self, next: usize, exit_to: usize) -> bool {
        if self.tracing || self.recursion_depth() >= self.recursion_limit {
            return false;
        }
        let Some(at) = self.stack.len().checked_sub(2) else {
            return false;
        };
        let Some(op) = self.stack.get(at).and_then(|v| as_asend(self, v)) else {
            return false;
        };
        let op = op.clone();
        let Payload::GenOp(cell) = &op.payload else {
            return false;
        };
        let Ok(mut o) = cell.try_borrow_mut() else {
            return false;
        };
        let GenOp::ASend {
            gen,
            sendval,
            state: ast,
        } = &mut *o
        else {
            return false;
        };
        if *ast == AwaitState::Closed {
            return false;
        }
        let Some(st) = state(gen) else {
            return false;
        };
        let Ok(mut s) = st.try_borrow_mut() else {
            return false;
        };
        let init = *ast == AwaitState::Init;
        if s.kind != GenKind::AsyncGenerator || (init && s.running_async) {
            return false;
        }
        let sent_none = self.stack.last().is_some_and(|v| v.is_none());
        // `async_gen_asend_send`: the first send of None sends `sendval`.
        let arg_none = if init && sent_none {
            sendval.is_none()
        } else {
            sent_none
        };
        if !s.resumable(arg_none) {
            return false;
        }
        let mut arg = super::gen_move::pop_value(&mut self.stack);
        if init {
            if arg.is_none() {
                arg = sendval.clone();
            }
            *ast = AwaitState::Iter;
        }
        s.running_async = true;
        if let Some(caller) = self.frames.last_mut() {
            caller.pc = next;
        }
        let gen = gen.clone();
        self.enter_generator(&gen, &mut s, arg, GenExit::ASend(exit_to as u32));
        drop(s);
        drop(o);
        self.send_on();
        true
    }

    /// YIELD_VALUE of `v` by an async generator frame resumed by
    /// `send_asend` (already suspended; the caller on top, its receiver the
    /// asend): a wrapped value ends the asend with the value as SEND's
    /// result, the caller going on at `exit_to`. None for any other value
    /// (passed on as SEND_GEN passes it).
    pub(crate) fn asend_yielded(&mut self, v: &Value, exit_to: u32) -> Option<PyResult<Flow>> {
        let inner = self.unwrap_async_yield(v)?;
        self.asend_result(inner, exit_to)
    }

    /// ASYNC_GEN_WRAP (its YIELD_VALUE at `at`) in an async generator
    /// frame resumed by `send_asend`: yield the value on top and end the
    /// asend with it at once, without the wrapper object (what the two
    /// instructions and `asend_yielded` do). None when the loop must run
    /// them (another frame, not followed by YIELD_VALUE, or tracing, a
    /// signal or anything else the eval breaker waits for, which run
    /// between instructions).
    pub(crate) fn asend_wrap_yield(&mut self, at: usize) -> Option<PyResult<Flow>> {
        let f = self.frames.last()?;
        let GenExit::ASend(exit_to) = f.gen_exit else {
            return None;
        };
        let i = *f.code.instrs.get(at)?;
        if i.op != crate::pyc::opcode::Op::YieldValue
            || self.tracing
            || super::breaker::any()
            || super::signals::pending()
        {
            return None;
        }
        let v = self.pop();
        match self.suspend_generator(at, at + i.len as usize) {
            Ok(GenExit::ASend(_)) => Some(
                self.asend_result(v, exit_to)
                    .unwrap_or_else(|| Err(self.system_error("asend object missing"))),
            ),
            Ok(_) => Some(Err(
                self.system_error("async generator frame not resumed by asend")
            )),
            Err(e) => Some(Err(e)),
        }
    }

    /// The asend on the caller's stack (on top) ends with `inner` as SEND's
    /// result; the caller goes on at `exit_to`.
    fn asend_result(&mut self, inner: Value, exit_to: u32) -> Option<PyResult<Flow>> {
        let op = self.stack.last().and_then(|r| as_asend(self, r))?.clone();
        end_asend(&op);
        if self.tracing {
            self.trace_iter_stop(&Value::Obj(op.clone()), Some(&inner));
        }
        if let Some(top) = self.stack.last_mut() {
            *top = inner;
        }
        if let Some(caller) = self.frames.last_mut() {
            caller.pc = exit_to as usize;
        }
        Some(Ok(Flow::Reload))
    }

    /// RETURN_VALUE of an async generator frame resumed by `send_asend`
    /// (popped, the generator finished): StopAsyncIteration at the caller's
    /// SEND, the generator closed and the asend ended.
    pub(crate) fn asend_returned(&mut self) -> PyErr {
        if let Some(op) = self.stack.last().and_then(|r| as_asend(self, r)).cloned() {
            self.asend_closing(&op);
        }
        let e = self.new_error_noargs(ExcKind::StopAsyncIteration);
        self.set_attr_raw(&e.0, "value", Value::None);
        e
    }

    /// An exception `err` (converted as `gen_send_ex2` converts it) left an
    /// async generator frame resumed by `send_asend`: the asend ends, and
    /// StopAsyncIteration or GeneratorExit closes the generator.
    pub(crate) fn asend_raised(&mut self, err: &PyErr) {
        let Some(op) = self.stack.last().and_then(|r| as_asend(self, r)).cloned() else {
            return;
        };
        if self.err_is(err, ExcKind::StopAsyncIteration) || self.err_is(err, ExcKind::GeneratorExit)
        {
            self.asend_closing(&op);
        } else {
            end_asend(&op);
        }
    }

    /// `ag_closed` set on the asend's generator, and the asend ended.
    fn asend_closing(&mut self, op: &PyRef) {
        if let Payload::GenOp(c) = &op.payload {
            if let Ok(o) = c.try_borrow() {
                if let GenOp::ASend { gen, .. } = &*o {
                    if let Some(Ok(mut s)) = state(gen).map(|g| g.try_borrow_mut()) {
                        s.closed = true;
                    }
                }
            }
        }
        end_asend(op);
    }
}
