//! The `mutate_code` target's input: a script of edits (decoded with
//! `arbitrary`) applied to a code object of a real CPython-made fixture.
//! The edits reach every field the executor reads: the instructions
//! (whole, valid opcodes with arguments, or raw bytes), the constants,
//! names and locals, the exception and location tables, and the counts
//! and flags. The edited code object is written with pycvm's marshal
//! writer and read back, so it passes the same reader checks as a file.

use std::path::PathBuf;
use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use num_bigint::BigInt;
use pycvm::pyc::code::CodeObject;
use pycvm::pyc::marshal::{dumps, loads};
use pycvm::pyc::object::{Obj, Object, PyStr};
use pycvm::pyc::opcode::Op;

/// A small constant to put into `co_consts`.
#[derive(Arbitrary, Debug)]
pub enum Const {
    None,
    Bool(bool),
    Int(i64),
    Big(Vec<u8>, bool),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    Ellipsis,
    Tuple(Vec<i32>),
    FrozenSet(Vec<i32>),
    /// A code object of the fixture (by its pre-order index).
    Code(u16),
}

/// One edit of one code object.
#[derive(Arbitrary, Debug)]
pub enum Edit {
    CodeByte {
        at: u16,
        value: u8,
    },
    Opcode {
        unit: u16,
        op: u8,
    },
    Arg {
        unit: u16,
        arg: u8,
    },
    Insert {
        unit: u16,
        op: u8,
        arg: u8,
    },
    Delete {
        unit: u16,
        count: u8,
    },
    SwapUnits {
        a: u16,
        b: u16,
    },
    CopyUnits {
        from: u16,
        to: u16,
        count: u8,
    },
    SetConst {
        index: u8,
        value: Const,
    },
    PushConst(Const),
    TruncateConsts(u8),
    PushName(String),
    TruncateNames(u8),
    PushLocal {
        name: String,
        kind: u8,
    },
    TruncateLocals(u8),
    SetKind {
        index: u8,
        kind: u8,
    },
    DropKind,
    ExcTableByte {
        at: u16,
        value: u8,
    },
    ExcTableTruncate(u16),
    ExcTableEntry {
        start: u16,
        len: u16,
        target: u16,
        depth: u16,
        lasti: bool,
    },
    LineTableByte {
        at: u16,
        value: u8,
    },
    LineTableTruncate(u16),
    LineTableAppend(Vec<u8>),
    StackSize(i32),
    Flags(u32),
    ArgCount(i32),
    PosOnly(i32),
    KwOnly(i32),
    FirstLine(i32),
}

/// An input of the `mutate_code` target.
#[derive(Arbitrary, Debug)]
pub struct Script {
    pub fixture: u16,
    pub edits: Vec<(u8, Edit)>,
}

/// The fixtures to mutate: CPython-made `.pyc`s of programs that import
/// nothing (an untrusted run cannot import), read once.
pub fn pool() -> &'static [Vec<u8>] {
    static POOL: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    POOL.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/run");
        let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        names.sort();
        names
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "py"))
            .filter_map(|py| {
                let src = std::fs::read_to_string(&py).ok()?;
                let imports = src
                    .lines()
                    .any(|l| l.starts_with("import ") || l.starts_with("from "));
                let pyc = std::fs::read(py.with_extension("pyc")).ok()?;
                (!imports && pyc.len() < 12_000).then_some(pyc)
            })
            .collect()
    })
}

/// Apply a script to its fixture: the mutated `.pyc` (header and body),
/// or None when the fixture pool is empty or the result does not read.
pub fn apply(data: &[u8]) -> Option<Vec<u8>> {
    let mut u = Unstructured::new(data);
    let script = Script::arbitrary(&mut u).ok()?;
    let pool = pool();
    let pyc = pool.get(usize::from(script.fixture) % pool.len().max(1))?;
    let header = pyc.get(..16)?;
    let mut top = loads(pyc.get(16..)?).ok()?;
    let codes = all_codes(&top);
    for (which, edit) in &script.edits {
        let n = count_codes(&top);
        let target = usize::from(*which) % n.max(1);
        let mut counter = target;
        top = rebuild(&top, &mut counter, edit, &codes);
    }
    let body = dumps(&top).ok()?;
    // Read back: the mutated object must pass the reader's checks.
    loads(&body).ok()?;
    let mut out = header.to_vec();
    out.extend_from_slice(&body);
    Some(out)
}

