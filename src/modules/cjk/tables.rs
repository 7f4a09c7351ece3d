//! The table-driven CJK codecs (CPython 3.11's Modules/cjkcodecs):
//! gb2312, gbk, gb18030, big5, cp950, shift_jis, cp932, euc_jp, euc_kr,
//! cp949 and johab. The tables in `data/` are read off CPython's own
//! codecs by scripts/gen_cjk_tables.py; the few sequences longer than two
//! bytes (gb18030's four-byte forms, euc_jp's JIS X 0212 plane, euc_kr's
//! KS X 1001:1998 Annex 3 make-up sequences) are decoded here as
//! CPython's C code does.

use std::collections::HashMap;
use std::sync::OnceLock;

/// One decoding step's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A character (or none: an escape sequence) and the bytes used.
    Out(Option<char>, usize),
    /// Two characters (JIS X 0213 and HKSCS sequences) and the bytes used.
    Out2(char, char, usize),
    /// An illegal sequence of this many bytes.
    Illegal(usize),
    /// The input ends inside a sequence.
    TooFew,
}

const ILLEGAL: u16 = 0xFFFF;
const LEAD: u16 = 0xFFFE;
const ERR1: u16 = 0;
const ERR2: u16 = 1;
const LONG: u16 = 2;
const ERR3: u16 = 3;
const WIDE: u16 = 4;

/// A second-byte table: entries for `first..first + entries.len()`,
/// `default` elsewhere.
#[derive(Default)]
struct Row {
    first: u8,
    default: u16,
    entries: Vec<u16>,
}

impl Row {
    fn get(&self, b: u8) -> u16 {
        let i = usize::from(b).wrapping_sub(usize::from(self.first));
        self.entries.get(i).copied().unwrap_or(self.default)
    }
}

/// The encoding map: BMP characters by index (bytes big-endian in the
/// low 32 bits, their count above; `UNENCODABLE`: none), the others and
/// sequences longer than four bytes in `extra` (an empty vector: none).
struct Encoder {
    bmp: Vec<u64>,
    extra: HashMap<u32, Vec<u8>>,
}

const UNENCODABLE: u64 = 0xFF << 32;

impl Encoder {
    /// What `cp` encodes to: Some(Some(bytes)), Some(None) for
    /// unencodable, None when the map does not say.
    fn get(&self, cp: u32) -> Option<Option<Vec<u8>>> {
        if let Some(b) = self.extra.get(&cp) {
            return Some((!b.is_empty()).then(|| b.clone()));
        }
        let v = *self.bmp.get(cp as usize)?;
        if v == 0 {
            return None;
        }
        if v == UNENCODABLE {
            return Some(None);
        }
        let n = (v >> 32) as usize;
        let bytes = (v as u32).to_be_bytes();
        Some(Some(bytes.get(4 - n.min(4)..).unwrap_or(&[]).to_vec()))
    }

    fn set(&mut self, cp: u32, b: Option<&[u8]>) {
        let packed = match b {
            None => Some(UNENCODABLE),
            Some(b) if !b.is_empty() && b.len() <= 4 => {
                let v = b.iter().fold(0u32, |a, &x| (a << 8) | u32::from(x));
                Some(((b.len() as u64) << 32) | u64::from(v))
            }
            Some(_) => None,
        };
        self.extra.remove(&cp);
        match (self.bmp.get_mut(cp as usize), packed) {
            (Some(slot), Some(p)) => *slot = p,
            _ => {
                if let Some(slot) = self.bmp.get_mut(cp as usize) {
                    *slot = 0;
                }
                self.extra
                    .insert(cp, b.map(<[u8]>::to_vec).unwrap_or_default());
            }
        }
    }

    /// Record `seq` for `cp` unless an earlier sequence has it.
    fn first(&mut self, cp: u32, seq: &[u8]) {
        let known = match self.bmp.get(cp as usize) {
            Some(&v) => v != 0,
            None => self.extra.contains_key(&cp),
        };
        if !known {
            self.set(cp, Some(seq));
        }
    }
}

pub struct Table {
    single: Vec<u16>,
    double: Vec<Option<Row>>,
    triple: Vec<Option<Row>>,
    /// Character → bytes (the inverse of decoding, with CPython's encoder
    /// exceptions applied; an empty vector: unencodable), built on the
    /// first encoding.
    encode: OnceLock<Encoder>,
    /// The exceptions section.
    exceptions: &'static [u8],
    /// gb18030's four-byte BMP ranges: (linear index, first code point).
    ranges: Vec<(u32, u32)>,
    /// Sequences decoding beyond the BMP or to two characters.
    wide: HashMap<Vec<u8>, (char, Option<char>)>,
    /// Two characters written as one sequence, by their first.
    pairs: HashMap<u32, Vec<(u32, Vec<u8>)>>,
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Plain,
    Gb18030,
    EucJp,
    EucKr,
}

