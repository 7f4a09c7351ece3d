//! Expression parsing: precedence climbing over CPython's expression
//! grammar (Grammar/python.gram): lambdas, conditionals, boolean and
//! comparison chains, arithmetic, await, primaries with calls, subscripts
//! and attributes, atoms, displays and comprehensions.

use super::ast::*;
use super::parser::{PResult, Parser};
use super::tokenizer::Tok;

impl Parser {
    fn mk(&self, start: Loc, kind: ExprKind) -> Expr {
        Expr {
            loc: start.to(self.prev_end()),
            kind,
        }
    }

    /// `star_expressions`: a tuple when there is a comma.
    pub fn star_expressions(&mut self) -> PResult<Expr> {
        let start = self.loc();
        let first = self.star_expression()?;
        if !self.at_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if !self.starts_expr() {
                break;
            }
            items.push(self.star_expression()?);
        }
        Ok(self.mk(start, ExprKind::Tuple(items, Ctx::Load)))
    }

    /// `star_expression`: `*expr` or an expression.
    pub fn star_expression(&mut self) -> PResult<Expr> {
        if self.at_op("*") {
            let start = self.loc();
            self.advance();
            let e = self.bitwise_or()?;
            return Ok(self.mk(start, ExprKind::Starred(Box::new(e), Ctx::Load)));
        }
        self.expression()
    }

    /// `star_named_expression` (display elements): walrus allowed.
    fn star_named_expression(&mut self) -> PResult<Expr> {
        if self.at_op("*") {
            return self.star_expression();
        }
        self.named_expression()
    }

    /// `named_expression`: `NAME := expr` or an expression.
    pub fn named_expression(&mut self) -> PResult<Expr> {
        if matches!(self.tok(), Tok::Name(_)) && self.peek_op(1, ":=") {
            let start = self.loc();
            let name = self.name()?;
            let target = self.mk(start, ExprKind::Name(name, Ctx::Store));
            self.advance();
            let value = self.expression()?;
            return Ok(self.mk(
                start,
                ExprKind::NamedExpr(Box::new(target), Box::new(value)),
            ));
        }
        let e = self.expression()?;
        if self.at_op(":=") {
            return Err(self.error_at_loc(
                &format!("cannot use assignment expressions with {}", describe(&e)),
                e.loc,
            ));
        }
        if self.at_op("=") {
            self.invalid_named_expression(&e)?;
        }
        Ok(e)
    }

    /// The grammar's `invalid_named_expression`: `a = b` where an
    /// expression was expected (`if x = 1:`).
    fn invalid_named_expression(&mut self, a: &Expr) -> PResult<()> {
        let save = self.position();
        self.advance();
        let b = self.bitwise_or();
        let followed = self.at_op("=") || self.at_op(":=");
        self.set_position(save);
        let Ok(b) = b else { return Ok(()) };
        if followed {
            return Ok(());
        }
        match &a.kind {
            ExprKind::Name(..) => Err(self.error_at_loc(
                "invalid syntax. Maybe you meant '==' or ':=' instead of '='?",
                a.loc.to(b.loc),
            )),
            ExprKind::List(..)
            | ExprKind::Tuple(..)
            | ExprKind::Comp(CompKind::Gen, ..)
            | ExprKind::Constant(Const::True | Const::False | Const::None) => Ok(()),
            _ => Err(self.error_at_loc(
                &format!(
                    "cannot assign to {} here. Maybe you meant '==' instead of '='?",
                    describe(a)
                ),
                a.loc,
            )),
        }
    }

    /// `expressions`: like star_expressions without stars.
    pub fn expressions(&mut self) -> PResult<Expr> {
        let start = self.loc();
        let first = self.expression()?;
        if !self.at_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if !self.starts_expr() {
                break;
            }
            items.push(self.expression()?);
        }
        Ok(self.mk(start, ExprKind::Tuple(items, Ctx::Load)))
    }

    /// `expression`: conditional expression or lambda.
    pub fn expression(&mut self) -> PResult<Expr> {
        self.enter(1)?;
        let r = self.expression_level();
        self.leave(1);
        r
    }

    fn expression_level(&mut self) -> PResult<Expr> {
        if self.at_kw("lambda") {
            return self.lambda();
        }
        let start = self.loc();
        let body = self.disjunction()?;
        if self.at_kw("if") {
            self.advance();
            let test = self.disjunction()?;
            if !self.at_kw("else") {
                return Err(self.error_at_loc(
                    "expected 'else' after 'if' expression",
                    start.to(self.prev_end()),
                ));
            }
            self.advance();
            let orelse = self.expression()?;
            return Ok(self.mk(
                start,
                ExprKind::IfExp(Box::new(test), Box::new(body), Box::new(orelse)),
            ));
        }
        Ok(body)
    }

    fn lambda(&mut self) -> PResult<Expr> {
        let start = self.loc();
        self.advance();
        let args = self.parameters(":", false)?;
        // pegen has no "expected ':'" for a lambda.
        if !self.eat_op(":") {
            return Err(self.error_here("invalid syntax"));
        }
        self.enter(1)?;
        let body = self.expression();
        self.leave(1);
        let body = body?;
        Ok(self.mk(start, ExprKind::Lambda(Box::new(args), Box::new(body))))
    }

    pub(crate) fn disjunction(&mut self) -> PResult<Expr> {
        let start = self.loc();
        let first = self.conjunction()?;
        if !self.at_kw("or") {
            return Ok(first);
        }
        let mut v = vec![first];
        while self.at_kw("or") {
            self.advance();
            v.push(self.conjunction()?);
        }
        Ok(self.mk(start, ExprKind::BoolOp(BoolOp::Or, v)))
    }

    fn conjunction(&mut self) -> PResult<Expr> {
        let start = self.loc();
        let first = self.inversion()?;
        if !self.at_kw("and") {
            return Ok(first);
        }
        let mut v = vec![first];
        while self.at_kw("and") {
            self.advance();
            v.push(self.inversion()?);
        }
        Ok(self.mk(start, ExprKind::BoolOp(BoolOp::And, v)))
    }

    fn inversion(&mut self) -> PResult<Expr> {
        self.enter(1)?;
        let r = self.inversion_level();
        self.leave(1);
        r
    }

    fn inversion_level(&mut self) -> PResult<Expr> {
        if self.at_kw("not") {
            let start = self.loc();
            self.advance();
            let e = self.inversion()?;
            return Ok(self.mk(start, ExprKind::UnaryOp(UnaryOp::Not, Box::new(e))));
        }
        self.comparison()
    }

    fn comp_op(&mut self) -> Option<CmpOp> {
        let op = match self.tok() {
            Tok::Op("<") => CmpOp::Lt,
            Tok::Op("<=") => CmpOp::LtE,
            Tok::Op("==") => CmpOp::Eq,
            Tok::Op("!=") => CmpOp::NotEq,
            Tok::Op(">") => CmpOp::Gt,
            Tok::Op(">=") => CmpOp::GtE,
            Tok::Name(n) if n == "in" => CmpOp::In,
            Tok::Name(n) if n == "is" => {
                self.advance();
                if self.at_kw("not") {
                    self.advance();
                    return Some(CmpOp::IsNot);
                }
                return Some(CmpOp::Is);
            }
            Tok::Name(n) if n == "not" && self.peek_kw(1, "in") => {
                self.advance();
                self.advance();
                return Some(CmpOp::NotIn);
            }
            _ => return None,
        };
        self.advance();
        Some(op)
    }

    fn comparison(&mut self) -> PResult<Expr> {
        let start = self.loc();
        let left = self.bitwise_or()?;
        let mut ops = Vec::new();
        let mut rights = Vec::new();
        while let Some(op) = self.comp_op() {
            ops.push(op);
            rights.push(self.bitwise_or()?);
        }
        if ops.is_empty() {
            return Ok(left);
        }
        Ok(self.mk(start, ExprKind::Compare(Box::new(left), ops, rights)))
    }

    fn binary_level(&mut self, level: usize) -> PResult<Expr> {
        const LEVELS: [&[(&str, BinOp)]; 6] = [
            &[("|", BinOp::BitOr)],
            &[("^", BinOp::BitXor)],
            &[("&", BinOp::BitAnd)],
            &[("<<", BinOp::LShift), (">>", BinOp::RShift)],
            &[("+", BinOp::Add), ("-", BinOp::Sub)],
            &[
                ("*", BinOp::Mult),
                ("/", BinOp::Div),
                ("//", BinOp::FloorDiv),
                ("%", BinOp::Mod),
                ("@", BinOp::MatMult),
            ],
        ];
        let Some(ops) = LEVELS.get(level) else {
            return self.factor();
        };
        let start = self.loc();
        let mut left = self.binary_level(level + 1)?;
        while let Tok::Op(o) = self.tok() {
            let Some((_, op)) = ops.iter().find(|(s, _)| *s == *o) else {
                break;
            };
            let op = *op;
            self.advance();
            let right = self.binary_level(level + 1)?;
            left = self.mk(start, ExprKind::BinOp(Box::new(left), op, Box::new(right)));
        }
        Ok(left)
    }

    pub fn bitwise_or(&mut self) -> PResult<Expr> {
        self.binary_level(0)
    }

    fn factor(&mut self) -> PResult<Expr> {
        self.enter(1)?;
        let r = self.factor_level();
        self.leave(1);
        r
    }

    fn factor_level(&mut self) -> PResult<Expr> {
        let op = match self.tok() {
            Tok::Op("+") => UnaryOp::UAdd,
            Tok::Op("-") => UnaryOp::USub,
            Tok::Op("~") => UnaryOp::Invert,
            _ => return self.power(),
        };
        let start = self.loc();
        self.advance();
        let e = self.factor()?;
        Ok(self.mk(start, ExprKind::UnaryOp(op, Box::new(e))))
    }

    fn power(&mut self) -> PResult<Expr> {
        let start = self.loc();
        let base = if self.at_kw("await") {
            self.advance();
            let e = self.primary()?;
            self.mk(start, ExprKind::Await(Box::new(e)))
        } else {
            self.primary()?
        };
        if self.eat_op("**") {
            self.enter(1)?;
            let exp = self.factor();
            self.leave(1);
            let exp = exp?;
            return Ok(self.mk(
                start,
                ExprKind::BinOp(Box::new(base), BinOp::Pow, Box::new(exp)),
            ));
        }
        Ok(base)
    }

    /// `primary`: an atom followed by `.name`, `(args)`, `[subscript]`.
    pub fn primary(&mut self) -> PResult<Expr> {
        let start = self.loc();
        let mut e = self.atom()?;
        loop {
            if self.eat_op(".") {
                let name = self.name()?;
                e = self.mk(start, ExprKind::Attribute(Box::new(e), name, Ctx::Load));
            } else if self.at_op("(") {
                self.advance();
                let (args, kws) = self.call_args()?;
                self.expect_op(")")?;
                e = self.mk(start, ExprKind::Call(Box::new(e), args, kws));
            } else if self.at_op("[") {
                self.advance();
                let s = self.slices()?;
                self.expect_op("]")?;
                e = self.mk(
                    start,
                    ExprKind::Subscript(Box::new(e), Box::new(s), Ctx::Load),
                );
            } else {
                break;
            }
        }
        Ok(e)
    }

    fn slices(&mut self) -> PResult<Expr> {
        let start = self.loc();
        let first = self.slice()?;
        if !self.at_op(",") {
            // `x[*a]` subscripts with a one-element tuple (PEP 646).
            if let ExprKind::Starred(..) = first.kind {
                return Ok(self.mk(start, ExprKind::Tuple(vec![first], Ctx::Load)));
            }
            return Ok(first);
        }
        let mut v = vec![first];
        while self.eat_op(",") {
            if self.at_op("]") {
                break;
            }
            v.push(self.slice()?);
        }
        Ok(self.mk(start, ExprKind::Tuple(v, Ctx::Load)))
    }

    fn slice(&mut self) -> PResult<Expr> {
        let start = self.loc();
        let lower = if self.at_op(":") {
            None
        } else {
            let e = self.star_or_named()?;
            if !self.at_op(":") {
                return Ok(e);
            }
            Some(Box::new(e))
        };
        self.expect_op(":")?;
        let upper = if self.at_op(":") || self.at_op(",") || self.at_op("]") {
            None
        } else {
            Some(Box::new(self.expression()?))
        };
        let step = if self.eat_op(":") {
            if self.at_op(",") || self.at_op("]") {
                None
            } else {
                Some(Box::new(self.expression()?))
            }
        } else {
            None
        };
        Ok(self.mk(start, ExprKind::Slice(lower, upper, step)))
    }

    fn star_or_named(&mut self) -> PResult<Expr> {
        if self.at_op("*") {
            return self.star_expression();
        }
        self.named_expression()
    }

    /// Call arguments up to (not including) the closing parenthesis.
    pub fn call_args(&mut self) -> PResult<(Vec<Expr>, Vec<Keyword>)> {
        let mut args = Vec::new();
        let mut kws: Vec<Keyword> = Vec::new();
        while !self.at_op(")") {
            let start = self.loc();
            if self.eat_op("**") {
                let v = self.expression()?;
                kws.push(Keyword {
                    arg: None,
                    value: v,
                    loc: start.to(self.prev_end()),
                });
            } else if self.at_op("*") {
                if kws.iter().any(|k| k.arg.is_none()) {
                    return Err(self.error_here(
                        "iterable argument unpacking follows keyword argument unpacking",
                    ));
                }
                self.advance();
                let v = self.expression()?;
                args.push(self.mk(start, ExprKind::Starred(Box::new(v), Ctx::Load)));
            } else if let (Some(kw), true) = (
                ["True", "False", "None"]
                    .into_iter()
                    .find(|k| self.at_kw(k)),
                self.peek_op(1, "="),
            ) {
                // invalid_kwarg: `f(True=1)`, through the `=`.
                let msg = format!("cannot assign to {kw}");
                self.advance();
                return Err(self.error_at_loc(&msg, start.to(self.loc())));
            } else if matches!(self.tok(), Tok::Name(_)) && self.peek_op(1, "=") {
                let name = self.name()?;
                self.advance();
                let v = self.expression()?;
                kws.push(Keyword {
                    arg: Some(name),
                    value: v,
                    loc: start.to(self.prev_end()),
                });
            } else {
                let e = self.named_expression()?;
                if self.at_op("=") {
                    return Err(self.error_at_loc(
                        "expression cannot contain assignment, perhaps you meant \"==\"?",
                        e.loc,
                    ));
                }
                if self.at_kw("for") || self.at_kw("async") {
                    let gens = self.comp_for()?;
                    let g = self.mk(
                        start,
                        ExprKind::Comp(CompKind::Gen, Box::new(e), None, gens),
                    );
                    if !args.is_empty() || !kws.is_empty() || !self.at_op(")") {
                        return Err(
                            self.error_at_loc("Generator expression must be parenthesized", g.loc)
                        );
                    }
                    args.push(g);
                    continue;
                }
                if !kws.is_empty() {
                    let msg = if kws.iter().any(|k| k.arg.is_none()) {
                        "positional argument follows keyword argument unpacking"
                    } else {
                        "positional argument follows keyword argument"
                    };
                    return Err(self.error_here(msg));
                }
                args.push(e);
            }
            if !self.eat_op(",") {
                break;
            }
        }
        Ok((args, kws))
    }

    /// `for target in iter [if cond]...` clauses of a comprehension.
    pub fn comp_for(&mut self) -> PResult<Vec<Comprehension>> {
        let mut gens = Vec::new();
        loop {
            let is_async = if self.at_kw("async") && self.peek_kw(1, "for") {
                self.advance();
                true
            } else {
                false
            };
            if !self.at_kw("for") {
                break;
            }
            self.advance();
            let target = self.target_list("in")?;
            self.expect_kw("in")?;
            let iter = self.disjunction()?;
            let mut ifs = Vec::new();
            while self.at_kw("if") {
                self.advance();
                ifs.push(self.disjunction()?);
            }
            gens.push(Comprehension {
                target,
                iter,
                ifs,
                is_async,
            });
        }
        Ok(gens)
    }

    /// A `for` target list (star targets) up to the keyword `stop`.
    pub fn target_list(&mut self, stop: &str) -> PResult<Expr> {
        let start = self.loc();
        let mut items = Vec::new();
        let mut comma = false;
        loop {
            let e = if self.at_op("*") {
                let s = self.loc();
                self.advance();
                let inner = self.bitwise_or()?;
                self.mk(s, ExprKind::Starred(Box::new(inner), Ctx::Load))
            } else {
                self.bitwise_or()?
            };
            items.push(e);
            if !self.eat_op(",") {
                break;
            }
            comma = true;
            if self.at_kw(stop) {
                break;
            }
        }
        let e = if comma || items.len() > 1 {
            self.mk(start, ExprKind::Tuple(items, Ctx::Load))
        } else {
            items
                .pop()
                .ok_or_else(|| self.error_here("invalid syntax"))?
        };
        {
            self.assign_hint = false;
            let r = self.to_store(e);
            self.assign_hint = true;
            r
        }
    }

    fn atom(&mut self) -> PResult<Expr> {
        let start = self.loc();
        match self.tok().clone() {
            Tok::Name(n) => {
                let c = match n.as_str() {
                    "None" => Some(Const::None),
                    "True" => Some(Const::True),
                    "False" => Some(Const::False),
                    _ => None,
                };
                if let Some(c) = c {
                    self.advance();
                    return Ok(self.mk(start, ExprKind::Constant(c)));
                }
                if super::parser::is_keyword(&n) {
                    return Err(self.error_here("invalid syntax"));
                }
                self.advance();
                Ok(self.mk(start, ExprKind::Name(n, Ctx::Load)))
            }
            Tok::Number(text) => {
                self.advance();
                let c = super::strings::parse_number(&text)
                    .ok_or_else(|| self.error_at_loc("invalid syntax", start))?;
                Ok(self.mk(start, ExprKind::Constant(c)))
            }
            Tok::Str(_) => self.strings(),
            Tok::Op("...") => {
                self.advance();
                Ok(self.mk(start, ExprKind::Constant(Const::Ellipsis)))
            }
            Tok::Op("(") => self.paren(),
            Tok::Op("[") => {
                self.advance();
                if self.eat_op("]") {
                    return Ok(self.mk(start, ExprKind::List(vec![], Ctx::Load)));
                }
                let first = self.star_named_expression()?;
                if self.at_kw("for") || self.at_kw("async") {
                    let gens = self.comp_for()?;
                    self.expect_op("]")?;
                    return Ok(self.mk(
                        start,
                        ExprKind::Comp(CompKind::List, Box::new(first), None, gens),
                    ));
                }
                let mut items = vec![first];
                while self.eat_op(",") {
                    if self.at_op("]") {
                        break;
                    }
                    items.push(self.star_named_expression()?);
                }
                self.expect_op("]")?;
                Ok(self.mk(start, ExprKind::List(items, Ctx::Load)))
            }
            Tok::Op("{") => self.brace(),
            _ => Err(self.error_here("invalid syntax")),
        }
    }

    fn paren(&mut self) -> PResult<Expr> {
        let start = self.loc();
        self.advance();
        if self.eat_op(")") {
            return Ok(self.mk(start, ExprKind::Tuple(vec![], Ctx::Load)));
        }
        if self.at_kw("yield") {
            let e = self.yield_expr()?;
            self.expect_op(")")?;
            return Ok(e);
        }
        let first = self.star_named_expression()?;
        if self.at_kw("for") || self.at_kw("async") {
            let gens = self.comp_for()?;
            self.expect_op(")")?;
            return Ok(self.mk(
                start,
                ExprKind::Comp(CompKind::Gen, Box::new(first), None, gens),
            ));
        }
        if self.eat_op(")") {
            if let ExprKind::Starred(..) = first.kind {
                return Err(self.error_at_loc("cannot use starred expression here", first.loc));
            }
            let mut e = first;
            // A parenthesized expression keeps its inner span, as in CPython.
            if let ExprKind::Tuple(..) = e.kind {
                e.loc = start.to(self.prev_end());
            }
            return Ok(e);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_op(")") {
                break;
            }
            items.push(self.star_named_expression()?);
        }
        self.expect_op(")")?;
        Ok(self.mk(start, ExprKind::Tuple(items, Ctx::Load)))
    }

    fn brace(&mut self) -> PResult<Expr> {
        let start = self.loc();
        self.advance();
        if self.eat_op("}") {
            return Ok(self.mk(start, ExprKind::Dict(vec![], vec![])));
        }
        // Dict display or comprehension.
        if self.at_op("**") {
            return self.dict_rest(start, Vec::new(), Vec::new());
        }
        let first = self.star_named_expression()?;
        if self.eat_op(":") {
            let value = self.expression()?;
            if self.at_kw("for") || self.at_kw("async") {
                let gens = self.comp_for()?;
                self.expect_op("}")?;
                return Ok(self.mk(
                    start,
                    ExprKind::Comp(CompKind::Dict, Box::new(first), Some(Box::new(value)), gens),
                ));
            }
            if !self.eat_op(",") {
                self.expect_op("}")?;
                return Ok(self.mk(start, ExprKind::Dict(vec![Some(first)], vec![value])));
            }
            return self.dict_rest(start, vec![Some(first)], vec![value]);
        }
        if self.at_kw("for") || self.at_kw("async") {
            let gens = self.comp_for()?;
            self.expect_op("}")?;
            return Ok(self.mk(
                start,
                ExprKind::Comp(CompKind::Set, Box::new(first), None, gens),
            ));
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_op("}") {
                break;
            }
            items.push(self.star_named_expression()?);
        }
        self.expect_op("}")?;
        Ok(self.mk(start, ExprKind::Set(items)))
    }

    fn dict_rest(
        &mut self,
        start: Loc,
        mut keys: Vec<Option<Expr>>,
        mut values: Vec<Expr>,
    ) -> PResult<Expr> {
        while !self.at_op("}") {
            if self.eat_op("**") {
                keys.push(None);
                values.push(self.bitwise_or()?);
            } else {
                keys.push(Some(self.expression()?));
                self.expect_op(":")?;
                values.push(self.expression()?);
            }
            if !self.eat_op(",") {
                break;
            }
        }
        self.expect_op("}")?;
        Ok(self.mk(start, ExprKind::Dict(keys, values)))
    }

    /// `yield`, `yield expr`, `yield from expr`.
    pub fn yield_expr(&mut self) -> PResult<Expr> {
        let start = self.loc();
        self.advance();
        if self.at_kw("from") {
            self.advance();
            let e = self.expression()?;
            return Ok(self.mk(start, ExprKind::YieldFrom(Box::new(e))));
        }
        if !self.starts_expr() {
            return Ok(self.mk(start, ExprKind::Yield(None)));
        }
        let e = self.star_expressions()?;
        Ok(self.mk(start, ExprKind::Yield(Some(Box::new(e)))))
    }

    /// Whether the current token can begin an expression.
    pub fn starts_expr(&self) -> bool {
        match self.tok() {
            Tok::Name(n) => {
                !super::parser::is_keyword(n)
                    || matches!(
                        n.as_str(),
                        "None" | "True" | "False" | "not" | "lambda" | "await" | "yield"
                    )
            }
            Tok::Number(_) | Tok::Str(_) => true,
            Tok::Op(o) => matches!(*o, "(" | "[" | "{" | "-" | "+" | "~" | "*" | "..."),
            _ => false,
        }
    }

    /// Function or lambda parameters up to `close` (`)` or `:`).
    pub fn parameters(&mut self, close: &str, annotations: bool) -> PResult<Arguments> {
        let mut a = Arguments::default();
        let mut seen_star = false;
        let mut seen_default = false;
        let mut star_loc = None;
        let mut names: Vec<String> = Vec::new();
        while !self.at_op(close) {
            let start = self.loc();
            if self.eat_op("/") {
                if seen_star || !a.posonly.is_empty() {
                    return Err(self.error_at_loc("/ must be ahead of *", start));
                }
                if a.args.is_empty() {
                    return Err(self.error_at_loc("at least one argument must precede /", start));
                }
                a.posonly = std::mem::take(&mut a.args);
            } else if self.eat_op("**") {
                let arg = self.param(annotations)?;
                names.push(arg.name.clone());
                a.kwarg = Some(arg);
                if self.eat_op(",") && !self.at_op(close) {
                    return Err(self.error_here("arguments cannot follow var-keyword argument"));
                }
                break;
            } else if self.eat_op("*") {
                if seen_star {
                    return Err(self.error_at_loc("* argument may appear only once", start));
                }
                seen_star = true;
                star_loc = Some(start);
                if !self.at_op(",") && !self.at_op(close) {
                    let arg = self.param_star_annotation(annotations)?;
                    names.push(arg.name.clone());
                    a.vararg = Some(arg);
                }
            } else {
                let arg = self.param(annotations)?;
                if names.contains(&arg.name) {
                    // CPython finds this in its symbol table: no text.
                    let mut e = self.error_at_loc(
                        &format!("duplicate argument '{}' in function definition", arg.name),
                        arg.loc,
                    );
                    e.no_text = true;
                    return Err(e);
                }
                names.push(arg.name.clone());
                let default = if self.eat_op("=") {
                    Some(self.expression()?)
                } else {
                    None
                };
                if seen_star {
                    a.kwonly.push(arg);
                    a.kw_defaults.push(default);
                } else {
                    match default {
                        Some(d) => {
                            seen_default = true;
                            a.defaults.push(d);
                        }
                        None if seen_default => {
                            return Err(self.error_at_loc(
                                "non-default argument follows default argument",
                                arg.loc,
                            ))
                        }
                        None => {}
                    }
                    a.args.push(arg);
                }
            }
            if !self.eat_op(",") {
                break;
            }
        }
        if seen_star && a.vararg.is_none() && a.kwonly.is_empty() {
            // pegen's invalid_parameters: at the bare `*` itself.
            let msg = "named arguments must follow bare *";
            return Err(match star_loc {
                Some(l) => self.error_at_loc(msg, l),
                None => self.error_here(msg),
            });
        }
        Ok(a)
    }

    /// `*args: *Ts` (PEP 646): the vararg's annotation may be starred.
    fn param_star_annotation(&mut self, annotations: bool) -> PResult<Arg> {
        let start = self.loc();
        let name = self.name()?;
        let annotation = if annotations && self.eat_op(":") {
            Some(Box::new(self.star_expression()?))
        } else {
            None
        };
        Ok(Arg {
            name,
            annotation,
            loc: start.to(self.prev_end()),
        })
    }

    fn param(&mut self, annotations: bool) -> PResult<Arg> {
        let start = self.loc();
        let name = self.name()?;
        let annotation = if annotations && self.eat_op(":") {
            Some(Box::new(self.expression()?))
        } else {
            None
        };
        Ok(Arg {
            name,
            annotation,
            loc: start.to(self.prev_end()),
        })
    }

    /// Turn a parsed expression into an assignment target.
    pub fn to_store(&self, e: Expr) -> PResult<Expr> {
        self.to_ctx(e, Ctx::Store)
    }

    pub fn to_ctx(&self, e: Expr, ctx: Ctx) -> PResult<Expr> {
        let loc = e.loc;
        let kind = match e.kind {
            ExprKind::Name(n, _) => {
                if n == "__debug__" {
                    return Err(self.error_at_loc("cannot assign to __debug__", loc));
                }
                ExprKind::Name(n, ctx)
            }
            ExprKind::Attribute(v, n, _) => ExprKind::Attribute(v, n, ctx),
            ExprKind::Subscript(v, s, _) => ExprKind::Subscript(v, s, ctx),
            ExprKind::Starred(v, _) if ctx == Ctx::Store => {
                ExprKind::Starred(Box::new(self.to_ctx(*v, ctx)?), ctx)
            }
            ExprKind::Tuple(items, _) => ExprKind::Tuple(
                items
                    .into_iter()
                    .map(|i| self.to_ctx(i, ctx))
                    .collect::<PResult<_>>()?,
                ctx,
            ),
            ExprKind::List(items, _) => ExprKind::List(
                items
                    .into_iter()
                    .map(|i| self.to_ctx(i, ctx))
                    .collect::<PResult<_>>()?,
                ctx,
            ),
            other => {
                let e = Expr { loc, kind: other };
                let verb = if ctx == Ctx::Del {
                    "delete"
                } else {
                    "assign to"
                };
                let what = describe(&e);
                let msg = if ctx == Ctx::Store && matches!(e.kind, ExprKind::Compare(..)) {
                    format!("cannot {verb} {what}")
                } else if ctx == Ctx::Store
                    && self.assign_hint
                    && matches!(
                        e.kind,
                        ExprKind::Constant(_) | ExprKind::Call(..) | ExprKind::BinOp(..)
                    )
                    && !matches!(
                        e.kind,
                        ExprKind::Constant(Const::True | Const::False | Const::None)
                    )
                {
                    format!("cannot {verb} {what} here. Maybe you meant '==' instead of '='?")
                } else {
                    format!("cannot {verb} {what}")
                };
                return Err(self.error_at_loc(&msg, loc));
            }
        };
        Ok(Expr { loc, kind })
    }
}

