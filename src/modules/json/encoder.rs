//! `_json.Encoder` (`make_encoder`): CPython 3.11's
//! `encoder_listencode_obj`/`_list`/`_dict`, used by `json.dumps` when
//! `indent` is None; circular references, `default`, `skipkeys`,
//! `sort_keys` and `allow_nan` behave as in `_json.c`.

use std::collections::HashSet;

use super::scanner::required_args;
use super::{escape_ascii, escape_unicode, str_cps, str_from_cps};
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{is_subtype, Layout};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// How string values are escaped.
#[derive(Clone, Copy)]
enum Fast {
    Ascii,
    Unicode,
    Call,
}

pub struct Encoder {
    markers: Value,
    default: Value,
    encoder: Value,
    indent: Value,
    key_separator: Value,
    item_separator: Value,
    sort_keys: bool,
    skipkeys: bool,
    allow_nan: bool,
    fast: Fast,
}

impl NativeData for Encoder {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&self.markers);
        visit(&self.default);
        visit(&self.encoder);
        visit(&self.indent);
        visit(&self.key_separator);
        visit(&self.item_separator);
    }
}

pub fn make_type(vm: &mut Vm) -> PyRef {
    let object = vm.types.object.clone();
    let t = vm.new_native_type("_json", "Encoder", &object, Layout::Native("Encoder"), 0);
    vm.add_staticmethods(&t, &[("__new__", encoder_new)]);
    vm.add_methods(&t, &[("__call__", encoder_call)]);
    vm.add_getsets(
        &t,
        &[
            ("markers", get_markers, Some(readonly)),
            ("default", get_default, Some(readonly)),
            ("encoder", get_encoder, Some(readonly)),
            ("indent", get_indent, Some(readonly)),
            ("key_separator", get_key_separator, Some(readonly)),
            ("item_separator", get_item_separator, Some(readonly)),
            ("sort_keys", get_sort_keys, Some(readonly)),
            ("skipkeys", get_skipkeys, Some(readonly)),
        ],
    );
    t
}

fn readonly(vm: &mut Vm, _o: &Value, _v: Option<Value>) -> PyResult<()> {
    Err(vm.attribute_error("readonly attribute"))
}

fn en<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a Encoder> {
    vm.native::<Encoder>(v)
        .ok_or_else(|| vm.type_error("expected a _json.Encoder"))
}

fn get_markers(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(en(vm, v)?.markers.clone())
}
fn get_default(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(en(vm, v)?.default.clone())
}
fn get_encoder(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(en(vm, v)?.encoder.clone())
}
fn get_indent(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(en(vm, v)?.indent.clone())
}
fn get_key_separator(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(en(vm, v)?.key_separator.clone())
}
fn get_item_separator(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(en(vm, v)?.item_separator.clone())
}
fn get_sort_keys(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::bool(en(vm, v)?.sort_keys))
}
fn get_skipkeys(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::bool(en(vm, v)?.skipkeys))
}

fn is_dict(vm: &Vm, v: &Value) -> bool {
    matches!(v, Value::Obj(o) if matches!(o.payload, Payload::Dict(_)))
        && is_subtype(&vm.type_of(v), &vm.types.dict)
}

fn encoder_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(cls)) = args.args.first() else {
        return Err(vm.type_error("Encoder.__new__(): not enough arguments"));
    };
    let cls = cls.clone();
    let names = [
        "markers",
        "default",
        "encoder",
        "indent",
        "key_separator",
        "item_separator",
        "sort_keys",
        "skipkeys",
        "allow_nan",
    ];
    let a = required_args(vm, &args, 1, "make_encoder", &names)?;
    let get = |i: usize| a.get(i).cloned().unwrap_or(Value::None);
    for i in [4, 5] {
        let v = get(i);
        if vm.as_str_obj(&v).is_none() {
            return Err(vm.type_error(format!(
                "make_encoder() argument {} must be str, not {}",
                i + 1,
                vm.arg_type_name(&v)
            )));
        }
    }
    let markers = get(0);
    if !markers.is_none() && !is_dict(vm, &markers) {
        return Err(vm.type_error(format!(
            "make_encoder() argument 1 must be dict or None, not {}",
            vm.arg_type_name(&markers)
        )));
    }
    let sort_keys = vm.truthy(&get(6))?;
    let skipkeys = vm.truthy(&get(7))?;
    let allow_nan = vm.truthy(&get(8))?;
    let encoder = get(2);
    let fast = match &encoder {
        Value::Obj(o) => match &o.payload {
            Payload::Builtin(b) if b.name == "encode_basestring_ascii" => Fast::Ascii,
            Payload::Builtin(b) if b.name == "encode_basestring" => Fast::Unicode,
            _ => Fast::Call,
        },
        _ => Fast::Call,
    };
    let e = Encoder {
        markers,
        default: get(1),
        encoder,
        indent: get(3),
        key_separator: get(4),
        item_separator: get(5),
        sort_keys,
        skipkeys,
        allow_nan,
        fast,
    };
    Ok(Value::Obj(vm.new_native(&cls, e)))
}

