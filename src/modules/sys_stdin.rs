//! Reading the standard input as CPython's `sys.stdin` (a TextIOWrapper)
//! and `sys.stdin.buffer` (a BufferedReader) allow: `read(size)`,
//! `readline(size)`, `readlines(hint)`, iteration line by line, and the
//! binary layer's `read`/`read1`/`readline`/`readlines`/`peek`. Both
//! layers read through the process's one buffered stdin handle, so they
//! never lose input to each other.

use crate::vm::value::Truth;
use std::io::{BufRead, Read};

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::typeobj::Layout;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

use super::sys::stream_fd;
use super::sys_stream_close::{closed_error, is_closed};

fn self_arg(args: &Args) -> Value {
    args.args.first().cloned().unwrap_or(Value::None)
}

/// The optional size argument (`-1`/None: no limit).
fn size_arg(vm: &mut Vm, args: Args, name: &str) -> PyResult<i64> {
    let a = vm.check_args(name, args, 0, 1)?;
    match a.first() {
        None | Some(Value::None) => Ok(-1),
        Some(Value::Int(n)) => Ok(*n),
        Some(Value::Bool(b)) => Ok(i64::from(b.get())),
        Some(v) => Err(vm.type_error(format!(
            "argument should be integer or None, not '{}'",
            vm.type_name_of(v)
        ))),
    }
}

/// The error reading a stream that is not stdin.
fn not_readable(vm: &mut Vm) -> PyErr {
    super::io::unsupported(vm, "not readable")
}

/// Check that `v` is the stdin text stream and still open.
fn check_stdin(vm: &mut Vm, v: &Value) -> PyResult<()> {
    if stream_fd(vm, v) != Some(0) {
        return Err(not_readable(vm));
    }
    if is_closed(0) {
        return Err(closed_error(vm));
    }
    Ok(())
}

/// The length of the UTF-8 sequence a byte starts (1 for a stray byte).
fn utf8_len(b: u8) -> usize {
    match b {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    }
}

/// Up to `n` characters (all when negative) of stdin, as UTF-8 bytes.
fn read_chars(n: i64) -> Vec<u8> {
    let stdin = std::io::stdin();
    let mut lock = stdin.lock();
    let mut out = Vec::new();
    if n < 0 {
        let _ = lock.read_to_end(&mut out);
        return out;
    }
    let mut left = n as u64;
    while left > 0 {
        let buf = match lock.fill_buf() {
            Ok(b) if !b.is_empty() => b,
            _ => break,
        };
        let mut i = 0;
        while i < buf.len() && left > 0 {
            let l = utf8_len(buf[i]);
            if i + l > buf.len() {
                break;
            }
            i += l;
            left -= 1;
        }
        if i == 0 {
            // A character split across the handle's buffer refills.
            let l = buf.first().map_or(1, |&b| utf8_len(b));
            let mut tmp = Vec::new();
            let _ = (&mut lock).take(l as u64).read_to_end(&mut tmp);
            out.extend(tmp);
            left -= 1;
            continue;
        }
        out.extend_from_slice(&buf[..i]);
        lock.consume(i);
    }
    out
}

/// One line of stdin with its newline, at most `limit` bytes (when
/// non-negative).
fn read_line_bytes(limit: i64) -> Vec<u8> {
    let stdin = std::io::stdin();
    let mut lock = stdin.lock();
    let mut out = Vec::new();
    if limit < 0 {
        let _ = lock.read_until(b'\n', &mut out);
    } else {
        let _ = (&mut lock).take(limit as u64).read_until(b'\n', &mut out);
    }
    out
}

/// Up to `n` bytes of stdin (to EOF when negative); `one` stops after
/// what one refill of the buffer gives (`read1`).
fn read_bytes(n: i64, one: bool) -> Vec<u8> {
    let stdin = std::io::stdin();
    let mut lock = stdin.lock();
    let mut out = Vec::new();
    if one {
        if let Ok(buf) = lock.fill_buf() {
            let k = if n < 0 {
                buf.len()
            } else {
                buf.len().min(n as usize)
            };
            out.extend_from_slice(&buf[..k]);
            lock.consume(k);
        }
    } else if n < 0 {
        let _ = lock.read_to_end(&mut out);
    } else {
        let _ = (&mut lock).take(n as u64).read_to_end(&mut out);
    }
    out
}

