//! The one CPython 3.11 opcode table (Lib/opcode.py, Python/compile.c's
//! `stack_effect`, Include/internal/pycore_opcode.h).
//!
//! Every fact about an opcode is written once, in [`for_each_op!`]: its
//! enum variant, name, number, inline cache entries, argument kind and
//! stack effect. The [`Op`] enum, the name and number lookups, the cache
//! counts and the stack effects are all generated from it; other modules
//! (the disassembler, the VM) can expand the macro for their own tables.

use std::fmt;

/// Opcodes from this number on take an argument (`opcode.HAVE_ARGUMENT`).
pub const HAVE_ARGUMENT: u8 = 90;

/// `opcode.cmp_op`: COMPARE_OP's argument names.
pub const CMP_OP: [&str; 6] = ["<", "<=", "==", "!=", ">", ">="];

/// `opcode._nb_ops`: BINARY_OP's arguments, (C name, operator).
pub const NB_OPS: [(&str, &str); 26] = [
    ("NB_ADD", "+"),
    ("NB_AND", "&"),
    ("NB_FLOOR_DIVIDE", "//"),
    ("NB_LSHIFT", "<<"),
    ("NB_MATRIX_MULTIPLY", "@"),
    ("NB_MULTIPLY", "*"),
    ("NB_REMAINDER", "%"),
    ("NB_OR", "|"),
    ("NB_POWER", "**"),
    ("NB_RSHIFT", ">>"),
    ("NB_SUBTRACT", "-"),
    ("NB_TRUE_DIVIDE", "/"),
    ("NB_XOR", "^"),
    ("NB_INPLACE_ADD", "+="),
    ("NB_INPLACE_AND", "&="),
    ("NB_INPLACE_FLOOR_DIVIDE", "//="),
    ("NB_INPLACE_LSHIFT", "<<="),
    ("NB_INPLACE_MATRIX_MULTIPLY", "@="),
    ("NB_INPLACE_MULTIPLY", "*="),
    ("NB_INPLACE_REMAINDER", "%="),
    ("NB_INPLACE_OR", "|="),
    ("NB_INPLACE_POWER", "**="),
    ("NB_INPLACE_RSHIFT", ">>="),
    ("NB_INPLACE_SUBTRACT", "-="),
    ("NB_INPLACE_TRUE_DIVIDE", "/="),
    ("NB_INPLACE_XOR", "^="),
];

/// `MAKE_FUNCTION`'s flag names, bit 0 first (`dis.MAKE_FUNCTION_FLAGS`).
pub const MAKE_FUNCTION_FLAGS: [&str; 4] = ["defaults", "kwdefaults", "annotations", "closure"];

/// `FORMAT_VALUE`'s conversion names, by `oparg & 3` (`dis.FORMAT_VALUE_CONVERTERS`).
pub const FORMAT_VALUE_CONVERTERS: [&str; 4] = ["", "str", "repr", "ascii"];

/// What an opcode's argument means, as Lib/opcode.py and Lib/dis.py 3.11
/// classify it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// No argument (opcode < HAVE_ARGUMENT).
    None,
    /// A plain integer (counts, flags, RESUME's kind...).
    Int,
    /// Index into `co_consts` (`hasconst`: LOAD_CONST, KW_NAMES).
    Const,
    /// Index into `co_names` (`hasname`).
    Name,
    /// `hasname`, index `oparg >> 1`, low bit = also push NULL (LOAD_GLOBAL).
    GlobalName,
    /// Index into the locals-plus slots of kind local (`haslocal`).
    Local,
    /// Index into the locals-plus slots, cells and free vars (`hasfree`).
    Free,
    /// Index into [`CMP_OP`] (`hascompare`).
    Compare,
    /// Index into [`NB_OPS`] (BINARY_OP).
    BinaryOp,
    /// Relative jump forward, in code units from the next instruction (`hasjrel`).
    JumpForward,
    /// Relative jump backward, in code units from the next instruction (`hasjrel`).
    JumpBackward,
    /// FORMAT_VALUE's conversion and format-spec bits.
    FormatValue,
    /// MAKE_FUNCTION's flags.
    MakeFunction,
}

