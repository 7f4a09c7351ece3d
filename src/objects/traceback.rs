//! `traceback` objects and the minimal `frame` objects they point to.
//!
//! A traceback entry is made each time an exception leaves (or is caught
//! in) a frame, as CPython's `PyTraceBack_Here`: the new entry's `tb_next`
//! is the exception's previous traceback, so the chain runs from the
//! outermost frame to the innermost. pycvm's frames are records on the VM's
//! frame stack, gone once they return, so a traceback keeps what is needed
//! later (code, globals, builtins, the locals mapping of module and class
//! bodies, the instruction) and makes its `tb_frame` object on demand.

use crate::objects::rc::{Rc, Weak};
use std::cell::RefCell;

use super::function::Args;
use super::{Payload, PyObject};
use crate::vm::code::Code;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// What a frame object shows of a frame that may be gone.
pub struct FrameObj {
    pub code: Rc<Code>,
    pub globals: PyRef,
    pub builtins: PyRef,
    /// The locals mapping of module and class bodies (None for functions).
    pub locals: Option<Value>,
    /// A function frame's fast locals (cells included) as they were when
    /// the frame left the frame stack (`Vm::keep_tb_locals`), for
    /// `tb_frame.f_locals` after the frame is gone (`traceback`'s
    /// `capture_locals`, post-mortem inspection); None while the frame
    /// runs (its live locals are read then) and for frames that ended
    /// without an exception keeping the entry.
    pub fast: RefCell<Option<std::rc::Rc<[Value]>>>,
    /// Code-unit index of the instruction the frame was at.
    pub lasti: usize,
    /// The traceback entry this frame object was made for (`f_back`).
    pub tb: Weak<PyObject>,
}

/// One traceback entry.
pub struct TbObj {
    pub next: RefCell<Value>,
    pub frame: FrameObj,
    /// The frame object, made the first time `tb_frame` is read.
    pub frame_obj: RefCell<Option<PyRef>>,
    /// Where the frame was on the frame stack: its index and base, and
    /// its caller's base (to find them again while they still run).
    pub depth: usize,
    pub base: usize,
    pub caller_base: Option<usize>,
    /// The entry made next for the caller as the exception went up
    /// (the frame's `f_back` once it has returned).
    pub outer: RefCell<Weak<PyObject>>,
}

impl TbObj {
    /// `tb_lineno`: the line of the instruction, -1 when it has none.
    pub fn lineno(&self) -> i32 {
        self.frame.code.line_of(self.frame.lasti).unwrap_or(-1)
    }
}

impl Vm {
    /// A new traceback entry for the frame on top of the frame stack, in
    /// front of `next` (None or a traceback).
    pub fn new_traceback_here(&self, next: Value) -> Option<PyRef> {
        let f = self.frames.last()?;
        if f.code.native_in_cpython() {
            return None;
        }
        // No copy of the locals here: the frame still runs, and its
        // locals are kept for the entry only if it leaves the frame stack
        // while the exception lives (`keep_tb_locals`), as CPython's frame
        // object takes its frame's data when the frame exits.
        let live = if f.generator.is_none() && f.obj.is_none() {
            None
        } else {
            crate::objects::frame::tb_live_frame(f, None)
        };
        let frame = FrameObj {
            code: f.code.clone(),
            globals: f.globals.clone(),
            builtins: f.builtins.clone(),
            locals: f.locals.clone(),
            fast: RefCell::new(None),
            lasti: f.lasti,
            tb: Weak::new(),
        };
        let depth = self.frames.len() - 1;
        let caller_base = depth
            .checked_sub(1)
            .and_then(|i| self.frames.get(i))
            .map(|c| c.base);
        let inner = match &next {
            Value::Obj(n) => Some(n.clone()),
            _ => None,
        };
        let tb = self.new_obj(
            &self.types.traceback,
            Payload::Traceback(Box::new(TbObj {
                next: RefCell::new(next),
                frame,
                frame_obj: RefCell::new(live),
                depth,
                base: f.base,
                caller_base,
                outer: RefCell::new(Weak::new()),
            })),
        );
        // The exception came up from the frame just above: this entry's
        // frame is that one's caller.
        if let Some(t) = inner.as_ref().and_then(|n| tb_data(n)) {
            if t.depth == depth + 1 {
                *t.outer.borrow_mut() = Rc::downgrade(&tb);
            }
        }
        Some(tb)
    }

