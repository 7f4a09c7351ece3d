//! `str` objects: the payload and the type's methods.

use std::cell::Cell;

/// The payload of a `str`: UTF-8 text with its length in code points and
/// a cached hash (CPython 3.11's, under PYTHONHASHSEED=0).
pub struct StrObj {
    s: Box<str>,
    chars: usize,
    hash: Cell<Option<i64>>,
}

impl StrObj {
    pub fn new(s: &str) -> StrObj {
        StrObj {
            chars: if s.is_ascii() {
                s.len()
            } else {
                s.chars().count()
            },
            s: s.into(),
            hash: Cell::new(None),
        }
    }

    pub fn from_string(s: String) -> StrObj {
        StrObj {
            chars: if s.is_ascii() {
                s.len()
            } else {
                s.chars().count()
            },
            s: s.into_boxed_str(),
            hash: Cell::new(None),
        }
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        &self.s
    }

    /// Length in code points.
    #[inline]
    pub fn char_len(&self) -> usize {
        self.chars
    }

    #[inline]
    pub fn is_ascii(&self) -> bool {
        self.chars == self.s.len()
    }

    pub fn hash(&self) -> i64 {
        if let Some(h) = self.hash.get() {
            return h;
        }
        let h = if self.is_ascii() {
            crate::pyhash::hash_bytes(self.s.as_bytes())
        } else {
            let cps: Vec<u32> = self.s.chars().map(|c| c as u32).collect();
            crate::pyhash::hash_str_cps(&cps)
        };
        self.hash.set(Some(h));
        h
    }

    /// The code point at index `i` (0 <= i < len).
    pub fn char_at(&self, i: usize) -> Option<char> {
        if self.is_ascii() {
            self.s.as_bytes().get(i).map(|&b| b as char)
        } else {
            self.s.chars().nth(i)
        }
    }
}

use super::function::Args;
use super::Payload;
use crate::vm::proto::CmpOp;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

fn text(v: &Value) -> Option<&str> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Str(s) => Some(s.as_str()),
            _ => None,
        },
        _ => None,
    }
}

fn self_text<'a>(vm: &Vm, args: &'a Args, name: &str) -> PyResult<&'a str> {
    match args.args.first().and_then(text) {
        Some(s) => Ok(s),
        None => Err(vm.type_error(format!("descriptor '{name}' requires a 'str' object"))),
    }
}

pub fn str_getitem(vm: &mut Vm, o: &PyRef, key: &Value) -> PyResult<Value> {
    let Payload::Str(s) = &o.payload else {
        return Err(vm.type_error("not a str"));
    };
    if let Some(sl) = Vm::as_slice(key) {
        let (start, _, step, n) = vm.slice_indices(&sl.clone(), s.char_len())?;
        let out: String = if s.is_ascii() {
            let b = s.as_str().as_bytes();
            (0..n as i64)
                .filter_map(|k| b.get((start + k * step) as usize).map(|&c| c as char))
                .collect()
        } else {
            let chars: Vec<char> = s.as_str().chars().collect();
            (0..n as i64)
                .filter_map(|k| chars.get((start + k * step) as usize).copied())
                .collect()
        };
        return Ok(vm.new_string(out));
    }
    match vm.index_value(key)? {
        Some(i) => match Vm::norm_index(i, s.char_len()).and_then(|j| s.char_at(j)) {
            Some(c) => Ok(vm.new_char(c)),
            None => Err(vm.index_error("string index out of range")),
        },
        None => Err(vm.type_error(format!(
            "string indices must be integers, not '{}'",
            vm.type_name_of(key)
        ))),
    }
}

impl Vm {
    /// A one-character str (interned for ASCII).
    pub fn new_char(&mut self, c: char) -> Value {
        if c.is_ascii() {
            let mut b = [0u8; 4];
            return Value::Obj(self.intern(c.encode_utf8(&mut b)));
        }
        self.new_string(c.to_string())
    }
}

fn str_add(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = self_text(vm, &args, "__add__")?;
    let b = arg(&args, 1);
    match text(&b) {
        Some(t) => {
            let mut s = String::with_capacity(a.len() + t.len());
            s.push_str(a);
            s.push_str(t);
            Ok(vm.new_string(s))
        }
        None => Err(vm.type_error(format!(
            "can only concatenate str (not \"{}\") to str",
            vm.type_name_of(&b)
        ))),
    }
}

fn str_mul(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = self_text(vm, &args, "__mul__")?.to_string();
    let Some(k) = super::list::repeat_count(vm, &arg(&args, 1), a.len())? else {
        return Ok(vm.not_implemented());
    };
    Ok(vm.new_string(a.repeat(k)))
}

fn str_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match args.args.first() {
        Some(Value::Obj(o)) => match &o.payload {
            Payload::Str(s) => Ok(Value::Int(s.char_len() as i64)),
            _ => Err(vm.type_error("descriptor '__len__' requires a 'str' object")),
        },
        _ => Err(vm.type_error("descriptor '__len__' requires a 'str' object")),
    }
}

