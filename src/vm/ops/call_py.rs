//! CALL of a plain Python function with its positional parameters
//! (CPython 3.11's CALL_PY_EXACT_ARGS, and CALL_PY_WITH_DEFAULTS when the
//! defaults supply the last ones), also through a bound method object
//! (PRECALL_BOUND_METHOD): the arguments already lie where the new
//! frame's first locals go, so the call is a frame record pushed over
//! them and the rest of the locals set empty. Anything else (keywords,
//! `*args`, a builtin) takes `op_call`.

use crate::objects::rc::Rc;

use crate::objects::Payload;
use crate::pyc::code::{
    CO_ASYNC_GENERATOR, CO_COROUTINE, CO_GENERATOR, CO_ITERABLE_COROUTINE, CO_VARARGS,
    CO_VARKEYWORDS,
};
use crate::vm::code::Code;
use crate::vm::frame::{Frame, GenExit, OnReturn};
use crate::vm::value::PyRef;
use crate::vm::value::Value;
use crate::vm::PyResult;
use crate::vm::Vm;

/// Code flags of generator, coroutine and async generator functions,
/// whose call returns an object instead of running the frame.
const CO_GENERATOR_KINDS: u32 =
    CO_GENERATOR | CO_COROUTINE | CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR;

/// Frames deep enough that a class call or operator method no longer
/// runs in the caller's loop: CPython runs them on the C stack, so
/// recursion through them (with a raised recursion limit) meets the
/// native stack guard as before instead of growing the frame stack to
/// the limit.
pub(crate) const INLINE_DEPTH: usize = 4000;

/// Whether the callable of PRECALL `n` is a Python function: the method
/// LOAD_METHOD found (`[meth, self, args...]`) or the function after a
/// NULL (`[NULL, func, args...]`). The builtin shortcuts of the PRECALL
/// arm (`isinstance`, `len`, `list.append`, method descriptors) never
/// apply to one, so the arm goes straight to `call_py_exact`.
///
/// # Safety
/// The frame's value stack holds PRECALL `n`'s `n + 2` values (verified
/// code).
#[inline(always)]
pub(crate) unsafe fn py_callable(r: &crate::vm::regs::Regs, n: usize) -> bool {
    // SAFETY: the caller's contract: slots `n + 1` and `n + 2` below the
    // top hold the callable (or NULL) and the receiver (or function).
    let (m, s) = unsafe { (&*r.at(n + 2), &*r.at(n + 1)) };
    match (m, s) {
        (Value::Null, Value::Obj(o)) => match &o.payload {
            Payload::Function(_) => true,
            // A bound method object (`bm = obj.m; bm(x)`) of a Python
            // function.
            Payload::Method(bm) => is_function(&bm.func),
            _ => false,
        },
        (m, _) => is_function(m),
    }
}

/// Whether `v` is a Python function.
#[inline(always)]
fn is_function(v: &Value) -> bool {
    matches!(v, Value::Obj(o) if matches!(o.payload, Payload::Function(_)))
}

