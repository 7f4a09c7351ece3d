//! `math.fsum` (Shewchuk's exact partials, as CPython's msum), `math.prod`,
//! and `math.hypot`/`math.dist` with CPython's `vector_norm` (scaled,
//! compensated and corrected, so results are almost always correctly
//! rounded and bit-identical to CPython's).

use super::arg_f64;
use super::kwargs::Sig;
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::proto::BinOp;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

/// The exact float sum of `items` (CPython's `math_fsum`).
pub fn fsum_values(vm: &mut Vm, seq: &Value) -> PyResult<f64> {
    let it = vm.iter(seq)?;
    let mut p: Vec<f64> = Vec::new();
    let mut special_sum = 0.0f64;
    let mut inf_sum = 0.0f64;
    while let Some(item) = vm.next(&it)? {
        let mut x = arg_f64(vm, &item)?;
        let xsave = x;
        let mut i = 0;
        for j in 0..p.len() {
            let mut y = p[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let yr = hi - x;
            let lo = y - yr;
            if lo != 0.0 {
                p[i] = lo;
                i += 1;
            }
            x = hi;
        }
        p.truncate(i);
        if x != 0.0 {
            if !x.is_finite() {
                if xsave.is_finite() {
                    return Err(
                        vm.new_error(ExcKind::OverflowError, "intermediate overflow in fsum")
                    );
                }
                if xsave.is_infinite() {
                    inf_sum += xsave;
                }
                special_sum += xsave;
                p.clear();
            } else {
                p.push(x);
            }
        }
    }
    if special_sum != 0.0 {
        if inf_sum.is_nan() {
            return Err(vm.value_error("-inf + inf in fsum"));
        }
        return Ok(special_sum);
    }
    let mut hi = 0.0f64;
    let mut n = p.len();
    if n > 0 {
        n -= 1;
        hi = p[n];
        let mut lo = 0.0f64;
        while n > 0 {
            let x = hi;
            n -= 1;
            let y = p[n];
            hi = x + y;
            let yr = hi - x;
            lo = y - yr;
            if lo != 0.0 {
                break;
            }
        }
        if n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            let yr = x - hi;
            if y == yr {
                hi = x;
            }
        }
    }
    Ok(hi)
}

pub fn math_fsum(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("math.fsum", args, 1, 1)?;
    fsum_values(vm, &a[0]).map(Value::float)
}

pub fn math_prod(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let sig = Sig {
        name: "prod",
        pos: &["iterable"],
        posonly: 1,
        required: 1,
        kwonly: &["start"],
    };
    let p = sig.bind(vm, &args)?;
    let iterable = p.first().cloned().flatten().unwrap_or(Value::None);
    let mut result = p.get(1).cloned().flatten().unwrap_or(Value::Int(1));
    let it = vm.iter(&iterable)?;
    while let Some(item) = vm.next(&it)? {
        result = vm.binary_op(&result, &item, BinOp::Mul, false)?;
    }
    Ok(result)
}

/// CPython's `vector_norm`: sqrt of the sum of squares of `vec` (all
/// finite, non-negative, at most `max`).
pub fn vector_norm(vec: &[f64], max: f64, found_nan: bool) -> f64 {
    const T27: f64 = 134217729.0;
    if max.is_infinite() {
        return max;
    }
    if found_nan {
        return f64::NAN;
    }
    if max == 0.0 || vec.len() <= 1 {
        return max;
    }
    let (_, max_e) = super::special::frexp(max);
    let mut csum = 1.0f64;
    let mut frac1 = 0.0f64;
    let mut frac2 = 0.0f64;
    let mut frac3 = 0.0f64;
    if max_e >= -1023 {
        let scale = super::special::ldexp(1.0, -max_e);
        for &v in vec {
            let x = v * scale;
            let t = x * T27;
            let hi = t - (t - x);
            let lo = x - hi;
            let x = hi * hi;
            let oldcsum = csum;
            csum += x;
            frac1 += (oldcsum - csum) + x;
            let x = 2.0 * hi * lo;
            let oldcsum = csum;
            csum += x;
            frac2 += (oldcsum - csum) + x;
            frac3 += lo * lo;
        }
        let h = (csum - 1.0 + (frac1 + frac2 + frac3)).sqrt();
        let x = h;
        let t = x * T27;
        let hi = t - (t - x);
        let lo = x - hi;
        let x = -hi * hi;
        let oldcsum = csum;
        csum += x;
        frac1 += (oldcsum - csum) + x;
        let x = -2.0 * hi * lo;
        let oldcsum = csum;
        csum += x;
        frac2 += (oldcsum - csum) + x;
        let x = -lo * lo;
        let oldcsum = csum;
        csum += x;
        frac3 += (oldcsum - csum) + x;
        let x = csum - 1.0 + (frac1 + frac2 + frac3);
        return (h + x / (2.0 * h)) / scale;
    }
    for &v in vec {
        let x = v / max;
        let x = x * x;
        let oldcsum = csum;
        csum += x;
        frac1 += (oldcsum - csum) + x;
    }
    max * (csum - 1.0 + frac1).sqrt()
}

pub fn math_hypot(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.has_kwargs() {
        return Err(vm.type_error("math.hypot() takes no keyword arguments"));
    }
    let mut coords = Vec::with_capacity(args.pos().len());
    let mut max = 0.0f64;
    let mut found_nan = false;
    for v in args.pos() {
        let x = arg_f64(vm, v)?.abs();
        found_nan |= x.is_nan();
        if x > max {
            max = x;
        }
        coords.push(x);
    }
    Ok(Value::float(vector_norm(&coords, max, found_nan)))
}

/// The items of a tuple, or of any iterable (`PySequence_Tuple`).
fn tuple_items(vm: &mut Vm, v: &Value) -> PyResult<Vec<Value>> {
    if let Value::Obj(o) = v {
        if let Payload::Tuple(items) = &o.payload {
            return Ok(items.to_vec());
        }
    }
    vm.collect_iter(v)
}

pub fn math_dist(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("math.dist", args, 2, 2)?;
    let p = tuple_items(vm, &a[0])?;
    let q = tuple_items(vm, &a[1])?;
    if p.len() != q.len() {
        return Err(vm.value_error("both points must have the same number of dimensions"));
    }
    let mut diffs = Vec::with_capacity(p.len());
    let mut max = 0.0f64;
    let mut found_nan = false;
    for (pv, qv) in p.iter().zip(q.iter()) {
        let px = arg_f64(vm, pv)?;
        let qx = arg_f64(vm, qv)?;
        let x = (px - qx).abs();
        found_nan |= x.is_nan();
        if x > max {
            max = x;
        }
        diffs.push(x);
    }
    Ok(Value::float(vector_norm(&diffs, max, found_nan)))
}
