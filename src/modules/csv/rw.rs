//! `_csv.reader` and `_csv.writer` objects: CPython 3.11's parser state
//! machine (`parse_process_char`) and record joiner (`join_append_data`),
//! with its quoting, escaping, `strict`, `skipinitialspace` and
//! line-number behaviour and error messages.

use std::cell::Cell;

use super::{
    call_dialect, csv_error, field_limit, str_from_cps, unpack_tuple, Dialect, QUOTE_ALL,
    QUOTE_NONE, QUOTE_NONNUMERIC,
};
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The end of a line (CPython's EOL, outside the code point range).
const EOL: u32 = u32::MAX;

#[derive(Clone, Copy, PartialEq, Eq, Default)]
enum State {
    #[default]
    StartRecord,
    StartField,
    EscapedChar,
    InField,
    InQuotedField,
    EscapeInQuotedField,
    QuoteInQuotedField,
    EatCrnl,
    AfterEscapedCrnl,
}

/// The parser's working state for one record (`parse_reset` starts each
/// record afresh).
#[derive(Default)]
struct Parser {
    state: State,
    field: Vec<u32>,
    fields: Vec<Value>,
    numeric: bool,
}

pub struct Reader {
    input: Value,
    dialect: Value,
    line_num: Cell<u64>,
}

impl NativeData for Reader {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&self.input);
        visit(&self.dialect);
    }
}

pub struct Writer {
    write: Value,
    dialect: Value,
}

impl NativeData for Writer {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&self.write);
        visit(&self.dialect);
    }
}

/// The `_csv.reader` and `_csv.writer` types.
pub fn make_types(vm: &mut Vm) -> (PyRef, PyRef) {
    let object = vm.types.object.clone();
    let r = vm.new_native_type(
        "_csv",
        "reader",
        &object,
        Layout::Native("reader"),
        FLAG_BASETYPE,
    );
    vm.add_staticmethods(&r, &[("__new__", reader_type_new)]);
    vm.add_methods(&r, &[("__iter__", reader_iter), ("__next__", reader_next)]);
    vm.add_getsets(
        &r,
        &[
            ("dialect", reader_dialect, Some(super::readonly_member)),
            ("line_num", reader_line_num, Some(super::readonly_member)),
        ],
    );
    let w = vm.new_native_type(
        "_csv",
        "writer",
        &object,
        Layout::Native("writer"),
        FLAG_BASETYPE,
    );
    vm.add_staticmethods(&w, &[("__new__", writer_type_new)]);
    vm.add_methods(
        &w,
        &[
            ("writerow", writer_writerow),
            ("writerows", writer_writerows),
        ],
    );
    vm.add_getsets(
        &w,
        &[("dialect", writer_dialect, Some(super::readonly_member))],
    );
    (r, w)
}

fn reader_type_new(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(vm.type_error("cannot create '_csv.reader' instances"))
}

fn writer_type_new(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(vm.type_error("cannot create '_csv.writer' instances"))
}

fn type_by_name(vm: &Vm, args: &Args, name: &str) -> PyResult<PyRef> {
    match super::super::binargs::module_attr(vm, args, name)? {
        Value::Obj(t) => Ok(t),
        _ => Err(vm.system_error("_csv type missing")),
    }
}

/// `_csv.reader(iterable, dialect='excel', **fmtparams)`.
pub fn csv_reader(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = unpack_tuple(vm, &args, 1, 2)?;
    let iterable = a.first().cloned().unwrap_or(Value::None);
    let input = vm.iter(&iterable)?;
    let dialect = call_dialect(vm, a.get(1).cloned(), &args)?;
    let t = type_by_name(vm, &args, "Reader")?;
    let r = Reader {
        input,
        dialect,
        line_num: Cell::new(0),
    };
    Ok(Value::Obj(vm.new_native(&t, r)))
}

/// `_csv.writer(fileobj, dialect='excel', **fmtparams)`.
pub fn csv_writer(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = unpack_tuple(vm, &args, 1, 2)?;
    let file = a.first().cloned().unwrap_or(Value::None);
    let write = match vm.getattr_opt(&file, "write")? {
        Some(w) if is_callable(vm, &w) => w,
        _ => return Err(vm.type_error("argument 1 must have a \"write\" method")),
    };
    let dialect = call_dialect(vm, a.get(1).cloned(), &args)?;
    let t = type_by_name(vm, &args, "Writer")?;
    Ok(Value::Obj(vm.new_native(&t, Writer { write, dialect })))
}

