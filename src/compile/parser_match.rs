//! Parsing `match` statements (PEP 634): the soft keywords `match` and
//! `case`, and the pattern grammar (literal, capture, wildcard, value,
//! group, sequence, mapping, class, or- and as-patterns).

use super::ast::*;
use super::parser::{is_keyword, PResult, Parser};
use super::tokenizer::Tok;

impl Parser {
    /// Whether the statement at the cursor is a `match` statement: the
    /// subject parses and is followed by `:`, a newline, an indent and
    /// `case` (otherwise `match` is an ordinary name).
    pub fn is_match_stmt(&mut self) -> bool {
        let save = self.position();
        self.advance();
        let ok = self.match_subject().is_ok()
            && self.at_op(":")
            && {
                self.advance();
                matches!(self.tok(), Tok::Newline)
            }
            && {
                self.advance();
                matches!(self.tok(), Tok::Indent)
            }
            && {
                self.advance();
                self.at_kw("case")
            };
        self.set_position(save);
        ok
    }

    fn match_subject(&mut self) -> PResult<Expr> {
        let start = self.loc();
        let first = self.star_expression()?;
        if !self.at_op(",") {
            if let ExprKind::Starred(..) = first.kind {
                return Err(self.error_here("invalid syntax"));
            }
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_op(":") {
                break;
            }
            items.push(self.star_expression()?);
        }
        Ok(Expr {
            loc: start.to(self.prev_end()),
            kind: ExprKind::Tuple(items, Ctx::Load),
        })
    }

    pub fn match_stmt(&mut self) -> PResult<StmtKind> {
        let line = self.loc().line;
        self.advance();
        let subject = self.match_subject()?;
        self.expect_op(":")?;
        if !matches!(self.tok(), Tok::Newline) {
            return Err(self.error_here("invalid syntax"));
        }
        self.advance();
        if !matches!(self.tok(), Tok::Indent) {
            let mut e = self.error_here(&format!(
                "expected an indented block after 'match' statement on line {line}"
            ));
            e.kind = super::ErrorKind::Indentation;
            return Err(e);
        }
        self.advance();
        let mut cases = Vec::new();
        while self.at_kw("case") {
            let cline = self.loc().line;
            self.advance();
            let pattern = self.patterns()?;
            let guard = if self.at_kw("if") {
                self.advance();
                Some(self.named_expression()?)
            } else {
                None
            };
            let body = self.block("'case' statement", cline)?;
            cases.push(MatchCase {
                pattern,
                guard,
                body,
            });
        }
        if cases.is_empty() {
            return Err(self.error_here("invalid syntax"));
        }
        if matches!(self.tok(), Tok::Dedent) {
            self.advance();
        } else if !matches!(self.tok(), Tok::EndMarker) {
            return Err(self.error_here("invalid syntax"));
        }
        Ok(StmtKind::Match(subject, cases))
    }

    fn mkp(&self, start: Loc, kind: PatternKind) -> Pattern {
        Pattern {
            loc: start.to(self.prev_end()),
            kind,
        }
    }

    /// `patterns`: an open sequence (`case a, b:`) or one pattern.
    fn patterns(&mut self) -> PResult<Pattern> {
        let start = self.loc();
        let first = self.maybe_star_pattern()?;
        if !self.at_op(",") {
            if let PatternKind::Star(_) = first.kind {
                return Ok(self.mkp(start, PatternKind::Sequence(vec![first])));
            }
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_op(":") || self.at_kw("if") {
                break;
            }
            items.push(self.maybe_star_pattern()?);
        }
        Ok(self.mkp(start, PatternKind::Sequence(items)))
    }

    fn maybe_star_pattern(&mut self) -> PResult<Pattern> {
        if self.at_op("*") {
            let start = self.loc();
            self.advance();
            let name = self.name()?;
            let n = if name == "_" { None } else { Some(name) };
            return Ok(self.mkp(start, PatternKind::Star(n)));
        }
        self.pattern()
    }

