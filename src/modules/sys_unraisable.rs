//! `sys.unraisablehook` / `sys.__unraisablehook__` and the
//! `UnraisableHookArgs` struct sequence: how errors that cannot propagate
//! (raised in `__del__`, generator finalizers, atexit callbacks) reach a
//! user-installed hook, as CPython's `_PyErr_WriteUnraisableMsg`.

use crate::objects::rc::Rc;
use std::cell::RefCell;

use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

crate::interp_local! {
    /// The `UnraisableHookArgs` type and the default hook function.
    static STATE: RefCell<Option<(PyRef, PyRef)>> = const { RefCell::new(None) };
}

/// Add `unraisablehook` and `__unraisablehook__` to `sys` (CPython does
/// not expose the `UnraisableHookArgs` type there).
pub fn install(vm: &mut Vm) {
    let sys = vm.sys.clone();
    let t = vm.new_structseq_type(
        "sys",
        "UnraisableHookArgs",
        &[
            "exc_type",
            "exc_value",
            "exc_traceback",
            "err_msg",
            "object",
        ],
        true,
    );
    vm.add_functions(&sys, &[("__unraisablehook__", sys_unraisablehook)]);
    let Some(Value::Obj(hook)) = vm.get_attr_raw(&sys, "__unraisablehook__") else {
        return;
    };
    vm.set_attr_raw(&sys, "unraisablehook", Value::Obj(hook.clone()));
    STATE.with(|s| *s.borrow_mut() = Some((t, hook)));
}

/// The `err_msg` CPython passes: None for the plain "Exception ignored
/// in" form, else the whole "Exception ignored {msg}" text.
fn err_msg_text(msg: &str) -> Option<String> {
    (msg != "in").then(|| format!("Exception ignored {msg}"))
}

/// Report an unraisable error through a user's `sys.unraisablehook`.
/// Returns false when the default hook is in force (the caller prints).
/// A hook that raises is itself reported by the default printer, as
/// "Exception ignored in sys.unraisablehook: <hook>".
pub fn call_user_hook(vm: &mut Vm, e: &PyErr, msg: &str, obj: &Value) -> bool {
    let Some((args_type, default)) = STATE.with(|s| s.borrow().clone()) else {
        return false;
    };
    let sys = vm.sys.clone();
    let hook = match vm.get_attr_raw(&sys, "unraisablehook") {
        Some(Value::Obj(h)) if !Rc::ptr_eq(&h, &default) => Value::Obj(h),
        _ => return false,
    };
    let exc = Value::Obj(e.0.clone());
    let exc_type = Value::Obj(vm.type_of(&exc));
    let tb = match &e.0.payload {
        Payload::Exception(d) => d
            .try_borrow()
            .map(|d| d.traceback.clone())
            .unwrap_or(Value::None),
        _ => Value::None,
    };
    let err_msg = match err_msg_text(msg) {
        Some(m) => vm.new_str(&m),
        None => Value::None,
    };
    let uargs = vm.new_structseq(&args_type, vec![exc_type, exc, tb, err_msg, obj.clone()]);
    if let Err(he) = vm.call(&hook, &[uargs]) {
        vm.write_default_unraisable(&he, "in sys.unraisablehook", &hook);
    }
    true
}

/// `sys.__unraisablehook__(unraisable)`: print "Exception ignored in: obj"
/// (or the args' `err_msg`) and the exception's traceback on stderr.
fn sys_unraisablehook(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("unraisablehook", args, 1, 1)?;
    let u = a[0].clone();
    let field = |vm: &mut Vm, name: &str| vm.getattr_str(&u, name);
    let exc = field(vm, "exc_value")?;
    let err_msg = field(vm, "err_msg")?;
    let obj = field(vm, "object")?;
    let head = if err_msg.is_none() {
        "Exception ignored in".to_string()
    } else {
        vm.str(&err_msg)?
    };
    let mut text = if obj.is_none() {
        format!("{head}\n")
    } else {
        let r = vm
            .repr(&obj)
            .unwrap_or_else(|_| "<object repr() failed>".to_string());
        format!("{head}: {r}\n")
    };
    if let Value::Obj(e) = &exc {
        if matches!(e.payload, Payload::Exception(_)) {
            text.push_str(&vm.format_exception(e));
        }
    }
    vm.flush_stdout();
    vm.write_report(&text);
    Ok(Value::None)
}
