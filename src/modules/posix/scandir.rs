//! `os.scandir()`: the `ScandirIterator` (a context manager) and the
//! `DirEntry` objects it yields, with their cached `stat()` results and
//! d_type-based `is_dir`/`is_file`/`is_symlink`.

use crate::vm::value::Truth;
use std::cell::RefCell;
use std::collections::VecDeque;

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::Layout;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::dirs::list_dir;
use super::stat::{do_stat, stat_to_value};
use super::util::{bool_arg, fs_name, module_type, parse_args, path_arg, split_module, PathArg};

/// The state of a `ScandirIterator`: the names read when it was opened.
struct ScandirState {
    entries: RefCell<VecDeque<(Vec<u8>, u8, u64)>>,
    /// The directory path the entries' paths start with (None for an fd).
    prefix: Option<Vec<u8>>,
    dir_fd: Option<i32>,
    is_bytes: bool,
    module: PyRef,
}

impl NativeData for ScandirState {}

/// The state of a `DirEntry`.
struct DirEntryState {
    name: Value,
    path: Value,
    /// The path to stat: the full path, or the name relative to `dir_fd`.
    raw: Vec<u8>,
    dir_fd: Option<i32>,
    d_type: u8,
    ino: u64,
    stat: RefCell<Option<Value>>,
    lstat: RefCell<Option<Value>>,
    module: PyRef,
}

impl NativeData for DirEntryState {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&self.name);
        visit(&self.path);
        if let Some(v) = self.stat.borrow().as_ref() {
            visit(v);
        }
        if let Some(v) = self.lstat.borrow().as_ref() {
            visit(v);
        }
    }
}

/// `os.scandir(path=None)`.
pub fn posix_scandir(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split_module(vm, args)?;
    let a = parse_args(vm, &args, "scandir", &["path"], 0, 1)?;
    let p = path_arg(vm, "scandir", "path", a[0].as_ref(), true, true)?;
    let names = match list_dir(&p) {
        Ok(n) => n,
        Err(e) => {
            // An fd's error has no filename (CPython's posix_error()).
            let name = if p.obj.is_none() {
                Some(vm.new_str("."))
            } else if p.fd.is_some() {
                None
            } else {
                p.err_name()
            };
            return Err(vm.os_error(e, name, None));
        }
    };
    let cls = module_type(vm, &m, "_ScandirIterator")?;
    let st = ScandirState {
        entries: RefCell::new(names.into()),
        prefix: if p.fd.is_some() {
            None
        } else {
            Some(p.raw.clone())
        },
        dir_fd: p.fd,
        is_bytes: p.is_bytes,
        module: m,
    };
    Ok(Value::Obj(vm.new_native(&cls, st)))
}

fn scandir_self<'a>(vm: &Vm, args: &Args<'a>, meth: &str) -> PyResult<&'a ScandirState> {
    vm.native_self::<ScandirState>(args, "posix.ScandirIterator", meth)
}

fn scandir_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = scandir_self(vm, &args, "__next__")?;
    let next = st.entries.borrow_mut().pop_front();
    let Some((name, d_type, ino)) = next else {
        return Err(vm.new_error_noargs(ExcKind::StopIteration));
    };
    let raw = match &st.prefix {
        Some(pre) => {
            let mut full = pre.clone();
            if !full.is_empty() && !full.ends_with(b"/") {
                full.push(b'/');
            }
            full.extend_from_slice(&name);
            full
        }
        None => name.clone(),
    };
    let cls = module_type(vm, &st.module, "DirEntry")?;
    let e = DirEntryState {
        name: fs_name(vm, &name, st.is_bytes),
        path: fs_name(vm, &raw, st.is_bytes),
        raw,
        dir_fd: st.dir_fd,
        d_type,
        ino,
        stat: RefCell::new(None),
        lstat: RefCell::new(None),
        module: st.module.clone(),
    };
    Ok(Value::Obj(vm.new_native(&cls, e)))
}

fn scandir_iter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(args.args.first().cloned().unwrap_or(Value::None))
}

fn scandir_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = scandir_self(vm, &args, "close")?;
    st.entries.borrow_mut().clear();
    Ok(Value::None)
}

fn scandir_exit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    scandir_close(vm, args)?;
    Ok(Value::None)
}

fn cannot_create(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let name = match args.args.first() {
        Some(Value::Obj(c)) => vm.qualified_type_name(c),
        _ => "posix.DirEntry".to_string(),
    };
    Err(vm.type_error(format!("cannot create '{name}' instances")))
}

fn entry<'a>(vm: &Vm, args: &Args<'a>, meth: &str) -> PyResult<&'a DirEntryState> {
    vm.native_self::<DirEntryState>(args, "posix.DirEntry", meth)
}

fn entry_name(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match vm.native::<DirEntryState>(v) {
        Some(e) => Ok(e.name.clone()),
        None => Err(vm.type_error("descriptor 'name' requires a 'posix.DirEntry' object")),
    }
}

fn entry_path(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match vm.native::<DirEntryState>(v) {
        Some(e) => Ok(e.path.clone()),
        None => Err(vm.type_error("descriptor 'path' requires a 'posix.DirEntry' object")),
    }
}

/// The entry's stat (following symlinks or not), cached as CPython does.
fn entry_stat_value(vm: &mut Vm, e: &DirEntryState, follow: bool) -> PyResult<Value> {
    let follow = follow && entry_is_symlink_raw(vm, e)?;
    let cache = if follow { &e.stat } else { &e.lstat };
    if let Some(v) = cache.borrow().as_ref() {
        return Ok(v.clone());
    }
    let p = PathArg {
        raw: e.raw.clone(),
        fd: None,
        is_bytes: false,
        obj: e.path.clone(),
    };
    let st = match do_stat(&p, e.dir_fd, follow) {
        Ok(st) => st,
        Err(errno) => return Err(vm.os_error(errno, Some(e.path.clone()), None)),
    };
    let v = stat_to_value(vm, &e.module, &st)?;
    *cache.borrow_mut() = Some(v.clone());
    Ok(v)
}

