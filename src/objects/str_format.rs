//! `str % args` (Objects/unicodeobject.c `PyUnicode_Format`) and
//! `str.format` / `str.format_map` (Objects/stringlib/unicode_format.h),
//! with CPython 3.11's argument fetching order and messages. The number
//! and padding pieces are `crate::pyfmt`.

use num_bigint::BigInt;

use super::function::Args;
use super::int::{is_int, to_bigint};
use super::str_methods::str_data;
use super::Payload;
use crate::pyfmt::{self, Count, PercentConv};
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

// ---------------------------------------------------------------------------
// `%` formatting.

/// The argument cursor of `PyUnicode_Format`.
struct PercentArgs {
    /// The tuple's items, or the one (or mapped) value.
    args: Vec<Value>,
    /// -1 for a single value.
    arglen: i64,
    /// -2 for an unused single value.
    argidx: i64,
    dict: Option<Value>,
}

impl PercentArgs {
    fn next(&mut self, vm: &Vm) -> PyResult<Value> {
        let idx = self.argidx;
        if idx < self.arglen {
            self.argidx += 1;
            if self.arglen < 0 {
                return Ok(self.args.first().cloned().unwrap_or(Value::None));
            }
            if let Some(v) = usize::try_from(idx).ok().and_then(|i| self.args.get(i)) {
                return Ok(v.clone());
            }
        }
        Err(vm.type_error("not enough arguments for format string"))
    }
}

/// Whether `v` supports `[]` (CPython's `PyMapping_Check`).
fn is_mapping(vm: &mut Vm, v: &Value) -> bool {
    if !matches!(v, Value::Obj(_)) {
        return false;
    }
    let ty = vm.type_of(v);
    vm.type_lookup_static(&ty, "__getitem__").is_some()
}

/// `format % args`.
pub fn percent_format(vm: &mut Vm, fmt: &str, args: &Value) -> PyResult<String> {
    if let Some(r) = percent_simple(vm, fmt, args) {
        return r;
    }
    let cps: Vec<u32> = fmt.chars().map(u32::from).collect();
    let tuple = match args {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(items) => Some(items.to_vec()),
            _ => None,
        },
        _ => None,
    };
    let is_str = matches!(args, Value::Obj(o) if matches!(o.payload, Payload::Str(_)));
    let dict = if tuple.is_none() && !is_str && is_mapping(vm, args) {
        Some(args.clone())
    } else {
        None
    };
    let mut st = match tuple {
        Some(items) => PercentArgs {
            arglen: items.len() as i64,
            args: items,
            argidx: 0,
            dict,
        },
        None => PercentArgs {
            args: vec![args.clone()],
            arglen: -1,
            argidx: -2,
            dict,
        },
    };
    let mut outs = String::with_capacity(fmt.len() + 16);
    let mut i = 0;
    let n = cps.len();
    while i < n {
        if cps.get(i) != Some(&u32::from('%')) {
            let start = i;
            while i < n && cps.get(i) != Some(&u32::from('%')) {
                i += 1;
            }
            outs.extend(
                cps.get(start..i)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|&c| char::from_u32(c)),
            );
            continue;
        }
        i += 1;
        if cps.get(i) == Some(&u32::from('%')) {
            outs.push('%');
            i += 1;
            continue;
        }
        i = format_one(vm, &cps, i, &mut st, &mut outs)?;
        if st.dict.is_some() && st.argidx < st.arglen {
            return Err(vm.type_error("not all arguments converted during string formatting"));
        }
    }
    if st.argidx < st.arglen && st.dict.is_none() {
        return Err(vm.type_error("not all arguments converted during string formatting"));
    }
    Ok(outs)
}

/// One conversion of a format [`percent_simple`] takes.
enum Simple<'a> {
    /// `%s`, `%r` (the next positional argument, or the mapping's `key`).
    Text { repr: bool, key: Option<&'a str> },
    /// `%d`/`%i` of an int or bool argument.
    Int,
    /// `%%`.
    Percent,
}

/// The text `%s` gives for an exact str without lone surrogates: its own.
fn exact_str_text<'a>(vm: &Vm, v: &'a Value) -> Option<&'a str> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Str(s) if o.class_is(&vm.types.str) && s.surrogate_cps().is_none() => {
                Some(s.as_str())
            }
            _ => None,
        },
        _ => None,
    }
}

