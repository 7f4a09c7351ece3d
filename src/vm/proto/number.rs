//! Binary and unary operators: fast paths for ints and floats, then
//! CPython's `binary_op1` dispatch with reflected operands.

use crate::objects::rc::Rc;

use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// BINARY_OP's operators, in `dis._nb_ops` order (inplace forms + 13).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BinOp {
    Add,
    And,
    FloorDiv,
    LShift,
    MatMul,
    Mul,
    Mod,
    Or,
    Pow,
    RShift,
    Sub,
    TrueDiv,
    Xor,
}

const ALL: [BinOp; 13] = [
    BinOp::Add,
    BinOp::And,
    BinOp::FloorDiv,
    BinOp::LShift,
    BinOp::MatMul,
    BinOp::Mul,
    BinOp::Mod,
    BinOp::Or,
    BinOp::Pow,
    BinOp::RShift,
    BinOp::Sub,
    BinOp::TrueDiv,
    BinOp::Xor,
];

impl BinOp {
    /// (operator, inplace) from BINARY_OP's argument.
    pub fn from_arg(a: u32) -> (BinOp, bool) {
        let i = a as usize;
        (ALL[i % 13], i >= 13)
    }
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::And => "&",
            BinOp::FloorDiv => "//",
            BinOp::LShift => "<<",
            BinOp::MatMul => "@",
            BinOp::Mul => "*",
            BinOp::Mod => "%",
            BinOp::Or => "|",
            BinOp::Pow => "** or pow()",
            BinOp::RShift => ">>",
            BinOp::Sub => "-",
            BinOp::TrueDiv => "/",
            BinOp::Xor => "^",
        }
    }
    pub fn dunder(self) -> &'static str {
        match self {
            BinOp::Add => "__add__",
            BinOp::And => "__and__",
            BinOp::FloorDiv => "__floordiv__",
            BinOp::LShift => "__lshift__",
            BinOp::MatMul => "__matmul__",
            BinOp::Mul => "__mul__",
            BinOp::Mod => "__mod__",
            BinOp::Or => "__or__",
            BinOp::Pow => "__pow__",
            BinOp::RShift => "__rshift__",
            BinOp::Sub => "__sub__",
            BinOp::TrueDiv => "__truediv__",
            BinOp::Xor => "__xor__",
        }
    }
    pub fn rdunder(self) -> &'static str {
        match self {
            BinOp::Add => "__radd__",
            BinOp::And => "__rand__",
            BinOp::FloorDiv => "__rfloordiv__",
            BinOp::LShift => "__rlshift__",
            BinOp::MatMul => "__rmatmul__",
            BinOp::Mul => "__rmul__",
            BinOp::Mod => "__rmod__",
            BinOp::Or => "__ror__",
            BinOp::Pow => "__rpow__",
            BinOp::RShift => "__rrshift__",
            BinOp::Sub => "__rsub__",
            BinOp::TrueDiv => "__rtruediv__",
            BinOp::Xor => "__rxor__",
        }
    }
    pub fn idunder(self) -> &'static str {
        match self {
            BinOp::Add => "__iadd__",
            BinOp::And => "__iand__",
            BinOp::FloorDiv => "__ifloordiv__",
            BinOp::LShift => "__ilshift__",
            BinOp::MatMul => "__imatmul__",
            BinOp::Mul => "__imul__",
            BinOp::Mod => "__imod__",
            BinOp::Or => "__ior__",
            BinOp::Pow => "__ipow__",
            BinOp::RShift => "__irshift__",
            BinOp::Sub => "__isub__",
            BinOp::TrueDiv => "__itruediv__",
            BinOp::Xor => "__ixor__",
        }
    }
}

