//! The pickler (Modules/_pickle.c's `save` and the `save_*` functions for
//! the builtin types), its output buffer with protocol 4's framing, and
//! `Pickler.dump` / `dumps`.

use std::collections::HashSet;

use super::memo::Memo;
use super::{ident, margs, module_error, pstate, PicklerState};
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

pub const MARK: u8 = b'(';
pub const STOP: u8 = b'.';
pub const POP: u8 = b'0';
pub const POP_MARK: u8 = b'1';
pub const APPEND: u8 = b'a';
pub const APPENDS: u8 = b'e';
pub const SETITEM: u8 = b's';
pub const SETITEMS: u8 = b'u';
pub const TUPLE: u8 = b't';
pub const EMPTY_TUPLE: u8 = b')';
pub const TUPLE1: u8 = 0x85;
pub const TUPLE2: u8 = 0x86;
pub const TUPLE3: u8 = 0x87;
pub const REDUCE: u8 = b'R';
pub const BUILD: u8 = b'b';
pub const NEWOBJ: u8 = 0x81;
pub const NEWOBJ_EX: u8 = 0x92;
pub const FRAME: u8 = 0x95;
pub const MEMOIZE: u8 = 0x94;

const BATCHSIZE: usize = 1000;
const FRAME_SIZE_MIN: usize = 4;
const FRAME_SIZE_TARGET: usize = 64 * 1024;
const FRAME_HEADER_SIZE: usize = 9;
const FAST_NESTING_LIMIT: usize = 50;

/// One `dump`: the output, the frame being filled, the pickler's settings
/// and memo, and the hooks found on the pickler.
pub struct Saver {
    pub m: PyRef,
    pub out: Vec<u8>,
    frame_start: Option<usize>,
    pub framing: bool,
    pub proto: u8,
    pub bin: bool,
    pub fix_imports: bool,
    pub fast: bool,
    fast_nesting: usize,
    fast_memo: HashSet<usize>,
    pub memo: Memo,
    pub pers_func: Option<Value>,
    pub reducer_override: Option<Value>,
    pub dispatch_table: Option<Value>,
    /// `copyreg.dispatch_table` (when the pickler has no table).
    pub copyreg_table: Option<PyRef>,
    /// The last reduce callable and whether it is `__newobj__` (1) or
    /// `__newobj_ex__` (2) by name (the same callable comes back for
    /// every instance).
    pub newobj_cache: Option<(Value, u8)>,
}

impl Saver {
    pub fn new(m: PyRef, st: &PicklerState) -> Saver {
        Saver {
            m,
            out: Vec::with_capacity(256),
            frame_start: None,
            framing: false,
            proto: st.proto.get(),
            bin: st.bin.get(),
            fix_imports: st.fix_imports.get(),
            fast: st.fast.get(),
            fast_nesting: 0,
            fast_memo: HashSet::new(),
            memo: st.memo.borrow_mut().take(),
            pers_func: None,
            reducer_override: None,
            dispatch_table: None,
            copyreg_table: None,
            newobj_cache: None,
        }
    }

    pub fn error(&self, vm: &mut Vm, msg: impl Into<String>) -> PyErr {
        let m = self.m.clone();
        module_error(vm, &m, "PicklingError", msg)
    }

    /// `_Pickler_Write`.
    #[inline]
    pub fn write(&mut self, data: &[u8]) {
        if self.framing && self.frame_start.is_none() {
            self.frame_start = Some(self.out.len());
            self.out.extend_from_slice(&[0xFE; FRAME_HEADER_SIZE]);
        }
        self.out.extend_from_slice(data);
    }

    #[inline]
    pub fn op(&mut self, op: u8) {
        self.write(&[op]);
    }

