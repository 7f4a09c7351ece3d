//! The ISO-2022 codecs (CPython 3.11's Modules/cjkcodecs/_codecs_iso2022.c):
//! iso2022_jp, _jp_1, _jp_2, _jp_2004, _jp_3, _jp_ext and iso2022_kr.
//! Character sets are designated into G0 (G1 with SO/SI for iso2022_kr,
//! G2 with single shifts for iso2022_jp_2's ISO 8859 sets) by escape
//! sequences; their tables are the EUC/DBCS codecs' (tables.rs) with the
//! high bits cleared. The state is CPython's: bytes 0..3 the designated
//! sets (0x80 set: double-byte), byte 4 the flags.

use super::engine::{Enc, State};
use super::tables::{table, Step, Table};

const ESC: u8 = 0x1B;
const SO: u8 = 0x0E;
const SI: u8 = 0x0F;
const LF: u8 = 0x0A;
pub const ASCII: u8 = b'B';
const DBCS: u8 = 0x80;
const F_SHIFTED: u8 = 0x01;
const F_ESCTHROUGHOUT: u8 = 0x02;
const MAX_ESCSEQLEN: usize = 16;
const NO_SHIFT: u8 = 1;
const USE_G2: u8 = 2;
const USE_JISX0208_EXT: u8 = 4;

/// A character set and how it is coded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cs {
    Jisx0208,
    Jisx0212,
    Ksx1001,
    Gb2312,
    Jisx0201R,
    Jisx0201K,
    /// JIS X 0213 plane 1 (2004 or 2000 table), pairs only.
    X0213P1Pair(&'static str),
    X0213P1(&'static str),
    X0213P2(&'static str),
    /// G2 sets (decoded through single shifts only).
    Iso8859,
}

/// A designation: its final byte (0x80 set for double-byte sets), the
/// graphic set it goes to, and the character set.
#[derive(Clone, Copy)]
struct Dsg {
    mark: u8,
    plane: usize,
    cs: Cs,
}

impl Dsg {
    fn width(&self) -> usize {
        if self.mark & DBCS != 0 {
            2
        } else {
            1
        }
    }
}

const fn d(mark: u8, plane: usize, cs: Cs) -> Dsg {
    Dsg { mark, plane, cs }
}

const JISX0208: Dsg = d(b'B' | DBCS, 0, Cs::Jisx0208);
const JISX0208_O: Dsg = d(b'@' | DBCS, 0, Cs::Jisx0208);
const JISX0212: Dsg = d(b'D' | DBCS, 0, Cs::Jisx0212);
const KSX1001_G0: Dsg = d(b'C' | DBCS, 0, Cs::Ksx1001);
const KSX1001_G1: Dsg = d(b'C' | DBCS, 1, Cs::Ksx1001);
const GB2312: Dsg = d(b'A' | DBCS, 0, Cs::Gb2312);
const JISX0201_R: Dsg = d(b'J', 0, Cs::Jisx0201R);
const JISX0201_K: Dsg = d(b'I', 0, Cs::Jisx0201K);
const ISO8859_1: Dsg = d(b'A', 2, Cs::Iso8859);
const ISO8859_7: Dsg = d(b'F', 2, Cs::Iso8859);
const E2004: &str = "euc_jis_2004";
const E2000: &str = "euc_jisx0213";

/// One ISO-2022 codec's configuration.
pub struct Config {
    flags: u8,
    dsgs: &'static [Dsg],
}

/// The configuration of ISO-2022 codec `name`.
pub fn config(name: &str) -> Option<&'static Config> {
    static KR: Config = Config {
        flags: 0,
        dsgs: &[KSX1001_G1],
    };
    static JP: Config = Config {
        flags: NO_SHIFT | USE_JISX0208_EXT,
        dsgs: &[JISX0208, JISX0201_R, JISX0208_O],
    };
    static JP_1: Config = Config {
        flags: NO_SHIFT | USE_JISX0208_EXT,
        dsgs: &[JISX0208, JISX0212, JISX0201_R, JISX0208_O],
    };
    static JP_2: Config = Config {
        flags: NO_SHIFT | USE_G2 | USE_JISX0208_EXT,
        dsgs: &[
            JISX0208, JISX0212, KSX1001_G0, GB2312, JISX0201_R, JISX0208_O, ISO8859_1, ISO8859_7,
        ],
    };
    static JP_2004: Config = Config {
        flags: NO_SHIFT | USE_JISX0208_EXT,
        dsgs: &[
            d(b'Q' | DBCS, 0, Cs::X0213P1Pair(E2004)),
            JISX0208,
            d(b'Q' | DBCS, 0, Cs::X0213P1(E2004)),
            d(b'P' | DBCS, 0, Cs::X0213P2(E2004)),
        ],
    };
    static JP_3: Config = Config {
        flags: NO_SHIFT | USE_JISX0208_EXT,
        dsgs: &[
            d(b'O' | DBCS, 0, Cs::X0213P1Pair(E2000)),
            JISX0208,
            d(b'O' | DBCS, 0, Cs::X0213P1(E2000)),
            d(b'P' | DBCS, 0, Cs::X0213P2(E2000)),
        ],
    };
    static JP_EXT: Config = Config {
        flags: NO_SHIFT | USE_JISX0208_EXT,
        dsgs: &[JISX0208, JISX0212, JISX0201_R, JISX0201_K, JISX0208_O],
    };
    Some(match name {
        "iso2022_kr" => &KR,
        "iso2022_jp" => &JP,
        "iso2022_jp_1" => &JP_1,
        "iso2022_jp_2" => &JP_2,
        "iso2022_jp_2004" => &JP_2004,
        "iso2022_jp_3" => &JP_3,
        "iso2022_jp_ext" => &JP_EXT,
        _ => return None,
    })
}

/// Whether every table the codec uses is there.
pub fn available(cfg: &Config) -> bool {
    ["euc_jp", "cp949", "gb2312", E2004, E2000]
        .iter()
        .all(|n| super::tables::NAMES.contains(n))
        && !cfg.dsgs.is_empty()
}

fn t(name: &str) -> Option<&'static Table> {
    table(name)
}

