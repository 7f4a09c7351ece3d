//! The `_socket.socket` type: a file descriptor with a family, type,
//! protocol and timeout. Blocking sockets call the C functions directly
//! (retrying on EINTR after running signal handlers); sockets with a
//! timeout are non-blocking underneath and wait with poll(2) first, as
//! CPython's `sock_call_ex` does.

use std::cell::Cell;
use std::time::{Duration, Instant};

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

use super::addr::{make_sockaddr, sockaddr_arg, SockAddr};
use super::sockio;
use crate::modules::posix::util::{c_int_arg, last_errno, parse_args};

/// The state of a socket object.
pub struct SockState {
    pub fd: Cell<i32>,
    pub family: Cell<i32>,
    pub kind: Cell<i32>,
    pub proto: Cell<i32>,
    /// Seconds; negative means None (blocking).
    pub timeout: Cell<f64>,
}

impl NativeData for SockState {}

impl Drop for SockState {
    fn drop(&mut self) {
        let fd = self.fd.get();
        if fd >= 0 {
            // SAFETY: the object owns this descriptor and is going away.
            unsafe { libc::close(fd) };
        }
    }
}

/// Build the `_socket.socket` type.
pub fn make_type(vm: &mut Vm) -> PyRef {
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "_socket",
        "socket",
        &object,
        Layout::Native("socket"),
        FLAG_BASETYPE,
    );
    vm.add_staticmethods(&t, &[("__new__", sock_new)]);
    vm.add_methods(
        &t,
        &[
            ("__init__", sock_init),
            ("__repr__", sock_repr),
            ("_accept", sock_accept),
            ("bind", sock_bind),
            ("close", sock_close),
            ("connect", sock_connect),
            ("connect_ex", sock_connect_ex),
            ("detach", sock_detach),
            ("fileno", sock_fileno),
            ("getblocking", sock_getblocking),
            ("getpeername", sock_getpeername),
            ("getsockname", sock_getsockname),
            ("getsockopt", sock_getsockopt),
            ("gettimeout", sock_gettimeout),
            ("listen", sock_listen),
            ("setblocking", sock_setblocking),
            ("setsockopt", sock_setsockopt),
            ("settimeout", sock_settimeout),
            ("shutdown", sock_shutdown),
        ],
    );
    sockio::add_methods(vm, &t);
    vm.add_getsets(
        &t,
        &[
            ("family", sock_family, None),
            ("type", sock_type, None),
            ("proto", sock_proto, None),
            ("timeout", sock_timeout_get, None),
        ],
    );
    t
}

/// A fresh, unopened socket state.
pub fn new_state(fd: i32, family: i32, kind: i32, proto: i32, timeout: f64) -> SockState {
    SockState {
        fd: Cell::new(fd),
        family: Cell::new(family),
        kind: Cell::new(kind),
        proto: Cell::new(proto),
        timeout: Cell::new(timeout),
    }
}

fn sock_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) if matches!(c.payload, Payload::Type(_)) => c.clone(),
        _ => return Err(vm.type_error("socket.__new__(X): X is not a type object")),
    };
    Ok(Value::Obj(vm.new_native(
        &cls,
        new_state(-1, libc::AF_INET, libc::SOCK_STREAM, 0, -1.0),
    )))
}

pub fn state<'a>(vm: &Vm, args: &Args<'a>, meth: &str) -> PyResult<&'a SockState> {
    vm.native_self::<SockState>(args, "_socket.socket", meth)
}

/// Put the descriptor in blocking or non-blocking mode.
pub fn set_blocking_fd(vm: &mut Vm, fd: i32, blocking: bool) -> PyResult<()> {
    // SAFETY: fcntl on a descriptor; failure is reported by errno.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(vm.last_os_error(None));
    }
    let new = if blocking {
        flags & !libc::O_NONBLOCK
    } else {
        flags | libc::O_NONBLOCK
    };
    // SAFETY: as above.
    if new != flags && unsafe { libc::fcntl(fd, libc::F_SETFL, new) } < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(())
}

