//! Inline caches for LOAD_GLOBAL, LOAD_ATTR, LOAD_METHOD and STORE_ATTR
//! (CPython 3.11's specialisations, without rewriting the instruction).
//!
//! When a code object is prepared (vm/code.rs), each of those instructions
//! gets a slot number, written into its first CACHE unit (the bytes the
//! eval loop never executes); `Code::ics` holds the slots. An instruction
//! first tries its slot's fast path, which checks guards that imply the
//! slow path would do exactly the same thing; on a miss it takes the slow
//! path and refills the slot.
//!
//! Guards: a type's `version` changes whenever its dict, a base's dict or
//! its MRO changes (unique across types); a dict's key-set version changes
//! whenever a key is added or removed (unique across dicts over time), so
//! an entry position under an unchanged version still holds the same key.

use crate::objects::dict::{find_str, key_version, value_at_if_key};
use crate::objects::function::DescrKind;
use crate::objects::typeobj::{
    type_data, FLAG_CUSTOM_GETATTRIBUTE, FLAG_CUSTOM_SETATTR, FLAG_HEAPTYPE,
};
use crate::objects::Payload;
use crate::vm::code::Code;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// Slot number meaning "no cache" (a code object with more than 65535
/// cacheable instructions).
pub const NO_SLOT: u16 = u16::MAX;

/// One instruction's cache.
#[derive(Clone, Default)]
pub enum Ic {
    #[default]
    Empty,
    /// LOAD_GLOBAL: the name is at entry `pos` of the globals dict at
    /// address `globals` (key-set version `gver`), or, with `bver` set,
    /// absent from it at `gver` and at entry `pos` of the builtins dict at
    /// `builtins` at `bver`. Addresses, not references, so a cache never
    /// keeps a module's dict alive (or hides it from the collector); a
    /// dict freed and another made at the same address has fresh versions
    /// (only an empty, never changed dict has version 0, and then
    /// "absent" is still true).
    Global {
        globals: usize,
        gver: u64,
        builtins: usize,
        bver: Option<u64>,
        pos: usize,
    },
    /// LOAD_ATTR (and LOAD_METHOD of a non-method): for instances of the
    /// type at version `tver` (no custom `__getattribute__`), the type's
    /// attribute `descr` (Null: none) is not a data descriptor, so the
    /// instance dict answers first.
    Attr { tver: u64, descr: Value },
    /// LOAD_METHOD: the type at `tver` has the plain method `meth`.
    Method { tver: u64, meth: Value },
    /// STORE_ATTR: the type at `tver` has no data descriptor of the name
    /// and no custom `__setattr__`: the value goes to the instance dict.
    Store { tver: u64 },
}

impl Code {
    /// The slot number of the instruction at code unit `pc`.
    #[inline(always)]
    pub fn ic_slot(&self, pc: usize) -> u16 {
        match self.code.get(pc * 2 + 2..pc * 2 + 4) {
            Some(&[lo, hi]) => u16::from_le_bytes([lo, hi]),
            _ => NO_SLOT,
        }
    }

    /// Look at slot `slot` (no Python code may run inside `f`).
    #[inline(always)]
    fn ic_with<R>(&self, slot: u16, f: impl FnOnce(&Ic) -> Option<R>) -> Option<R> {
        let v = self.ics.try_borrow().ok()?;
        f(v.get(slot as usize)?)
    }

    fn ic_set(&self, slot: u16, ic: Ic) {
        let old = match self.ics.try_borrow_mut() {
            Ok(mut v) => v.get_mut(slot as usize).map(|e| std::mem::replace(e, ic)),
            Err(_) => None,
        };
        drop(old);
    }
}

/// An object's address (identity only; never dereferenced).
#[inline(always)]
fn addr(o: &PyRef) -> usize {
    std::rc::Rc::as_ptr(o) as usize
}

/// The (version, flags) of `v`'s class when it is an object.
#[inline(always)]
fn obj_class(v: &Value) -> Option<(&PyRef, u64, u32)> {
    match v {
        Value::Obj(o) => o.class_version_flags().map(|(ver, fl)| (o, ver, fl)),
        _ => None,
    }
}

/// Whether the instance dict of `o` is the place for its attributes
/// (user classes and modules, not types, bound methods or builtins).
fn dict_first(vm: &Vm, o: &PyRef, flags: u32) -> bool {
    flags & FLAG_CUSTOM_GETATTRIBUTE == 0
        && !matches!(o.payload, Payload::Type(_) | Payload::Method(_))
        && (flags & FLAG_HEAPTYPE != 0 || o.class_is(&vm.types.module))
}