/// The rows JIS X 0213 plane 2 has (euc_jis_2004's 0x8F plane also
/// decodes JIS X 0212's other rows).
fn plane2_row(b: u8) -> bool {
    matches!(b, 0x21 | 0x23 | 0x24 | 0x25 | 0x28 | 0x2C..=0x2F | 0x6E..=0x7E)
}

fn in94(b: u8) -> bool {
    (0x21..=0x7E).contains(&b)
}

/// A double-byte code of a 94x94 set, through an 8-bit table.
fn dbcs_decode(tab: Option<&Table>, prefix: Option<u8>, b1: u8, b2: u8) -> Decoded {
    let Some(tab) = tab else {
        return Decoded::None;
    };
    if !in94(b1) || !in94(b2) {
        return Decoded::None;
    }
    let step = match prefix {
        Some(p) => tab.decode_step(&[p, b1 | 0x80, b2 | 0x80]),
        None => tab.decode_step(&[b1 | 0x80, b2 | 0x80]),
    };
    let n = if prefix.is_some() { 3 } else { 2 };
    match step {
        Step::Out(Some(c), k) if k == n => Decoded::One(c),
        Step::Out2(c, c2, k) if k == n => Decoded::Two(c, c2),
        _ => Decoded::None,
    }
}

enum Decoded {
    None,
    One(char),
    Two(char, char),
}

fn decode_cs(cs: Cs, data: &[u8]) -> Decoded {
    let b1 = data.first().copied().unwrap_or(0);
    let b2 = data.get(1).copied().unwrap_or(0);
    match cs {
        Cs::Jisx0208 => {
            if b1 == 0x21 && b2 == 0x40 {
                return Decoded::One('\u{ff3c}');
            }
            dbcs_decode(t("euc_jp"), None, b1, b2)
        }
        Cs::Jisx0212 => dbcs_decode(t("euc_jp"), Some(0x8F), b1, b2),
        Cs::Ksx1001 => dbcs_decode(t("cp949"), None, b1, b2),
        Cs::Gb2312 => dbcs_decode(t("gb2312"), None, b1, b2),
        Cs::Jisx0201R => match b1 {
            0x5C => Decoded::One('\u{a5}'),
            0x7E => Decoded::One('\u{203e}'),
            0..=0x7F => Decoded::One(char::from(b1)),
            _ => Decoded::None,
        },
        Cs::Jisx0201K => {
            let c = b1 ^ 0x80;
            match (0xA1..=0xDF).contains(&c) {
                true => char::from_u32(0xFEC0 + u32::from(c)).map_or(Decoded::None, Decoded::One),
                false => Decoded::None,
            }
        }
        Cs::X0213P1Pair(n) | Cs::X0213P1(n) => {
            if b1 == 0x21 && b2 == 0x40 {
                return Decoded::One('\u{ff3c}');
            }
            // The EUC codecs map 0x2232 to U+FF5E; JIS X 0213's own
            // table (which ISO-2022 uses) to U+007E.
            if b1 == 0x22 && b2 == 0x32 {
                return Decoded::One('~');
            }
            dbcs_decode(t(n), None, b1, b2)
        }
        // JIS X 0213's plane 2 table has U+9B1C at 0x7D3B (the EUC
        // codecs: U+9B1D).
        Cs::X0213P2(_) if b1 == 0x7D && b2 == 0x3B => Decoded::One('\u{9b1c}'),
        Cs::X0213P2(n) if plane2_row(b1) => dbcs_decode(t(n), Some(0x8F), b1, b2),
        Cs::X0213P2(_) => Decoded::None,
        Cs::Iso8859 => Decoded::None,
    }
}

