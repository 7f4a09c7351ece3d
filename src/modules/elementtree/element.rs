//! `xml.etree.ElementTree.Element` as CPython 3.11's `_elementtree.c`
//! makes it: tag, attrib (a dict made on first need), text, tail and the
//! children, with the C type's methods, messages and sequence protocol.
//! The path methods (`find`, `findall`, `findtext` with a path,
//! `iterfind`) go to `xml.etree.ElementPath`, as the C code's do.

use std::cell::{Cell, RefCell};

use thin_vec::ThinVec;

use crate::modules::itertools::clinic::{self, parse, KwStyle, Sig};
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The state of an Element: 72 bytes, an 80-byte block (tests/mem_layout.rs;
/// 120 and a 128-byte block with a `RefCell` per field and a `Vec` of
/// children: a parsed document holds one per element).
pub struct Elem {
    pub tag: Field<Value>,
    pub text: Field<Value>,
    pub tail: Field<Value>,
    /// The attribute dict, made when first needed.
    pub attrib: Field<Option<PyRef>>,
    /// One word while empty (most elements are leaves).
    pub children: RefCell<ThinVec<Value>>,
}

/// A field of an Element read by cloning and written by replacing: no
/// reference into it is ever handed out, so it needs no borrow flag (a
/// `RefCell` is a word more).
#[derive(Default)]
pub struct Field<T>(Cell<T>);

/// The types a [`Field`] holds: their `clone` only counts a reference (it
/// runs no Python code and touches no `Field`).
pub trait PlainClone: Clone {}
impl PlainClone for Value {}
impl PlainClone for Option<PyRef> {}

impl<T: PlainClone> Field<T> {
    pub fn new(v: T) -> Field<T> {
        Field(Cell::new(v))
    }

    /// A clone of the value.
    #[inline]
    pub fn get(&self) -> T {
        // SAFETY: the reference lives only for this `clone`, which (see
        // `PlainClone`) neither writes this cell nor reads it through any
        // other path; `Field` hands out no reference into the cell, and
        // `Cell` makes it `!Sync`, so nothing else writes it meanwhile.
        unsafe { (*self.0.as_ptr()).clone() }
    }

    /// Put `v` in and give back the old value (the caller drops it once
    /// the field is consistent again).
    pub fn replace(&self, v: T) -> T {
        self.0.replace(v)
    }

    /// Put `v` in, dropping the old value.
    pub fn set(&self, v: T) {
        drop(self.0.replace(v));
    }
}

impl NativeData for Elem {
    fn seq_item(&self, i: usize) -> Option<Option<Value>> {
        Some(self.children.try_borrow().ok()?.get(i).cloned())
    }

    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        for c in [&self.tag, &self.text, &self.tail] {
            visit(&c.get());
        }
        if let Some(a) = self.attrib.get() {
            visit(&Value::Obj(a));
        }
        if let Ok(ch) = self.children.try_borrow() {
            ch.iter().for_each(visit);
        }
    }

    fn clear(&self, out: &mut Vec<Value>) {
        for c in [&self.tag, &self.text, &self.tail] {
            out.push(c.replace(Value::None));
        }
        if let Some(a) = self.attrib.replace(None) {
            out.push(Value::Obj(a));
        }
        if let Ok(mut ch) = self.children.try_borrow_mut() {
            out.extend(std::mem::take(&mut *ch));
        }
    }
}

impl Elem {
    pub fn new(tag: Value, attrib: Option<PyRef>) -> Elem {
        Elem {
            tag: Field::new(tag),
            text: Field::new(Value::None),
            tail: Field::new(Value::None),
            attrib: Field::new(attrib),
            children: RefCell::new(ThinVec::new()),
        }
    }

    pub fn tag(&self) -> Value {
        self.tag.get()
    }

    pub fn children(&self) -> Vec<Value> {
        self.children.borrow().to_vec()
    }

    /// The attribute dict, made now if there is none.
    pub fn attrib_dict(&self, vm: &Vm) -> PyRef {
        match self.attrib.get() {
            Some(d) => d,
            None => {
                let d = vm.new_dict();
                self.attrib.set(Some(d.clone()));
                d
            }
        }
    }
}

/// The Element type (set at module init).
pub fn element_type() -> Option<PyRef> {
    super::STATE.with(|s| s.borrow().as_ref().map(|s| s.element.clone()))
}

