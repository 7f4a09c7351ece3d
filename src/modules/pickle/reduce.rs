//! The pickler's paths for objects without an opcode of their own:
//! `reducer_override`, the dispatch tables, `__reduce_ex__`/`__reduce__`,
//! `save_reduce` (NEWOBJ, NEWOBJ_EX, state, list and dict items, state
//! setters), `save_global` (extension registry, `fix_imports`) and
//! persistent ids, as in Modules/_pickle.c.

use super::save::{Saver, BUILD, NEWOBJ, NEWOBJ_EX, POP, REDUCE, TUPLE2};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

fn tuple_items(v: &Value) -> Option<&[Value]> {
    match super::payload(v) {
        Some(Payload::Tuple(t)) => Some(t),
        _ => None,
    }
}

fn is_tuple(vm: &Vm, v: &Value) -> bool {
    tuple_items(v).is_some() && crate::objects::typeobj::is_subtype(&vm.type_of(v), &vm.types.tuple)
}

fn is_type(vm: &Vm, v: &Value) -> bool {
    crate::objects::typeobj::is_subtype(&vm.type_of(v), &vm.types.type_)
}

fn is_iterator(vm: &mut Vm, v: &Value) -> bool {
    if matches!(
        super::payload(v),
        Some(Payload::Iter(_) | Payload::Generator(_))
    ) {
        return true;
    }
    let t = vm.type_of(v);
    vm.type_lookup_static(&t, "__next__").is_some()
}

fn str_of(vm: &Vm, v: &Value) -> Option<String> {
    vm.as_str_obj(v).map(|s| s.as_str().to_string())
}

impl Saver {
    /// `save_pers`: true when the object was saved by persistent id.
    pub fn save_pers(&mut self, vm: &mut Vm, obj: &Value) -> PyResult<bool> {
        let Some(f) = self.pers_func.clone() else {
            return Ok(false);
        };
        let pid = vm.call(&f, std::slice::from_ref(obj))?;
        if pid.is_none() {
            return Ok(false);
        }
        if self.bin {
            self.save(vm, &pid, true)?;
            self.op(b'Q');
        } else {
            let s = vm.str(&pid)?;
            if !s.is_ascii() {
                return Err(self.error(vm, "persistent IDs in protocol 0 must be ASCII strings"));
            }
            self.op(b'P');
            self.write(s.as_bytes());
            self.op(b'\n');
        }
        Ok(true)
    }

    /// The rest of `save`: objects of other types.
    pub fn save_other(&mut self, vm: &mut Vm, obj: &Value) -> PyResult<()> {
        if let Some(ro) = self.reducer_override.clone() {
            let rv = vm.call(&ro, std::slice::from_ref(obj))?;
            if !vm.is_not_implemented(&rv) {
                return self.reduce_value(vm, obj, &rv);
            }
        }
        let ty = vm.type_of(obj);
        if super::exact(obj, &vm.types.type_) {
            return self.save_type(vm, obj);
        }
        if super::exact(obj, &vm.types.function) {
            return self.save_global(vm, obj, None);
        }
        let reduce_func = match self.dispatch_table.clone() {
            None => {
                let table = match self.copyreg_table.clone() {
                    Some(t) => t,
                    None => {
                        let copyreg = super::copyreg(vm)?;
                        match vm.getattr_str(&copyreg, "dispatch_table")? {
                            Value::Obj(t) if matches!(t.payload, Payload::Dict(_)) => {
                                self.copyreg_table = Some(t.clone());
                                t
                            }
                            _ => {
                                return Err(vm.type_error("copyreg.dispatch_table should be a dict"))
                            }
                        }
                    }
                };
                vm.dict_get(&table, &Value::Obj(ty.clone()))?
            }
            Some(dt) => match vm.getitem(&dt, &Value::Obj(ty.clone())) {
                Ok(v) => Some(v),
                Err(e) if vm.err_is(&e, crate::objects::exception::ExcKind::KeyError) => None,
                Err(e) => return Err(e),
            },
        };
        let rv = if let Some(f) = reduce_func {
            vm.call(&f, std::slice::from_ref(obj))?
        } else if crate::objects::typeobj::is_subtype(&ty, &vm.types.type_) {
            return self.save_global(vm, obj, None);
        } else if let Some(f) = super::attr_opt(vm, obj, "__reduce_ex__")? {
            vm.call(&f, &[Value::Int(i64::from(self.proto))])?
        } else if let Some(f) = super::attr_opt(vm, obj, "__reduce__")? {
            vm.call(&f, &[])?
        } else {
            let r = vm.repr(obj)?;
            let n = vm.type_name(&ty);
            return Err(self.error(vm, format!("can't pickle '{n}' object: {r}")));
        };
        self.reduce_value(vm, obj, &rv)
    }

