//! Directory and name calls of `posix`: `getcwd`, `chdir`, `mkdir`,
//! `rmdir`, `unlink`/`remove`, `rename`/`replace`, `link`, `symlink`,
//! `readlink`, `listdir`, `chown`, `mkfifo`.

use crate::objects::function::Args;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

use super::util::{
    bool_arg, c_int_arg, fs_name, fsdecode, last_errno, opt_fd, parse_args, path_arg, retry,
    PathArg,
};

fn done(vm: &mut Vm, r: Result<i32, i32>, p: &PathArg, p2: Option<&PathArg>) -> PyResult<Value> {
    match r {
        Ok(_) => Ok(Value::None),
        Err(e) => Err(vm.os_error(e, p.err_name(), p2.and_then(PathArg::err_name))),
    }
}

fn cwd_bytes(vm: &mut Vm) -> PyResult<Vec<u8>> {
    match std::env::current_dir() {
        Ok(p) => Ok(std::os::unix::ffi::OsStrExt::as_bytes(p.as_os_str()).to_vec()),
        Err(e) => {
            let errno = e.raw_os_error().unwrap_or(libc::ENOENT);
            Err(vm.os_error(errno, None, None))
        }
    }
}

/// `os.getcwd()`.
pub fn posix_getcwd(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("posix.getcwd", args, 0, 0)?;
    let b = cwd_bytes(vm)?;
    Ok(fsdecode(vm, &b))
}

/// `os.getcwdb()`.
pub fn posix_getcwdb(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("posix.getcwdb", args, 0, 0)?;
    let b = cwd_bytes(vm)?;
    Ok(vm.new_bytes(b))
}

/// `os.chdir(path)` (an fd means `fchdir`).
pub fn posix_chdir(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "chdir", &["path"], 1, 1)?;
    let p = path_arg(vm, "chdir", "path", a[0].as_ref(), true, false)?;
    let r = if let Some(fd) = p.fd {
        // SAFETY: plain syscall on an integer descriptor.
        retry(|| unsafe { libc::fchdir(fd) })
    } else {
        let c = p.c();
        // SAFETY: `c` is a NUL-terminated path alive across the call.
        retry(|| unsafe { libc::chdir(c.as_ptr()) })
    };
    done(vm, r, &p, None)
}

/// `os.fchdir(fd)`.
pub fn posix_fchdir(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "fchdir", &["fd"], 1, 1)?;
    let fd = super::fileops::fileno_arg(vm, a[0].as_ref().unwrap_or(&Value::None))?;
    // SAFETY: plain syscall on an integer descriptor.
    let r = retry(|| unsafe { libc::fchdir(fd) });
    r.map_err(|e| vm.os_error(e, None, None))?;
    Ok(Value::None)
}

/// `os.mkdir(path, mode=0o777, *, dir_fd=None)`.
pub fn posix_mkdir(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "mkdir", &["path", "mode", "dir_fd"], 1, 2)?;
    let p = path_arg(vm, "mkdir", "path", a[0].as_ref(), false, false)?;
    let mode = match &a[1] {
        Some(m) => c_int_arg(vm, m)?,
        None => 0o777,
    };
    let dfd = opt_fd(vm, &a[2])?.unwrap_or(libc::AT_FDCWD);
    let c = p.c();
    // SAFETY: `c` is a NUL-terminated path alive across the call.
    let r = retry(|| unsafe { libc::mkdirat(dfd, c.as_ptr(), mode as libc::mode_t) });
    done(vm, r, &p, None)
}

/// `os.mkfifo(path, mode=0o666, *, dir_fd=None)`.
pub fn posix_mkfifo(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "mkfifo", &["path", "mode", "dir_fd"], 1, 2)?;
    let p = path_arg(vm, "mkfifo", "path", a[0].as_ref(), false, false)?;
    let mode = match &a[1] {
        Some(m) => c_int_arg(vm, m)?,
        None => 0o666,
    };
    let dfd = opt_fd(vm, &a[2])?.unwrap_or(libc::AT_FDCWD);
    let c = p.c();
    // SAFETY: `c` is a NUL-terminated path alive across the call.
    let r = retry(|| unsafe { libc::mkfifoat(dfd, c.as_ptr(), mode as libc::mode_t) });
    done(vm, r, &p, None)
}

fn unlink_common(vm: &mut Vm, args: Args, name: &str, flags: i32) -> PyResult<Value> {
    let a = parse_args(vm, &args, name, &["path", "dir_fd"], 1, 1)?;
    let p = path_arg(vm, name, "path", a[0].as_ref(), false, false)?;
    let dfd = opt_fd(vm, &a[1])?.unwrap_or(libc::AT_FDCWD);
    let c = p.c();
    // SAFETY: `c` is a NUL-terminated path alive across the call.
    let r = retry(|| unsafe { libc::unlinkat(dfd, c.as_ptr(), flags) });
    done(vm, r, &p, None)
}