/// The next conversion of `fmt` from byte `i` that [`percent_simple`]
/// takes: `Some(None)` at the end, None for one it leaves to the general
/// path. Gives (position of the `%`, end, conversion).
fn simple_conv(fmt: &str, i: usize) -> Option<Option<(usize, usize, Simple<'_>)>> {
    let b = fmt.as_bytes();
    let Some(off) = b.get(i..)?.iter().position(|&c| c == b'%') else {
        return Some(None);
    };
    let at = i + off;
    let (end, conv) = match b.get(at + 1)? {
        b'%' => (at + 2, Simple::Percent),
        b's' => (
            at + 2,
            Simple::Text {
                repr: false,
                key: None,
            },
        ),
        b'r' => (
            at + 2,
            Simple::Text {
                repr: true,
                key: None,
            },
        ),
        b'd' | b'i' => (at + 2, Simple::Int),
        b'(' => {
            let close = at + 2 + b.get(at + 2..)?.iter().position(|&c| c == b')')?;
            let key = fmt.get(at + 2..close)?;
            if key.contains('(') {
                return None;
            }
            let repr = match b.get(close + 1)? {
                b's' => false,
                b'r' => true,
                _ => return None,
            };
            (
                close + 2,
                Simple::Text {
                    repr,
                    key: Some(key),
                },
            )
        }
        _ => return None,
    };
    Some(Some((at, end, conv)))
}

/// `format % args` for the common formats: only `%%`, `%s`, `%r`, `%d`
/// and `%i` without flags, width or precision, taking exactly the
/// arguments given (a tuple's items or one value), or only `%(key)s` and
/// `%(key)r` with an exact dict. The whole format is checked before any
/// argument is converted, so None (the general path) has had no effect.
fn percent_simple(vm: &mut Vm, fmt: &str, args: &Value) -> Option<PyResult<String>> {
    let items: &[Value] = match args {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(t) => t,
            _ => std::slice::from_ref(args),
        },
        _ => std::slice::from_ref(args),
    };
    let dict = match args {
        Value::Obj(o) if matches!(o.payload, Payload::Dict(_)) && o.class_is_static() => Some(o),
        _ => None,
    };
    // Check: the conversions, their count, `%d`'s argument types; and
    // an estimate of the result's length.
    let (mut keyed, mut positional, mut room) = (0usize, 0usize, fmt.len());
    let mut i = 0;
    while let Some((_, end, c)) = simple_conv(fmt, i)? {
        match c {
            Simple::Int => {
                if !matches!(items.get(positional)?, Value::Int(_) | Value::Bool(_)) {
                    return None;
                }
                positional += 1;
            }
            Simple::Text { key: None, .. } => {
                if let Some(Value::Obj(o)) = items.get(positional) {
                    if let Payload::Str(t) = &o.payload {
                        room += t.as_str().len();
                    }
                }
                positional += 1;
            }
            Simple::Text { .. } => keyed += 1,
            Simple::Percent => {}
        }
        i = end;
    }
    match (keyed, positional) {
        (0, n) if n == items.len() => {}
        (k, 0) if k > 0 && dict.is_some() => {}
        _ => return None,
    }
    let mut out = String::with_capacity(room);
    let mut next = items.iter();
    let mut i = 0;
    while let Some((at, end, c)) = simple_conv(fmt, i)? {
        out.push_str(fmt.get(i..at)?);
        i = end;
        let (v, repr) = match c {
            Simple::Percent => {
                out.push('%');
                continue;
            }
            Simple::Int => {
                match next.next()? {
                    Value::Int(n) => out.push_str(&n.to_string()),
                    Value::Bool(t) => out.push(if t.get() { '1' } else { '0' }),
                    _ => return None,
                }
                continue;
            }
            Simple::Text { key: Some(k), repr } => {
                let key = vm.new_str(k);
                match vm.getitem(&Value::Obj(dict?.clone()), &key) {
                    Ok(v) => (v, repr),
                    Err(e) => return Some(Err(e)),
                }
            }
            Simple::Text { key: None, repr } => (next.next()?.clone(), repr),
        };
        if !repr {
            if let Some(t) = exact_str_text(vm, &v) {
                out.push_str(t);
                continue;
            }
        }
        let t = if repr { vm.repr(&v) } else { vm.str(&v) };
        match t {
            Ok(t) => out.push_str(&t),
            Err(e) => return Some(Err(e)),
        }
    }
    out.push_str(fmt.get(i..)?);
    Some(Ok(out))
}

