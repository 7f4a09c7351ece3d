//! `sys.settrace` and `sys.setprofile` events, as CPython 3.11's
//! Python/ceval.c (`DO_TRACING`, `maybe_call_line_trace`, `call_trace`,
//! `call_exc_trace`, `trace_function_entry/exit`, `C_TRACE`) and
//! Python/sysmodule.c (`trace_trampoline`, `profile_trampoline`) deliver
//! them.
//!
//! The eval loop checks one flag, `vm.tracing` (true while a trace or a
//! profile function is set), and calls [`Vm::trace_instruction`] before
//! each instruction; the unwinder calls [`Vm::trace_exception`] and
//! [`Vm::trace_unwind_exit`], `gen.throw()` calls [`Vm::trace_throw_entry`]
//! and calls of builtins go through [`Vm::call_traced`]. While a hook runs
//! (`busy`, CPython's `tstate->tracing`) no event is reported.

use crate::objects::rc::{Rc, Weak};
use std::cell::RefCell;
use std::collections::HashMap;

use super::code::Code;
use super::value::{PyRef, Value};
use super::{PyErr, PyResult, Vm};
use crate::objects::frame::{frame_at, frame_data};
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::pyc::opcode::Op;

/// CPython's `PyTrace_*` events (`whatstrings` order).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Event {
    Call,
    Exception,
    Line,
    Return,
    CCall,
    CException,
    CReturn,
    Opcode,
}

impl Event {
    pub fn name(self) -> &'static str {
        match self {
            Event::Call => "call",
            Event::Exception => "exception",
            Event::Line => "line",
            Event::Return => "return",
            Event::CCall => "c_call",
            Event::CException => "c_exception",
            Event::CReturn => "c_return",
            Event::Opcode => "opcode",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Hook {
    Trace,
    Profile,
}

/// The thread's state while a hook runs (the hooks themselves are kept
/// by modules/sys_trace.rs).
struct Hooks {
    /// Hooks being run (`tstate->tracing`).
    busy: u32,
    /// The event being reported (`tstate->tracing_what`).
    what: Option<Event>,
}

/// Per code object: the line of each code unit (-1 for none) and the
/// first traceable instruction (`_co_firsttraceable`, the first RESUME).
struct LineArray {
    lines: Box<[i32]>,
    first: usize,
}

/// Line arrays by code object address (checked against the code).
type LineCache = HashMap<usize, (Weak<Code>, Rc<LineArray>)>;

std::thread_local! {
    static HOOKS: RefCell<Hooks> = const {
        RefCell::new(Hooks { busy: 0, what: None })
    };
    /// (frame depth, lasti) restored by the last RERAISE with an oparg.
    static RERAISE: std::cell::Cell<Option<(usize, usize)>> = const { std::cell::Cell::new(None) };
    /// (frame depth, RERAISE position, lasti it restored): the last one.
    static LAST_RERAISE: std::cell::Cell<Option<(usize, usize, usize)>> =
        const { std::cell::Cell::new(None) };
    static LINES: RefCell<LineCache> =
        RefCell::new(HashMap::new());
}

/// The event whose hook is running (`tstate->tracing_what`, which is
/// `call` when none runs), for the `f_lineno` setter.
pub fn tracing_what() -> Event {
    HOOKS.with(|h| h.borrow().what.unwrap_or(Event::Call))
}

/// `sys.call_tracing(func, args)` (`_PyEval_CallTracing`): call `func`
/// with events reported even inside a hook.
pub fn call_tracing(vm: &mut Vm, func: &Value, args: &[Value]) -> PyResult<Value> {
    let saved = HOOKS.with(|h| std::mem::replace(&mut h.borrow_mut().busy, 0));
    let r = vm.call(func, args);
    HOOKS.with(|h| h.borrow_mut().busy = saved);
    r
}

fn busy() -> bool {
    HOOKS.with(|h| h.borrow().busy > 0)
}

fn hook(which: Hook) -> Value {
    let (t, p) = crate::modules::sys_trace::hooks();
    match which {
        Hook::Trace => t,
        Hook::Profile => p,
    }
}

/// Set `vm.tracing` from the current thread's hooks (after a change or a
/// thread switch).
pub fn refresh_flag(vm: &mut Vm) {
    let (t, p) = crate::modules::sys_trace::hooks();
    vm.tracing = !t.is_none() || !p.is_none();
    super::breaker::set_to(super::breaker::TRACING, vm.tracing);
}

fn set_trace(vm: &mut Vm, f: Value) {
    crate::modules::sys_trace::set_hook(vm, 0, f);
}

fn set_profile(vm: &mut Vm, f: Value) {
    crate::modules::sys_trace::set_hook(vm, 1, f);
}

fn line_array(code: &Rc<Code>) -> Rc<LineArray> {
    let key = Rc::as_ptr(code) as usize;
    if let Some(la) = LINES.with(|m| {
        m.borrow().get(&key).and_then(|(w, la)| {
            w.upgrade()
                .filter(|c| Rc::ptr_eq(c, code))
                .map(|_| la.clone())
        })
    }) {
        return la;
    }
    let n = code.raw_code().len() / 2;
    let mut lines = vec![-1i32; n];
    if let Some(co) = code.co() {
        for r in co.lines() {
            let (s, e) = (r.start as usize / 2, (r.end as usize / 2).min(n));
            if let Some(l) = r.line {
                for x in lines.iter_mut().take(e).skip(s) {
                    *x = l;
                }
            }
        }
    }
    let first = code
        .raw_code()
        .chunks(2)
        .position(|w| w.first().and_then(|&b| Op::from_u8(b)) == Some(Op::Resume))
        .unwrap_or(0);
    let la = Rc::new(LineArray {
        lines: lines.into_boxed_slice(),
        first,
    });
    LINES.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() > 4096 {
            m.retain(|_, (w, _)| w.strong_count() > 0);
        }
        m.insert(key, (Rc::downgrade(code), la.clone()));
    });
    la
}

