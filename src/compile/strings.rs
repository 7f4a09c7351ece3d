//! Literals: number literals to constants, string and bytes literals with
//! their escapes (Parser/string_parser.c), implicit concatenation, and
//! f-strings split into literal text and formatted expressions.

use num_bigint::BigInt;
use num_traits::ToPrimitive;

use super::ast::*;
use super::parser::{PResult, Parser};
use super::tokenizer::Tok;
use super::CompileError;

/// A number literal's text (as the tokenizer matched it) to a constant.
pub fn parse_number(text: &str) -> Option<Const> {
    let t: String = text.chars().filter(|&c| c != '_').collect();
    if let Some(im) = t.strip_suffix(['j', 'J']) {
        return Some(Const::Complex(0.0, im.parse::<f64>().ok()?));
    }
    let lower = t.to_ascii_lowercase();
    let (digits, radix) = if let Some(h) = lower.strip_prefix("0x") {
        (h, 16)
    } else if let Some(o) = lower.strip_prefix("0o") {
        (o, 8)
    } else if let Some(b) = lower.strip_prefix("0b") {
        (b, 2)
    } else if lower.contains(['.', 'e']) {
        return Some(Const::Float(lower.parse::<f64>().ok()?));
    } else {
        (lower.as_str(), 10)
    };
    let big = BigInt::parse_bytes(digits.as_bytes(), radix)?;
    Some(match big.to_i64() {
        Some(i) => Const::Int(i),
        None => Const::BigInt(big),
    })
}

/// Append a code point as surrogate-tolerant UTF-8.
pub fn push_cp(out: &mut Vec<u8>, cp: u32) {
    match cp {
        0..=0x7F => out.push(cp as u8),
        0x80..=0x7FF => {
            out.push(0xC0 | (cp >> 6) as u8);
            out.push(0x80 | (cp & 0x3F) as u8);
        }
        0x800..=0xFFFF => {
            out.push(0xE0 | (cp >> 12) as u8);
            out.push(0x80 | ((cp >> 6) & 0x3F) as u8);
            out.push(0x80 | (cp & 0x3F) as u8);
        }
        _ => {
            out.push(0xF0 | (cp >> 18) as u8);
            out.push(0x80 | ((cp >> 12) & 0x3F) as u8);
            out.push(0x80 | ((cp >> 6) & 0x3F) as u8);
            out.push(0x80 | (cp & 0x3F) as u8);
        }
    }
}