/// A `*` width or precision argument.
fn star_arg(vm: &mut Vm, st: &mut PercentArgs, c_int: bool) -> PyResult<i64> {
    let v = st.next(vm)?;
    if !is_int(&v) {
        return Err(vm.type_error("* wants int"));
    }
    let b = to_bigint(&v).unwrap_or_default();
    let limit = if c_int {
        i64::try_from(&b).ok().filter(|x| i32::try_from(*x).is_ok())
    } else {
        i64::try_from(&b).ok()
    };
    limit.ok_or_else(|| {
        vm.overflow_error(if c_int {
            "Python int too large to convert to C int"
        } else {
            "Python int too large to convert to C ssize_t"
        })
    })
}

/// One conversion starting just after its `%`; returns the index after it.
fn format_one(
    vm: &mut Vm,
    cps: &[u32],
    pos: usize,
    st: &mut PercentArgs,
    outs: &mut String,
) -> PyResult<usize> {
    if cps.get(pos) == Some(&u32::from('(')) && st.dict.is_none() {
        return Err(vm.type_error("format requires a mapping"));
    }
    let spec = pyfmt::parse_percent(cps, pos).map_err(|e| vm.fmt_err(e))?;
    if let (Some(key), Some(d)) = (&spec.key, &st.dict) {
        let key: String = key.iter().filter_map(|&c| char::from_u32(c)).collect();
        let k = vm.new_string(key);
        let v = vm.getitem(&d.clone(), &k)?;
        st.args = vec![v];
        st.arglen = -1;
        st.argidx = -2;
    }
    let sw = match spec.width {
        Count::Star => Some(star_arg(vm, st, false)?),
        _ => None,
    };
    let sp = match spec.precision {
        Count::Star => Some(star_arg(vm, st, true)?),
        _ => None,
    };
    let conv = spec.resolve(sw, sp);
    let v = st.next(vm)?;
    // `%s` of an exact str without width or precision: its text as is.
    if conv.conv == 's' && conv.width < 0 && conv.prec < 0 {
        if let Some(t) = exact_str_text(vm, &v) {
            outs.push_str(t);
            return Ok(spec.end);
        }
    }
    // `%d` of a small int without flags, width or precision: its digits.
    if let (Value::Int(i), 'd' | 'i' | 'u') = (&v, conv.conv) {
        if conv.width < 0 && conv.prec < 0 && conv.flags == pyfmt::PercentFlags::default() {
            let mut buf = itoa_buf();
            outs.push_str(int_digits(*i, &mut buf));
            return Ok(spec.end);
        }
    }
    let text = match conv.conv {
        's' | 'r' | 'a' => {
            let t = match conv.conv {
                's' => vm.str(&v)?,
                'r' => vm.repr(&v)?,
                _ => vm.ascii(&v)?,
            };
            pyfmt::percent_text(&t, &conv).map_err(|e| vm.fmt_err(e))?
        }
        'd' | 'i' | 'u' | 'o' | 'x' | 'X' => {
            let b = format_long_arg(vm, &v, conv.conv)?;
            pyfmt::percent_int_limited(&b, &conv, pyfmt::INT_MAX_STR_DIGITS)
                .map_err(|e| vm.fmt_err(e))?
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            let x = float_arg(vm, &v)?;
            pyfmt::percent_float(x, &conv).map_err(|e| vm.fmt_err(e))?
        }
        'c' => format_char(vm, &v, &conv)?,
        _ => {
            let e = pyfmt::unsupported_char(spec.conv, spec.end.saturating_sub(1));
            return Err(vm.fmt_err(e));
        }
    };
    outs.push_str(&text);
    Ok(spec.end)
}

fn itoa_buf() -> [u8; 20] {
    [0; 20]
}

/// The decimal digits of `i` (with its sign), written at the end of `buf`.
fn int_digits(i: i64, buf: &mut [u8; 20]) -> &str {
    let mut n = i.unsigned_abs();
    let mut at = buf.len();
    loop {
        at -= 1;
        if let Some(d) = buf.get_mut(at) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        at -= 1;
        if let Some(d) = buf.get_mut(at) {
            *d = b'-';
        }
    }
    std::str::from_utf8(buf.get(at..).unwrap_or(&[])).unwrap_or("")
}