    /// The frame on top is leaving the frame stack while `exc` lives
    /// (unwinding, or its handler ending with the exception kept
    /// elsewhere): the traceback entries made for this frame, at the head
    /// of `exc`'s traceback and of those of its `__context__` chain, keep
    /// the frame's fast locals as they are now, and so does its frame
    /// object, for `f_locals` once the frame is gone (CPython's frame
    /// object takes its frame's data when the frame exits). One copy,
    /// made only when an entry has none yet; the local `clear` (a
    /// handler's `as` name, about to be deleted) is left out of it.
    pub(crate) fn keep_tb_locals(&self, exc: &PyRef, clear: Option<usize>) {
        let Some(f) = self.frames.last() else {
            return;
        };
        if f.locals.is_some() {
            return;
        }
        let depth = self.frames.len() - 1;
        let mut snap: Option<std::rc::Rc<[Value]>> = None;
        let mut e = exc.clone();
        for _ in 0..KEEP_CONTEXT_DEPTH {
            let (tb, ctx) = match &e.payload {
                Payload::Exception(d) => match d.try_borrow() {
                    Ok(d) => (d.traceback.clone(), d.context.clone()),
                    Err(_) => break,
                },
                _ => break,
            };
            let mut cur = tb;
            // This frame's entries lead the chain (several when a caught
            // exception was raised again in it); the next one is a callee's.
            while let Value::Obj(t) = cur {
                let Some(td) = tb_data(&t) else {
                    break;
                };
                if td.depth != depth || td.base != f.base || !Rc::ptr_eq(&td.frame.code, &f.code) {
                    break;
                }
                if let Ok(mut slot) = td.frame.fast.try_borrow_mut() {
                    if slot.is_none() {
                        let s = snap.get_or_insert_with(|| {
                            let end = (f.base + f.code.nlocalsplus()).min(self.stack.len());
                            let mut v = self.stack.get(f.base..end).unwrap_or(&[]).to_vec();
                            if let Some(slot) = clear.and_then(|i| v.get_mut(i)) {
                                *slot = Value::Null;
                            }
                            std::rc::Rc::from(v)
                        });
                        *slot = Some(s.clone());
                    }
                }
                let next = td
                    .next
                    .try_borrow()
                    .map(|n| n.clone())
                    .unwrap_or(Value::None);
                cur = next;
            }
            match ctx {
                Value::Obj(c) => e = c,
                _ => break,
            }
        }
        // The frame's own frame object (made by `sys._getframe`, tracing,
        // or a `tb_frame` read while it ran) shows the same locals.
        if let Some(s) = snap {
            if let Some(o) = crate::objects::frame::tb_live_frame(f, None) {
                if let Some(fd) = crate::objects::frame::frame_data(&o) {
                    if let Ok(mut d) = fd.dead_fast.try_borrow_mut() {
                        *d = Some(s);
                    }
                }
            }
        }
    }

    /// The traceback entries of a chain, outermost first (stops at a loop).
    pub fn traceback_entries(&self, tb: &Value) -> Vec<PyRef> {
        let mut out: Vec<PyRef> = Vec::new();
        let mut cur = tb.clone();
        while let Value::Obj(o) = cur {
            let Payload::Traceback(t) = &o.payload else {
                break;
            };
            if out.iter().any(|x| Rc::ptr_eq(x, &o)) {
                break;
            }
            let next = t.next.borrow().clone();
            out.push(o.clone());
            cur = next;
        }
        out
    }
}

