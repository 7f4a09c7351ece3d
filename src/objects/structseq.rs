//! Struct sequences (CPython's `PyStructSequence`): tuple subclasses whose
//! items are also named attributes, such as `sys.version_info` and
//! `sys.float_info`. Instances are tuples whose class is the struct type.

use super::exception::ExcKind;
use super::function::{Args, Builtin};
use super::typeobj::{type_data, Layout};
use super::Payload;
use crate::vm::value::Truth;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The getter behind each field property: `self_` is the field index.
fn field_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let idx = match args.args.first() {
        Some(Value::Int(i)) => usize::try_from(*i).unwrap_or(usize::MAX),
        _ => usize::MAX,
    };
    match args.args.get(1) {
        Some(Value::Obj(o)) => match &o.payload {
            Payload::Tuple(items) => Ok(items.get(idx).cloned().unwrap_or(Value::None)),
            _ => Err(vm.type_error("descriptor requires a struct sequence")),
        },
        _ => Err(vm.type_error("descriptor requires a struct sequence")),
    }
}

/// The setter and deleter of each field property: fields are read-only members.
fn field_readonly(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(vm.new_error(ExcKind::AttributeError, "readonly attribute"))
}

/// The visible field names, from the type's `__match_args__`.
fn field_names(vm: &mut Vm, ty: &PyRef) -> Vec<String> {
    match vm.type_lookup_static(ty, "__match_args__") {
        Some(Value::Obj(t)) => match &t.payload {
            Payload::Tuple(items) => items
                .iter()
                .map(|v| vm.as_str_obj(v).map(|s| s.as_str().to_string()))
                .map(Option::unwrap_or_default)
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// `repr(seq)`: `module.name(field=value, ...)`.
fn structseq_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = args.args.first().cloned().unwrap_or(Value::None);
    let ty = vm.type_of(&s);
    let items = vm.seq_items(&s).unwrap_or_default();
    let names = field_names(vm, &ty);
    let mut parts = Vec::with_capacity(names.len());
    for (n, v) in names.iter().zip(items.iter()) {
        parts.push(format!("{n}={}", vm.repr(v)?));
    }
    let tn = vm.qualified_type_name(&ty);
    Ok(vm.new_string(format!("{tn}({})", parts.join(", "))))
}

fn structseq_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) if type_data(c).is_some() => c.clone(),
        _ => return Err(vm.type_error("structseq.__new__(X): X is not a type object")),
    };
    let tn = vm.qualified_type_name(&cls);
    if matches!(
        vm.type_lookup_static(&cls, "__structseq_closed__"),
        Some(Value::Bool(Truth::True))
    ) {
        return Err(vm.type_error(format!("cannot create '{tn}' instances")));
    }
    let Some(seq) = args.pos().get(1) else {
        return Err(vm.type_error(format!(
            "{tn}() missing required argument 'sequence' (pos 1)"
        )));
    };
    let items = vm.collect_iter(seq)?;
    let n = field_names(vm, &cls).len();
    if items.len() != n {
        return Err(vm.type_error(format!(
            "{tn}() takes a {n}-sequence ({}-sequence given)",
            items.len()
        )));
    }
    Ok(Value::Obj(vm.new_obj(&cls, Payload::Tuple(items.into()))))
}

impl Vm {
    /// Make a struct sequence type `module.name` with these fields.
    /// `constructible` is false for the `sys` ones ("cannot create
    /// 'sys.flags' instances").
    pub fn new_structseq_type(
        &mut self,
        module: &str,
        name: &str,
        fields: &[&str],
        constructible: bool,
    ) -> PyRef {
        let tuple = self.types.tuple.clone();
        // Marked a heap type so the tuple payload's builtin repr does not
        // shadow the struct's `__repr__`.
        let t = self.new_native_type(
            module,
            name,
            &tuple,
            Layout::Tuple,
            super::typeobj::FLAG_HEAPTYPE,
        );
        let names: Vec<Value> = fields.iter().map(|f| self.new_str(f)).collect();
        let names = self.new_tuple(names);
        self.add_type_attr(&t, "__match_args__", names);
        let n = Value::Int(fields.len() as i64);
        self.add_type_attr(&t, "n_fields", n.clone());
        self.add_type_attr(&t, "n_sequence_fields", n);
        self.add_type_attr(&t, "n_unnamed_fields", Value::Int(0));
        self.add_type_attr(&t, "__structseq_closed__", Value::bool(!constructible));
        for (i, f) in fields.iter().enumerate() {
            let getter = self.new_obj(
                &self.types.builtin_function,
                Payload::Builtin(Box::new(Builtin {
                    name: "field",
                    guards: crate::vm::call::builtin_call_guards("field"),
                    func: field_get,
                    self_: Some(Value::Int(i as i64)),
                    owner: None,
                })),
            );
            let readonly = Value::Obj(self.new_obj(
                &self.types.builtin_function,
                Payload::Builtin(Box::new(Builtin {
                    name: "readonly",
                    guards: crate::vm::call::builtin_call_guards("readonly"),
                    func: field_readonly,
                    self_: None,
                    owner: None,
                })),
            ));
            let prop = self.new_obj(
                &self.types.property,
                Payload::Property(Box::new([
                    Value::Obj(getter),
                    readonly.clone(),
                    readonly,
                    Value::None,
                ])),
            );
            self.add_type_attr(&t, f, Value::Obj(prop));
        }
        self.add_methods(&t, &[("__repr__", structseq_repr)]);
        self.add_staticmethods(&t, &[("__new__", structseq_new)]);
        t
    }

    /// An instance of a struct sequence type.
    pub fn new_structseq(&self, ty: &PyRef, values: Vec<Value>) -> Value {
        Value::Obj(self.new_obj(ty, Payload::Tuple(values.into())))
    }
}
