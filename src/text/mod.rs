//! The data layer of Python's `str` and `bytes`: [`PyStrData`] (an
//! immutable string stored as surrogate-tolerant UTF-8) and the algorithms
//! of every `str`, `bytes` and `bytearray` method with CPython 3.11's
//! results and error messages (Objects/unicodeobject.c,
//! Objects/bytes_methods.c, Objects/stringlib/). The VM wraps these types;
//! nothing here knows about VM objects.
//!
//! Arguments arrive already converted: a `start`/`end` pair is
//! `Option<i64>` (None for an omitted or `None` argument), a tuple of
//! prefixes is looped over by the caller, a mapping is a callback.
//! Errors are [`TextError`]s naming the exception class and carrying
//! CPython's message.
//!
//! Not here (yet): codecs other than UTF-8/ASCII/Latin-1 (the VM would
//! fall back to Python's `encodings` package), the `namereplace` error
//! handler, `str.format`/`%` (see [`crate::pyfmt`]), and the type checks
//! of arguments (`sequence item 0: expected str instance, int found`),
//! which need VM objects.

pub mod bytes_methods;
pub mod codecs;
pub(crate) mod core;
mod pystr;
pub mod str_methods;

pub use codecs::{Codec, ErrorHandler, UnicodeErrorInfo};
pub use pystr::{CodePoints, PyStrData, DEFAULT_MAX_STR_BYTES};

/// An error with CPython's exact message; the variant names the exception
/// class the VM raises.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("{0}")]
    Value(String),
    #[error("{0}")]
    Type(String),
    #[error("{0}")]
    Overflow(String),
    /// The result would be too large (CPython's `MemoryError`).
    #[error("{0}")]
    Memory(String),
    /// Unknown encoding or error handler (`LookupError`).
    #[error("{0}")]
    Lookup(String),
    #[error("{0}")]
    Index(String),
    #[error("{}", .0.message())]
    UnicodeEncode(Box<UnicodeErrorInfo>),
    #[error("{}", .0.message())]
    UnicodeDecode(Box<UnicodeErrorInfo>),
}

impl TextError {
    /// The Python exception class name.
    pub fn kind(&self) -> &'static str {
        match self {
            TextError::Value(_) => "ValueError",
            TextError::Type(_) => "TypeError",
            TextError::Overflow(_) => "OverflowError",
            TextError::Memory(_) => "MemoryError",
            TextError::Lookup(_) => "LookupError",
            TextError::Index(_) => "IndexError",
            TextError::UnicodeEncode(_) => "UnicodeEncodeError",
            TextError::UnicodeDecode(_) => "UnicodeDecodeError",
        }
    }

    /// The message, as `str(exc)` shows it.
    pub fn message(&self) -> String {
        match self {
            TextError::Value(m)
            | TextError::Type(m)
            | TextError::Overflow(m)
            | TextError::Memory(m)
            | TextError::Lookup(m)
            | TextError::Index(m) => m.clone(),
            TextError::UnicodeEncode(i) | TextError::UnicodeDecode(i) => i.message(),
        }
    }
}

pub(crate) fn value_err<T>(msg: &str) -> Result<T, TextError> {
    Err(TextError::Value(msg.to_string()))
}

/// CPython's `ADJUST_INDICES` for the `start`/`end` arguments of `find`,
/// `count`, `startswith` ...: negative values count from the end (and clip
/// at 0), `end` clips at `len`. `start` may end up greater than `end` or
/// `len`; every caller treats that as an empty range.
pub fn adjust_indices(len: usize, start: Option<i64>, end: Option<i64>) -> (usize, usize) {
    let n = i64::try_from(len).unwrap_or(i64::MAX);
    let fix = |v: i64| -> usize {
        let v = if v < 0 {
            (v.saturating_add(n)).max(0)
        } else {
            v
        };
        usize::try_from(v).unwrap_or(usize::MAX)
    };
    let start = fix(start.unwrap_or(0));
    let end = match end {
        None => len,
        Some(e) if e > n => len,
        Some(e) => fix(e),
    };
    (start, end)
}

/// `slice(start, stop, step).indices(len)` plus the slice length
/// (`PySlice_Unpack` + `PySlice_AdjustIndices`). `step` must not be 0
/// (`ValueError: slice step cannot be zero` is raised by the caller).
pub fn slice_indices(
    len: usize,
    start: Option<i64>,
    stop: Option<i64>,
    step: i64,
) -> (isize, isize, isize, usize) {
    let n = isize::try_from(len).unwrap_or(isize::MAX);
    let step = isize::try_from(step).unwrap_or(if step < 0 { -isize::MAX } else { isize::MAX });
    let step = step.max(-isize::MAX);
    let clamp = |v: Option<i64>, dflt: isize| -> isize {
        match v {
            None => dflt,
            Some(v) => {
                let v = isize::try_from(v).unwrap_or(if v < 0 { isize::MIN } else { isize::MAX });
                if v < 0 {
                    let v = v.saturating_add(n);
                    if v < 0 {
                        if step < 0 {
                            -1
                        } else {
                            0
                        }
                    } else {
                        v
                    }
                } else if v >= n {
                    if step < 0 {
                        n - 1
                    } else {
                        n
                    }
                } else {
                    v
                }
            }
        }
    };
    let (start, stop) = if step < 0 {
        (clamp(start, n - 1), clamp(stop, -1))
    } else {
        (clamp(start, 0), clamp(stop, n))
    };
    let count = if step < 0 {
        if stop < start {
            ((start - stop - 1) / -step + 1) as usize
        } else {
            0
        }
    } else if start < stop {
        ((stop - start - 1) / step + 1) as usize
    } else {
        0
    };
    (start, stop, step, count)
}
