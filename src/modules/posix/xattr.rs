//! Linux extended attributes: `os.getxattr`, `setxattr`, `removexattr` and
//! `listxattr` (posixmodule.c's), on a path, a symlink itself
//! (`follow_symlinks=False`) or a file descriptor. `shutil.copystat`
//! copies them through these.

use crate::objects::function::Args;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

use super::util::{bool_arg, bytes_like, c_int_arg, fs_name, parse_args, path_arg, PathArg};

/// Where the attribute call goes.
enum Target {
    Fd(i32),
    Path(std::ffi::CString, bool),
}

/// The target of `p` (CPython's `fd_and_follow_symlinks_invalid` check).
fn target(vm: &mut Vm, fname: &str, p: &PathArg, follow: bool) -> PyResult<Target> {
    match p.fd {
        // CPython checks `fd > 0`: fd 0 passes.
        Some(fd) if fd > 0 && !follow => Err(vm.value_error(format!(
            "{fname}: cannot use fd and follow_symlinks together"
        ))),
        Some(fd) => Ok(Target::Fd(fd)),
        None => Ok(Target::Path(p.c(), follow)),
    }
}

/// An errno as OSError, with the path object as its filename.
fn path_error(vm: &mut Vm, e: i32, p: &PathArg) -> crate::vm::PyErr {
    let name = match p.obj {
        Value::None => None,
        ref o => Some(o.clone()),
    };
    vm.os_error(e, name, None)
}

/// Call a size-returning xattr function with growing buffers (CPython
/// tries 256 bytes, then XATTR_SIZE_MAX); Err(errno).
fn read_sized(mut f: impl FnMut(*mut libc::c_void, usize) -> isize) -> Result<Vec<u8>, i32> {
    for size in [256usize, 65536] {
        let mut buf = vec![0u8; size];
        let n = f(buf.as_mut_ptr().cast(), size);
        if n >= 0 {
            buf.truncate(n as usize);
            return Ok(buf);
        }
        let e = super::util::last_errno();
        if e != libc::ERANGE {
            return Err(e);
        }
    }
    Err(libc::ERANGE)
}

/// `os.getxattr(path, attribute, *, follow_symlinks=True)`.
pub fn posix_getxattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let names = ["path", "attribute", "follow_symlinks"];
    let a = parse_args(vm, &args, "getxattr", &names, 2, 2)?;
    let p = path_arg(vm, "getxattr", "path", a[0].as_ref(), true, false)?;
    let attr = path_arg(vm, "getxattr", "attribute", a[1].as_ref(), false, false)?;
    let follow = bool_arg(vm, &a[2], true)?;
    let t = target(vm, "getxattr", &p, follow)?;
    let name = attr.c();
    let r = read_sized(|buf, size| match &t {
        // SAFETY: `name` is NUL-terminated and `buf` holds `size` bytes,
        // both alive across the call.
        Target::Fd(fd) => unsafe { libc::fgetxattr(*fd, name.as_ptr(), buf, size) },
        // SAFETY: as above, and `c` is a NUL-terminated path.
        Target::Path(c, true) => unsafe { libc::getxattr(c.as_ptr(), name.as_ptr(), buf, size) },
        // SAFETY: as above.
        Target::Path(c, false) => unsafe { libc::lgetxattr(c.as_ptr(), name.as_ptr(), buf, size) },
    });
    match r {
        Ok(v) => Ok(vm.new_bytes(v)),
        Err(e) => Err(path_error(vm, e, &p)),
    }
}