impl LineArray {
    fn line(&self, i: usize) -> i32 {
        self.lines.get(i).copied().unwrap_or(-1)
    }
}

impl Vm {
    /// The frame object of the running frame (made on first use).
    fn top_frame_object(&mut self) -> Option<PyRef> {
        let n = self.frames.len().checked_sub(1)?;
        frame_at(self, n)
    }

    /// `call_trace` + the sysmodule trampolines: run one hook for the top
    /// frame. For the trace hook, `call` events go to the global function
    /// and others to the frame's `f_trace`; a non-None result becomes the
    /// frame's `f_trace`. An error removes the hook and is returned.
    fn call_hook(&mut self, which: Hook, ev: Event, arg: Value) -> PyResult<()> {
        if busy() {
            return Ok(());
        }
        let global = hook(which);
        if global.is_none() {
            return Ok(());
        }
        if which == Hook::Profile && crate::modules::lsprof::is_profiler(self, &global) {
            HOOKS.with(|h| h.borrow_mut().busy += 1);
            let r = crate::modules::lsprof::callback(self, &global, ev, &arg);
            HOOKS.with(|h| {
                let mut h = h.borrow_mut();
                h.busy = h.busy.saturating_sub(1);
            });
            return r;
        }
        let Some(fo) = self.top_frame_object() else {
            return Ok(());
        };
        let Some(fd) = frame_data(&fo) else {
            return Ok(());
        };
        if let Some(f) = self.frames.last() {
            fd.lasti.set(f.lasti);
        }
        let callback = match which {
            Hook::Trace if ev != Event::Call => fd.trace.borrow().clone(),
            _ => global,
        };
        if callback.is_none() {
            return Ok(());
        }
        let old = HOOKS.with(|h| {
            let mut h = h.borrow_mut();
            h.busy += 1;
            h.what.replace(ev)
        });
        let evname = self.new_str(ev.name());
        crate::objects::frame::fast_to_locals(self, &fo);
        let r = self.call(&callback, &[Value::Obj(fo.clone()), evname, arg]);
        HOOKS.with(|h| {
            let mut h = h.borrow_mut();
            h.busy = h.busy.saturating_sub(1);
            h.what = old;
        });
        crate::objects::frame::locals_to_fast(self, &fo);
        match r {
            Err(e) => {
                match which {
                    Hook::Trace => {
                        set_trace(self, Value::None);
                        if let Some(fd) = frame_data(&fo) {
                            *fd.trace.borrow_mut() = Value::None;
                        }
                    }
                    Hook::Profile => set_profile(self, Value::None),
                }
                Err(e)
            }
            Ok(res) => {
                if which == Hook::Trace && !res.is_none() {
                    if let Some(fd) = frame_data(&fo) {
                        *fd.trace.borrow_mut() = res;
                    }
                }
                Ok(())
            }
        }
    }

