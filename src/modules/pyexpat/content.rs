//! Element content: character data split where expat splits it (at
//! newlines, references, `]]>` checks and the end of the input),
//! comments, PIs, CDATA sections, references, and the expansion of
//! internal entities whose text is parsed as content in place.

use super::core::{predefined, scan_ref, Core, Ref, RefScan, State, Step};
use super::events::*;
use super::input::{self, char_at, Pos};

impl Core {
    /// One token of element content. `ent` is set while expanding an
    /// entity's text: every event takes the reference's position.
    pub fn content_tok(
        &mut self,
        t: &[u8],
        i: usize,
        fin: bool,
        ent: Option<Pos>,
        out: &mut Vec<Ev>,
    ) -> Step {
        let pos = ent.unwrap_or(self.at);
        let rest = t.get(i..).unwrap_or(&[]);
        match rest.first().copied().unwrap_or(0) {
            b'<' => {
                let Some(&c1) = rest.get(1) else {
                    return if fin {
                        Step::Fail(ERR_UNCLOSED_TOKEN, i)
                    } else {
                        Step::More
                    };
                };
                match c1 {
                    b'/' => self.end_tag(t, i, fin, ent, out),
                    b'?' if self.fragment
                        && !self.started
                        && t.get(i..).is_some_and(|r| r.starts_with(b"<?xml")) =>
                    {
                        let step = self.xml_decl(t, i, fin, out);
                        out.retain(|e| !matches!(e.kind, Event::XmlDecl { .. }));
                        step
                    }
                    b'?' => self.pi(t, i, fin, ent, out),
                    b'!' => {
                        if rest.starts_with(b"<!--") {
                            return self.comment(t, i, fin, ent, out);
                        }
                        if rest.starts_with(b"<![CDATA[") {
                            self.emit(out, pos, Event::StartCdata, b"<![CDATA[");
                            self.state = State::Cdata;
                            return Step::Next(i + 9);
                        }
                        let partial = if fin {
                            Step::Fail(ERR_UNCLOSED_TOKEN, i)
                        } else {
                            Step::More
                        };
                        match rest.get(2) {
                            None => partial,
                            Some(b'-') if rest.len() < 4 => partial,
                            Some(b'-') => Step::Fail(ERR_INVALID_TOKEN, i + 3),
                            Some(b'[') if rest.len() < 9 => partial,
                            Some(b'[') => Step::Fail(
                                ERR_INVALID_TOKEN,
                                i + 3
                                    + rest
                                        .iter()
                                        .skip(3)
                                        .zip(b"CDATA[")
                                        .take_while(|(a, b)| a == b)
                                        .count(),
                            ),
                            _ => Step::Fail(ERR_INVALID_TOKEN, i + 2),
                        }
                    }
                    _ => self.start_tag(t, i, fin, ent, out),
                }
            }
            b'&' => self.content_ref(t, i, fin, ent, out),
            b'\n' => {
                self.emit(out, pos, Event::Chars("\n".into()), b"\n");
                Step::Next(i + 1)
            }
            b'\r' => match rest.get(1) {
                Some(b'\n') => {
                    self.emit(out, pos, Event::Chars("\n".into()), b"\r\n");
                    Step::Next(i + 2)
                }
                None if !fin && !self.decode_failed() => Step::More,
                _ => {
                    self.emit(out, pos, Event::Chars("\n".into()), b"\r");
                    Step::Next(i + 1)
                }
            },
            _ => {
                if rest.starts_with(b"]]>") {
                    return Step::Fail(ERR_INVALID_TOKEN, i + 2);
                }
                if !fin && rest.first() == Some(&b']') && b"]]>".starts_with(rest) {
                    return Step::More;
                }
                self.data_run(t, i, fin, pos, out, false)
            }
        }
    }

    /// A run of plain characters (stops at markup, references, newlines,
    /// a possible `]]>`, and characters XML forbids).
    pub fn data_run(
        &mut self,
        t: &[u8],
        i: usize,
        fin: bool,
        pos: Pos,
        out: &mut Vec<Ev>,
        cdata: bool,
    ) -> Step {
        let mut j = i;
        while let Some(&b) = t.get(j) {
            // Printable ASCII but for markup (and tab): a data character.
            if (0x20..0x80).contains(&b) && !matches!(b, b'&' | b'<' | b']') || b == b'\t' {
                j += 1;
                continue;
            }
            if (b == b'&' || b == b'<') && !cdata || b == b'\r' || b == b'\n' {
                break;
            }
            if b == b']' && j > i {
                if cdata {
                    break;
                }
                match (t.get(j + 1), t.get(j + 2)) {
                    (Some(b']'), Some(b'>')) => return Step::Fail(ERR_INVALID_TOKEN, j + 2),
                    (Some(b']'), None) | (None, _) if !fin => break,
                    _ => {}
                }
            }
            let Some(c) = char_at(t, j) else { break };
            if !input::is_xml_char(c) {
                break;
            }
            j += c.len_utf8();
        }
        if j == i {
            return Step::Fail(ERR_INVALID_TOKEN, i);
        }
        let s = t.get(i..j).unwrap_or(&[]);
        self.emit(out, pos, Event::Chars(super::core::utf8_string(s)), s);
        Step::Next(j)
    }

