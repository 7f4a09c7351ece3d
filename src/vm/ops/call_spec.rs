//! CPython 3.11's specialised PRECALL forms for calls of builtins, checked
//! at each CALL instead of by rewriting the instruction: `lst.append(x)`
//! (PRECALL_NO_KW_LIST_APPEND, also through a bound `append`), `len(x)`
//! (PRECALL_NO_KW_LEN), `isinstance(x, t)` (PRECALL_NO_KW_ISINSTANCE),
//! `type(x)` (PRECALL_NO_KW_TYPE_1), `str(x)` (PRECALL_NO_KW_STR_1) and
//! `tuple(x)` (PRECALL_NO_KW_TUPLE_1).
//!
//! Guards: the callable runs exactly the native function the general path
//! would run (compared by address: two functions at one address have the
//! same code, so a match can never run anything else; a miss only takes
//! the general path), or is exactly the builtin type; no keyword
//! arguments; no trace or profile function (those see the `c_call` events
//! of the general path). Each form then does what that native function
//! does for its arguments, without moving them into an argument buffer.

use crate::objects::rc::Rc;
use std::ptr::fn_addr_eq;

use crate::objects::function::NativeFn;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// `list.append`'s native function.
const LIST_APPEND: NativeFn = crate::objects::list::list_append;
/// The builtins `len` and `isinstance`.
const LEN: NativeFn = crate::builtins::b_len;
const ISINSTANCE: NativeFn = crate::builtins::b_isinstance;
const ISSUBCLASS: NativeFn = crate::builtins::b_issubclass;

/// Which specialised form a call takes.
#[derive(Clone, Copy)]
enum Spec {
    /// `lst.append(x)` after LOAD_METHOD: (descr, lst, x).
    AppendDescr,
    /// `append(x)` with `append = lst.append`: (NULL, append, x).
    AppendBound,
    Len,
    IsInstance,
    Type,
    Str,
    Tuple,
}

impl Vm {
    /// The call of the callable at `fidx` with the values from
    /// `args_start` to the top of the stack as its positional arguments (a
    /// method's `self` first), when it is one of the specialised forms: the
    /// stack is cut to `meth_idx` and the call's result pushed. `None`: not
    /// specialised, nothing done. The caller has checked that there are no
    /// keyword arguments and no trace or profile function.
    #[inline(always)]
    pub(crate) fn call_specialised(
        &mut self,
        fidx: usize,
        meth_idx: usize,
        args_start: usize,
    ) -> Option<PyResult<()>> {
        let nargs = self.stack.len().checked_sub(args_start)?;
        let Some(Value::Obj(f)) = self.stack.get(fidx) else {
            return None;
        };
        let spec = match &f.payload {
            Payload::MethodDescr(md)
                if nargs == 2
                    && fn_addr_eq(md.func, LIST_APPEND)
                    && is_list(self.stack.get(args_start)) =>
            {
                Spec::AppendDescr
            }
            Payload::Builtin(b) if nargs == 1 => match &b.self_ {
                s @ Some(_) if fn_addr_eq(b.func, LIST_APPEND) && is_list(s.as_ref()) => {
                    Spec::AppendBound
                }
                None if fn_addr_eq(b.func, LEN) => Spec::Len,
                _ => return None,
            },
            Payload::Builtin(b)
                if nargs == 2 && b.self_.is_none() && fn_addr_eq(b.func, ISINSTANCE) =>
            {
                Spec::IsInstance
            }
            Payload::Type(_) => {
                if nargs == 1 && Rc::ptr_eq(f, &self.types.type_) {
                    Spec::Type
                } else if nargs == 1 && Rc::ptr_eq(f, &self.types.str) {
                    Spec::Str
                } else if nargs == 1 && Rc::ptr_eq(f, &self.types.tuple) {
                    Spec::Tuple
                } else {
                    // PRECALL_BUILTIN_CLASS (ops/call_class.rs).
                    return self.call_builtin_class_at(fidx, meth_idx);
                }
            }
            _ => return None,
        };
        Some(self.run_specialised(spec, fidx, meth_idx, args_start))
    }

