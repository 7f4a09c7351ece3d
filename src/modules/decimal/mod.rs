//! Native fast paths for `_decimal` (src/modules/accel/decimal.py).
//!
//! pycvm's `_decimal` is `_pydecimal` given C's behaviour by a Python
//! shim. Its `Decimal` keeps `_pydecimal`'s representation (the slots
//! `_sign`, `_int` (a str of digits), `_exp`, `_is_special`), and its
//! `Context` is `_pydecimal`'s class with the shim's `SignalDict`s. The
//! functions here replace the hot methods of those two classes
//! (construction, `+ - * /`, unary signs, comparisons, `hash`, `str`,
//! `repr`, `quantize`, `int`) with native code for finite operands of at
//! most 38 digits under an exact `Context`, and hand every other case to
//! the Python method they replace (kept in [`St::orig`]): the native
//! results are the ones `_pydecimal` would give (num.rs), and anything
//! that could raise, or signal more than `Inexact`/`Rounded`, runs the
//! Python code, so no behaviour changes.

mod num;
mod ops;

pub use ops::binary_hook;

use std::cell::RefCell;

use crate::objects::attrs::{lookup, Lookup};
use crate::objects::function::{Args, DescrKind, MethodDescr, NativeFn};
use crate::objects::rc::Rc;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use num::{Ctx, Fin, Round};

/// What the fast paths need of the `_decimal` module.
pub struct St {
    dec: PyRef,
    ctx_cls: PyRef,
    sigdict: PyRef,
    inexact: Value,
    rounded: Value,
    ctxvar: Option<PyRef>,
    getcontext: Value,
    /// Slot indices of `_exp`, `_int`, `_is_special`, `_sign`.
    slots: [usize; 4],
    nslots: usize,
    /// Slot index of `SignalDict._d`.
    sd_d: usize,
    names: Names,
    /// The index of each of [`Names::ctx_attrs`] in `Context`'s shared
    /// keys (the inline values of its instances), once all are there.
    ctx_idx: std::cell::Cell<Option<[usize; 8]>>,
    /// Bumped by every `Context.__setattr__` (which the native
    /// `ctx_setattr` wraps): a cached [`CtxCache`] of an older generation
    /// is stale.
    gen: std::cell::Cell<u64>,
    /// The two contexts loaded last.
    cache: RefCell<[Option<CtxCache>; 2]>,
    /// The Python methods replaced: (class is Context, name, function).
    orig: Vec<(bool, &'static str, Value)>,
    /// The decimal context that was current at a context generation
    /// (`contextvars::generation`).
    cur: RefCell<Option<(u64, Value)>>,
    /// The current context loaded, at (context generation, [`St::gen`]),
    /// with its `_ignored_flags` list (which must still be empty).
    cur_cx: RefCell<Option<CurCtx>>,
    /// `Decimal._int`'s slot member, which the `_int` getset wraps.
    int_member: PyRef,
    /// `Decimal`'s type version once the native methods are in: while it
    /// holds, `a + b` may go straight to them ([`ops::binary_hook`]).
    dec_version: u64,
}

/// The coefficient of a Decimal as its `_int` slot holds it: `_pydecimal`'s
/// str of digits, or (results made here) the int it spells, which the
/// `_int` getset turns into the str when Python code reads it.
pub enum Digits {
    Str(PyRef),
    Small(u64),
}

impl Digits {
    /// The digits as `_pydecimal`'s `_int` spells them.
    fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Digits::Str(s) => std::borrow::Cow::Borrowed(crate::vm::proto::str_of(s)),
            Digits::Small(n) => {
                std::borrow::Cow::Owned(self::num::SmallDigits::new(*n).as_str().to_owned())
            }
        }
    }

    /// `f` of the digits as `_pydecimal`'s `_int` spells them (a small
    /// coefficient spelled on the stack).
    fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        match self {
            Digits::Str(s) => f(crate::vm::proto::str_of(s)),
            Digits::Small(n) => f(num::SmallDigits::new(*n).as_str()),
        }
    }

    fn is_zero(&self) -> bool {
        match self {
            Digits::Str(s) => crate::vm::proto::str_of(s) == "0",
            Digits::Small(n) => *n == 0,
        }
    }

    /// The slot value.
    fn value(self) -> Value {
        match self {
            Digits::Str(s) => Value::Obj(s),
            Digits::Small(n) => i64::try_from(n).map_or(Value::None, Value::Int),
        }
    }
}

