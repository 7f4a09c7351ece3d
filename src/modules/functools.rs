//! `_functools` (CPython's Modules/_functoolsmodule.c): `reduce`,
//! `cmp_to_key` (its `KeyWrapper` objects) and `partial` (flattening
//! nested partials, repr, pickling state) and `_lru_cache_wrapper` (the
//! engine of `lru_cache`: a dict from argument keys to slots of a linked
//! list kept in least-recently-used order).

use std::cell::RefCell;

use crate::modules::itertools::clinic::{self, parse, Sig};
use crate::objects::exception::ExcKind;
use crate::objects::function::{Args, NativeFn};
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE, FLAG_HAS_DICT};
use crate::objects::Payload;
use crate::vm::proto::{str_of, CmpOp};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

fn functools_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.has_kwargs() {
        return Err(vm.type_error("reduce() takes no keyword arguments"));
    }
    let a = clinic::positional(vm, &args, 0, "reduce", 2, 3)?;
    let it = match vm.iter(&a[1]) {
        Ok(it) => it,
        Err(e) if vm.err_is(&e, ExcKind::TypeError) => {
            return Err(vm.type_error("reduce() arg 2 must support iteration"))
        }
        Err(e) => return Err(e),
    };
    let mut acc = a.get(2).cloned();
    while let Some(x) = vm.next(&it)? {
        acc = Some(match acc {
            None => x,
            Some(v) => vm.call(&a[0], &[v, x])?,
        });
    }
    acc.ok_or_else(|| vm.type_error("reduce() of empty iterable with no initial value"))
}

/// A `functools.KeyWrapper`: the comparison function and the wrapped
/// object (None for the function `cmp_to_key` returns).
struct KeyWrapper {
    cmp: Value,
    obj: RefCell<Option<Value>>,
}

impl NativeData for KeyWrapper {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&self.cmp);
        if let Ok(o) = self.obj.try_borrow() {
            o.iter().for_each(visit);
        }
    }

    fn clear(&self, out: &mut Vec<Value>) {
        if let Ok(mut o) = self.obj.try_borrow_mut() {
            out.extend(o.take());
        }
    }
}

crate::interp_local! {
    static KEY_TYPE: RefCell<Option<PyRef>> = const { RefCell::new(None) };
}

fn key_type(vm: &Vm) -> PyResult<PyRef> {
    KEY_TYPE
        .with(|k| k.borrow().clone())
        .ok_or_else(|| vm.system_error("_functools is not initialised"))
}

fn cmp_to_key(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse(vm, &args, 0, &Sig::new("cmp_to_key", &["mycmp"], 1))?;
    let t = key_type(vm)?;
    let k = KeyWrapper {
        cmp: a[0].clone().unwrap_or(Value::None),
        obj: RefCell::new(None),
    };
    Ok(Value::Obj(vm.new_native(&t, k)))
}

fn kw<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a KeyWrapper> {
    vm.native::<KeyWrapper>(v)
        .ok_or_else(|| vm.type_error("other argument must be K instance"))
}

fn key_call(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let cmp = kw(vm, &s)?.cmp.clone();
    let a = parse(vm, &args, 1, &Sig::new("K", &["obj"], 1))?;
    let t = vm.type_of(&s);
    let k = KeyWrapper {
        cmp,
        obj: RefCell::new(a[0].clone()),
    };
    Ok(Value::Obj(vm.new_native(&t, k)))
}

fn key_cmp(vm: &mut Vm, args: Args, op: CmpOp) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let o = args.args.get(1).cloned().unwrap_or(Value::None);
    let me = kw(vm, &s)?;
    if !crate::objects::rc::Rc::ptr_eq(&vm.type_of(&s), &vm.type_of(&o)) {
        return Err(vm.type_error("other argument must be K instance"));
    }
    let other = kw(vm, &o)?;
    let x = me.obj.borrow().clone().unwrap_or(Value::None);
    let y = other.obj.borrow().clone().unwrap_or(Value::None);
    let r = vm.call(&me.cmp, &[x, y])?;
    vm.richcompare(&r, &Value::Int(0), op)
}

macro_rules! key_cmps {
    ($($f:ident, $op:ident;)*) => {
        $( fn $f(vm: &mut Vm, args: Args) -> PyResult<Value> { key_cmp(vm, args, CmpOp::$op) } )*
    };
}
key_cmps! { key_lt, Lt; key_le, Le; key_eq, Eq; key_ne, Ne; key_gt, Gt; key_ge, Ge; }

