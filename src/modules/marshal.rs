//! `marshal`: `loads`/`dumps`/`load`/`dump` over the project's marshal
//! reader and writer (`pyc::marshal`). Values become marshal objects and
//! back through the same conversion the VM uses for code constants
//! (`Vm::const_value`). A code object is rebuilt from the prepared
//! code's current fields (which keep no marshal tree), so
//! `code.replace(...)` results dump what they hold.
//!
//! CPython flags an object for back-references when its reference count
//! is above one; pycvm approximates that with `Rc` counts for heap
//! objects and treats unboxed ints and floats as shared, one object per
//! value (small ints and constants are). Set elements are sorted by their
//! own marshal bytes, as CPython 3.11 writes them. Inside code objects the
//! flags follow
//! CPython's counts more closely: interned names always, small ints,
//! numbers, names, tuples and tables the module's code objects share
//! (recorded at load, `Code::share_ids`), the `co_code` bytes (cached).

use crate::objects::rc::Rc;
use crate::vm::value::Truth;
use std::collections::HashMap;

use super::binargs::{add_module_functions, need_bytes, Sig};
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::pyc::marshal::{self as pm, MarshalErrorKind};
use crate::pyc::object::{Obj, Object, PyStr};
use crate::pyc::CodeObject;
use crate::vm::code::Code;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

/// The version `marshal.dumps` writes by default.
const VERSION: i64 = 4;

/// References the VM holds to a `dumps` argument beyond CPython's.
const TOP_EXTRA: usize = 1;

fn load_error(vm: &Vm, e: pm::MarshalError) -> PyErr {
    match e.kind {
        MarshalErrorKind::EofObject
        | MarshalErrorKind::EofNotExpected
        | MarshalErrorKind::TooShort => vm.new_error(ExcKind::EOFError, e.kind.to_string()),
        MarshalErrorKind::UnknownType(_) => vm.value_error("bad marshal data (unknown type code)"),
        MarshalErrorKind::NestedTooDeep => vm.value_error(e.kind.to_string()),
        MarshalErrorKind::NullObject(_) | MarshalErrorKind::Unhashable(_) => {
            vm.type_error(e.kind.to_string())
        }
        k => vm.value_error(k.to_string()),
    }
}

fn unmarshallable(vm: &Vm) -> PyErr {
    vm.value_error("unmarshallable object")
}

