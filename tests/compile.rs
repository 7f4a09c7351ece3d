//! The source compiler against CPython 3.11: every case in
//! fixtures/compile/cases.jsonl (made by scripts/gen_compile_cases.py) is
//! compiled by pycvm and run on the VM; eval cases compare the repr of
//! the result, exec cases the printed output, error cases the
//! SyntaxError's type, message, line and offset. Cases that import pure-Python
//! stdlib modules are skipped when no CPython stdlib is installed.

use std::path::Path;

use pycvm::compile::{compile_source, Mode};
use pycvm::objects::Payload;
use pycvm::vm::value::Value;
use pycvm::vm::Vm;

const PRELUDE: &str =
    "_out = []\ndef print(*a, sep=' ', end='\\n'):\n    _out.append(sep.join(map(str, a)) + end)\n";

struct Case {
    mode: String,
    src: String,
    out: String,
    compile_only: bool,
}

fn load_cases() -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/compile/cases.jsonl");
    let text = std::fs::read_to_string(path).expect("read cases.jsonl");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json case");
            Case {
                mode: v["mode"].as_str().unwrap_or("").to_string(),
                src: v["src"].as_str().unwrap_or("").to_string(),
                out: v["out"].as_str().unwrap_or("").to_string(),
                compile_only: v["compile_only"].as_bool().unwrap_or(false),
            }
        })
        .collect()
}

fn syntax_error_text(e: &pycvm::compile::CompileError) -> String {
    let kind = match e.kind {
        pycvm::compile::ErrorKind::Syntax => "SyntaxError",
        pycvm::compile::ErrorKind::Indentation => "IndentationError",
        pycvm::compile::ErrorKind::Tab => "TabError",
        pycvm::compile::ErrorKind::Memory => "MemoryError",
        pycvm::compile::ErrorKind::Recursion => "RecursionError",
    };
    format!("!{kind}: {} ({}, {})", e.msg, e.lineno, e.offset)
}

fn exc_text(vm: &mut Vm, e: &pycvm::vm::PyErr) -> String {
    let line = vm.exception_line(&e.0);
    let line = line.trim_end().to_string();
    if let Ok(Value::Obj(m)) = vm.getattr_str(&e.value(), "msg") {
        if let Payload::Str(s) = &m.payload {
            if line.starts_with("SyntaxError") || line.starts_with("IndentationError") {
                let ln = vm.getattr_str(&e.value(), "lineno").ok();
                let off = vm.getattr_str(&e.value(), "offset").ok();
                let f = |v: Option<Value>| match v {
                    Some(Value::Int(i)) => i.to_string(),
                    _ => "None".into(),
                };
                let kind = line.split(':').next().unwrap_or("");
                return format!("!{kind}: {} ({}, {})", s.as_str(), f(ln), f(off));
            }
        }
    }
    format!("!{line}")
}

fn run_case(vm: &mut Vm, c: &Case) -> String {
    let mode = if c.mode == "eval" {
        Mode::Eval
    } else {
        Mode::Exec
    };
    if c.compile_only {
        return match compile_source(&c.src, "<case>", mode) {
            Ok(_) => "compiled".into(),
            Err(e) => syntax_error_text(&e),
        };
    }
    let globals = vm.new_dict();
    let key = vm.new_str("__builtins__");
    let b = Value::Obj(vm.builtins.clone());
    let _ = vm.dict_set(&globals, key, b);
    if mode == Mode::Eval {
        let k = vm.new_str("x");
        let _ = vm.dict_set(&globals, k, Value::Int(7));
        let code = match vm.compile_text(&c.src, "<string>", Mode::Eval) {
            Ok(code) => code,
            Err(e) => return exc_text(vm, &e),
        };
        match vm.run_code(&code, globals.clone(), Some(Value::Obj(globals))) {
            Ok(v) => {
                let r = vm.repr(&v).unwrap_or_default();
                if r.contains("function") || r.contains("generator") {
                    format!("<{}>", vm.type_name_of(&v))
                } else {
                    r
                }
            }
            Err(e) => exc_text(vm, &e),
        }
    } else {
        let src = format!("{PRELUDE}{}", c.src);
        let res = vm
            .compile_text(&src, "<string>", Mode::Exec)
            .and_then(|code| {
                vm.run_code(&code, globals.clone(), Some(Value::Obj(globals.clone())))
            });
        let mut out = String::new();
        if let Some(v) = vm.dict_get_by_str_nocall(&globals, "_out") {
            if let Some(items) = vm.seq_items(&v) {
                for i in items {
                    out.push_str(&vm.str(&i).unwrap_or_default());
                }
            }
        }
        if let Err(e) = res {
            out.push_str(&exc_text(vm, &e));
            out.push('\n');
        }
        out
    }
}

#[test]
fn compile_cases_match_cpython() {
    let cases = load_cases();
    let handle = std::thread::Builder::new()
        .stack_size(1 << 28)
        .spawn(move || {
            let mut vm = Vm::new();
            let search = pycvm::import::stdlib::find_stdlib(None);
            let have_stdlib = search.found.is_some();
            vm.init_import_system(search, pycvm::import::bootstrap::MainPath::Cwd);
            let mut failures = Vec::new();
            let mut passed = 0;
            let mut skipped = 0;
            for c in &cases {
                if !have_stdlib && c.src.contains("import") {
                    skipped += 1;
                    continue;
                }
                let got = run_case(&mut vm, c);
                // SyntaxErrors compare type, message, line and offset.
                let ok = got == c.out;
                if ok {
                    passed += 1;
                } else {
                    failures.push(format!(
                        "--- {} case:\n{}\n--- expected:\n{}\n--- got:\n{}\n",
                        c.mode, c.src, c.out, got
                    ));
                }
            }
            (passed, skipped, failures)
        })
        .expect("spawn");
    let (passed, skipped, failures) = handle.join().expect("test thread");
    eprintln!(
        "compile cases: {passed} passed, {} failed, {skipped} skipped",
        failures.len()
    );
    for f in &failures {
        eprintln!("{f}");
    }
    assert!(
        failures.is_empty(),
        "{} compile cases failed",
        failures.len()
    );
}