/// Decode the escapes of a (non-raw) literal body. `bytes` selects the
/// bytes rules (no \N, \u, \U; values are bytes). Returns the decoded
/// data, or the CPython error message.
pub fn decode_escapes(body: &str, bytes: bool) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(body.len());
    let mut it = body.char_indices().peekable();
    let codec = if bytes {
        "bytes"
    } else {
        "(unicode error) 'unicodeescape' codec"
    };
    let push = |out: &mut Vec<u8>, cp: u32| {
        if bytes {
            out.push(cp as u8)
        } else {
            push_cp(out, cp)
        }
    };
    while let Some((i, c)) = it.next() {
        if c != '\\' {
            if bytes && !c.is_ascii() {
                return Err("bytes can only contain ASCII literal characters".into());
            }
            let mut b = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            continue;
        }
        let Some((_, e)) = it.next() else {
            push(&mut out, '\\' as u32);
            break;
        };
        match e {
            '\n' => {}
            '\\' => push(&mut out, 0x5C),
            '\'' => push(&mut out, 0x27),
            '"' => push(&mut out, 0x22),
            'a' => push(&mut out, 7),
            'b' => push(&mut out, 8),
            'f' => push(&mut out, 12),
            'n' => push(&mut out, 10),
            'r' => push(&mut out, 13),
            't' => push(&mut out, 9),
            'v' => push(&mut out, 11),
            '0'..='7' => {
                let mut v = e as u32 - '0' as u32;
                for _ in 0..2 {
                    match it.peek() {
                        Some(&(_, d @ '0'..='7')) => {
                            v = v * 8 + (d as u32 - '0' as u32);
                            it.next();
                        }
                        _ => break,
                    }
                }
                push(&mut out, if bytes { v & 0xFF } else { v });
            }
            'x' | 'u' | 'U' if !(bytes && e != 'x') => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut v = 0u32;
                for k in 0..n {
                    match it.peek().and_then(|&(_, d)| d.to_digit(16)) {
                        Some(d) => {
                            v = v * 16 + d;
                            it.next();
                        }
                        None => {
                            let what = match e {
                                'x' => "truncated \\xXX escape",
                                'u' => "truncated \\uXXXX escape",
                                _ => "truncated \\UXXXXXXXX escape",
                            };
                            if bytes {
                                return Err(format!(
                                    "(value error) invalid \\x escape at position {}",
                                    i
                                ));
                            }
                            return Err(format!(
                                "{codec} can't decode bytes in position {}-{}: {what}",
                                i,
                                i + 1 + k
                            ));
                        }
                    }
                }
                if v > 0x10FFFF {
                    return Err(format!(
                        "{codec} can't decode bytes in position {}-{}: illegal Unicode character",
                        i,
                        i + 1 + n
                    ));
                }
                push(&mut out, v);
            }
            'N' if !bytes => {
                let rest = &body[i + 2..];
                let name = rest
                    .strip_prefix('{')
                    .and_then(|r| r.find('}').map(|j| &r[..j]));
                let cp = name.and_then(crate::modules::unicodedata::char_lookup);
                match (name, cp) {
                    (Some(n), Some(cp)) => {
                        push_cp(&mut out, cp);
                        for _ in 0..n.chars().count() + 2 {
                            it.next();
                        }
                    }
                    _ => {
                        // The decoder's end position: after the '}' of an
                        // unknown name, at the '}' of an empty one, at the
                        // end of the body when there is no '}'.
                        let last = match name {
                            Some("") => i + 2,
                            Some(n) => i + 3 + n.len(),
                            None if rest.starts_with('{') => body.len().saturating_sub(1),
                            None => i + 1,
                        };
                        return Err(format!(
                            "{codec} can't decode bytes in position {}-{}: {}",
                            i,
                            last,
                            if matches!(name, Some(n) if !n.is_empty()) {
                                "unknown Unicode character name"
                            } else {
                                "malformed \\N character escape"
                            }
                        ));
                    }
                }
            }
            other => {
                // Unknown escapes are kept as they are.
                push(&mut out, '\\' as u32);
                let mut b = [0u8; 4];
                if bytes && !other.is_ascii() {
                    return Err("bytes can only contain ASCII literal characters".into());
                }
                out.extend_from_slice(other.encode_utf8(&mut b).as_bytes());
            }
        }
    }
    Ok(out)
}

/// A literal's prefix flags and body (without quotes), and the byte
/// offset of the body in the token text.
struct Lit<'a> {
    raw: bool,
    bytes: bool,
    fstr: bool,
    body: &'a str,
    body_off: usize,
}

fn split_literal(text: &str) -> Option<Lit<'_>> {
    let qpos = text.find(['\'', '"'])?;
    let prefix = text[..qpos].to_ascii_lowercase();
    let rest = &text[qpos..];
    let q = if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
        3
    } else {
        1
    };
    let body = rest.get(q..rest.len().checked_sub(q)?)?;
    Some(Lit {
        raw: prefix.contains('r'),
        bytes: prefix.contains('b'),
        fstr: prefix.contains('f'),
        body,
        body_off: qpos + q,
    })
}

enum Piece {
    Text(Vec<u8>),
    Expr(Expr),
}

impl Parser {
    /// pegen's `RAISE_SYNTAX_ERROR` from the action of `strings`: at the
    /// token after the run of string literals (the one the parser last
    /// read), 1-based; the bytes-literal check is at the literal itself.
    fn error_at_str_end(&self, msg: &str, tloc: Loc) -> CompileError {
        let at = |line: u32, col: u32, end_line: u32, end_col: u32| {
            let mut e = CompileError::syntax(msg, line, col + 1);
            e.end_line = end_line;
            e.end_offset = end_col + 1;
            e.at_next_token = true;
            e
        };
        if msg == "bytes can only contain ASCII literal characters" {
            let mut e = at(tloc.line, tloc.col, tloc.end_line, tloc.end_col);
            e.at_next_token = false;
            return e;
        }
        let mut i = self.position();
        while let Some(t) = self.token(i) {
            if !matches!(t.tok, Tok::Str(_)) {
                // CPython's NEWLINE token is empty.
                let end_col = if matches!(t.tok, Tok::Newline) {
                    t.col
                } else {
                    t.end_col
                };
                return at(t.line, t.col, t.end_line, end_col);
            }
            i += 1;
        }
        CompileError::syntax(msg, tloc.end_line, tloc.end_col)
    }

