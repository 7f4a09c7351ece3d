//! The abstract syntax tree the parser builds and the code generator
//! reads: CPython's `ast` node kinds (Parser/Python.asdl), each carrying
//! its source span (1-based lines, 0-based UTF-8 byte columns).

use num_bigint::BigInt;

/// A node's source span, as CPython's `lineno`/`col_offset`/`end_*`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loc {
    pub line: u32,
    pub col: u32,
    pub end_line: u32,
    pub end_col: u32,
}

impl Loc {
    /// The span from the start of `self` to the end of `other`.
    pub fn to(self, other: Loc) -> Loc {
        Loc {
            line: self.line,
            col: self.col,
            end_line: other.end_line,
            end_col: other.end_col,
        }
    }
}

/// A constant value (`ast.Constant`).
#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    None,
    True,
    False,
    Ellipsis,
    Int(i64),
    BigInt(BigInt),
    Float(f64),
    Complex(f64, f64),
    /// A str as surrogate-tolerant UTF-8 (lone surrogates allowed).
    Str(Vec<u8>),
    Bytes(Vec<u8>),
    Tuple(Vec<Const>),
    /// Only made by the code generator (a constant set display).
    FrozenSet(Vec<Const>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ctx {
    Load,
    Store,
    Del,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoolOp {
    And,
    Or,
}

/// Binary operators, numbered as BINARY_OP's argument (`NB_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add = 0,
    BitAnd = 1,
    FloorDiv = 2,
    LShift = 3,
    MatMult = 4,
    Mult = 5,
    Mod = 6,
    BitOr = 7,
    Pow = 8,
    RShift = 9,
    Sub = 10,
    Div = 11,
    BitXor = 12,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Invert,
    Not,
    UAdd,
    USub,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Lt,
    LtE,
    Eq,
    NotEq,
    Gt,
    GtE,
    Is,
    IsNot,
    In,
    NotIn,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub loc: Loc,
    pub kind: ExprKind,
}

#[derive(Clone, Debug)]
pub struct Keyword {
    /// None for `**mapping`.
    pub arg: Option<String>,
    pub value: Expr,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct Comprehension {
    pub target: Expr,
    pub iter: Expr,
    pub ifs: Vec<Expr>,
    pub is_async: bool,
}

#[derive(Clone, Debug)]
pub struct Arg {
    pub name: String,
    pub annotation: Option<Box<Expr>>,
    pub loc: Loc,
}

/// A function's or lambda's parameters (`ast.arguments`).
#[derive(Clone, Debug, Default)]
pub struct Arguments {
    pub posonly: Vec<Arg>,
    pub args: Vec<Arg>,
    pub vararg: Option<Arg>,
    pub kwonly: Vec<Arg>,
    /// One per kw-only parameter, None where it has no default.
    pub kw_defaults: Vec<Option<Expr>>,
    pub kwarg: Option<Arg>,
    /// Defaults of the last positional parameters.
    pub defaults: Vec<Expr>,
}

impl Arguments {
    /// All parameter names in co_varnames order.
    pub fn all(&self) -> Vec<&Arg> {
        let mut v: Vec<&Arg> = self.posonly.iter().chain(&self.args).collect();
        v.extend(self.kwonly.iter());
        v.extend(self.vararg.iter());
        v.extend(self.kwarg.iter());
        v
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompKind {
    List,
    Set,
    Dict,
    Gen,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    BoolOp(BoolOp, Vec<Expr>),
    NamedExpr(Box<Expr>, Box<Expr>),
    BinOp(Box<Expr>, BinOp, Box<Expr>),
    UnaryOp(UnaryOp, Box<Expr>),
    Lambda(Box<Arguments>, Box<Expr>),
    IfExp(Box<Expr>, Box<Expr>, Box<Expr>),
    /// Keys None for `**mapping`.
    Dict(Vec<Option<Expr>>, Vec<Expr>),
    Set(Vec<Expr>),
    /// List/set/dict comprehension or generator expression: the element
    /// (key for dicts), the value for dicts, the generators.
    Comp(CompKind, Box<Expr>, Option<Box<Expr>>, Vec<Comprehension>),
    Await(Box<Expr>),
    Yield(Option<Box<Expr>>),
    YieldFrom(Box<Expr>),
    Compare(Box<Expr>, Vec<CmpOp>, Vec<Expr>),
    Call(Box<Expr>, Vec<Expr>, Vec<Keyword>),
    /// f-string parts: the value, conversion (-1 none, 's', 'r', 'a'),
    /// format spec (a JoinedStr).
    FormattedValue(Box<Expr>, i32, Option<Box<Expr>>),
    JoinedStr(Vec<Expr>),
    Constant(Const),
    Attribute(Box<Expr>, String, Ctx),
    Subscript(Box<Expr>, Box<Expr>, Ctx),
    Starred(Box<Expr>, Ctx),
    Name(String, Ctx),
    List(Vec<Expr>, Ctx),
    Tuple(Vec<Expr>, Ctx),
    Slice(Option<Box<Expr>>, Option<Box<Expr>>, Option<Box<Expr>>),
}

#[derive(Clone, Debug)]
pub struct Alias {
    pub name: String,
    pub asname: Option<String>,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct WithItem {
    pub context: Expr,
    pub vars: Option<Expr>,
}

#[derive(Clone, Debug)]
pub struct ExceptHandler {
    pub typ: Option<Expr>,
    pub name: Option<String>,
    pub body: Vec<Stmt>,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct FunctionDef {
    pub name: String,
    pub args: Arguments,
    pub body: Vec<Stmt>,
    pub decorators: Vec<Expr>,
    pub returns: Option<Expr>,
    pub is_async: bool,
}

#[derive(Clone, Debug)]
pub struct ClassDef {
    pub name: String,
    pub bases: Vec<Expr>,
    pub keywords: Vec<Keyword>,
    pub body: Vec<Stmt>,
    pub decorators: Vec<Expr>,
}

#[derive(Clone, Debug)]
pub struct MatchCase {
    pub pattern: Pattern,
    pub guard: Option<Expr>,
    pub body: Vec<Stmt>,
}

#[derive(Clone, Debug)]
pub struct Pattern {
    pub loc: Loc,
    pub kind: PatternKind,
}

#[derive(Clone, Debug)]
pub enum PatternKind {
    Value(Expr),
    Singleton(Const),
    Sequence(Vec<Pattern>),
    /// Keys, patterns, `**rest` name.
    Mapping(Vec<Expr>, Vec<Pattern>, Option<String>),
    /// Class, positional patterns, keyword names, keyword patterns.
    Class(Expr, Vec<Pattern>, Vec<String>, Vec<Pattern>),
    /// `*name` (None for `*_`).
    Star(Option<String>),
    /// `pattern as name`, or a bare capture (pattern None) / wildcard (both None).
    As(Option<Box<Pattern>>, Option<String>),
    Or(Vec<Pattern>),
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub loc: Loc,
    pub kind: StmtKind,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    FunctionDef(Box<FunctionDef>),
    ClassDef(Box<ClassDef>),
    Return(Option<Expr>),
    Delete(Vec<Expr>),
    Assign(Vec<Expr>, Expr),
    AugAssign(Expr, BinOp, Expr),
    /// Target, annotation, value, simple (a bare name, not parenthesized).
    AnnAssign(Expr, Expr, Option<Expr>, bool),
    For(Expr, Expr, Vec<Stmt>, Vec<Stmt>, bool),
    While(Expr, Vec<Stmt>, Vec<Stmt>),
    If(Expr, Vec<Stmt>, Vec<Stmt>),
    With(Vec<WithItem>, Vec<Stmt>, bool),
    Match(Expr, Vec<MatchCase>),
    Raise(Option<Expr>, Option<Expr>),
    /// Body, handlers, else, finally, is `except*`.
    Try(Vec<Stmt>, Vec<ExceptHandler>, Vec<Stmt>, Vec<Stmt>, bool),
    Assert(Expr, Option<Expr>),
    Import(Vec<Alias>),
    ImportFrom(Option<String>, Vec<Alias>, u32),
    Global(Vec<String>),
    Nonlocal(Vec<String>),
    Expr(Expr),
    Pass,
    Break,
    Continue,
}

/// What `compile()` was asked to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Exec,
    Eval,
    Single,
}
