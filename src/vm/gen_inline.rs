//! Generator frames resumed in their caller's eval loop (CPython 3.12's
//! FOR_ITER_GEN and SEND_GEN). `for x in gen` and `yield from`/`await`
//! push the generator's suspended frame onto the frame stack and go on in
//! the same loop, instead of a nested `run` per item as `gen_send_ex`
//! does. The frame's `gen_exit` says how its caller takes over:
//! - YIELD_VALUE suspends the frame (`suspend_generator`) and pushes the
//!   value on the caller's stack; the caller goes on after FOR_ITER/SEND.
//! - RETURN_VALUE finishes the generator (`return_inline`): FOR_ITER pops
//!   the iterator, SEND replaces the receiver with the value, and the
//!   caller jumps to the instruction's target.
//! - An exception leaving the frame finishes the generator and is
//!   converted as `gen_send_ex2` converts it (`gen_unwound`), then goes on
//!   unwinding in the caller.
//!
//! The generator's state moves exactly as in `gen_send_ex`/`finish_resume`
//! (running flag, its own handled exception swapped with the callers'),
//! so everything that looks at a running generator sees the same thing.
//! Whatever the fast entry does not cover (tracing, a first `send` of a
//! value, a running or finished generator, async generators, the recursion
//! limit) takes `gen_send_ex`, which raises CPython's errors.

use super::frame::{Frame, GenExit};
use super::gen::{state, GenKind};
use super::ops::Flow;
use super::value::{PyRef, Value};
use crate::objects::Payload;
use crate::pyc::opcode::Op;

/// The generator, coroutine or async generator `v` is, if it is one.
#[inline(always)]
pub(crate) fn as_generator(v: &Value) -> Option<&PyRef> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Generator(_)) => Some(o),
        _ => None,
    }
}
use super::{PyErr, PyResult, Vm};

impl Vm {
    /// FOR_ITER_GEN from the eval loop: push the suspended frame of the
    /// generator `gen` (FOR_ITER's iterator, in its stack slot) to run
    /// next, with None sent in; the caller resumes at `next` when it yields
    /// and goes to `exit_to` (popping the iterator) when it returns. False
    /// when the general path (`for_iter_general`) must take it.
    ///
    /// # Safety
    /// `gen` must point to the generator reference in a slot of the value
    /// stack that keeps it until this returns (the iterator below the
    /// caller's top).
    #[inline(never)]
    pub(crate) unsafe fn for_iter_gen(
        &mut self,
        gen: *const PyRef,
        next: usize,
        exit_to: usize,
    ) -> bool {
        // SAFETY: the caller's contract: the slot owns a reference to the
        // generator for the whole call, so the object outlives this
        // borrowed copy even if the stack moves (grows); the copy is never
        // dropped (no reference count traffic).
        let gen = std::mem::ManuallyDrop::new(unsafe { std::ptr::read(gen) });
        if !self.resume_in_loop::<false>(&gen, next, GenExit::ForIter(exit_to as u32)) {
            return false;
        }
        self.send_on();
        true
    }

    /// SEND_GEN from the eval loop: send the value on top of the stack
    /// into the generator or coroutine `gen` (SEND's receiver, below it),
    /// whose frame runs next; the caller resumes at `next` when it yields
    /// and goes to `exit_to` (the result replacing the receiver) when it
    /// returns. False (the stack untouched) when the general path
    /// (`op_send`) must take it.
    ///
    /// # Safety
    /// `gen` must point to the receiver in its slot of the value stack
    /// (below the value sent), which keeps it until this returns.
    #[inline(never)]
    pub(crate) unsafe fn send_gen(
        &mut self,
        gen: *const PyRef,
        next: usize,
        exit_to: usize,
    ) -> bool {
        // SAFETY: as in `for_iter_gen`: only the value above the receiver
        // is popped here, and the receiver's slot keeps the generator.
        let gen = std::mem::ManuallyDrop::new(unsafe { std::ptr::read(gen) });
        if !self.resume_in_loop::<true>(&gen, next, GenExit::Send(exit_to as u32)) {
            return false;
        }
        self.send_on();
        true
    }

    /// A generator frame just resumed (on top) that is suspended in a
    /// `yield from`/`await` (at RESUME 2/3, whose JUMP_BACKWARD_NO_INTERRUPT
    /// goes back to its SEND) sends the value on to its delegate at once:
    /// SEND_GEN is done here, the delegate's frame pushed, without running
    /// the frame for those three instructions (RESUME 2/3 and the jump do
    /// nothing else), down the chain. Not while tracing, nor with a signal
    /// or anything else the eval breaker waits for (they run between
    /// instructions); whatever SEND_GEN does not take runs in the loop.
    #[inline(always)]
    pub(crate) fn send_on(&mut self) {
        // Most resumptions are at a plain yield (RESUME 1): that test here,
        // the rest out of line.
        while self.at_delegating_resume() && self.send_on_once() {}
    }

