//! `_warnings`: CPython 3.11's Python/_warnings.c — the filter list, the
//! once registry and the default action shared with the pure-Python
//! `warnings` module (which takes them from here instead of building its
//! own, so importing it needs no `re`), and `warn`/`warn_explicit` with
//! CPython's frame walk (`stacklevel`, importlib frames skipped), registry
//! handling (`__warningregistry__`, the filters version), the six actions,
//! and the output: `warnings._showwarnmsg` when `warnings` is imported,
//! else the native `file:line: Category: message` plus the source line.
//!
//! [`warn`] is `PyErr_WarnEx` for native code.

use crate::vm::value::Truth;
use std::cell::RefCell;

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::errors::PyErr;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The interpreter's warnings state (`struct _warnings_runtime_state`).
struct WarningsState {
    filters: Value,
    once_registry: Value,
    default_action: Value,
    filters_version: i64,
}

crate::interp_local! {
    static STATE: RefCell<Option<WarningsState>> = const { RefCell::new(None) };
}

/// The state, created on first use with CPython's default filters.
fn state_init(vm: &mut Vm) {
    if STATE.with(|s| s.borrow().is_some()) {
        return;
    }
    let filter = |vm: &mut Vm, kind: ExcKind, action: &str, module: Option<&str>| {
        let action = Value::Obj(vm.intern(action));
        let module = match module {
            Some(m) => Value::Obj(vm.intern(m)),
            None => Value::None,
        };
        let cat = Value::Obj(vm.exc_type(kind));
        vm.new_tuple_of([action, Value::None, cat, module, Value::Int(0)])
    };
    let filters = vec![
        filter(vm, ExcKind::DeprecationWarning, "default", Some("__main__")),
        filter(vm, ExcKind::DeprecationWarning, "ignore", None),
        filter(vm, ExcKind::PendingDeprecationWarning, "ignore", None),
        filter(vm, ExcKind::ImportWarning, "ignore", None),
        filter(vm, ExcKind::ResourceWarning, "ignore", None),
    ];
    let st = WarningsState {
        filters: vm.new_list(filters),
        once_registry: Value::Obj(vm.new_dict()),
        default_action: vm.new_str("default"),
        filters_version: 0,
    };
    STATE.with(|s| *s.borrow_mut() = Some(st));
}

fn state_get(vm: &mut Vm, f: impl Fn(&WarningsState) -> Value) -> Value {
    state_init(vm);
    STATE.with(|s| s.borrow().as_ref().map(&f).unwrap_or(Value::None))
}

fn state_set(f: impl FnOnce(&mut WarningsState)) {
    STATE.with(|s| {
        if let Some(st) = s.borrow_mut().as_mut() {
            f(st)
        }
    });
}

fn filters_version(vm: &mut Vm) -> i64 {
    state_init(vm);
    STATE.with(|s| s.borrow().as_ref().map_or(0, |st| st.filters_version))
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_warnings");
    let doc = vm.new_str(
        "_warnings provides basic warning filtering support.\n\
         It is a helper module to speed up interpreter start-up.",
    );
    vm.set_attr_raw(&m, "__doc__", doc);
    let filters = state_get(vm, |s| s.filters.clone());
    let default_action = state_get(vm, |s| s.default_action.clone());
    let once = state_get(vm, |s| s.once_registry.clone());
    vm.set_attr_raw(&m, "filters", filters);
    vm.set_attr_raw(&m, "_defaultaction", default_action);
    vm.set_attr_raw(&m, "_onceregistry", once);
    vm.add_functions(
        &m,
        &[
            ("warn", warnings_warn),
            ("warn_explicit", warnings_warn_explicit),
            ("_filters_mutated", warnings_filters_mutated),
        ],
    );
    Ok(m)
}

/// `PyErr_WarnEx`: issue a warning of `category` from native code, as if
/// `warnings.warn(message, category, stacklevel)` ran in the current frame.
pub fn warn(vm: &mut Vm, category: ExcKind, message: &str, stacklevel: i64) -> PyResult<()> {
    let cat = Value::Obj(vm.exc_type(category));
    let msg = vm.new_str(message);
    do_warn(vm, msg, cat, stacklevel, None).map(|_| ())
}

