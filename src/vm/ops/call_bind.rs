//! Binding a call's arguments to a Python function's parameters (CPython
//! 3.11's `initialize_locals`): positional values, `*args`, keywords,
//! `**kwargs`, defaults, with CPython's error messages and their order.
//!
//! The arguments come as a [`Bind`]: a leading value (a bound method's
//! `self`), the other positional values and the keyword values with their
//! names, each a slice of wherever they already are (the value stack, a
//! tuple's items, a buffer of a dict's entries): nothing is gathered into
//! one array first, and nothing is allocated unless the callee takes
//! `*args` (a tuple) or `**kwargs` (a dict).

use crate::objects::rc::Rc;

use crate::objects::dicttable::DictTable;
use crate::objects::function::{Args, Function};
use crate::objects::Payload;
use crate::pyc::code::{CO_VARARGS, CO_VARKEYWORDS};
use crate::vm::proto::str_of;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

/// The arguments of one call, in parts.
#[derive(Clone, Copy)]
pub(crate) struct Bind<'a> {
    /// A value before `pos` (a bound method's `self`).
    pub first: Option<&'a Value>,
    pub pos: &'a [Value],
    /// The keyword names, distinct, each naming the value of `kwvals` at
    /// its index.
    pub kwnames: Names<'a>,
    pub kwvals: &'a [Value],
}

/// Keyword names: vectorcall's (`Args::kwnames`) or the items of a
/// KW_NAMES tuple, borrowed where they are.
#[derive(Clone, Copy)]
pub(crate) enum Names<'a> {
    Refs(&'a [PyRef]),
    Tuple(&'a [Value]),
}

impl<'a> Names<'a> {
    /// Name `i` (`None` past the end or for an item that is no str).
    fn get(&self, i: usize) -> Option<&'a PyRef> {
        let name = match self {
            Names::Refs(r) => r.get(i)?,
            Names::Tuple(t) => match t.get(i)? {
                Value::Obj(o) => o,
                _ => return None,
            },
        };
        matches!(name.payload, Payload::Str(_)).then_some(name)
    }
}

impl<'a> Bind<'a> {
    /// The parts of vectorcall-style arguments.
    pub(crate) fn of(args: Args<'a>) -> Bind<'a> {
        let pos = args.pos();
        Bind {
            first: None,
            pos,
            kwnames: Names::Refs(args.kwnames),
            kwvals: args.args.get(pos.len()..).unwrap_or(&[]),
        }
    }

    /// The number of positional values (`first` included).
    pub(crate) fn npos(&self) -> usize {
        usize::from(self.first.is_some()) + self.pos.len()
    }

    /// Positional value `i` (`first` is 0).
    fn pos_at(&self, i: usize) -> Option<&'a Value> {
        match self.first {
            Some(f) if i == 0 => Some(f),
            Some(_) => self.pos.get(i - 1),
            None => self.pos.get(i),
        }
    }

    /// (name, value) of each keyword argument; a name that is no str
    /// (bad bytecode) is `None`.
    fn kwargs(&self) -> impl Iterator<Item = (Option<&'a PyRef>, &'a Value)> + 'a {
        let names = self.kwnames;
        self.kwvals
            .iter()
            .enumerate()
            .map(move |(i, v)| (names.get(i), v))
    }
}

/// The number of a tuple's items, 0 for anything else (`None`).
fn tuple_len(v: &Value) -> usize {
    match v {
        Value::Obj(t) => match &t.payload {
            Payload::Tuple(items) => items.len(),
            _ => 0,
        },
        _ => 0,
    }
}

