//! The incremental codecs behind `TextIOWrapper`: UTF-8, ASCII and
//! Latin-1 natively (UTF-8 keeps an incomplete trailing sequence for the
//! next chunk, as CPython's incremental decoder), any other encoding
//! through `codecs.getincrementaldecoder` when the `codecs` module can be
//! imported (else chunk by chunk with `bytes.decode`). [`TextDecoder`]
//! adds the newline decoder and the `(buffer, flags)` state that
//! `tell()`/`seek()` cookies are made of.

use crate::text::{Codec, PyStrData};
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

use super::newlines::{cps_of, NlDecoder};

/// A byte decoder.
#[derive(Clone)]
pub enum ByteDec {
    Native {
        codec: Codec,
        pending: Vec<u8>,
    },
    /// An incremental decoder object from `codecs`.
    Py(Value),
    /// No incremental decoder available: whole chunks by `bytes.decode`.
    Chunked,
}

/// How many trailing bytes of `b` start a UTF-8 sequence that is not
/// complete yet.
fn utf8_incomplete_tail(b: &[u8]) -> usize {
    let n = b.len();
    for back in 1..=3.min(n) {
        let c = b[n - back];
        if c & 0xC0 == 0x80 {
            continue;
        }
        let need = match c {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => return 0,
        };
        return if back < need { back } else { 0 };
    }
    0
}

/// The error `codecs.getincrementaldecoder(encoding)(errors)` raises on
/// `data`: CPython's TextIOWrapper decodes through that Python object, so
/// its traceback ends in the codec's frame (`<frozen codecs>`, line 322,
/// in decode). None when the codecs module is missing or raises nothing.
fn py_decoder_error(
    vm: &mut Vm,
    encoding: &str,
    errors: &str,
    data: &[u8],
    fin: bool,
) -> Option<crate::vm::PyErr> {
    let codecs = vm
        .import_module("codecs", &Value::None, &Value::Int(0))
        .ok()?;
    let f = vm.getattr_str(&codecs, "getincrementaldecoder").ok()?;
    let enc = vm.new_str(encoding);
    let cls = vm.call(&f, &[enc]).ok()?;
    let err = vm.new_str(errors);
    let dec = vm.call(&cls, &[err]).ok()?;
    let b = vm.new_bytes(data.to_vec());
    let e = vm
        .call_method(&dec, "decode", &[b, Value::bool(fin)])
        .err()?;
    vm.err_is(&e, crate::objects::exception::ExcKind::UnicodeDecodeError)
        .then_some(e)
}

impl ByteDec {
    /// The decoder for an encoding name (the name was checked before).
    pub fn new(vm: &mut Vm, encoding: &str, errors: &str) -> ByteDec {
        if let Ok(codec) = Codec::lookup(encoding) {
            return ByteDec::Native {
                codec,
                pending: Vec::new(),
            };
        }
        let made = (|| -> PyResult<Value> {
            let codecs = vm.import_module("codecs", &Value::None, &Value::Int(0))?;
            let f = vm.getattr_str(&codecs, "getincrementaldecoder")?;
            let enc = vm.new_str(encoding);
            let cls = vm.call(&f, &[enc])?;
            let err = vm.new_str(errors);
            vm.call(&cls, &[err])
        })();
        match made {
            Ok(d) => ByteDec::Py(d),
            Err(_) => ByteDec::Chunked,
        }
    }

    pub fn decode(
        &mut self,
        vm: &mut Vm,
        input: &[u8],
        fin: bool,
        encoding: &str,
        errors: &str,
    ) -> PyResult<Vec<u32>> {
        match self {
            ByteDec::Native { codec, pending } => {
                let mut data = std::mem::take(pending);
                data.extend_from_slice(input);
                if !fin && *codec == Codec::Utf8 {
                    let keep = utf8_incomplete_tail(&data);
                    *pending = data.split_off(data.len() - keep);
                }
                match crate::text::codecs::decode_with(&data, *codec, errors) {
                    Ok(s) => Ok(s.to_cps()),
                    Err(e) => {
                        let native = crate::objects::bytes::text_err(vm, e);
                        Err(py_decoder_error(vm, encoding, errors, &data, fin).unwrap_or(native))
                    }
                }
            }
            ByteDec::Py(d) => {
                let d = d.clone();
                let f = vm.getattr_str(&d, "decode")?;
                let b = vm.new_bytes(input.to_vec());
                let r = vm.call(&f, &[b, Value::bool(fin)])?;
                cps_of(vm, &r).ok_or_else(|| {
                    vm.type_error(format!(
                        "decoder should return a string result, not '{}'",
                        vm.type_name_of(&r)
                    ))
                })
            }
            ByteDec::Chunked => {
                let b = vm.new_bytes(input.to_vec());
                let enc = vm.new_str(encoding);
                let err = vm.new_str(errors);
                let r = vm.call_method(&b, "decode", &[enc, err])?;
                Ok(cps_of(vm, &r).unwrap_or_default())
            }
        }
    }

