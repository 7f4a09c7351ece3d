//! The `pyexpat.xmlparser` object: `ParserCreate`, `Parse`, `ParseFile`,
//! the handler attributes, the parse options (`buffer_text`,
//! `ordered_attributes`...), positions and error attributes. `Parse` runs
//! the Rust parser over the chunk, then calls the handlers for its events
//! in order (so a handler sees the position of its event, and handlers
//! set from within handlers take effect for the following events).

use std::cell::{Cell, RefCell};

use super::attrs::*;
use super::core::{Core, Opts};
use super::events::{DtdGroup, Ev, Event, Model, XmlError};
use super::input::Pos;
use crate::objects::bytes::buffer_bytes;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_HAS_WEAKREF};
use crate::vm::proto::str_of;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// Handler attribute names, CPython's order.
const HANDLERS: &[&str] = &[
    "StartElementHandler",
    "EndElementHandler",
    "ProcessingInstructionHandler",
    "CharacterDataHandler",
    "UnparsedEntityDeclHandler",
    "NotationDeclHandler",
    "StartNamespaceDeclHandler",
    "EndNamespaceDeclHandler",
    "CommentHandler",
    "StartCdataSectionHandler",
    "EndCdataSectionHandler",
    "DefaultHandler",
    "DefaultHandlerExpand",
    "NotStandaloneHandler",
    "ExternalEntityRefHandler",
    "StartDoctypeDeclHandler",
    "EndDoctypeDeclHandler",
    "EntityDeclHandler",
    "XmlDeclHandler",
    "ElementDeclHandler",
    "AttlistDeclHandler",
    "SkippedEntityHandler",
];

const H_START: usize = 0;
const H_END: usize = 1;
const H_PI: usize = 2;
const H_CHARS: usize = 3;
const H_UNPARSED: usize = 4;
const H_NOTATION: usize = 5;
const H_START_NS: usize = 6;
const H_END_NS: usize = 7;
const H_COMMENT: usize = 8;
const H_START_CDATA: usize = 9;
const H_END_CDATA: usize = 10;
const H_DEFAULT: usize = 11;
const H_DEFAULT_EXPAND: usize = 12;
const H_EXTERNAL: usize = 14;
const H_START_DOCTYPE: usize = 15;
const H_END_DOCTYPE: usize = 16;
const H_ENTITY: usize = 17;
const H_XMLDECL: usize = 18;
const H_ELEMENT: usize = 19;
const H_ATTLIST: usize = 20;
const H_SKIPPED: usize = 21;

/// CPython's `BUF_SIZE` for `ParseFile` reads.
const READ_SIZE: i64 = 2048;

pub struct XmlParser {
    pub(super) core: RefCell<Option<Core>>,
    pub(super) handlers: RefCell<Vec<Value>>,
    /// Which of the two default handlers expat has (the last one set).
    pub(super) default_expand: Cell<Option<bool>>,
    pub(super) buffer: RefCell<Option<String>>,
    pub(super) buffer_size: Cell<usize>,
    pub(super) ordered: Cell<bool>,
    pub(super) specified: Cell<bool>,
    pub(super) ns_prefixes: Cell<bool>,
    pub(super) intern: Value,
    pub(super) base: RefCell<Value>,
    /// The position while a handler runs (or after parsing).
    pub(super) cur: Cell<Pos>,
    pub(super) error: Cell<Option<XmlError>>,
    pub(super) ns_sep: Option<String>,
    pub(super) encoding: Option<String>,
    pub(super) foreign_dtd: Cell<bool>,
}

impl NativeData for XmlParser {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        if let Ok(h) = self.handlers.try_borrow() {
            h.iter().for_each(&mut *visit);
        }
        visit(&self.intern);
    }
}

macro_rules! handler_accessors {
    ($($idx:literal => $get:ident, $set:ident;)*) => {
        $(
            fn $get(vm: &mut Vm, obj: &Value) -> PyResult<Value> {
                handler_get(vm, obj, $idx)
            }
            fn $set(vm: &mut Vm, obj: &Value, v: Option<Value>) -> PyResult<()> {
                handler_set(vm, obj, $idx, v)
            }
        )*
        const ACCESSORS: &[(crate::objects::function::GetterFn, crate::objects::function::SetterFn)] =
            &[$(($get, $set)),*];
    };
}