/// Whether `v` is an Element (or an instance of a subclass).
pub fn is_element(vm: &Vm, v: &Value) -> bool {
    vm.native::<Elem>(v).is_some()
}

/// Whether `v`'s class is exactly Element.
pub fn is_exact_element(v: &Value) -> bool {
    let Value::Obj(o) = v else {
        return false;
    };
    matches!(o.payload, Payload::Native(_))
        && super::STATE.with(|s| s.borrow().as_ref().is_some_and(|s| o.class_is(&s.element)))
}

/// A new exact Element.
pub fn new_element(vm: &mut Vm, tag: Value, attrib: Option<PyRef>) -> PyResult<Value> {
    let Some(t) = element_type() else {
        return Err(vm.runtime_error("_elementtree is not initialized"));
    };
    Ok(Value::Obj(vm.new_native(&t, Elem::new(tag, attrib))))
}

/// The Element state of a method's receiver.
fn me<'a>(vm: &Vm, args: &Args<'a>, method: &str) -> PyResult<&'a Elem> {
    vm.native_self::<Elem>(args, "xml.etree.ElementTree.Element", method)
}

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

/// `TypeError: {what} must be xml.etree.ElementTree.Element, not X`.
fn need_element(vm: &Vm, what: &str, v: &Value) -> PyResult<()> {
    if is_element(vm, v) {
        return Ok(());
    }
    Err(vm.type_error(format!(
        "{what} must be xml.etree.ElementTree.Element, not {}",
        vm.arg_type_name(v)
    )))
}

fn expected_element(vm: &Vm, v: &Value) -> crate::vm::PyErr {
    vm.type_error(format!(
        "expected an Element, not \"{}\"",
        vm.type_name_of(v)
    ))
}

fn is_dict(v: &Value) -> bool {
    matches!(v, Value::Obj(o) if matches!(o.payload, Payload::Dict(_)))
}

/// `get_attrib_from_keywords`: the `attrib` keyword's dict (copied),
/// updated with the other keywords.
fn attrib_from_keywords(vm: &mut Vm, args: &Args) -> PyResult<PyRef> {
    let d = match Vm::kwarg(args, "attrib") {
        Some(v) => match &v {
            Value::Obj(o) if is_dict(&v) => vm.dict_copy_of(o)?,
            _ => {
                return Err(
                    vm.type_error(format!("attrib must be dict, not {}", vm.type_name_of(&v)))
                )
            }
        },
        None => vm.new_dict(),
    };
    for (k, v) in args.kwargs() {
        if crate::vm::proto::str_of(k) != "attrib" {
            vm.dict_set(&d, Value::Obj(k.clone()), v.clone())?;
        }
    }
    Ok(d)
}

/// The attrib of `Element(tag, attrib={}, **extra)` or
/// `SubElement(parent, tag, attrib={}, **extra)`: None when empty.
pub fn make_attrib(
    vm: &mut Vm,
    args: &Args,
    attrib: Option<&Value>,
    what: &str,
) -> PyResult<Option<PyRef>> {
    let d = match attrib {
        Some(v) => {
            let Value::Obj(o) = v else {
                return Err(
                    vm.type_error(format!("{what} must be dict, not {}", vm.arg_type_name(v)))
                );
            };
            if !is_dict(v) {
                return Err(
                    vm.type_error(format!("{what} must be dict, not {}", vm.arg_type_name(v)))
                );
            }
            let d = vm.dict_copy_of(o)?;
            for (k, v) in args.kwargs() {
                vm.dict_set(&d, Value::Obj(k.clone()), v.clone())?;
            }
            d
        }
        None if args.has_kwargs() => attrib_from_keywords(vm, args)?,
        None => return Ok(None),
    };
    Ok((vm.dict_len(&d) != 0).then_some(d))
}

fn element_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = clinic::cls_arg(vm, &args, "Element")?;
    Ok(Value::Obj(
        vm.new_native(&cls, Elem::new(Value::None, None)),
    ))
}

