//! `_pickle`: CPython 3.11's C pickler and unpickler (Modules/_pickle.c)
//! in Rust. The engines are here (`save.rs`, `reduce.rs` for the pickler;
//! `load.rs`, `load_ops.rs` for the unpickler); the module's classes
//! (`Pickler`, `Unpickler`, the memo proxies and the exceptions) are the
//! short Python source src/modules/accel/pickle.py run in this module: it
//! parses their arguments and keeps their attributes, and calls the
//! native functions below, which hold each pickler's and unpickler's state
//! in a native object (`_PicklerState`, `_UnpicklerState`).

mod load;
mod load_ops;
mod memo;
mod reduce;
mod save;

use std::cell::{Cell, RefCell};

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::Layout;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

pub use memo::Memo;

pub const HIGHEST_PROTOCOL: i64 = 5;
pub const DEFAULT_PROTOCOL: i64 = 4;

/// A pickler's settings and memo (kept between `dump` calls).
pub struct PicklerState {
    pub proto: Cell<u8>,
    pub bin: Cell<bool>,
    pub fix_imports: Cell<bool>,
    pub fast: Cell<bool>,
    pub write: RefCell<Value>,
    pub buffer_callback: RefCell<Value>,
    pub memo: RefCell<Memo>,
}

impl NativeData for PicklerState {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        if let Ok(w) = self.write.try_borrow() {
            visit(&w);
        }
        if let Ok(b) = self.buffer_callback.try_borrow() {
            visit(&b);
        }
        if let Ok(m) = self.memo.try_borrow() {
            m.traverse(visit);
        }
    }

    fn clear(&self, out: &mut Vec<Value>) {
        if let Ok(mut m) = self.memo.try_borrow_mut() {
            m.drain_into(out);
        }
    }
}

/// An unpickler's settings and memo.
pub struct UnpicklerState {
    pub file: RefCell<Value>,
    pub fix_imports: Cell<bool>,
    pub encoding: RefCell<String>,
    pub errors: RefCell<String>,
    pub buffers: RefCell<Value>,
    pub proto: Cell<u8>,
    pub memo: RefCell<Vec<Value>>,
}

impl NativeData for UnpicklerState {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        if let Ok(f) = self.file.try_borrow() {
            visit(&f);
        }
        if let Ok(b) = self.buffers.try_borrow() {
            visit(&b);
        }
        if let Ok(m) = self.memo.try_borrow() {
            m.iter().for_each(visit);
        }
    }

    fn clear(&self, out: &mut Vec<Value>) {
        if let Ok(mut m) = self.memo.try_borrow_mut() {
            out.append(&mut m);
        }
    }
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    if let Some(Value::Obj(m)) = crate::modules::accel::reimport(vm, "_pickle")? {
        return Ok(m);
    }
    let m = vm.new_module("_pickle");
    let object = vm.types.object.clone();
    let ps = vm.new_native_type(
        "_pickle",
        "_PicklerState",
        &object,
        Layout::Native("_PicklerState"),
        0,
    );
    let us = vm.new_native_type(
        "_pickle",
        "_UnpicklerState",
        &object,
        Layout::Native("_UnpicklerState"),
        0,
    );
    vm.set_attr_raw(&m, "_PicklerState", Value::Obj(ps));
    vm.set_attr_raw(&m, "_UnpicklerState", Value::Obj(us));
    crate::modules::binargs::add_module_functions(
        vm,
        &m,
        &[
            ("_pickler_state", pickler_state),
            ("_pstate_get", pstate_get),
            ("_pstate_set", pstate_set),
            ("_dump", save::dump),
            ("_dumps", save::dumps),
            ("_memo_copy", memo::memo_copy),
            ("_memo_clear", memo::memo_clear),
            ("_memo_set", memo::memo_set),
            ("_unpickler_state", unpickler_state),
            ("_load", load::load),
            ("loads", load::loads_fn),
            ("_find_class", load::find_class_fn),
            ("_umemo_copy", memo::umemo_copy),
            ("_umemo_clear", memo::umemo_clear),
            ("_umemo_set", memo::umemo_set),
        ],
    );
    let code = crate::modules::accel::compiled_code(vm, "pickle")?;
    let Some(globals) = m.dict() else {
        return Err(vm.system_error("module without a dict"));
    };
    vm.run_code(&code, globals.clone(), Some(Value::Obj(globals)))?;
    crate::modules::accel::remember(vm, "_pickle", &Value::Obj(m.clone()))?;
    Ok(m)
}

/// The module (first argument of its functions) and the arguments after
/// it, exactly `n` of them.
fn margs<'a>(vm: &Vm, args: &Args<'a>, n: usize) -> PyResult<(PyRef, &'a [Value])> {
    let (Some(Value::Obj(m)), Some(rest)) = (args.args.first(), args.args.get(1..)) else {
        return Err(vm.system_error("_pickle function called without its module"));
    };
    if rest.len() != n {
        return Err(vm.system_error("_pickle function called with the wrong arguments"));
    }
    Ok((m.clone(), rest))
}

