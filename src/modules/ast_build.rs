//! `compile(source, filename, mode, PyCF_ONLY_AST)` (what `ast.parse`,
//! `ast.literal_eval`, `inspect.getsource` and `traceback`'s caret anchors
//! use): the compiler's syntax tree (src/compile/ast.rs) converted into
//! instances of the `_ast` node classes, with CPython's field values and
//! `lineno`/`col_offset`/`end_lineno`/`end_col_offset` attributes.
//! Context and operator nodes are shared singletons, as in CPython.

use std::collections::HashMap;

use crate::compile::ast::{
    Alias, Arg, Arguments, BinOp, BoolOp, CmpOp, CompKind, Comprehension, Const, Ctx,
    ExceptHandler, Expr, ExprKind, Keyword, Loc, MatchCase, Pattern, PatternKind, Stmt, StmtKind,
    UnaryOp, WithItem,
};
use crate::compile::codegen::const_obj;
use crate::compile::Tree;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

/// Converts one parsed tree; holds the `_ast` module and the singletons.
struct AstBuilder<'v> {
    vm: &'v mut Vm,
    /// The source lines (for the `def`/`class` line of decorated definitions).
    lines: Vec<&'v str>,
    module: Value,
    singletons: HashMap<&'static str, Value>,
    /// Nodes being converted, the tree's own node first, and the most
    /// allowed: ast2obj's recursion_depth and recursion_limit (three times
    /// the recursion limit less three times the current depth).
    depth: usize,
    budget: usize,
}

/// The `_ast` object for a whole parse result (`Module`, `Expression` or
/// `Interactive`).
pub fn tree_to_pyast(vm: &mut Vm, tree: &Tree, source: &str) -> PyResult<Value> {
    let module = vm.import_by_name("_ast")?;
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let budget = vm
        .recursion_limit
        .saturating_sub(vm.recursion_depth())
        .saturating_mul(3);
    let mut b = AstBuilder {
        vm,
        lines: source.split('\n').collect(),
        module,
        singletons: HashMap::new(),
        depth: 1,
        budget,
    };
    match tree {
        Tree::Module(body) => {
            let body = b.stmts(body)?;
            let ignores = b.vm.new_list(vec![]);
            b.node("Module", &[("body", body), ("type_ignores", ignores)], None)
        }
        Tree::Interactive(body) => {
            let body = b.stmts(body)?;
            b.node("Interactive", &[("body", body)], None)
        }
        Tree::Expression(e) => {
            let body = b.expr(e)?;
            b.node("Expression", &[("body", body)], None)
        }
    }
}

/// Whether a generator expression's span ends with its last clause (the
/// compiler's span of `f(x for x in y)`), not with its own parenthesis.
fn bare_genexp(loc: Loc, gens: &[Comprehension]) -> bool {
    let Some(last) = gens.last() else {
        return false;
    };
    let end = last.ifs.last().map_or(last.iter.loc, |e| e.loc);
    (end.end_line, end.end_col) == (loc.end_line, loc.end_col)
}

/// Whether `v` is an `_ast.AST` instance (what `compile` accepts as a tree).
pub fn is_ast_node(vm: &mut Vm, v: &Value) -> PyResult<bool> {
    let Value::Obj(_) = v else {
        return Ok(false);
    };
    let module = vm.import_by_name("_ast")?;
    let Value::Obj(ast) = vm.getattr_str(&module, "AST")? else {
        return Ok(false);
    };
    let t = vm.type_of(v);
    Ok(crate::objects::typeobj::is_subtype(&t, &ast))
}

