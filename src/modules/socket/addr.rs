//! Socket addresses as CPython's `_socket` converts them: Python address
//! objects (`(host, port)` tuples, AF_UNIX paths) to C `sockaddr`s
//! (`getsockaddrarg`, `setipaddr`) and back (`makesockaddr`), plus the
//! resolver calls over libc's `getaddrinfo`.

use std::ffi::{CStr, CString};

use crate::objects::Payload;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

use super::{gai_error, registry_herror};
use crate::modules::posix::util::{fsencode_str, int_arg};

/// A C socket address and its length.
pub struct SockAddr {
    pub storage: libc::sockaddr_storage,
    pub len: libc::socklen_t,
}

impl SockAddr {
    /// An all-zero address of full size (for `accept`, `getsockname`...).
    pub fn empty() -> SockAddr {
        SockAddr {
            // SAFETY: sockaddr_storage is plain old data; all-zero is valid.
            storage: unsafe { std::mem::zeroed() },
            len: std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t,
        }
    }

    pub fn as_ptr(&self) -> *const libc::sockaddr {
        (&self.storage as *const libc::sockaddr_storage).cast()
    }

    pub fn as_mut_ptr(&mut self) -> *mut libc::sockaddr {
        (&mut self.storage as *mut libc::sockaddr_storage).cast()
    }

    /// Copy `len` bytes of a C address in (from getaddrinfo results).
    ///
    /// # Safety
    /// `p` must point to at least `len` readable bytes.
    unsafe fn from_raw(p: *const libc::sockaddr, len: libc::socklen_t) -> SockAddr {
        let mut a = SockAddr::empty();
        let n = (len as usize).min(std::mem::size_of::<libc::sockaddr_storage>());
        std::ptr::copy_nonoverlapping(p.cast::<u8>(), a.as_mut_ptr().cast::<u8>(), n);
        a.len = n as libc::socklen_t;
        a
    }
}

/// The bytes of a host name argument (str: IDNA/ASCII, bytes, bytearray).
pub fn host_bytes(vm: &mut Vm, v: &Value) -> PyResult<Option<Vec<u8>>> {
    if let Some(s) = vm.as_str_obj(v) {
        let s = s.as_str().to_string();
        if s.is_ascii() {
            return Ok(Some(s.into_bytes()));
        }
        let idna = vm.new_str("idna");
        let b = vm.call_method(v, "encode", &[idna])?;
        return Ok(crate::objects::bytes::bytes_of(&b).map(|b| b.to_vec()));
    }
    if let Value::Obj(o) = v {
        match &o.payload {
            Payload::Bytes(b) => return Ok(Some(b.to_vec())),
            Payload::ByteArray(b) => return Ok(Some(b.borrow().clone())),
            _ => {}
        }
    }
    Ok(None)
}

/// A C string without interior NULs, or CPython's ValueError.
fn c_string(vm: &Vm, b: Vec<u8>) -> PyResult<CString> {
    CString::new(b).map_err(|_| vm.value_error("embedded null byte"))
}

/// One entry of a `getaddrinfo` answer.
pub struct AddrInfo {
    pub family: i32,
    pub socktype: i32,
    pub protocol: i32,
    pub canonname: String,
    pub addr: SockAddr,
}

/// libc `getaddrinfo`, its error as `socket.gaierror` (or OSError).
pub fn resolve(
    vm: &mut Vm,
    host: Option<&CStr>,
    port: Option<&CStr>,
    hints: (i32, i32, i32, i32),
) -> PyResult<Vec<AddrInfo>> {
    // SAFETY: addrinfo is plain old data; all-zero is a valid hints value.
    let mut h: libc::addrinfo = unsafe { std::mem::zeroed() };
    h.ai_family = hints.0;
    h.ai_socktype = hints.1;
    h.ai_protocol = hints.2;
    h.ai_flags = hints.3;
    let mut res: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: the strings are NUL-terminated or null, the hints are
    // initialised and `res` receives a list freed below.
    let rc = unsafe {
        libc::getaddrinfo(
            host.map_or(std::ptr::null(), |c| c.as_ptr()),
            port.map_or(std::ptr::null(), |c| c.as_ptr()),
            &h,
            &mut res,
        )
    };
    if rc != 0 {
        return Err(gai_error(vm, rc));
    }
    let mut out = Vec::new();
    let mut p = res;
    while !p.is_null() {
        // SAFETY: `p` walks the list getaddrinfo returned, still allocated.
        let ai = unsafe { &*p };
        let canonname = if ai.ai_canonname.is_null() {
            String::new()
        } else {
            // SAFETY: a non-null canonname is NUL-terminated.
            unsafe { CStr::from_ptr(ai.ai_canonname) }
                .to_string_lossy()
                .into_owned()
        };
        let addr = if ai.ai_addr.is_null() {
            SockAddr::empty()
        } else {
            // SAFETY: ai_addr points to ai_addrlen bytes.
            unsafe { SockAddr::from_raw(ai.ai_addr, ai.ai_addrlen) }
        };
        out.push(AddrInfo {
            family: ai.ai_family,
            socktype: ai.ai_socktype,
            protocol: ai.ai_protocol,
            canonname,
            addr,
        });
        p = ai.ai_next;
    }
    // SAFETY: `res` came from a successful getaddrinfo and is freed once.
    unsafe { libc::freeaddrinfo(res) };
    Ok(out)
}

