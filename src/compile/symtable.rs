//! The symbol table (Python/symtable.c): one scope per module, class,
//! function, lambda and comprehension; every name in it resolved to
//! local, global (explicit or implicit), free or cell, and the cell and
//! free variable lists that closures are built from.

use std::collections::{HashMap, HashSet};

use super::ast::*;
use super::CompileError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Class,
    Function,
}

/// Where a name lives, as compile.c's `_PyST_GetScope` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameScope {
    Local,
    GlobalExplicit,
    GlobalImplicit,
    Free,
    Cell,
}

// CPython's flag values (Include/internal/pycore_symtable.h), which
// `_symtable` exposes.
pub const DEF_GLOBAL: u32 = 1;
pub const DEF_LOCAL: u32 = 2;
pub const DEF_PARAM: u32 = 4;
pub const DEF_NONLOCAL: u32 = 8;
pub const USE: u32 = 16;
pub const DEF_FREE_CLASS: u32 = 64;
pub const DEF_IMPORT: u32 = 128;
pub const DEF_ANNOT: u32 = 256;
pub const DEF_COMP_ITER: u32 = 512;
pub const DEF_BOUND: u32 = DEF_LOCAL | DEF_PARAM | DEF_IMPORT;

pub type ScopeId = usize;

#[derive(Debug)]
pub struct Scope {
    pub kind: ScopeKind,
    pub name: String,
    /// Names in order of first appearance, with their DEF_/USE flags.
    order: Vec<String>,
    flags: HashMap<String, u32>,
    pub params: Vec<String>,
    pub children: Vec<ScopeId>,
    pub is_generator: bool,
    pub is_coroutine: bool,
    /// Resolved scopes.
    pub scopes: HashMap<String, NameScope>,
    pub cellvars: Vec<String>,
    pub freevars: Vec<String>,
    /// A class whose methods use `super()`/`__class__`.
    pub needs_class_cell: bool,
    /// The class name for private-name mangling (the nearest class).
    pub private: Option<String>,
    /// A function nested in another function (CO_NESTED).
    pub nested: bool,
    pub has_annotations: bool,
    /// Where each `nonlocal` name was declared (for the error).
    nonlocal_locs: HashMap<String, Loc>,
    /// The line of the node that made the scope (0 for the module).
    pub lineno: u32,
}

impl Scope {
    fn new(kind: ScopeKind, name: &str, private: Option<String>) -> Scope {
        Scope {
            kind,
            name: name.to_string(),
            order: Vec::new(),
            flags: HashMap::new(),
            params: Vec::new(),
            children: Vec::new(),
            is_generator: false,
            is_coroutine: false,
            scopes: HashMap::new(),
            cellvars: Vec::new(),
            freevars: Vec::new(),
            needs_class_cell: false,
            private,
            nested: false,
            has_annotations: false,
            nonlocal_locs: HashMap::new(),
            lineno: 0,
        }
    }

    /// The names with their DEF_/USE flags, in order of first appearance
    /// (CPython's `ste_symbols` before analysis adds the scope bits).
    pub fn symbol_flags(&self) -> Vec<(String, u32)> {
        self.order
            .iter()
            .map(|n| (n.clone(), self.flags.get(n).copied().unwrap_or(0)))
            .collect()
    }

    /// How a name resolves here (unknown names are implicit globals).
    pub fn lookup(&self, name: &str) -> NameScope {
        self.scopes
            .get(name)
            .copied()
            .unwrap_or(NameScope::GlobalImplicit)
    }

    /// `co_varnames` minus the parameters: local names in order.
    pub fn local_names(&self) -> Vec<String> {
        self.order
            .iter()
            .filter(|n| !self.params.contains(n))
            .filter(|n| matches!(self.scopes.get(*n), Some(NameScope::Local)))
            .cloned()
            .collect()
    }
}

