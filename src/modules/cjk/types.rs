//! `_multibytecodec`'s objects (CPython 3.11's
//! Modules/cjkcodecs/multibytecodec.c): `MultibyteCodec` (what
//! `_codecs_*.getcodec` returns), and the bases Lib/encodings/*.py
//! subclass: `MultibyteIncrementalEncoder`/`Decoder` and
//! `MultibyteStreamReader`/`Writer`, each finding its codec in the class
//! attribute `codec`.

use crate::vm::value::Truth;
use std::cell::{Cell, RefCell};

use num_bigint::BigInt;

use super::driver::{decode, encode, str_from};
use super::engine::{Codec, State};
use crate::objects::exception::ExcKind;
use crate::objects::function::{Args, NativeFn};
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

const MAXDECPENDING: usize = 8;
const MAXENCPENDING: usize = 2;

/// A `MultibyteCodec`.
pub struct CodecObj {
    pub codec: Codec,
}

impl NativeData for CodecObj {}

/// The state of the incremental and stream objects.
pub struct Ctx {
    codec: Codec,
    state: Cell<State>,
    errors: RefCell<String>,
    /// Undecoded bytes (decoders, readers).
    pending: RefCell<Vec<u8>>,
    /// Characters not yet encoded (encoders, writers: one that may
    /// combine with the next).
    pending_text: RefCell<Vec<u32>>,
    /// The stream (readers, writers).
    stream: Value,
}

impl NativeData for Ctx {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&self.stream);
    }
}

crate::interp_local! {
    static CODEC_TYPE: RefCell<Option<PyRef>> = RefCell::new(None);
}

/// `_multibytecodec.MultibyteCodec`, made once per interpreter.
pub fn codec_type(vm: &mut Vm) -> PyRef {
    if let Some(t) = CODEC_TYPE.with(|t| t.borrow().clone()) {
        return t;
    }
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "_multibytecodec",
        "MultibyteCodec",
        &object,
        Layout::Native("MultibyteCodec"),
        0,
    );
    vm.add_methods(&t, &[("encode", codec_encode), ("decode", codec_decode)]);
    CODEC_TYPE.with(|c| *c.borrow_mut() = Some(t.clone()));
    t
}

/// A `MultibyteCodec` object for codec `name`.
pub fn new_codec(vm: &mut Vm, codec: Codec) -> Value {
    let t = codec_type(vm);
    Value::Obj(vm.new_native(&t, CodecObj { codec }))
}

