//! Comprehensions and generator expressions called without their function
//! object. CPython 3.11 compiles `[x for x in r]` (and set, dict
//! comprehensions and generator expressions) as
//!
//! ```text
//! LOAD_CONST <code>; MAKE_FUNCTION 0; LOAD_FAST r; GET_ITER; PRECALL 0; CALL 0
//! ```
//!
//! The function made there is called once and dropped: nothing else can
//! reach it (it is only on the value stack, which Python code cannot see).
//! When GET_ITER's operand is a builtin iterable whose `iter()` runs no
//! Python code and cannot fail, MAKE_FUNCTION does the five instructions
//! at once: the code's frame is pushed over `[None, iter(r)]` as CALL would
//! push the function's (its locals start at the iterator, its return cuts
//! the stack back to the `None` in the function's slot), with no function
//! (`Frame::func` None: the code has no closure, since MAKE_FUNCTION 0
//! gives none, and a generator takes its name and qualified name from the
//! code, which are the fresh function's). The caller resumes after the CALL,
//! and its `lasti` is the CALL's, as in the general path (tracebacks and
//! `f_lasti` see the same). Not while tracing (the skipped instructions
//! would have had events), and not for code not yet verified, nor at the
//! recursion limit: those take the general path, as does anything else.
//! This saves making and freeing the function (an allocation, its module
//! lookup, GC tracking) and four dispatches per comprehension run.

use super::code::Instr;
use super::value::Value;
use super::Vm;
use crate::objects::Payload;
use crate::pyc::code::{CO_VARARGS, CO_VARKEYWORDS};
use crate::pyc::opcode::Op;

impl Vm {
    /// MAKE_FUNCTION 0 at `next`'s predecessor, the code object on top of
    /// the stack: run it with the four instructions after it as described
    /// above and give true, the comprehension's frame pushed; false when
    /// the general path must take it (nothing changed).
    #[inline(never)]
    pub(crate) fn comp_call_inline(&mut self, instrs: &[Instr], next: usize) -> bool {
        if self.tracing || self.pending_kwnames.is_some() {
            return false;
        }
        let at = |i: usize| instrs.get(i).copied();
        let Some(load) = at(next).filter(|i| i.op == Op::LoadFast) else {
            return false;
        };
        let get_iter_at = next + load.len as usize;
        let Some(get_iter) = at(get_iter_at).filter(|i| i.op == Op::GetIter) else {
            return false;
        };
        let precall_at = get_iter_at + get_iter.len as usize;
        let Some(precall) = at(precall_at).filter(|i| i.op == Op::Precall && i.arg == 0) else {
            return false;
        };
        let call_at = precall_at + precall.len as usize;
        let Some(call) = at(call_at).filter(|i| i.op == Op::Call && i.arg == 0) else {
            return false;
        };
        let after = call_at + call.len as usize;
        let Some(top) = self.stack.len().checked_sub(1) else {
            return false;
        };
        let code = match self.stack.get(top) {
            Some(Value::Obj(co)) => match &co.payload {
                Payload::Code(code) => crate::objects::rc::Rc::clone(code),
                _ => return false,
            },
            _ => return false,
        };
        if code.argcount != 1
            || code.kwonlyargcount != 0
            || code.flags & (CO_VARARGS | CO_VARKEYWORDS) != 0
            || !code.is_verified()
            || self.frames.len() + self.c_recursion >= self.recursion_limit
        {
            return false;
        }
        let Some(caller) = self.frames.last() else {
            return false;
        };
        let (globals, builtins) = (caller.globals.clone(), caller.builtins.clone());
        let iterable = match self.stack.get(caller.base + load.arg as usize) {
            Some(v @ Value::Obj(o)) if self.builtin_class(o) && plain_iterable(&o.payload) => {
                v.clone()
            }
            _ => return false,
        };
        // `iter()` of those returns at once (objects/seq.rs `Vm::iter`).
        let Ok(it) = self.iter(&iterable) else {
            return false;
        };
        drop(iterable);
        // The function's slot holds None; the code object goes.
        let code_v = match self.stack.get_mut(top) {
            Some(slot) => std::mem::replace(slot, Value::None),
            None => return false,
        };
        self.stack.push(it);
        let base = top + 1;
        self.fill_nulls_to(base + code.nlocalsplus());
        if let Some(caller) = self.frames.last_mut() {
            caller.lasti = call_at;
            caller.pc = after;
        }
        self.push_call_frame(code, None, globals, builtins, base, top);
        // The code's constant keeps the code object: nothing runs here.
        drop(code_v);
        true
    }
}

/// Layouts whose `iter()` on a builtin class returns without running
/// Python code or failing.
fn plain_iterable(p: &Payload) -> bool {
    matches!(
        p,
        Payload::List(_)
            | Payload::Tuple(_)
            | Payload::Str(_)
            | Payload::Bytes(_)
            | Payload::ByteArray(_)
            | Payload::Range(_)
            | Payload::Dict(_)
            | Payload::Set(_)
            | Payload::FrozenSet(_)
            | Payload::DictView(_)
            | Payload::Iter(_)
    )
}