/// An int socket option of `fd`.
fn sockopt_int(fd: i32, level: i32, name: i32) -> Result<i32, i32> {
    let mut v: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `v` and `len` are valid out-parameters of the sizes given.
    let r = unsafe {
        libc::getsockopt(
            fd,
            level,
            name,
            (&mut v as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if r < 0 {
        Err(last_errno())
    } else {
        Ok(v)
    }
}

fn opt_int(vm: &mut Vm, v: &Option<Value>, default: i32) -> PyResult<i32> {
    match v {
        None | Some(Value::None) => Ok(default),
        Some(v) => c_int_arg(vm, v),
    }
}

/// `socket.__init__(family=-1, type=-1, proto=-1, fileno=None)`.
fn sock_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "__init__")?;
    let rest = Args {
        args: args.args.get(1..).unwrap_or(&[]),
        kwnames: args.kwnames,
    };
    let a = parse_args(
        vm,
        &rest,
        "socket",
        &["family", "type", "proto", "fileno"],
        0,
        4,
    )?;
    let mut family = opt_int(vm, &a[0], -1)?;
    let mut kind = opt_int(vm, &a[1], -1)?;
    let mut proto = opt_int(vm, &a[2], -1)?;
    let fd = match &a[3] {
        None | Some(Value::None) => {
            if family == -1 {
                family = libc::AF_INET;
            }
            if kind == -1 {
                kind = libc::SOCK_STREAM;
            }
            if proto == -1 {
                proto = 0;
            }
            // SAFETY: socket(2) with caller-supplied integers; failure is
            // reported by errno.
            let fd = unsafe { libc::socket(family, kind | libc::SOCK_CLOEXEC, proto) };
            if fd < 0 {
                return Err(vm.last_os_error(None));
            }
            fd
        }
        Some(Value::Float(_)) => {
            return Err(vm.type_error("'float' object cannot be interpreted as an integer"))
        }
        Some(v) => {
            let fd = c_int_arg(vm, v)?;
            if fd < 0 {
                return Err(vm.value_error("negative file descriptor"));
            }
            for (slot, opt) in [
                (&mut family, libc::SO_DOMAIN),
                (&mut kind, libc::SO_TYPE),
                (&mut proto, libc::SO_PROTOCOL),
            ] {
                if *slot == -1 {
                    *slot = sockopt_int(fd, libc::SOL_SOCKET, opt)
                        .map_err(|e| vm.os_error(e, None, None))?;
                }
            }
            fd
        }
    };
    let old = st.fd.replace(fd);
    if old >= 0 && old != fd {
        // SAFETY: re-initialising closes the descriptor this object owned.
        unsafe { libc::close(old) };
    }
    st.family.set(family);
    st.kind
        .set(kind & !(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC));
    st.proto.set(proto);
    if kind & libc::SOCK_NONBLOCK != 0 {
        st.timeout.set(0.0);
    } else {
        let t = super::default_timeout();
        st.timeout.set(t);
        if t >= 0.0 {
            set_blocking_fd(vm, fd, false)?;
        }
    }
    Ok(Value::None)
}

fn sock_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "__repr__")?;
    Ok(vm.new_string(format!(
        "<socket object, fd={}, family={}, type={}, proto={}>",
        st.fd.get(),
        st.family.get(),
        st.kind.get(),
        st.proto.get()
    )))
}

fn sock_family(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    sock_field(vm, v, |s| s.family.get())
}

fn sock_type(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    sock_field(vm, v, |s| s.kind.get())
}

fn sock_proto(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    sock_field(vm, v, |s| s.proto.get())
}

fn sock_field(vm: &mut Vm, v: &Value, f: fn(&SockState) -> i32) -> PyResult<Value> {
    match vm.native::<SockState>(v) {
        Some(s) => Ok(Value::Int(i64::from(f(s)))),
        None => Err(vm.type_error("descriptor for '_socket.socket' objects doesn't apply")),
    }
}

fn timeout_value(t: f64) -> Value {
    if t < 0.0 {
        Value::None
    } else {
        Value::float(t)
    }
}

fn sock_timeout_get(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match vm.native::<SockState>(v) {
        Some(s) => Ok(timeout_value(s.timeout.get())),
        None => Err(vm.type_error("descriptor for '_socket.socket' objects doesn't apply")),
    }
}

