//! Name and address functions of `_socket`: `getaddrinfo`, `getnameinfo`,
//! `gethostname`, `gethostbyname[_ex]`, `gethostbyaddr`,
//! `getservbyname/port`, `getprotobyname` and the `inet_*` converters.

use std::ffi::{CStr, CString};

use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::addr::{host_bytes, ip_text, make_sockaddr, os_msg, resolve, reverse_name, set_ip_addr};
use crate::modules::posix::util::{bytes_like, c_int_arg, int_arg, parse_args};

pub fn add_functions(vm: &mut Vm, m: &PyRef) {
    vm.add_functions(
        m,
        &[
            ("getaddrinfo", socket_getaddrinfo),
            ("getnameinfo", socket_getnameinfo),
            ("gethostname", socket_gethostname),
            ("gethostbyname", socket_gethostbyname),
            ("gethostbyname_ex", socket_gethostbyname_ex),
            ("gethostbyaddr", socket_gethostbyaddr),
            ("getservbyname", socket_getservbyname),
            ("getservbyport", socket_getservbyport),
            ("getprotobyname", socket_getprotobyname),
            ("inet_aton", socket_inet_aton),
            ("inet_ntoa", socket_inet_ntoa),
            ("inet_pton", socket_inet_pton),
            ("inet_ntop", socket_inet_ntop),
        ],
    );
}

fn c_str(vm: &Vm, b: Vec<u8>) -> PyResult<CString> {
    CString::new(b).map_err(|_| vm.value_error("embedded null byte"))
}

fn str_arg(vm: &Vm, v: &Value, fname: &str, argn: usize) -> PyResult<String> {
    match vm.as_str_obj(v) {
        Some(s) => Ok(s.as_str().to_string()),
        None => Err(vm.type_error(format!(
            "{fname}() argument {argn} must be str, not {}",
            vm.arg_type_name(v)
        ))),
    }
}

/// `getaddrinfo(host, port, family=0, type=0, proto=0, flags=0)`.
fn socket_getaddrinfo(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let names = ["host", "port", "family", "type", "proto", "flags"];
    let a = parse_args(vm, &args, "getaddrinfo", &names, 2, 6)?;
    let host = a[0].clone().unwrap_or(Value::None);
    let host = match &host {
        Value::None => None,
        v => match host_bytes(vm, v)? {
            Some(b) => Some(c_str(vm, b)?),
            None => return Err(vm.type_error("getaddrinfo() argument 1 must be string or None")),
        },
    };
    let port = match a[1].clone().unwrap_or(Value::None) {
        Value::None => None,
        Value::Int(i) => Some(c_str(vm, i.to_string().into_bytes())?),
        v => {
            if let Some(s) = vm.as_str_obj(&v) {
                let s = s.as_str().to_string();
                Some(c_str(vm, s.into_bytes())?)
            } else if let Some(b) = crate::modules::posix::util::bytes_of(&v) {
                Some(c_str(vm, b.to_vec())?)
            } else if let Some(i) = vm.index_value(&v)? {
                Some(c_str(vm, i.to_string().into_bytes())?)
            } else {
                return Err(os_msg(vm, "Int or String expected"));
            }
        }
    };
    let mut ints = [0i32; 4];
    for (slot, v) in ints.iter_mut().zip(a.iter().skip(2)) {
        if let Some(v) = v {
            *slot = c_int_arg(vm, v)?;
        }
    }
    let infos = resolve(
        vm,
        host.as_deref(),
        port.as_deref(),
        (ints[0], ints[1], ints[2], ints[3]),
    )?;
    let mut out = Vec::with_capacity(infos.len());
    for i in infos {
        let canon = vm.new_string(i.canonname);
        let sa = make_sockaddr(vm, &i.addr);
        out.push(vm.new_tuple_of([
            Value::Int(i64::from(i.family)),
            Value::Int(i64::from(i.socktype)),
            Value::Int(i64::from(i.protocol)),
            canon,
            sa,
        ]));
    }
    Ok(vm.new_list(out))
}