/// `_Py_Mangle`: `__x` inside class `C` becomes `_C__x`.
pub fn mangle(private: Option<&str>, name: &str) -> String {
    let Some(class) = private else {
        return name.to_string();
    };
    if !name.starts_with("__") || name.ends_with("__") || name.contains('.') {
        return name.to_string();
    }
    let stripped = class.trim_start_matches('_');
    if stripped.is_empty() {
        return name.to_string();
    }
    format!("_{stripped}{name}")
}

pub struct SymTable {
    pub scopes: Vec<Scope>,
    /// Scope-making node → its scope.
    pub by_node: HashMap<NodeKey, ScopeId>,
    stack: Vec<ScopeId>,
    /// Visiting a comprehension's target (names get DEF_COMP_ITER).
    comp_iter_target: bool,
    /// Nesting of the statement or expression being visited, and the
    /// most allowed (symtable.c's recursion_depth and recursion_limit).
    depth: u32,
    budget: u32,
    /// `from __future__ import annotations`: annotations are strings,
    /// visited as symtable.c's AnnotationBlock (no names bound or used;
    /// no yield, await or `:=`) while `in_annotation` is above zero.
    future_annotations: bool,
    in_annotation: u32,
    /// The scope stack's length when the annotation began (its own
    /// block: a comprehension or lambda inside is another scope).
    annotation_scopes: usize,
}

std::thread_local! {
    /// The nesting the next symbol table may reach: CPython allows three
    /// times the recursion limit less three times the current depth
    /// (COMPILER_STACK_FRAME_SCALE). Set by the VM before compiling.
    static DEPTH_BUDGET: std::cell::Cell<u32> = const { std::cell::Cell::new(3000) };
}

/// Set the nesting the symbol tables built on this thread may reach.
pub fn set_depth_budget(budget: u32) {
    DEPTH_BUDGET.with(|b| b.set(budget));
}

fn depth_budget() -> u32 {
    DEPTH_BUDGET.with(std::cell::Cell::get)
}

/// The key of a scope-making node: its span and whether it is a
/// statement (0) or an expression (1). Spans, unlike addresses, survive
/// the AST copies the code generator makes (a `finally` body compiled
/// once per exit).
pub type NodeKey = (u32, u32, u32, u32, u8);

pub fn node_key(loc: &Loc, tag: u8) -> NodeKey {
    (loc.line, loc.col, loc.end_line, loc.end_col, tag)
}

fn err(msg: String, loc: Loc) -> CompileError {
    let mut e = CompileError::syntax(&msg, loc.line, loc.col + 1);
    e.end_line = loc.end_line;
    e.end_offset = loc.end_col + 1;
    e.no_text = true;
    e
}

impl SymTable {
    pub fn build_module(body: &[Stmt]) -> Result<SymTable, CompileError> {
        SymTable::build_module_with(body, false)
    }

    /// Like `build_module`; `future_annotations` when the code is compiled
    /// with `from __future__ import annotations` in effect.
    pub fn build_module_with(
        body: &[Stmt],
        future_annotations: bool,
    ) -> Result<SymTable, CompileError> {
        let mut st = SymTable {
            scopes: vec![Scope::new(ScopeKind::Module, "top", None)],
            by_node: HashMap::new(),
            stack: vec![0],
            comp_iter_target: false,
            depth: 0,
            budget: depth_budget(),
            future_annotations: false,
            in_annotation: 0,
            annotation_scopes: 0,
        };
        st.future_annotations = future_annotations;
        for s in body {
            st.stmt(s)?;
        }
        st.analyze()?;
        Ok(st)
    }

    pub fn build_eval(e: &Expr) -> Result<SymTable, CompileError> {
        let mut st = SymTable {
            scopes: vec![Scope::new(ScopeKind::Module, "top", None)],
            by_node: HashMap::new(),
            stack: vec![0],
            comp_iter_target: false,
            depth: 0,
            budget: depth_budget(),
            future_annotations: false,
            in_annotation: 0,
            annotation_scopes: 0,
        };
        st.expr(e)?;
        st.analyze()?;
        Ok(st)
    }

    fn cur(&mut self) -> &mut Scope {
        let id = *self.stack.last().unwrap_or(&0);
        &mut self.scopes[id]
    }