fn element_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "__init__")?;
    let pos = args.pos().get(1..).unwrap_or(&[]);
    if pos.is_empty() || pos.len() > 2 {
        let what = if pos.is_empty() {
            "at least 1 argument"
        } else {
            "at most 2 arguments"
        };
        return Err(vm.type_error(format!("Element() takes {what} ({} given)", pos.len())));
    }
    let attrib = make_attrib(vm, &args, pos.get(1), "Element() argument 2")?;
    let tag = pos.first().cloned().unwrap_or(Value::None);
    e.tag.set(tag);
    e.text.set(Value::None);
    e.tail.set(Value::None);
    let old = e.attrib.replace(attrib);
    drop(old);
    Ok(Value::None)
}

fn element_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "__repr__")?;
    let Value::Obj(o) = arg(&args, 0) else {
        return Ok(Value::None);
    };
    if !vm.repr_enter(&o) {
        return Err(vm.runtime_error(format!(
            "reentrant call inside {}.__repr__",
            vm.qualified_type_name(&vm.type_of(&Value::Obj(o.clone())))
        )));
    }
    let r = vm.repr(&e.tag());
    vm.repr_leave(&o);
    let r = r?;
    Ok(vm.new_string(format!(
        "<Element {r} at 0x{:x}>",
        crate::objects::rc::Rc::as_ptr(&o) as *const u8 as usize
    )))
}

// ----- attributes -----

fn get_tag(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    Ok(this(vm, obj)?.tag())
}

fn get_text(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    Ok(this(vm, obj)?.text.get())
}

fn get_tail(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    Ok(this(vm, obj)?.tail.get())
}

fn get_attrib(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    Ok(Value::Obj(this(vm, obj)?.attrib_dict(vm)))
}

fn no_delete(vm: &Vm, v: Option<Value>) -> PyResult<Value> {
    v.ok_or_else(|| vm.attribute_error("can't delete element attribute"))
}

fn set_tag(vm: &mut Vm, obj: &Value, v: Option<Value>) -> PyResult<()> {
    let v = no_delete(vm, v)?;
    let old = this(vm, obj)?.tag.replace(v);
    drop(old);
    Ok(())
}

fn set_text(vm: &mut Vm, obj: &Value, v: Option<Value>) -> PyResult<()> {
    let v = no_delete(vm, v)?;
    let old = this(vm, obj)?.text.replace(v);
    drop(old);
    Ok(())
}

fn set_tail(vm: &mut Vm, obj: &Value, v: Option<Value>) -> PyResult<()> {
    let v = no_delete(vm, v)?;
    let old = this(vm, obj)?.tail.replace(v);
    drop(old);
    Ok(())
}

fn set_attrib(vm: &mut Vm, obj: &Value, v: Option<Value>) -> PyResult<()> {
    let v = no_delete(vm, v)?;
    let Value::Obj(d) = &v else {
        return Err(vm.type_error(format!("attrib must be dict, not {}", vm.type_name_of(&v))));
    };
    if !is_dict(&v) {
        return Err(vm.type_error(format!("attrib must be dict, not {}", vm.type_name_of(&v))));
    }
    let old = this(vm, obj)?.attrib.replace(Some(d.clone()));
    drop(old);
    Ok(())
}

fn this<'a>(vm: &Vm, obj: &'a Value) -> PyResult<&'a Elem> {
    vm.native::<Elem>(obj).ok_or_else(|| {
        vm.type_error(format!(
            "descriptor requires a 'xml.etree.ElementTree.Element' object but received a '{}'",
            vm.type_name_of(obj)
        ))
    })
}

// ----- children -----

fn element_append(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "append")?;
    let a = clinic::positional(vm, &args, 1, "append", 1, 1)?;
    let c = a.first().cloned().unwrap_or(Value::None);
    need_element(vm, "append() argument", &c)?;
    e.children.borrow_mut().push(c);
    Ok(Value::None)
}

fn element_extend(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "extend")?;
    let a = clinic::positional(vm, &args, 1, "extend", 1, 1)?;
    let src = a.first().cloned().unwrap_or(Value::None);
    let items = match vm.seq_items(&src) {
        Some(items) => items,
        None => {
            if vm.iter(&src).is_err() {
                return Err(vm.type_error(
                    "expected sequence, not \"".to_string() + &vm.type_name_of(&src) + "\"",
                ));
            }
            vm.collect_iter(&src)?
        }
    };
    for c in &items {
        if !is_element(vm, c) {
            return Err(expected_element(vm, c));
        }
        e.children.borrow_mut().push(c.clone());
    }
    Ok(Value::None)
}

