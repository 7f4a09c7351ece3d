//! Starting the import system, as CPython's `init_importlib` does: the
//! frozen `importlib._bootstrap` runs as `_frozen_importlib` and installs
//! itself (`_install(sys, _imp)`), then the path-based machinery
//! (`_install_external_importers`) and `zipimport`'s path hook; `sys.path`
//! is built first (script directory, `PYTHONPATH`, the standard library).

use std::path::{Path, PathBuf};

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::stdlib::StdlibSearch;

/// What the import system knows of its surroundings and keeps at hand.
#[derive(Default)]
pub struct ImportState {
    /// The `_frozen_importlib` module, once the bootstrap ran.
    pub bootstrap: Option<Value>,
    /// `_frozen_importlib._find_and_load` and `_handle_fromlist`, once the
    /// bootstrap ran (until then only native modules import).
    pub find_and_load: Option<Value>,
    pub handle_fromlist: Option<Value>,
    /// The original `builtins.__import__` (IMPORT_NAME calls the machinery
    /// directly unless the program replaced it).
    pub import_func: Option<Value>,
    /// The standard library directory found, and where pycvm looked.
    pub stdlib: Option<PathBuf>,
    pub stdlib_tried: Vec<PathBuf>,
    /// What a second import of an accelerator module made once gives
    /// (CPython's extensions cache; see `modules::accel::reimport`): by
    /// name, the copy of its first module's dict, or that module itself.
    pub extensions: std::collections::HashMap<String, Value>,
    /// The native path for the common import (import/fast.rs), once the
    /// bootstrap is installed.
    pub fast: Option<crate::objects::rc::Rc<super::fast::FastImport>>,
    /// Set when the bootstrap is installed: the first import after that
    /// takes the fast path's objects.
    pub fast_armed: bool,
    /// The modules the fast path is running, innermost last, and the
    /// importlib module lock taken for each when a thread started.
    pub fast_stack: Vec<(Value, Option<Value>)>,
}

/// Where `sys.path[0]` comes from.
pub enum MainPath<'a> {
    /// Running a script: its directory.
    Script(&'a Path),
    /// `-m`: the current directory.
    Cwd,
    /// `-c`: the empty string (the current directory, as it is when
    /// imported from).
    Empty,
}

impl Vm {
    /// Build `sys.path` and start the import machinery. A failure to start
    /// it is reported on stderr and leaves only native modules importable.
    pub fn init_import_system(&mut self, search: StdlibSearch, main: MainPath) {
        crate::objects::gc::boot_begin();
        self.start_import_system(search, main);
        crate::objects::gc::boot_end();
    }

    fn start_import_system(&mut self, search: StdlibSearch, main: MainPath) {
        self.import.stdlib = search.found;
        self.import.stdlib_tried = search.tried;
        self.init_sys_path(main);
        if let Err(e) = self.install_importlib() {
            let text = self.format_exception(&e.0);
            eprint!("pycvm: the import system did not start:\n{text}");
            self.import.find_and_load = None;
            self.import.handle_fromlist = None;
            self.import.bootstrap = None;
            return;
        }
        if self.import.stdlib.is_some() && !crate::vm::config::get().no_site {
            if let Err(e) = self.install_site_builtins() {
                let text = self.format_exception(&e.0);
                eprint!("pycvm: site builtins not installed:\n{text}");
            }
        }
        if crate::vm::config::get().no_site {
            // -S: none of what `site` adds to builtins, not even the
            // stand-ins kept for a run without a stdlib.
            if let Some(d) = self.builtins.dict() {
                for name in ["exit", "quit"] {
                    let key = self.new_str(name);
                    let _ = self.dict_del(&d, &key);
                }
            }
        }
        self.import_for_options();
    }

    /// What CPython's `init_interp_main` imports for the command line:
    /// `warnings` when there are warning options (it applies
    /// `sys.warnoptions` as it loads), and `faulthandler` enabled under
    /// `-X faulthandler`, `-X dev` or `PYTHONFAULTHANDLER`.
    fn import_for_options(&mut self) {
        let config = crate::vm::config::get();
        if !config.warnoptions.is_empty() {
            if let Err(e) = self.import_by_name("warnings") {
                let text = self.format_exception(&e.0);
                eprint!("'import warnings' failed; traceback:\n{text}");
            }
        }
        let faulthandler = config.dev_mode
            || config.xoptions.iter().any(|x| x == "faulthandler")
            || crate::vm::config::env("PYTHONFAULTHANDLER").is_some();
        if faulthandler {
            let enabled = self
                .import_by_name("faulthandler")
                .and_then(|m| self.call_method(&m, "enable", &[]));
            if let Err(e) = enabled {
                let text = self.format_exception(&e.0);
                eprint!("{text}");
            }
        }
    }

