//! `_io.TextIOWrapper` (Modules/_io/textio.c): text over a buffered binary
//! stream: encoding and decoding (`textcodec.rs`), newline translation,
//! line buffering and write-through, `readline`, iteration, `detach`,
//! `reconfigure`, and CPython's `tell()`/`seek()` cookies (start
//! position, decoder flags, bytes to feed, chars to skip, need-EOF packed
//! into one int).

use std::cell::{Cell, RefCell};

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE, FLAG_HAS_DEL, FLAG_HAS_DICT};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::newlines::{cps_of, str_from_cps, NlDecoder};
use super::stringio::line_end;
use super::textcodec::{encode, ByteDec, TextDecoder};
use super::{closed_error, parse_args, size_arg, unsupported};

const LF: u32 = b'\n' as u32;
const CR: u32 = b'\r' as u32;
const CHUNK_SIZE: usize = 8192;

/// The state of a TextIOWrapper.
#[derive(Default)]
pub struct TextIo {
    pub(super) ok: Cell<bool>,
    pub(super) detached: Cell<bool>,
    pub(super) buffer: RefCell<Value>,
    pub(super) encoding: RefCell<String>,
    pub(super) errors: RefCell<String>,
    /// The `newline` argument (None: universal, translated).
    pub(super) readnl: RefCell<Option<Vec<u32>>>,
    pub(super) writetranslate: Cell<bool>,
    pub(super) writenl: RefCell<Option<Vec<u32>>>,
    pub(super) line_buffering: Cell<bool>,
    pub(super) write_through: Cell<bool>,
    pub(super) readable: Cell<bool>,
    pub(super) writable: Cell<bool>,
    pub(super) seekable: Cell<bool>,
    pub(super) telling: Cell<bool>,
    pub(super) has_read1: Cell<bool>,
    pub(super) decoder: RefCell<Option<TextDecoder>>,
    pub(super) decoded: RefCell<Vec<u32>>,
    pub(super) decoded_pos: Cell<usize>,
    /// (decoder flags, input bytes) before the last chunk was decoded.
    pub(super) snapshot: RefCell<Option<(i64, Vec<u8>)>>,
    pub(super) b2cratio: Cell<f64>,
    pub(super) pending: RefCell<Vec<u8>>,
    /// `_CHUNK_SIZE` (0 until set: the default).
    pub(super) chunk_size: Cell<usize>,
    /// Whether the encoder is past its start (no BOM to write).
    pub(super) bom_done: Cell<bool>,
}

impl NativeData for TextIo {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        if let Ok(b) = self.buffer.try_borrow() {
            visit(&b);
        }
    }
}

pub(super) fn make_types(vm: &mut Vm, base: &PyRef) -> (PyRef, PyRef) {
    let t = vm.new_native_type(
        "_io",
        "TextIOWrapper",
        base,
        Layout::Native("TextIOWrapper"),
        FLAG_BASETYPE | FLAG_HAS_DICT | FLAG_HAS_DEL,
    );
    vm.add_staticmethods(&t, &[("__new__", textio_new)]);
    vm.add_methods(
        &t,
        &[
            ("__init__", textio_init),
            ("detach", textio_detach),
            ("reconfigure", textio_reconfigure),
            ("write", textio_write),
            ("read", textio_read),
            ("readline", textio_readline),
            ("__next__", textio_next),
            ("flush", textio_flush),
            ("close", textio_close),
            ("fileno", |vm, a| delegate(vm, a, "fileno")),
            ("seekable", |vm, a| delegate(vm, a, "seekable")),
            ("readable", |vm, a| delegate(vm, a, "readable")),
            ("writable", |vm, a| delegate(vm, a, "writable")),
            ("isatty", |vm, a| delegate(vm, a, "isatty")),
            ("seek", super::textseek::textio_seek),
            ("tell", super::textseek::textio_tell),
            ("truncate", textio_truncate),
            ("__repr__", textio_repr),
        ],
    );
    vm.add_getsets(
        &t,
        &[
            ("encoding", textio_encoding, Some(super::readonly_member)),
            ("errors", textio_errors, None),
            ("buffer", textio_buffer, Some(super::readonly_member)),
            (
                "line_buffering",
                textio_line_buffering,
                Some(super::readonly_member),
            ),
            (
                "write_through",
                textio_write_through,
                Some(super::readonly_member),
            ),
            ("newlines", textio_newlines, None),
            ("closed", |vm, v| buffer_attr(vm, v, "closed"), None),
            ("name", |vm, v| buffer_attr(vm, v, "name"), None),
            (
                "_CHUNK_SIZE",
                textio_chunk_size,
                Some(textio_set_chunk_size),
            ),
        ],
    );
    let nl = super::newlines::make_type(vm);
    (t, nl)
}

