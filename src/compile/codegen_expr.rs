//! Expression code generation (compile.c `compiler_visit_expr` and
//! friends): constants, names, operators, boolean and comparison chains,
//! calls (PUSH_NULL/LOAD_METHOD, KW_NAMES, PRECALL/CALL and
//! CALL_FUNCTION_EX), displays with unpacking, f-strings, lambdas,
//! comprehensions, yield and await.

use crate::pyc::opcode::Op;

use super::assembler::IOp;
use super::ast::*;
use super::codegen::{CResult, Compiler};
use super::symtable::node_key;

/// A constant-foldable expression's value (literals, tuples of them,
/// and the int/float arithmetic CPython's AST optimizer folds, where the
/// result fits the simple types here).
pub fn const_of(e: &Expr) -> Option<Const> {
    match &e.kind {
        ExprKind::Constant(c) => Some(c.clone()),
        // The AST optimizer's fold: `__debug__` is a constant.
        ExprKind::Name(n, Ctx::Load) if n == "__debug__" => {
            Some(match super::codegen::optimize() {
                0 => Const::True,
                _ => Const::False,
            })
        }
        ExprKind::Tuple(items, Ctx::Load) => {
            let v: Option<Vec<Const>> = items.iter().map(const_of).collect();
            v.map(Const::Tuple)
        }
        ExprKind::UnaryOp(op, v) => match (op, const_of(v)?) {
            (UnaryOp::USub, Const::Int(i)) => i.checked_neg().map(Const::Int),
            (UnaryOp::USub, Const::Float(f)) => Some(Const::Float(-f)),
            (UnaryOp::USub, Const::Complex(r, i)) => Some(Const::Complex(-r, -i)),
            (UnaryOp::UAdd, c @ (Const::Int(_) | Const::Float(_))) => Some(c),
            (UnaryOp::Invert, Const::Int(i)) => Some(Const::Int(!i)),
            _ => None,
        },
        ExprKind::BinOp(a, op, b) => match (const_of(a)?, op, const_of(b)?) {
            (Const::Int(x), op, Const::Int(y)) => fold_int(x, *op, y).map(Const::Int),
            (Const::Float(x), BinOp::Add, Const::Float(y)) => Some(Const::Float(x + y)),
            (Const::Float(x), BinOp::Sub, Const::Float(y)) => Some(Const::Float(x - y)),
            (Const::Float(x), BinOp::Mult, Const::Float(y)) => Some(Const::Float(x * y)),
            _ => None,
        },
        _ => None,
    }
}

fn fold_int(x: i64, op: BinOp, y: i64) -> Option<i64> {
    match op {
        BinOp::Add => x.checked_add(y),
        BinOp::Sub => x.checked_sub(y),
        BinOp::Mult => x.checked_mul(y),
        BinOp::LShift if (0..63).contains(&y) => {
            let r = x.checked_shl(y as u32)?;
            (r >> y == x).then_some(r)
        }
        BinOp::RShift if (0..64).contains(&y) => Some(x >> y),
        BinOp::BitAnd => Some(x & y),
        BinOp::BitOr => Some(x | y),
        BinOp::BitXor => Some(x ^ y),
        BinOp::Pow if (0..64).contains(&y) => x.checked_pow(y as u32),
        _ => None,
    }
}

fn cmp_arg(op: CmpOp) -> (Op, u32) {
    match op {
        CmpOp::Lt => (Op::CompareOp, 0),
        CmpOp::LtE => (Op::CompareOp, 1),
        CmpOp::Eq => (Op::CompareOp, 2),
        CmpOp::NotEq => (Op::CompareOp, 3),
        CmpOp::Gt => (Op::CompareOp, 4),
        CmpOp::GtE => (Op::CompareOp, 5),
        CmpOp::Is => (Op::IsOp, 0),
        CmpOp::IsNot => (Op::IsOp, 1),
        CmpOp::In => (Op::ContainsOp, 0),
        CmpOp::NotIn => (Op::ContainsOp, 1),
    }
}

fn has_starred(v: &[Expr]) -> bool {
    v.iter().any(|e| matches!(e.kind, ExprKind::Starred(..)))
}

