//! Operators: unary, binary, subscripts, comparisons, identity, membership.

use crate::objects::Payload;
use crate::pyc::opcode::Op;
use crate::vm::value::Truth;

use super::Flow;
use crate::vm::proto::{BinOp, CmpOp};
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

/// BINARY_OP's arguments for `+` and `+=` (`opcode._nb_ops`).
const NB_ADD: u32 = 0;
const NB_INPLACE_ADD: u32 = 13;

impl Vm {
    pub(crate) fn op_unary(&mut self, op: Op) -> PyResult<Flow> {
        let v = self.pop();
        let r = match op {
            Op::UnaryNegative => self.unary_op(&v, "__neg__", "-")?,
            Op::UnaryPositive => self.unary_op(&v, "__pos__", "+")?,
            _ => self.unary_op(&v, "__invert__", "~")?,
        };
        self.op_push(r)
    }

    pub(crate) fn op_unary_not(&mut self) -> PyResult<Flow> {
        let v = self.pop();
        let b = match v {
            Value::Bool(b) => b,
            Value::None => Truth::from(false),
            _ => Truth::from(self.truthy(&v)?),
        };
        self.op_push(Value::bool(!b.get()))
    }

    #[inline(always)]
    pub(crate) fn op_binary(&mut self, oparg: u32) -> PyResult<Flow> {
        let b = self.pop();
        let a = self.pop();
        let fast = match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => int_binop(oparg, *x, *y).map(Value::Int),
            (Value::Float(x), Value::Float(y)) => {
                float_binop(oparg, x.get(), y.get()).map(Value::float)
            }
            _ => None,
        };
        if let Some(r) = fast {
            self.push(r);
            return Ok(Flow::Next);
        }
        // BINARY_OP_ADD_UNICODE: `+` and `+=` of two exact strs.
        if oparg == NB_ADD || oparg == NB_INPLACE_ADD {
            if let Some(r) = self.str_concat_fast(&a, &b) {
                self.push(r);
                return Ok(Flow::Next);
            }
            if let Some(r) = self.bytes_concat_fast(&a, &b) {
                self.push(r);
                return Ok(Flow::Next);
            }
        }
        self.binary_slow(oparg, a, b)
    }

    /// The concatenation of two exact strs without lone surrogates; as
    /// `PyUnicode_Concat`, an empty operand gives the other one itself.
    fn str_concat_fast(&mut self, a: &Value, b: &Value) -> Option<Value> {
        let (Value::Obj(x), Value::Obj(y)) = (a, b) else {
            return None;
        };
        let (Payload::Str(xs), Payload::Str(ys)) = (&x.payload, &y.payload) else {
            return None;
        };
        if !x.class_is(&self.types.str) || !y.class_is(&self.types.str) {
            return None;
        }
        if xs.surrogate_cps().is_some() || ys.surrogate_cps().is_some() {
            return None;
        }
        let (p, q) = (xs.as_str(), ys.as_str());
        if p.is_empty() {
            return Some(b.clone());
        }
        if q.is_empty() {
            return Some(a.clone());
        }
        let mut s = String::with_capacity(p.len() + q.len());
        s.push_str(p);
        s.push_str(q);
        Some(self.new_string(s))
    }

    /// The concatenation of two exact bytes; as CPython's `bytes_concat`,
    /// an empty operand gives the other one itself.
    fn bytes_concat_fast(&mut self, a: &Value, b: &Value) -> Option<Value> {
        let (Value::Obj(x), Value::Obj(y)) = (a, b) else {
            return None;
        };
        let (Payload::Bytes(p), Payload::Bytes(q)) = (&x.payload, &y.payload) else {
            return None;
        };
        if !x.class_is(&self.types.bytes) || !y.class_is(&self.types.bytes) {
            return None;
        }
        if p.is_empty() {
            return Some(b.clone());
        }
        if q.is_empty() {
            return Some(a.clone());
        }
        let mut v = Vec::with_capacity(p.len() + q.len());
        v.extend_from_slice(p);
        v.extend_from_slice(q);
        Some(self.new_bytes(v))
    }

    #[inline(never)]
    fn binary_slow(&mut self, oparg: u32, a: Value, b: Value) -> PyResult<Flow> {
        let (op, inplace) = BinOp::from_arg(oparg);
        let r = self.binary_op(&a, &b, op, inplace);
        // CPython releases the left operand first (finalizers run in
        // that order).
        drop(a);
        drop(b);
        self.op_push(r?)
    }

    pub(crate) fn op_binary_subscr(&mut self) -> PyResult<Flow> {
        let key = self.pop();
        let obj = self.pop();
        if let Some(v) = subscr_hit(&obj, &key) {
            self.push(v);
            return Ok(Flow::Next);
        }
        if let (Value::Obj(o), Value::Int(i)) = (&obj, &key) {
            if o.class_is_static() {
                // An ASCII str: the cached one-character string.
                if let Payload::Str(s) = &o.payload {
                    if s.is_ascii() {
                        let b = s.as_str().as_bytes();
                        if let Some(&c) = seq_index(b.len(), *i).and_then(|j| b.get(j)) {
                            let ch = self.intern_ascii_char(c);
                            self.push(Value::Obj(ch));
                            return Ok(Flow::Next);
                        }
                    }
                }
            }
        }
        let r = self.getitem(&obj, &key)?;
        self.op_push(r)
    }

    pub(crate) fn op_store_subscr(&mut self) -> PyResult<Flow> {
        let key = self.pop();
        let obj = self.pop();
        let v = self.pop();
        let v = match store_subscr_hit(&obj, &key, v) {
            Ok(old) => {
                drop(old);
                return Ok(Flow::Next);
            }
            Err(v) => v,
        };
        self.setitem(&obj, key, v)?;
        Ok(Flow::Next)
    }

    pub(crate) fn op_delete_subscr(&mut self) -> PyResult<Flow> {
        let key = self.pop();
        let obj = self.pop();
        self.delitem(&obj, key)?;
        Ok(Flow::Next)
    }

    #[inline(always)]
    pub(crate) fn op_compare(&mut self, oparg: u32) -> PyResult<Flow> {
        let b = self.pop();
        let a = self.pop();
        let fast = match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => cmp_fast(oparg, x, y),
            (Value::Float(x), Value::Float(y)) => cmp_fast(oparg, &x.get(), &y.get()),
            _ => None,
        };
        if let Some(r) = fast {
            self.push(Value::bool(r));
            return Ok(Flow::Next);
        }
        // Two exact strs: == and != (COMPARE_OP_STR_JUMP's case) and the
        // orderings, by code point as str's own comparison.
        if let (Value::Obj(x), Value::Obj(y)) = (&a, &b) {
            if let (Payload::Str(sx), Payload::Str(sy)) = (&x.payload, &y.payload) {
                if x.class_is_static() && y.class_is_static() {
                    let r = match oparg {
                        2 | 3 => {
                            (crate::objects::rc::Rc::ptr_eq(x, y) || sx.same_text(sy))
                                == (oparg == 2)
                        }
                        _ => CmpOp::from_arg(oparg).test(sx.compare(sy)),
                    };
                    self.push(Value::bool(r));
                    return Ok(Flow::Next);
                }
            }
        }
        self.compare_slow(oparg, a, b)
    }

    #[inline(never)]
    fn compare_slow(&mut self, oparg: u32, a: Value, b: Value) -> PyResult<Flow> {
        let r = self.richcompare(&a, &b, CmpOp::from_arg(oparg))?;
        self.op_push(r)
    }

    pub(crate) fn op_contains(&mut self, oparg: u32) -> PyResult<Flow> {
        let container = self.pop();
        let item = self.pop();
        let r = self.contains(&container, &item)?;
        self.op_push(Value::bool(r != (oparg == 1)))
    }
}

