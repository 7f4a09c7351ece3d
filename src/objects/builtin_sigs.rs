//! What builtin functions and methods know about themselves beyond their
//! name: `__text_signature__` and `__doc__` (CPython's, from the generated
//! tables in text_signatures.rs and builtin_docs.rs; read by
//! `inspect.signature` and `help`), and for module-level
//! functions `__module__` and `__self__` (the module, as in CPython).
//! Module functions are created by `Vm::add_functions`, which records here
//! which module each native function belongs to.

use std::cell::RefCell;
use std::collections::HashMap;

use super::builtin_docs::BUILTIN_DOCS;
use super::exception::ExcKind;
use super::function::NativeFn;
use super::text_signatures::TEXT_SIGNATURES;
use super::typeobj::type_data;
use super::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

crate::interp_local! {
    /// Native function (by address and name) -> the module it was added
    /// to. The name is part of the key: the compiler merges functions
    /// whose code is identical (two modules' no-op functions), so an
    /// address alone can stand for functions of two modules.
    static FUNCTION_MODULES: RefCell<HashMap<(usize, &'static str), std::rc::Rc<str>>> =
        RefCell::new(HashMap::new());
}

/// Record that `funcs` are functions of module `module` (first one wins
/// when a function is shared, like `_io.open` and `builtins.open`).
pub fn register_module_functions(module: &str, funcs: &[(&'static str, NativeFn)]) {
    let name: std::rc::Rc<str> = std::rc::Rc::from(module);
    FUNCTION_MODULES.with(|m| {
        let mut m = m.borrow_mut();
        for (n, f) in funcs {
            m.entry((*f as usize, *n)).or_insert_with(|| name.clone());
        }
    });
}

fn module_of(f: NativeFn, name: &'static str) -> Option<std::rc::Rc<str>> {
    FUNCTION_MODULES.with(|m| m.borrow().get(&(f as usize, name)).cloned())
}

/// The table key of a method of type `t`: `Type.name` for builtins' types,
/// `module.Type.name` for others.
fn method_key(vm: &mut Vm, t: &PyRef, name: &str) -> PyResult<String> {
    let tv = Value::Obj(t.clone());
    let module = vm.getattr_str(&tv, "__module__")?;
    let qual = vm.getattr_str(&tv, "__qualname__")?;
    let qual = vm.str(&qual)?;
    Ok(
        match vm.as_str_obj(&module).map(|s| s.as_str().to_string()) {
            Some(m) if m != "builtins" => format!("{m}.{qual}.{name}"),
            _ => format!("{qual}.{name}"),
        },
    )
}

/// Binary search of a sorted generated table (also doc_lookup.rs's).
pub(crate) fn lookup(
    table: &'static [(&'static str, &'static str)],
    key: &str,
) -> Option<&'static str> {
    table
        .binary_search_by(|(k, _)| (*k).cmp(key))
        .ok()
        .and_then(|i| table.get(i))
        .map(|(_, s)| *s)
}

/// The table key of a builtin function or method descriptor.
fn builtin_key(vm: &mut Vm, v: &Value) -> PyResult<Option<String>> {
    let Value::Obj(o) = v else {
        return Ok(None);
    };
    Ok(match &o.payload {
        Payload::Builtin(b) => match (&b.owner, module_of(b.func, b.name)) {
            (Some(t), _) => Some(method_key(vm, t, b.name)?),
            // The tables are keyed by import name: `_io`'s functions say
            // `__module__ == "io"`.
            (None, Some(m)) if &*m == "io" => Some(format!("_io.{}", b.name)),
            (None, Some(m)) => Some(format!("{m}.{}", b.name)),
            (None, None) => None,
        },
        Payload::MethodDescr(m) => Some(method_key(vm, &m.owner, m.name)?),
        _ => None,
    })
}

/// `__text_signature__` of builtin functions and method descriptors.
fn builtin_text_signature(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let key = builtin_key(vm, v)?;
    Ok(match key.and_then(|k| lookup(TEXT_SIGNATURES, &k)) {
        Some(s) => vm.new_str(s),
        None => Value::None,
    })
}

/// `__doc__` of builtin functions and method descriptors.
fn builtin_doc(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let key = builtin_key(vm, v)?;
    Ok(match key.and_then(|k| lookup(BUILTIN_DOCS, &k)) {
        Some(s) => vm.new_str(s),
        None => match slot_wrapper_doc(vm, v) {
            Some(s) => vm.new_str(s),
            None => Value::None,
        },
    })
}

/// The generic slotdefs doc of a slot wrapper or method-wrapper.
fn slot_wrapper_doc(vm: &Vm, v: &Value) -> Option<&'static str> {
    let Value::Obj(o) = v else {
        return None;
    };
    let name = match &o.payload {
        Payload::MethodDescr(m) if o.class_is(&vm.types.wrapper_descriptor) => m.name,
        Payload::Builtin(b) if o.class_is(&vm.types.method_wrapper) => b.name,
        _ => return None,
    };
    super::slot_docs::slot_doc(name)
}

/// `builtin_function_or_method.__module__`: the module of a module-level
/// function, None for methods.
fn builtin_module(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(match v {
        Value::Obj(o) => match &o.payload {
            // Functions that take their module as `self` (binargs'
            // add_module_functions) are module functions too.
            Payload::Builtin(b)
                if b.owner.is_none()
                    && match &b.self_ {
                        None => true,
                        Some(Value::Obj(s)) => matches!(s.payload, Payload::Module(_)),
                        Some(_) => false,
                    } =>
            {
                // One str object per module name, as CPython's m_module.
                match module_of(b.func, b.name) {
                    Some(m) => Value::Obj(vm.intern(&m)),
                    None => Value::None,
                }
            }
            _ => Value::None,
        },
        _ => Value::None,
    })
}

/// `builtin_function_or_method.__self__`: the bound object, or for a
/// module-level function its module (from `sys.modules`).
fn builtin_self(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let Value::Obj(o) = v else {
        return Ok(Value::None);
    };
    let b = match &o.payload {
        Payload::Builtin(b) => b,
        // `T.__new__` is bound to its type; other static methods to nothing.
        Payload::MethodDescr(m) if m.name == "__new__" => return Ok(Value::Obj(m.owner.clone())),
        _ => return Ok(Value::None),
    };
    if let Some(s) = &b.self_ {
        return Ok(s.clone());
    }
    if b.owner.is_some() {
        return Ok(Value::None);
    }
    let Some(name) = module_of(b.func, b.name) else {
        return Ok(Value::None);
    };
    let modules = vm.modules.clone();
    let key = vm.new_str(&name);
    Ok(vm.dict_get(&modules, &key)?.unwrap_or(Value::None))
}

/// Method descriptors have no `__self__` (CPython raises AttributeError,
/// so `getattr(d, "__self__", None)` is None).
fn descr_no_self(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let tname = vm.type_name_of(v);
    Err(vm.new_error(
        ExcKind::AttributeError,
        format!("'{tname}' object has no attribute '__self__'"),
    ))
}

/// `__objclass__` of method descriptors and method-wrappers: the type
/// that defines the method.
fn descr_objclass(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    if let Value::Obj(o) = v {
        match &o.payload {
            Payload::MethodDescr(m) => return Ok(Value::Obj(m.owner.clone())),
            Payload::Builtin(b) => {
                if let Some(t) = &b.owner {
                    return Ok(Value::Obj(t.clone()));
                }
            }
            _ => {}
        }
    }
    let tname = vm.type_name_of(v);
    Err(vm.new_error(
        ExcKind::AttributeError,
        format!("'{tname}' object has no attribute '__objclass__'"),
    ))
}

/// typeobject.c `_PyType_GetTextSignatureFromInternalDoc`: the
/// `(...)` after the type's (last dotted) name at the start of `doc`,
/// ended by `)\n--\n\n` before any blank line.
fn signature_from_doc(name: &str, doc: &str) -> Option<String> {
    const END: &str = ")\n--\n\n";
    let name = name.rsplit('.').next().unwrap_or(name);
    let rest = doc.strip_prefix(name)?;
    if !rest.starts_with('(') {
        return None;
    }
    let end = rest.find(END)?;
    if rest.get(..end).is_some_and(|s| s.contains("\n\n")) {
        return None;
    }
    rest.get(..=end).map(str::to_string)
}

/// `type.__text_signature__` (typeobject.c `type_get_text_signature`):
/// a builtin type's signature from its doc; None for classes.
fn type_text_signature(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let Value::Obj(t) = v else {
        return Ok(Value::None);
    };
    let heap = type_data(t).is_none_or(|td| td.has_flag(super::typeobj::FLAG_HEAPTYPE));
    if heap {
        // A class's signature comes from its own docstring, as CPython
        // reads tp_doc: "Name(...)\n--\n\n".
        let doc = match t
            .dict()
            .and_then(|d| vm.dict_get_by_str_nocall(&d, "__doc__"))
        {
            Some(d) => vm.as_str_obj(&d).map(|s| s.as_str().to_string()),
            None => None,
        };
        let name = type_data(t).map(|td| td.name()).unwrap_or_default();
        return Ok(match doc.and_then(|d| signature_from_doc(&name, &d)) {
            Some(sig) => vm.new_str(&sig),
            None => Value::None,
        });
    }
    let module = vm.getattr_str(v, "__module__")?;
    let qual = vm.getattr_str(v, "__qualname__")?;
    let qual = vm.str(&qual)?;
    let key = match vm.as_str_obj(&module).map(|s| s.as_str().to_string()) {
        Some(m) if m != "builtins" => format!("{m}.{qual}"),
        _ => qual,
    };
    Ok(match lookup(TEXT_SIGNATURES, &key) {
        Some(s) => vm.new_str(s),
        None => Value::None,
    })
}

/// Install the getters on the builtin function and descriptor types.
pub fn install(vm: &mut Vm) {
    let ty = vm.types.type_.clone();
    vm.add_getsets(&ty, &[("__text_signature__", type_text_signature, None)]);
    let bf = vm.types.builtin_function.clone();
    vm.add_getsets(
        &bf,
        &[
            ("__text_signature__", builtin_text_signature, None),
            ("__doc__", builtin_doc, None),
            ("__module__", builtin_module, None),
            ("__self__", builtin_self, None),
        ],
    );
    let mw = vm.types.method_wrapper.clone();
    vm.add_getsets(
        &mw,
        &[
            ("__text_signature__", builtin_text_signature, None),
            ("__doc__", builtin_doc, None),
            ("__self__", builtin_self, None),
            ("__objclass__", descr_objclass, None),
        ],
    );
    for t in [
        vm.types.method_descriptor.clone(),
        vm.types.classmethod_descriptor.clone(),
        vm.types.wrapper_descriptor.clone(),
    ] {
        vm.add_getsets(
            &t,
            &[
                ("__text_signature__", builtin_text_signature, None),
                ("__doc__", builtin_doc, None),
                ("__self__", descr_no_self, None),
                ("__objclass__", descr_objclass, None),
            ],
        );
    }
}
