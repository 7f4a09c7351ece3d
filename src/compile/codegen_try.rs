//! try/except/finally, except* and with/async with code generation
//! (compile.c `compiler_try_except`, `compiler_try_finally`,
//! `compiler_try_star_except`, `compiler_with`, `compiler_async_with`):
//! handlers are set up with the SETUP_FINALLY/SETUP_CLEANUP/SETUP_WITH
//! pseudo-instructions the assembler turns into the exception table.

use crate::pyc::opcode::Op;

use super::assembler::{IOp, Label};
use super::ast::*;
use super::codegen::{CResult, Compiler, FBlock};

impl<'a> Compiler<'a> {
    pub(crate) fn call_exit_with_nones(&mut self) {
        self.load_const(Const::None);
        self.load_const(Const::None);
        self.load_const(Const::None);
        self.emit(Op::Precall, 2);
        self.emit(Op::Call, 2);
    }

    /// `COPY 3; POP_EXCEPT; RERAISE 1`.
    pub(crate) fn pop_except_and_reraise(&mut self) {
        self.emit(Op::Copy, 3);
        self.emit0(Op::PopExcept);
        self.emit(Op::Reraise, 1);
    }

    pub(crate) fn try_except(
        &mut self,
        body: &[Stmt],
        handlers: &[ExceptHandler],
        orelse: &[Stmt],
    ) -> CResult<()> {
        let end = self.new_label();
        let except = self.new_label();
        let cleanup = self.new_label();
        self.emit_jump(IOp::SetupFinally, except);
        self.push_fblock(FBlock::TryExcept)?;
        self.stmts(body)?;
        self.u().fblocks.pop();
        self.u().loc = None;
        self.emit_pseudo(IOp::PopBlock);
        self.stmts(orelse)?;
        self.u().loc = None;
        self.emit_jump(IOp::Jump, end);
        self.bind(except);
        self.u().loc = None;
        self.emit_jump(IOp::SetupCleanup, cleanup);
        self.emit0(Op::PushExcInfo);
        self.push_fblock(FBlock::ExceptionHandler)?;
        let n = handlers.len();
        for (i, h) in handlers.iter().enumerate() {
            self.u().loc = Some(h.loc);
            if h.typ.is_none() && i + 1 < n {
                return Err(self.err("default 'except:' must be last", h.loc));
            }
            let next = self.new_label();
            if let Some(t) = &h.typ {
                self.expr(t)?;
                self.u().loc = Some(h.loc);
                self.emit0(Op::CheckExcMatch);
                self.emit_jump(IOp::PopJumpIfFalse, next);
            }
            match &h.name {
                Some(name) => {
                    let cleanup_end = self.new_label();
                    self.name_op(name, Ctx::Store);
                    self.emit_jump(IOp::SetupCleanup, cleanup_end);
                    self.push_fblock(FBlock::HandlerCleanup {
                        name: Some(name.clone()),
                    })?;
                    self.stmts(&h.body)?;
                    self.u().fblocks.pop();
                    self.u().loc = None;
                    self.emit_pseudo(IOp::PopBlock);
                    self.emit_pseudo(IOp::PopBlock);
                    self.emit0(Op::PopExcept);
                    self.load_const(Const::None);
                    self.name_op(name, Ctx::Store);
                    self.name_op(name, Ctx::Del);
                    self.emit_jump(IOp::Jump, end);
                    self.bind(cleanup_end);
                    self.u().loc = None;
                    self.load_const(Const::None);
                    self.name_op(name, Ctx::Store);
                    self.name_op(name, Ctx::Del);
                    self.emit(Op::Reraise, 1);
                }
                None => {
                    self.emit0(Op::PopTop);
                    self.push_fblock(FBlock::HandlerCleanup { name: None })?;
                    self.stmts(&h.body)?;
                    self.u().fblocks.pop();
                    self.u().loc = None;
                    self.emit_pseudo(IOp::PopBlock);
                    self.emit0(Op::PopExcept);
                    self.emit_jump(IOp::Jump, end);
                }
            }
            self.bind(next);
        }
        self.u().loc = None;
        self.u().fblocks.pop();
        self.emit(Op::Reraise, 0);
        self.bind(cleanup);
        self.pop_except_and_reraise();
        self.bind(end);
        Ok(())
    }

