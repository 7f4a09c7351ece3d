//! CPython 3.11 code objects: the fields marshal carries, and the views
//! derived from them (line and position tables, the exception table, the
//! split of `co_localsplusnames` into varnames, cellvars and freevars).

use super::object::{Obj, Object, PyStr};

/// `co_localspluskinds` bits (Include/internal/pycore_code.h).
pub const CO_FAST_LOCAL: u8 = 0x20;
pub const CO_FAST_CELL: u8 = 0x40;
pub const CO_FAST_FREE: u8 = 0x80;

/// `co_flags` bits.
pub const CO_OPTIMIZED: u32 = 0x0001;
pub const CO_NEWLOCALS: u32 = 0x0002;
pub const CO_VARARGS: u32 = 0x0004;
pub const CO_VARKEYWORDS: u32 = 0x0008;
pub const CO_NESTED: u32 = 0x0010;
pub const CO_GENERATOR: u32 = 0x0020;
pub const CO_NOFREE: u32 = 0x0040;
pub const CO_COROUTINE: u32 = 0x0080;
pub const CO_ITERABLE_COROUTINE: u32 = 0x0100;
pub const CO_ASYNC_GENERATOR: u32 = 0x0200;

/// A 3.11 code object, field for field as `marshal` stores it. The
/// object-valued fields keep their [`Obj`] handles so the marshal writer
/// reproduces flags and back-references exactly; the accessors below give
/// typed views (the reader has checked the types, like `_PyCode_Validate`).
#[derive(Debug, Clone)]
pub struct CodeObject {
    pub argcount: i32,
    pub posonlyargcount: i32,
    pub kwonlyargcount: i32,
    pub stacksize: i32,
    pub flags: i32,
    pub code: Obj,
    pub consts: Obj,
    pub names: Obj,
    pub localsplusnames: Obj,
    pub localspluskinds: Obj,
    pub filename: Obj,
    pub name: Obj,
    pub qualname: Obj,
    pub firstlineno: i32,
    pub linetable: Obj,
    pub exceptiontable: Obj,
}

fn bytes_of(o: &Obj) -> &[u8] {
    o.as_bytes().unwrap_or(&[])
}

fn tuple_of(o: &Obj) -> &[Obj] {
    o.as_tuple().unwrap_or(&[])
}

fn str_of(o: &Obj) -> &PyStr {
    static EMPTY: std::sync::OnceLock<PyStr> = std::sync::OnceLock::new();
    match o.value() {
        Object::Str(s) => s,
        _ => EMPTY.get_or_init(|| PyStr::new("", false)),
    }
}

impl CodeObject {
    /// `co_code`: the instruction bytes (two per code unit).
    pub fn code(&self) -> &[u8] {
        bytes_of(&self.code)
    }
    pub fn consts(&self) -> &[Obj] {
        tuple_of(&self.consts)
    }
    pub fn names(&self) -> &[Obj] {
        tuple_of(&self.names)
    }
    pub fn localsplusnames(&self) -> &[Obj] {
        tuple_of(&self.localsplusnames)
    }
    pub fn localspluskinds(&self) -> &[u8] {
        bytes_of(&self.localspluskinds)
    }
    pub fn filename(&self) -> &PyStr {
        str_of(&self.filename)
    }
    pub fn name(&self) -> &PyStr {
        str_of(&self.name)
    }
    pub fn qualname(&self) -> &PyStr {
        str_of(&self.qualname)
    }
    pub fn linetable(&self) -> &[u8] {
        bytes_of(&self.linetable)
    }
    pub fn exceptiontable(&self) -> &[u8] {
        bytes_of(&self.exceptiontable)
    }
    pub fn flags(&self) -> u32 {
        self.flags as u32
    }

    /// Names of the locals-plus slots whose kind has any bit of `mask`.
    fn names_of_kind(&self, mask: u8) -> Vec<&PyStr> {
        self.localsplusnames()
            .iter()
            .zip(self.localspluskinds())
            .filter(|(_, &k)| k & mask != 0)
            .map(|(n, _)| str_of(n))
            .collect()
    }

    /// `co_varnames`: slots of kind CO_FAST_LOCAL (arguments first).
    pub fn varnames(&self) -> Vec<&PyStr> {
        self.names_of_kind(CO_FAST_LOCAL)
    }

    /// `co_cellvars`: slots of kind CO_FAST_CELL.
    pub fn cellvars(&self) -> Vec<&PyStr> {
        self.names_of_kind(CO_FAST_CELL)
    }

    /// `co_freevars`: slots of kind CO_FAST_FREE.
    pub fn freevars(&self) -> Vec<&PyStr> {
        self.names_of_kind(CO_FAST_FREE)
    }

    /// `co_nlocals`.
    pub fn nlocals(&self) -> usize {
        self.varnames().len()
    }
}