/// A base type: its name, `__new__` and methods.
type TypeSpec = (&'static str, NativeFn, &'static [(&'static str, NativeFn)]);

/// Make the four base types in module `m`.
pub fn install(vm: &mut Vm, m: &PyRef) {
    let object = vm.types.object.clone();
    let specs: [TypeSpec; 4] = [
        (
            "MultibyteIncrementalEncoder",
            ienc_new,
            &[
                ("__init__", noop_init),
                ("encode", ienc_encode),
                ("getstate", ienc_getstate),
                ("setstate", ienc_setstate),
                ("reset", ienc_reset),
            ],
        ),
        (
            "MultibyteIncrementalDecoder",
            idec_new,
            &[
                ("__init__", noop_init),
                ("decode", idec_decode),
                ("getstate", idec_getstate),
                ("setstate", idec_setstate),
                ("reset", idec_reset),
            ],
        ),
        (
            "MultibyteStreamReader",
            reader_new,
            &[
                ("__init__", noop_init),
                ("read", reader_read),
                ("readline", reader_readline),
                ("readlines", reader_readlines),
                ("reset", reader_reset),
            ],
        ),
        (
            "MultibyteStreamWriter",
            writer_new,
            &[
                ("__init__", noop_init),
                ("write", writer_write),
                ("writelines", writer_writelines),
                ("reset", writer_reset),
            ],
        ),
    ];
    for (name, new, methods) in specs {
        let t = vm.new_native_type(
            "_multibytecodec",
            name,
            &object,
            Layout::Native("MultibyteCodecCtx"),
            FLAG_BASETYPE,
        );
        vm.add_staticmethods(&t, &[("__new__", new)]);
        vm.add_methods(&t, methods);
        vm.add_getsets(&t, &[("errors", get_errors, Some(set_errors))]);
        if name.contains("Stream") {
            vm.add_getsets(&t, &[("stream", get_stream, None)]);
        }
        vm.set_attr_raw(m, name, Value::Obj(t));
    }
}

// ------------------------------------------------------------ arguments

/// The `errors` argument: None means "strict".
fn errors_arg(vm: &Vm, v: Option<&Value>, func: &str) -> PyResult<String> {
    match v {
        None | Some(Value::None) => Ok("strict".into()),
        Some(v) => match vm.as_str_obj(v) {
            Some(s) => Ok(s.as_str().to_string()),
            None => Err(vm.type_error(format!(
                "{func}() argument 'errors' must be str or None, not {}",
                vm.type_name_of(v)
            ))),
        },
    }
}

/// Bind `(names...)` from args after `skip`.
fn bind(
    vm: &Vm,
    args: &Args,
    skip: usize,
    func: &str,
    names: &[&str],
) -> PyResult<Vec<Option<Value>>> {
    super::super::binargs::named_args(vm, args, skip, func, names)
}

fn codec_of(vm: &Vm, v: &Value, func: &str) -> PyResult<Codec> {
    match vm.native::<CodecObj>(v) {
        Some(c) => Ok(c.codec),
        None => Err(vm.type_error(format!(
            "descriptor '{func}' for 'MultibyteCodec' objects doesn't apply to a '{}' object",
            vm.type_name_of(v)
        ))),
    }
}

fn text_arg(vm: &mut Vm, v: &Value) -> PyResult<Vec<u32>> {
    if let Some(s) = vm.as_str_obj(v) {
        return Ok(s.code_points());
    }
    // CPython converts other objects with str().
    let s = vm.str_value(v)?;
    match vm.as_str_obj(&s) {
        Some(s) => Ok(s.code_points()),
        None => Err(vm.type_error("couldn't convert the object to unicode.")),
    }
}

fn buffer_arg(vm: &mut Vm, v: &Value) -> PyResult<Vec<u8>> {
    match crate::objects::bytes::buffer_bytes(vm, v)? {
        Some(b) => Ok(b),
        None => Err(vm.type_error(format!(
            "a bytes-like object is required, not '{}'",
            vm.type_name_of(v)
        ))),
    }
}

// ------------------------------------------------------------ MultibyteCodec

/// `MultibyteCodec.encode(input, errors=None)` → (bytes, length).
fn codec_encode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let recv = args.args.first().cloned().unwrap_or(Value::None);
    let codec = codec_of(vm, &recv, "encode")?;
    let a = bind(vm, &args, 1, "encode", &["input", "errors"])?;
    let Some(input) = a[0].clone() else {
        return Err(vm.type_error("encode() missing required argument 'input' (pos 1)"));
    };
    let errors = errors_arg(vm, a[1].as_ref(), "encode")?;
    let text = text_arg(vm, &input)?;
    let mut st = codec.encoder_init();
    let obj = vm.as_str_obj(&input).is_some().then(|| input.clone());
    let (b, _) = encode(vm, &codec, &mut st, &text, &errors, true, obj)?;
    let n = text.len() as i64;
    let b = vm.new_bytes(b);
    Ok(vm.new_tuple_of([b, Value::Int(n)]))
}

/// `MultibyteCodec.decode(input, errors=None)` → (str, length).
fn codec_decode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let recv = args.args.first().cloned().unwrap_or(Value::None);
    let codec = codec_of(vm, &recv, "decode")?;
    let a = bind(vm, &args, 1, "decode", &["input", "errors"])?;
    let Some(input) = a[0].clone() else {
        return Err(vm.type_error("decode() missing required argument 'input' (pos 1)"));
    };
    let errors = errors_arg(vm, a[1].as_ref(), "decode")?;
    let data = buffer_arg(vm, &input)?;
    let mut st = codec.decoder_init();
    let (text, _) = decode(vm, &codec, &mut st, &data, &errors, true)?;
    let s = str_from(vm, &text);
    Ok(vm.new_tuple_of([s, Value::Int(data.len() as i64)]))
}

// ------------------------------------------------------------ shared

fn noop_init(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::None)
}

