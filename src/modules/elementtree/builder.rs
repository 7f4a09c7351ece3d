//! `xml.etree.ElementTree.TreeBuilder` as `_elementtree.c` has it: the
//! element stack, character data collected until the next event and
//! then stored as the text of the last opened element or the tail of the
//! last closed one, comment and PI factories, and the event queue that
//! `XMLPullParser` reads (`_setevents`).

use std::cell::{Cell, RefCell};

use super::element::{is_exact_element, new_element, Elem};
use crate::modules::collections::deque::Deque;
use crate::modules::itertools::clinic::{self, parse, KwStyle, Sig};
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// Which event an `events` slot reports.
pub const EV_START: usize = 0;
pub const EV_END: usize = 1;
pub const EV_START_NS: usize = 2;
pub const EV_END_NS: usize = 3;
pub const EV_COMMENT: usize = 4;
pub const EV_PI: usize = 5;

pub struct Builder {
    root: RefCell<Option<Value>>,
    this: RefCell<Value>,
    last: RefCell<Value>,
    last_for_tail: RefCell<Option<Value>>,
    data: RefCell<Vec<Value>>,
    stack: RefCell<Vec<Value>>,
    element_factory: RefCell<Option<Value>>,
    comment_factory: RefCell<Option<Value>>,
    pi_factory: RefCell<Option<Value>>,
    insert_comments: Cell<bool>,
    insert_pis: Cell<bool>,
    pub events_append: RefCell<Option<Value>>,
    /// The event queue when it is an exact `collections.deque` (its
    /// `append` is then a push, made without a call).
    pub events_deque: RefCell<Option<Value>>,
    pub events: RefCell<[Option<Value>; 6]>,
}

impl NativeData for Builder {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        let opt = |c: &RefCell<Option<Value>>, visit: &mut dyn FnMut(&Value)| {
            if let Ok(v) = c.try_borrow() {
                if let Some(v) = v.as_ref() {
                    visit(v);
                }
            }
        };
        opt(&self.root, visit);
        opt(&self.last_for_tail, visit);
        opt(&self.element_factory, visit);
        opt(&self.comment_factory, visit);
        opt(&self.pi_factory, visit);
        opt(&self.events_append, visit);
        opt(&self.events_deque, visit);
        for c in [&self.this, &self.last] {
            if let Ok(v) = c.try_borrow() {
                visit(&v);
            }
        }
        for c in [&self.data, &self.stack] {
            if let Ok(v) = c.try_borrow() {
                v.iter().for_each(&mut *visit);
            }
        }
        if let Ok(e) = self.events.try_borrow() {
            e.iter().flatten().for_each(visit);
        }
    }

    fn clear(&self, out: &mut Vec<Value>) {
        for c in [
            &self.root,
            &self.last_for_tail,
            &self.element_factory,
            &self.comment_factory,
            &self.pi_factory,
            &self.events_append,
            &self.events_deque,
        ] {
            if let Ok(mut v) = c.try_borrow_mut() {
                out.extend(v.take());
            }
        }
        for c in [&self.this, &self.last] {
            if let Ok(mut v) = c.try_borrow_mut() {
                out.push(std::mem::replace(&mut *v, Value::None));
            }
        }
        for c in [&self.data, &self.stack] {
            if let Ok(mut v) = c.try_borrow_mut() {
                out.append(&mut v);
            }
        }
    }
}

impl Builder {
    pub fn new() -> Builder {
        Builder {
            root: RefCell::new(None),
            this: RefCell::new(Value::None),
            last: RefCell::new(Value::None),
            last_for_tail: RefCell::new(None),
            data: RefCell::new(Vec::new()),
            stack: RefCell::new(Vec::new()),
            element_factory: RefCell::new(None),
            comment_factory: RefCell::new(super::factories().0),
            pi_factory: RefCell::new(super::factories().1),
            insert_comments: Cell::new(false),
            insert_pis: Cell::new(false),
            events_append: RefCell::new(None),
            events_deque: RefCell::new(None),
            events: RefCell::new(Default::default()),
        }
    }

