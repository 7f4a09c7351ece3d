//! `_collections`: the native half of `collections` — `deque` (deque.rs,
//! deque_seq.rs), `defaultdict` (defaultdict.rs), the deque iterators,
//! `_count_elements` (Counter's loop) and `_tuplegetter` (namedtuple's
//! field descriptor). `OrderedDict` is collections' pure-Python version,
//! handed back by the module `__getattr__` (odict.rs).

use std::cell::{Cell, RefCell};

use crate::modules::itertools::clinic;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::Payload;
use crate::vm::proto::BinOp;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

pub mod defaultdict;
pub mod deque;
pub mod deque_seq;
pub mod odict;

crate::interp_local! {
    /// The `_collections` types native code needs (from the most recent
    /// import of the module).
    static TYPES: RefCell<Vec<(&'static str, PyRef)>> = const { RefCell::new(Vec::new()) };
}

/// The `_collections` type `name`.
pub fn registered(vm: &Vm, name: &str) -> PyResult<PyRef> {
    TYPES
        .with(|t| {
            t.borrow()
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| t.clone())
        })
        .ok_or_else(|| vm.system_error(format!("_collections.{name} is not initialised")))
}

/// `_count_elements(mapping, iterable)`: `mapping[x] = mapping.get(x, 0) + 1`
/// for each item (directly on the table for a plain dict).
fn count_elements(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::positional(vm, &args, 0, "_count_elements", 2, 2)?;
    let mapping = a[0].clone();
    let plain = match &mapping {
        Value::Obj(o) if matches!(o.payload, Payload::Dict(_)) => {
            let ty = vm.type_of(&mapping);
            let dict = vm.types.dict.clone();
            let get_d = vm.type_lookup_static(&dict, "get");
            let set_d = vm.type_lookup_static(&dict, "__setitem__");
            let same = |x: Option<Value>, y: &Option<Value>| match (x, y) {
                (Some(x), Some(y)) => x.is(y),
                _ => false,
            };
            let g = vm.type_lookup_static(&ty, "get");
            let s = vm.type_lookup_static(&ty, "__setitem__");
            if same(g, &get_d) && same(s, &set_d) {
                Some(o.clone())
            } else {
                None
            }
        }
        _ => None,
    };
    let it = vm.iter(&a[1])?;
    let (getm, setm) = if plain.is_none() {
        (
            Some(vm.getattr_str(&mapping, "get")?),
            Some(vm.getattr_str(&mapping, "__setitem__")?),
        )
    } else {
        (None, None)
    };
    while let Some(x) = vm.next(&it)? {
        match (&plain, &getm, &setm) {
            (Some(d), _, _) => {
                let new = match vm.dict_get(d, &x)? {
                    Some(old) => vm.binary_op(&old, &Value::Int(1), BinOp::Add, false)?,
                    None => Value::Int(1),
                };
                vm.dict_set(d, x, new)?;
            }
            (None, Some(g), Some(s)) => {
                let old = vm.call(g, &[x.clone(), Value::Int(0)])?;
                let new = vm.binary_op(&old, &Value::Int(1), BinOp::Add, false)?;
                vm.call(s, &[x, new])?;
            }
            _ => {}
        }
    }
    Ok(Value::None)
}

/// A `_tuplegetter(index, doc)` descriptor.
pub struct TupleGetter {
    index: usize,
    doc: RefCell<Value>,
    _pin: Cell<()>,
}

impl NativeData for TupleGetter {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        if let Ok(d) = self.doc.try_borrow() {
            visit(&d);
        }
    }

    fn clear(&self, out: &mut Vec<Value>) {
        if let Ok(mut d) = self.doc.try_borrow_mut() {
            out.push(std::mem::replace(&mut *d, Value::None));
        }
    }
}

fn tg<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a TupleGetter> {
    vm.native::<TupleGetter>(v)
        .ok_or_else(|| vm.type_error("descriptor requires a '_collections._tuplegetter' object"))
}

