//! `repr` and `hash` of marshal constants against CPython 3.11
//! (fixtures/repr/constants.json, made by scripts/gen_repr_fixtures.py with
//! PYTHONHASHSEED=0).

use pycvm::pyc::marshal;
use pycvm::pyc::repr::hash_obj;
use pycvm::pyc::repr::repr;
use pycvm::pyc::Obj;

struct Entry {
    data: Vec<u8>,
    repr: String,
    hash: Option<i64>,
}

fn entries() -> Vec<Entry> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/repr/constants.json");
    let text = std::fs::read_to_string(path).expect("fixture");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    json["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            let hex = e["marshal"].as_str().expect("marshal");
            let data = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                .collect();
            Entry {
                data,
                repr: e["repr"].as_str().expect("repr").to_string(),
                hash: e["hash"].as_i64(),
            }
        })
        .collect()
}

fn load(data: &[u8]) -> Obj {
    marshal::loads(data).expect("marshal")
}

/// Mask code object addresses as the generator does.
fn mask_addrs(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(" at 0x") {
        out.push_str(&rest[..i + 6]);
        rest = &rest[i + 6..];
        let end = rest
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(rest.len());
        out.push_str("ADDR");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn repr_matches_cpython() {
    let entries = entries();
    let mut failures = Vec::new();
    for e in &entries {
        let got = mask_addrs(&repr(&load(&e.data)));
        if got != e.repr {
            failures.push(format!("expected {}\n     got {}", e.repr, got));
        }
    }
    eprintln!(
        "repr: {}/{} match CPython 3.11",
        entries.len() - failures.len(),
        entries.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn hash_matches_cpython() {
    let entries = entries();
    let mut failures = Vec::new();
    let mut checked = 0;
    for e in &entries {
        let Some(want) = e.hash else { continue };
        checked += 1;
        let got = hash_obj(&load(&e.data));
        if got != Ok(want) {
            failures.push(format!("{}: expected {want}, got {got:?}", e.repr));
        }
    }
    eprintln!(
        "hash: {}/{} match CPython 3.11",
        checked - failures.len(),
        checked
    );
    assert!(checked > 500);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn nan_hash_is_per_object_and_stable() {
    let a = load(&[b'g', 0, 0, 0, 0, 0, 0, 0xf8, 0x7f]);
    let b = load(&[b'g', 0, 0, 0, 0, 0, 0, 0xf8, 0x7f]);
    assert_eq!(hash_obj(&a), hash_obj(&a));
    assert_ne!(hash_obj(&a), hash_obj(&b));
}

#[test]
fn deep_nesting_does_not_overflow() {
    // marshal allows nesting up to 2000 levels.
    use pycvm::pyc::Object;
    let nest = || {
        let mut o = Obj::new(Object::Tuple(vec![]));
        for _ in 0..2000 {
            o = Obj::new(Object::Tuple(vec![o]));
        }
        o
    };
    let (o, other) = (nest(), nest());
    let text = repr(&o);
    assert!(text.starts_with("(((") && text.ends_with(",),)"));
    assert!(hash_obj(&o).is_ok());
    assert!(pycvm::pyc::repr::py_eq(&o, &other));
}
