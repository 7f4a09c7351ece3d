//! The virtual machine: values, prepared code, frames, the eval loop, and
//! the operations it calls. See docs/vm-design.md.

use crate::objects::rc::Rc;

use crate::objects::exception::{ExcKind, HIERARCHY};
use crate::objects::typeobj::{Layout, TypeData, FLAG_BASETYPE, FLAG_HAS_DICT};
use crate::objects::{dicttable::DictTable, Payload, PyObject, StrObj};

mod agen_inline;
pub mod breaker;
pub mod call;
pub mod carets;
pub mod code;
pub mod code_lazy;
pub mod code_load;
mod comp_inline;
pub mod config;
pub mod errors;
pub mod frame;
pub mod gen;
mod gen_inline;
mod gen_move;
pub(crate) mod gen_reduce;
pub mod gil;
pub mod inst_cache;
pub mod interp;
pub mod interp_local;
pub mod limited;
pub mod memstats;
pub(crate) mod new_cache;
pub mod ops;
pub mod profile_main;
pub mod proto;
mod regs;
pub mod report;
pub mod run;
pub mod run_command;
pub mod signals;
pub mod slot_args;
pub mod stack_guard;
pub mod trace;
pub mod traceback;
#[cfg(test)]
mod unsafe_tests;
pub mod value;
pub mod verify;

pub use errors::{PyErr, PyResult};
pub use value::{PyRef, Value};

use frame::Frame;

macro_rules! builtin_types {
    ($( $field:ident : $name:literal, $layout:ident, $base:ident, $flags:expr ;)*) => {
        /// The builtin types, created once at start-up.
        pub struct Types {
            $( pub $field: PyRef, )*
        }

        impl Types {
            fn create(object: PyRef, type_: PyRef) -> Types {
                let object_ = object.clone();
                let type__ = type_.clone();
                let _ = (&object_, &type__);
                $( let $field = builtin_types!(@make $field, $name, $layout, $base, $flags, object, type_); )*
                Types { $( $field, )* }
            }
        }
    };
    (@make object, $name:literal, $layout:ident, $base:ident, $flags:expr, $object:ident, $type_:ident) => { $object.clone() };
    (@make type_, $name:literal, $layout:ident, $base:ident, $flags:expr, $object:ident, $type_:ident) => { $type_.clone() };
    (@make $field:ident, $name:literal, $layout:ident, $base:ident, $flags:expr, $object:ident, $type_:ident) => {
        new_static_type(&$type_, $name, vec![$base.clone()], Layout::$layout, $flags)
    };
}

const B: u32 = FLAG_BASETYPE;