/// The exception `name` (`PicklingError`, ...) of the module `m` with
/// message `msg`.
pub fn module_error(vm: &mut Vm, m: &PyRef, name: &str, msg: impl Into<String>) -> PyErr {
    match vm.get_attr_raw(m, name) {
        Some(Value::Obj(cls)) => crate::modules::binargs::raise(vm, &cls, msg),
        _ => vm.system_error(format!("_pickle.{name} missing")),
    }
}

/// `_Pickler_SetProtocol`: the protocol number of `protocol`.
fn protocol_of(vm: &mut Vm, protocol: &Value) -> PyResult<u8> {
    if protocol.is_none() {
        return Ok(DEFAULT_PROTOCOL as u8);
    }
    let p = crate::modules::binargs::ssize_arg(vm, protocol)?;
    if p < 0 {
        Ok(HIGHEST_PROTOCOL as u8)
    } else if p > HIGHEST_PROTOCOL {
        Err(vm.value_error(format!("pickle protocol must be <= {HIGHEST_PROTOCOL}")))
    } else {
        Ok(p as u8)
    }
}

/// A pickler's state from `Pickler.__init__`'s arguments.
pub fn new_pickler_state(
    vm: &mut Vm,
    write: Value,
    protocol: &Value,
    fix_imports: &Value,
    buffer_callback: &Value,
) -> PyResult<PicklerState> {
    let proto = protocol_of(vm, protocol)?;
    let fix = vm.truthy(fix_imports)?;
    if !buffer_callback.is_none() && proto < 5 {
        return Err(vm.value_error("buffer_callback needs protocol >= 5"));
    }
    Ok(PicklerState {
        proto: Cell::new(proto),
        bin: Cell::new(proto > 0),
        fix_imports: Cell::new(fix && proto < 3),
        fast: Cell::new(false),
        write: RefCell::new(write),
        buffer_callback: RefCell::new(buffer_callback.clone()),
        memo: RefCell::new(Memo::default()),
    })
}

/// `_pickler_state(file, protocol, fix_imports, buffer_callback)`.
fn pickler_state(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, a) = margs(vm, &args, 4)?;
    let [file, protocol, fix, cb] = a else {
        return Err(vm.system_error("_pickler_state arguments"));
    };
    let proto = protocol_of(vm, protocol)?;
    let Some(write) = vm.getattr_opt(file, "write")? else {
        return Err(vm.type_error("file must have a 'write' attribute"));
    };
    let st = new_pickler_state(vm, write, &Value::Int(i64::from(proto)), fix, cb)?;
    match vm.get_attr_raw(&m, "_PicklerState") {
        Some(Value::Obj(cls)) => Ok(Value::Obj(vm.new_native(&cls, st))),
        _ => Err(vm.system_error("_pickle._PicklerState missing")),
    }
}

pub fn pstate<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a PicklerState> {
    vm.native::<PicklerState>(v)
        .ok_or_else(|| vm.system_error("not a pickler state"))
}

pub fn ustate<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a UnpicklerState> {
    vm.native::<UnpicklerState>(v)
        .ok_or_else(|| vm.system_error("not an unpickler state"))
}

/// `_pstate_get(state, name)`: `bin`, `fast`, `proto`.
fn pstate_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, a) = margs(vm, &args, 2)?;
    let st = pstate(vm, &a[0])?;
    let name = vm.as_str_obj(&a[1]).map(|s| s.as_str().to_string());
    Ok(match name.as_deref() {
        Some("bin") => Value::Int(i64::from(st.bin.get())),
        Some("fast") => Value::Int(i64::from(st.fast.get())),
        _ => Value::Int(i64::from(st.proto.get())),
    })
}

/// `_pstate_set(state, name, value)`: `bin` and `fast` (C ints).
fn pstate_set(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, a) = margs(vm, &args, 3)?;
    let v = crate::modules::binargs::ssize_arg(vm, &a[2])?;
    let st = pstate(vm, &a[0])?;
    match vm.as_str_obj(&a[1]).map(|s| s.as_str()) {
        Some("bin") => st.bin.set(v != 0),
        _ => st.fast.set(v != 0),
    }
    Ok(Value::None)
}

/// A new unpickler state.
pub fn new_unpickler_state(
    vm: &mut Vm,
    file: Value,
    fix_imports: &Value,
    encoding: &Value,
    errors: &Value,
    buffers: &Value,
) -> PyResult<UnpicklerState> {
    let fix = vm.truthy(fix_imports)?;
    let enc = vm
        .as_str_obj(encoding)
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|| "ASCII".into());
    let err = vm
        .as_str_obj(errors)
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|| "strict".into());
    let buffers = if buffers.is_none() {
        Value::None
    } else {
        vm.iter(buffers)?
    };
    Ok(UnpicklerState {
        file: RefCell::new(file),
        fix_imports: Cell::new(fix),
        encoding: RefCell::new(enc),
        errors: RefCell::new(err),
        buffers: RefCell::new(buffers),
        proto: Cell::new(0),
        memo: RefCell::new(Vec::new()),
    })
}