    fn add(&mut self, name: &str, flag: u32, loc: Loc) -> Result<(), CompileError> {
        if self.in_annotation > 0 {
            return Ok(());
        }
        let private = self.cur().private.clone();
        let name = mangle(private.as_deref(), name);
        let sc = self.cur();
        let old = sc.flags.get(&name).copied();
        if flag == DEF_GLOBAL || flag == DEF_NONLOCAL {
            let what = if flag == DEF_GLOBAL {
                "global"
            } else {
                "nonlocal"
            };
            if let Some(o) = old {
                if o & DEF_PARAM != 0 {
                    return Err(err(format!("name '{name}' is parameter and {what}"), loc));
                }
                if flag == DEF_GLOBAL && o & DEF_NONLOCAL != 0 {
                    return Err(err(format!("name '{name}' is nonlocal and global"), loc));
                }
                if flag == DEF_NONLOCAL && o & DEF_GLOBAL != 0 {
                    return Err(err(format!("name '{name}' is nonlocal and global"), loc));
                }
                if o & USE != 0 {
                    return Err(err(
                        format!("name '{name}' is used prior to {what} declaration"),
                        loc,
                    ));
                }
                if o & DEF_ANNOT != 0 {
                    return Err(err(format!("annotated name '{name}' can't be {what}"), loc));
                }
                if o & DEF_LOCAL != 0 {
                    return Err(err(
                        format!("name '{name}' is assigned to before {what} declaration"),
                        loc,
                    ));
                }
            }
        }
        let flag = if self.comp_iter_target {
            flag | DEF_COMP_ITER
        } else {
            flag
        };
        let sc = self.cur();
        match old {
            None => {
                sc.order.push(name.clone());
                sc.flags.insert(name.clone(), flag);
            }
            Some(o) => {
                sc.flags.insert(name.clone(), o | flag);
            }
        }
        // `global x` anywhere marks `x` in the module's table too
        // (symtable.c's `st_global`).
        if flag == DEF_GLOBAL && self.stack.len() > 1 {
            if let Some(top) = self.scopes.first_mut() {
                if !top.flags.contains_key(&name) {
                    top.order.push(name.clone());
                }
                *top.flags.entry(name).or_insert(0) |= DEF_GLOBAL;
            }
        }
        Ok(())
    }

    fn push_scope(&mut self, key: NodeKey, kind: ScopeKind, name: &str) -> ScopeId {
        let parent = *self.stack.last().unwrap_or(&0);
        let private = if self.scopes[parent].kind == ScopeKind::Class {
            Some(self.scopes[parent].name.clone())
        } else {
            self.scopes[parent].private.clone()
        };
        let private = if kind == ScopeKind::Class {
            // The class's own name is used for its body's mangling.
            Some(name.to_string())
        } else {
            private
        };
        let mut sc = Scope::new(kind, name, private);
        sc.lineno = key.0;
        sc.nested = self.scopes[parent].kind == ScopeKind::Function
            || self.scopes[parent].nested && self.scopes[parent].kind == ScopeKind::Class;
        let id = self.scopes.len();
        self.scopes.push(sc);
        self.scopes[parent].children.push(id);
        self.by_node.insert(key, id);
        self.stack.push(id);
        id
    }

    fn params(&mut self, a: &Arguments) -> Result<(), CompileError> {
        for p in a.all() {
            self.add(&p.name, DEF_PARAM, p.loc)?;
            let private = self.cur().private.clone();
            let n = mangle(private.as_deref(), &p.name);
            self.cur().params.push(n);
        }
        Ok(())
    }

    fn annotations(&mut self, a: &Arguments, returns: Option<&Expr>) -> Result<(), CompileError> {
        for p in a.all() {
            if let Some(ann) = &p.annotation {
                self.annotation(ann)?;
            }
        }
        if let Some(r) = returns {
            self.annotation(r)?;
        }
        Ok(())
    }

