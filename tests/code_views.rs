//! Line, position and exception tables against what CPython 3.11 reports
//! (`co_lines()`, `co_positions()`, `dis._parse_exception_table`) for every
//! code object of the fixture programs (fixtures/code/*.json, written by
//! scripts/gen_dis_fixtures.py).

use pycvm::pyc::code::{parse_exception_table, CodeObject, ExceptionTableEntry};
use pycvm::pyc::object::{Obj, Object, PyStr};
use serde_json::Value;

const PROGRAMS: &[&str] = &["basics", "control", "funcs", "constants", "big", "misc"];

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn bytes(b: Vec<u8>) -> Obj {
    Obj::new(Object::Bytes(b))
}

fn s(t: &str) -> Obj {
    Obj::new(Object::Str(PyStr::new(t, false)))
}

fn tuple() -> Obj {
    Obj::new(Object::Tuple(Vec::new()))
}

fn code_from(rec: &Value) -> CodeObject {
    CodeObject {
        argcount: 0,
        posonlyargcount: 0,
        kwonlyargcount: 0,
        stacksize: 0,
        flags: 0,
        code: bytes(unhex(rec["code"].as_str().unwrap())),
        consts: tuple(),
        names: tuple(),
        localsplusnames: tuple(),
        localspluskinds: bytes(Vec::new()),
        filename: s("x.py"),
        name: s(rec["qualname"].as_str().unwrap()),
        qualname: s(rec["qualname"].as_str().unwrap()),
        firstlineno: rec["firstlineno"].as_i64().unwrap() as i32,
        linetable: bytes(unhex(rec["linetable"].as_str().unwrap())),
        exceptiontable: bytes(unhex(rec["exceptiontable"].as_str().unwrap())),
    }
}

fn opt(v: &Value) -> Option<i32> {
    v.as_i64().map(|x| x as i32)
}

fn records(name: &str) -> Vec<Value> {
    let path = format!("{}/fixtures/code/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Value = serde_json::from_str(&text).unwrap();
    v["codes"].as_array().unwrap().clone()
}

#[test]
fn lines_match_co_lines() {
    let mut n = 0;
    for prog in PROGRAMS {
        for rec in records(prog) {
            let co = code_from(&rec);
            let got: Vec<(u32, u32, Option<i32>)> = co
                .lines()
                .iter()
                .map(|r| (r.start, r.end, r.line))
                .collect();
            let want: Vec<(u32, u32, Option<i32>)> = rec["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| {
                    (
                        t[0].as_u64().unwrap() as u32,
                        t[1].as_u64().unwrap() as u32,
                        opt(&t[2]),
                    )
                })
                .collect();
            assert_eq!(got, want, "{prog}: {}", rec["qualname"]);
            n += 1;
        }
    }
    assert!(n > 40, "{n} code objects");
}

#[test]
fn positions_match_co_positions() {
    for prog in PROGRAMS {
        for rec in records(prog) {
            let co = code_from(&rec);
            let mut want = Vec::new();
            for run in rec["positions_rle"].as_array().unwrap() {
                let p = (opt(&run[1]), opt(&run[2]), opt(&run[3]), opt(&run[4]));
                for _ in 0..run[0].as_u64().unwrap() {
                    want.push(p);
                }
            }
            let got: Vec<_> = co
                .positions()
                .iter()
                .map(|p| (p.line, p.end_line, p.col, p.end_col))
                .collect();
            assert_eq!(got.len(), want.len(), "{prog}: {}", rec["qualname"]);
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert_eq!(g, w, "{prog}: {} unit {i}", rec["qualname"]);
            }
            // addr2line / addr2location agree with the per-unit views.
            let step = if want.len() > 5000 { 97 } else { 1 };
            for (i, w) in want.iter().enumerate().step_by(step) {
                let off = (i * 2) as u32;
                let loc = co.addr2location(off);
                assert_eq!((loc.line, loc.end_line, loc.col, loc.end_col), *w);
                assert_eq!(co.addr2line(off), w.0);
            }
        }
    }
}

#[test]
fn exception_tables_match_dis() {
    let mut entries = 0;
    for prog in PROGRAMS {
        for rec in records(prog) {
            let co = code_from(&rec);
            let want: Vec<ExceptionTableEntry> = rec["exception_table"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| ExceptionTableEntry {
                    start: e[0].as_u64().unwrap(),
                    end: e[1].as_u64().unwrap(),
                    target: e[2].as_u64().unwrap(),
                    depth: e[3].as_u64().unwrap(),
                    lasti: e[4].as_bool().unwrap(),
                })
                .collect();
            entries += want.len();
            assert_eq!(co.exception_table(), want, "{prog}: {}", rec["qualname"]);
        }
    }
    assert!(entries > 20, "{entries} entries");
}

#[test]
fn damaged_tables_do_not_panic() {
    for prog in ["control", "funcs"] {
        for rec in records(prog) {
            let co = code_from(&rec);
            let lt = co.linetable().to_vec();
            let et = co.exceptiontable().to_vec();
            for cut in 0..lt.len() {
                let mut c = code_from(&rec);
                c.linetable = bytes(lt[..cut].to_vec());
                let lines = c.lines();
                // Every complete entry before the cut is still reported.
                assert!(lines.len() <= co.lines().len());
                let _ = c.positions();
                let _ = c.addr2line(0);
            }
            for cut in 0..et.len() {
                let got = parse_exception_table(&et[..cut]);
                let full = co.exception_table();
                assert!(got.len() <= full.len());
                assert_eq!(got[..], full[..got.len()]);
            }
        }
    }
    // Garbage and absurd varints.
    let junk: Vec<u8> = (0..=255).collect();
    let _ = parse_exception_table(&junk);
    let _ = parse_exception_table(&[0x7f; 64]);
    let mut c = code_from(&records("misc")[0]);
    c.linetable = bytes(junk);
    let _ = c.lines();
    let _ = c.positions();
    c.linetable = bytes(vec![
        0xf0 | 6,
        0x7f,
        0x7f,
        0x7f,
        0x7f,
        0x7f,
        0x7f,
        0x7f,
        0x01,
    ]);
    let _ = c.positions();
}