    /// `trace_function_entry`: the `call` event to the trace function,
    /// then to the profile function.
    fn trace_entry(&mut self) -> PyResult<()> {
        self.call_hook(Hook::Trace, Event::Call, Value::None)?;
        self.call_hook(Hook::Profile, Event::Call, Value::None)
    }

    /// `trace_function_exit`: the `return` event (`retval` None when the
    /// frame is left by an exception).
    fn trace_exit(&mut self, retval: Value) -> PyResult<()> {
        self.call_hook(Hook::Trace, Event::Return, retval.clone())?;
        self.call_hook(Hook::Profile, Event::Return, retval)
    }

    /// `DO_TRACING`: before instruction `pc` (`op`) of the top frame runs.
    /// `prefixed`: an EXTENDED_ARG came right before (the instruction after
    /// one is not traced, as in CPython).
    pub fn trace_instruction(&mut self, pc: usize, op: Op, prefixed: bool) -> PyResult<()> {
        if prefixed || busy() {
            return Ok(());
        }
        // The target of an `f_lineno` jump runs without repeating events.
        let jumped = crate::objects::frame_jump::entering(self.frames.len(), pc);
        let Some(frame) = self.frames.last_mut() else {
            return Ok(());
        };
        let la = line_array(&frame.code);
        if pc < la.first {
            return Ok(());
        }
        let mut prev = frame.lasti;
        if let Some((d, l)) = RERAISE.with(|r| r.take()) {
            if d == self.frames.len() {
                prev = l;
            }
        }
        let Some(frame) = self.frames.last_mut() else {
            return Ok(());
        };
        frame.lasti = pc;
        if op == Op::Resume && !jumped {
            self.trace_entry()?;
        } else if !jumped && !hook(Hook::Trace).is_none() {
            let lastline = if prev <= la.first { -1 } else { la.line(prev) };
            let line = la.line(pc);
            let Some(fo) = self.top_frame_object() else {
                return Ok(());
            };
            let (lines, opcodes) = match frame_data(&fo) {
                Some(fd) => (fd.trace_lines.get(), fd.trace_opcodes.get()),
                None => (false, false),
            };
            if line != -1 && lines && (line != lastline || (pc < prev && op != Op::Send)) {
                self.call_hook(Hook::Trace, Event::Line, Value::None)?;
            }
            if opcodes {
                self.call_hook(Hook::Trace, Event::Opcode, Value::None)?;
            }
        }
        if matches!(op, Op::ReturnValue | Op::YieldValue) {
            let v = self.stack.last().cloned().unwrap_or(Value::None);
            self.trace_exit(v)?;
        }
        Ok(())
    }

    /// `call_exc_trace`: the `exception` event for `err` in the top frame
    /// (after its traceback entry was added). An error from the trace
    /// function is dropped here (the hook is removed).
    pub fn trace_exception(&mut self, err: &PyErr) {
        if busy() || hook(Hook::Trace).is_none() {
            return;
        }
        let v = err.value();
        let tb = match &err.0.payload {
            Payload::Exception(d) => d.borrow().traceback.clone(),
            _ => Value::None,
        };
        let ty = Value::Obj(self.type_of(&v));
        let arg = self.new_tuple_of([ty, v, tb]);
        let _ = self.call_hook(Hook::Trace, Event::Exception, arg);
    }

