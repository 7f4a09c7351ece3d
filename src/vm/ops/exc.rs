//! Exceptions: unwinding through the exception table, raising,
//! re-raising, `except` matching (incl. `except*`), and `with`.

use crate::objects::exception::ExcKind;
use crate::objects::typeobj::is_subtype;
use crate::objects::Payload;

use super::Flow;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

impl Vm {
    /// Unwind `err` from the top frame: find a handler in the exception
    /// table, or pop frames until one has a handler or an entry frame is
    /// left (then the error is returned). `add_tb` says whether the top
    /// frame gets a traceback entry (not for RERAISE and bare `raise`).
    pub(crate) fn unwind(&mut self, mut err: PyErr, add_tb: bool) -> PyResult<()> {
        // A fresh error (made by native code, no traceback yet) is chained
        // to the exception being handled, as `_PyErr_SetObject` chains it
        // where CPython sets it; one that comes up out of a Python frame
        // was chained where it was raised (RAISE_VARARGS: `op_raise`).
        if add_tb && !has_traceback(&err) {
            self.chain_context(&err, false);
        }
        let mut add = add_tb;
        loop {
            if self.frames.is_empty() {
                return Err(err);
            }
            if add {
                if let Payload::Exception(d) = &err.0.payload {
                    let old = d.borrow().traceback.clone();
                    if let Some(tb) = self.new_traceback_here(old) {
                        d.borrow_mut().traceback = Value::Obj(tb);
                    }
                }
            }
            if add && self.tracing {
                self.trace_exception(&err);
            }
            add = true;
            let Some(frame) = self.frames.last() else {
                return Err(err);
            };
            // An untrusted run's budget (vm/limited.rs) is charged per
            // handler entered; once spent, no handler catches anything.
            let spent = crate::vm::limited::active() && !crate::vm::limited::charge_handler();
            let handler = if spent {
                None
            } else {
                frame.code.handler_for(frame.lasti)
            };
            // A handler expecting more values than the stack holds (bad
            // bytecode the verifier's per-path depths cannot see: an
            // instruction of lower depth inside the protected range) is not
            // entered; the eval loop's registers rely on the handler's
            // depth being real (vm/regs.rs).
            let handler = handler.filter(|h| frame.stack_base() + h.depth <= self.stack.len());
            if let Some(h) = handler {
                let depth = frame.stack_base() + h.depth;
                let lasti = frame.lasti;
                self.stack.truncate(depth);
                if h.lasti {
                    self.push(Value::Int(lasti as i64));
                }
                self.push(err.value());
                if let Some(f) = self.frames.last_mut() {
                    f.pc = h.target;
                }
                return Ok(());
            }
            if self.tracing {
                self.trace_unwind_exit();
            }
            // Its traceback entries keep the locals it leaves with.
            self.keep_tb_locals(&err.0, None);
            let Some(frame) = self.frames.pop() else {
                return Err(err);
            };
            self.stack.truncate(frame.ret_base.min(self.stack.len()));
            if let crate::vm::frame::OnReturn::Compare(_) = frame.on_return {
                // The comparison's recursion unit (ops/call_dunder.rs).
                self.leave_recursive();
            }
            if frame.entry {
                return Err(err);
            }
            if frame.gen_exit != crate::vm::frame::GenExit::No {
                // A generator resumed in this loop: its caller sees the
                // error as `next()`/`send()` would have raised it.
                err = self.gen_unwound(frame, err);
                if !has_traceback(&err) {
                    self.chain_context(&err, false);
                }
            }
        }
    }

