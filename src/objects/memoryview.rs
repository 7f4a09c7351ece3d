//! `memoryview`: one-dimensional views of a bytes or bytearray object's
//! memory, with a struct-module item format (`cast`). Writing through a
//! view of a bytearray changes the bytearray.

use crate::objects::rc::Rc;
use std::cell::Cell;
use std::sync::Mutex;

use num_bigint::BigInt;

use super::bytes::{buffer_bytes, bytes_of, kw_args, no_args, one_arg, pos_args};
use super::function::Args;
use super::Payload;
use crate::modules::array::{itemsize as array_itemsize, ArrayObj};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

/// The payload of a memoryview.
pub struct MemView {
    /// The exporting bytes or bytearray.
    pub obj: PyRef,
    /// Byte offset of item 0 in the exporter's data.
    pub start: usize,
    /// Byte distance between consecutive items (negative for reversed).
    pub step: isize,
    /// Number of items.
    pub len: usize,
    pub itemsize: usize,
    /// The struct format as given (`"B"`, `"@H"`, ...).
    pub format: String,
    pub readonly: bool,
    pub released: Cell<bool>,
}

/// Live views of each bytearray (by object address): a bytearray with
/// views cannot change size (CPython's `ob_exports`). A view holds a
/// reference to its bytearray, so an address cannot be reused while it
/// is listed.
static EXPORTS: Mutex<Vec<(usize, usize)>> = Mutex::new(Vec::new());

fn addr(o: &PyRef) -> usize {
    Rc::as_ptr(o) as *const u8 as usize
}

fn exports_update(o: &PyRef, up: bool) {
    // Resizable exporters: bytearrays and `array.array`s.
    let resizable = match &o.payload {
        Payload::ByteArray(_) => true,
        // Other native exporters (`mmap`) refuse to close while viewed.
        Payload::Native(_) => true,
        _ => false,
    };
    if !resizable {
        return;
    }
    let a = addr(o);
    let mut t = EXPORTS.lock().unwrap_or_else(|e| e.into_inner());
    match t.iter().position(|&(k, _)| k == a) {
        Some(i) => {
            if let Some(e) = t.get_mut(i) {
                e.1 = if up { e.1 + 1 } else { e.1.saturating_sub(1) };
                if e.1 == 0 {
                    t.swap_remove(i);
                }
            }
        }
        None if up => t.push((a, 1)),
        None => {}
    }
}

/// Whether a bytearray or array has live memoryviews (then it cannot be
/// resized).
pub fn is_exported(o: &PyRef) -> bool {
    let a = addr(o);
    let t = EXPORTS.lock().unwrap_or_else(|e| e.into_inner());
    t.iter().any(|&(k, n)| k == a && n > 0)
}

impl MemView {
    fn new(
        obj: PyRef,
        (start, step, len): (usize, isize, usize),
        itemsize: usize,
        format: String,
        readonly: bool,
    ) -> MemView {
        exports_update(&obj, true);
        MemView {
            obj,
            start,
            step,
            len,
            itemsize,
            format,
            readonly,
            released: Cell::new(false),
        }
    }

    /// `release()`: the view stops exporting its buffer.
    fn release(&self) {
        if !self.released.replace(true) {
            exports_update(&self.obj, false);
        }
    }
}

impl Drop for MemView {
    fn drop(&mut self) {
        self.release();
    }
}

/// The item code and size of a native single-character struct format
/// (with an optional `@` prefix).
fn format_info(f: &str) -> Option<(char, usize)> {
    let code = f.strip_prefix('@').unwrap_or(f);
    let mut chars = code.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    let size = match c {
        'c' | 'b' | 'B' | '?' => 1,
        'h' | 'H' => 2,
        'i' | 'I' | 'f' => 4,
        'l' | 'L' | 'q' | 'Q' | 'n' | 'N' | 'P' | 'd' => 8,
        _ => return None,
    };
    Some((c, size))
}

fn released_err(vm: &Vm) -> PyErr {
    vm.value_error("operation forbidden on released memoryview object")
}

/// The view behind a value, checked not released.
fn view<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a MemView> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::MemoryView(m) => {
                if m.released.get() {
                    Err(released_err(vm))
                } else {
                    Ok(m)
                }
            }
            _ => Err(vm.type_error(format!(
                "descriptor requires a 'memoryview' object but received a '{}'",
                vm.type_name_of(v)
            ))),
        },
        _ => Err(vm.type_error("descriptor requires a 'memoryview' object")),
    }
}

