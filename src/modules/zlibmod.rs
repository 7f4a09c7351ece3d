//! `zlib`: `compress`/`decompress`, the `Compress` and `Decompress`
//! stream objects, `crc32`/`adler32` and the constants, driving zlib
//! itself (`zstream.rs`) with CPython 3.11's buffer handling, so output,
//! `unconsumed_tail` and error messages match.

use std::cell::RefCell;
use std::ffi::c_int;

use super::binargs::{add_module_functions, buffer_of, module_attr, need_bytes, raise, Sig};
use super::zstream::{self as zs, ZStream};
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::Layout;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

const DEF_BUF_SIZE: usize = 16384;

struct CompressObj {
    z: RefCell<ZStream>,
    error: PyRef,
}

impl NativeData for CompressObj {}

struct DecompressObj {
    z: RefCell<ZStream>,
    error: PyRef,
    zdict: Option<Vec<u8>>,
    unused_data: RefCell<Vec<u8>>,
    unconsumed_tail: RefCell<Vec<u8>>,
    eof: std::cell::Cell<bool>,
}

impl NativeData for DecompressObj {}

/// CPython's `zlib_error`.
fn zlib_error(vm: &Vm, err: &PyRef, z: Option<&ZStream>, code: c_int, what: &str) -> PyErr {
    let zmsg = z.and_then(|z| z.msg()).or(match code {
        zs::Z_BUF_ERROR => Some("incomplete or truncated stream".to_string()),
        zs::Z_STREAM_ERROR => Some("inconsistent stream state".to_string()),
        -3 => Some("invalid input data".to_string()),
        _ => None,
    });
    match zmsg {
        Some(m) => raise(vm, err, format!("Error {code} {what}: {m}")),
        None => raise(vm, err, format!("Error {code} {what}")),
    }
}

fn error_class(vm: &Vm, args: &Args) -> PyResult<PyRef> {
    match module_attr(vm, args, "error")? {
        Value::Obj(c) => Ok(c),
        _ => Err(vm.system_error("zlib.error missing")),
    }
}

fn int_opt(vm: &mut Vm, v: &Option<Value>, default: i64) -> PyResult<i64> {
    match v {
        Some(v) => super::binargs::int_arg(vm, v),
        None => Ok(default),
    }
}

fn ssize_opt(vm: &mut Vm, v: &Option<Value>, default: i64) -> PyResult<i64> {
    match v {
        Some(v) => super::binargs::ssize_arg(vm, v),
        None => Ok(default),
    }
}

/// Run `z` over `input` with `flush` until the output stops filling the
/// buffer (CPython's inner loops); returns the last code.
fn run(z: &mut ZStream, input: &[u8], flush: c_int, out: &mut Vec<u8>) -> (c_int, usize) {
    let mut pos = 0;
    let mut buf = vec![0u8; DEF_BUF_SIZE];
    loop {
        let (r, used, made) = z.step(input.get(pos..).unwrap_or(&[]), &mut buf, flush);
        pos += used;
        out.extend_from_slice(buf.get(..made).unwrap_or(&[]));
        if made < buf.len() || r == zs::Z_STREAM_ERROR || r < 0 && r != zs::Z_BUF_ERROR {
            return (r, pos);
        }
    }
}

