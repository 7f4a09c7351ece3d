//! The `_posixsubprocess` module: `fork_exec`, the fork-and-exec step of
//! `subprocess.Popen` on POSIX (CPython's protocol: failures before or at
//! exec are reported on `errpipe_write` as `OSError:<hex errno>:[noexec]`
//! or `SubprocessError:0:<message>`, then the child exits with 255).

use std::ffi::CString;

use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::posix::process::{argv_bytes, ptr_array};
use super::posix::util::{bytes_of, c_int_arg, cstrings, int_arg, last_errno};

/// Everything the child needs, prepared before fork (no allocation after).
struct ChildPlan {
    argv: Vec<CString>,
    exec_list: Vec<CString>,
    envp: Option<Vec<CString>>,
    cwd: Option<CString>,
    keep: Vec<i32>,
    close_fds: bool,
    fds: [i32; 8],
    restore_signals: bool,
    call_setsid: bool,
    pgid: i32,
    child_umask: i32,
    gid: Option<libc::gid_t>,
    groups: Option<Vec<libc::gid_t>>,
    uid: Option<libc::uid_t>,
}

fn seq_bytes(vm: &mut Vm, v: &Value, what: &str) -> PyResult<Vec<Vec<u8>>> {
    let items = vm.collect_iter(v)?;
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        match bytes_of(&it) {
            Some(b) => out.push(b.to_vec()),
            None => {
                return Err(vm.type_error(format!(
                    "expected bytes, {} found in {what}",
                    vm.type_name_of(&it)
                )))
            }
        }
    }
    Ok(out)
}

fn opt_int(vm: &mut Vm, v: &Value) -> PyResult<Option<i64>> {
    if v.is_none() {
        return Ok(None);
    }
    int_arg(vm, v).map(Some)
}

/// Write all of `b` to `fd`, ignoring errors (child side).
fn write_noraise(fd: i32, b: &[u8]) {
    let mut off = 0;
    while off < b.len() {
        let rest = b.get(off..).unwrap_or(&[]);
        // SAFETY: `rest` is a readable buffer of `rest.len()` bytes.
        let r = unsafe { libc::write(fd, rest.as_ptr().cast(), rest.len()) };
        if r <= 0 {
            if r < 0 && last_errno() == libc::EINTR {
                continue;
            }
            return;
        }
        off += r as usize;
    }
}

/// Report `errno` (or a message) on the error pipe and exit (child side).
fn child_fail(errpipe: i32, errno: i32, reached_exec: bool, msg: &[u8]) -> ! {
    if errno != 0 {
        let mut buf = [0u8; 40];
        let mut n = 0;
        for b in b"OSError:" {
            buf[n] = *b;
            n += 1;
        }
        let mut digits = [0u8; 16];
        let mut d = 0;
        let mut e = errno as u32;
        while e != 0 && d < digits.len() {
            digits[d] = b"0123456789abcdef"[(e % 16) as usize];
            e /= 16;
            d += 1;
        }
        while d > 0 {
            d -= 1;
            buf[n] = digits[d];
            n += 1;
        }
        buf[n] = b':';
        n += 1;
        write_noraise(errpipe, &buf[..n]);
        if !reached_exec {
            write_noraise(errpipe, b"noexec");
        }
    } else {
        write_noraise(errpipe, b"SubprocessError:0:");
        write_noraise(errpipe, msg);
    }
    // SAFETY: leaving the forked child without running any destructors.
    unsafe { libc::_exit(255) }
}

/// A syscall result in the child: on failure report errno and exit.
fn check(errpipe: i32, r: i32, reached: bool) {
    if r < 0 {
        child_fail(errpipe, last_errno(), reached, b"");
    }
}

