//! Calls (PRECALL/CALL/KW_NAMES/CALL_FUNCTION_EX), returns, and making
//! functions.

use std::cell::RefCell;

use crate::objects::function::{Args, Function};
use crate::objects::Payload;
use crate::pyc::code::{CO_VARARGS, CO_VARKEYWORDS};

use super::Flow;
use crate::vm::code::Code;
use crate::vm::frame::Frame;
use crate::vm::interp::Exit;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

impl Vm {
    pub(crate) fn op_kw_names(&mut self, code: &Code, oparg: u32) -> PyResult<Flow> {
        self.pending_kwnames = match code.consts.get(oparg as usize) {
            Some(Value::Obj(t)) => Some(t.clone()),
            _ => None,
        };
        Ok(Flow::Next)
    }

    /// PRECALL: unpack a bound method into (function, self).
    pub(crate) fn op_precall(&mut self, n: u32) -> PyResult<Flow> {
        let len = self.stack.len();
        let Some(meth_idx) = len.checked_sub(n as usize + 2) else {
            return Ok(Flow::Next);
        };
        if self.stack[meth_idx].is_null() {
            if let Value::Obj(o) = &self.stack[meth_idx + 1] {
                if let Payload::Method(m) = &o.payload {
                    let (f, s) = (m.func.clone(), m.self_.clone());
                    self.stack[meth_idx] = f;
                    self.stack[meth_idx + 1] = s;
                }
            }
        }
        Ok(Flow::Next)
    }

    fn kwnames_vec(t: &Option<PyRef>) -> smallvec::SmallVec<[PyRef; 4]> {
        match t.as_ref().map(|t| &t.payload) {
            Some(Payload::Tuple(items)) => items
                .iter()
                .filter_map(|v| match v {
                    Value::Obj(o) => Some(o.clone()),
                    _ => None,
                })
                .collect(),
            _ => smallvec::SmallVec::new(),
        }
    }

    /// Whether `f`'s defaults supply its last `missing` parameters.
    #[inline]
    fn defaults_cover(&self, f: &Function, missing: usize) -> bool {
        match &*f.defaults.borrow() {
            Value::Obj(t) => matches!(&t.payload, Payload::Tuple(d) if d.len() >= missing),
            _ => false,
        }
    }

    /// Push the last `missing` defaults of `f` (checked by
    /// `defaults_cover`).
    fn push_defaults(&mut self, f: &Function, missing: usize) {
        let d = f.defaults.borrow().clone();
        if let Value::Obj(t) = &d {
            if let Payload::Tuple(d) = &t.payload {
                for v in d.get(d.len().saturating_sub(missing)..).unwrap_or(&[]) {
                    self.push(v.clone());
                }
            }
        }
    }

