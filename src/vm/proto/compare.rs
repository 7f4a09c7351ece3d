//! Rich comparison (`do_richcompare`), equality, hashing and truth.

use crate::objects::rc::Rc;

use crate::objects::Payload;
use crate::pyhash;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The six comparison operators, in COMPARE_OP's order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CmpOp {
    Lt,
    Le,
    Eq,
    Ne,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn from_arg(a: u32) -> CmpOp {
        match a {
            0 => CmpOp::Lt,
            1 => CmpOp::Le,
            2 => CmpOp::Eq,
            3 => CmpOp::Ne,
            4 => CmpOp::Gt,
            _ => CmpOp::Ge,
        }
    }
    pub fn dunder(self) -> &'static str {
        match self {
            CmpOp::Lt => "__lt__",
            CmpOp::Le => "__le__",
            CmpOp::Eq => "__eq__",
            CmpOp::Ne => "__ne__",
            CmpOp::Gt => "__gt__",
            CmpOp::Ge => "__ge__",
        }
    }
    pub fn swapped(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Eq => CmpOp::Eq,
            CmpOp::Ne => CmpOp::Ne,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
    /// Apply to an ordering.
    pub fn test(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Lt => ord == Less,
            CmpOp::Le => ord != Greater,
            CmpOp::Eq => ord == Equal,
            CmpOp::Ne => ord != Equal,
            CmpOp::Gt => ord == Greater,
            CmpOp::Ge => ord != Less,
        }
    }
}

/// A number view of unboxed numeric values (bool counts as int).
fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Bool(b) => Some(*b as i64 as f64),
        Value::Float(f) => Some(f.get()),
        _ => None,
    }
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(*b as i64),
        _ => None,
    }
}