builtin_types! {
    object: "object", Object, object, B;
    type_: "type", Type, object, B;
    int: "int", Int, object, B;
    bool_: "bool", Int, int, 0;
    float: "float", Float, object, B;
    complex: "complex", Complex, object, B;
    str: "str", Str, object, B;
    bytes: "bytes", Bytes, object, B;
    bytearray: "bytearray", ByteArray, object, B;
    memoryview: "memoryview", Opaque, object, 0;
    tuple: "tuple", Tuple, object, B;
    list: "list", List, object, B;
    dict: "dict", Dict, object, B;
    set: "set", Set, object, B;
    frozenset: "frozenset", FrozenSet, object, B;
    none_type: "NoneType", Opaque, object, 0;
    notimpl_type: "NotImplementedType", Opaque, object, 0;
    ellipsis_type: "ellipsis", Opaque, object, 0;
    function: "function", Opaque, object, 0;
    method: "method", Opaque, object, 0;
    builtin_function: "builtin_function_or_method", Opaque, object, 0;
    method_descriptor: "method_descriptor", Opaque, object, 0;
    classmethod_descriptor: "classmethod_descriptor", Opaque, object, 0;
    wrapper_descriptor: "wrapper_descriptor", Opaque, object, 0;
    method_wrapper: "method-wrapper", Opaque, object, 0;
    cell: "cell", Opaque, object, 0;
    code: "code", Opaque, object, 0;
    module: "module", Module, object, B | FLAG_HAS_DICT;
    range: "range", Opaque, object, 0;
    slice: "slice", Opaque, object, 0;
    property: "property", Opaque, object, B;
    staticmethod: "staticmethod", Opaque, object, B;
    classmethod: "classmethod", Opaque, object, B;
    super_: "super", Opaque, object, B;
    generator: "generator", Opaque, object, 0;
    coroutine: "coroutine", Opaque, object, 0;
    async_generator: "async_generator", Opaque, object, 0;
    coroutine_wrapper: "coroutine_wrapper", Opaque, object, 0;
    async_gen_asend: "async_generator_asend", Opaque, object, 0;
    async_gen_wrapped: "async_generator_wrapped_value", Opaque, object, 0;
    async_gen_athrow: "async_generator_athrow", Opaque, object, 0;
    anext_awaitable: "anext_awaitable", Opaque, object, 0;
    list_iterator: "list_iterator", Opaque, object, 0;
    tuple_iterator: "tuple_iterator", Opaque, object, 0;
    range_iterator: "range_iterator", Opaque, object, 0;
    str_iterator: "str_ascii_iterator", Opaque, object, 0;
    bytes_iterator: "bytes_iterator", Opaque, object, 0;
    dict_keyiterator: "dict_keyiterator", Opaque, object, 0;
    dict_valueiterator: "dict_valueiterator", Opaque, object, 0;
    dict_itemiterator: "dict_itemiterator", Opaque, object, 0;
    dict_reversekeyiterator: "dict_reversekeyiterator", Opaque, object, 0;
    dict_reversevalueiterator: "dict_reversevalueiterator", Opaque, object, 0;
    dict_reverseitemiterator: "dict_reverseitemiterator", Opaque, object, 0;
    list_reverseiterator: "list_reverseiterator", Opaque, object, 0;
    set_iterator: "set_iterator", Opaque, object, 0;
    seq_iterator: "iterator", Opaque, object, 0;
    callable_iterator: "callable_iterator", Opaque, object, 0;
    enumerate: "enumerate", Opaque, object, B;
    zip: "zip", Opaque, object, B;
    map: "map", Opaque, object, B;
    filter: "filter", Opaque, object, B;
    reversed: "reversed", Opaque, object, B;
    dict_keys: "dict_keys", Opaque, object, 0;
    dict_values: "dict_values", Opaque, object, 0;
    dict_items: "dict_items", Opaque, object, 0;
    traceback: "traceback", Opaque, object, 0;
    frame: "frame", Opaque, object, 0;
    getset_descriptor: "getset_descriptor", Opaque, object, 0;
    member_descriptor: "member_descriptor", Opaque, object, 0;
    mappingproxy: "mappingproxy", Opaque, object, 0;
    union_type: "UnionType", Opaque, object, 0;
    generic_alias: "GenericAlias", Opaque, object, B;
}

/// A type object made at start-up (its dict is filled by the type's file).
fn new_static_type(
    meta: &PyRef,
    name: &str,
    bases: Vec<PyRef>,
    layout: Layout,
    flags: u32,
) -> PyRef {
    let td = TypeData::new(name, bases, layout, flags);
    let t = Rc::new(PyObject::new(
        meta.clone(),
        Payload::Type(crate::objects::typeobj::TypeBox::new(td)),
    ));
    init_type_mro(&t);
    t
}

/// Give a new type its dict and its MRO (single inheritance chains and
/// builtins; classes made by `type()` compute C3 themselves).
fn init_type_mro(t: &PyRef) {
    let Payload::Type(td) = &t.payload else {
        return;
    };
    let mut mro = vec![t.clone()];
    if let Some(base) = td.bases.borrow().first() {
        if let Payload::Type(btd) = &base.payload {
            if !Rc::ptr_eq(base, t) {
                mro.extend(btd.mro.borrow().iter().cloned());
            }
        }
    }
    *td.mro.borrow_mut() = mro;
}

/// Slots of `Interner::statics` (a power of two).
const STATIC_CACHE: usize = 512;

/// Interned strings: one object per distinct identifier.
#[derive(Default)]
pub struct Interner {
    /// Keyed by the interned object's own text (no second copy of it).
    map: std::collections::HashSet<InternKey, crate::pyhash::FxBuild>,
    /// The one-character ASCII strings (CPython's latin-1 singletons).
    chars: Vec<Option<PyRef>>,
    /// The one-byte bytes objects (CPython's `characters` singletons).
    bytes1: Vec<Option<PyRef>>,
    /// `intern_static`'s direct-mapped cache: (address, length) of a
    /// `&'static str` and its interned object.
    statics: Vec<Option<(usize, usize, PyRef)>>,
}

