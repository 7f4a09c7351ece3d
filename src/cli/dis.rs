//! `pycvm dis FILE.pyc...`: print what CPython 3.11's `dis.dis` prints for
//! the module code object (or, with --json, the same data as JSON).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use pycvm::pyc::code::{CodeObject, Position};
use pycvm::pyc::dis::{self, DisOptions, Instruction};
use pycvm::pyc::repr::repr;
use pycvm::pyc::{load_pyc, Obj};
use serde_json::{json, Value};

#[derive(clap::Args)]
pub struct DisArgs {
    /// The .pyc files to disassemble.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Also list the inline CACHE entries (like dis.dis(show_caches=True)).
    #[arg(long)]
    pub show_caches: bool,
    /// Add a `line:col-end_line:end_col` column before each instruction.
    #[arg(long)]
    pub positions: bool,
    /// Print one JSON object per code object (one per line) instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn main(args: DisArgs) -> anyhow::Result<ExitCode> {
    let opts = DisOptions {
        show_caches: args.show_caches,
        positions: args.positions,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut status = ExitCode::SUCCESS;
    for path in &args.files {
        let data = match std::fs::read(path) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("pycvm dis: {}: cannot read: {e}", path.display());
                status = ExitCode::FAILURE;
                continue;
            }
        };
        let obj = match load_pyc(&data) {
            Ok((_, obj)) => obj,
            Err(e) => {
                // Every load error names its byte offset and what was expected.
                eprintln!("pycvm dis: {}: {e}", path.display());
                status = ExitCode::FAILURE;
                continue;
            }
        };
        let Some(co) = obj.as_code() else {
            continue;
        };
        let text = if args.json {
            let mut s = String::new();
            for c in dis::all_code_objects(co) {
                s.push_str(&code_json(c, opts.show_caches).to_string());
                s.push('\n');
            }
            s
        } else {
            dis::dis(co, opts)
        };
        if let Err(e) = out.write_all(text.as_bytes()) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(status);
            }
            return Err(e.into());
        }
    }
    Ok(status)
}

fn opt_json(v: Option<i32>) -> Value {
    v.map_or(Value::Null, Value::from)
}

fn position_json(p: &Position) -> Value {
    json!([
        opt_json(p.line),
        opt_json(p.end_line),
        opt_json(p.col),
        opt_json(p.end_col)
    ])
}

fn reprs(items: &[Obj]) -> Value {
    Value::from(items.iter().map(repr).collect::<Vec<_>>())
}

fn names<T: ToString>(items: &[T]) -> Value {
    Value::from(items.iter().map(|s| s.to_string()).collect::<Vec<_>>())
}

fn instruction_json(i: &Instruction) -> Value {
    json!({
        "offset": i.offset,
        "opname": i.opname,
        "opcode": i.opcode,
        "arg": i.arg,
        "argval": i.argval.repr(),
        "argrepr": i.argrepr,
        "is_jump_target": i.is_jump_target,
        "line": i.starts_line,
        "positions": position_json(&i.positions),
    })
}

fn code_json(co: &CodeObject, show_caches: bool) -> Value {
    let instructions: Vec<Value> = dis::get_instructions(co, show_caches)
        .iter()
        .map(instruction_json)
        .collect();
    let lines: Vec<Value> = co
        .lines()
        .iter()
        .map(|r| json!([r.start, r.end, opt_json(r.line)]))
        .collect();
    let exc: Vec<Value> = co
        .exception_table()
        .iter()
        .map(|e| {
            json!({
                "start": e.start,
                "end": e.end,
                "target": e.target,
                "depth": e.depth,
                "lasti": e.lasti,
            })
        })
        .collect();
    json!({
        "name": co.name().to_string(),
        "qualname": co.qualname().to_string(),
        "filename": co.filename().to_string(),
        "firstlineno": co.firstlineno,
        "argcount": co.argcount,
        "posonlyargcount": co.posonlyargcount,
        "kwonlyargcount": co.kwonlyargcount,
        "stacksize": co.stacksize,
        "flags": co.flags(),
        "nlocals": co.nlocals(),
        "consts": reprs(co.consts()),
        "names": reprs(co.names()),
        "varnames": names(&co.varnames()),
        "cellvars": names(&co.cellvars()),
        "freevars": names(&co.freevars()),
        "instructions": instructions,
        "lines": lines,
        "exception_table": exc,
    })
}
