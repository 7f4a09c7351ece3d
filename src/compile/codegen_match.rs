//! `match` statement code generation (compile.c `compiler_match` and the
//! `compiler_pattern_*` family): the subject stays on the stack while
//! each case's pattern runs; captured values are rotated under it and
//! stored on success; failures jump to "fail_pop" labels that pop what
//! the pattern left on the stack.

use crate::pyc::opcode::Op;

use super::assembler::{IOp, Label};
use super::ast::*;
use super::codegen::{CResult, Compiler};

/// compile.c `pattern_context`.
#[derive(Clone, Default)]
struct PatCtx {
    stores: Vec<String>,
    allow_irrefutable: bool,
    fail_pop: Vec<Label>,
    on_top: usize,
}

fn is_wildcard(p: &Pattern) -> bool {
    matches!(p.kind, PatternKind::As(None, None))
}

fn is_star_wildcard(p: &Pattern) -> bool {
    matches!(p.kind, PatternKind::Star(None))
}

impl<'a> Compiler<'a> {
    pub fn match_stmt(&mut self, subject: &Expr, cases: &[MatchCase]) -> CResult<()> {
        self.expr(subject)?;
        let end = self.new_label();
        let ncases = cases.len();
        let has_default = ncases > 1 && cases.last().is_some_and(|c| is_wildcard(&c.pattern));
        let n = if has_default { ncases - 1 } else { ncases };
        let mut pc = PatCtx::default();
        for (i, case) in cases.iter().take(n).enumerate() {
            self.u().loc = Some(case.pattern.loc);
            let last_nondefault = i + 1 == n;
            if !last_nondefault {
                self.emit(Op::Copy, 1);
            }
            pc.stores = Vec::new();
            pc.allow_irrefutable = case.guard.is_some() || i + 1 == ncases;
            pc.fail_pop = Vec::new();
            pc.on_top = 0;
            self.pattern(&case.pattern, &mut pc)?;
            for name in pc.stores.clone() {
                self.name_op(&name, Ctx::Store);
            }
            if let Some(g) = &case.guard {
                self.ensure_fail_pop(&mut pc, 0);
                let target = pc.fail_pop[0];
                self.jump_if(g, target, false)?;
            }
            if !last_nondefault {
                self.emit0(Op::PopTop);
            }
            self.stmts(&case.body)?;
            self.u().loc = None;
            self.emit_jump(IOp::Jump, end);
            self.u().loc = Some(case.pattern.loc);
            self.emit_and_reset_fail_pop(&mut pc);
        }
        if has_default {
            if let Some(last) = cases.last() {
                self.u().loc = Some(last.pattern.loc);
                if ncases == 1 {
                    self.emit0(Op::PopTop);
                } else {
                    self.emit0(Op::Nop);
                }
                if let Some(g) = &last.guard {
                    self.jump_if(g, end, false)?;
                }
                self.stmts(&last.body)?;
            }
        }
        self.bind(end);
        Ok(())
    }

    fn ensure_fail_pop(&mut self, pc: &mut PatCtx, n: usize) {
        while pc.fail_pop.len() < n + 1 {
            let l = self.new_label();
            pc.fail_pop.push(l);
        }
    }

    fn jump_to_fail_pop(&mut self, pc: &mut PatCtx, op: IOp) {
        let pops = pc.on_top + pc.stores.len();
        self.ensure_fail_pop(pc, pops);
        let target = pc.fail_pop[pops];
        self.emit_jump(op, target);
    }

    fn emit_and_reset_fail_pop(&mut self, pc: &mut PatCtx) {
        while let Some(l) = pc.fail_pop.pop() {
            self.bind(l);
            if !pc.fail_pop.is_empty() {
                self.emit0(Op::PopTop);
            }
        }
    }

    fn rotate(&mut self, mut count: usize) {
        while count > 1 {
            self.emit(Op::Swap, count as u32);
            count -= 1;
        }
    }

