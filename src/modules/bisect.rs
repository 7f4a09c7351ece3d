//! The `_bisect` module (Modules/_bisectmodule.c): `bisect_left`,
//! `bisect_right`, `insort_left`, `insort_right` with `lo`/`hi`/`key`,
//! CPython's exact probing order and messages.

use super::math::kwargs::Sig;
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::proto::CmpOp;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The bound arguments: (a, x, lo, hi, key).
struct Bound {
    a: Value,
    x: Value,
    lo: i64,
    hi: Option<i64>,
    key: Option<Value>,
}

fn bind(vm: &mut Vm, args: &Args, name: &str) -> PyResult<Bound> {
    // The usual call, `bisect(a, x)`: nothing to bind.
    if let ([a, x], false) = (args.pos(), args.has_kwargs()) {
        return Ok(Bound {
            a: a.clone(),
            x: x.clone(),
            lo: 0,
            hi: None,
            key: None,
        });
    }
    let sig = Sig {
        name,
        pos: &["a", "x", "lo", "hi"],
        posonly: 0,
        required: 2,
        kwonly: &["key"],
    };
    let p = sig.bind(vm, args)?;
    let get = |i: usize| p.get(i).cloned().flatten();
    let lo = match get(2) {
        Some(v) => match vm.ssize_arg(&v)? {
            Some(i) => i,
            None => {
                return Err(vm.type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    vm.type_name_of(&v)
                )))
            }
        },
        None => 0,
    };
    let hi = match get(3) {
        None | Some(Value::None) => None,
        Some(v) => match vm.ssize_arg(&v)? {
            Some(-1) => None,
            Some(i) => Some(i),
            None => {
                return Err(vm.type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    vm.type_name_of(&v)
                )))
            }
        },
    };
    Ok(Bound {
        a: get(0).unwrap_or(Value::None),
        x: get(1).unwrap_or(Value::None),
        lo,
        hi,
        key: get(4).filter(|k| !matches!(k, Value::None)),
    })
}

/// The insertion point of `x` (already keyed) in `a[lo:hi]`.
fn search(vm: &mut Vm, b: &Bound, x: &Value, right: bool) -> PyResult<i64> {
    let mut lo = b.lo;
    if lo < 0 {
        return Err(vm.value_error("lo must be non-negative"));
    }
    let mut hi = match b.hi {
        Some(h) => h,
        None => vm.len(&b.a)? as i64,
    };
    while lo < hi {
        let mid = ((lo as u64 + hi as u64) / 2) as i64;
        let item = vm.getitem(&b.a, &Value::Int(mid))?;
        let litem = match &b.key {
            Some(k) => vm.call(k, &[item])?,
            None => item,
        };
        let go_right = if right {
            !vm.compare(x, &litem, CmpOp::Lt)?
        } else {
            vm.compare(&litem, x, CmpOp::Lt)?
        };
        if go_right {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

fn bisect_impl(vm: &mut Vm, args: Args, name: &str, right: bool) -> PyResult<Value> {
    let b = bind(vm, &args, name)?;
    let x = b.x.clone();
    search(vm, &b, &x, right).map(Value::Int)
}

fn insort_impl(vm: &mut Vm, args: Args, name: &str, right: bool) -> PyResult<Value> {
    let b = bind(vm, &args, name)?;
    let keyed = match &b.key {
        Some(k) => vm.call(k, &[b.x.clone()])?,
        None => b.x.clone(),
    };
    let index = search(vm, &b, &keyed, right)?;
    let exact_list = match &b.a {
        Value::Obj(o) => matches!(o.payload, Payload::List(_)) && o.class_is(&vm.types.list),
        _ => false,
    };
    if exact_list {
        if let Value::Obj(o) = &b.a {
            if let Payload::List(l) = &o.payload {
                let mut v = l
                    .try_borrow_mut()
                    .map_err(|_| vm.runtime_error("list changed during insort"))?;
                let at = usize::try_from(index).unwrap_or(0).min(v.len());
                v.insert(at, b.x.clone());
            }
        }
    } else {
        vm.call_method(&b.a, "insert", &[Value::Int(index), b.x.clone()])?;
    }
    Ok(Value::None)
}

fn bisect_bisect_left(vm: &mut Vm, args: Args) -> PyResult<Value> {
    bisect_impl(vm, args, "bisect_left", false)
}

fn bisect_bisect_right(vm: &mut Vm, args: Args) -> PyResult<Value> {
    bisect_impl(vm, args, "bisect_right", true)
}

fn bisect_insort_left(vm: &mut Vm, args: Args) -> PyResult<Value> {
    insort_impl(vm, args, "insort_left", false)
}

fn bisect_insort_right(vm: &mut Vm, args: Args) -> PyResult<Value> {
    insort_impl(vm, args, "insort_right", true)
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_bisect");
    vm.add_functions(
        &m,
        &[
            ("bisect_right", bisect_bisect_right),
            ("insort_right", bisect_insort_right),
            ("bisect_left", bisect_bisect_left),
            ("insort_left", bisect_insort_left),
        ],
    );
    let doc = vm.new_str("Bisection algorithms.\n\nThis module provides support for maintaining a list in sorted order without\nhaving to sort the list after each insertion. For long lists of items with\nexpensive comparison operations, this can be an improvement over the more\ncommon approach.\n");
    vm.set_attr_raw(&m, "__doc__", doc);
    Ok(m)
}
