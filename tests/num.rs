//! `src/num` against CPython 3.11: int, float and complex arithmetic over a
//! grid of values and random stress cases (fixtures/num/*.json, made by
//! scripts/gen_num_fixtures.py). Every case must match exactly (results
//! bit for bit, NaN as NaN; errors by class and message).

use num_bigint::BigInt;
use pycvm::num::{self, Complex, FloatPow, Int, IntPow, NumError};
use pycvm::pyfmt;
use serde_json::Value;
use std::cmp::Ordering;

#[derive(Debug, Clone)]
enum V {
    I(Int),
    F(f64),
    C(Complex),
    B(bool),
    Y(Vec<u8>),
    S(String),
    T(Vec<V>),
}

fn load(name: &str) -> Vec<Value> {
    let path = format!("{}/fixtures/num/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture file");
    let json: Value = serde_json::from_str(&text).expect("json");
    json["cases"].as_array().expect("cases").clone()
}

fn float(text: &str) -> f64 {
    pyfmt::float_fromhex(text).unwrap_or_else(|e| panic!("float {text}: {e}"))
}

fn dec(v: &Value) -> V {
    let s = v.as_str().unwrap_or_else(|| panic!("arg {v}"));
    let (tag, body) = s.split_at(2);
    match tag {
        "i:" => V::I(Int::from_bigint(body.parse::<BigInt>().expect("int"))),
        "f:" => V::F(float(body)),
        "c:" => {
            let (re, im) = body.split_once(',').expect("complex");
            V::C(Complex::new(float(re), float(im)))
        }
        "b:" => V::B(body == "True"),
        "s:" => V::S(body.to_string()),
        "y:" => V::Y(
            (0..body.len() / 2)
                .map(|i| u8::from_str_radix(&body[2 * i..2 * i + 2], 16).expect("hex"))
                .collect(),
        ),
        _ => panic!("bad value {s}"),
    }
}

fn enc(v: &V) -> String {
    match v {
        V::I(i) => format!("i:{}", i.to_bigint()),
        V::F(x) => format!("f:{}", pyfmt::float_hex(*x)),
        V::C(c) => format!("c:{},{}", pyfmt::float_hex(c.re), pyfmt::float_hex(c.im)),
        V::B(b) => format!("b:{}", if *b { "True" } else { "False" }),
        V::S(s) => format!("s:{s}"),
        V::Y(b) => format!(
            "y:{}",
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        ),
        V::T(items) => items.iter().map(enc).collect::<Vec<_>>().join(" | "),
    }
}

