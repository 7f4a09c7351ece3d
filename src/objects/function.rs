//! Functions, bound methods, builtin functions, method descriptors of
//! builtin types, and modules.

use crate::objects::rc::Rc;
use std::cell::RefCell;

use crate::vm::code::Code;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The arguments of a call: positional values, then keyword values, whose
/// names are `kwnames` (CPython's vectorcall layout).
#[derive(Clone, Copy)]
pub struct Args<'a> {
    pub args: &'a [Value],
    pub kwnames: &'a [PyRef],
}

impl<'a> Args<'a> {
    pub fn new(args: &'a [Value]) -> Args<'a> {
        Args { args, kwnames: &[] }
    }

    /// The positional arguments.
    pub fn pos(&self) -> &'a [Value] {
        &self.args[..self.args.len() - self.kwnames.len().min(self.args.len())]
    }

    /// (name, value) of each keyword argument.
    pub fn kwargs(&self) -> impl Iterator<Item = (&'a PyRef, &'a Value)> {
        let start = self.args.len() - self.kwnames.len().min(self.args.len());
        self.kwnames.iter().zip(&self.args[start..])
    }

    pub fn has_kwargs(&self) -> bool {
        !self.kwnames.is_empty()
    }
}

/// A native function: `(vm, args)`. For methods, `args.args[0]` is self.
pub type NativeFn = fn(&mut Vm, Args) -> PyResult<Value>;

/// A function defined in Python.
pub struct Function {
    pub code: RefCell<Rc<Code>>,
    pub globals: PyRef,
    pub builtins: PyRef,
    pub name: ValueCell,
    pub qualname: ValueCell,
    /// A tuple or None.
    pub defaults: ValueCell,
    /// `__kwdefaults__` and `__annotations__` (see [`FuncExtras`]).
    pub(crate) extras: RefCell<Option<Box<FuncExtras>>>,
    /// The cells of the free variables (a tuple of cells or None).
    pub closure: Value,
    pub doc: ValueCell,
    pub module: ValueCell,
}

/// A `Value` field read by copy and replaced whole (a function's
/// `__name__`, `__qualname__`, `__defaults__`, `__doc__`, `__module__`):
/// no reference into it is ever handed out, so it needs no borrow flag
/// (a `RefCell<Value>` is a word more; without the five flags `Function`
/// fits a 160-byte block, not 192: an import makes thousands of
/// functions). What a store replaces is handed back, to be dropped by the
/// caller once the field holds the new value.
pub struct ValueCell(std::cell::Cell<Value>);

impl ValueCell {
    pub fn new(v: Value) -> ValueCell {
        ValueCell(std::cell::Cell::new(v))
    }

    /// A copy of the value.
    #[inline]
    pub fn get(&self) -> Value {
        self.with(Value::clone)
    }

    /// Run `f` on the value in place (no reference count changes: the
    /// collector's traversal reads it so). `f` must not read this field
    /// (it reads as None meanwhile); it runs no Python code.
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(&Value) -> R) -> R {
        let v = self.0.replace(Value::None);
        let r = f(&v);
        self.0.set(v);
        r
    }

    /// Store `v`; the old value is returned (dropped by the caller after).
    #[inline]
    pub fn replace(&self, v: Value) -> Value {
        self.0.replace(v)
    }

    /// Take the value out, leaving None (the collector clearing a cycle).
    pub fn take(&self) -> Value {
        self.0.replace(Value::None)
    }
}

/// A function's `__kwdefaults__` (a dict or None) and `__annotations__`,
/// boxed apart: most functions have neither, and without them in line
/// `Function` fits a smaller block (it took 256; an import makes
/// thousands of functions; see `ValueCell`).
pub struct FuncExtras {
    pub kwdefaults: Value,
    pub annotations: Value,
}

impl Function {
    /// The `extras` field for these values (no box when both are None).
    pub fn extras_of(kwdefaults: Value, annotations: Value) -> RefCell<Option<Box<FuncExtras>>> {
        RefCell::new(match (&kwdefaults, &annotations) {
            (Value::None, Value::None) => None,
            _ => Some(Box::new(FuncExtras {
                kwdefaults,
                annotations,
            })),
        })
    }

