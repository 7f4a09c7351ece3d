//! The regular-expression engine (src/sre/) against CPython 3.11.
//!
//! Fixtures are written by `scripts/gen_sre_fixtures.py` with python3.11:
//! - constants.json: MAGIC, MAXREPEAT, the opcode/AT/CATEGORY numbering;
//! - cases.json: patterns compiled by `re._compiler._code`, and for each subject what
//!   `match`/`search`/`fullmatch` (at several pos/endpos) and `finditer` return;
//! - validate.json: code lists (valid and damaged) and whether `_sre.compile` accepts them.

use pycvm::sre::constants::{at, category, op, CODESIZE, MAGIC, MAXGROUPS, MAXREPEAT};
use pycvm::sre::{Match, Pattern, SreError};
use serde_json::Value;
use std::path::Path;

fn load(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/sre")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn u32s(v: &Value) -> Vec<u32> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_u64().expect("int") as u32)
        .collect()
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_str().expect("str").to_string())
        .collect()
}

#[test]
fn constants_match_cpython() {
    let c = load("constants.json");
    assert_eq!(c["MAGIC"].as_u64(), Some(u64::from(MAGIC)));
    assert_eq!(c["MAXREPEAT"].as_u64(), Some(u64::from(MAXREPEAT)));
    assert_eq!(c["MAXGROUPS"].as_u64(), Some(u64::from(MAXGROUPS)));
    assert_eq!(c["CODESIZE"].as_u64(), Some(u64::from(CODESIZE)));
    assert_eq!(names(&c["OPCODES"]), op::NAMES.to_vec());
    assert_eq!(names(&c["ATCODES"]), at::NAMES.to_vec());
    assert_eq!(names(&c["CHCODES"]), category::NAMES.to_vec());
    // spot-check the named constants against the name tables
    assert_eq!(
        op::NAMES[op::POSSESSIVE_REPEAT_ONE as usize],
        "POSSESSIVE_REPEAT_ONE"
    );
    assert_eq!(op::NAMES[op::RANGE_UNI_IGNORE as usize], "RANGE_UNI_IGNORE");
    assert_eq!(
        op::NAMES[op::GROUPREF_LOC_IGNORE as usize],
        "GROUPREF_LOC_IGNORE"
    );
    assert_eq!(
        at::NAMES[at::UNI_NON_BOUNDARY as usize],
        "AT_UNI_NON_BOUNDARY"
    );
    assert_eq!(
        category::NAMES[category::UNI_NOT_LINEBREAK as usize],
        "CATEGORY_UNI_NOT_LINEBREAK"
    );
    let flags = &c["FLAGS"];
    use pycvm::sre::constants::{flag, info};
    for (name, v) in [
        ("SRE_FLAG_TEMPLATE", flag::TEMPLATE),
        ("SRE_FLAG_IGNORECASE", flag::IGNORECASE),
        ("SRE_FLAG_LOCALE", flag::LOCALE),
        ("SRE_FLAG_MULTILINE", flag::MULTILINE),
        ("SRE_FLAG_DOTALL", flag::DOTALL),
        ("SRE_FLAG_UNICODE", flag::UNICODE),
        ("SRE_FLAG_VERBOSE", flag::VERBOSE),
        ("SRE_FLAG_DEBUG", flag::DEBUG),
        ("SRE_FLAG_ASCII", flag::ASCII),
        ("SRE_INFO_PREFIX", info::PREFIX),
        ("SRE_INFO_LITERAL", info::LITERAL),
        ("SRE_INFO_CHARSET", info::CHARSET),
    ] {
        assert_eq!(flags[name].as_u64(), Some(u64::from(v)), "{name}");
    }
}

/// The fixture's encoding of a result: null, or [lastindex, start0, end0, start1, ...].
fn encode(m: &Result<Option<Match>, SreError>, groups: usize) -> Value {
    match m {
        Err(e) => Value::String(format!("error: {e}")),
        Ok(None) => Value::Null,
        Ok(Some(m)) => {
            let mut out = vec![m.lastindex.map_or(-1, |i| i as i64)];
            for g in 0..=groups {
                match m.span(g) {
                    Some((a, b)) => out.extend([a as i64, b as i64]),
                    None => out.extend([-1, -1]),
                }
            }
            Value::from(out)
        }
    }
}