fn is_callable(vm: &mut Vm, v: &Value) -> bool {
    vm.callable(v)
}

fn reader_self<'a>(vm: &Vm, args: &Args<'a>, m: &str) -> PyResult<&'a Reader> {
    vm.native_self::<Reader>(args, "_csv.reader", m)
}

fn reader_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    reader_self(vm, &args, "__iter__")?;
    Ok(args.args.first().cloned().unwrap_or(Value::None))
}

fn reader_dialect(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match vm.native::<Reader>(v) {
        Some(r) => Ok(r.dialect.clone()),
        None => Err(vm.type_error("expected a _csv.reader")),
    }
}

fn reader_line_num(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match vm.native::<Reader>(v) {
        Some(r) => Ok(Value::Int(r.line_num.get() as i64)),
        None => Err(vm.type_error("expected a _csv.reader")),
    }
}

/// The dialect settings the parser needs, copied out of the Dialect.
struct Opts {
    delimiter: u32,
    quotechar: Option<u32>,
    escapechar: Option<u32>,
    doublequote: bool,
    skipinitialspace: bool,
    quoting: i64,
    strict: bool,
}

fn opts_of(vm: &Vm, dialect: &Value) -> PyResult<Opts> {
    let d: &Dialect = vm
        .native::<Dialect>(dialect)
        .ok_or_else(|| vm.system_error("csv dialect is not a _csv.Dialect"))?;
    Ok(Opts {
        delimiter: d.delimiter,
        quotechar: d.quotechar,
        escapechar: d.escapechar,
        doublequote: d.doublequote,
        skipinitialspace: d.skipinitialspace,
        quoting: d.quoting,
        strict: d.strict,
    })
}

fn save_field(vm: &mut Vm, p: &mut Parser) -> PyResult<()> {
    let mut field = str_from_cps(vm, &p.field);
    p.field.clear();
    if p.numeric {
        p.numeric = false;
        let float = Value::Obj(vm.types.float.clone());
        field = vm.call(&float, &[field])?;
    }
    p.fields.push(field);
    Ok(())
}

fn add_char(vm: &Vm, p: &mut Parser, c: u32) -> PyResult<()> {
    let limit = field_limit(vm);
    if p.field.len() as i64 >= limit {
        return Err(csv_error(
            vm,
            format!("field larger than field limit ({limit})"),
        ));
    }
    p.field.push(c);
    Ok(())
}

