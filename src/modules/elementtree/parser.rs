//! `xml.etree.ElementTree.XMLParser` as `_elementtree.c` has it: expat
//! (pycvm's Rust parser, `pyexpat::core`) driven directly, its events
//! going to an exact TreeBuilder target without Python calls, or to the
//! target's methods otherwise. Names become `{uri}local` (memoised per
//! parser, as C's `names` dict), errors `ParseError` with `code` and
//! `position`.

use std::cell::RefCell;
use std::collections::HashMap;

use super::builder::{
    exact_builder, Builder, EV_COMMENT, EV_END, EV_END_NS, EV_PI, EV_START, EV_START_NS,
};
use crate::modules::itertools::clinic::{self, parse, KwStyle, Sig};
use crate::modules::pyexpat::core::{Core, Name, NameHash, Opts};
use crate::modules::pyexpat::events::{error_string, Ev, Event};
use crate::objects::bytes::buffer_bytes;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The target's methods (for a target that is not an exact TreeBuilder).
#[derive(Default)]
struct Handlers {
    start: Option<Value>,
    end: Option<Value>,
    data: Option<Value>,
    comment: Option<Value>,
    pi: Option<Value>,
    start_ns: Option<Value>,
    end_ns: Option<Value>,
    close: Option<Value>,
    doctype: Option<Value>,
}

impl Handlers {
    fn all(&self) -> [&Option<Value>; 9] {
        [
            &self.start,
            &self.end,
            &self.data,
            &self.comment,
            &self.pi,
            &self.start_ns,
            &self.end_ns,
            &self.close,
            &self.doctype,
        ]
    }
}

pub struct EtParser {
    core: RefCell<Option<Core>>,
    target: RefCell<Option<Value>>,
    entity: RefCell<Value>,
    names: RefCell<HashMap<Name, Value, NameHash>>,
    h: RefCell<Handlers>,
    /// The event list, kept between slices for its capacity.
    events: RefCell<Vec<Ev>>,
}

thread_local! {
    /// The event list of the last parser dropped, empty, kept for its
    /// capacity: a program that parses document after document
    /// (pyperformance's xml_etree) would otherwise grow each parser's list
    /// from nothing, copying it at every doubling.
    static SPARE_EVENTS: RefCell<Vec<Ev>> = const { RefCell::new(Vec::new()) };
}

/// At most this many events' room is kept for the next parser.
const SPARE_MAX: usize = 4096;

fn spare_events() -> Vec<Ev> {
    SPARE_EVENTS
        .try_with(|s| s.try_borrow_mut().map(|mut v| std::mem::take(&mut *v)))
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default()
}

impl Drop for EtParser {
    fn drop(&mut self) {
        let mut v = std::mem::take(self.events.get_mut());
        v.clear();
        if v.capacity() == 0 || v.capacity() > SPARE_MAX {
            return;
        }
        // During thread exit the slot may be gone: the list is dropped.
        let _ = SPARE_EVENTS.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut() {
                if s.capacity() < v.capacity() {
                    *s = v;
                }
            }
        });
    }
}

impl NativeData for EtParser {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        if let Ok(t) = self.target.try_borrow() {
            if let Some(t) = t.as_ref() {
                visit(t);
            }
        }
        if let Ok(e) = self.entity.try_borrow() {
            visit(&e);
        }
        if let Ok(h) = self.h.try_borrow() {
            h.all().into_iter().flatten().for_each(visit);
        }
    }

    fn clear(&self, out: &mut Vec<Value>) {
        if let Ok(mut t) = self.target.try_borrow_mut() {
            out.extend(t.take());
        }
        if let Ok(mut h) = self.h.try_borrow_mut() {
            let old = std::mem::take(&mut *h);
            out.extend(
                [
                    old.start,
                    old.end,
                    old.data,
                    old.comment,
                    old.pi,
                    old.start_ns,
                    old.end_ns,
                    old.close,
                    old.doctype,
                ]
                .into_iter()
                .flatten(),
            );
        }
    }
}

fn me<'a>(vm: &Vm, args: &Args<'a>, method: &str) -> PyResult<&'a EtParser> {
    vm.native_self::<EtParser>(args, "xml.etree.ElementTree.XMLParser", method)
}

fn p_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = clinic::cls_arg(vm, &args, "XMLParser")?;
    Ok(Value::Obj(vm.new_native(
        &cls,
        EtParser {
            core: RefCell::new(None),
            target: RefCell::new(None),
            entity: RefCell::new(Value::None),
            names: RefCell::new(HashMap::default()),
            h: RefCell::new(Handlers::default()),
            events: RefCell::new(spare_events()),
        },
    )))
}