/// `warn(message, category=None, stacklevel=1, source=None)`.
fn warnings_warn(vm: &mut Vm, args: Args) -> PyResult<Value> {
    const NAMES: [&str; 4] = ["message", "category", "stacklevel", "source"];
    let a = crate::modules::io::parse_args(vm, &args, "warn", &NAMES, 1, 0)?;
    let mut it = a.into_iter();
    let message = it.next().flatten().unwrap_or(Value::None);
    let category = it.next().flatten().unwrap_or(Value::None);
    let stacklevel = match it.next().flatten() {
        Some(v) => ssize_arg(vm, &v)?,
        None => 1,
    };
    let source = it.next().flatten().filter(|v| !matches!(v, Value::None));
    let category = get_category(vm, &message, category)?;
    do_warn(vm, message, category, stacklevel, source)
}

/// A `Py_ssize_t` argument (`__index__`; OverflowError beyond the range).
fn ssize_arg(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    if let Value::Obj(o) = v {
        if let Payload::Int(b) = &o.payload {
            return num_traits::ToPrimitive::to_i64(b)
                .ok_or_else(|| vm.overflow_error("Python int too large to convert to C ssize_t"));
        }
    }
    match vm.index_value(v)? {
        Some(i) => Ok(i),
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(v)
        ))),
    }
}

/// The category of a warning: the message's class for a Warning instance,
/// else `category` (UserWarning for None), which must subclass Warning.
fn get_category(vm: &mut Vm, message: &Value, category: Value) -> PyResult<Value> {
    let warning = Value::Obj(vm.exc_type(ExcKind::Warning));
    let category = if vm.isinstance(message, &warning)? {
        Value::Obj(vm.type_of(message))
    } else if matches!(category, Value::None) {
        Value::Obj(vm.exc_type(ExcKind::UserWarning))
    } else {
        category
    };
    if !matches!(vm.issubclass(&category, &warning), Ok(true)) {
        return Err(vm.type_error(format!(
            "category must be a Warning subclass, not '{}'",
            vm.type_name_of(&category)
        )));
    }
    Ok(category)
}

/// Whether the frame at `idx` runs importlib's bootstrap (skipped when
/// counting `stacklevel`).
fn is_internal_frame(vm: &Vm, idx: Option<usize>) -> bool {
    let Some(f) = idx.and_then(|i| vm.frames.get(i)) else {
        return false;
    };
    let name = f.code.filename_string();
    name.contains("importlib") && name.contains("_bootstrap")
}

fn next_external_frame(vm: &Vm, mut idx: Option<usize>) -> Option<usize> {
    loop {
        idx = idx.and_then(|i| i.checked_sub(1));
        if idx.is_none() || !is_internal_frame(vm, idx) {
            return idx;
        }
    }
}

/// Where a warning comes from: `setup_context`.
struct Context {
    filename: Value,
    lineno: i64,
    module: Value,
    registry: Value,
}

fn setup_context(vm: &mut Vm, stack_level: i64) -> PyResult<Context> {
    let mut idx = vm.frames.len().checked_sub(1);
    let mut level = stack_level;
    if level <= 0 || is_internal_frame(vm, idx) {
        loop {
            level -= 1;
            if level <= 0 || idx.is_none() {
                break;
            }
            idx = idx.and_then(|i| i.checked_sub(1));
        }
    } else {
        loop {
            level -= 1;
            if level <= 0 || idx.is_none() {
                break;
            }
            idx = next_external_frame(vm, idx);
        }
    }
    let frame = idx.and_then(|i| vm.frames.get(i));
    let (globals, filename, lineno) = match frame {
        Some(f) => (
            f.globals.clone(),
            Value::Obj(f.code.filename()),
            f.code.line_of(f.lasti).map_or(-1, i64::from),
        ),
        None => {
            let sysdict = vm.sys.dict();
            let Some(d) = sysdict else {
                return Err(vm.runtime_error("lost sys module dict"));
            };
            (d, vm.new_str("sys"), 1)
        }
    };
    let key = vm.new_str("__warningregistry__");
    let registry = match vm.dict_get(&globals, &key)? {
        Some(r) => r,
        None => {
            let r = Value::Obj(vm.new_dict());
            vm.dict_set(&globals, key, r.clone())?;
            r
        }
    };
    let name_key = vm.new_str("__name__");
    let module = match vm.dict_get(&globals, &name_key)? {
        Some(m) if matches!(m, Value::None) || vm.as_str_obj(&m).is_some() => m,
        _ => vm.new_str("<string>"),
    };
    Ok(Context {
        filename,
        lineno,
        module,
        registry,
    })
}

