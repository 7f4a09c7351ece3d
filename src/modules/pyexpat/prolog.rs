//! Outside the root element: the XML declaration (parsed as expat's
//! doParseXmlDecl does, with its error offsets), whitespace, comments and
//! PIs of the prolog and epilog, `<!` declarations, and expat's prolog
//! tokenizer deciding between "syntax error", "junk after document
//! element" and "not well-formed" for anything else.

use super::core::{find, Core, State, Step};
use super::events::*;
use super::input::{self, char_at};

impl Core {
    pub fn prolog_tok(&mut self, t: &[u8], i: usize, fin: bool, out: &mut Vec<Ev>) -> Step {
        let rest = t.get(i..).unwrap_or(&[]);
        if !self.started && rest.starts_with(b"<?xml") {
            match rest.get(5) {
                Some(c) if input::is_space(char::from(*c)) => return self.xml_decl(t, i, fin, out),
                None if !fin => return Step::More,
                _ => {}
            }
        }
        let c = rest.first().copied().unwrap_or(0);
        if input::is_space(char::from(c)) {
            return self.space_run(t, i, fin, out);
        }
        if c == b'<' {
            match rest.get(1).copied() {
                None => {
                    return if fin {
                        Step::Fail(ERR_UNCLOSED_TOKEN, i)
                    } else {
                        Step::More
                    }
                }
                Some(b'!') => {
                    return match decl_open(t, i, fin) {
                        DeclOpen::Comment => self.comment(t, i, fin, None, out),
                        DeclOpen::Name(n) if n == "DOCTYPE" && !self.seen_doctype => {
                            let step = self.doctype(t, i, fin, out);
                            if let Step::Next(_) = step {
                                self.seen_doctype = true;
                            }
                            step
                        }
                        DeclOpen::Name(_) => Step::Fail(ERR_SYNTAX, i),
                        DeclOpen::Step(s) => s,
                    };
                }
                Some(b'?') => return self.pi(t, i, fin, None, out),
                Some(_) => {
                    let step = self.start_tag(t, i, fin, None, out);
                    if let Step::Next(_) = step {
                        self.state = if self.stack.is_empty() {
                            State::Epilog
                        } else {
                            State::Content
                        };
                    }
                    return step;
                }
            }
        }
        match other_prolog_token(t, i, fin) {
            Ok(()) => Step::Fail(ERR_SYNTAX, i),
            Err(s) => s,
        }
    }

    pub fn epilog_tok(&mut self, t: &[u8], i: usize, fin: bool, out: &mut Vec<Ev>) -> Step {
        let rest = t.get(i..).unwrap_or(&[]);
        let c = rest.first().copied().unwrap_or(0);
        if input::is_space(char::from(c)) {
            return self.space_run(t, i, fin, out);
        }
        if c == b'<' {
            return match rest.get(1).copied() {
                None if !fin => Step::More,
                None => Step::Fail(ERR_UNCLOSED_TOKEN, i),
                Some(b'?') => self.pi(t, i, fin, None, out),
                Some(b'!') => match decl_open(t, i, fin) {
                    DeclOpen::Comment => self.comment(t, i, fin, None, out),
                    DeclOpen::Name(_) => Step::Fail(ERR_JUNK_AFTER_DOC, i),
                    DeclOpen::Step(s) => s,
                },
                Some(c) if input::is_name_start(char_at(t, i + 1).unwrap_or(char::from(c))) => {
                    Step::Fail(ERR_JUNK_AFTER_DOC, i)
                }
                Some(c) if c >= 0x80 && char_at(t, i + 1).is_none() && !fin => Step::More,
                _ => Step::Fail(ERR_INVALID_TOKEN, i + 1),
            };
        }
        match other_prolog_token(t, i, fin) {
            Ok(()) => Step::Fail(ERR_JUNK_AFTER_DOC, i),
            Err(s) => s,
        }
    }

    /// Whitespace outside the root element: the default handler's.
    pub fn space_run(&mut self, t: &[u8], i: usize, _fin: bool, out: &mut Vec<Ev>) -> Step {
        let mut j = i;
        while j < t.len() && matches!(t.get(j), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            j += 1;
        }
        self.emit(
            out,
            self.at,
            Event::Default(DtdGroup::Other),
            t.get(i..j).unwrap_or(&[]),
        );
        Step::Next(j)
    }