/// What a character set gives for the character at `text[pos]`.
enum Coded {
    Unmappable,
    TooFew,
    /// The code's bytes and the characters used.
    Code(Vec<u8>, usize),
}

/// `c` through an 8-bit double-byte table: the 7-bit code when it is a
/// two-byte code of the 94x94 set (or, with `prefix`, three bytes after
/// it); with `check`, only when it decodes back to `c` (euc_jis_2004
/// writes JIS X 0212 codes after 0x8F too, which JIS X 0213 plane 2 is
/// not).
fn dbcs_encode(tab: Option<&Table>, prefix: Option<u8>, c: char, check: bool) -> Option<Vec<u8>> {
    let tab = tab?;
    let mut b = Vec::new();
    if !tab.encode_char(c, &mut b) {
        return None;
    }
    let (x, y) = match (prefix, b.as_slice()) {
        (None, &[x, y]) => (x, y),
        (Some(p), &[q, x, y]) if q == p => (x, y),
        _ => return None,
    };
    if !(0xA1..=0xFE).contains(&x) || !(0xA1..=0xFE).contains(&y) {
        return None;
    }
    if check
        && !matches!(dbcs_decode(Some(tab), prefix, x & 0x7F, y & 0x7F), Decoded::One(d) if d == c)
    {
        return None;
    }
    Some(vec![x & 0x7F, y & 0x7F])
}

fn encode_cs(cs: Cs, text: &[u32], pos: usize, flush: bool) -> Coded {
    let Some(&c) = text.get(pos) else {
        return Coded::Unmappable;
    };
    let Some(ch) = char::from_u32(c) else {
        return Coded::Unmappable;
    };
    let one = |v: Option<Vec<u8>>| v.map_or(Coded::Unmappable, |b| Coded::Code(b, 1));
    match cs {
        Cs::Jisx0208 => {
            if c == 0xFF3C {
                return Coded::Code(vec![0x21, 0x40], 1);
            }
            if c < 0x80 {
                return Coded::Unmappable;
            }
            one(dbcs_encode(t("euc_jp"), None, ch, false))
        }
        Cs::Jisx0212 => one(dbcs_encode(t("euc_jp"), Some(0x8F), ch, false)),
        Cs::Ksx1001 => one(dbcs_encode(t("cp949"), None, ch, false)),
        Cs::Gb2312 => one(dbcs_encode(t("gb2312"), None, ch, false)),
        Cs::Jisx0201R => match c {
            0x5C | 0x7E => Coded::Unmappable,
            0..=0x7F => Coded::Code(vec![c as u8], 1),
            0xA5 => Coded::Code(vec![0x5C], 1),
            0x203E => Coded::Code(vec![0x7E], 1),
            _ => Coded::Unmappable,
        },
        Cs::Jisx0201K => match c {
            0xFF61..=0xFF9F => Coded::Code(vec![(c - 0xFF40) as u8], 1),
            _ => Coded::Unmappable,
        },
        Cs::X0213P1Pair(n) | Cs::X0213P1(n) => {
            let Some(tab) = t(n) else {
                return Coded::Unmappable;
            };
            if tab.starts_pair(c) {
                match text.get(pos + 1) {
                    None if !flush => return Coded::TooFew,
                    Some(&c2) => {
                        if let Some(b) = tab.pair(c, c2) {
                            return Coded::Code(b.iter().map(|x| x & 0x7F).collect(), 2);
                        }
                    }
                    None => {}
                }
            }
            if matches!(cs, Cs::X0213P1Pair(_)) {
                return Coded::Unmappable;
            }
            if c == 0xFF3C {
                return Coded::Code(vec![0x21, 0x40], 1);
            }
            if c == 0xFF5E {
                return Coded::Unmappable;
            }
            one(dbcs_encode(Some(tab), None, ch, false))
        }
        Cs::X0213P2(n) => one(dbcs_encode(t(n), Some(0x8F), ch, true)
            .filter(|b| b.first().is_some_and(|&r| plane2_row(r)))),
        Cs::Iso8859 => Coded::Unmappable,
    }
}

