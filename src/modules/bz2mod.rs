//! `_bz2`: `BZ2Compressor` and `BZ2Decompressor` over libbz2 itself
//! (through `bzip2-sys`), driven the way CPython 3.11's `_bz2module.c`
//! drives it, so output is byte for byte CPython's and `eof`,
//! `unused_data`, `needs_input` and `max_length` behave the same.

use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_int, c_uint};

use bzip2_sys as bz;

use super::binargs::{int_arg, need_bytes, ssize_arg, Sig};
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::Layout;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

const BZ_RUN: c_int = 0;
const BZ_FINISH: c_int = 2;
const BZ_STREAM_END: c_int = 4;
const CHUNK: usize = 32 * 1024;

/// One libbz2 stream; boxed so it never moves after initialisation.
struct BzStream {
    s: Box<bz::bz_stream>,
    compress: bool,
}

fn new_bz_stream() -> Box<bz::bz_stream> {
    Box::new(bz::bz_stream {
        next_in: std::ptr::null_mut(),
        avail_in: 0,
        total_in_lo32: 0,
        total_in_hi32: 0,
        next_out: std::ptr::null_mut(),
        avail_out: 0,
        total_out_lo32: 0,
        total_out_hi32: 0,
        state: std::ptr::null_mut(),
        bzalloc: None,
        bzfree: None,
        opaque: std::ptr::null_mut(),
    })
}

impl BzStream {
    fn compressor(level: c_int) -> Result<BzStream, c_int> {
        let mut s = new_bz_stream();
        // SAFETY: s is a zeroed, boxed bz_stream (NULL allocators mean
        // malloc/free); level was checked to be 1..=9.
        let r = unsafe { bz::BZ2_bzCompressInit(&mut *s, level, 0, 0) };
        if r != bz::BZ_OK {
            return Err(r);
        }
        Ok(BzStream { s, compress: true })
    }

    fn decompressor() -> Result<BzStream, c_int> {
        let mut s = new_bz_stream();
        // SAFETY: as in `compressor`.
        let r = unsafe { bz::BZ2_bzDecompressInit(&mut *s, 0, 0) };
        if r != bz::BZ_OK {
            return Err(r);
        }
        Ok(BzStream { s, compress: false })
    }

    /// One `BZ2_bzCompress`/`BZ2_bzDecompress` call: (code, consumed,
    /// produced).
    fn step(&mut self, input: &[u8], out: &mut [u8], action: c_int) -> (c_int, usize, usize) {
        let in_len = input.len().min(c_uint::MAX as usize);
        let out_len = out.len().min(c_uint::MAX as usize);
        self.s.next_in = input.as_ptr() as *mut c_char;
        self.s.avail_in = in_len as c_uint;
        self.s.next_out = out.as_mut_ptr() as *mut c_char;
        self.s.avail_out = out_len as c_uint;
        // SAFETY: the in/out pointers describe live slices for the call;
        // libbz2 keeps no pointer to them that is used afterwards (they
        // are reset below).
        let r = unsafe {
            if self.compress {
                bz::BZ2_bzCompress(&mut *self.s, action)
            } else {
                bz::BZ2_bzDecompress(&mut *self.s)
            }
        };
        let consumed = in_len - self.s.avail_in as usize;
        let produced = out_len - self.s.avail_out as usize;
        self.s.next_in = std::ptr::null_mut();
        self.s.avail_in = 0;
        self.s.next_out = std::ptr::null_mut();
        self.s.avail_out = 0;
        (r, consumed, produced)
    }
}

impl Drop for BzStream {
    fn drop(&mut self) {
        // SAFETY: the stream was initialised by the matching Init call.
        unsafe {
            if self.compress {
                bz::BZ2_bzCompressEnd(&mut *self.s);
            } else {
                bz::BZ2_bzDecompressEnd(&mut *self.s);
            }
        }
    }
}

struct Compressor {
    bz: RefCell<BzStream>,
    flushed: Cell<bool>,
}

impl NativeData for Compressor {}

struct Decompressor {
    bz: RefCell<BzStream>,
    eof: Cell<bool>,
    needs_input: Cell<bool>,
    unused_data: RefCell<Vec<u8>>,
    pending: RefCell<Vec<u8>>,
}

