//! `_io.StringIO` (Modules/_io/stringio.c): an in-memory text stream over
//! code points, with the `newline` modes of CPython (None translates
//! `\r\n`/`\r` to `\n` on write; `''` keeps everything and reads universal
//! line endings; `'\r'`/`'\r\n'` translate `\n` on write).

use crate::vm::value::Truth;
use std::cell::{Cell, RefCell};

use crate::objects::attrs::Lookup;
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE, FLAG_HAS_DICT};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::bytesio::index_arg;
use super::newlines::{cps_of, str_from_cps, NlDecoder};
use super::{int_arg, parse_args, size_arg};

const LF: u32 = b'\n' as u32;
const CR: u32 = b'\r' as u32;

/// A StringIO's text: one byte a character while every character is
/// ASCII, four once one is not (CPython's buffer is one, two or four bytes
/// a character by its widest). A log or `pprint.pformat` writes megabytes
/// of ASCII: as code points the buffer was four times the text (pyperformance's
/// pprint peaked at 63 MB, CPython's at 34).
enum Buf {
    Ascii(Vec<u8>),
    Wide(Vec<u32>),
}

impl Default for Buf {
    fn default() -> Buf {
        Buf::Ascii(Vec::new())
    }
}

impl Buf {
    fn len(&self) -> usize {
        match self {
            Buf::Ascii(b) => b.len(),
            Buf::Wide(w) => w.len(),
        }
    }

    fn clear(&mut self) {
        *self = Buf::default();
    }

    fn truncate(&mut self, n: usize) {
        match self {
            Buf::Ascii(b) => b.truncate(n),
            Buf::Wide(w) => w.truncate(n),
        }
    }

    /// Write `text` at `pos`, padding with NULs up to `pos`.
    fn write_at(&mut self, pos: usize, text: &[u32]) {
        let end = pos + text.len();
        if let Buf::Ascii(b) = self {
            if text.iter().all(|&c| c < 0x80) {
                if end > b.len() {
                    b.resize(end, 0);
                }
                for (d, &c) in b[pos..end].iter_mut().zip(text) {
                    *d = c as u8;
                }
                return;
            }
            let mut w = Vec::with_capacity(end.max(b.len()));
            w.extend(b.iter().map(|&c| u32::from(c)));
            *self = Buf::Wide(w);
        }
        if let Buf::Wide(w) = self {
            if end > w.len() {
                w.resize(end, 0);
            }
            w[pos..end].copy_from_slice(text);
        }
    }

    /// The str of characters `from..to` (clamped to the text).
    fn str_of(&self, vm: &Vm, from: usize, to: usize) -> Value {
        let to = to.min(self.len());
        let from = from.min(to);
        match self {
            Buf::Ascii(b) => {
                // ASCII, so valid UTF-8.
                vm.new_string(String::from_utf8_lossy(&b[from..to]).into_owned())
            }
            Buf::Wide(w) => str_from_cps(vm, &w[from..to]),
        }
    }

    /// The length of the line starting at `pos` (see [`line_end`]).
    fn line_len(&self, pos: usize, translated: bool, readnl: Option<&[u32]>) -> usize {
        match self {
            Buf::Ascii(b) => line_end(b.get(pos..).unwrap_or(&[]), translated, readnl),
            Buf::Wide(w) => line_end(w.get(pos..).unwrap_or(&[]), translated, readnl),
        }
    }
}

/// The state of a StringIO.
#[derive(Default)]
pub struct StringIo {
    buf: RefCell<Buf>,
    pos: Cell<usize>,
    closed: Cell<bool>,
    ok: Cell<bool>,
    /// The newline argument as given (None = universal, translating).
    readnl: RefCell<Option<Vec<u32>>>,
    writenl: RefCell<Option<Vec<u32>>>,
    decoder: Cell<Option<NlDecoder>>,
}

impl NativeData for StringIo {}

