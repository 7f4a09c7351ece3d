//! Builtins that consume a generator run it in their caller's eval loop:
//! `sum`, `any`, `all`, `min`, `max`, `tuple`, `list`, `set`, `sorted`
//! and `str.join` called with one generator and nothing else
//! (`sum(x * x for x in r)`, `"".join(s for s in t)`). Called
//! as natives they would resume the generator in a nested `run` per item
//! (`gen_send_ex`): a frame record and value copy each way and a loop
//! entry, about 850 instructions per item.
//!
//! PRECALL+CALL pushes the generator's frame with `GenExit::Reduce`, the
//! builtin's running result (the accumulator) in the slot of the call's
//! NULL: `[acc, callable, gen]` stay on the caller's stack (its `lasti`
//! is the CALL, its `pc` after it). Then:
//! - a YIELD_VALUE whose value the builtin takes without running code
//!   (ints and floats added, a truth that does not settle `any`/`all`,
//!   ints, floats and exact strs compared, any value appended to a list,
//!   a hashable builtin scalar added to a set) folds it into the
//!   accumulator and the generator goes on at once with None sent in, as
//!   the builtin's next `next()` would do: nothing can tell, since no code
//!   runs in between;
//! - any other yield suspends the generator as `next()` leaves it, and the
//!   builtin finishes in a nested loop from where it is (`finish_rest`),
//!   exactly as its native form goes on (the same comparisons, additions
//!   and truth tests, in the same order);
//! - RETURN_VALUE finishes the generator and the accumulator becomes the
//!   call's result (`reduce_returned`);
//! - an exception leaving the frame unwinds into the caller at the CALL,
//!   as the native call would have raised it.
//!
//! The recursion unit CPython's `any`/`all`/`min`/`max` calls hold
//! (`builtin_call_guards`) is held until the frame exits. Not while
//! tracing (the builtin's own events), nor at the recursion limit, nor for
//! a generator the fast resumption does not take (`resume_in_loop`).

use super::frame::GenExit;
use super::gen::{state, GenKind};
use super::ops::Flow;
use super::proto::CmpOp;
use super::value::{PyRef, Value};
use super::{PyResult, Vm};
use crate::objects::rc::Rc;
use crate::objects::Payload;

/// The builtin that consumes a generator in its caller's loop.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Reduce {
    Sum,
    Any,
    All,
    Min,
    Max,
    Tuple,
    List,
    Set,
    /// `sorted(gen)`: a list, sorted once the generator is done.
    Sorted,
    /// `sep.join(gen)` (`[str.join, sep, gen]` on the stack): a list,
    /// joined once the generator is done (`PySequence_Fast` first).
    Join,
}

impl Reduce {
    /// Whether the call holds a recursion unit (`builtin_call_guards`).
    #[inline]
    fn guarded(self) -> bool {
        matches!(self, Reduce::Any | Reduce::All | Reduce::Min | Reduce::Max)
    }

    fn name(self) -> &'static str {
        match self {
            Reduce::Sum => "sum",
            Reduce::Any => "any",
            Reduce::All => "all",
            Reduce::Min => "min",
            Reduce::Max => "max",
            Reduce::Tuple => "tuple",
            Reduce::List => "list",
            Reduce::Set => "set",
            Reduce::Sorted => "sorted",
            Reduce::Join => "join",
        }
    }
}

/// A value whose hash and comparisons with others of its kinds run no
/// code (a set of them takes it without Python code).
#[inline]
fn plain_key(v: &Value) -> bool {
    match v {
        Value::Int(_) | Value::Bool(_) | Value::None | Value::Float(_) => true,
        Value::Obj(o) => matches!(o.payload, Payload::Str(_)) && o.class_is_static(),
        Value::Null => false,
    }
}