    /// `_Pickler_CommitFrame`.
    pub fn commit_frame(&mut self) {
        if !self.framing {
            return;
        }
        let Some(start) = self.frame_start.take() else {
            return;
        };
        let len = self.out.len() - start - FRAME_HEADER_SIZE;
        if len >= FRAME_SIZE_MIN {
            let mut header = [0u8; FRAME_HEADER_SIZE];
            header[0] = FRAME;
            header[1..].copy_from_slice(&(len as u64).to_le_bytes());
            if let Some(dst) = self.out.get_mut(start..start + FRAME_HEADER_SIZE) {
                dst.copy_from_slice(&header);
            }
        } else {
            self.out.drain(start..start + FRAME_HEADER_SIZE);
        }
    }

    /// `_Pickler_OpcodeBoundary`.
    #[inline]
    fn opcode_boundary(&mut self) {
        if let (true, Some(start)) = (self.framing, self.frame_start) {
            if self.out.len() - start - FRAME_HEADER_SIZE >= FRAME_SIZE_TARGET {
                self.commit_frame();
            }
        }
    }

    /// `_Pickler_write_bytes`: a large payload goes outside any frame.
    pub fn write_bytes(&mut self, header: &[u8], data: &[u8]) {
        let bypass = data.len() >= FRAME_SIZE_TARGET;
        let framing = self.framing;
        if bypass {
            self.commit_frame();
            self.framing = false;
        }
        self.write(header);
        self.write(data);
        self.framing = framing;
    }

    /// `memo_put`.
    pub fn memo_put(&mut self, vm: &mut Vm, obj: &Value) -> PyResult<()> {
        if self.fast {
            return Ok(());
        }
        let Value::Obj(o) = obj else {
            return Ok(());
        };
        let idx = self.memo.len();
        self.memo.set(ident(o), idx as u32, obj.clone());
        if self.proto >= 4 {
            self.op(MEMOIZE);
        } else if !self.bin {
            self.write(format!("p{idx}\n").as_bytes());
        } else if idx < 256 {
            self.write(&[b'q', idx as u8]);
        } else if idx <= 0xffff_ffff {
            let mut b = [b'r', 0, 0, 0, 0];
            b[1..].copy_from_slice(&(idx as u32).to_le_bytes());
            self.write(&b);
        } else {
            return Err(self.error(vm, "memo id too large for LONG_BINPUT"));
        }
        Ok(())
    }

    /// `memo_get` for a memo index.
    fn memo_get(&mut self, idx: u32) {
        if !self.bin {
            self.write(format!("g{idx}\n").as_bytes());
        } else if idx < 256 {
            self.write(&[b'h', idx as u8]);
        } else {
            let mut b = [b'j', 0, 0, 0, 0];
            b[1..].copy_from_slice(&idx.to_le_bytes());
            self.write(&b);
        }
    }

    /// The memo index of `obj`, if memoized.
    #[inline]
    pub fn memo_of(&self, obj: &Value) -> Option<u32> {
        match obj {
            Value::Obj(o) if !self.memo.is_empty() => self.memo.get(ident(o)),
            _ => None,
        }
    }

    /// Write a GET for `obj` if it is memoized; true when it was.
    pub fn try_memo_get(&mut self, obj: &Value) -> bool {
        match self.memo_of(obj) {
            Some(i) => {
                self.memo_get(i);
                true
            }
            None => false,
        }
    }

    /// `save`.
    pub fn save(&mut self, vm: &mut Vm, obj: &Value, pers_save: bool) -> PyResult<()> {
        self.opcode_boundary();
        vm.enter_recursive(" while pickling an object")?;
        let r = self.save_inner(vm, obj, pers_save);
        vm.leave_recursive();
        r
    }

