//! Heap objects: one file per builtin type. Every heap object is a
//! [`PyObject`]: its class, an optional instance dict, and a payload whose
//! variant is the object's builtin layout. See docs/vm-design.md.

use crate::objects::rc::Rc;
use std::cell::{Cell, RefCell, UnsafeCell};

use num_bigint::BigInt;

use crate::vm::value::{PyRef, Value};
use crate::vm::Vm;
use function::{DescrKind, MethodDescr, NativeFn};

pub mod alias_subst;
pub mod alloc;
pub mod argcheck;
pub mod attrs;
pub mod builtin_docs;
pub mod builtin_sigs;
pub mod bytearray;
pub mod bytes;
pub mod bytes_format;
pub mod bytes_ops;
pub mod c_accel;
pub mod code;
pub mod code_new;
pub mod complex;
pub mod descr;
pub mod dict;
pub mod dicttable;
pub mod dictview;
pub mod doc_lookup;
pub mod exc_reduce;
pub mod exception;
pub mod excgroup;
pub mod finalize;
mod finalize_exit;
pub mod float;
pub mod frame;
pub mod frame_jump;
pub mod function;
pub mod gc;
pub mod gc_index;
pub mod gc_traverse;
pub mod genobject;
pub mod int;
pub mod int_methods;
pub mod iter;
pub mod iter_reduce;
pub mod list;
pub(crate) mod list_slice;
pub mod listcell;
pub mod mappingproxy;
pub mod memoryview;
pub mod module;
pub mod namespace;
pub mod native;
pub mod object;
pub mod range;
pub mod rc;
pub mod reduce;
pub mod set;
pub mod setmethods;
pub mod setobj;
pub mod sizeof;
pub mod slice;
pub mod slot_docs;
pub mod slots;
pub mod sort;
pub mod str;
pub mod str_codecs;
pub mod str_escape_codec;
pub(crate) mod str_fast;
pub mod str_format;
pub mod str_methods;
pub mod str_surrogates;
pub mod str_text;
pub mod structseq;
pub mod text_signatures;
pub mod traceback;
mod trashcan;
pub mod tuple;
pub mod tuple_items;
pub mod type_annotations;
pub mod type_docs;
pub mod typeobj;
pub mod union;
pub mod weakref;

pub use str::StrObj;
pub use typeobj::TypeData;

/// A heap object.
pub struct PyObject {
    /// The class. Replaced only by `__class__` assignment; `None` only for
    /// the few objects made before their type exists at start-up.
    ty: UnsafeCell<Option<PyRef>>,
    /// The object's own attributes: inline values or a `__dict__` object
    /// (attrs.rs, which alone touches the cell).
    attrs: UnsafeCell<attrs::Slot>,
    pub payload: Payload,
}

impl PyObject {
    pub fn new(ty: PyRef, payload: Payload) -> PyObject {
        PyObject {
            ty: UnsafeCell::new(Some(ty)),
            attrs: UnsafeCell::new(attrs::Slot::NONE),
            payload,
        }
    }

    /// A new heap object of class `ty`, built in its allocation.
    ///
    /// `Rc::new(PyObject::new(..))` built the object in a stack temporary
    /// and copied it into the block in 16-byte pieces, and the caller's
    /// payload (written field by field, then passed by address) was read
    /// back in 16-byte pieces too: each such load of data just stored as
    /// smaller pieces stalls store forwarding (about a third of the
    /// allocation's cycles in perf). Here the counts, class and attribute
    /// storage are stored straight into the block and the payload is moved
    /// in word by word.
    #[inline]
    pub fn alloc(ty: PyRef, payload: Payload) -> PyRef {
        Self::alloc_with(ty, attrs::Attrs::None, payload)
    }

