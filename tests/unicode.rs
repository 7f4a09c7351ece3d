//! The Unicode tables against what CPython 3.11 computed
//! (fixtures/unicode/, written by scripts/gen_unicode.py):
//! - every per-code-point property and mapping, over all 0x110000 code
//!   points, against a count and an FNV-1a 64 hash of CPython's answers;
//! - the string-level case methods, `is*()` predicates and `splitlines()`
//!   on a few thousand strings.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use pycvm::unicode::{self, CaseMapping};
use serde_json::Value;

const NCP: u32 = 0x110000;

type CpPred = (&'static str, fn(u32) -> bool);
type CpMap = (&'static str, fn(u32) -> CaseMapping);
type CpValue = (&'static str, fn(u32) -> Option<f64>);
type StrMethod = (&'static str, fn(&[u32]) -> Vec<u32>);
type StrPred = (&'static str, fn(&[u32]) -> bool);

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/unicode")
        .join(name);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// FNV-1a 64 over 32-bit little-endian words, as in scripts/gen_unicode.py.
struct Fnv {
    hash: u64,
    count: u64,
}

impl Fnv {
    fn new() -> Self {
        Fnv {
            hash: 0xCBF2_9CE4_8422_2325,
            count: 0,
        }
    }

    fn words(&mut self, words: &[u32]) {
        for w in words {
            for b in w.to_le_bytes() {
                self.hash ^= u64::from(b);
                self.hash = self.hash.wrapping_mul(0x0100_0000_01B3);
            }
        }
    }

    fn item(&mut self, words: &[u32]) {
        self.words(words);
        self.count += 1;
    }
}

fn check(expected: &Value, name: &str, got: &Fnv, failures: &mut Vec<String>) {
    let exp = &expected[name];
    let count = exp["count"].as_u64();
    let hash = exp["fnv"].as_str().map(str::to_owned);
    let got_hash = format!("{:016x}", got.hash);
    if count != Some(got.count) || hash.as_deref() != Some(got_hash.as_str()) {
        failures.push(format!(
            "{name}: CPython count {count:?} hash {hash:?}, pycvm count {} hash {got_hash}",
            got.count
        ));
    }
}

#[test]
fn predicates_match_cpython_on_every_code_point() {
    let expected = fixture("checksums.json");
    let preds: [CpPred; 16] = [
        ("alpha", unicode::is_alpha),
        ("decimal", unicode::is_decimal),
        ("digit", unicode::is_digit),
        ("numeric", unicode::is_numeric),
        ("space", unicode::is_space),
        ("alnum", unicode::is_alnum),
        ("lower", unicode::is_lower),
        ("upper", unicode::is_upper),
        ("title", unicode::is_title),
        ("cased", unicode::is_cased),
        ("case_ignorable", unicode::is_case_ignorable),
        ("linebreak", unicode::is_linebreak),
        ("xid_start", unicode::is_xid_start),
        ("xid_continue", unicode::is_xid_continue),
        ("printable", unicode::is_printable),
        ("identifier_1", |cp| {
            unicode::str_isidentifier(std::iter::once(cp))
        }),
    ];
    let mut failures = Vec::new();
    let mut counts = BTreeMap::new();
    for (name, pred) in preds {
        let mut h = Fnv::new();
        for cp in 0..NCP {
            if pred(cp) {
                h.item(&[cp]);
            }
        }
        counts.insert(name, h.count);
        check(&expected, name, &h, &mut failures);
    }
    eprintln!("predicate counts: {counts:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn case_mappings_match_cpython_on_every_code_point() {
    let expected = fixture("checksums.json");
    let maps: [CpMap; 4] = [
        ("to_lower", unicode::to_lower),
        ("to_upper", unicode::to_upper),
        ("to_title", unicode::to_title),
        ("casefold", unicode::casefold),
    ];
    let mut failures = Vec::new();
    for (name, map) in maps {
        let mut h = Fnv::new();
        for cp in 0..NCP {
            let m = map(cp);
            if m.as_slice() != [cp] {
                h.words(&[cp, m.len() as u32]);
                h.item(m.as_slice());
            }
        }
        check(&expected, name, &h, &mut failures);
    }
    let mut h = Fnv::new();
    for cp in 0..NCP {
        let m = unicode::simple_lower(cp);
        if m != cp {
            h.item(&[cp, 1, m]);
        }
    }
    check(&expected, "simple_lower", &h, &mut failures);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn numeric_values_match_cpython_on_every_code_point() {
    let expected = fixture("checksums.json");
    let values: [CpValue; 3] = [
        ("decimal_value", |cp| {
            unicode::decimal_value(cp).map(f64::from)
        }),
        ("digit_value", |cp| unicode::digit_value(cp).map(f64::from)),
        ("numeric_value", unicode::numeric_value),
    ];
    let mut failures = Vec::new();
    for (name, value) in values {
        let mut h = Fnv::new();
        for cp in 0..NCP {
            if let Some(v) = value(cp) {
                let bits = v.to_bits();
                h.item(&[cp, bits as u32, (bits >> 32) as u32]);
            }
        }
        check(&expected, name, &h, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn cps(v: &Value) -> Vec<u32> {
    v.as_str()
        .expect("fixture string")
        .chars()
        .map(u32::from)
        .collect()
}

fn show(v: &[u32]) -> String {
    v.iter()
        .map(|&c| char::from_u32(c).map_or_else(|| format!("\\u{{{c:x}}}"), String::from))
        .collect()
}

#[test]
fn string_methods_match_cpython() {
    let cases = fixture("strings.json");
    let cases = cases.as_array().expect("array of cases");
    assert!(cases.len() > 2000, "{} cases", cases.len());
    let methods: [StrMethod; 6] = [
        ("lower", unicode::str_lower),
        ("upper", unicode::str_upper),
        ("title", unicode::str_title),
        ("capitalize", unicode::str_capitalize),
        ("swapcase", unicode::str_swapcase),
        ("casefold", unicode::str_casefold),
    ];
    let preds: [StrPred; 11] = [
        ("isupper", |s| unicode::str_isupper(s.iter().copied())),
        ("islower", |s| unicode::str_islower(s.iter().copied())),
        ("istitle", |s| unicode::str_istitle(s.iter().copied())),
        ("isspace", |s| unicode::str_isspace(s.iter().copied())),
        ("isalpha", |s| unicode::str_isalpha(s.iter().copied())),
        ("isalnum", |s| unicode::str_isalnum(s.iter().copied())),
        ("isdecimal", |s| unicode::str_isdecimal(s.iter().copied())),
        ("isdigit", |s| unicode::str_isdigit(s.iter().copied())),
        ("isnumeric", |s| unicode::str_isnumeric(s.iter().copied())),
        ("isidentifier", |s| {
            unicode::str_isidentifier(s.iter().copied())
        }),
        ("isprintable", |s| {
            unicode::str_isprintable(s.iter().copied())
        }),
    ];
    let mut failures = Vec::new();
    let mut checks = 0usize;
    for case in cases {
        let s = cps(&case[0]);
        for (k, (name, method)) in methods.iter().enumerate() {
            let want = cps(&case[k + 1]);
            let got = method(&s);
            checks += 1;
            if got != want {
                failures.push(format!(
                    "{:?}.{name}(): CPython {:?}, pycvm {:?}",
                    show(&s),
                    show(&want),
                    show(&got)
                ));
            }
        }
        let flags: Vec<bool> = case[7]
            .as_str()
            .expect("flags")
            .chars()
            .map(|c| c == '1')
            .collect();
        for ((name, pred), &want) in preds.iter().zip(&flags) {
            checks += 1;
            if pred(&s) != want {
                failures.push(format!("{:?}.{name}(): CPython {want}", show(&s)));
            }
        }
        let want_lines: Vec<Vec<u32>> =
            case[8].as_array().expect("lines").iter().map(cps).collect();
        let got_lines: Vec<Vec<u32>> = unicode::splitlines(&s, true)
            .into_iter()
            .map(|r| s[r].to_vec())
            .collect();
        checks += 1;
        if got_lines != want_lines {
            failures.push(format!("{:?}.splitlines(True) differs", show(&s)));
        }
    }
    eprintln!("{} strings, {checks} checks", cases.len());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
