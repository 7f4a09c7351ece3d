//! `_socket`: BSD sockets as CPython's socketmodule.c exposes them — the
//! `socket` type (sockobj.rs, sockio.rs), address conversion and name
//! resolution (addr.rs), the module functions (`socketpair`,
//! `getaddrinfo`, `inet_*`, byte-order helpers, default timeout) and the
//! `gaierror`/`herror` exceptions (`timeout` is TimeoutError, `error` is
//! OSError). `socket.py` builds the user-facing module on top.

mod addr;
mod consts;
mod names;
mod sockio;
mod sockobj;

use crate::vm::value::Truth;
use std::cell::{Cell, RefCell};

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

use crate::modules::posix::util::{c_int_arg, last_errno};

/// The module's types, for functions and methods that make instances or
/// raise its exceptions.
struct Registry {
    sock_type: PyRef,
    gaierror: PyRef,
    herror: PyRef,
}

crate::interp_local! {
    static REGISTRY: RefCell<Option<Registry>> = const { RefCell::new(None) };
    /// `setdefaulttimeout`: seconds, negative for None.
    static DEFAULT_TIMEOUT: Cell<f64> = const { Cell::new(-1.0) };
}

/// The default timeout of new sockets (negative: None).
pub fn default_timeout() -> f64 {
    DEFAULT_TIMEOUT.with(|t| t.get())
}

fn registry_get(vm: &Vm, f: fn(&Registry) -> PyRef) -> PyResult<PyRef> {
    REGISTRY
        .with(|r| r.borrow().as_ref().map(f))
        .ok_or_else(|| vm.system_error("_socket is not initialised"))
}

/// `socket.herror` as a callable value.
pub(crate) fn registry_herror(vm: &Vm) -> PyResult<Value> {
    registry_get(vm, |r| r.herror.clone()).map(Value::Obj)
}

/// Call an exception class with `args`, as the error to raise.
fn exc_from(vm: &mut Vm, cls: PyRef, args: &[Value]) -> PyErr {
    match vm.call(&Value::Obj(cls), args) {
        Ok(Value::Obj(e)) => PyErr(e),
        Ok(_) => vm.system_error("exception class did not return an exception"),
        Err(e) => e,
    }
}

