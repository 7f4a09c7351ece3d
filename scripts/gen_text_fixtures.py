#!/usr/bin/env python3.11
"""Generate fixtures/text/*.json: str and bytes method results from CPython 3.11.

Each case is {"m": method, "r": receiver, "a": [args], "ok": result} or
{..., "err": "ExcType: message"}. Values are encoded so JSON carries them
exactly: a str is {"s": text} or, when it holds lone surrogates,
{"u": [code points]}; bytes are {"b": hex}; a tuple is {"t": [...]}; a
dict {"d": [[k, v], ...]}; ints, bools, None and lists are plain JSON.

Run with python3.11 (it re-runs itself under PYTHONHASHSEED=0 for the
hash cases):  python3.11 scripts/gen_text_fixtures.py
"""

import json
import os
import random
import sys

if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

assert sys.version_info[:2] == (3, 11), "run with python3.11"

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "fixtures", "text")


def has_surrogates(s):
    return any(0xD800 <= ord(c) <= 0xDFFF for c in s)


def enc(v):
    if isinstance(v, bool) or v is None or isinstance(v, int):
        return v
    if isinstance(v, str):
        return {"u": [ord(c) for c in v]} if has_surrogates(v) else {"s": v}
    if isinstance(v, (bytes, bytearray)):
        return {"b": bytes(v).hex()}
    if isinstance(v, list):
        return [enc(x) for x in v]
    if isinstance(v, tuple):
        return {"t": [enc(x) for x in v]}
    if isinstance(v, dict):
        return {"d": [[enc(k), enc(x)] for k, x in v.items()]}
    raise TypeError(type(v))


def case(m, recv, args, fn):
    c = {"m": m, "r": enc(recv), "a": [enc(a) for a in args]}
    try:
        c["ok"] = enc(fn())
    except Exception as e:  # noqa: BLE001 - the exception is the expected result
        c["err"] = f"{type(e).__name__}: {e}"
    return c


STRS = [
    "", "a", "abc", "aaa", "abcabcabc", "Hello World", "  spaced  out  ",
    "a,b,,c,", ",", "tab\tsep\tx\ty", "line1\nline2\r\nline3\rend\n",
    "\n\n", "MiXeD CaSe 123", "-42", "+7", "-", "ß", "ﬁre ǆUNGLA", "ΟΔΟΣ ΟΔΟΣ",
    "héllo wörld", "\u00a0nbsp\u2003em\u3000", "x\u2028y\x1cz\x85w\x0b\x0c",
    "日本語テキスト", "😀 smile 😀", "a😀b😀c😀", "\ud800", "a\udcffb",
    "\ud83d\ude00", "x\udc80\udc81y\udcff", "١٢٣", "²³½", "İstanbul",
    "they're bill's", "\x00\x7f\x80\xff", "abc\u0301de", "  \t", "Title Case Words",
    "éé éé", "ǅungla", "x" * 70 + "é" + "y" * 70, "a b\tc\nd\re\x1cf\x1dg",
    "\U0010ffff\U00010000", "_id1", "1id", "\t\ta\tbc\tdef\tg\n\th",
]
NEEDLES = ["", "a", "b", "ab", "abc", "c", " ", ",", "zz", "l", "😀", "\udcff", "é",
           "ΟΣ", "aa", "\n", "x", "日本"]
RANGES = [(None, None), (1, None), (None, -1), (-3, None), (2, 5), (5, 2),
          (100, None), (-100, 100), (0, 0)]