/// One `co_lines()` entry: code offsets `start..end` (bytes) and the line,
/// `None` for instructions with no line (artificial code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineRange {
    pub start: u32,
    pub end: u32,
    pub line: Option<i32>,
}

/// One `co_positions()` entry (per code unit): start line, end line,
/// start column and end column (0-based, end exclusive), each possibly
/// unknown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    pub line: Option<i32>,
    pub end_line: Option<i32>,
    pub col: Option<i32>,
    pub end_col: Option<i32>,
}

/// One exception-table entry as `dis._parse_exception_table` gives it:
/// byte offsets, `end` exclusive (dis prints `start to end-2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExceptionTableEntry {
    pub start: u64,
    pub end: u64,
    pub target: u64,
    pub depth: u64,
    pub lasti: bool,
}

/// The most bytes [`CodeObject::lnotab`] returns (16 MiB).
pub const LNOTAB_MAX: i64 = 1 << 24;

/// One decoded location-table entry (Objects/locations.md), lines and
/// columns as codeobject.c keeps them, -1 for "unknown".
#[derive(Clone, Copy, Debug)]
struct LocEntry {
    start: u32,
    end: u32,
    /// The line as `co_lines` reports it (-1 for the "no location" form).
    line: i32,
    end_line: i32,
    col: i32,
    end_col: i32,
}

/// Location-table codes (Include/cpython/code.h `_PyCodeLocationInfoKind`).
const LOC_LONG: u8 = 14;
const LOC_NO_COLUMNS: u8 = 13;
const LOC_ONE_LINE0: u8 = 10;
const LOC_ONE_LINE2: u8 = 12;
const LOC_NONE: u8 = 15;

/// A cursor over the location table that never reads past its end.
struct LocReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl LocReader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.data.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    /// codeobject.c `scan_varint`: little-endian 6-bit groups, bit 6 = more.
    fn varint(&mut self) -> Option<u32> {
        let mut read = self.byte()? as u32;
        let mut val = read & 63;
        let mut shift = 0u32;
        while read & 64 != 0 {
            read = self.byte()? as u32;
            shift += 6;
            val |= (read & 63).checked_shl(shift).unwrap_or(0);
        }
        Some(val)
    }

    /// codeobject.c `scan_signed_varint`: the low bit is the sign.
    fn signed_varint(&mut self) -> Option<i32> {
        let u = self.varint()?;
        Some(if u & 1 != 0 {
            -((u >> 1) as i32)
        } else {
            (u >> 1) as i32
        })
    }
}

/// Decode a 3.11 location table as codeobject.c's `advance` and
/// `advance_with_locations` do. Stops at the first entry that is cut short.
fn decode_locations(table: &[u8], firstlineno: i32) -> Vec<LocEntry> {
    locations(table, firstlineno).collect()
}

/// The location table's entries one by one (`PyCode_Addr2Line` walks them
/// only up to the offset it wants).
fn locations(table: &[u8], firstlineno: i32) -> LocIter<'_> {
    LocIter {
        r: LocReader {
            data: table,
            pos: 0,
        },
        computed_line: firstlineno,
        addr: 0,
    }
}

struct LocIter<'a> {
    r: LocReader<'a>,
    computed_line: i32,
    addr: u32,
}

impl Iterator for LocIter<'_> {
    type Item = LocEntry;

    fn next(&mut self) -> Option<LocEntry> {
        let first = self.r.byte()?;
        let code = (first >> 3) & 15;
        let start = self.addr;
        let end = start.saturating_add(((first & 7) as u32 + 1) * 2);
        let r = &mut self.r;
        let computed_line = &mut self.computed_line;
        let e = |line: i32, end_line: i32, col: i32, end_col: i32| LocEntry {
            start,
            end,
            line,
            end_line,
            col,
            end_col,
        };
        let entry = match code {
            LOC_NONE => e(-1, -1, -1, -1),
            LOC_LONG => {
                *computed_line = computed_line.wrapping_add(r.signed_varint()?);
                let end_line = computed_line.wrapping_add(r.varint()? as i32);
                let col = (r.varint()? as i32).wrapping_sub(1);
                let end_col = (r.varint()? as i32).wrapping_sub(1);
                e(*computed_line, end_line, col, end_col)
            }
            LOC_NO_COLUMNS => {
                *computed_line = computed_line.wrapping_add(r.signed_varint()?);
                e(*computed_line, *computed_line, -1, -1)
            }
            LOC_ONE_LINE0..=LOC_ONE_LINE2 => {
                *computed_line = computed_line.wrapping_add((code - LOC_ONE_LINE0) as i32);
                let col = r.byte()? as i32;
                let end_col = r.byte()? as i32;
                e(*computed_line, *computed_line, col, end_col)
            }
            _ => {
                let second = r.byte()? as i32;
                let col = ((code as i32) << 3) | ((second >> 4) & 7);
                e(*computed_line, *computed_line, col, col + (second & 15))
            }
        };
        self.addr = end;
        // Like `advance`, skip to the next byte with the entry bit set.
        let data = self.r.data;
        while self.r.pos < data.len() && data.get(self.r.pos).is_some_and(|b| b & 0x80 == 0) {
            self.r.pos += 1;
        }
        Some(entry)
    }
}