fn sections(data: &'static [u8]) -> Vec<&'static [u8]> {
    let start = data.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut rest = data.get(start..).unwrap_or(&[]);
    let mut out = Vec::new();
    while rest.len() >= 4 {
        let n = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let body = rest.get(4..4 + n).unwrap_or(&[]);
        out.push(body);
        rest = rest.get(4 + n..).unwrap_or(&[]);
    }
    out
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    match b.get(i..i + 2) {
        Some(s) => u16::from_le_bytes([s[0], s[1]]),
        None => ILLEGAL,
    }
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    match b.get(i..i + 4) {
        Some(s) => u32::from_le_bytes([s[0], s[1], s[2], s[3]]),
        None => 0,
    }
}

fn rows(b: &[u8]) -> Vec<Option<Row>> {
    let mut out: Vec<Option<Row>> = (0..256).map(|_| None).collect();
    let mut i = 0;
    while i + 6 <= b.len() {
        let lead = b[i];
        let first = b[i + 1];
        let n = usize::from(u16_at(b, i + 2));
        let default = u16_at(b, i + 4);
        i += 6;
        let entries = (0..n).map(|k| u16_at(b, i + 2 * k)).collect();
        i += 2 * n;
        if let Some(slot) = out.get_mut(usize::from(lead)) {
            *slot = Some(Row {
                first,
                default,
                entries,
            });
        }
    }
    out
}

impl Table {
    fn load(name: &str, data: &'static [u8]) -> Table {
        let s = sections(data);
        let get = |i: usize| s.get(i).copied().unwrap_or(&[]);
        let single: Vec<u16> = (0..256).map(|i| u16_at(get(0), 2 * i)).collect();
        let double = rows(get(1));
        let triple = rows(get(2));
        let r = get(4);
        let ranges = (0..r.len() / 8)
            .map(|k| (u32_at(r, 8 * k), u32_at(r, 8 * k + 4)))
            .collect();
        let mut wide = HashMap::new();
        let w = get(5);
        let mut i = 0;
        while i < w.len() {
            let n = usize::from(w[i]);
            let seq = w.get(i + 1..i + 1 + n).unwrap_or(&[]).to_vec();
            i += 1 + n;
            let k = usize::from(w.get(i).copied().unwrap_or(0));
            i += 1;
            let cps: Vec<char> = (0..k)
                .filter_map(|j| char::from_u32(u32_at(w, i + 4 * j)))
                .collect();
            i += 4 * k;
            if let Some(&c) = cps.first() {
                wide.insert(seq, (c, cps.get(1).copied()));
            }
        }
        let mut pairs: HashMap<u32, Vec<(u32, Vec<u8>)>> = HashMap::new();
        let p = get(6);
        let mut i = 0;
        while i + 9 <= p.len() {
            let (c1, c2) = (u32_at(p, i), u32_at(p, i + 4));
            let n = usize::from(p[i + 8]);
            let b = p.get(i + 9..i + 9 + n).unwrap_or(&[]).to_vec();
            i += 9 + n;
            pairs.entry(c1).or_default().push((c2, b));
        }
        let kind = match name {
            "gb18030" => Kind::Gb18030,
            "euc_jp" | "euc_jis_2004" | "euc_jisx0213" => Kind::EucJp,
            "euc_kr" => Kind::EucKr,
            _ => Kind::Plain,
        };
        Table {
            single,
            double,
            triple,
            encode: OnceLock::new(),
            exceptions: get(3),
            ranges,
            wide,
            pairs,
            kind,
        }
    }

    /// The inverse of decoding (the first sequence in byte order for each
    /// character), then CPython's exceptions.
    fn build_encoder(&self) -> Encoder {
        let mut enc = Encoder {
            bmp: vec![0; 0x10000],
            extra: HashMap::new(),
        };
        for (b, &v) in self.single.iter().enumerate() {
            if v != ILLEGAL && v != LEAD {
                enc.first(u32::from(v), &[b as u8]);
            }
        }
        for (lead, row) in self.double.iter().enumerate() {
            let Some(row) = row else { continue };
            for t in 0..=255u8 {
                let v = row.get(t);
                let seq = [lead as u8, t];
                if v > WIDE {
                    enc.first(u32::from(v), &seq);
                } else if v == WIDE {
                    if let Some((c, None)) = self.wide.get(&seq[..]) {
                        enc.first(u32::from(*c), &seq);
                    }
                }
            }
        }
        for (b2, row) in self.triple.iter().enumerate() {
            let Some(row) = row else { continue };
            for b3 in 0..=255u8 {
                let v = row.get(b3);
                let seq = [0x8F, b2 as u8, b3];
                if v > WIDE {
                    enc.first(u32::from(v), &seq);
                } else if v == WIDE {
                    if let Some((c, None)) = self.wide.get(&seq[..]) {
                        enc.first(u32::from(*c), &seq);
                    }
                }
            }
        }
        if self.kind == Kind::Gb18030 {
            for (k, &(base, first)) in self.ranges.iter().enumerate() {
                let end = self.ranges.get(k + 1).map_or(39420, |r| r.0);
                for lseq in base..end {
                    enc.first(first + (lseq - base), &four_bytes(0x81, lseq));
                }
            }
        }
        let ex = self.exceptions;
        let mut i = 0;
        while i + 5 <= ex.len() {
            let cp = u32_at(ex, i);
            let n = usize::from(ex[i + 4]);
            i += 5;
            if n == 255 {
                enc.set(cp, None);
            } else {
                enc.set(cp, Some(ex.get(i..i + n).unwrap_or(&[])));
                i += n;
            }
        }
        enc
    }

    /// Decode one character from the start of `input` (not empty).
    pub fn decode_step(&self, input: &[u8]) -> Step {
        let Some(&b) = input.first() else {
            return Step::TooFew;
        };
        let v = self.single.get(usize::from(b)).copied().unwrap_or(ILLEGAL);
        if v == ILLEGAL {
            return Step::Illegal(1);
        }
        if v != LEAD {
            return out(u32::from(v), 1);
        }
        let Some(&b2) = input.get(1) else {
            return Step::TooFew;
        };
        let Some(row) = self.double.get(usize::from(b)).and_then(Option::as_ref) else {
            return Step::Illegal(1);
        };
        match row.get(b2) {
            ERR1 => Step::Illegal(1),
            ERR2 => Step::Illegal(2),
            ERR3 => Step::Illegal(3),
            LONG => self.decode_long(input),
            WIDE => self.decode_wide(input.get(..2).unwrap_or(&[])),
            cp => out(u32::from(cp), 2),
        }
    }

    fn decode_long(&self, input: &[u8]) -> Step {
        match self.kind {
            Kind::Gb18030 => {
                let [c, c2, c3, c4] = match input.get(..4) {
                    Some(&[a, b, c, d]) => [a, b, c, d],
                    _ => return Step::TooFew,
                };
                if !(0x81..=0xFE).contains(&c)
                    || !(0x30..=0x39).contains(&c2)
                    || !(0x81..=0xFE).contains(&c3)
                    || !(0x30..=0x39).contains(&c4)
                {
                    return Step::Illegal(1);
                }
                let (c, c2, c3, c4) = (
                    u32::from(c - 0x81),
                    u32::from(c2 - 0x30),
                    u32::from(c3 - 0x81),
                    u32::from(c4 - 0x30),
                );
                if c < 4 {
                    let lseq = (c * 10 + c2) * 1260 + c3 * 10 + c4;
                    if lseq < 39420 {
                        let k = self.ranges.partition_point(|r| r.0 <= lseq);
                        if let Some(&(base, first)) =
                            k.checked_sub(1).and_then(|k| self.ranges.get(k))
                        {
                            return out(first + (lseq - base), 4);
                        }
                    }
                } else if c >= 15 {
                    let lseq = 0x10000 + ((c - 15) * 10 + c2) * 1260 + c3 * 10 + c4;
                    if lseq <= 0x10FFFF {
                        return out(lseq, 4);
                    }
                }
                Step::Illegal(1)
            }
            Kind::EucJp => {
                let (Some(&b2), Some(&b3)) = (input.get(1), input.get(2)) else {
                    return Step::TooFew;
                };
                let Some(row) = self.triple.get(usize::from(b2)).and_then(Option::as_ref) else {
                    return Step::Illegal(1);
                };
                match row.get(b3) {
                    ERR1 => Step::Illegal(1),
                    ERR2 => Step::Illegal(2),
                    ERR3 | LONG => Step::Illegal(3),
                    WIDE => self.decode_wide(input.get(..3).unwrap_or(&[])),
                    cp => out(u32::from(cp), 3),
                }
            }
            Kind::EucKr => euckr_makeup(input),
            Kind::Plain => Step::Illegal(1),
        }
    }

    fn decode_wide(&self, seq: &[u8]) -> Step {
        match self.wide.get(seq) {
            Some(&(c, None)) => Step::Out(Some(c), seq.len()),
            Some(&(c, Some(d))) => Step::Out2(c, d, seq.len()),
            None => Step::Illegal(1),
        }
    }

    /// Whether `c` may combine with the next character (then the
    /// encoder needs to see it).
    pub fn starts_pair(&self, c: u32) -> bool {
        self.pairs.contains_key(&c)
    }

    /// The sequence for `c1` followed by `c2`, when there is one.
    pub fn pair(&self, c1: u32, c2: u32) -> Option<&[u8]> {
        self.pairs
            .get(&c1)?
            .iter()
            .find(|(d, _)| *d == c2)
            .map(|(_, b)| b.as_slice())
    }

    /// The bytes of `c`, or None when the codec cannot encode it.
    pub fn encode_char(&self, c: char, out: &mut Vec<u8>) -> bool {
        let cp = u32::from(c);
        let enc = self.encode.get_or_init(|| self.build_encoder());
        match enc.get(cp) {
            Some(Some(b)) => {
                out.extend_from_slice(&b);
                return true;
            }
            Some(None) => return false,
            None => {}
        }
        match self.kind {
            Kind::Gb18030 if cp >= 0x10000 => {
                out.extend_from_slice(&four_bytes(0x90, cp - 0x10000));
                true
            }
            Kind::EucKr if (0xAC00..=0xD7A3).contains(&cp) => {
                let s = cp - 0xAC00;
                let (cho, jung, jong) = (s / 588, (s / 28) % 21, s % 28);
                let (Some(&c1), Some(&c3)) =
                    (CHOSEONG.get(cho as usize), JONGSEONG.get(jong as usize))
                else {
                    return false;
                };
                out.extend_from_slice(&[0xA4, 0xD4, 0xA4, c1, 0xA4, 0xBF + jung as u8, 0xA4, c3]);
                true
            }
            _ => false,
        }
    }
}

fn out(cp: u32, n: usize) -> Step {
    match char::from_u32(cp) {
        Some(c) => Step::Out(Some(c), n),
        None => Step::Illegal(n),
    }
}

/// gb18030's four bytes for linear index `lseq` from lead `base`.
fn four_bytes(base: u8, lseq: u32) -> Vec<u8> {
    let (c, r) = (lseq / 12600, lseq % 12600);
    let (c2, r) = (r / 1260, r % 1260);
    let (c3, c4) = (r / 10, r % 10);
    vec![
        base + c as u8,
        0x30 + c2 as u8,
        0x81 + c3 as u8,
        0x30 + c4 as u8,
    ]
}

/// KS X 1001:1998 Annex 3: the jamo bytes of each initial and final
/// consonant (index 0 of the finals: none, the filler 0xD4).
const CHOSEONG: [u8; 19] = [
    0xa1, 0xa2, 0xa4, 0xa7, 0xa8, 0xa9, 0xb1, 0xb2, 0xb3, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb,
    0xbc, 0xbd, 0xbe,
];
const JONGSEONG: [u8; 28] = [
    0xd4, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0,
    0xb1, 0xb2, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xba, 0xbb, 0xbc, 0xbd, 0xbe,
];

/// euc_kr's eight-byte make-up sequence `A4 D4 A4 cho A4 jung A4 jong`.
fn euckr_makeup(input: &[u8]) -> Step {
    let Some(s) = input.get(..8) else {
        return Step::TooFew;
    };
    if s[2] != 0xA4 || s[4] != 0xA4 || s[6] != 0xA4 {
        return Step::Illegal(1);
    }
    let cho = CHOSEONG.iter().position(|&b| b == s[3]);
    let jung = (0xBF..=0xD3)
        .contains(&s[5])
        .then(|| usize::from(s[5] - 0xBF));
    let jong = JONGSEONG.iter().position(|&b| b == s[7]);
    match (cho, jung, jong) {
        (Some(c), Some(j), Some(f)) => out(0xAC00 + (c * 588 + j * 28 + f) as u32, 8),
        _ => Step::Illegal(1),
    }
}

macro_rules! codec_data {
    ($($name:literal),*) => {
        /// The raw table of codec `name`.
        fn data_of(name: &str) -> Option<&'static [u8]> {
            match name {
                $($name => Some(include_bytes!(concat!("data/", $name, ".bin"))),)*
                _ => None,
            }
        }

        /// The names of the table-driven codecs.
        pub const NAMES: &[&str] = &[$($name),*];
    };
}

codec_data!(
    "gb2312",
    "gbk",
    "gb18030",
    "big5",
    "cp950",
    "shift_jis",
    "cp932",
    "euc_jp",
    "euc_kr",
    "cp949",
    "johab",
    "big5hkscs",
    "euc_jis_2004",
    "euc_jisx0213",
    "shift_jis_2004",
    "shift_jisx0213"
);

/// Codec `name`'s table, loaded on first use (shared by all threads and
/// interpreters: it never changes).
pub fn table(name: &str) -> Option<&'static Table> {
    static TABLES: [OnceLock<Table>; 16] = [const { OnceLock::new() }; 16];
    let i = NAMES.iter().position(|n| *n == name)?;
    let data = data_of(name)?;
    Some(TABLES.get(i)?.get_or_init(|| Table::load(name, data)))
}