fn do_warn(
    vm: &mut Vm,
    message: Value,
    category: Value,
    stack_level: i64,
    source: Option<Value>,
) -> PyResult<Value> {
    let ctx = setup_context(vm, stack_level)?;
    warn_explicit(
        vm,
        category,
        message,
        ctx.filename,
        ctx.lineno,
        Some(ctx.module),
        Some(ctx.registry),
        None,
        source,
    )
}

/// `warn_explicit(message, category, filename, lineno, module=None,
/// registry=None, module_globals=None, source=None)`.
fn warnings_warn_explicit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    const NAMES: [&str; 8] = [
        "message",
        "category",
        "filename",
        "lineno",
        "module",
        "registry",
        "module_globals",
        "source",
    ];
    let a = crate::modules::io::parse_args(vm, &args, "warn_explicit", &NAMES, 4, 0)?;
    let mut it = a.into_iter();
    let message = it.next().flatten().unwrap_or(Value::None);
    let category = it.next().flatten().unwrap_or(Value::None);
    let filename = it.next().flatten().unwrap_or(Value::None);
    if vm.as_str_obj(&filename).is_none() {
        return Err(vm.type_error(format!(
            "warn_explicit() argument 3 must be str, not {}",
            vm.arg_type_name(&filename)
        )));
    }
    let lineno = match it.next().flatten() {
        Some(v) => int_arg(vm, &v)?,
        None => 0,
    };
    let module = it.next().flatten();
    let registry = it.next().flatten();
    let module_globals = it.next().flatten();
    let source = it.next().flatten();
    let mut source_line = None;
    if let Some(g) = module_globals.filter(|g| !matches!(g, Value::None)) {
        let Value::Obj(d) = &g else {
            return Err(vm.type_error(format!(
                "module_globals must be a dict, not '{}'",
                vm.type_name_of(&g)
            )));
        };
        if !matches!(d.payload, Payload::Dict(_)) {
            return Err(vm.type_error(format!(
                "module_globals must be a dict, not '{}'",
                vm.type_name_of(&g)
            )));
        }
        source_line = get_source_line(vm, d, lineno)?;
    }
    let source = source.filter(|v| !matches!(v, Value::None));
    warn_explicit(
        vm,
        category,
        message,
        filename,
        lineno,
        module,
        registry,
        source_line,
        source,
    )
}

/// An `int` argument (the `i` format: `__index__`, C int range).
fn int_arg(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    if let Value::Float(_) = v {
        return Err(vm.type_error("'float' object cannot be interpreted as an integer"));
    }
    let i = ssize_arg(vm, v).map_err(|e| {
        if vm.err_is(&e, ExcKind::OverflowError) {
            vm.overflow_error("signed integer is greater than maximum")
        } else {
            e
        }
    })?;
    if i > i64::from(i32::MAX) {
        return Err(vm.overflow_error("signed integer is greater than maximum"));
    }
    if i < i64::from(i32::MIN) {
        return Err(vm.overflow_error("signed integer is less than minimum"));
    }
    Ok(i)
}

/// Line `lineno` of the module's source via `__loader__.get_source`.
fn get_source_line(vm: &mut Vm, globals: &PyRef, lineno: i64) -> PyResult<Option<Value>> {
    let lk = vm.new_str("__loader__");
    let Some(loader) = vm.dict_get(globals, &lk)? else {
        return Ok(None);
    };
    let nk = vm.new_str("__name__");
    let Some(name) = vm.dict_get(globals, &nk)? else {
        return Ok(None);
    };
    let Some(get_source) = vm.getattr_opt(&loader, "get_source")? else {
        return Ok(None);
    };
    let source = vm.call(&get_source, &[name])?;
    if matches!(source, Value::None) {
        return Ok(None);
    }
    let lines = vm.call_method(&source, "splitlines", &[])?;
    let items = vm.seq_items(&lines).unwrap_or_default();
    match usize::try_from(lineno - 1).ok().and_then(|i| items.get(i)) {
        Some(l) => Ok(Some(l.clone())),
        None => Err(vm.index_error("list index out of range")),
    }
}

/// `_filters_mutated()`: bump the filters version so registries reset.
fn warnings_filters_mutated(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("_filters_mutated", args, 0, 0)?;
    state_init(vm);
    state_set(|s| s.filters_version += 1);
    Ok(Value::None)
}