impl Interner {
    pub fn get(&self, s: &str) -> Option<PyRef> {
        self.map.get(s).map(|k| k.0.clone())
    }
}

/// An interned str, hashed and compared as its text (so the set is
/// looked up by `&str`).
struct InternKey(PyRef);

impl InternKey {
    #[inline]
    fn text(&self) -> &str {
        match &self.0.payload {
            Payload::Str(s) => s.as_str(),
            _ => "",
        }
    }
}

impl std::borrow::Borrow<str> for InternKey {
    #[inline]
    fn borrow(&self) -> &str {
        self.text()
    }
}

impl std::hash::Hash for InternKey {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.text().hash(h)
    }
}

impl PartialEq for InternKey {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

impl Eq for InternKey {}

/// The interpreter: builtin types, interned names, the frame stack.
pub struct Vm {
    pub types: Types,
    /// Builtin exception types, indexed by `ExcKind as usize`.
    pub exc_types: Vec<PyRef>,
    pub interned: Interner,
    /// Conversions of the marshal load in progress (vm/code.rs).
    pub load_memo: code::LoadMemo,
    pub builtins: PyRef,
    pub sys: PyRef,
    pub none_str: PyRef,
    pub not_implemented: PyRef,
    pub ellipsis: PyRef,
    pub empty_tuple: PyRef,
    /// The empty str and bytes: as in CPython, every empty exact str or
    /// bytes is this one object (`s[0:0] is ""`, `b"" is bytes()`).
    pub empty_str: PyRef,
    pub empty_bytes: PyRef,
    /// The type of sys.stdout/stderr/stdin.
    pub stream_type: PyRef,
    /// Locals and value stacks of all active frames (see docs/vm-design.md).
    pub stack: Vec<Value>,
    pub frames: Vec<Frame>,
    pub recursion_limit: usize,
    /// Depth of Rust-level re-entries into the eval loop.
    pub native_depth: usize,
    /// Active native recursion guards (CPython's `Py_EnterRecursiveCall`);
    /// they count toward `recursion_limit` together with the frames.
    pub c_recursion: usize,
    /// The exception being handled (`sys.exc_info()`), or None.
    pub exc_info: Value,
    /// Keyword names set by KW_NAMES for the next CALL.
    pub pending_kwnames: Option<PyRef>,
    /// `object.__dict__['__new__']` and `['__init__']` once looked up (the
    /// fast path of instantiating classes that inherit them).
    pub object_new_init: Option<(Value, Value)>,
    /// The running generators, whose states hold their callers' exc_info
    /// (restored on suspend; `topmost_exc_info`).
    pub gen_exc: gen::GenExcChain,
    pub modules: PyRef,
    pub argv: Vec<String>,
    /// Objects being repr'd (cycle guard, as Py_ReprEnter).
    pub repr_stack: Vec<usize>,
    /// Output written by `print` and `sys.stdout.write`.
    pub stdout: std::io::BufWriter<std::io::Stdout>,
    /// The import system's state (src/import/).
    pub import: crate::import::ImportState,
    /// A trace or profile function is set (vm/trace.rs): the eval loop
    /// reports events only while this is true.
    pub tracing: bool,
    /// Types cache their MRO lookups (objects/typeobj.rs `AttrCache`) once
    /// start-up has filled the builtin types' dicts.
    pub type_cache_on: bool,
    /// What the entry frame returned or yielded (`Flow::Return`/`Yield`).
    pub exit_value: Value,
    /// Spare argument buffers (vm/call.rs `take_args`).
    pub arg_pool: Vec<Vec<Value>>,
}

impl Vm {
    pub fn new() -> Vm {
        // Bootstrap `object` and `type`: type's class is type itself.
        let object = Rc::new(PyObject::new_bootstrap(Payload::Type(
            crate::objects::typeobj::TypeBox::new(TypeData::new(
                "object",
                vec![],
                Layout::Object,
                B,
            )),
        )));
        let type_ = Rc::new(PyObject::new_bootstrap(Payload::Type(
            crate::objects::typeobj::TypeBox::new(TypeData::new(
                "type",
                vec![object.clone()],
                Layout::Type,
                B | FLAG_HAS_DICT | crate::objects::typeobj::FLAG_HAS_WEAKREF,
            )),
        )));
        object.set_class(type_.clone());
        type_.set_class(type_.clone());
        init_type_mro(&object);
        init_type_mro(&type_);
        let types = Types::create(object, type_);
        let dict_t = types.dict.clone();
        let new_dict = |t: &PyRef| {
            t.set_dict(Some(Rc::new(PyObject::new(
                dict_t.clone(),
                Payload::Dict(Box::new(std::cell::RefCell::new(DictTable::new()))),
            ))));
        };
        let empty_tuple = Rc::new(PyObject::new(
            types.tuple.clone(),
            Payload::Tuple(Default::default()),
        ));
        let empty_str = Rc::new(PyObject::new(
            types.str.clone(),
            Payload::Str(StrObj::new("")),
        ));
        let empty_bytes = Rc::new(PyObject::new(
            types.bytes.clone(),
            Payload::Bytes(Box::new([])),
        ));
        let not_implemented = Rc::new(PyObject::new(
            types.notimpl_type.clone(),
            Payload::NotImplemented,
        ));
        let ellipsis = Rc::new(PyObject::new(
            types.ellipsis_type.clone(),
            Payload::Ellipsis,
        ));
        let none_str = Rc::new(PyObject::new(
            types.str.clone(),
            Payload::Str(StrObj::new("None")),
        ));
        let builtins_mod = Rc::new(PyObject::new(
            types.module.clone(),
            Payload::Module(crate::objects::function::Module {
                name: "builtins".into(),
            }),
        ));
        let sys_mod = Rc::new(PyObject::new(
            types.module.clone(),
            Payload::Module(crate::objects::function::Module { name: "sys".into() }),
        ));
        new_dict(&builtins_mod);
        new_dict(&sys_mod);
        for (m, name) in [(&builtins_mod, "builtins"), (&sys_mod, "sys")] {
            if let Some(d) = m.dict() {
                let k = Value::Obj(Rc::new(PyObject::new(
                    types.str.clone(),
                    Payload::Str(StrObj::new("__name__")),
                )));
                let v = Value::Obj(Rc::new(PyObject::new(
                    types.str.clone(),
                    Payload::Str(StrObj::new(name)),
                )));
                if let Payload::Dict(t) = &d.payload {
                    let h = crate::pyhash::hash_bytes(b"__name__");
                    t.borrow_mut().insert_new(h, k, v);
                }
            }
        }
        let modules = Rc::new(PyObject::new(
            types.dict.clone(),
            Payload::Dict(Box::new(std::cell::RefCell::new(DictTable::new()))),
        ));
        let stream_type = new_static_type(
            &types.type_,
            "TextIOWrapper",
            vec![types.object.clone()],
            Layout::Opaque,
            0,
        );
        let mut vm = Vm {
            stream_type,
            types,
            exc_types: Vec::new(),
            // Sized for the names start-up interns (no rehash on the way).
            interned: Interner {
                map: {
                    let mut m = std::collections::HashSet::with_capacity_and_hasher(
                        3000,
                        Default::default(),
                    );
                    m.insert(InternKey(empty_str.clone()));
                    m
                },
                ..Interner::default()
            },
            load_memo: Default::default(),
            builtins: builtins_mod,
            sys: sys_mod,
            none_str,
            not_implemented,
            ellipsis,
            empty_tuple,
            empty_str,
            empty_bytes,
            stack: Vec::with_capacity(1 << 16),
            frames: Vec::with_capacity(256),
            recursion_limit: 1000,
            native_depth: 0,
            c_recursion: 0,
            exc_info: Value::None,
            pending_kwnames: None,
            object_new_init: None,
            gen_exc: gen::GenExcChain::default(),
            modules,
            argv: Vec::new(),
            repr_stack: Vec::new(),
            stdout: std::io::BufWriter::with_capacity(1 << 16, std::io::stdout()),
            import: crate::import::ImportState::default(),
            tracing: false,
            type_cache_on: false,
            exit_value: Value::Null,
            arg_pool: Vec::new(),
        };
        vm.init_types(new_dict);
        vm.type_cache_on = true;
        vm
    }