/// How CPython's error messages name an expression kind.
pub fn describe(e: &Expr) -> &'static str {
    match &e.kind {
        ExprKind::BoolOp(..) | ExprKind::BinOp(..) | ExprKind::UnaryOp(..) => "expression",
        ExprKind::NamedExpr(..) => "named expression",
        ExprKind::Lambda(..) => "lambda",
        ExprKind::IfExp(..) => "conditional expression",
        ExprKind::Dict(..) => "dict literal",
        ExprKind::Set(..) => "set display",
        ExprKind::Comp(CompKind::List, ..) => "list comprehension",
        ExprKind::Comp(CompKind::Set, ..) => "set comprehension",
        ExprKind::Comp(CompKind::Dict, ..) => "dict comprehension",
        ExprKind::Comp(CompKind::Gen, ..) => "generator expression",
        ExprKind::Await(..) => "await expression",
        ExprKind::Yield(..) | ExprKind::YieldFrom(..) => "yield expression",
        ExprKind::Compare(..) => "comparison",
        ExprKind::Call(..) => "function call",
        ExprKind::FormattedValue(..) | ExprKind::JoinedStr(..) => "f-string expression",
        ExprKind::Constant(Const::None) => "None",
        ExprKind::Constant(Const::True) => "True",
        ExprKind::Constant(Const::False) => "False",
        ExprKind::Constant(Const::Ellipsis) => "ellipsis",
        ExprKind::Constant(_) => "literal",
        ExprKind::Attribute(..) => "attribute",
        ExprKind::Subscript(..) => "subscript",
        ExprKind::Starred(..) => "starred",
        ExprKind::Name(..) => "name",
        ExprKind::List(..) => "list",
        ExprKind::Tuple(..) => "tuple",
        ExprKind::Slice(..) => "slice",
    }
}