fn all_codes(top: &Obj) -> Vec<Obj> {
    let mut out = Vec::new();
    let mut stack = vec![top.clone()];
    while let Some(o) = stack.pop() {
        if let Some(co) = o.as_code() {
            stack.extend(co.consts().iter().rev().cloned());
            out.push(o);
        }
    }
    out
}

fn count_codes(top: &Obj) -> usize {
    all_codes(top).len()
}

/// Rebuild `obj` with `edit` applied to its `counter`-th code object
/// (pre-order).
fn rebuild(obj: &Obj, counter: &mut usize, edit: &Edit, codes: &[Obj]) -> Obj {
    let Some(co) = obj.as_code() else {
        return obj.clone();
    };
    if *counter == 0 {
        *counter = usize::MAX;
        return Obj::new(Object::Code(Box::new(edited(co, edit, codes))));
    }
    *counter -= 1;
    let consts: Vec<Obj> = co
        .consts()
        .iter()
        .map(|c| {
            if *counter == usize::MAX {
                c.clone()
            } else {
                rebuild(c, counter, edit, codes)
            }
        })
        .collect();
    let mut copy = copy_code(co);
    copy.consts = Obj::new(Object::Tuple(consts));
    Obj::new(Object::Code(Box::new(copy)))
}

fn copy_code(co: &CodeObject) -> CodeObject {
    CodeObject {
        argcount: co.argcount,
        posonlyargcount: co.posonlyargcount,
        kwonlyargcount: co.kwonlyargcount,
        stacksize: co.stacksize,
        flags: co.flags,
        code: co.code.clone(),
        consts: co.consts.clone(),
        names: co.names.clone(),
        localsplusnames: co.localsplusnames.clone(),
        localspluskinds: co.localspluskinds.clone(),
        filename: co.filename.clone(),
        name: co.name.clone(),
        qualname: co.qualname.clone(),
        firstlineno: co.firstlineno,
        linetable: co.linetable.clone(),
        exceptiontable: co.exceptiontable.clone(),
    }
}

fn bytes(v: Vec<u8>) -> Obj {
    Obj::new(Object::Bytes(v))
}

fn string(s: &str) -> Obj {
    Obj::new(Object::Str(PyStr::new(s, true)))
}

/// Some valid opcode, chosen by `b`.
fn opcode(b: u8) -> Op {
    let ops: Vec<Op> = (0..=255u8).filter_map(Op::from_u8).collect();
    match ops.get(usize::from(b) % ops.len().max(1)) {
        Some(op) => *op,
        None => Op::Nop,
    }
}

fn constant(c: &Const, codes: &[Obj]) -> Obj {
    let ints = |v: &[i32]| {
        v.iter()
            .map(|i| Obj::new(Object::Int(i64::from(*i))))
            .collect()
    };
    match c {
        Const::None => Obj::new(Object::None),
        Const::Bool(true) => Obj::new(Object::True),
        Const::Bool(false) => Obj::new(Object::False),
        Const::Int(i) => Obj::new(Object::Int(*i)),
        Const::Big(b, neg) => {
            let sign = if *neg {
                num_bigint::Sign::Minus
            } else {
                num_bigint::Sign::Plus
            };
            let v = BigInt::from_bytes_le(sign, b.get(..b.len().min(64)).unwrap_or(&[]));
            Obj::new(Object::Long(v))
        }
        Const::Float(f) => Obj::new(Object::Float(*f)),
        Const::Str(s) => Obj::new(Object::Str(PyStr::new(s, false))),
        Const::Bytes(b) => bytes(b.clone()),
        Const::Ellipsis => Obj::new(Object::Ellipsis),
        Const::Tuple(v) => Obj::new(Object::Tuple(ints(v))),
        Const::FrozenSet(v) => Obj::new(Object::FrozenSet(ints(v))),
        Const::Code(i) => match codes.get(usize::from(*i) % codes.len().max(1)) {
            Some(c) => c.clone(),
            None => Obj::new(Object::None),
        },
    }
}