impl Vm {
    /// PRECALL `n` + CALL `n` when the callee is a Python function whose
    /// verified code takes the `n` (or, after LOAD_METHOD or through a
    /// bound method object, `n + 1`) values as its first positional
    /// parameters, its defaults supplying the rest, with no keyword names
    /// pending and the recursion limit not reached: push its frame (the
    /// caller's `lasti` is the CALL at `call`, and it goes on at `after`)
    /// and give `true`. `false`: nothing changed but, for a bound method
    /// object, its split into function and `self` (which PRECALL does
    /// anyway). The exact case is inline; a bound method object and
    /// defaults take `call_py_other`.
    #[inline(always)]
    pub(crate) fn call_py_exact(&mut self, n: u32, call: usize, after: usize) -> bool {
        let len = self.stack.len();
        let Some(meth_idx) = len.checked_sub(n as usize + 2) else {
            return false;
        };
        // `[meth, self, args...]` after LOAD_METHOD found a method,
        // `[NULL, func, args...]` otherwise.
        let (fidx, args_start) = match self.stack.get(meth_idx) {
            Some(Value::Null) => (meth_idx + 1, meth_idx + 2),
            Some(_) => (meth_idx, meth_idx + 1),
            None => return false,
        };
        let Some(Value::Obj(f)) = self.stack.get(fidx) else {
            return false;
        };
        let Payload::Function(fd) = &f.payload else {
            return fidx != meth_idx
                && match f.payload {
                    // `cls(args...)` (LOAD_GLOBAL/LOAD_NAME pushed a NULL).
                    Payload::Type(_) => self.call_init_inline(meth_idx, call, after),
                    Payload::Method(_) => self.call_py_other(meth_idx, call, after),
                    _ => false,
                };
        };
        // SAFETY: the one mutable borrow of a function's code (the
        // `__code__` setter, objects/function.rs) runs no code while it
        // lasts, so none is live here; the reference is not used after
        // the record below holds its own.
        let code = unsafe { &*fd.code.as_ptr() };
        if code.argcount != len - args_start || self.pending_kwnames.is_some() {
            return self.call_py_other(meth_idx, call, after);
        }
        if !self.py_call_ok(code) {
            return false;
        }
        let locals_end = args_start + code.nlocalsplus();
        let frames = &mut self.frames;
        if let Some(caller) = frames.last_mut() {
            caller.pc = after;
            caller.lasti = call;
        }
        // The record's references are cloned straight into its slot (no
        // tuple of them moved through the stack first).
        write_record(
            frames,
            Rc::clone(code),
            Some(f.clone()),
            fd.globals.clone(),
            fd.builtins.clone(),
            None,
            args_start,
            meth_idx,
            false,
        );
        self.fill_nulls_to(locals_end);
        true
    }

    /// Whether a call of `code` whose arguments bind in place (checked
    /// by the caller) runs in this loop: no keyword-only parameters,
    /// `*args` or `**kwargs`, verified, below the recursion limit.
    #[inline(always)]
    fn py_call_ok(&self, code: &Code) -> bool {
        code.is_plain_verified() && self.frames.len() + self.c_recursion < self.recursion_limit
    }

    /// `call_py_exact` of a bound method object of a Python function
    /// (`[NULL, bound, args...]` becomes `[func, self, args...]`, CPython
    /// 3.11's PRECALL_BOUND_METHOD) or with fewer arguments than
    /// positional parameters, the defaults supplying the rest (pushed
    /// after the arguments: CALL_PY_WITH_DEFAULTS), or with keyword
    /// arguments that name positional parameters (`kw_plan`: moved to
    /// their slots, the defaults supplying the parameters left unset).
    #[inline(never)]
    fn call_py_other(&mut self, meth_idx: usize, call: usize, after: usize) -> bool {
        // `[meth, self, args...]` after LOAD_METHOD, `[NULL, func,
        // args...]`, or `[NULL, bound, args...]`, split here.
        let null = self.stack.get(meth_idx).is_some_and(Value::is_null);
        let (fidx, args_start) = if null && !self.split_bound_method(meth_idx) {
            (meth_idx + 1, meth_idx + 2)
        } else {
            (meth_idx, meth_idx + 1)
        };
        let func = match self.stack.get(fidx) {
            Some(Value::Obj(f)) if matches!(f.payload, Payload::Function(_)) => f.clone(),
            _ => return false,
        };
        let Payload::Function(fd) = &func.payload else {
            return false;
        };
        // SAFETY: as in `call_py_exact`.
        let code = unsafe { &*fd.code.as_ptr() };
        let nargs = self.stack.len() - args_start;
        if !self.py_call_ok(code) {
            return false;
        }
        if let Some(names) = &self.pending_kwnames {
            let Some(plan) = Self::kw_plan(fd, code, names, nargs) else {
                return false;
            };
            // The locals are all set (keywords, defaults, `Null`s).
            self.bind_kw_in_place(fd, code, &plan, args_start, nargs);
            self.pending_kwnames = None;
        } else {
            let Some(missing) = code.argcount.checked_sub(nargs) else {
                return false;
            };
            if missing != 0 {
                if !self.defaults_cover(fd, missing) {
                    return false;
                }
                self.push_defaults(fd, missing);
            }
            self.fill_nulls_to(args_start + code.nlocalsplus());
        }
        if let Some(caller) = self.frames.last_mut() {
            caller.pc = after;
            caller.lasti = call;
        }
        let (globals, builtins) = (fd.globals.clone(), fd.builtins.clone());
        write_record(
            &mut self.frames,
            Rc::clone(code),
            Some(func),
            globals,
            builtins,
            None,
            args_start,
            meth_idx,
            false,
        );
        true
    }

