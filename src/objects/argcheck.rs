//! Argument-count checks of native methods that several builtin types
//! share (one Rust function registered on `set` and `frozenset`, or
//! `object.__sizeof__` registered on `list`, `dict`, ...). CPython names the
//! type whose method table holds the method (`frozenset.issubset() takes
//! exactly one argument (0 given)`), so the owner is found from the
//! receiver's MRO, only when the call is wrong.

use super::function::{Args, NativeFn};
use super::typeobj::type_data;
use super::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The name of the first class in the MRO of `recv`'s type whose own dict
/// holds `name` as a method descriptor calling `f`; `fallback` when none does.
pub fn method_owner(
    vm: &Vm,
    recv: Option<&Value>,
    name: &str,
    f: NativeFn,
    fallback: &str,
) -> String {
    let Some(recv) = recv else {
        return fallback.to_string();
    };
    let cls = vm.type_of(recv);
    let mro = type_data(&cls)
        .map(|t| t.mro.borrow().clone())
        .unwrap_or_default();
    for c in &mro {
        let Some(d) = c.dict_made() else { continue };
        if let Some(Value::Obj(o)) = vm.dict_get_by_str_nocall(&d, name) {
            if let Payload::MethodDescr(md) = &o.payload {
                if std::ptr::fn_addr_eq(md.func, f) {
                    return vm.type_name(c);
                }
            }
        }
    }
    fallback.to_string()
}

impl Vm {
    /// `check_args` for the native method `f` registered as `name` on
    /// several types: the message names the owner found from `self`.
    pub fn check_shared_args<'a>(
        &self,
        f: NativeFn,
        name: &str,
        args: Args<'a>,
        min: usize,
        max: usize,
    ) -> PyResult<&'a [Value]> {
        let pos = args.pos();
        let a = pos.get(1..).unwrap_or(&[]);
        if !args.has_kwargs() && (min..=max).contains(&a.len()) {
            return Ok(a);
        }
        let owner = method_owner(self, args.args.first(), name, f, "object");
        self.check_args(&format!("{owner}.{name}"), args, min, max)
    }

    /// The arguments of a native `__new__` that takes no keywords, checked
    /// as Argument Clinic does (`(type == &X_type || type->tp_init ==
    /// X_type.tp_init) && !_PyArg_NoKeywords(name, kwargs)`, X's `__init__`
    /// being object's): a subclass with an `__init__` of its own may be
    /// called with keywords, which are for that `__init__` and are dropped
    /// here; otherwise "name() takes no keyword arguments".
    pub fn new_args_no_kwargs<'a>(&mut self, args: Args<'a>, name: &str) -> PyResult<Args<'a>> {
        if !args.has_kwargs() {
            return Ok(args);
        }
        let own_init = match args.args.first() {
            Some(Value::Obj(c)) if matches!(c.payload, Payload::Type(_)) => {
                let object = self.types.object.clone();
                let init = self.type_lookup_static(c, "__init__");
                let base = self.type_lookup_static(&object, "__init__");
                match (init, base) {
                    (Some(Value::Obj(a)), Some(Value::Obj(b))) => {
                        !crate::objects::rc::Rc::ptr_eq(&a, &b)
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        if !own_init {
            return Err(self.type_error(format!("{name}() takes no keyword arguments")));
        }
        Ok(Args::new(args.pos()))
    }

    /// "T.name() takes no keyword arguments" for a shared method `f`.
    pub fn check_shared_no_kwargs(&self, f: NativeFn, name: &str, args: &Args) -> PyResult<()> {
        if !args.has_kwargs() {
            return Ok(());
        }
        let owner = method_owner(self, args.args.first(), name, f, "object");
        Err(self.type_error(format!("{owner}.{name}() takes no keyword arguments")))
    }
}

/// The argument check of a bound slot wrapper (`method-wrapper`, as
/// `m = [].__len__; m(1)`), which a call through its `wrapper_descriptor`
/// makes in `Vm::call_args`: `Err` with CPython's message when `nargs`
/// positional arguments (without `self`) do not fit the slot. Cheap for
/// non-dunder names.
#[inline]
pub fn check_bound_slot(
    vm: &Vm,
    b: &super::function::Builtin,
    nargs: usize,
    has_kw: bool,
) -> PyResult<()> {
    if !b.name.starts_with("__")
        || crate::vm::slot_args::slot_call_error(b.name, "", nargs, has_kw).is_none()
    {
        return Ok(());
    }
    bound_slot_error(vm, b, nargs, has_kw)
}

#[cold]
fn bound_slot_error(
    vm: &Vm,
    b: &super::function::Builtin,
    nargs: usize,
    has_kw: bool,
) -> PyResult<()> {
    let Some(owner) = &b.owner else {
        return Ok(());
    };
    let owner = vm.type_name(owner);
    if !super::function::is_slot_wrapper(&owner, b.name) {
        return Ok(());
    }
    match crate::vm::slot_args::slot_call_error(b.name, &owner, nargs, has_kw) {
        Some(msg) => Err(vm.type_error(msg)),
        None => Ok(()),
    }
}

/// CPython's `tp_new_wrapper` checks of a builtin `T.__new__(X, ...)`
/// called through its descriptor: `X` must be given, be a type, and be a
/// subtype of `T`.
pub fn check_new_args(vm: &Vm, owner: &PyRef, args: &Args) -> PyResult<()> {
    let sub = match args.args.first() {
        Some(Value::Obj(c)) if matches!(c.payload, Payload::Type(_)) => c,
        Some(other) => {
            return Err(vm.type_error(format!(
                "{}.__new__(X): X is not a type object ({})",
                vm.type_name(owner),
                vm.type_name_of(other)
            )))
        }
        None => {
            return Err(vm.type_error(format!(
                "{}.__new__(): not enough arguments",
                vm.type_name(owner)
            )))
        }
    };
    if super::typeobj::is_subtype(sub, owner) {
        return Ok(());
    }
    let (s, o) = (vm.type_name(sub), vm.type_name(owner));
    Err(vm.type_error(format!("{o}.__new__({s}): {s} is not a subtype of {o}")))
}
