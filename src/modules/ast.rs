//! `_ast`: CPython 3.11's syntax-tree node classes (the `ast` module does
//! `from _ast import *`), built from the generated table in ast_nodes.rs.
//! Nodes are plain objects with a `__dict__`; `AST.__init__` assigns
//! positional arguments to `_fields` in order and keywords by name, as
//! CPython's `ast_type_init`.

use std::collections::HashMap;

use super::ast_nodes::NODES;
use crate::objects::function::Args;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE, FLAG_HAS_DICT, FLAG_HEAPTYPE};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// `AST.__init__(self, *args, **kwargs)`.
fn ast_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(this) = args.args.first().cloned() else {
        return Err(vm.type_error("AST.__init__ needs an instance"));
    };
    let pos = args.pos().get(1..).unwrap_or(&[]).to_vec();
    let cls = vm.type_of(&this);
    let fields = match vm.getattr_opt(&Value::Obj(cls.clone()), "_fields")? {
        Some(f) => vm.collect_iter(&f)?,
        None => Vec::new(),
    };
    if pos.len() > fields.len() {
        let n = fields.len();
        let full = vm.type_name(&cls);
        let short = full.rsplit('.').next().unwrap_or(&full).to_string();
        return Err(vm.type_error(format!(
            "{short} constructor takes at most {n} positional argument{}",
            if n == 1 { "" } else { "s" }
        )));
    }
    for (name, v) in fields.iter().zip(pos) {
        let Value::Obj(n) = name else {
            return Err(vm.type_error("attribute name must be string"));
        };
        vm.setattr(&this, n, Some(v))?;
    }
    let nkw = args.kwnames.len();
    let kwvals = &args.args[args.args.len() - nkw..];
    for (k, v) in args.kwnames.iter().zip(kwvals) {
        vm.setattr(&this, k, Some(v.clone()))?;
    }
    Ok(Value::None)
}

/// `AST.__reduce__()`: `(type(self), (), self.__dict__)`.
fn ast_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(this) = args.args.first().cloned() else {
        return Err(vm.type_error("AST.__reduce__ needs an instance"));
    };
    let cls = Value::Obj(vm.type_of(&this));
    let empty = vm.new_tuple_of([]);
    let dict = match &this {
        Value::Obj(o) => o.dict().map_or(Value::None, Value::Obj),
        _ => Value::None,
    };
    Ok(vm.new_tuple_of([cls, empty, dict]))
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_ast");
    let mut made: HashMap<&str, PyRef> = HashMap::new();
    for (name, base, fields, attrs, nones, doc) in NODES {
        let base_t = match made.get(base) {
            Some(b) => b.clone(),
            None => vm.types.object.clone(),
        };
        let flags = FLAG_BASETYPE | FLAG_HAS_DICT | FLAG_HEAPTYPE;
        let t = vm.new_native_type("ast", name, &base_t, Layout::Object, flags);
        // Heap types made from a spec: messages name them without the module.
        if let Some(td) = crate::objects::typeobj::type_data(&t) {
            td.flags
                .set(td.flags.get() & !crate::objects::typeobj::FLAG_MODULE_IN_NAME);
        }
        let strs = |vm: &mut Vm, xs: &[&str]| -> Value {
            let items: Vec<Value> = xs.iter().map(|x| Value::Obj(vm.intern(x))).collect();
            vm.new_tuple(items)
        };
        let f = strs(vm, fields);
        vm.add_type_attr(&t, "_fields", f.clone());
        vm.add_type_attr(&t, "__match_args__", f);
        if !attrs.is_empty() || base.is_empty() {
            let a = strs(vm, attrs);
            vm.add_type_attr(&t, "_attributes", a);
        }
        for n in nones.iter() {
            vm.add_type_attr(&t, n, Value::None);
        }
        let d = if doc.is_empty() {
            Value::None
        } else {
            vm.new_str(doc)
        };
        vm.add_type_attr(&t, "__doc__", d);
        if base.is_empty() {
            vm.add_methods(&t, &[("__init__", ast_init), ("__reduce__", ast_reduce)]);
        }
        vm.set_attr_raw(&m, name, Value::Obj(t.clone()));
        made.insert(name, t);
    }
    for (name, v) in [
        ("PyCF_ONLY_AST", 1024),
        ("PyCF_TYPE_COMMENTS", 4096),
        ("PyCF_ALLOW_TOP_LEVEL_AWAIT", 8192),
    ] {
        vm.set_attr_raw(&m, name, Value::Int(v));
    }
    Ok(m)
}