fn element_insert(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "insert")?;
    let a = clinic::positional(vm, &args, 1, "insert", 2, 2)?;
    let idx = clinic::ssize(vm, &a.first().cloned().unwrap_or(Value::None))?;
    let c = a.get(1).cloned().unwrap_or(Value::None);
    need_element(vm, "insert() argument 2", &c)?;
    let mut ch = e.children.borrow_mut();
    let n = ch.len() as i64;
    let i = if idx < 0 {
        (idx + n).max(0)
    } else {
        idx.min(n)
    };
    ch.insert(i as usize, c);
    Ok(Value::None)
}

fn element_remove(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "remove")?;
    let a = clinic::positional(vm, &args, 1, "remove", 1, 1)?;
    let c = a.first().cloned().unwrap_or(Value::None);
    need_element(vm, "remove() argument", &c)?;
    let mut i = 0;
    loop {
        let item = match e.children.borrow().get(i) {
            Some(v) => v.clone(),
            None => break,
        };
        if item.is(&c) || vm.eq(&item, &c)? {
            let mut ch = e.children.borrow_mut();
            if i < ch.len() {
                let old = ch.remove(i);
                drop(ch);
                drop(old);
            }
            return Ok(Value::None);
        }
        i += 1;
    }
    Err(vm.value_error("list.remove(x): x not in list"))
}

fn element_clear(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "clear")?;
    clinic::positional(vm, &args, 1, "clear", 0, 0)?;
    let old_attr = e.attrib.replace(None);
    let old_ch = std::mem::take(&mut *e.children.borrow_mut());
    let t = e.text.replace(Value::None);
    let tl = e.tail.replace(Value::None);
    drop((old_attr, old_ch, t, tl));
    Ok(Value::None)
}

fn element_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "__len__")?;
    Ok(Value::Int(e.children.borrow().len() as i64))
}

fn index_arg(vm: &mut Vm, key: &Value) -> PyResult<i64> {
    match key {
        Value::Int(i) => Ok(*i),
        _ => match vm.index_value(key)? {
            Some(i) => Ok(i),
            None => Err(vm.type_error("element indices must be integers")),
        },
    }
}

/// The children as a list object (for slice operations).
fn children_list(vm: &Vm, e: &Elem) -> Value {
    vm.new_list(e.children())
}

fn list_items(v: &Value) -> Vec<Value> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::List(l) => l.borrow().clone(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn element_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "__getitem__")?;
    let key = arg(&args, 1);
    if crate::vm::Vm::as_slice(&key).is_some() {
        let l = children_list(vm, e);
        return vm.getitem(&l, &key);
    }
    let i = index_arg(vm, &key)?;
    let ch = e.children.borrow();
    let n = ch.len() as i64;
    let j = if i < 0 { i + n } else { i };
    match usize::try_from(j).ok().and_then(|j| ch.get(j)) {
        Some(v) => Ok(v.clone()),
        None => Err(vm.index_error("child index out of range")),
    }
}

fn element_setitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "__setitem__")?;
    let key = arg(&args, 1);
    let value = arg(&args, 2);
    if crate::vm::Vm::as_slice(&key).is_some() {
        let items = match vm.seq_items(&value) {
            Some(i) => i,
            None => {
                if vm.iter(&value).is_err() {
                    return Err(vm.type_error(format!(
                        "expected sequence, not \"{}\"",
                        vm.type_name_of(&value)
                    )));
                }
                vm.collect_iter(&value)?
            }
        };
        for c in &items {
            if !is_element(vm, c) {
                return Err(expected_element(vm, c));
            }
        }
        let l = children_list(vm, e);
        let src = vm.new_list(items);
        vm.setitem(&l, key, src)?;
        let new = list_items(&l);
        let old = std::mem::replace(&mut *e.children.borrow_mut(), ThinVec::from(new));
        drop(old);
        return Ok(Value::None);
    }
    let i = index_arg(vm, &key)?;
    if !is_element(vm, &value) {
        return Err(expected_element(vm, &value));
    }
    let mut ch = e.children.borrow_mut();
    let n = ch.len() as i64;
    let j = if i < 0 { i + n } else { i };
    match usize::try_from(j).ok().and_then(|j| ch.get_mut(j)) {
        Some(slot) => {
            let old = std::mem::replace(slot, value);
            drop(ch);
            drop(old);
            Ok(Value::None)
        }
        None => Err(vm.index_error("child assignment index out of range")),
    }
}

