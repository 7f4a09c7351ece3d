//! The tokenizer: Python source text to tokens, as Parser/tokenizer.c
//! produces them (NEWLINE/INDENT/DEDENT from indentation, implicit line
//! joining inside brackets, backslash continuations, string literals kept
//! whole with their prefix for the parser to decode).

use super::CompileError;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Name(String),
    /// A number literal's text.
    Number(String),
    /// A string literal's full text: prefix, quotes and body.
    Str(String),
    Op(&'static str),
    /// A character no token starts with (`?`, `$`, a lone `!`): CPython's
    /// ERRORTOKEN, which only the parser rejects.
    Error,
    Newline,
    Indent,
    Dedent,
    EndMarker,
}

/// A token and its span (1-based line, 0-based byte column).
#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub line: u32,
    pub col: u32,
    pub end_line: u32,
    pub end_col: u32,
}

const OPS: [&str; 48] = [
    "**=", "//=", ">>=", "<<=", "...", "->", ":=", "**", "//", "<<", ">>", "<=", ">=", "==", "!=",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "+", "-", "*", "/", "%", "@", "&", "|",
    "^", "~", "<", ">", "(", ")", "[", "]", "{", "}", ",", ":", ";", ".", "=", "!",
];

fn is_id_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic() || (!c.is_ascii() && crate::unicode::is_xid_start(c as u32))
}

fn is_id_continue(c: char) -> bool {
    c == '_'
        || c.is_ascii_alphanumeric()
        || (!c.is_ascii() && crate::unicode::is_xid_continue(c as u32))
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    line: u32,
    line_start: usize,
    parens: Vec<(char, u32, u32)>,
    indents: Vec<u32>,
    alt_indents: Vec<u32>,
    toks: Vec<Token>,
    at_line_start: bool,
    /// Column shift of the first line (f-string expressions).
    first_line: u32,
    col_adjust: i64,
    eof_error: Option<CompileError>,
    /// SyntaxWarnings (message, line): a number run into a keyword.
    warnings: Vec<(String, u32)>,
}

mod number;

/// Split source into tokens.
pub fn tokenize(src: &str) -> Result<Vec<Token>, CompileError> {
    tokenize_at(src, 1, 0)
}

/// Tokenize text that starts at `line`, column `col` of some source (an
/// f-string's expression); its first line's columns are shifted by `col`.
pub fn tokenize_at(src: &str, line: u32, col: i64) -> Result<Vec<Token>, CompileError> {
    let (toks, eof, _) = lex(src, line, col)?;
    match eof {
        Some(e) => Err(e),
        None => Ok(toks),
    }
}

/// Tokens, and the error found at the end of input (an unclosed
/// bracket), which CPython reports only when the parser gets there.
pub fn tokenize_deferred(src: &str) -> Result<(Vec<Token>, Option<CompileError>), CompileError> {
    lex(src, 1, 0).map(|(t, e, _)| (t, e))
}

/// [`tokenize_deferred`], also returning the tokenizer's SyntaxWarnings
/// as (message, line).
pub fn tokenize_deferred_warn(src: &str) -> Result<Lexed, CompileError> {
    lex(src, 1, 0)
}

/// Tokens, the deferred end-of-input error and the SyntaxWarnings.
type Lexed = (Vec<Token>, Option<CompileError>, Vec<(String, u32)>);

