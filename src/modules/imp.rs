//! `_imp`: the primitives CPython's importlib bootstrap calls — native and
//! frozen modules, the import lock, `_fix_co_filename`, source hashes.

use crate::import::frozen;
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::value::Truth;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// What C extension modules would be called; pycvm cannot load them, but
/// the path finder must see them to report them clearly.
const EXTENSION_SUFFIXES: [&str; 3] = [".cpython-311-x86_64-linux-gnu.so", ".abi3.so", ".so"];

fn str_arg(vm: &Vm, v: &Value, func: &str) -> PyResult<String> {
    match vm.as_str_obj(v) {
        Some(s) => Ok(s.as_str().to_string()),
        None => Err(vm.type_error(format!(
            "{func}() argument 1 must be str, not {}",
            vm.arg_type_name(v)
        ))),
    }
}

fn imp_lock_held(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Bool(Truth::False))
}

fn imp_noop(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::None)
}

fn imp_is_builtin(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("is_builtin", args, 1, 1)?;
    let name = str_arg(vm, &a[0], "is_builtin")?;
    Ok(Value::Int(builtin_state(vm, &name)))
}

/// `_imp.is_builtin(name)`'s answer (1: builtin, -1: builtin that cannot
/// be initialised again, 0: not builtin).
pub fn builtin_state(vm: &Vm, name: &str) -> i64 {
    match name {
        // CPython's: builtin but cannot be initialised again.
        "sys" | "builtins" => -1,
        // A shared library in CPython: found on lib-dynload instead.
        n if crate::modules::dynload::is_dynload(vm, n) => 0,
        n if crate::modules::is_native(n) => 1,
        _ => 0,
    }
}

fn imp_create_builtin(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("create_builtin", args, 1, 1)?;
    let name = vm.getattr_str(&a[0], "name")?;
    let Some(n) = vm.as_str_obj(&name).map(|s| s.as_str().to_string()) else {
        return Err(vm.type_error(format!(
            "name must be string, not {}",
            vm.type_name_of(&name)
        )));
    };
    match crate::modules::create(vm, &n)? {
        Some(m) => Ok(m),
        None => {
            let e = vm.new_error(
                ExcKind::ImportError,
                format!("no built-in module named {n}"),
            );
            let nv = vm.new_str(&n);
            vm.set_attr_raw(&e.0, "name", nv);
            Err(e)
        }
    }
}

fn imp_exec_builtin(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Int(0))
}

/// The origin name of frozen module `name`: one built into pycvm, or a
/// stdlib module CPython freezes whose cached .pyc the stdlib has.
pub fn frozen_origin(vm: &Vm, name: &str) -> Option<&'static str> {
    if let Some(f) = frozen::find(name) {
        return Some(f.origname);
    }
    let orig = frozen::stdlib_origin(name)?;
    let lib = vm.import.stdlib.as_ref()?;
    frozen::stdlib_pyc(lib, orig).is_file().then_some(orig)
}

fn imp_is_frozen(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("is_frozen", args, 1, 1)?;
    let name = str_arg(vm, &a[0], "is_frozen")?;
    Ok(Value::bool(frozen_origin(vm, &name).is_some()))
}

fn imp_is_frozen_package(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("is_frozen_package", args, 1, 1)?;
    let name = str_arg(vm, &a[0], "is_frozen_package")?;
    if frozen_origin(vm, &name).is_none() {
        return Err(not_frozen(vm, &name));
    }
    Ok(Value::Bool(Truth::False))
}

fn not_frozen(vm: &mut Vm, name: &str) -> crate::vm::PyErr {
    let e = vm.new_error(
        ExcKind::ImportError,
        format!("No such frozen object named '{name}'"),
    );
    let nv = vm.new_str(name);
    vm.set_attr_raw(&e.0, "name", nv);
    e
}