impl<'a> Compiler<'a> {
    pub fn exprs(&mut self, es: &[Expr]) -> CResult<()> {
        for e in es {
            self.expr(e)?;
        }
        Ok(())
    }

    pub fn expr(&mut self, e: &Expr) -> CResult<()> {
        let saved = self.ur().loc;
        self.u().loc = Some(e.loc);
        let r = self.expr_inner(e);
        self.u().loc = saved;
        r
    }

    fn expr_inner(&mut self, e: &Expr) -> CResult<()> {
        if matches!(
            e.kind,
            ExprKind::UnaryOp(..) | ExprKind::BinOp(..) | ExprKind::Name(..)
        ) {
            if let Some(c) = const_of(e) {
                self.load_const(c);
                return Ok(());
            }
        }
        match &e.kind {
            ExprKind::Constant(c) => self.load_const(c.clone()),
            ExprKind::Name(n, ctx) => self.name_op(n, *ctx),
            ExprKind::BoolOp(op, values) => {
                let end = self.new_label();
                let jop = match op {
                    BoolOp::And => Op::JumpIfFalseOrPop,
                    BoolOp::Or => Op::JumpIfTrueOrPop,
                };
                let n = values.len();
                for (i, v) in values.iter().enumerate() {
                    self.expr(v)?;
                    if i + 1 < n {
                        self.emit_real_jump(jop, end);
                    }
                }
                self.bind(end);
            }
            ExprKind::NamedExpr(t, v) => {
                self.expr(v)?;
                self.emit(Op::Copy, 1);
                self.store_target(t)?;
            }
            ExprKind::BinOp(a, op, b) => {
                self.expr(a)?;
                self.expr(b)?;
                self.emit(Op::BinaryOp, *op as u32);
            }
            // `not (a is b)` is `a is not b` (the AST optimizer's fold).
            ExprKind::UnaryOp(UnaryOp::Not, a)
                if matches!(&a.kind, ExprKind::Compare(_, ops, _)
                    if ops.len() == 1 && matches!(ops[0], CmpOp::Is | CmpOp::IsNot | CmpOp::In | CmpOp::NotIn)) =>
            {
                if let ExprKind::Compare(l, ops, r) = &a.kind {
                    let inv = match ops[0] {
                        CmpOp::Is => CmpOp::IsNot,
                        CmpOp::IsNot => CmpOp::Is,
                        CmpOp::In => CmpOp::NotIn,
                        _ => CmpOp::In,
                    };
                    self.compare(l, &[inv], r)?;
                }
            }
            ExprKind::UnaryOp(op, a) => {
                self.expr(a)?;
                self.emit0(match op {
                    UnaryOp::Invert => Op::UnaryInvert,
                    UnaryOp::Not => Op::UnaryNot,
                    UnaryOp::UAdd => Op::UnaryPositive,
                    UnaryOp::USub => Op::UnaryNegative,
                });
            }
            ExprKind::Lambda(args, body) => self.lambda(e, args, body)?,
            ExprKind::IfExp(test, body, orelse) => {
                let else_ = self.new_label();
                let end = self.new_label();
                self.jump_if(test, else_, false)?;
                self.expr(body)?;
                self.emit_jump(IOp::Jump, end);
                self.bind(else_);
                self.expr(orelse)?;
                self.bind(end);
            }
            ExprKind::Dict(keys, values) => self.dict_display(keys, values)?,
            ExprKind::Set(items) => {
                self.starunpack(items, Op::BuildSet, Op::SetAdd, Op::SetUpdate, false)?
            }
            ExprKind::List(items, Ctx::Load) => {
                self.starunpack(items, Op::BuildList, Op::ListAppend, Op::ListExtend, false)?
            }
            ExprKind::Tuple(items, Ctx::Load) => {
                if let Some(c) = const_of(e) {
                    self.load_const(c);
                } else {
                    self.starunpack(items, Op::BuildList, Op::ListAppend, Op::ListExtend, true)?
                }
            }
            ExprKind::List(..) | ExprKind::Tuple(..) => {
                return Err(self.err("invalid syntax", e.loc));
            }
            ExprKind::Comp(..) => self.comprehension(e)?,
            ExprKind::Await(v) => {
                self.check_async(e)?;
                self.expr(v)?;
                self.emit(Op::GetAwaitable, 0);
                self.load_const(Const::None);
                self.yield_from_loop(true);
            }
            ExprKind::Yield(v) => {
                self.check_yield(e)?;
                match v {
                    Some(v) => self.expr(v)?,
                    None => self.load_const(Const::None),
                }
                if self.ur().flags & crate::pyc::code::CO_ASYNC_GENERATOR != 0 {
                    self.emit0(Op::AsyncGenWrap);
                }
                self.emit0(Op::YieldValue);
                self.emit(Op::Resume, 1);
            }
            ExprKind::YieldFrom(v) => {
                self.check_yield(e)?;
                if self.ur().flags & crate::pyc::code::CO_ASYNC_GENERATOR != 0 {
                    return Err(self.err("'yield from' inside async function", e.loc));
                }
                self.expr(v)?;
                self.emit0(Op::GetYieldFromIter);
                self.load_const(Const::None);
                self.yield_from_loop(false);
            }
            ExprKind::Compare(left, ops, rights) => self.compare(left, ops, rights)?,
            ExprKind::Call(f, args, kws) => self.call(f, args, kws)?,
            ExprKind::FormattedValue(..) | ExprKind::JoinedStr(..) => self.fstring(e)?,
            ExprKind::Attribute(v, name, ctx) => {
                self.expr(v)?;
                let m = self.mangle(name);
                let i = self.add_name(&m);
                match ctx {
                    Ctx::Load => self.emit(Op::LoadAttr, i),
                    Ctx::Del => self.emit(Op::DeleteAttr, i),
                    Ctx::Store => self.emit(Op::StoreAttr, i),
                }
            }
            ExprKind::Subscript(v, s, ctx) => {
                if *ctx == Ctx::Load {
                    self.check_subscript(v, s);
                }
                self.expr(v)?;
                self.expr(s)?;
                match ctx {
                    Ctx::Load => self.emit0(Op::BinarySubscr),
                    Ctx::Del => self.emit0(Op::DeleteSubscr),
                    Ctx::Store => self.emit0(Op::StoreSubscr),
                }
            }
            ExprKind::Starred(..) => {
                return Err(self.err("can't use starred expression here", e.loc));
            }
            ExprKind::Slice(a, b, c) => {
                for x in [a, b] {
                    match x {
                        Some(x) => self.expr(x)?,
                        None => self.load_const(Const::None),
                    }
                }
                match c {
                    Some(c) => {
                        self.expr(c)?;
                        self.emit(Op::BuildSlice, 3);
                    }
                    None => self.emit(Op::BuildSlice, 2),
                }
            }
        }
        Ok(())
    }