/// The 3.11 exception-table varint (6-bit groups, bit 6 = more, bit 7
/// on the first byte of an entry).
fn push_varint(out: &mut Vec<u8>, v: u32, start: bool) {
    let mut groups = vec![(v & 63) as u8];
    let mut rest = v >> 6;
    while rest > 0 {
        groups.push((rest & 63) as u8);
        rest >>= 6;
    }
    let last = groups.len() - 1;
    for (i, g) in groups.iter().rev().enumerate() {
        let mut b = *g;
        if i < last {
            b |= 64;
        }
        if i == 0 && start {
            b |= 128;
        }
        out.push(b);
    }
}

fn units(n: usize, at: u16) -> usize {
    usize::from(at) % n.max(1)
}

fn edited(co: &CodeObject, edit: &Edit, codes: &[Obj]) -> CodeObject {
    let mut c = copy_code(co);
    let mut code = co.code().to_vec();
    let n = code.len() / 2;
    let tuple = |o: &Obj| o.as_tuple().map(|t| t.to_vec()).unwrap_or_default();
    match edit {
        Edit::CodeByte { at, value } => {
            let len = code.len();
            if let Some(b) = code.get_mut(usize::from(*at) % len.max(1)) {
                *b = *value;
            }
        }
        Edit::Opcode { unit, op } => {
            if let Some(b) = code.get_mut(2 * units(n, *unit)) {
                *b = opcode(*op).number();
            }
        }
        Edit::Arg { unit, arg } => {
            if let Some(b) = code.get_mut(2 * units(n, *unit) + 1) {
                *b = *arg;
            }
        }
        Edit::Insert { unit, op, arg } => {
            let op = opcode(*op);
            let at = 2 * units(n + 1, *unit);
            let mut ins = vec![op.number(), *arg];
            ins.resize(2 + 2 * op.caches(), 0);
            code.splice(at.min(code.len())..at.min(code.len()), ins);
        }
        Edit::Delete { unit, count } => {
            let at = 2 * units(n, *unit);
            let end = (at + 2 * usize::from(*count % 8 + 1)).min(code.len());
            if at < end {
                code.drain(at..end);
            }
        }
        Edit::SwapUnits { a, b } => {
            let (a, b) = (units(n, *a), units(n, *b));
            if a < n && b < n {
                code.swap(2 * a, 2 * b);
                code.swap(2 * a + 1, 2 * b + 1);
            }
        }
        Edit::CopyUnits { from, to, count } => {
            let (from, to) = (units(n, *from), units(n, *to));
            let k = usize::from(*count % 8 + 1)
                .min(n.saturating_sub(from))
                .min(n.saturating_sub(to));
            let chunk: Vec<u8> = code.get(2 * from..2 * (from + k)).unwrap_or(&[]).to_vec();
            for (i, b) in chunk.into_iter().enumerate() {
                if let Some(slot) = code.get_mut(2 * to + i) {
                    *slot = b;
                }
            }
        }
        Edit::SetConst { index, value } => {
            let mut v = tuple(&co.consts);
            let len = v.len();
            if let Some(slot) = v.get_mut(usize::from(*index) % len.max(1)) {
                *slot = constant(value, codes);
            }
            c.consts = Obj::new(Object::Tuple(v));
        }
        Edit::PushConst(value) => {
            let mut v = tuple(&co.consts);
            v.push(constant(value, codes));
            c.consts = Obj::new(Object::Tuple(v));
        }
        Edit::TruncateConsts(k) => {
            let mut v = tuple(&co.consts);
            v.truncate(usize::from(*k));
            c.consts = Obj::new(Object::Tuple(v));
        }
        Edit::PushName(s) => {
            let mut v = tuple(&co.names);
            v.push(string(s));
            c.names = Obj::new(Object::Tuple(v));
        }
        Edit::TruncateNames(k) => {
            let mut v = tuple(&co.names);
            v.truncate(usize::from(*k));
            c.names = Obj::new(Object::Tuple(v));
        }
        Edit::PushLocal { name, kind } => {
            let mut v = tuple(&co.localsplusnames);
            v.push(string(name));
            c.localsplusnames = Obj::new(Object::Tuple(v));
            let mut k = co.localspluskinds().to_vec();
            k.push(*kind);
            c.localspluskinds = bytes(k);
        }
        Edit::TruncateLocals(k) => {
            let mut v = tuple(&co.localsplusnames);
            v.truncate(usize::from(*k));
            c.localsplusnames = Obj::new(Object::Tuple(v));
            let mut kinds = co.localspluskinds().to_vec();
            kinds.truncate(usize::from(*k));
            c.localspluskinds = bytes(kinds);
        }
        Edit::SetKind { index, kind } => {
            let mut kinds = co.localspluskinds().to_vec();
            let len = kinds.len();
            if let Some(slot) = kinds.get_mut(usize::from(*index) % len.max(1)) {
                *slot = *kind;
            }
            c.localspluskinds = bytes(kinds);
        }
        Edit::DropKind => {
            let mut kinds = co.localspluskinds().to_vec();
            kinds.pop();
            c.localspluskinds = bytes(kinds);
        }
        Edit::ExcTableByte { at, value } => {
            let mut t = co.exceptiontable().to_vec();
            let len = t.len();
            if let Some(b) = t.get_mut(usize::from(*at) % len.max(1)) {
                *b = *value;
            }
            c.exceptiontable = bytes(t);
        }
        Edit::ExcTableTruncate(k) => {
            let mut t = co.exceptiontable().to_vec();
            t.truncate(usize::from(*k));
            c.exceptiontable = bytes(t);
        }
        Edit::ExcTableEntry {
            start,
            len,
            target,
            depth,
            lasti,
        } => {
            let mut t = co.exceptiontable().to_vec();
            let m = n.max(1) as u32;
            push_varint(&mut t, u32::from(*start) % m, true);
            push_varint(&mut t, u32::from(*len) % m, false);
            push_varint(&mut t, u32::from(*target) % m, false);
            push_varint(&mut t, (u32::from(*depth) << 1) | u32::from(*lasti), false);
            c.exceptiontable = bytes(t);
        }
        Edit::LineTableByte { at, value } => {
            let mut t = co.linetable().to_vec();
            let len = t.len();
            if let Some(b) = t.get_mut(usize::from(*at) % len.max(1)) {
                *b = *value;
            }
            c.linetable = bytes(t);
        }
        Edit::LineTableTruncate(k) => {
            let mut t = co.linetable().to_vec();
            t.truncate(usize::from(*k));
            c.linetable = bytes(t);
        }
        Edit::LineTableAppend(extra) => {
            let mut t = co.linetable().to_vec();
            t.extend(extra.iter().take(64));
            c.linetable = bytes(t);
        }
        Edit::StackSize(v) => c.stacksize = *v,
        Edit::Flags(v) => c.flags ^= *v as i32,
        Edit::ArgCount(v) => c.argcount = *v,
        Edit::PosOnly(v) => c.posonlyargcount = *v,
        Edit::KwOnly(v) => c.kwonlyargcount = *v,
        Edit::FirstLine(v) => c.firstlineno = *v,
    }
    c.code = bytes(code);
    c
}