fn tuplegetter_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = clinic::cls_arg(vm, &args, "_tuplegetter")?;
    let a = clinic::positional(vm, &args, 1, "_tuplegetter", 2, 2)?;
    let i = clinic::ssize(vm, &a[0])?;
    let t = TupleGetter {
        index: i.max(0) as usize,
        doc: RefCell::new(a[1].clone()),
        _pin: Cell::new(()),
    };
    Ok(Value::Obj(vm.new_native(&cls, t)))
}

fn tuplegetter_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let g = tg(vm, &s)?;
    let obj = args.args.get(1).cloned().unwrap_or(Value::None);
    if obj.is_none() {
        return Ok(s);
    }
    match &obj {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(items) => items
                .get(g.index)
                .cloned()
                .ok_or_else(|| vm.index_error("tuple index out of range")),
            _ => Err(tuplegetter_misuse(vm, g, &obj)),
        },
        _ => Err(tuplegetter_misuse(vm, g, &obj)),
    }
}

fn tuplegetter_misuse(vm: &Vm, g: &TupleGetter, obj: &Value) -> crate::vm::PyErr {
    vm.type_error(format!(
        "descriptor for index '{}' for tuple subclasses doesn't apply to '{}' object",
        g.index,
        vm.type_name_of(obj)
    ))
}

fn tuplegetter_set(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(vm.attribute_error("can't set attribute"))
}

fn tuplegetter_delete(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(vm.attribute_error("can't delete attribute"))
}

fn tuplegetter_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let g = tg(vm, &s)?;
    let doc = g.doc.borrow().clone();
    let d = vm.repr(&doc)?;
    let name = crate::modules::itertools::short_type_name(vm, &s);
    Ok(vm.new_string(format!("{name}({}, {d})", g.index)))
}

fn tuplegetter_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let g = tg(vm, &s)?;
    let doc = g.doc.borrow().clone();
    let cls = Value::Obj(vm.type_of(&s));
    let t = vm.new_tuple_of([Value::Int(g.index as i64), doc]);
    Ok(vm.new_tuple_of([cls, t]))
}

fn get_doc(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(tg(vm, v)?.doc.borrow().clone())
}

fn set_doc(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let g = tg(vm, v)?;
    let old = g.doc.replace(new.unwrap_or(Value::None));
    drop(old);
    Ok(())
}

fn make_tuplegetter(vm: &mut Vm) -> PyRef {
    use crate::objects::typeobj::{Layout, FLAG_HEAPTYPE};
    let object = vm.types.object.clone();
    // A heap type so attribute lookup honours its `__get__`/`__set__`.
    let t = vm.new_native_type(
        "_collections",
        "_tuplegetter",
        &object,
        Layout::Native("_tuplegetter"),
        FLAG_HEAPTYPE,
    );
    vm.add_staticmethods(&t, &[("__new__", tuplegetter_new)]);
    vm.add_methods(
        &t,
        &[
            ("__get__", tuplegetter_get),
            ("__set__", tuplegetter_set),
            ("__delete__", tuplegetter_delete),
            ("__repr__", tuplegetter_repr),
            ("__reduce__", tuplegetter_reduce),
        ],
    );
    vm.add_getsets(&t, &[("__doc__", get_doc, Some(set_doc))]);
    t
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_collections");
    let deque_t = deque::make_type(vm);
    let dd = defaultdict::make_type(vm);
    let tg = make_tuplegetter(vm);
    let mut types = vec![
        ("deque", deque_t),
        ("defaultdict", dd),
        ("_tuplegetter", tg),
    ];
    types.extend(deque_seq::make_iter_types(vm));
    for (name, t) in &types {
        vm.set_attr_raw(&m, name, Value::Obj(t.clone()));
    }
    TYPES.with(|t| *t.borrow_mut() = types);
    vm.add_functions(
        &m,
        &[
            ("_count_elements", count_elements),
            ("__getattr__", odict::module_getattr),
        ],
    );
    let doc = vm.new_str("High performance data structures.\n- deque:        ordered collection accessible from endpoints only\n- defaultdict:  dict subclass with a default value factory\n");
    vm.set_attr_raw(&m, "__doc__", doc);
    Ok(m)
}
