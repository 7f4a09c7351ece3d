//! The builtin hash modules `_md5`, `_sha1`, `_sha256` (sha224, sha256),
//! `_sha512` (sha384, sha512), `_sha3` (sha3_* and shake_*) and `_blake2`
//! (blake2b, blake2s) over the RustCrypto and BLAKE2 crates: hash objects
//! with `update`/`digest`/`hexdigest`/`copy` and `name`/`digest_size`/
//! `block_size`, as `hashlib` finds them when there is no `_hashlib`.

use std::cell::RefCell;

use md5::Digest;
use sha3::digest::{ExtendableOutput, Update};

use super::binargs::{buffer_of, is_str, Sig};
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// A hash algorithm's running state.
#[derive(Clone)]
enum St {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Sha224(sha2::Sha224),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
    Sha3_224(sha3::Sha3_224),
    Sha3_256(sha3::Sha3_256),
    Sha3_384(sha3::Sha3_384),
    Sha3_512(sha3::Sha3_512),
    Shake128(sha3::Shake128),
    Shake256(sha3::Shake256),
    Blake2b(Box<blake2b_simd::State>),
    Blake2s(Box<blake2s_simd::State>),
}

/// A hash object: its algorithm name, sizes, and state.
struct HashObj {
    name: &'static str,
    digest_size: usize,
    block_size: usize,
    st: RefCell<St>,
}

impl NativeData for HashObj {}

impl St {
    fn update(&mut self, data: &[u8]) {
        match self {
            St::Md5(h) => Digest::update(h, data),
            St::Sha1(h) => Digest::update(h, data),
            St::Sha224(h) => Digest::update(h, data),
            St::Sha256(h) => Digest::update(h, data),
            St::Sha384(h) => Digest::update(h, data),
            St::Sha512(h) => Digest::update(h, data),
            St::Sha3_224(h) => Digest::update(h, data),
            St::Sha3_256(h) => Digest::update(h, data),
            St::Sha3_384(h) => Digest::update(h, data),
            St::Sha3_512(h) => Digest::update(h, data),
            St::Shake128(h) => Update::update(h, data),
            St::Shake256(h) => Update::update(h, data),
            St::Blake2b(h) => {
                h.update(data);
            }
            St::Blake2s(h) => {
                h.update(data);
            }
        }
    }

    /// The digest so far (`len` bytes for the shakes).
    fn digest(&self, len: usize) -> Vec<u8> {
        match self.clone() {
            St::Md5(h) => h.finalize().to_vec(),
            St::Sha1(h) => h.finalize().to_vec(),
            St::Sha224(h) => h.finalize().to_vec(),
            St::Sha256(h) => h.finalize().to_vec(),
            St::Sha384(h) => h.finalize().to_vec(),
            St::Sha512(h) => h.finalize().to_vec(),
            St::Sha3_224(h) => h.finalize().to_vec(),
            St::Sha3_256(h) => h.finalize().to_vec(),
            St::Sha3_384(h) => h.finalize().to_vec(),
            St::Sha3_512(h) => h.finalize().to_vec(),
            St::Shake128(h) => h.finalize_boxed(len).into_vec(),
            St::Shake256(h) => h.finalize_boxed(len).into_vec(),
            St::Blake2b(h) => h.finalize().as_bytes().to_vec(),
            St::Blake2s(h) => h.finalize().as_bytes().to_vec(),
        }
    }
}

/// `(name, digest_size, block_size, fresh state)` of a fixed algorithm.
fn algorithm(name: &str) -> Option<(&'static str, usize, usize, St)> {
    Some(match name {
        "md5" => ("md5", 16, 64, St::Md5(md5::Md5::new())),
        "sha1" => ("sha1", 20, 64, St::Sha1(sha1::Sha1::new())),
        "sha224" => ("sha224", 28, 64, St::Sha224(sha2::Sha224::new())),
        "sha256" => ("sha256", 32, 64, St::Sha256(sha2::Sha256::new())),
        "sha384" => ("sha384", 48, 128, St::Sha384(sha2::Sha384::new())),
        "sha512" => ("sha512", 64, 128, St::Sha512(sha2::Sha512::new())),
        "sha3_224" => ("sha3_224", 28, 144, St::Sha3_224(sha3::Sha3_224::new())),
        "sha3_256" => ("sha3_256", 32, 136, St::Sha3_256(sha3::Sha3_256::new())),
        "sha3_384" => ("sha3_384", 48, 104, St::Sha3_384(sha3::Sha3_384::new())),
        "sha3_512" => ("sha3_512", 64, 72, St::Sha3_512(sha3::Sha3_512::new())),
        "shake_128" => ("shake_128", 0, 168, St::Shake128(sha3::Shake128::default())),
        "shake_256" => ("shake_256", 0, 136, St::Shake256(sha3::Shake256::default())),
        _ => return None,
    })
}