    #[inline(always)]
    fn run_specialised(
        &mut self,
        spec: Spec,
        fidx: usize,
        meth_idx: usize,
        args_start: usize,
    ) -> PyResult<()> {
        let r = match spec {
            Spec::AppendDescr | Spec::AppendBound => {
                let x = self.pop();
                let target = match spec {
                    Spec::AppendDescr => self.stack.get(args_start),
                    _ => match self.stack.get(fidx) {
                        Some(Value::Obj(f)) => match &f.payload {
                            Payload::Builtin(b) => b.self_.as_ref(),
                            _ => None,
                        },
                        _ => None,
                    },
                };
                let done = match target {
                    Some(Value::Obj(l)) => append_item(l, x),
                    _ => Err(x),
                };
                if let Err(x) = done {
                    // Its items borrowed by native code, which never holds
                    // them across a call into Python code.
                    drop(x);
                    self.cut_to(meth_idx);
                    return Err(self.system_error("list.append: list items in use"));
                }
                self.cut_to(meth_idx);
                Ok(Value::None)
            }
            Spec::Len => {
                let x = self.pop();
                self.cut_to(meth_idx);
                let r = self.len(&x).map(|n| Value::Int(n as i64));
                drop(x);
                self.after_native_call(r)
            }
            Spec::IsInstance => {
                let cls = self.pop();
                let x = self.pop();
                self.cut_to(meth_idx);
                let r = self.isinstance(&x, &cls).map(Value::bool);
                drop((x, cls));
                self.after_native_call(r)
            }
            Spec::Type => {
                let x = self.pop();
                self.cut_to(meth_idx);
                Ok(Value::Obj(self.type_of(&x)))
            }
            Spec::Str => {
                let x = self.pop();
                self.cut_to(meth_idx);
                let r = self.str_value(&x);
                drop(x);
                self.after_native_call(r)
            }
            Spec::Tuple => {
                let x = self.pop();
                self.cut_to(meth_idx);
                let r = if self.exact(&x, &self.types.tuple) {
                    Ok(x)
                } else {
                    let r = self.collect_iter(&x).map(|items| self.new_tuple(items));
                    drop(x);
                    r
                };
                self.after_native_call(r)
            }
        };
        self.push(r?);
        Ok(())
    }

    /// PRECALL_BUILTIN_CLASS for the class at `fidx` (out of line: the
    /// eval loop's code stays small).
    #[inline(never)]
    fn call_builtin_class_at(&mut self, fidx: usize, meth_idx: usize) -> Option<PyResult<()>> {
        let cls = match self.stack.get(fidx) {
            Some(Value::Obj(f)) => f.clone(),
            _ => return None,
        };
        let version = self.builtin_class_version(&cls)?;
        let r = self.call_builtin_class(&cls, version, fidx, meth_idx)?;
        let r = self.after_native_call(r);
        Some(r.map(|v| self.push(v)))
    }

    /// Drop the values above `at` (the callable and what is left of the
    /// call's arguments: two values): popped one by one, as `truncate`
    /// calls an out-of-line slice drop.
    #[inline(always)]
    pub(super) fn cut_to(&mut self, at: usize) {
        while self.stack.len() > at {
            drop(self.pop());
        }
    }

    /// What follows a native call that may have run Python code: CPython
    /// checks for signals after it (CHECK_EVAL_BREAKER), so a handler for a
    /// signal the callee raised runs now.
    #[inline(always)]
    fn after_native_call(&mut self, r: PyResult<Value>) -> PyResult<Value> {
        let v = r?;
        if crate::vm::signals::take_pending() {
            self.run_signal_handlers()?;
        }
        Ok(v)
    }
}

/// `l.append(x)` as `list_append` does it; `x` back when `l` is not a
/// list or its items are borrowed.
#[inline(always)]
fn append_item(l: &PyRef, x: Value) -> Result<(), Value> {
    let Payload::List(items) = &l.payload else {
        return Err(x);
    };
    items.try_push(x)
}

