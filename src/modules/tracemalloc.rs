//! `_tracemalloc`, approximately: pycvm does not see every memory block
//! CPython's allocator hands out, so while tracing is on it records each
//! Python object allocated (`Vm::new_obj`, `Vm::new_instance_of` call
//! [`on_alloc`]) with an estimate of its size (the object's block plus
//! the characters, bytes or items it was made with) and the traceback of
//! where it was made, and forgets it when the object is freed
//! ([`on_free`], from `Drop`). `tracemalloc.py` builds its snapshots,
//! statistics and filters from these traces as under CPython; the sizes
//! are estimates and ints and floats held inline are not traced.

use crate::objects::rc::Rc;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::objects::function::Args;
use crate::objects::{Payload, PyObject};
use crate::vm::code::Code;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// Whether some interpreter is tracing (checked on every allocation and
/// free, so it is a plain flag; the traces themselves are per interpreter).
static TRACING_ANY: AtomicBool = AtomicBool::new(false);

/// Where an object was made: (code, instruction) per frame, most recent
/// first.
type Frames = Vec<(Rc<Code>, u32)>;

/// One traced object: its estimated size and where it was made (code and
/// instruction of each frame, most recent first; lines are looked up when
/// a snapshot is taken).
struct Trace {
    size: u64,
    frames: Box<[(Rc<Code>, u32)]>,
    total_nframe: usize,
}

struct State {
    tracing: bool,
    limit: usize,
    traces: HashMap<usize, Trace>,
    current: u64,
    peak: u64,
}

crate::interp_local! {
    static STATE: RefCell<State> = RefCell::new(State {
        tracing: false,
        limit: 1,
        traces: HashMap::new(),
        current: 0,
        peak: 0,
    });
}

/// Whether allocations are being traced (cheap; called per allocation).
#[inline]
pub fn tracing() -> bool {
    TRACING_ANY.load(Ordering::Relaxed)
}

/// The estimated size of a new object: its block and what it was made
/// with.
fn estimate(o: &PyObject) -> u64 {
    let word = std::mem::size_of::<usize>();
    let head = std::mem::size_of::<PyObject>() + 2 * word;
    let owned = match &o.payload {
        Payload::Str(s) => s.as_str().len() + 1,
        Payload::Bytes(b) => b.len() + 1,
        Payload::Tuple(items) => items.len() * std::mem::size_of::<Value>(),
        Payload::List(items) => {
            items.try_borrow().map_or(0, |l| l.capacity()) * std::mem::size_of::<Value>()
        }
        _ => 0,
    };
    (head + owned) as u64
}

/// Record a new object (called when [`tracing`] is on).
#[cold]
pub fn on_alloc(vm: &Vm, o: &PyRef) {
    let size = estimate(o);
    let addr = Rc::as_ptr(o) as usize;
    let _ = STATE.try_with(|s| {
        let Ok(mut s) = s.try_borrow_mut() else {
            return;
        };
        if !s.tracing {
            return;
        }
        let frames: Box<[(Rc<Code>, u32)]> = vm
            .frames
            .iter()
            .rev()
            .take(s.limit)
            .map(|f| (f.code.clone(), u32::try_from(f.lasti).unwrap_or(0)))
            .collect();
        let trace = Trace {
            size,
            frames,
            total_nframe: vm.frames.len(),
        };
        let old = s.traces.insert(addr, trace);
        s.current += size;
        if let Some(old) = &old {
            s.current = s.current.saturating_sub(old.size);
        }
        s.peak = s.peak.max(s.current);
        drop(s);
        // Dropped after the borrow ends (a code object may free objects).
        drop(old);
    });
}

/// Forget a freed object (called from `Drop` when [`tracing`] is on).
#[cold]
pub fn on_free(addr: usize) {
    let _ = STATE.try_with(|s| {
        let Ok(mut s) = s.try_borrow_mut() else {
            return;
        };
        let old = s.traces.remove(&addr);
        if let Some(t) = &old {
            s.current = s.current.saturating_sub(t.size);
        }
        drop(s);
        drop(old);
    });
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_tracemalloc");
    vm.add_functions(
        &m,
        &[
            ("_get_object_traceback", tracemalloc_get_object_traceback),
            ("_get_traces", tracemalloc_get_traces),
            ("clear_traces", tracemalloc_clear_traces),
            ("get_traceback_limit", tracemalloc_get_traceback_limit),
            ("get_traced_memory", tracemalloc_get_traced_memory),
            ("get_tracemalloc_memory", tracemalloc_get_tracemalloc_memory),
            ("is_tracing", tracemalloc_is_tracing),
            ("reset_peak", tracemalloc_reset_peak),
            ("start", tracemalloc_start),
            ("stop", tracemalloc_stop),
        ],
    );
    Ok(m)
}

/// Run `f` on the state (None when it is in use or gone).
fn with_state<R>(f: impl FnOnce(&mut State) -> R) -> Option<R> {
    STATE
        .try_with(|s| s.try_borrow_mut().ok().map(|mut s| f(&mut s)))
        .ok()
        .flatten()
}

