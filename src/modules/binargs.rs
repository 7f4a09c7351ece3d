//! Argument parsing shared by the binary-data modules (`_struct`,
//! `binascii`, `zlib`, the hash modules, `array`, `marshal`): CPython's
//! Argument Clinic rules (`_PyArg_UnpackKeywords`) and messages, plus the
//! buffer and integer conversions those modules use.

use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::proto::str_of;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

/// The signature of a function: `pos` parameters (the first `posonly` of
/// them positional-only), then keyword-only `kwonly`; the first `required`
/// positional parameters must be given.
pub struct Sig<'a> {
    pub name: &'a str,
    pub pos: &'a [&'a str],
    pub posonly: usize,
    pub required: usize,
    pub kwonly: &'a [&'a str],
}

impl Sig<'_> {
    /// Bind `args` (no self) to the parameters: one slot per parameter,
    /// positional ones first, then the keyword-only ones.
    pub fn bind(&self, vm: &Vm, args: &Args, skip: usize) -> PyResult<Vec<Option<Value>>> {
        let pos = args.pos().get(skip..).unwrap_or(&[]);
        let n = self.pos.len();
        let fname = self.name;
        if pos.len() > n {
            let how = if self.required < n {
                "at most"
            } else {
                "exactly"
            };
            let msg = if n == 0 {
                format!("{fname}() takes no positional arguments")
            } else {
                format!(
                    "{fname}() takes {how} {n} positional argument{} ({} given)",
                    if n == 1 { "" } else { "s" },
                    pos.len()
                )
            };
            return Err(vm.type_error(msg));
        }
        let need = self.required.min(self.posonly);
        if pos.len() < need {
            return Err(vm.type_error(format!(
                "{fname}() takes {} {need} positional argument{} ({} given)",
                if self.required < n {
                    "at least"
                } else {
                    "exactly"
                },
                if need == 1 { "" } else { "s" },
                pos.len()
            )));
        }
        let mut out: Vec<Option<Value>> = vec![None; n + self.kwonly.len()];
        for (slot, v) in out.iter_mut().zip(pos) {
            *slot = Some(v.clone());
        }
        for (k, v) in args.kwargs() {
            let key = str_of(k);
            let at = self
                .pos
                .iter()
                .position(|p| *p == key)
                .filter(|&i| i >= self.posonly)
                .or_else(|| self.kwonly.iter().position(|p| *p == key).map(|i| i + n));
            match at {
                Some(i) if i < pos.len() => {
                    return Err(vm.type_error(format!(
                        "argument for {fname}() given by name ('{key}') and position ({})",
                        i + 1
                    )))
                }
                Some(i) => {
                    if let Some(slot) = out.get_mut(i) {
                        *slot = Some(v.clone());
                    }
                }
                None => {
                    return Err(vm.type_error(format!(
                        "'{key}' is an invalid keyword argument for {fname}()"
                    )))
                }
            }
        }
        for (i, p) in self.pos.iter().enumerate().take(self.required) {
            if out.get(i).is_some_and(|v| v.is_none()) {
                if i < self.posonly {
                    return Err(vm.type_error(format!(
                        "{fname}() takes {} {} positional argument{} ({} given)",
                        if self.required < n {
                            "at least"
                        } else {
                            "exactly"
                        },
                        self.required,
                        if self.required == 1 { "" } else { "s" },
                        pos.len()
                    )));
                }
                return Err(vm.type_error(format!(
                    "{fname}() missing required argument '{p}' (pos {})",
                    i + 1
                )));
            }
        }
        Ok(out)
    }
}

/// The bytes of a buffer-exporting object (bytes, bytearray, memoryview,
/// array), or None.
pub fn buffer_of(vm: &mut Vm, v: &Value) -> PyResult<Option<Vec<u8>>> {
    if let Some(b) = crate::objects::bytes::buffer_bytes(vm, v)? {
        return Ok(Some(b));
    }
    Ok(super::array::array_bytes(vm, v))
}

/// A required bytes-like argument, with CPython's
/// `a bytes-like object is required, not 'T'`.
pub fn need_bytes(vm: &mut Vm, v: &Value) -> PyResult<Vec<u8>> {
    match buffer_of(vm, v)? {
        Some(b) => Ok(b),
        None => Err(vm.type_error(format!(
            "a bytes-like object is required, not '{}'",
            vm.type_name_of(v)
        ))),
    }
}

/// Whether `v` is a str.
pub fn is_str(v: &Value) -> bool {
    matches!(v, Value::Obj(o) if matches!(o.payload, Payload::Str(_)))
}

/// An int argument as i64 via `__index__`, OverflowError past i64
/// (`Py_ssize_t` conversion: "Python int too large to convert to C ssize_t").
pub fn ssize_arg(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    if is_float(v) {
        return Err(vm.type_error("'float' object cannot be interpreted as an integer"));
    }
    match vm.index_int(v)? {
        crate::num::Int::Small(i) => Ok(i),
        crate::num::Int::Big(_) => {
            Err(vm.overflow_error("Python int too large to convert to C ssize_t"))
        }
    }
}

/// A C `int` argument (`_PyLong_AsInt`): TypeError for non-ints,
/// OverflowError past 32 bits.
pub fn int_arg(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    if is_float(v) {
        return Err(vm.type_error("'float' object cannot be interpreted as an integer"));
    }
    let i = match vm.index_int(v)? {
        crate::num::Int::Small(i) => i,
        crate::num::Int::Big(_) => i64::MAX,
    };
    if i > i32::MAX as i64 {
        return Err(vm.overflow_error("Python int too large to convert to C int"));
    }
    if i < i32::MIN as i64 {
        return Err(vm.overflow_error("Python int too small to convert to C int"));
    }
    Ok(i)
}