    /// `__kwdefaults__`.
    pub fn kwdefaults(&self) -> Value {
        self.extras
            .borrow()
            .as_ref()
            .map_or(Value::None, |e| e.kwdefaults.clone())
    }

    /// `__annotations__` as stored (None until made).
    pub fn annotations(&self) -> Value {
        self.extras
            .borrow()
            .as_ref()
            .map_or(Value::None, |e| e.annotations.clone())
    }

    /// Store `__kwdefaults__` (`kw`) or `__annotations__`; the old value is
    /// dropped after the borrow.
    fn set_extra(&self, kw: bool, v: Value) {
        let old = {
            let mut e = self.extras.borrow_mut();
            let e = e.get_or_insert_with(|| {
                Box::new(FuncExtras {
                    kwdefaults: Value::None,
                    annotations: Value::None,
                })
            });
            std::mem::replace(
                if kw {
                    &mut e.kwdefaults
                } else {
                    &mut e.annotations
                },
                v,
            )
        };
        drop(old);
    }

    pub fn set_kwdefaults(&self, v: Value) {
        self.set_extra(true, v);
    }

    pub fn set_annotations(&self, v: Value) {
        self.set_extra(false, v);
    }

    /// The collector's view of the extras (`None` while borrowed).
    pub fn extras_for_gc(&self) -> Option<std::cell::Ref<'_, Option<Box<FuncExtras>>>> {
        self.extras.try_borrow().ok()
    }

    /// Take the extras out (the collector clearing a cycle).
    pub fn take_extras(&self) -> Option<Box<FuncExtras>> {
        self.extras.try_borrow_mut().ok().and_then(|mut e| e.take())
    }
}

/// A bound method: a callable and the object it is bound to.
pub struct Method {
    pub func: Value,
    pub self_: Value,
}

