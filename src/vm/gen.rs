//! Generators, coroutines and async generators: a suspended frame held by
//! the object, moved back onto the VM's stack to resume. This is the engine
//! of CPython 3.11's Objects/genobject.c (`gen_send_ex2`, `_gen_throw`,
//! `gen_close`, `_PyGen_Finalize`); the Python-facing methods and the
//! awaitable objects live in objects/genobject.rs.

use crate::objects::rc::Rc;
use std::cell::{Cell, RefCell};

use crate::objects::exception::ExcKind;
use crate::objects::Payload;
use crate::pyc::opcode::Op;

use super::code::Code;
use super::frame::{Frame, GenExit};
use super::gen_move::{frame_from_stack, frame_to_stack, values_from_stack, values_to_stack};
use super::ops::{move_tail, swap_words};
use super::value::{PyRef, Value};
use super::{PyErr, PyResult, Vm};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GenKind {
    Generator,
    Coroutine,
    AsyncGenerator,
}

impl GenKind {
    /// The word CPython's messages use for this kind.
    pub fn noun(self) -> &'static str {
        match self {
            GenKind::Generator => "generator",
            GenKind::Coroutine => "coroutine",
            GenKind::AsyncGenerator => "async generator",
        }
    }
}

pub struct GenState {
    pub kind: GenKind,
    /// The frame record while suspended (or not yet started); None while
    /// it runs (it is then on the VM's frame stack) and once it has
    /// finished.
    pub frame: Option<Frame>,
    /// The suspended frame's locals-plus and value stack. Empty while the
    /// frame runs and once it finished; the buffer is kept, so suspending
    /// allocates nothing.
    pub values: Vec<Value>,
    /// `gi_frame_state == FRAME_EXECUTING`.
    pub running: bool,
    /// False until the frame first runs (`FRAME_CREATED`).
    pub started: bool,
    /// While suspended, the exception being handled inside the generator;
    /// while its frame runs, the one its callers were handling (swapped
    /// with `Vm::exc_info` at each resumption and suspension, as CPython
    /// links `gi_exc_state` into the thread's exc_info chain; see
    /// `Vm::topmost_exc_info`).
    pub exc_state: Value,
    pub code: Rc<Code>,
    /// Async generators: `ag_running_async` and `ag_closed`.
    pub running_async: bool,
    pub closed: bool,
    /// Finalization already ran (PEP 442: at most once).
    pub finalized: bool,
    /// Async generators: whether `sys` asyncgen hooks were consulted
    /// (first `__anext__`/`asend`/`athrow`/`aclose`).
    pub hooks_inited: bool,
    /// What few generators set (one word: a generator's
    /// `RefCell<GenState>` fits a 192-byte block, tests/mem_layout.rs).
    pub rare: Option<Box<GenRare>>,
}

/// The fields of a generator that most never set.
#[derive(Default)]
pub struct GenRare {
    /// `__name__` and `__qualname__` when they are not the code's own
    /// objects (a function renamed before the call, or set on the
    /// generator); None: `code.name` and `code.qualname`.
    pub names: Option<(Value, Value)>,
    /// The frame object handed out by `gi_frame` (made on first use).
    pub frame_obj: Option<PyRef>,
    /// An async generator's `sys` asyncgen finalizer hook in force when
    /// the hooks were consulted (called instead of closing on destruction).
    pub finalizer: Option<PyRef>,
}

impl GenState {
    /// Finished (`FRAME_COMPLETED` or `FRAME_CLEARED`).
    pub fn finished(&self) -> bool {
        self.frame.is_none() && !self.running
    }

    /// Whether a resumption needs none of `gen_send_ex`'s checks: not
    /// running, not finished, and a just-started one sent None.
    #[inline]
    pub fn resumable(&self, arg_none: bool) -> bool {
        !self.running && self.frame.is_some() && (self.started || arg_none)
    }

    /// Whether closing this generator runs nothing: suspended at a yield
    /// that no exception handler covers and not delegating (`yield from`),
    /// GeneratorExit thrown there would leave the frame at once (CPython
    /// 3.12 finishes such a generator without resuming it; 3.11's throw
    /// ends the same way when nothing traces). The caller checks tracing.
    pub fn closes_trivially(&self) -> bool {
        if self.kind != GenKind::Generator || self.running || !self.started {
            return false;
        }
        let Some(frame) = self.frame.as_ref() else {
            return false;
        };
        let code = &frame.code;
        let at = frame.lasti;
        let at_yield = matches!(code.instrs.get(at).map(|i| i.op), Some(Op::YieldValue));
        // `yield from`/`await` resume with RESUME 2 or 3 (`gen_yield_from`).
        let delegating = matches!(
            code.instrs.get(frame.pc),
            Some(i) if i.op == Op::Resume && i.arg >= 2
        );
        at_yield && !delegating && code.handler_for(at).is_none()
    }
}

impl GenState {
    /// The state RETURN_GENERATOR gives a new generator: not started, its
    /// frame (None when it runs on at once, vm/gen_inline.rs) and values.
    #[inline(always)]
    pub(crate) fn created(
        kind: GenKind,
        frame: Option<Frame>,
        values: Vec<Value>,
        names: Option<(Value, Value)>,
        code: Rc<Code>,
    ) -> GenState {
        GenState {
            kind,
            frame,
            values,
            running: false,
            started: false,
            exc_state: Value::None,
            rare: names.map(|n| {
                Box::new(GenRare {
                    names: Some(n),
                    ..GenRare::default()
                })
            }),
            code,
            running_async: false,
            closed: false,
            finalized: false,
            hooks_inited: false,
        }
    }

