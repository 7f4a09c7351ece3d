//! `_symtable` (CPython 3.11's Modules/symtablemodule.c): the compiler's
//! symbol table as `symtable entry` objects, which Lib/symtable.py wraps.
//! The table is src/compile/symtable.rs's; this file converts each scope
//! to CPython's form: `symbols` maps a name to its DEF_*/USE flags with the
//! resolved scope in the bits from `SCOPE_OFF` up, plus the free names a
//! child propagates through (symtable.c's `update_symbols`).

use crate::compile::ast::{Stmt, StmtKind};
use crate::compile::symtable::node_key;
use crate::compile::symtable::{
    NameScope, Scope, ScopeKind, SymTable, DEF_ANNOT, DEF_BOUND, DEF_FREE_CLASS, DEF_GLOBAL,
    DEF_IMPORT, DEF_LOCAL, DEF_NONLOCAL, DEF_PARAM, USE,
};
use crate::compile::{parse_source, Mode, Tree};
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::Layout;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};
use std::collections::HashMap;

const SCOPE_OFF: u32 = 11;
const DEF_FREE: u32 = 32;
const TYPE_FUNCTION: i64 = 0;
const TYPE_CLASS: i64 = 1;
const TYPE_MODULE: i64 = 2;

/// One `symtable entry`.
struct Entry {
    name: Value,
    symbols: Value,
    varnames: Value,
    children: Value,
    nested: bool,
    typ: i64,
    lineno: i64,
    /// For the repr.
    name_text: String,
}

impl NativeData for Entry {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        for v in [&self.name, &self.symbols, &self.varnames, &self.children] {
            visit(v);
        }
    }
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_symtable");
    vm.add_functions(&m, &[("symtable", symtable)]);
    if let Some(Value::Obj(f)) = vm.get_attr_raw(&m, "symtable") {
        let doc = vm.new_str("Return symbol and scope dictionaries used internally by compiler.");
        vm.set_attr_raw(&f, "__doc__", doc);
    }
    let consts: &[(&str, i64)] = &[
        ("USE", USE.into()),
        ("DEF_GLOBAL", DEF_GLOBAL.into()),
        ("DEF_NONLOCAL", DEF_NONLOCAL.into()),
        ("DEF_LOCAL", DEF_LOCAL.into()),
        ("DEF_PARAM", DEF_PARAM.into()),
        ("DEF_FREE", DEF_FREE.into()),
        ("DEF_FREE_CLASS", DEF_FREE_CLASS.into()),
        ("DEF_IMPORT", DEF_IMPORT.into()),
        ("DEF_BOUND", DEF_BOUND.into()),
        ("DEF_ANNOT", DEF_ANNOT.into()),
        ("TYPE_FUNCTION", TYPE_FUNCTION),
        ("TYPE_CLASS", TYPE_CLASS),
        ("TYPE_MODULE", TYPE_MODULE),
        ("LOCAL", 1),
        ("GLOBAL_EXPLICIT", 2),
        ("GLOBAL_IMPLICIT", 3),
        ("FREE", 4),
        ("CELL", 5),
        ("SCOPE_OFF", SCOPE_OFF.into()),
        ("SCOPE_MASK", 15),
    ];
    for (n, v) in consts {
        vm.set_attr_raw(&m, n, Value::Int(*v));
    }
    Ok(m)
}

fn entry_type(vm: &mut Vm) -> PyResult<PyRef> {
    crate::interp_local! {
        static TYPE: std::cell::RefCell<Option<PyRef>> = std::cell::RefCell::new(None);
    }
    if let Some(t) = TYPE.with(|t| t.borrow().clone()) {
        return Ok(t);
    }
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "builtins",
        "symtable entry",
        &object,
        Layout::Native("symtable entry"),
        0,
    );
    vm.add_methods(&t, &[("__repr__", entry_repr)]);
    vm.add_getsets(
        &t,
        &[
            ("id", get_id, None),
            ("name", get_name, None),
            ("symbols", get_symbols, None),
            ("varnames", get_varnames, None),
            ("children", get_children, None),
            ("nested", get_nested, None),
            ("type", get_type, None),
            ("lineno", get_lineno, None),
        ],
    );
    TYPE.with(|c| *c.borrow_mut() = Some(t.clone()));
    Ok(t)
}

