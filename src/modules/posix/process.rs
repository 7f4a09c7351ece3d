//! Process calls of `posix`: ids, `kill`, `fork` (with `register_at_fork`
//! hooks), `execv`/`execve`, `_exit`, `waitpid`/`wait` and the `W*` status
//! macros, `times`, `uname`, `system`, `abort`.

use std::ffi::CString;

use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::util::{
    c_int_arg, cstrings, fsencode_str, int_arg, module_type, parse_args, path_arg, split_module,
};

macro_rules! id_getters {
    ($($f:ident => $name:expr, $call:ident),*) => {
        $(
            #[doc = concat!("`os.", $name, "()`.")]
            pub fn $f(vm: &mut Vm, args: Args) -> PyResult<Value> {
                vm.fn_args($name, args, 0, 0)?;
                // SAFETY: a query with no arguments that cannot fail.
                Ok(Value::Int(i64::from(unsafe { libc::$call() })))
            }
        )*
    };
}
id_getters!(
    posix_getpid => "getpid", getpid,
    posix_getppid => "getppid", getppid,
    posix_getuid => "getuid", getuid,
    posix_geteuid => "geteuid", geteuid,
    posix_getgid => "getgid", getgid,
    posix_getegid => "getegid", getegid,
    posix_getpgrp => "getpgrp", getpgrp
);

/// `os.getgroups()`.
pub fn posix_getgroups(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("posix.getgroups", args, 0, 0)?;
    let mut groups = vec![0 as libc::gid_t; 256];
    // SAFETY: `groups` has room for `groups.len()` entries.
    let n = unsafe { libc::getgroups(groups.len() as i32, groups.as_mut_ptr()) };
    if n < 0 {
        return Err(vm.last_os_error(None));
    }
    groups.truncate(n as usize);
    let items = groups
        .into_iter()
        .map(|g| Value::Int(i64::from(g)))
        .collect();
    Ok(vm.new_list(items))
}

/// `os.getpgid(pid)`.
pub fn posix_getpgid(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.getpgid", args, 1, 1)?;
    let pid = c_int_arg(vm, &a[0])?;
    // SAFETY: plain syscall on an integer.
    let r = unsafe { libc::getpgid(pid) };
    if r < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::Int(i64::from(r)))
}

