//! The XML 1.0 parser behind `pyexpat.xmlparser`: an incremental,
//! expat-compatible state machine. `feed` takes the next chunk of input,
//! decodes it, and turns every complete token into events (a token cut
//! by the end of the chunk waits for the next one, as expat's buffer
//! does), splitting character data where expat does (at newlines,
//! references and chunk ends) and reporting errors with expat's codes and
//! positions. The prolog and epilog are in `prolog.rs`, element content in
//! `content.rs`, tags, attributes and namespaces in `tags.rs`, the
//! document type declaration in `dtd.rs`.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::events::*;
use super::input::{self, advance, char_at, decode, DecodeStop, Decoder, Pos};
use super::prolog::decl_encoding;

/// Handler-dependent switches, read at each `feed` (expat reads them as
/// it goes).
#[derive(Clone, Copy, Debug, Default)]
pub struct Opts {
    /// Internal entities expand (false while a plain `DefaultHandler` is
    /// set, so the references reach it).
    pub expand_internal: bool,
    /// `namespace_prefixes`: report `uri sep local sep prefix`.
    pub ns_triplets: bool,
    /// Events carry their raw markup (for default handlers); without it
    /// only those a default handler may get instead (entity references,
    /// DTD tokens) do.
    pub keep_raw: bool,
}

/// A declared entity.
#[derive(Clone, Debug, Default)]
pub struct Entity {
    pub value: Option<String>,
    pub sysid: Option<String>,
    pub pubid: Option<String>,
    pub notation: Option<String>,
    pub open: bool,
}

/// A default from `<!ATTLIST>`: attribute name, declared type, default.
#[derive(Clone, Debug)]
pub struct AttDef {
    pub name: String,
    pub is_cdata: bool,
    pub default: Option<String>,
}

/// What the DTD declared.
#[derive(Default, Debug)]
pub struct Dtd {
    pub entities: HashMap<String, Entity>,
    pub pentities: HashMap<String, Entity>,
    pub attdefs: HashMap<String, Vec<AttDef>>,
    pub has_param_refs: bool,
    pub standalone: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum State {
    Prolog,
    Content,
    Cdata,
    Epilog,
}

/// A tag or attribute name, interned per parser (`Core::intern`): a
/// name seen before costs no allocation.
pub type Name = Rc<str>;

/// The name table's hash: the word-at-a-time Fx hash (short keys).
pub type NameHash = crate::pyhash::FxBuild;

/// An open element.
#[derive(Debug)]
pub struct Tag {
    pub qname: Name,
    pub name: Name,
    /// Prefixes bound on this element, in declaration order.
    pub bindings: Vec<Option<String>>,
}

/// The outcome of scanning one token.
pub enum Step {
    /// Consumed up to this offset.
    Next(usize),
    /// The token is cut by the end of the input.
    More,
    /// An error detected at this offset.
    Fail(u32, usize),
    /// An error at a known position (inside an entity's text).
    FailAt(u32, Pos),
}

pub struct Core {
    pub dec: Option<Decoder>,
    pub forced: Option<String>,
    raw: Vec<u8>,
    raw_stop: Option<DecodeStop>,
    text: Vec<u8>,
    /// Position of the first unconsumed character.
    pub at: Pos,
    pub state: State,
    pub stack: Vec<Tag>,
    /// Namespace separator (`namespace_separator`), if namespaces are on.
    pub ns_sep: Option<Name>,
    /// The names seen so far (`intern`).
    names: HashSet<Name, NameHash>,
    pub ns: HashMap<Option<String>, Vec<String>, NameHash>,
    pub dtd: Dtd,
    pub error: Option<XmlError>,
    pub finished: bool,
    /// Bytes fed so far (an empty document reports byte index -1).
    pub fed: usize,
    /// Whether anything of the document was consumed (an XML declaration
    /// must come first).
    pub started: bool,
    /// Depth of entity expansion (bounded against expansion bombs).
    pub entity_depth: usize,
    pub opts: Opts,
    /// Parsing an external entity's content (no root element needed).
    pub fragment: bool,
    pub seen_doctype: bool,
}

/// A single-byte table for an encoding expat doesn't know, asked of
/// Python's codecs.
pub type UnknownEncoding<'a> = &'a mut dyn FnMut(&str) -> Option<Box<[Option<char>; 256]>>;

impl Core {
    pub fn new(encoding: Option<String>, ns_sep: Option<String>) -> Core {
        let mut ns = HashMap::default();
        ns.insert(
            Some("xml".to_string()),
            vec!["http://www.w3.org/XML/1998/namespace".to_string()],
        );
        Core {
            dec: None,
            forced: encoding,
            raw: Vec::new(),
            raw_stop: None,
            text: Vec::new(),
            at: Pos::start(),
            state: State::Prolog,
            stack: Vec::new(),
            ns_sep: ns_sep.map(Name::from),
            names: HashSet::default(),
            ns,
            dtd: Dtd::default(),
            error: None,
            finished: false,
            fed: 0,
            started: false,
            entity_depth: 0,
            opts: Opts::default(),
            fragment: false,
            seen_doctype: false,
        }
    }

