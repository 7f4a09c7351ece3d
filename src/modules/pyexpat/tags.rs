//! Start and end tags: scanning `<name attr="value" ...>` and `</name>`,
//! attribute-value normalization (references, whitespace, DTD defaults),
//! duplicate checks, and namespace processing (`uri sep local` names,
//! Start/EndNamespaceDecl events) when a separator was given.

use super::core::{
    predefined, scan_name_end, scan_ref, Core, Name, NameEnd, Ref, RefScan, State, Step, Tag,
};
use super::events::*;
use super::input::{self, Pos};

/// An attribute as written: name and normalized value.
struct RawAttr {
    name: Name,
    value: String,
}

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

/// In namespace mode a name has at most one colon, not first, and a name
/// character after it: the offset of the first character breaking that.
fn ns_name_error(name: &str, start: usize) -> Option<usize> {
    if !name.as_bytes().contains(&b':') {
        return None;
    }
    let mut seen = false;
    let mut after_colon = false;
    for (k, c) in name.char_indices() {
        if after_colon && !input::is_name_start(c) {
            return Some(start + k);
        }
        after_colon = false;
        if c == ':' {
            if seen || k == 0 {
                return Some(start + k);
            }
            seen = true;
            after_colon = true;
        }
    }
    after_colon.then_some(start + name.len())
}

impl Core {
    pub fn start_tag(
        &mut self,
        t: &[u8],
        i: usize,
        fin: bool,
        ent: Option<Pos>,
        out: &mut Vec<Ev>,
    ) -> Step {
        let more = |fin: bool| {
            if fin {
                Step::Fail(ERR_UNCLOSED_TOKEN, i)
            } else {
                Step::More
            }
        };
        let mut j = match scan_name_end(t, i + 1) {
            NameEnd::Name(j) => j,
            NameEnd::End => return more(fin),
            NameEnd::Bad(j) => return Step::Fail(ERR_INVALID_TOKEN, j),
        };
        let qname = self.intern_span(t, i + 1, j);
        let ns = self.ns_sep.is_some();
        if let Some(k) = ns.then(|| ns_name_error(&qname, i + 1)).flatten() {
            return Step::Fail(ERR_INVALID_TOKEN, k);
        }
        let mut attrs: Vec<RawAttr> = Vec::new();
        let empty;
        loop {
            let ws_start = j;
            while matches!(t.get(j), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                j += 1;
            }
            match t.get(j) {
                None => return more(fin),
                Some(b'>') => {
                    empty = false;
                    j += 1;
                    break;
                }
                Some(b'/') => match t.get(j + 1) {
                    None => return more(fin),
                    Some(b'>') => {
                        empty = true;
                        j += 2;
                        break;
                    }
                    Some(_) => return Step::Fail(ERR_INVALID_TOKEN, j + 1),
                },
                Some(_) => {}
            }
            if j == ws_start {
                return Step::Fail(ERR_INVALID_TOKEN, j);
            }
            let k = match scan_name_end(t, j) {
                NameEnd::Name(k) => k,
                NameEnd::End => return more(fin),
                NameEnd::Bad(k) => return Step::Fail(ERR_INVALID_TOKEN, k),
            };
            let name = self.intern_span(t, j, k);
            let off = j;
            if let Some(e) = ns.then(|| ns_name_error(&name, off)).flatten() {
                return Step::Fail(ERR_INVALID_TOKEN, e);
            }
            j = k;
            while matches!(t.get(j), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                j += 1;
            }
            match t.get(j) {
                None => return more(fin),
                Some(b'=') => j += 1,
                Some(_) => return Step::Fail(ERR_INVALID_TOKEN, j),
            }
            while matches!(t.get(j), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                j += 1;
            }
            let q = match t.get(j) {
                None => return more(fin),
                Some(&q @ (b'"' | b'\'')) => q,
                Some(_) => return Step::Fail(ERR_INVALID_TOKEN, j),
            };
            j += 1;
            let vstart = j;
            loop {
                let Some(&b) = t.get(j) else { return more(fin) };
                if b == q {
                    break;
                }
                if b == b'<' {
                    return Step::Fail(ERR_INVALID_TOKEN, j);
                }
                // Printable ASCII (and tab) is always an XML character.
                if (0x20..0x80).contains(&b) && b != b'&' || b == b'\t' {
                    j += 1;
                    continue;
                }
                if b == b'&' {
                    match scan_ref(t, j) {
                        RefScan::Ok(_, e) => {
                            j = e;
                            continue;
                        }
                        RefScan::More => return more(fin),
                        RefScan::Bad(k) => return Step::Fail(ERR_INVALID_TOKEN, k),
                        RefScan::BadChar => return Step::Fail(ERR_BAD_CHAR_REF, j),
                    }
                }
                let Some(c) = input::char_at(t, j) else {
                    return if j >= t.len() {
                        more(fin)
                    } else {
                        Step::Fail(ERR_INVALID_TOKEN, j)
                    };
                };
                if !input::is_xml_char(c) {
                    return Step::Fail(ERR_INVALID_TOKEN, j);
                }
                j += c.len_utf8();
            }
            let raw = t.get(vstart..j).unwrap_or(&[]);
            j += 1;
            let value = match self.attr_value(raw, 0) {
                Ok(v) => v,
                // expat reports a reference to an external entity where it
                // is, other errors in a value at the tag.
                Err((code, k)) if code == ERR_ATTRIBUTE_EXTERNAL_ENTITY_REF && k != usize::MAX => {
                    return Step::Fail(code, vstart + k)
                }
                Err((code, _)) => return Step::Fail(code, i),
            };
            if let Some(prev) = attrs.iter().find(|a| a.name == name) {
                let _ = prev;
                return Step::Fail(ERR_DUPLICATE_ATTRIBUTE, off);
            }
            attrs.push(RawAttr { name, value });
            if !matches!(
                t.get(j),
                Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/') | None
            ) {
                return Step::Fail(ERR_INVALID_TOKEN, j);
            }
        }
        let pos = ent.unwrap_or(self.at);
        let raw = t.get(i..j).unwrap_or(&[]);
        if let Err((code, off)) =
            self.start_element(qname, attrs, empty, pos, raw, out, t, i, j, ent)
        {
            return match ent {
                Some(p) => Step::FailAt(code, p),
                None => Step::Fail(code, off),
            };
        }
        Step::Next(j)
    }

