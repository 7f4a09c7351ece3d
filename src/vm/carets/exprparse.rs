//! A small parser for one line of Python source, enough to find what
//! CPython 3.11's `extract_anchors_from_line` finds with the real parser:
//! whether the segment is a single expression statement whose expression
//! is a binary operation (and where its operands end and start) or a
//! subscript (where the value and the slice end). Offsets are byte offsets
//! into the segment, as in CPython's AST. Anything it does not understand
//! is an error, so callers fall back to plain carets.

/// What the top-level expression is, with the AST offsets the caret
/// anchors need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `left.end_col_offset`, `right.col_offset`.
    BinOp {
        left_end: usize,
        right_start: usize,
    },
    /// `value.end_col_offset`, `slice.end_col_offset`.
    Subscript {
        value_end: usize,
        slice_end: usize,
    },
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Name,
    Number,
    Str,
    Op,
    End,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Tok,
    start: usize,
    end: usize,
}

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

const OPS3: &[&str] = &["**=", "//=", ">>=", "<<=", "..."];
const OPS2: &[&str] = &[
    "!=", "==", "<=", ">=", "->", ":=", "**", "//", "<<", ">>", "+=", "-=", "*=", "/=", "%=", "&=",
    "|=", "^=", "@=",
];
const OPS1: &[u8] = b"+-*/%@&|^~<>()[]{},:.;=";

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_name_char(b: u8) -> bool {
    is_name_start(b) || b.is_ascii_digit()
}

fn tokenize(s: &[u8]) -> Option<Vec<Token>> {
    let mut toks = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if matches!(b, b' ' | b'\t' | b'\x0c') {
            i += 1;
            continue;
        }
        if b == b'#' {
            break;
        }
        if b == b'\\' || b == b'\n' || b == b'\r' {
            // A continuation or a second line: not a one-line statement.
            return None;
        }
        let start = i;
        if is_name_start(b) {
            while i < s.len() && is_name_char(s[i]) {
                i += 1;
            }
            let word = &s[start..i];
            let is_prefix = word.len() <= 2
                && word.iter().all(|c| b"rRbBuUfF".contains(c))
                && !(word.len() == 2 && word.iter().any(|c| b"uU".contains(c)));
            if is_prefix && i < s.len() && (s[i] == b'"' || s[i] == b'\'') {
                i = scan_string(s, i)?;
                toks.push(Token {
                    kind: Tok::Str,
                    start,
                    end: i,
                });
            } else {
                toks.push(Token {
                    kind: Tok::Name,
                    start,
                    end: i,
                });
            }
            continue;
        }
        if b == b'"' || b == b'\'' {
            i = scan_string(s, i)?;
            toks.push(Token {
                kind: Tok::Str,
                start,
                end: i,
            });
            continue;
        }
        if b.is_ascii_digit() || (b == b'.' && s.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            i = scan_number(s, i);
            toks.push(Token {
                kind: Tok::Number,
                start,
                end: i,
            });
            continue;
        }
        let rest = &s[i..];
        let len = if OPS3.iter().any(|o| rest.starts_with(o.as_bytes())) {
            3
        } else if OPS2.iter().any(|o| rest.starts_with(o.as_bytes())) {
            2
        } else if OPS1.contains(&b) {
            1
        } else {
            return None;
        };
        i += len;
        toks.push(Token {
            kind: Tok::Op,
            start,
            end: i,
        });
    }
    toks.push(Token {
        kind: Tok::End,
        start: s.len(),
        end: s.len(),
    });
    Some(toks)
}

/// The end of the string literal whose quote is at `i`.
fn scan_string(s: &[u8], mut i: usize) -> Option<usize> {
    let q = s[i];
    let triple = s.get(i + 1) == Some(&q) && s.get(i + 2) == Some(&q);
    if triple {
        i += 3;
        loop {
            match s.get(i)? {
                b'\\' => i += 2,
                &c if c == q && s.get(i + 1) == Some(&q) && s.get(i + 2) == Some(&q) => {
                    return Some(i + 3)
                }
                _ => i += 1,
            }
        }
    }
    i += 1;
    loop {
        match s.get(i)? {
            b'\\' => i += 2,
            b'\n' | b'\r' => return None,
            &c if c == q => return Some(i + 1),
            _ => i += 1,
        }
    }
}

fn scan_number(s: &[u8], mut i: usize) -> usize {
    let hex = s.get(i) == Some(&b'0') && matches!(s.get(i + 1), Some(b'x' | b'X'));
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
            i += 1;
            if !hex && (c == b'e' || c == b'E') && matches!(s.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
        } else {
            break;
        }
    }
    i
}

