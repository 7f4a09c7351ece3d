//! Interactive compilation: `compile(..., 'single')` parses one statement
//! (pegen's `interactive` rule and `bad_single_statement`), and the
//! `PyCF_ALLOW_INCOMPLETE_INPUT` flag that `codeop` (and so `code`,
//! `pdb`, IDLE) uses to tell an unfinished command from a wrong one.

use super::ast::{Mode, Stmt, StmtKind};
use super::parser::{PResult, Parser};
use super::tokenizer::{self, Tok, Token};
use super::CompileError;

/// `PyCF_DONT_IMPLY_DEDENT`: in 'single' mode an unterminated last line
/// does not close the open blocks.
pub const DONT_IMPLY_DEDENT: i64 = 0x200;
/// `PyCF_ALLOW_INCOMPLETE_INPUT`: a parse that fails at the end of the
/// source raises SyntaxError("incomplete input").
pub const ALLOW_INCOMPLETE_INPUT: i64 = 0x4000;

const MULTIPLE: &str = "multiple statements found while compiling a single statement";

/// Parse 'single' input: one statement (a line of simple statements or a
/// compound statement); anything but blank lines after it is an error.
pub fn parse_single(p: &mut Parser) -> PResult<Vec<Stmt>> {
    while matches!(p.tok(), Tok::Newline) {
        p.advance();
    }
    if matches!(p.tok(), Tok::EndMarker | Tok::Indent) {
        // Nothing to run, or an unexpected indent: the module rule says so.
        return p.parse_module();
    }
    let body = p.statement()?;
    let compound = body.first().is_some_and(|s| is_compound(&s.kind));
    let end = p.prev_end();
    let mut rest = p.position();
    while p
        .token(rest)
        .is_some_and(|t| matches!(t.tok, Tok::Newline | Tok::Dedent))
    {
        rest += 1;
    }
    if p.token(rest)
        .is_none_or(|t| matches!(t.tok, Tok::EndMarker))
    {
        return Ok(body);
    }
    if compound {
        // `compound_stmt NEWLINE`: the next token must end the input.
        return Err(p.error_here("invalid syntax"));
    }
    let mut e = CompileError::syntax(MULTIPLE, end.line, end.col + 1);
    e.end_line = end.line;
    e.end_offset = end.col + 1;
    Err(e)
}

/// Whether a compound statement compiled in 'single' mode gets the
/// NEWLINE after it that pegen's `compound_stmt NEWLINE` needs. pegen turns
/// the first ENDMARKER into a NEWLINE (which the statement's own last line
/// takes when the source does not end with a newline) and, unless
/// `PyCF_DONT_IMPLY_DEDENT`, adds the open blocks' DEDENTs, after which the
/// next ENDMARKER is a NEWLINE again. So: a final newline, or a last line
/// of code inside an indented block with dedents implied. Else CPython's
/// "invalid syntax" at the start of the last line.
pub fn compound_terminated(source: &str, p: &Parser, flags: i64) -> Result<(), CompileError> {
    if source.is_empty() || source.ends_with(['\n', '\r']) {
        return Ok(());
    }
    let last = source.rsplit(['\n', '\r']).next().unwrap_or(source);
    let code = last.trim_start_matches([' ', '\t', '\x0c']);
    let is_code = !code.is_empty() && !code.starts_with('#');
    // The token before the ENDMARKER: a DEDENT when blocks are open.
    let mut i = p.position();
    while p.token(i).is_some_and(|t| !matches!(t.tok, Tok::EndMarker)) {
        i += 1;
    }
    let open_blocks = i > 0 && p.token(i - 1).is_some_and(|t| matches!(t.tok, Tok::Dedent));
    if is_code && open_blocks && flags & DONT_IMPLY_DEDENT == 0 {
        return Ok(());
    }
    let line = source.split_inclusive(['\n', '\r']).count() as u32;
    let mut e = CompileError::syntax("invalid syntax", line, 0);
    e.end_line = line;
    e.text = Some(last.to_string());
    Err(e)
}

pub(crate) fn is_compound(k: &StmtKind) -> bool {
    matches!(
        k,
        StmtKind::FunctionDef(_)
            | StmtKind::ClassDef(_)
            | StmtKind::For(..)
            | StmtKind::While(..)
            | StmtKind::If(..)
            | StmtKind::With(..)
            | StmtKind::Match(..)
            | StmtKind::Try(..)
    )
}

/// In 'single' mode a tokenizer error on a later line than the first
/// statement is never seen: CPython stops after that statement and
/// reports the extra input. The "multiple statements" error for `source`
/// whose tokenizing failed with `e`, if the lines before it hold a whole
/// statement.
pub fn single_tokenizer_error(source: &str, e: &CompileError) -> Option<CompileError> {
    if e.lineno <= 1 {
        return None;
    }
    let prefix: String = source
        .split_inclusive('\n')
        .take(e.lineno as usize - 1)
        .collect();
    let (toks, eof) = tokenizer::tokenize_deferred(&prefix).ok()?;
    if eof.is_some() {
        return None;
    }
    let mut p = Parser::new(toks);
    let body = parse_single(&mut p).ok()?;
    let first = body.first()?;
    if is_compound(&first.kind) {
        return None;
    }
    let end = p.prev_end();
    let mut m = CompileError::syntax(MULTIPLE, end.line, end.col + 1);
    m.end_line = end.line;
    m.end_offset = end.col + 1;
    Some(m)
}