fn textio_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) if matches!(c.payload, Payload::Type(_)) => c.clone(),
        _ => return Err(vm.type_error("TextIOWrapper.__new__(X): X is not a type object")),
    };
    Ok(Value::Obj(vm.new_native(&cls, TextIo::default())))
}

pub(super) fn me(args: &Args) -> Value {
    args.args.first().cloned().unwrap_or(Value::None)
}

fn raw_state<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a TextIo> {
    vm.native::<TextIo>(v)
        .ok_or_else(|| vm.type_error("descriptor requires a '_io.TextIOWrapper' object"))
}

/// The state, initialized and attached (CHECK_ATTACHED).
pub(super) fn state<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a TextIo> {
    let t = raw_state(vm, v)?;
    if !t.ok.get() {
        return Err(vm.value_error("I/O operation on uninitialized object"));
    }
    if t.detached.get() {
        return Err(vm.value_error("underlying buffer has been detached"));
    }
    Ok(t)
}

/// CHECK_CLOSED: `self.closed` (the buffer's) must be false.
pub(super) fn check_closed(vm: &mut Vm, s: &Value) -> PyResult<()> {
    let t = state(vm, s)?;
    let buf = t.buffer.borrow().clone();
    if super::is_closed(vm, &buf)? {
        return Err(closed_error(vm));
    }
    Ok(())
}

fn delegate(vm: &mut Vm, args: Args, name: &str) -> PyResult<Value> {
    let buf = state(vm, &me(&args))?.buffer.borrow().clone();
    vm.call_method(&buf, name, &[])
}

fn buffer_attr(vm: &mut Vm, v: &Value, name: &str) -> PyResult<Value> {
    let buf = state(vm, v)?.buffer.borrow().clone();
    vm.getattr_str(&buf, name)
}

/// Parse a `newline` argument: Ok(None) for None, the code points of a
/// legal value, ValueError otherwise.
fn parse_newline(vm: &mut Vm, v: Option<&Value>, fname: &str) -> PyResult<Option<Vec<u32>>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(v) => {
            let Some(c) = cps_of(vm, v) else {
                return Err(vm.type_error(format!(
                    "{fname}() argument 'newline' must be str or None, not {}",
                    vm.arg_type_name(v)
                )));
            };
            if !matches!(c.as_slice(), [] | [LF] | [CR] | [CR, LF]) {
                let s = vm.str(v)?;
                return Err(vm.value_error(format!("illegal newline value: {s}")));
            }
            Ok(Some(c))
        }
    }
}

/// Set the newline modes from a parsed `newline` argument.
fn set_newline(t: &TextIo, nl: Option<Vec<u32>>) {
    let universal = nl.as_ref().is_none_or(|n| n.is_empty());
    t.writetranslate
        .set(nl.as_ref().is_none_or(|n| !n.is_empty()));
    *t.writenl.borrow_mut() = match &nl {
        Some(n) if !n.is_empty() && n.as_slice() != [LF] => Some(n.clone()),
        _ => None,
    };
    let _ = universal;
    *t.readnl.borrow_mut() = nl;
}

