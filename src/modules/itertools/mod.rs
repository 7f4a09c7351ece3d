//! `itertools`: CPython 3.11's iterator building blocks (Modules/itertoolsmodule.c).
//! Every iterator is an instance of its own native type holding an
//! [`ItObj`]; `__next__` dispatches on the state. The constructors live in
//! `simple.rs` (count, cycle, repeat, accumulate, chain, compress, the
//! predicate filters, starmap, pairwise, islice), `group.rs` (groupby,
//! _grouper, tee) and `combinatoric.rs` (zip_longest, product,
//! permutations, combinations).

use std::cell::RefCell;

use crate::objects::exception::ExcKind;
use crate::objects::function::{Args, NativeFn};
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

pub mod clinic;
mod combinatoric;
mod group;
mod reduce;
mod simple;

pub use group::TeeLink;
pub use simple::short_type_name;

/// The state of one itertools iterator.
pub enum St {
    Count {
        cur: Value,
        step: Value,
    },
    Cycle {
        it: Option<Value>,
        saved: Vec<Value>,
        idx: usize,
        firstpass: bool,
    },
    Repeat {
        obj: Value,
        /// None: forever.
        left: Option<i64>,
    },
    Accumulate {
        it: Value,
        func: Value,
        total: Option<Value>,
        initial: Option<Value>,
    },
    Chain {
        source: Option<Value>,
        active: Option<Value>,
    },
    Compress {
        data: Value,
        selectors: Value,
    },
    DropWhile {
        pred: Value,
        it: Value,
        dropped: bool,
    },
    TakeWhile {
        pred: Value,
        it: Value,
        stopped: bool,
    },
    FilterFalse {
        func: Value,
        it: Value,
    },
    Starmap {
        func: Value,
        it: Value,
    },
    Pairwise {
        it: Option<Value>,
        old: Option<Value>,
    },
    Islice {
        it: Option<Value>,
        next: usize,
        /// None: no stop.
        stop: Option<usize>,
        step: usize,
        cnt: usize,
    },
    GroupBy(group::GroupBy),
    Grouper {
        parent: PyRef,
        tgtkey: Value,
    },
    Tee {
        link: crate::objects::rc::Rc<TeeLink>,
        index: usize,
    },
    ZipLongest {
        its: Vec<Option<Value>>,
        active: usize,
        fill: Value,
        /// The tuple given last, refilled when nothing else holds it.
        last: Option<PyRef>,
    },
    Product(combinatoric::Indices),
    Combinations(combinatoric::Indices),
    CombWithRepl(combinatoric::Indices),
    Permutations(combinatoric::Perm),
    Done,
}

/// A native itertools iterator.
pub struct ItObj {
    pub st: RefCell<St>,
}

impl ItObj {
    pub fn new(st: St) -> ItObj {
        ItObj {
            st: RefCell::new(st),
        }
    }
}

impl NativeData for ItObj {
    fn iter_step(&self, vm: &mut Vm, me: &Value) -> Option<PyResult<Option<Value>>> {
        Some(step_of(vm, me, self))
    }

    /// The cycle collector's `tp_clear`: the iterator becomes exhausted;
    /// the values it held go to `out` (a tee's shared buffer stays).
    fn clear(&self, out: &mut Vec<Value>) {
        self.traverse(&mut |v| out.push(v.clone()));
        if let Ok(mut st) = self.st.try_borrow_mut() {
            if !matches!(*st, St::Tee { .. }) {
                let old = std::mem::replace(&mut *st, St::Done);
                drop(st);
                // Every value `old` held has a reference in `out`.
                drop(old);
            }
        }
    }

    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        let Ok(st) = self.st.try_borrow() else {
            return;
        };
        let mut v = |x: &Value| visit(x);
        match &*st {
            St::Count { cur, step } => {
                v(cur);
                v(step)
            }
            St::Cycle { it, saved, .. } => {
                it.iter().for_each(&mut v);
                saved.iter().for_each(&mut v)
            }
            St::Repeat { obj, .. } => v(obj),
            St::Accumulate {
                it,
                func,
                total,
                initial,
            } => {
                v(it);
                v(func);
                total.iter().chain(initial.iter()).for_each(&mut v)
            }
            St::Chain { source, active } => source.iter().chain(active.iter()).for_each(&mut v),
            St::Compress { data, selectors } => {
                v(data);
                v(selectors)
            }
            St::DropWhile { pred, it, .. } | St::TakeWhile { pred, it, .. } => {
                v(pred);
                v(it)
            }
            St::FilterFalse { func, it } | St::Starmap { func, it } => {
                v(func);
                v(it)
            }
            St::Pairwise { it, old } => it.iter().chain(old.iter()).for_each(&mut v),
            St::Islice { it, .. } => it.iter().for_each(&mut v),
            St::GroupBy(g) => g.traverse(&mut v),
            St::Grouper { parent, tgtkey } => {
                v(&Value::Obj(parent.clone()));
                v(tgtkey)
            }
            St::Tee { .. } | St::Done => {}
            St::ZipLongest {
                its, fill, last, ..
            } => {
                its.iter().flatten().for_each(&mut v);
                v(fill);
                if let Some(t) = last {
                    v(&Value::Obj(t.clone()))
                }
            }
            St::Product(ix) | St::Combinations(ix) | St::CombWithRepl(ix) => {
                ix.pool.iter().for_each(&mut v)
            }
            St::Permutations(p) => p.pool.iter().for_each(&mut v),
        }
    }
}