    /// `<?xml version=... encoding=... standalone=...?>` at the start.
    pub fn xml_decl(&mut self, t: &[u8], i: usize, fin: bool, out: &mut Vec<Ev>) -> Step {
        let rest = t.get(i..).unwrap_or(&[]);
        let Some(end) = find(rest, b"?>") else {
            return if fin {
                Step::Fail(ERR_UNCLOSED_TOKEN, i)
            } else {
                Step::More
            };
        };
        let body = rest.get(5..end).unwrap_or(&[]);
        if let Ok(s) = std::str::from_utf8(body) {
            if let Some((k, _)) = s.char_indices().find(|(_, c)| !input::is_xml_char(*c)) {
                return Step::Fail(ERR_INVALID_TOKEN, i + 5 + k);
            }
        }
        let (version, encoding, standalone) = match parse_xml_decl(body) {
            Ok(v) => v,
            Err(off) => return Step::Fail(ERR_XML_DECL, i + 5 + off),
        };
        if standalone == 1 {
            self.dtd.standalone = true;
        }
        let raw = rest.get(..end + 2).unwrap_or(&[]);
        self.emit(
            out,
            self.at,
            Event::XmlDecl {
                version,
                encoding,
                standalone,
            },
            raw,
        );
        Step::Next(i + end + 2)
    }
}

/// The encoding named in an XML declaration's bytes (None if the
/// declaration is malformed: its error is reported when it is parsed).
pub fn decl_encoding(decl: &[u8]) -> Option<String> {
    parse_xml_decl(decl.get(5..)?).ok()?.1
}

/// What follows `<!` outside the root element.
enum DeclOpen {
    Comment,
    /// `<!NAME` followed by whitespace (a declaration).
    Name(String),
    Step(Step),
}

fn decl_open(t: &[u8], i: usize, fin: bool) -> DeclOpen {
    let more = || {
        DeclOpen::Step(if fin {
            Step::Fail(ERR_UNCLOSED_TOKEN, i)
        } else {
            Step::More
        })
    };
    match t.get(i + 2) {
        None => more(),
        Some(b'-') => match t.get(i + 3) {
            None => more(),
            Some(b'-') => DeclOpen::Comment,
            Some(_) => DeclOpen::Step(Step::Fail(ERR_INVALID_TOKEN, i + 3)),
        },
        Some(b'[') => DeclOpen::Step(Step::Fail(ERR_SYNTAX, i)),
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
            let mut j = i + 3;
            loop {
                match t.get(j) {
                    None => return more(),
                    Some(c) if c.is_ascii_alphabetic() || *c == b'_' => j += 1,
                    Some(b' ' | b'\t' | b'\r' | b'\n') => {
                        return DeclOpen::Name(
                            String::from_utf8_lossy(t.get(i + 2..j).unwrap_or(&[])).into_owned(),
                        )
                    }
                    Some(_) => return DeclOpen::Step(Step::Fail(ERR_INVALID_TOKEN, j)),
                }
            }
        }
        Some(_) => DeclOpen::Step(Step::Fail(ERR_INVALID_TOKEN, i + 2)),
    }
}

/// expat's prolog tokenizer for what isn't markup: Ok if `t[i..]` starts
/// with a token (a name, literal, punctuation) the grammar then rejects,
/// or the step for an invalid or cut token.
fn other_prolog_token(t: &[u8], i: usize, fin: bool) -> Result<(), Step> {
    let more = || if fin { Ok(()) } else { Err(Step::More) };
    let Some(&b) = t.get(i) else { return more() };
    let delim = |c: u8| {
        matches!(
            c,
            b'>' | b')' | b',' | b'|' | b'[' | b'%' | b' ' | b'\t' | b'\r' | b'\n'
        )
    };
    match b {
        b'"' | b'\'' => {
            let Some(k) = t.get(i + 1..).and_then(|r| r.iter().position(|&c| c == b)) else {
                return if fin {
                    Err(Step::Fail(ERR_UNCLOSED_TOKEN, i))
                } else {
                    Err(Step::More)
                };
            };
            let j = i + 2 + k;
            match t.get(j) {
                None => more(),
                Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'%' | b'[') => Ok(()),
                Some(_) => Err(Step::Fail(ERR_INVALID_TOKEN, j)),
            }
        }
        b',' | b'[' | b'(' | b'|' | b'>' | b']' => Ok(()),
        b'#' | b'%' => {
            let partial = || {
                if fin {
                    Err(Step::Fail(ERR_UNCLOSED_TOKEN, i))
                } else {
                    Err(Step::More)
                }
            };
            let mut j = i + 1;
            match char_at(t, j) {
                None if j >= t.len() => return partial(),
                Some(c) if input::is_name_start(c) => j += c.len_utf8(),
                Some(' ' | '\t' | '\r' | '\n' | '%') if b == b'%' => return Ok(()),
                _ => return Err(Step::Fail(ERR_INVALID_TOKEN, j)),
            }
            loop {
                match char_at(t, j) {
                    None if j >= t.len() => return if b == b'#' { more() } else { partial() },
                    Some(c) if input::is_name_char(c) => j += c.len_utf8(),
                    Some(';') if b == b'%' => return Ok(()),
                    Some(' ' | '\t' | '\r' | '\n' | ')' | '>' | '%' | '|') if b == b'#' => {
                        return Ok(())
                    }
                    _ => return Err(Step::Fail(ERR_INVALID_TOKEN, j)),
                }
            }
        }
        b')' => match t.get(i + 1) {
            None => more(),
            Some(b'*' | b'?' | b'+' | b' ' | b'\t' | b'\r' | b'\n' | b'>' | b',' | b'|' | b')') => {
                Ok(())
            }
            Some(_) => Err(Step::Fail(ERR_INVALID_TOKEN, i + 1)),
        },
        _ => {
            let Some(c) = char_at(t, i) else {
                return if t.len() - i < 4 && !fin {
                    Err(Step::More)
                } else {
                    Err(Step::Fail(ERR_INVALID_TOKEN, i))
                };
            };
            let is_name = input::is_name_start(c);
            if !is_name && !input::is_name_char(c) {
                return Err(Step::Fail(ERR_INVALID_TOKEN, i));
            }
            let mut j = i + c.len_utf8();
            loop {
                let Some(&nb) = t.get(j) else { return more() };
                if delim(nb) {
                    return Ok(());
                }
                if matches!(nb, b'+' | b'*' | b'?') {
                    return if is_name {
                        Ok(())
                    } else {
                        Err(Step::Fail(ERR_INVALID_TOKEN, j))
                    };
                }
                match char_at(t, j) {
                    Some(c) if input::is_name_char(c) => j += c.len_utf8(),
                    None if t.len() - j < 4 && !fin => return Err(Step::More),
                    _ => return Err(Step::Fail(ERR_INVALID_TOKEN, j)),
                }
            }
        }
    }
}