/// A builtin function, possibly bound to an object (`[].append`).
pub struct Builtin {
    pub name: &'static str,
    /// Its `Py_EnterRecursiveCall` units when called unbound, from its
    /// name once (`vm::call::builtin_call_guards`), not per call.
    pub guards: u8,
    pub func: NativeFn,
    pub self_: Option<Value>,
    /// `__qualname__` prefix: the owning type's name for bound methods.
    pub owner: Option<PyRef>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DescrKind {
    Method,
    Class,
    Static,
}

/// Whether `name` is one of the dunders that some builtin type gives as a
/// plain method instead of a slot wrapper (see `is_slot_wrapper`).
pub fn slot_method_too(name: &str) -> bool {
    matches!(name, "__getitem__" | "__contains__")
}

/// Whether CPython exposes `owner.name` as a `wrapper_descriptor`
/// (`<slot wrapper '__len__' of 'list' objects>`) rather than a method
/// descriptor: the type-slot names, except where the C type also lists the
/// name in its method table (`list.__getitem__`, `dict.__contains__`, ...).
pub fn is_slot_wrapper(owner: &str, name: &str) -> bool {
    let method_too = slot_method_too(name)
        && matches!(
            (owner, name),
            ("list" | "dict", "__getitem__") | ("dict" | "set" | "frozenset", "__contains__")
        );
    !method_too && crate::vm::call::is_slot_wrapper_name(name)
}

/// A method of a builtin type, as found in the type's dict.
pub struct MethodDescr {
    pub name: &'static str,
    pub func: NativeFn,
    pub owner: PyRef,
    pub kind: DescrKind,
    /// A type slot (`wrapper_descriptor`; bound: `method-wrapper`).
    pub slot: bool,
    /// A slot wrapper's argument count (vm/slot_args.rs; `None` for other
    /// methods and wrappers taking any arguments), worked out when made.
    pub arity: Option<crate::vm::slot_args::Arity>,
}

/// A module: its dict is the object's dict.
pub struct Module {
    pub name: String,
}

pub type GetterFn = fn(&mut Vm, &Value) -> PyResult<Value>;
/// A setter: `None` deletes.
pub type SetterFn = fn(&mut Vm, &Value, Option<Value>) -> PyResult<()>;

/// A computed attribute of a builtin type (`function.__name__`,
/// `object.__class__`): a data descriptor in the type's dict.
pub struct GetSet {
    pub name: &'static str,
    pub get: GetterFn,
    pub set: Option<SetterFn>,
    pub owner: PyRef,
}

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

fn func_of(vm: &Vm, v: &Value) -> PyResult<PyRef> {
    match v {
        Value::Obj(o) if matches!(o.payload, super::Payload::Function(_)) => Ok(o.clone()),
        _ => Err(vm.type_error("descriptor requires a 'function' object")),
    }
}

macro_rules! func_field {
    ($get:ident, $set:ident, $field:ident, $check:expr) => {
        fn $get(vm: &mut Vm, v: &Value) -> PyResult<Value> {
            let f = func_of(vm, v)?;
            match &f.payload {
                super::Payload::Function(func) => Ok(func.$field.get()),
                _ => Ok(Value::None),
            }
        }
        fn $set(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
            let f = func_of(vm, v)?;
            let check: fn(&Vm, Option<Value>) -> PyResult<Value> = $check;
            let new = check(vm, new)?;
            if let super::Payload::Function(func) = &f.payload {
                drop(func.$field.replace(new));
            }
            Ok(())
        }
    };
}

/// A setter check: deletion (when `$del_ok`, storing None), None (when
/// `$none_ok`) and objects passing `$ok` are accepted; anything else raises
/// CPython's TypeError `$what`.
macro_rules! typed_check {
    ($what:literal, $none_ok:expr, $del_ok:expr, |$o:ident| $ok:expr) => {
        |vm: &Vm, new: Option<Value>| -> PyResult<Value> {
            match new {
                None if $del_ok => Ok(Value::None),
                Some(Value::None) if $none_ok => Ok(Value::None),
                Some(Value::Obj($o)) if $ok => Ok(Value::Obj($o)),
                _ => Err(vm.type_error($what)),
            }
        }
    };
}

func_field!(
    get_fname,
    set_fname,
    name,
    typed_check!(
        "__name__ must be set to a string object",
        false,
        false,
        |o| { matches!(o.payload, super::Payload::Str(_)) }
    )
);
func_field!(
    get_fqualname,
    set_fqualname,
    qualname,
    typed_check!(
        "__qualname__ must be set to a string object",
        false,
        false,
        |o| { matches!(o.payload, super::Payload::Str(_)) }
    )
);
func_field!(
    get_defaults,
    set_defaults,
    defaults,
    typed_check!(
        "__defaults__ must be set to a tuple object",
        true,
        true,
        |o| { matches!(o.payload, super::Payload::Tuple(_)) }
    )
);
fn get_kwdefaults(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = func_of(vm, v)?;
    match &f.payload {
        super::Payload::Function(func) => Ok(func.kwdefaults()),
        _ => Ok(Value::None),
    }
}
fn set_kwdefaults(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let f = func_of(vm, v)?;
    let check: fn(&Vm, Option<Value>) -> PyResult<Value> = typed_check!(
        "__kwdefaults__ must be set to a dict object",
        true,
        true,
        |o| { matches!(o.payload, super::Payload::Dict(_)) }
    );
    let new = check(vm, new)?;
    if let super::Payload::Function(func) = &f.payload {
        func.set_kwdefaults(new);
    }
    Ok(())
}
func_field!(get_doc, set_doc, doc, |_vm, new| Ok(
    new.unwrap_or(Value::None)
));
func_field!(get_fmodule, set_fmodule, module, |_vm, new| Ok(
    new.unwrap_or(Value::None)
));

fn get_annotations(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = func_of(vm, v)?;
    if let super::Payload::Function(func) = &f.payload {
        let cur = func.annotations();
        if cur.is_none() {
            let d = Value::Obj(vm.new_dict());
            func.set_annotations(d.clone());
            return Ok(d);
        }
        return Ok(cur);
    }
    Ok(Value::None)
}
fn set_annotations(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let f = func_of(vm, v)?;
    let new = match new {
        None | Some(Value::None) => Value::None,
        Some(Value::Obj(d)) if matches!(d.payload, super::Payload::Dict(_)) => Value::Obj(d),
        Some(_) => return Err(vm.type_error("__annotations__ must be set to a dict object")),
    };
    if let super::Payload::Function(func) = &f.payload {
        func.set_annotations(new);
    }
    Ok(())
}

/// `function.__dict__`, created on first use.
fn get_fdict(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = func_of(vm, v)?;
    Ok(Value::Obj(vm.ensure_dict(&f)))
}
fn set_fdict(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let f = func_of(vm, v)?;
    match new {
        Some(Value::Obj(d)) if matches!(d.payload, super::Payload::Dict(_)) => {
            f.set_dict(Some(d));
            Ok(())
        }
        Some(other) => Err(vm.type_error(format!(
            "__dict__ must be set to a dictionary, not a '{}'",
            vm.type_name_of(&other)
        ))),
        None => Err(vm.type_error("cannot delete __dict__")),
    }
}

impl Vm {
    /// The instance dict of `o`, made now if it has none yet (functions
    /// create theirs on first use).
    pub fn ensure_dict(&self, o: &PyRef) -> PyRef {
        if let Some(d) = o.dict() {
            return d;
        }
        let d = self.new_dict();
        o.set_dict(Some(d.clone()));
        d
    }
}

fn get_code(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = func_of(vm, v)?;
    match &f.payload {
        super::Payload::Function(func) => {
            let code = func.code.borrow().clone();
            Ok(Value::Obj(vm.code_object(&code)))
        }
        _ => Ok(Value::None),
    }
}
/// `function.__code__ = code`: the code's free variables must match the
/// closure, as CPython checks.
fn set_code(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let f = func_of(vm, v)?;
    let code = match &new {
        Some(Value::Obj(o)) => match &o.payload {
            super::Payload::Code(c) => c.clone(),
            _ => return Err(vm.type_error("__code__ must be set to a code object")),
        },
        None => return Err(vm.type_error("__code__ must be set to a code object")),
        Some(_) => return Err(vm.type_error("__code__ must be set to a code object")),
    };
    if let super::Payload::Function(func) = &f.payload {
        let nclosure = match &func.closure {
            Value::Obj(t) => match &t.payload {
                super::Payload::Tuple(items) => items.len(),
                _ => 0,
            },
            _ => 0,
        };
        let nfree = (0..code.nlocalsplus()).filter(|i| code.is_free(*i)).count();
        if nfree != nclosure {
            let name = func.name.get();
            let name = vm
                .as_str_obj(&name)
                .map(|s| s.as_str().to_string())
                .unwrap_or_default();
            return Err(vm.value_error(format!(
                "{name}() requires a code object with {nclosure} free vars, not {nfree}"
            )));
        }
        *func.code.borrow_mut() = code;
    }
    Ok(())
}
fn get_globals(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = func_of(vm, v)?;
    match &f.payload {
        super::Payload::Function(func) => Ok(Value::Obj(func.globals.clone())),
        _ => Ok(Value::None),
    }
}
fn get_closure(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = func_of(vm, v)?;
    match &f.payload {
        super::Payload::Function(func) => Ok(func.closure.clone()),
        _ => Ok(Value::None),
    }
}
fn get_builtins(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = func_of(vm, v)?;
    match &f.payload {
        super::Payload::Function(func) => Ok(Value::Obj(func.builtins.clone())),
        _ => Ok(Value::None),
    }
}

fn func_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = arg(&args, 0);
    let obj = arg(&args, 1);
    if obj.is_none() {
        return Ok(f);
    }
    Ok(vm.new_method(f, obj))
}

