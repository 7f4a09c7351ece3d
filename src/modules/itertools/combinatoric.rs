//! `zip_longest` and the combinatoric iterators: `product`,
//! `permutations`, `combinations`, `combinations_with_replacement`, with
//! CPython's index-advancing algorithms.

use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::proto::str_of;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

use super::clinic::{cls_arg, parse, Sig};
use super::{new_it, ItObj, St};

/// Index state shared by product and the combinations.
pub struct Indices {
    /// The pool (for product: every pool, concatenated).
    pub pool: Vec<Value>,
    /// product: where each pool starts in `pool`, and its size.
    offsets: Vec<(usize, usize)>,
    indices: Vec<usize>,
    r: usize,
    first: bool,
    stopped: bool,
}

/// permutations' state.
pub struct Perm {
    pub pool: Vec<Value>,
    indices: Vec<usize>,
    cycles: Vec<usize>,
    r: usize,
    first: bool,
    stopped: bool,
}

fn pick(pool: &[Value], idx: &[usize]) -> Vec<Value> {
    idx.iter()
        .map(|&i| pool.get(i).cloned().unwrap_or(Value::None))
        .collect()
}

pub fn step(vm: &mut Vm, o: &ItObj) -> PyResult<Option<Value>> {
    let zip = matches!(&*o.st.borrow(), St::ZipLongest { .. });
    if zip {
        return zip_longest_step(vm, o);
    }
    let items = {
        let mut st = o.st.borrow_mut();
        match &mut *st {
            St::Product(ix) => product_advance(ix),
            St::Combinations(ix) => combinations_advance(ix),
            St::CombWithRepl(ix) => cwr_advance(ix),
            St::Permutations(p) => permutations_advance(p),
            _ => None,
        }
    };
    Ok(items.map(|v| vm.new_tuple(v)))
}

fn product_advance(ix: &mut Indices) -> Option<Vec<Value>> {
    if ix.stopped {
        return None;
    }
    if ix.first {
        ix.first = false;
        if ix.offsets.iter().any(|&(_, n)| n == 0) {
            ix.stopped = true;
            return None;
        }
    } else {
        let mut i = ix.indices.len();
        loop {
            if i == 0 {
                ix.stopped = true;
                return None;
            }
            i -= 1;
            let size = ix.offsets.get(i).map_or(0, |p| p.1);
            if let Some(x) = ix.indices.get_mut(i) {
                *x += 1;
                if *x < size {
                    break;
                }
                *x = 0;
            }
        }
    }
    Some(
        ix.indices
            .iter()
            .zip(&ix.offsets)
            .map(|(&k, &(off, _))| ix.pool.get(off + k).cloned().unwrap_or(Value::None))
            .collect(),
    )
}

fn combinations_advance(ix: &mut Indices) -> Option<Vec<Value>> {
    let (n, r) = (ix.pool.len(), ix.r);
    if ix.stopped {
        return None;
    }
    if ix.first {
        ix.first = false;
        if r > n {
            ix.stopped = true;
            return None;
        }
    } else {
        let Some(i) = (0..r)
            .rev()
            .find(|&i| ix.indices.get(i) != Some(&(i + n - r)))
        else {
            ix.stopped = true;
            return None;
        };
        ix.indices[i] += 1;
        for j in i + 1..r {
            ix.indices[j] = ix.indices[j - 1] + 1;
        }
    }
    Some(pick(&ix.pool, &ix.indices))
}

fn cwr_advance(ix: &mut Indices) -> Option<Vec<Value>> {
    let (n, r) = (ix.pool.len(), ix.r);
    if ix.stopped {
        return None;
    }
    if ix.first {
        ix.first = false;
        if n == 0 && r > 0 {
            ix.stopped = true;
            return None;
        }
    } else {
        let Some(i) = (0..r).rev().find(|&i| ix.indices.get(i) != Some(&(n - 1))) else {
            ix.stopped = true;
            return None;
        };
        let v = ix.indices[i] + 1;
        for x in ix.indices.iter_mut().skip(i) {
            *x = v;
        }
    }
    Some(pick(&ix.pool, &ix.indices))
}

