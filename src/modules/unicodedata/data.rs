//! The Unicode Character Database tables of `unicodedata` (Unicode 14.0.0,
//! CPython 3.11): loaded once from `ucd.bin`, which
//! scripts/gen_unicode_data.py writes (zlib-compressed; see the script for
//! the layout; do not edit it by hand), plus character names and the
//! normalization forms (UAX #15) built on them.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::modules::zstream::ZStream;

static BLOB: &[u8] = include_bytes!("ucd.bin");

/// Per-code-point properties: category, bidi class, combining class,
/// east-asian width (indices into the name lists) and mirrored.
#[derive(Clone, Copy, Default)]
struct Record {
    cat: u8,
    bidi: u8,
    ccc: u8,
    eaw: u8,
    mirrored: u8,
}

pub(crate) struct Ucd {
    cats: Vec<String>,
    bidis: Vec<String>,
    eaws: Vec<String>,
    records: Vec<Record>,
    runs: Vec<(u32, u16)>,
    decomp: HashMap<u32, String>,
    names: HashMap<u32, String>,
    by_name: HashMap<String, u32>,
    ranges: Vec<(u32, u32, String)>,
    composites: HashMap<(u32, u32), u32>,
    /// Named sequences (`lookup` only).
    sequences: HashMap<String, Vec<u32>>,
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn bytes(&mut self, n: usize) -> Option<&[u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        self.bytes(1).map(|s| s[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.bytes(2).map(|s| u16::from_le_bytes([s[0], s[1]]))
    }
    fn u32(&mut self) -> Option<u32> {
        self.bytes(4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn string(&mut self) -> Option<String> {
        let n = usize::from(self.u8()?);
        self.bytes(n)
            .map(|s| String::from_utf8_lossy(s).into_owned())
    }
    fn strings(&mut self) -> Option<Vec<String>> {
        let n = self.u32()?;
        (0..n).map(|_| self.string()).collect()
    }
}

fn inflate(data: &[u8]) -> Option<Vec<u8>> {
    let mut z = ZStream::inflate(15).ok()?;
    let mut out = Vec::with_capacity(data.len() * 6);
    let mut buf = vec![0u8; 1 << 16];
    let mut input = data;
    loop {
        let (r, used, made) = z.step(input, &mut buf, libz_sys::Z_NO_FLUSH);
        out.extend_from_slice(buf.get(..made)?);
        input = input.get(used..)?;
        if r == libz_sys::Z_STREAM_END {
            return Some(out);
        }
        if r != libz_sys::Z_OK || (used == 0 && made == 0) {
            return None;
        }
    }
}

fn parse(b: &[u8]) -> Option<Ucd> {
    let mut r = Reader { b, at: 0 };
    if r.bytes(4)? != b"UCD1" {
        return None;
    }
    let cats = r.strings()?;
    let bidis = r.strings()?;
    let eaws = r.strings()?;
    let n = r.u32()?;
    let mut records = Vec::new();
    for _ in 0..n {
        let s = r.bytes(5)?;
        records.push(Record {
            cat: s[0],
            bidi: s[1],
            ccc: s[2],
            eaw: s[3],
            mirrored: s[4],
        });
    }
    let n = r.u32()?;
    let mut runs = Vec::new();
    for _ in 0..n {
        runs.push((r.u32()?, r.u16()?));
    }
    let n = r.u32()?;
    let mut decomp = HashMap::new();
    for _ in 0..n {
        let cp = r.u32()?;
        decomp.insert(cp, r.string()?);
    }
    let n = r.u32()?;
    let (mut names, mut by_name) = (HashMap::new(), HashMap::new());
    let mut cp = 0u32;
    for _ in 0..n {
        cp = cp.checked_add(r.u32()?)?;
        let name = r.string()?;
        by_name.insert(name.clone(), cp);
        names.insert(cp, name);
    }
    let n = r.u32()?;
    let mut ranges = Vec::new();
    for _ in 0..n {
        ranges.push((r.u32()?, r.u32()?, r.string()?));
    }
    let n = r.u32()?;
    let mut composites = HashMap::new();
    for _ in 0..n {
        let cp = r.u32()?;
        let parts = hex_list(decomp.get(&cp)?);
        if let [a, b] = parts.as_slice() {
            composites.insert((*a, *b), cp);
        }
    }
    let n = r.u32()?;
    for _ in 0..n {
        let cp = r.u32()?;
        by_name.insert(r.string()?, cp);
    }
    let n = r.u32()?;
    let mut sequences = HashMap::new();
    for _ in 0..n {
        let name = r.string()?;
        let k = r.u32()?;
        let cps = (0..k).map(|_| r.u32()).collect::<Option<Vec<u32>>>()?;
        sequences.insert(name, cps);
    }
    Some(Ucd {
        sequences,
        cats,
        bidis,
        eaws,
        records,
        runs,
        decomp,
        names,
        by_name,
        ranges,
        composites,
    })
}

fn hex_list(s: &str) -> Vec<u32> {
    s.split(' ')
        .filter(|w| !w.starts_with('<'))
        .filter_map(|w| u32::from_str_radix(w, 16).ok())
        .collect()
}

/// The database (None only if the embedded table is damaged).
pub(crate) fn ucd() -> Option<&'static Ucd> {
    static UCD: OnceLock<Option<Ucd>> = OnceLock::new();
    UCD.get_or_init(|| inflate(BLOB).and_then(|b| parse(&b)))
        .as_ref()
}

const S_BASE: u32 = 0xAC00;
const L_BASE: u32 = 0x1100;
const V_BASE: u32 = 0x1161;
const T_BASE: u32 = 0x11A7;
const L_COUNT: u32 = 19;
const V_COUNT: u32 = 21;
const T_COUNT: u32 = 28;
const N_COUNT: u32 = V_COUNT * T_COUNT;
const S_COUNT: u32 = L_COUNT * N_COUNT;

const JAMO_L: [&str; 19] = [
    "G", "GG", "N", "D", "DD", "R", "M", "B", "BB", "S", "SS", "", "J", "JJ", "C", "K", "T", "P",
    "H",
];
const JAMO_V: [&str; 21] = [
    "A", "AE", "YA", "YAE", "EO", "E", "YEO", "YE", "O", "WA", "WAE", "OE", "YO", "U", "WEO", "WE",
    "WI", "YU", "EU", "YI", "I",
];
const JAMO_T: [&str; 28] = [
    "", "G", "GG", "GS", "N", "NJ", "NH", "D", "L", "LG", "LM", "LB", "LS", "LT", "LP", "LH", "M",
    "B", "BS", "S", "SS", "NG", "J", "C", "K", "T", "P", "H",
];

impl Ucd {
    fn record(&self, cp: u32) -> Record {
        let i = self.runs.partition_point(|&(start, _)| start <= cp);
        i.checked_sub(1)
            .and_then(|i| self.runs.get(i))
            .and_then(|&(_, r)| self.records.get(usize::from(r)))
            .copied()
            .unwrap_or_default()
    }

    pub fn category(&self, cp: u32) -> &str {
        let r = self.record(cp);
        self.cats
            .get(usize::from(r.cat))
            .map_or("Cn", |s| s.as_str())
    }

    pub fn bidirectional(&self, cp: u32) -> &str {
        let r = self.record(cp);
        self.bidis
            .get(usize::from(r.bidi))
            .map_or("", |s| s.as_str())
    }

    pub fn east_asian_width(&self, cp: u32) -> &str {
        let r = self.record(cp);
        self.eaws
            .get(usize::from(r.eaw))
            .map_or("N", |s| s.as_str())
    }

    pub fn combining(&self, cp: u32) -> u8 {
        self.record(cp).ccc
    }

    pub fn mirrored(&self, cp: u32) -> bool {
        self.record(cp).mirrored != 0
    }

    pub fn decomposition(&self, cp: u32) -> &str {
        self.decomp.get(&cp).map_or("", |s| s.as_str())
    }

    /// `unicodedata.name`.
    pub fn name(&self, cp: u32) -> Option<String> {
        if (S_BASE..S_BASE + S_COUNT).contains(&cp) {
            let s = cp - S_BASE;
            let (l, v, t) = (s / N_COUNT, (s % N_COUNT) / T_COUNT, s % T_COUNT);
            return Some(format!(
                "HANGUL SYLLABLE {}{}{}",
                JAMO_L.get(l as usize)?,
                JAMO_V.get(v as usize)?,
                JAMO_T.get(t as usize)?
            ));
        }
        if let Some(n) = self.names.get(&cp) {
            return Some(n.clone());
        }
        self.ranges
            .iter()
            .find(|(a, b, _)| (*a..=*b).contains(&cp))
            .map(|(_, _, p)| format!("{p}{cp:04X}"))
    }

    /// `unicodedata.lookup`: a character by name or alias, or a named
    /// sequence.
    pub fn lookup_text(&self, name: &str) -> Option<Vec<u32>> {
        if let Some(cp) = self.lookup(name) {
            return Some(vec![cp]);
        }
        self.sequences.get(&name.to_ascii_uppercase()).cloned()
    }

    /// A character by name or alias (names compare case-insensitively; the
    /// computed Hangul and ideograph names only in upper case, as CPython).
    pub fn lookup(&self, name: &str) -> Option<u32> {
        if let Some(rest) = name.strip_prefix("HANGUL SYLLABLE ") {
            return hangul_lookup(rest);
        }
        // CPython computes only the CJK unified ideographs (4 or 5 upper-case
        // hex digits); the other ranges are stored names (exact spelling),
        // and Tangut ideographs are not found at all.
        for (a, b, p) in &self.ranges {
            let Some(hex) = name.strip_prefix(p.as_str()) else {
                continue;
            };
            let Ok(cp) = u32::from_str_radix(hex, 16) else {
                continue;
            };
            let ok = match p.as_str() {
                "CJK UNIFIED IDEOGRAPH-" => {
                    (4..=5).contains(&hex.len())
                        && hex
                            .bytes()
                            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
                }
                "TANGUT IDEOGRAPH-" => false,
                _ => hex == format!("{cp:04X}"),
            };
            if ok && (*a..=*b).contains(&cp) {
                return Some(cp);
            }
        }
        self.by_name.get(&name.to_ascii_uppercase()).copied()
    }

    fn decompose_into(&self, cp: u32, compat: bool, out: &mut Vec<u32>) {
        if (S_BASE..S_BASE + S_COUNT).contains(&cp) {
            let s = cp - S_BASE;
            out.push(L_BASE + s / N_COUNT);
            out.push(V_BASE + (s % N_COUNT) / T_COUNT);
            if !s.is_multiple_of(T_COUNT) {
                out.push(T_BASE + s % T_COUNT);
            }
            return;
        }
        match self.decomp.get(&cp) {
            Some(d) if compat || !d.starts_with('<') => {
                for c in hex_list(d) {
                    self.decompose_into(c, compat, out);
                }
            }
            _ => out.push(cp),
        }
    }

    /// NFD (`compat` false) or NFKD: full decomposition, canonical order.
    pub fn decompose(&self, s: &[u32], compat: bool) -> Vec<u32> {
        let mut out = Vec::with_capacity(s.len());
        for &c in s {
            self.decompose_into(c, compat, &mut out);
        }
        // Canonical ordering: stable sort of each run of non-starters.
        let mut i = 0;
        while i < out.len() {
            if self.combining(out[i]) == 0 {
                i += 1;
                continue;
            }
            let start = i;
            while i < out.len() && self.combining(out[i]) != 0 {
                i += 1;
            }
            if let Some(run) = out.get_mut(start..i) {
                run.sort_by_key(|&c| self.combining(c));
            }
        }
        out
    }

    fn compose_pair(&self, a: u32, b: u32) -> Option<u32> {
        if (L_BASE..L_BASE + L_COUNT).contains(&a) && (V_BASE..V_BASE + V_COUNT).contains(&b) {
            return Some(S_BASE + ((a - L_BASE) * V_COUNT + (b - V_BASE)) * T_COUNT);
        }
        if (S_BASE..S_BASE + S_COUNT).contains(&a)
            && (a - S_BASE).is_multiple_of(T_COUNT)
            && (T_BASE + 1..T_BASE + T_COUNT).contains(&b)
        {
            return Some(a + (b - T_BASE));
        }
        self.composites.get(&(a, b)).copied()
    }

    /// Canonical composition of decomposed, canonically ordered text.
    pub fn compose(&self, s: &[u32]) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::with_capacity(s.len());
        let mut starter: Option<usize> = None;
        let mut last_ccc = 0u8;
        for &c in s {
            let ccc = self.combining(c);
            if let Some(si) = starter {
                let adjacent = out.len() == si + 1;
                if adjacent || (last_ccc != 0 && last_ccc < ccc) {
                    if let Some(comp) = out.get(si).and_then(|&st| self.compose_pair(st, c)) {
                        out[si] = comp;
                        continue;
                    }
                }
            }
            if ccc == 0 {
                starter = Some(out.len());
            }
            last_ccc = ccc;
            out.push(c);
        }
        out
    }

    /// `unicodedata.normalize(form, s)` for a valid form.
    pub fn normalize(&self, form: &str, s: &[u32]) -> Option<Vec<u32>> {
        Some(match form {
            "NFD" => self.decompose(s, false),
            "NFKD" => self.decompose(s, true),
            "NFC" => self.compose(&self.decompose(s, false)),
            "NFKC" => self.compose(&self.decompose(s, true)),
            _ => return None,
        })
    }
}

fn hangul_lookup(rest: &str) -> Option<u32> {
    // Longest-match of the jamo parts, as CPython's find_syllable.
    fn take<'a>(s: &'a str, table: &[&str]) -> Option<(usize, &'a str)> {
        let mut best: Option<(usize, usize)> = None;
        for (i, j) in table.iter().enumerate() {
            if s.starts_with(j) && best.is_none_or(|(_, l)| j.len() > l) {
                best = Some((i, j.len()));
            }
        }
        best.map(|(i, l)| (i, &s[l..]))
    }
    let (l, s) = take(rest, &JAMO_L)?;
    let (v, s) = take(s, &JAMO_V)?;
    let (t, s) = take(s, &JAMO_T)?;
    if !s.is_empty() {
        return None;
    }
    Some(S_BASE + (l as u32 * V_COUNT + v as u32) * T_COUNT + t as u32)
}
