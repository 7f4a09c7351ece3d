//! Fast paths of common `str` methods for ASCII text: `strip` (and
//! `lstrip`/`rstrip`), `lower`, `upper`, `capitalize`, `split`,
//! `splitlines`, `partition`/`rpartition` and `encode()`, working on the str's own bytes instead of converting it to
//! the text layer's [`crate::text::PyStrData`] first.
//!
//! Each function answers `None` when its case does not apply (a non-ASCII
//! receiver or argument, keyword arguments, an unusual argument count or
//! type): the caller then runs the general method, which also makes every
//! error message. When one answers, the result is what the general method
//! gives, object identity included (an unchanged exact str is returned
//! itself by `strip`, as CPython does).

use super::function::Args;
use super::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// Which ends `strip` works on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Left,
    Right,
    Both,
}

/// Python's whitespace among ASCII characters (`str.isspace`): `\t\n\v\f\r`,
/// the separators `\x1c`-`\x1f` and the space.
#[inline]
pub(crate) fn is_ascii_space(b: u8) -> bool {
    matches!(b, 9..=13 | 28..=32)
}

/// The receiver when it is a str holding ASCII text, with whether it is an
/// exact str.
#[inline]
fn ascii_self<'a>(vm: &Vm, args: &Args<'a>) -> Option<(&'a PyRef, &'a str, bool)> {
    if args.has_kwargs() {
        return None;
    }
    match args.args.first()? {
        Value::Obj(o) => match &o.payload {
            Payload::Str(s) if s.is_ascii() => Some((o, s.as_str(), o.class_is(&vm.types.str))),
            _ => None,
        },
        _ => None,
    }
}

/// The text of an ASCII str argument.
#[inline]
pub(crate) fn ascii_arg(v: &Value) -> Option<&str> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Str(s) if s.is_ascii() => Some(s.as_str()),
            _ => None,
        },
        _ => None,
    }
}

/// `s.strip()`, `s.strip(None)` and `s.strip(chars)` (and the one-sided
/// forms) for ASCII `s` and `chars`.
pub(crate) fn strip(vm: &Vm, args: &Args, side: Side) -> Option<PyResult<Value>> {
    let (o, s, exact) = ascii_self(vm, args)?;
    let b = s.as_bytes();
    let strip_set: Option<&[u8]> = match args.args.get(1..)? {
        [] | [Value::None] => None,
        [chars] => Some(ascii_arg(chars)?.as_bytes()),
        _ => return None,
    };
    let drop_it = |c: &u8| match strip_set {
        None => is_ascii_space(*c),
        Some(set) => set.contains(c),
    };
    let mut lo = 0;
    let mut hi = b.len();
    if side != Side::Right {
        lo = b.iter().position(|c| !drop_it(c)).unwrap_or(hi);
    }
    if side != Side::Left {
        hi = b
            .get(lo..)?
            .iter()
            .rposition(|c| !drop_it(c))
            .map_or(lo, |i| lo + i + 1);
    }
    if lo == 0 && hi == b.len() && exact {
        return Some(Ok(Value::Obj(o.clone())));
    }
    Some(Ok(vm.new_str(s.get(lo..hi)?)))
}

/// Which case mapping [`case`] applies.
#[derive(Clone, Copy)]
pub(crate) enum Case {
    Lower,
    Upper,
    Capitalize,
}

/// `s.lower()`, `s.upper()`, `s.capitalize()` for ASCII `s`: always a new
/// str, as the general methods make.
pub(crate) fn case(vm: &Vm, args: &Args, how: Case) -> Option<PyResult<Value>> {
    let (_, s, _) = ascii_self(vm, args)?;
    if args.args.len() != 1 {
        return None;
    }
    let apply = |out: &mut [u8]| match how {
        Case::Lower => out.make_ascii_lowercase(),
        Case::Upper => out.make_ascii_uppercase(),
        Case::Capitalize => {
            out.make_ascii_lowercase();
            if let Some(first) = out.first_mut() {
                first.make_ascii_uppercase();
            }
        }
    };
    // Short text is mapped on the stack (the str holds it in place).
    let mut buf = [0u8; super::str_text::INLINE_MAX];
    if let Some(out) = buf.get_mut(..s.len()) {
        out.copy_from_slice(s.as_bytes());
        apply(out);
        return Some(Ok(vm.new_str(std::str::from_utf8(out).ok()?)));
    }
    let mut out = s.as_bytes().to_vec();
    apply(&mut out);
    Some(Ok(vm.new_string(String::from_utf8(out).ok()?)))
}

