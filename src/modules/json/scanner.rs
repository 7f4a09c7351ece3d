//! `_json.Scanner` (`make_scanner`): CPython 3.11's `scan_once_unicode`
//! and its object, array, number and constant parsers, calling the
//! context's `object_hook`, `object_pairs_hook`, `parse_float`,
//! `parse_int` and `parse_constant` as `_json.c` does.

use super::{decode_error, scanstring, str_cps, Unit};
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::Layout;
use crate::vm::proto::str_of;
use crate::vm::value::Truth;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

pub struct Scanner {
    strict: bool,
    object_hook: Value,
    object_pairs_hook: Value,
    parse_float: Value,
    parse_int: Value,
    parse_constant: Value,
}

impl NativeData for Scanner {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&self.object_hook);
        visit(&self.object_pairs_hook);
        visit(&self.parse_float);
        visit(&self.parse_int);
        visit(&self.parse_constant);
    }
}

pub fn make_type(vm: &mut Vm) -> PyRef {
    let object = vm.types.object.clone();
    let t = vm.new_native_type("_json", "Scanner", &object, Layout::Native("Scanner"), 0);
    vm.add_staticmethods(&t, &[("__new__", scanner_new)]);
    vm.add_methods(&t, &[("__call__", scanner_call)]);
    vm.add_getsets(
        &t,
        &[
            ("strict", get_strict, Some(readonly)),
            ("object_hook", get_object_hook, Some(readonly)),
            ("object_pairs_hook", get_object_pairs_hook, Some(readonly)),
            ("parse_float", get_parse_float, Some(readonly)),
            ("parse_int", get_parse_int, Some(readonly)),
            ("parse_constant", get_parse_constant, Some(readonly)),
        ],
    );
    t
}

fn readonly(vm: &mut Vm, _o: &Value, _v: Option<Value>) -> PyResult<()> {
    Err(vm.attribute_error("readonly attribute"))
}

fn sc<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a Scanner> {
    vm.native::<Scanner>(v)
        .ok_or_else(|| vm.type_error("expected a _json.Scanner"))
}

fn get_strict(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::bool(sc(vm, v)?.strict))
}
fn get_object_hook(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(sc(vm, v)?.object_hook.clone())
}
fn get_object_pairs_hook(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(sc(vm, v)?.object_pairs_hook.clone())
}
fn get_parse_float(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(sc(vm, v)?.parse_float.clone())
}
fn get_parse_int(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(sc(vm, v)?.parse_int.clone())
}
fn get_parse_constant(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(sc(vm, v)?.parse_constant.clone())
}

/// The arguments of `name(a, b, ...)` (PyArg_ParseTupleAndKeywords with
/// all parameters required).
pub(super) fn required_args(
    vm: &Vm,
    args: &Args,
    skip: usize,
    fname: &str,
    names: &[&str],
) -> PyResult<Vec<Value>> {
    let pos = args.pos().get(skip..).unwrap_or(&[]);
    let n = names.len();
    let given = pos.len() + args.kwnames.len();
    if given > n {
        return Err(vm.type_error(format!(
            "{fname}() takes at most {n} argument{} ({given} given)",
            if n == 1 { "" } else { "s" }
        )));
    }
    let mut out: Vec<Option<Value>> = pos.iter().cloned().map(Some).collect();
    out.resize(n, None);
    for (k, v) in args.kwargs() {
        let k = str_of(k);
        match names.iter().position(|x| *x == k) {
            Some(i) if i < pos.len() => {
                return Err(vm.type_error(format!(
                    "argument for {fname}() given by name ('{k}') and position ({})",
                    i + 1
                )))
            }
            Some(i) => out[i] = Some(v.clone()),
            None => {
                return Err(vm.type_error(format!(
                    "'{k}' is an invalid keyword argument for {fname}()"
                )))
            }
        }
    }
    let mut res = Vec::with_capacity(n);
    for (i, v) in out.into_iter().enumerate() {
        match v {
            Some(v) => res.push(v),
            None => {
                return Err(vm.type_error(format!(
                    "{fname}() missing required argument '{}' (pos {})",
                    names.get(i).copied().unwrap_or(""),
                    i + 1
                )))
            }
        }
    }
    Ok(res)
}

fn scanner_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(cls)) = args.args.first() else {
        return Err(vm.type_error("Scanner.__new__(): not enough arguments"));
    };
    let cls = cls.clone();
    let a = required_args(vm, &args, 1, "make_scanner", &["context"])?;
    let ctx = a.first().cloned().unwrap_or(Value::None);
    let strict = vm.getattr_str(&ctx, "strict")?;
    let strict = vm.truthy(&strict)?;
    let object_hook = vm.getattr_str(&ctx, "object_hook")?;
    let object_pairs_hook = vm.getattr_str(&ctx, "object_pairs_hook")?;
    let parse_float = vm.getattr_str(&ctx, "parse_float")?;
    let parse_int = vm.getattr_str(&ctx, "parse_int")?;
    let parse_constant = vm.getattr_str(&ctx, "parse_constant")?;
    let s = Scanner {
        strict,
        object_hook,
        object_pairs_hook,
        parse_float,
        parse_int,
        parse_constant,
    };
    Ok(Value::Obj(vm.new_native(&cls, s)))
}