    /// PRECALL's split of the bound method object in slot `meth_idx + 1`
    /// (a `Null` below it) into its function and `self`, when the function
    /// is a Python function. `false`: not such a method (nothing changed).
    #[inline(always)]
    fn split_bound_method(&mut self, meth_idx: usize) -> bool {
        let Some(Value::Obj(o)) = self.stack.get(meth_idx + 1) else {
            return false;
        };
        let Payload::Method(m) = &o.payload else {
            return false;
        };
        if !is_function(&m.func) {
            return false;
        }
        let (func, self_) = (m.func.clone(), m.self_.clone());
        match self.stack.get_mut(meth_idx..meth_idx + 2) {
            Some([slot, bound]) => {
                *slot = func;
                // The method object's drop runs no code (finalizers are
                // queued).
                *bound = self_;
                true
            }
            _ => false,
        }
    }

    /// PRECALL `n` + CALL `n` of a class with its arguments
    /// `[NULL, cls, args...]` on the stack, where the instantiation cache
    /// (vm/inst_cache.rs) says `cls` is made by `object.__new__` and set up
    /// by a Python `__init__`, whose plain positional parameters (defaults
    /// for the missing ones) take `(self, *args)`: the instance is made and
    /// the `__init__` frame pushed in this loop (CPython 3.12's
    /// CALL_ALLOC_AND_ENTER_INIT), over `[instance, instance, args...]`.
    /// Its return (`return_init`) leaves the instance as the call's
    /// result. `false`: nothing changed (the general path goes on).
    #[inline(never)]
    fn call_init_inline(&mut self, meth_idx: usize, call: usize, after: usize) -> bool {
        let len = self.stack.len();
        let Some(Value::Obj(cls)) = self.stack.get(meth_idx + 1) else {
            return false;
        };
        // A metaclass other than `type` may define `__call__`.
        if self.pending_kwnames.is_some()
            || !cls.class_is(&self.types.type_)
            || self.frames.len() >= INLINE_DEPTH
        {
            return false;
        }
        let Some(td) = crate::objects::typeobj::type_data(cls) else {
            return false;
        };
        let Some(init) = crate::vm::inst_cache::lookup_init(td.version.get()) else {
            return false;
        };
        let cls = cls.clone();
        let Payload::Function(fd) = &init.payload else {
            return false;
        };
        // `self` and the arguments.
        let nargs = len - meth_idx - 1;
        let (code, missing) = {
            let Ok(code) = fd.code.try_borrow() else {
                return false;
            };
            let missing = code.argcount.wrapping_sub(nargs);
            if nargs > code.argcount
                || code.kwonlyargcount != 0
                || code.flags & (CO_VARARGS | CO_VARKEYWORDS | CO_GENERATOR_KINDS) != 0
                || !code.is_verified()
                || self.frames.len() + self.c_recursion >= self.recursion_limit
                || (missing != 0 && !self.defaults_cover(fd, missing))
            {
                return false;
            }
            (Rc::clone(&code), missing)
        };
        let (globals, builtins) = (fd.globals.clone(), fd.builtins.clone());
        let obj = Value::Obj(self.new_instance_of(&cls, Payload::Object));
        let base = meth_idx + 1;
        match self.stack.get_mut(meth_idx..=base) {
            Some([slot, cls_slot]) => {
                *slot = obj.clone();
                // The class: the instance refers to it too, so this is
                // never its last reference.
                drop(std::mem::replace(cls_slot, obj));
            }
            _ => return false,
        }
        if missing != 0 {
            self.push_defaults(fd, missing);
        }
        self.fill_nulls_to(base + code.nlocalsplus());
        if let Some(caller) = self.frames.last_mut() {
            caller.pc = after;
            caller.lasti = call;
        }
        self.push_call_frame(code, Some(init), globals, builtins, base, base);
        if let Some(f) = self.frames.last_mut() {
            f.on_return = OnReturn::Init;
        }
        true
    }

