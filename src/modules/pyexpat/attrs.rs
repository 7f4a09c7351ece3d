//! The plain attributes of `pyexpat.xmlparser`: the parse options
//! (`buffer_text`, `buffer_size`, `ordered_attributes`...), `intern`, and
//! the error and current positions.

use super::input::Pos;
use super::xmlparser::{flush, this, XmlParser};
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

pub(super) fn get_buffer_text(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    Ok(Value::bool(this(vm, obj)?.buffer.borrow().is_some()))
}

pub(super) fn set_buffer_text(vm: &mut Vm, obj: &Value, v: Option<Value>) -> PyResult<()> {
    let p = this(vm, obj)?;
    let on = match v {
        Some(v) => vm.truthy(&v)?,
        None => return Err(vm.runtime_error("Cannot delete attribute")),
    };
    if on {
        if p.buffer.borrow().is_none() {
            *p.buffer.borrow_mut() = Some(String::new());
        }
    } else {
        flush(vm, p)?;
        *p.buffer.borrow_mut() = None;
    }
    Ok(())
}

pub(super) fn get_buffer_size(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    Ok(Value::Int(this(vm, obj)?.buffer_size.get() as i64))
}

pub(super) fn set_buffer_size(vm: &mut Vm, obj: &Value, v: Option<Value>) -> PyResult<()> {
    let p = this(vm, obj)?;
    let n = match v {
        None => return Err(vm.runtime_error("Cannot delete attribute")),
        Some(Value::Int(n)) => n,
        Some(_) => return Err(vm.type_error("buffer_size must be an integer")),
    };
    if n <= 0 {
        return Err(vm.value_error("buffer_size must be greater than zero"));
    }
    flush(vm, p)?;
    p.buffer_size.set(usize::try_from(n).unwrap_or(usize::MAX));
    Ok(())
}

pub(super) fn get_buffer_used(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    let p = this(vm, obj)?;
    let n = p.buffer.borrow().as_ref().map_or(0, String::len);
    Ok(Value::Int(n as i64))
}

pub(super) fn bool_attr(vm: &mut Vm, v: Option<Value>) -> PyResult<bool> {
    match v {
        Some(v) => vm.truthy(&v),
        None => Err(vm.runtime_error("Cannot delete attribute")),
    }
}

pub(super) fn get_ordered(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    Ok(Value::bool(this(vm, obj)?.ordered.get()))
}

pub(super) fn set_ordered(vm: &mut Vm, obj: &Value, v: Option<Value>) -> PyResult<()> {
    let b = bool_attr(vm, v)?;
    this(vm, obj)?.ordered.set(b);
    Ok(())
}

pub(super) fn get_specified(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    Ok(Value::bool(this(vm, obj)?.specified.get()))
}

pub(super) fn set_specified(vm: &mut Vm, obj: &Value, v: Option<Value>) -> PyResult<()> {
    let b = bool_attr(vm, v)?;
    this(vm, obj)?.specified.set(b);
    Ok(())
}

pub(super) fn get_ns_prefixes(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    Ok(Value::bool(this(vm, obj)?.ns_prefixes.get()))
}

pub(super) fn set_ns_prefixes(vm: &mut Vm, obj: &Value, v: Option<Value>) -> PyResult<()> {
    let b = bool_attr(vm, v)?;
    this(vm, obj)?.ns_prefixes.set(b);
    Ok(())
}

pub(super) fn get_intern(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    Ok(this(vm, obj)?.intern.clone())
}

pub(super) fn get_error_code(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    let p = this(vm, obj)?;
    Ok(Value::Int(p.error.get().map_or(0, |e| i64::from(e.code))))
}

/// The error's position, or the current one when there was no error.
pub(super) fn error_pos(p: &XmlParser) -> Pos {
    p.error.get().map_or(p.cur.get(), |e| e.pos)
}

pub(super) fn get_error_line(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    Ok(Value::Int(error_pos(this(vm, obj)?).line as i64))
}

pub(super) fn get_error_column(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    Ok(Value::Int(error_pos(this(vm, obj)?).col as i64))
}

pub(super) fn get_error_byte(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    let p = this(vm, obj)?;
    Ok(Value::Int(match p.error.get() {
        Some(e) => e.pos.byte,
        None => byte_index(p),
    }))
}

pub(super) fn byte_index(p: &XmlParser) -> i64 {
    let fed = p.core.borrow().as_ref().map_or(0, |c| c.fed);
    if fed == 0 {
        -1
    } else {
        p.cur.get().byte
    }
}

pub(super) fn get_cur_line(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    Ok(Value::Int(this(vm, obj)?.cur.get().line as i64))
}

pub(super) fn get_cur_column(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    Ok(Value::Int(this(vm, obj)?.cur.get().col as i64))
}

pub(super) fn get_cur_byte(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    Ok(Value::Int(byte_index(this(vm, obj)?)))
}
