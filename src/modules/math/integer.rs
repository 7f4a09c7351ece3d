//! The integer functions of `math`: `factorial`, `comb`, `perm`, `isqrt`,
//! `gcd` and `lcm`, exact on ints of any size, with CPython's messages.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

use crate::num::Int;
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

/// The product lo * (lo+1) * ... * (hi-1), by binary splitting.
fn range_product(lo: u64, hi: u64) -> BigInt {
    if hi <= lo {
        return BigInt::one();
    }
    if hi - lo <= 16 {
        let mut acc = BigInt::one();
        let mut small: u64 = 1;
        for v in lo..hi {
            match small.checked_mul(v) {
                Some(p) => small = p,
                None => {
                    acc *= small;
                    small = v;
                }
            }
        }
        return acc * small;
    }
    let mid = lo + (hi - lo) / 2;
    range_product(lo, mid) * range_product(mid, hi)
}

/// n * (n-1) * ... * (n-k+1) for a big n.
fn falling_product(n: &BigInt, k: u64) -> BigInt {
    fn go(n: &BigInt, k: u64) -> BigInt {
        if k == 0 {
            return BigInt::one();
        }
        if k == 1 {
            return n.clone();
        }
        let j = k / 2;
        go(n, j) * go(&(n - BigInt::from(j)), k - j)
    }
    go(n, k)
}

pub fn math_factorial(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("math.factorial", args, 1, 1)?;
    let n = vm.index_int(&a[0])?;
    let n = match n {
        Int::Small(n) if n >= 0 => n as u64,
        Int::Big(b) if b.is_positive() => {
            return Err(vm.new_error(
                ExcKind::OverflowError,
                format!("factorial() argument should not exceed {}", i64::MAX),
            ))
        }
        _ => return Err(vm.value_error("factorial() not defined for negative values")),
    };
    Ok(vm.new_bigint(range_product(1, n.saturating_add(1))))
}

/// Both arguments of `comb`/`perm` as ints, with the sign checks.
fn comb_args(vm: &mut Vm, n: &Value, k: &Value) -> PyResult<(BigInt, BigInt)> {
    let n = vm.index_int(n)?.into_bigint();
    let k = vm.index_int(k)?.into_bigint();
    if n.is_negative() {
        return Err(vm.value_error("n must be a non-negative integer"));
    }
    if k.is_negative() {
        return Err(vm.value_error("k must be a non-negative integer"));
    }
    Ok((n, k))
}

pub fn math_perm(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("math.perm", args, 1, 2)?;
    let Some(k) = a.get(1).filter(|v| !matches!(v, Value::None)) else {
        return math_factorial(vm, Args::new(&a[..1]));
    };
    let (n, k) = comb_args(vm, &a[0], k)?;
    if n < k {
        return Ok(Value::Int(0));
    }
    let Some(ki) = k.to_i64() else {
        return Err(vm.new_error(
            ExcKind::OverflowError,
            format!("k must not exceed {}", i64::MAX),
        ));
    };
    let ki = ki as u64;
    let r = match n.to_u64() {
        Some(ni) => range_product(ni - ki + 1, ni + 1),
        None => falling_product(&n, ki),
    };
    Ok(vm.new_bigint(r))
}

pub fn math_comb(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("math.comb", args, 2, 2)?;
    let (n, k) = comb_args(vm, &a[0], &a[1])?;
    if k > n {
        return Ok(Value::Int(0));
    }
    let nk = &n - &k;
    let k = if nk < k { nk } else { k };
    let Some(ki) = k.to_i64() else {
        return Err(vm.new_error(
            ExcKind::OverflowError,
            format!("min(n - k, k) must not exceed {}", i64::MAX),
        ));
    };
    let ki = ki as u64;
    let top = match n.to_u64() {
        Some(ni) => range_product(ni - ki + 1, ni + 1),
        None => falling_product(&n, ki),
    };
    Ok(vm.new_bigint(top / range_product(1, ki + 1)))
}

pub fn math_isqrt(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("math.isqrt", args, 1, 1)?;
    let n = vm.index_int(&a[0])?;
    match n.isqrt() {
        Ok(r) => Ok(vm.new_int(r)),
        Err(e) => Err(vm.num_err(e)),
    }
}

pub fn math_gcd(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.has_kwargs() {
        return Err(vm.type_error("math.gcd() takes no keyword arguments"));
    }
    let mut res = Int::Small(0);
    for (i, v) in args.pos().iter().enumerate() {
        let x = vm.index_int(v)?;
        res = if i == 0 {
            x.abs()
        } else if res == Int::Small(1) {
            res
        } else {
            res.gcd(&x)
        };
    }
    Ok(vm.new_int(res))
}

pub fn math_lcm(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.has_kwargs() {
        return Err(vm.type_error("math.lcm() takes no keyword arguments"));
    }
    let mut res = BigInt::one();
    for (i, v) in args.pos().iter().enumerate() {
        let x = vm.index_int(v)?.into_bigint();
        res = if i == 0 {
            x.abs()
        } else if res.is_zero() || x.is_zero() {
            BigInt::zero()
        } else {
            (&res / res.gcd(&x) * &x).abs()
        };
    }
    Ok(vm.new_bigint(res))
}