/// A new context object of class `cls` (its `codec` attribute names the
/// codec).
fn new_ctx(vm: &mut Vm, cls: &Value, errors: String, stream: Value, enc: bool) -> PyResult<Value> {
    let Value::Obj(cls_ref) = cls else {
        return Err(vm.type_error("__new__(): not a type"));
    };
    let codec_v = vm.getattr_str(cls, "codec")?;
    let Some(codec) = vm.native::<CodecObj>(&codec_v).map(|c| c.codec) else {
        return Err(vm.type_error("codec is unexpected type"));
    };
    let state = if enc {
        codec.encoder_init()
    } else {
        codec.decoder_init()
    };
    let ctx = Ctx {
        codec,
        state: Cell::new(state),
        errors: RefCell::new(errors),
        pending: RefCell::new(Vec::new()),
        pending_text: RefCell::new(Vec::new()),
        stream,
    };
    Ok(Value::Obj(vm.new_native(cls_ref, ctx)))
}

fn ctx<'a>(vm: &Vm, args: &Args<'a>, method: &str) -> PyResult<&'a Ctx> {
    vm.native_self::<Ctx>(args, "_multibytecodec.MultibyteCodecCtx", method)
}

fn get_errors(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match vm.native::<Ctx>(v) {
        Some(c) => {
            let e = c.errors.borrow().clone();
            Ok(vm.new_string(e))
        }
        None => Err(vm.type_error("descriptor 'errors' requires a codec context")),
    }
}

fn set_errors(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let Some(c) = vm.native::<Ctx>(v) else {
        return Err(vm.type_error("descriptor 'errors' requires a codec context"));
    };
    let Some(new) = new else {
        return Err(vm.new_error(ExcKind::AttributeError, "cannot delete attribute"));
    };
    match vm.as_str_obj(&new) {
        Some(s) => {
            *c.errors.borrow_mut() = s.as_str().to_string();
            Ok(())
        }
        None => Err(vm.type_error("errors must be a string")),
    }
}

fn get_stream(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match vm.native::<Ctx>(v) {
        Some(c) => Ok(c.stream.clone()),
        None => Err(vm.type_error("descriptor 'stream' requires a stream object")),
    }
}

fn final_arg(vm: &mut Vm, v: Option<&Value>) -> PyResult<bool> {
    match v {
        None => Ok(false),
        Some(v) => vm.truthy(v),
    }
}

// ------------------------------------------------------------ incremental

/// `MultibyteIncrementalEncoder(errors=None)`.
fn ienc_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = args.args.first().cloned().unwrap_or(Value::None);
    let a = bind(vm, &args, 1, "IncrementalEncoder", &["errors"])?;
    let errors = errors_arg(vm, a[0].as_ref(), "IncrementalEncoder")?;
    new_ctx(vm, &cls, errors, Value::None, true)
}

/// `encode(input, final=False)`.
fn ienc_encode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = ctx(vm, &args, "encode")?;
    let a = bind(vm, &args, 1, "encode", &["input", "final"])?;
    let Some(input) = a[0].clone() else {
        return Err(vm.type_error("encode() missing required argument 'input' (pos 1)"));
    };
    let last = final_arg(vm, a[1].as_ref())?;
    let text = text_arg(vm, &input)?;
    let b = encode_stateful(vm, c, &input, text, last)?;
    Ok(vm.new_bytes(b))
}

/// CPython's `encoder_encode_stateful`: encode after the pending
/// characters, keeping a trailing one that may combine unless `last`.
fn encode_stateful(
    vm: &mut Vm,
    c: &Ctx,
    input: &Value,
    text: Vec<u32>,
    last: bool,
) -> PyResult<Vec<u8>> {
    let pending = c.pending_text.borrow().clone();
    let (text, obj) = if pending.is_empty() {
        let obj = vm.as_str_obj(input).is_some().then(|| input.clone());
        (text, obj)
    } else {
        let mut all = pending;
        all.extend(text);
        (all, None)
    };
    let errors = c.errors.borrow().clone();
    let mut st = c.state.get();
    let r = encode(vm, &c.codec, &mut st, &text, &errors, last, obj);
    c.state.set(st);
    let (b, used) = r?;
    let rest = text.get(used..).unwrap_or(&[]).to_vec();
    if rest.len() > MAXENCPENDING {
        return Err(vm.new_error(ExcKind::UnicodeError, "pending buffer overflow"));
    }
    *c.pending_text.borrow_mut() = rest;
    Ok(b)
}