fn method_part(vm: &mut Vm, v: &Value, which: u8) -> PyResult<Value> {
    match v {
        Value::Obj(o) => match &o.payload {
            super::Payload::Method(m) => Ok(if which == 0 {
                m.func.clone()
            } else {
                m.self_.clone()
            }),
            super::Payload::Builtin(b) => Ok(if which == 0 {
                Value::None
            } else {
                b.self_.clone().unwrap_or(Value::Obj(vm.builtins.clone()))
            }),
            _ => Err(vm.type_error("not a method")),
        },
        _ => Err(vm.type_error("not a method")),
    }
}
/// `types.MethodType(function, instance)`.
fn method_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.has_kwargs() {
        return Err(vm.type_error("method() takes no keyword arguments"));
    }
    let a = args.pos().get(1..).unwrap_or(&[]);
    let [func, self_] = a else {
        return Err(vm.type_error(format!("method expected 2 arguments, got {}", a.len())));
    };
    if !vm.callable(func) {
        return Err(vm.type_error("first argument must be callable"));
    }
    if self_.is_none() {
        return Err(vm.type_error("instance must not be None"));
    }
    Ok(vm.new_method(func.clone(), self_.clone()))
}

fn get_mfunc(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    method_part(vm, v, 0)
}
fn get_mself(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    method_part(vm, v, 1)
}
fn method_getattr_name(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = method_part(vm, v, 0)?;
    vm.getattr_str(&f, "__name__")
}
/// `method.__doc__`: the function's (CPython's `method_get_doc`).
fn method_getattr_doc(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = method_part(vm, v, 0)?;
    vm.getattr_str(&f, "__doc__")
}
fn method_getattr_qualname(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let f = method_part(vm, v, 0)?;
    vm.getattr_str(&f, "__qualname__")
}
fn method_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (a, b) = (arg(&args, 0), arg(&args, 1));
    match (&a, &b) {
        (Value::Obj(x), Value::Obj(y)) => match (&x.payload, &y.payload) {
            (super::Payload::Method(m), super::Payload::Method(n)) => {
                Ok(Value::bool(m.func.is(&n.func) && m.self_.is(&n.self_)))
            }
            _ => Ok(vm.not_implemented()),
        },
        _ => Ok(vm.not_implemented()),
    }
}

