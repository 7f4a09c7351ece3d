//! Less common `posix` calls: `statvfs`/`fstatvfs` (`os.statvfs_result`),
//! `sendfile`, `pread`/`pwrite`/`writev`, device numbers, `fchmod`/
//! `fchown`/`lchown`, `mknod`, user/group id setters, priorities, CPU
//! affinity, `getloadavg`, `getrandom`, `ttyname`, `pathconf`, `lockf`.

use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::fileops::fileno_arg;
use super::stat::uint;
use super::util::{
    bytes_like, c_int_arg, fsdecode, int_arg, last_errno, module_type, parse_args, path_arg, retry,
    split_module,
};

fn ok_none(vm: &mut Vm, r: Result<i32, i32>) -> PyResult<Value> {
    match r {
        Ok(_) => Ok(Value::None),
        Err(e) => Err(vm.os_error(e, None, None)),
    }
}

const STATVFS_FIELDS: [&str; 10] = [
    "f_bsize",
    "f_frsize",
    "f_blocks",
    "f_bfree",
    "f_bavail",
    "f_files",
    "f_ffree",
    "f_favail",
    "f_flag",
    "f_namemax",
];

fn statvfs_fsid(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    if let Value::Obj(o) = v {
        if let Some(d) = o.dict() {
            return Ok(vm
                .dict_get_by_str_nocall(&d, "f_fsid")
                .unwrap_or(Value::None));
        }
    }
    Ok(Value::None)
}

/// Make the `os.statvfs_result` type (10 items and the hidden `f_fsid`).
pub fn make_statvfs_type(vm: &mut Vm) -> PyRef {
    let t = vm.new_structseq_type("os", "statvfs_result", &STATVFS_FIELDS, true);
    vm.add_type_attr(&t, "n_fields", Value::Int(11));
    vm.add_getsets(&t, &[("f_fsid", statvfs_fsid, None)]);
    t
}

fn statvfs_value(vm: &mut Vm, m: &PyRef, s: &libc::statvfs) -> PyResult<Value> {
    let cls = module_type(vm, m, "statvfs_result")?;
    let vals = vec![
        uint(vm, s.f_bsize),
        uint(vm, s.f_frsize),
        uint(vm, s.f_blocks),
        uint(vm, s.f_bfree),
        uint(vm, s.f_bavail),
        uint(vm, s.f_files),
        uint(vm, s.f_ffree),
        uint(vm, s.f_favail),
        uint(vm, s.f_flag),
        uint(vm, s.f_namemax),
    ];
    let v = vm.new_structseq(&cls, vals);
    if let Value::Obj(o) = &v {
        let d = vm.new_dict();
        let k = vm.new_str("f_fsid");
        let fsid = uint(vm, s.f_fsid);
        vm.dict_set(&d, k, fsid)?;
        o.set_dict(Some(d));
    }
    Ok(v)
}

/// `os.statvfs(path)` (path may be an fd).
pub fn posix_statvfs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split_module(vm, args)?;
    let a = parse_args(vm, &args, "statvfs", &["path"], 1, 1)?;
    let p = path_arg(vm, "statvfs", "path", a[0].as_ref(), true, false)?;
    // SAFETY: statvfs is plain old data; the call fills it.
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    let r = if let Some(fd) = p.fd {
        // SAFETY: `s` is a valid out-pointer.
        retry(|| unsafe { libc::fstatvfs(fd, &mut s) })
    } else {
        let c = p.c();
        // SAFETY: `c` is NUL-terminated and `s` a valid out-pointer.
        retry(|| unsafe { libc::statvfs(c.as_ptr(), &mut s) })
    };
    match r {
        Ok(_) => statvfs_value(vm, &m, &s),
        Err(e) => Err(vm.os_error(e, p.err_name(), None)),
    }
}

/// `os.fstatvfs(fd)`.
pub fn posix_fstatvfs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split_module(vm, args)?;
    let a = vm.fn_args("posix.fstatvfs", args, 1, 1)?;
    let fd = c_int_arg(vm, &a[0])?;
    // SAFETY: statvfs is plain old data; the call fills it.
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `s` is a valid out-pointer.
    let r = retry(|| unsafe { libc::fstatvfs(fd, &mut s) });
    match r {
        Ok(_) => statvfs_value(vm, &m, &s),
        Err(e) => Err(vm.os_error(e, None, None)),
    }
}