/// `jump` as compile.c's `stack_effect` takes it: -1 (either), 0, 1.
type Jump = i32;

/// The table: `(Variant = number, "NAME", caches, ArgKind, |oparg, jump| effect)`.
/// Stack effects follow compile.c 3.11, evaluated with C `int` wrap-around.
#[macro_export]
macro_rules! for_each_op {
    ($m:ident) => {
        $m! {
            (Cache = 0, "CACHE", 0, None, |_a, _j| 0),
            (PopTop = 1, "POP_TOP", 0, None, |_a, _j| -1),
            (PushNull = 2, "PUSH_NULL", 0, None, |_a, _j| 1),
            (Nop = 9, "NOP", 0, None, |_a, _j| 0),
            (UnaryPositive = 10, "UNARY_POSITIVE", 0, None, |_a, _j| 0),
            (UnaryNegative = 11, "UNARY_NEGATIVE", 0, None, |_a, _j| 0),
            (UnaryNot = 12, "UNARY_NOT", 0, None, |_a, _j| 0),
            (UnaryInvert = 15, "UNARY_INVERT", 0, None, |_a, _j| 0),
            (BinarySubscr = 25, "BINARY_SUBSCR", 4, None, |_a, _j| -1),
            (GetLen = 30, "GET_LEN", 0, None, |_a, _j| 1),
            (MatchMapping = 31, "MATCH_MAPPING", 0, None, |_a, _j| 1),
            (MatchSequence = 32, "MATCH_SEQUENCE", 0, None, |_a, _j| 1),
            (MatchKeys = 33, "MATCH_KEYS", 0, None, |_a, _j| 1),
            (PushExcInfo = 35, "PUSH_EXC_INFO", 0, None, |_a, _j| 1),
            (CheckExcMatch = 36, "CHECK_EXC_MATCH", 0, None, |_a, _j| 0),
            (CheckEgMatch = 37, "CHECK_EG_MATCH", 0, None, |_a, _j| 0),
            (WithExceptStart = 49, "WITH_EXCEPT_START", 0, None, |_a, _j| 1),
            (GetAiter = 50, "GET_AITER", 0, None, |_a, _j| 0),
            (GetAnext = 51, "GET_ANEXT", 0, None, |_a, _j| 1),
            (BeforeAsyncWith = 52, "BEFORE_ASYNC_WITH", 0, None, |_a, _j| 1),
            (BeforeWith = 53, "BEFORE_WITH", 0, None, |_a, _j| 1),
            (EndAsyncFor = 54, "END_ASYNC_FOR", 0, None, |_a, _j| -2),
            (StoreSubscr = 60, "STORE_SUBSCR", 1, None, |_a, _j| -3),
            (DeleteSubscr = 61, "DELETE_SUBSCR", 0, None, |_a, _j| -2),
            (GetIter = 68, "GET_ITER", 0, None, |_a, _j| 0),
            (GetYieldFromIter = 69, "GET_YIELD_FROM_ITER", 0, None, |_a, _j| 0),
            (PrintExpr = 70, "PRINT_EXPR", 0, None, |_a, _j| -1),
            (LoadBuildClass = 71, "LOAD_BUILD_CLASS", 0, None, |_a, _j| 1),
            (LoadAssertionError = 74, "LOAD_ASSERTION_ERROR", 0, None, |_a, _j| 1),
            (ReturnGenerator = 75, "RETURN_GENERATOR", 0, None, |_a, _j| 0),
            (ListToTuple = 82, "LIST_TO_TUPLE", 0, None, |_a, _j| 0),
            (ReturnValue = 83, "RETURN_VALUE", 0, None, |_a, _j| -1),
            (ImportStar = 84, "IMPORT_STAR", 0, None, |_a, _j| -1),
            (SetupAnnotations = 85, "SETUP_ANNOTATIONS", 0, None, |_a, _j| 0),
            (YieldValue = 86, "YIELD_VALUE", 0, None, |_a, _j| 0),
            (AsyncGenWrap = 87, "ASYNC_GEN_WRAP", 0, None, |_a, _j| 0),
            (PrepReraiseStar = 88, "PREP_RERAISE_STAR", 0, None, |_a, _j| -1),
            (PopExcept = 89, "POP_EXCEPT", 0, None, |_a, _j| -1),
            (StoreName = 90, "STORE_NAME", 0, Name, |_a, _j| -1),
            (DeleteName = 91, "DELETE_NAME", 0, Name, |_a, _j| 0),
            (UnpackSequence = 92, "UNPACK_SEQUENCE", 1, Int, |a: i32, _j| a.wrapping_sub(1)),
            (ForIter = 93, "FOR_ITER", 0, JumpForward, |_a, j: i32| if j > 0 { -1 } else { 1 }),
            (UnpackEx = 94, "UNPACK_EX", 0, Int, |a: i32, _j| (a & 0xFF).wrapping_add(a >> 8)),
            (StoreAttr = 95, "STORE_ATTR", 4, Name, |_a, _j| -2),
            (DeleteAttr = 96, "DELETE_ATTR", 0, Name, |_a, _j| -1),
            (StoreGlobal = 97, "STORE_GLOBAL", 0, Name, |_a, _j| -1),
            (DeleteGlobal = 98, "DELETE_GLOBAL", 0, Name, |_a, _j| 0),
            (Swap = 99, "SWAP", 0, Int, |_a, _j| 0),
            (LoadConst = 100, "LOAD_CONST", 0, Const, |_a, _j| 1),
            (LoadName = 101, "LOAD_NAME", 0, Name, |_a, _j| 1),
            (BuildTuple = 102, "BUILD_TUPLE", 0, Int, |a: i32, _j| 1i32.wrapping_sub(a)),
            (BuildList = 103, "BUILD_LIST", 0, Int, |a: i32, _j| 1i32.wrapping_sub(a)),
            (BuildSet = 104, "BUILD_SET", 0, Int, |a: i32, _j| 1i32.wrapping_sub(a)),
            (BuildMap = 105, "BUILD_MAP", 0, Int,
                |a: i32, _j| 1i32.wrapping_sub(a.wrapping_mul(2))),
            (LoadAttr = 106, "LOAD_ATTR", 4, Name, |_a, _j| 0),
            (CompareOp = 107, "COMPARE_OP", 2, Compare, |_a, _j| -1),
            (ImportName = 108, "IMPORT_NAME", 0, Name, |_a, _j| -1),
            (ImportFrom = 109, "IMPORT_FROM", 0, Name, |_a, _j| 1),
            (JumpForward = 110, "JUMP_FORWARD", 0, JumpForward, |_a, _j| 0),
            (JumpIfFalseOrPop = 111, "JUMP_IF_FALSE_OR_POP", 0, JumpForward,
                |_a, j: i32| if j != 0 { 0 } else { -1 }),
            (JumpIfTrueOrPop = 112, "JUMP_IF_TRUE_OR_POP", 0, JumpForward,
                |_a, j: i32| if j != 0 { 0 } else { -1 }),
            (PopJumpForwardIfFalse = 114, "POP_JUMP_FORWARD_IF_FALSE", 0, JumpForward, |_a, _j| -1),
            (PopJumpForwardIfTrue = 115, "POP_JUMP_FORWARD_IF_TRUE", 0, JumpForward, |_a, _j| -1),
            (LoadGlobal = 116, "LOAD_GLOBAL", 5, GlobalName, |a: i32, _j| (a & 1) + 1),
            (IsOp = 117, "IS_OP", 0, Int, |_a, _j| -1),
            (ContainsOp = 118, "CONTAINS_OP", 0, Int, |_a, _j| -1),
            (Reraise = 119, "RERAISE", 0, Int, |_a, _j| -1),
            (Copy = 120, "COPY", 0, Int, |_a, _j| 1),
            (BinaryOp = 122, "BINARY_OP", 1, BinaryOp, |_a, _j| -1),
            (Send = 123, "SEND", 0, JumpForward, |_a, j: i32| if j > 0 { -1 } else { 0 }),
            (LoadFast = 124, "LOAD_FAST", 0, Local, |_a, _j| 1),
            (StoreFast = 125, "STORE_FAST", 0, Local, |_a, _j| -1),
            (DeleteFast = 126, "DELETE_FAST", 0, Local, |_a, _j| 0),
            (PopJumpForwardIfNotNone = 128, "POP_JUMP_FORWARD_IF_NOT_NONE", 0, JumpForward,
                |_a, _j| -1),
            (PopJumpForwardIfNone = 129, "POP_JUMP_FORWARD_IF_NONE", 0, JumpForward, |_a, _j| -1),
            (RaiseVarargs = 130, "RAISE_VARARGS", 0, Int, |a: i32, _j| a.wrapping_neg()),
            (GetAwaitable = 131, "GET_AWAITABLE", 0, Int, |_a, _j| 0),
            (MakeFunction = 132, "MAKE_FUNCTION", 0, MakeFunction,
                |a: i32, _j| -((a & 1 != 0) as i32) - ((a & 2 != 0) as i32)
                    - ((a & 4 != 0) as i32) - ((a & 8 != 0) as i32)),
            (BuildSlice = 133, "BUILD_SLICE", 0, Int, |a: i32, _j| if a == 3 { -2 } else { -1 }),
            (JumpBackwardNoInterrupt = 134, "JUMP_BACKWARD_NO_INTERRUPT", 0, JumpBackward,
                |_a, _j| 0),
            (MakeCell = 135, "MAKE_CELL", 0, Free, |_a, _j| 0),
            (LoadClosure = 136, "LOAD_CLOSURE", 0, Free, |_a, _j| 1),
            (LoadDeref = 137, "LOAD_DEREF", 0, Free, |_a, _j| 1),
            (StoreDeref = 138, "STORE_DEREF", 0, Free, |_a, _j| -1),
            (DeleteDeref = 139, "DELETE_DEREF", 0, Free, |_a, _j| 0),
            (JumpBackward = 140, "JUMP_BACKWARD", 0, JumpBackward, |_a, _j| 0),
            (CallFunctionEx = 142, "CALL_FUNCTION_EX", 0, Int,
                |a: i32, _j| -2 - ((a & 1 != 0) as i32)),
            (ExtendedArg = 144, "EXTENDED_ARG", 0, Int, |_a, _j| 0),
            (ListAppend = 145, "LIST_APPEND", 0, Int, |_a, _j| -1),
            (SetAdd = 146, "SET_ADD", 0, Int, |_a, _j| -1),
            (MapAdd = 147, "MAP_ADD", 0, Int, |_a, _j| -2),
            (LoadClassderef = 148, "LOAD_CLASSDEREF", 0, Free, |_a, _j| 1),
            (CopyFreeVars = 149, "COPY_FREE_VARS", 0, Int, |_a, _j| 0),
            (Resume = 151, "RESUME", 0, Int, |_a, _j| 0),
            (MatchClass = 152, "MATCH_CLASS", 0, Int, |_a, _j| -2),
            (FormatValue = 155, "FORMAT_VALUE", 0, FormatValue,
                |a: i32, _j| if a & 4 == 4 { -1 } else { 0 }),
            (BuildConstKeyMap = 156, "BUILD_CONST_KEY_MAP", 0, Int, |a: i32, _j| a.wrapping_neg()),
            (BuildString = 157, "BUILD_STRING", 0, Int, |a: i32, _j| 1i32.wrapping_sub(a)),
            (LoadMethod = 160, "LOAD_METHOD", 10, Name, |_a, _j| 1),
            (ListExtend = 162, "LIST_EXTEND", 0, Int, |_a, _j| -1),
            (SetUpdate = 163, "SET_UPDATE", 0, Int, |_a, _j| -1),
            (DictMerge = 164, "DICT_MERGE", 0, Int, |_a, _j| -1),
            (DictUpdate = 165, "DICT_UPDATE", 0, Int, |_a, _j| -1),
            (Precall = 166, "PRECALL", 1, Int, |a: i32, _j| a.wrapping_neg()),
            (Call = 171, "CALL", 4, Int, |_a, _j| -1),
            (KwNames = 172, "KW_NAMES", 0, Const, |_a, _j| 0),
            (PopJumpBackwardIfNotNone = 173, "POP_JUMP_BACKWARD_IF_NOT_NONE", 0, JumpBackward,
                |_a, _j| -1),
            (PopJumpBackwardIfNone = 174, "POP_JUMP_BACKWARD_IF_NONE", 0, JumpBackward,
                |_a, _j| -1),
            (PopJumpBackwardIfFalse = 175, "POP_JUMP_BACKWARD_IF_FALSE", 0, JumpBackward,
                |_a, _j| -1),
            (PopJumpBackwardIfTrue = 176, "POP_JUMP_BACKWARD_IF_TRUE", 0, JumpBackward,
                |_a, _j| -1),
        }
    };
}

