//! `BaseExceptionGroup` and `ExceptionGroup` (Objects/exceptions.c of
//! CPython 3.11): construction rules, `message`, `exceptions`, `derive`,
//! `split`, `subgroup`, `__str__`, and `_PyExc_PrepReraiseStar` for
//! `except*`.

use crate::objects::rc::Rc;
use std::collections::HashSet;

use super::exception::{ExcKind, GroupData};
use super::function::Args;
use super::typeobj::is_subtype;
use super::Payload;
use crate::vm::value::Value;
use crate::vm::{PyErr, PyResult, Vm};

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

/// How `split`/`subgroup` decide what matches.
enum Matcher {
    /// An exception type or a tuple of them.
    Type(Value),
    /// A Python function called with each exception.
    Predicate(Value),
    /// Leaf exceptions by identity (for re-raising from `except*`).
    Ids(HashSet<usize>),
}

fn obj_id(v: &Value) -> usize {
    match v {
        Value::Obj(o) => Rc::as_ptr(o) as *const u8 as usize,
        _ => 0,
    }
}

impl Vm {
    fn is_exc_class(&self, v: &Value) -> bool {
        let base = &self.exc_types[ExcKind::BaseException as usize];
        matches!(v, Value::Obj(o) if matches!(o.payload, Payload::Type(_)) && is_subtype(o, base))
    }

    fn is_exc_instance(&self, v: &Value) -> bool {
        matches!(v, Value::Obj(o) if matches!(o.payload, Payload::Exception(_)))
    }

    /// Whether `v` is an instance of BaseExceptionGroup.
    pub fn is_group(&self, v: &Value) -> bool {
        self.is_exc_instance(v)
            && is_subtype(
                &self.type_of(v),
                &self.exc_types[ExcKind::BaseExceptionGroup as usize],
            )
    }

    /// (message, exceptions tuple) of a group.
    pub fn group_data(&self, v: &Value) -> Option<(Value, Vec<Value>)> {
        let Value::Obj(o) = v else {
            return None;
        };
        let Payload::Exception(d) = &o.payload else {
            return None;
        };
        let d = d.borrow();
        let g = d.group.as_ref()?;
        Some((
            g.message.clone(),
            self.seq_items(&g.excs).unwrap_or_default(),
        ))
    }

    /// `PyErr_GivenExceptionMatches`: by subclass, with tuples.
    pub fn given_exception_matches(&self, exc: &Value, t: &Value) -> bool {
        if let Value::Obj(o) = t {
            if let Payload::Tuple(items) = &o.payload {
                return items.iter().any(|i| self.given_exception_matches(exc, i));
            }
        }
        let et = if self.is_exc_instance(exc) {
            Value::Obj(self.type_of(exc))
        } else {
            exc.clone()
        };
        match (&et, t) {
            (Value::Obj(a), Value::Obj(b)) if self.is_exc_class(&et) && self.is_exc_class(t) => {
                is_subtype(a, b)
            }
            _ => et.is(t),
        }
    }

    /// `_PyExc_CreateExceptionGroup(msg, excs)`.
    /// `excs` is a list or a tuple value.
    pub fn create_exception_group(&mut self, msg: &str, excs: Value) -> PyResult<Value> {
        let m = self.new_str(msg);
        let l = excs;
        let t = Value::Obj(self.exc_type(ExcKind::BaseExceptionGroup));
        self.call(&t, &[m, l])
    }

    fn matcher_of(&self, v: &Value) -> PyResult<Matcher> {
        if let Value::Obj(o) = v {
            if matches!(o.payload, Payload::Function(_)) {
                return Ok(Matcher::Predicate(v.clone()));
            }
            if self.is_exc_class(v) {
                return Ok(Matcher::Type(v.clone()));
            }
            if o.class_is(&self.types.tuple) {
                if let Payload::Tuple(items) = &o.payload {
                    if items.iter().all(|i| self.is_exc_class(i)) {
                        return Ok(Matcher::Type(v.clone()));
                    }
                }
            }
        }
        Err(self.type_error("expected a function, exception type or tuple of exception types"))
    }