/// A parsed expression: the AST node's offsets, the extent of its tokens
/// (which include enclosing parentheses), and its kind.
#[derive(Clone, Copy, Debug)]
struct P {
    node_start: usize,
    node_end: usize,
    tok_start: usize,
    tok_end: usize,
    kind: Kind,
}

impl P {
    /// A node spanning its tokens from `first` to `last`.
    fn span(first: &P, last: &P, kind: Kind) -> P {
        P {
            node_start: first.tok_start,
            node_end: last.tok_end,
            tok_start: first.tok_start,
            tok_end: last.tok_end,
            kind,
        }
    }

    fn tokens(start: usize, end: usize) -> P {
        P {
            node_start: start,
            node_end: end,
            tok_start: start,
            tok_end: end,
            kind: Kind::Other,
        }
    }
}

struct Parser<'a> {
    src: &'a [u8],
    toks: Vec<Token>,
    pos: usize,
}

type R = Option<P>;

impl<'a> Parser<'a> {
    fn peek(&self) -> Token {
        self.toks.get(self.pos).copied().unwrap_or(Token {
            kind: Tok::End,
            start: self.src.len(),
            end: self.src.len(),
        })
    }

    fn peek_at(&self, n: usize) -> Token {
        self.toks.get(self.pos + n).copied().unwrap_or(Token {
            kind: Tok::End,
            start: self.src.len(),
            end: self.src.len(),
        })
    }