/// Check an encoding name (LookupError for unknown ones) and make the
/// decoder.
fn make_decoder(vm: &mut Vm, t: &TextIo, encoding: &str, errors: &str) -> PyResult<()> {
    if crate::text::Codec::lookup(encoding).is_err() {
        // `codecs.lookup(encoding)`: LookupError for unknown encodings.
        let found = vm
            .import_module("_codecs", &Value::None, &Value::Int(0))
            .and_then(|codecs| {
                let e = vm.new_str(encoding);
                vm.call_method(&codecs, "lookup", &[e])
            });
        match found {
            Ok(_) => {}
            Err(e) if vm.err_is(&e, ExcKind::LookupError) => return Err(e),
            Err(_) => {
                // No codec registry (no stdlib): the codecs pycvm has.
                let a = vm.new_str("a");
                let e = vm.new_str(encoding);
                if vm.call_method(&a, "encode", &[e]).is_err() {
                    return Err(vm.new_error(
                        ExcKind::LookupError,
                        format!("unknown encoding: {encoding}"),
                    ));
                }
            }
        }
    }
    if t.readable.get() {
        let bytes = ByteDec::new(vm, encoding, errors);
        let readnl = t.readnl.borrow().clone();
        let universal = readnl.as_ref().is_none_or(|n| n.is_empty());
        let nl = universal.then(|| NlDecoder::new(readnl.is_none()));
        *t.decoder.borrow_mut() = Some(TextDecoder { bytes, nl });
    } else {
        *t.decoder.borrow_mut() = None;
    }
    Ok(())
}

fn textio_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let names = [
        "buffer",
        "encoding",
        "errors",
        "newline",
        "line_buffering",
        "write_through",
    ];
    let a = parse_args(vm, &args, "TextIOWrapper", &names, 1, 1)?;
    let s = me(&args);
    let buffer = a[0].clone().unwrap_or(Value::None);
    let mut encoding = super::opt_str_arg(vm, a[1].as_ref(), "TextIOWrapper", "encoding")?;
    let errors = super::opt_str_arg(vm, a[2].as_ref(), "TextIOWrapper", "errors")?
        .unwrap_or_else(|| "strict".to_string());
    if encoding.as_deref().is_some_and(|e| e.contains('\0')) {
        return Err(vm.value_error("embedded null character"));
    }
    let nl = parse_newline(vm, a[3].as_ref(), "TextIOWrapper")?;
    let line_buffering = match &a[4] {
        Some(v) => vm.truthy(v)?,
        None => false,
    };
    let write_through = match &a[5] {
        Some(v) => vm.truthy(v)?,
        None => false,
    };
    if encoding.is_none() || encoding.as_deref() == Some("locale") {
        encoding = Some("UTF-8".to_string());
    }
    let encoding = encoding.unwrap_or_default();
    let t = raw_state(vm, &s)?;
    t.ok.set(false);
    *t.buffer.borrow_mut() = buffer.clone();
    set_newline(t, nl);
    t.line_buffering.set(line_buffering);
    t.write_through.set(write_through);
    let r = vm.call_method(&buffer, "readable", &[])?;
    let readable = vm.truthy(&r)?;
    let w = vm.call_method(&buffer, "writable", &[])?;
    let writable = vm.truthy(&w)?;
    let sk = vm.call_method(&buffer, "seekable", &[])?;
    let seekable = vm.truthy(&sk)?;
    let has_read1 = vm.getattr_opt(&buffer, "read1")?.is_some();
    let mut bom_done = false;
    if seekable && writable {
        let pos = vm.call_method(&buffer, "tell", &[])?;
        bom_done = !vm.eq(&pos, &Value::Int(0))?;
    }
    let t = raw_state(vm, &s)?;
    t.bom_done.set(bom_done);
    t.readable.set(readable);
    t.writable.set(writable);
    t.seekable.set(seekable);
    t.telling.set(seekable);
    t.has_read1.set(has_read1);
    make_decoder(vm, t, &encoding, &errors)?;
    *t.encoding.borrow_mut() = encoding;
    *t.errors.borrow_mut() = errors;
    t.decoded.borrow_mut().clear();
    t.decoded_pos.set(0);
    *t.snapshot.borrow_mut() = None;
    t.pending.borrow_mut().clear();
    t.detached.set(false);
    t.ok.set(true);
    Ok(Value::None)
}

// ------------------------------------------------------------------ writing

