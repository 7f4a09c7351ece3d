//! compile.c's "perhaps you missed a comma?" SyntaxWarnings: calling or
//! subscripting a literal that can never support it (`[(1, 2) (3, 4)]`,
//! `1[0]`, `"abc"[1.5]`), judged from the expression's kind after
//! constant folding (`check_caller`, `check_subscripter`, `check_index`,
//! `infer_type`); and `compiler_check_debug_args` (no `__debug__`
//! parameter).

use super::ast::*;
use super::codegen::Compiler;
use super::codegen_expr::const_of;

/// The type name of a constant (`Py_TYPE(value)->tp_name`).
fn const_type(c: &Const) -> &'static str {
    match c {
        Const::None => "NoneType",
        Const::True | Const::False => "bool",
        Const::Ellipsis => "ellipsis",
        Const::Int(_) | Const::BigInt(_) => "int",
        Const::Float(_) => "float",
        Const::Complex(..) => "complex",
        Const::Str(_) => "str",
        Const::Bytes(_) => "bytes",
        Const::Tuple(_) => "tuple",
        Const::FrozenSet(_) => "frozenset",
    }
}

/// compile.c `infer_type`: the type an expression surely has, if known.
fn infer_type(e: &Expr) -> Option<&'static str> {
    if let Some(c) = const_of(e) {
        return Some(const_type(&c));
    }
    Some(match &e.kind {
        ExprKind::Tuple(..) => "tuple",
        ExprKind::List(..) | ExprKind::Comp(CompKind::List, ..) => "list",
        ExprKind::Dict(..) | ExprKind::Comp(CompKind::Dict, ..) => "dict",
        ExprKind::Set(..) | ExprKind::Comp(CompKind::Set, ..) => "set",
        ExprKind::Comp(CompKind::Gen, ..) => "generator",
        ExprKind::Lambda(..) => "function",
        ExprKind::JoinedStr(..) | ExprKind::FormattedValue(..) => "str",
        _ => return None,
    })
}

impl Compiler<'_> {
    /// compile.c `check_caller`: `f` called as a function.
    pub(super) fn check_caller(&mut self, f: &Expr) {
        let flagged = const_of(f).is_some()
            || matches!(
                f.kind,
                ExprKind::Tuple(..)
                    | ExprKind::List(..)
                    | ExprKind::Dict(..)
                    | ExprKind::Set(..)
                    | ExprKind::Comp(..)
                    | ExprKind::JoinedStr(..)
                    | ExprKind::FormattedValue(..)
            );
        if let (true, Some(t)) = (flagged, infer_type(f)) {
            self.warn(&format!(
                "'{t}' object is not callable; perhaps you missed a comma?"
            ));
        }
    }

    /// compile.c `check_subscripter` and `check_index`: `v[s]` loaded.
    pub(super) fn check_subscript(&mut self, v: &Expr, s: &Expr) {
        let vc = const_of(v);
        let subscripter = match &vc {
            Some(c) => matches!(
                c,
                Const::None
                    | Const::Ellipsis
                    | Const::True
                    | Const::False
                    | Const::Int(_)
                    | Const::BigInt(_)
                    | Const::Float(_)
                    | Const::Complex(..)
                    | Const::FrozenSet(_)
            ),
            None => matches!(
                v.kind,
                ExprKind::Set(..)
                    | ExprKind::Comp(CompKind::Set | CompKind::Gen, ..)
                    | ExprKind::Lambda(..)
            ),
        };
        if subscripter {
            if let Some(t) = infer_type(v) {
                self.warn(&format!(
                    "'{t}' object is not subscriptable; perhaps you missed a comma?"
                ));
            }
            return;
        }
        let Some(index) = infer_type(s) else {
            return;
        };
        if matches!(index, "int" | "bool") {
            return;
        }
        let indexed = match &vc {
            Some(c) => matches!(c, Const::Str(_) | Const::Bytes(_) | Const::Tuple(_)),
            None => matches!(
                v.kind,
                ExprKind::Tuple(..)
                    | ExprKind::List(..)
                    | ExprKind::Comp(CompKind::List, ..)
                    | ExprKind::JoinedStr(..)
                    | ExprKind::FormattedValue(..)
            ),
        };
        if let (true, Some(t)) = (indexed, infer_type(v)) {
            self.warn(&format!(
                "{t} indices must be integers or slices, not {index}; perhaps you missed a comma?"
            ));
        }
    }
}

impl Compiler<'_> {
    /// compile.c `compiler_check_debug_args`: no parameter may be named
    /// `__debug__` (reported at the whole `def` or `lambda`).
    pub(super) fn check_debug_args(
        &self,
        args: &Arguments,
        loc: Loc,
    ) -> super::codegen::CResult<()> {
        let all = args
            .posonly
            .iter()
            .chain(&args.args)
            .chain(&args.vararg)
            .chain(&args.kwonly)
            .chain(&args.kwarg);
        for a in all {
            if a.name == "__debug__" {
                return Err(self.err("cannot assign to __debug__", loc));
            }
        }
        Ok(())
    }
}