    fn reduce_value(&mut self, vm: &mut Vm, obj: &Value, rv: &Value) -> PyResult<()> {
        if vm.as_str_obj(rv).is_some() {
            return self.save_global(vm, obj, Some(rv));
        }
        if !is_tuple(vm, rv) {
            return Err(self.error(vm, "__reduce__ must return a string or tuple"));
        }
        self.save_reduce(vm, rv, Some(obj))
    }

    /// `save_type`: the singletons' types reduce to `type(singleton)`.
    fn save_type(&mut self, vm: &mut Vm, obj: &Value) -> PyResult<()> {
        let single = match obj {
            Value::Obj(o) if crate::objects::rc::Rc::ptr_eq(o, &vm.types.none_type) => {
                Some(Value::None)
            }
            Value::Obj(o) if crate::objects::rc::Rc::ptr_eq(o, &vm.types.ellipsis_type) => {
                Some(Value::Obj(vm.ellipsis.clone()))
            }
            Value::Obj(o) if crate::objects::rc::Rc::ptr_eq(o, &vm.types.notimpl_type) => {
                Some(vm.not_implemented())
            }
            _ => None,
        };
        match single {
            Some(s) => {
                let t = Value::Obj(vm.types.type_.clone());
                let args = vm.new_tuple_of([s]);
                let rv = vm.new_tuple_of([t, args]);
                self.save_reduce(vm, &rv, Some(obj))
            }
            None => self.save_global(vm, obj, None),
        }
    }