/// Python truthiness of an optional argument (`default` when absent).
pub fn bool_arg(vm: &mut Vm, v: &Option<Value>, default: bool) -> PyResult<bool> {
    match v {
        Some(v) => vm.truthy(v),
        None => Ok(default),
    }
}

/// Whether `v` is a float (subclass instances included).
pub fn is_float(v: &Value) -> bool {
    match v {
        Value::Float(_) => true,
        Value::Obj(o) => matches!(o.payload, Payload::Float(_)),
        _ => false,
    }
}

/// Add functions to module `m` that receive the module as their first
/// argument (CPython's `METH_*` functions with the module as `self`), so
/// they can find the module's types.
pub fn add_module_functions(
    vm: &mut Vm,
    m: &crate::vm::value::PyRef,
    funcs: &[(&'static str, crate::objects::function::NativeFn)],
) {
    if let Payload::Module(md) = &m.payload {
        crate::objects::builtin_sigs::register_module_functions(&md.name, funcs);
    }
    for (name, f) in funcs {
        let b = vm.new_obj(
            &vm.types.builtin_function,
            Payload::Builtin(Box::new(crate::objects::function::Builtin {
                name,
                guards: crate::vm::call::builtin_call_guards(name),
                func: *f,
                self_: Some(Value::Obj(m.clone())),
                owner: None,
            })),
        );
        vm.set_attr_raw(m, name, Value::Obj(b));
    }
}

/// Attribute `name` of the module passed as a function's first argument.
pub fn module_attr(vm: &Vm, args: &Args, name: &str) -> PyResult<Value> {
    match args.args.first() {
        Some(Value::Obj(m)) => vm
            .get_attr_raw(m, name)
            .ok_or_else(|| vm.system_error(format!("module attribute {name} missing"))),
        _ => Err(vm.system_error("module function called without its module")),
    }
}

/// A new exception class `module.name` deriving from `base`
/// (`PyErr_NewException("module.name", base, NULL)`).
pub fn new_exc_class(
    vm: &mut Vm,
    module: &str,
    name: &str,
    base: crate::vm::value::PyRef,
) -> PyResult<crate::vm::value::PyRef> {
    let ns = vm.new_dict();
    let key = vm.new_str("__module__");
    let m = vm.new_str(module);
    vm.dict_set_nocall(&ns, key, m)?;
    let meta = vm.types.type_.clone();
    match vm.make_class(&meta, name, vec![base], &ns, Vec::new())? {
        Value::Obj(c) => Ok(c),
        _ => Err(vm.system_error("exception class creation failed")),
    }
}

/// An exception of class `cls` with message `msg`.
pub fn raise(vm: &Vm, cls: &crate::vm::value::PyRef, msg: impl Into<String>) -> crate::vm::PyErr {
    let m = vm.new_string(msg.into());
    crate::vm::PyErr(vm.new_exception(cls, vec![m]))
}

/// Positional-only arguments of a module function (after the module):
/// `_PyArg_CheckPositional`'s messages.
pub fn posonly<'a>(
    vm: &Vm,
    args: &Args<'a>,
    name: &str,
    min: usize,
    max: usize,
) -> PyResult<&'a [Value]> {
    if args.has_kwargs() {
        return Err(vm.type_error(format!("{name}() takes no keyword arguments")));
    }
    let a = args.pos().get(1..).unwrap_or(&[]);
    let n = a.len();
    let s = |k: usize| if k == 1 { "" } else { "s" };
    if n < min {
        let how = if min == max { "" } else { "at least " };
        return Err(vm.type_error(format!(
            "{name} expected {how}{min} argument{}, got {n}",
            s(min)
        )));
    }
    if n > max {
        let how = if min == max { "" } else { "at most " };
        return Err(vm.type_error(format!(
            "{name} expected {how}{max} argument{}, got {n}",
            s(max)
        )));
    }
    Ok(a)
}

/// The arguments after the first `skip` (the receiver), by position or
/// by name, as Argument Clinic binds optional parameters `(names...)`.
pub fn named_args(
    vm: &Vm,
    args: &Args,
    skip: usize,
    method: &str,
    names: &[&str],
) -> PyResult<Vec<Option<Value>>> {
    let pos = args.pos().get(skip..).unwrap_or(&[]);
    if pos.len() > names.len() {
        return Err(vm.type_error(format!(
            "{method}() takes at most {} arguments ({} given)",
            names.len(),
            pos.len() + args.kwnames.len()
        )));
    }
    let mut out: Vec<Option<Value>> = vec![None; names.len()];
    for (slot, v) in out.iter_mut().zip(pos) {
        *slot = Some(v.clone());
    }
    for (k, v) in args.kwargs() {
        let k = str_of(k);
        match names.iter().position(|n| *n == k) {
            Some(i) if out.get(i).is_some_and(Option::is_none) => out[i] = Some(v.clone()),
            Some(i) => {
                return Err(vm.type_error(format!(
                    "argument for {method}() given by name ('{k}') and position ({})",
                    i + 1
                )))
            }
            None => {
                return Err(vm.type_error(format!(
                    "'{k}' is an invalid keyword argument for {method}()"
                )))
            }
        }
    }
    Ok(out)
}