    /// `__name__` (the code's name unless set otherwise).
    pub fn name(&self) -> Value {
        match self.rare.as_deref().and_then(|r| r.names.as_ref()) {
            Some((n, _)) => n.clone(),
            None => Value::Obj(self.code.name.clone()),
        }
    }

    /// `__qualname__` (the code's qualified name unless set otherwise).
    pub fn qualname(&self) -> Value {
        match self.rare.as_deref().and_then(|r| r.names.as_ref()) {
            Some((_, q)) => q.clone(),
            None => Value::Obj(self.code.qualname.clone()),
        }
    }

    /// Set `__name__` (`qual` false) or `__qualname__` (`qual` true).
    pub fn set_name(&mut self, qual: bool, v: Value) {
        let (n, q) = (self.name(), self.qualname());
        self.rare_mut().names = Some(if qual { (n, v) } else { (v, q) });
    }

    /// The `gi_frame` object, if one was made.
    pub fn frame_obj(&self) -> Option<PyRef> {
        self.rare.as_deref().and_then(|r| r.frame_obj.clone())
    }

    /// The rare fields, made on first write.
    pub fn rare_mut(&mut self) -> &mut GenRare {
        self.rare.get_or_insert_with(Box::default)
    }

    /// Take the async generator finalizer hook.
    pub fn take_finalizer(&mut self) -> Option<PyRef> {
        self.rare.as_deref_mut().and_then(|r| r.finalizer.take())
    }
}

/// `__name__` and `__qualname__` of the generator a frame becomes: its
/// function's, else its code's; None when they are the code's own objects
/// (as MAKE_FUNCTION gives a function), which the generator then reads
/// from its code instead of keeping them.
pub(crate) fn gen_names(frame: &Frame) -> Option<(Value, Value)> {
    let own = |v: &Value, o: &PyRef| matches!(v, Value::Obj(x) if Rc::ptr_eq(x, o));
    match frame.func.as_ref().map(|f| &f.payload) {
        Some(Payload::Function(f)) => {
            let (n, q) = (f.name.get(), f.qualname.get());
            if own(&n, &frame.code.name) && own(&q, &frame.code.qualname) {
                None
            } else {
                Some((n, q))
            }
        }
        _ => None,
    }
}

/// How a resumed generator stopped.
pub enum GenResult {
    Yield(Value),
    Return(Value),
}

/// The arguments of a `throw()` as given (`typ[, val[, tb]]`); normalized
/// only where the exception is raised, as `_gen_throw` does.
#[derive(Clone)]
pub struct Thrown {
    pub typ: Value,
    pub val: Option<Value>,
    pub tb: Option<Value>,
}

impl Thrown {
    /// An exception instance thrown as it is.
    pub fn exc(e: &PyErr) -> Thrown {
        Thrown {
            typ: e.value(),
            val: None,
            tb: None,
        }
    }

    /// The arguments for a delegate's `throw` method (stopping at the
    /// first absent one, as `PyObject_CallFunctionObjArgs`).
    pub fn call_args(&self) -> Vec<Value> {
        let mut v = vec![self.typ.clone()];
        if let Some(val) = &self.val {
            v.push(val.clone());
            if let Some(tb) = &self.tb {
                v.push(tb.clone());
            }
        }
        v
    }
}

/// The running generators of a thread, for `Vm::topmost_exc_info`: how
/// many there are (frames on the frame stack marked with their generator,
/// whose state holds the caller's handled exception), and the frame index
/// below which they are hidden (while a thrown exception unwinds a
/// generator's frame, it is chained to the generator's own only).
#[derive(Clone, Copy, Default, Debug)]
pub struct GenExcChain {
    pub running: usize,
    pub floor: usize,
}

pub fn state(o: &PyRef) -> Option<&RefCell<GenState>> {
    match &o.payload {
        Payload::Generator(g) => Some(g),
        _ => None,
    }
}

// ------------------------------------------------------------ finalization

crate::interp_local! {
    /// Suspended generators whose last reference went away, waiting to be
    /// closed by the eval loop (their object is gone; the state moved here).
    static PENDING: RefCell<Vec<GenState>> = const { RefCell::new(Vec::new()) };
    static HAS_PENDING: Cell<bool> = const { Cell::new(false) };
}

/// Whether dropped generators wait to be closed (checked by the eval loop).
#[inline]
pub fn finalizers_pending() -> bool {
    HAS_PENDING.try_with(|c| c.get()).unwrap_or(false)
}

impl Drop for GenState {
    fn drop(&mut self) {
        // CPython closes a started, unfinished generator on dealloc. The
        // object is gone by now, so its state moves to a queue that the
        // eval loop drains into a fresh object before the next instruction.
        // A coroutine never started is finalized too: it warns that it was
        // never awaited (`_PyGen_Finalize`).
        let unawaited = self.kind == GenKind::Coroutine && !self.started;
        if self.finalized || (!self.started && !unawaited) || self.running || self.frame.is_none() {
            return;
        }
        // Nothing would run: the frame just goes with the state.
        if self.closes_trivially() && !super::breaker::is_set(super::breaker::TRACING) {
            return;
        }
        let zombie = GenState {
            kind: self.kind,
            frame: self.frame.take(),
            values: std::mem::take(&mut self.values),
            running: false,
            started: self.started,
            exc_state: std::mem::replace(&mut self.exc_state, Value::None),
            code: self.code.clone(),
            running_async: false,
            closed: self.closed,
            finalized: true,
            hooks_inited: true,
            rare: self.rare.take().map(|mut r| {
                r.frame_obj = None;
                r
            }),
        };
        let queued = PENDING
            .try_with(|p| match p.try_borrow_mut() {
                Ok(mut q) => {
                    q.push(zombie);
                    true
                }
                Err(_) => false,
            })
            .unwrap_or(false);
        if queued {
            let _ = HAS_PENDING.try_with(|c| c.set(true));
            super::breaker::set(super::breaker::GENERATORS);
        }
    }
}