    /// Report `node` as event `kind` when that event is asked for.
    fn event(&self, vm: &mut Vm, kind: usize, node: &Value) -> PyResult<()> {
        let Some(append) = self.events_append.borrow().clone() else {
            return Ok(());
        };
        let Some(action) = self.events.borrow().get(kind).cloned().flatten() else {
            return Ok(());
        };
        let t = vm.new_tuple_of([action, node.clone()]);
        let queue = self.events_deque.borrow().clone();
        if let Some(d) = queue.as_ref().and_then(|q| vm.native::<Deque>(q)) {
            d.push_back(t);
            return Ok(());
        }
        vm.call(&append, &[t])?;
        Ok(())
    }

    pub fn wants(&self, kind: usize) -> bool {
        self.events_append.borrow().is_some()
            && self.events.borrow().get(kind).is_some_and(Option::is_some)
    }

    /// Store the collected character data as text or tail.
    fn flush(&self, vm: &mut Vm) -> PyResult<()> {
        // One chunk (the usual case) leaves the list and its capacity.
        let single = {
            let mut data = self.data.borrow_mut();
            match data.len() {
                0 => return Ok(()),
                1 => data.pop(),
                _ => None,
            }
        };
        let (elem, tail) = match self.last_for_tail.borrow().clone() {
            Some(e) => (e, true),
            None => (self.last.borrow().clone(), false),
        };
        let joined = match single {
            Some(v) => v,
            None => {
                let chunks = std::mem::take(&mut *self.data.borrow_mut());
                join(vm, chunks)?
            }
        };
        if is_exact_element(&elem) {
            if let Some(e) = vm.native::<Elem>(&elem) {
                let slot = if tail { &e.tail } else { &e.text };
                if slot.get().is_none() {
                    slot.set(joined);
                    return Ok(());
                }
            }
        }
        let name = if tail { "tail" } else { "text" };
        let prev = vm.getattr_str(&elem, name)?;
        let v = if prev.is_none() {
            joined
        } else {
            vm.binary_op(&prev, &joined, crate::vm::proto::BinOp::Add, false)?
        };
        let key = vm.intern(name);
        vm.setattr(&elem, &key, Some(v))
    }

    pub fn handle_start(&self, vm: &mut Vm, tag: Value, attrib: Option<PyRef>) -> PyResult<Value> {
        self.flush(vm)?;
        let factory = self.element_factory.borrow().clone();
        let node = match factory {
            None => new_element(vm, tag, attrib)?,
            Some(f) => {
                let a = attrib.unwrap_or_else(|| vm.new_dict());
                vm.call(&f, &[tag, Value::Obj(a)])?
            }
        };
        let this = self.this.borrow().clone();
        let old = self.last_for_tail.borrow_mut().take();
        drop(old);
        if this.is_none() {
            if self.root.borrow().is_some() {
                return Err(super::parse_error(vm, "multiple elements on top level"));
            }
            *self.root.borrow_mut() = Some(node.clone());
        } else {
            add_subelement(vm, &this, &node)?;
        }
        self.stack.borrow_mut().push(this);
        *self.this.borrow_mut() = node.clone();
        *self.last.borrow_mut() = node.clone();
        self.event(vm, EV_START, &node)?;
        Ok(node)
    }

    pub fn handle_end(&self, vm: &mut Vm) -> PyResult<Value> {
        self.flush(vm)?;
        let Some(parent) = self.stack.borrow_mut().pop() else {
            return Err(vm.index_error("pop from empty stack"));
        };
        let this = std::mem::replace(&mut *self.this.borrow_mut(), parent);
        let old = std::mem::replace(&mut *self.last.borrow_mut(), this.clone());
        *self.last_for_tail.borrow_mut() = Some(this.clone());
        drop(old);
        self.event(vm, EV_END, &this)?;
        Ok(this)
    }

    pub fn handle_data(&self, data: Value) {
        if self.data.borrow().is_empty() && self.last.borrow().is_none() {
            return;
        }
        self.data.borrow_mut().push(data);
    }