handler_accessors! {
    0 => get_h0, set_h0; 1 => get_h1, set_h1; 2 => get_h2, set_h2; 3 => get_h3, set_h3;
    4 => get_h4, set_h4; 5 => get_h5, set_h5; 6 => get_h6, set_h6; 7 => get_h7, set_h7;
    8 => get_h8, set_h8; 9 => get_h9, set_h9; 10 => get_h10, set_h10; 11 => get_h11, set_h11;
    12 => get_h12, set_h12; 13 => get_h13, set_h13; 14 => get_h14, set_h14; 15 => get_h15, set_h15;
    16 => get_h16, set_h16; 17 => get_h17, set_h17; 18 => get_h18, set_h18; 19 => get_h19, set_h19;
    20 => get_h20, set_h20; 21 => get_h21, set_h21;
}

pub fn make_type(vm: &mut Vm) -> PyRef {
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "pyexpat",
        "xmlparser",
        &object,
        Layout::Native("xmlparser"),
        0,
    );
    if let Some(td) = crate::objects::typeobj::type_data(&t) {
        td.flags.set(td.flags.get() | FLAG_HAS_WEAKREF);
    }
    vm.add_staticmethods(&t, &[("__new__", xmlparser_new)]);
    vm.add_methods(
        &t,
        &[
            ("Parse", xmlparser_parse),
            ("ParseFile", xmlparser_parse_file),
            ("SetBase", xmlparser_set_base),
            ("GetBase", xmlparser_get_base),
            ("GetInputContext", xmlparser_get_input_context),
            (
                "ExternalEntityParserCreate",
                xmlparser_external_entity_parser_create,
            ),
            ("SetParamEntityParsing", xmlparser_set_param_entity_parsing),
            ("UseForeignDTD", xmlparser_use_foreign_dtd),
        ],
    );
    let mut gs: Vec<(
        &'static str,
        crate::objects::function::GetterFn,
        Option<crate::objects::function::SetterFn>,
    )> = HANDLERS
        .iter()
        .zip(ACCESSORS)
        .map(|(n, (g, s))| (*n, *g, Some(*s)))
        .collect();
    gs.extend_from_slice(&[
        (
            "buffer_text",
            get_buffer_text as crate::objects::function::GetterFn,
            Some(set_buffer_text as crate::objects::function::SetterFn),
        ),
        ("buffer_size", get_buffer_size, Some(set_buffer_size)),
        ("buffer_used", get_buffer_used, None),
        ("ordered_attributes", get_ordered, Some(set_ordered)),
        ("specified_attributes", get_specified, Some(set_specified)),
        ("namespace_prefixes", get_ns_prefixes, Some(set_ns_prefixes)),
        ("intern", get_intern, None),
        ("ErrorCode", get_error_code, None),
        ("ErrorLineNumber", get_error_line, None),
        ("ErrorColumnNumber", get_error_column, None),
        ("ErrorByteIndex", get_error_byte, None),
        ("CurrentLineNumber", get_cur_line, None),
        ("CurrentColumnNumber", get_cur_column, None),
        ("CurrentByteIndex", get_cur_byte, None),
    ]);
    vm.add_getsets(&t, &gs);
    t
}

/// `xmlparser()`: only `ParserCreate` makes parsers.
fn xmlparser_new(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(vm.type_error("cannot create 'pyexpat.xmlparser' instances"))
}

/// A name as a str, through the `intern` dict when there is one.
fn intern_name(vm: &mut Vm, p: &XmlParser, s: &str) -> PyResult<Value> {
    let v = vm.new_str(s);
    let Value::Obj(d) = &p.intern else {
        return Ok(v);
    };
    if !matches!(d.payload, crate::objects::Payload::Dict(_)) {
        return Ok(v);
    }
    if let Some(old) = vm.dict_get(d, &v)? {
        return Ok(old);
    }
    vm.dict_set(d, v.clone(), v.clone())?;
    Ok(v)
}

