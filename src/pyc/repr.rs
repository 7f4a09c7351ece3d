//! Python `repr` of marshal values, byte-identical to CPython 3.11 (what
//! `dis` prints as a `LOAD_CONST` argument), plus the Python equality of
//! constants that set and dict construction needs.
//!
//! Sets and frozensets print in the order CPython iterates them after
//! `marshal.loads` rebuilt them from the stream order with
//! `PYTHONHASHSEED=0` (see [`crate::pyfmt::settable`]); dicts print keys in
//! first-insertion order with the last value written for each key.

use num_bigint::BigInt;
use num_traits::{FromPrimitive, ToPrimitive};

use super::object::{Obj, Object, PyStr};
use crate::pyfmt::{self, settable::SetTable};
use crate::pyhash::{
    hash_bigint, hash_bytes, hash_complex, hash_float, hash_frozenset, hash_i64, hash_pointer,
    hash_str_cps, hash_tuple, HASH_ELLIPSIS, HASH_NONE, HASH_STOP_ITERATION,
};

/// Python's `repr(obj)`.
pub fn repr(obj: &Obj) -> String {
    let mut out = String::new();
    write_repr(&mut out, obj);
    out
}

fn write_seq(out: &mut String, items: &[Obj], open: &str, close: &str) {
    out.push_str(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_repr(out, item);
    }
    out.push_str(close);
}

fn write_repr(out: &mut String, obj: &Obj) {
    match obj.value() {
        Object::Null => out.push_str("<NULL>"),
        Object::None => out.push_str("None"),
        Object::False => out.push_str("False"),
        Object::True => out.push_str("True"),
        Object::StopIteration => out.push_str("<class 'StopIteration'>"),
        Object::Ellipsis => out.push_str("Ellipsis"),
        Object::Int(n) => out.push_str(&n.to_string()),
        Object::Long(n) => out.push_str(&n.to_string()),
        Object::Float(f) => out.push_str(&pyfmt::float_repr(*f)),
        Object::Complex { re, im } => out.push_str(&pyfmt::complex_repr(*re, *im)),
        Object::Str(s) => {
            let cps: Vec<u32> = s.chars().collect();
            out.push_str(&pyfmt::str_repr(&cps));
        }
        Object::Bytes(b) => out.push_str(&pyfmt::bytes_repr(b)),
        Object::Tuple(items) => {
            if items.len() == 1 {
                write_seq(out, items, "(", ",)");
            } else {
                write_seq(out, items, "(", ")");
            }
        }
        Object::List(items) => write_seq(out, items, "[", "]"),
        Object::Dict(pairs) => {
            out.push('{');
            for (i, (k, v)) in dict_entries(pairs).into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, k);
                out.push_str(": ");
                write_repr(out, v);
            }
            out.push('}');
        }
        Object::Set(items) => {
            if items.is_empty() {
                out.push_str("set()");
            } else {
                write_seq(out, &set_iteration(items), "{", "}");
            }
        }
        Object::FrozenSet(items) => {
            if items.is_empty() {
                out.push_str("frozenset()");
            } else {
                write_seq(out, &set_iteration(items), "frozenset({", "})");
            }
        }
        Object::Code(code) => {
            // Objects/codeobject.c code_repr: "%U at %p", the filename raw.
            let line = if code.firstlineno != 0 {
                code.firstlineno
            } else {
                -1
            };
            let name = code.name().to_string_lossy();
            match code.filename.as_str() {
                Some(file) => out.push_str(&format!(
                    "<code object {name} at {:#x}, file \"{}\", line {line}>",
                    obj.addr(),
                    file.to_string_lossy()
                )),
                None => out.push_str(&format!(
                    "<code object {name} at {:#x}, file ???, line {line}>",
                    obj.addr()
                )),
            }
        }
    }
}

/// The elements of a set in CPython's iteration order; stream order if an
/// element is unhashable (marshal.loads would have failed).
fn set_iteration(items: &[Obj]) -> Vec<Obj> {
    match set_entries(items) {
        Ok((order, _)) => order
            .into_iter()
            .filter_map(|i| items.get(i).cloned())
            .collect(),
        Err(_) => items.to_vec(),
    }
}

/// Build a set from `items` in order as `PySet_Add` does: the indices of
/// the elements kept, in iteration order, and their hashes in that order.
pub fn set_entries(items: &[Obj]) -> Result<(Vec<usize>, Vec<i64>), Unhashable> {
    let mut table = SetTable::new();
    for (i, item) in items.iter().enumerate() {
        let h = hash_obj(item)?;
        table
            .add::<()>(i, h, |a, b| match (items.get(a), items.get(b)) {
                (Some(x), Some(y)) => Ok(py_eq(x, y)),
                _ => Ok(false),
            })
            .ok();
    }
    Ok((table.items().collect(), table.hashes().collect()))
}

/// A dict built from `pairs` by successive `PyDict_SetItem`: keys in
/// first-insertion order, each with its last value.
fn dict_entries(pairs: &[(Obj, Obj)]) -> Vec<(&Obj, &Obj)> {
    let mut out: Vec<(&Obj, &Obj, Option<i64>)> = Vec::new();
    for (k, v) in pairs {
        let h = hash_obj(k).ok();
        match out.iter_mut().find(|(k2, _, h2)| *h2 == h && py_eq(k2, k)) {
            Some(entry) => entry.1 = v,
            None => out.push((k, v, h)),
        }
    }
    out.into_iter().map(|(k, v, _)| (k, v)).collect()
}

