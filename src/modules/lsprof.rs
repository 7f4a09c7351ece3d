//! `_lsprof`: the deterministic profiler behind `cProfile`, as CPython
//! 3.11's Modules/_lsprof.c. A `Profiler` installs itself as the profile
//! hook (`sys.getprofile()` returns it); vm/trace.rs hands it the events
//! directly ([`callback`]) instead of calling it. Per function (code object,
//! or builtin by name) it keeps call counts, total and inline time, and per
//! caller the same for each callee ("subcalls").

use crate::objects::rc::Rc;
use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Instant;

use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE};
use crate::objects::Payload;
use crate::vm::trace::Event;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// What an entry is keyed by: a code object, or a builtin (its native
/// function and name, CPython's `PyMethodDef`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Code(usize),
    Builtin(usize, usize),
}

#[derive(Default, Clone, Copy)]
struct Counts {
    tt: f64,
    it: f64,
    callcount: i64,
    reccallcount: i64,
    recursion: i64,
}

struct Entry {
    user: Value,
    c: Counts,
    /// Callee entry index -> counts of calls from this entry.
    subs: Vec<(usize, Counts)>,
    sub_index: HashMap<usize, usize>,
}

struct Ctx {
    t0: f64,
    subt: f64,
    entry: usize,
}

struct State {
    timer: Value,
    timeunit: f64,
    subcalls: bool,
    builtins: bool,
    entries: Vec<Entry>,
    index: HashMap<Key, usize>,
    stack: Vec<Ctx>,
}

pub struct Profiler {
    st: RefCell<State>,
    origin: Instant,
}

impl NativeData for Profiler {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        if let Ok(s) = self.st.try_borrow() {
            visit(&s.timer);
            s.entries.iter().for_each(|e| visit(&e.user));
        }
    }
}

crate::interp_local! {
    static TYPES: RefCell<Option<(PyRef, PyRef)>> = const { RefCell::new(None) };
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_lsprof");
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "_lsprof",
        "Profiler",
        &object,
        Layout::Native("Profiler"),
        FLAG_BASETYPE,
    );
    vm.add_staticmethods(&t, &[("__new__", prof_new)]);
    vm.add_methods(
        &t,
        &[
            ("__init__", prof_init),
            ("enable", prof_enable),
            ("disable", prof_disable),
            ("clear", prof_clear),
            ("getstats", prof_getstats),
        ],
    );
    let entry = vm.new_structseq_type(
        "_lsprof",
        "profiler_entry",
        &[
            "code",
            "callcount",
            "reccallcount",
            "totaltime",
            "inlinetime",
            "calls",
        ],
        true,
    );
    let sub = vm.new_structseq_type(
        "_lsprof",
        "profiler_subentry",
        &[
            "code",
            "callcount",
            "reccallcount",
            "totaltime",
            "inlinetime",
        ],
        true,
    );
    TYPES.with(|x| *x.borrow_mut() = Some((entry.clone(), sub.clone())));
    vm.set_attr_raw(&m, "Profiler", Value::Obj(t));
    vm.set_attr_raw(&m, "profiler_entry", Value::Obj(entry));
    vm.set_attr_raw(&m, "profiler_subentry", Value::Obj(sub));
    Ok(m)
}

fn prof_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(cls)) = args.args.first() else {
        return Err(vm.type_error("Profiler.__new__(): not enough arguments"));
    };
    Ok(Value::Obj(vm.new_native(
        cls,
        Profiler {
            st: RefCell::new(State {
                timer: Value::None,
                timeunit: 0.0,
                subcalls: true,
                builtins: true,
                entries: Vec::new(),
                index: HashMap::new(),
                stack: Vec::new(),
            }),
            origin: Instant::now(),
        },
    )))
}

fn this<'a>(vm: &Vm, args: &Args<'a>, m: &str) -> PyResult<&'a Profiler> {
    vm.native_self::<Profiler>(args, "_lsprof.Profiler", m)
}

fn flag(vm: &mut Vm, v: Option<Value>, default: bool) -> PyResult<bool> {
    match v {
        None => Ok(default),
        Some(v) => vm.truthy(&v),
    }
}

/// `Profiler(timer=None, timeunit=0.0, subcalls=True, builtins=True)`.
fn prof_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = this(vm, &args, "__init__")?;
    let a = crate::modules::io::parse_args(
        vm,
        &args,
        "Profiler",
        &["timer", "timeunit", "subcalls", "builtins"],
        0,
        1,
    )?;
    let mut it = a.into_iter();
    let timer = it.next().flatten().unwrap_or(Value::None);
    let timeunit = match it.next().flatten() {
        Some(v) => vm.to_f64(&v)?,
        None => 0.0,
    };
    let subcalls = flag(vm, it.next().flatten(), true)?;
    let builtins = flag(vm, it.next().flatten(), true)?;
    let mut s = p.st.borrow_mut();
    s.timer = timer;
    s.timeunit = timeunit;
    s.subcalls = subcalls;
    s.builtins = builtins;
    Ok(Value::None)
}