/// A traceback as `_tracemalloc` gives it: a tuple of (filename, lineno),
/// most recent first.
fn traceback_value(vm: &Vm, frames: &[(Rc<Code>, u32)]) -> Value {
    let items = frames
        .iter()
        .map(|(code, lasti)| {
            let line = code.line_of(*lasti as usize).map_or(0, i64::from);
            vm.new_tuple_of([Value::Obj(code.filename()), Value::Int(line)])
        })
        .collect();
    vm.new_tuple(items)
}

fn tracemalloc_get_object_traceback(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("_get_object_traceback", args, 1, 1)?;
    let Some(Value::Obj(o)) = a.first() else {
        return Ok(Value::None);
    };
    let addr = Rc::as_ptr(o) as usize;
    let frames = with_state(|s| s.traces.get(&addr).map(|t| t.frames.to_vec())).flatten();
    Ok(match frames {
        Some(f) => traceback_value(vm, &f),
        None => Value::None,
    })
}

/// `_get_traces()`: a list of (domain, size, traceback, total_nframe).
fn tracemalloc_get_traces(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("_get_traces", args, 0, 0)?;
    // Copied out first: building the list allocates (and is traced).
    let traces: Vec<(u64, Frames, usize)> = with_state(|s| {
        s.traces
            .values()
            .map(|t| (t.size, t.frames.to_vec(), t.total_nframe))
            .collect()
    })
    .unwrap_or_default();
    // One traceback tuple per distinct place, as CPython shares them.
    let mut shared: HashMap<Vec<(usize, u32)>, Value> = HashMap::new();
    let mut out = Vec::with_capacity(traces.len());
    for (size, frames, total) in traces {
        let key: Vec<(usize, u32)> = frames
            .iter()
            .map(|(c, i)| (Rc::as_ptr(c) as usize, *i))
            .collect();
        let tb = match shared.get(&key) {
            Some(tb) => tb.clone(),
            None => {
                let tb = traceback_value(vm, &frames);
                shared.insert(key, tb.clone());
                tb
            }
        };
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        let total = i64::try_from(total).unwrap_or(i64::MAX);
        out.push(vm.new_tuple_of([Value::Int(0), Value::Int(size), tb, Value::Int(total)]));
    }
    Ok(vm.new_list(out))
}

fn tracemalloc_clear_traces(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("clear_traces", args, 0, 0)?;
    let old = with_state(|s| {
        s.current = 0;
        s.peak = 0;
        std::mem::take(&mut s.traces)
    });
    drop(old);
    Ok(Value::None)
}

fn tracemalloc_reset_peak(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("reset_peak", args, 0, 0)?;
    with_state(|s| s.peak = s.current);
    Ok(Value::None)
}

fn tracemalloc_get_traceback_limit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_traceback_limit", args, 0, 0)?;
    let n = with_state(|s| s.limit).unwrap_or(1);
    Ok(Value::Int(i64::try_from(n).unwrap_or(1)))
}

fn tracemalloc_get_traced_memory(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_traced_memory", args, 0, 0)?;
    let (cur, peak) = with_state(|s| (s.current, s.peak)).unwrap_or((0, 0));
    let cur = i64::try_from(cur).unwrap_or(i64::MAX);
    let peak = i64::try_from(peak).unwrap_or(i64::MAX);
    Ok(vm.new_tuple_of([Value::Int(cur), Value::Int(peak)]))
}

/// The memory the traces themselves take (estimated).
fn tracemalloc_get_tracemalloc_memory(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_tracemalloc_memory", args, 0, 0)?;
    let per = std::mem::size_of::<(usize, Trace)>() + 16;
    let n = with_state(|s| {
        s.traces.capacity() * per
            + s.traces
                .values()
                .map(|t| t.frames.len() * std::mem::size_of::<(Rc<Code>, u32)>())
                .sum::<usize>()
    })
    .unwrap_or(0);
    Ok(Value::Int(i64::try_from(n).unwrap_or(i64::MAX)))
}

fn tracemalloc_is_tracing(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("is_tracing", args, 0, 0)?;
    Ok(Value::bool(with_state(|s| s.tracing).unwrap_or(false)))
}

/// `start(nframe=1)`.
fn tracemalloc_start(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("start", args, 0, 1)?;
    let n = match a.first() {
        Some(v) => match vm.index_value(v)? {
            Some(n) => n,
            None => {
                return Err(vm.type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    vm.type_name_of(v)
                )))
            }
        },
        None => 1,
    };
    if !(1..=65535).contains(&n) {
        return Err(vm.value_error("the number of frames must be in range [1; 65535]"));
    }
    with_state(|s| {
        s.limit = usize::try_from(n).unwrap_or(1);
        s.tracing = true;
    });
    TRACING_ANY.store(true, Ordering::Relaxed);
    Ok(Value::None)
}

fn tracemalloc_stop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("stop", args, 0, 0)?;
    let old = with_state(|s| {
        s.tracing = false;
        s.current = 0;
        s.peak = 0;
        std::mem::take(&mut s.traces)
    });
    TRACING_ANY.store(false, Ordering::Relaxed);
    drop(old);
    Ok(Value::None)
}
