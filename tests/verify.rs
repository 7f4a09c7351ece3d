//! The bytecode verifier accepts every code object CPython 3.11 compiled
//! (the fixtures, and the whole installed stdlib when there is one) and
//! rejects damaged bytecode with a clear error instead of running it.

use pycvm::pyc::dis::all_code_objects;
use pycvm::pyc::{load_pyc, CodeObject};
use pycvm::vm::verify::verify;

fn verify_all(co: &CodeObject) -> Result<usize, String> {
    let all = all_code_objects(co);
    for c in &all {
        verify(c).map_err(|e| e.to_string())?;
    }
    Ok(all.len())
}

/// `co` with its bytecode (and, when given, exception table and stack
/// size) replaced.
fn with_code(
    co: &CodeObject,
    code: Vec<u8>,
    table: Option<Vec<u8>>,
    stacksize: Option<i32>,
) -> CodeObject {
    CodeObject {
        code: pycvm::pyc::Obj::new(pycvm::pyc::Object::Bytes(code)),
        consts: co.consts.clone(),
        names: co.names.clone(),
        localsplusnames: co.localsplusnames.clone(),
        localspluskinds: co.localspluskinds.clone(),
        filename: co.filename.clone(),
        name: co.name.clone(),
        qualname: co.qualname.clone(),
        linetable: co.linetable.clone(),
        exceptiontable: match table {
            Some(t) => pycvm::pyc::Obj::new(pycvm::pyc::Object::Bytes(t)),
            None => co.exceptiontable.clone(),
        },
        stacksize: stacksize.unwrap_or(co.stacksize),
        ..*co
    }
}

fn pycs_under(dir: &str) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "pyc"))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn fixtures_verify() {
    let mut count = 0;
    for dir in ["fixtures/run", "fixtures/dis"] {
        for p in pycs_under(dir) {
            if p.ends_with("crafted.pyc") {
                continue; // hand-made bytecode that is meant to be odd
            }
            let data = std::fs::read(&p).unwrap();
            let (_, obj) = load_pyc(&data).unwrap();
            count += verify_all(obj.as_code().unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        }
    }
    println!("{count} fixture code objects verified");
    assert!(count > 1000);
}

#[test]
fn stdlib_verifies() {
    let Some(dir) = pycvm::import::stdlib::find_stdlib(None).found else {
        println!("SKIPPED: no CPython 3.11 stdlib found");
        return;
    };
    let mut count = 0;
    let mut files = 0;
    for p in pycvm::import::stdlib::stdlib_pycs(&dir) {
        let Ok(data) = std::fs::read(&p) else {
            continue;
        };
        let Ok((_, obj)) = load_pyc(&data) else {
            continue;
        };
        count +=
            verify_all(obj.as_code().unwrap()).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        files += 1;
    }
    println!("stdlib: {count} code objects in {files} files verified");
}

#[test]
fn damaged_bytecode_is_rejected() {
    let data = std::fs::read("fixtures/run/prog_calculator.pyc")
        .or_else(|_| std::fs::read("fixtures/dis/basics.pyc"))
        .unwrap();
    let (_, obj) = load_pyc(&data).unwrap();
    let co = obj.as_code().unwrap();
    let mut rejected = 0;
    // Flip opcode and argument bytes one at a time: each result either
    // still verifies or is rejected with a message; nothing panics.
    let code = co.code().to_vec();
    for i in 0..code.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut c = code.clone();
            c[i] ^= flip;
            let damaged = with_code(co, c, None, None);
            if let Err(e) = verify(&damaged) {
                assert!(e.to_string().starts_with("bad bytecode in code object"));
                rejected += 1;
            }
        }
    }
    println!("{rejected} damaged variants rejected");
    assert!(rejected > 0);
}

/// An instruction that reads more values than the stack holds is refused,
/// including builders whose net effect (items in, one result out) pops
/// one fewer than they read: the eval loop reads those slots unchecked.
#[test]
fn reading_below_the_stack_is_rejected() {
    use pycvm::pyc::opcode::Op;
    let data = std::fs::read("fixtures/run/prog_calculator.pyc")
        .or_else(|_| std::fs::read("fixtures/dis/basics.pyc"))
        .unwrap();
    let (_, obj) = load_pyc(&data).unwrap();
    let co = obj.as_code().unwrap();
    let body = |values: u8, op: Op, arg: u8| -> Vec<u8> {
        let mut c = vec![Op::Resume as u8, 0];
        for _ in 0..values {
            c.extend([Op::LoadConst as u8, 0]);
        }
        c.extend([op as u8, arg, Op::ReturnValue as u8, 0]);
        c
    };
    // (values pushed, instruction, argument): each reads one more.
    let short = [
        (2, Op::BuildTuple, 3),
        (1, Op::BuildList, 2),
        (2, Op::BuildSet, 3),
        (2, Op::BuildString, 3),
        (1, Op::BuildSlice, 2),
        (1, Op::BuildMap, 1),
        (2, Op::BuildConstKeyMap, 2),
        (1, Op::MakeFunction, 8),
        (3, Op::CallFunctionEx, 1),
    ];
    for (values, op, arg) in short {
        for (n, refused) in [(values, true), (values + 1, false)] {
            let damaged = with_code(co, body(n, op, arg), Some(Vec::new()), Some(8));
            let r = verify(&damaged);
            assert_eq!(
                r.is_err(),
                refused,
                "{} {arg} with {n} values: {r:?}",
                op.name()
            );
            if let Err(e) = r {
                assert!(
                    e.to_string().contains("pops below the bottom of the stack"),
                    "{e}"
                );
            }
        }
    }
}
