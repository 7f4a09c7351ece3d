//! `type` objects: name, bases, the C3 method resolution order, the layout
//! instances get, and lookup along the MRO.

use crate::objects::rc::Rc;
use crate::vm::value::Truth;
use std::cell::{Cell, RefCell};

use crate::vm::value::PyRef;

use super::Payload;

/// Which builtin payload the instances of a type carry (its "solid base").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    Object,
    Int,
    Float,
    Complex,
    Str,
    Bytes,
    ByteArray,
    Tuple,
    List,
    Dict,
    Set,
    FrozenSet,
    Type,
    Exception,
    Module,
    /// Builtin types whose instances only the VM makes (function, code...).
    Opaque,
    /// A native module's type whose instances carry `Payload::Native`
    /// state; the name tells layouts apart (`class X(deque, Random)` is a
    /// lay-out conflict, as in CPython).
    Native(&'static str),
}

pub const FLAG_HEAPTYPE: u32 = 1;
pub const FLAG_BASETYPE: u32 = 2;
/// Instances have a `__dict__`.
pub const FLAG_HAS_DICT: u32 = 4;
/// The class defines `__eq__` but not `__hash__` (so `__hash__` is None).
pub const FLAG_ABSTRACT: u32 = 8;
/// The class (or a base) defines `__getattribute__` in Python.
pub const FLAG_CUSTOM_GETATTRIBUTE: u32 = 16;
/// The class (or a base) defines `__getattr__`.
pub const FLAG_HAS_GETATTR: u32 = 32;
/// The class (or a base) defines `__setattr__` or `__delattr__` in Python.
pub const FLAG_CUSTOM_SETATTR: u32 = 64;
/// Instances have no `__dict__` (`__slots__` without `__dict__`).
pub const FLAG_SLOTS_ONLY: u32 = 128;
/// Instances support weak references (`__weakref__`).
pub const FLAG_HAS_WEAKREF: u32 = 256;
/// The class (or a base) defines `__del__`: instances get finalized.
pub const FLAG_HAS_DEL: u32 = 512;
/// A native type of a module other than builtins: its CPython `tp_name`, used in error
/// messages, is `module.name` ('sys.flags', 'types.SimpleNamespace'); `__name__` stays `name`.
pub const FLAG_MODULE_IN_NAME: u32 = 1024;
/// Neither `__bool__` nor `__len__` anywhere on the MRO: every instance
/// is true (kept by `update_type_flags`).
pub const FLAG_ALWAYS_TRUE: u32 = 2048;
/// A static (non-heap) type whose `FLAG_ALWAYS_TRUE` was worked out at
/// the first truth test of an instance (its dict cannot change after).
pub const FLAG_TRUTH_KNOWN: u32 = 4096;
/// A Python class whose `__hash__` along the MRO is the method of the
/// builtin base its instances are laid out as (int, str, bytes, float,
/// complex, tuple): hashing an instance is that base's hash, no lookup
/// (kept by `update_type_flags`).
pub const FLAG_BASE_HASH: u32 = 8192;
/// Instances of this class (not of its subclasses: the flag is not
/// inherited) are never tracked by the collector: a class pycvm writes in
/// Python for a C type without `Py_TPFLAGS_HAVE_GC` (`_decimal.Decimal`),
/// whose instances hold no container.
pub const FLAG_UNTRACKED: u32 = 16384;

pub struct TypeData {
    pub name: RefCell<String>,
    pub qualname: RefCell<String>,
    /// A heap type's `__name__` and `__qualname__` str objects, handed out
    /// again while the name is unchanged (CPython's `ht_name`/`ht_qualname`:
    /// `C.__name__ is C.__name__`).
    pub name_objs: RefCell<[Option<Value>; 2]>,
    pub bases: RefCell<Vec<PyRef>>,
    pub mro: RefCell<Vec<PyRef>>,
    pub layout: Layout,
    pub flags: Cell<u32>,
    /// Names from `__slots__` (instance attributes stored in the dict of
    /// slot values, not a `__dict__`).
    pub slots: RefCell<Vec<String>>,
    /// How many slot values instances carry (this class's members and
    /// its bases').
    pub slot_count: Cell<usize>,
    /// The classes that name this one as a base (`__subclasses__()`).
    pub subclasses: RefCell<Vec<crate::objects::rc::Weak<super::PyObject>>>,
    /// What `type_lookup` found on this type, by interned name (see
    /// `AttrCache`); emptied whenever `version` changes.
    pub attr_cache: RefCell<Option<AttrCache>>,
    /// The shared keys of its instances' inline values (attrs.rs): names
    /// in the order instances first set them, at most 30; only added to,
    /// and each addition changes `version`.
    pub shared_keys: RefCell<Vec<PyRef>>,
    /// One bit per shared key, at its hash modulo 64: a name whose bit is
    /// clear is not among the keys (a class attribute looked up on an
    /// instance first is answered without a scan).
    pub key_bloom: Cell<u64>,
}

/// `TypeData::modified` for `t` and every class below it.
pub fn modified_with_subclasses(t: &PyRef) {
    let mut todo = vec![t.clone()];
    while let Some(c) = todo.pop() {
        if let Some(td) = type_data(&c) {
            td.modified();
            if let Ok(subs) = td.subclasses.try_borrow() {
                todo.extend(subs.iter().filter_map(|w| w.upgrade()));
            }
        }
    }
}

/// A fresh, never used type version.
pub fn next_type_version() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Slots of a type's attribute cache at most (a power of two).
const ATTR_CACHE_SLOTS: usize = 64;

/// Slots a type's attribute cache starts with (a power of two): most
/// classes are looked up in for a few names (an import makes thousands of
/// classes, and 64 slots were 1.5 KB each, more than CPython's whole type
/// object); as many collisions as slots double the table, up to
/// [`ATTR_CACHE_SLOTS`].
const ATTR_CACHE_FIRST: usize = 8;

