//! `array`: the `array.array` type — typed arrays stored as raw machine
//! bytes (so `tobytes`/`byteswap`/the buffer are free), every typecode,
//! CPython 3.11's item conversions and messages. Methods and the sequence
//! protocol live in `array_methods.rs`.

use std::cell::RefCell;

use crate::num::Int;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE};
use crate::objects::{Payload, StrObj};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

pub const TYPECODES: &str = "bBuhHiIlLqQfd";

/// An array's state: its typecode and items as native-endian bytes.
pub struct ArrayObj {
    pub code: u8,
    pub data: RefCell<Vec<u8>>,
}

impl NativeData for ArrayObj {
    fn buffer(&self) -> Option<Vec<u8>> {
        self.data.try_borrow().ok().map(|d| d.clone())
    }
}

/// An `arrayiterator`'s state.
pub struct ArrayIter {
    pub arr: Value,
    pub idx: std::cell::Cell<usize>,
}

impl NativeData for ArrayIter {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&self.arr);
    }
}

/// The item size of a typecode.
pub fn itemsize(code: u8) -> usize {
    match code {
        b'b' | b'B' => 1,
        b'h' | b'H' => 2,
        b'i' | b'I' | b'u' | b'f' => 4,
        _ => 8,
    }
}

impl ArrayObj {
    pub fn len(&self) -> usize {
        self.data.borrow().len() / itemsize(self.code)
    }

    pub fn is_empty(&self) -> bool {
        self.data.borrow().is_empty()
    }

    /// Item `i`'s bytes.
    pub fn item_bytes(&self, i: usize) -> Vec<u8> {
        let n = itemsize(self.code);
        self.data
            .borrow()
            .get(i * n..i * n + n)
            .map(|s| s.to_vec())
            .unwrap_or_default()
    }
}

/// A str value from code points (lone surrogates allowed).
pub fn str_from_cps(vm: &Vm, cps: &[u32]) -> Value {
    let s: Option<String> = cps.iter().map(|&c| char::from_u32(c)).collect();
    match s {
        Some(s) => vm.new_string(s),
        None => Value::Obj(vm.new_obj(&vm.types.str, Payload::Str(StrObj::from_code_points(cps)))),
    }
}

/// The Python value of one item.
pub fn decode_item(vm: &Vm, code: u8, b: &[u8]) -> Value {
    let mut le = [0u8; 8];
    for (d, s) in le.iter_mut().zip(b) {
        *d = *s;
    }
    let u = u64::from_ne_bytes(le);
    match code {
        b'b' => Value::Int(u as u8 as i8 as i64),
        b'B' => Value::Int(u as u8 as i64),
        b'h' => Value::Int(u as u16 as i16 as i64),
        b'H' => Value::Int(u as u16 as i64),
        b'i' => Value::Int(u as u32 as i32 as i64),
        b'I' => Value::Int(u as u32 as i64),
        b'u' => str_from_cps(vm, &[u as u32]),
        b'f' => Value::float(f32::from_bits(u as u32) as f64),
        b'd' => Value::float(f64::from_bits(u)),
        b'l' | b'q' => Value::Int(u as i64),
        _ => match i64::try_from(u) {
            Ok(x) => Value::Int(x),
            Err(_) => vm.new_bigint(num_bigint::BigInt::from(u)),
        },
    }
}

fn big_i128(i: &Int) -> Option<i128> {
    match i {
        Int::Small(v) => Some(*v as i128),
        Int::Big(b) => num_traits::ToPrimitive::to_i128(b),
    }
}

fn ovf<T>(vm: &Vm, m: &str) -> PyResult<T> {
    Err(vm.overflow_error(m.to_string()))
}

