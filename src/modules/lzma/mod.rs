//! `_lzma`: `LZMACompressor`, `LZMADecompressor`, `LZMAError`,
//! `is_check_supported`, `_encode_filter_properties`,
//! `_decode_filter_properties` and the `FORMAT_*`/`CHECK_*`/`FILTER_*`/
//! `MF_*`/`MODE_*`/`PRESET_*` constants, over liblzma itself (`stream.rs`)
//! driven as CPython 3.11's `_lzmamodule.c` drives it.

mod stream;

use std::cell::{Cell, RefCell};

use lzma_sys as lz;
use stream::{FilterChain, FilterOptions, Init, LzStream};

use super::binargs::{add_module_functions, need_bytes, new_exc_class, raise, ssize_arg, Sig};
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::Layout;
use crate::vm::proto::str_of;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

const FORMAT_AUTO: i64 = 0;
const FORMAT_XZ: i64 = 1;
const FORMAT_ALONE: i64 = 2;
const FORMAT_RAW: i64 = 3;
const CHECK_NONE: i64 = 0;
const CHECK_CRC64: i64 = 4;
const CHECK_UNKNOWN: i64 = 16;
const PRESET_DEFAULT: u32 = 6;
const CHUNK: usize = 32 * 1024;
const BCJ_IDS: [u64; 6] = [4, 5, 6, 7, 8, 9];

struct Compressor {
    lz: RefCell<LzStream>,
    flushed: Cell<bool>,
}

impl NativeData for Compressor {}

struct Decompressor {
    lz: RefCell<LzStream>,
    check: Cell<i64>,
    eof: Cell<bool>,
    needs_input: Cell<bool>,
    unused_data: RefCell<Vec<u8>>,
    pending: RefCell<Vec<u8>>,
}

impl NativeData for Decompressor {}

crate::interp_local! {
    static ERROR: RefCell<Option<PyRef>> = const { RefCell::new(None) };
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_lzma");
    let base = vm.exc_type(ExcKind::Exception);
    let error = new_exc_class(vm, "_lzma", "LZMAError", base)?;
    ERROR.with(|e| *e.borrow_mut() = Some(error.clone()));
    vm.set_attr_raw(&m, "LZMAError", Value::Obj(error));
    let object = vm.types.object.clone();
    let c = vm.new_native_type(
        "_lzma",
        "LZMACompressor",
        &object,
        Layout::Native("LZMACompressor"),
        0,
    );
    vm.add_staticmethods(&c, &[("__new__", compressor_new)]);
    vm.add_methods(
        &c,
        &[
            ("compress", compressor_compress),
            ("flush", compressor_flush),
            ("__reduce__", super::bz2mod::no_pickle),
            ("__reduce_ex__", super::bz2mod::no_pickle),
        ],
    );
    let d = vm.new_native_type(
        "_lzma",
        "LZMADecompressor",
        &object,
        Layout::Native("LZMADecompressor"),
        0,
    );
    vm.add_staticmethods(&d, &[("__new__", decompressor_new)]);
    vm.add_methods(
        &d,
        &[
            ("decompress", decompressor_decompress),
            ("__reduce__", super::bz2mod::no_pickle),
            ("__reduce_ex__", super::bz2mod::no_pickle),
        ],
    );
    vm.add_getsets(
        &d,
        &[
            ("check", decomp_check, Some(readonly)),
            ("eof", decomp_eof, Some(readonly)),
            ("unused_data", decomp_unused_data, Some(readonly)),
            ("needs_input", decomp_needs_input, Some(readonly)),
        ],
    );
    vm.set_attr_raw(&m, "LZMACompressor", Value::Obj(c));
    vm.set_attr_raw(&m, "LZMADecompressor", Value::Obj(d));
    let ints: &[(&str, i64)] = &[
        ("FORMAT_AUTO", FORMAT_AUTO),
        ("FORMAT_XZ", FORMAT_XZ),
        ("FORMAT_ALONE", FORMAT_ALONE),
        ("FORMAT_RAW", FORMAT_RAW),
        ("CHECK_NONE", CHECK_NONE),
        ("CHECK_CRC32", 1),
        ("CHECK_CRC64", CHECK_CRC64),
        ("CHECK_SHA256", 10),
        ("CHECK_ID_MAX", 15),
        ("CHECK_UNKNOWN", CHECK_UNKNOWN),
        ("FILTER_LZMA1", lz::LZMA_FILTER_LZMA1 as i64),
        ("FILTER_LZMA2", lz::LZMA_FILTER_LZMA2 as i64),
        ("FILTER_DELTA", stream::FILTER_DELTA as i64),
        ("FILTER_X86", 4),
        ("FILTER_POWERPC", 5),
        ("FILTER_IA64", 6),
        ("FILTER_ARM", 7),
        ("FILTER_ARMTHUMB", 8),
        ("FILTER_SPARC", 9),
        ("MF_HC3", 0x03),
        ("MF_HC4", 0x04),
        ("MF_BT2", 0x12),
        ("MF_BT3", 0x13),
        ("MF_BT4", 0x14),
        ("MODE_FAST", 1),
        ("MODE_NORMAL", 2),
        ("PRESET_DEFAULT", PRESET_DEFAULT as i64),
        ("PRESET_EXTREME", 0x8000_0000),
    ];
    for (name, v) in ints {
        vm.set_attr_raw(&m, name, Value::Int(*v));
    }
    add_module_functions(
        vm,
        &m,
        &[
            ("is_check_supported", lzma_is_check_supported),
            ("_encode_filter_properties", lzma_encode_filter_properties),
            ("_decode_filter_properties", lzma_decode_filter_properties),
        ],
    );
    Ok(m)
}

