//! `TextIOWrapper.tell()`/`seek()` (Modules/_io/textio.c): CPython's
//! cookies pack the start position of a decoder snapshot, the decoder
//! flags, the bytes to feed and the characters to skip (plus a need-EOF
//! flag) into one int; `tell()` searches for the last point where the
//! decoder held no bytes, exactly as CPython does, so cookies are equal.

use num_bigint::BigInt;

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

use super::textio::{
    check_closed, dec_getstate, dec_setstate, decode, me, reset_decoder, state, write_flush, TextIo,
};
use super::{parse_args, unsupported};

#[derive(Default, Clone, Copy)]
struct Cookie {
    start_pos: i64,
    dec_flags: i64,
    bytes_to_feed: i64,
    chars_to_skip: i64,
    need_eof: bool,
}

fn build_cookie(vm: &Vm, c: &Cookie) -> Value {
    if c.dec_flags == 0 && c.bytes_to_feed == 0 && c.chars_to_skip == 0 && !c.need_eof {
        return Value::Int(c.start_pos);
    }
    let mask = |v: i64| BigInt::from(v as u32);
    let v = BigInt::from(c.start_pos as u64)
        | (mask(c.dec_flags) << 64)
        | (mask(c.bytes_to_feed) << 96)
        | (mask(c.chars_to_skip) << 128)
        | (BigInt::from(u8::from(c.need_eof)) << 160);
    vm.new_bigint(v)
}

fn parse_cookie(vm: &mut Vm, v: &Value) -> PyResult<Cookie> {
    let big: BigInt = match v {
        Value::Int(i) => BigInt::from(*i),
        Value::Bool(b) => BigInt::from(u8::from(b.get())),
        Value::Obj(o) => match &o.payload {
            Payload::Int(b) => b.clone(),
            _ => {
                let i = super::bytesio::index_arg(vm, v)?;
                BigInt::from(i)
            }
        },
        _ => {
            let i = super::bytesio::index_arg(vm, v)?;
            BigInt::from(i)
        }
    };
    let field = |shift: u32, bits: u32| -> i64 {
        let m = (BigInt::from(1u8) << bits) - 1u8;
        let x: BigInt = (&big >> shift) & m;
        i64::try_from(x).unwrap_or(0)
    };
    Ok(Cookie {
        start_pos: field(0, 64),
        dec_flags: field(64, 32) as i32 as i64,
        bytes_to_feed: field(96, 32) as i32 as i64,
        chars_to_skip: field(128, 32) as i32 as i64,
        need_eof: field(160, 8) != 0,
    })
}

pub(super) fn textio_tell(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = me(&args);
    check_closed(vm, &s)?;
    let t = state(vm, &s)?;
    if !t.seekable.get() {
        return Err(unsupported(vm, "underlying stream is not seekable"));
    }
    if !t.telling.get() {
        return Err(vm.new_error(ExcKind::OSError, "telling position disabled by next() call"));
    }
    write_flush(vm, t)?;
    vm.call_method(&s, "flush", &[])?;
    let t = state(vm, &s)?;
    let buf = t.buffer.borrow().clone();
    let posobj = vm.call_method(&buf, "tell", &[])?;
    let snap = t.snapshot.borrow().clone();
    let (Some((flags, next_input)), true) = (snap, t.decoder.borrow().is_some()) else {
        return Ok(posobj);
    };
    let position = super::bytesio::index_arg(vm, &posobj)?;
    let mut cookie = Cookie {
        start_pos: position - next_input.len() as i64,
        dec_flags: flags,
        ..Cookie::default()
    };
    let mut chars_to_skip = t.decoded_pos.get() as i64;
    if chars_to_skip == 0 {
        return Ok(build_cookie(vm, &cookie));
    }
    // Saved and restored by getstate/setstate, as CPython (so what the
    // search decodes still counts in `newlines`).
    let (sb, sf) = dec_getstate(vm, t)?;
    let r = tell_search(vm, t, &next_input, &mut cookie, &mut chars_to_skip);
    dec_setstate(vm, t, sb, sf)?;
    r?;
    cookie.chars_to_skip = chars_to_skip;
    Ok(build_cookie(vm, &cookie))
}

/// `_textiowrapper_decoder_setstate`: a reset at the start of the stream,
/// else `setstate((b"", flags))`.
fn cookie_setstate(vm: &mut Vm, t: &TextIo, c: &Cookie) -> PyResult<()> {
    if c.start_pos == 0 && c.dec_flags == 0 {
        reset_decoder(vm, t)
    } else {
        dec_setstate(vm, t, Vec::new(), c.dec_flags)
    }
}

