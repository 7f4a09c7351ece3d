//! Python's hashing algorithms, shared by the `.pyc` layer and the VM:
//! SipHash (str/bytes hashes, `importlib.util.source_hash`) and CPython
//! 3.11's `hash()` of ints, floats, complex, tuples and frozensets.

/// SipHash-1-3 with the 128-bit key (k0, k1), as CPython's `siphash13`
/// in `Python/pyhash.c` (one compression round, three finalisation rounds):
/// the 3.11 str/bytes hash and `importlib.util.source_hash` from 3.11 on.
pub fn siphash13(k0: u64, k1: u64, data: &[u8]) -> u64 {
    siphash::<1, 3>(k0, k1, data)
}

/// SipHash-2-4, CPython's `siphash24`: `importlib.util.source_hash` in
/// 3.7-3.10 (and those versions' str/bytes hash).
pub fn siphash24(k0: u64, k1: u64, data: &[u8]) -> u64 {
    siphash::<2, 4>(k0, k1, data)
}

/// SipHash-C-D over little-endian 64-bit words.
fn siphash<const C: usize, const D: usize>(k0: u64, k1: u64, data: &[u8]) -> u64 {
    let mut v = [
        k0 ^ 0x736f_6d65_7073_6575,
        k1 ^ 0x646f_7261_6e64_6f6d,
        k0 ^ 0x6c79_6765_6e65_7261,
        k1 ^ 0x7465_6462_7974_6573,
    ];

    #[inline(always)]
    fn round(v: &mut [u64; 4]) {
        v[0] = v[0].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(13) ^ v[0];
        v[0] = v[0].rotate_left(32);
        v[2] = v[2].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(16) ^ v[2];
        v[0] = v[0].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(21) ^ v[0];
        v[2] = v[2].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(17) ^ v[2];
        v[2] = v[2].rotate_left(32);
    }

    let compress = |v: &mut [u64; 4], m: u64| {
        v[3] ^= m;
        for _ in 0..C {
            round(v);
        }
        v[0] ^= m;
    };
    let chunks = data.chunks_exact(8);
    let tail = chunks.remainder();
    for chunk in chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        compress(&mut v, u64::from_le_bytes(word));
    }
    let mut last = [0u8; 8];
    last[..tail.len()].copy_from_slice(tail);
    compress(
        &mut v,
        ((data.len() as u64) << 56) | u64::from_le_bytes(last),
    );
    v[2] ^= 0xff;
    for _ in 0..D {
        round(&mut v);
    }
    (v[0] ^ v[1]) ^ (v[2] ^ v[3])
}

use num_bigint::{BigInt, Sign};
use num_traits::ToPrimitive;

/// `_PyHASH_BITS` on 64-bit builds.
pub const HASH_BITS: u32 = 61;
/// `_PyHASH_MODULUS`: the Mersenne prime 2**61 - 1.
pub const HASH_MODULUS: u64 = (1 << HASH_BITS) - 1;
/// `_PyHASH_INF`: `hash(float('inf'))`.
pub const HASH_INF: i64 = 314_159;
/// `_PyHASH_IMAG`: the multiplier of the imaginary part's hash.
pub const HASH_IMAG: u64 = 1_000_003;
// CPython 3.11 hashes None, Ellipsis and the StopIteration type by address
// (`_Py_HashPointer`: the address rotated right by 4 bits). They are static
// objects of the interpreter binary, so under address randomisation only the
// low 12 bits of their address are stable (page offset): 0xbe0, 0xe60 and
// 0x940 in CPython 3.11's x86-64 builds. pycvm's constants keep those bits,
// so small sets (up to 256 slots) holding them iterate in CPython's order;
// the higher bits vary from run to run in CPython itself.
/// `hash(None)`.
pub const HASH_NONE: i64 = 0x0555_5555_55be;
/// `hash(...)`.
pub const HASH_ELLIPSIS: i64 = 0x0555_5555_55e6;
/// `hash(StopIteration)`.
pub const HASH_STOP_ITERATION: i64 = 0x0555_5555_5594;

/// CPython reserves -1 for errors: a computed -1 becomes -2.
fn fix(h: i64) -> i64 {
    if h == -1 {
        -2
    } else {
        h
    }
}

/// `_Py_HashBytes` with the all-zero key: `hash(b)` for bytes. Empty → 0.
pub fn hash_bytes(b: &[u8]) -> i64 {
    if b.is_empty() {
        return 0;
    }
    fix(siphash13(0, 0, b) as i64)
}

/// `hash(s)` for a str given as code points: SipHash-1-3 over CPython's
/// internal (PEP 393) representation — 1, 2 or 4 bytes per character, by
/// the largest code point, little-endian.
pub fn hash_str_cps(cps: &[u32]) -> i64 {
    let max = cps.iter().copied().max().unwrap_or(0);
    let width = if max < 0x100 {
        1
    } else if max < 0x10000 {
        2
    } else {
        4
    };
    let mut buf = Vec::with_capacity(cps.len() * width);
    for &c in cps {
        buf.extend_from_slice(&c.to_le_bytes()[..width]);
    }
    hash_bytes(&buf)
}

/// `hash(n)` for an int that fits in 64 bits (`long_hash`).
pub fn hash_i64(n: i64) -> i64 {
    let m = (n.unsigned_abs() % HASH_MODULUS) as i64;
    fix(if n < 0 { -m } else { m })
}