/// Look `name` up in `o`'s instance dict: Some(found) when certain.
#[inline(always)]
fn in_instance_dict(o: &PyRef, name: &PyRef) -> Option<Option<Value>> {
    let d = o.dict.try_borrow().ok()?;
    match d.as_ref() {
        Some(d) => find_str(d, name).map(|r| r.map(|(_, v)| v)),
        None => Some(None),
    }
}

impl Vm {
    // ------------------------------------------------------------ globals

    /// LOAD_GLOBAL's lookup of `name` through the cache `slot`.
    #[inline(always)]
    pub(crate) fn load_global_cached(
        &mut self,
        code: &Code,
        slot: u16,
        name: &PyRef,
    ) -> PyResult<Value> {
        let f = self.frames.last();
        let hit = f.and_then(|f| {
            code.ic_with(slot, |ic| match ic {
                Ic::Global {
                    globals,
                    gver,
                    builtins,
                    bver,
                    pos,
                } if addr(&f.globals) == *globals && key_version(&f.globals) == Some(*gver) => {
                    match bver {
                        None => value_at_if_key(&f.globals, *pos, name),
                        Some(bv)
                            if addr(&f.builtins) == *builtins
                                && key_version(&f.builtins) == Some(*bv) =>
                        {
                            value_at_if_key(&f.builtins, *pos, name)
                        }
                        Some(_) => None,
                    }
                }
                _ => None,
            })
        });
        if let Some(v) = hit {
            return Ok(v);
        }
        self.load_global_fill(code, slot, name)
    }

    #[inline(never)]
    fn load_global_fill(&mut self, code: &Code, slot: u16, name: &PyRef) -> PyResult<Value> {
        let (globals, builtins) = match self.frames.last() {
            Some(f) => (f.globals.clone(), f.builtins.clone()),
            None => return self.load_global_name(name),
        };
        if slot != NO_SLOT {
            let gver = key_version(&globals);
            match find_str(&globals, name) {
                Some(Some((pos, v))) => {
                    if let Some(gver) = gver {
                        code.ic_set(
                            slot,
                            Ic::Global {
                                globals: addr(&globals),
                                gver,
                                builtins: addr(&builtins),
                                bver: None,
                                pos,
                            },
                        );
                    }
                    return Ok(v);
                }
                Some(None) => {
                    let bver = key_version(&builtins);
                    if let (Some(gver), Some(bver), Some(Some((pos, v)))) =
                        (gver, bver, find_str(&builtins, name))
                    {
                        code.ic_set(
                            slot,
                            Ic::Global {
                                globals: addr(&globals),
                                gver,
                                builtins: addr(&builtins),
                                bver: Some(bver),
                                pos,
                            },
                        );
                        return Ok(v);
                    }
                }
                None => {}
            }
        }
        self.load_global_name(name)
    }

    // --------------------------------------------------------- attributes

    /// LOAD_ATTR through the cache `slot`.
    #[inline(always)]
    pub(crate) fn load_attr_cached(
        &mut self,
        code: &Code,
        slot: u16,
        obj: &Value,
        name: &PyRef,
    ) -> PyResult<Value> {
        if let Some((o, ver, _)) = obj_class(obj) {
            let descr = code.ic_with(slot, |ic| match ic {
                Ic::Attr { tver, descr } if *tver == ver => Some(descr.clone()),
                _ => None,
            });
            if let Some(descr) = descr {
                match in_instance_dict(o, name) {
                    Some(Some(v)) => return Ok(v),
                    Some(None) if !descr.is_null() => {
                        return match &descr {
                            Value::Obj(d) if matches!(d.payload, Payload::Function(_)) => {
                                Ok(self.new_method(descr.clone(), obj.clone()))
                            }
                            _ => {
                                let ty = self.type_of(obj);
                                self.descr_get(descr, Some(obj), &ty)
                            }
                        };
                    }
                    _ => {}
                }
            }
        }
        self.load_attr_fill(code, slot, obj, name)
    }

    #[inline(never)]
    fn load_attr_fill(
        &mut self,
        code: &Code,
        slot: u16,
        obj: &Value,
        name: &PyRef,
    ) -> PyResult<Value> {
        let v = self.getattr(obj, name)?;
        if slot != NO_SLOT {
            if let Some(ic) = self.attr_ic(obj, name) {
                code.ic_set(slot, ic);
            }
        }
        Ok(v)
    }

    /// The `Ic::Attr` that describes `obj.name` now, if one can.
    fn attr_ic(&mut self, obj: &Value, name: &PyRef) -> Option<Ic> {
        let (o, ver, flags) = obj_class(obj)?;
        if !dict_first(self, o, flags) {
            return None;
        }
        let ty = o.class()?;
        let descr = self.type_lookup(&ty, name).unwrap_or(Value::Null);
        if !descr.is_null() && self.is_data_descr(&descr) {
            return None;
        }
        Some(Ic::Attr { tver: ver, descr })
    }