/// Whether a str would be interned by CPython (identifier-like
/// constants are).
fn looks_interned(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Append code point `c` in WTF-8 (UTF-8 that allows lone surrogates).
fn push_wtf8(out: &mut Vec<u8>, c: u32) {
    if c < 0x80 {
        out.push(c as u8);
    } else if c < 0x800 {
        out.extend([0xc0 | (c >> 6) as u8, 0x80 | (c & 0x3f) as u8]);
    } else if c < 0x10000 {
        out.extend([
            0xe0 | (c >> 12) as u8,
            0x80 | ((c >> 6) & 0x3f) as u8,
            0x80 | (c & 0x3f) as u8,
        ]);
    } else {
        out.extend([
            0xf0 | (c >> 18) as u8,
            0x80 | ((c >> 12) & 0x3f) as u8,
            0x80 | ((c >> 6) & 0x3f) as u8,
            0x80 | (c & 0x3f) as u8,
        ]);
    }
}

struct Conv {
    seen: HashMap<usize, Obj>,
    /// The one `b''` of a dump (CPython's is a singleton).
    empty_bytes: Option<Obj>,
    /// Unboxed ints (false) and floats (true, by their bits) met so far.
    nums: HashMap<(bool, u64), Obj>,
    /// The shared tuples and tables written so far, by `Code::share_ids`.
    shared: HashMap<u32, Obj>,
    /// How many code objects' constants are being converted.
    code_depth: usize,
    /// How often each number occurs among the outermost code object's
    /// constants.
    num_count: HashMap<(bool, u64), u32>,
    depth: usize,
    /// The format version (0..=4).
    version: u8,
}

impl Conv {
    /// A converter for format `version` that has met nothing yet.
    fn new(version: u8) -> Conv {
        Conv {
            seen: HashMap::new(),
            empty_bytes: None,
            nums: HashMap::new(),
            code_depth: 0,
            shared: HashMap::new(),
            num_count: HashMap::new(),
            depth: 0,
            version,
        }
    }

    /// `extra`: references to `v` that the caller holds and CPython
    /// would not (copies made while walking).
    fn obj(&mut self, vm: &mut Vm, v: &Value, extra: usize) -> PyResult<Obj> {
        let flag = |o: &PyRef| Rc::strong_count(o) > 1 + extra;
        Ok(match v {
            Value::Null | Value::None => Obj::new(Object::None),
            Value::Bool(Truth::True) => Obj::new(Object::True),
            Value::Bool(Truth::False) => Obj::new(Object::False),
            // Equal numbers are one object (small ints are cached, and the
            // compiler merges equal constants), written once and referred to.
            Value::Int(i) => {
                let flag = self.num_flag((false, *i as u64), (-5..=256).contains(i));
                self.nums
                    .entry((false, *i as u64))
                    .or_insert_with(|| Obj::with_ref_flag(Object::Int(*i), flag))
                    .clone()
            }
            Value::Float(f) => {
                let flag = self.num_flag((true, f.to_bits()), false);
                self.nums
                    .entry((true, f.to_bits()))
                    .or_insert_with(|| Obj::with_ref_flag(Object::Float(f.get()), flag))
                    .clone()
            }
            Value::Obj(o) => {
                let key = Rc::as_ptr(o) as *const u8 as usize;
                if let Some(prev) = self.seen.get(&key) {
                    return Ok(prev.clone());
                }
                self.depth += 1;
                if self.depth > pm::MAX_MARSHAL_STACK_DEPTH {
                    return Err(vm.value_error("object too deeply nested to marshal"));
                }
                let r = self.heap(vm, v, o, flag(o))?;
                self.depth -= 1;
                self.seen.insert(key, r.clone());
                r
            }
        })
    }

    /// Whether a number gets the reference flag: outside code objects
    /// always (held by the caller too, as far as pycvm can tell); among a
    /// code object's constants when it is a cached small int or occurs
    /// more than once (the compiler merges equal constants), as CPython's
    /// reference counts give.
    fn num_flag(&self, key: (bool, u64), small: bool) -> bool {
        self.code_depth == 0 || small || self.num_count.get(&key).is_some_and(|&n| n > 1)
    }

    /// Count the numbers among `vals`, nested tuples, frozensets and code
    /// constants included.
    /// `shared`: bit i set when `vals[i]` is a number other code objects
    /// share (`Code::shared_consts`), counted as a second occurrence.
    fn count_nums(&mut self, vals: &[Value], shared: &[u64], depth: usize) {
        if depth > pm::MAX_MARSHAL_STACK_DEPTH {
            return;
        }
        for (i, v) in vals.iter().enumerate() {
            let key = match v {
                Value::Int(i) => (false, *i as u64),
                Value::Float(f) => (true, f.to_bits()),
                Value::Obj(o) => {
                    match &o.payload {
                        Payload::Tuple(t) => self.count_nums(t, &[], depth + 1),
                        Payload::FrozenSet(_) => {
                            let items = crate::objects::setobj::set_items(o);
                            self.count_nums(&items, &[], depth + 1);
                        }
                        Payload::Code(c) => {
                            self.count_nums(&c.consts, c.shared_consts(), depth + 1)
                        }
                        _ => {}
                    }
                    continue;
                }
                _ => continue,
            };
            let bit = shared.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0);
            *self.num_count.entry(key).or_insert(0) += 1 + u32::from(bit);
        }
    }

    fn items(&mut self, vm: &mut Vm, vals: &[Value]) -> PyResult<Vec<Obj>> {
        vals.iter().map(|x| self.obj(vm, x, 1)).collect()
    }

    /// A code object rebuilt from a prepared code's current fields, as
    /// CPython's `w_object` writes one (`code.replace` results included).
    /// `live`: whether functions or frames hold the code.
    fn code(&mut self, vm: &mut Vm, c: &Code, live: bool) -> PyResult<CodeObject> {
        // `_PyCode_GetCode` caches the bytes it returns: two references.
        let code = Obj::with_ref_flag(Object::Bytes(c.co_code()), true);
        if self.code_depth == 0 {
            self.num_count.clear();
            self.count_nums(&c.consts, c.shared_consts(), 0);
        }
        self.code_depth += 1;
        let [consts_id, names_id, lpn_id, lines_id, exc_id] = c.share_ids.get();
        let consts = match self.shared.get(&consts_id) {
            Some(t) if consts_id != 0 => {
                self.code_depth -= 1;
                t.clone()
            }
            _ => {
                let extra = usize::from(c.shared_names.get() & 4 != 0);
                let items = c
                    .consts
                    .iter()
                    .map(|x| self.obj(vm, x, extra))
                    .collect::<PyResult<Vec<Obj>>>();
                self.code_depth -= 1;
                self.tuple(vm, items?, consts_id)?
            }
        };
        let names = self.names(vm, &c.names, names_id)?;
        let localsplusnames = self.names(vm, &c.localsplusnames, lpn_id)?;
        let localspluskinds = self.bytes(c.localspluskinds().to_vec());
        // A module's code objects share their filename (marshal refers back
        // to it); a function holds its code's name and qualname, which are
        // one object when they are equal (a top-level function's).
        let filename = self.str_field(vm, &c.filename(), Some(false), true)?;
        let held = live || Rc::ptr_eq(&c.name, &c.qualname);
        let name = self.str_field(vm, &c.name, None, held || c.shared_names.get() & 1 != 0)?;
        let qualname =
            self.str_field(vm, &c.qualname, None, held || c.shared_names.get() & 2 != 0)?;
        let to_i32 = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        Ok(CodeObject {
            argcount: to_i32(c.argcount),
            posonlyargcount: to_i32(c.posonlyargcount),
            kwonlyargcount: to_i32(c.kwonlyargcount),
            stacksize: to_i32(c.stacksize),
            flags: c.flags as i32,
            code,
            consts,
            names,
            localsplusnames,
            localspluskinds,
            filename,
            name,
            qualname,
            firstlineno: c.firstlineno,
            linetable: self.table(c.linetable(), lines_id),
            exceptiontable: self.table(c.exceptiontable(), exc_id),
        })
    }

    /// A tuple field of a code object: its own, or (`id` not 0) one that
    /// code objects of its module share (the empty one is CPython's
    /// singleton).
    fn tuple(&mut self, vm: &mut Vm, items: Vec<Obj>, id: u32) -> PyResult<Obj> {
        if items.is_empty() {
            let e = Value::Obj(vm.empty_tuple.clone());
            return self.obj(vm, &e, 1);
        }
        let t = Obj::with_ref_flag(Object::Tuple(items), id != 0);
        if id != 0 {
            self.shared.insert(id, t.clone());
        }
        Ok(t)
    }

    /// Bytes a code object holds alone (`b''` is CPython's shared
    /// singleton).
    fn bytes(&mut self, b: Vec<u8>) -> Obj {
        if b.is_empty() {
            return self.empty_bytes();
        }
        Obj::new(Object::Bytes(b))
    }

    /// `co_linetable` or `co_exceptiontable`: its own, or (`id` not 0)
    /// one that code objects of its module share.
    fn table(&mut self, b: &[u8], id: u32) -> Obj {
        if b.is_empty() {
            return self.empty_bytes();
        }
        if id == 0 {
            return Obj::new(Object::Bytes(b.to_vec()));
        }
        self.shared
            .entry(id)
            .or_insert_with(|| Obj::with_ref_flag(Object::Bytes(b.to_vec()), true))
            .clone()
    }

    fn empty_bytes(&mut self) -> Obj {
        self.empty_bytes
            .get_or_insert_with(|| Obj::with_ref_flag(Object::Bytes(Vec::new()), true))
            .clone()
    }

    /// `co_names` or `co_localsplusnames`: interned strs (code objects
    /// intern them; marshal always flags interned strs).
    fn names(&mut self, vm: &mut Vm, names: &[PyRef], id: u32) -> PyResult<Obj> {
        if let Some(t) = self.shared.get(&id).filter(|_| id != 0) {
            return Ok(t.clone());
        }
        let items = names
            .iter()
            .map(|n| self.str_field(vm, n, Some(true), true))
            .collect::<PyResult<Vec<Obj>>>()?;
        self.tuple(vm, items, id)
    }

    /// A str field of a code object; `interned`: whether CPython has it
    /// interned (None: when it looks like an identifier, as the names
    /// the compiler takes from the source are); `shared`: whether CPython
    /// would count more than one reference to it (pycvm interns every
    /// such field, so its own counts say little).
    fn str_field(
        &mut self,
        vm: &mut Vm,
        s: &PyRef,
        interned: Option<bool>,
        shared: bool,
    ) -> PyResult<Obj> {
        let key = Rc::as_ptr(s) as *const u8 as usize;
        if let Some(prev) = self.seen.get(&key) {
            return Ok(prev.clone());
        }
        let text = match &s.payload {
            Payload::Str(t) if t.surrogate_cps().is_none() => t.as_str(),
            _ => return self.obj(vm, &Value::Obj(s.clone()), 1),
        };
        let interned = interned.unwrap_or_else(|| {
            !text.is_empty() && text.chars().all(|ch| ch.is_alphanumeric() || ch == '_')
        });
        let flag = interned || shared;
        let o = Obj::with_ref_flag(Object::Str(PyStr::new(text, interned)), flag);
        self.seen.insert(key, o.clone());
        Ok(o)
    }

    fn heap(&mut self, vm: &mut Vm, v: &Value, o: &PyRef, flag: bool) -> PyResult<Obj> {
        if Rc::ptr_eq(o, &vm.ellipsis) {
            return Ok(Obj::new(Object::Ellipsis));
        }
        if Rc::ptr_eq(o, &vm.exc_type(ExcKind::StopIteration)) {
            return Ok(Obj::new(Object::StopIteration));
        }
        // Only exact builtin types marshal (subclasses do not).
        if !vm.builtin_class(o) {
            return Err(unmarshallable(vm));
        }
        let value = match &o.payload {
            Payload::Int(b) => Object::Long(b.clone()),
            Payload::Float(f) => Object::Float(*f),
            Payload::Complex(re, im) => Object::Complex { re: *re, im: *im },
            Payload::Str(s) => {
                let text = s.as_str();
                let ps = match s.surrogate_cps() {
                    Some(_) => {
                        let mut b = Vec::new();
                        for c in s.code_points() {
                            push_wtf8(&mut b, c);
                        }
                        PyStr::from_wtf8_unchecked(b.into_boxed_slice(), false)
                    }
                    None => PyStr::new(text, looks_interned(text)),
                };
                Object::Str(ps)
            }
            Payload::Bytes(b) if b.is_empty() => return Ok(self.empty_bytes()),
            Payload::Bytes(b) => Object::Bytes(b.to_vec()),
            Payload::ByteArray(b) => Object::Bytes(b.borrow().clone()),
            Payload::Tuple(t) => {
                let t = t.to_vec();
                Object::Tuple(self.items(vm, &t)?)
            }
            Payload::List(l) => {
                let l = l.borrow().clone();
                Object::List(self.items(vm, &l)?)
            }
            Payload::Dict(_) => {
                let pairs = vm.dict_items(o);
                let mut out = Vec::with_capacity(pairs.len());
                for (k, x) in &pairs {
                    out.push((self.obj(vm, k, 1)?, self.obj(vm, x, 1)?));
                }
                Object::Dict(out)
            }
            Payload::Set(_) | Payload::FrozenSet(_) => {
                let vals = crate::objects::setobj::set_items(o);
                let mut objs = self.items(vm, &vals)?;
                // CPython 3.11 sorts elements by their own marshal bytes.
                let mut keyed: Vec<(Vec<u8>, Obj)> = objs
                    .drain(..)
                    .map(|x| (pm::dumps_version(&x, self.version).unwrap_or_default(), x))
                    .collect();
                keyed.sort_by(|a, b| a.0.cmp(&b.0));
                let objs = keyed.into_iter().map(|(_, x)| x).collect();
                if matches!(o.payload, Payload::Set(_)) {
                    Object::Set(objs)
                } else {
                    Object::FrozenSet(objs)
                }
            }
            Payload::Code(c) => {
                // CPython counts the functions and frames running the code
                // as references to the code object.
                let live = Rc::strong_count(c) > 1;
                let c = c.clone();
                // Code objects nested in it are prepared when first used
                // (vm/code_lazy.rs): the writer reads all their fields.
                vm.ensure_prepared_deep(&c);
                let co = self.code(vm, &c, live)?;
                let flag = flag || live;
                return Ok(Obj::with_ref_flag(Object::Code(Box::new(co)), flag));
            }
            Payload::MemoryView(_) => match crate::objects::bytes::buffer_bytes(vm, v)? {
                Some(b) => Object::Bytes(b),
                None => return Err(unmarshallable(vm)),
            },
            Payload::Native(d) => match d.buffer() {
                Some(b) => Object::Bytes(b),
                None => return Err(unmarshallable(vm)),
            },
            _ => return Err(unmarshallable(vm)),
        };
        Ok(Obj::with_ref_flag(value, flag))
    }
}

