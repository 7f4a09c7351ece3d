//! The `.pyc` header: the magic-number table (the one place that knows
//! which magic belongs to which Python), header parsing for every layout
//! from 1.5 to 3.14, PEP 552 invalidation modes, the source hash of
//! `importlib.util.source_hash`, and the staleness check importlib does
//! against the source file.
//!
//! Header layouts (all integers little-endian):
//! * 1.5 – 3.2 (and 3.3a1 before magic 3210): magic, mtime — 8 bytes;
//! * 3.3 – 3.6 (and 3.7a1–a3 before magic 3392): magic, mtime, size — 12 bytes;
//! * 3.7+ (PEP 552): magic, flags, then mtime and size or the 8-byte source
//!   hash — 16 bytes.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use thiserror::Error;

use crate::pyhash::siphash13;

/// The Python implementation that writes `.pyc` files with a given magic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Implementation {
    CPython,
    PyPy,
}

impl Implementation {
    pub fn as_str(self) -> &'static str {
        match self {
            Implementation::CPython => "CPython",
            Implementation::PyPy => "PyPy",
        }
    }
}

impl fmt::Display for Implementation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which fields follow the magic number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// magic, mtime: 8 bytes (1.5 – 3.2).
    Mtime,
    /// magic, mtime, source size: 12 bytes (3.3 – 3.6).
    MtimeSize,
    /// magic, flags, mtime + size or source hash: 16 bytes (3.7+, PEP 552).
    Pep552,
}

impl Layout {
    pub fn header_size(self) -> usize {
        match self {
            Layout::Mtime => 8,
            Layout::MtimeSize => 12,
            Layout::Pep552 => 16,
        }
    }
}

/// One known magic number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MagicEntry {
    /// The 16-bit number; the file holds it little-endian followed by `\r\n`.
    pub magic: u16,
    /// The Python language version, "major.minor" (e.g. "3.11").
    pub version: &'static str,
    pub implementation: Implementation,
    /// The release(s) that wrote it, as CPython's own list names them
    /// ("3.11a1", "3.11b4 / 3.11 final"), or the PyPy release.
    pub label: &'static str,
    pub layout: Layout,
}

impl MagicEntry {
    /// The four bytes that start a `.pyc` with this magic.
    pub fn bytes(&self) -> [u8; 4] {
        let [lo, hi] = self.magic.to_le_bytes();
        [lo, hi, b'\r', b'\n']
    }

    /// `importlib._bootstrap_external._RAW_MAGIC_NUMBER` of this version:
    /// the four magic bytes read as a little-endian u32.
    pub fn raw_magic_number(&self) -> u32 {
        u32::from_le_bytes(self.bytes())
    }

    /// The (major, minor) version as numbers.
    pub fn version_tuple(&self) -> (u32, u32) {
        let mut it = self
            .version
            .split('.')
            .map(|p| p.parse::<u32>().unwrap_or(0));
        (it.next().unwrap_or(0), it.next().unwrap_or(0))
    }
}

/// CPython's header layout follows its magic: the size word came with
/// 3210 (3.3a1), the PEP 552 flags word with 3392 (3.7a4). 2.x magics are
/// all above 20000 and have the 8-byte header.
const fn cpython_layout(magic: u16) -> Layout {
    if magic >= 20000 || magic < 3210 {
        Layout::Mtime
    } else if magic < 3392 {
        Layout::MtimeSize
    } else {
        Layout::Pep552
    }
}

const fn c(magic: u16, version: &'static str, label: &'static str) -> MagicEntry {
    MagicEntry {
        magic,
        version,
        implementation: Implementation::CPython,
        label,
        layout: cpython_layout(magic),
    }
}

const fn pypy(
    magic: u16,
    version: &'static str,
    label: &'static str,
    layout: Layout,
) -> MagicEntry {
    MagicEntry {
        magic,
        version,
        implementation: Implementation::PyPy,
        label,
        layout,
    }
}