    /// Report a start tag (and the end of an empty one).
    #[allow(clippy::too_many_arguments)]
    fn start_element(
        &mut self,
        qname: Name,
        mut attrs: Vec<RawAttr>,
        empty: bool,
        pos: Pos,
        raw: &[u8],
        out: &mut Vec<Ev>,
        t: &[u8],
        i: usize,
        j: usize,
        ent: Option<Pos>,
    ) -> Result<(), (u32, usize)> {
        let nspec = attrs.len();
        if let Some(defs) = self.dtd.attdefs.get(&*qname) {
            for d in defs {
                if let Some(v) = &d.default {
                    if !attrs.iter().any(|a| *a.name == *d.name) {
                        attrs.push(RawAttr {
                            name: Name::from(d.name.as_str()),
                            value: v.clone(),
                        });
                    }
                }
            }
            for a in attrs.iter_mut() {
                if defs.iter().any(|d| *d.name == *a.name && !d.is_cdata) {
                    a.value = a
                        .value
                        .split(' ')
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ");
                }
            }
        }
        let mut bindings = Vec::new();
        let name;
        let mut list: Vec<(Name, String)> = Vec::new();
        if let Some(sep) = self.ns_sep.clone() {
            // Namespace declarations first, in document order.
            let mut rest = Vec::new();
            let mut nspec_left = nspec;
            for (k, a) in attrs.into_iter().enumerate() {
                let prefix = if &*a.name == "xmlns" {
                    None
                } else if let Some(p) = a.name.strip_prefix("xmlns:") {
                    Some(p.to_string())
                } else {
                    rest.push(a);
                    continue;
                };
                if k < nspec {
                    nspec_left -= 1;
                }
                match prefix.as_deref() {
                    Some("xmlns") => return Err((ERR_RESERVED_PREFIX_XMLNS, i)),
                    Some("xml") if a.value != XML_NS => return Err((ERR_RESERVED_PREFIX_XML, i)),
                    Some(_) if a.value.is_empty() => return Err((ERR_UNDECLARING_PREFIX, i)),
                    _ if a.value == XMLNS_NS
                        || (a.value == XML_NS && prefix.as_deref() != Some("xml")) =>
                    {
                        return Err((ERR_RESERVED_NAMESPACE_URI, i))
                    }
                    _ => {}
                }
                self.ns
                    .entry(prefix.clone())
                    .or_default()
                    .push(a.value.clone());
                let uri = (!a.value.is_empty()).then(|| a.value.clone());
                self.emit(
                    out,
                    pos,
                    Event::StartNs {
                        prefix: prefix.clone(),
                        uri,
                    },
                    &[],
                );
                bindings.push(prefix);
            }
            name = self
                .expand_name(&qname, true, &sep)
                .ok_or((ERR_UNBOUND_PREFIX, i))?;
            for a in rest {
                let n = self
                    .expand_name(&a.name, false, &sep)
                    .ok_or((ERR_UNBOUND_PREFIX, i))?;
                if list.iter().any(|(k, _)| *k == n) {
                    return Err((ERR_DUPLICATE_ATTRIBUTE, i));
                }
                list.push((n, a.value));
            }
            let nspec = nspec_left.min(list.len());
            self.emit(
                out,
                pos,
                Event::Start {
                    name: name.clone(),
                    attrs: list,
                    nspec,
                },
                raw,
            );
        } else {
            name = qname.clone();
            list = attrs.into_iter().map(|a| (a.name, a.value)).collect();
            self.emit(
                out,
                pos,
                Event::Start {
                    name: name.clone(),
                    attrs: list,
                    nspec,
                },
                raw,
            );
        }
        let tag = Tag {
            qname,
            name,
            bindings,
        };
        if empty {
            let end_pos = ent.unwrap_or_else(|| self.pos_at(t, i, j));
            self.end_element(tag, pos, end_pos, true, out);
        } else {
            self.stack.push(tag);
        }
        Ok(())
    }

