//! Statement code generation (compile.c `compiler_visit_stmt`):
//! assignments, control flow with break/continue/return unwinding through
//! the frame-block stack, try/except/finally and with (3.11's exception
//! table via SETUP_* pseudo-instructions), functions, classes, imports,
//! and the module/eval entry points.

use crate::pyc::opcode::Op;
use crate::pyc::Obj;

use super::assembler::{IOp, Label};
use super::ast::*;
use super::codegen::{CResult, Compiler, FBlock};
use super::codegen_expr::const_of;
use super::symtable::{node_key, ScopeKind};

fn docstring(body: &[Stmt]) -> Option<Vec<u8>> {
    match body.first().map(|s| &s.kind) {
        Some(StmtKind::Expr(Expr {
            kind: ExprKind::Constant(Const::Str(s)),
            ..
        })) => Some(s.clone()),
        _ => None,
    }
}

/// The docstring the code keeps: none under `-OO` (the statement is then
/// compiled as any other constant expression).
fn kept_docstring(body: &[Stmt]) -> Option<Vec<u8>> {
    match super::codegen::optimize() {
        0 | 1 => docstring(body),
        _ => None,
    }
}

fn has_annotations(body: &[Stmt]) -> bool {
    body.iter().any(|s| match &s.kind {
        StmtKind::AnnAssign(..) => true,
        StmtKind::If(_, a, b) | StmtKind::While(_, a, b) | StmtKind::For(_, _, a, b, _) => {
            has_annotations(a) || has_annotations(b)
        }
        StmtKind::With(_, a, _) => has_annotations(a),
        StmtKind::Try(a, h, b, c, _) => {
            has_annotations(a)
                || has_annotations(b)
                || has_annotations(c)
                || h.iter().any(|h| has_annotations(&h.body))
        }
        StmtKind::Match(_, cases) => cases.iter().any(|c| has_annotations(&c.body)),
        _ => false,
    })
}

impl<'a> Compiler<'a> {
    /// The module code object for 'exec'/'single' mode.
    pub fn compile_module(&mut self, body: &[Stmt]) -> CResult<Obj> {
        self.check_futures(body)?;
        self.enter(0, "<module>", 1);
        self.emit_resume();
        if has_annotations(body) {
            self.u().loc = body.first().map(|s| s.loc);
            self.emit0(Op::SetupAnnotations);
        }
        let mut rest = body;
        if !self.interactive {
            if let Some(doc) = kept_docstring(body) {
                self.u().loc = body.first().map(|s| s.loc);
                self.load_const(Const::Str(doc));
                self.name_op("__doc__", Ctx::Store);
                rest = &body[1..];
            }
        }
        self.stmts(rest)?;
        // An empty module returns at its start location; otherwise the
        // location carries over from the last statement.
        self.u().loc = if body.is_empty() {
            Some(self.unit_start_loc())
        } else {
            None
        };
        self.load_const(Const::None);
        self.emit0(Op::ReturnValue);
        self.finish()
    }

    /// future.c: `from __future__ import` statements may only follow the
    /// docstring and each other, and must name known features. Sets the
    /// line of the last valid one (later ones are errors when compiled).
    fn check_futures(&mut self, body: &[Stmt]) -> CResult<()> {
        const FEATURES: [&str; 10] = [
            "nested_scopes",
            "generators",
            "division",
            "absolute_import",
            "with_statement",
            "print_function",
            "unicode_literals",
            "barry_as_FLUFL",
            "generator_stop",
            "annotations",
        ];
        let skip = usize::from(docstring(body).is_some());
        let mut done = false;
        for s in body.iter().skip(skip) {
            let names = match &s.kind {
                StmtKind::ImportFrom(Some(m), names, 0) if m == "__future__" => names,
                _ => {
                    done = true;
                    continue;
                }
            };
            if done {
                return Err(self.err(
                    "from __future__ imports must occur at the beginning of the file",
                    s.loc,
                ));
            }
            for a in names {
                if a.name == "braces" {
                    return Err(self.err("not a chance", s.loc));
                }
                if !FEATURES.contains(&a.name.as_str()) {
                    return Err(
                        self.err(&format!("future feature {} is not defined", a.name), s.loc)
                    );
                }
            }
            self.future_lineno = s.loc.line;
        }
        Ok(())
    }

