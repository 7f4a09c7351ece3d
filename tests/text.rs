//! `src/text` against CPython 3.11: every case of fixtures/text/*.json
//! (made by scripts/gen_text_fixtures.py) replays one `str`/`bytes`
//! method call, hash, slice or codec call and must give CPython's result
//! or exception (type and message) exactly.

use pycvm::text::{bytes_methods as bm, codecs, slice_indices, str_methods as sm};
use pycvm::text::{PyStrData, TextError};
use serde_json::{json, Value};

/// A decoded fixture value.
#[derive(Clone, Debug)]
enum V {
    Str(PyStrData),
    Bytes(Vec<u8>),
    Int(i64),
    Bool(bool),
    None,
    List(Vec<V>),
    Tuple,
    Dict(Vec<(V, V)>),
}

fn unhex(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex"))
        .collect()
}

fn dec(v: &Value) -> V {
    match v {
        Value::Null => V::None,
        Value::Bool(b) => V::Bool(*b),
        Value::Number(n) => V::Int(n.as_i64().expect("i64")),
        Value::Array(a) => V::List(a.iter().map(dec).collect()),
        Value::Object(o) => {
            if let Some(s) = o.get("s") {
                V::Str(PyStrData::from_str(s.as_str().expect("s")))
            } else if let Some(u) = o.get("u") {
                let cps: Vec<u32> = u
                    .as_array()
                    .expect("u")
                    .iter()
                    .map(|c| c.as_u64().expect("cp") as u32)
                    .collect();
                V::Str(PyStrData::from_code_points(&cps))
            } else if let Some(b) = o.get("b") {
                V::Bytes(unhex(b.as_str().expect("b")))
            } else if let Some(t) = o.get("t") {
                assert!(t.is_array(), "tuple");
                V::Tuple
            } else if let Some(d) = o.get("d") {
                V::Dict(
                    d.as_array()
                        .expect("d")
                        .iter()
                        .map(|kv| (dec(&kv[0]), dec(&kv[1])))
                        .collect(),
                )
            } else {
                panic!("unknown value {v}")
            }
        }
        _ => panic!("unknown value {v}"),
    }
}

fn es(s: &PyStrData) -> Value {
    match s.as_str() {
        Some(t) => json!({ "s": t }),
        None => json!({ "u": s.to_cps() }),
    }
}

fn eb(b: &[u8]) -> Value {
    let h: String = b.iter().map(|c| format!("{c:02x}")).collect();
    json!({ "b": h })
}

fn err(e: TextError) -> Value {
    json!({ "err": format!("{}: {}", e.kind(), e.message()) })
}

fn ok(v: Value) -> Value {
    json!({ "ok": v })
}

fn res(r: Result<Value, TextError>) -> Value {
    r.map_or_else(err, ok)
}

fn idx(i: Option<usize>) -> Value {
    json!(i.map_or(-1, |i| i as i64))
}

fn st(v: &V) -> &PyStrData {
    match v {
        V::Str(s) => s,
        _ => panic!("expected str, got {v:?}"),
    }
}

fn by(v: &V) -> &[u8] {
    match v {
        V::Bytes(b) => b,
        _ => panic!("expected bytes, got {v:?}"),
    }
}

fn int(v: &V) -> i64 {
    match v {
        V::Int(i) => *i,
        V::Bool(b) => i64::from(*b),
        _ => panic!("expected int, got {v:?}"),
    }
}

fn opt_int(v: &V) -> Option<i64> {
    match v {
        V::None => None,
        v => Some(int(v)),
    }
}

fn boolean(v: &V) -> bool {
    match v {
        V::Bool(b) => *b,
        _ => panic!("expected bool, got {v:?}"),
    }
}

fn str_list(v: &[PyStrData]) -> Value {
    Value::Array(v.iter().map(es).collect())
}

fn bytes_list(v: &[Vec<u8>]) -> Value {
    Value::Array(v.iter().map(|b| eb(b)).collect())
}

fn a(args: &[V], i: usize) -> &V {
    &args[i]
}

