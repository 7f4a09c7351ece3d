//! The parser: tokens to an AST, by recursive descent over CPython 3.11's
//! grammar. This file has the token cursor and the statements; the
//! expressions are in parser_expr.rs and literals in strings.rs.

use super::ast::*;
use super::tokenizer::{Tok, Token};
use super::{CompileError, ErrorKind};

pub type PResult<T> = Result<T, CompileError>;

const KEYWORDS: [&str; 35] = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

pub struct Parser {
    toks: Vec<Token>,
    pos: usize,
    /// Whether an invalid assignment target gets the "Maybe you meant
    /// '=='" hint (a single `target = value`).
    pub assign_hint: bool,
    /// The farthest token index the cursor reached (codeop's "incomplete
    /// input" test: did the parse fail at the end of the source?).
    far: usize,
    /// Nesting of the recursive expression rules, counted as pegen counts
    /// its rule levels (see [`Parser::enter`]).
    depth: u32,
}

/// pegen's MAXSTACK (6000) less the levels it spends above the first
/// expression: deeper source raises MemoryError in CPython 3.11.
const MAX_DEPTH: u32 = 5978;

impl Parser {
    pub fn new(toks: Vec<Token>) -> Parser {
        Parser {
            toks,
            pos: 0,
            assign_hint: true,
            far: 0,
            depth: 0,
        }
    }

    /// Take `n` levels of the parser's stack (a recursive rule: unary
    /// operators, `not`, `**`, conditional expressions, lambdas): past
    /// pegen's limit, or near the end of the native stack, the source is
    /// too deep (MemoryError). Undone by [`Parser::leave`].
    pub(crate) fn enter(&mut self, n: u32) -> PResult<()> {
        self.depth += n;
        if self.depth > MAX_DEPTH || crate::vm::stack_guard::exhausted() {
            self.depth -= n;
            return Err(CompileError::memory());
        }
        Ok(())
    }

    pub(crate) fn leave(&mut self, n: u32) {
        self.depth = self.depth.saturating_sub(n);
    }

    // ---- the token cursor ----

    /// Index of the current token.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Move the cursor back to a saved position (backtracking).
    pub fn set_position(&mut self, pos: usize) {
        self.pos = pos.min(self.toks.len());
        self.far = self.far.max(self.pos);
    }

    /// The farthest token index the cursor has reached.
    pub fn farthest(&self) -> usize {
        self.far.max(self.pos)
    }

    pub fn tok(&self) -> &Tok {
        self.toks
            .get(self.pos)
            .or(self.toks.last())
            .map(|t| &t.tok)
            .unwrap_or(&Tok::EndMarker)
    }
    pub(crate) fn token(&self, i: usize) -> Option<&Token> {
        self.toks.get(i).or(self.toks.last())
    }
    pub fn advance(&mut self) {
        if self.pos < self.toks.len() {
            self.pos += 1;
            self.far = self.far.max(self.pos);
        }
    }
    /// The start of the current token as a zero-width span.
    pub fn loc(&self) -> Loc {
        match self.token(self.pos) {
            Some(t) => Loc {
                line: t.line,
                col: t.col,
                end_line: t.end_line,
                end_col: t.end_col,
            },
            None => Loc::default(),
        }
    }
    /// The end of the last consumed token.
    pub fn prev_end(&self) -> Loc {
        match self.pos.checked_sub(1).and_then(|i| self.toks.get(i)) {
            Some(t) => Loc {
                line: t.line,
                col: t.col,
                end_line: t.end_line,
                end_col: t.end_col,
            },
            None => self.loc(),
        }
    }
    pub fn at_op(&self, op: &str) -> bool {
        matches!(self.tok(), Tok::Op(o) if *o == op)
    }
    pub fn peek_op(&self, n: usize, op: &str) -> bool {
        matches!(self.toks.get(self.pos + n).map(|t| &t.tok), Some(Tok::Op(o)) if *o == op)
    }
    pub fn at_kw(&self, kw: &str) -> bool {
        matches!(self.tok(), Tok::Name(n) if n == kw)
    }
    pub fn peek_kw(&self, n: usize, kw: &str) -> bool {
        matches!(self.toks.get(self.pos + n).map(|t| &t.tok), Some(Tok::Name(s)) if s == kw)
    }
    pub fn eat_op(&mut self, op: &str) -> bool {
        if self.at_op(op) {
            self.advance();
            true
        } else {
            false
        }
    }
    pub fn expect_op(&mut self, op: &str) -> PResult<()> {
        if self.eat_op(op) {
            Ok(())
        } else if op == ":" {
            Err(self.error_here("expected ':'"))
        } else {
            Err(self.error_here("invalid syntax"))
        }
    }
    pub fn expect_kw(&mut self, kw: &str) -> PResult<()> {
        if self.at_kw(kw) {
            self.advance();
            Ok(())
        } else {
            Err(self.error_here("invalid syntax"))
        }
    }
    pub fn name(&mut self) -> PResult<String> {
        match self.tok() {
            Tok::Name(n) if !is_keyword(n) => {
                let n = n.clone();
                self.advance();
                Ok(n)
            }
            _ => Err(self.error_here("invalid syntax")),
        }
    }
    pub fn error_here(&self, msg: &str) -> CompileError {
        let l = self.loc();
        let mut e = CompileError::syntax(msg, l.line, l.col + 1);
        e.end_line = l.end_line;
        // A NEWLINE token's error range is empty.
        e.end_offset = if matches!(self.tok(), Tok::Newline) {
            l.col + 1
        } else {
            l.end_col + 1
        };
        e
    }
    pub fn error_at_loc(&self, msg: &str, l: Loc) -> CompileError {
        let mut e = CompileError::syntax(msg, l.line, l.col + 1);
        e.end_line = l.end_line;
        e.end_offset = l.end_col + 1;
        e
    }

