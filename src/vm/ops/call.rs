//! Calls (PRECALL/CALL/KW_NAMES/CALL_FUNCTION_EX), returns, and making
//! functions.

use std::cell::RefCell;

use crate::objects::function::{Args, Function, ValueCell};
use crate::objects::Payload;
use crate::pyc::code::{CO_VARARGS, CO_VARKEYWORDS};

use super::Flow;
use crate::vm::code::Code;
use crate::vm::interp::Exit;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// At most this many keyword arguments are bound in place.
const KW_MAX: usize = 8;

/// The parameter slot of each keyword argument of a call (`kw_plan`).
pub(super) struct KwPlan {
    slots: [u16; KW_MAX],
    k: usize,
}

impl Vm {
    /// PRECALL: unpack a bound method into (function, self).
    /// PRECALL: a bound method called after LOAD_METHOD found none is
    /// split into its function and `self` (CPython 3.11's PRECALL).
    pub(crate) fn op_precall(&mut self, n: u32) {
        let len = self.stack.len();
        let Some(meth_idx) = len.checked_sub(n as usize + 2) else {
            return;
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
    pub(crate) fn defaults_cover(&self, f: &Function, missing: usize) -> bool {
        f.defaults.with(|d| match d {
            Value::Obj(t) => matches!(&t.payload, Payload::Tuple(d) if d.len() >= missing),
            _ => false,
        })
    }

    /// Push the last `missing` defaults of `f` (checked by
    /// `defaults_cover`).
    pub(crate) fn push_defaults(&mut self, f: &Function, missing: usize) {
        let d = f.defaults.get();
        if let Value::Obj(t) = &d {
            if let Payload::Tuple(d) = &t.payload {
                for v in d.get(d.len().saturating_sub(missing)..).unwrap_or(&[]) {
                    self.push(v.clone());
                }
            }
        }
    }

    /// Where each keyword argument of a call of `f` with `nargs` values
    /// (the last `kwnames.len()` of them keywords) goes, if the call binds
    /// without error with no `*args`, `**kwargs` or keyword-only
    /// parameters: each keyword names a distinct positional-or-keyword
    /// parameter after the positional arguments, and the defaults cover
    /// every parameter left unset. `None`: the general binder decides.
    pub(super) fn kw_plan(
        f: &Function,
        code: &Code,
        kwnames: &PyRef,
        nargs: usize,
    ) -> Option<KwPlan> {
        let Payload::Tuple(names) = &kwnames.payload else {
            return None;
        };
        let k = names.len();
        let npos = nargs.checked_sub(k)?;
        if k > KW_MAX || npos > code.argcount {
            return None;
        }
        let params = code
            .localsplusnames
            .get(code.posonlyargcount.max(npos)..code.argcount)?;
        let first = code.posonlyargcount.max(npos);
        let mut slots = [0u16; KW_MAX];
        for (j, name) in names.iter().enumerate() {
            let Value::Obj(name) = name else {
                return None;
            };
            let i = match params
                .iter()
                .position(|p| crate::objects::rc::Rc::ptr_eq(p, name))
            {
                Some(i) => i,
                None => {
                    let n = crate::vm::proto::str_of(name);
                    params
                        .iter()
                        .position(|p| crate::vm::proto::str_of(p) == n)?
                }
            };
            let slot = u16::try_from(first + i).ok()?;
            if slots.get(..j)?.contains(&slot) {
                return None;
            }
            *slots.get_mut(j)? = slot;
        }
        // Every parameter from `npos` on that no keyword sets needs a
        // default: the unset ones are the `argcount - nargs` lowest of
        // those not named, so the lowest unset one decides.
        if nargs < code.argcount {
            let ndef = f.defaults.with(|d| match d {
                Value::Obj(t) => match &t.payload {
                    Payload::Tuple(d) => d.len(),
                    _ => 0,
                },
                _ => 0,
            });
            let first_default = code.argcount.saturating_sub(ndef);
            let lowest_unset = (npos..code.argcount)
                .find(|i| !slots[..k].iter().any(|&s| usize::from(s) == *i))
                .unwrap_or(code.argcount);
            if lowest_unset < first_default {
                return None;
            }
        }
        Some(KwPlan { slots, k })
    }

    /// Bind a call checked by `kw_plan` in place: the keyword values move
    /// from the top of the stack to their parameters' slots of the new
    /// frame's locals (based at `base`), the unset ones take defaults.
    pub(super) fn bind_kw_in_place(
        &mut self,
        f: &Function,
        code: &Code,
        plan: &KwPlan,
        base: usize,
        nargs: usize,
    ) {
        let npos = nargs - plan.k;
        // Keywords in the parameters' order right after the positional
        // arguments (`f(x, b=1)` of `f(a, b)`) already lie in their slots.
        let in_place = plan
            .slots
            .iter()
            .take(plan.k)
            .enumerate()
            .all(|(j, &s)| usize::from(s) == npos + j);
        if in_place {
            self.fill_nulls_to(base + code.nlocalsplus());
        } else {
            let mut vals: [Value; KW_MAX] = Default::default();
            for (j, v) in vals.iter_mut().take(plan.k).enumerate() {
                if let Some(slot) = self.stack.get_mut(base + npos + j) {
                    *v = std::mem::take(slot);
                }
            }
            self.fill_nulls_to(base + code.nlocalsplus());
            for (j, v) in vals.iter_mut().take(plan.k).enumerate() {
                if let Some(slot) = self.stack.get_mut(base + usize::from(plan.slots[j])) {
                    *slot = std::mem::take(v);
                }
            }
        }
        if nargs < code.argcount {
            let d = f.defaults.get();
            if let Value::Obj(t) = &d {
                if let Payload::Tuple(d) = &t.payload {
                    let first_default = code.argcount.saturating_sub(d.len());
                    for i in npos..code.argcount {
                        if let Some(slot) = self.stack.get_mut(base + i) {
                            if slot.is_null() {
                                if let Some(v) = d.get(i.wrapping_sub(first_default)) {
                                    *slot = v.clone();
                                }
                            }
                        }
                    }
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
                let simple =
                    code.kwonlyargcount == 0 && code.flags & (CO_VARARGS | CO_VARKEYWORDS) == 0;
                // Keyword arguments that name positional parameters, with
                // the rest from the defaults: bound in place too.
                let kw_plan = match &kwnames {
                    Some(t) if simple => Self::kw_plan(fd, &code, t, nargs),
                    _ => None,
                };
                if kw_plan.is_some()
                    || (kwnames.is_none()
                        && simple
                        && nargs <= code.argcount
                        && (missing == 0 || self.defaults_cover(fd, missing)))
                {
                    if self.recursion_depth() >= self.recursion_limit {
                        return Err(self.new_error(
                            crate::objects::exception::ExcKind::RecursionError,
                            "maximum recursion depth exceeded",
                        ));
                    }
                    code.ensure_verified(self)?;
                    if let Some(plan) = &kw_plan {
                        self.bind_kw_in_place(fd, &code, plan, args_start, nargs);
                    } else {
                        if missing > 0 {
                            self.push_defaults(fd, missing);
                        }
                        self.fill_nulls_to(args_start + code.nlocalsplus());
                    }
                    let globals = fd.globals.clone();
                    let builtins = fd.builtins.clone();
                    // The function and code references taken above move
                    // into the frame (no second count).
                    let func = match func {
                        Value::Obj(o) => Some(o),
                        _ => None,
                    };
                    self.push_call_frame(code, func, globals, builtins, args_start, meth_idx);
                    return Ok(Flow::Reload);
                }
                // Anything else: the arguments move off the stack into a
                // buffer on the Rust stack and are bound from there, the
                // keyword names read from the KW_NAMES tuple in place.
                let names: &[Value] = match kwnames.as_ref().map(|t| &t.payload) {
                    Some(Payload::Tuple(items)) => items,
                    _ => &[],
                };
                self.call_with_tail(args_start, None, |vm, args| {
                    vm.stack.truncate(meth_idx);
                    let all = args.args;
                    let split = all.len() - names.len().min(all.len());
                    let a = super::call_bind::Bind {
                        first: None,
                        pos: all.get(..split).unwrap_or(&[]),
                        kwnames: super::call_bind::Names::Tuple(names),
                        kwvals: all.get(split..).unwrap_or(&[]),
                    };
                    vm.push_function_frame_bind(f, a, meth_idx, false)
                        .map(|()| Value::None)
                })?;
                return Ok(Flow::Reload);
            }
        }
        // A builtin method called on an instance of its own type
        // (`lst.append(x)` after LOAD_METHOD): straight to its function.
        if let (Value::Obj(f), None, false) = (&func, &kwnames, self.tracing) {
            // CPython's specialised forms (`lst.append(x)`, `len(x)`,
            // `list()`, ...; ops/call_spec.rs).
            let fidx = args_start - 1;
            if let Some(r) = self.call_specialised(fidx, meth_idx, args_start) {
                r?;
                return Ok(Flow::Next);
            }
            if let Payload::MethodDescr(md) = &f.payload {
                // (Slot wrappers take the checked path: `[].__len__(1)`.)
                if md.kind == crate::objects::function::DescrKind::Method
                    && !md.slot
                    && matches!(self.stack.get(args_start), Some(Value::Obj(s)) if s.class_is(&md.owner))
                {
                    let native = md.func;
                    let r = self.call_with_tail(args_start, None, |vm, args| {
                        vm.stack.truncate(meth_idx);
                        native(vm, args)
                    });
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
                let r = self.call_with_tail(args_start, b.self_.clone(), |vm, args| {
                    vm.stack.truncate(meth_idx);
                    vm.call_builtin_args(b, args)
                });
                self.push(r?);
                if crate::vm::signals::take_pending() {
                    self.run_signal_handlers()?;
                }
                return Ok(Flow::Next);
            }
        }
        let r = if kwnames.is_none() {
            // Positional arguments only (a class, a bound method object,
            // a callable instance): off the stack without a heap buffer.
            self.call_with_tail(args_start, None, |vm, args| {
                vm.stack.truncate(meth_idx);
                vm.call_traced(&func, args)
            })
        } else {
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
            r
        };
        let flow = self.op_push(r?)?;
        // CPython checks for signals after each call (CHECK_EVAL_BREAKER),
        // so a handler for a signal the callee raised runs now.
        if crate::vm::signals::take_pending() {
            self.run_signal_handlers()?;
        }
        Ok(flow)
    }

    pub(crate) fn op_call_function_ex(&mut self, flags: u32, next: usize) -> PyResult<Flow> {
        let kwargs = if flags & 1 != 0 {
            Some(self.pop())
        } else {
            None
        };
        let callargs = self.pop();
        let func = self.pop();
        let _null = self.pop();
        if let Some(r) = self.call_ex_py(&func, &callargs, kwargs.as_ref(), next) {
            return r;
        }
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

    /// CALL_FUNCTION_EX of a Python function, or a bound method of one,
    /// with an exact tuple and no mapping or a dict (what the compiler's
    /// DICT_MERGE makes): its frame is pushed in this loop, as CALL does,
    /// bound straight from the tuple's items and the dict's entries
    /// (CPython's `PyObject_Call` passes a tuple's items as they are).
    /// `None`: not this case, nothing done.
    fn call_ex_py(
        &mut self,
        func: &Value,
        callargs: &Value,
        kwargs: Option<&Value>,
        next: usize,
    ) -> Option<PyResult<Flow>> {
        let Value::Obj(fo) = func else {
            return None;
        };
        let (target, first) = match &fo.payload {
            Payload::Function(_) => (fo, None),
            Payload::Method(m) => match &m.func {
                Value::Obj(f) if matches!(f.payload, Payload::Function(_)) => (f, Some(&m.self_)),
                _ => return None,
            },
            _ => return None,
        };
        let Value::Obj(t) = callargs else {
            return None;
        };
        let Payload::Tuple(items) = &t.payload else {
            return None;
        };
        if !t.class_is(&self.types.tuple) {
            return None;
        }
        let mut names: smallvec::SmallVec<[PyRef; KW_MAX]> = smallvec::SmallVec::new();
        let mut vals: smallvec::SmallVec<[Value; KW_MAX]> = smallvec::SmallVec::new();
        if let Some(kw) = kwargs {
            let Value::Obj(d) = kw else {
                return None;
            };
            let Payload::Dict(table) = &d.payload else {
                return None;
            };
            let Ok(tb) = table.try_borrow() else {
                return None;
            };
            for e in tb.iter() {
                match &e.key {
                    Value::Obj(k) if matches!(k.payload, Payload::Str(_)) => {
                        names.push(k.clone());
                        vals.push(e.value.clone());
                    }
                    _ => return Some(Err(self.type_error("keywords must be strings"))),
                }
            }
        }
        if let Some(frame) = self.frames.last_mut() {
            frame.pc = next;
        }
        let ret_base = self.stack.len();
        let a = super::call_bind::Bind {
            first,
            pos: items,
            kwnames: super::call_bind::Names::Refs(&names),
            kwvals: &vals,
        };
        Some(
            self.push_function_frame_bind(target, a, ret_base, false)
                .map(|()| Flow::Reload),
        )
    }

    pub(crate) fn op_return_value(&mut self) -> PyResult<Flow> {
        let v = self.pop();
        let Some(frame) = self.frames.last() else {
            return Err(self.system_error("return outside a frame"));
        };
        if frame.gen_exit != crate::vm::frame::GenExit::No {
            return self.return_inline(v);
        }
        let (ret_base, entry) = (frame.ret_base, frame.entry);
        self.stack.truncate(ret_base);
        self.drop_top_frame();
        if entry {
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
        let doc = code.doc_const();
        // The interned name, its hash cached: no str made and hashed per
        // function made (generator expressions and lambdas make one each
        // time they run).
        let name_key = self.intern_static("__name__");
        let module = self
            .dict_get_str_nocall(&globals, &name_key)
            .ok()
            .flatten()
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
            name: ValueCell::new(Value::Obj(code.name.clone())),
            qualname: ValueCell::new(Value::Obj(code.qualname.clone())),
            defaults: ValueCell::new(defaults),
            extras: Function::extras_of(kwdefaults, annotations),
            closure,
            doc: ValueCell::new(doc),
            module: ValueCell::new(module),
        };
        let fo = self.new_obj(&self.types.function, Payload::Function(Box::new(f)));
        fo.set_lazy_dict();
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
        self.push_frame_record(
            f.code.borrow().clone(),
            Some(func.clone()),
            f.globals.clone(),
            f.builtins.clone(),
            Some(locals),
            ret_base,
            ret_base,
            true,
        );
        match self.run()? {
            Exit::Return(v) => Ok(v),
            Exit::Yield(_) => Err(self.system_error("class body yielded")),
        }
    }
}