    fn save_inner(&mut self, vm: &mut Vm, obj: &Value, pers_save: bool) -> PyResult<()> {
        if !pers_save && self.pers_func.is_some() && self.save_pers(vm, obj)? {
            return Ok(());
        }
        let o = match obj {
            Value::None => {
                self.op(b'N');
                return Ok(());
            }
            Value::Bool(b) => {
                self.save_bool(b.get());
                return Ok(());
            }
            Value::Int(i) => {
                self.save_small_int(*i);
                return Ok(());
            }
            Value::Float(f) => return self.save_float(vm, f.get()),
            Value::Null => return Err(vm.system_error("NULL object passed to pickle")),
            Value::Obj(o) => o,
        };
        let types = &vm.types;
        if o.class_is(&types.int) {
            return self.save_long(vm, obj);
        }
        if o.class_is(&types.float) {
            if let Payload::Float(f) = &o.payload {
                return self.save_float(vm, *f);
            }
        }
        if let Some(i) = self.memo_of(obj) {
            self.memo_get(i);
            return Ok(());
        }
        if o.class_is(&types.bytes) {
            return self.save_bytes(vm, obj);
        }
        if o.class_is(&types.str) {
            return self.save_str(vm, obj);
        }
        if o.class_is(&types.dict) {
            return self.save_dict(vm, obj);
        }
        if o.class_is(&types.set) {
            return self.save_set(vm, obj);
        }
        if o.class_is(&types.frozenset) {
            return self.save_frozenset(vm, obj);
        }
        if o.class_is(&types.list) {
            return self.save_list(vm, obj);
        }
        if o.class_is(&types.tuple) {
            return self.save_tuple(vm, obj);
        }
        if o.class_is(&types.bytearray) {
            return self.save_bytearray(vm, obj);
        }
        self.save_other(vm, obj)
    }

    fn save_bool(&mut self, b: bool) {
        if self.proto >= 2 {
            self.op(if b { 0x88 } else { 0x89 });
        } else {
            self.write(if b { b"I01\n" } else { b"I00\n" });
        }
    }

    /// `save_long` for a value that fits in 64 bits.
    fn save_small_int(&mut self, v: i64) {
        if let Ok(v32) = i32::try_from(v) {
            if self.bin {
                let b = v32.to_le_bytes();
                if b[2] != 0 || b[3] != 0 {
                    self.write(&[b'J', b[0], b[1], b[2], b[3]]);
                } else if b[1] != 0 {
                    self.write(&[b'M', b[0], b[1]]);
                } else {
                    self.write(&[b'K', b[0]]);
                }
            } else {
                self.write(format!("I{v}\n").as_bytes());
            }
            return;
        }
        let big = num_bigint::BigInt::from(v);
        self.save_bigint(&big);
    }

    fn save_bigint(&mut self, big: &num_bigint::BigInt) {
        if self.proto >= 2 {
            let bytes = big.to_signed_bytes_le();
            let n = bytes.len();
            if n < 256 {
                self.write(&[0x8a, n as u8]);
            } else {
                let mut h = [0x8b, 0, 0, 0, 0];
                h[1..].copy_from_slice(&(n as u32).to_le_bytes());
                self.write(&h);
            }
            self.write(&bytes);
        } else {
            self.write(format!("L{big}L\n").as_bytes());
        }
    }

    fn save_long(&mut self, vm: &mut Vm, obj: &Value) -> PyResult<()> {
        match crate::objects::int::as_int(obj) {
            Some(crate::num::Int::Small(i)) => self.save_small_int(i),
            Some(crate::num::Int::Big(b)) => self.save_bigint(&b),
            None => return Err(vm.system_error("int without a value")),
        }
        Ok(())
    }

    fn save_float(&mut self, vm: &mut Vm, f: f64) -> PyResult<()> {
        if self.bin {
            let mut b = [b'G', 0, 0, 0, 0, 0, 0, 0, 0];
            b[1..].copy_from_slice(&f.to_be_bytes());
            self.write(&b);
        } else {
            let r = vm.repr(&Value::float(f))?;
            self.op(b'F');
            self.write(r.as_bytes());
            self.op(b'\n');
        }
        Ok(())
    }

