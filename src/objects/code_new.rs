//! `types.CodeType(...)`, the code object constructor (codeobject.c
//! `code_new`). The fields are assembled into a marshal code object and
//! converted the way loaded code is (`Vm::const_value`), so the result
//! passes the bytecode verifier before it first runs.
//! Also `code.__eq__`/`__hash__` (`code_richcompare`, `code_hash`).

use super::function::Args;
use super::Payload;
use crate::modules::marshal::to_marshal_obj;
use crate::pyc::code::{CO_FAST_CELL, CO_FAST_FREE, CO_FAST_LOCAL};
use crate::pyc::object::{Obj, Object, PyStr};
use crate::pyc::CodeObject;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

/// Argument `n` (1-based) as a C int.
fn int_arg(vm: &mut Vm, v: &Value) -> PyResult<i32> {
    match vm.index_value(v)? {
        Some(i) => i32::try_from(i).map_err(|_| {
            vm.overflow_error(if i < 0 {
                "signed integer is less than minimum"
            } else {
                "signed integer is greater than maximum"
            })
        }),
        None => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.arg_type_name(v)
        ))),
    }
}

fn bad_arg(vm: &Vm, n: usize, want: &str, v: &Value) -> crate::vm::PyErr {
    vm.type_error(format!(
        "code() argument {n} must be {want}, not {}",
        vm.arg_type_name(v)
    ))
}

fn bytes_arg(vm: &Vm, n: usize, v: &Value) -> PyResult<Vec<u8>> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Bytes(b) => Ok(b.to_vec()),
            _ => Err(bad_arg(vm, n, "bytes", v)),
        },
        _ => Err(bad_arg(vm, n, "bytes", v)),
    }
}

fn tuple_arg(vm: &Vm, n: usize, v: &Value) -> PyResult<Vec<Value>> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(t) => Ok(t.to_vec()),
            _ => Err(bad_arg(vm, n, "tuple", v)),
        },
        _ => Err(bad_arg(vm, n, "tuple", v)),
    }
}

fn str_text(vm: &Vm, n: usize, v: &Value) -> PyResult<String> {
    match vm.as_str_obj(v) {
        Some(s) => Ok(s.as_str().to_string()),
        None => Err(bad_arg(vm, n, "str", v)),
    }
}

fn str_obj(s: &str) -> Obj {
    Obj::new(Object::Str(PyStr::new(s, true)))
}

/// A tuple of names (`co_names`, `co_varnames`, ...): all must be str.
fn names_arg(vm: &Vm, n: usize, v: &Value) -> PyResult<Vec<String>> {
    let items = tuple_arg(vm, n, v)?;
    let mut out = Vec::with_capacity(items.len());
    for it in &items {
        match vm.as_str_obj(it) {
            Some(s) => out.push(s.as_str().to_string()),
            None => {
                return Err(vm.type_error(
                    "name tuples must contain only strings, not '".to_string()
                        + &vm.arg_type_name(it)
                        + "'",
                ))
            }
        }
    }
    Ok(out)
}