#[test]
fn engine_matches_cpython() {
    let fixture = load("cases.json");
    let cases = fixture["cases"].as_array().expect("cases");
    let (mut total, mut passed) = (0usize, 0usize);
    let mut failures = Vec::new();
    for case in cases {
        let code = u32s(&case["code"]);
        let groups = case["groups"].as_u64().expect("groups") as usize;
        let flags = case["flags"].as_u64().expect("flags") as u32;
        let pattern = case["pattern"].as_str().unwrap_or("?");
        let p = match Pattern::new(code, groups, flags) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{pattern}: compile: {e}"));
                total += 1;
                continue;
            }
        };
        for subject in case["subjects"].as_array().expect("subjects") {
            let s = u32s(&subject["s"]);
            let shown: String = s
                .iter()
                .map(|&c| char::from_u32(c).unwrap_or('?'))
                .collect();
            for o in subject["ops"].as_array().expect("ops") {
                let kind = o[0].as_str().expect("kind");
                let pos = o[1].as_i64().expect("pos") as isize;
                let endpos = o[2].as_i64().map_or(isize::MAX, |e| e as isize);
                let got = match kind {
                    "m" => p.match_at(&s, pos, endpos),
                    "s" => p.search(&s, pos, endpos),
                    _ => p.fullmatch(&s, pos, endpos),
                };
                let got = encode(&got, groups);
                total += 1;
                if got == o[3] {
                    passed += 1;
                } else {
                    failures.push(format!(
                        "{pattern} flags={flags} {kind}({shown:?}, {pos}, {endpos}): got {got}, want {}",
                        o[3]
                    ));
                }
            }
            let mut got = Vec::new();
            for m in p.scanner(&s, 0, isize::MAX) {
                got.push(encode(&m.map(Some), groups));
                if got.len() > 2 * s.len() + 2 {
                    break;
                }
            }
            let got = Value::from(got);
            total += 1;
            if got == subject["finditer"] {
                passed += 1;
            } else {
                failures.push(format!(
                    "{pattern} flags={flags} finditer({shown:?}): got {got}, want {}",
                    subject["finditer"]
                ));
            }
        }
    }
    println!(
        "sre engine: {passed}/{total} checks pass ({} patterns)",
        cases.len()
    );
    for f in failures.iter().take(40) {
        println!("FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} of {total} checks failed",
        failures.len()
    );
}

#[test]
fn validation_matches_cpython() {
    let fixture = load("validate.json");
    let cases = fixture["cases"].as_array().expect("cases");
    let mut failures = Vec::new();
    let s: Vec<u32> = "abcabc xyz\nAB".chars().map(|c| c as u32).collect();
    for case in cases {
        let code = u32s(&case["code"]);
        let groups = case["groups"].as_u64().expect("groups") as usize;
        let ours = Pattern::new(code.clone(), groups, 0);
        // Whatever was accepted must run without panicking.
        if let Ok(p) = &ours {
            for pos in [0, 3, 20] {
                let _ = p.match_at(&s, pos, isize::MAX);
                let _ = p.search(&s, pos, isize::MAX);
                let _ = p.fullmatch(&s, pos, isize::MAX);
            }
            let _ = p.scanner(&s, 0, isize::MAX).take(50).count();
        }
        match case["valid"].as_bool() {
            Some(valid) if valid != ours.is_ok() => failures.push(format!(
                "{code:?} groups={groups}: CPython valid={valid}, ours {ours:?}"
            )),
            // null: CPython 3.11 crashes on this code; we must merely not panic.
            _ => {}
        }
    }
    println!(
        "sre validation: {}/{} agree with CPython",
        cases.len() - failures.len(),
        cases.len()
    );
    for f in failures.iter().take(20) {
        println!("FAIL {f}");
    }
    assert!(failures.is_empty());
}

fn cps(s: &str) -> Vec<u32> {
    s.chars().map(|c| c as u32).collect()
}

/// re._compiler._code(_parser.parse(p, 0), 0) under CPython 3.11, for '(a|b)*',
/// '(a|b)*c' and '(?:ab)*?$'.
const A_OR_B_STAR: [u32; 21] = [
    14, 4, 0, 0, 4294967295, 23, 13, 0, 4294967295, 17, 0, 13, 5, 22, 97, 98, 0, 17, 1, 18, 1,
];
const A_OR_B_STAR_C: [u32; 23] = [
    14, 4, 0, 1, 4294967295, 23, 13, 0, 4294967295, 17, 0, 13, 5, 22, 97, 98, 0, 17, 1, 18, 16, 99,
    1,
];
const AB_LAZY_END: [u32; 17] = [
    14, 4, 0, 0, 4294967295, 23, 7, 0, 4294967295, 16, 97, 16, 98, 19, 6, 5, 1,
];

