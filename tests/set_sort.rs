//! The VM's set table and list sort.
//!
//! Sets: fixtures/set/sets.json (scripts/gen_set_fixtures.py) records what
//! CPython 3.11 with PYTHONHASHSEED=0 printed for sequences of set
//! operations on int and str keys; they are replayed here on
//! `objects::set` with a test-local key type (int or str, hashed with
//! `pycvm::pyhash`), and the int-only cases again with `Value` keys.
//!
//! Sorting: a stable sort's result is unique, so results are checked
//! against std's stable sort; plus comparison counts, error handling
//! (the list stays a permutation) and misbehaving comparators.

use std::collections::HashMap;

use pycvm::objects::set::{self as pyset, SetKey, SetTable};
use pycvm::objects::sort::{sort_by, sort_keyed, sort_values};
use pycvm::pyfmt::settable::RawSet;
use pycvm::pyhash::{hash_i64, hash_str_cps};
use pycvm::vm::value::Value;
use serde_json::Value as Json;

// ---------------------------------------------------------------- sets

/// A key of the replay: how it is built from JSON, hashed, compared.
trait TestKey: SetKey + std::fmt::Debug {
    fn from_json(j: &Json) -> Option<Self>;
    fn to_json(&self) -> Json;
    fn hash(&self) -> i64;
    fn equal(&self, other: &Self) -> bool;
    /// The value the digest folds: the int itself or the str's hash.
    fn digest_val(&self) -> u64;
}

#[derive(Clone, Debug, PartialEq)]
enum K {
    I(i64),
    S(String),
}

impl SetKey for K {
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

impl TestKey for K {
    fn from_json(j: &Json) -> Option<K> {
        match j {
            Json::Number(n) => n.as_i64().map(K::I),
            Json::String(s) => Some(K::S(s.clone())),
            _ => None,
        }
    }
    fn to_json(&self) -> Json {
        match self {
            K::I(i) => Json::from(*i),
            K::S(s) => Json::from(s.clone()),
        }
    }
    fn hash(&self) -> i64 {
        match self {
            K::I(i) => hash_i64(*i),
            K::S(s) => hash_str_cps(&s.chars().map(|c| c as u32).collect::<Vec<_>>()),
        }
    }
    fn equal(&self, other: &Self) -> bool {
        self == other
    }
    fn digest_val(&self) -> u64 {
        match self {
            K::I(i) => *i as u64,
            K::S(_) => self.hash() as u64,
        }
    }
}

/// `Value::Int` keys (int-only cases).
#[derive(Clone)]
struct V(Value);

impl std::fmt::Debug for V {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Value::Int(i) => write!(f, "{i}"),
            _ => write!(f, "?"),
        }
    }
}

impl SetKey for V {
    fn same(&self, other: &Self) -> bool {
        self.0.same(&other.0)
    }
}

fn vint(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        _ => None,
    }
}

impl TestKey for V {
    fn from_json(j: &Json) -> Option<V> {
        j.as_i64().map(|i| V(Value::Int(i)))
    }
    fn to_json(&self) -> Json {
        vint(&self.0).map(Json::from).unwrap_or(Json::Null)
    }
    fn hash(&self) -> i64 {
        vint(&self.0).map(hash_i64).unwrap_or(0)
    }
    fn equal(&self, other: &Self) -> bool {
        vint(&self.0) == vint(&other.0)
    }
    fn digest_val(&self) -> u64 {
        vint(&self.0).unwrap_or(0) as u64
    }
}

fn eq<T: TestKey>(a: &T, b: &T) -> Result<bool, ()> {
    Ok(a.equal(b))
}

fn digest<T: TestKey>(s: &RawSet<T>) -> u64 {
    s.keys()
        .fold(0u64, |h, k| h.wrapping_mul(1_000_003) ^ k.digest_val())
}

fn fixture() -> Json {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/set/sets.json");
    let text = std::fs::read_to_string(path).expect("fixtures/set/sets.json");
    serde_json::from_str(&text).expect("valid JSON")
}

fn range(op: &[Json]) -> std::iter::StepBy<std::ops::Range<i64>> {
    let n = |i: usize| op.get(i).and_then(Json::as_i64).expect("range bound");
    (n(2)..n(3)).step_by(n(4) as usize)
}

