#!/usr/bin/env python3.11
"""Generate the hand-made damaged .pyc files of fixtures/fuzz/ (the crash
inputs found by fuzzing are copied there from fuzz/artifacts/ by hand).

    python3.11 scripts/gen_fuzz_fixtures.py

Each file is a CPython 3.11 header plus a marshal body built here; the
tests in tests/fuzz_regressions.rs give them to `pycvm run`, `dis` and
`inspect` and to the library calls the fuzz targets make.
"""
import importlib.util
import marshal
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "fuzz")
HEADER = importlib.util.MAGIC_NUMBER + bytes(12)


def code(src, name="<module>"):
    return compile(src, f"fixtures/fuzz/{name}.py", "exec")


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    base = code("x = 1\nprint(x)\n", "base")
    good = HEADER + marshal.dumps(base)
    write("hand_zero_length.pyc", b"")
    write("hand_header_only.pyc", HEADER)
    write("hand_truncated_body.pyc", good[: len(good) // 2])
    # Every bit of the first code-object field flipped in turn is too
    # many files: flip one bit in the type byte, one in co_code's length.
    flipped = bytearray(good)
    flipped[16] ^= 0x04
    write("hand_bitflip_type.pyc", bytes(flipped))
    body = marshal.dumps(base)
    # co_code is the first bytes object: 's' + 4-byte length.
    at = 16 + body.index(b"s")
    flipped = bytearray(good)
    flipped[at + 4] ^= 0x40
    write("hand_bitflip_code_length.pyc", bytes(flipped))
    # Length fields claiming ~2 GiB and 4 GiB.
    for name, n in (("hand_huge_bytes_length.pyc", 0x7FFFFFFF), ("hand_negative_tuple_length.pyc", -1)):
        tc = b"s" if "bytes" in name else b"("
        write(name, HEADER + tc + struct.pack("<i", n) + b"\0" * 8)
    write("hand_huge_list_length.pyc", HEADER + b"[" + struct.pack("<i", 0x7FFFFFF0) + b"N" * 64)
    # (The 10**6-deep tuple and list nests are made by the tests: 2-5 MB.)
    # Code objects with absurd counts.
    write("hand_stacksize_2_31.pyc", HEADER + marshal.dumps(base.replace(co_stacksize=2**31 - 1)))
    write("hand_stacksize_2_30.pyc", HEADER + marshal.dumps(base.replace(co_stacksize=2**30)))
    write("hand_stacksize_zero.pyc", HEADER + marshal.dumps(base.replace(co_stacksize=0)))
    raw = bytearray(marshal.dumps(base))
    # co_stacksize is the 4th int after 'c'/0xe3: patch it to -1.
    struct.pack_into("<i", raw, 1 + 12, -1)
    write("hand_stacksize_negative.pyc", HEADER + bytes(raw))
    fn = code("def f(a, b):\n    return a + b\nprint(f(1, 2))\n", "func")
    raw = marshal.dumps(fn)
    # The inner code object: 'c' (with the ref flag) then argcount 2,
    # posonlyargcount 0, kwonlyargcount 0, stacksize.
    at = raw.index(struct.pack("<iii", 2, 0, 0), 17) - 1
    assert raw[at] & 0x7F == ord("c"), raw[at]
    for name, field, value in (
        ("hand_argcount_2_31.pyc", 0, 2**31 - 1),
        ("hand_kwonly_2_31.pyc", 2, 2**31 - 1),
        ("hand_inner_stacksize_2_31.pyc", 3, 2**31 - 1),
        ("hand_argcount_negative.pyc", 0, -5),
    ):
        patched = bytearray(raw)
        struct.pack_into("<i", patched, at + 1 + 4 * field, value)
        write(name, HEADER + bytes(patched))
    many = code("def f(a, b):\n    return a + b\nprint(f(1, 2))\n", "func")
    inner = many.co_consts[0]
    big = inner.replace(co_varnames=tuple(f"v{i}" for i in range(70000)), co_nlocals=70000)
    write("hand_nlocals_70000.pyc", HEADER + marshal.dumps(many.replace(co_consts=tuple(big if c is inner else c for c in many.co_consts))))
    # Small programs for the untrusted runner's own tests.
    for name, src in (
        ("caught_budget", "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass\n"),
        ("open", "open('x', 'w')\n"),
        ("import", "import os\n"),
        ("exec_import", "exec('import os', {})\n"),
        ("sum", "print(sum(range(10)))\n"),
        # Found by mutate_code: more defaults than parameters made the
        # "takes from N to M positional arguments" message underflow.
        ("defaults_longer", "def f(a):\n    pass\nf.__defaults__ = (1, 2, 3)\ntry:\n    f(1, 2, 3, 4)\nexcept TypeError as e:\n    print(e)\n"),
    ):
        write(f"src_{name}.pyc", HEADER + marshal.dumps(code(src, name)))
    # A first line of 2**31 - 1 and a location table that jumps by -2**31.
    write("hand_firstlineno_max.pyc", HEADER + marshal.dumps(base.replace(co_firstlineno=2**31 - 1)))


if __name__ == "__main__":
    main()