/// The data argument of a constructor or `update`, with CPython's errors.
fn hash_data(vm: &mut Vm, v: &Value) -> PyResult<Vec<u8>> {
    if is_str(v) {
        return Err(vm.type_error("Strings must be encoded before hashing"));
    }
    match buffer_of(vm, v)? {
        Some(b) => Ok(b),
        None => Err(vm.type_error("object supporting the buffer API required")),
    }
}

fn hash_self<'a>(vm: &Vm, args: &Args<'a>, method: &str) -> PyResult<&'a HashObj> {
    vm.native_self::<HashObj>(args, "hash", method)
}

fn hash_update(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let h = hash_self(vm, &args, "update")?;
    let a = vm.check_args(&format!("{}.update", h.name), args, 1, 1)?;
    let data = hash_data(vm, &a[0])?;
    h.st.borrow_mut().update(&data);
    Ok(Value::None)
}

/// The output length of `digest`/`hexdigest` (an argument for shakes).
fn out_len(vm: &mut Vm, args: Args, h: &HashObj, method: &str) -> PyResult<usize> {
    let is_shake = h.name.starts_with("shake");
    let qual = format!("{}.{method}", h.name);
    if !is_shake {
        vm.check_args(&qual, args, 0, 0)?;
        return Ok(h.digest_size);
    }
    let sig = Sig {
        name: &qual,
        pos: &["length"],
        posonly: 0,
        required: 1,
        kwonly: &[],
    };
    if args.pos().len() < 2 && !args.has_kwargs() {
        return Err(vm.type_error(format!("{qual}() takes exactly one argument (0 given)")));
    }
    let b = sig.bind(vm, &args, 1)?;
    let v = b.into_iter().next().flatten().unwrap_or(Value::Int(0));
    let n = super::binargs::ssize_arg(vm, &v)?;
    if n < 0 {
        return Err(vm.value_error("value must be positive"));
    }
    if n >= 1 << 29 {
        return Err(vm.new_error(crate::objects::exception::ExcKind::MemoryError, ""));
    }
    Ok(n as usize)
}

fn hash_digest(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let h = hash_self(vm, &args, "digest")?;
    let n = out_len(vm, args, h, "digest")?;
    let d = h.st.borrow().digest(n);
    Ok(vm.new_bytes(d))
}

fn hash_hexdigest(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let h = hash_self(vm, &args, "hexdigest")?;
    let n = out_len(vm, args, h, "hexdigest")?;
    let d = h.st.borrow().digest(n);
    let s: String = d.iter().map(|b| format!("{b:02x}")).collect();
    Ok(vm.new_string(s))
}

fn hash_copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let h = hash_self(vm, &args, "copy")?;
    vm.check_args(&format!("{}.copy", h.name), args, 0, 0)?;
    let st = h.st.borrow().clone();
    let cls = vm.type_of(args.args.first().unwrap_or(&Value::None));
    let copy = HashObj {
        name: h.name,
        digest_size: h.digest_size,
        block_size: h.block_size,
        st: RefCell::new(st),
    };
    Ok(Value::Obj(vm.new_native(&cls, copy)))
}

fn get_obj<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a HashObj> {
    vm.native::<HashObj>(v)
        .ok_or_else(|| vm.type_error("descriptor requires a hash object"))
}

fn hash_name(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let h = get_obj(vm, v)?;
    Ok(vm.new_str(h.name))
}

fn hash_digest_size(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Int(get_obj(vm, v)?.digest_size as i64))
}

fn hash_block_size(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Int(get_obj(vm, v)?.block_size as i64))
}

fn sha3_rate_bits(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Int(get_obj(vm, v)?.block_size as i64 * 8))
}