    /// `alloc` with the object's attribute storage given.
    #[inline(always)]
    pub(crate) fn alloc_with(ty: PyRef, attrs: attrs::Attrs, payload: Payload) -> PyRef {
        let mut rc = Rc::<PyObject>::new_uninit();
        let Some(slot) = Rc::get_mut(&mut rc) else {
            // Not reached: a new `Rc` is unique.
            return Rc::new(PyObject {
                ty: UnsafeCell::new(Some(ty)),
                attrs: UnsafeCell::new(attrs::Slot::new(attrs)),
                payload,
            });
        };
        let p = slot.as_mut_ptr();
        let payload = std::mem::ManuallyDrop::new(payload);
        // SAFETY: `p` is the new block's object (unique: `get_mut`); each
        // field is written through `addr_of_mut!` (no reference to the
        // uninitialised object) before `assume_init`. The payload moves
        // word by word (`copy_words`: the source is a local, not the
        // block), and the original is never dropped
        // (`ManuallyDrop`), so each moved field has one owner.
        unsafe {
            std::ptr::addr_of_mut!((*p).ty).write(UnsafeCell::new(Some(ty)));
            std::ptr::addr_of_mut!((*p).attrs).write(UnsafeCell::new(attrs::Slot::new(attrs)));
            crate::vm::ops::copy_words(&*payload, std::ptr::addr_of_mut!((*p).payload));
            rc.assume_init()
        }
    }

    pub fn new_bootstrap(payload: Payload) -> PyObject {
        PyObject {
            ty: UnsafeCell::new(None),
            attrs: UnsafeCell::new(attrs::Slot::NONE),
            payload,
        }
    }

    /// The object's class (a new reference).
    pub fn class(&self) -> Option<PyRef> {
        // SAFETY: `ty` is only written by `set_class`, which swaps the value
        // out and drops the old one after the write; this read clones the Rc
        // without calling anything that could run `set_class` meanwhile, and
        // PyObject is !Sync (it holds Rc), so no other thread can.
        unsafe { (*self.ty.get()).clone() }
    }

    /// Whether the class is exactly `cls` (no new reference).
    pub fn class_is(&self, cls: &PyRef) -> bool {
        // SAFETY: as in `class`; the borrow ends before this returns.
        unsafe {
            (*self.ty.get())
                .as_ref()
                .is_some_and(|t| Rc::ptr_eq(t, cls))
        }
    }

    /// Whether the class is a builtin (static) type, so the object's
    /// `__eq__`/`__hash__` are the builtin ones (no new reference).
    #[inline]
    pub fn class_is_static(&self) -> bool {
        // SAFETY: as in `class`; the borrow ends before this returns.
        unsafe {
            (*self.ty.get()).as_ref().is_some_and(|t| {
                typeobj::type_data(t).is_some_and(|td| !td.has_flag(typeobj::FLAG_HEAPTYPE))
            })
        }
    }

    /// The class's version tag and flags (no new reference): what the
    /// eval loop's inline caches compare.
    #[inline(always)]
    pub fn class_version_flags(&self) -> Option<(u64, u32)> {
        // SAFETY: as in `class`; the borrow ends before this returns.
        unsafe {
            (*self.ty.get())
                .as_ref()
                .and_then(|t| typeobj::type_data(t))
                .map(|td| (td.version.get(), td.flags.get()))
        }
    }

    /// `obj.__class__ = cls` (the caller checked layout compatibility).
    pub fn set_class(&self, cls: PyRef) {
        // SAFETY: as in `class`: no reference into the cell outlives a call.
        let old = unsafe { (*self.ty.get()).replace(cls) };
        drop(old);
    }
}

