//! Calling: Python functions (binding arguments into a new frame), bound
//! methods, builtins, types, and objects with `__call__`.

use crate::objects::rc::Rc;

use crate::objects::function::{Args, DescrKind};
use crate::objects::typeobj::{type_data, FLAG_HEAPTYPE};
use crate::objects::Payload;
use crate::pyc::code::{CO_VARARGS, CO_VARKEYWORDS};

use super::ops::call_bind::Bind;
use super::proto::str_of;
use super::value::{PyRef, Value};
use super::{PyResult, Vm};

/// Where native code may re-enter the loop before pycvm reports recursion.
const MAX_NATIVE_DEPTH: usize = 20_000;

/// How many `Py_EnterRecursiveCall` units CPython 3.11 takes around a call
/// of the builtin function `name` once its call site is specialized: the
/// METH_O and METH_VARARGS builtins keep their guard; `sorted` guards its
/// `list.sort` call and `print` its `write` call.
/// Arguments gathered for one call: on the Rust stack up to 8.
pub type ArgBuf = smallvec::SmallVec<[Value; 8]>;

/// `first` followed by `rest`: the arguments of a call that binding would
/// make (a method's self, a class for `__new__`).
#[inline]
pub fn with_first(first: &Value, rest: &[Value]) -> ArgBuf {
    let mut full = ArgBuf::with_capacity(rest.len() + 1);
    full.push(first.clone());
    full.extend(rest.iter().cloned());
    full
}

/// `f` run on `first` followed by `rest`, the few-argument cases in an
/// array on the stack (no buffer built and moved out).
#[inline(always)]
pub fn with_first_do<R>(first: &Value, rest: &[Value], f: impl FnOnce(&[Value]) -> R) -> R {
    match rest {
        [] => f(&[first.clone()]),
        [a] => f(&[first.clone(), a.clone()]),
        [a, b] => f(&[first.clone(), a.clone(), b.clone()]),
        _ => f(&with_first(first, rest)),
    }
}

/// Whether the method descriptor `md`, found on `ty`, can be called with
/// an instance of `ty` and `nargs` more arguments directly: an instance
/// method whose owner `ty` derives from, and for a slot wrapper the
/// slot's arity met (else the general path gives CPython's errors).
#[inline]
fn native_method_applies(
    md: &crate::objects::function::MethodDescr,
    ty: &PyRef,
    nargs: usize,
) -> bool {
    md.kind == DescrKind::Method
        && (Rc::ptr_eq(ty, &md.owner) || crate::objects::typeobj::is_subtype(ty, &md.owner))
        && (!md.slot || super::slot_args::arity_error(md.arity, md.name, nargs, false).is_none())
}

#[inline(always)]
pub(crate) fn builtin_call_guards(name: &str) -> u8 {
    // By first letter: most calls (`len`, `isinstance`...) compare nothing.
    let guarded = match name.as_bytes().first() {
        Some(b'p') => return if name == "print" { 2 } else { 0 },
        Some(b'a') => matches!(name, "ascii" | "abs" | "all" | "any"),
        Some(b'b') => name == "bin",
        Some(b'c') => matches!(name, "callable" | "chr"),
        Some(b'd') => name == "dir",
        Some(b'h') => matches!(name, "hash" | "hex"),
        Some(b'i') => name == "id",
        Some(b'm') => matches!(name, "max" | "min"),
        Some(b'o') => matches!(name, "oct" | "ord"),
        Some(b'r') => name == "repr",
        Some(b's') => name == "sorted",
        Some(b'v') => name == "vars",
        _ => false,
    };
    u8::from(guarded)
}

impl Vm {
    /// Move the values from `start` to the top of the stack into an
    /// argument buffer (reused: calls allocate nothing in the steady state).
    #[inline]
    pub(crate) fn take_args(&mut self, start: usize) -> Vec<Value> {
        let mut buf = self.arg_pool.pop().unwrap_or_default();
        super::ops::move_tail(&mut self.stack, start, &mut buf);
        buf
    }