    /// One or more adjacent string literals: a constant or a JoinedStr.
    pub fn strings(&mut self) -> PResult<Expr> {
        let start = self.loc();
        let mut pieces: Vec<Piece> = Vec::new();
        let mut any_bytes = None;
        let mut any_f = false;
        while let Tok::Str(text) = self.tok().clone() {
            let tloc = self.loc();
            self.advance();
            let lit =
                split_literal(&text).ok_or_else(|| self.error_at_loc("invalid syntax", tloc))?;
            if let Some(b) = any_bytes {
                if b != lit.bytes {
                    return Err(self.error_at_loc("cannot mix bytes and nonbytes literals", tloc));
                }
            }
            any_bytes = Some(lit.bytes);
            if lit.fstr {
                any_f = true;
                self.fstring_pieces(&text, &lit, tloc, &mut pieces, 0)?;
            } else {
                let v = if lit.raw {
                    lit.body.as_bytes().to_vec()
                } else {
                    decode_escapes(lit.body, lit.bytes)
                        .map_err(|m| self.error_at_str_end(&m, tloc))?
                };
                if lit.bytes && lit.raw && !lit.body.is_ascii() {
                    return Err(self.error_at_str_end(
                        "bytes can only contain ASCII literal characters",
                        tloc,
                    ));
                }
                pieces.push(Piece::Text(v));
            }
        }
        let loc = start.to(self.prev_end());
        if any_bytes == Some(true) {
            let mut all = Vec::new();
            for p in pieces {
                if let Piece::Text(t) = p {
                    all.extend(t);
                }
            }
            return Ok(Expr {
                loc,
                kind: ExprKind::Constant(Const::Bytes(all)),
            });
        }
        Ok(join_pieces(pieces, any_f, loc))
    }

    /// Split an f-string body into literal text and `{expr}` parts.
    fn fstring_pieces(
        &mut self,
        text: &str,
        lit: &Lit<'_>,
        tloc: Loc,
        pieces: &mut Vec<Piece>,
        depth: u32,
    ) -> PResult<()> {
        self.fstring_body(text, lit.body, lit.body_off, lit.raw, tloc, pieces, depth)
    }

    #[allow(clippy::too_many_arguments)]
    fn fstring_body(
        &mut self,
        text: &str,
        body: &str,
        body_off: usize,
        raw: bool,
        tloc: Loc,
        pieces: &mut Vec<Piece>,
        depth: u32,
    ) -> PResult<()> {
        let b = body.as_bytes();
        let mut i = 0;
        let mut lit_start = 0;
        let flush = |this: &Parser, pieces: &mut Vec<Piece>, s: &str| -> PResult<()> {
            if s.is_empty() {
                return Ok(());
            }
            let v = if raw {
                s.as_bytes().to_vec()
            } else {
                decode_escapes(s, false).map_err(|m| this.error_at_str_end(&m, tloc))?
            };
            pieces.push(Piece::Text(v));
            Ok(())
        };
        let mut literal = String::new();
        while i < b.len() {
            match b[i] {
                b'\\' if !raw => {
                    // Keep escapes whole (so `\{` is not an expression start).
                    let n = body[i + 1..]
                        .chars()
                        .next()
                        .map(|c| c.len_utf8())
                        .unwrap_or(0);
                    literal.push_str(&body[i..i + 1 + n]);
                    i += 1 + n;
                    if n == 1 && b.get(i - 1) == Some(&b'N') && b.get(i) == Some(&b'{') {
                        if let Some(j) = body[i..].find('}') {
                            literal.push_str(&body[i..i + j + 1]);
                            i += j + 1;
                        }
                    }
                }
                b'{' if b.get(i + 1) == Some(&b'{') => {
                    literal.push('{');
                    i += 2;
                }
                b'}' if b.get(i + 1) == Some(&b'}') => {
                    literal.push('}');
                    i += 2;
                }
                b'}' => {
                    return Err(self.error_at_str_end("f-string: single '}' is not allowed", tloc));
                }
                b'{' => {
                    if depth >= 2 {
                        return Err(
                            self.error_at_str_end("f-string: expressions nested too deeply", tloc)
                        );
                    }
                    flush(self, pieces, &literal)?;
                    literal.clear();
                    i = self.fstring_expr(text, body, body_off, i + 1, raw, tloc, pieces, depth)?;
                }
                _ => {
                    let n = body[i..].chars().next().map(|c| c.len_utf8()).unwrap_or(1);
                    literal.push_str(&body[i..i + n]);
                    i += n;
                }
            }
            lit_start = i;
        }
        let _ = lit_start;
        flush(self, pieces, &literal)
    }

