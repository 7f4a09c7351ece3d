//! Imports (of builtin modules, until the import system lands), `import *`,
//! annotations, and PRINT_EXPR.

use crate::objects::exception::ExcKind;
use crate::objects::Payload;

use super::Flow;
use crate::vm::code::Code;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

impl Vm {
    pub(crate) fn op_import_name(&mut self, code: &Code, oparg: u32) -> PyResult<Flow> {
        let name = code.names.get(oparg as usize).cloned();
        let fromlist = self.pop();
        let level = self.pop();
        let Some(name) = name else {
            return Err(self.system_error("bad IMPORT_NAME"));
        };
        let Some(f) = self.frames.last() else {
            return Err(self.system_error("IMPORT_NAME outside a frame"));
        };
        let (globals, builtins, locals) = (f.globals.clone(), f.builtins.clone(), f.locals.clone());
        let m = self.import_name(
            &Value::Obj(name),
            &globals,
            &builtins,
            locals,
            &fromlist,
            &level,
        )?;
        self.op_push(m)
    }

    /// A module from `sys.modules`, or a native module created now (the
    /// import path before the importlib bootstrap runs).
    pub fn load_module(&mut self, name: &str) -> PyResult<Value> {
        let key = self.new_str(name);
        let modules = self.modules.clone();
        if let Some(m) = self.dict_get(&modules, &key)? {
            return Ok(m);
        }
        match crate::modules::create(self, name)? {
            Some(m) => {
                self.dict_set(&modules, key, m.clone())?;
                Ok(m)
            }
            None => {
                let e = self.new_error(
                    ExcKind::ModuleNotFoundError,
                    format!("No module named '{name}'"),
                );
                let n = self.new_str(name);
                self.set_attr_raw(&e.0, "name", n);
                Err(e)
            }
        }
    }

    pub(crate) fn op_import_from(&mut self, code: &Code, oparg: u32) -> PyResult<Flow> {
        let module = self.peek(0).clone();
        let Some(name) = code.names.get(oparg as usize).cloned() else {
            return Err(self.system_error("bad IMPORT_FROM"));
        };
        match self.getattr(&module, &name) {
            Ok(v) => self.op_push(v),
            Err(e) if self.err_is(&e, ExcKind::AttributeError) => {
                let v = self.import_from_fallback(&module, &name)?;
                self.op_push(v)
            }
            Err(e) => Err(e),
        }
    }

    /// `from m import name` where `m` has no attribute `name`: the
    /// submodule `m.name` from `sys.modules` (circular imports), else
    /// CPython's ImportError.
    fn import_from_fallback(
        &mut self,
        module: &Value,
        name: &crate::vm::value::PyRef,
    ) -> PyResult<Value> {
        let n = crate::vm::proto::str_of(name).to_string();
        let pkgname = match self.getattr_opt(module, "__name__") {
            Ok(Some(p)) => self.as_str_obj(&p).map(|s| s.as_str().to_string()),
            _ => None,
        };
        if let Some(pkg) = &pkgname {
            let key = self.new_string(format!("{pkg}.{n}"));
            let modules = self.modules.clone();
            if let Some(m) = self.dict_get(&modules, &key)? {
                return Ok(m);
            }
        }
        let path = match module {
            Value::Obj(o) if matches!(o.payload, Payload::Module(_)) => o
                .dict()
                .and_then(|d| self.dict_get_by_str_nocall(&d, "__file__"))
                .filter(|p| self.as_str_obj(p).is_some()),
            _ => None,
        };
        let shown = pkgname
            .clone()
            .unwrap_or_else(|| "<unknown module name>".into());
        let (name_r, shown_r) = (
            crate::pyfmt::str_repr_str(&n),
            crate::pyfmt::str_repr_str(&shown),
        );
        let msg = match &path {
            None => format!("cannot import name {name_r} from {shown_r} (unknown location)"),
            Some(p) => {
                let p = self.str(p)?;
                let spec = self.getattr_opt(module, "__spec__")?.unwrap_or(Value::None);
                if self.spec_is_initializing(&spec) {
                    format!(
                        "cannot import name {name_r} from partially initialized module {shown_r} \
                         (most likely due to a circular import) ({p})"
                    )
                } else {
                    format!("cannot import name {name_r} from {shown_r} ({p})")
                }
            }
        };
        let e = self.new_error(ExcKind::ImportError, msg);
        let nv = match &pkgname {
            Some(p) => self.new_str(p),
            None => Value::None,
        };
        self.set_attr_raw(&e.0, "name", nv);
        self.set_attr_raw(&e.0, "path", path.unwrap_or(Value::None));
        Err(e)
    }

    pub(crate) fn op_import_star(&mut self) -> PyResult<Flow> {
        let module = self.pop();
        let locals = match self.frames.last().and_then(|f| f.locals.clone()) {
            Some(l) => l,
            None => return Err(self.system_error("no locals found during 'import *'")),
        };
        let names: Vec<Value> = match self.getattr_opt(&module, "__all__")? {
            Some(all) => self.collect_iter(&all)?,
            None => {
                let d = self.getattr_str(&module, "__dict__")?;
                let keys = match &d {
                    Value::Obj(o) => self.dict_items(o).into_iter().map(|(k, _)| k).collect(),
                    _ => vec![],
                };
                keys.into_iter()
                    .filter(|k| {
                        !self
                            .as_str_obj(k)
                            .is_some_and(|s| s.as_str().starts_with('_'))
                    })
                    .collect()
            }
        };
        for n in names {
            let Value::Obj(no) = &n else {
                continue;
            };
            let v = self.getattr(&module, no)?;
            self.setitem(&locals, n, v)?;
        }
        Ok(Flow::Next)
    }

    pub(crate) fn op_setup_annotations(&mut self) -> PyResult<Flow> {
        let locals = match self.frames.last().and_then(|f| f.locals.clone()) {
            Some(l) => l,
            None => return Err(self.system_error("no locals found when setting up annotations")),
        };
        let key = Value::Obj(self.intern("__annotations__"));
        let exists = match &locals {
            Value::Obj(d) if matches!(d.payload, Payload::Dict(_)) => {
                self.dict_get(d, &key)?.is_some()
            }
            _ => match self.getitem(&locals, &key) {
                Ok(_) => true,
                Err(e) if self.err_is(&e, ExcKind::KeyError) => false,
                Err(e) => return Err(e),
            },
        };
        if !exists {
            let d = Value::Obj(self.new_dict());
            self.setitem(&locals, key, d)?;
        }
        Ok(Flow::Next)
    }

    pub(crate) fn op_print_expr(&mut self) -> PyResult<Flow> {
        // CPython calls `sys.displayhook(value)` (doctest and REPL-like
        // tools replace it, or `sys.stdout` which the default hook uses).
        let v = self.pop();
        let Some(hook) = self.get_attr_raw(&self.sys.clone(), "displayhook") else {
            return Err(self.runtime_error("lost sys.displayhook"));
        };
        self.call(&hook, &[v])?;
        Ok(Flow::Next)
    }
}