    /// IndentationError at an INDENT token (offset: the indent width).
    fn unexpected_indent(&self) -> CompileError {
        let t = self.token(self.pos);
        let (line, width) = t.map(|t| (t.line, t.end_col)).unwrap_or((0, 0));
        let mut e = CompileError::syntax("unexpected indent", line, width);
        e.kind = ErrorKind::Indentation;
        // An INDENT token has no end column: end_offset -1.
        e.end_line = line;
        e.at_next_token = true;
        e
    }

    /// An error at the last NEWLINE token before the current one.
    pub fn error_at_last_newline(&self, msg: &str) -> CompileError {
        let mut i = self.pos;
        while i > 0 {
            i -= 1;
            if let Some(t) = self.toks.get(i) {
                if t.tok == Tok::Newline {
                    return CompileError::syntax(msg, t.line, t.col + 1);
                }
            }
        }
        self.error_here(msg)
    }

    // ---- entry points ----

    /// `file`: statements up to the end marker.
    pub fn parse_module(&mut self) -> PResult<Vec<Stmt>> {
        // pegen's levels above a statement's expression (see `enter`).
        self.enter(6)?;
        let r = self.module_statements();
        self.leave(6);
        r
    }

    fn module_statements(&mut self) -> PResult<Vec<Stmt>> {
        let mut body = Vec::new();
        while !matches!(self.tok(), Tok::EndMarker) {
            if matches!(self.tok(), Tok::Newline) {
                self.advance();
                continue;
            }
            if matches!(self.tok(), Tok::Indent) {
                return Err(self.unexpected_indent());
            }
            body.extend(self.statement()?);
        }
        Ok(body)
    }

    /// `eval`: one expression list, then only newlines.
    pub fn parse_eval(&mut self) -> PResult<Expr> {
        while matches!(self.tok(), Tok::Newline) {
            self.advance();
        }
        if matches!(self.tok(), Tok::Indent) {
            return Err(self.unexpected_indent());
        }
        if matches!(self.tok(), Tok::EndMarker) {
            // CPython reports an empty eval source at line 0.
            return Err(CompileError::syntax("invalid syntax", 0, 0));
        }
        let e = self.expressions()?;
        while matches!(self.tok(), Tok::Newline) {
            self.advance();
        }
        if !matches!(self.tok(), Tok::EndMarker) {
            return Err(self.error_here("invalid syntax"));
        }
        Ok(e)
    }

    // ---- statements ----

