//! A compiler from Python source to CPython 3.11 bytecode, for `compile`,
//! `exec` and `eval` on source text (which the stdlib itself relies on:
//! `collections.namedtuple`, `dataclasses`).
//!
//! Stages: tokenizer.rs → parser.rs/parser_expr.rs/strings.rs (AST in
//! ast.rs) → symtable.rs (scopes) → codegen*.rs (instructions) →
//! assembler.rs (bytecode, line and exception tables). The result is a
//! marshal-level `CodeObject` inside an [`Obj`], so it goes through the
//! same verifier and loader as code read from a .pyc.

pub mod assembler;
pub mod ast;
pub mod ast_compile;
pub mod codegen;
pub mod codegen_expr;
pub mod codegen_match;
pub mod codegen_stmt;
pub mod codegen_try;
pub mod codegen_warn;
pub mod interactive;
pub mod parser;
pub mod parser_expr;
pub mod parser_hints;
pub mod parser_match;
pub mod strings;
pub mod symtable;
pub mod tokenizer;
pub mod unparse;
pub mod vmglue;

pub use ast::Mode;

use crate::pyc::Obj;

/// Which SyntaxError subclass an error is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Syntax,
    Indentation,
    Tab,
    /// pegen's parser stack overflow (MAXSTACK): MemoryError in 3.11.
    Memory,
    /// The compiler's nesting limit: RecursionError "maximum recursion
    /// depth exceeded during compilation".
    Recursion,
}

/// A compile error with CPython's SyntaxError fields (`offset` and
/// `end_offset` are 1-based; 0 = unknown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    pub kind: ErrorKind,
    pub msg: String,
    pub filename: String,
    pub lineno: u32,
    pub offset: u32,
    pub end_line: u32,
    pub end_offset: u32,
    pub text: Option<String>,
    /// Raised by the symbol table or code generator: CPython gives those
    /// no source text (it would read it from the file).
    pub no_text: bool,
    /// Placed at the token after the offending one (pegen's
    /// `RAISE_SYNTAX_ERROR` after a run of string literals): in eval mode
    /// at the end of a source without a final newline CPython gives that
    /// token no column and reports its cursor, the line's length.
    pub at_next_token: bool,
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}, line {})", self.msg, self.filename, self.lineno)
    }
}

impl std::error::Error for CompileError {}

impl CompileError {
    pub fn syntax(msg: &str, lineno: u32, offset: u32) -> CompileError {
        CompileError {
            kind: ErrorKind::Syntax,
            msg: msg.to_string(),
            filename: String::new(),
            lineno,
            offset,
            end_line: 0,
            end_offset: 0,
            text: None,
            no_text: false,
            at_next_token: false,
        }
    }

    /// Source nested too deeply for the parser (MemoryError).
    pub fn memory() -> CompileError {
        let mut e = CompileError::syntax("", 0, 0);
        e.kind = ErrorKind::Memory;
        e
    }

    /// An AST nested too deeply to compile (RecursionError).
    pub fn recursion() -> CompileError {
        let mut e =
            CompileError::syntax("maximum recursion depth exceeded during compilation", 0, 0);
        e.kind = ErrorKind::Recursion;
        e
    }

    /// Whether this is a MemoryError or RecursionError, not a SyntaxError:
    /// it ends the compilation whatever else was found.
    pub fn is_resource(&self) -> bool {
        matches!(self.kind, ErrorKind::Memory | ErrorKind::Recursion)
    }

    /// A failure of the compiler itself (reported as SystemError).
    pub fn internal(msg: &str) -> CompileError {
        CompileError::syntax(&format!("pycvm compiler: {msg}"), 0, 0)
    }
}

/// Compile source text to a code object (`compile(source, filename, mode)`).
pub fn compile_source(source: &str, filename: &str, mode: Mode) -> Result<Obj, CompileError> {
    compile_with_warnings(source, filename, mode).map(|(code, _)| code)
}

/// Like [`compile_source`], also returning the SyntaxWarnings CPython's
/// compiler would issue (message, where).
pub fn compile_with_warnings(
    source: &str,
    filename: &str,
    mode: Mode,
) -> Result<Compiled, CompileError> {
    compile_with_flags(source, filename, mode, 0)
}

