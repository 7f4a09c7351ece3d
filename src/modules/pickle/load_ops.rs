//! The unpickler's opcodes (Modules/_pickle.c's `load_*` functions), with
//! CPython 3.11's checks and messages.

use super::load::Loader;
use crate::objects::exception::ExcKind;
use crate::objects::Payload;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

fn le(b: &[u8]) -> u64 {
    b.iter()
        .rev()
        .fold(0u64, |acc, &x| (acc << 8) | u64::from(x))
}

fn is_exact_str(vm: &Vm, v: &Value) -> bool {
    super::exact(v, &vm.types.str)
}

impl Loader {
    pub fn dispatch(&mut self, vm: &mut Vm, op: u8) -> PyResult<()> {
        match op {
            b'N' => self.push(Value::None),
            0x88 => self.push(Value::Bool(crate::vm::value::Truth::True)),
            0x89 => self.push(Value::Bool(crate::vm::value::Truth::False)),
            b'J' => {
                let s = self.read(vm, 4)?;
                let v = i32::from_le_bytes(self.fixed::<4>(s));
                self.push(Value::Int(i64::from(v)));
            }
            b'K' => {
                let b = self.byte(vm)?;
                self.push(Value::Int(i64::from(b)));
            }
            b'M' => {
                let s = self.read(vm, 2)?;
                let v = le(self.bytes(s, 2));
                self.push(Value::Int(v as i64));
            }
            b'I' => self.load_int(vm)?,
            b'L' => self.load_long(vm)?,
            0x8a | 0x8b => self.load_counted_long(vm, if op == 0x8a { 1 } else { 4 })?,
            b'F' => self.load_float(vm)?,
            b'G' => {
                let s = self.read(vm, 8)?;
                self.push(Value::float(f64::from_be_bytes(self.fixed::<8>(s))));
            }
            b'C' | b'B' | 0x8e => {
                let n = match op {
                    b'C' => 1,
                    b'B' => 4,
                    _ => 8,
                };
                let size = self.size(vm, n, "BINBYTES")?;
                let s = self.read(vm, size)?;
                let b = self.bytes(s, size).to_vec();
                self.push(vm.new_bytes(b));
            }
            0x96 => {
                let size = self.size(vm, 8, "BYTEARRAY8")?;
                let s = self.read(vm, size)?;
                let b = self.bytes(s, size).to_vec();
                let o = vm.new_obj(
                    &vm.types.bytearray,
                    Payload::ByteArray(std::cell::RefCell::new(b)),
                );
                self.push(Value::Obj(o));
            }
            0x97 => self.load_next_buffer(vm)?,
            0x98 => self.load_readonly_buffer(vm)?,
            b'U' | b'T' => self.load_binstring(vm, if op == b'U' { 1 } else { 4 })?,
            b'S' => self.load_string(vm)?,
            b'V' => self.load_unicode(vm)?,
            0x8c | b'X' | 0x8d => {
                let n = match op {
                    0x8c => 1,
                    b'X' => 4,
                    _ => 8,
                };
                let size = self.size(vm, n, "BINUNICODE")?;
                let s = self.read(vm, size)?;
                let v = utf8_surrogatepass(vm, self.bytes(s, size))?;
                self.push(v);
            }
            b')' => self.counted_tuple(vm, 0)?,
            0x85 => self.counted_tuple(vm, 1)?,
            0x86 => self.counted_tuple(vm, 2)?,
            0x87 => self.counted_tuple(vm, 3)?,
            b't' => {
                let i = self.marker(vm)?;
                let items = self.pop_from(vm, i)?;
                self.push(vm.new_tuple(items));
            }
            b']' => self.push(vm.new_list(Vec::new())),
            b'l' => {
                let i = self.marker(vm)?;
                let items = self.pop_from(vm, i)?;
                self.push(vm.new_list(items));
            }
            b'}' => self.push(Value::Obj(vm.new_dict())),
            b'd' => self.load_dict(vm)?,
            0x8f => {
                let s = vm.new_set_from(Vec::new(), false)?;
                self.push(s);
            }
            0x90 => self.load_additems(vm)?,
            0x91 => {
                let i = self.marker(vm)?;
                let items = self.pop_from(vm, i)?;
                let s = vm.new_set_from(items, true)?;
                self.push(s);
            }
            b'o' => self.load_obj(vm)?,
            b'i' => self.load_inst(vm)?,
            0x81 => self.load_newobj(vm, false)?,
            0x92 => self.load_newobj(vm, true)?,
            b'c' => {
                let m = self.line_text(vm, true)?;
                let n = self.line_text(vm, true)?;
                let g = self.find_class(vm, m, n)?;
                self.push(g);
            }
            0x93 => {
                let name = self.pop(vm)?;
                let module = self.pop(vm)?;
                if !is_exact_str(vm, &module) || !is_exact_str(vm, &name) {
                    return Err(self.error(vm, "STACK_GLOBAL requires str"));
                }
                let g = self.find_class(vm, module, name)?;
                self.push(g);
            }
            b'a' => {
                if self.stack.len() < self.fence() + 2 {
                    return Err(self.underflow(vm));
                }
                self.do_append(vm, self.stack.len() - 1)?;
            }
            b'e' => {
                let i = self.marker(vm)?;
                self.do_append(vm, i)?;
            }
            b'b' => self.load_build(vm)?,
            b'2' => {
                let v = self.top(vm)?;
                self.push(v);
            }
            b'h' => {
                let i = self.byte(vm)?;
                let v = self.memo_get(vm, usize::from(i))?;
                self.push(v);
            }
            b'j' => {
                let s = self.read(vm, 4)?;
                let i = le(self.bytes(s, 4)) as usize;
                let v = self.memo_get(vm, i)?;
                self.push(v);
            }
            b'g' => {
                let i = self.line_int(vm)?;
                let v = if i < 0 {
                    return Err(self.error(vm, format!("Memo value not found at index {i}")));
                } else {
                    self.memo_get(vm, i as usize)?
                };
                self.push(v);
            }
            b'(' => self.marks.push(self.stack.len()),
            b'q' => {
                let i = self.byte(vm)?;
                let v = self.top(vm)?;
                self.memo_put(vm, usize::from(i), v)?;
            }
            b'r' => {
                let s = self.read(vm, 4)?;
                let i = le(self.bytes(s, 4)) as usize;
                let v = self.top(vm)?;
                self.memo_put(vm, i, v)?;
            }
            b'p' => {
                let line = self.readline(vm)?;
                if line.len() < 2 {
                    return Err(self.truncated(vm));
                }
                let v = self.top(vm)?;
                let i = parse_int_line(vm, &line)?;
                if i < 0 {
                    return Err(vm.value_error("negative PUT argument"));
                }
                self.memo_put(vm, i as usize, v)?;
            }
            0x94 => {
                let v = self.top(vm)?;
                self.memo_put(vm, self.memo_len, v)?;
            }
            b'0' => self.load_pop(vm)?,
            b'1' => {
                let i = self.marker(vm)?;
                let old = self.pop_from(vm, i)?;
                drop(old);
            }
            b's' => {
                if self.stack.len() < 2 {
                    return Err(self.underflow(vm));
                }
                self.do_setitems(vm, self.stack.len() - 2)?;
            }
            b'u' => {
                let i = self.marker(vm)?;
                self.do_setitems(vm, i)?;
            }
            b'P' | b'Q' => self.load_persid(vm, op == b'Q')?,
            b'R' => {
                let args = self.pop(vm)?;
                let callable = self.pop(vm)?;
                let Some(Payload::Tuple(items)) = super::payload(&args) else {
                    return Err(vm.type_error("argument list must be a tuple"));
                };
                let items = items.to_vec();
                let v = vm.call(&callable, &items)?;
                self.push(v);
            }
            0x80 => {
                let p = self.byte(vm)?;
                if i64::from(p) > super::HIGHEST_PROTOCOL {
                    return Err(vm.value_error(format!("unsupported pickle protocol: {p}")));
                }
                self.proto = p;
                if let Some(st) = &self.st {
                    if let Some(s) = vm.native::<super::UnpicklerState>(st) {
                        s.proto.set(p);
                    }
                }
            }
            0x95 => {
                let s = self.read(vm, 8)?;
                let n = le(self.bytes(s, 8));
                if n > i64::MAX as u64 {
                    return Err(vm.new_error(
                        ExcKind::OverflowError,
                        format!(
                            "FRAME length exceeds system's maximum of {} bytes",
                            i64::MAX
                        ),
                    ));
                }
                let start = self.read(vm, n as usize)?;
                self.pos = start;
            }
            0x82 => self.load_ext(vm, 1)?,
            0x83 => self.load_ext(vm, 2)?,
            0x84 => self.load_ext(vm, 4)?,
            c => {
                let shown = if (0x20..=0x7e).contains(&c) && c != b'\'' && c != b'\\' {
                    char::from(c).to_string()
                } else {
                    format!("\\x{c:02x}")
                };
                return Err(self.error(vm, format!("invalid load key, '{shown}'.")));
            }
        }
        Ok(())
    }