    /// Parse the next chunk; events go to `out` (also those before an
    /// error, which their handlers see first, as with expat).
    pub fn feed(
        &mut self,
        data: &[u8],
        fin: bool,
        opts: Opts,
        unknown: UnknownEncoding,
        out: &mut Vec<Ev>,
    ) -> Result<(), XmlError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.finished {
            return Err(self.fail_here(ERR_FINISHED));
        }
        self.opts = opts;
        self.fed += data.len();
        self.raw.extend_from_slice(data);
        let r = self.decode_input(fin, unknown).and_then(|()| {
            let text = std::mem::take(&mut self.text);
            let r = self.run(&text, fin, out);
            self.text = text;
            r.map(|used| {
                self.text.drain(..used.min(self.text.len()));
            })
        });
        match r {
            Ok(()) => {
                if fin {
                    self.finished = true;
                }
                Ok(())
            }
            Err(e) => {
                self.error = Some(e);
                Err(e)
            }
        }
    }

    /// The parser's one copy of the name `s`.
    pub fn intern(&mut self, s: &str) -> Name {
        if let Some(n) = self.names.get(s) {
            return n.clone();
        }
        let n = Name::from(s);
        self.names.insert(n.clone());
        n
    }

    /// The name spanning `t[i..j]`, interned.
    pub fn intern_span(&mut self, t: &[u8], i: usize, j: usize) -> Name {
        let b = t.get(i..j).unwrap_or(&[]);
        match input::as_text(b) {
            Some(s) => self.intern(s),
            None => Name::from(String::from_utf8_lossy(b).as_ref()),
        }
    }

    pub fn fail_here(&self, code: u32) -> XmlError {
        XmlError { code, pos: self.at }
    }

    /// Choose the encoding once enough bytes are in, then decode.
    fn decode_input(&mut self, fin: bool, unknown: UnknownEncoding) -> Result<(), XmlError> {
        if self.dec.is_none() && !self.choose_encoding(fin, unknown)? {
            return Ok(());
        }
        let Some(dec) = &self.dec else {
            return Ok(());
        };
        let (used, stop) = decode(dec, &self.raw, &mut self.text);
        self.raw.drain(..used);
        self.raw_stop = stop;
        Ok(())
    }

    /// Returns false while more bytes are needed to decide.
    fn choose_encoding(&mut self, fin: bool, unknown: UnknownEncoding) -> Result<bool, XmlError> {
        let r = &self.raw;
        if r.len() < 4 && !fin && (r.is_empty() || b"<?xml".starts_with(r) || r.len() < 2) {
            return Ok(false);
        }
        let (dec, skip) = if r.starts_with(&[0xEF, 0xBB, 0xBF]) {
            (Decoder::Utf8, 3)
        } else if r.starts_with(&[0xFF, 0xFE]) {
            (Decoder::Utf16Le, 2)
        } else if r.starts_with(&[0xFE, 0xFF]) {
            (Decoder::Utf16Be, 2)
        } else if r.starts_with(&[b'<', 0]) {
            (Decoder::Utf16Le, 0)
        } else if r.starts_with(&[0, b'<']) {
            (Decoder::Utf16Be, 0)
        } else {
            let name = match &self.forced {
                Some(f) => Some(f.clone()),
                None => {
                    if r.starts_with(b"<?xml") {
                        match find(r, b"?>") {
                            Some(end) => decl_encoding(r.get(..end).unwrap_or(&[])),
                            None if !fin => return Ok(false),
                            None => None,
                        }
                    } else if b"<?xml".starts_with(r) && !fin {
                        return Ok(false);
                    } else {
                        None
                    }
                }
            };
            let dec = match name {
                None => Decoder::Utf8,
                Some(n) => match Decoder::builtin(&n) {
                    Some(Decoder::Utf16Be) | Some(Decoder::Utf16Le) if self.forced.is_none() => {
                        Decoder::Utf8
                    }
                    Some(d) => d,
                    None => match unknown(&n) {
                        Some(t) => Decoder::Table(t),
                        None => return Err(self.fail_here(ERR_UNKNOWN_ENCODING)),
                    },
                },
            };
            (dec, 0)
        };
        self.raw.drain(..skip);
        self.at.byte = skip as i64;
        self.dec = Some(dec);
        Ok(true)
    }