impl Vm {
    /// Close the generators dropped while suspended (`_PyGen_Finalize`);
    /// errors are reported as unraisable, never propagated.
    pub fn run_gen_finalizers(&mut self) {
        loop {
            let _ = HAS_PENDING.try_with(|c| c.set(false));
            super::breaker::clear(super::breaker::GENERATORS);
            let batch: Vec<GenState> = PENDING
                .try_with(|p| match p.try_borrow_mut() {
                    Ok(mut q) => std::mem::take(&mut *q),
                    Err(_) => Vec::new(),
                })
                .unwrap_or_default();
            if batch.is_empty() {
                return;
            }
            for mut st in batch {
                let ty = self.gen_type(st.kind);
                let finalizer = st.take_finalizer();
                let unawaited = st.kind == GenKind::Coroutine && !st.started;
                let g = self.new_obj(&ty, Payload::Generator(Box::new(RefCell::new(st))));
                if unawaited {
                    crate::objects::genobject::warn_unawaited_coroutine(self, &g);
                    continue;
                }
                if let Some(finalizer) = finalizer {
                    // An async generator's `sys.set_asyncgen_hooks`
                    // finalizer (asyncio schedules `aclose()`).
                    let finalizer = Value::Obj(finalizer);
                    if let Err(e) = self.call(&finalizer, &[Value::Obj(g.clone())]) {
                        self.write_unraisable(&e, &Value::Obj(g.clone()));
                    }
                    continue;
                }
                if let Err(e) = self.gen_close(&g) {
                    self.write_unraisable(&e, &Value::Obj(g.clone()));
                }
            }
        }
    }

    /// `PyErr_WriteUnraisable`: "Exception ignored in: obj" and the
    /// traceback on stderr.
    pub fn write_unraisable(&mut self, e: &PyErr, obj: &Value) {
        self.write_unraisable_msg(e, "in", obj);
    }

    /// `_PyErr_WriteUnraisableMsg`: "Exception ignored {msg}: obj" (msg
    /// such as "in atexit callback") and the traceback on stderr.
    pub fn write_unraisable_msg(&mut self, e: &PyErr, msg: &str, obj: &Value) {
        if crate::modules::sys_unraisable::call_user_hook(self, e, msg, obj) {
            return;
        }
        self.write_default_unraisable(e, msg, obj);
    }

    /// The default `sys.unraisablehook`'s report (see `write_unraisable_msg`).
    pub fn write_default_unraisable(&mut self, e: &PyErr, msg: &str, obj: &Value) {
        self.flush_stdout();
        let what = self
            .repr(obj)
            .unwrap_or_else(|_| "<object repr() failed>".to_string());
        // A traceback-less error gets the current frame (3.11's
        // `_PyErr_WriteUnraisableMsg`).
        if let Payload::Exception(d) = &e.0.payload {
            let none = d.try_borrow().is_ok_and(|d| d.traceback.is_none());
            if none {
                if let Some(tb) = self.new_traceback_here(Value::None) {
                    if let Ok(mut d) = d.try_borrow_mut() {
                        d.traceback = Value::Obj(tb);
                    }
                }
            }
        }
        // The hook prints the traceback and `Type: message`, no chain.
        let chain = match &e.0.payload {
            Payload::Exception(d) => d.try_borrow_mut().ok().map(|mut d| {
                (
                    std::mem::replace(&mut d.cause, Value::None),
                    std::mem::replace(&mut d.context, Value::None),
                )
            }),
            _ => None,
        };
        let text = self.format_exception(&e.0);
        if let (Some((cause, context)), Payload::Exception(d)) = (chain, &e.0.payload) {
            if let Ok(mut d) = d.try_borrow_mut() {
                d.cause = cause;
                d.context = context;
            }
        }
        self.write_report(&format!("Exception ignored {msg}: {what}\n{text}"));
    }

    pub(crate) fn gen_type(&self, kind: GenKind) -> PyRef {
        match kind {
            GenKind::Generator => self.types.generator.clone(),
            GenKind::Coroutine => self.types.coroutine.clone(),
            GenKind::AsyncGenerator => self.types.async_generator.clone(),
        }
    }

    // ------------------------------------------------------------ creation

