//! Data transfer methods of `_socket.socket`: `recv`, `recv_into`,
//! `recvfrom`, `recvfrom_into`, `send`, `sendall`, `sendto`, with
//! CPython's argument checks and timeout handling.

use std::time::{Duration, Instant};

use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::addr::{make_sockaddr, sockaddr_arg, SockAddr};
use super::sockobj::{sock_call, state, timeout_error, wait_fd};
use crate::modules::posix::util::{bytes_like, c_int_arg, int_arg, last_errno};

pub fn add_methods(vm: &mut Vm, t: &PyRef) {
    vm.add_methods(
        t,
        &[
            ("recv", sock_recv),
            ("recv_into", sock_recv_into),
            ("recvfrom", sock_recvfrom),
            ("recvfrom_into", sock_recvfrom_into),
            ("send", sock_send),
            ("sendall", sock_sendall),
            ("sendto", sock_sendto),
        ],
    );
}

/// The bytes of a data argument, CPython's TypeError for others.
fn data_arg(vm: &mut Vm, v: &Value) -> PyResult<Vec<u8>> {
    match bytes_like(vm, v) {
        Some(b) => Ok(b),
        None => Err(vm.type_error(format!(
            "a bytes-like object is required, not '{}'",
            vm.type_name_of(v)
        ))),
    }
}

fn flags_arg(vm: &mut Vm, v: Option<&Value>) -> PyResult<i32> {
    match v {
        Some(v) => c_int_arg(vm, v),
        None => Ok(0),
    }
}

/// Receive up to `n` bytes (and the sender's address when `from`).
fn recv_bytes(
    vm: &mut Vm,
    args: &Args,
    meth: &str,
    n: usize,
    flags: i32,
    from: bool,
) -> PyResult<(Vec<u8>, Option<SockAddr>)> {
    let st = state(vm, args, meth)?;
    let mut buf = vec![0u8; n];
    let mut addr = SockAddr::empty();
    let r = sock_call(vm, st, false, |fd| {
        if from {
            addr = SockAddr::empty();
            // SAFETY: `buf` has `n` writable bytes; `addr` room for any address.
            unsafe {
                libc::recvfrom(
                    fd,
                    buf.as_mut_ptr().cast(),
                    n,
                    flags,
                    addr.as_mut_ptr(),
                    &mut addr.len,
                )
            }
        } else {
            // SAFETY: `buf` has `n` writable bytes.
            unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), n, flags) }
        }
    })?;
    match r {
        Ok(got) => {
            buf.truncate(got);
            Ok((buf, from.then_some(addr)))
        }
        Err(e) => Err(vm.os_error(e, None, None)),
    }
}

fn size_arg(vm: &mut Vm, v: &Value, meth: &str) -> PyResult<usize> {
    let n = int_arg(vm, v)?;
    usize::try_from(n).map_err(|_| vm.value_error(format!("negative buffersize in {meth}")))
}

/// `recv(bufsize[, flags])`.
fn sock_recv(vm: &mut Vm, args: Args) -> PyResult<Value> {
    state(vm, &args, "recv")?;
    let a = vm.check_args("recv", args, 1, 2)?;
    let n = size_arg(vm, &a[0], "recv")?;
    let flags = flags_arg(vm, a.get(1))?;
    let (b, _) = recv_bytes(vm, &args, "recv", n, flags, false)?;
    Ok(vm.new_bytes(b))
}

/// `recvfrom(bufsize[, flags])` -> (bytes, address).
fn sock_recvfrom(vm: &mut Vm, args: Args) -> PyResult<Value> {
    state(vm, &args, "recvfrom")?;
    let a = vm.check_args("recvfrom", args, 1, 2)?;
    let n = size_arg(vm, &a[0], "recvfrom")?;
    let flags = flags_arg(vm, a.get(1))?;
    let (b, addr) = recv_bytes(vm, &args, "recvfrom", n, flags, true)?;
    let b = vm.new_bytes(b);
    let addr = match addr {
        Some(a) => make_sockaddr(vm, &a),
        None => Value::None,
    };
    Ok(vm.new_tuple_of([b, addr]))
}