impl NativeData for Decompressor {}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_bz2");
    let object = vm.types.object.clone();
    let c = vm.new_native_type(
        "_bz2",
        "BZ2Compressor",
        &object,
        Layout::Native("BZ2Compressor"),
        0,
    );
    vm.add_staticmethods(&c, &[("__new__", compressor_new)]);
    vm.add_methods(
        &c,
        &[
            ("compress", compressor_compress),
            ("flush", compressor_flush),
            ("__reduce__", no_pickle),
            ("__reduce_ex__", no_pickle),
        ],
    );
    let d = vm.new_native_type(
        "_bz2",
        "BZ2Decompressor",
        &object,
        Layout::Native("BZ2Decompressor"),
        0,
    );
    vm.add_staticmethods(&d, &[("__new__", decompressor_new)]);
    vm.add_methods(
        &d,
        &[
            ("decompress", decompressor_decompress),
            ("__reduce__", no_pickle),
            ("__reduce_ex__", no_pickle),
        ],
    );
    vm.add_getsets(
        &d,
        &[
            ("eof", decomp_eof, Some(readonly)),
            ("unused_data", decomp_unused_data, Some(readonly)),
            ("needs_input", decomp_needs_input, Some(readonly)),
        ],
    );
    vm.set_attr_raw(&m, "BZ2Compressor", Value::Obj(c));
    vm.set_attr_raw(&m, "BZ2Decompressor", Value::Obj(d));
    Ok(m)
}

fn readonly(vm: &mut Vm, _o: &Value, _v: Option<Value>) -> PyResult<()> {
    Err(vm.attribute_error("readonly attribute"))
}

pub fn no_pickle(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let name = args
        .args
        .first()
        .map(|v| {
            let t = vm.type_of(v);
            vm.qualified_type_name(&t)
        })
        .unwrap_or_default();
    Err(vm.type_error(format!("cannot pickle '{name}' object")))
}

/// The single argument of a METH_O method `Type.name`.
pub fn meth_o(vm: &Vm, args: &Args, qualname: &str) -> PyResult<Value> {
    let n = args.args.len().saturating_sub(1);
    if args.has_kwargs() {
        return Err(vm.type_error(format!("{qualname}() takes no keyword arguments")));
    }
    match args.args.get(1) {
        Some(v) if n == 1 => Ok(v.clone()),
        _ => Err(vm.type_error(format!(
            "{qualname}() takes exactly one argument ({n} given)"
        ))),
    }
}

/// CPython's `catch_bz2_error`.
fn bz2_error(vm: &Vm, code: c_int) -> PyErr {
    match code {
        bz::BZ_DATA_ERROR | bz::BZ_DATA_ERROR_MAGIC => {
            vm.new_error(ExcKind::OSError, "Invalid data stream")
        }
        bz::BZ_MEM_ERROR => vm.new_error_noargs(ExcKind::MemoryError),
        bz::BZ_PARAM_ERROR => {
            vm.value_error("Internal error - invalid parameters passed to libbzip2")
        }
        bz::BZ_SEQUENCE_ERROR => {
            vm.runtime_error("Internal error - Invalid sequence of commands sent to libbzip2")
        }
        bz::BZ_CONFIG_ERROR => {
            vm.new_error(ExcKind::SystemError, "libbzip2 was not compiled correctly")
        }
        _ => vm.new_error(
            ExcKind::OSError,
            format!("Unrecognized error from libbzip2: {code}"),
        ),
    }
}

fn is_ok(code: c_int) -> bool {
    (0..=4).contains(&code)
}

fn compressor_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(cls)) = args.args.first() else {
        return Err(vm.type_error("BZ2Compressor.__new__(): not enough arguments"));
    };
    let cls = cls.clone();
    if args.has_kwargs() {
        return Err(vm.type_error("BZ2Compressor() takes no keyword arguments"));
    }
    let b = Sig {
        name: "BZ2Compressor",
        pos: &["compresslevel"],
        posonly: 1,
        required: 0,
        kwonly: &[],
    }
    .bind(vm, &args, 1)?;
    let level = match b.first().cloned().flatten() {
        Some(v) => int_arg(vm, &v)?,
        None => 9,
    };
    if !(1..=9).contains(&level) {
        return Err(vm.value_error("compresslevel must be between 1 and 9"));
    }
    let bz = BzStream::compressor(level as c_int).map_err(|c| bz2_error(vm, c))?;
    let c = Compressor {
        bz: RefCell::new(bz),
        flushed: Cell::new(false),
    };
    Ok(Value::Obj(vm.new_native(&cls, c)))
}

/// Run the compressor over `input` with `action` until it is consumed
/// (BZ_RUN) or the stream ends (BZ_FINISH).
fn compress_run(vm: &Vm, bz: &mut BzStream, input: &[u8], action: c_int) -> PyResult<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; CHUNK];
    let mut pos = 0;
    loop {
        // In regular compression mode, stop when the input is exhausted
        // (libbz2 reports BZ_PARAM_ERROR for a BZ_RUN without input).
        if action == BZ_RUN && pos >= input.len() {
            return Ok(out);
        }
        let (r, used, made) = bz.step(input.get(pos..).unwrap_or(&[]), &mut buf, action);
        pos += used;
        out.extend_from_slice(buf.get(..made).unwrap_or(&[]));
        if !is_ok(r) {
            return Err(bz2_error(vm, r));
        }
        if action == BZ_FINISH && r == BZ_STREAM_END {
            return Ok(out);
        }
    }
}