/// Replay one case; returns the number of expectations checked.
fn replay<T: TestKey>(case: &Json) -> usize {
    let name = case["name"].as_str().unwrap_or("?");
    let ops = case["ops"].as_array().expect("ops");
    let expect = case["expect"].as_array().expect("expect");
    let mut env: HashMap<String, RawSet<T>> = HashMap::new();
    let mut next = expect.iter();
    let mut checked = 0;
    let key = |j: &Json| T::from_json(j).expect("key");
    let s = |j: &Json| j.as_str().expect("name").to_string();
    for (step, op) in ops.iter().enumerate() {
        let op = op.as_array().expect("op");
        let kind = op[0].as_str().expect("kind");
        let ctx = format!("{name} op #{step} {op:?}");
        let get = |env: &HashMap<String, RawSet<T>>, j: &Json| -> RawSet<T> {
            env.get(j.as_str().expect("name")).expect("set").clone()
        };
        match kind {
            "new" => {
                env.insert(s(&op[1]), RawSet::new());
            }
            "adds" | "discards" | "add_range" | "discard_range" => {
                let keys: Vec<T> = if kind.ends_with("range") {
                    range(op)
                        .map(|i| T::from_json(&Json::from(i)).expect("int"))
                        .collect()
                } else {
                    op[2].as_array().expect("keys").iter().map(key).collect()
                };
                let set = env.get_mut(op[1].as_str().expect("name")).expect("set");
                for k in keys {
                    if kind.starts_with("add") {
                        set.add_entry(k.hash(), k, eq).unwrap();
                    } else {
                        set.discard_entry(k.hash(), &k, eq).unwrap();
                    }
                }
            }
            "pop" => {
                let set = env.get_mut(op[1].as_str().expect("name")).expect("set");
                let (h, k) = set.pop().expect("non-empty");
                assert_eq!(h, k.hash(), "{ctx}");
                let want = &next.next().expect("expectation")["pop"];
                assert_eq!(&k.to_json(), want, "{ctx}");
                checked += 1;
            }
            "clear" => env
                .get_mut(op[1].as_str().expect("name"))
                .expect("set")
                .clear(),
            "copy" => {
                let c = get(&env, &op[2]).copy();
                env.insert(s(&op[1]), c);
            }
            "union" | "inter" | "diff" => {
                let a = get(&env, &op[2]);
                let others: Vec<RawSet<T>> = op[3..].iter().map(|j| get(&env, j)).collect();
                let refs: Vec<&RawSet<T>> = others.iter().collect();
                let r = match kind {
                    "union" => pyset::union(&a, &refs, eq),
                    "inter" => pyset::intersection_multi(&a, &refs, eq),
                    _ => pyset::difference_multi(&a, &refs, eq),
                }
                .unwrap();
                env.insert(s(&op[1]), r);
            }
            "symdiff" => {
                let r = pyset::symmetric_difference(&get(&env, &op[2]), &get(&env, &op[3]), eq)
                    .unwrap();
                env.insert(s(&op[1]), r);
            }
            "update" | "inter_update" | "diff_update" | "symdiff_update" => {
                let others: Vec<RawSet<T>> = op[2..].iter().map(|j| get(&env, j)).collect();
                let refs: Vec<&RawSet<T>> = others.iter().collect();
                let a = env.get_mut(op[1].as_str().expect("name")).expect("set");
                match kind {
                    "update" => a.merge(refs[0], eq).unwrap(),
                    "inter_update" => pyset::intersection_update(a, &refs, eq).unwrap(),
                    "diff_update" => pyset::difference_update(a, refs[0], eq).unwrap(),
                    _ => pyset::symmetric_difference_update(a, refs[0], eq).unwrap(),
                }
            }
            "same" => {
                // `a OP a`: both operands are the same set object.
                let a = get(&env, &op[3]);
                let r = match op[1].as_str().expect("op") {
                    "|" => pyset::union(&a, &[&a], eq),
                    "&" => pyset::intersection(&a, &a, eq),
                    "-" => pyset::difference(&a, &a, eq),
                    _ => pyset::symmetric_difference(&a, &a, eq),
                }
                .unwrap();
                env.insert(s(&op[2]), r);
            }
            "check" => {
                let set = env.get(op[1].as_str().expect("name")).expect("set");
                let want = next.next().expect("expectation");
                let got: Vec<Json> = set.keys().map(T::to_json).collect();
                assert_eq!(set.len(), got.len(), "{ctx}");
                if let Some(list) = want.get("list") {
                    assert_eq!(&Json::from(got), list, "{ctx}");
                } else {
                    assert_eq!(Some(got.len() as u64), want["len"].as_u64(), "{ctx}");
                    assert_eq!(&Json::from(got[..20].to_vec()), &want["head"], "{ctx}");
                    assert_eq!(Some(digest(set)), want["digest"].as_u64(), "{ctx}");
                }
                checked += 1;
            }
            other => panic!("unknown op {other}"),
        }
    }
    assert!(next.next().is_none(), "{name}: unused expectations");
    checked
}