fn prof_enable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = this(vm, &args, "enable")?;
    let a = crate::modules::io::parse_args(vm, &args, "enable", &["subcalls", "builtins"], 0, 1)?;
    let mut it = a.into_iter();
    let subcalls = it.next().flatten();
    let builtins = it.next().flatten();
    let sc = {
        let s = p.st.borrow();
        (s.subcalls, s.builtins)
    };
    let subcalls = flag(vm, subcalls, sc.0)?;
    let builtins = flag(vm, builtins, sc.1)?;
    {
        let mut s = p.st.borrow_mut();
        s.subcalls = subcalls;
        s.builtins = builtins;
    }
    let me = args.args.first().cloned().unwrap_or(Value::None);
    crate::modules::sys_trace::set_hook(vm, 1, me);
    Ok(Value::None)
}

fn prof_disable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = this(vm, &args, "disable")?;
    let me = args.args.first().cloned().unwrap_or(Value::None);
    if is_same(&crate::modules::sys_trace::hooks().1, &me) {
        crate::modules::sys_trace::set_hook(vm, 1, Value::None);
    }
    let now = now(vm, p);
    let mut s = p.st.borrow_mut();
    while let Some(ctx) = s.stack.pop() {
        stop(&mut s, ctx, now);
    }
    Ok(Value::None)
}

fn prof_clear(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = this(vm, &args, "clear")?;
    let mut s = p.st.borrow_mut();
    s.entries.clear();
    s.index.clear();
    s.stack.clear();
    Ok(Value::None)
}

fn prof_getstats(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = this(vm, &args, "getstats")?;
    let Some((et, st)) = TYPES.with(|x| x.borrow().clone()) else {
        return Err(vm.system_error("_lsprof is not initialised"));
    };
    let factor = {
        let s = p.st.borrow();
        if !s.timer.is_none() && s.timeunit > 0.0 {
            s.timeunit
        } else {
            1.0
        }
    };
    let rows: Vec<Row> = {
        let s = p.st.borrow();
        s.entries
            .iter()
            .filter(|e| e.c.callcount > 0)
            .map(|e| {
                let subs = e
                    .subs
                    .iter()
                    .filter_map(|(i, c)| s.entries.get(*i).map(|x| (x.user.clone(), *c)))
                    .collect();
                (e.user.clone(), e.c, subs, !e.subs.is_empty())
            })
            .collect()
    };
    let mut out = Vec::with_capacity(rows.len());
    for (user, c, subs, has_subs) in rows {
        let calls = if has_subs {
            let items = subs
                .into_iter()
                .map(|(u, c)| {
                    vm.new_structseq(
                        &st,
                        vec![
                            u,
                            Value::Int(c.callcount),
                            Value::Int(c.reccallcount),
                            Value::float(c.tt * factor),
                            Value::float(c.it * factor),
                        ],
                    )
                })
                .collect();
            vm.new_list(items)
        } else {
            Value::None
        };
        out.push(vm.new_structseq(
            &et,
            vec![
                user,
                Value::Int(c.callcount),
                Value::Int(c.reccallcount),
                Value::float(c.tt * factor),
                Value::float(c.it * factor),
                calls,
            ],
        ));
    }
    Ok(vm.new_list(out))
}

/// One entry of `getstats`: object, counts, subentries, whether any.
type Row = (Value, Counts, Vec<(Value, Counts)>, bool);

fn is_same(a: &Value, b: &Value) -> bool {
    matches!((a, b), (Value::Obj(x), Value::Obj(y)) if Rc::ptr_eq(x, y))
}

/// Whether `v` is a `_lsprof.Profiler` (the profile hook it installs).
pub fn is_profiler(vm: &Vm, v: &Value) -> bool {
    vm.native::<Profiler>(v).is_some()
}

/// The profiler's clock, in seconds (or timer units).
fn now(vm: &mut Vm, p: &Profiler) -> f64 {
    let timer = p.st.borrow().timer.clone();
    if timer.is_none() {
        return p.origin.elapsed().as_secs_f64();
    }
    match vm.call(&timer, &[]) {
        Ok(v) => vm.to_f64(&v).unwrap_or(0.0),
        Err(_) => 0.0,
    }
}