pub(super) fn this<'a>(vm: &Vm, obj: &'a Value) -> PyResult<&'a XmlParser> {
    vm.native::<XmlParser>(obj)
        .ok_or_else(|| vm.type_error("descriptor requires a 'pyexpat.xmlparser' object"))
}

/// `ParserCreate(encoding=None, namespace_separator=None, intern=...)`.
pub fn parser_create(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let pos = args.pos();
    if pos.len() > 3 {
        return Err(vm.type_error(format!(
            "ParserCreate() takes at most 3 arguments ({} given)",
            pos.len()
        )));
    }
    let mut vals: [Option<Value>; 3] = [
        pos.first().cloned(),
        pos.get(1).cloned(),
        pos.get(2).cloned(),
    ];
    for (k, v) in args.kwargs() {
        let i = match str_of(k) {
            "encoding" => 0,
            "namespace_separator" => 1,
            "intern" => 2,
            other => {
                return Err(vm.type_error(format!(
                    "'{other}' is an invalid keyword argument for ParserCreate()"
                )))
            }
        };
        if let Some(slot) = vals.get_mut(i) {
            *slot = Some(v.clone());
        }
    }
    let text_arg = |vm: &Vm, v: &Option<Value>, name: &str| -> PyResult<Option<String>> {
        match v {
            None | Some(Value::None) => Ok(None),
            Some(v) => match vm.as_str_obj(v) {
                Some(s) => Ok(Some(s.as_str().to_string())),
                None => Err(vm.type_error(format!(
                    "ParserCreate() argument '{name}' must be str or None, not {}",
                    vm.arg_type_name(v)
                ))),
            },
        }
    };
    let encoding = text_arg(vm, &vals[0], "encoding")?;
    let sep = text_arg(vm, &vals[1], "namespace_separator")?;
    if sep.as_ref().is_some_and(|s| s.chars().count() > 1) {
        return Err(
            vm.value_error("namespace_separator must be at most one character, omitted, or None")
        );
    }
    let intern = match vals[2].take() {
        None => Value::Obj(vm.new_dict()),
        Some(Value::None) => Value::None,
        Some(v) if matches!(&v, Value::Obj(o) if matches!(o.payload, crate::objects::Payload::Dict(_))) => {
            v
        }
        Some(_) => return Err(vm.type_error("intern must be a dictionary")),
    };
    Ok(Value::Obj(new_parser(vm, encoding, sep, intern)?))
}

fn new_parser(
    vm: &mut Vm,
    encoding: Option<String>,
    sep: Option<String>,
    intern: Value,
) -> PyResult<PyRef> {
    let Some(cls) = super::parser_type() else {
        return Err(vm.runtime_error("pyexpat is not initialized"));
    };
    let core = Core::new(encoding.clone(), sep.clone());
    Ok(vm.new_native(
        &cls,
        XmlParser {
            core: RefCell::new(Some(core)),
            handlers: RefCell::new(vec![Value::None; HANDLERS.len()]),
            default_expand: Cell::new(None),
            buffer: RefCell::new(None),
            buffer_size: Cell::new(8192),
            ordered: Cell::new(false),
            specified: Cell::new(false),
            ns_prefixes: Cell::new(false),
            intern,
            base: RefCell::new(Value::None),
            cur: Cell::new(Pos::start()),
            error: Cell::new(None),
            ns_sep: sep,
            encoding,
            foreign_dtd: Cell::new(false),
        },
    ))
}

fn handler_get(vm: &mut Vm, obj: &Value, idx: usize) -> PyResult<Value> {
    let p = this(vm, obj)?;
    let h = p.handlers.borrow().get(idx).cloned().unwrap_or(Value::None);
    Ok(h)
}