    /// symtable_visit_annotation.
    fn annotation(&mut self, ann: &Expr) -> Result<(), CompileError> {
        if !self.future_annotations {
            return self.expr(ann);
        }
        self.in_annotation += 1;
        self.annotation_scopes = self.stack.len();
        let r = self.expr(ann);
        self.in_annotation -= 1;
        r
    }

    /// symtable_raise_if_annotation_block.
    fn check_not_annotation(&self, what: &str, e: &Expr) -> Result<(), CompileError> {
        if self.in_annotation > 0 && self.stack.len() == self.annotation_scopes {
            return Err(err(
                format!("'{what}' can not be used within an annotation"),
                e.loc,
            ));
        }
        Ok(())
    }

    fn stmts(&mut self, body: &[Stmt]) -> Result<(), CompileError> {
        for s in body {
            self.stmt(s)?;
        }
        Ok(())
    }

    /// One more level of nesting: past the budget, or near the end of the
    /// native stack, RecursionError (undone by `leave`).
    fn enter(&mut self) -> Result<(), CompileError> {
        self.depth += 1;
        if self.depth > self.budget || crate::vm::stack_guard::exhausted() {
            self.depth -= 1;
            return Err(CompileError::recursion());
        }
        Ok(())
    }

    fn stmt(&mut self, s: &Stmt) -> Result<(), CompileError> {
        self.enter()?;
        let r = self.stmt_level(s);
        self.depth -= 1;
        r
    }