/// Pass the pending encoded bytes to the buffer.
pub(super) fn write_flush(vm: &mut Vm, t: &TextIo) -> PyResult<()> {
    let data = std::mem::take(&mut *t.pending.borrow_mut());
    if data.is_empty() {
        return Ok(());
    }
    let buf = t.buffer.borrow().clone();
    let b = vm.new_bytes(data);
    vm.call_method(&buf, "write", &[b])?;
    Ok(())
}

fn textio_write(vm: &mut Vm, args: Args) -> PyResult<Value> {
    // `write(text, /)` is METH_O in CPython: its errors name the method.
    let text = match args.args {
        [_, t] if args.kwnames.is_empty() => t.clone(),
        _ if !args.kwnames.is_empty() => {
            return Err(vm.type_error("TextIOWrapper.write() takes no keyword arguments"))
        }
        a => {
            return Err(vm.type_error(format!(
                "TextIOWrapper.write() takes exactly one argument ({} given)",
                a.len().saturating_sub(1)
            )))
        }
    };
    let s = me(&args);
    state(vm, &s)?;
    if let Some(n) = write_ascii(vm, &s, &text)? {
        return Ok(Value::Int(n));
    }
    let Some(mut cps) = cps_of(vm, &text) else {
        return Err(vm.type_error(format!(
            "write() argument must be str, not {}",
            vm.arg_type_name(&text)
        )));
    };
    check_closed(vm, &s)?;
    let t = state(vm, &s)?;
    if !t.writable.get() {
        return Err(unsupported(vm, "not writable"));
    }
    let n = cps.len();
    let haslf = (t.writetranslate.get() || t.line_buffering.get()) && cps.contains(&LF);
    if haslf && t.writetranslate.get() {
        if let Some(nl) = t.writenl.borrow().as_ref() {
            let mut out = Vec::with_capacity(cps.len());
            for c in &cps {
                if *c == LF {
                    out.extend_from_slice(nl);
                } else {
                    out.push(*c);
                }
            }
            cps = out;
        }
    }
    let needflush = t.line_buffering.get() && (haslf || cps.contains(&CR));
    let (enc, err) = (t.encoding.borrow().clone(), t.errors.borrow().clone());
    let enc = if t.bom_done.get() {
        without_bom(&enc).unwrap_or(enc)
    } else {
        enc
    };
    let bytes = encode(vm, &cps, &enc, &err)?;
    let t = state(vm, &s)?;
    t.bom_done.set(true);
    t.pending.borrow_mut().extend_from_slice(&bytes);
    if t.pending.borrow().len() > chunk_size(t) || needflush || t.write_through.get() {
        write_flush(vm, t)?;
    }
    if needflush {
        let buf = t.buffer.borrow().clone();
        vm.call_method(&buf, "flush", &[])?;
    }
    // Writing invalidates what was read ahead.
    t.decoded.borrow_mut().clear();
    t.decoded_pos.set(0);
    *t.snapshot.borrow_mut() = None;
    reset_decoder(vm, t)?;
    Ok(Value::Int(n as i64))
}

/// `write` of an ASCII str to an ASCII-compatible encoding with no
/// newline to translate and no line buffering (a serialiser's many small
/// writes): its bytes go to the pending buffer as they are. None: take
/// the general path.
fn write_ascii(vm: &mut Vm, s: &Value, text: &Value) -> PyResult<Option<i64>> {
    let Some(so) = vm.as_str_obj(text).filter(|so| so.is_ascii()) else {
        return Ok(None);
    };
    let t = state(vm, s)?;
    if !t.writable.get() || t.line_buffering.get() || !ascii_compatible(&t.encoding.borrow()) {
        return Ok(None);
    }
    let bytes = so.as_str().as_bytes();
    if t.writetranslate.get()
        && bytes.contains(&b'\n')
        && t.writenl.borrow().as_deref().is_some_and(|nl| nl != [LF])
    {
        return Ok(None);
    }
    check_closed(vm, s)?;
    let t = state(vm, s)?;
    t.bom_done.set(true);
    t.pending.borrow_mut().extend_from_slice(bytes);
    if t.pending.borrow().len() > chunk_size(t) || t.write_through.get() {
        write_flush(vm, t)?;
    }
    t.decoded.borrow_mut().clear();
    t.decoded_pos.set(0);
    *t.snapshot.borrow_mut() = None;
    reset_decoder(vm, t)?;
    Ok(Some(bytes.len() as i64))
}

