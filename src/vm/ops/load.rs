//! Loads and stores: constants, fast locals, names, globals, cells,
//! attributes and methods.

use crate::objects::exception::ExcKind;
use crate::objects::Payload;

use super::Flow;
use crate::vm::code::Code;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

fn name_at(code: &Code, i: u32) -> PyRef {
    code.names
        .get(i as usize)
        .cloned()
        .unwrap_or_else(|| code.name.clone())
}

fn local_name(code: &Code, i: u32) -> String {
    code.localsplusnames
        .get(i as usize)
        .map(|n| crate::vm::proto::str_of(n).to_string())
        .unwrap_or_default()
}

impl Vm {
    /// Index in the stack of local slot `i` of the current frame.
    #[inline]
    pub(crate) fn local_index(&self, i: u32) -> usize {
        self.frames.last().map_or(0, |f| f.base) + i as usize
    }

    #[inline(always)]
    pub(crate) fn op_load_const(&mut self, code: &Code, oparg: u32) -> PyResult<Flow> {
        match code.consts.get(oparg as usize) {
            Some(v) => self.push(v.clone()),
            None => self.push(Value::None),
        }
        Ok(Flow::Next)
    }

    #[inline(always)]
    pub(crate) fn op_load_fast(&mut self, base: usize, code: &Code, oparg: u32) -> PyResult<Flow> {
        match self.stack.get(base + oparg as usize) {
            Some(v) if !v.is_null() => {
                let v = v.clone();
                self.push(v);
                Ok(Flow::Next)
            }
            _ => Err(self.unbound_local(code, oparg)),
        }
    }

    #[cold]
    fn unbound_local(&self, code: &Code, oparg: u32) -> crate::vm::PyErr {
        self.new_error(
            ExcKind::UnboundLocalError,
            format!(
                "cannot access local variable '{}' where it is not associated with a value",
                local_name(code, oparg)
            ),
        )
    }

    pub(crate) fn op_delete_fast(&mut self, code: &Code, oparg: u32) -> PyResult<Flow> {
        let i = self.local_index(oparg);
        let old = self
            .stack
            .get_mut(i)
            .map(std::mem::take)
            .unwrap_or(Value::Null);
        if old.is_null() {
            return Err(self.new_error(
                ExcKind::UnboundLocalError,
                format!(
                    "cannot access local variable '{}' where it is not associated with a value",
                    local_name(code, oparg)
                ),
            ));
        }
        Ok(Flow::Next)
    }

    fn frame_locals(&self) -> PyResult<Value> {
        match self.frames.last().and_then(|f| f.locals.clone()) {
            Some(l) => Ok(l),
            None => Err(self.system_error("no locals found")),
        }
    }

    fn frame_globals(&self) -> PyRef {
        match self.frames.last() {
            Some(f) => f.globals.clone(),
            None => self.new_dict(),
        }
    }

    fn frame_builtins(&self) -> PyRef {
        match self.frames.last() {
            Some(f) => f.builtins.clone(),
            None => self.new_dict(),
        }
    }

    pub(crate) fn op_store_name(&mut self, code: &Code, oparg: u32, slot: u16) -> PyResult<Flow> {
        let v = self.pop();
        let name = name_at(code, oparg);
        let locals = self.frame_locals()?;
        self.setitem(&locals, Value::Obj(name), v)?;
        self.name_hint_fill(code, slot, oparg);
        Ok(Flow::Next)
    }

    pub(crate) fn op_delete_name(&mut self, code: &Code, oparg: u32) -> PyResult<Flow> {
        let name = name_at(code, oparg);
        let locals = self.frame_locals()?;
        if let Err(e) = self.delitem(&locals, Value::Obj(name.clone())) {
            if self.err_is(&e, ExcKind::KeyError) {
                return Err(self.name_not_defined(&name));
            }
            return Err(e);
        }
        Ok(Flow::Next)
    }

    pub(crate) fn name_not_defined(&self, name: &PyRef) -> crate::vm::PyErr {
        let e = self.name_error(format!(
            "name '{}' is not defined",
            crate::vm::proto::str_of(name)
        ));
        crate::objects::exception::set_name_obj(&e.0, Value::Obj(name.clone()), None);
        e
    }

    pub(crate) fn op_load_name(&mut self, code: &Code, oparg: u32, slot: u16) -> PyResult<Flow> {
        let name = name_at(code, oparg);
        let locals = self.frame_locals()?;
        // As CPython: an exact dict is read directly, anything else
        // (a dict subclass too) through `__getitem__`.
        let found = match &locals {
            Value::Obj(d) if d.class_is(&self.types.dict) => {
                let v = self.dict_get_str(d, &name)?;
                if v.is_some() {
                    self.name_hint_fill(code, slot, oparg);
                }
                v
            }
            _ => match self.getitem(&locals, &Value::Obj(name.clone())) {
                Ok(v) => Some(v),
                Err(e) if self.err_is(&e, ExcKind::KeyError) => None,
                Err(e) => return Err(e),
            },
        };
        let v = match found {
            Some(v) => v,
            None => self.load_global_name(&name)?,
        };
        self.op_push(v)
    }