    pub(crate) fn try_finally(
        &mut self,
        body: &[Stmt],
        handlers: &[ExceptHandler],
        orelse: &[Stmt],
        fin: &[Stmt],
        star: bool,
    ) -> CResult<()> {
        let end = self.new_label();
        let exit = self.new_label();
        let cleanup = self.new_label();
        self.emit_jump(IOp::SetupFinally, end);
        self.push_fblock(FBlock::FinallyTry { body: fin.to_vec() })?;
        if handlers.is_empty() {
            self.stmts(body)?;
        } else {
            self.try_except_any(body, handlers, orelse, star)?;
        }
        self.u().loc = None;
        self.emit_pseudo(IOp::PopBlock);
        self.u().fblocks.pop();
        self.stmts(fin)?;
        self.u().loc = None;
        self.emit_jump(IOp::Jump, exit);
        self.bind(end);
        self.u().loc = None;
        self.emit_jump(IOp::SetupCleanup, cleanup);
        self.emit0(Op::PushExcInfo);
        self.push_fblock(FBlock::FinallyEnd)?;
        self.stmts(fin)?;
        self.u().fblocks.pop();
        self.u().loc = None;
        self.emit(Op::Reraise, 0);
        self.bind(cleanup);
        self.pop_except_and_reraise();
        self.bind(exit);
        Ok(())
    }

    /// compile.c `compiler_async_with`.
    pub(crate) fn async_with(
        &mut self,
        s: &Stmt,
        items: &[WithItem],
        pos: usize,
        body: &[Stmt],
    ) -> CResult<()> {
        self.check_async_scope(s, "async with")?;
        let Some(item) = items.get(pos) else {
            return Ok(());
        };
        let block_exit = self.new_label();
        let fin = self.new_label();
        let cleanup = self.new_label();
        self.expr(&item.context)?;
        self.u().loc = Some(s.loc);
        self.emit0(Op::BeforeAsyncWith);
        self.emit(Op::GetAwaitable, 1);
        self.load_const(Const::None);
        self.yield_from_loop(true);
        self.emit_jump(IOp::SetupWith, fin);
        self.push_fblock(FBlock::AsyncWith { loc: s.loc })?;
        match &item.vars {
            Some(v) => self.store_target(v)?,
            None => self.emit0(Op::PopTop),
        }
        if pos + 1 == items.len() {
            self.stmts(body)?;
        } else {
            self.async_with(s, items, pos + 1, body)?;
        }
        self.u().fblocks.pop();
        self.u().loc = Some(s.loc);
        self.emit_pseudo(IOp::PopBlock);
        self.call_exit_with_nones();
        self.emit(Op::GetAwaitable, 2);
        self.load_const(Const::None);
        self.yield_from_loop(true);
        self.emit0(Op::PopTop);
        self.emit_jump(IOp::Jump, block_exit);
        self.bind(fin);
        self.emit_jump(IOp::SetupCleanup, cleanup);
        self.emit0(Op::PushExcInfo);
        self.emit0(Op::WithExceptStart);
        self.emit(Op::GetAwaitable, 2);
        self.load_const(Const::None);
        self.yield_from_loop(true);
        self.with_except_finish(cleanup);
        self.bind(block_exit);
        Ok(())
    }

    /// compile.c `compiler_with_except_finish`.
    pub(crate) fn with_except_finish(&mut self, cleanup: Label) {
        let exit = self.new_label();
        self.emit_jump(IOp::PopJumpIfTrue, exit);
        self.emit(Op::Reraise, 2);
        self.bind(cleanup);
        self.pop_except_and_reraise();
        self.bind(exit);
        self.emit0(Op::PopTop);
        self.emit_pseudo(IOp::PopBlock);
        self.emit0(Op::PopExcept);
        self.emit0(Op::PopTop);
        self.emit0(Op::PopTop);
    }

    pub(crate) fn with_stmt(
        &mut self,
        s: &Stmt,
        items: &[WithItem],
        pos: usize,
        body: &[Stmt],
    ) -> CResult<()> {
        let Some(item) = items.get(pos) else {
            return Ok(());
        };
        let block_exit = self.new_label();
        let fin = self.new_label();
        let cleanup = self.new_label();
        self.expr(&item.context)?;
        self.u().loc = Some(s.loc);
        self.emit0(Op::BeforeWith);
        self.emit_jump(IOp::SetupWith, fin);
        self.push_fblock(FBlock::With { loc: s.loc })?;
        match &item.vars {
            Some(v) => self.store_target(v)?,
            None => self.emit0(Op::PopTop),
        }
        if pos + 1 == items.len() {
            self.stmts(body)?;
        } else {
            self.with_stmt(s, items, pos + 1, body)?;
        }
        self.u().fblocks.pop();
        self.u().loc = Some(s.loc);
        self.emit_pseudo(IOp::PopBlock);
        self.call_exit_with_nones();
        self.emit0(Op::PopTop);
        self.emit_jump(IOp::Jump, block_exit);
        self.bind(fin);
        self.emit_jump(IOp::SetupCleanup, cleanup);
        self.emit0(Op::PushExcInfo);
        self.emit0(Op::WithExceptStart);
        self.with_except_finish(cleanup);
        self.bind(block_exit);
        Ok(())
    }

