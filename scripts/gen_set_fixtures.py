#!/usr/bin/env python3.11
"""Generate fixtures/set/sets.json: sequences of set operations on int and
str keys, replayed by CPython 3.11, with the iteration order (or popped key)
CPython produced after each step. tests/set_sort.rs replays the same
operations on pycvm's set table and compares.

Run with PYTHONHASHSEED=0 (the script re-executes itself so if needed):
    python3.11 scripts/gen_set_fixtures.py

Operations (JSON lists; names are set variables):
  ["new", a]                       a = set()
  ["adds", a, [k...]]              a.add(k) for each k
  ["add_range", a, start, stop, step]
  ["discards", a, [k...]]          a.discard(k) for each k
  ["discard_range", a, start, stop, step]
  ["pop", a]                       expect {"pop": a.pop()}
  ["clear", a]                     a.clear()
  ["copy", d, a]                   d = a.copy()
  ["union", d, a, b...]            d = a.union(b, ...)
  ["inter", d, a, b...]            d = a.intersection(b, ...)
  ["diff", d, a, b...]             d = a.difference(b, ...)
  ["symdiff", d, a, b]             d = a ^ b
  ["update", a, b]                 a |= b
  ["inter_update", a, b...]        a.intersection_update(b, ...)
  ["diff_update", a, b]            a -= b
  ["symdiff_update", a, b]         a ^= b
  ["same", op, d, a]               d = a OP a for op in | & - ^
  ["check", a]                     expect the iteration order: {"list": [...]}
                                   or, for big sets, {"len", "head", "digest"}
The digest folds, in iteration order, v = the int itself or hash(str):
h = ((h * 1000003) ^ (v mod 2**64)) mod 2**64, from h = 0.
"""

import json
import os
import random
import sys

if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

assert sys.version_info[:2] == (3, 11), "run with python3.11"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "set", "sets.json")
M64 = (1 << 64) - 1
BIG = 300


def digest(items):
    h = 0
    for x in items:
        v = x if isinstance(x, int) else hash(x)
        h = ((h * 1000003) ^ (v & M64)) & M64
    return h


def run(ops):
    env = {}
    expect = []
    for op in ops:
        kind = op[0]
        if kind == "new":
            env[op[1]] = set()
        elif kind == "adds":
            for k in op[2]:
                env[op[1]].add(k)
        elif kind == "add_range":
            s = env[op[1]]
            for k in range(op[2], op[3], op[4]):
                s.add(k)
        elif kind == "discards":
            for k in op[2]:
                env[op[1]].discard(k)
        elif kind == "discard_range":
            s = env[op[1]]
            for k in range(op[2], op[3], op[4]):
                s.discard(k)
        elif kind == "pop":
            expect.append({"pop": env[op[1]].pop()})
        elif kind == "clear":
            env[op[1]].clear()
        elif kind == "copy":
            env[op[1]] = env[op[2]].copy()
        elif kind == "union":
            env[op[1]] = env[op[2]].union(*[env[n] for n in op[3:]])
        elif kind == "inter":
            env[op[1]] = env[op[2]].intersection(*[env[n] for n in op[3:]])
        elif kind == "diff":
            env[op[1]] = env[op[2]].difference(*[env[n] for n in op[3:]])
        elif kind == "symdiff":
            env[op[1]] = env[op[2]] ^ env[op[3]]
        elif kind == "update":
            env[op[1]] |= env[op[2]]
        elif kind == "inter_update":
            env[op[1]].intersection_update(*[env[n] for n in op[2:]])
        elif kind == "diff_update":
            env[op[1]] -= env[op[2]]
        elif kind == "symdiff_update":
            env[op[1]] ^= env[op[2]]
        elif kind == "same":
            a = env[op[3]]
            env[op[2]] = {"|": a | a, "&": a & a, "-": a - a, "^": a ^ a}[op[1]]
        elif kind == "check":
            items = list(env[op[1]])
            if len(items) <= BIG:
                expect.append({"list": items})
            else:
                expect.append({"len": len(items), "head": items[:20], "digest": digest(items)})
        else:
            raise ValueError(kind)
    return expect