fn key_get_obj(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match kw(vm, v)?.obj.borrow().clone() {
        Some(o) => Ok(o),
        None => Err(vm.attribute_error("obj")),
    }
}

fn key_set_obj(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let old = kw(vm, v)?.obj.replace(new);
    drop(old);
    Ok(())
}

/// A `functools.partial`.
struct Partial {
    func: RefCell<Value>,
    args: RefCell<Value>,
    kw: RefCell<Value>,
}

impl NativeData for Partial {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        for c in [&self.func, &self.args, &self.kw] {
            if let Ok(v) = c.try_borrow() {
                visit(&v);
            }
        }
    }

    /// `partial_clear`: function, arguments and keywords go.
    fn clear(&self, out: &mut Vec<Value>) {
        for c in [&self.func, &self.args, &self.kw] {
            if let Ok(mut v) = c.try_borrow_mut() {
                out.push(std::mem::replace(&mut *v, Value::None));
            }
        }
    }
}

fn part<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a Partial> {
    vm.native::<Partial>(v)
        .ok_or_else(|| vm.type_error("descriptor requires a 'functools.partial' object"))
}

fn partial_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = clinic::cls_arg(vm, &args, "partial")?;
    let pos = args.pos().get(1..).unwrap_or(&[]);
    let Some(mut func) = pos.first().cloned() else {
        return Err(vm.type_error("type 'partial' takes at least one argument"));
    };
    let mut pargs: Vec<Value> = Vec::new();
    let kwd = vm.new_dict();
    if let Some(inner) = vm.native::<Partial>(&func) {
        // Flattened when called through partial's own `__call__`, as
        // CPython checks `tp_call == partial_call`.
        let ft = vm.type_of(&func);
        let own_call = vm.type_lookup_static(&ft, "__call__");
        let same_call = matches!(&own_call, Some(Value::Obj(d)) if matches!(&d.payload,
            Payload::MethodDescr(md) if std::ptr::fn_addr_eq(md.func, partial_call as NativeFn)));
        if same_call {
            pargs = vm.seq_items(&inner.args.borrow()).unwrap_or_default();
            let ikw = inner.kw.borrow().clone();
            let f = inner.func.borrow().clone();
            if let Value::Obj(d) = &ikw {
                for (k, v) in vm.dict_items(d) {
                    vm.dict_set(&kwd, k, v)?;
                }
            }
            func = f;
        }
    }
    if !vm.callable(&func) {
        return Err(vm.type_error("the first argument must be callable"));
    }
    pargs.extend(pos.get(1..).unwrap_or(&[]).iter().cloned());
    for (k, v) in args.kwargs() {
        vm.dict_set(&kwd, Value::Obj(k.clone()), v.clone())?;
    }
    let p = Partial {
        func: RefCell::new(func),
        args: RefCell::new(vm.new_tuple(pargs)),
        kw: RefCell::new(Value::Obj(kwd)),
    };
    Ok(Value::Obj(vm.new_native(&cls, p)))
}

fn partial_call(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let p = part(vm, &s)?;
    let func = p.func.borrow().clone();
    let mut all = vm.seq_items(&p.args.borrow()).unwrap_or_default();
    all.extend(args.pos().get(1..).unwrap_or(&[]).iter().cloned());
    let mut names: Vec<PyRef> = Vec::new();
    let mut vals: Vec<Value> = Vec::new();
    let stored = p.kw.borrow().clone();
    if let Value::Obj(d) = &stored {
        for (k, v) in vm.dict_items(d) {
            // Keys put into `keywords` by hand must still be strings
            // (`_PyStack_UnpackDict`).
            match &k {
                Value::Obj(ko) if matches!(ko.payload, Payload::Str(_)) => {
                    names.push(ko.clone());
                    vals.push(v);
                }
                _ => return Err(vm.type_error("keywords must be strings")),
            }
        }
    }
    for (k, v) in args.kwargs() {
        match names.iter().position(|n| str_of(n) == str_of(k)) {
            Some(i) => {
                if let Some(slot) = vals.get_mut(i) {
                    *slot = v.clone();
                }
            }
            None => {
                names.push(k.clone());
                vals.push(v.clone());
            }
        }
    }
    all.extend(vals);
    vm.call_args(
        &func,
        Args {
            args: &all,
            kwnames: &names,
        },
    )
}

