//! `_sqlite3`: CPython 3.11's `Modules/_sqlite/` over SQLite's own C
//! library (the amalgamation `libsqlite3-sys` compiles in). This file holds
//! the module state (exception classes, types, the adapter and converter
//! registries), error mapping and the module functions; `connection.rs`,
//! `cursor.rs`, `row.rs` and `callbacks.rs` hold the types.

mod callbacks;
mod connection;
mod consts;
mod cursor;
mod ffi;
mod hooks;
mod row;

use std::cell::RefCell;
use std::ffi::CString;

use super::binargs::{add_module_functions, new_exc_class, Sig};
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE};
use crate::objects::Payload;
use crate::vm::proto::str_of;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

pub const PARSE_DECLTYPES: i64 = 1;
pub const PARSE_COLNAMES: i64 = 2;

/// The module's exception classes, in CPython's order.
#[derive(Clone, Copy)]
pub enum Exc {
    Warning = 0,
    Error,
    InterfaceError,
    DatabaseError,
    DataError,
    OperationalError,
    IntegrityError,
    InternalError,
    ProgrammingError,
    NotSupportedError,
}

const EXC_NAMES: [&str; 10] = [
    "Warning",
    "Error",
    "InterfaceError",
    "DatabaseError",
    "DataError",
    "OperationalError",
    "IntegrityError",
    "InternalError",
    "ProgrammingError",
    "NotSupportedError",
];

/// CPython's `pysqlite_state`.
struct State {
    excs: Vec<PyRef>,
    connection_type: PyRef,
    cursor_type: PyRef,
    row_type: PyRef,
    prepare_protocol: PyRef,
    adapters: PyRef,
    converters: PyRef,
    base_type_adapted: bool,
    callback_tracebacks: bool,
}

crate::interp_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

fn with_state<R>(vm: &Vm, f: impl FnOnce(&mut State) -> R) -> PyResult<R> {
    STATE.with(|s| match s.borrow_mut().as_mut() {
        Some(st) => Ok(f(st)),
        None => Err(vm.system_error("_sqlite3 module state missing")),
    })
}

/// An exception of the module's class `e` with `msg`.
pub fn err(vm: &Vm, e: Exc, msg: impl Into<String>) -> PyErr {
    match with_state(vm, |s| s.excs.get(e as usize).cloned()) {
        Ok(Some(cls)) => crate::modules::binargs::raise(vm, &cls, msg),
        Ok(None) => vm.system_error("_sqlite3 exception missing"),
        Err(e) => e,
    }
}

pub fn connection_type(vm: &Vm) -> PyResult<PyRef> {
    with_state(vm, |s| s.connection_type.clone())
}
pub fn cursor_type(vm: &Vm) -> PyResult<PyRef> {
    with_state(vm, |s| s.cursor_type.clone())
}
pub fn row_type(vm: &Vm) -> PyResult<PyRef> {
    with_state(vm, |s| s.row_type.clone())
}
fn converters(vm: &Vm) -> PyResult<PyRef> {
    with_state(vm, |s| s.converters.clone())
}
pub fn callback_tracebacks(vm: &Vm) -> bool {
    with_state(vm, |s| s.callback_tracebacks).unwrap_or(false)
}

/// The name of a result code (`sqlite_errorname`).
fn error_name(code: i32) -> &'static str {
    consts::ERROR_NAMES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("unknown error code", |(_, n)| n)
}

