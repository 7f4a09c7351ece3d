//! `_contextvars` (PEP 567, CPython's Python/context.c): `ContextVar`,
//! `Token`, `Context` and `copy_context`. A context's mapping is a shared
//! vector copied on write (CPython uses a HAMT; iteration here is in
//! insertion order). The current context is per thread, made on first use.

use crate::objects::rc::Rc;
use crate::vm::value::Truth;
use std::cell::{Cell, RefCell};

use crate::modules::itertools::clinic::{self, parse, Sig};
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::Layout;
use crate::objects::Payload;
use crate::vm::proto::CmpOp;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

pub type Vars = Rc<Vec<(PyRef, Value)>>;

/// A context: its variables and whether `run` is in it (CPython's
/// `ctx_prev` is `run`'s local here, and the variables are a `Cell` taken
/// and put back to read them, so the state is two words, held inline in
/// the object, `Payload::Context`: two contexts a task in asyncio
/// programs, where a boxed state was a 16-byte block more for each).
pub struct Context {
    /// Always `Some` but while [`Context::vars`] reads it.
    vars: Cell<Option<Vars>>,
    entered: Cell<bool>,
}

impl Context {
    /// The variables (a shared reference to the immutable mapping).
    fn vars(&self) -> Vars {
        let v = self.vars.take();
        let r = v.clone();
        self.vars.set(v);
        r.unwrap_or_default()
    }

    /// Replace the variables (the old mapping is dropped after the new one
    /// is in place, so a destructor it runs sees the new one).
    fn set_vars(&self, new: Vars) {
        let old = self.vars.replace(Some(new));
        drop(old);
    }
}

impl Context {
    /// The references the context holds, for the cycle collector.
    pub fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        for (k, x) in self.vars().iter() {
            visit(&Value::Obj(k.clone()));
            visit(x);
        }
    }

    /// `context_tp_clear`: the variables' values go.
    pub fn clear(&self, out: &mut Vec<Value>) {
        self.traverse(&mut |v| out.push(v.clone()));
        changed();
        // Every value the old mapping held has a reference in `out`.
        self.set_vars(Vars::default());
    }
}

struct ContextVar {
    name: Value,
    default: Option<Value>,
}

impl NativeData for ContextVar {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&self.name);
        if let Some(d) = &self.default {
            visit(d);
        }
    }
}

struct Token {
    ctx: PyRef,
    var: PyRef,
    old: Option<Value>,
    used: Cell<bool>,
}

impl NativeData for Token {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&Value::Obj(self.ctx.clone()));
        visit(&Value::Obj(self.var.clone()));
        if let Some(o) = &self.old {
            visit(o);
        }
    }
}

#[derive(Default)]
struct Types {
    context: Option<PyRef>,
    var: Option<PyRef>,
    token: Option<PyRef>,
    missing: Option<PyRef>,
}

crate::interp_local! {
    static TYPES: RefCell<Types> = RefCell::new(Types::default());
    static CURRENT: RefCell<Option<PyRef>> = const { RefCell::new(None) };
}

/// Bumped by every change of a thread's current context or of a
/// context's variables (the only places either changes call
/// [`changed`]): while it holds, `var.get()` gives what it gave.
static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn changed() {
    GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// The current [`GENERATION`], for a native module's cache of a context
/// variable's value.
pub fn generation() -> u64 {
    GENERATION.load(std::sync::atomic::Ordering::Relaxed)
}

/// Exchange the current context with `other` (a thread switch: each
/// thread has its own, src/vm/gil.rs).
pub fn swap_current(other: &mut Option<PyRef>) {
    changed();
    CURRENT.with(|c| std::mem::swap(&mut *c.borrow_mut(), other));
}

fn ty(vm: &Vm, pick: fn(&Types) -> Option<PyRef>) -> PyResult<PyRef> {
    TYPES
        .with(|t| pick(&t.borrow()))
        .ok_or_else(|| vm.system_error("_contextvars is not initialised"))
}

fn new_context(vm: &Vm, vars: Vars) -> PyResult<PyRef> {
    let t = ty(vm, |t| t.context.clone())?;
    Ok(vm.new_instance_of(
        &t,
        Payload::Context(Context {
            vars: Cell::new(Some(vars)),
            entered: Cell::new(false),
        }),
    ))
}

/// The context state of `v`, if `v` is a context.
fn context_state(v: &Value) -> Option<&Context> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Context(c) => Some(c),
            _ => None,
        },
        _ => None,
    }
}

