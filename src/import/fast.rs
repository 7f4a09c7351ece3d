//! A native path for the common import: a module or package found by the
//! default `PathFinder` through a `FileFinder` with its default loaders,
//! whose `__pycache__` pyc is valid for its source (timestamp-based). It
//! does natively what `_find_and_load` of the importlib bootstrap does in
//! Python for that case, and calls the bootstrap's own `FileFinder._get_spec`
//! and `module_from_spec`, so the module, its `__spec__` (a `ModuleSpec`),
//! `__loader__` (a `SourceFileLoader`), `__file__`, `__cached__`, `sys.modules`
//! and `sys.path_importer_cache` end up as importlib leaves them. A
//! top-level built-in or frozen module is loaded the same way with its
//! finder's `find_spec`, `module_from_spec` and its loader's `exec_module`.
//!
//! Anything else goes to importlib (`None` from [`Vm::fast_find_and_load`]):
//! another thread running, `sys.meta_path` not the three default finders, a
//! path entry whose finder is not a plain `FileFinder`, an extension or
//! sourceless module, a namespace package, a missing, stale, hash-based or
//! damaged pyc, verbose or optimised runs, `sys.pycache_prefix`, and any of
//! the importlib functions or loader methods that path calls replaced since
//! start-up (`Guard`). A path entry not yet in `sys.path_importer_cache`
//! gets its finder from `PathFinder._path_importer_cache`, as importlib's
//! `_get_spec` does in the same order, so a fallback finds the same cache.
//! On those paths nothing else visible has been done yet, so importlib
//! starts afresh and raises its own errors.

use crate::objects::rc::Rc;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// What the path compares against: the bootstrap's objects as start-up
/// left them.
pub struct FastImport {
    /// BuiltinImporter, FrozenImporter, PathFinder: `sys.meta_path`.
    finders: [Value; 3],
    file_finder: PyRef,
    source_loader: Value,
    module_from_spec: Value,
    magic: Vec<u8>,
    guards: Vec<Guard>,
}

/// A name whose value must still be the one start-up saw: an attribute of
/// a class (found along its MRO) or a module global.
struct Guard {
    owner: PyRef,
    class: bool,
    name: PyRef,
    value: Value,
}

/// Class attributes the default finders' and loader's Python code reads.
const CLASS_GUARDS: &[(&str, &str, &[&str])] = &[
    (
        "b",
        "BuiltinImporter",
        &["find_spec", "create_module", "exec_module"],
    ),
    (
        "b",
        "FrozenImporter",
        &["find_spec", "create_module", "exec_module"],
    ),
    (
        "e",
        "PathFinder",
        &["find_spec", "_get_spec", "_path_importer_cache"],
    ),
    (
        "e",
        "FileFinder",
        &["find_spec", "_get_spec", "_fill_cache"],
    ),
    ("b", "ModuleSpec", &["parent", "cached", "has_location"]),
    (
        "e",
        "SourceFileLoader",
        &[
            "exec_module",
            "get_code",
            "get_filename",
            "path_stats",
            "get_data",
            "create_module",
        ],
    ),
];

/// Module globals of the bootstrap (`b`) and external bootstrap (`e`) on
/// that path.
const GLOBAL_GUARDS: &[(&str, &[&str])] = &[
    (
        "b",
        &[
            "_find_and_load",
            "_find_and_load_unlocked",
            "_find_spec",
            "_load_unlocked",
            "module_from_spec",
            "_init_module_attrs",
            "_call_with_frames_removed",
            "_verbose_message",
            "_new_module",
            "_imp",
        ],
    ),
    (
        "e",
        &[
            "cache_from_source",
            "_path_join",
            "_path_split",
            "_path_stat",
            "_path_isfile",
            "_path_is_mode_type",
            "_classify_pyc",
            "_validate_timestamp_pyc",
            "_compile_bytecode",
            "_relax_case",
            "_get_cached",
            "MAGIC_NUMBER",
            "_os",
            "_io",
            "marshal",
            "_imp",
        ],
    ),
];

/// What a `FileFinder` found.
enum Found {
    /// The file and, for a package, its directory.
    Source(String, Option<String>),
    /// Not in this directory.
    Absent,
    /// Anything importlib must handle.
    Other,
}