/// `_unpickler_state(file, fix_imports, encoding, errors, buffers)`.
fn unpickler_state(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, a) = margs(vm, &args, 5)?;
    let [file, fix, enc, err, buffers] = a else {
        return Err(vm.system_error("_unpickler_state arguments"));
    };
    let has_read = vm.getattr_opt(file, "read")?.is_some();
    let has_readline = vm.getattr_opt(file, "readline")?.is_some();
    if !has_read || !has_readline {
        return Err(vm.type_error("file must have 'read' and 'readline' attributes"));
    }
    let st = new_unpickler_state(vm, file.clone(), fix, enc, err, buffers)?;
    match vm.get_attr_raw(&m, "_UnpicklerState") {
        Some(Value::Obj(cls)) => Ok(Value::Obj(vm.new_native(&cls, st))),
        _ => Err(vm.system_error("_pickle._UnpicklerState missing")),
    }
}

/// The object's identity (memo key).
#[inline]
pub fn ident(o: &PyRef) -> usize {
    crate::objects::rc::Rc::as_ptr(o) as *const u8 as usize
}

/// Whether `v` is an object with the exact type `t`.
#[inline]
pub fn exact(v: &Value, t: &PyRef) -> bool {
    matches!(v, Value::Obj(o) if o.class_is(t))
}

/// The payload of an object value.
#[inline]
pub fn payload(v: &Value) -> Option<&Payload> {
    match v {
        Value::Obj(o) => Some(&o.payload),
        _ => None,
    }
}

/// `getattr(obj, name)` or None on AttributeError, for a name the runtime
/// looks up often (interned once, found without hashing).
#[inline]
pub fn attr_opt(vm: &mut Vm, obj: &Value, name: &'static str) -> PyResult<Option<Value>> {
    let n = vm.intern_static(name);
    vm.lookup_attr(obj, &n)
}

/// `getattr(obj, name)` for such a name.
#[inline]
pub fn attr(vm: &mut Vm, obj: &Value, name: &'static str) -> PyResult<Value> {
    let n = vm.intern_static(name);
    vm.getattr(obj, &n)
}

/// The `copyreg` module (from `sys.modules` when it is there).
pub fn copyreg(vm: &mut Vm) -> PyResult<Value> {
    let modules = vm.modules.clone();
    let key = vm.intern_static("copyreg");
    match vm.dict_get_str_nocall(&modules, &key) {
        Ok(Some(m)) if !m.is_none() => Ok(m),
        _ => vm.import_by_name("copyreg"),
    }
}

/// `_compat_pickle`'s renaming of a global between Python 2 and 3: the
/// pair for `(module, name)` in the table `names` (`NAME_MAPPING` when
/// loading, `REVERSE_NAME_MAPPING` when saving with `fix_imports`), else
/// the module renamed by the table `imports`; with `_pickle.c`'s errors
/// for malformed entries.
fn compat_map(
    vm: &mut Vm,
    module: Value,
    name: Value,
    names: &str,
    imports: &str,
) -> PyResult<(Value, Value)> {
    let compat = vm.import_by_name("_compat_pickle")?;
    let table = vm.getattr_str(&compat, names)?;
    let key = vm.new_tuple_of([module.clone(), name.clone()]);
    if let Value::Obj(d) = &table {
        if let Some(item) = vm.dict_get(d, &key)? {
            let pair = match payload(&item) {
                Some(Payload::Tuple(t)) => t.to_vec(),
                _ => Vec::new(),
            };
            let [m, n] = &pair[..] else {
                let tn = vm.type_name_of(&item);
                return Err(vm.new_error(
                    ExcKind::RuntimeError,
                    format!("_compat_pickle.{names} values should be 2-tuples, not {tn}"),
                ));
            };
            if vm.as_str_obj(m).is_none() || vm.as_str_obj(n).is_none() {
                let (a, b) = (vm.type_name_of(m), vm.type_name_of(n));
                return Err(vm.new_error(
                    ExcKind::RuntimeError,
                    format!("_compat_pickle.{names} values should be pairs of str, not ({a}, {b})"),
                ));
            }
            return Ok((m.clone(), n.clone()));
        }
    }
    let table = vm.getattr_str(&compat, imports)?;
    if let Value::Obj(d) = &table {
        if let Some(m) = vm.dict_get(d, &module)? {
            if vm.as_str_obj(&m).is_none() {
                let tn = vm.type_name_of(&m);
                return Err(vm.new_error(
                    ExcKind::RuntimeError,
                    format!("_compat_pickle.{imports} values should be strings, not {tn}"),
                ));
            }
            return Ok((m, name));
        }
    }
    Ok((module, name))
}