fn method_ne(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match method_eq(vm, args)? {
        Value::Bool(b) => Ok(Value::bool(!b.get())),
        other => Ok(other),
    }
}
/// `hash(bound_method)`: the identity hash of `__self__` xor the hash of
/// `__func__` (CPython's meth_hash).
fn method_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = arg(&args, 0);
    let (func, self_) = match &m {
        Value::Obj(o) => match &o.payload {
            super::Payload::Method(m) => (m.func.clone(), m.self_.clone()),
            _ => return Err(vm.type_error("descriptor '__hash__' requires a 'method' object")),
        },
        _ => return Err(vm.type_error("descriptor '__hash__' requires a 'method' object")),
    };
    let x = match &self_ {
        Value::Obj(o) => crate::pyhash::hash_pointer(Rc::as_ptr(o) as *const u8 as usize),
        other => vm.hash(other)?,
    };
    let y = vm.hash(&func)?;
    let h = x ^ y;
    Ok(Value::Int(if h == -1 { -2 } else { h }))
}

/// The bound object and C function of a builtin method or method-wrapper.
fn builtin_parts(v: &Value) -> Option<(Value, &'static str, usize)> {
    match v {
        Value::Obj(o) => match &o.payload {
            super::Payload::Builtin(b) => Some((
                b.self_.clone().unwrap_or(Value::None),
                b.name,
                b.func as usize,
            )),
            // `object.__new__` and the other static builtins bound to their type
            super::Payload::MethodDescr(m) => {
                Some((Value::Obj(m.owner.clone()), m.name, m.func as usize))
            }
            _ => None,
        },
        _ => None,
    }
}

/// `builtin_method == other` (CPython's meth_richcompare and
/// wrapper_richcompare): the same C function bound to the same object.
fn builtin_eq_impl(args: &Args) -> Option<bool> {
    let (a, b) = (arg(args, 0), arg(args, 1));
    if a.is(&b) {
        return Some(true);
    }
    let (sa, na, fa) = builtin_parts(&a)?;
    let (sb, nb, fb) = builtin_parts(&b)?;
    Some(sa.is(&sb) && na == nb && fa == fb)
}

