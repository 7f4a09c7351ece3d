//! `_hashlib`, CPython's OpenSSL-backed hash module, as far as `hashlib` and
//! `hmac` use it: `new`, the `openssl_<alg>` constructors and
//! `openssl_md_meth_names` (all served by the builtin hash modules `_md5`,
//! `_sha256`, ...), a native `pbkdf2_hmac`, `compare_digest`,
//! `get_fips_mode` and `UnsupportedDigestmodError`. `hmac_new` and
//! `hmac_digest` always raise `UnsupportedDigestmodError`, which makes
//! `hmac` use its pure-Python HMAC over these hashes (same results).

use md5::Digest;

use super::binargs::{is_str, need_bytes, Sig};
use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// Algorithms `_hashlib` offers: (name, builtin module, builtin function).
const ALGORITHMS: &[(&str, &str, &str)] = &[
    ("md5", "_md5", "md5"),
    ("sha1", "_sha1", "sha1"),
    ("sha224", "_sha256", "sha224"),
    ("sha256", "_sha256", "sha256"),
    ("sha384", "_sha512", "sha384"),
    ("sha512", "_sha512", "sha512"),
    ("sha3_224", "_sha3", "sha3_224"),
    ("sha3_256", "_sha3", "sha3_256"),
    ("sha3_384", "_sha3", "sha3_384"),
    ("sha3_512", "_sha3", "sha3_512"),
    ("shake_128", "_sha3", "shake_128"),
    ("shake_256", "_sha3", "shake_256"),
    ("blake2b", "_blake2", "blake2b"),
    ("blake2s", "_blake2", "blake2s"),
];

/// The builtin constructor for algorithm `name` (case-insensitive).
fn builtin_ctor(vm: &mut Vm, name: &str) -> PyResult<Option<Value>> {
    let lower = name.to_ascii_lowercase();
    let Some((_, module, func)) = ALGORITHMS.iter().find(|(n, _, _)| *n == lower) else {
        return Ok(None);
    };
    let m = vm.import_by_name(module)?;
    vm.getattr_str(&m, func).map(Some)
}

/// The text of a str value.
fn str_value(v: &Value) -> String {
    match v {
        Value::Obj(o) => crate::vm::proto::str_of(o).to_string(),
        _ => String::new(),
    }
}

/// `UnsupportedDigestmodError(msg)`, found on the module (first argument).
fn unsupported(vm: &mut Vm, args: &Args, msg: String) -> crate::vm::PyErr {
    match super::binargs::module_attr(vm, args, "UnsupportedDigestmodError") {
        Ok(Value::Obj(cls)) => super::binargs::raise(vm, &cls, msg),
        _ => vm.value_error(msg),
    }
}

/// `new(name, data=b'', *, usedforsecurity=True, string=None)`.
fn hashlib_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = args.pos();
    let name = match pos.get(1) {
        Some(v) => v.clone(),
        None => match Vm::kwarg(&args, "name") {
            Some(v) => v,
            None => {
                return Err(vm.type_error("new() missing required argument 'name' (pos 1)"));
            }
        },
    };
    if !is_str(&name) {
        return Err(vm.type_error(format!(
            "new() argument 'name' must be str, not {}",
            vm.arg_type_name(&name)
        )));
    }
    let n = str_value(&name);
    let Some(ctor) = builtin_ctor(vm, &n)? else {
        return Err(unsupported(vm, &args, format!("unsupported hash type {n}")));
    };
    // Forward everything after (module, name) to the builtin constructor.
    let mut rest: Vec<Value> = pos.get(2..).unwrap_or(&[]).to_vec();
    let mut kwnames: Vec<PyRef> = Vec::new();
    for (k, v) in args.kwargs() {
        let key = crate::vm::proto::str_of(k);
        if key == "name" {
            continue;
        }
        let key = if key == "data" { "string" } else { key };
        kwnames.push(vm.intern(key));
        rest.push(v.clone());
    }
    vm.call_args(
        &ctor,
        Args {
            args: &rest,
            kwnames: &kwnames,
        },
    )
}

/// `openssl_<alg>(string=b'', *, usedforsecurity=True)`: the builtin
/// constructor of the algorithm named after the function.
fn openssl_ctor(vm: &mut Vm, args: Args, alg: &str) -> PyResult<Value> {
    let Some(ctor) = builtin_ctor(vm, alg)? else {
        return Err(unsupported(
            vm,
            &args,
            format!("unsupported hash type {alg}"),
        ));
    };
    let rest = Args {
        args: args.args.get(1..).unwrap_or(&[]),
        kwnames: args.kwnames,
    };
    vm.call_args(&ctor, rest)
}