/// The line of the entry covering byte `offset`: the walk of `LocIter`
/// (the same entries, the same stop at one cut short) without making
/// each entry's columns. `f_lineno` and tracebacks ask for lines of long
/// functions (pyperformance's logging: a frame's line per record).
fn line_at(table: &[u8], firstlineno: i32, offset: u32) -> Option<i32> {
    let mut r = LocReader {
        data: table,
        pos: 0,
    };
    let mut line = firstlineno;
    let mut addr = 0u32;
    while addr <= offset {
        let first = r.byte()?;
        let code = (first >> 3) & 15;
        let end = addr.saturating_add(((first & 7) as u32 + 1) * 2);
        let this = match code {
            LOC_NONE => -1,
            LOC_LONG => {
                line = line.wrapping_add(r.signed_varint()?);
                r.varint()?;
                r.varint()?;
                r.varint()?;
                line
            }
            LOC_NO_COLUMNS => {
                line = line.wrapping_add(r.signed_varint()?);
                line
            }
            LOC_ONE_LINE0..=LOC_ONE_LINE2 => {
                line = line.wrapping_add((code - LOC_ONE_LINE0) as i32);
                r.byte()?;
                r.byte()?;
                line
            }
            _ => {
                r.byte()?;
                line
            }
        };
        if offset < end {
            return opt(this);
        }
        addr = end;
        // As `LocIter`: on to the next byte with the entry bit set.
        while r.data.get(r.pos).is_some_and(|b| b & 0x80 == 0) {
            r.pos += 1;
        }
    }
    None
}

fn opt(v: i32) -> Option<i32> {
    (v != -1).then_some(v)
}

/// dis's `_parse_varint`: big-endian 6-bit groups, bit 6 = more (bit 7,
/// the entry-start marker, is ignored).
fn exc_varint(it: &mut std::slice::Iter<'_, u8>) -> Option<u64> {
    let mut b = *it.next()?;
    let mut val = (b & 63) as u64;
    while b & 64 != 0 {
        val = val.checked_mul(64)?;
        b = *it.next()?;
        val |= (b & 63) as u64;
    }
    Some(val)
}

/// Parse a 3.11 exception table like `dis._parse_exception_table`: entries
/// up to the first incomplete one (or one whose numbers overflow 64 bits).
pub fn parse_exception_table(table: &[u8]) -> Vec<ExceptionTableEntry> {
    let mut it = table.iter();
    let mut out = Vec::new();
    let mut next = || -> Option<ExceptionTableEntry> {
        let start = exc_varint(&mut it)?.checked_mul(2)?;
        let length = exc_varint(&mut it)?.checked_mul(2)?;
        let end = start.checked_add(length)?;
        let target = exc_varint(&mut it)?.checked_mul(2)?;
        let dl = exc_varint(&mut it)?;
        Some(ExceptionTableEntry {
            start,
            end,
            target,
            depth: dl >> 1,
            lasti: dl & 1 != 0,
        })
    };
    while let Some(e) = next() {
        out.push(e);
    }
    out
}

/// The byte tables of a code object that its line, position and
/// exception-table views read: `co_code`, `co_linetable`,
/// `co_exceptiontable` and `co_firstlineno`. A marshal [`CodeObject`]
/// gives it ([`CodeObject::tables`]), and so does a prepared VM code
/// object, which keeps only these bytes (in one block) of its marshal
/// form.
#[derive(Clone, Copy)]
pub struct Tables<'a> {
    pub code: &'a [u8],
    pub linetable: &'a [u8],
    pub exceptiontable: &'a [u8],
    pub firstlineno: i32,
}