/// `parse_process_char` of CPython 3.11.
fn process_char(vm: &mut Vm, p: &mut Parser, d: &Opts, c: u32) -> PyResult<()> {
    let is_nl = c == u32::from('\n') || c == u32::from('\r');
    let quote = |c: u32| d.quotechar == Some(c) && d.quoting != QUOTE_NONE;
    let escape = |c: u32| d.escapechar == Some(c);
    match p.state {
        State::StartRecord | State::StartField => {
            if p.state == State::StartRecord {
                if c == EOL {
                    return Ok(());
                }
                if is_nl {
                    p.state = State::EatCrnl;
                    return Ok(());
                }
                p.state = State::StartField;
            }
            if is_nl || c == EOL {
                save_field(vm, p)?;
                p.state = if c == EOL {
                    State::StartRecord
                } else {
                    State::EatCrnl
                };
            } else if quote(c) {
                p.state = State::InQuotedField;
            } else if escape(c) {
                p.state = State::EscapedChar;
            } else if c == u32::from(' ') && d.skipinitialspace {
            } else if c == d.delimiter {
                save_field(vm, p)?;
            } else {
                if d.quoting == QUOTE_NONNUMERIC {
                    p.numeric = true;
                }
                add_char(vm, p, c)?;
                p.state = State::InField;
            }
        }
        State::EscapedChar => {
            if is_nl {
                add_char(vm, p, c)?;
                p.state = State::AfterEscapedCrnl;
                return Ok(());
            }
            let c = if c == EOL { u32::from('\n') } else { c };
            add_char(vm, p, c)?;
            p.state = State::InField;
        }
        State::AfterEscapedCrnl | State::InField => {
            if p.state == State::AfterEscapedCrnl && c == EOL {
                return Ok(());
            }
            if is_nl || c == EOL {
                save_field(vm, p)?;
                p.state = if c == EOL {
                    State::StartRecord
                } else {
                    State::EatCrnl
                };
            } else if escape(c) {
                p.state = State::EscapedChar;
            } else if c == d.delimiter {
                save_field(vm, p)?;
                p.state = State::StartField;
            } else {
                add_char(vm, p, c)?;
            }
        }
        State::InQuotedField => {
            if c == EOL {
            } else if escape(c) {
                p.state = State::EscapeInQuotedField;
            } else if quote(c) {
                p.state = if d.doublequote {
                    State::QuoteInQuotedField
                } else {
                    State::InField
                };
            } else {
                add_char(vm, p, c)?;
            }
        }
        State::EscapeInQuotedField => {
            let c = if c == EOL { u32::from('\n') } else { c };
            add_char(vm, p, c)?;
            p.state = State::InQuotedField;
        }
        State::QuoteInQuotedField => {
            if quote(c) {
                add_char(vm, p, c)?;
                p.state = State::InQuotedField;
            } else if c == d.delimiter {
                save_field(vm, p)?;
                p.state = State::StartField;
            } else if is_nl || c == EOL {
                save_field(vm, p)?;
                p.state = if c == EOL {
                    State::StartRecord
                } else {
                    State::EatCrnl
                };
            } else if !d.strict {
                add_char(vm, p, c)?;
                p.state = State::InField;
            } else {
                let ch = |c: Option<u32>| {
                    c.and_then(char::from_u32)
                        .map(String::from)
                        .unwrap_or_default()
                };
                return Err(csv_error(
                    vm,
                    format!(
                        "'{}' expected after '{}'",
                        ch(Some(d.delimiter)),
                        ch(d.quotechar)
                    ),
                ));
            }
        }
        State::EatCrnl => {
            if is_nl {
            } else if c == EOL {
                p.state = State::StartRecord;
            } else {
                return Err(csv_error(
                    vm,
                    "new-line character seen in unquoted field - do you need to open the file in universal-newline mode?",
                ));
            }
        }
    }
    Ok(())
}

fn reader_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = reader_self(vm, &args, "__next__")?;
    let d = opts_of(vm, &r.dialect)?;
    let input = r.input.clone();
    let mut p = Parser::default();
    loop {
        let Some(line) = vm.next(&input)? else {
            if !p.field.is_empty() || p.state == State::InQuotedField {
                if d.strict {
                    return Err(csv_error(vm, "unexpected end of data"));
                }
                save_field(vm, &mut p)?;
                break;
            }
            return Err(vm.new_error_noargs(ExcKind::StopIteration));
        };
        let Some(s) = vm.as_str_obj(&line) else {
            return Err(csv_error(
                vm,
                format!(
                    "iterator should return strings, not {} (the file should be opened in text mode)",
                    vm.type_name_of(&line)
                ),
            ));
        };
        let cps = s.code_points();
        r.line_num.set(r.line_num.get() + 1);
        for c in cps {
            process_char(vm, &mut p, &d, c)?;
        }
        process_char(vm, &mut p, &d, EOL)?;
        if p.state == State::StartRecord {
            break;
        }
    }
    Ok(vm.new_list(std::mem::take(&mut p.fields)))
}

fn writer_self<'a>(vm: &Vm, args: &Args<'a>, m: &str) -> PyResult<&'a Writer> {
    vm.native_self::<Writer>(args, "_csv.writer", m)
}

fn writer_dialect(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match vm.native::<Writer>(v) {
        Some(w) => Ok(w.dialect.clone()),
        None => Err(vm.type_error("expected a _csv.writer")),
    }
}

/// `PyNumber_Check`: ints, floats, complex numbers and objects with
/// `__index__`, `__int__` or `__float__`.
fn is_number(vm: &mut Vm, v: &Value) -> bool {
    match v {
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => true,
        Value::Obj(o) => {
            if matches!(
                o.payload,
                Payload::Int(_) | Payload::Float(_) | Payload::Complex(..)
            ) {
                return true;
            }
            let t = vm.type_of(v);
            ["__index__", "__int__", "__float__"]
                .iter()
                .any(|n| vm.type_lookup_str(&t, n).is_some())
        }
        _ => false,
    }
}

/// The record being joined (`rec`, `num_fields`).
struct Record<'d> {
    d: &'d Dialect,
    rec: Vec<u32>,
    num_fields: usize,
}