    fn check_yield(&self, e: &Expr) -> CResult<()> {
        if self.ur().kind != super::symtable::ScopeKind::Function {
            return Err(self.err("'yield' outside function", e.loc));
        }
        Ok(())
    }

    fn check_async(&self, e: &Expr) -> CResult<()> {
        let f = self.ur().flags;
        if f & (crate::pyc::code::CO_COROUTINE | crate::pyc::code::CO_ASYNC_GENERATOR) == 0 {
            return Err(self.err("'await' outside async function", e.loc));
        }
        Ok(())
    }

    /// `SEND exit; YIELD_VALUE; RESUME 2|3; JUMP_BACKWARD_NO_INTERRUPT`.
    pub fn yield_from_loop(&mut self, is_await: bool) {
        let start = self.new_label();
        let exit = self.new_label();
        self.bind(start);
        self.emit_real_jump(Op::Send, exit);
        self.emit0(Op::YieldValue);
        self.emit(Op::Resume, if is_await { 3 } else { 2 });
        self.emit_jump(IOp::JumpNoInterrupt, start);
        self.bind(exit);
    }

    /// Jump to `target` when `e` is truthy (`cond` true) or falsy.
    pub fn jump_if(
        &mut self,
        e: &Expr,
        target: super::assembler::Label,
        cond: bool,
    ) -> CResult<()> {
        if let ExprKind::UnaryOp(UnaryOp::Not, inner) = &e.kind {
            return self.jump_if(inner, target, !cond);
        }
        if let ExprKind::BoolOp(op, values) = &e.kind {
            let is_or = *op == BoolOp::Or;
            let next = self.new_label();
            let n = values.len();
            // cond==is_or: any/all short-circuit straight to target.
            let short = if cond == is_or { target } else { next };
            for (i, v) in values.iter().enumerate() {
                if i + 1 < n {
                    self.jump_if(v, short, is_or)?;
                } else {
                    self.jump_if(v, target, cond)?;
                }
            }
            self.bind(next);
            return Ok(());
        }
        self.expr(e)?;
        self.emit_jump(
            if cond {
                IOp::PopJumpIfTrue
            } else {
                IOp::PopJumpIfFalse
            },
            target,
        );
        Ok(())
    }

