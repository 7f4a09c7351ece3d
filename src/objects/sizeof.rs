//! `sys.getsizeof` and the `__sizeof__` methods: the sizes CPython 3.11
//! reports on a 64-bit build (its object layouts, not pycvm's), so
//! programs that print them see CPython's numbers: `__sizeof__` is the
//! object's own allocation, and `getsizeof` adds the collector's header
//! (16 bytes) for container types and the managed `__dict__` pre-header
//! (16 bytes) for classes whose instances keep their dict there.

use num_bigint::BigInt;

use super::typeobj::{type_data, Layout, FLAG_HEAPTYPE};
use super::{Payload, PyObject};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// `sizeof(PyGC_Head)`.
const GC_HEAD: usize = 16;
const PTR: usize = 8;

/// A builtin layout's `(tp_basicsize, tp_itemsize, has __dict__, has
/// __weakref__)` in CPython 3.11.
fn builtin_layout(l: &Layout) -> (usize, usize, bool, bool) {
    match l {
        Layout::Int => (24, 4, false, false),
        Layout::Float => (24, 0, false, false),
        Layout::Complex => (32, 0, false, false),
        Layout::Str => (80, 0, false, false),
        Layout::Bytes => (33, 1, false, false),
        Layout::ByteArray => (56, 0, false, false),
        Layout::Tuple => (24, 8, false, false),
        Layout::List => (40, 0, false, false),
        Layout::Dict => (48, 0, false, false),
        Layout::Set | Layout::FrozenSet => (200, 0, false, true),
        Layout::Type => (904, 40, true, true),
        Layout::Exception => (72, 0, true, false),
        Layout::Module => (56, 0, true, true),
        _ => (16, 0, false, false),
    }
}