    /// Give a buffer from `take_args` back (its values are dropped now).
    #[inline]
    pub(crate) fn recycle_args(&mut self, mut buf: Vec<Value>) {
        buf.clear();
        if self.arg_pool.len() < 64 && buf.capacity() <= 256 {
            self.arg_pool.push(buf);
        }
    }

    /// Call a builtin with its arguments (a bound one's `self` first).
    #[inline]
    pub(crate) fn call_builtin_args(
        &mut self,
        b: &crate::objects::function::Builtin,
        args: Args,
    ) -> PyResult<Value> {
        if b.self_.is_some() {
            let nargs = args.pos().len().saturating_sub(1);
            crate::objects::argcheck::check_bound_slot(self, b, nargs, args.has_kwargs())?;
            return (b.func)(self, args);
        }
        // CPython guards calls of its METH_O/METH_VARARGS builtins (print
        // also guards its `write` call).
        let units = b.guards;
        if units > 0 {
            self.enter_builtin_guards(units)?;
        }
        let r = (b.func)(self, args);
        if units > 0 {
            self.leave_recursive();
        }
        r
    }

    /// Enter the recursion guard of a builtin with `units` > 0 guard
    /// units (`builtin_call_guards`): one stays taken (the caller leaves
    /// it); print's second, around its `write` call one level down, is
    /// only checked.
    #[inline(never)]
    pub(crate) fn enter_builtin_guards(&mut self, units: u8) -> PyResult<()> {
        const CALLING: &str = " while calling a Python object";
        self.enter_recursive(CALLING)?;
        if units > 1 {
            if let Err(e) = self.enter_recursive(CALLING) {
                self.leave_recursive();
                return Err(e);
            }
            self.leave_recursive();
        }
        Ok(())
    }

    /// `f(*args)`.
    pub fn call(&mut self, f: &Value, args: &[Value]) -> PyResult<Value> {
        // A Python function (a `key=`, `map` or callback function): straight
        // to its frame.
        if let Value::Obj(fo) = f {
            if matches!(fo.payload, Payload::Function(_)) {
                return self.call_function_bind(fo, Bind::of(Args::new(args)));
            }
        }
        self.call_args(f, Args::new(args))
    }

    /// `f(*args, **kw)` with vectorcall-style arguments.
    pub fn call_args(&mut self, f: &Value, args: Args) -> PyResult<Value> {
        let Value::Obj(fo) = f else {
            return Err(self.not_callable(f));
        };
        match &fo.payload {
            Payload::Function(_) => self.call_function(fo, args),
            Payload::Method(m) => {
                if let Value::Obj(func) = &m.func {
                    if matches!(func.payload, Payload::Function(_)) {
                        return self.call_function_self(func, &m.self_, args);
                    }
                }
                let func = m.func.clone();
                with_first_do(&m.self_, args.args, |full| {
                    self.call_args(
                        &func,
                        Args {
                            args: full,
                            kwnames: args.kwnames,
                        },
                    )
                })
            }
            Payload::Builtin(b) => match &b.self_ {
                Some(s) => {
                    let nargs = args.pos().len();
                    crate::objects::argcheck::check_bound_slot(self, b, nargs, args.has_kwargs())?;
                    with_first_do(s, args.args, |full| {
                        (b.func)(
                            self,
                            Args {
                                args: full,
                                kwnames: args.kwnames,
                            },
                        )
                    })
                }
                None => self.call_builtin_args(b, args),
            },
            Payload::MethodDescr(md) => {
                if md.kind == DescrKind::Method {
                    let exact =
                        matches!(args.args.first(), Some(Value::Obj(s)) if s.class_is(&md.owner));
                    let ok = exact
                        || args.args.first().is_some_and(|s| {
                            let t = self.type_of(s);
                            crate::objects::typeobj::is_subtype(&t, &md.owner)
                        });
                    if !ok {
                        let owner = self.type_name(&md.owner);
                        return Err(match (args.args.first(), md.slot) {
                            (Some(s), true) => self.type_error(format!(
                                "descriptor '{}' requires a '{owner}' object but received a '{}'",
                                md.name,
                                self.type_name_of(s)
                            )),
                            (Some(s), false) => self.type_error(format!(
                                "descriptor '{}' for '{owner}' objects doesn't apply to a '{}' object",
                                md.name,
                                self.type_name_of(s)
                            )),
                            (None, true) => self.type_error(format!(
                                "descriptor '{}' of '{owner}' object needs an argument",
                                md.name
                            )),
                            (None, false) => self.type_error(format!(
                                "unbound method {owner}.{}() needs an argument",
                                md.name
                            )),
                        });
                    }
                    if md.slot {
                        let nargs = args.pos().len().saturating_sub(1);
                        let msg = super::slot_args::arity_error(
                            md.arity,
                            md.name,
                            nargs,
                            args.has_kwargs(),
                        );
                        if let Some(msg) = msg {
                            return Err(self.type_error(msg));
                        }
                    }
                } else if md.kind == DescrKind::Static && md.name == "__new__" {
                    crate::objects::argcheck::check_new_args(self, &md.owner, &args)?;
                }
                (md.func)(self, args)
            }
            Payload::Type(_) => {
                // CPython's `_PyObject_MakeTpCall` guard: classes have no vectorcall.
                let guard = type_data(fo).is_some_and(|t| t.has_flag(FLAG_HEAPTYPE));
                if guard {
                    self.enter_recursive(" while calling a Python object")?;
                }
                let r = self.call_type(fo, args);
                if guard {
                    self.leave_recursive();
                }
                r
            }
            _ => {
                let ty = self.type_of(f);
                match self.type_lookup_static(&ty, "__call__") {
                    Some(c) => {
                        let bound = self.descr_get(c, Some(f), &ty)?;
                        // `_PyObject_MakeTpCall`'s guard, as for classes.
                        let guard = type_data(&ty).is_some_and(|t| t.has_flag(FLAG_HEAPTYPE));
                        if guard {
                            self.enter_recursive(" while calling a Python object")?;
                        }
                        let r = self.call_args(&bound, args);
                        if guard {
                            self.leave_recursive();
                        }
                        r
                    }
                    None => Err(self.not_callable(f)),
                }
            }
        }
    }