fn int_only(case: &Json) -> bool {
    fn walk(j: &Json) -> bool {
        match j {
            Json::String(_) => false,
            Json::Array(a) => a.iter().all(walk),
            Json::Object(o) => o.values().all(walk),
            _ => true,
        }
    }
    // The op names are strings; look at keys only.
    case["expect"]
        .as_array()
        .is_some_and(|e| e.iter().all(walk))
        && case["ops"].as_array().is_some_and(|ops| {
            ops.iter().all(|op| match op.get(0).and_then(Json::as_str) {
                Some("adds" | "discards") => walk(&op[2]),
                _ => true,
            })
        })
}

#[test]
fn set_orders_match_cpython() {
    let fx = fixture();
    let cases = fx["cases"].as_array().expect("cases");
    let mut checked = 0;
    let mut value_checked = 0;
    for case in cases {
        checked += replay::<K>(case);
        if int_only(case) {
            value_checked += replay::<V>(case);
        }
    }
    eprintln!(
        "{} cases, {checked} expectations (test keys), {value_checked} again with Value keys",
        cases.len()
    );
    assert!(cases.len() >= 140 && checked >= 3400 && value_checked >= 2000);
}

#[test]
fn value_table_basics() {
    let veq = |a: &Value, b: &Value| -> Result<bool, ()> { Ok(vint(a) == vint(b)) };
    let mut s = SetTable::new();
    // -1 and -2 share hash -2 but are unequal: both stay.
    for k in [-1i64, -2, -1, -2] {
        s.add_entry(hash_i64(k), Value::Int(k), veq).unwrap();
    }
    assert_eq!(s.len(), 2);
    assert_eq!(s.keys().filter_map(vint).collect::<Vec<_>>(), vec![-1, -2]);
    // An error from the comparison stops the operation and is returned.
    let r: Result<bool, &str> = s.add_entry(-2, Value::Int(-3), |_, _| Err("boom"));
    assert_eq!(r, Err("boom"));
    assert_eq!(s.len(), 2);
    // Identity short-circuits the callback.
    let r: Result<bool, &str> = s.add_entry(-2, Value::Int(-1), |_, _| Err("called"));
    assert_eq!(r, Ok(false));
}

/// The resumable probe, as the VM drives it around a Python `__eq__`
/// that mutates the set: a rebuilt table makes the probe restart.
#[test]
fn probe_restarts_after_mutation() {
    use pycvm::objects::set::Step;
    let veq = |a: &Value, b: &Value| -> Result<bool, ()> { Ok(vint(a) == vint(b)) };
    let mut s = SetTable::new();
    for k in [-1i64, 5, 6] {
        s.add_entry(hash_i64(k), Value::Int(k), veq).unwrap();
    }
    let key = Value::Int(-2);
    let hash = hash_i64(-2);
    let mut p = s.probe(hash);
    let (slot, start) = match s.probe_step(&mut p, &key) {
        Step::Compare(slot, start) => (slot, start),
        _ => panic!("expected a comparison with -1"),
    };
    // "__eq__" runs and grows the set (a resize).
    for k in 100..120i64 {
        s.add_entry(hash_i64(k), Value::Int(k), veq).unwrap();
    }
    assert!(!s.still_valid(&p, slot, &start));
    let mut p = s.probe(hash);
    loop {
        match s.probe_step(&mut p, &key) {
            Step::Compare(..) => continue, // -1 != -2
            Step::Found(_) => panic!("not present"),
            Step::Absent(v) => {
                assert!(s.insert_at(v, hash, key.clone()));
                break;
            }
        }
    }
    assert_eq!(s.len(), 24);
    let mut again = SetTable::new();
    for k in [-1i64, 5, 6].into_iter().chain(100..120).chain([-2]) {
        again.add_entry(hash_i64(k), Value::Int(k), veq).unwrap();
    }
    let order = |t: &SetTable| t.keys().filter_map(vint).collect::<Vec<_>>();
    assert_eq!(order(&s), order(&again));
}

// ---------------------------------------------------------------- sort

/// xorshift64*: deterministic test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// (key, original position) pairs.
type Item = (i64, usize);

fn items(keys: impl IntoIterator<Item = i64>) -> Vec<Item> {
    keys.into_iter().enumerate().map(|(i, k)| (k, i)).collect()
}