fn ienc_reset(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = ctx(vm, &args, "reset")?;
    let mut st = c.state.get();
    let mut out = Vec::new();
    c.codec.encoder_reset(&mut st, &mut out);
    c.state.set(st);
    c.pending_text.borrow_mut().clear();
    Ok(Value::None)
}

/// CPython packs [pending size][pending UTF-8][state] into an int.
fn ienc_getstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = ctx(vm, &args, "getstate")?;
    let utf8: String = c
        .pending_text
        .borrow()
        .iter()
        .filter_map(|&p| char::from_u32(p))
        .collect();
    let mut bytes = vec![utf8.len() as u8];
    bytes.extend_from_slice(utf8.as_bytes());
    bytes.extend_from_slice(&c.state.get());
    Ok(vm.new_bigint(BigInt::from_bytes_le(num_bigint::Sign::Plus, &bytes)))
}

fn ienc_setstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = ctx(vm, &args, "setstate")?;
    let a = vm.check_args("setstate", args, 1, 1)?.to_vec();
    let Some(n) = crate::objects::int::to_bigint(&a[0]) else {
        return Err(vm.type_error(format!(
            "setstate() argument must be int, not {}",
            vm.type_name_of(&a[0])
        )));
    };
    // 1 + MAXENCPENDING*4 + 8 bytes at most.
    let bytes = state_bytes(vm, &n, 1 + 2 * 4 + 8)?;
    let pending = usize::from(bytes.first().copied().unwrap_or(0));
    if pending > 2 * 4 {
        return Err(vm.new_error(ExcKind::UnicodeError, "pending buffer too large"));
    }
    let text = bytes.get(1..1 + pending).unwrap_or(&[]);
    let text: Vec<u32> = match std::str::from_utf8(text) {
        Ok(t) => t.chars().map(u32::from).collect(),
        Err(_) => {
            // CPython decodes the pending text strictly: its error.
            let b = vm.new_bytes(text.to_vec());
            crate::modules::codecs::decode_text(vm, &b, "utf-8", "strict")?;
            return Err(vm.value_error("invalid pending buffer"));
        }
    };
    c.state.set(state_at(&bytes, 1 + pending));
    *c.pending_text.borrow_mut() = text;
    Ok(Value::None)
}

/// The little-endian bytes of a `setstate()` int, as CPython's
/// `_PyLong_AsByteArray` into `max` bytes: OverflowError when negative or
/// too long.
fn state_bytes(vm: &mut Vm, n: &num_bigint::BigInt, max: usize) -> PyResult<Vec<u8>> {
    if n.sign() == num_bigint::Sign::Minus {
        return Err(vm.overflow_error("can't convert negative int to unsigned"));
    }
    let (_, bytes) = n.to_bytes_le();
    if bytes.len() > max {
        return Err(vm.overflow_error("int too big to convert"));
    }
    Ok(bytes)
}

/// The 8 codec state bytes starting at `off` (missing ones zero).
fn state_at(bytes: &[u8], off: usize) -> [u8; 8] {
    std::array::from_fn(|k| bytes.get(off + k).copied().unwrap_or(0))
}

/// `MultibyteIncrementalDecoder(errors=None)`.
fn idec_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = args.args.first().cloned().unwrap_or(Value::None);
    let a = bind(vm, &args, 1, "IncrementalDecoder", &["errors"])?;
    let errors = errors_arg(vm, a[0].as_ref(), "IncrementalDecoder")?;
    new_ctx(vm, &cls, errors, Value::None, false)
}

/// Decode `data` after the pending bytes; keep a trailing incomplete
/// sequence pending unless `last`.
fn feed(vm: &mut Vm, c: &Ctx, data: &[u8], last: bool) -> PyResult<Vec<u32>> {
    let mut buf = c.pending.borrow().clone();
    buf.extend_from_slice(data);
    let errors = c.errors.borrow().clone();
    let mut st = c.state.get();
    let r = decode(vm, &c.codec, &mut st, &buf, &errors, last);
    c.state.set(st);
    let (text, used) = r?;
    let rest = buf.get(used..).unwrap_or(&[]).to_vec();
    if rest.len() > MAXDECPENDING {
        return Err(vm.new_error(ExcKind::UnicodeError, "pending buffer overflow"));
    }
    *c.pending.borrow_mut() = rest;
    Ok(text)
}