    /// SEND and FOR_ITER under a trace function: when the iterator ended
    /// by raising StopIteration (as CPython's `tp_iternext`/`send` do for
    /// coroutines, for generators returning a value other than None, and
    /// for `__next__` methods) the frame gets an `exception` event.
    /// `ret` is the value the iterator returned, when known.
    pub fn trace_iter_stop(&mut self, it: &Value, ret: Option<&Value>) {
        if busy() || hook(Hook::Trace).is_none() {
            return;
        }
        let raised = match it {
            Value::Obj(o) => match &o.payload {
                Payload::Generator(_) if o.class_is(&self.types.generator) => {
                    ret.is_some_and(|r| !r.is_none())
                }
                Payload::Generator(_) | Payload::GenOp(_) => ret.is_some(),
                Payload::Iter(_) if self.builtin_class(o) => false,
                _ => !self.builtin_class(o),
            },
            _ => false,
        };
        if raised {
            let e = self.stop_iteration(ret.cloned().unwrap_or(Value::None));
            self.trace_exception(&e);
        }
    }

    /// `TRACE_FUNCTION_UNWIND`: the top frame is left by an exception.
    pub fn trace_unwind_exit(&mut self) {
        if let Some((d, l)) = RERAISE.with(|r| r.take()) {
            if d == self.frames.len() {
                if let Some(f) = self.frames.last_mut() {
                    f.lasti = l;
                }
            }
        }
        if let Some(f) = self.frames.last() {
            if let Some(fd) = f.obj.as_ref().and_then(frame_data) {
                fd.lasti.set(f.lasti);
            }
        }
        let _ = self.trace_exit(Value::None);
    }

    /// RERAISE with an oparg restores the frame's `f_lasti` from the stack
    /// in CPython (for its line) while the handler is looked up from the
    /// RERAISE itself: remember it for the next event of this frame.
    pub fn trace_note_reraise(&mut self, oparg: u32) {
        if oparg == 0 {
            return;
        }
        let n = self.stack.len();
        let lasti = n
            .checked_sub(oparg as usize + 1)
            .and_then(|i| self.stack.get(i));
        if let Some(Value::Int(l)) = lasti {
            let depth = self.frames.len();
            let mut l = usize::try_from(*l).unwrap_or(0);
            // A handler entered after an earlier RERAISE pushed that
            // RERAISE's position, where CPython pushed the restored one.
            if let Some((d, pc, restored)) = LAST_RERAISE.with(|r| r.get()) {
                if d == depth && pc == l {
                    l = restored;
                }
            }
            let pc = self.frames.last().map_or(0, |f| f.lasti);
            LAST_RERAISE.with(|r| r.set(Some((depth, pc, l))));
            RERAISE.with(|r| r.set(Some((depth, l))));
        }
    }

    /// `TRACE_FUNCTION_THROW_ENTRY`: `gen.throw()` resumes the top frame
    /// with an exception.
    pub fn trace_throw_entry(&mut self) {
        let _ = self.trace_entry();
    }

    /// A call of a non-Python callable from CALL or CALL_FUNCTION_EX:
    /// while profiling, builtin functions and method descriptors report
    /// `c_call`, then `c_return` or `c_exception` (`C_TRACE`).
    #[inline]
    pub fn call_traced(&mut self, func: &Value, args: Args) -> PyResult<Value> {
        if !self.tracing {
            return self.call_args(func, args);
        }
        self.call_profiled(func, args)
    }

    fn call_profiled(&mut self, func: &Value, args: Args) -> PyResult<Value> {
        if hook(Hook::Profile).is_none() || busy() {
            return self.call_args(func, args);
        }
        let Value::Obj(fo) = func else {
            return self.call_args(func, args);
        };
        let (shown, rest): (Value, &[Value]) = if fo.class_is(&self.types.builtin_function) {
            (func.clone(), args.args)
        } else if fo.class_is(&self.types.method_descriptor) && !args.args.is_empty() {
            let Some((s, rest)) = args.args.split_first() else {
                return self.call_args(func, args);
            };
            let ty = self.type_of(s);
            let bound = self.descr_get(func.clone(), Some(s), &ty)?;
            (bound, rest)
        } else {
            return self.call_args(func, args);
        };
        self.call_hook(Hook::Profile, Event::CCall, shown.clone())?;
        let r = self.call_args(
            &shown,
            Args {
                args: rest,
                kwnames: args.kwnames,
            },
        );
        if hook(Hook::Profile).is_none() {
            return r;
        }
        match r {
            Ok(v) => {
                self.call_hook(Hook::Profile, Event::CReturn, shown)?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.call_hook(Hook::Profile, Event::CException, shown);
                Err(e)
            }
        }
    }
}