/// `marshal.dumps(value)`'s bytes.
fn dump_bytes(vm: &mut Vm, v: &Value, version: i64) -> PyResult<Vec<u8>> {
    let version = version.clamp(0, 4) as u8;
    let mut c = Conv::new(version);
    let o = c.obj(vm, v, TOP_EXTRA)?;
    pm::dumps_version(&o, version).map_err(|e| match e.kind {
        MarshalErrorKind::NestedTooDeep => vm.value_error(e.kind.to_string()),
        _ => unmarshallable(vm),
    })
}

fn version_arg(vm: &mut Vm, v: Option<Value>) -> PyResult<i64> {
    match v {
        Some(v) => super::binargs::int_arg(vm, &v),
        None => Ok(VERSION),
    }
}

fn marshal_dumps(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = super::binargs::posonly(vm, &args, "dumps", 1, 2)?;
    let version = version_arg(vm, a.get(1).cloned())?;
    let b = dump_bytes(vm, &a[0], version)?;
    Ok(vm.new_bytes(b))
}

fn marshal_dump(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = super::binargs::posonly(vm, &args, "dump", 2, 3)?;
    let version = version_arg(vm, a.get(2).cloned())?;
    let b = dump_bytes(vm, &a[0], version)?;
    let bytes = vm.new_bytes(b);
    vm.call_method(&a[1], "write", &[bytes])?;
    Ok(Value::None)
}

