//! The `select` module: `select.select` (over poll(2), so descriptors
//! beyond FD_SETSIZE work) and `select.poll` objects — what `selectors`
//! and `subprocess` need.

use std::cell::RefCell;

use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::Layout;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::os_consts;
use super::posix::fileops::fileno_arg;
use super::posix::util::{c_int_arg, last_errno, module_type, split_module};

/// A timeout in seconds (None = forever) as poll milliseconds.
fn select_timeout(vm: &mut Vm, v: Option<&Value>) -> PyResult<i32> {
    let t = match v {
        None | Some(Value::None) => return Ok(-1),
        Some(Value::Int(i)) => *i as f64,
        Some(v) => match vm.to_float(v) {
            Ok(f) => f,
            Err(_) => {
                return Err(vm.type_error("timeout must be a float or None"));
            }
        },
    };
    if t.is_nan() {
        return Err(vm.value_error("Invalid value NaN (not a number)"));
    }
    if t < 0.0 {
        return Err(vm.value_error("timeout must be non-negative"));
    }
    let ms = (t * 1000.0).ceil();
    Ok(if ms > i32::MAX as f64 {
        i32::MAX
    } else {
        ms as i32
    })
}

/// poll(2) over `fds`, retrying on EINTR; Err(errno).
fn do_poll(fds: &mut [libc::pollfd], timeout: i32) -> Result<i32, i32> {
    loop {
        // SAFETY: `fds` is a valid array of `fds.len()` pollfd entries.
        let r = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
        if r < 0 {
            let e = last_errno();
            if e == libc::EINTR {
                continue;
            }
            return Err(e);
        }
        return Ok(r);
    }
}

/// `select.select(rlist, wlist, xlist, timeout=None)`.
fn select_select(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("select", args, 3, 4)?;
    let timeout = select_timeout(vm, a.get(3))?;
    let mut lists: Vec<Vec<(Value, i32)>> = Vec::with_capacity(3);
    for l in a.iter().take(3) {
        let items = vm
            .collect_iter(l)
            .map_err(|_| vm.type_error("arguments 1-3 must be sequences"))?;
        let mut out = Vec::with_capacity(items.len());
        for it in items {
            let fd = fileno_arg(vm, &it)?;
            out.push((it, fd));
        }
        lists.push(out);
    }
    let events = [libc::POLLIN, libc::POLLOUT, libc::POLLPRI];
    let mut fds: Vec<libc::pollfd> = Vec::new();
    for (l, ev) in lists.iter().zip(events) {
        for (_, fd) in l {
            fds.push(libc::pollfd {
                fd: *fd,
                events: ev,
                revents: 0,
            });
        }
    }
    vm.allow_threads(|| do_poll(&mut fds, timeout))
        .map_err(|e| vm.os_error(e, None, None))?;
    if fds.iter().any(|p| p.revents & libc::POLLNVAL != 0) {
        return Err(vm.os_error(libc::EBADF, None, None));
    }
    let ready = [
        libc::POLLIN | libc::POLLHUP | libc::POLLERR,
        libc::POLLOUT | libc::POLLERR,
        libc::POLLPRI,
    ];
    let mut results = Vec::with_capacity(3);
    let mut i = 0;
    for (l, mask) in lists.iter().zip(ready) {
        let mut out = Vec::new();
        for (obj, _) in l {
            if fds.get(i).is_some_and(|p| p.revents & mask != 0) {
                out.push(obj.clone());
            }
            i += 1;
        }
        results.push(vm.new_list(out));
    }
    Ok(vm.new_tuple(results))
}

/// The state of a `select.poll` object: registered fds in order.
struct PollState {
    fds: RefCell<Vec<(i32, i16)>>,
}

impl NativeData for PollState {}

/// `select.poll()`.
fn select_poll(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split_module(vm, args)?;
    vm.fn_args("poll", args, 0, 0)?;
    let cls = module_type(vm, &m, "_poll_type")?;
    Ok(Value::Obj(vm.new_native(
        &cls,
        PollState {
            fds: RefCell::new(Vec::new()),
        },
    )))
}

fn poll_self<'a>(vm: &Vm, args: &Args<'a>, meth: &str) -> PyResult<&'a PollState> {
    vm.native_self::<PollState>(args, "select.poll", meth)
}

fn event_mask(vm: &mut Vm, v: Option<&Value>) -> PyResult<i16> {
    match v {
        None => Ok(libc::POLLIN | libc::POLLPRI | libc::POLLOUT),
        Some(v) => {
            let m = c_int_arg(vm, v)?;
            u16::try_from(m)
                .map(|x| x as i16)
                .map_err(|_| vm.overflow_error("Python int too large for C unsigned short"))
        }
    }
}