/// Replays a case on a str receiver.
fn run_str(m: &str, s: &PyStrData, args: &[V]) -> Value {
    let r = |i| opt_int(a(args, i));
    let sa = |i| st(a(args, i));
    let os = |i| match a(args, i) {
        V::None => None,
        v => Some(st(v)),
    };
    let bo = |b: bool| ok(json!(b));
    match m {
        "find" => ok(idx(sm::find(s, sa(0), r(1), r(2)))),
        "rfind" => ok(idx(sm::rfind(s, sa(0), r(1), r(2)))),
        "index" => res(sm::index(s, sa(0), r(1), r(2)).map(|i| json!(i))),
        "rindex" => res(sm::rindex(s, sa(0), r(1), r(2)).map(|i| json!(i))),
        "count" => ok(json!(sm::count(s, sa(0), r(1), r(2)))),
        "startswith" => bo(sm::startswith(s, sa(0), r(1), r(2))),
        "endswith" => bo(sm::endswith(s, sa(0), r(1), r(2))),
        "contains" => bo(sm::contains(s, sa(0))),
        "replace" => ok(es(&sm::replace(s, sa(0), sa(1), int(a(args, 2))))),
        "split" => res(sm::split(s, os(0), int(a(args, 1))).map(|v| str_list(&v))),
        "rsplit" => res(sm::rsplit(s, os(0), int(a(args, 1))).map(|v| str_list(&v))),
        "partition" | "rpartition" => {
            let f = if m == "partition" {
                sm::partition
            } else {
                sm::rpartition
            };
            res(f(s, sa(0)).map(|(x, y, z)| json!({ "t": [es(&x), es(&y), es(&z)] })))
        }
        "removeprefix" => ok(es(&sm::removeprefix(s, sa(0)))),
        "removesuffix" => ok(es(&sm::removesuffix(s, sa(0)))),
        "join" => {
            let V::List(items) = a(args, 0) else {
                panic!("join list")
            };
            let items: Vec<&PyStrData> = items.iter().map(st).collect();
            ok(es(&sm::join(s, &items)))
        }
        "strip" => ok(es(&sm::strip(s, os(0)))),
        "lstrip" => ok(es(&sm::lstrip(s, os(0)))),
        "rstrip" => ok(es(&sm::rstrip(s, os(0)))),
        "splitlines" => ok(str_list(&sm::splitlines(s, boolean(a(args, 0))))),
        "center" | "ljust" | "rjust" => {
            let f = match m {
                "center" => sm::center,
                "ljust" => sm::ljust,
                _ => sm::rjust,
            };
            let fill = sa(1).char_at(0).expect("fill");
            ok(es(&f(s, int(a(args, 0)), fill)))
        }
        "zfill" => ok(es(&sm::zfill(s, int(a(args, 0))))),
        "expandtabs" => res(sm::expandtabs(s, int(a(args, 0))).map(|x| es(&x))),
        "lower" => ok(es(&sm::lower(s))),
        "upper" => ok(es(&sm::upper(s))),
        "capitalize" => ok(es(&sm::capitalize(s))),
        "title" => ok(es(&sm::title(s))),
        "swapcase" => ok(es(&sm::swapcase(s))),
        "casefold" => ok(es(&sm::casefold(s))),
        "isalnum" => bo(sm::isalnum(s)),
        "isalpha" => bo(sm::isalpha(s)),
        "isascii" => bo(sm::isascii(s)),
        "isdecimal" => bo(sm::isdecimal(s)),
        "isdigit" => bo(sm::isdigit(s)),
        "isidentifier" => bo(sm::isidentifier(s)),
        "islower" => bo(sm::islower(s)),
        "isnumeric" => bo(sm::isnumeric(s)),
        "isprintable" => bo(sm::isprintable(s)),
        "isspace" => bo(sm::isspace(s)),
        "istitle" => bo(sm::istitle(s)),
        "isupper" => bo(sm::isupper(s)),
        "__repr__" => ok(es(&PyStrData::from_string(sm::repr(s)))),
        "ascii" => ok(es(&PyStrData::from_string(sm::ascii(s)))),
        "len" => ok(json!(s.len())),
        "mul" => res(s.repeat(int(a(args, 0))).map(|x| es(&x))),
        "cmp" => ok(json!(s.cmp(sa(0)) as i64)),
        "concat" => ok(es(&s.concat(sa(0)))),
        "hash" => ok(json!(s.hash())),
        "getitem" => res(s.getitem(int(a(args, 0))).map(|x| es(&x))),
        "char_at" => ok(json!(s.char_at(int(a(args, 0)) as usize))),
        "slice" => {
            let step = opt_int(a(args, 2)).unwrap_or(1);
            let (start, stop, step, _) = slice_indices(s.len(), r(0), r(1), step);
            ok(es(&s.slice(start, stop, step)))
        }
        "translate" => {
            let V::Dict(table) = a(args, 0) else {
                panic!("table")
            };
            let out = sm::translate::<TextError>(s, |c| {
                let hit = table.iter().find(|(k, _)| int(k) == i64::from(c));
                Ok(hit.map(|(_, v)| match v {
                    V::None => sm::TransOp::Delete,
                    V::Int(i) => sm::TransOp::Char(*i),
                    V::Str(t) => sm::TransOp::Str(t.clone()),
                    _ => panic!("table value"),
                }))
            });
            res(out.map(|x| es(&x)))
        }
        "maketrans" => {
            let out = sm::maketrans(s, sa(0), os(1)).map(|pairs| {
                let mut d: Vec<(u32, Option<u32>)> = Vec::new();
                for (k, v) in pairs {
                    match d.iter_mut().find(|(dk, _)| *dk == k) {
                        Some(slot) => slot.1 = v,
                        None => d.push((k, v)),
                    }
                }
                json!({ "d": d.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>() })
            });
            res(out)
        }
        "encode" => {
            let out = codecs::encode(
                s,
                &st(a(args, 0)).to_string_lossy(),
                &sa(1).to_string_lossy(),
            );
            res(out.map(|b| eb(&b)))
        }
        "fromhex" => res(bm::fromhex(&s.to_cps()).map(|b| eb(&b))),
        _ => panic!("unknown str method {m}"),
    }
}

