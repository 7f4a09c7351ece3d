//! `os.stat_result` (a struct sequence with 10 visible items and hidden
//! float/ns/size fields, as CPython's) and the metadata calls: `stat`,
//! `lstat`, `fstat`, `chmod`, `utime`, `access`.

use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::util::{
    bool_arg, c_int_arg, module_type, opt_fd, parse_args, path_arg, retry, split_module, PathArg,
};

/// The visible fields (the three integer times are unnamed in CPython but
/// its repr shows them under the float fields' names).
const VISIBLE: [&str; 10] = [
    "st_mode", "st_ino", "st_dev", "st_nlink", "st_uid", "st_gid", "st_size", "st_atime",
    "st_mtime", "st_ctime",
];

/// The fields beyond the sequence (`st_atime` ... `st_rdev`).
const HIDDEN: [&str; 9] = [
    "st_atime",
    "st_mtime",
    "st_ctime",
    "st_atime_ns",
    "st_mtime_ns",
    "st_ctime_ns",
    "st_blksize",
    "st_blocks",
    "st_rdev",
];

/// A hidden field, kept in the instance's dict.
fn hidden(vm: &mut Vm, v: &Value, name: &str) -> PyResult<Value> {
    if let Value::Obj(o) = v {
        if let Some(d) = o.dict() {
            return Ok(vm.dict_get_by_str_nocall(&d, name).unwrap_or(Value::None));
        }
    }
    Ok(Value::None)
}

macro_rules! hidden_getters {
    ($($f:ident => $n:expr),*) => {
        $(fn $f(vm: &mut Vm, v: &Value) -> PyResult<Value> { hidden(vm, v, $n) })*
    };
}
hidden_getters!(
    get_atime => "st_atime", get_mtime => "st_mtime", get_ctime => "st_ctime",
    get_atime_ns => "st_atime_ns", get_mtime_ns => "st_mtime_ns", get_ctime_ns => "st_ctime_ns",
    get_blksize => "st_blksize", get_blocks => "st_blocks", get_rdev => "st_rdev"
);

/// `repr(st)`: the ten visible items under CPython's names.
fn stat_result_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = args.args.first().cloned().unwrap_or(Value::None);
    let items = vm.seq_items(&s).unwrap_or_default();
    let mut parts = Vec::with_capacity(VISIBLE.len());
    for (n, v) in VISIBLE.iter().zip(items.iter()) {
        parts.push(format!("{n}={}", vm.repr(v)?));
    }
    Ok(vm.new_string(format!("os.stat_result({})", parts.join(", "))))
}

/// `os.stat_result(sequence)`: 10 to 19 items; missing hidden fields are
/// None, and float times default to the integer ones.
fn stat_result_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => return Err(vm.type_error("stat_result.__new__(X): X is not a type object")),
    };
    let Some(seq) = args.pos().get(1) else {
        return Err(vm.type_error("os.stat_result() missing required argument 'sequence' (pos 1)"));
    };
    let items = vm.collect_iter(seq)?;
    let n = items.len();
    if n < VISIBLE.len() {
        return Err(vm.type_error(format!(
            "os.stat_result() takes an at least 10-sequence ({n}-sequence given)"
        )));
    }
    if n > VISIBLE.len() + HIDDEN.len() {
        return Err(vm.type_error(format!(
            "os.stat_result() takes an at most 19-sequence ({n}-sequence given)"
        )));
    }
    let mut hidden_vals: Vec<Value> = items.get(VISIBLE.len()..).unwrap_or(&[]).to_vec();
    hidden_vals.resize(HIDDEN.len(), Value::None);
    for i in 0..3 {
        if hidden_vals.get(i).is_some_and(|v| v.is_none()) {
            hidden_vals[i] = items.get(7 + i).cloned().unwrap_or(Value::None);
        }
    }
    let visible = items.get(..VISIBLE.len()).unwrap_or(&[]).to_vec();
    make_stat_result(vm, &cls, visible, hidden_vals)
}

fn make_stat_result(
    vm: &mut Vm,
    cls: &PyRef,
    visible: Vec<Value>,
    hidden_vals: Vec<Value>,
) -> PyResult<Value> {
    let o = vm.new_obj(cls, Payload::Tuple(visible.into()));
    // The hidden fields' dict, built at its final size with interned
    // keys (distinct, hashed once for the run): no resize, no probing for
    // an existing key.
    let mut table = crate::objects::dicttable::DictTable::with_capacity(HIDDEN.len());
    for (n, v) in HIDDEN.iter().zip(hidden_vals) {
        let k = vm.intern_static(n);
        let h = match &k.payload {
            Payload::Str(s) => s.hash(),
            _ => continue,
        };
        table.insert_new(h, Value::Obj(k), v);
    }
    let dict_type = vm.types.dict.clone();
    let d = vm.new_obj(
        &dict_type,
        Payload::Dict(Box::new(std::cell::RefCell::new(table))),
    );
    o.set_dict(Some(d));
    Ok(Value::Obj(o))
}

