//! pegen's `invalid_expression` hint, applied to a generic "invalid
//! syntax" error: inside brackets, an expression directly followed by
//! another (`f(a b)`, `[1 2]`, `{'a': 1 'b': 2}`) is reported as
//! "invalid syntax. Perhaps you forgot a comma?" over both, and a bare
//! `print x` there as the legacy print statement.

use super::ast::ExprKind;
use super::parser::Parser;
use super::tokenizer::Tok;
use super::CompileError;

const COMMA: &str = "invalid syntax. Perhaps you forgot a comma?";
const SOFT_KEYWORDS: [&str; 3] = ["match", "case", "_"];

/// `e` with CPython's more specific message when it is a generic
/// "invalid syntax" at an expression that follows another inside
/// brackets; `e` itself otherwise.
///
/// `source` is the text parsed: an error whose first line the tokenizer
/// has already left shows that line without its newline, as pegen takes
/// it from the tokenizer's buffers.
pub fn comma_hint(p: &mut Parser, e: CompileError, source: &str) -> CompileError {
    if e.msg != "invalid syntax" || e.offset == 0 {
        return e;
    }
    let save = p.position();
    let hinted = hint_at(p, &e, source);
    p.set_position(save);
    hinted.unwrap_or(e)
}

fn hint_at(p: &mut Parser, e: &CompileError, source: &str) -> Option<CompileError> {
    // The token the error is at.
    let k = (0..).find(|&i| match p.token(i) {
        Some(t) => (t.line == e.lineno && t.col + 1 == e.offset) || matches!(t.tok, Tok::EndMarker),
        None => true,
    })?;
    let at = p.token(k)?;
    if at.line != e.lineno || at.col + 1 != e.offset {
        return None;
    }
    // The innermost bracket open at token k.
    let mut opens: Vec<usize> = Vec::new();
    for i in 0..k {
        match p.token(i).map(|t| &t.tok) {
            Some(Tok::Op("(" | "[" | "{")) => opens.push(i),
            Some(Tok::Op(")" | "]" | "}")) => {
                opens.pop();
            }
            _ => {}
        }
    }
    let open = *opens.last()?;
    p.set_position(k);
    if !p.starts_expr() {
        return None;
    }
    // `b`: the expression at the error.
    let b = p.expression().ok()?;
    let read_to = p.token(p.position()).map_or(b.loc.end_line, |t| t.line);
    // `a`: the longest disjunction ending right before it.
    for s in open + 1..k {
        let first = p.token(s)?;
        if let Tok::Name(n) = &first.tok {
            let next_is_str = p.token(s + 1).is_some_and(|t| matches!(t.tok, Tok::Str(_)));
            if next_is_str || SOFT_KEYWORDS.contains(&n.as_str()) {
                continue;
            }
        }
        p.set_position(s);
        let Ok(a) = p.disjunction() else {
            continue;
        };
        if p.position() != k {
            continue;
        }
        if !expression_context(p, s, open) {
            // `a` is not parsed as an `expression` there (a
            // comprehension's `in` part, a display's `*x`, ...).
            return None;
        }
        let msg = match &a.kind {
            ExprKind::Name(n, _) if n == "print" || n == "exec" => {
                format!("Missing parentheses in call to '{n}'. Did you mean {n}(...)?")
            }
            _ => COMMA.to_string(),
        };
        let mut h = CompileError::syntax(&msg, a.loc.line, a.loc.col + 1);
        h.end_line = b.loc.end_line;
        h.end_offset = b.loc.end_col + 1;
        if a.loc.line < read_to {
            h.text = source
                .split_inclusive('\n')
                .nth(a.loc.line as usize - 1)
                .map(|l| l.trim_end_matches(['\n', '\r']).to_string());
        }
        return Some(h);
    }
    None
}

/// Whether pegen parses what starts at token `s` (inside the bracket
/// opened at token `open`) with its `expression` rule, where
/// `invalid_expression` is tried.
fn expression_context(p: &Parser, s: usize, open: usize) -> bool {
    let Some(prev) = s.checked_sub(1).and_then(|i| p.token(i)) else {
        return false;
    };
    match &prev.tok {
        Tok::Op("(" | "[" | "{" | "," | "=" | ":" | ":=" | "**") => true,
        Tok::Name(n) => n == "yield",
        // `*x` is an expression in a call's arguments, a `bitwise_or` in
        // a display.
        Tok::Op("*") => {
            let callee = open
                .checked_sub(1)
                .and_then(|i| p.token(i))
                .is_some_and(|t| matches!(&t.tok, Tok::Name(_) | Tok::Op(")" | "]")));
            let paren = p.token(open).is_some_and(|t| matches!(t.tok, Tok::Op("(")));
            callee && paren
        }
        _ => false,
    }
}
