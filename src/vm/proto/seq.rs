//! Subscription, length, membership and iteration (CPython's
//! `PyObject_GetItem`, `PyObject_Size`, `PySequence_Contains`,
//! `PyObject_GetIter`, `PyIter_Next`).

use std::cell::RefCell;

use crate::objects::exception::ExcKind;
use crate::objects::iter::IterState;
use crate::objects::typeobj::{type_data, FLAG_HEAPTYPE};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

impl Vm {
    /// Whether a heap object's class is a builtin (non-heap) type, so its
    /// payload's native behaviour applies without looking for overrides.
    pub fn builtin_class(&self, o: &PyRef) -> bool {
        o.class()
            .and_then(|c| type_data(&c).map(|t| !t.has_flag(FLAG_HEAPTYPE)))
            .unwrap_or(true)
    }

    /// An int usable as an index (`__index__`), as i64; ints beyond i64
    /// are clamped (as `PyNumber_AsSsize_t(v, NULL)` does for slices).
    pub fn index_value(&mut self, v: &Value) -> PyResult<Option<i64>> {
        Ok(self.index_exact(v)?.map(|r| match r {
            Ok(i) => i,
            Err(true) => i64::MIN,
            Err(false) => i64::MAX,
        }))
    }

    /// `__index__` as i64, or `Err(negative)` for an int beyond i64.
    fn index_exact(&mut self, v: &Value) -> PyResult<Option<Result<i64, bool>>> {
        // An int held as a BigInt (an int subclass instance holds any value so):
        // its value, or `Err(negative)` when beyond i64.
        let big = |r: &Value| match r {
            Value::Obj(o) => match &o.payload {
                Payload::Int(b) => Some(
                    num_traits::ToPrimitive::to_i64(b)
                        .ok_or_else(|| num_traits::Signed::is_negative(b)),
                ),
                _ => None,
            },
            _ => None,
        };
        match v {
            Value::Int(i) => Ok(Some(Ok(*i))),
            Value::Bool(b) => Ok(Some(Ok(*b as i64))),
            Value::Obj(_) => {
                if let Some(r) = big(v) {
                    return Ok(Some(r));
                }
                match self.call_special(v, "__index__", &[])? {
                    Some(r) => match r {
                        Value::Int(i) => Ok(Some(Ok(i))),
                        Value::Bool(b) => Ok(Some(Ok(b as i64))),
                        _ => match big(&r) {
                            Some(r) => Ok(Some(r)),
                            None => Err(self.type_error(format!(
                                "__index__ returned non-int (type {})",
                                self.type_name_of(&r)
                            ))),
                        },
                    },
                    None => Ok(None),
                }
            }
            _ => Ok(None),
        }
    }

    /// A subscript index (`PyNumber_AsSsize_t(v, PyExc_IndexError)`): an int
    /// beyond i64 is an IndexError; `None` when `v` has no `__index__`.
    pub fn item_index(&mut self, v: &Value) -> PyResult<Option<i64>> {
        match self.index_exact(v)? {
            Some(Ok(i)) => Ok(Some(i)),
            Some(Err(_)) => Err(self.index_error(format!(
                "cannot fit '{}' into an index-sized integer",
                self.type_name_of(v)
            ))),
            None => Ok(None),
        }
    }

    /// A repeat count (`PyNumber_AsSsize_t(v, PyExc_OverflowError)` in
    /// `sequence_repeat`): an int beyond i64 is an OverflowError.
    pub fn repeat_index(&mut self, v: &Value) -> PyResult<Option<i64>> {
        match self.index_exact(v)? {
            Some(Ok(i)) => Ok(Some(i)),
            Some(Err(_)) => Err(self.overflow_error(format!(
                "cannot fit '{}' into an index-sized integer",
                self.type_name_of(v)
            ))),
            None => Ok(None),
        }
    }

    /// An ssize_t argument (`PyNumber_AsSsize_t(v, PyExc_OverflowError)`).
    pub fn ssize_arg(&mut self, v: &Value) -> PyResult<Option<i64>> {
        match self.index_exact(v)? {
            Some(Ok(i)) => Ok(Some(i)),
            Some(Err(_)) => Err(self.new_error(
                crate::objects::exception::ExcKind::OverflowError,
                "Python int too large to convert to C ssize_t",
            )),
            None => Ok(None),
        }
    }