macro_rules! openssl_fns {
    ($($f:ident => $alg:literal),* $(,)?) => {
        $(fn $f(vm: &mut Vm, args: Args) -> PyResult<Value> {
            openssl_ctor(vm, args, $alg)
        })*
        const OPENSSL_FNS: &[(&str, crate::objects::function::NativeFn)] = &[
            $((concat!("openssl_", $alg), $f)),*
        ];
    };
}

openssl_fns! {
    openssl_md5 => "md5",
    openssl_sha1 => "sha1",
    openssl_sha224 => "sha224",
    openssl_sha256 => "sha256",
    openssl_sha384 => "sha384",
    openssl_sha512 => "sha512",
    openssl_sha3_224 => "sha3_224",
    openssl_sha3_256 => "sha3_256",
    openssl_sha3_384 => "sha3_384",
    openssl_sha3_512 => "sha3_512",
    openssl_shake_128 => "shake_128",
    openssl_shake_256 => "shake_256",
}

/// HMAC-`D` of `msg` under `key` (RFC 2104) with block size `block`.
fn hmac_once<D: Digest>(key: &[u8], msg: &[u8], block: usize) -> Vec<u8> {
    let mut k = if key.len() > block {
        D::digest(key).to_vec()
    } else {
        key.to_vec()
    };
    k.resize(block, 0);
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let mut inner = D::new();
    inner.update(&ipad);
    inner.update(msg);
    let ih = inner.finalize();
    let mut outer = D::new();
    outer.update(&opad);
    outer.update(ih);
    outer.finalize().to_vec()
}

/// PBKDF2-HMAC-`D` (RFC 8018) producing `dklen` bytes.
fn pbkdf2<D: Digest>(pw: &[u8], salt: &[u8], iters: u64, dklen: usize, block: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(dklen);
    let mut counter: u32 = 1;
    while out.len() < dklen {
        let mut s = salt.to_vec();
        s.extend_from_slice(&counter.to_be_bytes());
        let mut u = hmac_once::<D>(pw, &s, block);
        let mut t = u.clone();
        for _ in 1..iters {
            u = hmac_once::<D>(pw, &u, block);
            for (a, b) in t.iter_mut().zip(&u) {
                *a ^= b;
            }
        }
        out.extend_from_slice(&t);
        counter = counter.wrapping_add(1);
    }
    out.truncate(dklen);
    out
}

/// PBKDF2-HMAC-SHA256 (scrypt's outer function).
pub(super) fn pbkdf2_sha256(pw: &[u8], salt: &[u8], iters: u64, dklen: usize) -> Vec<u8> {
    pbkdf2::<sha2::Sha256>(pw, salt, iters, dklen, 64)
}

/// Digest size of the algorithms `pbkdf2_hmac` supports, or None.
fn digest_size(name: &str) -> Option<usize> {
    Some(match name {
        "md5" => 16,
        "sha1" => 20,
        "sha224" | "sha3_224" => 28,
        "sha256" | "sha3_256" => 32,
        "sha384" | "sha3_384" => 48,
        "sha512" | "sha3_512" => 64,
        _ => return None,
    })
}

fn pbkdf2_by_name(name: &str, pw: &[u8], salt: &[u8], iters: u64, dklen: usize) -> Vec<u8> {
    match name {
        "md5" => pbkdf2::<md5::Md5>(pw, salt, iters, dklen, 64),
        "sha1" => pbkdf2::<sha1::Sha1>(pw, salt, iters, dklen, 64),
        "sha224" => pbkdf2::<sha2::Sha224>(pw, salt, iters, dklen, 64),
        "sha256" => pbkdf2::<sha2::Sha256>(pw, salt, iters, dklen, 64),
        "sha384" => pbkdf2::<sha2::Sha384>(pw, salt, iters, dklen, 128),
        "sha3_224" => pbkdf2::<sha3::Sha3_224>(pw, salt, iters, dklen, 144),
        "sha3_256" => pbkdf2::<sha3::Sha3_256>(pw, salt, iters, dklen, 136),
        "sha3_384" => pbkdf2::<sha3::Sha3_384>(pw, salt, iters, dklen, 104),
        "sha3_512" => pbkdf2::<sha3::Sha3_512>(pw, salt, iters, dklen, 72),
        _ => pbkdf2::<sha2::Sha512>(pw, salt, iters, dklen, 128),
    }
}