impl Vm {
    /// PRECALL 1 + CALL 1 at `call_pc` (the caller goes on at `after`)
    /// with `[NULL, callable, gen]` on top of the stack: when `callable`
    /// is one of the builtins of this module's comment and `gen` a
    /// generator the fast resumption takes, push its frame with the
    /// accumulator in the NULL's slot and give true. False: nothing
    /// changed.
    #[inline(never)]
    pub(crate) fn reduce_call(&mut self, call_pc: usize, after: usize) -> bool {
        if self.tracing || self.pending_kwnames.is_some() {
            return false;
        }
        let Some(at) = self.stack.len().checked_sub(3) else {
            return false;
        };
        let (kind, gen) = match self.stack.get(at..) {
            Some([Value::Null, Value::Obj(f), Value::Obj(g)])
                if matches!(g.payload, Payload::Generator(_)) =>
            {
                let kind = match &f.payload {
                    Payload::Builtin(b) if b.self_.is_none() => {
                        crate::builtins::reduce_kind(b.func)
                    }
                    Payload::Type(_) => {
                        if Rc::ptr_eq(f, &self.types.tuple) {
                            Some(Reduce::Tuple)
                        } else if Rc::ptr_eq(f, &self.types.list) {
                            Some(Reduce::List)
                        } else if Rc::ptr_eq(f, &self.types.set) {
                            Some(Reduce::Set)
                        } else {
                            None
                        }
                    }
                    _ => None,
                };
                match kind {
                    Some(k) => (k, g.clone()),
                    None => return false,
                }
            }
            // `sep.join(gen)` after LOAD_METHOD: str's own `join` on a str.
            Some([Value::Obj(m), Value::Obj(sep), Value::Obj(g)])
                if matches!(g.payload, Payload::Generator(_))
                    && matches!(sep.payload, Payload::Str(_))
                    && matches!(&m.payload, Payload::MethodDescr(md)
                        if md.name == "join" && Rc::ptr_eq(&md.owner, &self.types.str)) =>
            {
                (Reduce::Join, g.clone())
            }
            _ => return false,
        };
        // The guard unit and the generator's frame both fit (else the
        // native call raises CPython's RecursionError).
        if self.recursion_depth() + usize::from(kind.guarded()) >= self.recursion_limit {
            return false;
        }
        let Some(st) = state(&gen) else {
            return false;
        };
        let Ok(mut s) = st.try_borrow_mut() else {
            return false;
        };
        if s.kind != GenKind::Generator || s.running || s.frame.is_none() {
            return false;
        }
        let acc = match kind {
            Reduce::Sum => Value::Int(0),
            Reduce::Tuple | Reduce::List | Reduce::Sorted | Reduce::Join => {
                self.new_list(Vec::new())
            }
            Reduce::Set => {
                crate::objects::setobj::wrap(self, crate::objects::set::SetTable::new(), false)
            }
            Reduce::Any | Reduce::All | Reduce::Min | Reduce::Max => Value::Null,
        };
        if let Some(slot) = self.stack.get_mut(at) {
            // It held the call's NULL (nothing is dropped) or `str.join`
            // (the type's dict holds it too).
            let old = std::mem::replace(slot, acc);
            drop(old);
        }
        if let Some(caller) = self.frames.last_mut() {
            caller.lasti = call_pc;
            caller.pc = after;
        }
        if kind.guarded() {
            self.c_recursion += 1;
        }
        self.enter_generator(&gen, &mut s, Value::None, GenExit::Reduce(kind));
        drop(s);
        self.send_on();
        true
    }

    /// Fold `v`, yielded to the builtin `kind`, into its accumulator at
    /// `stack[at]` if that runs no code; else give `v` back.
    #[inline(always)]
    fn reduce_fold(&mut self, kind: Reduce, at: usize, v: Value) -> Result<(), Value> {
        if self.tracing {
            return Err(v);
        }
        match kind {
            Reduce::Sum => {
                let Some(acc) = self.stack.get_mut(at) else {
                    return Err(v);
                };
                // `b_sum`'s fast cases (same results as `+`).
                match (&*acc, &v) {
                    (Value::Int(a), Value::Int(b)) => match a.checked_add(*b) {
                        Some(s) => *acc = Value::Int(s),
                        None => return Err(v),
                    },
                    (Value::Float(a), Value::Float(b)) => {
                        *acc = Value::float(a.get() + b.get());
                    }
                    _ => return Err(v),
                }
            }
            Reduce::Any | Reduce::All => {
                let t = match &v {
                    Value::Bool(b) => b.get(),
                    Value::Int(i) => *i != 0,
                    Value::None => false,
                    Value::Float(f) => f.get() != 0.0,
                    _ => return Err(v),
                };
                // A truth that settles the call ends it (`finish_rest`).
                if t == (kind == Reduce::Any) {
                    return Err(v);
                }
            }
            Reduce::Min | Reduce::Max => {
                let op = if kind == Reduce::Min {
                    CmpOp::Lt
                } else {
                    CmpOp::Gt
                };
                let Some(acc) = self.stack.get(at) else {
                    return Err(v);
                };
                // `min_max`: the new item against the best so far.
                let better = acc.is_null() || {
                    match self.fast_compare(&v, acc, op) {
                        Some(b) => b,
                        None => return Err(v),
                    }
                };
                if better {
                    if let Some(slot) = self.stack.get_mut(at) {
                        let old = std::mem::replace(slot, v);
                        drop(old);
                    }
                }
            }
            Reduce::Tuple | Reduce::List | Reduce::Sorted | Reduce::Join => {
                let Some(Value::Obj(l)) = self.stack.get(at) else {
                    return Err(v);
                };
                let Payload::List(cell) = &l.payload else {
                    return Err(v);
                };
                match cell.try_borrow_mut() {
                    Ok(mut items) => items.push(v),
                    Err(_) => return Err(v),
                }
            }
            Reduce::Set => {
                if !plain_key(&v) {
                    return Err(v);
                }
                let Some(Value::Obj(s)) = self.stack.get(at) else {
                    return Err(v);
                };
                let s = s.clone();
                // A plain key in a set of plain keys: no code runs, and
                // the set is this call's own (no borrow fails).
                let keep = v.clone();
                if self.set_add(&s, v).is_err() {
                    return Err(keep);
                }
            }
        }
        Ok(())
    }

