//! The code generator's core: one [`Unit`] per code object being built
//! (its instructions, labels, constants, names and variable slots), name
//! resolution to LOAD_FAST/LOAD_DEREF/LOAD_GLOBAL/LOAD_NAME, and turning
//! a finished unit into a `CodeObject`. Expressions are compiled in
//! codegen_expr.rs, statements in codegen_stmt.rs.

use crate::pyc::code::{
    CodeObject, CO_ASYNC_GENERATOR, CO_COROUTINE, CO_FAST_CELL, CO_FAST_FREE, CO_FAST_LOCAL,
    CO_GENERATOR, CO_NESTED, CO_NEWLOCALS, CO_OPTIMIZED,
};
use crate::pyc::object::{Obj, Object, PyStr};
use crate::pyc::opcode::Op;

use super::assembler::{assemble, IOp, Instr, Label};
use super::ast::*;
use super::symtable::{mangle, NameScope, ScopeId, ScopeKind, SymTable};
use super::CompileError;

/// A column that is unknown (the location table's "no columns" form).
pub const NO_COLUMN: u32 = u32::MAX;

pub type CResult<T> = Result<T, CompileError>;

/// Marks a cell/free index counted from the end of co_varnames.
const DEREF_AFTER_VARNAMES: u32 = 0x4000_0000;

/// A constant-pool entry.
#[derive(Clone, Debug)]
pub enum CEntry {
    C(Const),
    Code(Obj),
}

/// What a frame block on the compiler's block stack is (compile.c's
/// `fblocktype`), for break/continue/return unwinding.
#[derive(Clone, Debug)]
pub enum FBlock {
    WhileLoop { start: Label, exit: Label },
    ForLoop { start: Label, exit: Label },
    TryExcept,
    FinallyTry { body: Vec<Stmt> },
    FinallyEnd,
    With { loc: Loc },
    AsyncWith { loc: Loc },
    HandlerCleanup { name: Option<String> },
    PopValue,
    ExceptionHandler,
    ExceptionGroupHandler,
}

pub struct Unit {
    pub scope: ScopeId,
    pub kind: ScopeKind,
    pub instrs: Vec<Instr>,
    pub labels: Vec<Option<usize>>,
    pub consts: Vec<CEntry>,
    /// `consts` by [`const_hash`] (the constants with that hash), and
    /// `names` by name: lookups without a scan of every entry.
    pub const_index: std::collections::HashMap<u64, Vec<u32>>,
    pub names: Vec<String>,
    pub name_index: std::collections::HashMap<String, u32>,
    pub varnames: Vec<String>,
    pub cellvars: Vec<String>,
    pub freevars: Vec<String>,
    pub argcount: u32,
    pub posonly: u32,
    pub kwonly: u32,
    pub flags: u32,
    pub name: String,
    pub qualname: String,
    pub firstlineno: u32,
    pub loc: Option<Loc>,
    pub fblocks: Vec<FBlock>,
    pub private: Option<String>,
}

pub struct Compiler<'a> {
    pub st: &'a SymTable,
    pub units: Vec<Unit>,
    pub filename: String,
    pub interactive: bool,
    /// The line of the last `from __future__` import at the top (0: none).
    pub future_lineno: u32,
    /// SyntaxWarnings found while compiling: (message, where).
    pub warnings: Vec<(String, Loc)>,
    /// `from __future__ import annotations` is in effect: annotations
    /// compile to their source text.
    pub future_annotations: bool,
}

std::thread_local! {
    /// The optimisation level of the compilations on this thread
    /// (`compile()`'s `optimize`, else `-O`): at 1 `__debug__` is False and
    /// `assert` compiles to nothing, at 2 docstrings are dropped too.
    static OPTIMIZE: std::cell::Cell<u8> = const { std::cell::Cell::new(0) };
}

/// Set the optimisation level the next compilations on this thread use.
pub fn set_optimize(level: u8) {
    OPTIMIZE.with(|o| o.set(level));
}