    /// Parse one `{expr[=][!c][:spec]}` starting after the `{` at byte
    /// `i` of `body`; returns the index after the closing `}`.
    #[allow(clippy::too_many_arguments)]
    fn fstring_expr(
        &mut self,
        text: &str,
        body: &str,
        body_off: usize,
        start: usize,
        raw: bool,
        tloc: Loc,
        pieces: &mut Vec<Piece>,
        depth: u32,
    ) -> PResult<usize> {
        let b = body.as_bytes();
        let mut i = start;
        let mut nest: Vec<u8> = Vec::new();
        let mut quote: Option<(u8, bool)> = None;
        let mut eq = false;
        let end_expr;
        loop {
            let Some(&c) = b.get(i) else {
                let msg = match (quote, nest.last()) {
                    (Some(_), _) => "f-string: unterminated string".to_string(),
                    (None, Some(&o)) => format!("f-string: unmatched '{}'", o as char),
                    (None, None) => "f-string: expecting '}'".to_string(),
                };
                return Err(self.error_at_str_end(&msg, tloc));
            };
            if let Some((q, triple)) = quote {
                if c == q {
                    if !triple {
                        quote = None;
                    } else if b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q) {
                        quote = None;
                        i += 2;
                    }
                }
                i += 1;
                continue;
            }
            match c {
                b'\\' => {
                    return Err(self.error_at_str_end(
                        "f-string expression part cannot include a backslash",
                        tloc,
                    ))
                }
                b'\'' | b'"' => {
                    let triple = b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&c);
                    quote = Some((c, triple));
                    i += if triple { 3 } else { 1 };
                    continue;
                }
                b'(' | b'[' | b'{' => nest.push(c),
                b')' | b']' | b'}' if c != b'}' || !nest.is_empty() => {
                    // fstring_find_expr's own bracket check.
                    let Some(open) = nest.pop() else {
                        let msg = format!("f-string: unmatched '{}'", c as char);
                        return Err(self.error_at_str_end(&msg, tloc));
                    };
                    if !matches!((open, c), (b'(', b')') | (b'[', b']') | (b'{', b'}')) {
                        let msg = format!(
                            "f-string: closing parenthesis '{}' does not match opening parenthesis '{}'",
                            c as char, open as char
                        );
                        return Err(self.error_at_str_end(&msg, tloc));
                    }
                }
                b'#' => {
                    return Err(
                        self.error_at_str_end("f-string expression part cannot include '#'", tloc)
                    )
                }
                b'}' | b':' if nest.is_empty() => {
                    end_expr = i;
                    break;
                }
                b'!' if nest.is_empty() && b.get(i + 1) != Some(&b'=') => {
                    end_expr = i;
                    break;
                }
                b'=' if nest.is_empty()
                    && b.get(i + 1) != Some(&b'=')
                    && !matches!(b.get(i.wrapping_sub(1)), Some(b'=' | b'!' | b'<' | b'>')) =>
                {
                    eq = true;
                    end_expr = i;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        let expr_text = &body[start..end_expr];
        if expr_text.trim_matches([' ', '\t', '\n', '\x0c']).is_empty() {
            let msg = match b.get(end_expr) {
                Some(&c @ (b'!' | b':' | b'=')) => {
                    format!("f-string: expression required before '{}'", c as char)
                }
                _ => "f-string: empty expression not allowed".to_string(),
            };
            return Err(self.error_at_str_end(&msg, tloc));
        }
        // Where the expression starts in the source.
        let abs = body_off + start;
        let before = &text[..abs.min(text.len())];
        let nl = before.matches('\n').count() as u32;
        let (line, col) = match before.rfind('\n') {
            None => (tloc.line, tloc.col + abs as u32),
            Some(p) => (tloc.line + nl, (abs - p - 1) as u32),
        };
        let expr = parse_sub_expr(expr_text, line, col)?;
        i = end_expr;
        if eq {
            i += 1;
            while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                i += 1;
            }
            pieces.push(Piece::Text(body.as_bytes()[start..i].to_vec()));
        }
        let mut conv = -1;
        if b.get(i) == Some(&b'!') {
            conv = match b.get(i + 1) {
                Some(b's') => 's' as i32,
                Some(b'r') => 'r' as i32,
                Some(b'a') => 'a' as i32,
                _ => {
                    return Err(self.error_at_str_end(
                        "f-string: invalid conversion character: expected 's', 'r', or 'a'",
                        tloc,
                    ))
                }
            };
            i += 2;
        }
        let mut spec = None;
        if b.get(i) == Some(&b':') {
            // The spec runs to the matching '}' (nested fields allowed).
            let sstart = i + 1;
            let mut d = 0;
            let mut j = sstart;
            let mut q: Option<u8> = None;
            loop {
                match (b.get(j), q) {
                    (None, _) => return Err(self.error_at_str_end("f-string: expecting '}'", tloc)),
                    // Quotes inside a nested field's expression.
                    (Some(&c), Some(qc)) if c == qc => q = None,
                    (Some(_), Some(_)) => {}
                    (Some(&c @ (b'\'' | b'"')), None) if d > 0 => q = Some(c),
                    (Some(b'{'), None) => d += 1,
                    (Some(b'}'), None) if d == 0 => break,
                    (Some(b'}'), None) => d -= 1,
                    _ => {}
                }
                j += 1;
            }
            let mut sp = Vec::new();
            self.fstring_body(
                text,
                &body[sstart..j],
                body_off + sstart,
                raw,
                tloc,
                &mut sp,
                depth + 1,
            )?;
            spec = Some(Box::new(join_pieces(sp, true, tloc)));
            i = j;
        }
        if b.get(i) != Some(&b'}') {
            return Err(self.error_at_str_end("f-string: expecting '}'", tloc));
        }
        if eq && conv == -1 && spec.is_none() {
            conv = 'r' as i32;
        }
        let loc = expr.loc;
        pieces.push(Piece::Expr(Expr {
            loc,
            kind: ExprKind::FormattedValue(Box::new(expr), conv, spec),
        }));
        Ok(i + 1)
    }
}