pub(super) fn make_type(vm: &mut Vm, base: &PyRef) -> PyRef {
    let t = vm.new_native_type(
        "_io",
        "StringIO",
        base,
        Layout::Native("StringIO"),
        FLAG_BASETYPE | FLAG_HAS_DICT,
    );
    vm.add_staticmethods(&t, &[("__new__", stringio_new)]);
    vm.add_methods(
        &t,
        &[
            ("__init__", stringio_init),
            ("getvalue", stringio_getvalue),
            ("close", stringio_close),
            ("readable", stringio_true),
            ("writable", stringio_true),
            ("seekable", stringio_true),
            ("tell", stringio_tell),
            ("seek", stringio_seek),
            ("read", stringio_read),
            ("readline", stringio_readline),
            ("truncate", stringio_truncate),
            ("write", stringio_write),
            ("__next__", stringio_next),
            ("__getstate__", stringio_getstate),
            ("__setstate__", stringio_setstate),
        ],
    );
    vm.add_getsets(
        &t,
        &[
            ("closed", stringio_closed, None),
            ("line_buffering", stringio_line_buffering, None),
            ("newlines", stringio_newlines, None),
        ],
    );
    t
}

fn stringio_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) if matches!(c.payload, Payload::Type(_)) => c.clone(),
        _ => return Err(vm.type_error("StringIO.__new__(X): X is not a type object")),
    };
    Ok(Value::Obj(vm.new_native(&cls, StringIo::default())))
}

fn state<'a>(vm: &Vm, args: &Args<'a>, m: &str) -> PyResult<&'a StringIo> {
    let s = vm.native_self::<StringIo>(args, "_io.StringIO", m)?;
    if !s.ok.get() {
        return Err(vm.value_error("I/O operation on uninitialized object"));
    }
    Ok(s)
}

/// The state of `self`, which must be open.
fn open_state<'a>(vm: &Vm, args: &Args<'a>, m: &str) -> PyResult<&'a StringIo> {
    let s = state(vm, args, m)?;
    if s.closed.get() {
        return Err(vm.value_error("I/O operation on closed file"));
    }
    Ok(s)
}

fn stringio_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "StringIO", &["initial_value", "newline"], 0, 1)?;
    let newline: Option<Vec<u32>> = match &a[1] {
        None => Some(vec![LF]),
        Some(Value::None) => None,
        Some(v) => match cps_of(vm, v) {
            Some(c) => Some(c),
            None => {
                return Err(vm.type_error(format!(
                    "newline must be str or None, not {}",
                    vm.type_name_of(v)
                )))
            }
        },
    };
    if let Some(nl) = &newline {
        if !matches!(nl.as_slice(), [] | [LF] | [CR] | [CR, LF]) {
            let r = vm.repr(a[1].as_ref().unwrap_or(&Value::None))?;
            return Err(vm.value_error(format!("illegal newline value: {r}")));
        }
    }
    let initial = match &a[0] {
        None | Some(Value::None) => None,
        Some(v) => match cps_of(vm, v) {
            Some(c) => Some(c),
            None => {
                return Err(vm.type_error(format!(
                    "initial_value must be str or None, not {}",
                    vm.type_name_of(v)
                )))
            }
        },
    };
    let s = vm.native_self::<StringIo>(&args, "_io.StringIO", "__init__")?;
    let universal = newline.as_ref().is_none_or(|n| n.is_empty());
    let translate = newline.is_none();
    *s.writenl.borrow_mut() = match &newline {
        Some(n) if n.first() == Some(&CR) => Some(n.clone()),
        _ => None,
    };
    s.decoder.set(universal.then(|| NlDecoder::new(translate)));
    *s.readnl.borrow_mut() = newline;
    s.buf.borrow_mut().clear();
    s.pos.set(0);
    s.closed.set(false);
    s.ok.set(true);
    if let Some(init) = initial {
        write_cps(s, init);
        s.pos.set(0);
    }
    Ok(Value::None)
}