    /// RETURN_GENERATOR: turn the running frame into a generator object.
    pub(crate) fn make_generator(&mut self, next_pc: usize) -> PyResult<(Value, bool, usize)> {
        let Some(mut frame) = self.frames.pop() else {
            return Err(self.system_error("no frame"));
        };
        let flags = frame.code.flags;
        let kind = if flags & crate::pyc::code::CO_COROUTINE != 0 {
            GenKind::Coroutine
        } else if flags & crate::pyc::code::CO_ASYNC_GENERATOR != 0 {
            GenKind::AsyncGenerator
        } else {
            GenKind::Generator
        };
        // A generator's buffer has room for its value stack too: the first
        // yield moves it in without growing the buffer. A coroutine's
        // holds its locals alone: coroutines wait unstarted in an event
        // loop's queue (a gather tree's leaves: 96 bytes each for
        // pyperformance's async_tree) or finish without suspending (an
        // awaited call), and the few that suspend grow it once
        // (`values_from_stack`).
        let n = self.stack.len().saturating_sub(frame.base);
        let room = match kind {
            GenKind::Coroutine => 0,
            // (A sane size: the frame already ran with its whole value
            // stack reserved on the VM's stack, `dispatch`'s frame
            // (re)load.)
            _ => frame.code.stacksize,
        };
        let mut values = Vec::with_capacity(n.saturating_add(room));
        move_tail(&mut self.stack, frame.base, &mut values);
        let entry = frame.entry;
        let ret_base = frame.ret_base;
        frame.pc = next_pc;
        frame.generator = None;
        let code = frame.code.clone();
        let names = gen_names(&frame);
        let ty = self.gen_type(kind);
        let gen = self.new_obj(
            &ty,
            Payload::Generator(Box::new(RefCell::new(GenState::created(
                kind,
                Some(frame),
                values,
                names,
                code,
            )))),
        );
        self.stack.truncate(ret_base);
        Ok((Value::Obj(gen), entry, ret_base))
    }

    /// A call of the generator function `func` with `arg` as its only
    /// argument (`iter()` of an instance whose `__iter__` is one), made
    /// without running a frame: when the code starts with RETURN_GENERATOR
    /// (no cells or free variables to set up first) and takes exactly one
    /// positional parameter, the frame would do nothing but become the
    /// generator, so the generator is made as RETURN_GENERATOR leaves it
    /// (`make_generator`): suspended before the instruction after it, its
    /// locals the argument and unbound slots. None (nothing done) when the
    /// call must run: another kind of code or signature, tracing or
    /// profiling (their events), the recursion limit reached, unverified
    /// code that fails verification.
    pub(crate) fn new_generator_direct(&mut self, func: &PyRef, arg: &Value) -> Option<Value> {
        let Payload::Function(f) = &func.payload else {
            return None;
        };
        if self.tracing || self.recursion_depth() >= self.recursion_limit {
            return None;
        }
        let code = f.code.try_borrow().ok()?.clone();
        let flags = code.flags;
        let simple = flags & crate::pyc::code::CO_GENERATOR != 0
            && flags
                & (crate::pyc::code::CO_COROUTINE
                    | crate::pyc::code::CO_ASYNC_GENERATOR
                    | crate::pyc::code::CO_ITERABLE_COROUTINE
                    | crate::pyc::code::CO_VARARGS
                    | crate::pyc::code::CO_VARKEYWORDS)
                == 0
            && code.argcount == 1
            && code.kwonlyargcount == 0
            && code.nlocalsplus() >= 1;
        if !simple {
            return None;
        }
        // (Verifying prepares the instructions.)
        code.ensure_verified(self).ok()?;
        let first = *code.instrs.first()?;
        if first.op != Op::ReturnGenerator {
            return None;
        }
        let n = code.nlocalsplus();
        let mut values = Vec::with_capacity(n.saturating_add(code.stacksize));
        values.push(arg.clone());
        values.resize(n, Value::Null);
        let mut frame = Frame::new(
            code.clone(),
            Some(func.clone()),
            f.globals.clone(),
            f.builtins.clone(),
            None,
            0,
            0,
        );
        frame.pc = first.len as usize;
        let names = gen_names(&frame);
        let ty = self.gen_type(GenKind::Generator);
        let gen = self.new_obj(
            &ty,
            Payload::Generator(Box::new(RefCell::new(GenState::created(
                GenKind::Generator,
                Some(frame),
                values,
                names,
                code,
            )))),
        );
        Some(Value::Obj(gen))
    }

    /// YIELD_VALUE (at `lasti`): suspend the running generator frame,
    /// leaving the generator as `gen_send_ex2` leaves it after a yield.
    /// The frame's `gen_exit`: other than `GenExit::No` when it was
    /// resumed in its caller's loop (vm/gen_inline.rs), which then takes
    /// the value.
    #[inline(always)]
    pub(crate) fn suspend_generator(&mut self, lasti: usize, next_pc: usize) -> PyResult<GenExit> {
        // What the move needs is read from the running record; the record
        // then moves once, straight into the generator's state, and the
        // fields a suspension changes are written there (`frame_from_stack`).
        let Some(top) = self.frames.last() else {
            return Err(self.system_error("no frame"));
        };
        let Some(gen) = top.generator.as_ref() else {
            return Err(self.system_error("yield outside a generator frame"));
        };
        let inline = top.gen_exit;
        let base = top.base;
        let Some(st) = state(gen) else {
            return Err(self.system_error("yield outside a generator frame"));
        };
        let st: *const RefCell<GenState> = st;
        // Declared before the borrow, so dropped after it.
        let taken: Option<PyRef>;
        // SAFETY: the generator object outlives this borrow: the record's
        // reference keeps it until `frame_from_stack` hands that reference
        // to `taken`, which is dropped after the borrow ends.
        let st = unsafe { &*st };
        let Ok(mut st) = st.try_borrow_mut() else {
            return Err(self.system_error("generator state is in use"));
        };
        let st = &mut *st;
        // Into the buffer of the last suspension (no allocation per yield).
        values_from_stack(&mut self.stack, base, &mut st.values);
        // Not running, and the callers' handled exception current again
        // (`finish_resume` relies on it after a yield).
        st.running = false;
        // SAFETY: both are valid values; swapped word by word.
        unsafe { swap_words(&mut st.exc_state, &mut self.exc_info) };
        self.gen_exc.running = self.gen_exc.running.saturating_sub(1);
        // The generator refers to its frame, not the other way round while
        // suspended (no reference cycle): the record's reference is taken.
        taken = frame_from_stack(&mut self.frames, &mut st.frame, lasti, next_pc);
        debug_assert!(taken.is_some());
        Ok(inline)
    }

