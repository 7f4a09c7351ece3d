#!/usr/bin/env python3.11
"""Generate src/modules/unicodedata/ucd.bin: the tables of the `unicodedata`
module, asked of CPython 3.11's own unicodedata (Unicode 14.0.0) for every
code point, zlib-compressed.

Layout (little-endian) of the decompressed blob; every string is a u8
length plus ASCII bytes, every list starts with a u32 count:
  b"UCD1"
  categories, bidi classes, east-asian widths: lists of strings
  records: list of (category u8, bidi u8, combining u8, eaw u8, mirrored u8)
  runs: list of (first code point u32, record u16), sorted; a run lasts
        until the next one starts
  decompositions: list of (code point u32, string)   (unicodedata.decomposition)
  names: list of (code point delta u32, string)      (deltas from the previous)
  name ranges: list of (first u32, last u32, prefix string): the names that
        are prefix + the code point in hex (CJK UNIFIED IDEOGRAPH-4E00 ...);
        Hangul syllables are computed
  composites: list of code points u32 whose canonical two-character
        decomposition NFC recomposes (primary composites)
  aliases: list of (code point u32, string)      (unicodedata.lookup only)
  named sequences: list of (string, list of u32)  (unicodedata.lookup only)

CPython has no API listing aliases and named sequences; the candidates come
from perl's copy of the UCD (Name.pl, Unicode 14.0.0) and each one is kept
only if CPython's unicodedata.lookup agrees.

Run: python3.11 scripts/gen_unicode_data.py
"""
import os
import re
import struct
import sys
import unicodedata as u
import zlib

assert u.unidata_version == "14.0.0", u.unidata_version
OUT = os.path.join(os.path.dirname(__file__), "..", "src", "modules", "unicodedata", "ucd.bin")

out = bytearray(b"UCD1")


def u32(n):
    out.extend(struct.pack("<I", n))


def string(s):
    b = s.encode("ascii")
    assert len(b) < 256, s
    out.append(len(b))
    out.extend(b)


def strlist(items):
    u32(len(items))
    for s in items:
        string(s)


cats, bidis, eaws = [], [], []
records, record_ids = [], {}


def index(lst, v):
    if v not in lst:
        lst.append(v)
    return lst.index(v)


runs = []
prev = None
for cp in range(0x110000):
    c = chr(cp)
    rec = (
        index(cats, u.category(c)),
        index(bidis, u.bidirectional(c)),
        u.combining(c),
        index(eaws, u.east_asian_width(c)),
        u.mirrored(c),
    )
    rid = record_ids.setdefault(rec, len(records))
    if rid == len(records):
        records.append(rec)
    if rid != prev:
        runs.append((cp, rid))
        prev = rid

strlist(cats)
strlist(bidis)
strlist(eaws)
u32(len(records))
for rec in records:
    out.extend(bytes(rec))
u32(len(runs))
for cp, rid in runs:
    out.extend(struct.pack("<IH", cp, rid))

decomps = [(cp, u.decomposition(chr(cp))) for cp in range(0x110000) if u.decomposition(chr(cp))]
u32(len(decomps))
for cp, d in decomps:
    u32(cp)
    string(d)

ALGO = re.compile(r"^(.*-)([0-9A-F]{4,6})$")
names, ranges = [], []
for cp in range(0x110000):
    if 0xAC00 <= cp <= 0xD7A3:
        continue
    n = u.name(chr(cp), None)
    if n is None:
        continue
    m = ALGO.match(n)
    if m and int(m.group(2), 16) == cp and m.group(1) in (
        "CJK UNIFIED IDEOGRAPH-",
        "CJK COMPATIBILITY IDEOGRAPH-",
        "TANGUT IDEOGRAPH-",
        "KHITAN SMALL SCRIPT CHARACTER-",
        "NUSHU CHARACTER-",
    ):
        if ranges and ranges[-1][1] == cp - 1 and ranges[-1][2] == m.group(1):
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp, m.group(1)])
        continue
    names.append((cp, n))
u32(len(names))
last = 0
for cp, n in names:
    u32(cp - last)
    last = cp
    string(n)
u32(len(ranges))
for a, b, p in ranges:
    u32(a)
    u32(b)
    string(p)

composites = []
for cp, d in decomps:
    if d.startswith("<"):
        continue
    parts = d.split()
    if len(parts) == 2 and u.normalize("NFC", "".join(chr(int(x, 16)) for x in parts)) == chr(cp):
        composites.append(cp)
u32(len(composites))
for cp in composites:
    u32(cp)

PERL_NAMES = "/usr/share/perl/5.36.0/unicore/Name.pl"
aliases, sequences = [], []
try:
    with open(PERL_NAMES) as f:
        body = f.read().split("<<'END';\n", 1)[1].split("\nEND\n")[0]
except OSError:
    print(f"warning: {PERL_NAMES} not found: no aliases or named sequences", file=sys.stderr)
    body = ""
for entry in body.strip().split("\n\n"):
    lines = entry.split("\n")
    if len(lines) != 2:
        continue
    cps = [int(x, 16) for x in lines[0].split()]
    name = lines[1]
    text = "".join(map(chr, cps))
    try:
        ok = u.lookup(name) == text
    except KeyError:
        ok = False
    if not ok:
        continue
    if len(cps) == 1 and u.name(text, None) != name:
        aliases.append((cps[0], name))
    elif len(cps) > 1:
        sequences.append((name, cps))
u32(len(aliases))
for cp, name in aliases:
    u32(cp)
    string(name)
u32(len(sequences))
for name, cps in sequences:
    string(name)
    u32(len(cps))
    for cp in cps:
        u32(cp)

data = zlib.compress(bytes(out), 9)
with open(OUT, "wb") as f:
    f.write(data)
print(f"{OUT}: {len(out)} bytes, {len(data)} compressed; {len(records)} records, "
      f"{len(runs)} runs, {len(names)} names, {len(ranges)} ranges, {len(composites)} composites, "
      f"{len(aliases)} aliases, {len(sequences)} named sequences",
      file=sys.stderr)