    pub fn not_callable(&self, f: &Value) -> super::PyErr {
        self.type_error(format!("'{}' object is not callable", self.type_name_of(f)))
    }

    /// Call `obj.name(*args)`.
    pub fn call_method(&mut self, obj: &Value, name: &str, args: &[Value]) -> PyResult<Value> {
        let m = self.getattr_str(obj, name)?;
        self.call(&m, args)
    }

    /// Call a special method found on the type (`type(obj).__name__(obj, ...)`),
    /// or None if the type has none.
    pub fn call_special(
        &mut self,
        obj: &Value,
        name: &'static str,
        args: &[Value],
    ) -> PyResult<Option<Value>> {
        let ty = self.type_of(obj);
        let Some(m) = self.type_lookup_static(&ty, name) else {
            return Ok(None);
        };
        self.call_descr(m, obj, &ty, args).map(Some)
    }

    /// `descr.__get__(obj, ty)(*args)`. A Python function is called with
    /// `obj` prepended, as binding it would do, without making the bound
    /// method.
    pub fn call_descr(
        &mut self,
        descr: Value,
        obj: &Value,
        ty: &PyRef,
        args: &[Value],
    ) -> PyResult<Value> {
        if let Value::Obj(f) = &descr {
            match &f.payload {
                Payload::Function(_) => return self.call_function_self(f, obj, Args::new(args)),
                Payload::MethodDescr(md) if md.kind == DescrKind::Method => {
                    // A method descriptor is called unbound, as CPython's
                    // special-method lookup does (`Py_TPFLAGS_METHOD_DESCRIPTOR`):
                    // its own checks give the errors of an `obj` it does not
                    // apply to. When they would pass, the function directly.
                    if native_method_applies(md, ty, args.len()) {
                        return with_first_do(obj, args, |full| (md.func)(self, Args::new(full)));
                    }
                    let full = with_first(obj, args);
                    return self.call(&descr, &full);
                }
                _ => {}
            }
        }
        let bound = self.descr_get(descr, Some(obj), ty)?;
        self.call(&bound, args)
    }