fn scanner_call(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(this) = args.args.first() else {
        return Err(vm.type_error("Scanner.__call__(): not enough arguments"));
    };
    let s = vm
        .native::<Scanner>(this)
        .ok_or_else(|| vm.type_error("expected a _json.Scanner"))?;
    let a = required_args(vm, &args, 1, "scan_once", &["string", "idx"])?;
    let pystr = a.first().cloned().unwrap_or(Value::None);
    let idx = super::super::binargs::ssize_arg(vm, a.get(1).unwrap_or(&Value::None))?;
    if idx < 0 && vm.as_str_obj(&pystr).is_some() {
        return Err(vm.value_error("idx cannot be negative"));
    }
    let memo = vm.new_dict();
    // An ASCII str is scanned as its bytes (indices are the same).
    let ascii = vm
        .as_str_obj(&pystr)
        .filter(|t| t.surrogate_cps().is_none() && t.as_str().is_ascii())
        .map(|t| t.as_str().as_bytes());
    let (v, next) = match ascii {
        Some(bytes) => {
            let mut p = Parse {
                s,
                pystr: &pystr,
                buf: bytes,
                memo,
            };
            p.scan_once(vm, idx as usize)?
        }
        None => {
            let Some(buf) = str_cps(vm, &pystr) else {
                return Err(vm.type_error(format!(
                    "first argument must be a string, not {}",
                    vm.type_name_of(&pystr)
                )));
            };
            let mut p = Parse {
                s,
                pystr: &pystr,
                buf: &buf,
                memo,
            };
            p.scan_once(vm, idx as usize)?
        }
    };
    Ok(vm.new_tuple_of([v, Value::Int(next as i64)]))
}

fn is_ws(c: u32) -> bool {
    c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d
}

fn is_digit<T: Unit>(c: Option<&T>) -> bool {
    c.is_some_and(|c| (0x30..=0x39).contains(&c.cp()))
}

/// One scanner call's state.
struct Parse<'a, T> {
    s: &'a Scanner,
    pystr: &'a Value,
    buf: &'a [T],
    memo: PyRef,
}