    fn save_bytes(&mut self, vm: &mut Vm, obj: &Value) -> PyResult<()> {
        let Some(Payload::Bytes(data)) = super::payload(obj) else {
            return Err(vm.system_error("bytes without data"));
        };
        if self.proto < 3 {
            let bytes_t = Value::Obj(vm.types.bytes.clone());
            let rv = if data.is_empty() {
                let empty = vm.new_tuple(Vec::new());
                vm.new_tuple_of([bytes_t, empty])
            } else {
                let text: String = data.iter().map(|&b| char::from(b)).collect();
                let codecs = vm.import_by_name("codecs")?;
                let encode = vm.getattr_str(&codecs, "encode")?;
                let s = vm.new_string(text);
                let latin1 = Value::Obj(vm.intern("latin1"));
                let args = vm.new_tuple_of([s, latin1]);
                vm.new_tuple_of([encode, args])
            };
            return self.save_reduce(vm, &rv, Some(obj));
        }
        let n = data.len();
        if n <= 0xff {
            self.write_bytes(&[b'C', n as u8], data);
        } else if n as u64 <= 0xffff_ffff {
            let mut h = [b'B', 0, 0, 0, 0];
            h[1..].copy_from_slice(&(n as u32).to_le_bytes());
            self.write_bytes(&h, data);
        } else {
            let mut h = [0x8e, 0, 0, 0, 0, 0, 0, 0, 0];
            h[1..].copy_from_slice(&(n as u64).to_le_bytes());
            self.write_bytes(&h, data);
        }
        self.memo_put(vm, obj)
    }

    fn save_bytearray(&mut self, vm: &mut Vm, obj: &Value) -> PyResult<()> {
        let Some(Payload::ByteArray(data)) = super::payload(obj) else {
            return Err(vm.system_error("bytearray without data"));
        };
        let data: Vec<u8> = data.borrow().clone();
        if self.proto < 5 {
            let t = Value::Obj(vm.types.bytearray.clone());
            let args = if data.is_empty() {
                vm.new_tuple(Vec::new())
            } else {
                let b = vm.new_bytes(data);
                vm.new_tuple_of([b])
            };
            let rv = vm.new_tuple_of([t, args]);
            return self.save_reduce(vm, &rv, Some(obj));
        }
        let mut h = [0x96, 0, 0, 0, 0, 0, 0, 0, 0];
        h[1..].copy_from_slice(&(data.len() as u64).to_le_bytes());
        self.write_bytes(&h, &data);
        self.memo_put(vm, obj)
    }

    fn save_str(&mut self, vm: &mut Vm, obj: &Value) -> PyResult<()> {
        let Some(s) = vm.as_str_obj(obj) else {
            return Err(vm.system_error("str without text"));
        };
        if self.bin {
            let utf8 = str_utf8(s);
            let n = utf8.len();
            if n <= 0xff && self.proto >= 4 {
                self.write_bytes(&[0x8c, n as u8], &utf8);
            } else if n as u64 > 0xffff_ffff && self.proto >= 4 {
                let mut h = [0x8d, 0, 0, 0, 0, 0, 0, 0, 0];
                h[1..].copy_from_slice(&(n as u64).to_le_bytes());
                self.write_bytes(&h, &utf8);
            } else {
                let mut h = [b'X', 0, 0, 0, 0];
                h[1..].copy_from_slice(&(n as u32).to_le_bytes());
                self.write_bytes(&h, &utf8);
            }
        } else {
            let mut out = vec![b'V'];
            raw_unicode_escape(s, &mut out);
            out.push(b'\n');
            self.write(&out);
        }
        self.memo_put(vm, obj)
    }