    // ------------------------------------------------------------ resuming

    /// `gen_send_ex2`: resume `gen` with `arg` pushed (None for
    /// `__next__`), or with `exc` raised at the suspension point.
    /// `closing` silences the error for an exhausted coroutine.
    pub fn gen_send_ex(
        &mut self,
        gen: &PyRef,
        arg: Option<Value>,
        exc: Option<PyErr>,
        closing: bool,
    ) -> PyResult<GenResult> {
        let Some(st) = state(gen) else {
            return Err(self.type_error("not a generator"));
        };
        if exc.is_none() {
            if let Ok(s) = st.try_borrow_mut() {
                let arg_none = arg.as_ref().is_none_or(|a| a.is_none());
                if s.resumable(arg_none) && self.recursion_depth() < self.recursion_limit {
                    return self.resume_nested(gen, s, arg.unwrap_or(Value::None));
                }
            }
        }
        let (kind, created, running, finished) = match st.try_borrow() {
            Ok(s) => (
                s.kind,
                !s.started && s.frame.is_some(),
                s.running,
                s.finished(),
            ),
            Err(_) => return Err(self.runtime_error("generator state is in use")),
        };
        if created && arg.as_ref().is_some_and(|a| !a.is_none()) {
            return Err(self.type_error(format!(
                "can't send non-None value to a just-started {}",
                kind.noun()
            )));
        }
        if running {
            return Err(self.value_error(format!("{} already executing", kind.noun())));
        }
        if finished {
            if kind == GenKind::Coroutine && !closing {
                return Err(self.runtime_error("cannot reuse already awaited coroutine"));
            }
            return match exc {
                Some(e) => Err(e),
                None => Ok(GenResult::Return(Value::None)),
            };
        }
        if self.recursion_depth() >= self.recursion_limit {
            return Err(self.new_error(ExcKind::RecursionError, "maximum recursion depth exceeded"));
        }
        let Ok(mut s) = st.try_borrow_mut() else {
            return Err(self.runtime_error("generator state is in use"));
        };
        if s.frame.is_none() {
            return Ok(GenResult::Return(Value::None));
        }
        let Some(e) = exc else {
            return self.resume_nested(gen, s, arg.unwrap_or(Value::None));
        };
        self.enter_generator(gen, &mut s, arg.unwrap_or(Value::None), GenExit::No);
        drop(s);
        self.native_depth += 1;
        // Chain to the generator's own exception only: hide the callers'
        // while unwinding (which runs no Python code).
        let floor = std::mem::replace(&mut self.gen_exc.floor, self.frames.len());
        if self.tracing {
            self.trace_throw_entry();
        }
        // `_PyErr_ChainStackItem`: the thrown exception, fresh or not, is
        // chained to the one the generator is handling, if any.
        self.chain_context(&e, true);
        let r = self.unwind(e, true);
        self.gen_exc.floor = floor;
        let r = match r {
            Ok(()) => self.run_flag(),
            Err(e) => Err(e),
        };
        self.native_depth -= 1;
        self.finish_resume(gen, kind, r)
    }

    /// Push the suspended frame of `gen` (state `s`, which has one) to run
    /// next with `arg` sent in: the generator is running, and its own
    /// handled exception is current while the callers' waits in its
    /// `exc_state` (CPython's exc_info chain, see `topmost_exc_info`;
    /// a thrown exception is chained to the generator's own only, as
    /// `_PyErr_ChainStackItem`). `exit` says how the caller's loop goes on
    /// (vm/gen_inline.rs); `GenExit::No` makes it the entry frame of a
    /// nested `run`.
    #[inline(always)]
    pub(crate) fn enter_generator(
        &mut self,
        gen: &PyRef,
        s: &mut GenState,
        arg: Value,
        exit: GenExit,
    ) {
        if s.frame.is_none() {
            return;
        }
        let base = values_to_stack(&mut self.stack, &mut s.values, arg);
        s.running = true;
        s.started = true;
        // SAFETY: both are valid values; swapped word by word.
        unsafe { swap_words(&mut s.exc_state, &mut self.exc_info) };
        self.gen_exc.running += 1;
        // The record moves once, straight onto the frame stack.
        frame_to_stack(&mut self.frames, &mut s.frame, base, exit, gen.clone());
    }

    /// Resume `gen` (state `s`, `resumable`) with `arg` sent in, in a
    /// nested `run` (`gen_send_ex2` without an exception).
    fn resume_nested(
        &mut self,
        gen: &PyRef,
        mut s: std::cell::RefMut<'_, GenState>,
        arg: Value,
    ) -> PyResult<GenResult> {
        let kind = s.kind;
        self.enter_generator(gen, &mut s, arg, GenExit::No);
        drop(s);
        // Down a `yield from`/`await` chain at once (vm/gen_inline.rs).
        self.send_on();
        self.native_depth += 1;
        let r = self.run_flag();
        self.native_depth -= 1;
        self.finish_resume(gen, kind, r)
    }