/// Whether `v` is a list (of any class: `list_append` takes them all).
#[inline(always)]
fn is_list(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Obj(l)) if matches!(l.payload, Payload::List(_)))
}

/// PRECALL 1 + CALL 1 of `list.append` after LOAD_METHOD on a list
/// (PRECALL_NO_KW_LIST_APPEND) or bound to one (`append = lst.append`), or
/// of the builtin `len` on an exact list, tuple, str, bytes, dict, set or
/// frozenset (PRECALL_NO_KW_LEN), run
/// on the eval loop's registers: the three values become the result. Gives
/// the two values taken off (the callable and the list, the bound method
/// and `Null`, or `len` and its argument) for the loop to drop;
/// None when the call is not one of these (nothing changed).
///
/// # Safety
/// The frame's value stack holds PRECALL 1's three values (verified code).
#[inline(always)]
pub(crate) unsafe fn precall1_regs(r: &mut crate::vm::regs::Regs) -> Option<(Value, Value)> {
    // SAFETY (each block below): the caller's contract: slots 1..=3 below
    // the top hold the call's values; each pop moves one out, and the
    // result replaces the bottom one (`Null` or the descriptor).
    let (a, b, c) = unsafe { (&*r.at(3), &*r.at(2), &*r.at(1)) };
    match (a, b) {
        (Value::Obj(m), Value::Obj(l)) => {
            let Payload::MethodDescr(md) = &m.payload else {
                return None;
            };
            let Payload::List(items) = &l.payload else {
                return None;
            };
            if !fn_addr_eq(md.func, LIST_APPEND) {
                return None;
            }
            if let Err(x) = items.try_push(unsafe { r.pop() }) {
                unsafe { r.push(x) };
                return None;
            }
            unsafe {
                let list = r.pop();
                let descr = r.replace_top(Value::None);
                Some((descr, list))
            }
        }
        (Value::Null, Value::Obj(f)) => {
            let Payload::Builtin(bf) = &f.payload else {
                return None;
            };
            // `append(x)` with `append = lst.append`.
            if let Some(Value::Obj(l)) = &bf.self_ {
                let Payload::List(items) = &l.payload else {
                    return None;
                };
                if !fn_addr_eq(bf.func, LIST_APPEND) {
                    return None;
                }
                // SAFETY: the argument is the top slot (the caller's
                // contract); when the list is busy it goes back where it was.
                if let Err(x) = items.try_push(unsafe { r.pop() }) {
                    // SAFETY: the slot just popped is free again.
                    unsafe { r.push(x) };
                    return None;
                }
                return unsafe {
                    let f = r.pop();
                    // The `Null` owns nothing.
                    drop(r.replace_top(Value::None));
                    Some((f, Value::Null))
                };
            }
            let Value::Obj(x) = c else {
                return None;
            };
            if bf.self_.is_some() || !fn_addr_eq(bf.func, LEN) || !x.class_is_static() {
                return None;
            }
            let n = match &x.payload {
                Payload::List(items) => items.try_borrow().ok()?.len(),
                Payload::Tuple(items) => items.len(),
                Payload::Str(s) => s.char_len(),
                Payload::Bytes(b) => b.len(),
                Payload::Dict(d) => d.try_borrow().ok()?.len(),
                Payload::Set(_) | Payload::FrozenSet(_) => crate::objects::setobj::set_len(x),
                _ => return None,
            };
            let n = i64::try_from(n).ok()?;
            unsafe {
                let arg = r.pop();
                let len = r.pop();
                drop(r.replace_top(Value::Int(n)));
                Some((len, arg))
            }
        }
        _ => None,
    }
}

