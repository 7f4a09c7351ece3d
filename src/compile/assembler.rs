//! The assembler: the code generator's instruction list (with labels and
//! the pseudo-instructions SETUP_FINALLY/SETUP_CLEANUP/SETUP_WITH/
//! POP_BLOCK/JUMP) to final 3.11 bytecode: the stack depth by flow
//! analysis, exception handlers assigned to instructions (compile.c's
//! `label_exception_targets`), jump directions and EXTENDED_ARG prefixes,
//! inline cache units, the location table and the exception table.

use crate::pyc::opcode::Op;

use super::ast::Loc;
use super::CompileError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label(pub usize);

/// An instruction as the code generator emits it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IOp {
    Real(Op),
    SetupFinally,
    SetupCleanup,
    SetupWith,
    PopBlock,
    Jump,
    JumpNoInterrupt,
    PopJumpIfFalse,
    PopJumpIfTrue,
    PopJumpIfNone,
    PopJumpIfNotNone,
}

#[derive(Clone, Debug)]
pub struct Instr {
    pub op: IOp,
    pub arg: u32,
    pub target: Option<Label>,
    pub loc: Option<Loc>,
}

/// What the assembler produces.
pub struct Assembled {
    pub code: Vec<u8>,
    pub stacksize: u32,
    pub linetable: Vec<u8>,
    pub exceptiontable: Vec<u8>,
    /// The highest constant index the code uses (for trimming).
    pub max_const: usize,
}

fn is_setup(op: IOp) -> bool {
    matches!(op, IOp::SetupFinally | IOp::SetupCleanup | IOp::SetupWith)
}

/// Stack effect of an instruction along one edge (`jump`: the branch).
fn effect(ins: &Instr, jump: bool) -> i32 {
    match ins.op {
        IOp::SetupFinally | IOp::SetupWith => i32::from(jump),
        IOp::SetupCleanup => {
            if jump {
                2
            } else {
                0
            }
        }
        IOp::PopBlock | IOp::Jump | IOp::JumpNoInterrupt => 0,
        IOp::PopJumpIfFalse | IOp::PopJumpIfTrue | IOp::PopJumpIfNone | IOp::PopJumpIfNotNone => -1,
        IOp::Real(Op::ReturnGenerator) => 1,
        IOp::Real(op) => {
            let arg = op.has_arg().then_some(ins.arg as i32);
            let j = ins.target.map(|_| jump);
            op.stack_effect(arg, j).unwrap_or(0)
        }
    }
}

fn ends_flow(op: IOp) -> bool {
    matches!(
        op,
        IOp::Jump
            | IOp::JumpNoInterrupt
            | IOp::Real(Op::ReturnValue)
            | IOp::Real(Op::RaiseVarargs)
            | IOp::Real(Op::Reraise)
    )
}

/// A handler on the except stack: (target instruction, setup depth, kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Handler {
    target: usize,
    depth: u32,
    lasti: bool,
}

