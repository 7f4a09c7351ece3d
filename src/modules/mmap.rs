//! `mmap` (CPython 3.11's Modules/mmapmodule.c, Unix): memory-mapped files
//! and anonymous maps with the file-like methods (`read`, `write`, `seek`,
//! `find`, `readline`, ...), indexing and slicing, `resize`, `flush`,
//! `madvise`, and the bytes-like buffer (`bytes(m)`).

use std::cell::Cell;

use super::binargs::named_args;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

const ACCESS_DEFAULT: i64 = 0;
const ACCESS_READ: i64 = 1;
const ACCESS_WRITE: i64 = 2;
const ACCESS_COPY: i64 = 3;

/// A mapping: address and length (0 once closed), cursor, how it may be
/// written, and the duplicated descriptor (-1 for anonymous maps).
pub struct Mmap {
    addr: Cell<usize>,
    size: Cell<usize>,
    pos: Cell<usize>,
    access: i64,
    fd: Cell<i32>,
    offset: i64,
    closed: Cell<bool>,
}

impl NativeData for Mmap {
    fn buffer(&self) -> Option<Vec<u8>> {
        Some(self.bytes().to_vec())
    }

    fn buffer_write(&self, at: usize, data: &[u8]) -> bool {
        if self.access == ACCESS_READ {
            return false;
        }
        self.with_mut(|b| match b.get_mut(at..at + data.len()) {
            Some(dst) => {
                dst.copy_from_slice(data);
                true
            }
            None => false,
        })
    }

    fn buffer_readonly(&self) -> bool {
        self.access == ACCESS_READ
    }
}

impl Drop for Mmap {
    fn drop(&mut self) {
        self.unmap();
    }
}

impl Mmap {
    fn bytes(&self) -> &[u8] {
        let (a, n) = (self.addr.get(), self.size.get());
        if a == 0 || n == 0 {
            return &[];
        }
        // SAFETY: addr..addr+n is a live mapping of ours (unmapped only by
        // `unmap`, which zeroes addr and size first).
        unsafe { std::slice::from_raw_parts(a as *const u8, n) }
    }

    /// Run `f` on the mapped bytes, writable.
    fn with_mut<R>(&self, f: impl FnOnce(&mut [u8]) -> R) -> R {
        let (a, n) = (self.addr.get(), self.size.get());
        if a == 0 || n == 0 {
            return f(&mut []);
        }
        // SAFETY: as `bytes`; the map is writable (callers check access)
        // and no other reference into it lives during `f`.
        f(unsafe { std::slice::from_raw_parts_mut(a as *mut u8, n) })
    }