    /// Record how the resumed frame stopped; convert StopIteration (and
    /// StopAsyncIteration in async generators) into RuntimeError.
    fn finish_resume(
        &mut self,
        gen: &PyRef,
        kind: GenKind,
        r: PyResult<bool>,
    ) -> PyResult<GenResult> {
        // `r`: `run_flag`'s (the value is in `exit_value`). A yield already
        // suspended the generator and restored the callers' handled
        // exception (`suspend_generator`).
        let r = match r {
            Ok(false) => return Ok(GenResult::Yield(self.take_exit_value())),
            r => r,
        };
        self.gen_finished(gen);
        match r {
            Ok(false) => Ok(GenResult::Yield(self.take_exit_value())),
            Ok(true) => Ok(GenResult::Return(self.take_exit_value())),
            Err(e) => Err(self.gen_raised(kind, e)),
        }
    }

    /// The error a generator frame's exception becomes in its caller:
    /// StopIteration (and StopAsyncIteration in async generators) turns
    /// into RuntimeError, as `gen_send_ex2` does.
    pub(crate) fn gen_raised(&mut self, kind: GenKind, e: PyErr) -> PyErr {
        let msg = if self.err_is(&e, ExcKind::StopIteration) {
            format!("{} raised StopIteration", kind.noun())
        } else if kind == GenKind::AsyncGenerator && self.err_is(&e, ExcKind::StopAsyncIteration) {
            "async generator raised StopAsyncIteration".to_string()
        } else {
            return e;
        };
        let rt = self.runtime_error(msg);
        set_cause(&rt, &e);
        rt
    }

    /// The generator `gen`, whose frame ran, finished (returned or
    /// raised; its frame is gone from the frame stack): not running, no
    /// frame, and the callers' handled exception current again.
    pub(crate) fn gen_finished(&mut self, gen: &PyRef) {
        self.gen_exc.running = self.gen_exc.running.saturating_sub(1);
        let outer = match state(gen).map(|st| st.try_borrow_mut()) {
            Some(Ok(mut s)) => {
                s.running = false;
                s.frame = None;
                std::mem::replace(&mut s.exc_state, Value::None)
            }
            _ => Value::None,
        };
        self.exc_info = outer;
    }

    /// The exception being handled as `sys.exc_info()` and implicit
    /// chaining see it (`_PyErr_GetTopmostException`): the running frame's,
    /// else that of the nearest caller of a running generator that has one.
    /// A running generator's state holds what its caller was handling
    /// (`GenState::exc_state`); its frame is on the frame stack, marked
    /// with the generator. `gen_exc.running` of them are (none: no walk),
    /// all above `gen_exc.floor`.
    pub fn topmost_exc_info(&self) -> Value {
        if !self.exc_info.is_none() {
            return self.exc_info.clone();
        }
        let mut left = self.gen_exc.running;
        if left == 0 {
            return Value::None;
        }
        let frames = self.frames.get(self.gen_exc.floor..).unwrap_or(&[]);
        for f in frames.iter().rev() {
            let Some(g) = &f.generator else {
                continue;
            };
            if let Some(Ok(s)) = state(g).map(|st| st.try_borrow()) {
                if !s.exc_state.is_none() {
                    return s.exc_state.clone();
                }
            }
            left -= 1;
            if left == 0 {
                break;
            }
        }
        Value::None
    }

    /// `gen.send(value)`.
    pub fn gen_send(&mut self, gen: &PyRef, value: Value) -> PyResult<GenResult> {
        self.gen_send_ex(gen, Some(value), None, false)
    }

    /// `next(gen)` for a generator: Some(yielded) or None when it returned.
    pub fn gen_next(&mut self, gen: &PyRef) -> PyResult<Option<Value>> {
        // The common case with one look at the state: a suspended
        // generator, resumed in a nested run.
        if let Some(st) = state(gen) {
            if let Ok(s) = st.try_borrow_mut() {
                if s.kind == GenKind::Generator
                    && s.resumable(true)
                    && self.recursion_depth() < self.recursion_limit
                {
                    return match self.resume_nested(gen, s, Value::None)? {
                        GenResult::Yield(v) => Ok(Some(v)),
                        GenResult::Return(_) => Ok(None),
                    };
                }
            }
        }
        // A state in use is reported by `gen_send_ex`.
        let kind = state(gen).map(|s| s.try_borrow().map(|s| s.kind));
        if !matches!(kind, Some(Ok(GenKind::Generator) | Err(_))) {
            return Err(self.type_error(format!(
                "'{}' object is not an iterator",
                self.type_name_of(&Value::Obj(gen.clone()))
            )));
        }
        match self.gen_send_ex(gen, None, None, false)? {
            GenResult::Yield(v) => Ok(Some(v)),
            GenResult::Return(_) => Ok(None),
        }
    }

