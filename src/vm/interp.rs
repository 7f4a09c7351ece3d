//! The eval loop: one dispatch over the opcode table whose arms call the
//! `op_*` functions of `vm/ops/`. Python-to-Python calls push a frame and
//! continue here; they do not recurse on the Rust stack.

use crate::objects::exception::ExcKind;
use crate::pyc::opcode::Op;

use super::ops::binary::{cmp_fast, float_binop, int_binop, store_subscr_hit, subscr_hit};
use super::ops::Flow;
use super::regs::Regs;
use super::value::Value;
use super::{PyErr, PyResult, Vm};

/// How the entry frame of a `run` ended.
pub enum Exit {
    Return(Value),
    Yield(Value),
}

impl Vm {
    /// CPython's recursion depth: frames plus active native guards.
    pub fn recursion_depth(&self) -> usize {
        self.frames.len() + self.c_recursion
    }

    /// CPython's `Py_EnterRecursiveCall(where_)`: native code that may
    /// recurse (repr, str, comparison, some builtin calls) takes one unit of
    /// the recursion limit until the matching `leave_recursive`.
    pub fn enter_recursive(&mut self, where_: &str) -> PyResult<()> {
        if self.recursion_depth() >= self.recursion_limit || super::stack_guard::exhausted() {
            return Err(self.new_error(
                ExcKind::RecursionError,
                format!("maximum recursion depth exceeded{where_}"),
            ));
        }
        self.c_recursion += 1;
        Ok(())
    }

    pub fn leave_recursive(&mut self) {
        self.c_recursion = self.c_recursion.saturating_sub(1);
    }

    /// Run what the eval breaker asks for before the next instruction:
    /// close generators dropped while suspended (as CPython's dealloc does),
    /// then `__del__` of objects dropped by the last instruction.
    #[cold]
    fn on_eval_breaker(&mut self) {
        if super::gen::finalizers_pending() {
            self.run_gen_finalizers();
        }
        if crate::objects::finalize::pending() {
            self.run_finalizers();
        }
    }

    /// Run the frame on top of the frame stack (pushed by the caller with
    /// `entry = true`) until it returns or yields.
    pub fn run(&mut self) -> PyResult<Exit> {
        Ok(if self.run_flag()? {
            Exit::Return(self.take_exit_value())
        } else {
            Exit::Yield(self.take_exit_value())
        })
    }

    /// `run`, the value left in `exit_value` (`take_exit_value`): `true`
    /// when the frame returned, `false` when it yielded. Hot callers use
    /// this: an `Exit` in memory was copied on as 16-byte blocks just after
    /// being stored as words, which stalls store forwarding.
    #[inline]
    pub fn run_flag(&mut self) -> PyResult<bool> {
        loop {
            match self.dispatch() {
                Ok(returned) => return Ok(returned),
                Err((err, add_tb)) => self.unwind(err, add_tb)?,
            }
        }
    }