    fn unmap(&self) {
        let (a, n) = (self.addr.replace(0), self.size.replace(0));
        if a != 0 && n != 0 {
            // SAFETY: a..a+n is our mapping, unmapped once.
            unsafe {
                libc::munmap(a as *mut libc::c_void, n);
            }
        }
        let fd = self.fd.replace(-1);
        if fd >= 0 {
            // SAFETY: fd is the descriptor we duplicated.
            unsafe {
                libc::close(fd);
            }
        }
    }
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("mmap");
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "mmap",
        "mmap",
        &object,
        Layout::Native("mmap"),
        FLAG_BASETYPE,
    );
    vm.add_staticmethods(&t, &[("__new__", mmap_new)]);
    vm.add_methods(
        &t,
        &[
            ("close", mm_close),
            ("find", mm_find),
            ("rfind", mm_rfind),
            ("flush", mm_flush),
            ("madvise", mm_madvise),
            ("move", mm_move),
            ("read", mm_read),
            ("read_byte", mm_read_byte),
            ("readline", mm_readline),
            ("resize", mm_resize),
            ("seek", mm_seek),
            ("size", mm_size),
            ("tell", mm_tell),
            ("write", mm_write),
            ("write_byte", mm_write_byte),
            ("__len__", mm_len),
            ("__getitem__", mm_getitem),
            ("__setitem__", mm_setitem),
            ("__iter__", mm_iter),
            ("__enter__", mm_enter),
            ("__exit__", mm_exit),
            ("__repr__", mm_repr),
        ],
    );
    vm.add_getsets(&t, &[("closed", mm_closed, None)]);
    vm.set_attr_raw(&m, "mmap", Value::Obj(t));
    let err = Value::Obj(vm.exc_type(crate::objects::exception::ExcKind::OSError));
    vm.set_attr_raw(&m, "error", err);
    // SAFETY: sysconf has no preconditions.
    let page = i64::from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as i32);
    let consts: &[(&str, i64)] = &[
        ("ACCESS_DEFAULT", ACCESS_DEFAULT),
        ("ACCESS_READ", ACCESS_READ),
        ("ACCESS_WRITE", ACCESS_WRITE),
        ("ACCESS_COPY", ACCESS_COPY),
        ("ALLOCATIONGRANULARITY", page),
        ("PAGESIZE", page),
        ("MAP_SHARED", libc::MAP_SHARED as i64),
        ("MAP_PRIVATE", libc::MAP_PRIVATE as i64),
        ("MAP_ANON", libc::MAP_ANONYMOUS as i64),
        ("MAP_ANONYMOUS", libc::MAP_ANONYMOUS as i64),
        ("MAP_DENYWRITE", libc::MAP_DENYWRITE as i64),
        ("MAP_EXECUTABLE", libc::MAP_EXECUTABLE as i64),
        ("MAP_POPULATE", libc::MAP_POPULATE as i64),
        ("MAP_STACK", libc::MAP_STACK as i64),
        ("PROT_READ", libc::PROT_READ as i64),
        ("PROT_WRITE", libc::PROT_WRITE as i64),
        ("PROT_EXEC", libc::PROT_EXEC as i64),
        ("MADV_NORMAL", 0),
        ("MADV_RANDOM", 1),
        ("MADV_SEQUENTIAL", 2),
        ("MADV_WILLNEED", 3),
        ("MADV_DONTNEED", 4),
        ("MADV_FREE", 8),
        ("MADV_REMOVE", 9),
        ("MADV_DONTFORK", 10),
        ("MADV_DOFORK", 11),
        ("MADV_MERGEABLE", 12),
        ("MADV_UNMERGEABLE", 13),
        ("MADV_HUGEPAGE", 14),
        ("MADV_NOHUGEPAGE", 15),
        ("MADV_DONTDUMP", 16),
        ("MADV_DODUMP", 17),
        ("MADV_HWPOISON", 100),
    ];
    for (n, v) in consts {
        vm.set_attr_raw(&m, n, Value::Int(*v));
    }
    Ok(m)
}

fn int_of(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    match vm.index_value(v)? {
        Some(i) => Ok(i),
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(v)
        ))),
    }
}

fn opt_int(vm: &mut Vm, v: Option<Value>, default: i64) -> PyResult<i64> {
    match v {
        None => Ok(default),
        Some(v) => int_of(vm, &v),
    }
}

