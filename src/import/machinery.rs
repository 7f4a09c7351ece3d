//! The import statement: CPython's `PyImport_ImportModuleLevelObject`.
//! A module already in `sys.modules` costs one dict lookup; anything else
//! goes to `_find_and_load` of the importlib bootstrap (CPython's own
//! `importlib._bootstrap`, frozen into pycvm), which walks `sys.meta_path`.
//! Relative names are resolved here as CPython's `resolve_name` does, and a
//! failed import loses its importlib frames (`remove_importlib_frames`).

use crate::objects::rc::Rc;

use crate::objects::exception::ExcKind;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

const IMPORTLIB_FILES: [&str; 2] = [
    "<frozen importlib._bootstrap>",
    "<frozen importlib._bootstrap_external>",
];

impl Vm {
    /// `import name` with the caller's globals: `__import__(name, globals,
    /// None, fromlist, level)` unless the program replaced
    /// `builtins.__import__`, in which case that is called.
    pub fn import_name(
        &mut self,
        name: &Value,
        globals: &PyRef,
        builtins: &PyRef,
        locals: Option<Value>,
        fromlist: &Value,
        level: &Value,
    ) -> PyResult<Value> {
        let func = self.dict_get_by_str_nocall(builtins, "__import__");
        let Some(func) = func else {
            return Err(self.new_error(ExcKind::ImportError, "__import__ not found"));
        };
        let original = self
            .import
            .import_func
            .as_ref()
            .is_some_and(|f| f.is(&func));
        if !original {
            let args = [
                name.clone(),
                Value::Obj(globals.clone()),
                locals.unwrap_or(Value::None),
                fromlist.clone(),
                level.clone(),
            ];
            return self.call(&func, &args);
        }
        let level = match level {
            Value::Int(i) => *i,
            Value::Bool(b) => i64::from(b.get()),
            _ => return Err(self.type_error("level must be an int")),
        };
        self.import_module_level(name, Some(globals), fromlist, level)
    }

    /// `__import__(name, None, None, fromlist, level)` for native code.
    pub fn import_module(
        &mut self,
        name: &str,
        fromlist: &Value,
        level: &Value,
    ) -> PyResult<Value> {
        let n = self.new_str(name);
        let level = match level {
            Value::Int(i) => *i,
            _ => 0,
        };
        self.import_module_level(&n, None, fromlist, level)
    }

    /// Import a module by absolute name and return it (not its top-level
    /// package): CPython's `PyImport_ImportModule`.
    pub fn import_by_name(&mut self, name: &str) -> PyResult<Value> {
        let n = self.new_str(name);
        self.import_module_level(&n, None, &Value::None, 0)?;
        let modules = self.modules.clone();
        match self.dict_get(&modules, &n)? {
            Some(m) => Ok(m),
            None => Err(self.new_error(
                ExcKind::KeyError,
                format!("'{name}' not in sys.modules as expected"),
            )),
        }
    }

    /// `__import__(name, globals, locals, fromlist, level)`.
    pub fn import_module_level(
        &mut self,
        name: &Value,
        globals: Option<&PyRef>,
        fromlist: &Value,
        level: i64,
    ) -> PyResult<Value> {
        let Some(name_s) = self.as_str_obj(name).map(|s| s.as_str().to_string()) else {
            return Err(self.type_error("module name must be a string"));
        };
        if level < 0 {
            return Err(self.value_error("level must be >= 0"));
        }
        let abs_name: Value = if level > 0 {
            let resolved = self.resolve_name(&name_s, globals, level)?;
            self.new_string(resolved)
        } else {
            if name_s.is_empty() {
                return Err(self.value_error("Empty module name"));
            }
            name.clone()
        };
        let modules = self.modules.clone();
        let module = match self.dict_get(&modules, &abs_name)? {
            Some(m) if !m.is_none() => {
                self.ensure_initialized(&m, &abs_name)?;
                m
            }
            _ => self.find_and_load(&abs_name)?,
        };
        let has_from = match fromlist {
            Value::None => false,
            v => self.truthy(v)?,
        };
        if has_from {
            return self.handle_fromlist(module, fromlist);
        }
        let Some(dot) = name_s.find('.') else {
            return Ok(module);
        };
        if level == 0 {
            let front = self.new_str(&name_s[..dot]);
            return self.import_module_level(&front, None, &Value::None, 0);
        }
        if name_s.is_empty() {
            return Ok(module);
        }
        // `from . import a.b` form: the part of the absolute name that
        // stands for the first component of `name`.
        let abs = self.str(&abs_name)?;
        let cut = name_s.len() - dot;
        let keep = abs.len().saturating_sub(cut);
        let to_return = abs.get(..keep).unwrap_or("").to_string();
        let key = self.new_string(to_return.clone());
        match self.dict_get(&modules, &key)? {
            Some(m) => Ok(m),
            None => Err(self.new_error(
                ExcKind::KeyError,
                format!("'{to_return}' not in sys.modules as expected"),
            )),
        }
    }