fn builtin_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(match builtin_eq_impl(&args) {
        Some(e) => Value::bool(e),
        None => vm.not_implemented(),
    })
}

fn builtin_ne(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(match builtin_eq_impl(&args) {
        Some(e) => Value::bool(!e),
        None => vm.not_implemented(),
    })
}

/// `hash(builtin_method)`: the identity hash of `__self__` xor the
/// function's address (CPython's meth_hash).
fn builtin_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let me = arg(&args, 0);
    let Some((self_, _, f)) = builtin_parts(&me) else {
        return Ok(match &me {
            Value::Obj(o) => Value::Int(crate::pyhash::hash_pointer(
                Rc::as_ptr(o) as *const u8 as usize
            )),
            other => Value::Int(vm.hash(other)?),
        });
    };
    let x = match &self_ {
        Value::Obj(o) => crate::pyhash::hash_pointer(Rc::as_ptr(o) as *const u8 as usize),
        other => vm.hash(other)?,
    };
    let h = x ^ crate::pyhash::hash_pointer(f);
    Ok(Value::Int(if h == -1 { -2 } else { h }))
}

fn builtin_name(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match v {
        Value::Obj(o) => match &o.payload {
            super::Payload::Builtin(b) => Ok(vm.new_str(b.name)),
            super::Payload::MethodDescr(m) => Ok(vm.new_str(m.name)),
            _ => Err(vm.type_error("not a builtin")),
        },
        _ => Err(vm.type_error("not a builtin")),
    }
}
fn builtin_qualname(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match v {
        Value::Obj(o) => match &o.payload {
            super::Payload::Builtin(b) => match &b.owner {
                Some(t) => Ok(vm.new_string(format!("{}.{}", vm.type_name(t), b.name))),
                None => Ok(vm.new_str(b.name)),
            },
            super::Payload::MethodDescr(m) => {
                Ok(vm.new_string(format!("{}.{}", vm.type_name(&m.owner), m.name)))
            }
            _ => Err(vm.type_error("not a builtin")),
        },
        _ => Err(vm.type_error("not a builtin")),
    }
}
fn descr_get_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = arg(&args, 0);
    let obj = arg(&args, 1);
    let ty = match args.args.get(2) {
        Some(Value::Obj(t)) => t.clone(),
        _ => vm.type_of(&obj),
    };
    let o = if obj.is_none() { None } else { Some(&obj) };
    vm.descr_get(d, o, &ty)
}

/// `cell_contents = x` / `del cell_contents` (writable since 3.7).
fn cell_contents_set(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    match v {
        Value::Obj(o) => match &o.payload {
            super::Payload::Cell(c) => {
                let old = std::mem::replace(&mut *c.borrow_mut(), new.unwrap_or(Value::Null));
                drop(old);
                Ok(())
            }
            _ => Err(vm.type_error("not a cell")),
        },
        _ => Err(vm.type_error("not a cell")),
    }
}

/// `types.CellType([contents])` (CPython's `cell_new`).
fn cell_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.has_kwargs() {
        return Err(vm.type_error("cell() takes no keyword arguments"));
    }
    let pos = args.pos().get(1..).unwrap_or(&[]);
    if pos.len() > 1 {
        return Err(vm.type_error(format!(
            "cell expected at most 1 argument, got {}",
            pos.len()
        )));
    }
    let v = pos.first().cloned().unwrap_or(Value::Null);
    Ok(Value::Obj(vm.new_obj(
        &vm.types.cell,
        super::Payload::Cell(std::cell::RefCell::new(v)),
    )))
}

fn cell_contents(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match v {
        Value::Obj(o) => match &o.payload {
            super::Payload::Cell(c) => {
                let x = c.borrow().clone();
                if x.is_null() {
                    Err(vm.value_error("Cell is empty"))
                } else {
                    Ok(x)
                }
            }
            _ => Err(vm.type_error("not a cell")),
        },
        _ => Err(vm.type_error("not a cell")),
    }
}