/// `os.rmdir(path, *, dir_fd=None)`.
pub fn posix_rmdir(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unlink_common(vm, args, "rmdir", libc::AT_REMOVEDIR)
}

/// `os.unlink(path, *, dir_fd=None)`.
pub fn posix_unlink(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unlink_common(vm, args, "unlink", 0)
}

/// `os.remove(path, *, dir_fd=None)`.
pub fn posix_remove(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unlink_common(vm, args, "remove", 0)
}

/// Two paths with their `src_dir_fd`/`dst_dir_fd` keywords.
/// Two converted paths, their dir fds and the parsed arguments.
type TwoPaths = (PathArg, PathArg, i32, i32, Vec<Option<Value>>);

fn two_paths(vm: &mut Vm, args: &Args, name: &str, extra: &[&str]) -> PyResult<TwoPaths> {
    let mut names = vec!["src", "dst", "src_dir_fd", "dst_dir_fd"];
    names.extend_from_slice(extra);
    let a = parse_args(vm, args, name, &names, 2, 2)?;
    let p = path_arg(vm, name, "src", a[0].as_ref(), false, false)?;
    let q = path_arg(vm, name, "dst", a[1].as_ref(), false, false)?;
    let sfd = opt_fd(vm, &a[2])?.unwrap_or(libc::AT_FDCWD);
    let dfd = opt_fd(vm, &a[3])?.unwrap_or(libc::AT_FDCWD);
    Ok((p, q, sfd, dfd, a))
}

fn rename_common(vm: &mut Vm, args: Args, name: &str) -> PyResult<Value> {
    let (p, q, sfd, dfd, _) = two_paths(vm, &args, name, &[])?;
    let (c, d) = (p.c(), q.c());
    // SAFETY: both paths are NUL-terminated and alive across the call.
    let r = retry(|| unsafe { libc::renameat(sfd, c.as_ptr(), dfd, d.as_ptr()) });
    done(vm, r, &p, Some(&q))
}

/// `os.rename(src, dst, *, src_dir_fd=None, dst_dir_fd=None)`.
pub fn posix_rename(vm: &mut Vm, args: Args) -> PyResult<Value> {
    rename_common(vm, args, "rename")
}

/// `os.replace(src, dst, *, src_dir_fd=None, dst_dir_fd=None)`.
pub fn posix_replace(vm: &mut Vm, args: Args) -> PyResult<Value> {
    rename_common(vm, args, "replace")
}

/// `os.link(src, dst, *, src_dir_fd=None, dst_dir_fd=None, follow_symlinks=True)`.
pub fn posix_link(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (p, q, sfd, dfd, a) = two_paths(vm, &args, "link", &["follow_symlinks"])?;
    let follow = bool_arg(vm, &a[4], true)?;
    let flags = if follow { libc::AT_SYMLINK_FOLLOW } else { 0 };
    let (c, d) = (p.c(), q.c());
    // SAFETY: both paths are NUL-terminated and alive across the call.
    let r = retry(|| unsafe { libc::linkat(sfd, c.as_ptr(), dfd, d.as_ptr(), flags) });
    done(vm, r, &p, Some(&q))
}

/// `os.symlink(src, dst, target_is_directory=False, *, dir_fd=None)`.
pub fn posix_symlink(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(
        vm,
        &args,
        "symlink",
        &["src", "dst", "target_is_directory", "dir_fd"],
        2,
        3,
    )?;
    let p = path_arg(vm, "symlink", "src", a[0].as_ref(), false, false)?;
    let q = path_arg(vm, "symlink", "dst", a[1].as_ref(), false, false)?;
    let dfd = opt_fd(vm, &a[3])?.unwrap_or(libc::AT_FDCWD);
    let (c, d) = (p.c(), q.c());
    // SAFETY: both paths are NUL-terminated and alive across the call.
    let r = retry(|| unsafe { libc::symlinkat(c.as_ptr(), dfd, d.as_ptr()) });
    done(vm, r, &p, Some(&q))
}

/// `os.readlink(path, *, dir_fd=None)`.
pub fn posix_readlink(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "readlink", &["path", "dir_fd"], 1, 1)?;
    let p = path_arg(vm, "readlink", "path", a[0].as_ref(), false, false)?;
    let dfd = opt_fd(vm, &a[1])?.unwrap_or(libc::AT_FDCWD);
    let c = p.c();
    let mut buf = vec![0u8; libc::PATH_MAX as usize + 1];
    // SAFETY: `c` is NUL-terminated; `buf` has `buf.len()` writable bytes.
    let r =
        retry(|| unsafe { libc::readlinkat(dfd, c.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) });
    match r {
        Ok(n) => {
            buf.truncate(usize::try_from(n).unwrap_or(0));
            Ok(fs_name(vm, &buf, p.is_bytes))
        }
        Err(e) => Err(vm.os_error(e, p.err_name(), None)),
    }
}