fn p_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = me(vm, &args, "__init__")?;
    const SIG: Sig = Sig {
        fname: "XMLParser",
        names: &["target", "encoding"],
        required: 0,
        maxpos: 0,
        style: KwStyle::Invalid,
    };
    if args.pos().len() > 1 {
        return Err(vm.type_error("XMLParser() takes no positional arguments"));
    }
    let a = parse(vm, &args, 1, &SIG)?;
    let target = a.first().cloned().flatten().unwrap_or(Value::None);
    let encoding = match a.get(1).cloned().flatten() {
        None | Some(Value::None) => None,
        Some(v) => match vm.as_str_obj(&v) {
            Some(s) => Some(s.as_str().to_string()),
            None => {
                return Err(vm.type_error(format!(
                    "XMLParser() argument 'encoding' must be str or None, not {}",
                    vm.arg_type_name(&v)
                )))
            }
        },
    };
    *p.core.borrow_mut() = Some(Core::new(encoding, Some("}".to_string())));
    *p.entity.borrow_mut() = Value::Obj(vm.new_dict());
    let target = if target.is_none() {
        let Some(t) = super::STATE.with(|s| s.borrow().as_ref().map(|s| s.builder.clone())) else {
            return Err(vm.runtime_error("_elementtree is not initialized"));
        };
        Value::Obj(vm.new_native(&t, Builder::new()))
    } else {
        target
    };
    let mut h = Handlers::default();
    if exact_builder(vm, &target).is_none() {
        h.start = vm.getattr_opt(&target, "start")?;
        h.end = vm.getattr_opt(&target, "end")?;
        h.data = vm.getattr_opt(&target, "data")?;
        h.comment = vm.getattr_opt(&target, "comment")?;
        h.pi = vm.getattr_opt(&target, "pi")?;
        h.close = vm.getattr_opt(&target, "close")?;
        h.doctype = vm.getattr_opt(&target, "doctype")?;
        h.start_ns = vm.getattr_opt(&target, "start_ns")?;
        h.end_ns = vm.getattr_opt(&target, "end_ns")?;
    }
    *p.h.borrow_mut() = h;
    *p.target.borrow_mut() = Some(target);
    p.names.borrow_mut().clear();
    Ok(Value::None)
}

fn target_of(vm: &Vm, p: &EtParser) -> PyResult<Value> {
    p.target
        .borrow()
        .clone()
        .ok_or_else(|| vm.value_error("XMLParser.__init__() wasn't called"))
}

/// `makeuniversal`: `uri}local` → `{uri}local`, memoised.
fn universal(vm: &Vm, p: &EtParser, name: &Name) -> Value {
    if let Some(v) = p.names.borrow().get(&**name) {
        return v.clone();
    }
    let v = if name.contains('}') {
        vm.new_string(format!("{{{name}"))
    } else {
        vm.new_str(name)
    };
    p.names.borrow_mut().insert(name.clone(), v.clone());
    v
}

/// A str made from parsed text or an attribute value: one Latin-1
/// character is CPython's singleton (`PyUnicode_DecodeUTF8` returns it),
/// so the `"\n"` tails and one-letter texts of a document are one object
/// each, as in CPython, instead of a block per element.
fn text_str(vm: &mut Vm, s: String) -> Value {
    let mut chars = s.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if let Some(r) = vm.latin1_char(c) {
            return Value::Obj(r);
        }
    }
    vm.new_string(s)
}

fn opt_str(vm: &Vm, s: Option<String>) -> Value {
    s.map_or(Value::None, |s| vm.new_string(s))
}