/// A type's cache of MRO lookups (CPython keeps one global cache keyed by
/// version tag; a per-type one is dropped with the type and emptied when
/// it changes, so it never keeps a deleted attribute alive). Direct-mapped
/// by the name's address; the entry holds the name, so the address stays
/// its. `Value::Null` caches "not found".
pub struct AttrCache {
    /// A power of two long.
    slots: Box<[(Option<PyRef>, Value)]>,
    /// Entries replaced by another name's since the table last grew.
    collisions: usize,
}

impl AttrCache {
    #[inline(always)]
    fn slot(name: &PyRef, len: usize) -> usize {
        let a = crate::objects::rc::Rc::as_ptr(name) as usize;
        ((a >> 4) ^ (a >> 10)) & (len - 1)
    }

    /// The cached result for `name`: `Some(Null)` = known absent.
    #[inline(always)]
    pub fn get(&self, name: &PyRef) -> Option<Value> {
        match self.slots.get(Self::slot(name, self.slots.len())) {
            Some((Some(n), v)) if crate::objects::rc::Rc::ptr_eq(n, name) => Some(v.clone()),
            _ => None,
        }
    }

    pub fn put(&mut self, name: &PyRef, v: Value) {
        let i = Self::slot(name, self.slots.len());
        let collides = self.slots.get(i).is_some_and(|(n, _)| {
            n.as_ref()
                .is_some_and(|n| !crate::objects::rc::Rc::ptr_eq(n, name))
        });
        if collides && self.slots.len() < ATTR_CACHE_SLOTS {
            self.collisions += 1;
            if self.collisions >= self.slots.len() {
                self.grow();
            }
        }
        if let Some(e) = self.slots.get_mut(Self::slot(name, self.slots.len())) {
            *e = (Some(name.clone()), v);
        }
    }

    /// Double the table, keeping the entries (two may share a slot in the
    /// larger table only if they shared one in the smaller: none is lost
    /// that was not lost already).
    #[cold]
    fn grow(&mut self) {
        let len = self.slots.len() * 2;
        let mut slots: Box<[(Option<PyRef>, Value)]> =
            (0..len).map(|_| (None, Value::Null)).collect();
        for (n, v) in std::mem::take(&mut self.slots).into_vec() {
            if let Some(n) = n {
                if let Some(e) = slots.get_mut(Self::slot(&n, len)) {
                    *e = (Some(n), v);
                }
            }
        }
        self.slots = slots;
        self.collisions = 0;
    }

    /// Every name and value held (for the cycle collector's traversal:
    /// the cache's references are the type's own).
    pub fn for_each(&self, mut visit: impl FnMut(&Value)) {
        for (n, v) in self.slots.iter() {
            if let Some(n) = n {
                super::gc_traverse::visit_ref(n, &mut visit);
            }
            visit(v);
        }
    }

    pub fn new() -> AttrCache {
        AttrCache {
            slots: (0..ATTR_CACHE_FIRST).map(|_| (None, Value::Null)).collect(),
            collisions: 0,
        }
    }
}

impl Default for AttrCache {
    fn default() -> AttrCache {
        AttrCache::new()
    }
}

/// A type object's payload: its version tag in the object itself (the
/// inline caches' guard is one load from the class, as CPython's
/// `tp_version_tag`), the rest boxed (the payload stays small for every
/// other object). Derefs to the [`TypeData`].
pub struct TypeBox {
    /// Bumped whenever this type's or a base's dict changes: guards caches.
    /// Unique across all types (a global counter), so a version names one
    /// state of one type.
    pub version: Cell<u64>,
    data: Box<TypeData>,
}

impl TypeBox {
    pub fn new(data: TypeData) -> TypeBox {
        TypeBox {
            version: Cell::new(next_type_version()),
            data: Box::new(data),
        }
    }

    /// This type's dict or MRO changed: a new version, and what was cached
    /// from the old one goes (dropped after the borrow ends).
    pub fn modified(&self) {
        self.version.set(next_type_version());
        let old = self
            .data
            .attr_cache
            .try_borrow_mut()
            .ok()
            .and_then(|mut c| c.take());
        drop(old);
    }
}

impl std::ops::Deref for TypeBox {
    type Target = TypeData;
    #[inline(always)]
    fn deref(&self) -> &TypeData {
        &self.data
    }
}

impl TypeData {
    pub fn new(name: &str, bases: Vec<PyRef>, layout: Layout, flags: u32) -> TypeData {
        TypeData {
            name: RefCell::new(name.to_string()),
            qualname: RefCell::new(name.to_string()),
            name_objs: RefCell::new([None, None]),
            bases: RefCell::new(bases),
            mro: RefCell::new(Vec::new()),
            layout,
            flags: Cell::new(flags),
            slots: RefCell::new(Vec::new()),
            slot_count: Cell::new(0),
            subclasses: RefCell::new(Vec::new()),
            attr_cache: RefCell::new(None),
            shared_keys: RefCell::new(Vec::new()),
            key_bloom: Cell::new(0),
        }
    }

    pub fn name(&self) -> String {
        self.name.borrow().clone()
    }

    pub fn has_flag(&self, f: u32) -> bool {
        self.flags.get() & f != 0
    }
}

/// The TypeData of a type object.
pub fn type_data(t: &PyRef) -> Option<&TypeBox> {
    match &t.payload {
        Payload::Type(td) => Some(td),
        _ => None,
    }
}

/// Record `t` in its bases' `__subclasses__()`.
pub fn register_subclass(t: &PyRef) {
    let Some(td) = type_data(t) else {
        return;
    };
    for b in td.bases.borrow().iter() {
        if Rc::ptr_eq(b, t) {
            continue;
        }
        if let Some(btd) = type_data(b) {
            if let Ok(mut subs) = btd.subclasses.try_borrow_mut() {
                subs.push(Rc::downgrade(t));
            }
        }
    }
}

