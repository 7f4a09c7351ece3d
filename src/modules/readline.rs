//! `readline` (CPython 3.11's Modules/readline.c) without a terminal line
//! editor: the history list (add, get, replace, remove, read and write
//! history files), completer settings and the hooks are kept and
//! reported as GNU readline 8.2's module does; nothing edits lines.

use std::cell::RefCell;

use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

const DEFAULT_DELIMS: &str = " \t\n`~!@#$%^&*()-=+[{]}\\|;:'\",<>/?";

struct State {
    history: Vec<String>,
    length: i64,
    delims: String,
    completer: Value,
}

crate::interp_local! {
    static STATE: RefCell<State> = RefCell::new(State {
        history: Vec::new(),
        length: -1,
        delims: DEFAULT_DELIMS.to_string(),
        completer: Value::None,
    });
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> Option<R> {
    STATE.try_with(|s| f(&mut s.borrow_mut())).ok()
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("readline");
    let doc = vm.new_str("Importing this module enables command line editing using GNU readline.");
    vm.set_attr_raw(&m, "__doc__", doc);
    vm.set_attr_raw(&m, "_READLINE_VERSION", Value::Int(0x0802));
    vm.set_attr_raw(&m, "_READLINE_RUNTIME_VERSION", Value::Int(0x0802));
    let lib = vm.new_str("8.2");
    vm.set_attr_raw(&m, "_READLINE_LIBRARY_VERSION", lib);
    vm.add_functions(
        &m,
        &[
            ("add_history", rl_add_history),
            ("append_history_file", rl_append_history_file),
            ("clear_history", rl_clear_history),
            ("get_begidx", rl_zero),
            ("get_completer", rl_get_completer),
            ("get_completer_delims", rl_get_completer_delims),
            ("get_completion_type", rl_zero),
            ("get_current_history_length", rl_get_current_history_length),
            ("get_endidx", rl_zero),
            ("get_history_item", rl_get_history_item),
            ("get_history_length", rl_get_history_length),
            ("get_line_buffer", rl_get_line_buffer),
            ("insert_text", rl_one_str),
            ("parse_and_bind", rl_one_str),
            ("read_history_file", rl_read_history_file),
            ("read_init_file", rl_none),
            ("redisplay", rl_none),
            ("remove_history_item", rl_remove_history_item),
            ("replace_history_item", rl_replace_history_item),
            ("set_auto_history", rl_none),
            ("set_completer", rl_set_completer),
            ("set_completer_delims", rl_set_completer_delims),
            ("set_completion_display_matches_hook", rl_hook),
            ("set_history_length", rl_set_history_length),
            ("set_pre_input_hook", rl_hook),
            ("set_startup_hook", rl_hook),
            ("write_history_file", rl_write_history_file),
        ],
    );
    Ok(m)
}

fn str_arg(vm: &Vm, v: &Value, fname: &str) -> PyResult<String> {
    vm.as_str_obj(v)
        .map(|s| s.as_str().to_string())
        .ok_or_else(|| {
            vm.type_error(format!(
                "{fname}() argument must be str, not {}",
                vm.arg_type_name(v)
            ))
        })
}

use super::binargs::int_arg;

fn rl_none(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::None)
}

fn rl_zero(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("readline function", args, 0, 0)?;
    Ok(Value::Int(0))
}

fn rl_one_str(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("readline function", args, 1, 1)?;
    str_arg(vm, &a[0], "readline function")?;
    Ok(Value::None)
}

fn rl_hook(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("set_hook", args, 0, 1)?;
    if let Some(f) = a.first() {
        if !f.is_none() && !vm.callable(f) {
            return Err(vm.type_error("set_hook(func): argument not callable"));
        }
    }
    Ok(Value::None)
}

fn rl_add_history(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("add_history", args, 1, 1)?;
    let s = str_arg(vm, &a[0], "add_history")?;
    with(|st| st.history.push(s));
    Ok(Value::None)
}

fn rl_clear_history(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("clear_history", args, 0, 0)?;
    with(|st| st.history.clear());
    Ok(Value::None)
}

fn rl_get_current_history_length(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_current_history_length", args, 0, 0)?;
    Ok(Value::Int(with(|st| st.history.len() as i64).unwrap_or(0)))
}

fn rl_get_history_length(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_history_length", args, 0, 0)?;
    Ok(Value::Int(with(|st| st.length).unwrap_or(-1)))
}

fn rl_set_history_length(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("set_history_length", args, 1, 1)?;
    let n = int_arg(vm, &a[0])?;
    with(|st| st.length = n);
    Ok(Value::None)
}