/// The current context of this thread (made empty on first use).
fn current(vm: &Vm) -> PyResult<PyRef> {
    if let Some(c) = CURRENT.with(|c| c.borrow().clone()) {
        return Ok(c);
    }
    let c = new_context(vm, Rc::new(Vec::new()))?;
    changed();
    CURRENT.with(|cur| *cur.borrow_mut() = Some(c.clone()));
    Ok(c)
}

/// `var.get()` in the current context, None when unset (native modules'
/// context variables: `_decimal`'s current context).
pub fn current_value(vm: &Vm, var: &PyRef) -> PyResult<Option<Value>> {
    let cur = Value::Obj(current(vm)?);
    let vars = ctx_of(vm, &cur)?.vars();
    Ok(lookup(&vars, var))
}

/// The variables of the current context: a snapshot never changed in
/// place (setting a variable makes a new one), so a native module may
/// key a cache of [`lookup_in`] on it.
pub fn current_vars(vm: &Vm) -> PyResult<Vars> {
    let cur = Value::Obj(current(vm)?);
    let vars = ctx_of(vm, &cur)?.vars();
    Ok(vars)
}

/// `var`'s value in the variables `vars`.
pub fn lookup_in(vars: &Vars, var: &PyRef) -> Option<Value> {
    lookup(vars, var)
}

fn ctx_of<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a Context> {
    context_state(v).ok_or_else(|| vm.type_error("a Context object is required"))
}

fn lookup(vars: &Vars, var: &PyRef) -> Option<Value> {
    vars.iter()
        .find(|(k, _)| Rc::ptr_eq(k, var))
        .map(|(_, v)| v.clone())
}

fn with_set(vars: &Vars, var: &PyRef, value: Option<Value>) -> Vars {
    let mut new: Vec<(PyRef, Value)> = vars.as_ref().clone();
    let pos = new.iter().position(|(k, _)| Rc::ptr_eq(k, var));
    match (pos, value) {
        (Some(i), Some(v)) => {
            if let Some(slot) = new.get_mut(i) {
                slot.1 = v;
            }
        }
        (None, Some(v)) => new.push((var.clone(), v)),
        (Some(i), None) => {
            new.remove(i);
        }
        (None, None) => {}
    }
    Rc::new(new)
}

/// The ContextVar argument of a Context method.
fn var_arg(vm: &mut Vm, v: &Value) -> PyResult<PyRef> {
    match v {
        Value::Obj(o) if vm.native::<ContextVar>(v).is_some() => Ok(o.clone()),
        _ => {
            let r = vm.repr(v)?;
            Err(vm.type_error(format!("a ContextVar key was expected, got {r}")))
        }
    }
}

fn no_subclass(vm: &Vm, args: &Args, tyname: &str, exact: &PyRef) -> PyResult<PyRef> {
    let cls = clinic::cls_arg(vm, args, tyname)?;
    if !Rc::ptr_eq(&cls, exact) {
        return Err(vm.type_error(format!(
            "type '_contextvars.{tyname}' is not an acceptable base type"
        )));
    }
    Ok(cls)
}

fn context_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let t = ty(vm, |t| t.context.clone())?;
    no_subclass(vm, &args, "Context", &t)?;
    if args.args.len() > 1 {
        return Err(vm.type_error("Context() does not accept any arguments"));
    }
    Ok(Value::Obj(new_context(vm, Rc::new(Vec::new()))?))
}

fn context_run(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let c = ctx_of(vm, &s)?;
    let pos = args.pos();
    let Some(f) = pos.get(1).cloned() else {
        return Err(vm.type_error("run() missing 1 required positional argument"));
    };
    let Value::Obj(so) = &s else {
        return Err(vm.type_error("a Context object is required"));
    };
    if c.entered.get() {
        let r = vm.repr(&s)?;
        return Err(vm.runtime_error(format!("cannot enter context: {r} is already entered")));
    }
    let prev = current(vm)?;
    c.entered.set(true);
    changed();
    CURRENT.with(|cur| *cur.borrow_mut() = Some(so.clone()));
    let rest = args.args.get(2..).unwrap_or(&[]);
    let r = vm.call_args(
        &f,
        Args {
            args: rest,
            kwnames: args.kwnames,
        },
    );
    changed();
    CURRENT.with(|cur| *cur.borrow_mut() = Some(prev));
    c.entered.set(false);
    r
}