impl Vm {
    /// A type made by native code after start-up (`sys.version_info`'s
    /// type, the stream types): its dict, `__module__`, and a single
    /// inheritance MRO.
    pub fn new_native_type(
        &mut self,
        module: &str,
        name: &str,
        base: &PyRef,
        layout: Layout,
        flags: u32,
    ) -> PyRef {
        let flags = if module == "builtins" {
            flags
        } else {
            flags | FLAG_MODULE_IN_NAME
        };
        let td = TypeData::new(name, vec![base.clone()], layout, flags);
        let t = self.new_obj(&self.types.type_, Payload::Type(TypeBox::new(td)));
        let mut mro = vec![t.clone()];
        if let Some(btd) = type_data(base) {
            mro.extend(btd.mro.borrow().iter().cloned());
        }
        if let Some(td) = type_data(&t) {
            *td.mro.borrow_mut() = mro;
        }
        register_subclass(&t);
        t.set_dict(Some(self.new_dict()));
        let m = self.new_str(module);
        self.add_type_attr(&t, "__module__", m);
        self.add_type_attr(&t, "__doc__", Value::None);
        // Instances with a dict show it through their type's own
        // `__dict__` descriptor, as CPython's types with a dict offset.
        if flags & FLAG_HAS_DICT != 0 {
            self.add_getsets(
                &t,
                &[(
                    "__dict__",
                    super::object::get_dict,
                    Some(super::object::set_dict),
                )],
            );
        }
        t
    }
}

/// `issubclass(a, b)` along a's MRO (types only, no `__subclasscheck__`).
pub fn is_subtype(a: &PyRef, b: &PyRef) -> bool {
    if Rc::ptr_eq(a, b) {
        return true;
    }
    match type_data(a) {
        Some(td) => td.mro.borrow().iter().any(|t| Rc::ptr_eq(t, b)),
        None => false,
    }
}

/// C3 linearisation: `Ok(mro)` or `Err(names)` of the bases that could not
/// be ordered (for CPython's "Cannot create a consistent method resolution
/// order (MRO) for bases A, B").
pub fn c3_mro(cls: &PyRef, bases: &[PyRef]) -> Result<Vec<PyRef>, Vec<PyRef>> {
    let mut seqs: Vec<Vec<PyRef>> = bases
        .iter()
        .map(|b| {
            type_data(b)
                .map(|td| td.mro.borrow().clone())
                .unwrap_or_default()
        })
        .collect();
    seqs.push(bases.to_vec());
    let mut out = vec![cls.clone()];
    loop {
        seqs.retain(|s| !s.is_empty());
        if seqs.is_empty() {
            return Ok(out);
        }
        let candidate = seqs.iter().find_map(|s| {
            let head = s.first()?;
            let in_tail = seqs
                .iter()
                .any(|t| t.iter().skip(1).any(|x| Rc::ptr_eq(x, head)));
            (!in_tail).then(|| head.clone())
        });
        let Some(next) = candidate else {
            let mut blocked: Vec<PyRef> = Vec::new();
            for s in &seqs {
                if let Some(h) = s.first() {
                    if !blocked.iter().any(|b| Rc::ptr_eq(b, h)) {
                        blocked.push(h.clone());
                    }
                }
            }
            return Err(blocked);
        };
        for s in seqs.iter_mut() {
            if s.first().is_some_and(|h| Rc::ptr_eq(h, &next)) {
                s.remove(0);
            }
        }
        out.push(next);
    }
}

use super::function::Args;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

/// The `__repr__` every builtin type gets: its payload's repr.
fn builtin_repr_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = arg(&args, 0);
    let r = match &s {
        Value::Obj(o) => match vm.builtin_repr(o)? {
            Some(r) => r,
            None => vm.default_repr(o),
        },
        _ => vm.repr(&s)?,
    };
    Ok(vm.new_string(r))
}

impl Vm {
    /// The most derived metaclass of `meta` and the bases' metaclasses.
    pub fn calculate_metaclass(&self, meta: &PyRef, bases: &[PyRef]) -> PyResult<PyRef> {
        let mut winner = meta.clone();
        for b in bases {
            let bt = self.type_of(&Value::Obj(b.clone()));
            if is_subtype(&winner, &bt) {
                continue;
            }
            if is_subtype(&bt, &winner) {
                winner = bt;
                continue;
            }
            return Err(self.type_error(
                "metaclass conflict: the metaclass of a derived class must be a (non-strict) subclass of the metaclasses of all its bases",
            ));
        }
        Ok(winner)
    }

