//! `sqlite3.Row` (CPython 3.11's `row.c`): a row tuple with its cursor's
//! description, indexed by position or by case-insensitive column name.

use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{is_subtype, Layout, FLAG_BASETYPE};
use crate::objects::Payload;
use crate::vm::proto::{str_of, CmpOp};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

pub struct Row {
    data: Value,
    description: Value,
}

impl NativeData for Row {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&self.data);
        visit(&self.description);
    }
}

pub fn make_type(vm: &mut Vm) -> PyRef {
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "sqlite3",
        "Row",
        &object,
        Layout::Native("Row"),
        FLAG_BASETYPE,
    );
    vm.add_staticmethods(&t, &[("__new__", row_new)]);
    vm.add_methods(
        &t,
        &[
            ("__getitem__", row_getitem),
            ("__len__", row_len),
            ("__iter__", row_iter),
            ("__hash__", row_hash),
            ("__eq__", row_eq),
            ("__ne__", row_ne),
            ("keys", row_keys),
        ],
    );
    t
}

fn row_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(cls)) = args.args.first() else {
        return Err(vm.type_error("Row.__new__(): not enough arguments"));
    };
    if args.has_kwargs() {
        return Err(vm.type_error("Row() takes no keyword arguments"));
    }
    let pos = args.pos();
    if pos.len() != 3 {
        return Err(vm.type_error(format!(
            "Row expected 2 arguments, got {}",
            pos.len().saturating_sub(1)
        )));
    }
    let cursor = pos.get(1).cloned().unwrap_or(Value::None);
    let data = pos.get(2).cloned().unwrap_or(Value::None);
    let ct = super::cursor_type(vm)?;
    if !is_subtype(&vm.type_of(&cursor), &ct) {
        return Err(vm.type_error(format!(
            "Row() argument 1 must be sqlite3.Cursor, not {}",
            vm.type_name_of(&cursor)
        )));
    }
    if !matches!(&data, Value::Obj(o) if matches!(o.payload, Payload::Tuple(_))) {
        return Err(vm.type_error(format!(
            "Row() argument 2 must be tuple, not {}",
            vm.type_name_of(&data)
        )));
    }
    let description = super::cursor::description_of(vm, &cursor).unwrap_or(Value::None);
    Ok(Value::Obj(vm.new_native(cls, Row { data, description })))
}

fn this<'a>(vm: &Vm, args: &Args<'a>) -> PyResult<&'a Row> {
    vm.native_self::<Row>(args, "sqlite3.Row", "method")
}

fn tuple_items(v: &Value) -> &[Value] {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(t) => t,
            _ => &[],
        },
        _ => &[],
    }
}

/// The column names of a description.
fn names(d: &Value) -> Vec<Value> {
    tuple_items(d)
        .iter()
        .map(|c| tuple_items(c).first().cloned().unwrap_or(Value::None))
        .collect()
}

/// CPython's `equal_ignore_case`: equal, or both ASCII and equal ignoring
/// ASCII case.
fn equal_ignore_case(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<bool> {
    if vm.eq(a, b)? {
        return Ok(true);
    }
    let (Value::Obj(x), Value::Obj(y)) = (a, b) else {
        return Ok(false);
    };
    if !matches!(x.payload, Payload::Str(_)) || !matches!(y.payload, Payload::Str(_)) {
        return Ok(false);
    }
    let (s, t) = (str_of(x), str_of(y));
    Ok(s.is_ascii() && t.is_ascii() && s.eq_ignore_ascii_case(t))
}

fn row_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = this(vm, &args)?;
    let Some(key) = args.pos().get(1) else {
        return Err(vm.type_error("__getitem__ expected 1 argument"));
    };
    let items = tuple_items(&r.data);
    let is_int = match key {
        Value::Int(_) | Value::Bool(_) => true,
        Value::Obj(o) => matches!(o.payload, Payload::Int(_)),
        _ => false,
    };
    if is_int {
        let i = match vm.index_int(key)? {
            crate::num::Int::Small(i) => i,
            crate::num::Int::Big(_) => {
                return Err(vm.index_error("cannot fit 'int' into an index-sized integer"))
            }
        };
        let i = if i < 0 { i + items.len() as i64 } else { i };
        return usize::try_from(i)
            .ok()
            .and_then(|i| items.get(i))
            .cloned()
            .ok_or_else(|| vm.index_error("tuple index out of range"));
    }
    match key {
        Value::Obj(o) if matches!(o.payload, Payload::Str(_)) => {
            for (i, name) in names(&r.description).iter().enumerate() {
                if equal_ignore_case(vm, key, name)? {
                    return Ok(items.get(i).cloned().unwrap_or(Value::None));
                }
            }
            Err(vm.index_error("No item with that key"))
        }
        Value::Obj(o) if matches!(o.payload, Payload::Slice(_)) => {
            let data = r.data.clone();
            vm.getitem(&data, key)
        }
        _ => Err(vm.index_error("Index must be int or string")),
    }
}

fn row_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = this(vm, &args)?;
    Ok(Value::Int(tuple_items(&r.data).len() as i64))
}

fn row_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = this(vm, &args)?;
    let data = r.data.clone();
    vm.iter(&data)
}

fn row_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = this(vm, &args)?;
    let (d, data) = (r.description.clone(), r.data.clone());
    let h = vm.hash(&d)? ^ vm.hash(&data)?;
    Ok(Value::Int(if h == -1 { -2 } else { h }))
}

fn row_keys(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = this(vm, &args)?;
    Ok(vm.new_list(names(&r.description)))
}

fn row_compare(vm: &mut Vm, args: Args, op: CmpOp) -> PyResult<Value> {
    let r = this(vm, &args)?;
    let Some(other) = args.pos().get(1) else {
        return Err(vm.type_error("comparison expected 1 argument"));
    };
    let rt = super::row_type(vm)?;
    if !is_subtype(&vm.type_of(other), &rt) {
        return Ok(vm.not_implemented());
    }
    let Some(o) = vm.native::<Row>(other) else {
        return Ok(vm.not_implemented());
    };
    let (d1, d2) = (r.description.clone(), o.description.clone());
    if vm.eq(&d1, &d2)? {
        let (a, b) = (r.data.clone(), o.data.clone());
        return vm.richcompare(&a, &b, op);
    }
    Ok(Value::bool(matches!(op, CmpOp::Ne)))
}

fn row_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    row_compare(vm, args, CmpOp::Eq)
}

fn row_ne(vm: &mut Vm, args: Args) -> PyResult<Value> {
    row_compare(vm, args, CmpOp::Ne)
}