fn text(vm: &mut Vm, b: Vec<u8>) -> Value {
    vm.new_string(String::from_utf8_lossy(&b).into_owned())
}

/// `sys.stdin.read(size=-1)`.
fn stdin_read(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let n = size_arg(vm, args, "read")?;
    check_stdin(vm, &self_arg(&args))?;
    vm.flush_stdout();
    let b = vm.allow_threads(move || read_chars(n));
    Ok(text(vm, b))
}

/// `sys.stdin.readline(size=-1)`.
fn stdin_readline(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let n = size_arg(vm, args, "readline")?;
    check_stdin(vm, &self_arg(&args))?;
    vm.flush_stdout();
    let b = vm.allow_threads(move || {
        if n < 0 {
            read_line_bytes(-1)
        } else {
            // `size` counts characters: read them one line's worth at most.
            let mut out = Vec::new();
            for _ in 0..n {
                let c = read_chars(1);
                let nl = c == b"\n";
                if c.is_empty() {
                    break;
                }
                out.extend(c);
                if nl {
                    break;
                }
            }
            out
        }
    });
    Ok(text(vm, b))
}

/// `sys.stdin.readlines(hint=-1)`.
fn stdin_readlines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let hint = size_arg(vm, args, "readlines")?;
    check_stdin(vm, &self_arg(&args))?;
    vm.flush_stdout();
    let mut lines = Vec::new();
    let mut total = 0usize;
    loop {
        let b = vm.allow_threads(|| read_line_bytes(-1));
        if b.is_empty() {
            break;
        }
        let s = String::from_utf8_lossy(&b).into_owned();
        total += s.chars().count();
        lines.push(vm.new_string(s));
        if hint > 0 && total >= hint as usize {
            break;
        }
    }
    Ok(vm.new_list(lines))
}

/// `iter(sys.stdin)`: the stream itself.
fn stream_iter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(self_arg(&args))
}

/// `next(sys.stdin)`: the next line; StopIteration at EOF.
fn stdin_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    check_stdin(vm, &self_arg(&args))?;
    vm.flush_stdout();
    let b = vm.allow_threads(|| read_line_bytes(-1));
    if b.is_empty() {
        return Err(vm.new_error_noargs(ExcKind::StopIteration));
    }
    Ok(text(vm, b))
}

// ---------------------------------------------------------------- binary

/// `what`: CPython's BufferedReader names the operation on a closed
/// buffer ("read of closed file"); None: `IOBase`'s message.
fn check_buffer(vm: &mut Vm, what: Option<&str>) -> PyResult<()> {
    if is_closed(0) {
        return Err(match what {
            Some(op) => vm.value_error(format!("{op} of closed file")),
            None => super::sys_stream_close::closed_error(vm),
        });
    }
    vm.flush_stdout();
    Ok(())
}

/// `sys.stdin.buffer.read(size=-1)`.
fn buf_read(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let n = size_arg(vm, args, "read")?;
    check_buffer(vm, Some("read"))?;
    let b = vm.allow_threads(move || read_bytes(n, false));
    Ok(vm.new_bytes(b))
}

/// `sys.stdin.buffer.read1(size=-1)`.
fn buf_read1(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let n = size_arg(vm, args, "read1")?;
    check_buffer(vm, Some("read"))?;
    let b = vm.allow_threads(move || read_bytes(n, true));
    Ok(vm.new_bytes(b))
}

/// `sys.stdin.buffer.peek(size=0)`: buffered bytes, not consumed.
fn buf_peek(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.check_args("peek", args, 0, 1)?;
    check_buffer(vm, Some("peek"))?;
    let b = vm.allow_threads(|| {
        let stdin = std::io::stdin();
        let mut lock = stdin.lock();
        lock.fill_buf().map(|b| b.to_vec()).unwrap_or_default()
    });
    Ok(vm.new_bytes(b))
}

/// `sys.stdin.buffer.readline(size=-1)`.
fn buf_readline(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let n = size_arg(vm, args, "readline")?;
    check_buffer(vm, Some("readline"))?;
    let b = vm.allow_threads(move || read_line_bytes(n));
    Ok(vm.new_bytes(b))
}

