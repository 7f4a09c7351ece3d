//! The instructions, by family. Each `op_*` is what one opcode does; the
//! eval loop in `interp.rs` only dispatches to them.

use super::interp::Exit;
use super::value::Value;
use super::{PyResult, Vm};

mod binary;
mod build;
mod call;
mod exc;
mod gen;
mod import;
mod jump;
mod load;
mod matching;

/// What the loop does after an instruction.
pub enum Flow {
    /// Go on with the next instruction.
    Next,
    /// Jump to a code unit.
    Jump(usize),
    /// The frame stack changed (a call or a return): re-read the top frame.
    Reload,
    /// The entry frame returned or yielded.
    Exit(Exit),
}

impl Vm {
    #[inline]
    pub(crate) fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    /// Pop the top of the value stack (`Null` on an empty stack, which only
    /// bad bytecode causes; the verifier rules it out).
    #[inline]
    pub(crate) fn pop(&mut self) -> Value {
        self.stack.pop().unwrap_or(Value::Null)
    }

    /// The value `n` below the top (0 = top).
    #[inline]
    pub(crate) fn peek(&self, n: usize) -> Value {
        self.stack
            .len()
            .checked_sub(n + 1)
            .and_then(|i| self.stack.get(i))
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// Pop the top `n` values, in stack order.
    pub(crate) fn pop_n(&mut self, n: usize) -> Vec<Value> {
        let at = self.stack.len().saturating_sub(n);
        self.stack.split_off(at)
    }

    pub(crate) fn op_push(&mut self, v: Value) -> PyResult<Flow> {
        self.push(v);
        Ok(Flow::Next)
    }

    pub(crate) fn op_pop_top(&mut self) -> PyResult<Flow> {
        self.pop();
        Ok(Flow::Next)
    }

    pub(crate) fn op_swap(&mut self, oparg: u32) -> PyResult<Flow> {
        let len = self.stack.len();
        if let Some(i) = len.checked_sub(oparg as usize) {
            if i < len {
                self.stack.swap(i, len - 1);
            }
        }
        Ok(Flow::Next)
    }

    pub(crate) fn op_copy(&mut self, oparg: u32) -> PyResult<Flow> {
        let v = self.peek((oparg as usize).saturating_sub(1)).clone();
        self.push(v);
        Ok(Flow::Next)
    }
}