/// Make the `os.stat_result` type.
pub fn make_stat_result_type(vm: &mut Vm) -> PyRef {
    let t = vm.new_structseq_type("os", "stat_result", &VISIBLE, true);
    let named: Vec<Value> = VISIBLE.iter().take(7).map(|f| vm.new_str(f)).collect();
    let named = vm.new_tuple(named);
    vm.add_type_attr(&t, "__match_args__", named);
    vm.add_type_attr(&t, "n_fields", Value::Int(19));
    vm.add_type_attr(&t, "n_sequence_fields", Value::Int(10));
    vm.add_type_attr(&t, "n_unnamed_fields", Value::Int(3));
    vm.add_getsets(
        &t,
        &[
            ("st_atime", get_atime, None),
            ("st_mtime", get_mtime, None),
            ("st_ctime", get_ctime, None),
            ("st_atime_ns", get_atime_ns, None),
            ("st_mtime_ns", get_mtime_ns, None),
            ("st_ctime_ns", get_ctime_ns, None),
            ("st_blksize", get_blksize, None),
            ("st_blocks", get_blocks, None),
            ("st_rdev", get_rdev, None),
        ],
    );
    vm.add_methods(&t, &[("__repr__", stat_result_repr)]);
    vm.add_staticmethods(&t, &[("__new__", stat_result_new)]);
    t
}

/// An unsigned C value as an int.
pub fn uint(vm: &Vm, x: u64) -> Value {
    match i64::try_from(x) {
        Ok(i) => Value::Int(i),
        Err(_) => vm.new_bigint(num_bigint::BigInt::from(x)),
    }
}

fn ns_value(vm: &Vm, sec: i64, nsec: i64) -> Value {
    let total = i128::from(sec) * 1_000_000_000 + i128::from(nsec);
    match i64::try_from(total) {
        Ok(i) => Value::Int(i),
        Err(_) => vm.new_bigint(num_bigint::BigInt::from(total)),
    }
}

/// Build a stat_result from a `struct stat`.
pub fn stat_to_value(vm: &mut Vm, m: &PyRef, st: &libc::stat) -> PyResult<Value> {
    let cls = module_type(vm, m, "stat_result")?;
    let times = [
        (st.st_atime, st.st_atime_nsec),
        (st.st_mtime, st.st_mtime_nsec),
        (st.st_ctime, st.st_ctime_nsec),
    ];
    // Both vectors made at their final sizes (growing them was two
    // reallocations a stat).
    let mut visible = Vec::with_capacity(VISIBLE.len());
    visible.extend([
        Value::Int(i64::from(st.st_mode)),
        uint(vm, st.st_ino),
        uint(vm, st.st_dev),
        uint(vm, st.st_nlink),
        Value::Int(i64::from(st.st_uid)),
        Value::Int(i64::from(st.st_gid)),
        Value::Int(st.st_size),
    ]);
    visible.extend(times.iter().map(|(s, _)| Value::Int(*s)));
    let mut hidden_vals: Vec<Value> = Vec::with_capacity(HIDDEN.len());
    hidden_vals.extend(
        times
            .iter()
            .map(|(s, ns)| Value::float(*s as f64 + *ns as f64 * 1e-9)),
    );
    hidden_vals.extend(times.iter().map(|(s, ns)| ns_value(vm, *s, *ns)));
    hidden_vals.push(Value::Int(st.st_blksize));
    hidden_vals.push(Value::Int(st.st_blocks));
    hidden_vals.push(uint(vm, st.st_rdev));
    make_stat_result(vm, &cls, visible, hidden_vals)
}

