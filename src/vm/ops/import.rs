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
        let m = self.import_module(crate::vm::proto::str_of(&name), &fromlist, &level)?;
        self.op_push(m)
    }

    /// `__import__(name, fromlist, level)` over the modules pycvm has.
    pub fn import_module(
        &mut self,
        name: &str,
        fromlist: &Value,
        level: &Value,
    ) -> PyResult<Value> {
        if !matches!(level, Value::Int(0)) && !level.is_none() {
            return Err(self.new_error(
                ExcKind::ImportError,
                "attempted relative import with no known parent package",
            ));
        }
        let top = name.split('.').next().unwrap_or(name).to_string();
        let full = self.load_module(name)?;
        let has_from = self.seq_items(fromlist).is_some_and(|l| !l.is_empty());
        if has_from || top == name {
            Ok(full)
        } else {
            self.load_module(&top)
        }
    }

    /// A module from `sys.modules`, or a builtin module created now.
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
                let mname = match &module {
                    Value::Obj(o) => match &o.payload {
                        Payload::Module(m) => m.name.clone(),
                        _ => "<unknown module name>".into(),
                    },
                    _ => "<unknown module name>".into(),
                };
                let n = crate::vm::proto::str_of(&name);
                let full = format!("{mname}.{n}");
                let key = self.new_str(&full);
                let modules = self.modules.clone();
                if let Some(m) = self.dict_get(&modules, &key)? {
                    return self.op_push(m);
                }
                Err(self.new_error(
                    ExcKind::ImportError,
                    format!("cannot import name '{n}' from '{mname}' (unknown location)"),
                ))
            }
            Err(e) => Err(e),
        }
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
        let v = self.pop();
        if !v.is_none() {
            let r = self.repr(&v)?;
            self.write_stdout(&format!("{r}\n"))?;
        }
        Ok(Flow::Next)
    }
}