/// One `name="value"` of an XML declaration at `p` (expat's
/// parsePseudoAttribute): Ok(None) at the end, Err(offset) when malformed.
#[allow(clippy::type_complexity)]
fn pseudo_attr(b: &[u8], p: &mut usize) -> Result<Option<(usize, String, usize, String)>, usize> {
    let sp = |c: Option<&u8>| matches!(c, Some(b' ' | b'\t' | b'\r' | b'\n'));
    if *p >= b.len() {
        return Ok(None);
    }
    if !sp(b.get(*p)) {
        return Err(*p);
    }
    while sp(b.get(*p)) {
        *p += 1;
    }
    if *p >= b.len() {
        return Ok(None);
    }
    let name_start = *p;
    let name_end;
    loop {
        match b.get(*p) {
            None => return Err(*p),
            Some(c) if *c >= 0x80 => return Err(*p),
            Some(b'=') => {
                name_end = *p;
                break;
            }
            Some(b' ' | b'\t' | b'\r' | b'\n') => {
                name_end = *p;
                while sp(b.get(*p)) {
                    *p += 1;
                }
                if b.get(*p) != Some(&b'=') {
                    return Err(*p);
                }
                break;
            }
            Some(_) => *p += 1,
        }
    }
    if *p == name_start {
        return Err(*p);
    }
    *p += 1;
    while sp(b.get(*p)) {
        *p += 1;
    }
    let q = match b.get(*p) {
        Some(&q @ (b'"' | b'\'')) => q,
        _ => return Err(*p),
    };
    *p += 1;
    let val_start = *p;
    loop {
        match b.get(*p) {
            Some(&c) if c == q => break,
            Some(c) if c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_') => *p += 1,
            _ => return Err(*p),
        }
    }
    let name = String::from_utf8_lossy(b.get(name_start..name_end).unwrap_or(&[])).into_owned();
    let val = String::from_utf8_lossy(b.get(val_start..*p).unwrap_or(&[])).into_owned();
    *p += 1;
    Ok(Some((name_start, name, val_start, val)))
}

/// The XML declaration's version, encoding and standalone (-1 if absent),
/// or the offset where it is malformed (expat's doParseXmlDecl).
fn parse_xml_decl(b: &[u8]) -> Result<(Option<String>, Option<String>, i32), usize> {
    let mut p = 0;
    let Some(mut a) = pseudo_attr(b, &mut p)? else {
        return Err(p);
    };
    let mut version = None;
    let mut encoding = None;
    if a.1 != "version" {
        return Err(a.0);
    }
    version = Some(a.3.clone()).or(version);
    match pseudo_attr(b, &mut p)? {
        None => return Ok((version, None, -1)),
        Some(x) => a = x,
    }
    if a.1 == "encoding" {
        if !b.get(a.2).is_some_and(u8::is_ascii_alphabetic) {
            return Err(a.2);
        }
        encoding = Some(a.3.clone());
        match pseudo_attr(b, &mut p)? {
            None => return Ok((version, encoding, -1)),
            Some(x) => a = x,
        }
    }
    if a.1 != "standalone" {
        return Err(a.0);
    }
    let standalone = match a.3.as_str() {
        "yes" => 1,
        "no" => 0,
        _ => return Err(a.2),
    };
    while matches!(b.get(p), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        p += 1;
    }
    if p != b.len() {
        return Err(p);
    }
    Ok((version, encoding, standalone))
}