/// `code(argcount, posonlyargcount, kwonlyargcount, nlocals, stacksize,
/// flags, codestring, constants, names, varnames, filename, name,
/// qualname, firstlineno, linetable, exceptiontable, freevars=(),
/// cellvars=(), /)`.
pub fn code_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if !args.kwnames.is_empty() {
        return Err(vm.type_error("code() takes no keyword arguments"));
    }
    let a = args.pos().get(1..).unwrap_or(&[]).to_vec();
    if a.len() < 16 || a.len() > 18 {
        let (how, lim) = if a.len() < 16 {
            ("at least", 16)
        } else {
            ("at most", 18)
        };
        return Err(vm.type_error(format!(
            "code expected {how} {lim} arguments, got {}",
            a.len()
        )));
    }
    let get = |i: usize| a.get(i).cloned().unwrap_or(Value::None);
    let mut ints = [0i32; 6];
    for (i, slot) in ints.iter_mut().enumerate() {
        *slot = int_arg(vm, &get(i))?;
    }
    let [argcount, posonly, kwonly, nlocals, stacksize, flags] = ints;
    let code = bytes_arg(vm, 7, &get(6))?;
    let consts = tuple_arg(vm, 8, &get(7))?;
    let names = names_arg(vm, 9, &get(8))?;
    let varnames = names_arg(vm, 10, &get(9))?;
    let filename = str_text(vm, 11, &get(10))?;
    let name = str_text(vm, 12, &get(11))?;
    let qualname = str_text(vm, 13, &get(12))?;
    let firstlineno = int_arg(vm, &get(13))?;
    let linetable = bytes_arg(vm, 15, &get(14))?;
    let exctable = bytes_arg(vm, 16, &get(15))?;
    let freevars = match a.get(16) {
        Some(v) => names_arg(vm, 17, v)?,
        None => Vec::new(),
    };
    let cellvars = match a.get(17) {
        Some(v) => names_arg(vm, 18, v)?,
        None => Vec::new(),
    };
    if argcount < posonly
        || posonly < 0
        || kwonly < 0
        || nlocals < 0
        || stacksize < 0
        || flags < 0
        || firstlineno < 0
    {
        return Err(vm.value_error("code: argument out of range"));
    }
    if usize::try_from(nlocals).ok() != Some(varnames.len()) {
        return Err(vm.value_error("code: co_nlocals != len(co_varnames)"));
    }
    if code.len() % 2 != 0 {
        return Err(vm.value_error("code: co_code is malformed"));
    }
    // The locals-plus table: locals, then cells (an argument that is also a
    // cell keeps its slot), then free variables.
    let mut lp_names: Vec<String> = varnames.clone();
    let mut kinds: Vec<u8> = vec![CO_FAST_LOCAL; varnames.len()];
    for c in &cellvars {
        match varnames.iter().position(|v| v == c) {
            Some(i) => {
                if let Some(k) = kinds.get_mut(i) {
                    *k |= CO_FAST_CELL;
                }
            }
            None => {
                lp_names.push(c.clone());
                kinds.push(CO_FAST_CELL);
            }
        }
    }
    for f in &freevars {
        lp_names.push(f.clone());
        kinds.push(CO_FAST_FREE);
    }
    let consts_v = vm.new_tuple(consts);
    let consts = to_marshal_obj(vm, &consts_v)?;
    let tuple_of = |xs: &[String]| Obj::new(Object::Tuple(xs.iter().map(|s| str_obj(s)).collect()));
    let co = CodeObject {
        argcount,
        posonlyargcount: posonly,
        kwonlyargcount: kwonly,
        stacksize,
        flags,
        code: Obj::new(Object::Bytes(code)),
        consts,
        names: tuple_of(&names),
        localsplusnames: tuple_of(&lp_names),
        localspluskinds: Obj::new(Object::Bytes(kinds)),
        filename: Obj::new(Object::Str(PyStr::new(&filename, false))),
        name: str_obj(&name),
        qualname: str_obj(&qualname),
        firstlineno,
        linetable: Obj::new(Object::Bytes(linetable)),
        exceptiontable: Obj::new(Object::Bytes(exctable)),
    };
    Ok(vm.const_value(&Obj::new(Object::Code(Box::new(co)))))
}

/// The prepared code behind a `code` value.
fn code_arg(
    vm: &mut Vm,
    v: Option<&Value>,
) -> Option<crate::objects::rc::Rc<crate::vm::code::Code>> {
    match v {
        Some(Value::Obj(o)) => match &o.payload {
            Payload::Code(c) => {
                vm.ensure_prepared(c);
                Some(c.clone())
            }
            _ => None,
        },
        _ => None,
    }
}