/// `stat`/`fstatat`/`fstat` on a converted path; Err(errno).
pub fn do_stat(p: &PathArg, dir_fd: Option<i32>, follow: bool) -> Result<libc::stat, i32> {
    // SAFETY: libc::stat is plain old data; all-zero is a valid value.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    let r = if p.fd == Some(-1) {
        // CPython takes fd -1 for "no fd" and stats a NULL path.
        Err(libc::EFAULT)
    } else if let Some(fd) = p.fd {
        // SAFETY: `st` is a valid out-pointer for the duration of the call.
        retry(|| unsafe { libc::fstat(fd, &mut st) })
    } else {
        let c = p.c();
        let flags = if follow { 0 } else { libc::AT_SYMLINK_NOFOLLOW };
        let dfd = dir_fd.unwrap_or(libc::AT_FDCWD);
        // SAFETY: `c` is a NUL-terminated path alive across the call; `st`
        // is a valid out-pointer.
        retry(|| unsafe { libc::fstatat(dfd, c.as_ptr(), &mut st, flags) })
    };
    r.map(|_| st)
}

fn stat_common(vm: &mut Vm, args: Args, name: &str, follow_default: bool) -> PyResult<Value> {
    let (m, args) = split_module(vm, args)?;
    let names: &[&str] = if name == "lstat" {
        &["path", "dir_fd"]
    } else {
        &["path", "dir_fd", "follow_symlinks"]
    };
    let a = parse_args(vm, &args, name, names, 1, 1)?;
    let p = path_arg(vm, name, "path", a[0].as_ref(), name == "stat", false)?;
    let dir_fd = opt_fd(vm, &a[1])?;
    let follow = bool_arg(vm, a.get(2).unwrap_or(&None), follow_default)?;
    match do_stat(&p, dir_fd, follow) {
        Ok(st) => stat_to_value(vm, &m, &st),
        Err(e) => Err(vm.os_error(e, p.err_name(), None)),
    }
}

/// `os.stat(path, *, dir_fd=None, follow_symlinks=True)`.
pub fn posix_stat(vm: &mut Vm, args: Args) -> PyResult<Value> {
    stat_common(vm, args, "stat", true)
}

/// `os.lstat(path, *, dir_fd=None)`.
pub fn posix_lstat(vm: &mut Vm, args: Args) -> PyResult<Value> {
    stat_common(vm, args, "lstat", false)
}

/// `os.fstat(fd)`.
pub fn posix_fstat(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split_module(vm, args)?;
    let a = parse_args(vm, &args, "fstat", &["fd"], 1, 1)?;
    let fd = c_int_arg(vm, a[0].as_ref().unwrap_or(&Value::None))?;
    let p = PathArg {
        raw: Vec::new(),
        fd: Some(fd),
        is_bytes: false,
        obj: Value::None,
    };
    match do_stat(&p, None, true) {
        Ok(st) => stat_to_value(vm, &m, &st),
        Err(e) => Err(vm.os_error(e, None, None)),
    }
}

/// `os.chmod(path, mode, *, dir_fd=None, follow_symlinks=True)`.
pub fn posix_chmod(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(
        vm,
        &args,
        "chmod",
        &["path", "mode", "dir_fd", "follow_symlinks"],
        2,
        2,
    )?;
    let p = path_arg(vm, "chmod", "path", a[0].as_ref(), true, false)?;
    let mode = c_int_arg(vm, a[1].as_ref().unwrap_or(&Value::None))? as libc::mode_t;
    let dir_fd = opt_fd(vm, &a[2])?;
    let follow = bool_arg(vm, &a[3], true)?;
    let r = if let Some(fd) = p.fd {
        // SAFETY: plain syscall on an integer descriptor.
        retry(|| unsafe { libc::fchmod(fd, mode) })
    } else {
        let c = p.c();
        let flags = if follow { 0 } else { libc::AT_SYMLINK_NOFOLLOW };
        let dfd = dir_fd.unwrap_or(libc::AT_FDCWD);
        // SAFETY: `c` is a NUL-terminated path alive across the call.
        retry(|| unsafe { libc::fchmodat(dfd, c.as_ptr(), mode, flags) })
    };
    match r {
        Ok(_) => Ok(Value::None),
        Err(e) if !follow && p.fd.is_none() && (e == libc::ENOTSUP || e == libc::EOPNOTSUPP) => {
            Err(vm.new_error(
                crate::objects::exception::ExcKind::NotImplementedError,
                "chmod: follow_symlinks unavailable on this platform",
            ))
        }
        Err(e) => Err(vm.os_error(e, p.err_name(), None)),
    }
}