/// `os.setsid()`.
pub fn posix_setsid(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("posix.setsid", args, 0, 0)?;
    // SAFETY: plain syscall without arguments.
    if unsafe { libc::setsid() } < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

/// `os.setpgid(pid, pgrp)`.
pub fn posix_setpgid(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.setpgid", args, 2, 2)?;
    let pid = c_int_arg(vm, &a[0])?;
    let pg = c_int_arg(vm, &a[1])?;
    // SAFETY: plain syscall on integers.
    if unsafe { libc::setpgid(pid, pg) } < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

/// `os.getlogin()`.
pub fn posix_getlogin(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("posix.getlogin", args, 0, 0)?;
    // SAFETY: getlogin returns NULL or a NUL-terminated name in static
    // storage, copied out at once.
    let name = unsafe {
        let p = libc::getlogin();
        if p.is_null() {
            None
        } else {
            Some(std::ffi::CStr::from_ptr(p).to_bytes().to_vec())
        }
    };
    match name {
        Some(n) => Ok(super::util::fsdecode(vm, &n)),
        None => Err(vm.last_os_error(None)),
    }
}

/// `os.kill(pid, signal)`.
pub fn posix_kill(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.kill", args, 2, 2)?;
    let pid = c_int_arg(vm, &a[0])?;
    let sig = c_int_arg(vm, &a[1])?;
    // SAFETY: plain syscall on integers.
    if unsafe { libc::kill(pid, sig) } < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

/// `os.killpg(pgid, signal)`.
pub fn posix_killpg(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.killpg", args, 2, 2)?;
    let pid = c_int_arg(vm, &a[0])?;
    let sig = c_int_arg(vm, &a[1])?;
    // SAFETY: plain syscall on integers.
    if unsafe { libc::killpg(pid, sig) } < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

/// `os._exit(status)`: exit at once (no cleanup or atexit handlers).
pub fn posix_exit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "_exit", &["status"], 1, 1)?;
    let code = c_int_arg(vm, a[0].as_ref().unwrap_or(&Value::None))?;
    // What print() left in the buffer is lost, as in CPython (write_stdout
    // flushed already when stdout is unbuffered or line-buffered).
    // SAFETY: _exit never returns; nothing is left half-done in Rust.
    unsafe { libc::_exit(code) }
}

/// `os.abort()`.
pub fn posix_abort(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("posix.abort", args, 0, 0)?;
    std::process::abort()
}

/// The hook lists `register_at_fork` keeps on the module.
const HOOKS: [&str; 3] = [
    "_fork_before_hooks",
    "_fork_child_hooks",
    "_fork_parent_hooks",
];

fn hook_list(vm: &mut Vm, m: &PyRef, which: usize) -> Value {
    let name = HOOKS.get(which).copied().unwrap_or("_fork_before_hooks");
    match vm.get_attr_raw(m, name) {
        Some(l) => l,
        None => {
            let l = vm.new_list(vec![]);
            vm.set_attr_raw(m, name, l.clone());
            l
        }
    }
}

/// `os.register_at_fork(*, before=None, after_in_child=None, after_in_parent=None)`.
pub fn posix_register_at_fork(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split_module(vm, args)?;
    let a = parse_args(
        vm,
        &args,
        "register_at_fork",
        &["before", "after_in_child", "after_in_parent"],
        0,
        0,
    )?;
    if a.iter().all(|v| v.is_none()) {
        return Err(vm.type_error("At least one argument is required."));
    }
    for (i, (v, what)) in a
        .iter()
        .zip(["before", "after_in_child", "after_in_parent"])
        .enumerate()
    {
        if let Some(f) = v {
            if !vm.callable(f) {
                return Err(vm.type_error(format!(
                    "'{what}' must be callable, not {}",
                    vm.type_name_of(f)
                )));
            }
            let l = hook_list(vm, &m, i);
            vm.call_method(&l, "append", std::slice::from_ref(f))?;
        }
    }
    Ok(Value::None)
}

/// Run fork hooks; `reverse` for the `before` list (last registered first).
fn run_hooks(vm: &mut Vm, m: &PyRef, which: usize, reverse: bool) {
    let l = hook_list(vm, m, which);
    let mut items = vm.seq_items(&l).unwrap_or_default();
    if reverse {
        items.reverse();
    }
    for f in items {
        if let Err(e) = vm.call(&f, &[]) {
            vm.write_unraisable(&e, &f);
        }
    }
}

/// `os.fork()`.
pub fn posix_fork(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split_module(vm, args)?;
    vm.fn_args("posix.fork", args, 0, 0)?;
    run_hooks(vm, &m, 0, true);
    // The child must not inherit (and later repeat) buffered output.
    vm.flush_stdout();
    // SAFETY: the VM runs Python on one thread; the child continues only
    // on this thread, which owns all interpreter state.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        let e = vm.last_os_error(None);
        run_hooks(vm, &m, 2, false);
        return Err(e);
    }
    if pid == 0 {
        crate::vm::gil::after_fork_child();
    }
    run_hooks(vm, &m, if pid == 0 { 1 } else { 2 }, false);
    Ok(Value::Int(i64::from(pid)))
}

/// Encode argv items (str, bytes or PathLike) for exec.
pub fn argv_bytes(vm: &mut Vm, items: &[Value]) -> PyResult<Vec<Vec<u8>>> {
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        let p = super::util::fspath(vm, it)?;
        let b = match super::util::bytes_of(&p) {
            Some(b) => b.to_vec(),
            None => fsencode_str(vm, &p)?.unwrap_or_default(),
        };
        out.push(b);
    }
    Ok(out)
}

/// Encode an environment mapping as `KEY=VALUE` byte strings.
pub fn env_bytes(vm: &mut Vm, env: &Value) -> PyResult<Vec<Vec<u8>>> {
    let keys = vm.call_method(env, "keys", &[])?;
    let keys = vm.collect_iter(&keys)?;
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        let v = vm.getitem(env, &k)?;
        let kb = argv_bytes(vm, std::slice::from_ref(&k))?
            .pop()
            .unwrap_or_default();
        let vb = argv_bytes(vm, std::slice::from_ref(&v))?
            .pop()
            .unwrap_or_default();
        if kb.is_empty() || kb.contains(&b'=') {
            return Err(vm.value_error("illegal environment variable name"));
        }
        let mut e = kb;
        e.push(b'=');
        e.extend(vb);
        out.push(e);
    }
    Ok(out)
}