/// `profiler_callback`: one profile event for the top frame.
pub fn callback(vm: &mut Vm, prof: &Value, ev: Event, arg: &Value) -> PyResult<()> {
    let Some(p) = vm.native::<Profiler>(prof) else {
        return Ok(());
    };
    let p: &Profiler = p;
    // Keep the profiler alive across the timer call.
    let _keep = prof.clone();
    match ev {
        Event::Call | Event::Return => {
            let Some(code) = vm.frames.last().map(|f| f.code.clone()) else {
                return Ok(());
            };
            let key = Key::Code(Rc::as_ptr(&code) as *const u8 as usize);
            if ev == Event::Call {
                let user = Value::Obj(vm.code_object(&code));
                let t = now(vm, p);
                enter(p, key, user, t);
            } else {
                let t = now(vm, p);
                leave(p, key, t);
            }
        }
        Event::CCall | Event::CReturn | Event::CException => {
            if !p.st.borrow().builtins {
                return Ok(());
            }
            let Value::Obj(f) = arg else {
                return Ok(());
            };
            let Payload::Builtin(b) = &f.payload else {
                return Ok(());
            };
            let key = Key::Builtin(b.func as usize, b.name.as_ptr() as usize);
            if ev == Event::CCall {
                let known = p.st.borrow().index.contains_key(&key);
                let user = if known {
                    Value::None
                } else {
                    let s = normalize_builtin(vm, arg, b.name)?;
                    vm.new_string(s)
                };
                let t = now(vm, p);
                enter(p, key, user, t);
            } else {
                let t = now(vm, p);
                leave(p, key, t);
            }
        }
        _ => {}
    }
    Ok(())
}

/// `normalizeUserObj` for a builtin function or bound builtin method.
fn normalize_builtin(vm: &mut Vm, f: &Value, name: &str) -> PyResult<String> {
    let self_ = vm.getattr_opt(f, "__self__")?.unwrap_or(Value::None);
    let module = vm.getattr_opt(f, "__module__")?.unwrap_or(Value::None);
    let modname = vm.as_str_obj(&module).map(|s| s.as_str().to_string());
    if self_.is_none() {
        return Ok(match modname {
            Some(m) if m != "builtins" => format!("<{m}.{name}>"),
            _ => format!("<{name}>"),
        });
    }
    let ty = vm.type_of(&self_);
    if let Some(d) = vm.type_lookup_str(&ty, name) {
        if let Ok(r) = vm.repr(&d) {
            return Ok(r);
        }
    }
    Ok(match modname {
        Some(m) => format!("<built-in method {m}.{name}>"),
        None => format!("<built-in method {name}>"),
    })
}

/// `ptrace_enter_call` + `initContext`.
fn enter(p: &Profiler, key: Key, user: Value, t0: f64) {
    let mut s = p.st.borrow_mut();
    let idx = match s.index.get(&key) {
        Some(&i) => i,
        None => {
            let i = s.entries.len();
            s.entries.push(Entry {
                user,
                c: Counts::default(),
                subs: Vec::new(),
                sub_index: HashMap::new(),
            });
            s.index.insert(key, i);
            i
        }
    };
    if let Some(e) = s.entries.get_mut(idx) {
        e.c.recursion += 1;
    }
    let subcalls = s.subcalls;
    if let (true, Some(prev)) = (subcalls, s.stack.last().map(|c| c.entry)) {
        if let Some(caller) = s.entries.get_mut(prev) {
            let si = match caller.sub_index.get(&idx) {
                Some(&si) => si,
                None => {
                    caller.subs.push((idx, Counts::default()));
                    let si = caller.subs.len() - 1;
                    caller.sub_index.insert(idx, si);
                    si
                }
            };
            if let Some((_, c)) = caller.subs.get_mut(si) {
                c.recursion += 1;
            }
        }
    }
    s.stack.push(Ctx {
        t0,
        subt: 0.0,
        entry: idx,
    });
}

/// `ptrace_leave_call`: close the current context if `key` is known.
fn leave(p: &Profiler, key: Key, now: f64) {
    let mut s = p.st.borrow_mut();
    if !s.index.contains_key(&key) {
        return;
    }
    let Some(ctx) = s.stack.pop() else {
        return;
    };
    stop(&mut s, ctx, now);
}

/// `Stop`: account a finished context to its entry and its caller's
/// subentry.
fn stop(s: &mut State, ctx: Ctx, now: f64) {
    let tt = now - ctx.t0;
    let it = tt - ctx.subt;
    if let Some(prev) = s.stack.last_mut() {
        prev.subt += tt;
    }
    let account = |c: &mut Counts| {
        c.recursion -= 1;
        if c.recursion == 0 {
            c.tt += tt;
        } else {
            c.reccallcount += 1;
        }
        c.it += it;
        c.callcount += 1;
    };
    if let Some(e) = s.entries.get_mut(ctx.entry) {
        account(&mut e.c);
    }
    if s.subcalls {
        if let Some(prev) = s.stack.last().map(|c| c.entry) {
            if let Some(caller) = s.entries.get_mut(prev) {
                if let Some(&si) = caller.sub_index.get(&ctx.entry) {
                    if let Some((_, c)) = caller.subs.get_mut(si) {
                        account(c);
                    }
                }
            }
        }
    }
}
