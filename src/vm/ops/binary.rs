//! Operators: unary, binary, subscripts, comparisons, identity, membership.

use crate::pyc::opcode::Op;

use super::Flow;
use crate::vm::proto::{BinOp, CmpOp};
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

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
        let b = self.truthy(&v)?;
        self.op_push(Value::Bool(!b))
    }

    pub(crate) fn op_binary(&mut self, oparg: u32) -> PyResult<Flow> {
        let b = self.pop();
        let a = self.pop();
        if let (Value::Int(x), Value::Int(y)) = (&a, &b) {
            let r = match oparg {
                0 | 13 => x.checked_add(*y),
                10 | 23 => x.checked_sub(*y),
                5 | 18 => x.checked_mul(*y),
                _ => None,
            };
            if let Some(r) = r {
                return self.op_push(Value::Int(r));
            }
        }
        let (op, inplace) = BinOp::from_arg(oparg);
        let r = self.binary_op(&a, &b, op, inplace)?;
        self.op_push(r)
    }

    pub(crate) fn op_binary_subscr(&mut self) -> PyResult<Flow> {
        let key = self.pop();
        let obj = self.pop();
        let r = self.getitem(&obj, &key)?;
        self.op_push(r)
    }

    pub(crate) fn op_store_subscr(&mut self) -> PyResult<Flow> {
        let key = self.pop();
        let obj = self.pop();
        let v = self.pop();
        self.setitem(&obj, key, v)?;
        Ok(Flow::Next)
    }

    pub(crate) fn op_delete_subscr(&mut self) -> PyResult<Flow> {
        let key = self.pop();
        let obj = self.pop();
        self.delitem(&obj, key)?;
        Ok(Flow::Next)
    }

    pub(crate) fn op_compare(&mut self, oparg: u32) -> PyResult<Flow> {
        let b = self.pop();
        let a = self.pop();
        let r = self.richcompare(&a, &b, CmpOp::from_arg(oparg))?;
        self.op_push(r)
    }

    pub(crate) fn op_is(&mut self, oparg: u32) -> PyResult<Flow> {
        let b = self.pop();
        let a = self.pop();
        self.op_push(Value::Bool(a.is(&b) != (oparg == 1)))
    }

    pub(crate) fn op_contains(&mut self, oparg: u32) -> PyResult<Flow> {
        let container = self.pop();
        let item = self.pop();
        let r = self.contains(&container, &item)?;
        self.op_push(Value::Bool(r != (oparg == 1)))
    }
}