/// CPython's `_pysqlite_seterror`: the exception for result code `code`
/// (extended) with SQLite's message, carrying `sqlite_errorcode` and
/// `sqlite_errorname`.
pub fn db_error(vm: &mut Vm, code: i32, msg: &str) -> PyErr {
    let kind = match code & 0xff {
        libsqlite3_sys::SQLITE_INTERNAL | libsqlite3_sys::SQLITE_NOTFOUND => Exc::InternalError,
        libsqlite3_sys::SQLITE_NOMEM => return vm.new_error_noargs(ExcKind::MemoryError),
        libsqlite3_sys::SQLITE_ERROR
        | libsqlite3_sys::SQLITE_PERM
        | libsqlite3_sys::SQLITE_ABORT
        | libsqlite3_sys::SQLITE_BUSY
        | libsqlite3_sys::SQLITE_LOCKED
        | libsqlite3_sys::SQLITE_READONLY
        | libsqlite3_sys::SQLITE_INTERRUPT
        | libsqlite3_sys::SQLITE_IOERR
        | libsqlite3_sys::SQLITE_FULL
        | libsqlite3_sys::SQLITE_CANTOPEN
        | libsqlite3_sys::SQLITE_PROTOCOL
        | libsqlite3_sys::SQLITE_EMPTY
        | libsqlite3_sys::SQLITE_SCHEMA => Exc::OperationalError,
        libsqlite3_sys::SQLITE_CORRUPT => Exc::DatabaseError,
        libsqlite3_sys::SQLITE_TOOBIG => Exc::DataError,
        libsqlite3_sys::SQLITE_CONSTRAINT | libsqlite3_sys::SQLITE_MISMATCH => Exc::IntegrityError,
        libsqlite3_sys::SQLITE_MISUSE | libsqlite3_sys::SQLITE_RANGE => Exc::InterfaceError,
        _ => Exc::DatabaseError,
    };
    let e = err(vm, kind, msg);
    let exc = e.value();
    let k1 = vm.intern("sqlite_errorcode");
    let k2 = vm.intern("sqlite_errorname");
    let name = vm.new_str(error_name(code));
    if vm
        .setattr(&exc, &k1, Some(Value::Int(code as i64)))
        .is_err()
        || vm.setattr(&exc, &k2, Some(name)).is_err()
    {
        return vm.system_error("cannot set sqlite error attributes");
    }
    e
}

/// A str argument (`name() argument N must be str, not T`).
pub fn str_arg<'a>(vm: &Vm, v: &'a Value, what: &str) -> PyResult<&'a str> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Str(_)) => Ok(str_of(o)),
        _ => Err(vm.type_error(format!("{what} must be str, not {}", vm.type_name_of(v)))),
    }
}

/// `s` as a C string, or ProgrammingError for an embedded NUL.
pub fn c_sql(vm: &Vm, s: &str) -> PyResult<CString> {
    CString::new(s).map_err(|_| {
        err(
            vm,
            Exc::ProgrammingError,
            "the query contains a null character",
        )
    })
}

/// `PrepareProtocol` instances carry nothing.
struct Marker;
impl NativeData for Marker {}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_sqlite3");
    let mut excs = Vec::new();
    let exception = vm.exc_type(ExcKind::Exception);
    for (i, name) in EXC_NAMES.iter().enumerate() {
        let base = match i {
            0 | 1 => exception.clone(),
            2 | 3 => excs.get(1).cloned().unwrap_or_else(|| exception.clone()),
            _ => excs.get(3).cloned().unwrap_or_else(|| exception.clone()),
        };
        let c = new_exc_class(vm, "sqlite3", name, base)?;
        vm.set_attr_raw(&m, name, Value::Obj(c.clone()));
        excs.push(c);
    }
    let object = vm.types.object.clone();
    let proto = vm.new_native_type(
        "sqlite3",
        "PrepareProtocol",
        &object,
        Layout::Native("PrepareProtocol"),
        FLAG_BASETYPE,
    );
    vm.add_staticmethods(&proto, &[("__new__", proto_new)]);
    vm.add_methods(&proto, &[("__init__", proto_init)]);
    let connection_type = connection::make_type(vm, &excs);
    let cursor_type = cursor::make_type(vm);
    let row_type = row::make_type(vm);
    let adapters = vm.new_dict();
    let converters = vm.new_dict();
    STATE.with(|s| {
        *s.borrow_mut() = Some(State {
            excs,
            connection_type: connection_type.clone(),
            cursor_type: cursor_type.clone(),
            row_type: row_type.clone(),
            prepare_protocol: proto.clone(),
            adapters: adapters.clone(),
            converters: converters.clone(),
            base_type_adapted: false,
            callback_tracebacks: false,
        })
    });
    vm.set_attr_raw(&m, "Connection", Value::Obj(connection_type));
    vm.set_attr_raw(&m, "Cursor", Value::Obj(cursor_type));
    vm.set_attr_raw(&m, "Row", Value::Obj(row_type));
    vm.set_attr_raw(&m, "PrepareProtocol", Value::Obj(proto));
    vm.set_attr_raw(&m, "adapters", Value::Obj(adapters));
    vm.set_attr_raw(&m, "converters", Value::Obj(converters));
    vm.set_attr_raw(&m, "PARSE_DECLTYPES", Value::Int(PARSE_DECLTYPES));
    vm.set_attr_raw(&m, "PARSE_COLNAMES", Value::Int(PARSE_COLNAMES));
    for (name, v) in consts::CONSTANTS {
        vm.set_attr_raw(&m, name, Value::Int(*v));
    }
    let version = vm.new_str("2.6.0");
    vm.set_attr_raw(&m, "version", version);
    let sv = vm.new_string(ffi::libversion());
    vm.set_attr_raw(&m, "sqlite_version", sv);
    // SQLITE_THREADSAFE=1 (serialized) is DB-API level 3, as CPython reports.
    vm.set_attr_raw(&m, "threadsafety", Value::Int(3));
    add_module_functions(
        vm,
        &m,
        &[
            ("connect", module_connect),
            ("complete_statement", module_complete_statement),
            ("register_adapter", module_register_adapter),
            ("register_converter", module_register_converter),
            (
                "enable_callback_tracebacks",
                module_enable_callback_tracebacks,
            ),
            ("adapt", module_adapt),
            ("enable_shared_cache", module_enable_shared_cache),
        ],
    );
    Ok(m)
}

