//! `_hashlib.scrypt` (RFC 7914), with CPython 3.11's argument checks and
//! OpenSSL's parameter and memory limits (`maxmem=0` means OpenSSL's
//! default of 32 MiB).

use super::binargs::{need_bytes, Sig};
use crate::num::Int;
use crate::objects::function::Args;
use crate::objects::int::{as_int, is_int};
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

/// OpenSSL's `SCRYPT_MAX_MEM`, the limit when `maxmem` is 0.
const DEFAULT_MAXMEM: u64 = 1024 * 1024 * 32;

/// Salsa20/8 core on 16 little-endian words, in place.
fn salsa20_8(b: &mut [u32; 16]) {
    let mut x = *b;
    for _ in 0..4 {
        macro_rules! qr {
            ($a:expr, $b:expr, $c:expr, $d:expr) => {
                x[$b] ^= x[$a].wrapping_add(x[$d]).rotate_left(7);
                x[$c] ^= x[$b].wrapping_add(x[$a]).rotate_left(9);
                x[$d] ^= x[$c].wrapping_add(x[$b]).rotate_left(13);
                x[$a] ^= x[$d].wrapping_add(x[$c]).rotate_left(18);
            };
        }
        qr!(0, 4, 8, 12);
        qr!(5, 9, 13, 1);
        qr!(10, 14, 2, 6);
        qr!(15, 3, 7, 11);
        qr!(0, 1, 2, 3);
        qr!(5, 6, 7, 4);
        qr!(10, 11, 8, 9);
        qr!(15, 12, 13, 14);
    }
    for (o, v) in b.iter_mut().zip(x) {
        *o = o.wrapping_add(v);
    }
}

/// scryptBlockMix over `b` (2r blocks of 16 words); the result goes to `out`.
fn block_mix(b: &[[u32; 16]], out: &mut [[u32; 16]]) {
    let r = b.len() / 2;
    let mut x = b.last().copied().unwrap_or([0; 16]);
    for (i, blk) in b.iter().enumerate() {
        for (a, v) in x.iter_mut().zip(blk) {
            *a ^= v;
        }
        salsa20_8(&mut x);
        // Even blocks go to the first half, odd ones to the second.
        let at = if i % 2 == 0 { i / 2 } else { r + i / 2 };
        if let Some(o) = out.get_mut(at) {
            *o = x;
        }
    }
}

/// scryptROMix on one 128r-byte chunk, in place.
fn ro_mix(chunk: &mut [u8], n: u64) {
    let mut x: Vec<[u32; 16]> = chunk
        .chunks_exact(64)
        .map(|c| {
            let mut w = [0u32; 16];
            for (o, q) in w.iter_mut().zip(c.chunks_exact(4)) {
                *o = u32::from_le_bytes([q[0], q[1], q[2], q[3]]);
            }
            w
        })
        .collect();
    let blocks = x.len();
    let mut v: Vec<[u32; 16]> = Vec::with_capacity(blocks * n as usize);
    let mut tmp = x.clone();
    for _ in 0..n {
        v.extend_from_slice(&x);
        block_mix(&x, &mut tmp);
        std::mem::swap(&mut x, &mut tmp);
    }
    for _ in 0..n {
        let last = x.last().map(|w| u64::from(w[0]) | (u64::from(w[1]) << 32));
        let j = (last.unwrap_or(0) & (n - 1)) as usize;
        if let Some(row) = v.get(j * blocks..(j + 1) * blocks) {
            for (a, b) in x.iter_mut().zip(row) {
                for (p, q) in a.iter_mut().zip(b) {
                    *p ^= q;
                }
            }
        }
        block_mix(&x, &mut tmp);
        std::mem::swap(&mut x, &mut tmp);
    }
    for (c, w) in chunk.chunks_exact_mut(64).zip(&x) {
        for (q, word) in c.chunks_exact_mut(4).zip(w) {
            q.copy_from_slice(&word.to_le_bytes());
        }
    }
}