fn context_copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let vars = ctx_of(vm, &s)?.vars();
    Ok(Value::Obj(new_context(vm, vars)?))
}

fn copy_context(vm: &mut Vm, args: Args) -> PyResult<Value> {
    clinic::positional(vm, &args, 0, "copy_context", 0, 0)?;
    copy_current(vm)
}

/// `PyContext_CopyCurrent`: a new context holding the current one's
/// variables (`_asyncio`'s Future and Task callbacks).
pub fn copy_current(vm: &mut Vm) -> PyResult<Value> {
    let cur = current(vm)?;
    let vars = ctx_of(vm, &Value::Obj(cur.clone()))?.vars();
    Ok(Value::Obj(new_context(vm, vars)?))
}

fn context_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let key = args.args.get(1).cloned().unwrap_or(Value::None);
    let var = var_arg(vm, &key)?;
    let vars = ctx_of(vm, &s)?.vars();
    lookup(&vars, &var).ok_or_else(|| vm.key_error(key))
}

fn context_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let a = clinic::positional(vm, &args, 1, "get", 1, 2)?;
    let var = var_arg(vm, &a[0])?;
    let vars = ctx_of(vm, &s)?.vars();
    Ok(lookup(&vars, &var).unwrap_or_else(|| a.get(1).cloned().unwrap_or(Value::None)))
}

fn context_contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let key = args.args.get(1).cloned().unwrap_or(Value::None);
    let var = var_arg(vm, &key)?;
    let vars = ctx_of(vm, &s)?.vars();
    Ok(Value::bool(lookup(&vars, &var).is_some()))
}

fn context_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let n = ctx_of(vm, &s)?.vars().len();
    Ok(Value::Int(n as i64))
}

/// An iterator over the context's keys (0), values (1) or items (2).
fn context_view(vm: &mut Vm, args: Args, kind: u8) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let vars = ctx_of(vm, &s)?.vars();
    let items: Vec<Value> = vars
        .iter()
        .map(|(k, v)| match kind {
            0 => Value::Obj(k.clone()),
            1 => v.clone(),
            _ => vm.new_tuple_of([Value::Obj(k.clone()), v.clone()]),
        })
        .collect();
    let l = vm.new_list(items);
    vm.iter(&l)
}

fn context_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    context_view(vm, args, 0)
}
fn context_keys(vm: &mut Vm, args: Args) -> PyResult<Value> {
    context_view(vm, args, 0)
}
fn context_values(vm: &mut Vm, args: Args) -> PyResult<Value> {
    context_view(vm, args, 1)
}
fn context_items(vm: &mut Vm, args: Args) -> PyResult<Value> {
    context_view(vm, args, 2)
}

fn context_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let o = args.args.get(1).cloned().unwrap_or(Value::None);
    let Some(other) = context_state(&o) else {
        return Ok(vm.not_implemented());
    };
    let a = ctx_of(vm, &s)?.vars();
    let b = other.vars();
    if a.len() != b.len() {
        return Ok(Value::Bool(Truth::False));
    }
    for (k, v) in a.iter() {
        match lookup(&b, k) {
            Some(w) => {
                if !vm.compare(v, &w, CmpOp::Eq)? {
                    return Ok(Value::Bool(Truth::False));
                }
            }
            None => return Ok(Value::Bool(Truth::False)),
        }
    }
    Ok(Value::Bool(Truth::True))
}