fn readonly(vm: &mut Vm, _o: &Value, _v: Option<Value>) -> PyResult<()> {
    Err(vm.attribute_error("readonly attribute"))
}

fn lzma_error(vm: &Vm, msg: impl Into<String>) -> PyErr {
    match ERROR.with(|e| e.borrow().clone()) {
        Some(cls) => raise(vm, &cls, msg),
        None => vm.system_error("_lzma.LZMAError missing"),
    }
}

/// CPython's `catch_lzma_error` for a failing code.
fn code_error(vm: &Vm, code: u32) -> PyErr {
    let msg = match code {
        3 => "Unsupported integrity check",
        5 => return vm.new_error_noargs(ExcKind::MemoryError),
        6 => "Memory usage limit exceeded",
        7 => "Input format not supported by decoder",
        8 => "Invalid or unsupported options",
        9 => "Corrupt input data",
        10 => "Insufficient buffer space",
        11 => "Internal error",
        _ => return lzma_error(vm, format!("Unrecognized error from liblzma: {code}")),
    };
    lzma_error(vm, msg)
}

fn is_ok(code: u32) -> bool {
    matches!(code, 0 | 1 | 2 | 4)
}

/// `uint32_converter`.
fn uint32(vm: &mut Vm, v: &Value) -> PyResult<u32> {
    let i = super::binargs::ssize_arg(vm, v)?;
    u32::try_from(i).map_err(|_| {
        if i < 0 {
            vm.overflow_error("can't convert negative int to unsigned")
        } else {
            vm.overflow_error("Value too large for uint32_t type")
        }
    })
}

fn uint64(vm: &mut Vm, v: &Value) -> PyResult<u64> {
    let i = super::binargs::ssize_arg(vm, v)?;
    u64::try_from(i).map_err(|_| vm.overflow_error("can't convert negative int to unsigned"))
}