/// The specialised (quickened) instructions of 3.11: (name, number, base
/// opcode). They never appear in `co_code`, which CPython deoptimises.
pub const SPECIALIZED: [(&str, u8, Op); 71] = [
    ("BINARY_OP_ADAPTIVE", 3, Op::BinaryOp),
    ("BINARY_OP_ADD_FLOAT", 4, Op::BinaryOp),
    ("BINARY_OP_ADD_INT", 5, Op::BinaryOp),
    ("BINARY_OP_ADD_UNICODE", 6, Op::BinaryOp),
    ("BINARY_OP_INPLACE_ADD_UNICODE", 7, Op::BinaryOp),
    ("BINARY_OP_MULTIPLY_FLOAT", 8, Op::BinaryOp),
    ("BINARY_OP_MULTIPLY_INT", 13, Op::BinaryOp),
    ("BINARY_OP_SUBTRACT_FLOAT", 14, Op::BinaryOp),
    ("BINARY_OP_SUBTRACT_INT", 16, Op::BinaryOp),
    ("BINARY_SUBSCR_ADAPTIVE", 17, Op::BinarySubscr),
    ("BINARY_SUBSCR_DICT", 18, Op::BinarySubscr),
    ("BINARY_SUBSCR_GETITEM", 19, Op::BinarySubscr),
    ("BINARY_SUBSCR_LIST_INT", 20, Op::BinarySubscr),
    ("BINARY_SUBSCR_TUPLE_INT", 21, Op::BinarySubscr),
    ("CALL_ADAPTIVE", 22, Op::Call),
    ("CALL_PY_EXACT_ARGS", 23, Op::Call),
    ("CALL_PY_WITH_DEFAULTS", 24, Op::Call),
    ("COMPARE_OP_ADAPTIVE", 26, Op::CompareOp),
    ("COMPARE_OP_FLOAT_JUMP", 27, Op::CompareOp),
    ("COMPARE_OP_INT_JUMP", 28, Op::CompareOp),
    ("COMPARE_OP_STR_JUMP", 29, Op::CompareOp),
    ("EXTENDED_ARG_QUICK", 34, Op::ExtendedArg),
    ("JUMP_BACKWARD_QUICK", 38, Op::JumpBackward),
    ("LOAD_ATTR_ADAPTIVE", 39, Op::LoadAttr),
    ("LOAD_ATTR_INSTANCE_VALUE", 40, Op::LoadAttr),
    ("LOAD_ATTR_MODULE", 41, Op::LoadAttr),
    ("LOAD_ATTR_SLOT", 42, Op::LoadAttr),
    ("LOAD_ATTR_WITH_HINT", 43, Op::LoadAttr),
    ("LOAD_CONST__LOAD_FAST", 44, Op::LoadConst),
    ("LOAD_FAST__LOAD_CONST", 45, Op::LoadFast),
    ("LOAD_FAST__LOAD_FAST", 46, Op::LoadFast),
    ("LOAD_GLOBAL_ADAPTIVE", 47, Op::LoadGlobal),
    ("LOAD_GLOBAL_BUILTIN", 48, Op::LoadGlobal),
    ("LOAD_GLOBAL_MODULE", 55, Op::LoadGlobal),
    ("LOAD_METHOD_ADAPTIVE", 56, Op::LoadMethod),
    ("LOAD_METHOD_CLASS", 57, Op::LoadMethod),
    ("LOAD_METHOD_MODULE", 58, Op::LoadMethod),
    ("LOAD_METHOD_NO_DICT", 59, Op::LoadMethod),
    ("LOAD_METHOD_WITH_DICT", 62, Op::LoadMethod),
    ("LOAD_METHOD_WITH_VALUES", 63, Op::LoadMethod),
    ("PRECALL_ADAPTIVE", 64, Op::Precall),
    ("PRECALL_BOUND_METHOD", 65, Op::Precall),
    ("PRECALL_BUILTIN_CLASS", 66, Op::Precall),
    ("PRECALL_BUILTIN_FAST_WITH_KEYWORDS", 67, Op::Precall),
    (
        "PRECALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS",
        72,
        Op::Precall,
    ),
    ("PRECALL_NO_KW_BUILTIN_FAST", 73, Op::Precall),
    ("PRECALL_NO_KW_BUILTIN_O", 76, Op::Precall),
    ("PRECALL_NO_KW_ISINSTANCE", 77, Op::Precall),
    ("PRECALL_NO_KW_LEN", 78, Op::Precall),
    ("PRECALL_NO_KW_LIST_APPEND", 79, Op::Precall),
    ("PRECALL_NO_KW_METHOD_DESCRIPTOR_FAST", 80, Op::Precall),
    ("PRECALL_NO_KW_METHOD_DESCRIPTOR_NOARGS", 81, Op::Precall),
    ("PRECALL_NO_KW_METHOD_DESCRIPTOR_O", 113, Op::Precall),
    ("PRECALL_NO_KW_STR_1", 121, Op::Precall),
    ("PRECALL_NO_KW_TUPLE_1", 127, Op::Precall),
    ("PRECALL_NO_KW_TYPE_1", 141, Op::Precall),
    ("PRECALL_PYFUNC", 143, Op::Precall),
    ("RESUME_QUICK", 150, Op::Resume),
    ("STORE_ATTR_ADAPTIVE", 153, Op::StoreAttr),
    ("STORE_ATTR_INSTANCE_VALUE", 154, Op::StoreAttr),
    ("STORE_ATTR_SLOT", 158, Op::StoreAttr),
    ("STORE_ATTR_WITH_HINT", 159, Op::StoreAttr),
    ("STORE_FAST__LOAD_FAST", 161, Op::StoreFast),
    ("STORE_FAST__STORE_FAST", 167, Op::StoreFast),
    ("STORE_SUBSCR_ADAPTIVE", 168, Op::StoreSubscr),
    ("STORE_SUBSCR_DICT", 169, Op::StoreSubscr),
    ("STORE_SUBSCR_LIST_INT", 170, Op::StoreSubscr),
    ("UNPACK_SEQUENCE_ADAPTIVE", 177, Op::UnpackSequence),
    ("UNPACK_SEQUENCE_LIST", 178, Op::UnpackSequence),
    ("UNPACK_SEQUENCE_TUPLE", 179, Op::UnpackSequence),
    ("UNPACK_SEQUENCE_TWO_TUPLE", 180, Op::UnpackSequence),
];