pub fn assemble(
    instrs: &[Instr],
    labels: &[Option<usize>],
    firstlineno: u32,
) -> Result<Assembled, CompileError> {
    let n = instrs.len();
    let resolve = |l: Label| -> Result<usize, CompileError> {
        labels
            .get(l.0)
            .copied()
            .flatten()
            .ok_or_else(|| CompileError::internal("unbound label"))
    };
    // 1. Stack depths (and the depth at each SETUP for the handlers).
    let mut depth: Vec<Option<i32>> = vec![None; n + 1];
    let mut work = vec![0usize];
    depth[0] = Some(0);
    let mut maxdepth = 0i32;
    while let Some(i) = work.pop() {
        let Some(d) = depth[i] else { continue };
        let Some(ins) = instrs.get(i) else { continue };
        let mut edges = Vec::new();
        if let Some(t) = ins.target {
            edges.push((resolve(t)?, true));
        }
        if !ends_flow(ins.op) {
            edges.push((i + 1, false));
        }
        for (to, jump) in edges {
            let nd = d + effect(ins, jump);
            if nd < 0 {
                return Err(CompileError::internal("stack underflow"));
            }
            maxdepth = maxdepth.max(nd);
            match depth.get(to).copied().flatten() {
                Some(old) if old == nd => {}
                Some(old) if old != nd && to < n => {
                    return Err(CompileError::internal(&format!(
                        "inconsistent stack depth at {to}: {old} vs {nd}"
                    )));
                }
                _ => {
                    if to <= n {
                        depth[to] = Some(nd);
                        work.push(to);
                    }
                }
            }
        }
    }
    // 2. The handler of each instruction (the except stack's top).
    let mut handler: Vec<Option<Handler>> = vec![None; n];
    let mut stacks: Vec<Option<Vec<Handler>>> = vec![None; n + 1];
    stacks[0] = Some(Vec::new());
    let mut work = vec![0usize];
    while let Some(i) = work.pop() {
        let Some(ins) = instrs.get(i) else { continue };
        let Some(mut stack) = stacks[i].clone() else {
            continue;
        };
        let mut succ: Vec<(usize, Vec<Handler>)> = Vec::new();
        if is_setup(ins.op) {
            let target = match ins.target {
                Some(t) => resolve(t)?,
                None => return Err(CompileError::internal("setup without target")),
            };
            succ.push((target, stack.clone()));
            let d = depth[i].unwrap_or(0).max(0) as u32;
            let h = match ins.op {
                IOp::SetupFinally => Handler {
                    target,
                    depth: d,
                    lasti: false,
                },
                IOp::SetupCleanup => Handler {
                    target,
                    depth: d,
                    lasti: true,
                },
                _ => Handler {
                    target,
                    depth: d.saturating_sub(1),
                    lasti: true,
                },
            };
            stack.push(h);
            succ.push((i + 1, stack));
        } else {
            if ins.op == IOp::PopBlock {
                stack.pop();
            } else {
                handler[i] = stack.last().copied();
            }
            if let Some(t) = ins.target {
                succ.push((resolve(t)?, stack.clone()));
            }
            if !ends_flow(ins.op) {
                succ.push((i + 1, stack));
            }
        }
        for (to, st) in succ {
            if to <= n && stacks[to].is_none() {
                stacks[to] = Some(st);
                work.push(to);
            }
        }
    }
    // 3. Drop pseudo-instructions that vanish; map old indices to new.
    let mut newidx = vec![0usize; n + 1];
    let mut kept: Vec<usize> = Vec::new();
    // Unreachable instructions go too (compile.c eliminates unreachable
    // blocks).
    for (i, ins) in instrs.iter().enumerate() {
        newidx[i] = kept.len();
        if !(is_setup(ins.op) || ins.op == IOp::PopBlock) && depth[i].is_some() {
            kept.push(i);
        }
    }
    newidx[n] = kept.len();
    let m = kept.len();
    // Resolve each kept instruction's final opcode and target (new index).
    struct Fin {
        op: Op,
        arg: u32,
        target: Option<usize>,
        loc: Option<Loc>,
        handler: Option<Handler>,
    }
    let mut fins: Vec<Fin> = Vec::with_capacity(m);
    for (k, &i) in kept.iter().enumerate() {
        let ins = &instrs[i];
        let target = match ins.target {
            Some(t) => Some(newidx[resolve(t)?]),
            None => None,
        };
        let forward = target.is_some_and(|t| t > k);
        let op = match ins.op {
            IOp::Real(op) => op,
            IOp::Jump => {
                if forward {
                    Op::JumpForward
                } else {
                    Op::JumpBackward
                }
            }
            IOp::JumpNoInterrupt => {
                if forward {
                    Op::JumpForward
                } else {
                    Op::JumpBackwardNoInterrupt
                }
            }
            IOp::PopJumpIfFalse => {
                if forward {
                    Op::PopJumpForwardIfFalse
                } else {
                    Op::PopJumpBackwardIfFalse
                }
            }
            IOp::PopJumpIfTrue => {
                if forward {
                    Op::PopJumpForwardIfTrue
                } else {
                    Op::PopJumpBackwardIfTrue
                }
            }
            IOp::PopJumpIfNone => {
                if forward {
                    Op::PopJumpForwardIfNone
                } else {
                    Op::PopJumpBackwardIfNone
                }
            }
            IOp::PopJumpIfNotNone => {
                if forward {
                    Op::PopJumpForwardIfNotNone
                } else {
                    Op::PopJumpBackwardIfNotNone
                }
            }
            _ => return Err(CompileError::internal("pseudo-instruction left")),
        };
        if target.is_some()
            && !forward
            && op.arg_kind() != crate::pyc::opcode::ArgKind::JumpBackward
        {
            return Err(CompileError::internal(
                "backward jump with a forward-only opcode",
            ));
        }
        let handler = handler[i].map(|h| Handler {
            target: newidx[h.target],
            ..h
        });
        fins.push(Fin {
            op,
            arg: ins.arg,
            target,
            loc: ins.loc,
            handler,
        });
    }
    // 4. Layout with EXTENDED_ARG sizing until stable.
    let ext_len = |arg: u32| -> usize {
        if arg > 0xFF_FFFF {
            3
        } else if arg > 0xFFFF {
            2
        } else if arg > 0xFF {
            1
        } else {
            0
        }
    };
    let mut exts = vec![0usize; m];
    let mut offsets = vec![0usize; m + 1];
    let mut args: Vec<u32> = fins.iter().map(|f| f.arg).collect();
    loop {
        let mut off = 0;
        for (k, f) in fins.iter().enumerate() {
            offsets[k] = off;
            off += exts[k] + 1 + f.op.caches();
        }
        offsets[m] = off;
        let mut changed = false;
        for (k, f) in fins.iter().enumerate() {
            if let Some(t) = f.target {
                let end = offsets[k] + exts[k] + 1 + f.op.caches();
                let to = offsets[t];
                args[k] = if to >= end {
                    (to - end) as u32
                } else {
                    (end - to) as u32
                };
            }
            let e = ext_len(args[k]);
            if e > exts[k] {
                exts[k] = e;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // 5. Emit code, the location table and the exception table.
    let mut code = Vec::with_capacity(offsets[m] * 2);
    let mut lt = Vec::new();
    let mut line = firstlineno as i64;
    for (k, f) in fins.iter().enumerate() {
        let arg = args[k];
        for s in (1..=exts[k]).rev() {
            code.push(Op::ExtendedArg.number());
            code.push((arg >> (8 * s)) as u8);
        }
        code.push(f.op.number());
        code.push(arg as u8);
        for _ in 0..f.op.caches() {
            code.push(0);
            code.push(0);
        }
        let mut units = exts[k] + 1 + f.op.caches();
        while units > 0 {
            let len = units.min(8);
            units -= len;
            match f.loc {
                None => lt.push(0x80 | (15 << 3) | (len as u8 - 1)),
                Some(l) if l.col == super::codegen::NO_COLUMN => {
                    lt.push(0x80 | (13 << 3) | (len as u8 - 1));
                    write_signed_varint(&mut lt, l.line as i64 - line);
                    line = l.line as i64;
                }
                Some(l) => {
                    lt.push(0x80 | (14 << 3) | (len as u8 - 1));
                    write_signed_varint(&mut lt, l.line as i64 - line);
                    line = l.line as i64;
                    write_varint(&mut lt, l.end_line.saturating_sub(l.line) as u64);
                    write_varint(&mut lt, l.col as u64 + 1);
                    write_varint(&mut lt, l.end_col as u64 + 1);
                }
            }
        }
    }
    let mut et = Vec::new();
    let mut k = 0;
    while k < m {
        let Some(h) = fins[k].handler else {
            k += 1;
            continue;
        };
        let start = k;
        while k < m && fins[k].handler == Some(h) {
            k += 1;
        }
        let s = offsets[start];
        let len = offsets[k] - s;
        write_exc_varint(&mut et, s as u64, true);
        write_exc_varint(&mut et, len as u64, false);
        write_exc_varint(&mut et, offsets[h.target] as u64, false);
        write_exc_varint(&mut et, ((h.depth as u64) << 1) | h.lasti as u64, false);
    }
    let max_const = fins
        .iter()
        .filter(|f| f.op.has_const())
        .map(|f| f.arg as usize)
        .max()
        .unwrap_or(0);
    Ok(Assembled {
        max_const,
        code,
        stacksize: maxdepth.max(0) as u32,
        linetable: lt,
        exceptiontable: et,
    })
}

fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 64 {
        out.push(0x40 | (v & 63) as u8);
        v >>= 6;
    }
    out.push(v as u8);
}

fn write_signed_varint(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        write_varint(out, ((v.unsigned_abs()) << 1) | 1);
    } else {
        write_varint(out, (v as u64) << 1);
    }
}

fn write_exc_varint(out: &mut Vec<u8>, v: u64, start: bool) {
    let mut chunks = vec![(v & 63) as u8];
    let mut rest = v >> 6;
    while rest > 0 {
        chunks.push((rest & 63) as u8);
        rest >>= 6;
    }
    let n = chunks.len();
    for (i, c) in chunks.into_iter().rev().enumerate() {
        let mut b = c;
        if i + 1 < n {
            b |= 0x40;
        }
        if i == 0 && start {
            b |= 0x80;
        }
        out.push(b);
    }
}