/// Encodings that write ASCII text as its bytes (no BOM, no escapes).
fn ascii_compatible(encoding: &str) -> bool {
    const NAMES: [&str; 12] = [
        "utf-8",
        "utf_8",
        "utf8",
        "ascii",
        "us-ascii",
        "us_ascii",
        "latin-1",
        "latin_1",
        "latin1",
        "iso-8859-1",
        "iso8859-1",
        "iso_8859_1",
    ];
    NAMES.iter().any(|n| n.eq_ignore_ascii_case(encoding))
}

/// The encoding that continues a stream without a second BOM.
fn without_bom(encoding: &str) -> Option<String> {
    let norm: String = encoding
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c == '-' || c == ' ' { '_' } else { c })
        .collect();
    let plain = match norm.as_str() {
        "utf_8_sig" | "utf8_sig" => "utf-8",
        "utf_16" | "utf16" | "u16" => "utf-16-le",
        "utf_32" | "utf32" | "u32" => "utf-32-le",
        _ => return None,
    };
    Some(plain.to_string())
}

fn chunk_size(t: &TextIo) -> usize {
    match t.chunk_size.get() {
        0 => CHUNK_SIZE,
        n => n,
    }
}

fn textio_chunk_size(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Int(chunk_size(state(vm, v)?) as i64))
}

fn textio_set_chunk_size(vm: &mut Vm, v: &Value, n: Option<Value>) -> PyResult<()> {
    let Some(n) = n else {
        return Err(vm.attribute_error("cannot delete attribute"));
    };
    let n = super::bytesio::index_arg(vm, &n)?;
    if n <= 0 {
        return Err(vm.value_error("a strictly positive integer is required"));
    }
    state(vm, v)?.chunk_size.set(n as usize);
    Ok(())
}

pub(super) fn reset_decoder(vm: &mut Vm, t: &TextIo) -> PyResult<()> {
    let d = t.decoder.borrow_mut().take();
    if let Some(mut d) = d {
        let r = d.reset(vm);
        *t.decoder.borrow_mut() = Some(d);
        r?;
    }
    Ok(())
}

fn textio_flush(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(&args);
    check_closed(vm, &s)?;
    let t = state(vm, &s)?;
    t.telling.set(t.seekable.get());
    write_flush(vm, t)?;
    let buf = t.buffer.borrow().clone();
    vm.call_method(&buf, "flush", &[])
}

fn textio_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(&args);
    let t = state(vm, &s)?;
    let buf = t.buffer.borrow().clone();
    if super::is_closed(vm, &buf)? {
        return Ok(Value::None);
    }
    let r = vm.call_method(&s, "flush", &[]);
    let c = vm.call_method(&buf, "close", &[]);
    match (r, c) {
        (Err(e), Err(e2)) => {
            let _ = super::set_attr(vm, &e2.value(), "__context__", e.value());
            Err(e2)
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
        _ => Ok(Value::None),
    }
}

fn textio_detach(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(&args);
    state(vm, &s)?;
    vm.call_method(&s, "flush", &[])?;
    let t = state(vm, &s)?;
    let buf = t.buffer.borrow().clone();
    t.detached.set(true);
    Ok(buf)
}

// ------------------------------------------------------------------ reading

fn check_readable(vm: &mut Vm, t: &TextIo) -> PyResult<()> {
    if t.decoder.borrow().is_none() {
        return Err(unsupported(vm, "not readable"));
    }
    Ok(())
}

/// Run the decoder on `input` (taking it out of its cell meanwhile).
pub(super) fn decode(vm: &mut Vm, t: &TextIo, input: &[u8], fin: bool) -> PyResult<Vec<u32>> {
    let d = t.decoder.borrow_mut().take();
    let Some(mut d) = d else {
        return Err(unsupported(vm, "not readable"));
    };
    let (enc, err) = (t.encoding.borrow().clone(), t.errors.borrow().clone());
    let r = d.decode(vm, input, fin, &enc, &err);
    *t.decoder.borrow_mut() = Some(d);
    r
}

