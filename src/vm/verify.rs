//! The bytecode verifier: run once per code object before it executes.
//! It checks that every opcode is known, every argument is in range
//! (constants, names, locals, cells, compare and binary operators, jump
//! targets inside the code), that the exception table is well formed, and
//! that the value stack never goes below zero nor above `co_stacksize`
//! along any path. The eval loop still bounds-checks every access (so bad
//! bytecode can never crash pycvm), but a verified code object runs
//! without surprises, and a rejected one gets a clear error.

use crate::pyc::code::CodeObject;
use crate::pyc::opcode::{ArgKind, Op};

/// Why a code object was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad bytecode in code object '{name}' at offset {offset}: {reason}")]
pub struct VerifyError {
    pub name: String,
    /// Byte offset into `co_code`.
    pub offset: usize,
    pub reason: String,
}

/// A decoded instruction: the opcode, the full argument (EXTENDED_ARG
/// folded in), how the argument is read and the index of the next
/// instruction.
#[derive(Clone, Copy)]
struct Instr {
    op: Op,
    kind: ArgKind,
    arg: u32,
    next: u32,
}

/// What the verifier reads of an opcode number, by one table lookup: the
/// opcode (None: not in `opcode.opmap`), its inline cache units, its
/// argument kind, its stack effect when that is one number (`effect`:
/// `CONST_EFFECT`, RETURN_GENERATOR's 1, else `NOT_CONST`), the inputs it
/// reads when they do not depend on the argument (`VARY_INPUTS`: ask
/// `Op::stack_inputs`) and whether execution never falls through it (the
/// same `Op` functions, evaluated at compile time).
#[derive(Clone, Copy)]
struct OpInfo {
    op: Option<Op>,
    caches: u8,
    kind: ArgKind,
    inputs: u8,
    end: bool,
    effect: i32,
}

/// `OpInfo::inputs` of an opcode whose inputs depend on its argument.
const VARY_INPUTS: u8 = u8::MAX;

static OP_INFO: [OpInfo; 256] = {
    let mut t = [OpInfo {
        op: None,
        caches: 0,
        kind: ArgKind::None,
        inputs: 0,
        end: false,
        effect: NOT_CONST,
    }; 256];
    let mut i = 0;
    while i < 256 {
        if let Some(op) = Op::from_u8(i as u8) {
            t[i] = OpInfo {
                op: Some(op),
                caches: op.caches() as u8,
                kind: op.arg_kind(),
                inputs: if op.stack_inputs_vary() {
                    VARY_INPUTS
                } else {
                    op.stack_inputs(0) as u8
                },
                end: matches!(
                    op,
                    Op::JumpForward
                        | Op::JumpBackward
                        | Op::JumpBackwardNoInterrupt
                        | Op::ReturnValue
                        | Op::RaiseVarargs
                        | Op::Reraise
                ),
                // Resuming pushes the sent value (which the POP_TOP after
                // RETURN_GENERATOR discards); compile.c counts neither.
                effect: if matches!(op, Op::ReturnGenerator) {
                    1
                } else {
                    CONST_EFFECT[i]
                },
            };
        }
        i += 1;
    }
    t
};

/// `CONST_EFFECT` for an opcode whose stack effect depends on its
/// argument or on the jump taken (or a number that is no opcode).
const NOT_CONST: i32 = i32::MIN;

/// An opcode table entry's stack effect when its closure ignores both the
/// argument and the jump (`|_a, _j| e`): `e` is evaluated here in a const
/// context, where neither name exists, so an entry that used them would
/// not compile.
macro_rules! const_effect_entry {
    ($t:ident, $num:literal, _a, _j, $body:expr) => {
        $t[$num] = $body;
    };
    ($t:ident, $num:literal, $a:ident, $j:ident, $body:expr) => {};
}

