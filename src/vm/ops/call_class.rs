//! CPython 3.11's PRECALL_BUILTIN_CLASS: `list()`, `set(x)`, `int(s)`,
//! `range(n)`, ... — a call of a builtin (static) class whose metaclass is
//! `type`, without keyword arguments, goes straight to the class's native
//! `__new__` and `__init__` instead of looking both up at each call and
//! binding `__init__` to the new object.
//!
//! The lookups are cached by type version (unique across all types and
//! changed whenever a class's dict, a base's dict or its MRO changes), so
//! an entry for the current version describes the class exactly; entries
//! hold native function pointers only (nothing kept alive). Each step is
//! what `type_call_default` (vm/call.rs) does for such a class.

use std::cell::RefCell;

use crate::objects::function::{Args, DescrKind, NativeFn};
use crate::objects::typeobj::{type_data, FLAG_HEAPTYPE};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

const SLOTS: usize = 64;

/// How a class's instances are initialised after `__new__`.
#[derive(Clone, Copy)]
enum Init {
    /// `object.__init__`: nothing to call.
    Object,
    /// A method descriptor's native function, called with the instance
    /// first (what calling the bound method does).
    Native(NativeFn),
}

/// (type version, native `__new__`, `__init__`).
type Entry = (u64, NativeFn, Init);

crate::interp_local! {
    static CACHE: RefCell<Vec<Option<Entry>>> = const { RefCell::new(Vec::new()) };
}

#[inline(always)]
fn slot(version: u64) -> usize {
    (version as usize) & (SLOTS - 1)
}

fn lookup(version: u64) -> Option<(NativeFn, Init)> {
    CACHE
        .try_with(|c| {
            let c = c.try_borrow().ok()?;
            match c.get(slot(version))? {
                Some((v, new, init)) if *v == version => Some((*new, *init)),
                _ => None,
            }
        })
        .ok()
        .flatten()
}

fn remember(version: u64, new: NativeFn, init: Init) {
    let _ = CACHE.try_with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            if c.len() < SLOTS {
                c.resize(SLOTS, None);
            }
            if let Some(e) = c.get_mut(slot(version)) {
                *e = Some((version, new, init));
            }
        }
    });
}

impl Vm {
    /// Whether `cls` is a builtin class whose calls take this path, and its
    /// version (the cache key).
    #[inline]
    pub(crate) fn builtin_class_version(&self, cls: &PyRef) -> Option<u64> {
        let td = type_data(cls)?;
        let version = td.version.get();
        (version != 0 && td.flags.get() & FLAG_HEAPTYPE == 0 && cls.class_is(&self.types.type_))
            .then_some(version)
    }

    /// The native `__new__` and the `__init__` of the builtin class `cls`
    /// at `version`: from the cache, else looked up (and remembered) when
    /// `__new__` is a native static method other than `object.__new__`
    /// and `__init__` is `object.__init__` or a native method descriptor.
    fn builtin_class_entry(&mut self, cls: &PyRef, version: u64) -> Option<(NativeFn, Init)> {
        if let Some(e) = lookup(version) {
            return Some(e);
        }
        let new = self.type_lookup_static(cls, "__new__")?;
        let new_fn = match &new {
            Value::Obj(o) => match &o.payload {
                Payload::StaticMethod(Value::Obj(f)) => match &f.payload {
                    Payload::Builtin(b) if b.self_.is_none() => b.func,
                    _ => return None,
                },
                // Builtin types' `__new__` (`add_staticmethods`): called
                // with `cls` first, which is a subtype of the owner (found
                // in its MRO), so `check_new_args` would pass.
                Payload::MethodDescr(md) if md.kind == DescrKind::Static => md.func,
                _ => return None,
            },
            _ => return None,
        };
        let (object_new, object_init) = self.object_new_init_ref().clone();
        if new.is(&object_new) {
            return None;
        }
        let init = self.type_lookup_static(cls, "__init__")?;
        let init = if init.is(&object_init) {
            Init::Object
        } else {
            match &init {
                Value::Obj(o) => match &o.payload {
                    Payload::MethodDescr(md) if md.kind == DescrKind::Method => {
                        Init::Native(md.func)
                    }
                    _ => return None,
                },
                _ => return None,
            }
        };
        remember(version, new_fn, init);
        Some((new_fn, init))
    }

    /// `cls(*args)` for a builtin class (`builtin_class_version`), with the
    /// class and its arguments from `fidx` to the top of the stack: the
    /// stack is cut to `meth_idx`. `None`: not this case, nothing done.
    pub(crate) fn call_builtin_class(
        &mut self,
        cls: &PyRef,
        version: u64,
        fidx: usize,
        meth_idx: usize,
    ) -> Option<PyResult<Value>> {
        let (new_fn, init) = self.builtin_class_entry(cls, version)?;
        let cls = cls.clone();
        Some(self.call_with_tail(fidx, None, |vm, args| {
            vm.cut_to(meth_idx);
            // `args` is (cls, *arguments), as `__new__` takes them.
            let obj = new_fn(vm, args)?;
            let ot = vm.type_of(&obj);
            if !crate::objects::rc::Rc::ptr_eq(&ot, &cls) {
                // A subclass instance or another object: the general
                // path's rules for it.
                if !crate::objects::typeobj::is_subtype(&ot, &cls) {
                    return Ok(obj);
                }
                let Some(init) = vm.type_lookup_static(&ot, "__init__") else {
                    return Ok(obj);
                };
                let object_init = vm.object_new_init_ref().1.clone();
                if init.is(&object_init) {
                    return Ok(obj);
                }
                let bound = vm.descr_get(init, Some(&obj), &ot)?;
                let rest = args.args.get(1..).unwrap_or(&[]);
                let r = vm.call_args(&bound, Args::new(rest))?;
                return vm.init_result(obj, r);
            }
            let Init::Native(init_fn) = init else {
                return Ok(obj);
            };
            let rest = args.args.get(1..).unwrap_or(&[]);
            let r = match rest {
                [] => init_fn(vm, Args::new(std::slice::from_ref(&obj)))?,
                [a] => init_fn(vm, Args::new(&[obj.clone(), a.clone()]))?,
                _ => {
                    let full = crate::vm::call::with_first(&obj, rest);
                    init_fn(vm, Args::new(&full))?
                }
            };
            vm.init_result(obj, r)
        }))
    }

    /// `obj` when its `__init__` returned None, else CPython's TypeError.
    pub(crate) fn init_result(&self, obj: Value, r: Value) -> PyResult<Value> {
        if r.is_none() {
            return Ok(obj);
        }
        Err(self.type_error(format!(
            "__init__() should return None, not '{}'",
            self.type_name_of(&r)
        )))
    }
}