fn sha3_capacity_bits(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Int(1600 - get_obj(vm, v)?.block_size as i64 * 8))
}

fn sha3_suffix(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let shake = get_obj(vm, v)?.name.starts_with("shake");
    Ok(vm.new_bytes(vec![if shake { 0x1f } else { 0x06 }]))
}

fn hash_no_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = args.args.first().cloned().unwrap_or(Value::None);
    let name = match &cls {
        Value::Obj(c) => {
            let module = vm.get_attr_raw(c, "__module__");
            let m = module
                .map(|m| match &m {
                    Value::Obj(o) => crate::vm::proto::str_of(o).to_string(),
                    _ => String::new(),
                })
                .unwrap_or_default();
            format!("{m}.{}", Vm::class_name(c))
        }
        _ => String::new(),
    };
    Err(vm.type_error(format!("cannot create '{name}' instances")))
}

/// A hash type of module `module`.
fn hash_type(vm: &mut Vm, module: &str, name: &str, subclassable: bool) -> PyRef {
    let base = vm.types.object.clone();
    let flags = if subclassable { FLAG_BASETYPE } else { 0 };
    let t = vm.new_native_type(module, name, &base, Layout::Native("hash"), flags);
    vm.add_methods(
        &t,
        &[
            ("update", hash_update),
            ("digest", hash_digest),
            ("hexdigest", hash_hexdigest),
            ("copy", hash_copy),
        ],
    );
    vm.add_getsets(
        &t,
        &[
            ("name", hash_name, None),
            ("digest_size", hash_digest_size, None),
            ("block_size", hash_block_size, None),
        ],
    );
    t
}

/// Construct a fixed-algorithm hash object of class `cls`.
fn make_hash(vm: &mut Vm, cls: &PyRef, alg: &str, data: Option<Value>) -> PyResult<Value> {
    let Some((name, digest_size, block_size, st)) = algorithm(alg) else {
        return Err(vm.value_error("unsupported hash type"));
    };
    let h = HashObj {
        name,
        digest_size,
        block_size,
        st: RefCell::new(st),
    };
    if let Some(d) = data {
        let b = hash_data(vm, &d)?;
        h.st.borrow_mut().update(&b);
    }
    Ok(Value::Obj(vm.new_native(cls, h)))
}

/// The module function `md5(string=b'', *, usedforsecurity=True)` & co.
fn module_ctor(vm: &mut Vm, args: Args, module: &str, alg: &str, ty: &str) -> PyResult<Value> {
    let sig = Sig {
        name: alg,
        pos: &["string"],
        posonly: 0,
        required: 0,
        kwonly: &["usedforsecurity"],
    };
    let b = sig.bind(vm, &args, 1)?;
    let cls = match super::binargs::module_attr(vm, &args, ty)? {
        Value::Obj(c) => c,
        _ => return Err(vm.system_error(format!("{module}.{ty} is not a type"))),
    };
    make_hash(vm, &cls, alg, b.into_iter().next().flatten())
}

fn md5_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    module_ctor(vm, args, "_md5", "md5", "MD5Type")
}
fn sha1_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    module_ctor(vm, args, "_sha1", "sha1", "SHA1Type")
}
fn sha224_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    module_ctor(vm, args, "_sha256", "sha224", "SHA224Type")
}
fn sha256_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    module_ctor(vm, args, "_sha256", "sha256", "SHA256Type")
}
fn sha384_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    module_ctor(vm, args, "_sha512", "sha384", "SHA384Type")
}
fn sha512_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    module_ctor(vm, args, "_sha512", "sha512", "SHA512Type")
}