    /// `prefix:local` as `uri sep local [sep prefix]`; None if unbound.
    fn expand_name(&mut self, qname: &Name, element: bool, sep: &str) -> Option<Name> {
        let (prefix, local) = match qname.split_once(':') {
            Some((p, l)) if !p.is_empty() && !l.is_empty() => (Some(p), l),
            _ => (None, &**qname),
        };
        let uri = match prefix {
            None if !element => return Some(qname.clone()),
            None => match self.ns.get(&None).and_then(|v| v.last()) {
                Some(u) if !u.is_empty() => u,
                _ => return Some(qname.clone()),
            },
            Some(p) => match self.ns.get(&Some(p.to_string())).and_then(|v| v.last()) {
                Some(u) if !u.is_empty() => u,
                _ => return None,
            },
        };
        let mut s = format!("{uri}{sep}{local}");
        if self.opts.ns_triplets {
            if let Some(p) = prefix {
                s.push_str(sep);
                s.push_str(p);
            }
        }
        Some(self.intern(&s))
    }

    fn end_element(&mut self, tag: Tag, pos: Pos, end_pos: Pos, empty: bool, out: &mut Vec<Ev>) {
        self.emit(
            out,
            pos,
            Event::End {
                name: tag.name,
                empty,
                end_pos,
            },
            &[],
        );
        for p in tag.bindings.into_iter().rev() {
            if let Some(v) = self.ns.get_mut(&p) {
                v.pop();
            }
            self.emit(out, if empty { end_pos } else { pos }, Event::EndNs(p), &[]);
        }
    }

