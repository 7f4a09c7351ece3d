//! CALL of a plain Python function with exactly its positional
//! parameters (CPython 3.11's CALL_PY_EXACT_ARGS): the arguments already
//! lie where the new frame's first locals go, so the call is a frame
//! record pushed over them and the rest of the locals set empty. Anything
//! else (keywords, defaults, `*args`, a bound method object, a class, a
//! builtin) takes `op_call`.

use std::rc::Rc;

use crate::objects::Payload;
use crate::pyc::code::{CO_VARARGS, CO_VARKEYWORDS};
use crate::vm::frame::{Frame, GenExit};
use crate::vm::value::Value;
use crate::vm::Vm;

impl Vm {
    /// PRECALL `n` + CALL `n` when the callee is a Python function whose
    /// verified code takes exactly the `n` (or, after LOAD_METHOD, `n + 1`)
    /// values as its positional parameters, with no keyword names pending
    /// and the recursion limit not reached: push its frame (the caller
    /// goes on at `after`) and give `true`. `false`: nothing changed.
    #[inline(always)]
    pub(crate) fn call_py_exact(&mut self, n: u32, after: usize) -> bool {
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
        let (code, func, globals, builtins) = {
            let Some(Value::Obj(f)) = self.stack.get(fidx) else {
                return false;
            };
            let Payload::Function(fd) = &f.payload else {
                return false;
            };
            let Ok(code) = fd.code.try_borrow() else {
                return false;
            };
            if code.argcount != len - args_start
                || code.kwonlyargcount != 0
                || code.flags & (CO_VARARGS | CO_VARKEYWORDS) != 0
                || !code.is_verified()
                || self.frames.len() + self.c_recursion >= self.recursion_limit
                || self.pending_kwnames.is_some()
            {
                return false;
            }
            (
                Rc::clone(&code),
                f.clone(),
                fd.globals.clone(),
                fd.builtins.clone(),
            )
        };
        self.fill_nulls_to(args_start + code.nlocalsplus());
        if let Some(caller) = self.frames.last_mut() {
            caller.pc = after;
        }
        let frame = Frame::new(
            code,
            Some(func),
            globals,
            builtins,
            None,
            args_start,
            meth_idx,
        );
        // `Vec::push` without its out-of-line call.
        if self.frames.len() == self.frames.capacity() {
            self.frames.reserve(1);
        }
        // SAFETY: the slot past the frame stack's length is allocated
        // (reserved above); the record moves into it and the length then
        // covers it, so it has one owner.
        unsafe {
            let len = self.frames.len();
            std::ptr::write(self.frames.as_mut_ptr().add(len), frame);
            self.frames.set_len(len + 1);
        }
        true
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
        if frame.entry || frame.gen_exit != GenExit::No {
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
            for i in ret_base..len - 1 {
                drop(super::read_words(p.add(i)));
            }
            super::write_words(p.add(ret_base), v);
            self.stack.set_len(ret_base + 1);
        }
        // The record goes field by field (no out-of-line drop glue, no
        // copy of the whole record).
        let depth = self.frames.len() - 1;
        // SAFETY: the frame stack is not empty (its top was read above);
        // cutting the length first makes the read the record's only owner,
        // and the record is dropped here.
        let Frame {
            code,
            func,
            globals,
            builtins,
            locals,
            generator,
            obj,
            ..
        } = unsafe {
            self.frames.set_len(depth);
            std::ptr::read(self.frames.as_ptr().add(depth))
        };
        drop((code, func, globals, builtins, locals, generator, obj));
        true
    }
}
