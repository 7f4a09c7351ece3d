//! The codecs behind `_multibytecodec`'s objects: the table-driven ones
//! (src/modules/cjk/tables.rs) and ISO-2022-JP (CPython 3.11's
//! Modules/cjkcodecs/_codecs_iso2022.c: JIS X 0208, JIS X 0201 Roman and
//! JIS X 0208-1978 designated into G0 by escape sequences). A codec's
//! state is CPython's `MultibyteCodec_State`: eight bytes, G0..G3 and
//! flags for ISO-2022 (what `getstate()` packs).

use super::iso2022::{self, Config};
use super::tables::{self, Step, Table};

pub type State = [u8; 8];

/// One encoding step's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enc {
    /// Characters used.
    Done(usize),
    /// This many characters cannot be encoded.
    Illegal(usize),
    /// The character may combine with one not given yet.
    TooFew,
}

#[derive(Clone, Copy)]
enum Engine {
    Table(&'static Table),
    /// The ISO-2022 codecs (iso2022.rs).
    Iso2022(&'static Config),
    /// HZ: GB2312 between `~{` and `~}` (state byte 0: in GB2312).
    Hz(&'static Table),
}

/// A codec: its name (for errors) and how it works.
#[derive(Clone, Copy)]
pub struct Codec {
    pub name: &'static str,
    engine: Engine,
}

/// The codecs each `_codecs_*` module offers, by module.
pub const MODULES: &[(&str, &[&str])] = &[
    ("_codecs_cn", &["gb2312", "gbk", "gb18030", "hz"]),
    ("_codecs_hk", &["big5hkscs"]),
    (
        "_codecs_iso2022",
        &[
            "iso2022_kr",
            "iso2022_jp",
            "iso2022_jp_1",
            "iso2022_jp_2",
            "iso2022_jp_2004",
            "iso2022_jp_3",
            "iso2022_jp_ext",
        ],
    ),
    (
        "_codecs_jp",
        &[
            "shift_jis",
            "cp932",
            "euc_jp",
            "shift_jis_2004",
            "euc_jis_2004",
            "euc_jisx0213",
            "shift_jisx0213",
        ],
    ),
    ("_codecs_kr", &["euc_kr", "cp949", "johab"]),
    ("_codecs_tw", &["big5", "cp950"]),
];

impl Codec {
    /// Codec `name`, when pycvm has it.
    pub fn find(name: &str) -> Option<Codec> {
        let name: &'static str = MODULES
            .iter()
            .flat_map(|(_, names)| names.iter())
            .find(|n| **n == name)?;
        let engine = match iso2022::config(name) {
            Some(cfg) if iso2022::available(cfg) => Engine::Iso2022(cfg),
            Some(_) => return None,
            None if name == "hz" => Engine::Hz(tables::table("gb2312")?),
            None => Engine::Table(tables::table(name)?),
        };
        Some(Codec { name, engine })
    }

    pub fn encoder_init(&self) -> State {
        match self.engine {
            Engine::Table(_) => [0; 8],
            Engine::Iso2022(_) => iso2022::encoder_init(),
            Engine::Hz(_) => [0; 8],
        }
    }

    pub fn decoder_init(&self) -> State {
        match self.engine {
            Engine::Table(_) => [0; 8],
            Engine::Iso2022(_) => iso2022::decoder_init(),
            Engine::Hz(_) => [0; 8],
        }
    }

    /// Decode from the start of `input` (not empty).
    pub fn decode_step(&self, st: &mut State, input: &[u8]) -> Step {
        match self.engine {
            Engine::Table(t) => t.decode_step(input),
            Engine::Iso2022(cfg) => iso2022::decode(cfg, st, input),
            Engine::Hz(t) => hz_decode(t, st, input),
        }
    }

    pub fn decoder_reset(&self, st: &mut State) {
        match self.engine {
            Engine::Iso2022(_) => iso2022::decoder_reset(st),
            Engine::Hz(_) => st[0] = 0,
            Engine::Table(_) => {}
        }
    }

    /// Encode the character at `text[pos]` (and the next when they
    /// combine); `flush`: no more text follows.
    pub fn encode_step(
        &self,
        st: &mut State,
        text: &[u32],
        pos: usize,
        flush: bool,
        out: &mut Vec<u8>,
    ) -> Enc {
        let Some(&c) = text.get(pos) else {
            return Enc::TooFew;
        };
        let Some(ch) = char::from_u32(c) else {
            return Enc::Illegal(1);
        };
        match self.engine {
            Engine::Table(t) => {
                if t.starts_pair(c) {
                    match text.get(pos + 1) {
                        None if !flush => return Enc::TooFew,
                        None => {}
                        Some(&c2) => {
                            if let Some(b) = t.pair(c, c2) {
                                out.extend_from_slice(b);
                                return Enc::Done(2);
                            }
                        }
                    }
                }
                if t.encode_char(ch, out) {
                    Enc::Done(1)
                } else {
                    Enc::Illegal(1)
                }
            }
            Engine::Iso2022(cfg) => iso2022::encode(cfg, st, text, pos, flush, out),
            Engine::Hz(t) => hz_encode(t, st, c, out),
        }
    }

    /// Encode one character alone (the "replace" handler's '?').
    pub fn encode_char(&self, st: &mut State, c: u32, out: &mut Vec<u8>) -> bool {
        matches!(self.encode_step(st, &[c], 0, true, out), Enc::Done(_))
    }

    /// Return to the initial shift state (CPython's `encreset`).
    pub fn encoder_reset(&self, st: &mut State, out: &mut Vec<u8>) {
        match self.engine {
            Engine::Iso2022(_) => iso2022::encoder_reset(st, out),
            Engine::Hz(_) => {
                if st[0] != 0 {
                    out.extend_from_slice(b"~}");
                    st[0] = 0;
                }
            }
            Engine::Table(_) => {}
        }
    }
}

/// CPython's HZ encoder: ASCII (`~` doubled) or GB2312 after `~{`.
fn hz_encode(t: &Table, st: &mut State, c: u32, out: &mut Vec<u8>) -> Enc {
    if c < 0x80 {
        if st[0] != 0 {
            out.extend_from_slice(b"~}");
            st[0] = 0;
        }
        out.push(c as u8);
        if c == u32::from(b'~') {
            out.push(b'~');
        }
        return Enc::Done(1);
    }
    let Some(ch) = char::from_u32(c) else {
        return Enc::Illegal(1);
    };
    let mut b = Vec::new();
    if !t.encode_char(ch, &mut b) {
        return Enc::Illegal(1);
    }
    let &[x, y] = b.as_slice() else {
        return Enc::Illegal(1);
    };
    if st[0] == 0 {
        out.extend_from_slice(b"~{");
        st[0] = 1;
    }
    out.extend_from_slice(&[x & 0x7F, y & 0x7F]);
    Enc::Done(1)
}

/// CPython's HZ decoder.
fn hz_decode(t: &Table, st: &mut State, input: &[u8]) -> Step {
    let Some(&c) = input.first() else {
        return Step::TooFew;
    };
    if c == b'~' {
        let Some(&c2) = input.get(1) else {
            return Step::TooFew;
        };
        return match (c2, st[0]) {
            (b'~', 0) => Step::Out(Some('~'), 2),
            (b'{', 0) => {
                st[0] = 1;
                Step::Out(None, 2)
            }
            (b'\n', 0) => Step::Out(None, 2),
            (b'}', 1) => {
                st[0] = 0;
                Step::Out(None, 2)
            }
            _ => Step::Illegal(1),
        };
    }
    if c & 0x80 != 0 {
        return Step::Illegal(1);
    }
    if st[0] == 0 {
        return Step::Out(Some(char::from(c)), 1);
    }
    let Some(&c2) = input.get(1) else {
        return Step::TooFew;
    };
    if !(0x21..=0x7E).contains(&c) || !(0x21..=0x7E).contains(&c2) {
        return Step::Illegal(1);
    }
    match t.decode_step(&[c | 0x80, c2 | 0x80]) {
        Step::Out(Some(ch), 2) => Step::Out(Some(ch), 2),
        _ => Step::Illegal(1),
    }
}
