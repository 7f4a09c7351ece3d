#!/usr/bin/env python3.11
"""Generate the fixtures for pycvm's regular-expression engine (src/sre/).

Run with CPython 3.11 from the repository root:

    python3.11 scripts/gen_sre_fixtures.py

It writes
  fixtures/sre/constants.json   _sre/_constants facts (MAGIC, MAXREPEAT, opcode numbering)
  fixtures/sre/cases.json       patterns compiled by re._compiler, subjects, and what
                                match/search/fullmatch/finditer return in CPython 3.11
  fixtures/sre/validate.json    code lists (valid and damaged) and whether _sre.compile
                                accepts them
"""

import json
import os
import random
import subprocess
import sys
import unicodedata

import _sre
from re import _compiler, _constants, _parser

assert sys.version_info[:2] == (3, 11), "run with python3.11"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "fixtures", "sre")

# ---------------------------------------------------------------------------
# constants


def constants():
    return {
        "MAGIC": _constants.MAGIC,
        "MAXREPEAT": int(_constants.MAXREPEAT),
        "MAXGROUPS": int(_constants.MAXGROUPS),
        "CODESIZE": _sre.CODESIZE,
        "OPCODES": [op.name for op in _constants.OPCODES],
        "ATCODES": [c.name for c in _constants.ATCODES],
        "CHCODES": [c.name for c in _constants.CHCODES],
        "FLAGS": {
            name: getattr(_constants, name)
            for name in dir(_constants)
            if name.startswith("SRE_FLAG_") or name.startswith("SRE_INFO_")
        },
    }


# ---------------------------------------------------------------------------
# patterns x subjects

I = _constants.SRE_FLAG_IGNORECASE
M = _constants.SRE_FLAG_MULTILINE
S = _constants.SRE_FLAG_DOTALL
A = _constants.SRE_FLAG_ASCII
L = _constants.SRE_FLAG_LOCALE
X = _constants.SRE_FLAG_VERBOSE

WORDS = ["", "a", "abc", "xabcx", "abab", "hello world", "AbC", "a\nb\nc", "123 45"]