fn zlib_compress(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = Sig {
        name: "compress",
        pos: &["data", "level", "wbits"],
        posonly: 1,
        required: 1,
        kwonly: &[],
    }
    .bind(vm, &args, 1)?;
    let data = need_bytes(vm, &b[0].clone().unwrap_or(Value::None))?;
    let level = int_opt(vm, &b[1], -1)? as i32;
    let wbits = int_opt(vm, &b[2], 15)? as i32;
    let err = error_class(vm, &args)?;
    let mut z = match ZStream::deflate(level, 8, wbits, 8, 0) {
        Ok(z) => z,
        Err(zs::Z_MEM_ERROR) => {
            return Err(vm.new_error(ExcKind::MemoryError, "Out of memory while compressing data"))
        }
        Err(zs::Z_STREAM_ERROR) => return Err(raise(vm, &err, "Bad compression level")),
        Err(c) => return Err(zlib_error(vm, &err, None, c, "while compressing data")),
    };
    let mut out = Vec::new();
    let (r, _) = run(&mut z, &data, zs::Z_FINISH, &mut out);
    if r == zs::Z_STREAM_ERROR {
        return Err(zlib_error(vm, &err, Some(&z), r, "while compressing data"));
    }
    let r = z.end();
    if r != zs::Z_OK {
        return Err(zlib_error(vm, &err, None, r, "while finishing compression"));
    }
    Ok(vm.new_bytes(out))
}

/// How one decompress call runs: flush mode, first output buffer size,
/// output limit.
struct Limits {
    flush: c_int,
    first_len: usize,
    hard_limit: usize,
}

/// CPython's decompress loop with an output limit (`hard_limit`):
/// returns (code, input consumed, output).
fn inflate_loop(
    vm: &Vm,
    err: &PyRef,
    z: &mut ZStream,
    zdict: Option<&[u8]>,
    input: &[u8],
    lim: Limits,
) -> PyResult<(c_int, usize, Vec<u8>)> {
    let Limits {
        flush,
        first_len,
        hard_limit,
    } = lim;
    let mut buf: Vec<u8> = Vec::new();
    let mut length = first_len.min(hard_limit);
    let mut occupied = 0usize;
    let mut pos = 0usize;
    let mut first = true;
    loop {
        // arrange_output_buffer_with_maximum
        if first {
            buf.resize(length, 0);
            first = false;
        } else if occupied == length {
            if length == hard_limit {
                break;
            }
            length = if length <= hard_limit >> 1 {
                length << 1
            } else {
                hard_limit
            };
            buf.resize(length, 0);
        }
        let (r, used, made) = z.step(
            input.get(pos..).unwrap_or(&[]),
            buf.get_mut(occupied..).unwrap_or(&mut []),
            flush,
        );
        pos += used;
        occupied += made;
        let full = occupied == length;
        match r {
            zs::Z_OK | zs::Z_BUF_ERROR | zs::Z_STREAM_END => {}
            zs::Z_NEED_DICT if zdict.is_some() => {
                let rc = z.set_dictionary(zdict.unwrap_or(&[]));
                if rc != zs::Z_OK {
                    return Err(zlib_error(vm, err, Some(z), rc, "while setting zdict"));
                }
                continue;
            }
            _ => {
                buf.truncate(occupied);
                return Ok((r, pos, buf));
            }
        }
        if !full {
            buf.truncate(occupied);
            return Ok((r, pos, buf));
        }
    }
    buf.truncate(occupied);
    Ok((zs::Z_OK, pos, buf))
}

fn zlib_decompress(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = Sig {
        name: "decompress",
        pos: &["data", "wbits", "bufsize"],
        posonly: 1,
        required: 1,
        kwonly: &[],
    }
    .bind(vm, &args, 1)?;
    let data = need_bytes(vm, &b[0].clone().unwrap_or(Value::None))?;
    let wbits = int_opt(vm, &b[1], 15)? as i32;
    let bufsize = ssize_opt(vm, &b[2], DEF_BUF_SIZE as i64)?;
    if bufsize < 0 {
        return Err(vm.value_error("bufsize must be non-negative"));
    }
    let err = error_class(vm, &args)?;
    let mut z = match ZStream::inflate(wbits) {
        Ok(z) => z,
        Err(zs::Z_MEM_ERROR) => {
            return Err(vm.new_error(
                ExcKind::MemoryError,
                "Out of memory while decompressing data",
            ))
        }
        Err(c) => {
            return Err(zlib_error(
                vm,
                &err,
                None,
                c,
                "while preparing to decompress data",
            ))
        }
    };
    let (r, _, out) = inflate_loop(
        vm,
        &err,
        &mut z,
        None,
        &data,
        Limits {
            flush: zs::Z_FINISH,
            first_len: (bufsize as usize).max(1),
            hard_limit: usize::MAX,
        },
    )?;
    if r != zs::Z_STREAM_END {
        return Err(zlib_error(
            vm,
            &err,
            Some(&z),
            r,
            "while decompressing data",
        ));
    }
    Ok(vm.new_bytes(out))
}