/// Every known magic number, the single source of truth.
///
/// CPython: the "Known values" list in `Lib/importlib/_bootstrap_external.py`
/// of 3.13 (which carries over the 1.5 – 2.7 list of `Python/import.c`),
/// and for 3.14 / 3.15 development the list in
/// `Include/internal/pycore_magic_number.h` on CPython's main branch. Every
/// interim development magic is listed; the last magic of each minor
/// version is marked "final".
///
/// PyPy: PyPy2 and the first PyPy3 add 7 to CPython's magic; later PyPy3
/// releases use `pypy_incremental_magic` (a multiple of 16 below 3000) with
/// `\r\n`, and read/write headers with CPython's importlib of the version
/// they implement, so their layout follows that version.
pub static MAGICS: &[MagicEntry] = &[
    c(20121, "1.5", "1.5 / 1.5.1 / 1.5.2 final"),
    c(50428, "1.6", "1.6 final"),
    c(50823, "2.0", "2.0 / 2.0.1 final"),
    c(60202, "2.1", "2.1 / 2.1.1 / 2.1.2 final"),
    c(60717, "2.2", "2.2 final"),
    c(62011, "2.3", "2.3a0 / 2.3 final"),
    c(62021, "2.3", "2.3a0"),
    c(62041, "2.4", "2.4a0"),
    c(62051, "2.4", "2.4a3"),
    c(62061, "2.4", "2.4b1 / 2.4 final"),
    c(62071, "2.5", "2.5a0"),
    c(62081, "2.5", "2.5a0"),
    c(62091, "2.5", "2.5a0"),
    c(62092, "2.5", "2.5a0"),
    c(62101, "2.5", "2.5b3"),
    c(62111, "2.5", "2.5b3"),
    c(62121, "2.5", "2.5c1"),
    c(62131, "2.5", "2.5c2 / 2.5 final"),
    c(62151, "2.6", "2.6a0"),
    c(62161, "2.6", "2.6a1 / 2.6 final"),
    c(62171, "2.7", "2.7a0"),
    c(62181, "2.7", "2.7a0"),
    c(62191, "2.7", "2.7a0"),
    c(62201, "2.7", "2.7a0"),
    c(62211, "2.7", "2.7a0 / 2.7 final"),
    c(3000, "3.0", "3000 (3.0 development)"),
    c(3010, "3.0", "3000 (3.0 development)"),
    c(3020, "3.0", "3000 (3.0 development)"),
    c(3030, "3.0", "3000 (3.0 development)"),
    c(3040, "3.0", "3000 (3.0 development)"),
    c(3050, "3.0", "3000 (3.0 development)"),
    c(3060, "3.0", "3000 (3.0 development)"),
    c(3061, "3.0", "3000 (3.0 development)"),
    c(3071, "3.0", "3000 (3.0 development)"),
    c(3081, "3.0", "3000 (3.0 development)"),
    c(3091, "3.0", "3000 (3.0 development)"),
    c(3101, "3.0", "3000 (3.0 development)"),
    c(3103, "3.0", "3000 (3.0 development)"),
    c(3111, "3.0", "3.0a4"),
    c(3131, "3.0", "3.0b1 / 3.0 final"),
    c(3141, "3.1", "3.1a1"),
    c(3151, "3.1", "3.1a1 / 3.1 final"),
    c(3160, "3.2", "3.2a1"),
    c(3170, "3.2", "3.2a2"),
    c(3180, "3.2", "3.2a3 / 3.2 final"),
    c(3190, "3.3", "3.3a1"),
    c(3200, "3.3", "3.3a1"),
    c(3210, "3.3", "3.3a1"),
    c(3220, "3.3", "3.3a2"),
    c(3230, "3.3", "3.3a4 / 3.3 final"),
    c(3250, "3.4", "3.4a1"),
    c(3260, "3.4", "3.4a1"),
    c(3270, "3.4", "3.4a1"),
    c(3280, "3.4", "3.4a1"),
    c(3290, "3.4", "3.4a4"),
    c(3300, "3.4", "3.4a4"),
    c(3310, "3.4", "3.4rc2 / 3.4 final"),
    c(3320, "3.5", "3.5a1"),
    c(3330, "3.5", "3.5b1"),
    c(3340, "3.5", "3.5b2"),
    c(3350, "3.5", "3.5b3 / 3.5 final"),
    c(3351, "3.5", "3.5.2 / later 3.5 releases"),
    c(3360, "3.6", "3.6a0"),
    c(3361, "3.6", "3.6a1"),
    c(3370, "3.6", "3.6a2"),
    c(3371, "3.6", "3.6a2"),
    c(3372, "3.6", "3.6a2"),
    c(3373, "3.6", "3.6b1"),
    c(3375, "3.6", "3.6b1"),
    c(3376, "3.6", "3.6b1"),
    c(3377, "3.6", "3.6b1"),
    c(3378, "3.6", "3.6b2"),
    c(3379, "3.6", "3.6rc1 / 3.6 final"),
    c(3390, "3.7", "3.7a1"),
    c(3391, "3.7", "3.7a2"),
    c(3392, "3.7", "3.7a4"),
    c(3393, "3.7", "3.7b1"),
    c(3394, "3.7", "3.7b5 / 3.7 final"),
    c(3400, "3.8", "3.8a1"),
    c(3401, "3.8", "3.8a1"),
    c(3410, "3.8", "3.8a1"),
    c(3411, "3.8", "3.8b2"),
    c(3412, "3.8", "3.8b2"),
    c(3413, "3.8", "3.8b4 / 3.8 final"),
    c(3420, "3.9", "3.9a0"),
    c(3421, "3.9", "3.9a0"),
    c(3422, "3.9", "3.9a0"),
    c(3423, "3.9", "3.9a2"),
    c(3424, "3.9", "3.9a2"),
    c(3425, "3.9", "3.9a2 / 3.9 final"),
    c(3430, "3.10", "3.10a1"),
    c(3431, "3.10", "3.10a1"),
    c(3432, "3.10", "3.10a2"),
    c(3433, "3.10", "3.10a2"),
    c(3434, "3.10", "3.10a6"),
    c(3435, "3.10", "3.10a7"),
    c(3436, "3.10", "3.10b1"),
    c(3437, "3.10", "3.10b1"),
    c(3438, "3.10", "3.10b1"),
    c(3439, "3.10", "3.10b1 / 3.10 final"),
    c(3450, "3.11", "3.11a1"),
    c(3451, "3.11", "3.11a1"),
    c(3452, "3.11", "3.11a1"),
    c(3453, "3.11", "3.11a1"),
    c(3454, "3.11", "3.11a1"),
    c(3455, "3.11", "3.11a1"),
    c(3456, "3.11", "3.11a1"),
    c(3457, "3.11", "3.11a1"),
    c(3458, "3.11", "3.11a1"),
    c(3459, "3.11", "3.11a1"),
    c(3460, "3.11", "3.11a1"),
    c(3461, "3.11", "3.11a1"),
    c(3462, "3.11", "3.11a2"),
    c(3463, "3.11", "3.11a3"),
    c(3464, "3.11", "3.11a3"),
    c(3465, "3.11", "3.11a3"),
    c(3466, "3.11", "3.11a4"),
    c(3467, "3.11", "3.11a4"),
    c(3468, "3.11", "3.11a4"),
    c(3469, "3.11", "3.11a4"),
    c(3470, "3.11", "3.11a4"),
    c(3471, "3.11", "3.11a4"),
    c(3472, "3.11", "3.11a4"),
    c(3473, "3.11", "3.11a4"),
    c(3474, "3.11", "3.11a4"),
    c(3475, "3.11", "3.11a5"),
    c(3476, "3.11", "3.11a5"),
    c(3477, "3.11", "3.11a5"),
    c(3478, "3.11", "3.11a5"),
    c(3479, "3.11", "3.11a5"),
    c(3480, "3.11", "3.11a5"),
    c(3481, "3.11", "3.11a5"),
    c(3482, "3.11", "3.11a5"),
    c(3483, "3.11", "3.11a5"),
    c(3484, "3.11", "3.11a5"),
    c(3485, "3.11", "3.11a5"),
    c(3486, "3.11", "3.11a6"),
    c(3487, "3.11", "3.11a6"),
    c(3488, "3.11", "3.11a6"),
    c(3489, "3.11", "3.11a6"),
    c(3490, "3.11", "3.11a6"),
    c(3491, "3.11", "3.11a6"),
    c(3492, "3.11", "3.11a7"),
    c(3493, "3.11", "3.11a7"),
    c(3494, "3.11", "3.11a7"),
    c(3495, "3.11", "3.11b4 / 3.11 final"),
    c(3500, "3.12", "3.12a1"),
    c(3501, "3.12", "3.12a1"),
    c(3502, "3.12", "3.12a1"),
    c(3503, "3.12", "3.12a1"),
    c(3504, "3.12", "3.12a1"),
    c(3505, "3.12", "3.12a1"),
    c(3506, "3.12", "3.12a1"),
    c(3507, "3.12", "3.12a1"),
    c(3508, "3.12", "3.12a1"),
    c(3509, "3.12", "3.12a1"),
    c(3510, "3.12", "3.12a2"),
    c(3511, "3.12", "3.12a2"),
    c(3512, "3.12", "3.12a2"),
    c(3513, "3.12", "3.12a4"),
    c(3514, "3.12", "3.12a4"),
    c(3515, "3.12", "3.12a5"),
    c(3516, "3.12", "3.12a5"),
    c(3517, "3.12", "3.12a5"),
    c(3518, "3.12", "3.12a6"),
    c(3519, "3.12", "3.12a6"),
    c(3520, "3.12", "3.12a6"),
    c(3521, "3.12", "3.12a7"),
    c(3522, "3.12", "3.12a7"),
    c(3523, "3.12", "3.12a7"),
    c(3524, "3.12", "3.12a7"),
    c(3525, "3.12", "3.12b1"),
    c(3526, "3.12", "3.12b1"),
    c(3527, "3.12", "3.12b1"),
    c(3528, "3.12", "3.12b1"),
    c(3529, "3.12", "3.12b1"),
    c(3530, "3.12", "3.12b1"),
    c(3531, "3.12", "3.12b1 / 3.12 final"),
    c(3550, "3.13", "3.13a1"),
    c(3551, "3.13", "3.13a1"),
    c(3552, "3.13", "3.13a1"),
    c(3553, "3.13", "3.13a1"),
    c(3554, "3.13", "3.13a1"),
    c(3555, "3.13", "3.13a1"),
    c(3556, "3.13", "3.13a1"),
    c(3557, "3.13", "3.13a1"),
    c(3558, "3.13", "3.13a1"),
    c(3559, "3.13", "3.13a1"),
    c(3560, "3.13", "3.13a1"),
    c(3561, "3.13", "3.13a1"),
    c(3562, "3.13", "3.13a1"),
    c(3563, "3.13", "3.13a1"),
    c(3564, "3.13", "3.13a1"),
    c(3565, "3.13", "3.13a1"),
    c(3566, "3.13", "3.13a1"),
    c(3567, "3.13", "3.13a1"),
    c(3568, "3.13", "3.13a1"),
    c(3569, "3.13", "3.13a5"),
    c(3570, "3.13", "3.13a6"),
    c(3571, "3.13", "3.13b1 / 3.13 final"),
    c(3600, "3.14", "3.14a1"),
    c(3601, "3.14", "3.14a1"),
    c(3602, "3.14", "3.14a1"),
    c(3603, "3.14", "3.14a1"),
    c(3604, "3.14", "3.14a1"),
    c(3605, "3.14", "3.14a1"),
    c(3606, "3.14", "3.14a1"),
    c(3607, "3.14", "3.14a1"),
    c(3608, "3.14", "3.14a1"),
    c(3609, "3.14", "3.14a2"),
    c(3610, "3.14", "3.14a4"),
    c(3611, "3.14", "3.14a4"),
    c(3612, "3.14", "3.14a4"),
    c(3613, "3.14", "3.14a4"),
    c(3614, "3.14", "3.14a5"),
    c(3615, "3.14", "3.14a5"),
    c(3616, "3.14", "3.14a5"),
    c(3617, "3.14", "3.14a6"),
    c(3618, "3.14", "3.14a6"),
    c(3619, "3.14", "3.14a6"),
    c(3620, "3.14", "3.14a6"),
    c(3621, "3.14", "3.14a7"),
    c(3622, "3.14", "3.14a7"),
    c(3623, "3.14", "3.14a7"),
    c(3624, "3.14", "3.14b1"),
    c(3625, "3.14", "3.14b3"),
    c(3626, "3.14", "3.14rc2"),
    c(3627, "3.14", "3.14rc3 / 3.14 final"),
    c(3650, "3.15", "3.15a0"),
    c(3651, "3.15", "3.15a1"),
    c(3652, "3.15", "3.15a1"),
    c(3653, "3.15", "3.15a1"),
    c(3654, "3.15", "3.15a1"),
    c(3655, "3.15", "3.15a1"),
    c(3656, "3.15", "3.15a1"),
    pypy(62218, "2.7", "PyPy2 (CPython 2.7 magic + 7)", Layout::Mtime),
    pypy(
        3187,
        "3.2",
        "PyPy3 2.x (CPython 3.2 magic + 7)",
        Layout::Mtime,
    ),
    pypy(48, "3.2", "PyPy3 2.4 (3.2.5)", Layout::Mtime),
    pypy(64, "3.3", "PyPy3.3 5.x", Layout::MtimeSize),
    pypy(112, "3.5", "PyPy3.5 5.x – 7.0", Layout::MtimeSize),
    pypy(160, "3.6", "PyPy3.6 7.1.0 beta", Layout::MtimeSize),
    pypy(192, "3.6", "PyPy3.6 7.1+", Layout::MtimeSize),
    pypy(224, "3.7", "PyPy3.7 beta", Layout::Pep552),
    pypy(240, "3.7", "PyPy3.7 7.3.x", Layout::Pep552),
    pypy(256, "3.8", "PyPy3.8 7.3.x", Layout::Pep552),
    pypy(320, "3.9", "PyPy3.9 7.3.8", Layout::Pep552),
    pypy(336, "3.9", "PyPy3.9 7.3.9+", Layout::Pep552),
    pypy(384, "3.10", "PyPy3.10 7.3.12+", Layout::Pep552),
    pypy(416, "3.11", "PyPy3.11 7.3.20+", Layout::Pep552),
];