/// scrypt(password, salt, N, r, p, dklen) once the parameters are checked.
fn derive(pw: &[u8], salt: &[u8], n: u64, r: u64, p: u64, dklen: usize) -> Vec<u8> {
    let chunk = (128 * r) as usize;
    let mut b = super::hashlib_ossl::pbkdf2_sha256(pw, salt, 1, chunk * p as usize);
    for c in b.chunks_exact_mut(chunk) {
        ro_mix(c, n);
    }
    super::hashlib_ossl::pbkdf2_sha256(pw, &b, 1, dklen)
}

/// An `unsigned long` parameter: None, negative and too big all give
/// CPython's "X is required and must be an unsigned int".
fn ulong_arg(vm: &mut Vm, v: Option<Value>, name: &str) -> PyResult<u64> {
    let v = v.unwrap_or(Value::None);
    if !matches!(v, Value::None) && !is_int(&v) {
        return Err(vm.type_error(format!(
            "scrypt() argument '{name}' must be int, not {}",
            vm.arg_type_name(&v)
        )));
    }
    match as_int(&v) {
        Some(Int::Small(i)) if i >= 0 => Ok(i as u64),
        _ => Err(vm.type_error(format!("{name} is required and must be an unsigned int"))),
    }
}

/// A C `long` parameter (maxmem, dklen).
fn long_arg(vm: &mut Vm, v: Option<Value>, default: i64) -> PyResult<i64> {
    match v {
        None => Ok(default),
        Some(v) => {
            if super::binargs::is_float(&v) {
                return Err(vm.type_error("'float' object cannot be interpreted as an integer"));
            }
            match vm.index_int(&v)? {
                Int::Small(i) => Ok(i),
                Int::Big(_) => Err(vm.overflow_error("Python int too large to convert to C long")),
            }
        }
    }
}

/// `scrypt(password, *, salt=None, n=None, r=None, p=None, maxmem=0, dklen=64)`.
pub fn hashlib_scrypt(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let sig = Sig {
        name: "scrypt",
        pos: &["password"],
        posonly: 0,
        required: 1,
        kwonly: &["salt", "n", "r", "p", "maxmem", "dklen"],
    };
    let b = sig.bind(vm, &args, 1)?;
    let get = |i: usize| b.get(i).cloned().flatten();
    let pw = need_bytes(vm, &get(0).unwrap_or(Value::None))?;
    let salt = match get(1) {
        None | Some(Value::None) => return Err(vm.type_error("salt is required")),
        Some(v) => need_bytes(vm, &v)?,
    };
    let n = ulong_arg(vm, get(2), "n")?;
    let r = ulong_arg(vm, get(3), "r")?;
    let p = ulong_arg(vm, get(4), "p")?;
    let maxmem = long_arg(vm, get(5), 0)?;
    let dklen = long_arg(vm, get(6), 64)?;
    if !(0..=i64::from(i32::MAX)).contains(&maxmem) {
        return Err(vm.value_error("maxmem must be positive and smaller than 2147483647"));
    }
    if dklen < 1 || dklen > i64::from(i32::MAX) {
        return Err(vm.value_error("dklen must be greater than 0 and smaller than 2147483647"));
    }
    if n < 2 || n & (n - 1) != 0 {
        return Err(vm.value_error("n must be a power of 2."));
    }
    // OpenSSL's EVP_PBE_scrypt checks: zero r or p leaves no error on
    // OpenSSL's queue (CPython's generic message); the others report
    // "memory limit exceeded".
    if r == 0 || p == 0 {
        return Err(vm.value_error("Invalid parameter combination for n, r, p, maxmem."));
    }
    let mem_err = "[digital envelope routines] memory limit exceeded";
    if p > ((1u64 << 30) - 1) / r || (16 * r <= 63 && n >= 1u64 << (16 * r)) {
        return Err(vm.value_error(mem_err));
    }
    let limit = if maxmem == 0 {
        DEFAULT_MAXMEM
    } else {
        maxmem as u64
    };
    let blen = p.checked_mul(128).and_then(|v| v.checked_mul(r));
    let vlen = n
        .checked_add(2)
        .and_then(|v| v.checked_mul(32 * r))
        .and_then(|v| v.checked_mul(4));
    let total = blen.zip(vlen).and_then(|(x, y)| x.checked_add(y));
    if total.is_none_or(|t| t > limit) {
        return Err(vm.value_error(mem_err));
    }
    Ok(vm.new_bytes(derive(&pw, &salt, n, r, p, dklen as usize)))
}