/// An int item: `__index__`, then CPython's per-typecode range checks.
fn encode_int(vm: &mut Vm, code: u8, v: &Value) -> PyResult<u64> {
    if super::binargs::is_float(v) {
        return Err(vm.type_error("'float' object cannot be interpreted as an integer"));
    }
    let i = vm.index_int(v)?;
    let x = big_i128(&i);
    // PyLong_AsLong (the 'b', 'h', 'i', 'l' getargs formats).
    let as_long = |vm: &Vm| -> PyResult<i64> {
        match x {
            Some(x) if x >= i64::MIN as i128 && x <= i64::MAX as i128 => Ok(x as i64),
            _ => Err(vm.overflow_error("Python int too large to convert to C long")),
        }
    };
    // getargs 'h' and 'i'.
    let as_short = |vm: &Vm, x: i64| -> PyResult<i64> {
        if x < i16::MIN as i64 {
            ovf(vm, "signed short integer is less than minimum")
        } else if x > i16::MAX as i64 {
            ovf(vm, "signed short integer is greater than maximum")
        } else {
            Ok(x)
        }
    };
    let as_int = |vm: &Vm, x: i64| -> PyResult<i64> {
        if x < i32::MIN as i64 {
            ovf(vm, "signed integer is less than minimum")
        } else if x > i32::MAX as i64 {
            ovf(vm, "signed integer is greater than maximum")
        } else {
            Ok(x)
        }
    };
    Ok(match code {
        b'b' => {
            let x = as_short(vm, as_long(vm)?)?;
            if x < -128 {
                return ovf(vm, "signed char is less than minimum");
            }
            if x > 127 {
                return ovf(vm, "signed char is greater than maximum");
            }
            x as u64
        }
        b'B' => {
            let x = as_long(vm)?;
            if x < 0 {
                return ovf(vm, "unsigned byte integer is less than minimum");
            }
            if x > 255 {
                return ovf(vm, "unsigned byte integer is greater than maximum");
            }
            x as u64
        }
        b'h' => as_short(vm, as_long(vm)?)? as u64,
        b'H' => {
            let x = as_int(vm, as_long(vm)?)?;
            if x < 0 {
                return ovf(vm, "unsigned short is less than minimum");
            }
            if x > u16::MAX as i64 {
                return ovf(vm, "unsigned short is greater than maximum");
            }
            x as u64
        }
        b'i' => as_int(vm, as_long(vm)?)? as u64,
        b'l' => as_long(vm)? as u64,
        b'I' | b'L' => match x {
            Some(x) if x < 0 => return ovf(vm, "can't convert negative value to unsigned int"),
            Some(x) if x <= u64::MAX as i128 => {
                if code == b'I' && x > u32::MAX as i128 {
                    return ovf(vm, "unsigned int is greater than maximum");
                }
                x as u64
            }
            _ => return ovf(vm, "Python int too large to convert to C unsigned long"),
        },
        b'q' => match x {
            Some(x) if x >= i64::MIN as i128 && x <= i64::MAX as i128 => x as i64 as u64,
            _ => return ovf(vm, "int too big to convert"),
        },
        _ => match x {
            Some(x) if x < 0 => return ovf(vm, "can't convert negative int to unsigned"),
            Some(x) if x <= u64::MAX as i128 => x as u64,
            _ => return ovf(vm, "int too big to convert"),
        },
    })
}

/// The bytes of one item from a Python value (TypeError/OverflowError
/// as CPython's `*_setitem`).
pub fn encode_item(vm: &mut Vm, code: u8, v: &Value) -> PyResult<Vec<u8>> {
    let n = itemsize(code);
    let bits = encode_bits(vm, code, v)?;
    Ok(bits.to_ne_bytes().get(..n).unwrap_or(&[]).to_vec())
}

/// One item's value as the low `itemsize` bytes (native order) of a u64.
fn encode_bits(vm: &mut Vm, code: u8, v: &Value) -> PyResult<u64> {
    Ok(match code {
        b'u' => {
            let c = match v {
                Value::Obj(o) => match &o.payload {
                    Payload::Str(s) if s.char_len() == 1 => s.code_points().first().copied(),
                    _ => None,
                },
                _ => None,
            };
            match c {
                Some(c) => c as u64,
                None => return Err(vm.type_error("array item must be unicode character")),
            }
        }
        b'f' => (super::math::arg_f64(vm, v)? as f32).to_bits() as u64,
        b'd' => super::math::arg_f64(vm, v)?.to_bits(),
        _ => encode_int(vm, code, v)?,
    })
}