impl Vm {
    /// `a <op> b` (or `a <op>= b` when `inplace`).
    pub fn binary_op(&mut self, a: &Value, b: &Value, op: BinOp, inplace: bool) -> PyResult<Value> {
        if let Some(r) = crate::objects::int::fast_binop(self, a, b, op) {
            return r;
        }
        if let Some(r) = crate::objects::float::fast_binop(self, a, b, op) {
            return r;
        }
        if let Some(r) = crate::modules::decimal::binary_hook(self, a, b, op) {
            return r;
        }
        if op == BinOp::Mod {
            if let Some(r) = crate::objects::str_format::exact_str_mod(self, a, b) {
                return r;
            }
        }
        if !inplace {
            if let Some(r) = crate::objects::setmethods::exact_binop(self, a, b, op) {
                return r;
            }
        }
        // With only builtin types involved the dunders below behave as
        // CPython's slots; a class of the user's meets the sequence
        // slots in CPython's order.
        if matches!(op, BinOp::Add | BinOp::Mul)
            && (is_seq_payload(a) || is_seq_payload(b))
            && (is_heap_instance(a) || is_heap_instance(b))
        {
            if let Some(r) = self.binary_op_seq(a, b, op, inplace)? {
                return Ok(r);
            }
        } else {
            if inplace {
                if let Some(r) = self.call_special(a, op.idunder(), &[b.clone()])? {
                    if !self.is_not_implemented(&r) {
                        return Ok(r);
                    }
                }
            }
            if let Some(r) = self.binary_op1(a, b, op)? {
                return Ok(r);
            }
        }
        let sym = if inplace {
            match op {
                BinOp::Pow => "**=".to_string(),
                _ => format!("{}=", op.symbol()),
            }
        } else {
            op.symbol().to_string()
        };
        if let Some(msg) = self.sequence_op_error(a, b, op) {
            return Err(self.type_error(msg));
        }
        Err(self.type_error(format!(
            "unsupported operand type(s) for {sym}: '{}' and '{}'",
            self.type_name_of(a),
            self.type_name_of(b)
        )))
    }

    /// The error of `+` or `*` when the left or right operand is a builtin
    /// sequence (CPython's `sq_concat` / `sequence_repeat` fallbacks).
    fn sequence_op_error(&self, a: &Value, b: &Value, op: BinOp) -> Option<String> {
        let seq_kind = |v: &Value| match v {
            Value::Obj(o) => match &o.payload {
                Payload::Str(_) => Some("str"),
                Payload::List(_) => Some("list"),
                Payload::Tuple(_) => Some("tuple"),
                Payload::Bytes(_) => Some("bytes"),
                Payload::ByteArray(_) => Some("bytearray"),
                _ => None,
            },
            _ => None,
        };
        match op {
            BinOp::Mul => {
                let other = if seq_kind(a).is_some() {
                    b
                } else if seq_kind(b).is_some() {
                    a
                } else {
                    return None;
                };
                Some(format!(
                    "can't multiply sequence by non-int of type '{}'",
                    self.type_name_of(other)
                ))
            }
            BinOp::Add => match seq_kind(a)? {
                "bytes" | "bytearray" => Some(format!(
                    "can't concat {} to {}",
                    self.type_name_of(b),
                    self.type_name_of(a)
                )),
                kind => Some(format!(
                    "can only concatenate {kind} (not \"{}\") to {kind}",
                    self.type_name_of(b)
                )),
            },
            _ => None,
        }
    }

    /// `divmod(a, b)` (`PyNumber_Divmod`).
    pub fn divmod(&mut self, a: &Value, b: &Value) -> PyResult<Value> {
        use crate::objects::int::as_int;
        if let (Some(x), Some(y)) = (as_int(a), as_int(b)) {
            if let (Value::Int(_) | Value::Bool(_), Value::Int(_) | Value::Bool(_)) = (a, b) {
                let (q, r) = x.divmod(&y).map_err(|e| self.num_err(e))?;
                let (q, r) = (self.new_int(q), self.new_int(r));
                return Ok(self.new_tuple_of([q, r]));
            }
        }
        if let Some(r) = self.binary_op1_named(a, b, "__divmod__", "__rdivmod__")? {
            return Ok(r);
        }
        Err(self.type_error(format!(
            "unsupported operand type(s) for divmod(): '{}' and '{}'",
            self.type_name_of(a),
            self.type_name_of(b)
        )))
    }

