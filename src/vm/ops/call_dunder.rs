//! BINARY_OP on an instance of a class whose operator method is a Python
//! function: the method's frame runs in the caller's eval loop (as a
//! Python call does) instead of a nested loop behind `binary_op`'s slot
//! dispatch.
//!
//! Only the cases where CPython's `binary_op1` calls the left operand's
//! method first and, should it return NotImplemented, raises at once:
//! the right operand is of the same class (`slotw` is NULL then) or an
//! exact int or float (whose reflected methods decline any other left
//! operand). The in-place forms only when the class has no in-place
//! method (`__iadd__`...), so that `binary_iop1` goes to the plain one.
//! The left operand is a plain instance, `__slots__` or not (no builtin
//! base: list and str subclasses meet the sequence slots). The method may
//! take more parameters after `(self, other)` if its defaults cover them
//! (`Decimal.__add__(self, other, context=None)`).
//!
//! The method found for a (class version, operator) is remembered in a
//! direct-mapped table, held weakly (as vm/inst_cache.rs): versions change
//! whenever the class's dict, a base's dict or its MRO changes.

use crate::objects::rc::{Rc, Weak};
use std::cell::RefCell;

use crate::objects::typeobj::FLAG_HEAPTYPE;
use crate::objects::{Payload, PyObject};
use crate::pyc::code::{
    CO_ASYNC_GENERATOR, CO_COROUTINE, CO_GENERATOR, CO_ITERABLE_COROUTINE, CO_VARARGS,
    CO_VARKEYWORDS,
};
use crate::vm::frame::OnReturn;
use crate::vm::proto::BinOp;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

const SLOTS: usize = 64;

/// (class version, operator, the method: None when it is not a plain
/// Python function taking two parameters).
type Entry = (u64, u8, Option<Weak<PyObject>>);

crate::interp_local! {
    static CACHE: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

#[inline(always)]
fn slot(version: u64, op: u8) -> usize {
    (version as usize)
        .wrapping_mul(13)
        .wrapping_add(op as usize)
        & (SLOTS - 1)
}

/// `Some(method)` / `Some(None)` when the table knows the class at
/// `version`; `None` when it does not.
fn lookup(version: u64, op: u8) -> Option<Option<PyRef>> {
    CACHE
        .try_with(|c| {
            let c = c.try_borrow().ok()?;
            let (v, o, f) = c.get(slot(version, op))?;
            if *v != version || *o != op {
                return None;
            }
            match f {
                None => Some(None),
                Some(w) => w.upgrade().map(Some),
            }
        })
        .ok()
        .flatten()
}

fn remember(version: u64, op: u8, f: Option<&PyRef>) {
    let _ = CACHE.try_with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            if c.len() < SLOTS {
                c.resize(SLOTS, (0, 0, None));
            }
            if let Some(e) = c.get_mut(slot(version, op)) {
                *e = (version, op, f.map(Rc::downgrade));
            }
        }
    });
}

/// Code flags of functions whose call does not run their frame.
pub(crate) const CO_NOT_PLAIN: u32 = CO_VARARGS
    | CO_VARKEYWORDS
    | CO_GENERATOR
    | CO_COROUTINE
    | CO_ITERABLE_COROUTINE
    | CO_ASYNC_GENERATOR;

/// Whether an operator method's code takes `(self, other)` as its first
/// two positional parameters and nothing keyword-only or variadic, and
/// runs its frame when called.
fn plain_binop_code(c: &crate::vm::code::Code) -> bool {
    c.argcount >= 2 && c.kwonlyargcount == 0 && c.flags & CO_NOT_PLAIN == 0
}

/// A method found on a class when it is a Python function whose code
/// [`plain_binop_code`] accepts (`(self, other)` positionally).
fn plain_py_method(found: Option<Value>) -> Option<PyRef> {
    match found {
        Some(Value::Obj(f)) => match &f.payload {
            Payload::Function(fd) => fd
                .code
                .try_borrow()
                .is_ok_and(|c| plain_binop_code(&c))
                .then_some(f),
            _ => None,
        },
        _ => None,
    }
}

