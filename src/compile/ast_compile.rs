//! `compile()` of an AST object: pycvm compiles source, so the tree is
//! turned back into source with the standard library's `ast.unparse` and
//! that is compiled. Each top-level statement is placed at its own
//! `lineno` (blank lines in between), so tracebacks through module-level
//! code keep the tree's line numbers; lines inside a compound statement
//! follow the unparsed layout.

use std::rc::Rc;

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
    let unparse = vm.getattr_str(&ast, "unparse")?;
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
