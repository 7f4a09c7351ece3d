//! `_elementtree._element_iterator`: the depth-first walk behind
//! `Element.iter(tag)` and `Element.itertext()` (CPython's
//! `elementiter_next`: a stack of (parent, next child index), children
//! read live so changes made during the walk are seen as C sees them).

use std::cell::RefCell;

use super::element::Elem;
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

pub struct ElemIter {
    /// The element to start with (taken at the first step).
    root: RefCell<Option<Value>>,
    stack: RefCell<Vec<(Value, usize)>>,
    tag: Value,
    text: bool,
}

impl NativeData for ElemIter {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        if let Ok(r) = self.root.try_borrow() {
            if let Some(v) = r.as_ref() {
                visit(v);
            }
        }
        if let Ok(s) = self.stack.try_borrow() {
            s.iter().for_each(|(v, _)| visit(v));
        }
        visit(&self.tag);
    }

    fn clear(&self, out: &mut Vec<Value>) {
        if let Ok(mut r) = self.root.try_borrow_mut() {
            out.extend(r.take());
        }
        if let Ok(mut s) = self.stack.try_borrow_mut() {
            out.extend(s.drain(..).map(|(v, _)| v));
        }
    }
}

pub fn new_iter(vm: &mut Vm, root: Value, tag: Value, text: bool) -> PyResult<Value> {
    let Some(t) = super::STATE.with(|s| s.borrow().as_ref().map(|s| s.iter.clone())) else {
        return Err(vm.runtime_error("_elementtree is not initialized"));
    };
    Ok(Value::Obj(vm.new_native(
        &t,
        ElemIter {
            root: RefCell::new(Some(root)),
            stack: RefCell::new(Vec::new()),
            tag,
            text,
        },
    )))
}

fn elem<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a Elem> {
    vm.native::<Elem>(v)
        .ok_or_else(|| vm.type_error("expected an Element"))
}

/// The next value of the walk, or None at its end.
fn step(vm: &mut Vm, it: &ElemIter) -> PyResult<Option<Value>> {
    loop {
        let e = if it.stack.borrow().is_empty() {
            match it.root.borrow_mut().take() {
                Some(r) => r,
                None => return Ok(None),
            }
        } else {
            let next = {
                let mut st = it.stack.borrow_mut();
                let Some((parent, idx)) = st.last_mut() else {
                    return Ok(None);
                };
                let child = elem(vm, parent)?.children.borrow().get(*idx).cloned();
                match child {
                    Some(c) => {
                        *idx += 1;
                        Ok(c)
                    }
                    None => Err(st.pop().map(|(p, _)| p)),
                }
            };
            match next {
                Ok(c) => c,
                Err(parent) => {
                    if it.text && !it.stack.borrow().is_empty() {
                        if let Some(p) = parent {
                            let tail = elem(vm, &p)?.tail.get();
                            if let Some(t) = text_value(vm, tail)? {
                                return Ok(Some(t));
                            }
                        }
                    }
                    continue;
                }
            }
        };
        it.stack.borrow_mut().push((e.clone(), 0));
        let ed = elem(vm, &e)?;
        if it.text {
            let text = ed.text.get();
            if let Some(t) = text_value(vm, text)? {
                return Ok(Some(t));
            }
            continue;
        }
        if it.tag.is_none() {
            return Ok(Some(e));
        }
        let t = ed.tag();
        if t.is(&it.tag) || vm.eq(&t, &it.tag)? {
            return Ok(Some(e));
        }
    }
}

fn text_value(vm: &mut Vm, t: Value) -> PyResult<Option<Value>> {
    if t.is_none() {
        return Ok(None);
    }
    Ok(vm.truthy(&t)?.then_some(t))
}

fn me<'a>(vm: &Vm, args: &Args<'a>) -> PyResult<&'a ElemIter> {
    vm.native_self::<ElemIter>(args, "_elementtree._element_iterator", "__next__")
}

fn iter_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let it = me(vm, &args)?;
    match step(vm, it)? {
        Some(v) => Ok(v),
        None => Err(vm.new_error_noargs(ExcKind::StopIteration)),
    }
}

fn iter_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    me(vm, &args)?;
    Ok(args.args.first().cloned().unwrap_or(Value::None))
}

pub fn make_type(vm: &mut Vm) -> PyRef {
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "_elementtree",
        "_element_iterator",
        &object,
        crate::objects::typeobj::Layout::Native("_element_iterator"),
        0,
    );
    vm.add_methods(&t, &[("__iter__", iter_iter), ("__next__", iter_next)]);
    t
}