impl Vm {
    /// The operator method `op` of `cls` (at `version`) if it is a Python
    /// function whose code takes `(self, other)` positionally, with
    /// perhaps more parameters after them (whose defaults the call checks:
    /// `Decimal.__add__(self, other, context=None)`). For an in-place
    /// `op` (13 and up) only when `cls` has no in-place method, so that
    /// CPython's `binary_iop1` falls back to the plain one: that method.
    fn binop_method(&mut self, p: usize, version: u64, op: u8) -> Option<PyRef> {
        if let Some(f) = lookup(version, op) {
            return f;
        }
        let cls = self.class_at(p)?;
        let cls = &cls;
        let (bop, inplace) = BinOp::from_arg(u32::from(op));
        let found = if inplace && self.type_lookup_static(cls, bop.idunder()).is_some() {
            None
        } else {
            plain_py_method(self.type_lookup_static(cls, bop.dunder()))
        };
        // The lookup ran no code, so the version still describes `cls`.
        remember(version, op, found.as_ref());
        found
    }

    /// BINARY_OP `oparg` at `pc` with `[a, b]` on top of the stack, for
    /// the cases in this module's comment: push the operator method's
    /// frame over `[a, b, a, b]` (the caller goes on at `next` and its
    /// `lasti` is `pc`) and give `true`. `false`: nothing changed.
    #[inline(never)]
    pub(crate) fn binop_py_inline(&mut self, oparg: u32, pc: usize, next: usize) -> bool {
        let Ok(op) = u8::try_from(oparg) else {
            return false;
        };
        if op >= 26
            || self.pending_kwnames.is_some()
            || self.frames.len() >= super::call_py::INLINE_DEPTH
        {
            return false;
        }
        let Some(p) = self.stack.len().checked_sub(2) else {
            return false;
        };
        let Some(version) = self.plain_operands(p, |b, version| match b {
            Value::Int(_) | Value::Float(_) => true,
            Value::Obj(b) => b.class_version_flags().is_some_and(|(v, _)| v == version),
            _ => false,
        }) else {
            return false;
        };
        let Some(f) = self.binop_method(p, version, op) else {
            return false;
        };
        self.push_operands_frame(f, p, pc, next, OnReturn::BinaryOp(op), false)
    }

    /// The class version of the left operand at stack slot `p` when it is
    /// a plain instance (with or without `__slots__` values) of a
    /// versioned heap class and the right operand, at `p + 1`, passes
    /// `right_ok` (given that version).
    #[inline]
    fn plain_operands(&self, p: usize, right_ok: impl Fn(&Value, u64) -> bool) -> Option<u64> {
        let (Some(Value::Obj(a)), Some(b)) = (self.stack.get(p), self.stack.get(p + 1)) else {
            return None;
        };
        let (version, flags) = a.class_version_flags()?;
        let plain = matches!(a.payload, Payload::Object | Payload::Instance(_));
        if version == 0 || flags & FLAG_HEAPTYPE == 0 || !plain || !right_ok(b, version) {
            return None;
        }
        Some(version)
    }

    /// The class of the object at stack slot `p` (looked up only when the
    /// method table does not know its version).
    fn class_at(&self, p: usize) -> Option<PyRef> {
        match self.stack.get(p) {
            Some(Value::Obj(a)) => a.class(),
            _ => None,
        }
    }

    /// Push the frame of `f`, an operator method, over copies of the two
    /// operands at stack slots `p` and `p + 1` (`[a, b, a, b]`); the
    /// caller goes on at `next` and its `lasti` is `pc`, and `on_return`
    /// finishes the instruction. `unit`: the call also holds one
    /// recursion unit (a rich comparison's), so both must fit. `false`:
    /// nothing changed.
    fn push_operands_frame(
        &mut self,
        f: PyRef,
        p: usize,
        pc: usize,
        next: usize,
        on_return: OnReturn,
        unit: bool,
    ) -> bool {
        let Payload::Function(fd) = &f.payload else {
            return false;
        };
        if unit && self.recursion_depth() + 1 >= self.recursion_limit {
            return false;
        }
        let Some((code, missing)) = self.two_arg_inline_code(fd) else {
            return false;
        };
        let (globals, builtins) = (fd.globals.clone(), fd.builtins.clone());
        let (Some(a), Some(b)) = (self.stack.get(p).cloned(), self.stack.get(p + 1).cloned())
        else {
            return false;
        };
        self.push(a);
        self.push(b);
        if missing != 0 {
            self.push_defaults(fd, missing);
        }
        let base = p + 2;
        self.fill_nulls_to(base + code.nlocalsplus());
        if let Some(caller) = self.frames.last_mut() {
            caller.lasti = pc;
            caller.pc = next;
        }
        if unit {
            self.c_recursion += 1;
        }
        self.push_call_frame(code, Some(f), globals, builtins, base, base);
        if let Some(fr) = self.frames.last_mut() {
            fr.on_return = on_return;
        }
        true
    }