/// Like [`compile_with_warnings`] with `compile()`'s flags: the future
/// flags (given and inherited from the calling code), of which only
/// `CO_FUTURE_ANNOTATIONS` changes what is compiled, and
/// `PyCF_DONT_IMPLY_DEDENT` for 'single' mode.
pub fn compile_with_flags(
    source: &str,
    filename: &str,
    mode: Mode,
    flags: u32,
) -> Result<Compiled, CompileError> {
    compile_inner(source, filename, mode, flags).map_err(|mut e| {
        e.filename = filename.to_string();
        // In eval and single modes (no newline appended) an error at the
        // implicit end of a source without a final newline has offset 0
        // in CPython.
        if mode != Mode::Exec && !source.ends_with('\n') {
            let last = source.rsplit('\n').next().unwrap_or("");
            let nlines = source.split('\n').count() as u32;
            let len = last.chars().count();
            if e.lineno == nlines && e.offset as usize == len + 1 {
                e.offset = if e.at_next_token { len as u32 } else { 0 };
                e.end_offset = 0;
                e.end_line = e.lineno;
            }
        }
        if e.lineno > 0 && e.text.is_none() && !e.no_text {
            e.text = source
                .split_inclusive('\n')
                .nth(e.lineno as usize - 1)
                .map(|l| {
                    // The tokenizer ends the last line with a newline in
                    // exec mode, as CPython's does.
                    if mode == Mode::Exec && !l.ends_with('\n') {
                        format!("{l}\n")
                    } else {
                        l.to_string()
                    }
                });
        }
        e
    })
}

fn compile_inner(
    source: &str,
    filename: &str,
    mode: Mode,
    flags: u32,
) -> Result<Compiled, CompileError> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let (toks, eof_error, tok_warnings) = match tokenizer::tokenize_deferred_warn(source) {
        Ok(t) => t,
        Err(e) if mode == Mode::Single => {
            return Err(interactive::single_tokenizer_error(source, &e).unwrap_or(e))
        }
        Err(e) => return Err(e),
    };
    let last = toks.len().saturating_sub(2);
    let mut p = parser::Parser::new(toks);
    let r = compile_parsed(&mut p, source, filename, mode, flags);
    let r = r.map_err(|e| parser_hints::comma_hint(&mut p, e, source));
    let r = r.map(|(code, mut warnings)| {
        // The tokenizer's warnings come first (CPython's parser emits
        // them before compiling).
        let tw = tok_warnings.into_iter().map(|(msg, line)| {
            let loc = ast::Loc {
                line,
                col: 0,
                end_line: line,
                end_col: 0,
            };
            (msg, loc)
        });
        warnings.splice(0..0, tw);
        (code, warnings)
    });
    match (r, eof_error) {
        (Ok(_), Some(e)) => Err(e),
        (Err(pe), Some(e)) => Err(
            if !pe.is_resource() && prefer_eof_error(&p, &pe, &e, last) {
                e
            } else {
                pe
            },
        ),
        (r, None) => r,
    }
}

/// Whether an unclosed bracket (`eof`) is reported instead of the
/// parser's error `pe`: when the parser got to the end of the input, or
/// its error is on a later line than the bracket (pegen's
/// `_PyPegen_tokenize_full_source_to_check_for_errors`).
fn prefer_eof_error(
    p: &parser::Parser,
    pe: &CompileError,
    eof: &CompileError,
    last: usize,
) -> bool {
    p.position() >= last || pe.lineno > eof.lineno
}

/// The code object and the SyntaxWarnings found: (message, where).
pub type Compiled = (Obj, Vec<(String, ast::Loc)>);

/// Whether the module's leading `from __future__ import` statements (after
/// an optional docstring) include `annotations` (future.c).
fn imports_future_annotations(body: &[ast::Stmt]) -> bool {
    let mut found = false;
    for (i, s) in body.iter().enumerate() {
        match &s.kind {
            ast::StmtKind::ImportFrom(Some(m), names, 0) if m == "__future__" => {
                found |= names.iter().any(|a| a.name == "annotations");
            }
            ast::StmtKind::Expr(e)
                if i == 0 && matches!(e.kind, ast::ExprKind::Constant(ast::Const::Str(_))) => {}
            _ => break,
        }
    }
    found
}