/// Translate and write text at the position; returns nothing (callers
/// report the length given).
fn write_cps(s: &StringIo, text: Vec<u32>) {
    let mut text = match s.decoder.get() {
        Some(mut d) => {
            let out = d.decode(text, true);
            s.decoder.set(Some(d));
            out
        }
        None => text,
    };
    if let Some(nl) = s.writenl.borrow().as_ref() {
        if text.contains(&LF) {
            let mut t = Vec::with_capacity(text.len());
            for c in text {
                if c == LF {
                    t.extend_from_slice(nl);
                } else {
                    t.push(c);
                }
            }
            text = t;
        }
    }
    if text.is_empty() {
        return;
    }
    let pos = s.pos.get();
    s.buf.borrow_mut().write_at(pos, &text);
    s.pos.set(pos + text.len());
}

fn stringio_write(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "write", &["s"], 1, 1)?;
    let v = a[0].clone().unwrap_or(Value::None);
    let s = state(vm, &args, "write")?;
    let Some(text) = cps_of(vm, &v) else {
        return Err(vm.type_error(format!(
            "string argument expected, got '{}'",
            vm.type_name_of(&v)
        )));
    };
    let s = open_state(vm, &args, "write").map(|_| s)?;
    let n = text.len();
    write_cps(s, text);
    Ok(Value::Int(n as i64))
}

/// The StringIO that `print` may write to directly: `file` an exact
/// StringIO whose `write` is StringIO's own (its type is static, so only
/// an instance attribute could shadow it), initialized and open (else
/// `write` gives the error).
fn print_target<'a>(vm: &mut Vm, file: &'a Value) -> Option<&'a StringIo> {
    let Value::Obj(o) = file else { return None };
    let ty = super::io_types(vm).ok()?;
    if !o.class_is(&ty.stringio) {
        return None;
    }
    let name = vm.intern_static("write");
    let shadowed = match crate::objects::attrs::lookup(o, &name) {
        Lookup::NoStorage | Lookup::Absent => false,
        Lookup::Found(_) => true,
        Lookup::Dict(d) => !matches!(vm.dict_get_str_nocall(&d, &name), Ok(None)),
    };
    if shadowed {
        return None;
    }
    let s = vm.native::<StringIo>(file)?;
    (s.ok.get() && !s.closed.get()).then_some(s)
}

/// `file.write(text)` for `print` (the str object `text`): StringIO's
/// write in place when `file` is a plain StringIO, else its `write`.
pub fn print_write(vm: &mut Vm, file: &Value, text: &Value) -> PyResult<()> {
    if let Some(s) = print_target(vm, file) {
        if let Some(cps) = cps_of(vm, text) {
            write_cps(s, cps);
            return Ok(());
        }
    }
    vm.call_method(file, "write", std::slice::from_ref(text))
        .map(|_| ())
}

/// [`print_write`] of `sep` or `end`.
pub fn print_write_str(vm: &mut Vm, file: &Value, text: &str) -> PyResult<()> {
    if let Some(s) = print_target(vm, file) {
        write_cps(s, text.chars().map(u32::from).collect());
        return Ok(());
    }
    vm.write_to(file, text)
}

fn stringio_getvalue(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.check_args("StringIO.getvalue", args, 0, 0)?;
    let s = open_state(vm, &args, "getvalue")?;
    let buf = s.buf.borrow();
    Ok(buf.str_of(vm, 0, buf.len()))
}

fn stringio_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = vm.native_self::<StringIo>(&args, "_io.StringIO", "close")?;
    s.closed.set(true);
    s.buf.borrow_mut().clear();
    Ok(Value::None)
}

fn stringio_closed(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match vm.native::<StringIo>(v) {
        Some(s) if s.ok.get() => Ok(Value::bool(s.closed.get())),
        _ => Err(vm.value_error("I/O operation on uninitialized object")),
    }
}

fn getter_state<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a StringIo> {
    match vm.native::<StringIo>(v) {
        Some(s) if !s.ok.get() => Err(vm.value_error("I/O operation on uninitialized object")),
        Some(s) if s.closed.get() => Err(vm.value_error("I/O operation on closed file")),
        Some(s) => Ok(s),
        None => Err(vm.type_error("descriptor for '_io.StringIO' objects doesn't apply")),
    }
}

fn stringio_line_buffering(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    getter_state(vm, v)?;
    Ok(Value::Bool(Truth::False))
}