fn proto_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match args.args.first() {
        Some(Value::Obj(cls)) => Ok(Value::Obj(vm.new_native(cls, Marker))),
        _ => Err(vm.type_error("PrepareProtocol.__new__(): not enough arguments")),
    }
}

fn proto_init(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::None)
}

/// The module functions get the module first; drop it.
fn without_module<'a>(args: &Args<'a>) -> Args<'a> {
    Args {
        args: args.args.get(1..).unwrap_or(&[]),
        kwnames: args.kwnames,
    }
}

/// `connect(database, ..., factory=Connection, ...)`: `factory(*args,
/// **kwargs)` with the arguments as given (the factory checks them).
fn module_connect(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = without_module(&args);
    let by_name = a
        .kwargs()
        .find(|(k, _)| str_of(k) == "factory")
        .map(|(_, v)| v.clone());
    let factory = match by_name.or_else(|| a.pos().get(5).cloned()) {
        Some(f) => f,
        None => Value::Obj(connection_type(vm)?),
    };
    vm.call_args(&factory, a)
}

fn module_complete_statement(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let sig = Sig {
        name: "complete_statement",
        pos: &["statement"],
        posonly: 0,
        required: 1,
        kwonly: &[],
    };
    let s = sig.bind(vm, &without_module(&args), 0)?;
    let v = s.first().cloned().flatten().unwrap_or(Value::None);
    let text = str_arg(vm, &v, "complete_statement() argument 'statement'")?;
    let c = CString::new(text).unwrap_or_default();
    Ok(Value::bool(ffi::complete(&c)))
}

/// `register_adapter(type, adapter)`: `adapters[(type, PrepareProtocol)]`.
fn module_register_adapter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = without_module(&args);
    let [ty, adapter] = a.args else {
        return Err(vm.type_error(format!(
            "register_adapter expected 2 arguments, got {}",
            a.args.len()
        )));
    };
    let t = &vm.types;
    let base = [&t.int, &t.float, &t.str, &t.bytearray];
    if let Value::Obj(o) = ty {
        if base.iter().any(|b| crate::objects::rc::Rc::ptr_eq(b, o)) {
            with_state(vm, |s| s.base_type_adapted = true)?;
        }
    }
    let (proto, adapters) = with_state(vm, |s| (s.prepare_protocol.clone(), s.adapters.clone()))?;
    let key = vm.new_tuple_of([ty.clone(), Value::Obj(proto)]);
    vm.dict_set(&adapters, key, adapter.clone())?;
    Ok(Value::None)
}

