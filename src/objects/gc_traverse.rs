//! The cycle collector's view of an object (CPython's `tp_traverse` and
//! `tp_clear`). [`traverse`] visits every strong reference a heap object
//! owns, each exactly once; visiting a reference the object does not own
//! would let the collector free a live object, so anything shared or
//! weak is left out (an unvisited reference only makes its target look
//! externally referenced). [`clear`] moves the references that break
//! cycles out of an unreachable object into `out`; the collector drops
//! them after every borrow is released.

use crate::objects::rc::Rc;
use std::mem::ManuallyDrop;

use super::iter::IterState;
use super::typeobj::{FLAG_HEAPTYPE, FLAG_MODULE_IN_NAME};
use super::{Payload, PyObject};
use crate::vm::value::{PyRef, Value};

/// Whether objects of this layout can hold references (and so are
/// tracked by the collector when allocated).
#[inline]
pub fn is_container(p: &Payload) -> bool {
    !matches!(
        p,
        Payload::Object
            | Payload::Int(_)
            | Payload::Float(_)
            | Payload::Complex(..)
            | Payload::Str(_)
            | Payload::Bytes(_)
            | Payload::ByteArray(_)
            | Payload::Code(_)
            | Payload::Range(_)
            | Payload::NotImplemented
            | Payload::Ellipsis
            | Payload::Marker(_)
    )
}

fn visit_opt<F: FnMut(&Value)>(v: &Option<Value>, visit: &mut F) {
    if let Some(v) = v {
        visit(v);
    }
}

/// Visit a reference held as a `PyRef` without touching its count (most
/// of what the collector traverses: a clone and its drop per reference
/// were a tenth of a collection's instructions).
#[inline(always)]
pub fn visit_ref<F: FnMut(&Value)>(r: &PyRef, visit: &mut F) {
    // SAFETY: the `Rc` rebuilt from `r`'s pointer is an alias of `r` that
    // is never dropped (`ManuallyDrop`), so the strong count stays right;
    // `visit` only borrows the value for the call, while `r` keeps the
    // object alive. A visitor that keeps the object clones the value,
    // which takes a count of its own.
    let v = ManuallyDrop::new(Value::Obj(unsafe { Rc::from_raw(Rc::as_ptr(r)) }));
    visit(&v);
}

/// Visit every reference `o` holds: its class when that is a heap type,
/// its instance dict, and what its payload holds. Generic over the
/// visitor, so the collector's per-reference work is inlined into the
/// loops here (no indirect call per reference).
#[inline]
pub fn traverse<F: FnMut(&Value)>(o: &PyObject, visit: &mut F) {
    // The class's flags, read once for both tests.
    let flags = o.class_version_flags().map_or(0, |(_, f)| f);
    let dict_subclass = flags & (FLAG_HEAPTYPE | FLAG_MODULE_IN_NAME) != 0;
    if dict_subclass && matches!(o.payload, Payload::Dict(_)) {
        crate::modules::collections::defaultdict::traverse_factory(o, visit);
    }
    traverse_payload(&o.payload, visit);
    o.visit_attrs(visit);
    if flags & FLAG_HEAPTYPE != 0 {
        if let Some(ty) = o.class() {
            visit(&Value::Obj(ty));
        }
    }
}

/// Whether `o` may be a `defaultdict` (a dict of a class other than
/// `dict`), whose factory lives in a side table.
#[inline]
pub fn may_have_factory(o: &PyObject) -> bool {
    matches!(o.payload, Payload::Dict(_))
        && o.class_version_flags()
            .is_some_and(|(_, f)| f & (FLAG_HEAPTYPE | FLAG_MODULE_IN_NAME) != 0)
}