    /// What CPython's `site` module adds to builtins (`exit`, `quit`,
    /// `help`, `copyright`, `credits`, `license`), made with the stdlib's
    /// own `_sitebuiltins` classes. pycvm does not run `site.py` itself at
    /// start-up (it would import `os` and friends on every run); the
    /// site-packages directory is put on `sys.path` natively.
    fn install_site_builtins(&mut self) -> PyResult<()> {
        let sb = self.import_by_name("_sitebuiltins")?;
        let builtins = self.builtins.clone();
        let quitter = self.getattr_str(&sb, "Quitter")?;
        let eof = self.new_str("Ctrl-D (i.e. EOF)");
        for name in ["quit", "exit"] {
            let n = self.new_str(name);
            let q = self.call(&quitter, &[n, eof.clone()])?;
            self.set_attr_raw(&builtins, name, q);
        }
        // `_Printer.__init__` imports os; set its private attributes
        // directly so start-up does not import os.
        let printer = self.getattr_str(&sb, "_Printer")?;
        let sys = Value::Obj(self.sys.clone());
        let copyright = self.getattr_str(&sys, "copyright")?;
        let credits = self.new_str(
            "    Thanks to CWI, CNRI, BeOpen.com, Zope Corporation and a cast of thousands\n    \
             for supporting Python development.  See www.python.org for more information.",
        );
        let here = self
            .import
            .stdlib
            .as_ref()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let license = self.new_str("See https://www.python.org/psf/license/");
        let mut license_files = Vec::new();
        for dir in [format!("{here}/.."), here.clone(), ".".to_string()] {
            for f in ["LICENSE.txt", "LICENSE"] {
                license_files.push(self.new_string(format!("{dir}/{f}")));
            }
        }
        let no_files = self.new_list(vec![]);
        let license_files = self.new_list(license_files);
        for (name, text, files) in [
            ("copyright", copyright, no_files.clone()),
            ("credits", credits, no_files),
            ("license", license, license_files),
        ] {
            let p = self.call_method(&printer, "__new__", &[printer.clone()])?;
            let Value::Obj(po) = &p else {
                return Err(self.type_error("_Printer.__new__ returned a non-object"));
            };
            let n = self.new_str(name);
            self.set_attr_raw(po, "_Printer__name", n);
            self.set_attr_raw(po, "_Printer__data", text);
            self.set_attr_raw(po, "_Printer__lines", Value::None);
            self.set_attr_raw(po, "_Printer__filenames", files);
            self.set_attr_raw(&builtins, name, p);
        }
        let helper = self.getattr_str(&sb, "_Helper")?;
        let h = self.call(&helper, &[])?;
        self.set_attr_raw(&builtins, "help", h);
        Ok(())
    }

    fn init_sys_path(&mut self, main: MainPath) {
        let mut path: Vec<String> = Vec::new();
        let config = crate::vm::config::get();
        match main {
            // -P, -I: nothing that could be unsafe goes first.
            _ if config.safe_path => {}
            MainPath::Script(p) => {
                let abs = p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
                let dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
                path.push(dir.to_string_lossy().into_owned());
            }
            MainPath::Cwd => {
                if let Ok(cwd) = std::env::current_dir() {
                    path.push(cwd.to_string_lossy().into_owned());
                }
            }
            MainPath::Empty => path.push(String::new()),
        }
        if let Some(pp) = crate::vm::config::env("PYTHONPATH") {
            for p in std::env::split_paths(&pp) {
                let s = p.to_string_lossy().into_owned();
                if !s.is_empty() {
                    path.push(s);
                }
            }
        }
        let stdlib = self.import.stdlib.clone();
        if let Some(lib) = &stdlib {
            // As CPython: the zipped stdlib (even when absent), the stdlib,
            // then site-packages (which CPython's `site` adds).
            if let Some(prefix) = lib.parent() {
                path.push(prefix.join("python311.zip").to_string_lossy().into_owned());
            }
            path.push(lib.to_string_lossy().into_owned());
            if let Some(d) = crate::modules::dynload::dynload_dir(self) {
                path.push(d.to_string_lossy().into_owned());
            }
            let site = lib.join("site-packages");
            // -S: no `site`, so no site-packages.
            if site.is_dir() && !config.no_site {
                path.push(site.to_string_lossy().into_owned());
            }
        }
        let items: Vec<Value> = path.iter().map(|p| self.new_str(p)).collect();
        let list = self.new_list(items);
        let sys = self.sys.clone();
        self.set_attr_raw(&sys, "path", list);
        let dir = match &stdlib {
            Some(lib) => self.new_string(lib.to_string_lossy().into_owned()),
            None => Value::None,
        };
        self.set_attr_raw(&sys, "_stdlib_dir", dir);
        // The modules CPython has as shared libraries are not built in.
        let names: Vec<Value> = crate::modules::NATIVE_MODULES
            .iter()
            .filter(|(n, _)| !crate::modules::dynload::is_dynload(self, n))
            .map(|(n, _)| self.new_str(n))
            .collect();
        let bmn = self.new_tuple(names);
        self.set_attr_raw(&sys, "builtin_module_names", bmn);
    }