/// `mmap(fileno, length, flags=MAP_SHARED, prot=PROT_WRITE|PROT_READ,
/// access=ACCESS_DEFAULT, offset=0)`.
fn mmap_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(cls)) = args.args.first().cloned() else {
        return Err(vm.type_error("mmap.__new__(): not enough arguments"));
    };
    let names = ["fileno", "length", "flags", "prot", "access", "offset"];
    let a = named_args(vm, &args, 1, "mmap", &names)?;
    let (Some(fdv), Some(lenv)) = (a[0].clone(), a[1].clone()) else {
        return Err(vm.type_error("function missing required argument 'length' (pos 2)"));
    };
    let fd = int_of(vm, &fdv)?;
    let length = int_of(vm, &lenv)?;
    let mut flags = opt_int(vm, a[2].clone(), libc::MAP_SHARED as i64)?;
    let mut prot = opt_int(
        vm,
        a[3].clone(),
        (libc::PROT_WRITE | libc::PROT_READ) as i64,
    )?;
    let mut access = opt_int(vm, a[4].clone(), ACCESS_DEFAULT)?;
    let offset = opt_int(vm, a[5].clone(), 0)?;
    if length < 0 {
        return Err(vm.overflow_error("memory mapped length must be positive"));
    }
    if offset < 0 {
        return Err(vm.overflow_error("memory mapped offset must be positive"));
    }
    let rw = (libc::PROT_WRITE | libc::PROT_READ) as i64;
    if access != ACCESS_DEFAULT && (flags != libc::MAP_SHARED as i64 || prot != rw) {
        return Err(vm.value_error("mmap can't specify both access and flags, prot."));
    }
    match access {
        ACCESS_READ => {
            flags = libc::MAP_SHARED as i64;
            prot = libc::PROT_READ as i64;
        }
        ACCESS_WRITE => {
            flags = libc::MAP_SHARED as i64;
            prot = rw;
        }
        ACCESS_COPY => {
            flags = libc::MAP_PRIVATE as i64;
            prot = rw;
        }
        ACCESS_DEFAULT => {
            if prot & rw == rw {
            } else if prot & libc::PROT_WRITE as i64 != 0 {
                access = ACCESS_WRITE;
            } else {
                access = ACCESS_READ;
            }
        }
        _ => return Err(vm.value_error("mmap invalid access parameter.")),
    }
    let mut size = length;
    let mut dupfd = -1;
    if fd != -1 {
        let fd32 = i32::try_from(fd).map_err(|_| vm.overflow_error("fd out of range"))?;
        // SAFETY: st is a valid out buffer for fstat.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: fstat writes into st.
        if unsafe { libc::fstat(fd32, &mut st) } == 0
            && (st.st_mode & libc::S_IFMT) == libc::S_IFREG
        {
            let fsize = st.st_size;
            if size == 0 {
                if fsize == 0 {
                    return Err(vm.value_error("cannot mmap an empty file"));
                }
                if offset >= fsize {
                    return Err(vm.value_error("mmap offset is greater than file size"));
                }
                size = fsize - offset;
            } else if offset > fsize || fsize - offset < size {
                return Err(vm.value_error("mmap length is greater than file size"));
            }
        }
        // SAFETY: dup of a caller-given descriptor.
        dupfd = unsafe { libc::dup(fd32) };
        if dupfd < 0 {
            return Err(vm.last_os_error(None));
        }
    } else {
        flags |= libc::MAP_ANONYMOUS as i64;
    }
    let n = usize::try_from(size).unwrap_or(0);
    let addr = if n == 0 {
        0
    } else {
        // SAFETY: a fresh mapping of n bytes; the kernel checks fd/offset.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                n,
                prot as libc::c_int,
                flags as libc::c_int,
                dupfd,
                offset as libc::off_t,
            )
        };
        if p == libc::MAP_FAILED {
            let e = vm.last_os_error(None);
            if dupfd >= 0 {
                // SAFETY: our duplicated descriptor.
                unsafe { libc::close(dupfd) };
            }
            return Err(e);
        }
        p as usize
    };
    let m = Mmap {
        addr: Cell::new(addr),
        size: Cell::new(n),
        pos: Cell::new(0),
        access,
        fd: Cell::new(dupfd),
        offset,
        closed: Cell::new(false),
    };
    Ok(Value::Obj(vm.new_native(&cls, m)))
}

fn me<'a>(vm: &Vm, args: &Args<'a>, name: &str) -> PyResult<&'a Mmap> {
    let m = vm.native_self::<Mmap>(args, "mmap.mmap", name)?;
    if m.closed.get() {
        return Err(vm.value_error("mmap closed or invalid"));
    }
    Ok(m)
}

fn writable(vm: &Vm, m: &Mmap) -> PyResult<()> {
    if m.access == ACCESS_READ {
        return Err(vm.type_error("mmap can't modify a readonly memory map."));
    }
    Ok(())
}

fn bytes_arg(vm: &Vm, v: &Value) -> PyResult<Vec<u8>> {
    crate::objects::bytes::bytes_of(v).ok_or_else(|| {
        vm.type_error(format!(
            "a bytes-like object is required, not '{}'",
            vm.type_name_of(v)
        ))
    })
}

fn mm_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = vm.native_self::<Mmap>(&args, "mmap.mmap", "close")?;
    if let Some(Value::Obj(o)) = args.args.first() {
        if crate::objects::memoryview::is_exported(o) {
            return Err(vm.new_error(
                crate::objects::exception::ExcKind::BufferError,
                "cannot close exported pointers exist",
            ));
        }
    }
    m.unmap();
    m.closed.set(true);
    Ok(Value::None)
}

fn mm_closed(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::bool(
        vm.native::<Mmap>(v).is_none_or(|m| m.closed.get()),
    ))
}

/// Python-style `[start:end]` bounds clamped to the map.
fn span(len: usize, start: Option<i64>, end: Option<i64>, from: usize) -> (usize, usize) {
    let fix = |v: i64| -> usize {
        if v < 0 {
            (len as i64 + v).max(0) as usize
        } else {
            (v as usize).min(len)
        }
    };
    (start.map_or(from, fix), end.map_or(len, fix))
}