fn str_contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = self_text(vm, &args, "__contains__")?;
    let b = arg(&args, 1);
    match text(&b) {
        Some(t) => Ok(Value::Bool(a.contains(t))),
        None => Err(vm.type_error(format!(
            "'in <string>' requires string as left operand, not {}",
            vm.type_name_of(&b)
        ))),
    }
}

fn str_getitem_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match args.args.first() {
        Some(Value::Obj(o)) => str_getitem(vm, &o.clone(), &arg(&args, 1)),
        _ => Err(vm.type_error("descriptor '__getitem__' requires a 'str' object")),
    }
}

fn str_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match args.args.first() {
        Some(Value::Obj(o)) => match &o.payload {
            Payload::Str(s) => Ok(Value::Int(s.hash())),
            _ => Err(vm.type_error("descriptor '__hash__' requires a 'str' object")),
        },
        _ => Err(vm.type_error("descriptor '__hash__' requires a 'str' object")),
    }
}

fn str_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match args.args.first() {
        Some(Value::Obj(o)) => Ok(vm.new_iter(
            &vm.types.str_iterator.clone(),
            crate::objects::iter::IterState::Str {
                s: o.clone(),
                pos: 0,
            },
        )),
        _ => Err(vm.type_error("descriptor '__iter__' requires a 'str' object")),
    }
}

fn str_cmp(vm: &mut Vm, args: Args, op: CmpOp) -> PyResult<Value> {
    let a = self_text(vm, &args, "__eq__")?;
    let b = arg(&args, 1);
    match text(&b) {
        Some(t) => Ok(Value::Bool(op.test(a.cmp(t)))),
        None => Ok(vm.not_implemented()),
    }
}

macro_rules! cmp_methods {
    ($($name:ident, $op:ident;)*) => {
        $( fn $name(vm: &mut Vm, args: Args) -> PyResult<Value> { str_cmp(vm, args, CmpOp::$op) } )*
    };
}
cmp_methods! { str_lt, Lt; str_le, Le; str_eq, Eq; str_ne, Ne; str_gt, Gt; str_ge, Ge; }

fn str_join(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let sep = self_text(vm, &args, "join")?.to_string();
    let a = vm.check_args("str.join", args, 1, 1)?;
    let items = vm.collect_iter(&a[0])?;
    let mut out = String::new();
    for (i, it) in items.iter().enumerate() {
        match text(it) {
            Some(t) => {
                if i > 0 {
                    out.push_str(&sep);
                }
                out.push_str(t);
            }
            None => {
                return Err(vm.type_error(format!(
                    "sequence item {i}: expected str instance, {} found",
                    vm.type_name_of(it)
                )))
            }
        }
    }
    Ok(vm.new_string(out))
}

fn str_format_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let spec = text(&arg(&args, 1)).unwrap_or("").to_string();
    let s = self_text(vm, &args, "__format__")?.to_string();
    let r = crate::pyfmt::format_str(&s, &spec).map_err(|e| vm.fmt_err(e))?;
    Ok(vm.new_string(r))
}

fn str_str(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_text(vm, &args, "__str__")?.to_string();
    Ok(vm.new_string(s))
}

fn str_repr_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_text(vm, &args, "__repr__")?;
    let r = crate::pyfmt::str_repr_str(s);
    Ok(vm.new_string(r))
}

fn str_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => vm.types.str.clone(),
    };
    let pos = &args.pos()[1.min(args.pos().len())..];
    let value = match pos.first() {
        Some(v) => {
            if pos.len() > 1 || args.has_kwargs() {
                crate::builtins::convert::str_decode(vm, args)?
            } else {
                vm.str(v)?
            }
        }
        None => String::new(),
    };
    if std::rc::Rc::ptr_eq(&cls, &vm.types.str) {
        return Ok(vm.new_string(value));
    }
    Ok(Value::Obj(vm.new_instance_of(
        &cls,
        Payload::Str(StrObj::from_string(value)),
    )))
}

pub fn install(vm: &mut Vm) {
    let t = vm.types.str.clone();
    vm.add_methods(
        &t,
        &[
            ("__add__", str_add),
            ("__mul__", str_mul),
            ("__rmul__", str_mul),
            ("__len__", str_len),
            ("__contains__", str_contains),
            ("__getitem__", str_getitem_m),
            ("__hash__", str_hash),
            ("__iter__", str_iter),
            ("__lt__", str_lt),
            ("__le__", str_le),
            ("__eq__", str_eq),
            ("__ne__", str_ne),
            ("__gt__", str_gt),
            ("__ge__", str_ge),
            ("__format__", str_format_m),
            ("__str__", str_str),
            ("__repr__", str_repr_m),
            ("join", str_join),
        ],
    );
    vm.add_staticmethods(&t, &[("__new__", str_new)]);
    crate::objects::str_methods::install(vm);
}