/// `symtable(source, filename, startstr, /)`.
fn symtable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = args.pos();
    if !args.kwnames.is_empty() {
        return Err(vm.type_error("symtable() takes no keyword arguments"));
    }
    if pos.len() != 3 {
        return Err(vm.type_error(format!("symtable expected 3 arguments, got {}", pos.len())));
    }
    let Some(source) = source_arg(vm, &pos[0])? else {
        return Err(vm.type_error("symtable() arg 1 must be a string or bytes object"));
    };
    let filename = filename_arg(vm, &pos[1])?;
    let mode = match vm.as_str_obj(&pos[2]).map(|s| s.as_str().to_string()) {
        Some(s) if s == "exec" => Mode::Exec,
        Some(s) if s == "eval" => Mode::Eval,
        Some(s) if s == "single" => Mode::Single,
        Some(_) => {
            return Err(vm.value_error("symtable() arg 3 must be 'exec' or 'eval' or 'single'"))
        }
        None => {
            return Err(vm.type_error(format!(
                "symtable() argument 3 must be str, not {}",
                vm.type_name_of(&pos[2])
            )))
        }
    };
    let tree = parse_source(&source, &filename, mode).map_err(|e| vm.syntax_error(&e))?;
    let st = match &tree {
        Tree::Module(body) | Tree::Interactive(body) => SymTable::build_module(body),
        Tree::Expression(e) => SymTable::build_eval(e),
    };
    let st = st.map_err(|mut e| {
        e.filename = filename.clone();
        if e.lineno > 0 && e.text.is_none() && !e.no_text {
            e.text = source
                .split_inclusive('\n')
                .nth(e.lineno as usize - 1)
                .map(str::to_string);
        }
        vm.syntax_error(&e)
    })?;
    let mut lines = HashMap::new();
    if let Tree::Module(body) | Tree::Interactive(body) = &tree {
        let text: Vec<&str> = source.lines().collect();
        def_lines(body, &text, &st, &mut lines, 0);
    }
    let ty = entry_type(vm)?;
    make_entry(vm, &ty, &st, &lines, 0, 0).map(Value::Obj)
}

/// The `def`/`class` line of each decorated definition's scope (the
/// parser's statement starts at the first decorator; CPython's scope
/// line is the definition's).
fn def_lines(
    body: &[Stmt],
    text: &[&str],
    st: &SymTable,
    out: &mut HashMap<usize, u32>,
    depth: usize,
) {
    if depth > 200 {
        return;
    }
    for s in body {
        let (decorators, inner): (&[crate::compile::ast::Expr], &[Stmt]) = match &s.kind {
            StmtKind::FunctionDef(f) => (&f.decorators, &f.body),
            StmtKind::ClassDef(c) => (&c.decorators, &c.body),
            _ => (&[], &[]),
        };
        if let Some(last) = decorators.last() {
            if let Some(&id) = st.by_node.get(&node_key(&s.loc, 0)) {
                let from = last.loc.end_line as usize;
                let line = text
                    .iter()
                    .enumerate()
                    .skip(from)
                    .find(|(_, l)| {
                        let t = l.trim_start();
                        !t.is_empty() && !t.starts_with('#')
                    })
                    .map_or(s.loc.line, |(i, _)| i as u32 + 1);
                out.insert(id, line);
            }
        }
        def_lines(inner, text, st, out, depth + 1);
        match &s.kind {
            StmtKind::For(_, _, b, o, _) | StmtKind::While(_, b, o) | StmtKind::If(_, b, o) => {
                def_lines(b, text, st, out, depth + 1);
                def_lines(o, text, st, out, depth + 1);
            }
            StmtKind::With(_, b, _) => def_lines(b, text, st, out, depth + 1),
            StmtKind::Match(_, cases) => {
                for c in cases {
                    def_lines(&c.body, text, st, out, depth + 1);
                }
            }
            StmtKind::Try(b, hs, o, f, _) => {
                def_lines(b, text, st, out, depth + 1);
                for h in hs {
                    def_lines(&h.body, text, st, out, depth + 1);
                }
                def_lines(o, text, st, out, depth + 1);
                def_lines(f, text, st, out, depth + 1);
            }
            _ => {}
        }
    }
}

