//! `_csv`: the `Dialect` type, the dialect registry (`register_dialect`,
//! `get_dialect`, `list_dialects`, `unregister_dialect`),
//! `field_size_limit`, the `QUOTE_*` constants and `Error`, with CPython
//! 3.11's validation order and messages. The reader and writer objects
//! live in `rw.rs`.

mod rw;

use std::cell::RefCell;

use super::binargs::{add_module_functions, int_arg, new_exc_class, raise, Sig};
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE};
use crate::objects::{Payload, StrObj};
use crate::vm::proto::str_of;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

pub const QUOTE_MINIMAL: i64 = 0;
pub const QUOTE_ALL: i64 = 1;
pub const QUOTE_NONNUMERIC: i64 = 2;
pub const QUOTE_NONE: i64 = 3;

/// The module state CPython keeps in `_csvstate`.
struct CsvState {
    error: PyRef,
    dialects: PyRef,
    dialect_type: PyRef,
    field_limit: i64,
}

crate::interp_local! {
    static STATE: RefCell<Option<CsvState>> = const { RefCell::new(None) };
}

fn with_state<R>(vm: &Vm, f: impl FnOnce(&mut CsvState) -> R) -> PyResult<R> {
    STATE.with(|s| match s.borrow_mut().as_mut() {
        Some(st) => Ok(f(st)),
        None => Err(vm.system_error("_csv module state missing")),
    })
}

/// The `_csv.Error` class.
fn error_class(vm: &Vm) -> PyResult<PyRef> {
    with_state(vm, |s| s.error.clone())
}

/// A `_csv.Error` with `msg`.
fn csv_error(vm: &Vm, msg: impl Into<String>) -> PyErr {
    match error_class(vm) {
        Ok(cls) => raise(vm, &cls, msg),
        Err(e) => e,
    }
}

/// The current `field_size_limit`.
fn field_limit(vm: &Vm) -> i64 {
    with_state(vm, |s| s.field_limit).unwrap_or(128 * 1024)
}

/// A parsed dialect (`DialectObj`); `None` chars are CPython's NOT_SET.
pub struct Dialect {
    doublequote: bool,
    delimiter: u32,
    quotechar: Option<u32>,
    escapechar: Option<u32>,
    skipinitialspace: bool,
    lineterminator: Value,
    lineterm_cps: Vec<u32>,
    quoting: i64,
    strict: bool,
}

impl NativeData for Dialect {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&self.lineterminator);
    }
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_csv");
    let base = vm.exc_type(ExcKind::Exception);
    let error = new_exc_class(vm, "_csv", "Error", base)?;
    let object = vm.types.object.clone();
    let dialect = vm.new_native_type(
        "_csv",
        "Dialect",
        &object,
        Layout::Native("Dialect"),
        FLAG_BASETYPE,
    );
    vm.add_staticmethods(&dialect, &[("__new__", dialect_new)]);
    vm.add_methods(
        &dialect,
        &[
            ("__reduce__", dialect_reduce),
            ("__reduce_ex__", dialect_reduce),
        ],
    );
    vm.add_getsets(
        &dialect,
        &[
            ("delimiter", dialect_delimiter, None),
            ("escapechar", dialect_escapechar, None),
            ("lineterminator", dialect_lineterminator, None),
            ("quotechar", dialect_quotechar, None),
            ("quoting", dialect_quoting, None),
            (
                "skipinitialspace",
                dialect_skipinitialspace,
                Some(readonly_member),
            ),
            ("doublequote", dialect_doublequote, Some(readonly_member)),
            ("strict", dialect_strict, Some(readonly_member)),
        ],
    );
    let doc =
        vm.new_str("CSV dialect\n\nThe Dialect type records CSV parsing and generation options.\n");
    vm.set_attr_raw(&dialect, "__doc__", doc);
    let dialects = vm.new_dict();
    STATE.with(|s| {
        *s.borrow_mut() = Some(CsvState {
            error: error.clone(),
            dialects: dialects.clone(),
            dialect_type: dialect.clone(),
            field_limit: 128 * 1024,
        })
    });
    let (reader_t, writer_t) = rw::make_types(vm);
    vm.set_attr_raw(&m, "Error", Value::Obj(error));
    vm.set_attr_raw(&m, "Dialect", Value::Obj(dialect));
    vm.set_attr_raw(&m, "Reader", Value::Obj(reader_t));
    vm.set_attr_raw(&m, "Writer", Value::Obj(writer_t));
    vm.set_attr_raw(&m, "_dialects", Value::Obj(dialects));
    let version = vm.new_str("1.0");
    vm.set_attr_raw(&m, "__version__", version);
    for (name, v) in [
        ("QUOTE_MINIMAL", QUOTE_MINIMAL),
        ("QUOTE_ALL", QUOTE_ALL),
        ("QUOTE_NONNUMERIC", QUOTE_NONNUMERIC),
        ("QUOTE_NONE", QUOTE_NONE),
    ] {
        vm.set_attr_raw(&m, name, Value::Int(v));
    }
    add_module_functions(
        vm,
        &m,
        &[
            ("reader", rw::csv_reader),
            ("writer", rw::csv_writer),
            ("register_dialect", csv_register_dialect),
            ("unregister_dialect", csv_unregister_dialect),
            ("get_dialect", csv_get_dialect),
            ("list_dialects", csv_list_dialects),
            ("field_size_limit", csv_field_size_limit),
        ],
    );
    Ok(m)
}