fn expected(case: &Value) -> String {
    if let Some(e) = case.get("err") {
        return format!("err {}", e.as_str().unwrap_or_default());
    }
    match &case["ok"] {
        Value::Array(items) => format!(
            "ok {}",
            items
                .iter()
                .map(|x| x.as_str().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        Value::String(s) => format!("ok {s}"),
        other => panic!("bad ok {other}"),
    }
}

fn ord(o: Option<Ordering>) -> V {
    V::S(
        match o {
            Some(Ordering::Less) => "lt",
            Some(Ordering::Equal) => "eq",
            Some(Ordering::Greater) => "gt",
            None => "un",
        }
        .to_string(),
    )
}

fn int(v: &V) -> &Int {
    match v {
        V::I(i) => i,
        other => panic!("not an int: {other:?}"),
    }
}

fn flt(v: &V) -> f64 {
    match v {
        V::F(x) => *x,
        other => panic!("not a float: {other:?}"),
    }
}

fn cpx(v: &V) -> Complex {
    match v {
        V::C(c) => *c,
        other => panic!("not a complex: {other:?}"),
    }
}

/// An operand of a float operation: ints are converted as CPython's
/// `CONVERT_TO_DOUBLE` does.
fn as_f64(v: &V) -> Result<f64, NumError> {
    match v {
        V::I(i) => i.to_f64(),
        V::F(x) => Ok(*x),
        other => panic!("not a number: {other:?}"),
    }
}

fn float_op(op: &str, a: &V, b: &V) -> Result<V, NumError> {
    if op == "cmp" {
        return Ok(match (a, b) {
            (V::I(i), V::F(x)) => ord(num::cmp_int_float(i, *x)),
            (V::F(x), V::I(i)) => ord(num::cmp_int_float(i, *x).map(Ordering::reverse)),
            _ => ord(flt(a).partial_cmp(&flt(b))),
        });
    }
    let x = as_f64(a)?;
    let y = as_f64(b)?;
    Ok(match op {
        "add" => V::F(x + y),
        "sub" => V::F(x - y),
        "mul" => V::F(x * y),
        "truediv" => V::F(num::float_div(x, y)?),
        "floordiv" => V::F(num::float_floordiv(x, y)?),
        "mod" => V::F(num::float_mod(x, y)?),
        "divmod" => {
            let (q, r) = num::float_divmod(x, y)?;
            V::T(vec![V::F(q), V::F(r)])
        }
        "pow" => match num::float_pow(x, y)? {
            FloatPow::Float(r) => V::F(r),
            FloatPow::Complex => V::C(num::complex_pow(
                Complex::new(x, 0.0),
                Complex::new(y, 0.0),
            )?),
        },
        _ => panic!("unknown float op {op}"),
    })
}

fn int_op(op: &str, args: &[V]) -> Result<V, NumError> {
    let a = int(&args[0]);
    let b = || int(&args[1]);
    let i = |v: Int| Ok(V::I(v));
    match op {
        "add" => i(a.add(b())),
        "sub" => i(a.sub(b())),
        "mul" => i(a.mul(b())?),
        "floordiv" => i(a.floordiv(b())?),
        "mod" => i(a.modulo(b())?),
        "divmod" => {
            let (q, r) = a.divmod(b())?;
            Ok(V::T(vec![V::I(q), V::I(r)]))
        }
        "truediv" => Ok(V::F(a.truediv(b())?)),
        "pow" | "pow3" => {
            let m = if op == "pow3" {
                Some(int(&args[2]))
            } else {
                None
            };
            Ok(match a.pow(b(), m)? {
                IntPow::Int(r) => V::I(r),
                IntPow::Float(x) => V::F(x),
            })
        }
        "lshift" => i(a.lshift(b())?),
        "rshift" => i(a.rshift(b())?),
        "and" => i(a.bitand(b())),
        "or" => i(a.bitor(b())),
        "xor" => i(a.bitxor(b())),
        "gcd" => i(a.gcd(b())),
        "cmp" => Ok(ord(Some(a.cmp(b())))),
        "neg" => i(a.neg()),
        "invert" => i(a.invert()),
        "abs" => i(a.abs()),
        "bit_length" => i(Int::Small(a.bit_length() as i64)),
        "bit_count" => i(Int::Small(a.bit_count() as i64)),
        "float" => Ok(V::F(a.to_f64()?)),
        "isqrt" => i(a.isqrt()?),
        "as_integer_ratio" => {
            let (n, d) = a.as_integer_ratio();
            Ok(V::T(vec![V::I(n), V::I(d)]))
        }
        "repeat_count" => a.repeat_count().map(|_| V::I(Int::Small(0))),
        "round" => i(a.round(b())),
        "to_bytes" => {
            let little = match &args[2] {
                V::S(s) => num::parse_byteorder(s)?,
                other => panic!("byteorder {other:?}"),
            };
            let signed = matches!(args[3], V::B(true));
            let length = b().to_i64().expect("small length");
            Ok(V::Y(a.to_bytes(length, little, signed)?))
        }
        "float_cmp" => float_op("cmp", &args[0], &args[1]),
        _ => panic!("unknown int op {op}"),
    }
}

fn float_unary_op(op: &str, args: &[V]) -> Result<V, NumError> {
    let x = flt(&args[0]);
    Ok(match op {
        "trunc" => V::I(num::float_trunc(x)?),
        "floor" => V::I(num::float_floor(x)?),
        "ceil" => V::I(num::float_ceil(x)?),
        "round" => V::I(num::float_round(x)?),
        "round_n" => V::F(num::float_round_ndigits(x, int(&args[1]))?),
        "is_integer" => V::B(num::float_is_integer(x)),
        "as_integer_ratio" => {
            let (n, d) = num::float_as_integer_ratio(x)?;
            V::T(vec![V::I(n), V::I(d)])
        }
        "hex" => V::S(num::float_hex(x)),
        "abs" => V::F(x.abs()),
        "neg" => V::F(-x),
        "int_cmp" => return float_op("cmp", &args[0], &args[1]),
        _ => return float_op(op, &args[0], &args[1]),
    })
}

fn complex_op(op: &str, args: &[V]) -> Result<V, NumError> {
    let a = cpx(&args[0]);
    let b = || cpx(&args[1]);
    Ok(match op {
        "add" => V::C(num::complex_add(a, b())),
        "sub" => V::C(num::complex_sub(a, b())),
        "mul" => V::C(num::complex_mul(a, b())),
        "div" => V::C(num::complex_div(a, b())?),
        "pow" => V::C(num::complex_pow(a, b())?),
        "eq" => V::B(num::complex_eq(a, b())),
        "abs" => V::F(num::complex_abs(a)?),
        _ => panic!("unknown complex op {op}"),
    })
}

fn run(op: &str, args: &[V]) -> Result<V, NumError> {
    if op == "int_from_bytes" {
        let data = match &args[0] {
            V::Y(d) => d,
            other => panic!("bytes {other:?}"),
        };
        let little = match &args[1] {
            V::S(s) => num::parse_byteorder(s)?,
            other => panic!("byteorder {other:?}"),
        };
        return Ok(V::I(Int::from_bytes(
            data,
            little,
            matches!(args[2], V::B(true)),
        )));
    }
    let (family, name) = op.split_once('_').expect("op family");
    match family {
        "int" => int_op(name, args),
        "float" => float_unary_op(name, args),
        "intfloat" | "floatint" => float_op(name, &args[0], &args[1]),
        "complex" => complex_op(name, args),
        _ => panic!("unknown op {op}"),
    }
}

fn render(got: Result<V, NumError>) -> String {
    match got {
        Ok(v) => format!("ok {}", enc(&v)),
        Err(e) => format!("err {}: {}", e.kind(), e.message()),
    }
}

fn replay(file: &str) {
    let mut pass = 0;
    let mut fail = Vec::new();
    for case in load(file) {
        let op = case["op"].as_str().expect("op");
        let args: Vec<V> = case["args"]
            .as_array()
            .expect("args")
            .iter()
            .map(dec)
            .collect();
        let exp = expected(&case);
        let got = render(run(op, &args));
        if exp == got {
            pass += 1;
        } else {
            fail.push(format!(
                "{op}{:?}\n   expected {exp}\n   got      {got}",
                case["args"]
            ));
        }
    }
    println!("{file}: {pass} passed, {} failed", fail.len());
    for f in fail.iter().take(40) {
        println!("  {f}");
    }
    assert!(fail.is_empty(), "{file}: {} mismatches", fail.len());
}

#[test]
fn int_binary() {
    replay("int_binary");
}

#[test]
fn int_pow3() {
    replay("int_pow3");
}

#[test]
fn int_random() {
    replay("int_random");
}

#[test]
fn int_unary() {
    replay("int_unary");
}

#[test]
fn float_binary() {
    replay("float_binary");
}

#[test]
fn float_unary() {
    replay("float_unary");
}

#[test]
fn mixed() {
    replay("mixed");
}

#[test]
fn complex() {
    replay("complex");
}

#[test]
fn int_is_canonical() {
    let big = BigInt::from(i64::MAX) + 1u32;
    assert!(matches!(Int::from_bigint(big.clone()), Int::Big(_)));
    assert_eq!(Int::from_bigint(big - 1), Int::Small(i64::MAX));
    assert_eq!(
        Int::Small(i64::MAX).add(&Int::Small(1)).sub(&Int::Small(1)),
        Int::Small(i64::MAX)
    );
    assert_eq!(Int::Small(i64::MIN).neg().neg(), Int::Small(i64::MIN));
    assert_eq!(
        Int::Small(1).lshift(&Int::Small(1 << 40)),
        Err(NumError::Memory)
    );
    assert_eq!(Int::Small(5).round(&Int::Small(i64::MIN)), Int::Small(0));
}