/// The source: a str, or bytes decoded per their encoding declaration
/// (PEP 263; UTF-8 by default).
fn source_arg(vm: &mut Vm, v: &Value) -> PyResult<Option<String>> {
    if let Some(b) = crate::objects::bytes::bytes_of(v) {
        if vm.as_str_obj(v).is_none() {
            if let Some(enc) = coding_cookie(&b) {
                let norm = enc.to_ascii_lowercase().replace('_', "-");
                if norm != "utf-8" && norm != "utf8" {
                    let text = crate::modules::codecs::decode_text(vm, v, &enc, "strict")?;
                    return vm.source_text(&text, "symtable");
                }
            }
        }
    }
    vm.source_text(v, "symtable")
}

/// The encoding named by a `coding[:=]` comment in the first two lines.
fn coding_cookie(b: &[u8]) -> Option<String> {
    for line in b.split(|&c| c == b'\n').take(2) {
        let line = std::str::from_utf8(line).ok()?;
        let t = line.trim_start();
        if !t.starts_with('#') {
            if t.is_empty() {
                continue;
            }
            return None;
        }
        if let Some(i) = t.find("coding") {
            let rest = &t[i + 6..];
            if let Some(r) = rest.strip_prefix(':').or_else(|| rest.strip_prefix('=')) {
                let name: String = r
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                    .collect();
                if !name.is_empty() {
                    return Some(name);
                }
            }
        }
    }
    None
}

/// CPython's `PyUnicode_FSDecoder`: str, bytes, os.PathLike, or (with a
/// DeprecationWarning) another bytes-like object.
fn filename_arg(vm: &mut Vm, v: &Value) -> PyResult<String> {
    if let Some(s) = vm.as_str_obj(v) {
        return Ok(s.as_str().to_string());
    }
    let is_bytes =
        matches!(v, Value::Obj(o) if matches!(o.payload, crate::objects::Payload::Bytes(_)));
    if is_bytes {
        let b = crate::objects::bytes::bytes_of(v).unwrap_or_default();
        return Ok(String::from_utf8_lossy(&b).into_owned());
    }
    if let Some(b) = crate::objects::bytes::buffer_bytes(vm, v)? {
        let msg = format!(
            "path should be string, bytes, or os.PathLike, not {}",
            vm.type_name_of(v)
        );
        crate::modules::warnings::warn(
            vm,
            crate::objects::exception::ExcKind::DeprecationWarning,
            &msg,
            1,
        )?;
        return Ok(String::from_utf8_lossy(&b).into_owned());
    }
    let p = crate::modules::posix::util::fspath(vm, v)?;
    filename_arg(vm, &p)
}

