//! Where pycvm runs a pure-Python fallback of one of CPython 3.11's C
//! accelerator modules (`_datetime`, `_decimal`, `_pickle`, `_asyncio`),
//! the parts of CPython's behaviour that come from the code being C:
//! its frames never appear in tracebacks, and its classes are static
//! types whose `tp_name` carries the module (`'datetime.timedelta'` in
//! error messages).

use crate::objects::Payload;
use crate::vm::code::Code;

/// Whether `code` is the pure-Python fallback of something CPython 3.11
/// runs in C, so CPython's tracebacks never show its frames: the whole of
/// `datetime.py` (`_datetime`) and `_pydecimal.py` (`_decimal`), pickle's
/// pickler and unpickler (`_pickle`), and `_asyncio`'s part of asyncio
/// (`Future` and `Task` methods, the running-loop functions). pycvm runs
/// the fallback and leaves its frames out likewise; so too the sources
/// pycvm compiles for the accelerators themselves (`modules::accel`).
/// (`_elementtree` is native: modules/elementtree.)
pub fn native_in_cpython(code: &Code) -> bool {
    let name = code.filename();
    let Payload::Str(file) = &name.payload else {
        return false;
    };
    let file = file.as_str();
    if file.starts_with(crate::modules::accel::FILENAME_PREFIX) {
        return true;
    }
    let Some(base) = file.rsplit('/').next() else {
        return false;
    };
    let q = code.qualname_str();
    match base {
        "datetime.py" | "_pydecimal.py" => true,
        "pickle.py" => {
            ["_Pickler.", "_Unpickler.", "_Framer.", "_Unframer."]
                .iter()
                .any(|p| q.starts_with(p))
                || matches!(q, "_dump" | "_dumps" | "_load" | "_loads")
        }
        "futures.py" => q.starts_with("Future.") && file.ends_with("/asyncio/futures.py"),
        "tasks.py" => {
            (q.starts_with("Task.")
                || matches!(
                    q,
                    "_register_task" | "_unregister_task" | "_enter_task" | "_leave_task"
                ))
                && file.ends_with("/asyncio/tasks.py")
        }
        "events.py" => {
            matches!(
                q,
                "get_running_loop" | "_get_running_loop" | "_set_running_loop" | "get_event_loop"
            ) && file.ends_with("/asyncio/events.py")
        }
        _ => false,
    }
}

/// Whether a class being made named `name` in module `module` stands for
/// one of the C accelerators' static types, whose name in messages is
/// dotted (`unsupported operand type(s) for +: 'datetime.timedelta' ...`).
pub fn c_type_in_cpython(module: &str, name: &str) -> bool {
    match module {
        "datetime" => matches!(
            name,
            "date" | "time" | "datetime" | "timedelta" | "tzinfo" | "timezone" | "IsoCalendarDate"
        ),
        "decimal" => matches!(name, "Decimal" | "Context"),
        "zoneinfo" => name == "ZoneInfo",
        "_pickle" => matches!(name, "Pickler" | "Unpickler"),
        "_asyncio" => matches!(name, "Future" | "Task"),
        "xml.etree.ElementTree" => matches!(name, "Element" | "TreeBuilder" | "XMLParser"),
        _ => false,
    }
}