pub(super) fn dec_getstate(vm: &mut Vm, t: &TextIo) -> PyResult<(Vec<u8>, i64)> {
    let d = t.decoder.borrow().clone();
    match d {
        Some(d) => d.getstate(vm),
        None => Ok((Vec::new(), 0)),
    }
}

pub(super) fn dec_setstate(vm: &mut Vm, t: &TextIo, buf: Vec<u8>, flags: i64) -> PyResult<()> {
    let d = t.decoder.borrow_mut().take();
    if let Some(mut d) = d {
        let r = d.setstate(vm, buf, flags);
        *t.decoder.borrow_mut() = Some(d);
        r?;
    }
    Ok(())
}

/// Read and decode one chunk; false at EOF (CPython's `_read_chunk`).
fn read_chunk(vm: &mut Vm, t: &TextIo, size_hint: usize) -> PyResult<bool> {
    let mut before = None;
    if t.telling.get() {
        before = Some(dec_getstate(vm, t)?);
    }
    let buf = t.buffer.borrow().clone();
    let size = Value::Int(size_hint.max(chunk_size(t)) as i64);
    let method = if t.has_read1.get() { "read1" } else { "read" };
    let chunk = vm.call_method(&buf, method, &[size])?;
    let input = match &chunk {
        Value::Obj(o) => match &o.payload {
            Payload::Bytes(b) => b.to_vec(),
            _ => crate::objects::bytes::buffer_bytes(vm, &chunk)?.ok_or_else(|| {
                vm.type_error(format!(
                    "underlying {method}() should have returned a bytes-like object, not '{}'",
                    vm.type_name_of(&chunk)
                ))
            })?,
        },
        _ => {
            return Err(vm.type_error(format!(
                "underlying {method}() should have returned a bytes-like object, not '{}'",
                vm.type_name_of(&chunk)
            )))
        }
    };
    let mut eof = input.is_empty();
    let out = decode(vm, t, &input, eof)?;
    if !out.is_empty() {
        eof = false;
    }
    t.b2cratio.set(if out.is_empty() {
        0.0
    } else {
        input.len() as f64 / out.len() as f64
    });
    *t.decoded.borrow_mut() = out;
    t.decoded_pos.set(0);
    if let Some((mut b, flags)) = before {
        b.extend_from_slice(&input);
        *t.snapshot.borrow_mut() = Some((flags, b));
    }
    Ok(!eof)
}

/// Take up to `n` decoded characters.
fn take_decoded(t: &TextIo, n: usize) -> Vec<u32> {
    let d = t.decoded.borrow();
    let pos = t.decoded_pos.get().min(d.len());
    let k = n.min(d.len() - pos);
    t.decoded_pos.set(pos + k);
    d[pos..pos + k].to_vec()
}

fn textio_read(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "read", &["size"], 0, 1)?;
    let n = size_arg(vm, a[0].as_ref())?;
    let s = me(&args);
    check_closed(vm, &s)?;
    let t = state(vm, &s)?;
    check_readable(vm, t)?;
    write_flush(vm, t)?;
    if n < 0 {
        let buf = t.buffer.borrow().clone();
        let rest = vm.call_method(&buf, "read", &[])?;
        let input = crate::objects::bytes::bytes_of(&rest).unwrap_or_default();
        let mut out = take_decoded(t, usize::MAX);
        out.extend(decode(vm, t, &input, true)?);
        t.decoded.borrow_mut().clear();
        t.decoded_pos.set(0);
        *t.snapshot.borrow_mut() = None;
        return Ok(str_from_cps(vm, &out));
    }
    let n = n as usize;
    let mut out = take_decoded(t, n);
    while out.len() < n {
        if !read_chunk(vm, t, n - out.len())? {
            break;
        }
        out.extend(take_decoded(t, n - out.len()));
    }
    Ok(str_from_cps(vm, &out))
}