/// The (key, value) pairs of a filter specifier mapping.
fn spec_items(vm: &mut Vm, spec: &Value) -> PyResult<Vec<(String, Value)>> {
    let has_getitem = {
        let t = vm.type_of(spec);
        vm.type_lookup_static(&t, "__getitem__").is_some()
    };
    if !has_getitem {
        return Err(vm.type_error("Filter specifier must be a dict or dict-like object"));
    }
    let dict_t = Value::Obj(vm.types.dict.clone());
    let d = vm.call(&dict_t, std::slice::from_ref(spec))?;
    let Value::Obj(d) = d else {
        return Err(vm.system_error("dict() returned a non-dict"));
    };
    let mut out = Vec::new();
    for (k, v) in vm.dict_items(&d) {
        let k = match &k {
            Value::Obj(o) => match vm.as_str_obj(&k) {
                Some(_) => str_of(o).to_string(),
                None => return Err(vm.type_error("keywords must be strings")),
            },
            _ => return Err(vm.type_error("keywords must be strings")),
        };
        out.push((k, v));
    }
    Ok(out)
}

/// `parse_filter_spec`: one filter of a chain.
fn parse_filter_spec(vm: &mut Vm, spec: &Value, chain: &mut FilterChain) -> PyResult<()> {
    let items = spec_items(vm, spec)?;
    let Some(idv) = items
        .iter()
        .find(|(k, _)| k == "id")
        .map(|(_, v)| v.clone())
    else {
        return Err(vm.value_error("Filter specifier must have an \"id\" entry"));
    };
    let id = uint64(vm, &idv)?;
    let get = |name: &str| {
        items
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    if id == lz::LZMA_FILTER_LZMA1 || id == lz::LZMA_FILTER_LZMA2 {
        let preset = match get("preset") {
            Some(v) => uint32(vm, &v)?,
            None => PRESET_DEFAULT,
        };
        let Some(mut o) = stream::lzma_preset(preset) else {
            return Err(lzma_error(
                vm,
                format!("Invalid compression preset: {preset}"),
            ));
        };
        let bad = |vm: &Vm| vm.value_error("Invalid filter specifier for LZMA filter");
        for (k, v) in &items {
            let val = match k.as_str() {
                "id" | "preset" => continue,
                "dict_size" | "lc" | "lp" | "pb" | "mode" | "nice_len" | "mf" | "depth" => {
                    uint32(vm, v).map_err(|_| bad(vm))?
                }
                _ => return Err(bad(vm)),
            };
            match k.as_str() {
                "dict_size" => o.dict_size = val,
                "lc" => o.lc = val,
                "lp" => o.lp = val,
                "pb" => o.pb = val,
                "mode" => o.mode = val as _,
                "nice_len" => o.nice_len = val,
                "mf" => o.mf = val as _,
                _ => o.depth = val,
            }
        }
        chain.opts.push(FilterOptions::Lzma(o));
    } else if id == stream::FILTER_DELTA {
        let mut dist = 1;
        for (k, v) in &items {
            match k.as_str() {
                "id" => {}
                "dist" => {
                    dist = uint32(vm, v)
                        .map_err(|_| vm.value_error("Invalid filter specifier for delta filter"))?
                }
                _ => return Err(vm.value_error("Invalid filter specifier for delta filter")),
            }
        }
        chain
            .opts
            .push(FilterOptions::Delta(Box::new(stream::DeltaOptions::new(
                dist,
            ))));
    } else if BCJ_IDS.contains(&id) {
        let mut start = 0;
        for (k, v) in &items {
            match k.as_str() {
                "id" => {}
                "start_offset" => {
                    start = uint32(vm, v)
                        .map_err(|_| vm.value_error("Invalid filter specifier for BCJ filter"))?
                }
                _ => return Err(vm.value_error("Invalid filter specifier for BCJ filter")),
            }
        }
        chain
            .opts
            .push(FilterOptions::Bcj(Box::new(lz::lzma_options_bcj {
                start_offset: start,
            })));
    } else {
        return Err(vm.value_error(format!("Invalid filter ID: {id}")));
    }
    chain.ids.push(id);
    Ok(())
}

/// `parse_filter_chain_spec`.
fn parse_chain(vm: &mut Vm, specs: &Value) -> PyResult<FilterChain> {
    let items = vm.collect_iter(specs)?;
    if items.len() > 4 {
        return Err(vm.value_error("Too many filters - liblzma supports a maximum of 4"));
    }
    let mut chain = FilterChain {
        ids: Vec::new(),
        opts: Vec::new(),
    };
    for spec in &items {
        parse_filter_spec(vm, spec, &mut chain)?;
    }
    Ok(chain)
}

fn int_or(vm: &mut Vm, v: Option<Value>, dflt: i64) -> PyResult<i64> {
    match v {
        Some(v) => super::binargs::int_arg(vm, &v),
        None => Ok(dflt),
    }
}

fn compressor_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(cls)) = args.args.first() else {
        return Err(vm.type_error("LZMACompressor.__new__(): not enough arguments"));
    };
    let cls = cls.clone();
    let b = Sig {
        name: "LZMACompressor",
        pos: &["format", "check", "preset", "filters"],
        posonly: 0,
        required: 0,
        kwonly: &[],
    }
    .bind(vm, &args, 1)?;
    let format = int_or(vm, b.first().cloned().flatten(), FORMAT_XZ)?;
    let mut check = int_or(vm, b.get(1).cloned().flatten(), -1)?;
    let preset_obj = b.get(2).cloned().flatten().filter(|v| !v.is_none());
    let filters = b.get(3).cloned().flatten().filter(|v| !v.is_none());
    if format != FORMAT_XZ && check != -1 && check != CHECK_NONE {
        return Err(vm.value_error("Integrity checks are only supported by FORMAT_XZ"));
    }
    if preset_obj.is_some() && filters.is_some() {
        return Err(vm.value_error("Cannot specify both preset and filter chain"));
    }
    let preset = match &preset_obj {
        Some(v) => uint32(vm, v)?,
        None => PRESET_DEFAULT,
    };
    let made = match format {
        FORMAT_XZ => {
            if check == -1 {
                check = CHECK_CRC64;
            }
            match &filters {
                None => LzStream::new(Init::Easy(preset, check as i32)),
                Some(f) => {
                    let mut chain = parse_chain(vm, f)?;
                    LzStream::new(Init::Stream(&mut chain, check as i32))
                }
            }
        }
        FORMAT_ALONE => match &filters {
            None => {
                let Some(o) = stream::lzma_preset(preset) else {
                    return Err(lzma_error(
                        vm,
                        format!("Invalid compression preset: {preset}"),
                    ));
                };
                LzStream::new(Init::AlonePreset(&o))
            }
            Some(f) => {
                let mut chain = parse_chain(vm, f)?;
                if chain.ids.as_slice() != [lz::LZMA_FILTER_LZMA1] {
                    return Err(vm.value_error(
                        "Invalid filter chain for FORMAT_ALONE - must be a single LZMA1 filter",
                    ));
                }
                LzStream::new(Init::Alone(&mut chain))
            }
        },
        FORMAT_RAW => match &filters {
            None => return Err(vm.value_error("Must specify filters for FORMAT_RAW")),
            Some(f) => {
                let mut chain = parse_chain(vm, f)?;
                LzStream::new(Init::RawEncoder(&mut chain))
            }
        },
        _ => return Err(vm.value_error(format!("Invalid container format: {format}"))),
    };
    let lz = made.map_err(|c| code_error(vm, c))?;
    let c = Compressor {
        lz: RefCell::new(lz),
        flushed: Cell::new(false),
    };
    Ok(Value::Obj(vm.new_native(&cls, c)))
}