# (pattern, flags, extra subjects)
STR_CASES = [
    # literals and prefixes (INFO prefix / literal fast paths)
    ("a", 0, []), ("abc", 0, ["ababc", "abcabc", "aabcc"]), ("abcab", 0, ["abcabcab", "ababcab"]),
    ("aab", 0, ["aaab", "aaaab"]), ("ab+c", 0, ["abbbc", "ac", "xabcabbc"]),
    ("x*", 0, ["xxaxx", "axa"]), ("", 0, []), ("a|b", 0, []), ("ab|cd|ef", 0, ["xxefcdab"]),
    ("(a)b(c)", 0, []), ("\u00e9t\u00e9", 0, ["\u00e9t\u00e9!", "ete"]),
    ("\U0001f600+", 0, ["x\U0001f600\U0001f600y"]),
    # any / dotall
    (".", 0, ["\n", "x"]), (".", S, ["\n"]), (".+", 0, ["ab\ncd"]), (".+", S, ["ab\ncd"]),
    ("a.c", 0, ["abc", "a\nc", "axxc"]), (".*?x", 0, ["abxcx"]), (".*x", S, ["ab\nxcx"]),
    # classes, ranges, negation, categories
    ("[abc]+", 0, ["xxcabz"]), ("[^abc]+", 0, ["abxyzc"]), ("[a-f0-3]+", 0, ["deadbeef0123456"]),
    ("[^a-f]", 0, ["abcg"]), ("[\\d]+", 0, ["x123\u0663\u0664y"]), ("\\d+", A, ["x123\u0663y"]),
    ("\\D+", 0, ["ab12"]), ("\\s+", 0, ["a \t\n\x0b\x0c\r\x1c\x1f\x85\xa0\u2028\u3000b"]),
    ("\\s+", A, ["a \t\n\x0b\x1c\x85b"]), ("\\S+", 0, ["  ab  "]), ("\\w+", 0, ["h\u00e9llo w\u00f6rld_1 \u0663\u00b2\u2167 \u0345"]),
    ("\\w+", A, ["h\u00e9llo"]), ("\\W+", 0, ["ab, cd!"]), ("[\\w-]+", 0, ["a-b_c d"]),
    ("[^\\W\\d]+", 0, ["ab12cd_"]), ("[\\s\\S]", 0, ["\n"]), ("[.]", 0, [".a"]),
    ("[a-z\u0100-\u017f]+", 0, ["hello\u0101\u017fX"]), ("[\u4e00-\u9fff]+", 0, ["ab\u4e2d\u6587cd"]),
    ("[^\u4e00-\u9fff]+", 0, ["ab\u4e2d\u6587cd"]), ("[\u0100\u0200\u0300\u0400\u1234\uabcd]+", 0, ["x\u0200\u1234\uabcdy"]),
    ("[\U00010000-\U0001ffff]+", 0, ["a\U0001f600\U00010001b"]), ("[a\U0001f600]+", 0, ["a\U0001f600b"]),
    ("[^a]", 0, ["a", "\U0001f600"]), ("[]a]+", 0, ["]a]b"]), ("[a^]+", 0, ["^a^b"]),
    ("[\\x00-\\x7f]+", 0, ["abc\x80\xff"]), ("[\\x80-\\uffff]+", 0, ["ab\x80\u4e00\uffff\U00010000"]),
    # anchors
    ("^a", 0, ["ba", "a\na"]), ("^a", M, ["ba\na"]), ("a$", 0, ["a\n", "a\na", "aa"]),
    ("a$", M, ["a\na\n", "ab\nab"]), ("\\Aa", M, ["a\na"]), ("a\\Z", M, ["a\na", "a\n"]),
    ("^$", M, ["\n\n", "a\n\nb"]), ("$", 0, ["ab\n", "ab"]), ("^", M, ["a\nb\n"]),
    ("\\bfoo\\b", 0, ["foo", "foobar", "a foo b", "_foo"]), ("\\Bo\\B", 0, ["foo boo o"]),
    ("\\b", 0, ["ab cd"]), ("\\B", 0, ["ab cd", ""]), ("\\b\\w+\\b", A, ["h\u00e9llo"]),
    ("\\b\u00e9", 0, ["a\u00e9 \u00e9"]), ("\\b\u00e9", A, ["a\u00e9 \u00e9"]),
    # repeats: greedy / lazy / possessive, counted
    ("a*", 0, ["baaa"]), ("a+", 0, ["baaab"]), ("a?", 0, ["ba"]), ("a*?", 0, ["aaa"]),
    ("a+?", 0, ["aaa"]), ("a??b", 0, ["ab", "b"]), ("a{2}", 0, ["aaaaa"]), ("a{2,3}", 0, ["aaaaaaa"]),
    ("a{2,}", 0, ["a aa aaaa"]), ("a{,2}", 0, ["aaa"]), ("a{2,3}?", 0, ["aaaa"]),
    ("(ab){2,3}", 0, ["abababab", "abab", "ab"]), ("(ab){2,3}?", 0, ["abababab"]),
    ("(a|b)*", 0, ["abba", "abcab"]), ("(a|b)*?c", 0, ["abbac"]), ("(a|bc)+d", 0, ["abcad", "abcbd"]),
    ("(?:a|b)*c", 0, ["ababc", "abab"]), ("(a*)*", 0, ["aaa", "b"]), ("(a*)+", 0, ["aaab"]),
    ("(a*|b)*", 0, ["aabb"]), ("(a?)*?b", 0, ["aab"]), ("(?:)*", 0, ["ab"]), ("(a|)+", 0, ["aa"]),
    ("(a+|b+)*c", 0, ["aabbac"]), ("((a)|b)*", 0, ["ab", "ba"]), ("(?:(a)|(b))*", 0, ["abab", "ba"]),
    ("(?:(a)|b)*", 0, ["ab", "ba", "aba"]), ("(a)|(b)", 0, ["b"]), ("(a)*b", 0, ["aab", "b"]),
    ("x(a|b){0,2}?y", 0, ["xaby", "xy"]), ("a*+", 0, ["aaab"]), ("a++b", 0, ["aaab", "aaa"]),
    ("a?+a", 0, ["a", "aa"]), ("a*+a", 0, ["aaa"]), ("(ab)*+", 0, ["ababa"]), ("(ab)++c", 0, ["ababc", "abab"]),
    ("(?:a|ab)*+c", 0, ["abc", "aac"]), ("(a|ab)?+b", 0, ["ab", "abb"]), ("a{2,3}+", 0, ["aaaa"]),
    ("(a{2})*+", 0, ["aaaaa"]), ("(?:x|y){1,2}+z", 0, ["xyz", "xyxz"]), ("[ab]*+b", 0, ["aab"]),
    ("a{3}b{0}", 0, ["aaab"]), ("(a)(?:b\\1)*", 0, ["ababac"]), ("a*b*c*", 0, ["xaabbcc"]),
    ("(?:a{1,2}){2}", 0, ["aaaa", "aaa", "aa"]), ("(?:ab|a)(?:bc|c)", 0, ["abc"]),
    ("[a-c]{2,}?d", 0, ["abcabd"]), (".{3}", 0, ["ab\ncdef"]), ("(?:.)*?$", 0, ["abc"]),
    ("\\d{1,3}(?:,\\d{3})*", 0, ["1,234,567 and 12,34"]), ("(x+x+)+y", 0, ["xxxxxxxxxxxxxxxxy", "xxxxxxxxxxxxx"]),
    ("(a|aa)+$", 0, ["aaaaaaaaaaaaaaab", "aaaaaaaa"]), ("(?:a+)+b", 0, ["aaaaaaaaaaaaaaac"]),
    ("(\\w+\\s?)*$", 0, ["ab cd ef gh"]),
    # groups, named groups, backreferences, conditionals
    ("(?P<first>\\w+) (?P<last>\\w+)", 0, ["John Smith x"]), ("(a)(b)?(c)", 0, ["ac", "abc"]),
    ("(a(b(c)))", 0, ["abc"]), ("((a)|(b))+", 0, ["abab"]), ("(\\w)\\1", 0, ["abccd", "aa"]),
    ("(?P<q>['\"]).*?(?P=q)", 0, ["say 'hi' \"x'y\""]), ("(a)|\\1b", 0, ["b", "ab"]),
    ("(a)?\\1", 0, ["aa", "b", ""]), ("(a*)b\\1", 0, ["aabaa", "aaba", "b"]), ("(\\w+)\\s+\\1", 0, ["the the end", "a b"]),
    ("(a)(?(1)b|c)", 0, ["ab", "ac"]), ("(a)?(?(1)b|c)", 0, ["ab", "c", "b"]), ("(a)?x(?(1)y)", 0, ["axy", "x", "ax"]),
    ("(?P<n><)?\\w+(?(n)>)", 0, ["<abc>", "abc", "<abc"]), ("(?:(a)|b)(?(1)c|d)", 0, ["ac", "bd", "ad"]),
    ("(a)|b(?(1)c)", 0, ["b"]),
    # lookaround
    ("a(?=b)", 0, ["ab", "ac"]), ("a(?!b)", 0, ["ab", "ac", "a"]), ("(?<=a)b", 0, ["ab", "cb"]),
    ("(?<!a)b", 0, ["ab", "cb", "b"]), ("(?<=ab)c", 0, ["abc", "xbc"]), ("(?<=(a))b", 0, ["ab"]),
    ("(?=(a+))a*b\\1", 0, ["baaabac"]), ("(?!(a)c)(a)b", 0, ["ab", "acab"]), ("\\w+(?=,)", 0, ["ab,cd,"]),
    ("(?<=\\$)\\d+", 0, ["$12 34 $5"]), ("^(?=.*\\d)(?=.*[a-z]).{4,}$", 0, ["ab1c", "abcd", "1234"]),
    ("(?<!^)x", M, ["x\nxx"]), ("(?=a)*", 0, ["a"]), ("(?!)", 0, ["a"]), ("(?<=a|b)c", 0, ["ac", "bc", "cc"]),
    ("x(?<=x)", 0, ["x"]), ("(?:(?=a)|b)+", 0, ["ab"]), ("(?<=\\b)\\w", 0, ["ab cd"]),
    # atomic groups
    ("(?>a+)b", 0, ["aaab"]), ("(?>a+)a", 0, ["aaa"]), ("(?>a|ab)c", 0, ["abc", "ac"]),
    ("(?>(a)|b)+", 0, ["abab"]), ("(?>x*)*y", 0, ["xxy"]), ("a(?>bc|b)c", 0, ["abcc", "abc"]),
    ("(?>(\\w+))\\s", 0, ["ab cd"]),
    # ignorecase (unicode, ascii, non-ascii specials)
    ("abc", I, ["ABC", "aBc", "xAbC"]), ("[a-z]+", I, ["HeLLo", "\u212a\u017f"]), ("k", I, ["K", "\u212a", "k"]),
    ("\u212a", I, ["k", "K"]), ("s", I, ["S", "\u017f"]), ("\u017f", I, ["s", "S"]), ("\u00df", I, ["\u1e9e", "SS", "\u00df"]),
    ("\u1e9e", I, ["\u00df"]), ("[\u00df]", I, ["\u1e9e"]), ("\u03c3", I, ["\u03a3", "\u03c2"]), ("[\u03c3]+", I, ["\u03a3\u03c2"]),
    ("\u0130", I, ["i", "I", "\u0130"]), ("i", I, ["\u0130", "\u0131", "I"]), ("[i]", I, ["\u0130", "\u0131"]),
    ("k", I | A, ["K", "\u212a"]), ("[k]", I | A, ["\u212a"]), ("[^k]", I, ["K", "\u212a", "x"]),
    ("[a-z]", I | A, ["\u212a", "Q"]), ("[\u00e0-\u00ff]+", I, ["\u00c0\u00c9\u00ff\u0178"]), ("(a)\\1", I, ["aA", "Aa"]),
    ("(\u00e9)\\1", I, ["\u00e9\u00c9"]), ("(\u017f)\\1", I, ["\u017fs", "\u017fS"]), ("(k)\\1", I | A, ["kK", "k\u212a"]),
    ("[^a-z]+", I, ["ABC123"]), ("\\w+", I, ["AbC"]), ("x[\u0400-\u04ff]+", I, ["x\u0410\u0430"]),
    ("[\u1f80-\u1f87]", I, ["\u1f88", "\u1f80"]), ("\u1fb3", I, ["\u1fbc", "\u1fb3"]), ("\u00b5", I, ["\u03bc", "\u039c"]),
    ("[\u03b8]", I, ["\u03d1", "\u03f4", "\u0398"]), ("ab|cd", I, ["CD", "Ab"]), ("a+?B", I, ["AAb"]),
    ("[^\u00df]", I, ["\u1e9e", "s"]), ("not", I, ["NoT"]), ("[\u0100-\u0110]", I, ["\u0101", "\u0111", "\u0110"]),
    ("\\bk", I, ["\u212a"]), ("[\U00010400-\U0001044f]+", I, ["\U00010400\U00010428"]),
    # verbose / misc flags
    (" a b # comment\n c", X, ["abc"]), ("(?i)a(?-i:b)c", 0, ["AbC", "ABC"]), ("(?s:.)(?m:^)", 0, ["\n", "\na"]),
    ("(?x) a | b ", 0, ["b"]), ("(?i:a)b", 0, ["Ab", "AB"]),
    # locale with str is rejected by re; locale is exercised with bytes below
    ("\\d\\w\\s", A, ["1a "]), ("\\d\\w\\s", A | I, ["1A "]),
    # empty-match iteration rules
    ("a*", 0, ["baac"]), ("\\b|a", 0, ["ab a"]), ("(?=a)|a", 0, ["aa"]), ("a|(?=b)", 0, ["ab"]),
    ("x*|y", 0, ["xyx"]), ("", 0, ["ab"]), ("$|a", 0, ["aa"]), ("a??", 0, ["aa"]),
]