    /// `type(name, bases, ns, **kw)`: create a class.
    pub fn make_class(
        &mut self,
        meta: &PyRef,
        name: &str,
        bases: Vec<PyRef>,
        ns: &PyRef,
        kwargs: Vec<(PyRef, Value)>,
    ) -> PyResult<Value> {
        let bases = if bases.is_empty() {
            vec![self.types.object.clone()]
        } else {
            bases
        };
        // The solid base decides the instances' layout.
        let mut layout = Layout::Object;
        for b in &bases {
            let Some(td) = type_data(b) else {
                return Err(self.type_error("bases must be types"));
            };
            if !td.has_flag(FLAG_BASETYPE) {
                return Err(self.type_error(format!(
                    "type '{}' is not an acceptable base type",
                    self.type_name(b)
                )));
            }
            let bl = match td.layout {
                Layout::Opaque => Layout::Object,
                l => l,
            };
            if bl != Layout::Object {
                if layout != Layout::Object && layout != bl {
                    return Err(self.type_error("multiple bases have instance lay-out conflict"));
                }
                layout = bl;
            }
        }
        for (i, b) in bases.iter().enumerate() {
            if bases.iter().skip(i + 1).any(|x| Rc::ptr_eq(x, b)) {
                return Err(self.type_error(format!("duplicate base class {}", self.type_name(b))));
            }
        }
        let mut flags = FLAG_HEAPTYPE | FLAG_BASETYPE;
        // `PyDict_Copy` of the namespace (a dict subclass's entries too).
        // PyDict_Copy: a dict subclass that iterates its own way (an
        // OrderedDict moved about) is copied in its iteration order.
        let dict = if ns.class_is(&self.types.dict) {
            self.dict_copy_of(ns)?
        } else {
            let d = self.new_dict();
            super::dict::dict_update_from(self, &d, &Value::Obj(ns.clone()))?;
            d
        };
        let plan = self.plan_slots(name, &bases, layout, &dict)?;
        flags |= if plan.has_dict {
            FLAG_HAS_DICT
        } else {
            FLAG_SLOTS_ONLY
        };
        if plan.has_weakref {
            flags |= FLAG_HAS_WEAKREF;
        }
        if let Some(Value::Obj(m)) = self.dict_get_by_str_nocall(&dict, "__module__") {
            if let super::Payload::Str(m) = &m.payload {
                if super::c_accel::c_type_in_cpython(m.as_str(), name) {
                    flags |= FLAG_MODULE_IN_NAME;
                }
            }
        }
        let td = TypeData::new(name, bases.clone(), layout, flags);
        let qual_key = Value::Obj(self.intern_static("__qualname__"));
        if let Some(q) = self.dict_del(&dict, &qual_key)? {
            match self.as_str_obj(&q) {
                Some(s) => *td.qualname.borrow_mut() = s.as_str().to_string(),
                None => {
                    return Err(self.type_error(format!(
                        "type __qualname__ must be a str, not {}",
                        self.type_name_of(&q)
                    )))
                }
            }
        }
        let cls = self.new_obj(meta, super::Payload::Type(TypeBox::new(td)));
        cls.set_dict(Some(dict.clone()));
        match c3_mro(&cls, &bases) {
            Ok(mro) => {
                if let Some(td) = type_data(&cls) {
                    *td.mro.borrow_mut() = mro;
                }
            }
            Err(blocked) => {
                let names: Vec<String> = blocked.iter().map(|b| self.type_name(b)).collect();
                return Err(self.type_error(format!(
                    "Cannot create a consistent method resolution\norder (MRO) for bases {}",
                    names.join(", ")
                )));
            }
        }
        self.install_slots(&cls, &plan)?;
        for b in &bases {
            if let Some(btd) = type_data(b) {
                let mut subs = btd.subclasses.borrow_mut();
                subs.retain(|w| w.strong_count() > 0);
                subs.push(Rc::downgrade(&cls));
            }
        }
        let mod_key = Value::Obj(self.intern_static("__module__"));
        if self.dict_get(&dict, &mod_key)?.is_none() {
            // type(name, bases, ns): the caller's module.
            let g = self.frames.last().map(|f| f.globals.clone());
            if let Some(g) = g {
                if let Some(m) = self.dict_get_by_str_nocall(&g, "__name__") {
                    self.dict_set(&dict, mod_key, m)?;
                }
            }
        }
        let doc_key = Value::Obj(self.intern_static("__doc__"));
        if self.dict_get(&dict, &doc_key)?.is_none() {
            self.dict_set(&dict, doc_key, Value::None)?;
        }
        for (name, wrap) in [
            ("__new__", 0u8),
            ("__init_subclass__", 1),
            ("__class_getitem__", 1),
        ] {
            let key = Value::Obj(self.intern_static(name));
            if let Some(Value::Obj(f)) = self.dict_get(&dict, &key)? {
                if matches!(f.payload, super::Payload::Function(_)) {
                    let wrapped = if wrap == 0 {
                        super::Payload::StaticMethod(Value::Obj(f.clone()))
                    } else {
                        super::Payload::ClassMethod(Value::Obj(f.clone()))
                    };
                    let ty = if wrap == 0 {
                        self.types.staticmethod.clone()
                    } else {
                        self.types.classmethod.clone()
                    };
                    let w = self.new_obj(&ty, wrapped);
                    self.dict_set(&dict, key, Value::Obj(w))?;
                }
            }
        }
        let eq_key = Value::Obj(self.intern_static("__eq__"));
        let hash_key = Value::Obj(self.intern_static("__hash__"));
        if self.dict_get(&dict, &eq_key)?.is_some() && self.dict_get(&dict, &hash_key)?.is_none() {
            self.dict_set(&dict, hash_key, Value::None)?;
        }
        let cell_key = Value::Obj(self.intern_static("__classcell__"));
        if let Some(cell) = self.dict_get(&dict, &cell_key)? {
            match &cell {
                Value::Obj(o) if matches!(o.payload, super::Payload::Cell(_)) => {
                    if let super::Payload::Cell(c) = &o.payload {
                        *c.borrow_mut() = Value::Obj(cls.clone());
                    }
                    self.dict_del(&dict, &cell_key)?;
                }
                other => {
                    let t = Value::Obj(self.type_of(other));
                    let tr = self.repr(&t)?;
                    return Err(
                        self.type_error(format!("__classcell__ must be a nonlocal cell, not {tr}"))
                    );
                }
            }
        }
        self.update_type_flags(&cls);
        let clsv = Value::Obj(cls.clone());
        // __set_name__ on the namespace's values.
        for (k, v) in self.dict_items(&dict) {
            if !matches!(v, Value::Obj(_)) {
                continue;
            }
            let vt = self.type_of(&v);
            if let Some(sn) = self.type_lookup_static(&vt, "__set_name__") {
                let f = self.descr_get(sn, Some(&v), &vt)?;
                if let Err(cause) = self.call(&f, &[clsv.clone(), k.clone()]) {
                    let kr = self.repr(&k)?;
                    let e = self.new_error(
                        super::exception::ExcKind::RuntimeError,
                        format!(
                            "Error calling __set_name__ on '{}' instance {kr} in '{name}'",
                            self.type_name(&vt)
                        ),
                    );
                    crate::vm::gen::set_cause(&e, &cause);
                    return Err(e);
                }
            }
        }
        // __init_subclass__ of the parent.
        let mro: Vec<PyRef> = type_data(&cls)
            .map(|t| t.mro.borrow().clone())
            .unwrap_or_default();
        let init_name = self.intern_static("__init_subclass__");
        for t in mro.iter().skip(1) {
            let found = t
                .dict()
                .and_then(|d| self.dict_get_str_nocall(&d, &init_name).ok().flatten());
            if let Some(f) = found {
                let f = match &f {
                    Value::Obj(o) => match &o.payload {
                        super::Payload::ClassMethod(inner) => {
                            self.new_method(inner.clone(), clsv.clone())
                        }
                        super::Payload::MethodDescr(md)
                            if md.kind == super::function::DescrKind::Class =>
                        {
                            self.descr_get(f.clone(), None, &cls)?
                        }
                        super::Payload::Function(_) => self.new_method(f.clone(), clsv.clone()),
                        _ => f.clone(),
                    },
                    _ => f.clone(),
                };
                let kwnames: Vec<PyRef> = kwargs.iter().map(|(k, _)| k.clone()).collect();
                let vals: Vec<Value> = kwargs.iter().map(|(_, v)| v.clone()).collect();
                self.call_args(
                    &f,
                    Args {
                        args: &vals,
                        kwnames: &kwnames,
                    },
                )?;
                break;
            }
        }
        Ok(clsv)
    }

