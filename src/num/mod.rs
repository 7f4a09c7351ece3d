//! Python's `int`, `float` and `complex` arithmetic as pure functions,
//! with CPython 3.11's exact semantics and error messages
//! (Objects/longobject.c, Objects/floatobject.c, Objects/complexobject.c).
//!
//! The VM calls these on the slow paths of BINARY_OP / COMPARE_OP and from
//! the numeric types' methods. Mixed int/float operations convert the int
//! first with [`Int::to_f64`] (which raises CPython's OverflowError) and
//! then use the float function, as CPython's `CONVERT_TO_DOUBLE` does;
//! comparisons between an int and a float must use [`cmp_int_float`],
//! which is exact.
//!
//! Errors are [`NumError`]s; the variant names the Python exception class.

mod complex;
mod float;
mod int;

pub use complex::{
    complex_abs, complex_add, complex_div, complex_eq, complex_mul, complex_neg, complex_pow,
    complex_sub, Complex,
};
pub use float::{
    float_as_integer_ratio, float_ceil, float_div, float_divmod, float_floor, float_floordiv,
    float_is_integer, float_mod, float_pow, float_round, float_round_ndigits, float_trunc,
    FloatPow,
};
pub use int::{cmp_int_float, eq_int_float, parse_byteorder, IntPow, MAX_INT_BITS};

pub use crate::pyfmt::{float_fromhex, float_hex};

use num_bigint::BigInt;

/// A Python int in its one canonical form: `Small` whenever the value fits
/// an `i64`, `Big` only when it does not. Build `Big` values through
/// [`Int::from_bigint`], which normalizes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Int {
    Small(i64),
    Big(BigInt),
}

/// A failed numeric operation, with CPython 3.11's exact message; the
/// variant names the exception class the VM raises.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumError {
    /// `ZeroDivisionError`.
    #[error("{0}")]
    ZeroDivision(String),
    /// `OverflowError`. Float `**` overflow carries CPython's errno text
    /// `(34, 'Numerical result out of range')`: CPython raises it with
    /// `args == (34, 'Numerical result out of range')` (see
    /// [`NumError::is_erange`]).
    #[error("{0}")]
    Overflow(String),
    /// `ValueError`.
    #[error("{0}")]
    Value(String),
    /// `MemoryError` (no message): the result would exceed [`MAX_INT_BITS`].
    #[error("")]
    Memory,
}

/// The message of a float `**` overflow (`PyErr_SetFromErrno(ERANGE)`).
pub const ERANGE_MESSAGE: &str = "(34, 'Numerical result out of range')";

impl NumError {
    /// The Python exception class name.
    pub fn kind(&self) -> &'static str {
        match self {
            NumError::ZeroDivision(_) => "ZeroDivisionError",
            NumError::Overflow(_) => "OverflowError",
            NumError::Value(_) => "ValueError",
            NumError::Memory => "MemoryError",
        }
    }

    /// The message (`str(exc)`).
    pub fn message(&self) -> &str {
        match self {
            NumError::ZeroDivision(m) | NumError::Overflow(m) | NumError::Value(m) => m,
            NumError::Memory => "",
        }
    }

    /// True for the errno-style OverflowError whose `args` are
    /// `(34, 'Numerical result out of range')` rather than one string.
    pub fn is_erange(&self) -> bool {
        matches!(self, NumError::Overflow(m) if m == ERANGE_MESSAGE)
    }

    pub(crate) fn zero_div(msg: &str) -> NumError {
        NumError::ZeroDivision(msg.to_string())
    }

    pub(crate) fn overflow(msg: &str) -> NumError {
        NumError::Overflow(msg.to_string())
    }

    pub(crate) fn value(msg: &str) -> NumError {
        NumError::Value(msg.to_string())
    }
}

impl From<crate::pyfmt::FmtError> for NumError {
    fn from(e: crate::pyfmt::FmtError) -> NumError {
        use crate::pyfmt::FmtError;
        match e {
            FmtError::Overflow(m) => NumError::Overflow(m),
            FmtError::Memory(_) => NumError::Memory,
            FmtError::Value(m) | FmtError::Type(m) => NumError::Value(m),
        }
    }
}