fn stringio_newlines(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let s = getter_state(vm, v)?;
    Ok(match s.decoder.get() {
        Some(d) => d.newlines(vm),
        None => Value::None,
    })
}

fn stringio_true(vm: &mut Vm, args: Args) -> PyResult<Value> {
    open_state(vm, &args, "readable")?;
    Ok(Value::Bool(Truth::True))
}

fn stringio_tell(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.check_args("StringIO.tell", args, 0, 0)?;
    let s = open_state(vm, &args, "tell")?;
    Ok(Value::Int(s.pos.get() as i64))
}

fn stringio_seek(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "seek", &["pos", "whence"], 1, 1)?;
    let pos = index_arg(vm, a[0].as_ref().unwrap_or(&Value::None))?;
    let whence = match &a[1] {
        None => 0,
        Some(v) => int_arg(vm, v)?,
    };
    let s = open_state(vm, &args, "seek")?;
    if !(0..=2).contains(&whence) {
        return Err(vm.value_error(format!("Invalid whence ({whence}, should be 0, 1 or 2)")));
    }
    if pos < 0 && whence == 0 {
        return Err(vm.value_error(format!("Negative seek position {pos}")));
    }
    if whence != 0 && pos != 0 {
        return Err(vm.new_error(ExcKind::OSError, "Can't do nonzero cur-relative seeks"));
    }
    let new = match whence {
        1 => s.pos.get(),
        2 => s.buf.borrow().len(),
        _ => usize::try_from(pos).unwrap_or(0),
    };
    s.pos.set(new);
    Ok(Value::Int(new as i64))
}

fn stringio_read(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "read", &["size"], 0, 1)?;
    let n = size_arg(vm, a[0].as_ref())?;
    let s = open_state(vm, &args, "read")?;
    let buf = s.buf.borrow();
    let pos = s.pos.get().min(buf.len());
    let avail = buf.len() - pos;
    let n = if n < 0 {
        avail
    } else {
        (n as usize).min(avail)
    };
    let out = buf.str_of(vm, pos, pos + n);
    s.pos.set(pos + n);
    Ok(out)
}

/// The length of the line at the start of `text` (CPython's
/// `_PyIO_find_line_ending` for a complete buffer).
/// `text` holds code points (`u32`) or ASCII bytes (`u8`).
pub(crate) fn line_end<T: Copy + Into<u32>>(
    text: &[T],
    translated: bool,
    readnl: Option<&[u32]>,
) -> usize {
    let at = |i: usize| text.get(i).map(|&c| c.into());
    if translated {
        return text
            .iter()
            .position(|&c| c.into() == LF)
            .map_or(text.len(), |i| i + 1);
    }
    match readnl {
        None | Some([]) => match text.iter().position(|&c| matches!(c.into(), LF | CR)) {
            Some(i) if at(i) == Some(CR) && at(i + 1) == Some(LF) => i + 2,
            Some(i) => i + 1,
            None => text.len(),
        },
        Some(nl) => text
            .windows(nl.len())
            .position(|w| w.iter().zip(nl).all(|(&c, &n)| c.into() == n))
            .map_or(text.len(), |i| i + nl.len()),
    }
}

/// The next line as a str (at most `limit` characters when `limit` >= 0).
fn read_line(vm: &Vm, s: &StringIo, limit: i64) -> Value {
    let buf = s.buf.borrow();
    let pos = s.pos.get().min(buf.len());
    let readnl = s.readnl.borrow();
    let translated = readnl.is_none();
    let mut n = buf.line_len(pos, translated, readnl.as_deref());
    if limit >= 0 {
        n = n.min(limit as usize);
    }
    s.pos.set(pos + n);
    buf.str_of(vm, pos, pos + n)
}

fn stringio_readline(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "readline", &["size"], 0, 1)?;
    let n = size_arg(vm, a[0].as_ref())?;
    let s = open_state(vm, &args, "readline")?;
    Ok(read_line(vm, s, n))
}