/// `getnameinfo(sockaddr, flags)` -> (host, port).
fn socket_getnameinfo(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("getnameinfo", args, 2, 2)?;
    let flags = c_int_arg(vm, &a[1])?;
    let items = match &a[0] {
        Value::Obj(o) => match &o.payload {
            crate::objects::Payload::Tuple(t) => t.to_vec(),
            _ => return Err(vm.type_error("getnameinfo() argument 1 must be a tuple")),
        },
        _ => return Err(vm.type_error("getnameinfo() argument 1 must be a tuple")),
    };
    if !(2..=4).contains(&items.len()) {
        return Err(vm.type_error("getnameinfo() argument 1 must be a tuple"));
    }
    let host = items.first().cloned().unwrap_or(Value::None);
    let host = str_arg(vm, &host, "getnameinfo", 1)?;
    let port = int_arg(vm, items.get(1).unwrap_or(&Value::Int(0)))?;
    let host = c_str(vm, host.into_bytes())?;
    let port_s = c_str(vm, port.to_string().into_bytes())?;
    let infos = resolve(
        vm,
        Some(&host),
        Some(&port_s),
        (0, libc::SOCK_DGRAM, 0, libc::AI_NUMERICHOST),
    )?;
    let Some(info) = infos.into_iter().next() else {
        return Err(os_msg(vm, "sockaddr resolved to multiple addresses"));
    };
    let mut hbuf = [0 as libc::c_char; 1025];
    let mut sbuf = [0 as libc::c_char; 32];
    // SAFETY: the address is valid for its length; both buffers are
    // writable for the lengths passed.
    let rc = unsafe {
        libc::getnameinfo(
            info.addr.as_ptr(),
            info.addr.len,
            hbuf.as_mut_ptr(),
            hbuf.len() as libc::socklen_t,
            sbuf.as_mut_ptr(),
            sbuf.len() as libc::socklen_t,
            flags,
        )
    };
    if rc != 0 {
        return Err(super::gai_error(vm, rc));
    }
    // SAFETY: getnameinfo wrote NUL-terminated strings.
    let (h, s) = unsafe {
        (
            CStr::from_ptr(hbuf.as_ptr()).to_string_lossy().into_owned(),
            CStr::from_ptr(sbuf.as_ptr()).to_string_lossy().into_owned(),
        )
    };
    let h = vm.new_string(h);
    let s = vm.new_string(s);
    Ok(vm.new_tuple_of([h, s]))
}

fn socket_gethostname(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("gethostname", args, 0, 0)?;
    let mut buf = [0 as libc::c_char; 1024];
    // SAFETY: `buf` is writable for the length passed (one byte kept for NUL).
    if unsafe { libc::gethostname(buf.as_mut_ptr(), buf.len() - 1) } < 0 {
        return Err(vm.last_os_error(None));
    }
    // SAFETY: the buffer was zeroed and its last byte never written.
    let s = unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned();
    Ok(vm.new_string(s))
}

fn host_arg(vm: &mut Vm, v: &Value, fname: &str) -> PyResult<Vec<u8>> {
    match host_bytes(vm, v)? {
        Some(b) => Ok(b),
        None => Err(vm.type_error(format!(
            "{fname}() argument 1 must be str, bytes or bytearray, not {}",
            vm.arg_type_name(v)
        ))),
    }
}

/// `gethostbyname(name)` -> dotted IPv4 text.
fn socket_gethostbyname(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("gethostbyname", args, 1, 1)?;
    let name = host_arg(vm, &a[0], "gethostbyname")?;
    let addr = set_ip_addr(vm, &name, libc::AF_INET)?;
    Ok(vm.new_string(ip_text(&addr)))
}