fn readonly_member(vm: &mut Vm, _obj: &Value, _v: Option<Value>) -> PyResult<()> {
    Err(vm.attribute_error("readonly attribute"))
}

fn dialect_of<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a Dialect> {
    vm.native::<Dialect>(v).ok_or_else(|| {
        vm.type_error(format!(
            "descriptor for '_csv.Dialect' objects doesn't apply to a '{}' object",
            vm.type_name_of(v)
        ))
    })
}

fn char_or_none(vm: &Vm, c: Option<u32>) -> Value {
    match c {
        Some(c) => str_from_cps(vm, &[c]),
        None => Value::None,
    }
}

/// A new str from code points.
pub fn str_from_cps(vm: &Vm, cps: &[u32]) -> Value {
    Value::Obj(vm.new_obj(&vm.types.str, Payload::Str(StrObj::from_code_points(cps))))
}

fn dialect_delimiter(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let d = dialect_of(vm, v)?;
    Ok(char_or_none(vm, Some(d.delimiter)))
}

fn dialect_escapechar(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let d = dialect_of(vm, v)?;
    Ok(char_or_none(vm, d.escapechar))
}

fn dialect_quotechar(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let d = dialect_of(vm, v)?;
    Ok(char_or_none(vm, d.quotechar))
}

fn dialect_lineterminator(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(dialect_of(vm, v)?.lineterminator.clone())
}

fn dialect_quoting(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Int(dialect_of(vm, v)?.quoting))
}

fn dialect_skipinitialspace(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::bool(dialect_of(vm, v)?.skipinitialspace))
}

fn dialect_doublequote(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::bool(dialect_of(vm, v)?.doublequote))
}

fn dialect_strict(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::bool(dialect_of(vm, v)?.strict))
}