    pub(crate) fn op_call(&mut self, n: u32, next: usize) -> PyResult<Flow> {
        let kwnames = self.pending_kwnames.take();
        let n = n as usize;
        let len = self.stack.len();
        let Some(meth_idx) = len.checked_sub(n + 2) else {
            return Err(self.system_error("stack underflow in CALL"));
        };
        let is_meth = !self.stack[meth_idx].is_null();
        let (func, args_start) = if is_meth {
            (self.stack[meth_idx].clone(), meth_idx + 1)
        } else {
            (self.stack[meth_idx + 1].clone(), meth_idx + 2)
        };
        if let Value::Obj(f) = &func {
            if let Payload::Function(fd) = &f.payload {
                let code = fd.code.borrow().clone();
                let nargs = len - args_start;
                if let Some(frame) = self.frames.last_mut() {
                    frame.pc = next;
                }
                // Positional arguments only, the missing trailing ones
                // from the defaults: bound in place, as CPython's
                // CALL_PY_EXACT_ARGS / CALL_PY_WITH_DEFAULTS.
                let missing = code.argcount.wrapping_sub(nargs);
                if kwnames.is_none()
                    && nargs <= code.argcount
                    && code.kwonlyargcount == 0
                    && code.flags & (CO_VARARGS | CO_VARKEYWORDS) == 0
                    && (missing == 0 || self.defaults_cover(fd, missing))
                {
                    if self.recursion_depth() >= self.recursion_limit {
                        return Err(self.new_error(
                            crate::objects::exception::ExcKind::RecursionError,
                            "maximum recursion depth exceeded",
                        ));
                    }
                    code.ensure_verified(self)?;
                    if missing > 0 {
                        self.push_defaults(fd, missing);
                    }
                    self.stack
                        .resize(args_start + code.nlocalsplus(), Value::Null);
                    self.frames.push(Frame {
                        code: code.clone(),
                        func: Some(f.clone()),
                        globals: fd.globals.clone(),
                        builtins: fd.builtins.clone(),
                        locals: None,
                        base: args_start,
                        ret_base: meth_idx,
                        lasti: 0,
                        pc: 0,
                        entry: false,
                        generator: None,
                        exc_depth: 0,
                        obj: None,
                    });
                    return Ok(Flow::Reload);
                }
                let args = self.take_args(args_start);
                self.stack.truncate(meth_idx);
                let kw = Self::kwnames_vec(&kwnames);
                let r = self.push_function_frame(
                    f,
                    Args {
                        args: &args,
                        kwnames: &kw,
                    },
                    meth_idx,
                    false,
                );
                self.recycle_args(args);
                r?;
                return Ok(Flow::Reload);
            }
        }
        // A builtin method called on an instance of its own type
        // (`lst.append(x)` after LOAD_METHOD): straight to its function.
        if let (Value::Obj(f), None, false) = (&func, &kwnames, self.tracing) {
            if let Payload::MethodDescr(md) = &f.payload {
                if md.kind == crate::objects::function::DescrKind::Method
                    && matches!(self.stack.get(args_start), Some(Value::Obj(s)) if s.class_is(&md.owner))
                {
                    let native = md.func;
                    let args = super::take_tail_small(&mut self.stack, args_start, None);
                    self.stack.truncate(meth_idx);
                    let r = native(self, Args::new(&args));
                    drop(args);
                    self.push(r?);
                    if crate::vm::signals::take_pending() {
                        self.run_signal_handlers()?;
                    }
                    return Ok(Flow::Next);
                }
            }
            // A builtin function or bound builtin method (`len(x)`,
            // `append(x)` after `append = lst.append`).
            if let Payload::Builtin(b) = &f.payload {
                let args = super::take_tail_small(&mut self.stack, args_start, b.self_.clone());
                self.stack.truncate(meth_idx);
                let r = self.call_builtin_args(b, Args::new(&args));
                drop(args);
                self.push(r?);
                if crate::vm::signals::take_pending() {
                    self.run_signal_handlers()?;
                }
                return Ok(Flow::Next);
            }
        }
        let args = self.take_args(args_start);
        self.stack.truncate(meth_idx);
        let kw = Self::kwnames_vec(&kwnames);
        let r = self.call_traced(
            &func,
            Args {
                args: &args,
                kwnames: &kw,
            },
        );
        self.recycle_args(args);
        let r = r?;
        let flow = self.op_push(r)?;
        // CPython checks for signals after each call (CHECK_EVAL_BREAKER),
        // so a handler for a signal the callee raised runs now.
        if crate::vm::signals::take_pending() {
            self.run_signal_handlers()?;
        }
        Ok(flow)
    }

    pub(crate) fn op_call_function_ex(&mut self, flags: u32, _next: usize) -> PyResult<Flow> {
        let kwargs = if flags & 1 != 0 {
            Some(self.pop())
        } else {
            None
        };
        let callargs = self.pop();
        let func = self.pop();
        let _null = self.pop();
        let mut args = match &callargs {
            Value::Obj(o) if matches!(o.payload, Payload::Tuple(_)) => {
                self.seq_items(&callargs).unwrap_or_default()
            }
            _ => match self.collect_iter(&callargs) {
                Ok(a) => a,
                Err(e) if self.err_is(&e, crate::objects::exception::ExcKind::TypeError) => {
                    let fname = self.func_description(&func)?;
                    return Err(self.type_error(format!(
                        "{fname} argument after * must be an iterable, not {}",
                        self.type_name_of(&callargs)
                    )));
                }
                Err(e) => return Err(e),
            },
        };
        let mut kwnames = Vec::new();
        if let Some(Value::Obj(d)) = &kwargs {
            for (k, v) in self.dict_items(d) {
                match k {
                    Value::Obj(ko) if matches!(ko.payload, Payload::Str(_)) => {
                        kwnames.push(ko);
                        args.push(v);
                    }
                    _ => return Err(self.type_error("keywords must be strings")),
                }
            }
        }
        let r = self.call_traced(
            &func,
            Args {
                args: &args,
                kwnames: &kwnames,
            },
        )?;
        self.op_push(r)
    }