    /// Whether decoding stopped at bytes that are no character.
    pub fn decode_failed(&self) -> bool {
        self.raw_stop == Some(DecodeStop::Invalid)
    }

    pub fn decoder(&self) -> Decoder {
        self.dec.clone().unwrap_or(Decoder::Utf8)
    }

    /// The position of offset `off`, given `self.at` is that of `from`.
    pub fn pos_at(&self, t: &[u8], from: usize, off: usize) -> Pos {
        let mut p = self.at;
        advance(&mut p, t.get(from..off).unwrap_or(&[]), &self.decoder());
        p
    }

    /// Scan tokens; returns how much of `t` was consumed.
    fn run(&mut self, t: &[u8], fin: bool, out: &mut Vec<Ev>) -> Result<usize, XmlError> {
        let mut i = 0;
        let dec = self.decoder();
        while i < t.len() {
            let step = match self.state {
                State::Prolog => self.prolog_tok(t, i, fin, out),
                State::Content => self.content_tok(t, i, fin, None, out),
                State::Cdata => self.cdata_tok(t, i, fin, out),
                State::Epilog => self.epilog_tok(t, i, fin, out),
            };
            match step {
                Step::Next(j) => {
                    advance(&mut self.at, t.get(i..j).unwrap_or(&[]), &dec);
                    self.started = true;
                    i = j;
                }
                Step::More if self.raw_stop == Some(DecodeStop::Invalid) => {
                    return Err(XmlError {
                        code: ERR_INVALID_TOKEN,
                        pos: self.pos_at(t, i, t.len()),
                    })
                }
                Step::More => break,
                Step::Fail(code, off) => {
                    return Err(XmlError {
                        code,
                        pos: self.pos_at(t, i, off),
                    })
                }
                Step::FailAt(code, pos) => return Err(XmlError { code, pos }),
            }
        }
        if i >= t.len() && self.raw_stop == Some(DecodeStop::Invalid) {
            return Err(self.fail_here(ERR_INVALID_TOKEN));
        }
        if !fin {
            return Ok(i);
        }
        if i < t.len() {
            let code = if self.state == State::Cdata {
                ERR_UNCLOSED_CDATA
            } else {
                ERR_UNCLOSED_TOKEN
            };
            return Err(XmlError {
                code,
                pos: if code == ERR_UNCLOSED_CDATA {
                    self.pos_at(t, i, t.len())
                } else {
                    self.at
                },
            });
        }
        if !self.raw.is_empty() {
            return Err(self.fail_here(ERR_PARTIAL_CHAR));
        }
        match self.state {
            State::Content if self.fragment && self.stack.is_empty() => Ok(i),
            State::Prolog | State::Content => {
                let mut e = self.fail_here(ERR_NO_ELEMENTS);
                if self.fed == 0 {
                    e.pos.byte = -1;
                }
                Err(e)
            }
            State::Cdata => Err(self.fail_here(ERR_UNCLOSED_CDATA)),
            State::Epilog => Ok(i),
        }
    }

    pub fn emit(&self, out: &mut Vec<Ev>, pos: Pos, kind: Event, raw: &[u8]) {
        let keep = self.opts.keep_raw
            || matches!(
                kind,
                Event::Default(_) | Event::Skipped { .. } | Event::ExternalRef { .. }
            );
        let raw = if keep {
            String::from_utf8_lossy(raw).into_owned()
        } else {
            String::new()
        };
        out.push(Ev { pos, kind, raw });
    }