    pub fn handle_comment(&self, vm: &mut Vm, text: Value) -> PyResult<Value> {
        self.flush(vm)?;
        let factory = self.comment_factory.borrow().clone();
        let comment = match factory {
            Some(f) => {
                let c = vm.call(&f, &[text])?;
                let this = self.this.borrow().clone();
                if self.insert_comments.get() && !this.is_none() {
                    add_subelement(vm, &this, &c)?;
                    *self.last_for_tail.borrow_mut() = Some(c.clone());
                }
                c
            }
            None => text,
        };
        self.event(vm, EV_COMMENT, &comment)?;
        Ok(comment)
    }

    pub fn handle_pi(&self, vm: &mut Vm, target: Value, text: Value) -> PyResult<Value> {
        self.flush(vm)?;
        let factory = self.pi_factory.borrow().clone();
        let pi = match factory {
            Some(f) => {
                let p = vm.call(&f, &[target, text])?;
                let this = self.this.borrow().clone();
                if self.insert_pis.get() && !this.is_none() {
                    add_subelement(vm, &this, &p)?;
                    *self.last_for_tail.borrow_mut() = Some(p.clone());
                }
                p
            }
            None => vm.new_tuple_of([target, text]),
        };
        self.event(vm, EV_PI, &pi)?;
        Ok(pi)
    }

    pub fn handle_start_ns(&self, vm: &mut Vm, prefix: Value, uri: Value) -> PyResult<()> {
        let t = vm.new_tuple_of([prefix, uri]);
        self.event(vm, EV_START_NS, &t)
    }

    pub fn handle_end_ns(&self, vm: &mut Vm) -> PyResult<()> {
        self.event(vm, EV_END_NS, &Value::None)
    }

    pub fn done(&self) -> Value {
        self.root.borrow().clone().unwrap_or(Value::None)
    }
}

/// The collected chunks as one value (a single chunk as it is).
fn join(vm: &mut Vm, mut chunks: Vec<Value>) -> PyResult<Value> {
    if chunks.len() == 1 {
        return Ok(chunks.pop().unwrap_or(Value::None));
    }
    let mut s = String::new();
    let mut all_str = true;
    for c in &chunks {
        match vm.as_str_obj(c) {
            Some(t) => s.push_str(t.as_str()),
            None => {
                all_str = false;
                break;
            }
        }
    }
    if all_str {
        return Ok(vm.new_string(s));
    }
    let empty = vm.new_str("");
    let l = vm.new_list(chunks);
    vm.call_method(&empty, "join", &[l])
}

/// `treebuilder_add_subelement`: the C append for an exact Element,
/// else the element's own `append`.
fn add_subelement(vm: &mut Vm, parent: &Value, child: &Value) -> PyResult<()> {
    if is_exact_element(parent) {
        if let Some(p) = vm.native::<Elem>(parent) {
            if vm.native::<Elem>(child).is_none() {
                return Err(vm.type_error(format!(
                    "expected an Element, not \"{}\"",
                    vm.type_name_of(child)
                )));
            }
            p.children.borrow_mut().push(child.clone());
            return Ok(());
        }
    }
    vm.call_method(parent, "append", &[child.clone()])?;
    Ok(())
}

/// The TreeBuilder state of `v` when `v` is exactly a TreeBuilder.
pub fn exact_builder<'a>(vm: &Vm, v: &'a Value) -> Option<&'a Builder> {
    let t = super::STATE.with(|s| s.borrow().as_ref().map(|s| s.builder.clone()))?;
    match v {
        Value::Obj(o) if o.class_is(&t) => vm.native::<Builder>(v),
        _ => None,
    }
}

fn me<'a>(vm: &Vm, args: &Args<'a>, method: &str) -> PyResult<&'a Builder> {
    vm.native_self::<Builder>(args, "xml.etree.ElementTree.TreeBuilder", method)
}