    /// `</name>`.
    pub fn end_tag(
        &mut self,
        t: &[u8],
        i: usize,
        fin: bool,
        ent: Option<Pos>,
        out: &mut Vec<Ev>,
    ) -> Step {
        let more = |fin: bool| {
            if fin {
                Step::Fail(ERR_UNCLOSED_TOKEN, i)
            } else {
                Step::More
            }
        };
        let name_end = match scan_name_end(t, i + 2) {
            NameEnd::Name(j) => j,
            NameEnd::End => return more(fin),
            NameEnd::Bad(j) => return Step::Fail(ERR_INVALID_TOKEN, j),
        };
        let mut j = name_end;
        let qname = t.get(i + 2..name_end).unwrap_or(&[]);
        // Only the first character is checked in namespace mode: the
        // rest must match the start tag anyway.
        if self.ns_sep.is_some() && qname.first() == Some(&b':') {
            return Step::Fail(ERR_INVALID_TOKEN, i + 2);
        }
        while matches!(t.get(j), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            j += 1;
        }
        match t.get(j) {
            None => return more(fin),
            Some(b'>') => {}
            Some(_) => return Step::Fail(ERR_INVALID_TOKEN, j),
        }
        let Some(top) = self.stack.last() else {
            return Step::Fail(ERR_ASYNC_ENTITY, i);
        };
        if top.qname.as_bytes() != qname {
            return Step::Fail(ERR_TAG_MISMATCH, i + 2);
        }
        let Some(tag) = self.stack.pop() else {
            return Step::Fail(ERR_TAG_MISMATCH, i + 2);
        };
        let pos = ent.unwrap_or(self.at);
        let raw = t.get(i..j + 1).unwrap_or(&[]);
        let n = out.len();
        self.end_element(tag, pos, pos, false, out);
        if let Some(ev) = out.get_mut(n).filter(|_| self.opts.keep_raw) {
            ev.raw = String::from_utf8_lossy(raw).into_owned();
        }
        if self.stack.is_empty() && ent.is_none() && !self.fragment {
            self.state = State::Epilog;
        }
        Step::Next(j + 1)
    }

    /// Normalize an attribute value: references replaced, whitespace
    /// characters become spaces. Errors carry the offset of the
    /// reference in `raw` (usize::MAX: the attribute's name).
    pub fn attr_value(&mut self, raw: &[u8], depth: usize) -> Result<String, (u32, usize)> {
        let mut s = String::new();
        let mut j = 0;
        while j < raw.len() {
            let Some(c) = input::char_at(raw, j) else {
                break;
            };
            match c {
                '&' => {
                    let RefScan::Ok(r, e) = scan_ref(raw, j) else {
                        return Err((ERR_INVALID_TOKEN, j));
                    };
                    match r {
                        Ref::Char(c) => s.push(c),
                        Ref::Name(n) => {
                            if let Some(c) = predefined(&n) {
                                s.push(c);
                            } else {
                                let ent = self.dtd.entities.get(&n).cloned();
                                match ent {
                                    None => {
                                        if !self.dtd.has_param_refs || self.dtd.standalone {
                                            return Err((ERR_UNDEFINED_ENTITY, j));
                                        }
                                    }
                                    Some(e) if e.open => return Err((ERR_RECURSIVE_ENTITY_REF, j)),
                                    Some(e) => match e.value {
                                        None => return Err((ERR_ATTRIBUTE_EXTERNAL_ENTITY_REF, j)),
                                        Some(v) => {
                                            if v.contains('<') {
                                                return Err((ERR_INVALID_TOKEN, j));
                                            }
                                            if depth > 40 {
                                                return Err((ERR_RECURSIVE_ENTITY_REF, j));
                                            }
                                            if let Some(x) = self.dtd.entities.get_mut(&n) {
                                                x.open = true;
                                            }
                                            let r = self.attr_value(v.as_bytes(), depth + 1);
                                            if let Some(x) = self.dtd.entities.get_mut(&n) {
                                                x.open = false;
                                            }
                                            s.push_str(&r.map_err(|(code, _)| (code, j))?);
                                        }
                                    },
                                }
                            }
                        }
                    }
                    j = e;
                }
                '\r' => {
                    s.push(' ');
                    j += if raw.get(j + 1) == Some(&b'\n') { 2 } else { 1 };
                }
                '\n' | '\t' => {
                    s.push(' ');
                    j += 1;
                }
                _ => {
                    s.push(c);
                    j += c.len_utf8();
                }
            }
        }
        Ok(s)
    }
}
