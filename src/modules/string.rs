//! `_string`: the parsers behind `string.Formatter` (CPython's
//! Objects/stringlib/unicode_format.h): `formatter_parser` (a
//! `formatteriterator` of `(literal, field_name, format_spec, conversion)`)
//! and `formatter_field_name_split` (`(first, fieldnameiterator)`). Parsing
//! has no side effects, so the iterators are computed up front; an error
//! is raised when iteration reaches it, as CPython raises it lazily.

use std::cell::RefCell;
use std::collections::VecDeque;

use crate::modules::itertools::clinic;
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::Layout;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// A precomputed iterator: its items, then an optional ValueError message.
struct Precomputed {
    items: RefCell<VecDeque<Value>>,
    error: RefCell<Option<String>>,
}

impl NativeData for Precomputed {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        if let Ok(items) = self.items.try_borrow() {
            items.iter().for_each(visit);
        }
    }
}

crate::interp_local! {
    static TYPES: RefCell<Vec<PyRef>> = const { RefCell::new(Vec::new()) };
}

fn iter_type(vm: &Vm, i: usize) -> PyResult<PyRef> {
    TYPES
        .with(|t| t.borrow().get(i).cloned())
        .ok_or_else(|| vm.system_error("_string is not initialised"))
}

fn pre_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let p = vm
        .native::<Precomputed>(&s)
        .ok_or_else(|| vm.type_error("descriptor '__next__' requires a formatter iterator"))?;
    if let Some(v) = p.items.borrow_mut().pop_front() {
        return Ok(v);
    }
    let err = p.error.borrow_mut().take();
    match err {
        Some(msg) => Err(vm.value_error(msg)),
        None => Err(vm.new_error_noargs(ExcKind::StopIteration)),
    }
}

fn pre_iter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(clinic::self_arg(&args))
}

/// CPython's `get_integer`: the decimal value of `s`, None when empty or
/// not all decimal digits.
fn get_integer(s: &[char]) -> Result<Option<i64>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    let mut acc: i64 = 0;
    for &c in s {
        let Some(d) = crate::pyfmt::unicode_decimal(u32::from(c)) else {
            return Ok(None);
        };
        let d = i64::from(d);
        if acc > (i64::MAX - d) / 10 {
            return Err("Too many decimal digits in format string".into());
        }
        acc = acc * 10 + d;
    }
    Ok(Some(acc))
}

/// One `formatter_parser` item (ranges into the string).
struct Markup {
    literal: (usize, usize),
    field: Option<FieldParts>,
}

struct FieldParts {
    name: (usize, usize),
    spec: Option<(usize, usize)>,
    conversion: Option<char>,
}

/// `MarkupIterator_next`: the next item from `pos`, None at the end.
fn markup_next(s: &[char], pos: &mut usize) -> Result<Option<Markup>, String> {
    let end = s.len();
    if *pos >= end {
        return Ok(None);
    }
    let at = |i: usize| s.get(i).copied().unwrap_or('\0');
    let start = *pos;
    let mut c = '\0';
    let mut markup = false;
    while *pos < end {
        c = at(*pos);
        *pos += 1;
        if c == '{' || c == '}' {
            markup = true;
            break;
        }
    }
    let at_end = *pos >= end;
    let mut len = *pos - start;
    if c == '}' && markup && (at_end || at(*pos) != c) {
        return Err("Single '}' encountered in format string".into());
    }
    if at_end && markup && c == '{' {
        return Err("Single '{' encountered in format string".into());
    }
    if !at_end && markup {
        if at(*pos) == c {
            *pos += 1;
            markup = false;
        } else {
            len -= 1;
        }
    }
    let literal = (start, start + len);
    if !markup {
        return Ok(Some(Markup {
            literal,
            field: None,
        }));
    }
    let field = parse_field(s, pos)?;
    Ok(Some(Markup {
        literal,
        field: Some(field),
    }))
}