    /// Whether the top frame resumes at RESUME 2/3 (after the YIELD_VALUE
    /// of a `yield from`/`await`).
    #[inline(always)]
    fn at_delegating_resume(&self) -> bool {
        self.frames.last().is_some_and(
            |f| matches!(f.code.instrs.get(f.pc), Some(i) if i.op == Op::Resume && i.arg >= 2),
        )
    }

    #[inline(never)]
    fn send_on_once(&mut self) -> bool {
        let Some(f) = self.frames.last() else {
            return false;
        };
        let code = &f.code;
        let Some(&resume) = code.instrs.get(f.pc) else {
            return false;
        };
        let jump_at = f.pc + resume.len as usize;
        let Some(&jump) = code.instrs.get(jump_at) else {
            return false;
        };
        if jump.op != Op::JumpBackwardNoInterrupt {
            return false;
        }
        let Some(send_at) = (jump_at + jump.len as usize).checked_sub(jump.arg as usize) else {
            return false;
        };
        let Some(&send) = code.instrs.get(send_at) else {
            return false;
        };
        if send.op != Op::Send || self.tracing || super::breaker::any() || super::signals::pending()
        {
            return false;
        }
        let old_lasti = f.lasti;
        let Some(receiver) = self
            .stack
            .len()
            .checked_sub(2)
            .and_then(|i| self.stack.get(i))
            .and_then(as_generator)
        else {
            return false;
        };
        // SAFETY: the receiver's stack slot (below the value sent) keeps
        // the generator while SEND_GEN runs (only the value is popped), so
        // the object outlives this copy, which is never dropped.
        let gen = std::mem::ManuallyDrop::new(unsafe { std::ptr::read(receiver) });
        // SEND's `lasti`, as its arm in the loop marks it.
        if let Some(f) = self.frames.last_mut() {
            f.lasti = send_at;
        }
        let next = send_at + send.len as usize;
        let exit = GenExit::Send((next + send.arg as usize) as u32);
        if self.resume_in_loop::<true>(&gen, next, exit) {
            return true;
        }
        if let Some(f) = self.frames.last_mut() {
            f.lasti = old_lasti;
        }
        false
    }

    /// `gen.send(v)` / `coro.send(v)` from PRECALL+CALL (after LOAD_METHOD:
    /// `[send, gen, v]` on the stack): resume the frame in this loop, the
    /// call's operands popped; the caller goes on at `after` with the
    /// yielded value as the call's result, and a return raises
    /// StopIteration(value) at its CALL (`call_pc`, its `lasti`), as
    /// `gen_send_m` would. False (nothing changed) when the method call
    /// must take it (another callable, keywords, or any case the fast entry
    /// leaves to `gen_send_ex`).
    #[inline(always)]
    pub(crate) fn send_call_gen(&mut self, call_pc: usize, after: usize) -> bool {
        let Some(at) = self.stack.len().checked_sub(3) else {
            return false;
        };
        let Some(g) = self.stack.get(at + 1).and_then(as_generator) else {
            return false;
        };
        let g: *const PyRef = g;
        // SAFETY: `g` points to the generator in its stack slot, which
        // keeps it until `send_call_slow` has cloned it.
        unsafe { self.send_call_slow(at, g, call_pc, after) }
    }