/// A timeout argument in seconds (None = -1), CPython's errors.
pub fn timeout_arg(vm: &mut Vm, v: &Value) -> PyResult<f64> {
    let t = match v {
        Value::None => return Ok(-1.0),
        Value::Float(f) => f.get(),
        _ => match vm.index_value(v)? {
            Some(i) => i as f64,
            None => {
                if vm.isinstance(v, &Value::Obj(vm.types.float.clone()))? {
                    vm.to_float(v)?
                } else {
                    return Err(vm.type_error(format!(
                        "'{}' object cannot be interpreted as an integer",
                        vm.type_name_of(v)
                    )));
                }
            }
        },
    };
    if t.is_nan() {
        return Err(vm.value_error("Invalid value NaN (not a number)"));
    }
    if t < 0.0 {
        return Err(vm.value_error("Timeout value out of range"));
    }
    Ok(t)
}

fn sock_gettimeout(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "gettimeout")?;
    vm.check_args("gettimeout", args, 0, 0)?;
    Ok(timeout_value(st.timeout.get()))
}

fn sock_settimeout(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "settimeout")?;
    let a = vm.check_args("settimeout", args, 1, 1)?;
    let t = timeout_arg(vm, &a[0])?;
    st.timeout.set(t);
    if st.fd.get() >= 0 {
        set_blocking_fd(vm, st.fd.get(), t < 0.0)?;
    }
    Ok(Value::None)
}

fn sock_getblocking(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "getblocking")?;
    vm.check_args("getblocking", args, 0, 0)?;
    Ok(Value::bool(st.timeout.get() != 0.0))
}

fn sock_setblocking(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "setblocking")?;
    let a = vm.check_args("setblocking", args, 1, 1)?;
    let blocking = vm.truthy(&a[0])?;
    st.timeout.set(if blocking { -1.0 } else { 0.0 });
    if st.fd.get() >= 0 {
        set_blocking_fd(vm, st.fd.get(), blocking)?;
    }
    Ok(Value::None)
}

fn sock_fileno(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "fileno")?;
    vm.check_args("fileno", args, 0, 0)?;
    Ok(Value::Int(i64::from(st.fd.get())))
}

fn sock_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "close")?;
    vm.check_args("close", args, 0, 0)?;
    let fd = st.fd.replace(-1);
    if fd >= 0 {
        // SAFETY: closing the descriptor this object owned (now forgotten).
        if unsafe { libc::close(fd) } < 0 {
            let e = last_errno();
            if e != libc::ECONNRESET {
                return Err(vm.os_error(e, None, None));
            }
        }
    }
    Ok(Value::None)
}

fn sock_detach(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "detach")?;
    vm.check_args("detach", args, 0, 0)?;
    Ok(Value::Int(i64::from(st.fd.replace(-1))))
}

/// The `socket.timeout` (TimeoutError) CPython raises: "timed out".
pub fn timeout_error(vm: &Vm) -> PyErr {
    vm.new_error(ExcKind::TimeoutError, "timed out")
}

/// Wait until `fd` is readable (or writable) within the time left before
/// `deadline`: Ok(false) on timeout.
pub fn wait_fd(vm: &mut Vm, fd: i32, writing: bool, deadline: Instant) -> PyResult<bool> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ms = left.as_millis().min(i32::MAX as u128) as i32;
        let ms = if ms == 0 && !left.is_zero() { 1 } else { ms };
        let mut p = libc::pollfd {
            fd,
            events: if writing { libc::POLLOUT } else { libc::POLLIN },
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let (r, e) = vm.allow_threads(|| {
            // SAFETY: one valid pollfd.
            let r = unsafe { libc::poll(&mut p, 1, ms) };
            (r, last_errno())
        });
        if r < 0 {
            if e == libc::EINTR {
                crate::modules::signal::check_signals(vm)?;
                continue;
            }
            return Err(vm.os_error(e, None, None));
        }
        return Ok(r > 0);
    }
}