    fn stmt_level(&mut self, s: &Stmt) -> Result<(), CompileError> {
        match &s.kind {
            StmtKind::FunctionDef(f) => {
                self.add(&f.name, DEF_LOCAL, s.loc)?;
                for d in &f.args.defaults {
                    self.expr(d)?;
                }
                for d in f.args.kw_defaults.iter().flatten() {
                    self.expr(d)?;
                }
                self.annotations(&f.args, f.returns.as_ref())?;
                for d in &f.decorators {
                    self.expr(d)?;
                }
                self.push_scope(node_key(&s.loc, 0), ScopeKind::Function, &f.name);
                if f.is_async {
                    self.cur().is_coroutine = true;
                }
                self.params(&f.args)?;
                self.stmts(&f.body)?;
                self.stack.pop();
            }
            StmtKind::ClassDef(c) => {
                self.add(&c.name, DEF_LOCAL, s.loc)?;
                for b in &c.bases {
                    self.expr(b)?;
                }
                for k in &c.keywords {
                    self.expr(&k.value)?;
                }
                for d in &c.decorators {
                    self.expr(d)?;
                }
                self.push_scope(node_key(&s.loc, 0), ScopeKind::Class, &c.name);
                self.stmts(&c.body)?;
                self.stack.pop();
            }
            StmtKind::Return(v) => {
                if let Some(v) = v {
                    self.expr(v)?;
                }
            }
            StmtKind::Delete(t) => {
                for e in t {
                    self.expr(e)?;
                }
            }
            StmtKind::Assign(ts, v) => {
                for t in ts {
                    self.expr(t)?;
                }
                self.expr(v)?;
            }
            StmtKind::AugAssign(t, _, v) => {
                self.expr(t)?;
                self.expr(v)?;
            }
            StmtKind::AnnAssign(t, ann, v, simple) => {
                if let ExprKind::Name(n, _) = &t.kind {
                    let private = self.cur().private.clone();
                    let m = mangle(private.as_deref(), n);
                    let f = self.cur().flags.get(&m).copied().unwrap_or(0);
                    if f & (DEF_GLOBAL | DEF_NONLOCAL) != 0 && *simple && self.stack.len() > 1 {
                        let what = if f & DEF_GLOBAL != 0 {
                            "global"
                        } else {
                            "nonlocal"
                        };
                        return Err(err(format!("annotated name '{n}' can't be {what}"), t.loc));
                    }
                }
                self.cur().has_annotations = true;
                match &t.kind {
                    // symtable.c: a parenthesized name binds only with a value.
                    ExprKind::Name(n, _) => {
                        if *simple {
                            self.add(n, DEF_ANNOT | DEF_LOCAL, t.loc)?;
                        } else if v.is_some() {
                            self.add(n, DEF_LOCAL, t.loc)?;
                        }
                    }
                    _ => self.expr(t)?,
                }
                self.annotation(ann)?;
                if let Some(v) = v {
                    self.expr(v)?;
                }
            }
            StmtKind::For(t, it, body, orelse, _) => {
                self.expr(t)?;
                self.expr(it)?;
                self.stmts(body)?;
                self.stmts(orelse)?;
            }
            StmtKind::While(t, body, orelse) | StmtKind::If(t, body, orelse) => {
                self.expr(t)?;
                self.stmts(body)?;
                self.stmts(orelse)?;
            }
            StmtKind::With(items, body, _) => {
                for i in items {
                    self.expr(&i.context)?;
                    if let Some(v) = &i.vars {
                        self.expr(v)?;
                    }
                }
                self.stmts(body)?;
            }
            StmtKind::Match(subject, cases) => {
                self.expr(subject)?;
                for c in cases {
                    self.pattern(&c.pattern)?;
                    if let Some(g) = &c.guard {
                        self.expr(g)?;
                    }
                    self.stmts(&c.body)?;
                }
            }
            StmtKind::Raise(e, c) => {
                if let Some(e) = e {
                    self.expr(e)?;
                }
                if let Some(c) = c {
                    self.expr(c)?;
                }
            }
            StmtKind::Try(body, handlers, orelse, fin, _) => {
                // symtable.c's order: body, else, handlers, finally.
                self.stmts(body)?;
                self.stmts(orelse)?;
                for h in handlers {
                    if let Some(t) = &h.typ {
                        self.expr(t)?;
                    }
                    if let Some(n) = &h.name {
                        self.add(n, DEF_LOCAL, h.loc)?;
                    }
                    self.stmts(&h.body)?;
                }
                self.stmts(fin)?;
            }
            StmtKind::Assert(t, m) => {
                self.expr(t)?;
                if let Some(m) = m {
                    self.expr(m)?;
                }
            }
            StmtKind::Import(names) | StmtKind::ImportFrom(_, names, _) => {
                for a in names {
                    if a.name == "*" {
                        if self.cur().kind != ScopeKind::Module {
                            return Err(err("import * only allowed at module level".into(), a.loc));
                        }
                        continue;
                    }
                    let bound = match &a.asname {
                        Some(n) => n.as_str(),
                        None => a.name.split('.').next().unwrap_or(&a.name),
                    };
                    self.add(bound, DEF_IMPORT, a.loc)?;
                }
            }
            StmtKind::Global(names) => {
                for n in names {
                    self.add(n, DEF_GLOBAL, s.loc)?;
                }
            }
            StmtKind::Nonlocal(names) => {
                if self.cur().kind == ScopeKind::Module {
                    return Err(err(
                        "nonlocal declaration not allowed at module level".into(),
                        s.loc,
                    ));
                }
                for n in names {
                    self.add(n, DEF_NONLOCAL, s.loc)?;
                    self.cur().nonlocal_locs.entry(n.clone()).or_insert(s.loc);
                }
            }
            StmtKind::Expr(e) => self.expr(e)?,
            StmtKind::Pass | StmtKind::Break | StmtKind::Continue => {}
        }
        Ok(())
    }

    fn pattern(&mut self, p: &Pattern) -> Result<(), CompileError> {
        match &p.kind {
            PatternKind::Value(e) => self.expr(e)?,
            PatternKind::Singleton(_) => {}
            PatternKind::Sequence(ps) | PatternKind::Or(ps) => {
                for q in ps {
                    self.pattern(q)?;
                }
            }
            PatternKind::Mapping(keys, ps, rest) => {
                for k in keys {
                    self.expr(k)?;
                }
                for q in ps {
                    self.pattern(q)?;
                }
                if let Some(r) = rest {
                    self.add(r, DEF_LOCAL, p.loc)?;
                }
            }
            PatternKind::Class(c, ps, _, kps) => {
                self.expr(c)?;
                for q in ps.iter().chain(kps) {
                    self.pattern(q)?;
                }
            }
            PatternKind::Star(n) => {
                if let Some(n) = n {
                    self.add(n, DEF_LOCAL, p.loc)?;
                }
            }
            PatternKind::As(q, n) => {
                if let Some(q) = q {
                    self.pattern(q)?;
                }
                if let Some(n) = n {
                    self.add(n, DEF_LOCAL, p.loc)?;
                }
            }
        }
        Ok(())
    }