impl Vm {
    /// Comparison needing no Python code, when both sides are simple.
    pub(crate) fn fast_compare(&self, a: &Value, b: &Value, op: CmpOp) -> Option<bool> {
        if let (Some(x), Some(y)) = (int_of(a), int_of(b)) {
            return Some(op.test(x.cmp(&y)));
        }
        match (a, b) {
            (Value::Float(_), _) | (_, Value::Float(_)) => {
                if let (Value::Int(_) | Value::Bool(_), Value::Float(_))
                | (Value::Float(_), Value::Int(_) | Value::Bool(_)) = (a, b)
                {
                    return Some(crate::objects::int::compare_int_float(a, b, op));
                }
                let (x, y) = (num(a)?, num(b)?);
                Some(match op {
                    CmpOp::Lt => x < y,
                    CmpOp::Le => x <= y,
                    CmpOp::Eq => x == y,
                    CmpOp::Ne => x != y,
                    CmpOp::Gt => x > y,
                    CmpOp::Ge => x >= y,
                })
            }
            (Value::None, Value::None) if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                Some(op == CmpOp::Eq)
            }
            (Value::Obj(x), Value::Obj(y)) => match (&x.payload, &y.payload) {
                (Payload::Str(s), Payload::Str(t))
                    if x.class_is(&self.types.str) && y.class_is(&self.types.str) =>
                {
                    Some(op.test(s.compare(t)))
                }
                // Classes whose metaclass is `type` itself compare by
                // identity (`type` defines no `__eq__`; `t in (int, str)`).
                (Payload::Type(_), Payload::Type(_))
                    if matches!(op, CmpOp::Eq | CmpOp::Ne)
                        && x.class_is(&self.types.type_)
                        && y.class_is(&self.types.type_) =>
                {
                    Some(Rc::ptr_eq(x, y) == (op == CmpOp::Eq))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// `a <op> b` as a value (CPython's `PyObject_RichCompare`).
    pub fn richcompare(&mut self, a: &Value, b: &Value, op: CmpOp) -> PyResult<Value> {
        // Plain instances of a Python class first: none of the builtin
        // shortcuts below applies to them.
        if let Value::Obj(x) = a {
            if matches!(x.payload, Payload::Object | Payload::Instance(_)) {
                self.enter_recursive(" in comparison")?;
                let r = self.richcompare_slow(a, b, op);
                self.leave_recursive();
                return r;
            }
        }
        if let Some(r) = self.fast_compare(a, b, op) {
            return Ok(Value::bool(r));
        }
        self.enter_recursive(" in comparison")?;
        let r = match crate::objects::tuple::exact_tuples(self, a, b) {
            Some((x, y)) => crate::objects::list::seq_richcompare(self, x, y, op, false),
            None => match crate::objects::setmethods::exact_compare(self, a, b, op) {
                Some(r) => r,
                None => self.richcompare_slow(a, b, op),
            },
        };
        self.leave_recursive();
        r
    }

    fn richcompare_slow(&mut self, a: &Value, b: &Value, op: CmpOp) -> PyResult<Value> {
        // `==`/`!=` between a str and a bytes: both `__eq__`s answer
        // NotImplemented (no -b), so identity decides: never the same.
        if matches!(op, CmpOp::Eq | CmpOp::Ne) && crate::vm::config::get().bytes_warning == 0 {
            if let (Value::Obj(x), Value::Obj(y)) = (a, b) {
                let (s, by) = (&self.types.str, &self.types.bytes);
                if (x.class_is(s) && y.class_is(by)) || (x.class_is(by) && y.class_is(s)) {
                    return Ok(Value::bool(op == CmpOp::Ne));
                }
            }
        }
        let ta = self.type_of(a);
        // Two ints of which one at least is of a subclass, each side's
        // method int's own: answered before anything is looked up for a
        // Python method (it would not be one).
        let ints = crate::objects::int::is_int(a) && crate::objects::int::is_int(b);
        if ints {
            let tb = self.type_of(b);
            if let Some(r) = self.int_subclass_compare(a, b, op, &ta, &tb) {
                return Ok(Value::bool(r));
            }
        }
        // Two instances of one class whose method for `op` is a Python
        // function (a class's own `__eq__`/`__lt__`): `do_richcompare`
        // calls it first, as nothing is reflected first for one type, and
        // object's identity rule does not apply (`default_equality` is
        // false); called with no other lookup.
        if let (Value::Obj(x), Value::Obj(y)) = (a, b) {
            if y.class_is(&ta) && !x.class_is(&self.types.str) {
                if let Some(Value::Obj(f)) = self.type_lookup_static(&ta, op.dunder()) {
                    if matches!(f.payload, Payload::Function(_)) {
                        let args = crate::objects::function::Args::new(std::slice::from_ref(b));
                        let r = self.call_function_self(&f, a, args)?;
                        if !self.is_not_implemented(&r) {
                            return Ok(r);
                        }
                        return self.richcompare_tail(a, b, op, false);
                    }
                }
            }
        }
        let tb = self.type_of(b);
        // `==`/`!=` where both sides use object's own `__eq__` and `__ne__`
        // (CPython's `object_richcompare` in both slots): each call would
        // give NotImplemented unless the two are one object, so the answer
        // is identity, without the four calls.
        if matches!(op, CmpOp::Eq | CmpOp::Ne)
            && matches!((a, b), (Value::Obj(_), Value::Obj(_)))
            && self.default_equality(&ta, &tb)
        {
            return Ok(Value::bool(a.is(b) == (op == CmpOp::Eq)));
        }
        let mut checked_reverse = false;
        if !Rc::ptr_eq(&ta, &tb)
            && crate::objects::typeobj::is_subtype(&tb, &ta)
            && self.type_lookup_str(&tb, op.swapped().dunder()).is_some()
        {
            checked_reverse = true;
            if let Some(r) = self.call_special(b, op.swapped().dunder(), &[a.clone()])? {
                if !self.is_not_implemented(&r) {
                    return Ok(r);
                }
            }
        }
        if let Some(r) = self.call_special(a, op.dunder(), &[b.clone()])? {
            if !self.is_not_implemented(&r) {
                return Ok(r);
            }
        }
        self.richcompare_tail(a, b, op, checked_reverse)
    }

    /// `do_richcompare` after the left operand's method gave
    /// NotImplemented (or had none): the reflected method unless it was
    /// tried first, then identity for `==`/`!=`, else CPython's TypeError.
    pub(crate) fn richcompare_tail(
        &mut self,
        a: &Value,
        b: &Value,
        op: CmpOp,
        checked_reverse: bool,
    ) -> PyResult<Value> {
        if !checked_reverse {
            if let Some(r) = self.call_special(b, op.swapped().dunder(), &[a.clone()])? {
                if !self.is_not_implemented(&r) {
                    return Ok(r);
                }
            }
        }
        match op {
            CmpOp::Eq => Ok(Value::bool(a.is(b))),
            CmpOp::Ne => Ok(Value::bool(!a.is(b))),
            _ => Err(self.type_error(format!(
                "'{}' not supported between instances of '{}' and '{}'",
                op.symbol(),
                self.type_name_of(a),
                self.type_name_of(b)
            ))),
        }
    }

    /// Two ints, one at least of a subclass (sre's named opcode constants,
    /// IntEnum members): when the method each side's class would give for
    /// the operator (the reflected one for `b`) is int's own, the answer
    /// `long_richcompare` gives, without calling them. None otherwise.
    fn int_subclass_compare(
        &mut self,
        a: &Value,
        b: &Value,
        op: CmpOp,
        ta: &PyRef,
        tb: &PyRef,
    ) -> Option<bool> {
        use crate::objects::int::is_int;
        if !is_int(a) || !is_int(b) {
            return None;
        }
        let int = self.types.int.clone();
        let mut ints_own = |t: &PyRef, name: &'static str| {
            Rc::ptr_eq(t, &int)
                || matches!(self.type_lookup_static(t, name), Some(Value::Obj(d))
                    if matches!(&d.payload, Payload::MethodDescr(md) if Rc::ptr_eq(&md.owner, &int)))
        };
        if !ints_own(ta, op.dunder()) || !ints_own(tb, op.swapped().dunder()) {
            return None;
        }
        Some(op.test(crate::objects::int::int_cmp(a, b)?))
    }

    /// Whether neither `ta` nor `tb` (nor a base before `object`) defines
    /// `__eq__` or `__ne__`.
    fn default_equality(&mut self, ta: &PyRef, tb: &PyRef) -> bool {
        let object = self.types.object.clone();
        for name in ["__eq__", "__ne__"] {
            // A Python-level method (the common override) settles it
            // before anything else is looked up.
            let a = match self.type_lookup_static(ta, name) {
                Some(Value::Obj(d)) if matches!(d.payload, Payload::MethodDescr(_)) => {
                    Value::Obj(d)
                }
                _ => return false,
            };
            if !self.type_lookup_static(tb, name).is_some_and(|b| b.is(&a)) {
                return false;
            }
            if !self
                .type_lookup_static(&object, name)
                .is_some_and(|o| o.is(&a))
            {
                return false;
            }
        }
        true
    }

    /// `bool(a <op> b)`.
    pub fn compare(&mut self, a: &Value, b: &Value, op: CmpOp) -> PyResult<bool> {
        if let Some(r) = self.fast_compare(a, b, op) {
            return Ok(r);
        }
        let r = self.richcompare(a, b, op)?;
        self.truthy(&r)
    }

    /// `a == b` with the identity shortcut containers use.
    pub fn eq(&mut self, a: &Value, b: &Value) -> PyResult<bool> {
        if a.is(b) && !matches!(a, Value::Float(f) if f.is_nan()) {
            return Ok(true);
        }
        self.compare(a, b, CmpOp::Eq)
    }

    /// The builtin type whose own `__hash__` a payload's value answers
    /// (its subclasses inherit that hash unless they define their own).
    fn hash_layout_type(&self, p: &Payload) -> Option<&PyRef> {
        let t = &self.types;
        Some(match p {
            Payload::Int(_) => &t.int,
            Payload::Str(_) => &t.str,
            Payload::Bytes(_) => &t.bytes,
            Payload::Float(_) => &t.float,
            Payload::Complex(..) => &t.complex,
            Payload::Tuple(_) => &t.tuple,
            _ => return None,
        })
    }

    /// `tuplehash`: the items' hashes combined (read in place: the caller
    /// keeps the tuple alive and a tuple's items never change).
    fn tuple_hash(&mut self, items: &[Value]) -> PyResult<i64> {
        if let Some(h) = fast_hash_tuple(items) {
            return Ok(h);
        }
        let mut lanes = Vec::with_capacity(items.len());
        for i in items {
            lanes.push(self.hash(i)?);
        }
        Ok(pyhash::hash_tuple(&lanes))
    }

    /// `hash(v)`.
    pub fn hash(&mut self, v: &Value) -> PyResult<i64> {
        if let Some(h) = fast_hash(v) {
            return Ok(h);
        }
        Ok(match v {
            Value::Obj(o) => {
                let builtin_layout_hash = match &o.payload {
                    Payload::Str(s) => Some(s.hash()),
                    Payload::Int(b) => Some(pyhash::hash_bigint(b)),
                    Payload::Bytes(b) => Some(pyhash::hash_bytes(b)),
                    Payload::Float(f) => Some(pyhash::hash_float(*f, Rc::as_ptr(o) as usize)),
                    Payload::Complex(re, im) => {
                        Some(pyhash::hash_complex(*re, *im, Rc::as_ptr(o) as usize))
                    }
                    _ => None,
                };
                // A class whose metaclass is `type`: `object.__hash__`.
                if matches!(o.payload, Payload::Type(_)) && o.class_is(&self.types.type_) {
                    return Ok(pyhash::hash_pointer(Rc::as_ptr(o) as usize));
                }
                let cls = o.class().unwrap_or_else(|| self.types.object.clone());
                let tflags =
                    crate::objects::typeobj::type_data(&cls).map_or(0, |td| td.flags.get());
                let heap = tflags & crate::objects::typeobj::FLAG_HEAPTYPE != 0;
                // A builtin type, or a class that inherits its builtin
                // base's hash (sre's named int constants, named tuples):
                // the base's hash of the payload, without a lookup.
                let base = !heap || tflags & crate::objects::typeobj::FLAG_BASE_HASH != 0;
                if let (Some(h), true) = (builtin_layout_hash, base) {
                    return Ok(h);
                }
                match &o.payload {
                    Payload::Tuple(items) if base => return self.tuple_hash(items),
                    Payload::FrozenSet(t) if !heap => {
                        return Ok(crate::objects::setobj::frozenset_hash(t));
                    }
                    _ => {}
                }
                match self.type_lookup_static(&cls, "__hash__") {
                    Some(Value::None) | None => {
                        return Err(
                            self.type_error(format!("unhashable type: '{}'", self.type_name(&cls)))
                        );
                    }
                    Some(h) => {
                        if let Value::Obj(ho) = &h {
                            if let Payload::MethodDescr(md) = &ho.payload {
                                if md.name == "__hash__" {
                                    if Rc::ptr_eq(&md.owner, &self.types.object) {
                                        return Ok(pyhash::hash_pointer(Rc::as_ptr(o) as usize));
                                    }
                                    // A subclass of int, str, bytes, float,
                                    // complex or tuple that inherits its
                                    // base's hash (sre's named int constants,
                                    // named tuples): the slot CPython's
                                    // subclass inherits, without the call.
                                    if self
                                        .hash_layout_type(&o.payload)
                                        .is_some_and(|t| Rc::ptr_eq(t, &md.owner))
                                    {
                                        if let Some(h) = builtin_layout_hash {
                                            return Ok(h);
                                        }
                                        if let Payload::Tuple(items) = &o.payload {
                                            return self.tuple_hash(items);
                                        }
                                    }
                                }
                            }
                        }
                        let r = self.call_descr(h, v, &cls, &[])?;
                        match r {
                            Value::Int(i) => {
                                if i == -1 {
                                    -2
                                } else {
                                    i
                                }
                            }
                            Value::Bool(b) => b as i64,
                            // slot_tp_hash: the value itself when it fits
                            // a Py_ssize_t, else int's hash of it (never the
                            // result's own `__hash__`: an int subclass may
                            // return itself).
                            Value::Obj(ref ro) if matches!(ro.payload, Payload::Int(_)) => {
                                match &ro.payload {
                                    Payload::Int(n) => match i64::try_from(n) {
                                        Ok(-1) => -2,
                                        Ok(i) => i,
                                        Err(_) => pyhash::hash_bigint(n),
                                    },
                                    _ => pyhash::HASH_NONE,
                                }
                            }
                            _ => {
                                return Err(
                                    self.type_error("__hash__ method should return an integer")
                                )
                            }
                        }
                    }
                }
            }
            // Ints, bools, floats and None went through `fast_hash`: `Null`.
            _ => pyhash::HASH_NONE,
        })
    }

    /// `bool(v)`.
    pub fn truthy(&mut self, v: &Value) -> PyResult<bool> {
        Ok(match v {
            Value::Bool(b) => b.get(),
            Value::None | Value::Null => false,
            Value::Int(i) => *i != 0,
            Value::Float(f) => f.get() != 0.0,
            Value::Obj(o)
                if o.class_version_flags().is_some_and(|(_, f)| {
                    use crate::objects::typeobj::{FLAG_ALWAYS_TRUE, FLAG_HEAPTYPE};
                    f & (FLAG_ALWAYS_TRUE | FLAG_HEAPTYPE) == FLAG_ALWAYS_TRUE | FLAG_HEAPTYPE
                }) =>
            {
                true
            }
            Value::Obj(o) => {
                let heap = o
                    .class()
                    .and_then(|c| {
                        crate::objects::typeobj::type_data(&c)
                            .map(|t| t.has_flag(crate::objects::typeobj::FLAG_HEAPTYPE))
                    })
                    .unwrap_or(false);
                if !heap {
                    match &o.payload {
                        Payload::Str(s) => return Ok(s.char_len() > 0),
                        Payload::List(l) => return Ok(!l.is_empty()),
                        Payload::Tuple(t) => return Ok(!t.is_empty()),
                        Payload::Dict(d) => return Ok(!d.borrow().is_empty()),
                        Payload::Set(_) | Payload::FrozenSet(_) => {
                            return Ok(crate::objects::setobj::set_len(o) > 0)
                        }
                        Payload::Bytes(b) => return Ok(!b.is_empty()),
                        Payload::Int(_) => return Ok(true),
                        Payload::Complex(re, im) => return Ok(*re != 0.0 || *im != 0.0),
                        Payload::Range(r) => return Ok(!r.is_empty()),
                        _ => {}
                    }
                    if self.static_always_true(o) {
                        return Ok(true);
                    }
                }
                if let Some(r) = self.call_special(v, "__bool__", &[])? {
                    return match r {
                        Value::Bool(b) => Ok(b.get()),
                        _ => Err(self.type_error(format!(
                            "__bool__ should return bool, returned {}",
                            self.type_name_of(&r)
                        ))),
                    };
                }
                if let Some(r) = self.call_special(v, "__len__", &[])? {
                    return Ok(self.len_result(&r)? > 0);
                }
                true
            }
        })
    }

    /// Whether instances of `o`'s static type are all true (neither
    /// `__bool__` nor `__len__` on its MRO), found once per type: a
    /// static type's dict does not change after it is made, and CPython
    /// tests its empty `nb_bool`/`mp_length`/`sq_length` slots.
    fn static_always_true(&mut self, o: &crate::vm::value::PyRef) -> bool {
        use crate::objects::typeobj::{type_data, FLAG_ALWAYS_TRUE, FLAG_TRUTH_KNOWN};
        let Some(cls) = o.class() else {
            return false;
        };
        let Some(f) = type_data(&cls).map(|t| t.flags.get()) else {
            return false;
        };
        if f & FLAG_TRUTH_KNOWN != 0 {
            return f & FLAG_ALWAYS_TRUE != 0;
        }
        let t = self.type_lookup_static(&cls, "__bool__").is_none()
            && self.type_lookup_static(&cls, "__len__").is_none();
        if let Some(td) = type_data(&cls) {
            td.flags
                .set(f | FLAG_TRUTH_KNOWN | if t { FLAG_ALWAYS_TRUE } else { 0 });
        }
        t
    }

    /// Check a `__len__` result: a non-negative int.
    pub fn len_result(&mut self, r: &Value) -> PyResult<usize> {
        match r {
            Value::Int(i) if *i >= 0 => Ok(*i as usize),
            Value::Bool(b) => Ok(*b as usize),
            Value::Int(_) => Err(self.value_error("__len__() should return >= 0")),
            // slot_sq_length: through `__index__` (int subclasses too); a
            // negative value is a ValueError however large, a positive one
            // past Py_ssize_t an OverflowError.
            _ => match self.index_int(r)? {
                crate::num::Int::Small(i) if i >= 0 => Ok(i as usize),
                crate::num::Int::Big(b) if b.sign() != num_bigint::Sign::Minus => {
                    Err(self.overflow_error("cannot fit 'int' into an index-sized integer"))
                }
                _ => Err(self.value_error("__len__() should return >= 0")),
            },
        }
    }
}

/// `hash(v)` for keys whose hash runs no Python code: ints, bools,
/// `None`, floats, exact strs, and exact tuples of these. `None` for
/// anything else (the caller asks `Vm::hash`).
#[inline]
pub(crate) fn fast_hash(v: &Value) -> Option<i64> {
    match v {
        // hash(n) == n for 0 <= n < 2**61 - 1 (`_PyHASH_MODULUS`).
        Value::Int(i) if (0..(1i64 << 61) - 1).contains(i) => Some(*i),
        Value::Int(i) => Some(crate::pyhash::hash_i64(*i)),
        Value::Bool(b) => Some(*b as i64),
        Value::None => Some(crate::pyhash::HASH_NONE),
        Value::Float(f) => Some(crate::pyhash::hash_float(f.get(), 0)),
        Value::Obj(o) => match &o.payload {
            Payload::Str(s) if o.class_is_static() => Some(s.hash()),
            Payload::Tuple(items) if o.class_is_static() => fast_hash_tuple(items),
            // A class whose metaclass is `type`: `object.__hash__`.
            Payload::Type(_) if o.class_is_static() => Some(crate::pyhash::hash_pointer(
                crate::objects::rc::Rc::as_ptr(o) as usize,
            )),
            _ => None,
        },
        Value::Null => None,
    }
}

/// [`fast_hash`] of an exact tuple of at most 8 ints, strs, ...
#[inline(never)]
fn fast_hash_tuple(items: &[Value]) -> Option<i64> {
    if items.len() > 8 {
        return None;
    }
    let mut lanes = [0i64; 8];
    for (lane, item) in lanes.iter_mut().zip(items.iter()) {
        *lane = match item {
            Value::Obj(_) | Value::Float(_) => fast_hash_leaf(item)?,
            _ => fast_hash(item)?,
        };
    }
    Some(crate::pyhash::hash_tuple(lanes.get(..items.len())?))
}

/// [`fast_hash`] without tuples (no recursion into nested tuples).
#[inline]
fn fast_hash_leaf(v: &Value) -> Option<i64> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Str(s) if o.class_is_static() => Some(s.hash()),
            // A class whose metaclass is `type`: `object.__hash__`.
            Payload::Type(_) if o.class_is_static() => Some(crate::pyhash::hash_pointer(
                crate::objects::rc::Rc::as_ptr(o) as usize,
            )),
            _ => None,
        },
        Value::Float(f) => Some(crate::pyhash::hash_float(f.get(), 0)),
        _ => None,
    }
}