/// `a[i]` for an int index: the subscript fast path of exact arrays
/// (`array_item`).
pub fn item_at(vm: &Vm, a: &ArrayObj, i: i64) -> PyResult<Value> {
    let n = itemsize(a.code);
    let d = a.data.borrow();
    match Vm::norm_index(i, d.len() / n) {
        Some(j) => Ok(decode_item(
            vm,
            a.code,
            d.get(j * n..j * n + n).unwrap_or(&[]),
        )),
        None => Err(vm.index_error("array index out of range")),
    }
}

/// `a[i] = v` for an int index (`array_ass_item`): the index is checked
/// before the value is converted, as CPython does.
pub fn set_item_at(vm: &mut Vm, a: &ArrayObj, i: i64, v: &Value) -> PyResult<()> {
    let n = itemsize(a.code);
    if Vm::norm_index(i, a.len()).is_none() {
        return Err(vm.index_error("array assignment index out of range"));
    }
    let bits = encode_bits(vm, a.code, v)?;
    // The conversion may have run Python code that resized the array.
    let mut d = a.data.borrow_mut();
    let len = d.len() / n;
    if let Some(j) = Vm::norm_index(i, len) {
        if let (Some(dst), Some(src)) = (d.get_mut(j * n..j * n + n), bits.to_ne_bytes().get(..n)) {
            dst.copy_from_slice(src);
        }
    }
    Ok(())
}

/// The array state inside `v`, if it is an array.
pub fn as_array<'a>(vm: &Vm, v: &'a Value) -> Option<&'a ArrayObj> {
    vm.native::<ArrayObj>(v)
}

/// The bytes of an `array.array` (its buffer), or None for other objects.
pub fn array_bytes(vm: &mut Vm, v: &Value) -> Option<Vec<u8>> {
    as_array(vm, v).map(|a| a.data.borrow().clone())
}

/// Write `data` at byte `off` of an array; false when `v` is no array.
pub fn array_write(vm: &mut Vm, v: &Value, off: usize, data: &[u8]) -> PyResult<bool> {
    let Some(a) = as_array(vm, v) else {
        return Ok(false);
    };
    let mut d = a.data.borrow_mut();
    if let Some(dst) = d.get_mut(off..off + data.len()) {
        dst.copy_from_slice(data);
    }
    Ok(true)
}

/// A new array of class `cls` (or the array type) with `data`.
pub fn new_array(vm: &mut Vm, cls: &PyRef, code: u8, data: Vec<u8>) -> Value {
    Value::Obj(vm.new_native(
        cls,
        ArrayObj {
            code,
            data: RefCell::new(data),
        },
    ))
}

/// The `array.array` type (found through the value's class for methods).
pub fn array_type(vm: &Vm, v: &Value) -> PyRef {
    let mut t = vm.type_of(v);
    loop {
        let next = crate::objects::typeobj::type_data(&t).and_then(|td| {
            if td.name() == "array" && matches!(td.layout, Layout::Native("array")) {
                None
            } else {
                td.mro.borrow().get(1).cloned()
            }
        });
        match next {
            Some(n) => t = n,
            None => return t,
        }
    }
}