/// The int for `%d`-like conversions (`mainformatlong`).
fn format_long_arg(vm: &mut Vm, v: &Value, conv: char) -> PyResult<BigInt> {
    if let Some(b) = to_bigint(v) {
        return Ok(b);
    }
    let wrongtype = |vm: &Vm| {
        let what = if matches!(conv, 'o' | 'x' | 'X') {
            "an integer is required"
        } else {
            "a real number is required"
        };
        vm.type_error(format!(
            "%{conv} format: {what}, not {}",
            vm.type_name_of(v)
        ))
    };
    if !is_number(vm, v) {
        return Err(wrongtype(vm));
    }
    let r = if matches!(conv, 'o' | 'x' | 'X') {
        match vm.call_special(v, "__index__", &[]) {
            Ok(Some(r)) if is_int(&r) => Ok(r),
            Ok(Some(r)) => Err(vm.type_error(format!(
                "__index__ returned non-int (type {})",
                vm.type_name_of(&r)
            ))),
            Ok(None) => return Err(wrongtype(vm)),
            Err(e) => Err(e),
        }
    } else {
        vm.to_int(v)
    };
    match r {
        Ok(r) => Ok(to_bigint(&r).unwrap_or_default()),
        Err(e) if vm.err_is(&e, super::exception::ExcKind::TypeError) => Err(wrongtype(vm)),
        Err(e) => Err(e),
    }
}

/// `PyNumber_Check`: int, float, complex, or a class with `__index__`,
/// `__int__` or `__float__`.
fn is_number(vm: &mut Vm, v: &Value) -> bool {
    match v {
        Value::Int(_) | Value::Bool(_) | Value::Float(_) => true,
        Value::Obj(o) => {
            if matches!(
                o.payload,
                Payload::Int(_) | Payload::Float(_) | Payload::Complex(..)
            ) {
                return true;
            }
            let ty = vm.type_of(v);
            ["__index__", "__int__", "__float__"]
                .iter()
                .any(|n| vm.type_lookup_str(&ty, n).is_some())
        }
        _ => false,
    }
}

/// `PyFloat_AsDouble`.
fn float_arg(vm: &mut Vm, v: &Value) -> PyResult<f64> {
    match v {
        Value::Float(f) => return Ok(f.get()),
        Value::Int(_) | Value::Bool(_) => return vm.int_to_f64(v),
        Value::Obj(o) => match &o.payload {
            Payload::Float(f) => return Ok(*f),
            Payload::Int(_) => return vm.int_to_f64(v),
            _ => {}
        },
        _ => {}
    }
    let ty = vm.type_of(v);
    let has = |vm: &mut Vm, n: &str| vm.type_lookup_str(&ty, n).is_some();
    if has(vm, "__float__") || has(vm, "__index__") {
        return vm.to_float(v);
    }
    Err(vm.type_error(format!("must be real number, not {}", vm.type_name_of(v))))
}

/// `%c`: a one-character str or an int code point.
fn format_char(vm: &mut Vm, v: &Value, conv: &PercentConv) -> PyResult<String> {
    if let Some(s) = str_data(v) {
        if s.len() != 1 {
            return Err(vm.type_error("%c requires int or char"));
        }
        return pyfmt::percent_text(&s.to_string_lossy(), conv).map_err(|e| vm.fmt_err(e));
    }
    let b = match to_bigint(v) {
        Some(b) => b,
        None => match vm.index_value(v) {
            Ok(Some(i)) => BigInt::from(i),
            _ => return Err(vm.type_error("%c requires int or char")),
        },
    };
    pyfmt::percent_char_code(&b, conv).map_err(|e| vm.fmt_err(e))
}

fn str_mod(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (Some(fmt), Some(a)) = (args.args.first(), args.args.get(1)) else {
        return Ok(vm.not_implemented());
    };
    str_mod_values(vm, fmt, a)
}

/// `s % a` when `s` is exactly a str and no str subclass on the right
/// could answer first: `unicode_mod` straight from BINARY_OP, without the
/// method lookup (None: the general protocol decides).
pub(crate) fn exact_str_mod(vm: &mut Vm, s: &Value, a: &Value) -> Option<PyResult<Value>> {
    let Value::Obj(o) = s else {
        return None;
    };
    if !matches!(o.payload, Payload::Str(_)) || !o.class_is(&vm.types.str) {
        return None;
    }
    if let Value::Obj(ao) = a {
        if matches!(ao.payload, Payload::Str(_)) && !ao.class_is(&vm.types.str) {
            return None;
        }
    }
    Some(str_mod_values(vm, s, a))
}