/// BINARY_SUBSCR_LIST_INT / _TUPLE_INT: the item of an exact list or tuple
/// at an in-range int index; BINARY_SUBSCR_DICT: the value of a key an
/// exact dict holds, found without Python code (objects/dict.rs).
#[inline(always)]
pub(crate) fn subscr_hit(obj: &Value, key: &Value) -> Option<Value> {
    let Value::Obj(o) = obj else {
        return None;
    };
    match (&o.payload, key) {
        (Payload::List(l), Value::Int(i)) if o.class_is_static() => l.item_cloned(*i),
        (Payload::Tuple(t), Value::Int(i)) if o.class_is_static() => {
            seq_index(t.len(), *i).and_then(|j| t.get(j)).cloned()
        }
        (Payload::Dict(_), _) => crate::objects::dict::subscr_hit(obj, key),
        _ => None,
    }
}

/// STORE_SUBSCR_LIST_INT: store `v` into an exact list at an in-range int
/// index, giving the old item (to be dropped once the list is released);
/// `v` comes back otherwise.
#[inline(always)]
pub(crate) fn store_subscr_hit(obj: &Value, key: &Value, v: Value) -> Result<Value, Value> {
    let Value::Obj(o) = obj else {
        return Err(v);
    };
    if let Payload::Dict(_) = &o.payload {
        // STORE_SUBSCR_DICT (objects/dict.rs).
        return crate::objects::dict::store_hit(obj, key, v);
    }
    if let (Payload::ByteArray(c), Value::Int(i), Value::Int(x)) = (&o.payload, key, &v) {
        // `ba[i] = n` of an exact bytearray: one byte written in place
        // (allowed while a buffer is exported: the size stays).
        if !o.class_is_static() {
            return Err(v);
        }
        let (Ok(byte), Ok(mut b)) = (u8::try_from(*x), c.try_borrow_mut()) else {
            return Err(v);
        };
        return match seq_index(b.len(), *i).and_then(|j| b.get_mut(j)) {
            Some(slot) => {
                *slot = byte;
                Ok(Value::None)
            }
            None => Err(v),
        };
    }
    let (Payload::List(l), Value::Int(i)) = (&o.payload, key) else {
        return Err(v);
    };
    if !o.class_is_static() {
        return Err(v);
    }
    let Ok(mut items) = l.try_borrow_mut() else {
        return Err(v);
    };
    match seq_index(items.len(), *i).and_then(|j| items.get_mut(j)) {
        Some(slot) => Ok(std::mem::replace(slot, v)),
        None => Err(v),
    }
}

