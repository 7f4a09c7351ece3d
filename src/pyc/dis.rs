//! A disassembler that prints exactly what CPython 3.11.7's `dis.dis`
//! prints for a code object (Lib/dis.py: `_disassemble_recursive`,
//! `_get_instructions_bytes`, `_disassemble_bytes`, `Instruction._disassemble`).
//!
//! Decoding is lenient like `dis`: it reads `co_code` as CPython returns it
//! (deoptimised), never panics on damaged input, and shows what it can
//! where CPython would raise (an out-of-range constant or name index).

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use super::code::{CodeObject, ExceptionTableEntry, Position};
use super::object::{Obj, Object, PyStr};
use super::opcode::{
    self, ArgKind, Op, CMP_OP, FORMAT_VALUE_CONVERTERS, MAKE_FUNCTION_FLAGS, NB_OPS,
};
use super::repr::repr;

/// `dis._OPNAME_WIDTH`.
pub const OPNAME_WIDTH: usize = 20;
/// `dis._OPARG_WIDTH`.
pub const OPARG_WIDTH: usize = 5;

/// `Instruction.argval`: the resolved argument.
#[derive(Clone, Debug)]
pub enum ArgVal {
    /// No argument.
    None,
    /// `dis.UNKNOWN` (e.g. KW_NAMES, whose constant dis does not resolve).
    Unknown,
    /// A plain number (or a jump target offset).
    Int(i64),
    /// LOAD_CONST's constant.
    Const(Obj),
    /// A name (co_names, locals-plus) or a comparison operator.
    Str(String),
    /// FORMAT_VALUE: (conversion function name or None, has format spec).
    Format(Option<&'static str>, bool),
    /// An index dis could not resolve (CPython would raise IndexError).
    Invalid(i64),
}

impl ArgVal {
    /// Python's `repr(argval)`.
    pub fn repr(&self) -> String {
        match self {
            ArgVal::None => "None".into(),
            ArgVal::Unknown => "<UNKNOWN>".into(),
            ArgVal::Int(i) | ArgVal::Invalid(i) => i.to_string(),
            ArgVal::Const(o) => repr(o),
            ArgVal::Str(s) => repr(&Obj::new(Object::Str(PyStr::new(s, false)))),
            ArgVal::Format(conv, spec) => {
                let f = match conv {
                    None => "None".to_string(),
                    Some("str") => "<class 'str'>".to_string(),
                    Some(name) => format!("<built-in function {name}>"),
                };
                format!("({f}, {})", if *spec { "True" } else { "False" })
            }
        }
    }
}

/// One `dis.Instruction`.
#[derive(Clone, Debug)]
pub struct Instruction {
    /// `_all_opname[op]`.
    pub opname: String,
    /// The byte in `co_code`.
    pub opcode: u8,
    /// The argument with EXTENDED_ARG prefixes folded in (dis's signed
    /// 32-bit wrap-around), `None` below HAVE_ARGUMENT.
    pub arg: Option<i64>,
    pub argval: ArgVal,
    pub argrepr: String,
    /// Byte offset in `co_code`.
    pub offset: i64,
    /// The line, on the first instruction of each line.
    pub starts_line: Option<i32>,
    pub is_jump_target: bool,
    pub positions: Position,
}

impl Instruction {
    /// `Instruction._disassemble(lineno_width, False, offset_width)`.
    pub fn format(&self, lineno_width: usize, offset_width: usize) -> String {
        let mut fields: Vec<String> = Vec::with_capacity(6);
        if lineno_width > 0 {
            fields.push(match self.starts_line {
                Some(l) => format!("{l:>lineno_width$}"),
                None => " ".repeat(lineno_width),
            });
        }
        fields.push("   ".into());
        fields.push(if self.is_jump_target { ">>" } else { "  " }.into());
        fields.push(format!("{:>offset_width$}", self.offset));
        fields.push(format!("{:<OPNAME_WIDTH$}", self.opname));
        if let Some(arg) = self.arg {
            fields.push(format!("{arg:>OPARG_WIDTH$}"));
            if !self.argrepr.is_empty() {
                fields.push(format!("({})", self.argrepr));
            }
        }
        fields.join(" ").trim_end().to_string()
    }
}

/// Display options.
#[derive(Clone, Copy, Debug, Default)]
pub struct DisOptions {
    /// `show_caches=True`: list the inline CACHE entries.
    pub show_caches: bool,
    /// Our own extra: a `line:col-end_line:end_col` column before each
    /// instruction (not something CPython 3.11 prints).
    pub positions: bool,
}

/// `dis._unpack_opargs`: (offset, op, arg) per instruction, skipping the
/// inline caches of each instruction.
pub fn unpack_opargs(code: &[u8]) -> Vec<(i64, u8, Option<i64>)> {
    const INT_OVERFLOW: i64 = 1 << 31;
    let mut out = Vec::with_capacity(code.len() / 2);
    let mut extended_arg: i64 = 0;
    let mut caches = 0usize;
    let mut i = 0usize;
    while i < code.len() {
        if caches > 0 {
            caches -= 1;
            i += 2;
            continue;
        }
        let op = code[i];
        let deop = opcode::deopt(op);
        caches = deop.caches();
        let arg = if deop.has_arg() {
            // dis indexes code[i+1]; a missing final byte would raise there.
            let b = code.get(i + 1).copied().unwrap_or(0) as i64;
            let arg = b | extended_arg;
            extended_arg = if deop == Op::ExtendedArg {
                arg.wrapping_shl(8)
            } else {
                0
            };
            if extended_arg >= INT_OVERFLOW {
                extended_arg -= 2 * INT_OVERFLOW;
            }
            Some(arg)
        } else {
            extended_arg = 0;
            None
        };
        out.push((i as i64, op, arg));
        i += 2;
    }
    out
}

/// The jump target of a relative jump at `offset` (dis's computation).
fn jump_target(op: Op, offset: i64, arg: i64) -> i64 {
    let signed = if op.is_backward_jump() {
        arg.wrapping_neg()
    } else {
        arg
    };
    offset.wrapping_add(2).wrapping_add(signed.wrapping_mul(2))
}

/// `dis.findlabels`: offsets that jumps go to, in first-seen order.
pub fn findlabels(code: &[u8]) -> Vec<i64> {
    let mut labels = Vec::new();
    for (offset, op, arg) in unpack_opargs(code) {
        let (Some(arg), Some(op)) = (arg, Op::from_u8(op)) else {
            continue;
        };
        if op.has_jrel() {
            let label = jump_target(op, offset, arg);
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
    }
    labels
}

/// `dis.findlinestarts`: (offset, line) where a new line starts.
pub fn findlinestarts(co: &CodeObject) -> Vec<(u32, i32)> {
    let mut out = Vec::new();
    let mut last = None;
    for r in co.lines() {
        if let Some(line) = r.line {
            if Some(line) != last {
                last = Some(line);
                out.push((r.start, line));
            }
        }
    }
    out
}

/// Python sequence indexing (negative counts from the end).
fn py_index<T>(items: &[T], i: i64) -> Option<&T> {
    let idx = if i < 0 {
        (items.len() as i64).checked_add(i)?
    } else {
        i
    };
    items.get(usize::try_from(idx).ok()?)
}

fn str_name(o: &Obj) -> String {
    match o.as_str() {
        Some(s) => s.to_string(),
        None => repr(o),
    }
}

/// The names `_get_name_info` would give (co_names by Python index).
fn name_at(co: &CodeObject, i: i64) -> ArgVal {
    match py_index(co.names(), i) {
        Some(o) => ArgVal::Str(str_name(o)),
        None => ArgVal::Invalid(i),
    }
}

/// `co._varname_from_oparg(i)`: locals-plus name (no negative indexing).
fn localsplus_at(co: &CodeObject, i: i64) -> ArgVal {
    match usize::try_from(i)
        .ok()
        .and_then(|i| co.localsplusnames().get(i))
    {
        Some(o) => ArgVal::Str(str_name(o)),
        None => ArgVal::Invalid(i),
    }
}

fn invalid_repr(what: &str, i: i64) -> String {
    format!("<invalid {what} index {i}>")
}

/// `dis._get_instructions_bytes` for a code object (`get_instructions`
/// plus the exception-table labels that `disassemble` adds).
pub fn get_instructions(co: &CodeObject, show_caches: bool) -> Vec<Instruction> {
    let code = co.co_code();
    let linestarts: BTreeMap<u32, i32> = findlinestarts(co).into_iter().collect();
    let exception_entries = co.exception_table();
    instructions_of(co, &code, &linestarts, &exception_entries, show_caches)
}

fn instructions_of(
    co: &CodeObject,
    code: &[u8],
    linestarts: &BTreeMap<u32, i32>,
    exception_entries: &[ExceptionTableEntry],
    show_caches: bool,
) -> Vec<Instruction> {
    let mut labels: HashSet<i64> = findlabels(code).into_iter().collect();
    for e in exception_entries {
        if e.start < e.end {
            labels.insert(e.target as i64);
        }
    }
    let positions = co.positions();
    let mut pos_iter = positions.into_iter();
    let mut out = Vec::new();
    for (offset, op_byte, arg) in unpack_opargs(code) {
        let starts_line = u32::try_from(offset)
            .ok()
            .and_then(|o| linestarts.get(&o).copied());
        let is_jump_target = labels.contains(&offset);
        let positions = pos_iter.next().unwrap_or_default();
        let op = opcode::deopt(op_byte);
        let (argval, argrepr) = match arg {
            None => (ArgVal::None, String::new()),
            Some(arg) => argval_of(co, op, offset, arg),
        };
        out.push(Instruction {
            opname: opcode::all_opname(op_byte),
            opcode: op_byte,
            arg,
            argval,
            argrepr,
            offset,
            starts_line,
            is_jump_target,
            positions,
        });
        // With show_caches, dis names the first entry of each cache field
        // only for quickened instructions, which co_code never holds.
        let caches = op.caches();
        if caches == 0 {
            continue;
        }
        if !show_caches {
            for _ in 0..caches {
                pos_iter.next();
            }
            continue;
        }
        for k in 0..caches {
            out.push(Instruction {
                opname: Op::Cache.name().to_string(),
                opcode: Op::Cache.number(),
                arg: Some(0),
                argval: ArgVal::None,
                argrepr: String::new(),
                offset: offset + 2 * (k as i64 + 1),
                starts_line: None,
                is_jump_target: false,
                positions: pos_iter.next().unwrap_or_default(),
            });
        }
    }
    out
}

/// argval and argrepr for an instruction with an argument.
fn argval_of(co: &CodeObject, op: Op, offset: i64, arg: i64) -> (ArgVal, String) {
    let same = |v: ArgVal| match &v {
        ArgVal::Str(s) => {
            let r = s.clone();
            (v, r)
        }
        ArgVal::Invalid(i) => (ArgVal::Invalid(*i), invalid_repr("name", *i)),
        _ => (v, String::new()),
    };
    match op.arg_kind() {
        ArgKind::Const => {
            if op == Op::LoadConst {
                match py_index(co.consts(), arg) {
                    Some(c) => (ArgVal::Const(c.clone()), repr(c)),
                    None => (ArgVal::Invalid(arg), invalid_repr("const", arg)),
                }
            } else {
                (ArgVal::Unknown, String::new())
            }
        }
        ArgKind::GlobalName => {
            let (v, r) = same(name_at(co, arg.div_euclid(2)));
            if arg & 1 != 0 && !r.is_empty() {
                (v, format!("NULL + {r}"))
            } else {
                (v, r)
            }
        }
        ArgKind::Name => same(name_at(co, arg)),
        ArgKind::JumpForward | ArgKind::JumpBackward => {
            let target = jump_target(op, offset, arg);
            (ArgVal::Int(target), format!("to {target}"))
        }
        ArgKind::Local | ArgKind::Free => same(localsplus_at(co, arg)),
        ArgKind::Compare => match py_index(&CMP_OP, arg) {
            Some(s) => (ArgVal::Str((*s).to_string()), (*s).to_string()),
            None => (ArgVal::Invalid(arg), invalid_repr("compare op", arg)),
        },
        ArgKind::FormatValue => {
            let conv = FORMAT_VALUE_CONVERTERS[(arg & 3) as usize];
            let spec = arg & 4 != 0;
            let mut r = conv.to_string();
            if spec {
                if !r.is_empty() {
                    r.push_str(", ");
                }
                r.push_str("with format");
            }
            let conv = (!conv.is_empty()).then_some(conv);
            (ArgVal::Format(conv, spec), r)
        }
        ArgKind::MakeFunction => {
            let flags: Vec<&str> = MAKE_FUNCTION_FLAGS
                .iter()
                .enumerate()
                .filter(|(i, _)| arg & (1 << i) != 0)
                .map(|(_, s)| *s)
                .collect();
            (ArgVal::Int(arg), flags.join(", "))
        }
        ArgKind::BinaryOp => match py_index(&NB_OPS, arg) {
            Some((_, sym)) => (ArgVal::Int(arg), (*sym).to_string()),
            None => (ArgVal::Invalid(arg), invalid_repr("binary op", arg)),
        },
        ArgKind::Int | ArgKind::None => (ArgVal::Int(arg), String::new()),
    }
}

/// The `start:col-end_line:end_col` text of a position ('?' for unknown).
pub fn format_position(p: &Position) -> String {
    let f = |v: Option<i32>| v.map_or_else(|| "?".to_string(), |v| v.to_string());
    format!(
        "{}:{}-{}:{}",
        f(p.line),
        f(p.col),
        f(p.end_line),
        f(p.end_col)
    )
}

/// `dis.disassemble(co)`: one code object, without the nested ones.
pub fn disassemble(co: &CodeObject, opts: DisOptions) -> String {
    let code = co.co_code();
    let linestarts: BTreeMap<u32, i32> = findlinestarts(co).into_iter().collect();
    let exception_entries = co.exception_table();
    let instrs = instructions_of(co, &code, &linestarts, &exception_entries, opts.show_caches);

    let show_lineno = !linestarts.is_empty();
    let lineno_width = if show_lineno {
        let maxlineno = linestarts.values().copied().max().unwrap_or(0);
        if maxlineno >= 1000 {
            maxlineno.to_string().len()
        } else {
            3
        }
    } else {
        0
    };
    let maxoffset = code.len() as i64 - 2;
    let offset_width = if maxoffset >= 10000 {
        maxoffset.to_string().len()
    } else {
        4
    };
    let pos_texts: Vec<String> = if opts.positions {
        instrs
            .iter()
            .map(|i| format_position(&i.positions))
            .collect()
    } else {
        Vec::new()
    };
    let pos_width = pos_texts.iter().map(|s| s.len()).max().unwrap_or(0);

    let mut out = String::new();
    for (k, instr) in instrs.iter().enumerate() {
        if show_lineno && instr.starts_line.is_some() && instr.offset > 0 {
            out.push('\n');
        }
        if let Some(p) = pos_texts.get(k) {
            let _ = write!(out, "{p:<pos_width$} ");
        }
        out.push_str(&instr.format(lineno_width, offset_width));
        out.push('\n');
    }
    if !exception_entries.is_empty() {
        out.push_str("ExceptionTable:\n");
        for e in &exception_entries {
            let lasti = if e.lasti { " lasti" } else { "" };
            let end = e.end as i128 - 2;
            let _ = writeln!(
                out,
                "  {} to {} -> {} [{}]{}",
                e.start, end, e.target, e.depth, lasti
            );
        }
    }
    out
}

/// `dis.dis(co)`: the code object, then every code object among its
/// constants (recursively), each after "\nDisassembly of <repr>:\n".
pub fn dis(co: &CodeObject, opts: DisOptions) -> String {
    let mut out = String::new();
    dis_into(co, opts, &mut out);
    out
}

fn dis_into(co: &CodeObject, opts: DisOptions, out: &mut String) {
    // An explicit stack, so hostile nesting cannot overflow ours.
    out.push_str(&disassemble(co, opts));
    let mut stack: Vec<std::slice::Iter<'_, Obj>> = vec![co.consts().iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            None => {
                stack.pop();
            }
            Some(c) => {
                if let Some(inner) = c.as_code() {
                    let _ = write!(out, "\nDisassembly of {}:\n", repr(c));
                    out.push_str(&disassemble(inner, opts));
                    stack.push(inner.consts().iter());
                }
            }
        }
    }
}

/// Every code object reachable from `co`, in the order `dis.dis` shows them.
pub fn all_code_objects(co: &CodeObject) -> Vec<&CodeObject> {
    let mut out = vec![co];
    let mut stack: Vec<std::slice::Iter<'_, Obj>> = vec![co.consts().iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            None => {
                stack.pop();
            }
            Some(c) => {
                if let Some(inner) = c.as_code() {
                    out.push(inner);
                    stack.push(inner.consts().iter());
                }
            }
        }
    }
    out
}