    /// `<!-- ... -->`; `ent` is the reference position inside an entity.
    pub fn comment(
        &mut self,
        t: &[u8],
        i: usize,
        fin: bool,
        ent: Option<Pos>,
        out: &mut Vec<Ev>,
    ) -> Step {
        let mut j = i + 4;
        loop {
            let Some(c) = char_at(t, j) else {
                return if j >= t.len() && !fin {
                    Step::More
                } else if j >= t.len() {
                    Step::Fail(ERR_UNCLOSED_TOKEN, i)
                } else {
                    Step::Fail(ERR_INVALID_TOKEN, j)
                };
            };
            if !input::is_xml_char(c) {
                return Step::Fail(ERR_INVALID_TOKEN, j);
            }
            if c == '-' && t.get(j + 1) == Some(&b'-') {
                match t.get(j + 2) {
                    Some(b'>') => break,
                    Some(_) => return Step::Fail(ERR_INVALID_TOKEN, j + 2),
                    None => {
                        return if fin {
                            Step::Fail(ERR_UNCLOSED_TOKEN, i)
                        } else {
                            Step::More
                        }
                    }
                }
            }
            if c == '-' && j + 1 >= t.len() {
                return if fin {
                    Step::Fail(ERR_UNCLOSED_TOKEN, i)
                } else {
                    Step::More
                };
            }
            j += c.len_utf8();
        }
        let body = normalize_newlines(t.get(i + 4..j).unwrap_or(&[]));
        let pos = ent.unwrap_or(self.at);
        self.emit(
            out,
            pos,
            Event::Comment(body),
            t.get(i..j + 3).unwrap_or(&[]),
        );
        Step::Next(j + 3)
    }