macro_rules! define_ops {
    ($(($var:ident = $num:literal, $name:literal, $caches:literal, $kind:ident, $se:expr),)*) => {
        /// A 3.11 opcode of `opcode.opmap` (specialised forms excluded).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Op {
            $($var = $num,)*
        }

        impl Op {
            /// Every opcode, in numeric order.
            pub const ALL: &'static [Op] = &[$(Op::$var,)*];

            /// The opcode with this number, if `opcode.opmap` has one.
            pub const fn from_u8(b: u8) -> Option<Op> {
                match b {
                    $($num => Some(Op::$var),)*
                    _ => None,
                }
            }

            /// The opcode with this name (`opcode.opmap[name]`).
            pub fn from_name(name: &str) -> Option<Op> {
                match name {
                    $($name => Some(Op::$var),)*
                    _ => None,
                }
            }

            /// `opcode.opname[op]`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Op::$var => $name,)*
                }
            }

            /// `opcode._inline_cache_entries[op]`: code units of inline cache
            /// that follow the instruction.
            pub const fn caches(self) -> usize {
                match self {
                    $(Op::$var => $caches,)*
                }
            }

            /// How the argument is interpreted.
            pub const fn arg_kind(self) -> ArgKind {
                match self {
                    $(Op::$var => ArgKind::$kind,)*
                }
            }

            /// Raw compile.c stack effect (no oparg checks; i32::MAX = invalid).
            fn raw_stack_effect(self, oparg: i32, jump: Jump) -> i32 {
                match self {
                    $(Op::$var => {
                        #[allow(clippy::redundant_closure_call, unused_parens)]
                        let v: i32 = ($se)(oparg, jump);
                        v
                    })*
                }
            }
        }
    };
}