/// CPython's `sock_call`: run `f` (a syscall returning a negative value on
/// failure) honouring the socket's timeout; the errno on failure.
pub fn sock_call(
    vm: &mut Vm,
    st: &SockState,
    writing: bool,
    mut f: impl FnMut(i32) -> isize + Send,
) -> PyResult<Result<usize, i32>> {
    let timeout = st.timeout.get();
    let deadline =
        (timeout > 0.0).then(|| Instant::now() + Duration::from_secs_f64(timeout.min(1e9)));
    loop {
        if let Some(d) = deadline {
            if !wait_fd(vm, st.fd.get(), writing, d)? {
                return Err(timeout_error(vm));
            }
        }
        let err = loop {
            let fd = st.fd.get();
            let (r, e) = vm.allow_threads(|| {
                let r = f(fd);
                (r, last_errno())
            });
            if r >= 0 {
                return Ok(Ok(r as usize));
            }
            if e != libc::EINTR {
                break e;
            }
            crate::modules::signal::check_signals(vm)?;
        };
        if deadline.is_some() && (err == libc::EWOULDBLOCK || err == libc::EAGAIN) {
            continue;
        }
        return Ok(Err(err));
    }
}

fn sock_bind(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "bind")?;
    let a = vm.check_args("bind", args, 1, 1)?;
    let addr = sockaddr_arg(vm, st.family.get(), &a[0], "bind")?;
    // SAFETY: `addr` is a valid address of `addr.len` bytes.
    if unsafe { libc::bind(st.fd.get(), addr.as_ptr(), addr.len) } < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

fn sock_listen(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "listen")?;
    let a = vm.check_args("listen", args, 0, 1)?;
    let backlog = match a.first() {
        Some(v) => c_int_arg(vm, v)?.max(0),
        None => libc::SOMAXCONN.min(128),
    };
    // SAFETY: listen(2) on a descriptor.
    if unsafe { libc::listen(st.fd.get(), backlog) } < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

/// `_accept()` -> (fd, address).
fn sock_accept(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "_accept")?;
    vm.check_args("_accept", args, 0, 0)?;
    let mut addr = SockAddr::empty();
    let r = sock_call(vm, st, false, |fd| {
        addr = SockAddr::empty();
        // SAFETY: `addr` has room for any address; `len` is its size.
        unsafe { libc::accept4(fd, addr.as_mut_ptr(), &mut addr.len, libc::SOCK_CLOEXEC) as isize }
    })?;
    match r {
        Ok(fd) => {
            let a = make_sockaddr(vm, &addr);
            Ok(vm.new_tuple_of([Value::Int(fd as i64), a]))
        }
        Err(e) => Err(vm.os_error(e, None, None)),
    }
}

/// CPython's `internal_connect`: 0 or the errno; Err for a timeout (when
/// `raise`) or a Python exception.
fn connect_errno(vm: &mut Vm, st: &SockState, addr: &SockAddr, raise: bool) -> PyResult<i32> {
    let fd = st.fd.get();
    // SAFETY: `addr` is a valid address of `addr.len` bytes.
    let mut err = if unsafe { libc::connect(fd, addr.as_ptr(), addr.len) } < 0 {
        last_errno()
    } else {
        0
    };
    if err == libc::EINTR {
        crate::modules::signal::check_signals(vm)?;
        err = libc::EINPROGRESS;
        if st.timeout.get() == 0.0 {
            return Ok(err);
        }
    }
    let timeout = st.timeout.get();
    let waits = err == libc::EINPROGRESS && timeout != 0.0;
    if !waits {
        return Ok(err);
    }
    let deadline = if timeout > 0.0 {
        Instant::now() + Duration::from_secs_f64(timeout.min(1e9))
    } else {
        Instant::now() + Duration::from_secs(u32::MAX as u64)
    };
    if !wait_fd(vm, fd, true, deadline)? {
        if raise {
            return Err(timeout_error(vm));
        }
        return Ok(libc::EWOULDBLOCK);
    }
    Ok(sockopt_int(fd, libc::SOL_SOCKET, libc::SO_ERROR).unwrap_or_else(|e| e))
}

fn sock_connect(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "connect")?;
    let a = vm.check_args("connect", args, 1, 1)?;
    let addr = sockaddr_arg(vm, st.family.get(), &a[0], "connect")?;
    let err = connect_errno(vm, st, &addr, true)?;
    if err != 0 {
        return Err(vm.os_error(err, None, None));
    }
    Ok(Value::None)
}

fn sock_connect_ex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "connect_ex")?;
    let a = vm.check_args("connect_ex", args, 1, 1)?;
    let addr = sockaddr_arg(vm, st.family.get(), &a[0], "connect_ex")?;
    let err = connect_errno(vm, st, &addr, false)?;
    Ok(Value::Int(i64::from(err)))
}