    /// `<?target data?>`.
    pub fn pi(
        &mut self,
        t: &[u8],
        i: usize,
        fin: bool,
        ent: Option<Pos>,
        out: &mut Vec<Ev>,
    ) -> Step {
        let (target, mut j) = match scan_name(t, i + 2) {
            NameScan::Name(n, j) => (n, j),
            NameScan::End => {
                return if fin {
                    Step::Fail(ERR_UNCLOSED_TOKEN, i)
                } else {
                    Step::More
                }
            }
            NameScan::Bad(j) => return Step::Fail(ERR_INVALID_TOKEN, j),
        };
        match t.get(j) {
            Some(b'?' | b' ' | b'\t' | b'\r' | b'\n') | None => {}
            Some(_) => return Step::Fail(ERR_INVALID_TOKEN, j),
        }
        if target.eq_ignore_ascii_case("xml") && t.get(j).is_some() {
            if target == "xml" {
                return Step::Fail(ERR_MISPLACED_XML_PI, i);
            }
            return Step::Fail(ERR_INVALID_TOKEN, i + 2);
        }
        let data_start;
        match t.get(j) {
            None => {
                return if fin {
                    Step::Fail(ERR_UNCLOSED_TOKEN, i)
                } else {
                    Step::More
                }
            }
            Some(b'?') => match t.get(j + 1) {
                None => {
                    return if fin {
                        Step::Fail(ERR_UNCLOSED_TOKEN, i)
                    } else {
                        Step::More
                    }
                }
                Some(b'>') => {
                    let pos = ent.unwrap_or(self.at);
                    self.emit(
                        out,
                        pos,
                        Event::Pi {
                            target,
                            data: String::new(),
                        },
                        t.get(i..j + 2).unwrap_or(&[]),
                    );
                    return Step::Next(j + 2);
                }
                Some(_) => return Step::Fail(ERR_INVALID_TOKEN, j + 1),
            },
            Some(&c) if input::is_space(char::from(c)) => {
                while matches!(t.get(j), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                    j += 1;
                }
                data_start = j;
            }
            Some(_) => return Step::Fail(ERR_INVALID_TOKEN, j),
        }
        loop {
            let Some(c) = char_at(t, j) else {
                return if j >= t.len() && !fin {
                    Step::More
                } else if j >= t.len() {
                    Step::Fail(ERR_UNCLOSED_TOKEN, i)
                } else {
                    Step::Fail(ERR_INVALID_TOKEN, j)
                };
            };
            if !input::is_xml_char(c) {
                return Step::Fail(ERR_INVALID_TOKEN, j);
            }
            if c == '?' {
                match t.get(j + 1) {
                    Some(b'>') => break,
                    None => {
                        return if fin {
                            Step::Fail(ERR_UNCLOSED_TOKEN, i)
                        } else {
                            Step::More
                        }
                    }
                    _ => {}
                }
            }
            j += c.len_utf8();
        }
        let data = normalize_newlines(t.get(data_start..j).unwrap_or(&[]));
        let pos = ent.unwrap_or(self.at);
        self.emit(
            out,
            pos,
            Event::Pi { target, data },
            t.get(i..j + 2).unwrap_or(&[]),
        );
        Step::Next(j + 2)
    }
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `\r\n` and `\r` become `\n` (text of comments, PIs, entity values).
pub fn normalize_newlines(s: &[u8]) -> String {
    let s = String::from_utf8_lossy(s);
    if !s.contains('\r') {
        return s.into_owned();
    }
    s.replace("\r\n", "\n").replace('\r', "\n")
}

pub fn predefined(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

/// A String of decoded text (valid UTF-8 but for a damaged input).
pub fn utf8_string(b: &[u8]) -> String {
    match input::as_text(b) {
        Some(s) => s.to_owned(),
        None => String::from_utf8_lossy(b).into_owned(),
    }
}

pub enum NameScan {
    Name(String, usize),
    /// The input ended inside the name.
    End,
    /// Not a name character at this offset.
    Bad(usize),
}

/// A name starting at `i` (ends before the first non-name character).
pub fn scan_name(t: &[u8], i: usize) -> NameScan {
    match scan_name_end(t, i) {
        NameEnd::Name(j) => NameScan::Name(utf8_string(t.get(i..j).unwrap_or(&[])), j),
        NameEnd::End => NameScan::End,
        NameEnd::Bad(j) => NameScan::Bad(j),
    }
}

/// `scan_name` without making the name: where it ends.
pub enum NameEnd {
    Name(usize),
    End,
    Bad(usize),
}

/// Where the name starting at `i` ends (`scan_name`).
pub fn scan_name_end(t: &[u8], i: usize) -> NameEnd {
    let mut j = i;
    // ASCII name characters first (one byte test each).
    if t.get(j)
        .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_' || b == b':')
    {
        j += 1;
        while t
            .get(j)
            .is_some_and(|&b| input::ASCII_NAME.get(usize::from(b)) == Some(&true))
        {
            j += 1;
        }
    }
    // An ASCII byte after ASCII name characters ends the name (the loop
    // above took every ASCII name character).
    if j > i && t.get(j).is_some_and(|&b| b < 0x80) {
        return NameEnd::Name(j);
    }
    loop {
        let Some(c) = char_at(t, j) else {
            if j >= t.len() {
                return NameEnd::End;
            }
            return NameEnd::Bad(j);
        };
        let ok = if j == i {
            input::is_name_start(c)
        } else {
            input::is_name_char(c)
        };
        if !ok {
            if j == i {
                return NameEnd::Bad(j);
            }
            return NameEnd::Name(j);
        }
        j += c.len_utf8();
    }
}

pub enum Ref {
    Char(char),
    Name(String),
}

pub enum RefScan {
    Ok(Ref, usize),
    More,
    Bad(usize),
    BadChar,
}

/// A reference starting at the `&` at `i`.
pub fn scan_ref(t: &[u8], i: usize) -> RefScan {
    let j = i + 1;
    if t.get(j) == Some(&b'#') {
        let (hex, mut k) = if t.get(j + 1) == Some(&b'x') {
            (true, j + 2)
        } else {
            (false, j + 1)
        };
        let start = k;
        let mut v: u32 = 0;
        loop {
            let Some(&b) = t.get(k) else {
                return RefScan::More;
            };
            let d = if hex {
                char::from(b).to_digit(16)
            } else {
                char::from(b).to_digit(10)
            };
            match d {
                Some(d) => {
                    v = v
                        .saturating_mul(if hex { 16 } else { 10 })
                        .saturating_add(d);
                    k += 1;
                }
                None if b == b';' && k > start => break,
                None => return RefScan::Bad(k),
            }
        }
        return match char::from_u32(v) {
            Some(c) if input::is_xml_char(c) => RefScan::Ok(Ref::Char(c), k + 1),
            _ => RefScan::BadChar,
        };
    }
    match scan_name(t, j) {
        NameScan::End => RefScan::More,
        NameScan::Bad(k) => RefScan::Bad(k),
        NameScan::Name(n, k) => match t.get(k) {
            Some(b';') => RefScan::Ok(Ref::Name(n), k + 1),
            None => RefScan::More,
            Some(_) => RefScan::Bad(k),
        },
    }
}
