//! Binary and unary operators: fast paths for ints and floats, then
//! CPython's `binary_op1` dispatch with reflected operands.

use std::rc::Rc;

use crate::objects::Payload;
use crate::vm::value::Value;
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
    fn name(self) -> &'static str {
        match self {
            BinOp::Add => "add",
            BinOp::And => "and",
            BinOp::FloorDiv => "floordiv",
            BinOp::LShift => "lshift",
            BinOp::MatMul => "matmul",
            BinOp::Mul => "mul",
            BinOp::Mod => "mod",
            BinOp::Or => "or",
            BinOp::Pow => "pow",
            BinOp::RShift => "rshift",
            BinOp::Sub => "sub",
            BinOp::TrueDiv => "truediv",
            BinOp::Xor => "xor",
        }
    }
    pub fn dunder(self) -> String {
        format!("__{}__", self.name())
    }
    pub fn rdunder(self) -> String {
        format!("__r{}__", self.name())
    }
    pub fn idunder(self) -> String {
        format!("__i{}__", self.name())
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
        if inplace {
            if let Some(r) = self.call_special(a, &op.idunder(), &[b.clone()])? {
                if !self.is_not_implemented(&r) {
                    return Ok(r);
                }
            }
        }
        if let Some(r) = self.binary_op1(a, b, op)? {
            return Ok(r);
        }
        let sym = if inplace {
            match op {
                BinOp::Pow => "**=".to_string(),
                _ => format!("{}=", op.symbol()),
            }
        } else {
            op.symbol().to_string()
        };
        if op == BinOp::Mod || op == BinOp::Add {
            if let (Some(_), true) = (self.as_str_obj(a), true) {
                if op == BinOp::Add {
                    return Err(self.type_error(format!(
                        "can only concatenate str (not \"{}\") to str",
                        self.type_name_of(b)
                    )));
                }
            }
        }
        Err(self.type_error(format!(
            "unsupported operand type(s) for {sym}: '{}' and '{}'",
            self.type_name_of(a),
            self.type_name_of(b)
        )))
    }

    /// CPython's `binary_op1`: `a.__op__(b)`, `b.__rop__(a)` (subclass first).
    fn binary_op1(&mut self, a: &Value, b: &Value, op: BinOp) -> PyResult<Option<Value>> {
        let ta = self.type_of(a);
        let tb = self.type_of(b);
        let same = Rc::ptr_eq(&ta, &tb);
        let slotv = self.type_lookup_str(&ta, &op.dunder());
        let slotw = if same {
            None
        } else {
            self.type_lookup_str(&tb, &op.rdunder())
        };
        let mut w_done = false;
        if let Some(w) = &slotw {
            let overrides = match &slotv {
                Some(v) => !v.is(w),
                None => true,
            };
            if overrides && crate::objects::typeobj::is_subtype(&tb, &ta) {
                w_done = true;
                let f = self.descr_get(w.clone(), Some(b), &tb)?;
                let r = self.call(&f, &[a.clone()])?;
                if !self.is_not_implemented(&r) {
                    return Ok(Some(r));
                }
            }
        }
        if let Some(v) = slotv {
            let f = self.descr_get(v, Some(a), &ta)?;
            let r = self.call(&f, &[b.clone()])?;
            if !self.is_not_implemented(&r) {
                return Ok(Some(r));
            }
        }
        if let (Some(w), false) = (slotw, w_done) {
            let f = self.descr_get(w, Some(b), &tb)?;
            let r = self.call(&f, &[a.clone()])?;
            if !self.is_not_implemented(&r) {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }

    /// Unary `-`, `+`, `~`.
    pub fn unary_op(&mut self, v: &Value, dunder: &str, symbol: &str) -> PyResult<Value> {
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
            (Value::Float(f), "__neg__") => return Ok(Value::Float(-f)),
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