impl Vm {
    /// Bind `a` into the locals of a new frame of `f` at `base` (all
    /// `Null`, `nlocalsplus` of them) in CPython's order: positional
    /// values, the `*args` tuple and `**kwargs` dict, keywords, then the
    /// checks for too many positional values and the defaults of missing
    /// ones.
    pub(crate) fn bind_args(&mut self, f: &Function, a: Bind, base: usize) -> PyResult<()> {
        let code = f.code.borrow().clone();
        let argcount = code.argcount;
        let total = argcount + code.kwonlyargcount;
        let npos = a.npos();
        let has_varargs = code.flags & CO_VARARGS != 0;
        let Some(slots) = self.stack.get_mut(base..base + code.nlocalsplus()) else {
            return Err(self.system_error("frame locals out of range"));
        };
        for (i, slot) in slots.iter_mut().take(npos.min(argcount)).enumerate() {
            if let Some(v) = a.pos_at(i) {
                *slot = v.clone();
            }
        }
        let mut next = total;
        if has_varargs {
            let mut extra = Vec::with_capacity(npos.saturating_sub(argcount));
            for i in argcount..npos {
                if let Some(v) = a.pos_at(i) {
                    extra.push(v.clone());
                }
            }
            let t = self.new_tuple(extra);
            self.set_local(base + next, t);
            next += 1;
        }
        let kwdict = if code.flags & CO_VARKEYWORDS != 0 {
            let d = self.new_kwargs_dict(a.kwvals.len());
            self.set_local(base + next, Value::Obj(d.clone()));
            Some(d)
        } else {
            None
        };
        let first_kw = code.posonlyargcount;
        let params = code.localsplusnames.get(first_kw..total).unwrap_or(&[]);
        for (name, value) in a.kwargs() {
            let Some(name) = name else {
                return Err(
                    self.type_error(format!("{}() keywords must be strings", func_qualname(f)))
                );
            };
            // Interned names first, by pointer (CPython's "speed hack"),
            // then by text.
            let found = match params.iter().position(|p| Rc::ptr_eq(p, name)) {
                Some(i) => Some(i),
                None => {
                    let n = str_of(name);
                    params.iter().position(|p| str_of(p) == n)
                }
            };
            match found {
                Some(i) => {
                    let slot = base + first_kw + i;
                    if !self.stack.get(slot).is_some_and(Value::is_null) {
                        return Err(self.type_error(format!(
                            "{}() got multiple values for argument '{}'",
                            func_qualname(f),
                            str_of(name)
                        )));
                    }
                    self.set_local(slot, value.clone());
                }
                None => match &kwdict {
                    Some(d) => self.dict_set(d, Value::Obj(name.clone()), value.clone())?,
                    None => return Err(self.unexpected_keyword(f, &a, name)),
                },
            }
        }
        if npos > argcount && !has_varargs {
            return Err(self.too_many_positional(f, npos, base));
        }
        if npos < argcount {
            let defaults_v = f.defaults.get();
            let defaults: &[Value] = match &defaults_v {
                Value::Obj(t) => match &t.payload {
                    Payload::Tuple(items) => items,
                    _ => &[],
                },
                _ => &[],
            };
            let first_default = argcount.saturating_sub(defaults.len());
            let missing = (npos..first_default)
                .filter(|&i| self.stack.get(base + i).is_some_and(Value::is_null))
                .count();
            if missing > 0 {
                let names = self.missing_names(&code, base, 0..first_default);
                return Err(self.missing_args(f, &names, "positional"));
            }
            for i in npos.max(first_default)..argcount {
                if self.stack.get(base + i).is_some_and(Value::is_null) {
                    if let Some(d) = defaults.get(i - first_default) {
                        self.set_local(base + i, d.clone());
                    }
                }
            }
        }
        if code.kwonlyargcount > 0 {
            let kwdefaults = f.kwdefaults();
            let mut missing = false;
            for i in argcount..total {
                if !self.stack.get(base + i).is_some_and(Value::is_null) {
                    continue;
                }
                let d = match (&kwdefaults, code.localsplusnames.get(i)) {
                    (Value::Obj(d), Some(name)) if matches!(d.payload, Payload::Dict(_)) => {
                        self.dict_get_str(d, name)?
                    }
                    _ => None,
                };
                match d {
                    Some(v) => self.set_local(base + i, v),
                    None => missing = true,
                }
            }
            if missing {
                let names = self.missing_names(&code, base, argcount..total);
                return Err(self.missing_args(f, &names, "keyword-only"));
            }
        }
        Ok(())
    }

    /// Store a bound value into a local slot of the frame being made.
    #[inline]
    fn set_local(&mut self, slot: usize, v: Value) {
        if let Some(s) = self.stack.get_mut(slot) {
            *s = v;
        }
    }