/// `os.sendfile(out_fd, in_fd, offset, count)`.
pub fn posix_sendfile(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(
        vm,
        &args,
        "sendfile",
        &["out_fd", "in_fd", "offset", "count"],
        4,
        4,
    )?;
    let get = |i: usize| a.get(i).cloned().flatten().unwrap_or(Value::None);
    let out = c_int_arg(vm, &get(0))?;
    let inp = c_int_arg(vm, &get(1))?;
    let off = get(2);
    let count = usize::try_from(int_arg(vm, &get(3))?).unwrap_or(0);
    let r = if off.is_none() {
        // SAFETY: a null offset means "use and update the file position".
        retry(|| unsafe { libc::sendfile(out, inp, std::ptr::null_mut(), count) })
    } else {
        let mut o = int_arg(vm, &off)?;
        // SAFETY: `o` is a valid offset in/out pointer for the call.
        retry(|| unsafe { libc::sendfile(out, inp, &mut o, count) })
    };
    match r {
        Ok(n) => Ok(Value::Int(n as i64)),
        Err(e) => Err(vm.os_error(e, None, None)),
    }
}

/// `os.pread(fd, length, offset)`.
pub fn posix_pread(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.pread", args, 3, 3)?;
    let fd = c_int_arg(vm, &a[0])?;
    let n = int_arg(vm, &a[1])?;
    let off = int_arg(vm, &a[2])?;
    if n < 0 {
        return Err(vm.os_error(libc::EINVAL, None, None));
    }
    let mut buf = vec![0u8; usize::try_from(n).unwrap_or(0)];
    // SAFETY: `buf` has `buf.len()` writable bytes.
    let r = retry(|| unsafe { libc::pread(fd, buf.as_mut_ptr().cast(), buf.len(), off) });
    match r {
        Ok(got) => {
            buf.truncate(usize::try_from(got).unwrap_or(0));
            Ok(vm.new_bytes(buf))
        }
        Err(e) => Err(vm.os_error(e, None, None)),
    }
}

fn data_arg(vm: &mut Vm, v: &Value) -> PyResult<Vec<u8>> {
    match bytes_like(vm, v) {
        Some(b) => Ok(b),
        None => Err(vm.type_error(format!(
            "a bytes-like object is required, not '{}'",
            vm.type_name_of(v)
        ))),
    }
}

/// `os.pwrite(fd, data, offset)`.
pub fn posix_pwrite(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.pwrite", args, 3, 3)?;
    let fd = c_int_arg(vm, &a[0])?;
    let data = data_arg(vm, &a[1])?;
    let off = int_arg(vm, &a[2])?;
    // SAFETY: `data` has `data.len()` readable bytes.
    let r = retry(|| unsafe { libc::pwrite(fd, data.as_ptr().cast(), data.len(), off) });
    match r {
        Ok(n) => Ok(Value::Int(n as i64)),
        Err(e) => Err(vm.os_error(e, None, None)),
    }
}

/// `os.writev(fd, buffers)`.
pub fn posix_writev(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.writev", args, 2, 2)?;
    let fd = c_int_arg(vm, &a[0])?;
    let items = vm.collect_iter(&a[1])?;
    let mut data = Vec::new();
    for it in &items {
        data.extend(data_arg(vm, it)?);
    }
    // SAFETY: `data` has `data.len()` readable bytes.
    let r = retry(|| unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) });
    match r {
        Ok(n) => Ok(Value::Int(n as i64)),
        Err(e) => Err(vm.os_error(e, None, None)),
    }
}

fn dev_arg(vm: &mut Vm, v: &Value) -> PyResult<u64> {
    let d = int_arg(vm, v)?;
    Ok(d as u64)
}

/// `os.major(device)`.
pub fn posix_major(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.major", args, 1, 1)?;
    let d = dev_arg(vm, &a[0])?;
    Ok(uint(vm, ((d >> 8) & 0xfff) | ((d >> 32) & !0xfff)))
}

/// `os.minor(device)`.
pub fn posix_minor(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.minor", args, 1, 1)?;
    let d = dev_arg(vm, &a[0])?;
    Ok(uint(vm, (d & 0xff) | ((d >> 12) & !0xff)))
}

/// `os.makedev(major, minor)`.
pub fn posix_makedev(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.makedev", args, 2, 2)?;
    let ma = dev_arg(vm, &a[0])?;
    let mi = dev_arg(vm, &a[1])?;
    let d = (mi & 0xff) | ((ma & 0xfff) << 8) | ((mi & !0xff) << 12) | ((ma & !0xfff) << 32);
    Ok(uint(vm, d))
}