/// `register_converter(typename, converter)`: `converters[name.upper()]`.
fn module_register_converter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = without_module(&args);
    let [name, conv] = a.args else {
        return Err(vm.type_error(format!(
            "register_converter expected 2 arguments, got {}",
            a.args.len()
        )));
    };
    str_arg(vm, name, "register_converter() argument 1")?;
    let upper = vm.call_method(name, "upper", &[])?;
    let d = converters(vm)?;
    vm.dict_set(&d, upper, conv.clone())?;
    Ok(Value::None)
}

fn module_enable_callback_tracebacks(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = without_module(&args);
    let [flag] = a.args else {
        return Err(vm.type_error(format!(
            "enable_callback_tracebacks() takes exactly one argument ({} given)",
            a.args.len()
        )));
    };
    let on = crate::modules::binargs::int_arg(vm, flag)? != 0;
    with_state(vm, |s| s.callback_tracebacks = on)?;
    Ok(Value::None)
}

fn module_enable_shared_cache(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = without_module(&args);
    if let Some(flag) = a.args.first() {
        crate::modules::binargs::int_arg(vm, flag)?;
    }
    Ok(Value::None)
}

/// `adapt(obj, proto=PrepareProtocol, alt=<unset>)`.
fn module_adapt(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = without_module(&args);
    let Some(obj) = a.args.first() else {
        return Err(vm.type_error("adapt expected at least 1 argument, got 0"));
    };
    let proto = match a.args.get(1) {
        Some(p) => p.clone(),
        None => Value::Obj(with_state(vm, |s| s.prepare_protocol.clone())?),
    };
    match adapt_with(vm, obj, &proto)? {
        Some(v) => Ok(v),
        None => match a.args.get(2) {
            Some(alt) => Ok(alt.clone()),
            None => Err(err(vm, Exc::ProgrammingError, "can't adapt")),
        },
    }
}

/// CPython's `pysqlite_microprotocols_adapt` without the alternative:
/// the registered adapter, `proto.__adapt__(obj)`, `obj.__conform__(proto)`.
fn adapt_with(vm: &mut Vm, obj: &Value, proto: &Value) -> PyResult<Option<Value>> {
    let adapters = with_state(vm, |s| s.adapters.clone())?;
    let ty = Value::Obj(vm.type_of(obj));
    let key = vm.new_tuple_of([ty, proto.clone()]);
    if let Some(adapter) = vm.dict_get(&adapters, &key)? {
        return vm.call(&adapter, &[obj.clone()]).map(Some);
    }
    if let Some(f) = vm.getattr_opt(proto, "__adapt__")? {
        let r = vm.call(&f, &[obj.clone()])?;
        if !matches!(r, Value::None) {
            return Ok(Some(r));
        }
    }
    if let Some(f) = vm.getattr_opt(obj, "__conform__")? {
        let r = vm.call(&f, &[proto.clone()])?;
        if !matches!(r, Value::None) {
            return Ok(Some(r));
        }
    }
    Ok(None)
}

/// The adaptation a bound parameter goes through (`_need_adapt` +
/// `pysqlite_microprotocols_adapt(obj, PrepareProtocol, obj)`).
pub fn adapt_param(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    let (based, proto) = with_state(vm, |s| (s.base_type_adapted, s.prepare_protocol.clone()))?;
    if !based {
        let exact = match obj {
            Value::Int(_) | Value::Float(_) => true,
            Value::Obj(o) => {
                let ty = vm.type_of(obj);
                let t = &vm.types;
                matches!(
                    o.payload,
                    Payload::Int(_) | Payload::Str(_) | Payload::ByteArray(_)
                ) && [&t.int, &t.str, &t.bytearray]
                    .iter()
                    .any(|b| crate::objects::rc::Rc::ptr_eq(b, &ty))
            }
            _ => false,
        };
        if exact {
            return Ok(obj.clone());
        }
    }
    Ok(adapt_with(vm, obj, &Value::Obj(proto))?.unwrap_or_else(|| obj.clone()))
}

/// The converter registered for `name` (upper-cased), if any.
pub fn converter_for(vm: &mut Vm, name: &[u8]) -> PyResult<Option<Value>> {
    let s = vm.new_string(String::from_utf8_lossy(name).into_owned());
    let upper = vm.call_method(&s, "upper", &[])?;
    let d = converters(vm)?;
    vm.dict_get(&d, &upper)
}