fn handler_set(vm: &mut Vm, obj: &Value, idx: usize, v: Option<Value>) -> PyResult<()> {
    let p = this(vm, obj)?;
    let Some(v) = v else {
        return Err(vm.runtime_error("Cannot delete attribute"));
    };
    if idx == H_CHARS {
        flush(vm, p)?;
    }
    if idx == H_DEFAULT || idx == H_DEFAULT_EXPAND {
        p.default_expand.set(match v {
            Value::None => None,
            _ => Some(idx == H_DEFAULT_EXPAND),
        });
    }
    if let Some(slot) = p.handlers.borrow_mut().get_mut(idx) {
        *slot = v;
    }
    Ok(())
}

fn handler(p: &XmlParser, idx: usize) -> Option<Value> {
    match p.handlers.borrow().get(idx) {
        Some(Value::None) | None => None,
        Some(v) => Some(v.clone()),
    }
}

/// Call the buffered character data handler with what's buffered.
pub(super) fn flush(vm: &mut Vm, p: &XmlParser) -> PyResult<()> {
    let text = match p.buffer.borrow_mut().as_mut() {
        Some(b) if !b.is_empty() => std::mem::take(b),
        _ => return Ok(()),
    };
    if let Some(h) = handler(p, H_CHARS) {
        let s = vm.new_string(text);
        vm.call(&h, &[s])?;
    }
    Ok(())
}

/// Call handler `idx` with `args` (character data flushed first).
fn call_handler(
    vm: &mut Vm,
    p: &XmlParser,
    idx: usize,
    args: Vec<Value>,
) -> PyResult<Option<Value>> {
    let Some(h) = handler(p, idx) else {
        return Ok(None);
    };
    flush(vm, p)?;
    vm.call(&h, &args).map(Some)
}

/// The default handler (whichever of the two expat has), with `raw`.
fn call_default(vm: &mut Vm, p: &XmlParser, raw: &str) -> PyResult<()> {
    if raw.is_empty() {
        return Ok(());
    }
    let idx = match p.default_expand.get() {
        Some(true) => H_DEFAULT_EXPAND,
        Some(false) => H_DEFAULT,
        None => return Ok(()),
    };
    let s = vm.new_str(raw);
    call_handler(vm, p, idx, vec![s])?;
    Ok(())
}

fn opt_str(vm: &Vm, s: &Option<String>) -> Value {
    s.as_deref().map_or(Value::None, |s| vm.new_str(s))
}

fn model_value(vm: &Vm, m: &Model) -> Value {
    let children = m.children.iter().map(|c| model_value(vm, c)).collect();
    let children = vm.new_tuple(children);
    let name = opt_str(vm, &m.name);
    vm.new_tuple_of([
        Value::Int(i64::from(m.ctype)),
        Value::Int(i64::from(m.quant)),
        name,
        children,
    ])
}

/// Character data: buffered when `buffer_text` is on.
fn deliver_chars(vm: &mut Vm, p: &XmlParser, text: String, raw: &str) -> PyResult<()> {
    let Some(h) = handler(p, H_CHARS) else {
        return call_default(vm, p, raw);
    };
    let buffering = p.buffer.borrow().is_some();
    if !buffering {
        let s = vm.new_string(text);
        vm.call(&h, &[s])?;
        return Ok(());
    }
    let size = p.buffer_size.get();
    let used = p.buffer.borrow().as_ref().map_or(0, String::len);
    if used + text.len() > size {
        flush(vm, p)?;
    }
    if text.len() > size {
        if let Some(h) = handler(p, H_CHARS) {
            let s = vm.new_string(text);
            vm.call(&h, &[s])?;
        }
    } else if let Some(b) = p.buffer.borrow_mut().as_mut() {
        b.push_str(&text);
    }
    Ok(())
}