    /// `send_call_gen` once the receiver is known to be a generator.
    ///
    /// # Safety
    /// `g` points to the generator reference in stack slot `at + 1`.
    #[inline(never)]
    unsafe fn send_call_slow(
        &mut self,
        at: usize,
        g: *const PyRef,
        call_pc: usize,
        after: usize,
    ) -> bool {
        // SAFETY: the caller's contract (`g` is valid for this call).
        let receiver = unsafe { &*g };
        // `send` of the receiver's own type (generator or coroutine), as
        // LOAD_METHOD leaves it.
        let is_send = match self.stack.get(at) {
            Some(Value::Obj(m)) => match &m.payload {
                Payload::MethodDescr(md) => {
                    md.name == "send"
                        && receiver.class_is(&md.owner)
                        && (crate::objects::rc::Rc::ptr_eq(&md.owner, &self.types.generator)
                            || crate::objects::rc::Rc::ptr_eq(&md.owner, &self.types.coroutine))
                }
                _ => false,
            },
            _ => false,
        };
        if !is_send
            || self.pending_kwnames.is_some()
            || self.tracing
            || self.recursion_depth() >= self.recursion_limit
        {
            return false;
        }
        // The clone owns a reference of its own from here on.
        let gen: PyRef = receiver.clone();
        let Some(st) = state(&gen) else {
            return false;
        };
        let Ok(mut s) = st.try_borrow_mut() else {
            return false;
        };
        let arg_none = self.stack.last().is_some_and(|v| v.is_none());
        if s.kind == GenKind::AsyncGenerator || !s.resumable(arg_none) {
            return false;
        }
        let arg = super::gen_move::pop_value(&mut self.stack);
        // The method and the receiver: neither is the last reference (the
        // type's dict holds the method, `gen` the generator), so nothing
        // runs as they go.
        let slot = super::gen_move::pop_value(&mut self.stack);
        let method = super::gen_move::pop_value(&mut self.stack);
        if let Some(caller) = self.frames.last_mut() {
            caller.lasti = call_pc;
            caller.pc = after;
        }
        self.enter_generator(&gen, &mut s, arg, GenExit::Call);
        drop(s);
        drop(slot);
        drop(method);
        self.send_on();
        true
    }

    /// RETURN_GENERATOR of a coroutine (the frame on top) whose caller
    /// awaits it at once (`await f(...)`: the caller goes on at
    /// GET_AWAITABLE, LOAD_CONST None, SEND): the coroutine object is made
    /// already running and its frame goes on where it is, as if it had
    /// been moved into the object and SEND_GEN had moved it back
    /// (`send_gen`). GET_AWAITABLE of a new coroutine returns it and
    /// raises nothing, and no code runs between those instructions. The
    /// values shift down one slot over the call's callable (the coroutine
    /// takes the first, SEND's receiver) instead of moving out and back;
    /// the record stays. The caller's `lasti` is SEND's and it goes on
    /// after it. False (nothing changed) when RETURN_GENERATOR must make
    /// the coroutine as usual: tracing, the eval breaker or a signal
    /// waiting (they run between the caller's instructions), the recursion
    /// limit near, other code after the call, an entry frame or one with a
    /// special return.
    #[inline(never)]
    pub(crate) fn await_new_coroutine(&mut self, next: usize) -> bool {
        let n = self.frames.len();
        if n < 2
            || self.tracing
            || super::breaker::any()
            || super::signals::pending()
            || self.recursion_depth() >= self.recursion_limit
        {
            return false;
        }
        let (Some(f), Some(c)) = (self.frames.get(n - 1), self.frames.get(n - 2)) else {
            return false;
        };
        if f.code.flags & crate::pyc::code::CO_COROUTINE == 0
            || f.entry
            || f.on_return != super::frame::OnReturn::Plain
            || f.gen_exit != GenExit::No
            || f.generator.is_some()
            || f.ret_base >= f.base
            || f.base > self.stack.len()
        {
            return false;
        }
        let (ret_base, base) = (f.ret_base, f.base);
        let ccode = &c.code;
        let Some(&ga) = ccode.instrs.get(c.pc) else {
            return false;
        };
        let lc_at = c.pc + ga.len as usize;
        let Some(&lc) = ccode.instrs.get(lc_at) else {
            return false;
        };
        let send_at = lc_at + lc.len as usize;
        let Some(&send) = ccode.instrs.get(send_at) else {
            return false;
        };
        if ga.op != Op::GetAwaitable
            || lc.op != Op::LoadConst
            || !matches!(ccode.consts.get(lc.arg as usize), Some(Value::None))
            || send.op != Op::Send
        {
            return false;
        }
        let after = send_at + send.len as usize;
        let exit = GenExit::Send((after + send.arg as usize) as u32);
        let names = super::gen::gen_names(f);
        let mut st = super::gen::GenState::created(
            GenKind::Coroutine,
            None,
            Vec::new(),
            names,
            f.code.clone(),
        );
        // As `enter_generator` leaves it: running, and the callers'
        // handled exception waiting in its state.
        st.running = true;
        st.started = true;
        st.exc_state = std::mem::replace(&mut self.exc_info, Value::None);
        self.gen_exc.running += 1;
        let ty = self.types.coroutine.clone();
        let gen = self.new_obj(
            &ty,
            Payload::Generator(Box::new(std::cell::RefCell::new(st))),
        );
        // `[callable slots.., values..]` → `[coroutine, values.., None]`.
        // The callable slots hold the function (the frame's record holds it
        // too) and NULL or a bound self: dropping them runs no code.
        let old = match self.stack.get_mut(ret_base) {
            Some(slot) => std::mem::replace(slot, Value::Obj(gen.clone())),
            None => Value::Null,
        };
        self.stack.drain(ret_base + 1..base);
        self.stack.push(Value::None);
        drop(old);
        if let Some(c) = self.frames.get_mut(n - 2) {
            c.lasti = send_at;
            c.pc = after;
        }
        if let Some(f) = self.frames.last_mut() {
            f.base = ret_base + 1;
            f.ret_base = ret_base + 1;
            f.pc = next;
            f.gen_exit = exit;
            f.generator = Some(gen);
        }
        true
    }