    /// Set `__context__` of a newly raised exception to the exception
    /// being handled (avoiding cycles), as `_PyErr_SetObject` does: always
    /// for a `raise` statement (`overwrite`), else only when it has none.
    pub(crate) fn chain_context(&mut self, err: &PyErr, overwrite: bool) {
        let cur = self.topmost_exc_info();
        let Value::Obj(c) = &cur else {
            return;
        };
        if crate::objects::rc::Rc::ptr_eq(c, &err.0) {
            return;
        }
        let Payload::Exception(d) = &err.0.payload else {
            return;
        };
        if !overwrite && !d.borrow().context.is_none() {
            return;
        }
        // Break a cycle: if err is somewhere in cur's context chain, cut it.
        let mut o = c.clone();
        for _ in 0..10_000 {
            let next = match &o.payload {
                Payload::Exception(od) => od.borrow().context.clone(),
                _ => Value::None,
            };
            match next {
                Value::Obj(n) => {
                    if crate::objects::rc::Rc::ptr_eq(&n, &err.0) {
                        if let Payload::Exception(od) = &o.payload {
                            od.borrow_mut().context = Value::None;
                        }
                        break;
                    }
                    o = n;
                }
                _ => break,
            }
        }
        d.borrow_mut().context = cur;
    }

    pub(crate) fn op_push_exc_info(&mut self) -> PyResult<Flow> {
        let v = self.pop();
        let prev = std::mem::replace(&mut self.exc_info, v.clone());
        self.push(prev);
        self.op_push(v)
    }

    /// POP_EXCEPT (`next`: the instruction after it): the handled
    /// exception is done with here. When something besides the handler
    /// keeps it (or its traceback, or a frame object of it), the traceback
    /// entries of this frame keep the frame's locals (`keep_tb_locals`),
    /// without the handler's `as` name, which the compiler clears next.
    pub(crate) fn op_pop_except(&mut self, next: usize) -> PyResult<Flow> {
        let prev = self.pop();
        let done = std::mem::replace(&mut self.exc_info, prev);
        if let Value::Obj(o) = &done {
            if matches!(o.payload, Payload::Exception(_)) {
                let (kept, name) = self.exc_kept_elsewhere(o, next);
                if kept {
                    self.keep_tb_locals(o, name);
                }
            }
        }
        Ok(Flow::Next)
    }

    /// Whether the exception `o` a handler just finished with (held by
    /// the caller's `done`) is referred to by more than that and the
    /// handler's `as` name, or its traceback head by more than the
    /// exception, or that entry made a frame object; and the local slot of
    /// the `as` name (the compiler clears it right after POP_EXCEPT:
    /// `LOAD_CONST None; STORE_FAST name` at `next`).
    fn exc_kept_elsewhere(&self, o: &PyRef, next: usize) -> (bool, Option<usize>) {
        let Payload::Exception(d) = &o.payload else {
            return (false, None);
        };
        let tb_kept = match d.try_borrow() {
            Ok(d) => match &d.traceback {
                Value::Obj(t) => {
                    crate::objects::rc::Rc::strong_count(t) > 1
                        || matches!(&t.payload, Payload::Traceback(td)
                            if td.frame_obj.try_borrow().map_or(true, |f| f.is_some()))
                }
                _ => false,
            },
            Err(_) => true,
        };
        let Some(f) = self.frames.last() else {
            return (tb_kept, None);
        };
        let mut refs = crate::objects::rc::Rc::strong_count(o);
        let code = &f.code;
        let mut name = None;
        if let Some(lc) = code.instrs.get(next) {
            if let Some(st) = code.instrs.get(next + lc.len as usize) {
                let named = lc.op == crate::pyc::opcode::Op::LoadConst
                    && matches!(code.consts.get(lc.arg as usize), Some(Value::None))
                    && st.op == crate::pyc::opcode::Op::StoreFast;
                if named {
                    let slot = st.arg as usize;
                    name = Some(slot);
                    let held = self.stack.get(f.base + slot).is_some_and(
                        |v| matches!(v, Value::Obj(x) if crate::objects::rc::Rc::ptr_eq(x, o)),
                    );
                    if held {
                        refs -= 1;
                    }
                }
            }
        }
        (tb_kept || refs > 1, name)
    }