fn dialect_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let name = args
        .args
        .first()
        .map(|v| {
            let t = vm.type_of(v);
            crate::objects::typeobj::type_data(&t)
                .map(|td| td.name.borrow().to_string())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    Err(vm.type_error(format!("cannot pickle '{name}' instances")))
}

const DIALECT_KWS: [&str; 9] = [
    "dialect",
    "delimiter",
    "doublequote",
    "escapechar",
    "lineterminator",
    "quotechar",
    "quoting",
    "skipinitialspace",
    "strict",
];

/// `PyArg_ParseTupleAndKeywords(args, kwargs, "|OOOOOOOOO", ...)`.
fn parse_dialect_args(vm: &Vm, pos: &[Value], args: &Args) -> PyResult<Vec<Option<Value>>> {
    let mut out: Vec<Option<Value>> = vec![None; DIALECT_KWS.len()];
    let nkw = args.kwnames.len();
    if pos.len() + nkw > DIALECT_KWS.len() {
        return Err(vm.type_error(format!(
            "function takes at most {} arguments ({} given)",
            DIALECT_KWS.len(),
            pos.len() + nkw
        )));
    }
    for (slot, v) in out.iter_mut().zip(pos) {
        *slot = Some(v.clone());
    }
    for (k, v) in args.kwargs() {
        let k = str_of(k);
        match DIALECT_KWS.iter().position(|n| *n == k) {
            Some(i) if i < pos.len() => {
                return Err(vm.type_error(format!(
                    "argument for function given by name ('{k}') and position ({})",
                    i + 1
                )))
            }
            Some(i) => {
                if let Some(slot) = out.get_mut(i) {
                    *slot = Some(v.clone());
                }
            }
            None => {
                return Err(vm.type_error(format!(
                    "'{k}' is an invalid keyword argument for this function"
                )))
            }
        }
    }
    Ok(out)
}

fn dialect_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(cls)) = args.pos().first() else {
        return Err(vm.type_error("Dialect.__new__(): not enough arguments"));
    };
    let cls = cls.clone();
    let pos = args.pos().get(1..).unwrap_or(&[]);
    let a = parse_dialect_args(vm, pos, &args)?;
    make_dialect(vm, &cls, a)
}

/// `dialect_new` after argument parsing: `a` holds the nine parameters.
fn make_dialect(vm: &mut Vm, cls: &PyRef, mut a: Vec<Option<Value>>) -> PyResult<Value> {
    let mut dialect = a.first().cloned().flatten();
    if let Some(d) = &dialect {
        if vm.as_str_obj(d).is_some() || is_str_instance(vm, d) {
            dialect = Some(registry_get(vm, d)?);
        }
        if let Some(d) = &dialect {
            let all_none = a.iter().skip(1).all(Option::is_none);
            if all_none && vm.native::<Dialect>(d).is_some() {
                return Ok(d.clone());
            }
            for (i, name) in DIALECT_KWS.iter().enumerate().skip(1) {
                if a.get(i).is_some_and(Option::is_none) {
                    // CPython clears any error of the lookup.
                    if let Ok(v) = vm.getattr_str(d, name) {
                        a[i] = Some(v);
                    }
                }
            }
        }
    }
    let get = |i: usize| a.get(i).cloned().flatten();
    let delimiter = set_char(vm, "delimiter", get(1), Some(','))?;
    let doublequote = set_bool(vm, get(2), true)?;
    let escapechar = set_char_or_none(vm, "escapechar", get(3), None)?;
    let lineterminator = match get(4) {
        None => Some(vm.new_str("\r\n")),
        Some(Value::None) => None,
        Some(v) if vm.as_str_obj(&v).is_some() || is_str_instance(vm, &v) => Some(v),
        Some(_) => return Err(vm.type_error("\"lineterminator\" must be a string")),
    };
    let quotechar_arg = get(5);
    let quotechar = set_char_or_none(vm, "quotechar", quotechar_arg.clone(), Some('"'))?;
    let quoting_arg = get(6);
    let mut quoting = match &quoting_arg {
        None => QUOTE_MINIMAL,
        Some(v) if is_exact_int(vm, v) => int_arg(vm, v)?,
        Some(_) => return Err(vm.type_error("\"quoting\" must be an integer")),
    };
    let skipinitialspace = set_bool(vm, get(7), false)?;
    let strict = set_bool(vm, get(8), false)?;
    if !(QUOTE_MINIMAL..=QUOTE_NONE).contains(&quoting) {
        return Err(vm.type_error("bad \"quoting\" value"));
    }
    let Some(delimiter) = delimiter else {
        return Err(vm.type_error("\"delimiter\" must be a 1-character string"));
    };
    if matches!(quotechar_arg, Some(Value::None)) && quoting_arg.is_none() {
        quoting = QUOTE_NONE;
    }
    if quoting != QUOTE_NONE && quotechar.is_none() {
        return Err(vm.type_error("quotechar must be set if quoting enabled"));
    }
    let Some(lineterminator) = lineterminator else {
        return Err(vm.type_error("lineterminator must be set"));
    };
    let lineterm_cps = vm
        .as_str_obj(&lineterminator)
        .map(|s| s.code_points())
        .unwrap_or_default();
    let d = Dialect {
        doublequote,
        delimiter,
        quotechar,
        escapechar,
        skipinitialspace,
        lineterminator,
        lineterm_cps,
        quoting,
        strict,
    };
    Ok(Value::Obj(vm.new_native(cls, d)))
}