for_each_op!(define_ops);

/// Why `stack_effect` refused (the messages of `dis.stack_effect`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StackEffectError {
    #[error("stack_effect: opcode requires oparg but oparg was not specified")]
    OpargRequired,
    #[error("stack_effect: opcode does not permit oparg but oparg was specified")]
    OpargNotPermitted,
    #[error("invalid opcode or oparg")]
    Invalid,
}

/// `Op::from_u8` as a table, for the eval loop's decode.
static DECODE: [Option<Op>; 256] = {
    let mut t = [None; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = Op::from_u8(i as u8);
        i += 1;
    }
    t
};

/// `Op::caches` by opcode number (0 for unknown numbers).
static CACHES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        if let Some(op) = Op::from_u8(i as u8) {
            t[i] = op.caches() as u8;
        }
        i += 1;
    }
    t
};

impl Op {
    /// The number (`opcode.opmap[name]`).
    pub const fn number(self) -> u8 {
        self as u8
    }

    /// `from_u8` by table lookup (the eval loop's decode).
    #[inline(always)]
    pub fn decode(b: u8) -> Option<Op> {
        DECODE[b as usize]
    }

    /// `caches` by table lookup.
    #[inline(always)]
    pub fn cache_units(self) -> usize {
        CACHES[self as usize] as usize
    }

