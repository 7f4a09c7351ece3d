//! Frame records. A frame's locals-plus and value stack live in the VM's
//! contiguous `stack`; the record says where.

use crate::objects::rc::Rc;

use super::code::Code;
use super::value::{PyRef, Value};

pub struct Frame {
    pub code: Rc<Code>,
    /// The function being run (for its closure and defaults), if any.
    pub func: Option<PyRef>,
    pub globals: PyRef,
    pub builtins: PyRef,
    /// The locals mapping of module and class bodies (`LOAD_NAME`).
    pub locals: Option<Value>,
    /// Index in `vm.stack` of `localsplus[0]`.
    pub base: usize,
    /// Where the caller's stack ends: on return the stack is cut back to
    /// here and the result pushed (for frames called from CALL).
    pub ret_base: usize,
    /// Code unit index of the instruction being executed.
    pub lasti: usize,
    /// Code unit index where the frame resumes (after a call or a yield).
    pub pc: usize,
    /// Returning from this frame returns from the `run` that pushed it.
    pub entry: bool,
    /// What returning from the frame does besides handing the value to
    /// the caller (frames that native code would have run, run in the
    /// caller's loop instead).
    pub on_return: OnReturn,
    /// The generator/coroutine object running this frame, if any.
    pub generator: Option<PyRef>,
    /// How the caller goes on when this generator frame, resumed in the
    /// caller's loop, yields or finishes (`GenExit::No` for other frames).
    pub gen_exit: GenExit,
    /// The frame's Python frame object once one was made (`sys._getframe`,
    /// tracing), so that it keeps its identity and `f_trace`.
    pub obj: Option<PyRef>,
}

/// What a frame's return does besides handing the value to its caller.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OnReturn {
    /// Nothing more.
    Plain,
    /// An `__init__` run by a class call (ops/call_py.rs): the instance
    /// lies below its locals; the value must be None and the instance is
    /// the call's result.
    Init,
    /// An operator method run by BINARY_OP with this argument
    /// (ops/call_dunder.rs): the operands lie below its locals; the value
    /// replaces them, or NotImplemented is a TypeError.
    BinaryOp(u8),
    /// A rich comparison method run by COMPARE_OP with this argument
    /// (ops/call_dunder.rs): the operands lie below its locals and the
    /// comparison's recursion unit is held; the value replaces them, or
    /// NotImplemented goes on to the reflected method.
    Compare(u8),
}

/// Where a generator frame resumed by FOR_ITER or SEND in the same eval
/// loop hands control back (CPython 3.12's FOR_ITER_GEN / SEND_GEN): a
/// yield pushes the value on the caller's stack and goes on at the
/// instruction after FOR_ITER/SEND; a return goes to the jump target.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GenExit {
    /// Not a generator frame resumed in its caller's loop.
    No,
    /// Resumed by FOR_ITER: on return, pop the iterator and go to this
    /// code unit (the loop's exit).
    ForIter(u32),
    /// Resumed by SEND: on return, the value replaces the receiver and the
    /// caller goes to this code unit.
    Send(u32),
    /// Resumed by a CALL of `gen.send(v)` (vm/gen_inline.rs): a yield is
    /// the call's result; a return raises StopIteration(value) at the CALL.
    Call,
    /// An async generator resumed by SEND on its `async_generator_asend`
    /// (vm/agen_inline.rs): a yield of a wrapped value ends the asend (the
    /// value replaces the receiver and the caller goes to this code unit),
    /// any other yield is passed on as `Send`'s; a return or an exception
    /// ends it as `async_gen_unwrap_value` does.
    ASend(u32),
    /// Resumed by a call of `sum`, `any`, `tuple`... with it
    /// (vm/gen_reduce.rs): a yield is folded into the caller's
    /// accumulator, a return makes the call's result.
    Reduce(super::gen_reduce::Reduce),
}

impl Frame {
    /// A frame about to run `code` from its start, its locals-plus at
    /// `base`; returning cuts the stack back to `ret_base`. Not an entry
    /// frame (`Frame { entry: true, ..Frame::new(..) }` for one).
    #[inline]
    pub fn new(
        code: Rc<Code>,
        func: Option<PyRef>,
        globals: PyRef,
        builtins: PyRef,
        locals: Option<Value>,
        base: usize,
        ret_base: usize,
    ) -> Frame {
        Frame {
            code,
            func,
            globals,
            builtins,
            locals,
            base,
            ret_base,
            lasti: 0,
            pc: 0,
            entry: false,
            on_return: OnReturn::Plain,
            generator: None,
            gen_exit: GenExit::No,
            obj: None,
        }
    }

    /// Index in `vm.stack` where the value stack starts.
    pub fn stack_base(&self) -> usize {
        self.base + self.code.nlocalsplus()
    }
}