    /// Execute instructions until the entry frame exits (`true`: it
    /// returned, `false`: it yielded; the value is in `exit_value`) or an
    /// error needs unwinding (`(error, whether to add a traceback entry)`).
    fn dispatch(&mut self) -> Result<bool, (PyErr, bool)> {
        // While a trace function is set, the instructions are fetched from
        // this trace table instead (`trace_fill`).
        let mut trace_buf: Vec<super::code::Instr> = Vec::new();
        'frame: loop {
            // What waits between instructions (finalizers of objects a
            // return or a frame switch dropped, generators to close) runs
            // before the frame's next instruction; the stack's length is
            // current at every (re)load.
            if super::breaker::any() {
                self.on_eval_breaker();
            }
            let Some(frame) = self.frames.last() else {
                return Err((self.system_error("no frame to run"), false));
            };
            // SAFETY: the frame record on top of the frame stack holds a
            // reference to its code until the frame returns, yields or
            // unwinds, and each of those leaves this iteration of 'frame
            // (`continue 'frame` or a return) before `code` is used again.
            // Frames pushed above it (calls) leave it in place; moving the
            // record (the frame stack growing, a thread switch swapping the
            // stacks out and back) does not move the code it points to.
            let mut code: &super::code::Code =
                unsafe { &*crate::objects::rc::Rc::as_ptr(&frame.code) };
            let mut base = frame.base;
            let pc = frame.pc;
            // The code's own instructions (the fetch table unless tracing):
            // read through `code` where needed, not held by the loop.
            macro_rules! instrs {
                () => {
                    &code.instrs[..]
                };
            }
            // Verified code (vm/verify.rs) keeps execution on instruction
            // starts inside the code from wherever it starts: where a frame
            // (re)starts is checked here, and so is every `pc` an `op_*`
            // function or a trace function gives; the instructions run
            // through the registers go on unchecked.
            if pc >= instrs!().len() {
                return Err((past_end(self), false));
            }
            // The registers' pushes need the frame's whole value stack
            // allocated (vm/regs.rs).
            let mut floor = frame.stack_base();
            let need = floor + code.stacksize;
            if self.stack.capacity() < need
                && self.stack.try_reserve(need - self.stack.len()).is_err()
            {
                // An absurd co_stacksize (bad bytecode).
                return Err((self.new_error(ExcKind::MemoryError, String::new()), true));
            }
            // The registers for the current state of the stacks.
            macro_rules! reload {
                () => {
                    Regs::load(&mut self.stack, base, floor)
                };
            }
            let mut r = reload!();
            // Where instructions are fetched from: the code's own, or while
            // a trace function is set the trace table, CACHE units as many,
            // whose arm traces the instruction at `pc` and then runs it (so
            // the loop checks nothing per instruction for tracing).
            // `patched`: the unit of the trace table that holds the real
            // instruction to run after its trace (none: `usize::MAX`).
            let mut patched = usize::MAX;
            let mut table = if self.tracing {
                trace_fill(&mut trace_buf, instrs!().len())
            } else {
                instrs!().as_ptr()
            };
            // The instruction to run next, as a pointer into the fetch
            // table (CPython's `next_instr`): the loop's head reads it
            // without an index computation, and `pc` (its index) is worked
            // out only by the arms that use it.
            // SAFETY: `pc < instrs!().len()` (checked above; the trace table
            // is as long).
            let mut ip = unsafe { table.add(pc) };
            // Go on with the frame now on top of the frame stack (a call
            // pushed it, or a return uncovered its caller) without the
            // whole (re)load above, when nothing traces: its code, base and
            // `pc` become the loop's (the `pc` and the value stack's
            // capacity checked as above). Anything else takes `'frame`.
            // What the eval breaker asks for (a return dropped values, a
            // class call allocated the instance) is left to `'frame`.
            macro_rules! switch_top {
                () => {{
                    if super::breaker::any() {
                        continue 'frame;
                    }
                    let Some(frame) = self.frames.last() else {
                        continue 'frame;
                    };
                    // SAFETY: as for `code` above.
                    let c: &super::code::Code =
                        unsafe { &*crate::objects::rc::Rc::as_ptr(&frame.code) };
                    let (fb, fpc) = (frame.base, frame.pc);
                    let fl = fb + c.nlocalsplus();
                    if self.tracing
                        || fpc >= c.instrs.len()
                        || self.stack.capacity() < fl + c.stacksize
                    {
                        continue 'frame;
                    }
                    code = c;
                    base = fb;
                    floor = fl;
                    table = c.instrs.as_ptr();
                    // SAFETY: `fpc < instrs!().len()` (checked above).
                    ip = unsafe { table.add(fpc) };
                    r = reload!();
                    continue;
                }};
            }
            loop {
                // SAFETY: `ip` points into the fetch table at an index
                // below `instrs!().len()` (the trace table is as long):
                // checked at the frame's (re)load and by `go_checked!` for
                // every `pc` an `op_*` function or a trace function gives;
                // the arms that go on with `go_on!` are instructions the
                // verifier followed (it covers every path from the code's
                // start and its handlers, and `f_lineno` jumps go only where
                // those reach), whose next instruction and jump targets it
                // proved inside the code. Every change of `table` moves
                // `ip` to the same index of the new table.
                let at = ip;
                // Only the opcode and the length are read here; an arm
                // reads the argument and the cache slot when it needs
                // them (`oparg!`, `slot!`), which leaves the registers to
                // the loop's own state.
                let op = unsafe { (*at).op };
                // The unit count with the inline caches: a function of the
                // opcode alone (`decode_units`), so each arm's `next!()`
                // is its fetched unit plus a constant, with no load on the
                // path from one fetch to the next.
                macro_rules! len {
                    () => {
                        1 + op.cache_units()
                    };
                }
                // The index of the fetched instruction (`here!`), the one
                // being executed (`pc!`: an arm running two instructions
                // moves it to the second, `pc_shift`) and the one after it
                // (`next!`): worked out by the arms that use them, not at
                // the loop's head.
                let mut pc_shift = 0usize;
                macro_rules! here {
                    () => {
                        index_in(at, table)
                    };
                }
                macro_rules! pc {
                    () => {
                        (here!() + pc_shift)
                    };
                }
                macro_rules! next {
                    () => {
                        (here!() + len!())
                    };
                }
                debug_assert!(
                    here!() < instrs!().len(),
                    "pc past the end of verified code"
                );
                // SAFETY: `at` stays valid through the arm: the code's
                // instructions never change, and the trace table is only
                // refilled by `on_breaker!` and the CACHE arm, after which
                // the arm reads neither.
                macro_rules! oparg {
                    () => {
                        unsafe { (*at).arg }
                    };
                }
                macro_rules! slot {
                    () => {
                        unsafe { (*at).slot }
                    };
                }
                // Whether an arm freed an object (`release!`): freeing may
                // queue a finalizer, which runs before the next instruction
                // (`go_on!` then checks the eval breaker).
                let mut check = false;
                // What waits between instructions (finalizers, generators to
                // close, a collection, a trace function set or cleared)
                // raised the eval breaker: checked after each instruction
                // that can free or allocate an object or run code, not
                // before every one.
                macro_rules! on_breaker {
                    () => {{
                        r.sync(&mut self.stack);
                        self.on_eval_breaker();
                        // A trace function set or cleared: `ip` moves to
                        // the same index of the other table.
                        if self.tracing != (table != instrs!().as_ptr()) {
                            // SAFETY: `ip` points into `table`.
                            let at_pc = unsafe { ip.offset_from(table) } as usize;
                            table = if self.tracing {
                                patched = usize::MAX;
                                trace_fill(&mut trace_buf, instrs!().len())
                            } else {
                                instrs!().as_ptr()
                            };
                            // SAFETY: the tables are equally long.
                            ip = unsafe { table.add(at_pc) };
                        }
                        r = reload!();
                    }};
                }
                macro_rules! go_on {
                    ($to:expr) => {{
                        let to: usize = $to;
                        // Relative to the fetched unit, so that the usual
                        // `next` (`here + len`) is `at + len`.
                        // SAFETY: see the fetch (`to` is an instruction
                        // start the verifier proved inside the code).
                        ip = unsafe { at.offset((to as isize).wrapping_sub(here!() as isize)) };
                        if check && super::breaker::any() {
                            on_breaker!();
                        }
                        continue;
                    }};
                }
                // A `pc` that the verifier's facts about this instruction
                // do not cover.
                macro_rules! go_checked {
                    ($to:expr) => {{
                        let to = $to;
                        if to >= instrs!().len() {
                            return Err((past_end(self), false));
                        }
                        // SAFETY: `to < instrs!().len()` (the trace table is
                        // as long).
                        ip = unsafe { table.add(to) };
                        // The breaker is checked here anyway: a `release!`
                        // before this needs no flag (read to quiet the
                        // never-read lint on those paths).
                        let _ = check;
                        if super::breaker::any() {
                            on_breaker!();
                        }
                        continue;
                    }};
                }
                // The frame's `lasti` is stored by each instruction that can
                // run code, raise or drop a value (`mark_lasti` in its arm,
                // or when it fails): what reads it (tracebacks, `f_lineno`,
                // finalizers at the next instruction) runs only then. The
                // loads, COPY, SWAP and forward jumps skip the store.
                // The instruction after this one, as the next fetch will
                // see it (a CACHE unit of the trace table while tracing, so
                // nothing is fused then): for pairs run in one step.
                // SAFETY: used only by instructions that go on to `next`,
                // which the verifier proved is an instruction start inside
                // the code (the trace table is as long).
                macro_rules! peek {
                    () => {
                        unsafe { *at.add(len!()) }
                    };
                }
                // The hot instructions run through the registers; the
                // others write the stack length back first and reload the
                // registers after (vm/regs.rs). SAFETY of each `unsafe`
                // block: verified code keeps `r.sp` within the frame's
                // reserved value stack and above its base, and local
                // indices below `nlocalsplus`; the slots below `r.sp` and
                // the locals hold values.
                // An instruction that went on to the next one goes straight
                // back to the loop's head; any other outcome is `flow`'s.
                macro_rules! step {
                    ($e:expr) => {
                        match $e {
                            Ok(Flow::Next) => {
                                r = reload!();
                                go_checked!(next!())
                            }
                            other => other,
                        }
                    };
                }

                // An instruction outside the registers: the stack length is
                // written back first (the registers are reloaded after it);
                // `marked!` also records `lasti` (it may run code or raise).
                macro_rules! slow {
                    ($e:expr) => {{
                        r.sync(&mut self.stack);
                        $e
                    }};
                }
                macro_rules! marked {
                    ($e:expr) => {{
                        r.sync(&mut self.stack);
                        self.mark_lasti(pc!());
                        $e
                    }};
                }
                // Drop a value the instruction displaced: freeing an object
                // may queue a finalizer, which sees `lasti`.
                // A shared object's count goes down without the drop glue
                // (which works on the value in memory).
                macro_rules! release {
                    ($v:expr) => {{
                        if let Value::Obj(o) = $v {
                            if crate::objects::rc::Rc::strong_count(&o) == 1 {
                                self.mark_lasti(pc!());
                                check = true;
                                drop(o);
                            } else {
                                crate::objects::rc::Rc::drop_shared(o);
                            }
                        }
                    }};
                }
                let flow: PyResult<Flow> = match op {
                    Op::Nop => go_on!(next!()),
                    // CACHE, an opcode number `opcode.opmap` lacks, or a
                    // unit inside an instruction (code.rs's Instr).
                    Op::Cache => {
                        // Worked out before `table` changes.
                        let cur = here!();
                        // SAFETY: `cur < instrs!().len()` (see the fetch).
                        let real = unsafe { *instrs!().as_ptr().add(cur) };
                        if table != instrs!().as_ptr() && real.op != Op::Cache {
                            // The trace table: the unit patched for the
                            // last instruction is a CACHE unit again.
                            let tp = table.cast_mut();
                            if patched < instrs!().len() {
                                // SAFETY: the trace table holds
                                // `instrs!().len()` units.
                                unsafe { *tp.add(patched) = super::code::Instr::NOT_A_START };
                            }
                            patched = usize::MAX;
                            r.sync(&mut self.stack);
                            self.on_eval_breaker();
                            if !self.tracing {
                                table = instrs!().as_ptr();
                                // SAFETY: `pc < instrs!().len()`.
                                ip = unsafe { table.add(cur) };
                                r = reload!();
                                continue;
                            }
                            let prefixed = super::code::prefixed(instrs!(), cur);
                            if let Err(e) = self.trace_instruction(cur, real.op, prefixed) {
                                self.mark_lasti(cur);
                                return Err((e, true));
                            }
                            // A trace function set `f_lineno`
                            // (objects/frame_jump.rs).
                            if let Some(to) = crate::objects::frame_jump::take_jump(self) {
                                r = reload!();
                                go_checked!(to);
                            }
                            // Line events compare with the last
                            // instruction's.
                            self.mark_lasti(cur);
                            r = reload!();
                            if matches!(real.op, Op::JumpBackward | Op::JumpBackwardNoInterrupt) {
                                // Done here: it may jump to itself
                                // (`while True: pass`), which must be traced
                                // again.
                                Ok(Flow::Jump(back(cur + real.len as usize, real.arg)))
                            } else {
                                // Run the real instruction: the next fetch
                                // finds it in the table.
                                // SAFETY: as above.
                                unsafe { *tp.add(cur) = real };
                                patched = cur;
                                continue;
                            }
                        } else {
                            let opb = code.raw_code().get(cur * 2).copied().unwrap_or(0);
                            return Err((
                                self.system_error(format!("unknown opcode {opb}")),
                                false,
                            ));
                        }
                    }
                    Op::Resume if oparg!() >= 2 || !super::signals::pending() => go_on!(next!()),
                    // As in CPython 3.11, RESUME at a function's start or
                    // after a yield handles pending signals (and charges an
                    // untrusted run's budget, vm/limited.rs).
                    Op::Resume if oparg!() < 2 && super::signals::take_pending() => {
                        marked!(self.run_signal_handlers().map(|()| Flow::Next))
                    }
                    Op::Resume => slow!(Ok(Flow::Next)),
                    // Folded into the next instruction's argument (Instr).
                    Op::ExtendedArg => go_on!(next!()),
                    Op::PopTop => {
                        release!(unsafe { r.pop() });
                        go_on!(next!());
                    }
                    Op::PushNull => {
                        unsafe { r.push(Value::Null) };
                        go_on!(next!());
                    }
                    Op::UnaryPositive => marked!(self.op_unary(op)),
                    Op::UnaryNegative => marked!(self.op_unary(op)),
                    Op::UnaryNot => {
                        // A bool, int or None: its truth runs no code.
                        if let Some(b) = unsafe { r.pop_truth() } {
                            unsafe { r.push(Value::bool(!b)) };
                            go_on!(next!());
                        }
                        marked!(step!(self.op_unary_not()))
                    }
                    Op::UnaryInvert => marked!(self.op_unary(op)),
                    Op::BinarySubscr => {
                        let (obj, key) = unsafe { (&*r.at(2), &*r.at(1)) };
                        if let Some(v) = subscr_hit(obj, key) {
                            if matches!(key, Value::Obj(_)) {
                                // A dict's str key.
                                release!(unsafe { r.pop() });
                            } else {
                                unsafe { r.drop_plain() };
                            }
                            release!(unsafe { r.replace_top(v) });
                            go_on!(next!());
                        }
                        // A Python `__getitem__`: its frame runs in this
                        // loop (ops/call_dunder.rs).
                        if !self.tracing {
                            r.sync(&mut self.stack);
                            if self.getitem_py_inline(pc!(), next!()) {
                                switch_top!();
                            }
                        }
                        marked!(step!(self.op_binary_subscr()))
                    }
                    Op::GetLen => marked!(self.op_get_len()),
                    Op::MatchMapping => marked!(self.op_match_mapping()),
                    Op::MatchSequence => marked!(self.op_match_sequence()),
                    Op::MatchKeys => marked!(self.op_match_keys()),
                    Op::PushExcInfo => marked!(self.op_push_exc_info()),
                    Op::CheckExcMatch => marked!(self.op_check_exc_match()),
                    Op::CheckEgMatch => marked!(self.op_check_eg_match()),
                    Op::WithExceptStart => marked!(self.op_with_except_start()),
                    Op::GetAiter => marked!(self.op_get_aiter()),
                    Op::GetAnext => marked!(self.op_get_anext()),
                    Op::BeforeAsyncWith => marked!(self.op_before_async_with()),
                    Op::BeforeWith => marked!(self.op_before_with()),
                    // Re-raises what is not StopAsyncIteration without a
                    // traceback entry (CPython's `goto exception_unwind`).
                    Op::EndAsyncFor => marked!(match self.op_end_async_for() {
                        Err(e) => return Err((e, false)),
                        ok => ok,
                    }),
                    Op::StoreSubscr => {
                        let (key, obj, v) = unsafe { (r.pop(), r.pop(), r.pop()) };
                        match store_subscr_hit(&obj, &key, v) {
                            Ok(old) => {
                                release!(old);
                                release!(obj);
                                release!(key);
                                go_on!(next!());
                            }
                            Err(v) => unsafe {
                                r.push(v);
                                r.push(obj);
                                r.push(key);
                            },
                        }
                        marked!(step!(self.op_store_subscr()))
                    }
                    Op::DeleteSubscr => marked!(self.op_delete_subscr()),
                    Op::GetIter => marked!(self.op_get_iter()),
                    Op::GetYieldFromIter => marked!(self.op_get_yield_from_iter()),
                    Op::PrintExpr => marked!(self.op_print_expr()),
                    Op::LoadBuildClass => marked!(self.op_load_build_class()),
                    Op::LoadAssertionError => {
                        marked!(self.op_push(Value::Obj(self.exc_type(ExcKind::AssertionError))))
                    }
                    Op::ReturnGenerator => marked!(self.op_return_generator(next!())),
                    Op::ListToTuple => marked!(self.op_list_to_tuple()),
                    Op::ReturnValue => {
                        r.sync(&mut self.stack);
                        // Back to a caller in this loop (ops/call_py.rs).
                        if self.return_plain() {
                            switch_top!();
                        }
                        // Back to native code (vm/call.rs).
                        if self.return_entry(pc!()) {
                            return Ok(true);
                        }
                        // An `__init__` run by a class call or an operator
                        // method run by BINARY_OP (ops/call_py.rs).
                        match self.return_special() {
                            Some(Ok(())) => switch_top!(),
                            Some(Err(e)) => return Err((e, true)),
                            None => {}
                        }
                        self.mark_lasti(pc!());
                        match self.op_return_value() {
                            // The frame is gone: the error (StopIteration of
                            // an inline `send()`, vm/gen_inline.rs) is its
                            // caller's, at the caller's `lasti`.
                            Err(e) => return Err((e, true)),
                            other => other,
                        }
                    }
                    Op::ImportStar => marked!(self.op_import_star()),
                    Op::SetupAnnotations => marked!(self.op_setup_annotations()),
                    // `lasti` goes into the suspended record (vm/gen.rs).
                    // Its errors are marked where they arise (the frame may
                    // be gone: vm/gen_reduce.rs).
                    Op::YieldValue => slow!(match self.op_yield_value(pc!(), next!()) {
                        Err(e) => return Err((e, true)),
                        ok => ok,
                    }),
                    Op::AsyncGenWrap => marked!(self.op_async_gen_wrap(next!())),
                    Op::PrepReraiseStar => marked!(self.op_prep_reraise_star()),
                    Op::PopExcept => marked!(self.op_pop_except(next!())),
                    Op::StoreName => {
                        let v = unsafe { r.pop() };
                        match self.store_name_hit(code, slot!(), oparg!(), v) {
                            Ok(old) => {
                                release!(old);
                                go_on!(next!());
                            }
                            Err(v) => unsafe { r.push(v) },
                        }
                        marked!(self.op_store_name(code, oparg!(), slot!()))
                    }
                    Op::DeleteName => marked!(self.op_delete_name(code, oparg!())),
                    Op::UnpackSequence => {
                        let oa = oparg!();
                        if let Some(seq) = unsafe { super::ops::build::unpack_regs(&mut r, oa) } {
                            release!(seq);
                            go_on!(next!());
                        }
                        marked!(self.op_unpack_sequence(oparg!()))
                    }
                    // FOR_ITER_RANGE / FOR_ITER_LIST run nothing: no `lasti`.
                    Op::ForIter if for_iter_regs(&mut r) => {
                        // FOR_ITER + STORE_FAST in one step: the item goes
                        // straight into the loop variable.
                        let st = peek!();
                        if st.op == Op::StoreFast {
                            pc_shift = len!();
                            release!(unsafe { r.store_local(st.arg as usize) });
                            go_on!(next!() + st.len as usize);
                        }
                        go_on!(next!())
                    }
                    Op::ForIter => {
                        if let Some(v) = self.for_iter_more(unsafe { &*r.at(1) }) {
                            unsafe { r.push(v) };
                            go_on!(next!());
                        }
                        // FOR_ITER_GEN: the generator's frame runs on in
                        // this loop (vm/gen_inline.rs).
                        if let Some(g) = super::gen_inline::as_generator(unsafe { &*r.at(1) }) {
                            let g: *const super::value::PyRef = g;
                            r.sync(&mut self.stack);
                            self.mark_lasti(pc!());
                            // SAFETY: `g` is the iterator in its slot, which
                            // FOR_ITER_GEN leaves in place.
                            let oa = oparg!();
                            if unsafe { self.for_iter_gen(g, next!(), next!() + oa as usize) } {
                                continue 'frame;
                            }
                        }
                        // Any other iterator: its own step, which may run
                        // code (ops/jump.rs).
                        r.sync(&mut self.stack);
                        self.mark_lasti(pc!());
                        match self.for_iter_general() {
                            Ok(Some(v)) => {
                                r = reload!();
                                unsafe { r.push(v) };
                                go_checked!(next!())
                            }
                            Ok(None) => {
                                r = reload!();
                                go_checked!(next!() + oparg!() as usize)
                            }
                            Err(e) => Err(e),
                        }
                    }
                    Op::UnpackEx => marked!(self.op_unpack_ex(oparg!())),
                    Op::StoreAttr => {
                        let (owner, v) = unsafe { (r.pop(), r.pop()) };
                        match Vm::store_attr_hit(code, slot!(), &owner, v) {
                            Ok(old) => {
                                release!(old);
                                release!(owner);
                                go_on!(next!());
                            }
                            Err(v) => unsafe {
                                r.push(v);
                                r.push(owner);
                            },
                        }
                        marked!(step!(self.op_store_attr(code, pc!(), oparg!())))
                    }
                    Op::DeleteAttr => marked!(self.op_delete_attr(code, oparg!())),
                    Op::StoreGlobal => marked!(self.op_store_global(code, oparg!())),
                    Op::DeleteGlobal => marked!(self.op_delete_global(code, oparg!())),
                    Op::Swap if oparg!() >= 1 => {
                        let oa = oparg!();
                        unsafe { super::ops::swap_words(r.at(1), r.at(oa as usize)) };
                        go_on!(next!());
                    }
                    Op::Swap => slow!(step!(self.op_swap(oparg!()))),
                    Op::LoadConst => {
                        if let Some(v) = code.consts.get(oparg!() as usize) {
                            unsafe { r.push(v.clone()) };
                            go_on!(next!());
                        }
                        slow!(step!(self.op_load_const(code, oparg!())))
                    }
                    Op::LoadName => {
                        if let Some(v) = self.load_name_hit(code, slot!(), oparg!()) {
                            unsafe { r.push(v) };
                            go_on!(next!());
                        }
                        marked!(self.op_load_name(code, oparg!(), slot!()))
                    }
                    // On the registers; the allocation may schedule a
                    // collection, which runs at this instruction.
                    Op::BuildTuple | Op::BuildList => {
                        let oa = oparg!();
                        unsafe { self.build_seq_regs(&mut r, oa, op == Op::BuildList) };
                        // `go_on!` runs it (after moving `ip`, which a
                        // trace function set by it moves to its table).
                        if super::breaker::any() {
                            self.mark_lasti(pc!());
                            check = true;
                        }
                        go_on!(next!());
                    }
                    Op::BuildSet => marked!(self.op_build_set(oparg!())),
                    Op::BuildMap => marked!(self.op_build_map(oparg!())),
                    Op::LoadAttr => {
                        let owner = unsafe { &*r.at(1) };
                        if let Some(v) = self.load_attr_fast(code, slot!(), owner, oparg!()) {
                            release!(unsafe { r.replace_top(v) });
                            go_on!(next!());
                        }
                        marked!(step!(self.op_load_attr(code, pc!(), oparg!())))
                    }
                    Op::CompareOp => {
                        let (a, b) = unsafe { (&*r.at(2), &*r.at(1)) };
                        let v = match (a, b) {
                            (Value::Int(x), Value::Int(y)) => cmp_fast(oparg!(), x, y),
                            (Value::Float(x), Value::Float(y)) => {
                                cmp_fast(oparg!(), &x.get(), &y.get())
                            }
                            _ => None,
                        };
                        if let Some(v) = v {
                            // COMPARE_OP + POP_JUMP_FORWARD_IF_FALSE/TRUE in
                            // one step (CPython's COMPARE_OP_INT_JUMP): the
                            // bool is never pushed.
                            let j = peek!();
                            let jump = match j.op {
                                Op::PopJumpForwardIfFalse => Some(!v),
                                Op::PopJumpForwardIfTrue => Some(v),
                                _ => None,
                            };
                            if let Some(jump) = jump {
                                // Two ints or floats: nothing to drop.
                                unsafe {
                                    r.drop_plain();
                                    r.drop_plain();
                                }
                                let after = next!() + j.len as usize;
                                go_on!(if jump { after + j.arg as usize } else { after });
                            }
                            unsafe { r.replace2(Value::bool(v)) };
                            go_on!(next!());
                        }
                        // A Python `__eq__`, `__lt__`...: its frame runs in
                        // this loop (ops/call_dunder.rs).
                        let plain = matches!(a, Value::Obj(o)
                            if matches!(o.payload, crate::objects::Payload::Object | crate::objects::Payload::Instance(_)));
                        if plain && !self.tracing {
                            r.sync(&mut self.stack);
                            if self.compare_py_inline(oparg!(), pc!(), next!()) {
                                switch_top!();
                            }
                        }
                        marked!(step!(self.op_compare(oparg!())))
                    }
                    Op::ImportName => marked!(self.op_import_name(code, oparg!())),
                    Op::ImportFrom => marked!(self.op_import_from(code, oparg!())),
                    Op::JumpForward => go_on!(next!() + oparg!() as usize),
                    Op::JumpIfFalseOrPop => {
                        marked!(self.op_jump_or_pop(false, next!() + oparg!() as usize))
                    }
                    Op::JumpIfTrueOrPop => {
                        marked!(self.op_jump_or_pop(true, next!() + oparg!() as usize))
                    }
                    Op::PopJumpForwardIfFalse => {
                        if let Some(b) = unsafe { r.pop_truth() } {
                            go_on!(if b {
                                next!()
                            } else {
                                next!() + oparg!() as usize
                            })
                        }
                        marked!(step!(
                            self.op_pop_jump_if(false, next!() + oparg!() as usize)
                        ))
                    }
                    Op::PopJumpForwardIfTrue => {
                        if let Some(b) = unsafe { r.pop_truth() } {
                            go_on!(if b {
                                next!() + oparg!() as usize
                            } else {
                                next!()
                            })
                        }
                        marked!(step!(self.op_pop_jump_if(true, next!() + oparg!() as usize)))
                    }
                    Op::PopJumpBackwardIfFalse => {
                        if !super::signals::pending() {
                            if let Some(b) = unsafe { r.pop_truth() } {
                                go_on!(if b { next!() } else { back(next!(), oparg!()) })
                            }
                        }
                        marked!(self.op_pop_jump_if(false, back(next!(), oparg!())))
                    }
                    Op::PopJumpBackwardIfTrue => {
                        if !super::signals::pending() {
                            if let Some(b) = unsafe { r.pop_truth() } {
                                go_on!(if b { back(next!(), oparg!()) } else { next!() })
                            }
                        }
                        marked!(self.op_pop_jump_if(true, back(next!(), oparg!())))
                    }
                    Op::PopJumpForwardIfNone => {
                        marked!(self.op_pop_jump_if_none(true, next!() + oparg!() as usize))
                    }
                    Op::PopJumpForwardIfNotNone => {
                        marked!(self.op_pop_jump_if_none(false, next!() + oparg!() as usize))
                    }
                    Op::PopJumpBackwardIfNone => {
                        marked!(self.op_pop_jump_if_none(true, back(next!(), oparg!())))
                    }
                    Op::PopJumpBackwardIfNotNone => {
                        marked!(self.op_pop_jump_if_none(false, back(next!(), oparg!())))
                    }
                    Op::JumpBackward | Op::JumpBackwardNoInterrupt
                        if !super::signals::pending() =>
                    {
                        go_on!(back(next!(), oparg!()))
                    }
                    // A signal is pending: its handlers run at the jump (as a
                    // backward Flow::Jump), with the jump's `lasti`.
                    Op::JumpBackward | Op::JumpBackwardNoInterrupt => {
                        marked!(Ok(Flow::Jump(back(next!(), oparg!()))))
                    }
                    Op::LoadGlobal => {
                        if let Some(v) = self.load_global_hit(code, slot!()) {
                            if oparg!() & 1 != 0 {
                                unsafe { r.push(Value::Null) };
                            }
                            unsafe { r.push(v) };
                            go_on!(next!());
                        }
                        marked!(step!(self.op_load_global(code, pc!(), oparg!())))
                    }
                    Op::IsOp => {
                        let (b, a) = unsafe { (r.pop(), r.pop()) };
                        let oa = oparg!();
                        unsafe { r.push(Value::bool(a.is(&b) != (oa == 1))) };
                        release!(b);
                        release!(a);
                        go_on!(next!());
                    }
                    Op::ContainsOp => {
                        // An exact set or dict, a native key (objects/setobj.rs).
                        let (item, set) = unsafe { (&*r.at(2), &*r.at(1)) };
                        if let Some(b) = crate::objects::setobj::contains_hit(set, item) {
                            release!(unsafe { r.pop() });
                            let oa = oparg!();
                            release!(unsafe { r.replace_top(Value::bool(b != (oa == 1))) });
                            go_on!(next!());
                        }
                        marked!(step!(self.op_contains(oparg!())))
                    }
                    Op::Reraise => {
                        marked!({
                            match self.op_reraise(oparg!()) {
                                Err(e) => return Err((e, false)),
                                ok => ok,
                            }
                        })
                    }
                    Op::Copy if oparg!() >= 1 => {
                        let oa = oparg!();
                        let v = unsafe { (*r.at(oa as usize)).clone() };
                        unsafe { r.push(v) };
                        go_on!(next!());
                    }
                    Op::Copy => slow!(step!(self.op_copy(oparg!()))),
                    Op::BinaryOp => {
                        let (a, b) = unsafe { (&*r.at(2), &*r.at(1)) };
                        let v = match (a, b) {
                            (Value::Int(x), Value::Int(y)) => {
                                int_binop(oparg!(), *x, *y).map(Value::Int)
                            }
                            (Value::Float(x), Value::Float(y)) => {
                                float_binop(oparg!(), x.get(), y.get()).map(Value::float)
                            }
                            _ => None,
                        };
                        if let Some(v) = v {
                            // Both operands are plain data: nothing to drop.
                            unsafe { r.replace2(v) };
                            go_on!(next!());
                        }
                        // A Python operator method: its frame runs in this
                        // loop (ops/call_dunder.rs).
                        if !self.tracing {
                            r.sync(&mut self.stack);
                            if self.binop_py_inline(oparg!(), pc!(), next!()) {
                                switch_top!();
                            }
                        }
                        marked!(step!(self.op_binary(oparg!())))
                    }
                    Op::Send => {
                        // SEND_GEN: the generator's or coroutine's frame runs
                        // on in this loop (vm/gen_inline.rs).
                        if let Some(g) = super::gen_inline::as_generator(unsafe { &*r.at(2) }) {
                            let g: *const super::value::PyRef = g;
                            r.sync(&mut self.stack);
                            self.mark_lasti(pc!());
                            // SAFETY: `g` is the receiver in its slot, which
                            // SEND_GEN leaves in place.
                            let oa = oparg!();
                            if unsafe { self.send_gen(g, next!(), next!() + oa as usize) } {
                                continue 'frame;
                            }
                        }
                        marked!(self.op_send(next!(), oparg!()))
                    }
                    Op::LoadFast => {
                        let oa = oparg!();
                        let v = unsafe { &*r.fast.add(oa as usize) };
                        if !v.is_null() {
                            unsafe { r.push(v.clone()) };
                            go_on!(next!());
                        }
                        slow!(step!(self.op_load_fast(base, code, oparg!())))
                    }
                    Op::StoreFast => {
                        let oa = oparg!();
                        release!(unsafe { r.store_local(oa as usize) });
                        // STORE_FAST + LOAD_FAST in one step (CPython's
                        // STORE_FAST__LOAD_FAST), unless something was
                        // freed (its finalizer runs first).
                        let l = peek!();
                        if l.op == Op::LoadFast && !check {
                            let v = unsafe { &*r.fast.add(l.arg as usize) };
                            if !v.is_null() {
                                unsafe { r.push(v.clone()) };
                                go_on!(next!() + l.len as usize);
                            }
                        }
                        go_on!(next!());
                    }
                    Op::DeleteFast => marked!(self.op_delete_fast(code, oparg!())),
                    Op::RaiseVarargs => {
                        marked!({
                            match self.op_raise(oparg!()) {
                                // A bare `raise` re-raises without a traceback
                                // entry; its "No active exception" error gets one.
                                Err(e) => {
                                    let reraise =
                                        oparg!() == 0 && self.topmost_exc_info().is(&e.value());
                                    return Err((e, !reraise));
                                }
                                ok => ok,
                            }
                        })
                    }
                    Op::GetAwaitable => marked!(self.op_get_awaitable(oparg!())),
                    Op::MakeFunction => {
                        r.sync(&mut self.stack);
                        // A comprehension called at once (vm/comp_inline.rs).
                        if oparg!() == 0 && self.comp_call_inline(instrs!(), next!()) {
                            continue 'frame;
                        }
                        self.mark_lasti(pc!());
                        self.op_make_function(oparg!())
                    }
                    Op::BuildSlice => {
                        // `x[a:b]` and `x[a:b] = y` on an exact list, tuple
                        // or str with small-int bounds: the subscript runs
                        // in the same step, without a slice object
                        // (ops/slice_subscr.rs), unless something traces.
                        if let super::code::Instr {
                            op: sub @ (Op::BinarySubscr | Op::StoreSubscr),
                            len: sub_len,
                            ..
                        } = peek!()
                        {
                            if !self.tracing {
                                r.sync(&mut self.stack);
                                self.mark_lasti(next!());
                                if self.slice_subscr(oparg!(), sub == Op::StoreSubscr) {
                                    r = reload!();
                                    go_checked!(next!() + sub_len as usize);
                                }
                            }
                        }
                        marked!(self.op_build_slice(oparg!()))
                    }
                    Op::MakeCell => marked!(self.op_make_cell(oparg!())),
                    Op::LoadClosure => slow!(self.op_load_closure(oparg!())),
                    Op::LoadDeref => {
                        let oa = oparg!();
                        if let Some(v) = deref_hit(unsafe { &*r.fast.add(oa as usize) }) {
                            unsafe { r.push(v) };
                            go_on!(next!());
                        }
                        marked!(step!(self.op_load_deref(code, oparg!())))
                    }
                    Op::StoreDeref => marked!(self.op_store_deref(oparg!())),
                    Op::DeleteDeref => marked!(self.op_delete_deref(code, oparg!())),
                    Op::CallFunctionEx => marked!(self.op_call_function_ex(oparg!(), next!())),
                    Op::ListAppend => {
                        // A comprehension's append (ops/build.rs).
                        let oa = oparg!();
                        if unsafe { super::ops::build::list_append_regs(&mut r, oa) } {
                            go_on!(next!());
                        }
                        marked!(step!(self.op_list_append(oparg!())))
                    }
                    Op::SetAdd => {
                        let oa = oparg!();
                        if let Some(v) = unsafe { super::ops::build::set_add_regs(&mut r, oa) } {
                            release!(v);
                            go_on!(next!());
                        }
                        marked!(self.op_set_add(oparg!()))
                    }
                    Op::MapAdd => {
                        let oa = oparg!();
                        if let Some((old, k)) =
                            unsafe { super::ops::build::map_add_regs(&mut r, oa) }
                        {
                            release!(old);
                            release!(k);
                            go_on!(next!());
                        }
                        marked!(self.op_map_add(oparg!()))
                    }
                    Op::LoadClassderef => marked!(self.op_load_classderef(code, oparg!())),
                    Op::CopyFreeVars => {
                        let oa = oparg!();
                        if unsafe { self.copy_free_vars_regs(&r, code, oa) } {
                            go_on!(next!());
                        }
                        marked!(self.op_copy_free_vars(oparg!()))
                    }
                    Op::MatchClass => marked!(self.op_match_class(oparg!())),
                    Op::FormatValue => marked!(self.op_format_value(oparg!())),
                    Op::BuildConstKeyMap => marked!(self.op_build_const_key_map(oparg!())),
                    Op::BuildString => marked!(self.op_build_string(oparg!())),
                    Op::LoadMethod => {
                        if let Some(name) = code.names.get(oparg!() as usize) {
                            let owner = unsafe { &*r.at(1) };
                            if let Some(m) = Vm::load_method_hit(code, slot!(), owner, name) {
                                unsafe {
                                    let owner = r.replace_top(Value::Obj(m));
                                    r.push(owner);
                                }
                                go_on!(next!());
                            }
                            // A module's function, a class's attribute.
                            if let Some((v, bind)) = self.load_method_more(code, slot!(), owner) {
                                if bind {
                                    // `[f, cls]`: the call binds the class.
                                    unsafe {
                                        let owner = r.replace_top(v);
                                        r.push(owner);
                                    }
                                } else {
                                    let owner = unsafe { r.replace_top(Value::Null) };
                                    unsafe { r.push(v) };
                                    release!(owner);
                                }
                                go_on!(next!());
                            }
                        }
                        marked!(step!(self.op_load_method(code, pc!(), oparg!())))
                    }
                    Op::ListExtend => marked!(self.op_list_extend(oparg!())),
                    Op::SetUpdate => marked!(self.op_set_update(oparg!())),
                    Op::DictMerge => marked!(self.op_dict_merge(oparg!())),
                    Op::DictUpdate => marked!(self.op_dict_update(oparg!())),
                    // PRECALL runs no code and cannot fail (no `lasti`); the
                    // CALL right after it runs in the same step (one dispatch
                    // per call), as CALL, unless something traces.
                    Op::Precall => {
                        // The CALL right after it (`call_arg`, and where the
                        // caller goes on) runs in the same step, unless
                        // something traces: the trace table's next unit is
                        // a CACHE unit.
                        let call = match peek!() {
                            super::code::Instr {
                                op: Op::Call,
                                arg,
                                len,
                                ..
                            } => Some((arg, next!() + len as usize)),
                            _ => None,
                        };
                        // A Python function (or a method LOAD_METHOD
                        // found): none of the builtin shortcuts apply.
                        let py = match call {
                            Some((n, _)) if n == oparg!() => unsafe {
                                super::ops::call_py::py_callable(&r, n as usize)
                            },
                            _ => false,
                        };
                        let call_native = if py { None } else { call };
                        // `isinstance(x, T)` on the registers (ops/call_spec.rs).
                        if let Some((2, after)) = call_native {
                            if oparg!() == 2 && self.pending_kwnames.is_none() {
                                if let Some((f, x, t)) = unsafe { self.isinstance_regs(&mut r) } {
                                    pc_shift = len!();
                                    release!(x);
                                    release!(t);
                                    release!(f);
                                    go_checked!(after);
                                }
                            }
                        }
                        // `lst.append(x)` and `len(x)` on the registers
                        // (ops/call_spec.rs).
                        if let Some((1, after)) = call_native {
                            if oparg!() == 1 && self.pending_kwnames.is_none() {
                                if let Some((callable, other)) =
                                    unsafe { super::ops::call_spec::precall1_regs(&mut r) }
                                {
                                    pc_shift = len!();
                                    release!(other);
                                    release!(callable);
                                    go_checked!(after);
                                }
                                // `type(x)`.
                                if let Some((f, x)) = unsafe { self.type1_regs(&mut r) } {
                                    pc_shift = len!();
                                    release!(x);
                                    release!(f);
                                    go_checked!(after);
                                }
                                // `sum(gen)`, `tuple(gen)`...: the generator
                                // runs in this loop (vm/gen_reduce.rs).
                                let arg = unsafe { &*r.at(1) };
                                if super::gen_inline::as_generator(arg).is_some() {
                                    r.sync(&mut self.stack);
                                    if self.reduce_call(next!(), after) {
                                        continue 'frame;
                                    }
                                }
                            }
                        }
                        // A builtin method on an instance of its type
                        // (ops/call_spec.rs).
                        if let Some((n, after)) = call_native {
                            let n = n as usize;
                            if oparg!() as usize == n && self.pending_kwnames.is_none() {
                                use super::ops::call_spec::descr_target;
                                if let Some(f) = unsafe { descr_target(&r, n) } {
                                    pc_shift = len!();
                                    self.mark_lasti(pc!());
                                    if let Err(e) = unsafe { self.call_descr_regs(r, n, f) } {
                                        return Err((e, true));
                                    }
                                    r = reload!();
                                    go_checked!(after);
                                }
                            }
                        }
                        slow!({
                            // A plain Python function with exactly its
                            // positional parameters: its frame is pushed over
                            // the arguments (ops/call_py.rs).
                            if let Some((call_arg, after)) = call {
                                // The caller's `lasti` is its CALL.
                                if self.call_py_exact(call_arg, next!(), after) {
                                    switch_top!();
                                }
                                // `gen.send(v)`: the generator's frame runs on
                                // in this loop (vm/gen_inline.rs).
                                if call_arg == 1 && self.send_call_gen(next!(), after) {
                                    continue 'frame;
                                }
                            }
                            self.op_precall(oparg!());
                            match call {
                                Some((call_arg, after)) => {
                                    pc_shift = len!();
                                    self.mark_lasti(pc!());
                                    match self.op_call(call_arg, after) {
                                        Ok(Flow::Next) => {
                                            r = reload!();
                                            go_checked!(after)
                                        }
                                        other => other,
                                    }
                                }
                                None => Ok(Flow::Next),
                            }
                        })
                    }
                    Op::Call => marked!(step!(self.op_call(oparg!(), next!()))),
                    // Runs no code and leaves the stack alone: the names
                    // wait for the CALL (the PRECALL after it).
                    Op::KwNames => {
                        let names = match code.consts.get(oparg!() as usize) {
                            Some(Value::Obj(t)) => Some(t.clone()),
                            _ => None,
                        };
                        if let Some(old) = std::mem::replace(&mut self.pending_kwnames, names) {
                            release!(Value::Obj(old));
                        }
                        go_on!(next!());
                    }
                };
                // Here, after the arms, `op` is no constant: the unit count
                // is read from the fetched unit (its `len`, what `len!`
                // gives), so `op` need not be kept for this path.
                macro_rules! next_unit {
                    () => {
                        here!() + unsafe { (*at).len as usize }
                    };
                }
                match flow {
                    Ok(Flow::Next) => {
                        r = reload!();
                        go_checked!(next_unit!())
                    }
                    Ok(Flow::Jump(target)) => {
                        // Signal handlers at a backward jump (they run code:
                        // the registers are reloaded after them).
                        if target < next_unit!() && super::signals::take_pending() {
                            if let Err(e) = self.run_signal_handlers() {
                                return Err((e, true));
                            }
                        }
                        r = reload!();
                        go_checked!(target)
                    }
                    Ok(Flow::Reload) => {
                        if super::signals::take_pending() {
                            if let Err(e) = self.run_signal_handlers() {
                                return Err((e, true));
                            }
                        }
                        continue 'frame;
                    }
                    Ok(Flow::Return) => return Ok(true),
                    Ok(Flow::Yield) => return Ok(false),
                    Err(e) => {
                        self.mark_lasti(pc!());
                        return Err((e, true));
                    }
                }
            }
        }
    }

    /// Record `pc` as the top frame's instruction being executed.
    #[inline(always)]
    pub(crate) fn mark_lasti(&mut self, pc: usize) {
        if let Some(f) = self.frames.last_mut() {
            f.lasti = pc;
        }
    }
}