pub fn encoder_init() -> State {
    [ASCII, ASCII, 0, 0, 0, 0, 0, 0]
}

pub fn decoder_init() -> State {
    [ASCII, ASCII, ASCII, 0, 0, 0, 0, 0]
}

pub fn decoder_reset(st: &mut State) {
    st[0] = ASCII;
    st[4] &= !F_SHIFTED;
}

pub fn encoder_reset(st: &mut State, out: &mut Vec<u8>) {
    if st[4] & F_SHIFTED != 0 {
        out.push(SI);
        st[4] &= !F_SHIFTED;
    }
    if st[0] != ASCII {
        out.extend_from_slice(&[ESC, b'(', b'B']);
        st[0] = ASCII;
    }
}

pub fn encode(
    cfg: &Config,
    st: &mut State,
    text: &[u32],
    pos: usize,
    flush: bool,
    out: &mut Vec<u8>,
) -> Enc {
    let Some(&c) = text.get(pos) else {
        return Enc::TooFew;
    };
    if c < 0x80 {
        if st[0] != ASCII {
            out.extend_from_slice(&[ESC, b'(', b'B']);
            st[0] = ASCII;
        }
        if st[4] & F_SHIFTED != 0 {
            out.push(SI);
            st[4] &= !F_SHIFTED;
        }
        out.push(c as u8);
        return Enc::Done(1);
    }
    let mut found = None;
    for dsg in cfg.dsgs {
        match encode_cs(dsg.cs, text, pos, flush) {
            Coded::Unmappable => continue,
            Coded::TooFew => return Enc::TooFew,
            Coded::Code(b, n) => {
                found = Some((dsg, b, n));
                break;
            }
        }
    }
    let Some((dsg, bytes, n)) = found else {
        return Enc::Illegal(1);
    };
    match dsg.plane {
        0 => {
            if st[4] & F_SHIFTED != 0 {
                out.push(SI);
                st[4] &= !F_SHIFTED;
            }
            if st[0] != dsg.mark {
                if dsg.width() == 1 {
                    out.extend_from_slice(&[ESC, b'(', dsg.mark]);
                } else if dsg.mark == JISX0208.mark {
                    out.extend_from_slice(&[ESC, b'$', b'B']);
                } else {
                    out.extend_from_slice(&[ESC, b'$', b'(', dsg.mark & 0x7F]);
                }
                st[0] = dsg.mark;
            }
        }
        1 => {
            if st[1] != dsg.mark {
                if dsg.width() == 1 {
                    out.extend_from_slice(&[ESC, b')', dsg.mark]);
                } else {
                    out.extend_from_slice(&[ESC, b'$', b')', dsg.mark & 0x7F]);
                }
                st[1] = dsg.mark;
            }
            if st[4] & F_SHIFTED == 0 {
                out.push(SO);
                st[4] |= F_SHIFTED;
            }
        }
        _ => return Enc::Illegal(1),
    }
    out.extend_from_slice(&bytes);
    Enc::Done(n)
}

fn is_escend(c: u8) -> bool {
    c.is_ascii_uppercase() || c == b'@'
}