fn compressor_compress(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = vm.native_self::<Compressor>(&args, "_bz2.BZ2Compressor", "compress")?;
    let data = meth_o(vm, &args, "BZ2Compressor.compress")?;
    let data = need_bytes(vm, &data)?;
    if c.flushed.get() {
        return Err(vm.value_error("Compressor has been flushed"));
    }
    let out = compress_run(vm, &mut c.bz.borrow_mut(), &data, BZ_RUN)?;
    Ok(vm.new_bytes(out))
}

fn compressor_flush(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = vm.native_self::<Compressor>(&args, "_bz2.BZ2Compressor", "flush")?;
    super::binargs::posonly(vm, &args, "flush", 0, 0)?;
    if c.flushed.get() {
        return Err(vm.value_error("Repeated call to flush()"));
    }
    c.flushed.set(true);
    let out = compress_run(vm, &mut c.bz.borrow_mut(), &[], BZ_FINISH)?;
    Ok(vm.new_bytes(out))
}

fn decompressor_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(cls)) = args.args.first() else {
        return Err(vm.type_error("BZ2Decompressor.__new__(): not enough arguments"));
    };
    let cls = cls.clone();
    if args.pos().len() > 1 {
        return Err(vm.type_error("BZ2Decompressor() takes no positional arguments"));
    }
    if args.has_kwargs() {
        return Err(vm.type_error("BZ2Decompressor() takes no keyword arguments"));
    }
    let bz = BzStream::decompressor().map_err(|c| bz2_error(vm, c))?;
    let d = Decompressor {
        bz: RefCell::new(bz),
        eof: Cell::new(false),
        needs_input: Cell::new(true),
        unused_data: RefCell::new(Vec::new()),
        pending: RefCell::new(Vec::new()),
    };
    Ok(Value::Obj(vm.new_native(&cls, d)))
}

/// CPython's `decompress_buf`: (output, bytes of `input` consumed, eof).
fn decompress_buf(
    vm: &Vm,
    bz: &mut BzStream,
    input: &[u8],
    max_length: i64,
) -> PyResult<(Vec<u8>, usize, bool)> {
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        let room = if max_length < 0 {
            CHUNK
        } else {
            (max_length as usize).saturating_sub(out.len()).min(CHUNK)
        };
        let mut buf = vec![0u8; room];
        let (r, used, made) = bz.step(input.get(pos..).unwrap_or(&[]), &mut buf, BZ_RUN);
        pos += used;
        out.extend_from_slice(buf.get(..made).unwrap_or(&[]));
        if !is_ok(r) {
            return Err(bz2_error(vm, r));
        }
        if r == BZ_STREAM_END {
            return Ok((out, pos, true));
        }
        if pos >= input.len() {
            return Ok((out, pos, false));
        }
        if made == room && max_length >= 0 && out.len() as i64 >= max_length {
            return Ok((out, pos, false));
        }
    }
}

fn decompressor_decompress(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = vm.native_self::<Decompressor>(&args, "_bz2.BZ2Decompressor", "decompress")?;
    let b = Sig {
        name: "decompress",
        pos: &["data", "max_length"],
        posonly: 0,
        required: 1,
        kwonly: &[],
    }
    .bind(vm, &args, 1)?;
    let data = need_bytes(vm, &b.first().cloned().flatten().unwrap_or(Value::None))?;
    let max_length = match b.get(1).cloned().flatten() {
        Some(v) => ssize_arg(vm, &v)?,
        None => -1,
    };
    if d.eof.get() {
        return Err(vm.new_error(ExcKind::EOFError, "End of stream already reached"));
    }
    let mut input = std::mem::take(&mut *d.pending.borrow_mut());
    input.extend_from_slice(&data);
    let (out, used, eof) = decompress_buf(vm, &mut d.bz.borrow_mut(), &input, max_length)?;
    let rest = input.get(used..).unwrap_or(&[]).to_vec();
    if eof {
        d.eof.set(true);
        d.needs_input.set(false);
        if !rest.is_empty() {
            *d.unused_data.borrow_mut() = rest;
        }
    } else if rest.is_empty() {
        d.needs_input.set(true);
    } else {
        d.needs_input.set(false);
        *d.pending.borrow_mut() = rest;
    }
    Ok(vm.new_bytes(out))
}

fn decomp<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a Decompressor> {
    vm.native::<Decompressor>(v)
        .ok_or_else(|| vm.type_error("expected a _bz2.BZ2Decompressor"))
}

fn decomp_eof(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::bool(decomp(vm, v)?.eof.get()))
}

fn decomp_needs_input(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::bool(decomp(vm, v)?.needs_input.get()))
}

fn decomp_unused_data(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let d = decomp(vm, v)?.unused_data.borrow().clone();
    Ok(vm.new_bytes(d))
}