    /// The code object for 'eval' mode.
    pub fn compile_eval(&mut self, e: &Expr) -> CResult<Obj> {
        self.enter(0, "<module>", 1);
        self.emit_resume();
        self.expr(e)?;
        self.emit0(Op::ReturnValue);
        self.finish()
    }

    pub fn stmts(&mut self, body: &[Stmt]) -> CResult<()> {
        for s in body {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn stmt(&mut self, s: &Stmt) -> CResult<()> {
        self.u().loc = Some(s.loc);
        match &s.kind {
            StmtKind::FunctionDef(f) => self.funcdef(s, f)?,
            StmtKind::ClassDef(c) => self.classdef(s, c)?,
            StmtKind::Return(v) => self.return_stmt(s, v.as_ref())?,
            StmtKind::Delete(targets) => {
                for t in targets {
                    self.delete(t)?;
                }
            }
            StmtKind::Assign(targets, value) => {
                self.expr(value)?;
                let n = targets.len();
                for (i, t) in targets.iter().enumerate() {
                    if i + 1 < n {
                        self.emit(Op::Copy, 1);
                    }
                    self.store_target(t)?;
                }
            }
            StmtKind::AugAssign(t, op, v) => self.augassign(t, *op, v)?,
            StmtKind::AnnAssign(t, ann, v, simple) => {
                self.annassign(t, ann, v.as_ref(), *simple)?
            }
            StmtKind::For(t, it, body, orelse, is_async) => {
                if *is_async {
                    self.async_for(s, t, it, body, orelse)?
                } else {
                    self.for_stmt(t, it, body, orelse)?
                }
            }
            StmtKind::While(test, body, orelse) => self.while_stmt(test, body, orelse)?,
            StmtKind::If(test, body, orelse) => {
                let end = self.new_label();
                let else_ = if orelse.is_empty() {
                    end
                } else {
                    self.new_label()
                };
                self.jump_if(test, else_, false)?;
                self.stmts(body)?;
                if !orelse.is_empty() {
                    self.emit_jump_noloc(end);
                    self.bind(else_);
                    self.stmts(orelse)?;
                }
                self.bind(end);
            }
            StmtKind::With(items, body, is_async) => {
                if *is_async {
                    self.async_with(s, items, 0, body)?
                } else {
                    self.with_stmt(s, items, 0, body)?
                }
            }
            StmtKind::Match(subject, cases) => self.match_stmt(subject, cases)?,
            StmtKind::Raise(exc, cause) => {
                let mut n = 0;
                if let Some(e) = exc {
                    self.expr(e)?;
                    n = 1;
                    if let Some(c) = cause {
                        self.expr(c)?;
                        n = 2;
                    }
                }
                self.u().loc = Some(s.loc);
                self.emit(Op::RaiseVarargs, n);
            }
            StmtKind::Try(body, handlers, orelse, fin, star) => {
                if fin.is_empty() {
                    self.try_except_any(body, handlers, orelse, *star)?;
                } else {
                    self.try_finally(body, handlers, orelse, fin, *star)?;
                }
            }
            StmtKind::Assert(test, msg) => {
                if matches!(&test.kind, ExprKind::Tuple(items, _) if !items.is_empty()) {
                    self.warn("assertion is always true, perhaps remove parentheses?");
                }
                if super::codegen::optimize() > 0 {
                    return Ok(());
                }
                let end = self.new_label();
                self.jump_if(test, end, true)?;
                self.u().loc = Some(s.loc);
                self.emit0(Op::LoadAssertionError);
                if let Some(m) = msg {
                    self.expr(m)?;
                    self.emit(Op::Precall, 0);
                    self.emit(Op::Call, 0);
                }
                self.emit(Op::RaiseVarargs, 1);
                self.bind(end);
            }
            StmtKind::Import(names) => {
                for a in names {
                    self.u().loc = Some(a.loc);
                    self.load_const(Const::Int(0));
                    self.load_const(Const::None);
                    let i = self.add_name(&a.name);
                    self.emit(Op::ImportName, i);
                    match &a.asname {
                        Some(asname) => {
                            let parts: Vec<&str> = a.name.split('.').collect();
                            if parts.len() > 1 {
                                for (k, p) in parts.iter().enumerate().skip(1) {
                                    let i = self.add_name(p);
                                    self.emit(Op::ImportFrom, i);
                                    if k + 1 < parts.len() {
                                        self.emit(Op::Swap, 2);
                                        self.emit0(Op::PopTop);
                                    }
                                }
                                self.name_op(asname, Ctx::Store);
                                self.emit0(Op::PopTop);
                            } else {
                                self.name_op(asname, Ctx::Store);
                            }
                        }
                        None => {
                            let top = a.name.split('.').next().unwrap_or(&a.name).to_string();
                            self.name_op(&top, Ctx::Store);
                        }
                    }
                }
            }
            StmtKind::ImportFrom(Some(m), _, 0)
                if m == "__future__" && s.loc.line > self.future_lineno =>
            {
                return Err(self.err(
                    "from __future__ imports must occur at the beginning of the file",
                    s.loc,
                ));
            }
            StmtKind::ImportFrom(module, names, level) => {
                self.load_const(Const::Int(*level as i64));
                let fromlist: Vec<Const> = names
                    .iter()
                    .map(|a| Const::Str(a.name.clone().into_bytes()))
                    .collect();
                self.load_const(Const::Tuple(fromlist));
                let i = self.add_name(module.as_deref().unwrap_or(""));
                self.emit(Op::ImportName, i);
                if names.len() == 1 && names[0].name == "*" {
                    self.emit0(Op::ImportStar);
                } else {
                    for a in names {
                        self.u().loc = Some(a.loc);
                        let i = self.add_name(&a.name);
                        self.emit(Op::ImportFrom, i);
                        let store = a.asname.as_deref().unwrap_or(&a.name).to_string();
                        self.name_op(&store, Ctx::Store);
                    }
                    self.emit0(Op::PopTop);
                }
            }
            StmtKind::Global(_) | StmtKind::Nonlocal(_) => {}
            StmtKind::Expr(e) => {
                if self.interactive && self.ur().kind == ScopeKind::Module {
                    self.expr(e)?;
                    self.emit0(Op::PrintExpr);
                } else if !matches!(e.kind, ExprKind::Constant(_)) {
                    self.expr(e)?;
                    self.emit0(Op::PopTop);
                } else {
                    self.emit0(Op::Nop);
                }
            }
            StmtKind::Pass => self.emit0(Op::Nop),
            StmtKind::Break => self.break_stmt(s)?,
            StmtKind::Continue => self.continue_stmt(s)?,
        }
        Ok(())
    }

    fn emit_jump_noloc(&mut self, l: Label) {
        let saved = self.ur().loc;
        self.u().loc = None;
        self.emit_jump(IOp::Jump, l);
        self.u().loc = saved;
    }

    fn delete(&mut self, t: &Expr) -> CResult<()> {
        match &t.kind {
            ExprKind::Tuple(items, _) | ExprKind::List(items, _) => {
                for i in items {
                    self.delete(i)?;
                }
                Ok(())
            }
            ExprKind::Name(n, _) => {
                self.u().loc = Some(t.loc);
                self.name_op(n, Ctx::Del);
                Ok(())
            }
            _ => self.expr(t),
        }
    }

    fn augassign(&mut self, t: &Expr, op: BinOp, v: &Expr) -> CResult<()> {
        let arg = op as u32 + 13;
        match &t.kind {
            ExprKind::Name(n, _) => {
                self.u().loc = Some(t.loc);
                self.name_op(n, Ctx::Load);
                self.expr(v)?;
                self.u().loc = Some(t.loc.to(v.loc));
                self.emit(Op::BinaryOp, arg);
                self.u().loc = Some(t.loc);
                self.name_op(n, Ctx::Store);
            }
            ExprKind::Attribute(obj, name, _) => {
                self.expr(obj)?;
                self.emit(Op::Copy, 1);
                let m = self.mangle(name);
                let i = self.add_name(&m);
                self.u().loc = Some(t.loc);
                self.emit(Op::LoadAttr, i);
                self.expr(v)?;
                self.u().loc = Some(t.loc.to(v.loc));
                self.emit(Op::BinaryOp, arg);
                self.u().loc = Some(t.loc);
                self.emit(Op::Swap, 2);
                self.emit(Op::StoreAttr, i);
            }
            ExprKind::Subscript(obj, idx, _) => {
                self.expr(obj)?;
                self.expr(idx)?;
                self.emit(Op::Copy, 2);
                self.emit(Op::Copy, 2);
                self.u().loc = Some(t.loc);
                self.emit0(Op::BinarySubscr);
                self.expr(v)?;
                self.u().loc = Some(t.loc.to(v.loc));
                self.emit(Op::BinaryOp, arg);
                self.u().loc = Some(t.loc);
                self.emit(Op::Swap, 3);
                self.emit(Op::Swap, 2);
                self.emit0(Op::StoreSubscr);
            }
            _ => return Err(self.err("illegal expression for augmented assignment", t.loc)),
        }
        Ok(())
    }

    fn annassign(&mut self, t: &Expr, ann: &Expr, v: Option<&Expr>, simple: bool) -> CResult<()> {
        if let Some(v) = v {
            self.expr(v)?;
            self.store_target(t)?;
        }
        // compile.c's check_annotation: under the annotations future an
        // annotation of a complex target is not evaluated at all.
        let kind = match self.ur().kind {
            _ if self.future_annotations && !simple => ScopeKind::Function,
            k => k,
        };
        match &t.kind {
            ExprKind::Name(n, _) if simple => {
                if kind != ScopeKind::Function {
                    self.annotation_value(ann)?;
                    self.name_op("__annotations__", Ctx::Load);
                    let m = self.mangle(n);
                    self.load_const(Const::Str(m.into_bytes()));
                    self.emit0(Op::StoreSubscr);
                }
            }
            ExprKind::Attribute(obj, _, _) => {
                if v.is_none() {
                    self.expr(obj)?;
                    self.emit0(Op::PopTop);
                }
                if kind != ScopeKind::Function {
                    self.expr(ann)?;
                    self.emit0(Op::PopTop);
                }
            }
            ExprKind::Subscript(obj, idx, _) => {
                if v.is_none() {
                    self.expr(obj)?;
                    self.emit0(Op::PopTop);
                    self.expr(idx)?;
                    self.emit0(Op::PopTop);
                }
                if kind != ScopeKind::Function {
                    self.expr(ann)?;
                    self.emit0(Op::PopTop);
                }
            }
            _ => {
                if kind != ScopeKind::Function {
                    self.expr(ann)?;
                    self.emit0(Op::PopTop);
                }
            }
        }
        Ok(())
    }

    fn for_stmt(&mut self, t: &Expr, it: &Expr, body: &[Stmt], orelse: &[Stmt]) -> CResult<()> {
        let start = self.new_label();
        let cleanup = self.new_label();
        let end = self.new_label();
        self.expr(it)?;
        self.emit0(Op::GetIter);
        self.bind(start);
        self.emit_real_jump(Op::ForIter, cleanup);
        self.push_fblock(FBlock::ForLoop { start, exit: end })?;
        self.store_target(t)?;
        self.stmts(body)?;
        self.u().loc = None;
        self.emit_jump(IOp::Jump, start);
        self.u().fblocks.pop();
        self.bind(cleanup);
        self.stmts(orelse)?;
        self.bind(end);
        Ok(())
    }

    pub(crate) fn check_async_scope(&self, s: &Stmt, what: &str) -> CResult<()> {
        let f = self.ur().flags;
        if f & (crate::pyc::code::CO_COROUTINE | crate::pyc::code::CO_ASYNC_GENERATOR) == 0 {
            return Err(self.err(&format!("'{what}' outside async function"), s.loc));
        }
        Ok(())
    }

    /// compile.c `compiler_async_for`.
    fn async_for(
        &mut self,
        s: &Stmt,
        t: &Expr,
        it: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
    ) -> CResult<()> {
        self.check_async_scope(s, "async for")?;
        let start = self.new_label();
        let except = self.new_label();
        let end = self.new_label();
        self.expr(it)?;
        self.emit0(Op::GetAiter);
        self.bind(start);
        self.push_fblock(FBlock::ForLoop { start, exit: end })?;
        self.emit_jump(IOp::SetupFinally, except);
        self.emit0(Op::GetAnext);
        self.load_const(Const::None);
        self.yield_from_loop(true);
        self.emit_pseudo(IOp::PopBlock);
        self.store_target(t)?;
        self.stmts(body)?;
        self.u().loc = None;
        self.emit_jump(IOp::Jump, start);
        self.u().fblocks.pop();
        self.bind(except);
        self.u().loc = Some(it.loc);
        self.emit0(Op::EndAsyncFor);
        self.stmts(orelse)?;
        self.bind(end);
        Ok(())
    }

    fn while_stmt(&mut self, test: &Expr, body: &[Stmt], orelse: &[Stmt]) -> CResult<()> {
        let start = self.new_label();
        let anchor = self.new_label();
        let end = self.new_label();
        self.bind(start);
        self.jump_if(test, anchor, false)?;
        self.push_fblock(FBlock::WhileLoop { start, exit: end })?;
        self.stmts(body)?;
        self.u().loc = None;
        self.emit_jump(IOp::Jump, start);
        self.u().fblocks.pop();
        self.bind(anchor);
        self.stmts(orelse)?;
        self.bind(end);
        Ok(())
    }

    /// compile.c `compiler_unwind_fblock`.
    fn unwind(&mut self, fb: &FBlock, preserve_tos: bool) -> CResult<()> {
        match fb {
            FBlock::WhileLoop { .. } | FBlock::ExceptionHandler => {}
            FBlock::ExceptionGroupHandler => {
                let loc = self.ur().loc.unwrap_or_default();
                return Err(self.err(
                    "'break', 'continue' and 'return' cannot appear in an except* block",
                    loc,
                ));
            }
            FBlock::ForLoop { .. } => {
                if preserve_tos {
                    self.emit(Op::Swap, 2);
                }
                self.emit0(Op::PopTop);
            }
            FBlock::TryExcept => self.emit_pseudo(IOp::PopBlock),
            FBlock::FinallyTry { body } => {
                self.emit_pseudo(IOp::PopBlock);
                if preserve_tos {
                    self.push_fblock(FBlock::PopValue)?;
                }
                let body = body.clone();
                self.stmts(&body)?;
                if preserve_tos {
                    self.u().fblocks.pop();
                }
            }
            FBlock::FinallyEnd => {
                if preserve_tos {
                    self.emit(Op::Swap, 2);
                }
                self.emit0(Op::PopTop);
                if preserve_tos {
                    self.emit(Op::Swap, 2);
                }
                self.emit_pseudo(IOp::PopBlock);
                self.emit0(Op::PopExcept);
            }
            FBlock::With { loc } | FBlock::AsyncWith { loc } => {
                self.u().loc = Some(*loc);
                self.emit_pseudo(IOp::PopBlock);
                if preserve_tos {
                    self.emit(Op::Swap, 2);
                }
                self.call_exit_with_nones();
                if matches!(fb, FBlock::AsyncWith { .. }) {
                    self.emit(Op::GetAwaitable, 2);
                    self.load_const(Const::None);
                    self.yield_from_loop(true);
                }
                self.emit0(Op::PopTop);
            }
            FBlock::HandlerCleanup { name } => {
                if name.is_some() {
                    self.emit_pseudo(IOp::PopBlock);
                }
                if preserve_tos {
                    self.emit(Op::Swap, 2);
                }
                self.emit_pseudo(IOp::PopBlock);
                self.emit0(Op::PopExcept);
                if let Some(n) = name {
                    self.load_const(Const::None);
                    self.name_op(n, Ctx::Store);
                    self.name_op(n, Ctx::Del);
                }
            }
            FBlock::PopValue => {
                if preserve_tos {
                    self.emit(Op::Swap, 2);
                }
                self.emit0(Op::PopTop);
            }
        }
        Ok(())
    }

    /// Unwind all blocks (for return); loops stop at `until_loop`.
    fn unwind_all(&mut self, preserve_tos: bool, stop_at_loop: bool) -> CResult<Option<FBlock>> {
        let saved = self.ur().fblocks.clone();
        let mut result = None;
        while let Some(fb) = self.u().fblocks.pop() {
            if stop_at_loop && matches!(fb, FBlock::WhileLoop { .. } | FBlock::ForLoop { .. }) {
                result = Some(fb);
                break;
            }
            let loc = self.ur().loc;
            self.unwind(&fb, preserve_tos)?;
            self.u().loc = loc;
        }
        self.u().fblocks = saved;
        Ok(result)
    }

    fn return_stmt(&mut self, s: &Stmt, v: Option<&Expr>) -> CResult<()> {
        if self.ur().kind != ScopeKind::Function {
            return Err(self.err("'return' outside function", s.loc));
        }
        let gen = self.ur().flags & crate::pyc::code::CO_ASYNC_GENERATOR != 0;
        if gen && v.is_some() {
            return Err(self.err("'return' with value in async generator", s.loc));
        }
        let constant = v
            .and_then(const_of)
            .or(if v.is_none() { Some(Const::None) } else { None });
        match (&constant, v) {
            (None, Some(v)) => {
                self.expr(v)?;
                self.unwind_all(true, false)?;
            }
            _ => {
                self.unwind_all(false, false)?;
            }
        }
        self.u().loc = Some(s.loc);
        if let Some(c) = constant {
            self.load_const(c);
        }
        self.emit0(Op::ReturnValue);
        Ok(())
    }

    fn break_stmt(&mut self, s: &Stmt) -> CResult<()> {
        let saved = self.ur().fblocks.clone();
        let mut found = None;
        while let Some(fb) = self.u().fblocks.pop() {
            if matches!(fb, FBlock::WhileLoop { .. } | FBlock::ForLoop { .. }) {
                found = Some(fb);
                break;
            }
            self.unwind(&fb, false)?;
            self.u().loc = Some(s.loc);
        }
        self.u().fblocks = saved;
        let Some(fb) = found else {
            return Err(self.err("'break' outside loop", s.loc));
        };
        self.unwind(&fb, false)?;
        let exit = match fb {
            FBlock::WhileLoop { exit, .. } | FBlock::ForLoop { exit, .. } => exit,
            _ => return Ok(()),
        };
        self.u().loc = Some(s.loc);
        self.emit_jump(IOp::Jump, exit);
        Ok(())
    }

    fn continue_stmt(&mut self, s: &Stmt) -> CResult<()> {
        let found = self.unwind_all(false, true)?;
        let Some(fb) = found else {
            return Err(self.err("'continue' not properly in loop", s.loc));
        };
        let start = match fb {
            FBlock::WhileLoop { start, .. } | FBlock::ForLoop { start, .. } => start,
            _ => return Ok(()),
        };
        self.u().loc = Some(s.loc);
        self.emit_jump(IOp::Jump, start);
        Ok(())
    }

    fn decorators(&mut self, decos: &[Expr]) -> CResult<()> {
        self.exprs(decos)
    }

    fn apply_decorators(&mut self, decos: &[Expr]) {
        for d in decos.iter().rev() {
            self.u().loc = Some(d.loc);
            self.emit(Op::Precall, 0);
            self.emit(Op::Call, 0);
        }
    }

    fn funcdef(&mut self, s: &Stmt, f: &FunctionDef) -> CResult<()> {
        let scope = *self
            .st
            .by_node
            .get(&node_key(&s.loc, 0))
            .ok_or_else(|| super::CompileError::internal("function scope"))?;
        self.check_debug_args(&f.args, s.loc)?;
        self.decorators(&f.decorators)?;
        self.u().loc = Some(s.loc);
        let mut flags = self.default_args(&f.args)?;
        if self.annotations(&f.args, f.returns.as_ref())? {
            flags |= 4;
        }
        let first = f
            .decorators
            .first()
            .map(|d| d.loc.line)
            .unwrap_or(s.loc.line);
        self.enter(scope, &f.name, first);
        self.set_arg_counts(&f.args);
        let mut body: &[Stmt] = &f.body;
        match kept_docstring(body) {
            Some(d) => {
                self.add_const(Const::Str(d));
                body = &body[1..];
            }
            None => {
                self.add_const(Const::None);
            }
        }
        self.emit_resume();
        self.stmts(body)?;
        if self.end_reachable() {
            self.u().loc = None;
            self.load_const(Const::None);
            self.emit0(Op::ReturnValue);
        }
        let code = self.finish()?;
        self.u().loc = Some(s.loc);
        self.make_function(scope, code, flags);
        self.apply_decorators(&f.decorators);
        self.u().loc = Some(s.loc);
        self.name_op(&f.name, Ctx::Store);
        Ok(())
    }

    /// An annotation's value: its source text under the annotations
    /// future (compiler_visit_annexpr), else the expression.
    fn annotation_value(&mut self, ann: &Expr) -> CResult<()> {
        if self.future_annotations {
            let text = super::unparse::annotation_text(ann);
            self.load_const(Const::Str(text.into_bytes()));
            return Ok(());
        }
        self.expr(ann)
    }

    /// The annotations tuple (name, value, ...); true when emitted.
    fn annotations(&mut self, a: &Arguments, returns: Option<&Expr>) -> CResult<bool> {
        let mut n = 0;
        let order: Vec<&Arg> = a
            .args
            .iter()
            .chain(&a.posonly)
            .chain(a.vararg.iter())
            .chain(&a.kwonly)
            .chain(a.kwarg.iter())
            .collect();
        for arg in order {
            if let Some(ann) = &arg.annotation {
                let m = self.mangle(&arg.name);
                self.load_const(Const::Str(m.into_bytes()));
                match &ann.kind {
                    _ if self.future_annotations => self.annotation_value(ann)?,
                    // `*args: *Ts`: the single unpacked value.
                    ExprKind::Starred(v, _) => {
                        self.expr(v)?;
                        self.emit(Op::UnpackSequence, 1);
                    }
                    _ => self.expr(ann)?,
                }
                n += 2;
            }
        }
        if let Some(r) = returns {
            self.load_const(Const::Str(b"return".to_vec()));
            self.annotation_value(r)?;
            n += 2;
        }
        if n > 0 {
            self.emit(Op::BuildTuple, n);
        }
        Ok(n > 0)
    }

    fn classdef(&mut self, s: &Stmt, c: &ClassDef) -> CResult<()> {
        let scope = *self
            .st
            .by_node
            .get(&node_key(&s.loc, 0))
            .ok_or_else(|| super::CompileError::internal("class scope"))?;
        self.decorators(&c.decorators)?;
        let first = c
            .decorators
            .first()
            .map(|d| d.loc.line)
            .unwrap_or(s.loc.line);
        self.enter(scope, &c.name, first);
        self.emit_resume();
        // compiler_class: the prologue keeps the unit's start location.
        self.u().loc = Some(self.unit_start_loc());
        self.name_op("__name__", Ctx::Load);
        self.name_op("__module__", Ctx::Store);
        let q = self.ur().qualname.clone();
        self.load_const(Const::Str(q.into_bytes()));
        self.name_op("__qualname__", Ctx::Store);
        let mut body: &[Stmt] = &c.body;
        if has_annotations(body) {
            self.emit0(Op::SetupAnnotations);
        }
        if let Some(d) = kept_docstring(body) {
            self.u().loc = body.first().map(|s| s.loc);
            self.load_const(Const::Str(d));
            self.name_op("__doc__", Ctx::Store);
            body = &body[1..];
        }
        self.stmts(body)?;
        self.u().loc = None;
        if self.st.scopes[scope].needs_class_cell {
            let i = self.deref_index("__class__");
            self.emit(Op::LoadClosure, i);
            self.emit(Op::Copy, 1);
            self.name_op("__classcell__", Ctx::Store);
        } else {
            self.load_const(Const::None);
        }
        self.emit0(Op::ReturnValue);
        let code = self.finish()?;
        self.u().loc = Some(s.loc);
        self.emit0(Op::PushNull);
        self.emit0(Op::LoadBuildClass);
        self.make_function(scope, code, 0);
        self.load_const(Const::Str(c.name.clone().into_bytes()));
        // The call: build_class(func, name, *bases, **keywords).
        self.call_args(&c.bases, &c.keywords, 2)?;
        self.apply_decorators(&c.decorators);
        self.u().loc = Some(s.loc);
        self.name_op(&c.name, Ctx::Store);
        Ok(())
    }
}
