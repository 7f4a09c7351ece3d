//! Code objects prepared for execution: constants converted to values,
//! names interned, the exception table decoded (offsets in code units).

use std::rc::Rc;

use crate::objects::Payload;
use crate::pyc::code::{CO_FAST_CELL, CO_FAST_FREE};
use crate::pyc::{CodeObject, Obj, Object};

use super::value::{PyRef, Value};
use super::Vm;

/// One exception-table entry, in code units.
#[derive(Clone, Copy, Debug)]
pub struct Handler {
    pub start: usize,
    pub end: usize,
    pub target: usize,
    pub depth: usize,
    pub lasti: bool,
}

/// One code unit decoded for the eval loop: the opcode (None: a number
/// `opcode.opmap` lacks), its argument byte, and how many units the
/// instruction spans with its inline cache entries.
#[derive(Clone, Copy)]
pub struct Instr {
    pub op: Option<crate::pyc::opcode::Op>,
    pub arg: u8,
    pub len: u8,
}

/// Decode every code unit of `code`.
fn decode_units(code: &[u8]) -> Box<[Instr]> {
    let (units, _) = code.as_chunks::<2>();
    units
        .iter()
        .map(|&[o, a]| {
            let op = crate::pyc::opcode::Op::decode(o);
            Instr {
                op,
                arg: a,
                len: 1 + op.map_or(0, |op| op.cache_units() as u8),
            }
        })
        .collect()
}

#[derive(Clone)]
pub struct Code {
    /// The marshal code object (line and position tables, raw fields).
    pub src: Obj,
    /// The instruction bytes (two per code unit), with the inline-cache
    /// slot numbers of vm/ops/cache.rs in the first CACHE unit of the
    /// instructions that have one (`co_code` comes from `src`, untouched).
    pub code: Box<[u8]>,
    /// `code` decoded once, one entry per code unit (what the eval loop
    /// reads).
    pub instrs: Box<[Instr]>,
    /// The inline caches (vm/ops/cache.rs), by slot number.
    pub ics: std::cell::RefCell<Box<[super::ops::Ic]>>,
    pub consts: Box<[Value]>,
    pub names: Box<[PyRef]>,
    pub localsplusnames: Box<[PyRef]>,
    pub localspluskinds: Box<[u8]>,
    pub handlers: Box<[Handler]>,
    pub argcount: usize,
    pub posonlyargcount: usize,
    pub kwonlyargcount: usize,
    pub flags: u32,
    pub stacksize: usize,
    pub name: PyRef,
    pub qualname: PyRef,
    /// `co_filename`: replaced by `_imp._fix_co_filename` when a module's
    /// cached code names another path than where it was found.
    filename: std::cell::RefCell<PyRef>,
    pub firstlineno: i32,
    /// The `code` object last handed out for this code (`Vm::code_object`),
    /// so `f.__code__ is f.__code__` and `frame.f_code is f.__code__`.
    wrapper: std::cell::RefCell<std::rc::Weak<crate::objects::PyObject>>,
}

impl Code {
    /// A copy of this code for `code.replace`: the same fields, no cached
    /// `code` object of its own yet.
    pub fn detached_clone(&self) -> Code {
        let c = self.clone();
        *c.wrapper.borrow_mut() = std::rc::Weak::new();
        c
    }

    pub fn nlocalsplus(&self) -> usize {
        self.localsplusnames.len()
    }

    /// The marshal code object's views (lines, positions).
    pub fn co(&self) -> Option<&CodeObject> {
        self.src.as_code()
    }

    /// The line of the instruction at code unit `lasti`.
    pub fn line_of(&self, lasti: usize) -> Option<i32> {
        self.co()?.addr2line((lasti * 2) as u32)
    }

    /// The handler covering code unit `lasti`, if any.
    pub fn handler_for(&self, lasti: usize) -> Option<Handler> {
        self.handlers
            .iter()
            .find(|h| h.start <= lasti && lasti < h.end)
            .copied()
    }

    pub fn is_cell(&self, i: usize) -> bool {
        self.localspluskinds
            .get(i)
            .is_some_and(|k| k & CO_FAST_CELL != 0)
    }

    pub fn is_free(&self, i: usize) -> bool {
        self.localspluskinds
            .get(i)
            .is_some_and(|k| k & CO_FAST_FREE != 0)
    }

    pub fn name_str(&self) -> &str {
        str_of(&self.name)
    }

    pub fn qualname_str(&self) -> &str {
        str_of(&self.qualname)
    }

    /// `co_filename` as a str object.
    pub fn filename(&self) -> PyRef {
        self.filename.borrow().clone()
    }

    pub fn filename_string(&self) -> String {
        str_of(&self.filename.borrow()).to_string()
    }

    /// Set `co_filename` here and in every nested code object.
    pub fn set_filename(&self, name: &PyRef) {
        *self.filename.borrow_mut() = name.clone();
        for c in self.consts.iter() {
            if let Value::Obj(o) = c {
                if let Payload::Code(inner) = &o.payload {
                    inner.set_filename(name);
                }
            }
        }
    }
}