fn element_delitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "__delitem__")?;
    let key = arg(&args, 1);
    if crate::vm::Vm::as_slice(&key).is_some() {
        let l = children_list(vm, e);
        vm.delitem(&l, key)?;
        let new = list_items(&l);
        let old = std::mem::replace(&mut *e.children.borrow_mut(), ThinVec::from(new));
        drop(old);
        return Ok(Value::None);
    }
    let i = index_arg(vm, &key)?;
    let mut ch = e.children.borrow_mut();
    let n = ch.len() as i64;
    let j = if i < 0 { i + n } else { i };
    match usize::try_from(j).ok().filter(|j| *j < ch.len()) {
        Some(j) => {
            let old = ch.remove(j);
            drop(ch);
            drop(old);
            Ok(Value::None)
        }
        None => Err(vm.index_error("child assignment index out of range")),
    }
}

// ----- attributes as a mapping -----

fn element_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "get")?;
    const SIG: Sig = Sig {
        fname: "get",
        names: &["key", "default"],
        required: 1,
        maxpos: 2,
        style: KwStyle::Unexpected,
    };
    let a = parse(vm, &args, 1, &SIG)?;
    let key = a.first().cloned().flatten().unwrap_or(Value::None);
    let default = a.get(1).cloned().flatten().unwrap_or(Value::None);
    let d = e.attrib.get();
    match d {
        Some(d) => Ok(vm.dict_get(&d, &key)?.unwrap_or(default)),
        None => Ok(default),
    }
}

fn element_set(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "set")?;
    let a = clinic::positional(vm, &args, 1, "set", 2, 2)?;
    let d = e.attrib_dict(vm);
    let k = a.first().cloned().unwrap_or(Value::None);
    let v = a.get(1).cloned().unwrap_or(Value::None);
    vm.dict_set(&d, k, v)?;
    Ok(Value::None)
}

fn element_keys(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "keys")?;
    clinic::positional(vm, &args, 1, "keys", 0, 0)?;
    let d = e.attrib.get();
    let keys = d.map_or_else(Vec::new, |d| {
        vm.dict_items(&d).into_iter().map(|(k, _)| k).collect()
    });
    Ok(vm.new_list(keys))
}

fn element_items(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "items")?;
    clinic::positional(vm, &args, 1, "items", 0, 0)?;
    let d = e.attrib.get();
    let items = d.map_or_else(Vec::new, |d| {
        vm.dict_items(&d)
            .into_iter()
            .map(|(k, v)| vm.new_tuple_of([k, v]))
            .collect()
    });
    Ok(vm.new_list(items))
}

fn element_makeelement(vm: &mut Vm, args: Args) -> PyResult<Value> {
    me(vm, &args, "makeelement")?;
    let a = clinic::positional(vm, &args, 1, "makeelement", 2, 2)?;
    let tag = a.first().cloned().unwrap_or(Value::None);
    let attrib = a.get(1).cloned().unwrap_or(Value::None);
    let Value::Obj(d) = &attrib else {
        return Err(vm.type_error(format!(
            "makeelement() argument 2 must be dict, not {}",
            vm.arg_type_name(&attrib)
        )));
    };
    if !is_dict(&attrib) {
        return Err(vm.type_error(format!(
            "makeelement() argument 2 must be dict, not {}",
            vm.arg_type_name(&attrib)
        )));
    }
    let d = vm.dict_copy_of(d)?;
    new_element(vm, tag, Some(d))
}

// ----- copying and pickling -----

fn element_copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "__copy__")?;
    clinic::positional(vm, &args, 1, "__copy__", 0, 0)?;
    // C's copy shares the attribute dict.
    let attrib = e.attrib.get();
    let n = new_element(vm, e.tag(), attrib)?;
    if let Some(c) = vm.native::<Elem>(&n) {
        c.text.set(e.text.get());
        c.tail.set(e.tail.get());
        *c.children.borrow_mut() = ThinVec::from(e.children());
    }
    Ok(n)
}

