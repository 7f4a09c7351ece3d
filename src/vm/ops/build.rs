//! Building containers and strings, unpacking, and f-string formatting.

use crate::objects::exception::ExcKind;
use crate::objects::Payload;

use super::Flow;
use crate::vm::regs::Regs;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

impl Vm {
    /// BUILD_TUPLE / BUILD_LIST `n` on the eval loop's registers: the
    /// items move from the stack into the new sequence without passing
    /// through `Vm::stack` (no sync, no reload).
    ///
    /// # Safety
    /// The frame's value stack holds at least `n` values (verified code).
    #[inline(always)]
    pub(crate) unsafe fn build_seq_regs(&self, r: &mut crate::vm::regs::Regs, n: u32, list: bool) {
        let v = match (list, n) {
            // SAFETY (both): the caller's contract (at least `n` values).
            (false, 1) => self.new_tuple_of([unsafe { r.pop() }]),
            (false, 2) => {
                let (b, a) = unsafe { (r.pop(), r.pop()) };
                self.new_tuple_of([a, b])
            }
            _ => {
                // SAFETY: the caller's contract.
                let items = unsafe { r.take_n(n as usize) };
                if list {
                    self.new_list(items)
                } else {
                    self.new_tuple(items)
                }
            }
        };
        // SAFETY: the slot of the first item taken is free.
        unsafe { r.push(v) };
    }

    pub(crate) fn op_build_set(&mut self, n: u32) -> PyResult<Flow> {
        let items = self.pop_n(n as usize);
        let s = self.new_set_from(items, false)?;
        self.op_push(s)
    }