/// CPython's `setipaddr`: a host name to an address of `family`.
pub fn set_ip_addr(vm: &mut Vm, name: &[u8], family: i32) -> PyResult<SockAddr> {
    if name.is_empty() {
        let infos = resolve(
            vm,
            None,
            Some(c"0"),
            (family, libc::SOCK_DGRAM, 0, libc::AI_PASSIVE),
        )?;
        return match infos.into_iter().next() {
            Some(i) => Ok(i.addr),
            None => Err(os_msg(vm, "address family mismatched")),
        };
    }
    if name == b"<broadcast>" || name == b"255.255.255.255" {
        if family != libc::AF_INET && family != libc::AF_UNSPEC {
            return Err(os_msg(vm, "address family mismatched"));
        }
        return Ok(inet_addr([255, 255, 255, 255], 0));
    }
    if family == libc::AF_INET || family == libc::AF_UNSPEC {
        if let Some(ip) = std::str::from_utf8(name)
            .ok()
            .and_then(|s| s.parse::<std::net::Ipv4Addr>().ok())
        {
            return Ok(inet_addr(ip.octets(), 0));
        }
    }
    if family == libc::AF_INET6 || family == libc::AF_UNSPEC {
        if let Some(ip) = std::str::from_utf8(name)
            .ok()
            .and_then(|s| s.parse::<std::net::Ipv6Addr>().ok())
        {
            return Ok(inet6_addr(ip.octets(), 0, 0, 0));
        }
    }
    let host = c_string(vm, name.to_vec())?;
    let infos = resolve(vm, Some(&host), None, (family, 0, 0, 0))?;
    match infos.into_iter().next() {
        Some(i) => Ok(i.addr),
        None => Err(os_msg(vm, "address family mismatched")),
    }
}

/// A plain `OSError(msg)`.
pub fn os_msg(vm: &mut Vm, msg: &str) -> crate::vm::PyErr {
    let cls = Value::Obj(vm.exc_type(crate::objects::exception::ExcKind::OSError));
    let m = vm.new_str(msg);
    match vm.call(&cls, &[m]) {
        Ok(Value::Obj(e)) => crate::vm::PyErr(e),
        Ok(_) => vm.system_error("OSError() did not return an exception"),
        Err(e) => e,
    }
}

/// An AF_INET address.
pub fn inet_addr(ip: [u8; 4], port: u16) -> SockAddr {
    let mut a = SockAddr::empty();
    // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_in.
    let sin = unsafe { &mut *a.as_mut_ptr().cast::<libc::sockaddr_in>() };
    sin.sin_family = libc::AF_INET as libc::sa_family_t;
    sin.sin_port = port.to_be();
    sin.sin_addr.s_addr = u32::from_ne_bytes(ip);
    a.len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    a
}

/// An AF_INET6 address.
pub fn inet6_addr(ip: [u8; 16], port: u16, flowinfo: u32, scope: u32) -> SockAddr {
    let mut a = SockAddr::empty();
    // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_in6.
    let sin = unsafe { &mut *a.as_mut_ptr().cast::<libc::sockaddr_in6>() };
    sin.sin6_family = libc::AF_INET6 as libc::sa_family_t;
    sin.sin6_port = port.to_be();
    sin.sin6_addr.s6_addr = ip;
    sin.sin6_flowinfo = flowinfo.to_be();
    sin.sin6_scope_id = scope;
    a.len = std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t;
    a
}

fn tuple_items(v: &Value) -> Option<&[Value]> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

/// A port number 0-65535, CPython's OverflowError naming `caller`.
fn port_arg(vm: &mut Vm, v: &Value, caller: &str) -> PyResult<u16> {
    let p = int_arg(vm, v)?;
    u16::try_from(p).map_err(|_| vm.overflow_error(format!("{caller}(): port must be 0-65535.")))
}

