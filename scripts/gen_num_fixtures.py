#!/usr/bin/env python3.11
"""Generate fixtures/num/*.json from CPython 3.11: int, float and complex
arithmetic over a grid of values (small ints, i64 boundaries, big ints;
signed zeros, subnormals, huge floats, infinities, NaN) for every operation
of src/num, plus random stress cases for the correctly rounded ones.

Run from the repository root:  python3.11 scripts/gen_num_fixtures.py

Each case is {"op": name, "args": [...], "ok": result} or {..., "err":
"ExcType: message"}. Values are encoded as strings: "i:<decimal>" for
ints, "f:<float.hex()>" for floats, "c:<re hex>,<im hex>" for complex,
"b:True"/"b:False", "y:<hex bytes>", "s:<text>"; tuples become lists;
comparisons give "s:lt", "s:eq", "s:gt" or "s:un" (unordered: NaN).
tests/num.rs replays them all against src/num.
"""
import json
import math
import os
import random
import sys

assert sys.version_info[:2] == (3, 11), "run with python3.11"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "num")
rng = random.Random(20240612)

INTS = [0, 1, -1, 2, -2, 3, -3, 7, -7, 2**53 + 1, 2**63, -2**63, 2**63 - 1, -(2**63 - 1),
        2**64, -2**64, 10**30, -10**30, 2**200 + 1, -(2**200 + 1)]
FLOATS = [0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 3.7, -3.7, 1.0, -1.0, 2.0, -8.0, 1 / 3,
          1e308, -1e308, 5e-324, -5e-324, math.inf, -math.inf, math.nan, float(2**53 + 1)]
PARTS = [0.0, -0.0, 1.0, -2.5, 1e200, math.inf, math.nan]
COMPLEXES = [complex(r, i) for r in PARTS for i in PARTS]
SMALL_COMPLEXES = [complex(r, i) for r in PARTS[::2] for i in PARTS[::2]]


def enc(v):
    if isinstance(v, bool):
        return f"b:{v}"
    if isinstance(v, int):
        return f"i:{v}"
    if isinstance(v, float):
        return "f:" + v.hex()
    if isinstance(v, complex):
        return f"c:{v.real.hex()},{v.imag.hex()}"
    if isinstance(v, (bytes, bytearray)):
        return "y:" + bytes(v).hex()
    if isinstance(v, str):
        return "s:" + v
    if isinstance(v, tuple):
        return [enc(x) for x in v]
    raise TypeError(type(v))


def cmp(a, b):
    if a < b:
        return "lt"
    if a == b:
        return "eq"
    if a > b:
        return "gt"
    return "un"


class Cases:
    def __init__(self):
        self.files = {}

    def add(self, file, op, args, fn):
        case = {"op": op, "args": [enc(a) for a in args]}
        try:
            r = fn(*args)
        except (ArithmeticError, ValueError, MemoryError) as e:
            case["err"] = f"{type(e).__name__}: {e}"
        else:
            case["ok"] = enc(r)
        self.files.setdefault(file, []).append(case)

    def write(self):
        total = 0
        for name, cases in self.files.items():
            with open(os.path.join(OUT, name + ".json"), "w") as f:
                f.write('{"generator": "scripts/gen_num_fixtures.py", "cases": [\n')
                f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
                f.write("\n]}\n")
            total += len(cases)
            print(f"{name}: {len(cases)} cases")
        print(f"total: {total}")


def pow_ok(a, b):
    """Exponents CPython computes quickly (no gigantic results)."""
    return b < 0 or abs(a) <= 1 or b <= 1000