/// Run one event's handler (`b`: the target when it is an exact
/// TreeBuilder).
fn dispatch(
    vm: &mut Vm,
    p: &EtParser,
    target: &Value,
    b: Option<&Builder>,
    ev: Ev,
) -> PyResult<()> {
    match ev.kind {
        Event::Start { name, attrs, .. } => {
            let tag = universal(vm, p, &name);
            let attrib = if attrs.is_empty() {
                None
            } else {
                let d = vm.new_dict();
                for (k, v) in attrs {
                    let k = universal(vm, p, &k);
                    let v = text_str(vm, v);
                    vm.dict_set(&d, k, v)?;
                }
                Some(d)
            };
            if let Some(b) = b {
                b.handle_start(vm, tag, attrib)?;
            } else if let Some(h) = p.h.borrow().start.clone() {
                let a = attrib.unwrap_or_else(|| vm.new_dict());
                vm.call(&h, &[tag, Value::Obj(a)])?;
            }
        }
        Event::End { name, .. } => {
            if let Some(b) = b {
                b.handle_end(vm)?;
            } else if let Some(h) = p.h.borrow().end.clone() {
                let tag = universal(vm, p, &name);
                vm.call(&h, &[tag])?;
            }
        }
        Event::Chars(text) => {
            let s = text_str(vm, text);
            if let Some(b) = b {
                b.handle_data(s);
            } else if let Some(h) = p.h.borrow().data.clone() {
                vm.call(&h, &[s])?;
            }
        }
        Event::Comment(text) => {
            if let Some(b) = b {
                let s = vm.new_string(text);
                b.handle_comment(vm, s)?;
            } else if let Some(h) = p.h.borrow().comment.clone() {
                let s = vm.new_string(text);
                vm.call(&h, &[s])?;
            }
        }
        Event::Pi { target: t, data } => {
            if let Some(b) = b {
                let (t, d) = (vm.new_string(t), vm.new_string(data));
                b.handle_pi(vm, t, d)?;
            } else if let Some(h) = p.h.borrow().pi.clone() {
                let (t, d) = (vm.new_string(t), vm.new_string(data));
                vm.call(&h, &[t, d])?;
            }
        }
        Event::StartNs { prefix, uri } => {
            let prefix = vm.new_string(prefix.unwrap_or_default());
            let uri = vm.new_string(uri.unwrap_or_default());
            if let Some(b) = b {
                if b.wants(EV_START_NS) {
                    b.handle_start_ns(vm, prefix, uri)?;
                }
            } else if let Some(h) = p.h.borrow().start_ns.clone() {
                vm.call(&h, &[prefix, uri])?;
            }
        }
        Event::EndNs(prefix) => {
            if let Some(b) = b {
                if b.wants(EV_END_NS) {
                    b.handle_end_ns(vm)?;
                }
            } else if let Some(h) = p.h.borrow().end_ns.clone() {
                let prefix = vm.new_string(prefix.unwrap_or_default());
                vm.call(&h, &[prefix])?;
            }
        }
        Event::StartDoctype {
            name, sysid, pubid, ..
        } => {
            if let Some(h) = p.h.borrow().doctype.clone() {
                let name = universal(vm, p, &Name::from(name));
                let (pubid, sysid) = (opt_str(vm, pubid), opt_str(vm, sysid));
                vm.call(&h, &[name, pubid, sysid])?;
            }
        }
        Event::Skipped { .. } | Event::ExternalRef { .. } | Event::Default(_) => {
            default_handler(vm, p, target, &ev.raw, ev.pos)?;
        }
        _ => {}
    }
    Ok(())
}

/// `expat_default_handler`: an entity reference expat could not expand
/// takes its value from `parser.entity`, else it is an error.
fn default_handler(
    vm: &mut Vm,
    p: &EtParser,
    target: &Value,
    raw: &str,
    pos: crate::modules::pyexpat::input::Pos,
) -> PyResult<()> {
    let b = raw.as_bytes();
    if b.len() < 2 || b.first() != Some(&b'&') {
        return Ok(());
    }
    let key = vm.new_str(raw.get(1..raw.len() - 1).unwrap_or(""));
    let entity = p.entity.borrow().clone();
    let value = match &entity {
        Value::Obj(d) if matches!(d.payload, Payload::Dict(_)) => vm.dict_get(d, &key)?,
        _ => vm.getitem(&entity, &key).ok(),
    };
    match value {
        Some(v) => {
            if let Some(b) = exact_builder(vm, target) {
                b.handle_data(v);
            } else if let Some(h) = p.h.borrow().data.clone() {
                vm.call(&h, &[v])?;
            }
            Ok(())
        }
        None => {
            let shown: String = raw.chars().take(100).collect();
            Err(error_at(
                vm,
                11,
                pos.line,
                pos.col,
                &format!("undefined entity {shown}"),
            ))
        }
    }
}

/// `expat_set_error`: `ParseError("msg: line L, column C")` with `code`
/// and `position`.
fn error_at(vm: &mut Vm, code: u32, line: u64, col: u64, msg: &str) -> crate::vm::PyErr {
    let e = super::parse_error(vm, &format!("{msg}: line {line}, column {col}"));
    vm.set_attr_raw(&e.0, "code", Value::Int(i64::from(code)));
    let pos = vm.new_tuple_of([Value::Int(line as i64), Value::Int(col as i64)]);
    vm.set_attr_raw(&e.0, "position", pos);
    e
}