/// Replays a case on a bytes receiver.
fn run_bytes(m: &str, s: &[u8], args: &[V]) -> Value {
    let r = |i| opt_int(a(args, i));
    let ba = |i| by(a(args, i));
    let ob = |i| match a(args, i) {
        V::None => None,
        v => Some(by(v)),
    };
    let bo = |b: bool| ok(json!(b));
    let out = |b: Vec<u8>| ok(eb(&b));
    match m {
        "find" => ok(idx(bm::find(s, ba(0), r(1), r(2)))),
        "rfind" => ok(idx(bm::rfind(s, ba(0), r(1), r(2)))),
        "index" => res(bm::index(s, ba(0), r(1), r(2)).map(|i| json!(i))),
        "rindex" => res(bm::rindex(s, ba(0), r(1), r(2)).map(|i| json!(i))),
        "count" => ok(json!(bm::count(s, ba(0), r(1), r(2)))),
        "startswith" => bo(bm::startswith(s, ba(0), r(1), r(2))),
        "endswith" => bo(bm::endswith(s, ba(0), r(1), r(2))),
        "replace" => out(bm::replace(s, ba(0), ba(1), int(a(args, 2)))),
        "split" => res(bm::split(s, ob(0), int(a(args, 1))).map(|v| bytes_list(&v))),
        "rsplit" => res(bm::rsplit(s, ob(0), int(a(args, 1))).map(|v| bytes_list(&v))),
        "partition" | "rpartition" => {
            let f = if m == "partition" {
                bm::partition
            } else {
                bm::rpartition
            };
            res(f(s, ba(0)).map(|(x, y, z)| json!({ "t": [eb(&x), eb(&y), eb(&z)] })))
        }
        "removeprefix" => out(bm::removeprefix(s, ba(0))),
        "removesuffix" => out(bm::removesuffix(s, ba(0))),
        "join" => {
            let V::List(items) = a(args, 0) else {
                panic!("join list")
            };
            let items: Vec<&[u8]> = items.iter().map(by).collect();
            out(bm::join(s, &items))
        }
        "strip" => out(bm::strip(s, ob(0))),
        "lstrip" => out(bm::lstrip(s, ob(0))),
        "rstrip" => out(bm::rstrip(s, ob(0))),
        "splitlines" => ok(bytes_list(&bm::splitlines(s, boolean(a(args, 0))))),
        "center" | "ljust" | "rjust" => {
            let f = match m {
                "center" => bm::center,
                "ljust" => bm::ljust,
                _ => bm::rjust,
            };
            out(f(s, int(a(args, 0)), ba(1)[0]))
        }
        "zfill" => out(bm::zfill(s, int(a(args, 0)))),
        "expandtabs" => res(bm::expandtabs(s, int(a(args, 0))).map(|b| eb(&b))),
        "lower" => out(bm::lower(s)),
        "upper" => out(bm::upper(s)),
        "capitalize" => out(bm::capitalize(s)),
        "title" => out(bm::title(s)),
        "swapcase" => out(bm::swapcase(s)),
        "isalnum" => bo(bm::isalnum(s)),
        "isalpha" => bo(bm::isalpha(s)),
        "isascii" => bo(bm::isascii(s)),
        "isdigit" => bo(bm::isdigit(s)),
        "islower" => bo(bm::islower(s)),
        "isspace" => bo(bm::isspace(s)),
        "istitle" => bo(bm::istitle(s)),
        "isupper" => bo(bm::isupper(s)),
        "hex" => {
            let (sep, n) = match args {
                [] => (None, 1),
                [V::Str(t), n] => (Some(t.to_cps()), int(n)),
                [V::Bytes(b), n] => (Some(b.iter().map(|&c| u32::from(c)).collect()), int(n)),
                _ => panic!("hex args"),
            };
            res(bm::hex(s, sep.as_deref(), n).map(|h| es(&PyStrData::from_string(h))))
        }
        "translate" => res(bm::translate(s, ob(0), ba(1)).map(|b| eb(&b))),
        "maketrans" => res(bm::maketrans(s, ba(0)).map(|b| eb(&b))),
        "decode" => {
            let r = codecs::decode(
                s,
                &st(a(args, 0)).to_string_lossy(),
                &st(a(args, 1)).to_string_lossy(),
            );
            res(r.map(|x| es(&x)))
        }
        _ => panic!("unknown bytes method {m}"),
    }
}

