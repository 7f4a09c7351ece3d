//! The `posix` module (what CPython's `os` imports on Unix): file, directory,
//! process and environment calls over `libc`, `stat_result` and the other
//! struct sequences, `scandir`, and the platform's constants. Split by
//! topic: [`util`] (argument and path conversion, [`Vm::os_error`]),
//! [`stat`], [`fileops`], [`dirs`], [`scandir`], [`process`]; environment
//! and system queries live here.

pub mod dirs;
pub mod extra;
pub mod fileops;
pub mod process;
pub mod scandir;
pub mod stat;
pub mod util;
pub mod xattr;

use std::ffi::CString;

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::function::NativeFn;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::os_consts;
use util::{
    add_bound_functions, c_int_arg, int_arg, module_type, parse_args, split_module, strerror_text,
};

/// The `HAVE_*` capabilities `os.py` reads (the `dir_fd`, `fd` and
/// `follow_symlinks` variants this module implements).
const HAVE_FUNCTIONS: &[&str] = &[
    "HAVE_FACCESSAT",
    "HAVE_FCHDIR",
    "HAVE_FCHMOD",
    "HAVE_FCHMODAT",
    "HAVE_FCHOWN",
    "HAVE_FCHOWNAT",
    "HAVE_FDOPENDIR",
    "HAVE_FPATHCONF",
    "HAVE_FSTATAT",
    "HAVE_FSTATVFS",
    "HAVE_FTRUNCATE",
    "HAVE_FUTIMENS",
    "HAVE_LCHOWN",
    "HAVE_LINKAT",
    "HAVE_LSTAT",
    "HAVE_MKDIRAT",
    "HAVE_MKFIFOAT",
    "HAVE_MKNODAT",
    "HAVE_OPENAT",
    "HAVE_READLINKAT",
    "HAVE_RENAMEAT",
    "HAVE_SYMLINKAT",
    "HAVE_UNLINKAT",
    "HAVE_UTIMENSAT",
];

