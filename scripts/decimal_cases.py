"""Randomised decimal cases for scripts/decimal_compare.py: each line is one
operation under a random context (precision, rounding, exponent range,
clamp, traps) with its result, or its exception, and the flags it raised.
DEC_SEED and DEC_N (environment) choose the cases."""
import os
import random
from decimal import (Decimal, Context, setcontext, getcontext, localcontext,
                     ROUND_DOWN, ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_CEILING,
                     ROUND_FLOOR, ROUND_UP, ROUND_HALF_DOWN, ROUND_05UP,
                     Inexact, Rounded, Subnormal, Underflow, Overflow, Clamped,
                     InvalidOperation, DivisionByZero, FloatOperation)

ROUNDINGS = [ROUND_DOWN, ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_CEILING,
             ROUND_FLOOR, ROUND_UP, ROUND_HALF_DOWN, ROUND_05UP]
SIGNALS = [Inexact, Rounded, Subnormal, Underflow, Overflow, Clamped,
           InvalidOperation, DivisionByZero]
rng = random.Random(int(os.environ.get("DEC_SEED", "1")))


def number():
    r = rng.random()
    if r < 0.03:
        return rng.choice(["NaN", "-NaN", "sNaN", "NaN12", "Inf", "-Infinity", "-0", "0E+3",
                           "-0.000"])
    nd = rng.choice([1, 1, 2, 3, 4, 5, 8, 12, 20, 28, 30, 38, 40])
    digits = "".join(rng.choice("0123456789") for _ in range(nd))
    if rng.random() < 0.3:
        digits = digits.lstrip("0") or "0"
    exp = rng.choice([0, 0, -1, -2, -3, 1, 2, rng.randint(-12, 12), rng.randint(-40, 40),
                      rng.randint(-120, 120)])
    sign = rng.choice(["", "", "-", "+"])
    form = rng.random()
    if form < 0.5:
        return f"{sign}{digits}E{exp}"
    if exp < 0 and -exp < len(digits):
        return f"{sign}{digits[:exp]}.{digits[exp:]}"
    return f"{sign}{digits}e{exp:+d}"


def context():
    prec = rng.choice([1, 2, 3, 5, 9, 16, 28, 28, 28, 34, 40])
    emax = rng.choice([999999, 999999, 99, 20, 5])
    emin = -rng.choice([999999, 999999, 99, 20, 5])
    traps = [s for s in SIGNALS if rng.random() < 0.15]
    return Context(prec=prec, rounding=rng.choice(ROUNDINGS), Emin=emin, Emax=emax,
                   clamp=rng.choice([0, 0, 0, 1]), traps=traps, flags=[],
                   capitals=rng.choice([0, 1, 1]))


def operand():
    r = rng.random()
    if r < 0.15:
        return rng.choice([0, 1, -1, 7, 10, 123456789, -98765, 2**40, 10**20])
    return Decimal(number())


OPS = ["add", "sub", "mul", "div", "radd", "rsub", "rmul", "rdiv", "neg", "pos", "abs",
       "eq", "lt", "le", "gt", "ge", "hash", "str", "repr", "int", "bool", "quantize",
       "cquantize", "new", "newint", "iadd"]


def run(op, a, b, ctx):
    if op == "add": return a + b
    if op == "sub": return a - b
    if op == "mul": return a * b
    if op == "div": return a / b
    if op == "radd": return b + a
    if op == "rsub": return b - a
    if op == "rmul": return b * a
    if op == "rdiv": return b / a
    if op == "neg": return -a
    if op == "pos": return +a
    if op == "abs": return abs(a)
    if op == "eq": return a == b
    if op == "lt": return a < b
    if op == "le": return a <= b
    if op == "gt": return a > b
    if op == "ge": return a >= b
    if op == "hash": return "id-based" if a.is_qnan() else hash(a)
    if op == "str": return str(a)
    if op == "repr": return repr(a)
    if op == "int": return int(a)
    if op == "bool": return bool(a)
    if op == "quantize":
        q = Decimal(1).scaleb(rng.randint(-10, 6)) if rng.random() < 0.8 else b
        return a.quantize(q, rounding=rng.choice(ROUNDINGS + [None]))
    if op == "cquantize":
        return ctx.quantize(a, Decimal(1).scaleb(rng.randint(-10, 6)))
    if op == "new": return Decimal(number())
    if op == "newint": return Decimal(rng.randint(-10**18, 10**18))
    if op == "iadd":
        x = a
        x += b
        return x


def main():
    n = int(os.environ.get("DEC_N", "3000"))
    for i in range(n):
        ctx = context()
        op = rng.choice(OPS)
        a = operand()
        if not isinstance(a, Decimal):
            a = Decimal(a)
        b = operand()
        setcontext(ctx)
        try:
            r = run(op, a, b, ctx)
            out = repr(r)
            if isinstance(r, Decimal):
                out += " " + str(r.as_tuple())
        except Exception as e:
            out = f"{type(e).__name__}: {e.args!r}"
        flags = sorted(s.__name__ for s in SIGNALS if ctx.flags[s])
        print(i, op, repr(a), repr(b), ctx.prec, ctx.rounding, ctx.Emin, ctx.Emax, ctx.clamp,
              "->", out, flags)


main()
