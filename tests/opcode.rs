//! The opcode table against CPython 3.11's `opcode`/`dis` modules
//! (fixtures/dis/opcodes.json, written by scripts/gen_dis_fixtures.py).

use pycvm::pyc::opcode::{self, ArgKind, Op};
use serde_json::Value;

fn fixture() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/dis/opcodes.json"
    ))
    .expect("fixtures/dis/opcodes.json");
    serde_json::from_str(&text).expect("valid JSON")
}

fn kinds_of(op: Op) -> Vec<&'static str> {
    let mut k = Vec::new();
    if op.has_const() {
        k.push("hasconst");
    }
    if op.has_name() {
        k.push("hasname");
    }
    if op.has_jrel() {
        k.push("hasjrel");
    }
    if op.has_jabs() {
        k.push("hasjabs");
    }
    if op.has_local() {
        k.push("haslocal");
    }
    if op.has_compare() {
        k.push("hascompare");
    }
    if op.has_free() {
        k.push("hasfree");
    }
    k
}

#[test]
fn every_opcode_matches_opmap() {
    let fx = fixture();
    let ops = fx["opcodes"].as_array().unwrap();
    assert_eq!(
        ops.len(),
        Op::ALL.len(),
        "number of opcodes in opcode.opmap"
    );
    for o in ops {
        let name = o["name"].as_str().unwrap();
        let num = o["opcode"].as_u64().unwrap() as u8;
        let op = Op::from_u8(num).unwrap_or_else(|| panic!("missing opcode {num} {name}"));
        assert_eq!(op.name(), name);
        assert_eq!(Op::from_name(name), Some(op));
        assert_eq!(op.number(), num);
        assert_eq!(
            op.caches() as u64,
            o["caches"].as_u64().unwrap(),
            "{name} caches"
        );
        assert_eq!(
            op.has_arg(),
            o["has_arg"].as_bool().unwrap(),
            "{name} has_arg"
        );
        assert_eq!(
            op.has_arg(),
            op.arg_kind() != ArgKind::None,
            "{name} arg kind"
        );
        let kinds: Vec<&str> = o["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect();
        assert_eq!(kinds_of(op), kinds, "{name} kinds");
    }
    for b in 0..=255u8 {
        if let Some(op) = Op::from_u8(b) {
            assert!(
                ops.iter().any(|o| o["opcode"] == b as u64),
                "{op} not in opmap"
            );
        }
    }
    assert_eq!(fx["have_argument"], opcode::HAVE_ARGUMENT as u64);
    assert_eq!(fx["extended_arg"], Op::ExtendedArg.number() as u64);
}

#[test]
fn every_stack_effect_matches() {
    let fx = fixture();
    let mut checked = 0;
    for o in fx["opcodes"].as_array().unwrap() {
        let name = o["name"].as_str().unwrap();
        let op = Op::from_name(name).unwrap();
        for (arg, row) in o["stack_effect"].as_object().unwrap() {
            let oparg = if arg == "none" {
                None
            } else {
                Some(arg.parse::<i64>().unwrap() as i32)
            };
            for (jump, want) in [None, Some(true), Some(false)]
                .into_iter()
                .zip(row.as_array().unwrap())
            {
                let got = match op.stack_effect(oparg, jump) {
                    Ok(v) => Value::from(v),
                    Err(e) => Value::from(format!("error: {e}")),
                };
                assert_eq!(&got, want, "{name} oparg={arg} jump={jump:?}");
                checked += 1;
            }
        }
    }
    assert!(checked > 3000, "checked {checked}");
}

#[test]
fn tables_match_dis() {
    let fx = fixture();
    let cmp: Vec<&str> = fx["cmp_op"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(cmp, opcode::CMP_OP);
    let nb = fx["nb_ops"].as_array().unwrap();
    assert_eq!(nb.len(), opcode::NB_OPS.len());
    for (want, got) in nb.iter().zip(opcode::NB_OPS) {
        assert_eq!(want[0], got.0);
        assert_eq!(want[1], got.1);
    }
    let spec = fx["specialized"].as_array().unwrap();
    assert_eq!(spec.len(), opcode::SPECIALIZED.len());
    for (want, got) in spec.iter().zip(opcode::SPECIALIZED) {
        assert_eq!(want["name"], got.0);
        assert_eq!(want["opcode"], got.1 as u64);
        assert_eq!(want["base"], got.2.name());
    }
    let all = fx["all_opname"].as_array().unwrap();
    for (b, want) in all.iter().enumerate() {
        assert_eq!(
            want.as_str().unwrap(),
            opcode::all_opname(b as u8),
            "opname {b}"
        );
    }
}

#[test]
fn deopt_code_matches_cpython() {
    // CPython 3.11: code.replace(co_code=bytes([151,0, 255,5, 4,7, 1,0,
    // 144,1,144,2, 100,3, 83,0])).co_code
    let raw = [151, 0, 255, 5, 4, 7, 1, 0, 144, 1, 144, 2, 100, 3, 83, 0];
    let want = b"\x97\x00\x00\x05z\x07\x00\x00\x90\x01\x90\x02d\x03S\x00";
    assert_eq!(opcode::deopt_code(&raw), want);
    // Truncated cache entries do not panic.
    assert_eq!(opcode::deopt_code(&[116, 1]), vec![116, 1]);
    assert_eq!(opcode::deopt_code(&[116]), vec![116]);
}
