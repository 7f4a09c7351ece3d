//! Frame objects (`sys._getframe()`, `gen.gi_frame`, `tb.tb_frame`), as
//! CPython 3.11's Objects/frameobject.c shows them. A frame record lives on
//! `vm.frames` (or inside a suspended generator); the object refers to it
//! and reads it while it exists, and afterwards reports what it last saw.

use crate::objects::rc::{Rc, Weak};
use std::cell::{Cell, RefCell};

use super::function::Args;
use super::{Payload, PyObject};
use crate::vm::code::Code;
use crate::vm::gen::state;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// Where a frame object finds its frame.
pub enum FrameLink {
    /// `vm.frames[index]`, while it is the record that has this `base`
    /// and code (a later frame at the same depth is another frame).
    Stack { index: usize, base: usize },
    /// The frame of a generator, coroutine or async generator.
    Gen(Weak<PyObject>),
    /// A finished frame (for tracebacks made after the frame was popped).
    Detached,
}

pub struct FrameObj {
    pub code: Rc<Code>,
    pub globals: PyRef,
    pub builtins: PyRef,
    /// The locals mapping of module and class bodies.
    pub locals: Option<Value>,
    pub link: FrameLink,
    /// The last instruction seen (what a finished frame reports).
    pub lasti: Cell<usize>,
    /// `f_trace`, `f_trace_lines`, `f_trace_opcodes` (vm/trace.rs).
    pub trace: RefCell<Value>,
    pub trace_lines: Cell<bool>,
    pub trace_opcodes: Cell<bool>,
    /// The fast locals kept when the frame finished with an exception
    /// (its traceback entry's), for `f_locals` afterwards.
    pub dead_fast: RefCell<Option<std::rc::Rc<[Value]>>>,
    /// The `f_locals` dict of a function frame (the same dict each time,
    /// refreshed on each read, as CPython's `PyFrame_FastToLocals`).
    pub locals_dict: RefCell<Option<PyRef>>,
}

impl FrameObj {
    pub fn new(
        code: Rc<Code>,
        globals: PyRef,
        builtins: PyRef,
        locals: Option<Value>,
        link: FrameLink,
        lasti: usize,
    ) -> FrameObj {
        FrameObj {
            code,
            globals,
            builtins,
            locals,
            link,
            lasti: Cell::new(lasti),
            trace: RefCell::new(Value::None),
            trace_lines: Cell::new(true),
            trace_opcodes: Cell::new(false),
            dead_fast: RefCell::new(None),
            locals_dict: RefCell::new(None),
        }
    }
}

/// The frame object payload of `o`, if it is a live-frame object.
pub fn frame_data(o: &PyRef) -> Option<&FrameObj> {
    match &o.payload {
        Payload::Frame(f) => Some(f),
        _ => None,
    }
}

/// Where a frame's live state is now.
enum Where {
    Stack(usize),
    Suspended(PyRef),
    Gone,
}

fn locate(vm: &Vm, f: &FrameObj) -> Where {
    match &f.link {
        FrameLink::Stack { index, base } => match vm.frames.get(*index) {
            Some(r)
                if r.base == *base
                    && r.obj
                        .as_ref()
                        .and_then(frame_data)
                        .is_some_and(|o| std::ptr::eq(o, f)) =>
            {
                Where::Stack(*index)
            }
            _ => Where::Gone,
        },
        FrameLink::Gen(w) => {
            let Some(g) = w.upgrade() else {
                return Where::Gone;
            };
            let (running, suspended) = match state(&g).and_then(|s| s.try_borrow().ok()) {
                Some(s) => (s.running, s.frame.is_some()),
                None => (false, false),
            };
            if suspended {
                return Where::Suspended(g);
            }
            if running {
                if let Some(i) = vm
                    .frames
                    .iter()
                    .rposition(|r| r.generator.as_ref().is_some_and(|x| Rc::ptr_eq(x, &g)))
                {
                    return Where::Stack(i);
                }
            }
            Where::Gone
        }
        FrameLink::Detached => Where::Gone,
    }
}

/// Where the frame runs, its current instruction remembered on the way
/// (what the object reports once the frame is gone).
fn locate_noting(vm: &Vm, f: &FrameObj) -> Where {
    let at = locate(vm, f);
    let l = match &at {
        Where::Stack(i) => vm.frames.get(*i).map(|r| r.lasti),
        Where::Suspended(g) => state(g).and_then(|s| {
            s.try_borrow()
                .ok()
                .and_then(|s| s.frame.as_ref().map(|f| f.lasti))
        }),
        Where::Gone => None,
    };
    if let Some(l) = l {
        f.lasti.set(l);
    }
    at
}