fn compile_parsed(
    p: &mut parser::Parser,
    source: &str,
    filename: &str,
    mode: Mode,
    flags: u32,
) -> Result<Compiled, CompileError> {
    let future_flag = flags & codegen::CO_FUTURE_ANNOTATIONS != 0;
    match mode {
        Mode::Eval => {
            let e = p.parse_eval()?;
            let st = symtable::SymTable::build_eval(&e)?;
            let mut c = codegen::Compiler {
                st: &st,
                units: Vec::new(),
                filename: filename.to_string(),
                interactive: false,
                warnings: Vec::new(),
                future_lineno: 0,
                future_annotations: future_flag,
            };
            let code = c.compile_eval(&e)?;
            Ok((code, c.warnings))
        }
        Mode::Exec | Mode::Single => {
            let body = if mode == Mode::Single {
                let body = interactive::parse_single(p)?;
                if body
                    .first()
                    .is_some_and(|s| interactive::is_compound(&s.kind))
                {
                    let dedent = i64::from(flags) & interactive::DONT_IMPLY_DEDENT;
                    interactive::compound_terminated(source, p, dedent)?;
                }
                body
            } else {
                p.parse_module()?
            };
            let future_annotations = future_flag || imports_future_annotations(&body);
            let st = symtable::SymTable::build_module_with(&body, future_annotations)?;
            let mut c = codegen::Compiler {
                st: &st,
                units: Vec::new(),
                filename: filename.to_string(),
                interactive: mode == Mode::Single,
                warnings: Vec::new(),
                future_lineno: 0,
                future_annotations,
            };
            // One logical line: simple statements joined by `;` are fine.
            let one_line = body.windows(2).all(|w| w[1].loc.line == w[0].loc.end_line);
            if mode == Mode::Single && body.len() > 1 && !one_line {
                let l = body[0].loc;
                return Err(CompileError::syntax(
                    "multiple statements found while compiling a single statement",
                    l.end_line,
                    l.end_col + 1,
                ));
            }
            let code = c.compile_module(&body)?;
            Ok((code, c.warnings))
        }
    }
}

/// A parse result for `compile(..., PyCF_ONLY_AST)`, converted to `_ast`
/// objects by src/modules/ast_build.rs.
pub enum Tree {
    Module(Vec<ast::Stmt>),
    Interactive(Vec<ast::Stmt>),
    Expression(ast::Expr),
}

/// Parse source text without compiling it (`ast.parse`): syntax errors as
/// `compile_source` reports them; no symbol-table checks (CPython's
/// `ast.parse` accepts `return` outside a function).
pub fn parse_source(source: &str, filename: &str, mode: Mode) -> Result<Tree, CompileError> {
    let fail = |e| compile_source_error(e, source, filename, mode);
    let text = source.strip_prefix('\u{feff}').unwrap_or(source);
    let (toks, eof_error) = tokenizer::tokenize_deferred(text).map_err(fail)?;
    let last = toks.len().saturating_sub(2);
    let mut p = parser::Parser::new(toks);
    let r = match mode {
        Mode::Eval => p.parse_eval().map(Tree::Expression),
        Mode::Exec => p.parse_module().map(Tree::Module),
        Mode::Single => interactive::parse_single(&mut p).map(Tree::Interactive),
    };
    let r = r.map_err(|e| parser_hints::comma_hint(&mut p, e, text));
    match (r, eof_error) {
        (Ok(_), Some(e)) => Err(fail(e)),
        (Err(pe), Some(e)) => Err(fail(if prefer_eof_error(&p, &pe, &e, last) {
            e
        } else {
            pe
        })),
        (r, None) => r.map_err(fail),
    }
}

/// `compile_source`'s error with its filename and source line filled in.
fn compile_source_error(
    mut e: CompileError,
    source: &str,
    filename: &str,
    mode: Mode,
) -> CompileError {
    e.filename = filename.to_string();
    if e.lineno > 0 && e.text.is_none() && !e.no_text {
        e.text = source
            .split_inclusive('\n')
            .nth(e.lineno as usize - 1)
            .map(|l| {
                if mode == Mode::Exec && !l.ends_with('\n') {
                    format!("{l}\n")
                } else {
                    l.to_string()
                }
            });
    }
    e
}