    /// RETURN_VALUE from a frame whose return does more than a plain
    /// one (`OnReturn`): an `__init__` pushed by `call_init_inline` (the
    /// instance below it is the call's result if it returned None, else
    /// CPython's TypeError) or an operator method pushed by
    /// `binop_py_inline`. The frame goes first; an error is raised in the
    /// caller, whose `lasti` is its CALL or BINARY_OP. `None`: not such a
    /// frame (nothing changed).
    #[inline(never)]
    pub(crate) fn return_special(&mut self) -> Option<PyResult<()>> {
        let frame = self.frames.last()?;
        if frame.on_return == OnReturn::Plain || frame.entry || frame.gen_exit != GenExit::No {
            return None;
        }
        let (ret_base, how) = (frame.ret_base, frame.on_return);
        if self.stack.len() <= ret_base {
            return None;
        }
        let v = self.stack.pop()?;
        self.stack.truncate(ret_base);
        self.drop_top_frame();
        Some(match how {
            OnReturn::BinaryOp(op) => self.binop_return(op, v),
            OnReturn::Compare(op) => self.compare_return(op, v),
            _ => self.init_result(Value::None, v).map(drop),
        })
    }

    /// Push the record of a frame called from CALL (not an entry frame,
    /// no locals mapping).
    #[inline(always)]
    pub(crate) fn push_call_frame(
        &mut self,
        code: Rc<Code>,
        func: Option<PyRef>,
        globals: PyRef,
        builtins: PyRef,
        base: usize,
        ret_base: usize,
    ) {
        self.push_frame_record(code, func, globals, builtins, None, base, ret_base, false);
    }

    /// Push a frame record that runs `code` from its start (`Frame::new`'s
    /// fields, and `entry`): each field is stored straight into the frame
    /// stack's next slot. A `Frame` built first and then moved there was
    /// written as words and re-read as 16-byte blocks, which stalled store
    /// forwarding on every call (perf: several percent of call-heavy
    /// programs' cycles on that one load).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(crate) fn push_frame_record(
        &mut self,
        code: Rc<Code>,
        func: Option<PyRef>,
        globals: PyRef,
        builtins: PyRef,
        locals: Option<Value>,
        base: usize,
        ret_base: usize,
        entry: bool,
    ) {
        write_record(
            &mut self.frames,
            code,
            func,
            globals,
            builtins,
            locals,
            base,
            ret_base,
            entry,
        );
    }

    /// RETURN_VALUE from a frame called from CALL in this loop (neither
    /// the run's entry frame nor a generator's): the frame goes, its
    /// locals and value stack with it, and the value lands on the caller's
    /// stack where the callable was. `false`: not such a frame (nothing
    /// changed; `op_return_value` handles it).
    #[inline(always)]
    pub(crate) fn return_plain(&mut self) -> bool {
        let Some(frame) = self.frames.last() else {
            return false;
        };
        if frame.entry || frame.on_return != OnReturn::Plain || frame.gen_exit != GenExit::No {
            return false;
        }
        let ret_base = frame.ret_base;
        let len = self.stack.len();
        if len <= ret_base {
            return false;
        }
        // SAFETY: slots `ret_base..len` of the stack hold values (`len` is
        // its length); cutting the length to `ret_base` first makes each
        // read below the value's only owner: the locals and value stack
        // are dropped, last to first is not needed (no code runs in a
        // drop; finalizers are queued), and the returned value (the top)
        // moves back into slot `ret_base`, which the length covers again.
        // No `Vec` call is made (an out-of-line drop loop costs more than
        // the few values of most frames).
        unsafe {
            let p = self.stack.as_mut_ptr();
            self.stack.set_len(ret_base);
            let v = super::read_words(p.add(len - 1));
            // In place: a value read out first was copied through the
            // Rust stack on its way to the drop.
            for i in ret_base..len - 1 {
                std::ptr::drop_in_place(p.add(i));
            }
            super::write_words(p.add(ret_base), v);
            self.stack.set_len(ret_base + 1);
        }
        self.drop_top_frame();
        true
    }

    /// Drop the top frame record (there is one) field by field, in place:
    /// no out-of-line drop glue, no copy of the record.
    #[inline(always)]
    pub(crate) fn drop_top_frame(&mut self) {
        let Some(depth) = self.frames.len().checked_sub(1) else {
            return;
        };
        // SAFETY: the frame stack is not empty (checked above), so slot
        // `depth` holds a whole record; cutting the length first makes
        // this the record's only owner, and each field that owns anything
        // is dropped exactly once here (the others are plain data). No
        // code runs in these drops (finalizers are queued), so nothing
        // sees the slot while it is half dropped.
        unsafe {
            self.frames.set_len(depth);
            let f = self.frames.as_mut_ptr().add(depth);
            std::ptr::drop_in_place(std::ptr::addr_of_mut!((*f).code));
            std::ptr::drop_in_place(std::ptr::addr_of_mut!((*f).func));
            std::ptr::drop_in_place(std::ptr::addr_of_mut!((*f).globals));
            std::ptr::drop_in_place(std::ptr::addr_of_mut!((*f).builtins));
            std::ptr::drop_in_place(std::ptr::addr_of_mut!((*f).locals));
            std::ptr::drop_in_place(std::ptr::addr_of_mut!((*f).generator));
            std::ptr::drop_in_place(std::ptr::addr_of_mut!((*f).obj));
        }
        // The drops above cover every field that owns something: this
        // pattern names them all and stops compiling when one is added.
        #[allow(dead_code)]
        fn every_owning_field_dropped(f: Frame) {
            let Frame {
                code: _,
                func: _,
                globals: _,
                builtins: _,
                locals: _,
                base: _,
                ret_base: _,
                lasti: _,
                pc: _,
                entry: _,
                on_return: _,
                generator: _,
                gen_exit: _,
                obj: _,
            } = f;
        }
    }
}