impl AstBuilder<'_> {
    /// A new instance of `_ast.<cls>` with `fields` and the position `loc`.
    fn node(&mut self, cls: &str, fields: &[(&str, Value)], loc: Option<Loc>) -> PyResult<Value> {
        let ty = self.vm.getattr_str(&self.module, cls)?;
        let obj = self.vm.call(&ty, &[])?;
        for (name, v) in fields {
            self.set(&obj, name, v.clone())?;
        }
        if let Some(l) = loc {
            for (name, n) in [
                ("lineno", l.line),
                ("col_offset", l.col),
                ("end_lineno", l.end_line),
                ("end_col_offset", l.end_col),
            ] {
                self.set(&obj, name, Value::Int(i64::from(n)))?;
            }
        }
        Ok(obj)
    }

    fn set(&mut self, obj: &Value, name: &str, v: Value) -> PyResult<()> {
        let n = self.vm.intern(name);
        self.vm.setattr(obj, &n, Some(v))
    }

    /// A field-less node shared by every use (`Load()`, `Add()`, ...).
    fn singleton(&mut self, cls: &'static str) -> PyResult<Value> {
        if let Some(v) = self.singletons.get(cls) {
            return Ok(v.clone());
        }
        let v = self.node(cls, &[], None)?;
        self.singletons.insert(cls, v.clone());
        Ok(v)
    }

    fn str(&self, s: &str) -> Value {
        self.vm.new_str(s)
    }

    fn opt_str(&self, s: Option<&str>) -> Value {
        s.map_or(Value::None, |s| self.vm.new_str(s))
    }

    fn strs(&self, xs: &[String]) -> Value {
        let items = xs.iter().map(|s| self.vm.new_str(s)).collect();
        self.vm.new_list(items)
    }

    fn list<T>(&mut self, xs: &[T], f: fn(&mut Self, &T) -> PyResult<Value>) -> PyResult<Value> {
        let mut items = Vec::with_capacity(xs.len());
        for x in xs {
            items.push(f(self, x)?);
        }
        Ok(self.vm.new_list(items))
    }

    fn stmts(&mut self, body: &[Stmt]) -> PyResult<Value> {
        self.list(body, Self::stmt)
    }

    fn exprs(&mut self, xs: &[Expr]) -> PyResult<Value> {
        self.list(xs, Self::expr)
    }

    fn opt_expr(&mut self, e: Option<&Expr>) -> PyResult<Value> {
        match e {
            Some(e) => self.expr(e),
            None => Ok(Value::None),
        }
    }

    fn ctx(&mut self, c: Ctx) -> PyResult<Value> {
        self.singleton(match c {
            Ctx::Load => "Load",
            Ctx::Store => "Store",
            Ctx::Del => "Del",
        })
    }

    fn binop(&mut self, op: BinOp) -> PyResult<Value> {
        self.singleton(match op {
            BinOp::Add => "Add",
            BinOp::BitAnd => "BitAnd",
            BinOp::FloorDiv => "FloorDiv",
            BinOp::LShift => "LShift",
            BinOp::MatMult => "MatMult",
            BinOp::Mult => "Mult",
            BinOp::Mod => "Mod",
            BinOp::BitOr => "BitOr",
            BinOp::Pow => "Pow",
            BinOp::RShift => "RShift",
            BinOp::Sub => "Sub",
            BinOp::Div => "Div",
            BinOp::BitXor => "BitXor",
        })
    }

    fn cmpop(&mut self, op: &CmpOp) -> PyResult<Value> {
        self.singleton(match op {
            CmpOp::Lt => "Lt",
            CmpOp::LtE => "LtE",
            CmpOp::Eq => "Eq",
            CmpOp::NotEq => "NotEq",
            CmpOp::Gt => "Gt",
            CmpOp::GtE => "GtE",
            CmpOp::Is => "Is",
            CmpOp::IsNot => "IsNot",
            CmpOp::In => "In",
            CmpOp::NotIn => "NotIn",
        })
    }

    fn constant(&mut self, c: &Const) -> Value {
        let obj = const_obj(c);
        self.vm.const_value(&obj)
    }

    /// Where the `def`/`class` keyword after the last decorator starts:
    /// CPython's position of a decorated definition (the compiler's own
    /// span starts at the first `@`).
    fn after_decorators(&self, decorators: &[Expr], loc: Loc) -> Loc {
        let Some(last) = decorators.last() else {
            return loc;
        };
        let mut line = last.loc.end_line as usize;
        let mut col = last.loc.end_col as usize;
        while let Some(text) = line.checked_sub(1).and_then(|i| self.lines.get(i)) {
            let rest = text.as_bytes().get(col..).unwrap_or(&[]);
            let skip = rest
                .iter()
                .position(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\x0c'));
            match skip.and_then(|i| rest.get(i).map(|c| (i, *c))) {
                Some((_, b'#')) | Some((_, b'\\')) | None => {
                    line += 1;
                    col = 0;
                }
                Some((i, _)) => {
                    return Loc {
                        line: line as u32,
                        col: (col + i) as u32,
                        ..loc
                    }
                }
            }
        }
        loc
    }

    /// The first `ch` in the source after the end of `loc`, skipping
    /// blanks, line continuations and comments.
    fn find_after(&self, loc: Loc, ch: u8) -> Option<(u32, u32)> {
        let mut line = loc.end_line as usize;
        let mut col = loc.end_col as usize;
        loop {
            let text = self.lines.get(line.checked_sub(1)?)?;
            let rest = text.as_bytes().get(col..).unwrap_or(&[]);
            let i = rest
                .iter()
                .position(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\x0c'));
            match i.and_then(|i| rest.get(i).map(|c| (i, *c))) {
                Some((i, c)) if c == ch => return Some((line as u32, (col + i) as u32)),
                Some((_, b'#')) | Some((_, b'\\')) | None => {
                    line += 1;
                    col = 0;
                }
                Some(_) => return None,
            }
        }
    }

    /// One node deeper: RecursionError past the budget or near the end of
    /// the native stack (undone by the caller).
    fn enter(&mut self) -> PyResult<()> {
        self.depth += 1;
        if self.depth > self.budget || crate::vm::stack_guard::exhausted() {
            self.depth -= 1;
            return Err(self.vm.new_error(
                crate::objects::exception::ExcKind::RecursionError,
                "maximum recursion depth exceeded during ast construction",
            ));
        }
        Ok(())
    }

    fn stmt(&mut self, s: &Stmt) -> PyResult<Value> {
        self.enter()?;
        let r = self.stmt_node(s);
        self.depth -= 1;
        r
    }

    fn stmt_node(&mut self, s: &Stmt) -> PyResult<Value> {
        let loc = Some(s.loc);
        match &s.kind {
            StmtKind::FunctionDef(f) => {
                let loc = Some(self.after_decorators(&f.decorators, s.loc));
                let cls = if f.is_async {
                    "AsyncFunctionDef"
                } else {
                    "FunctionDef"
                };
                let name = self.str(&f.name);
                let args = self.arguments(&f.args)?;
                let body = self.stmts(&f.body)?;
                let decos = self.exprs(&f.decorators)?;
                let returns = self.opt_expr(f.returns.as_ref())?;
                self.node(
                    cls,
                    &[
                        ("name", name),
                        ("args", args),
                        ("body", body),
                        ("decorator_list", decos),
                        ("returns", returns),
                        ("type_comment", Value::None),
                    ],
                    loc,
                )
            }
            StmtKind::ClassDef(c) => {
                let loc = Some(self.after_decorators(&c.decorators, s.loc));
                let name = self.str(&c.name);
                let bases = self.exprs(&c.bases)?;
                let kws = self.list(&c.keywords, Self::keyword)?;
                let body = self.stmts(&c.body)?;
                let decos = self.exprs(&c.decorators)?;
                self.node(
                    "ClassDef",
                    &[
                        ("name", name),
                        ("bases", bases),
                        ("keywords", kws),
                        ("body", body),
                        ("decorator_list", decos),
                    ],
                    loc,
                )
            }
            StmtKind::Return(v) => {
                let v = self.opt_expr(v.as_ref())?;
                self.node("Return", &[("value", v)], loc)
            }
            StmtKind::Delete(ts) => {
                let ts = self.exprs(ts)?;
                self.node("Delete", &[("targets", ts)], loc)
            }
            StmtKind::Assign(ts, v) => {
                let ts = self.exprs(ts)?;
                let v = self.expr(v)?;
                self.node(
                    "Assign",
                    &[("targets", ts), ("value", v), ("type_comment", Value::None)],
                    loc,
                )
            }
            StmtKind::AugAssign(t, op, v) => {
                let t = self.expr(t)?;
                let op = self.binop(*op)?;
                let v = self.expr(v)?;
                self.node("AugAssign", &[("target", t), ("op", op), ("value", v)], loc)
            }
            StmtKind::AnnAssign(t, ann, v, simple) => {
                let t = self.expr(t)?;
                let ann = self.expr(ann)?;
                let v = self.opt_expr(v.as_ref())?;
                let simple = Value::Int(i64::from(*simple));
                self.node(
                    "AnnAssign",
                    &[
                        ("target", t),
                        ("annotation", ann),
                        ("value", v),
                        ("simple", simple),
                    ],
                    loc,
                )
            }
            StmtKind::For(t, it, body, orelse, is_async) => {
                let cls = if *is_async { "AsyncFor" } else { "For" };
                let t = self.expr(t)?;
                let it = self.expr(it)?;
                let body = self.stmts(body)?;
                let orelse = self.stmts(orelse)?;
                self.node(
                    cls,
                    &[
                        ("target", t),
                        ("iter", it),
                        ("body", body),
                        ("orelse", orelse),
                        ("type_comment", Value::None),
                    ],
                    loc,
                )
            }
            StmtKind::While(test, body, orelse) => {
                let test = self.expr(test)?;
                let body = self.stmts(body)?;
                let orelse = self.stmts(orelse)?;
                self.node(
                    "While",
                    &[("test", test), ("body", body), ("orelse", orelse)],
                    loc,
                )
            }
            StmtKind::If(test, body, orelse) => {
                let test = self.expr(test)?;
                let body = self.stmts(body)?;
                let orelse = self.stmts(orelse)?;
                self.node(
                    "If",
                    &[("test", test), ("body", body), ("orelse", orelse)],
                    loc,
                )
            }
            StmtKind::With(items, body, is_async) => {
                let cls = if *is_async { "AsyncWith" } else { "With" };
                let items = self.list(items, Self::withitem)?;
                let body = self.stmts(body)?;
                self.node(
                    cls,
                    &[
                        ("items", items),
                        ("body", body),
                        ("type_comment", Value::None),
                    ],
                    loc,
                )
            }
            StmtKind::Match(subject, cases) => {
                let subject = self.expr(subject)?;
                let cases = self.list(cases, Self::match_case)?;
                self.node("Match", &[("subject", subject), ("cases", cases)], loc)
            }
            StmtKind::Raise(exc, cause) => {
                let exc = self.opt_expr(exc.as_ref())?;
                let cause = self.opt_expr(cause.as_ref())?;
                self.node("Raise", &[("exc", exc), ("cause", cause)], loc)
            }
            StmtKind::Try(body, handlers, orelse, finalbody, star) => {
                let cls = if *star { "TryStar" } else { "Try" };
                let body = self.stmts(body)?;
                let handlers = self.list(handlers, Self::handler)?;
                let orelse = self.stmts(orelse)?;
                let finalbody = self.stmts(finalbody)?;
                self.node(
                    cls,
                    &[
                        ("body", body),
                        ("handlers", handlers),
                        ("orelse", orelse),
                        ("finalbody", finalbody),
                    ],
                    loc,
                )
            }
            StmtKind::Assert(test, msg) => {
                let test = self.expr(test)?;
                let msg = self.opt_expr(msg.as_ref())?;
                self.node("Assert", &[("test", test), ("msg", msg)], loc)
            }
            StmtKind::Import(names) => {
                let names = self.list(names, Self::alias)?;
                self.node("Import", &[("names", names)], loc)
            }
            StmtKind::ImportFrom(module, names, level) => {
                let module = self.opt_str(module.as_deref());
                let names = self.list(names, Self::alias)?;
                let level = Value::Int(i64::from(*level));
                self.node(
                    "ImportFrom",
                    &[("module", module), ("names", names), ("level", level)],
                    loc,
                )
            }
            StmtKind::Global(names) => {
                let names = self.strs(names);
                self.node("Global", &[("names", names)], loc)
            }
            StmtKind::Nonlocal(names) => {
                let names = self.strs(names);
                self.node("Nonlocal", &[("names", names)], loc)
            }
            StmtKind::Expr(e) => {
                let v = self.expr(e)?;
                self.node("Expr", &[("value", v)], loc)
            }
            StmtKind::Pass => self.node("Pass", &[], loc),
            StmtKind::Break => self.node("Break", &[], loc),
            StmtKind::Continue => self.node("Continue", &[], loc),
        }
    }

    fn expr(&mut self, e: &Expr) -> PyResult<Value> {
        self.enter()?;
        let r = self.expr_node(e);
        self.depth -= 1;
        r
    }

    fn expr_node(&mut self, e: &Expr) -> PyResult<Value> {
        let loc = Some(e.loc);
        match &e.kind {
            ExprKind::BoolOp(op, values) => {
                let op = self.singleton(match op {
                    BoolOp::And => "And",
                    BoolOp::Or => "Or",
                })?;
                let values = self.exprs(values)?;
                self.node("BoolOp", &[("op", op), ("values", values)], loc)
            }
            ExprKind::NamedExpr(t, v) => {
                let t = self.expr(t)?;
                let v = self.expr(v)?;
                self.node("NamedExpr", &[("target", t), ("value", v)], loc)
            }
            ExprKind::BinOp(l, op, r) => {
                let l = self.expr(l)?;
                let op = self.binop(*op)?;
                let r = self.expr(r)?;
                self.node("BinOp", &[("left", l), ("op", op), ("right", r)], loc)
            }
            ExprKind::UnaryOp(op, v) => {
                let op = self.singleton(match op {
                    UnaryOp::Invert => "Invert",
                    UnaryOp::Not => "Not",
                    UnaryOp::UAdd => "UAdd",
                    UnaryOp::USub => "USub",
                })?;
                let v = self.expr(v)?;
                self.node("UnaryOp", &[("op", op), ("operand", v)], loc)
            }
            ExprKind::Lambda(args, body) => {
                let args = self.arguments(args)?;
                let body = self.expr(body)?;
                self.node("Lambda", &[("args", args), ("body", body)], loc)
            }
            ExprKind::IfExp(test, body, orelse) => {
                let test = self.expr(test)?;
                let body = self.expr(body)?;
                let orelse = self.expr(orelse)?;
                self.node(
                    "IfExp",
                    &[("test", test), ("body", body), ("orelse", orelse)],
                    loc,
                )
            }
            ExprKind::Dict(keys, values) => {
                let mut ks = Vec::with_capacity(keys.len());
                for k in keys {
                    ks.push(self.opt_expr(k.as_ref())?);
                }
                let ks = self.vm.new_list(ks);
                let vs = self.exprs(values)?;
                self.node("Dict", &[("keys", ks), ("values", vs)], loc)
            }
            ExprKind::Set(elts) => {
                let elts = self.exprs(elts)?;
                self.node("Set", &[("elts", elts)], loc)
            }
            ExprKind::Comp(kind, elt, value, gens) => {
                let elt = self.expr(elt)?;
                let gens = self.list(gens, Self::comprehension)?;
                match (kind, value) {
                    (CompKind::Dict, Some(v)) => {
                        let v = self.expr(v)?;
                        self.node(
                            "DictComp",
                            &[("key", elt), ("value", v), ("generators", gens)],
                            loc,
                        )
                    }
                    _ => {
                        let cls = match kind {
                            CompKind::List => "ListComp",
                            CompKind::Set => "SetComp",
                            CompKind::Gen | CompKind::Dict => "GeneratorExp",
                        };
                        self.node(cls, &[("elt", elt), ("generators", gens)], loc)
                    }
                }
            }
            ExprKind::Await(v) => {
                let v = self.expr(v)?;
                self.node("Await", &[("value", v)], loc)
            }
            ExprKind::Yield(v) => {
                let v = self.opt_expr(v.as_deref())?;
                self.node("Yield", &[("value", v)], loc)
            }
            ExprKind::YieldFrom(v) => {
                let v = self.expr(v)?;
                self.node("YieldFrom", &[("value", v)], loc)
            }
            ExprKind::Compare(left, ops, comps) => {
                let left = self.expr(left)?;
                let ops = self.list(ops, Self::cmpop)?;
                let comps = self.exprs(comps)?;
                self.node(
                    "Compare",
                    &[("left", left), ("ops", ops), ("comparators", comps)],
                    loc,
                )
            }
            ExprKind::Call(func, args, kws) => {
                let args = match args.as_slice() {
                    [g @ Expr {
                        kind: ExprKind::Comp(CompKind::Gen, _, _, gens),
                        ..
                    }] if kws.is_empty() && bare_genexp(g.loc, gens) => {
                        // `f(x for x in y)`: the generator expression's span
                        // is the call's parentheses.
                        let mut g = g.clone();
                        if let Some((line, col)) = self.find_after(func.loc, b'(') {
                            if (line, col) < (g.loc.line, g.loc.col) {
                                g.loc = Loc {
                                    line,
                                    col,
                                    end_line: e.loc.end_line,
                                    end_col: e.loc.end_col,
                                };
                            }
                        }
                        let g = self.expr(&g)?;
                        self.vm.new_list(vec![g])
                    }
                    _ => self.exprs(args)?,
                };
                let func = self.expr(func)?;
                let kws = self.list(kws, Self::keyword)?;
                self.node(
                    "Call",
                    &[("func", func), ("args", args), ("keywords", kws)],
                    loc,
                )
            }
            ExprKind::FormattedValue(v, conv, spec) => {
                let v = self.expr(v)?;
                let spec = self.opt_expr(spec.as_deref())?;
                self.node(
                    "FormattedValue",
                    &[
                        ("value", v),
                        ("conversion", Value::Int(i64::from(*conv))),
                        ("format_spec", spec),
                    ],
                    loc,
                )
            }
            ExprKind::JoinedStr(_) => self.fstring_part(e, e.loc),
            ExprKind::Constant(c) => {
                let v = self.constant(c);
                self.node("Constant", &[("value", v), ("kind", Value::None)], loc)
            }
            ExprKind::Attribute(v, attr, ctx) => {
                let v = self.expr(v)?;
                let attr = self.str(attr);
                let ctx = self.ctx(*ctx)?;
                self.node(
                    "Attribute",
                    &[("value", v), ("attr", attr), ("ctx", ctx)],
                    loc,
                )
            }
            ExprKind::Subscript(v, slice, ctx) => {
                let v = self.expr(v)?;
                let slice = self.expr(slice)?;
                let ctx = self.ctx(*ctx)?;
                self.node(
                    "Subscript",
                    &[("value", v), ("slice", slice), ("ctx", ctx)],
                    loc,
                )
            }
            ExprKind::Starred(v, ctx) => {
                let v = self.expr(v)?;
                let ctx = self.ctx(*ctx)?;
                self.node("Starred", &[("value", v), ("ctx", ctx)], loc)
            }
            ExprKind::Name(id, ctx) => {
                let id = self.str(id);
                let ctx = self.ctx(*ctx)?;
                self.node("Name", &[("id", id), ("ctx", ctx)], loc)
            }
            ExprKind::List(elts, ctx) | ExprKind::Tuple(elts, ctx) => {
                let cls = if matches!(e.kind, ExprKind::List(..)) {
                    "List"
                } else {
                    "Tuple"
                };
                let elts = self.exprs(elts)?;
                let ctx = self.ctx(*ctx)?;
                self.node(cls, &[("elts", elts), ("ctx", ctx)], loc)
            }
            ExprKind::Slice(lower, upper, step) => {
                let lower = self.opt_expr(lower.as_deref())?;
                let upper = self.opt_expr(upper.as_deref())?;
                let step = self.opt_expr(step.as_deref())?;
                self.node(
                    "Slice",
                    &[("lower", lower), ("upper", upper), ("step", step)],
                    loc,
                )
            }
        }
    }

    /// A part of an f-string: CPython 3.11 gives the constants, the
    /// replacement fields and the format specs (but not the expressions
    /// inside) the span of the whole string.
    fn fstring_part(&mut self, e: &Expr, whole: Loc) -> PyResult<Value> {
        match &e.kind {
            ExprKind::JoinedStr(values) => {
                let mut items = Vec::with_capacity(values.len());
                for v in values {
                    items.push(self.fstring_part(v, whole)?);
                }
                let values = self.vm.new_list(items);
                self.node("JoinedStr", &[("values", values)], Some(whole))
            }
            ExprKind::FormattedValue(v, conv, spec) => {
                let v = self.expr(v)?;
                let spec = match spec {
                    Some(s) => self.fstring_part(s, whole)?,
                    None => Value::None,
                };
                self.node(
                    "FormattedValue",
                    &[
                        ("value", v),
                        ("conversion", Value::Int(i64::from(*conv))),
                        ("format_spec", spec),
                    ],
                    Some(whole),
                )
            }
            ExprKind::Constant(c) => {
                let v = self.constant(c);
                self.node(
                    "Constant",
                    &[("value", v), ("kind", Value::None)],
                    Some(whole),
                )
            }
            _ => self.expr(e),
        }
    }

    fn keyword(&mut self, k: &Keyword) -> PyResult<Value> {
        let arg = self.opt_str(k.arg.as_deref());
        let v = self.expr(&k.value)?;
        self.node("keyword", &[("arg", arg), ("value", v)], Some(k.loc))
    }

    fn alias(&mut self, a: &Alias) -> PyResult<Value> {
        let name = self.str(&a.name);
        let asname = self.opt_str(a.asname.as_deref());
        self.node("alias", &[("name", name), ("asname", asname)], Some(a.loc))
    }

    fn arg(&mut self, a: &Arg) -> PyResult<Value> {
        let name = self.str(&a.name);
        let ann = self.opt_expr(a.annotation.as_deref())?;
        self.node(
            "arg",
            &[
                ("arg", name),
                ("annotation", ann),
                ("type_comment", Value::None),
            ],
            Some(a.loc),
        )
    }

    fn opt_arg(&mut self, a: Option<&Arg>) -> PyResult<Value> {
        match a {
            Some(a) => self.arg(a),
            None => Ok(Value::None),
        }
    }

    fn arguments(&mut self, a: &Arguments) -> PyResult<Value> {
        let posonly = self.list(&a.posonly, Self::arg)?;
        let args = self.list(&a.args, Self::arg)?;
        let vararg = self.opt_arg(a.vararg.as_ref())?;
        let kwonly = self.list(&a.kwonly, Self::arg)?;
        let mut kwd = Vec::with_capacity(a.kw_defaults.len());
        for d in &a.kw_defaults {
            kwd.push(self.opt_expr(d.as_ref())?);
        }
        let kwd = self.vm.new_list(kwd);
        let kwarg = self.opt_arg(a.kwarg.as_ref())?;
        let defaults = self.exprs(&a.defaults)?;
        self.node(
            "arguments",
            &[
                ("posonlyargs", posonly),
                ("args", args),
                ("vararg", vararg),
                ("kwonlyargs", kwonly),
                ("kw_defaults", kwd),
                ("kwarg", kwarg),
                ("defaults", defaults),
            ],
            None,
        )
    }

    fn comprehension(&mut self, c: &Comprehension) -> PyResult<Value> {
        let target = self.expr(&c.target)?;
        let iter = self.expr(&c.iter)?;
        let ifs = self.exprs(&c.ifs)?;
        self.node(
            "comprehension",
            &[
                ("target", target),
                ("iter", iter),
                ("ifs", ifs),
                ("is_async", Value::Int(i64::from(c.is_async))),
            ],
            None,
        )
    }

    fn withitem(&mut self, w: &WithItem) -> PyResult<Value> {
        let ctx = self.expr(&w.context)?;
        let vars = self.opt_expr(w.vars.as_ref())?;
        self.node(
            "withitem",
            &[("context_expr", ctx), ("optional_vars", vars)],
            None,
        )
    }

    fn handler(&mut self, h: &ExceptHandler) -> PyResult<Value> {
        let typ = self.opt_expr(h.typ.as_ref())?;
        let name = self.opt_str(h.name.as_deref());
        let body = self.stmts(&h.body)?;
        self.node(
            "ExceptHandler",
            &[("type", typ), ("name", name), ("body", body)],
            Some(h.loc),
        )
    }

    fn match_case(&mut self, c: &MatchCase) -> PyResult<Value> {
        let pattern = self.pattern(&c.pattern)?;
        let guard = self.opt_expr(c.guard.as_ref())?;
        let body = self.stmts(&c.body)?;
        self.node(
            "match_case",
            &[("pattern", pattern), ("guard", guard), ("body", body)],
            None,
        )
    }

    fn patterns(&mut self, ps: &[Pattern]) -> PyResult<Value> {
        self.list(ps, Self::pattern)
    }

    fn pattern(&mut self, p: &Pattern) -> PyResult<Value> {
        let loc = Some(p.loc);
        match &p.kind {
            PatternKind::Value(e) => {
                let v = self.expr(e)?;
                self.node("MatchValue", &[("value", v)], loc)
            }
            PatternKind::Singleton(c) => {
                let v = self.constant(c);
                self.node("MatchSingleton", &[("value", v)], loc)
            }
            PatternKind::Sequence(ps) => {
                let ps = self.patterns(ps)?;
                self.node("MatchSequence", &[("patterns", ps)], loc)
            }
            PatternKind::Mapping(keys, ps, rest) => {
                let keys = self.exprs(keys)?;
                let ps = self.patterns(ps)?;
                let rest = self.opt_str(rest.as_deref());
                self.node(
                    "MatchMapping",
                    &[("keys", keys), ("patterns", ps), ("rest", rest)],
                    loc,
                )
            }
            PatternKind::Class(cls, ps, names, kps) => {
                let cls = self.expr(cls)?;
                let ps = self.patterns(ps)?;
                let names = self.strs(names);
                let kps = self.patterns(kps)?;
                self.node(
                    "MatchClass",
                    &[
                        ("cls", cls),
                        ("patterns", ps),
                        ("kwd_attrs", names),
                        ("kwd_patterns", kps),
                    ],
                    loc,
                )
            }
            PatternKind::Star(name) => {
                let name = self.opt_str(name.as_deref());
                self.node("MatchStar", &[("name", name)], loc)
            }
            PatternKind::As(pat, name) => {
                let pat = match pat {
                    Some(p) => self.pattern(p)?,
                    None => Value::None,
                };
                let name = self.opt_str(name.as_deref());
                self.node("MatchAs", &[("pattern", pat), ("name", name)], loc)
            }
            PatternKind::Or(ps) => {
                let ps = self.patterns(ps)?;
                self.node("MatchOr", &[("patterns", ps)], loc)
            }
        }
    }
}