fn name_of(vm: &mut Vm, args: Args, meth: &str, peer: bool) -> PyResult<Value> {
    let st = state(vm, &args, meth)?;
    vm.check_args(meth, args, 0, 0)?;
    let mut addr = SockAddr::empty();
    // SAFETY: `addr` has room for any address; `len` is its size.
    let r = unsafe {
        if peer {
            libc::getpeername(st.fd.get(), addr.as_mut_ptr(), &mut addr.len)
        } else {
            libc::getsockname(st.fd.get(), addr.as_mut_ptr(), &mut addr.len)
        }
    };
    if r < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(make_sockaddr(vm, &addr))
}

fn sock_getsockname(vm: &mut Vm, args: Args) -> PyResult<Value> {
    name_of(vm, args, "getsockname", false)
}

fn sock_getpeername(vm: &mut Vm, args: Args) -> PyResult<Value> {
    name_of(vm, args, "getpeername", true)
}

fn sock_shutdown(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "shutdown")?;
    let a = vm.check_args("shutdown", args, 1, 1)?;
    let how = c_int_arg(vm, &a[0])?;
    // SAFETY: shutdown(2) on a descriptor.
    if unsafe { libc::shutdown(st.fd.get(), how) } < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

/// `setsockopt(level, optname, value: int | buffer)` or
/// `setsockopt(level, optname, None, optlen: int)`.
fn sock_setsockopt(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "setsockopt")?;
    let a = vm.check_args("setsockopt", args, 3, 4)?;
    let level = c_int_arg(vm, &a[0])?;
    let name = c_int_arg(vm, &a[1])?;
    let fd = st.fd.get();
    let r = match (&a[2], a.get(3)) {
        (Value::None, Some(len)) => {
            let len = c_int_arg(vm, len)?;
            // SAFETY: a null value with a length, as the caller asked.
            unsafe { libc::setsockopt(fd, level, name, std::ptr::null(), len as libc::socklen_t) }
        }
        (v, None)
            if matches!(v, Value::Int(_) | Value::Bool(_))
                || vm.index_value(v).ok().flatten().is_some() =>
        {
            let n = c_int_arg(vm, v)?;
            // SAFETY: `n` is a c_int of the size passed.
            unsafe {
                libc::setsockopt(
                    fd,
                    level,
                    name,
                    (&n as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            }
        }
        (v, None) => {
            let Some(b) = crate::modules::posix::util::bytes_like(vm, v) else {
                return Err(vm.type_error(format!(
                    "a bytes-like object is required, not '{}'",
                    vm.type_name_of(v)
                )));
            };
            // SAFETY: `b` holds `b.len()` readable bytes.
            unsafe {
                libc::setsockopt(
                    fd,
                    level,
                    name,
                    b.as_ptr().cast(),
                    b.len() as libc::socklen_t,
                )
            }
        }
        (_, Some(_)) => {
            return Err(vm.type_error("setsockopt() takes exactly 3 arguments (4 given)"));
        }
    };
    if r < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

/// `getsockopt(level, optname[, buflen])`.
fn sock_getsockopt(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "getsockopt")?;
    let a = vm.check_args("getsockopt", args, 2, 3)?;
    let level = c_int_arg(vm, &a[0])?;
    let name = c_int_arg(vm, &a[1])?;
    let Some(buflen) = a.get(2) else {
        return match sockopt_int(st.fd.get(), level, name) {
            Ok(v) => Ok(Value::Int(i64::from(v))),
            Err(e) => Err(vm.os_error(e, None, None)),
        };
    };
    let n = c_int_arg(vm, buflen)?;
    if !(1..=1024).contains(&n) {
        return Err(super::addr::os_msg(vm, "getsockopt buflen out of range"));
    }
    let mut buf = vec![0u8; n as usize];
    let mut len = n as libc::socklen_t;
    // SAFETY: `buf` has `len` writable bytes.
    let r =
        unsafe { libc::getsockopt(st.fd.get(), level, name, buf.as_mut_ptr().cast(), &mut len) };
    if r < 0 {
        return Err(vm.last_os_error(None));
    }
    buf.truncate(len as usize);
    Ok(vm.new_bytes(buf))
}