    /// A new dict for `**kwargs` with room for `n` keywords (never more
    /// than a dict grown from empty has: its size shows in
    /// `sys.getsizeof`).
    fn new_kwargs_dict(&self, n: usize) -> PyRef {
        let table = if n == 0 {
            DictTable::new()
        } else {
            DictTable::with_capacity(n.min(5))
        };
        self.new_obj(
            &self.types.dict,
            Payload::Dict(Box::new(std::cell::RefCell::new(table))),
        )
    }

    /// The names of the parameters in `range` still unset, for an error.
    fn missing_names(
        &self,
        code: &crate::vm::code::Code,
        base: usize,
        range: std::ops::Range<usize>,
    ) -> Vec<String> {
        range
            .filter(|&i| self.stack.get(base + i).is_some_and(Value::is_null))
            .filter_map(|i| code.localsplusnames.get(i))
            .map(|n| str_of(n).to_string())
            .collect()
    }

    /// The error for the keyword `name`, which names no parameter (and
    /// the function takes no `**kwargs`): CPython first looks for
    /// positional-only parameters among all the keywords and names them
    /// all, in parameter order.
    #[cold]
    fn unexpected_keyword(&self, f: &Function, a: &Bind, name: &PyRef) -> PyErr {
        let code = f.code.borrow().clone();
        let posonly: Vec<&str> = code
            .localsplusnames
            .get(..code.posonlyargcount)
            .unwrap_or(&[])
            .iter()
            .map(str_of)
            .filter(|p| a.kwargs().any(|(k, _)| k.is_some_and(|k| str_of(k) == *p)))
            .collect();
        if !posonly.is_empty() {
            return self.type_error(format!(
                "{}() got some positional-only arguments passed as keyword arguments: '{}'",
                func_qualname(f),
                posonly.join(", ")
            ));
        }
        self.type_error(format!(
            "{}() got an unexpected keyword argument '{}'",
            func_qualname(f),
            str_of(name)
        ))
    }

    #[cold]
    fn missing_args(&self, f: &Function, names: &[String], kind: &str) -> PyErr {
        let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
        let list = match quoted.as_slice() {
            [one] => one.clone(),
            [a, b] => format!("{a} and {b}"),
            [init @ .., last] => format!("{}, and {last}", init.join(", ")),
            [] => String::new(),
        };
        let s = if names.len() == 1 { "" } else { "s" };
        self.type_error(format!(
            "{}() missing {} required {kind} argument{s}: {list}",
            func_qualname(f),
            names.len()
        ))
    }

    #[cold]
    fn too_many_positional(&self, f: &Function, given: usize, base: usize) -> PyErr {
        let code = f.code.borrow().clone();
        let argcount = code.argcount;
        let ndefaults = f.defaults.with(tuple_len);
        let kwonly_given = (argcount..argcount + code.kwonlyargcount)
            .filter(|i| !self.stack.get(base + i).is_some_and(Value::is_null))
            .count();
        let takes = if ndefaults > 0 {
            format!(
                "from {} to {} positional arguments",
                argcount as i64 - ndefaults as i64,
                argcount
            )
        } else {
            format!(
                "{argcount} positional argument{}",
                if argcount == 1 { "" } else { "s" }
            )
        };
        let given_s = if kwonly_given > 0 {
            format!(
                "{given} positional argument{} (and {kwonly_given} keyword-only argument{}) were given",
                if given == 1 { "" } else { "s" },
                if kwonly_given == 1 { "" } else { "s" }
            )
        } else {
            format!("{given} {} given", if given == 1 { "was" } else { "were" })
        };
        self.type_error(format!(
            "{}() takes {takes} but {given_s}",
            func_qualname(f)
        ))
    }
}

/// `func.__qualname__` (which the error messages of argument binding
/// use, as CPython's do), falling back to the code's qualname.
pub(crate) fn func_qualname(f: &Function) -> String {
    match &f.qualname.get() {
        Value::Obj(o) => match &o.payload {
            Payload::Str(s) => s.as_str().to_string(),
            _ => str_of(&f.code.borrow().qualname).to_string(),
        },
        _ => str_of(&f.code.borrow().qualname).to_string(),
    }
}