    /// Whether the instruction takes an argument (op >= HAVE_ARGUMENT).
    pub const fn has_arg(self) -> bool {
        self as u8 >= HAVE_ARGUMENT
    }

    pub fn has_const(self) -> bool {
        self.arg_kind() == ArgKind::Const
    }
    pub fn has_name(self) -> bool {
        matches!(self.arg_kind(), ArgKind::Name | ArgKind::GlobalName)
    }
    pub fn has_jrel(self) -> bool {
        matches!(
            self.arg_kind(),
            ArgKind::JumpForward | ArgKind::JumpBackward
        )
    }
    /// No absolute jumps in 3.11 (`opcode.hasjabs` is empty).
    pub fn has_jabs(self) -> bool {
        false
    }
    pub fn has_local(self) -> bool {
        self.arg_kind() == ArgKind::Local
    }
    pub fn has_compare(self) -> bool {
        self.arg_kind() == ArgKind::Compare
    }
    pub fn has_free(self) -> bool {
        self.arg_kind() == ArgKind::Free
    }
    /// `'JUMP_BACKWARD' in opname[op]` (dis's `_is_backward_jump`).
    pub fn is_backward_jump(self) -> bool {
        self.arg_kind() == ArgKind::JumpBackward
    }

    /// How many values the instruction reads from the top of the stack:
    /// its inputs, which compile.c's net stack effect does not tell (an
    /// instruction that pops two and pushes one has effect -1). The
    /// verifier requires at least this depth; the eval loop's registers
    /// (vm/regs.rs) read these slots unchecked. Instructions not listed
    /// read no more than their net effect pops.
    pub const fn stack_inputs(self, oparg: u32) -> u32 {
        use Op::*;
        match self {
            UnaryPositive | UnaryNegative | UnaryNot | UnaryInvert | GetIter | GetYieldFromIter
            | GetAwaitable | GetAiter | GetAnext | GetLen | LoadAttr | LoadMethod | ListToTuple
            | JumpIfFalseOrPop | JumpIfTrueOrPop | BeforeWith | BeforeAsyncWith | MatchMapping
            | MatchSequence | PushExcInfo | ForIter | UnpackSequence | UnpackEx | YieldValue
            | ImportFrom | ReturnValue | PrintExpr => 1,
            BinaryOp | CompareOp | IsOp | ContainsOp | BinarySubscr | CheckExcMatch
            | CheckEgMatch | PrepReraiseStar | Send | MatchKeys | ImportName | Call => 2,
            MatchClass => 3,
            WithExceptStart => 4,
            FormatValue => 1 + (oparg & 0x04 != 0) as u32,
            Copy | Swap => {
                if oparg > 1 {
                    oparg
                } else {
                    1
                }
            }
            ListAppend | SetAdd | ListExtend | SetUpdate | DictUpdate | DictMerge => {
                oparg.saturating_add(1)
            }
            MapAdd => oparg.saturating_add(2),
            // Builders read their items and push one result: one more
            // than the net effect pops.
            BuildTuple | BuildList | BuildSet | BuildString | BuildSlice => oparg,
            BuildMap => oparg.saturating_mul(2),
            BuildConstKeyMap => oparg.saturating_add(1),
            // The code and one value per flag (defaults, keyword defaults,
            // annotations, closure).
            MakeFunction => 1 + (oparg & 0x0F).count_ones(),
            // NULL, the callable, the argument tuple and the keyword dict
            // when the flag says so.
            CallFunctionEx => 3 + (oparg & 1),
            // compile.c charges the arguments to PRECALL (-oparg); CALL
            // then takes the two callable slots (-1).
            Precall => oparg.saturating_add(2),
            _ => 0,
        }
    }