/// `find_frozen(name, *, withdata=False)`: `(None, ispkg, origname)` or None.
fn imp_find_frozen(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = args.pos();
    let Some(first) = a.first() else {
        return Err(vm.type_error("find_frozen() missing required argument 'name' (pos 1)"));
    };
    let name = str_arg(vm, first, "find_frozen")?;
    Ok(match frozen_origin(vm, &name) {
        Some(orig) => {
            let orig = vm.new_str(orig);
            vm.new_tuple_of([Value::None, Value::Bool(Truth::False), orig])
        }
        None => Value::None,
    })
}

/// The code object of a stdlib module's .pyc `data`, loaded straight
/// into the VM's objects (None when it is not a valid 3.11 .pyc of a
/// code object).
fn load_frozen_pyc(vm: &mut Vm, data: &[u8]) -> Option<Value> {
    let hdr = crate::pyc::header::parse(data).ok()?;
    if hdr.magic != crate::pyc::header::MAGIC_311 {
        return None;
    }
    let (v, _) = vm.load_marshal(data.get(hdr.header_size..)?, false).ok()?;
    match &v {
        Value::Obj(o) if matches!(o.payload, crate::objects::Payload::Code(_)) => Some(v),
        _ => None,
    }
}

/// The code object of a frozen module.
pub fn frozen_code(vm: &mut Vm, name: &str) -> PyResult<Value> {
    if let Some(f) = frozen::find(name) {
        return match vm.load_marshal(f.code, true) {
            Ok((code, _)) => Ok(code),
            Err(e) => Err(vm.new_error(
                ExcKind::ImportError,
                format!("frozen object {name} is invalid: {e}"),
            )),
        };
    }
    let (Some(orig), Some(lib)) = (frozen::stdlib_origin(name), vm.import.stdlib.clone()) else {
        return Err(not_frozen(vm, name));
    };
    let path = frozen::stdlib_pyc(&lib, orig);
    let bad = |vm: &mut Vm, why: String| {
        vm.new_error(
            ExcKind::ImportError,
            format!(
                "frozen object {name} ({}) is invalid: {why}",
                path.display()
            ),
        )
    };
    let data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) => return Err(bad(vm, e.to_string())),
    };
    let v = match load_frozen_pyc(vm, &data) {
        Some(v) => v,
        // Read again as a tree for the error's wording.
        None => match crate::pyc::load_pyc(&data) {
            Ok((_, c)) => vm.const_value(&c),
            Err(e) => return Err(bad(vm, e.to_string())),
        },
    };
    if let Value::Obj(o) = &v {
        if let crate::objects::Payload::Code(c) = &o.payload {
            let fname = vm.intern(&format!("<frozen {orig}>"));
            c.set_filename(&fname);
        }
    }
    Ok(v)
}

fn imp_get_frozen_object(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("get_frozen_object", args, 1, 2)?;
    let name = str_arg(vm, &a[0], "get_frozen_object")?;
    frozen_code(vm, &name)
}

fn imp_init_frozen(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("init_frozen", args, 1, 1)?;
    let name = str_arg(vm, &a[0], "init_frozen")?;
    let code = frozen_code(vm, &name)?;
    let m = vm.new_module(&name);
    let key = vm.new_str(&name);
    let modules = vm.modules.clone();
    vm.dict_set(&modules, key, Value::Obj(m.clone()))?;
    vm.exec_module_code(&m, &code)?;
    Ok(Value::Obj(m))
}

fn imp_frozen_module_names(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    let mut names: Vec<Value> = frozen::FROZEN.iter().map(|f| vm.new_str(f.name)).collect();
    if vm.import.stdlib.is_some() {
        for (n, _) in frozen::STDLIB_FROZEN {
            names.push(vm.new_str(n));
        }
    }
    Ok(vm.new_list(names))
}

fn imp_extension_suffixes(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    let s: Vec<Value> = EXTENSION_SUFFIXES.iter().map(|x| vm.new_str(x)).collect();
    Ok(vm.new_list(s))
}

