//! `atexit`: exit handlers. The VM calls [`run_exitfuncs`] when a program
//! ends — normally, by SystemExit, or after printing an uncaught exception
//! — before `__main__` is torn down; handlers run newest first, and one
//! that raises is reported as "Exception ignored in atexit callback" with
//! its traceback, then the rest still run (CPython 3.11).

use std::cell::RefCell;

use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// A registered handler: the function, its positional arguments, and its
/// keyword arguments (names, values).
struct Callback {
    func: Value,
    args: Vec<Value>,
    kwnames: Vec<PyRef>,
}

crate::interp_local! {
    /// Registered handlers in order; `unregister` leaves a hole (as
    /// CPython, `_ncallbacks` still counts it until the next run).
    static CALLBACKS: RefCell<Vec<Option<Callback>>> = const { RefCell::new(Vec::new()) };
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("atexit");
    vm.add_functions(
        &m,
        &[
            ("register", atexit_register),
            ("unregister", atexit_unregister),
            ("_run_exitfuncs", atexit_run_exitfuncs),
            ("_clear", atexit_clear),
            ("_ncallbacks", atexit_ncallbacks),
        ],
    );
    Ok(m)
}

/// `register(func, *args, **kwargs)`: returns `func`.
fn atexit_register(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = args.pos();
    let Some(func) = pos.first().cloned() else {
        return Err(vm.type_error("register() takes at least 1 argument (0 given)"));
    };
    if !vm.callable(&func) {
        return Err(vm.type_error("the first argument must be callable"));
    }
    let mut call_args: Vec<Value> = pos.get(1..).unwrap_or(&[]).to_vec();
    call_args.extend(args.kwargs().map(|(_, v)| v.clone()));
    let cb = Callback {
        func: func.clone(),
        args: call_args,
        kwnames: args.kwnames.to_vec(),
    };
    CALLBACKS.with(|c| c.borrow_mut().push(Some(cb)));
    Ok(func)
}

/// `unregister(func)`: forget every registration of a function equal to it.
fn atexit_unregister(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("unregister", args, 1, 1)?;
    let n = CALLBACKS.with(|c| c.borrow().len());
    for i in 0..n {
        let f = CALLBACKS.with(|c| {
            c.borrow()
                .get(i)
                .and_then(|cb| cb.as_ref().map(|cb| cb.func.clone()))
        });
        let Some(f) = f else {
            continue;
        };
        if vm.eq(&f, &a[0])? {
            let old = CALLBACKS.with(|c| c.borrow_mut().get_mut(i).and_then(Option::take));
            drop(old);
        }
    }
    Ok(Value::None)
}

/// Run the handlers newest first, then forget them all.
pub fn run_exitfuncs(vm: &mut Vm) {
    let n = CALLBACKS.with(|c| c.try_borrow().map(|c| c.len()).unwrap_or(0));
    for i in (0..n).rev() {
        let cb = CALLBACKS.with(|c| {
            c.borrow().get(i).and_then(|cb| {
                cb.as_ref()
                    .map(|cb| (cb.func.clone(), cb.args.clone(), cb.kwnames.clone()))
            })
        });
        let Some((func, args, kwnames)) = cb else {
            continue;
        };
        let r = vm.call_args(
            &func,
            Args {
                args: &args,
                kwnames: &kwnames,
            },
        );
        if let Err(e) = r {
            vm.write_unraisable_msg(&e, "in atexit callback", &func);
        }
    }
    let old = CALLBACKS.with(|c| std::mem::take(&mut *c.borrow_mut()));
    drop(old);
}

fn atexit_run_exitfuncs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("_run_exitfuncs", args, 0, 0)?;
    run_exitfuncs(vm);
    Ok(Value::None)
}

fn atexit_clear(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("_clear", args, 0, 0)?;
    let old = CALLBACKS.with(|c| std::mem::take(&mut *c.borrow_mut()));
    drop(old);
    Ok(Value::None)
}

fn atexit_ncallbacks(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("_ncallbacks", args, 0, 0)?;
    Ok(Value::Int(CALLBACKS.with(|c| c.borrow().len()) as i64))
}