fn partial_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let p = part(vm, &s)?;
    let Value::Obj(so) = &s else {
        return Ok(vm.new_str("partial(...)"));
    };
    if !vm.repr_enter(so) {
        return Ok(vm.new_str("..."));
    }
    let r = (|| -> PyResult<String> {
        let mut out = vec![vm.repr(&p.func.borrow().clone())?];
        for a in vm.seq_items(&p.args.borrow()).unwrap_or_default() {
            out.push(vm.repr(&a)?);
        }
        let stored = p.kw.borrow().clone();
        if let Value::Obj(d) = &stored {
            for (k, v) in vm.dict_items(d) {
                out.push(format!("{}={}", vm.str(&k)?, vm.repr(&v)?));
            }
        }
        let name = vm.type_name(&vm.type_of(&s));
        Ok(format!("{name}({})", out.join(", ")))
    })();
    vm.repr_leave(so);
    let r = r?;
    Ok(vm.new_string(r))
}

fn partial_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let p = part(vm, &s)?;
    let cls = Value::Obj(vm.type_of(&s));
    let func = p.func.borrow().clone();
    let pargs = p.args.borrow().clone();
    // `partial_reduce`: the keywords dict itself (even empty) and the
    // instance dict if one was made (even empty), else None.
    let kwv = p.kw.borrow().clone();
    let dict = match &s {
        // Attributes set (as inline values) count as a made dict.
        Value::Obj(o) if o.inline_values().is_some_and(|v| !v.is_empty()) => {
            o.dict().map_or(Value::None, Value::Obj)
        }
        Value::Obj(o) => o.dict_made().map_or(Value::None, Value::Obj),
        _ => Value::None,
    };
    let fa = vm.new_tuple_of([func.clone()]);
    let state = vm.new_tuple_of([func, pargs, kwv, dict]);
    Ok(vm.new_tuple_of([cls, fa, state]))
}

fn partial_setstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let p = part(vm, &s)?;
    let state = args.args.get(1).cloned().unwrap_or(Value::None);
    let invalid = |vm: &Vm| vm.type_error("invalid partial state");
    let items = match &state {
        Value::Obj(o) if matches!(o.payload, Payload::Tuple(_)) => {
            vm.seq_items(&state).unwrap_or_default()
        }
        _ => return Err(invalid(vm)),
    };
    let [f, fargs, kwv, dict] = items.as_slice() else {
        return Err(invalid(vm));
    };
    let is_tuple = matches!(fargs, Value::Obj(o) if matches!(o.payload, Payload::Tuple(_)));
    let kw_ok =
        kwv.is_none() || matches!(kwv, Value::Obj(o) if matches!(o.payload, Payload::Dict(_)));
    if !vm.callable(f) || !is_tuple || !kw_ok {
        return Err(invalid(vm));
    }
    let fargs = match fargs {
        Value::Obj(o) if o.class_is(&vm.types.tuple) => fargs.clone(),
        _ => vm.new_tuple(vm.seq_items(fargs).unwrap_or_default()),
    };
    // An exact dict is kept (a copy shares it, as CPython's does).
    let kwv = match kwv {
        Value::Obj(d) if d.class_is(&vm.types.dict) => kwv.clone(),
        Value::Obj(d) => Value::Obj(vm.dict_copy_of(d)?),
        _ => Value::Obj(vm.new_dict()),
    };
    *p.func.borrow_mut() = f.clone();
    *p.args.borrow_mut() = fargs;
    *p.kw.borrow_mut() = kwv;
    if let Value::Obj(o) = &s {
        match dict {
            Value::Obj(d) if matches!(d.payload, Payload::Dict(_)) => o.set_dict(Some(d.clone())),
            // None drops the instance dict; `__dict__` then makes a new one.
            Value::None => o.set_lazy_dict(),
            _ => {}
        }
    }
    Ok(Value::None)
}

fn readonly(vm: &mut Vm, _v: &Value, _new: Option<Value>) -> PyResult<()> {
    Err(vm.attribute_error("readonly attribute"))
}

fn partial_func(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(part(vm, v)?.func.borrow().clone())
}

fn partial_args(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(part(vm, v)?.args.borrow().clone())
}

fn partial_keywords(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(part(vm, v)?.kw.borrow().clone())
}