    /// compile.c `check_compare`: `is` against a literal other than the
    /// named singletons.
    fn check_compare(&mut self, left: &Expr, ops: &[CmpOp], rights: &[Expr]) {
        let is_arg = |e: &Expr| match const_of(e) {
            None => true,
            Some(c) => matches!(
                c,
                Const::None | Const::True | Const::False | Const::Ellipsis
            ),
        };
        let mut l = is_arg(left);
        for (op, r) in ops.iter().zip(rights) {
            let r = is_arg(r);
            if matches!(op, CmpOp::Is | CmpOp::IsNot) && (!l || !r) {
                self.warn(if *op == CmpOp::Is {
                    "\"is\" with a literal. Did you mean \"==\"?"
                } else {
                    "\"is not\" with a literal. Did you mean \"!=\"?"
                });
                return;
            }
            l = r;
        }
    }

    fn compare(&mut self, left: &Expr, ops: &[CmpOp], rights: &[Expr]) -> CResult<()> {
        self.check_compare(left, ops, rights);
        self.expr(left)?;
        let n = ops.len();
        if n == 1 {
            self.expr(&rights[0])?;
            let (op, arg) = cmp_arg(ops[0]);
            self.emit(op, arg);
            return Ok(());
        }
        let cleanup = self.new_label();
        for i in 0..n - 1 {
            self.expr(&rights[i])?;
            self.emit(Op::Swap, 2);
            self.emit(Op::Copy, 2);
            let (op, arg) = cmp_arg(ops[i]);
            self.emit(op, arg);
            self.emit_real_jump(Op::JumpIfFalseOrPop, cleanup);
        }
        self.expr(&rights[n - 1])?;
        let (op, arg) = cmp_arg(ops[n - 1]);
        self.emit(op, arg);
        let end = self.new_label();
        self.emit_jump(IOp::Jump, end);
        self.bind(cleanup);
        self.emit(Op::Swap, 2);
        self.emit0(Op::PopTop);
        self.bind(end);
        Ok(())
    }

    /// compile.c `starunpack_helper`: build a list/tuple/set from items
    /// that may include `*iterable`.
    fn starunpack(
        &mut self,
        items: &[Expr],
        build: Op,
        add: Op,
        extend: Op,
        tuple: bool,
    ) -> CResult<()> {
        self.starunpack_from(items, build, add, extend, tuple, 0)
    }

    /// Like `starunpack`, with `pending` items already on the stack.
    fn starunpack_from(
        &mut self,
        items: &[Expr],
        build: Op,
        add: Op,
        extend: Op,
        tuple: bool,
        pending: u32,
    ) -> CResult<()> {
        // A constant set display of three or more items is built from a
        // frozenset constant, as compile.c does (this decides the order).
        if build == Op::BuildSet && pending == 0 && items.len() > 2 {
            let consts: Option<Vec<Const>> = items.iter().map(const_of).collect();
            if let Some(c) = consts {
                // CPython's constant is a frozenset marshal wrote in its
                // table order and the loader re-inserted one by one; then
                // SET_UPDATE merges it into the new set. Rebuild that
                // set the same way at run time.
                self.emit(Op::BuildSet, 0);
                self.load_const(Const::FrozenSet(c));
                self.emit0(Op::GetIter);
                let start = self.new_label();
                let end = self.new_label();
                self.bind(start);
                self.emit_real_jump(Op::ForIter, end);
                self.emit(Op::SetAdd, 2);
                self.emit_jump(IOp::Jump, start);
                self.bind(end);
                self.emit(Op::BuildSet, 0);
                self.emit(Op::Swap, 2);
                self.emit(Op::SetUpdate, 1);
                return Ok(());
            }
        }
        if !has_starred(items) {
            self.exprs(items)?;
            let n = pending + items.len() as u32;
            self.emit(if tuple { Op::BuildTuple } else { build }, n);
            return Ok(());
        }
        let mut started = false;
        let mut pending = pending;
        for it in items {
            if let ExprKind::Starred(v, _) = &it.kind {
                if !started {
                    self.emit(build, pending);
                    started = true;
                    pending = 0;
                }
                self.expr(v)?;
                self.emit(extend, 1);
            } else if !started {
                self.expr(it)?;
                pending += 1;
            } else {
                self.expr(it)?;
                self.emit(add, 1);
            }
        }
        if tuple {
            self.emit0(Op::ListToTuple);
        }
        Ok(())
    }