/// The table entry for a magic number, if it is known.
pub fn lookup(magic: u16) -> Option<&'static MagicEntry> {
    MAGICS.iter().find(|e| e.magic == magic)
}

/// The entry of the last magic of a CPython minor version ("3.11" → 3495).
pub fn cpython_final(version: &str) -> Option<&'static MagicEntry> {
    MAGICS
        .iter()
        .rev()
        .find(|e| e.implementation == Implementation::CPython && e.version == version)
}

/// CPython 3.11's magic number, 3495, the version pycvm runs.
pub const MAGIC_311: u16 = 3495;

/// How a 3.7+ `.pyc` is checked against its source (PEP 552).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Invalidation {
    /// Source mtime and size recorded; importlib compares them.
    Timestamp,
    /// Source hash recorded and checked on import (flags = 0b11).
    CheckedHash,
    /// Source hash recorded but not checked on import (flags = 0b01).
    UncheckedHash,
}

impl Invalidation {
    pub fn as_str(self) -> &'static str {
        match self {
            Invalidation::Timestamp => "timestamp",
            Invalidation::CheckedHash => "checked-hash",
            Invalidation::UncheckedHash => "unchecked-hash",
        }
    }
}

impl fmt::Display for Invalidation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// PEP 552 flag bit 0: the pyc is hash-based.
pub const FLAG_HASH_BASED: u32 = 0b01;
/// PEP 552 flag bit 1: check the source hash on import.
pub const FLAG_CHECK_SOURCE: u32 = 0b10;