fn class_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::positional(vm, &args, 1, "__class_getitem__", 1, 1)?;
    Ok(vm.new_generic_alias(clinic::self_arg(&args), a[0].clone()))
}

/// The `__dict__` descriptor of a native type whose instances have one.
fn add_dict_getset(vm: &mut Vm, t: &PyRef) {
    use crate::objects::object::{get_dict, set_dict};
    vm.add_getsets(t, &[("__dict__", get_dict, Some(set_dict))]);
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_functools");
    let object = vm.types.object.clone();
    let kt = vm.new_native_type(
        "functools",
        "KeyWrapper",
        &object,
        Layout::Native("KeyWrapper"),
        0,
    );
    vm.add_methods(
        &kt,
        &[
            ("__call__", key_call),
            ("__lt__", key_lt),
            ("__le__", key_le),
            ("__eq__", key_eq),
            ("__ne__", key_ne),
            ("__gt__", key_gt),
            ("__ge__", key_ge),
        ],
    );
    vm.add_getsets(&kt, &[("obj", key_get_obj, Some(key_set_obj))]);
    vm.add_type_attr(&kt, "__hash__", Value::None);
    KEY_TYPE.with(|k| *k.borrow_mut() = Some(kt));
    let pt = vm.new_native_type(
        "functools",
        "partial",
        &object,
        Layout::Native("partial"),
        FLAG_BASETYPE | FLAG_HAS_DICT,
    );
    vm.add_staticmethods(&pt, &[("__new__", partial_new)]);
    vm.add_methods(
        &pt,
        &[
            ("__call__", partial_call),
            ("__repr__", partial_repr),
            ("__reduce__", partial_reduce),
            ("__setstate__", partial_setstate),
        ],
    );
    vm.add_getsets(
        &pt,
        &[
            ("func", partial_func, Some(readonly)),
            ("args", partial_args, Some(readonly)),
            ("keywords", partial_keywords, Some(readonly)),
        ],
    );
    vm.add_classmethods(&pt, &[("__class_getitem__", class_getitem)]);
    add_dict_getset(vm, &pt);
    vm.set_attr_raw(&m, "partial", Value::Obj(pt));
    let lt = vm.new_native_type(
        "functools",
        "_lru_cache_wrapper",
        &object,
        Layout::Native("_lru_cache_wrapper"),
        FLAG_HAS_DICT | crate::objects::typeobj::FLAG_HEAPTYPE,
    );
    vm.add_staticmethods(&lt, &[("__new__", lru_new)]);
    vm.add_methods(
        &lt,
        &[
            ("__call__", lru_call),
            ("__get__", lru_get),
            ("cache_info", lru_cache_info),
            ("cache_clear", lru_cache_clear),
            ("__reduce__", lru_reduce),
            ("__copy__", lru_copy),
            ("__deepcopy__", lru_copy),
        ],
    );
    add_dict_getset(vm, &lt);
    vm.set_attr_raw(&m, "_lru_cache_wrapper", Value::Obj(lt));
    vm.add_functions(
        &m,
        &[("reduce", functools_reduce), ("cmp_to_key", cmp_to_key)],
    );
    let doc = vm.new_str("Tools that operate on functions.");
    vm.set_attr_raw(&m, "__doc__", doc);
    Ok(m)
}

const NIL: usize = usize::MAX;

/// One cache entry, linked in recency order.
struct Link {
    key: Value,
    /// The key's hash, computed once (CPython's `link->hash`).
    hash: i64,
    value: Value,
    prev: usize,
    next: usize,
}

/// A `functools._lru_cache_wrapper`.
struct Lru {
    func: Value,
    /// None: unbounded.
    maxsize: Option<usize>,
    typed: bool,
    info_type: Value,
    /// Key -> result (unbounded) or key -> slot in `links` (bounded).
    cache: PyRef,
    links: RefCell<Vec<Link>>,
    free: RefCell<Vec<usize>>,
    /// Oldest and newest slots.
    ends: std::cell::Cell<(usize, usize)>,
    hits: std::cell::Cell<i64>,
    misses: std::cell::Cell<i64>,
    kwd_mark: Value,
}