fn permutations_advance(p: &mut Perm) -> Option<Vec<Value>> {
    let (n, r) = (p.pool.len(), p.r);
    if p.stopped {
        return None;
    }
    if p.first {
        p.first = false;
        if r > n {
            p.stopped = true;
            return None;
        }
        return Some(pick(&p.pool, p.indices.get(..r).unwrap_or(&[])));
    }
    if n == 0 {
        p.stopped = true;
        return None;
    }
    for i in (0..r).rev() {
        p.cycles[i] -= 1;
        if p.cycles[i] == 0 {
            p.indices[i..].rotate_left(1);
            p.cycles[i] = n - i;
        } else {
            let j = p.cycles[i];
            p.indices.swap(i, n - j);
            return Some(pick(&p.pool, p.indices.get(..r).unwrap_or(&[])));
        }
    }
    p.stopped = true;
    None
}

/// One step of `zip_longest`: the sub-iterators are read out of the state
/// one at a time (no copy of the list per step) and the result tuple is
/// reused when the loop dropped it (`zip_longest_next`'s `result`).
fn zip_longest_step(vm: &mut Vm, o: &ItObj) -> PyResult<Option<Value>> {
    let (n, fill) = match &*o.st.borrow() {
        St::ZipLongest {
            its, active, fill, ..
        } if !its.is_empty() && *active > 0 => (its.len(), fill.clone()),
        _ => return Ok(None),
    };
    let mut out = crate::vm::call::ArgBuf::new();
    for i in 0..n {
        let it = match &*o.st.borrow() {
            St::ZipLongest { its, .. } => its.get(i).cloned().flatten(),
            _ => None,
        };
        let Some(it) = it else {
            out.push(fill.clone());
            continue;
        };
        match vm.next(&it) {
            Ok(Some(v)) => out.push(v),
            Ok(None) => {
                if let St::ZipLongest { its, active, .. } = &mut *o.st.borrow_mut() {
                    *active = active.saturating_sub(1);
                    if *active == 0 {
                        return Ok(None);
                    }
                    if let Some(slot) = its.get_mut(i) {
                        *slot = None;
                    }
                }
                out.push(fill.clone());
            }
            Err(e) => {
                if let St::ZipLongest { active, .. } = &mut *o.st.borrow_mut() {
                    *active = 0;
                }
                return Err(e);
            }
        }
    }
    if let St::ZipLongest { last, .. } = &mut *o.st.borrow_mut() {
        return Ok(Some(crate::objects::iter::tuple_result(vm, last, &mut out)));
    }
    Ok(Some(vm.new_tuple(out.into_vec())))
}

pub fn zip_longest_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "zip_longest")?;
    let mut fill = Value::None;
    for (k, v) in args.kwargs() {
        if str_of(k) == "fillvalue" {
            fill = v.clone();
        } else {
            return Err(vm.type_error("zip_longest() got an unexpected keyword argument"));
        }
    }
    let mut its = Vec::new();
    for a in args.pos().get(1..).unwrap_or(&[]) {
        its.push(Some(vm.iter(a)?));
    }
    let active = its.len();
    Ok(new_it(
        vm,
        &cls,
        St::ZipLongest {
            its,
            active,
            fill,
            last: None,
        },
    ))
}

/// `tuple(iterable)` as a Vec.
fn pool_of(vm: &mut Vm, v: &Value) -> PyResult<Vec<Value>> {
    if let Value::Obj(o) = v {
        if let Payload::Tuple(t) = &o.payload {
            return Ok(t.to_vec());
        }
    }
    let it = vm.iter(v)?;
    vm.collect_iter(&it)
}