fn expected(v: &[Item], reverse: bool) -> Vec<Item> {
    let mut e = v.to_vec();
    if reverse {
        e.sort_by_key(|a| std::cmp::Reverse(a.0));
    } else {
        e.sort_by_key(|a| a.0);
    }
    e
}

/// Sort with a counting comparator on keys only; returns the comparisons.
fn sort_count(v: &mut [Item], reverse: bool) -> usize {
    let mut n = 0;
    sort_by::<_, ()>(v, reverse, |a, b| {
        n += 1;
        Ok(a.0 < b.0)
    })
    .unwrap();
    n
}

const SIZES: [usize; 16] = [
    0, 1, 2, 3, 7, 31, 63, 64, 65, 100, 257, 1000, 4097, 10_000, 33_333, 100_000,
];

fn inputs(rng: &mut Rng, n: usize) -> Vec<(&'static str, Vec<i64>)> {
    let m = n as i64;
    let mut out = vec![
        (
            "random dups",
            (0..n).map(|_| rng.below(10) as i64).collect(),
        ),
        ("random wide", (0..n).map(|_| rng.next() as i64).collect()),
        ("sorted", (0..m).collect()),
        ("reversed", (0..m).rev().collect()),
        ("all equal", vec![7; n]),
        ("sawtooth", (0..m).map(|i| i % 97).collect()),
        ("reversed dups", (0..m).rev().map(|i| i / 3).collect()),
        ("organ pipe", (0..m).map(|i| i.min(m - i)).collect()),
    ];
    // Sorted with a few random swaps, and sorted runs interleaved in
    // blocks (exercises galloping).
    let mut near: Vec<i64> = (0..m).collect();
    for _ in 0..(n / 50 + 1) {
        if n > 1 {
            let (a, b) = (rng.below(n as u64) as usize, rng.below(n as u64) as usize);
            near.swap(a, b);
        }
    }
    out.push(("nearly sorted", near));
    let blocks: Vec<i64> = (0..m)
        .map(|i| {
            let block = i / 500;
            if block % 2 == 0 {
                i / 2
            } else {
                m + i / 3
            }
        })
        .collect();
    out.push(("blocks", blocks));
    let mut runs: Vec<i64> = Vec::new();
    while runs.len() < n {
        let len = (rng.below(300) + 1) as usize;
        let start = rng.below(10_000) as i64;
        runs.extend((0..len as i64).map(|i| start + i * (rng.below(3) as i64)));
    }
    runs.truncate(n);
    out.push(("random runs", runs));
    out
}

#[test]
fn sort_matches_stable_sort() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut checked = 0;
    let mut compares = 0usize;
    for n in SIZES {
        for (what, keys) in inputs(&mut rng, n) {
            for reverse in [false, true] {
                let mut v = items(keys.iter().copied());
                let c = sort_count(&mut v, reverse);
                assert_eq!(
                    v,
                    expected(&items(keys.iter().copied()), reverse),
                    "{what} n={n} reverse={reverse}"
                );
                // Timsort bound: about n log2 n comparisons at worst.
                let bound = n * (usize::BITS - n.leading_zeros()) as usize + n;
                assert!(c <= bound, "{what} n={n}: {c} comparisons > {bound}");
                compares += c;
                checked += 1;
            }
        }
    }
    eprintln!("{checked} sorts checked, {compares} comparisons");
}

#[test]
fn sorted_input_is_linear() {
    for n in [2usize, 64, 1000, 100_000] {
        let asc = items(0..n as i64);
        let mut v = asc.clone();
        assert_eq!(sort_count(&mut v, false), n - 1, "ascending n={n}");
        assert_eq!(v, asc);
        // Strictly descending: one run, reversed in place.
        let mut v = items((0..n as i64).rev());
        assert_eq!(sort_count(&mut v, false), n - 1, "descending n={n}");
        assert!(v.windows(2).all(|w| w[0].0 < w[1].0));
        // reverse=True on ascending input: reversed to descending, one run.
        let mut v = asc.clone();
        assert_eq!(sort_count(&mut v, true), n - 1, "reverse n={n}");
        assert!(v.windows(2).all(|w| w[0].0 > w[1].0));
        // All equal: one ascending run, order kept, also with reverse.
        for reverse in [false, true] {
            let eq = items(std::iter::repeat_n(3, n));
            let mut v = eq.clone();
            assert_eq!(sort_count(&mut v, reverse), n - 1);
            assert_eq!(v, eq);
        }
    }
}