    fn store_capture(&mut self, name: Option<&str>, pc: &mut PatCtx, loc: Loc) -> CResult<()> {
        let Some(n) = name else {
            self.emit0(Op::PopTop);
            return Ok(());
        };
        if n == "__debug__" {
            return Err(self.err("cannot assign to __debug__", loc));
        }
        if pc.stores.iter().any(|s| s == n) {
            return Err(self.err(
                &format!("multiple assignments to name '{n}' in pattern"),
                loc,
            ));
        }
        self.rotate(pc.on_top + pc.stores.len() + 1);
        pc.stores.push(n.to_string());
        Ok(())
    }

    fn subpattern(&mut self, p: &Pattern, pc: &mut PatCtx) -> CResult<()> {
        let allow = pc.allow_irrefutable;
        pc.allow_irrefutable = true;
        let r = self.pattern(p, pc);
        pc.allow_irrefutable = allow;
        r
    }

    fn pattern(&mut self, p: &Pattern, pc: &mut PatCtx) -> CResult<()> {
        self.u().loc = Some(p.loc);
        match &p.kind {
            PatternKind::Value(e) => {
                if !matches!(
                    e.kind,
                    ExprKind::Constant(_)
                        | ExprKind::Attribute(..)
                        | ExprKind::UnaryOp(..)
                        | ExprKind::BinOp(..)
                ) {
                    return Err(self.err(
                        "patterns may only match literals and attribute lookups",
                        p.loc,
                    ));
                }
                self.expr(e)?;
                self.emit(Op::CompareOp, 2);
                self.jump_to_fail_pop(pc, IOp::PopJumpIfFalse);
            }
            PatternKind::Singleton(c) => {
                self.load_const(c.clone());
                self.emit(Op::IsOp, 0);
                self.jump_to_fail_pop(pc, IOp::PopJumpIfFalse);
            }
            PatternKind::As(None, name) => {
                if !pc.allow_irrefutable {
                    let msg = match name {
                        Some(n) => {
                            format!("name capture '{n}' makes remaining patterns unreachable")
                        }
                        None => "wildcard makes remaining patterns unreachable".to_string(),
                    };
                    return Err(self.err(&msg, p.loc));
                }
                self.store_capture(name.as_deref(), pc, p.loc)?;
            }
            PatternKind::As(Some(inner), name) => {
                pc.on_top += 1;
                self.emit(Op::Copy, 1);
                self.pattern(inner, pc)?;
                pc.on_top -= 1;
                self.store_capture(name.as_deref(), pc, p.loc)?;
            }
            PatternKind::Star(name) => self.store_capture(name.as_deref(), pc, p.loc)?,
            PatternKind::Sequence(items) => self.sequence_pattern(p, items, pc)?,
            PatternKind::Mapping(keys, pats, rest) => {
                self.mapping_pattern(p, keys, pats, rest.as_deref(), pc)?
            }
            PatternKind::Class(cls, pats, kw_names, kw_pats) => {
                self.class_pattern(p, cls, pats, kw_names, kw_pats, pc)?
            }
            PatternKind::Or(alts) => self.or_pattern(p, alts, pc)?,
        }
        Ok(())
    }

