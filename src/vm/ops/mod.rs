//! The instructions, by family. Each `op_*` is what one opcode does; the
//! eval loop in `interp.rs` only dispatches to them.

use super::value::Value;
use super::{PyResult, Vm};

mod binary;
mod build;
mod cache;
mod call;
mod exc;
mod gen;
mod import;
mod jump;
mod load;
mod matching;

pub use cache::Ic;

/// A copy of `code` with a slot number of the inline caches (cache.rs)
/// written into the first CACHE unit of each LOAD_GLOBAL, LOAD_ATTR,
/// LOAD_METHOD and STORE_ATTR; and the number of slots.
pub fn assign_ic_slots(code: &[u8]) -> (Box<[u8]>, usize) {
    use crate::pyc::opcode::Op;
    let mut out: Box<[u8]> = code.into();
    let mut n: usize = 0;
    let mut pc = 0;
    while let Some(&opb) = code.get(pc * 2) {
        let Some(op) = Op::decode(opb) else {
            pc += 1;
            continue;
        };
        if matches!(
            op,
            Op::LoadGlobal | Op::LoadAttr | Op::LoadMethod | Op::StoreAttr
        ) {
            let slot = u16::try_from(n).unwrap_or(cache::NO_SLOT);
            if let Some(unit) = out.get_mut(pc * 2 + 2..pc * 2 + 4) {
                unit.copy_from_slice(&slot.to_le_bytes());
                n += 1;
            }
        }
        pc += 1 + op.cache_units();
    }
    (out, n.min(cache::NO_SLOT as usize))
}

/// What the loop does after an instruction.
pub enum Flow {
    /// Go on with the next instruction.
    Next,
    /// Jump to a code unit.
    Jump(usize),
    /// The frame stack changed (a call or a return): re-read the top frame.
    Reload,
    /// The entry frame returned (`Return`) or yielded (`Yield`) the value
    /// left in `vm.exit_value` (so that `PyResult<Flow>` fits in registers).
    Return,
    Yield,
}

impl Vm {
    /// Push onto the value stack. Written out rather than `Vec::push` so
    /// the value goes from registers straight to its slot (a spilled copy
    /// read back as one wide load stalls store forwarding on every push).
    #[inline(always)]
    pub(crate) fn push(&mut self, v: Value) {
        let len = self.stack.len();
        if len == self.stack.capacity() {
            self.grow_stack();
        }
        // SAFETY: `len < capacity` (ensured just above), so slot `len` is
        // allocated, uninitialised memory of the Vec; writing it and then
        // setting the length to `len + 1` makes it the new last element.
        unsafe {
            self.stack.as_mut_ptr().add(len).write(v);
            self.stack.set_len(len + 1);
        }
    }

    #[cold]
    #[inline(never)]
    fn grow_stack(&mut self) {
        self.stack.reserve(1);
    }

    /// Pop the top of the value stack (`Null` on an empty stack, which only
    /// bad bytecode causes; the verifier rules it out).
    #[inline(always)]
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

    #[inline(always)]
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