BYTES_CASES = [
    (b"abc", 0, [b"xabc"]), (b"[a-z]+", 0, [b"Hello \xe9t\xe9"]), (b"\\w+", 0, [b"h\xe9llo w_1"]),
    (b"\\w+", L, [b"h\xe9llo w_1"]), (b"\\W", L, [b"a\xe9"]), (b"\\bx", L, [b"ax x"]), (b"\\Bx", L, [b"ax x"]),
    (b"\\d+\\s+", 0, [b"12 \x0b\x1c34"]), (b"abc", I, [b"ABC", b"aBc"]), (b"[a-z]+", I, [b"HeLLo\xc0\xe0"]),
    (b"\xe9", I, [b"\xc9", b"\xe9"]), (b"[\xe0-\xff]", I, [b"\xc0", b"\xe0"]), (b"(a)\\1", I, [b"aA"]),
    (b"abc", I | L, [b"ABC", b"aBc"]), (b"[a-z]+", I | L, [b"HeLLo\xc0\xe0"]), (b"\xe9", I | L, [b"\xc9", b"\xe9"]),
    (b"[^a]", I | L, [b"A", b"b"]), (b"a", I | L, [b"A"]), (b"[^a]", L, [b"a"]), (b"(a)\\1", I | L, [b"aA"]),
    (b"[\\w\\d]+", L | I, [b"aZ9_"]), (b".+", 0, [b"ab\ncd\xff"]), (b"\\xff+", 0, [b"a\xff\xffb"]),
    (b"^a$", M, [b"b\na\nc"]), (b"(?P<x>b)(?P=x)", 0, [b"abbc"]), (b"[^\\x00-\\x7f]+", 0, [b"ab\x80\xfecd"]),
    (b"a|(?<=b)c", 0, [b"bcac"]), (b"(?>a+)b", 0, [b"aab"]), (b"a++b", 0, [b"aab"]),
    (b"[^a]+", I, [b"AbBa"]), (b"\\B.", 0, [b"ab cd"]), (b"\\D+", 0, [b"ab12"]), (b"\\S+", 0, [b"a b"]),
    (b"\\W+", 0, [b"a, b"]), (b"[\\D]+", 0, [b"ab12"]), (b"[^\\S]+", 0, [b"a \t b"]),
]