#[test]
fn deep_backtracking_does_not_overflow_the_stack() {
    // One context per iteration, all on the heap: a million iterations of a group.
    let p = Pattern::new(A_OR_B_STAR.to_vec(), 1, 0).expect("valid");
    let n = 1_000_000;
    let s: Vec<u32> = (0..n)
        .map(|i| if i % 3 == 0 { 'b' as u32 } else { 'a' as u32 })
        .collect();
    let m = p
        .match_at(&s, 0, isize::MAX)
        .expect("no error")
        .expect("matches");
    assert_eq!(m.span(0), Some((0, n)));
    assert_eq!(m.span(1), Some((n - 1, n)));

    // A failing tail forces backtracking through every iteration.
    let p = Pattern::new(A_OR_B_STAR_C.to_vec(), 1, 0).expect("valid");
    let s: Vec<u32> = cps(&"ab".repeat(100_000));
    assert_eq!(p.match_at(&s, 0, isize::MAX), Ok(None));
    let mut s2 = s.clone();
    s2.push('c' as u32);
    let m = p.match_at(&s2, 0, isize::MAX).expect("ok").expect("match");
    assert_eq!(m.span(0), Some((0, s2.len())));
    assert_eq!(m.span(1), Some((s2.len() - 2, s2.len() - 1)));

    // A lazy repeat of a group, 100,000 iterations deep.
    let p = Pattern::new(AB_LAZY_END.to_vec(), 0, 0).expect("valid");
    let m = p.match_at(&s, 0, isize::MAX).expect("ok").expect("match");
    assert_eq!(m.span(0), Some((0, s.len())));
}

#[test]
fn malformed_code_is_an_error_not_a_panic() {
    // Truncations and corruptions of a valid program never panic, in validation or
    // (for the engine used without validation through State) in matching.
    let good: Vec<u32> = A_OR_B_STAR.to_vec();
    let s = cps("abba");
    for cut in 0..good.len() {
        let _ = Pattern::new(good[..cut].to_vec(), 1, 0);
        let mut st = pycvm::sre::State::new(&good[..cut], 1, &s, 0, isize::MAX);
        let _ = st.run(0, true);
        let mut st = pycvm::sre::State::new(&good[..cut], 1, &s, 0, isize::MAX);
        let _ = st.search();
    }
    for i in 0..good.len() {
        for v in [0, 1, 2, 7, 13, 18, 19, 23, 99, u32::MAX] {
            let mut c = good.clone();
            c[i] = v;
            let _ = Pattern::new(c.clone(), 1, 0);
            let mut st = pycvm::sre::State::new(&c, 1, &s, 0, isize::MAX);
            let _ = st.run(0, true);
            let mut st = pycvm::sre::State::new(&c, 0, &s, 1, isize::MAX);
            let _ = st.search();
        }
    }
    assert_eq!(
        Pattern::new(vec![op::MAX_UNTIL, op::SUCCESS], 0, 0),
        Err(SreError::InvalidCode)
    );
    let mut st = pycvm::sre::State::new(&[op::MAX_UNTIL, op::SUCCESS], 0, &s, 0, isize::MAX);
    assert_eq!(st.run(0, true), Err(SreError::Internal));
}

#[test]
fn case_helpers_match_cpython() {
    use pycvm::sre::{
        ascii_iscased, lower_unicode, unicode_iscased, unicode_tolower, upper_unicode,
    };
    assert_eq!(unicode_tolower(0x130), 0x69); // İ -> i (head of the full mapping)
    assert_eq!(upper_unicode(0xDF), 'S' as u32); // ß -> S
    assert_eq!(upper_unicode(0x17F), 'S' as u32); // ſ -> S
    assert_eq!(lower_unicode(0x212A), 'k' as u32); // Kelvin -> k
    assert_eq!(upper_unicode(0x1FB3), 0x391); // ᾳ -> Α
    assert!(unicode_iscased(0x149));
    assert!(!unicode_iscased('1' as u32));
    assert!(ascii_iscased('q' as u32) && !ascii_iscased(0xE9));
}