/// CPython's `_path_join` on POSIX: the non-empty parts, right-stripped of
/// `/`, joined with `/`.
fn path_join(parts: &[&str]) -> String {
    let kept: Vec<&str> = parts
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| p.trim_end_matches('/'))
        .collect();
    kept.join("/")
}

/// `_bootstrap_external.cache_from_source` with no optimisation level and
/// no `sys.pycache_prefix`.
fn cache_from_source(path: &str, tag: &str) -> String {
    let (head, tail) = match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    };
    let (base, sep, rest) = match tail.rfind('.') {
        Some(i) => (&tail[..i], ".", &tail[i + 1..]),
        None => ("", "", tail),
    };
    let stem = if base.is_empty() { rest } else { base };
    let file = format!("{stem}{sep}{tag}.pyc");
    path_join(&[head, "__pycache__", &file])
}

/// `os.stat(path).st_mtime` (the float posix.stat makes) and `st_size`.
fn stat_of(path: &str) -> Option<(f64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    let mtime = m.mtime() as f64 + m.mtime_nsec() as f64 * 1e-9;
    Some((mtime, m.size()))
}

fn is_file(path: &str) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

impl Vm {
    /// Take the bootstrap's objects for the fast path (at the first import
    /// that is not in `sys.modules`: what the guards compare against).
    fn init_fast_import(&mut self) -> PyResult<()> {
        let Some(Value::Obj(b)) = self.import.bootstrap.clone() else {
            return Ok(());
        };
        let bv = Value::Obj(b.clone());
        let ev = self.getattr_str(&bv, "_bootstrap_external")?;
        let Value::Obj(e) = ev.clone() else {
            return Ok(());
        };
        let mut guards = Vec::new();
        for (m, cls, names) in CLASS_GUARDS {
            let owner = if *m == "b" { &bv } else { &ev };
            let Value::Obj(c) = self.getattr_str(owner, cls)? else {
                return Ok(());
            };
            for n in names.iter() {
                let name = self.intern(n);
                let Some(value) = self.type_lookup(&c, &name) else {
                    return Ok(());
                };
                guards.push(Guard {
                    owner: c.clone(),
                    class: true,
                    name,
                    value,
                });
            }
        }
        for (m, names) in GLOBAL_GUARDS {
            let owner = if *m == "b" { &b } else { &e };
            let Some(d) = owner.dict() else {
                return Ok(());
            };
            if !self.dict_guards(&d, names, &mut guards)? {
                return Ok(());
            }
        }
        // Functions of native modules that path calls.
        for (module, names) in [
            ("marshal", &["loads"][..]),
            ("_io", &["open_code"][..]),
            ("posix", &["stat", "getcwd"][..]),
            (
                "_imp",
                &["is_builtin", "find_frozen", "_fix_co_filename"][..],
            ),
        ] {
            let key = self.new_str(module);
            let modules = self.modules.clone();
            let Some(Value::Obj(m)) = self.dict_get(&modules, &key)? else {
                return Ok(());
            };
            let Some(d) = m.dict() else {
                return Ok(());
            };
            if !self.dict_guards(&d, names, &mut guards)? {
                return Ok(());
            }
        }
        let finders = [
            self.getattr_str(&bv, "BuiltinImporter")?,
            self.getattr_str(&bv, "FrozenImporter")?,
            self.getattr_str(&ev, "PathFinder")?,
        ];
        let Value::Obj(file_finder) = self.getattr_str(&ev, "FileFinder")? else {
            return Ok(());
        };
        let source_loader = self.getattr_str(&ev, "SourceFileLoader")?;
        let module_from_spec = self.getattr_str(&bv, "module_from_spec")?;
        let magic = match self.getattr_str(&ev, "MAGIC_NUMBER")? {
            Value::Obj(o) => match &o.payload {
                Payload::Bytes(b) => b.to_vec(),
                _ => return Ok(()),
            },
            _ => return Ok(()),
        };
        self.import.fast = Some(Rc::new(FastImport {
            finders,
            file_finder,
            source_loader,
            module_from_spec,
            magic,
            guards,
        }));
        Ok(())
    }