/// A `getaddrinfo` failure: `gaierror(code, gai_strerror(code))`, or the
/// OSError of errno for EAI_SYSTEM.
pub(crate) fn gai_error(vm: &mut Vm, code: i32) -> PyErr {
    if code == libc::EAI_SYSTEM {
        return vm.last_os_error(None);
    }
    // SAFETY: gai_strerror returns a static NUL-terminated message.
    let msg = unsafe {
        let p = libc::gai_strerror(code);
        if p.is_null() {
            format!("Unknown error {code}")
        } else {
            std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    };
    match registry_get(vm, |r| r.gaierror.clone()) {
        Ok(cls) => {
            let m = vm.new_string(msg);
            exc_from(vm, cls, &[Value::Int(i64::from(code)), m])
        }
        Err(e) => e,
    }
}

/// An exception class `socket.<name>` deriving from OSError.
fn make_exc(vm: &mut Vm, name: &str) -> PyResult<PyRef> {
    let base = vm.exc_type(ExcKind::OSError);
    let ns = vm.new_dict();
    let modname = vm.new_str("socket");
    let key = vm.new_str("__module__");
    vm.dict_set(&ns, key, modname)?;
    let meta = vm.types.type_.clone();
    match vm.make_class(&meta, name, vec![base], &ns, Vec::new())? {
        Value::Obj(c) => Ok(c),
        _ => Err(vm.system_error("exception class is not an object")),
    }
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_socket");
    for (name, v) in consts::SOCKET {
        vm.set_attr_raw(&m, name, Value::Int(*v));
    }
    let t = sockobj::make_type(vm);
    vm.set_attr_raw(&m, "socket", Value::Obj(t.clone()));
    vm.set_attr_raw(&m, "SocketType", Value::Obj(t.clone()));
    let gaierror = make_exc(vm, "gaierror")?;
    let herror = make_exc(vm, "herror")?;
    vm.set_attr_raw(&m, "gaierror", Value::Obj(gaierror.clone()));
    vm.set_attr_raw(&m, "herror", Value::Obj(herror.clone()));
    let oserror = vm.exc_type(ExcKind::OSError);
    vm.set_attr_raw(&m, "error", Value::Obj(oserror));
    let timeout = vm.exc_type(ExcKind::TimeoutError);
    vm.set_attr_raw(&m, "timeout", Value::Obj(timeout));
    vm.set_attr_raw(&m, "has_ipv6", Value::Bool(Truth::True));
    REGISTRY.with(|r| {
        *r.borrow_mut() = Some(Registry {
            sock_type: t,
            gaierror,
            herror,
        })
    });
    vm.add_functions(
        &m,
        &[
            ("close", socket_close),
            ("dup", socket_dup),
            ("getdefaulttimeout", socket_getdefaulttimeout),
            ("setdefaulttimeout", socket_setdefaulttimeout),
            ("socketpair", socket_socketpair),
            ("htons", socket_htons),
            ("ntohs", socket_htons),
            ("htonl", socket_htonl),
            ("ntohl", socket_htonl),
        ],
    );
    names::add_functions(vm, &m);
    Ok(m)
}

/// `close(fd)`.
fn socket_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("close", args, 1, 1)?;
    let fd = c_int_arg(vm, &a[0])?;
    // SAFETY: closing a descriptor the caller names.
    if unsafe { libc::close(fd) } < 0 && last_errno() != libc::ECONNRESET {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

/// `dup(fd)`: a non-inheritable duplicate.
fn socket_dup(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("dup", args, 1, 1)?;
    let fd = c_int_arg(vm, &a[0])?;
    // SAFETY: fcntl F_DUPFD_CLOEXEC on a descriptor; errors via errno.
    let r = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if r < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::Int(i64::from(r)))
}

fn socket_getdefaulttimeout(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("getdefaulttimeout", args, 0, 0)?;
    let t = default_timeout();
    Ok(if t < 0.0 {
        Value::None
    } else {
        Value::float(t)
    })
}

fn socket_setdefaulttimeout(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("setdefaulttimeout", args, 1, 1)?;
    let t = sockobj::timeout_arg(vm, &a[0])?;
    DEFAULT_TIMEOUT.with(|d| d.set(t));
    Ok(Value::None)
}

/// `socketpair(family=AF_UNIX, type=SOCK_STREAM, proto=0)`.
fn socket_socketpair(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("socketpair", args, 0, 3)?;
    let family = match a.first() {
        Some(v) => c_int_arg(vm, v)?,
        None => libc::AF_UNIX,
    };
    let kind = match a.get(1) {
        Some(v) => c_int_arg(vm, v)?,
        None => libc::SOCK_STREAM,
    };
    let proto = match a.get(2) {
        Some(v) => c_int_arg(vm, v)?,
        None => 0,
    };
    let mut fds = [-1i32; 2];
    // SAFETY: `fds` has room for the two descriptors socketpair writes.
    if unsafe { libc::socketpair(family, kind | libc::SOCK_CLOEXEC, proto, fds.as_mut_ptr()) } < 0 {
        return Err(vm.last_os_error(None));
    }
    let cls = registry_get(vm, |r| r.sock_type.clone())?;
    let t = default_timeout();
    let mut out = Vec::with_capacity(2);
    for fd in fds {
        let st = sockobj::new_state(
            fd,
            family,
            kind & !(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC),
            proto,
            t,
        );
        out.push(Value::Obj(vm.new_native(&cls, st)));
    }
    if t >= 0.0 {
        for fd in fds {
            sockobj::set_blocking_fd(vm, fd, false)?;
        }
    }
    Ok(vm.new_tuple(out))
}

/// `htons(x)` / `ntohs(x)`: swap a 16-bit value's bytes.
fn socket_htons(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("htons", args, 1, 1)?;
    let x = crate::modules::posix::util::int_arg(vm, &a[0]).map_err(|e| {
        if vm.err_is(&e, ExcKind::OverflowError) {
            vm.overflow_error("htons: Python int too large to convert to C 16-bit unsigned integer")
        } else {
            e
        }
    })?;
    if x < 0 {
        return Err(vm.overflow_error(
            "htons: can't convert negative Python int to C 16-bit unsigned integer",
        ));
    }
    let x = u16::try_from(x).map_err(|_| {
        vm.overflow_error("htons: Python int too large to convert to C 16-bit unsigned integer")
    })?;
    Ok(Value::Int(i64::from(x.swap_bytes())))
}

/// `htonl(x)` / `ntohl(x)`: swap a 32-bit value's bytes.
fn socket_htonl(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("htonl", args, 1, 1)?;
    let x = crate::modules::posix::util::int_arg(vm, &a[0]).map_err(|e| {
        if vm.err_is(&e, ExcKind::OverflowError) {
            vm.overflow_error("int larger than 32 bits")
        } else {
            e
        }
    })?;
    if x < 0 {
        return Err(vm.overflow_error("can't convert negative value to unsigned int"));
    }
    let x = u32::try_from(x).map_err(|_| vm.overflow_error("int larger than 32 bits"))?;
    Ok(Value::Int(i64::from(x.swap_bytes())))
}