# Ints whose hashes collide or cluster: -1 and -2 both hash to -2,
# 2**61-1 hashes to 0, 2**61 to 1, multiples of table sizes share slots.
SPECIAL = [-1, -2, 2**61 - 1, 2**61, 2**61 + 8, -(2**61) + 1, 2**62, -(2**62), 2**63 - 1]


def int_pool(rng):
    pool = list(range(-5, 40))
    pool += [8 * i for i in range(1, 12)] + [32 * i for i in range(1, 8)] + [64 * i for i in range(1, 6)]
    pool += SPECIAL
    pool += [rng.randrange(-(2**63), 2**63) for _ in range(20)]
    return pool


CHARS = "abcxyz019_" + "éßü" + "αβγ" + "中文字" + "\U0001f600\U0001f40d"


def str_pool(rng):
    pool = ["", "a", "b", "ab", "ba", "abc"]
    for _ in range(60):
        pool.append("".join(rng.choice(CHARS) for _ in range(rng.randint(1, 6))))
    return sorted(set(pool), key=pool.index)


def random_case(rng, pool, n_ops):
    ops = [["new", "a"], ["new", "b"]]
    for _ in range(n_ops):
        r = rng.random()
        name = rng.choice("ab")
        if r < 0.45:
            ops.append(["adds", name, [rng.choice(pool) for _ in range(rng.randint(1, 8))]])
        elif r < 0.65:
            ops.append(["discards", name, [rng.choice(pool) for _ in range(rng.randint(1, 6))]])
        elif r < 0.72:
            ops.append(["adds", name, [rng.choice(pool)]])
            ops.append(["pop", name])
        elif r < 0.74:
            ops.append(["clear", name])
        elif r < 0.80:
            ops.append(["copy", "c", name])
            ops.append(["check", "c"])
        else:
            kind = rng.choice(["union", "inter", "diff", "symdiff", "update",
                               "inter_update", "diff_update", "symdiff_update"])
            other = "b" if name == "a" else "a"
            if kind in ("union", "inter", "diff", "symdiff"):
                ops.append([kind, "c", name, other])
                ops.append(["check", "c"])
            else:
                ops.append([kind, name, other])
        ops.append(["check", name])
    return ops