    /// `save_reduce`.
    pub fn save_reduce(&mut self, vm: &mut Vm, rv: &Value, obj: Option<&Value>) -> PyResult<()> {
        let items: Vec<Value> = tuple_items(rv).map(<[Value]>::to_vec).unwrap_or_default();
        if !(2..=6).contains(&items.len()) {
            return Err(self.error(
                vm,
                "tuple returned by __reduce__ must contain 2 through 6 elements",
            ));
        }
        let get = |i: usize| items.get(i).cloned().unwrap_or(Value::None);
        let callable = get(0);
        let argtup = get(1);
        let state = get(2);
        let listitems = get(3);
        let dictitems = get(4);
        let state_setter = get(5);
        if !vm.callable(&callable) {
            return Err(self.error(
                vm,
                "first item of the tuple returned by __reduce__ must be callable",
            ));
        }
        if !is_tuple(vm, &argtup) {
            return Err(self.error(
                vm,
                "second item of the tuple returned by __reduce__ must be a tuple",
            ));
        }
        for (v, what, iter) in [
            (&listitems, "fourth", true),
            (&dictitems, "fifth", true),
            (&state_setter, "sixth", false),
        ] {
            if v.is_none() {
                continue;
            }
            let ok = if iter {
                is_iterator(vm, v)
            } else {
                vm.callable(v)
            };
            if !ok {
                let kind = if iter { "an iterator" } else { "a function" };
                let tn = vm.type_name_of(v);
                return Err(self.error(
                    vm,
                    format!(
                        "{what} element of the tuple returned by __reduce__ must be {kind}, not {tn}"
                    ),
                ));
            }
        }
        let args: Vec<Value> = tuple_items(&argtup)
            .map(<[Value]>::to_vec)
            .unwrap_or_default();
        let kind = if self.proto < 2 {
            0
        } else {
            match &self.newobj_cache {
                Some((c, k)) if c.is(&callable) => *k,
                _ => {
                    let k = match super::attr_opt(vm, &callable, "__name__")? {
                        Some(name) => match str_of(vm, &name).as_deref() {
                            Some("__newobj_ex__") => 2,
                            Some("__newobj__") => 1,
                            _ => 0,
                        },
                        None => 0,
                    };
                    self.newobj_cache = Some((callable.clone(), k));
                    k
                }
            }
        };
        let (newobj, newobj_ex) = (kind == 1, kind == 2);
        if newobj_ex {
            self.save_newobj_ex(vm, &args)?;
        } else if newobj {
            let Some(cls) = args.first() else {
                return Err(self.error(vm, "__newobj__ arglist is empty"));
            };
            if !is_type(vm, cls) {
                return Err(self.error(vm, "args[0] from __newobj__ args is not a type"));
            }
            if let Some(o) = obj {
                let oc = super::attr(vm, o, "__class__")?;
                if !oc.is(cls) {
                    return Err(self.error(vm, "args[0] from __newobj__ args has the wrong class"));
                }
            }
            self.save(vm, cls, false)?;
            let rest = vm.new_tuple(args.get(1..).unwrap_or(&[]).to_vec());
            self.save(vm, &rest, false)?;
            self.op(NEWOBJ);
        } else {
            self.save(vm, &callable, false)?;
            self.save(vm, &argtup, false)?;
            self.op(REDUCE);
        }
        if let Some(o) = obj {
            if self.try_memo_get_after_pop(o) {
                return Ok(());
            }
            self.memo_put(vm, o)?;
        }
        if !listitems.is_none() {
            self.batch_list(vm, &listitems)?;
        }
        if !dictitems.is_none() {
            self.batch_dict(vm, &dictitems)?;
        }
        if !state.is_none() {
            if state_setter.is_none() {
                self.save(vm, &state, false)?;
                self.op(BUILD);
            } else {
                self.save(vm, &state_setter, false)?;
                if let Some(o) = obj {
                    self.save(vm, o, false)?;
                }
                self.save(vm, &state, false)?;
                self.write(&[TUPLE2, REDUCE, POP]);
            }
        }
        Ok(())
    }

    /// A recursive object found in the memo after its reduction was
    /// saved: drop the reduction and fetch it.
    fn try_memo_get_after_pop(&mut self, obj: &Value) -> bool {
        if self.memo_of(obj).is_none() {
            return false;
        }
        self.op(POP);
        self.try_memo_get(obj)
    }

    fn save_newobj_ex(&mut self, vm: &mut Vm, args: &[Value]) -> PyResult<()> {
        let [cls, cargs, kwargs] = args else {
            return Err(self.error(
                vm,
                format!(
                    "length of the NEWOBJ_EX argument tuple must be exactly 3, not {}",
                    args.len()
                ),
            ));
        };
        if !is_type(vm, cls) {
            let tn = vm.type_name_of(cls);
            return Err(self.error(
                vm,
                format!("first item from NEWOBJ_EX argument tuple must be a class, not {tn}"),
            ));
        }
        if !is_tuple(vm, cargs) {
            let tn = vm.type_name_of(cargs);
            return Err(self.error(
                vm,
                format!("second item from NEWOBJ_EX argument tuple must be a tuple, not {tn}"),
            ));
        }
        let is_dict = matches!(super::payload(kwargs), Some(Payload::Dict(_)));
        if !is_dict {
            let tn = vm.type_name_of(kwargs);
            return Err(self.error(
                vm,
                format!("third item from NEWOBJ_EX argument tuple must be a dict, not {tn}"),
            ));
        }
        if self.proto >= 4 {
            self.save(vm, cls, false)?;
            self.save(vm, cargs, false)?;
            self.save(vm, kwargs, false)?;
            self.op(NEWOBJ_EX);
            return Ok(());
        }
        // partial(cls.__new__, cls, *args, **kwargs)()
        let cls_new = vm.getattr_str(cls, "__new__")?;
        let mut pos = vec![cls_new, cls.clone()];
        pos.extend(tuple_items(cargs).unwrap_or(&[]).iter().cloned());
        let Value::Obj(kw) = kwargs else {
            return Ok(());
        };
        let mut names: Vec<PyRef> = Vec::new();
        for (k, v) in vm.dict_items(kw) {
            match k {
                Value::Obj(ko) if vm.as_str_obj(&Value::Obj(ko.clone())).is_some() => {
                    names.push(ko);
                    pos.push(v);
                }
                _ => return Err(vm.type_error("keywords must be strings")),
            }
        }
        let functools = vm.import_by_name("functools")?;
        let partial = vm.getattr_str(&functools, "partial")?;
        let callable = vm.call_args(
            &partial,
            crate::objects::function::Args {
                args: &pos,
                kwnames: &names,
            },
        )?;
        self.save(vm, &callable, false)?;
        let empty = vm.new_tuple(Vec::new());
        self.save(vm, &empty, false)?;
        self.op(REDUCE);
        Ok(())
    }