# Hand-made code that re's parser never emits (CATEGORY_LINEBREAK has no syntax) but
# _sre.compile accepts: a set of one category, repeated: [IN skip CATEGORY c FAILURE]+
def _category_code(c):
    item = [_constants.IN, 4, _constants.CATEGORY, c, _constants.FAILURE]
    code = [_constants.REPEAT_ONE, len(item) + 4, 1, _constants.MAXREPEAT] + item + [
        _constants.SUCCESS, _constants.SUCCESS]
    return [int(x) for x in code]


RAW_CASES = [("category %s" % c.name, _category_code(int(c)), 0) for c in _constants.CHCODES]
RAW_SUBJECTS = ["ab 12\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\u2028\u2029_\u0663\u00b2\u00e9\u00a0\u3000x",
                "\n\r\n", "  \t", "\u0660\u0669\u00bd"]

# subjects added to each kind of pattern
STR_SUBJECTS = WORDS + ["\u00e9t\u00e9", "\u212aK\u00df", "a\u0300b\U0001f600\u2028"]
BYTES_SUBJECTS = [w.encode("ascii") for w in WORDS] + [b"\xe9\xc9\x00\xff"]


def subject_codes(s):
    if isinstance(s, bytes):
        return list(s)
    return [ord(c) for c in s]