/// The entry for scope `id` and (recursively) its children.
fn make_entry(
    vm: &mut Vm,
    ty: &PyRef,
    st: &SymTable,
    lines: &HashMap<usize, u32>,
    id: usize,
    depth: usize,
) -> PyResult<PyRef> {
    if depth > 1000 {
        return Err(vm.new_error(
            crate::objects::exception::ExcKind::RecursionError,
            "maximum recursion depth exceeded during compilation".to_string(),
        ));
    }
    let Some(sc) = st.scopes.get(id) else {
        return Err(vm.system_error("bad symbol table scope"));
    };
    let mut kids = Vec::new();
    for &c in &sc.children {
        kids.push(Value::Obj(make_entry(vm, ty, st, lines, c, depth + 1)?));
    }
    let symbols = vm.new_dict();
    for (name, flags) in symbol_table(sc) {
        let k = vm.new_str(&name);
        vm.dict_set_nocall(&symbols, k, Value::Int(i64::from(flags)))?;
    }
    let varnames: Vec<Value> = sc.params.iter().map(|p| vm.new_str(p)).collect();
    let name_text = match sc.kind {
        ScopeKind::Function if sc.name.starts_with('<') && sc.name.ends_with('>') => sc
            .name
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_string(),
        _ => sc.name.clone(),
    };
    let typ = match sc.kind {
        ScopeKind::Function => TYPE_FUNCTION,
        ScopeKind::Class => TYPE_CLASS,
        ScopeKind::Module => TYPE_MODULE,
    };
    let entry = Entry {
        name: vm.new_str(&name_text),
        symbols: Value::Obj(symbols),
        varnames: vm.new_list(varnames),
        children: vm.new_list(kids),
        nested: sc.nested,
        typ,
        lineno: i64::from(lines.get(&id).copied().unwrap_or(sc.lineno)),
        name_text,
    };
    let obj = vm.new_native(ty, entry);
    Ok(obj)
}

/// CPython's `ste_symbols` after analysis: each name's flags with its
/// scope, then the names only free here (children's frees passing through).
fn symbol_table(sc: &Scope) -> Vec<(String, u32)> {
    let code = |s: NameScope| -> u32 {
        match s {
            NameScope::Local => 1,
            NameScope::GlobalExplicit => 2,
            NameScope::GlobalImplicit => 3,
            NameScope::Free => 4,
            NameScope::Cell => 5,
        }
    };
    let mut out: Vec<(String, u32)> = sc
        .symbol_flags()
        .into_iter()
        .map(|(n, f)| {
            let s = code(sc.lookup(&n));
            (n, f | (s << SCOPE_OFF))
        })
        .collect();
    let mut extra: Vec<&String> = sc
        .scopes
        .iter()
        .filter(|(n, s)| **s == NameScope::Free && !out.iter().any(|(m, _)| m == *n))
        .map(|(n, _)| n)
        .collect();
    extra.sort();
    for n in extra {
        out.push((n.clone(), 4 << SCOPE_OFF));
    }
    out
}

fn entry<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a Entry> {
    vm.native::<Entry>(v)
        .ok_or_else(|| vm.type_error("descriptor requires a 'symtable entry' object"))
}

fn get_id(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    entry(vm, v)?;
    // CPython's id is the address of the scope's AST node; the entry's
    // own address is as unique.
    match v {
        Value::Obj(o) => Ok(Value::Int(crate::objects::rc::Rc::as_ptr(o) as usize as i64)),
        _ => Ok(Value::None),
    }
}

fn get_name(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(entry(vm, v)?.name.clone())
}

fn get_symbols(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(entry(vm, v)?.symbols.clone())
}

fn get_varnames(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(entry(vm, v)?.varnames.clone())
}

fn get_children(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(entry(vm, v)?.children.clone())
}

fn get_nested(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Int(i64::from(entry(vm, v)?.nested)))
}

fn get_type(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Int(entry(vm, v)?.typ))
}

fn get_lineno(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Int(entry(vm, v)?.lineno))
}

fn entry_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let recv = args.args.first().cloned().unwrap_or(Value::None);
    let e = vm.native_self::<Entry>(&args, "symtable entry", "__repr__")?;
    let name = e.name_text.clone();
    let lineno = e.lineno;
    let id = get_id(vm, &recv)?;
    let id = vm.repr(&id)?;
    Ok(vm.new_str(&format!("<symtable entry {name}({id}), line {lineno}>")))
}