    /// `obj[key]`.
    pub fn getitem(&mut self, obj: &Value, key: &Value) -> PyResult<Value> {
        if let Value::Obj(o) = obj {
            if self.builtin_class(o) {
                match &o.payload {
                    Payload::List(_) => return crate::objects::list::list_getitem(self, o, key),
                    Payload::Tuple(_) => return crate::objects::tuple::tuple_getitem(self, o, key),
                    Payload::Str(_) => return crate::objects::str::str_getitem(self, o, key),
                    Payload::Dict(_) => {
                        return match self.dict_get(o, key)? {
                            Some(v) => Ok(v),
                            None => Err(self.key_error(key.clone())),
                        }
                    }
                    Payload::Range(_) => return crate::objects::range::range_getitem(self, o, key),
                    Payload::Bytes(_) | Payload::ByteArray(_) => {
                        return crate::objects::bytes::bytes_getitem(self, o, key)
                    }
                    Payload::Native(d) => {
                        if let (Some(a), Value::Int(i)) =
                            (d.downcast_ref::<crate::modules::array::ArrayObj>(), key)
                        {
                            return crate::modules::array::item_at(self, a, *i);
                        }
                    }
                    Payload::Type(_) => {
                        // `type[int]`: CPython special-cases `type` itself.
                        if crate::objects::rc::Rc::ptr_eq(o, &self.types.type_) {
                            return Ok(self.new_generic_alias(obj.clone(), key.clone()));
                        }
                        if let Some(cg) = self.getattr_opt(obj, "__class_getitem__")? {
                            return self.call(&cg, &[key.clone()]);
                        }
                        return Err(self.type_error(format!(
                            "type '{}' is not subscriptable",
                            self.type_name(o)
                        )));
                    }
                    _ => {}
                }
            }
        }
        match self.call_special(obj, "__getitem__", &[key.clone()])? {
            Some(v) => Ok(v),
            None => {
                if let Value::Obj(o) = obj {
                    if matches!(o.payload, Payload::Type(_)) {
                        if let Some(cg) = self.getattr_opt(obj, "__class_getitem__")? {
                            return self.call(&cg, &[key.clone()]);
                        }
                    }
                }
                Err(self.type_error(format!(
                    "'{}' object is not subscriptable",
                    self.type_name_of(obj)
                )))
            }
        }
    }

    /// `obj[key] = value`.
    pub fn setitem(&mut self, obj: &Value, key: Value, value: Value) -> PyResult<()> {
        if let Value::Obj(o) = obj {
            if self.builtin_class(o) {
                match &o.payload {
                    Payload::Dict(_) => return self.dict_set(o, key, value),
                    Payload::List(_) => {
                        return crate::objects::list::list_setitem(self, o, &key, Some(value))
                    }
                    Payload::ByteArray(c) => {
                        return crate::objects::bytearray::bytearray_setitem(
                            self,
                            c,
                            obj,
                            &key,
                            Some(&value),
                        )
                    }
                    Payload::Native(d) => {
                        if let (Some(a), Value::Int(i)) =
                            (d.downcast_ref::<crate::modules::array::ArrayObj>(), &key)
                        {
                            return crate::modules::array::set_item_at(self, a, *i, &value);
                        }
                    }
                    _ => {}
                }
            }
        }
        match self.call_special(obj, "__setitem__", &[key, value])? {
            Some(_) => Ok(()),
            None => Err(self.type_error(format!(
                "'{}' object does not support item assignment",
                self.type_name_of(obj)
            ))),
        }
    }

    /// `del obj[key]`.
    pub fn delitem(&mut self, obj: &Value, key: Value) -> PyResult<()> {
        if let Value::Obj(o) = obj {
            if self.builtin_class(o) {
                match &o.payload {
                    Payload::Dict(_) => {
                        return match self.dict_del(o, &key)? {
                            Some(_) => Ok(()),
                            None => Err(self.key_error(key)),
                        }
                    }
                    Payload::List(_) => {
                        return crate::objects::list::list_setitem(self, o, &key, None)
                    }
                    _ => {}
                }
            }
        }
        match self.call_special(obj, "__delitem__", &[key])? {
            Some(_) => Ok(()),
            None => Err(self.type_error(format!(
                "'{}' object doesn't support item deletion",
                self.type_name_of(obj)
            ))),
        }
    }