    /// A size of `n` little-endian bytes (`calc_binsize`).
    fn size(&mut self, vm: &mut Vm, n: usize, what: &str) -> PyResult<usize> {
        let s = self.read(vm, n)?;
        let v = le(self.bytes(s, n));
        if v > i64::MAX as u64 {
            return Err(vm.new_error(
                ExcKind::OverflowError,
                format!("{what} exceeds system's maximum size of {} bytes", i64::MAX),
            ));
        }
        Ok(v as usize)
    }

    /// A line without its newline as a str (`strict` UTF-8 or ASCII).
    fn line_text(&mut self, vm: &mut Vm, utf8: bool) -> PyResult<Value> {
        let line = self.readline(vm)?;
        if line.len() < 2 {
            return Err(self.truncated(vm));
        }
        let body = line.get(..line.len() - 1).unwrap_or(&[]);
        match std::str::from_utf8(body) {
            Ok(s) if utf8 || s.is_ascii() => Ok(vm.new_str(s)),
            _ => {
                let b = vm.new_bytes(body.to_vec());
                let enc = vm.new_str(if utf8 { "utf-8" } else { "ascii" });
                vm.call_method(&b, "decode", &[enc])
            }
        }
    }

    fn line_int(&mut self, vm: &mut Vm) -> PyResult<i64> {
        let line = self.readline(vm)?;
        if line.len() < 2 {
            return Err(self.truncated(vm));
        }
        parse_int_line(vm, &line)
    }