/// The frame's current instruction (code units), remembered for later.
fn current_lasti(vm: &Vm, f: &FrameObj) -> usize {
    locate_noting(vm, f);
    f.lasti.get()
}

/// The frame object for `vm.frames[index]` (a generator's own object for
/// a generator frame).
pub fn frame_at(vm: &mut Vm, index: usize) -> Option<PyRef> {
    let r = vm.frames.get(index)?;
    if let Some(g) = r.generator.clone() {
        return gen_frame_object(vm, &g);
    }
    if let Some(o) = &r.obj {
        return Some(o.clone());
    }
    let fo = FrameObj::new(
        r.code.clone(),
        r.globals.clone(),
        r.builtins.clone(),
        r.locals.clone(),
        FrameLink::Stack {
            index,
            base: r.base,
        },
        r.lasti,
    );
    let o = vm.new_obj(&vm.types.frame, Payload::Frame(Box::new(fo)));
    if let Some(r) = vm.frames.get_mut(index) {
        r.obj = Some(o.clone());
    }
    Some(o)
}

/// A frame object for a frame that no longer runs (traceback entries).
pub fn detached_frame(
    vm: &Vm,
    code: Rc<Code>,
    globals: PyRef,
    builtins: PyRef,
    lasti: usize,
) -> PyRef {
    let fo = FrameObj::new(code, globals, builtins, None, FrameLink::Detached, lasti);
    vm.new_obj(&vm.types.frame, Payload::Frame(Box::new(fo)))
}

/// `gen.gi_frame`: the generator's frame object, or None once finished.
pub fn gen_frame_object(vm: &mut Vm, gen: &PyRef) -> Option<PyRef> {
    let st = state(gen)?;
    let (cached, finished) = {
        let s = st.try_borrow().ok()?;
        (s.frame_obj(), s.finished())
    };
    if finished {
        return None;
    }
    if let Some(f) = cached {
        return Some(f);
    }
    let (code, globals, builtins, lasti) = {
        let s = st.try_borrow().ok()?;
        match s.frame.as_ref() {
            Some(f) => (
                f.code.clone(),
                f.globals.clone(),
                f.builtins.clone(),
                f.lasti,
            ),
            None => {
                let r = vm
                    .frames
                    .iter()
                    .rev()
                    .find(|r| r.generator.as_ref().is_some_and(|x| Rc::ptr_eq(x, gen)))?;
                (
                    r.code.clone(),
                    r.globals.clone(),
                    r.builtins.clone(),
                    r.lasti,
                )
            }
        }
    };
    let fo = FrameObj::new(
        code,
        globals,
        builtins,
        None,
        FrameLink::Gen(Rc::downgrade(gen)),
        lasti,
    );
    let obj = vm.new_obj(&vm.types.frame, Payload::Frame(Box::new(fo)));
    if let Ok(mut s) = st.try_borrow_mut() {
        s.rare_mut().frame_obj = Some(obj.clone());
    }
    Some(obj)
}

/// What a frame object shows now. Frame objects of traceback entries
/// (objects/traceback.rs) are read the same way, as finished frames.
struct Snap {
    code: Rc<Code>,
    globals: PyRef,
    builtins: PyRef,
    locals: Option<Value>,
    /// The fast locals a traceback entry kept of a finished frame.
    fast: Option<std::rc::Rc<[Value]>>,
    lasti: usize,
    at: Where,
}

fn snap(vm: &Vm, v: &Value) -> PyResult<(PyRef, Snap)> {
    let Value::Obj(o) = v else {
        return Err(vm.type_error("descriptor requires a 'frame' object"));
    };
    let s = match &o.payload {
        Payload::Frame(f) => Snap {
            code: f.code.clone(),
            globals: f.globals.clone(),
            builtins: f.builtins.clone(),
            locals: f.locals.clone(),
            fast: f.dead_fast.borrow().clone(),
            at: locate_noting(vm, f),
            lasti: f.lasti.get(),
        },
        Payload::FrameObj(f) => Snap {
            code: f.code.clone(),
            globals: f.globals.clone(),
            builtins: f.builtins.clone(),
            locals: f.locals.clone(),
            fast: f.fast.borrow().clone(),
            lasti: f.lasti,
            at: Where::Gone,
        },
        _ => return Err(vm.type_error("descriptor requires a 'frame' object")),
    };
    Ok((o.clone(), s))
}

