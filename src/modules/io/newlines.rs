//! Newline translation (Modules/_io/textio.c
//! `_PyIncrementalNewlineDecoder_decode`): the core [`NlDecoder`] that
//! `StringIO` and `TextIOWrapper` use on code points, and the Python type
//! `_io.IncrementalNewlineDecoder` that wraps an optional byte decoder.

use std::cell::{Cell, RefCell};

use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE};
use crate::objects::{Payload, StrObj};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::parse_args;

const SEEN_LF: u8 = 1;
const SEEN_CR: u8 = 2;
const SEEN_CRLF: u8 = 4;

/// The state of a newline decoder.
#[derive(Clone, Copy, Default)]
pub struct NlDecoder {
    pub translate: bool,
    pub pendingcr: bool,
    pub seennl: u8,
}

impl NlDecoder {
    pub fn new(translate: bool) -> NlDecoder {
        NlDecoder {
            translate,
            ..NlDecoder::default()
        }
    }

    /// Decode already-decoded text: hold back a final `\r` unless
    /// `final`, record the newline kinds seen, translate when asked.
    pub fn decode(&mut self, mut out: Vec<u32>, fin: bool) -> Vec<u32> {
        if self.pendingcr && (fin || !out.is_empty()) {
            out.insert(0, u32::from(b'\r'));
            self.pendingcr = false;
        }
        if !fin && out.last() == Some(&u32::from(b'\r')) {
            out.pop();
            self.pendingcr = true;
        }
        let (cr, lf) = (u32::from(b'\r'), u32::from(b'\n'));
        let (mut ncr, mut nlf, mut ncrlf) = (0, 0, 0);
        let mut i = 0;
        while i < out.len() {
            if out[i] == cr {
                if out.get(i + 1) == Some(&lf) {
                    ncrlf += 1;
                    i += 1;
                } else {
                    ncr += 1;
                }
            } else if out[i] == lf {
                nlf += 1;
            }
            i += 1;
        }
        if nlf > 0 {
            self.seennl |= SEEN_LF;
        }
        if ncr > 0 {
            self.seennl |= SEEN_CR;
        }
        if ncrlf > 0 {
            self.seennl |= SEEN_CRLF;
        }
        if self.translate && (ncr > 0 || ncrlf > 0) {
            let mut t = Vec::with_capacity(out.len());
            let mut i = 0;
            while i < out.len() {
                if out[i] == cr {
                    t.push(lf);
                    if out.get(i + 1) == Some(&lf) {
                        i += 1;
                    }
                } else {
                    t.push(out[i]);
                }
                i += 1;
            }
            out = t;
        }
        out
    }

    /// The `newlines` attribute: None, one str, or a tuple of them.
    pub fn newlines(&self, vm: &Vm) -> Value {
        let mut kinds = Vec::new();
        if self.seennl & SEEN_CR != 0 {
            kinds.push("\r");
        }
        if self.seennl & SEEN_LF != 0 {
            kinds.push("\n");
        }
        if self.seennl & SEEN_CRLF != 0 {
            kinds.push("\r\n");
        }
        match kinds.as_slice() {
            [] => Value::None,
            [one] => vm.new_str(one),
            many => vm.new_tuple(many.iter().map(|s| vm.new_str(s)).collect()),
        }
    }
}

/// A str value from code points.
pub(crate) fn str_from_cps(vm: &Vm, cps: &[u32]) -> Value {
    if cps.iter().all(|&c| c < 0x80) {
        let s: String = cps.iter().map(|&c| char::from(c as u8)).collect();
        return vm.new_string(s);
    }
    Value::Obj(vm.new_obj(&vm.types.str, Payload::Str(StrObj::from_code_points(cps))))
}

/// The code points of a str value.
pub(crate) fn cps_of(vm: &Vm, v: &Value) -> Option<Vec<u32>> {
    vm.as_str_obj(v).map(|s| s.code_points())
}

/// `_io.IncrementalNewlineDecoder`.
pub struct NewlineDecoderObj {
    decoder: RefCell<Value>,
    state: Cell<NlDecoder>,
    initialized: Cell<bool>,
}

impl NativeData for NewlineDecoderObj {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        if let Ok(d) = self.decoder.try_borrow() {
            visit(&d);
        }
    }
}

pub(super) fn make_type(vm: &mut Vm) -> PyRef {
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "_io",
        "IncrementalNewlineDecoder",
        &object,
        Layout::Native("IncrementalNewlineDecoder"),
        FLAG_BASETYPE,
    );
    vm.add_staticmethods(&t, &[("__new__", nldecoder_new)]);
    vm.add_methods(
        &t,
        &[
            ("__init__", nldecoder_init),
            ("decode", nldecoder_decode),
            ("getstate", nldecoder_getstate),
            ("setstate", nldecoder_setstate),
            ("reset", nldecoder_reset),
        ],
    );
    vm.add_getsets(&t, &[("newlines", nldecoder_newlines, None)]);
    t
}