/// A C `long` argument: TypeError for non-ints, OverflowError past 64 bits.
fn long_arg(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    if super::binargs::is_float(v) {
        return Err(vm.type_error("'float' object cannot be interpreted as an integer"));
    }
    match vm.index_int(v)? {
        crate::num::Int::Small(i) => Ok(i),
        crate::num::Int::Big(_) => {
            Err(vm.overflow_error("Python int too large to convert to C long"))
        }
    }
}

/// `pbkdf2_hmac(hash_name, password, salt, iterations, dklen=None)`.
fn hashlib_pbkdf2_hmac(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let sig = Sig {
        name: "pbkdf2_hmac",
        pos: &["hash_name", "password", "salt", "iterations", "dklen"],
        posonly: 0,
        required: 4,
        kwonly: &[],
    };
    let b = sig.bind(vm, &args, 1)?;
    let get = |i: usize| b.get(i).cloned().flatten().unwrap_or(Value::None);
    let name = get(0);
    if !is_str(&name) {
        return Err(vm.type_error(format!(
            "pbkdf2_hmac() argument 'hash_name' must be str, not {}",
            vm.arg_type_name(&name)
        )));
    }
    let pw = need_bytes(vm, &get(1))?;
    let salt = need_bytes(vm, &get(2))?;
    let iters = long_arg(vm, &get(3))?;
    if iters < 1 {
        return Err(vm.value_error("iteration value must be greater than 0."));
    }
    if iters > i64::from(u32::MAX) {
        return Err(vm.overflow_error("iteration value is too great."));
    }
    let n = str_value(&name).to_ascii_lowercase();
    let Some(size) = digest_size(&n) else {
        return Err(unsupported(
            vm,
            &args,
            "[digital envelope routines] unsupported".to_string(),
        ));
    };
    let dklen = match get(4) {
        Value::None => size as i64,
        v => long_arg(vm, &v)?,
    };
    if dklen < 1 {
        return Err(vm.value_error("key length must be greater than 0."));
    }
    if dklen > i64::from(u32::MAX) {
        return Err(vm.overflow_error("key length is too great."));
    }
    let out = pbkdf2_by_name(&n, &pw, &salt, iters as u64, dklen as usize);
    Ok(vm.new_bytes(out))
}

/// `hmac_new` / `hmac_digest`: unsupported here, so `hmac` falls back to
/// its pure-Python HMAC.
fn hashlib_hmac_unsupported(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Err(unsupported(vm, &args, "unsupported hash type".to_string()))
}

fn hashlib_get_fips_mode(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Int(0))
}

fn hashlib_compare_digest(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let op = vm.import_by_name("_operator")?;
    let f = vm.getattr_str(&op, "_compare_digest")?;
    let rest = Args {
        args: args.args.get(1..).unwrap_or(&[]),
        kwnames: args.kwnames,
    };
    vm.call_args(&f, rest)
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_hashlib");
    let base = vm.exc_type(crate::objects::exception::ExcKind::ValueError);
    let err = super::binargs::new_exc_class(vm, "_hashlib", "UnsupportedDigestmodError", base)?;
    vm.set_attr_raw(&m, "UnsupportedDigestmodError", Value::Obj(err));
    let names: Vec<Value> = ALGORITHMS.iter().map(|(n, _, _)| vm.new_str(n)).collect();
    let set = vm.new_set_from(names, true)?;
    vm.set_attr_raw(&m, "openssl_md_meth_names", set);
    super::binargs::add_module_functions(vm, &m, OPENSSL_FNS);
    super::binargs::add_module_functions(
        vm,
        &m,
        &[
            ("new", hashlib_new),
            ("pbkdf2_hmac", hashlib_pbkdf2_hmac),
            ("scrypt", super::scrypt::hashlib_scrypt),
            ("hmac_new", hashlib_hmac_unsupported),
            ("hmac_digest", hashlib_hmac_unsupported),
            ("get_fips_mode", hashlib_get_fips_mode),
            ("compare_digest", hashlib_compare_digest),
        ],
    );
    Ok(m)
}