fn var_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let t = ty(vm, |t| t.var.clone())?;
    let cls = no_subclass(vm, &args, "ContextVar", &t)?;
    let sig = Sig {
        maxpos: 1,
        ..Sig::new("ContextVar", &["name", "default"], 0)
    };
    let npos = args.pos().len().saturating_sub(1);
    if npos == 0
        && !args
            .kwargs()
            .any(|(k, _)| crate::vm::proto::str_of(k) == "name")
    {
        return Err(vm.type_error(format!(
            "ContextVar() takes exactly 1 positional argument ({npos} given)"
        )));
    }
    if npos > 1 {
        return Err(vm.type_error(format!(
            "ContextVar() takes at most 1 positional argument ({npos} given)"
        )));
    }
    let a = parse(vm, &args, 1, &sig)?;
    let name = a[0].clone().unwrap_or(Value::None);
    if vm.as_str_obj(&name).is_none() {
        return Err(vm.type_error("context variable name must be a str"));
    }
    let var = ContextVar {
        name,
        default: a[1].clone(),
    };
    Ok(Value::Obj(vm.new_native(&cls, var)))
}

fn var_of<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a ContextVar> {
    vm.native::<ContextVar>(v)
        .ok_or_else(|| vm.type_error("a ContextVar object is required"))
}

fn var_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let a = clinic::positional(vm, &args, 1, "get", 0, 1)?;
    let var = var_of(vm, &s)?;
    let Value::Obj(so) = &s else {
        return Err(vm.type_error("a ContextVar object is required"));
    };
    let cur = current(vm)?;
    let vars = ctx_of(vm, &Value::Obj(cur))?.vars();
    if let Some(v) = lookup(&vars, so) {
        return Ok(v);
    }
    if let Some(d) = a.first() {
        return Ok(d.clone());
    }
    if let Some(d) = &var.default {
        return Ok(d.clone());
    }
    let t = vm.exc_type(ExcKind::LookupError);
    Err(crate::vm::PyErr(vm.new_exception(&t, vec![s.clone()])))
}

fn var_set(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let a = vm.check_args("ContextVar.set", args, 1, 1)?;
    var_of(vm, &s)?;
    let Value::Obj(so) = &s else {
        return Err(vm.type_error("a ContextVar object is required"));
    };
    let cur = current(vm)?;
    let curv = Value::Obj(cur.clone());
    let c = ctx_of(vm, &curv)?;
    let old_vars = c.vars();
    let old = lookup(&old_vars, so);
    let new = with_set(&old_vars, so, Some(a[0].clone()));
    changed();
    c.set_vars(new);
    let tt = ty(vm, |t| t.token.clone())?;
    let tok = Token {
        ctx: cur,
        var: so.clone(),
        old,
        used: Cell::new(false),
    };
    Ok(Value::Obj(vm.new_native(&tt, tok)))
}

fn var_reset(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let a = vm.check_args("ContextVar.reset", args, 1, 1)?;
    var_of(vm, &s)?;
    let tokv = a[0].clone();
    let Some(tok) = vm.native::<Token>(&tokv) else {
        let r = vm.repr(&tokv)?;
        return Err(vm.type_error(format!("expected an instance of Token, got {r}")));
    };
    let Value::Obj(so) = &s else {
        return Err(vm.type_error("a ContextVar object is required"));
    };
    if tok.used.get() {
        let r = vm.repr(&tokv)?;
        return Err(vm.runtime_error(format!("{r} has already been used once")));
    }
    if !Rc::ptr_eq(&tok.var, so) {
        let r = vm.repr(&tokv)?;
        return Err(vm.value_error(format!("{r} was created by a different ContextVar")));
    }
    let cur = current(vm)?;
    if !Rc::ptr_eq(&tok.ctx, &cur) {
        let r = vm.repr(&tokv)?;
        return Err(vm.value_error(format!("{r} was created in a different Context")));
    }
    tok.used.set(true);
    let curv = Value::Obj(cur.clone());
    let c = ctx_of(vm, &curv)?;
    let vars = c.vars();
    changed();
    c.set_vars(with_set(&vars, so, tok.old.clone()));
    Ok(Value::None)
}

fn addr(v: &Value) -> String {
    match v {
        Value::Obj(o) => format!("0x{:x}", Rc::as_ptr(o) as *const u8 as usize),
        _ => "0x0".into(),
    }
}

