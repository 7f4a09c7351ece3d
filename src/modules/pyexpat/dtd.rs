//! The document type declaration: `<!DOCTYPE name ExternalID? [subset]>`
//! with its internal subset (ENTITY, ELEMENT, ATTLIST and NOTATION
//! declarations, comments, PIs, parameter-entity references). The whole
//! declaration is scanned once it is complete; its tokens reach the
//! default handler one by one, as expat's prolog tokens do.

use super::core::{normalize_newlines, scan_name, AttDef, Core, Entity, NameScan, Step};
use super::events::*;
use super::input::{self, advance, Pos};

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Space,
    Name(String),
    /// A name token not starting like a name (`1a`, `-x`).
    Nmtoken(String),
    /// `#PCDATA`, `#REQUIRED`...
    Hash(String),
    Literal(String),
    Punct(u8),
    /// `<!ENTITY` and friends (the keyword).
    Open(String),
    Comment(String),
    Pi(String, String),
    PeRef(String),
}

struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

enum Scanned {
    Tokens(Vec<Token>, usize),
    /// Cut by the end of the input: the tokens so far and where the cut
    /// token starts.
    More(Vec<Token>, usize),
    Fail(Vec<Token>, u32, usize),
}

/// Split `<!DOCTYPE ...>` starting at `i` into tokens.
fn tokenize(t: &[u8], i: usize) -> Scanned {
    let mut toks = Vec::new();
    let mut j = i;
    let mut in_subset = false;
    loop {
        let Some(&b) = t.get(j) else {
            return Scanned::More(toks, j);
        };
        let start = j;
        let tok = match b {
            b' ' | b'\t' | b'\r' | b'\n' => {
                while matches!(t.get(j), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                    j += 1;
                }
                Tok::Space
            }
            b'"' | b'\'' => {
                let Some(k) = t.get(j + 1..).and_then(|r| r.iter().position(|&c| c == b)) else {
                    return Scanned::More(toks, start);
                };
                let body = t.get(j + 1..j + 1 + k).unwrap_or(&[]);
                if let Ok(s) = std::str::from_utf8(body) {
                    if let Some(p) = s.char_indices().find(|(_, c)| !input::is_xml_char(*c)) {
                        return Scanned::Fail(toks, ERR_INVALID_TOKEN, j + 1 + p.0);
                    }
                }
                j += k + 2;
                match t.get(j) {
                    None => return Scanned::More(toks, start),
                    Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'%' | b'[') => {}
                    Some(_) => return Scanned::Fail(toks, ERR_INVALID_TOKEN, j),
                }
                Tok::Literal(normalize_newlines(body))
            }
            b'<' => {
                let rest = t.get(j..).unwrap_or(&[]);
                if rest.len() < 4 {
                    return Scanned::More(toks, start);
                }
                if rest.starts_with(b"<!--") {
                    let Some(k) = super::core::find(rest.get(4..).unwrap_or(&[]), b"--") else {
                        return Scanned::More(toks, start);
                    };
                    match rest.get(4 + k + 2) {
                        None => return Scanned::More(toks, start),
                        Some(b'>') => {}
                        Some(_) => return Scanned::Fail(toks, ERR_INVALID_TOKEN, j + 4 + k + 2),
                    }
                    j += 4 + k + 3;
                    Tok::Comment(normalize_newlines(rest.get(4..4 + k).unwrap_or(&[])))
                } else if rest.starts_with(b"<?") {
                    let Some(k) = super::core::find(rest, b"?>") else {
                        return Scanned::More(toks, start);
                    };
                    let body = rest.get(2..k).unwrap_or(&[]);
                    let s = String::from_utf8_lossy(body);
                    let (target, data) = match s.find([' ', '\t', '\r', '\n']) {
                        Some(p) => (
                            s.get(..p).unwrap_or(""),
                            s.get(p..).unwrap_or("").trim_start(),
                        ),
                        None => (s.as_ref(), ""),
                    };
                    j += k + 2;
                    Tok::Pi(target.to_string(), normalize_newlines(data.as_bytes()))
                } else if rest.starts_with(b"<!") {
                    let mut k = j + 2;
                    while t
                        .get(k)
                        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_' || *c == b':')
                    {
                        k += 1;
                    }
                    match t.get(k) {
                        None => return Scanned::More(toks, start),
                        Some(b' ' | b'\t' | b'\r' | b'\n' | b'%') if k > j + 2 => {}
                        Some(_) => return Scanned::Fail(toks, ERR_INVALID_TOKEN, k),
                    }
                    let n = String::from_utf8_lossy(t.get(j + 2..k).unwrap_or(&[])).into_owned();
                    j = k;
                    Tok::Open(n)
                } else {
                    match input::char_at(t, j + 1) {
                        Some(c) if input::is_name_start(c) => {
                            return Scanned::Fail(toks, ERR_SYNTAX, j)
                        }
                        _ => return Scanned::Fail(toks, ERR_INVALID_TOKEN, j + 1),
                    }
                }
            }
            b'%' => match scan_name(t, j + 1) {
                NameScan::Name(n, k) if t.get(k) == Some(&b';') => {
                    j = k + 1;
                    Tok::PeRef(n)
                }
                NameScan::Name(_, k) if k >= t.len() => return Scanned::More(toks, start),
                NameScan::End => return Scanned::More(toks, start),
                _ => {
                    j += 1;
                    Tok::Punct(b'%')
                }
            },
            b'#' => match scan_name(t, j + 1) {
                NameScan::Name(n, k) => {
                    j = k;
                    Tok::Hash(n)
                }
                NameScan::End => return Scanned::More(toks, start),
                NameScan::Bad(k) => return Scanned::Fail(toks, ERR_INVALID_TOKEN, k),
            },
            b'[' | b']' | b'>' | b'(' | b'|' | b',' => {
                j += 1;
                Tok::Punct(b)
            }
            b')' => {
                j += 1;
                toks.push(Token {
                    tok: Tok::Punct(b')'),
                    start,
                    end: j,
                });
                match t.get(j) {
                    None => return Scanned::More(toks, j),
                    Some(&q @ (b'?' | b'*' | b'+')) => {
                        toks.push(Token {
                            tok: Tok::Punct(q),
                            start: j,
                            end: j + 1,
                        });
                        j += 1;
                        continue;
                    }
                    Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b',' | b'|' | b')') => continue,
                    Some(_) => return Scanned::Fail(toks, ERR_INVALID_TOKEN, j),
                }
            }
            _ => match scan_name(t, j) {
                NameScan::Name(n, k) => {
                    j = k;
                    toks.push(Token {
                        tok: Tok::Name(n),
                        start,
                        end: j,
                    });
                    match t.get(j) {
                        None => {
                            toks.pop();
                            return Scanned::More(toks, start);
                        }
                        Some(&q @ (b'?' | b'*' | b'+')) => {
                            let s2 = j;
                            j += 1;
                            toks.push(Token {
                                tok: Tok::Punct(q),
                                start: s2,
                                end: j,
                            });
                        }
                        Some(
                            b' ' | b'\t' | b'\r' | b'\n' | b'>' | b')' | b',' | b'|' | b'[' | b'%',
                        ) => {}
                        Some(_) => {
                            toks.pop();
                            return Scanned::Fail(toks, ERR_INVALID_TOKEN, j);
                        }
                    }
                    continue;
                }
                NameScan::End => return Scanned::More(toks, start),
                NameScan::Bad(k) => {
                    // Name tokens (NMTOKEN) may start with digits, '-', '.'.
                    let mut k2 = k;
                    while let Some(c) = input::char_at(t, k2) {
                        if !input::is_name_char(c) {
                            break;
                        }
                        k2 += c.len_utf8();
                    }
                    if k2 == k {
                        return Scanned::Fail(toks, ERR_INVALID_TOKEN, k);
                    }
                    j = k2;
                    match t.get(j) {
                        None => return Scanned::More(toks, start),
                        Some(
                            b' ' | b'\t' | b'\r' | b'\n' | b'>' | b')' | b',' | b'|' | b'[' | b'%',
                        ) => {}
                        Some(_) => return Scanned::Fail(toks, ERR_INVALID_TOKEN, j),
                    }
                    Tok::Nmtoken(String::from_utf8_lossy(t.get(k..k2).unwrap_or(&[])).into_owned())
                }
            },
        };
        let done = !in_subset && tok == Tok::Punct(b'>');
        if tok == Tok::Punct(b'[') {
            in_subset = true;
        } else if tok == Tok::Punct(b']') {
            in_subset = false;
        }
        toks.push(Token { tok, start, end: j });
        if done {
            return Scanned::Tokens(toks, j);
        }
    }
}