/// A parsed `.pyc` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PycHeader {
    /// The magic number (the first two bytes, little-endian).
    pub magic: u16,
    /// The first four bytes of the file.
    pub magic_bytes: [u8; 4],
    /// What the magic table says about the magic.
    pub entry: &'static MagicEntry,
    /// The PEP 552 flags word (3.7+ layouts), else `None`.
    pub flags: Option<u32>,
    pub invalidation: Invalidation,
    /// Source modification time, seconds since the epoch mod 2**32
    /// (timestamp pycs).
    pub source_mtime: Option<u32>,
    /// Source size in bytes mod 2**32 (timestamp pycs from 3.3 on).
    pub source_size: Option<u32>,
    /// `importlib.util.source_hash` of the source (hash-based pycs).
    pub source_hash: Option<[u8; 8]>,
    /// Bytes before the marshalled code object.
    pub header_size: usize,
}

impl PycHeader {
    pub fn python_version(&self) -> &'static str {
        self.entry.version
    }

    pub fn implementation(&self) -> Implementation {
        self.entry.implementation
    }

    /// The source mtime as an ISO 8601 UTC string.
    pub fn source_mtime_utc(&self) -> Option<String> {
        self.source_mtime.map(|t| format_utc(i64::from(t)))
    }

    /// The magic bytes in lower-case hex ("a70d0d0a").
    pub fn magic_hex(&self) -> String {
        hex(&self.magic_bytes)
    }

    /// The source hash in lower-case hex.
    pub fn source_hash_hex(&self) -> Option<String> {
        self.source_hash.as_ref().map(|h| hex(h))
    }
}