    /// YIELD_VALUE in a frame whose `gen_exit` is `Reduce(kind)`, its value
    /// on top of the stack: fold it (`reduce_fold`) and go on with None as
    /// the yield's result. False (nothing changed) when the general
    /// suspension must take it.
    #[inline(never)]
    pub(crate) fn reduce_yield(&mut self, kind: Reduce) -> bool {
        let Some(at) = self.frames.last().and_then(|f| f.ret_base.checked_sub(3)) else {
            return false;
        };
        let Some(top) = self.stack.last_mut() else {
            return false;
        };
        let v = std::mem::replace(top, Value::None);
        match self.reduce_fold(kind, at, v) {
            Ok(()) => true,
            Err(v) => {
                if let Some(top) = self.stack.last_mut() {
                    *top = v;
                }
                false
            }
        }
    }

    /// A generator frame run for `kind` yielded `v` and is suspended (the
    /// caller, with `[acc, callable, gen]` on top, runs next at the
    /// instruction after its CALL): fold `v` and resume the generator in
    /// this loop, or finish the call in a nested loop.
    pub(crate) fn reduce_yielded(&mut self, kind: Reduce, v: Value) -> PyResult<Flow> {
        let Some(at) = self.stack.len().checked_sub(3) else {
            return Err(self.system_error("a reduced generator's caller lost its stack"));
        };
        let gen = match self.stack.get(at + 2) {
            Some(Value::Obj(g)) => g.clone(),
            _ => return Err(self.system_error("a reduced generator's caller lost its stack")),
        };
        let pending = match self.reduce_fold(kind, at, v) {
            Ok(()) => {
                let after = self.frames.last().map_or(0, |f| f.pc);
                if self.resume_reduce(&gen, kind, after) {
                    return Ok(Flow::Reload);
                }
                None
            }
            Err(v) => Some(v),
        };
        let acc = match self.stack.get_mut(at) {
            Some(slot) => std::mem::replace(slot, Value::Null),
            None => Value::Null,
        };
        let r = self.finish_rest(kind, acc, pending, &Value::Obj(gen));
        if kind.guarded() {
            self.leave_recursive();
        }
        let r = self.reduce_result(kind, r?, at)?;
        self.reduce_done(at, r);
        Ok(Flow::Reload)
    }

    /// Resume the suspended generator `gen` for `kind` in this loop (a
    /// `yield from` chain yielded up to it); the caller goes on at `after`.
    fn resume_reduce(&mut self, gen: &PyRef, kind: Reduce, after: usize) -> bool {
        if self.tracing || self.recursion_depth() >= self.recursion_limit {
            return false;
        }
        let Some(st) = state(gen) else {
            return false;
        };
        let Ok(mut s) = st.try_borrow_mut() else {
            return false;
        };
        if s.kind != GenKind::Generator || s.running || s.frame.is_none() {
            return false;
        }
        if let Some(caller) = self.frames.last_mut() {
            caller.pc = after;
        }
        self.enter_generator(gen, &mut s, Value::None, GenExit::Reduce(kind));
        drop(s);
        self.send_on();
        true
    }

