//! `select.epoll`: Linux edge/level-triggered polling objects (what
//! `selectors.DefaultSelector` picks on Linux), as CPython's
//! selectmodule.c exposes them.

use std::cell::Cell;

use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::posix::fileops::fileno_arg;
use super::posix::util::{c_int_arg, last_errno, parse_args};

/// The state of an epoll object: its descriptor (-1 once closed).
struct EpollState {
    fd: Cell<i32>,
}

impl NativeData for EpollState {}

impl Drop for EpollState {
    fn drop(&mut self) {
        let fd = self.fd.get();
        if fd >= 0 {
            // SAFETY: the object owns this descriptor and is going away.
            unsafe { libc::close(fd) };
        }
    }
}

/// Add the `epoll` type and the EPOLL* constants to module `m`.
pub fn install(vm: &mut Vm, m: &PyRef, consts: &[(&str, i64)]) {
    for (name, v) in consts {
        if name.starts_with("EPOLL") {
            vm.set_attr_raw(m, name, Value::Int(*v));
        }
    }
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "select",
        "epoll",
        &object,
        Layout::Native("epoll"),
        FLAG_BASETYPE,
    );
    vm.add_staticmethods(&t, &[("__new__", epoll_new)]);
    vm.add_classmethods(&t, &[("fromfd", epoll_fromfd)]);
    vm.add_methods(
        &t,
        &[
            ("close", epoll_close),
            ("fileno", epoll_fileno),
            ("register", epoll_register),
            ("modify", epoll_modify),
            ("unregister", epoll_unregister),
            ("poll", epoll_poll),
            ("__enter__", epoll_enter),
            ("__exit__", epoll_exit),
        ],
    );
    vm.add_getsets(&t, &[("closed", epoll_closed, None)]);
    vm.set_attr_raw(m, "epoll", Value::Obj(t));
}

fn cls_arg(vm: &Vm, args: &Args) -> PyResult<PyRef> {
    match args.args.first() {
        Some(Value::Obj(c)) if matches!(c.payload, Payload::Type(_)) => Ok(c.clone()),
        _ => Err(vm.type_error("epoll.__new__(X): X is not a type object")),
    }
}

/// `epoll(sizehint=-1, flags=0)`.
fn epoll_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args)?;
    let rest = Args {
        args: args.args.get(1..).unwrap_or(&[]),
        kwnames: args.kwnames,
    };
    let a = parse_args(vm, &rest, "epoll", &["sizehint", "flags"], 0, 2)?;
    if let Some(v) = &a[0] {
        let hint = c_int_arg(vm, v)?;
        if hint == 0 || hint < -1 {
            return Err(vm.value_error("negative sizehint"));
        }
    }
    if let Some(v) = &a[1] {
        c_int_arg(vm, v)?;
    }
    // SAFETY: epoll_create1 has no memory preconditions.
    let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    if fd < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::Obj(
        vm.new_native(&cls, EpollState { fd: Cell::new(fd) }),
    ))
}

/// `epoll.fromfd(fd)`: wrap an existing epoll descriptor.
fn epoll_fromfd(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args)?;
    let a = vm.check_args("fromfd", args, 1, 1)?;
    let fd = c_int_arg(vm, &a[0])?;
    Ok(Value::Obj(
        vm.new_native(&cls, EpollState { fd: Cell::new(fd) }),
    ))
}

fn state<'a>(vm: &Vm, args: &Args<'a>, meth: &str) -> PyResult<&'a EpollState> {
    vm.native_self::<EpollState>(args, "select.epoll", meth)
}

/// The open descriptor, or CPython's ValueError for a closed object.
fn open_fd(vm: &Vm, st: &EpollState) -> PyResult<i32> {
    let fd = st.fd.get();
    if fd < 0 {
        return Err(vm.value_error("I/O operation on closed epoll object"));
    }
    Ok(fd)
}

fn epoll_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "close")?;
    let fd = st.fd.replace(-1);
    // SAFETY: closing the descriptor this object owned (now forgotten).
    if fd >= 0 && unsafe { libc::close(fd) } < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

fn epoll_closed(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match vm.native::<EpollState>(v) {
        Some(st) => Ok(Value::bool(st.fd.get() < 0)),
        None => Err(vm.type_error("descriptor 'closed' for 'select.epoll' objects doesn't apply")),
    }
}

fn epoll_fileno(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "fileno")?;
    Ok(Value::Int(i64::from(open_fd(vm, st)?)))
}

/// epoll_ctl with CPython's errors.
fn ctl(vm: &mut Vm, st: &EpollState, op: i32, fd: i32, events: u32) -> PyResult<()> {
    let epfd = open_fd(vm, st)?;
    let mut ev = libc::epoll_event {
        events,
        u64: fd as u32 as u64,
    };
    // SAFETY: `ev` is a valid event for the duration of the call.
    if unsafe { libc::epoll_ctl(epfd, op, fd, &mut ev) } < 0 {
        let e = last_errno();
        return Err(vm.os_error(e, None, None));
    }
    Ok(())
}