fn deepcopy(vm: &mut Vm, v: &Value, memo: &Value) -> PyResult<Value> {
    match v {
        Value::None => return Ok(Value::None),
        Value::Obj(o) if o.class_is(&vm.types.str) => return Ok(v.clone()),
        _ => {}
    }
    let copy = vm.import_by_name("copy")?;
    let f = vm.getattr_str(&copy, "deepcopy")?;
    vm.call(&f, &[v.clone(), memo.clone()])
}

fn element_deepcopy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "__deepcopy__")?;
    let a = clinic::positional(vm, &args, 1, "__deepcopy__", 1, 1)?;
    let memo = a.first().cloned().unwrap_or(Value::None);
    let Value::Obj(memo_d) = &memo else {
        return Err(vm.type_error(format!(
            "__deepcopy__() argument must be dict, not {}",
            vm.arg_type_name(&memo)
        )));
    };
    if !is_dict(&memo) {
        return Err(vm.type_error(format!(
            "__deepcopy__() argument must be dict, not {}",
            vm.arg_type_name(&memo)
        )));
    }
    let tag = deepcopy(vm, &e.tag(), &memo)?;
    let attrib = match e.attrib.get() {
        Some(d) => match deepcopy(vm, &Value::Obj(d), &memo)? {
            Value::Obj(o) => Some(o),
            _ => None,
        },
        None => None,
    };
    let n = new_element(vm, tag, attrib)?;
    let text = e.text.get();
    let text = deepcopy(vm, &text, &memo)?;
    let tail = e.tail.get();
    let tail = deepcopy(vm, &tail, &memo)?;
    let mut kids = Vec::new();
    for c in e.children() {
        let k = deepcopy(vm, &c, &memo)?;
        if !is_element(vm, &k) {
            return Err(expected_element(vm, &k));
        }
        kids.push(k);
    }
    if let Some(c) = vm.native::<Elem>(&n) {
        c.text.set(text);
        c.tail.set(tail);
        *c.children.borrow_mut() = ThinVec::from(kids);
    }
    if let Value::Obj(s) = arg(&args, 0) {
        let key = Value::Int(crate::objects::rc::Rc::as_ptr(&s) as *const u8 as i64);
        vm.dict_set(memo_d, key, n.clone())?;
    }
    Ok(n)
}

fn element_sizeof(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "__sizeof__")?;
    let n = e.children.borrow().capacity();
    let extra = if e.attrib.get().is_some() || n > 0 {
        40 + 8 * n as i64
    } else {
        0
    };
    Ok(Value::Int(56 + extra))
}

fn element_getstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "__getstate__")?;
    let d = vm.new_dict();
    let children = vm.new_list(e.children());
    let attrib = match e.attrib.get() {
        Some(a) => Value::Obj(a),
        None => Value::Obj(vm.new_dict()),
    };
    let text = e.text.get();
    let tail = e.tail.get();
    for (k, v) in [
        ("tag", e.tag()),
        ("_children", children),
        ("attrib", attrib),
        ("text", text),
        ("tail", tail),
    ] {
        let k = vm.new_str(k);
        vm.dict_set(&d, k, v)?;
    }
    Ok(Value::Obj(d))
}

fn element_setstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "__setstate__")?;
    let a = clinic::positional(vm, &args, 1, "__setstate__", 1, 1)?;
    let state = a.first().cloned().unwrap_or(Value::None);
    let d = match &state {
        Value::Obj(o) if o.class_is(&vm.types.dict) => o.clone(),
        _ => {
            let r = vm.repr(&state)?;
            return Err(vm.type_error(format!("Don't know how to unpickle \"{r}\" as an Element")));
        }
    };
    let mut vals: [Option<Value>; 5] = Default::default();
    for (k, v) in vm.dict_items(&d) {
        let i = match vm.as_str_obj(&k).map(|s| s.as_str()) {
            Some("tag") => 0,
            Some("attrib") => 1,
            Some("text") => 2,
            Some("tail") => 3,
            Some("_children") => 4,
            Some(other) => {
                return Err(vm.type_error(format!(
                    "'{other}' is an invalid keyword argument for __setstate__()"
                )))
            }
            None => return Err(vm.type_error("keywords must be strings")),
        };
        if let Some(slot) = vals.get_mut(i) {
            *slot = Some(v);
        }
    }
    let [tag, attrib, text, tail, children] = vals;
    let Some(tag) = tag else {
        return Err(vm.type_error("tag may not be NULL"));
    };
    e.tag.set(tag);
    e.text.set(text.unwrap_or(Value::None));
    e.tail.set(tail.unwrap_or(Value::None));
    let kids = match children {
        None | Some(Value::None) => Vec::new(),
        Some(c) => {
            let Some(items) = (match &c {
                Value::Obj(o) if matches!(o.payload, Payload::List(_)) => Some(list_items(&c)),
                _ => None,
            }) else {
                return Err(vm.type_error("'_children' is not a list"));
            };
            for k in &items {
                if !is_element(vm, k) {
                    return Err(expected_element(vm, k));
                }
            }
            items
        }
    };
    *e.children.borrow_mut() = ThinVec::from(kids);
    match attrib {
        Some(Value::Obj(a)) if matches!(a.payload, Payload::Dict(_)) => {
            let c = vm.dict_copy_of(&a)?;
            e.attrib.set(Some(c));
        }
        Some(Value::None) | None => {
            e.attrib.set(None);
        }
        Some(other) => {
            return Err(vm.type_error(format!(
                "attrib must be dict, not {}",
                vm.type_name_of(&other)
            )))
        }
    }
    Ok(Value::None)
}