/// `poll.register(fd, eventmask=POLLIN|POLLPRI|POLLOUT)`.
fn poll_register(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = poll_self(vm, &args, "register")?;
    let a = vm.check_args("register", args, 1, 2)?;
    let fd = fileno_arg(vm, &a[0])?;
    let ev = event_mask(vm, a.get(1))?;
    let mut fds = st.fds.borrow_mut();
    match fds.iter_mut().find(|(f, _)| *f == fd) {
        Some(e) => e.1 = ev,
        None => fds.push((fd, ev)),
    }
    Ok(Value::None)
}

/// `poll.modify(fd, eventmask)`.
fn poll_modify(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = poll_self(vm, &args, "modify")?;
    let a = vm.check_args("modify", args, 2, 2)?;
    let fd = fileno_arg(vm, &a[0])?;
    let ev = event_mask(vm, a.get(1))?;
    let found = {
        let mut fds = st.fds.borrow_mut();
        match fds.iter_mut().find(|(f, _)| *f == fd) {
            Some(e) => {
                e.1 = ev;
                true
            }
            None => false,
        }
    };
    if !found {
        return Err(vm.os_error(libc::ENOENT, None, None));
    }
    Ok(Value::None)
}

/// `poll.unregister(fd)`.
fn poll_unregister(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = poll_self(vm, &args, "unregister")?;
    let a = vm.check_args("unregister", args, 1, 1)?;
    let fd = fileno_arg(vm, &a[0])?;
    let pos = st.fds.borrow().iter().position(|(f, _)| *f == fd);
    match pos {
        Some(i) => {
            st.fds.borrow_mut().remove(i);
            Ok(Value::None)
        }
        None => Err(vm.key_error(a[0].clone())),
    }
}

/// `poll.poll(timeout=None)`: timeout in milliseconds.
fn poll_poll(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = poll_self(vm, &args, "poll")?;
    let a = vm.check_args("poll", args, 0, 1)?;
    let timeout = match a.first() {
        None | Some(Value::None) => -1,
        Some(Value::Float(f)) => {
            if f.get() < 0.0 {
                -1
            } else {
                f.ceil().min(i32::MAX as f64) as i32
            }
        }
        Some(v) => {
            let t = super::posix::util::int_arg(vm, v)
                .map_err(|_| vm.type_error("timeout must be an integer or None"))?;
            if t < 0 {
                -1
            } else {
                i32::try_from(t).unwrap_or(i32::MAX)
            }
        }
    };
    let mut fds: Vec<libc::pollfd> = st
        .fds
        .borrow()
        .iter()
        .map(|(fd, ev)| libc::pollfd {
            fd: *fd,
            events: *ev,
            revents: 0,
        })
        .collect();
    vm.allow_threads(|| do_poll(&mut fds, timeout))
        .map_err(|e| vm.os_error(e, None, None))?;
    let out: Vec<Value> = fds
        .iter()
        .filter(|p| p.revents != 0)
        .map(|p| {
            vm.new_tuple_of([
                Value::Int(i64::from(p.fd)),
                Value::Int(i64::from(p.revents as u16)),
            ])
        })
        .collect();
    Ok(vm.new_list(out))
}

/// Build the `select` module.
pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("select");
    for (name, v) in os_consts::SELECT {
        if name.starts_with("EPOLL") {
            continue;
        }
        vm.set_attr_raw(&m, name, Value::Int(*v));
    }
    let err = vm.exc_type(crate::objects::exception::ExcKind::OSError);
    vm.set_attr_raw(&m, "error", Value::Obj(err));
    vm.add_functions(&m, &[("select", select_select)]);
    super::select_epoll::install(vm, &m, os_consts::SELECT);
    let object = vm.types.object.clone();
    let t = vm.new_native_type("select", "poll", &object, Layout::Native("poll"), 0);
    vm.add_methods(
        &t,
        &[
            ("modify", poll_modify),
            ("poll", poll_poll),
            ("register", poll_register),
            ("unregister", poll_unregister),
        ],
    );
    // The type stays reachable for `poll()`; the module attribute `poll`
    // is the factory function, as in CPython.
    vm.set_attr_raw(&m, "_poll_type", Value::Obj(t));
    super::posix::util::add_bound_functions(vm, &m, &[("poll", select_poll)]);
    Ok(m)
}