    fn split_check_match(&mut self, exc: &Value, m: &Matcher) -> PyResult<bool> {
        match m {
            Matcher::Type(t) => Ok(self.given_exception_matches(exc, t)),
            Matcher::Predicate(f) => {
                let r = self.call(f, std::slice::from_ref(exc))?;
                self.truthy(&r)
            }
            Matcher::Ids(ids) => Ok(ids.contains(&obj_id(exc))),
        }
    }

    /// `exceptiongroup_subset`: a group like `orig` holding `excs`, with
    /// orig's traceback, cause, context and a copy of its notes.
    fn exceptiongroup_subset(&mut self, orig: &Value, excs: Vec<Value>) -> PyResult<Value> {
        if excs.is_empty() {
            return Ok(Value::None);
        }
        let l = self.new_list(excs);
        let eg = self.call_method(orig, "derive", &[l])?;
        if !self.is_group(&eg) {
            return Err(self.type_error("derive must return an instance of BaseExceptionGroup"));
        }
        if let (Value::Obj(o), Value::Obj(e)) = (orig, &eg) {
            if let (Payload::Exception(od), Payload::Exception(ed)) = (&o.payload, &e.payload) {
                let (tb, ctx, cause) = {
                    let od = od.borrow();
                    (od.traceback.clone(), od.context.clone(), od.cause.clone())
                };
                let mut ed = ed.borrow_mut();
                if !tb.is_none() {
                    ed.traceback = tb;
                }
                ed.context = ctx;
                ed.cause = cause;
                // PyException_SetCause always sets __suppress_context__.
                ed.suppress_context = true;
            }
        }
        if let Some(notes) = self.getattr_opt(orig, "__notes__")? {
            let items = match &notes {
                Value::Obj(o) if matches!(o.payload, Payload::Dict(_)) => None,
                _ => self.seq_items(&notes).or_else(|| {
                    self.as_str_obj(&notes).map(|s| {
                        s.as_str()
                            .chars()
                            .map(|c| self.new_string(c.to_string()))
                            .collect()
                    })
                }),
            };
            if let Some(items) = items {
                let copy = self.new_list(items);
                let name = self.intern("__notes__");
                self.setattr(&eg, &name, Some(copy))?;
            }
        }
        Ok(eg)
    }

    /// `exceptiongroup_split_recursive`: (match, rest), None for empty.
    fn split_recursive(
        &mut self,
        exc: &Value,
        m: &Matcher,
        construct_rest: bool,
        depth: usize,
    ) -> PyResult<(Value, Value)> {
        if depth > self.recursion_limit {
            return Err(self.new_error(
                ExcKind::RecursionError,
                "maximum recursion depth exceeded in exceptiongroup_split_recursive",
            ));
        }
        if self.split_check_match(exc, m)? {
            return Ok((exc.clone(), Value::None));
        }
        let Some((_, excs)) = self.group_data(exc).filter(|_| self.is_group(exc)) else {
            let rest = if construct_rest {
                exc.clone()
            } else {
                Value::None
            };
            return Ok((Value::None, rest));
        };
        let mut matches = Vec::new();
        let mut rests = Vec::new();
        for e in &excs {
            let (mm, rr) = self.split_recursive(e, m, construct_rest, depth + 1)?;
            if !mm.is_none() {
                matches.push(mm);
            }
            if !rr.is_none() {
                rests.push(rr);
            }
        }
        let mv = self.exceptiongroup_subset(exc, matches)?;
        let rv = if construct_rest {
            self.exceptiongroup_subset(exc, rests)?
        } else {
            Value::None
        };
        Ok((mv, rv))
    }

    fn collect_leaf_ids(&self, exc: &Value, out: &mut HashSet<usize>, depth: usize) {
        if exc.is_none() || depth > self.recursion_limit {
            return;
        }
        match self.group_data(exc).filter(|_| self.is_group(exc)) {
            Some((_, excs)) => {
                for e in &excs {
                    self.collect_leaf_ids(e, out, depth + 1);
                }
            }
            None => {
                out.insert(obj_id(exc));
            }
        }
    }