    fn check_except_type(&mut self, t: &Value, star: bool) -> PyResult<()> {
        let base = self.exc_type(ExcKind::BaseException);
        let ok = |v: &Value| matches!(v, Value::Obj(o) if matches!(o.payload, Payload::Type(_)) && is_subtype(o, &base));
        let items = match self.seq_items(t) {
            Some(items) if matches!(t, Value::Obj(o) if matches!(o.payload, Payload::Tuple(_))) => {
                items
            }
            _ => vec![t.clone()],
        };
        for i in &items {
            if !ok(i) {
                return Err(self.type_error(
                    "catching classes that do not inherit from BaseException is not allowed",
                ));
            }
            if star {
                let beg = self.exc_type(ExcKind::BaseExceptionGroup);
                if let Value::Obj(o) = i {
                    if is_subtype(o, &beg) {
                        return Err(self.type_error(
                            "catching ExceptionGroup with except* is not allowed. Use except instead.",
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    pub(crate) fn op_check_exc_match(&mut self) -> PyResult<Flow> {
        let right = self.pop();
        // The usual case, one exception class: CPython's
        // `PyErr_GivenExceptionMatches` on the exception's class.
        if let Value::Obj(t) = &right {
            if matches!(t.payload, Payload::Type(_))
                && is_subtype(t, &self.exc_types[ExcKind::BaseException as usize])
            {
                let top = self.peek(0);
                if matches!(&top, Value::Obj(e) if matches!(e.payload, Payload::Exception(_))) {
                    let r = is_subtype(&self.type_of(&top), t);
                    return self.op_push(Value::bool(r));
                }
            }
        }
        self.check_exc_match_slow(right)
    }

    #[inline(never)]
    fn check_exc_match_slow(&mut self, right: Value) -> PyResult<Flow> {
        self.check_except_type(&right, false)?;
        // No `__instancecheck__`/`__subclasscheck__`: the classes' MROs.
        let left = self.peek(0);
        let r = self.given_exception_matches(&left, &right);
        self.op_push(Value::bool(r))
    }

    pub(crate) fn op_check_eg_match(&mut self) -> PyResult<Flow> {
        let match_type = self.pop();
        self.check_except_type(&match_type, true)?;
        let exc = self.pop();
        let (m, rest) = self.exception_group_match(&exc, &match_type)?;
        if m.is_none() {
            self.push(exc);
            self.push(Value::None);
        } else {
            // [val] -> [rest, match]; the match becomes the handled one.
            self.push(rest);
            self.push(m.clone());
            self.exc_info = m;
        }
        Ok(Flow::Next)
    }

    /// CPython's `exception_group_match`: (match, rest).
    fn exception_group_match(
        &mut self,
        exc: &Value,
        match_type: &Value,
    ) -> PyResult<(Value, Value)> {
        if exc.is_none() {
            return Ok((Value::None, Value::None));
        }
        if self.given_exception_matches(exc, match_type) {
            if self.is_group(exc) {
                return Ok((exc.clone(), Value::None));
            }
            // A naked exception: wrap it (without its traceback, as 3.11).
            let t = self.new_tuple_of([exc.clone()]);
            let wrapped = self.create_exception_group("", t)?;
            return Ok((wrapped, Value::None));
        }
        if self.is_group(exc) {
            let pair = self.call_method(exc, "split", std::slice::from_ref(match_type))?;
            if let Some([m, r]) = self.seq_items(&pair).as_deref() {
                return Ok((m.clone(), r.clone()));
            }
            return Err(self.type_error("split must return a 2-tuple"));
        }
        Ok((Value::None, Value::None))
    }

    pub(crate) fn op_prep_reraise_star(&mut self) -> PyResult<Flow> {
        let excs = self.pop();
        let orig = self.pop();
        let list = self.seq_items(&excs).unwrap_or_default();
        let r = self.prep_reraise_star(&orig, &list)?;
        self.op_push(r)
    }

    pub(crate) fn op_reraise(&mut self, oparg: u32) -> PyResult<Flow> {
        // With oparg, CPython also restores f_lasti from the stack for the
        // frame's line number; the handler is still looked up from the
        // RERAISE itself, and no traceback entry is added.
        if self.tracing {
            self.trace_note_reraise(oparg);
        }
        let exc = self.pop();
        match exc {
            Value::Obj(o) if matches!(o.payload, Payload::Exception(_)) => Err(PyErr(o)),
            _ => Err(self.system_error("RERAISE of a non-exception")),
        }
    }

    /// An exception instance from a `raise` operand (class or instance).
    fn make_exception(&mut self, v: &Value, what: &str) -> PyResult<PyRef> {
        let base = self.exc_type(ExcKind::BaseException);
        if let Value::Obj(o) = v {
            if matches!(o.payload, Payload::Exception(_)) {
                return Ok(o.clone());
            }
            if matches!(o.payload, Payload::Type(_)) && is_subtype(o, &base) {
                // `raise Class` of a class whose instantiation is cached
                // (and whose metaclass is `type`): no call machinery.
                let cached = if o.class_is(&self.types.type_) {
                    self.instantiate_cached(o, crate::objects::function::Args::new(&[]))
                } else {
                    None
                };
                let inst = match cached {
                    Some(r) => r?,
                    None => self.call(v, &[])?,
                };
                return match inst {
                    Value::Obj(i) if matches!(i.payload, Payload::Exception(_)) => Ok(i),
                    other => {
                        let r = self.repr(v)?;
                        Err(self.type_error(format!(
                            "calling {r} should have returned an instance of BaseException, not {}",
                            self.type_name_of(&other)
                        )))
                    }
                };
            }
        }
        Err(self.type_error(format!("{what} must derive from BaseException")))
    }

    pub(crate) fn op_raise(&mut self, oparg: u32) -> PyResult<Flow> {
        match oparg {
            0 => match self.topmost_exc_info() {
                Value::Obj(o) if matches!(o.payload, Payload::Exception(_)) => Err(PyErr(o)),
                _ => Err(self.runtime_error("No active exception to reraise")),
            },
            1 => {
                let v = self.pop();
                let e = PyErr(self.make_exception(&v, "exceptions")?);
                self.chain_context(&e, true);
                Err(e)
            }
            _ => {
                let cause = self.pop();
                let v = self.pop();
                let e = self.make_exception(&v, "exceptions")?;
                let cause = if cause.is_none() {
                    Value::None
                } else {
                    match self.make_exception(&cause, "exception causes") {
                        Ok(c) => Value::Obj(c),
                        Err(err) => return Err(err),
                    }
                };
                if let Payload::Exception(d) = &e.payload {
                    let mut d = d.borrow_mut();
                    d.cause = cause;
                    d.suppress_context = true;
                }
                let e = PyErr(e);
                self.chain_context(&e, true);
                Err(e)
            }
        }
    }

    pub(crate) fn op_before_with(&mut self) -> PyResult<Flow> {
        let mgr = self.pop();
        let ty = self.type_of(&mgr);
        let Some(enter) = self.type_lookup_static(&ty, "__enter__") else {
            return Err(self.type_error(format!(
                "'{}' object does not support the context manager protocol",
                self.type_name(&ty)
            )));
        };
        let Some(exit) = self.type_lookup_static(&ty, "__exit__") else {
            return Err(self.type_error(format!(
                "'{}' object does not support the context manager protocol (missed __exit__ method)",
                self.type_name(&ty)
            )));
        };
        let exit = self.descr_get(exit, Some(&mgr), &ty)?;
        self.push(exit);
        let enter = self.descr_get(enter, Some(&mgr), &ty)?;
        let r = self.call(&enter, &[])?;
        self.op_push(r)
    }

    pub(crate) fn op_with_except_start(&mut self) -> PyResult<Flow> {
        let val = self.peek(0).clone();
        let exit = self.peek(3).clone();
        let ty = Value::Obj(self.type_of(&val));
        let tb = self.traceback_of(&val);
        let r = self.call(&exit, &[ty, val, tb])?;
        self.op_push(r)
    }

    /// `exc.__traceback__`.
    pub fn traceback_of(&mut self, exc: &Value) -> Value {
        match exc {
            Value::Obj(o) => match &o.payload {
                Payload::Exception(d) => d.borrow().traceback.clone(),
                _ => Value::None,
            },
            _ => Value::None,
        }
    }
}

/// Whether an exception has traceback entries (it was raised in, or came
/// up through, a Python frame).
fn has_traceback(err: &PyErr) -> bool {
    match &err.0.payload {
        Payload::Exception(d) => !d.borrow().traceback.is_none(),
        _ => false,
    }
}