    fn sequence_pattern(&mut self, p: &Pattern, items: &[Pattern], pc: &mut PatCtx) -> CResult<()> {
        let size = items.len();
        let mut star: Option<usize> = None;
        let mut only_wildcard = true;
        let mut star_wildcard = false;
        for (i, it) in items.iter().enumerate() {
            if let PatternKind::Star(_) = it.kind {
                if star.is_some() {
                    return Err(self.err("multiple starred names in sequence pattern", it.loc));
                }
                star_wildcard = is_star_wildcard(it);
                only_wildcard &= star_wildcard;
                star = Some(i);
                continue;
            }
            only_wildcard &= is_wildcard(it);
        }
        pc.on_top += 1;
        self.emit0(Op::MatchSequence);
        self.jump_to_fail_pop(pc, IOp::PopJumpIfFalse);
        match star {
            None => {
                self.emit0(Op::GetLen);
                self.load_const(Const::Int(size as i64));
                self.emit(Op::CompareOp, 2);
                self.jump_to_fail_pop(pc, IOp::PopJumpIfFalse);
            }
            Some(_) if size > 1 => {
                self.emit0(Op::GetLen);
                self.load_const(Const::Int(size as i64 - 1));
                self.emit(Op::CompareOp, 5);
                self.jump_to_fail_pop(pc, IOp::PopJumpIfFalse);
            }
            Some(_) => {}
        }
        pc.on_top -= 1;
        if only_wildcard {
            self.emit0(Op::PopTop);
        } else if star_wildcard {
            // Index the needed items instead of unpacking.
            let star = star.unwrap_or(0);
            pc.on_top += 1;
            for (i, it) in items.iter().enumerate() {
                if is_wildcard(it) || i == star {
                    continue;
                }
                self.emit(Op::Copy, 1);
                if i < star {
                    self.load_const(Const::Int(i as i64));
                } else {
                    self.emit0(Op::GetLen);
                    self.load_const(Const::Int((size - i) as i64));
                    self.emit(Op::BinaryOp, BinOp::Sub as u32);
                }
                self.emit0(Op::BinarySubscr);
                self.subpattern(it, pc)?;
            }
            pc.on_top -= 1;
            self.emit0(Op::PopTop);
        } else {
            match star {
                None => self.emit(Op::UnpackSequence, size as u32),
                Some(i) => {
                    if i >= 256 {
                        return Err(self.err(
                            "too many expressions in star-unpacking sequence pattern",
                            p.loc,
                        ));
                    }
                    self.emit(Op::UnpackEx, (i as u32) | (((size - i - 1) as u32) << 8));
                }
            }
            pc.on_top += size;
            for it in items {
                pc.on_top -= 1;
                self.subpattern(it, pc)?;
            }
        }
        Ok(())
    }

    fn mapping_pattern(
        &mut self,
        p: &Pattern,
        keys: &[Expr],
        pats: &[Pattern],
        rest: Option<&str>,
        pc: &mut PatCtx,
    ) -> CResult<()> {
        let size = keys.len();
        pc.on_top += 1;
        self.emit0(Op::MatchMapping);
        self.jump_to_fail_pop(pc, IOp::PopJumpIfFalse);
        if size == 0 && rest.is_none() {
            pc.on_top -= 1;
            self.emit0(Op::PopTop);
            return Ok(());
        }
        if size > 0 {
            self.emit0(Op::GetLen);
            self.load_const(Const::Int(size as i64));
            self.emit(Op::CompareOp, 5);
            self.jump_to_fail_pop(pc, IOp::PopJumpIfFalse);
        }
        let mut seen: Vec<Const> = Vec::new();
        for k in keys {
            match &k.kind {
                // Attribute lookups, and complex literals like `-0-0j`.
                ExprKind::Attribute(..) | ExprKind::BinOp(..) => {}
                _ => {
                    match super::codegen_expr::const_of(k) {
                        Some(c) => {
                            if seen.contains(&c) {
                                let r = match &c {
                                    Const::Str(s) => format!("'{}'", String::from_utf8_lossy(s)),
                                    Const::Int(i) => i.to_string(),
                                    _ => "...".into(),
                                };
                                return Err(self.err(
                                    &format!("mapping pattern checks duplicate key ({r})"),
                                    p.loc,
                                ));
                            }
                            seen.push(c);
                        }
                        None => return Err(self.err(
                            "mapping pattern keys may only match literals and attribute lookups",
                            k.loc,
                        )),
                    }
                }
            }
            self.expr(k)?;
        }
        self.emit(Op::BuildTuple, size as u32);
        self.emit0(Op::MatchKeys);
        pc.on_top += 2;
        self.emit(Op::Copy, 1);
        self.load_const(Const::None);
        self.emit(Op::IsOp, 1);
        self.jump_to_fail_pop(pc, IOp::PopJumpIfFalse);
        self.emit(Op::UnpackSequence, size as u32);
        pc.on_top += size;
        pc.on_top -= 1;
        for q in pats {
            pc.on_top -= 1;
            self.subpattern(q, pc)?;
        }
        pc.on_top -= 2;
        match rest {
            Some(r) => {
                self.emit(Op::BuildMap, 0);
                self.emit(Op::Swap, 3);
                self.emit(Op::DictUpdate, 2);
                self.emit(Op::UnpackSequence, size as u32);
                let mut n = size;
                while n > 0 {
                    self.emit(Op::Copy, (1 + n) as u32);
                    n -= 1;
                    self.emit(Op::Swap, 2);
                    self.emit0(Op::DeleteSubscr);
                }
                self.store_capture(Some(r), pc, p.loc)?;
            }
            None => {
                self.emit0(Op::PopTop);
                self.emit0(Op::PopTop);
            }
        }
        Ok(())
    }

