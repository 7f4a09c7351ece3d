//! `compile()` of an AST object: pycvm compiles source, so the tree is
//! turned back into source with the standard library's `ast.unparse` and
//! that is compiled. Each top-level statement is placed at its own
//! `lineno` (blank lines in between), so tracebacks through module-level
//! code keep the tree's line numbers; lines inside a compound statement
//! follow the unparsed layout.

use crate::objects::rc::Rc;

use super::ast::Mode;
use crate::vm::code::Code;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

/// The node class `compile()` needs for `mode`.
fn expected(mode: Mode) -> &'static str {
    match mode {
        Mode::Exec => "Module",
        Mode::Eval => "Expression",
        Mode::Single => "Interactive",
    }
}

fn line_of(vm: &mut Vm, node: &Value) -> PyResult<Option<i64>> {
    let mut first = match vm.getattr_opt(node, "lineno")? {
        Some(Value::Int(i)) => Some(i),
        _ => None,
    };
    // A decorated definition starts at its first decorator.
    if let Some(decos) = vm.getattr_opt(node, "decorator_list")? {
        for d in vm.seq_items(&decos).unwrap_or_default() {
            if let Some(Value::Int(i)) = vm.getattr_opt(&d, "lineno")? {
                first = Some(first.map_or(i, |f| f.min(i)));
            }
        }
    }
    Ok(first)
}

/// `ast.unparse`, except that a JoinedStr may hold any expression (as
/// CPython's compiler allows and tree-building code such as werkzeug's
/// routing uses): one that is not a Constant or FormattedValue is written
/// as a replacement field.
const UNPARSE: &str = "\
import ast
class _Unparser(ast._Unparser):
    def _write_fstring_inner(self, node):
        if not isinstance(node, (ast.JoinedStr, ast.Constant, ast.FormattedValue)):
            node = ast.FormattedValue(node, -1, None)
        super()._write_fstring_inner(node)
def unparse(node):
    return _Unparser().visit(node)
_LOCATED = ((ast.stmt, 'stmt'), (ast.expr, 'expr'), (ast.excepthandler, 'excepthandler'),
            (ast.arg, 'arg'), (ast.keyword, 'keyword'), (ast.alias, 'alias'), (ast.pattern, 'pattern'))
def check(node):
    for base, kind in _LOCATED:
        if isinstance(node, base):
            for attr in ('lineno', 'col_offset'):
                if not hasattr(node, attr):
                    raise TypeError(f'required field \"{attr}\" missing from {kind}')
            break
    for field in node._fields:
        value = getattr(node, field, None)
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, ast.AST):
                check(item)
";

/// The helper's `check` (CPython's obj2ast location checks: a node
/// without `lineno` or `col_offset` is a TypeError) and `unparse`.
fn unparser(vm: &mut Vm) -> PyResult<(Value, Value)> {
    let code = vm.compile_text(
        UNPARSE,
        &format!("{}ast>", crate::modules::accel::FILENAME_PREFIX),
        Mode::Exec,
    )?;
    let ns = vm.new_dict();
    vm.run_code(&code, ns.clone(), Some(Value::Obj(ns.clone())))?;
    let mut get = |name: &str| -> PyResult<Value> {
        let key = vm.new_str(name);
        match vm.dict_get(&ns, &key)? {
            Some(f) => Ok(f),
            None => Err(vm.system_error("ast unparser missing")),
        }
    };
    Ok((get("check")?, get("unparse")?))
}

/// Compile the AST node `tree` (already known to be an `ast.AST`).
pub fn compile_ast(vm: &mut Vm, tree: &Value, filename: &str, mode: Mode) -> PyResult<Rc<Code>> {
    let want = expected(mode);
    let ast = vm.import_by_name("ast")?;
    let cls = vm.getattr_str(&ast, want)?;
    if !vm.isinstance(tree, &cls)? {
        return Err(vm.type_error(format!(
            "expected {want} node, got {}",
            vm.type_name_of(tree)
        )));
    }
    let (check, unparse) = unparser(vm)?;
    vm.call(&check, &[tree.clone()])?;
    let text = match mode {
        Mode::Eval => {
            let body = vm.getattr_str(tree, "body")?;
            let s = vm.call(&unparse, &[body])?;
            vm.str(&s)?
        }
        Mode::Exec | Mode::Single => {
            let body = vm.getattr_str(tree, "body")?;
            let mut out = String::new();
            let mut line: i64 = 1;
            for stmt in vm.seq_items(&body).unwrap_or_default() {
                if let Some(l) = line_of(vm, &stmt)? {
                    while line < l {
                        out.push('\n');
                        line += 1;
                    }
                }
                let s = vm.call(&unparse, &[stmt])?;
                let s = vm.str(&s)?;
                out.push_str(&s);
                out.push('\n');
                line += 1 + s.matches('\n').count() as i64;
            }
            out
        }
    };
    vm.compile_text(&text, filename, mode)
}