macro_rules! const_effects {
    ($(($var:ident = $num:literal, $name:literal, $caches:literal, $kind:ident,
        |$a:ident $(: $at:ty)?, $j:ident $(: $jt:ty)?| $body:expr),)*) => {
        /// By opcode number: the stack effect of the opcodes whose effect
        /// is one number (read without calling `Op::stack_effect`), else
        /// `NOT_CONST`. Derived from the one opcode table (`for_each_op!`).
        static CONST_EFFECT: [i32; 256] = {
            let mut t = [NOT_CONST; 256];
            $(const_effect_entry!(t, $num, $a, $j, $body);)*
            t
        };
    };
}

crate::for_each_op!(const_effects);

/// What the verifier reads of a code object: its name (for messages),
/// the instruction bytes, the sizes of the tables the arguments index,
/// the slot kinds, `co_stacksize` and the exception table. A prepared
/// [`crate::vm::code::Code`] fills it from its own fields (it keeps no
/// marshal constants or names), a marshal [`CodeObject`] through
/// [`VerifyInput::of`].
pub struct VerifyInput<'a> {
    pub name: std::borrow::Cow<'a, str>,
    /// `co_code` (two bytes per code unit; inline-cache units are skipped,
    /// so their contents do not matter).
    pub code: &'a [u8],
    pub nconsts: usize,
    pub nnames: usize,
    /// `len(co_localsplusnames)`.
    pub nlocalsplus: usize,
    /// `co_localspluskinds`.
    pub kinds: &'a [u8],
    /// `co_stacksize` (negative values read as 0).
    pub stacksize: usize,
    /// `co_exceptiontable`.
    pub exceptiontable: &'a [u8],
}