    /// CPython's `binary_op1`: `a.__op__(b)`, `b.__rop__(a)` (subclass first).
    fn binary_op1(&mut self, a: &Value, b: &Value, op: BinOp) -> PyResult<Option<Value>> {
        self.binary_op1_named(a, b, op.dunder(), op.rdunder())
    }

    /// Whether `descr` is a builtin sequence's `name` method: CPython's
    /// `sq_concat`/`sq_repeat`/`sq_inplace_*` slots of str, bytes,
    /// bytearray, tuple and list, which are not number slots.
    fn is_seq_slot(&mut self, descr: &Value, name: &'static str) -> bool {
        let types = [
            self.types.str.clone(),
            self.types.list.clone(),
            self.types.tuple.clone(),
            self.types.bytes.clone(),
            self.types.bytearray.clone(),
        ];
        types.iter().any(|t| {
            self.type_lookup_static(t, name)
                .is_some_and(|d| d.is(descr))
        })
    }

    /// `a + b`, `a * b` (or in place) when an operand is a builtin
    /// sequence (`PyNumber_Add`/`PyNumber_Multiply`/`PyNumber_InPlace*`):
    /// both operands' number methods first, the sequence slots only after
    /// they decline. None when every method declined.
    fn binary_op_seq(
        &mut self,
        a: &Value,
        b: &Value,
        op: BinOp,
        inplace: bool,
    ) -> PyResult<Option<Value>> {
        let ta = self.type_of(a);
        let mut seq_inplace = None;
        if inplace {
            let iname = op.idunder();
            if let Some(d) = self.type_lookup_static(&ta, iname) {
                if self.is_seq_slot(&d, iname) {
                    seq_inplace = Some(d);
                } else {
                    if let Some(r) = self.call_unless_ni(d, a, &ta, b)? {
                        return Ok(Some(r));
                    }
                }
            }
        }
        let (name, rname) = (op.dunder(), op.rdunder());
        let tb = self.type_of(b);
        let same = Rc::ptr_eq(&ta, &tb);
        let slotv = self
            .type_lookup_static(&ta, name)
            .filter(|d| !self.is_seq_slot(d, name));
        let slotw = if same {
            None
        } else {
            self.type_lookup_static(&tb, rname)
                .filter(|d| !self.is_seq_slot(d, rname))
        };
        if let Some(r) = self.binary_slots(a, b, &ta, &tb, slotv, slotw, rname)? {
            return Ok(Some(r));
        }
        // The sequence slots: in place on `a`, else `a`'s concat or
        // repeat, else (for `*`) `b`'s repeat.
        if let Some(d) = seq_inplace {
            if let Some(r) = self.call_unless_ni(d, a, &ta, b)? {
                return Ok(Some(r));
            }
        }
        if let Some(d) = self.type_lookup_static(&ta, name) {
            if self.is_seq_slot(&d, name) {
                if let Some(r) = self.call_unless_ni(d, a, &ta, b)? {
                    return Ok(Some(r));
                }
            }
        }
        if op == BinOp::Mul {
            if let Some(d) = self.type_lookup_static(&tb, rname) {
                if self.is_seq_slot(&d, rname) {
                    if let Some(r) = self.call_unless_ni(d, b, &tb, a)? {
                        return Ok(Some(r));
                    }
                }
            }
        }
        Ok(None)
    }

    /// `binary_op1` for the dunder pair `name` / `rname`.
    pub fn binary_op1_named(
        &mut self,
        a: &Value,
        b: &Value,
        name: &'static str,
        rname: &'static str,
    ) -> PyResult<Option<Value>> {
        let ta = self.type_of(a);
        let tb = self.type_of(b);
        let same = Rc::ptr_eq(&ta, &tb);
        let slotv = self.type_lookup_static(&ta, name);
        let slotw = if same {
            None
        } else {
            self.type_lookup_static(&tb, rname)
        };
        self.binary_slots(a, b, &ta, &tb, slotv, slotw, rname)
    }