/// Visit the references of a payload, in CPython's traversal order where
/// that is observable (`gc.get_referents`: lists and tuples last item
/// first, dicts value before key).
pub fn traverse_payload<F: FnMut(&Value)>(p: &Payload, visit: &mut F) {
    match p {
        Payload::Tuple(items) => items.iter().rev().for_each(visit),
        Payload::List(items) => {
            if let Ok(items) = items.try_borrow() {
                items.iter().rev().for_each(visit);
            }
        }
        Payload::Dict(t) => {
            if let Ok(t) = t.try_borrow() {
                for e in t.iter() {
                    visit(&e.value);
                    visit(&e.key);
                }
            }
        }
        Payload::Set(t) => {
            if let Ok(t) = t.try_borrow() {
                t.keys().for_each(visit);
            }
        }
        Payload::FrozenSet(t) => t.keys().for_each(visit),
        Payload::Type(td) => {
            if let Ok(b) = td.bases.try_borrow() {
                for t in b.iter() {
                    visit_ref(t, visit);
                }
            }
            if let Ok(m) = td.mro.try_borrow() {
                for t in m.iter() {
                    visit_ref(t, visit);
                }
            }
            if let Ok(c) = td.attr_cache.try_borrow() {
                if let Some(c) = c.as_ref() {
                    c.for_each(&mut *visit);
                }
            }
        }
        Payload::Function(f) => {
            visit_ref(&f.globals, visit);
            visit_ref(&f.builtins, visit);
            visit(&f.closure);
            for c in [&f.name, &f.qualname, &f.defaults, &f.doc, &f.module] {
                c.with(|v| visit(v));
            }
            if let Some(e) = f.extras_for_gc() {
                if let Some(e) = e.as_ref() {
                    visit(&e.kwdefaults);
                    visit(&e.annotations);
                }
            }
        }
        Payload::Method(m) => {
            visit(&m.func);
            visit(&m.self_);
        }
        Payload::Cell(c) => {
            if let Ok(v) = c.try_borrow() {
                visit(&v);
            }
        }
        Payload::Exception(d) => {
            if let Ok(d) = d.try_borrow() {
                visit(&d.args);
                visit(&d.traceback);
                visit(&d.cause);
                visit(&d.context);
                visit(&d.name);
                visit(&d.obj);
                for m in &d.members {
                    visit(m);
                }
                if let Some(g) = &d.group {
                    visit(&g.message);
                    visit(&g.excs);
                }
            }
        }
        Payload::Traceback(tb) => {
            if let Ok(n) = tb.next.try_borrow() {
                visit(&n);
            }
            let f = &tb.frame;
            visit_ref(&f.globals, visit);
            visit_ref(&f.builtins, visit);
            visit_opt(&f.locals, visit);
            // The fast locals may be shared by several tracebacks: only an
            // unshared copy is this object's own.
            if let Ok(fast) = f.fast.try_borrow() {
                if let Some(fast) = fast.as_ref() {
                    if std::rc::Rc::strong_count(fast) == 1 && std::rc::Rc::weak_count(fast) == 0 {
                        fast.iter().for_each(&mut *visit);
                    }
                }
            }
            if let Ok(fo) = tb.frame_obj.try_borrow() {
                if let Some(fo) = fo.as_ref() {
                    visit_ref(fo, visit);
                }
            }
        }
        Payload::FrameObj(f) => {
            visit_ref(&f.globals, visit);
            visit_ref(&f.builtins, visit);
            visit_opt(&f.locals, visit);
            if let Ok(fast) = f.fast.try_borrow() {
                if let Some(fast) = fast.as_ref() {
                    if std::rc::Rc::strong_count(fast) == 1 && std::rc::Rc::weak_count(fast) == 0 {
                        fast.iter().for_each(&mut *visit);
                    }
                }
            }
        }
        Payload::Frame(f) => {
            visit_ref(&f.globals, visit);
            visit_ref(&f.builtins, visit);
            visit_opt(&f.locals, visit);
        }
        Payload::Slice(v) => v.iter().for_each(visit),
        Payload::Property(v) => v.iter().for_each(visit),
        Payload::GenericAlias(v) => v.iter().for_each(visit),
        Payload::StaticMethod(v)
        | Payload::ClassMethod(v)
        | Payload::MappingProxy(v)
        | Payload::Union(v) => visit(v),
        Payload::Super(a, b) => {
            visit(a);
            visit(b);
        }
        Payload::DictView(d) => visit_ref(d, visit),
        Payload::MemoryView(m) => visit_ref(&m.obj, visit),
        Payload::Instance(slots) => {
            if let Ok(s) = slots.try_borrow() {
                s.iter().for_each(visit);
            }
        }
        Payload::Iter(st) => {
            if let Ok(st) = st.try_borrow() {
                traverse_iter(&st, visit);
            }
        }
        Payload::Generator(g) => {
            if let Ok(g) = g.try_borrow() {
                if let Some(frame) = &g.frame {
                    if let Some(f) = &frame.func {
                        visit_ref(f, visit);
                    }
                    visit_ref(&frame.globals, visit);
                    visit_ref(&frame.builtins, visit);
                    visit_opt(&frame.locals, visit);
                }
                g.values.iter().for_each(&mut *visit);
                visit(&g.exc_state);
                if let Some(r) = g.rare.as_deref() {
                    if let Some((n, q)) = &r.names {
                        visit(n);
                        visit(q);
                    }
                    if let Some(f) = &r.frame_obj {
                        visit_ref(f, visit);
                    }
                    if let Some(f) = &r.finalizer {
                        visit_ref(f, visit);
                    }
                }
            }
        }
        Payload::GenOp(op) => {
            if let Ok(op) = op.try_borrow() {
                use super::genobject::GenOp;
                match &*op {
                    GenOp::CoroWrapper(g) => visit_ref(g, visit),
                    GenOp::ASend { gen, sendval, .. } => {
                        visit_ref(gen, visit);
                        visit(sendval);
                    }
                    GenOp::AThrow { gen, args, .. } => {
                        visit_ref(gen, visit);
                        if let Some(a) = args {
                            a.iter().for_each(&mut *visit);
                        }
                    }
                    GenOp::Anext { wrapped, default } => {
                        visit(wrapped);
                        visit(default);
                    }
                }
            }
        }
        Payload::Builtin(b) => {
            visit_opt(&b.self_, visit);
            if let Some(o) = &b.owner {
                visit_ref(o, visit);
            }
        }
        Payload::MethodDescr(d) => visit_ref(&d.owner, visit),
        Payload::GetSet(d) => visit_ref(&d.owner, visit),
        Payload::Member(d) => visit_ref(&d.owner, visit),
        Payload::Native(n) => n.traverse(visit),
        Payload::WeakRef(w) => w.traverse(visit),
        Payload::Context(c) => c.traverse(visit),
        Payload::Object
        | Payload::Int(_)
        | Payload::Float(_)
        | Payload::Complex(..)
        | Payload::Str(_)
        | Payload::Bytes(_)
        | Payload::ByteArray(_)
        | Payload::Code(_)
        | Payload::Module(_)
        | Payload::Range(_)
        | Payload::NotImplemented
        | Payload::Ellipsis
        | Payload::Marker(_) => {}
    }
}

