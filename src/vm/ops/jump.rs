//! Conditional jumps and the `for` loop.

use super::Flow;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

impl Vm {
    #[inline(always)]
    pub(crate) fn op_pop_jump_if(&mut self, when: bool, target: usize) -> PyResult<Flow> {
        let v = self.pop();
        let b = match v {
            Value::Bool(b) => b,
            _ => self.truthy(&v)?,
        };
        Ok(if b == when {
            Flow::Jump(target)
        } else {
            Flow::Next
        })
    }

    pub(crate) fn op_pop_jump_if_none(&mut self, when_none: bool, target: usize) -> PyResult<Flow> {
        let v = self.pop();
        Ok(if v.is_none() == when_none {
            Flow::Jump(target)
        } else {
            Flow::Next
        })
    }

    pub(crate) fn op_jump_or_pop(&mut self, when: bool, target: usize) -> PyResult<Flow> {
        let v = self.peek(0).clone();
        let b = self.truthy(&v)?;
        if b == when {
            Ok(Flow::Jump(target))
        } else {
            self.pop();
            Ok(Flow::Next)
        }
    }

    pub(crate) fn op_get_iter(&mut self) -> PyResult<Flow> {
        let v = self.pop();
        let it = self.iter(&v)?;
        self.op_push(it)
    }

    pub(crate) fn op_for_iter(&mut self, next: usize, oparg: u32) -> PyResult<Flow> {
        let it = self.peek(0).clone();
        match self.next(&it)? {
            Some(v) => self.op_push(v),
            None => {
                if self.tracing {
                    self.trace_iter_stop(&it, None);
                }
                self.pop();
                Ok(Flow::Jump(next + oparg as usize))
            }
        }
    }
}