/// CPython's `iso2022processesc`.
fn process_esc(cfg: &Config, st: &mut State, input: &[u8]) -> Step {
    let mut i = 1;
    let mut esclen = 0;
    while i < MAX_ESCSEQLEN {
        let Some(&b) = input.get(i) else {
            return Step::TooFew;
        };
        if is_escend(b) {
            esclen = i + 1;
            break;
        } else if cfg.flags & USE_JISX0208_EXT != 0
            && i + 1 < input.len()
            && b == b'&'
            && input.get(i + 1) == Some(&b'@')
        {
            i += 2;
            continue;
        }
        i += 1;
    }
    if i >= MAX_ESCSEQLEN {
        return Step::Illegal(1);
    }
    let at = |k: usize| input.get(k).copied().unwrap_or(0);
    let (charset, designation) = match esclen {
        3 => {
            if at(1) == b'$' {
                (at(2) | DBCS, 0)
            } else if at(1) == b'(' {
                (at(2), 0)
            } else if at(1) == b')' {
                (at(2), 1)
            } else if cfg.flags & USE_G2 != 0 && at(1) == b'.' {
                (at(2), 2)
            } else {
                return Step::Illegal(3);
            }
        }
        4 => {
            if at(1) != b'$' {
                return Step::Illegal(4);
            }
            match at(2) {
                b'(' => (at(3) | DBCS, 0),
                b')' => (at(3) | DBCS, 1),
                _ => return Step::Illegal(4),
            }
        }
        6 => {
            if cfg.flags & USE_JISX0208_EXT != 0 && at(3) == ESC && at(4) == b'$' && at(5) == b'B' {
                (b'B' | DBCS, 0)
            } else {
                return Step::Illegal(6);
            }
        }
        n => return Step::Illegal(n),
    };
    if charset != ASCII && !cfg.dsgs.iter().any(|d| d.mark == charset) {
        return Step::Illegal(esclen);
    }
    if let Some(slot) = st.get_mut(designation) {
        *slot = charset;
    }
    Step::Out(None, esclen)
}

/// ISO 8859-7's upper half as CPython's `ISO8859_7_DECODE` maps it.
fn iso8859_7(c: u8) -> Option<u32> {
    let c32 = u32::from(c);
    if c < 0xA0 {
        return Some(c32);
    }
    if c < 0xC0 && (0x288f_3bc9u32 >> (c - 0xA0)) & 1 != 0 {
        return Some(c32);
    }
    if (0xB4..=0xFE).contains(&c) && (c >= 0xD4 || (0xbfff_fd77u32 >> (c - 0xB4)) & 1 != 0) {
        return Some(0x02D0 + c32);
    }
    match c {
        0xA1 => Some(0x2018),
        0xA2 => Some(0x2019),
        0xAF => Some(0x2015),
        _ => None,
    }
}

/// CPython's `iso2022processg2` (a single-shifted G2 character).
fn process_g2(st: &State, input: &[u8]) -> Step {
    let Some(&c) = input.get(2) else {
        return Step::TooFew;
    };
    let cp = match st[2] {
        b'A' if c < 0x80 => Some(u32::from(c) + 0x80),
        b'F' => iso8859_7(c ^ 0x80),
        ASCII if c & 0x80 == 0 => Some(u32::from(c)),
        _ => None,
    };
    match cp.and_then(char::from_u32) {
        Some(ch) => Step::Out(Some(ch), 3),
        None => Step::Illegal(3),
    }
}

pub fn decode(cfg: &Config, st: &mut State, input: &[u8]) -> Step {
    let Some(&c) = input.first() else {
        return Step::TooFew;
    };
    if st[4] & F_ESCTHROUGHOUT != 0 {
        if is_escend(c) {
            st[4] &= !F_ESCTHROUGHOUT;
        }
        return Step::Out(Some(char::from(c)), 1);
    }
    let bypass = Step::Out(Some(char::from(c)), 1);
    match c {
        ESC => {
            let Some(&c2) = input.get(1) else {
                return Step::TooFew;
            };
            if matches!(c2, b'(' | b')' | b'$' | b'.' | b'&') {
                process_esc(cfg, st, input)
            } else if cfg.flags & USE_G2 != 0 && c2 == b'N' {
                process_g2(st, input)
            } else {
                st[4] |= F_ESCTHROUGHOUT;
                bypass
            }
        }
        SI if cfg.flags & NO_SHIFT == 0 => {
            st[4] &= !F_SHIFTED;
            Step::Out(None, 1)
        }
        SO if cfg.flags & NO_SHIFT == 0 => {
            st[4] |= F_SHIFTED;
            Step::Out(None, 1)
        }
        LF => {
            st[4] &= !F_SHIFTED;
            bypass
        }
        _ if c < 0x20 => bypass,
        _ if c >= 0x80 => Step::Illegal(1),
        _ => {
            let charset = if st[4] & F_SHIFTED != 0 { st[1] } else { st[0] };
            if charset == ASCII {
                return bypass;
            }
            let Some(dsg) = cfg.dsgs.iter().find(|d| d.mark == charset) else {
                return Step::Illegal(1);
            };
            let w = dsg.width();
            let Some(data) = input.get(..w) else {
                return Step::TooFew;
            };
            match decode_cs(dsg.cs, data) {
                Decoded::One(ch) => Step::Out(Some(ch), w),
                Decoded::Two(a, b) => Step::Out2(a, b, w),
                Decoded::None => Step::Illegal(w),
            }
        }
    }
}