    fn text(&self, t: Token) -> &'a [u8] {
        self.src.get(t.start..t.end).unwrap_or(b"")
    }

    fn is(&self, t: Token, s: &str) -> bool {
        matches!(t.kind, Tok::Op | Tok::Name) && self.text(t) == s.as_bytes()
    }

    fn at(&self, s: &str) -> bool {
        self.is(self.peek(), s)
    }

    fn eat(&mut self, s: &str) -> Option<Token> {
        let t = self.peek();
        if self.is(t, s) {
            self.pos += 1;
            Some(t)
        } else {
            None
        }
    }

    fn expect(&mut self, s: &str) -> Option<Token> {
        self.eat(s)
    }

    fn is_keyword(&self, t: Token) -> bool {
        t.kind == Tok::Name && KEYWORDS.iter().any(|k| k.as_bytes() == self.text(t))
    }

    /// A statement that is one expression (optionally followed by `;`).
    fn expr_statement(&mut self) -> R {
        let e = self.star_expressions()?;
        self.eat(";");
        if self.peek().kind == Tok::End {
            Some(e)
        } else {
            None
        }
    }

    fn star_expressions(&mut self) -> R {
        let first = self.star_expression()?;
        if !self.at(",") {
            return Some(first);
        }
        let mut last_end = first.tok_end;
        while let Some(c) = self.eat(",") {
            last_end = c.end;
            if self.starts_expression() {
                let e = self.star_expression()?;
                last_end = e.tok_end;
            } else {
                break;
            }
        }
        Some(P::tokens(first.tok_start, last_end))
    }

    /// Whether the next token can start an expression.
    fn starts_expression(&self) -> bool {
        let t = self.peek();
        match t.kind {
            Tok::Number | Tok::Str => true,
            Tok::Name => {
                !self.is_keyword(t)
                    || ["not", "lambda", "await", "None", "True", "False"]
                        .iter()
                        .any(|k| self.is(t, k))
            }
            Tok::Op => ["(", "[", "{", "-", "+", "~", "*", "..."]
                .iter()
                .any(|k| self.is(t, k)),
            Tok::End => false,
        }
    }

    fn star_expression(&mut self) -> R {
        if let Some(s) = self.eat("*") {
            let e = self.bitwise_or()?;
            return Some(P::tokens(s.start, e.tok_end));
        }
        self.named_expression()
    }

    fn named_expression(&mut self) -> R {
        let t = self.peek();
        if t.kind == Tok::Name && !self.is_keyword(t) && self.is(self.peek_at(1), ":=") {
            self.pos += 2;
            let e = self.expression()?;
            return Some(P::tokens(t.start, e.tok_end));
        }
        self.expression()
    }

    fn expression(&mut self) -> R {
        if self.at("lambda") {
            return self.lambdef();
        }
        let body = self.disjunction()?;
        if self.eat("if").is_some() {
            self.disjunction()?;
            self.expect("else")?;
            let orelse = self.expression()?;
            return Some(P::span(&body, &orelse, Kind::Other));
        }
        Some(body)
    }

    fn lambdef(&mut self) -> R {
        let start = self.expect("lambda")?;
        let mut depth = 0usize;
        loop {
            let t = self.peek();
            if t.kind == Tok::End {
                return None;
            }
            if depth == 0 && self.is(t, ":") {
                break;
            }
            if ["(", "[", "{"].iter().any(|k| self.is(t, k)) {
                depth += 1;
            } else if [")", "]", "}"].iter().any(|k| self.is(t, k)) {
                depth = depth.checked_sub(1)?;
            }
            self.pos += 1;
        }
        self.expect(":")?;
        let body = self.expression()?;
        Some(P::tokens(start.start, body.tok_end))
    }

    fn disjunction(&mut self) -> R {
        let first = self.conjunction()?;
        let mut last = first;
        while self.eat("or").is_some() {
            last = self.conjunction()?;
        }
        Some(if last.tok_end == first.tok_end {
            first
        } else {
            P::span(&first, &last, Kind::Other)
        })
    }

    fn conjunction(&mut self) -> R {
        let first = self.inversion()?;
        let mut last = first;
        while self.eat("and").is_some() {
            last = self.inversion()?;
        }
        Some(if last.tok_end == first.tok_end {
            first
        } else {
            P::span(&first, &last, Kind::Other)
        })
    }

    fn inversion(&mut self) -> R {
        if let Some(t) = self.eat("not") {
            let e = self.inversion()?;
            return Some(P::tokens(t.start, e.tok_end));
        }
        self.comparison()
    }

    fn comparison_op(&mut self) -> bool {
        let t = self.peek();
        for op in ["==", "!=", "<", ">", "<=", ">=", "in"] {
            if self.is(t, op) {
                self.pos += 1;
                return true;
            }
        }
        if self.is(t, "not") && self.is(self.peek_at(1), "in") {
            self.pos += 2;
            return true;
        }
        if self.is(t, "is") {
            self.pos += 1;
            self.eat("not");
            return true;
        }
        false
    }

    fn comparison(&mut self) -> R {
        let first = self.bitwise_or()?;
        let mut last = first;
        while self.comparison_op() {
            last = self.bitwise_or()?;
        }
        Some(if last.tok_end == first.tok_end {
            first
        } else {
            P::span(&first, &last, Kind::Other)
        })
    }

    /// A left-associative binary level: `next (op next)*`.
    fn binary_level(&mut self, ops: &[&str], next: fn(&mut Self) -> R) -> R {
        let mut left = next(self)?;
        loop {
            let t = self.peek();
            if !ops.iter().any(|o| self.is(t, o)) {
                return Some(left);
            }
            self.pos += 1;
            let right = next(self)?;
            let kind = Kind::BinOp {
                left_end: left.node_end,
                right_start: right.node_start,
            };
            left = P::span(&left, &right, kind);
        }
    }

    fn bitwise_or(&mut self) -> R {
        self.binary_level(&["|"], Self::bitwise_xor)
    }

    fn bitwise_xor(&mut self) -> R {
        self.binary_level(&["^"], Self::bitwise_and)
    }

    fn bitwise_and(&mut self) -> R {
        self.binary_level(&["&"], Self::shift_expr)
    }

    fn shift_expr(&mut self) -> R {
        self.binary_level(&["<<", ">>"], Self::sum)
    }

    fn sum(&mut self) -> R {
        self.binary_level(&["+", "-"], Self::term)
    }

    fn term(&mut self) -> R {
        self.binary_level(&["*", "/", "//", "%", "@"], Self::factor)
    }

    fn factor(&mut self) -> R {
        let t = self.peek();
        if ["+", "-", "~"].iter().any(|o| self.is(t, o)) {
            self.pos += 1;
            let e = self.factor()?;
            return Some(P::tokens(t.start, e.tok_end));
        }
        self.power()
    }

    fn power(&mut self) -> R {
        let left = self.await_primary()?;
        if self.eat("**").is_some() {
            let right = self.factor()?;
            let kind = Kind::BinOp {
                left_end: left.node_end,
                right_start: right.node_start,
            };
            return Some(P::span(&left, &right, kind));
        }
        Some(left)
    }

    fn await_primary(&mut self) -> R {
        if let Some(t) = self.eat("await") {
            let e = self.primary()?;
            return Some(P::tokens(t.start, e.tok_end));
        }
        self.primary()
    }

    fn primary(&mut self) -> R {
        let mut e = self.atom()?;
        loop {
            if self.eat(".").is_some() {
                let n = self.peek();
                if n.kind != Tok::Name || self.is_keyword(n) {
                    return None;
                }
                self.pos += 1;
                e = P::tokens(e.tok_start, n.end);
            } else if self.at("(") {
                let close = self.call_args()?;
                e = P::tokens(e.tok_start, close);
            } else if self.eat("[").is_some() {
                let slice = self.slices()?;
                let close = self.expect("]")?;
                let kind = Kind::Subscript {
                    value_end: e.node_end,
                    slice_end: slice.node_end,
                };
                e = P {
                    node_start: e.tok_start,
                    node_end: close.end,
                    tok_start: e.tok_start,
                    tok_end: close.end,
                    kind,
                };
            } else {
                return Some(e);
            }
        }
    }

    /// `( args )`; returns the end of `)`.
    fn call_args(&mut self) -> Option<usize> {
        self.expect("(")?;
        if let Some(c) = self.eat(")") {
            return Some(c.end);
        }
        let mut count = 0;
        loop {
            if self.eat("*").is_some() || self.eat("**").is_some() {
                self.expression()?;
            } else if self.peek().kind == Tok::Name
                && !self.is_keyword(self.peek())
                && self.is(self.peek_at(1), "=")
            {
                self.pos += 2;
                self.expression()?;
            } else {
                self.named_expression()?;
                if self.at("for") || self.at("async") {
                    if count > 0 {
                        return None;
                    }
                    self.comp_for()?;
                    let c = self.expect(")")?;
                    return Some(c.end);
                }
            }
            count += 1;
            if self.eat(",").is_none() {
                break;
            }
            if self.at(")") {
                break;
            }
        }
        let c = self.expect(")")?;
        Some(c.end)
    }

    /// `for targets in disjunction (if disjunction)*`, repeated.
    fn comp_for(&mut self) -> Option<()> {
        let mut any = false;
        loop {
            self.eat("async");
            if self.eat("for").is_none() {
                return any.then_some(());
            }
            any = true;
            self.targets()?;
            self.expect("in")?;
            self.disjunction()?;
            while self.eat("if").is_some() {
                self.disjunction()?;
            }
            if !self.at("for") && !self.at("async") {
                return Some(());
            }
        }
    }

    fn targets(&mut self) -> Option<()> {
        loop {
            self.eat("*");
            self.bitwise_or()?;
            if self.eat(",").is_none() || self.at("in") {
                return Some(());
            }
        }
    }

    /// The inside of `[...]` after a value: one slice or a tuple of them.
    fn slices(&mut self) -> R {
        let first = self.slice()?;
        if !self.at(",") {
            return Some(first);
        }
        let mut last_end = first.tok_end;
        while let Some(c) = self.eat(",") {
            last_end = c.end;
            if self.at("]") {
                break;
            }
            let e = self.slice()?;
            last_end = e.tok_end;
        }
        Some(P::tokens(first.tok_start, last_end))
    }

    fn slice(&mut self) -> R {
        if self.at("*") {
            return self.star_expression();
        }
        let start = self.peek().start;
        let lower = if self.at(":") {
            None
        } else {
            Some(self.named_expression()?)
        };
        if !self.at(":") {
            return lower;
        }
        let mut end = self.expect(":")?.end;
        if !self.at(":") && !self.at("]") && !self.at(",") {
            end = self.expression()?.tok_end;
        }
        if let Some(c) = self.eat(":") {
            end = c.end;
            if !self.at("]") && !self.at(",") {
                end = self.expression()?.tok_end;
            }
        }
        Some(P::tokens(start, end))
    }

    fn atom(&mut self) -> R {
        let t = self.peek();
        match t.kind {
            Tok::Name => {
                if self.is_keyword(t) && !["None", "True", "False"].iter().any(|k| self.is(t, k)) {
                    return None;
                }
                self.pos += 1;
                Some(P::tokens(t.start, t.end))
            }
            Tok::Number => {
                self.pos += 1;
                Some(P::tokens(t.start, t.end))
            }
            Tok::Str => {
                let mut end = t.end;
                while self.peek().kind == Tok::Str {
                    end = self.peek().end;
                    self.pos += 1;
                }
                Some(P::tokens(t.start, end))
            }
            Tok::Op => {
                if self.eat("...").is_some() {
                    Some(P::tokens(t.start, t.end))
                } else if self.at("(") {
                    self.paren()
                } else if self.at("[") {
                    self.bracket()
                } else if self.at("{") {
                    self.brace()
                } else {
                    None
                }
            }
            Tok::End => None,
        }
    }

    /// `( ... )`: a group (the inner node), a tuple or a generator
    /// expression (the parentheses included).
    fn paren(&mut self) -> R {
        let open = self.expect("(")?;
        if let Some(c) = self.eat(")") {
            return Some(P::tokens(open.start, c.end));
        }
        if self.at("yield") {
            self.yield_expr()?;
            let c = self.expect(")")?;
            return Some(P::tokens(open.start, c.end));
        }
        let first = self.star_expression()?;
        if self.at("for") || self.at("async") {
            self.comp_for()?;
            let c = self.expect(")")?;
            return Some(P::tokens(open.start, c.end));
        }
        if self.at(",") {
            while self.eat(",").is_some() {
                if self.at(")") {
                    break;
                }
                self.star_expression()?;
            }
            let c = self.expect(")")?;
            return Some(P::tokens(open.start, c.end));
        }
        let c = self.expect(")")?;
        Some(P {
            node_start: first.node_start,
            node_end: first.node_end,
            tok_start: open.start,
            tok_end: c.end,
            kind: first.kind,
        })
    }

    fn yield_expr(&mut self) -> Option<()> {
        self.expect("yield")?;
        if self.eat("from").is_some() {
            self.expression()?;
        } else if self.starts_expression() {
            self.star_expressions()?;
        }
        Some(())
    }

    /// A list display or comprehension.
    fn bracket(&mut self) -> R {
        let open = self.expect("[")?;
        if let Some(c) = self.eat("]") {
            return Some(P::tokens(open.start, c.end));
        }
        self.star_expression()?;
        if self.at("for") || self.at("async") {
            self.comp_for()?;
        } else {
            while self.eat(",").is_some() {
                if self.at("]") {
                    break;
                }
                self.star_expression()?;
            }
        }
        let c = self.expect("]")?;
        Some(P::tokens(open.start, c.end))
    }

    /// A dict or set display or comprehension.
    fn brace(&mut self) -> R {
        let open = self.expect("{")?;
        if let Some(c) = self.eat("}") {
            return Some(P::tokens(open.start, c.end));
        }
        let is_dict = if self.eat("**").is_some() {
            self.bitwise_or()?;
            true
        } else {
            self.star_expression()?;
            if self.eat(":").is_some() {
                self.expression()?;
                true
            } else {
                false
            }
        };
        if self.at("for") || self.at("async") {
            self.comp_for()?;
        } else {
            while self.eat(",").is_some() {
                if self.at("}") {
                    break;
                }
                if is_dict {
                    if self.eat("**").is_some() {
                        self.bitwise_or()?;
                    } else {
                        self.expression()?;
                        self.expect(":")?;
                        self.expression()?;
                    }
                } else {
                    self.star_expression()?;
                }
            }
        }
        let c = self.expect("}")?;
        Some(P::tokens(open.start, c.end))
    }
}

