//! `bytes % args` (CPython's `_PyBytes_FormatEx`): the VM walks the
//! format, fetches arguments and converts them; [`crate::pyfmt`] parses
//! each conversion spec and pads the result. Text is carried through
//! `pyfmt` as Latin-1 (one char per byte).

use num_bigint::BigInt;

use super::bytes::{buffer_bytes, bytes_of};
use super::Payload;
use crate::pyfmt::{self, Count};
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

/// The argument source: a tuple's items, or one object (CPython's
/// `arglen == -1`).
struct ArgSource {
    items: Vec<Value>,
    arglen: i64,
    argidx: i64,
}

impl ArgSource {
    fn next(&mut self, vm: &Vm) -> PyResult<Value> {
        if self.argidx < self.arglen {
            self.argidx += 1;
            let v = if self.arglen < 0 {
                self.items.first()
            } else {
                self.items.get((self.argidx - 1) as usize)
            };
            return Ok(v.cloned().unwrap_or(Value::None));
        }
        Err(vm.type_error("not enough arguments for format string"))
    }
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

fn unlatin1(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

fn is_tuple(v: &Value) -> bool {
    matches!(v, Value::Obj(o) if matches!(o.payload, Payload::Tuple(_)))
}

/// `%b`/`%s`: a buffer, or what `__bytes__` returns.
fn format_obj(vm: &mut Vm, v: &Value) -> PyResult<Vec<u8>> {
    if let Some(b) = buffer_bytes(vm, v)? {
        return Ok(b);
    }
    if let Some(r) = vm.call_special(v, "__bytes__", &[])? {
        return match &r {
            Value::Obj(o) if matches!(o.payload, Payload::Bytes(_)) => {
                Ok(bytes_of(&r).unwrap_or_default())
            }
            _ => Err(vm.type_error(format!(
                "__bytes__ returned non-bytes (type {})",
                vm.type_name_of(&r)
            ))),
        };
    }
    Err(vm.type_error(format!(
        "%b requires a bytes-like object, or an object that implements __bytes__, not '{}'",
        vm.type_name_of(v)
    )))
}

fn has_method(vm: &mut Vm, v: &Value, name: &str) -> bool {
    let t = vm.type_of(v);
    vm.type_lookup_str(&t, name).is_some()
}

/// The integer a `%d`/`%x` conversion formats.
fn int_arg(vm: &mut Vm, v: &Value, conv: char) -> PyResult<BigInt> {
    if let Some(b) = super::int::to_bigint(v) {
        return Ok(b);
    }
    let decimal = matches!(conv, 'd' | 'i' | 'u');
    if decimal {
        let f = match v {
            Value::Float(f) => Some(f.get()),
            Value::Obj(o) => match &o.payload {
                Payload::Float(f) => Some(*f),
                _ => None,
            },
            _ => None,
        };
        if let Some(f) = f {
            if f.is_nan() {
                return Err(vm.value_error("cannot convert float NaN to integer"));
            }
            if f.is_infinite() {
                return Err(vm.overflow_error("cannot convert float infinity to integer"));
            }
            return Ok(num_traits::FromPrimitive::from_f64(f.trunc()).unwrap_or_default());
        }
    }
    if has_method(vm, v, "__index__") {
        let i = vm.index_int(v)?;
        return Ok(super::int::to_bigint(&vm.new_int(i)).unwrap_or_default());
    }
    if decimal && has_method(vm, v, "__int__") {
        if let Some(r) = vm.call_special(v, "__int__", &[])? {
            if let Some(b) = super::int::to_bigint(&r) {
                return Ok(b);
            }
            return Err(vm.type_error(format!(
                "__int__ returned non-int (type {})",
                vm.type_name_of(&r)
            )));
        }
    }
    let what = if decimal || has_method(vm, v, "__float__") {
        if decimal {
            "a real number"
        } else {
            "an integer"
        }
    } else {
        "an integer"
    };
    // bytes formatting reports `%i` as `%d` (PyBytes_FromFormat turns it
    // into 'd' before converting).
    let shown = if conv == 'i' { 'd' } else { conv };
    Err(vm.type_error(format!(
        "%{shown} format: {what} is required, not {}",
        vm.type_name_of(v)
    )))
}

/// The float a `%f`-family conversion formats.
fn float_arg(vm: &mut Vm, v: &Value) -> PyResult<f64> {
    let err = |vm: &Vm| {
        vm.type_error(format!(
            "float argument required, not {}",
            vm.type_name_of(v)
        ))
    };
    match v {
        Value::Float(f) => return Ok(f.get()),
        Value::Obj(o) if matches!(o.payload, Payload::Float(_)) => {
            if let Payload::Float(f) = &o.payload {
                return Ok(*f);
            }
        }
        _ => {}
    }
    if super::int::is_int(v) {
        return vm.int_to_f64(v).map_err(|_| err(vm));
    }
    if let Some(r) = vm.call_special(v, "__float__", &[])? {
        return match r {
            Value::Float(f) => Ok(f.get()),
            _ => Err(err(vm)),
        };
    }
    if has_method(vm, v, "__index__") {
        let i = vm.index_int(v)?;
        let iv = vm.new_int(i);
        return vm.int_to_f64(&iv).map_err(|_| err(vm));
    }
    Err(err(vm))
}

/// `%c`: one byte from an int in range(256) or a length-1 bytes.
fn char_arg(vm: &mut Vm, v: &Value) -> PyResult<u8> {
    if let Some([b]) = bytes_of(v).as_deref() {
        return Ok(*b);
    }
    if super::int::is_int(v) || has_method(vm, v, "__index__") {
        let i = vm.index_value(v)?.unwrap_or(-1);
        return u8::try_from(i).map_err(|_| vm.overflow_error("%c arg not in range(256)"));
    }
    Err(vm.type_error("%c requires an integer in range(256) or a single byte"))
}

fn star(vm: &Vm, src: &mut ArgSource) -> PyResult<i64> {
    let v = src.next(vm)?;
    match v {
        Value::Int(i) => Ok(i),
        Value::Bool(b) => Ok(i64::from(b.get())),
        _ => Err(vm.type_error("* wants int")),
    }
}

/// `fmt % args` for bytes and bytearray.
pub fn format(vm: &mut Vm, fmt: &[u8], args: &Value) -> PyResult<Vec<u8>> {
    let tuple = is_tuple(args);
    let mut src = if tuple {
        let items = vm.seq_items(args).unwrap_or_default();
        let n = items.len() as i64;
        ArgSource {
            items,
            arglen: n,
            argidx: 0,
        }
    } else {
        ArgSource {
            items: vec![args.clone()],
            arglen: -1,
            argidx: -2,
        }
    };
    let is_text = vm.as_str_obj(args).is_some()
        || matches!(args, Value::Obj(o) if matches!(o.payload, Payload::Bytes(_)));
    let dict = if !tuple && !is_text && has_method(vm, args, "__getitem__") {
        Some(args.clone())
    } else {
        None
    };
    let cps: Vec<u32> = fmt.iter().map(|&b| u32::from(b)).collect();
    let mut out = Vec::with_capacity(fmt.len());
    let mut i = 0;
    while let Some(&c) = fmt.get(i) {
        if c != b'%' {
            let end = fmt[i..]
                .iter()
                .position(|&x| x == b'%')
                .map_or(fmt.len(), |p| i + p);
            out.extend_from_slice(fmt.get(i..end).unwrap_or(&[]));
            i = end;
            continue;
        }
        i += 1;
        if fmt.get(i) == Some(&b'%') {
            out.push(b'%');
            i += 1;
            continue;
        }
        let spec = pyfmt::parse_percent(&cps, i).map_err(|e| vm.fmt_err(e))?;
        if let Some(key) = &spec.key {
            let Some(d) = &dict else {
                return Err(vm.type_error("format requires a mapping"));
            };
            let kb: Vec<u8> = key.iter().map(|&c| c as u8).collect();
            let k = vm.new_bytes(kb);
            let v = vm.getitem(d, &k)?;
            src = ArgSource {
                items: vec![v],
                arglen: -1,
                argidx: -2,
            };
        }
        let sw = if spec.width == Count::Star {
            Some(star(vm, &mut src)?)
        } else {
            None
        };
        let sp = if spec.precision == Count::Star {
            Some(star(vm, &mut src)?)
        } else {
            None
        };
        let conv = spec.resolve(sw, sp);
        let v = src.next(vm)?;
        let piece: String = match conv.conv {
            'r' | 'a' => {
                let s = vm.ascii(&v)?;
                pyfmt::percent_text(&s, &conv).map_err(|e| vm.fmt_err(e))?
            }
            's' | 'b' => {
                let b = format_obj(vm, &v)?;
                pyfmt::percent_text(&latin1(&b), &conv).map_err(|e| vm.fmt_err(e))?
            }
            'd' | 'i' | 'u' | 'o' | 'x' | 'X' => {
                let n = int_arg(vm, &v, conv.conv)?;
                pyfmt::percent_int(&n, &conv).map_err(|e| vm.fmt_err(e))?
            }
            'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
                let f = float_arg(vm, &v)?;
                pyfmt::percent_float(f, &conv).map_err(|e| vm.fmt_err(e))?
            }
            'c' => {
                let b = char_arg(vm, &v)?;
                pyfmt::percent_text(&latin1(&[b]), &conv).map_err(|e| vm.fmt_err(e))?
            }
            _ => {
                return Err(vm.fmt_err(pyfmt::unsupported_char(
                    spec.conv,
                    spec.end.saturating_sub(1),
                )))
            }
        };
        out.extend(unlatin1(&piece));
        i = spec.end;
    }
    if src.argidx < src.arglen && dict.is_none() {
        return Err(vm.type_error("not all arguments converted during bytes formatting"));
    }
    Ok(out)
}
