//! `_queue`: `SimpleQueue` (an unbounded FIFO) and `Empty`. A blocking
//! `get` on an empty queue waits with the interpreter lock released until
//! a `put` (or its timeout), interruptible by signals in the main thread;
//! with no other thread it sleeps out its timeout (forever without one,
//! as CPython would deadlock).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{type_data, Layout, FLAG_BASETYPE, FLAG_HAS_WEAKREF};
use crate::vm::proto::str_of;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

pub struct SimpleQueue {
    items: RefCell<VecDeque<Value>>,
    puts: PutSignal,
}

/// Counts `put`s, so a waiting `get` (GIL released) wakes on one.
#[derive(Default)]
struct PutSignal {
    count: std::sync::Mutex<u64>,
    cv: std::sync::Condvar,
}

impl PutSignal {
    fn current(&self) -> u64 {
        *self.count.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bump(&self) {
        let mut c = self.count.lock().unwrap_or_else(|e| e.into_inner());
        *c = c.wrapping_add(1);
        self.cv.notify_all();
    }

    /// Wait (GIL released) until the count is not `seen` or `until`.
    fn wait(&self, seen: u64, until: Instant) {
        let mut c = self.count.lock().unwrap_or_else(|e| e.into_inner());
        while *c == seen {
            let now = Instant::now();
            if now >= until {
                return;
            }
            c = self
                .cv
                .wait_timeout(c, until - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

impl NativeData for SimpleQueue {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        if let Ok(items) = self.items.try_borrow() {
            items.iter().for_each(visit);
        }
    }

    fn clear(&self, out: &mut Vec<Value>) {
        if let Ok(mut items) = self.items.try_borrow_mut() {
            out.extend(items.drain(..));
        }
    }
}

crate::interp_local! {
    static EMPTY: RefCell<Option<Value>> = const { RefCell::new(None) };
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_queue");
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "_queue",
        "SimpleQueue",
        &object,
        Layout::Native("SimpleQueue"),
        FLAG_BASETYPE,
    );
    if let Some(td) = type_data(&t) {
        td.flags.set(td.flags.get() | FLAG_HAS_WEAKREF);
    }
    vm.add_staticmethods(&t, &[("__new__", queue_new)]);
    vm.add_methods(
        &t,
        &[
            ("put", queue_put),
            ("put_nowait", queue_put_nowait),
            ("get", queue_get),
            ("get_nowait", queue_get_nowait),
            ("empty", queue_empty),
            ("qsize", queue_qsize),
        ],
    );
    vm.add_classmethods(&t, &[("__class_getitem__", queue_class_getitem)]);
    let ns = vm.new_dict();
    let key = vm.new_str("__module__");
    let modname = vm.new_str("_queue");
    vm.dict_set(&ns, key, modname)?;
    let base = vm.exc_type(crate::objects::exception::ExcKind::Exception);
    let meta = vm.types.type_.clone();
    let empty = vm.make_class(&meta, "Empty", vec![base], &ns, Vec::new())?;
    EMPTY.with(|e| *e.borrow_mut() = Some(empty.clone()));
    vm.set_attr_raw(&m, "Empty", empty);
    vm.set_attr_raw(&m, "SimpleQueue", Value::Obj(t));
    Ok(m)
}

fn queue_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(cls)) = args.args.first() else {
        return Err(vm.type_error("SimpleQueue.__new__(): not enough arguments"));
    };
    if args.pos().len() > 1 {
        return Err(vm.type_error("SimpleQueue() takes no positional arguments"));
    }
    if let Some((k, _)) = args.kwargs().next() {
        return Err(vm.type_error(format!(
            "SimpleQueue() takes no keyword arguments (got '{}')",
            str_of(k)
        )));
    }
    Ok(Value::Obj(vm.new_native(
        cls,
        SimpleQueue {
            items: RefCell::new(VecDeque::new()),
            puts: PutSignal::default(),
        },
    )))
}

fn state<'a>(vm: &Vm, args: &Args<'a>, m: &str) -> PyResult<&'a SimpleQueue> {
    vm.native_self::<SimpleQueue>(args, "_queue.SimpleQueue", m)
}