/// `PyUnicode_Format(fmt, a)`; NotImplemented when `fmt` is no str.
fn str_mod_values(vm: &mut Vm, fmt: &Value, a: &Value) -> PyResult<Value> {
    let both = [fmt.clone(), a.clone()];
    if super::str_surrogates::any_surrogates(vm, &both) {
        let mapped = super::str_surrogates::map_args(vm, &Args::new(&both));
        let fmt = mapped.first().and_then(str_data);
        let (Some(fmt), Some(a)) = (fmt, mapped.get(1)) else {
            return Ok(vm.not_implemented());
        };
        let r = percent_format(vm, &fmt.to_string_lossy(), &a.clone())?;
        return Ok(super::str_surrogates::from_private(vm, r));
    }
    // No surrogates: the format's text is its UTF-8 as stored.
    let Value::Obj(fo) = fmt else {
        return Ok(vm.not_implemented());
    };
    let Payload::Str(fs) = &fo.payload else {
        return Ok(vm.not_implemented());
    };
    let r = percent_format(vm, fs.as_str(), a)?;
    Ok(vm.new_string(r))
}

fn str_rmod(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    // `x % s` with a str on the right only formats when x is a str, and
    // then `x.__mod__` has already run.
    Ok(vm.not_implemented())
}

// ---------------------------------------------------------------------------
// `str.format` and `str.format_map`.

/// Where named fields come from.
enum Named<'a> {
    /// `format()` keyword arguments (none given: every name is a KeyError).
    Kwargs(Args<'a>),
    /// `format_map(mapping)`.
    Map(Value),
}

struct FormatCtx<'a> {
    /// Positional arguments; None for `format_map`.
    pos: Option<&'a [Value]>,
    named: Named<'a>,
    /// 0: not yet numbering, 1: automatic, 2: manual.
    auto_state: u8,
    auto_next: i64,
}

fn is_decimal_str(vm: &Vm, s: &[char]) -> PyResult<i64> {
    // `get_integer`: -1 for empty or non-decimal text.
    if s.is_empty() {
        return Ok(-1);
    }
    let mut acc: i64 = 0;
    for &c in s {
        let Some(d) = pyfmt::unicode_decimal(u32::from(c)) else {
            return Ok(-1);
        };
        let d = i64::from(d);
        if acc > (i64::MAX - d) / 10 {
            return Err(vm.value_error("Too many decimal digits in format string"));
        }
        acc = acc * 10 + d;
    }
    Ok(acc)
}

fn text_of(s: &[char]) -> String {
    s.iter().collect()
}

/// `build_string`: expand the markup of `s`.
fn build_string(vm: &mut Vm, s: &[char], ctx: &mut FormatCtx, depth: i32) -> PyResult<String> {
    if depth <= 0 {
        return Err(vm.value_error("Max string recursion exceeded"));
    }
    let mut outs = String::with_capacity(s.len() + 16);
    let end = s.len();
    let mut pos = 0;
    let at = |i: usize| s.get(i).copied().unwrap_or('\0');
    while pos < end {
        // Literal text up to a brace (MarkupIterator_next).
        let start = pos;
        let mut c = '\0';
        let mut markup = false;
        while pos < end {
            c = at(pos);
            pos += 1;
            if c == '{' || c == '}' {
                markup = true;
                break;
            }
        }
        let at_end = pos >= end;
        let mut len = pos - start;
        if markup && c == '}' && (at_end || at(pos) != '}') {
            return Err(vm.value_error("Single '}' encountered in format string"));
        }
        if at_end && markup && c == '{' {
            return Err(vm.value_error("Single '{' encountered in format string"));
        }
        if !at_end {
            if at(pos) == c {
                pos += 1;
                markup = false;
            } else {
                len -= 1;
            }
        }
        outs.extend(s.get(start..start + len).unwrap_or(&[]));
        if !markup {
            continue;
        }
        let field = parse_field(vm, s, &mut pos)?;
        output_markup(vm, s, &field, ctx, depth, &mut outs)?;
    }
    Ok(outs)
}