fn encoder_call(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(this) = args.args.first() else {
        return Err(vm.type_error("Encoder.__call__(): not enough arguments"));
    };
    let e = vm
        .native::<Encoder>(this)
        .ok_or_else(|| vm.type_error("expected a _json.Encoder"))?;
    let a = required_args(
        vm,
        &args,
        1,
        "_iterencode",
        &["obj", "_current_indent_level"],
    )?;
    super::super::binargs::ssize_arg(vm, a.get(1).unwrap_or(&Value::None))?;
    let mut w = Writer {
        e,
        out: Vec::new(),
        markers: HashSet::new(),
        key_sep: str_cps(vm, &e.key_separator).unwrap_or_default(),
        item_sep: str_cps(vm, &e.item_separator).unwrap_or_default(),
    };
    w.obj(vm, a.first().unwrap_or(&Value::None))?;
    // CPython 3.11 returns its accumulator's chunks: one str for all but
    // enormous outputs.
    let s = str_from_cps(vm, &w.out);
    Ok(vm.new_list(vec![s]))
}

struct Writer<'a> {
    e: &'a Encoder,
    out: Vec<u32>,
    markers: HashSet<usize>,
    key_sep: Vec<u32>,
    item_sep: Vec<u32>,
}

fn float_of(v: &Value) -> Option<f64> {
    match v {
        Value::Float(f) => Some(f.get()),
        Value::Obj(o) => match &o.payload {
            Payload::Float(f) => Some(*f),
            _ => None,
        },
        _ => None,
    }
}