    /// `isinstance(obj, cls)` for a single class (with `__instancecheck__`).
    pub fn isinstance(&mut self, obj: &Value, cls: &Value) -> PyResult<bool> {
        if let Value::Obj(c) = cls {
            if let super::Payload::Tuple(items) = &c.payload {
                for i in items.clone().iter() {
                    if self.isinstance(obj, i)? {
                        return Ok(true);
                    }
                }
                return Ok(false);
            }
            if matches!(c.payload, super::Payload::Type(_)) {
                let t = self.type_of(obj);
                if is_subtype(&t, c) {
                    return Ok(true);
                }
                let meta = self.type_of(cls);
                // `type.__instancecheck__` (also inherited by a metaclass
                // such as enum's): what it would do, without the call.
                if Rc::ptr_eq(&meta, &self.types.type_) || self.type_own_instancecheck(&meta) {
                    return self.isinstance_by_class_attr(obj, c);
                }
            }
        }
        if let Some(r) = self.call_special(cls, "__instancecheck__", &[obj.clone()])? {
            return self.truthy(&r);
        }
        Err(self.type_error("isinstance() arg 2 must be a type, a tuple of types, or a union"))
    }

    /// Whether the metaclass `meta` keeps `type`'s own `__instancecheck__`.
    fn type_own_instancecheck(&mut self, meta: &PyRef) -> bool {
        matches!(self.type_lookup_static(meta, "__instancecheck__"), Some(Value::Obj(d))
            if matches!(&d.payload, super::Payload::MethodDescr(md)
                if md.name == "__instancecheck__" && Rc::ptr_eq(&md.owner, &self.types.type_)))
    }

    /// The end of CPython's `object_isinstance` once `type(obj)` is not a
    /// subtype of `cls`: an object whose `__class__` attribute names another
    /// class (a mock with a `spec`, a proxy) is an instance of that class's
    /// bases.
    pub fn isinstance_by_class_attr(&mut self, obj: &Value, cls: &PyRef) -> PyResult<bool> {
        let Some(icls) = self.getattr_opt(obj, "__class__")? else {
            return Ok(false);
        };
        let t = self.type_of(obj);
        Ok(match &icls {
            Value::Obj(ic) if matches!(ic.payload, super::Payload::Type(_)) => {
                !Rc::ptr_eq(ic, &t) && is_subtype(ic, cls)
            }
            _ => false,
        })
    }

    /// `issubclass(sub, cls)` (with `__subclasscheck__`).
    pub fn issubclass(&mut self, sub: &Value, cls: &Value) -> PyResult<bool> {
        if let Value::Obj(c) = cls {
            if let super::Payload::Tuple(items) = &c.payload {
                for i in items.clone().iter() {
                    if self.issubclass(sub, i)? {
                        return Ok(true);
                    }
                }
                return Ok(false);
            }
        }
        let Value::Obj(s) = sub else {
            return Err(self.type_error("issubclass() arg 1 must be a class"));
        };
        if !matches!(s.payload, super::Payload::Type(_)) {
            return Err(self.type_error("issubclass() arg 1 must be a class"));
        }
        if let Value::Obj(c) = cls {
            if matches!(c.payload, super::Payload::Type(_)) {
                let meta = self.type_of(cls);
                if Rc::ptr_eq(&meta, &self.types.type_) {
                    return Ok(is_subtype(s, c));
                }
            }
        }
        if let Some(r) = self.call_special(cls, "__subclasscheck__", &[sub.clone()])? {
            return self.truthy(&r);
        }
        Err(self.type_error("issubclass() arg 2 must be a class, a tuple of classes, or a union"))
    }
}