const FUNCS: &[(&str, NativeFn)] = &[
    ("WCOREDUMP", process::posix_wcoredump),
    ("WEXITSTATUS", process::posix_wexitstatus),
    ("WIFCONTINUED", process::posix_wifcontinued),
    ("WIFEXITED", process::posix_wifexited),
    ("WIFSIGNALED", process::posix_wifsignaled),
    ("WIFSTOPPED", process::posix_wifstopped),
    ("WSTOPSIG", process::posix_wstopsig),
    ("WTERMSIG", process::posix_wtermsig),
    ("_exit", process::posix_exit),
    ("abort", process::posix_abort),
    ("access", stat::posix_access),
    ("chdir", dirs::posix_chdir),
    ("chmod", stat::posix_chmod),
    ("chown", dirs::posix_chown),
    ("close", fileops::posix_close),
    ("closerange", fileops::posix_closerange),
    ("confstr", posix_confstr),
    ("cpu_count", posix_cpu_count),
    ("ctermid", extra::posix_ctermid),
    ("device_encoding", fileops::posix_device_encoding),
    ("dup", fileops::posix_dup),
    ("dup2", fileops::posix_dup2),
    ("execv", process::posix_execv),
    ("execve", process::posix_execve),
    ("fchdir", dirs::posix_fchdir),
    ("fchmod", extra::posix_fchmod),
    ("fchown", extra::posix_fchown),
    ("fdatasync", fileops::posix_fdatasync),
    ("fpathconf", extra::posix_fpathconf),
    ("fspath", posix_fspath),
    ("fsync", fileops::posix_fsync),
    ("ftruncate", fileops::posix_ftruncate),
    ("get_blocking", fileops::posix_get_blocking),
    ("get_inheritable", fileops::posix_get_inheritable),
    ("getcwd", dirs::posix_getcwd),
    ("getcwdb", dirs::posix_getcwdb),
    ("getegid", process::posix_getegid),
    ("geteuid", process::posix_geteuid),
    ("getgid", process::posix_getgid),
    ("getgroups", process::posix_getgroups),
    ("getloadavg", extra::posix_getloadavg),
    ("getlogin", process::posix_getlogin),
    ("getpgid", process::posix_getpgid),
    ("getpgrp", process::posix_getpgrp),
    ("getpid", process::posix_getpid),
    ("getppid", process::posix_getppid),
    ("getpriority", extra::posix_getpriority),
    ("getrandom", extra::posix_getrandom),
    ("getresgid", extra::posix_getresgid),
    ("getresuid", extra::posix_getresuid),
    ("getsid", extra::posix_getsid),
    ("getuid", process::posix_getuid),
    ("getxattr", xattr::posix_getxattr),
    ("isatty", fileops::posix_isatty),
    ("openpty", extra::posix_openpty),
    ("kill", process::posix_kill),
    ("killpg", process::posix_killpg),
    ("lchown", extra::posix_lchown),
    ("link", dirs::posix_link),
    ("listdir", dirs::posix_listdir),
    ("listxattr", xattr::posix_listxattr),
    ("lockf", extra::posix_lockf),
    ("lseek", fileops::posix_lseek),
    ("major", extra::posix_major),
    ("makedev", extra::posix_makedev),
    ("minor", extra::posix_minor),
    ("mkdir", dirs::posix_mkdir),
    ("mkfifo", dirs::posix_mkfifo),
    ("mknod", extra::posix_mknod),
    ("nice", process::posix_nice),
    ("open", fileops::posix_open),
    ("pathconf", extra::posix_pathconf),
    ("pipe", fileops::posix_pipe),
    ("pipe2", fileops::posix_pipe2),
    ("pread", extra::posix_pread),
    ("putenv", posix_putenv),
    ("pwrite", extra::posix_pwrite),
    ("read", fileops::posix_read),
    ("readlink", dirs::posix_readlink),
    ("remove", dirs::posix_remove),
    ("removexattr", xattr::posix_removexattr),
    ("rename", dirs::posix_rename),
    ("replace", dirs::posix_replace),
    ("rmdir", dirs::posix_rmdir),
    ("sched_getaffinity", extra::posix_sched_getaffinity),
    ("sched_yield", extra::posix_sched_yield),
    ("sendfile", extra::posix_sendfile),
    ("set_blocking", fileops::posix_set_blocking),
    ("set_inheritable", fileops::posix_set_inheritable),
    ("setegid", extra::posix_setegid),
    ("seteuid", extra::posix_seteuid),
    ("setgid", extra::posix_setgid),
    ("setpgid", process::posix_setpgid),
    ("setpgrp", extra::posix_setpgrp),
    ("setpriority", extra::posix_setpriority),
    ("setregid", extra::posix_setregid),
    ("setreuid", extra::posix_setreuid),
    ("setsid", process::posix_setsid),
    ("setuid", extra::posix_setuid),
    ("setxattr", xattr::posix_setxattr),
    ("strerror", posix_strerror),
    ("symlink", dirs::posix_symlink),
    ("sync", extra::posix_sync),
    ("sysconf", posix_sysconf),
    ("system", process::posix_system),
    ("tcgetpgrp", extra::posix_tcgetpgrp),
    ("tcsetpgrp", extra::posix_tcsetpgrp),
    ("truncate", fileops::posix_truncate),
    ("ttyname", extra::posix_ttyname),
    ("umask", posix_umask),
    ("unlink", dirs::posix_unlink),
    ("unsetenv", posix_unsetenv),
    ("urandom", posix_urandom),
    ("utime", stat::posix_utime),
    ("wait", process::posix_wait),
    ("waitpid", process::posix_waitpid),
    (
        "waitstatus_to_exitcode",
        process::posix_waitstatus_to_exitcode,
    ),
    ("write", fileops::posix_write),
    ("writev", extra::posix_writev),
];

/// Functions that need the module's types (bound to it as `__self__`).
const BOUND_FUNCS: &[(&str, NativeFn)] = &[
    ("fork", process::posix_fork),
    ("fstatvfs", extra::posix_fstatvfs),
    ("fstat", stat::posix_fstat),
    ("get_terminal_size", posix_get_terminal_size),
    ("lstat", stat::posix_lstat),
    ("register_at_fork", process::posix_register_at_fork),
    ("scandir", scandir::posix_scandir),
    ("stat", stat::posix_stat),
    ("statvfs", extra::posix_statvfs),
    ("times", process::posix_times),
    ("uname", process::posix_uname),
];