fn find_impl(vm: &mut Vm, args: Args, reverse: bool) -> PyResult<Value> {
    let name = if reverse { "rfind" } else { "find" };
    let m = me(vm, &args, name)?;
    let a = vm.check_args(name, args, 1, 3)?.to_vec();
    let needle = bytes_arg(vm, &a[0])?;
    let start = match a.get(1) {
        Some(v) if !v.is_none() => Some(int_of(vm, v)?),
        _ => None,
    };
    let end = match a.get(2) {
        Some(v) if !v.is_none() => Some(int_of(vm, v)?),
        _ => None,
    };
    let data = m.bytes();
    let (s, e) = span(data.len(), start, end, m.pos.get());
    if s > e || e - s < needle.len() {
        return Ok(Value::Int(-1));
    }
    let hay = data.get(s..e).unwrap_or(&[]);
    let found = if needle.is_empty() {
        Some(if reverse { hay.len() } else { 0 })
    } else if reverse {
        hay.windows(needle.len())
            .rposition(|w| w == needle.as_slice())
    } else {
        hay.windows(needle.len())
            .position(|w| w == needle.as_slice())
    };
    Ok(Value::Int(found.map_or(-1, |i| (s + i) as i64)))
}

fn mm_find(vm: &mut Vm, args: Args) -> PyResult<Value> {
    find_impl(vm, args, false)
}

fn mm_rfind(vm: &mut Vm, args: Args) -> PyResult<Value> {
    find_impl(vm, args, true)
}

fn mm_flush(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = me(vm, &args, "flush")?;
    let a = vm.check_args("flush", args, 0, 2)?.to_vec();
    let offset = match a.first() {
        Some(v) => int_of(vm, v)?,
        None => 0,
    };
    let size = match a.get(1) {
        Some(v) => int_of(vm, v)?,
        None => m.size.get() as i64,
    };
    if size < 0 || offset < 0 || (m.size.get() as i64) - offset < size {
        return Err(vm.value_error("flush values out of range"));
    }
    if m.access == ACCESS_READ || m.access == ACCESS_COPY || size == 0 {
        return Ok(Value::None);
    }
    // SAFETY: the range lies inside our mapping.
    let r = unsafe {
        libc::msync(
            (m.addr.get() + offset as usize) as *mut libc::c_void,
            size as usize,
            libc::MS_SYNC,
        )
    };
    if r < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

fn mm_madvise(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = me(vm, &args, "madvise")?;
    let a = vm.check_args("madvise", args, 1, 3)?.to_vec();
    let option = int_of(vm, &a[0])?;
    let start = match a.get(1) {
        Some(v) => int_of(vm, v)?,
        None => 0,
    };
    let len = m.size.get() as i64;
    if start < 0 || start >= len {
        return Err(vm.value_error("madvise start out of bounds"));
    }
    let length = match a.get(2) {
        Some(v) => int_of(vm, v)?,
        None => len,
    };
    if length < 0 {
        return Err(vm.value_error("madvise length invalid"));
    }
    let length = length.min(len - start);
    // SAFETY: the range lies inside our mapping.
    let r = unsafe {
        libc::madvise(
            (m.addr.get() + start as usize) as *mut libc::c_void,
            length as usize,
            option as libc::c_int,
        )
    };
    if r < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::None)
}

fn mm_move(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = me(vm, &args, "move")?;
    let a = vm.check_args("move", args, 3, 3)?.to_vec();
    let (dest, src, cnt) = (int_of(vm, &a[0])?, int_of(vm, &a[1])?, int_of(vm, &a[2])?);
    writable(vm, m)?;
    let len = m.size.get() as i64;
    if dest < 0 || src < 0 || cnt < 0 || len - dest < cnt || len - src < cnt {
        return Err(vm.value_error("source, destination, or count out of range"));
    }
    m.with_mut(|b| b.copy_within(src as usize..(src + cnt) as usize, dest as usize));
    Ok(Value::None)
}

fn mm_read(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = me(vm, &args, "read")?;
    let a = vm.check_args("read", args, 0, 1)?.to_vec();
    let data = m.bytes();
    let pos = m.pos.get().min(data.len());
    let left = data.len() - pos;
    let n = match a.first() {
        Some(v) if !v.is_none() => {
            let n = int_of(vm, v)?;
            if n < 0 {
                left
            } else {
                (n as usize).min(left)
            }
        }
        _ => left,
    };
    let out = data.get(pos..pos + n).unwrap_or(&[]).to_vec();
    m.pos.set(pos + n);
    Ok(vm.new_bytes(out))
}

fn mm_read_byte(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = me(vm, &args, "read_byte")?;
    let pos = m.pos.get();
    match m.bytes().get(pos) {
        Some(b) => {
            m.pos.set(pos + 1);
            Ok(Value::Int(i64::from(*b)))
        }
        None => Err(vm.value_error("read byte out of range")),
    }
}

