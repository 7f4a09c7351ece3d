//! How an uncaught exception reaches `sys.excepthook` (pythonrun.c
//! `_PyErr_PrintEx`): `sys.last_type`, `sys.last_value` and
//! `sys.last_traceback` are set, then the hook is called. When the hook
//! fails, "Error in sys.excepthook:", the hook's error, "Original
//! exception was:" and the original exception are printed; when it is
//! missing, "sys.excepthook is missing" and the original. A hook that
//! raises SystemExit ends the program with its status. [`display`] is
//! `PyErr_Display`, the default hook's body.

use crate::objects::rc::Rc;

use crate::objects::exception::ExcKind;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, Vm};

/// `PyErr_Display`: the exception's report on `sys.stderr`. When that is
/// None nothing is printed; when it is missing or its `write` raises, the
/// process's stderr gets `_PyObject_Dump`'s lines and "lost sys.stderr".
pub fn display(vm: &mut Vm, exc: &PyRef) {
    let text = vm.format_exception(exc);
    let sys = vm.sys.clone();
    let written = match vm.get_attr_raw(&sys, "stderr") {
        Some(Value::None) => return,
        Some(err) => {
            let ok = vm.write_to(&err, &text).is_ok();
            if ok && crate::modules::sys::stream_fd(vm, &err).is_none() {
                let _ = vm.call_method(&err, "flush", &[]);
            }
            ok
        }
        None => false,
    };
    if !written {
        let v = Value::Obj(exc.clone());
        let repr = vm.repr(&v).unwrap_or_default();
        let name = vm.type_name_of(&v);
        let ty = exc.class().map_or(0, |t| Rc::as_ptr(&t) as usize);
        vm.flush_stdout();
        eprint!(
            "object address  : {:#x}\nobject refcount : {}\nobject type     : {ty:#x}\n\
             object type name: {name}\nobject repr     : {repr}\nlost sys.stderr\n",
            Rc::as_ptr(exc) as usize,
            Rc::strong_count(exc),
        );
    }
}

/// Display the uncaught `exc` through `sys.excepthook`. Returns the exit
/// status when the hook raised SystemExit, None otherwise.
pub fn display_uncaught(vm: &mut Vm, exc: &PyRef) -> Option<i32> {
    let sys = vm.sys.clone();
    let etype = exc.class().map_or(Value::None, Value::Obj);
    let tb = match &exc.payload {
        Payload::Exception(d) => d.try_borrow().map_or(Value::None, |d| d.traceback.clone()),
        _ => Value::None,
    };
    let value = Value::Obj(exc.clone());
    vm.set_attr_raw(&sys, "last_type", etype.clone());
    vm.set_attr_raw(&sys, "last_value", value.clone());
    vm.set_attr_raw(&sys, "last_traceback", tb.clone());
    let Some(hook) = vm.get_attr_raw(&sys, "excepthook") else {
        vm.write_report("sys.excepthook is missing\n");
        display(vm, exc);
        return None;
    };
    let err = match vm.call(&hook, &[etype, value, tb]) {
        Ok(_) => return None,
        Err(e) => e,
    };
    if vm.err_is(&err, ExcKind::SystemExit) {
        return Some(vm.handle_uncaught(&err.0));
    }
    let PyErr(hook_exc) = err;
    vm.write_report("Error in sys.excepthook:\n");
    display(vm, &hook_exc);
    vm.write_report("\nOriginal exception was:\n");
    display(vm, exc);
    None
}