/// `decode(input, final=False)`.
fn idec_decode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = ctx(vm, &args, "decode")?;
    let a = bind(vm, &args, 1, "decode", &["input", "final"])?;
    let Some(input) = a[0].clone() else {
        return Err(vm.type_error("decode() missing required argument 'input' (pos 1)"));
    };
    let last = final_arg(vm, a[1].as_ref())?;
    let data = buffer_arg(vm, &input)?;
    let text = feed(vm, c, &data, last)?;
    Ok(str_from(vm, &text))
}

fn idec_reset(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = ctx(vm, &args, "reset")?;
    let mut st = c.state.get();
    c.codec.decoder_reset(&mut st);
    c.state.set(st);
    c.pending.borrow_mut().clear();
    Ok(Value::None)
}

/// `(pending bytes, state as an int)`.
fn idec_getstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = ctx(vm, &args, "getstate")?;
    let p = c.pending.borrow().clone();
    let pv = vm.new_bytes(p);
    let n = BigInt::from_bytes_le(num_bigint::Sign::Plus, &c.state.get());
    let nv = vm.new_bigint(n);
    Ok(vm.new_tuple_of([pv, nv]))
}

fn idec_setstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = ctx(vm, &args, "setstate")?;
    let a = vm.check_args("setstate", args, 1, 1)?.to_vec();
    let is_tuple = matches!(&a[0], Value::Obj(o) if matches!(o.payload, Payload::Tuple(_)));
    let items = if is_tuple { vm.seq_items(&a[0]) } else { None };
    let Some(items) = items.filter(|t| t.len() == 2) else {
        return Err(vm.type_error("setstate(): illegal state argument"));
    };
    let is_bytes = matches!(&items[0], Value::Obj(o) if matches!(o.payload, Payload::Bytes(_)));
    let (Some(buf), Some(n)) = (
        is_bytes
            .then(|| crate::objects::bytes::bytes_of(&items[0]))
            .flatten(),
        crate::objects::int::to_bigint(&items[1]),
    ) else {
        return Err(vm.type_error("setstate(): illegal state argument"));
    };
    if buf.len() > MAXDECPENDING {
        return Err(vm.new_error(ExcKind::UnicodeError, "pending buffer too large"));
    }
    let bytes = state_bytes(vm, &n, 8)?;
    c.state.set(state_at(&bytes, 0));
    *c.pending.borrow_mut() = buf;
    Ok(Value::None)
}

// ------------------------------------------------------------ streams

/// `MultibyteStreamReader(stream, errors=None)`.
fn reader_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = args.args.first().cloned().unwrap_or(Value::None);
    let a = bind(vm, &args, 1, "StreamReader", &["stream", "errors"])?;
    let Some(stream) = a[0].clone() else {
        return Err(vm.type_error("StreamReader() missing required argument 'stream' (pos 1)"));
    };
    let errors = errors_arg(vm, a[1].as_ref(), "StreamReader")?;
    new_ctx(vm, &cls, errors, stream, false)
}

/// `MultibyteStreamWriter(stream, errors=None)`.
fn writer_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = args.args.first().cloned().unwrap_or(Value::None);
    let a = bind(vm, &args, 1, "StreamWriter", &["stream", "errors"])?;
    let Some(stream) = a[0].clone() else {
        return Err(vm.type_error("StreamWriter() missing required argument 'stream' (pos 1)"));
    };
    let errors = errors_arg(vm, a[1].as_ref(), "StreamWriter")?;
    new_ctx(vm, &cls, errors, stream, true)
}

fn size_arg(vm: &mut Vm, v: Option<&Value>, func: &str) -> PyResult<i64> {
    match v {
        None | Some(Value::None) => Ok(-1),
        Some(v) if crate::objects::int::is_int(v) => Ok(vm.index_value(v)?.unwrap_or(-1)),
        Some(_) => Err(vm.type_error(format!("{func}: arg 1 must be an integer"))),
    }
}