/// `sys.modules['warnings'].<attr>` (imported first when `try_import`),
/// None when the module or the attribute is missing.
fn get_warnings_attr(vm: &mut Vm, attr: &str, try_import: bool) -> PyResult<Option<Value>> {
    let module = if try_import {
        match vm.import_by_name("warnings") {
            Ok(m) => m,
            Err(e) if vm.err_is(&e, ExcKind::ImportError) => return Ok(None),
            Err(e) => return Err(e),
        }
    } else {
        let modules = vm.modules.clone();
        let key = vm.new_str("warnings");
        match vm.dict_get(&modules, &key)? {
            Some(m) => m,
            None => return Ok(None),
        }
    };
    vm.getattr_opt(&module, attr)
}

fn is_dict(v: &Value) -> bool {
    matches!(v, Value::Obj(o) if matches!(o.payload, Payload::Dict(_)))
}

fn get_once_registry(vm: &mut Vm) -> PyResult<Value> {
    match get_warnings_attr(vm, "onceregistry", false)? {
        None => Ok(state_get(vm, |s| s.once_registry.clone())),
        Some(r) if is_dict(&r) => {
            let keep = r.clone();
            state_set(|s| s.once_registry = keep);
            Ok(r)
        }
        Some(r) => Err(vm.type_error(format!(
            "_warnings.onceregistry must be a dict, not '{}'",
            vm.type_name_of(&r)
        ))),
    }
}

fn get_default_action(vm: &mut Vm) -> PyResult<Value> {
    match get_warnings_attr(vm, "defaultaction", false)? {
        None => Ok(state_get(vm, |s| s.default_action.clone())),
        Some(a) if vm.as_str_obj(&a).is_some() => {
            let keep = a.clone();
            state_set(|s| s.default_action = keep);
            Ok(a)
        }
        Some(a) => Err(vm.type_error(format!(
            "_warnings.defaultaction must be a string, not '{}'",
            vm.type_name_of(&a)
        ))),
    }
}

/// Whether a filter's message or module part matches: None always, an
/// exact str by equality, else its `match` method (a compiled regex).
fn check_matched(vm: &mut Vm, obj: &Value, arg: &Value) -> PyResult<bool> {
    if matches!(obj, Value::None) {
        return Ok(true);
    }
    if vm.exact(obj, &vm.types.str.clone()) {
        if vm.as_str_obj(arg).is_none() {
            return Err(vm.type_error(format!("Can't compare str and {}", vm.type_name_of(arg))));
        }
        return vm.eq(obj, arg);
    }
    let r = vm.call_method(obj, "match", &[arg.clone()])?;
    vm.truthy(&r)
}

/// The action of the first filter matching, and that filter (None for
/// the default action).
fn get_filter(
    vm: &mut Vm,
    category: &Value,
    text: &Value,
    lineno: i64,
    module: &Value,
) -> PyResult<(Value, Value)> {
    state_init(vm);
    if let Some(f) = get_warnings_attr(vm, "filters", false)? {
        let keep = f.clone();
        state_set(|s| s.filters = keep);
    }
    let filters = state_get(vm, |s| s.filters.clone());
    let list = match &filters {
        Value::Obj(o) if matches!(o.payload, Payload::List(_)) => o.clone(),
        _ => return Err(vm.value_error("_warnings.filters must be a list")),
    };
    let mut i = 0usize;
    loop {
        let item = match &list.payload {
            Payload::List(l) => l.borrow().get(i).cloned(),
            _ => None,
        };
        let Some(item) = item else { break };
        let parts = match &item {
            Value::Obj(o) => match &o.payload {
                Payload::Tuple(t) if t.len() == 5 => Some(t.to_vec()),
                _ => None,
            },
            _ => None,
        };
        let Some([action, msg, cat, modf, ln]) = parts.and_then(|p| <[Value; 5]>::try_from(p).ok())
        else {
            return Err(vm.value_error(format!("_warnings.filters item {i} isn't a 5-tuple")));
        };
        if vm.as_str_obj(&action).is_none() {
            return Err(vm.type_error(format!(
                "action must be a string, not '{}'",
                vm.type_name_of(&action)
            )));
        }
        let good_msg = check_matched(vm, &msg, text)?;
        let good_mod = check_matched(vm, &modf, module)?;
        let is_subclass = vm.issubclass(category, &cat)?;
        let ln = match &ln {
            Value::Int(n) => *n,
            Value::Bool(b) => i64::from(b.get()),
            Value::Obj(o) if matches!(o.payload, Payload::Int(_)) => ssize_arg(vm, &ln)?,
            _ => return Err(vm.type_error("an integer is required")),
        };
        if good_msg && is_subclass && good_mod && (ln == 0 || lineno == ln) {
            return Ok((action, item));
        }
        i += 1;
    }
    Ok((get_default_action(vm)?, Value::None))
}

