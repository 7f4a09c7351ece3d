//! Generators and coroutines: a suspended frame held by the object, moved
//! back onto the VM's stack to resume (`send`, `throw`, `close`).

use std::cell::RefCell;

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::pyc::opcode::Op;

use super::frame::Frame;
use super::interp::Exit;
use super::value::{PyRef, Value};
use super::{PyErr, PyResult, Vm};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GenKind {
    Generator,
    Coroutine,
    AsyncGenerator,
}

/// A suspended frame: its record and its locals-plus and value stack.
pub struct Suspended {
    pub frame: Frame,
    pub values: Vec<Value>,
}

pub struct GenState {
    pub kind: GenKind,
    /// None once the generator has finished.
    pub suspended: Option<Suspended>,
    pub running: bool,
    pub started: bool,
    pub name: Value,
    pub qualname: Value,
    /// The exception being handled inside the generator while suspended.
    pub exc_state: Value,
    /// Set when a coroutine has been awaited (for error messages).
    pub code: std::rc::Rc<super::code::Code>,
}

/// How a resumed generator stopped.
pub enum GenResult {
    Yield(Value),
    Return(Value),
}

fn state(o: &PyRef) -> Option<&RefCell<GenState>> {
    match &o.payload {
        Payload::Generator(g) => Some(g),
        _ => None,
    }
}

impl Vm {
    /// RETURN_GENERATOR: turn the running frame into a generator object.
    pub(crate) fn make_generator(&mut self, next_pc: usize) -> PyResult<(Value, bool, usize)> {
        let Some(mut frame) = self.frames.pop() else {
            return Err(self.system_error("no frame"));
        };
        let values = self.stack.split_off(frame.base.min(self.stack.len()));
        let entry = frame.entry;
        let ret_base = frame.ret_base;
        frame.pc = next_pc;
        let code = frame.code.clone();
        let flags = code.flags;
        let kind = if flags & crate::pyc::code::CO_COROUTINE != 0 {
            GenKind::Coroutine
        } else if flags & crate::pyc::code::CO_ASYNC_GENERATOR != 0 {
            GenKind::AsyncGenerator
        } else {
            GenKind::Generator
        };
        let (name, qualname) = match frame.func.as_ref().map(|f| &f.payload) {
            Some(Payload::Function(f)) => (f.name.borrow().clone(), f.qualname.borrow().clone()),
            _ => (
                Value::Obj(code.name.clone()),
                Value::Obj(code.qualname.clone()),
            ),
        };
        let ty = match kind {
            GenKind::Generator => self.types.generator.clone(),
            GenKind::Coroutine => self.types.coroutine.clone(),
            GenKind::AsyncGenerator => self.types.async_generator.clone(),
        };
        let gen = self.new_obj(
            &ty,
            Payload::Generator(RefCell::new(GenState {
                kind,
                suspended: Some(Suspended { frame, values }),
                running: false,
                started: false,
                name,
                qualname,
                exc_state: Value::None,
                code,
            })),
        );
        self.stack.truncate(ret_base);
        Ok((Value::Obj(gen), entry, ret_base))
    }

    /// YIELD_VALUE: suspend the running generator frame.
    pub(crate) fn suspend_generator(&mut self, next_pc: usize) -> PyResult<()> {
        let Some(mut frame) = self.frames.pop() else {
            return Err(self.system_error("no frame"));
        };
        let values = self.stack.split_off(frame.base.min(self.stack.len()));
        frame.pc = next_pc;
        let Some(gen) = frame.generator.clone() else {
            return Err(self.system_error("yield outside a generator frame"));
        };
        if let Some(st) = state(&gen) {
            let mut st = st.borrow_mut();
            st.suspended = Some(Suspended { frame, values });
        }
        Ok(())
    }