/// `gethostbyname_ex(name)` -> (name, aliases, addresses).
fn socket_gethostbyname_ex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("gethostbyname_ex", args, 1, 1)?;
    let name = host_arg(vm, &a[0], "gethostbyname_ex")?;
    let host = c_str(vm, name.clone())?;
    let infos = resolve(
        vm,
        Some(&host),
        None,
        (libc::AF_INET, libc::SOCK_STREAM, 0, libc::AI_CANONNAME),
    )?;
    let canon = infos
        .iter()
        .find(|i| !i.canonname.is_empty())
        .map(|i| i.canonname.clone())
        .unwrap_or_else(|| String::from_utf8_lossy(&name).into_owned());
    let mut ips: Vec<String> = Vec::new();
    for i in &infos {
        let t = ip_text(&i.addr);
        if !ips.contains(&t) {
            ips.push(t);
        }
    }
    let canon = vm.new_string(canon);
    let aliases = vm.new_list(Vec::new());
    let ips: Vec<Value> = ips.into_iter().map(|s| vm.new_string(s)).collect();
    let ips = vm.new_list(ips);
    Ok(vm.new_tuple_of([canon, aliases, ips]))
}

/// `gethostbyaddr(ip)` -> (name, aliases, addresses).
fn socket_gethostbyaddr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("gethostbyaddr", args, 1, 1)?;
    let name = host_arg(vm, &a[0], "gethostbyaddr")?;
    let addr = set_ip_addr(vm, &name, libc::AF_UNSPEC)?;
    let host = reverse_name(vm, &addr)?;
    let host = vm.new_string(host);
    let aliases = vm.new_list(Vec::new());
    let ip = vm.new_string(ip_text(&addr));
    let ips = vm.new_list(vec![ip]);
    Ok(vm.new_tuple_of([host, aliases, ips]))
}

fn opt_proto(vm: &Vm, v: Option<&Value>, fname: &str) -> PyResult<Option<CString>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(v) => {
            let s = str_arg(vm, v, fname, 2)?;
            Ok(Some(c_str(vm, s.into_bytes())?))
        }
    }
}

/// `getservbyname(servicename[, protocolname])` -> port.
fn socket_getservbyname(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("getservbyname", args, 1, 2)?;
    let name = str_arg(vm, &a[0], "getservbyname", 1)?;
    let name = c_str(vm, name.into_bytes())?;
    let proto = opt_proto(vm, a.get(1), "getservbyname")?;
    // SAFETY: both strings are NUL-terminated or null; the result points to
    // static storage read at once.
    let p = unsafe {
        libc::getservbyname(
            name.as_ptr(),
            proto.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()),
        )
    };
    if p.is_null() {
        return Err(os_msg(vm, "service/proto not found"));
    }
    // SAFETY: non-null result of getservbyname.
    let port = unsafe { (*p).s_port };
    Ok(Value::Int(i64::from(u16::from_be(port as u16))))
}

/// `getservbyport(port[, protocolname])` -> service name.
fn socket_getservbyport(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("getservbyport", args, 1, 2)?;
    let port = int_arg(vm, &a[0])?;
    let port = u16::try_from(port)
        .map_err(|_| vm.overflow_error("getservbyport: port must be 0-65535."))?;
    let proto = opt_proto(vm, a.get(1), "getservbyport")?;
    // SAFETY: the protocol is NUL-terminated or null; the result points to
    // static storage read at once.
    let p = unsafe {
        libc::getservbyport(
            i32::from(port.to_be()),
            proto.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()),
        )
    };
    if p.is_null() {
        return Err(os_msg(vm, "port/proto not found"));
    }
    // SAFETY: non-null result with a NUL-terminated name.
    let name = unsafe { CStr::from_ptr((*p).s_name) }
        .to_string_lossy()
        .into_owned();
    Ok(vm.new_string(name))
}