fn replay(file: &str) {
    let path = format!("{}/fixtures/text/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture file");
    let json: Value = serde_json::from_str(&text).expect("json");
    let cases = json["cases"].as_array().expect("cases");
    let mut failures = Vec::new();
    for case in cases {
        let m = case["m"].as_str().expect("m");
        let args: Vec<V> = case["a"].as_array().expect("a").iter().map(dec).collect();
        let got = match dec(&case["r"]) {
            V::Str(s) => run_str(m, &s, &args),
            V::Bytes(b) => run_bytes(m, &b, &args),
            other => panic!("receiver {other:?}"),
        };
        let want = match case.get("err") {
            Some(e) => json!({ "err": e }),
            None => json!({ "ok": case["ok"] }),
        };
        if got != want {
            failures.push(format!("{case}\n   got {got}"));
        }
    }
    let n = cases.len();
    println!("{file}: {} of {n} cases pass", n - failures.len());
    if !failures.is_empty() {
        let shown: Vec<&String> = failures.iter().take(25).collect();
        panic!(
            "{file}: {} of {n} cases fail:\n{}",
            failures.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn str_methods() {
    replay("str_methods.json");
}

#[test]
fn bytes_methods() {
    replay("bytes_methods.json");
}

#[test]
fn codecs() {
    replay("codecs.json");
}

#[test]
fn hash_and_slices() {
    replay("hash_slice.json");
}