fn lex(src: &str, line: u32, col: i64) -> Result<Lexed, CompileError> {
    let mut lx = Lexer {
        src,
        pos: 0,
        line,
        line_start: 0,
        parens: Vec::new(),
        indents: vec![0],
        alt_indents: vec![0],
        toks: Vec::new(),
        at_line_start: true,
        first_line: line,
        col_adjust: col,
        eof_error: None,
        warnings: Vec::new(),
    };
    lx.run()?;
    Ok((lx.toks, lx.eof_error, lx.warnings))
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }
    fn peek_at(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }
    fn col(&self) -> u32 {
        let c = (self.pos - self.line_start) as i64;
        if self.line == self.first_line {
            (c + self.col_adjust).max(0) as u32
        } else {
            c as u32
        }
    }
    fn err(&self, msg: &str, line: u32, col: u32) -> CompileError {
        CompileError::syntax(msg, line, col + 1)
    }
    /// A line continuation at the end of the input (tokenizer.c's E_EOF
    /// after `\\`): the offset is just past the line's newline (exec mode
    /// ends the input with one), with no end column (end_offset -1).
    fn continuation_eof(&self, line: u32, col: u32) -> CompileError {
        let mut e = self.err("unexpected EOF while parsing", line, col + 1);
        e.end_line = line;
        e.at_next_token = true;
        e
    }
    /// An error tokenizer.c's `syntaxerror` raises on the current line:
    /// its text is that line without the newline.
    fn line_err(&self, msg: &str, line: u32, col: u32) -> CompileError {
        let mut e = self.err(msg, line, col);
        if self.col_adjust == 0 {
            let rest = self.src.get(self.line_start..).unwrap_or("");
            e.text = Some(rest.split(['\n', '\r']).next().unwrap_or("").to_string());
        }
        e
    }
    fn push(&mut self, tok: Tok, line: u32, col: u32) {
        self.toks.push(Token {
            tok,
            line,
            col,
            end_line: self.line,
            end_col: self.col(),
        });
    }
    fn newline(&mut self) {
        self.line += 1;
        self.line_start = self.pos;
    }

    fn run(&mut self) -> Result<(), CompileError> {
        loop {
            if self.at_line_start && self.parens.is_empty() && !self.indentation()? {
                break;
            }
            let Some(c) = self.peek() else { break };
            let (line, col) = (self.line, self.col());
            match c {
                ' ' | '\t' | '\x0c' => self.pos += 1,
                '#' => {
                    while let Some(c) = self.peek() {
                        if c == '\n' || c == '\r' {
                            break;
                        }
                        self.pos += c.len_utf8();
                    }
                }
                '\r' | '\n' => {
                    self.pos += 1;
                    if c == '\r' && self.peek() == Some('\n') {
                        self.pos += 1;
                    }
                    if self.parens.is_empty() {
                        self.toks.push(Token {
                            tok: Tok::Newline,
                            line,
                            col,
                            end_line: line,
                            end_col: col + 1,
                        });
                        self.at_line_start = true;
                    }
                    self.newline();
                }
                '\\' => {
                    self.pos += 1;
                    match self.peek() {
                        Some('\n') => {
                            self.pos += 1;
                            self.newline();
                            if self.peek().is_none() {
                                return Err(self.continuation_eof(line, col));
                            }
                        }
                        Some('\r') => {
                            self.pos += 1;
                            if self.peek() == Some('\n') {
                                self.pos += 1;
                            }
                            self.newline();
                            if self.peek().is_none() {
                                return Err(self.continuation_eof(line, col));
                            }
                        }
                        None => return Err(self.continuation_eof(line, col)),
                        _ => {
                            return Err(self.err(
                                "unexpected character after line continuation character",
                                line,
                                col + 1,
                            ))
                        }
                    }
                }
                c if c.is_ascii_digit()
                    || (c == '.' && self.peek_at(1).is_some_and(|d| d.is_ascii_digit())) =>
                {
                    self.number(line, col)?
                }
                c if is_id_start(c) => {
                    let start = self.pos;
                    while let Some(c) = self.peek() {
                        if !is_id_continue(c) {
                            break;
                        }
                        self.pos += c.len_utf8();
                    }
                    let word = &self.src[start..self.pos];
                    if matches!(self.peek(), Some('"' | '\''))
                        && word.len() <= 2
                        && matches!(
                            word.to_ascii_lowercase().as_str(),
                            "r" | "u" | "b" | "br" | "rb" | "f" | "fr" | "rf"
                        )
                    {
                        self.string(start, line, col)?;
                    } else {
                        self.push(Tok::Name(word.to_string()), line, col);
                    }
                }
                '"' | '\'' => self.string(self.pos, line, col)?,
                _ => {
                    let rest = &self.src[self.pos..];
                    let op = OPS.iter().find(|o| rest.starts_with(**o));
                    if op.is_none() || op == Some(&"!") {
                        if !c.is_ascii() {
                            let msg = format!("invalid character '{c}' (U+{:04X})", c as u32);
                            let at = self.pos + 1;
                            return Err(self.number_error(&msg, at, at));
                        }
                        self.pos += 1;
                        self.push(Tok::Error, line, col);
                        continue;
                    }
                    let Some(op) = op else { continue };
                    self.pos += op.len();
                    match *op {
                        "(" | "[" | "{" => {
                            // tokenizer.c's MAXLEVEL.
                            if self.parens.len() >= 200 {
                                let mut e = self.line_err("too many nested parentheses", line, col);
                                e.end_line = line;
                                e.end_offset = col + 1;
                                return Err(e);
                            }
                            self.parens.push((c, line, col))
                        }
                        ")" | "]" | "}" => {
                            let open = match *op {
                                ")" => '(',
                                "]" => '[',
                                _ => '{',
                            };
                            match self.parens.pop() {
                                None => {
                                    return Err(self.line_err(
                                        &format!("unmatched '{op}'"),
                                        line,
                                        col,
                                    ))
                                }
                                Some((o, oline, _)) if o != open => {
                                    let msg = if oline != line {
                                        format!("closing parenthesis '{op}' does not match opening parenthesis '{o}' on line {oline}")
                                    } else {
                                        format!("closing parenthesis '{op}' does not match opening parenthesis '{o}'")
                                    };
                                    return Err(self.line_err(&msg, line, col));
                                }
                                _ => {}
                            }
                        }
                        _ => {}
                    }
                    self.push(Tok::Op(op), line, col);
                }
            }
        }
        if let Some((o, l, c)) = self.parens.last() {
            // Reported when the parser reaches the end (an earlier syntax
            // error wins, as in CPython).
            // pegen's raise_unclosed_parentheses_error: no end column
            // (end_offset 0); the text of a line before the last has no
            // newline (get_error_line_from_tokenizer_buffers).
            let mut e = self.err(&format!("'{o}' was never closed"), *l, *c);
            e.end_line = *l;
            let nlines = self.src.split_inclusive('\n').count() as u32;
            if self.col_adjust == 0 && *l >= self.first_line && *l - self.first_line + 1 < nlines {
                let text = self
                    .src
                    .split_inclusive('\n')
                    .nth((*l - self.first_line) as usize);
                e.text = text.map(|t| t.trim_end_matches(['\n', '\r']).to_string());
            }
            self.eof_error = Some(e);
        }
        let (line, col) = (self.line, self.col());
        if !matches!(
            self.toks.last().map(|t| &t.tok),
            None | Some(Tok::Newline) | Some(Tok::Dedent)
        ) {
            self.toks.push(Token {
                tok: Tok::Newline,
                line,
                col,
                end_line: line,
                end_col: col + 1,
            });
        }
        while self.indents.len() > 1 {
            self.indents.pop();
            self.toks.push(Token {
                tok: Tok::Dedent,
                line,
                col: 0,
                end_line: line,
                end_col: 0,
            });
        }
        self.toks.push(Token {
            tok: Tok::EndMarker,
            line,
            col: 0,
            end_line: line,
            end_col: 0,
        });
        Ok(())
    }

    /// At the start of a logical line: measure the indentation, skip blank
    /// and comment-only lines, emit INDENT/DEDENT. False at end of input.
    fn indentation(&mut self) -> Result<bool, CompileError> {
        loop {
            // `alt` counts a tab as one column: both measures must agree
            // on the block structure (tokenizer.c's altcol).
            let (mut width, mut alt) = (0u32, 0u32);
            while let Some(c) = self.peek() {
                match c {
                    ' ' => {
                        width += 1;
                        alt += 1;
                    }
                    '\t' => {
                        width = (width / 8 + 1) * 8;
                        alt += 1;
                    }
                    '\x0c' => {
                        width = 0;
                        alt = 0;
                    }
                    _ => break,
                }
                self.pos += 1;
            }
            match self.peek() {
                None => return Ok(false),
                Some('#') | Some('\n') | Some('\r') => {
                    while let Some(c) = self.peek() {
                        if c == '\n' || c == '\r' {
                            break;
                        }
                        self.pos += c.len_utf8();
                    }
                    if self.peek() == Some('\r') {
                        self.pos += 1;
                    }
                    if self.peek() == Some('\n') {
                        self.pos += 1;
                    }
                    if self.pos >= self.src.len() {
                        return Ok(false);
                    }
                    self.newline();
                    continue;
                }
                _ => {}
            }
            self.at_line_start = false;
            let cur = *self.indents.last().unwrap_or(&0);
            let cur_alt = *self.alt_indents.last().unwrap_or(&0);
            let (line, col) = (self.line, self.col());
            let tab_error = |_: &Self| {
                let mut e = CompileError::syntax(
                    "inconsistent use of tabs and spaces in indentation",
                    line,
                    1,
                );
                e.kind = super::ErrorKind::Tab;
                e
            };
            if width == cur && alt != cur_alt {
                return Err(tab_error(self));
            }
            if width > cur {
                // tokenizer.c's MAXINDENT (E_TOODEEP): no end column.
                if self.indents.len() >= 100 {
                    let mut e = CompileError::syntax("too many levels of indentation", line, 1);
                    e.kind = super::ErrorKind::Indentation;
                    e.end_line = line;
                    return Err(e);
                }
                if alt <= cur_alt {
                    return Err(tab_error(self));
                }
                self.indents.push(width);
                self.alt_indents.push(alt);
                self.toks.push(Token {
                    tok: Tok::Indent,
                    line,
                    col: 0,
                    end_line: line,
                    end_col: col,
                });
            } else if width < cur {
                while width < *self.indents.last().unwrap_or(&0) {
                    self.indents.pop();
                    self.alt_indents.pop();
                    self.toks.push(Token {
                        tok: Tok::Dedent,
                        line,
                        col,
                        end_line: line,
                        end_col: col,
                    });
                }
                if width != *self.indents.last().unwrap_or(&0) {
                    let rest = &self.src[self.line_start..];
                    let eol = rest.find(['\n', '\r']).unwrap_or(rest.len());
                    let mut e = CompileError::syntax(
                        "unindent does not match any outer indentation level",
                        line,
                        eol as u32 + 1,
                    );
                    e.kind = super::ErrorKind::Indentation;
                    // E_DEDENT has no end column: end_offset -1.
                    e.end_line = line;
                    e.at_next_token = true;
                    return Err(e);
                }
                if alt != *self.alt_indents.last().unwrap_or(&0) {
                    return Err(tab_error(self));
                }
            }
            return Ok(true);
        }
    }

    /// An unterminated-string error: CPython reports the line as read,
    /// before any implicit final newline.
    fn string_error(&self, msg: &str, line: u32, col: u32, start: usize) -> CompileError {
        let line_start = self.src[..start].rfind('\n').map_or(0, |i| i + 1);
        let rest = &self.src[line_start..];
        let text = match rest.find('\n') {
            Some(i) => &rest[..i],
            None => rest,
        };
        let mut e = self.err(msg, line, col);
        e.text = Some(text.to_string());
        e
    }

    fn string(&mut self, start: usize, line: u32, col: u32) -> Result<(), CompileError> {
        let Some(q) = self.peek() else {
            return Err(self.err("invalid syntax", line, col));
        };
        let triple = self.src[self.pos..].starts_with(if q == '"' { "\"\"\"" } else { "'''" });
        let qlen = if triple { 3 } else { 1 };
        self.pos += qlen;
        loop {
            let Some(c) = self.peek() else {
                let msg = if triple {
                    format!(
                        "unterminated triple-quoted string literal (detected at line {})",
                        self.line
                    )
                } else {
                    format!("unterminated string literal (detected at line {line})")
                };
                return Err(self.string_error(&msg, line, col, start));
            };
            match c {
                '\\' => {
                    self.pos += 1;
                    match self.peek() {
                        Some('\r') => {
                            self.pos += 1;
                            if self.peek() == Some('\n') {
                                self.pos += 1;
                            }
                            self.newline();
                        }
                        Some('\n') => {
                            self.pos += 1;
                            self.newline();
                        }
                        Some(c) => self.pos += c.len_utf8(),
                        None => {}
                    }
                }
                '\n' | '\r' if !triple => {
                    return Err(self.string_error(
                        &format!("unterminated string literal (detected at line {line})"),
                        line,
                        col,
                        start,
                    ));
                }
                '\n' => {
                    self.pos += 1;
                    self.newline();
                }
                '\r' => {
                    self.pos += 1;
                    if self.peek() == Some('\n') {
                        self.pos += 1;
                    }
                    self.newline();
                }
                c if c == q => {
                    if !triple {
                        self.pos += 1;
                        break;
                    }
                    if self.src[self.pos..].starts_with(if q == '"' { "\"\"\"" } else { "'''" }) {
                        self.pos += 3;
                        break;
                    }
                    self.pos += 1;
                }
                c => self.pos += c.len_utf8(),
            }
        }
        let text = self.src[start..self.pos].to_string();
        self.push(Tok::Str(text), line, col);
        Ok(())
    }
}