/// FOR_ITER_RANGE / FOR_ITER_LIST: push the next item of the range or
/// sequence iterator on top, if it is one and has one.
#[inline(always)]
fn for_iter_regs(r: &mut Regs) -> bool {
    // SAFETY: FOR_ITER's iterator is on top of the stack (verified code),
    // and the push stays within the reserved value stack (vm/regs.rs).
    unsafe {
        match super::ops::jump::for_iter_fast(&*r.at(1)) {
            Some(v) => {
                r.push(v);
                true
            }
            None => false,
        }
    }
}

/// The index of the fetched unit `at` in the fetch table `table`, which
/// it points into (the loop's `ip` never leaves the table it was set in).
#[inline(always)]
fn index_in(at: *const super::code::Instr, table: *const super::code::Instr) -> usize {
    // SAFETY: both point into the same table (the caller's `at` and
    // `table`), at or after its start.
    unsafe { at.offset_from(table) as usize }
}

/// LOAD_DEREF's value when local slot `slot` holds a cell with one.
#[inline(always)]
fn deref_hit(slot: &Value) -> Option<Value> {
    match slot {
        Value::Obj(c) => match &c.payload {
            crate::objects::Payload::Cell(v) => {
                Some(v.try_borrow().ok()?.clone()).filter(|v| !v.is_null())
            }
            _ => None,
        },
        _ => None,
    }
}

/// Make `buf` a trace table for code of `len` units (all CACHE units, which
/// `dispatch`'s CACHE arm traces and then runs), and give its address, which
/// stays valid until `buf` is changed again.
#[cold]
#[inline(never)]
fn trace_fill(buf: &mut Vec<super::code::Instr>, len: usize) -> *const super::code::Instr {
    buf.clear();
    buf.resize(len, super::code::Instr::NOT_A_START);
    buf.as_mut_ptr().cast_const()
}

/// The error for a `pc` outside the code (bad bytecode).
#[cold]
#[inline(never)]
fn past_end(vm: &mut Vm) -> PyErr {
    vm.system_error("bytecode ran past the end of the code")
}

/// A backward jump target (`next - oparg`). Verified code keeps it inside
/// the code; on bad bytecode it wraps to a huge index, which `go_checked!`
/// rejects (the `go_on!` paths are verified ones, where it simplifies to a
/// move of the fetched unit's address, with no index worked out).
#[inline]
fn back(next: usize, oparg: u32) -> usize {
    next.wrapping_sub(oparg as usize)
}