def match_result(m, groups):
    """None, or [lastindex (-1 for None), start0, end0, start1, end1, ...] with -1 for
    a group that did not participate."""
    if m is None:
        return None
    out = [-1 if m.lastindex is None else m.lastindex]
    for g in range(groups + 1):
        out.extend(m.span(g))
    return out


def positions(n):
    """(kinds, pos, endpos) triples to try on a subject of length n."""
    out = [("msf", 0, None), ("ms", 1, None), ("msf", 0, max(n - 1, 0)), ("ms", n // 2, None)]
    if n > 2:
        out.append(("s", 1, n - 1))
    seen = []
    for p in out:
        if p not in seen:
            seen.append(p)
    return seen


def subject_result(rx, s, groups):
    ops = []
    for kinds, pos, endpos in positions(len(s)):
        for kind in kinds:
            f = {"m": rx.match, "s": rx.search, "f": rx.fullmatch}[kind]
            m = f(s, pos) if endpos is None else f(s, pos, endpos)
            # [kind, pos, endpos (null: end of subject), result]
            ops.append([kind, pos, endpos, match_result(m, groups)])
    it = [match_result(m, groups) for m in rx.finditer(s)]
    return {"s": subject_codes(s), "ops": ops, "finditer": it}


def compile_case(pattern, flags):
    p = _parser.parse(pattern, flags)
    code = _compiler._code(p, flags)
    return p, [int(c) for c in code], flags | p.state.flags, p.state.groups - 1


def cases():
    out = []
    for plist, extra_subjects in ((STR_CASES, STR_SUBJECTS), (BYTES_CASES, BYTES_SUBJECTS)):
        for pattern, flags, subjects in plist:
            p, code, allflags, groups = compile_case(pattern, flags)
            rx = _sre.compile(pattern, allflags, code, groups, p.state.groupdict,
                              tuple([None] * (groups + 1)))
            subs = []
            seen = set()
            for s in list(subjects) + list(extra_subjects):
                if s in seen:
                    continue
                seen.add(s)
                subs.append(subject_result(rx, s, groups))
            out.append({
                "pattern": repr(pattern),
                "flags": allflags,
                "bytes": isinstance(pattern, bytes),
                "code": code,
                "groups": groups,
                "subjects": subs,
            })
    for name, code, groups in RAW_CASES:
        rx = _sre.compile(None, 0, code, groups, {}, tuple([None] * (groups + 1)))
        out.append({
            "pattern": name,
            "flags": 0,
            "bytes": False,
            "code": code,
            "groups": groups,
            "subjects": [subject_result(rx, s, groups) for s in RAW_SUBJECTS],
        })
    return out


# ---------------------------------------------------------------------------
# validation of (damaged) code


def validate_cases():
    rng = random.Random(20220615)
    out = []
    sources = [(p, f) for p, f, _ in STR_CASES[::3]] + [(p, f) for p, f, _ in BYTES_CASES[::4]]
    for pattern, flags in sources:
        _, code, allflags, groups = compile_case(pattern, flags)
        variants = [(code, groups)]
        if len(code) > 1:
            variants.append((code[:-1], groups))
            variants.append((code[: len(code) // 2] + [1], groups))
        for _ in range(6):
            c = list(code)
            i = rng.randrange(len(c))
            c[i] = rng.choice([0, 1, 2, 7, 17, 40, 99, min(c[i] + 1, 0xFFFFFFFF), max(c[i] - 1, 0), 0xFFFFFFFF])
            variants.append((c, groups))
        if groups:
            variants.append((code, groups - 1))
        for c, g in variants:
            out.append({"code": c, "groups": g, "valid": _sre_accepts(c, g, allflags)})
    return out


_PROBE = """
import json, sys, _sre
c, g, f = json.loads(sys.stdin.read())
try:
    _sre.compile(None, f, c, g, {}, tuple([None] * (g + 1)))
    print("ok")
except RuntimeError:
    print("rejected")
"""


def _sre_accepts(code, groups, flags):
    """Whether _sre.compile accepts the code: True, False, or None when it crashes
    CPython (its validator reads out of bounds on some damaged code)."""
    r = subprocess.run([sys.executable, "-I", "-S", "-c", _PROBE], input=json.dumps([code, groups, flags]),
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None
    return r.stdout.strip() == "ok"


def main():
    os.makedirs(FIX, exist_ok=True)
    with open(os.path.join(FIX, "constants.json"), "w") as f:
        json.dump(constants(), f, indent=1)
        f.write("\n")
    cs = cases()
    with open(os.path.join(FIX, "cases.json"), "w") as f:
        json.dump({"generator": "scripts/gen_sre_fixtures.py", "python": sys.version.split()[0],
                   "cases": cs}, f, separators=(",", ":"))
        f.write("\n")
    vs = validate_cases()
    with open(os.path.join(FIX, "validate.json"), "w") as f:
        json.dump({"generator": "scripts/gen_sre_fixtures.py", "cases": vs}, f, separators=(",", ":"))
        f.write("\n")
    nops = sum(len(s["ops"]) + 1 for c in cs for s in c["subjects"])
    print(f"{len(cs)} patterns, {nops} checks, {len(vs)} validation cases")


if __name__ == "__main__":
    main()