    /// Guards on `names` of the namespace `d` (their current values);
    /// false when one is missing (then no fast path).
    fn dict_guards(
        &mut self,
        d: &PyRef,
        names: &[&str],
        guards: &mut Vec<Guard>,
    ) -> PyResult<bool> {
        for n in names {
            let name = self.intern(n);
            let Some(value) = self.dict_get_str_nocall(d, &name)? else {
                return Ok(false);
            };
            guards.push(Guard {
                owner: d.clone(),
                class: false,
                name,
                value,
            });
        }
        Ok(true)
    }

    /// Whether every guarded name still has its start-up value.
    fn fast_guards_hold(&mut self, f: &FastImport) -> PyResult<bool> {
        for g in &f.guards {
            let now = if g.class {
                self.type_lookup(&g.owner, &g.name)
            } else {
                self.dict_get_str_nocall(&g.owner, &g.name)?
            };
            if !now.is_some_and(|v| v.is(&g.value)) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// An attribute of `sys` read from its dict (None: absent).
    fn sys_attr(&mut self, name: &'static str) -> Option<Value> {
        let key = self.intern_static(name);
        let d = self.sys.dict()?;
        self.dict_get_str_nocall(&d, &key).ok().flatten()
    }

    /// Whether `sys` is as the fast path needs it: the default meta path,
    /// no verbose or optimised run, the 3.11 cache tag and no pycache
    /// prefix. Gives the cache tag and the path importer cache.
    fn fast_sys_state(&mut self, f: &FastImport) -> PyResult<Option<(String, PyRef)>> {
        let Some(Value::Obj(mp)) = self.sys_attr("meta_path") else {
            return Ok(None);
        };
        let same = match &mp.payload {
            Payload::List(l) if mp.class_is(&self.types.list) => {
                let items = l.borrow();
                items.len() == 3 && items.iter().zip(f.finders.iter()).all(|(a, b)| a.is(b))
            }
            _ => false,
        };
        if !same {
            return Ok(None);
        }
        match self.sys_attr("modules") {
            Some(Value::Obj(m)) if Rc::ptr_eq(&m, &self.modules) => {}
            _ => return Ok(None),
        }
        if !matches!(self.sys_attr("pycache_prefix"), Some(Value::None)) {
            return Ok(None);
        }
        let Some(flags) = self.sys_attr("flags") else {
            return Ok(None);
        };
        for flag in ["verbose", "optimize"] {
            match self.getattr_str(&flags, flag)? {
                Value::Int(0) => {}
                Value::Bool(b) if !b.get() => {}
                _ => return Ok(None),
            }
        }
        let Some(imp) = self.sys_attr("implementation") else {
            return Ok(None);
        };
        let tag = self.getattr_str(&imp, "cache_tag")?;
        let Some(tag) = self.exact_str(&tag) else {
            return Ok(None);
        };
        let cache = match self.sys_attr("path_importer_cache") {
            Some(Value::Obj(c)) if c.class_is(&self.types.dict) => c,
            _ => return Ok(None),
        };
        Ok(Some((tag, cache)))
    }

    /// The text of an exact str without NUL characters.
    fn exact_str(&self, v: &Value) -> Option<String> {
        match v {
            Value::Obj(o) if o.class_is(&self.types.str) => match &o.payload {
                Payload::Str(s) if !s.as_str().contains('\0') => Some(s.as_str().to_string()),
                _ => None,
            },
            _ => None,
        }
    }

    /// Import `name` (not in `sys.modules`) natively when it is the common
    /// case (see the module doc); `None` when importlib must do it.
    pub fn fast_find_and_load(&mut self, name: &Value) -> PyResult<Option<Value>> {
        let Some(fullname) = self.exact_str(name) else {
            return Ok(None);
        };
        let (parent, tail) = match fullname.rfind('.') {
            Some(i) => (&fullname[..i], &fullname[i + 1..]),
            None => ("", fullname.as_str()),
        };
        // Which meta path finder finds it: BuiltinImporter (top level
        // only), FrozenImporter, or else PathFinder.
        let builtin = match parent.is_empty() {
            true => crate::modules::imp::builtin_state(self, &fullname),
            false => 0,
        };
        let meta = if builtin != 0 {
            // `sys` and `builtins` (-1) cannot be initialised again.
            if builtin != 1 {
                return Ok(None);
            }
            Some(0)
        } else if crate::modules::imp::frozen_origin(self, &fullname).is_some() {
            if !parent.is_empty() {
                return Ok(None);
            }
            Some(1)
        } else {
            None
        };
        if self.import.fast.is_none() && self.import.fast_armed {
            self.import.fast_armed = false;
            self.init_fast_import()?;
        }
        let Some(f) = self.import.fast.clone() else {
            return Ok(None);
        };
        if crate::modules::thread_start::others_running() {
            return Ok(None);
        }
        // A trace or profile function sees importlib's frames.
        let (trace, profile) = crate::modules::sys_trace::hooks();
        if !trace.is_none() || !profile.is_none() {
            return Ok(None);
        }
        let modules = self.modules.clone();
        if self.dict_get(&modules, name)?.is_some() {
            return Ok(None);
        }
        let Some((tag, cache)) = self.fast_sys_state(&f)? else {
            return Ok(None);
        };
        if !self.fast_guards_hold(&f)? {
            return Ok(None);
        }
        if let Some(i) = meta {
            return self.fast_meta_load(&f, i, name, &tag);
        }
        // The parent package must be imported already (else importlib
        // imports it first) and be a plain module with a list `__path__`.
        let mut parent_module = None;
        let path = if parent.is_empty() {
            match self.sys_attr("path") {
                Some(p) => p,
                None => return Ok(None),
            }
        } else {
            let key = self.new_str(parent);
            let Some(Value::Obj(pm)) = self.dict_get(&modules, &key)? else {
                return Ok(None);
            };
            if !pm.class_is(&self.types.module) {
                return Ok(None);
            }
            let Some(p) = self.get_attr_raw(&pm, "__path__") else {
                return Ok(None);
            };
            parent_module = Some(pm);
            p
        };
        let entries = match &path {
            Value::Obj(o) if o.class_is(&self.types.list) => match &o.payload {
                Payload::List(l) => l.borrow().clone(),
                _ => return Ok(None),
            },
            _ => return Ok(None),
        };
        // PathFinder: the first entry whose FileFinder has the module.
        let mut hit = None;
        for entry in &entries {
            let Some(dir) = self.exact_str(entry) else {
                if self.as_str_obj(entry).is_some() {
                    return Ok(None);
                }
                continue;
            };
            // '' stands for the current directory.
            if dir.is_empty() {
                return Ok(None);
            }
            let cached = match self.dict_get(&cache, entry)? {
                Some(v) => v,
                // A directory seen for the first time (a package's first
                // submodule, the script's directory): its finder is made
                // by `PathFinder._path_importer_cache`, as importlib's
                // `_get_spec` would at this point (the path hooks run and
                // the result is cached).
                None => {
                    let make = self.getattr_str(&f.finders[2], "_path_importer_cache")?;
                    self.call(&make, std::slice::from_ref(entry))?
                }
            };
            let finder = match cached {
                Value::None => continue,
                Value::Obj(o) if o.class_is(&f.file_finder) => o,
                _ => return Ok(None),
            };
            match self.fast_file_finder(&f, &finder, tail)? {
                Found::Absent => continue,
                Found::Other => return Ok(None),
                Found::Source(file, pkg) => {
                    hit = Some((finder, file, pkg));
                    break;
                }
            }
        }
        let Some((finder, file, pkg)) = hit else {
            return Ok(None);
        };
        let smsl = match pkg {
            Some(dir) => {
                let d = self.new_string(dir);
                self.new_list(vec![d])
            }
            None => Value::None,
        };
        let file_v = self.new_string(file.clone());
        let spec = self.call_method(
            &Value::Obj(finder),
            "_get_spec",
            &[
                f.source_loader.clone(),
                name.clone(),
                file_v,
                smsl,
                Value::None,
            ],
        )?;
        let module = self.fast_load(&f, &spec, name, &tag)?;
        if parent_module.is_some() {
            // importlib reads the parent again: the child may have
            // replaced it in sys.modules.
            let key = self.new_str(parent);
            let Some(pm) = self.dict_get(&modules, &key)? else {
                return Err(self.key_error(key));
            };
            let child = self.intern(tail);
            if let Err(e) = self.setattr(&pm, &child, Some(module.clone())) {
                if !self.err_is(&e, crate::objects::exception::ExcKind::AttributeError) {
                    return Err(e);
                }
                let pr = self.repr(&key)?;
                let cr = self.repr(&Value::Obj(child))?;
                let msg = format!("Cannot set an attribute on {pr} for child module {cr}");
                crate::modules::warnings::warn(
                    self,
                    crate::objects::exception::ExcKind::ImportWarning,
                    &msg,
                    1,
                )?;
            }
        }
        Ok(Some(module))
    }

    /// A top-level built-in (`finder` 0) or frozen (1) module: what
    /// `_find_and_load` does once `_find_spec` reaches that finder of
    /// `sys.meta_path` (the ones before it find nothing: BuiltinImporter's
    /// `find_spec` for a frozen name), with the finder's own `find_spec`,
    /// `module_from_spec` and the loader's `exec_module`.
    fn fast_meta_load(
        &mut self,
        f: &FastImport,
        finder: usize,
        name: &Value,
        tag: &str,
    ) -> PyResult<Option<Value>> {
        let Some(finder) = f.finders.get(finder) else {
            return Ok(None);
        };
        let find = self.getattr_str(finder, "find_spec")?;
        let spec = self.call(&find, std::slice::from_ref(name))?;
        if spec.is_none() {
            return Ok(None);
        }
        self.fast_load(f, &spec, name, tag).map(Some)
    }

    /// `FileFinder.find_spec` for a plain finder: the source file of
    /// `tail` in the finder's directory `dir`.
    fn fast_file_finder(&mut self, f: &FastImport, finder: &PyRef, tail: &str) -> PyResult<Found> {
        let fv = Value::Obj(finder.clone());
        // A method set on the instance is what importlib would call.
        for n in ["find_spec", "_get_spec", "_fill_cache"] {
            if self.get_attr_raw(finder, n).is_some() {
                return Ok(Found::Other);
            }
        }
        let path = self.get_attr_raw(finder, "path");
        let Some(dir) = path
            .and_then(|p| self.exact_str(&p))
            .filter(|p| !p.is_empty())
        else {
            return Ok(Found::Other);
        };
        let dir = dir.as_str();
        let Some((mtime, _)) = stat_of(dir) else {
            return Ok(Found::Other);
        };
        let same = match self.get_attr_raw(finder, "_path_mtime") {
            Some(Value::Float(x)) => x.get() == mtime,
            Some(Value::Int(i)) => i as f64 == mtime,
            _ => return Ok(Found::Other),
        };
        if !same {
            self.call_method(&fv, "_fill_cache", &[])?;
            let name = self.intern("_path_mtime");
            self.setattr(&fv, &name, Some(Value::float(mtime)))?;
        }
        let cache = match self.get_attr_raw(finder, "_path_cache") {
            Some(Value::Obj(c)) if c.class_is(&self.types.set) => c,
            _ => return Ok(Found::Other),
        };
        let loaders = match self.get_attr_raw(finder, "_loaders") {
            Some(Value::Obj(l)) if l.class_is(&self.types.list) => match &l.payload {
                Payload::List(items) => items.borrow().clone(),
                _ => return Ok(Found::Other),
            },
            _ => return Ok(Found::Other),
        };
        let mut pairs = Vec::with_capacity(loaders.len());
        for l in &loaders {
            let Value::Obj(t) = l else {
                return Ok(Found::Other);
            };
            let Payload::Tuple(items) = &t.payload else {
                return Ok(Found::Other);
            };
            let (Some(suffix), Some(loader), 2) = (
                items.first().and_then(|s| self.exact_str(s)),
                items.get(1),
                items.len(),
            ) else {
                return Ok(Found::Other);
            };
            pairs.push((suffix, loader.clone()));
        }
        let tail_v = self.new_str(tail);
        if self.set_contains(&cache, &tail_v)? {
            let base = path_join(&[dir, tail]);
            for (suffix, loader) in &pairs {
                let full = path_join(&[&base, &format!("__init__{suffix}")]);
                if is_file(&full) {
                    if !loader.is(&f.source_loader) {
                        return Ok(Found::Other);
                    }
                    return Ok(Found::Source(full, Some(base)));
                }
            }
            // A namespace portion, or a plain directory.
            if std::fs::metadata(&base).is_ok_and(|m| m.is_dir()) {
                return Ok(Found::Other);
            }
        }
        for (suffix, loader) in &pairs {
            let file = format!("{tail}{suffix}");
            let key = self.new_str(&file);
            if self.set_contains(&cache, &key)? {
                let full = path_join(&[dir, &file]);
                if is_file(&full) {
                    if !loader.is(&f.source_loader) {
                        return Ok(Found::Other);
                    }
                    return Ok(Found::Source(full, None));
                }
            }
        }
        Ok(Found::Absent)
    }

    /// `_load_unlocked(spec)` for a `SourceFileLoader` spec: the module made
    /// by `module_from_spec`, put in `sys.modules`, its cached code run in
    /// it (importlib's `exec_module` when the pyc does not serve).
    fn fast_load(
        &mut self,
        f: &FastImport,
        spec: &Value,
        name: &Value,
        tag: &str,
    ) -> PyResult<Value> {
        let module = match self.fast_module(spec, name, tag)? {
            Some(m) => m,
            None => self.call(&f.module_from_spec, std::slice::from_ref(spec))?,
        };
        let initializing = self.intern("_initializing");
        self.setattr(spec, &initializing, Some(Value::Bool(true.into())))?;
        self.import.fast_stack.push((name.clone(), None));
        let r = self.fast_exec(spec, &module, name, tag);
        if let Some((_, Some(lock))) = self.import.fast_stack.pop() {
            let _ = self.call_method(&lock, "release", &[]);
        }
        let r = match r {
            Ok(()) => {
                let modules = self.modules.clone();
                match self.dict_del(&modules, name) {
                    Ok(Some(m)) => self.dict_set(&modules, name.clone(), m.clone()).map(|_| m),
                    Ok(None) => Err(self.key_error(name.clone())),
                    Err(e) => Err(e),
                }
            }
            Err(e) => {
                let modules = self.modules.clone();
                let _ = self.dict_del(&modules, name);
                Err(e)
            }
        };
        self.setattr(spec, &initializing, Some(Value::Bool(false.into())))?;
        r
    }

    /// `module_from_spec(spec)` for a spec `FileFinder._get_spec` made for a
    /// source file: `_new_module` and `_init_module_attrs` (its `cached`
    /// computed here, as `_get_cached` does). None when the spec is not
    /// the plain one expected.
    fn fast_module(&mut self, spec: &Value, name: &Value, tag: &str) -> PyResult<Option<Value>> {
        let Value::Obj(sp) = spec else {
            return Ok(None);
        };
        let get = |vm: &mut Vm, n: &'static str| {
            let k = vm.intern_static(n);
            sp.dict()
                .and_then(|d| vm.dict_get_str_nocall(&d, &k).ok().flatten())
        };
        let (Some(loader), Some(origin), Some(smsl), Some(Value::None), Some(Value::Bool(b))) = (
            get(self, "loader"),
            get(self, "origin"),
            get(self, "submodule_search_locations"),
            get(self, "_cached"),
            get(self, "_set_fileattr"),
        ) else {
            return Ok(None);
        };
        let Some(origin_s) = self.exact_str(&origin).filter(|o| o.ends_with(".py")) else {
            return Ok(None);
        };
        if !b.get() {
            return Ok(None);
        }
        let cached = self.new_string(cache_from_source(&origin_s, tag));
        self.set_attr_raw(sp, "_cached", cached.clone());
        let ty = Value::Obj(self.types.module.clone());
        let module = self.call(&ty, std::slice::from_ref(name))?;
        let Value::Obj(m) = &module else {
            return Ok(None);
        };
        let package = if smsl.is_none() {
            let n = self.exact_str(name).unwrap_or_default();
            let parent = n.rfind('.').map_or("", |i| &n[..i]);
            self.new_str(parent)
        } else {
            name.clone()
        };
        self.set_attr_raw(m, "__loader__", loader);
        self.set_attr_raw(m, "__package__", package);
        self.set_attr_raw(m, "__spec__", spec.clone());
        if !smsl.is_none() {
            self.set_attr_raw(m, "__path__", smsl);
        }
        self.set_attr_raw(m, "__file__", origin);
        self.set_attr_raw(m, "__cached__", cached);
        Ok(Some(module))
    }

    /// `sys.modules[name] = module` and `loader.exec_module(module)`.
    fn fast_exec(&mut self, spec: &Value, module: &Value, name: &Value, tag: &str) -> PyResult<()> {
        let modules = self.modules.clone();
        self.dict_set(&modules, name.clone(), module.clone())?;
        let loader = self.getattr_str(spec, "loader")?;
        let code = match (self.get_attr_raw_of(&loader, "path"), module) {
            (Some(src), Value::Obj(m)) if m.class_is(&self.types.module) => {
                self.fast_get_code(&src, tag)?
            }
            _ => None,
        };
        match (code, module) {
            (Some(code), Value::Obj(m)) => {
                self.exec_module_code(m, &code)?;
            }
            _ => {
                self.call_method(&loader, "exec_module", std::slice::from_ref(module))?;
            }
        }
        Ok(())
    }

    fn get_attr_raw_of(&self, v: &Value, name: &str) -> Option<Value> {
        match v {
            Value::Obj(o) => self.get_attr_raw(o, name),
            _ => None,
        }
    }

    /// `SourceLoader.get_code` when the cached pyc is valid for the
    /// source (else None: importlib decides).
    fn fast_get_code(&mut self, source: &Value, tag: &str) -> PyResult<Option<Value>> {
        let Some(f) = self.import.fast.clone() else {
            return Ok(None);
        };
        let Some(src) = self.exact_str(source) else {
            return Ok(None);
        };
        let Some((mtime, size)) = stat_of(&src) else {
            return Ok(None);
        };
        let pyc = cache_from_source(&src, tag);
        let Ok(data) = std::fs::read(&pyc) else {
            return Ok(None);
        };
        let source_mtime = mtime.trunc() as i64;
        let valid = data.get(..4) == Some(&f.magic[..])
            && u32_at(&data, 4) == Some(0)
            && u32_at(&data, 8) == Some((source_mtime & 0xFFFF_FFFF) as u32)
            && u32_at(&data, 12) == Some((size & 0xFFFF_FFFF) as u32);
        let Some(body) = data.get(16..).filter(|_| valid) else {
            return Ok(None);
        };
        let Ok((code, _)) = self.load_marshal(body, false) else {
            return Ok(None);
        };
        let Value::Obj(co) = &code else {
            return Ok(None);
        };
        let Payload::Code(c) = &co.payload else {
            return Ok(None);
        };
        if let Value::Obj(p) = source {
            c.set_filename(p);
        }
        Ok(Some(code))
    }

    /// A thread is about to start while imports run on the fast path,
    /// which takes no module locks: take importlib's lock of each such
    /// module now (`_get_module_lock(name).acquire()`, as `_find_and_load`
    /// holds it), so the new thread waits for them as under CPython. The
    /// fast path releases them when the import ends.
    pub fn take_fast_import_locks(&mut self) {
        if self.import.fast_stack.iter().all(|(_, l)| l.is_some()) {
            return;
        }
        let Some(b) = self.import.bootstrap.clone() else {
            return;
        };
        let Ok(get_lock) = self.getattr_str(&b, "_get_module_lock") else {
            return;
        };
        for i in 0..self.import.fast_stack.len() {
            let Some((name, None)) = self.import.fast_stack.get(i).cloned() else {
                continue;
            };
            let Ok(lock) = self.call(&get_lock, &[name]) else {
                continue;
            };
            if self.call_method(&lock, "acquire", &[]).is_ok() {
                if let Some(slot) = self.import.fast_stack.get_mut(i) {
                    slot.1 = Some(lock);
                }
            }
        }
    }
}