/// The code and last instruction of a frame object, without the rest of
/// a `Snap` (what `f_code` and `f_lineno` read: logging's `findCaller`
/// asks both of several frames per record).
fn code_lasti(vm: &Vm, v: &Value) -> PyResult<(Rc<Code>, usize)> {
    if let Value::Obj(o) = v {
        match &o.payload {
            Payload::Frame(f) => return Ok((f.code.clone(), current_lasti(vm, f))),
            Payload::FrameObj(f) => return Ok((f.code.clone(), f.lasti)),
            _ => {}
        }
    }
    Err(vm.type_error("descriptor requires a 'frame' object"))
}

fn f_code(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let (code, _) = code_lasti(vm, v)?;
    Ok(Value::Obj(vm.code_object(&code)))
}

fn f_globals(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Obj(snap(vm, v)?.1.globals))
}

fn f_builtins(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Obj(snap(vm, v)?.1.builtins))
}

fn f_lineno(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let (code, lasti) = code_lasti(vm, v)?;
    Ok(code
        .line_of(lasti)
        .map_or(Value::None, |l| Value::Int(l as i64)))
}

fn f_lasti(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let (_, s) = snap(vm, v)?;
    Ok(Value::Int((s.lasti as i64).saturating_mul(2)))
}

fn f_back(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let at = match v {
        Value::Obj(o) => match &o.payload {
            Payload::Frame(f) => locate_noting(vm, f),
            // A traceback entry's frame finds its caller through the entries.
            Payload::FrameObj(_) => return super::traceback::f_back(vm, v),
            _ => return Err(vm.type_error("descriptor requires a 'frame' object")),
        },
        _ => return Err(vm.type_error("descriptor requires a 'frame' object")),
    };
    match at {
        Where::Stack(i) if i > 0 => Ok(frame_at(vm, i - 1).map_or(Value::None, Value::Obj)),
        _ => Ok(Value::None),
    }
}

fn f_locals(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let (o, s) = snap(vm, v)?;
    if let Some(l) = &s.locals {
        return Ok(l.clone());
    }
    let n = s.code.nlocalsplus();
    let values: Vec<Value> = match &s.at {
        Where::Stack(i) => match vm.frames.get(*i) {
            Some(r) => vm
                .stack
                .get(r.base..(r.base + n).min(vm.stack.len()))
                .map(|x| x.to_vec())
                .unwrap_or_default(),
            None => Vec::new(),
        },
        Where::Suspended(g) => state(g)
            .and_then(|st| {
                st.try_borrow().ok().and_then(|st| {
                    st.frame
                        .as_ref()
                        .map(|_| st.values.iter().take(n).cloned().collect())
                })
            })
            .unwrap_or_default(),
        Where::Gone => s.fast.as_ref().map(|v| v.to_vec()).unwrap_or_default(),
    };
    let code = s.code.clone();
    let cached = match &o.payload {
        Payload::Frame(f) => f.locals_dict.borrow().clone(),
        _ => None,
    };
    let d = match cached {
        Some(d) => d,
        None => {
            let d = vm.new_dict();
            if let Payload::Frame(f) = &o.payload {
                *f.locals_dict.borrow_mut() = Some(d.clone());
            }
            d
        }
    };
    for (i, (name, v)) in code.localsplusnames.iter().zip(values).enumerate() {
        let mut v = v;
        if code.is_cell(i) || code.is_free(i) {
            let inner = match &v {
                Value::Obj(c) => match &c.payload {
                    Payload::Cell(inner) => Some(inner.borrow().clone()),
                    _ => None,
                },
                _ => None,
            };
            if let Some(x) = inner {
                v = x;
            }
        }
        let key = Value::Obj(name.clone());
        if !v.is_null() {
            vm.dict_set(&d, key, v)?;
        } else if vm.dict_get(&d, &key)?.is_some() {
            vm.dict_del(&d, &key)?;
        }
    }
    Ok(Value::Obj(d))
}