/// Positions of offsets, computed walking forward.
struct Cursor<'a> {
    t: &'a [u8],
    off: usize,
    pos: Pos,
    dec: input::Decoder,
}

impl Cursor<'_> {
    fn at(&mut self, off: usize) -> Pos {
        if off > self.off {
            advance(
                &mut self.pos,
                self.t.get(self.off..off).unwrap_or(&[]),
                &self.dec,
            );
            self.off = off;
        }
        self.pos
    }
}

fn collapse_spaces(s: &str) -> String {
    s.split([' ', '\t', '\r', '\n'])
        .filter(|x| !x.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl Core {
    pub fn doctype(&mut self, t: &[u8], i: usize, fin: bool, out: &mut Vec<Ev>) -> Step {
        // The tokens, the end of the declaration, and the error that cut
        // it short (reported once the tokens before it are processed).
        let (toks, end, pending) = match tokenize(t, i) {
            Scanned::More(v, _) if self.decode_failed() => {
                (v, t.len(), Some((ERR_INVALID_TOKEN, t.len())))
            }
            Scanned::More(..) if !fin => return Step::More,
            Scanned::More(v, at) => {
                let e = if at >= t.len() {
                    (ERR_NO_ELEMENTS, t.len())
                } else {
                    (ERR_UNCLOSED_TOKEN, at)
                };
                (v, t.len(), Some(e))
            }
            Scanned::Fail(v, c, k) => (v, k, Some((c, k))),
            Scanned::Tokens(v, e) => (v, e, None),
        };
        let fail = |off: Option<usize>| match (off, pending) {
            (Some(o), _) => Step::Fail(ERR_SYNTAX, o),
            (None, Some((c, o))) => Step::Fail(c, o),
            (None, None) => Step::Fail(ERR_SYNTAX, end),
        };
        let mut cur = Cursor {
            t,
            off: i,
            pos: self.at,
            dec: self.decoder(),
        };
        // The header: name and external id.
        let sig: Vec<&Token> = toks.iter().filter(|k| k.tok != Tok::Space).collect();
        let tok = |k: usize| sig.get(k).map(|x| &x.tok);
        let at = |k: usize| sig.get(k).map(|x| x.start);
        let name = match tok(1) {
            Some(Tok::Name(n)) => n.clone(),
            _ => return fail(at(1)),
        };
        let mut k = 2;
        let (mut sysid, mut pubid) = (None, None);
        match tok(k) {
            Some(Tok::Name(n)) if n == "SYSTEM" => {
                let Some(Tok::Literal(s)) = tok(k + 1) else {
                    return fail(at(k + 1));
                };
                sysid = Some(s.clone());
                k += 2;
            }
            Some(Tok::Name(n)) if n == "PUBLIC" => {
                let Some(Tok::Literal(p)) = tok(k + 1) else {
                    return fail(at(k + 1));
                };
                let Some(Tok::Literal(s)) = tok(k + 2) else {
                    return fail(at(k + 2));
                };
                pubid = Some(collapse_spaces(p));
                sysid = Some(s.clone());
                k += 3;
            }
            _ => {}
        }
        if sysid.is_some() {
            self.dtd.has_param_refs = true;
        }
        let internal = matches!(tok(k), Some(Tok::Punct(b'[')));
        let hdr_end = match sig.get(k) {
            Some(x) if matches!(x.tok, Tok::Punct(b'[') | Tok::Punct(b'>')) => x.start,
            Some(x) => return fail(Some(x.start)),
            None => return fail(None),
        };
        let mut idx = 0;
        while let Some(tk) = toks.get(idx) {
            if tk.start >= hdr_end {
                break;
            }
            let p = cur.at(tk.start);
            self.emit(
                out,
                p,
                Event::Default(DtdGroup::Doctype),
                t.get(tk.start..tk.end).unwrap_or(&[]),
            );
            idx += 1;
        }
        let p = cur.at(hdr_end);
        self.emit(
            out,
            p,
            Event::StartDoctype {
                name,
                sysid,
                pubid,
                internal,
            },
            t.get(hdr_end..hdr_end + 1).unwrap_or(&[]),
        );
        if internal {
            idx += 1;
            match self.subset(&toks, &mut idx, &mut cur, out) {
                Ok(true) => {}
                Ok(false) => return fail(None),
                Err((c, off)) => return Step::Fail(c, off),
            }
            // `]`, optional space, then `>`.
            let mut closed = false;
            while let Some(tk) = toks.get(idx) {
                if tk.tok == Tok::Punct(b'>') {
                    closed = true;
                    break;
                }
                if tk.tok != Tok::Space && tk.tok != Tok::Punct(b']') {
                    return Step::Fail(ERR_SYNTAX, tk.start);
                }
                let p = cur.at(tk.start);
                self.emit(
                    out,
                    p,
                    Event::Default(DtdGroup::Doctype),
                    t.get(tk.start..tk.end).unwrap_or(&[]),
                );
                idx += 1;
            }
            if !closed {
                return fail(None);
            }
        }
        if let Some((c, o)) = pending {
            return Step::Fail(c, o);
        }
        let p = cur.at(end.saturating_sub(1));
        self.emit(out, p, Event::EndDoctype, b">");
        Step::Next(end)
    }

    /// The internal subset, from after `[` up to its `]`.
    fn subset(
        &mut self,
        toks: &[Token],
        idx: &mut usize,
        cur: &mut Cursor,
        out: &mut Vec<Ev>,
    ) -> Result<bool, (u32, usize)> {
        let t = cur.t;
        let mut keep = true;
        while let Some(tk) = toks.get(*idx) {
            let p = cur.at(tk.start);
            match &tk.tok {
                Tok::Punct(b']') => return Ok(true),
                Tok::Space => {
                    self.emit(
                        out,
                        p,
                        Event::Default(DtdGroup::Other),
                        t.get(tk.start..tk.end).unwrap_or(&[]),
                    );
                }
                Tok::Comment(c) => self.emit(
                    out,
                    p,
                    Event::Comment(c.clone()),
                    t.get(tk.start..tk.end).unwrap_or(&[]),
                ),
                Tok::Pi(a, b) => self.emit(
                    out,
                    p,
                    Event::Pi {
                        target: a.clone(),
                        data: b.clone(),
                    },
                    t.get(tk.start..tk.end).unwrap_or(&[]),
                ),
                Tok::PeRef(n) => {
                    self.dtd.has_param_refs = true;
                    let raw = t.get(tk.start..tk.end).unwrap_or(&[]);
                    match self.dtd.pentities.get(n) {
                        Some(e) if e.value.is_some() => {}
                        _ => {
                            self.emit(
                                out,
                                p,
                                Event::Skipped {
                                    name: n.clone(),
                                    is_pe: true,
                                },
                                raw,
                            );
                            keep = self.dtd.standalone;
                        }
                    }
                }
                Tok::Open(kw) => {
                    let start = *idx;
                    let mut end = start;
                    while let Some(x) = toks.get(end) {
                        if x.tok == Tok::Punct(b'>') {
                            break;
                        }
                        end += 1;
                    }
                    if end >= toks.len() {
                        return Ok(false);
                    }
                    let decl = toks.get(start..=end).unwrap_or(&[]);
                    self.declaration(kw, decl, cur, out, keep)?;
                    *idx = end + 1;
                    continue;
                }
                _ => return Err((ERR_SYNTAX, tk.start)),
            }
            *idx += 1;
        }
        Ok(false)
    }

    /// One `<!KEYWORD ... >` declaration.
    fn declaration(
        &mut self,
        kw: &str,
        decl: &[Token],
        cur: &mut Cursor,
        out: &mut Vec<Ev>,
        keep: bool,
    ) -> Result<(), (u32, usize)> {
        let t = cur.t;
        let group = match kw {
            "ENTITY" => DtdGroup::Entity,
            "ELEMENT" => DtdGroup::Element,
            "ATTLIST" => DtdGroup::Attlist,
            "NOTATION" => DtdGroup::Notation,
            _ => return Err((ERR_SYNTAX, decl.first().map_or(0, |x| x.start))),
        };
        let sig: Vec<&Token> = decl.iter().filter(|k| k.tok != Tok::Space).collect();
        let close = decl.last().map_or(0, |x| x.start);
        let syntax = |k: usize| (ERR_SYNTAX, sig.get(k).map_or(close, |x| x.start));
        // Every token goes to the default handler (unless its handler is set).
        let mut report_at: Option<(usize, Event)> = None;
        match group {
            DtdGroup::Entity => {
                let mut k = 1;
                let is_pe = matches!(sig.get(1).map(|x| &x.tok), Some(Tok::Punct(b'%')));
                if is_pe {
                    k = 2;
                }
                let Some(Tok::Name(name)) = sig.get(k).map(|x| &x.tok) else {
                    return Err(syntax(k));
                };
                let mut e = Entity::default();
                let at;
                match sig.get(k + 1).map(|x| &x.tok) {
                    Some(Tok::Literal(v)) => {
                        let lit = sig.get(k + 1).map_or(close, |x| x.start);
                        let raw_end = sig.get(k + 1).map_or(lit, |x| x.end.saturating_sub(1));
                        if let Some((code, bad, cut)) =
                            check_entity_value(t.get(lit + 1..raw_end).unwrap_or(&[]))
                        {
                            // expat reports the value read so far, then the error.
                            let p = cur.at(lit + 1 + bad);
                            let partial = String::from_utf8_lossy(
                                t.get(lit + 1..lit + 1 + cut).unwrap_or(&[]),
                            )
                            .into_owned();
                            let ev = Event::EntityDecl {
                                name: name.clone(),
                                is_pe,
                                value: Some(self.entity_value(&partial)),
                                sysid: None,
                                pubid: None,
                                notation: None,
                            };
                            if keep {
                                self.emit(out, p, ev, &[]);
                            }
                            return Err((code, lit + 1 + bad));
                        }
                        e.value = Some(self.entity_value(v));
                        at = lit;
                        k += 2;
                    }
                    Some(Tok::Name(n)) if n == "SYSTEM" || n == "PUBLIC" => {
                        if n == "PUBLIC" {
                            let Some(Tok::Literal(p)) = sig.get(k + 2).map(|x| &x.tok) else {
                                return Err(syntax(k + 2));
                            };
                            e.pubid = Some(collapse_spaces(p));
                            k += 1;
                        }
                        let Some(Tok::Literal(s)) = sig.get(k + 2).map(|x| &x.tok) else {
                            return Err(syntax(k + 2));
                        };
                        e.sysid = Some(s.clone());
                        k += 3;
                        if let Some(Tok::Name(nd)) = sig.get(k).map(|x| &x.tok) {
                            if nd != "NDATA" || is_pe {
                                return Err(syntax(k));
                            }
                            let Some(Tok::Name(nn)) = sig.get(k + 1).map(|x| &x.tok) else {
                                return Err(syntax(k + 1));
                            };
                            e.notation = Some(nn.clone());
                            k += 2;
                        }
                        at = close;
                    }
                    _ => return Err(syntax(k + 1)),
                }
                if !matches!(sig.get(k).map(|x| &x.tok), Some(Tok::Punct(b'>'))) {
                    return Err(syntax(k));
                }
                let table = if is_pe {
                    &mut self.dtd.pentities
                } else {
                    &mut self.dtd.entities
                };
                if keep && !table.contains_key(name) {
                    table.insert(name.clone(), e.clone());
                    report_at = Some((
                        at,
                        Event::EntityDecl {
                            name: name.clone(),
                            is_pe,
                            value: e.value,
                            sysid: e.sysid,
                            pubid: e.pubid,
                            notation: e.notation,
                        },
                    ));
                }
            }
            DtdGroup::Notation => {
                let Some(Tok::Name(name)) = sig.get(1).map(|x| &x.tok) else {
                    return Err(syntax(1));
                };
                let (mut sysid, mut pubid) = (None, None);
                match sig.get(2).map(|x| &x.tok) {
                    Some(Tok::Name(n)) if n == "SYSTEM" => match sig.get(3).map(|x| &x.tok) {
                        Some(Tok::Literal(s)) => sysid = Some(s.clone()),
                        _ => return Err(syntax(3)),
                    },
                    Some(Tok::Name(n)) if n == "PUBLIC" => {
                        match sig.get(3).map(|x| &x.tok) {
                            Some(Tok::Literal(p)) => pubid = Some(collapse_spaces(p)),
                            _ => return Err(syntax(3)),
                        }
                        if let Some(Tok::Literal(s)) = sig.get(4).map(|x| &x.tok) {
                            sysid = Some(s.clone());
                        }
                    }
                    _ => return Err(syntax(2)),
                }
                if keep {
                    report_at = Some((
                        close,
                        Event::NotationDecl {
                            name: name.clone(),
                            sysid,
                            pubid,
                        },
                    ));
                }
            }
            DtdGroup::Element => {
                let Some(Tok::Name(name)) = sig.get(1).map(|x| &x.tok) else {
                    return Err(syntax(1));
                };
                let body: Vec<&Tok> = sig
                    .iter()
                    .skip(2)
                    .map(|x| &x.tok)
                    .filter(|x| **x != Tok::Punct(b'>'))
                    .collect();
                let model = parse_model(&body).ok_or_else(|| syntax(2))?;
                if keep {
                    report_at = Some((
                        close,
                        Event::ElementDecl {
                            name: name.clone(),
                            model,
                        },
                    ));
                }
            }
            DtdGroup::Attlist => {
                let Some(Tok::Name(elname)) = sig.get(1).map(|x| &x.tok) else {
                    return Err(syntax(1));
                };
                let mut k = 2;
                let mut defs = Vec::new();
                while let Some(Tok::Name(att)) = sig.get(k).map(|x| &x.tok) {
                    k += 1;
                    let atype = match sig.get(k).map(|x| &x.tok) {
                        Some(Tok::Name(ty)) if ty == "NOTATION" => {
                            let (s, n) = enum_type(&sig, k + 1).ok_or_else(|| syntax(k + 1))?;
                            k = n;
                            format!("NOTATION{s}")
                        }
                        Some(Tok::Name(ty))
                            if matches!(
                                ty.as_str(),
                                "CDATA"
                                    | "ID"
                                    | "IDREF"
                                    | "IDREFS"
                                    | "ENTITY"
                                    | "ENTITIES"
                                    | "NMTOKEN"
                                    | "NMTOKENS"
                            ) =>
                        {
                            k += 1;
                            ty.clone()
                        }
                        Some(Tok::Punct(b'(')) => {
                            let (s, n) = enum_type(&sig, k).ok_or_else(|| syntax(k))?;
                            k = n;
                            s
                        }
                        _ => return Err(syntax(k)),
                    };
                    let at = sig.get(k).map_or(close, |x| x.start);
                    let (default, required) = match sig.get(k).map(|x| &x.tok) {
                        Some(Tok::Hash(h)) if h == "REQUIRED" => (None, true),
                        Some(Tok::Hash(h)) if h == "IMPLIED" => (None, false),
                        Some(Tok::Hash(h)) if h == "FIXED" => {
                            match sig.get(k + 1).map(|x| &x.tok) {
                                Some(Tok::Literal(v)) => {
                                    k += 1;
                                    (Some(v.clone()), true)
                                }
                                _ => return Err(syntax(k + 1)),
                            }
                        }
                        Some(Tok::Literal(v)) => (Some(v.clone()), false),
                        _ => return Err(syntax(k)),
                    };
                    k += 1;
                    let default = match default {
                        Some(v) => {
                            Some(self.attr_value(v.as_bytes(), 0).map_err(|(c, _)| (c, at))?)
                        }
                        None => None,
                    };
                    defs.push((att.clone(), atype, default, required, at));
                }
                if !matches!(sig.get(k).map(|x| &x.tok), Some(Tok::Punct(b'>'))) {
                    return Err(syntax(k));
                }
                if keep {
                    let table = self.dtd.attdefs.entry(elname.clone()).or_default();
                    for (att, atype, default, _, _) in &defs {
                        if !table.iter().any(|d| d.name == *att) {
                            table.push(AttDef {
                                name: att.clone(),
                                is_cdata: atype == "CDATA",
                                default: default.clone(),
                            });
                        }
                    }
                    for (att, atype, default, required, at) in defs {
                        let p = cur.at(at);
                        self.emit(
                            out,
                            p,
                            Event::AttlistDecl {
                                elname: elname.clone(),
                                attname: att,
                                atype,
                                default,
                                required,
                            },
                            &[],
                        );
                    }
                }
            }
            _ => {}
        }
        for tk in decl {
            let p = cur.at(tk.start);
            self.emit(
                out,
                p,
                Event::Default(group),
                t.get(tk.start..tk.end).unwrap_or(&[]),
            );
            if let Some((at, _)) = &report_at {
                if *at == tk.start {
                    if let Some((_, ev)) = report_at.take() {
                        self.emit(out, p, ev, &[]);
                    }
                }
            }
        }
        Ok(())
    }

    /// An entity value literal: character references replaced.
    fn entity_value(&mut self, v: &str) -> String {
        let b = v.as_bytes();
        let mut s = String::new();
        let mut j = 0;
        while j < b.len() {
            if b.get(j) == Some(&b'&') && b.get(j + 1) == Some(&b'#') {
                if let super::core::RefScan::Ok(super::core::Ref::Char(c), e) =
                    super::core::scan_ref(b, j)
                {
                    s.push(c);
                    j = e;
                    continue;
                }
            }
            let Some(c) = input::char_at(b, j) else { break };
            s.push(c);
            j += c.len_utf8();
        }
        s
    }
}

/// `(a|b|c)` as an attribute type; returns the text and the next index.
fn enum_type(sig: &[&Token], mut k: usize) -> Option<(String, usize)> {
    if sig.get(k)?.tok != Tok::Punct(b'(') {
        return None;
    }
    k += 1;
    let mut s = String::from("(");
    loop {
        match &sig.get(k)?.tok {
            Tok::Name(n) | Tok::Nmtoken(n) => s.push_str(n),
            Tok::Punct(b'|') => s.push('|'),
            Tok::Punct(b')') => {
                s.push(')');
                return Some((s, k + 1));
            }
            _ => return None,
        }
        k += 1;
    }
}

fn quant(t: Option<&&Tok>) -> u8 {
    match t {
        Some(Tok::Punct(b'?')) => 1,
        Some(Tok::Punct(b'*')) => 2,
        Some(Tok::Punct(b'+')) => 3,
        _ => 0,
    }
}

/// An element's content model (`EMPTY`, `ANY`, mixed or children).
fn parse_model(toks: &[&Tok]) -> Option<Model> {
    let leaf = |ctype| Model {
        ctype,
        quant: 0,
        name: None,
        children: Vec::new(),
    };
    match toks.first()? {
        Tok::Name(n) if n == "EMPTY" && toks.len() == 1 => return Some(leaf(1)),
        Tok::Name(n) if n == "ANY" && toks.len() == 1 => return Some(leaf(2)),
        Tok::Punct(b'(') => {}
        _ => return None,
    }
    if let Some(Tok::Hash(h)) = toks.get(1) {
        if h != "PCDATA" {
            return None;
        }
        let mut children = Vec::new();
        let mut k = 2;
        while let Some(Tok::Punct(b'|')) = toks.get(k) {
            let Some(Tok::Name(n)) = toks.get(k + 1) else {
                return None;
            };
            children.push(Model {
                ctype: 4,
                quant: 0,
                name: Some(n.clone()),
                children: Vec::new(),
            });
            k += 2;
        }
        if toks.get(k) != Some(&&Tok::Punct(b')')) {
            return None;
        }
        let q = quant(toks.get(k + 1));
        return Some(Model {
            ctype: 3,
            quant: q,
            name: None,
            children,
        });
    }
    let (m, k) = group(toks, 0)?;
    (k == toks.len()).then_some(m)
}

/// A parenthesized choice or sequence at `k`; returns it and the next index.
fn group(toks: &[&Tok], mut k: usize) -> Option<(Model, usize)> {
    if toks.get(k)? != &&Tok::Punct(b'(') {
        return None;
    }
    k += 1;
    let mut children = Vec::new();
    let mut sep: Option<u8> = None;
    loop {
        let (child, n) = match toks.get(k)? {
            Tok::Name(n) => {
                let q = quant(toks.get(k + 1));
                let next = if q > 0 { k + 2 } else { k + 1 };
                (
                    Model {
                        ctype: 4,
                        quant: q,
                        name: Some(n.clone()),
                        children: Vec::new(),
                    },
                    next,
                )
            }
            Tok::Punct(b'(') => group(toks, k)?,
            _ => return None,
        };
        children.push(child);
        k = n;
        match toks.get(k)? {
            Tok::Punct(c @ (b'|' | b',')) => {
                if sep.is_some_and(|s| s != *c) {
                    return None;
                }
                sep = Some(*c);
                k += 1;
            }
            Tok::Punct(b')') => break,
            _ => return None,
        }
    }
    let q = quant(toks.get(k + 1));
    let next = if q > 0 { k + 2 } else { k + 1 };
    let ctype = if sep == Some(b'|') { 5 } else { 6 };
    Some((
        Model {
            ctype,
            quant: q,
            name: None,
            children,
        },
        next,
    ))
}

/// An entity value's references checked as expat does: the error code,
/// its offset, and where the value read before it ends.
fn check_entity_value(raw: &[u8]) -> Option<(u32, usize, usize)> {
    use super::core::{scan_ref, RefScan};
    let mut j = 0;
    while let Some(&b) = raw.get(j) {
        match b {
            b'&' => match scan_ref(raw, j) {
                RefScan::Ok(_, e) => j = e,
                RefScan::More => return Some((ERR_INVALID_TOKEN, j, j)),
                RefScan::Bad(k) => return Some((ERR_INVALID_TOKEN, k, j)),
                RefScan::BadChar => return Some((ERR_BAD_CHAR_REF, j, j)),
            },
            b'%' => match scan_name(raw, j + 1) {
                NameScan::Name(_, k) if raw.get(k) == Some(&b';') => {
                    return Some((ERR_PARAM_ENTITY_REF, j, j))
                }
                NameScan::Name(_, k) => return Some((ERR_INVALID_TOKEN, k, j)),
                NameScan::End => return Some((ERR_INVALID_TOKEN, raw.len(), j)),
                NameScan::Bad(k) => return Some((ERR_INVALID_TOKEN, k, j)),
            },
            _ => j += 1,
        }
    }
    None
}