/// A module of fixed hash types: `(type attribute, algorithm, ctor)`.
fn fixed_module(vm: &mut Vm, module: &str, items: &[(&str, &'static str, NativeCtor)]) -> PyRef {
    let m = vm.new_module(module);
    for (attr, alg, ctor) in items {
        let t = hash_type(vm, module, alg, false);
        vm.add_staticmethods(&t, &[("__new__", hash_no_new)]);
        vm.set_attr_raw(&m, attr, Value::Obj(t));
        super::binargs::add_module_functions(vm, &m, &[(alg, *ctor)]);
    }
    m
}

type NativeCtor = crate::objects::function::NativeFn;

pub fn init_md5(vm: &mut Vm) -> PyResult<PyRef> {
    Ok(fixed_module(vm, "_md5", &[("MD5Type", "md5", md5_new)]))
}

pub fn init_sha1(vm: &mut Vm) -> PyResult<PyRef> {
    Ok(fixed_module(vm, "_sha1", &[("SHA1Type", "sha1", sha1_new)]))
}

pub fn init_sha256(vm: &mut Vm) -> PyResult<PyRef> {
    Ok(fixed_module(
        vm,
        "_sha256",
        &[
            ("SHA224Type", "sha224", sha224_new),
            ("SHA256Type", "sha256", sha256_new),
        ],
    ))
}

pub fn init_sha512(vm: &mut Vm) -> PyResult<PyRef> {
    Ok(fixed_module(
        vm,
        "_sha512",
        &[
            ("SHA384Type", "sha384", sha384_new),
            ("SHA512Type", "sha512", sha512_new),
        ],
    ))
}

/// `sha3_224(data=b'', /, *, usedforsecurity=True)` and the others: the
/// types are their own constructors.
fn sha3_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => return Err(vm.type_error("__new__ needs a type")),
    };
    // The algorithm is the name of the builtin type in cls's MRO.
    let alg = crate::objects::typeobj::type_data(&cls)
        .and_then(|td| {
            td.mro
                .borrow()
                .iter()
                .map(Vm::class_name)
                .find(|n| algorithm(n).is_some())
        })
        .unwrap_or_default();
    let sig = Sig {
        name: &alg,
        pos: &["data"],
        posonly: 1,
        required: 0,
        kwonly: &["usedforsecurity"],
    };
    let b = sig.bind(vm, &args, 1)?;
    make_hash(vm, &cls, &alg, b.into_iter().next().flatten())
}

pub fn init_sha3(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_sha3");
    for name in [
        "sha3_224",
        "sha3_256",
        "sha3_384",
        "sha3_512",
        "shake_128",
        "shake_256",
    ] {
        let t = hash_type(vm, "_sha3", name, false);
        vm.add_staticmethods(&t, &[("__new__", sha3_new)]);
        vm.add_getsets(
            &t,
            &[
                ("_capacity_bits", sha3_capacity_bits, None),
                ("_rate_bits", sha3_rate_bits, None),
                ("_suffix", sha3_suffix, None),
            ],
        );
        vm.set_attr_raw(&m, name, Value::Obj(t));
    }
    let imp = vm.new_str("tiny_keccak");
    vm.set_attr_raw(&m, "implementation", imp);
    vm.set_attr_raw(&m, "keccakopt", Value::Int(64));
    Ok(m)
}

pub fn init_blake2(vm: &mut Vm) -> PyResult<PyRef> {
    super::blake2::init(vm)
}

/// Build a BLAKE2 hash object (used by `blake2.rs` once the parameters
/// are checked).
pub(super) fn new_blake2(
    vm: &mut Vm,
    cls: &PyRef,
    big: bool,
    digest_size: usize,
    st_b: Option<blake2b_simd::State>,
    st_s: Option<blake2s_simd::State>,
) -> PyResult<Value> {
    let st = match (big, st_b, st_s) {
        (true, Some(b), _) => St::Blake2b(Box::new(b)),
        (false, _, Some(s)) => St::Blake2s(Box::new(s)),
        _ => return Err(vm.system_error("blake2 state missing")),
    };
    let h = HashObj {
        name: if big { "blake2b" } else { "blake2s" },
        digest_size,
        block_size: if big { 128 } else { 64 },
        st: RefCell::new(st),
    };
    Ok(Value::Obj(vm.new_native(cls, h)))
}

/// Feed `data` (already checked) to a fresh BLAKE2 object.
pub(super) fn blake2_feed(vm: &mut Vm, obj: &Value, data: Option<Value>) -> PyResult<()> {
    if let Some(d) = data {
        let b = hash_data(vm, &d)?;
        if let Some(h) = vm.native::<HashObj>(obj) {
            h.st.borrow_mut().update(&b);
        }
    }
    Ok(())
}

/// The hash type for `_blake2` (shared methods and getters).
pub(super) fn blake2_type(vm: &mut Vm, name: &str) -> PyRef {
    hash_type(vm, "_blake2", name, false)
}