/// Whether `key` was already warned about in `registry` (resetting the
/// registry when the filters changed since it was filled); with
/// `should_set`, record it.
fn already_warned(vm: &mut Vm, registry: &PyRef, key: Value, should_set: bool) -> PyResult<bool> {
    let version = filters_version(vm);
    let vkey = vm.new_str("version");
    let current = vm.dict_get(registry, &vkey)?;
    if matches!(current, Some(Value::Int(v)) if v == version) {
        if let Some(flag) = vm.dict_get(registry, &key)? {
            if vm.truthy(&flag)? {
                return Ok(true);
            }
        }
    } else {
        let old = match &registry.payload {
            Payload::Dict(t) => Some(std::mem::take(&mut *t.borrow_mut())),
            _ => None,
        };
        drop(old);
        vm.dict_set(registry, vkey, Value::Int(version))?;
    }
    if should_set {
        vm.dict_set(registry, key, Value::Bool(Truth::True))?;
    }
    Ok(false)
}

/// `filename` without a trailing `.py` (`<unknown>` when empty).
fn normalize_module(vm: &Vm, filename: &Value) -> Value {
    let s = vm
        .as_str_obj(filename)
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    if s.is_empty() {
        return vm.new_str("<unknown>");
    }
    match s.strip_suffix(".py") {
        Some(stem) => vm.new_str(stem),
        None => filename.clone(),
    }
}

#[allow(clippy::too_many_arguments)]
fn warn_explicit(
    vm: &mut Vm,
    category: Value,
    message: Value,
    filename: Value,
    lineno: i64,
    module: Option<Value>,
    registry: Option<Value>,
    sourceline: Option<Value>,
    source: Option<Value>,
) -> PyResult<Value> {
    // A warning issued late in shutdown, when modules are gone: ignored.
    if matches!(module, Some(Value::None)) {
        return Ok(Value::None);
    }
    let registry = match registry {
        None | Some(Value::None) => None,
        Some(Value::Obj(d)) if matches!(d.payload, Payload::Dict(_)) => Some(d),
        Some(_) => return Err(vm.type_error("'registry' must be a dict or None")),
    };
    let module = match module {
        Some(m) => m,
        None => normalize_module(vm, &filename),
    };
    let warning = Value::Obj(vm.exc_type(ExcKind::Warning));
    let (text, category, message) = if vm.isinstance(&message, &warning)? {
        let text = vm.str_value(&message)?;
        (text, Value::Obj(vm.type_of(&message)), message)
    } else {
        let m = vm.call(&category, std::slice::from_ref(&message))?;
        (message, category, m)
    };
    let lineno_obj = Value::Int(lineno);
    let key = vm.new_tuple_of([text.clone(), category.clone(), lineno_obj.clone()]);
    if let Some(r) = &registry {
        if already_warned(vm, r, key.clone(), false)? {
            return Ok(Value::None);
        }
    }
    let (action, item) = get_filter(vm, &category, &text, lineno, &module)?;
    let action_s = vm
        .as_str_obj(&action)
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    match action_s.as_str() {
        "error" => return Err(raise_warning(vm, &category, message)),
        "ignore" => return Ok(Value::None),
        _ => {}
    }
    let mut warned = false;
    if action_s != "always" {
        if let Some(r) = &registry {
            vm.dict_set(r, key, Value::Bool(Truth::True))?;
        }
        match action_s.as_str() {
            "once" => {
                let reg = match &registry {
                    Some(r) => Value::Obj(r.clone()),
                    None => get_once_registry(vm)?,
                };
                if let Value::Obj(r) = &reg {
                    let alt = vm.new_tuple_of([text.clone(), category.clone()]);
                    warned = already_warned(vm, r, alt, true)?;
                }
            }
            "module" => {
                if let Some(r) = &registry {
                    let alt = vm.new_tuple_of([text.clone(), category.clone()]);
                    warned = already_warned(vm, r, alt, true)?;
                }
            }
            "default" => {}
            _ => {
                let a = vm.repr(&action)?;
                let it = vm.repr(&item)?;
                return Err(vm.runtime_error(format!(
                    "Unrecognized action ({a}) in warnings.filters:\n {it}"
                )));
            }
        }
    }
    if warned {
        return Ok(Value::None);
    }
    call_show_warning(
        vm, &category, &text, &message, &filename, lineno, sourceline, source,
    )?;
    Ok(Value::None)
}