    fn class_pattern(
        &mut self,
        p: &Pattern,
        cls: &Expr,
        pats: &[Pattern],
        kw_names: &[String],
        kw_pats: &[Pattern],
        pc: &mut PatCtx,
    ) -> CResult<()> {
        for (i, n) in kw_names.iter().enumerate() {
            if kw_names[..i].contains(n) {
                return Err(self.err(
                    &format!("attribute name repeated in class pattern: {n}"),
                    kw_pats[i].loc,
                ));
            }
        }
        self.expr(cls)?;
        self.u().loc = Some(p.loc);
        let names: Vec<Const> = kw_names
            .iter()
            .map(|n| Const::Str(n.clone().into_bytes()))
            .collect();
        self.load_const(Const::Tuple(names));
        let nargs = pats.len();
        let total = nargs + kw_pats.len();
        self.emit(Op::MatchClass, nargs as u32);
        self.emit(Op::Copy, 1);
        self.load_const(Const::None);
        self.emit(Op::IsOp, 1);
        pc.on_top += 1;
        self.jump_to_fail_pop(pc, IOp::PopJumpIfFalse);
        self.emit(Op::UnpackSequence, total as u32);
        pc.on_top += total;
        pc.on_top -= 1;
        for q in pats.iter().chain(kw_pats) {
            pc.on_top -= 1;
            if is_wildcard(q) {
                self.emit0(Op::PopTop);
                continue;
            }
            self.subpattern(q, pc)?;
        }
        Ok(())
    }

    fn or_pattern(&mut self, p: &Pattern, alts: &[Pattern], pc: &mut PatCtx) -> CResult<()> {
        let end = self.new_label();
        let old = pc.clone();
        let mut control: Option<Vec<String>> = None;
        let n = alts.len();
        for (i, alt) in alts.iter().enumerate() {
            self.u().loc = Some(alt.loc);
            pc.stores = Vec::new();
            pc.allow_irrefutable = i + 1 == n && old.allow_irrefutable;
            pc.fail_pop = Vec::new();
            pc.on_top = 0;
            self.emit(Op::Copy, 1);
            self.pattern(alt, pc)?;
            let nstores = pc.stores.len();
            match &control {
                None => control = Some(pc.stores.clone()),
                Some(ctl) if ctl.len() != nstores => {
                    return Err(self.err("alternative patterns bind different names", alt.loc));
                }
                Some(ctl) if nstores > 0 => {
                    let ctl = ctl.clone();
                    let mut icontrol = nstores;
                    while icontrol > 0 {
                        icontrol -= 1;
                        let name = &ctl[icontrol];
                        let Some(istores) = pc.stores.iter().position(|s| s == name) else {
                            return Err(
                                self.err("alternative patterns bind different names", alt.loc)
                            );
                        };
                        if icontrol != istores {
                            let rotations = istores + 1;
                            let rotated: Vec<String> = pc.stores.drain(..rotations).collect();
                            let at = icontrol - istores;
                            for (k, r) in rotated.into_iter().enumerate() {
                                pc.stores.insert(at + k, r);
                            }
                            for _ in 0..rotations {
                                self.rotate(icontrol + 1);
                            }
                        }
                    }
                }
                Some(_) => {}
            }
            self.emit_jump(IOp::Jump, end);
            self.emit_and_reset_fail_pop(pc);
        }
        *pc = old;
        self.u().loc = Some(p.loc);
        self.emit0(Op::PopTop);
        self.jump_to_fail_pop(pc, IOp::Jump);
        self.bind(end);
        let control = control.unwrap_or_default();
        let nrots = control.len() + 1 + pc.on_top + pc.stores.len();
        for name in control {
            self.rotate(nrots);
            if pc.stores.contains(&name) {
                return Err(self.err(
                    &format!("multiple assignments to name '{name}' in pattern"),
                    p.loc,
                ));
            }
            pc.stores.push(name);
        }
        self.emit0(Op::PopTop);
        Ok(())
    }
}