    fn init_types(&mut self, new_dict: impl Fn(&PyRef)) {
        let all: Vec<PyRef> = self.all_builtin_types();
        for t in &all {
            new_dict(t);
        }
        // Exceptions, in table order (bases first).
        for (kind, name, base) in HIERARCHY {
            let mut bases = match base {
                Some(b) => vec![self.exc_types[*b as usize].clone()],
                None => vec![self.types.object.clone()],
            };
            if *kind == ExcKind::ExceptionGroup {
                bases.push(self.exc_types[ExcKind::Exception as usize].clone());
            }
            let t = new_static_type(
                &self.types.type_,
                name,
                bases.clone(),
                Layout::Exception,
                B | FLAG_HAS_DICT,
            );
            if bases.len() > 1 {
                if let (Payload::Type(td), Ok(mro)) =
                    (&t.payload, crate::objects::typeobj::c3_mro(&t, &bases))
                {
                    *td.mro.borrow_mut() = mro;
                }
            }
            new_dict(&t);
            self.exc_types.push(t);
        }
        // Each builtin type is among its bases' `__subclasses__()`; the
        // exceptions in CPython's order (siblings by name, ExceptionGroup
        // made last).
        let mut excs: Vec<PyRef> = self.exc_types.clone();
        // Cached: the key allocates its name (start-up cost).
        excs.sort_by_cached_key(|t| {
            let name = crate::objects::typeobj::type_data(t)
                .map(|td| td.name.borrow().to_string())
                .unwrap_or_default();
            (name == "ExceptionGroup", name)
        });
        for t in all.iter().chain(excs.iter()) {
            crate::objects::typeobj::register_subclass(t);
        }
        let st = self.stream_type.clone();
        new_dict(&st);
        crate::objects::install_all(self);
        crate::modules::sys::install(self);
        crate::builtins::install(self);
    }

