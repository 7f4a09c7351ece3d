//! An expression as source text, as CPython 3.11's `Python/ast_unparse.c`
//! writes it (`_PyAST_ExprAsUnicode`): the strings that annotations
//! become under `from __future__ import annotations`. Its spacing and
//! parentheses are the C unparser's, not `ast.unparse`'s.

use super::ast::*;
use super::codegen::const_obj;

// Priority levels (ast_unparse.c's PR_*).
const PR_TUPLE: u8 = 0;
const PR_TEST: u8 = 1;
const PR_OR: u8 = 2;
const PR_AND: u8 = 3;
const PR_NOT: u8 = 4;
const PR_CMP: u8 = 5;
const PR_EXPR: u8 = 6;
const PR_BOR: u8 = PR_EXPR;
const PR_BXOR: u8 = 7;
const PR_BAND: u8 = 8;
const PR_SHIFT: u8 = 9;
const PR_ARITH: u8 = 10;
const PR_TERM: u8 = 11;
const PR_FACTOR: u8 = 12;
const PR_POWER: u8 = 13;
const PR_AWAIT: u8 = 14;
const PR_ATOM: u8 = 15;

/// The text of an annotation (`_PyAST_ExprAsUnicode`).
pub fn annotation_text(e: &Expr) -> String {
    let mut w = String::new();
    expr(&mut w, e, PR_TEST);
    w
}

fn open_if(w: &mut String, cond: bool) {
    if cond {
        w.push('(');
    }
}

fn close_if(w: &mut String, cond: bool) {
    if cond {
        w.push(')');
    }
}

/// `repr()` of a constant, with infinities written `1e309`.
fn const_repr(c: &Const) -> String {
    let r = crate::pyc::repr::repr(&const_obj(c));
    match c {
        Const::Float(_) | Const::Complex(..) => r.replace("inf", "1e309"),
        _ => r,
    }
}

fn constant(w: &mut String, c: &Const) {
    match c {
        Const::Ellipsis => w.push_str("..."),
        Const::Tuple(items) => {
            w.push('(');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    w.push_str(", ");
                }
                w.push_str(&const_repr(x));
            }
            if items.len() == 1 {
                w.push(',');
            }
            w.push(')');
        }
        _ => w.push_str(&const_repr(c)),
    }
}

fn binop_text(op: BinOp) -> (&'static str, u8) {
    match op {
        BinOp::Add => (" + ", PR_ARITH),
        BinOp::Sub => (" - ", PR_ARITH),
        BinOp::Mult => (" * ", PR_TERM),
        BinOp::MatMult => (" @ ", PR_TERM),
        BinOp::Div => (" / ", PR_TERM),
        BinOp::Mod => (" % ", PR_TERM),
        BinOp::LShift => (" << ", PR_SHIFT),
        BinOp::RShift => (" >> ", PR_SHIFT),
        BinOp::BitOr => (" | ", PR_BOR),
        BinOp::BitXor => (" ^ ", PR_BXOR),
        BinOp::BitAnd => (" & ", PR_BAND),
        BinOp::FloorDiv => (" // ", PR_TERM),
        BinOp::Pow => (" ** ", PR_POWER),
    }
}

fn cmpop_text(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => " == ",
        CmpOp::NotEq => " != ",
        CmpOp::Lt => " < ",
        CmpOp::LtE => " <= ",
        CmpOp::Gt => " > ",
        CmpOp::GtE => " >= ",
        CmpOp::Is => " is ",
        CmpOp::IsNot => " is not ",
        CmpOp::In => " in ",
        CmpOp::NotIn => " not in ",
    }
}

fn arg(w: &mut String, a: &Arg) {
    w.push_str(&a.name);
    if let Some(ann) = &a.annotation {
        w.push_str(": ");
        expr(w, ann, PR_TEST);
    }
}

fn args(w: &mut String, a: &Arguments) {
    let mut first = true;
    let mut sep = |w: &mut String| {
        if !first {
            w.push_str(", ");
        }
        first = false;
    };
    let positional: Vec<&Arg> = a.posonly.iter().chain(&a.args).collect();
    let n = positional.len();
    for (i, p) in positional.iter().enumerate() {
        sep(w);
        arg(w, p);
        // The defaults belong to the last positional parameters.
        if let Some(d) = (i + a.defaults.len())
            .checked_sub(n)
            .and_then(|di| a.defaults.get(di))
        {
            w.push('=');
            expr(w, d, PR_TEST);
        }
        if !a.posonly.is_empty() && i + 1 == a.posonly.len() {
            w.push_str(", /");
        }
    }
    if a.vararg.is_some() || !a.kwonly.is_empty() {
        sep(w);
        w.push('*');
        if let Some(v) = &a.vararg {
            arg(w, v);
        }
    }
    for (i, k) in a.kwonly.iter().enumerate() {
        sep(w);
        arg(w, k);
        if let Some(Some(d)) = a.kw_defaults.get(i) {
            w.push('=');
            expr(w, d, PR_TEST);
        }
    }
    if let Some(k) = &a.kwarg {
        sep(w);
        w.push_str("**");
        arg(w, k);
    }
}