def cases():
    rng = random.Random(20240611)
    out = []

    # Resize thresholds: check after every add up to 40 elements, then a
    # few thousand; also the same with keys colliding mod 8 and 32.
    for step in (1, 8, 32, 1 << 20):
        ops = [["new", "a"]]
        for k in range(40):
            ops.append(["adds", "a", [k * step]])
            ops.append(["check", "a"])
        out.append({"name": f"grow_step_{step}", "ops": ops})
    ops = [["new", "a"], ["add_range", "a", 0, 3000, 1], ["check", "a"],
           ["add_range", "a", 3000, 3000 * 7, 7], ["check", "a"]]
    out.append({"name": "grow_big_dense", "ops": ops})

    # Past 50000 elements the growth rule changes to used*2.
    ops = [["new", "a"]]
    for stop in (49000, 50001, 50002, 60000, 100000, 140000):
        ops.append(["add_range", "a", 0, stop * 3, 3])
        ops.append(["check", "a"])
    ops += [["discard_range", "a", 0, 300000, 6], ["check", "a"],
            ["add_range", "a", 1, 30000, 2], ["check", "a"],
            ["copy", "b", "a"], ["check", "b"],
            ["pop", "a"], ["pop", "a"], ["pop", "b"], ["check", "a"]]
    out.append({"name": "past_50000", "ops": ops})

    # Dummy reuse: the last dummy on the probe path is reused (3.11).
    ops = [["new", "a"], ["add_range", "a", 100, 120, 1],  # 32+ slots
           ["adds", "a", [0, 64, 128, 192]],
           ["discards", "a", [0, 128]], ["check", "a"],
           ["adds", "a", [256]], ["check", "a"],
           ["adds", "a", [320]], ["check", "a"],
           ["adds", "a", [0]], ["check", "a"]]
    out.append({"name": "dummy_reuse", "ops": ops})

    # Colliding hashes with unequal keys.
    ops = [["new", "a"], ["adds", "a", [-1, -2, 2**61 - 1, 0, 2**61, 1, -2, -1]], ["check", "a"],
           ["discards", "a", [-2, 0]], ["check", "a"],
           ["adds", "a", [-2, 0, 2**61 + 2**61 - 1]], ["check", "a"]]
    out.append({"name": "collisions", "ops": ops})

    # pop's finger, wrap-around, and clear (which keeps the finger).
    ops = [["new", "a"], ["adds", "a", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]]
    ops += [["pop", "a"]] * 4 + [["check", "a"], ["adds", "a", [1, 2, 40]]]
    ops += [["pop", "a"]] * 5 + [["check", "a"], ["clear", "a"], ["adds", "a", [0, 1, 2, 3, 4]]]
    ops += [["pop", "a"]] * 3 + [["check", "a"]]
    out.append({"name": "pop_finger", "ops": ops})

    # Copies of sets with and without dummies, of different fills.
    for n in (3, 5, 18, 19, 100, 1000):
        ops = [["new", "a"], ["add_range", "a", 0, n * 13, 13], ["copy", "b", "a"], ["check", "b"],
               ["discard_range", "a", 0, n * 13, 26], ["copy", "c", "a"], ["check", "c"],
               ["same", "|", "d", "a"], ["check", "d"], ["same", "&", "d", "a"], ["check", "d"],
               ["same", "-", "d", "a"], ["check", "d"], ["same", "^", "d", "a"], ["check", "d"]]
        out.append({"name": f"copy_{n}", "ops": ops})

    # Bulk operations on sets of contrasting sizes (intersection iterates
    # the smaller; difference copies when len(a) >> 2 > len(b);
    # difference_update intersects first when len(b) >> 3 > len(a)).
    sizes = [0, 1, 3, 7, 20, 90, 400, 3000]
    for na in sizes:
        for nb in sizes:
            sa, sb = rng.randrange(1, 50), rng.randrange(1, 50)
            oa, ob = rng.randrange(0, 100), rng.randrange(0, 100)
            ops = [["new", "a"], ["add_range", "a", oa, oa + na * sa, sa],
                   ["new", "b"], ["add_range", "b", ob, ob + nb * sb, sb]]
            for kind in ("union", "inter", "diff", "symdiff"):
                ops += [[kind, "c", "a", "b"], ["check", "c"], [kind, "c", "b", "a"], ["check", "c"]]
            for kind in ("update", "inter_update", "diff_update", "symdiff_update"):
                ops += [["copy", "x", "a"], [kind, "x", "b"], ["check", "x"],
                        ["copy", "y", "b"], [kind, "y", "a"], ["check", "y"]]
            out.append({"name": f"bulk_{na}_{nb}", "ops": ops})

    # Multi-argument forms.
    ops = [["new", "a"], ["add_range", "a", 0, 500, 3], ["new", "b"], ["add_range", "b", 0, 500, 5],
           ["new", "c"], ["add_range", "c", 0, 500, 7],
           ["union", "d", "a", "b", "c"], ["check", "d"],
           ["inter", "d", "a", "b", "c"], ["check", "d"],
           ["inter", "d", "a"], ["check", "d"],
           ["diff", "d", "a", "b", "c"], ["check", "d"],
           ["copy", "e", "a"], ["inter_update", "e", "c", "b"], ["check", "e"]]
    out.append({"name": "multi", "ops": ops})

    # Random sequences on ints and on strings.
    for i in range(30):
        pool = int_pool(rng)
        out.append({"name": f"random_int_{i}", "ops": random_case(rng, pool, rng.randint(10, 40))})
    for i in range(30):
        pool = str_pool(rng)
        out.append({"name": f"random_str_{i}", "ops": random_case(rng, pool, rng.randint(10, 40))})
    for i in range(8):
        pool = int_pool(rng) + str_pool(rng)
        out.append({"name": f"random_mixed_{i}", "ops": random_case(rng, pool, rng.randint(20, 50))})
    return out


def main():
    out = []
    for case in cases():
        case["expect"] = run(case["ops"])
        out.append(case)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(json.dumps({
            "generator": "scripts/gen_set_fixtures.py (python3.11, PYTHONHASHSEED=0); do not edit",
            "cases": out,
        }, ensure_ascii=False, separators=(",", ":")))
        f.write("\n")
    print(f"{len(out)} cases, {sum(len(c['expect']) for c in out)} expectations -> {OUT}")


if __name__ == "__main__":
    main()