fn var_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let var = var_of(vm, &s)?;
    let name = vm.repr(&var.name)?;
    let dflt = match var.default.clone() {
        Some(d) => format!(" default={}", vm.repr(&d)?),
        None => String::new(),
    };
    Ok(vm.new_string(format!("<ContextVar name={name}{dflt} at {}>", addr(&s))))
}

fn var_name(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(var_of(vm, v)?.name.clone())
}

fn token_new(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(vm.runtime_error("Tokens can only be created by ContextVars"))
}

fn token_of<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a Token> {
    vm.native::<Token>(v)
        .ok_or_else(|| vm.type_error("a Token object is required"))
}

fn token_var(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Obj(token_of(vm, v)?.var.clone()))
}

fn token_old_value(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match &token_of(vm, v)?.old {
        Some(o) => Ok(o.clone()),
        None => Ok(Value::Obj(missing(vm)?)),
    }
}

fn missing(vm: &Vm) -> PyResult<PyRef> {
    ty(vm, |t| t.missing.clone())
}

fn token_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let t = token_of(vm, &s)?;
    let used = if t.used.get() { " used" } else { "" };
    let var = vm.repr(&Value::Obj(t.var.clone()))?;
    Ok(vm.new_string(format!("<Token{used} var={var} at {}>", addr(&s))))
}

fn missing_repr(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(vm.new_str("<Token.MISSING>"))
}

fn class_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::positional(vm, &args, 1, "__class_getitem__", 1, 1)?;
    Ok(vm.new_generic_alias(clinic::self_arg(&args), a[0].clone()))
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_contextvars");
    let object = vm.types.object.clone();
    let mk = |vm: &mut Vm, name: &str| {
        vm.new_native_type(
            "_contextvars",
            name,
            &object,
            Layout::Native("_contextvars"),
            0,
        )
    };
    let ctx = mk(vm, "Context");
    vm.add_staticmethods(&ctx, &[("__new__", context_new)]);
    vm.add_methods(
        &ctx,
        &[
            ("run", context_run),
            ("copy", context_copy),
            ("get", context_get),
            ("keys", context_keys),
            ("values", context_values),
            ("items", context_items),
            ("__getitem__", context_getitem),
            ("__contains__", context_contains),
            ("__len__", context_len),
            ("__iter__", context_iter),
            ("__eq__", context_eq),
        ],
    );
    vm.add_type_attr(&ctx, "__hash__", Value::None);
    let var = mk(vm, "ContextVar");
    vm.add_staticmethods(&var, &[("__new__", var_new)]);
    vm.add_methods(
        &var,
        &[
            ("get", var_get),
            ("set", var_set),
            ("reset", var_reset),
            ("__repr__", var_repr),
        ],
    );
    vm.add_getsets(&var, &[("name", var_name, None)]);
    vm.add_classmethods(&var, &[("__class_getitem__", class_getitem)]);
    let tok = mk(vm, "Token");
    vm.add_staticmethods(&tok, &[("__new__", token_new)]);
    vm.add_methods(&tok, &[("__repr__", token_repr)]);
    vm.add_getsets(
        &tok,
        &[
            ("var", token_var, None),
            ("old_value", token_old_value, None),
        ],
    );
    vm.add_classmethods(&tok, &[("__class_getitem__", class_getitem)]);
    let mt = vm.new_native_type("builtins", "MISSING", &object, Layout::Object, 0);
    if let Some(td) = crate::objects::typeobj::type_data(&mt) {
        *td.qualname.borrow_mut() = "Token.MISSING".into();
    }
    vm.add_methods(&mt, &[("__repr__", missing_repr)]);
    let miss = vm.new_obj(&mt, crate::objects::Payload::Object);
    vm.add_type_attr(&tok, "MISSING", Value::Obj(miss.clone()));
    TYPES.with(|t| {
        *t.borrow_mut() = Types {
            context: Some(ctx.clone()),
            var: Some(var.clone()),
            token: Some(tok.clone()),
            missing: Some(miss),
        }
    });
    changed();
    CURRENT.with(|c| *c.borrow_mut() = None);
    for (n, t) in [("Context", ctx), ("ContextVar", var), ("Token", tok)] {
        vm.set_attr_raw(&m, n, Value::Obj(t));
    }
    vm.add_functions(&m, &[("copy_context", copy_context)]);
    Ok(m)
}