    /// One statement (a line of simple statements gives several).
    pub fn statement(&mut self) -> PResult<Vec<Stmt>> {
        let Tok::Name(n) = self.tok().clone() else {
            return self.simple_stmts();
        };
        let start = self.loc();
        let kind = match n.as_str() {
            "if" => self.if_stmt()?,
            "while" => self.while_stmt()?,
            "for" => self.for_stmt(false)?,
            "try" => self.try_stmt()?,
            "with" => self.with_stmt(false)?,
            "def" => self.funcdef(Vec::new(), false)?,
            "class" => self.classdef(Vec::new())?,
            "async" if self.peek_kw(1, "def") => {
                self.advance();
                self.funcdef(Vec::new(), true)?
            }
            "async" if self.peek_kw(1, "for") => {
                self.advance();
                self.for_stmt(true)?
            }
            "async" if self.peek_kw(1, "with") => {
                self.advance();
                self.with_stmt(true)?
            }
            "match" if self.is_match_stmt() => self.match_stmt()?,
            _ => return self.simple_stmts(),
        };
        Ok(vec![Stmt {
            loc: start.to(self.prev_end_stmt()),
            kind,
        }])
    }

    /// The end of a compound statement: the last token before the
    /// NEWLINE/DEDENT run that closed it.
    fn prev_end_stmt(&self) -> Loc {
        let mut i = self.pos;
        while i > 0 {
            i -= 1;
            match self.toks.get(i).map(|t| &t.tok) {
                Some(Tok::Newline | Tok::Dedent | Tok::Indent) => continue,
                _ => break,
            }
        }
        match self.toks.get(i) {
            Some(t) => Loc {
                line: t.line,
                col: t.col,
                end_line: t.end_line,
                end_col: t.end_col,
            },
            None => self.loc(),
        }
    }

    fn simple_stmts(&mut self) -> PResult<Vec<Stmt>> {
        if self.at_op("@") {
            return Ok(vec![self.decorated()?]);
        }
        let mut v = Vec::new();
        loop {
            v.push(self.simple_stmt()?);
            if !self.eat_op(";") {
                break;
            }
            if matches!(self.tok(), Tok::Newline) {
                break;
            }
        }
        if !matches!(self.tok(), Tok::Newline) {
            return Err(self.error_here("invalid syntax"));
        }
        self.advance();
        Ok(v)
    }

    fn decorated(&mut self) -> PResult<Stmt> {
        let start = self.loc();
        let mut decorators = Vec::new();
        while self.eat_op("@") {
            decorators.push(self.named_expression()?);
            if !matches!(self.tok(), Tok::Newline) {
                return Err(self.error_here("invalid syntax"));
            }
            self.advance();
        }
        let kind = if self.at_kw("def") {
            self.funcdef(decorators, false)?
        } else if self.at_kw("async") && self.peek_kw(1, "def") {
            self.advance();
            self.funcdef(decorators, true)?
        } else if self.at_kw("class") {
            self.classdef(decorators)?
        } else {
            return Err(self.error_here("invalid syntax"));
        };
        Ok(Stmt {
            loc: start.to(self.prev_end_stmt()),
            kind,
        })
    }