impl Vm {
    /// PRECALL 1 + CALL 1 of `type(x)` with the builtin `type` itself
    /// (CPython's PRECALL_NO_KW_TYPE_1): `x`'s class replaces the `Null`
    /// below the function; the function and `x` are given back to be
    /// released. None when the callable is anything else (nothing changed).
    ///
    /// # Safety
    /// The frame's value stack holds PRECALL 1's three values (verified
    /// code).
    #[inline(always)]
    pub(crate) unsafe fn type1_regs(
        &mut self,
        r: &mut crate::vm::regs::Regs,
    ) -> Option<(Value, Value)> {
        // SAFETY: the caller's contract: slots 1..=3 below the top hold the
        // call's values; the two pops move the argument and the function
        // out, and the result replaces the `Null`.
        let (a, b, c) = unsafe { (&*r.at(3), &*r.at(2), &*r.at(1)) };
        match (a, b) {
            (Value::Null, Value::Obj(f)) if Rc::ptr_eq(f, &self.types.type_) => {
                let t = self.type_of(c);
                unsafe {
                    let arg = r.pop();
                    let f = r.pop();
                    // The `Null` owns nothing.
                    drop(r.replace_top(Value::Obj(t)));
                    Some((f, arg))
                }
            }
            _ => None,
        }
    }

    /// PRECALL 2 + CALL 2 of the builtin `isinstance(x, T)` (or
    /// `issubclass(C, T)` of a class `C`) on the
    /// registers, for a class `T` whose metaclass is `type` itself (no
    /// `__instancecheck__`: CPython's `PyType_CheckExact(cls)` path): True
    /// when `type(x)` is `T` or a subclass; False only when `x` is an int,
    /// float, bool, None or an exact builtin str, bytes, list, tuple, dict
    /// or set, whose `__class__` is their type (anything else may answer
    /// through `__class__`, on the general path). The result replaces the
    /// `Null` below the function; the function, `x` and `T` are given back
    /// to be released. None when the call is not one of these (nothing
    /// changed).
    ///
    /// # Safety
    /// The frame's value stack holds PRECALL 2's four values (verified
    /// code).
    #[inline(always)]
    pub(crate) unsafe fn isinstance_regs(
        &self,
        r: &mut crate::vm::regs::Regs,
    ) -> Option<(Value, Value, Value)> {
        // SAFETY (each block): the caller's contract: slots 1..=4 below the
        // top hold the call's values; the pops move them out and the result
        // replaces the bottom one (`Null`).
        let (n, f, x, t) = unsafe { (&*r.at(4), &*r.at(3), &*r.at(2), &*r.at(1)) };
        let (Value::Null, Value::Obj(f), Value::Obj(t)) = (n, f, t) else {
            return None;
        };
        let Payload::Builtin(bf) = &f.payload else {
            return None;
        };
        if bf.self_.is_some() {
            return None;
        }
        use crate::objects::typeobj::is_subtype;
        if !t.class_is(&self.types.type_) {
            // `isinstance(x, (A, B))`: an exact tuple of classes whose
            // metaclass is `type`, tried in order as `PyObject_IsInstance`.
            let Payload::Tuple(items) = &t.payload else {
                return None;
            };
            if !fn_addr_eq(bf.func, ISINSTANCE) || !t.class_is(&self.types.tuple) {
                return None;
            }
            let mut found = false;
            for c in items.iter() {
                let Value::Obj(c) = c else {
                    return None;
                };
                if !c.class_is(&self.types.type_) {
                    return None;
                }
                if self.isinstance_found(x, c)? {
                    found = true;
                    break;
                }
            }
            return Some(unsafe { Self::isinstance_result(r, found) });
        }
        let found = if fn_addr_eq(bf.func, ISINSTANCE) {
            self.isinstance_found(x, t)?
        } else if fn_addr_eq(bf.func, ISSUBCLASS) {
            // `issubclass(C, T)` of two classes, `T`'s metaclass `type`
            // itself (CPython's `recursive_issubclass`).
            match x {
                Value::Obj(c) if matches!(c.payload, Payload::Type(_)) => is_subtype(c, t),
                _ => return None,
            }
        } else {
            return None;
        };
        Some(unsafe { Self::isinstance_result(r, found) })
    }