/// Parse an f-string's expression text as `(text)` at a source position.
/// Its syntax errors are CPython 3.11's for that `(text)` string: prefixed
/// "f-string: ", with the columns and text of `(text)`.
fn parse_sub_expr(text: &str, line: u32, col: u32) -> PResult<Expr> {
    parse_sub_expr_at(text, line, col).map_err(|e| sub_expr_error(e, text, line, col))
}

fn sub_expr_error(mut e: CompileError, text: &str, line: u32, col: u32) -> CompileError {
    if e.lineno < line || e.kind != super::ErrorKind::Syntax {
        return e;
    }
    if !e.msg.starts_with("f-string") {
        e.msg = format!("f-string: {}", e.msg);
    }
    let src = format!("({text})");
    let k = (e.lineno - line) as usize;
    let Some(l) = src.split_inclusive('\n').nth(k) else {
        return e;
    };
    e.text = Some(if l.ends_with('\n') {
        l.to_string()
    } else {
        format!("{l}\n")
    });
    if k == 0 {
        // Columns of `(text)`, whose '(' stands at `col - 1`.
        let shift = |o: u32| {
            if o > 0 {
                (o + 1).saturating_sub(col)
            } else {
                o
            }
        };
        e.offset = shift(e.offset);
        if e.end_line == e.lineno {
            e.end_offset = shift(e.end_offset);
        }
    }
    e
}

fn parse_sub_expr_at(text: &str, line: u32, col: u32) -> PResult<Expr> {
    let src = format!("({text})");
    let toks = super::tokenizer::tokenize_at(&src, line, col as i64 - 1)?;
    let mut p = Parser::new(toks);
    let e = match p.primary() {
        Ok(e) => e,
        Err(e) => return Err(super::parser_hints::comma_hint(&mut p, e, &src)),
    };
    while matches!(p.tok(), Tok::Newline) {
        p.advance();
    }
    if !matches!(p.tok(), Tok::EndMarker) {
        return Err(p.error_here("f-string: invalid syntax"));
    }
    Ok(e)
}

/// Merge literal pieces and build a constant str or a JoinedStr.
fn join_pieces(pieces: Vec<Piece>, fstr: bool, loc: Loc) -> Expr {
    let mut parts: Vec<Expr> = Vec::new();
    let mut text: Option<Vec<u8>> = None;
    for p in pieces {
        match p {
            Piece::Text(t) => text.get_or_insert_with(Vec::new).extend(t),
            Piece::Expr(e) => {
                if let Some(t) = text.take() {
                    if !t.is_empty() {
                        parts.push(Expr {
                            loc,
                            kind: ExprKind::Constant(Const::Str(t)),
                        });
                    }
                }
                parts.push(e);
            }
        }
    }
    if !fstr {
        return Expr {
            loc,
            kind: ExprKind::Constant(Const::Str(text.unwrap_or_default())),
        };
    }
    if let Some(t) = text {
        if !t.is_empty() {
            parts.push(Expr {
                loc,
                kind: ExprKind::Constant(Const::Str(t)),
            });
        }
    }
    Expr {
        loc,
        kind: ExprKind::JoinedStr(parts),
    }
}