    fn save_tuple(&mut self, vm: &mut Vm, obj: &Value) -> PyResult<()> {
        let Some(Payload::Tuple(items)) = super::payload(obj) else {
            return Err(vm.system_error("tuple without items"));
        };
        let len = items.len();
        if len == 0 {
            if self.proto > 0 {
                self.op(EMPTY_TUPLE);
            } else {
                self.write(&[MARK, TUPLE]);
            }
            return Ok(());
        }
        if len <= 3 && self.proto >= 2 {
            for it in items.iter() {
                self.save(vm, it, false)?;
            }
            if let Some(i) = self.memo_of(obj) {
                for _ in 0..len {
                    self.op(POP);
                }
                self.memo_get(i);
                return Ok(());
            }
            self.op([TUPLE1, TUPLE2, TUPLE3][len - 1]);
            return self.memo_put(vm, obj);
        }
        self.op(MARK);
        for it in items.iter() {
            self.save(vm, it, false)?;
        }
        if let Some(i) = self.memo_of(obj) {
            if self.bin {
                self.op(POP_MARK);
            } else {
                for _ in 0..=len {
                    self.op(POP);
                }
            }
            self.memo_get(i);
            return Ok(());
        }
        self.op(TUPLE);
        self.memo_put(vm, obj)
    }

    /// `fast_save_enter`.
    fn fast_enter(&mut self, vm: &mut Vm, obj: &Value) -> PyResult<()> {
        if !self.fast {
            return Ok(());
        }
        self.fast_nesting += 1;
        if self.fast_nesting >= FAST_NESTING_LIMIT {
            if let Value::Obj(o) = obj {
                if !self.fast_memo.insert(ident(o)) {
                    return Err(vm.value_error(format!(
                        "fast mode: can't pickle cyclic objects including object type {} at {:#x}",
                        vm.type_name_of(obj),
                        ident(o)
                    )));
                }
            }
        }
        Ok(())
    }

    fn fast_leave(&mut self, obj: &Value) {
        if !self.fast {
            return;
        }
        if self.fast_nesting >= FAST_NESTING_LIMIT {
            if let Value::Obj(o) = obj {
                self.fast_memo.remove(&ident(o));
            }
        }
        self.fast_nesting = self.fast_nesting.saturating_sub(1);
    }

    fn save_list(&mut self, vm: &mut Vm, obj: &Value) -> PyResult<()> {
        self.fast_enter(vm, obj)?;
        let r = self.save_list_body(vm, obj);
        self.fast_leave(obj);
        r
    }

    fn save_list_body(&mut self, vm: &mut Vm, obj: &Value) -> PyResult<()> {
        if self.bin {
            self.op(b']');
        } else {
            self.write(&[MARK, b'l']);
        }
        let Value::Obj(o) = obj else {
            return Ok(());
        };
        let Payload::List(cell) = &o.payload else {
            return Ok(());
        };
        let len = cell.borrow().len();
        self.memo_put(vm, obj)?;
        if len == 0 {
            return Ok(());
        }
        vm.enter_recursive(" while pickling an object")?;
        let r = if self.proto > 0 {
            self.batch_list_exact(vm, cell)
        } else {
            let it = vm.iter(obj)?;
            self.batch_list(vm, &it)
        };
        vm.leave_recursive();
        r
    }

    fn batch_list_exact(
        &mut self,
        vm: &mut Vm,
        cell: &crate::objects::listcell::ListCell,
    ) -> PyResult<()> {
        let item_at = |i: usize| cell.borrow().get(i).cloned();
        if cell.borrow().len() == 1 {
            if let Some(item) = item_at(0) {
                self.save(vm, &item, false)?;
            }
            self.op(APPEND);
            return Ok(());
        }
        let mut total = 0;
        loop {
            let mut this_batch = 0;
            self.op(MARK);
            while let Some(item) = item_at(total) {
                self.save(vm, &item, false)?;
                total += 1;
                this_batch += 1;
                if this_batch == BATCHSIZE {
                    break;
                }
            }
            self.op(APPENDS);
            if total >= cell.borrow().len() {
                return Ok(());
            }
        }
    }