fn zlib_compressobj(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = Sig {
        name: "compressobj",
        pos: &["level", "method", "wbits", "memLevel", "strategy", "zdict"],
        posonly: 0,
        required: 0,
        kwonly: &[],
    }
    .bind(vm, &args, 1)?;
    let level = int_opt(vm, &b[0], -1)? as i32;
    let method = int_opt(vm, &b[1], 8)? as i32;
    let wbits = int_opt(vm, &b[2], 15)? as i32;
    let mem = int_opt(vm, &b[3], 8)? as i32;
    let strategy = int_opt(vm, &b[4], 0)? as i32;
    let zdict = match &b[5] {
        Some(v) if !v.is_none() => match buffer_of(vm, v)? {
            Some(d) => Some(d),
            None => return Err(vm.type_error("zdict argument must support the buffer protocol")),
        },
        _ => None,
    };
    let err = error_class(vm, &args)?;
    let mut z = match ZStream::deflate(level, method, wbits, mem, strategy) {
        Ok(z) => z,
        Err(zs::Z_MEM_ERROR) => {
            return Err(vm.new_error(
                ExcKind::MemoryError,
                "Can't allocate memory for compression object",
            ))
        }
        Err(zs::Z_STREAM_ERROR) => return Err(vm.value_error("Invalid initialization option")),
        Err(c) => {
            return Err(zlib_error(
                vm,
                &err,
                None,
                c,
                "while creating compression object",
            ))
        }
    };
    if let Some(d) = &zdict {
        if z.set_dictionary(d) != zs::Z_OK {
            return Err(vm.value_error("Invalid dictionary"));
        }
    }
    let cls = match module_attr(vm, &args, "_Compress")? {
        Value::Obj(c) => c,
        _ => return Err(vm.system_error("zlib.Compress missing")),
    };
    let obj = CompressObj {
        z: RefCell::new(z),
        error: err,
    };
    Ok(Value::Obj(vm.new_native(&cls, obj)))
}

fn zlib_decompressobj(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = Sig {
        name: "decompressobj",
        pos: &["wbits", "zdict"],
        posonly: 0,
        required: 0,
        kwonly: &[],
    }
    .bind(vm, &args, 1)?;
    let wbits = int_opt(vm, &b[0], 15)? as i32;
    let zdict = match &b[1] {
        Some(v) => match buffer_of(vm, v)? {
            Some(d) => Some(d),
            None => return Err(vm.type_error("zdict argument must support the buffer protocol")),
        },
        None => None,
    };
    let err = error_class(vm, &args)?;
    let mut z = match ZStream::inflate(wbits) {
        Ok(z) => z,
        Err(zs::Z_MEM_ERROR) => {
            return Err(vm.new_error(
                ExcKind::MemoryError,
                "Can't allocate memory for decompression object",
            ))
        }
        Err(zs::Z_STREAM_ERROR) => return Err(vm.value_error("Invalid initialization option")),
        Err(c) => {
            return Err(zlib_error(
                vm,
                &err,
                None,
                c,
                "while creating decompression object",
            ))
        }
    };
    if let (Some(d), true) = (&zdict, wbits < 0) {
        let rc = z.set_dictionary(d);
        if rc != zs::Z_OK {
            return Err(zlib_error(vm, &err, Some(&z), rc, "while setting zdict"));
        }
    }
    let cls = match module_attr(vm, &args, "_Decompress")? {
        Value::Obj(c) => c,
        _ => return Err(vm.system_error("zlib.Decompress missing")),
    };
    let obj = DecompressObj {
        z: RefCell::new(z),
        error: err,
        zdict,
        unused_data: RefCell::new(Vec::new()),
        unconsumed_tail: RefCell::new(Vec::new()),
        eof: std::cell::Cell::new(false),
    };
    Ok(Value::Obj(vm.new_native(&cls, obj)))
}