/// How far down a `__context__` chain `keep_tb_locals` looks for entries
/// of the frame leaving.
const KEEP_CONTEXT_DEPTH: usize = 16;

fn tb_of(vm: &Vm, v: &Value) -> PyResult<PyRef> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::Traceback(_)) => Ok(o.clone()),
        _ => Err(vm.type_error("descriptor requires a 'traceback' object")),
    }
}

fn tb_data(o: &PyRef) -> Option<&TbObj> {
    match &o.payload {
        Payload::Traceback(t) => Some(t),
        _ => None,
    }
}

fn tb_next(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let o = tb_of(vm, v)?;
    Ok(tb_data(&o).map_or(Value::None, |t| t.next.borrow().clone()))
}

fn tb_set_next(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let o = tb_of(vm, v)?;
    let Some(new) = new else {
        return Err(vm.type_error("can't delete tb_next attribute"));
    };
    if !new.is_none() {
        let Value::Obj(n) = &new else {
            return Err(vm.type_error(format!(
                "expected traceback object, got '{}'",
                vm.type_name_of(&new)
            )));
        };
        if !matches!(n.payload, Payload::Traceback(_)) {
            return Err(vm.type_error(format!(
                "expected traceback object, got '{}'",
                vm.type_name_of(&new)
            )));
        }
        if vm.traceback_entries(&new).iter().any(|x| Rc::ptr_eq(x, &o)) {
            return Err(vm.value_error("traceback loop detected"));
        }
    }
    if let Some(t) = tb_data(&o) {
        *t.next.borrow_mut() = new;
    }
    Ok(())
}

fn tb_frame(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let o = tb_of(vm, v)?;
    let Some(t) = tb_data(&o) else {
        return Ok(Value::None);
    };
    if let Some(f) = t.frame_obj.borrow().as_ref() {
        return Ok(Value::Obj(f.clone()));
    }
    // The frame still runs (the handler's own frame): its live object.
    if live_record(vm, t.depth, t.base, &t.frame.code) {
        if let Some(f) = crate::objects::frame::frame_at(vm, t.depth) {
            if let Some(fd) = crate::objects::frame::frame_data(&f) {
                if let Some(v) = t.frame.fast.borrow().as_ref() {
                    *fd.dead_fast.borrow_mut() = Some(v.clone());
                }
            }
            *t.frame_obj.borrow_mut() = Some(f.clone());
            return Ok(Value::Obj(f));
        }
    }
    let f = vm.new_obj(
        &vm.types.frame,
        Payload::FrameObj(Box::new(FrameObj {
            code: t.frame.code.clone(),
            globals: t.frame.globals.clone(),
            builtins: t.frame.builtins.clone(),
            locals: t.frame.locals.clone(),
            fast: RefCell::new(t.frame.fast.borrow().clone()),
            lasti: t.frame.lasti,
            tb: Rc::downgrade(&o),
        })),
    );
    *t.frame_obj.borrow_mut() = Some(f.clone());
    Ok(Value::Obj(f))
}

fn tb_lineno(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let o = tb_of(vm, v)?;
    Ok(Value::Int(
        tb_data(&o).map_or(-1, |t| i64::from(t.lineno())),
    ))
}

fn tb_lasti(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let o = tb_of(vm, v)?;
    Ok(Value::Int(
        tb_data(&o).map_or(-1, |t| (t.frame.lasti as i64).saturating_mul(2)),
    ))
}

fn tb_dir(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    let names = ["tb_frame", "tb_next", "tb_lasti", "tb_lineno"]
        .iter()
        .map(|n| vm.new_str(n))
        .collect();
    Ok(vm.new_list(names))
}

fn frame_of(vm: &Vm, v: &Value) -> PyResult<PyRef> {
    match v {
        Value::Obj(o) if matches!(o.payload, Payload::FrameObj(_)) => Ok(o.clone()),
        _ => Err(vm.type_error("descriptor requires a 'frame' object")),
    }
}