    /// `save_global`.
    pub fn save_global(&mut self, vm: &mut Vm, obj: &Value, name: Option<&Value>) -> PyResult<()> {
        let global_name = match name {
            Some(n) => n.clone(),
            None => match vm.getattr_opt(obj, "__qualname__")? {
                Some(q) => q,
                None => vm.getattr_str(obj, "__name__")?,
            },
        };
        let Some(gname) = str_of(vm, &global_name) else {
            return Err(vm.type_error("can only concatenate str (not \"int\") to str"));
        };
        let dotted: Vec<String> = gname.split('.').map(str::to_string).collect();
        if dotted.iter().any(|p| p == "<locals>") {
            let r = vm.repr(&global_name)?;
            return Err(vm.new_error(
                crate::objects::exception::ExcKind::AttributeError,
                format!("Can't pickle local object {r}"),
            ));
        }
        let module_name = self.whichmodule(vm, obj, &dotted)?;
        let mname = vm.str(&module_name)?;
        // CPython's module names are interned strings (one object per
        // name, so the memo shares them).
        let module_name = match vm.as_str_obj(&module_name) {
            Some(s) if super::exact(&module_name, &vm.types.str) && s.surrogate_cps().is_none() => {
                Value::Obj(vm.intern(&mname))
            }
            _ => module_name,
        };
        let module = match vm.import_by_name(&mname) {
            Ok(m) => m,
            Err(_) => {
                let (r, mr) = (vm.repr(obj)?, vm.repr(&module_name)?);
                return Err(self.error(
                    vm,
                    format!("Can't pickle {r}: import of module {mr} failed"),
                ));
            }
        };
        let (cls, parent) = match deep_attr(vm, &module, &dotted) {
            Ok(x) => x,
            Err(_) => {
                let r = vm.repr(obj)?;
                return Err(self.error(
                    vm,
                    format!("Can't pickle {r}: attribute lookup {gname} on {mname} failed"),
                ));
            }
        };
        if !cls.is(obj) {
            let r = vm.repr(obj)?;
            return Err(self.error(
                vm,
                format!("Can't pickle {r}: it's not the same object as {mname}.{gname}"),
            ));
        }
        let lastname = dotted.last().cloned().unwrap_or_default();
        if self.proto >= 2 && self.save_ext(vm, obj, &module_name, &global_name)? {
            // C does not memoize an object saved as an extension code.
            return Ok(());
        }
        {
            let parent_is_module = parent.is(&module);
            let global_name = if parent_is_module && dotted.len() > 1 {
                vm.new_string(lastname.clone())
            } else {
                global_name
            };
            if self.proto >= 4 {
                self.save(vm, &module_name, false)?;
                self.save(vm, &global_name, false)?;
                self.op(0x93);
            } else if !parent_is_module {
                let builtins = Value::Obj(vm.builtins.clone());
                let getattr = vm.getattr_str(&builtins, "getattr")?;
                let last = vm.new_string(lastname);
                let args = vm.new_tuple_of([parent, last]);
                let rv = vm.new_tuple_of([getattr, args]);
                self.save_reduce(vm, &rv, None)?;
            } else {
                self.gen_global(vm, module_name, global_name)?;
            }
        }
        self.memo_put(vm, obj)
    }