/// A NULL-terminated pointer array over C strings (which must outlive it).
pub fn ptr_array(items: &[CString]) -> Vec<*const libc::c_char> {
    let mut v: Vec<*const libc::c_char> = items.iter().map(|c| c.as_ptr()).collect();
    v.push(std::ptr::null());
    v
}

fn exec_common(vm: &mut Vm, args: Args, name: &str, with_env: bool) -> PyResult<Value> {
    let names: &[&str] = if with_env {
        &["path", "argv", "env"]
    } else {
        &["path", "argv"]
    };
    let a = parse_args(vm, &args, name, names, names.len(), names.len())?;
    let p = path_arg(vm, name, "path", a[0].as_ref(), false, false)?;
    let argv_obj = a[1].clone().unwrap_or(Value::None);
    let is_seq = matches!(&argv_obj, Value::Obj(o) if matches!(o.payload,
        crate::objects::Payload::Tuple(_) | crate::objects::Payload::List(_)));
    if !is_seq {
        return Err(vm.type_error(format!("{name}() arg 2 must be a tuple or list")));
    }
    let items = vm.seq_items(&argv_obj).unwrap_or_default();
    if items.is_empty() {
        return Err(vm.value_error(format!("{name}() arg 2 must not be empty")));
    }
    let argv = argv_bytes(vm, &items)?;
    if argv.first().is_some_and(|a| a.is_empty()) {
        return Err(vm.value_error(format!("{name}() arg 2 first element cannot be empty")));
    }
    let argv = cstrings(vm, argv)?;
    let envp = match a.get(2).cloned().flatten() {
        Some(env) => {
            let e = env_bytes(vm, &env)?;
            Some(cstrings(vm, e)?)
        }
        None => None,
    };
    let c = p.c();
    let argv_p = ptr_array(&argv);
    vm.flush_stdout();
    match &envp {
        Some(envp) => {
            let envp_p = ptr_array(envp);
            // SAFETY: path, argv and envp are NUL-terminated strings in
            // NULL-terminated arrays that outlive the call.
            unsafe { libc::execve(c.as_ptr(), argv_p.as_ptr(), envp_p.as_ptr()) };
        }
        None => {
            // SAFETY: path and argv are NUL-terminated strings in a
            // NULL-terminated array that outlive the call.
            unsafe { libc::execv(c.as_ptr(), argv_p.as_ptr()) };
        }
    }
    Err(vm.last_os_error(p.err_name()))
}

/// `os.execv(path, argv)`.
pub fn posix_execv(vm: &mut Vm, args: Args) -> PyResult<Value> {
    exec_common(vm, args, "execv", false)
}

/// `os.execve(path, argv, env)`.
pub fn posix_execve(vm: &mut Vm, args: Args) -> PyResult<Value> {
    exec_common(vm, args, "execve", true)
}

/// `os.waitpid(pid, options)` → `(pid, status)`.
pub fn posix_waitpid(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.waitpid", args, 2, 2)?;
    let pid = c_int_arg(vm, &a[0])?;
    let opts = c_int_arg(vm, &a[1])?;
    let mut status = 0;
    // SAFETY: `status` is a valid out-pointer for the call.
    let r = vm
        .allow_threads(|| super::util::retry(|| unsafe { libc::waitpid(pid, &mut status, opts) }));
    let r = r.map_err(|e| vm.os_error(e, None, None))?;
    Ok(vm.new_tuple_of([Value::Int(i64::from(r)), Value::Int(i64::from(status))]))
}

/// `os.wait()` → `(pid, status)`.
pub fn posix_wait(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("posix.wait", args, 0, 0)?;
    let mut status = 0;
    // SAFETY: `status` is a valid out-pointer for the call.
    let r = super::util::retry(|| unsafe { libc::wait(&mut status) });
    let r = r.map_err(|e| vm.os_error(e, None, None))?;
    Ok(vm.new_tuple_of([Value::Int(i64::from(r)), Value::Int(i64::from(status))]))
}

fn status_arg(vm: &mut Vm, args: &Args, name: &str) -> PyResult<i32> {
    let a = parse_args(vm, args, name, &["status"], 1, 1)?;
    c_int_arg(vm, a[0].as_ref().unwrap_or(&Value::None))
}