struct Names {
    prec: PyRef,
    rounding: PyRef,
    emin: PyRef,
    emax: PyRef,
    clamp: PyRef,
    capitals: PyRef,
    flags: PyRef,
    traps: PyRef,
    ignored: PyRef,
}

impl Names {
    /// The context attributes [`St::load_ctx`] reads, in its order.
    fn ctx_attrs(&self) -> [&PyRef; 8] {
        [
            &self.prec,
            &self.emin,
            &self.emax,
            &self.clamp,
            &self.rounding,
            &self.ignored,
            &self.flags,
            &self.traps,
        ]
    }
}

crate::interp_local! {
    static STATE: RefCell<Option<Rc<St>>> = const { RefCell::new(None) };
}

fn state(vm: &Vm) -> PyResult<Rc<St>> {
    STATE
        .with(|s| s.borrow().clone())
        .ok_or_else(|| vm.system_error("_decimal's native state is missing"))
}

/// A context loaded before: valid while no `Context` attribute was set
/// since (`gen`). The weak reference keeps the address from being reused.
struct CtxCache {
    ctx: crate::objects::rc::Weak<crate::objects::PyObject>,
    gen: u64,
    c: Ctx,
    ignored: PyRef,
    flags: PyRef,
    traps: PyRef,
}

/// [`St::cur_cx`]: the generations, the settings, the ignored flags.
type CurCtx = ((u64, u64), CtxV, PyRef);

/// A loaded context: its settings and its flag and trap dicts.
#[derive(Clone)]
pub struct CtxV {
    c: Ctx,
    flags: PyRef,
    traps: PyRef,
}

impl St {
    /// `f` of the sign, the coefficient slot and the exponent slot of an
    /// exact finite `Decimal` (`_is_special` false, `_sign` 0 or 1), read
    /// in place under one borrow of its slots.
    fn with_finite<R>(
        &self,
        v: &Value,
        f: impl FnOnce(bool, &Value, &Value) -> Option<R>,
    ) -> Option<R> {
        let Value::Obj(o) = v else { return None };
        if !o.class_is(&self.dec) {
            return None;
        }
        let Payload::Instance(cell) = &o.payload else {
            return None;
        };
        let s = cell.try_borrow().ok()?;
        let [ie, ii, isp, isg] = self.slots;
        if !matches!(s.get(isp)?, Value::Bool(t) if !t.get()) {
            return None;
        }
        let neg = match s.get(isg)? {
            Value::Int(0) => false,
            Value::Int(1) => true,
            _ => return None,
        };
        f(neg, s.get(ii)?, s.get(ie)?)
    }

    /// The slot values of an exact `Decimal`.
    fn parts(&self, v: &Value) -> Option<(bool, Digits, Value)> {
        self.with_finite(v, |neg, coeff, exp| {
            let digits = match coeff {
                Value::Obj(d) if matches!(d.payload, Payload::Str(_)) => Digits::Str(d.clone()),
                Value::Int(n) => Digits::Small(u64::try_from(*n).ok()?),
                _ => return None,
            };
            Some((neg, digits, exp.clone()))
        })
    }

    /// A finite exact `Decimal` of at most 38 digits (`parts` read in
    /// place: nothing cloned).
    fn fin(&self, v: &Value) -> Option<Fin> {
        self.with_finite(v, |neg, coeff, exp| {
            let coeff = match coeff {
                Value::Int(n) => u128::from(u64::try_from(*n).ok()?),
                Value::Obj(d) => match &d.payload {
                    Payload::Str(_) => num::parse_coeff(crate::vm::proto::str_of(d))?,
                    _ => return None,
                },
                _ => return None,
            };
            let Value::Int(exp) = exp else {
                return None;
            };
            Some(Fin::new(neg, coeff, *exp))
        })
    }

    /// A finite `Decimal` or an exact int (`_convert_other`).
    fn fin_or_int(&self, v: &Value) -> Option<Fin> {
        match v {
            Value::Int(i) => Some(Fin::from_i64(*i)),
            _ => self.fin(v),
        }
    }