/// The host of an address tuple, resolved for `family`.
fn tuple_host(vm: &mut Vm, v: &Value, family: i32) -> PyResult<SockAddr> {
    match host_bytes(vm, v)? {
        Some(b) => {
            if b.contains(&0) {
                return Err(vm.type_error("host name must not contain null character"));
            }
            set_ip_addr(vm, &b, family)
        }
        None => Err(vm.type_error(format!(
            "str, bytes or bytearray expected, not {}",
            vm.type_name_of(v)
        ))),
    }
}

/// CPython's `getsockaddrarg`: a Python address for a socket of `family`.
pub fn sockaddr_arg(vm: &mut Vm, family: i32, v: &Value, caller: &str) -> PyResult<SockAddr> {
    match family {
        libc::AF_UNIX => unix_addr(vm, v),
        libc::AF_INET => {
            let Some(t) = tuple_items(v) else {
                return Err(vm.type_error(format!(
                    "{caller}(): AF_INET address must be tuple, not {}",
                    vm.type_name_of(v)
                )));
            };
            let [host, port] = t else {
                return Err(vm.type_error("AF_INET address must be a pair (host, port)"));
            };
            let mut a = tuple_host(vm, host, libc::AF_INET)?;
            let port = port_arg(vm, port, caller)?;
            // SAFETY: set_ip_addr with AF_INET gives a sockaddr_in.
            let sin = unsafe { &mut *a.as_mut_ptr().cast::<libc::sockaddr_in>() };
            sin.sin_port = port.to_be();
            Ok(a)
        }
        libc::AF_INET6 => {
            let Some(t) = tuple_items(v) else {
                return Err(vm.type_error(format!(
                    "{caller}(): AF_INET6 address must be tuple, not {}",
                    vm.type_name_of(v)
                )));
            };
            if !(2..=4).contains(&t.len()) {
                return Err(vm.type_error(
                    "AF_INET6 address must be a tuple (host, port[, flowinfo[, scopeid]])",
                ));
            }
            let host = t.first().cloned().unwrap_or(Value::None);
            let mut a = tuple_host(vm, &host, libc::AF_INET6)?;
            let port = port_arg(vm, t.get(1).unwrap_or(&Value::Int(0)), caller)?;
            let flow = match t.get(2) {
                Some(f) => int_arg(vm, f)?,
                None => 0,
            };
            if !(0..=0xfffff).contains(&flow) {
                return Err(vm.overflow_error(format!("{caller}(): flowinfo must be 0-1048575.")));
            }
            let scope = match t.get(3) {
                Some(s) => int_arg(vm, s)?,
                None => 0,
            };
            let scope = u32::try_from(scope)
                .map_err(|_| vm.overflow_error("Python int too large to convert to C int"))?;
            // SAFETY: set_ip_addr with AF_INET6 gives a sockaddr_in6.
            let sin = unsafe { &mut *a.as_mut_ptr().cast::<libc::sockaddr_in6>() };
            sin.sin6_port = port.to_be();
            sin.sin6_flowinfo = (flow as u32).to_be();
            sin.sin6_scope_id = scope;
            Ok(a)
        }
        _ => Err(os_msg(vm, &format!("{caller}(): bad family"))),
    }
}

/// An AF_UNIX address from a str or bytes-like path.
fn unix_addr(vm: &mut Vm, v: &Value) -> PyResult<SockAddr> {
    let path = if vm.as_str_obj(v).is_some() {
        fsencode_str(vm, v)?.unwrap_or_default()
    } else {
        match crate::modules::posix::util::bytes_like(vm, v) {
            Some(b) => b,
            None => {
                return Err(vm.type_error(format!(
                    "a bytes-like object is required, not '{}'",
                    vm.type_name_of(v)
                )))
            }
        }
    };
    let mut a = SockAddr::empty();
    // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_un.
    let sun = unsafe { &mut *a.as_mut_ptr().cast::<libc::sockaddr_un>() };
    if path.len() >= sun.sun_path.len() {
        return Err(os_msg(vm, "AF_UNIX path too long"));
    }
    sun.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (d, s) in sun.sun_path.iter_mut().zip(&path) {
        *d = *s as libc::c_char;
    }
    let base = std::mem::size_of::<libc::sa_family_t>();
    a.len = (base + path.len()) as libc::socklen_t;
    Ok(a)
}