/// CPython's search for the last safe start point before the position.
fn tell_search(
    vm: &mut Vm,
    t: &TextIo,
    input: &[u8],
    cookie: &mut Cookie,
    chars_to_skip: &mut i64,
) -> PyResult<()> {
    let mut skip_bytes = (t.b2cratio.get() * *chars_to_skip as f64) as i64;
    let mut skip_back = 1i64;
    while skip_bytes > 0 {
        cookie_setstate(vm, t, cookie)?;
        let n = usize::try_from(skip_bytes).unwrap_or(0).min(input.len());
        let chars = decode(vm, t, &input[..n], false)?.len() as i64;
        if chars <= *chars_to_skip {
            let (b, f) = dec_getstate(vm, t)?;
            if b.is_empty() {
                cookie.dec_flags = f;
                *chars_to_skip -= chars;
                break;
            }
            skip_bytes -= b.len() as i64;
            skip_back = 1;
        } else {
            skip_bytes -= skip_back;
            skip_back *= 2;
        }
    }
    if skip_bytes <= 0 {
        skip_bytes = 0;
        cookie_setstate(vm, t, cookie)?;
    }
    cookie.start_pos += skip_bytes;
    if *chars_to_skip == 0 {
        return Ok(());
    }
    let mut chars_decoded = 0i64;
    let mut i = usize::try_from(skip_bytes).unwrap_or(0);
    let mut reached = false;
    while i < input.len() {
        let n = decode(vm, t, &input[i..i + 1], false)?.len() as i64;
        chars_decoded += n;
        cookie.bytes_to_feed += 1;
        let (b, f) = dec_getstate(vm, t)?;
        if b.is_empty() && chars_decoded <= *chars_to_skip {
            cookie.start_pos += cookie.bytes_to_feed;
            *chars_to_skip -= chars_decoded;
            cookie.dec_flags = f;
            cookie.bytes_to_feed = 0;
            chars_decoded = 0;
        }
        if chars_decoded >= *chars_to_skip {
            reached = true;
            break;
        }
        i += 1;
    }
    if !reached {
        chars_decoded += decode(vm, t, &[], true)?.len() as i64;
        cookie.need_eof = true;
        if chars_decoded < *chars_to_skip {
            return Err(vm.new_error(ExcKind::OSError, "can't reconstruct logical file position"));
        }
    }
    Ok(())
}

pub(super) fn textio_seek(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "seek", &["cookie", "whence"], 1, 1)?;
    let s = me(&args);
    let cookie_v = a[0].clone().unwrap_or(Value::None);
    let whence = match &a[1] {
        None => 0,
        Some(v) => super::int_arg(vm, v)?,
    };
    check_closed(vm, &s)?;
    let t = state(vm, &s)?;
    if !t.seekable.get() {
        return Err(unsupported(vm, "underlying stream is not seekable"));
    }
    let buf = t.buffer.borrow().clone();
    let is_zero = |vm: &mut Vm, v: &Value| -> PyResult<bool> { vm.eq(v, &Value::Int(0)) };
    match whence {
        1 => {
            if !is_zero(vm, &cookie_v)? {
                return Err(unsupported(vm, "can't do nonzero cur-relative seeks"));
            }
            return vm.call_method(&s, "tell", &[]);
        }
        2 => {
            if !is_zero(vm, &cookie_v)? {
                return Err(unsupported(vm, "can't do nonzero end-relative seeks"));
            }
            vm.call_method(&s, "flush", &[])?;
            t.decoded.borrow_mut().clear();
            t.decoded_pos.set(0);
            *t.snapshot.borrow_mut() = None;
            reset_decoder(vm, t)?;
            return vm.call_method(&buf, "seek", &[Value::Int(0), Value::Int(2)]);
        }
        0 => {}
        _ => return Err(vm.value_error(format!("invalid whence ({whence}, should be 0, 1 or 2)"))),
    }
    if vm.compare(&cookie_v, &Value::Int(0), crate::vm::proto::CmpOp::Lt)? {
        let r = vm.repr(&cookie_v)?;
        return Err(vm.value_error(format!("negative seek position {r}")));
    }
    vm.call_method(&s, "flush", &[])?;
    let c = parse_cookie(vm, &cookie_v)?;
    // At the start the encoder writes its BOM again (CPython resets it).
    t.bom_done.set(c.start_pos != 0 || c.dec_flags != 0);
    vm.call_method(&buf, "seek", &[Value::Int(c.start_pos)])?;
    t.decoded.borrow_mut().clear();
    t.decoded_pos.set(0);
    *t.snapshot.borrow_mut() = None;
    if t.decoder.borrow().is_some() {
        cookie_setstate(vm, t, &c)?;
        *t.snapshot.borrow_mut() = Some((c.dec_flags, Vec::new()));
    }
    if c.chars_to_skip > 0 {
        let chunk = vm.call_method(&buf, "read", &[Value::Int(c.bytes_to_feed)])?;
        let input = crate::objects::bytes::bytes_of(&chunk).unwrap_or_default();
        let out = decode(vm, t, &input, c.need_eof)?;
        *t.snapshot.borrow_mut() = Some((c.dec_flags, input));
        if (out.len() as i64) < c.chars_to_skip {
            return Err(vm.new_error(ExcKind::OSError, "can't restore logical file position"));
        }
        *t.decoded.borrow_mut() = out;
        t.decoded_pos.set(c.chars_to_skip as usize);
    }
    Ok(cookie_v)
}
