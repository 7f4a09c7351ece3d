//! CPython 3.11 code objects: the fields marshal carries, and the views
//! derived from them (line and position tables, the exception table, the
//! split of `co_localsplusnames` into varnames, cellvars and freevars).

use super::object::{Obj, Object, PyStr};

/// `co_localspluskinds` bits (Include/internal/pycore_code.h).
pub const CO_FAST_LOCAL: u8 = 0x20;
pub const CO_FAST_CELL: u8 = 0x40;
pub const CO_FAST_FREE: u8 = 0x80;

/// `co_flags` bits.
pub const CO_OPTIMIZED: u32 = 0x0001;
pub const CO_NEWLOCALS: u32 = 0x0002;
pub const CO_VARARGS: u32 = 0x0004;
pub const CO_VARKEYWORDS: u32 = 0x0008;
pub const CO_NESTED: u32 = 0x0010;
pub const CO_GENERATOR: u32 = 0x0020;
pub const CO_NOFREE: u32 = 0x0040;
pub const CO_COROUTINE: u32 = 0x0080;
pub const CO_ITERABLE_COROUTINE: u32 = 0x0100;
pub const CO_ASYNC_GENERATOR: u32 = 0x0200;

/// A 3.11 code object, field for field as `marshal` stores it. The
/// object-valued fields keep their [`Obj`] handles so the marshal writer
/// reproduces flags and back-references exactly; the accessors below give
/// typed views (the reader has checked the types, like `_PyCode_Validate`).
#[derive(Debug)]
pub struct CodeObject {
    pub argcount: i32,
    pub posonlyargcount: i32,
    pub kwonlyargcount: i32,
    pub stacksize: i32,
    pub flags: i32,
    pub code: Obj,
    pub consts: Obj,
    pub names: Obj,
    pub localsplusnames: Obj,
    pub localspluskinds: Obj,
    pub filename: Obj,
    pub name: Obj,
    pub qualname: Obj,
    pub firstlineno: i32,
    pub linetable: Obj,
    pub exceptiontable: Obj,
}

fn bytes_of(o: &Obj) -> &[u8] {
    o.as_bytes().unwrap_or(&[])
}

fn tuple_of(o: &Obj) -> &[Obj] {
    o.as_tuple().unwrap_or(&[])
}

fn str_of(o: &Obj) -> &PyStr {
    static EMPTY: std::sync::OnceLock<PyStr> = std::sync::OnceLock::new();
    match o.value() {
        Object::Str(s) => s,
        _ => EMPTY.get_or_init(|| PyStr::new("", false)),
    }
}

impl CodeObject {
    /// `co_code`: the instruction bytes (two per code unit).
    pub fn code(&self) -> &[u8] {
        bytes_of(&self.code)
    }
    pub fn consts(&self) -> &[Obj] {
        tuple_of(&self.consts)
    }
    pub fn names(&self) -> &[Obj] {
        tuple_of(&self.names)
    }
    pub fn localsplusnames(&self) -> &[Obj] {
        tuple_of(&self.localsplusnames)
    }
    pub fn localspluskinds(&self) -> &[u8] {
        bytes_of(&self.localspluskinds)
    }
    pub fn filename(&self) -> &PyStr {
        str_of(&self.filename)
    }
    pub fn name(&self) -> &PyStr {
        str_of(&self.name)
    }
    pub fn qualname(&self) -> &PyStr {
        str_of(&self.qualname)
    }
    pub fn linetable(&self) -> &[u8] {
        bytes_of(&self.linetable)
    }
    pub fn exceptiontable(&self) -> &[u8] {
        bytes_of(&self.exceptiontable)
    }
    pub fn flags(&self) -> u32 {
        self.flags as u32
    }

    /// Names of the locals-plus slots whose kind has any bit of `mask`.
    fn names_of_kind(&self, mask: u8) -> Vec<&PyStr> {
        self.localsplusnames()
            .iter()
            .zip(self.localspluskinds())
            .filter(|(_, &k)| k & mask != 0)
            .map(|(n, _)| str_of(n))
            .collect()
    }

    /// `co_varnames`: slots of kind CO_FAST_LOCAL (arguments first).
    pub fn varnames(&self) -> Vec<&PyStr> {
        self.names_of_kind(CO_FAST_LOCAL)
    }

    /// `co_cellvars`: slots of kind CO_FAST_CELL.
    pub fn cellvars(&self) -> Vec<&PyStr> {
        self.names_of_kind(CO_FAST_CELL)
    }

    /// `co_freevars`: slots of kind CO_FAST_FREE.
    pub fn freevars(&self) -> Vec<&PyStr> {
        self.names_of_kind(CO_FAST_FREE)
    }

    /// `co_nlocals`.
    pub fn nlocals(&self) -> usize {
        self.varnames().len()
    }
}