    /// `pattern`: an or-pattern, optionally `as NAME`.
    fn pattern(&mut self) -> PResult<Pattern> {
        let start = self.loc();
        let p = self.or_pattern()?;
        if self.at_kw("as") {
            self.advance();
            let name = self.name()?;
            if name == "_" {
                return Err(self.error_at_loc("cannot use '_' as a target", self.prev_end()));
            }
            return Ok(self.mkp(start, PatternKind::As(Some(Box::new(p)), Some(name))));
        }
        Ok(p)
    }

    fn or_pattern(&mut self) -> PResult<Pattern> {
        let start = self.loc();
        let first = self.closed_pattern()?;
        if !self.at_op("|") {
            return Ok(first);
        }
        let mut alts = vec![first];
        while self.eat_op("|") {
            alts.push(self.closed_pattern()?);
        }
        Ok(self.mkp(start, PatternKind::Or(alts)))
    }

    /// A signed number literal, possibly `real +/- imaginary`.
    fn number_pattern_expr(&mut self) -> PResult<Expr> {
        let start = self.loc();
        let neg = self.eat_op("-");
        let Tok::Number(text) = self.tok().clone() else {
            return Err(self.error_here("invalid syntax"));
        };
        self.advance();
        let c = super::strings::parse_number(&text)
            .ok_or_else(|| self.error_at_loc("invalid syntax", start))?;
        let mut e = Expr {
            loc: start.to(self.prev_end()),
            kind: ExprKind::Constant(c),
        };
        if neg {
            e = Expr {
                loc: start.to(self.prev_end()),
                kind: ExprKind::UnaryOp(UnaryOp::USub, Box::new(e)),
            };
        }
        if self.at_op("+") || self.at_op("-") {
            let op = if self.at_op("+") {
                BinOp::Add
            } else {
                BinOp::Sub
            };
            self.advance();
            let Tok::Number(t2) = self.tok().clone() else {
                return Err(self.error_here("invalid syntax"));
            };
            self.advance();
            let c2 = super::strings::parse_number(&t2)
                .ok_or_else(|| self.error_at_loc("invalid syntax", start))?;
            if !matches!(c2, Const::Complex(..)) {
                return Err(self.error_at_loc(
                    "imaginary number required in complex literal",
                    self.prev_end(),
                ));
            }
            let rhs = Expr {
                loc: self.prev_end(),
                kind: ExprKind::Constant(c2),
            };
            e = Expr {
                loc: start.to(self.prev_end()),
                kind: ExprKind::BinOp(Box::new(e), op, Box::new(rhs)),
            };
        }
        Ok(e)
    }

    fn closed_pattern(&mut self) -> PResult<Pattern> {
        let start = self.loc();
        match self.tok().clone() {
            Tok::Number(_) | Tok::Op("-") => {
                let e = self.number_pattern_expr()?;
                Ok(self.mkp(start, PatternKind::Value(e)))
            }
            Tok::Str(_) => {
                let e = self.strings()?;
                if let ExprKind::JoinedStr(_) = e.kind {
                    return Err(self.error_at_loc(
                        "patterns may only match literals and attribute lookups",
                        e.loc,
                    ));
                }
                Ok(self.mkp(start, PatternKind::Value(e)))
            }
            Tok::Name(n) if n == "None" || n == "True" || n == "False" => {
                self.advance();
                let c = match n.as_str() {
                    "None" => Const::None,
                    "True" => Const::True,
                    _ => Const::False,
                };
                Ok(self.mkp(start, PatternKind::Singleton(c)))
            }
            Tok::Name(n) if !is_keyword(&n) => {
                self.advance();
                if !self.at_op(".") && !self.at_op("(") {
                    let name = if n == "_" { None } else { Some(n) };
                    return Ok(self.mkp(start, PatternKind::As(None, name)));
                }
                // A dotted name: a value pattern or a class pattern.
                let mut e = Expr {
                    loc: start.to(self.prev_end()),
                    kind: ExprKind::Name(n, Ctx::Load),
                };
                while self.eat_op(".") {
                    let attr = self.name()?;
                    e = Expr {
                        loc: start.to(self.prev_end()),
                        kind: ExprKind::Attribute(Box::new(e), attr, Ctx::Load),
                    };
                }
                if self.at_op("(") {
                    return self.class_pattern(start, e);
                }
                Ok(self.mkp(start, PatternKind::Value(e)))
            }
            Tok::Op("(") => {
                self.advance();
                if self.eat_op(")") {
                    return Ok(self.mkp(start, PatternKind::Sequence(vec![])));
                }
                let first = self.maybe_star_pattern()?;
                if self.eat_op(")") {
                    if let PatternKind::Star(_) = first.kind {
                        return Ok(self.mkp(start, PatternKind::Sequence(vec![first])));
                    }
                    return Ok(first);
                }
                let mut items = vec![first];
                while self.eat_op(",") {
                    if self.at_op(")") {
                        break;
                    }
                    items.push(self.maybe_star_pattern()?);
                }
                self.expect_op(")")?;
                Ok(self.mkp(start, PatternKind::Sequence(items)))
            }
            Tok::Op("[") => {
                self.advance();
                let mut items = Vec::new();
                while !self.at_op("]") {
                    items.push(self.maybe_star_pattern()?);
                    if !self.eat_op(",") {
                        break;
                    }
                }
                self.expect_op("]")?;
                Ok(self.mkp(start, PatternKind::Sequence(items)))
            }
            Tok::Op("{") => self.mapping_pattern(),
            _ => Err(self.error_here("invalid syntax")),
        }
    }