/// Decode marshal data; the value and how many bytes it took (`load`
/// needs that to leave the file after the object). Code objects in it
/// pass the bytecode verifier before they first run (vm/code.rs).
fn loads_value(vm: &mut Vm, data: &[u8]) -> PyResult<(Value, usize)> {
    let (o, used) = pm::loads_prefix(data).map_err(|e| load_error(vm, e))?;
    Ok((vm.const_value(&o), used))
}

fn marshal_loads(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = Sig {
        name: "loads",
        pos: &["bytes"],
        posonly: 1,
        required: 1,
        kwonly: &[],
    }
    .bind(vm, &args, 1)?;
    let arg = b[0].clone().unwrap_or(Value::None);
    // A bytes object, or a plain view of one (importlib passes
    // `memoryview(data)[16:]`), is read in place.
    if let Some(data) = contiguous_bytes(&arg) {
        return Ok(loads_value(vm, data)?.0);
    }
    let data = need_bytes(vm, &arg)?;
    Ok(loads_value(vm, &data)?.0)
}

/// The bytes of `v` without copying: a bytes object, or a live
/// contiguous byte-format memoryview of one.
fn contiguous_bytes(v: &Value) -> Option<&[u8]> {
    let Value::Obj(o) = v else {
        return None;
    };
    match &o.payload {
        Payload::Bytes(b) => Some(b),
        Payload::MemoryView(m)
            if m.step == 1 && m.itemsize == 1 && m.format == "B" && !m.released.get() =>
        {
            match &m.obj.payload {
                Payload::Bytes(b) => b.get(m.start..m.start.checked_add(m.len)?),
                _ => None,
            }
        }
        _ => None,
    }
}