    fn simple_stmt(&mut self) -> PResult<Stmt> {
        let start = self.loc();
        let kind = match self.tok().clone() {
            Tok::Name(n) => match n.as_str() {
                "pass" => {
                    self.advance();
                    StmtKind::Pass
                }
                "break" => {
                    self.advance();
                    StmtKind::Break
                }
                "continue" => {
                    self.advance();
                    StmtKind::Continue
                }
                "return" => {
                    self.advance();
                    let v = if self.starts_expr() {
                        Some(self.star_expressions()?)
                    } else {
                        None
                    };
                    StmtKind::Return(v)
                }
                "raise" => {
                    self.advance();
                    if self.starts_expr() {
                        let e = self.expression()?;
                        let cause = if self.at_kw("from") {
                            self.advance();
                            Some(self.expression()?)
                        } else {
                            None
                        };
                        StmtKind::Raise(Some(e), cause)
                    } else {
                        StmtKind::Raise(None, None)
                    }
                }
                "global" | "nonlocal" => {
                    self.advance();
                    let mut names = vec![self.name()?];
                    while self.eat_op(",") {
                        names.push(self.name()?);
                    }
                    if n == "global" {
                        StmtKind::Global(names)
                    } else {
                        StmtKind::Nonlocal(names)
                    }
                }
                "del" => {
                    self.advance();
                    let mut targets = Vec::new();
                    loop {
                        if self.at_op("*") {
                            // invalid_del_stmt: `del *a`.
                            let start = self.loc();
                            self.advance();
                            if self.bitwise_or().is_err() {
                                return Err(self.error_at_loc("invalid syntax", start));
                            }
                            let l = start.to(self.prev_end());
                            return Err(self.error_at_loc("cannot delete starred", l));
                        }
                        let e = self.bitwise_or()?;
                        targets.push(self.to_ctx(e, Ctx::Del)?);
                        if !self.eat_op(",")
                            || matches!(self.tok(), Tok::Newline)
                            || self.at_op(";")
                        {
                            break;
                        }
                    }
                    StmtKind::Delete(targets)
                }
                "assert" => {
                    self.advance();
                    let test = self.expression()?;
                    let msg = if self.eat_op(",") {
                        Some(self.expression()?)
                    } else {
                        None
                    };
                    StmtKind::Assert(test, msg)
                }
                "import" => self.import_stmt()?,
                "from" => self.import_from_stmt()?,
                _ => self.expr_stmt()?,
            },
            _ => self.expr_stmt()?,
        };
        Ok(Stmt {
            loc: start.to(self.prev_end()),
            kind,
        })
    }

    fn dotted_name(&mut self) -> PResult<String> {
        let mut s = self.name()?;
        while self.eat_op(".") {
            s.push('.');
            s.push_str(&self.name()?);
        }
        Ok(s)
    }

    fn import_stmt(&mut self) -> PResult<StmtKind> {
        self.advance();
        let mut names = Vec::new();
        loop {
            let start = self.loc();
            let name = self.dotted_name()?;
            let asname = if self.at_kw("as") {
                self.advance();
                Some(self.name()?)
            } else {
                None
            };
            names.push(Alias {
                name,
                asname,
                loc: start.to(self.prev_end()),
            });
            if !self.eat_op(",") {
                break;
            }
        }
        Ok(StmtKind::Import(names))
    }

    fn import_from_stmt(&mut self) -> PResult<StmtKind> {
        self.advance();
        let mut level = 0;
        loop {
            if self.eat_op(".") {
                level += 1;
            } else if self.eat_op("...") {
                level += 3;
            } else {
                break;
            }
        }
        let module = if self.at_kw("import") {
            None
        } else {
            Some(self.dotted_name()?)
        };
        self.expect_kw("import")?;
        let mut names = Vec::new();
        if self.at_op("*") {
            let start = self.loc();
            self.advance();
            names.push(Alias {
                name: "*".into(),
                asname: None,
                loc: start.to(self.prev_end()),
            });
            return Ok(StmtKind::ImportFrom(module, names, level));
        }
        let paren = self.eat_op("(");
        loop {
            let start = self.loc();
            let name = self.name()?;
            let asname = if self.at_kw("as") {
                self.advance();
                Some(self.name()?)
            } else {
                None
            };
            names.push(Alias {
                name,
                asname,
                loc: start.to(self.prev_end()),
            });
            if !self.eat_op(",") {
                break;
            }
            if paren && self.at_op(")") {
                break;
            }
            if !paren && matches!(self.tok(), Tok::Newline) {
                return Err(
                    self.error_here("trailing comma not allowed without surrounding parentheses")
                );
            }
        }
        if paren {
            self.expect_op(")")?;
        }
        Ok(StmtKind::ImportFrom(module, names, level))
    }