    fn load_int(&mut self, vm: &mut Vm) -> PyResult<()> {
        let line = self.readline(vm)?;
        if line.len() < 2 {
            return Err(self.truncated(vm));
        }
        let text = String::from_utf8_lossy(&line).into_owned();
        let t = text.trim();
        let v = match t.parse::<i64>() {
            Ok(x) if line.len() == 3 && (x == 0 || x == 1) => Value::Bool(if x == 1 {
                crate::vm::value::Truth::True
            } else {
                crate::vm::value::Truth::False
            }),
            Ok(x) => Value::Int(x),
            Err(_) => match t.parse::<num_bigint::BigInt>() {
                Ok(b) => vm.new_bigint(b),
                Err(_) => return Err(vm.value_error("could not convert string to int")),
            },
        };
        self.push(v);
        Ok(())
    }

    fn load_long(&mut self, vm: &mut Vm) -> PyResult<()> {
        let line = self.readline(vm)?;
        if line.len() < 2 {
            return Err(self.truncated(vm));
        }
        let mut body = line.clone();
        if body.get(line.len() - 2) == Some(&b'L') {
            body.truncate(line.len() - 2);
        }
        let text = String::from_utf8_lossy(&body).into_owned();
        let v = match text.trim().parse::<num_bigint::BigInt>() {
            Ok(b) => vm.new_bigint(b),
            Err(_) => {
                let s = vm.new_string(text);
                vm.call(&Value::Obj(vm.types.int.clone()), &[s])?
            }
        };
        self.push(v);
        Ok(())
    }