fn checksum(
    vm: &mut Vm,
    args: Args,
    name: &str,
    init: u32,
    f: fn(u32, &[u8]) -> u32,
) -> PyResult<Value> {
    let a = super::binargs::posonly(vm, &args, name, 1, 2)?;
    let data = need_bytes(vm, &a[0])?;
    let start = match a.get(1) {
        Some(v) => super::binascii::uint_bitwise(vm, v)?,
        None => init,
    };
    Ok(Value::Int(f(start, &data) as i64))
}

fn zlib_crc32(vm: &mut Vm, args: Args) -> PyResult<Value> {
    checksum(vm, args, "crc32", 0, zs::crc32)
}

fn zlib_adler32(vm: &mut Vm, args: Args) -> PyResult<Value> {
    checksum(vm, args, "adler32", 1, zs::adler32)
}

// ----------------------------------------------------------- Compress

fn comp_self<'a>(vm: &Vm, args: &Args<'a>, m: &str) -> PyResult<&'a CompressObj> {
    vm.native_self::<CompressObj>(args, "zlib.Compress", m)
}

fn compress_compress(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = comp_self(vm, &args, "compress")?;
    let a = vm.check_args("compress", args, 1, 1)?;
    let data = need_bytes(vm, &a[0])?;
    let mut z = c.z.borrow_mut();
    let mut out = Vec::new();
    let (r, _) = run(&mut z, &data, 0, &mut out);
    if r == zs::Z_STREAM_ERROR {
        return Err(zlib_error(
            vm,
            &c.error,
            Some(&z),
            r,
            "while compressing data",
        ));
    }
    drop(z);
    Ok(vm.new_bytes(out))
}

fn compress_flush(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = comp_self(vm, &args, "flush")?;
    let a = vm.check_args("flush", args, 0, 1)?;
    let mode = match a.first() {
        Some(v) => super::binargs::int_arg(vm, v)? as c_int,
        None => zs::Z_FINISH,
    };
    if mode == 0 {
        return Ok(vm.new_bytes(Vec::new()));
    }
    let mut z = c.z.borrow_mut();
    let mut out = Vec::new();
    let (r, _) = run(&mut z, &[], mode, &mut out);
    if mode == zs::Z_FINISH && r == zs::Z_STREAM_END {
        let e = z.end();
        if e != zs::Z_OK {
            return Err(zlib_error(
                vm,
                &c.error,
                Some(&z),
                e,
                "while finishing compression",
            ));
        }
    } else if r != zs::Z_OK && r != zs::Z_BUF_ERROR {
        return Err(zlib_error(vm, &c.error, Some(&z), r, "while flushing"));
    }
    drop(z);
    Ok(vm.new_bytes(out))
}

fn compress_copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = comp_self(vm, &args, "copy")?;
    vm.check_args("copy", args, 0, 0)?;
    let copied = match c.z.borrow_mut().copy() {
        Ok(z) => z,
        Err(zs::Z_STREAM_ERROR) => return Err(vm.value_error("Inconsistent stream state")),
        Err(_) => {
            return Err(vm.new_error(
                ExcKind::MemoryError,
                "Can't allocate memory for compression object",
            ))
        }
    };
    let cls = vm.type_of(args.args.first().unwrap_or(&Value::None));
    let obj = CompressObj {
        z: RefCell::new(copied),
        error: c.error.clone(),
    };
    Ok(Value::Obj(vm.new_native(&cls, obj)))
}

// --------------------------------------------------------- Decompress

fn decomp_self<'a>(vm: &Vm, args: &Args<'a>, m: &str) -> PyResult<&'a DecompressObj> {
    vm.native_self::<DecompressObj>(args, "zlib.Decompress", m)
}