    /// A new exact `Decimal` from its slot values.
    fn make_parts(&self, vm: &Vm, neg: bool, digits: Value, exp: Value) -> Value {
        let mut slots: Box<[Value]> = if self.nslots == 4 {
            Box::new([Value::Null, Value::Null, Value::Null, Value::Null])
        } else {
            vec![Value::Null; self.nslots].into_boxed_slice()
        };
        let [ie, ii, isp, isg] = self.slots;
        let put = |slots: &mut Box<[Value]>, i: usize, v: Value| {
            if let Some(s) = slots.get_mut(i) {
                *s = v;
            }
        };
        put(&mut slots, ie, exp);
        put(&mut slots, ii, digits);
        put(&mut slots, isp, Value::bool(false));
        put(&mut slots, isg, Value::Int(i64::from(neg)));
        Value::Obj(vm.new_instance_of(&self.dec, Payload::Instance(RefCell::new(slots))))
    }

    fn make(&self, vm: &Vm, f: Fin) -> Value {
        let digits = match i64::try_from(f.coeff) {
            Ok(n) => Value::Int(n),
            Err(_) => vm.new_string(num::coeff_str(f.coeff)),
        };
        self.make_parts(vm, f.neg, digits, Value::Int(f.exp))
    }

    /// Whether `Decimal`'s dict is as [`install`] left it.
    fn unchanged(&self) -> bool {
        crate::objects::typeobj::type_data(&self.dec)
            .is_some_and(|t| t.version.get() == self.dec_version)
    }

    /// The Python method `name` replaced (of Context when `ctx`).
    fn orig(&self, vm: &Vm, ctx: bool, name: &str) -> PyResult<Value> {
        self.orig
            .iter()
            .find(|(c, n, _)| *c == ctx && *n == name)
            .map(|(_, _, f)| f.clone())
            .ok_or_else(|| vm.system_error(format!("_decimal: no method {name}")))
    }

    /// The current context (`getcontext()`).
    fn current(&self, vm: &mut Vm) -> PyResult<Value> {
        if let Some(var) = &self.ctxvar {
            use crate::modules::contextvars::{current_vars, generation, lookup_in};
            let gen = generation();
            if let Ok(c) = self.cur.try_borrow() {
                if let Some((g, ctx)) = &*c {
                    if *g == gen {
                        return Ok(ctx.clone());
                    }
                }
            }
            let vars = current_vars(vm)?;
            if let Some(v) = lookup_in(&vars, var) {
                if let Ok(mut c) = self.cur.try_borrow_mut() {
                    let old = c.replace((gen, v.clone()));
                    drop(c);
                    drop(old);
                }
                return Ok(v);
            }
        }
        let f = self.getcontext.clone();
        vm.call(&f, &[])
    }

    /// The attributes [`Names::ctx_attrs`] of the context `o`.
    fn ctx_attrs(&self, vm: &mut Vm, o: &PyRef) -> PyResult<[Option<Value>; 8]> {
        let idx = match self.ctx_idx.get() {
            Some(i) => Some(i),
            None => {
                let td = crate::objects::typeobj::type_data(&self.ctx_cls);
                let mut out = [0usize; 8];
                let mut all = td.is_some();
                if let Some(td) = td {
                    for (slot, name) in out.iter_mut().zip(self.names.ctx_attrs()) {
                        match crate::objects::attrs::key_index(td, name) {
                            Some(i) => *slot = i,
                            None => all = false,
                        }
                    }
                }
                if all {
                    self.ctx_idx.set(Some(out));
                    Some(out)
                } else {
                    None
                }
            }
        };
        let mut vals: [Option<Value>; 8] = std::array::from_fn(|_| None);
        for (k, (v, name)) in vals.iter_mut().zip(self.names.ctx_attrs()).enumerate() {
            let fast = idx.and_then(|ix| ix.get(k).and_then(|&i| o.value_at(i)));
            *v = match fast {
                Some(x) => Some(x),
                None => own_attr(vm, o, name)?,
            };
        }
        Ok(vals)
    }

    /// [`St::load_ctx`] of the current context.
    fn current_ctx(&self, vm: &mut Vm) -> PyResult<Option<CtxV>> {
        let key = (crate::modules::contextvars::generation(), self.gen.get());
        if let Ok(c) = self.cur_cx.try_borrow() {
            if let Some((k, cx, ignored)) = &*c {
                if *k == key && list_is_empty(ignored) {
                    return Ok(Some(cx.clone()));
                }
            }
        }
        let v = self.current(vm)?;
        let Some((cx, ignored)) = self.load_ctx_full(vm, &v)? else {
            return Ok(None);
        };
        if let Ok(mut c) = self.cur_cx.try_borrow_mut() {
            let old = c.replace((key, cx.clone(), ignored));
            drop(c);
            drop(old);
        }
        Ok(Some(cx))
    }