/// Build the `posix` module.
pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("posix");
    vm.add_functions(&m, FUNCS);
    add_bound_functions(vm, &m, BOUND_FUNCS);
    for (name, v) in os_consts::POSIX {
        vm.set_attr_raw(&m, name, Value::Int(*v));
    }
    let st = stat::make_stat_result_type(vm);
    vm.set_attr_raw(&m, "stat_result", Value::Obj(st));
    let sv = extra::make_statvfs_type(vm);
    vm.set_attr_raw(&m, "statvfs_result", Value::Obj(sv));
    let ts = vm.new_structseq_type("os", "terminal_size", &["columns", "lines"], true);
    vm.set_attr_raw(&m, "terminal_size", Value::Obj(ts));
    let tr = vm.new_structseq_type(
        "posix",
        "times_result",
        &[
            "user",
            "system",
            "children_user",
            "children_system",
            "elapsed",
        ],
        true,
    );
    vm.set_attr_raw(&m, "times_result", Value::Obj(tr));
    let ur = vm.new_structseq_type(
        "posix",
        "uname_result",
        &["sysname", "nodename", "release", "version", "machine"],
        true,
    );
    vm.set_attr_raw(&m, "uname_result", Value::Obj(ur));
    scandir::install(vm, &m);
    let oserror = vm.exc_type(ExcKind::OSError);
    vm.set_attr_raw(&m, "error", Value::Obj(oserror));
    let env = environ_dict(vm)?;
    vm.set_attr_raw(&m, "environ", env);
    let have: Vec<Value> = HAVE_FUNCTIONS.iter().map(|s| vm.new_str(s)).collect();
    let have = vm.new_list(have);
    vm.set_attr_raw(&m, "_have_functions", have);
    for (attr, table) in [
        ("sysconf_names", os_consts::SYSCONF_NAMES),
        ("confstr_names", os_consts::CONFSTR_NAMES),
        ("pathconf_names", os_consts::PATHCONF_NAMES),
    ] {
        let d = vm.new_dict();
        for (n, v) in table {
            let k = vm.new_str(n);
            vm.dict_set(&d, k, Value::Int(*v))?;
        }
        vm.set_attr_raw(&m, attr, Value::Obj(d));
    }
    Ok(m)
}

/// `posix.environ`: the process environment as a dict of bytes to bytes.
fn environ_dict(vm: &mut Vm) -> PyResult<Value> {
    use std::os::unix::ffi::OsStrExt;
    let d = vm.new_dict();
    for (k, v) in std::env::vars_os() {
        let k = vm.new_bytes(k.as_bytes().to_vec());
        let v = vm.new_bytes(v.as_bytes().to_vec());
        vm.dict_set(&d, k, v)?;
    }
    Ok(Value::Obj(d))
}

/// An environment name or value (str, bytes or PathLike) as C string.
fn env_arg(vm: &mut Vm, v: &Value, fname: &str) -> PyResult<CString> {
    let b = process::argv_bytes(vm, std::slice::from_ref(v))
        .map_err(|_| {
            vm.type_error(format!(
                "{fname}: expected str, bytes or os.PathLike object, not {}",
                vm.type_name_of(v)
            ))
        })?
        .pop()
        .unwrap_or_default();
    CString::new(b).map_err(|_| vm.value_error("embedded null byte"))
}

/// `os.putenv(name, value)`.
fn posix_putenv(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.putenv", args, 2, 2)?;
    let k = env_arg(vm, &a[0], "putenv")?;
    let v = env_arg(vm, &a[1], "putenv")?;
    if k.as_bytes().is_empty() || k.as_bytes().contains(&b'=') {
        return Err(vm.value_error("illegal environment variable name"));
    }
    // SAFETY: both are NUL-terminated; setenv copies them. The VM runs
    // Python on one thread, so no other thread reads the environment now.
    if unsafe { libc::setenv(k.as_ptr(), v.as_ptr(), 1) } < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

/// `os.unsetenv(name)`.
fn posix_unsetenv(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.unsetenv", args, 1, 1)?;
    let k = env_arg(vm, &a[0], "unsetenv")?;
    if k.as_bytes().is_empty() || k.as_bytes().contains(&b'=') {
        return Err(vm.value_error("illegal environment variable name"));
    }
    // SAFETY: as in putenv.
    if unsafe { libc::unsetenv(k.as_ptr()) } < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

/// `os.fspath(path)`.
fn posix_fspath(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "fspath", &["path"], 1, 1)?;
    util::fspath(vm, a[0].as_ref().unwrap_or(&Value::None))
}

/// `os.strerror(code)`.
fn posix_strerror(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.strerror", args, 1, 1)?;
    let code = c_int_arg(vm, &a[0])?;
    Ok(vm.new_string(strerror_text(code)))
}

/// `os.umask(mask)`.
fn posix_umask(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.umask", args, 1, 1)?;
    let mask = c_int_arg(vm, &a[0])?;
    // SAFETY: umask cannot fail.
    let old = unsafe { libc::umask(mask as libc::mode_t) };
    Ok(Value::Int(i64::from(old)))
}

/// `os.cpu_count()`.
fn posix_cpu_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("posix.cpu_count", args, 0, 0)?;
    // SAFETY: plain sysconf query.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    Ok(if n < 1 { Value::None } else { Value::Int(n) })
}