    /// The GLOBAL opcode (protocols 0 to 3).
    fn gen_global(&mut self, vm: &mut Vm, module: Value, name: Value) -> PyResult<()> {
        let (mut module, mut name) = (module, name);
        if self.proto < 3 && self.fix_imports {
            (module, name) = super::compat_map(
                vm,
                module,
                name,
                "REVERSE_NAME_MAPPING",
                "REVERSE_IMPORT_MAPPING",
            )?;
        }
        let mut out = vec![b'c'];
        for (v, what) in [(&module, "module"), (&name, "global")] {
            let s = vm.str(v)?;
            if self.proto != 3 && !s.is_ascii() {
                return Err(self.error(
                    vm,
                    format!(
                        "can't pickle {what} identifier '{s}' using pickle protocol {}",
                        self.proto
                    ),
                ));
            }
            let bytes = match vm.as_str_obj(v) {
                Some(so) => super::save::str_utf8(so).into_owned(),
                None => s.into_bytes(),
            };
            out.extend_from_slice(&bytes);
            out.push(b'\n');
        }
        self.write(&out);
        Ok(())
    }

    /// The extension registry's code for `(module, name)`: EXT1/2/4.
    fn save_ext(
        &mut self,
        vm: &mut Vm,
        obj: &Value,
        module: &Value,
        name: &Value,
    ) -> PyResult<bool> {
        let copyreg = super::copyreg(vm)?;
        let Value::Obj(reg) = vm.getattr_str(&copyreg, "_extension_registry")? else {
            return Ok(false);
        };
        if !matches!(reg.payload, Payload::Dict(_)) || vm.dict_len(&reg) == 0 {
            return Ok(false);
        }
        let key = vm.new_tuple_of([module.clone(), name.clone()]);
        let Some(code) = vm.dict_get(&reg, &key)? else {
            return Ok(false);
        };
        let Some(n) = crate::objects::int::as_int(&code) else {
            let (r, cr) = (vm.repr(obj)?, vm.repr(&code)?);
            return Err(self.error(
                vm,
                format!("Can't pickle {r}: extension code {cr} isn't an integer"),
            ));
        };
        let c = match n {
            crate::num::Int::Small(c) if c > 0 && c <= 0x7fff_ffff => c as u32,
            _ => {
                let (r, cr) = (vm.repr(obj)?, vm.repr(&code)?);
                return Err(self.error(
                    vm,
                    format!("Can't pickle {r}: extension code {cr} is out of range"),
                ));
            }
        };
        if c <= 0xff {
            self.write(&[0x82, c as u8]);
        } else if c <= 0xffff {
            let b = (c as u16).to_le_bytes();
            self.write(&[0x83, b[0], b[1]]);
        } else {
            let b = c.to_le_bytes();
            self.write(&[0x84, b[0], b[1], b[2], b[3]]);
        }
        Ok(true)
    }

    /// `whichmodule`.
    fn whichmodule(&mut self, vm: &mut Vm, obj: &Value, dotted: &[String]) -> PyResult<Value> {
        if let Some(m) = vm.getattr_opt(obj, "__module__")? {
            if !m.is_none() {
                return Ok(m);
            }
        }
        let modules = vm.modules.clone();
        for (name, module) in vm.dict_items(&modules) {
            if str_of(vm, &name).as_deref() == Some("__main__") || module.is_none() {
                continue;
            }
            if let Ok((found, _)) = deep_attr(vm, &module, dotted) {
                if found.is(obj) {
                    return Ok(name);
                }
            }
        }
        Ok(vm.new_str("__main__"))
    }
}

/// `get_deep_attribute`: the attribute and its parent.
fn deep_attr(vm: &mut Vm, obj: &Value, names: &[String]) -> PyResult<(Value, Value)> {
    let mut parent = obj.clone();
    let mut cur = obj.clone();
    for n in names {
        parent = cur;
        cur = vm.getattr_str(&parent, n)?;
    }
    Ok((cur, parent))
}
