//! `_elementtree`: CPython 3.11's C accelerator of `xml.etree.ElementTree`
//! in Rust — `Element` (element.rs, its iterator in iter.rs),
//! `SubElement`, `TreeBuilder` (builder.rs), `XMLParser` driving pycvm's
//! expat directly (parser.rs), `ParseError` (`xml.etree.ElementTree`'s,
//! which `from _elementtree import *` rebinds to itself) and
//! `_set_factories`. The serialiser and `ElementPath` stay Python, as in
//! CPython.

mod builder;
mod element;
mod iter;
mod parser;

use std::cell::RefCell;

use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

pub struct State {
    pub element: PyRef,
    pub builder: PyRef,
    pub iter: PyRef,
    pub parse_error: Value,
    pub comment_factory: Option<Value>,
    pub pi_factory: Option<Value>,
}

crate::interp_local! {
    /// The module's types and factories (CPython's `elementtreestate`).
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// The comment and PI factories `_set_factories` gave.
fn factories() -> (Option<Value>, Option<Value>) {
    STATE.with(|s| {
        s.borrow().as_ref().map_or((None, None), |s| {
            (s.comment_factory.clone(), s.pi_factory.clone())
        })
    })
}

/// `ParseError(msg)` (without `code` and `position`).
fn parse_error(vm: &mut Vm, msg: &str) -> PyErr {
    let cls = STATE.with(|s| s.borrow().as_ref().map(|s| s.parse_error.clone()));
    let m = vm.new_str(msg);
    let Some(cls) = cls else {
        return vm.runtime_error(msg.to_string());
    };
    match vm.call(&cls, &[m]) {
        Ok(Value::Obj(e)) => PyErr(e),
        Ok(_) => vm.type_error("ParseError() did not return an exception"),
        Err(e) => e,
    }
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    // Imported first, `xml.etree.ElementTree` imports this module in turn
    // (and gives it its ParseError): that module is the one to return.
    let modules = vm.modules.clone();
    let key = vm.new_str("xml.etree.ElementTree");
    let et = match vm.dict_get(&modules, &key)? {
        Some(et) => et,
        None => {
            vm.import_by_name("xml.etree.ElementTree")?;
            let key = vm.new_str("_elementtree");
            if let Some(Value::Obj(m)) = vm.dict_get(&modules, &key)? {
                return Ok(m);
            }
            let key = vm.new_str("xml.etree.ElementTree");
            vm.dict_get(&modules, &key)?.unwrap_or(Value::None)
        }
    };
    let parse_error = vm.getattr_str(&et, "ParseError")?;
    let m = vm.new_module("_elementtree");
    let element = element::make_type(vm);
    let builder = builder::make_type(vm);
    let xmlparser = parser::make_type(vm);
    let it = iter::make_type(vm);
    STATE.with(|s| {
        *s.borrow_mut() = Some(State {
            element: element.clone(),
            builder: builder.clone(),
            iter: it,
            parse_error: parse_error.clone(),
            comment_factory: None,
            pi_factory: None,
        })
    });
    vm.set_attr_raw(&m, "Element", Value::Obj(element));
    vm.set_attr_raw(&m, "TreeBuilder", Value::Obj(builder));
    vm.set_attr_raw(&m, "XMLParser", Value::Obj(xmlparser));
    vm.set_attr_raw(&m, "ParseError", parse_error);
    vm.add_functions(
        &m,
        &[
            ("SubElement", subelement),
            ("_set_factories", set_factories),
        ],
    );
    Ok(m)
}

/// `SubElement(parent, tag, attrib={}, **extra)`.
fn subelement(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = args.pos();
    if pos.len() < 2 {
        return Err(vm.type_error(format!(
            "SubElement() takes at least 2 arguments ({} given)",
            pos.len()
        )));
    }
    if pos.len() > 3 {
        return Err(vm.type_error(format!(
            "SubElement() takes at most 3 arguments ({} given)",
            pos.len()
        )));
    }
    let parent = pos.first().cloned().unwrap_or(Value::None);
    let Some(p) = vm.native::<element::Elem>(&parent) else {
        return Err(vm.type_error(format!(
            "SubElement() argument 1 must be xml.etree.ElementTree.Element, not {}",
            vm.arg_type_name(&parent)
        )));
    };
    let tag = pos.get(1).cloned().unwrap_or(Value::None);
    let attrib = element::make_attrib(vm, &args, pos.get(2), "SubElement() argument 3")?;
    let e = element::new_element(vm, tag, attrib)?;
    p.children.borrow_mut().push(e.clone());
    Ok(e)
}

/// `_set_factories(comment_factory, pi_factory)`: the old pair.
fn set_factories(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("_set_factories", args, 2, 2)?;
    let cf = a.first().cloned().unwrap_or(Value::None);
    let pf = a.get(1).cloned().unwrap_or(Value::None);
    if !cf.is_none() && !vm.callable(&cf) {
        return Err(vm.type_error(format!(
            "Comment factory must be callable, not {}",
            vm.type_name_of(&cf)
        )));
    }
    if !pf.is_none() && !vm.callable(&pf) {
        return Err(vm.type_error(format!(
            "PI factory must be callable, not {}",
            vm.type_name_of(&pf)
        )));
    }
    let old = STATE.with(|s| {
        let mut s = s.borrow_mut();
        let Some(st) = s.as_mut() else {
            return (None, None);
        };
        let old = (st.comment_factory.take(), st.pi_factory.take());
        st.comment_factory = (!cf.is_none()).then_some(cf);
        st.pi_factory = (!pf.is_none()).then_some(pf);
        old
    });
    Ok(vm.new_tuple_of([old.0.unwrap_or(Value::None), old.1.unwrap_or(Value::None)]))
}