fn traverse_iter<F: FnMut(&Value)>(st: &IterState, visit: &mut F) {
    match st {
        IterState::Seq { seq, .. } => visit(seq),
        IterState::Str { s, .. } => visit_ref(s, visit),
        IterState::Bytes { b, .. } => visit(b),
        IterState::Dict { dict, last, .. } => {
            visit_ref(dict, visit);
            if let Some(t) = last {
                visit_ref(t, visit);
            }
        }
        IterState::Set { set, .. } => visit_ref(set, visit),
        IterState::GetItem { obj, .. } => visit(obj),
        IterState::Callable { func, sentinel } => {
            visit(func);
            visit(sentinel);
        }
        IterState::Enumerate { it, count, last } => {
            visit(it);
            visit(count);
            if let Some(t) = last {
                visit_ref(t, visit);
            }
        }
        IterState::Zip { its, last, .. } => {
            its.iter().for_each(&mut *visit);
            if let Some(t) = last {
                visit_ref(t, visit);
            }
        }
        IterState::Map { func, its } => {
            visit(func);
            its.iter().for_each(visit);
        }
        IterState::Filter { func, it } => {
            visit(func);
            visit(it);
        }
        IterState::Reversed { seq, .. } => visit(seq),
        IterState::AsyncSend {
            gen, value, throw, ..
        } => {
            visit_ref(gen, visit);
            visit(value);
            visit_opt(throw, visit);
        }
        _ => {}
    }
}