fn comprehensions(w: &mut String, gens: &[Comprehension]) {
    for g in gens {
        w.push_str(if g.is_async { " async for " } else { " for " });
        expr(w, &g.target, PR_TUPLE);
        w.push_str(" in ");
        expr(w, &g.iter, PR_TEST + 1);
        for cond in &g.ifs {
            w.push_str(" if ");
            expr(w, cond, PR_TEST + 1);
        }
    }
}

fn items(w: &mut String, xs: &[Expr]) {
    for (i, x) in xs.iter().enumerate() {
        if i > 0 {
            w.push_str(", ");
        }
        expr(w, x, PR_TEST);
    }
}

/// The body of an f-string (or of a format spec): literal parts with
/// their braces doubled, replacement fields.
fn fstring_body(w: &mut String, parts: &[Expr]) {
    for p in parts {
        match &p.kind {
            ExprKind::Constant(Const::Str(s)) => {
                let text = String::from_utf8_lossy(s);
                w.push_str(&text.replace('{', "{{").replace('}', "}}"));
            }
            ExprKind::JoinedStr(inner) => fstring_body(w, inner),
            ExprKind::FormattedValue(v, conv, spec) => {
                formatted_value(w, v, *conv, spec.as_deref())
            }
            _ => expr(w, p, PR_TEST),
        }
    }
}

fn formatted_value(w: &mut String, v: &Expr, conv: i32, spec: Option<&Expr>) {
    // Above PR_TEST: a lambda (with its ':') gets parentheses.
    let mut inner = String::new();
    expr(&mut inner, v, PR_TEST + 1);
    // A value starting with a brace is set off from the outer one.
    w.push_str(if inner.starts_with('{') { "{ " } else { "{" });
    w.push_str(&inner);
    if let Some(c @ ('a' | 'r' | 's')) = u8::try_from(conv).ok().map(char::from) {
        w.push('!');
        w.push(c);
    }
    if let Some(spec) = spec {
        w.push(':');
        match &spec.kind {
            ExprKind::JoinedStr(parts) => fstring_body(w, parts),
            _ => fstring_body(w, std::slice::from_ref(spec)),
        }
    }
    w.push('}');
}