/// CPython's `parse_field`; `pos` is just past the `{`.
fn parse_field(s: &[char], pos: &mut usize) -> Result<FieldParts, String> {
    let end = s.len();
    let at = |i: usize| s.get(i).copied().unwrap_or('\0');
    let name_start = *pos;
    let mut c = '\0';
    while *pos < end {
        c = at(*pos);
        *pos += 1;
        match c {
            '{' => return Err("unexpected '{' in field name".into()),
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
    let mut f = FieldParts {
        name: (name_start, pos.saturating_sub(1).max(name_start)),
        spec: None,
        conversion: None,
    };
    if c == '!' || c == ':' {
        if c == '!' {
            if *pos >= end {
                return Err("end of string while looking for conversion specifier".into());
            }
            f.conversion = Some(at(*pos));
            *pos += 1;
            if *pos < end {
                let c2 = at(*pos);
                *pos += 1;
                if c2 == '}' {
                    return Ok(f);
                }
                if c2 != ':' {
                    return Err("expected ':' after conversion specifier".into());
                }
            }
        }
        let spec_start = *pos;
        let mut count = 1;
        while *pos < end {
            let c2 = at(*pos);
            *pos += 1;
            match c2 {
                '{' => count += 1,
                '}' => {
                    count -= 1;
                    if count == 0 {
                        f.spec = Some((spec_start, *pos - 1));
                        return Ok(f);
                    }
                }
                _ => {}
            }
        }
        return Err("unmatched '{' in format spec".into());
    }
    if c != '}' {
        return Err("expected '}' before end of string".into());
    }
    Ok(f)
}

fn str_arg(vm: &Vm, args: &Args, name: &str) -> PyResult<Vec<char>> {
    let a = args.pos();
    if args.has_kwargs() {
        return Err(vm.type_error(format!("_string.{name}() takes no keyword arguments")));
    }
    if a.len() != 1 {
        return Err(vm.type_error(format!(
            "_string.{name}() takes exactly one argument ({} given)",
            a.len()
        )));
    }
    match vm.as_str_obj(&a[0]) {
        Some(s) => Ok(s.as_str().chars().collect()),
        None => Err(vm.type_error(format!("expected str, got {}", vm.type_name_of(&a[0])))),
    }
}

fn text(vm: &Vm, s: &[char], r: (usize, usize)) -> Value {
    let t: String = s.get(r.0..r.1).unwrap_or(&[]).iter().collect();
    vm.new_string(t)
}

fn new_pre(vm: &Vm, ty: usize, items: VecDeque<Value>, error: Option<String>) -> PyResult<Value> {
    let t = iter_type(vm, ty)?;
    let p = Precomputed {
        items: RefCell::new(items),
        error: RefCell::new(error),
    };
    Ok(Value::Obj(vm.new_native(&t, p)))
}

fn formatter_parser(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = str_arg(vm, &args, "formatter_parser")?;
    let mut pos = 0;
    let mut items = VecDeque::new();
    let error = loop {
        match markup_next(&s, &mut pos) {
            Ok(None) => break None,
            Err(e) => break Some(e),
            Ok(Some(m)) => {
                let lit = text(vm, &s, m.literal);
                let t = match m.field {
                    None => vm.new_tuple_of([lit, Value::None, Value::None, Value::None]),
                    Some(f) => {
                        let name = text(vm, &s, f.name);
                        let spec = text(vm, &s, f.spec.unwrap_or((0, 0)));
                        let conv = match f.conversion {
                            Some(c) => vm.new_string(c.to_string()),
                            None => Value::None,
                        };
                        vm.new_tuple_of([lit, name, spec, conv])
                    }
                };
                items.push_back(t);
            }
        }
    };
    new_pre(vm, 0, items, error)
}

fn formatter_field_name_split(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = str_arg(vm, &args, "formatter_field_name_split")?;
    let n = s.len();
    let first_end = s.iter().position(|&c| c == '.' || c == '[').unwrap_or(n);
    let first_chars = s.get(..first_end).unwrap_or(&[]);
    let first = match get_integer(first_chars).map_err(|e| vm.value_error(e))? {
        Some(i) => Value::Int(i),
        None => text(vm, &s, (0, first_end)),
    };
    let mut items = VecDeque::new();
    let mut i = first_end;
    let error = loop {
        if i >= n {
            break None;
        }
        let c = s.get(i).copied().unwrap_or('\0');
        i += 1;
        let (is_attr, start, stop) = match c {
            '.' => {
                let start = i;
                while i < n && !matches!(s.get(i), Some('.' | '[')) {
                    i += 1;
                }
                (true, start, i)
            }
            '[' => {
                let start = i;
                while i < n && s.get(i) != Some(&']') {
                    i += 1;
                }
                if i >= n {
                    break Some("Missing ']' in format string".to_string());
                }
                i += 1;
                (false, start, i - 1)
            }
            _ => break Some("Only '.' or '[' may follow ']' in format field specifier".into()),
        };
        let part = s.get(start..stop).unwrap_or(&[]);
        let idx = if is_attr {
            None
        } else {
            match get_integer(part) {
                Ok(v) => v,
                Err(e) => break Some(e),
            }
        };
        if part.is_empty() {
            break Some("Empty attribute in format string".into());
        }
        let key = match idx {
            Some(k) => Value::Int(k),
            None => text(vm, &s, (start, stop)),
        };
        items.push_back(vm.new_tuple_of([Value::bool(is_attr), key]));
    };
    let rest = new_pre(vm, 1, items, error)?;
    Ok(vm.new_tuple_of([first, rest]))
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_string");
    let object = vm.types.object.clone();
    let mut types = Vec::new();
    for name in ["formatteriterator", "fieldnameiterator"] {
        let t = vm.new_native_type("builtins", name, &object, Layout::Native("_string"), 0);
        vm.add_methods(&t, &[("__iter__", pre_iter), ("__next__", pre_next)]);
        types.push(t);
    }
    TYPES.with(|t| *t.borrow_mut() = types);
    vm.add_functions(
        &m,
        &[
            ("formatter_parser", formatter_parser),
            ("formatter_field_name_split", formatter_field_name_split),
        ],
    );
    let doc = vm.new_str("string helper module");
    vm.set_attr_raw(&m, "__doc__", doc);
    Ok(m)
}