    /// Run a Python function to completion (re-entering the eval loop).
    pub fn call_function(&mut self, func: &PyRef, args: Args) -> PyResult<Value> {
        self.call_function_bind(func, Bind::of(args))
    }

    /// `call_function(func, (first, *args))` (a method's self, an
    /// instance for `__init__`), without gathering `first` and `args` into
    /// one buffer first (CPython's `PY_VECTORCALL_ARGUMENTS_OFFSET`).
    pub fn call_function_self(
        &mut self,
        func: &PyRef,
        first: &Value,
        args: Args,
    ) -> PyResult<Value> {
        let mut a = Bind::of(args);
        a.first = Some(first);
        self.call_function_bind(func, a)
    }

    /// Run a Python function with the arguments `a` to completion: native
    /// code's one way into Python code (`key=` functions, `map`, dunder
    /// methods), through the same frame push as CALL.
    pub(crate) fn call_function_bind(&mut self, func: &PyRef, a: Bind) -> PyResult<Value> {
        if self.native_depth >= MAX_NATIVE_DEPTH || super::stack_guard::exhausted() {
            return Err(self.recursion_error());
        }
        let ret_base = self.stack.len();
        self.push_function_frame_bind(func, a, ret_base, true)?;
        self.native_depth += 1;
        let r = self.run_flag();
        self.native_depth -= 1;
        let returned = r?;
        let v = self.take_exit_value();
        if returned {
            Ok(v)
        } else {
            Err(self.system_error("a function frame yielded"))
        }
    }

    /// RETURN_VALUE at `pc` from the entry frame of a `run` (a function
    /// native code called, `call_function_bind`, or a generator resumed by
    /// a nested `gen_send_ex`) that is not resumed in its caller's loop
    /// and has no special return: the frame goes, its locals and value
    /// stack with it, and the value is left in `exit_value` for the run's
    /// caller. `false`: not such a frame (nothing changed). What
    /// `op_return_value` does for it, without the out-of-line tests of
    /// the other returns and the loop's flow dispatch.
    #[inline(always)]
    pub(crate) fn return_entry(&mut self, pc: usize) -> bool {
        let Some(frame) = self.frames.last_mut() else {
            return false;
        };
        if !frame.entry
            || frame.on_return != super::frame::OnReturn::Plain
            || frame.gen_exit != super::frame::GenExit::No
        {
            return false;
        }
        let ret_base = frame.ret_base;
        let len = self.stack.len();
        if len <= ret_base {
            return false;
        }
        frame.lasti = pc;
        // SAFETY: slots `ret_base..len` of the stack hold values (`len` is
        // its length); cutting the length to `ret_base` first makes each
        // read below the value's only owner: the returned value (the top)
        // is moved out, the locals and value stack under it are dropped
        // (no code runs in a drop; finalizers are queued).
        let v = unsafe {
            let p = self.stack.as_mut_ptr();
            self.stack.set_len(ret_base);
            let v = super::ops::read_words(p.add(len - 1));
            for i in ret_base..len - 1 {
                drop(super::ops::read_words(p.add(i)));
            }
            v
        };
        self.drop_top_frame();
        self.exit_value = v;
        true
    }

    /// Bind `args` into fresh local slots at the top of the stack and push
    /// the frame. On a binding error nothing is left pushed.
    pub fn push_function_frame(
        &mut self,
        func: &PyRef,
        args: Args,
        ret_base: usize,
        entry: bool,
    ) -> PyResult<()> {
        self.push_function_frame_bind(func, Bind::of(args), ret_base, entry)
    }