/// Why a header could not be read. Every variant names the byte offset
/// and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HeaderError {
    #[error("truncated at byte {len}: expected {expected} at bytes {offset}..{end}, but the data has only {len} bytes")]
    Truncated {
        /// Where the field that is cut short starts.
        offset: usize,
        end: usize,
        len: usize,
        expected: &'static str,
    },
    #[error(
        "bad magic at byte 2: expected b\"\\r\\n\" (0d 0a) after the magic number, found {found}"
    )]
    BadMagicTail { found: String },
    #[error("unknown magic number {magic} (bytes {bytes}) at byte 0: expected the magic of a CPython release 1.5–3.15 or of PyPy")]
    UnknownMagic { magic: u16, bytes: String },
    #[error("invalid flags {flags} ({flags:#x}) at byte 4: expected a PEP 552 flags word using only bits 0 and 1 (0 = timestamp, 1 = unchecked-hash, 3 = checked-hash)")]
    InvalidFlags { flags: u32 },
}

impl HeaderError {
    /// The byte offset the error refers to.
    pub fn offset(&self) -> usize {
        match self {
            HeaderError::Truncated { offset, .. } => *offset,
            HeaderError::BadMagicTail { .. } => 2,
            HeaderError::UnknownMagic { .. } => 0,
            HeaderError::InvalidFlags { .. } => 4,
        }
    }
}