/// A parsed `{name!conv:spec}`, as index ranges into the format string.
struct Field {
    name: (usize, usize),
    conversion: Option<char>,
    spec: (usize, usize),
    spec_needs_expanding: bool,
}

/// `parse_field`: `pos` is just after the `{`.
fn parse_field(vm: &Vm, s: &[char], pos: &mut usize) -> PyResult<Field> {
    let end = s.len();
    let at = |i: usize| s.get(i).copied().unwrap_or('\0');
    let name_start = *pos;
    let mut c = '\0';
    while *pos < end {
        c = at(*pos);
        *pos += 1;
        match c {
            '{' => return Err(vm.value_error("unexpected '{' in field name")),
            '[' => {
                while *pos < end && at(*pos) != ']' {
                    *pos += 1;
                }
                continue;
            }
            '}' | ':' | '!' => break,
            _ => continue,
        }
    }
    let mut field = Field {
        name: (name_start, pos.saturating_sub(1)),
        conversion: None,
        spec: (0, 0),
        spec_needs_expanding: false,
    };
    if c == '!' || c == ':' {
        if c == '!' {
            if *pos >= end {
                return Err(vm.value_error("end of string while looking for conversion specifier"));
            }
            field.conversion = Some(at(*pos));
            *pos += 1;
            if *pos < end {
                let c2 = at(*pos);
                *pos += 1;
                if c2 == '}' {
                    return Ok(field);
                }
                if c2 != ':' {
                    return Err(vm.value_error("expected ':' after conversion specifier"));
                }
            }
        }
        let spec_start = *pos;
        let mut count = 1;
        while *pos < end {
            let c2 = at(*pos);
            *pos += 1;
            match c2 {
                '{' => {
                    field.spec_needs_expanding = true;
                    count += 1;
                }
                '}' => {
                    count -= 1;
                    if count == 0 {
                        field.spec = (spec_start, *pos - 1);
                        return Ok(field);
                    }
                }
                _ => {}
            }
        }
        return Err(vm.value_error("unmatched '{' in format spec"));
    }
    if c != '}' {
        return Err(vm.value_error("expected '}' before end of string"));
    }
    Ok(field)
}

fn output_markup(
    vm: &mut Vm,
    s: &[char],
    field: &Field,
    ctx: &mut FormatCtx,
    depth: i32,
    outs: &mut String,
) -> PyResult<()> {
    let name = s.get(field.name.0..field.name.1).unwrap_or(&[]);
    let mut obj = get_field_object(vm, name, ctx)?;
    if let Some(conv) = field.conversion {
        let t = match conv {
            'r' => vm.repr(&obj)?,
            's' => vm.str(&obj)?,
            'a' => vm.ascii(&obj)?,
            c if (c as u32) > 32 && (c as u32) < 127 => {
                return Err(vm.value_error(format!("Unknown conversion specifier {c}")))
            }
            c => {
                return Err(
                    vm.value_error(format!("Unknown conversion specifier \\x{:x}", c as u32))
                )
            }
        };
        obj = vm.new_string(t);
    }
    let spec_chars = s.get(field.spec.0..field.spec.1).unwrap_or(&[]);
    let spec = if field.spec_needs_expanding {
        build_string(vm, spec_chars, ctx, depth - 1)?
    } else {
        text_of(spec_chars)
    };
    let r = vm.format(&obj, &spec)?;
    outs.push_str(&r);
    Ok(())
}