    /// Every type in `Types`, for filling their dicts.
    pub fn all_builtin_types(&self) -> Vec<PyRef> {
        let t = &self.types;
        vec![
            t.object.clone(),
            t.type_.clone(),
            t.int.clone(),
            t.bool_.clone(),
            t.float.clone(),
            t.complex.clone(),
            t.str.clone(),
            t.bytes.clone(),
            t.bytearray.clone(),
            t.memoryview.clone(),
            t.tuple.clone(),
            t.list.clone(),
            t.dict.clone(),
            t.set.clone(),
            t.frozenset.clone(),
            t.none_type.clone(),
            t.notimpl_type.clone(),
            t.ellipsis_type.clone(),
            t.function.clone(),
            t.method.clone(),
            t.builtin_function.clone(),
            t.method_descriptor.clone(),
            t.classmethod_descriptor.clone(),
            t.wrapper_descriptor.clone(),
            t.method_wrapper.clone(),
            t.cell.clone(),
            t.code.clone(),
            t.module.clone(),
            t.range.clone(),
            t.slice.clone(),
            t.property.clone(),
            t.staticmethod.clone(),
            t.classmethod.clone(),
            t.super_.clone(),
            t.generator.clone(),
            t.coroutine.clone(),
            t.async_generator.clone(),
            t.coroutine_wrapper.clone(),
            t.async_gen_asend.clone(),
            t.async_gen_wrapped.clone(),
            t.async_gen_athrow.clone(),
            t.anext_awaitable.clone(),
            t.list_iterator.clone(),
            t.tuple_iterator.clone(),
            t.range_iterator.clone(),
            t.str_iterator.clone(),
            t.bytes_iterator.clone(),
            t.dict_keyiterator.clone(),
            t.dict_valueiterator.clone(),
            t.dict_itemiterator.clone(),
            t.dict_reversekeyiterator.clone(),
            t.dict_reversevalueiterator.clone(),
            t.dict_reverseitemiterator.clone(),
            t.list_reverseiterator.clone(),
            t.set_iterator.clone(),
            t.seq_iterator.clone(),
            t.callable_iterator.clone(),
            t.enumerate.clone(),
            t.zip.clone(),
            t.map.clone(),
            t.filter.clone(),
            t.reversed.clone(),
            t.dict_keys.clone(),
            t.dict_values.clone(),
            t.dict_items.clone(),
            t.traceback.clone(),
            t.frame.clone(),
            t.getset_descriptor.clone(),
            t.member_descriptor.clone(),
            t.mappingproxy.clone(),
            t.union_type.clone(),
            t.generic_alias.clone(),
        ]
    }