/// Push a frame record onto `frames` (`Vm::push_frame_record`), each field
/// stored straight into the frame stack's next slot.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn write_record(
    frames: &mut Vec<Frame>,
    code: Rc<Code>,
    func: Option<PyRef>,
    globals: PyRef,
    builtins: PyRef,
    locals: Option<Value>,
    base: usize,
    ret_base: usize,
    entry: bool,
) {
    // `Vec::push` without its out-of-line call.
    if frames.len() == frames.capacity() {
        frames.reserve(1);
    }
    let len = frames.len();
    // SAFETY: the slot past the frame stack's length is allocated
    // (reserved above) and holds no record; every field is written
    // before the length covers it, so the record is whole and has one
    // owner. `addr_of_mut!` makes no reference to the uninitialised
    // slot.
    unsafe {
        let f = frames.as_mut_ptr().add(len);
        std::ptr::addr_of_mut!((*f).code).write(code);
        std::ptr::addr_of_mut!((*f).func).write(func);
        std::ptr::addr_of_mut!((*f).globals).write(globals);
        std::ptr::addr_of_mut!((*f).builtins).write(builtins);
        super::write_opt_words(std::ptr::addr_of_mut!((*f).locals), locals);
        std::ptr::addr_of_mut!((*f).base).write(base);
        std::ptr::addr_of_mut!((*f).ret_base).write(ret_base);
        std::ptr::addr_of_mut!((*f).lasti).write(0);
        std::ptr::addr_of_mut!((*f).pc).write(0);
        std::ptr::addr_of_mut!((*f).entry).write(entry);
        std::ptr::addr_of_mut!((*f).on_return).write(OnReturn::Plain);
        std::ptr::addr_of_mut!((*f).generator).write(None);
        std::ptr::addr_of_mut!((*f).gen_exit).write(GenExit::No);
        std::ptr::addr_of_mut!((*f).obj).write(None);
        frames.set_len(len + 1);
    }
    // The stores above cover every field: this pattern names them all
    // and stops compiling when a field is added.
    #[allow(dead_code)]
    fn every_field_written(f: Frame) {
        let Frame {
            code: _,
            func: _,
            globals: _,
            builtins: _,
            locals: _,
            base: _,
            ret_base: _,
            lasti: _,
            pc: _,
            entry: _,
            on_return: _,
            generator: _,
            gen_exit: _,
            obj: _,
        } = f;
    }
}