    fn load_counted_long(&mut self, vm: &mut Vm, n: usize) -> PyResult<()> {
        let s = self.read(vm, n)?;
        let raw = le(self.bytes(s, n));
        let size = if n == 4 {
            i64::from(raw as u32 as i32)
        } else {
            raw as i64
        };
        if size < 0 {
            return Err(self.error(vm, "LONG pickle has negative byte count"));
        }
        let v = if size == 0 {
            Value::Int(0)
        } else {
            let s = self.read(vm, size as usize)?;
            let b = num_bigint::BigInt::from_signed_bytes_le(self.bytes(s, size as usize));
            vm.new_bigint(b)
        };
        self.push(v);
        Ok(())
    }

    fn load_float(&mut self, vm: &mut Vm) -> PyResult<()> {
        let line = self.readline(vm)?;
        if line.len() < 2 {
            return Err(self.truncated(vm));
        }
        let text = String::from_utf8_lossy(&line).into_owned();
        let body = text.strip_suffix('\n').unwrap_or(&text);
        match body.parse::<f64>().ok() {
            Some(f) => {
                self.push(Value::float(f));
                Ok(())
            }
            None => {
                let starts_numeric = body
                    .trim_start()
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.'));
                if starts_numeric {
                    Err(vm.value_error("could not convert string to float"))
                } else {
                    let r = crate::pyfmt::str_repr_str(&text);
                    Err(vm.value_error(format!("could not convert string to float: {r}")))
                }
            }
        }
    }

    /// Decode a Python 2 str with the unpickler's encoding.
    fn decode_str(&mut self, vm: &mut Vm, raw: Vec<u8>) -> PyResult<Value> {
        if self.encoding == "bytes" {
            return Ok(vm.new_bytes(raw));
        }
        let enc = self.encoding.to_ascii_lowercase();
        if (enc == "ascii" || enc == "latin1" || enc == "latin-1") && raw.is_ascii() {
            if let Ok(s) = std::str::from_utf8(&raw) {
                return Ok(vm.new_str(s));
            }
        }
        let b = vm.new_bytes(raw);
        let e = vm.new_str(&self.encoding.clone());
        let r = vm.new_str(&self.errors.clone());
        vm.call_method(&b, "decode", &[e, r])
    }

    fn load_binstring(&mut self, vm: &mut Vm, n: usize) -> PyResult<()> {
        let size = self.size(vm, n, "BINSTRING")?;
        let s = self.read(vm, size)?;
        let b = self.bytes(s, size).to_vec();
        let v = self.decode_str(vm, b)?;
        self.push(v);
        Ok(())
    }

    fn load_string(&mut self, vm: &mut Vm) -> PyResult<()> {
        let line = self.readline(vm)?;
        let len = line.len().saturating_sub(1);
        let body = line.get(..len).unwrap_or(&[]);
        let quoted = len >= 2
            && body.first() == body.last()
            && matches!(body.first(), Some(b'\'') | Some(b'"'));
        if !quoted {
            return Err(self.error(vm, "the STRING opcode argument must be quoted"));
        }
        let inner = body.get(1..len - 1).unwrap_or(&[]).to_vec();
        let codecs = vm.import_by_name("codecs")?;
        let f = vm.getattr_str(&codecs, "escape_decode")?;
        let b = vm.new_bytes(inner);
        let r = vm.call(&f, &[b])?;
        let decoded = vm.getitem(&r, &Value::Int(0))?;
        let raw = super::load::buffer_bytes(vm, &decoded)?;
        let v = self.decode_str(vm, raw)?;
        self.push(v);
        Ok(())
    }