/// `PyFrame_LocalsToFast(frame, 1)` after a trace function ran: the
/// values of the frame's `f_locals` dict (if it has one) are written back
/// to the running frame's fast locals.
pub fn locals_to_fast(vm: &mut Vm, fo: &PyRef) {
    let Some(f) = frame_data(fo) else {
        return;
    };
    let Some(d) = f.locals_dict.borrow().clone() else {
        return;
    };
    if f.locals.is_some() {
        return;
    }
    let Where::Stack(i) = locate(vm, f) else {
        return;
    };
    let Some(base) = vm.frames.get(i).map(|r| r.base) else {
        return;
    };
    let code = f.code.clone();
    for (j, name) in code.localsplusnames.iter().enumerate() {
        let new = vm
            .dict_get(&d, &Value::Obj(name.clone()))
            .ok()
            .flatten()
            .unwrap_or(Value::Null);
        let Some(slot) = vm.stack.get_mut(base + j) else {
            return;
        };
        if code.is_cell(j) || code.is_free(j) {
            if let Value::Obj(c) = &*slot {
                if let Payload::Cell(inner) = &c.payload {
                    if !new.is_null() {
                        *inner.borrow_mut() = new;
                    }
                    continue;
                }
            }
        }
        *slot = new;
    }
}

/// `PyFrame_FastToLocals` before a trace function runs: refresh the
/// frame's `f_locals` dict if it has one.
pub fn fast_to_locals(vm: &mut Vm, fo: &PyRef) {
    let has = frame_data(fo).is_some_and(|f| f.locals_dict.borrow().is_some());
    if has {
        let _ = f_locals(vm, &Value::Obj(fo.clone()));
    }
}

fn f_trace(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let (o, _) = snap(vm, v)?;
    Ok(frame_data(&o).map_or(Value::None, |f| f.trace.borrow().clone()))
}

fn f_trace_lines(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let (o, _) = snap(vm, v)?;
    Ok(Value::bool(
        frame_data(&o).is_none_or(|f| f.trace_lines.get()),
    ))
}

fn f_trace_opcodes(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let (o, _) = snap(vm, v)?;
    Ok(Value::bool(
        frame_data(&o).is_some_and(|f| f.trace_opcodes.get()),
    ))
}

fn set_f_trace(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let (o, _) = snap(vm, v)?;
    if let Some(f) = frame_data(&o) {
        *f.trace.borrow_mut() = new.unwrap_or(Value::None);
    }
    Ok(())
}

fn bool_arg(vm: &mut Vm, new: Option<Value>, what: &str) -> PyResult<bool> {
    match new {
        Some(Value::Bool(b)) => Ok(b.get()),
        Some(_) | None => Err(vm.type_error(format!("attribute value type must be bool{what}"))),
    }
}

fn set_f_trace_lines(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let (o, _) = snap(vm, v)?;
    let b = bool_arg(vm, new, "")?;
    if let Some(f) = frame_data(&o) {
        f.trace_lines.set(b);
    }
    Ok(())
}

fn set_f_trace_opcodes(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let (o, _) = snap(vm, v)?;
    let b = bool_arg(vm, new, "")?;
    if let Some(f) = frame_data(&o) {
        f.trace_opcodes.set(b);
    }
    Ok(())
}

/// `frame.f_lineno = n` (`frame_setlineno`): a jump, from a `line` event
/// of the frame being traced (src/objects/frame_jump.rs).
fn set_f_lineno(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let (o, _) = snap(vm, v)?;
    let new_lineno = match &new {
        None => {
            return Err(vm.new_error(
                crate::objects::exception::ExcKind::AttributeError,
                "cannot delete attribute",
            ))
        }
        Some(Value::Int(i)) => *i,
        // A big int (PyLong_CheckExact holds; out of range below).
        Some(Value::Obj(b))
            if matches!(b.payload, Payload::Int(_)) && b.class_is(&vm.types.int) =>
        {
            i64::MAX
        }
        Some(_) => return Err(vm.value_error("lineno must be an integer")),
    };
    use crate::vm::trace::Event;
    match crate::vm::trace::tracing_what() {
        Event::Exception => return Err(vm.value_error("can only jump from a 'line' trace event")),
        Event::Call => {
            return Err(vm.value_error("can't jump from the 'call' trace event of a new frame"))
        }
        Event::Line => {}
        Event::Return
            if matches!(
                locate(
                    vm,
                    frame_data(&o).ok_or_else(|| vm.type_error("not a frame"))?
                ),
                Where::Suspended(_)
            ) => {}
        _ => return Err(vm.value_error("can only jump from a 'line' trace event")),
    }
    if frame_data(&o).is_some_and(|f| f.trace.borrow().is_none()) {
        return Err(vm.value_error("f_lineno can only be set by a trace function"));
    }
    let fd = frame_data(&o).ok_or_else(|| vm.type_error("not a frame"))?;
    let depth = super::frame_jump::traced_depth();
    let lasti = match locate(vm, fd) {
        Where::Stack(i) if i + 1 == depth => match vm.frames.get(i) {
            Some(f) => f.lasti,
            None => return Err(vm.value_error("f_lineno: the frame is gone")),
        },
        _ => {
            return Err(vm.value_error(
                "pycvm only jumps in the frame whose trace event is running (setting f_lineno)",
            ))
        }
    };
    let code = fd.code.clone();
    let jump =
        super::frame_jump::plan(&code, lasti, new_lineno, false).map_err(|m| vm.value_error(m))?;
    if let Some(f) = depth.checked_sub(1).and_then(|i| vm.frames.get_mut(i)) {
        f.lasti = jump.target;
    }
    fd.lasti.set(jump.target);
    super::frame_jump::request(depth, jump.target, jump.pops);
    Ok(())
}

