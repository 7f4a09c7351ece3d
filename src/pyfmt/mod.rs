//! Python's formatting algorithms, independent of the `.pyc` layer so the
//! VM can reuse them: `repr` of floats, complex numbers, `str` and `bytes`
//! exactly as CPython 3.11 prints them, the emulation of CPython's set
//! hash table that decides the iteration (and so repr) order of sets, the
//! `format()` spec mini-language for int/float/complex/str, `%`-formatting
//! pieces, and the parsers `float(str)`, `int(str, base)`,
//! `float.fromhex` with `float.hex` and `round`.
//!
//! Errors are [`FmtError`]s carrying CPython's exact message; the variant
//! names the exception class the VM raises.

mod dtoa;
mod float;
mod number;
mod parse;
mod percent;
pub mod settable;
mod spec;
mod text;
mod unidata;

pub use dtoa::{double_to_string, DtoaFlags};
pub use float::{complex_repr, float_repr, format_float_r};
pub use number::{
    format_complex, format_complex_as, format_float, format_float_as, format_int, format_int_as,
    format_str, format_str_as, INT_MAX_STR_DIGITS,
};
pub use parse::{
    bigint_to_f64, float_fromhex, float_hex, float_round, float_round_to_int, float_to_int,
    int_to_decimal, int_to_str_radix, parse_float, parse_int, parse_int_limited,
};
pub use percent::{
    parse_percent, percent_char_code, percent_float, percent_int, percent_int_limited,
    percent_text, unsupported_char, Count, PercentConv, PercentFlags, PercentSpec,
};
pub use spec::{
    unicode_decimal, unicode_isspace, FmtError, FormatSpec, Grouping, MAX_OUTPUT_CHARS,
};
pub use text::{bytes_repr, str_repr, str_repr_str};