fn mm_readline(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = me(vm, &args, "readline")?;
    let data = m.bytes();
    let pos = m.pos.get().min(data.len());
    let rest = data.get(pos..).unwrap_or(&[]);
    let n = rest
        .iter()
        .position(|b| *b == b'\n')
        .map_or(rest.len(), |i| i + 1);
    m.pos.set(pos + n);
    Ok(vm.new_bytes(rest.get(..n).unwrap_or(&[]).to_vec()))
}

fn mm_resize(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = me(vm, &args, "resize")?;
    let a = vm.check_args("resize", args, 1, 1)?.to_vec();
    let new = int_of(vm, &a[0])?;
    if m.access != ACCESS_WRITE && m.access != ACCESS_DEFAULT {
        return Err(vm.type_error("mmap can't resize a readonly or copy-on-write memory map."));
    }
    if new < 0 || i64::MAX - new < m.offset {
        return Err(vm.value_error("new size out of range"));
    }
    let fd = m.fd.get();
    if fd >= 0 {
        // SAFETY: ftruncate of our duplicated descriptor.
        if unsafe { libc::ftruncate(fd, (m.offset + new) as libc::off_t) } < 0 {
            return Err(vm.last_os_error(None));
        }
    }
    let old = m.size.get();
    let newn = new as usize;
    // SAFETY: remapping our own mapping (may move).
    let p = unsafe {
        libc::mremap(
            m.addr.get() as *mut libc::c_void,
            old,
            newn,
            libc::MREMAP_MAYMOVE,
        )
    };
    if p == libc::MAP_FAILED {
        return Err(vm.last_os_error(None));
    }
    m.addr.set(p as usize);
    m.size.set(newn);
    if m.pos.get() > newn {
        m.pos.set(newn);
    }
    Ok(Value::None)
}

fn mm_seek(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = me(vm, &args, "seek")?;
    let a = vm.check_args("seek", args, 1, 2)?.to_vec();
    let dist = int_of(vm, &a[0])?;
    let how = match a.get(1) {
        Some(v) => int_of(vm, v)?,
        None => 0,
    };
    let len = m.size.get() as i64;
    let base = match how {
        0 => 0,
        1 => m.pos.get() as i64,
        2 => len,
        _ => return Err(vm.value_error("unknown seek type")),
    };
    let target = base.checked_add(dist).filter(|t| (0..=len).contains(t));
    match target {
        Some(t) => {
            m.pos.set(t as usize);
            Ok(Value::None)
        }
        None => Err(vm.value_error("seek out of range")),
    }
}

fn mm_size(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = me(vm, &args, "size")?;
    // SAFETY: st is a valid out buffer for fstat.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat writes into st (EBADF for anonymous maps, as CPython).
    if unsafe { libc::fstat(m.fd.get(), &mut st) } < 0 {
        return Err(vm.last_os_error(None));
    }
    Ok(Value::Int(st.st_size))
}

fn mm_tell(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = me(vm, &args, "tell")?;
    Ok(Value::Int(m.pos.get() as i64))
}

fn mm_write(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = me(vm, &args, "write")?;
    let a = vm.check_args("write", args, 1, 1)?.to_vec();
    let data = bytes_arg(vm, &a[0])?;
    writable(vm, m)?;
    let pos = m.pos.get();
    let len = m.size.get();
    if pos > len || len - pos < data.len() {
        return Err(vm.value_error("data out of range"));
    }
    m.with_mut(|b| {
        if let Some(dst) = b.get_mut(pos..pos + data.len()) {
            dst.copy_from_slice(&data);
        }
    });
    m.pos.set(pos + data.len());
    Ok(Value::Int(data.len() as i64))
}

fn mm_write_byte(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = me(vm, &args, "write_byte")?;
    let a = vm.check_args("write_byte", args, 1, 1)?.to_vec();
    let b = int_of(vm, &a[0])?;
    let b =
        u8::try_from(b).map_err(|_| vm.overflow_error("unsigned byte integer is out of range"))?;
    writable(vm, m)?;
    let pos = m.pos.get();
    if !m.with_mut(|buf| buf.get_mut(pos).map(|slot| *slot = b).is_some()) {
        return Err(vm.value_error("write byte out of range"));
    }
    m.pos.set(pos + 1);
    Ok(Value::None)
}