/// `os.fchmod(fd, mode)`.
pub fn posix_fchmod(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "fchmod", &["fd", "mode"], 2, 2)?;
    let fd = c_int_arg(vm, a[0].as_ref().unwrap_or(&Value::None))?;
    let mode = c_int_arg(vm, a[1].as_ref().unwrap_or(&Value::None))? as libc::mode_t;
    // SAFETY: plain syscall on integers.
    let r = retry(|| unsafe { libc::fchmod(fd, mode) });
    ok_none(vm, r)
}

/// `os.fchown(fd, uid, gid)`.
pub fn posix_fchown(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "fchown", &["fd", "uid", "gid"], 3, 3)?;
    let fd = c_int_arg(vm, a[0].as_ref().unwrap_or(&Value::None))?;
    let uid = int_arg(vm, a[1].as_ref().unwrap_or(&Value::None))? as libc::uid_t;
    let gid = int_arg(vm, a[2].as_ref().unwrap_or(&Value::None))? as libc::gid_t;
    // SAFETY: plain syscall on integers.
    let r = retry(|| unsafe { libc::fchown(fd, uid, gid) });
    ok_none(vm, r)
}

/// `os.lchown(path, uid, gid)`.
pub fn posix_lchown(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "lchown", &["path", "uid", "gid"], 3, 3)?;
    let p = path_arg(vm, "lchown", "path", a[0].as_ref(), false, false)?;
    let uid = int_arg(vm, a[1].as_ref().unwrap_or(&Value::None))? as libc::uid_t;
    let gid = int_arg(vm, a[2].as_ref().unwrap_or(&Value::None))? as libc::gid_t;
    let c = p.c();
    // SAFETY: `c` is a NUL-terminated path alive across the call.
    let r = retry(|| unsafe { libc::lchown(c.as_ptr(), uid, gid) });
    r.map_err(|e| vm.os_error(e, p.err_name(), None))?;
    Ok(Value::None)
}

/// `os.mknod(path, mode=0o600, device=0, *, dir_fd=None)`.
pub fn posix_mknod(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(
        vm,
        &args,
        "mknod",
        &["path", "mode", "device", "dir_fd"],
        1,
        3,
    )?;
    let p = path_arg(vm, "mknod", "path", a[0].as_ref(), false, false)?;
    let mode = match &a[1] {
        Some(m) => c_int_arg(vm, m)?,
        None => 0o600,
    } as libc::mode_t;
    let dev = match &a[2] {
        Some(d) => dev_arg(vm, d)?,
        None => 0,
    };
    let dfd = super::util::opt_fd(vm, &a[3])?.unwrap_or(libc::AT_FDCWD);
    let c = p.c();
    // SAFETY: `c` is a NUL-terminated path alive across the call.
    let r = retry(|| unsafe { libc::mknodat(dfd, c.as_ptr(), mode, dev) });
    r.map_err(|e| vm.os_error(e, p.err_name(), None))?;
    Ok(Value::None)
}

macro_rules! id_setters {
    ($($f:ident => $name:expr, $call:ident),*) => {
        $(
            #[doc = concat!("`os.", $name, "(id)`.")]
            pub fn $f(vm: &mut Vm, args: Args) -> PyResult<Value> {
                let a = vm.fn_args(concat!("posix.", $name), args, 1, 1)?;
                let id = int_arg(vm, &a[0])? as u32;
                // SAFETY: plain syscall on an integer.
                if unsafe { libc::$call(id) } < 0 {
                    return Err(vm.last_os_error(None));
                }
                Ok(Value::None)
            }
        )*
    };
}
id_setters!(
    posix_setuid => "setuid", setuid,
    posix_setgid => "setgid", setgid,
    posix_seteuid => "seteuid", seteuid,
    posix_setegid => "setegid", setegid
);