    /// The native builtin `kind` from its accumulator `acc` on, with
    /// `pending` (a value yielded and not yet folded) first, over the
    /// rest of the iterator `it`: the accumulator it ends with.
    fn finish_rest(
        &mut self,
        kind: Reduce,
        acc: Value,
        pending: Option<Value>,
        it: &Value,
    ) -> PyResult<Value> {
        match kind {
            Reduce::Sum => {
                let acc = match pending {
                    Some(x) => crate::builtins::sum_step(self, acc, x)?,
                    None => acc,
                };
                crate::builtins::sum_rest(self, acc, it)
            }
            Reduce::Any | Reduce::All => {
                let stop_on = kind == Reduce::Any;
                if let Some(x) = pending {
                    if self.truthy(&x)? == stop_on {
                        return Ok(Value::bool(stop_on));
                    }
                }
                while let Some(x) = self.next(it)? {
                    if self.truthy(&x)? == stop_on {
                        return Ok(Value::bool(stop_on));
                    }
                }
                Ok(Value::bool(!stop_on))
            }
            Reduce::Min | Reduce::Max => {
                let op = if kind == Reduce::Min {
                    CmpOp::Lt
                } else {
                    CmpOp::Gt
                };
                let mut best = acc;
                let mut item = pending;
                loop {
                    let Some(x) = item.take() else {
                        match self.next(it)? {
                            Some(x) => item = Some(x),
                            None => break,
                        }
                        continue;
                    };
                    // `min_max`: the new item against the best so far.
                    if best.is_null() || self.compare(&x, &best, op)? {
                        best = x;
                    }
                }
                Ok(best)
            }
            Reduce::Tuple | Reduce::List | Reduce::Sorted | Reduce::Join => {
                let Value::Obj(l) = &acc else {
                    return Err(self.system_error("a reduced generator's list is gone"));
                };
                if let Some(x) = pending {
                    self.list_append(l, x)?;
                }
                while let Some(x) = self.next(it)? {
                    self.list_append(l, x)?;
                }
                Ok(acc)
            }
            Reduce::Set => {
                let Value::Obj(s) = &acc else {
                    return Err(self.system_error("a reduced generator's set is gone"));
                };
                if let Some(x) = pending {
                    self.set_add(s, x)?;
                }
                while let Some(x) = self.next(it)? {
                    self.set_add(s, x)?;
                }
                Ok(acc)
            }
        }
    }

    fn list_append(&mut self, l: &PyRef, x: Value) -> PyResult<()> {
        let Payload::List(cell) = &l.payload else {
            return Err(self.system_error("a reduced generator's list is gone"));
        };
        match cell.try_borrow_mut() {
            Ok(mut items) => {
                items.push(x);
                Ok(())
            }
            Err(_) => Err(self.runtime_error("list is in use")),
        }
    }

    /// The call's result from the final accumulator.
    fn reduce_result(&mut self, kind: Reduce, acc: Value, at: usize) -> PyResult<Value> {
        match kind {
            Reduce::Any | Reduce::All if acc.is_null() => Ok(Value::bool(kind == Reduce::All)),
            Reduce::Min | Reduce::Max if acc.is_null() => {
                Err(self.value_error(format!("{}() arg is an empty sequence", kind.name())))
            }
            // `str.join` of the list, the separator below the generator.
            Reduce::Join => {
                let sep = self.stack.get(at + 1).cloned().unwrap_or(Value::None);
                let str_t = Value::Obj(self.types.str.clone());
                let join = self.getattr_str(&str_t, "join")?;
                self.call(&join, &[sep, acc])
            }
            // `builtin_sorted`: the list sorted by `list.sort`.
            Reduce::Sorted => {
                let list_t = Value::Obj(self.types.list.clone());
                let sort = self.getattr_str(&list_t, "sort")?;
                self.call(&sort, std::slice::from_ref(&acc))?;
                Ok(acc)
            }
            Reduce::Tuple => {
                let items = match &acc {
                    Value::Obj(l) => match &l.payload {
                        Payload::List(cell) => match cell.try_borrow_mut() {
                            Ok(mut items) => std::mem::take(&mut *items),
                            Err(_) => return Err(self.runtime_error("list is in use")),
                        },
                        _ => Vec::new(),
                    },
                    _ => Vec::new(),
                };
                Ok(self.new_tuple(items))
            }
            _ => Ok(acc),
        }
    }

    /// The call at the top of the caller's stack (`[acc, callable, gen]`
    /// from `at`) is done: its result takes their place.
    fn reduce_done(&mut self, at: usize, result: Value) {
        debug_assert_eq!(self.stack.len(), at + 3);
        let gen = self.pop();
        let callable = self.pop();
        let acc = self.pop();
        self.push(result);
        drop((acc, callable, gen));
    }

    /// RETURN_VALUE of a generator frame run for `kind` (popped, the
    /// generator finished): the call's result replaces `[acc, callable,
    /// gen]`; the caller goes on after its CALL.
    pub(crate) fn reduce_returned(&mut self, kind: Reduce) -> PyResult<Flow> {
        if kind.guarded() {
            self.leave_recursive();
        }
        let Some(at) = self.stack.len().checked_sub(3) else {
            return Err(self.system_error("a reduced generator's caller lost its stack"));
        };
        let acc = match self.stack.get_mut(at) {
            Some(slot) => std::mem::replace(slot, Value::Null),
            None => Value::Null,
        };
        let r = self.reduce_result(kind, acc, at)?;
        self.reduce_done(at, r);
        Ok(Flow::Reload)
    }

    /// An exception left a generator frame run for `kind`: the guard unit
    /// goes (the caller's stack is cut by the unwinding).
    pub(crate) fn reduce_unwound(&mut self, kind: Reduce) {
        if kind.guarded() {
            self.leave_recursive();
        }
    }
}
