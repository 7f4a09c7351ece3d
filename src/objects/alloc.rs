//! Allocations whose size a program chooses (`[0] * n`, `'x' * n`,
//! `bytes(n)`, `s.ljust(n)`, `sep.join(...)`): where CPython calls
//! `PyErr_NoMemory` because the size overflows `Py_ssize_t` or `malloc`
//! returns NULL, these return MemoryError (with no arguments, as CPython's)
//! instead of letting Rust's allocator abort the process. The buffer is
//! reserved with `try_reserve_exact`, so a request the system refuses
//! fails here, up front, as CPython's `malloc` does.

use crate::objects::exception::ExcKind;
use crate::vm::{PyErr, PyResult, Vm};

/// CPython's `PyErr_NoMemory()`: a MemoryError without arguments.
pub fn no_memory(vm: &Vm) -> PyErr {
    vm.new_error_noargs(ExcKind::MemoryError)
}

/// `n * size` as a byte count within `isize::MAX`, or MemoryError.
pub fn total_size(vm: &Vm, n: usize, size: usize) -> PyResult<usize> {
    n.checked_mul(size)
        .filter(|&t| t <= isize::MAX as usize)
        .ok_or_else(|| no_memory(vm))
}

/// The largest single allocation the system would grant CPython's
/// `malloc`: under Linux's default overcommit heuristic a request beyond
/// RAM plus swap is refused. pycvm's allocator (mimalloc) reserves address
/// space lazily and would grant it, only to be killed when the pages are
/// touched, so requests past this bound are refused here.
fn system_limit() -> usize {
    static LIMIT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        let always = std::fs::read_to_string("/proc/sys/vm/overcommit_memory")
            .is_ok_and(|m| m.trim() == "1");
        if always {
            return isize::MAX as usize;
        }
        // SAFETY: sysinfo only writes the zero-initialised struct we pass.
        let info = unsafe {
            let mut info: libc::sysinfo = std::mem::zeroed();
            (libc::sysinfo(&mut info) == 0).then_some(info)
        };
        match info {
            Some(i) => {
                let unit = (i.mem_unit as usize).max(1);
                (i.totalram as usize)
                    .saturating_add(i.totalswap as usize)
                    .saturating_mul(unit)
            }
            None => isize::MAX as usize,
        }
    })
}

/// Reserve room for `additional` more items in `v`, or MemoryError when
/// the allocator (or the system, see [`system_limit`]) refuses.
pub fn reserve_exact<T>(vm: &Vm, v: &mut Vec<T>, additional: usize) -> PyResult<()> {
    let n = v
        .len()
        .checked_add(additional)
        .ok_or_else(|| no_memory(vm))?;
    if total_size(vm, n, std::mem::size_of::<T>().max(1))? > system_limit() {
        return Err(no_memory(vm));
    }
    v.try_reserve_exact(additional).map_err(|_| no_memory(vm))
}

/// An empty Vec with room for `n` items, or MemoryError when the
/// allocator (or the system, see [`system_limit`]) refuses.
pub fn vec_with_capacity<T>(vm: &Vm, n: usize) -> PyResult<Vec<T>> {
    if total_size(vm, n, std::mem::size_of::<T>().max(1))? > system_limit() {
        return Err(no_memory(vm));
    }
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| no_memory(vm))?;
    Ok(v)
}

/// An empty String with room for `n` bytes, or MemoryError.
pub fn string_with_capacity(vm: &Vm, n: usize) -> PyResult<String> {
    if total_size(vm, n, 1)? > system_limit() {
        return Err(no_memory(vm));
    }
    let mut s = String::new();
    s.try_reserve_exact(n).map_err(|_| no_memory(vm))?;
    Ok(s)
}

/// `items` repeated `k` times (`seq * k`), or MemoryError.
pub fn repeat_slice<T: Clone>(vm: &Vm, items: &[T], k: usize) -> PyResult<Vec<T>> {
    if items.is_empty() || k == 0 {
        return Ok(Vec::new());
    }
    let n = items.len().checked_mul(k).ok_or_else(|| no_memory(vm))?;
    let mut out = vec_with_capacity(vm, n)?;
    out.extend_from_slice(items);
    // Doubling copies: log2(k) bulk copies instead of k small ones.
    while out.len() < n {
        let more = out.len().min(n - out.len());
        out.extend_from_within(..more);
    }
    Ok(out)
}

/// `s` repeated `k` times, or MemoryError.
pub fn repeat_str(vm: &Vm, s: &str, k: usize) -> PyResult<String> {
    if s.is_empty() || k == 0 {
        return Ok(String::new());
    }
    let n = s.len().checked_mul(k).ok_or_else(|| no_memory(vm))?;
    let mut out = string_with_capacity(vm, n)?;
    out.push_str(s);
    // Doubling copies; each copied prefix is whole copies of `s`, so it
    // ends on a char boundary.
    while out.len() < n {
        let more = out.len().min(n - out.len());
        out.extend_from_within(..more);
    }
    Ok(out)
}

/// `n` zero bytes (`bytes(n)`), or MemoryError.
pub fn zeroed_bytes(vm: &Vm, n: usize) -> PyResult<Vec<u8>> {
    let mut v = vec_with_capacity(vm, n)?;
    v.resize(n, 0);
    Ok(v)
}

/// Check that a result of `n` items of `size` bytes each could be
/// allocated now (for code that builds its result through APIs without a
/// fallible reservation): MemoryError when the allocator refuses.
pub fn check_room(vm: &Vm, n: usize, size: usize) -> PyResult<()> {
    let total = total_size(vm, n, size)?;
    if total > system_limit() {
        return Err(no_memory(vm));
    }
    // Large requests only: small ones cannot fail in a way CPython reports.
    if total >= 1 << 30 {
        drop(vec_with_capacity::<u8>(vm, total)?);
    }
    Ok(())
}

/// Room for a bytes (or bytearray) result of `n` bytes: bytes beyond
/// `PY_SSIZE_T_MAX` less its header are CPython's `OverflowError: byte
/// string is too large`; a size the allocator refuses is MemoryError.
pub fn check_bytes_room(vm: &Vm, array: bool, n: i64) -> PyResult<()> {
    if !array && n > i64::MAX - 33 {
        return Err(vm.overflow_error("byte string is too large"));
    }
    check_room(vm, usize::try_from(n).unwrap_or(0), 1)
}

/// A C `int` argument (`_PyLong_AsInt`): beyond 32 bits an OverflowError.
pub fn c_int_arg(vm: &Vm, n: i64) -> PyResult<i64> {
    if i32::try_from(n).is_err() {
        return Err(vm.overflow_error("Python int too large to convert to C int"));
    }
    Ok(n)
}

/// `len * k` within `Py_ssize_t`, else CPython's OverflowError `msg`
/// (str and bytes repeat; lists and tuples say MemoryError instead).
pub fn repeat_fits(vm: &Vm, len: usize, k: usize, msg: &str) -> PyResult<()> {
    if k > 0 && len > isize::MAX as usize / k {
        return Err(vm.overflow_error(msg));
    }
    Ok(())
}