    fn mapping_pattern(&mut self) -> PResult<Pattern> {
        let start = self.loc();
        self.advance();
        let mut keys = Vec::new();
        let mut pats = Vec::new();
        let mut rest = None;
        while !self.at_op("}") {
            if self.eat_op("**") {
                rest = Some(self.name()?);
                self.eat_op(",");
                break;
            }
            let kstart = self.loc();
            let key = match self.tok().clone() {
                Tok::Number(_) | Tok::Op("-") => self.number_pattern_expr()?,
                Tok::Str(_) => self.strings()?,
                Tok::Name(n) if n == "None" || n == "True" || n == "False" => {
                    self.advance();
                    let c = match n.as_str() {
                        "None" => Const::None,
                        "True" => Const::True,
                        _ => Const::False,
                    };
                    Expr {
                        loc: kstart.to(self.prev_end()),
                        kind: ExprKind::Constant(c),
                    }
                }
                Tok::Name(n) if !is_keyword(&n) => {
                    self.advance();
                    let mut e = Expr {
                        loc: kstart.to(self.prev_end()),
                        kind: ExprKind::Name(n, Ctx::Load),
                    };
                    if !self.at_op(".") {
                        return Err(self.error_here("invalid syntax"));
                    }
                    while self.eat_op(".") {
                        let attr = self.name()?;
                        e = Expr {
                            loc: kstart.to(self.prev_end()),
                            kind: ExprKind::Attribute(Box::new(e), attr, Ctx::Load),
                        };
                    }
                    e
                }
                _ => return Err(self.error_here("invalid syntax")),
            };
            self.expect_op(":")?;
            keys.push(key);
            pats.push(self.pattern()?);
            if !self.eat_op(",") {
                break;
            }
        }
        self.expect_op("}")?;
        Ok(self.mkp(start, PatternKind::Mapping(keys, pats, rest)))
    }

    fn class_pattern(&mut self, start: Loc, cls: Expr) -> PResult<Pattern> {
        self.advance();
        let mut pats = Vec::new();
        let mut kw_names = Vec::new();
        let mut kw_pats = Vec::new();
        while !self.at_op(")") {
            if matches!(self.tok(), Tok::Name(_)) && self.peek_op(1, "=") {
                let n = self.name()?;
                self.advance();
                kw_names.push(n);
                kw_pats.push(self.pattern()?);
            } else {
                let p = self.pattern()?;
                if !kw_names.is_empty() {
                    return Err(
                        self.error_at_loc("positional patterns follow keyword patterns", p.loc)
                    );
                }
                pats.push(p);
            }
            if !self.eat_op(",") {
                break;
            }
        }
        self.expect_op(")")?;
        Ok(self.mkp(start, PatternKind::Class(cls, pats, kw_names, kw_pats)))
    }
}