/// Two constants are the same key (`_PyCode_ConstantKey`): the same type
/// and equal, containers item by item, floats by their bits (0.0 is not
/// -0.0), code objects by `code_eq`.
fn const_key_eq(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<bool> {
    if a.is(b) {
        return Ok(true);
    }
    if !crate::objects::rc::Rc::ptr_eq(&vm.type_of(a), &vm.type_of(b)) {
        return Ok(false);
    }
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => return Ok(x.to_bits() == y.to_bits()),
        (Value::Obj(x), Value::Obj(y)) => match (&x.payload, &y.payload) {
            (Payload::Tuple(p), Payload::Tuple(q)) => {
                if p.len() != q.len() {
                    return Ok(false);
                }
                let (p, q) = (p.to_vec(), q.to_vec());
                for (i, j) in p.iter().zip(q.iter()) {
                    if !const_key_eq(vm, i, j)? {
                        return Ok(false);
                    }
                }
                return Ok(true);
            }
            (Payload::Code(_), Payload::Code(_)) => {
                let (Some(p), Some(q)) = (code_arg(vm, Some(a)), code_arg(vm, Some(b))) else {
                    return Ok(false);
                };
                return code_eq(vm, &p, &q);
            }
            (Payload::Float(p), Payload::Float(q)) => return Ok(p.to_bits() == q.to_bits()),
            _ => {}
        },
        _ => {}
    }
    vm.eq(a, b)
}

/// `code.__eq__` (codeobject.c `code_richcompare`): name, counts, flags,
/// first line, instructions, constants, names, locals and tables.
fn code_eq(vm: &mut Vm, a: &crate::vm::code::Code, b: &crate::vm::code::Code) -> PyResult<bool> {
    let same_strs = |p: &[crate::vm::value::PyRef], q: &[crate::vm::value::PyRef]| {
        p.len() == q.len()
            && p.iter().zip(q.iter()).all(|(x, y)| {
                crate::objects::rc::Rc::ptr_eq(x, y)
                    || vm
                        .as_str_obj(&Value::Obj(x.clone()))
                        .map(|s| s.as_str().to_string())
                        == vm
                            .as_str_obj(&Value::Obj(y.clone()))
                            .map(|s| s.as_str().to_string())
            })
    };
    if !same_strs(std::slice::from_ref(&a.name), std::slice::from_ref(&b.name))
        || a.argcount != b.argcount
        || a.posonlyargcount != b.posonlyargcount
        || a.kwonlyargcount != b.kwonlyargcount
        || a.flags != b.flags
        || a.firstlineno != b.firstlineno
        || a.co_code() != b.co_code()
        || !same_strs(&a.names, &b.names)
        || !same_strs(&a.localsplusnames, &b.localsplusnames)
        || a.linetable() != b.linetable()
        || a.exceptiontable() != b.exceptiontable()
        || a.consts.len() != b.consts.len()
    {
        return Ok(false);
    }
    let (ca, cb) = (a.consts.to_vec(), b.consts.to_vec());
    for (x, y) in ca.iter().zip(cb.iter()) {
        if !const_key_eq(vm, x, y)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn code_cmp(vm: &mut Vm, args: &Args, ne: bool) -> PyResult<Value> {
    let a = code_arg(vm, args.args.first());
    let b = code_arg(vm, args.args.get(1));
    let (Some(a), Some(b)) = (a, b) else {
        return Ok(Value::Obj(vm.not_implemented.clone()));
    };
    let eq = crate::objects::rc::Rc::ptr_eq(&a, &b) || code_eq(vm, &a, &b)?;
    Ok(Value::bool(eq != ne))
}

/// `code.__eq__`.
pub fn code_richeq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    code_cmp(vm, &args, false)
}

/// `code.__ne__`.
pub fn code_richne(vm: &mut Vm, args: Args) -> PyResult<Value> {
    code_cmp(vm, &args, true)
}

/// `code.__hash__`: from the fields `code_eq` compares (not CPython's
/// exact value; equal code objects hash alike).
pub fn code_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(c) = code_arg(vm, args.args.first()) else {
        return Err(vm.type_error("descriptor '__hash__' requires a 'code' object"));
    };
    let name = vm.hash(&Value::Obj(c.name.clone()))?;
    let code = crate::pyhash::hash_bytes(&c.co_code());
    let mut h = name ^ code ^ (c.argcount as i64) ^ ((c.flags as i64) << 8);
    h ^= (c.consts.len() as i64).wrapping_mul(1_000_003);
    if h == -1 {
        h = -2;
    }
    Ok(Value::Int(h))
}
