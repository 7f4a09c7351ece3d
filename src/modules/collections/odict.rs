//! `_collections.OrderedDict`: pycvm keeps collections' pure-Python
//! `OrderedDict`, which `collections/__init__.py` then asks this module
//! for (`from _collections import OrderedDict`). A module `__getattr__`
//! hands back that class once its key, item and value views look like
//! CPython's C ones: named `odict_keys`, `odict_items`, `odict_values`
//! (module builtins) with reprs such as `odict_keys(['a', 'b'])`; its
//! iterators raise CPython's "OrderedDict mutated during iteration".

use crate::objects::function::Args;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

/// The views of collections' pure OrderedDict, by their module names.
const VIEWS: [(&str, &str); 3] = [
    ("K", "_OrderedDictKeysView"),
    ("I", "_OrderedDictItemsView"),
    ("V", "_OrderedDictValuesView"),
];

/// `_collections.__getattr__(name)`: `OrderedDict` while `collections`
/// is importing (or after), an AttributeError otherwise.
pub fn module_getattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let name = match args.args.first() {
        Some(v) => vm.str(v)?,
        None => return Err(vm.type_error("__getattr__ expected 1 argument, got 0")),
    };
    let missing = || format!("module '_collections' has no attribute '{name}'");
    if name != "OrderedDict" {
        return Err(vm.attribute_error(missing()));
    }
    let modules = vm.modules.clone();
    let key = vm.new_str("collections");
    let Some(coll) = vm.dict_get(&modules, &key)? else {
        return Err(vm.attribute_error(missing()));
    };
    let Ok(odict) = vm.getattr_str(&coll, "OrderedDict") else {
        return Err(vm.attribute_error(missing()));
    };
    let ns = vm.new_dict();
    let k = vm.new_str("O");
    vm.dict_set(&ns, k, odict.clone())?;
    for (short, long) in VIEWS {
        let Ok(view) = vm.getattr_str(&coll, long) else {
            return Ok(odict);
        };
        let k = vm.new_str(short);
        vm.dict_set(&ns, k, view)?;
    }
    // src/modules/accel/odict_patch.py: renames the pure views (given as
    // globals K, I, V) to the C names.
    let code = crate::modules::accel::compiled_code(vm, "odict_patch")?;
    vm.run_code(&code, ns.clone(), Some(Value::Obj(ns)))?;
    Ok(odict)
}