fn type_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = args.pos();
    if pos.len() == 2 && !args.has_kwargs() {
        return Ok(Value::Obj(vm.type_of(&pos[1])));
    }
    let meta = match pos.first() {
        Some(Value::Obj(m)) if type_data(m).is_some() => m.clone(),
        _ => vm.types.type_.clone(),
    };
    if !is_subtype(&meta, &vm.types.type_) {
        let n = vm.type_name(&meta);
        return Err(vm.type_error(format!("type.__new__({n}): {n} is not a subtype of type")));
    }
    if pos.len() != 4 {
        return Err(vm.type_error("type() takes 1 or 3 arguments"));
    }
    let name = match vm.as_str_obj(&pos[1]) {
        Some(s) => s.as_str().to_string(),
        None => {
            return Err(vm.type_error(format!(
                "type.__new__() argument 1 must be str, not {}",
                vm.arg_type_name(&pos[1])
            )))
        }
    };
    let bases: Vec<PyRef> = match vm.seq_items(&pos[2]) {
        Some(items) => {
            // type_new_get_bases: a base that would resolve through
            // __mro_entries__ (a generic alias) is refused first.
            for b in &items {
                let is_type = matches!(b, Value::Obj(o) if type_data(o).is_some());
                if !is_type && vm.getattr_str(b, "__mro_entries__").is_ok() {
                    return Err(vm.type_error(
                        "type() doesn't support MRO entry resolution; use types.new_class()",
                    ));
                }
            }
            let mut out = Vec::with_capacity(items.len());
            for b in items {
                match b {
                    Value::Obj(o) if type_data(&o).is_some() => out.push(o),
                    other => {
                        // CPython computes the metaclass from every base's
                        // type first: a non-class base conflicts.
                        let bt = vm.type_of(&other);
                        if !is_subtype(&bt, &vm.types.type_) {
                            return Err(vm.type_error(
                                "metaclass conflict: the metaclass of a derived class must be a (non-strict) subclass of the metaclasses of all its bases",
                            ));
                        }
                        return Err(vm.type_error("bases must be types"));
                    }
                }
            }
            out
        }
        None => {
            return Err(vm.type_error(format!(
                "type.__new__() argument 2 must be tuple, not {}",
                vm.arg_type_name(&pos[2])
            )))
        }
    };
    let ns = match &pos[3] {
        Value::Obj(d) if matches!(d.payload, super::Payload::Dict(_)) => d.clone(),
        other => {
            return Err(vm.type_error(format!(
                "type.__new__() argument 3 must be dict, not {}",
                vm.arg_type_name(other)
            )))
        }
    };
    let winner = vm.calculate_metaclass(&meta, &bases)?;
    if !Rc::ptr_eq(&winner, &meta) {
        // A more derived metaclass with its own __new__ makes the class.
        if let Some(new) = vm.type_lookup_static(&winner, "__new__") {
            let is_type_new = matches!(&new, Value::Obj(o)
                if matches!(&o.payload, super::Payload::MethodDescr(md) if Rc::ptr_eq(&md.owner, &vm.types.type_)));
            if !is_type_new {
                let new = match &new {
                    Value::Obj(o) => match &o.payload {
                        super::Payload::StaticMethod(f) => f.clone(),
                        _ => new.clone(),
                    },
                    _ => new.clone(),
                };
                let mut all = vec![Value::Obj(winner.clone())];
                all.extend_from_slice(args.args.get(1..).unwrap_or_default());
                return vm.call_args(
                    &new,
                    Args {
                        args: &all,
                        kwnames: args.kwnames,
                    },
                );
            }
        }
    }
    let kw: Vec<(PyRef, Value)> = args.kwargs().map(|(k, v)| (k.clone(), v.clone())).collect();
    vm.make_class(&winner, &name, bases, &ns, kw)
}

fn type_init(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::None)
}

fn type_call(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match args.args.first() {
        Some(Value::Obj(c)) if matches!(c.payload, super::Payload::Type(_)) => {
            let c = c.clone();
            vm.type_call_default(
                &c,
                Args {
                    args: &args.args[1..],
                    kwnames: args.kwnames,
                },
            )
        }
        _ => Err(vm.type_error("descriptor '__call__' requires a 'type' object")),
    }
}

fn type_prepare(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Obj(vm.new_dict()))
}