fn entry_is_symlink_raw(vm: &mut Vm, e: &DirEntryState) -> PyResult<bool> {
    if e.d_type != libc::DT_UNKNOWN {
        return Ok(e.d_type == libc::DT_LNK);
    }
    let st = entry_stat_value(vm, e, false)?;
    let mode = st_mode(vm, &st)?;
    Ok(mode & libc::S_IFMT == libc::S_IFLNK)
}

fn st_mode(vm: &mut Vm, st: &Value) -> PyResult<u32> {
    let m = vm.getattr_str(st, "st_mode")?;
    Ok(u32::try_from(super::util::int_arg(vm, &m)?).unwrap_or(0))
}

fn entry_stat(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = entry(vm, &args, "stat")?;
    let rest = Args {
        args: args.args.get(1..).unwrap_or(&[]),
        kwnames: args.kwnames,
    };
    let a = parse_args(vm, &rest, "stat", &["follow_symlinks"], 0, 0)?;
    let follow = bool_arg(vm, &a[0], true)?;
    entry_stat_value(vm, e, follow)
}

/// `is_dir`/`is_file`: the d_type when it answers, else `stat()`
/// (a missing file is False).
fn entry_test(vm: &mut Vm, args: Args, meth: &str, want: u32, dt: u8) -> PyResult<Value> {
    let e = entry(vm, &args, meth)?;
    let rest = Args {
        args: args.args.get(1..).unwrap_or(&[]),
        kwnames: args.kwnames,
    };
    let a = parse_args(vm, &rest, meth, &["follow_symlinks"], 0, 0)?;
    let follow = bool_arg(vm, &a[0], true)?;
    let need_stat = e.d_type == libc::DT_UNKNOWN || (follow && e.d_type == libc::DT_LNK);
    if !need_stat {
        return Ok(Value::bool(e.d_type == dt));
    }
    match entry_stat_value(vm, e, follow) {
        Ok(st) => {
            let mode = st_mode(vm, &st)?;
            Ok(Value::bool(mode & libc::S_IFMT == want))
        }
        Err(err) if vm.err_is(&err, ExcKind::FileNotFoundError) => Ok(Value::Bool(Truth::False)),
        Err(err) => Err(err),
    }
}

fn entry_is_dir(vm: &mut Vm, args: Args) -> PyResult<Value> {
    entry_test(vm, args, "is_dir", libc::S_IFDIR, libc::DT_DIR)
}

fn entry_is_file(vm: &mut Vm, args: Args) -> PyResult<Value> {
    entry_test(vm, args, "is_file", libc::S_IFREG, libc::DT_REG)
}

fn entry_is_symlink(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = entry(vm, &args, "is_symlink")?;
    vm.check_args("is_symlink", args, 0, 0)?;
    match entry_is_symlink_raw(vm, e) {
        Ok(b) => Ok(Value::bool(b)),
        Err(err) if vm.err_is(&err, ExcKind::FileNotFoundError) => Ok(Value::Bool(Truth::False)),
        Err(err) => Err(err),
    }
}

fn entry_inode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = entry(vm, &args, "inode")?;
    vm.check_args("inode", args, 0, 0)?;
    Ok(super::stat::uint(vm, e.ino))
}

fn entry_fspath(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = entry(vm, &args, "__fspath__")?;
    Ok(e.path.clone())
}

fn entry_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = entry(vm, &args, "__repr__")?;
    let r = vm.repr(&e.name)?;
    Ok(vm.new_string(format!("<DirEntry {r}>")))
}

fn entry_class_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = args.args.first().cloned().unwrap_or(Value::None);
    let item = args.args.get(1).cloned().unwrap_or(Value::None);
    Ok(vm.new_generic_alias(cls, item))
}

/// Make `posix.ScandirIterator` and `posix.DirEntry` and add them to `m`.
pub fn install(vm: &mut Vm, m: &PyRef) {
    let object = vm.types.object.clone();
    let it = vm.new_native_type(
        "posix",
        "ScandirIterator",
        &object,
        Layout::Native("ScandirIterator"),
        0,
    );
    vm.add_methods(
        &it,
        &[
            ("__iter__", scandir_iter),
            ("__next__", scandir_next),
            ("close", scandir_close),
            ("__enter__", scandir_iter),
            ("__exit__", scandir_exit),
        ],
    );
    vm.add_staticmethods(&it, &[("__new__", cannot_create)]);
    let de = vm.new_native_type("posix", "DirEntry", &object, Layout::Native("DirEntry"), 0);
    vm.add_methods(
        &de,
        &[
            ("stat", entry_stat),
            ("is_dir", entry_is_dir),
            ("is_file", entry_is_file),
            ("is_symlink", entry_is_symlink),
            ("inode", entry_inode),
            ("__fspath__", entry_fspath),
            ("__repr__", entry_repr),
        ],
    );
    vm.add_classmethods(&de, &[("__class_getitem__", entry_class_getitem)]);
    vm.add_staticmethods(&de, &[("__new__", cannot_create)]);
    vm.add_getsets(
        &de,
        &[("name", entry_name, None), ("path", entry_path, None)],
    );
    vm.set_attr_raw(m, "_ScandirIterator", Value::Obj(it));
    vm.set_attr_raw(m, "DirEntry", Value::Obj(de));
}
