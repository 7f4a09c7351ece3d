//! `_opcode`: `stack_effect(opcode, oparg=None, /, *, jump=None)` from the
//! project's one opcode table (`pyc::opcode`), so `dis.stack_effect`
//! works, and `get_specialization_stats()` (None: no stats build).

use super::binargs::{add_module_functions, int_arg, Sig};
use crate::objects::function::Args;
use crate::pyc::opcode::Op;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

fn opcode_stack_effect(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = Sig {
        name: "stack_effect",
        pos: &["opcode", "oparg"],
        posonly: 2,
        required: 1,
        kwonly: &["jump"],
    }
    .bind(vm, &args, 1)?;
    let op = int_arg(vm, &b[0].clone().unwrap_or(Value::None))?;
    let oparg = match &b[1] {
        Some(v) if !v.is_none() => Some(int_arg(vm, v)? as i32),
        _ => None,
    };
    let jump = match &b[2] {
        None | Some(Value::None) => None,
        Some(Value::Bool(j)) => Some(j.get()),
        Some(_) => return Err(vm.value_error("stack_effect: jump must be False, True or None")),
    };
    // The oparg check comes first, for any number (`HAS_ARG`).
    let has_arg = op >= crate::pyc::opcode::HAVE_ARGUMENT as i64;
    match (has_arg, oparg) {
        (true, None) => {
            return Err(
                vm.value_error("stack_effect: opcode requires oparg but oparg was not specified")
            )
        }
        (false, Some(_)) => {
            return Err(vm
                .value_error("stack_effect: opcode does not permit oparg but oparg was specified"))
        }
        _ => {}
    }
    let Some(op) = u8::try_from(op).ok().and_then(Op::from_u8) else {
        return Err(vm.value_error("invalid opcode or oparg"));
    };
    match op.stack_effect(oparg, jump) {
        Ok(e) => Ok(Value::Int(e as i64)),
        Err(e) => Err(vm.value_error(e.to_string())),
    }
}

fn opcode_get_specialization_stats(vm: &mut Vm, args: Args) -> PyResult<Value> {
    super::binargs::posonly(vm, &args, "get_specialization_stats", 0, 0)?;
    Ok(Value::None)
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_opcode");
    add_module_functions(
        vm,
        &m,
        &[
            ("stack_effect", opcode_stack_effect),
            ("get_specialization_stats", opcode_get_specialization_stats),
        ],
    );
    Ok(m)
}