pub fn product_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "product")?;
    let mut repeat = 1i64;
    for (k, v) in args.kwargs() {
        if str_of(k) == "repeat" {
            repeat = super::clinic::ssize(vm, v)?;
        } else {
            return Err(vm.type_error(format!(
                "'{}' is an invalid keyword argument for product()",
                str_of(k)
            )));
        }
    }
    if repeat < 0 {
        return Err(vm.value_error("repeat argument cannot be negative"));
    }
    let mut pools = Vec::new();
    for a in args.pos().get(1..).unwrap_or(&[]) {
        pools.push(pool_of(vm, a)?);
    }
    let npools = pools.len().saturating_mul(repeat as usize);
    if npools > (1 << 28) {
        return Err(vm.overflow_error("repeat argument too large"));
    }
    let mut pool = Vec::new();
    let mut offsets = Vec::with_capacity(npools);
    for _ in 0..repeat {
        for p in &pools {
            offsets.push((pool.len(), p.len()));
            pool.extend(p.iter().cloned());
        }
    }
    let ix = Indices {
        pool,
        indices: vec![0; offsets.len()],
        r: offsets.len(),
        offsets,
        first: true,
        stopped: false,
    };
    Ok(new_it(vm, &cls, St::Product(ix)))
}

/// `(pool, r)` of combinations/combinations_with_replacement.
fn comb_args(vm: &mut Vm, args: &Args, name: &str) -> PyResult<(Vec<Value>, usize)> {
    let a = parse(vm, args, 1, &Sig::new(name, &["iterable", "r"], 2))?;
    let pool = pool_of(vm, a[0].as_ref().unwrap_or(&Value::None))?;
    let r = super::clinic::ssize(vm, a[1].as_ref().unwrap_or(&Value::None))?;
    if r < 0 {
        return Err(vm.value_error("r must be non-negative"));
    }
    Ok((pool, r as usize))
}

fn new_indices(pool: Vec<Value>, indices: Vec<usize>, r: usize) -> Indices {
    Indices {
        pool,
        offsets: Vec::new(),
        indices,
        r,
        first: true,
        stopped: false,
    }
}

pub fn combinations_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "combinations")?;
    let (pool, r) = comb_args(vm, &args, "combinations")?;
    let indices = if r <= pool.len() {
        (0..r).collect()
    } else {
        Vec::new()
    };
    let ix = new_indices(pool, indices, r);
    Ok(new_it(vm, &cls, St::Combinations(ix)))
}

pub fn cwr_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "combinations_with_replacement")?;
    let (pool, r) = comb_args(vm, &args, "combinations_with_replacement")?;
    let ix = new_indices(pool, vec![0; r], r);
    Ok(new_it(vm, &cls, St::CombWithRepl(ix)))
}

pub fn permutations_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "permutations")?;
    let a = parse(
        vm,
        &args,
        1,
        &Sig::new("permutations", &["iterable", "r"], 1),
    )?;
    let pool = pool_of(vm, a[0].as_ref().unwrap_or(&Value::None))?;
    let n = pool.len();
    let r = match &a[1] {
        None | Some(Value::None) => n,
        Some(v) => {
            let is_int = matches!(v, Value::Int(_) | Value::Bool(_))
                || matches!(v, Value::Obj(o) if matches!(o.payload, Payload::Int(_)));
            if !is_int {
                return Err(vm.type_error("Expected int as r"));
            }
            let r = super::clinic::ssize(vm, v)?;
            if r < 0 {
                return Err(vm.value_error("r must be non-negative"));
            }
            r as usize
        }
    };
    let cycles = (0..r.min(n)).map(|i| n - i).collect();
    let p = Perm {
        pool,
        indices: (0..n).collect(),
        cycles,
        r,
        first: true,
        stopped: false,
    };
    Ok(new_it(vm, &cls, St::Permutations(p)))
}