    /// The settings of an exact `Context` whose ignored flags are empty.
    fn load_ctx(&self, vm: &mut Vm, v: &Value) -> PyResult<Option<CtxV>> {
        Ok(self.load_ctx_full(vm, v)?.map(|(cx, _)| cx))
    }

    /// [`St::load_ctx`] and the context's `_ignored_flags` list.
    fn load_ctx_full(&self, vm: &mut Vm, v: &Value) -> PyResult<Option<(CtxV, PyRef)>> {
        let Value::Obj(o) = v else { return Ok(None) };
        if !o.class_is(&self.ctx_cls) {
            return Ok(None);
        }
        let gen = self.gen.get();
        if let Ok(cache) = self.cache.try_borrow() {
            for e in cache.iter().flatten() {
                if e.gen == gen && std::ptr::eq(e.ctx.as_ptr(), Rc::as_ptr(o)) {
                    if !list_is_empty(&e.ignored) {
                        return Ok(None);
                    }
                    let cx = CtxV {
                        c: e.c,
                        flags: e.flags.clone(),
                        traps: e.traps.clone(),
                    };
                    return Ok(Some((cx, e.ignored.clone())));
                }
            }
        }
        let Some((cx, ignored)) = self.load_ctx_slow(vm, o)? else {
            return Ok(None);
        };
        if let Ok(mut cache) = self.cache.try_borrow_mut() {
            let [a, b] = &mut *cache;
            *b = a.take();
            *a = Some(CtxCache {
                ctx: Rc::downgrade(o),
                gen,
                c: cx.c,
                ignored: ignored.clone(),
                flags: cx.flags.clone(),
                traps: cx.traps.clone(),
            });
        }
        Ok(Some((cx, ignored)))
    }

    /// [`St::load_ctx`] from the context's attributes, and its
    /// `_ignored_flags` list.
    fn load_ctx_slow(&self, vm: &mut Vm, o: &PyRef) -> PyResult<Option<(CtxV, PyRef)>> {
        let [prec, emin, emax, clamp, rounding, ignored, flags, traps] = self.ctx_attrs(vm, o)?;
        let (
            Some(Value::Int(prec)),
            Some(Value::Int(emin)),
            Some(Value::Int(emax)),
            Some(Value::Int(clamp)),
        ) = (prec, emin, emax, clamp)
        else {
            return Ok(None);
        };
        if prec < 1 {
            return Ok(None);
        }
        let round = match rounding {
            Some(Value::Obj(r)) if matches!(r.payload, Payload::Str(_)) => {
                match Round::from_name(crate::vm::proto::str_of(&r)) {
                    Some(r) => r,
                    None => return Ok(None),
                }
            }
            _ => return Ok(None),
        };
        let ignored = match ignored {
            Some(Value::Obj(l)) if matches!(l.payload, Payload::List(_)) => l,
            _ => return Ok(None),
        };
        if !list_is_empty(&ignored) {
            return Ok(None);
        }
        let (Some(flags), Some(traps)) = (self.signal_dict(flags), self.signal_dict(traps)) else {
            return Ok(None);
        };
        let cx = CtxV {
            c: Ctx {
                prec,
                round,
                emin,
                emax,
                clamp: clamp != 0,
            },
            flags,
            traps,
        };
        Ok(Some((cx, ignored)))
    }

    /// The `_d` dict of an exact `SignalDict`.
    fn signal_dict(&self, v: Option<Value>) -> Option<PyRef> {
        let Some(Value::Obj(o)) = v else { return None };
        if !o.class_is(&self.sigdict) {
            return None;
        }
        let Payload::Instance(cell) = &o.payload else {
            return None;
        };
        let s = cell.try_borrow().ok()?;
        match s.get(self.sd_d)? {
            Value::Obj(d) if matches!(d.payload, Payload::Dict(_)) => Some(d.clone()),
            _ => None,
        }
    }

