//! `groupby` (with its `_grouper` sub-iterators) and `tee` (the `_tee`
//! iterators sharing CPython's linked buffer of `_tee_dataobject` cells).

use crate::objects::rc::Rc;
use std::cell::{Cell, RefCell};

use crate::objects::function::Args;
use crate::vm::proto::CmpOp;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::clinic::{self, cls_arg, parse, positional, Sig};
use super::{it_obj, new_it, registered_type, ItObj, St};

/// CPython's `LINKCELLS`: values per buffer cell of a tee.
const LINKCELLS: usize = 57;

/// The state of a groupby object.
pub struct GroupBy {
    it: Value,
    keyfunc: Value,
    tgtkey: Option<Value>,
    currkey: Option<Value>,
    currvalue: Option<Value>,
    /// The address of the current `_grouper` (identity only).
    currgrouper: usize,
}

impl GroupBy {
    pub fn traverse(&self, v: &mut dyn FnMut(&Value)) {
        v(&self.it);
        v(&self.keyfunc);
        for x in [&self.tgtkey, &self.currkey, &self.currvalue]
            .into_iter()
            .flatten()
        {
            v(x);
        }
    }
}

/// One buffer cell shared by tee iterators: the values read so far from
/// the common source and the link to the next cell.
pub struct TeeLink {
    it: Value,
    values: RefCell<Vec<Value>>,
    next: RefCell<Option<Rc<TeeLink>>>,
    running: Cell<bool>,
}

impl TeeLink {
    fn new(it: Value) -> Rc<TeeLink> {
        Rc::new(TeeLink {
            it,
            values: RefCell::new(Vec::new()),
            next: RefCell::new(None),
            running: Cell::new(false),
        })
    }
}

pub fn step(vm: &mut Vm, s: &Value, o: &ItObj) -> PyResult<Option<Value>> {
    enum Kind {
        GroupBy,
        Grouper(PyRef, Value),
        Tee(Rc<TeeLink>, usize),
    }
    let kind = match &*o.st.borrow() {
        St::GroupBy(_) => Kind::GroupBy,
        St::Grouper { parent, tgtkey } => Kind::Grouper(parent.clone(), tgtkey.clone()),
        St::Tee { link, index } => Kind::Tee(link.clone(), *index),
        _ => return Ok(None),
    };
    match kind {
        Kind::GroupBy => groupby_step(vm, s, o),
        Kind::Grouper(parent, tgtkey) => grouper_step(vm, s, &parent, tgtkey),
        Kind::Tee(link, index) => tee_step(vm, o, link, index),
    }
}

fn with_gb<R>(o: &ItObj, f: impl FnOnce(&mut GroupBy) -> R) -> Option<R> {
    match &mut *o.st.borrow_mut() {
        St::GroupBy(g) => Some(f(g)),
        _ => None,
    }
}

/// Read the next value of a groupby's source and its key
/// (CPython's `groupby_step`); false when the source is exhausted.
fn gb_advance(vm: &mut Vm, o: &ItObj) -> PyResult<bool> {
    let Some((it, keyfunc)) = with_gb(o, |g| (g.it.clone(), g.keyfunc.clone())) else {
        return Ok(false);
    };
    let Some(v) = vm.next(&it)? else {
        return Ok(false);
    };
    let key = if keyfunc.is_none() {
        v.clone()
    } else {
        vm.call(&keyfunc, std::slice::from_ref(&v))?
    };
    with_gb(o, |g| {
        g.currvalue = Some(v);
        g.currkey = Some(key);
    });
    Ok(true)
}

fn groupby_step(vm: &mut Vm, s: &Value, o: &ItObj) -> PyResult<Option<Value>> {
    with_gb(o, |g| g.currgrouper = 0);
    loop {
        let (tgt, cur) = with_gb(o, |g| (g.tgtkey.clone(), g.currkey.clone())).unwrap_or_default();
        match (tgt, cur) {
            (_, None) => {}
            (None, Some(_)) => break,
            (Some(t), Some(c)) => {
                if !vm.compare(&t, &c, CmpOp::Eq)? {
                    break;
                }
            }
        }
        if !gb_advance(vm, o)? {
            return Ok(None);
        }
    }
    let key = with_gb(o, |g| {
        g.tgtkey = g.currkey.clone();
        g.currkey.clone()
    })
    .flatten()
    .unwrap_or(Value::None);
    let Value::Obj(parent) = s else {
        return Ok(None);
    };
    let gt = registered_type(vm, "_grouper")?;
    let grouper = new_it(
        vm,
        &gt,
        St::Grouper {
            parent: parent.clone(),
            tgtkey: key.clone(),
        },
    );
    if let Value::Obj(g) = &grouper {
        let addr = Rc::as_ptr(g) as *const u8 as usize;
        with_gb(o, |gb| gb.currgrouper = addr);
    }
    Ok(Some(vm.new_tuple_of([key, grouper])))
}

fn grouper_step(vm: &mut Vm, s: &Value, parent: &PyRef, tgtkey: Value) -> PyResult<Option<Value>> {
    let me = match s {
        Value::Obj(o) => Rc::as_ptr(o) as *const u8 as usize,
        _ => 0,
    };
    let pv = Value::Obj(parent.clone());
    let po = it_obj(vm, &pv)?;
    let (current, has_value) =
        with_gb(po, |g| (g.currgrouper == me, g.currvalue.is_some())).unwrap_or((false, false));
    if !current {
        return Ok(None);
    }
    if !has_value && !gb_advance(vm, po)? {
        return Ok(None);
    }
    let cur = with_gb(po, |g| g.currkey.clone()).flatten();
    let Some(cur) = cur else {
        return Ok(None);
    };
    if !vm.compare(&tgtkey, &cur, CmpOp::Eq)? {
        return Ok(None);
    }
    Ok(with_gb(po, |g| {
        g.currkey = None;
        g.currvalue.take()
    })
    .flatten())
}