impl<'a> VerifyInput<'a> {
    /// The verifier's view of a marshal code object.
    pub fn of(co: &'a CodeObject) -> VerifyInput<'a> {
        let name = match co.name().as_str() {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned(co.name().to_string_lossy()),
        };
        VerifyInput {
            name,
            code: co.code(),
            nconsts: co.consts().len(),
            nnames: co.names().len(),
            nlocalsplus: co.localsplusnames().len(),
            kinds: co.localspluskinds(),
            stacksize: co.stacksize.max(0) as usize,
            exceptiontable: co.exceptiontable(),
        }
    }
}

#[cold]
fn err(co: &VerifyInput<'_>, unit: usize, reason: impl Into<String>) -> VerifyError {
    VerifyError {
        name: co.name.to_string(),
        offset: unit * 2,
        reason: reason.into(),
    }
}

/// Verify `co` and every code object nested in its constants.
pub fn verify_nested(co: &CodeObject) -> Result<(), VerifyError> {
    crate::pyc::dis::all_code_objects(co)
        .into_iter()
        .try_for_each(verify)
}

/// Verify one code object (not its nested code constants).
pub fn verify(co: &CodeObject) -> Result<(), VerifyError> {
    verify_input(&VerifyInput::of(co))
}

/// Verify one code object given as the parts the checks read.
pub fn verify_input(co: &VerifyInput<'_>) -> Result<(), VerifyError> {
    if accepted_in_one_pass(co) {
        return Ok(());
    }
    verify_full(co)
}

/// The full verifier: decoding, then the abstract interpretation of the
/// stack depth over ranges; it decides (and words the error) whenever the
/// quick path (`accepted_in_one_pass`) does not accept.
fn verify_full(co: &VerifyInput<'_>) -> Result<(), VerifyError> {
    let code = co.code;
    if !code.len().is_multiple_of(2) {
        return Err(err(co, 0, "co_code has an odd length"));
    }
    let (units, _) = code.as_chunks::<2>();
    let n = units.len();
    if co.kinds.len() != co.nlocalsplus {
        return Err(err(
            co,
            0,
            "co_localspluskinds and co_localsplusnames differ in length",
        ));
    }
    // Decode every instruction start (EXTENDED_ARG prefixes fold into the
    // instruction they precede; CACHE units after an instruction are skipped).
    let mut instrs: Vec<Option<Instr>> = vec![None; n];
    let mut i = 0;
    let mut ext: u32 = 0;
    let mut ext_start: Option<usize> = None;
    let rule = ArgRule::new(co);
    let mut prev_precall: Option<u32> = None;
    while let Some(&[opb, argb]) = units.get(i) {
        let info = OP_INFO[opb as usize];
        let Some(op) = info.op else {
            return Err(err(co, i, format!("unknown opcode {opb}")));
        };
        let arg = ext | argb as u32;
        let next = i + 1 + info.caches as usize;
        if next > n {
            return Err(err(
                co,
                i,
                format!("{} runs past the end of the code", op.name()),
            ));
        }
        if op == Op::ExtendedArg {
            ext = arg << 8;
            ext_start.get_or_insert(i);
            i = next;
            continue;
        }
        if op == Op::Cache {
            return Err(err(co, i, "CACHE where an instruction was expected"));
        }
        // compile.c charges a call's arguments to its PRECALL; the CALL
        // right after must take as many (the eval loop pops CALL's count).
        if op == Op::Call && prev_precall != Some(arg) {
            return Err(err(
                co,
                i,
                "CALL without a PRECALL of the same count before it",
            ));
        }
        prev_precall = (op == Op::Precall).then_some(arg);
        let kind = info.kind;
        if !rule.fits(kind, arg, next, n) {
            return Err(arg_error(co, &rule, i, op, arg, kind));
        }
        // Jumps land on the first EXTENDED_ARG of an instruction.
        let start = ext_start.take().unwrap_or(i);
        if let Some(slot) = instrs.get_mut(start) {
            *slot = Some(Instr {
                op,
                kind,
                arg,
                next: next as u32,
            });
        }
        ext = 0;
        i = next;
    }
    if ext != 0 {
        return Err(err(
            co,
            n.saturating_sub(1),
            "EXTENDED_ARG at the end of the code",
        ));
    }
    // The exception table.
    let stacksize = co.stacksize;
    let handlers = crate::pyc::code::parse_exception_table(co.exceptiontable);
    for h in &handlers {
        let (start, end, target) = (
            (h.start / 2) as usize,
            (h.end / 2) as usize,
            (h.target / 2) as usize,
        );
        if start >= end || end > n {
            return Err(err(
                co,
                start,
                "an exception-table entry covers no valid range",
            ));
        }
        if instrs.get(target).is_none_or(|x| x.is_none()) {
            return Err(err(
                co,
                start,
                format!(
                    "an exception handler targets offset {} which is not an instruction",
                    target * 2
                ),
            ));
        }
        if h.depth as usize + 1 + h.lasti as usize > stacksize {
            return Err(err(
                co,
                start,
                "an exception handler's stack depth exceeds co_stacksize",
            ));
        }
    }
    stack_depths(co, &instrs, stacksize, &handlers)
}

/// The verifier's quick path: one walk along the code in order, with one
/// stack depth per instruction start (CPython's compiler gives every
/// instruction one depth, and places code so that each one is reached by
/// falling through, by a forward jump or from the exception table before
/// any backward jump reaches it). True only when every check of
/// `verify_input` holds: each rule of its pass 1 at every instruction, and
/// a depth per reachable start consistent along every edge (fall-through,
/// jump, handler entry), which is then exactly the range its abstract
/// interpretation finds. Anything else (any error, an instruction reached
/// only by a backward jump, two depths meeting) says false, and the full
/// verifier decides and words the error. One allocation (the depths), no
/// decoded copy of the instructions, no work list.
fn accepted_in_one_pass(co: &VerifyInput<'_>) -> bool {
    /// No depth yet (reached neither by a jump nor from the exception
    /// table); the units inside an instruction stay so.
    const UNSET: i32 = -1;
    let code = co.code;
    if !code.len().is_multiple_of(2) || co.kinds.len() != co.nlocalsplus {
        return false;
    }
    let (units, _) = code.as_chunks::<2>();
    let n = units.len();
    let max = i64::try_from(co.stacksize).unwrap_or(i64::MAX);
    let mut depth: Vec<i32> = vec![UNSET; n];
    for h in crate::pyc::code::parse_exception_table(co.exceptiontable) {
        let (start, end, target) = (
            (h.start / 2) as usize,
            (h.end / 2) as usize,
            (h.target / 2) as usize,
        );
        let need = h.depth.saturating_add(1 + u64::from(h.lasti));
        let Ok(d) = i32::try_from(need) else {
            return false;
        };
        if start >= end || end > n || need > co.stacksize as u64 {
            return false;
        }
        match depth.get_mut(target) {
            Some(slot) if *slot == UNSET || *slot == d => *slot = d,
            _ => return false,
        }
    }
    // The depth falling into the next instruction (`falls`: execution
    // can fall into it).
    let (mut cur, mut falls) = (0i64, true);
    let rule = ArgRule::new(co);
    let mut prev_precall: Option<u32> = None;
    let mut i = 0;
    while let Some(&[first, first_arg]) = units.get(i) {
        let start = i;
        // The instruction, its EXTENDED_ARG prefixes folded in.
        let (mut opb, mut arg) = (first, u32::from(first_arg));
        let mut at = i;
        while opb == Op::ExtendedArg as u8 {
            at += 1;
            let Some(&[o, a]) = units.get(at) else {
                return false;
            };
            opb = o;
            arg = (arg << 8) | u32::from(a);
        }
        let info = &OP_INFO[opb as usize];
        let Some(op) = info.op else {
            return false;
        };
        let next = at + 1 + info.caches as usize;
        if op == Op::Cache || next > n {
            return false;
        }
        // No jump or handler lands inside the instruction.
        if depth
            .get(start + 1..next)
            .is_none_or(|inner| inner.iter().any(|&d| d != UNSET))
        {
            return false;
        }
        if op == Op::Call && prev_precall != Some(arg) {
            return false;
        }
        prev_precall = (op == Op::Precall).then_some(arg);
        let kind = info.kind;
        if !rule.fits(kind, arg, next, n) {
            return false;
        }
        // Its depth: the one falling into it, agreeing with any a jump or
        // the exception table gave it.
        let Some(slot) = depth.get_mut(start) else {
            return false;
        };
        let d = match (falls, *slot) {
            (true, UNSET) => cur,
            (true, s) if i64::from(s) == cur => cur,
            (false, s) if s != UNSET => i64::from(s),
            _ => return false,
        };
        let Ok(d32) = i32::try_from(d) else {
            return false;
        };
        *slot = d32;
        let inputs = match info.inputs {
            VARY_INPUTS => i64::from(op.stack_inputs(arg)),
            k => i64::from(k),
        };
        if d < inputs {
            return false;
        }
        let jumps = match kind {
            ArgKind::JumpForward => Some(next + arg as usize),
            ArgKind::JumpBackward => Some(next.saturating_sub(arg as usize)),
            _ => None,
        };
        if let Some(t) = jumps {
            let Some(after) = depth_after(info, op, arg, Some(true), d, max) else {
                return false;
            };
            match depth.get_mut(t) {
                // A target ahead takes the depth; one behind (already
                // walked) must have it; none lands inside this one.
                Some(s) if t >= next && (*s == UNSET || *s == after) => *s = after,
                Some(s) if t <= start && *s == after => {}
                _ => return false,
            }
        }
        falls = !info.end;
        if falls {
            match depth_after(info, op, arg, jumps.map(|_| false), d, max) {
                Some(after) => cur = i64::from(after),
                None => return false,
            }
        }
        i = next;
    }
    // Falling off the end is an error of the full verifier.
    !falls
}

/// The depth after `op` (its argument `arg`) along one edge (`jump`, as
/// `Op::stack_effect` takes it) from depth `d`, if it stays within
/// 0..=`max` and the effect is defined.
#[inline(always)]
fn depth_after(
    info: &OpInfo,
    op: Op,
    arg: u32,
    jump: Option<bool>,
    d: i64,
    max: i64,
) -> Option<i32> {
    let e = match info.effect {
        NOT_CONST => {
            let a = op.has_arg().then_some(arg as i32);
            op.stack_effect(a, jump).ok()?
        }
        i32::MAX => return None,
        e => e,
    };
    let after = d + i64::from(e);
    if after < 0 || after > max {
        return None;
    }
    i32::try_from(after).ok()
}

/// `ArgKind`s, by number: their count.
const ARG_KINDS: usize = ArgKind::MakeFunction as usize + 1;

/// Both verifiers' rule for arguments, set up once per code object: by
/// kind, the size of the table an argument indexes (`usize::MAX`: none),
/// 0 for the kinds with a check of their own (LOAD_GLOBAL's name, the
/// jumps), so the common case is one table read.
struct ArgRule {
    limits: [usize; ARG_KINDS],
    nnames: usize,
}

impl ArgRule {
    fn new(co: &VerifyInput<'_>) -> ArgRule {
        let mut limits = [usize::MAX; ARG_KINDS];
        for (kind, limit) in [
            (ArgKind::Const, co.nconsts),
            (ArgKind::Name, co.nnames),
            (ArgKind::GlobalName, 0),
            (ArgKind::Local, co.nlocalsplus),
            (ArgKind::Free, co.nlocalsplus),
            (ArgKind::Compare, 6),
            (ArgKind::BinaryOp, 26),
            (ArgKind::JumpForward, 0),
            (ArgKind::JumpBackward, 0),
        ] {
            limits[kind as usize] = limit;
        }
        ArgRule {
            limits,
            nnames: co.nnames,
        }
    }