impl NativeData for Lru {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&self.func);
        visit(&self.info_type);
        visit(&Value::Obj(self.cache.clone()));
        if let Ok(l) = self.links.try_borrow() {
            for x in l.iter() {
                visit(&x.key);
                visit(&x.value);
            }
        }
    }

    /// `lru_cache_tp_clear`: the cached keys and results go (the cache
    /// dict is cleared as a container of its own).
    fn clear(&self, out: &mut Vec<Value>) {
        if let Ok(mut l) = self.links.try_borrow_mut() {
            for x in l.drain(..) {
                out.push(x.key);
                out.push(x.value);
            }
        }
        if let Ok(mut f) = self.free.try_borrow_mut() {
            f.clear();
        }
    }
}

impl Lru {
    fn unlink(&self, links: &mut [Link], i: usize) {
        let (prev, next) = match links.get(i) {
            Some(l) => (l.prev, l.next),
            None => return,
        };
        let (mut old, mut new) = self.ends.get();
        match links.get_mut(prev) {
            Some(p) => p.next = next,
            None => old = next,
        }
        match links.get_mut(next) {
            Some(n) => n.prev = prev,
            None => new = prev,
        }
        self.ends.set((old, new));
    }

    fn push_newest(&self, links: &mut [Link], i: usize) {
        let (old, new) = self.ends.get();
        if let Some(l) = links.get_mut(i) {
            l.prev = new;
            l.next = NIL;
        }
        match links.get_mut(new) {
            Some(n) => n.next = i,
            None => {
                self.ends.set((i, i));
                return;
            }
        }
        self.ends.set((if old == NIL { i } else { old }, i));
    }
}

fn lru<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a Lru> {
    vm.native::<Lru>(v)
        .ok_or_else(|| vm.type_error("descriptor requires a 'functools._lru_cache_wrapper' object"))
}

fn lru_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = clinic::cls_arg(vm, &args, "_lru_cache_wrapper")?;
    let sig = Sig::new(
        "lru_cache",
        &["user_function", "maxsize", "typed", "cache_info_type"],
        4,
    );
    let a = parse(vm, &args, 1, &sig)?;
    let get = |i: usize| a.get(i).cloned().flatten().unwrap_or(Value::None);
    let func = get(0);
    if !vm.callable(&func) {
        return Err(vm.type_error("the first argument must be callable"));
    }
    let maxsize = match get(1) {
        Value::None => None,
        v @ (Value::Int(_) | Value::Bool(_)) => Some(clinic::ssize(vm, &v)?.max(0) as usize),
        Value::Obj(o) if matches!(o.payload, Payload::Int(_)) => Some(usize::MAX),
        _ => return Err(vm.type_error("maxsize should be integer or None")),
    };
    let typed = vm.truthy(&get(2))?;
    let object = vm.types.object.clone();
    let l = Lru {
        func,
        maxsize,
        typed,
        info_type: get(3),
        cache: vm.new_dict(),
        links: RefCell::new(Vec::new()),
        free: RefCell::new(Vec::new()),
        ends: std::cell::Cell::new((NIL, NIL)),
        hits: std::cell::Cell::new(0),
        misses: std::cell::Cell::new(0),
        kwd_mark: Value::Obj(vm.new_obj(&object, Payload::Object)),
    };
    Ok(Value::Obj(vm.new_native(&cls, l)))
}

/// CPython's `lru_cache_make_key`.
fn make_key(vm: &mut Vm, l: &Lru, args: &Args) -> Value {
    let pos = args.pos().get(1..).unwrap_or(&[]);
    let kwargs: Vec<(&PyRef, &Value)> = args.kwargs().collect();
    if !l.typed && kwargs.is_empty() {
        if let [x] = pos {
            let exact = match x {
                Value::Int(_) => true,
                Value::Obj(o) => o.class_is(&vm.types.str) || o.class_is(&vm.types.int),
                _ => false,
            };
            if exact {
                return x.clone();
            }
        }
        return vm.new_tuple(pos.to_vec());
    }
    let mut key: Vec<Value> = pos.to_vec();
    if !kwargs.is_empty() {
        key.push(l.kwd_mark.clone());
        for (k, v) in &kwargs {
            key.push(Value::Obj((*k).clone()));
            key.push((*v).clone());
        }
    }
    if l.typed {
        for v in pos {
            key.push(Value::Obj(vm.type_of(v)));
        }
        for (_, v) in &kwargs {
            key.push(Value::Obj(vm.type_of(v)));
        }
    }
    vm.new_tuple(key)
}