// ----- searching -----

/// `checkpath`: whether `tag` may be a path expression.
fn is_path(vm: &Vm, tag: &Value) -> bool {
    let bytes: &[u8] = match vm.as_str_obj(tag) {
        Some(s) => s.as_str().as_bytes(),
        None => match tag {
            Value::Obj(o) => match &o.payload {
                Payload::Bytes(b) => {
                    let mut check = true;
                    for &c in b.iter() {
                        match c {
                            b'{' => check = false,
                            b'}' => check = true,
                            b'/' | b'*' | b'[' | b'@' | b'.' if check => return true,
                            _ => {}
                        }
                    }
                    return false;
                }
                _ => return true,
            },
            _ => return true,
        },
    };
    if bytes.len() >= 3
        && bytes[0] == b'{'
        && (bytes[1] == b'}' || (bytes[1] == b'*' && bytes[2] == b'}'))
    {
        return true;
    }
    let mut check = true;
    for &c in bytes {
        match c {
            b'{' => check = false,
            b'}' => check = true,
            b'/' | b'*' | b'[' | b'@' | b'.' if check => return true,
            _ => {}
        }
    }
    false
}

fn elementpath(vm: &mut Vm, name: &str, args: &[Value]) -> PyResult<Value> {
    let m = vm.import_by_name("xml.etree.ElementPath")?;
    let f = vm.getattr_str(&m, name)?;
    vm.call(&f, args)
}

const FIND_SIG: Sig = Sig {
    fname: "find",
    names: &["path", "namespaces"],
    required: 1,
    maxpos: 2,
    style: KwStyle::Unexpected,
};

fn element_find(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "find")?;
    let a = parse(vm, &args, 1, &FIND_SIG)?;
    let path = a.first().cloned().flatten().unwrap_or(Value::None);
    let ns = a.get(1).cloned().flatten().unwrap_or(Value::None);
    if !ns.is_none() || is_path(vm, &path) {
        return elementpath(vm, "find", &[arg(&args, 0), path, ns]);
    }
    for c in e.children() {
        let t = this(vm, &c)?.tag();
        if t.is(&path) || vm.eq(&t, &path)? {
            return Ok(c);
        }
    }
    Ok(Value::None)
}

fn element_findtext(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "findtext")?;
    const SIG: Sig = Sig {
        fname: "findtext",
        names: &["path", "default", "namespaces"],
        required: 1,
        maxpos: 3,
        style: KwStyle::Unexpected,
    };
    let a = parse(vm, &args, 1, &SIG)?;
    let path = a.first().cloned().flatten().unwrap_or(Value::None);
    let default = a.get(1).cloned().flatten().unwrap_or(Value::None);
    let ns = a.get(2).cloned().flatten().unwrap_or(Value::None);
    if !ns.is_none() || is_path(vm, &path) {
        return elementpath(vm, "findtext", &[arg(&args, 0), path, default, ns]);
    }
    for c in e.children() {
        let ce = this(vm, &c)?;
        let t = ce.tag();
        if t.is(&path) || vm.eq(&t, &path)? {
            let text = ce.text.get();
            return Ok(if text.is_none() { vm.new_str("") } else { text });
        }
    }
    Ok(default)
}