fn tb_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = clinic::cls_arg(vm, &args, "TreeBuilder")?;
    Ok(Value::Obj(vm.new_native(&cls, Builder::new())))
}

fn tb_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = me(vm, &args, "__init__")?;
    const SIG: Sig = Sig {
        fname: "TreeBuilder",
        names: &[
            "element_factory",
            "comment_factory",
            "pi_factory",
            "insert_comments",
            "insert_pis",
        ],
        required: 0,
        maxpos: 1,
        style: KwStyle::Invalid,
    };
    let a = parse(vm, &args, 1, &SIG)?;
    let get = |i: usize| a.get(i).cloned().flatten();
    let ef = get(0).filter(|v| !v.is_none());
    *b.element_factory.borrow_mut() = ef;
    let (dc, dp) = super::factories();
    let cf = match get(1) {
        None | Some(Value::None) => dc,
        Some(v) => Some(v),
    };
    let pf = match get(2) {
        None | Some(Value::None) => dp,
        Some(v) => Some(v),
    };
    let ic = match get(3) {
        Some(v) => vm.truthy(&v)?,
        None => false,
    };
    let ip = match get(4) {
        Some(v) => vm.truthy(&v)?,
        None => false,
    };
    b.insert_comments.set(cf.is_some() && ic);
    b.insert_pis.set(pf.is_some() && ip);
    *b.comment_factory.borrow_mut() = cf;
    *b.pi_factory.borrow_mut() = pf;
    Ok(Value::None)
}

fn tb_data(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = me(vm, &args, "data")?;
    let a = clinic::positional(vm, &args, 1, "data", 1, 1)?;
    b.handle_data(a.first().cloned().unwrap_or(Value::None));
    Ok(Value::None)
}

fn tb_start(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = me(vm, &args, "start")?;
    let a = clinic::positional(vm, &args, 1, "start", 2, 2)?;
    let tag = a.first().cloned().unwrap_or(Value::None);
    let attrs = a.get(1).cloned().unwrap_or(Value::None);
    let d = match &attrs {
        Value::Obj(o) if matches!(o.payload, Payload::Dict(_)) => o.clone(),
        _ => {
            return Err(vm.type_error(format!(
                "start() argument 2 must be dict, not {}",
                vm.arg_type_name(&attrs)
            )))
        }
    };
    // C passes the dict itself on (no copy).
    if b.element_factory.borrow().is_some() || vm.dict_len(&d) != 0 {
        return b.handle_start(vm, tag, Some(d));
    }
    b.handle_start(vm, tag, None)
}

fn tb_end(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = me(vm, &args, "end")?;
    clinic::positional(vm, &args, 1, "end", 1, 1)?;
    b.handle_end(vm)
}

fn tb_comment(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = me(vm, &args, "comment")?;
    let a = clinic::positional(vm, &args, 1, "comment", 1, 1)?;
    b.handle_comment(vm, a.first().cloned().unwrap_or(Value::None))
}

fn tb_pi(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = me(vm, &args, "pi")?;
    let a = clinic::positional(vm, &args, 1, "pi", 1, 2)?;
    let target = a.first().cloned().unwrap_or(Value::None);
    let text = a.get(1).cloned().unwrap_or(Value::None);
    b.handle_pi(vm, target, text)
}

fn tb_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = me(vm, &args, "close")?;
    clinic::positional(vm, &args, 1, "close", 0, 0)?;
    Ok(b.done())
}

pub fn make_type(vm: &mut Vm) -> PyRef {
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "xml.etree.ElementTree",
        "TreeBuilder",
        &object,
        crate::objects::typeobj::Layout::Native("TreeBuilder"),
        crate::objects::typeobj::FLAG_BASETYPE,
    );
    vm.add_staticmethods(&t, &[("__new__", tb_new)]);
    vm.add_methods(
        &t,
        &[
            ("__init__", tb_init),
            ("data", tb_data),
            ("start", tb_start),
            ("end", tb_end),
            ("comment", tb_comment),
            ("pi", tb_pi),
            ("close", tb_close),
        ],
    );
    t
}