/// `getprotobyname(name)` -> protocol number.
fn socket_getprotobyname(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("getprotobyname", args, 1, 1)?;
    let name = str_arg(vm, &a[0], "getprotobyname", 1)?;
    let name = c_str(vm, name.into_bytes())?;
    // SAFETY: a NUL-terminated name; the result points to static storage.
    let p = unsafe { libc::getprotobyname(name.as_ptr()) };
    if p.is_null() {
        return Err(os_msg(vm, "protocol not found"));
    }
    // SAFETY: non-null result of getprotobyname.
    Ok(Value::Int(i64::from(unsafe { (*p).p_proto })))
}

/// `inet_aton(string)`: IPv4 text (with inet_aton's short forms) to 4 bytes.
fn socket_inet_aton(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("inet_aton", args, 1, 1)?;
    let s = str_arg(vm, &a[0], "inet_aton", 1)?;
    let c = c_str(vm, s.into_bytes())?;
    // SAFETY: in_addr is plain old data.
    let mut addr: libc::in_addr = unsafe { std::mem::zeroed() };
    // SAFETY: a NUL-terminated string and a writable in_addr.
    if unsafe { inet_aton(c.as_ptr(), &mut addr) } == 0 {
        return Err(os_msg(vm, "illegal IP address string passed to inet_aton"));
    }
    Ok(vm.new_bytes(addr.s_addr.to_ne_bytes().to_vec()))
}

extern "C" {
    fn inet_aton(cp: *const libc::c_char, inp: *mut libc::in_addr) -> libc::c_int;
}

/// `inet_ntoa(packed)`: 4 bytes to dotted text.
fn socket_inet_ntoa(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("inet_ntoa", args, 1, 1)?;
    let b = packed_arg(vm, &a[0])?;
    let Ok(ip) = <[u8; 4]>::try_from(b.as_slice()) else {
        return Err(os_msg(vm, "packed IP wrong length for inet_ntoa"));
    };
    Ok(vm.new_string(std::net::Ipv4Addr::from(ip).to_string()))
}

fn packed_arg(vm: &mut Vm, v: &Value) -> PyResult<Vec<u8>> {
    match bytes_like(vm, v) {
        Some(b) => Ok(b),
        None => Err(vm.type_error(format!(
            "a bytes-like object is required, not '{}'",
            vm.type_name_of(v)
        ))),
    }
}

/// `inet_pton(family, text)`.
fn socket_inet_pton(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("inet_pton", args, 2, 2)?;
    let af = c_int_arg(vm, &a[0])?;
    let s = str_arg(vm, &a[1], "inet_pton", 2)?;
    let bad = |vm: &mut Vm| os_msg(vm, "illegal IP address string passed to inet_pton");
    match af {
        libc::AF_INET => match s.parse::<std::net::Ipv4Addr>() {
            Ok(ip) => Ok(vm.new_bytes(ip.octets().to_vec())),
            Err(_) => Err(bad(vm)),
        },
        libc::AF_INET6 => match s.parse::<std::net::Ipv6Addr>() {
            Ok(ip) => Ok(vm.new_bytes(ip.octets().to_vec())),
            Err(_) => Err(bad(vm)),
        },
        _ => Err(vm.os_error(libc::EAFNOSUPPORT, None, None)),
    }
}

/// `inet_ntop(family, packed)`.
fn socket_inet_ntop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("inet_ntop", args, 2, 2)?;
    let af = c_int_arg(vm, &a[0])?;
    let b = packed_arg(vm, &a[1])?;
    match af {
        libc::AF_INET => match <[u8; 4]>::try_from(b.as_slice()) {
            Ok(ip) => Ok(vm.new_string(std::net::Ipv4Addr::from(ip).to_string())),
            Err(_) => Err(vm.value_error("invalid length of packed IP address string")),
        },
        libc::AF_INET6 => match <[u8; 16]>::try_from(b.as_slice()) {
            Ok(ip) => Ok(vm.new_string(super::addr::ipv6_text(ip))),
            Err(_) => Err(vm.value_error("invalid length of packed IP address string")),
        },
        _ => Err(vm.value_error(format!("unknown address family {af}"))),
    }
}