    /// Raise the signals `flags` (num::INEXACT, num::ROUNDED) in the
    /// context: false (nothing changed) when one of them is trapped, for
    /// the Python method to raise it.
    fn signal(&self, vm: &mut Vm, cx: &CtxV, flags: u8) -> PyResult<bool> {
        if flags == 0 {
            return Ok(true);
        }
        let sigs = [(num::INEXACT, &self.inexact), (num::ROUNDED, &self.rounded)];
        let want = sigs.map(|(bit, _)| flags & bit != 0);
        let traps = sig_get2(&cx.traps, &self.inexact, &self.rounded);
        let untrapped = |v: &Option<Value>| match v {
            Some(Value::Bool(b)) => !b.get(),
            Some(Value::Int(i)) => *i == 0,
            _ => false,
        };
        if want.iter().zip(&traps).any(|(w, t)| *w && !untrapped(t)) {
            return Ok(false);
        }
        let set = sig_get2(&cx.flags, &self.inexact, &self.rounded);
        let is_true = |v: &Option<Value>| matches!(v, Some(Value::Bool(b)) if b.get());
        if want.iter().zip(&set).all(|(w, f)| !*w || is_true(f)) {
            return Ok(true);
        }
        for (bit, sig) in sigs {
            if flags & bit != 0 && !sig_set(&cx.flags, sig) {
                // Not an entry of the dict (`_d` is made with all nine).
                vm.dict_set(&cx.flags, sig.clone(), Value::bool(true))?;
            }
        }
        Ok(true)
    }

    /// A `Context.__setattr__` ran: loaded contexts are stale.
    fn context_changed(&self) {
        self.gen.set(self.gen.get().wrapping_add(1));
    }
}

/// The values of the signals `a` and `b` in a signal dict (one pass over
/// its entries; None: absent).
fn sig_get2(d: &PyRef, a: &Value, b: &Value) -> [Option<Value>; 2] {
    let mut out = [None, None];
    let Payload::Dict(t) = &d.payload else {
        return out;
    };
    let Ok(t) = t.try_borrow() else {
        return out;
    };
    // The shim makes every `_d` in C's signal order: Inexact and Rounded
    // are its seventh and eighth entries unless keys were moved.
    let at = |pos: usize, k: &Value| {
        t.entry(pos)
            .filter(|e| e.key.is(k))
            .map(|e| e.value.clone())
    };
    if let (Some(x), Some(y)) = (at(6, a), at(7, b)) {
        return [Some(x), Some(y)];
    }
    for e in t.iter() {
        if e.key.is(a) {
            out[0] = Some(e.value.clone());
        } else if e.key.is(b) {
            out[1] = Some(e.value.clone());
        }
    }
    out
}

/// Set the signal `sig` of a signal dict to True (false: it is not a key).
fn sig_set(d: &PyRef, sig: &Value) -> bool {
    let Payload::Dict(t) = &d.payload else {
        return false;
    };
    let pos = {
        let Ok(tb) = t.try_borrow() else {
            return false;
        };
        let mut found = None;
        for pos in 0..tb.entry_slots() {
            if let Some(e) = tb.entry(pos) {
                if e.key.is(sig) {
                    if matches!(e.value, Value::Bool(b) if b.get()) {
                        return true;
                    }
                    found = Some(pos);
                    break;
                }
            }
        }
        found
    };
    let Some(pos) = pos else { return false };
    let old = match t.try_borrow_mut() {
        Ok(mut tb) => tb.replace_value(pos, Value::bool(true)),
        Err(_) => return false,
    };
    drop(old);
    true
}

/// Whether a list object is empty (anything else: no).
fn list_is_empty(l: &PyRef) -> bool {
    matches!(&l.payload, Payload::List(items) if items.is_empty())
}

/// `obj.name` from the object's own attributes (no descriptors).
fn own_attr(vm: &mut Vm, o: &PyRef, name: &PyRef) -> PyResult<Option<Value>> {
    Ok(match lookup(o, name) {
        Lookup::Found(v) => Some(v),
        Lookup::Dict(d) => vm.dict_get_str_nocall(&d, name)?,
        _ => None,
    })
}

/// The module global `name` of `_decimal`.
fn global(vm: &mut Vm, m: &PyRef, name: &str) -> PyResult<Value> {
    vm.get_attr_raw(m, name)
        .ok_or_else(|| vm.system_error(format!("_decimal has no {name}")))
}