    /// The code of `fd`, an operator or `__getitem__` method remembered
    /// for its class, if it can run in the caller's loop over two
    /// arguments, and how many of its parameters its defaults fill:
    /// `__code__` or `__defaults__` may have been replaced since it was
    /// remembered, and the recursion limit must allow one more frame.
    fn two_arg_inline_code(
        &self,
        fd: &crate::objects::function::Function,
    ) -> Option<(Rc<crate::vm::code::Code>, usize)> {
        let code = fd.code.try_borrow().ok()?;
        let missing = code.argcount.wrapping_sub(2);
        if !plain_binop_code(&code)
            || !code.is_verified()
            || self.frames.len() + self.c_recursion >= self.recursion_limit
            || (missing != 0 && !self.defaults_cover(fd, missing))
        {
            return None;
        }
        Some((Rc::clone(&code), missing))
    }

    /// The result of an operator method run by `binop_py_inline`, whose
    /// operands are the top two values of the caller's stack: they give
    /// way to `v`, or NotImplemented becomes CPython's TypeError.
    pub(crate) fn binop_return(&mut self, op: u8, v: Value) -> PyResult<()> {
        if self.is_not_implemented(&v) {
            let len = self.stack.len();
            let (a, b) = match self.stack.get(len.saturating_sub(2)..) {
                Some([a, b]) => (self.type_name_of(a), self.type_name_of(b)),
                _ => return Err(self.system_error("operands missing after an operator method")),
            };
            let sym = match BinOp::from_arg(u32::from(op)) {
                (BinOp::Pow, true) => "**=".to_string(),
                (bop, true) => format!("{}=", bop.symbol()),
                (bop, false) => bop.symbol().to_string(),
            };
            return Err(self.type_error(format!(
                "unsupported operand type(s) for {sym}: '{a}' and '{b}'"
            )));
        }
        let b = self.pop();
        let a = self.pop();
        self.push(v);
        drop((a, b));
        Ok(())
    }
}

/// The `lookup`/`remember` operator number of `__getitem__` (BINARY_OP's
/// arguments are below 26).
const GETITEM: u8 = 64;

impl Vm {
    /// `__getitem__` of `cls` (at `version`) if it is a Python function
    /// whose code takes `(self, key)` positionally (defaults for more).
    fn getitem_method(&mut self, cls: &PyRef, version: u64) -> Option<PyRef> {
        if let Some(f) = lookup(version, GETITEM) {
            return f;
        }
        let found = match self.type_lookup_static(cls, "__getitem__") {
            Some(Value::Obj(f)) => match &f.payload {
                Payload::Function(fd) => fd
                    .code
                    .try_borrow()
                    .is_ok_and(|c| plain_binop_code(&c))
                    .then_some(f),
                _ => None,
            },
            _ => None,
        };
        remember(version, GETITEM, found.as_ref());
        found
    }

    /// BINARY_SUBSCR at `pc` with `[obj, key]` on top of the stack, `obj`
    /// a plain instance of a class whose `__getitem__` is a Python
    /// function (CPython 3.11's BINARY_SUBSCR_GETITEM): its frame is
    /// pushed over `[obj, key]` as its first locals, and its return value
    /// takes their place (the caller goes on at `next`, its `lasti` is
    /// `pc`). `false`: nothing changed.
    #[inline(never)]
    pub(crate) fn getitem_py_inline(&mut self, pc: usize, next: usize) -> bool {
        if self.pending_kwnames.is_some() || self.frames.len() >= super::call_py::INLINE_DEPTH {
            return false;
        }
        let Some(p) = self.stack.len().checked_sub(2) else {
            return false;
        };
        let (cls, version) = {
            let Some(Value::Obj(a)) = self.stack.get(p) else {
                return false;
            };
            let Some((version, flags)) = a.class_version_flags() else {
                return false;
            };
            let plain = matches!(a.payload, Payload::Object | Payload::Instance(_));
            if version == 0 || flags & FLAG_HEAPTYPE == 0 || !plain {
                return false;
            }
            let Some(cls) = a.class() else {
                return false;
            };
            (cls, version)
        };
        let Some(f) = self.getitem_method(&cls, version) else {
            return false;
        };
        let Payload::Function(fd) = &f.payload else {
            return false;
        };
        let Some((code, missing)) = self.two_arg_inline_code(fd) else {
            return false;
        };
        let (globals, builtins) = (fd.globals.clone(), fd.builtins.clone());
        if missing != 0 {
            self.push_defaults(fd, missing);
        }
        self.fill_nulls_to(p + code.nlocalsplus());
        if let Some(caller) = self.frames.last_mut() {
            caller.lasti = pc;
            caller.pc = next;
        }
        self.push_call_frame(code, Some(f), globals, builtins, p, p);
        true
    }
}