    /// `_PyExc_PrepReraiseStar`: the exception to raise at the end of a
    /// `try`/`except*`, from the original and what the clauses raised.
    pub fn prep_reraise_star(&mut self, orig: &Value, excs: &[Value]) -> PyResult<Value> {
        let Some(first) = excs.first() else {
            return Ok(Value::None);
        };
        if !self.is_group(orig) {
            // A naked exception was caught and wrapped: at most one
            // exception to raise.
            return Ok(first.clone());
        }
        let mut raised = Vec::new();
        let mut reraised = Vec::new();
        for e in excs {
            if e.is_none() {
                continue;
            }
            if same_exception_metadata(e, orig) {
                reraised.push(e.clone());
            } else {
                raised.push(e.clone());
            }
        }
        let mut ids = HashSet::new();
        for e in &reraised {
            self.collect_leaf_ids(e, &mut ids, 0);
        }
        let (reraised_eg, _) = self.split_recursive(orig, &Matcher::Ids(ids), false, 0)?;
        if raised.is_empty() {
            return Ok(reraised_eg);
        }
        if !reraised_eg.is_none() {
            raised.push(reraised_eg);
        }
        if raised.len() > 1 {
            let l = self.new_list(raised);
            self.create_exception_group("", l)
        } else {
            Ok(raised.remove(0))
        }
    }
}

/// `is_same_exception_metadata`: the same traceback, cause and context
/// objects (3.11 keeps notes in the instance dict, so they do not count).
fn same_exception_metadata(a: &Value, b: &Value) -> bool {
    let (Value::Obj(a), Value::Obj(b)) = (a, b) else {
        return false;
    };
    let (Payload::Exception(ad), Payload::Exception(bd)) = (&a.payload, &b.payload) else {
        return false;
    };
    if Rc::ptr_eq(a, b) {
        return true;
    }
    let (ad, bd) = (ad.borrow(), bd.borrow());
    ad.traceback.is(&bd.traceback) && ad.cause.is(&bd.cause) && ad.context.is(&bd.context)
}

fn group_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) if matches!(c.payload, Payload::Type(_)) => c.clone(),
        _ => return Err(vm.type_error("BaseExceptionGroup.__new__(X): X is not a type object")),
    };
    let pos: Vec<Value> = args.pos().get(1..).map(|s| s.to_vec()).unwrap_or_default();
    if pos.len() != 2 {
        return Err(vm.type_error(format!(
            "BaseExceptionGroup.__new__() takes exactly 2 arguments ({} given)",
            pos.len()
        )));
    }
    let message = pos[0].clone();
    if vm.as_str_obj(&message).is_none() {
        return Err(vm.type_error(format!(
            "BaseExceptionGroup.__new__() argument 1 must be str, not {}",
            vm.arg_type_name(&message)
        )));
    }
    let seq = &pos[1];
    let is_seq = match seq {
        Value::Obj(o) => match &o.payload {
            Payload::List(_) | Payload::Tuple(_) | Payload::Str(_) => true,
            Payload::Dict(_) => false,
            _ => {
                let ty = vm.type_of(seq);
                !is_subtype(&ty, &vm.types.dict)
                    && vm.type_lookup_static(&ty, "__getitem__").is_some()
            }
        },
        _ => false,
    };
    if !is_seq {
        return Err(vm.type_error("second argument (exceptions) must be a sequence"));
    }
    let excs = vm.collect_iter(seq)?;
    if excs.is_empty() {
        return Err(vm.value_error("second argument (exceptions) must be a non-empty sequence"));
    }
    let exception_t = vm.exc_type(ExcKind::Exception);
    let mut nested_base = false;
    for (i, e) in excs.iter().enumerate() {
        if !vm.is_exc_instance(e) {
            return Err(vm.value_error(format!(
                "Item {i} of second argument (exceptions) is not an exception"
            )));
        }
        if !is_subtype(&vm.type_of(e), &exception_t) {
            nested_base = true;
        }
    }
    let eg_t = vm.exc_type(ExcKind::ExceptionGroup);
    let beg_t = vm.exc_type(ExcKind::BaseExceptionGroup);
    let mut cls = cls;
    if Rc::ptr_eq(&cls, &eg_t) {
        if nested_base {
            return Err(vm.type_error("Cannot nest BaseExceptions in an ExceptionGroup"));
        }
    } else if Rc::ptr_eq(&cls, &beg_t) {
        if !nested_base {
            cls = eg_t;
        }
    } else if nested_base && is_subtype(&cls, &exception_t) {
        return Err(vm.type_error(format!(
            "Cannot nest BaseExceptions in '{}'",
            vm.type_name(&cls)
        )));
    }
    let all = vm.new_tuple(pos.clone());
    let o = vm.new_instance_of(
        &cls,
        Payload::Exception(Box::new(std::cell::RefCell::new(
            super::exception::ExcData::new(all),
        ))),
    );
    if !o.has_attrs() {
        o.set_dict(Some(vm.new_dict()));
    }
    let excs = vm.new_tuple(excs);
    if let Payload::Exception(d) = &o.payload {
        d.borrow_mut().group = Some(Box::new(GroupData { message, excs }));
    }
    Ok(Value::Obj(o))
}