pub fn groupby_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "groupby")?;
    let a = parse(vm, &args, 1, &Sig::new("groupby", &["iterable", "key"], 1))?;
    let it = vm.iter(a[0].as_ref().unwrap_or(&Value::None))?;
    let keyfunc = a[1].clone().unwrap_or(Value::None);
    Ok(new_it(
        vm,
        &cls,
        St::GroupBy(GroupBy {
            it,
            keyfunc,
            tgtkey: None,
            currkey: None,
            currvalue: None,
            currgrouper: 0,
        }),
    ))
}

pub fn grouper_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = cls_arg(vm, &args, "_grouper")?;
    let a = positional(vm, &args, 1, "_grouper", 2, 2)?;
    let parent = match &a[0] {
        Value::Obj(p) if matches!(&*it_obj(vm, &a[0])?.st.borrow(), St::GroupBy(_)) => p.clone(),
        other => {
            return Err(vm.type_error(format!(
                "_grouper() argument 1 must be itertools.groupby, not {}",
                vm.arg_type_name(other)
            )))
        }
    };
    Ok(new_it(
        vm,
        &cls,
        St::Grouper {
            parent,
            tgtkey: a[1].clone(),
        },
    ))
}

fn tee_step(vm: &mut Vm, o: &ItObj, link: Rc<TeeLink>, index: usize) -> PyResult<Option<Value>> {
    let (link, index) = if index >= LINKCELLS {
        let next = link.next.borrow().clone();
        let next = next.unwrap_or_else(|| {
            let n = TeeLink::new(link.it.clone());
            *link.next.borrow_mut() = Some(n.clone());
            n
        });
        (next, 0)
    } else {
        (link, index)
    };
    let have = link.values.borrow().get(index).cloned();
    let value = match have {
        Some(v) => v,
        None => {
            if link.running.get() {
                return Err(vm.runtime_error("cannot re-enter the tee iterator"));
            }
            link.running.set(true);
            let r = vm.next(&link.it);
            link.running.set(false);
            match r? {
                Some(v) => {
                    link.values.borrow_mut().push(v.clone());
                    v
                }
                None => {
                    if let St::Tee { link: l, index: i } = &mut *o.st.borrow_mut() {
                        *l = link;
                        *i = index;
                    }
                    return Ok(None);
                }
            }
        }
    };
    if let St::Tee { link: l, index: i } = &mut *o.st.borrow_mut() {
        *l = link;
        *i = index + 1;
    }
    Ok(Some(value))
}

/// `_tee.__copy__()`: a tee at the same position.
pub fn tee_copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = clinic::self_arg(&args);
    let (link, index) = match &*it_obj(vm, &s)?.st.borrow() {
        St::Tee { link, index } => (link.clone(), *index),
        _ => return Err(vm.type_error("__copy__ requires a _tee object")),
    };
    let cls = vm.type_of(&s);
    Ok(new_it(vm, &cls, St::Tee { link, index }))
}

/// CPython's `tee_fromiterable`: a tee over `iterable` (a copy if the
/// iterator is itself a tee).
fn tee_fromiterable(vm: &mut Vm, iterable: &Value) -> PyResult<Value> {
    let it = vm.iter(iterable)?;
    let tt = registered_type(vm, "_tee")?;
    if let Value::Obj(o) = &it {
        if o.class_is(&tt) {
            return tee_copy(vm, Args::new(std::slice::from_ref(&it)));
        }
    }
    Ok(new_it(
        vm,
        &tt,
        St::Tee {
            link: TeeLink::new(it),
            index: 0,
        },
    ))
}

pub fn tee_type_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = positional(vm, &args, 1, "_tee", 1, 1)?;
    tee_fromiterable(vm, &a[0])
}

pub fn teedata_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    positional(vm, &args, 1, "teedataobject", 3, 3)?;
    Err(vm.type_error("_tee_dataobject objects cannot be created from Python in pycvm"))
}

/// `itertools.tee(iterable, n=2)`.
pub fn tee(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.has_kwargs() {
        return Err(vm.type_error("itertools.tee() takes no keyword arguments"));
    }
    let a = positional(vm, &args, 0, "tee", 1, 2)?;
    let n = match a.get(1) {
        Some(v) => super::clinic::ssize(vm, v)?,
        None => 2,
    };
    if n < 0 {
        return Err(vm.value_error("n must be >= 0"));
    }
    if n == 0 {
        return Ok(vm.new_tuple_of([]));
    }
    let it = vm.iter(&a[0])?;
    let copyfunc = vm.getattr_opt(&it, "__copy__")?;
    let (first, copyfunc) = match copyfunc {
        Some(f) => (it, f),
        None => {
            let t = tee_fromiterable(vm, &it)?;
            let f = vm.getattr_str(&t, "__copy__")?;
            (t, f)
        }
    };
    let mut out = vec![first];
    for _ in 1..n {
        out.push(vm.call(&copyfunc, &[])?);
    }
    Ok(vm.new_tuple(out))
}