    /// Push a suspended generator's frame back onto the stack.
    fn resume_frame(&mut self, gen: &PyRef) -> PyResult<bool> {
        let Some(st) = state(gen) else {
            return Err(self.type_error("not a generator"));
        };
        let mut s = st.borrow_mut();
        if s.running {
            let what = if s.kind == GenKind::Generator {
                "generator"
            } else {
                "coroutine"
            };
            drop(s);
            return Err(self.value_error(format!("{what} already executing")));
        }
        let Some(susp) = s.suspended.take() else {
            return Ok(false);
        };
        s.running = true;
        s.started = true;
        let exc = std::mem::replace(&mut s.exc_state, Value::None);
        drop(s);
        let mut frame = susp.frame;
        let base = self.stack.len();
        self.stack.extend(susp.values);
        frame.base = base;
        frame.ret_base = base;
        frame.entry = true;
        frame.generator = Some(gen.clone());
        self.frames.push(frame);
        let outer = std::mem::replace(&mut self.exc_info, exc);
        self.gen_exc_outer.push(outer);
        Ok(true)
    }

    /// Run the resumed generator frame and record how it stopped.
    fn finish_resume(&mut self, gen: &PyRef, r: PyResult<Exit>) -> PyResult<GenResult> {
        let inner = std::mem::replace(
            &mut self.exc_info,
            self.gen_exc_outer.pop().unwrap_or(Value::None),
        );
        if let Some(st) = state(gen) {
            let mut s = st.borrow_mut();
            s.running = false;
            s.exc_state = if s.suspended.is_some() {
                inner
            } else {
                Value::None
            };
        }
        match r {
            Ok(Exit::Yield(v)) => Ok(GenResult::Yield(v)),
            Ok(Exit::Return(v)) => {
                if let Some(st) = state(gen) {
                    st.borrow_mut().suspended = None;
                }
                Ok(GenResult::Return(v))
            }
            Err(e) => {
                if let Some(st) = state(gen) {
                    st.borrow_mut().suspended = None;
                }
                let kind = state(gen)
                    .map(|s| s.borrow().kind)
                    .unwrap_or(GenKind::Generator);
                if self.err_is(&e, ExcKind::StopIteration)
                    || (kind == GenKind::AsyncGenerator
                        && self.err_is(&e, ExcKind::StopAsyncIteration))
                {
                    let what = match kind {
                        GenKind::Generator => "generator raised StopIteration",
                        GenKind::Coroutine => "coroutine raised StopIteration",
                        GenKind::AsyncGenerator => {
                            if self.err_is(&e, ExcKind::StopAsyncIteration) {
                                "async generator raised StopAsyncIteration"
                            } else {
                                "async generator raised StopIteration"
                            }
                        }
                    };
                    let rt = self.runtime_error(what);
                    self.set_cause(&rt, &e);
                    return Err(rt);
                }
                Err(e)
            }
        }
    }

    fn set_cause(&self, e: &PyErr, cause: &PyErr) {
        if let Payload::Exception(d) = &e.0.payload {
            let mut d = d.borrow_mut();
            d.cause = cause.value();
            d.context = cause.value();
            d.suppress_context = true;
        }
    }

    /// `gen.send(value)`.
    pub fn gen_send(&mut self, gen: &PyRef, value: Value) -> PyResult<GenResult> {
        let started = state(gen).is_some_and(|s| s.borrow().started);
        if !started && !value.is_none() {
            let what = match state(gen).map(|s| s.borrow().kind) {
                Some(GenKind::Coroutine) => "coroutine",
                Some(GenKind::AsyncGenerator) => "async generator",
                _ => "generator",
            };
            return Err(self.type_error(format!(
                "can't send non-None value to a just-started {what}"
            )));
        }
        if !self.resume_frame(gen)? {
            let kind = state(gen).map(|s| s.borrow().kind);
            if kind == Some(GenKind::Coroutine) {
                return Err(self.runtime_error("cannot reuse already awaited coroutine"));
            }
            return Ok(GenResult::Return(Value::None));
        }
        self.push(value);
        let r = self.run();
        self.finish_resume(gen, r)
    }

    /// `next(gen)` for a generator: Some(yielded) or None when it returned.
    pub fn gen_next(&mut self, gen: &PyRef) -> PyResult<Option<Value>> {
        match self.gen_send(gen, Value::None)? {
            GenResult::Yield(v) => Ok(Some(v)),
            GenResult::Return(_) => Ok(None),
        }
    }