/// The child's side: descriptors, cwd, session, ids, preexec_fn, exec.
fn child_exec(vm: &mut Vm, plan: &ChildPlan, preexec: &Value) -> ! {
    let [p2cread, p2cwrite, c2pread, mut c2pwrite, errread, mut errwrite, _errpipe_read, errpipe] =
        plan.fds;
    // SAFETY (this whole function): it runs in the freshly forked child,
    // which only has this thread; every pointer passed is to data prepared
    // before the fork and alive until exec or _exit.
    unsafe {
        for fd in [p2cwrite, c2pread, errread] {
            if fd != -1 {
                libc::close(fd);
            }
        }
        // Keep the error pipe close-on-exec; make the kept fds inheritable.
        let fl = libc::fcntl(errpipe, libc::F_GETFD);
        if fl >= 0 {
            libc::fcntl(errpipe, libc::F_SETFD, fl | libc::FD_CLOEXEC);
        }
        for &fd in &plan.keep {
            if fd != errpipe {
                let fl = libc::fcntl(fd, libc::F_GETFD);
                if fl >= 0 {
                    libc::fcntl(fd, libc::F_SETFD, fl & !libc::FD_CLOEXEC);
                }
            }
        }
        // Avoid clobbering a source fd that is also a target.
        if c2pwrite == 0 {
            c2pwrite = libc::dup(c2pwrite);
            check(errpipe, c2pwrite, false);
        }
        while errwrite == 0 || errwrite == 1 {
            errwrite = libc::dup(errwrite);
            check(errpipe, errwrite, false);
        }
        for (src, dst) in [(p2cread, 0), (c2pwrite, 1), (errwrite, 2)] {
            if src == dst {
                let fl = libc::fcntl(src, libc::F_GETFD);
                if fl >= 0 {
                    libc::fcntl(src, libc::F_SETFD, fl & !libc::FD_CLOEXEC);
                }
            } else if src != -1 {
                check(errpipe, libc::dup2(src, dst), false);
            }
        }
        if let Some(cwd) = &plan.cwd {
            check(errpipe, libc::chdir(cwd.as_ptr()), false);
        }
        if plan.child_umask >= 0 {
            libc::umask(plan.child_umask as libc::mode_t);
        }
        if plan.restore_signals {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            libc::signal(libc::SIGXFSZ, libc::SIG_DFL);
        }
        if plan.call_setsid {
            check(errpipe, libc::setsid(), false);
        }
        if plan.pgid >= 0 {
            check(errpipe, libc::setpgid(0, plan.pgid), false);
        }
        if let Some(g) = &plan.groups {
            check(errpipe, libc::setgroups(g.len(), g.as_ptr()), false);
        }
        if let Some(gid) = plan.gid {
            check(errpipe, libc::setregid(gid, gid), false);
        }
        if let Some(uid) = plan.uid {
            check(errpipe, libc::setreuid(uid, uid), false);
        }
    }
    if !preexec.is_none() && vm.call(preexec, &[]).is_err() {
        child_fail(errpipe, 0, true, b"Exception occurred in preexec_fn.");
    }
    // SAFETY: as above (forked child, prepared data).
    unsafe {
        if plan.close_fds {
            close_open_fds(&plan.keep);
        }
        let argv = ptr_array(&plan.argv);
        let envp = plan.envp.as_ref().map(|e| ptr_array(e));
        let mut saved = 0;
        for exe in &plan.exec_list {
            match &envp {
                Some(envp) => libc::execve(exe.as_ptr(), argv.as_ptr(), envp.as_ptr()),
                None => libc::execv(exe.as_ptr(), argv.as_ptr()),
            };
            let e = last_errno();
            if e != libc::ENOENT && e != libc::ENOTDIR && saved == 0 {
                saved = e;
            }
        }
        let e = if saved != 0 { saved } else { last_errno() };
        child_fail(errpipe, e, true, b"")
    }
}