fn event_mask(vm: &mut Vm, v: &Option<Value>) -> PyResult<u32> {
    match v {
        None => Ok((libc::EPOLLIN | libc::EPOLLPRI | libc::EPOLLOUT) as u32),
        Some(v) => {
            let m = super::posix::util::int_arg(vm, v)?;
            u32::try_from(m)
                .map_err(|_| vm.overflow_error("Python int too large to convert to C unsigned int"))
        }
    }
}

fn method_args<'a>(args: &Args<'a>) -> Args<'a> {
    Args {
        args: args.args.get(1..).unwrap_or(&[]),
        kwnames: args.kwnames,
    }
}

/// `register(fd, eventmask=EPOLLIN|EPOLLPRI|EPOLLOUT)`.
fn epoll_register(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "register")?;
    let a = parse_args(
        vm,
        &method_args(&args),
        "register",
        &["fd", "eventmask"],
        1,
        2,
    )?;
    let fd = fileno_arg(vm, a[0].as_ref().unwrap_or(&Value::None))?;
    let mask = event_mask(vm, &a[1])?;
    ctl(vm, st, libc::EPOLL_CTL_ADD, fd, mask)?;
    Ok(Value::None)
}

/// `modify(fd, eventmask)`.
fn epoll_modify(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "modify")?;
    let a = parse_args(
        vm,
        &method_args(&args),
        "modify",
        &["fd", "eventmask"],
        2,
        2,
    )?;
    let fd = fileno_arg(vm, a[0].as_ref().unwrap_or(&Value::None))?;
    let mask = event_mask(vm, &a[1])?;
    ctl(vm, st, libc::EPOLL_CTL_MOD, fd, mask)?;
    Ok(Value::None)
}

/// `unregister(fd)`.
fn epoll_unregister(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "unregister")?;
    let a = parse_args(vm, &method_args(&args), "unregister", &["fd"], 1, 1)?;
    let fd = fileno_arg(vm, a[0].as_ref().unwrap_or(&Value::None))?;
    ctl(vm, st, libc::EPOLL_CTL_DEL, fd, 0)?;
    Ok(Value::None)
}

/// `poll(timeout=None, maxevents=-1)`: timeout in seconds.
fn epoll_poll(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "poll")?;
    let a = parse_args(
        vm,
        &method_args(&args),
        "poll",
        &["timeout", "maxevents"],
        0,
        2,
    )?;
    let epfd = open_fd(vm, st)?;
    let timeout_ms = match &a[0] {
        None | Some(Value::None) => -1,
        Some(v) => {
            let t = match v {
                Value::Int(i) => *i as f64,
                v => vm
                    .to_float(v)
                    .map_err(|_| vm.type_error("timeout must be an integer or None"))?,
            };
            if t < 0.0 {
                -1
            } else {
                (t * 1000.0).ceil().min(i32::MAX as f64) as i32
            }
        }
    };
    let maxevents = match &a[1] {
        None => -1,
        Some(v) => c_int_arg(vm, v)?,
    };
    let maxevents = if maxevents == -1 {
        libc::FD_SETSIZE as i32 - 1
    } else if maxevents < 1 {
        return Err(vm.value_error(format!("maxevents must be greater than 0, got {maxevents}")));
    } else {
        maxevents
    };
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; maxevents as usize];
    let n = loop {
        // SAFETY: `events` has room for `maxevents` entries.
        let (r, e) = vm.allow_threads(|| {
            // SAFETY: `events` has room for `maxevents` entries.
            let r = unsafe { libc::epoll_wait(epfd, events.as_mut_ptr(), maxevents, timeout_ms) };
            (r, last_errno())
        });
        if r < 0 {
            if e == libc::EINTR {
                super::signal::check_signals(vm)?;
                continue;
            }
            return Err(vm.os_error(e, None, None));
        }
        break r as usize;
    };
    let out: Vec<Value> = events
        .iter()
        .take(n)
        .map(|ev| {
            let (fd, mask) = (ev.u64 as u32 as i32, ev.events);
            vm.new_tuple_of([Value::Int(i64::from(fd)), Value::Int(i64::from(mask))])
        })
        .collect();
    Ok(vm.new_list(out))
}

fn epoll_enter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "__enter__")?;
    open_fd(vm, st)?;
    Ok(args.args.first().cloned().unwrap_or(Value::None))
}

fn epoll_exit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "__exit__")?;
    let fd = st.fd.replace(-1);
    if fd >= 0 {
        // SAFETY: closing the descriptor this object owned.
        unsafe { libc::close(fd) };
    }
    Ok(Value::None)
}