fn mm_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = me(vm, &args, "__len__")?;
    Ok(Value::Int(m.size.get() as i64))
}

/// `(start, stop, step, slicelength)` of a slice over `len` items.
fn slice_parts(vm: &mut Vm, s: &Value, len: usize) -> PyResult<Vec<usize>> {
    let r = vm.call_method(s, "indices", &[Value::Int(len as i64)])?;
    let p = vm.seq_items(&r).unwrap_or_default();
    let (start, stop, step) = match p.as_slice() {
        [Value::Int(a), Value::Int(b), Value::Int(c)] => (*a, *b, *c),
        _ => return Err(vm.type_error("bad slice")),
    };
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(i as usize);
        i += step;
    }
    Ok(out)
}

fn is_slice(v: &Value) -> bool {
    matches!(v, Value::Obj(o) if matches!(o.payload, Payload::Slice(_)))
}

fn mm_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = me(vm, &args, "__getitem__")?;
    let key = args.args.get(1).cloned().unwrap_or(Value::None);
    let data = m.bytes();
    if is_slice(&key) {
        let idx = slice_parts(vm, &key, data.len())?;
        let out: Vec<u8> = idx.iter().filter_map(|i| data.get(*i).copied()).collect();
        return Ok(vm.new_bytes(out));
    }
    let Some(mut i) = vm.index_value(&key)? else {
        return Err(vm.type_error("mmap indices must be integers"));
    };
    if i < 0 {
        i += data.len() as i64;
    }
    match usize::try_from(i).ok().and_then(|i| data.get(i)) {
        Some(b) => Ok(Value::Int(i64::from(*b))),
        None => Err(vm.index_error("mmap index out of range")),
    }
}

fn mm_setitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = me(vm, &args, "__setitem__")?;
    let key = args.args.get(1).cloned().unwrap_or(Value::None);
    let value = args.args.get(2).cloned().unwrap_or(Value::None);
    writable(vm, m)?;
    let len = m.size.get();
    if is_slice(&key) {
        let idx = slice_parts(vm, &key, len)?;
        let data = bytes_arg(vm, &value)?;
        if data.len() != idx.len() {
            return Err(vm.index_error("mmap slice assignment is wrong size"));
        }
        m.with_mut(|buf| {
            for (i, b) in idx.iter().zip(data) {
                if let Some(slot) = buf.get_mut(*i) {
                    *slot = b;
                }
            }
        });
        return Ok(Value::None);
    }
    let Some(mut i) = vm.index_value(&key)? else {
        return Err(vm.type_error("mmap indices must be integer"));
    };
    if i < 0 {
        i += len as i64;
    }
    let Some(i) = usize::try_from(i).ok().filter(|i| *i < len) else {
        return Err(vm.index_error("mmap index out of range"));
    };
    let b = int_of(vm, &value)?;
    let b =
        u8::try_from(b).map_err(|_| vm.value_error("mmap item value must be in range(0, 256)"))?;
    m.with_mut(|buf| {
        if let Some(slot) = buf.get_mut(i) {
            *slot = b;
        }
    });
    Ok(Value::None)
}

/// Iteration goes through CPython's `sq_item`: one-byte bytes objects.
fn mm_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = me(vm, &args, "__iter__")?;
    let items: Vec<Value> = m.bytes().iter().map(|b| vm.new_bytes(vec![*b])).collect();
    let l = vm.new_list(items);
    vm.iter(&l)
}

fn mm_enter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    me(vm, &args, "__enter__")?;
    Ok(args.args.first().cloned().unwrap_or(Value::None))
}

fn mm_exit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let recv = args.args.first().cloned().unwrap_or(Value::None);
    mm_close(vm, Args::new(std::slice::from_ref(&recv)))
}

fn mm_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = vm.native_self::<Mmap>(&args, "mmap.mmap", "__repr__")?;
    // The type's tp_name ("mmap.mmap").
    let name = vm.type_name_of(&args.args.first().cloned().unwrap_or(Value::None));
    if m.closed.get() {
        return Ok(vm.new_string(format!("<{name} closed=True>")));
    }
    let access = match m.access {
        ACCESS_READ => "ACCESS_READ",
        ACCESS_WRITE => "ACCESS_WRITE",
        ACCESS_COPY => "ACCESS_COPY",
        _ => "ACCESS_DEFAULT",
    };
    Ok(vm.new_string(format!(
        "<{name} closed=False, access={access}, length={}, pos={}, offset={}>",
        m.size.get(),
        m.pos.get(),
        m.offset
    )))
}