fn self_view<'a>(vm: &Vm, args: &Args<'a>) -> PyResult<&'a MemView> {
    view(vm, args.args.first().unwrap_or(&Value::None))
}

impl MemView {
    fn code(&self) -> char {
        format_info(&self.format).map_or('B', |(c, _)| c)
    }

    fn nbytes(&self) -> usize {
        self.len * self.itemsize
    }

    fn contiguous(&self) -> bool {
        self.len <= 1 || self.step == self.itemsize as isize
    }

    /// Byte offset of item `i` in the exporter's data.
    fn offset(&self, i: usize) -> usize {
        (self.start as isize + i as isize * self.step) as usize
    }

    /// The bytes of the viewed items, in order.
    fn bytes(&self) -> Vec<u8> {
        let gather = |d: &[u8]| -> Vec<u8> {
            if self.contiguous() {
                // One copy for the common case (`memoryview(data)[16:]`).
                let start = self.offset(0);
                return d
                    .get(start..start + self.nbytes())
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default();
            }
            let mut out = Vec::with_capacity(self.nbytes());
            for i in 0..self.len {
                let o = self.offset(i);
                out.extend_from_slice(d.get(o..o + self.itemsize).unwrap_or(&[]));
            }
            out
        };
        match &self.obj.payload {
            Payload::Bytes(b) => gather(b),
            Payload::ByteArray(b) => gather(&b.borrow()),
            Payload::Native(d) => match d.downcast_ref::<ArrayObj>() {
                Some(a) => gather(&a.data.borrow()),
                None => d.buffer().map(|b| gather(&b)).unwrap_or_default(),
            },
            _ => Vec::new(),
        }
    }

    /// A view of items `start + k*step` for k in 0..n.
    fn sub(&self, start: i64, step: i64, n: usize) -> MemView {
        MemView::new(
            self.obj.clone(),
            (
                self.offset(start.max(0) as usize),
                self.step * step as isize,
                n,
            ),
            self.itemsize,
            self.format.clone(),
            self.readonly,
        )
    }
}

/// The data of a memoryview value (None for other values).
pub fn view_bytes(vm: &mut Vm, v: &Value) -> PyResult<Option<Vec<u8>>> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::MemoryView(_)) => {
            Ok(Some(view(vm, v)?.bytes()))
        }
        _ => Ok(None),
    }
}

fn new_view(vm: &Vm, m: MemView) -> Value {
    Value::Obj(vm.new_obj(&vm.types.memoryview, Payload::MemoryView(Box::new(m))))
}

/// An item's value from its bytes.
fn unpack(vm: &Vm, code: char, b: &[u8]) -> Value {
    let mut le = [0u8; 8];
    for (d, s) in le.iter_mut().zip(b) {
        *d = *s;
    }
    let u = u64::from_le_bytes(le);
    let bits = (b.len() * 8) as u32;
    let signed = || {
        if bits >= 64 {
            u as i64
        } else {
            let shift = 64 - bits;
            ((u << shift) as i64) >> shift
        }
    };
    match code {
        'c' => vm.new_bytes(b.to_vec()),
        '?' => Value::bool(u != 0),
        'b' | 'h' | 'i' | 'l' | 'q' | 'n' => Value::Int(signed()),
        'f' => Value::float(f64::from(f32::from_bits(u as u32))),
        'd' => Value::float(f64::from_bits(u)),
        _ => match i64::try_from(u) {
            Ok(i) => Value::Int(i),
            Err(_) => vm.new_bigint(BigInt::from(u)),
        },
    }
}