    /// The interned str object for a name.
    pub fn intern(&mut self, s: &str) -> PyRef {
        if let Some(k) = self.interned.map.get(s) {
            return k.0.clone();
        }
        self.intern_new(s)
    }

    #[inline(never)]
    fn intern_new(&mut self, s: &str) -> PyRef {
        let r = Rc::new(PyObject::new(
            self.types.str.clone(),
            Payload::Str(StrObj::new(s)),
        ));
        self.interned.map.insert(InternKey(r.clone()));
        r
    }

    /// `intern` for a string literal: a static string's address and length
    /// identify its text for the whole run, so the interned object is found
    /// without hashing the text (the dunder names the runtime looks up).
    #[inline]
    pub fn intern_static(&mut self, s: &'static str) -> PyRef {
        let key = s.as_ptr() as usize;
        let i = (key >> 3) & (STATIC_CACHE - 1);
        if let Some(Some((k, n, r))) = self.interned.statics.get(i) {
            if *k == key && *n == s.len() {
                return r.clone();
            }
        }
        let r = self.intern(s);
        if self.interned.statics.len() < STATIC_CACHE {
            self.interned.statics.resize(STATIC_CACHE, None);
        }
        if let Some(slot) = self.interned.statics.get_mut(i) {
            *slot = Some((key, s.len(), r.clone()));
        }
        r
    }

    /// The interned one-character string of an ASCII character.
    #[inline]
    pub fn intern_ascii_char(&mut self, c: u8) -> PyRef {
        let c = c & 0x7f;
        if let Some(Some(r)) = self.interned.chars.get(c as usize) {
            return r.clone();
        }
        self.intern_ascii_char_slow(c)
    }

    #[cold]
    fn intern_ascii_char_slow(&mut self, c: u8) -> PyRef {
        self.latin1_char_slow(char::from(c & 0x7f))
    }

    /// The one-character str of a Latin-1 character (CPython keeps these
    /// 256 as singletons); None above U+00FF.
    #[inline]
    pub fn latin1_char(&mut self, c: char) -> Option<PyRef> {
        let i = u32::from(c) as usize;
        if i > 0xFF {
            return None;
        }
        if let Some(Some(r)) = self.interned.chars.get(i) {
            return Some(r.clone());
        }
        Some(self.latin1_char_slow(c))
    }

    #[cold]
    fn latin1_char_slow(&mut self, c: char) -> PyRef {
        // CPython's latin-1 singletons are not the interned strs that
        // code constants are (`"abc"[1] is "b"` is False, `s[1] is s[1]`
        // True), so this is an object of its own.
        let mut buf = [0u8; 4];
        let r = Rc::new(PyObject::new(
            self.types.str.clone(),
            Payload::Str(StrObj::new(c.encode_utf8(&mut buf))),
        ));
        if self.interned.chars.len() < 256 {
            self.interned.chars.resize(256, None);
        }
        if let Some(slot) = self.interned.chars.get_mut(u32::from(c) as usize) {
            *slot = Some(r.clone());
        }
        r
    }

    /// The type of a value (a new reference).
    pub fn type_of(&self, v: &Value) -> PyRef {
        match v {
            Value::Int(_) => self.types.int.clone(),
            Value::Float(_) => self.types.float.clone(),
            Value::Bool(_) => self.types.bool_.clone(),
            Value::None | Value::Null => self.types.none_type.clone(),
            Value::Obj(o) => o.class().unwrap_or_else(|| self.types.object.clone()),
        }
    }

    pub fn exc_type(&self, kind: ExcKind) -> PyRef {
        self.exc_types[kind as usize].clone()
    }

    // ------------------------------------------------------------------ makers

    pub fn new_obj(&self, ty: &PyRef, payload: Payload) -> PyRef {
        match &payload {
            Payload::Str(s) if s.is_empty() && Rc::ptr_eq(ty, &self.types.str) => {
                return self.empty_str.clone();
            }
            Payload::Bytes(b) if b.is_empty() && Rc::ptr_eq(ty, &self.types.bytes) => {
                return self.empty_bytes.clone();
            }
            _ => {}
        }
        let o = PyObject::alloc(ty.clone(), payload);
        crate::objects::gc::track_new(&o);
        if crate::modules::tracemalloc::tracing() {
            crate::modules::tracemalloc::on_alloc(self, &o);
        }
        o
    }