    /// `len(v)`.
    pub fn len(&mut self, v: &Value) -> PyResult<usize> {
        if let Value::Obj(o) = v {
            if self.builtin_class(o) {
                match &o.payload {
                    Payload::Str(s) => return Ok(s.char_len()),
                    Payload::List(l) => return Ok(l.len()),
                    Payload::Tuple(t) => return Ok(t.len()),
                    Payload::Dict(d) => return Ok(d.borrow().len()),
                    Payload::Set(_) | Payload::FrozenSet(_) => {
                        return Ok(crate::objects::setobj::set_len(o))
                    }
                    Payload::Bytes(b) => return Ok(b.len()),
                    Payload::ByteArray(b) => return Ok(b.borrow().len()),
                    Payload::Range(r) => return self.range_len(r),
                    Payload::DictView(d) => return Ok(self.dict_len(d)),
                    _ => {}
                }
            }
        }
        match self.call_special(v, "__len__", &[])? {
            Some(r) => self.len_result(&r),
            None => Err(self.type_error(format!(
                "object of type '{}' has no len()",
                self.type_name_of(v)
            ))),
        }
    }

    /// `item in container`.
    pub fn contains(&mut self, container: &Value, item: &Value) -> PyResult<bool> {
        if let Value::Obj(o) = container {
            if self.builtin_class(o) {
                match &o.payload {
                    Payload::Dict(_) => return Ok(self.dict_get(o, item)?.is_some()),
                    Payload::Set(_) | Payload::FrozenSet(_) => return self.set_contains(o, item),
                    Payload::DictView(d) => {
                        let d = d.clone();
                        return crate::objects::dictview::dict_view_contains(self, o, &d, item);
                    }
                    Payload::Str(s) => {
                        return match self.as_str_obj(item) {
                            Some(t) => Ok(s.contains(t)),
                            None => Err(self.type_error(format!(
                                "'in <string>' requires string as left operand, not {}",
                                self.type_name_of(item)
                            ))),
                        }
                    }
                    Payload::List(_) | Payload::Tuple(_) => {
                        return crate::objects::list::seq_contains(self, o, item)
                    }
                    Payload::Range(_) => return self.range_contains(o, item),
                    _ => {}
                }
            }
        }
        if let Some(r) = self.call_special(container, "__contains__", &[item.clone()])? {
            return self.truthy(&r);
        }
        let it = match self.iter(container) {
            Ok(it) => it,
            Err(e) if self.err_is(&e, ExcKind::TypeError) => {
                return Err(self.type_error(format!(
                    "argument of type '{}' is not iterable",
                    self.type_name_of(container)
                )))
            }
            Err(e) => return Err(e),
        };
        while let Some(x) = self.next(&it)? {
            if self.eq(&x, item)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// A list's or tuple's items (a snapshot), None for other values.
    pub fn seq_items(&self, v: &Value) -> Option<Vec<Value>> {
        match v {
            Value::Obj(o) => match &o.payload {
                Payload::List(l) => Some(l.borrow().clone()),
                Payload::Tuple(t) => Some(t.to_vec()),
                _ => None,
            },
            _ => None,
        }
    }

    /// The keys, values or `(key, value)` pairs of the dict `d` of the
    /// view `view` (of a builtin view class), in order: what iterating it
    /// gives, without an iterator and a call per item (None: `d` is not
    /// a dict, or is being changed). No code runs while they are read.
    fn dict_view_items(&self, view: &PyRef, d: &PyRef) -> Option<Vec<Value>> {
        let Payload::Dict(t) = &d.payload else {
            return None;
        };
        let t = t.try_borrow().ok()?;
        if view.class_is(&self.types.dict_keys) {
            return Some(t.iter().map(|e| e.key.clone()).collect());
        }
        if view.class_is(&self.types.dict_values) {
            return Some(t.iter().map(|e| e.value.clone()).collect());
        }
        let pairs: Vec<(Value, Value)> =
            t.iter().map(|e| (e.key.clone(), e.value.clone())).collect();
        drop(t);
        Some(
            pairs
                .into_iter()
                .map(|(k, v)| self.new_tuple_of([k, v]))
                .collect(),
        )
    }

    pub fn new_iter(&self, ty: &PyRef, state: IterState) -> Value {
        Value::Obj(self.new_obj(ty, Payload::Iter(Box::new(RefCell::new(state)))))
    }

    /// An iterator over a dict's keys (`kind` 0), values (1) or items (2).
    pub fn new_dict_iter(&self, d: &PyRef, kind: u8) -> Value {
        self.new_dict_iter_dir(d, kind, false)
    }

    /// A dict iterator, forward or reversed (`reversed(d.items())`).
    pub fn new_dict_iter_dir(&self, d: &PyRef, kind: u8, reverse: bool) -> Value {
        let used = self.dict_len(d);
        let pos = if reverse {
            match &d.payload {
                Payload::Dict(t) => t.borrow().entry_slots(),
                _ => 0,
            }
        } else {
            0
        };
        let ty = match (kind, reverse) {
            (0, false) => &self.types.dict_keyiterator,
            (1, false) => &self.types.dict_valueiterator,
            (_, false) => &self.types.dict_itemiterator,
            (0, true) => &self.types.dict_reversekeyiterator,
            (1, true) => &self.types.dict_reversevalueiterator,
            (_, true) => &self.types.dict_reverseitemiterator,
        };
        let st = IterState::Dict {
            dict: d.clone(),
            pos,
            used,
            remaining: used,
            kind,
            reverse,
            last: None,
        };
        self.new_iter(ty, st)
    }

    /// `iter(v)`.
    pub fn iter(&mut self, v: &Value) -> PyResult<Value> {
        if let Value::Obj(o) = v {
            if self.builtin_class(o) {
                match &o.payload {
                    Payload::List(_) => {
                        return Ok(self.new_iter(
                            &self.types.list_iterator,
                            IterState::Seq {
                                seq: v.clone(),
                                idx: 0,
                            },
                        ))
                    }
                    Payload::Tuple(_) => {
                        return Ok(self.new_iter(
                            &self.types.tuple_iterator,
                            IterState::Seq {
                                seq: v.clone(),
                                idx: 0,
                            },
                        ))
                    }
                    Payload::Str(_) => {
                        return Ok(self.new_iter(
                            &self.types.str_iterator,
                            IterState::Str {
                                s: o.clone(),
                                pos: 0,
                            },
                        ))
                    }
                    Payload::Bytes(_) | Payload::ByteArray(_) => {
                        return Ok(self.new_iter(
                            &self.types.bytes_iterator,
                            IterState::Bytes {
                                b: v.clone(),
                                idx: 0,
                            },
                        ))
                    }
                    Payload::Range(r) => return Ok(self.range_iter(r, false)),
                    Payload::Dict(_) => return Ok(self.new_dict_iter(o, 0)),
                    Payload::Set(_) | Payload::FrozenSet(_) => return Ok(self.new_set_iter(o)),
                    Payload::DictView(d) => {
                        let kind = if o.class_is(&self.types.dict_keys) {
                            0
                        } else if o.class_is(&self.types.dict_values) {
                            1
                        } else {
                            2
                        };
                        return Ok(self.new_dict_iter(d, kind));
                    }
                    Payload::Iter(_) | Payload::Generator(_) => return Ok(v.clone()),
                    _ => {}
                }
            }
        }
        let ty = self.type_of(v);
        if let Some(m) = self.type_lookup_static(&ty, "__iter__") {
            if m.is_none() {
                return Err(
                    self.type_error(format!("'{}' object is not iterable", self.type_name(&ty)))
                );
            }
            // A generator function: the generator made without running its
            // frame (vm/gen.rs).
            if let Value::Obj(f) = &m {
                if let Some(g) = self.new_generator_direct(f, v) {
                    return Ok(g);
                }
            }
            let it = self.call_descr(m, v, &ty, &[])?;
            let it_ty = self.type_of(&it);
            let is_iter = matches!(&it, Value::Obj(o) if matches!(o.payload, Payload::Iter(_) | Payload::Generator(_)))
                || self.type_lookup_static(&it_ty, "__next__").is_some();
            if !is_iter {
                return Err(self.type_error(format!(
                    "iter() returned non-iterator of type '{}'",
                    self.type_name(&it_ty)
                )));
            }
            return Ok(it);
        }
        if self.type_lookup_static(&ty, "__getitem__").is_some() {
            return Ok(self.new_iter(
                &self.types.seq_iterator,
                IterState::GetItem {
                    obj: v.clone(),
                    idx: 0,
                },
            ));
        }
        Err(self.type_error(format!("'{}' object is not iterable", self.type_name(&ty))))
    }

    /// `next(it)`: Some(value), or None when exhausted.
    pub fn next(&mut self, it: &Value) -> PyResult<Option<Value>> {
        if let Value::Obj(o) = it {
            if let Payload::Iter(_) = &o.payload {
                if o.class_is_static() {
                    // Range, list, tuple and dict iterators without the
                    // general step's set-up (`zip`, `map` call this).
                    if let Some(v) = crate::vm::ops::jump::for_iter_fast(it) {
                        return Ok(Some(v));
                    }
                    if let Some(v) = self.for_iter_more(it) {
                        return Ok(Some(v));
                    }
                }
            }
        }
        self.next_general(it)
    }

    /// A native step's result with a StopIteration it let through (raised
    /// by a function `map` or `starmap` called) read as the end, as
    /// `PyIter_Next` and FOR_ITER read a `tp_iternext` failing with it.
    #[inline(always)]
    fn stop_ends(&self, r: PyResult<Option<Value>>) -> PyResult<Option<Value>> {
        match r {
            Err(e) if self.err_is(&e, ExcKind::StopIteration) => Ok(None),
            r => r,
        }
    }

    /// `next(it)` once FOR_ITER's fast paths ([`crate::vm::ops::jump::for_iter_fast`],
    /// [`Vm::for_iter_more`]) gave nothing: the iterator's own step.
    #[inline]
    pub(crate) fn next_general(&mut self, it: &Value) -> PyResult<Option<Value>> {
        if let Value::Obj(o) = it {
            if o.class_is_static() {
                match &o.payload {
                    Payload::Native(d) => {
                        if let Some(r) = d.iter_step(self, it) {
                            return self.stop_ends(r);
                        }
                    }
                    Payload::Iter(_) => {
                        let r = crate::objects::iter::iter_next(self, o);
                        return self.stop_ends(r);
                    }
                    Payload::Generator(_) => return self.gen_next(o),
                    _ => {}
                }
            }
        }
        self.next_special(it)
    }

    /// `next(it)` through the class's `__next__`.
    #[inline(never)]
    fn next_special(&mut self, it: &Value) -> PyResult<Option<Value>> {
        match self.call_special(it, "__next__", &[]) {
            Ok(Some(v)) => Ok(Some(v)),
            Ok(None) => Err(self.type_error(format!(
                "'{}' object is not an iterator",
                self.type_name_of(it)
            ))),
            Err(e) if self.err_is(&e, ExcKind::StopIteration) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// All the items of an iterable.
    pub fn collect_iter(&mut self, v: &Value) -> PyResult<Vec<Value>> {
        if let Value::Obj(o) = v {
            if self.builtin_class(o) {
                if let Some(items) = self.seq_items(v) {
                    return Ok(items);
                }
                if let Payload::DictView(d) = &o.payload {
                    if let Some(items) = self.dict_view_items(o, d) {
                        return Ok(items);
                    }
                }
                // CPython preallocates from the length hint: a huge range
                // is a MemoryError up front.
                if let Payload::Range(r) = &o.payload {
                    let n = self.range_len(r)?;
                    let size = std::mem::size_of::<Value>();
                    crate::objects::alloc::check_room(self, n, size)?;
                }
            }
        }
        let it = self.iter(v)?;
        let mut out = Vec::new();
        while let Some(x) = self.next(&it)? {
            out.push(x);
        }
        Ok(out)
    }

    /// Normalise a Python index against a length (negative from the end).
    pub fn norm_index(i: i64, len: usize) -> Option<usize> {
        let len = len as i64;
        let j = if i < 0 { i + len } else { i };
        (0..len).contains(&j).then_some(j as usize)
    }

    /// `slice.indices(len)`: (start, stop, step, slicelength).
    pub fn slice_indices(&mut self, slice: &PyRef, len: usize) -> PyResult<(i64, i64, i64, usize)> {
        let Payload::Slice(parts) = &slice.payload else {
            return Err(self.type_error("expected a slice"));
        };
        let [start, stop, step] = (**parts).clone();
        let len = len as i64;
        let step = if step.is_none() {
            1
        } else {
            match self.index_value(&step)? {
                // CPython clamps the step to -PY_SSIZE_T_MAX so it can be negated.
                Some(s) => s.max(-i64::MAX),
                None => {
                    return Err(self.type_error(
                        "slice indices must be integers or None or have an __index__ method",
                    ))
                }
            }
        };
        if step == 0 {
            return Err(self.value_error("slice step cannot be zero"));
        }
        let conv = |vm: &mut Vm, v: &Value, default: i64| -> PyResult<i64> {
            if v.is_none() {
                return Ok(default);
            }
            match vm.index_value(v)? {
                Some(i) => Ok(i),
                None => Err(vm.type_error(
                    "slice indices must be integers or None or have an __index__ method",
                )),
            }
        };
        let (lo_default, hi_default) = if step < 0 { (len - 1, -1) } else { (0, len) };
        let start = if start.is_none() {
            lo_default
        } else {
            crate::objects::slice::adjust_index(conv(self, &start, 0)?, len, step)
        };
        let stop = if stop.is_none() {
            hi_default
        } else {
            crate::objects::slice::adjust_index(conv(self, &stop, 0)?, len, step)
        };
        let n = crate::objects::slice::slice_length(start, stop, step);
        Ok((start, stop, step, n))
    }

    /// Whether a value is a slice object.
    pub fn as_slice(v: &Value) -> Option<&PyRef> {
        match v {
            Value::Obj(o) if matches!(o.payload, Payload::Slice(_)) => Some(o),
            _ => None,
        }
    }
}