/// `__call__` of the builtin callable types (functions, methods, builtin
/// functions, method descriptors): the VM calls them by payload; this is
/// what `type(f).__call__(f, ...)` and `collections.abc.Callable` see.
fn callable_call(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(f) = args.args.first().cloned() else {
        return Err(vm.type_error("descriptor '__call__' needs an argument"));
    };
    let rest = Args {
        args: &args.args[1..],
        kwnames: args.kwnames,
    };
    vm.call_args(&f, rest)
}

/// `function(code, globals, name=None, argdefs=None, closure=None)`
/// (funcobject.c `func_new`), what `types.FunctionType(...)` calls.
fn function_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    use crate::modules::itertools::clinic::{parse, Sig};
    use crate::objects::typeobj::is_subtype;
    use crate::objects::Payload;
    const SIG: Sig = Sig::new(
        "function",
        &["code", "globals", "name", "argdefs", "closure"],
        2,
    );
    let a = parse(vm, &args, 1, &SIG)?;
    let arg = |i: usize| a.get(i).cloned().flatten().unwrap_or(Value::None);
    let (code_v, globals_v) = (arg(0), arg(1));
    let code = match &code_v {
        Value::Obj(o) => match &o.payload {
            Payload::Code(c) => Some(c.clone()),
            _ => None,
        },
        _ => None,
    };
    let Some(code) = code else {
        let t = vm.type_name_of(&code_v);
        return Err(vm.type_error(format!("function() argument 'code' must be code, not {t}")));
    };
    let globals = match &globals_v {
        Value::Obj(o) if is_subtype(&vm.type_of(&globals_v), &vm.types.dict) => o.clone(),
        _ => {
            let t = vm.type_name_of(&globals_v);
            return Err(vm.type_error(format!(
                "function() argument 'globals' must be dict, not {t}"
            )));
        }
    };
    let name = arg(2);
    if !name.is_none() && !is_subtype(&vm.type_of(&name), &vm.types.str) {
        return Err(vm.type_error("arg 3 (name) must be None or string"));
    }
    let defaults = arg(3);
    if !defaults.is_none() && !is_subtype(&vm.type_of(&defaults), &vm.types.tuple) {
        return Err(vm.type_error("arg 4 (defaults) must be None or tuple"));
    }
    let closure = arg(4);
    let nfree = code
        .localspluskinds()
        .iter()
        .filter(|k| **k & crate::pyc::code::CO_FAST_FREE != 0)
        .count();
    let cells = if closure.is_none() {
        Vec::new()
    } else {
        if !is_subtype(&vm.type_of(&closure), &vm.types.tuple) {
            // CPython's func_new: "must be tuple" only for a missing closure.
            return Err(vm.type_error("arg 5 (closure) must be None or tuple"));
        }
        vm.seq_items(&closure).unwrap_or_default()
    };
    if nfree > 0 && closure.is_none() {
        return Err(vm.type_error("arg 5 (closure) must be tuple"));
    }
    if cells.len() != nfree {
        let cname = crate::vm::proto::str_of(&code.name);
        return Err(vm.value_error(format!(
            "{cname} requires closure of length {nfree}, not {}",
            cells.len()
        )));
    }
    for c in &cells {
        if !matches!(c, Value::Obj(o) if matches!(o.payload, Payload::Cell(_))) {
            let t = vm.type_name_of(c);
            return Err(vm.type_error(format!("arg 5 (closure) expected cell, found {t}")));
        }
    }
    let builtins = match vm.dict_get_by_str_nocall(&globals, "__builtins__") {
        Some(Value::Obj(b)) => match &b.payload {
            Payload::Dict(_) => b,
            _ => b.dict().unwrap_or_else(|| vm.builtins_dict()),
        },
        _ => vm.builtins_dict(),
    };
    let doc = code.doc_const();
    let module = vm
        .dict_get_by_str_nocall(&globals, "__name__")
        .unwrap_or(Value::None);
    let name = if name.is_none() {
        Value::Obj(code.name.clone())
    } else {
        name
    };
    let f = Function {
        code: RefCell::new(code.clone()),
        globals,
        builtins,
        name: ValueCell::new(name),
        qualname: ValueCell::new(Value::Obj(code.qualname.clone())),
        defaults: ValueCell::new(defaults),
        extras: RefCell::new(None),
        closure: if nfree == 0 { Value::None } else { closure },
        doc: ValueCell::new(doc),
        module: ValueCell::new(module),
    };
    let fo = vm.new_obj(&vm.types.function.clone(), Payload::Function(Box::new(f)));
    fo.set_lazy_dict();
    Ok(Value::Obj(fo))
}