/// `os.urandom(size)`.
fn posix_urandom(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.urandom", args, 1, 1)?;
    let n = int_arg(vm, &a[0])?;
    if n < 0 {
        return Err(vm.value_error("negative argument not allowed"));
    }
    let mut buf = vec![0u8; usize::try_from(n).unwrap_or(0)];
    let mut filled = 0;
    while filled < buf.len() {
        let rest = buf.get_mut(filled..).unwrap_or(&mut []);
        // SAFETY: `rest` is a writable buffer of `rest.len()` bytes.
        let r = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if r < 0 {
            let e = util::last_errno();
            if e == libc::EINTR {
                continue;
            }
            return Err(vm.os_error(e, None, None));
        }
        filled += r as usize;
    }
    Ok(vm.new_bytes(buf))
}

/// `os.get_terminal_size(fd=1)`.
fn posix_get_terminal_size(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split_module(vm, args)?;
    let a = vm.fn_args("posix.get_terminal_size", args, 0, 1)?;
    let fd = match a.first() {
        Some(v) => c_int_arg(vm, v)?,
        None => 1,
    };
    // SAFETY: winsize is plain old data; the ioctl fills it.
    let mut w: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes one winsize through the valid pointer.
    if unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut w) } < 0 {
        return Err(vm.last_os_error(None));
    }
    let cls = module_type(vm, &m, "terminal_size")?;
    Ok(vm.new_structseq(
        &cls,
        vec![
            Value::Int(i64::from(w.ws_col)),
            Value::Int(i64::from(w.ws_row)),
        ],
    ))
}

/// A configuration name: a str looked up in `table` or an int.
fn conf_name(vm: &mut Vm, v: &Value, table: &[(&str, i64)]) -> PyResult<i32> {
    if let Some(s) = vm.as_str_obj(v) {
        let s = s.as_str().to_string();
        return match table.iter().find(|(n, _)| *n == s) {
            Some((_, x)) => Ok(*x as i32),
            None => Err(vm.value_error("unrecognized configuration name")),
        };
    }
    if vm.index_value(v)?.is_none() {
        return Err(vm.type_error("configuration names must be strings or integers"));
    }
    c_int_arg(vm, v)
}

/// `os.sysconf(name)`.
fn posix_sysconf(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.sysconf", args, 1, 1)?;
    let n = conf_name(vm, &a[0], os_consts::SYSCONF_NAMES)?;
    dirs::clear_errno();
    // SAFETY: plain sysconf query.
    let r = unsafe { libc::sysconf(n) };
    if r == -1 && util::last_errno() != 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::Int(r))
}

/// `os.confstr(name)`.
fn posix_confstr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.confstr", args, 1, 1)?;
    let n = conf_name(vm, &a[0], os_consts::CONFSTR_NAMES)?;
    let mut buf = vec![0u8; 1024];
    dirs::clear_errno();
    // SAFETY: `buf` has `buf.len()` writable bytes.
    let len = unsafe { libc::confstr(n, buf.as_mut_ptr().cast(), buf.len()) };
    if len == 0 {
        if util::last_errno() != 0 {
            return Err(vm.last_os_error(None));
        }
        return Ok(Value::None);
    }
    if len > buf.len() {
        buf = vec![0u8; len];
        // SAFETY: as above, with the size confstr asked for.
        unsafe { libc::confstr(n, buf.as_mut_ptr().cast(), buf.len()) };
    }
    buf.truncate(len.saturating_sub(1));
    Ok(util::fsdecode(vm, &buf))
}