/// CPython's `save_unconsumed_input`.
fn save_unconsumed(d: &DecompressObj, input: &[u8], pos: usize, r: c_int) {
    let rest = input.get(pos..).unwrap_or(&[]);
    let mut left = rest;
    if r == zs::Z_STREAM_END && !rest.is_empty() {
        d.unused_data.borrow_mut().extend_from_slice(rest);
        left = &[];
    }
    let tail_nonempty = !d.unconsumed_tail.borrow().is_empty();
    if !left.is_empty() || tail_nonempty {
        *d.unconsumed_tail.borrow_mut() = left.to_vec();
    }
}

fn decompress_decompress(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = decomp_self(vm, &args, "decompress")?;
    let b = Sig {
        name: "decompress",
        pos: &["data", "max_length"],
        posonly: 1,
        required: 1,
        kwonly: &[],
    }
    .bind(vm, &args, 1)?;
    let data = need_bytes(vm, &b[0].clone().unwrap_or(Value::None))?;
    let max_length = ssize_opt(vm, &b[1], 0)?;
    if max_length < 0 {
        return Err(vm.value_error("max_length must be non-negative"));
    }
    let hard = if max_length == 0 {
        usize::MAX
    } else {
        max_length as usize
    };
    let mut z = d.z.borrow_mut();
    let (r, pos, out) = inflate_loop(
        vm,
        &d.error,
        &mut z,
        d.zdict.as_deref(),
        &data,
        Limits {
            flush: 2,
            first_len: DEF_BUF_SIZE,
            hard_limit: hard,
        },
    )?;
    save_unconsumed(d, &data, pos, r);
    if r == zs::Z_STREAM_END {
        d.eof.set(true);
    } else if r != zs::Z_OK && r != zs::Z_BUF_ERROR {
        return Err(zlib_error(
            vm,
            &d.error,
            Some(&z),
            r,
            "while decompressing data",
        ));
    }
    drop(z);
    Ok(vm.new_bytes(out))
}

fn decompress_flush(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = decomp_self(vm, &args, "flush")?;
    let a = vm.check_args("flush", args, 0, 1)?;
    let length = match a.first() {
        Some(v) => super::binargs::ssize_arg(vm, v)?,
        None => DEF_BUF_SIZE as i64,
    };
    if length <= 0 {
        return Err(vm.value_error("length must be greater than zero"));
    }
    let input = d.unconsumed_tail.borrow().clone();
    let mut z = d.z.borrow_mut();
    let (r, pos, out) = inflate_loop(
        vm,
        &d.error,
        &mut z,
        d.zdict.as_deref(),
        &input,
        Limits {
            flush: zs::Z_FINISH,
            first_len: length as usize,
            hard_limit: usize::MAX,
        },
    )?;
    save_unconsumed(d, &input, pos, r);
    if r == zs::Z_STREAM_END {
        d.eof.set(true);
        let e = z.end();
        if e != zs::Z_OK {
            return Err(zlib_error(
                vm,
                &d.error,
                Some(&z),
                e,
                "while finishing decompression",
            ));
        }
    }
    drop(z);
    Ok(vm.new_bytes(out))
}

fn decompress_copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = decomp_self(vm, &args, "copy")?;
    vm.check_args("copy", args, 0, 0)?;
    let copied = match d.z.borrow_mut().copy() {
        Ok(z) => z,
        Err(zs::Z_STREAM_ERROR) => return Err(vm.value_error("Inconsistent stream state")),
        Err(_) => {
            return Err(vm.new_error(
                ExcKind::MemoryError,
                "Can't allocate memory for decompression object",
            ))
        }
    };
    let cls = vm.type_of(args.args.first().unwrap_or(&Value::None));
    let obj = DecompressObj {
        z: RefCell::new(copied),
        error: d.error.clone(),
        zdict: d.zdict.clone(),
        unused_data: RefCell::new(d.unused_data.borrow().clone()),
        unconsumed_tail: RefCell::new(d.unconsumed_tail.borrow().clone()),
        eof: std::cell::Cell::new(d.eof.get()),
    };
    Ok(Value::Obj(vm.new_native(&cls, obj)))
}