/// `os.setxattr(path, attribute, value, flags=0, *, follow_symlinks=True)`.
pub fn posix_setxattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let names = ["path", "attribute", "value", "flags", "follow_symlinks"];
    let a = parse_args(vm, &args, "setxattr", &names, 3, 4)?;
    let p = path_arg(vm, "setxattr", "path", a[0].as_ref(), true, false)?;
    let attr = path_arg(vm, "setxattr", "attribute", a[1].as_ref(), false, false)?;
    let v = a.get(2).cloned().flatten().unwrap_or(Value::None);
    let Some(value) = bytes_like(vm, &v) else {
        return Err(vm.type_error(format!(
            "a bytes-like object is required, not '{}'",
            vm.type_name_of(&v)
        )));
    };
    let flags = match a.get(3).cloned().flatten() {
        Some(f) => c_int_arg(vm, &f)?,
        None => 0,
    };
    let follow = bool_arg(vm, &a[4], true)?;
    let t = target(vm, "setxattr", &p, follow)?;
    let name = attr.c();
    let (ptr, len) = (value.as_ptr().cast::<libc::c_void>(), value.len());
    let r = match &t {
        // SAFETY: `name` is NUL-terminated and `ptr` points at `len` bytes,
        // both alive across the call.
        Target::Fd(fd) => unsafe { libc::fsetxattr(*fd, name.as_ptr(), ptr, len, flags) },
        // SAFETY: as above, and `c` is a NUL-terminated path.
        Target::Path(c, true) => unsafe {
            libc::setxattr(c.as_ptr(), name.as_ptr(), ptr, len, flags)
        },
        // SAFETY: as above.
        Target::Path(c, false) => unsafe {
            libc::lsetxattr(c.as_ptr(), name.as_ptr(), ptr, len, flags)
        },
    };
    if r != 0 {
        let e = super::util::last_errno();
        return Err(path_error(vm, e, &p));
    }
    Ok(Value::None)
}

/// `os.removexattr(path, attribute, *, follow_symlinks=True)`.
pub fn posix_removexattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let names = ["path", "attribute", "follow_symlinks"];
    let a = parse_args(vm, &args, "removexattr", &names, 2, 2)?;
    let p = path_arg(vm, "removexattr", "path", a[0].as_ref(), true, false)?;
    let attr = path_arg(vm, "removexattr", "attribute", a[1].as_ref(), false, false)?;
    let follow = bool_arg(vm, &a[2], true)?;
    let t = target(vm, "removexattr", &p, follow)?;
    let name = attr.c();
    let r = match &t {
        // SAFETY: `name` is NUL-terminated and alive across the call.
        Target::Fd(fd) => unsafe { libc::fremovexattr(*fd, name.as_ptr()) },
        // SAFETY: as above, and `c` is a NUL-terminated path.
        Target::Path(c, true) => unsafe { libc::removexattr(c.as_ptr(), name.as_ptr()) },
        // SAFETY: as above.
        Target::Path(c, false) => unsafe { libc::lremovexattr(c.as_ptr(), name.as_ptr()) },
    };
    if r != 0 {
        let e = super::util::last_errno();
        return Err(path_error(vm, e, &p));
    }
    Ok(Value::None)
}

/// `os.listxattr(path=None, *, follow_symlinks=True)`: the names as str.
pub fn posix_listxattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "listxattr", &["path", "follow_symlinks"], 0, 1)?;
    let p = path_arg(vm, "listxattr", "path", a[0].as_ref(), true, true)?;
    let follow = bool_arg(vm, &a[1], true)?;
    let t = target(vm, "listxattr", &p, follow)?;
    let r = read_sized(|buf, size| match &t {
        // SAFETY: `buf` holds `size` bytes, alive across the call.
        Target::Fd(fd) => unsafe { libc::flistxattr(*fd, buf.cast(), size) },
        // SAFETY: as above, and `c` is a NUL-terminated path.
        Target::Path(c, true) => unsafe { libc::listxattr(c.as_ptr(), buf.cast(), size) },
        // SAFETY: as above.
        Target::Path(c, false) => unsafe { libc::llistxattr(c.as_ptr(), buf.cast(), size) },
    });
    match r {
        Ok(buf) => {
            let items = buf
                .split(|&b| b == 0)
                .filter(|n| !n.is_empty())
                .map(|n| fs_name(vm, n, false))
                .collect();
            Ok(vm.new_list(items))
        }
        Err(e) => Err(path_error(vm, e, &p)),
    }
}