    pub(crate) fn op_build_map(&mut self, n: u32) -> PyResult<Flow> {
        let items = self.pop_n(2 * n as usize);
        let d = self.new_dict();
        let mut it = items.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            self.dict_set(&d, k, v)?;
        }
        self.op_push(Value::Obj(d))
    }

    pub(crate) fn op_build_const_key_map(&mut self, n: u32) -> PyResult<Flow> {
        let keys = self.pop();
        let values = self.pop_n(n as usize);
        let keys = self.seq_items(&keys).unwrap_or_default();
        let d = self.new_dict();
        for (k, v) in keys.into_iter().zip(values) {
            self.dict_set(&d, k, v)?;
        }
        self.op_push(Value::Obj(d))
    }

    pub(crate) fn op_build_string(&mut self, n: u32) -> PyResult<Flow> {
        let start = self.stack.len().saturating_sub(n as usize);
        // The parts are joined where they are on the stack, into a result
        // sized first (short ASCII text is built in place, no buffer).
        let parts = || {
            self.stack
                .get(start..)
                .unwrap_or(&[])
                .iter()
                .filter_map(|p| self.as_str_obj(p))
        };
        let (total, surrogates) = parts().fold((0, false), |(n, sur), t| {
            (n + t.as_str().len(), sur || t.surrogate_cps().is_some())
        });
        let o = if surrogates {
            // A part holding lone surrogates (text decoded with
            // `surrogateescape`): joined by code points to keep them.
            let cps: Vec<u32> = parts().flat_map(|t| t.code_points()).collect();
            crate::objects::StrObj::from_code_points(&cps)
        } else if total <= crate::objects::str_text::INLINE_MAX {
            let mut buf = [0u8; crate::objects::str_text::INLINE_MAX];
            let mut len = 0;
            for b in parts().map(|t| t.as_str().as_bytes()) {
                if let Some(dst) = buf.get_mut(len..len + b.len()) {
                    dst.copy_from_slice(b);
                }
                len += b.len();
            }
            // The parts' UTF-8 joined at their boundaries is UTF-8.
            crate::objects::StrObj::new(
                std::str::from_utf8(buf.get(..len).unwrap_or(&[])).unwrap_or(""),
            )
        } else {
            let mut s = String::with_capacity(total);
            parts().for_each(|t| s.push_str(t.as_str()));
            crate::objects::StrObj::from_string(s)
        };
        self.stack.truncate(start);
        let v = Value::Obj(self.new_obj(&self.types.str, Payload::Str(o)));
        self.op_push(v)
    }

    pub(crate) fn op_build_slice(&mut self, n: u32) -> PyResult<Flow> {
        let step = if n == 3 { self.pop() } else { Value::None };
        let stop = self.pop();
        let start = self.pop();
        let s = self.new_obj(
            &self.types.slice,
            Payload::Slice(Box::new([start, stop, step])),
        );
        self.op_push(Value::Obj(s))
    }

    pub(crate) fn op_list_append(&mut self, i: u32) -> PyResult<Flow> {
        let v = self.pop();
        if let Value::Obj(l) = self.peek((i as usize).saturating_sub(1)) {
            if let Payload::List(items) = &l.payload {
                crate::objects::list::push_item(&mut items.borrow_mut(), v);
            }
        }
        Ok(Flow::Next)
    }

    pub(crate) fn op_set_add(&mut self, i: u32) -> PyResult<Flow> {
        let v = self.pop();
        if let Value::Obj(s) = self.peek((i as usize).saturating_sub(1)).clone() {
            self.set_add(&s, v)?;
        }
        Ok(Flow::Next)
    }

    pub(crate) fn op_map_add(&mut self, i: u32) -> PyResult<Flow> {
        let v = self.pop();
        let k = self.pop();
        if let Value::Obj(d) = self.peek((i as usize).saturating_sub(1)).clone() {
            self.dict_set(&d, k, v)?;
        }
        Ok(Flow::Next)
    }

    pub(crate) fn op_list_extend(&mut self, i: u32) -> PyResult<Flow> {
        let iterable = self.pop();
        let items = match self.collect_iter(&iterable) {
            Ok(items) => items,
            Err(e) if self.err_is(&e, ExcKind::TypeError) => {
                let ty = self.type_of(&iterable);
                if self.type_lookup_static(&ty, "__iter__").is_none()
                    && self.type_lookup_static(&ty, "__getitem__").is_none()
                {
                    return Err(self.type_error(format!(
                        "Value after * must be an iterable, not {}",
                        self.type_name(&ty)
                    )));
                }
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        if let Value::Obj(l) = self.peek((i as usize).saturating_sub(1)) {
            if let Payload::List(list) = &l.payload {
                list.borrow_mut().extend(items);
            }
        }
        Ok(Flow::Next)
    }

    pub(crate) fn op_set_update(&mut self, i: u32) -> PyResult<Flow> {
        let iterable = self.pop();
        if let Value::Obj(s) = self.peek((i as usize).saturating_sub(1)).clone() {
            self.set_update(&s, &iterable)?;
        }
        Ok(Flow::Next)
    }

    pub(crate) fn op_dict_update(&mut self, i: u32) -> PyResult<Flow> {
        let update = self.pop();
        let Value::Obj(d) = self.peek((i as usize).saturating_sub(1)).clone() else {
            return Ok(Flow::Next);
        };
        if self.getattr_opt(&update, "keys")?.is_none() {
            return Err(self.type_error(format!(
                "'{}' object is not a mapping",
                self.type_name_of(&update)
            )));
        }
        crate::objects::dict::dict_update_from(self, &d, &update)?;
        Ok(Flow::Next)
    }

    pub(crate) fn op_dict_merge(&mut self, i: u32) -> PyResult<Flow> {
        let update = self.pop();
        let i = i as usize;
        let Value::Obj(d) = self.peek(i.saturating_sub(1)).clone() else {
            return Ok(Flow::Next);
        };
        let func = self.peek(i + 1).clone();
        // A dict whose class keeps dict's `__iter__` merges entry by entry
        // (`_PyDict_MergeEx`'s dict path): no `keys()`/`__getitem__` calls,
        // hashes reused.
        if let Value::Obj(u) = &update {
            if self.merges_as_dict(u) {
                for (h, k, v) in self.dict_entries_hashed(u) {
                    if self.dict_find(&d, &k, h)?.is_some() {
                        return Err(self.multiple_values_error(&func, &k));
                    }
                    self.dict_set_hashed(&d, k, h, v)?;
                }
                return Ok(Flow::Next);
            }
        }
        if self.getattr_opt(&update, "keys")?.is_none() {
            let fname = self.func_description(&func)?;
            return Err(self.type_error(format!(
                "{fname} argument after ** must be a mapping, not {}",
                self.type_name_of(&update)
            )));
        }
        let keys = self.call_method(&update, "keys", &[])?;
        for k in self.collect_iter(&keys)? {
            if self.dict_get(&d, &k)?.is_some() {
                return Err(self.multiple_values_error(&func, &k));
            }
            let v = self.getitem(&update, &k)?;
            self.dict_set(&d, k, v)?;
        }
        Ok(Flow::Next)
    }

    /// A dict or a dict subclass that does not override `__iter__`
    /// (CPython tests `tp_iter == dict_iter`).
    fn merges_as_dict(&mut self, u: &crate::vm::value::PyRef) -> bool {
        if !matches!(u.payload, crate::objects::Payload::Dict(_)) {
            return false;
        }
        if u.class_is(&self.types.dict) {
            return true;
        }
        let ty = self.type_of(&Value::Obj(u.clone()));
        let dict_ty = self.types.dict.clone();
        let own = self.type_lookup_static(&ty, "__iter__");
        let base = self.type_lookup_static(&dict_ty, "__iter__");
        matches!((own, base), (Some(Value::Obj(a)), Some(Value::Obj(b))) if crate::objects::rc::Rc::ptr_eq(&a, &b))
    }

    /// `f() got multiple values for keyword argument 'k'` (DICT_MERGE).
    fn multiple_values_error(&mut self, func: &Value, k: &Value) -> crate::vm::PyErr {
        let fname = match self.func_description(func) {
            Ok(f) => f,
            Err(e) => return e,
        };
        match self.str(k) {
            Ok(ks) => self.type_error(format!(
                "{fname} got multiple values for keyword argument '{ks}'"
            )),
            Err(e) => e,
        }
    }

    /// `_PyObject_FunctionStr`: `module.qualname()` (no module for
    /// builtins), else `str(f)`.
    pub fn func_description(&mut self, f: &Value) -> PyResult<String> {
        let Some(q) = self.getattr_opt(f, "__qualname__")? else {
            return self.str(f);
        };
        let qualname = self.str(&q)?;
        if let Some(m) = self.getattr_opt(f, "__module__")? {
            if !m.is_none() {
                let module = self.str(&m)?;
                if module != "builtins" {
                    return Ok(format!("{module}.{qualname}()"));
                }
            }
        }
        Ok(format!("{qualname}()"))
    }

    pub(crate) fn op_list_to_tuple(&mut self) -> PyResult<Flow> {
        let l = self.pop();
        let items = self.seq_items(&l).unwrap_or_default();
        let t = self.new_tuple(items);
        self.op_push(t)
    }

    /// Items for unpacking, with CPython's error for non-iterables.
    fn unpack_items(&mut self, seq: &Value) -> PyResult<Vec<Value>> {
        self.collect_iter(seq)
            .map_err(|e| self.unpack_type_error(seq, e))
    }

    pub(crate) fn op_unpack_sequence(&mut self, n: u32) -> PyResult<Flow> {
        let seq = self.pop();
        let n = n as usize;
        // (An exact tuple or list of `n` items took `unpack_regs` in the
        // eval loop.) An exact bytes object: its ints, without an iterator.
        if let Value::Obj(o) = &seq {
            if !self.builtin_class(o) {
                // A subclass may iterate its own way.
            } else if let Payload::Bytes(b) = &o.payload {
                if b.len() != n {
                    return Err(self.unpack_count_error(n, b.len()));
                }
                self.stack
                    .extend(b.iter().rev().map(|&x| Value::Int(i64::from(x))));
                return Ok(Flow::Next);
            } else if let Some(items) = self.seq_items(&seq) {
                if items.len() != n {
                    return Err(self.unpack_count_error(n, items.len()));
                }
                self.stack.extend(items.into_iter().rev());
                return Ok(Flow::Next);
            }
        }
        // As CPython's `unpack_iterable`: `n` items, then one more must not
        // come (an endless iterator is not read beyond it).
        let it = self.unpack_iter(&seq)?;
        let mut items = Vec::with_capacity(n);
        while items.len() < n {
            match self.next(&it)? {
                Some(v) => items.push(v),
                None => return Err(self.unpack_count_error(n, items.len())),
            }
        }
        if self.next(&it)?.is_some() {
            return Err(self.unpack_count_error(n, n + 1));
        }
        self.stack.extend(items.into_iter().rev());
        Ok(Flow::Next)
    }

    /// `iter(seq)` for unpacking, with CPython's error for non-iterables.
    fn unpack_iter(&mut self, seq: &Value) -> PyResult<Value> {
        self.iter(seq).map_err(|e| self.unpack_type_error(seq, e))
    }

    /// The error of unpacking `seq` when iterating it failed with `e`: a
    /// TypeError of an object with neither `__iter__` nor `__getitem__`
    /// becomes CPython's "cannot unpack non-iterable ... object".
    fn unpack_type_error(&mut self, seq: &Value, e: crate::vm::PyErr) -> crate::vm::PyErr {
        if !self.err_is(&e, ExcKind::TypeError) {
            return e;
        }
        let ty = self.type_of(seq);
        if self.type_lookup_static(&ty, "__iter__").is_none()
            && self.type_lookup_static(&ty, "__getitem__").is_none()
        {
            return self.type_error(format!(
                "cannot unpack non-iterable {} object",
                self.type_name(&ty)
            ));
        }
        e
    }

    /// UNPACK_SEQUENCE's ValueError for `got` items where `n` were
    /// expected (`got > n`: too many).
    fn unpack_count_error(&self, n: usize, got: usize) -> crate::vm::PyErr {
        if got > n {
            self.value_error(format!("too many values to unpack (expected {n})"))
        } else {
            self.value_error(format!(
                "not enough values to unpack (expected {n}, got {got})"
            ))
        }
    }

    pub(crate) fn op_unpack_ex(&mut self, arg: u32) -> PyResult<Flow> {
        let before = (arg & 0xFF) as usize;
        let after = (arg >> 8) as usize;
        let seq = self.pop();
        let mut items = self.unpack_items(&seq)?;
        if items.len() < before + after {
            return Err(self.value_error(format!(
                "not enough values to unpack (expected at least {}, got {})",
                before + after,
                items.len()
            )));
        }
        let tail = items.split_off(items.len() - after);
        let middle = items.split_off(before);
        for v in tail.into_iter().rev() {
            self.push(v);
        }
        let l = self.new_list(middle);
        self.push(l);
        for v in items.into_iter().rev() {
            self.push(v);
        }
        Ok(Flow::Next)
    }

    pub(crate) fn op_format_value(&mut self, flags: u32) -> PyResult<Flow> {
        // `{s}` and `{s!s}` of an exact str: the str itself.
        if flags & 6 == 0 {
            if let Some(Value::Obj(o)) = self.stack.last() {
                if o.class_is(&self.types.str) {
                    return Ok(Flow::Next);
                }
            }
        }
        let spec = if flags & 4 != 0 {
            Some(self.pop())
        } else {
            None
        };
        let v = self.pop();
        let v = match flags & 3 {
            1 => self.str_value(&v)?,
            2 => {
                let r = self.repr(&v)?;
                self.new_string(r)
            }
            3 => {
                let r = self.ascii(&v)?;
                self.new_string(r)
            }
            _ => v,
        };
        let spec_s = spec
            .as_ref()
            .and_then(|s| self.as_str_obj(s))
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        if spec_s.is_empty() {
            let exact_int = match &v {
                Value::Obj(o) if o.class_is(&self.types.str) => return self.op_push(v),
                Value::Obj(o) => o.class_is(&self.types.int),
                Value::Int(_) => true,
                _ => false,
            };
            if exact_int {
                // PyObject_Format's fast path: PyObject_Str (and its guard).
                let s = self.str_value(&v)?;
                return self.op_push(s);
            }
        }
        let s = self.format(&v, &spec_s)?;
        let r = self.new_string(s);
        self.op_push(r)
    }
}

/// UNPACK_SEQUENCE_TUPLE / _LIST on the registers: an exact tuple or list
/// of `n` items is replaced by its items (the first on top). Gives the
/// sequence (to be released) when it did; otherwise leaves the stack as it
/// was.
///
/// # Safety
/// The frame's value stack is not empty, and has room for `n - 1` more
/// values (verified code: UNPACK_SEQUENCE's stack effect).
#[inline(always)]
pub(crate) unsafe fn unpack_regs(r: &mut Regs, n: u32) -> Option<Value> {
    let n = n as usize;
    // SAFETY: the caller's contract: the top slot holds the sequence.
    let seq = unsafe { r.pop() };
    let done = match &seq {
        Value::Obj(o) if o.class_is_static() => match &o.payload {
            Payload::Tuple(t) => {
                // One look at the layout (tuple_items.rs) for both the
                // length and the items.
                let items: &[Value] = t;
                if items.len() == n {
                    for v in items.iter().rev() {
                        // SAFETY: the caller's contract: room for the items.
                        unsafe { r.push(v.clone()) };
                    }
                }
                items.len() == n
            }
            Payload::List(l) => match l.try_borrow() {
                Ok(l) if l.len() == n => {
                    for v in l.iter().rev() {
                        // SAFETY: as above.
                        unsafe { r.push(v.clone()) };
                    }
                    true
                }
                _ => false,
            },
            _ => false,
        },
        _ => false,
    };
    if done {
        Some(seq)
    } else {
        // SAFETY: the slot it was popped from.
        unsafe { r.push(seq) };
        None
    }
}

/// LIST_APPEND `i` on the eval loop's registers: the top value moves onto
/// the list `i` slots below it (a comprehension's list: runs no code,
/// drops nothing). False, nothing done, when that is not a list whose
/// items can be borrowed (the general path), or `i` is 0.
///
/// # Safety
/// The frame's value stack holds LIST_APPEND's `i + 1` values (verified
/// code: `Op::stack_inputs`).
#[inline(always)]
pub(crate) unsafe fn list_append_regs(r: &mut crate::vm::regs::Regs, i: u32) -> bool {
    if i == 0 {
        return false;
    }
    // SAFETY: the caller's contract: slot `i + 1` below the top holds the
    // list (the value is on top, above it).
    let Value::Obj(l) = (unsafe { &*r.at(i as usize + 1) }) else {
        return false;
    };
    let Payload::List(items) = &l.payload else {
        return false;
    };
    let Ok(mut items) = items.try_borrow_mut() else {
        return false;
    };
    // SAFETY: the top slot holds the value; it moves into the list.
    crate::objects::list::push_item(&mut items, unsafe { r.pop() });
    true
}

/// SET_ADD `i` on the registers when the add runs no Python code
/// (`setobj::add_fast`): the value is taken off and given back to be
/// released. `None`, nothing done, otherwise.
///
/// # Safety
/// The frame's value stack holds SET_ADD's `i + 1` values (verified code).
#[inline(always)]
pub(crate) unsafe fn set_add_regs(r: &mut crate::vm::regs::Regs, i: u32) -> Option<Value> {
    if i == 0 {
        return None;
    }
    // SAFETY: the caller's contract: the set is `i + 1` slots below the
    // top, the value on top.
    let (s, v) = unsafe { (&*r.at(i as usize + 1), &*r.at(1)) };
    let Value::Obj(s) = s else {
        return None;
    };
    crate::objects::setobj::add_fast(s, v)?;
    // SAFETY: the top slot holds the value (the set keeps its own copy).
    Some(unsafe { r.pop() })
}

/// MAP_ADD `i` on the registers when the store runs no Python code
/// (`dict::store_hit`): the key and value are taken off; the key and the
/// value replaced are given back to be released. `None`, nothing done,
/// otherwise.
///
/// # Safety
/// The frame's value stack holds MAP_ADD's `i + 2` values (verified code).
#[inline(always)]
pub(crate) unsafe fn map_add_regs(r: &mut crate::vm::regs::Regs, i: u32) -> Option<(Value, Value)> {
    if i == 0 {
        return None;
    }
    // SAFETY: the caller's contract: the dict is `i + 2` slots below the
    // top, then the key and the value; the value moves out and back in
    // when the store is not done.
    unsafe {
        let v = r.pop();
        let (d, k) = (&*r.at(i as usize + 1), &*r.at(1));
        match crate::objects::dict::store_hit(d, k, v) {
            Ok(old) => Some((old, r.pop())),
            Err(v) => {
                r.push(v);
                None
            }
        }
    }
}