    fn handle_fromlist(&mut self, module: Value, fromlist: &Value) -> PyResult<Value> {
        let Some(handle) = self.import.handle_fromlist.clone() else {
            return Ok(module);
        };
        if self.getattr_opt(&module, "__path__")?.is_none() {
            return Ok(module);
        }
        let import_func = self.import.import_func.clone().unwrap_or(Value::None);
        let r = self.call(&handle, &[module, fromlist.clone(), import_func]);
        r.map_err(|e| self.remove_importlib_frames(e))
    }

    /// CPython's `import_ensure_initialized`: a module another thread is
    /// still importing (`__spec__._initializing`) is waited for through
    /// `_lock_unlock_module`. With one thread running nothing can be
    /// waited for (the lock is this thread's own), so that case is skipped.
    fn ensure_initialized(&mut self, module: &Value, name: &Value) -> PyResult<()> {
        if !crate::modules::thread_start::others_running() {
            return Ok(());
        }
        let spec = self.getattr_opt(module, "__spec__")?.unwrap_or(Value::None);
        if !self.spec_is_initializing(&spec) {
            return Ok(());
        }
        let Some(b) = self.import.bootstrap.clone() else {
            return Ok(());
        };
        let r = self
            .getattr_str(&b, "_lock_unlock_module")
            .and_then(|f| self.call(&f, std::slice::from_ref(name)));
        r.map(|_| ()).map_err(|e| self.remove_importlib_frames(e))
    }

    /// Load a module not in `sys.modules`: the bootstrap's
    /// `_find_and_load`, or (before the bootstrap runs) a native module.
    fn find_and_load(&mut self, abs_name: &Value) -> PyResult<Value> {
        let Some(find) = self.import.find_and_load.clone() else {
            let n = self.str(abs_name)?;
            return self.load_module(&n);
        };
        match self.fast_find_and_load(abs_name) {
            Ok(Some(m)) => return Ok(m),
            Ok(None) => {}
            Err(e) => {
                let e = self.remove_importlib_frames(e);
                return Err(self.explain_missing_stdlib(e));
            }
        }
        let import_func = self.import.import_func.clone().unwrap_or(Value::None);
        match self.call(&find, &[abs_name.clone(), import_func]) {
            Ok(m) => Ok(m),
            Err(e) => {
                let e = self.remove_importlib_frames(e);
                Err(self.explain_missing_stdlib(e))
            }
        }
    }

    /// CPython's `resolve_name`: the absolute name of a relative import.
    fn resolve_name(
        &mut self,
        name: &str,
        globals: Option<&PyRef>,
        level: i64,
    ) -> PyResult<String> {
        let Some(globals) = globals.filter(|g| matches!(g.payload, Payload::Dict(_))) else {
            return Err(self.type_error("globals must be a dict"));
        };
        let package = self
            .dict_get_by_str_nocall(globals, "__package__")
            .filter(|p| !p.is_none());
        let spec = self
            .dict_get_by_str_nocall(globals, "__spec__")
            .filter(|s| !s.is_none());
        let package: String = if let Some(p) = package {
            match self.as_str_obj(&p) {
                Some(s) => s.as_str().to_string(),
                None => return Err(self.type_error("package must be a string")),
            }
        } else if let Some(spec) = spec {
            let parent = self.getattr_str(&spec, "parent")?;
            match self.as_str_obj(&parent) {
                Some(s) => s.as_str().to_string(),
                None => return Err(self.type_error("__spec__.parent must be a string")),
            }
        } else {
            let Some(n) = self.dict_get_by_str_nocall(globals, "__name__") else {
                return Err(self.new_error(ExcKind::KeyError, "'__name__' not in globals"));
            };
            let Some(n) = self.as_str_obj(&n).map(|s| s.as_str().to_string()) else {
                return Err(self.type_error("__name__ must be a string"));
            };
            if self.dict_get_by_str_nocall(globals, "__path__").is_some() {
                n
            } else {
                n.rsplit_once('.')
                    .map(|(a, _)| a.to_string())
                    .unwrap_or_default()
            }
        };
        if package.is_empty() {
            return Err(self.new_error(
                ExcKind::ImportError,
                "attempted relative import with no known parent package",
            ));
        }
        let mut base = package.as_str();
        for _ in 1..level {
            match base.rfind('.') {
                Some(i) => base = &base[..i],
                None => {
                    return Err(self.new_error(
                        ExcKind::ImportError,
                        "attempted relative import beyond top-level package",
                    ))
                }
            }
        }
        Ok(if name.is_empty() {
            base.to_string()
        } else {
            format!("{base}.{name}")
        })
    }