    fn dict_display(&mut self, keys: &[Option<Expr>], values: &[Expr]) -> CResult<()> {
        let mut have_dict = false;
        let mut n = 0;
        for (k, v) in keys.iter().zip(values) {
            match k {
                Some(k) => {
                    self.expr(k)?;
                    self.expr(v)?;
                    n += 1;
                }
                None => {
                    if n > 0 || !have_dict {
                        self.emit(Op::BuildMap, n);
                        if have_dict {
                            self.emit(Op::DictUpdate, 1);
                        }
                        have_dict = true;
                        n = 0;
                    }
                    self.expr(v)?;
                    self.emit(Op::DictUpdate, 1);
                }
            }
        }
        if n > 0 || !have_dict {
            self.emit(Op::BuildMap, n);
            if have_dict {
                self.emit(Op::DictUpdate, 1);
            }
        }
        Ok(())
    }

    fn call(&mut self, f: &Expr, args: &[Expr], kws: &[Keyword]) -> CResult<()> {
        self.check_caller(f);
        for (i, k) in kws.iter().enumerate() {
            if let Some(a) = &k.arg {
                if kws[..i].iter().any(|p| p.arg.as_deref() == Some(a)) {
                    return Err(self.err(&format!("keyword argument repeated: {a}"), k.loc));
                }
            }
        }
        let ex = has_starred(args) || kws.iter().any(|k| k.arg.is_none());
        // Method calls: obj.name(...) without unpacking.
        if let (ExprKind::Attribute(obj, name, Ctx::Load), false) = (&f.kind, ex) {
            self.expr(obj)?;
            let saved = self.ur().loc;
            let m = self.mangle(name);
            let i = self.add_name(&m);
            self.emit(Op::LoadMethod, i);
            self.u().loc = saved;
            return self.call_args(args, kws, 0);
        }
        match &f.kind {
            ExprKind::Name(n, Ctx::Load) if self.is_global_load(n) => {
                let m = self.mangle(n);
                let i = self.add_name(&m);
                let saved = self.ur().loc;
                self.u().loc = Some(f.loc);
                self.emit(Op::LoadGlobal, (i << 1) | 1);
                self.u().loc = saved;
            }
            _ => {
                self.emit0(Op::PushNull);
                self.expr(f)?;
            }
        }
        self.call_args(args, kws, 0)
    }