/// `os.setreuid(ruid, euid)`.
pub fn posix_setreuid(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.setreuid", args, 2, 2)?;
    let r = int_arg(vm, &a[0])? as libc::uid_t;
    let e = int_arg(vm, &a[1])? as libc::uid_t;
    // SAFETY: plain syscall on integers.
    if unsafe { libc::setreuid(r, e) } < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

/// `os.setregid(rgid, egid)`.
pub fn posix_setregid(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.setregid", args, 2, 2)?;
    let r = int_arg(vm, &a[0])? as libc::gid_t;
    let e = int_arg(vm, &a[1])? as libc::gid_t;
    // SAFETY: plain syscall on integers.
    if unsafe { libc::setregid(r, e) } < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

/// `os.getresuid()`.
pub fn posix_getresuid(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("posix.getresuid", args, 0, 0)?;
    let (mut r, mut e, mut s) = (0, 0, 0);
    // SAFETY: three valid out-pointers.
    if unsafe { libc::getresuid(&mut r, &mut e, &mut s) } < 0 {
        return Err(vm.last_os_error(None));
    }
    let v = [r, e, s]
        .iter()
        .map(|x| Value::Int(i64::from(*x)))
        .collect();
    Ok(vm.new_tuple(v))
}

/// `os.getresgid()`.
pub fn posix_getresgid(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("posix.getresgid", args, 0, 0)?;
    let (mut r, mut e, mut s) = (0, 0, 0);
    // SAFETY: three valid out-pointers.
    if unsafe { libc::getresgid(&mut r, &mut e, &mut s) } < 0 {
        return Err(vm.last_os_error(None));
    }
    let v = [r, e, s]
        .iter()
        .map(|x| Value::Int(i64::from(*x)))
        .collect();
    Ok(vm.new_tuple(v))
}

/// `os.getsid(pid)`.
pub fn posix_getsid(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.getsid", args, 1, 1)?;
    let pid = c_int_arg(vm, &a[0])?;
    // SAFETY: plain syscall on an integer.
    let r = unsafe { libc::getsid(pid) };
    if r < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::Int(i64::from(r)))
}

/// `os.setpgrp()`.
pub fn posix_setpgrp(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("posix.setpgrp", args, 0, 0)?;
    // SAFETY: plain syscall on integers.
    if unsafe { libc::setpgid(0, 0) } < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

/// `os.getpriority(which, who)`.
pub fn posix_getpriority(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.getpriority", args, 2, 2)?;
    let which = c_int_arg(vm, &a[0])? as libc::__priority_which_t;
    let who = c_int_arg(vm, &a[1])? as libc::id_t;
    super::dirs::clear_errno();
    // SAFETY: plain syscall on integers.
    let r = unsafe { libc::getpriority(which, who) };
    if r == -1 && last_errno() != 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::Int(i64::from(r)))
}

/// `os.setpriority(which, who, priority)`.
pub fn posix_setpriority(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.setpriority", args, 3, 3)?;
    let which = c_int_arg(vm, &a[0])? as libc::__priority_which_t;
    let who = c_int_arg(vm, &a[1])? as libc::id_t;
    let prio = c_int_arg(vm, &a[2])?;
    // SAFETY: plain syscall on integers.
    if unsafe { libc::setpriority(which, who, prio) } < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

/// `os.sched_getaffinity(pid)` → a set of CPU numbers.
pub fn posix_sched_getaffinity(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.sched_getaffinity", args, 1, 1)?;
    let pid = c_int_arg(vm, &a[0])?;
    // SAFETY: cpu_set_t is plain old data; the call fills it.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid out-pointer of the size given.
    let r =
        unsafe { libc::sched_getaffinity(pid, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    if r < 0 {
        return Err(vm.last_os_error(None));
    }
    let mut cpus = Vec::new();
    for i in 0..libc::CPU_SETSIZE as usize {
        // SAFETY: `i` is below CPU_SETSIZE, the set's capacity.
        if unsafe { libc::CPU_ISSET(i, &set) } {
            cpus.push(Value::Int(i as i64));
        }
    }
    vm.new_set_from(cpus, false)
}

/// `os.sched_yield()`.
pub fn posix_sched_yield(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("posix.sched_yield", args, 0, 0)?;
    // SAFETY: plain syscall without arguments.
    unsafe { libc::sched_yield() };
    Ok(Value::None)
}

/// `os.getloadavg()`.
pub fn posix_getloadavg(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("posix.getloadavg", args, 0, 0)?;
    let mut l = [0f64; 3];
    // SAFETY: `l` has room for the 3 values asked for.
    if unsafe { libc::getloadavg(l.as_mut_ptr(), 3) } != 3 {
        return Err(vm.new_error(
            crate::objects::exception::ExcKind::OSError,
            "Load averages are unobtainable",
        ));
    }
    Ok(vm.new_tuple(l.iter().map(|x| Value::float(*x)).collect()))
}

/// `os.getrandom(size, flags=0)`.
pub fn posix_getrandom(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "getrandom", &["size", "flags"], 1, 2)?;
    let n = int_arg(vm, a[0].as_ref().unwrap_or(&Value::None))?;
    let flags = match &a[1] {
        Some(f) => c_int_arg(vm, f)? as u32,
        None => 0,
    };
    if n < 0 {
        return Err(vm.os_error(libc::EINVAL, None, None));
    }
    let mut buf = vec![0u8; usize::try_from(n).unwrap_or(0)];
    // SAFETY: `buf` has `buf.len()` writable bytes.
    let r = retry(|| unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), flags) });
    match r {
        Ok(got) => {
            buf.truncate(usize::try_from(got).unwrap_or(0));
            Ok(vm.new_bytes(buf))
        }
        Err(e) => Err(vm.os_error(e, None, None)),
    }
}