    /// Expression statements, assignments, augmented and annotated
    /// assignments.
    fn expr_stmt(&mut self) -> PResult<StmtKind> {
        // `print x` / `exec code`: the grammar's invalid_legacy_expression.
        if let Tok::Name(n) = self.tok().clone() {
            if (n == "print" || n == "exec") && !self.peek_op(1, "(") {
                let save = self.position();
                let a = self.loc();
                self.advance();
                if self.starts_expr()
                    && !matches!(self.tok(), Tok::Op("-" | "+" | "*" | "~" | "[" | "("))
                {
                    if let Ok(b) = self.star_expressions() {
                        return Err(self.error_at_loc(
                            &format!(
                                "Missing parentheses in call to '{n}'. Did you mean {n}(...)?"
                            ),
                            a.to(b.loc),
                        ));
                    }
                }
                self.set_position(save);
            }
        }
        let first = if self.at_kw("yield") {
            self.yield_expr()?
        } else {
            self.star_expressions()?
        };
        if self.at_op(":") {
            self.advance();
            let simple = matches!(first.kind, ExprKind::Name(..)) && !self.paren_before(first.loc);
            let target = match &first.kind {
                ExprKind::Name(..) | ExprKind::Attribute(..) | ExprKind::Subscript(..) => {
                    self.to_store(first)?
                }
                ExprKind::Tuple(..) => {
                    return Err(self.error_at_loc(
                        "only single target (not tuple) can be annotated",
                        first.loc,
                    ))
                }
                ExprKind::List(..) => {
                    return Err(self
                        .error_at_loc("only single target (not list) can be annotated", first.loc))
                }
                _ => return Err(self.error_at_loc("illegal target for annotation", first.loc)),
            };
            let ann = self.expression()?;
            let value = if self.eat_op("=") {
                Some(if self.at_kw("yield") {
                    self.yield_expr()?
                } else {
                    self.star_expressions()?
                })
            } else {
                None
            };
            return Ok(StmtKind::AnnAssign(target, ann, value, simple));
        }
        if let Tok::Op(op) = self.tok() {
            let aug = match *op {
                "+=" => Some(BinOp::Add),
                "-=" => Some(BinOp::Sub),
                "*=" => Some(BinOp::Mult),
                "/=" => Some(BinOp::Div),
                "//=" => Some(BinOp::FloorDiv),
                "%=" => Some(BinOp::Mod),
                "**=" => Some(BinOp::Pow),
                "<<=" => Some(BinOp::LShift),
                ">>=" => Some(BinOp::RShift),
                "&=" => Some(BinOp::BitAnd),
                "|=" => Some(BinOp::BitOr),
                "^=" => Some(BinOp::BitXor),
                "@=" => Some(BinOp::MatMult),
                _ => None,
            };
            if let Some(op) = aug {
                let target = match &first.kind {
                    ExprKind::Name(..) | ExprKind::Attribute(..) | ExprKind::Subscript(..) => {
                        self.to_store(first)?
                    }
                    _ => {
                        return Err(self.error_at_loc(
                            &format!(
                                "'{}' is an illegal expression for augmented assignment",
                                super::parser_expr::describe(&first)
                            ),
                            first.loc,
                        ))
                    }
                };
                self.advance();
                let value = if self.at_kw("yield") {
                    self.yield_expr()?
                } else {
                    self.star_expressions()?
                };
                return Ok(StmtKind::AugAssign(target, op, value));
            }
        }
        if !self.at_op("=") {
            if let ExprKind::Starred(..) = first.kind {
                return Err(self.error_at_loc("can't use starred expression here", first.loc));
            }
            return Ok(StmtKind::Expr(first));
        }
        let mut exprs = vec![first];
        while self.eat_op("=") {
            exprs.push(if self.at_kw("yield") {
                self.yield_expr()?
            } else {
                self.star_expressions()?
            });
        }
        let value = exprs
            .pop()
            .ok_or_else(|| self.error_here("invalid syntax"))?;
        self.assign_hint = exprs.len() == 1;
        let targets = exprs
            .into_iter()
            .map(|t| self.to_store(t))
            .collect::<PResult<Vec<_>>>();
        self.assign_hint = true;
        Ok(StmtKind::Assign(targets?, value))
    }