/// BINARY_OP on two machine ints when the result is a machine int
/// (`NB_*` numbering, in-place forms included); None: the general path.
#[inline(always)]
pub(crate) fn int_binop(oparg: u32, x: i64, y: i64) -> Option<i64> {
    match oparg {
        0 | 13 => x.checked_add(y),
        10 | 23 => x.checked_sub(y),
        5 | 18 => x.checked_mul(y),
        1 | 14 => Some(x & y),
        7 | 20 => Some(x | y),
        12 | 25 => Some(x ^ y),
        // Floor division and modulo round toward negative infinity.
        2 | 15 if y != 0 => {
            let q = x.checked_div(y)?;
            Some(if x % y != 0 && ((x < 0) != (y < 0)) {
                q - 1
            } else {
                q
            })
        }
        6 | 19 if y != 0 => {
            let r = x.checked_rem(y)?;
            Some(if r != 0 && ((r < 0) != (y < 0)) {
                r + y
            } else {
                r
            })
        }
        3 | 16 if (0..63).contains(&y) => {
            let r = x << y;
            (r >> y == x).then_some(r)
        }
        9 | 22 if y >= 0 => Some(x >> y.min(63)),
        _ => None,
    }
}

/// BINARY_OP on two floats for the IEEE operations Python does not
/// adjust (+, -, *, and / by a non-zero); None: the general path.
#[inline(always)]
pub(crate) fn float_binop(oparg: u32, x: f64, y: f64) -> Option<f64> {
    match oparg {
        0 | 13 => Some(x + y),
        10 | 23 => Some(x - y),
        5 | 18 => Some(x * y),
        11 | 24 if y != 0.0 => Some(x / y),
        _ => None,
    }
}

/// COMPARE_OP on two values of one primitive type (`Py_LT`.. order).
#[inline(always)]
pub(crate) fn cmp_fast<T: PartialOrd>(oparg: u32, x: &T, y: &T) -> Option<bool> {
    Some(match oparg {
        0 => x < y,
        1 => x <= y,
        2 => x == y,
        3 => x != y,
        4 => x > y,
        5 => x >= y,
        _ => return None,
    })
}

/// The position of index `i` in a sequence of `len` items (negative
/// indices from the end), if in range.
#[inline(always)]
fn seq_index(len: usize, i: i64) -> Option<usize> {
    let j = if i < 0 { i.checked_add(len as i64)? } else { i };
    usize::try_from(j).ok().filter(|&j| j < len)
}