    fn exprs(&mut self, es: &[Expr]) -> Result<(), CompileError> {
        for e in es {
            self.expr(e)?;
        }
        Ok(())
    }

    fn expr(&mut self, e: &Expr) -> Result<(), CompileError> {
        self.enter()?;
        let r = self.expr_level(e);
        self.depth -= 1;
        r
    }

    fn expr_level(&mut self, e: &Expr) -> Result<(), CompileError> {
        match &e.kind {
            ExprKind::BoolOp(_, v) | ExprKind::Set(v) | ExprKind::JoinedStr(v) => self.exprs(v)?,
            ExprKind::List(v, _) | ExprKind::Tuple(v, _) => self.exprs(v)?,
            ExprKind::NamedExpr(t, v) => {
                self.check_not_annotation("named expression", e)?;
                let ExprKind::Name(n, _) = &t.kind else {
                    self.expr(v)?;
                    return self.expr(t);
                };
                // In a comprehension the target binds in the nearest
                // enclosing non-comprehension scope (symtable.c's
                // `symtable_extend_namedexpr_scope`), before the value is
                // visited.
                let is_comp = |sc: &Scope| {
                    sc.kind == ScopeKind::Function
                        && sc.name.starts_with('<')
                        && sc.name != "<lambda>"
                };
                let depth = self
                    .stack
                    .iter()
                    .rposition(|&id| !is_comp(&self.scopes[id]))
                    .unwrap_or(0);
                if depth + 1 < self.stack.len() {
                    let target = self.stack[depth];
                    if self.scopes[target].kind == ScopeKind::Class {
                        return Err(err(
                            "assignment expression within a comprehension cannot be used in a class body".into(),
                            e.loc,
                        ));
                    }
                    let private = self.cur().private.clone();
                    let m = mangle(private.as_deref(), n);
                    let tsc = &mut self.scopes[target];
                    let tf = tsc.flags.get(&m).copied().unwrap_or(0);
                    let (flag, outer) = if tsc.kind == ScopeKind::Module {
                        (DEF_GLOBAL, DEF_GLOBAL)
                    } else if tf & DEF_GLOBAL != 0 {
                        (DEF_GLOBAL, DEF_LOCAL)
                    } else {
                        (DEF_NONLOCAL, DEF_LOCAL)
                    };
                    if !tsc.flags.contains_key(&m) {
                        tsc.order.push(m.clone());
                    }
                    *tsc.flags.entry(m.clone()).or_insert(0) |= outer;
                    let sc = self.cur();
                    if !sc.flags.contains_key(&m) {
                        sc.order.push(m.clone());
                    }
                    *sc.flags.entry(m).or_insert(0) |= flag;
                }
                self.expr(v)?;
                self.add(n, DEF_LOCAL, t.loc)?;
            }
            ExprKind::BinOp(a, _, b) => {
                self.expr(a)?;
                self.expr(b)?;
            }
            ExprKind::UnaryOp(_, a) | ExprKind::Await(a) | ExprKind::YieldFrom(a) => {
                if matches!(e.kind, ExprKind::Await(_)) {
                    self.mark_generator(e, true)?;
                } else if matches!(e.kind, ExprKind::YieldFrom(_)) {
                    self.mark_generator(e, false)?;
                }
                self.expr(a)?
            }
            ExprKind::Lambda(args, body) => {
                for d in &args.defaults {
                    self.expr(d)?;
                }
                for d in args.kw_defaults.iter().flatten() {
                    self.expr(d)?;
                }
                self.push_scope(node_key(&e.loc, 1), ScopeKind::Function, "<lambda>");
                self.params(args)?;
                self.expr(body)?;
                self.stack.pop();
            }
            ExprKind::IfExp(a, b, c) => {
                self.expr(a)?;
                self.expr(b)?;
                self.expr(c)?;
            }
            ExprKind::Dict(keys, values) => {
                for k in keys.iter().flatten() {
                    self.expr(k)?;
                }
                self.exprs(values)?;
            }
            ExprKind::Comp(kind, elt, value, gens) => {
                let Some(first) = gens.first() else {
                    return Ok(());
                };
                self.expr(&first.iter)?;
                let name = match kind {
                    CompKind::List => "<listcomp>",
                    CompKind::Set => "<setcomp>",
                    CompKind::Dict => "<dictcomp>",
                    CompKind::Gen => "<genexpr>",
                };
                self.push_scope(node_key(&e.loc, 1), ScopeKind::Function, name);
                if *kind == CompKind::Gen {
                    self.cur().is_generator = true;
                }
                self.add(".0", DEF_PARAM, e.loc)?;
                self.cur().params.push(".0".into());
                for (i, g) in gens.iter().enumerate() {
                    if g.is_async {
                        self.cur().is_coroutine = true;
                    }
                    self.comp_iter_target = true;
                    let r = self.expr(&g.target);
                    self.comp_iter_target = false;
                    r?;
                    if i > 0 {
                        self.expr(&g.iter)?;
                    }
                    self.exprs(&g.ifs)?;
                }
                // symtable.c visits a dict comprehension's value first.
                if let Some(v) = value {
                    self.expr(v)?;
                }
                self.expr(elt)?;
                let inner_async = self.cur().is_coroutine;
                self.stack.pop();
                // Awaiting an async comprehension makes an enclosing
                // comprehension a coroutine too.
                if inner_async && *kind != CompKind::Gen {
                    let sc = self.cur();
                    if sc.kind == ScopeKind::Function
                        && sc.name.starts_with('<')
                        && sc.name != "<lambda>"
                    {
                        sc.is_coroutine = true;
                    }
                }
            }
            ExprKind::Yield(v) => {
                self.mark_generator(e, false)?;
                if let Some(v) = v {
                    self.expr(v)?;
                }
            }
            ExprKind::Compare(a, _, rest) => {
                self.expr(a)?;
                self.exprs(rest)?;
            }
            ExprKind::Call(f, args, kws) => {
                self.expr(f)?;
                self.exprs(args)?;
                for k in kws {
                    self.expr(&k.value)?;
                }
            }
            ExprKind::FormattedValue(v, _, spec) => {
                self.expr(v)?;
                if let Some(s) = spec {
                    self.expr(s)?;
                }
            }
            ExprKind::Constant(_) => {}
            ExprKind::Attribute(v, _, _) | ExprKind::Starred(v, _) => self.expr(v)?,
            ExprKind::Subscript(v, s, _) => {
                self.expr(v)?;
                self.expr(s)?;
            }
            ExprKind::Name(n, ctx) => {
                let flag = if *ctx == Ctx::Load { USE } else { DEF_LOCAL };
                self.add(n, flag, e.loc)?;
                if *ctx == Ctx::Load && n == "super" && self.cur().kind == ScopeKind::Function {
                    self.add("__class__", USE, e.loc)?;
                }
            }
            ExprKind::Slice(a, b, c) => {
                for x in [a, b, c].into_iter().flatten() {
                    self.expr(x)?;
                }
            }
        }
        Ok(())
    }