/// `compile()` with `PyCF_ALLOW_INCOMPLETE_INPUT`: the "incomplete input"
/// SyntaxError when parsing `source` fails where CPython's tokenizer has
/// reached the end of the input (an open block, bracket, triple-quoted
/// string or line continuation), else None (compile as usual).
pub fn incomplete_input(
    source: &str,
    filename: &str,
    mode: Mode,
    flags: i64,
) -> Option<CompileError> {
    let text = source.strip_prefix('\u{feff}').unwrap_or(source);
    // CPython's tokenizer ends exec input with a newline.
    let src = if mode == Mode::Exec && !text.ends_with('\n') {
        format!("{text}\n")
    } else {
        text.to_string()
    };
    let (mut toks, eof_error) = match tokenizer::tokenize_deferred(&src) {
        Ok(t) => t,
        Err(e) if e.msg.starts_with("unterminated triple-quoted string") => {
            return Some(incomplete_at(&src, filename, e.lineno, e.offset));
        }
        Err(e) if e.msg == "unexpected EOF while parsing" => {
            return Some(incomplete_at_end(&src, filename));
        }
        Err(_) => return None,
    };
    let before = toks.len();
    let first_eof = eof_tokens_start(&src, &mut toks, mode, flags);
    // Blocks left open for want of the implied dedent.
    let open_blocks = toks.len() < before;
    let mut p = Parser::new(toks);
    let r = match mode {
        Mode::Eval => p.parse_eval().map(|_| ()),
        Mode::Exec => p.parse_module().map(|_| ()),
        Mode::Single => match parse_single(&mut p) {
            Ok(body) if body.first().is_some_and(|s| is_compound(&s.kind)) => {
                if compound_terminated(&src, &p, flags).is_err() {
                    // The NEWLINE it waits for would come with more input.
                    return Some(incomplete_at_end(&src, filename));
                }
                Ok(())
            }
            r => r.map(|_| ()),
        },
    };
    let at_end = match r {
        Ok(()) => eof_error.is_some() || open_blocks,
        Err(_) => p.farthest() >= first_eof,
    };
    at_end.then(|| incomplete_at_end(&src, filename))
}

/// The index of the first token CPython's tokenizer makes only once it
/// has read the end of the input (the final DEDENTs and ENDMARKER, and a
/// NEWLINE no newline character stands for); in 'single' mode without
/// an implied dedent, the DEDENTs of an unterminated last line are
/// dropped.
fn eof_tokens_start(src: &str, toks: &mut Vec<Token>, mode: Mode, flags: i64) -> usize {
    let mut first = toks.len();
    while first > 0
        && toks
            .get(first - 1)
            .is_some_and(|t| matches!(t.tok, Tok::Dedent | Tok::EndMarker))
    {
        first -= 1;
    }
    let synthesized_newline = first > 0
        && toks
            .get(first - 1)
            .is_some_and(|t| matches!(t.tok, Tok::Newline) && at_source_end(src, t));
    if synthesized_newline {
        first -= 1;
        if mode == Mode::Single && flags & DONT_IMPLY_DEDENT != 0 {
            let end = toks.len().saturating_sub(1);
            if first < end {
                toks.drain(first + 1..end);
            }
        }
    }
    first
}

/// Whether a token starts at the very end of `src` (nothing in the
/// source text stands for it).
fn at_source_end(src: &str, t: &Token) -> bool {
    let mut line = 1u32;
    let mut start = 0usize;
    let b = src.as_bytes();
    let mut i = 0usize;
    while i < b.len() && line < t.line {
        match b.get(i) {
            Some(b'\n') => {
                line += 1;
                start = i + 1;
            }
            Some(b'\r') if b.get(i + 1) != Some(&b'\n') => {
                line += 1;
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    line == t.line && start + t.col as usize >= src.len()
}

/// The error at the end of the input: the last line, its length as the
/// offset (the tokenizer's cursor).
fn incomplete_at_end(src: &str, filename: &str) -> CompileError {
    let lines = src.split_inclusive('\n').count() as u32;
    let last = src.split_inclusive('\n').next_back().unwrap_or("");
    incomplete_at(src, filename, lines, last.len() as u32)
}

fn incomplete_at(src: &str, filename: &str, lineno: u32, offset: u32) -> CompileError {
    let mut e = CompileError::syntax("incomplete input", lineno, offset);
    e.filename = filename.to_string();
    e.end_line = lineno;
    // CPython's ENDMARKER has no end column: end_offset -1.
    e.end_offset = 0;
    e.at_next_token = true;
    if lineno > 0 {
        e.text = src
            .split_inclusive('\n')
            .nth(lineno as usize - 1)
            .map(str::to_string);
    }
    e
}