fn stringio_truncate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "truncate", &["pos"], 0, 1)?;
    let s = open_state(vm, &args, "truncate")?;
    let size = match &a[0] {
        None | Some(Value::None) => s.pos.get() as i64,
        Some(v) => index_arg(vm, v)?,
    };
    if size < 0 {
        return Err(vm.value_error(format!("Negative size value {size}")));
    }
    let mut buf = s.buf.borrow_mut();
    if (size as usize) < buf.len() {
        buf.truncate(size as usize);
    }
    Ok(Value::Int(size))
}

fn stringio_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let me = args.args.first().cloned().unwrap_or(Value::None);
    let exact = super::io_types(vm).is_ok_and(|t| vm.exact(&me, &t.stringio));
    let line = if exact {
        let s = open_state(vm, &args, "__next__")?;
        read_line(vm, s, -1)
    } else {
        open_state(vm, &args, "__next__")?;
        let l = vm.call_method(&me, "readline", &[])?;
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
    if vm.as_str_obj(&line).is_some_and(|s| s.char_len() == 0) {
        return Err(vm.new_error_noargs(ExcKind::StopIteration));
    }
    Ok(line)
}

/// A copy of the instance dict, or None when it is empty.
pub(crate) fn dict_state(vm: &mut Vm, me: &Value) -> PyResult<Value> {
    if let Value::Obj(o) = me {
        if let Some(d) = o.dict() {
            if vm.len(&Value::Obj(d.clone()))? > 0 {
                return vm.call_method(&Value::Obj(d), "copy", &[]);
            }
        }
    }
    Ok(Value::None)
}

/// Merge a pickled dict state into the instance dict.
pub(crate) fn restore_dict(vm: &mut Vm, me: &Value, d: &Value) -> PyResult<()> {
    if d.is_none() {
        return Ok(());
    }
    if !matches!(d, Value::Obj(o) if matches!(o.payload, Payload::Dict(_))) {
        return Err(vm.type_error(format!(
            "fourth item of state should be a dict, got a {}",
            vm.type_name_of(d)
        )));
    }
    if let Value::Obj(o) = me {
        if let Some(own) = o.dict() {
            vm.call_method(&Value::Obj(own), "update", &[d.clone()])?;
        }
    }
    Ok(())
}

/// `(value, newline, position, dict)`, as CPython's `__getstate__`.
fn stringio_getstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let me = args.args.first().cloned().unwrap_or(Value::None);
    let s = open_state(vm, &args, "__getstate__")?;
    let value = {
        let buf = s.buf.borrow();
        buf.str_of(vm, 0, buf.len())
    };
    let nl = match s.readnl.borrow().as_ref() {
        Some(n) => str_from_cps(vm, n),
        None => Value::None,
    };
    let pos = Value::Int(s.pos.get() as i64);
    let d = dict_state(vm, &me)?;
    Ok(vm.new_tuple_of([value, nl, pos, d]))
}

fn stringio_setstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "__setstate__", &["state"], 1, 1)?;
    let me = args.args.first().cloned().unwrap_or(Value::None);
    let st = a[0].clone().unwrap_or(Value::None);
    let items = match &st {
        Value::Obj(o) if matches!(o.payload, Payload::Tuple(_)) => {
            vm.seq_items(&st).unwrap_or_default()
        }
        _ => Vec::new(),
    };
    let [value, nl, pos, d] = items.as_slice() else {
        return Err(vm.type_error(format!(
            "{}.__setstate__ argument should be 4-tuple, got {}",
            vm.type_name_of(&me),
            vm.type_name_of(&st)
        )));
    };
    let init = vm.getattr_str(&me, "__init__")?;
    vm.call(&init, &[value.clone(), nl.clone()])?;
    let s = state(vm, &args, "__setstate__")?;
    // The value as it was, without a second newline translation.
    let text = cps_of(vm, value).unwrap_or_default();
    let mut buf = Buf::default();
    buf.write_at(0, &text);
    *s.buf.borrow_mut() = buf;
    let p = index_arg(vm, pos)?;
    if p < 0 {
        return Err(vm.value_error("position value cannot be negative"));
    }
    s.pos.set(p as usize);
    restore_dict(vm, &me, d)?;
    Ok(Value::None)
}