    /// CPython's `remove_importlib_frames`: drop the importlib bootstrap's
    /// frames from a failed import's traceback — all of them for an
    /// ImportError, otherwise each run of them that ends in
    /// `_call_with_frames_removed`.
    pub fn remove_importlib_frames(&mut self, e: PyErr) -> PyErr {
        let always = self.err_is(&e, ExcKind::ImportError);
        let tb = self.getattr_str(&Value::Obj(e.0.clone()), "__traceback__");
        let Ok(tb) = tb else {
            return e;
        };
        let entries = self.traceback_entries(&tb);
        let mut keep: Vec<PyRef> = Vec::with_capacity(entries.len());
        // Start of the current run of importlib frames within `keep`.
        let mut run_start: Option<usize> = None;
        for t in &entries {
            let Payload::Traceback(tbo) = &t.payload else {
                continue;
            };
            let file = tbo.frame.code.filename_string();
            let in_importlib = IMPORTLIB_FILES.contains(&file.as_str());
            if !in_importlib {
                run_start = None;
                keep.push(t.clone());
                continue;
            }
            let start = *run_start.get_or_insert(keep.len());
            if always || tbo.frame.code.name_str() == "_call_with_frames_removed" {
                keep.truncate(start);
            } else {
                keep.push(t.clone());
            }
        }
        if keep.len() == entries.len() {
            return e;
        }
        // Relink the kept entries (each keeps its frame; only tb_next changes).
        let mut next = Value::None;
        for t in keep.iter().rev() {
            if let Payload::Traceback(tbo) = &t.payload {
                *tbo.next.borrow_mut() = next;
            }
            next = Value::Obj(t.clone());
        }
        let key = self.intern("__traceback__");
        let _ = self.setattr(&Value::Obj(e.0.clone()), &key, Some(next));
        e
    }

    /// A module missing because no stdlib was found: say where pycvm looked.
    fn explain_missing_stdlib(&mut self, e: PyErr) -> PyErr {
        if self.import.stdlib.is_some() || !self.err_is(&e, ExcKind::ModuleNotFoundError) {
            return e;
        }
        let tried: Vec<String> = self
            .import
            .stdlib_tried
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let Ok(msg) = self.getattr_str(&Value::Obj(e.0.clone()), "msg") else {
            return e;
        };
        let Ok(msg) = self.str(&msg) else {
            return e;
        };
        let note = format!(
            "{msg} (pycvm found no CPython 3.11 standard library; looked in {}; use --stdlib DIR or PYCVM_STDLIB)",
            tried.join(", ")
        );
        let v = self.new_string(note);
        let args = self.new_tuple_of([v.clone()]);
        for (name, val) in [("args", args), ("msg", v)] {
            let key = self.intern(name);
            let _ = self.setattr(&Value::Obj(e.0.clone()), &key, Some(val));
        }
        e
    }

    /// Run a module's code object in its namespace.
    pub fn exec_module_code(&mut self, module: &PyRef, code: &Value) -> PyResult<Value> {
        let Value::Obj(co) = code else {
            return Err(self.type_error("expected a code object"));
        };
        let Payload::Code(code) = &co.payload else {
            return Err(self.type_error("expected a code object"));
        };
        let code = Rc::clone(code);
        let Some(globals) = module.dict() else {
            return Err(self.system_error("module has no __dict__"));
        };
        if self
            .dict_get_by_str_nocall(&globals, "__builtins__")
            .is_none()
        {
            let b = Value::Obj(self.builtins.clone());
            self.set_attr_raw(module, "__builtins__", b);
        }
        self.run_code(&code, globals.clone(), Some(Value::Obj(globals)))
    }
}