    fn mark_generator(&mut self, e: &Expr, is_await: bool) -> Result<(), CompileError> {
        let what = if is_await {
            "await expression"
        } else {
            "yield expression"
        };
        self.check_not_annotation(what, e)?;
        let sc = self.cur();
        if is_await {
            if sc.kind != ScopeKind::Function {
                return Err(err("'await' outside function".into(), e.loc));
            }
            if sc.name.starts_with('<') && sc.name != "<lambda>" {
                sc.is_coroutine = true;
            }
            return Ok(());
        }
        if sc.kind != ScopeKind::Function {
            return Err(err("'yield' outside function".into(), e.loc));
        }
        if sc.name.starts_with('<') && sc.name != "<lambda>" {
            let what = match sc.name.as_str() {
                "<listcomp>" => "list comprehension",
                "<setcomp>" => "set comprehension",
                "<dictcomp>" => "dict comprehension",
                _ => "generator expression",
            };
            return Err(err(format!("'yield' inside {what}"), e.loc));
        }
        sc.is_generator = true;
        Ok(())
    }

    // ---- analysis ----

    fn analyze(&mut self) -> Result<(), CompileError> {
        let bound = HashSet::new();
        let global = HashSet::new();
        self.analyze_scope(0, &bound, &global)?;
        Ok(())
    }