/// Run the handlers of one event.
fn dispatch(vm: &mut Vm, p: &XmlParser, ev: Ev) -> PyResult<()> {
    p.cur.set(ev.pos);
    let raw = ev.raw;
    match ev.kind {
        Event::Chars(text) => return deliver_chars(vm, p, text, &raw),
        Event::Start { name, attrs, nspec } => {
            if handler(p, H_START).is_none() {
                return call_default(vm, p, &raw);
            }
            let n = if p.specified.get() {
                nspec
            } else {
                attrs.len()
            };
            let name = intern_name(vm, p, &name)?;
            let attrs_v = if p.ordered.get() {
                let mut items = Vec::new();
                for (k, v) in attrs.into_iter().take(n) {
                    items.push(intern_name(vm, p, &k)?);
                    items.push(vm.new_string(v));
                }
                vm.new_list(items)
            } else {
                let d = vm.new_dict();
                for (k, v) in attrs.into_iter().take(n) {
                    let k = intern_name(vm, p, &k)?;
                    let v = vm.new_string(v);
                    vm.dict_set(&d, k, v)?;
                }
                Value::Obj(d)
            };
            call_handler(vm, p, H_START, vec![name, attrs_v])?;
        }
        Event::End {
            name,
            empty,
            end_pos,
        } => {
            if handler(p, H_END).is_none() {
                if !empty || handler(p, H_START).is_none() {
                    return call_default(vm, p, &raw);
                }
                return Ok(());
            }
            if empty && handler(p, H_START).is_some() {
                p.cur.set(end_pos);
            }
            let n = intern_name(vm, p, &name)?;
            call_handler(vm, p, H_END, vec![n])?;
        }
        Event::StartNs { prefix, uri } => {
            let a = vec![opt_str(vm, &prefix), opt_str(vm, &uri)];
            call_handler(vm, p, H_START_NS, a)?;
        }
        Event::EndNs(prefix) => {
            let a = vec![opt_str(vm, &prefix)];
            call_handler(vm, p, H_END_NS, a)?;
        }
        Event::Comment(c) => {
            if handler(p, H_COMMENT).is_none() {
                return call_default(vm, p, &raw);
            }
            let c = vm.new_string(c);
            call_handler(vm, p, H_COMMENT, vec![c])?;
        }
        Event::Pi { target, data } => {
            if handler(p, H_PI).is_none() {
                return call_default(vm, p, &raw);
            }
            let a = vec![vm.new_string(target), vm.new_string(data)];
            call_handler(vm, p, H_PI, a)?;
        }
        Event::StartCdata => {
            if handler(p, H_START_CDATA).is_none() {
                return call_default(vm, p, &raw);
            }
            call_handler(vm, p, H_START_CDATA, vec![])?;
        }
        Event::EndCdata => {
            if handler(p, H_END_CDATA).is_none() {
                return call_default(vm, p, &raw);
            }
            call_handler(vm, p, H_END_CDATA, vec![])?;
        }
        Event::XmlDecl {
            version,
            encoding,
            standalone,
        } => {
            if handler(p, H_XMLDECL).is_none() {
                return call_default(vm, p, &raw);
            }
            let a = vec![
                opt_str(vm, &version),
                opt_str(vm, &encoding),
                Value::Int(i64::from(standalone)),
            ];
            call_handler(vm, p, H_XMLDECL, a)?;
        }
        Event::StartDoctype {
            name,
            sysid,
            pubid,
            internal,
        } => {
            if handler(p, H_START_DOCTYPE).is_none() {
                return call_default(vm, p, &raw);
            }
            let a = vec![
                vm.new_string(name),
                opt_str(vm, &sysid),
                opt_str(vm, &pubid),
                Value::Int(i64::from(internal)),
            ];
            call_handler(vm, p, H_START_DOCTYPE, a)?;
        }
        Event::EndDoctype => {
            if handler(p, H_END_DOCTYPE).is_none() {
                return call_default(vm, p, &raw);
            }
            call_handler(vm, p, H_END_DOCTYPE, vec![])?;
        }
        Event::EntityDecl {
            name,
            is_pe,
            value,
            sysid,
            pubid,
            notation,
        } => {
            let base = p.base.borrow().clone();
            if handler(p, H_ENTITY).is_some() {
                let a = vec![
                    vm.new_string(name),
                    Value::Int(i64::from(is_pe)),
                    opt_str(vm, &value),
                    base,
                    opt_str(vm, &sysid),
                    opt_str(vm, &pubid),
                    opt_str(vm, &notation),
                ];
                call_handler(vm, p, H_ENTITY, a)?;
            } else if notation.is_some() && handler(p, H_UNPARSED).is_some() {
                let a = vec![
                    vm.new_string(name),
                    base,
                    opt_str(vm, &sysid),
                    opt_str(vm, &pubid),
                    opt_str(vm, &notation),
                ];
                call_handler(vm, p, H_UNPARSED, a)?;
            }
        }
        Event::NotationDecl { name, sysid, pubid } => {
            let base = p.base.borrow().clone();
            let a = vec![
                vm.new_string(name),
                base,
                opt_str(vm, &sysid),
                opt_str(vm, &pubid),
            ];
            call_handler(vm, p, H_NOTATION, a)?;
        }
        Event::ElementDecl { name, model } => {
            let a = vec![vm.new_string(name), model_value(vm, &model)];
            call_handler(vm, p, H_ELEMENT, a)?;
        }
        Event::AttlistDecl {
            elname,
            attname,
            atype,
            default,
            required,
        } => {
            let a = vec![
                vm.new_string(elname),
                vm.new_string(attname),
                vm.new_string(atype),
                opt_str(vm, &default),
                Value::Int(i64::from(required)),
            ];
            call_handler(vm, p, H_ATTLIST, a)?;
        }
        Event::Skipped { name, is_pe } => {
            if handler(p, H_SKIPPED).is_none() {
                return call_default(vm, p, &raw);
            }
            let a = vec![vm.new_string(name), Value::Int(i64::from(is_pe))];
            call_handler(vm, p, H_SKIPPED, a)?;
        }
        Event::ExternalRef {
            context,
            sysid,
            pubid,
        } => {
            if handler(p, H_EXTERNAL).is_none() {
                return call_default(vm, p, &raw);
            }
            let base = p.base.borrow().clone();
            let a = vec![
                opt_str(vm, &context),
                base,
                opt_str(vm, &sysid),
                opt_str(vm, &pubid),
            ];
            if let Some(r) = call_handler(vm, p, H_EXTERNAL, a)? {
                let ok = match r {
                    Value::Int(i) => i != 0,
                    Value::Bool(b) => b.get(),
                    other => vm.truthy(&other)?,
                };
                if !ok {
                    return Err(super::expat_error(
                        vm,
                        XmlError {
                            code: 21,
                            pos: ev.pos,
                        },
                    ));
                }
            }
        }
        Event::Default(group) => {
            let owner = match group {
                DtdGroup::Doctype => Some(H_START_DOCTYPE),
                DtdGroup::Entity => Some(H_ENTITY),
                DtdGroup::Notation => Some(H_NOTATION),
                DtdGroup::Element => Some(H_ELEMENT),
                DtdGroup::Attlist => Some(H_ATTLIST),
                DtdGroup::Other => None,
            };
            if owner.is_some_and(|h| handler(p, h).is_some()) {
                return Ok(());
            }
            return call_default(vm, p, &raw);
        }
    }
    Ok(())
}