fn field<const N: usize>(
    data: &[u8],
    offset: usize,
    expected: &'static str,
) -> Result<[u8; N], HeaderError> {
    let end = offset + N;
    data.get(offset..end)
        .and_then(|s| <[u8; N]>::try_from(s).ok())
        .ok_or(HeaderError::Truncated {
            offset,
            end,
            len: data.len(),
            expected,
        })
}

fn u32_at(data: &[u8], offset: usize, expected: &'static str) -> Result<u32, HeaderError> {
    field::<4>(data, offset, expected).map(u32::from_le_bytes)
}

/// Parse the header at the start of a `.pyc` file (only the first 16 bytes
/// are looked at). The magic must be in [`MAGICS`] and end in `\r\n`; for
/// 3.7+ layouts the flags word may use only bits 0 and 1, as importlib's
/// `_classify_pyc` requires (flags 0b10 alone is a timestamp pyc there).
pub fn parse(data: &[u8]) -> Result<PycHeader, HeaderError> {
    let magic_bytes = field::<4>(data, 0, "the 4-byte magic number")?;
    let [lo, hi, cr, lf] = magic_bytes;
    if [cr, lf] != *b"\r\n" {
        return Err(HeaderError::BadMagicTail {
            found: format!("{cr:02x} {lf:02x}"),
        });
    }
    let magic = u16::from_le_bytes([lo, hi]);
    let entry = lookup(magic).ok_or_else(|| HeaderError::UnknownMagic {
        magic,
        bytes: hex(&magic_bytes),
    })?;
    let mut header = PycHeader {
        magic,
        magic_bytes,
        entry,
        flags: None,
        invalidation: Invalidation::Timestamp,
        source_mtime: None,
        source_size: None,
        source_hash: None,
        header_size: entry.layout.header_size(),
    };
    match entry.layout {
        Layout::Mtime => {
            header.source_mtime = Some(u32_at(data, 4, "the 4-byte source mtime")?);
        }
        Layout::MtimeSize => {
            header.source_mtime = Some(u32_at(data, 4, "the 4-byte source mtime")?);
            header.source_size = Some(u32_at(data, 8, "the 4-byte source size")?);
        }
        Layout::Pep552 => {
            let flags = u32_at(data, 4, "the 4-byte PEP 552 flags word")?;
            if flags & !(FLAG_HASH_BASED | FLAG_CHECK_SOURCE) != 0 {
                return Err(HeaderError::InvalidFlags { flags });
            }
            header.flags = Some(flags);
            if flags & FLAG_HASH_BASED != 0 {
                header.invalidation = if flags & FLAG_CHECK_SOURCE != 0 {
                    Invalidation::CheckedHash
                } else {
                    Invalidation::UncheckedHash
                };
                header.source_hash = Some(field::<8>(data, 8, "the 8-byte source hash")?);
            } else {
                header.source_mtime = Some(u32_at(data, 8, "the 4-byte source mtime")?);
                header.source_size = Some(u32_at(data, 12, "the 4-byte source size")?);
            }
        }
    }
    Ok(header)
}

/// `importlib.util.source_hash(source)` of CPython 3.11: SipHash-1-3 keyed
/// with k0 = `_RAW_MAGIC_NUMBER` (168627623), k1 = 0, as little-endian bytes.
pub fn source_hash(source: &[u8]) -> [u8; 8] {
    keyed_source_hash(
        u64::from(u32::from_le_bytes([0xa7, 0x0d, b'\r', b'\n'])),
        source,
    )
}