    /// Arguments and the call itself, with the callable (and NULL or
    /// self) already on the stack; `extra` positional values are there too.
    pub fn call_args(&mut self, args: &[Expr], kws: &[Keyword], extra: u32) -> CResult<()> {
        let ex = has_starred(args) || kws.iter().any(|k| k.arg.is_none());
        if !ex {
            self.exprs(args)?;
            let mut names = Vec::new();
            for k in kws {
                self.expr(&k.value)?;
                names.push(Const::Str(k.arg.clone().unwrap_or_default().into_bytes()));
            }
            let n = extra + args.len() as u32 + kws.len() as u32;
            if !names.is_empty() {
                let i = self.add_const(Const::Tuple(names));
                self.emit(Op::KwNames, i);
            }
            self.emit(Op::Precall, n);
            self.emit(Op::Call, n);
            return Ok(());
        }
        if extra > 0 {
            self.starunpack_from(
                args,
                Op::BuildList,
                Op::ListAppend,
                Op::ListExtend,
                true,
                extra,
            )?;
        } else if args.len() == 1 {
            if let ExprKind::Starred(v, _) = &args[0].kind {
                self.expr(v)?;
            } else {
                self.starunpack(args, Op::BuildList, Op::ListAppend, Op::ListExtend, true)?;
            }
        } else {
            self.starunpack(args, Op::BuildList, Op::ListAppend, Op::ListExtend, true)?;
        }
        if !kws.is_empty() {
            let mut have_dict = false;
            let mut pending: Vec<&Keyword> = Vec::new();
            for k in kws {
                if k.arg.is_none() {
                    if !pending.is_empty() {
                        self.subkwargs(&pending)?;
                        if have_dict {
                            self.emit(Op::DictMerge, 1);
                        }
                        have_dict = true;
                        pending.clear();
                    }
                    if !have_dict {
                        self.emit(Op::BuildMap, 0);
                        have_dict = true;
                    }
                    self.expr(&k.value)?;
                    self.emit(Op::DictMerge, 1);
                } else {
                    pending.push(k);
                }
            }
            if !pending.is_empty() {
                self.subkwargs(&pending)?;
                if have_dict {
                    self.emit(Op::DictMerge, 1);
                }
            }
        }
        self.emit(Op::CallFunctionEx, u32::from(!kws.is_empty()));
        Ok(())
    }

    fn subkwargs(&mut self, kws: &[&Keyword]) -> CResult<()> {
        for k in kws {
            self.load_const(Const::Str(k.arg.clone().unwrap_or_default().into_bytes()));
            self.expr(&k.value)?;
        }
        self.emit(Op::BuildMap, kws.len() as u32);
        Ok(())
    }

    fn fstring(&mut self, e: &Expr) -> CResult<()> {
        match &e.kind {
            ExprKind::JoinedStr(parts) => {
                if parts.is_empty() {
                    self.load_const(Const::Str(Vec::new()));
                    return Ok(());
                }
                if parts.len() == 1 && matches!(parts[0].kind, ExprKind::FormattedValue(..)) {
                    return self.expr(&parts[0]);
                }
                self.exprs(parts)?;
                self.emit(Op::BuildString, parts.len() as u32);
            }
            ExprKind::FormattedValue(v, conv, spec) => {
                self.expr(v)?;
                let mut flag = match *conv {
                    c if c == 's' as i32 => 1,
                    c if c == 'r' as i32 => 2,
                    c if c == 'a' as i32 => 3,
                    _ => 0,
                };
                if let Some(s) = spec {
                    self.expr(s)?;
                    flag |= 4;
                }
                self.emit(Op::FormatValue, flag);
            }
            _ => {}
        }
        Ok(())
    }

    /// Store the value on top of the stack into a target.
    pub fn store_target(&mut self, t: &Expr) -> CResult<()> {
        let saved = self.ur().loc;
        self.u().loc = Some(t.loc);
        let r = self.store_inner(t);
        self.u().loc = saved;
        r
    }

    fn store_inner(&mut self, t: &Expr) -> CResult<()> {
        match &t.kind {
            ExprKind::Name(n, _) => self.name_op(n, Ctx::Store),
            ExprKind::Attribute(v, name, _) => {
                self.expr(v)?;
                let m = self.mangle(name);
                let i = self.add_name(&m);
                self.emit(Op::StoreAttr, i);
            }
            ExprKind::Subscript(v, s, _) => {
                self.expr(v)?;
                self.expr(s)?;
                self.emit0(Op::StoreSubscr);
            }
            ExprKind::Tuple(items, _) | ExprKind::List(items, _) => {
                let star = items
                    .iter()
                    .position(|e| matches!(e.kind, ExprKind::Starred(..)));
                match star {
                    None => self.emit(Op::UnpackSequence, items.len() as u32),
                    Some(i) => {
                        if items
                            .iter()
                            .filter(|e| matches!(e.kind, ExprKind::Starred(..)))
                            .count()
                            > 1
                        {
                            return Err(
                                self.err("multiple starred expressions in assignment", t.loc)
                            );
                        }
                        let after = items.len() - i - 1;
                        if i >= 256 || after >= (1 << 23) {
                            return Err(self
                                .err("too many expressions in star-unpacking assignment", t.loc));
                        }
                        self.emit(Op::UnpackEx, (i as u32) | ((after as u32) << 8));
                    }
                }
                for it in items {
                    match &it.kind {
                        ExprKind::Starred(v, _) => self.store_target(v)?,
                        _ => self.store_target(it)?,
                    }
                }
            }
            ExprKind::Starred(..) => {
                return Err(self.err(
                    "starred assignment target must be in a list or tuple",
                    t.loc,
                ));
            }
            _ => return Err(self.err("cannot assign to expression", t.loc)),
        }
        Ok(())
    }