impl Writer<'_> {
    fn push_str(&mut self, s: &str) {
        self.out.extend(s.chars().map(u32::from));
    }

    /// `encoder_encode_string`.
    fn string(&mut self, vm: &mut Vm, v: &Value) -> PyResult<()> {
        match self.e.fast {
            Fast::Ascii | Fast::Unicode => {
                // Printable ASCII but `"` and `\` is the same escaped
                // either way: copied as it is.
                if let Some(b) = vm
                    .as_str_obj(v)
                    .filter(|t| t.surrogate_cps().is_none())
                    .map(|t| t.as_str().as_bytes())
                    .filter(|b| {
                        b.iter()
                            .all(|&c| (0x20..=0x7e).contains(&c) && c != b'\\' && c != b'"')
                    })
                {
                    self.out.reserve(b.len() + 2);
                    self.out.push(u32::from('"'));
                    self.out.extend(b.iter().map(|&c| u32::from(c)));
                    self.out.push(u32::from('"'));
                    return Ok(());
                }
                let cps = str_cps(vm, v).unwrap_or_default();
                let enc = if matches!(self.e.fast, Fast::Ascii) {
                    escape_ascii(&cps)
                } else {
                    escape_unicode(&cps)
                };
                self.out.extend(enc);
            }
            Fast::Call => {
                let f = self.e.encoder.clone();
                let r = vm.call(&f, std::slice::from_ref(v))?;
                match str_cps(vm, &r) {
                    Some(cps) => self.out.extend(cps),
                    None => {
                        return Err(vm.type_error(format!(
                            "encoder() must return a string, not {}",
                            vm.type_name_of(&r)
                        )))
                    }
                }
            }
        }
        Ok(())
    }

    /// `encoder_encode_float` as text.
    fn float_text(&self, vm: &Vm, f: f64) -> PyResult<String> {
        if !f.is_finite() {
            if !self.e.allow_nan {
                return Err(vm.value_error("Out of range float values are not JSON compliant"));
            }
            return Ok(if f > 0.0 {
                "Infinity"
            } else if f < 0.0 {
                "-Infinity"
            } else {
                "NaN"
            }
            .to_string());
        }
        Ok(crate::pyfmt::float_repr(f))
    }

    /// `int.__repr__` of an int (subclass instances included).
    fn int_text(&self, vm: &mut Vm, v: &Value) -> PyResult<Option<String>> {
        match v {
            Value::Int(i) => Ok(Some(i.to_string())),
            Value::Obj(o) => match &o.payload {
                Payload::Int(b) => {
                    let exact = vm.new_bigint(b.clone());
                    Ok(Some(vm.repr(&exact)?))
                }
                _ => Ok(None),
            },
            _ => Ok(None),
        }
    }

    fn enter_marker(&mut self, vm: &Vm, o: &PyRef) -> PyResult<Option<usize>> {
        if self.e.markers.is_none() {
            return Ok(None);
        }
        let id = crate::objects::rc::Rc::as_ptr(o) as usize;
        if !self.markers.insert(id) {
            return Err(vm.value_error("Circular reference detected"));
        }
        Ok(Some(id))
    }

    fn obj(&mut self, vm: &mut Vm, v: &Value) -> PyResult<()> {
        match v {
            Value::None => {
                self.push_str("null");
                return Ok(());
            }
            Value::Bool(b) => {
                self.push_str(if b.get() { "true" } else { "false" });
                return Ok(());
            }
            _ => {}
        }
        if vm.as_str_obj(v).is_some() {
            return self.string(vm, v);
        }
        if let Some(t) = self.int_text(vm, v)? {
            self.push_str(&t);
            return Ok(());
        }
        if let Some(f) = float_of(v) {
            let t = self.float_text(vm, f)?;
            self.push_str(&t);
            return Ok(());
        }
        let Value::Obj(o) = v else {
            return Err(vm.system_error("unexpected JSON value"));
        };
        if let Some(items) = match &o.payload {
            Payload::List(l) => Some(l.borrow().clone()),
            Payload::Tuple(t) => Some(t.to_vec()),
            _ => None,
        } {
            vm.enter_recursive(" while encoding a JSON object")?;
            let r = self.list(vm, o, &items);
            vm.leave_recursive();
            return r;
        }
        if is_dict(vm, v) {
            vm.enter_recursive(" while encoding a JSON object")?;
            let r = self.dict(vm, o);
            vm.leave_recursive();
            return r;
        }
        let mark = self.enter_marker(vm, o)?;
        let f = self.e.default.clone();
        let newobj = vm.call(&f, std::slice::from_ref(v))?;
        vm.enter_recursive(" while encoding a JSON object")?;
        let r = self.obj(vm, &newobj);
        vm.leave_recursive();
        r?;
        if let Some(id) = mark {
            self.markers.remove(&id);
        }
        Ok(())
    }

    fn list(&mut self, vm: &mut Vm, o: &PyRef, items: &[Value]) -> PyResult<()> {
        if items.is_empty() {
            self.push_str("[]");
            return Ok(());
        }
        let mark = self.enter_marker(vm, o)?;
        self.out.push(u32::from('['));
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.extend_from_slice(&self.item_sep.clone());
            }
            self.obj(vm, item)?;
        }
        if let Some(id) = mark {
            self.markers.remove(&id);
        }
        self.out.push(u32::from(']'));
        Ok(())
    }

    fn dict(&mut self, vm: &mut Vm, o: &PyRef) -> PyResult<()> {
        let exact =
            crate::objects::rc::Rc::ptr_eq(&vm.type_of(&Value::Obj(o.clone())), &vm.types.dict);
        if vm.dict_items(o).is_empty() {
            self.push_str("{}");
            return Ok(());
        }
        let mark = self.enter_marker(vm, o)?;
        self.out.push(u32::from('{'));
        let mut items: Vec<(Value, Value)> = if exact {
            vm.dict_items(o)
        } else {
            let it = vm.call_method(&Value::Obj(o.clone()), "items", &[])?;
            let mut v = Vec::new();
            for pair in vm.collect_iter(&it)? {
                let kv = vm.collect_iter(&pair)?;
                match kv.as_slice() {
                    [k, val] => v.push((k.clone(), val.clone())),
                    _ => return Err(vm.value_error("items must return 2-tuples")),
                }
            }
            v
        };
        if self.e.sort_keys {
            let tuples: Vec<Value> = items
                .iter()
                .map(|(k, v)| vm.new_tuple_of([k.clone(), v.clone()]))
                .collect();
            let list = vm.new_list(tuples);
            vm.call_method(&list, "sort", &[])?;
            let sorted = vm.collect_iter(&list)?;
            items = Vec::with_capacity(sorted.len());
            for t in sorted {
                let kv = vm.collect_iter(&t)?;
                if let [k, val] = kv.as_slice() {
                    items.push((k.clone(), val.clone()));
                }
            }
        }
        let mut first = true;
        for (key, value) in items {
            let keystr: Value = if vm.as_str_obj(&key).is_some() {
                key
            } else if let Some(f) = float_of(&key) {
                let t = self.float_text(vm, f)?;
                vm.new_string(t)
            } else if let Value::Bool(b) = key {
                vm.new_str(if b.get() { "true" } else { "false" })
            } else if key.is_none() {
                vm.new_str("null")
            } else if let Some(t) = self.int_text(vm, &key)? {
                vm.new_string(t)
            } else if self.e.skipkeys {
                continue;
            } else {
                return Err(vm.new_error(
                    ExcKind::TypeError,
                    format!(
                        "keys must be str, int, float, bool or None, not {}",
                        vm.type_name_of(&key)
                    ),
                ));
            };
            if !first {
                self.out.extend_from_slice(&self.item_sep.clone());
            }
            first = false;
            self.string(vm, &keystr)?;
            self.out.extend_from_slice(&self.key_sep.clone());
            self.obj(vm, &value)?;
        }
        if let Some(id) = mark {
            self.markers.remove(&id);
        }
        self.out.push(u32::from('}'));
        Ok(())
    }
}