impl CodeObject {
    /// The tables the line, position and exception views read.
    pub fn tables(&self) -> Tables<'_> {
        Tables {
            code: self.code(),
            linetable: self.linetable(),
            exceptiontable: self.exceptiontable(),
            firstlineno: self.firstlineno,
        }
    }

    /// See [`Tables::co_code`].
    pub fn co_code(&self) -> Vec<u8> {
        self.tables().co_code()
    }

    /// See [`Tables::lines`].
    pub fn lines(&self) -> Vec<LineRange> {
        self.tables().lines()
    }

    /// See [`Tables::lnotab`].
    pub fn lnotab(&self) -> Vec<u8> {
        self.tables().lnotab()
    }

    /// See [`Tables::positions`].
    pub fn positions(&self) -> Vec<Position> {
        self.tables().positions()
    }

    /// See [`Tables::addr2line`].
    pub fn addr2line(&self, offset: u32) -> Option<i32> {
        self.tables().addr2line(offset)
    }

    /// See [`Tables::addr2location`].
    pub fn addr2location(&self, offset: u32) -> Position {
        self.tables().addr2location(offset)
    }

    /// See [`Tables::exception_table`].
    pub fn exception_table(&self) -> Vec<ExceptionTableEntry> {
        self.tables().exception_table()
    }

    /// The name of locals-plus slot `i` (`co._varname_from_oparg`), for
    /// LOAD_FAST, LOAD_DEREF and friends.
    pub fn localsplus_name(&self, i: usize) -> Option<&PyStr> {
        self.localsplusnames().get(i).and_then(|o| o.as_str())
    }
}

impl Tables<'_> {
    /// `co_code` as CPython 3.11 returns it: quickened opcodes mapped back
    /// to their base instruction and inline caches zeroed.
    pub fn co_code(&self) -> Vec<u8> {
        super::opcode::deopt_code(self.code)
    }

    /// `co_lines()`: one range per location-table entry, as 3.11 reports
    /// them (consecutive ranges with the same line are not merged).
    pub fn lines(&self) -> Vec<LineRange> {
        decode_locations(self.linetable, self.firstlineno)
            .into_iter()
            .map(|e| LineRange {
                start: e.start,
                end: e.end,
                line: opt(e.line),
            })
            .collect()
    }

    /// `co_lnotab` (codeobject.c `decode_linetable`): (byte delta, line
    /// delta) pairs, emitted where the computed line changes; "no location"
    /// entries keep the line before them.
    /// Deltas are computed in 64 bits (a damaged table's lines can be
    /// 2**32 apart), and the output stops at [`LNOTAB_MAX`] bytes (at
    /// 127 lines per pair, such tables would otherwise need gigabytes).
    pub fn lnotab(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut emit = |b: i64, l: i64| {
            out.push(b as u8);
            out.push(l as i8 as u8);
        };
        let mut line = self.firstlineno;
        let mut computed = self.firstlineno;
        let mut code_offset = 0i64;
        let mut budget = LNOTAB_MAX / 2;
        for e in decode_locations(self.linetable, self.firstlineno) {
            if e.line != -1 {
                computed = e.line;
            }
            if computed == line {
                continue;
            }
            let start = i64::from(e.start);
            let (mut bdelta, mut ldelta) =
                (start - code_offset, i64::from(computed) - i64::from(line));
            let pairs = bdelta / 255 + ldelta.abs() / 127 + 1;
            if pairs > budget {
                break;
            }
            budget -= pairs;
            while bdelta > 255 {
                emit(255, 0);
                bdelta -= 255;
            }
            while ldelta > 127 {
                emit(bdelta, 127);
                bdelta = 0;
                ldelta -= 127;
            }
            while ldelta < -128 {
                emit(bdelta, -128);
                bdelta = 0;
                ldelta += 128;
            }
            emit(bdelta, ldelta);
            code_offset = start;
            line = computed;
        }
        out
    }

    /// `co_positions()`: one entry per code unit the location table covers.
    pub fn positions(&self) -> Vec<Position> {
        let mut out = Vec::new();
        for e in decode_locations(self.linetable, self.firstlineno) {
            let p = Position {
                line: opt(e.line),
                end_line: opt(e.end_line),
                col: opt(e.col),
                end_col: opt(e.end_col),
            };
            for _ in (e.start..e.end).step_by(2) {
                out.push(p);
            }
        }
        out
    }

    /// `PyCode_Addr2Line`: the line of the instruction at byte `offset`
    /// (`None` when it has none or the offset is past the table).
    pub fn addr2line(&self, offset: u32) -> Option<i32> {
        line_at(self.linetable, self.firstlineno, offset)
    }

    /// `PyCode_Addr2Location`: the full position of the instruction at byte
    /// `offset`.
    pub fn addr2location(&self, offset: u32) -> Position {
        locations(self.linetable, self.firstlineno)
            .take_while(|e| e.start <= offset)
            .find(|e| e.start <= offset && offset < e.end)
            .map(|e| Position {
                line: opt(e.line),
                end_line: opt(e.end_line),
                col: opt(e.col),
                end_col: opt(e.end_col),
            })
            .unwrap_or_default()
    }

    /// The exception table as `dis._parse_exception_table` reads it.
    pub fn exception_table(&self) -> Vec<ExceptionTableEntry> {
        parse_exception_table(self.exceptiontable)
    }
}