def main():
    c = Cases()
    binops = {
        "add": lambda a, b: a + b,
        "sub": lambda a, b: a - b,
        "mul": lambda a, b: a * b,
        "floordiv": lambda a, b: a // b,
        "mod": lambda a, b: a % b,
        "divmod": divmod,
        "truediv": lambda a, b: a / b,
        "pow": lambda a, b: a ** b,
    }
    intonly = {
        "lshift": lambda a, b: a << b,
        "rshift": lambda a, b: a >> b,
        "and": lambda a, b: a & b,
        "or": lambda a, b: a | b,
        "xor": lambda a, b: a ^ b,
        "gcd": math.gcd,
        "cmp": cmp,
    }
    # int op int
    for a in INTS:
        for b in INTS:
            for name, fn in {**binops, **intonly}.items():
                if name == "pow" and not pow_ok(a, b):
                    continue
                c.add("int_binary", "int_" + name, [a, b], fn)
    small_shifts = [0, 1, 5, 62, 63, 64, 65, 100, 1000]
    # Beyond MAX_LONG_DIGITS CPython raises OverflowError, below it MemoryError.
    huge_shifts = [2**62, 2**63, 2**64, 30 * (2**61 - 7) - 31, 30 * (2**61 - 7) - 30,
                   30 * (2**61 - 7), 30 * (2**61 - 1), 2**70, 2**127, 2**128]
    for a in [1, -1, 2**40, 2**60, 2**200 + 1, 0]:
        for b in huge_shifts:
            c.add("int_binary", "int_lshift", [a, b], intonly["lshift"])
            c.add("int_binary", "int_rshift", [a, b], intonly["rshift"])
    for a in INTS:
        for b in small_shifts:
            c.add("int_binary", "int_lshift", [a, b], intonly["lshift"])
            c.add("int_binary", "int_rshift", [a, b], intonly["rshift"])
    # three-argument pow
    mods = [0, 1, -1, 2, -2, 3, 7, -7, 10**30, 2**64, -(2**200 + 1), 2**63 - 1]
    for a in INTS:
        for b in INTS:
            for m in mods:
                c.add("int_pow3", "int_pow3", [a, b, m], pow)
    # random stress: true division, int -> float, pow3
    for _ in range(800):
        a = rng.getrandbits(rng.randint(1, 1100)) * rng.choice([1, -1])
        b = rng.getrandbits(rng.randint(1, 1100)) * rng.choice([1, -1]) or 1
        c.add("int_random", "int_truediv", [a, b], binops["truediv"])
    for k in range(0, 1100, 7):
        for d in (-1, 0, 1):
            a = (1 << k) + d
            b = 3 ** rng.randint(1, 700)
            c.add("int_random", "int_truediv", [a, b], binops["truediv"])
            c.add("int_random", "int_truediv", [b, a or 1], binops["truediv"])
    for _ in range(400):
        bits = rng.randint(50, 1100)
        a = rng.getrandbits(bits) | (1 << (bits - 1))
        c.add("int_random", "int_float", [a], float)
        c.add("int_random", "int_float", [-a], float)
        shift = rng.randint(0, 1000)
        half = ((2**53 + 1) << shift) + rng.choice([-1, 0, 1, 0])
        c.add("int_random", "int_float", [half], float)
    for _ in range(250):
        a = rng.getrandbits(rng.randint(1, 300)) * rng.choice([1, -1])
        b = rng.getrandbits(rng.randint(1, 300)) * rng.choice([1, -1])
        m = rng.getrandbits(rng.randint(1, 200)) * rng.choice([1, -1])
        c.add("int_random", "int_pow3", [a, b, m], pow)
        c.add("int_random", "int_mul", [a, b], binops["mul"])
        c.add("int_random", "int_divmod", [a, m], divmod)
        c.add("int_random", "int_gcd", [a, m], math.gcd)
        c.add("int_random", "int_and", [a, m], intonly["and"])
        c.add("int_random", "int_xor", [a, b], intonly["xor"])
        c.add("int_random", "int_or", [b, m], intonly["or"])
    for _ in range(300):
        p = rng.choice([53, 54, 60, 63, 64, 65, 80, 200, 1023, 1024])
        x = float(rng.getrandbits(p)) * rng.choice([1, -1]) + rng.choice([0.0, 0.5, -0.5, 0.25])
        i = int(x) + rng.choice([-1, 0, 1])
        c.add("int_random", "int_float_cmp", [i, x], cmp)
        c.add("int_random", "float_int_cmp", [x, i], cmp)
    # int unary and methods
    extra = [rng.getrandbits(rng.randint(1, 400)) * rng.choice([1, -1]) for _ in range(60)]
    for k, a in enumerate(INTS + extra):
        full = k < len(INTS) + 12
        c.add("int_unary", "int_neg", [a], lambda a: -a)
        c.add("int_unary", "int_invert", [a], lambda a: ~a)
        c.add("int_unary", "int_abs", [a], abs)
        c.add("int_unary", "int_bit_length", [a], lambda a: a.bit_length())
        c.add("int_unary", "int_bit_count", [a], lambda a: a.bit_count())
        c.add("int_unary", "int_float", [a], float)
        c.add("int_unary", "int_isqrt", [a], math.isqrt)
        c.add("int_unary", "int_as_integer_ratio", [a], lambda a: a.as_integer_ratio())
        c.add("int_unary", "int_repeat_count", [a], lambda a: len(b"" * a))
        for n in [0, 1, 5, -1, -2, -5, -19, -20, -30, -31, -60, -61, -62, -100, 10**30]:
            c.add("int_unary", "int_round", [a, n], round)
        if not full:
            continue
        for length in [-1, 0, 1, 2, 7, 8, 9, 16, 26, 27, 40]:
            for order in ["big", "little"]:
                for signed in [False, True]:
                    c.add("int_unary", "int_to_bytes", [a, length, order, signed],
                          lambda a, n, o, s: a.to_bytes(n, o, signed=s))
    for order in ["big", "little", "middle"]:
        c.add("int_unary", "int_to_bytes", [5, 1, order, False],
              lambda a, n, o, s: a.to_bytes(n, o, signed=s))
    for _ in range(200):
        data = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 40)))
        for order in ["big", "little"]:
            for signed in [False, True]:
                c.add("int_unary", "int_from_bytes", [data, order, signed],
                      lambda d, o, s: int.from_bytes(d, o, signed=s))
    # float op float
    for a in FLOATS:
        for b in FLOATS:
            for name, fn in binops.items():
                c.add("float_binary", "float_" + name, [a, b], fn)
            c.add("float_binary", "float_cmp", [a, b], cmp)
    for a in [0.5, 2.0, -2.0, 10.0, 1e-300, 1.0000001]:
        for b in [1074.0, 1074.5, 1075.0, -1074.0, 1023.9, 1024.0, 1e10, -1e10, 0.5, 3.0]:
            c.add("float_binary", "float_pow", [a, b], binops["pow"])
    for _ in range(500):
        a = rng.uniform(-1e6, 1e6) * 10 ** rng.randint(-10, 10)
        b = rng.uniform(-100, 100) * 10 ** rng.randint(-5, 5)
        for name in ["floordiv", "mod", "divmod", "pow"]:
            c.add("float_binary", "float_" + name, [a, b], binops[name])
    # mixed int/float (the int is converted with float(int) first)
    for a in INTS:
        for b in FLOATS:
            for name, fn in binops.items():
                c.add("mixed", "intfloat_" + name, [a, b], fn)
                c.add("mixed", "floatint_" + name, [b, a], fn)
            c.add("mixed", "int_float_cmp", [a, b], cmp)
            c.add("mixed", "float_int_cmp", [b, a], cmp)
    # float unary and methods
    for a in FLOATS + [2.5, 3.5, -2.5, 0.49999999999999994, 1e16 + 2, 2.675, 1e22, 123.456, -0.0001]:
        c.add("float_unary", "float_trunc", [a], math.trunc)
        c.add("float_unary", "float_floor", [a], math.floor)
        c.add("float_unary", "float_ceil", [a], math.ceil)
        c.add("float_unary", "float_round", [a], round)
        c.add("float_unary", "float_is_integer", [a], lambda a: a.is_integer())
        c.add("float_unary", "float_as_integer_ratio", [a], lambda a: a.as_integer_ratio())
        c.add("float_unary", "float_hex", [a], lambda a: a.hex())
        c.add("float_unary", "float_abs", [a], abs)
        c.add("float_unary", "float_neg", [a], lambda a: -a)
        for n in [-400, -309, -308, -300, -2, -1, 0, 1, 2, 3, 10, 300, 323, 324, 10**30, -10**30]:
            c.add("float_unary", "float_round_n", [a, n], round)
    # complex
    for a in COMPLEXES:
        for b in COMPLEXES:
            c.add("complex", "complex_mul", [a, b], lambda a, b: a * b)
            c.add("complex", "complex_div", [a, b], lambda a, b: a / b)
    for a in SMALL_COMPLEXES:
        for b in SMALL_COMPLEXES:
            c.add("complex", "complex_add", [a, b], lambda a, b: a + b)
            c.add("complex", "complex_sub", [a, b], lambda a, b: a - b)
            c.add("complex", "complex_eq", [a, b], lambda a, b: a == b)
    for a in COMPLEXES:
        for e in [0j, 1 + 0j, 2 + 0j, 3 + 0j, -1 + 0j, -2 + 0j, 0.5 + 0j, 100 + 0j, 101 + 0j,
                  -100 + 0j, 1j, 1 + 1j, -0.5 - 2j, complex(1e10, 0)]:
            c.add("complex", "complex_pow", [a, e], lambda a, b: a ** b)
        c.add("complex", "complex_abs", [a], abs)
    for a in [complex(1e308, 1e308), complex(-1e308, 1e308), complex(1e-200, 0), complex(1e200, 1e200),
              complex(3, 4), complex(-1.5, 0.25)]:
        c.add("complex", "complex_abs", [a], abs)
        for e in [-2 + 0j, 2 + 0j, 3 + 0j, 0.5 + 0j, 2.5 + 0j, 1j, 50 + 0j]:
            c.add("complex", "complex_pow", [a, e], lambda a, b: a ** b)
    c.write()


if __name__ == "__main__":
    main()
