//! The marshal reader and writer against CPython 3.11: fixtures made by
//! scripts/gen_marshal_fixtures.py (streams, python3.11's structural dump
//! of what each decodes to, the errors it raises), and, when an installed
//! CPython 3.11 is found, every .pyc body of its standard library.

use std::path::{Path, PathBuf};

use pycvm::pyc::marshal::{dumps, loads, loads_at, MarshalErrorKind, MAX_MARSHAL_STACK_DEPTH};
use pycvm::pyc::{Obj, Object};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/marshal")
}

fn load_json(name: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join(name)).expect("fixture json");
    serde_json::from_str(&text).expect("valid json")
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

fn float_bits(v: &Value) -> u64 {
    u64::from_str_radix(v.as_str().expect("bits"), 16).expect("hex bits")
}

fn items(v: &Value) -> &Vec<Value> {
    v["items"].as_array().expect("items")
}

/// Compare a decoded object with python3.11's structural dump.
fn check(o: &Obj, want: &Value, path: &str) -> Result<(), String> {
    let t = want["t"].as_str().expect("type name");
    let fail = || Err(format!("{path}: got {o:?}, CPython says {want}"));
    match (t, o.value()) {
        ("NoneType", Object::None) | ("ellipsis", Object::Ellipsis) => Ok(()),
        ("StopIteration", Object::StopIteration) => Ok(()),
        ("bool", Object::True) if want["v"] == Value::Bool(true) => Ok(()),
        ("bool", Object::False) if want["v"] == Value::Bool(false) => Ok(()),
        ("int", Object::Int(i)) if want["v"].as_str() == Some(&i.to_string()) => Ok(()),
        // A Long is only for values beyond i64.
        ("int", Object::Long(b))
            if want["v"].as_str() == Some(&b.to_string()) && i64::try_from(b.clone()).is_err() =>
        {
            Ok(())
        }
        ("float", Object::Float(f)) if f.to_bits() == float_bits(&want["bits"]) => Ok(()),
        ("complex", Object::Complex { re, im })
            if re.to_bits() == float_bits(&want["re"])
                && im.to_bits() == float_bits(&want["im"]) =>
        {
            Ok(())
        }
        ("str", Object::Str(s)) if s.as_wtf8() == unhex(want["wtf8"].as_str().unwrap_or("")) => {
            Ok(())
        }
        ("bytes", Object::Bytes(b)) if *b == unhex(want["hex"].as_str().unwrap_or("")) => Ok(()),
        ("tuple", Object::Tuple(xs))
        | ("list", Object::List(xs))
        | ("set", Object::Set(xs))
        | ("frozenset", Object::FrozenSet(xs)) => {
            let ws = items(want);
            if xs.len() != ws.len() {
                return fail();
            }
            for (i, (x, w)) in xs.iter().zip(ws).enumerate() {
                check(x, w, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        ("dict", Object::Dict(kvs)) => {
            let ws = items(want);
            if kvs.len() != ws.len() {
                return fail();
            }
            for (i, ((k, v), w)) in kvs.iter().zip(ws).enumerate() {
                check(k, &w[0], &format!("{path}.k{i}"))?;
                check(v, &w[1], &format!("{path}.v{i}"))?;
            }
            Ok(())
        }
        ("code", Object::Code(c)) => {
            let ints = [
                ("argcount", c.argcount),
                ("posonlyargcount", c.posonlyargcount),
                ("kwonlyargcount", c.kwonlyargcount),
                ("stacksize", c.stacksize),
                ("flags", c.flags),
                ("firstlineno", c.firstlineno),
            ];
            for (name, v) in ints {
                if want[name].as_i64() != Some(i64::from(v)) {
                    return Err(format!(
                        "{path}.{name}: got {v}, CPython says {}",
                        want[name]
                    ));
                }
            }
            let bytes = [
                ("code", c.code()),
                ("linetable", c.linetable()),
                ("exceptiontable", c.exceptiontable()),
            ];
            for (name, v) in bytes {
                if unhex(want[name].as_str().unwrap_or("")) != v {
                    return Err(format!("{path}.{name} differs"));
                }
            }
            check(&c.filename, &want["filename"], &format!("{path}.filename"))?;
            check(&c.name, &want["name"], &format!("{path}.name"))?;
            check(&c.qualname, &want["qualname"], &format!("{path}.qualname"))?;
            check(
                &c.consts,
                &tuple_dump(&want["consts"]),
                &format!("{path}.consts"),
            )?;
            check(
                &c.names,
                &tuple_dump(&want["names"]),
                &format!("{path}.names"),
            )?;
            let strs = |v: Vec<&pycvm::pyc::object::PyStr>| -> Vec<Vec<u8>> {
                v.into_iter().map(|s| s.as_wtf8().to_vec()).collect()
            };
            let want_strs = |name: &str| -> Vec<Vec<u8>> {
                want[name]
                    .as_array()
                    .expect("names")
                    .iter()
                    .map(|s| unhex(s["wtf8"].as_str().unwrap_or("")))
                    .collect()
            };
            if strs(c.varnames()) != want_strs("varnames")
                || strs(c.cellvars()) != want_strs("cellvars")
                || strs(c.freevars()) != want_strs("freevars")
            {
                return Err(format!("{path}: varnames/cellvars/freevars differ"));
            }
            Ok(())
        }
        _ => fail(),
    }
}

fn tuple_dump(items: &Value) -> Value {
    serde_json::json!({"t": "tuple", "items": items})
}

/// Follow a path of the generator's form (indexes, "k3"/"v3", "consts").
fn resolve<'a>(root: &'a Obj, path: &Value) -> &'a Obj {
    let mut o = root;
    for step in path.as_array().expect("path") {
        o = match (step, o.value()) {
            (Value::Number(n), Object::Tuple(xs) | Object::List(xs))
            | (Value::Number(n), Object::Set(xs) | Object::FrozenSet(xs)) => {
                &xs[n.as_u64().expect("index") as usize]
            }
            (Value::String(s), Object::Dict(kvs)) if s.starts_with('k') || s.starts_with('v') => {
                let i: usize = s[1..].parse().expect("dict index");
                if s.starts_with('k') {
                    &kvs[i].0
                } else {
                    &kvs[i].1
                }
            }
            (Value::String(s), Object::Code(c)) if s == "consts" => &c.consts,
            (Value::String(s), Object::Code(c)) if s == "names" => &c.names,
            _ => panic!("path {path} does not fit {root:?}"),
        };
    }
    o
}

#[test]
fn fixtures_decode_as_cpython_says_and_round_trip() {
    let cases = load_json("cases.json");
    let cases = cases["cases"].as_array().expect("cases");
    let mut failures = Vec::new();
    let (mut exact, mut identities) = (0, 0);
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let data = std::fs::read(fixtures().join(case["file"].as_str().expect("file")))
            .expect("stream file");
        let obj = match loads(&data) {
            Ok(o) => o,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        if let Err(e) = check(&obj, &case["value"], name) {
            failures.push(e);
        }
        for pair in case["identical"].as_array().expect("identical") {
            let (a, b) = (resolve(&obj, &pair[0]), resolve(&obj, &pair[1]));
            identities += 1;
            if !Obj::ptr_eq(a, b) {
                failures.push(format!(
                    "{name}: {} and {} are not one object",
                    pair[0], pair[1]
                ));
            }
        }
        let again = match dumps(&obj) {
            Ok(b) => b,
            Err(e) => {
                failures.push(format!("{name}: dumps: {e}"));
                continue;
            }
        };
        if case["by_dumps"] == Value::Bool(true) {
            exact += 1;
            if again != data {
                failures.push(format!("{name}: dumps(loads(x)) != x"));
            }
        }
        // Whatever we write must read back as the same value.
        match loads(&again) {
            Ok(o) => {
                if let Err(e) = check(&o, &case["value"], &format!("{name} (rewritten)")) {
                    failures.push(e);
                }
            }
            Err(e) => failures.push(format!("{name}: rewritten stream: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!(
        "{} fixtures decoded as CPython says; {exact} written back byte for byte; {identities} shared objects",
        cases.len()
    );
    assert!(cases.len() > 100 && exact > 80 && identities > 10);
}

/// Our message, without the offset and without the type code CPython
/// does not print.
fn normalized(e: &pycvm::pyc::marshal::MarshalError) -> String {
    match &e.kind {
        MarshalErrorKind::UnknownType(_) => "bad marshal data (unknown type code)".to_string(),
        k => k.to_string(),
    }
}

#[test]
fn malformed_streams_fail_as_cpython_does() {
    let errors = load_json("errors.json");
    let errors = errors["errors"].as_array().expect("errors");
    let mut failures = Vec::new();
    for case in errors {
        let name = case["name"].as_str().expect("name");
        let data = unhex(case["hex"].as_str().expect("hex"));
        let cpython = case["message"].as_str().expect("message");
        match loads(&data) {
            Ok(o) => failures.push(format!("{name}: decoded {o:?}, CPython says {cpython}")),
            Err(e) => {
                let ours = normalized(&e);
                if case["same_wording"] == Value::Bool(true) && !ours.contains(cpython) {
                    failures.push(format!("{name}: we say {ours:?}, CPython says {cpython:?}"));
                }
                assert!(e.to_string().ends_with(&format!(" at byte {}", e.offset)));
                assert!(
                    e.offset <= data.len(),
                    "{name}: offset {} past the end",
                    e.offset
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(errors.len() > 30);
}

#[test]
fn error_messages_and_offsets() {
    let e = loads(b"(\x02\x00\x00\x00N\x01").unwrap_err();
    assert_eq!(
        e.to_string(),
        "bad marshal data (unknown type code 0x01) at byte 6"
    );
    let e = loads_at(b"(\x02\x00\x00\x00N\x01", 16).unwrap_err();
    assert_eq!(e.offset, 22);
    assert_eq!(
        e.to_string(),
        "bad marshal data (unknown type code 0x01) at byte 22"
    );
    let e = loads(b")\x02)\x01N").unwrap_err();
    assert_eq!(e.to_string(), "EOF read where object expected at byte 5");
    let e = loads(b")\x01r\x00\x00\x00\x00").unwrap_err();
    assert_eq!(e.kind, MarshalErrorKind::InvalidReference);
    assert_eq!(e.offset, 3);
    // A length beyond what remains reads on to EOF (CPython 3.11:
    // EOFError "EOF read where object expected"), allocating nothing big.
    let e = loads(b"(\xff\xff\xff\x7fN").unwrap_err();
    assert_eq!(e.to_string(), "EOF read where object expected at byte 6");
    let e = loads(b"s\x00\x00\x00\x80").unwrap_err();
    assert_eq!(
        e.to_string(),
        "bad marshal data (bytes object size out of range) at byte 1"
    );
}

#[test]
fn refs_are_shared_handles_and_flags_are_kept() {
    // [s, s] with s a flagged short ASCII string: the second is a TYPE_REF.
    let data = b"[\x02\x00\x00\x00\xfa\x03abcr\x00\x00\x00\x00";
    let obj = loads(data).expect("decodes");
    let Object::List(xs) = obj.value() else {
        panic!("not a list")
    };
    assert!(Obj::ptr_eq(&xs[0], &xs[1]));
    assert!(xs[0].ref_flag());
    assert!(!obj.ref_flag());
    assert_eq!(dumps(&obj).expect("dumps"), data);
}

/// Run `f` on a thread with the 2 MiB stack Rust test threads get.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("thread")
        .join()
        .expect("no stack overflow");
}

#[test]
fn nesting_up_to_cpythons_limit_works_on_a_2mib_stack() {
    on_small_stack(|| {
        let depth = MAX_MARSHAL_STACK_DEPTH - 1;
        let mut data = b")\x01".repeat(depth);
        data.push(b'N');
        let obj = loads(&data).expect("1999 tuples and a leaf decode");
        assert_eq!(dumps(&obj).expect("and write back"), data);
        let mut lists = b"[\x01\x00\x00\x00".repeat(depth);
        lists.push(b'N');
        assert!(loads(&lists).is_ok());
        data.insert(0, b')');
        data.insert(1, 1);
        let e = loads(&data).unwrap_err();
        assert_eq!(e.kind, MarshalErrorKind::RecursionLimit);
        assert_eq!(e.offset, 2 * MAX_MARSHAL_STACK_DEPTH);
        // The writer has the same limit.
        let mut deep = Obj::new(Object::None);
        for _ in 0..MAX_MARSHAL_STACK_DEPTH {
            deep = Obj::new(Object::Tuple(vec![deep]));
        }
        let e = dumps(&deep).unwrap_err();
        assert_eq!(e.kind, MarshalErrorKind::NestedTooDeep);
    });
}

#[test]
fn ints_pick_int_or_long_like_cpython() {
    let cases: [(i64, &[u8]); 4] = [
        (5, b"i\x05\x00\x00\x00"),
        (-1, b"i\xff\xff\xff\xff"),
        (1 << 31, b"l\x03\x00\x00\x00\x00\x00\x00\x00\x02\x00"),
        (-(1 << 31) - 1, b"l\xfd\xff\xff\xff\x01\x00\x00\x00\x02\x00"),
    ];
    for (v, want) in cases {
        assert_eq!(dumps(&Obj::new(Object::Int(v))).unwrap(), want, "{v}");
        assert!(matches!(loads(want).unwrap().value(), Object::Int(x) if *x == v));
    }
    let min = dumps(&Obj::new(Object::Int(i64::MIN))).unwrap();
    assert!(matches!(
        loads(&min).unwrap().value(),
        Object::Int(i64::MIN)
    ));
}

// ---------------------------------------------------------------------------
// The installed CPython 3.11 standard library.

#[test]
fn stdlib_bodies_decode_and_round_trip() {
    let Some(dir) = pycvm::import::stdlib::find_stdlib(None).found else {
        println!("SKIPPED: no CPython 3.11 stdlib found");
        return;
    };
    let files = pycvm::import::stdlib::stdlib_pycs(&dir);
    if files.is_empty() {
        println!(
            "SKIPPED: no CPython 3.11 stdlib .pyc files under {}",
            dir.display()
        );
        return;
    }
    let mut failures = Vec::new();
    let mut bytes = 0;
    for f in &files {
        let data = std::fs::read(f).expect("read pyc");
        let Some(body) = data.get(16..) else {
            failures.push(format!("{}: shorter than a header", f.display()));
            continue;
        };
        bytes += body.len();
        match loads_at(body, 16) {
            Err(e) => failures.push(format!("{}: {e}", f.display())),
            Ok(obj) => {
                if obj.as_code().is_none() {
                    failures.push(format!("{}: not a code object", f.display()));
                }
                match dumps(&obj) {
                    Ok(again) if again == body => {}
                    Ok(again) => {
                        let at = again.iter().zip(body).position(|(a, b)| a != b);
                        failures.push(format!(
                            "{}: round trip differs (first at body byte {at:?}, lengths {} / {})",
                            f.display(),
                            again.len(),
                            body.len()
                        ));
                    }
                    Err(e) => failures.push(format!("{}: dumps: {e}", f.display())),
                }
            }
        }
    }
    println!(
        "stdlib {}: {} .pyc bodies ({bytes} bytes) decoded and written back byte for byte",
        dir.display(),
        files.len() - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
