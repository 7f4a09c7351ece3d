//! `types.SimpleNamespace` (the type of `sys.implementation`): an object
//! whose attributes are its keyword arguments.

use super::function::Args;
use super::typeobj::{Layout, FLAG_BASETYPE, FLAG_HAS_DICT};
use super::Payload;
use crate::vm::value::Truth;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

fn ns_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => return Err(vm.type_error("SimpleNamespace.__new__(X): X is not a type object")),
    };
    let o = vm.new_instance_of(&cls, Payload::Object);
    vm.ensure_dict(&o);
    Ok(Value::Obj(o))
}

fn ns_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = args.args.first().cloned().unwrap_or(Value::None);
    if args.pos().len() > 1 {
        // namespace_init in 3.11 (3.13 accepts one mapping).
        return Err(vm.type_error("no positional arguments expected"));
    }
    for (k, v) in args.kwargs() {
        vm.setattr(&s, k, Some(v.clone()))?;
    }
    Ok(Value::None)
}

fn ns_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = args.args.first().cloned().unwrap_or(Value::None);
    let Value::Obj(o) = &s else {
        return Ok(vm.new_str("namespace()"));
    };
    let ty = vm.type_of(&s);
    let name = if o.class_is(&namespace_type(vm, &ty)) {
        "namespace".to_string()
    } else {
        vm.type_name(&ty)
    };
    let items = o.dict().map(|d| vm.dict_items(&d)).unwrap_or_default();
    let mut parts = Vec::with_capacity(items.len());
    for (k, v) in items {
        let key = vm.str(&k)?;
        parts.push(format!("{key}={}", vm.repr(&v)?));
    }
    Ok(vm.new_string(format!("{name}({})", parts.join(", "))))
}

/// The base SimpleNamespace type along `ty`'s MRO (the last heap-less one).
fn namespace_type(_vm: &Vm, ty: &PyRef) -> PyRef {
    super::typeobj::type_data(ty)
        .and_then(|td| {
            td.mro
                .borrow()
                .iter()
                .find(|t| {
                    super::typeobj::type_data(t)
                        .is_some_and(|d| !d.has_flag(super::typeobj::FLAG_HEAPTYPE))
                })
                .cloned()
        })
        .unwrap_or_else(|| ty.clone())
}

fn ns_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (a, b) = match (args.args.first(), args.args.get(1)) {
        (Some(Value::Obj(a)), Some(Value::Obj(b))) => (a.clone(), b.clone()),
        _ => return Ok(vm.not_implemented()),
    };
    let ta = vm.type_of(&Value::Obj(a.clone()));
    let tb = vm.type_of(&Value::Obj(b.clone()));
    let base = namespace_type(vm, &ta);
    if !super::typeobj::is_subtype(&tb, &base) {
        return Ok(vm.not_implemented());
    }
    match (a.dict(), b.dict()) {
        (Some(x), Some(y)) => {
            vm.richcompare(&Value::Obj(x), &Value::Obj(y), crate::vm::proto::CmpOp::Eq)
        }
        _ => Ok(Value::Bool(Truth::False)),
    }
}

/// `SimpleNamespace.__reduce__`: `(type(ns), (), ns.__dict__)`.
fn ns_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = args.args.first().cloned().unwrap_or(Value::None);
    let cls = Value::Obj(vm.type_of(&s));
    let dict = match &s {
        Value::Obj(o) => o.dict().map_or(Value::None, Value::Obj),
        _ => Value::None,
    };
    let empty = vm.new_tuple_of([]);
    Ok(vm.new_tuple_of([cls, empty, dict]))
}

impl Vm {
    /// Create the SimpleNamespace type.
    pub fn new_namespace_type(&mut self) -> PyRef {
        let object = self.types.object.clone();
        let t = self.new_native_type(
            "types",
            "SimpleNamespace",
            &object,
            Layout::Object,
            FLAG_BASETYPE | FLAG_HAS_DICT,
        );
        self.add_staticmethods(&t, &[("__new__", ns_new)]);
        self.add_methods(
            &t,
            &[
                ("__init__", ns_init),
                ("__repr__", ns_repr),
                ("__eq__", ns_eq),
                ("__reduce__", ns_reduce),
            ],
        );
        self.add_type_attr(&t, "__hash__", Value::None);
        t
    }

    /// A SimpleNamespace instance with these attributes.
    pub fn new_namespace(&mut self, ty: &PyRef, attrs: Vec<(&str, Value)>) -> Value {
        let o = self.new_instance_of(ty, Payload::Object);
        let d = self.ensure_dict(&o);
        for (k, v) in attrs {
            let key = Value::Obj(self.intern(k));
            let _ = self.dict_set_nocall(&d, key, v);
        }
        Value::Obj(o)
    }
}