/// CPython's `compress`: run until the input is consumed (LZMA_RUN) or
/// the stream ends (LZMA_FINISH).
fn compress_run(vm: &Vm, lz: &mut LzStream, input: &[u8], action: u32) -> PyResult<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; CHUNK];
    let mut pos = 0;
    loop {
        let (mut r, used, made) = lz.step(input.get(pos..).unwrap_or(&[]), &mut buf, action);
        pos += used;
        out.extend_from_slice(buf.get(..made).unwrap_or(&[]));
        if r == stream::BUF_ERROR && input.is_empty() && made < buf.len() {
            r = 0;
        }
        if !is_ok(r) {
            return Err(code_error(vm, r));
        }
        let finish = action == stream::FINISH;
        if (!finish && pos >= input.len()) || (finish && r == 1) {
            return Ok(out);
        }
    }
}

fn compressor_compress(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = vm.native_self::<Compressor>(&args, "_lzma.LZMACompressor", "compress")?;
    let data = super::bz2mod::meth_o(vm, &args, "LZMACompressor.compress")?;
    let data = need_bytes(vm, &data)?;
    if c.flushed.get() {
        return Err(vm.value_error("Compressor has been flushed"));
    }
    let out = compress_run(vm, &mut c.lz.borrow_mut(), &data, stream::RUN)?;
    Ok(vm.new_bytes(out))
}