/// Close every fd >= 3 not in `keep` (sorted), child side.
fn close_open_fds(keep: &[i32]) {
    // SAFETY: plain syscalls on integer descriptors in the forked child.
    unsafe {
        let max = libc::sysconf(libc::_SC_OPEN_MAX).clamp(256, 1 << 20) as i32;
        let mut lo = 3;
        for &k in keep.iter().chain(std::iter::once(&max)) {
            if k < lo {
                continue;
            }
            if k > lo {
                let r = libc::syscall(libc::SYS_close_range, lo as u32, (k - 1) as u32, 0u32);
                if r < 0 {
                    for fd in lo..k {
                        libc::close(fd);
                    }
                }
            }
            lo = k + 1;
        }
    }
}

/// `_posixsubprocess.fork_exec(args, executable_list, close_fds, pass_fds,
/// cwd, env, p2cread, p2cwrite, c2pread, c2pwrite, errread, errwrite,
/// errpipe_read, errpipe_write, restore_signals, call_setsid, pgid_to_set,
/// gid, extra_groups, uid, child_umask, preexec_fn, allow_vfork)`.
fn fork_exec(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("fork_exec", args, 23, 23)?;
    let argv = if a[0].is_none() {
        Vec::new()
    } else {
        let items = vm.collect_iter(&a[0])?;
        argv_bytes(vm, &items)?
    };
    let exec_list = seq_bytes(vm, &a[1], "executable_list")?;
    let close_fds = vm.truthy(&a[2])?;
    let keep_items = vm.collect_iter(&a[3])?;
    let mut keep = Vec::with_capacity(keep_items.len());
    for k in &keep_items {
        let fd = c_int_arg(vm, k)?;
        if fd < 0 || keep.last().is_some_and(|&l| l >= fd) {
            return Err(vm.value_error("bad value(s) in fds_to_keep"));
        }
        keep.push(fd);
    }
    let cwd = if a[4].is_none() {
        None
    } else {
        let b = argv_bytes(vm, std::slice::from_ref(&a[4]))?
            .pop()
            .unwrap_or_default();
        Some(CString::new(b).map_err(|_| vm.value_error("embedded null byte"))?)
    };
    let envp = if a[5].is_none() {
        None
    } else {
        let e = seq_bytes(vm, &a[5], "env")?;
        Some(cstrings(vm, e)?)
    };
    let mut fds = [0i32; 8];
    for (slot, v) in fds.iter_mut().zip(&a[6..14]) {
        *slot = c_int_arg(vm, v)?;
    }
    if close_fds && fds[7] < 3 {
        return Err(vm.value_error("errpipe_write must be >= 3"));
    }
    let restore_signals = vm.truthy(&a[14])?;
    let call_setsid = vm.truthy(&a[15])?;
    let pgid = c_int_arg(vm, &a[16])?;
    let gid = opt_int(vm, &a[17])?.map(|g| g as libc::gid_t);
    let groups = if a[18].is_none() {
        None
    } else {
        let items = vm.collect_iter(&a[18])?;
        let mut g = Vec::with_capacity(items.len());
        for it in items {
            g.push(int_arg(vm, &it)? as libc::gid_t);
        }
        Some(g)
    };
    let uid = opt_int(vm, &a[19])?.map(|u| u as libc::uid_t);
    let child_umask = c_int_arg(vm, &a[20])?;
    let preexec = a[21].clone();
    if !preexec.is_none() && !vm.callable(&preexec) {
        return Err(vm.type_error("preexec_fn must be callable"));
    }
    let plan = ChildPlan {
        argv: cstrings(vm, argv)?,
        exec_list: cstrings(vm, exec_list)?,
        envp,
        cwd,
        keep,
        close_fds,
        fds,
        restore_signals,
        call_setsid,
        pgid,
        child_umask,
        gid,
        groups,
        uid,
    };
    vm.flush_stdout();
    // SAFETY: the VM runs Python on this one thread; the child only runs
    // `child_exec`, which execs or _exits.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        child_exec(vm, &plan, &preexec);
    }
    if pid < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::Int(i64::from(pid)))
}

/// Build the `_posixsubprocess` module.
pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_posixsubprocess");
    vm.add_functions(&m, &[("fork_exec", fork_exec)]);
    Ok(m)
}