    /// `binary_op1`'s order over the slot functions found for `a`'s type
    /// (`slotv`) and `b`'s (`slotw`, its `rname`): `b`'s first when its type
    /// is a subtype of `a`'s overriding the reflected method (CPython's
    /// `method_is_overloaded`: `b`'s `rname` is not `a`'s own `rname`), then
    /// `a`'s, then `b`'s; the first result that is not NotImplemented.
    #[allow(clippy::too_many_arguments)]
    fn binary_slots(
        &mut self,
        a: &Value,
        b: &Value,
        ta: &PyRef,
        tb: &PyRef,
        slotv: Option<Value>,
        slotw: Option<Value>,
        rname: &'static str,
    ) -> PyResult<Option<Value>> {
        let mut w_done = false;
        if let Some(w) = &slotw {
            let overrides = self
                .type_lookup_static(ta, rname)
                .is_none_or(|own| !own.is(w));
            if overrides && crate::objects::typeobj::is_subtype(tb, ta) {
                w_done = true;
                if let Some(r) = self.call_unless_ni(w.clone(), b, tb, a)? {
                    return Ok(Some(r));
                }
            }
        }
        if let Some(v) = slotv {
            if let Some(r) = self.call_unless_ni(v, a, ta, b)? {
                return Ok(Some(r));
            }
        }
        match (slotw, w_done) {
            (Some(w), false) => self.call_unless_ni(w, b, tb, a),
            _ => Ok(None),
        }
    }

    /// `descr(obj, arg)` unless it answers NotImplemented.
    fn call_unless_ni(
        &mut self,
        descr: Value,
        obj: &Value,
        ty: &PyRef,
        arg: &Value,
    ) -> PyResult<Option<Value>> {
        let r = self.call_descr(descr, obj, ty, &[arg.clone()])?;
        Ok((!self.is_not_implemented(&r)).then_some(r))
    }

    /// Unary `-`, `+`, `~`.
    pub fn unary_op(&mut self, v: &Value, dunder: &'static str, symbol: &str) -> PyResult<Value> {
        match (v, dunder) {
            (Value::Int(i), "__neg__") => {
                if let Some(r) = i.checked_neg() {
                    return Ok(Value::Int(r));
                }
            }
            (Value::Int(i), "__pos__") => return Ok(Value::Int(*i)),
            (Value::Int(i), "__invert__") => return Ok(Value::Int(!i)),
            (Value::Bool(b), "__neg__") => return Ok(Value::Int(-(*b as i64))),
            (Value::Bool(b), "__pos__") => return Ok(Value::Int(*b as i64)),
            (Value::Bool(b), "__invert__") => return Ok(Value::Int(!(*b as i64))),
            (Value::Float(f), "__neg__") => return Ok(Value::float(-f.get())),
            (Value::Float(f), "__pos__") => return Ok(Value::Float(*f)),
            _ => {}
        }
        match self.call_special(v, dunder, &[])? {
            Some(r) => Ok(r),
            None => Err(self.type_error(format!(
                "bad operand type for unary {symbol}: '{}'",
                self.type_name_of(v)
            ))),
        }
    }

    /// The payload of a str object.
    pub fn as_str_obj<'a>(&self, v: &'a Value) -> Option<&'a crate::objects::StrObj> {
        match v {
            Value::Obj(o) => match &o.payload {
                Payload::Str(s) => Some(s),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Whether `v` is a str, bytes, bytearray, tuple or list (or a subclass).
fn is_seq_payload(v: &Value) -> bool {
    matches!(
        v,
        Value::Obj(o) if matches!(
            o.payload,
            Payload::Str(_) | Payload::List(_) | Payload::Tuple(_) | Payload::Bytes(_)
                | Payload::ByteArray(_)
        )
    )
}

/// Whether `v`'s class is a heap type (a class statement's, not a builtin).
fn is_heap_instance(v: &Value) -> bool {
    matches!(v, Value::Obj(o) if !o.class_is_static())
}