/// An item's bytes from a value, with memoryview's messages.
fn pack(vm: &mut Vm, code: char, size: usize, v: &Value) -> PyResult<Vec<u8>> {
    let fmt_code = code;
    let invalid_type =
        |vm: &Vm| vm.type_error(format!("memoryview: invalid type for format '{fmt_code}'"));
    let invalid_value =
        |vm: &Vm| vm.value_error(format!("memoryview: invalid value for format '{fmt_code}'"));
    match code {
        'c' => match bytes_of(v) {
            Some(b) if b.len() == 1 => Ok(b),
            Some(_) => Err(invalid_value(vm)),
            None => Err(invalid_type(vm)),
        },
        '?' => Ok(vec![u8::from(vm.truthy(v)?)]),
        'f' | 'd' => {
            let f = match v {
                Value::Float(f) => f.get(),
                _ if super::int::is_int(v) => vm.int_to_f64(v)?,
                _ => return Err(invalid_type(vm)),
            };
            Ok(if code == 'f' {
                (f as f32).to_le_bytes().to_vec()
            } else {
                f.to_le_bytes().to_vec()
            })
        }
        _ => {
            if !super::int::is_int(v) {
                return Err(invalid_type(vm));
            }
            let n = super::int::to_bigint(v).unwrap_or_default();
            let bits = size * 8;
            let signed = matches!(code, 'b' | 'h' | 'i' | 'l' | 'q' | 'n');
            let (lo, hi) = if signed {
                (
                    -(BigInt::from(1) << (bits - 1)),
                    BigInt::from(1) << (bits - 1),
                )
            } else {
                (BigInt::from(0), BigInt::from(1) << bits)
            };
            if n < lo || n >= hi {
                return Err(invalid_value(vm));
            }
            let bytes = n.to_signed_bytes_le();
            let fill = if n < BigInt::from(0) { 0xFF } else { 0 };
            Ok((0..size)
                .map(|i| bytes.get(i).copied().unwrap_or(fill))
                .collect())
        }
    }
}

/// CPython's NotImplementedError for item access in a format it cannot
/// unpack (an `array('u')` exports "w").
fn check_format(vm: &Vm, m: &MemView) -> PyResult<()> {
    if format_info(&m.format).is_none() {
        return Err(vm.new_error(
            super::exception::ExcKind::NotImplementedError,
            format!("memoryview: format {} not supported", m.format),
        ));
    }
    Ok(())
}

fn items(vm: &Vm, m: &MemView) -> Vec<Value> {
    let code = m.code();
    m.bytes()
        .chunks(m.itemsize.max(1))
        .map(|c| unpack(vm, code, c))
        .collect()
}

// ----------------------------------------------------------------- methods

fn mv_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = kw_args(vm, args, "memoryview", &["object"], 1)?;
    let obj = a.into_iter().next().flatten().unwrap_or(Value::None);
    let m = match &obj {
        Value::Obj(o) => match &o.payload {
            Payload::Bytes(b) => Some(MemView::new(
                o.clone(),
                (0, 1, b.len()),
                1,
                "B".into(),
                true,
            )),
            Payload::ByteArray(b) => {
                let n = b.borrow().len();
                Some(MemView::new(o.clone(), (0, 1, n), 1, "B".into(), false))
            }
            Payload::MemoryView(_) => {
                let m = view(vm, &obj)?;
                Some(m.sub(0, 1, m.len))
            }
            // An `array.array` exports its items with its typecode as format.
            Payload::Native(d) => match d.downcast_ref::<ArrayObj>() {
                Some(a) => {
                    let size = array_itemsize(a.code);
                    // A wide-char array exports CPython's "w" (UCS-4) format.
                    let fmt = if a.code == b'u' {
                        "w".to_string()
                    } else {
                        char::from(a.code).to_string()
                    };
                    Some(MemView::new(
                        o.clone(),
                        (0, size as isize, a.len()),
                        size,
                        fmt,
                        false,
                    ))
                }
                // Other exporters (`mmap`): unsigned bytes.
                None => d.buffer().map(|b| {
                    let ro = d.buffer_readonly();
                    MemView::new(o.clone(), (0, 1, b.len()), 1, "B".into(), ro)
                }),
            },
            _ => None,
        },
        _ => None,
    };
    match m {
        Some(m) => Ok(new_view(vm, m)),
        None => Err(vm.type_error(format!(
            "memoryview: a bytes-like object is required, not '{}'",
            vm.type_name_of(&obj)
        ))),
    }
}

fn mv_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = self_view(vm, &args)?;
    Ok(Value::Int(m.len as i64))
}

fn key_index(vm: &mut Vm, m: &MemView, key: &Value) -> PyResult<Option<usize>> {
    if !super::int::is_int(key) {
        let t = vm.type_of(key);
        if vm.type_lookup_static(&t, "__index__").is_none() {
            return Ok(None);
        }
    }
    let i = vm.index_value(key)?.unwrap_or(i64::MAX);
    match Vm::norm_index(i, m.len) {
        Some(j) => Ok(Some(j)),
        None => Err(vm.index_error("index out of bounds on dimension 1")),
    }
}