    pub(crate) fn op_return_value(&mut self) -> PyResult<Flow> {
        let v = self.pop();
        let Some(frame) = self.frames.pop() else {
            return Err(self.system_error("return outside a frame"));
        };
        self.stack.truncate(frame.ret_base);
        if frame.entry {
            self.exit_value = v;
            return Ok(Flow::Return);
        }
        self.push(v);
        Ok(Flow::Reload)
    }

    pub(crate) fn op_make_function(&mut self, flags: u32) -> PyResult<Flow> {
        let code_v = self.pop();
        let closure = if flags & 8 != 0 {
            self.pop()
        } else {
            Value::None
        };
        let annotations = if flags & 4 != 0 {
            self.pop()
        } else {
            Value::None
        };
        let kwdefaults = if flags & 2 != 0 {
            self.pop()
        } else {
            Value::None
        };
        let defaults = if flags & 1 != 0 {
            self.pop()
        } else {
            Value::None
        };
        let Value::Obj(co) = &code_v else {
            return Err(self.system_error("MAKE_FUNCTION without a code object"));
        };
        let Payload::Code(code) = &co.payload else {
            return Err(self.system_error("MAKE_FUNCTION without a code object"));
        };
        let (globals, builtins) = match self.frames.last() {
            Some(f) => (f.globals.clone(), f.builtins.clone()),
            None => (self.new_dict(), self.builtins_dict()),
        };
        let doc = match code.consts.first() {
            Some(v @ Value::Obj(o)) if matches!(o.payload, Payload::Str(_)) => v.clone(),
            _ => Value::None,
        };
        let module = self
            .dict_get_by_str_nocall(&globals, "__name__")
            .unwrap_or(Value::None);
        let annotations = match self.seq_items(&annotations) {
            Some(items) => {
                let d = self.new_dict();
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    self.dict_set(&d, k, v)?;
                }
                Value::Obj(d)
            }
            None => annotations,
        };
        let f = Function {
            code: RefCell::new(code.clone()),
            globals,
            builtins,
            name: RefCell::new(Value::Obj(code.name.clone())),
            qualname: RefCell::new(Value::Obj(code.qualname.clone())),
            defaults: RefCell::new(defaults),
            kwdefaults: RefCell::new(kwdefaults),
            closure,
            annotations: RefCell::new(annotations),
            doc: RefCell::new(doc),
            module: RefCell::new(module),
        };
        let fo = self.new_obj(&self.types.function, Payload::Function(Box::new(f)));
        *fo.dict.borrow_mut() = Some(self.new_dict());
        self.op_push(Value::Obj(fo))
    }

    pub(crate) fn op_load_build_class(&mut self) -> PyResult<Flow> {
        let b = self.builtins_dict();
        match self.dict_get_by_str_nocall(&b, "__build_class__") {
            Some(v) => self.op_push(v),
            None => Err(self.new_error(
                crate::objects::exception::ExcKind::NameError,
                "__build_class__ not found",
            )),
        }
    }

    /// The builtins dict.
    pub fn builtins_dict(&self) -> PyRef {
        self.builtins.dict().unwrap_or_else(|| self.new_dict())
    }

    /// Run a function's code with a given locals mapping (class bodies).
    pub fn run_with_locals(&mut self, func: &PyRef, locals: Value) -> PyResult<Value> {
        let Payload::Function(f) = &func.payload else {
            return Err(self.type_error("not a function"));
        };
        let ret_base = self.stack.len();
        f.code.borrow().ensure_verified(self)?;
        let n = f.code.borrow().nlocalsplus();
        self.stack.resize(ret_base + n, Value::Null);
        self.frames.push(Frame {
            code: f.code.borrow().clone(),
            func: Some(func.clone()),
            globals: f.globals.clone(),
            builtins: f.builtins.clone(),
            locals: Some(locals),
            base: ret_base,
            ret_base,
            lasti: 0,
            pc: 0,
            entry: true,
            generator: None,
            exc_depth: 0,
            obj: None,
        });
        match self.run()? {
            Exit::Return(v) => Ok(v),
            Exit::Yield(_) => Err(self.system_error("class body yielded")),
        }
    }
}
