//! `src/pyfmt` against CPython 3.11: format() of int/float/complex/str,
//! %-formatting, float()/int() parsing, float.hex/fromhex, round, bin/oct/hex
//! and int → float (fixtures/pyfmt/*.json, made by
//! scripts/gen_pyfmt_fixtures.py). Every case must match exactly.

use num_bigint::BigInt;
use pycvm::pyfmt::{self, FmtError};
use serde_json::Value;

fn load(name: &str) -> Vec<Value> {
    let path = format!("{}/fixtures/pyfmt/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture file");
    let json: Value = serde_json::from_str(&text).expect("json");
    json["cases"].as_array().expect("cases").clone()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("field {k} in {v}"))
}

fn int(text: &str) -> BigInt {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text),
    };
    let v = BigInt::parse_bytes(digits.as_bytes(), 16).expect("hex int");
    if neg {
        -v
    } else {
        v
    }
}

fn hexint(v: &BigInt) -> String {
    v.to_str_radix(16)
}

fn float(text: &str) -> f64 {
    f64::from_bits(u64::from_str_radix(text, 16).expect("bits"))
}

fn bits(x: f64) -> String {
    // CPython keeps NaN payloads as they come; compare NaNs as NaNs.
    if x.is_nan() {
        return if x.is_sign_negative() { "nan-" } else { "nan" }.to_string();
    }
    format!("{:016x}", x.to_bits())
}

fn err(e: FmtError) -> String {
    format!("{}: {}", e.kind(), e.message())
}

/// What the case expects, in the shape `got` is rendered.
fn expected(case: &Value) -> String {
    if let Some(e) = case.get("err") {
        return format!("err {}", e.as_str().unwrap_or_default());
    }
    if let Some(n) = case.get("ok_len") {
        return format!("len {} head {}", n, s(case, "ok_head"));
    }
    format!("ok {}", s(case, "ok"))
}

fn render(case: &Value, got: Result<String, FmtError>) -> String {
    match got {
        Ok(t) if case.get("ok_len").is_some() => {
            let head: String = t.chars().take(50).collect();
            format!("len {} head {}", t.chars().count(), head)
        }
        Ok(t) => format!("ok {t}"),
        Err(e) => format!("err {}", err(e)),
    }
}

/// Normalise float results given as bits (NaN sign/payload aside).
fn norm_bits(exp: String) -> String {
    match exp.strip_prefix("ok ") {
        Some(b) if b.len() == 16 => {
            let x = float(b);
            format!("ok {}", bits(x))
        }
        _ => exp,
    }
}

struct Tally {
    name: &'static str,
    pass: usize,
    fail: Vec<String>,
}

impl Tally {
    fn new(name: &'static str) -> Self {
        Tally {
            name,
            pass: 0,
            fail: Vec::new(),
        }
    }

    fn check(&mut self, what: String, exp: String, got: String) {
        if exp == got {
            self.pass += 1;
        } else {
            self.fail
                .push(format!("{what}\n   expected {exp:?}\n   got      {got:?}"));
        }
    }

    fn finish(self) {
        println!(
            "{}: {} passed, {} failed",
            self.name,
            self.pass,
            self.fail.len()
        );
        for f in self.fail.iter().take(40) {
            println!("  {f}");
        }
        assert!(
            self.fail.is_empty(),
            "{}: {} mismatches",
            self.name,
            self.fail.len()
        );
    }
}

fn format_file(
    file: &str,
    name: &'static str,
    f: impl Fn(&Value, &str) -> Result<String, FmtError>,
) {
    let mut t = Tally::new(name);
    for case in load(file) {
        let spec = s(&case, "spec");
        let got = render(&case, f(&case["value"], spec));
        t.check(
            format!("format({}, {spec:?})", case["value"]),
            expected(&case),
            got,
        );
    }
    t.finish();
}

#[test]
fn format_int() {
    format_file("format_int.json", "format_int", |v, spec| {
        pyfmt::format_int(&int(v.as_str().unwrap_or_default()), spec)
    });
    format_file("format_int_float.json", "format_int_float", |v, spec| {
        pyfmt::format_int(&int(v.as_str().unwrap_or_default()), spec)
    });
}

#[test]
fn format_float() {
    format_file("format_float.json", "format_float", |v, spec| {
        pyfmt::format_float(float(v.as_str().unwrap_or_default()), spec)
    });
}

#[test]
fn format_str() {
    format_file("format_str.json", "format_str", |v, spec| {
        pyfmt::format_str(v.as_str().unwrap_or_default(), spec)
    });
}