fn mv_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = self_view(vm, &args)?;
    let key = one_arg(vm, args, "__getitem__")?;
    if let Some(s) = Vm::as_slice(&key) {
        let (start, _, step, n) = vm.slice_indices(&s.clone(), m.len)?;
        let sub = m.sub(start, step, n);
        return Ok(new_view(vm, sub));
    }
    match key_index(vm, m, &key)? {
        Some(j) => {
            check_format(vm, m)?;
            let one = m.sub(j as i64, 1, 1);
            Ok(unpack(vm, m.code(), &one.bytes()))
        }
        None => Err(vm.type_error("memoryview: invalid slice key")),
    }
}

fn write(vm: &Vm, m: &MemView, at: usize, data: &[u8]) -> PyResult<()> {
    if let Payload::Native(d) = &m.obj.payload {
        if let Some(a) = d.downcast_ref::<ArrayObj>() {
            let mut b = a.data.try_borrow_mut().map_err(|_| {
                vm.new_error(
                    super::exception::ExcKind::BufferError,
                    "memoryview: underlying buffer is busy",
                )
            })?;
            if let Some(dst) = b.get_mut(at..at + data.len()) {
                dst.copy_from_slice(data);
            }
            return Ok(());
        }
        d.buffer_write(at, data);
        return Ok(());
    }
    if let Payload::ByteArray(c) = &m.obj.payload {
        let mut b = c.try_borrow_mut().map_err(|_| {
            vm.new_error(
                super::exception::ExcKind::BufferError,
                "memoryview: underlying buffer is busy",
            )
        })?;
        for (k, &x) in data.iter().enumerate() {
            if let Some(slot) = b.get_mut(at + k) {
                *slot = x;
            }
        }
    }
    Ok(())
}

fn mv_setitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = self_view(vm, &args)?;
    let a = pos_args(vm, args, "__setitem__", 2, 2)?;
    if m.readonly {
        return Err(vm.type_error("cannot modify read-only memory"));
    }
    let (key, value) = (&a[0], &a[1]);
    if let Some(s) = Vm::as_slice(key) {
        let (start, _, step, n) = vm.slice_indices(&s.clone(), m.len)?;
        let dst = m.sub(start, step, n);
        let src = match value {
            Value::Obj(o) if matches!(o.payload, Payload::MemoryView(_)) => {
                let v = view(vm, value)?;
                (v.len, v.itemsize, v.code(), v.bytes())
            }
            _ => match buffer_bytes(vm, value)? {
                Some(b) => (b.len(), 1, 'B', b),
                None => {
                    return Err(vm.type_error(format!(
                        "a bytes-like object is required, not '{}'",
                        vm.type_name_of(value)
                    )))
                }
            },
        };
        if src.0 != dst.len || src.1 != dst.itemsize || src.2 != dst.code() {
            return Err(vm.value_error(
                "memoryview assignment: lvalue and rvalue have different structures",
            ));
        }
        for (i, chunk) in src.3.chunks(dst.itemsize.max(1)).enumerate() {
            write(vm, m, dst.offset(i), chunk)?;
        }
        return Ok(Value::None);
    }
    match key_index(vm, m, key)? {
        Some(j) => {
            check_format(vm, m)?;
            let data = pack(vm, m.code(), m.itemsize, value)?;
            write(vm, m, m.offset(j), &data)?;
            Ok(Value::None)
        }
        None => Err(vm.type_error("memoryview: invalid slice key")),
    }
}

fn mv_delitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = self_view(vm, &args)?;
    if m.readonly {
        return Err(vm.type_error("cannot modify read-only memory"));
    }
    Err(vm.type_error("cannot delete memory"))
}

fn mv_tobytes(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = self_view(vm, &args)?;
    let a = kw_args(vm, args, "tobytes", &["order"], 0)?;
    if let Some(Some(o)) = a.first() {
        match vm.as_str_obj(o).map(|s| s.as_str().to_string()) {
            Some(s) if matches!(s.as_str(), "C" | "F" | "A") => {}
            None if o.is_none() => {}
            None => {
                return Err(vm.type_error(format!(
                    "tobytes() argument 'order' must be str or None, not {}",
                    vm.type_name_of(o)
                )))
            }
            _ => return Err(vm.value_error("order must be 'C', 'F' or 'A'")),
        }
    }
    Ok(vm.new_bytes(m.bytes()))
}