/// `os.chown(path, uid, gid, *, dir_fd=None, follow_symlinks=True)`.
pub fn posix_chown(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(
        vm,
        &args,
        "chown",
        &["path", "uid", "gid", "dir_fd", "follow_symlinks"],
        3,
        3,
    )?;
    let p = path_arg(vm, "chown", "path", a[0].as_ref(), true, false)?;
    let uid = super::util::int_arg(vm, a[1].as_ref().unwrap_or(&Value::None))? as libc::uid_t;
    let gid = super::util::int_arg(vm, a[2].as_ref().unwrap_or(&Value::None))? as libc::gid_t;
    let dfd = opt_fd(vm, &a[3])?.unwrap_or(libc::AT_FDCWD);
    let follow = bool_arg(vm, &a[4], true)?;
    let r = if let Some(fd) = p.fd {
        // SAFETY: plain syscall on integers.
        retry(|| unsafe { libc::fchown(fd, uid, gid) })
    } else {
        let c = p.c();
        let flags = if follow { 0 } else { libc::AT_SYMLINK_NOFOLLOW };
        // SAFETY: `c` is a NUL-terminated path alive across the call.
        retry(|| unsafe { libc::fchownat(dfd, c.as_ptr(), uid, gid, flags) })
    };
    done(vm, r, &p, None)
}

/// Reset `errno` (to tell readdir's end from its errors).
pub fn clear_errno() {
    // SAFETY: __errno_location returns the calling thread's errno slot,
    // valid for the thread's lifetime.
    unsafe { *libc::__errno_location() = 0 };
}

/// Read all names of an open directory stream (without `.` and `..`),
/// with their d_type and inode; closes the stream. Err(errno).
fn read_all(dir: *mut libc::DIR) -> Result<Vec<(Vec<u8>, u8, u64)>, i32> {
    let mut out = Vec::new();
    loop {
        clear_errno();
        // SAFETY: `dir` is an open stream owned by this function.
        let ent = unsafe { libc::readdir(dir) };
        if ent.is_null() {
            let e = last_errno();
            // SAFETY: closing the stream this function owns, once.
            unsafe { libc::closedir(dir) };
            return if e == 0 { Ok(out) } else { Err(e) };
        }
        // SAFETY: readdir returned a valid entry whose d_name is
        // NUL-terminated; it stays valid until the next readdir call.
        let (name, ty, ino) = unsafe {
            let e = &*ent;
            let n = std::ffi::CStr::from_ptr(e.d_name.as_ptr())
                .to_bytes()
                .to_vec();
            (n, e.d_type, e.d_ino)
        };
        if name != b"." && name != b".." {
            out.push((name, ty, ino));
        }
    }
}

/// Open a directory stream on a path or (a duplicate of) an fd; Err(errno).
fn open_dir(p: &PathArg) -> Result<*mut libc::DIR, i32> {
    let dir = if let Some(fd) = p.fd {
        // SAFETY: plain fcntl duplicating an integer descriptor.
        let d = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
        if d < 0 {
            return Err(last_errno());
        }
        // SAFETY: `d` is a descriptor this function owns; on success the
        // stream owns it, on failure it is closed here.
        let dir = unsafe { libc::fdopendir(d) };
        if dir.is_null() {
            let e = last_errno();
            // SAFETY: closing the duplicate made above.
            unsafe { libc::close(d) };
            return Err(e);
        }
        // SAFETY: rewinding the new stream to read the directory from the start.
        unsafe { libc::rewinddir(dir) };
        dir
    } else {
        let c = p.c();
        // SAFETY: `c` is a NUL-terminated path alive across the call.
        unsafe { libc::opendir(c.as_ptr()) }
    };
    if dir.is_null() {
        return Err(last_errno());
    }
    Ok(dir)
}

/// The names in a directory (path or fd) with d_type and inode; Err(errno).
pub fn list_dir(p: &PathArg) -> Result<Vec<(Vec<u8>, u8, u64)>, i32> {
    open_dir(p).and_then(read_all)
}

/// `os.listdir(path=None)`.
pub fn posix_listdir(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "listdir", &["path"], 0, 1)?;
    let p = path_arg(vm, "listdir", "path", a[0].as_ref(), true, true)?;
    let names = list_dir(&p);
    match names {
        Ok(names) => {
            let items = names
                .into_iter()
                .map(|(n, _, _)| fs_name(vm, &n, p.is_bytes))
                .collect();
            Ok(vm.new_list(items))
        }
        Err(e) => {
            // An fd's error has no filename (CPython's posix_error()).
            let name = if p.obj.is_none() {
                Some(vm.new_str("."))
            } else if p.fd.is_some() {
                None
            } else {
                p.err_name()
            };
            Err(vm.os_error(e, name, None))
        }
    }
}