    fn lambda(&mut self, e: &Expr, args: &Arguments, body: &Expr) -> CResult<()> {
        let scope = *self
            .st
            .by_node
            .get(&node_key(&e.loc, 1))
            .ok_or_else(|| super::CompileError::internal("lambda scope"))?;
        self.check_debug_args(args, e.loc)?;
        let flags = self.default_args(args)?;
        self.enter(scope, "<lambda>", e.loc.line);
        self.set_arg_counts(args);
        // None first, so a lambda has no docstring.
        self.add_const(Const::None);
        self.emit_resume();
        // A generator lambda returns its body's value too (compile.c),
        // at the location the unit started with.
        self.expr(body)?;
        self.u().loc = Some(self.unit_start_loc());
        self.emit0(Op::ReturnValue);
        let code = self.finish()?;
        self.make_function(scope, code, flags);
        Ok(())
    }

    /// Push defaults/kw-defaults; the MAKE_FUNCTION flags so far.
    pub fn default_args(&mut self, args: &Arguments) -> CResult<u32> {
        let mut flags = 0;
        if !args.defaults.is_empty() {
            let t = Expr {
                loc: args.defaults[0].loc,
                kind: ExprKind::Tuple(args.defaults.clone(), Ctx::Load),
            };
            self.expr(&t)?;
            flags |= 1;
        }
        let kwd: Vec<(&Arg, &Expr)> = args
            .kwonly
            .iter()
            .zip(&args.kw_defaults)
            .filter_map(|(a, d)| d.as_ref().map(|d| (a, d)))
            .collect();
        if !kwd.is_empty() {
            for (a, d) in &kwd {
                let m = self.mangle(&a.name);
                self.load_const(Const::Str(m.into_bytes()));
                self.expr(d)?;
            }
            self.emit(Op::BuildMap, kwd.len() as u32);
            flags |= 2;
        }
        Ok(flags)
    }

    pub fn set_arg_counts(&mut self, args: &Arguments) {
        let u = self.u();
        u.posonly = args.posonly.len() as u32;
        u.argcount = (args.posonly.len() + args.args.len()) as u32;
        u.kwonly = args.kwonly.len() as u32;
        if args.vararg.is_some() {
            u.flags |= crate::pyc::code::CO_VARARGS;
        }
        if args.kwarg.is_some() {
            u.flags |= crate::pyc::code::CO_VARKEYWORDS;
        }
    }

    /// LOAD_CLOSURE tuple (if any), the code, MAKE_FUNCTION.
    pub fn make_function(&mut self, scope: usize, code: crate::pyc::Obj, mut flags: u32) {
        if self.make_closure(scope) {
            flags |= 8;
        }
        let i = self.add_code_const(code);
        self.emit(Op::LoadConst, i);
        self.emit(Op::MakeFunction, flags);
    }

