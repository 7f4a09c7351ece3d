//! `mappingproxy`: the read-only view of a mapping that `type.__dict__`
//! returns.

use super::function::Args;
use super::Payload;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

fn mapping_of(vm: &Vm, v: &Value) -> PyResult<Value> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::MappingProxy(m) => Ok(m.clone()),
            _ => Err(vm.type_error("descriptor requires a 'mappingproxy' object")),
        },
        _ => Err(vm.type_error("descriptor requires a 'mappingproxy' object")),
    }
}

impl Vm {
    /// A read-only view of `mapping`.
    pub fn new_mappingproxy(&self, mapping: Value) -> Value {
        Value::Obj(self.new_obj(&self.types.mappingproxy, Payload::MappingProxy(mapping)))
    }
}

fn mp_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("mappingproxy", args, 1, 1)?;
    let m = a[0].clone();
    // CPython's PyMapping_Check: the type has `__getitem__` (a list or a
    // tuple is not a mapping).
    let is_mapping = match &m {
        Value::Obj(o) => {
            let ty = vm.type_of(&m);
            !matches!(o.payload, Payload::List(_) | Payload::Tuple(_))
                && vm.type_lookup_str(&ty, "__getitem__").is_some()
        }
        _ => false,
    };
    if !is_mapping {
        return Err(vm.type_error(format!(
            "mappingproxy() argument must be a mapping, not {}",
            vm.type_name_of(&m)
        )));
    }
    Ok(vm.new_mappingproxy(m))
}

fn mp_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = mapping_of(vm, &arg(&args, 0))?;
    vm.getitem(&m, &arg(&args, 1))
}

fn mp_contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = mapping_of(vm, &arg(&args, 0))?;
    Ok(Value::bool(vm.contains(&m, &arg(&args, 1))?))
}

fn mp_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = mapping_of(vm, &arg(&args, 0))?;
    Ok(Value::Int(vm.len(&m)? as i64))
}

fn mp_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = mapping_of(vm, &arg(&args, 0))?;
    vm.iter(&m)
}

fn forward(vm: &mut Vm, args: Args, name: &str) -> PyResult<Value> {
    let m = mapping_of(vm, &arg(&args, 0))?;
    let rest = args.args.get(1..).unwrap_or(&[]);
    let f = vm.getattr_str(&m, name)?;
    vm.call_args(
        &f,
        Args {
            args: rest,
            kwnames: args.kwnames,
        },
    )
}

fn mp_keys(vm: &mut Vm, args: Args) -> PyResult<Value> {
    forward(vm, args, "keys")
}
fn mp_values(vm: &mut Vm, args: Args) -> PyResult<Value> {
    forward(vm, args, "values")
}
fn mp_items(vm: &mut Vm, args: Args) -> PyResult<Value> {
    forward(vm, args, "items")
}
fn mp_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    forward(vm, args, "get")
}
fn mp_copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    forward(vm, args, "copy")
}
fn mp_reversed(vm: &mut Vm, args: Args) -> PyResult<Value> {
    forward(vm, args, "__reversed__")
}

fn mp_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = mapping_of(vm, &arg(&args, 0))?;
    let r = vm.repr(&m)?;
    Ok(vm.new_string(format!("mappingproxy({r})")))
}

fn mp_str(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = mapping_of(vm, &arg(&args, 0))?;
    vm.str_value(&m)
}

fn mp_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = mapping_of(vm, &arg(&args, 0))?;
    vm.richcompare(&m, &arg(&args, 1), crate::vm::proto::CmpOp::Eq)
}

fn mp_ne(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = mapping_of(vm, &arg(&args, 0))?;
    vm.richcompare(&m, &arg(&args, 1), crate::vm::proto::CmpOp::Ne)
}

fn mp_or(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (a, b) = (arg(&args, 0), arg(&args, 1));
    let a = mapping_of(vm, &a).unwrap_or(a);
    let b = mapping_of(vm, &b).unwrap_or(b);
    vm.binary_op(&a, &b, crate::vm::proto::BinOp::Or, false)
}

fn mp_ror(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let two = [arg(&args, 1), arg(&args, 0)];
    mp_or(vm, Args::new(&two))
}

pub fn install(vm: &mut Vm) {
    let t = vm.types.mappingproxy.clone();
    vm.add_staticmethods(&t, &[("__new__", mp_new)]);
    vm.add_methods(
        &t,
        &[
            ("__getitem__", mp_getitem),
            ("__contains__", mp_contains),
            ("__len__", mp_len),
            ("__iter__", mp_iter),
            ("__reversed__", mp_reversed),
            ("keys", mp_keys),
            ("values", mp_values),
            ("items", mp_items),
            ("get", mp_get),
            ("copy", mp_copy),
            ("__repr__", mp_repr),
            ("__str__", mp_str),
            ("__eq__", mp_eq),
            ("__ne__", mp_ne),
            ("__or__", mp_or),
            ("__ror__", mp_ror),
        ],
    );
    vm.add_type_attr(&t, "__hash__", Value::None);
}