/// Feed one chunk to the parser and run the handlers of its events.
fn feed(vm: &mut Vm, p: &XmlParser, data: &[u8], fin: bool) -> PyResult<()> {
    let Some(mut core) = p.core.borrow_mut().take() else {
        return Err(vm.runtime_error("parser is already parsing"));
    };
    let opts = Opts {
        expand_internal: p.default_expand.get() != Some(false),
        ns_triplets: p.ns_prefixes.get(),
        keep_raw: true,
    };
    if p.foreign_dtd.get() {
        core.dtd.has_param_refs = true;
    }
    let mut events = Vec::new();
    let mut codec_err = None;
    let mut unknown = |name: &str| match unknown_encoding(vm, name) {
        Ok(t) => Some(t),
        Err(e) => {
            codec_err = Some(e);
            None
        }
    };
    let r = core.feed(data, fin, opts, &mut unknown, &mut events);
    let end = core.at;
    *p.core.borrow_mut() = Some(core);
    if let Some(e) = codec_err {
        return Err(e);
    }
    for ev in events {
        if let Err(e) = dispatch(vm, p, ev) {
            if let Some(c) = p.core.borrow_mut().as_mut() {
                c.finished = true;
            }
            return Err(e);
        }
    }
    p.cur.set(end);
    if let Err(e) = r {
        p.error.set(Some(e));
        p.cur.set(e.pos);
        return Err(super::expat_error(vm, e));
    }
    Ok(())
}