crate::interp_local! {
    /// The itertools types native code creates instances of (`_grouper`,
    /// `_tee`), from the most recent `import itertools`.
    static TYPES: RefCell<Vec<(&'static str, PyRef)>> = const { RefCell::new(Vec::new()) };
}

/// The itertools type `name` registered at module init.
pub fn registered_type(vm: &Vm, name: &str) -> PyResult<PyRef> {
    TYPES
        .with(|t| {
            t.borrow()
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| t.clone())
        })
        .ok_or_else(|| vm.system_error(format!("itertools.{name} is not initialised")))
}

/// A new iterator of class `cls` with state `st`.
pub fn new_it(vm: &Vm, cls: &PyRef, st: St) -> Value {
    Value::Obj(vm.new_native(cls, ItObj::new(st)))
}

/// The state of an itertools object `v`.
pub fn it_obj<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a ItObj> {
    vm.native::<ItObj>(v)
        .ok_or_else(|| vm.type_error("descriptor requires an itertools object"))
}

/// `StopIteration` (the end of a native `__next__`).
pub fn stop(vm: &Vm) -> crate::vm::PyErr {
    vm.new_error_noargs(ExcKind::StopIteration)
}

fn it_iter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(clinic::self_arg(&args))
}

/// `__next__` of every itertools iterator.
fn it_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    match step(vm, &s)? {
        Some(v) => Ok(v),
        None => Err(stop(vm)),
    }
}

/// Advance an itertools iterator: Some(item) or None when exhausted.
pub fn step(vm: &mut Vm, s: &Value) -> PyResult<Option<Value>> {
    let o = it_obj(vm, s)?;
    step_of(vm, s, o)
}

/// Advance the itertools iterator `s`, whose state is `o`.
fn step_of(vm: &mut Vm, s: &Value, o: &ItObj) -> PyResult<Option<Value>> {
    let kind = {
        let Ok(mut st) = o.st.try_borrow_mut() else {
            return Err(vm.new_error(ExcKind::RuntimeError, "iterator already executing"));
        };
        match &mut *st {
            // The steps that run no code, in this one borrow.
            St::Repeat { obj, left } => {
                return Ok(match left {
                    None => Some(obj.clone()),
                    Some(n) if *n > 0 => {
                        *n -= 1;
                        Some(obj.clone())
                    }
                    Some(_) => None,
                })
            }
            St::Count {
                cur: Value::Int(a),
                step: Value::Int(b),
            } => {
                if let Some(n) = a.checked_add(*b) {
                    return Ok(Some(Value::Int(std::mem::replace(a, n))));
                }
                0
            }
            St::Cycle {
                it: None,
                saved,
                idx,
                ..
            } if !saved.is_empty() => {
                let v = saved.get(*idx).cloned();
                *idx = (*idx + 1) % saved.len();
                return Ok(v);
            }
            St::Done => return Ok(None),
            St::Count { .. } => 0,
            St::GroupBy(_) | St::Grouper { .. } | St::Tee { .. } => 1,
            St::ZipLongest { .. }
            | St::Product(_)
            | St::Combinations(_)
            | St::CombWithRepl(_)
            | St::Permutations(_) => 2,
            St::Islice { .. } => 4,
            _ => 3,
        }
    };
    match kind {
        1 => group::step(vm, s, o),
        2 => combinatoric::step(vm, o),
        4 => simple::islice_step(vm, o),
        _ => simple::step(vm, o),
    }
}

/// `cls.__class_getitem__(item)`: a `types.GenericAlias`.
fn it_class_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = clinic::positional(vm, &args, 1, "__class_getitem__", 1, 1)?;
    let cls = clinic::self_arg(&args);
    Ok(vm.new_generic_alias(cls, a[0].clone()))
}