    /// Whether argument `arg` of an instruction of `kind` is valid: inside
    /// the table it indexes, or a jump to a unit inside the `n` units of
    /// the code (`next`: the unit after the instruction).
    #[inline(always)]
    fn fits(&self, kind: ArgKind, arg: u32, next: usize, n: usize) -> bool {
        (arg as usize) < self.limits[kind as usize]
            || match kind {
                ArgKind::GlobalName => ((arg >> 1) as usize) < self.nnames,
                ArgKind::JumpForward => next + (arg as usize) < n,
                ArgKind::JumpBackward => arg as usize <= next,
                _ => false,
            }
    }
}

/// The error for an argument `ArgRule::fits` refuses.
#[cold]
fn arg_error(
    co: &VerifyInput<'_>,
    rule: &ArgRule,
    at: usize,
    op: Op,
    arg: u32,
    kind: ArgKind,
) -> VerifyError {
    match kind {
        ArgKind::GlobalName => err(
            co,
            at,
            format!("LOAD_GLOBAL name index {} is out of range", arg >> 1),
        ),
        ArgKind::JumpForward => err(
            co,
            at,
            format!("{} jumps past the end of the code", op.name()),
        ),
        ArgKind::JumpBackward => err(
            co,
            at,
            format!("{} jumps before the start of the code", op.name()),
        ),
        _ => out_of_range(co, at, op, arg, kind, rule.limits[kind as usize]),
    }
}

/// The error for an argument beyond the table it indexes.
#[cold]
fn out_of_range(
    co: &VerifyInput<'_>,
    at: usize,
    op: Op,
    arg: u32,
    kind: ArgKind,
    limit: usize,
) -> VerifyError {
    let what = match kind {
        ArgKind::Const => "constants",
        ArgKind::Name => "names",
        ArgKind::Local | ArgKind::Free => "local slots",
        ArgKind::Compare => "comparison operators",
        _ => "binary operators",
    };
    err(
        co,
        at,
        format!(
            "{} argument {arg} is out of range for {limit} {what}",
            op.name()
        ),
    )
}

/// Abstract interpretation of the stack depth: every reachable
/// instruction gets a depth range, which must stay within 0..=stacksize.
fn stack_depths(
    co: &VerifyInput<'_>,
    instrs: &[Option<Instr>],
    stacksize: usize,
    handlers: &[crate::pyc::code::ExceptionTableEntry],
) -> Result<(), VerifyError> {
    let n = instrs.len();
    // Compared with depths as i32 (a larger co_stacksize bounds nothing).
    let max = i32::try_from(stacksize).unwrap_or(i32::MAX);
    // The lowest and highest depth reaching each instruction (lo > hi:
    // not reached yet).
    let mut depth: Vec<(i32, i32)> = vec![(i32::MAX, i32::MIN); n];
    let mut work: Vec<usize> = Vec::with_capacity(16);
    if n > 0 {
        reach(&mut depth, &mut work, 0, 0, 0);
    }
    for h in handlers {
        // Checked against co_stacksize (an i32) by `verify`.
        let d = i32::try_from(h.depth + 1 + h.lasti as u64).unwrap_or(i32::MAX);
        reach(&mut depth, &mut work, (h.target / 2) as usize, d, d);
    }
    while let Some(first) = work.pop() {
        // Follow the fall-through chain directly; jump targets are queued.
        let mut at = first;
        loop {
            let (Some(Some(ins)), Some(&(lo, hi))) = (instrs.get(at), depth.get(at)) else {
                if at < n {
                    return Err(err(
                        co,
                        at,
                        "execution reaches the middle of an instruction",
                    ));
                }
                break;
            };
            let next = ins.next as usize;
            let target = match ins.kind {
                ArgKind::JumpForward => Some(next + ins.arg as usize),
                ArgKind::JumpBackward => Some(next - ins.arg as usize),
                _ => None,
            };
            if let Some(t) = target {
                let (nlo, nhi) = successor(co, at, ins, Some(true), (lo, hi), max)?;
                if t >= n {
                    return Err(err(co, at, "execution runs past the end of the code"));
                }
                reach(&mut depth, &mut work, t, nlo, nhi);
            }
            if OP_INFO[ins.op as usize].end {
                break;
            }
            let jump = target.map(|_| false);
            let (nlo, nhi) = successor(co, at, ins, jump, (lo, hi), max)?;
            let to = next;
            match depth.get_mut(to) {
                Some(slot) => {
                    if nlo < slot.0 || nhi > slot.1 {
                        *slot = (slot.0.min(nlo), slot.1.max(nhi));
                        at = to;
                    } else {
                        break;
                    }
                }
                None => {
                    return Err(err(co, at, "execution runs past the end of the code"));
                }
            }
        }
    }
    Ok(())
}

/// Widen the depth range of instruction `at` by `lo..=hi`; queue it when
/// that changed it.
#[inline(always)]
fn reach(depth: &mut [(i32, i32)], work: &mut Vec<usize>, at: usize, lo: i32, hi: i32) {
    let Some(slot) = depth.get_mut(at) else {
        return;
    };
    if lo < slot.0 || hi > slot.1 {
        *slot = (slot.0.min(lo), slot.1.max(hi));
        work.push(at);
    }
}

/// The depth range after instruction `ins` (at unit `at`) along one edge
/// (`jump`: the taken or not-taken side of a jump, None for a plain
/// instruction), checked against the stack's bounds (`max`:
/// `co_stacksize`).
#[inline(always)]
fn successor(
    co: &VerifyInput<'_>,
    at: usize,
    ins: &Instr,
    jump: Option<bool>,
    (lo, hi): (i32, i32),
    max: i32,
) -> Result<(i32, i32), VerifyError> {
    let info = &OP_INFO[ins.op as usize];
    let fixed = info.effect;
    let effect = if fixed != NOT_CONST {
        // `stack_effect` gives the same for any argument and jump (its
        // oparg checks cannot fail here: the argument is passed exactly
        // when the opcode takes one); i32::MAX is its "invalid".
        if fixed == i32::MAX {
            return Err(no_effect(co, at, ins));
        }
        fixed
    } else {
        let arg = ins.op.has_arg().then_some(ins.arg as i32);
        match ins.op.stack_effect(arg, jump) {
            Ok(e) => e,
            Err(_) => return Err(no_effect(co, at, ins)),
        }
    };
    let (nlo, nhi) = (lo.saturating_add(effect), hi.saturating_add(effect));
    let inputs = match info.inputs {
        VARY_INPUTS => i32::try_from(ins.op.stack_inputs(ins.arg)).unwrap_or(i32::MAX),
        n => i32::from(n),
    };
    if nlo < 0 || lo < inputs {
        return Err(err(
            co,
            at,
            format!("{} pops below the bottom of the stack", ins.op.name()),
        ));
    }
    if nhi > max {
        return Err(err(
            co,
            at,
            format!(
                "{} grows the stack beyond co_stacksize ({})",
                ins.op.name(),
                co.stacksize
            ),
        ));
    }
    Ok((nlo, nhi))
}

#[cold]
fn no_effect(co: &VerifyInput<'_>, at: usize, ins: &Instr) -> VerifyError {
    err(
        co,
        at,
        format!(
            "{} has no stack effect for argument {}",
            ins.op.name(),
            ins.arg
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick path accepts every code object CPython compiled in the
    /// fixtures, and, for one-byte damages of their code, exception
    /// tables and stack sizes, only what the full verifier accepts.
    #[test]
    fn one_pass_accepts_only_what_the_full_verifier_accepts() {
        let (mut valid, mut damaged, mut refused) = (0, 0, 0);
        for name in ["prog_bank_account", "prog_binary_tree", "exc11_chain"] {
            let Ok(data) = std::fs::read(format!("fixtures/run/{name}.pyc")) else {
                continue;
            };
            let (_, obj) = crate::pyc::load_pyc(&data).unwrap();
            for co in crate::pyc::dis::all_code_objects(obj.as_code().unwrap()) {
                let input = VerifyInput::of(co);
                assert!(accepted_in_one_pass(&input), "{:?}", co.name());
                valid += 1;
                let check = |input: &VerifyInput<'_>, refused: &mut usize| {
                    let full = verify_full(input);
                    if accepted_in_one_pass(input) {
                        assert!(full.is_ok(), "{:?}: {full:?}", co.name());
                    }
                    *refused += usize::from(full.is_err());
                };
                let code = co.code().to_vec();
                for i in 0..code.len() {
                    for flip in [0x01u8, 0x02, 0x10, 0x80, 0xff] {
                        let mut c = code.clone();
                        c[i] ^= flip;
                        check(
                            &VerifyInput {
                                code: &c,
                                ..VerifyInput::of(co)
                            },
                            &mut refused,
                        );
                        damaged += 1;
                    }
                }
                let table = co.exceptiontable().to_vec();
                for i in 0..table.len() {
                    for flip in [0x01u8, 0x04, 0x3f, 0x40] {
                        let mut t = table.clone();
                        t[i] ^= flip;
                        let damaged_table = VerifyInput {
                            exceptiontable: &t,
                            ..VerifyInput::of(co)
                        };
                        check(&damaged_table, &mut refused);
                        damaged += 1;
                    }
                }
                for less in 1..=2 {
                    let smaller = VerifyInput {
                        stacksize: input.stacksize.saturating_sub(less),
                        ..VerifyInput::of(co)
                    };
                    check(&smaller, &mut refused);
                    damaged += 1;
                }
            }
        }
        assert!(
            valid > 20 && damaged > 5000 && refused > 1000,
            "{valid} {damaged} {refused}"
        );
    }

    /// The const table agrees with `Op::stack_effect` for every opcode it
    /// covers, whatever the argument and jump.
    #[test]
    fn const_effects_match_stack_effect() {
        let mut covered = 0;
        for &op in Op::ALL {
            let fixed = CONST_EFFECT[op as usize];
            if fixed == NOT_CONST {
                continue;
            }
            covered += 1;
            for arg in [0i32, 1, 2, 3, 4, 7, 255, 256, 65_535, i32::MAX, -1] {
                for jump in [None, Some(true), Some(false)] {
                    let a = op.has_arg().then_some(arg);
                    assert_eq!(op.stack_effect(a, jump), Ok(fixed), "{op:?} {arg} {jump:?}");
                }
            }
        }
        assert!(covered > 40, "only {covered} opcodes have a fixed effect");
    }

    /// The table's inputs agree with `Op::stack_inputs` for every opcode
    /// whose inputs it fixes, whatever the argument.
    #[test]
    fn fixed_inputs_match_stack_inputs() {
        for &op in Op::ALL {
            let fixed = OP_INFO[op as usize].inputs;
            if fixed == VARY_INPUTS {
                continue;
            }
            for arg in [0u32, 1, 2, 3, 4, 7, 255, 256, 65_535, u32::MAX] {
                assert_eq!(op.stack_inputs(arg), u32::from(fixed), "{op:?} {arg}");
            }
        }
    }
}