fn compressor_flush(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = vm.native_self::<Compressor>(&args, "_lzma.LZMACompressor", "flush")?;
    super::binargs::posonly(vm, &args, "flush", 0, 0)?;
    if c.flushed.get() {
        return Err(vm.value_error("Repeated call to flush()"));
    }
    c.flushed.set(true);
    let out = compress_run(vm, &mut c.lz.borrow_mut(), &[], stream::FINISH)?;
    Ok(vm.new_bytes(out))
}

fn decompressor_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(cls)) = args.args.first() else {
        return Err(vm.type_error("LZMADecompressor.__new__(): not enough arguments"));
    };
    let cls = cls.clone();
    let b = Sig {
        name: "LZMADecompressor",
        pos: &["format", "memlimit", "filters"],
        posonly: 0,
        required: 0,
        kwonly: &[],
    }
    .bind(vm, &args, 1)?;
    let format = int_or(vm, b.first().cloned().flatten(), FORMAT_AUTO)?;
    let memlimit = b.get(1).cloned().flatten().filter(|v| !v.is_none());
    let filters = b.get(2).cloned().flatten().filter(|v| !v.is_none());
    if memlimit.is_some() && format == FORMAT_RAW {
        return Err(vm.value_error("Cannot specify memory limit with FORMAT_RAW"));
    }
    if format == FORMAT_RAW && filters.is_none() {
        return Err(vm.value_error("Must specify filters for FORMAT_RAW"));
    }
    if format != FORMAT_RAW && filters.is_some() {
        return Err(vm.value_error("Cannot specify filters except with FORMAT_RAW"));
    }
    let limit = match &memlimit {
        Some(v) => uint64(vm, v)?,
        None => u64::MAX,
    };
    let (made, check) = match format {
        FORMAT_AUTO => (LzStream::new(Init::AutoDecoder(limit)), CHECK_UNKNOWN),
        FORMAT_XZ => (LzStream::new(Init::StreamDecoder(limit)), CHECK_UNKNOWN),
        FORMAT_ALONE => (LzStream::new(Init::AloneDecoder(limit)), CHECK_NONE),
        FORMAT_RAW => {
            let f = filters.unwrap_or(Value::None);
            let mut chain = parse_chain(vm, &f)?;
            (LzStream::new(Init::RawDecoder(&mut chain)), CHECK_NONE)
        }
        _ => return Err(vm.value_error(format!("Invalid container format: {format}"))),
    };
    let lz = made.map_err(|c| code_error(vm, c))?;
    let d = Decompressor {
        lz: RefCell::new(lz),
        check: Cell::new(check),
        eof: Cell::new(false),
        needs_input: Cell::new(true),
        unused_data: RefCell::new(Vec::new()),
        pending: RefCell::new(Vec::new()),
    };
    Ok(Value::Obj(vm.new_native(&cls, d)))
}