/// The kind of the single expression statement `src` is, or None when it
/// is not one (or does not parse).
pub fn parse_expr_statement(src: &[u8]) -> Option<Kind> {
    let toks = tokenize(src)?;
    let mut p = Parser { src, toks, pos: 0 };
    p.expr_statement().map(|e| e.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Option<Kind> {
        parse_expr_statement(s.as_bytes())
    }

    #[test]
    fn binops_follow_precedence() {
        assert_eq!(
            k("a * 2 + b"),
            Some(Kind::BinOp {
                left_end: 5,
                right_start: 8
            })
        );
        assert_eq!(
            k("a ** b ** c"),
            Some(Kind::BinOp {
                left_end: 1,
                right_start: 5
            })
        );
        assert_eq!(
            k("(a) + (b)"),
            Some(Kind::BinOp {
                left_end: 2,
                right_start: 7
            })
        );
        assert_eq!(k("-a ** b"), Some(Kind::Other));
        assert_eq!(k("a < b + c"), Some(Kind::Other));
        assert_eq!(k("x = a + b"), None);
    }

    #[test]
    fn subscripts() {
        assert_eq!(
            k("x[\"missing\"]"),
            Some(Kind::Subscript {
                value_end: 1,
                slice_end: 11
            })
        );
        assert_eq!(
            k("a.b[1:2, ::3]"),
            Some(Kind::Subscript {
                value_end: 3,
                slice_end: 12
            })
        );
        assert_eq!(k("f(x for x in y)[0]").map(|_| ()), Some(()));
        assert_eq!(k("[i for i in range(3) if i][-1]").map(|_| ()), Some(()));
    }

    #[test]
    fn rejects_what_python_rejects() {
        assert_eq!(k("a +"), None);
        assert_eq!(k("if x"), None);
        assert_eq!(k("a b"), None);
        assert_eq!(k("\"abc"), None);
    }
}