    /// Replace PRECALL 2's four values with the bool `found`, giving back
    /// the callable and the two arguments to release.
    ///
    /// # Safety
    /// As [`Vm::isinstance_regs`]: the stack holds the call's four values.
    #[inline(always)]
    unsafe fn isinstance_result(
        r: &mut crate::vm::regs::Regs,
        found: bool,
    ) -> (Value, Value, Value) {
        // SAFETY: the caller's contract; the pops move the values out and
        // the result replaces the bottom one.
        unsafe {
            let t = r.pop();
            let x = r.pop();
            let f = r.pop();
            // The `Null` owns nothing.
            drop(r.replace_top(Value::bool(found)));
            (f, x, t)
        }
    }

    /// `isinstance(x, t)` for a class `t` whose metaclass is `type` when
    /// it can be answered without Python code (`isinstance_regs`).
    #[inline(always)]
    fn isinstance_found(&self, x: &Value, t: &PyRef) -> Option<bool> {
        use crate::objects::typeobj::is_subtype;
        Some(match x {
            Value::Int(_) => is_subtype(&self.types.int, t),
            Value::Float(_) => is_subtype(&self.types.float, t),
            Value::Bool(_) => is_subtype(&self.types.bool_, t),
            Value::None => is_subtype(&self.types.none_type, t),
            Value::Null => return None,
            Value::Obj(o) => {
                let c = o.class()?;
                if is_subtype(&c, t) {
                    true
                } else if o.class_is_static()
                    && matches!(
                        o.payload,
                        Payload::Str(_)
                            | Payload::Bytes(_)
                            | Payload::List(_)
                            | Payload::Tuple(_)
                            | Payload::Dict(_)
                            | Payload::Set(_)
                            | Payload::FrozenSet(_)
                            | Payload::Int(_)
                    )
                {
                    false
                } else {
                    return None;
                }
            }
        })
    }
}

/// Calls of a builtin method with up to this many arguments (`self`
/// included) take [`Vm::call_descr_regs`].
const DESCR_MAX: usize = 6;

/// What PRECALL `n` + CALL `n` calls on the registers (`descr_target`).
#[derive(Clone, Copy)]
pub(crate) struct NativeTarget {
    func: NativeFn,
    /// A builtin function (`[NULL, f, args...]`) rather than a method
    /// descriptor (`[descr, self, args...]`).
    builtin: bool,
    /// The builtin's `Py_EnterRecursiveCall` units (`builtin_call_guards`).
    guards: u8,
}

/// The native function PRECALL `n` + CALL `n` would call on the
/// registers: LOAD_METHOD left a plain method descriptor of a builtin type
/// (not a slot wrapper) and an instance of exactly its type (CPython's
/// PRECALL_NO_KW_METHOD_DESCRIPTOR_FAST / _O), or the callable is a
/// builtin function bound to nothing (`abs(x)`, `min(a, b)`, a module's
/// function: PRECALL_BUILTIN_FAST / _O, CPython's vectorcall); `None`
/// otherwise (the general path checks the arguments and raises).
///
/// # Safety
/// The frame's value stack holds PRECALL `n`'s `n + 2` values (verified
/// code).
#[inline(always)]
pub(crate) unsafe fn descr_target(r: &crate::vm::regs::Regs, n: usize) -> Option<NativeTarget> {
    if n + 1 > DESCR_MAX {
        return None;
    }
    // SAFETY: the caller's contract: slots `n + 1` and `n + 2` below the
    // top hold the receiver (or function) and the callable (or NULL).
    let (m, s) = unsafe { (&*r.at(n + 2), &*r.at(n + 1)) };
    match (m, s) {
        (Value::Obj(m), Value::Obj(s)) => {
            let Payload::MethodDescr(md) = &m.payload else {
                return None;
            };
            (md.kind == crate::objects::function::DescrKind::Method
                && !md.slot
                && s.class_is(&md.owner))
            .then_some(NativeTarget {
                func: md.func,
                builtin: false,
                guards: 0,
            })
        }
        (Value::Null, Value::Obj(f)) => {
            let Payload::Builtin(b) = &f.payload else {
                return None;
            };
            if b.self_.is_some() {
                return None;
            }
            Some(NativeTarget {
                func: b.func,
                builtin: true,
                guards: b.guards,
            })
        }
        _ => None,
    }
}