fn type_mro(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = arg(&args, 0);
    let mro: Vec<Value> = match &c {
        Value::Obj(o) => type_data(o)
            .map(|t| {
                t.mro
                    .borrow()
                    .iter()
                    .map(|x| Value::Obj(x.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        _ => vec![],
    };
    Ok(vm.new_list(mro))
}

fn type_instancecheck(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (cls, obj) = (arg(&args, 0), arg(&args, 1));
    let t = vm.type_of(&obj);
    let Value::Obj(c) = &cls else {
        return Ok(Value::Bool(Truth::False));
    };
    if is_subtype(&t, c) {
        return Ok(Value::Bool(Truth::True));
    }
    Ok(Value::bool(vm.isinstance_by_class_attr(&obj, c)?))
}

fn type_subclasscheck(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (cls, sub) = (arg(&args, 0), arg(&args, 1));
    let _ = vm;
    Ok(Value::bool(
        matches!((&cls, &sub), (Value::Obj(c), Value::Obj(s)) if is_subtype(s, c)),
    ))
}

fn type_subclasses(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let t = td_of(vm, &arg(&args, 0))?;
    let given = args.args.len().saturating_sub(1);
    if given > 0 {
        return Err(vm.type_error(format!(
            "{}.__subclasses__() takes no arguments ({given} given)",
            vm.type_name(&t)
        )));
    }
    let subs: Vec<Value> = type_data(&t)
        .map(|td| {
            td.subclasses
                .borrow()
                .iter()
                .filter_map(|w| w.upgrade())
                .map(Value::Obj)
                .collect()
        })
        .unwrap_or_default();
    Ok(vm.new_list(subs))
}

fn td_of(vm: &Vm, v: &Value) -> PyResult<PyRef> {
    match v {
        Value::Obj(o) if matches!(o.payload, super::Payload::Type(_)) => Ok(o.clone()),
        _ => Err(vm.type_error("descriptor requires a 'type' object")),
    }
}

fn get_name(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let t = td_of(vm, v)?;
    let name = type_data(&t).map(|td| td.name()).unwrap_or_default();
    Ok(heap_name_obj(vm, &t, 0, name))
}

/// `name` as a str object; a heap type hands out the same object while the
/// name is unchanged (slot 0 `__name__`, 1 `__qualname__`), a builtin type a
/// new one each time (CPython's `PyUnicode_FromString(tp_name)`).
fn heap_name_obj(vm: &mut Vm, t: &PyRef, slot: usize, name: String) -> Value {
    let Some(td) = type_data(t).filter(|td| td.has_flag(FLAG_HEAPTYPE)) else {
        return vm.new_string(name);
    };
    let cached = td.name_objs.borrow().get(slot).cloned().flatten();
    if let Some(c) = cached {
        if vm.as_str_obj(&c).is_some_and(|o| o.as_str() == name) {
            return c;
        }
    }
    let v = vm.new_string(name);
    if let Some(cell) = td.name_objs.borrow_mut().get_mut(slot) {
        *cell = Some(v.clone());
    }
    v
}
/// `type_setattro`'s checks before a special attribute's setter: builtin
/// types are immutable and these attributes can't be deleted.
fn check_settable(vm: &Vm, t: &PyRef, attr: &str, new: &Option<Value>) -> PyResult<()> {
    let tn = vm.type_name(t);
    if !type_data(t).is_some_and(|td| td.has_flag(FLAG_HEAPTYPE)) || new.is_none() {
        let what = if new.is_none() { "delete" } else { "set" };
        return Err(vm.type_error(format!(
            "cannot {what} '{attr}' attribute of immutable type '{tn}'"
        )));
    }
    Ok(())
}

fn set_name(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let t = td_of(vm, v)?;
    check_settable(vm, &t, "__name__", &new)?;
    match new.as_ref().and_then(|n| vm.as_str_obj(n)) {
        Some(s) => {
            if let Some(td) = type_data(&t) {
                *td.name.borrow_mut() = s.as_str().to_string();
            }
            Ok(())
        }
        None => Err(vm.type_error(format!(
            "can only assign string to {}.__name__, not '{}'",
            vm.type_name(&t),
            vm.type_name_of(&new.unwrap_or(Value::None))
        ))),
    }
}
fn get_qualname(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let t = td_of(vm, v)?;
    let q = type_data(&t)
        .map(|td| td.qualname.borrow().clone())
        .unwrap_or_default();
    Ok(heap_name_obj(vm, &t, 1, q))
}
fn set_qualname(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let t = td_of(vm, v)?;
    check_settable(vm, &t, "__qualname__", &new)?;
    match new.as_ref().and_then(|n| vm.as_str_obj(n)) {
        Some(s) => {
            if let Some(td) = type_data(&t) {
                *td.qualname.borrow_mut() = s.as_str().to_string();
            }
            Ok(())
        }
        None => Err(vm.type_error(format!(
            "can only assign string to {}.__qualname__, not '{}'",
            vm.type_name(&t),
            vm.type_name_of(&new.unwrap_or(Value::None))
        ))),
    }
}
fn get_bases(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let t = td_of(vm, v)?;
    let b: Vec<Value> = type_data(&t)
        .map(|td| {
            td.bases
                .borrow()
                .iter()
                .map(|x| Value::Obj(x.clone()))
                .collect()
        })
        .unwrap_or_default();
    Ok(vm.new_tuple(b))
}
/// `C.__bases__ = (...)`: CPython's `type_set_bases` checks, then the new
/// MRO of the class and of its subclasses.
fn set_bases(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let t = td_of(vm, v)?;
    check_settable(vm, &t, "__bases__", &new)?;
    let tn = vm.type_name(&t);
    let new = new.unwrap_or(Value::None);
    let items = match &new {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(items) => items.to_vec(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let is_tuple = matches!(&new, Value::Obj(o) if matches!(o.payload, Payload::Tuple(_)));
    if !is_tuple {
        return Err(vm.type_error(format!(
            "can only assign tuple to {tn}.__bases__, not {}",
            vm.type_name_of(&new)
        )));
    }
    if items.is_empty() {
        return Err(vm.type_error(format!(
            "can only assign non-empty tuple to {tn}.__bases__, not ()"
        )));
    }
    let mut bases = Vec::with_capacity(items.len());
    for b in &items {
        match b {
            Value::Obj(o) if type_data(o).is_some() => {
                if is_subtype(o, &t) {
                    return Err(vm.type_error("a __bases__ item causes an inheritance cycle"));
                }
                bases.push(o.clone());
            }
            other => {
                return Err(vm.type_error(format!(
                    "{tn}.__bases__ must be tuple of classes, not '{}'",
                    vm.type_name_of(other)
                )))
            }
        }
    }
    let Some(td) = type_data(&t) else {
        return Ok(());
    };
    let old_layout = |bs: &[PyRef]| {
        bs.iter()
            .filter_map(|b| type_data(b).map(|d| d.layout))
            .find(|l| !matches!(l, Layout::Object | Layout::Opaque))
            .unwrap_or(Layout::Object)
    };
    let (was, now) = (old_layout(&td.bases.borrow()), old_layout(&bases));
    if was != now {
        let first = td.bases.borrow().first().map(|b| vm.type_name(b));
        return Err(vm.type_error(format!(
            "__bases__ assignment: '{}' deallocator differs from '{}'",
            vm.type_name(&bases[0]),
            first.unwrap_or_default()
        )));
    }
    let old = std::mem::replace(&mut *td.bases.borrow_mut(), bases.clone());
    let mut todo = vec![t.clone()];
    while let Some(c) = todo.pop() {
        let Some(ctd) = type_data(&c) else { continue };
        let cb = ctd.bases.borrow().clone();
        match c3_mro(&c, &cb) {
            Ok(mro) => *ctd.mro.borrow_mut() = mro,
            Err(blocked) => {
                *td.bases.borrow_mut() = old;
                let names: Vec<String> = blocked.iter().map(|b| vm.type_name(b)).collect();
                return Err(vm.type_error(format!(
                    "Cannot create a consistent method resolution\norder (MRO) for bases {}",
                    names.join(", ")
                )));
            }
        }
        ctd.modified();
        vm.update_type_flags(&c);
        todo.extend(ctd.subclasses.borrow().iter().filter_map(|w| w.upgrade()));
    }
    for b in &old {
        if let Some(btd) = type_data(b) {
            btd.subclasses
                .borrow_mut()
                .retain(|w| w.upgrade().is_some_and(|x| !Rc::ptr_eq(&x, &t)));
        }
    }
    for b in &bases {
        if let Some(btd) = type_data(b) {
            btd.subclasses.borrow_mut().push(Rc::downgrade(&t));
        }
    }
    Ok(())
}

fn get_base(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let t = td_of(vm, v)?;
    Ok(type_data(&t)
        .and_then(|td| td.bases.borrow().first().cloned())
        .map(Value::Obj)
        .unwrap_or(Value::None))
}
fn get_mro(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let t = td_of(vm, v)?;
    let m: Vec<Value> = type_data(&t)
        .map(|td| {
            td.mro
                .borrow()
                .iter()
                .map(|x| Value::Obj(x.clone()))
                .collect()
        })
        .unwrap_or_default();
    Ok(vm.new_tuple(m))
}
/// `type.__flags__`: CPython's `Py_TPFLAGS_*` bits for what pycvm models
/// (heap type, base type, abstract, the fast-subclass bits); read by
/// `inspect.isabstract` and `copyreg._reduce_ex`.
fn get_flags(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let t = td_of(vm, v)?;
    let own = type_data(&t).map_or(0, |td| td.flags.get());
    // Py_TPFLAGS_READY | Py_TPFLAGS_VALID_VERSION_TAG
    let mut f: i64 = (1 << 12) | (1 << 19);
    if own & FLAG_HEAPTYPE != 0 {
        f |= (1 << 9) | (1 << 14); // HEAPTYPE | HAVE_GC
    } else {
        f |= 1 << 8; // IMMUTABLETYPE
    }
    if own & FLAG_BASETYPE != 0 {
        f |= 1 << 10;
    }
    if let Some(dict) = t.dict() {
        if let Some(am) = vm.dict_get_by_str_nocall(&dict, "__abstractmethods__") {
            if vm.truthy(&am)? {
                f |= 1 << 20; // IS_ABSTRACT
            }
        }
    }
    let base_exc = vm.exc_type(crate::objects::exception::ExcKind::BaseException);
    let ty = &vm.types;
    let subclass_bits = [
        (&ty.int, 24),
        (&ty.list, 25),
        (&ty.tuple, 26),
        (&ty.bytes, 27),
        (&ty.str, 28),
        (&ty.dict, 29),
        (&base_exc, 30),
        (&ty.type_, 31),
    ];
    let mro: Vec<PyRef> = type_data(&t).map_or_else(Vec::new, |td| td.mro.borrow().clone());
    for (base, bit) in subclass_bits {
        if mro.iter().any(|m| Rc::ptr_eq(m, base)) {
            f |= 1i64 << bit;
        }
    }
    Ok(Value::Int(f))
}
fn get_type_dict(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let t = td_of(vm, v)?;
    Ok(match t.dict() {
        Some(d) => vm.new_mappingproxy(Value::Obj(d)),
        None => Value::None,
    })
}
fn get_module(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let t = td_of(vm, v)?;
    match vm.get_attr_raw(&t, "__module__") {
        // `type`'s own dict holds this getset itself, not a module name.
        // Interned, as CPython's (pickle memoizes it by identity).
        Some(Value::Obj(o)) if matches!(o.payload, Payload::GetSet(_)) => {
            Ok(Value::Obj(vm.intern("builtins")))
        }
        Some(m) => Ok(m),
        None => Ok(Value::Obj(vm.intern("builtins"))),
    }
}
fn set_module(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let t = td_of(vm, v)?;
    vm.set_attr_raw(&t, "__module__", new.unwrap_or(Value::None));
    Ok(())
}
fn get_doc(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let t = td_of(vm, v)?;
    match vm.get_attr_raw(&t, "__doc__") {
        // `type`'s own dict holds this getset itself, not its docstring.
        Some(Value::Obj(o))
            if matches!(o.payload, Payload::GetSet(_)) && Rc::ptr_eq(&t, &vm.types.type_) =>
        {
            Ok(vm.new_str(
                "type(object) -> the object's type\ntype(name, bases, dict, **kwds) -> a new type",
            ))
        }
        // Another type whose dict holds a `__doc__` descriptor (the
        // descriptor types): the descriptor bound to nothing, itself.
        Some(d @ Value::Obj(_)) if matches!(&d, Value::Obj(o) if matches!(o.payload, Payload::GetSet(_))) => {
            Ok(d)
        }
        // A builtin type's docstring comes from CPython's table.
        None | Some(Value::None) => {
            Ok(super::doc_lookup::builtin_type_doc(vm, &t).map_or(Value::None, |s| vm.new_str(s)))
        }
        d => Ok(d.unwrap_or(Value::None)),
    }
}

pub fn install(vm: &mut Vm) {
    let t = vm.types.type_.clone();
    vm.add_methods(
        &t,
        &[
            ("__init__", type_init),
            ("__call__", type_call),
            ("mro", type_mro),
            ("__instancecheck__", type_instancecheck),
            ("__subclasscheck__", type_subclasscheck),
            ("__subclasses__", type_subclasses),
        ],
    );
    vm.add_staticmethods(&t, &[("__new__", type_new)]);
    vm.add_classmethods(&t, &[("__prepare__", type_prepare)]);
    vm.add_getsets(
        &t,
        &[
            ("__name__", get_name, Some(set_name)),
            ("__qualname__", get_qualname, Some(set_qualname)),
            ("__bases__", get_bases, Some(set_bases)),
            ("__base__", get_base, None),
            ("__mro__", get_mro, None),
            ("__flags__", get_flags, None),
            ("__dict__", get_type_dict, None),
            ("__module__", get_module, Some(set_module)),
            ("__doc__", get_doc, None),
        ],
    );
    super::type_annotations::install(vm);
    let builtin: Vec<PyRef> = vec![
        vm.types.type_.clone(),
        vm.types.int.clone(),
        vm.types.bool_.clone(),
        vm.types.float.clone(),
        vm.types.complex.clone(),
        vm.types.bytes.clone(),
        vm.types.bytearray.clone(),
        vm.types.tuple.clone(),
        vm.types.list.clone(),
        vm.types.dict.clone(),
        vm.types.set.clone(),
        vm.types.frozenset.clone(),
        vm.types.range.clone(),
        vm.types.slice.clone(),
        vm.types.function.clone(),
        vm.types.method.clone(),
        vm.types.builtin_function.clone(),
        vm.types.module.clone(),
        vm.types.cell.clone(),
        vm.types.code.clone(),
        vm.types.dict_keys.clone(),
        vm.types.dict_values.clone(),
        vm.types.dict_items.clone(),
        vm.types.notimpl_type.clone(),
        vm.types.ellipsis_type.clone(),
        vm.types.method_descriptor.clone(),
        vm.types.wrapper_descriptor.clone(),
        vm.types.method_wrapper.clone(),
    ];
    for b in builtin {
        vm.add_methods(&b, &[("__repr__", builtin_repr_m)]);
    }
}