    /// `batch_list`: items of an iterator.
    pub fn batch_list(&mut self, vm: &mut Vm, it: &Value) -> PyResult<()> {
        if self.proto == 0 {
            while let Some(x) = vm.next(it)? {
                self.save(vm, &x, false)?;
                self.op(APPEND);
            }
            return Ok(());
        }
        loop {
            let Some(first) = vm.next(it)? else {
                return Ok(());
            };
            let Some(mut obj) = vm.next(it)? else {
                self.save(vm, &first, false)?;
                self.op(APPEND);
                return Ok(());
            };
            self.op(MARK);
            self.save(vm, &first, false)?;
            let mut n = 1;
            loop {
                self.save(vm, &obj, false)?;
                n += 1;
                if n == BATCHSIZE {
                    break;
                }
                match vm.next(it)? {
                    Some(x) => obj = x,
                    None => break,
                }
            }
            self.op(APPENDS);
            if n != BATCHSIZE {
                return Ok(());
            }
        }
    }

    fn save_dict(&mut self, vm: &mut Vm, obj: &Value) -> PyResult<()> {
        self.fast_enter(vm, obj)?;
        let r = self.save_dict_body(vm, obj);
        self.fast_leave(obj);
        r
    }

    fn save_dict_body(&mut self, vm: &mut Vm, obj: &Value) -> PyResult<()> {
        if self.bin {
            self.op(b'}');
        } else {
            self.write(&[MARK, b'd']);
        }
        self.memo_put(vm, obj)?;
        let Value::Obj(d) = obj else {
            return Ok(());
        };
        if vm.dict_len(d) == 0 {
            return Ok(());
        }
        vm.enter_recursive(" while pickling an object")?;
        let r = if self.proto > 0 {
            self.batch_dict_exact(vm, d)
        } else {
            let items = vm.call_method(obj, "items", &[])?;
            let it = vm.iter(&items)?;
            self.batch_dict(vm, &it)
        };
        vm.leave_recursive();
        r
    }

    fn batch_dict_exact(&mut self, vm: &mut Vm, d: &PyRef) -> PyResult<()> {
        let size = vm.dict_len(d);
        let items = vm.dict_items(d);
        if size == 1 {
            if let Some((k, v)) = items.first() {
                self.save(vm, k, false)?;
                self.save(vm, v, false)?;
            }
            self.op(SETITEM);
            return Ok(());
        }
        for chunk in items.chunks(BATCHSIZE) {
            self.op(MARK);
            for (k, v) in chunk {
                self.save(vm, k, false)?;
                self.save(vm, v, false)?;
            }
            self.op(SETITEMS);
            if vm.dict_len(d) != size {
                return Err(vm.new_error(
                    crate::objects::exception::ExcKind::RuntimeError,
                    "dictionary changed size during iteration",
                ));
            }
        }
        if items.len().is_multiple_of(BATCHSIZE) {
            // C's loop writes one more (empty) batch after a full one.
            self.write(&[MARK, SETITEMS]);
        }
        Ok(())
    }

    fn dict_pair(&mut self, vm: &mut Vm, x: &Value) -> PyResult<(Value, Value)> {
        if let Some(Payload::Tuple(t)) = super::payload(x) {
            if let [k, v] = &t[..] {
                if vm.isinstance(x, &Value::Obj(vm.types.tuple.clone()))? {
                    return Ok((k.clone(), v.clone()));
                }
            }
        }
        Err(vm.type_error("dict items iterator must return 2-tuples"))
    }