    pub(crate) fn load_global_name(&mut self, name: &PyRef) -> PyResult<Value> {
        let globals = self.frame_globals();
        if let Some(v) = self.dict_get_str(&globals, name)? {
            return Ok(v);
        }
        let builtins = self.frame_builtins();
        if let Some(v) = self.dict_get_str(&builtins, name)? {
            return Ok(v);
        }
        Err(self.name_not_defined(name))
    }

    pub(crate) fn op_load_global(&mut self, code: &Code, pc: usize, oparg: u32) -> PyResult<Flow> {
        let name = name_at(code, oparg >> 1);
        let v = self.load_global_cached(code, code.ic_slot(pc), &name)?;
        if oparg & 1 != 0 {
            self.push(Value::Null);
        }
        self.op_push(v)
    }

    pub(crate) fn op_store_global(&mut self, code: &Code, oparg: u32) -> PyResult<Flow> {
        let v = self.pop();
        let name = name_at(code, oparg);
        let globals = self.frame_globals();
        self.dict_set(&globals, Value::Obj(name), v)?;
        Ok(Flow::Next)
    }

    pub(crate) fn op_delete_global(&mut self, code: &Code, oparg: u32) -> PyResult<Flow> {
        let name = name_at(code, oparg);
        let globals = self.frame_globals();
        if self
            .dict_del(&globals, &Value::Obj(name.clone()))?
            .is_none()
        {
            return Err(self.name_not_defined(&name));
        }
        Ok(Flow::Next)
    }

    pub(crate) fn op_load_attr(&mut self, code: &Code, pc: usize, oparg: u32) -> PyResult<Flow> {
        let slot = code.ic_slot(pc);
        if let Some(v) = self
            .stack
            .last()
            .and_then(|obj| self.load_attr_fast(code, slot, obj, oparg))
        {
            self.set_top(v);
            return Ok(Flow::Next);
        }
        let obj = self.pop();
        let v = self.load_attr_cached(code, slot, &obj, &name_at(code, oparg), pc)?;
        if v.is_null() {
            // A property getter's frame runs over `obj` (pushed back).
            return Ok(Flow::Reload);
        }
        self.op_push(v)
    }

    pub(crate) fn op_store_attr(&mut self, code: &Code, pc: usize, oparg: u32) -> PyResult<Flow> {
        let owner = self.pop();
        let v = self.pop();
        self.store_attr_cached(code, code.ic_slot(pc), &owner, &name_at(code, oparg), v)?;
        Ok(Flow::Next)
    }

    pub(crate) fn op_delete_attr(&mut self, code: &Code, oparg: u32) -> PyResult<Flow> {
        let owner = self.pop();
        self.setattr(&owner, &name_at(code, oparg), None)?;
        Ok(Flow::Next)
    }

    /// LOAD_METHOD: `[meth, self]` when the attribute is a plain method
    /// found on the type, else `[NULL, attr]`.
    pub(crate) fn op_load_method(&mut self, code: &Code, pc: usize, oparg: u32) -> PyResult<Flow> {
        let obj = self.pop();
        let name = name_at(code, oparg);
        self.load_method_cached(code, code.ic_slot(pc), obj, &name)?;
        Ok(Flow::Next)
    }

    // ------------------------------------------------------------- cells

    fn cell_at(&self, oparg: u32) -> Option<PyRef> {
        match self.stack.get(self.local_index(oparg)) {
            Some(Value::Obj(c)) if matches!(c.payload, Payload::Cell(_)) => Some(c.clone()),
            _ => None,
        }
    }

    pub(crate) fn op_make_cell(&mut self, oparg: u32) -> PyResult<Flow> {
        let i = self.local_index(oparg);
        let old = self
            .stack
            .get_mut(i)
            .map(std::mem::take)
            .unwrap_or(Value::Null);
        let cell = self.new_cell(old);
        if let Some(slot) = self.stack.get_mut(i) {
            *slot = Value::Obj(cell);
        }
        Ok(Flow::Next)
    }

    pub fn new_cell(&self, v: Value) -> PyRef {
        self.new_obj(&self.types.cell, Payload::Cell(std::cell::RefCell::new(v)))
    }

    pub(crate) fn op_load_closure(&mut self, oparg: u32) -> PyResult<Flow> {
        let v = self
            .stack
            .get(self.local_index(oparg))
            .cloned()
            .unwrap_or(Value::Null);
        self.op_push(v)
    }