    /// The object a suspended generator delegates to (`yield from`/`await`).
    fn gen_yield_from(&self, gen: &PyRef) -> Option<Value> {
        let st = state(gen)?.borrow();
        let susp = st.suspended.as_ref()?;
        if !st.started {
            return None;
        }
        let code = &susp.frame.code;
        let pc = susp.frame.pc;
        let (op, arg) = (
            code.code.get(pc * 2).copied()?,
            code.code.get(pc * 2 + 1).copied()?,
        );
        if Op::from_u8(op) != Some(Op::Resume) || arg < 2 {
            return None;
        }
        susp.values.last().cloned()
    }

    /// `gen.throw(exc)`: raise `exc` at the suspension point.
    pub fn gen_throw(&mut self, gen: &PyRef, exc: PyErr) -> PyResult<GenResult> {
        if let Some(yf) = self.gen_yield_from(gen) {
            let is_exit = self.err_is(&exc, ExcKind::GeneratorExit);
            let sub: PyResult<Option<GenResult>> = if is_exit {
                match self.close_subiterator(&yf) {
                    Ok(()) => Ok(None),
                    Err(e) => Err(e),
                }
            } else if let Value::Obj(yo) = &yf {
                if matches!(yo.payload, Payload::Generator(_)) {
                    if let Some(st) = state(gen) {
                        st.borrow_mut().running = true;
                    }
                    let r = self.gen_throw(yo, exc.clone());
                    if let Some(st) = state(gen) {
                        st.borrow_mut().running = false;
                    }
                    r.map(Some)
                } else {
                    match self.getattr_opt(&yf, "throw")? {
                        Some(t) => match self.call(&t, &[exc.value()]) {
                            Ok(v) => Ok(Some(GenResult::Yield(v))),
                            Err(e) if self.err_is(&e, ExcKind::StopIteration) => {
                                let v = self.get_attr_raw(&e.0, "value").unwrap_or(Value::None);
                                Ok(Some(GenResult::Return(v)))
                            }
                            Err(e) => Err(e),
                        },
                        None => Ok(None),
                    }
                }
            } else {
                Ok(None)
            };
            match sub {
                Ok(Some(GenResult::Yield(v))) => return Ok(GenResult::Yield(v)),
                Ok(Some(GenResult::Return(v))) => return self.gen_resume_after_send(gen, v),
                Ok(None) => {}
                Err(e) => return self.gen_throw_here(gen, e),
            }
        }
        self.gen_throw_here(gen, exc)
    }

    /// Resume a generator whose `yield from` target returned `v`: continue
    /// after the SEND loop with `v` as its result.
    fn gen_resume_after_send(&mut self, gen: &PyRef, v: Value) -> PyResult<GenResult> {
        if let Some(st) = state(gen) {
            let mut s = st.borrow_mut();
            if let Some(susp) = s.suspended.as_mut() {
                let code = susp.frame.code.clone();
                // After the yield: RESUME, JUMP_BACKWARD_NO_INTERRUPT to SEND.
                let jpc = susp.frame.pc + 1;
                let jarg = code.code.get(jpc * 2 + 1).copied().unwrap_or(0) as usize;
                let send_pc = (jpc + 1).saturating_sub(jarg);
                let sarg = code.code.get(send_pc * 2 + 1).copied().unwrap_or(0) as usize;
                susp.frame.pc = send_pc + 1 + sarg;
                if let Some(top) = susp.values.last_mut() {
                    *top = v;
                }
            }
        }
        if !self.resume_frame(gen)? {
            return Ok(GenResult::Return(Value::None));
        }
        let r = self.run();
        self.finish_resume(gen, r)
    }

    fn close_subiterator(&mut self, yf: &Value) -> PyResult<()> {
        if let Value::Obj(o) = yf {
            if matches!(o.payload, Payload::Generator(_)) {
                return self.gen_close(o);
            }
        }
        if let Some(c) = self.getattr_opt(yf, "close")? {
            self.call(&c, &[])?;
        }
        Ok(())
    }

    fn gen_throw_here(&mut self, gen: &PyRef, exc: PyErr) -> PyResult<GenResult> {
        if !self.resume_frame(gen)? {
            return Err(exc);
        }
        let r = match self.unwind(exc, true) {
            Ok(()) => self.run(),
            Err(e) => Err(e),
        };
        self.finish_resume(gen, r)
    }