/// `create_dynamic(spec)`: pycvm runs no C code; say so clearly.
fn imp_create_dynamic(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("create_dynamic", args, 1, 2)?;
    let name = vm.getattr_str(&a[0], "name")?;
    let origin = vm.getattr_str(&a[0], "origin")?;
    let (n, o) = (vm.str(&name)?, vm.str(&origin)?);
    // A native module standing for CPython's shared library of that name.
    if crate::modules::dynload::is_dynload(vm, &n) {
        if let Some(m) = crate::modules::accel::reimport(vm, &n)? {
            return Ok(m);
        }
        if let Some(m) = crate::modules::create(vm, &n)? {
            crate::modules::accel::remember(vm, &n, &m)?;
            return Ok(m);
        }
    }
    let e = vm.new_error(
        ExcKind::ImportError,
        format!("pycvm cannot load C extension module '{n}' ({o}): it runs only Python bytecode"),
    );
    vm.set_attr_raw(&e.0, "name", name);
    vm.set_attr_raw(&e.0, "path", origin);
    Err(e)
}

/// `_fix_co_filename(code, path)`: name `path` as the file of the code
/// object and every code object nested in it.
fn imp_fix_co_filename(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("_fix_co_filename", args, 2, 2)?;
    let Value::Obj(co) = &a[0] else {
        return Err(vm.type_error(format!(
            "_fix_co_filename() argument 1 must be code, not {}",
            vm.arg_type_name(&a[0])
        )));
    };
    let Payload::Code(code) = &co.payload else {
        return Err(vm.type_error(format!(
            "_fix_co_filename() argument 1 must be code, not {}",
            vm.arg_type_name(&a[0])
        )));
    };
    let path: PyRef = match &a[1] {
        Value::Obj(p) if vm.as_str_obj(&a[1]).is_some() => p.clone(),
        other => {
            return Err(vm.type_error(format!(
                "_fix_co_filename() argument 2 must be str, not {}",
                vm.arg_type_name(other)
            )))
        }
    };
    code.set_filename(&path);
    Ok(Value::None)
}

/// `source_hash(key, source)`: SipHash-1-3 keyed with `key`, 8 bytes.
fn imp_source_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let key = args
        .pos()
        .first()
        .cloned()
        .or_else(|| Vm::kwarg(&args, "key"));
    let source = args
        .pos()
        .get(1)
        .cloned()
        .or_else(|| Vm::kwarg(&args, "source"));
    let (Some(key), Some(source)) = (key, source) else {
        return Err(vm.type_error("source_hash() missing required argument"));
    };
    let k = match key {
        Value::Int(i) => i as u64,
        Value::Bool(b) => u64::from(b.get()),
        _ => return Err(vm.type_error("an integer is required")),
    };
    let Some(data) = crate::objects::bytes::buffer_bytes(vm, &source)? else {
        return Err(vm.type_error(format!(
            "a bytes-like object is required, not '{}'",
            vm.type_name_of(&source)
        )));
    };
    let h = crate::pyhash::siphash13(k, 0, &data).to_le_bytes();
    Ok(vm.new_bytes(h.to_vec()))
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_imp");
    vm.add_functions(
        &m,
        &[
            ("lock_held", imp_lock_held),
            ("acquire_lock", imp_noop),
            ("release_lock", imp_noop),
            ("is_builtin", imp_is_builtin),
            ("create_builtin", imp_create_builtin),
            ("exec_builtin", imp_exec_builtin),
            ("is_frozen", imp_is_frozen),
            ("is_frozen_package", imp_is_frozen_package),
            ("find_frozen", imp_find_frozen),
            ("get_frozen_object", imp_get_frozen_object),
            ("init_frozen", imp_init_frozen),
            ("_frozen_module_names", imp_frozen_module_names),
            ("_override_frozen_modules_for_tests", imp_noop),
            ("extension_suffixes", imp_extension_suffixes),
            ("create_dynamic", imp_create_dynamic),
            ("exec_dynamic", imp_exec_builtin),
            ("_fix_co_filename", imp_fix_co_filename),
            ("source_hash", imp_source_hash),
        ],
    );
    let s = vm.new_str("default");
    vm.set_attr_raw(&m, "check_hash_based_pycs", s);
    Ok(m)
}
