//! `module` objects (CPython's `Objects/moduleobject.c`): construction,
//! `repr` through importlib's `_module_repr`, `__dir__`, and the attribute
//! fallback — a module-level `__getattr__` (PEP 562), then CPython's
//! "module 'x' has no attribute 'y'" (with the circular-import hint while
//! the module is still initialising).

use super::function::{Args, Module};
use super::Payload;
use crate::objects::typeobj::type_data;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// `__name__` from a module's dict, if it is a str.
pub fn module_name(vm: &Vm, m: &PyRef) -> Option<String> {
    let d = m.dict()?;
    let n = vm.dict_get_by_str_nocall(&d, "__name__")?;
    vm.as_str_obj(&n).map(|s| s.as_str().to_string())
}

impl Vm {
    /// Whether `spec._initializing` is true (CPython's
    /// `_PyModuleSpec_IsInitializing`).
    pub fn spec_is_initializing(&mut self, spec: &Value) -> bool {
        if spec.is_none() {
            return false;
        }
        match self.getattr_opt(spec, "_initializing") {
            Ok(Some(v)) => self.truthy(&v).unwrap_or(false),
            _ => false,
        }
    }

    /// A module-level `__getattr__(name)` (PEP 562), if the module has one.
    pub fn module_getattr_hook(&mut self, m: &PyRef, name: &PyRef) -> Option<PyResult<Value>> {
        let hook = self.dict_get_by_str_nocall(&m.dict()?, "__getattr__")?;
        Some(self.call(&hook, &[Value::Obj(name.clone())]))
    }

    /// A module attribute the normal lookup did not find.
    pub fn module_missing_attr(&mut self, m: &PyRef, name: &PyRef) -> PyResult<Value> {
        let Some(d) = m.dict() else {
            return Err(self.attribute_error(format!(
                "module has no attribute '{}'",
                crate::vm::proto::str_of(name)
            )));
        };
        if let Some(r) = self.module_getattr_hook(m, name) {
            return r;
        }
        let n = crate::vm::proto::str_of(name).to_string();
        let msg = match module_name(self, m) {
            Some(mname) => {
                let spec = self
                    .dict_get_by_str_nocall(&d, "__spec__")
                    .unwrap_or(Value::None);
                if self.spec_is_initializing(&spec) {
                    format!(
                        "partially initialized module '{mname}' has no attribute '{n}' \
                         (most likely due to a circular import)"
                    )
                } else {
                    format!("module '{mname}' has no attribute '{n}'")
                }
            }
            None => format!("module has no attribute '{n}'"),
        };
        let e = self.attribute_error(msg);
        crate::objects::exception::set_name_obj(
            &e.0,
            Value::Obj(name.clone()),
            Some(Value::Obj(m.clone())),
        );
        Err(e)
    }

    /// `repr(module)`: importlib's `_module_repr`, as CPython's module_repr.
    pub fn module_repr(&mut self, m: &PyRef) -> PyResult<String> {
        if let Some(b) = self.import.bootstrap.clone() {
            let r = self.call_method(&b, "_module_repr", &[Value::Obj(m.clone())])?;
            return self.str(&r);
        }
        let name = module_name(self, m).unwrap_or_else(|| "?".into());
        Ok(format!("<module '{name}'>"))
    }
}

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

/// `module.__new__(cls, *args, **kwargs)`: an empty module of class `cls`.
fn module_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) if type_data(c).is_some() => c.clone(),
        _ => return Err(vm.type_error("module.__new__(X): X is not a type object")),
    };
    let m = vm.new_instance_of(
        &cls,
        Payload::Module(Module {
            name: String::new(),
        }),
    );
    if !m.has_attrs() {
        m.set_dict(Some(vm.new_dict()));
    }
    Ok(Value::Obj(m))
}

/// `module.__init__(self, name, doc=None)`.
fn module_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = args.pos();
    let name = pos.get(1).cloned().or_else(|| Vm::kwarg(&args, "name"));
    let doc = pos
        .get(2)
        .cloned()
        .or_else(|| Vm::kwarg(&args, "doc"))
        .unwrap_or(Value::None);
    let Some(name) = name else {
        return Err(vm.type_error("module.__init__() missing required argument 'name' (pos 1)"));
    };
    if vm.as_str_obj(&name).is_none() {
        return Err(vm.type_error(format!(
            "module() argument 'name' must be str, not {}",
            vm.arg_type_name(&name)
        )));
    }
    if pos.len() > 3 {
        return Err(vm.type_error(format!(
            "module.__init__() takes at most 2 arguments ({} given)",
            pos.len() - 1
        )));
    }
    let Value::Obj(m) = arg(&args, 0) else {
        return Err(vm.type_error("module.__init__ needs a module"));
    };
    if !m.has_attrs() {
        m.set_dict(Some(vm.new_dict()));
    }
    vm.set_attr_raw(&m, "__name__", name);
    vm.set_attr_raw(&m, "__doc__", doc);
    for k in ["__package__", "__loader__", "__spec__"] {
        vm.set_attr_raw(&m, k, Value::None);
    }
    Ok(Value::None)
}

fn module_repr_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Value::Obj(m) = arg(&args, 0) else {
        return Err(vm.type_error("descriptor '__repr__' requires a 'module' object"));
    };
    let r = vm.module_repr(&m)?;
    Ok(vm.new_string(r))
}

/// `module.__dir__()`: the dict's `__dir__()` if it defines one, else its keys.
fn module_dir(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Value::Obj(m) = arg(&args, 0) else {
        return Err(vm.type_error("descriptor '__dir__' requires a 'module' object"));
    };
    let Some(d) = m.dict() else {
        return Err(vm.type_error("<module>.__dict__ is not a dictionary"));
    };
    if let Some(f) = vm.dict_get_by_str_nocall(&d, "__dir__") {
        return vm.call(&f, &[]);
    }
    let keys: Vec<Value> = vm.dict_items(&d).into_iter().map(|(k, _)| k).collect();
    Ok(vm.new_list(keys))
}

/// `module.__annotations__`: the dict's, created empty on first use.
fn module_annotations(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let Value::Obj(m) = v else {
        return Ok(Value::None);
    };
    let Some(d) = m.dict() else {
        return Err(vm.attribute_error("__annotations__"));
    };
    if let Some(a) = vm.dict_get_by_str_nocall(&d, "__annotations__") {
        return Ok(a);
    }
    let a = Value::Obj(vm.new_dict());
    vm.set_attr_raw(m, "__annotations__", a.clone());
    Ok(a)
}

fn module_set_annotations(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let Value::Obj(m) = v else {
        return Ok(());
    };
    let Some(d) = m.dict() else {
        return Err(vm.attribute_error("__annotations__"));
    };
    match new {
        Some(a) => {
            vm.set_attr_raw(m, "__annotations__", a);
            Ok(())
        }
        None => {
            let key = Value::Obj(vm.intern("__annotations__"));
            if vm.dict_get(&d, &key)?.is_none() {
                return Err(vm.attribute_error("__annotations__"));
            }
            vm.dict_del(&d, &key).map(|_| ())
        }
    }
}

pub fn install(vm: &mut Vm) {
    let mo = vm.types.module.clone();
    vm.add_staticmethods(&mo, &[("__new__", module_new)]);
    vm.add_methods(
        &mo,
        &[
            ("__init__", module_init),
            ("__repr__", module_repr_m),
            ("__dir__", module_dir),
        ],
    );
    vm.add_getsets(
        &mo,
        &[(
            "__annotations__",
            module_annotations,
            Some(module_set_annotations),
        )],
    );
}