/// `get_history_item(index)`: 1-based; None outside the history.
fn rl_get_history_item(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("get_history_item", args, 1, 1)?;
    let i = int_arg(vm, &a[0])?;
    let item = with(|st| {
        usize::try_from(i - 1)
            .ok()
            .and_then(|k| st.history.get(k).cloned())
    })
    .flatten();
    Ok(item.map_or(Value::None, |s| vm.new_string(s)))
}

fn position(vm: &mut Vm, v: &Value) -> PyResult<usize> {
    let i = int_arg(vm, v)?;
    if i < 0 {
        return Err(vm.value_error("History index cannot be negative"));
    }
    let len = with(|st| st.history.len()).unwrap_or(0);
    match usize::try_from(i) {
        Ok(k) if k < len => Ok(k),
        _ => Err(vm.value_error(format!("No history item at position {i}"))),
    }
}

fn rl_remove_history_item(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("remove_history_item", args, 1, 1)?;
    let k = position(vm, &a[0])?;
    with(|st| st.history.remove(k));
    Ok(Value::None)
}

fn rl_replace_history_item(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("replace_history_item", args, 2, 2)?;
    let k = position(vm, &a[0])?;
    let s = str_arg(vm, &a[1], "replace_history_item")?;
    with(|st| {
        if let Some(slot) = st.history.get_mut(k) {
            *slot = s;
        }
    });
    Ok(Value::None)
}

fn rl_get_line_buffer(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_line_buffer", args, 0, 0)?;
    Ok(vm.new_str(""))
}

fn rl_get_completer(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_completer", args, 0, 0)?;
    Ok(with(|st| st.completer.clone()).unwrap_or(Value::None))
}

fn rl_set_completer(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("set_completer", args, 0, 1)?;
    let f = a.first().cloned().unwrap_or(Value::None);
    if !f.is_none() && !vm.callable(&f) {
        return Err(vm.type_error("set_completer(func): argument not callable"));
    }
    with(|st| st.completer = f);
    Ok(Value::None)
}

fn rl_get_completer_delims(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.fn_args("get_completer_delims", args, 0, 0)?;
    let d = with(|st| st.delims.clone()).unwrap_or_default();
    Ok(vm.new_string(d))
}

fn rl_set_completer_delims(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("set_completer_delims", args, 1, 1)?;
    let s = str_arg(vm, &a[0], "set_completer_delims")?;
    with(|st| st.delims = s);
    Ok(Value::None)
}

/// The history file argument: a path, or `~/.history`.
fn history_path(vm: &mut Vm, a: &[Value]) -> PyResult<String> {
    match a.first() {
        None | Some(Value::None) => {
            let home = std::env::var("HOME").unwrap_or_default();
            Ok(format!("{home}/.history"))
        }
        Some(v) => {
            let p = crate::modules::posix::util::fspath(vm, v)?;
            vm.str(&p)
        }
    }
}

fn io_error(vm: &mut Vm, e: &std::io::Error) -> crate::vm::PyErr {
    vm.os_error(e.raw_os_error().unwrap_or(libc::EIO), None, None)
}

fn rl_read_history_file(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("read_history_file", args, 0, 1)?.to_vec();
    let path = history_path(vm, &a)?;
    let text = match std::fs::read(&path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => return Err(io_error(vm, &e)),
    };
    with(|st| st.history.extend(text.lines().map(str::to_string)));
    Ok(Value::None)
}

fn write_history(vm: &mut Vm, path: &str, append: Option<usize>) -> PyResult<()> {
    let (lines, length) = with(|st| (st.history.clone(), st.length)).unwrap_or_default();
    let skip = match append {
        Some(n) => lines.len().saturating_sub(n),
        None if length >= 0 => lines.len().saturating_sub(length as usize),
        None => 0,
    };
    let mut text = String::new();
    for l in lines.iter().skip(skip) {
        text.push_str(l);
        text.push('\n');
    }
    let r = if append.is_some() {
        use std::io::Write;
        std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
    } else {
        std::fs::write(path, text)
    };
    r.map_err(|e| io_error(vm, &e))
}

fn rl_write_history_file(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("write_history_file", args, 0, 1)?.to_vec();
    let path = history_path(vm, &a)?;
    write_history(vm, &path, None)?;
    Ok(Value::None)
}

fn rl_append_history_file(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("append_history_file", args, 1, 2)?.to_vec();
    let n = int_arg(vm, &a[0])?;
    let path = history_path(vm, a.get(1..).unwrap_or(&[]))?;
    write_history(vm, &path, Some(usize::try_from(n).unwrap_or(0)))?;
    Ok(Value::None)
}