/// `s.encode()`, `s.encode(enc)` and `s.encode(enc, errors)` (positional)
/// where the result is the str's own text: UTF-8 of a str without lone
/// surrogates, or ASCII/Latin-1 of an ASCII str. No error handler is
/// consulted then (CPython looks one up only at an unencodable
/// character), so any str `errors` gives the same bytes.
pub(crate) fn encode(vm: &Vm, args: &Args) -> Option<PyResult<Value>> {
    if args.has_kwargs() {
        return None;
    }
    let (me, rest) = args.args.split_first()?;
    let Value::Obj(o) = me else {
        return None;
    };
    let Payload::Str(s) = &o.payload else {
        return None;
    };
    if s.surrogate_cps().is_some() {
        return None;
    }
    match rest {
        [] => {}
        [enc] | [enc, _] => {
            if let [_, errors] = rest {
                text_arg(errors)?;
            }
            match text_arg(enc)? {
                "utf-8" | "utf8" | "UTF-8" | "utf_8" | "UTF8" => {}
                "ascii" | "latin-1" | "latin1" | "iso-8859-1" | "us-ascii" if s.is_ascii() => {}
                _ => return None,
            }
        }
        _ => return None,
    }
    Some(Ok(vm.new_bytes(s.as_str().as_bytes().to_vec())))
}

/// The text of a str argument.
fn text_arg(v: &Value) -> Option<&str> {
    match v {
        Value::Obj(a) => match &a.payload {
            Payload::Str(t) => Some(t.as_str()),
            _ => None,
        },
        _ => None,
    }
}

/// `s.splitlines(keepends)` for ASCII `s`: the lines cut straight from the
/// str's bytes. The general method makes each line's code points first,
/// four bytes a character for every line at once (pyperformance's logging
/// peaked 8 MB higher splitting its 3 MB log).
pub(crate) fn splitlines(vm: &Vm, args: &Args, keepends: bool) -> Option<PyResult<Value>> {
    let s = match args.args.first()? {
        Value::Obj(o) => match &o.payload {
            Payload::Str(s) if s.is_ascii() => s.as_str(),
            _ => return None,
        },
        _ => return None,
    };
    let b = s.as_bytes();
    // Python's line boundaries among ASCII characters (`\n`, `\v`, `\f`,
    // `\r`, and the separators `\x1c`-`\x1e`).
    let spans = crate::text::bytes_methods::line_spans(
        b,
        keepends,
        |c| matches!(c, 0x0a..=0x0d | 0x1c..=0x1e),
    );
    let items = spans
        .into_iter()
        .map(|r| vm.new_str(s.get(r).unwrap_or("")))
        .collect();
    Some(Ok(vm.new_list(items)))
}

/// `s.split()` and `s.split(sep)` (no `maxsplit`) for ASCII `s` and a
/// non-empty ASCII `sep`: the pieces as new strs, in a list with the
/// capacity the general method gives it.
pub(crate) fn split(vm: &Vm, args: &Args) -> Option<PyResult<Value>> {
    let (_, s, _) = ascii_self(vm, args)?;
    let mut items: Vec<Value> = Vec::new();
    match args.args.get(1..)? {
        [] | [Value::None] => {
            for piece in s.split(|c: char| is_ascii_space(c as u8)) {
                if !piece.is_empty() {
                    items.push(vm.new_str(piece));
                }
            }
        }
        [sep] => {
            let sep = ascii_arg(sep)?;
            if sep.is_empty() {
                return None;
            }
            for piece in s.split(sep) {
                items.push(vm.new_str(piece));
            }
        }
        _ => return None,
    }
    super::str_methods::size_split_list(&mut items, -1);
    Some(Ok(vm.new_list(items)))
}

/// The text of a str without lone surrogates (its UTF-8 is the text).
#[inline]
fn utf8_str(v: &Value) -> Option<&str> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Str(s) if s.surrogate_cps().is_none() => Some(s.as_str()),
            _ => None,
        },
        _ => None,
    }
}

/// `s.partition(sep)` (`right`: `s.rpartition(sep)`) for strs without
/// lone surrogates and a non-empty `sep` (a UTF-8 search finds whole
/// characters). As CPython's: the separator in the result is `sep`
/// itself, and when it is absent the whole part is `s` itself.
pub(crate) fn partition(vm: &Vm, args: &Args, right: bool) -> Option<PyResult<Value>> {
    if args.has_kwargs() {
        return None;
    }
    let [this, sep_v] = args.args else {
        return None;
    };
    let (s, sep) = (utf8_str(this)?, utf8_str(sep_v)?);
    if sep.is_empty() {
        return None;
    }
    let found = if right { s.rfind(sep) } else { s.find(sep) };
    let items = match found {
        Some(i) => vec![
            vm.new_str(s.get(..i)?),
            sep_v.clone(),
            vm.new_str(s.get(i + sep.len()..)?),
        ],
        None if right => vec![vm.new_str(""), vm.new_str(""), this.clone()],
        None => vec![this.clone(), vm.new_str(""), vm.new_str("")],
    };
    Some(Ok(vm.new_tuple(items)))
}

#[cfg(test)]
mod tests {
    use super::is_ascii_space;

    #[test]
    fn ascii_space_is_str_isspace() {
        let spaces: Vec<u8> = (0u8..128).filter(|&b| is_ascii_space(b)).collect();
        assert_eq!(spaces, vec![9, 10, 11, 12, 13, 28, 29, 30, 31, 32]);
    }
}