    pub fn new_str(&self, s: &str) -> Value {
        Value::Obj(self.new_obj(&self.types.str, Payload::Str(StrObj::new(s))))
    }

    pub fn new_string(&self, s: String) -> Value {
        Value::Obj(self.new_obj(&self.types.str, Payload::Str(StrObj::from_string(s))))
    }

    pub fn new_tuple(&self, items: Vec<Value>) -> Value {
        if items.is_empty() {
            return Value::Obj(self.empty_tuple.clone());
        }
        self.new_tuple_items(items.into())
    }

    /// A tuple of `N` items given as an array: one or two are stored
    /// inline, with no allocation besides the object's
    /// (objects/tuple_items.rs).
    #[inline]
    pub fn new_tuple_of<const N: usize>(&self, items: [Value; N]) -> Value {
        if N == 0 {
            return Value::Obj(self.empty_tuple.clone());
        }
        self.new_tuple_items(items.into())
    }

    /// A tuple of the items given (not empty: the empty tuple is the
    /// `empty_tuple` singleton).
    #[inline]
    pub fn new_tuple_items(&self, items: crate::objects::tuple_items::TupleItems) -> Value {
        Value::Obj(self.new_container(&self.types.tuple, Payload::Tuple(items)))
    }

    pub fn new_list(&self, items: Vec<Value>) -> Value {
        Value::Obj(self.new_container(
            &self.types.list,
            Payload::List(crate::objects::listcell::ListCell::new(items)),
        ))
    }

    /// [`Vm::new_obj`] for a payload known to be a container (a tuple,
    /// list or dict: no empty-singleton test, tracked unconditionally).
    #[inline(always)]
    fn new_container(&self, ty: &PyRef, payload: Payload) -> PyRef {
        let o = PyObject::alloc(ty.clone(), payload);
        crate::objects::gc::track(&o);
        if crate::modules::tracemalloc::tracing() {
            crate::modules::tracemalloc::on_alloc(self, &o);
        }
        o
    }

    pub fn new_dict(&self) -> PyRef {
        self.new_container(
            &self.types.dict,
            Payload::Dict(Box::new(std::cell::RefCell::new(DictTable::new()))),
        )
    }

    pub fn new_bytes(&self, b: Vec<u8>) -> Value {
        Value::Obj(self.new_obj(&self.types.bytes, Payload::Bytes(b.into_boxed_slice())))
    }

    /// A bytes result where CPython's `PyBytes_FromStringAndSize` gives
    /// one of its 256 one-byte singletons (slices, `struct.pack`): one
    /// object per byte value instead of one per result (pyperformance's
    /// pyflate keeps a list of a million one-byte slices).
    pub fn new_bytes_shared(&mut self, b: Vec<u8>) -> Value {
        let [c] = b.as_slice() else {
            return self.new_bytes(b);
        };
        let c = *c;
        if let Some(Some(r)) = self.interned.bytes1.get(usize::from(c)) {
            return Value::Obj(r.clone());
        }
        let r = self.new_obj(&self.types.bytes, Payload::Bytes(b.into_boxed_slice()));
        if self.interned.bytes1.len() < 256 {
            self.interned.bytes1.resize(256, None);
        }
        if let Some(slot) = self.interned.bytes1.get_mut(usize::from(c)) {
            *slot = Some(r.clone());
        }
        Value::Obj(r)
    }

    pub fn new_exception(&self, ty: &PyRef, args: Vec<Value>) -> PyRef {
        let args = self.new_tuple(args);
        self.new_exc_instance(ty, args)
    }

    /// `NotImplemented` as a value.
    pub fn not_implemented(&self) -> Value {
        Value::Obj(self.not_implemented.clone())
    }

    pub fn is_not_implemented(&self, v: &Value) -> bool {
        matches!(v, Value::Obj(o) if Rc::ptr_eq(o, &self.not_implemented))
    }
}

impl Default for Vm {
    fn default() -> Self {
        Vm::new()
    }
}