    /// `try`/`except` or `try`/`except*`.
    pub(crate) fn try_except_any(
        &mut self,
        body: &[Stmt],
        handlers: &[ExceptHandler],
        orelse: &[Stmt],
        star: bool,
    ) -> CResult<()> {
        if star {
            self.try_star(body, handlers, orelse)
        } else {
            self.try_except(body, handlers, orelse)
        }
    }

    /// compile.c `compiler_try_star_except`: the handlers split the
    /// exception group with CHECK_EG_MATCH; what they raise or leave
    /// unhandled is collected in a list and re-raised by
    /// PREP_RERAISE_STAR.
    fn try_star(
        &mut self,
        body: &[Stmt],
        handlers: &[ExceptHandler],
        orelse: &[Stmt],
    ) -> CResult<()> {
        let except = self.new_label();
        let orelse_l = self.new_label();
        let end = self.new_label();
        let cleanup = self.new_label();
        let reraise_star = self.new_label();
        self.emit_jump(IOp::SetupFinally, except);
        self.push_fblock(FBlock::TryExcept)?;
        self.stmts(body)?;
        self.u().fblocks.pop();
        self.u().loc = None;
        self.emit_pseudo(IOp::PopBlock);
        self.emit_jump(IOp::Jump, orelse_l);
        self.bind(except);
        self.emit_jump(IOp::SetupCleanup, cleanup);
        self.emit0(Op::PushExcInfo);
        self.push_fblock(FBlock::ExceptionGroupHandler)?;
        let n = handlers.len();
        for (i, h) in handlers.iter().enumerate() {
            self.u().loc = Some(h.loc);
            let next = self.new_label();
            let except_with_error = self.new_label();
            let no_match = self.new_label();
            if i == 0 {
                self.emit(Op::Copy, 1);
                self.emit(Op::BuildList, 0);
                self.emit(Op::Swap, 2);
            }
            match &h.typ {
                Some(t) => {
                    self.expr(t)?;
                    self.u().loc = Some(h.loc);
                    self.emit0(Op::CheckEgMatch);
                    self.emit(Op::Copy, 1);
                    self.emit_jump(IOp::PopJumpIfNone, no_match);
                }
                None => return Err(self.err("expected one or more exception types", h.loc)),
            }
            let cleanup_end = self.new_label();
            match &h.name {
                Some(name) => self.name_op(name, Ctx::Store),
                None => self.emit0(Op::PopTop),
            }
            self.emit_jump(IOp::SetupCleanup, cleanup_end);
            self.push_fblock(FBlock::HandlerCleanup {
                name: h.name.clone(),
            })?;
            self.stmts(&h.body)?;
            self.u().fblocks.pop();
            self.u().loc = None;
            self.emit_pseudo(IOp::PopBlock);
            if let Some(name) = &h.name {
                self.load_const(Const::None);
                self.name_op(name, Ctx::Store);
                self.name_op(name, Ctx::Del);
            }
            self.emit_jump(IOp::Jump, next);
            self.bind(cleanup_end);
            if let Some(name) = &h.name {
                self.load_const(Const::None);
                self.name_op(name, Ctx::Store);
                self.name_op(name, Ctx::Del);
            }
            self.emit(Op::ListAppend, 3);
            self.emit0(Op::PopTop);
            self.emit_jump(IOp::Jump, except_with_error);
            self.bind(next);
            self.emit0(Op::Nop);
            self.emit_jump(IOp::Jump, except_with_error);
            self.bind(no_match);
            self.emit0(Op::PopTop);
            self.bind(except_with_error);
            if i + 1 == n {
                self.emit(Op::ListAppend, 1);
                self.emit_jump(IOp::Jump, reraise_star);
            }
        }
        self.u().loc = None;
        self.u().fblocks.pop();
        let reraise = self.new_label();
        self.bind(reraise_star);
        self.emit0(Op::PrepReraiseStar);
        self.emit(Op::Copy, 1);
        self.emit_jump(IOp::PopJumpIfNotNone, reraise);
        self.emit0(Op::PopTop);
        self.emit_pseudo(IOp::PopBlock);
        self.emit0(Op::PopExcept);
        self.emit_jump(IOp::Jump, end);
        self.bind(reraise);
        self.emit_pseudo(IOp::PopBlock);
        self.emit(Op::Swap, 2);
        self.emit0(Op::PopExcept);
        self.emit(Op::Reraise, 0);
        self.bind(cleanup);
        self.pop_except_and_reraise();
        self.bind(orelse_l);
        self.stmts(orelse)?;
        self.bind(end);
        Ok(())
    }
}