#[test]
fn format_complex() {
    format_file("format_complex.json", "format_complex", |v, spec| {
        let re = float(v[0].as_str().unwrap_or_default());
        let im = float(v[1].as_str().unwrap_or_default());
        pyfmt::format_complex(re, im, spec)
    });
}

/// One `fmt % args` with a single conversion, as `PyUnicode_Format` runs it.
fn percent_case(case: &Value) -> Result<String, FmtError> {
    let fmt: Vec<u32> = s(case, "fmt").chars().map(u32::from).collect();
    let spec = pyfmt::parse_percent(&fmt, 1)?;
    let mut args = case["args"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter();
    let mut star = |c: pyfmt::Count| match c {
        pyfmt::Count::Star => args.next().and_then(|v| v.as_i64()),
        _ => None,
    };
    let w = star(spec.width);
    let p = star(spec.precision);
    let conv = spec.resolve(w, p);
    let value = &case["value"];
    let kind = s(case, "kind");
    let out = match (conv.conv, kind) {
        ('d' | 'i' | 'u' | 'o' | 'x' | 'X', "int") => {
            pyfmt::percent_int(&int(value.as_str().unwrap_or_default()), &conv)?
        }
        ('e' | 'E' | 'f' | 'F' | 'g' | 'G', "float") => {
            pyfmt::percent_float(float(value.as_str().unwrap_or_default()), &conv)?
        }
        ('c', "char") => pyfmt::percent_char_code(&int(value.as_str().unwrap_or_default()), &conv)?,
        ('s' | 'r' | 'a', "text") => {
            let key = conv.conv.to_string();
            pyfmt::percent_text(s(value, &key), &conv)?
        }
        _ => return Err(pyfmt::unsupported_char(spec.conv, spec.end - 1)),
    };
    // Only one conversion per fixture: the rest of the format is literal.
    let rest: String = fmt[spec.end..]
        .iter()
        .filter_map(|&c| char::from_u32(c))
        .collect();
    Ok(out + &rest)
}

#[test]
fn percent() {
    let mut t = Tally::new("percent");
    for case in load("percent.json") {
        let got = render(&case, percent_case(&case));
        t.check(
            format!("{:?} % {}", s(&case, "fmt"), case["value"]),
            expected(&case),
            got,
        );
    }
    t.finish();
}

#[test]
fn parse_float() {
    let mut t = Tally::new("parse_float");
    for case in load("parse_float.json") {
        let text = s(&case, "s");
        let got = render(&case, pyfmt::parse_float(text).map(bits));
        t.check(format!("float({text:?})"), norm_bits(expected(&case)), got);
    }
    t.finish();
}

#[test]
fn parse_int() {
    let mut t = Tally::new("parse_int");
    for case in load("parse_int.json") {
        let text = s(&case, "s");
        let base = case["base"].as_i64().unwrap_or(10);
        let got = render(&case, pyfmt::parse_int(text, base).map(|v| hexint(&v)));
        let shown: String = text.chars().take(60).collect();
        t.check(format!("int({shown:?}, {base})"), expected(&case), got);
    }
    t.finish();
}

#[test]
fn hex_round_conversions() {
    let mut t = Tally::new("hex_round");
    for case in load("hex_round.json") {
        let op = s(&case, "op");
        let x = || float(s(&case, "x"));
        let v = || int(s(&case, "v"));
        let (what, got) = match op {
            "hex" => (format!("{:?}.hex()", x()), Ok(pyfmt::float_hex(x()))),
            "fromhex" => (
                format!("float.fromhex({:?})", s(&case, "s")),
                pyfmt::float_fromhex(s(&case, "s")).map(bits),
            ),
            "round" => {
                let n = case["n"].as_i64().unwrap_or(0);
                (
                    format!("round({:?}, {n})", x()),
                    pyfmt::float_round(x(), n).map(bits),
                )
            }
            "round0" => (
                format!("round({:?})", x()),
                pyfmt::float_round_to_int(x()).map(|v| hexint(&v)),
            ),
            "bin" => (
                format!("bin({})", v()),
                Ok(pyfmt::int_to_str_radix(&v(), 2)),
            ),
            "oct" => (
                format!("oct({})", v()),
                Ok(pyfmt::int_to_str_radix(&v(), 8)),
            ),
            "hexint" => (
                format!("hex({})", v()),
                Ok(pyfmt::int_to_str_radix(&v(), 16)),
            ),
            "int2float" => (
                format!("float({})", v()),
                pyfmt::bigint_to_f64(&v()).map(bits),
            ),
            other => panic!("unknown op {other}"),
        };
        let exp = expected(&case);
        let exp = if matches!(op, "fromhex" | "round" | "int2float") {
            norm_bits(exp)
        } else {
            exp
        };
        t.check(what, exp, render(&case, got));
    }
    t.finish();
}
