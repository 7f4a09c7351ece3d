//! The eval loop: one dispatch over the opcode table whose arms call the
//! `op_*` functions of `vm/ops/`. Python-to-Python calls push a frame and
//! continue here; they do not recurse on the Rust stack.

use crate::objects::exception::ExcKind;
use crate::pyc::opcode::Op;

use super::ops::Flow;
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
        loop {
            match self.dispatch() {
                Ok(exit) => return Ok(exit),
                Err((err, add_tb)) => self.unwind(err, add_tb)?,
            }
        }
    }

    /// Execute instructions until the entry frame exits or an error needs
    /// unwinding (`(error, whether to add a traceback entry)`).
    fn dispatch(&mut self) -> Result<Exit, (PyErr, bool)> {
        'frame: loop {
            let Some(frame) = self.frames.last() else {
                return Err((self.system_error("no frame to run"), false));
            };
            let code = frame.code.clone();
            let base = frame.base;
            let mut pc = frame.pc;
            let mut ext: u32 = 0;
            let instrs: &[super::code::Instr] = &code.instrs;
            loop {
                let Some(&super::code::Instr { op, arg, len }) = instrs.get(pc) else {
                    return Err((
                        self.system_error("bytecode ran past the end of the code"),
                        false,
                    ));
                };
                let oparg = ext | arg as u32;
                let Some(op) = op else {
                    let opb = code.code.get(pc * 2).copied().unwrap_or(0);
                    return Err((self.system_error(format!("unknown opcode {opb}")), false));
                };
                // Whatever waits between instructions (finalizers of dropped
                // objects, generators to close, a trace function: its bit
                // stays set while one is) raised the eval breaker.
                if super::breaker::any() {
                    self.on_eval_breaker();
                    if self.tracing {
                        if let Err(e) = self.trace_instruction(pc, op, ext) {
                            self.mark_lasti(pc);
                            return Err((e, true));
                        }
                        // A trace function set `f_lineno` (objects/frame_jump.rs).
                        if let Some(to) = crate::objects::frame_jump::take_jump(self) {
                            pc = to;
                            continue;
                        }
                        // Line events compare with the last instruction's.
                        self.mark_lasti(pc);
                    }
                }
                // The frame's `lasti` is stored by each instruction that can
                // run code, raise or drop a value (`mark_lasti` in its arm,
                // or when it fails): what reads it (tracebacks, `f_lineno`,
                // finalizers at the next instruction) runs only then. The
                // loads, COPY, SWAP and forward jumps skip the store.
                let next = pc + len as usize;
                // An instruction that went on to the next one goes straight
                // back to the loop's head; any other outcome is `flow`'s.
                macro_rules! step {
                    ($e:expr) => {
                        match $e {
                            Ok(Flow::Next) => {
                                ext = 0;
                                pc = next;
                                continue;
                            }
                            other => other,
                        }
                    };
                }
                let flow: PyResult<Flow> = match op {
                    Op::Cache | Op::Nop => Ok(Flow::Next),
                    // As in CPython 3.11, RESUME at a function's start or
                    // after a yield handles pending signals (and charges an
                    // untrusted run's budget, vm/limited.rs).
                    Op::Resume if oparg < 2 && super::signals::take_pending() => {
                        self.mark_lasti(pc);
                        self.run_signal_handlers().map(|()| Flow::Next)
                    }
                    Op::Resume => Ok(Flow::Next),
                    Op::ExtendedArg => {
                        ext = oparg << 8;
                        pc = next;
                        continue;
                    }
                    Op::PopTop => {
                        self.mark_lasti(pc);
                        step!(self.op_pop_top())
                    }
                    Op::PushNull => self.op_push(Value::Null),
                    Op::UnaryPositive => {
                        self.mark_lasti(pc);
                        self.op_unary(op)
                    }
                    Op::UnaryNegative => {
                        self.mark_lasti(pc);
                        self.op_unary(op)
                    }
                    Op::UnaryNot => {
                        self.mark_lasti(pc);
                        step!(self.op_unary_not())
                    }
                    Op::UnaryInvert => {
                        self.mark_lasti(pc);
                        self.op_unary(op)
                    }
                    Op::BinarySubscr => {
                        self.mark_lasti(pc);
                        step!(self.op_binary_subscr())
                    }
                    Op::GetLen => {
                        self.mark_lasti(pc);
                        self.op_get_len()
                    }
                    Op::MatchMapping => {
                        self.mark_lasti(pc);
                        self.op_match_mapping()
                    }
                    Op::MatchSequence => {
                        self.mark_lasti(pc);
                        self.op_match_sequence()
                    }
                    Op::MatchKeys => {
                        self.mark_lasti(pc);
                        self.op_match_keys()
                    }
                    Op::PushExcInfo => {
                        self.mark_lasti(pc);
                        self.op_push_exc_info()
                    }
                    Op::CheckExcMatch => {
                        self.mark_lasti(pc);
                        self.op_check_exc_match()
                    }
                    Op::CheckEgMatch => {
                        self.mark_lasti(pc);
                        self.op_check_eg_match()
                    }
                    Op::WithExceptStart => {
                        self.mark_lasti(pc);
                        self.op_with_except_start()
                    }
                    Op::GetAiter => {
                        self.mark_lasti(pc);
                        self.op_get_aiter()
                    }
                    Op::GetAnext => {
                        self.mark_lasti(pc);
                        self.op_get_anext()
                    }
                    Op::BeforeAsyncWith => {
                        self.mark_lasti(pc);
                        self.op_before_async_with()
                    }
                    Op::BeforeWith => {
                        self.mark_lasti(pc);
                        self.op_before_with()
                    }
                    Op::EndAsyncFor => {
                        self.mark_lasti(pc);
                        self.op_end_async_for()
                    }
                    Op::StoreSubscr => {
                        self.mark_lasti(pc);
                        step!(self.op_store_subscr())
                    }
                    Op::DeleteSubscr => {
                        self.mark_lasti(pc);
                        self.op_delete_subscr()
                    }
                    Op::GetIter => {
                        self.mark_lasti(pc);
                        self.op_get_iter()
                    }
                    Op::GetYieldFromIter => {
                        self.mark_lasti(pc);
                        self.op_get_yield_from_iter()
                    }
                    Op::PrintExpr => {
                        self.mark_lasti(pc);
                        self.op_print_expr()
                    }
                    Op::LoadBuildClass => {
                        self.mark_lasti(pc);
                        self.op_load_build_class()
                    }
                    Op::LoadAssertionError => {
                        self.mark_lasti(pc);
                        self.op_push(Value::Obj(self.exc_type(ExcKind::AssertionError)))
                    }
                    Op::ReturnGenerator => {
                        self.mark_lasti(pc);
                        self.op_return_generator(next)
                    }
                    Op::ListToTuple => {
                        self.mark_lasti(pc);
                        self.op_list_to_tuple()
                    }
                    Op::ReturnValue => {
                        self.mark_lasti(pc);
                        self.op_return_value()
                    }
                    Op::ImportStar => {
                        self.mark_lasti(pc);
                        self.op_import_star()
                    }
                    Op::SetupAnnotations => {
                        self.mark_lasti(pc);
                        self.op_setup_annotations()
                    }
                    Op::YieldValue => {
                        self.mark_lasti(pc);
                        self.op_yield_value(next)
                    }
                    Op::AsyncGenWrap => {
                        self.mark_lasti(pc);
                        self.op_async_gen_wrap()
                    }
                    Op::PrepReraiseStar => {
                        self.mark_lasti(pc);
                        self.op_prep_reraise_star()
                    }
                    Op::PopExcept => {
                        self.mark_lasti(pc);
                        self.op_pop_except()
                    }
                    Op::StoreName => {
                        self.mark_lasti(pc);
                        self.op_store_name(&code, oparg)
                    }
                    Op::DeleteName => {
                        self.mark_lasti(pc);
                        self.op_delete_name(&code, oparg)
                    }
                    Op::UnpackSequence => {
                        self.mark_lasti(pc);
                        self.op_unpack_sequence(oparg)
                    }
                    // FOR_ITER_RANGE / FOR_ITER_LIST run nothing: no `lasti`.
                    Op::ForIter if self.for_iter_fast() => {
                        ext = 0;
                        pc = next;
                        continue;
                    }
                    Op::ForIter => {
                        self.mark_lasti(pc);
                        step!(self.op_for_iter(next, oparg))
                    }
                    Op::UnpackEx => {
                        self.mark_lasti(pc);
                        self.op_unpack_ex(oparg)
                    }
                    Op::StoreAttr => {
                        self.mark_lasti(pc);
                        step!(self.op_store_attr(&code, pc, oparg))
                    }
                    Op::DeleteAttr => {
                        self.mark_lasti(pc);
                        self.op_delete_attr(&code, oparg)
                    }
                    Op::StoreGlobal => {
                        self.mark_lasti(pc);
                        self.op_store_global(&code, oparg)
                    }
                    Op::DeleteGlobal => {
                        self.mark_lasti(pc);
                        self.op_delete_global(&code, oparg)
                    }
                    Op::Swap => step!(self.op_swap(oparg)),
                    Op::LoadConst => step!(self.op_load_const(&code, oparg)),
                    Op::LoadName => {
                        self.mark_lasti(pc);
                        self.op_load_name(&code, oparg)
                    }
                    Op::BuildTuple => {
                        self.mark_lasti(pc);
                        step!(self.op_build_tuple(oparg))
                    }
                    Op::BuildList => {
                        self.mark_lasti(pc);
                        self.op_build_list(oparg)
                    }
                    Op::BuildSet => {
                        self.mark_lasti(pc);
                        self.op_build_set(oparg)
                    }
                    Op::BuildMap => {
                        self.mark_lasti(pc);
                        self.op_build_map(oparg)
                    }
                    Op::LoadAttr => {
                        self.mark_lasti(pc);
                        step!(self.op_load_attr(&code, pc, oparg))
                    }
                    Op::CompareOp => {
                        self.mark_lasti(pc);
                        step!(self.op_compare(oparg))
                    }
                    Op::ImportName => {
                        self.mark_lasti(pc);
                        self.op_import_name(&code, oparg)
                    }
                    Op::ImportFrom => {
                        self.mark_lasti(pc);
                        self.op_import_from(&code, oparg)
                    }
                    Op::JumpForward => Ok(Flow::Jump(next + oparg as usize)),
                    Op::JumpIfFalseOrPop => {
                        self.mark_lasti(pc);
                        self.op_jump_or_pop(false, next + oparg as usize)
                    }
                    Op::JumpIfTrueOrPop => {
                        self.mark_lasti(pc);
                        self.op_jump_or_pop(true, next + oparg as usize)
                    }
                    Op::PopJumpForwardIfFalse => {
                        self.mark_lasti(pc);
                        step!(self.op_pop_jump_if(false, next + oparg as usize))
                    }
                    Op::PopJumpForwardIfTrue => {
                        self.mark_lasti(pc);
                        step!(self.op_pop_jump_if(true, next + oparg as usize))
                    }
                    Op::PopJumpBackwardIfFalse => {
                        self.mark_lasti(pc);
                        self.op_pop_jump_if(false, back(next, oparg))
                    }
                    Op::PopJumpBackwardIfTrue => {
                        self.mark_lasti(pc);
                        self.op_pop_jump_if(true, back(next, oparg))
                    }
                    Op::PopJumpForwardIfNone => {
                        self.mark_lasti(pc);
                        self.op_pop_jump_if_none(true, next + oparg as usize)
                    }
                    Op::PopJumpForwardIfNotNone => {
                        self.mark_lasti(pc);
                        self.op_pop_jump_if_none(false, next + oparg as usize)
                    }
                    Op::PopJumpBackwardIfNone => {
                        self.mark_lasti(pc);
                        self.op_pop_jump_if_none(true, back(next, oparg))
                    }
                    Op::PopJumpBackwardIfNotNone => {
                        self.mark_lasti(pc);
                        self.op_pop_jump_if_none(false, back(next, oparg))
                    }
                    // Signal handlers run at a backward jump (with its `lasti`).
                    Op::JumpBackward | Op::JumpBackwardNoInterrupt => {
                        if super::signals::take_pending() {
                            self.mark_lasti(pc);
                            if let Err(e) = self.run_signal_handlers() {
                                return Err((e, true));
                            }
                        }
                        ext = 0;
                        pc = back(next, oparg);
                        continue;
                    }
                    Op::LoadGlobal => {
                        self.mark_lasti(pc);
                        step!(self.op_load_global(&code, pc, oparg))
                    }
                    Op::IsOp => {
                        self.mark_lasti(pc);
                        step!(self.op_is(oparg))
                    }
                    Op::ContainsOp => {
                        self.mark_lasti(pc);
                        step!(self.op_contains(oparg))
                    }
                    Op::Reraise => {
                        self.mark_lasti(pc);
                        match self.op_reraise(oparg) {
                            Err(e) => return Err((e, false)),
                            ok => ok,
                        }
                    }
                    Op::Copy => step!(self.op_copy(oparg)),
                    Op::BinaryOp => {
                        self.mark_lasti(pc);
                        step!(self.op_binary(oparg))
                    }
                    Op::Send => {
                        self.mark_lasti(pc);
                        self.op_send(next, oparg)
                    }
                    Op::LoadFast => step!(self.op_load_fast(base, &code, oparg)),
                    // (Marks `lasti` only when it drops an object.)
                    Op::StoreFast => step!(self.op_store_fast(base, oparg, pc)),
                    Op::DeleteFast => {
                        self.mark_lasti(pc);
                        self.op_delete_fast(&code, oparg)
                    }
                    Op::RaiseVarargs => {
                        self.mark_lasti(pc);
                        match self.op_raise(oparg) {
                            // A bare `raise` re-raises without a traceback
                            // entry; its "No active exception" error gets one.
                            Err(e) => {
                                let reraise = oparg == 0 && self.topmost_exc_info().is(&e.value());
                                return Err((e, !reraise));
                            }
                            ok => ok,
                        }
                    }
                    Op::GetAwaitable => {
                        self.mark_lasti(pc);
                        self.op_get_awaitable(oparg)
                    }
                    Op::MakeFunction => {
                        self.mark_lasti(pc);
                        self.op_make_function(oparg)
                    }
                    Op::BuildSlice => {
                        self.mark_lasti(pc);
                        self.op_build_slice(oparg)
                    }
                    Op::MakeCell => {
                        self.mark_lasti(pc);
                        self.op_make_cell(oparg)
                    }
                    Op::LoadClosure => self.op_load_closure(oparg),
                    Op::LoadDeref => {
                        self.mark_lasti(pc);
                        step!(self.op_load_deref(&code, oparg))
                    }
                    Op::StoreDeref => {
                        self.mark_lasti(pc);
                        self.op_store_deref(oparg)
                    }
                    Op::DeleteDeref => {
                        self.mark_lasti(pc);
                        self.op_delete_deref(&code, oparg)
                    }
                    Op::CallFunctionEx => {
                        self.mark_lasti(pc);
                        self.op_call_function_ex(oparg, next)
                    }
                    Op::ListAppend => {
                        self.mark_lasti(pc);
                        step!(self.op_list_append(oparg))
                    }
                    Op::SetAdd => {
                        self.mark_lasti(pc);
                        self.op_set_add(oparg)
                    }
                    Op::MapAdd => {
                        self.mark_lasti(pc);
                        self.op_map_add(oparg)
                    }
                    Op::LoadClassderef => {
                        self.mark_lasti(pc);
                        self.op_load_classderef(&code, oparg)
                    }
                    Op::CopyFreeVars => {
                        self.mark_lasti(pc);
                        self.op_copy_free_vars(oparg)
                    }
                    Op::MatchClass => {
                        self.mark_lasti(pc);
                        self.op_match_class(oparg)
                    }
                    Op::FormatValue => {
                        self.mark_lasti(pc);
                        self.op_format_value(oparg)
                    }
                    Op::BuildConstKeyMap => {
                        self.mark_lasti(pc);
                        self.op_build_const_key_map(oparg)
                    }
                    Op::BuildString => {
                        self.mark_lasti(pc);
                        self.op_build_string(oparg)
                    }
                    Op::LoadMethod => {
                        self.mark_lasti(pc);
                        step!(self.op_load_method(&code, pc, oparg))
                    }
                    Op::ListExtend => {
                        self.mark_lasti(pc);
                        self.op_list_extend(oparg)
                    }
                    Op::SetUpdate => {
                        self.mark_lasti(pc);
                        self.op_set_update(oparg)
                    }
                    Op::DictMerge => {
                        self.mark_lasti(pc);
                        self.op_dict_merge(oparg)
                    }
                    Op::DictUpdate => {
                        self.mark_lasti(pc);
                        self.op_dict_update(oparg)
                    }
                    // PRECALL runs no code and cannot fail (no `lasti`); the
                    // CALL right after it runs in the same step (one dispatch
                    // per call), as CALL, unless something traces.
                    Op::Precall => {
                        self.op_precall(oparg);
                        match instrs.get(next) {
                            Some(&super::code::Instr {
                                op: Some(Op::Call),
                                arg: call_arg,
                                len: call_len,
                            }) if !self.tracing => {
                                pc = next;
                                let after = next + call_len as usize;
                                self.mark_lasti(pc);
                                match self.op_call(call_arg as u32, after) {
                                    Ok(Flow::Next) => {
                                        ext = 0;
                                        pc = after;
                                        continue;
                                    }
                                    other => other,
                                }
                            }
                            _ => Ok(Flow::Next),
                        }
                    }
                    Op::Call => {
                        self.mark_lasti(pc);
                        step!(self.op_call(oparg, next))
                    }
                    Op::KwNames => {
                        self.mark_lasti(pc);
                        self.op_kw_names(&code, oparg)
                    }
                };
                ext = 0;
                match flow {
                    Ok(Flow::Next) => pc = next,
                    Ok(Flow::Jump(target)) => {
                        if target < next && super::signals::take_pending() {
                            if let Err(e) = self.run_signal_handlers() {
                                return Err((e, true));
                            }
                        }
                        pc = target
                    }
                    Ok(Flow::Reload) => {
                        if super::signals::take_pending() {
                            if let Err(e) = self.run_signal_handlers() {
                                return Err((e, true));
                            }
                        }
                        continue 'frame;
                    }
                    Ok(Flow::Return) => {
                        return Ok(Exit::Return(std::mem::take(&mut self.exit_value)))
                    }
                    Ok(Flow::Yield) => {
                        return Ok(Exit::Yield(std::mem::take(&mut self.exit_value)))
                    }
                    Err(e) => {
                        self.mark_lasti(pc);
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

/// A backward jump target (`next - oparg`), saturating on bad bytecode.
#[inline]
fn back(next: usize, oparg: u32) -> usize {
    next.saturating_sub(oparg as usize)
}