fn is_str_instance(vm: &Vm, v: &Value) -> bool {
    let t = vm.type_of(v);
    crate::objects::typeobj::is_subtype(&t, &vm.types.str)
}

fn is_exact_int(vm: &Vm, v: &Value) -> bool {
    match v {
        Value::Int(_) => true,
        Value::Obj(o) => {
            matches!(o.payload, Payload::Int(_))
                && crate::objects::rc::Rc::ptr_eq(&vm.type_of(v), &vm.types.int)
        }
        _ => false,
    }
}

fn set_bool(vm: &mut Vm, v: Option<Value>, dflt: bool) -> PyResult<bool> {
    match v {
        None => Ok(dflt),
        Some(v) => vm.truthy(&v),
    }
}

/// The single code point of a one-character str, Err(()) for any other
/// length, None for a non-str.
fn one_char(vm: &Vm, v: &Value) -> Option<Result<u32, ()>> {
    let s = vm.as_str_obj(v)?;
    if s.char_len() != 1 {
        return Some(Err(()));
    }
    Some(s.code_points().first().copied().ok_or(()))
}

/// `_set_char`: a required 1-character string.
fn set_char(vm: &Vm, name: &str, v: Option<Value>, dflt: Option<char>) -> PyResult<Option<u32>> {
    let Some(v) = v else {
        return Ok(dflt.map(u32::from));
    };
    match one_char(vm, &v) {
        Some(Ok(c)) => Ok(Some(c)),
        Some(Err(())) => Err(vm.type_error(format!("\"{name}\" must be a 1-character string"))),
        None => Err(vm.type_error(format!(
            "\"{name}\" must be string, not {}",
            vm.type_name_of(&v)
        ))),
    }
}

/// `_set_char_or_none`: a 1-character string or None (NOT_SET).
fn set_char_or_none(
    vm: &Vm,
    name: &str,
    v: Option<Value>,
    dflt: Option<char>,
) -> PyResult<Option<u32>> {
    let Some(v) = v else {
        return Ok(dflt.map(u32::from));
    };
    if matches!(v, Value::None) {
        return Ok(None);
    }
    match one_char(vm, &v) {
        Some(Ok(c)) => Ok(Some(c)),
        Some(Err(())) => Err(vm.type_error(format!("\"{name}\" must be a 1-character string"))),
        None => Err(vm.type_error(format!(
            "\"{name}\" must be string or None, not {}",
            vm.type_name_of(&v)
        ))),
    }
}

/// The registered dialect `name`, or `_csv.Error("unknown dialect")`.
fn registry_get(vm: &mut Vm, name: &Value) -> PyResult<Value> {
    let dialects = with_state(vm, |s| s.dialects.clone())?;
    match vm.dict_get(&dialects, name)? {
        Some(d) => Ok(d),
        None => Err(csv_error(vm, "unknown dialect")),
    }
}

/// `_call_dialect`: a Dialect from an optional dialect argument and the
/// keyword arguments of a call.
fn call_dialect(vm: &mut Vm, dialect: Option<Value>, args: &Args) -> PyResult<Value> {
    let cls = with_state(vm, |s| s.dialect_type.clone())?;
    let pos: Vec<Value> = dialect.into_iter().collect();
    let a = parse_dialect_args(vm, &pos, args)?;
    make_dialect(vm, &cls, a)
}