/// Feed a chunk to expat and run the handlers of its events.
fn feed_bytes(vm: &mut Vm, p: &EtParser, data: &[u8], fin: bool) -> PyResult<()> {
    let target = target_of(vm, p)?;
    let opts = Opts {
        expand_internal: true,
        ns_triplets: false,
        keep_raw: false,
    };
    // An exact TreeBuilder joins character data, so its chunking does not
    // show: the input goes in slices, each slice's events dispatched
    // before the next (no large event list).
    let step = if exact_builder(vm, &target).is_some() {
        SLICE
    } else {
        data.len().max(1)
    };
    let mut at = 0;
    loop {
        let end = (at + step).min(data.len());
        let last = end >= data.len();
        let chunk = data.get(at..end).unwrap_or(&[]);
        feed_slice(vm, p, &target, chunk, fin && last, opts)?;
        if last {
            break;
        }
        at = end;
    }
    Ok(())
}

/// Bytes of input parsed at a time for a TreeBuilder target.
const SLICE: usize = 16 * 1024;

fn feed_slice(
    vm: &mut Vm,
    p: &EtParser,
    target: &Value,
    data: &[u8],
    fin: bool,
    opts: Opts,
) -> PyResult<()> {
    let Some(mut core) = p.core.borrow_mut().take() else {
        return Err(vm.runtime_error("parser is already parsing"));
    };
    let mut events = std::mem::take(&mut *p.events.borrow_mut());
    let mut codec_err = None;
    let mut unknown = |name: &str| match crate::modules::pyexpat::unknown_encoding(vm, name) {
        Ok(t) => Some(t),
        Err(e) => {
            codec_err = Some(e);
            None
        }
    };
    let r = core.feed(data, fin, opts, &mut unknown, &mut events);
    *p.core.borrow_mut() = Some(core);
    if let Some(e) = codec_err {
        return Err(e);
    }
    let mut failed = None;
    let b = exact_builder(vm, target);
    for ev in events.drain(..) {
        if failed.is_none() {
            failed = dispatch(vm, p, target, b, ev).err();
        }
    }
    *p.events.borrow_mut() = events;
    if let Some(e) = failed {
        if let Some(c) = p.core.borrow_mut().as_mut() {
            c.finished = true;
        }
        return Err(e);
    }
    if let Err(e) = r {
        let msg = error_string(e.code).unwrap_or("unknown error");
        return Err(error_at(vm, e.code, e.pos.line, e.pos.col, msg));
    }
    Ok(())
}

fn p_feed(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = me(vm, &args, "feed")?;
    let a = clinic::positional(vm, &args, 1, "feed", 1, 1)?;
    let data = a.first().cloned().unwrap_or(Value::None);
    if let Some(s) = vm.as_str_obj(&data) {
        let b = s.as_str().as_bytes().to_vec();
        if let Some(c) = p.core.borrow_mut().as_mut() {
            c.forced = Some("utf-8".into());
        }
        feed_bytes(vm, p, &b, false)?;
        return Ok(Value::None);
    }
    let Some(b) = buffer_bytes(vm, &data)? else {
        return Err(vm.type_error(format!(
            "a bytes-like object is required, not '{}'",
            vm.type_name_of(&data)
        )));
    };
    feed_bytes(vm, p, &b, false)?;
    Ok(Value::None)
}

/// What `close()` and `_parse_whole()` return after the last chunk.
fn finish(vm: &mut Vm, p: &EtParser) -> PyResult<Value> {
    feed_bytes(vm, p, b"", true)?;
    let target = target_of(vm, p)?;
    if let Some(b) = exact_builder(vm, &target) {
        return Ok(b.done());
    }
    let close = p.h.borrow().close.clone();
    match close {
        Some(c) => vm.call(&c, &[]),
        None => Ok(Value::None),
    }
}

fn p_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = me(vm, &args, "close")?;
    clinic::positional(vm, &args, 1, "close", 0, 0)?;
    finish(vm, p)
}