#[test]
fn error_leaves_a_permutation() {
    let mut rng = Rng(12345);
    let mut cases = 0;
    for n in [2usize, 10, 64, 65, 300, 5000, 100_000] {
        for (what, keys) in inputs(&mut rng, n) {
            let v0 = items(keys);
            // Count the comparisons of a full sort, then fail at points
            // throughout it.
            let total = sort_count(&mut v0.clone(), false);
            for frac in [0usize, 1, 13, 50, 77, 99] {
                let fail_at = total * frac / 100 + 1;
                if fail_at > total {
                    continue;
                }
                for reverse in [false, true] {
                    let mut v = v0.clone();
                    let mut n_cmp = 0;
                    let r = sort_by(&mut v, reverse, |a, b| {
                        n_cmp += 1;
                        if n_cmp == fail_at {
                            Err(n_cmp)
                        } else {
                            Ok(a.0 < b.0)
                        }
                    });
                    if sort_count(&mut v0.clone(), reverse) >= fail_at {
                        assert_eq!(r, Err(fail_at), "{what} n={n}");
                    }
                    let mut ids: Vec<usize> = v.iter().map(|x| x.1).collect();
                    ids.sort_unstable();
                    assert!(
                        ids.iter().copied().eq(0..n),
                        "{what} n={n} fail_at={fail_at}: not a permutation"
                    );
                    assert!(v.iter().all(|&(k, i)| v0[i].0 == k));
                    cases += 1;
                }
            }
        }
    }
    eprintln!("{cases} failing sorts checked");
}

#[test]
fn inconsistent_comparator_does_not_lose_items() {
    let mut rng = Rng(777);
    for n in [5usize, 64, 1000, 20_000] {
        for _ in 0..5 {
            let v0 = items((0..n).map(|_| rng.below(100) as i64));
            let mut v = v0.clone();
            let mut r2 = Rng(rng.next() | 1);
            sort_by::<_, ()>(&mut v, false, |_, _| Ok(r2.below(2) == 0)).unwrap();
            let mut ids: Vec<usize> = v.iter().map(|x| x.1).collect();
            ids.sort_unstable();
            assert!(ids.iter().copied().eq(0..n));
        }
    }
}

#[test]
fn values_and_keys() {
    let lt = |a: &Value, b: &Value| -> Result<bool, ()> { Ok(vint(a) < vint(b)) };
    let mut v: Vec<Value> = [5i64, -1, 3, 3, 0].into_iter().map(Value::Int).collect();
    sort_values(&mut v, false, lt).unwrap();
    assert_eq!(
        v.iter().filter_map(vint).collect::<Vec<_>>(),
        vec![-1, 0, 3, 3, 5]
    );
    sort_values(&mut v, true, lt).unwrap();
    assert_eq!(
        v.iter().filter_map(vint).collect::<Vec<_>>(),
        vec![5, 3, 3, 0, -1]
    );

    // sorted(range(20), key=lambda x: x % 3) and with reverse=True
    // (CPython: stable in both directions).
    let mut v: Vec<Value> = (0..20).map(Value::Int).collect();
    let keys = (0..20).map(|x| Value::Int(x % 3)).collect();
    sort_keyed(&mut v, keys, false, lt).unwrap();
    let want: Vec<i64> = (0..20)
        .filter(|x| x % 3 == 0)
        .chain((0..20).filter(|x| x % 3 == 1))
        .chain((0..20).filter(|x| x % 3 == 2))
        .collect();
    assert_eq!(v.iter().filter_map(vint).collect::<Vec<_>>(), want);
    let mut v: Vec<Value> = (0..20).map(Value::Int).collect();
    let keys = (0..20).map(|x| Value::Int(x % 3)).collect();
    sort_keyed(&mut v, keys, true, lt).unwrap();
    let want: Vec<i64> = (0..20)
        .filter(|x| x % 3 == 2)
        .chain((0..20).filter(|x| x % 3 == 1))
        .chain((0..20).filter(|x| x % 3 == 0))
        .collect();
    assert_eq!(v.iter().filter_map(vint).collect::<Vec<_>>(), want);

    // An error while sorting by key still leaves every item in the list.
    let mut v: Vec<Value> = (0..1000).map(Value::Int).rev().collect();
    let keys = (0..1000).map(|x| Value::Int((x * 7919) % 1000)).collect();
    let mut n = 0;
    let r = sort_keyed(&mut v, keys, false, |a, b| {
        n += 1;
        if n == 2000 {
            Err("boom")
        } else {
            Ok(vint(a) < vint(b))
        }
    });
    assert_eq!(r, Err("boom"));
    let mut got: Vec<i64> = v.iter().filter_map(vint).collect();
    got.sort_unstable();
    assert_eq!(got, (0..1000).collect::<Vec<_>>());
}