/// A time in seconds (int or float) as a timespec, rounding toward
/// negative infinity as CPython's utime does.
fn timespec_of(vm: &mut Vm, v: &Value) -> PyResult<libc::timespec> {
    match v {
        Value::Float(f) => {
            if !f.is_finite() {
                return Err(vm.value_error("Invalid value NaN (not a number)"));
            }
            let sec = f.floor();
            let mut nsec = ((f.get() - sec) * 1e9).floor();
            let mut sec = sec as i64;
            if nsec >= 1e9 {
                nsec -= 1e9;
                sec += 1;
            }
            Ok(libc::timespec {
                tv_sec: sec,
                tv_nsec: nsec as i64,
            })
        }
        _ => {
            let s = super::util::int_arg(vm, v)?;
            Ok(libc::timespec {
                tv_sec: s,
                tv_nsec: 0,
            })
        }
    }
}

fn pair(v: &Value) -> Option<(Value, Value)> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(items) if items.len() == 2 => Some((items[0].clone(), items[1].clone())),
            _ => None,
        },
        _ => None,
    }
}

/// `os.utime(path, times=None, *, ns=None, dir_fd=None, follow_symlinks=True)`.
pub fn posix_utime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(
        vm,
        &args,
        "utime",
        &["path", "times", "ns", "dir_fd", "follow_symlinks"],
        1,
        2,
    )?;
    let p = path_arg(vm, "utime", "path", a[0].as_ref(), true, false)?;
    let times = a[1].clone().filter(|v| !v.is_none());
    let ns = a[2].clone();
    if times.is_some() && ns.is_some() {
        return Err(vm.value_error("utime: you may specify either 'times' or 'ns' but not both"));
    }
    let ts: Option<[libc::timespec; 2]> = if let Some(t) = times {
        let Some((x, y)) = pair(&t) else {
            return Err(vm.type_error("utime: 'times' must be either a tuple of two ints or None"));
        };
        Some([timespec_of(vm, &x)?, timespec_of(vm, &y)?])
    } else if let Some(n) = ns {
        let Some((x, y)) = pair(&n) else {
            return Err(vm.type_error("utime: 'ns' must be a tuple of two ints"));
        };
        let mut out = [libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        }; 2];
        for (slot, v) in out.iter_mut().zip([x, y]) {
            let n = super::util::int_arg(vm, &v)?;
            *slot = libc::timespec {
                tv_sec: n.div_euclid(1_000_000_000),
                tv_nsec: n.rem_euclid(1_000_000_000),
            };
        }
        Some(out)
    } else {
        None
    };
    let dir_fd = opt_fd(vm, &a[3])?;
    let follow = bool_arg(vm, &a[4], true)?;
    let ptr = ts.as_ref().map_or(std::ptr::null(), |t| t.as_ptr());
    let r = if let Some(fd) = p.fd {
        // SAFETY: `ptr` is null or points at two timespecs alive across the call.
        retry(|| unsafe { libc::futimens(fd, ptr) })
    } else {
        let c = p.c();
        let flags = if follow { 0 } else { libc::AT_SYMLINK_NOFOLLOW };
        let dfd = dir_fd.unwrap_or(libc::AT_FDCWD);
        // SAFETY: `c` is a NUL-terminated path and `ptr` null or two
        // timespecs, both alive across the call.
        retry(|| unsafe { libc::utimensat(dfd, c.as_ptr(), ptr, flags) })
    };
    match r {
        Ok(_) => Ok(Value::None),
        // CPython's os_utime_impl raises posix_error(): no filename.
        Err(e) => Err(vm.os_error(e, None, None)),
    }
}

/// `os.access(path, mode, *, dir_fd=None, effective_ids=False, follow_symlinks=True)`.
pub fn posix_access(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(
        vm,
        &args,
        "access",
        &["path", "mode", "dir_fd", "effective_ids", "follow_symlinks"],
        2,
        2,
    )?;
    let p = path_arg(vm, "access", "path", a[0].as_ref(), false, false)?;
    let mode = c_int_arg(vm, a[1].as_ref().unwrap_or(&Value::None))?;
    let dir_fd = opt_fd(vm, &a[2])?;
    let eff = bool_arg(vm, &a[3], false)?;
    let follow = bool_arg(vm, &a[4], true)?;
    let mut flags = 0;
    if eff {
        flags |= libc::AT_EACCESS;
    }
    if !follow {
        flags |= libc::AT_SYMLINK_NOFOLLOW;
    }
    let c = p.c();
    let dfd = dir_fd.unwrap_or(libc::AT_FDCWD);
    // SAFETY: `c` is a NUL-terminated path alive across the call.
    let r = unsafe { libc::faccessat(dfd, c.as_ptr(), mode, flags) };
    Ok(Value::bool(r == 0))
}