/// One itertools type: its `__new__` and extra methods.
struct TypeSpec {
    name: &'static str,
    new: Option<NativeFn>,
    methods: &'static [(&'static str, NativeFn)],
    flags: u32,
}

const B: u32 = FLAG_BASETYPE;

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("itertools");
    let specs: &[TypeSpec] = &[
        TypeSpec {
            name: "accumulate",
            new: Some(simple::accumulate_new),
            methods: &[],
            flags: B,
        },
        TypeSpec {
            name: "chain",
            new: Some(simple::chain_new),
            methods: &[],
            flags: B,
        },
        TypeSpec {
            name: "combinations",
            new: Some(combinatoric::combinations_new),
            methods: &[],
            flags: B,
        },
        TypeSpec {
            name: "combinations_with_replacement",
            new: Some(combinatoric::cwr_new),
            methods: &[],
            flags: B,
        },
        TypeSpec {
            name: "compress",
            new: Some(simple::compress_new),
            methods: &[],
            flags: B,
        },
        TypeSpec {
            name: "count",
            new: Some(simple::count_new),
            methods: &[("__repr__", simple::count_repr)],
            flags: B,
        },
        TypeSpec {
            name: "cycle",
            new: Some(simple::cycle_new),
            methods: &[],
            flags: B,
        },
        TypeSpec {
            name: "dropwhile",
            new: Some(simple::dropwhile_new),
            methods: &[],
            flags: B,
        },
        TypeSpec {
            name: "filterfalse",
            new: Some(simple::filterfalse_new),
            methods: &[],
            flags: B,
        },
        TypeSpec {
            name: "groupby",
            new: Some(group::groupby_new),
            methods: &[],
            flags: B,
        },
        TypeSpec {
            name: "islice",
            new: Some(simple::islice_new),
            methods: &[],
            flags: B,
        },
        TypeSpec {
            name: "pairwise",
            new: Some(simple::pairwise_new),
            methods: &[],
            flags: B,
        },
        TypeSpec {
            name: "permutations",
            new: Some(combinatoric::permutations_new),
            methods: &[],
            flags: B,
        },
        TypeSpec {
            name: "product",
            new: Some(combinatoric::product_new),
            methods: &[],
            flags: B,
        },
        TypeSpec {
            name: "repeat",
            new: Some(simple::repeat_new),
            methods: &[
                ("__repr__", simple::repeat_repr),
                ("__length_hint__", simple::repeat_length_hint),
            ],
            flags: B,
        },
        TypeSpec {
            name: "starmap",
            new: Some(simple::starmap_new),
            methods: &[],
            flags: B,
        },
        TypeSpec {
            name: "takewhile",
            new: Some(simple::takewhile_new),
            methods: &[],
            flags: B,
        },
        TypeSpec {
            name: "zip_longest",
            new: Some(combinatoric::zip_longest_new),
            methods: &[],
            flags: B,
        },
        TypeSpec {
            name: "_grouper",
            new: Some(group::grouper_new),
            methods: &[],
            flags: 0,
        },
        TypeSpec {
            name: "_tee",
            new: Some(group::tee_type_new),
            methods: &[("__copy__", group::tee_copy)],
            flags: 0,
        },
        TypeSpec {
            name: "_tee_dataobject",
            new: Some(group::teedata_new),
            methods: &[],
            flags: 0,
        },
    ];
    let object = vm.types.object.clone();
    let mut made = Vec::new();
    for spec in specs {
        let t = vm.new_native_type(
            "itertools",
            spec.name,
            &object,
            Layout::Native("itertools"),
            spec.flags,
        );
        if let Some(new) = spec.new {
            vm.add_staticmethods(&t, &[("__new__", new)]);
        }
        vm.add_methods(&t, &[("__iter__", it_iter), ("__next__", it_next)]);
        vm.add_methods(
            &t,
            &[
                ("__reduce__", reduce::it_reduce),
                ("__setstate__", reduce::it_setstate),
            ],
        );
        vm.add_methods(&t, spec.methods);
        vm.set_attr_raw(&m, spec.name, Value::Obj(t.clone()));
        made.push((spec.name, t));
    }
    if let Some((_, chain)) = made.iter().find(|(n, _)| *n == "chain") {
        let chain = chain.clone();
        vm.add_classmethods(
            &chain,
            &[
                ("from_iterable", simple::chain_from_iterable),
                ("__class_getitem__", it_class_getitem),
            ],
        );
    }
    TYPES.with(|t| *t.borrow_mut() = made);
    vm.add_functions(&m, &[("tee", group::tee)]);
    let doc = vm.new_str("Functional tools for creating and using iterators.");
    vm.set_attr_raw(&m, "__doc__", doc);
    Ok(m)
}