fn marshal_load(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = super::binargs::posonly(vm, &args, "load", 1, 1)?;
    let f = a[0].clone();
    // Read everything that is left, decode one object, then seek back
    // to just after it when the file can seek.
    let r = vm.call_method(&f, "read", &[])?;
    let data = need_bytes(vm, &r)?;
    if data.is_empty() {
        return Err(vm.new_error(ExcKind::EOFError, "EOF read where object expected"));
    }
    let (v, used) = loads_value(vm, &data)?;
    let extra = data.len().saturating_sub(used) as i64;
    if extra > 0 {
        let _ = vm.call_method(&f, "seek", &[Value::Int(-extra), Value::Int(1)]);
    }
    Ok(v)
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("marshal");
    add_module_functions(
        vm,
        &m,
        &[
            ("dump", marshal_dump),
            ("dumps", marshal_dumps),
            ("load", marshal_load),
            ("loads", marshal_loads),
        ],
    );
    vm.set_attr_raw(&m, "version", Value::Int(VERSION));
    Ok(m)
}

/// `v` as a marshal object (what `types.CodeType(...)` builds a code
/// object's constants and names from; objects/code_new.rs).
pub(crate) fn to_marshal_obj(vm: &mut Vm, v: &Value) -> PyResult<Obj> {
    let mut c = Conv::new(VERSION as u8);
    c.obj(vm, v, 0)
}