fn call_wrapped(vm: &mut Vm, l: &Lru, args: &Args) -> PyResult<Value> {
    vm.call_args(
        &l.func,
        Args {
            args: args.args.get(1..).unwrap_or(&[]),
            kwnames: args.kwnames,
        },
    )
}

fn lru_call(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let l = lru(vm, &s)?;
    let bump = |c: &std::cell::Cell<i64>| c.set(c.get() + 1);
    // The key is hashed once per call, as CPython's wrappers do (a key's
    // `__hash__` may be costly or counted).
    let Some(maxsize) = l.maxsize else {
        let key = make_key(vm, l, &args);
        let h = vm.hash(&key)?;
        if let Some(v) = vm.dict_get_hashed(&l.cache, &key, h)? {
            bump(&l.hits);
            return Ok(v);
        }
        bump(&l.misses);
        let r = call_wrapped(vm, l, &args)?;
        vm.dict_set_hashed(&l.cache, key, h, r.clone())?;
        return Ok(r);
    };
    if maxsize == 0 {
        bump(&l.misses);
        return call_wrapped(vm, l, &args);
    }
    let key = make_key(vm, l, &args);
    let h = vm.hash(&key)?;
    if let Some(Value::Int(slot)) = vm.dict_get_hashed(&l.cache, &key, h)? {
        let slot = slot as usize;
        let v = {
            let mut links = l.links.borrow_mut();
            l.unlink(&mut links, slot);
            l.push_newest(&mut links, slot);
            links.get(slot).map(|x| x.value.clone())
        };
        bump(&l.hits);
        return Ok(v.unwrap_or(Value::None));
    }
    bump(&l.misses);
    let r = call_wrapped(vm, l, &args)?;
    // The call may have cached the same key meanwhile.
    if vm.dict_get_hashed(&l.cache, &key, h)?.is_some() {
        return Ok(r);
    }
    if vm.dict_len(&l.cache) >= maxsize {
        let oldest = l.ends.get().0;
        let old = {
            let mut links = l.links.borrow_mut();
            l.unlink(&mut links, oldest);
            links.get_mut(oldest).map(|x| {
                (
                    std::mem::take(&mut x.key),
                    x.hash,
                    std::mem::take(&mut x.value),
                )
            })
        };
        if let Some((k, kh, v)) = old {
            l.free.borrow_mut().push(oldest);
            vm.dict_del_hashed(&l.cache, &k, kh)?;
            drop(v);
        }
    }
    let link = Link {
        key: key.clone(),
        hash: h,
        value: r.clone(),
        prev: NIL,
        next: NIL,
    };
    let slot = {
        let reuse = l.free.borrow_mut().pop();
        let mut links = l.links.borrow_mut();
        let slot = match reuse {
            Some(i) => {
                if let Some(x) = links.get_mut(i) {
                    *x = link;
                }
                i
            }
            None => {
                links.push(link);
                links.len() - 1
            }
        };
        l.push_newest(&mut links, slot);
        slot
    };
    vm.dict_set_hashed(&l.cache, key, h, Value::Int(slot as i64))?;
    Ok(r)
}

fn lru_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let obj = args.args.get(1).cloned().unwrap_or(Value::None);
    if obj.is_none() {
        return Ok(s);
    }
    Ok(vm.new_method(s, obj))
}

fn lru_cache_info(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let l = lru(vm, &s)?;
    let maxsize = match l.maxsize {
        None => Value::None,
        Some(m) => Value::Int(m.min(i64::MAX as usize) as i64),
    };
    let n = vm.dict_len(&l.cache) as i64;
    let info = l.info_type.clone();
    vm.call(
        &info,
        &[
            Value::Int(l.hits.get()),
            Value::Int(l.misses.get()),
            maxsize,
            Value::Int(n),
        ],
    )
}

fn lru_cache_clear(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let l = lru(vm, &s)?;
    let links = std::mem::take(&mut *l.links.borrow_mut());
    l.free.borrow_mut().clear();
    l.ends.set((NIL, NIL));
    l.hits.set(0);
    l.misses.set(0);
    vm.call_method(&Value::Obj(l.cache.clone()), "clear", &[])?;
    drop(links);
    Ok(Value::None)
}

fn lru_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    vm.getattr_str(&s, "__qualname__")
}

fn lru_copy(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(clinic::self_arg(&args))
}