/// The text form of an IPv4 or IPv6 address.
pub fn ip_text(a: &SockAddr) -> String {
    match i32::from(a.storage.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a sockaddr_in.
            let sin = unsafe { &*a.as_ptr().cast::<libc::sockaddr_in>() };
            std::net::Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes()).to_string()
        }
        libc::AF_INET6 => {
            // SAFETY: the family says the storage holds a sockaddr_in6.
            let sin = unsafe { &*a.as_ptr().cast::<libc::sockaddr_in6>() };
            ipv6_text(sin.sin6_addr.s6_addr)
        }
        _ => String::new(),
    }
}

/// An IPv6 address as inet_ntop writes it (IPv4-mapped ones dotted).
pub fn ipv6_text(b: [u8; 16]) -> String {
    let ip = std::net::Ipv6Addr::from(b);
    ip.to_string()
}

/// CPython's `makesockaddr`: a C address as a Python object.
pub fn make_sockaddr(vm: &mut Vm, a: &SockAddr) -> Value {
    if a.len == 0 {
        return Value::None;
    }
    match i32::from(a.storage.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a sockaddr_in.
            let sin = unsafe { &*a.as_ptr().cast::<libc::sockaddr_in>() };
            let host = vm.new_string(ip_text(a));
            vm.new_tuple_of([host, Value::Int(i64::from(u16::from_be(sin.sin_port)))])
        }
        libc::AF_INET6 => {
            // SAFETY: the family says the storage holds a sockaddr_in6.
            let sin = unsafe { &*a.as_ptr().cast::<libc::sockaddr_in6>() };
            let host = vm.new_string(ip_text(a));
            vm.new_tuple_of([
                host,
                Value::Int(i64::from(u16::from_be(sin.sin6_port))),
                Value::Int(i64::from(u32::from_be(sin.sin6_flowinfo))),
                Value::Int(i64::from(sin.sin6_scope_id)),
            ])
        }
        libc::AF_UNIX => {
            // SAFETY: the family says the storage holds a sockaddr_un.
            let sun = unsafe { &*a.as_ptr().cast::<libc::sockaddr_un>() };
            let base = std::mem::size_of::<libc::sa_family_t>();
            let n = (a.len as usize)
                .saturating_sub(base)
                .min(sun.sun_path.len());
            let raw: Vec<u8> = sun.sun_path.iter().take(n).map(|c| *c as u8).collect();
            if n > 0 && raw.first() == Some(&0) {
                return vm.new_bytes(raw);
            }
            let end = raw.iter().position(|c| *c == 0).unwrap_or(raw.len());
            crate::modules::posix::util::fsdecode(vm, raw.get(..end).unwrap_or(&[]))
        }
        f => {
            let data: Vec<u8> = (a.len as usize)
                .checked_sub(2)
                .map(|n| {
                    // SAFETY: the storage is `sockaddr_storage`-sized; `n` is
                    // bounded by the length the kernel reported.
                    let bytes = unsafe {
                        std::slice::from_raw_parts(
                            a.as_ptr().cast::<u8>(),
                            std::mem::size_of::<libc::sockaddr_storage>(),
                        )
                    };
                    bytes.iter().skip(2).take(n.min(14)).copied().collect()
                })
                .unwrap_or_default();
            let d = vm.new_bytes(data);
            vm.new_tuple_of([Value::Int(i64::from(f)), d])
        }
    }
}

/// `gethostbyaddr`-style reverse lookup; `herror` when the host is unknown.
pub fn reverse_name(vm: &mut Vm, a: &SockAddr) -> PyResult<String> {
    let mut host = [0 as libc::c_char; 1025];
    // SAFETY: `a` is a valid address of `a.len` bytes and `host` a writable
    // buffer of the length passed; no service is asked for.
    let rc = unsafe {
        libc::getnameinfo(
            a.as_ptr(),
            a.len,
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            std::ptr::null_mut(),
            0,
            libc::NI_NAMEREQD,
        )
    };
    if rc != 0 {
        let cls = registry_herror(vm)?;
        let m = vm.new_str("Unknown host");
        return match vm.call(&cls, &[Value::Int(1), m]) {
            Ok(Value::Obj(e)) => Err(crate::vm::PyErr(e)),
            Ok(_) => Err(vm.system_error("herror() did not return an exception")),
            Err(e) => Err(e),
        };
    }
    // SAFETY: getnameinfo wrote a NUL-terminated name into `host`.
    Ok(unsafe { CStr::from_ptr(host.as_ptr()) }
        .to_string_lossy()
        .into_owned())
}