    fn install_importlib(&mut self) -> PyResult<()> {
        let modules = self.modules.clone();
        let imp = crate::modules::imp::init(self)?;
        let key = self.new_str("_imp");
        self.dict_set(&modules, key, Value::Obj(imp.clone()))?;
        // `_install` gives every builtin module already in sys.modules its
        // __spec__/__loader__ (so `builtins` reprs as `(built-in)`).
        let key = self.new_str("builtins");
        self.dict_set(&modules, key, Value::Obj(self.builtins.clone()))?;

        let code = crate::modules::imp::frozen_code(self, "_frozen_importlib")?;
        let bootstrap = self.new_module("_frozen_importlib");
        let orig = self.new_str("importlib._bootstrap");
        self.set_attr_raw(&bootstrap, "__origname__", orig);
        let key = self.new_str("_frozen_importlib");
        self.dict_set(&modules, key, Value::Obj(bootstrap.clone()))?;
        self.exec_module_code(&bootstrap, &code)?;

        let b = Value::Obj(bootstrap);
        self.import.bootstrap = Some(b.clone());
        let sys = Value::Obj(self.sys.clone());
        self.call_method(&b, "_install", &[sys, Value::Obj(imp)])?;
        self.import.find_and_load = Some(self.getattr_str(&b, "_find_and_load")?);
        self.import.handle_fromlist = Some(self.getattr_str(&b, "_handle_fromlist")?);
        let builtins = self.builtins.clone();
        self.import.import_func = self.get_attr_raw(&builtins, "__import__");
        self.call_method(&b, "_install_external_importers", &[])?;

        // pycvm has no compiler: a source without an up-to-date cached
        // .pyc is an ImportError saying how to make one.
        let external = self.import_by_name("_frozen_importlib_external")?;
        let loader = self.getattr_str(&external, "SourceLoader")?;
        let f = self.new_builtin_function("source_to_code", source_to_code);
        let name = self.intern("source_to_code");
        self.setattr(&loader, &name, Some(f))?;

        // zipimport's path hook goes first, as CPython's _PyImportZip_Init.
        if let Ok(z) = self.import_by_name("zipimport") {
            if let Ok(hook) = self.getattr_str(&z, "zipimporter") {
                let sys = Value::Obj(self.sys.clone());
                let hooks = self.getattr_str(&sys, "path_hooks")?;
                self.call_method(&hooks, "insert", &[Value::Int(0), hook])?;
            }
        }
        self.import.fast_armed = true;
        Ok(())
    }

    /// Give `__main__` the attributes CPython gives a .pyc run as a script.
    pub fn init_main_module(&mut self, main: &PyRef, file: &str) -> PyResult<()> {
        let f = self.new_str(file);
        self.set_attr_raw(main, "__file__", f.clone());
        self.set_attr_raw(main, "__cached__", Value::None);
        if self.import.find_and_load.is_some() {
            let external = self.import_by_name("_frozen_importlib_external")?;
            let cls = self.getattr_str(&external, "SourcelessFileLoader")?;
            let name = self.new_str("__main__");
            let loader = self.call(&cls, &[name, f])?;
            self.set_attr_raw(main, "__loader__", loader);
        }
        Ok(())
    }
}

/// `SourceLoader.source_to_code(data, path)` in pycvm: there is no
/// compiler, so explain which compiled file is missing and how to make it.
fn source_to_code(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let path = args
        .pos()
        .get(1)
        .cloned()
        .or_else(|| Vm::kwarg(&args, "path"))
        .unwrap_or(Value::None);
    let p = vm.str(&path)?;
    let src = Path::new(&p);
    let dir = src.parent().map(Path::to_path_buf).unwrap_or_default();
    let stem = src
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    // As `cache_from_source` names it: `.opt-N` under -O/-OO, which
    // `compileall` writes when run with the same option.
    let (tag, option) = match crate::vm::config::get().optimize {
        0 => (String::new(), ""),
        1 => (".opt-1".to_string(), " -O"),
        n => (format!(".opt-{n}"), " -OO"),
    };
    let cache = dir
        .join("__pycache__")
        .join(format!("{stem}.cpython-311{tag}.pyc"));
    let shown_dir = if dir.as_os_str().is_empty() {
        ".".to_string()
    } else {
        dir.display().to_string()
    };
    let msg = format!(
        "pycvm cannot compile '{p}': it has no up-to-date compiled file '{}' (pycvm runs \
         bytecode only); compile it with: python3.11{option} -m compileall {shown_dir}",
        cache.display()
    );
    let e = vm.new_error(ExcKind::ImportError, msg);
    vm.set_attr_raw(&e.0, "path", path);
    Err(e)
}