/// `hash(n)` for any int.
pub fn hash_bigint(n: &BigInt) -> i64 {
    if let Some(small) = n.to_i64() {
        return hash_i64(small);
    }
    let m = (n.magnitude() % HASH_MODULUS).to_u64().unwrap_or_default() as i64;
    fix(if n.sign() == Sign::Minus { -m } else { m })
}

/// `_Py_HashPointer`: the address rotated right by 4 bits.
pub fn hash_pointer(addr: usize) -> i64 {
    fix((addr as u64).rotate_right(4) as i64)
}

/// `_Py_HashDouble(inst, v)`: integral values hash like the equal int,
/// others by the modular reduction of their exact value; ±inf hash to
/// ±314159. A NaN hashes by object address in 3.10+: `nan_addr` is that
/// address (pycvm passes the object's handle address).
pub fn hash_float(v: f64, nan_addr: usize) -> i64 {
    if v.is_nan() {
        return hash_pointer(nan_addr);
    }
    if v.is_infinite() {
        return if v > 0.0 { HASH_INF } else { -HASH_INF };
    }
    // v = m * 2**e with 0.5 <= |m| < 1 (frexp).
    let (mut m, mut e) = frexp(v);
    let sign: i64 = if m < 0.0 {
        m = -m;
        -1
    } else {
        1
    };
    let mut x: u64 = 0;
    while m != 0.0 {
        x = ((x << 28) & HASH_MODULUS) | (x >> (HASH_BITS - 28));
        m *= 268_435_456.0; // 2**28
        e -= 28;
        let y = m as u64; // integer part
        m -= y as f64;
        x += y;
        if x >= HASH_MODULUS {
            x -= HASH_MODULUS;
        }
    }
    let bits = HASH_BITS as i32;
    let e = if e >= 0 {
        e % bits
    } else {
        bits - 1 - ((-1 - e) % bits)
    } as u32;
    x = ((x << e) & HASH_MODULUS) | (x >> (HASH_BITS - e));
    fix((x as i64).wrapping_mul(sign))
}

/// C's `frexp` for finite values: `(m, e)` with `v = m * 2**e`,
/// `0.5 <= |m| < 1` (or `(0.0, 0)` for zero).
fn frexp(v: f64) -> (f64, i32) {
    if v == 0.0 {
        return (v, 0);
    }
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7FF) as i32;
    if exp == 0 {
        // Subnormal: scale into the normal range first.
        let (m, e) = frexp(v * f64::from_bits(0x4350_0000_0000_0000)); // 2**54
        return (m, e - 54);
    }
    let m = f64::from_bits((bits & !(0x7FF << 52)) | (1022 << 52));
    (m, exp - 1022)
}

/// `hash(complex(re, im))`: `hash(re) + 1000003 * hash(im)` (wrapping).
/// `addr` stands for the object address used by NaN parts.
pub fn hash_complex(re: f64, im: f64, addr: usize) -> i64 {
    let hr = hash_float(re, addr) as u64;
    let hi = hash_float(im, addr) as u64;
    fix(hr.wrapping_add(HASH_IMAG.wrapping_mul(hi)) as i64)
}

const XXPRIME_1: u64 = 11_400_714_785_074_694_791;
const XXPRIME_2: u64 = 14_029_467_366_897_019_727;
const XXPRIME_5: u64 = 2_870_177_450_012_600_261;

/// 3.11's `tuplehash` (xxHash-based) over the items' hashes.
pub fn hash_tuple(lanes: &[i64]) -> i64 {
    let mut acc = XXPRIME_5;
    for &lane in lanes {
        acc = acc.wrapping_add((lane as u64).wrapping_mul(XXPRIME_2));
        acc = acc.rotate_left(31);
        acc = acc.wrapping_mul(XXPRIME_1);
    }
    acc = acc.wrapping_add((lanes.len() as u64) ^ (XXPRIME_5 ^ 3_527_539));
    if acc == u64::MAX {
        return 1_546_275_796;
    }
    acc as i64
}

fn shuffle_bits(h: u64) -> u64 {
    ((h ^ 89_869_747) ^ (h << 16)).wrapping_mul(3_644_798_167)
}

/// `frozenset_hash` over the hashes of the set's distinct elements (the
/// result does not depend on their order).
pub fn hash_frozenset(entry_hashes: &[i64]) -> i64 {
    let mut hash: u64 = 0;
    for &h in entry_hashes {
        hash ^= shuffle_bits(h as u64);
    }
    hash ^= (entry_hashes.len() as u64 + 1).wrapping_mul(1_927_868_237);
    hash ^= (hash >> 11) ^ (hash >> 25);
    hash = hash.wrapping_mul(69_069).wrapping_add(907_133_923);
    if hash == u64::MAX {
        hash = 590_923_713;
    }
    hash as i64
}

/// A fast non-cryptographic hasher (the "Fx" hash of rustc) for maps keyed by
/// interpreter-internal strings (interned names), where SipHash's DoS
/// resistance buys nothing and costs most of a lookup.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.hash = (self.hash.rotate_left(5) ^ w).wrapping_mul(FX_SEED);
    }
}

impl std::hash::Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// `BuildHasher` for [`FxHasher`].
pub type FxBuild = std::hash::BuildHasherDefault<FxHasher>;