    /// The checks of `gen_send_ex2` that the fast entry leaves to the
    /// general path (tracing, the recursion limit, a running, finished or
    /// async generator, a first `send` of a value), then the resumption.
    #[inline(always)]
    fn resume_in_loop<const SEND: bool>(
        &mut self,
        gen: &PyRef,
        next: usize,
        exit: GenExit,
    ) -> bool {
        if self.tracing || self.recursion_depth() >= self.recursion_limit {
            return false;
        }
        let Some(st) = state(gen) else {
            return false;
        };
        let Ok(mut s) = st.try_borrow_mut() else {
            return false;
        };
        let kind_ok = if SEND {
            s.kind != GenKind::AsyncGenerator
        } else {
            s.kind == GenKind::Generator
        };
        if !kind_ok || s.running || s.frame.is_none() {
            return false;
        }
        let arg = if SEND {
            if !s.started && !self.stack.last().is_some_and(|v| v.is_none()) {
                return false;
            }
            super::gen_move::pop_value(&mut self.stack)
        } else {
            Value::None
        };
        if let Some(caller) = self.frames.last_mut() {
            caller.pc = next;
        }
        self.enter_generator(gen, &mut s, arg, exit);
        true
    }

    /// RETURN_VALUE of a generator frame resumed in its caller's loop.
    pub(crate) fn return_inline(&mut self, v: Value) -> PyResult<Flow> {
        let Some(frame) = self.frames.pop() else {
            return Err(self.system_error("return outside a frame"));
        };
        self.stack.truncate(frame.ret_base.min(self.stack.len()));
        let exit = frame.gen_exit;
        self.finish_inline(&frame);
        drop(frame);
        let target = match exit {
            GenExit::ForIter(t) => {
                let it = self.pop();
                if self.tracing {
                    self.trace_iter_stop(&it, None);
                }
                t
            }
            GenExit::Send(t) => {
                if self.tracing {
                    let receiver = self.peek(0).clone();
                    self.trace_iter_stop(&receiver, Some(&v));
                }
                if let Some(top) = self.stack.last_mut() {
                    *top = v;
                }
                t
            }
            // `send()` returned: StopIteration(value) at the caller's CALL
            // (its `lasti`), as `gen_send_m` raises it.
            GenExit::Call => return Err(self.stop_iteration(v)),
            // An async generator's return ends its asend
            // (vm/agen_inline.rs).
            GenExit::ASend(_) => return Err(self.asend_returned()),
            // `sum(gen)`... (vm/gen_reduce.rs).
            GenExit::Reduce(kind) => return self.reduce_returned(kind),
            GenExit::No => return Err(self.system_error("not a resumed generator frame")),
        };
        if let Some(caller) = self.frames.last_mut() {
            caller.pc = target as usize;
        }
        Ok(Flow::Reload)
    }

    /// An exception left a generator frame resumed in its caller's loop
    /// (already popped, its values cut from the stack): finish the
    /// generator and give the error its caller sees.
    pub(crate) fn gen_unwound(&mut self, frame: Frame, err: PyErr) -> PyErr {
        self.finish_inline(&frame);
        let kind = frame
            .generator
            .as_ref()
            .and_then(|g| state(g))
            .and_then(|s| s.try_borrow().ok().map(|s| s.kind))
            .unwrap_or(GenKind::Generator);
        let asend = matches!(frame.gen_exit, GenExit::ASend(_));
        if let GenExit::Reduce(kind) = frame.gen_exit {
            self.reduce_unwound(kind);
        }
        drop(frame);
        let err = self.gen_raised(kind, err);
        if asend {
            self.asend_raised(&err);
        }
        err
    }

    /// The generator of `frame` finished: not running, no frame, and the
    /// callers' handled exception current again.
    fn finish_inline(&mut self, frame: &Frame) {
        if let Some(g) = frame.generator.as_ref() {
            self.gen_finished(g);
        }
    }
}