    /// LOAD_METHOD through the cache `slot`: pushes `[meth, self]` or
    /// `[NULL, attr]`.
    #[inline(always)]
    pub(crate) fn load_method_cached(
        &mut self,
        code: &Code,
        slot: u16,
        obj: Value,
        name: &PyRef,
    ) -> PyResult<()> {
        if let Some((o, ver, _)) = obj_class(&obj) {
            // Some(Some(meth)): a method; Some(None): an attribute.
            let cached = code.ic_with(slot, |ic| match ic {
                Ic::Method { tver, meth } if *tver == ver => Some(Some(meth.clone())),
                Ic::Attr { tver, .. } if *tver == ver => Some(None),
                _ => None,
            });
            match (cached, in_instance_dict(o, name)) {
                (Some(Some(meth)), Some(None)) => {
                    self.push(meth);
                    self.push(obj);
                    return Ok(());
                }
                (Some(None), Some(Some(v))) => {
                    self.push(Value::Null);
                    self.push(v);
                    return Ok(());
                }
                _ => {}
            }
        }
        self.load_method_fill(code, slot, obj, name)
    }

    #[inline(never)]
    fn load_method_fill(
        &mut self,
        code: &Code,
        slot: u16,
        obj: Value,
        name: &PyRef,
    ) -> PyResult<()> {
        match self.lookup_method(&obj, name)? {
            Some(meth) => {
                if slot != NO_SLOT {
                    if let Some((o, ver, flags)) = obj_class(&obj) {
                        // Builtin objects without a dict (lists, strs...)
                        // and instances of classes: the type decides.
                        if flags & FLAG_CUSTOM_GETATTRIBUTE == 0
                            && !matches!(o.payload, Payload::Type(_))
                            && is_plain_method(&meth)
                        {
                            code.ic_set(
                                slot,
                                Ic::Method {
                                    tver: ver,
                                    meth: meth.clone(),
                                },
                            );
                        }
                    }
                }
                self.push(meth);
                self.push(obj);
            }
            None => {
                let attr = self.getattr(&obj, name)?;
                if slot != NO_SLOT {
                    if let Some(ic @ Ic::Attr { .. }) = self.attr_ic(&obj, name) {
                        code.ic_set(slot, ic);
                    }
                }
                self.push(Value::Null);
                self.push(attr);
            }
        }
        Ok(())
    }

    /// STORE_ATTR through the cache `slot`.
    #[inline(always)]
    pub(crate) fn store_attr_cached(
        &mut self,
        code: &Code,
        slot: u16,
        obj: &Value,
        name: &PyRef,
        v: Value,
    ) -> PyResult<()> {
        if let Some((o, ver, _)) = obj_class(obj) {
            if code
                .ic_with(slot, |ic| match ic {
                    Ic::Store { tver } if *tver == ver => Some(()),
                    _ => None,
                })
                .is_some()
            {
                let d = o.dict.try_borrow().ok().and_then(|d| d.clone());
                if let Some(d) = d {
                    return self.dict_set(&d, Value::Obj(name.clone()), v);
                }
            }
        }
        self.store_attr_fill(code, slot, obj, name, v)
    }

    #[inline(never)]
    fn store_attr_fill(
        &mut self,
        code: &Code,
        slot: u16,
        obj: &Value,
        name: &PyRef,
        v: Value,
    ) -> PyResult<()> {
        self.setattr(obj, name, Some(v))?;
        if slot == NO_SLOT {
            return Ok(());
        }
        let Some((o, ver, flags)) = obj_class(obj) else {
            return Ok(());
        };
        if flags & (FLAG_CUSTOM_SETATTR | FLAG_HEAPTYPE) != FLAG_HEAPTYPE
            || matches!(o.payload, Payload::Type(_))
            || o.dict.try_borrow().map_or(true, |d| d.is_none())
        {
            return Ok(());
        }
        let Some(ty) = o.class() else {
            return Ok(());
        };
        if let Some(d) = self.type_lookup(&ty, name) {
            if self.is_data_descr(&d) {
                return Ok(());
            }
        }
        if type_data(&ty).is_some_and(|td| td.version.get() == ver) {
            code.ic_set(slot, Ic::Store { tver: ver });
        }
        Ok(())
    }
}

/// A function or a builtin method descriptor: what LOAD_METHOD may push
/// unbound (anything else goes through `__get__`).
fn is_plain_method(v: &Value) -> bool {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Function(_) => true,
            Payload::MethodDescr(md) => md.kind == DescrKind::Method,
            _ => false,
        },
        _ => false,
    }
}