fn mv_tolist(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = self_view(vm, &args)?;
    no_args(vm, args, "tolist")?;
    check_format(vm, m)?;
    let v = items(vm, m);
    Ok(vm.new_list(v))
}

fn mv_hex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let data = self_view(vm, &args)?.bytes();
    super::bytes_ops::hex_impl(vm, &data, args)
}

fn mv_release(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, args, "release")?;
    if let Some(Value::Obj(o)) = args.args.first() {
        if let Payload::MemoryView(m) = &o.payload {
            m.release();
        }
    }
    Ok(Value::None)
}

fn mv_enter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    self_view(vm, &args)?;
    vm.check_args("memoryview.__enter__", args, 0, 0)?;
    Ok(args.args.first().cloned().unwrap_or(Value::None))
}

fn mv_exit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if let Some(Value::Obj(o)) = args.args.first() {
        if let Payload::MemoryView(m) = &o.payload {
            m.release();
        }
    }
    let _ = vm;
    Ok(Value::None)
}

fn mv_toreadonly(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = self_view(vm, &args)?;
    no_args(vm, args, "toreadonly")?;
    let mut r = m.sub(0, 1, m.len);
    r.readonly = true;
    Ok(new_view(vm, r))
}

fn mv_cast(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = self_view(vm, &args)?;
    let a = kw_args(vm, args, "cast", &["format", "shape"], 1)?;
    let fv = a.first().cloned().flatten().unwrap_or(Value::None);
    let Some(fmt) = vm.as_str_obj(&fv).map(|s| s.as_str().to_string()) else {
        return Err(vm.type_error(format!(
            "cast() argument 'format' must be str, not {}",
            vm.arg_type_name(&fv)
        )));
    };
    let Some((code, size)) = format_info(&fmt) else {
        return Err(vm.value_error(
            "memoryview: destination format must be a native single character format prefixed with an optional '@'",
        ));
    };
    if !m.contiguous() {
        return Err(vm.type_error("memoryview: casts are restricted to C-contiguous views"));
    }
    let byte_fmt = |c: char| matches!(c, 'B' | 'b' | 'c');
    if !byte_fmt(code) && !byte_fmt(m.code()) {
        return Err(vm.type_error("memoryview: cannot cast between two non-byte formats"));
    }
    let nbytes = m.nbytes();
    if let Some(Some(shape)) = a.get(1) {
        let dims = vm.collect_iter(shape)?;
        let mut prod: i64 = 1;
        for d in &dims {
            prod = prod.saturating_mul(super::bytes::index_arg(vm, d)?);
        }
        if dims.len() != 1 || prod.saturating_mul(size as i64) != nbytes as i64 {
            return Err(vm.type_error("memoryview: product(shape) * itemsize != buffer size"));
        }
    }
    if nbytes % size != 0 {
        return Err(vm.type_error("memoryview: length is not a multiple of itemsize"));
    }
    let start = if m.len == 0 { m.start } else { m.offset(0) };
    let r = MemView::new(
        m.obj.clone(),
        (start, size as isize, nbytes / size),
        size,
        fmt,
        m.readonly,
    );
    Ok(new_view(vm, r))
}

fn mv_eq_impl(vm: &mut Vm, args: Args) -> PyResult<Option<bool>> {
    let this = args.args.first().cloned().unwrap_or(Value::None);
    let other = args.args.get(1).cloned().unwrap_or(Value::None);
    if this.is(&other) {
        return Ok(Some(true));
    }
    let Value::Obj(o) = &this else {
        return Ok(None);
    };
    let Payload::MemoryView(m) = &o.payload else {
        return Ok(None);
    };
    let other_released = matches!(&other, Value::Obj(p)
        if matches!(&p.payload, Payload::MemoryView(om) if om.released.get()));
    if m.released.get() || other_released {
        return Ok(Some(false));
    }
    let (mine, theirs) = match &other {
        Value::Obj(p) if matches!(p.payload, Payload::MemoryView(_)) => {
            let om = view(vm, &other)?;
            (items(vm, m), items(vm, om))
        }
        _ => match buffer_bytes(vm, &other)? {
            Some(b) => (
                items(vm, m),
                b.into_iter().map(|x| Value::Int(i64::from(x))).collect(),
            ),
            None => return Ok(None),
        },
    };
    if mine.len() != theirs.len() {
        return Ok(Some(false));
    }
    for (x, y) in mine.iter().zip(&theirs) {
        if !vm.eq(x, y)? {
            return Ok(Some(false));
        }
    }
    Ok(Some(true))
}