    /// `_PyGen_yf`: the object a suspended generator delegates to
    /// (`yield from`/`await`), if any.
    pub fn gen_yield_from(&self, gen: &PyRef) -> Option<Value> {
        let st = state(gen)?.try_borrow().ok()?;
        if !st.started {
            return None;
        }
        let frame = st.frame.as_ref()?;
        let code = &frame.code;
        let pc = frame.pc;
        let (op, arg) = (
            code.raw_code().get(pc * 2).copied()?,
            code.raw_code().get(pc * 2 + 1).copied()?,
        );
        if Op::from_u8(op) != Some(Op::Resume) || arg < 2 {
            return None;
        }
        st.values.last().cloned()
    }

    fn set_running(&self, gen: &PyRef, running: bool) {
        if let Some(st) = state(gen) {
            if let Ok(mut s) = st.try_borrow_mut() {
                s.running = running;
            }
        }
    }

    /// After the delegate of a `yield from`/`await` finished from a
    /// throw(): pop it and move to the end of the SEND loop (CPython's
    /// "Termination repetition of SEND loop").
    fn leave_yield_from(&self, gen: &PyRef) {
        let Some(st) = state(gen) else {
            return;
        };
        let Ok(mut s) = st.try_borrow_mut() else {
            return;
        };
        if s.frame.is_none() {
            return;
        }
        s.values.pop();
        let Some(frame) = s.frame.as_mut() else {
            return;
        };
        let Some(send) = frame.lasti.checked_sub(1) else {
            return;
        };
        let code = frame.code.raw_code();
        if code.get(send * 2).copied().and_then(Op::from_u8) != Some(Op::Send) {
            return;
        }
        // The SEND's argument, with any EXTENDED_ARG prefixes.
        let mut oparg = code.get(send * 2 + 1).copied().unwrap_or(0) as usize;
        let mut shift = 8;
        let mut i = send;
        while i > 0 && shift <= 24 {
            i -= 1;
            if code.get(i * 2).copied().and_then(Op::from_u8) != Some(Op::ExtendedArg) {
                break;
            }
            oparg |= (code.get(i * 2 + 1).copied().unwrap_or(0) as usize) << shift;
            shift += 8;
        }
        frame.lasti = send + oparg;
        frame.pc = send + oparg + 1;
    }

    /// `gen.throw(...)` (`_gen_throw` with close_on_genexit).
    pub fn gen_throw(&mut self, gen: &PyRef, t: Thrown) -> PyResult<GenResult> {
        self.gen_throw_ex(gen, true, t)
    }

    /// `_gen_throw`: delegate to the `yield from` target first, then raise
    /// the exception at the suspension point.
    pub fn gen_throw_ex(
        &mut self,
        gen: &PyRef,
        close_on_genexit: bool,
        t: Thrown,
    ) -> PyResult<GenResult> {
        if let Some(yf) = self.gen_yield_from(gen) {
            if close_on_genexit && self.given_matches(&t.typ, ExcKind::GeneratorExit) {
                self.set_running(gen, true);
                let r = self.close_iter(&yf);
                self.set_running(gen, false);
                if let Err(e) = r {
                    return self.gen_send_ex(gen, Some(Value::None), Some(e), false);
                }
                return self.throw_here(gen, t);
            }
            let exact = matches!(&yf, Value::Obj(o)
                if o.class_is(&self.types.generator) || o.class_is(&self.types.coroutine));
            let ret: PyResult<GenResult> = if exact {
                let Value::Obj(yo) = &yf else {
                    return self.throw_here(gen, t);
                };
                self.set_running(gen, true);
                let r = self.gen_throw_ex(yo, close_on_genexit, t);
                self.set_running(gen, false);
                r
            } else {
                let Some(meth) = self.getattr_opt(&yf, "throw")? else {
                    return self.throw_here(gen, t);
                };
                self.set_running(gen, true);
                let r = self.call(&meth, &t.call_args());
                self.set_running(gen, false);
                r.map(GenResult::Yield)
            };
            return match ret {
                Ok(GenResult::Yield(v)) => Ok(GenResult::Yield(v)),
                Ok(GenResult::Return(v)) => {
                    self.leave_yield_from(gen);
                    self.gen_send_ex(gen, Some(v), None, false)
                }
                Err(e) if self.err_is(&e, ExcKind::StopIteration) => {
                    self.leave_yield_from(gen);
                    let v = self.get_attr_raw(&e.0, "value").unwrap_or(Value::None);
                    self.gen_send_ex(gen, Some(v), None, false)
                }
                Err(e) => {
                    self.leave_yield_from(gen);
                    self.gen_send_ex(gen, Some(Value::None), Some(e), false)
                }
            };
        }
        self.throw_here(gen, t)
    }

    /// `throw_here:` normalize the arguments and raise in the frame.
    fn throw_here(&mut self, gen: &PyRef, t: Thrown) -> PyResult<GenResult> {
        let exc = self.normalize_thrown(&t)?;
        self.gen_send_ex(gen, Some(Value::None), Some(exc), false)
    }

    /// `PyErr_GivenExceptionMatches(typ, kind)` for a class or instance.
    fn given_matches(&self, typ: &Value, kind: ExcKind) -> bool {
        let Value::Obj(o) = typ else {
            return false;
        };
        let target = self.exc_type(kind);
        match &o.payload {
            Payload::Type(_) => crate::objects::typeobj::is_subtype(o, &target),
            Payload::Exception(_) => {
                crate::objects::typeobj::is_subtype(&self.type_of(typ), &target)
            }
            _ => false,
        }
    }