macro_rules! frame_getter {
    ($name:ident, |$vm:ident, $f:ident| $body:expr) => {
        fn $name($vm: &mut Vm, v: &Value) -> PyResult<Value> {
            let o = frame_of($vm, v)?;
            let Payload::FrameObj($f) = &o.payload else {
                return Ok(Value::None);
            };
            Ok($body)
        }
    };
}

frame_getter!(f_code, |vm, f| Value::Obj(vm.code_object(&f.code)));
frame_getter!(f_globals, |vm, f| Value::Obj(f.globals.clone()));
frame_getter!(f_builtins, |vm, f| Value::Obj(f.builtins.clone()));
frame_getter!(f_locals, |vm, f| match &f.locals {
    Some(l) => l.clone(),
    None => Value::Obj(vm.new_dict()),
});
frame_getter!(f_lineno, |vm, f| match f.code.line_of(f.lasti) {
    Some(l) => Value::Int(i64::from(l)),
    None => Value::None,
});
frame_getter!(f_lasti, |vm, f| Value::Int(
    (f.lasti as i64).saturating_mul(2)
));
/// Whether `vm.frames[depth]` is still the frame record with this base
/// and code.
fn live_record(vm: &Vm, depth: usize, base: usize, code: &Rc<Code>) -> bool {
    vm.frames
        .get(depth)
        .is_some_and(|r| r.base == base && Rc::ptr_eq(&r.code, code))
}

/// `f_back` of a finished frame: the frame of the traceback entry made for
/// its caller, or the caller itself while that still runs.
pub(crate) fn f_back(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let o = frame_of(vm, v)?;
    let Payload::FrameObj(f) = &o.payload else {
        return Ok(Value::None);
    };
    let Some(tb) = f.tb.upgrade() else {
        return Ok(Value::None);
    };
    let Some(t) = tb_data(&tb) else {
        return Ok(Value::None);
    };
    let outer = t.outer.borrow().upgrade();
    if let Some(outer) = outer {
        return tb_frame(vm, &Value::Obj(outer));
    }
    if let (Some(i), Some(b)) = (t.depth.checked_sub(1), t.caller_base) {
        if vm.frames.get(i).is_some_and(|r| r.base == b) {
            return Ok(crate::objects::frame::frame_at(vm, i).map_or(Value::None, Value::Obj));
        }
    }
    Ok(Value::None)
}

fn frame_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = args.args.first().cloned().unwrap_or(Value::None);
    let o = frame_of(vm, &v)?;
    let Payload::FrameObj(f) = &o.payload else {
        return Ok(Value::None);
    };
    let file = vm.repr(&Value::Obj(f.code.filename()))?;
    let line = f.code.line_of(f.lasti).unwrap_or(-1);
    let s = format!(
        "<frame at {:#x}, file {file}, line {line}, code {}>",
        Rc::as_ptr(&o) as *const u8 as usize,
        f.code.name_str()
    );
    Ok(vm.new_string(s))
}

pub fn install(vm: &mut Vm) {
    let tb = vm.types.traceback.clone();
    vm.add_getsets(
        &tb,
        &[
            ("tb_next", tb_next, Some(tb_set_next)),
            ("tb_frame", tb_frame, None),
            ("tb_lineno", tb_lineno, None),
            ("tb_lasti", tb_lasti, None),
        ],
    );
    vm.add_methods(&tb, &[("__dir__", tb_dir)]);
    let fr = vm.types.frame.clone();
    vm.add_getsets(
        &fr,
        &[
            ("f_code", f_code, None),
            ("f_globals", f_globals, None),
            ("f_builtins", f_builtins, None),
            ("f_locals", f_locals, None),
            ("f_lineno", f_lineno, None),
            ("f_lasti", f_lasti, None),
            ("f_back", f_back, None),
        ],
    );
    vm.add_methods(&fr, &[("__repr__", frame_repr)]);
}