pub fn install(vm: &mut Vm) {
    let f = vm.types.function.clone();
    vm.add_staticmethods(&f, &[("__new__", function_new)]);
    vm.add_getsets(
        &f,
        &[
            ("__name__", get_fname, Some(set_fname)),
            ("__qualname__", get_fqualname, Some(set_fqualname)),
            ("__defaults__", get_defaults, Some(set_defaults)),
            ("__kwdefaults__", get_kwdefaults, Some(set_kwdefaults)),
            ("__doc__", get_doc, Some(set_doc)),
            ("__module__", get_fmodule, Some(set_fmodule)),
            ("__annotations__", get_annotations, Some(set_annotations)),
            ("__dict__", get_fdict, Some(set_fdict)),
            ("__code__", get_code, Some(set_code)),
        ],
    );
    vm.add_readonly_members(
        &f,
        &[
            ("__globals__", get_globals),
            ("__closure__", get_closure),
            ("__builtins__", get_builtins),
        ],
    );
    vm.add_methods(&f, &[("__get__", func_get)]);
    let m = vm.types.method.clone();
    vm.add_getsets(
        &m,
        &[
            ("__func__", get_mfunc, None),
            ("__self__", get_mself, None),
            ("__name__", method_getattr_name, None),
            ("__qualname__", method_getattr_qualname, None),
            ("__doc__", method_getattr_doc, None),
        ],
    );
    vm.add_methods(
        &m,
        &[
            ("__eq__", method_eq),
            ("__ne__", method_ne),
            ("__hash__", method_hash),
        ],
    );
    vm.add_staticmethods(&m, &[("__new__", method_new)]);
    for t in [
        vm.types.function.clone(),
        vm.types.method.clone(),
        vm.types.builtin_function.clone(),
        vm.types.method_descriptor.clone(),
        vm.types.classmethod_descriptor.clone(),
        vm.types.wrapper_descriptor.clone(),
        vm.types.method_wrapper.clone(),
    ] {
        vm.add_methods(&t, &[("__call__", callable_call)]);
    }
    for b in [
        vm.types.builtin_function.clone(),
        vm.types.method_descriptor.clone(),
        vm.types.classmethod_descriptor.clone(),
        vm.types.wrapper_descriptor.clone(),
        vm.types.method_wrapper.clone(),
    ] {
        vm.add_getsets(
            &b,
            &[
                ("__name__", builtin_name, None),
                ("__qualname__", builtin_qualname, None),
                ("__self__", get_mself, None),
            ],
        );
    }
    for b in [
        vm.types.builtin_function.clone(),
        vm.types.method_wrapper.clone(),
    ] {
        vm.add_methods(
            &b,
            &[
                ("__eq__", builtin_eq),
                ("__ne__", builtin_ne),
                ("__hash__", builtin_hash),
            ],
        );
    }
    for md in [
        vm.types.method_descriptor.clone(),
        vm.types.wrapper_descriptor.clone(),
    ] {
        vm.add_methods(&md, &[("__get__", descr_get_m)]);
    }
    super::builtin_sigs::install(vm);
    let c = vm.types.cell.clone();
    vm.add_getsets(
        &c,
        &[("cell_contents", cell_contents, Some(cell_contents_set))],
    );
    vm.add_staticmethods(&c, &[("__new__", cell_new)]);
}