/// `os.ttyname(fd)`.
pub fn posix_ttyname(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.ttyname", args, 1, 1)?;
    let fd = c_int_arg(vm, &a[0])?;
    let mut buf = [0u8; 256];
    // SAFETY: `buf` has `buf.len()` writable bytes.
    let r = unsafe { libc::ttyname_r(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if r != 0 {
        return Err(vm.os_error(r, None, None));
    }
    let n = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    Ok(fsdecode(vm, buf.get(..n).unwrap_or(&[])))
}

/// `os.ctermid()`.
pub fn posix_ctermid(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("posix.ctermid", args, 0, 0)?;
    Ok(vm.new_str("/dev/tty"))
}

/// `os.sync()`.
pub fn posix_sync(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("posix.sync", args, 0, 0)?;
    // SAFETY: plain syscall without arguments.
    unsafe { libc::sync() };
    Ok(Value::None)
}

/// `os.lockf(fd, command, length)`.
pub fn posix_lockf(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.lockf", args, 3, 3)?;
    let fd = c_int_arg(vm, &a[0])?;
    let cmd = c_int_arg(vm, &a[1])?;
    let len = int_arg(vm, &a[2])?;
    // SAFETY: plain call on integers.
    let r = retry(|| unsafe { libc::lockf(fd, cmd, len) });
    ok_none(vm, r)
}

fn pathconf_name(vm: &mut Vm, v: &Value) -> PyResult<i32> {
    if let Some(s) = vm.as_str_obj(v) {
        let s = s.as_str().to_string();
        return match super::super::os_consts::PATHCONF_NAMES
            .iter()
            .find(|(n, _)| *n == s)
        {
            Some((_, x)) => Ok(*x as i32),
            None => Err(vm.value_error("unrecognized configuration name")),
        };
    }
    c_int_arg(vm, v)
}

/// `os.pathconf(path, name)` (path may be an fd).
pub fn posix_pathconf(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "pathconf", &["path", "name"], 2, 2)?;
    let p = path_arg(vm, "pathconf", "path", a[0].as_ref(), true, false)?;
    let name = pathconf_name(vm, a[1].as_ref().unwrap_or(&Value::None))?;
    super::dirs::clear_errno();
    let r = if let Some(fd) = p.fd {
        // SAFETY: plain call on integers.
        unsafe { libc::fpathconf(fd, name) }
    } else {
        let c = p.c();
        // SAFETY: `c` is a NUL-terminated path alive across the call.
        unsafe { libc::pathconf(c.as_ptr(), name) }
    };
    if r == -1 && last_errno() != 0 {
        return Err(vm.last_os_error(p.err_name()));
    }
    Ok(Value::Int(r))
}

/// `os.fpathconf(fd, name)`.
pub fn posix_fpathconf(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.fpathconf", args, 2, 2)?;
    let fd = fileno_arg(vm, &a[0])?;
    let name = pathconf_name(vm, &a[1])?;
    super::dirs::clear_errno();
    // SAFETY: plain call on integers.
    let r = unsafe { libc::fpathconf(fd, name) };
    if r == -1 && last_errno() != 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::Int(r))
}

/// `os.tcgetpgrp(fd)`.
pub fn posix_tcgetpgrp(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.tcgetpgrp", args, 1, 1)?;
    let fd = c_int_arg(vm, &a[0])?;
    // SAFETY: plain call on an integer descriptor.
    let r = unsafe { libc::tcgetpgrp(fd) };
    if r < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::Int(i64::from(r)))
}

/// `os.tcsetpgrp(fd, pgid)`.
pub fn posix_tcsetpgrp(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.tcsetpgrp", args, 2, 2)?;
    let fd = c_int_arg(vm, &a[0])?;
    let pg = c_int_arg(vm, &a[1])?;
    // SAFETY: plain call on integers.
    if unsafe { libc::tcsetpgrp(fd, pg) } < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

/// `os.openpty()`: a (master, slave) pseudo-terminal pair, both
/// non-inheritable as in CPython.
pub fn posix_openpty(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("posix.openpty", args, 0, 0)?;
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: the out-pointers are live ints; NULL name/termios/winsize
    // are allowed.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    if r != 0 {
        return Err(vm.os_error(super::util::last_errno(), None, None));
    }
    for fd in [master, slave] {
        // SAFETY: fd is an open descriptor returned by openpty.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    Ok(vm.new_tuple_of([Value::Int(master as i64), Value::Int(slave as i64)]))
}