fn get_decomp<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a DecompressObj> {
    vm.native::<DecompressObj>(v)
        .ok_or_else(|| vm.type_error("descriptor requires a 'zlib.Decompress' object"))
}

fn decompress_unused_data(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let d = get_decomp(vm, v)?;
    let b = d.unused_data.borrow().clone();
    Ok(vm.new_bytes(b))
}

fn decompress_unconsumed_tail(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let d = get_decomp(vm, v)?;
    let b = d.unconsumed_tail.borrow().clone();
    Ok(vm.new_bytes(b))
}

fn decompress_eof(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::bool(get_decomp(vm, v)?.eof.get()))
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("zlib");
    let base = vm.exc_type(ExcKind::Exception);
    let error = super::binargs::new_exc_class(vm, "zlib", "error", base)?;
    vm.set_attr_raw(&m, "error", Value::Obj(error));
    let object = vm.types.object.clone();
    let comp = vm.new_native_type("zlib", "Compress", &object, Layout::Native("Compress"), 0);
    vm.add_methods(
        &comp,
        &[
            ("compress", compress_compress),
            ("flush", compress_flush),
            ("copy", compress_copy),
            ("__copy__", compress_copy),
        ],
    );
    let decomp = vm.new_native_type(
        "zlib",
        "Decompress",
        &object,
        Layout::Native("Decompress"),
        0,
    );
    vm.add_methods(
        &decomp,
        &[
            ("decompress", decompress_decompress),
            ("flush", decompress_flush),
            ("copy", decompress_copy),
            ("__copy__", decompress_copy),
        ],
    );
    vm.add_getsets(
        &decomp,
        &[
            ("unused_data", decompress_unused_data, None),
            ("unconsumed_tail", decompress_unconsumed_tail, None),
            ("eof", decompress_eof, None),
        ],
    );
    vm.set_attr_raw(&m, "_Compress", Value::Obj(comp));
    vm.set_attr_raw(&m, "_Decompress", Value::Obj(decomp));
    add_module_functions(
        vm,
        &m,
        &[
            ("adler32", zlib_adler32),
            ("compress", zlib_compress),
            ("compressobj", zlib_compressobj),
            ("crc32", zlib_crc32),
            ("decompress", zlib_decompress),
            ("decompressobj", zlib_decompressobj),
        ],
    );
    let consts: &[(&str, i64)] = &[
        ("DEFLATED", 8),
        ("DEF_BUF_SIZE", 16384),
        ("DEF_MEM_LEVEL", 8),
        ("MAX_WBITS", 15),
        ("Z_BEST_COMPRESSION", 9),
        ("Z_BEST_SPEED", 1),
        ("Z_BLOCK", 5),
        ("Z_DEFAULT_COMPRESSION", -1),
        ("Z_DEFAULT_STRATEGY", 0),
        ("Z_FILTERED", 1),
        ("Z_FINISH", 4),
        ("Z_FIXED", 4),
        ("Z_FULL_FLUSH", 3),
        ("Z_HUFFMAN_ONLY", 2),
        ("Z_NO_COMPRESSION", 0),
        ("Z_NO_FLUSH", 0),
        ("Z_PARTIAL_FLUSH", 1),
        ("Z_RLE", 3),
        ("Z_SYNC_FLUSH", 2),
        ("Z_TREES", 6),
    ];
    for (k, v) in consts {
        vm.set_attr_raw(&m, k, Value::Int(*v));
    }
    let ver = vm.new_string(zs::version());
    vm.set_attr_raw(&m, "ZLIB_VERSION", ver.clone());
    vm.set_attr_raw(&m, "ZLIB_RUNTIME_VERSION", ver);
    Ok(m)
}