/// `get_field_object`: the argument a field names, with its `.attr` and
/// `[key]` lookups applied.
fn get_field_object(vm: &mut Vm, name: &[char], ctx: &mut FormatCtx) -> PyResult<Value> {
    let first_end = name
        .iter()
        .position(|&c| c == '.' || c == '[')
        .unwrap_or(name.len());
    let first = name.get(..first_end).unwrap_or(&[]);
    let mut idx = is_decimal_str(vm, first)?;
    let empty = first.is_empty();
    if empty || idx != -1 {
        if ctx.auto_state == 0 {
            ctx.auto_state = if empty { 1 } else { 2 };
        }
        if ctx.auto_state == 2 && empty {
            return Err(vm.value_error(
                "cannot switch from manual field specification to automatic field numbering",
            ));
        }
        if ctx.auto_state == 1 && !empty {
            return Err(vm.value_error(
                "cannot switch from automatic field numbering to manual field specification",
            ));
        }
        if empty {
            idx = ctx.auto_next;
            ctx.auto_next += 1;
        }
    }
    let mut obj = if idx == -1 {
        let key = vm.new_string(text_of(first));
        match &ctx.named {
            Named::Map(m) => {
                let m = m.clone();
                vm.getitem(&m, &key)?
            }
            Named::Kwargs(a) => {
                let k = text_of(first);
                match Vm::kwarg(a, &k) {
                    Some(v) => v,
                    None => return Err(vm.key_error(key)),
                }
            }
        }
    } else {
        let Some(pos) = ctx.pos else {
            return Err(vm.value_error("Format string contains positional fields"));
        };
        match usize::try_from(idx).ok().and_then(|i| pos.get(i)) {
            Some(v) => v.clone(),
            None => {
                return Err(vm.index_error(format!(
                    "Replacement index {idx} out of range for positional args tuple"
                )))
            }
        }
    };
    // FieldNameIterator over the rest.
    let mut i = first_end;
    let n = name.len();
    while i < n {
        let c = name.get(i).copied().unwrap_or('\0');
        i += 1;
        let (is_attr, start, stop) = match c {
            '.' => {
                let start = i;
                while i < n && !matches!(name.get(i), Some('.' | '[')) {
                    i += 1;
                }
                (true, start, i)
            }
            '[' => {
                let start = i;
                while i < n && name.get(i) != Some(&']') {
                    i += 1;
                }
                if i >= n {
                    return Err(vm.value_error("Missing ']' in format string"));
                }
                i += 1;
                (false, start, i - 1)
            }
            _ => {
                return Err(
                    vm.value_error("Only '.' or '[' may follow ']' in format field specifier")
                )
            }
        };
        let part = name.get(start..stop).unwrap_or(&[]);
        let index = if is_attr {
            -1
        } else {
            is_decimal_str(vm, part)?
        };
        if part.is_empty() {
            return Err(vm.value_error("Empty attribute in format string"));
        }
        obj = if is_attr {
            let attr = vm.intern(&text_of(part));
            vm.getattr(&obj, &attr)?
        } else if index == -1 {
            let key = vm.new_string(text_of(part));
            vm.getitem(&obj, &key)?
        } else {
            vm.getitem(&obj, &Value::Int(index))?
        };
    }
    Ok(obj)
}

fn str_format(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if super::str_surrogates::any_surrogates(vm, args.args) {
        let mapped = super::str_surrogates::map_args(vm, &args);
        let r = str_format(
            vm,
            Args {
                args: &mapped,
                kwnames: args.kwnames,
            },
        )?;
        return Ok(match &r {
            Value::Obj(o) => match &o.payload {
                Payload::Str(s) => super::str_surrogates::from_private(vm, s.as_str().to_string()),
                _ => r.clone(),
            },
            _ => r,
        });
    }
    let Some(fmt) = args.args.first().and_then(str_data) else {
        return Err(vm.type_error("descriptor 'format' requires a 'str' object"));
    };
    let chars: Vec<char> = fmt.to_string_lossy().chars().collect();
    let mut ctx = FormatCtx {
        pos: Some(args.pos().get(1..).unwrap_or(&[])),
        named: Named::Kwargs(args),
        auto_state: 0,
        auto_next: 0,
    };
    let r = build_string(vm, &chars, &mut ctx, 2)?;
    Ok(vm.new_string(r))
}

fn str_format_map(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("str.format_map", args, 1, 1)?;
    let Some(fmt) = args.args.first().and_then(str_data) else {
        return Err(vm.type_error("descriptor 'format_map' requires a 'str' object"));
    };
    let chars: Vec<char> = fmt.to_string_lossy().chars().collect();
    let mut ctx = FormatCtx {
        pos: None,
        named: Named::Map(a[0].clone()),
        auto_state: 0,
        auto_next: 0,
    };
    let r = build_string(vm, &chars, &mut ctx, 2)?;
    Ok(vm.new_string(r))
}

/// Install `__mod__`, `__rmod__`, `format` and `format_map`.
pub fn install(vm: &mut Vm) {
    let t = vm.types.str.clone();
    vm.add_methods(
        &t,
        &[
            ("__mod__", str_mod),
            ("__rmod__", str_rmod),
            ("format", str_format),
            ("format_map", str_format_map),
        ],
    );
}