    /// Whether the token before the span `l` is an opening parenthesis
    /// (a parenthesized annotated target is not "simple").
    fn paren_before(&self, l: Loc) -> bool {
        self.toks
            .iter()
            .position(|t| t.line == l.line && t.col == l.col)
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| self.toks.get(i))
            .is_some_and(|t| t.tok == Tok::Op("("))
    }

    /// A block after `:`: an indented suite or simple statements on the
    /// same line. `what` names the statement for the indentation error.
    pub fn block(&mut self, what: &str, line: u32) -> PResult<Vec<Stmt>> {
        // pegen's levels for a nested block (see `enter`).
        self.enter(6)?;
        let r = self.block_statements(what, line);
        self.leave(6);
        r
    }

    fn block_statements(&mut self, what: &str, line: u32) -> PResult<Vec<Stmt>> {
        self.expect_op(":")?;
        if !matches!(self.tok(), Tok::Newline) {
            return self.simple_stmts();
        }
        self.advance();
        if !matches!(self.tok(), Tok::Indent) {
            let mut e = self.error_here(&format!(
                "expected an indented block after {what} on line {line}"
            ));
            e.kind = ErrorKind::Indentation;
            return Err(e);
        }
        self.advance();
        let mut body = Vec::new();
        while !matches!(self.tok(), Tok::Dedent | Tok::EndMarker) {
            if matches!(self.tok(), Tok::Indent) {
                return Err(self.unexpected_indent());
            }
            body.extend(self.statement()?);
        }
        if matches!(self.tok(), Tok::Dedent) {
            self.advance();
        }
        Ok(body)
    }

    fn if_stmt(&mut self) -> PResult<StmtKind> {
        let line = self.loc().line;
        self.advance();
        let test = self.named_expression()?;
        let body = self.block("'if' statement", line)?;
        let orelse = self.else_part(true)?;
        Ok(StmtKind::If(test, body, orelse))
    }

    /// `elif ...` (as a nested If) or `else: ...` or nothing.
    fn else_part(&mut self, allow_elif: bool) -> PResult<Vec<Stmt>> {
        if allow_elif && self.at_kw("elif") {
            let start = self.loc();
            let line = start.line;
            self.advance();
            let test = self.named_expression()?;
            let body = self.block("'elif' statement", line)?;
            self.enter(1)?;
            let orelse = self.else_part(true);
            self.leave(1);
            let orelse = orelse?;
            return Ok(vec![Stmt {
                loc: start.to(self.prev_end_stmt()),
                kind: StmtKind::If(test, body, orelse),
            }]);
        }
        if self.at_kw("else") {
            let line = self.loc().line;
            self.advance();
            return self.block("'else' statement", line);
        }
        Ok(Vec::new())
    }

    fn while_stmt(&mut self) -> PResult<StmtKind> {
        let line = self.loc().line;
        self.advance();
        let test = self.named_expression()?;
        let body = self.block("'while' statement", line)?;
        let orelse = self.else_part(false)?;
        Ok(StmtKind::While(test, body, orelse))
    }

    fn for_stmt(&mut self, is_async: bool) -> PResult<StmtKind> {
        let line = self.loc().line;
        self.advance();
        let target = self.target_list("in")?;
        self.expect_kw("in")?;
        let iter = self.star_expressions()?;
        let body = self.block("'for' statement", line)?;
        let orelse = self.else_part(false)?;
        Ok(StmtKind::For(target, iter, body, orelse, is_async))
    }

    fn try_stmt(&mut self) -> PResult<StmtKind> {
        let line = self.loc().line;
        self.advance();
        let body = self.block("'try' statement", line)?;
        let mut handlers = Vec::new();
        let mut star = false;
        while self.at_kw("except") {
            let start = self.loc();
            self.advance();
            let star_loc = self.loc();
            let this_star = self.eat_op("*");
            if handlers.is_empty() {
                star = this_star;
            }
            // invalid_try_stmt: `except` and `except*` mixed.
            let mixed =
                (this_star != star).then(|| if this_star { start.to(star_loc) } else { start });
            let (typ, name) = if self.at_op(":") {
                (None, None)
            } else {
                let t = self.expression()?;
                let t = if self.at_op(",") {
                    let mut items = vec![t];
                    while self.eat_op(",") {
                        if self.at_op(":") {
                            break;
                        }
                        items.push(self.expression()?);
                    }
                    return Err(self.error_at_loc(
                        "multiple exception types must be parenthesized",
                        items[0].loc,
                    ));
                } else {
                    t
                };
                let name = if self.at_kw("as") {
                    self.advance();
                    Some(self.name()?)
                } else {
                    None
                };
                (Some(t), name)
            };
            if let (Some(l), true) = (mixed, self.at_op(":")) {
                return Err(self.error_at_loc(
                    "cannot have both 'except' and 'except*' on the same 'try'",
                    l,
                ));
            }
            let hbody = self.block("'except' statement", start.line)?;
            handlers.push(ExceptHandler {
                typ,
                name,
                body: hbody,
                loc: start.to(self.prev_end_stmt()),
            });
        }
        let orelse = if !handlers.is_empty() && self.at_kw("else") {
            let l = self.loc().line;
            self.advance();
            self.block("'else' statement", l)?
        } else {
            Vec::new()
        };
        let finalbody = if self.at_kw("finally") {
            let l = self.loc().line;
            self.advance();
            self.block("'finally' statement", l)?
        } else {
            Vec::new()
        };
        if handlers.is_empty() && finalbody.is_empty() {
            return Err(self.error_at_last_newline("expected 'except' or 'finally' block"));
        }
        Ok(StmtKind::Try(body, handlers, orelse, finalbody, star))
    }

    fn with_stmt(&mut self, is_async: bool) -> PResult<StmtKind> {
        let line = self.loc().line;
        self.advance();
        let mut items = Vec::new();
        // A parenthesized item list: `with (a as b, c):`.
        let save = self.pos;
        if self.eat_op("(") {
            let ok = (|| -> PResult<Vec<WithItem>> {
                let mut items = Vec::new();
                loop {
                    items.push(self.with_item()?);
                    if !self.eat_op(",") || self.at_op(")") {
                        break;
                    }
                }
                self.expect_op(")")?;
                if !self.at_op(":") {
                    return Err(self.error_here("invalid syntax"));
                }
                Ok(items)
            })();
            match ok {
                Ok(v) => items = v,
                Err(_) => self.pos = save,
            }
        }
        if items.is_empty() {
            loop {
                items.push(self.with_item()?);
                if !self.eat_op(",") {
                    break;
                }
            }
        }
        let body = self.block("'with' statement", line)?;
        Ok(StmtKind::With(items, body, is_async))
    }

    fn with_item(&mut self) -> PResult<WithItem> {
        let context = self.expression()?;
        let vars = if self.at_kw("as") {
            self.advance();
            let t = self.target_list_until_colon()?;
            Some(t)
        } else {
            None
        };
        Ok(WithItem { context, vars })
    }

    fn target_list_until_colon(&mut self) -> PResult<Expr> {
        let e = self.bitwise_or()?;
        self.to_store(e)
    }

    fn funcdef(&mut self, decorators: Vec<Expr>, is_async: bool) -> PResult<StmtKind> {
        let line = self.loc().line;
        self.advance();
        let name = self.name()?;
        self.expect_op("(")?;
        let args = self.parameters(")", true)?;
        self.expect_op(")")?;
        let returns = if self.eat_op("->") {
            Some(self.expression()?)
        } else {
            None
        };
        let body = self.block("function definition", line)?;
        Ok(StmtKind::FunctionDef(Box::new(FunctionDef {
            name,
            args,
            body,
            decorators,
            returns,
            is_async,
        })))
    }

    fn classdef(&mut self, decorators: Vec<Expr>) -> PResult<StmtKind> {
        let line = self.loc().line;
        self.advance();
        let name = self.name()?;
        let (bases, keywords) = if self.at_op("(") {
            self.primary_call_args()?
        } else {
            (Vec::new(), Vec::new())
        };
        let body = self.block("class definition", line)?;
        Ok(StmtKind::ClassDef(Box::new(ClassDef {
            name,
            bases,
            keywords,
            body,
            decorators,
        })))
    }

    /// `(args)` as in a call, for class bases.
    fn primary_call_args(&mut self) -> PResult<(Vec<Expr>, Vec<Keyword>)> {
        self.advance();
        let r = self.call_args()?;
        self.expect_op(")")?;
        Ok(r)
    }
}