/// CPython's `decompress_buf`: (output, consumed, eof, output space
/// left at the end).
fn decompress_buf(
    vm: &Vm,
    d: &Decompressor,
    input: &[u8],
    max_length: i64,
) -> PyResult<(Vec<u8>, usize, bool, bool)> {
    let mut lz = d.lz.borrow_mut();
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        let room = if max_length < 0 {
            CHUNK
        } else {
            (max_length as usize).saturating_sub(out.len()).min(CHUNK)
        };
        let mut buf = vec![0u8; room];
        let (mut r, used, made) = lz.step(input.get(pos..).unwrap_or(&[]), &mut buf, 0);
        pos += used;
        out.extend_from_slice(buf.get(..made).unwrap_or(&[]));
        let out_full = made == room;
        if r == stream::BUF_ERROR && pos >= input.len() && !out_full {
            r = 0;
        }
        if !is_ok(r) {
            return Err(code_error(vm, r));
        }
        if r == stream::GET_CHECK || r == stream::NO_CHECK {
            d.check.set(lz.check());
        }
        if r == 1 {
            return Ok((out, pos, true, !out_full));
        }
        if out_full {
            if max_length >= 0 && out.len() as i64 >= max_length {
                return Ok((out, pos, false, false));
            }
        } else if pos >= input.len() {
            return Ok((out, pos, false, true));
        }
    }
}

fn decompressor_decompress(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = vm.native_self::<Decompressor>(&args, "_lzma.LZMADecompressor", "decompress")?;
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
        return Err(vm.new_error(ExcKind::EOFError, "Already at end of stream"));
    }
    let mut input = std::mem::take(&mut *d.pending.borrow_mut());
    input.extend_from_slice(&data);
    let (out, used, eof, room_left) = decompress_buf(vm, d, &input, max_length)?;
    let rest = input.get(used..).unwrap_or(&[]).to_vec();
    if eof {
        d.eof.set(true);
        d.needs_input.set(false);
        if !rest.is_empty() {
            *d.unused_data.borrow_mut() = rest;
        }
    } else if rest.is_empty() {
        d.needs_input.set(room_left);
    } else {
        d.needs_input.set(false);
        *d.pending.borrow_mut() = rest;
    }
    Ok(vm.new_bytes(out))
}

fn decomp<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a Decompressor> {
    vm.native::<Decompressor>(v)
        .ok_or_else(|| vm.type_error("expected a _lzma.LZMADecompressor"))
}

fn decomp_check(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Int(decomp(vm, v)?.check.get()))
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

fn lzma_is_check_supported(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = super::binargs::posonly(vm, &args, "is_check_supported", 1, 1)?;
    let id = super::binargs::int_arg(vm, a.first().unwrap_or(&Value::None))?;
    Ok(Value::bool(stream::check_supported(id)))
}

fn lzma_encode_filter_properties(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = super::binargs::posonly(vm, &args, "_encode_filter_properties", 1, 1)?;
    let spec = a.first().cloned().unwrap_or(Value::None);
    let mut chain = FilterChain {
        ids: Vec::new(),
        opts: Vec::new(),
    };
    parse_filter_spec(vm, &spec, &mut chain)?;
    let out = stream::encode_properties(&mut chain).map_err(|c| code_error(vm, c))?;
    Ok(vm.new_bytes(out))
}

fn lzma_decode_filter_properties(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = super::binargs::posonly(vm, &args, "_decode_filter_properties", 2, 2)?;
    let id = uint64(vm, a.first().unwrap_or(&Value::None))?;
    let props = need_bytes(vm, a.get(1).unwrap_or(&Value::None))?;
    let fields = stream::decode_properties(id, &props).map_err(|c| code_error(vm, c))?;
    let d = vm.new_dict();
    for (k, v) in fields {
        let key = vm.new_str(k);
        let val = Value::Int(i64::try_from(v).unwrap_or(i64::MAX));
        vm.dict_set(&d, key, val)?;
    }
    Ok(Value::Obj(d))
}