    /// Inside `<![CDATA[ ... ]]>`.
    pub fn cdata_tok(&mut self, t: &[u8], i: usize, fin: bool, out: &mut Vec<Ev>) -> Step {
        let pos = self.at;
        let rest = t.get(i..).unwrap_or(&[]);
        match rest.first().copied().unwrap_or(0) {
            b'\n' => {
                self.emit(out, pos, Event::Chars("\n".into()), b"\n");
                Step::Next(i + 1)
            }
            b'\r' => match rest.get(1) {
                Some(b'\n') => {
                    self.emit(out, pos, Event::Chars("\n".into()), b"\r\n");
                    Step::Next(i + 2)
                }
                None if !fin && !self.decode_failed() => Step::More,
                _ => {
                    self.emit(out, pos, Event::Chars("\n".into()), b"\r");
                    Step::Next(i + 1)
                }
            },
            b']' => {
                if rest.starts_with(b"]]>") {
                    self.emit(out, pos, Event::EndCdata, b"]]>");
                    self.state = State::Content;
                    return Step::Next(i + 3);
                }
                if rest.len() < 3 && b"]]>".starts_with(rest) && !fin {
                    return Step::More;
                }
                self.data_run(t, i, fin, pos, out, true)
            }
            _ => self.data_run(t, i, fin, pos, out, true),
        }
    }

    /// `&name;`, `&#N;`, `&#xH;` in content.
    pub fn content_ref(
        &mut self,
        t: &[u8],
        i: usize,
        fin: bool,
        ent: Option<Pos>,
        out: &mut Vec<Ev>,
    ) -> Step {
        let pos = ent.unwrap_or(self.at);
        let (r, end) = match scan_ref(t, i) {
            RefScan::More => {
                return if fin {
                    Step::Fail(ERR_UNCLOSED_TOKEN, i)
                } else {
                    Step::More
                }
            }
            RefScan::Bad(j) => return Step::Fail(ERR_INVALID_TOKEN, j),
            RefScan::BadChar => return Step::Fail(ERR_BAD_CHAR_REF, i),
            RefScan::Ok(r, end) => (r, end),
        };
        let raw = t.get(i..end).unwrap_or(&[]);
        let name = match r {
            Ref::Char(c) => {
                self.emit(out, pos, Event::Chars(c.to_string()), raw);
                return Step::Next(end);
            }
            Ref::Name(n) => n,
        };
        if let Some(c) = predefined(&name) {
            self.emit(out, pos, Event::Chars(c.to_string()), raw);
            return Step::Next(end);
        }
        let ent_info = self.dtd.entities.get(&name).cloned();
        let Some(e) = ent_info else {
            if !self.dtd.has_param_refs || self.dtd.standalone {
                return Step::Fail(ERR_UNDEFINED_ENTITY, i);
            }
            self.emit(out, pos, Event::Skipped { name, is_pe: false }, raw);
            return Step::Next(end);
        };
        if e.open {
            return Step::Fail(ERR_RECURSIVE_ENTITY_REF, i);
        }
        if e.notation.is_some() {
            return Step::Fail(ERR_BINARY_ENTITY_REF, i);
        }
        let Some(value) = e.value else {
            let ev = Event::ExternalRef {
                context: Some(name),
                sysid: e.sysid,
                pubid: e.pubid,
            };
            self.emit(out, pos, ev, raw);
            return Step::Next(end);
        };
        if !self.opts.expand_internal {
            self.emit(out, pos, Event::Skipped { name, is_pe: false }, raw);
            return Step::Next(end);
        }
        if self.entity_depth > 40 {
            return Step::Fail(ERR_RECURSIVE_ENTITY_REF, i);
        }
        let ref_pos = self.pos_at(t, i.min(t.len()), i);
        match self.expand_in_content(&name, value.as_bytes(), ent.unwrap_or(ref_pos), out) {
            Ok(()) => Step::Next(end),
            Err((code, p)) => Step::FailAt(code, p),
        }
    }

    /// Parse an internal entity's replacement text as content.
    pub fn expand_in_content(
        &mut self,
        name: &str,
        text: &[u8],
        pos: Pos,
        out: &mut Vec<Ev>,
    ) -> Result<(), (u32, Pos)> {
        if let Some(e) = self.dtd.entities.get_mut(name) {
            e.open = true;
        }
        self.entity_depth += 1;
        let depth = self.stack.len();
        let saved = self.state;
        self.state = State::Content;
        let mut i = 0;
        let mut r = Ok(());
        while i < text.len() {
            let step = if self.state == State::Cdata {
                self.cdata_tok(text, i, true, out)
            } else {
                self.content_tok(text, i, true, Some(pos), out)
            };
            match step {
                Step::Next(j) => i = j,
                Step::More | Step::Fail(..) => {
                    let code = match step {
                        Step::Fail(c, _) => c,
                        _ => ERR_UNCLOSED_TOKEN,
                    };
                    r = Err((code, pos));
                    break;
                }
                Step::FailAt(c, p) => {
                    r = Err((c, p));
                    break;
                }
            }
            if self.stack.len() < depth {
                r = Err((ERR_ASYNC_ENTITY, pos));
                break;
            }
        }
        if r.is_ok() && (self.stack.len() != depth || self.state != State::Content) {
            r = Err((ERR_ASYNC_ENTITY, pos));
        }
        self.state = saved;
        self.entity_depth -= 1;
        if let Some(e) = self.dtd.entities.get_mut(name) {
            e.open = false;
        }
        r
    }
}