impl Record<'_> {
    /// `join_append_data` in both phases: first decide whether the field
    /// needs quotes, then copy it.
    fn append(&mut self, vm: &Vm, field: &[u32], mut quoted: bool) -> PyResult<()> {
        let d = self.d;
        let mut out = Vec::with_capacity(field.len() + 2);
        for &c in field {
            let special = c == d.delimiter
                || d.escapechar == Some(c)
                || d.quotechar == Some(c)
                || d.lineterm_cps.contains(&c);
            if special {
                let mut want_escape = false;
                if d.quoting == QUOTE_NONE {
                    want_escape = true;
                } else {
                    if d.quotechar == Some(c) {
                        if d.doublequote {
                            out.push(c);
                        } else {
                            want_escape = true;
                        }
                    } else if d.escapechar == Some(c) {
                        want_escape = true;
                    }
                    if !want_escape {
                        quoted = true;
                    }
                }
                if want_escape {
                    let Some(e) = d.escapechar else {
                        return Err(csv_error(vm, "need to escape, but no escapechar set"));
                    };
                    out.push(e);
                }
            }
            out.push(c);
        }
        if self.num_fields > 0 {
            self.rec.push(d.delimiter);
        }
        let q = d.quotechar.filter(|_| quoted);
        self.rec.extend(q);
        self.rec.extend_from_slice(&out);
        self.rec.extend(q);
        self.num_fields += 1;
        Ok(())
    }
}

/// `writerow` over the fields of `row`; returns what `write` returned.
fn write_row(vm: &mut Vm, w: &Writer, row: &Value) -> PyResult<Value> {
    let it = match vm.iter(row) {
        Ok(it) => it,
        Err(e) if vm.err_is(&e, ExcKind::TypeError) => {
            let msg = format!("iterable expected, not {}", vm.type_name_of(row));
            return Err(csv_error(vm, msg));
        }
        Err(e) => return Err(e),
    };
    let d: &Dialect = vm
        .native::<Dialect>(&w.dialect)
        .ok_or_else(|| vm.system_error("csv dialect is not a _csv.Dialect"))?;
    let mut rec = Record {
        d,
        rec: Vec::new(),
        num_fields: 0,
    };
    while let Some(field) = vm.next(&it)? {
        let quoted = match d.quoting {
            QUOTE_NONNUMERIC => !is_number(vm, &field),
            QUOTE_ALL => true,
            _ => false,
        };
        let cps = match &field {
            Value::None => Vec::new(),
            v => match vm.as_str_obj(v) {
                Some(s) => s.code_points(),
                None => {
                    let s = vm.str_value(v)?;
                    vm.as_str_obj(&s)
                        .map(|s| s.code_points())
                        .unwrap_or_default()
                }
            },
        };
        rec.append(vm, &cps, quoted)?;
    }
    if rec.num_fields > 0 && rec.rec.is_empty() {
        if d.quoting == QUOTE_NONE {
            return Err(csv_error(vm, "single empty field record must be quoted"));
        }
        rec.num_fields -= 1;
        rec.append(vm, &[], true)?;
    }
    let mut line = rec.rec;
    line.extend_from_slice(&d.lineterm_cps);
    let line = str_from_cps(vm, &line);
    let write = w.write.clone();
    vm.call(&write, &[line])
}

fn one_arg(vm: &Vm, args: &Args, m: &str) -> PyResult<Value> {
    let n = args.args.len().saturating_sub(1);
    if args.has_kwargs() {
        return Err(vm.type_error(format!("writer.{m}() takes no keyword arguments")));
    }
    match args.args.get(1) {
        Some(v) if n == 1 => Ok(v.clone()),
        _ => Err(vm.type_error(format!(
            "writer.{m}() takes exactly one argument ({n} given)"
        ))),
    }
}

fn writer_writerow(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let w = writer_self(vm, &args, "writerow")?;
    let row = one_arg(vm, &args, "writerow")?;
    write_row(vm, w, &row)
}

fn writer_writerows(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let w = writer_self(vm, &args, "writerows")?;
    let rows = one_arg(vm, &args, "writerows")?;
    let it = vm.iter(&rows)?;
    while let Some(row) = vm.next(&it)? {
        write_row(vm, w, &row)?;
    }
    Ok(Value::None)
}