    fn comprehension(&mut self, e: &Expr) -> CResult<()> {
        let ExprKind::Comp(kind, elt, value, gens) = &e.kind else {
            return Ok(());
        };
        let scope = *self
            .st
            .by_node
            .get(&node_key(&e.loc, 1))
            .ok_or_else(|| super::CompileError::internal("comprehension scope"))?;
        let name = match kind {
            CompKind::List => "<listcomp>",
            CompKind::Set => "<setcomp>",
            CompKind::Dict => "<dictcomp>",
            CompKind::Gen => "<genexpr>",
        };
        let is_async = self.st.scopes[scope].is_coroutine;
        let outer_async = self.ur().flags
            & (crate::pyc::code::CO_COROUTINE | crate::pyc::code::CO_ASYNC_GENERATOR)
            != 0;
        let outer_comp = matches!(
            self.ur().name.as_str(),
            "<listcomp>" | "<setcomp>" | "<dictcomp>" | "<genexpr>"
        );
        if is_async && *kind != CompKind::Gen && !outer_async && !outer_comp {
            return Err(self.err(
                "asynchronous comprehension outside of an asynchronous function",
                e.loc,
            ));
        }
        self.enter(scope, name, e.loc.line);
        self.u().argcount = 1;
        self.u().loc = Some(e.loc);
        self.emit_resume();
        self.u().loc = Some(e.loc);
        match kind {
            CompKind::List => self.emit(Op::BuildList, 0),
            CompKind::Set => self.emit(Op::BuildSet, 0),
            CompKind::Dict => self.emit(Op::BuildMap, 0),
            CompKind::Gen => {}
        }
        self.comp_generator(gens, 0, 0, *kind, elt, value.as_deref())?;
        if *kind == CompKind::Gen {
            self.load_const(Const::None);
        }
        self.emit0(Op::ReturnValue);
        let code = self.finish()?;
        self.make_function(scope, code, 0);
        let first = &gens[0];
        self.expr(&first.iter)?;
        if first.is_async {
            self.emit0(Op::GetAiter);
        } else {
            self.emit0(Op::GetIter);
        }
        self.emit(Op::Precall, 0);
        self.emit(Op::Call, 0);
        if is_async && *kind != CompKind::Gen {
            self.emit(Op::GetAwaitable, 0);
            self.load_const(Const::None);
            self.yield_from_loop(true);
        }
        Ok(())
    }

    fn comp_generator(
        &mut self,
        gens: &[Comprehension],
        index: usize,
        depth: u32,
        kind: CompKind,
        elt: &Expr,
        value: Option<&Expr>,
    ) -> CResult<()> {
        let g = &gens[index];
        if index == 0 {
            self.emit(Op::LoadFast, 0);
        } else {
            self.expr(&g.iter)?;
            self.emit0(if g.is_async {
                Op::GetAiter
            } else {
                Op::GetIter
            });
        }
        let start = self.new_label();
        let anchor = self.new_label();
        let if_cleanup = self.new_label();
        self.bind(start);
        if g.is_async {
            self.emit_jump(IOp::SetupFinally, anchor);
            self.emit0(Op::GetAnext);
            self.load_const(Const::None);
            self.yield_from_loop(true);
            self.emit_pseudo(IOp::PopBlock);
        } else {
            self.emit_real_jump(Op::ForIter, anchor);
        }
        self.store_target(&g.target)?;
        let depth = depth + 1;
        for c in &g.ifs {
            self.jump_if(c, if_cleanup, false)?;
        }
        if index + 1 < gens.len() {
            self.comp_generator(gens, index + 1, depth, kind, elt, value)?;
        } else {
            match kind {
                CompKind::Gen => {
                    self.expr(elt)?;
                    if self.ur().flags & crate::pyc::code::CO_ASYNC_GENERATOR != 0 {
                        self.emit0(Op::AsyncGenWrap);
                    }
                    self.emit0(Op::YieldValue);
                    self.emit(Op::Resume, 1);
                    self.emit0(Op::PopTop);
                }
                CompKind::List => {
                    self.expr(elt)?;
                    self.emit(Op::ListAppend, depth + 1);
                }
                CompKind::Set => {
                    self.expr(elt)?;
                    self.emit(Op::SetAdd, depth + 1);
                }
                CompKind::Dict => {
                    self.expr(elt)?;
                    if let Some(v) = value {
                        self.expr(v)?;
                    }
                    self.emit(Op::MapAdd, depth + 1);
                }
            }
        }
        self.bind(if_cleanup);
        self.emit_jump(IOp::Jump, start);
        self.bind(anchor);
        if g.is_async {
            self.emit0(Op::EndAsyncFor);
        }
        Ok(())
    }
}