def gen_str():
    cases = []
    rnd = random.Random(1)
    for s in STRS:
        needles = NEEDLES + [s[1:3], s[-2:]]
        for sub in needles:
            for (a, b) in rnd.sample(RANGES, 3):
                for m in ["find", "rfind", "index", "rindex", "count", "startswith",
                          "endswith"]:
                    cases.append(case(m, s, [sub, a, b], lambda: getattr(s, m)(sub, a, b)))
            for n in [-1, 0, 1, 2]:
                for new in ["", "-", "XY", "é😀"]:
                    if rnd.random() < 0.25:
                        cases.append(case("replace", s, [sub, new, n],
                                          lambda: s.replace(sub, new, n)))
            for n in rnd.sample([-1, 0, 1, 2], 2):
                for m in ["split", "rsplit"]:
                    cases.append(case(m, s, [sub, n], lambda: getattr(s, m)(sub, n)))
            for m in ["partition", "rpartition", "removeprefix", "removesuffix"]:
                cases.append(case(m, s, [sub], lambda: getattr(s, m)(sub)))
            cases.append(case("contains", s, [sub], lambda: sub in s))
            cases.append(case("join", sub, [list(s[:5])], lambda: sub.join(list(s[:5]))))
        for n in [-1, 0, 1, 2, 3]:
            for m in ["split", "rsplit"]:
                cases.append(case(m, s, [None, n], lambda: getattr(s, m)(None, n)))
        for chars in [None, "", "a", " ", "ab", "\t ", "😀", "é", "\udcff", "xy"]:
            for m in ["strip", "lstrip", "rstrip"]:
                cases.append(case(m, s, [chars], lambda: getattr(s, m)(chars)))
        for keep in [False, True]:
            cases.append(case("splitlines", s, [keep], lambda: s.splitlines(keep)))
        for w in [-1, 3, 8, 11, 12]:
            for fill in rnd.sample([" ", "*", "é", "😀"], 2):
                for m in ["center", "ljust", "rjust"]:
                    cases.append(case(m, s, [w, fill], lambda: getattr(s, m)(w, fill)))
            cases.append(case("zfill", s, [w], lambda: s.zfill(w)))
        for t in [-1, 0, 1, 4, 8]:
            cases.append(case("expandtabs", s, [t], lambda: s.expandtabs(t)))
        for m in ["lower", "upper", "capitalize", "title", "swapcase", "casefold",
                  "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier",
                  "islower", "isnumeric", "isprintable", "isspace", "istitle", "isupper",
                  "__repr__", "ascii", "len"]:
            fn = {"ascii": lambda: ascii(s), "len": lambda: len(s)}.get(
                m, lambda: getattr(s, m)())
            cases.append(case(m, s, [], fn))
        for n in [-1, 0, 1, 3]:
            cases.append(case("mul", s, [n], lambda: s * n))
        for t in STRS[::5]:
            cases.append(case("cmp", s, [t], lambda: (s > t) - (s < t)))
            cases.append(case("concat", s, [t], lambda: s + t))
    # translate with a dict table and maketrans
    tables = [
        {ord("a"): "A", ord("b"): None, ord(" "): ord("_")},
        {ord("é"): "e", 0x1F600: ":)", ord("l"): 0x1F600},
        {ord("x"): 0x110000},
        {0xDCFF: "?", ord("c"): "cc"},
    ]
    for s in STRS:
        for t in tables:
            cases.append(case("translate", s, [t], lambda: s.translate(t)))
    for x, y, z in [("abc", "xyz", None), ("ab", "x", None), ("aab", "xyz", "bq"),
                    ("", "", "abc"), ("é😀", "\udcffa", None)]:
        args = (x, y) if z is None else (x, y, z)
        cases.append(case("maketrans", x, [y, z], lambda: str.maketrans(*args)))
    return cases


def gen_codecs():
    cases = []
    encodings = ["utf-8", "ascii", "latin-1", "UTF8", "Latin1", "us-ascii", "bogus"]
    errors = ["strict", "ignore", "replace", "surrogateescape", "surrogatepass",
              "backslashreplace", "xmlcharrefreplace", "bogus"]
    for s in STRS + ["\udc80\udcff", "a\udc7fb", "\udcff\ud800x", "é\udcffé"]:
        for e in encodings:
            for h in errors:
                cases.append(case("encode", s, [e, h], lambda: s.encode(e, h)))
    blobs = [b"", b"abc", b"\xff", b"a\xffb", b"\xe2\x28\xa1", b"\xe2\x82", b"\xe2\x82\x28",
             b"\xf0\x9f\x98", b"\xf0\x9f\x98\x80", b"\xed\xa0\x80", b"\xed\xb2\x80x",
             b"\xc0\x80", b"\xe0\x80\x80", b"\xf4\x90\x80\x80", b"\xf5", b"\x80\x80",
             b"caf\xc3\xa9", b"\xc3", b"\xed\xa0", b"\xf0\x90", b"\xf0\x90\x80",
             b"\xe0\xa0", b"\xf4\x8f\xbf\xbf", b"\xed\xa0\x80\xed\xb0\x80", b"a\x80\x80\x80b",
             b"\xf0\x80\x80\x80", b"\xc2", b"\xc2a", b"\xe1\x80a", b"\xef\xbf\xbd"]
    rnd = random.Random(2)
    for _ in range(60):
        blobs.append(bytes(rnd.choice([0x41, 0x80, 0xbf, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0xff,
                                       0x9f, 0xa0]) for _ in range(rnd.randint(1, 6))))
    for b in blobs:
        for e in encodings:
            for h in errors:
                cases.append(case("decode", b, [e, h], lambda: b.decode(e, h)))
    return cases


BYTES = [b"", b"a", b"abc", b"aaa", b"abcabc", b"Hello World", b"  a b  ", b"a,b,,c,",
         b"\x00\xff\x80", b"tab\tx\n\ry\r\n", b"-12", b"+", b"mIxEd 9 cAsE", b"\x0b\x0c\x1c x",
         b"Title Case", b"they're", b"\t\ta\tbc\tdef\n\tg"]
BNEEDLES = [b"", b"a", b"b", b"ab", b"c", b" ", b",", b"zz", b"\xff", b"\n"]


