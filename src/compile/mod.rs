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
pub mod codegen;
pub mod codegen_expr;
pub mod codegen_stmt;
pub mod parser;
pub mod parser_expr;
pub mod strings;
pub mod symtable;
pub mod tokenizer;
pub mod vmglue;

pub use ast::Mode;

use crate::pyc::Obj;

/// Which SyntaxError subclass an error is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Syntax,
    Indentation,
    Tab,
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
        }
    }

    /// A failure of the compiler itself (reported as SystemError).
    pub fn internal(msg: &str) -> CompileError {
        CompileError::syntax(&format!("pycvm compiler: {msg}"), 0, 0)
    }
}

/// Compile source text to a code object (`compile(source, filename, mode)`).
pub fn compile_source(source: &str, filename: &str, mode: Mode) -> Result<Obj, CompileError> {
    compile_inner(source, filename, mode).map_err(|mut e| {
        e.filename = filename.to_string();
        if e.lineno > 0 && e.text.is_none() && !e.no_text {
            e.text = source
                .split_inclusive('\n')
                .nth(e.lineno as usize - 1)
                .map(|l| {
                    // The tokenizer ends the last line with a newline in
                    // exec mode, as CPython's does.
                    if mode != Mode::Eval && !l.ends_with('\n') {
                        format!("{l}\n")
                    } else {
                        l.to_string()
                    }
                });
        }
        e
    })
}

fn compile_inner(source: &str, filename: &str, mode: Mode) -> Result<Obj, CompileError> {
    let (toks, eof_error) = tokenizer::tokenize_deferred(source)?;
    let last = toks.len().saturating_sub(2);
    let mut p = parser::Parser::new(toks);
    let r = compile_parsed(&mut p, filename, mode);
    match (r, eof_error) {
        (Ok(_), Some(e)) => Err(e),
        (Err(pe), Some(e)) => {
            // A syntax error before the end of input wins.
            if p.position() < last {
                Err(pe)
            } else {
                Err(e)
            }
        }
        (r, None) => r,
    }
}

fn compile_parsed(p: &mut parser::Parser, filename: &str, mode: Mode) -> Result<Obj, CompileError> {
    match mode {
        Mode::Eval => {
            let e = p.parse_eval()?;
            let st = symtable::SymTable::build_eval(&e)?;
            let mut c = codegen::Compiler {
                st: &st,
                units: Vec::new(),
                filename: filename.to_string(),
                interactive: false,
            };
            c.compile_eval(&e)
        }
        Mode::Exec | Mode::Single => {
            let body = p.parse_module()?;
            let st = symtable::SymTable::build_module(&body)?;
            let mut c = codegen::Compiler {
                st: &st,
                units: Vec::new(),
                filename: filename.to_string(),
                interactive: mode == Mode::Single,
            };
            if mode == Mode::Single && body.len() > 1 {
                let l = body[0].loc;
                return Err(CompileError::syntax(
                    "multiple statements found while compiling a single statement",
                    l.end_line,
                    l.end_col + 1,
                ));
            }
            c.compile_module(&body)
        }
    }
}