/// The builtin layouts. Mutable state sits in a `RefCell` that is never
/// held across a call into Python code.
pub enum Payload {
    /// An instance of `object` or of a class with no builtin base layout.
    Object,
    /// An int beyond i64 (values that fit are `Value::Int`).
    Int(BigInt),
    /// A float subclass instance (plain floats are `Value::Float`).
    Float(f64),
    Complex(f64, f64),
    Str(StrObj),
    Bytes(Box<[u8]>),
    ByteArray(RefCell<Vec<u8>>),
    /// One or two items inline, more boxed (tuple_items.rs).
    Tuple(tuple_items::TupleItems),
    List(listcell::ListCell),
    Dict(Box<RefCell<dicttable::DictTable>>),
    /// CPython's set table (`set.rs`), so iteration order matches.
    Set(Box<RefCell<set::SetTable>>),
    FrozenSet(Box<set::SetTable>),
    Type(typeobj::TypeBox),
    Function(Box<function::Function>),
    Method(function::Method),
    Builtin(Box<function::Builtin>),
    /// Boxed, as are the other rare layouts over four words: the payload
    /// is five words, so a `PyObject` is 64 bytes (size test in
    /// tests/mem_layout.rs).
    MethodDescr(Box<function::MethodDescr>),
    GetSet(Box<function::GetSet>),
    Cell(RefCell<Value>),
    Code(Rc<crate::vm::code::Code>),
    Module(function::Module),
    Exception(Box<RefCell<exception::ExcData>>),
    /// A traceback entry.
    Traceback(Box<traceback::TbObj>),
    /// A frame object (of a traceback entry).
    FrameObj(Box<traceback::FrameObj>),
    Range(iter::Range),
    Slice(Box<[Value; 3]>),
    Iter(Box<RefCell<iter::IterState>>),
    /// `dict.keys()`/`values()`/`items()` views (the type says which).
    DictView(PyRef),
    Generator(Box<RefCell<crate::vm::gen::GenState>>),
    /// Awaitables around generators (objects/genobject.rs).
    GenOp(Box<RefCell<genobject::GenOp>>),
    /// A frame object (objects/frame.rs).
    Frame(Box<frame::FrameObj>),
    Property(Box<[Value; 4]>),
    StaticMethod(Value),
    ClassMethod(Value),
    Super(Value, Value),
    NotImplemented,
    Ellipsis,
    /// A memoryview (see memoryview.rs).
    MemoryView(Box<memoryview::MemView>),
    /// A placeholder whose identity is all that matters (sentinels).
    Marker(Cell<u8>),
    /// An instance of a class with `__slots__` whose solid base is
    /// `object`: the slot values (Null = unset).
    Instance(RefCell<Box<[Value]>>),
    /// A `__slots__` member descriptor.
    Member(Box<slots::MemberDescr>),
    /// A read-only view of a mapping (`type.__dict__`).
    MappingProxy(Value),
    /// `int | str`: the `__args__` tuple.
    Union(Value),
    /// `list[int]`: origin and the `__args__` tuple.
    GenericAlias(Box<[Value; 2]>),
    /// A `weakref.ref` or proxy (objects/weakref.rs): inline, as most
    /// weakly referenced objects have one (a WeakSet's member, an asyncio
    /// task in the loop's registry).
    WeakRef(weakref::WeakRefData),
    /// A `contextvars.Context` (modules/contextvars.rs): inline, as
    /// asyncio makes two for each task.
    Context(crate::modules::contextvars::Context),
    /// An instance of a native module's type (`_collections.deque`,
    /// `_io.StringIO`, ...): state the module's file defines.
    Native(Box<dyn native::NativeData>),
}