fn str_of(r: &PyRef) -> &str {
    match &r.payload {
        Payload::Str(s) => s.as_str(),
        _ => "",
    }
}

impl Vm {
    /// Prepare a marshal code object for execution.
    pub fn prepare_code(&mut self, obj: &Obj, co: &CodeObject) -> Rc<Code> {
        let consts: Vec<Value> = co.consts().iter().map(|c| self.const_value(c)).collect();
        let names: Vec<PyRef> = co.names().iter().map(|n| self.intern_obj(n)).collect();
        let lnames: Vec<PyRef> = co
            .localsplusnames()
            .iter()
            .map(|n| self.intern_obj(n))
            .collect();
        let handlers = co
            .exception_table()
            .iter()
            .map(|e| Handler {
                start: (e.start / 2) as usize,
                end: (e.end / 2) as usize,
                target: (e.target / 2) as usize,
                depth: e.depth as usize,
                lasti: e.lasti,
            })
            .collect::<Vec<_>>();
        let name = self.intern_obj(&co.name);
        let qualname = self.intern_obj(&co.qualname);
        let filename = self.intern_obj(&co.filename);
        let (code, nslots) = super::ops::assign_ic_slots(co.code());
        let instrs = decode_units(&code);
        Rc::new(Code {
            src: obj.clone(),
            instrs,
            code,
            ics: std::cell::RefCell::new(vec![super::ops::Ic::Empty; nslots].into_boxed_slice()),
            consts: consts.into_boxed_slice(),
            names: names.into_boxed_slice(),
            localsplusnames: lnames.into_boxed_slice(),
            localspluskinds: co.localspluskinds().into(),
            handlers: handlers.into_boxed_slice(),
            argcount: co.argcount.max(0) as usize,
            posonlyargcount: co.posonlyargcount.max(0) as usize,
            kwonlyargcount: co.kwonlyargcount.max(0) as usize,
            flags: co.flags(),
            stacksize: co.stacksize.max(0) as usize,
            name,
            qualname,
            filename: std::cell::RefCell::new(filename),
            firstlineno: co.firstlineno,
            wrapper: Default::default(),
        })
    }

    fn intern_obj(&mut self, o: &Obj) -> PyRef {
        match o.value() {
            Object::Str(s) => match s.as_str() {
                Some(t) => self.intern(t),
                None => self.intern(&s.to_string_lossy()),
            },
            _ => self.intern(""),
        }
    }

    /// The `code` object of `code`: the one already handed out while it is
    /// alive (CPython's code objects are unique), else a new one.
    pub fn code_object(&self, code: &Rc<Code>) -> PyRef {
        if let Some(o) = code.wrapper.borrow().upgrade() {
            return o;
        }
        let o = self.new_obj(&self.types.code, Payload::Code(code.clone()));
        *code.wrapper.borrow_mut() = Rc::downgrade(&o);
        o
    }

    /// A marshal constant as a value.
    pub fn const_value(&mut self, c: &Obj) -> Value {
        match c.value() {
            Object::Null | Object::None => Value::None,
            Object::True => Value::Bool(true),
            Object::False => Value::Bool(false),
            Object::Ellipsis => Value::Obj(self.ellipsis.clone()),
            Object::StopIteration => {
                Value::Obj(self.exc_type(crate::objects::exception::ExcKind::StopIteration))
            }
            Object::Int(i) => Value::Int(*i),
            Object::Long(b) => self.new_bigint(b.clone()),
            Object::Float(f) => Value::Float(*f),
            Object::Complex { re, im } => {
                Value::Obj(self.new_obj(&self.types.complex, Payload::Complex(*re, *im)))
            }
            Object::Str(s) if s.as_str().is_none() => {
                let cps: Vec<u32> = s.chars().collect();
                let o = crate::objects::StrObj::from_code_points(&cps);
                Value::Obj(self.new_obj(&self.types.str, Payload::Str(o)))
            }
            Object::Str(s) => {
                let text = s.to_string_lossy();
                if s.interned() {
                    Value::Obj(self.intern(&text))
                } else {
                    self.new_string(text)
                }
            }
            Object::Bytes(b) => self.new_bytes(b.clone()),
            Object::Tuple(items) => {
                let v = items.iter().map(|i| self.const_value(i)).collect();
                self.new_tuple(v)
            }
            Object::List(items) => {
                let v = items.iter().map(|i| self.const_value(i)).collect();
                self.new_list(v)
            }
            Object::Set(items) | Object::FrozenSet(items) => {
                let vals: Vec<Value> = items.iter().map(|i| self.const_value(i)).collect();
                let frozen = !matches!(c.value(), Object::Set(_));
                self.new_set_from(vals, frozen).unwrap_or(Value::None)
            }
            Object::Dict(pairs) => {
                let d = self.new_dict();
                for (k, v) in pairs {
                    let (k, v) = (self.const_value(k), self.const_value(v));
                    let _ = self.dict_set(&d, k, v);
                }
                Value::Obj(d)
            }
            Object::Code(co) => {
                let code = self.prepare_code(c, co);
                Value::Obj(self.code_object(&code))
            }
        }
    }
}