/// A single-byte encoding's table from Python's codecs (pyexpat's
/// unknown-encoding handler: LookupError for an unknown codec, ValueError
/// for a multi-byte one).
pub(crate) fn unknown_encoding(vm: &mut Vm, name: &str) -> PyResult<Box<[Option<char>; 256]>> {
    let all: Vec<u8> = (0..=255u8).collect();
    let bytes = vm.new_bytes(all);
    let enc = vm.new_str(name);
    let errors = vm.new_str("replace");
    let s = vm.call_method(&bytes, "decode", &[enc, errors])?;
    let s = vm
        .as_str_obj(&s)
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    let chars: Vec<char> = s.chars().collect();
    if chars.len() != 256 {
        return Err(vm.value_error("multi-byte encodings are not supported"));
    }
    let mut t: Box<[Option<char>; 256]> = Box::new([None; 256]);
    for (slot, c) in t.iter_mut().zip(chars) {
        *slot = (c != '\u{FFFD}').then_some(c);
    }
    Ok(t)
}

fn data_arg(vm: &mut Vm, p: &XmlParser, v: &Value) -> PyResult<Vec<u8>> {
    if let Some(s) = vm.as_str_obj(v) {
        let b = s.as_str().as_bytes().to_vec();
        if let Some(c) = p.core.borrow_mut().as_mut() {
            if c.dec.is_none() {
                c.forced = Some("utf-8".into());
            }
        }
        return Ok(b);
    }
    match buffer_bytes(vm, v)? {
        Some(b) => Ok(b),
        None => Err(vm.type_error(format!(
            "a bytes-like object is required, not '{}'",
            vm.type_name_of(v)
        ))),
    }
}

/// `Parse(data, isfinal=False)`.
fn xmlparser_parse(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = vm.native_self::<XmlParser>(&args, "pyexpat.xmlparser", "Parse")?;
    let pos = args.pos().get(1..).unwrap_or(&[]);
    let data = pos.first().cloned().or_else(|| Vm::kwarg(&args, "data"));
    let Some(data) = data else {
        return Err(vm.type_error("Parse() takes at least 1 positional argument (0 given)"));
    };
    if pos.len() > 2 {
        return Err(vm.type_error(format!(
            "Parse() takes at most 2 arguments ({} given)",
            pos.len()
        )));
    }
    let fin = match pos.get(1).cloned().or_else(|| Vm::kwarg(&args, "isfinal")) {
        None => false,
        Some(Value::Float(_)) => {
            return Err(vm.type_error("'float' object cannot be interpreted as an integer"))
        }
        Some(v) => vm.truthy(&v)?,
    };
    let bytes = data_arg(vm, p, &data)?;
    feed(vm, p, &bytes, fin)?;
    flush(vm, p)?;
    Ok(Value::Int(1))
}

/// `ParseFile(file)`: reads 2048-byte chunks until EOF.
fn xmlparser_parse_file(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = vm.native_self::<XmlParser>(&args, "pyexpat.xmlparser", "ParseFile")?;
    let a = vm.check_args("ParseFile", args, 1, 1)?;
    let file = a.first().cloned().unwrap_or(Value::None);
    let Some(read) = vm.getattr_opt(&file, "read")? else {
        return Err(vm.type_error("argument must have 'read' attribute"));
    };
    loop {
        let chunk = vm.call(&read, &[Value::Int(READ_SIZE)])?;
        let bytes = match &chunk {
            Value::Obj(o) if matches!(o.payload, crate::objects::Payload::Bytes(_)) => {
                buffer_bytes(vm, &chunk)?.unwrap_or_default()
            }
            _ => {
                return Err(vm.type_error(format!(
                    "read() did not return a bytes object (type={})",
                    vm.type_name_of(&chunk)
                )))
            }
        };
        if bytes.len() as i64 > READ_SIZE {
            return Err(vm.value_error(format!(
                "read() returned too much data: {READ_SIZE} bytes requested, {} returned",
                bytes.len()
            )));
        }
        let last = bytes.is_empty();
        feed(vm, p, &bytes, last)?;
        if last {
            break;
        }
    }
    flush(vm, p)?;
    Ok(Value::Int(1))
}