    /// Resolve the names of scope `id`; returns the names free in it (and
    /// its children) that an enclosing function must provide.
    fn analyze_scope(
        &mut self,
        id: ScopeId,
        bound: &HashSet<String>,
        global: &HashSet<String>,
    ) -> Result<HashSet<String>, CompileError> {
        let kind = self.scopes[id].kind;
        let mut local = HashSet::new();
        let mut newglobal = global.clone();
        let mut newbound = bound.clone();
        let mut free = HashSet::new();
        let order = self.scopes[id].order.clone();
        for name in &order {
            let f = self.scopes[id].flags.get(name).copied().unwrap_or(0);
            let sc = if f & DEF_GLOBAL != 0 {
                newglobal.insert(name.clone());
                newbound.remove(name);
                NameScope::GlobalExplicit
            } else if f & DEF_NONLOCAL != 0 {
                if !bound.contains(name) {
                    let loc = self.scopes[id]
                        .nonlocal_locs
                        .get(name)
                        .copied()
                        .unwrap_or_default();
                    return Err(err(format!("no binding for nonlocal '{name}' found"), loc));
                }
                free.insert(name.clone());
                NameScope::Free
            } else if f & DEF_BOUND != 0 {
                local.insert(name.clone());
                newglobal.remove(name);
                NameScope::Local
            } else if bound.contains(name) && kind != ScopeKind::Module {
                free.insert(name.clone());
                NameScope::Free
            } else {
                NameScope::GlobalImplicit
            };
            self.scopes[id].scopes.insert(name.clone(), sc);
        }
        match kind {
            ScopeKind::Function => {
                newbound.extend(local.iter().cloned());
            }
            ScopeKind::Class => {
                newbound.insert("__class__".into());
            }
            ScopeKind::Module => {
                newbound.clear();
            }
        }
        let children = self.scopes[id].children.clone();
        let mut child_free = HashSet::new();
        for c in children {
            let f = self.analyze_scope(c, &newbound, &newglobal)?;
            child_free.extend(f);
        }
        let mut cells = Vec::new();
        let mut frees: HashSet<String> = free.clone();
        for name in child_free {
            match kind {
                ScopeKind::Function if local.contains(&name) => {
                    self.scopes[id].scopes.insert(name.clone(), NameScope::Cell);
                    cells.push(name);
                }
                ScopeKind::Class if name == "__class__" => {
                    self.scopes[id].needs_class_cell = true;
                    cells.push(name);
                }
                ScopeKind::Module => {}
                _ => {
                    if kind == ScopeKind::Class {
                        // A method's free variable the class also binds.
                        if let Some(f) = self.scopes[id].flags.get_mut(&name) {
                            if *f & (DEF_BOUND | DEF_GLOBAL) != 0 {
                                *f |= DEF_FREE_CLASS;
                            }
                        }
                    }
                    if !self.scopes[id].scopes.contains_key(&name) {
                        self.scopes[id].scopes.insert(name.clone(), NameScope::Free);
                    }
                    frees.insert(name);
                }
            }
        }
        cells.sort();
        cells.dedup();
        let mut fv: Vec<String> = frees.iter().cloned().collect();
        fv.sort();
        let sc = &mut self.scopes[id];
        sc.cellvars = cells;
        sc.freevars = fv;
        Ok(frees)
    }
}