    /// `(buffered bytes, flags)`.
    pub fn getstate(&self, vm: &mut Vm) -> PyResult<(Vec<u8>, i64)> {
        match self {
            ByteDec::Native { pending, .. } => Ok((pending.clone(), 0)),
            ByteDec::Py(d) => {
                let st = vm.call_method(d, "getstate", &[])?;
                let items = vm.seq_items(&st).unwrap_or_default();
                match items.as_slice() {
                    [b, f] => {
                        let b = crate::objects::bytes::bytes_of(b).unwrap_or_default();
                        let f = super::int_arg(vm, f)?;
                        Ok((b, f))
                    }
                    _ => Err(vm.type_error("illegal decoder state")),
                }
            }
            ByteDec::Chunked => Ok((Vec::new(), 0)),
        }
    }

    pub fn setstate(&mut self, vm: &mut Vm, buf: Vec<u8>, flags: i64) -> PyResult<()> {
        match self {
            ByteDec::Native { pending, .. } => {
                *pending = buf;
                Ok(())
            }
            ByteDec::Py(d) => {
                let d = d.clone();
                let b = vm.new_bytes(buf);
                let t = vm.new_tuple_of([b, Value::Int(flags)]);
                vm.call_method(&d, "setstate", &[t]).map(|_| ())
            }
            ByteDec::Chunked => Ok(()),
        }
    }
}

/// A byte decoder plus the newline decoder (when reading universal
/// newlines).
#[derive(Clone)]
pub struct TextDecoder {
    pub bytes: ByteDec,
    pub nl: Option<NlDecoder>,
}

impl TextDecoder {
    pub fn decode(
        &mut self,
        vm: &mut Vm,
        input: &[u8],
        fin: bool,
        encoding: &str,
        errors: &str,
    ) -> PyResult<Vec<u32>> {
        let out = self.bytes.decode(vm, input, fin, encoding, errors)?;
        Ok(match &mut self.nl {
            Some(nl) => nl.decode(out, fin),
            None => out,
        })
    }

    /// `decoder.getstate()` of CPython's decoder chain.
    pub fn getstate(&self, vm: &mut Vm) -> PyResult<(Vec<u8>, i64)> {
        let (b, f) = self.bytes.getstate(vm)?;
        Ok(match &self.nl {
            Some(nl) => (b, (f << 1) | i64::from(nl.pendingcr)),
            None => (b, f),
        })
    }

    pub fn setstate(&mut self, vm: &mut Vm, buf: Vec<u8>, flags: i64) -> PyResult<()> {
        match &mut self.nl {
            Some(nl) => {
                nl.pendingcr = flags & 1 != 0;
                self.bytes.setstate(vm, buf, flags >> 1)
            }
            None => self.bytes.setstate(vm, buf, flags),
        }
    }

    pub fn reset(&mut self, vm: &mut Vm) -> PyResult<()> {
        if let Some(nl) = &mut self.nl {
            nl.seennl = 0;
            nl.pendingcr = false;
        }
        match &mut self.bytes {
            ByteDec::Native { pending, .. } => {
                pending.clear();
                Ok(())
            }
            ByteDec::Py(d) => {
                let d = d.clone();
                vm.call_method(&d, "reset", &[]).map(|_| ())
            }
            ByteDec::Chunked => Ok(()),
        }
    }
}

/// Encode text for writing.
pub fn encode(vm: &mut Vm, cps: &[u32], encoding: &str, errors: &str) -> PyResult<Vec<u8>> {
    if let Ok(codec) = Codec::lookup(encoding) {
        let s = PyStrData::from_code_points(cps);
        return crate::text::codecs::encode_with(&s, codec, errors)
            .map_err(|e| crate::objects::bytes::text_err(vm, e));
    }
    let s = super::newlines::str_from_cps(vm, cps);
    let enc = vm.new_str(encoding);
    let err = vm.new_str(errors);
    let r = vm.call_method(&s, "encode", &[enc, err])?;
    match crate::objects::bytes::bytes_of(&r) {
        Some(b) => Ok(b),
        None => Err(vm.type_error(format!(
            "encoder should return a bytes object, not '{}'",
            vm.type_name_of(&r)
        ))),
    }
}