fn group_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let this = arg(&args, 0);
    if args.has_kwargs() {
        return Err(vm.type_error(format!(
            "{}() takes no keyword arguments",
            vm.type_name_of(&this)
        )));
    }
    let Value::Obj(o) = &this else {
        return Ok(Value::None);
    };
    let pos: Vec<Value> = args.pos().get(1..).map(|s| s.to_vec()).unwrap_or_default();
    let t = vm.new_tuple(pos);
    if let Payload::Exception(d) = &o.payload {
        d.borrow_mut().args = t;
    }
    Ok(Value::None)
}

fn self_group(vm: &Vm, v: &Value) -> PyResult<(Value, Vec<Value>)> {
    vm.group_data(v)
        .ok_or_else(|| vm.type_error("descriptor requires a 'BaseExceptionGroup' object"))
}

fn group_str(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (msg, excs) = self_group(vm, &arg(&args, 0))?;
    let m = vm.str(&msg)?;
    let n = excs.len();
    let s = if n > 1 { "s" } else { "" };
    Ok(vm.new_string(format!("{m} ({n} sub-exception{s})")))
}

fn group_derive(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.check_args("derive", args, 1, 1)?;
    let (msg, _) = self_group(vm, &arg(&args, 0))?;
    let t = Value::Obj(vm.exc_type(ExcKind::BaseExceptionGroup));
    vm.call(&t, &[msg, arg(&args, 1)])
}

fn group_split(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.check_args("split", args, 1, 1)?;
    let this = arg(&args, 0);
    self_group(vm, &this)?;
    let m = vm.matcher_of(&arg(&args, 1))?;
    let (a, b) = vm.split_recursive(&this, &m, true, 0)?;
    Ok(vm.new_tuple_of([a, b]))
}

fn group_subgroup(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.check_args("subgroup", args, 1, 1)?;
    let this = arg(&args, 0);
    self_group(vm, &this)?;
    let m = vm.matcher_of(&arg(&args, 1))?;
    let (a, _) = vm.split_recursive(&this, &m, false, 0)?;
    Ok(a)
}

fn group_class_getitem(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(arg(&args, 0))
}

fn get_message(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(self_group(vm, v)?.0)
}

fn get_exceptions(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let (_, excs) = self_group(vm, v)?;
    Ok(vm.new_tuple(excs))
}

fn readonly(vm: &Vm) -> PyErr {
    vm.attribute_error("readonly attribute")
}

fn set_message(vm: &mut Vm, _v: &Value, _new: Option<Value>) -> PyResult<()> {
    Err(readonly(vm))
}

fn set_exceptions(vm: &mut Vm, _v: &Value, _new: Option<Value>) -> PyResult<()> {
    Err(readonly(vm))
}

pub fn install(vm: &mut Vm) {
    let beg = vm.exc_type(ExcKind::BaseExceptionGroup);
    vm.add_staticmethods(&beg, &[("__new__", group_new)]);
    vm.add_methods(
        &beg,
        &[
            ("__init__", group_init),
            ("__str__", group_str),
            ("derive", group_derive),
            ("split", group_split),
            ("subgroup", group_subgroup),
        ],
    );
    vm.add_classmethods(&beg, &[("__class_getitem__", group_class_getitem)]);
    vm.add_getsets(
        &beg,
        &[
            ("message", get_message, Some(set_message)),
            ("exceptions", get_exceptions, Some(set_exceptions)),
        ],
    );
}