fn keyed_source_hash(key: u64, source: &[u8]) -> [u8; 8] {
    siphash13(key, 0, source).to_le_bytes()
}

/// `importlib.util.source_hash` of the interpreter that wrote a pyc with
/// this magic, keyed with its own `_RAW_MAGIC_NUMBER`: SipHash-1-3 from
/// CPython 3.11 on, SipHash-2-4 in 3.7–3.10. `None` for PyPy, whose choice
/// pycvm does not know.
pub fn source_hash_for(entry: &MagicEntry, source: &[u8]) -> Option<[u8; 8]> {
    if entry.implementation != Implementation::CPython || entry.layout != Layout::Pep552 {
        return None;
    }
    let key = u64::from(entry.raw_magic_number());
    if entry.magic >= MAGIC_311 {
        Some(keyed_source_hash(key, source))
    } else {
        Some(crate::pyhash::siphash24(key, 0, source).to_le_bytes())
    }
}

/// Lower-case hex of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Seconds since the Unix epoch as "YYYY-MM-DDTHH:MM:SSZ" (proleptic
/// Gregorian calendar, UTC).
pub fn format_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (H. Hinnant's algorithm), eras of 400 years.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

// ---------------------------------------------------------------------------
// Staleness: is the pyc up to date with its source?

/// What the check compares against: the source file's bytes and mtime.
#[derive(Debug, Clone, Copy)]
pub struct SourceInfo<'a> {
    pub bytes: &'a [u8],
    /// `int(os.stat(source).st_mtime)`: whole seconds, truncated toward zero.
    pub mtime: i64,
}

/// One field where the pyc and its source disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    Mtime { pyc: u32, source: u32 },
    Size { pyc: u32, source: u32 },
    Hash { pyc: [u8; 8], source: [u8; 8] },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Mtime { pyc, source } => write!(
                f,
                "source mtime {source} ({}) differs from the pyc's {pyc} ({})",
                format_utc(i64::from(*source)),
                format_utc(i64::from(*pyc))
            ),
            Mismatch::Size { pyc, source } => {
                write!(f, "source size {source} differs from the pyc's {pyc}")
            }
            Mismatch::Hash { pyc, source } => write!(
                f,
                "source hash {} differs from the pyc's {}",
                hex(source),
                hex(pyc)
            ),
        }
    }
}

/// Fresh, stale, or impossible to tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Freshness {
    Fresh,
    Stale,
    /// The pyc's source hash cannot be recomputed (a version whose hash
    /// function pycvm does not implement).
    Unknown,
}

impl Freshness {
    pub fn as_str(self) -> &'static str {
        match self {
            Freshness::Fresh => "fresh",
            Freshness::Stale => "stale",
            Freshness::Unknown => "unknown",
        }
    }
}

/// The result of comparing a pyc header with its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleCheck {
    pub freshness: Freshness,
    /// What differs (empty when fresh).
    pub mismatches: Vec<Mismatch>,
    /// What was compared ("mtime and size", "source hash", ...).
    pub compared: &'static str,
    /// Whether CPython's import would make this check. False for
    /// unchecked-hash pycs, which CPython imports without looking at the
    /// source (unless run with `--check-hash-based-pycs always`).
    pub cpython_checks: bool,
    /// The source hash pycvm computed, for hash-based pycs.
    pub computed_hash: Option<[u8; 8]>,
}

impl StaleCheck {
    /// One sentence for people: "fresh: mtime and size match", ...
    pub fn describe(&self) -> String {
        let mut s = match self.freshness {
            Freshness::Fresh => format!("fresh ({} match)", self.compared),
            Freshness::Stale => {
                let why: Vec<String> = self.mismatches.iter().map(|m| m.to_string()).collect();
                format!("stale ({})", why.join("; "))
            }
            Freshness::Unknown => format!("unknown ({})", self.compared),
        };
        if !self.cpython_checks {
            s.push_str(
                "; note: unchecked-hash pyc, CPython imports it without checking the source",
            );
        }
        s
    }
}