impl<T: Unit> Parse<'_, T> {
    fn at(&self, i: usize) -> Option<u32> {
        self.buf.get(i).map(|c| c.cp())
    }

    fn is(&self, i: usize, c: char) -> bool {
        self.at(i) == Some(u32::from(c))
    }

    fn skip_ws(&self, mut i: usize) -> usize {
        while self.at(i).is_some_and(is_ws) {
            i += 1;
        }
        i
    }

    fn matches(&self, i: usize, word: &str) -> bool {
        word.chars().enumerate().all(|(k, c)| self.is(i + k, c))
    }

    fn scan_once(&mut self, vm: &mut Vm, idx: usize) -> PyResult<(Value, usize)> {
        let Some(c) = self.at(idx) else {
            return Err(vm.stop_iteration(Value::Int(idx as i64)));
        };
        match char::from_u32(c) {
            Some('"') => scanstring(vm, self.pystr, self.buf, idx + 1, self.s.strict),
            Some('{') => {
                vm.enter_recursive(" while decoding a JSON object from a unicode string")?;
                let r = self.parse_object(vm, idx + 1);
                vm.leave_recursive();
                r
            }
            Some('[') => {
                vm.enter_recursive(" while decoding a JSON array from a unicode string")?;
                let r = self.parse_array(vm, idx + 1);
                vm.leave_recursive();
                r
            }
            Some('n') if self.matches(idx, "null") => Ok((Value::None, idx + 4)),
            Some('t') if self.matches(idx, "true") => Ok((Value::Bool(Truth::True), idx + 4)),
            Some('f') if self.matches(idx, "false") => Ok((Value::Bool(Truth::False), idx + 5)),
            Some('N') if self.matches(idx, "NaN") => self.constant(vm, "NaN", idx),
            Some('I') if self.matches(idx, "Infinity") => self.constant(vm, "Infinity", idx),
            Some('-') if self.matches(idx, "-Infinity") => self.constant(vm, "-Infinity", idx),
            _ => self.number(vm, idx),
        }
    }

    fn constant(&mut self, vm: &mut Vm, name: &str, idx: usize) -> PyResult<(Value, usize)> {
        let c = vm.new_str(name);
        let f = self.s.parse_constant.clone();
        let v = vm.call(&f, &[c])?;
        Ok((v, idx + name.chars().count()))
    }

    fn parse_object(&mut self, vm: &mut Vm, idx: usize) -> PyResult<(Value, usize)> {
        let pairs_hook = !self.s.object_pairs_hook.is_none();
        let mut pairs: Vec<Value> = Vec::new();
        let dict = vm.new_dict();
        let mut idx = self.skip_ws(idx);
        if !self.is(idx, '}') {
            loop {
                if !self.is(idx, '"') {
                    return Err(decode_error(
                        vm,
                        "Expecting property name enclosed in double quotes",
                        self.pystr,
                        idx,
                    ));
                }
                let (key, next) = scanstring(vm, self.pystr, self.buf, idx + 1, self.s.strict)?;
                let key = match vm.dict_get(&self.memo, &key)? {
                    Some(k) => k,
                    None => {
                        vm.dict_set(&self.memo, key.clone(), key.clone())?;
                        key
                    }
                };
                idx = self.skip_ws(next);
                if !self.is(idx, ':') {
                    return Err(decode_error(vm, "Expecting ':' delimiter", self.pystr, idx));
                }
                idx = self.skip_ws(idx + 1);
                let (val, next) = self.scan_once(vm, idx)?;
                if pairs_hook {
                    pairs.push(vm.new_tuple_of([key, val]));
                } else {
                    vm.dict_set(&dict, key, val)?;
                }
                idx = self.skip_ws(next);
                if self.is(idx, '}') {
                    break;
                }
                if !self.is(idx, ',') {
                    return Err(decode_error(vm, "Expecting ',' delimiter", self.pystr, idx));
                }
                idx = self.skip_ws(idx + 1);
            }
        }
        let next = idx + 1;
        if pairs_hook {
            let list = vm.new_list(pairs);
            let hook = self.s.object_pairs_hook.clone();
            return Ok((vm.call(&hook, &[list])?, next));
        }
        if !self.s.object_hook.is_none() {
            let hook = self.s.object_hook.clone();
            return Ok((vm.call(&hook, &[Value::Obj(dict)])?, next));
        }
        Ok((Value::Obj(dict), next))
    }

    fn parse_array(&mut self, vm: &mut Vm, idx: usize) -> PyResult<(Value, usize)> {
        let mut items = Vec::new();
        let mut idx = self.skip_ws(idx);
        if !self.is(idx, ']') {
            loop {
                let (val, next) = self.scan_once(vm, idx)?;
                items.push(val);
                idx = self.skip_ws(next);
                if self.is(idx, ']') {
                    break;
                }
                if !self.is(idx, ',') {
                    return Err(decode_error(vm, "Expecting ',' delimiter", self.pystr, idx));
                }
                idx = self.skip_ws(idx + 1);
            }
        }
        Ok((vm.new_list(items), idx + 1))
    }

    /// `_match_number_unicode`.
    fn number(&mut self, vm: &mut Vm, start: usize) -> PyResult<(Value, usize)> {
        let buf = self.buf;
        let len = buf.len();
        let mut idx = start;
        if self.is(idx, '-') {
            idx += 1;
            if idx >= len {
                return Err(vm.stop_iteration(Value::Int(start as i64)));
            }
        }
        match self.at(idx) {
            Some(c) if (0x31..=0x39).contains(&c) => {
                idx += 1;
                while is_digit(buf.get(idx)) {
                    idx += 1;
                }
            }
            Some(0x30) => idx += 1,
            _ => return Err(vm.stop_iteration(Value::Int(start as i64))),
        }
        let mut is_float = false;
        if idx + 1 < len && self.is(idx, '.') && is_digit(buf.get(idx + 1)) {
            is_float = true;
            idx += 2;
            while is_digit(buf.get(idx)) {
                idx += 1;
            }
        }
        if idx + 1 < len && (self.is(idx, 'e') || self.is(idx, 'E')) {
            let e_start = idx;
            idx += 1;
            if idx + 1 < len && (self.is(idx, '-') || self.is(idx, '+')) {
                idx += 1;
            }
            while is_digit(buf.get(idx)) {
                idx += 1;
            }
            if is_digit(buf.get(idx - 1)) {
                is_float = true;
            } else {
                idx = e_start;
            }
        }
        let text: String = buf
            .get(start..idx)
            .unwrap_or(&[])
            .iter()
            .filter_map(|c| char::from_u32(c.cp()))
            .collect();
        let float_t = Value::Obj(vm.types.float.clone());
        let int_t = Value::Obj(vm.types.int.clone());
        let v = if is_float {
            if self.s.parse_float.is(&float_t) {
                match text.parse::<f64>() {
                    Ok(f) => Value::float(f),
                    Err(_) => {
                        let t = vm.new_string(text);
                        vm.call(&float_t, &[t])?
                    }
                }
            } else {
                let t = vm.new_string(text);
                let f = self.s.parse_float.clone();
                vm.call(&f, &[t])?
            }
        } else if self.s.parse_int.is(&int_t) {
            match text.parse::<i64>() {
                Ok(i) => Value::Int(i),
                Err(_) => {
                    let t = vm.new_string(text);
                    vm.call(&int_t, &[t])?
                }
            }
        } else {
            let t = vm.new_string(text);
            let f = self.s.parse_int.clone();
            vm.call(&f, &[t])?
        };
        Ok((v, idx))
    }
}