    /// Whether `stack_inputs` depends on the argument.
    pub const fn stack_inputs_vary(self) -> bool {
        use Op::*;
        matches!(
            self,
            FormatValue
                | Copy
                | Swap
                | ListAppend
                | SetAdd
                | ListExtend
                | SetUpdate
                | DictUpdate
                | DictMerge
                | MapAdd
                | Precall
                | BuildTuple
                | BuildList
                | BuildSet
                | BuildString
                | BuildSlice
                | BuildMap
                | BuildConstKeyMap
                | MakeFunction
                | CallFunctionEx
        )
    }

    /// `dis.stack_effect(op, oparg, jump=jump)` of 3.11: `jump` None means
    /// "either" (compile.c's -1), which is not always the maximum.
    pub fn stack_effect(
        self,
        oparg: Option<i32>,
        jump: Option<bool>,
    ) -> Result<i32, StackEffectError> {
        let oparg = match (self.has_arg(), oparg) {
            (true, Some(a)) => a,
            (true, None) => return Err(StackEffectError::OpargRequired),
            (false, Some(_)) => return Err(StackEffectError::OpargNotPermitted),
            (false, None) => 0,
        };
        let j = match jump {
            None => -1,
            Some(true) => 1,
            Some(false) => 0,
        };
        match self.raw_stack_effect(oparg, j) {
            i32::MAX => Err(StackEffectError::Invalid),
            v => Ok(v),
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `_PyOpcode_Deopt[byte]`: the base opcode of any byte found in code, as
/// CPython reads it back through `co_code`. Specialised forms map to their
/// base; numbers that are no opcode at all map to CACHE (0).
pub fn deopt(byte: u8) -> Op {
    if let Some(op) = Op::from_u8(byte) {
        return op;
    }
    SPECIALIZED
        .iter()
        .find(|(_, n, _)| *n == byte)
        .map(|(_, _, base)| *base)
        .unwrap_or(Op::Cache)
}

/// The name dis prints for a raw byte: `dis._all_opname[byte]` (base and
/// specialised names; `<N>` for unused numbers).
pub fn all_opname(byte: u8) -> String {
    if let Some(op) = Op::from_u8(byte) {
        return op.name().to_string();
    }
    match SPECIALIZED.iter().find(|(_, n, _)| *n == byte) {
        Some((name, _, _)) => (*name).to_string(),
        None => format!("<{byte}>"),
    }
}

/// `co_code` as CPython 3.11 returns it (`_PyCode_GetCode`/`deopt_code`):
/// every instruction replaced by its base opcode (oparg kept) and the
/// inline cache units after it zeroed.
pub fn deopt_code(code: &[u8]) -> Vec<u8> {
    let mut out = code.to_vec();
    let mut i = 0;
    while i + 1 < out.len() {
        let op = deopt(out[i]);
        out[i] = op.number();
        i += 2;
        for _ in 0..op.caches() {
            if i + 1 < out.len() {
                out[i] = 0;
                out[i + 1] = 0;
            }
            i += 2;
        }
    }
    out
}