/// `PyErr_SetObject(category, message)` for the "error" action.
fn raise_warning(vm: &mut Vm, category: &Value, message: Value) -> PyErr {
    let base = Value::Obj(vm.exc_type(ExcKind::BaseException));
    match (&message, vm.isinstance(&message, &base)) {
        (Value::Obj(o), Ok(true)) => PyErr(o.clone()),
        _ => match vm.call(category, std::slice::from_ref(&message)) {
            Ok(Value::Obj(o))
                if vm
                    .isinstance(&Value::Obj(o.clone()), &base)
                    .unwrap_or(false) =>
            {
                PyErr(o)
            }
            Ok(_) => vm.type_error("exceptions must derive from BaseException"),
            Err(e) => e,
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn call_show_warning(
    vm: &mut Vm,
    category: &Value,
    text: &Value,
    message: &Value,
    filename: &Value,
    lineno: i64,
    sourceline: Option<Value>,
    source: Option<Value>,
) -> PyResult<()> {
    let Some(show) = get_warnings_attr(vm, "_showwarnmsg", source.is_some())? else {
        show_warning(vm, filename, lineno, text, category, sourceline);
        return Ok(());
    };
    if !vm.callable(&show) {
        return Err(vm.type_error("warnings._showwarnmsg() must be set to a callable"));
    }
    let Some(cls) = get_warnings_attr(vm, "WarningMessage", false)? else {
        return Err(vm.runtime_error("unable to get warnings.WarningMessage"));
    };
    let msg = vm.call(
        &cls,
        &[
            message.clone(),
            category.clone(),
            filename.clone(),
            Value::Int(lineno),
            Value::None,
            Value::None,
            source.unwrap_or(Value::None),
        ],
    )?;
    vm.call(&show, &[msg])?;
    Ok(())
}

/// The native output: `filename:lineno: Category: text` and the source
/// line, on `sys.stderr`; errors while writing are dropped.
fn show_warning(
    vm: &mut Vm,
    filename: &Value,
    lineno: i64,
    text: &Value,
    category: &Value,
    sourceline: Option<Value>,
) {
    let _ = show_warning_inner(vm, filename, lineno, text, category, sourceline);
}

fn show_warning_inner(
    vm: &mut Vm,
    filename: &Value,
    lineno: i64,
    text: &Value,
    category: &Value,
    sourceline: Option<Value>,
) -> PyResult<()> {
    let name = vm.getattr_str(category, "__name__")?;
    let Some(stderr) = vm.get_attr_raw(&vm.sys.clone(), "stderr") else {
        eprintln!("lost sys.stderr");
        return Ok(());
    };
    let write = |vm: &mut Vm, v: Value| -> PyResult<()> {
        let s = vm.str_value(&v)?;
        vm.call_method(&stderr, "write", &[s])?;
        Ok(())
    };
    write(vm, filename.clone())?;
    write(vm, vm.new_string(format!(":{lineno}: ")))?;
    write(vm, name)?;
    write(vm, vm.new_str(": "))?;
    write(vm, text.clone())?;
    write(vm, vm.new_str("\n"))?;
    match sourceline {
        // CPython computes the dedented line but writes the original one.
        Some(line) => {
            write(vm, line)?;
            write(vm, vm.new_str("\n"))?;
        }
        None => {
            let file = vm
                .as_str_obj(filename)
                .map(|s| s.as_str().to_string())
                .unwrap_or_default();
            let line = usize::try_from(lineno - 1)
                .ok()
                .and_then(|i| vm.read_source(&file).and_then(|l| l.get(i).cloned()));
            if let Some(line) = line {
                let line = line.trim_start_matches([' ', '\t', '\x0c']);
                write(vm, vm.new_string(format!("  {line}\n")))?;
            }
        }
    }
    Ok(())
}