/// `sys.stdin.buffer.readlines(hint=-1)`.
fn buf_readlines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let hint = size_arg(vm, args, "readlines")?;
    check_buffer(vm, None)?;
    let mut lines = Vec::new();
    let mut total = 0usize;
    loop {
        let b = vm.allow_threads(|| read_line_bytes(-1));
        if b.is_empty() {
            break;
        }
        total += b.len();
        lines.push(vm.new_bytes(b));
        if hint > 0 && total >= hint as usize {
            break;
        }
    }
    Ok(vm.new_list(lines))
}

/// `next(sys.stdin.buffer)`.
fn buf_next(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    check_buffer(vm, Some("readline"))?;
    let b = vm.allow_threads(|| read_line_bytes(-1));
    if b.is_empty() {
        return Err(vm.new_error_noargs(ExcKind::StopIteration));
    }
    Ok(vm.new_bytes(b))
}

fn buf_true(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Bool(Truth::True))
}

fn buf_false(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Bool(Truth::False))
}

fn buf_fileno(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Int(0))
}

fn buf_none(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::None)
}

fn buf_repr(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(vm.new_str("<_io.BufferedReader name='<stdin>'>"))
}

fn buf_name(vm: &mut Vm, _v: &Value) -> PyResult<Value> {
    Ok(vm.new_str("<stdin>"))
}

fn buf_mode(vm: &mut Vm, _v: &Value) -> PyResult<Value> {
    Ok(vm.new_str("rb"))
}

fn buf_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    check_buffer(vm, None)?;
    Ok(self_arg(&args))
}

fn buf_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.check_args("close", args, 0, 0)?;
    super::sys_stream_close::close_fd(vm, 0);
    Ok(Value::None)
}

/// `with sys.stdin.buffer as f:` gives the buffer (refused once closed).
fn buf_enter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if is_closed(0) {
        return Err(super::sys_stream_close::closed_error(vm));
    }
    Ok(self_arg(&args))
}

/// Leaving the `with` block closes it (as `IOBase.__exit__`).
fn buf_exit(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    super::sys_stream_close::close_fd(vm, 0);
    Ok(Value::None)
}

fn buf_closed(_vm: &mut Vm, _v: &Value) -> PyResult<Value> {
    Ok(Value::bool(is_closed(0)))
}

crate::interp_local! {
    /// `sys.stdin.buffer` (one object, as in CPython).
    static STDIN_BUFFER: std::cell::RefCell<Option<PyRef>> =
        const { std::cell::RefCell::new(None) };
}

/// `sys.stdin.buffer`: a BufferedReader over descriptor 0.
pub(crate) fn stdin_buffer(vm: &mut Vm) -> Value {
    if let Ok(Some(b)) = STDIN_BUFFER.try_with(|c| c.borrow().clone()) {
        return Value::Obj(b);
    }
    let object = vm.types.object.clone();
    let t = vm.new_native_type("_io", "BufferedReader", &object, Layout::Opaque, 0);
    vm.add_methods(
        &t,
        &[
            ("read", buf_read),
            ("read1", buf_read1),
            ("peek", buf_peek),
            ("readline", buf_readline),
            ("readlines", buf_readlines),
            ("__iter__", buf_iter),
            ("__next__", buf_next),
            ("readable", buf_true),
            ("writable", buf_false),
            ("seekable", buf_false),
            ("isatty", buf_false),
            ("fileno", buf_fileno),
            ("flush", buf_none),
            ("__repr__", buf_repr),
            // Closing the buffer closes descriptor 0, as the stream's
            // `close` does (they share it, as in CPython).
            ("close", buf_close),
            ("__enter__", buf_enter),
            ("__exit__", buf_exit),
        ],
    );
    vm.add_getsets(
        &t,
        &[
            ("name", buf_name, None),
            ("mode", buf_mode, None),
            ("closed", buf_closed, None),
        ],
    );
    let b = vm.new_obj(&t, Payload::Marker(std::cell::Cell::new(0)));
    let _ = STDIN_BUFFER.try_with(|c| *c.borrow_mut() = Some(b.clone()));
    Value::Obj(b)
}

/// Install the reading methods on the standard streams' type.
pub(crate) fn install(vm: &mut Vm, st: &PyRef) {
    vm.add_methods(
        st,
        &[
            ("read", stdin_read),
            ("readline", stdin_readline),
            ("readlines", stdin_readlines),
            ("__iter__", stream_iter),
            ("__next__", stdin_next),
        ],
    );
}