impl Vm {
    fn add_descrs(&mut self, ty: &PyRef, methods: &[(&'static str, NativeFn)], kind: DescrKind) {
        let Some(dict) = ty.dict() else {
            return;
        };
        let meta = match kind {
            DescrKind::Class => self.types.classmethod_descriptor.clone(),
            // `X.__new__` and other C static methods are
            // builtin_function_or_method objects in CPython.
            DescrKind::Static => self.types.builtin_function.clone(),
            DescrKind::Method => self.types.method_descriptor.clone(),
        };
        let slot_meta = self.types.wrapper_descriptor.clone();
        // The owner's name matters only for the few dunders some builtin
        // types give as methods (made when met: a name with its module
        // costs a format per type).
        let mut owner_name: Option<String> = None;
        for (name, func) in methods {
            let is_slot = kind == DescrKind::Method
                && crate::vm::call::is_slot_wrapper_name(name)
                && (!function::slot_method_too(name)
                    || function::is_slot_wrapper(
                        owner_name.get_or_insert_with(|| self.type_name(ty)),
                        name,
                    ));
            // Only `*` depends on the owner (`sq_repeat`).
            let arity = if !is_slot {
                None
            } else if name.ends_with("mul__") {
                let owner = owner_name.get_or_insert_with(|| self.type_name(ty));
                crate::vm::slot_args::arity(name, owner)
            } else {
                crate::vm::slot_args::arity(name, "")
            };
            let d = self.new_obj(
                if is_slot { &slot_meta } else { &meta },
                Payload::MethodDescr(Box::new(MethodDescr {
                    name,
                    func: *func,
                    owner: ty.clone(),
                    kind,
                    slot: is_slot,
                    arity,
                })),
            );
            let key = Value::Obj(self.intern(name));
            let _ = self.dict_set_nocall(&dict, key, Value::Obj(d));
        }
    }

    /// Install native methods in a builtin type's dict.
    pub fn add_methods(&mut self, ty: &PyRef, methods: &[(&'static str, NativeFn)]) {
        self.add_descrs(ty, methods, DescrKind::Method);
    }

    pub fn add_classmethods(&mut self, ty: &PyRef, methods: &[(&'static str, NativeFn)]) {
        self.add_descrs(ty, methods, DescrKind::Class);
    }

    pub fn add_staticmethods(&mut self, ty: &PyRef, methods: &[(&'static str, NativeFn)]) {
        self.add_descrs(ty, methods, DescrKind::Static);
    }

    /// Install computed attributes in a builtin type's dict.
    pub fn add_getsets(
        &mut self,
        ty: &PyRef,
        items: &[(&'static str, function::GetterFn, Option<function::SetterFn>)],
    ) {
        let meta = self.types.getset_descriptor.clone();
        self.add_getset_descrs(&meta, ty, items);
    }

    /// Install writable native members (CPython's `PyMemberDef`s, as
    /// `OSError.errno`): getsets whose type is `member_descriptor`.
    pub fn add_members(
        &mut self,
        ty: &PyRef,
        items: &[(&'static str, function::GetterFn, Option<function::SetterFn>)],
    ) {
        let meta = self.types.member_descriptor.clone();
        self.add_getset_descrs(&meta, ty, items);
    }

    fn add_getset_descrs(
        &mut self,
        meta: &PyRef,
        ty: &PyRef,
        items: &[(&'static str, function::GetterFn, Option<function::SetterFn>)],
    ) {
        let Some(dict) = ty.dict() else {
            return;
        };
        for (name, get, set) in items {
            let d = self.new_obj(
                meta,
                Payload::GetSet(Box::new(function::GetSet {
                    name,
                    get: *get,
                    set: *set,
                    owner: ty.clone(),
                })),
            );
            let key = Value::Obj(self.intern(name));
            let _ = self.dict_set_nocall(&dict, key, Value::Obj(d));
        }
    }

    /// Install read-only native members (CPython's `PyMemberDef`s with
    /// `READONLY`) in a builtin type's dict: their type is `member_descriptor`
    /// (`types.MemberDescriptorType`), a write is "readonly attribute".
    pub fn add_readonly_members(
        &mut self,
        ty: &PyRef,
        items: &[(&'static str, function::GetterFn)],
    ) {
        let Some(dict) = ty.dict() else {
            return;
        };
        for (name, get) in items {
            let d = self.new_obj(
                &self.types.member_descriptor,
                Payload::GetSet(Box::new(function::GetSet {
                    name,
                    get: *get,
                    set: Some(slots::readonly_member_set),
                    owner: ty.clone(),
                })),
            );
            let key = Value::Obj(self.intern(name));
            let _ = self.dict_set_nocall(&dict, key, Value::Obj(d));
        }
    }

    /// Set a plain value in a type's dict.
    pub fn add_type_attr(&mut self, ty: &PyRef, name: &str, v: Value) {
        if let Some(dict) = ty.dict() {
            let key = Value::Obj(self.intern(name));
            let _ = self.dict_set_nocall(&dict, key, v);
        }
    }
}

/// Fill the dicts of every builtin type.
pub fn install_all(vm: &mut Vm) {
    object::install(vm);
    reduce::install(vm);
    typeobj::install(vm);
    int::install(vm);
    float::install(vm);
    complex::install(vm);
    str::install(vm);
    bytes::install(vm);
    tuple::install(vm);
    list::install(vm);
    dict::install(vm);
    dictview::install(vm);
    range::install(vm);
    slice::install(vm);
    setobj::install(vm);
    function::install(vm);
    module::install(vm);
    code::install(vm);
    slots::install(vm);
    union::install(vm);
    mappingproxy::install(vm);
    iter::install(vm);
    exception::install(vm);
    traceback::install(vm);
    descr::install(vm);
    crate::vm::gen::install(vm);
    // Every type has a `__doc__` (None when it has no docstring), as
    // CPython's type_new and static types do.
    for t in vm.all_builtin_types() {
        if let Some(d) = t.dict() {
            if vm.dict_get_by_str_nocall(&d, "__doc__").is_none() {
                vm.add_type_attr(&t, "__doc__", Value::None);
            }
        }
    }
}