fn xmlparser_set_base(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = vm.native_self::<XmlParser>(&args, "pyexpat.xmlparser", "SetBase")?;
    let a = vm.check_args("SetBase", args, 1, 1)?;
    let v = a.first().cloned().unwrap_or(Value::None);
    if vm.as_str_obj(&v).is_none() {
        return Err(vm.type_error(format!(
            "SetBase() argument must be str, not {}",
            vm.arg_type_name(&v)
        )));
    }
    *p.base.borrow_mut() = v;
    Ok(Value::None)
}

fn xmlparser_get_base(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = vm.native_self::<XmlParser>(&args, "pyexpat.xmlparser", "GetBase")?;
    let b = p.base.borrow().clone();
    Ok(b)
}

fn xmlparser_get_input_context(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.native_self::<XmlParser>(&args, "pyexpat.xmlparser", "GetInputContext")?;
    Ok(Value::None)
}

/// `ExternalEntityParserCreate(context, encoding=None)`: a parser for an
/// external entity's content, with this parser's handlers and options.
fn xmlparser_external_entity_parser_create(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p =
        vm.native_self::<XmlParser>(&args, "pyexpat.xmlparser", "ExternalEntityParserCreate")?;
    let pos = args.pos().get(1..).unwrap_or(&[]);
    let encoding = match pos.get(1) {
        Some(v) if !matches!(v, Value::None) => vm.as_str_obj(v).map(|s| s.as_str().to_string()),
        _ => p.encoding.clone(),
    };
    let child = new_parser(vm, encoding, p.ns_sep.clone(), p.intern.clone())?;
    let child_v = Value::Obj(child);
    if let Some(c) = vm.native::<XmlParser>(&child_v) {
        *c.handlers.borrow_mut() = p.handlers.borrow().clone();
        c.default_expand.set(p.default_expand.get());
        c.ordered.set(p.ordered.get());
        c.specified.set(p.specified.get());
        c.ns_prefixes.set(p.ns_prefixes.get());
        if p.buffer.borrow().is_some() {
            *c.buffer.borrow_mut() = Some(String::new());
        }
        c.buffer_size.set(p.buffer_size.get());
        *c.base.borrow_mut() = p.base.borrow().clone();
        if let (Some(cc), Some(pc)) = (c.core.borrow_mut().as_mut(), p.core.borrow().as_ref()) {
            cc.dtd.entities = pc.dtd.entities.clone();
            cc.dtd.attdefs = pc.dtd.attdefs.clone();
            cc.fragment = true;
            cc.state = super::core::State::Content;
        }
    }
    Ok(child_v)
}

fn xmlparser_set_param_entity_parsing(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.native_self::<XmlParser>(&args, "pyexpat.xmlparser", "SetParamEntityParsing")?;
    let a = vm.check_args("SetParamEntityParsing", args, 1, 1)?;
    match a.first() {
        Some(Value::Int(_) | Value::Bool(_)) => Ok(Value::Int(1)),
        Some(v) => Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            vm.type_name_of(v)
        ))),
        None => Ok(Value::Int(1)),
    }
}

fn xmlparser_use_foreign_dtd(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = vm.native_self::<XmlParser>(&args, "pyexpat.xmlparser", "UseForeignDTD")?;
    let a = vm.check_args("UseForeignDTD", args, 0, 1)?;
    let flag = match a.first() {
        Some(v) => vm.truthy(v)?,
        None => true,
    };
    p.foreign_dtd.set(flag);
    Ok(Value::None)
}