fn class(vm: &mut Vm, m: &PyRef, name: &str) -> PyResult<PyRef> {
    match global(vm, m, name)? {
        Value::Obj(o) if matches!(o.payload, Payload::Type(_)) => Ok(o),
        _ => Err(vm.system_error(format!("_decimal.{name} is not a class"))),
    }
}

/// The slot index of the member `name` of `cls`.
fn member_index(vm: &mut Vm, cls: &PyRef, name: &str) -> PyResult<usize> {
    match vm.get_attr_raw(cls, name) {
        Some(Value::Obj(o)) => match &o.payload {
            Payload::Member(md) => Ok(md.index),
            _ => Err(vm.system_error(format!("_decimal: {name} is not a slot"))),
        },
        _ => Err(vm.system_error(format!("_decimal: no slot {name}"))),
    }
}

/// Put the native methods of ops.rs on `_decimal`'s `Decimal` and
/// `Context` (the module `m` just ran its shim).
pub fn install(vm: &mut Vm, m: &PyRef) -> PyResult<()> {
    let dec = class(vm, m, "Decimal")?;
    let ctx_cls = class(vm, m, "Context")?;
    let sigdict = class(vm, m, "SignalDict")?;
    let inexact = global(vm, m, "Inexact")?;
    let rounded = global(vm, m, "Rounded")?;
    let getcontext = global(vm, m, "getcontext")?;
    let ctxvar = match vm.get_attr_raw(m, "_py") {
        Some(Value::Obj(py)) => match vm.get_attr_raw(&py, "_current_context_var") {
            Some(Value::Obj(v)) => Some(v),
            _ => None,
        },
        _ => None,
    };
    let slots = [
        member_index(vm, &dec, "_exp")?,
        member_index(vm, &dec, "_int")?,
        member_index(vm, &dec, "_is_special")?,
        member_index(vm, &dec, "_sign")?,
    ];
    let nslots = crate::objects::typeobj::type_data(&dec)
        .map(|t| t.slot_count.get())
        .unwrap_or(0);
    if slots.iter().any(|&i| i >= nslots) {
        return Err(vm.system_error("_decimal: Decimal's slots are not as expected"));
    }
    let sd_d = member_index(vm, &sigdict, "_d")?;
    let int_member = match vm.get_attr_raw(&dec, "_int") {
        Some(Value::Obj(o)) if matches!(o.payload, Payload::Member(_)) => o,
        _ => return Err(vm.system_error("_decimal: Decimal._int is not a slot")),
    };
    let names = Names {
        prec: vm.intern("prec"),
        rounding: vm.intern("rounding"),
        emin: vm.intern("Emin"),
        emax: vm.intern("Emax"),
        clamp: vm.intern("clamp"),
        capitals: vm.intern("capitals"),
        flags: vm.intern("flags"),
        traps: vm.intern("traps"),
        ignored: vm.intern("_ignored_flags"),
    };
    let mut orig = Vec::new();
    orig.push((false, "__new__", global(vm, m, "_new")?));
    for (name, _) in ops::DECIMAL_METHODS {
        let f = vm
            .get_attr_raw(&dec, name)
            .ok_or_else(|| vm.system_error(format!("Decimal has no {name}")))?;
        orig.push((false, *name, f));
    }
    for (name, _) in ops::CONTEXT_METHODS {
        let f = vm
            .get_attr_raw(&ctx_cls, name)
            .ok_or_else(|| vm.system_error(format!("Context has no {name}")))?;
        orig.push((true, *name, f));
    }
    let st = St {
        gen: std::cell::Cell::new(0),
        cache: RefCell::new([None, None]),
        dec: dec.clone(),
        ctx_cls: ctx_cls.clone(),
        sigdict,
        inexact,
        rounded,
        ctxvar,
        getcontext,
        slots,
        nslots,
        sd_d,
        names,
        ctx_idx: std::cell::Cell::new(None),
        orig,
        int_member,
        dec_version: 0,
        cur: RefCell::new(None),
        cur_cx: RefCell::new(None),
    };
    STATE.with(|s| *s.borrow_mut() = Some(Rc::new(st)));
    // C's Decimal is not a GC type: its instances are untracked
    // (`gc.is_tracked(Decimal(1))` is False), unlike a subclass's.
    if let Some(td) = crate::objects::typeobj::type_data(&dec) {
        td.flags
            .set(td.flags.get() | crate::objects::typeobj::FLAG_UNTRACKED);
        crate::objects::gc::untrack_instances_of(&dec);
    }
    set_descrs(vm, &dec, ops::DECIMAL_METHODS, DescrKind::Method)?;
    set_descrs(
        vm,
        &dec,
        &[("__new__", ops::dec_new as NativeFn)],
        DescrKind::Static,
    )?;
    set_descrs(vm, &ctx_cls, ops::CONTEXT_METHODS, DescrKind::Method)?;
    let getset = vm.new_obj(
        &vm.types.getset_descriptor.clone(),
        Payload::GetSet(Box::new(crate::objects::function::GetSet {
            name: "_int",
            get: int_get,
            set: Some(int_set),
            owner: dec.clone(),
        })),
    );
    let key = vm.intern("_int");
    vm.setattr(&Value::Obj(dec.clone()), &key, Some(Value::Obj(getset)))?;
    // `a + b` goes to the native methods while Decimal's dict is as now
    // (and has no in-place methods, which would come first).
    let inplace = ["__iadd__", "__isub__", "__imul__", "__itruediv__"];
    let version = if inplace.iter().any(|n| vm.get_attr_raw(&dec, n).is_some()) {
        0
    } else {
        crate::objects::typeobj::type_data(&dec).map_or(0, |t| t.version.get())
    };
    STATE.with(|s| {
        if let Some(st) = s.borrow_mut().as_mut().and_then(Rc::get_mut) {
            st.dec_version = version;
        }
    });
    Ok(())
}