/// A class's `(basicsize, itemsize, has dict, has weakref, managed dict)`
/// as CPython 3.11's `type_new` lays it out: a heap class adds its
/// `__slots__`, a `__weakref__` slot when the base has none (and is not
/// variable-sized), and a `__dict__` (managed, before the object, unless
/// the base is variable-sized) when its instances get one.
fn class_layout(cls: &PyRef, depth: u32) -> (usize, usize, bool, bool, bool) {
    let Some(td) = type_data(cls) else {
        return (16, 0, false, false, false);
    };
    if !td.has_flag(FLAG_HEAPTYPE) || depth > 64 {
        let (b, i, d, w) = builtin_layout(&td.layout);
        return (b, i, d, w, false);
    }
    let base = td.bases.borrow().first().cloned();
    let (mut size, item, mut dict, mut weak, mut managed) = match &base {
        Some(b) => class_layout(b, depth + 1),
        None => (16, 0, false, false, false),
    };
    // The names in the class's own `__slots__` (a str or an iterable of
    // them), if it declares any.
    let declared: Option<Vec<String>> = cls.dict().and_then(|d| {
        let Payload::Dict(t) = &d.payload else {
            return None;
        };
        let t = t.try_borrow().ok()?;
        let v = t.iter().find_map(|e| match &e.key {
            Value::Obj(k) if matches!(&k.payload, Payload::Str(s) if s.as_str() == "__slots__") => {
                Some(e.value.clone())
            }
            _ => None,
        })?;
        let strs = |items: &[Value]| {
            items
                .iter()
                .filter_map(|i| match i {
                    Value::Obj(o) => match &o.payload {
                        Payload::Str(s) => Some(s.as_str().to_string()),
                        _ => None,
                    },
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        match &v {
            Value::Obj(o) => match &o.payload {
                Payload::Str(s) => Some(vec![s.as_str().to_string()]),
                Payload::Tuple(items) => Some(strs(items)),
                Payload::List(l) => l.try_borrow().ok().map(|l| strs(&l)),
                _ => Some(Vec::new()),
            },
            _ => Some(Vec::new()),
        }
    });
    let named = |n: &str| declared.as_ref().is_some_and(|d| d.iter().any(|s| s == n));
    size += PTR
        * declared.as_ref().map_or(0, |d| {
            d.iter()
                .filter(|s| *s != "__dict__" && *s != "__weakref__")
                .count()
        });
    let declared = declared.is_some();
    let add_dict = !dict && (!declared || named("__dict__"));
    let add_weak = !weak && item == 0 && (!declared || named("__weakref__"));
    if add_dict {
        dict = true;
        if item == 0 {
            managed = true;
        } else {
            size += PTR;
        }
    }
    if add_weak {
        weak = true;
        size += PTR;
    }
    (size, item, dict, weak, managed)
}

/// Number of 30-bit digits CPython stores for `|v|` (at least one).
fn int_digits(v: &BigInt) -> usize {
    (v.bits() as usize).div_ceil(30).max(1)
}

fn str_size(s: &super::StrObj) -> usize {
    let len = s.char_len();
    let max = if s.is_ascii() {
        0
    } else {
        s.code_points().into_iter().max().unwrap_or(0)
    };
    if max < 0x80 {
        48 + len + 1
    } else if max < 0x100 {
        72 + len + 1
    } else if max < 0x10000 {
        72 + 2 * (len + 1)
    } else {
        72 + 4 * (len + 1)
    }
}

/// The dict's `__sizeof__`: the object and, unless empty, its keys table
/// (`_PyDict_KeysSize`: header, index and entries, 16 bytes an entry when
/// every key is a str, else 24).
fn dict_size(o: &PyObject, base: usize) -> usize {
    let Payload::Dict(t) = &o.payload else {
        return base;
    };
    let Ok(t) = t.try_borrow() else {
        return base;
    };
    let slots = t.index_slots();
    if slots == 0 {
        return base;
    }
    let width = if slots <= 128 {
        1
    } else if slots <= 32768 {
        2
    } else {
        4
    };
    let unicode = t.iter().all(|e| {
        matches!(&e.key, Value::Obj(k) if matches!(k.payload, Payload::Str(_)) && k.class_is_static())
            || e.key.is_null()
    });
    let entry = if unicode { 16 } else { 24 };
    base + 32 + slots * width + (slots * 2 / 3) * entry
}

impl Vm {
    /// `type(v).__sizeof__(v)` of CPython 3.11 for pycvm's own objects.
    pub fn object_sizeof(&self, v: &Value) -> usize {
        let o = match v {
            Value::Int(i) => return 24 + 4 * int_digits(&BigInt::from(*i)),
            Value::Bool(_) => return 28,
            Value::Float(_) => return 24,
            Value::None => return 16,
            Value::Obj(o) => o,
            _ => return 16,
        };
        let cls = self.type_of(v);
        let (basic, item, _, _, _) = class_layout(&cls, 0);
        match &o.payload {
            Payload::Int(b) => 24 + 4 * int_digits(b),
            Payload::Float(_) => 24,
            Payload::Complex(..) => 32,
            Payload::Str(s) if o.class_is_static() => str_size(s),
            Payload::Str(s) => basic + s.char_len() + 1,
            Payload::Bytes(b) => basic + b.len(),
            Payload::ByteArray(b) => {
                let n = b.try_borrow().map(|b| b.len()).unwrap_or(0);
                basic + if n == 0 { 0 } else { n + 1 }
            }
            Payload::Tuple(items) => basic + item * items.len(),
            Payload::List(l) => basic + PTR * l.try_borrow().map(|l| l.capacity()).unwrap_or(0),
            Payload::Dict(_) => dict_size(o, basic),
            Payload::Set(s) => {
                let slots = s.try_borrow().map(|s| s.mask() + 1).unwrap_or(8);
                basic + if slots > 8 { 16 * slots } else { 0 }
            }
            Payload::FrozenSet(s) => {
                let slots = s.mask() + 1;
                basic + if slots > 8 { 16 * slots } else { 0 }
            }
            Payload::NotImplemented | Payload::Ellipsis => 16,
            Payload::Range(_) => 48,
            Payload::Slice(_) => 40,
            Payload::Function(_) => 136,
            Payload::Builtin(_) => 56,
            Payload::Method(_) => 48,
            Payload::Cell(_) => 24,
            // 3.11's gen_sizeof: offsetof(PyGenObject, gi_iframe) (80) and
            // offsetof(_PyInterpreterFrame, localsplus) (72), then a slot per
            // local, cell, free variable and stack entry.
            Payload::Generator(g) => g.try_borrow().map_or(152, |g| {
                152 + PTR * (g.code.nlocalsplus() + g.code.stacksize)
            }),
            Payload::Iter(_)
            | Payload::DictView(_)
            | Payload::Property(_)
            | Payload::StaticMethod(_)
            | Payload::ClassMethod(_)
            | Payload::MemoryView(_)
                if o.class_is_static() =>
            {
                static_sizeof(&self.type_name(&cls)).unwrap_or(basic)
            }
            Payload::Type(_) => {
                if o.has_attrs() && type_data(o).is_some_and(|t| t.has_flag(FLAG_HEAPTYPE)) {
                    1672
                } else {
                    408
                }
            }
            _ => basic,
        }
    }

    /// `sys.getsizeof(obj[, default])`: `__sizeof__()` plus the
    /// collector's header for container types and the managed `__dict__`
    /// pre-header; `default` answers a TypeError from `__sizeof__`.
    pub fn getsizeof(&mut self, v: &Value, default: Option<Value>) -> PyResult<Value> {
        let cls = self.type_of(v);
        let r = match self.type_lookup_static(&cls, "__sizeof__") {
            Some(m) => self
                .descr_get(m, Some(v), &cls)
                .and_then(|f| self.call(&f, &[])),
            None => Err(self.type_error(format!(
                "Type {} doesn't define __sizeof__",
                self.type_name(&cls)
            ))),
        };
        let r = match (r, default) {
            (Ok(r), _) => r,
            (Err(e), Some(d)) if self.err_is(&e, crate::objects::exception::ExcKind::TypeError) => {
                return Ok(d)
            }
            (Err(e), _) => return Err(e),
        };
        let n = match &r {
            Value::Int(i) => *i,
            Value::Bool(b) => i64::from(b.get()),
            _ => match self.index_value(&r)? {
                Some(i) => i,
                None => {
                    return Err(self.type_error(format!(
                        "'{}' object cannot be interpreted as an integer",
                        self.type_name_of(&r)
                    )))
                }
            },
        };
        if n < 0 {
            return Err(self.value_error("__sizeof__() should return >= 0"));
        }
        let (_, _, _, _, managed) = class_layout(&cls, 0);
        let extra = if is_gc(v, &cls) { GC_HEAD } else { 0 } + if managed { 2 * PTR } else { 0 };
        Ok(Value::Int(n.saturating_add(extra as i64)))
    }
}

/// `__sizeof__` of CPython 3.11's fixed-size builtin iterators, views and
/// descriptors, by type name (their `tp_basicsize`).
fn static_sizeof(name: &str) -> Option<usize> {
    Some(match name {
        "list_iterator"
        | "tuple_iterator"
        | "str_ascii_iterator"
        | "str_iterator"
        | "bytes_iterator"
        | "bytearray_iterator"
        | "list_reverseiterator"
        | "reversed"
        | "callable_iterator"
        | "iterator"
        | "map"
        | "filter"
        | "staticmethod"
        | "classmethod" => 32,
        "range_iterator" | "longrange_iterator" | "set_iterator" | "zip" => 48,
        "dict_keyiterator"
        | "dict_valueiterator"
        | "dict_itemiterator"
        | "dict_reversekeyiterator"
        | "dict_reversevalueiterator"
        | "dict_reverseitemiterator"
        | "enumerate" => 56,
        "dict_keys" | "dict_values" | "dict_items" => 24,
        "property" => 64,
        "memoryview" => 168,
        _ => return None,
    })
}

/// Whether CPython 3.11's type of `v` is a collector-tracked kind
/// (`_PyObject_IS_GC`): heap classes and the builtin containers.
fn is_gc(v: &Value, cls: &PyRef) -> bool {
    if type_data(cls).is_some_and(|t| t.has_flag(FLAG_HEAPTYPE)) {
        return true;
    }
    let Value::Obj(o) = v else {
        return false;
    };
    // Range iterators are the builtin iterators CPython does not track.
    if matches!(o.payload, Payload::Iter(_)) {
        let is_range = type_data(cls).is_some_and(|t| {
            let n = t.name.borrow();
            n.as_str() == "range_iterator" || n.as_str() == "longrange_iterator"
        });
        if is_range {
            return false;
        }
    }
    !matches!(
        o.payload,
        Payload::Int(_)
            | Payload::Float(_)
            | Payload::Complex(..)
            | Payload::Str(_)
            | Payload::Bytes(_)
            | Payload::ByteArray(_)
            | Payload::Range(_)
            | Payload::NotImplemented
            | Payload::Ellipsis
            | Payload::Object
    )
}