fn element_findall(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let e = me(vm, &args, "findall")?;
    let a = parse(
        vm,
        &args,
        1,
        &Sig {
            fname: "findall",
            ..FIND_SIG
        },
    )?;
    let path = a.first().cloned().flatten().unwrap_or(Value::None);
    let ns = a.get(1).cloned().flatten().unwrap_or(Value::None);
    if !ns.is_none() || is_path(vm, &path) {
        return elementpath(vm, "findall", &[arg(&args, 0), path, ns]);
    }
    let mut out = Vec::new();
    for c in e.children() {
        let t = this(vm, &c)?.tag();
        if t.is(&path) || vm.eq(&t, &path)? {
            out.push(c);
        }
    }
    Ok(vm.new_list(out))
}

fn element_iterfind(vm: &mut Vm, args: Args) -> PyResult<Value> {
    me(vm, &args, "iterfind")?;
    let a = parse(
        vm,
        &args,
        1,
        &Sig {
            fname: "iterfind",
            ..FIND_SIG
        },
    )?;
    let path = a.first().cloned().flatten().unwrap_or(Value::None);
    let ns = a.get(1).cloned().flatten().unwrap_or(Value::None);
    elementpath(vm, "iterfind", &[arg(&args, 0), path, ns])
}

fn element_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    me(vm, &args, "iter")?;
    const SIG: Sig = Sig {
        fname: "iter",
        names: &["tag"],
        required: 0,
        maxpos: 1,
        style: KwStyle::Unexpected,
    };
    let a = parse(vm, &args, 1, &SIG)?;
    let mut tag = a.first().cloned().flatten().unwrap_or(Value::None);
    if vm.as_str_obj(&tag).is_some_and(|s| s.as_str() == "*") {
        tag = Value::None;
    }
    super::iter::new_iter(vm, arg(&args, 0), tag, false)
}

fn element_itertext(vm: &mut Vm, args: Args) -> PyResult<Value> {
    me(vm, &args, "itertext")?;
    clinic::positional(vm, &args, 1, "itertext", 0, 0)?;
    super::iter::new_iter(vm, arg(&args, 0), Value::None, true)
}

pub fn make_type(vm: &mut Vm) -> PyRef {
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "xml.etree.ElementTree",
        "Element",
        &object,
        crate::objects::typeobj::Layout::Native("Element"),
        crate::objects::typeobj::FLAG_BASETYPE,
    );
    if let Some(td) = crate::objects::typeobj::type_data(&t) {
        td.flags
            .set(td.flags.get() | crate::objects::typeobj::FLAG_HAS_WEAKREF);
    }
    vm.add_staticmethods(&t, &[("__new__", element_new)]);
    vm.add_methods(
        &t,
        &[
            ("__init__", element_init),
            ("__repr__", element_repr),
            ("__len__", element_len),
            ("__getitem__", element_getitem),
            ("__setitem__", element_setitem),
            ("__delitem__", element_delitem),
            ("append", element_append),
            ("clear", element_clear),
            ("extend", element_extend),
            ("find", element_find),
            ("findall", element_findall),
            ("findtext", element_findtext),
            ("get", element_get),
            ("insert", element_insert),
            ("items", element_items),
            ("iter", element_iter),
            ("itertext", element_itertext),
            ("iterfind", element_iterfind),
            ("keys", element_keys),
            ("makeelement", element_makeelement),
            ("remove", element_remove),
            ("set", element_set),
            ("__copy__", element_copy),
            ("__deepcopy__", element_deepcopy),
            ("__sizeof__", element_sizeof),
            ("__getstate__", element_getstate),
            ("__setstate__", element_setstate),
        ],
    );
    vm.add_getsets(
        &t,
        &[
            ("tag", get_tag, Some(set_tag)),
            ("text", get_text, Some(set_text)),
            ("tail", get_tail, Some(set_tail)),
            ("attrib", get_attrib, Some(set_attrib)),
        ],
    );
    t
}

#[cfg(test)]
mod tests {
    #[test]
    fn element_state_fits_an_80_byte_block() {
        // Every Element boxes one `Elem`; mimalloc's size classes go 64,
        // 80, 96, 112, 128 (120 bytes before session 24).
        let n = std::mem::size_of::<super::Elem>();
        assert!(n <= 80, "Elem is {n}");
    }
}