fn nldecoder_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) if matches!(c.payload, Payload::Type(_)) => c.clone(),
        _ => return Err(vm.type_error("IncrementalNewlineDecoder.__new__(X): X is not a type")),
    };
    Ok(Value::Obj(vm.new_native(
        &cls,
        NewlineDecoderObj {
            decoder: RefCell::new(Value::None),
            state: Cell::new(NlDecoder::default()),
            initialized: Cell::new(false),
        },
    )))
}

fn this<'a>(vm: &Vm, args: &Args<'a>, m: &str) -> PyResult<&'a NewlineDecoderObj> {
    let d = vm.native_self::<NewlineDecoderObj>(args, "_io.IncrementalNewlineDecoder", m)?;
    if !d.initialized.get() {
        return Err(vm.value_error("IncrementalNewlineDecoder.__init__() not called"));
    }
    Ok(d)
}

fn nldecoder_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(
        vm,
        &args,
        "IncrementalNewlineDecoder",
        &["decoder", "translate", "errors"],
        2,
        1,
    )?;
    let translate = vm.truthy(a[1].as_ref().unwrap_or(&Value::None))?;
    let d =
        vm.native_self::<NewlineDecoderObj>(&args, "_io.IncrementalNewlineDecoder", "__init__")?;
    *d.decoder.borrow_mut() = a[0].clone().unwrap_or(Value::None);
    d.state.set(NlDecoder::new(translate));
    d.initialized.set(true);
    Ok(Value::None)
}

fn nldecoder_decode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "decode", &["input", "final"], 1, 1)?;
    let fin = match &a[1] {
        Some(v) => vm.truthy(v)?,
        None => false,
    };
    let d = this(vm, &args, "decode")?;
    let inner = d.decoder.borrow().clone();
    let input = a[0].clone().unwrap_or(Value::None);
    let out = if inner.is_none() {
        input
    } else {
        let dec = vm.getattr_str(&inner, "decode")?;
        let fv = Value::bool(fin);
        let kw = [vm.intern("final")];
        vm.call_args(
            &dec,
            Args {
                args: &[input, fv],
                kwnames: &kw,
            },
        )?
    };
    let Some(cps) = cps_of(vm, &out) else {
        return Err(vm.type_error(format!(
            "decoder should return a string result, not '{}'",
            vm.type_name_of(&out)
        )));
    };
    let mut st = d.state.get();
    let r = st.decode(cps, fin);
    d.state.set(st);
    Ok(str_from_cps(vm, &r))
}

fn nldecoder_getstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = this(vm, &args, "getstate")?;
    let inner = d.decoder.borrow().clone();
    let (buf, flag) = if inner.is_none() {
        (vm.new_bytes(Vec::new()), 0i64)
    } else {
        let st = vm.call_method(&inner, "getstate", &[])?;
        let items = vm.seq_items(&st).unwrap_or_default();
        match items.as_slice() {
            [b, Value::Int(f)] => (b.clone(), *f),
            _ => return Err(vm.type_error("illegal decoder state")),
        }
    };
    let flag = (flag << 1) | i64::from(d.state.get().pendingcr);
    Ok(vm.new_tuple_of([buf, Value::Int(flag)]))
}

fn nldecoder_setstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse_args(vm, &args, "setstate", &["state"], 1, 1)?;
    let d = this(vm, &args, "setstate")?;
    let st = a[0].clone().unwrap_or(Value::None);
    let items = vm.seq_items(&st).unwrap_or_default();
    let (buf, flag) = match items.as_slice() {
        [b, Value::Int(f)] => (b.clone(), *f),
        _ => return Err(vm.type_error("state argument must be a tuple")),
    };
    let mut s = d.state.get();
    s.pendingcr = flag & 1 != 0;
    d.state.set(s);
    let inner = d.decoder.borrow().clone();
    if !inner.is_none() {
        let t = vm.new_tuple_of([buf, Value::Int(flag >> 1)]);
        vm.call_method(&inner, "setstate", &[t])?;
    }
    Ok(Value::None)
}

fn nldecoder_reset(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = this(vm, &args, "reset")?;
    let mut s = d.state.get();
    s.seennl = 0;
    s.pendingcr = false;
    d.state.set(s);
    let inner = d.decoder.borrow().clone();
    if !inner.is_none() {
        vm.call_method(&inner, "reset", &[])?;
    }
    Ok(Value::None)
}

fn nldecoder_newlines(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match vm.native::<NewlineDecoderObj>(v) {
        Some(d) => Ok(d.state.get().newlines(vm)),
        None => Ok(Value::None),
    }
}