    /// The exception a throw()'s arguments describe, with CPython's checks.
    pub fn normalize_thrown(&mut self, t: &Thrown) -> PyResult<PyErr> {
        let tb = match &t.tb {
            None | Some(Value::None) => None,
            Some(tb) => {
                if !matches!(tb, Value::Obj(o) if o.class_is(&self.types.traceback)) {
                    return Err(
                        self.type_error("throw() third argument must be a traceback object")
                    );
                }
                Some(tb.clone())
            }
        };
        let typ = &t.typ;
        let base = self.exc_type(ExcKind::BaseException);
        let inst = match typ {
            Value::Obj(o)
                if matches!(o.payload, Payload::Type(_))
                    && crate::objects::typeobj::is_subtype(o, &base) =>
            {
                let val = t.val.clone().unwrap_or(Value::None);
                let is_inst = matches!(&val, Value::Obj(_))
                    && crate::objects::typeobj::is_subtype(&self.type_of(&val), o);
                let made = if is_inst {
                    val
                } else if val.is_none() {
                    self.call(typ, &[])?
                } else if let Value::Obj(tup) = &val {
                    match &tup.payload {
                        Payload::Tuple(items) if tup.class_is(&self.types.tuple) => {
                            let items = items.to_vec();
                            self.call(typ, &items)?
                        }
                        _ => self.call(typ, &[val.clone()])?,
                    }
                } else {
                    self.call(typ, &[val.clone()])?
                };
                match &made {
                    Value::Obj(m) if matches!(m.payload, Payload::Exception(_)) => m.clone(),
                    _ => {
                        let r = self.repr(typ)?;
                        return Err(self.type_error(format!(
                            "calling {r} should have returned an instance of BaseException, not {}",
                            self.type_name_of(&made)
                        )));
                    }
                }
            }
            Value::Obj(o) if matches!(o.payload, Payload::Exception(_)) => {
                if t.val.as_ref().is_some_and(|v| !v.is_none()) {
                    return Err(self.type_error("instance exception may not have a separate value"));
                }
                o.clone()
            }
            _ => {
                return Err(self.type_error(format!(
                    "exceptions must be classes or instances deriving from BaseException, not {}",
                    self.type_name_of(typ)
                )))
            }
        };
        if let Some(tb) = tb {
            self.set_attr_raw(&inst, "__traceback__", tb);
        }
        Ok(PyErr(inst))
    }

    /// `gen_close_iter`: close a `yield from`/`await` delegate.
    fn close_iter(&mut self, yf: &Value) -> PyResult<()> {
        if let Value::Obj(o) = yf {
            if o.class_is(&self.types.generator) || o.class_is(&self.types.coroutine) {
                return self.gen_close(o);
            }
        }
        match self.getattr_opt(yf, "close") {
            Ok(Some(c)) => {
                self.call(&c, &[])?;
            }
            Ok(None) => {}
            Err(e) => self.write_unraisable(&e, yf),
        }
        Ok(())
    }

    /// `gen.close()`.
    pub fn gen_close(&mut self, gen: &PyRef) -> PyResult<()> {
        if !self.tracing {
            if let Some(dropped) = close_at_plain_yield(gen) {
                drop(dropped);
                return Ok(());
            }
        }
        let mut err = None;
        if let Some(yf) = self.gen_yield_from(gen) {
            self.set_running(gen, true);
            let r = self.close_iter(&yf);
            self.set_running(gen, false);
            err = r.err();
        }
        let exc = err.unwrap_or_else(|| self.new_error_noargs(ExcKind::GeneratorExit));
        match self.gen_send_ex(gen, Some(Value::None), Some(exc), true) {
            Ok(GenResult::Yield(_)) => {
                let kind = state(gen)
                    .map(|s| s.borrow().kind)
                    .unwrap_or(GenKind::Generator);
                Err(self.runtime_error(format!("{} ignored GeneratorExit", kind.noun())))
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

    /// A StopIteration carrying `v` (`_PyGen_SetStopIterationValue`).
    pub fn stop_iteration(&mut self, v: Value) -> PyErr {
        let ty = self.exc_type(ExcKind::StopIteration);
        let args = if v.is_none() { vec![] } else { vec![v.clone()] };
        let e = self.new_exception(&ty, args);
        self.set_attr_raw(&e, "value", v);
        PyErr(e)
    }
}

/// Finish a generator that `GenState::closes_trivially`; returns what it
/// held (dropped by the caller, outside the state's borrow), or None when
/// the full close is needed.
fn close_at_plain_yield(gen: &PyRef) -> Option<(Frame, Vec<Value>, Value)> {
    let st = state(gen)?;
    let mut s = st.try_borrow_mut().ok()?;
    if !s.closes_trivially() {
        return None;
    }
    let frame = s.frame.take()?;
    let values = std::mem::take(&mut s.values);
    let exc = std::mem::replace(&mut s.exc_state, Value::None);
    Some((frame, values, exc))
}

/// `_PyErr_FormatFromCause`: `e.__cause__ = e.__context__ = cause`.
pub(crate) fn set_cause(e: &PyErr, cause: &PyErr) {
    if let Payload::Exception(d) = &e.0.payload {
        if let Ok(mut d) = d.try_borrow_mut() {
            d.cause = cause.value();
            d.context = cause.value();
            d.suppress_context = true;
        }
    }
}

/// Fill the dicts of the generator, coroutine and frame types.
pub fn install(vm: &mut Vm) {
    crate::objects::genobject::install(vm);
    crate::objects::frame::install(vm);
}