/// `tp_clear`: move the references that can form cycles out of `o` into
/// `out` (tuples, like CPython's, have none to clear). Nothing is dropped
/// here; a borrowed part is skipped.
pub fn clear(o: &PyObject, out: &mut Vec<Value>) {
    match &o.payload {
        Payload::List(items) => {
            if let Ok(mut items) = items.try_borrow_mut() {
                out.append(&mut items);
            }
        }
        Payload::Dict(t) => {
            if let Ok(mut t) = t.try_borrow_mut() {
                for e in t.iter() {
                    out.push(e.key.clone());
                    out.push(e.value.clone());
                }
                t.clear();
            }
            if may_have_factory(o) {
                out.extend(crate::modules::collections::defaultdict::take_factory(o));
            }
        }
        Payload::Set(t) => {
            if let Ok(mut t) = t.try_borrow_mut() {
                out.extend(t.keys().cloned());
                t.clear();
            }
        }
        Payload::Type(td) => {
            if let Ok(mut m) = td.mro.try_borrow_mut() {
                out.extend(m.drain(..).map(Value::Obj));
            }
            // The MRO is gone: so is what was looked up through it (the
            // cache is dropped after the borrows end, with `out`).
            if let Ok(mut c) = td.attr_cache.try_borrow_mut() {
                if let Some(c) = c.take() {
                    c.for_each(|v| out.push(v.clone()));
                }
            }
        }
        Payload::Function(f) => {
            for c in [&f.defaults, &f.doc, &f.module] {
                out.push(c.take());
            }
            if let Some(e) = f.take_extras() {
                out.push(e.kwdefaults);
                out.push(e.annotations);
            }
        }
        Payload::Cell(c) => {
            if let Ok(mut v) = c.try_borrow_mut() {
                out.push(std::mem::take(&mut *v));
            }
        }
        Payload::Exception(d) => {
            if let Ok(mut d) = d.try_borrow_mut() {
                out.push(std::mem::replace(&mut d.traceback, Value::None));
                out.push(std::mem::replace(&mut d.cause, Value::None));
                out.push(std::mem::replace(&mut d.context, Value::None));
                out.push(std::mem::replace(&mut d.name, Value::Null));
                out.push(std::mem::replace(&mut d.obj, Value::Null));
                out.append(&mut d.members);
            }
        }
        Payload::Traceback(tb) => {
            if let Ok(mut n) = tb.next.try_borrow_mut() {
                out.push(std::mem::replace(&mut *n, Value::None));
            }
            if let Ok(mut fo) = tb.frame_obj.try_borrow_mut() {
                if let Some(f) = fo.take() {
                    out.push(Value::Obj(f));
                }
            }
        }
        Payload::Instance(slots) => {
            if let Ok(mut s) = slots.try_borrow_mut() {
                out.extend(s.iter_mut().map(std::mem::take));
            }
        }
        Payload::Iter(st) => {
            if let Ok(mut st) = st.try_borrow_mut() {
                let old = std::mem::replace(&mut *st, IterState::Exhausted);
                traverse_iter(&old, &mut |v| out.push(v.clone()));
                // Every value of `old` is kept alive by `out`: nothing dies here.
                drop(old);
            }
        }
        Payload::Generator(g) => {
            if let Ok(mut g) = g.try_borrow_mut() {
                if !g.running {
                    if let Some(frame) = g.frame.take() {
                        g.finalized = true;
                        let values = std::mem::take(&mut g.values);
                        out.extend(values);
                        if let Some(f) = frame.func {
                            out.push(Value::Obj(f));
                        }
                        if let Some(l) = frame.locals {
                            out.push(l);
                        }
                        out.push(Value::Obj(frame.globals));
                        out.push(Value::Obj(frame.builtins));
                    }
                    out.push(std::mem::replace(&mut g.exc_state, Value::None));
                    if let Some(f) = g.rare.as_deref_mut().and_then(|r| r.frame_obj.take()) {
                        out.push(Value::Obj(f));
                    }
                }
            }
        }
        Payload::Native(n) => n.clear(out),
        Payload::WeakRef(w) => w.clear_callback(out),
        Payload::Context(c) => c.clear(out),
        _ => {}
    }
    out.extend(o.take_values().into_iter().filter(|v| !v.is_null()));
}