    /// `push_function_frame` with the arguments in parts. Positional
    /// values only, for a function without `*args`, `**kwargs` or
    /// keyword-only parameters whose defaults cover the ones not given
    /// (CPython's CALL_PY_EXACT_ARGS / CALL_PY_WITH_DEFAULTS), are pushed
    /// straight into the new slots; anything else goes through
    /// `bind_args`.
    #[inline(always)]
    pub(crate) fn push_function_frame_bind(
        &mut self,
        func: &PyRef,
        a: Bind,
        ret_base: usize,
        entry: bool,
    ) -> PyResult<()> {
        let Payload::Function(f) = &func.payload else {
            return Err(self.system_error("not a function"));
        };
        if self.recursion_depth() >= self.recursion_limit {
            return Err(self.recursion_error());
        }
        let code = f.code.borrow().clone();
        code.ensure_verified(self)?;
        let base = self.stack.len();
        let npos = usize::from(a.first.is_some()) + a.pos.len();
        let missing = code.argcount.wrapping_sub(npos);
        if a.kwvals.is_empty()
            && npos <= code.argcount
            && code.kwonlyargcount == 0
            && code.flags & (CO_VARARGS | CO_VARKEYWORDS) == 0
            && (missing == 0 || self.defaults_cover(f, missing))
        {
            self.stack.reserve(code.nlocalsplus());
            if let Some(v) = a.first {
                self.push(v.clone());
            }
            for v in a.pos {
                self.push(v.clone());
            }
            if missing > 0 {
                self.push_defaults(f, missing);
            }
            self.fill_nulls_to(base + code.nlocalsplus());
        } else {
            self.bind_general(f, &code, a, base)?;
        }
        self.push_frame_record(
            code,
            Some(func.clone()),
            f.globals.clone(),
            f.builtins.clone(),
            None,
            base,
            ret_base,
            entry,
        );
        Ok(())
    }