/// Compare a header with its source as importlib does: for timestamp pycs
/// the mtime truncated to u32 (`int(st_mtime) & 0xFFFFFFFF`) and, from 3.3
/// on, the size (`st_size & 0xFFFFFFFF`); for hash-based pycs the source
/// hash of the writing version's `importlib.util.source_hash`.
pub fn check_source(header: &PycHeader, source: SourceInfo<'_>) -> StaleCheck {
    match header.invalidation {
        Invalidation::Timestamp => check_stamp(header, source.bytes.len() as u64, source.mtime),
        Invalidation::CheckedHash | Invalidation::UncheckedHash => check_hash(header, source.bytes),
    }
}

fn check_stamp(header: &PycHeader, size: u64, mtime: i64) -> StaleCheck {
    let mut mismatches = Vec::new();
    // Two's-complement truncation, as `& 0xFFFFFFFF` on a Python int.
    let src_mtime = mtime as u32;
    let src_size = size as u32;
    if let Some(pyc) = header.source_mtime {
        if pyc != src_mtime {
            mismatches.push(Mismatch::Mtime {
                pyc,
                source: src_mtime,
            });
        }
    }
    if let Some(pyc) = header.source_size {
        if pyc != src_size {
            mismatches.push(Mismatch::Size {
                pyc,
                source: src_size,
            });
        }
    }
    let compared = if header.source_size.is_some() {
        "mtime and size"
    } else {
        "mtime"
    };
    StaleCheck {
        freshness: if mismatches.is_empty() {
            Freshness::Fresh
        } else {
            Freshness::Stale
        },
        mismatches,
        compared,
        cpython_checks: true,
        computed_hash: None,
    }
}

fn check_hash(header: &PycHeader, source: &[u8]) -> StaleCheck {
    let mut mismatches = Vec::new();
    let cpython_checks = header.invalidation == Invalidation::CheckedHash;
    let computed = source_hash_for(header.entry, source);
    let (freshness, compared) = match (computed, header.source_hash) {
        (Some(src), Some(pyc)) => {
            if src != pyc {
                mismatches.push(Mismatch::Hash { pyc, source: src });
            }
            let f = if src == pyc {
                Freshness::Fresh
            } else {
                Freshness::Stale
            };
            (f, "source hash")
        }
        _ => (
            Freshness::Unknown,
            "cannot recompute the source hash of this implementation",
        ),
    };
    StaleCheck {
        freshness,
        mismatches,
        compared,
        cpython_checks,
        computed_hash: computed,
    }
}

/// Why a source could not be checked.
#[derive(Debug, Error)]
pub enum SourceError {
    #[error("cannot tell the source file of {0}")]
    NoSourcePath(PathBuf),
    #[error("cannot read source {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The source file a pyc belongs to: for `dir/__pycache__/x.TAG.pyc` (or
/// `x.TAG.opt-N.pyc`) it is `dir/x.py`, as `importlib.util.source_from_cache`
/// computes; for a `x.pyc` anywhere else it is `x.py` beside it.
pub fn source_path_for(pyc: &Path) -> Option<PathBuf> {
    let name = pyc.file_name()?.to_str()?;
    let parent = pyc.parent().unwrap_or_else(|| Path::new(""));
    if parent.file_name().and_then(|n| n.to_str()) == Some("__pycache__") {
        let dots = name.matches('.').count();
        let base = name.split('.').next()?;
        let valid = match dots {
            2 => true,
            3 => name
                .rsplit('.')
                .nth(1)
                .is_some_and(|opt| opt.starts_with("opt-")),
            _ => false,
        };
        if !valid || base.is_empty() || !name.ends_with(".pyc") {
            return None;
        }
        let dir = parent.parent().unwrap_or_else(|| Path::new(""));
        Some(dir.join(format!("{base}.py")))
    } else {
        let stem = name.strip_suffix(".pyc")?;
        Some(parent.join(format!("{stem}.py")))
    }
}

/// `int(st_mtime)` of a file's modification time (truncated toward zero).
pub fn mtime_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// Read a source file and check the header against it.
pub fn check_source_file(header: &PycHeader, source: &Path) -> Result<StaleCheck, SourceError> {
    let io = |e| SourceError::Io {
        path: source.to_path_buf(),
        source: e,
    };
    let bytes = std::fs::read(source).map_err(io)?;
    let modified = std::fs::metadata(source)
        .and_then(|m| m.modified())
        .map_err(io)?;
    Ok(check_source(
        header,
        SourceInfo {
            bytes: &bytes,
            mtime: mtime_seconds(modified),
        },
    ))
}