fn frame_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = args.args.first().cloned().unwrap_or(Value::None);
    let (o, s) = snap(vm, &v)?;
    let line = s.code.line_of(s.lasti).unwrap_or(-1);
    let file = vm.repr(&Value::Obj(s.code.filename()))?;
    let text = format!(
        "<frame at 0x{:x}, file {file}, line {line}, code {}>",
        Rc::as_ptr(&o) as *const u8 as usize,
        s.code.name_str()
    );
    Ok(vm.new_string(text))
}

/// `frame.clear()`: refused for a running frame; a suspended generator's
/// frame is closed.
fn frame_clear(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = args.args.first().cloned().unwrap_or(Value::None);
    let (_, s) = snap(vm, &v)?;
    match s.at {
        Where::Stack(_) => Err(vm.runtime_error("cannot clear an executing frame")),
        Where::Suspended(g) => {
            vm.gen_close(&g)?;
            Ok(Value::None)
        }
        Where::Gone => Ok(Value::None),
    }
}

/// `sys._getframe([depth])`.
pub fn sys_getframe(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("_getframe", args, 0, 1)?;
    let depth = match a.first() {
        None => 0,
        Some(Value::Int(i)) => *i,
        Some(Value::Bool(b)) => *b as i64,
        Some(other) => match vm.index_value(other)? {
            Some(i) => i,
            None => {
                return Err(vm.type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    vm.type_name_of(other)
                )))
            }
        },
    };
    let n = vm.frames.len() as i64;
    let idx = n - 1 - depth.max(0);
    if idx < 0 {
        return Err(vm.value_error("call stack is not deep enough"));
    }
    match frame_at(vm, idx as usize) {
        Some(f) => Ok(Value::Obj(f)),
        None => Err(vm.value_error("call stack is not deep enough")),
    }
}

pub fn install(vm: &mut Vm) {
    let t = vm.types.frame.clone();
    vm.add_methods(&t, &[("__repr__", frame_repr), ("clear", frame_clear)]);
    vm.add_getsets(
        &t,
        &[
            ("f_back", f_back, None),
            ("f_code", f_code, None),
            ("f_globals", f_globals, None),
            ("f_builtins", f_builtins, None),
            ("f_locals", f_locals, None),
            ("f_lineno", f_lineno, Some(set_f_lineno)),
            ("f_lasti", f_lasti, None),
            ("f_trace", f_trace, Some(set_f_trace)),
            ("f_trace_lines", f_trace_lines, Some(set_f_trace_lines)),
            (
                "f_trace_opcodes",
                f_trace_opcodes,
                Some(set_f_trace_opcodes),
            ),
        ],
    );
}

/// The frame object a new traceback entry for frame record `f` shows as
/// `tb_frame`: the frame's own object if it has one (so that
/// `tb.tb_frame is frame`, as bdb expects), which keeps the entry's
/// instruction and fast locals for after the frame is gone.
pub fn tb_live_frame(
    f: &crate::vm::frame::Frame,
    fast: Option<&std::rc::Rc<[Value]>>,
) -> Option<PyRef> {
    let o = match &f.generator {
        Some(g) => state(g).and_then(|s| s.try_borrow().ok().and_then(|s| s.frame_obj())),
        None => f.obj.clone(),
    }?;
    let fd = frame_data(&o)?;
    fd.lasti.set(f.lasti);
    if let Some(v) = fast {
        *fd.dead_fast.borrow_mut() = Some(v.clone());
    }
    Some(o)
}