/// `__reduce__` of product, combinations and combinations_with_replacement
/// (CPython 3.11): the constructor arguments and, once started, the
/// indices as the state.
pub fn reduce_parts(vm: &Vm, st: &St) -> Option<(Vec<Value>, Option<Value>)> {
    let indices = |ix: &Indices| {
        let items = ix.indices.iter().map(|&i| Value::Int(i as i64)).collect();
        vm.new_tuple(items)
    };
    match st {
        St::Product(ix) => {
            if ix.stopped {
                return Some((vec![vm.new_tuple_of([])], None));
            }
            let pools = ix
                .offsets
                .iter()
                .map(|&(off, n)| vm.new_tuple(ix.pool.get(off..off + n).unwrap_or(&[]).to_vec()))
                .collect();
            let state = (!ix.first).then(|| indices(ix));
            Some((pools, state))
        }
        St::Permutations(p) => {
            let r = Value::Int(p.r as i64);
            let never = p.r > p.pool.len();
            if p.stopped && !never {
                return Some((vec![vm.new_tuple_of([]), r], None));
            }
            let pool = vm.new_tuple(p.pool.clone());
            let state = (!p.first && !never).then(|| {
                let ints = |xs: &[usize]| xs.iter().map(|&i| Value::Int(i as i64)).collect();
                let i = vm.new_tuple(ints(&p.indices));
                let c = vm.new_tuple(ints(&p.cycles));
                vm.new_tuple_of([i, c])
            });
            Some((vec![pool, r], state))
        }
        St::Combinations(ix) | St::CombWithRepl(ix) => {
            let r = Value::Int(ix.r as i64);
            // CPython asks first whether a result was ever made: none is
            // when r exceeds the pool (or, with replacement, the pool is
            // empty).
            let n = ix.pool.len();
            let never = match st {
                St::Combinations(_) => ix.r > n,
                _ => n == 0 && ix.r > 0,
            };
            if ix.stopped && !never {
                return Some((vec![vm.new_tuple_of([]), r], None));
            }
            let pool = vm.new_tuple(ix.pool.clone());
            let state = (!ix.first && !never).then(|| indices(ix));
            Some((vec![pool, r], state))
        }
        _ => None,
    }
}

/// `__setstate__(indices)` of product, combinations and
/// combinations_with_replacement: the indices, clamped as CPython does.
pub fn setstate(vm: &mut Vm, st: &mut St, state: &[Value]) -> PyResult<()> {
    if let St::Permutations(p) = st {
        return perm_setstate(vm, p, state);
    }
    let (ix, kind) = match st {
        St::Product(ix) => (ix, 0),
        St::Combinations(ix) => (ix, 1),
        St::CombWithRepl(ix) => (ix, 2),
        _ => return Ok(()),
    };
    if state.len() != ix.indices.len() {
        return Err(vm.value_error("invalid arguments"));
    }
    let n = ix.pool.len();
    let r = ix.r;
    for (i, v) in state.iter().enumerate() {
        let idx = match v {
            Value::Int(k) => *k,
            _ => return Err(vm.type_error("an integer is required")),
        };
        let max = match kind {
            0 => {
                let size = ix.offsets.get(i).map_or(0, |p| p.1);
                if size == 0 {
                    ix.stopped = true;
                    return Ok(());
                }
                size - 1
            }
            1 => (i + n).saturating_sub(r),
            _ => n.saturating_sub(1),
        };
        let clamped = usize::try_from(idx.max(0)).unwrap_or(0).min(max);
        if let Some(slot) = ix.indices.get_mut(i) {
            *slot = clamped;
        }
    }
    ix.first = false;
    Ok(())
}

/// `permutations.__setstate__((indices, cycles))`, clamped as CPython does.
fn perm_setstate(vm: &mut Vm, p: &mut Perm, state: &[Value]) -> PyResult<()> {
    let [ind, cyc] = state else {
        return Err(vm.type_error(format!(
            "function takes exactly 2 arguments ({} given)",
            state.len()
        )));
    };
    let (Some(ind), Some(cyc)) = (vm.seq_items(ind), vm.seq_items(cyc)) else {
        return Err(vm.value_error("invalid arguments"));
    };
    let (n, r) = (p.pool.len(), p.r);
    if ind.len() != n || cyc.len() != r {
        return Err(vm.value_error("invalid arguments"));
    }
    let int = |vm: &mut Vm, v: &Value| -> PyResult<i64> {
        match v {
            Value::Int(k) => Ok(*k),
            _ => Err(vm.type_error("an integer is required")),
        }
    };
    let mut indices = Vec::with_capacity(n);
    for v in &ind {
        let k = int(vm, v)?.clamp(0, n.saturating_sub(1) as i64);
        indices.push(k as usize);
    }
    let mut cycles = Vec::with_capacity(r);
    for (i, v) in cyc.iter().enumerate() {
        let hi = (n - i.min(n)).max(1) as i64;
        cycles.push(int(vm, v)?.clamp(1, hi) as usize);
    }
    p.indices = indices;
    p.cycles = cycles;
    p.first = false;
    Ok(())
}