fn read_line(vm: &mut Vm, t: &TextIo, limit: i64) -> PyResult<Vec<u32>> {
    let readnl = t.readnl.borrow().clone();
    let translated = readnl.is_none();
    let mut acc: Vec<u32> = Vec::new();
    loop {
        let room = if limit < 0 {
            usize::MAX
        } else {
            (limit as usize).saturating_sub(acc.len())
        };
        let done = {
            let d = t.decoded.borrow();
            let pos = t.decoded_pos.get().min(d.len());
            let avail = &d[pos..];
            // "\r\n" split over two chunks.
            let split_crlf = readnl.as_deref() == Some(&[CR, LF][..])
                && acc.last() == Some(&CR)
                && avail.first() == Some(&LF);
            let (end, found) = if split_crlf {
                (1, true)
            } else {
                let end = line_end(avail, translated, readnl.as_deref());
                let found = end > 0
                    && match readnl.as_deref() {
                        None => avail[end - 1] == LF,
                        Some([]) => avail[end - 1] == LF || avail[end - 1] == CR,
                        Some(nl) => avail[..end].ends_with(nl),
                    };
                (end, found)
            };
            let take = end.min(room);
            if found || take == room || avail.len() >= room {
                acc.extend_from_slice(&avail[..take]);
                t.decoded_pos.set(pos + take);
                true
            } else {
                acc.extend_from_slice(avail);
                t.decoded_pos.set(d.len());
                false
            }
        };
        if done {
            return Ok(acc);
        }
        if !read_chunk(vm, t, 0)? {
            t.decoded.borrow_mut().clear();
            t.decoded_pos.set(0);
            *t.snapshot.borrow_mut() = None;
            return Ok(acc);
        }
    }
}

fn textio_readline(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "readline", &["size"], 0, 1)?;
    let limit = match &a[0] {
        None | Some(Value::None) => -1,
        Some(v) => super::bytesio::index_arg(vm, v)?,
    };
    let s = me(&args);
    check_closed(vm, &s)?;
    let t = state(vm, &s)?;
    check_readable(vm, t)?;
    write_flush(vm, t)?;
    let line = read_line(vm, t, limit)?;
    Ok(str_from_cps(vm, &line))
}

fn textio_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(&args);
    let t = state(vm, &s)?;
    t.telling.set(false);
    let exact = super::io_types(vm).is_ok_and(|ty| vm.exact(&s, &ty.textiowrapper));
    let line = if exact {
        check_closed(vm, &s)?;
        check_readable(vm, t)?;
        write_flush(vm, t)?;
        let l = read_line(vm, t, -1)?;
        str_from_cps(vm, &l)
    } else {
        let l = vm.call_method(&s, "readline", &[])?;
        if vm.as_str_obj(&l).is_none() {
            return Err(vm.new_error(
                ExcKind::OSError,
                format!(
                    "readline() should have returned a str object, not '{}'",
                    vm.type_name_of(&l)
                ),
            ));
        }
        l
    };
    if vm.as_str_obj(&line).is_some_and(|x| x.char_len() == 0) {
        *t.snapshot.borrow_mut() = None;
        t.telling.set(t.seekable.get());
        return Err(vm.new_error_noargs(ExcKind::StopIteration));
    }
    Ok(line)
}

fn textio_truncate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "truncate", &["pos"], 0, 1)?;
    let s = me(&args);
    state(vm, &s)?;
    vm.call_method(&s, "flush", &[])?;
    let pos = match &a[0] {
        None | Some(Value::None) => vm.call_method(&s, "tell", &[])?,
        Some(v) => v.clone(),
    };
    let buf = state(vm, &s)?.buffer.borrow().clone();
    vm.call_method(&buf, "truncate", &[pos])
}

// ------------------------------------------------------------ attributes

fn textio_encoding(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let t = raw_state(vm, v)?;
    if !t.ok.get() {
        return Err(vm.value_error("I/O operation on uninitialized object"));
    }
    let e = t.encoding.borrow().clone();
    Ok(vm.new_string(e))
}

fn textio_errors(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let t = raw_state(vm, v)?;
    let e = t.errors.borrow().clone();
    Ok(vm.new_string(e))
}