/// The `lookup`/`remember` operator number of COMPARE_OP's argument `c`
/// (its rich comparison method).
const fn compare_key(c: u8) -> u8 {
    32 + c
}

impl Vm {
    /// The rich comparison method for COMPARE_OP `c` of `cls` (at
    /// `version`) if it is a Python function whose code takes `(self,
    /// other)` positionally (defaults for more).
    fn compare_method(&mut self, p: usize, version: u64, c: u8) -> Option<PyRef> {
        let key = compare_key(c);
        if let Some(f) = lookup(version, key) {
            return f;
        }
        let cls = self.class_at(p)?;
        let name = crate::vm::proto::CmpOp::from_arg(u32::from(c)).dunder();
        let found = plain_py_method(self.type_lookup_static(&cls, name));
        remember(version, key, found.as_ref());
        found
    }

    /// COMPARE_OP `oparg` at `pc` with `[a, b]` on top of the stack, `a` a
    /// plain instance of a class whose method for the operator is a Python
    /// function and `b` of the same class or an int, float, str or None
    /// (so `do_richcompare` tries `a`'s method first: `b`'s type is not a
    /// proper subclass of `a`'s): push the method's frame over `[a, b, a,
    /// b]` with the comparison's recursion unit taken (`Py_EnterRecursiveCall`
    /// in `PyObject_RichCompare`); the caller goes on at `next`, its
    /// `lasti` is `pc`. `false`: nothing changed.
    #[inline(never)]
    pub(crate) fn compare_py_inline(&mut self, oparg: u32, pc: usize, next: usize) -> bool {
        let Ok(c) = u8::try_from(oparg) else {
            return false;
        };
        if c > 5
            || self.pending_kwnames.is_some()
            || self.frames.len() >= super::call_py::INLINE_DEPTH
        {
            return false;
        }
        let Some(p) = self.stack.len().checked_sub(2) else {
            return false;
        };
        let Some(version) = self.plain_operands(p, |b, version| match b {
            Value::Int(_) | Value::Float(_) | Value::None => true,
            Value::Obj(b) => {
                b.class_version_flags().is_some_and(|(v, _)| v == version)
                    || (matches!(b.payload, Payload::Str(_)) && b.class_is_static())
            }
            _ => false,
        }) else {
            return false;
        };
        let Some(f) = self.compare_method(p, version, c) else {
            return false;
        };
        self.push_operands_frame(f, p, pc, next, OnReturn::Compare(c), true)
    }

    /// The result of a comparison method run by `compare_py_inline`,
    /// whose operands are the top two values of the caller's stack: they
    /// give way to `v`, or to what the reflected method or the default
    /// gives when `v` is NotImplemented. The recursion unit goes last.
    pub(crate) fn compare_return(&mut self, c: u8, v: Value) -> PyResult<()> {
        let v = if self.is_not_implemented(&v) {
            let len = self.stack.len();
            let (a, b) = match self.stack.get(len.saturating_sub(2)..) {
                Some([a, b]) => (a.clone(), b.clone()),
                _ => {
                    self.leave_recursive();
                    return Err(self.system_error("operands missing after a comparison method"));
                }
            };
            let op = crate::vm::proto::CmpOp::from_arg(u32::from(c));
            let r = self.richcompare_tail(&a, &b, op, false);
            self.leave_recursive();
            r?
        } else {
            self.leave_recursive();
            v
        };
        let b = self.pop();
        let a = self.pop();
        self.push(v);
        drop((a, b));
        Ok(())
    }
}