    fn load_unicode(&mut self, vm: &mut Vm) -> PyResult<()> {
        let line = self.readline(vm)?;
        if line.is_empty() {
            return Err(self.truncated(vm));
        }
        let body = line.get(..line.len() - 1).unwrap_or(&[]);
        let v = if !body.contains(&b'\\') {
            let s: String = body.iter().map(|&b| char::from(b)).collect();
            vm.new_string(s)
        } else {
            let b = vm.new_bytes(body.to_vec());
            let e = vm.new_str("raw_unicode_escape");
            vm.call_method(&b, "decode", &[e])?
        };
        self.push(v);
        Ok(())
    }

    fn counted_tuple(&mut self, vm: &mut Vm, n: usize) -> PyResult<()> {
        let len = self.stack.len();
        if len < n || len - n < self.fence() {
            return Err(self.underflow(vm));
        }
        let items = self.stack.split_off(len - n);
        self.push(vm.new_tuple(items));
        Ok(())
    }

    fn load_dict(&mut self, vm: &mut Vm) -> PyResult<()> {
        let i = self.marker(vm)?;
        let j = self.stack.len();
        if j < i || !(j - i).is_multiple_of(2) {
            return Err(self.error(vm, "odd number of items for DICT"));
        }
        let items = self.stack.split_off(i);
        let d = vm.new_dict();
        let mut it = items.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            vm.dict_set(&d, k, v)?;
        }
        self.push(Value::Obj(d));
        Ok(())
    }

    fn load_additems(&mut self, vm: &mut Vm) -> PyResult<()> {
        let mark = self.marker(vm)?;
        let len = self.stack.len();
        if mark > len || mark <= self.fence() {
            return Err(self.underflow(vm));
        }
        if len == mark {
            return Ok(());
        }
        let set = self.stack.get(mark - 1).cloned().unwrap_or(Value::None);
        let items = self.stack.split_off(mark);
        if let Some(Payload::Set(_)) = super::payload(&set) {
            if let Value::Obj(so) = &set {
                for x in items {
                    vm.set_add(so, x)?;
                }
                return Ok(());
            }
        }
        let add = vm.getattr_str(&set, "add")?;
        for x in items {
            vm.call(&add, &[x])?;
        }
        Ok(())
    }

    fn instantiate(&mut self, vm: &mut Vm, cls: &Value, args: Vec<Value>) -> PyResult<Value> {
        let is_type = crate::objects::typeobj::is_subtype(&vm.type_of(cls), &vm.types.type_);
        if args.is_empty() && is_type && super::attr_opt(vm, cls, "__getinitargs__")?.is_none() {
            let new = super::attr(vm, cls, "__new__")?;
            return vm.call(&new, std::slice::from_ref(cls));
        }
        vm.call(cls, &args)
    }

    fn load_obj(&mut self, vm: &mut Vm) -> PyResult<()> {
        let i = self.marker(vm)?;
        if self.stack.len() < i + 1 {
            return Err(self.underflow(vm));
        }
        let args = self.pop_from(vm, i + 1)?;
        let cls = self.pop(vm)?;
        let obj = self.instantiate(vm, &cls, args)?;
        self.push(obj);
        Ok(())
    }

    fn load_inst(&mut self, vm: &mut Vm) -> PyResult<()> {
        let i = self.marker(vm)?;
        let m = self.line_text(vm, false)?;
        let n = self.line_text(vm, false)?;
        let cls = self.find_class(vm, m, n)?;
        let args = self.pop_from(vm, i)?;
        let obj = self.instantiate(vm, &cls, args)?;
        self.push(obj);
        Ok(())
    }

    fn load_newobj(&mut self, vm: &mut Vm, ex: bool) -> PyResult<()> {
        let kwargs = if ex { Some(self.pop(vm)?) } else { None };
        let args = self.pop(vm)?;
        let cls = self.pop(vm)?;
        let name = if ex { "NEWOBJ_EX" } else { "NEWOBJ" };
        if !crate::objects::typeobj::is_subtype(&vm.type_of(&cls), &vm.types.type_) {
            let tn = vm.type_name_of(&cls);
            return Err(self.error(
                vm,
                format!("{name} class argument must be a type, not {tn}"),
            ));
        }
        let Some(Payload::Tuple(items)) = super::payload(&args) else {
            let tn = vm.type_name_of(&args);
            return Err(self.error(
                vm,
                format!("{name} args argument must be a tuple, not {tn}"),
            ));
        };
        let mut call_args = Vec::with_capacity(items.len() + 1);
        call_args.push(cls.clone());
        call_args.extend(items.iter().cloned());
        let new = super::attr(vm, &cls, "__new__")?;
        let obj = match kwargs {
            None => vm.call(&new, &call_args)?,
            Some(kw) => {
                let Some(Value::Obj(d)) =
                    Some(&kw).filter(|k| matches!(super::payload(k), Some(Payload::Dict(_))))
                else {
                    let tn = vm.type_name_of(&kw);
                    return Err(self.error(
                        vm,
                        format!("{name} kwargs argument must be a dict, not {tn}"),
                    ));
                };
                let mut names = Vec::new();
                for (k, v) in vm.dict_items(d) {
                    match k {
                        Value::Obj(ko) if vm.as_str_obj(&Value::Obj(ko.clone())).is_some() => {
                            names.push(ko);
                            call_args.push(v);
                        }
                        _ => return Err(vm.type_error("keywords must be strings")),
                    }
                }
                vm.call_args(
                    &new,
                    crate::objects::function::Args {
                        args: &call_args,
                        kwnames: &names,
                    },
                )?
            }
        };
        self.push(obj);
        Ok(())
    }

    fn do_append(&mut self, vm: &mut Vm, x: usize) -> PyResult<()> {
        let len = self.stack.len();
        if x > len || x <= self.fence() {
            return Err(self.underflow(vm));
        }
        if len == x {
            return Ok(());
        }
        let list = self.stack.get(x - 1).cloned().unwrap_or(Value::None);
        let items = self.stack.split_off(x);
        if super::exact(&list, &vm.types.list) {
            if let Some(Payload::List(l)) = super::payload(&list) {
                l.borrow_mut().extend(items);
                return Ok(());
            }
        }
        if let Some(extend) = vm.getattr_opt(&list, "extend")? {
            let l = vm.new_list(items);
            vm.call(&extend, &[l])?;
            return Ok(());
        }
        let append = vm.getattr_str(&list, "append")?;
        for it in items {
            vm.call(&append, &[it])?;
        }
        Ok(())
    }

    fn do_setitems(&mut self, vm: &mut Vm, x: usize) -> PyResult<()> {
        let len = self.stack.len();
        if x > len || x <= self.fence() {
            return Err(self.underflow(vm));
        }
        if len == x {
            return Ok(());
        }
        if !(len - x).is_multiple_of(2) {
            return Err(self.error(vm, "odd number of items for SETITEMS"));
        }
        let dict = self.stack.get(x - 1).cloned().unwrap_or(Value::None);
        let items = self.stack.split_off(x);
        let exact = super::exact(&dict, &vm.types.dict);
        if exact {
            if let Some(Payload::Dict(t)) = super::payload(&dict) {
                if let Ok(mut t) = t.try_borrow_mut() {
                    t.reserve_entries(items.len() / 2);
                }
            }
        }
        let mut it = items.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            match &dict {
                Value::Obj(d) if exact => vm.dict_set(d, k, v)?,
                _ => vm.setitem(&dict, k, v)?,
            }
        }
        Ok(())
    }

    fn load_build(&mut self, vm: &mut Vm) -> PyResult<()> {
        if self.stack.len() < self.fence() + 2 {
            return Err(self.underflow(vm));
        }
        let state = self.pop(vm)?;
        let inst = self.top(vm)?;
        if let Some(setstate) = super::attr_opt(vm, &inst, "__setstate__")? {
            vm.call(&setstate, &[state])?;
            return Ok(());
        }
        let (state, slotstate) = match super::payload(&state) {
            Some(Payload::Tuple(t)) if t.len() == 2 => (t[0].clone(), Some(t[1].clone())),
            _ => (state, None),
        };
        if !state.is_none() {
            let Some(Payload::Dict(_)) = super::payload(&state) else {
                return Err(self.error(vm, "state is not a dictionary"));
            };
            let Value::Obj(sd) = &state else {
                return Ok(());
            };
            let dict = super::attr(vm, &inst, "__dict__")?;
            let exact = super::exact(&dict, &vm.types.dict);
            for (k, v) in vm.dict_items(sd) {
                let k = match vm.as_str_obj(&k) {
                    Some(s) if is_exact_str(vm, &k) && s.surrogate_cps().is_none() => {
                        Value::Obj(vm.intern(s.as_str()))
                    }
                    _ => k,
                };
                match &dict {
                    Value::Obj(d) if exact => vm.dict_set(d, k, v)?,
                    _ => vm.setitem(&dict, k, v)?,
                }
            }
        }
        if let Some(ss) = slotstate {
            let Some(Payload::Dict(_)) = super::payload(&ss) else {
                return Err(self.error(vm, "slot state is not a dictionary"));
            };
            let Value::Obj(sd) = &ss else {
                return Ok(());
            };
            for (k, v) in vm.dict_items(sd) {
                let Value::Obj(kn) = &k else {
                    return Err(vm.type_error("attribute name must be string"));
                };
                vm.setattr(&inst, kn, Some(v))?;
            }
        }
        Ok(())
    }

    fn load_pop(&mut self, vm: &mut Vm) -> PyResult<()> {
        let len = self.stack.len();
        if self.marks.last() == Some(&len) {
            self.marks.pop();
        } else if len <= self.fence() {
            return Err(self.underflow(vm));
        } else {
            let old = self.stack.pop();
            drop(old);
        }
        Ok(())
    }

    fn load_persid(&mut self, vm: &mut Vm, bin: bool) -> PyResult<()> {
        let Some(f) = self.pers_load.clone() else {
            return Err(self.error(
                vm,
                "A load persistent id instruction was encountered,\n\
                 but no persistent_load function was specified.",
            ));
        };
        let pid = if bin {
            self.pop(vm)?
        } else {
            let line = self.readline(vm)?;
            if line.is_empty() {
                return Err(self.truncated(vm));
            }
            let body = line.get(..line.len() - 1).unwrap_or(&[]);
            if !body.is_ascii() {
                return Err(self.error(vm, "persistent IDs in protocol 0 must be ASCII strings"));
            }
            vm.new_string(String::from_utf8_lossy(body).into_owned())
        };
        let v = vm.call(&f, &[pid])?;
        self.push(v);
        Ok(())
    }

    fn load_next_buffer(&mut self, vm: &mut Vm) -> PyResult<()> {
        if self.buffers.is_none() {
            return Err(self.error(
                vm,
                "pickle stream refers to out-of-band data but no *buffers* argument was given",
            ));
        }
        let it = self.buffers.clone();
        match vm.next(&it)? {
            Some(b) => {
                self.push(b);
                Ok(())
            }
            None => Err(self.error(vm, "not enough out-of-band buffers")),
        }
    }

    fn load_readonly_buffer(&mut self, vm: &mut Vm) -> PyResult<()> {
        let obj = self.top(vm)?;
        let mv = vm.call(&Value::Obj(vm.types.memoryview.clone()), &[obj])?;
        let ro = vm.getattr_str(&mv, "readonly")?;
        if !vm.truthy(&ro)? {
            let view = vm.call_method(&mv, "toreadonly", &[])?;
            if let Some(slot) = self.stack.last_mut() {
                *slot = view;
            }
        }
        Ok(())
    }

    fn load_ext(&mut self, vm: &mut Vm, n: usize) -> PyResult<()> {
        let s = self.read(vm, n)?;
        let raw = le(self.bytes(s, n));
        let code = if n == 4 {
            i64::from(raw as u32 as i32)
        } else {
            raw as i64
        };
        if code <= 0 {
            return Err(self.error(vm, "EXT specifies code <= 0"));
        }
        let copyreg = super::copyreg(vm)?;
        let cache = vm.getattr_str(&copyreg, "_extension_cache")?;
        let key = Value::Int(code);
        if let Value::Obj(c) = &cache {
            if let Some(v) = vm.dict_get(c, &key)? {
                self.push(v);
                return Ok(());
            }
        }
        let inverted = vm.getattr_str(&copyreg, "_inverted_registry")?;
        let pair = match &inverted {
            Value::Obj(d) => vm.dict_get(d, &key)?,
            _ => None,
        };
        let Some(pair) = pair else {
            return Err(vm.value_error(format!("unregistered extension code {code}")));
        };
        let items = match super::payload(&pair) {
            Some(Payload::Tuple(t)) => t.to_vec(),
            _ => Vec::new(),
        };
        let [m, name] = &items[..] else {
            return Err(vm.value_error(format!(
                "_inverted_registry[{code}] isn't a 2-tuple of strings"
            )));
        };
        if vm.as_str_obj(m).is_none() || vm.as_str_obj(name).is_none() {
            return Err(vm.value_error(format!(
                "_inverted_registry[{code}] isn't a 2-tuple of strings"
            )));
        }
        let obj = self.find_class(vm, m.clone(), name.clone())?;
        if let Value::Obj(c) = &cache {
            vm.dict_set(c, key, obj.clone())?;
        }
        self.push(obj);
        Ok(())
    }
}