/// CPython's `mbstreamreader_iread`: call `stream.<method>(size)` until
/// some text is decoded (then one byte at a time), decoding through the
/// pending bytes.
fn iread(vm: &mut Vm, c: &Ctx, method: &str, mut size: i64) -> PyResult<Vec<u32>> {
    if size == 0 {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    loop {
        let r = if size < 0 {
            vm.call_method(&c.stream, method, &[])?
        } else {
            vm.call_method(&c.stream, method, &[Value::Int(size)])?
        };
        let is_bytes = matches!(&r, Value::Obj(o) if matches!(o.payload, Payload::Bytes(_)));
        let Some(data) = is_bytes
            .then(|| crate::objects::bytes::bytes_of(&r))
            .flatten()
        else {
            return Err(vm.type_error(format!(
                "stream function returned a non-bytes object ({})",
                vm.type_name_of(&r)
            )));
        };
        let eof = data.is_empty();
        let text = feed(vm, c, &data, eof || size < 0)?;
        out.extend(text);
        if size < 0 || !out.is_empty() || data.is_empty() {
            break;
        }
        size = 1;
    }
    Ok(out)
}

fn reader_read(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = ctx(vm, &args, "read")?;
    let a = bind(vm, &args, 1, "read", &["sizeobj"])?;
    let size = size_arg(vm, a[0].as_ref(), "read")?;
    let t = iread(vm, c, "read", size)?;
    Ok(str_from(vm, &t))
}

fn reader_readline(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = ctx(vm, &args, "readline")?;
    let a = bind(vm, &args, 1, "readline", &["sizeobj"])?;
    let size = size_arg(vm, a[0].as_ref(), "readline")?;
    let t = iread(vm, c, "readline", size)?;
    Ok(str_from(vm, &t))
}

fn reader_readlines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = ctx(vm, &args, "readlines")?;
    let a = bind(vm, &args, 1, "readlines", &["sizehintobj"])?;
    let size = size_arg(vm, a[0].as_ref(), "readlines")?;
    let t = iread(vm, c, "read", size)?;
    let s = str_from(vm, &t);
    vm.call_method(&s, "splitlines", &[Value::Bool(Truth::True)])
}

fn reader_reset(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = ctx(vm, &args, "reset")?;
    let mut st = c.state.get();
    c.codec.decoder_reset(&mut st);
    c.state.set(st);
    c.pending.borrow_mut().clear();
    Ok(Value::None)
}

fn write_text(vm: &mut Vm, c: &Ctx, v: &Value) -> PyResult<()> {
    let Some(s) = vm.as_str_obj(v) else {
        return Err(vm.type_error("couldn't convert the object to str."));
    };
    let text = s.code_points();
    let b = encode_stateful(vm, c, v, text, false)?;
    let b = vm.new_bytes(b);
    vm.call_method(&c.stream, "write", &[b])?;
    Ok(())
}

fn writer_write(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = ctx(vm, &args, "write")?;
    let a = vm.check_args("write", args, 1, 1)?.to_vec();
    write_text(vm, c, &a[0])?;
    Ok(Value::None)
}

fn writer_writelines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = ctx(vm, &args, "writelines")?;
    let a = vm.check_args("writelines", args, 1, 1)?.to_vec();
    let it = vm.iter(&a[0])?;
    while let Some(line) = vm.next(&it)? {
        write_text(vm, c, &line)?;
    }
    Ok(Value::None)
}

/// CPython 3.11 encodes and writes only when characters are pending
/// (then with the return to the initial state).
fn writer_reset(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = ctx(vm, &args, "reset")?;
    let pending = std::mem::take(&mut *c.pending_text.borrow_mut());
    if pending.is_empty() {
        return Ok(Value::None);
    }
    let errors = c.errors.borrow().clone();
    let mut st = c.state.get();
    let r = encode(vm, &c.codec, &mut st, &pending, &errors, true, None);
    c.state.set(st);
    let (b, _) = r?;
    if !b.is_empty() {
        let b = vm.new_bytes(b);
        vm.call_method(&c.stream, "write", &[b])?;
    }
    Ok(Value::None)
}
