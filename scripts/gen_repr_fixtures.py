#!/usr/bin/env python3.11
"""Generate fixtures/repr/constants.json: marshal constants with the repr and
hash CPython 3.11 gives them under PYTHONHASHSEED=0.

Run from anywhere:  python3.11 scripts/gen_repr_fixtures.py
(the script re-executes itself with PYTHONHASHSEED=0 if it is not set).

Each entry: {"marshal": hex of marshal.dumps(value), "repr":
repr(marshal.loads(bytes)), "hash": hash(value) or null}; code object addresses show as 0xADDR. The hash is null
when CPython's value depends on object addresses (None, Ellipsis, NaN, code
objects, and containers holding them) or the value is unhashable.
"""
import json
import marshal
import math
import os
import random
import re
import struct
from decimal import Decimal
import sys

if sys.version_info[:2] != (3, 11):
    sys.exit("run with python3.11")
if os.environ.get("PYTHONHASHSEED") != "0":
    env = dict(os.environ, PYTHONHASHSEED="0")
    os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:], env)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "repr", "constants.json")


def floats():
    vals = [0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.3, 1 / 3, 2 / 3, 0.5, 1.5, 2.5, 100.0,
            123.456, -123.456, 1e16, 1e15, 9999999999999998.0, 1e17, 1.5e16, 12345678901234567.0,
            1e-5, 1e-4, 0.0001, 0.00012345, 1.2345e-5, 1e-7, 1e22, 1e23, 1e100, 1e-100,
            5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, 1e-310,
            1.7976931348623157e308, -1.7976931348623157e308, math.pi, math.e, 2.0 ** 53,
            2.0 ** 53 + 2, 2.0 ** 60, 2.0 ** 61, 2.0 ** 61 - 2 ** 8, 2.0 ** 62, 2.0 ** 64,
            2.0 ** -20, 2.0 ** 1000, -(2.0 ** 70), 3.0e300, 4.35, 0.1 + 0.2, 1e-323,
            float("inf"), float("-inf"), float("nan"), 1234.5e-10, 9.999999999999999e22,
            123456789.0, 0.000123, 7e-5, 4.9406564584124654e-324]
    x = 1.0
    for _ in range(40):
        vals.append(x)
        vals.append(-x / 7)
        x *= 13.7
    x = 1.0
    for _ in range(40):
        vals.append(x)
        x /= 9.3
    return vals


def complexes():
    inf, nan = float("inf"), float("nan")
    return [1j, -1j, 0j, -0j, complex(-0.0, 0.0), complex(-0.0, -0.0), complex(0.0, -0.0),
            1 + 2j, -1.5 - 2.5j, complex(-0.0, -1.0), complex(nan, inf), complex(inf, nan),
            complex(1, nan), complex(-inf, -inf), 1e16j, 1e-5 + 1e16j, complex(1e300, -1e-300),
            0.1 + 0.2j, complex(3, 0), complex(2.5, -0.0), 5e-324j, complex(1e16, 1)]


def strings():
    vals = ["", "a", "abc", "'", '"', "'\"", "it's", 'say "hi"', "both ' and \"",
            "\\", "a\\b", "\t\n\r", "\x00\x01\x1f\x7f", "\x80\x9f\xa0\xad\xff", "é",
            "caf\xe9", "\u0100", "\u2028\u2029", "\u200b\ufeff", "\ufffe\uffff", "\U0001F600",
            "\U000E0001", "\U0010FFFF", "\ud800", "\udfff", "a\ud83d\ude00b", "\ud800\udc00",
            "日本語", "Ω≈ç√", "\x0b\x0c", " ", "\u3000", "\xa0", "mixed \x00 é \u2028 \U0001F600 '",
            "x" * 100, "\u0378", "\U000F0000", "\U00100000", "\ue000", "a'b\"c\\d",
            "interned_name", "\u0300", "\u180e", "\u061c"]
    vals.append("".join(chr(c) for c in range(0, 0x180)))
    vals.append("".join(chr(c) for c in range(0x2000, 0x2070)))
    vals.extend(chr(c) for c in range(0, 0x100))
    return vals