impl Vm {
    /// PRECALL `n` + CALL `n` of the native function `descr_target`
    /// found: the receiver (of a method) and arguments move off the
    /// registers into an array on the Rust stack (the stack length is
    /// written back first), the function runs on them (inside its
    /// recursion guard, for a builtin that has one), and its result is
    /// pushed where the descriptor (or the NULL) was. The caller has
    /// recorded `lasti` and reloads the registers after.
    ///
    /// # Safety
    /// As for [`descr_target`], which chose `t` for these values.
    #[inline(never)]
    pub(crate) unsafe fn call_descr_regs(
        &mut self,
        r: crate::vm::regs::Regs,
        n: usize,
        t: NativeTarget,
    ) -> PyResult<()> {
        // SAFETY (each arm): the caller's contract, with `n + 1` values
        // above the descriptor or NULL (`n + 1 <= DESCR_MAX`,
        // `descr_target`).
        unsafe {
            match n {
                0 => self.call_descr_n::<1>(r, t),
                1 => self.call_descr_n::<2>(r, t),
                2 => self.call_descr_n::<3>(r, t),
                3 => self.call_descr_n::<4>(r, t),
                4 => self.call_descr_n::<5>(r, t),
                _ => self.call_descr_n::<DESCR_MAX>(r, t),
            }
        }
    }

    /// [`Vm::call_descr_regs`] with its `TOTAL` = `n + 1` values.
    ///
    /// # Safety
    /// The top `TOTAL` slots of the frame's value stack hold the receiver
    /// (or the builtin function) and the arguments, the one below them the
    /// descriptor (or NULL).
    #[inline(always)]
    unsafe fn call_descr_n<const TOTAL: usize>(
        &mut self,
        mut r: crate::vm::regs::Regs,
        t: NativeTarget,
    ) -> PyResult<()> {
        use std::mem::MaybeUninit;
        let mut buf: [MaybeUninit<Value>; TOTAL] = [const { MaybeUninit::uninit() }; TOTAL];
        // SAFETY: the caller's contract: the top `TOTAL` slots hold the
        // receiver and the arguments, and the one below them the
        // descriptor. Each moves out once (the receiver into `buf[0]`),
        // so each value has one owner; all of `buf` is then initialised.
        let descr = unsafe {
            for slot in buf.iter_mut().rev() {
                slot.write(r.pop());
            }
            r.pop()
        };
        r.sync(&mut self.stack);
        // SAFETY: `buf` is initialised (above), and `MaybeUninit<Value>`
        // has the layout of `Value`.
        let all = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<Value>(), TOTAL) };
        let res = if t.builtin {
            // The function itself is not an argument.
            let args = all.get(1..).unwrap_or(&[]);
            self.call_guarded(t.func, t.guards, args)
        } else {
            (t.func)(self, crate::objects::function::Args::new(all))
        };
        for slot in buf.iter_mut() {
            // SAFETY: each slot holds a value moved in above, owned by
            // `buf` alone (`all` is no longer used); each is dropped
            // once, here.
            unsafe { slot.assume_init_drop() };
        }
        drop(descr);
        self.push(res?);
        if crate::vm::signals::take_pending() {
            self.run_signal_handlers()?;
        }
        Ok(())
    }

    /// Run the builtin function `func` on `args` inside `guards`
    /// recursion-guard units (`builtin_call_guards`), as CPython's
    /// vectorcall of a METH_O / METH_VARARGS builtin does.
    #[inline(always)]
    pub(crate) fn call_guarded(
        &mut self,
        func: NativeFn,
        guards: u8,
        args: &[Value],
    ) -> PyResult<Value> {
        if guards == 0 {
            return func(self, crate::objects::function::Args::new(args));
        }
        // `enter_recursive` inline for the one unit of most guarded
        // builtins.
        if guards == 1
            && self.recursion_depth() < self.recursion_limit
            && !crate::vm::stack_guard::exhausted()
        {
            self.c_recursion += 1;
        } else {
            self.enter_builtin_guards(guards)?;
        }
        let r = func(self, crate::objects::function::Args::new(args));
        self.leave_recursive();
        r
    }
}
