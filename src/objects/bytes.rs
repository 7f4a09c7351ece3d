//! `bytes` and `bytearray` objects and their methods.

use super::function::Args;
use super::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The bytes of a bytes or bytearray value (a copy).
pub fn bytes_of(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Bytes(b) => Some(b.to_vec()),
            Payload::ByteArray(b) => Some(b.borrow().clone()),
            _ => None,
        },
        _ => None,
    }
}

pub fn bytes_getitem(vm: &mut Vm, o: &PyRef, key: &Value) -> PyResult<Value> {
    let data = bytes_of(&Value::Obj(o.clone())).unwrap_or_default();
    let is_array = matches!(o.payload, Payload::ByteArray(_));
    if let Some(s) = Vm::as_slice(key) {
        let (start, _, step, n) = vm.slice_indices(&s.clone(), data.len())?;
        let out: Vec<u8> = (0..n as i64)
            .filter_map(|k| data.get((start + k * step) as usize).copied())
            .collect();
        return Ok(if is_array {
            Value::Obj(vm.new_obj(
                &vm.types.bytearray,
                Payload::ByteArray(std::cell::RefCell::new(out)),
            ))
        } else {
            vm.new_bytes(out)
        });
    }
    match vm.index_value(key)? {
        Some(i) => match Vm::norm_index(i, data.len()).and_then(|j| data.get(j)) {
            Some(b) => Ok(Value::Int(*b as i64)),
            None => Err(vm.index_error(if is_array {
                "bytearray index out of range"
            } else {
                "index out of range"
            })),
        },
        None => Err(vm.type_error(format!(
            "byte indices must be integers or slices, not {}",
            vm.type_name_of(key)
        ))),
    }
}

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

fn bytes_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let _ = vm;
    Ok(Value::Int(
        bytes_of(&arg(&args, 0)).map_or(0, |b| b.len()) as i64
    ))
}

fn bytes_add(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (Some(mut a), Some(b)) = (bytes_of(&arg(&args, 0)), bytes_of(&arg(&args, 1))) else {
        return Err(vm.type_error(format!(
            "can't concat {} to bytes",
            vm.type_name_of(&arg(&args, 1))
        )));
    };
    a.extend(b);
    Ok(vm.new_bytes(a))
}

fn bytes_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match (bytes_of(&arg(&args, 0)), bytes_of(&arg(&args, 1))) {
        (Some(a), Some(b)) => Ok(Value::Bool(a == b)),
        _ => Ok(vm.not_implemented()),
    }
}

fn bytes_decode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = bytes_of(&arg(&args, 0)).unwrap_or_default();
    match String::from_utf8(b) {
        Ok(s) => Ok(vm.new_string(s)),
        Err(e) => Err(vm.new_error(
            crate::objects::exception::ExcKind::UnicodeDecodeError,
            format!(
                "'utf-8' codec can't decode byte 0x{:02x} in position {}: invalid start byte",
                e.as_bytes()
                    .get(e.utf8_error().valid_up_to())
                    .copied()
                    .unwrap_or(0),
                e.utf8_error().valid_up_to()
            ),
        )),
    }
}

pub fn install(vm: &mut Vm) {
    for t in [vm.types.bytes.clone(), vm.types.bytearray.clone()] {
        vm.add_methods(
            &t,
            &[
                ("__len__", bytes_len),
                ("__add__", bytes_add),
                ("__eq__", bytes_eq),
                ("decode", bytes_decode),
            ],
        );
    }
}