/// `os.waitstatus_to_exitcode(status)`.
pub fn posix_waitstatus_to_exitcode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = status_arg(vm, &args, "waitstatus_to_exitcode")?;
    if libc::WIFEXITED(s) {
        return Ok(Value::Int(i64::from(libc::WEXITSTATUS(s))));
    }
    if libc::WIFSIGNALED(s) {
        return Ok(Value::Int(-i64::from(libc::WTERMSIG(s))));
    }
    if libc::WIFSTOPPED(s) {
        return Err(vm.value_error(format!(
            "process stopped by delivery of signal {}",
            libc::WSTOPSIG(s)
        )));
    }
    Err(vm.value_error(format!("invalid wait status: {s}")))
}

macro_rules! wait_macros {
    ($($f:ident => $name:expr, $m:ident, $kind:ident),*) => {
        $(
            #[doc = concat!("`os.", $name, "(status)`.")]
            pub fn $f(vm: &mut Vm, args: Args) -> PyResult<Value> {
                let s = status_arg(vm, &args, $name)?;
                Ok(wait_macros!(@wrap $kind, libc::$m(s)))
            }
        )*
    };
    (@wrap bool, $e:expr) => { Value::bool($e) };
    (@wrap int, $e:expr) => { Value::Int(i64::from($e)) };
}
wait_macros!(
    posix_wifexited => "WIFEXITED", WIFEXITED, bool,
    posix_wifsignaled => "WIFSIGNALED", WIFSIGNALED, bool,
    posix_wifstopped => "WIFSTOPPED", WIFSTOPPED, bool,
    posix_wifcontinued => "WIFCONTINUED", WIFCONTINUED, bool,
    posix_wcoredump => "WCOREDUMP", WCOREDUMP, bool,
    posix_wexitstatus => "WEXITSTATUS", WEXITSTATUS, int,
    posix_wtermsig => "WTERMSIG", WTERMSIG, int,
    posix_wstopsig => "WSTOPSIG", WSTOPSIG, int
);

/// `os.times()` → `posix.times_result`.
pub fn posix_times(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split_module(vm, args)?;
    vm.fn_args("posix.times", args, 0, 0)?;
    // SAFETY: libc::tms is plain old data; times fills it.
    let mut t: libc::tms = unsafe { std::mem::zeroed() };
    // SAFETY: `t` is a valid out-pointer for the call.
    let c = unsafe { libc::times(&mut t) };
    // SAFETY: plain sysconf query.
    let tick = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let cls = module_type(vm, &m, "times_result")?;
    let f = |x: libc::clock_t| Value::float(x as f64 / tick);
    let vals = vec![
        f(t.tms_utime),
        f(t.tms_stime),
        f(t.tms_cutime),
        f(t.tms_cstime),
        f(c),
    ];
    Ok(vm.new_structseq(&cls, vals))
}

/// `os.uname()` → `posix.uname_result`.
pub fn posix_uname(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split_module(vm, args)?;
    vm.fn_args("posix.uname", args, 0, 0)?;
    // SAFETY: utsname is plain old data; uname fills it.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid out-pointer for the call.
    if unsafe { libc::uname(&mut u) } < 0 {
        return Err(vm.last_os_error(None));
    }
    let field = |vm: &Vm, f: &[libc::c_char]| {
        let b: Vec<u8> = f
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        super::util::fsdecode(vm, &b)
    };
    let vals = vec![
        field(vm, &u.sysname),
        field(vm, &u.nodename),
        field(vm, &u.release),
        field(vm, &u.version),
        field(vm, &u.machine),
    ];
    let cls = module_type(vm, &m, "uname_result")?;
    Ok(vm.new_structseq(&cls, vals))
}

/// `os.system(command)`.
pub fn posix_system(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "system", &["command"], 1, 1)?;
    let cmd = argv_bytes(vm, &[a[0].clone().unwrap_or(Value::None)])?;
    let cmd = cstrings(vm, cmd)?;
    let Some(c) = cmd.first() else {
        return Ok(Value::Int(-1));
    };
    vm.flush_stdout();
    // SAFETY: `c` is a NUL-terminated command alive across the call.
    let r = unsafe { libc::system(c.as_ptr()) };
    Ok(Value::Int(i64::from(r)))
}

/// `os.nice(increment)`.
pub fn posix_nice(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("posix.nice", args, 1, 1)?;
    let inc = int_arg(vm, &a[0])? as i32;
    super::dirs::clear_errno();
    // SAFETY: plain syscall on an integer.
    let r = unsafe { libc::nice(inc) };
    if r == -1 && super::util::last_errno() != 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::Int(i64::from(r)))
}