/// A number as Python compares it.
enum Num<'a> {
    Int(i64),
    Big(&'a BigInt),
    Float(f64),
    Complex(f64, f64),
}

fn as_num(o: &Object) -> Option<Num<'_>> {
    Some(match o {
        Object::False => Num::Int(0),
        Object::True => Num::Int(1),
        Object::Int(n) => Num::Int(*n),
        Object::Long(n) => Num::Big(n),
        Object::Float(f) => Num::Float(*f),
        Object::Complex { re, im } => Num::Complex(*re, *im),
        _ => return None,
    })
}

/// Exact int == float comparison.
fn int_eq_float(n: &BigInt, f: f64) -> bool {
    f.is_finite() && f.fract() == 0.0 && BigInt::from_f64(f).is_some_and(|g| &g == n)
}

fn num_eq(a: &Num<'_>, b: &Num<'_>) -> bool {
    use Num::*;
    match (a, b) {
        (Int(x), Int(y)) => x == y,
        (Int(x), Big(y)) | (Big(y), Int(x)) => y.to_i64() == Some(*x),
        (Big(x), Big(y)) => x == y,
        (Int(x), Float(f)) | (Float(f), Int(x)) => int_eq_float(&BigInt::from(*x), *f),
        (Big(x), Float(f)) | (Float(f), Big(x)) => int_eq_float(x, *f),
        (Float(x), Float(y)) => x == y,
        (Complex(r1, i1), Complex(r2, i2)) => r1 == r2 && i1 == i2,
        (Complex(r, i), other) | (other, Complex(r, i)) => *i == 0.0 && num_eq(&Float(*r), other),
    }
}

/// Python's `a == b` for marshal values (identity implies equality, as in
/// `PyObject_RichCompareBool`). Code objects compare by identity only.
pub fn py_eq(a: &Obj, b: &Obj) -> bool {
    if Obj::ptr_eq(a, b) {
        return true;
    }
    if let (Some(x), Some(y)) = (as_num(a.value()), as_num(b.value())) {
        return num_eq(&x, &y);
    }
    match (a.value(), b.value()) {
        (Object::None, Object::None)
        | (Object::Ellipsis, Object::Ellipsis)
        | (Object::StopIteration, Object::StopIteration)
        | (Object::Null, Object::Null) => true,
        (Object::Str(x), Object::Str(y)) => x.as_wtf8() == y.as_wtf8(),
        (Object::Bytes(x), Object::Bytes(y)) => x == y,
        (Object::Tuple(x), Object::Tuple(y)) | (Object::List(x), Object::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (Object::Dict(x), Object::Dict(y)) => {
            let (x, y) = (dict_entries(x), dict_entries(y));
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.iter().any(|(k2, v2)| py_eq(k, k2) && py_eq(v, v2)))
        }
        (Object::Set(x) | Object::FrozenSet(x), Object::Set(y) | Object::FrozenSet(y)) => {
            set_eq(x, y)
        }
        _ => false,
    }
}

fn set_eq(x: &[Obj], y: &[Obj]) -> bool {
    let (Ok((xi, _)), Ok((yi, _))) = (set_entries(x), set_entries(y)) else {
        return false;
    };
    xi.len() == yi.len()
        && xi
            .iter()
            .filter_map(|&i| x.get(i))
            .all(|a| yi.iter().filter_map(|&j| y.get(j)).any(|b| py_eq(a, b)))
}

/// `hash(s)` for a marshal string.
pub fn hash_pystr(s: &PyStr) -> i64 {
    if s.is_ascii() {
        return hash_bytes(s.as_wtf8());
    }
    let cps: Vec<u32> = s.chars().collect();
    hash_str_cps(&cps)
}

/// `hash()` of an unhashable value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unhashable type: '{0}'")]
pub struct Unhashable(pub &'static str);

/// Python's `hash(obj)` for a marshal value, as CPython 3.11 computes it
/// under `PYTHONHASHSEED=0`, except where CPython hashes by address:
/// None, Ellipsis and StopIteration get the fixed values above; NaN floats
/// and code objects hash by the handle's address (CPython's `code_hash`
/// over the fields is not reproduced).
pub fn hash_obj(obj: &Obj) -> Result<i64, Unhashable> {
    Ok(match obj.value() {
        Object::None => HASH_NONE,
        Object::False => 0,
        Object::True => 1,
        Object::Ellipsis => HASH_ELLIPSIS,
        Object::StopIteration => HASH_STOP_ITERATION,
        Object::Int(n) => hash_i64(*n),
        Object::Long(n) => hash_bigint(n),
        Object::Float(f) => hash_float(*f, obj.addr()),
        Object::Complex { re, im } => hash_complex(*re, *im, obj.addr()),
        Object::Str(s) => hash_pystr(s),
        Object::Bytes(b) => hash_bytes(b),
        Object::Tuple(items) => {
            let lanes = items.iter().map(hash_obj).collect::<Result<Vec<_>, _>>()?;
            hash_tuple(&lanes)
        }
        Object::FrozenSet(items) => {
            let (_, hashes) = set_entries(items)?;
            hash_frozenset(&hashes)
        }
        Object::Code(_) => hash_pointer(obj.addr()),
        Object::Null | Object::List(_) | Object::Dict(_) | Object::Set(_) => {
            return Err(Unhashable(obj.type_name()))
        }
    })
}