fn mv_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(match mv_eq_impl(vm, args)? {
        Some(b) => Value::bool(b),
        None => vm.not_implemented(),
    })
}

fn mv_ne(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(match mv_eq_impl(vm, args)? {
        Some(b) => Value::bool(!b),
        None => vm.not_implemented(),
    })
}

fn mv_order(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let _ = args;
    Ok(vm.not_implemented())
}

fn mv_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = self_view(vm, &args)?;
    if !m.readonly {
        return Err(vm.value_error("cannot hash writable memoryview object"));
    }
    if !matches!(m.code(), 'B' | 'b' | 'c') {
        return Err(vm.value_error("memoryview: hashing is restricted to formats 'B', 'b' or 'c'"));
    }
    Ok(Value::Int(crate::pyhash::hash_bytes(&m.bytes())))
}

fn mv_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(o)) = args.args.first() else {
        return Err(vm.type_error("descriptor '__repr__' requires a 'memoryview' object"));
    };
    let released = matches!(&o.payload, Payload::MemoryView(m) if m.released.get());
    let addr = crate::objects::rc::Rc::as_ptr(o) as *const u8 as usize;
    let r = if released {
        format!("<released memory at 0x{addr:x}>")
    } else {
        format!("<memory at 0x{addr:x}>")
    };
    Ok(vm.new_string(r))
}

fn mv_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    self_view(vm, &args)?;
    let this = args.args.first().cloned().unwrap_or(Value::None);
    Ok(vm.new_iter(
        &vm.types.seq_iterator.clone(),
        super::iter::IterState::GetItem { obj: this, idx: 0 },
    ))
}

// ------------------------------------------------------------- attributes

fn g_obj(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Obj(view(vm, v)?.obj.clone()))
}
fn g_nbytes(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Int(view(vm, v)?.nbytes() as i64))
}
fn g_readonly(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::bool(view(vm, v)?.readonly))
}
fn g_itemsize(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Int(view(vm, v)?.itemsize as i64))
}
fn g_format(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = view(vm, v)?.format.clone();
    Ok(vm.new_string(f))
}
fn g_ndim(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    view(vm, v)?;
    Ok(Value::Int(1))
}
fn g_shape(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let n = view(vm, v)?.len;
    Ok(vm.new_tuple_of([Value::Int(n as i64)]))
}
fn g_strides(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let s = view(vm, v)?.step;
    Ok(vm.new_tuple_of([Value::Int(s as i64)]))
}
fn g_suboffsets(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    view(vm, v)?;
    Ok(vm.new_tuple(Vec::new()))
}
fn g_contiguous(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::bool(view(vm, v)?.contiguous()))
}

pub fn install(vm: &mut Vm) {
    let t = vm.types.memoryview.clone();
    vm.add_staticmethods(&t, &[("__new__", mv_new)]);
    vm.add_methods(
        &t,
        &[
            ("__len__", mv_len),
            ("__getitem__", mv_getitem),
            ("__setitem__", mv_setitem),
            ("__delitem__", mv_delitem),
            ("__eq__", mv_eq),
            ("__ne__", mv_ne),
            ("__lt__", mv_order),
            ("__le__", mv_order),
            ("__gt__", mv_order),
            ("__ge__", mv_order),
            ("__hash__", mv_hash),
            ("__repr__", mv_repr),
            ("__iter__", mv_iter),
            ("__enter__", mv_enter),
            ("__exit__", mv_exit),
            ("tobytes", mv_tobytes),
            ("tolist", mv_tolist),
            ("hex", mv_hex),
            ("release", mv_release),
            ("toreadonly", mv_toreadonly),
            ("cast", mv_cast),
        ],
    );
    vm.add_getsets(
        &t,
        &[
            ("obj", g_obj, None),
            ("nbytes", g_nbytes, None),
            ("readonly", g_readonly, None),
            ("itemsize", g_itemsize, None),
            ("format", g_format, None),
            ("ndim", g_ndim, None),
            ("shape", g_shape, None),
            ("strides", g_strides, None),
            ("suboffsets", g_suboffsets, None),
            ("c_contiguous", g_contiguous, None),
            ("f_contiguous", g_contiguous, None),
            ("contiguous", g_contiguous, None),
        ],
    );
}
