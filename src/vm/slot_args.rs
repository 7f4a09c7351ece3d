//! Argument checks of CPython's slot wrappers (`wrapper_descriptor` /
//! `method-wrapper`): `[].__len__(1)` is "expected 0 arguments, got 1",
//! `(1).__add__()` is "expected 1 argument, got 0". CPython's `wrap_*`
//! functions in typeobject.c check the count before calling the slot, and
//! `wrapper_call` refuses keywords first.

/// The argument count a slot wrapper accepts (after `self`), and how
/// CPython words a wrong count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arity {
    /// `check_num_args(args, n)`: "expected n argument(s), got m".
    Exact(usize),
    /// `PyArg_UnpackTuple(args, "", n, n)`: the same with a leading space.
    Unpack(usize),
    /// `PyArg_UnpackTuple(args, "", min, max)`.
    Range(usize, usize),
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The sequence types whose `*` is `sq_repeat` (`wrap_indexargfunc`).
fn is_repeat_owner(owner: &str) -> bool {
    matches!(
        owner,
        "str"
            | "bytes"
            | "bytearray"
            | "list"
            | "tuple"
            | "deque"
            | "collections.deque"
            | "array"
            | "array.array"
    )
}

/// The arity of slot wrapper `name` of the type named `owner` (`None`:
/// any arguments). Worked out once when a wrapper descriptor is made.
pub fn arity(name: &str, owner: &str) -> Option<Arity> {
    Some(match name {
        "__repr__" | "__str__" | "__hash__" | "__iter__" | "__next__" | "__del__" | "__await__"
        | "__aiter__" | "__anext__" | "__neg__" | "__pos__" | "__abs__" | "__bool__"
        | "__invert__" | "__int__" | "__float__" | "__index__" | "__len__" => Arity::Exact(0),
        "__mul__" | "__rmul__" | "__imul__" if is_repeat_owner(owner) => Arity::Unpack(1),
        "__setattr__" | "__set__" | "__setitem__" => Arity::Unpack(2),
        "__pow__" | "__rpow__" | "__get__" => Arity::Range(1, 2),
        "__getattribute__" | "__delattr__" | "__lt__" | "__le__" | "__eq__" | "__ne__"
        | "__gt__" | "__ge__" | "__delete__" | "__add__" | "__radd__" | "__sub__" | "__rsub__"
        | "__mul__" | "__rmul__" | "__mod__" | "__rmod__" | "__divmod__" | "__rdivmod__"
        | "__lshift__" | "__rlshift__" | "__rshift__" | "__rrshift__" | "__and__" | "__rand__"
        | "__xor__" | "__rxor__" | "__or__" | "__ror__" | "__iadd__" | "__isub__" | "__imul__"
        | "__imod__" | "__ilshift__" | "__irshift__" | "__iand__" | "__ixor__" | "__ior__"
        | "__floordiv__" | "__rfloordiv__" | "__truediv__" | "__rtruediv__" | "__ifloordiv__"
        | "__itruediv__" | "__matmul__" | "__rmatmul__" | "__imatmul__" | "__getitem__"
        | "__delitem__" | "__contains__" => Arity::Exact(1),
        _ => return None,
    })
}

/// The message of the `TypeError` CPython raises when the slot wrapper
/// `name` of the type `owner` is called with `nargs` positional arguments
/// (after `self`) and `has_kw` keywords; `None` when the call is fine (or
/// the wrapper takes any arguments: `__init__`, `__call__`).
pub fn slot_call_error(name: &str, owner: &str, nargs: usize, has_kw: bool) -> Option<String> {
    arity_error(arity(name, owner), name, nargs, has_kw)
}

/// `slot_call_error` with the wrapper's arity already known.
#[inline]
pub fn arity_error(ar: Option<Arity>, name: &str, nargs: usize, has_kw: bool) -> Option<String> {
    let ar = ar?;
    if has_kw {
        return Some(format!("wrapper {name}() takes no keyword arguments"));
    }
    match ar {
        Arity::Exact(n) if nargs != n => {
            Some(format!("expected {n} argument{}, got {nargs}", plural(n)))
        }
        Arity::Unpack(n) if nargs != n => {
            Some(format!(" expected {n} argument{}, got {nargs}", plural(n)))
        }
        Arity::Range(lo, _) if nargs < lo => Some(format!(
            " expected at least {lo} argument{}, got {nargs}",
            plural(lo)
        )),
        Arity::Range(_, hi) if nargs > hi => Some(format!(
            " expected at most {hi} argument{}, got {nargs}",
            plural(hi)
        )),
        _ => None,
    }
}