/// `PyArg_UnpackTuple(args, "", min, max)` over the arguments after the
/// module.
fn unpack_tuple<'a>(vm: &Vm, args: &Args<'a>, min: usize, max: usize) -> PyResult<&'a [Value]> {
    let a = args.pos().get(1..).unwrap_or(&[]);
    let n = a.len();
    let s = |k: usize| if k == 1 { "" } else { "s" };
    if n < min {
        let how = if min == max { "" } else { "at least " };
        return Err(vm.type_error(format!(" expected {how}{min} argument{}, got {n}", s(min))));
    }
    if n > max {
        let how = if min == max { "" } else { "at most " };
        return Err(vm.type_error(format!(" expected {how}{max} argument{}, got {n}", s(max))));
    }
    Ok(a)
}

fn csv_register_dialect(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = unpack_tuple(vm, &args, 1, 2)?;
    let name = a.first().cloned().unwrap_or(Value::None);
    if vm.as_str_obj(&name).is_none() && !is_str_instance(vm, &name) {
        return Err(vm.type_error("dialect name must be a string"));
    }
    let d = call_dialect(vm, a.get(1).cloned(), &args)?;
    let dialects = with_state(vm, |s| s.dialects.clone())?;
    vm.dict_set(&dialects, name, d)?;
    Ok(Value::None)
}

fn name_arg(vm: &Vm, args: &Args, fname: &str) -> PyResult<Value> {
    let b = Sig {
        name: fname,
        pos: &["name"],
        posonly: 0,
        required: 1,
        kwonly: &[],
    }
    .bind(vm, args, 1)?;
    Ok(b.first().cloned().flatten().unwrap_or(Value::None))
}

fn csv_unregister_dialect(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let name = name_arg(vm, &args, "unregister_dialect")?;
    let dialects = with_state(vm, |s| s.dialects.clone())?;
    match vm.dict_del(&dialects, &name)? {
        Some(_) => Ok(Value::None),
        None => Err(csv_error(vm, "unknown dialect")),
    }
}

fn csv_get_dialect(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let name = name_arg(vm, &args, "get_dialect")?;
    registry_get(vm, &name)
}

fn csv_list_dialects(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let n = args.args.len().saturating_sub(1);
    if n != 0 || args.has_kwargs() {
        if args.has_kwargs() {
            return Err(vm.type_error("_csv.list_dialects() takes no keyword arguments"));
        }
        return Err(vm.type_error(format!(
            "_csv.list_dialects() takes no arguments ({n} given)"
        )));
    }
    let dialects = with_state(vm, |s| s.dialects.clone())?;
    let keys: Vec<Value> = vm
        .dict_items(&dialects)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    Ok(vm.new_list(keys))
}

fn csv_field_size_limit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = args.pos().get(1..).unwrap_or(&[]);
    let nkw = args.kwnames.len();
    if pos.len() + nkw > 1 {
        return Err(vm.type_error(format!(
            "field_size_limit() takes at most 1 argument ({} given)",
            pos.len() + nkw
        )));
    }
    let mut new_limit = pos.first().cloned();
    for (k, v) in args.kwargs() {
        let k = str_of(k);
        if k != "new_limit" {
            return Err(vm.type_error(format!(
                "'{k}' is an invalid keyword argument for field_size_limit()"
            )));
        }
        new_limit = Some(v.clone());
    }
    let old = field_limit(vm);
    if let Some(v) = new_limit {
        if !is_exact_int(vm, &v) {
            return Err(vm.type_error("limit must be an integer"));
        }
        let n = match v {
            Value::Int(i) => i,
            _ => return Err(vm.overflow_error("Python int too large to convert to C long")),
        };
        with_state(vm, |s| s.field_limit = n)?;
    }
    Ok(Value::Int(old))
}