/// `d._int`: the slot's str of digits; a coefficient held as an int
/// (see [`Digits`]) becomes that str, kept in the slot from then on.
fn int_get(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    let st = state(vm)?;
    let Payload::Member(md) = &st.int_member.payload else {
        return Err(vm.system_error("_decimal: Decimal._int is not a slot"));
    };
    if let Value::Obj(o) = obj {
        if let Payload::Instance(cell) = &o.payload {
            let small = match cell.try_borrow() {
                Ok(s) => match s.get(md.index) {
                    Some(Value::Int(n)) => Some(*n),
                    _ => None,
                },
                Err(_) => None,
            };
            let ty = vm.type_of(obj);
            if let Some(n) = small.filter(|_| crate::objects::typeobj::is_subtype(&ty, &st.dec)) {
                let text = vm.new_string(n.to_string());
                if let Ok(mut slots) = cell.try_borrow_mut() {
                    if let Some(slot) = slots.get_mut(md.index) {
                        let old = std::mem::replace(slot, text.clone());
                        drop(slots);
                        drop(old);
                    }
                }
                return Ok(text);
            }
        }
    }
    vm.member_get(md, obj)
}

/// `d._int = v` / `del d._int`: the slot member's.
fn int_set(vm: &mut Vm, obj: &Value, value: Option<Value>) -> PyResult<()> {
    let st = state(vm)?;
    let Payload::Member(md) = &st.int_member.payload else {
        return Err(vm.system_error("_decimal: Decimal._int is not a slot"));
    };
    vm.member_set(md, obj, value)
}

/// Set native method descriptors on a class (through its `__setattr__`,
/// which updates its slots and version).
fn set_descrs(
    vm: &mut Vm,
    cls: &PyRef,
    methods: &[(&'static str, NativeFn)],
    kind: DescrKind,
) -> PyResult<()> {
    let meta = match kind {
        DescrKind::Static => vm.types.builtin_function.clone(),
        _ => vm.types.method_descriptor.clone(),
    };
    for (name, func) in methods {
        let d = vm.new_obj(
            &meta,
            Payload::MethodDescr(Box::new(MethodDescr {
                name,
                func: *func,
                owner: cls.clone(),
                kind,
                slot: false,
                arity: None,
            })),
        );
        let key = vm.intern(name);
        vm.setattr(&Value::Obj(cls.clone()), &key, Some(Value::Obj(d)))?;
    }
    Ok(())
}

/// Run the Python method `name` that a native one replaced.
fn fallback(vm: &mut Vm, st: &St, ctx: bool, name: &str, args: Args) -> PyResult<Value> {
    let f = st.orig(vm, ctx, name)?;
    vm.call_args(&f, args)
}