    /// `batch_dict`: `(key, value)` pairs of an iterator.
    pub fn batch_dict(&mut self, vm: &mut Vm, it: &Value) -> PyResult<()> {
        if self.proto == 0 {
            while let Some(x) = vm.next(it)? {
                let (k, v) = self.dict_pair(vm, &x)?;
                self.save(vm, &k, false)?;
                self.save(vm, &v, false)?;
                self.op(SETITEM);
            }
            return Ok(());
        }
        loop {
            let Some(first) = vm.next(it)? else {
                return Ok(());
            };
            let (k, v) = self.dict_pair(vm, &first)?;
            let Some(mut obj) = vm.next(it)? else {
                self.save(vm, &k, false)?;
                self.save(vm, &v, false)?;
                self.op(SETITEM);
                return Ok(());
            };
            self.op(MARK);
            self.save(vm, &k, false)?;
            self.save(vm, &v, false)?;
            let mut n = 1;
            loop {
                let (k, v) = self.dict_pair(vm, &obj)?;
                self.save(vm, &k, false)?;
                self.save(vm, &v, false)?;
                n += 1;
                if n == BATCHSIZE {
                    break;
                }
                match vm.next(it)? {
                    Some(x) => obj = x,
                    None => break,
                }
            }
            self.op(SETITEMS);
            if n != BATCHSIZE {
                return Ok(());
            }
        }
    }

    fn save_set(&mut self, vm: &mut Vm, obj: &Value) -> PyResult<()> {
        let Value::Obj(o) = obj else {
            return Ok(());
        };
        let items = crate::objects::setobj::set_items(o);
        if self.proto < 4 {
            let t = Value::Obj(vm.types.set.clone());
            let l = vm.new_list(items);
            let args = vm.new_tuple_of([l]);
            let rv = vm.new_tuple_of([t, args]);
            return self.save_reduce(vm, &rv, Some(obj));
        }
        self.op(0x8f);
        self.memo_put(vm, obj)?;
        let size = items.len();
        if size == 0 {
            return Ok(());
        }
        for chunk in items.chunks(BATCHSIZE) {
            self.op(MARK);
            for x in chunk {
                self.save(vm, x, false)?;
            }
            self.op(0x90);
            if crate::objects::setobj::set_len(o) != size {
                return Err(vm.new_error(
                    crate::objects::exception::ExcKind::RuntimeError,
                    "set changed size during iteration",
                ));
            }
        }
        if size.is_multiple_of(BATCHSIZE) {
            self.write(&[MARK, 0x90]);
        }
        Ok(())
    }

    fn save_frozenset(&mut self, vm: &mut Vm, obj: &Value) -> PyResult<()> {
        let Value::Obj(o) = obj else {
            return Ok(());
        };
        let items = crate::objects::setobj::set_items(o);
        if self.proto < 4 {
            let t = Value::Obj(vm.types.frozenset.clone());
            let l = vm.new_list(items);
            let args = vm.new_tuple_of([l]);
            let rv = vm.new_tuple_of([t, args]);
            return self.save_reduce(vm, &rv, Some(obj));
        }
        self.op(MARK);
        for x in &items {
            self.save(vm, x, false)?;
        }
        if let Some(i) = self.memo_of(obj) {
            self.op(POP_MARK);
            self.memo_get(i);
            return Ok(());
        }
        self.op(0x91);
        self.memo_put(vm, obj)
    }
}

/// UTF-8 with lone surrogates encoded as themselves (`surrogatepass`).
pub fn str_utf8(s: &crate::objects::StrObj) -> std::borrow::Cow<'_, [u8]> {
    match s.surrogate_cps() {
        None => std::borrow::Cow::Borrowed(s.as_str().as_bytes()),
        Some(cps) => {
            let mut out = Vec::with_capacity(cps.len() * 3);
            for &c in cps {
                match char::from_u32(c) {
                    Some(ch) => {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    }
                    None => out.extend_from_slice(&[
                        0xE0 | (c >> 12) as u8,
                        0x80 | ((c >> 6) & 0x3F) as u8,
                        0x80 | (c & 0x3F) as u8,
                    ]),
                }
            }
            std::borrow::Cow::Owned(out)
        }
    }
}