    fn unbound_deref(&self, code: &Code, oparg: u32) -> crate::vm::PyErr {
        let name = local_name(code, oparg);
        if code.is_free(oparg as usize) {
            self.name_error(format!(
                "cannot access free variable '{name}' where it is not associated with a value in enclosing scope"
            ))
        } else {
            self.new_error(
                ExcKind::UnboundLocalError,
                format!(
                    "cannot access local variable '{name}' where it is not associated with a value"
                ),
            )
        }
    }

    pub(crate) fn op_load_deref(&mut self, code: &Code, oparg: u32) -> PyResult<Flow> {
        let v = match self.cell_at(oparg) {
            Some(c) => match &c.payload {
                Payload::Cell(v) => v.borrow().clone(),
                _ => Value::Null,
            },
            None => Value::Null,
        };
        if v.is_null() {
            return Err(self.unbound_deref(code, oparg));
        }
        self.op_push(v)
    }

    pub(crate) fn op_store_deref(&mut self, oparg: u32) -> PyResult<Flow> {
        let v = self.pop();
        if let Some(c) = self.cell_at(oparg) {
            if let Payload::Cell(slot) = &c.payload {
                let old = slot.replace(v);
                drop(old);
            }
        }
        Ok(Flow::Next)
    }

    pub(crate) fn op_delete_deref(&mut self, code: &Code, oparg: u32) -> PyResult<Flow> {
        let old = match self.cell_at(oparg) {
            Some(c) => match &c.payload {
                Payload::Cell(slot) => slot.replace(Value::Null),
                _ => Value::Null,
            },
            None => Value::Null,
        };
        if old.is_null() {
            return Err(self.unbound_deref(code, oparg));
        }
        Ok(Flow::Next)
    }

    pub(crate) fn op_load_classderef(&mut self, code: &Code, oparg: u32) -> PyResult<Flow> {
        let name = code.localsplusnames.get(oparg as usize).cloned();
        if let (Some(name), Ok(Value::Obj(d))) = (name, self.frame_locals()) {
            if matches!(d.payload, Payload::Dict(_)) {
                if let Some(v) = self.dict_get_str(&d, &name)? {
                    return self.op_push(v);
                }
            }
        }
        self.op_load_deref(code, oparg)
    }

    /// COPY_FREE_VARS on the registers: the function's `n` closure cells
    /// go into the frame's last `n` locals, which hold nothing yet (the
    /// frame's first instruction). Nothing is dropped and no code runs.
    /// `false`: nothing changed (`op_copy_free_vars` does it).
    ///
    /// # Safety
    /// `r.fast` is the current frame's first local and `code` its code
    /// (the registers of the running frame).
    #[inline(always)]
    pub(crate) unsafe fn copy_free_vars_regs(
        &self,
        r: &crate::vm::regs::Regs,
        code: &Code,
        n: u32,
    ) -> bool {
        let Some(Payload::Function(func)) = self
            .frames
            .last()
            .and_then(|f| f.func.as_ref())
            .map(|f| &f.payload)
        else {
            return false;
        };
        let Value::Obj(t) = &func.closure else {
            return false;
        };
        let Payload::Tuple(cells) = &t.payload else {
            return false;
        };
        let n = n as usize;
        let nl = code.nlocalsplus();
        let (Some(start), Some(cells)) = (nl.checked_sub(n), cells.get(..n)) else {
            return false;
        };
        // SAFETY: locals `start..nl` are the frame's (below
        // `nlocalsplus`); each is read, and written only when it holds
        // `Null` (which owns nothing, so overwriting it drops nothing).
        unsafe {
            if (start..nl).any(|i| !(*r.fast.add(i)).is_null()) {
                return false;
            }
            for (j, c) in cells.iter().enumerate() {
                super::write_words(r.fast.add(start + j), c.clone());
            }
        }
        true
    }

    pub(crate) fn op_copy_free_vars(&mut self, oparg: u32) -> PyResult<Flow> {
        let Some(frame) = self.frames.last() else {
            return Ok(Flow::Next);
        };
        let closure = match frame.func.as_ref().map(|f| &f.payload) {
            Some(Payload::Function(func)) => func.closure.clone(),
            _ => Value::None,
        };
        let n = oparg as usize;
        let start = frame.base + frame.code.nlocalsplus() - n.min(frame.code.nlocalsplus());
        if let Value::Obj(t) = closure {
            if let Payload::Tuple(cells) = &t.payload {
                for (j, c) in cells.iter().take(n).enumerate() {
                    if let Some(slot) = self.stack.get_mut(start + j) {
                        *slot = c.clone();
                    }
                }
            }
        }
        Ok(Flow::Next)
    }
}
