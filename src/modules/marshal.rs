//! `marshal`: `loads`/`dumps`/`load`/`dump` over the project's marshal
//! reader and writer (`pyc::marshal`). Values become marshal objects and
//! back through the same conversion the VM uses for code constants
//! (`Vm::const_value`); code objects keep their original marshal form.
//!
//! CPython flags an object for back-references when its reference count
//! is above one; pycvm approximates that with `Rc` counts for heap
//! objects and treats unboxed ints and floats as shared (small ints and
//! constants are). Set elements are sorted by their own marshal bytes,
//! as CPython 3.11 writes them.

use std::collections::HashMap;
use std::rc::Rc;

use super::binargs::{add_module_functions, need_bytes, Sig};
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::pyc::marshal::{self as pm, MarshalErrorKind};
use crate::pyc::object::{Obj, Object, PyStr};
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
    depth: usize,
    /// The format version (0..=4).
    version: u8,
}

impl Conv {
    /// `extra`: references to `v` that the caller holds and CPython
    /// would not (copies made while walking).
    fn obj(&mut self, vm: &mut Vm, v: &Value, extra: usize) -> PyResult<Obj> {
        let flag = |o: &PyRef| Rc::strong_count(o) > 1 + extra;
        Ok(match v {
            Value::Null | Value::None => Obj::new(Object::None),
            Value::Bool(true) => Obj::new(Object::True),
            Value::Bool(false) => Obj::new(Object::False),
            Value::Int(i) => Obj::with_ref_flag(Object::Int(*i), true),
            Value::Float(f) => Obj::with_ref_flag(Object::Float(*f), true),
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

    fn items(&mut self, vm: &mut Vm, vals: &[Value]) -> PyResult<Vec<Obj>> {
        vals.iter().map(|x| self.obj(vm, x, 1)).collect()
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
            Payload::Code(c) => return Ok(c.src.clone()),
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
    let mut c = Conv {
        seen: HashMap::new(),
        depth: 0,
        version,
    };
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
/// needs that to leave the file after the object). Every code object in
/// it passes the bytecode verifier first, as all code pycvm runs does.
fn loads_value(vm: &mut Vm, data: &[u8]) -> PyResult<(Value, usize)> {
    let (o, used) = pm::loads_prefix(data).map_err(|e| load_error(vm, e))?;
    verify_codes(vm, &o)?;
    Ok((vm.const_value(&o), used))
}

/// Run the verifier over every code object inside `obj`.
fn verify_codes(vm: &Vm, obj: &Obj) -> PyResult<()> {
    let mut todo: Vec<&Obj> = vec![obj];
    while let Some(o) = todo.pop() {
        match o.value() {
            Object::Code(co) => {
                if let Err(e) = crate::vm::verify::verify_nested(co) {
                    return Err(vm.value_error(format!("bad marshal data ({e})")));
                }
            }
            Object::Tuple(items)
            | Object::List(items)
            | Object::Set(items)
            | Object::FrozenSet(items) => todo.extend(items.iter()),
            Object::Dict(pairs) => {
                for (k, v) in pairs {
                    todo.push(k);
                    todo.push(v);
                }
            }
            _ => {}
        }
    }
    Ok(())
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