fn p_parse_whole(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = me(vm, &args, "_parse_whole")?;
    let a = clinic::positional(vm, &args, 1, "_parse_whole", 1, 1)?;
    let file = a.first().cloned().unwrap_or(Value::None);
    let read = vm.getattr_str(&file, "read")?;
    loop {
        let buf = vm.call(&read, &[Value::Int(64 * 1024)])?;
        let bytes = match &buf {
            Value::Obj(o) if o.class_is(&vm.types.str) => {
                let s = vm.as_str_obj(&buf).map(|s| s.as_str().as_bytes().to_vec());
                match s {
                    Some(b) if !b.is_empty() => b,
                    _ => break,
                }
            }
            Value::Obj(o) if o.class_is(&vm.types.bytes) => match &o.payload {
                Payload::Bytes(b) if !b.is_empty() => b.to_vec(),
                _ => break,
            },
            _ => break,
        };
        feed_bytes(vm, p, &bytes, false)?;
    }
    finish(vm, p)
}

fn p_setevents(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = me(vm, &args, "_setevents")?;
    let a = clinic::positional(vm, &args, 1, "_setevents", 1, 2)?;
    let queue = a.first().cloned().unwrap_or(Value::None);
    let events = a.get(1).cloned().unwrap_or(Value::None);
    let target = target_of(vm, p)?;
    let Some(b) = exact_builder(vm, &target) else {
        return Err(
            vm.type_error("event handling only supported for ElementTree.TreeBuilder targets")
        );
    };
    let append = vm.getattr_str(&queue, "append")?;
    *b.events_append.borrow_mut() = Some(append);
    // `deque` itself (not a subclass, which may redefine `append`).
    let exact_deque = vm
        .native::<crate::modules::collections::deque::Deque>(&queue)
        .is_some()
        && crate::objects::typeobj::type_data(&vm.type_of(&queue))
            .is_some_and(|td| !td.has_flag(crate::objects::typeobj::FLAG_HEAPTYPE));
    *b.events_deque.borrow_mut() = exact_deque.then(|| queue.clone());
    *b.events.borrow_mut() = Default::default();
    if events.is_none() {
        let end = vm.new_str("end");
        if let Some(slot) = b.events.borrow_mut().get_mut(EV_END) {
            *slot = Some(end);
        }
        return Ok(Value::None);
    }
    let items = match vm.seq_items(&events) {
        Some(i) => i,
        None => {
            if vm.iter(&events).is_err() {
                return Err(vm.type_error("events must be a sequence"));
            }
            vm.collect_iter(&events)?
        }
    };
    for name in items {
        let s = match vm.as_str_obj(&name) {
            Some(s) => s.as_str().to_string(),
            None => match &name {
                Value::Obj(o) => match &o.payload {
                    Payload::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
                    _ => return Err(vm.value_error("invalid events sequence")),
                },
                _ => return Err(vm.value_error("invalid events sequence")),
            },
        };
        let idx = match s.as_str() {
            "start" => EV_START,
            "end" => EV_END,
            "start-ns" => EV_START_NS,
            "end-ns" => EV_END_NS,
            "comment" => EV_COMMENT,
            "pi" => EV_PI,
            _ => return Err(vm.value_error(format!("unknown event '{s}'"))),
        };
        if let Some(slot) = b.events.borrow_mut().get_mut(idx) {
            *slot = Some(name);
        }
    }
    Ok(Value::None)
}

fn get_target(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    let p = this(vm, obj)?;
    Ok(p.target.borrow().clone().unwrap_or(Value::None))
}

fn get_entity(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    let p = this(vm, obj)?;
    let e = p.entity.borrow().clone();
    Ok(e)
}

fn get_version(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
    this(vm, obj)?;
    Ok(vm.new_str("Expat 2.5.0"))
}

fn this<'a>(vm: &Vm, obj: &'a Value) -> PyResult<&'a EtParser> {
    vm.native::<EtParser>(obj).ok_or_else(|| {
        vm.type_error("descriptor requires a 'xml.etree.ElementTree.XMLParser' object")
    })
}

pub fn make_type(vm: &mut Vm) -> PyRef {
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "xml.etree.ElementTree",
        "XMLParser",
        &object,
        crate::objects::typeobj::Layout::Native("XMLParser"),
        crate::objects::typeobj::FLAG_BASETYPE,
    );
    vm.add_staticmethods(&t, &[("__new__", p_new)]);
    vm.add_methods(
        &t,
        &[
            ("__init__", p_init),
            ("feed", p_feed),
            ("close", p_close),
            ("_parse_whole", p_parse_whole),
            ("_setevents", p_setevents),
        ],
    );
    vm.add_getsets(
        &t,
        &[
            ("target", get_target, None),
            ("entity", get_entity, None),
            ("version", get_version, None),
        ],
    );
    t
}