    /// The locals of a frame of `f` bound by `bind_args` at `base` (the
    /// top of the stack); nothing is left pushed on an error.
    #[inline(never)]
    fn bind_general(
        &mut self,
        f: &crate::objects::function::Function,
        code: &super::code::Code,
        a: Bind,
        base: usize,
    ) -> PyResult<()> {
        self.fill_nulls_to(base + code.nlocalsplus());
        if let Err(e) = self.bind_args(f, a, base) {
            self.stack.truncate(base);
            return Err(e);
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn recursion_error(&self) -> super::PyErr {
        self.new_error(
            crate::objects::exception::ExcKind::RecursionError,
            "maximum recursion depth exceeded",
        )
    }

    /// Calling a type: metaclass `__call__`, then `__new__` and `__init__`.
    pub fn call_type(&mut self, cls: &PyRef, args: Args) -> PyResult<Value> {
        let clsv = Value::Obj(cls.clone());
        let meta = self.type_of(&clsv);
        if !Rc::ptr_eq(&meta, &self.types.type_) {
            if let Some(c) = self.type_lookup_static(&meta, "__call__") {
                let native =
                    matches!(&c, Value::Obj(o) if matches!(o.payload, Payload::MethodDescr(_)));
                if !native {
                    let bound = self.descr_get(c, Some(&clsv), &meta)?;
                    return self.call_args(&bound, args);
                }
            }
        }
        self.type_call_default(cls, args)
    }

    /// `type.__call__(cls, *args, **kw)`.
    pub fn type_call_default(&mut self, cls: &PyRef, args: Args) -> PyResult<Value> {
        let clsv = Value::Obj(cls.clone());
        if Rc::ptr_eq(cls, &self.types.type_) && args.args.len() == 1 && !args.has_kwargs() {
            return Ok(Value::Obj(self.type_of(&args.args[0])));
        }
        if let Some(r) = self.instantiate_cached(cls, args) {
            return r;
        }
        let version = type_data(cls).map_or(0, |t| t.version.get());
        let (new, cls_init) = self.new_init_lookup(cls);
        let Some(new) = new else {
            return Err(
                self.type_error(format!("cannot create '{}' instances", self.type_name(cls)))
            );
        };
        if let Some(r) = self.instantiate_fast(cls, &new, args) {
            return r;
        }
        self.remember_exception_class(cls, &new);
        let new = match &new {
            Value::Obj(o) => match &o.payload {
                Payload::StaticMethod(f) => f.clone(),
                _ => new.clone(),
            },
            _ => new.clone(),
        };
        let obj = match &new {
            // A Python `__new__` (`Decimal.__new__`): `cls` goes first
            // without a gathered argument buffer.
            Value::Obj(f) if matches!(f.payload, Payload::Function(_)) => {
                self.call_function_self(f, &clsv, args)?
            }
            _ => {
                let full = with_first(&clsv, args.args);
                self.call_args(
                    &new,
                    Args {
                        args: &full,
                        kwnames: args.kwnames,
                    },
                )?
            }
        };
        let ot = self.type_of(&obj);
        if !crate::objects::typeobj::is_subtype(&ot, cls) {
            return Ok(obj);
        }
        // `cls.__init__` as looked up before `__new__` ran, unless that
        // changed the class.
        let init = if version != 0
            && Rc::ptr_eq(&ot, cls)
            && type_data(cls).is_some_and(|t| t.version.get() == version)
        {
            cls_init
        } else {
            self.type_lookup_static(&ot, "__init__")
        };
        if let Some(init) = init {
            // `object.__init__` (range, int, a class overriding only
            // `__new__`) raises only for excess arguments when `__new__`
            // is `object.__new__`, which raised for them already
            // (CPython's `object_init`/`object_new`): no call.
            if init.is(&self.object_new_init_ref().1) {
                return Ok(obj);
            }
            let bound = self.descr_get(init, Some(&obj), &ot)?;
            let r = self.call_args(&bound, args)?;
            if !r.is_none() {
                return Err(self.type_error(format!(
                    "__init__() should return None, not '{}'",
                    self.type_name_of(&r)
                )));
            }
        }
        Ok(obj)
    }

    /// `object.__new__` and `object.__init__` (looked up once), borrowed.
    pub(crate) fn object_new_init_ref(&mut self) -> &(Value, Value) {
        if self.object_new_init.is_none() {
            let object = self.types.object.clone();
            let n = self
                .type_lookup_static(&object, "__new__")
                .unwrap_or(Value::Null);
            let i = self
                .type_lookup_static(&object, "__init__")
                .unwrap_or(Value::Null);
            self.object_new_init = Some((n, i));
        }
        self.object_new_init
            .get_or_insert((Value::Null, Value::Null))
    }

    /// `cls(*args)` for a class that inherits `object.__new__` and defines
    /// `__init__` as a Python function (or inherits `object.__init__`): the
    /// instance is made directly and `__init__` called without a bound
    /// method. `None` means "not this case" (the general path decides).
    fn instantiate_fast(
        &mut self,
        cls: &PyRef,
        new: &Value,
        args: Args,
    ) -> Option<PyResult<Value>> {
        if !new.is(&self.object_new_init_ref().0) {
            return None;
        }
        let td = crate::objects::typeobj::type_data(cls)?;
        if !matches!(td.layout, crate::objects::typeobj::Layout::Object) {
            return None;
        }
        let init = self.type_lookup_static(cls, "__init__")?;
        let plain_init = init.is(&self.object_new_init_ref().1);
        let init_fn = match &init {
            Value::Obj(f) if matches!(f.payload, Payload::Function(_)) => Some(f.clone()),
            _ => None,
        };
        if init_fn.is_none() && !(plain_init && args.args.is_empty()) {
            return None;
        }
        if let Err(e) = crate::modules::abc::check_instantiable(self, cls) {
            return Some(Err(e));
        }
        if crate::modules::abc::abstract_key_absent(self, cls) {
            super::inst_cache::remember(td.version.get(), init_fn.as_ref(), false);
        }
        let obj = Value::Obj(self.new_instance_of(cls, Payload::Object));
        let Some(f) = init_fn else {
            return Some(Ok(obj));
        };
        let r = self.call_function_self(&f, &obj, args);
        Some(match r {
            Ok(Value::None) => Ok(obj),
            Ok(r) => Err(self.type_error(format!(
                "__init__() should return None, not '{}'",
                self.type_name_of(&r)
            ))),
            Err(e) => Err(e),
        })
    }

    /// Positional arguments of a native method after `self`, checked.
    pub fn check_args<'a>(
        &self,
        name: &str,
        args: Args<'a>,
        min: usize,
        max: usize,
    ) -> PyResult<&'a [Value]> {
        let pos = args.pos();
        let a = pos.get(1..).unwrap_or(&[]);
        self.check_count(name, args, a, min, max)
    }