/// A memo index line (`PyLong_FromString` then `PyLong_AsSsize_t`).
fn parse_int_line(vm: &mut Vm, line: &[u8]) -> PyResult<i64> {
    let text = String::from_utf8_lossy(line).into_owned();
    match text.trim().parse::<i64>() {
        Ok(i) => Ok(i),
        Err(_) => {
            // `PyLong_FromString` on the whole line: its text decoded
            // strictly (a UnicodeDecodeError as CPython's), the error
            // naming the line as read, newline included.
            let b = vm.new_bytes(line.to_vec());
            let utf8 = vm.new_str("utf-8");
            let s = vm.call_method(&b, "decode", &[utf8])?;
            match vm.call(&Value::Obj(vm.types.int.clone()), std::slice::from_ref(&s)) {
                Ok(Value::Int(i)) => Ok(i),
                Ok(_) => Err(vm.new_error(
                    ExcKind::OverflowError,
                    "Python int too large to convert to C ssize_t",
                )),
                Err(_) => {
                    let r = vm.repr(&s)?;
                    Err(vm.value_error(format!("invalid literal for int() with base 10: {r}")))
                }
            }
        }
    }
}

/// UTF-8 with `surrogatepass`.
fn utf8_surrogatepass(vm: &mut Vm, b: &[u8]) -> PyResult<Value> {
    match std::str::from_utf8(b) {
        Ok(s) => Ok(vm.new_str(s)),
        Err(_) => {
            let bytes = vm.new_bytes(b.to_vec());
            let e = vm.new_str("utf-8");
            let r = vm.new_str("surrogatepass");
            vm.call_method(&bytes, "decode", &[e, r])
        }
    }
}