/// The arguments of a method `(names...)` after self, by position or name.
fn method_args(vm: &Vm, args: &Args, method: &str, names: &[&str]) -> PyResult<Vec<Option<Value>>> {
    super::binargs::named_args(vm, args, 1, method, names)
}

fn queue_put(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let q = state(vm, &args, "put")?;
    let a = method_args(vm, &args, "put", &["item", "block", "timeout"])?;
    let Some(item) = a.first().cloned().flatten() else {
        return Err(vm.type_error("put() missing required argument 'item' (pos 1)"));
    };
    q.items.borrow_mut().push_back(item);
    q.puts.bump();
    Ok(Value::None)
}

fn queue_put_nowait(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let q = state(vm, &args, "put_nowait")?;
    let a = method_args(vm, &args, "put_nowait", &["item"])?;
    let Some(item) = a.first().cloned().flatten() else {
        return Err(vm.type_error("put_nowait() missing required argument 'item' (pos 1)"));
    };
    q.items.borrow_mut().push_back(item);
    q.puts.bump();
    Ok(Value::None)
}

fn empty_error(vm: &mut Vm) -> crate::vm::PyErr {
    let cls = EMPTY.with(|e| e.borrow().clone());
    match cls {
        Some(c) => match vm.call(&c, &[]) {
            Ok(Value::Obj(e)) => crate::vm::PyErr(e),
            Ok(_) => vm.system_error("_queue.Empty() did not return an exception"),
            Err(e) => e,
        },
        None => vm.system_error("_queue.Empty is missing"),
    }
}

fn queue_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let q = state(vm, &args, "get")?;
    let a = method_args(vm, &args, "get", &["block", "timeout"])?;
    let block = match a.first().cloned().flatten() {
        Some(b) => vm.truthy(&b)?,
        None => true,
    };
    let timeout = match a.get(1).cloned().flatten() {
        None | Some(Value::None) => None,
        Some(Value::Float(f)) => Some(f.get()),
        Some(Value::Int(i)) => Some(i as f64),
        Some(v) => {
            let f = vm.call(&Value::Obj(vm.types.float.clone()), &[v])?;
            match f {
                Value::Float(f) => Some(f.get()),
                _ => None,
            }
        }
    };
    // A blocking get checks its timeout before looking at the queue, as
    // `_queue_SimpleQueue_get_impl` does.
    if block && timeout.is_some_and(|t| t < 0.0) {
        return Err(vm.value_error("'timeout' must be a non-negative number"));
    }
    if let Some(v) = q.items.borrow_mut().pop_front() {
        return Ok(v);
    }
    if !block {
        return Err(empty_error(vm));
    }
    let deadline = timeout.map(|t| Instant::now() + Duration::from_secs_f64(t.clamp(0.0, 1e9)));
    // Wait for a put; the main thread wakes every 50 ms for signals.
    let main = crate::vm::gil::is_main_thread();
    loop {
        let step = Duration::from_millis(if main { 50 } else { 1000 });
        let wait = match deadline {
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => left.min(step),
                _ => return Err(empty_error(vm)),
            },
            None => step,
        };
        let seen = q.puts.current();
        let until = Instant::now() + wait;
        let puts = &q.puts;
        vm.allow_threads(|| puts.wait(seen, until));
        if main {
            super::signal::check_signals(vm)?;
        }
        if let Some(v) = q.items.borrow_mut().pop_front() {
            return Ok(v);
        }
    }
}

fn queue_get_nowait(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let q = state(vm, &args, "get_nowait")?;
    vm.check_args("get_nowait", args, 0, 0)?;
    let item = q.items.borrow_mut().pop_front();
    match item {
        Some(v) => Ok(v),
        None => Err(empty_error(vm)),
    }
}

fn queue_empty(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let q = state(vm, &args, "empty")?;
    vm.check_args("empty", args, 0, 0)?;
    Ok(Value::bool(q.items.borrow().is_empty()))
}

fn queue_qsize(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let q = state(vm, &args, "qsize")?;
    vm.check_args("qsize", args, 0, 0)?;
    Ok(Value::Int(q.items.borrow().len() as i64))
}

fn queue_class_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = args.args.first().cloned().unwrap_or(Value::None);
    let b = args.args.get(1).cloned().unwrap_or(Value::None);
    Ok(vm.new_generic_alias(a, b))
}