    /// Positional arguments of a native function (no self), checked.
    pub fn fn_args<'a>(
        &self,
        name: &str,
        args: Args<'a>,
        min: usize,
        max: usize,
    ) -> PyResult<&'a [Value]> {
        let a = args.pos();
        self.check_count(name, args, a, min, max)
    }

    #[inline]
    fn check_count<'a>(
        &self,
        name: &str,
        args: Args<'a>,
        a: &'a [Value],
        min: usize,
        max: usize,
    ) -> PyResult<&'a [Value]> {
        if !args.has_kwargs() && (min..=max).contains(&a.len()) {
            return Ok(a);
        }
        Err(self.count_error(name, args, a.len(), min, max))
    }

    #[cold]
    #[inline(never)]
    fn count_error(
        &self,
        name: &str,
        args: Args,
        n: usize,
        min: usize,
        max: usize,
    ) -> super::PyErr {
        if args.has_kwargs() {
            return self.type_error(format!("{name}() takes no keyword arguments"));
        }
        let short = name.rsplit('.').next().unwrap_or(name);
        if max == 0 && n > 0 {
            return self.type_error(format!("{name}() takes no arguments ({n} given)"));
        }
        if min == 1 && max == 1 && n != 1 {
            return self.type_error(format!("{name}() takes exactly one argument ({n} given)"));
        }
        if min == max && n != min {
            return self.type_error(format!("{short} expected {min} arguments, got {n}"));
        }
        if n > max {
            return self.type_error(format!(
                "{short} expected at most {max} argument{}, got {n}",
                if max == 1 { "" } else { "s" }
            ));
        }
        self.type_error(format!(
            "{short} expected at least {min} argument{}, got {n}",
            if min == 1 { "" } else { "s" }
        ))
    }

    /// A keyword argument by name, if given.
    pub fn kwarg(args: &Args, name: &str) -> Option<Value> {
        args.kwargs()
            .find(|(k, _)| str_of(k) == name)
            .map(|(_, v)| v.clone())
    }

    /// The class's name for messages (`type_data` of a type object).
    pub fn class_name(cls: &PyRef) -> String {
        type_data(cls).map(|t| t.name()).unwrap_or_default()
    }
}

/// Whether a builtin dunder is one of CPython's type slots (a
/// `wrapper_descriptor`, whose misuse is worded differently from a
/// `method_descriptor`'s).
pub fn is_slot_wrapper_name(name: &str) -> bool {
    matches!(
        name,
        "__repr__"
            | "__str__"
            | "__hash__"
            | "__call__"
            | "__getattribute__"
            | "__setattr__"
            | "__delattr__"
            | "__lt__"
            | "__le__"
            | "__eq__"
            | "__ne__"
            | "__gt__"
            | "__ge__"
            | "__iter__"
            | "__next__"
            | "__get__"
            | "__set__"
            | "__delete__"
            | "__init__"
            | "__del__"
            | "__await__"
            | "__aiter__"
            | "__anext__"
            | "__add__"
            | "__radd__"
            | "__sub__"
            | "__rsub__"
            | "__mul__"
            | "__rmul__"
            | "__mod__"
            | "__rmod__"
            | "__divmod__"
            | "__rdivmod__"
            | "__pow__"
            | "__rpow__"
            | "__neg__"
            | "__pos__"
            | "__abs__"
            | "__bool__"
            | "__invert__"
            | "__lshift__"
            | "__rlshift__"
            | "__rshift__"
            | "__rrshift__"
            | "__and__"
            | "__rand__"
            | "__xor__"
            | "__rxor__"
            | "__or__"
            | "__ror__"
            | "__int__"
            | "__float__"
            | "__iadd__"
            | "__isub__"
            | "__imul__"
            | "__imod__"
            | "__ipow__"
            | "__ilshift__"
            | "__irshift__"
            | "__iand__"
            | "__ixor__"
            | "__ior__"
            | "__floordiv__"
            | "__rfloordiv__"
            | "__truediv__"
            | "__rtruediv__"
            | "__ifloordiv__"
            | "__itruediv__"
            | "__index__"
            | "__matmul__"
            | "__rmatmul__"
            | "__imatmul__"
            | "__len__"
            | "__getitem__"
            | "__setitem__"
            | "__delitem__"
            | "__contains__"
    )
}