/// The size of a writable buffer, or CPython's TypeError.
fn writable_len(vm: &mut Vm, v: &Value, meth: &str) -> PyResult<usize> {
    if let Value::Obj(o) = v {
        match &o.payload {
            Payload::ByteArray(b) => return Ok(b.borrow().len()),
            Payload::MemoryView(m)
                if !m.readonly && matches!(m.obj.payload, Payload::ByteArray(_)) =>
            {
                if m.released.get() {
                    return Err(vm.value_error("operation forbidden on released memoryview object"));
                }
                return Ok(m.len * m.itemsize);
            }
            _ => {}
        }
    }
    Err(vm.type_error(format!(
        "{meth}() argument 1 must be read-write bytes-like object, not {}",
        vm.arg_type_name(v)
    )))
}

/// Copy `data` to the start of a writable buffer (bytearray or a
/// memoryview of one).
fn write_into(vm: &mut Vm, v: &Value, data: &[u8]) -> PyResult<()> {
    let Value::Obj(o) = v else { return Ok(()) };
    match &o.payload {
        Payload::ByteArray(b) => {
            let mut b = b
                .try_borrow_mut()
                .map_err(|_| vm.runtime_error("buffer is in use"))?;
            for (d, s) in b.iter_mut().zip(data) {
                *d = *s;
            }
        }
        Payload::MemoryView(m) => {
            if let Payload::ByteArray(t) = &m.obj.payload {
                let mut t = t
                    .try_borrow_mut()
                    .map_err(|_| vm.runtime_error("buffer is in use"))?;
                let size = m.itemsize.max(1);
                for (i, byte) in data.iter().take(m.len * m.itemsize).enumerate() {
                    let pos = m.start as isize + (i / size) as isize * m.step + (i % size) as isize;
                    if let Some(slot) = usize::try_from(pos).ok().and_then(|p| t.get_mut(p)) {
                        *slot = *byte;
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// The byte count to receive into a buffer of `buflen` bytes.
fn into_count(vm: &mut Vm, v: Option<&Value>, buflen: usize, meth: &str) -> PyResult<usize> {
    let n = match v {
        Some(v) => int_arg(vm, v)?,
        None => 0,
    };
    if n < 0 {
        return Err(vm.value_error(format!("negative buffersize in {meth}")));
    }
    let n = n as usize;
    if n == 0 {
        return Ok(buflen);
    }
    if n > buflen {
        return Err(vm.value_error(format!(
            "{}buffer too small for requested bytes",
            if meth == "recvfrom_into" {
                "nbytes is greater than the length of the "
            } else {
                ""
            }
        )));
    }
    Ok(n)
}

fn recv_into_common(vm: &mut Vm, args: Args, meth: &'static str, from: bool) -> PyResult<Value> {
    state(vm, &args, meth)?;
    let names = ["buffer", "nbytes", "flags"];
    let rest = Args {
        args: args.args.get(1..).unwrap_or(&[]),
        kwnames: args.kwnames,
    };
    let a = crate::modules::posix::util::parse_args(vm, &rest, meth, &names, 1, 3)?;
    let buf = a[0].clone().unwrap_or(Value::None);
    let buflen = writable_len(vm, &buf, meth)?;
    let n = into_count(vm, a[1].as_ref(), buflen, meth)?;
    let flags = flags_arg(vm, a[2].as_ref())?;
    let (data, addr) = recv_bytes(vm, &args, meth, n, flags, from)?;
    write_into(vm, &buf, &data)?;
    let count = Value::Int(data.len() as i64);
    match addr {
        Some(addr) => {
            let a = make_sockaddr(vm, &addr);
            Ok(vm.new_tuple_of([count, a]))
        }
        None => Ok(count),
    }
}

/// `recv_into(buffer[, nbytes[, flags]])`.
fn sock_recv_into(vm: &mut Vm, args: Args) -> PyResult<Value> {
    recv_into_common(vm, args, "recv_into", false)
}

/// `recvfrom_into(buffer[, nbytes[, flags]])` -> (nbytes, address).
fn sock_recvfrom_into(vm: &mut Vm, args: Args) -> PyResult<Value> {
    recv_into_common(vm, args, "recvfrom_into", true)
}

/// Send `data` once; the count sent.
fn send_once(
    vm: &mut Vm,
    args: &Args,
    meth: &str,
    data: &[u8],
    flags: i32,
    to: Option<&SockAddr>,
) -> PyResult<usize> {
    let st = state(vm, args, meth)?;
    let r = sock_call(vm, st, true, |fd| match to {
        // SAFETY: `data` is readable for its length; `a` is a valid address.
        Some(a) => unsafe {
            libc::sendto(
                fd,
                data.as_ptr().cast(),
                data.len(),
                flags,
                a.as_ptr(),
                a.len,
            )
        },
        // SAFETY: `data` is readable for its length.
        None => unsafe { libc::send(fd, data.as_ptr().cast(), data.len(), flags) },
    })?;
    r.map_err(|e| vm.os_error(e, None, None))
}

/// `send(data[, flags])` -> count.
fn sock_send(vm: &mut Vm, args: Args) -> PyResult<Value> {
    state(vm, &args, "send")?;
    let a = vm.check_args("send", args, 1, 2)?;
    let data = data_arg(vm, &a[0])?;
    let flags = flags_arg(vm, a.get(1))?;
    let n = send_once(vm, &args, "send", &data, flags, None)?;
    Ok(Value::Int(n as i64))
}

/// `sendto(data[, flags], address)` -> count.
fn sock_sendto(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "sendto")?;
    let pos = args.pos();
    let a = pos.get(1..).unwrap_or(&[]);
    let (data, flags, addr) = match a {
        [d, addr] => (d, None, addr),
        [d, f, addr] => (d, Some(f), addr),
        _ => {
            return Err(vm.type_error(format!(
                "sendto() takes 2 or 3 arguments ({} given)",
                a.len()
            )));
        }
    };
    let data = data_arg(vm, data)?;
    let flags = flags_arg(vm, flags)?;
    let family = st.family.get();
    let to = sockaddr_arg(vm, family, addr, "sendto")?;
    let n = send_once(vm, &args, "sendto", &data, flags, Some(&to))?;
    Ok(Value::Int(n as i64))
}

/// `sendall(data[, flags])`: send everything, within the timeout overall.
fn sock_sendall(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "sendall")?;
    let a = vm.check_args("sendall", args, 1, 2)?;
    let data = data_arg(vm, &a[0])?;
    let flags = flags_arg(vm, a.get(1))?;
    let timeout = st.timeout.get();
    let deadline =
        (timeout > 0.0).then(|| Instant::now() + Duration::from_secs_f64(timeout.min(1e9)));
    let mut off = 0;
    while off < data.len() {
        let fd = st.fd.get();
        if let Some(d) = deadline {
            if !wait_fd(vm, fd, true, d)? {
                return Err(timeout_error(vm));
            }
        }
        let rest = data.get(off..).unwrap_or(&[]);
        // SAFETY: `rest` is readable for its length.
        let (r, e) = vm.allow_threads(|| {
            // SAFETY: `rest` is readable for its length.
            let r = unsafe { libc::send(fd, rest.as_ptr().cast(), rest.len(), flags) };
            (r, last_errno())
        });
        if r < 0 {
            if e == libc::EINTR {
                crate::modules::signal::check_signals(vm)?;
                continue;
            }
            if deadline.is_some() && (e == libc::EAGAIN || e == libc::EWOULDBLOCK) {
                continue;
            }
            return Err(vm.os_error(e, None, None));
        }
        off += r as usize;
        crate::modules::signal::check_signals(vm)?;
    }
    Ok(Value::None)
}