def gen_bytes():
    cases = []
    for s in BYTES:
        for sub in BNEEDLES + [s[1:3]]:
            for (a, b) in RANGES:
                for m in ["find", "rfind", "index", "rindex", "count", "startswith",
                          "endswith"]:
                    cases.append(case(m, s, [sub, a, b], lambda: getattr(s, m)(sub, a, b)))
            for n in [-1, 0, 1, 2]:
                for new in [b"", b"-", b"XY"]:
                    cases.append(case("replace", s, [sub, new, n],
                                      lambda: s.replace(sub, new, n)))
                for m in ["split", "rsplit"]:
                    cases.append(case(m, s, [sub, n], lambda: getattr(s, m)(sub, n)))
            for m in ["partition", "rpartition", "removeprefix", "removesuffix"]:
                cases.append(case(m, s, [sub], lambda: getattr(s, m)(sub)))
            cases.append(case("join", sub, [[s[:2], s[2:3], s]], lambda: sub.join([s[:2], s[2:3], s])))
        for n in [-1, 0, 1, 2]:
            for m in ["split", "rsplit"]:
                cases.append(case(m, s, [None, n], lambda: getattr(s, m)(None, n)))
        for chars in [None, b"", b"a", b" ", b"ab", b"\t "]:
            for m in ["strip", "lstrip", "rstrip"]:
                cases.append(case(m, s, [chars], lambda: getattr(s, m)(chars)))
        for keep in [False, True]:
            cases.append(case("splitlines", s, [keep], lambda: s.splitlines(keep)))
        for w in [-1, 0, 3, 8, 11, 12]:
            for fill in [b" ", b"*"]:
                for m in ["center", "ljust", "rjust"]:
                    cases.append(case(m, s, [w, fill], lambda: getattr(s, m)(w, fill)))
            cases.append(case("zfill", s, [w], lambda: s.zfill(w)))
        for t in [-1, 0, 1, 4, 8]:
            cases.append(case("expandtabs", s, [t], lambda: s.expandtabs(t)))
        for m in ["lower", "upper", "capitalize", "title", "swapcase", "isalnum", "isalpha",
                  "isascii", "isdigit", "islower", "isspace", "istitle", "isupper", "hex"]:
            cases.append(case(m, s, [], lambda: getattr(s, m)()))
        for sep in [":", b"-", "é", "ab", b"\xff", ""]:
            for n in [1, 2, 3, -1, -2, 0, 100]:
                cases.append(case("hex", s, [sep, n], lambda: s.hex(sep, n)))
        tables = [None, bytes(range(255, -1, -1)), b"short"]
        for t in tables:
            for d in [b"", b"a ", b"\xff"]:
                cases.append(case("translate", s, [t, d], lambda: s.translate(t, d)))
    for h in ["", "00", "deadBEEF", " 01 02 ", "0 1", "1", "zz", "12 3", "ab\tcd\n",
              "é12", "12é", "\x1c00", "0g", "  ", "a b"]:
        cases.append(case("fromhex", h, [], lambda: bytes.fromhex(h)))
    for f, t in [(b"abc", b"xyz"), (b"a", b"xy"), (b"", b"")]:
        cases.append(case("maketrans", f, [t], lambda: bytes.maketrans(f, t)))
    return cases


def rand_str(rnd):
    pools = [
        lambda: chr(rnd.randint(0x20, 0x7e)),
        lambda: chr(rnd.randint(0x80, 0xff)),
        lambda: chr(rnd.randint(0x100, 0xd7ff)),
        lambda: chr(rnd.randint(0xd800, 0xdfff)),
        lambda: chr(rnd.randint(0xe000, 0xffff)),
        lambda: chr(rnd.randint(0x10000, 0x10ffff)),
    ]
    kinds = rnd.sample(range(len(pools)), rnd.randint(1, 3))
    n = rnd.randint(0, 40) if rnd.random() < 0.93 else rnd.randint(60, 300)
    return "".join(pools[rnd.choice(kinds)]() for _ in range(n))


def gen_hash_slice():
    rnd = random.Random(3)
    cases = []
    for _ in range(3000):
        s = rand_str(rnd)
        cases.append(case("hash", s, [], lambda: hash(s)))
    for s in ["", "a", "abc", "\x80", "é" * 9]:
        cases.append(case("hash", s, [], lambda: hash(s)))
    vals = [None, 0, 1, 2, -1, -2, 5, -7, 100, -100]
    for _ in range(2500):
        s = rand_str(rnd)
        a, b = rnd.choice(vals), rnd.choice(vals)
        st = rnd.choice([None, 1, 2, 3, -1, -2, -3, 7])
        cases.append(case("slice", s, [a, b, st], lambda: s[a:b:st]))
        if s:
            i = rnd.randrange(len(s))
            cases.append(case("char_at", s, [i], lambda: ord(s[i])))
        for i in [-len(s) - 1, -len(s), -1, 0, len(s) - 1, len(s)] if len(s) < 12 else []:
            cases.append(case("getitem", s, [i], lambda: s[i]))
    return cases


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, gen in [("str_methods", gen_str), ("codecs", gen_codecs),
                      ("bytes_methods", gen_bytes), ("hash_slice", gen_hash_slice)]:
        cases = gen()
        path = os.path.join(OUT, name + ".json")
        with open(path, "w") as f:
            f.write('{"generator": "scripts/gen_text_fixtures.py (do not edit)", "cases": [\n')
            f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
            f.write("\n]}\n")
        print(f"{os.path.relpath(path, ROOT)}: {len(cases)} cases")


if __name__ == "__main__":
    main()
