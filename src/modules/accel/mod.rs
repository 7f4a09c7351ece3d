//! CPython 3.11's C accelerator modules (`_datetime`, `_decimal`,
//! `_pickle`, `_zoneinfo`) as pycvm provides
//! them: each is a short Python source compiled into the binary that takes
//! the stdlib's pure-Python implementation (which every one of these
//! modules has) and gives it the behaviour a program can see of the C
//! version: its messages, reprs, exception arguments and hashes. The
//! sources' frames never show in tracebacks (they stand for C code; see
//! `objects::c_accel`), and their code objects are named `<pycvm:NAME>`.

use crate::objects::rc::Rc;

use crate::vm::code::Code;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

mod compiled;

/// The filename prefix of every accelerator source's code objects.
pub const FILENAME_PREFIX: &str = "<pycvm:";

/// The code object of the accelerator source `src` (its file name in
/// src/modules/accel without `.py`), which scripts/gen_accel.py compiled
/// with CPython 3.11 into the binary: unmarshalled, not compiled, on each
/// import.
pub fn compiled_code(vm: &mut Vm, src: &str) -> PyResult<Rc<Code>> {
    let Some((_, _, data)) = compiled::COMPILED.iter().find(|(n, _, _)| *n == src) else {
        return Err(vm.system_error(format!("no compiled accelerator source {src}")));
    };
    let obj = crate::pyc::marshal::loads(data)
        .map_err(|e| vm.system_error(format!("accelerator source {src} is invalid: {e}")))?;
    match vm.const_value(&obj) {
        Value::Obj(o) => match &o.payload {
            crate::objects::Payload::Code(c) => Ok(c.clone()),
            _ => Err(vm.system_error("accelerator source without a code object")),
        },
        _ => Err(vm.system_error("accelerator source without a code object")),
    }
}

/// How CPython 3.11 imports one of its single-phase C modules again once
/// it is gone from `sys.modules` (`import_find_extension`).
enum Reinit {
    /// `m_size == -1` (`_decimal`, `_datetime`; CPython's `_asyncio` too,
    /// but pycvm's native one is made again): a new module
    /// whose dict is updated from a copy of the first one's, made right
    /// after its initialisation (`m_copy`): nothing runs again, and the
    /// types and functions are the same objects.
    Copy,
    /// The init function finds its module with `PyState_FindModule`
    /// (`_pickle`, `_elementtree`): the same module object again.
    Same,
}

fn reinit_of(name: &str) -> Option<Reinit> {
    match name {
        "_decimal" | "_datetime" => Some(Reinit::Copy),
        "_pickle" | "_elementtree" => Some(Reinit::Same),
        _ => None,
    }
}

/// The module a second import of the accelerator module `name` gives
/// (see [`Reinit`]), if it was made before; None: make it.
pub fn reimport(vm: &mut Vm, name: &str) -> PyResult<Option<Value>> {
    let (Some(kind), Some(saved)) = (reinit_of(name), vm.import.extensions.get(name).cloned())
    else {
        return Ok(None);
    };
    match kind {
        Reinit::Same => Ok(Some(saved)),
        Reinit::Copy => {
            let Value::Obj(copy) = &saved else {
                return Ok(None);
            };
            let m = vm.new_module(name);
            let Some(d) = m.dict() else {
                return Err(vm.system_error("module without a dict"));
            };
            crate::objects::dict::dict_update_from(vm, &d, &Value::Obj(copy.clone()))?;
            Ok(Some(Value::Obj(m)))
        }
    }
}

/// Keep what [`reimport`] needs of the accelerator module `m` just made.
pub fn remember(vm: &mut Vm, name: &str, m: &Value) -> PyResult<()> {
    let Some(kind) = reinit_of(name) else {
        return Ok(());
    };
    if vm.import.extensions.contains_key(name) {
        return Ok(());
    }
    let saved = match kind {
        Reinit::Same => m.clone(),
        Reinit::Copy => {
            let Value::Obj(mo) = m else {
                return Ok(());
            };
            let Some(d) = mo.dict() else {
                return Ok(());
            };
            Value::Obj(vm.dict_copy_of(&d)?)
        }
    };
    vm.import.extensions.insert(name.to_string(), saved);
    Ok(())
}

/// Run the accelerator source `src` (see `compiled_code`) as the module
/// `name`.
/// Imported before `parent` (the stdlib module that imports it, whose
/// pure-Python classes it takes), it imports `parent` first, which
/// imports `name` in turn; that module is then the one to return, so the
/// two share their classes as CPython's do.
fn load(vm: &mut Vm, name: &str, parent: Option<&str>, src: &str) -> PyResult<PyRef> {
    if let Some(parent) = parent {
        let modules = vm.modules.clone();
        let key = vm.new_str(parent);
        if vm.dict_get(&modules, &key)?.is_none() {
            vm.import_by_name(parent)?;
            let key = vm.new_str(name);
            if let Some(Value::Obj(m)) = vm.dict_get(&modules, &key)? {
                return Ok(m);
            }
        }
    }
    let m = vm.new_module(name);
    let code = compiled_code(vm, src)?;
    let Some(globals) = m.dict() else {
        return Err(vm.system_error("module without a dict"));
    };
    vm.run_code(&code, globals.clone(), Some(Value::Obj(globals)))?;
    Ok(m)
}

/// `_zoneinfo`: `ZoneInfo` whose repr names `zoneinfo.ZoneInfo`.
pub fn init_zoneinfo(vm: &mut Vm) -> PyResult<PyRef> {
    load(vm, "_zoneinfo", Some("zoneinfo"), "zoneinfo")
}

/// `_datetime`: the datetime types with the C module's messages, reprs
/// and hashes.
pub fn init_datetime(vm: &mut Vm) -> PyResult<PyRef> {
    load(vm, "_datetime", Some("datetime"), "datetime")
}

/// `_decimal`: the decimal types with libmpdec's signal arguments, signal
/// dicts and messages.
/// Its hot methods are native (src/modules/decimal).
pub fn init_decimal(vm: &mut Vm) -> PyResult<PyRef> {
    let m = load(vm, "_decimal", None, "decimal")?;
    crate::modules::decimal::install(vm, &m)?;
    Ok(m)
}

#[cfg(test)]
mod tests {
    /// FNV-1a, as scripts/gen_accel.py hashes the sources.
    fn fnv1a(data: &[u8]) -> u64 {
        data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
    }

    /// The compiled code in the binary is that of the sources as they are
    /// (else rerun scripts/gen_accel.py).
    #[test]
    fn compiled_sources_are_current() {
        let sources: [(&str, &str); 5] = [
            ("datetime", include_str!("datetime.py")),
            ("decimal", include_str!("decimal.py")),
            ("pickle", include_str!("pickle.py")),
            ("zoneinfo", include_str!("zoneinfo.py")),
            ("odict_patch", include_str!("odict_patch.py")),
        ];
        assert_eq!(sources.len(), super::compiled::COMPILED.len());
        for (name, text) in sources {
            let entry = super::compiled::COMPILED
                .iter()
                .find(|(n, _, _)| *n == name);
            let hash = entry.map(|(_, h, _)| *h);
            assert_eq!(
                hash,
                Some(fnv1a(text.as_bytes())),
                "src/modules/accel/{name}.py changed: run scripts/gen_accel.py"
            );
        }
    }
}