fn array_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => return Err(vm.type_error("array.__new__ needs a type")),
    };
    let is_exact = crate::objects::typeobj::type_data(&cls)
        .is_some_and(|td| matches!(td.layout, Layout::Native("array")) && td.name() == "array")
        && crate::objects::typeobj::type_data(&cls)
            .is_some_and(|td| !td.has_flag(crate::objects::typeobj::FLAG_HEAPTYPE));
    if args.has_kwargs() && is_exact {
        return Err(vm.type_error("array.array() takes no keyword arguments"));
    }
    let pos = args.pos().get(1..).unwrap_or(&[]);
    if pos.is_empty() || pos.len() > 2 {
        let msg = if pos.is_empty() {
            "array() takes at least 1 argument (0 given)".to_string()
        } else {
            format!("array() takes at most 2 arguments ({} given)", pos.len())
        };
        return Err(vm.type_error(msg));
    }
    let code = match &pos[0] {
        Value::Obj(o) => match &o.payload {
            Payload::Str(s) if s.char_len() == 1 => s.code_points().first().copied().unwrap_or(0),
            Payload::Str(_) => {
                return Err(vm.type_error("array() argument 1 must be a unicode character, not str"))
            }
            _ => u32::MAX,
        },
        _ => u32::MAX,
    };
    if code == u32::MAX {
        return Err(vm.type_error(format!(
            "array() argument 1 must be a unicode character, not {}",
            vm.arg_type_name(&pos[0])
        )));
    }
    let code = match u8::try_from(code) {
        Ok(c) if TYPECODES.as_bytes().contains(&c) => c,
        _ => {
            return Err(
                vm.value_error("bad typecode (must be b, B, u, h, H, i, I, l, L, q, Q, f or d)")
            )
        }
    };
    let arr = new_array(vm, &cls, code, Vec::new());
    if let Some(init) = pos.get(1) {
        init_from(vm, &arr, code, init)?;
    }
    Ok(arr)
}

/// Fill a fresh array from the constructor's initializer.
fn init_from(vm: &mut Vm, arr: &Value, code: u8, init: &Value) -> PyResult<()> {
    if let Value::Obj(o) = init {
        match &o.payload {
            Payload::Str(s) => {
                if code != b'u' {
                    return Err(vm.type_error(format!(
                        "cannot use a str to initialize an array with typecode '{}'",
                        code as char
                    )));
                }
                let cps = s.code_points();
                let mut data = Vec::with_capacity(cps.len() * 4);
                for c in cps {
                    data.extend_from_slice(&c.to_ne_bytes());
                }
                if let Some(a) = as_array(vm, arr) {
                    *a.data.borrow_mut() = data;
                }
                return Ok(());
            }
            Payload::Bytes(_) | Payload::ByteArray(_) => {
                let b = crate::objects::bytes::buffer_bytes(vm, init)?.unwrap_or_default();
                if !b.len().is_multiple_of(itemsize(code)) {
                    return Err(vm.value_error("bytes length not a multiple of item size"));
                }
                if let Some(a) = as_array(vm, arr) {
                    *a.data.borrow_mut() = b;
                }
                return Ok(());
            }
            _ => {}
        }
        if let Some(src) = as_array(vm, init) {
            if src.code == b'u' && code != b'u' {
                return Err(vm.type_error(format!(
                    "cannot use a unicode array to initialize an array with typecode '{}'",
                    code as char
                )));
            }
        }
    }
    let items = vm.collect_iter(init)?;
    let mut data = Vec::with_capacity(items.len() * itemsize(code));
    for it in &items {
        data.extend(encode_item(vm, code, it)?);
    }
    if let Some(a) = as_array(vm, arr) {
        *a.data.borrow_mut() = data;
    }
    Ok(())
}

fn array_reconstructor(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(vm.new_error(
        crate::objects::exception::ExcKind::NotImplementedError,
        "array._array_reconstructor is not supported",
    ))
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("array");
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "array",
        "array",
        &object,
        Layout::Native("array"),
        FLAG_BASETYPE,
    );
    vm.add_staticmethods(&t, &[("__new__", array_new)]);
    super::array_methods::install(vm, &t);
    let it = vm.new_native_type(
        "array",
        "arrayiterator",
        &object,
        Layout::Native("arrayiterator"),
        0,
    );
    super::array_methods::install_iter(vm, &it);
    vm.add_type_attr(&t, "_iter_type", Value::Obj(it));
    vm.set_attr_raw(&m, "array", Value::Obj(t.clone()));
    vm.set_attr_raw(&m, "ArrayType", Value::Obj(t));
    let tc = vm.new_str(TYPECODES);
    vm.set_attr_raw(&m, "typecodes", tc);
    vm.add_functions(&m, &[("_array_reconstructor", array_reconstructor)]);
    Ok(m)
}