fn expr(w: &mut String, e: &Expr, level: u8) {
    match &e.kind {
        ExprKind::BoolOp(op, values) => {
            let (text, pr) = match op {
                BoolOp::And => (" and ", PR_AND),
                BoolOp::Or => (" or ", PR_OR),
            };
            open_if(w, level > pr);
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    w.push_str(text);
                }
                expr(w, v, pr + 1);
            }
            close_if(w, level > pr);
        }
        ExprKind::BinOp(l, op, r) => {
            let (text, pr) = binop_text(*op);
            let rassoc = u8::from(*op == BinOp::Pow);
            open_if(w, level > pr);
            expr(w, l, pr + rassoc);
            w.push_str(text);
            expr(w, r, pr + 1 - rassoc);
            close_if(w, level > pr);
        }
        ExprKind::UnaryOp(op, v) => {
            let (text, pr) = match op {
                UnaryOp::Invert => ("~", PR_FACTOR),
                UnaryOp::Not => ("not ", PR_NOT),
                UnaryOp::UAdd => ("+", PR_FACTOR),
                UnaryOp::USub => ("-", PR_FACTOR),
            };
            open_if(w, level > pr);
            w.push_str(text);
            expr(w, v, pr);
            close_if(w, level > pr);
        }
        ExprKind::Lambda(a, body) => {
            open_if(w, level > PR_TEST);
            let positional = a.args.len() + a.posonly.len();
            w.push_str(if positional > 0 { "lambda " } else { "lambda" });
            args(w, a);
            w.push_str(": ");
            expr(w, body, PR_TEST);
            close_if(w, level > PR_TEST);
        }
        ExprKind::IfExp(test, body, orelse) => {
            open_if(w, level > PR_TEST);
            expr(w, body, PR_TEST + 1);
            w.push_str(" if ");
            expr(w, test, PR_TEST + 1);
            w.push_str(" else ");
            expr(w, orelse, PR_TEST);
            close_if(w, level > PR_TEST);
        }
        ExprKind::Dict(keys, values) => {
            w.push('{');
            for (i, (k, v)) in keys.iter().zip(values).enumerate() {
                if i > 0 {
                    w.push_str(", ");
                }
                match k {
                    Some(k) => {
                        expr(w, k, PR_TEST);
                        w.push_str(": ");
                        expr(w, v, PR_TEST);
                    }
                    None => {
                        w.push_str("**");
                        expr(w, v, PR_EXPR);
                    }
                }
            }
            w.push('}');
        }
        ExprKind::Set(elts) => {
            w.push('{');
            items(w, elts);
            w.push('}');
        }
        ExprKind::Comp(kind, elt, value, gens) => {
            let (open, close) = match kind {
                CompKind::List => ('[', ']'),
                CompKind::Set | CompKind::Dict => ('{', '}'),
                CompKind::Gen => ('(', ')'),
            };
            w.push(open);
            expr(w, elt, PR_TEST);
            if let Some(v) = value {
                w.push_str(": ");
                expr(w, v, PR_TEST);
            }
            comprehensions(w, gens);
            w.push(close);
        }
        ExprKind::Yield(v) => match v {
            None => w.push_str("(yield)"),
            Some(v) => {
                w.push_str("(yield ");
                expr(w, v, PR_TEST);
                w.push(')');
            }
        },
        ExprKind::YieldFrom(v) => {
            w.push_str("(yield from ");
            expr(w, v, PR_TEST);
            w.push(')');
        }
        ExprKind::Await(v) => {
            open_if(w, level > PR_AWAIT);
            w.push_str("await ");
            expr(w, v, PR_ATOM);
            close_if(w, level > PR_AWAIT);
        }
        ExprKind::Compare(left, ops, rights) => {
            open_if(w, level > PR_CMP);
            expr(w, left, PR_CMP + 1);
            for (op, r) in ops.iter().zip(rights) {
                w.push_str(cmpop_text(*op));
                expr(w, r, PR_CMP + 1);
            }
            close_if(w, level > PR_CMP);
        }
        ExprKind::Call(func, cargs, kws) => {
            expr(w, func, PR_ATOM);
            if let ([only], []) = (cargs.as_slice(), kws.as_slice()) {
                if matches!(only.kind, ExprKind::Comp(CompKind::Gen, ..)) {
                    // A lone generator expression keeps its own parentheses.
                    expr(w, only, PR_TEST);
                    return;
                }
            }
            w.push('(');
            items(w, cargs);
            for (i, k) in kws.iter().enumerate() {
                if i > 0 || !cargs.is_empty() {
                    w.push_str(", ");
                }
                match &k.arg {
                    Some(name) => {
                        w.push_str(name);
                        w.push('=');
                    }
                    None => w.push_str("**"),
                }
                expr(w, &k.value, PR_TEST);
            }
            w.push(')');
        }
        ExprKind::Constant(c) => constant(w, c),
        ExprKind::JoinedStr(parts) => {
            let mut body = String::new();
            fstring_body(&mut body, parts);
            w.push('f');
            w.push_str(&const_repr(&Const::Str(body.into_bytes())));
        }
        ExprKind::FormattedValue(v, conv, spec) => formatted_value(w, v, *conv, spec.as_deref()),
        ExprKind::Attribute(v, attr, _) => {
            expr(w, v, PR_ATOM);
            // An int needs a space before the period.
            let int = matches!(v.kind, ExprKind::Constant(Const::Int(_) | Const::BigInt(_)));
            w.push_str(if int { " ." } else { "." });
            w.push_str(attr);
        }
        ExprKind::Subscript(v, slice, _) => {
            expr(w, v, PR_ATOM);
            w.push('[');
            expr(w, slice, PR_TUPLE);
            w.push(']');
        }
        ExprKind::Starred(v, _) => {
            w.push('*');
            expr(w, v, PR_EXPR);
        }
        ExprKind::Slice(lower, upper, step) => {
            if let Some(l) = lower {
                expr(w, l, PR_TEST);
            }
            w.push(':');
            if let Some(u) = upper {
                expr(w, u, PR_TEST);
            }
            if let Some(s) = step {
                w.push(':');
                expr(w, s, PR_TEST);
            }
        }
        ExprKind::Name(n, _) => w.push_str(n),
        ExprKind::List(elts, _) => {
            w.push('[');
            items(w, elts);
            w.push(']');
        }
        ExprKind::Tuple(elts, _) => {
            if elts.is_empty() {
                w.push_str("()");
                return;
            }
            open_if(w, level > PR_TUPLE);
            items(w, elts);
            if elts.len() == 1 {
                w.push(',');
            }
            close_if(w, level > PR_TUPLE);
        }
        ExprKind::NamedExpr(target, value) => {
            open_if(w, level > PR_TUPLE);
            expr(w, target, PR_ATOM);
            w.push_str(":=");
            expr(w, value, PR_ATOM);
            close_if(w, level > PR_TUPLE);
        }
    }
}