/// The `buffer` member: None once detached.
fn textio_buffer(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let t = raw_state(vm, v)?;
    Ok(if t.detached.get() {
        Value::None
    } else {
        t.buffer.borrow().clone()
    })
}

fn textio_line_buffering(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::bool(state(vm, v)?.line_buffering.get()))
}

fn textio_write_through(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::bool(state(vm, v)?.write_through.get()))
}

fn textio_newlines(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let t = state(vm, v)?;
    let d = t.decoder.borrow().clone();
    Ok(match d.and_then(|d| d.nl) {
        Some(nl) => nl.newlines(vm),
        None => Value::None,
    })
}

fn textio_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(&args);
    let t = raw_state(vm, &s)?;
    // CPython writes the type name literally, for subclasses too.
    let mut out = "<_io.TextIOWrapper".to_string();
    if !t.ok.get() {
        return Ok(vm.new_string(format!("{out}>")));
    }
    match vm.getattr_str(&s, "name") {
        Ok(n) => {
            let r = vm.repr(&n)?;
            out.push_str(&format!(" name={r}"));
        }
        Err(e) if vm.err_is(&e, ExcKind::Exception) => {}
        Err(e) => return Err(e),
    }
    match vm.getattr_opt(&s, "mode") {
        Ok(Some(m)) => {
            let r = vm.repr(&m)?;
            out.push_str(&format!(" mode={r}"));
        }
        Ok(None) => {}
        Err(e) if vm.err_is(&e, ExcKind::Exception) => {}
        Err(e) => return Err(e),
    }
    let enc = t.encoding.borrow().clone();
    let er = vm.new_string(enc);
    let r = vm.repr(&er)?;
    out.push_str(&format!(" encoding={r}>"));
    Ok(vm.new_string(out))
}

fn textio_reconfigure(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if !args.pos().get(1..).unwrap_or(&[]).is_empty() {
        return Err(vm.type_error(format!(
            "reconfigure() takes exactly 1 positional argument ({} given)",
            args.pos().len()
        )));
    }
    let names = [
        "encoding",
        "errors",
        "newline",
        "line_buffering",
        "write_through",
    ];
    let a = parse_args(vm, &args, "reconfigure", &names, 0, 1)?;
    let s = me(&args);
    let t = state(vm, &s)?;
    let encoding = super::opt_str_arg(vm, a[0].as_ref(), "reconfigure", "encoding")?;
    let errors = super::opt_str_arg(vm, a[1].as_ref(), "reconfigure", "errors")?;
    let newline_given = a[2].is_some();
    let nl = if newline_given {
        Some(parse_newline(vm, a[2].as_ref(), "reconfigure")?)
    } else {
        None
    };
    let changing = encoding.is_some() || errors.is_some() || newline_given;
    if changing && !t.decoded.borrow().is_empty() {
        return Err(unsupported(
            vm,
            "It is not possible to set the encoding or newline of stream after the first read",
        ));
    }
    let line_buffering = match &a[3] {
        None | Some(Value::None) => None,
        Some(v) => Some(vm.truthy(v)?),
    };
    let write_through = match &a[4] {
        None | Some(Value::None) => None,
        Some(v) => Some(vm.truthy(v)?),
    };
    vm.call_method(&s, "flush", &[])?;
    let t = state(vm, &s)?;
    if changing {
        let new_enc = match encoding {
            Some(e) if e == "locale" => "UTF-8".to_string(),
            Some(e) => e,
            None => t.encoding.borrow().clone(),
        };
        let new_err = match (
            &errors,
            a[0].is_some() && !a[0].as_ref().is_some_and(Value::is_none),
        ) {
            (Some(e), _) => e.clone(),
            (None, true) => "strict".to_string(),
            (None, false) => t.errors.borrow().clone(),
        };
        if let Some(nl) = nl {
            set_newline(t, nl);
        }
        make_decoder(vm, t, &new_enc, &new_err)?;
        *t.encoding.borrow_mut() = new_enc;
        *t.errors.borrow_mut() = new_err;
    }
    if let Some(lb) = line_buffering {
        t.line_buffering.set(lb);
    }
    if let Some(wt) = write_through {
        t.write_through.set(wt);
    }
    Ok(Value::None)
}