    /// `gen.close()`.
    pub fn gen_close(&mut self, gen: &PyRef) -> PyResult<()> {
        let live = state(gen).is_some_and(|s| {
            let s = s.borrow();
            s.suspended.is_some() && s.started
        });
        if !live {
            if let Some(st) = state(gen) {
                st.borrow_mut().suspended = None;
            }
            return Ok(());
        }
        let exit = self.new_error_noargs(ExcKind::GeneratorExit);
        match self.gen_throw(gen, exit) {
            Ok(GenResult::Yield(_)) => {
                let kind = state(gen)
                    .map(|s| s.borrow().kind)
                    .unwrap_or(GenKind::Generator);
                Err(self.runtime_error(match kind {
                    GenKind::AsyncGenerator => "async generator ignored GeneratorExit",
                    GenKind::Coroutine => "coroutine ignored GeneratorExit",
                    GenKind::Generator => "generator ignored GeneratorExit",
                }))
            }
            Ok(GenResult::Return(_)) => Ok(()),
            Err(e)
                if self.err_is(&e, ExcKind::GeneratorExit)
                    || self.err_is(&e, ExcKind::StopIteration) =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// The exception a throw() call's arguments describe.
    pub fn exc_from_throw_args(&mut self, args: &[Value]) -> PyResult<PyErr> {
        let typ = args.first().cloned().unwrap_or(Value::None);
        let val = args.get(1).cloned().unwrap_or(Value::None);
        if let Value::Obj(t) = &typ {
            if matches!(t.payload, Payload::Type(_)) {
                let base = self.exc_type(ExcKind::BaseException);
                if crate::objects::typeobj::is_subtype(t, &base) {
                    if let Value::Obj(v) = &val {
                        if matches!(v.payload, Payload::Exception(_)) {
                            return Ok(PyErr(v.clone()));
                        }
                    }
                    let inst = if val.is_none() {
                        self.call(&typ, &[])?
                    } else {
                        self.call(&typ, &[val.clone()])?
                    };
                    if let Value::Obj(i) = inst {
                        return Ok(PyErr(i));
                    }
                }
            }
            if matches!(t.payload, Payload::Exception(_)) {
                if !val.is_none() {
                    return Err(self.type_error("instance exception may not have a separate value"));
                }
                return Ok(PyErr(t.clone()));
            }
        }
        Err(self.type_error(format!(
            "exceptions must be classes or instances deriving from BaseException, not {}",
            self.type_name_of(&typ)
        )))
    }
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

fn stop_iteration(vm: &mut Vm, v: Value) -> PyErr {
    let ty = vm.exc_type(ExcKind::StopIteration);
    let args = if v.is_none() { vec![] } else { vec![v.clone()] };
    let e = vm.new_exception(&ty, args);
    vm.set_attr_raw(&e, "value", v);
    PyErr(e)
}

fn result_to_value(vm: &mut Vm, gen: &PyRef, r: GenResult) -> PyResult<Value> {
    match r {
        GenResult::Yield(v) => Ok(v),
        GenResult::Return(v) => {
            let kind = state(gen)
                .map(|s| s.borrow().kind)
                .unwrap_or(GenKind::Generator);
            if kind == GenKind::AsyncGenerator {
                return Err(vm.new_error_noargs(ExcKind::StopAsyncIteration));
            }
            Err(stop_iteration(vm, v))
        }
    }
}

fn gen_send_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = gen_of(vm, &arg(&args, 0))?;
    let r = vm.gen_send(&g, arg(&args, 1))?;
    result_to_value(vm, &g, r)
}

fn gen_next_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = gen_of(vm, &arg(&args, 0))?;
    let r = vm.gen_send(&g, Value::None)?;
    result_to_value(vm, &g, r)
}

fn gen_throw_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = gen_of(vm, &arg(&args, 0))?;
    let e = vm.exc_from_throw_args(&args.args[1..])?;
    let r = vm.gen_throw(&g, e)?;
    result_to_value(vm, &g, r)
}

fn gen_close_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = gen_of(vm, &arg(&args, 0))?;
    vm.gen_close(&g)?;
    Ok(Value::None)
}

fn gen_iter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(arg(&args, 0))
}