def byteses():
    vals = [b"", b"a", b"'", b'"', b"'\"", b"it's", b"\\", b"\t\n\r\x00", b"\x7f\x80\xff",
            bytes(range(256)), bytes(range(255, -1, -1)), b"x" * 50, b"abc def"]
    vals.extend(bytes([c]) for c in range(256))
    return vals


def ints():
    vals = [0, 1, -1, -2, 2, 255, 256, -256, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 61 - 2,
            2 ** 61 - 1, 2 ** 61, 2 ** 62, -(2 ** 61 - 1), -(2 ** 61), 2 ** 63 - 1, -(2 ** 63),
            2 ** 63, 2 ** 64, -(2 ** 64), 2 ** 100, -(2 ** 100) - 12345, 10 ** 40, -(10 ** 40),
            3 ** 200, 2 ** 122 - 1, 2 ** 122 - 2, -(2 ** 122 - 2), 123456789012345678901234567890]
    return vals


def frozensets():
    fs = [frozenset(), frozenset({1}), frozenset({1, 2, 3}), frozenset({3, 2, 1}),
          frozenset({8, 0}), frozenset({0, 8}), frozenset(range(5)), frozenset(range(6)),
          frozenset(range(100)), frozenset(range(200, 0, -3)), frozenset(range(-50, 50)),
          frozenset({2 ** 61 - 1, 2 ** 61, -1, -2}),
          frozenset({"a", "b", "c"}), frozenset({"x", "y", "z", "w", "v", "u"}),
          frozenset(f"name{i}" for i in range(120)),
          frozenset({"é", "\u2028", "\U0001F600", "ascii"}),
          frozenset({1.5, 2.5, 0.1, -0.0, 1e16, 1e-5}),
          frozenset({1, "a", 2.5, b"b", (1, 2), 3j}),
          frozenset({b"", b"a", b"bc", b"\xff"}),
          frozenset({(1, 2), (3,), (), ("a", 1.0)}),
          frozenset({frozenset({1}), frozenset({2, 3})}),
          frozenset({True, 2, 3.5}), frozenset({False, "f"}),
          frozenset(i * 1.5 for i in range(130)),
          frozenset(2 ** 64 + i for i in range(20)),
          frozenset(complex(i, -i) for i in range(12)),
          frozenset(bytes([i]) * 3 for i in range(110)),
          frozenset((i, str(i)) for i in range(60)),
          frozenset(range(0, 1000, 7)),
          frozenset({10 ** 20, -(10 ** 20), 0.25, "mix", ("t", b"u")})]
    return fs


def tuples():
    return [(), (1,), (1, 2), ((1,), ()), ("a", (b"b", (1.5, (2j, ())))), (None,),
            (None, True, False, ...), (1, "two", 3.0, 4j, b"five"), tuple(range(30)),
            ((),), (((),),), (frozenset({1, 2}), frozenset()), ("it's", '"q"'),
            (float("nan"),), (-0.0, 0.0), (2 ** 70, -1, -2)]


def others():
    return [None, True, False, ..., StopIteration, [1, 2, [3]], [], {}, {1: "a", "b": 2.5},
            {(1, 2): frozenset({3})}, set(), {1, 2, 3}, {"x", "y"}, [frozenset({"a", "b"})]]


def duplicates():
    """Streams holding equal elements (marshal keeps the first)."""
    out = []

    def fs_stream(items):
        # w_object(frozenset) = '>' + n + items; build it by hand.
        body = b"".join(marshal.dumps(i, 2) for i in items)  # version 2: no refs
        return b">" + len(items).to_bytes(4, "little") + body

    for items in ([1, 1.0, True], [True, 1], [1.0, 1, 2], [0, False, 0.0, -0.0, 0j],
                  [2, 2.0 + 0j, 3], ["a", "a", "b"], [(1,), (1.0,), (True,)],
                  [2 ** 64, float(2 ** 64)]):
        out.append(fs_stream(items))
    # The same elements in other stream orders: the rebuilt table differs.
    rng = random.Random(311)
    for items in (list(range(40)), [f"k{i}" for i in range(30)], [i * 0.5 for i in range(25)],
                  list(range(0, 64, 8)), [2 ** 61 - 1 + i for i in range(12)]):
        for _ in range(3):
            items = list(items)
            rng.shuffle(items)
            out.append(fs_stream(items))
        out.append(fs_stream(list(reversed(sorted(items, key=repr)))))
    # Sizes around every resize threshold, string elements (SipHash hashes).
    for n in list(range(1, 24)) + [30, 35, 40, 50, 70, 80, 90, 100, 150, 200, 300, 500]:
        items = [f"s{n}_{i}" for i in range(n)]
        rng.shuffle(items)
        out.append(fs_stream(items))
    return out