/// The optimisation level of the running compilation.
pub fn optimize() -> u8 {
    OPTIMIZE.with(std::cell::Cell::get)
}

/// `CO_FUTURE_ANNOTATIONS` (also `compile()`'s flag for the feature).
pub const CO_FUTURE_ANNOTATIONS: u32 = 0x100_0000;

fn const_eq(a: &Const, b: &Const) -> bool {
    match (a, b) {
        (Const::Float(x), Const::Float(y)) => x.to_bits() == y.to_bits(),
        (Const::Complex(a1, b1), Const::Complex(a2, b2)) => {
            a1.to_bits() == a2.to_bits() && b1.to_bits() == b2.to_bits()
        }
        (Const::Tuple(x), Const::Tuple(y)) | (Const::FrozenSet(x), Const::FrozenSet(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| const_eq(p, q))
        }
        _ => std::mem::discriminant(a) == std::mem::discriminant(b) && a == b,
    }
}

/// A hash of a constant that agrees with [`const_eq`] (floats by their
/// bits, the kind of constant included).
fn const_hash(c: &Const) -> u64 {
    use std::hash::{Hash, Hasher};
    fn feed(c: &Const, h: &mut std::collections::hash_map::DefaultHasher) {
        std::mem::discriminant(c).hash(h);
        match c {
            Const::None | Const::True | Const::False | Const::Ellipsis => {}
            Const::Int(i) => i.hash(h),
            Const::BigInt(b) => b.hash(h),
            Const::Float(f) => f.to_bits().hash(h),
            Const::Complex(re, im) => {
                re.to_bits().hash(h);
                im.to_bits().hash(h);
            }
            Const::Str(s) | Const::Bytes(s) => s.hash(h),
            Const::Tuple(v) | Const::FrozenSet(v) => {
                v.len().hash(h);
                for x in v {
                    feed(x, h);
                }
            }
        }
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    feed(c, &mut h);
    h.finish()
}

fn is_identifier_like(s: &[u8]) -> bool {
    s.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

/// A constant as a marshal object.
pub fn const_obj(c: &Const) -> Obj {
    Obj::new(match c {
        Const::None => Object::None,
        Const::True => Object::True,
        Const::False => Object::False,
        Const::Ellipsis => Object::Ellipsis,
        Const::Int(i) => Object::Int(*i),
        Const::BigInt(b) => Object::Long(b.clone()),
        Const::Float(f) => Object::Float(*f),
        Const::Complex(re, im) => Object::Complex { re: *re, im: *im },
        Const::Str(s) => Object::Str(PyStr::from_wtf8_unchecked(
            s.clone().into_boxed_slice(),
            is_identifier_like(s),
        )),
        Const::Bytes(b) => Object::Bytes(b.clone()),
        Const::Tuple(items) => Object::Tuple(items.iter().map(const_obj).collect()),
        Const::FrozenSet(items) => Object::FrozenSet(items.iter().map(const_obj).collect()),
    })
}

pub fn str_obj(s: &str) -> Obj {
    Obj::new(Object::Str(PyStr::new(s, true)))
}

impl<'a> Compiler<'a> {
    pub fn u(&mut self) -> &mut Unit {
        // A unit is always open while compiling.
        let n = self.units.len();
        &mut self.units[n - 1]
    }
    pub fn ur(&self) -> &Unit {
        &self.units[self.units.len() - 1]
    }

    /// compile.c `compiler_warn`: a SyntaxWarning at the current line.
    pub fn warn(&mut self, msg: &str) {
        let loc = self.ur().loc.unwrap_or_default();
        self.warnings.push((msg.to_string(), loc));
    }

    pub fn err(&self, msg: &str, loc: Loc) -> CompileError {
        let mut e = CompileError::syntax(msg, loc.line, loc.col + 1);
        e.end_line = loc.end_line;
        e.end_offset = loc.end_col + 1;
        e.no_text = true;
        e
    }

    /// Open a unit for scope `scope`.
    pub fn enter(&mut self, scope: ScopeId, name: &str, firstlineno: u32) {
        let sc = &self.st.scopes[scope];
        let qualname = self.qualname_for(name);
        // Other locals join co_varnames as the code first uses them.
        let varnames = sc.params.clone();
        let mut flags = 0;
        if sc.kind == ScopeKind::Function {
            flags |= CO_OPTIMIZED | CO_NEWLOCALS;
            if sc.nested {
                flags |= CO_NESTED;
            }
            if sc.is_generator && sc.is_coroutine {
                flags |= CO_ASYNC_GENERATOR;
            } else if sc.is_coroutine {
                flags |= CO_COROUTINE;
            } else if sc.is_generator {
                flags |= CO_GENERATOR;
            }
        }
        if self.future_annotations {
            flags |= CO_FUTURE_ANNOTATIONS;
        }
        self.units.push(Unit {
            scope,
            kind: sc.kind,
            instrs: Vec::new(),
            labels: Vec::new(),
            consts: Vec::new(),
            const_index: std::collections::HashMap::new(),
            names: Vec::new(),
            name_index: std::collections::HashMap::new(),
            varnames,
            cellvars: sc.cellvars.clone(),
            freevars: sc.freevars.clone(),
            argcount: 0,
            posonly: 0,
            kwonly: 0,
            flags,
            name: name.to_string(),
            qualname,
            firstlineno,
            loc: None,
            fblocks: Vec::new(),
            private: sc.private.clone(),
        });
    }

    fn qualname_for(&self, name: &str) -> String {
        let Some(parent) = self.units.last() else {
            return name.to_string();
        };
        if parent.kind == ScopeKind::Module {
            return name.to_string();
        }
        // A function declared global in its parent is named at top level.
        let psc = &self.st.scopes[parent.scope];
        if psc.lookup(name) == NameScope::GlobalExplicit {
            return name.to_string();
        }
        if parent.kind == ScopeKind::Function {
            format!("{}.<locals>.{name}", parent.qualname)
        } else {
            format!("{}.{name}", parent.qualname)
        }
    }

    // ---- emitting ----

    pub fn emit(&mut self, op: Op, arg: u32) {
        let loc = self.ur().loc;
        self.u().instrs.push(Instr {
            op: IOp::Real(op),
            arg,
            target: None,
            loc,
        });
    }
    pub fn emit0(&mut self, op: Op) {
        self.emit(op, 0)
    }
    pub fn emit_noloc(&mut self, op: Op, arg: u32) {
        self.u().instrs.push(Instr {
            op: IOp::Real(op),
            arg,
            target: None,
            loc: None,
        });
    }
    pub fn emit_jump(&mut self, op: IOp, target: Label) {
        let loc = self.ur().loc;
        self.u().instrs.push(Instr {
            op,
            arg: 0,
            target: Some(target),
            loc,
        });
    }
    pub fn emit_real_jump(&mut self, op: Op, target: Label) {
        self.emit_jump(IOp::Real(op), target)
    }
    pub fn emit_pseudo(&mut self, op: IOp) {
        let loc = self.ur().loc;
        self.u().instrs.push(Instr {
            op,
            arg: 0,
            target: None,
            loc,
        });
    }
    pub fn new_label(&mut self) -> Label {
        let u = self.u();
        u.labels.push(None);
        Label(u.labels.len() - 1)
    }
    pub fn bind(&mut self, l: Label) {
        let u = self.u();
        let at = u.instrs.len();
        if let Some(slot) = u.labels.get_mut(l.0) {
            *slot = Some(at);
        }
    }

    pub fn add_const(&mut self, c: Const) -> u32 {
        let u = self.u();
        let h = const_hash(&c);
        let same = u.const_index.get(&h).and_then(|ix| {
            ix.iter().copied().find(
                |&i| matches!(u.consts.get(i as usize), Some(CEntry::C(x)) if const_eq(x, &c)),
            )
        });
        if let Some(i) = same {
            return i;
        }
        u.consts.push(CEntry::C(c));
        let i = (u.consts.len() - 1) as u32;
        u.const_index.entry(h).or_default().push(i);
        i
    }
    pub fn load_const(&mut self, c: Const) {
        let i = self.add_const(c);
        self.emit(Op::LoadConst, i);
    }
    /// compiler_push_fblock: at most CO_MAXBLOCKS (20) blocks nested in
    /// one code object, the error at the statement being compiled.
    pub fn push_fblock(&mut self, fb: FBlock) -> CResult<()> {
        if self.ur().fblocks.len() >= 20 {
            let loc = self.ur().loc.unwrap_or_default();
            return Err(self.err("too many statically nested blocks", loc));
        }
        self.u().fblocks.push(fb);
        Ok(())
    }

    pub fn add_code_const(&mut self, o: Obj) -> u32 {
        let u = self.u();
        u.consts.push(CEntry::Code(o));
        (u.consts.len() - 1) as u32
    }
    pub fn add_name(&mut self, name: &str) -> u32 {
        let u = self.u();
        if let Some(&i) = u.name_index.get(name) {
            return i;
        }
        u.names.push(name.to_string());
        let i = (u.names.len() - 1) as u32;
        u.name_index.insert(name.to_string(), i);
        i
    }
    pub fn mangle(&self, name: &str) -> String {
        mangle(self.ur().private.as_deref(), name)
    }

    /// The locals-plus index of a cell or free variable. Cells that are
    /// not parameters and free variables come after co_varnames, which
    /// grows while compiling: their index is [`DEREF_AFTER_VARNAMES`] plus
    /// the offset, fixed in `finish` (compile.c's `fix_cell_offsets`).
    pub fn deref_index(&self, name: &str) -> u32 {
        self.deref_index_in(name, false)
    }

    /// Like `deref_index`; `prefer_free` looks among the free variables
    /// first (a class body reading an outer `__class__` while it also
    /// has its own `__class__` cell).
    pub fn deref_index_in(&self, name: &str, prefer_free: bool) -> u32 {
        let u = self.ur();
        let nparams = self.st.scopes[u.scope].params.len();
        if let Some(i) = u.varnames.iter().take(nparams).position(|n| n == name) {
            return i as u32;
        }
        let cells: Vec<&String> = u
            .cellvars
            .iter()
            .filter(|c| !u.varnames.iter().take(nparams).any(|v| v == *c))
            .collect();
        let free = u.freevars.iter().position(|n| n == name);
        if let (true, Some(i)) = (prefer_free, free) {
            return DEREF_AFTER_VARNAMES + (cells.len() + i) as u32;
        }
        if let Some(i) = cells.iter().position(|n| *n == name) {
            return DEREF_AFTER_VARNAMES + i as u32;
        }
        match free {
            Some(i) => DEREF_AFTER_VARNAMES + (cells.len() + i) as u32,
            None => 0,
        }
    }

    fn varname_index(&mut self, name: &str) -> u32 {
        let u = self.u();
        match u.varnames.iter().position(|n| n == name) {
            Some(i) => i as u32,
            None => {
                u.varnames.push(name.to_string());
                (u.varnames.len() - 1) as u32
            }
        }
    }

    /// compile.c `compiler_nameop`.
    pub fn name_op(&mut self, name: &str, ctx: Ctx) {
        let m = self.mangle(name);
        let scope = self.st.scopes[self.ur().scope].lookup(&m);
        let kind = self.ur().kind;
        enum How {
            Fast,
            Deref,
            Global,
            Name,
        }
        let how = match scope {
            NameScope::Free | NameScope::Cell => How::Deref,
            NameScope::Local if kind == ScopeKind::Function => How::Fast,
            NameScope::GlobalImplicit if kind == ScopeKind::Function => How::Global,
            NameScope::GlobalExplicit => How::Global,
            _ => How::Name,
        };
        match how {
            How::Fast => {
                let i = self.varname_index(&m);
                let op = match ctx {
                    Ctx::Load => Op::LoadFast,
                    Ctx::Store => Op::StoreFast,
                    Ctx::Del => Op::DeleteFast,
                };
                self.emit(op, i);
            }
            How::Deref => {
                let i = self.deref_index_in(&m, scope == NameScope::Free);
                let op = match ctx {
                    Ctx::Load if kind == ScopeKind::Class => Op::LoadClassderef,
                    Ctx::Load => Op::LoadDeref,
                    Ctx::Store => Op::StoreDeref,
                    Ctx::Del => Op::DeleteDeref,
                };
                self.emit(op, i);
            }
            How::Global => {
                let i = self.add_name(&m);
                match ctx {
                    Ctx::Load => self.emit(Op::LoadGlobal, i << 1),
                    Ctx::Store => self.emit(Op::StoreGlobal, i),
                    Ctx::Del => self.emit(Op::DeleteGlobal, i),
                }
            }
            How::Name => {
                let i = self.add_name(&m);
                let op = match ctx {
                    Ctx::Load => Op::LoadName,
                    Ctx::Store => Op::StoreName,
                    Ctx::Del => Op::DeleteName,
                };
                self.emit(op, i);
            }
        }
    }

    /// Whether loading `name` would be a LOAD_GLOBAL (for the NULL bit).
    pub fn is_global_load(&self, name: &str) -> bool {
        let m = self.mangle(name);
        let scope = self.st.scopes[self.ur().scope].lookup(&m);
        match scope {
            NameScope::GlobalExplicit => true,
            NameScope::GlobalImplicit => self.ur().kind == ScopeKind::Function,
            _ => false,
        }
    }

    /// Close the current unit and build its code object.
    pub fn finish(&mut self) -> CResult<Obj> {
        let Some(u) = self.units.pop() else {
            return Err(CompileError::internal("no unit"));
        };
        // Prefix: MAKE_CELL for cells, COPY_FREE_VARS, RETURN_GENERATOR.
        let mut prefix: Vec<Instr> = Vec::new();
        let ncells_extra: Vec<&String> = u
            .cellvars
            .iter()
            .filter(|c| !u.varnames.contains(c))
            .collect();
        let nvar = u.varnames.len();
        for c in &u.cellvars {
            let i = match u.varnames.iter().position(|n| n == c) {
                Some(i) => i,
                None => nvar + ncells_extra.iter().position(|n| *n == c).unwrap_or(0),
            };
            prefix.push(Instr {
                op: IOp::Real(Op::MakeCell),
                arg: i as u32,
                target: None,
                loc: None,
            });
        }
        if !u.freevars.is_empty() {
            prefix.push(Instr {
                op: IOp::Real(Op::CopyFreeVars),
                arg: u.freevars.len() as u32,
                target: None,
                loc: None,
            });
        }
        let np = prefix.len();
        let mut instrs = prefix;
        instrs.extend(u.instrs.iter().cloned());
        for ins in instrs.iter_mut() {
            let is_deref = matches!(ins.op, IOp::Real(op) if op.arg_kind() == crate::pyc::opcode::ArgKind::Free);
            if is_deref && ins.arg >= DEREF_AFTER_VARNAMES {
                ins.arg = ins.arg - DEREF_AFTER_VARNAMES + nvar as u32;
            }
        }
        let labels: Vec<Option<usize>> = u.labels.iter().map(|l| l.map(|i| i + np)).collect();
        let asm = assemble(&instrs, &labels, u.firstlineno)?;
        let mut names: Vec<Obj> = Vec::new();
        let mut kinds: Vec<u8> = Vec::new();
        for v in &u.varnames {
            names.push(str_obj(v));
            let mut k = CO_FAST_LOCAL;
            if u.cellvars.contains(v) {
                k |= CO_FAST_CELL;
            }
            kinds.push(k);
        }
        for c in &ncells_extra {
            names.push(str_obj(c));
            kinds.push(CO_FAST_CELL);
        }
        for f in &u.freevars {
            names.push(str_obj(f));
            kinds.push(CO_FAST_FREE);
        }
        let flags = u.flags;
        // compile.c `trim_unused_consts`: drop unused constants at the
        // end (the first, a docstring or None, always stays).
        let keep = (asm.max_const + 1).max(1).min(u.consts.len());
        let consts: Vec<Obj> = u
            .consts
            .iter()
            .take(keep)
            .map(|c| match c {
                CEntry::C(c) => const_obj(c),
                CEntry::Code(o) => o.clone(),
            })
            .collect();
        let co = CodeObject {
            argcount: u.argcount as i32,
            posonlyargcount: u.posonly as i32,
            kwonlyargcount: u.kwonly as i32,
            stacksize: asm.stacksize as i32,
            flags: flags as i32,
            code: Obj::new(Object::Bytes(asm.code)),
            consts: Obj::new(Object::Tuple(consts)),
            names: Obj::new(Object::Tuple(u.names.iter().map(|n| str_obj(n)).collect())),
            localsplusnames: Obj::new(Object::Tuple(names)),
            localspluskinds: Obj::new(Object::Bytes(kinds)),
            filename: Obj::new(Object::Str(PyStr::new(&self.filename, false))),
            name: str_obj(&u.name),
            qualname: str_obj(&u.qualname),
            firstlineno: u.firstlineno as i32,
            linetable: Obj::new(Object::Bytes(asm.linetable)),
            exceptiontable: Obj::new(Object::Bytes(asm.exceptiontable)),
        };
        Ok(Obj::new(Object::Code(Box::new(co))))
    }

    /// Whether control can reach the end of the code emitted so far
    /// (compile.c adds the implicit `return None` only then).
    pub fn end_reachable(&self) -> bool {
        let u = self.ur();
        let n = u.instrs.len();
        if u.labels.contains(&Some(n)) {
            return true;
        }
        !matches!(
            u.instrs.last().map(|i| i.op),
            Some(IOp::Real(Op::ReturnValue))
        )
    }

    /// Emit the closure tuple for a child scope; true if it has one.
    pub fn make_closure(&mut self, child: ScopeId) -> bool {
        let frees = self.st.scopes[child].freevars.clone();
        if frees.is_empty() {
            return false;
        }
        for f in &frees {
            let i = self.deref_index(f);
            self.emit(Op::LoadClosure, i);
        }
        self.emit(Op::BuildTuple, frees.len() as u32);
        true
    }

    /// Emit the start-of-code RESUME (after RETURN_GENERATOR for
    /// generators and coroutines).
    pub fn emit_resume(&mut self) {
        let f = self.ur().flags;
        let line = self.ur().firstlineno;
        if f & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR) != 0 {
            // The generator prefix: the first line, without columns.
            self.u().loc = Some(Loc {
                line,
                col: NO_COLUMN,
                end_line: line,
                end_col: NO_COLUMN,
            });
            self.emit(Op::ReturnGenerator, 0);
            self.emit(Op::PopTop, 0);
        }
        self.u().loc = Some(self.unit_start_loc());
        self.emit(Op::Resume, 0);
        self.u().loc = None;
    }

    /// The location a unit starts with (compiler_enter_scope): the first
    /// line with columns 0..0; a module's line is 0 (up to line 1).
    pub fn unit_start_loc(&self) -> Loc {
        let line = self.ur().firstlineno;
        let start = if self.ur().kind == ScopeKind::Module {
            0
        } else {
            line
        };
        Loc {
            line: start,
            col: 0,
            end_line: line,
            end_col: 0,
        }
    }
}