fn gen_name(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let g = gen_of(vm, v)?;
    Ok(state(&g)
        .map(|s| s.borrow().name.clone())
        .unwrap_or(Value::None))
}
fn gen_qualname(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let g = gen_of(vm, v)?;
    Ok(state(&g)
        .map(|s| s.borrow().qualname.clone())
        .unwrap_or(Value::None))
}
fn gen_running(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let g = gen_of(vm, v)?;
    Ok(Value::Bool(state(&g).is_some_and(|s| s.borrow().running)))
}
fn gen_code(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let g = gen_of(vm, v)?;
    let code = state(&g).map(|s| s.borrow().code.clone());
    match code {
        Some(c) => Ok(Value::Obj(vm.new_obj(&vm.types.code, Payload::Code(c)))),
        None => Ok(Value::None),
    }
}
fn gen_frame(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let g = gen_of(vm, v)?;
    let live = state(&g).is_some_and(|s| s.borrow().suspended.is_some());
    Ok(if live { Value::Bool(true) } else { Value::None })
}
fn gen_yieldfrom(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let g = gen_of(vm, v)?;
    Ok(vm.gen_yield_from(&g).unwrap_or(Value::None))
}

fn coro_await(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = arg(&args, 0);
    Ok(Value::Obj(vm.new_obj(
        &vm.types.coroutine_wrapper,
        Payload::Iter(RefCell::new(crate::objects::iter::IterState::Map {
            func: g,
            its: vec![],
        })),
    )))
}

fn wrapper_target(vm: &Vm, v: &Value) -> PyResult<PyRef> {
    if let Value::Obj(o) = v {
        if let Payload::Iter(st) = &o.payload {
            if let crate::objects::iter::IterState::Map {
                func: Value::Obj(g),
                ..
            } = &*st.borrow()
            {
                return Ok(g.clone());
            }
        }
    }
    Err(vm.type_error("bad coroutine wrapper"))
}

fn wrapper_send(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = wrapper_target(vm, &arg(&args, 0))?;
    let r = vm.gen_send(&g, arg(&args, 1))?;
    result_to_value(vm, &g, r)
}
fn wrapper_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = wrapper_target(vm, &arg(&args, 0))?;
    let r = vm.gen_send(&g, Value::None)?;
    result_to_value(vm, &g, r)
}
fn wrapper_throw(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = wrapper_target(vm, &arg(&args, 0))?;
    let e = vm.exc_from_throw_args(&args.args[1..])?;
    let r = vm.gen_throw(&g, e)?;
    result_to_value(vm, &g, r)
}
fn wrapper_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = wrapper_target(vm, &arg(&args, 0))?;
    vm.gen_close(&g)?;
    Ok(Value::None)
}

pub fn install(vm: &mut Vm) {
    for t in [
        vm.types.generator.clone(),
        vm.types.coroutine.clone(),
        vm.types.async_generator.clone(),
    ] {
        vm.add_methods(
            &t,
            &[
                ("send", gen_send_m),
                ("throw", gen_throw_m),
                ("close", gen_close_m),
            ],
        );
        vm.add_getsets(
            &t,
            &[
                ("__name__", gen_name, None),
                ("__qualname__", gen_qualname, None),
            ],
        );
    }
    let g = vm.types.generator.clone();
    vm.add_methods(&g, &[("__next__", gen_next_m), ("__iter__", gen_iter)]);
    vm.add_getsets(
        &g,
        &[
            ("gi_running", gen_running, None),
            ("gi_code", gen_code, None),
            ("gi_frame", gen_frame, None),
            ("gi_yieldfrom", gen_yieldfrom, None),
        ],
    );
    let c = vm.types.coroutine.clone();
    vm.add_methods(&c, &[("__await__", coro_await)]);
    vm.add_getsets(
        &c,
        &[
            ("cr_running", gen_running, None),
            ("cr_code", gen_code, None),
            ("cr_frame", gen_frame, None),
            ("cr_await", gen_yieldfrom, None),
        ],
    );
    let w = vm.types.coroutine_wrapper.clone();
    vm.add_methods(
        &w,
        &[
            ("send", wrapper_send),
            ("__next__", wrapper_next),
            ("throw", wrapper_throw),
            ("close", wrapper_close),
            ("__iter__", gen_iter),
        ],
    );
}