/// `raw_unicode_escape` of _pickle.c (protocol 0's UNICODE argument).
fn raw_unicode_escape(s: &crate::objects::StrObj, out: &mut Vec<u8>) {
    for c in s.code_points() {
        if c >= 0x10000 {
            out.extend_from_slice(format!("\\U{c:08x}").as_bytes());
        } else if c >= 256 || matches!(c, 0x5c | 0 | 0x0a | 0x0d | 0x1a) {
            out.extend_from_slice(format!("\\u{c:04x}").as_bytes());
        } else {
            out.push(c as u8);
        }
    }
}

/// `dump` with a ready saver: PROTO, the object, STOP, the last frame.
pub fn run_dump(vm: &mut Vm, s: &mut Saver, obj: &Value) -> PyResult<()> {
    if s.proto >= 2 {
        s.write(&[0x80, s.proto]);
        if s.proto >= 4 {
            s.framing = true;
        }
    }
    s.save(vm, obj, false)?;
    s.op(STOP);
    s.commit_frame();
    s.framing = false;
    Ok(())
}

/// The hooks a pickler object has: `persistent_id`, `reducer_override`,
/// `dispatch_table`.
fn hooks(vm: &mut Vm, s: &mut Saver, pickler: &Value) -> PyResult<()> {
    s.pers_func = super::attr_opt(vm, pickler, "persistent_id")?;
    s.reducer_override = super::attr_opt(vm, pickler, "reducer_override")?;
    s.dispatch_table = super::attr_opt(vm, pickler, "dispatch_table")?;
    Ok(())
}

/// `_dump(pickler, obj)`: `Pickler.dump`.
pub fn dump(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, a) = margs(vm, &args, 2)?;
    let pickler = a[0].clone();
    let obj = a[1].clone();
    let stv = match vm.getattr_opt(&pickler, "_st")? {
        Some(v) if vm.native::<PicklerState>(&v).is_some() => v,
        _ => {
            let name = vm.type_name_of(&pickler);
            return Err(module_error(
                vm,
                &m,
                "PicklingError",
                format!("Pickler.__init__() was not called by {name}.__init__()"),
            ));
        }
    };
    let st = pstate(vm, &stv)?;
    let mut s = Saver::new(m, st);
    let r = hooks(vm, &mut s, &pickler).and_then(|()| run_dump(vm, &mut s, &obj));
    let st = pstate(vm, &stv)?;
    let memo = std::mem::take(&mut s.memo);
    let old = std::mem::replace(&mut *st.memo.borrow_mut(), memo);
    drop(old);
    r?;
    let write = st.write.borrow().clone();
    let data = vm.new_bytes(std::mem::take(&mut s.out));
    vm.call(&write, &[data])?;
    Ok(Value::None)
}

crate::interp_local! {
    /// An empty memo table kept from the last `dumps` (its capacity saves
    /// the next one growing a table from nothing).
    static SPARE_MEMO: std::cell::RefCell<Option<Memo>> = const { std::cell::RefCell::new(None) };
}

/// The largest memo table kept for the next `dumps`.
const SPARE_MEMO_MAX: usize = 4096;

/// `_dumps(obj, protocol, fix_imports, buffer_callback)`.
pub fn dumps(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, a) = margs(vm, &args, 4)?;
    let st = super::new_pickler_state(vm, Value::None, &a[1], &a[2], &a[3])?;
    let mut s = Saver::new(m, &st);
    if let Some(spare) = SPARE_MEMO.with(|c| c.borrow_mut().take()) {
        s.memo = spare;
    }
    let r = run_dump(vm, &mut s, &a[0]);
    // The memo's objects are released after the table is put back.
    let mut held = Vec::new();
    s.memo.drain_into(&mut held);
    if s.memo.capacity() <= SPARE_MEMO_MAX {
        let memo = s.memo.take();
        SPARE_MEMO.with(|c| *c.borrow_mut() = Some(memo));
    }
    drop(held);
    r?;
    Ok(vm.new_bytes(std::mem::take(&mut s.out)))
}