def random_floats(rng):
    """Random doubles (all bit patterns) and short decimals, for float_repr."""
    vals = []
    for _ in range(3000):
        v = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if not math.isnan(v):
            vals.append(v)
    for _ in range(1500):
        vals.append(float(f"{rng.randint(1, 99999)}e{rng.randint(-330, 310)}"))
    for _ in range(500):
        vals.append(rng.randint(1, 10 ** 17) / 10 ** rng.randint(0, 20))
    # Dyadic values with short exact expansions: exact halfway ties between
    # two shortest digit strings (Python rounds those half to even).
    ties = []
    for _ in range(20000):
        v = rng.randint(2 ** 40, 2 ** 53) / 2 ** rng.randint(1, 12)
        exact = str(Decimal(v))
        if len(repr(v).replace(".", "").lstrip("0")) + 1 == len(exact.replace(".", "").lstrip("0")) \
                and exact.endswith("5"):
            ties.append(v)
    vals.extend(ties[:300])
    return vals


def random_strings(rng):
    """Strings of random code points from every plane, for str_repr."""
    out = []
    for _ in range(300):
        n = rng.randint(1, 12)
        cps = []
        for _ in range(n):
            r = rng.random()
            if r < 0.3:
                cps.append(rng.randint(0, 0x7f))
            elif r < 0.5:
                cps.append(rng.randint(0x80, 0x7ff))
            elif r < 0.85:
                cps.append(rng.randint(0x800, 0xffff))
            else:
                cps.append(rng.randint(0x10000, 0x10ffff))
        out.append("".join(map(chr, cps)))
    return out


def codes():
    """Code objects: the test masks the address in '<code object ... at 0x...>'."""
    mod = compile("def f():\n    return 1\n", "fixtures/repr/example.py", "exec")
    fn = [c for c in mod.co_consts if hasattr(c, "co_code")][0]
    lam = compile("lambda: 0", "dir with space/l.py", "eval")
    return [mod, fn, lam, (fn,)]


def deterministic(v):
    if v is None or v is ... or isinstance(v, type) or hasattr(v, "co_code"):
        return False
    if isinstance(v, float):
        return not math.isnan(v)
    if isinstance(v, complex):
        return not (math.isnan(v.real) or math.isnan(v.imag))
    if isinstance(v, (tuple, frozenset)):
        return all(deterministic(x) for x in v)
    return True


def entry(data):
    value = marshal.loads(data)
    try:
        h = hash(value) if deterministic(value) else None
    except TypeError:
        h = None
    # Code object reprs carry an address: mask it so the file is reproducible.
    text = re.sub(r"<code object (.*?) at 0x[0-9a-f]+,", r"<code object \1 at 0xADDR,", repr(value))
    return {"marshal": data.hex(), "repr": text, "hash": h}


def main():
    entries = []
    values = (floats() + complexes() + strings() + byteses() + ints() + frozensets()
              + tuples() + others())
    for v in values:
        entries.append(entry(marshal.dumps(v)))
    for v in codes():
        entries.append(entry(marshal.dumps(v)))
    rng = random.Random(2023)
    for v in random_floats(rng) + random_strings(rng):
        entries.append(entry(marshal.dumps(v)))
    for data in duplicates():
        entries.append(entry(data))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write('{"generator": "scripts/gen_repr_fixtures.py", "python": "%s", '
                '"hashseed": 0,\n "entries": [\n' % sys.version.split()[0])
        f.write(",\n".join(json.dumps(e, ensure_ascii=False) for e in entries))
        f.write("\n]}\n")
    print(f"wrote {OUT}: {len(entries)} entries")


main()
