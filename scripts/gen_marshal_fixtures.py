#!/usr/bin/env python3.11
"""Generate the marshal fixtures in fixtures/marshal/.

Run from anywhere with python3.11:  python3.11 scripts/gen_marshal_fixtures.py

Writes:
  * fixtures/marshal/streams/NAME.bin: streams CPython 3.11 made, mostly with
    marshal.dumps(value) (version 4), for every type code 3.11 writes, plus
    streams in the codes 3.11 only reads (TYPE_INT64, TYPE_FLOAT,
    TYPE_COMPLEX, version < 4 strings and tuples) and code objects compiled
    from fixtures/marshal/src/*.py with their repo-relative file name;
  * fixtures/marshal/cases.json ({"generator", "cases"}): for every stream, what python3.11's
    marshal.loads() makes of it, as a structural dump (type name + value),
    whether the stream is marshal.dumps(value) at version 4 ("by_dumps": pycvm
    must then write it back byte for byte; CPython itself need not, as its
    reference flags follow reference counts), and the pairs of paths that are one and the
    same object ("identical": written once, then referred back to);
  * fixtures/marshal/errors.json ({"generator", "errors"}): malformed streams (hex) and the exception
    python3.11's marshal.loads() raises for each; "same_wording" is false
    where pycvm words the error its own way (it still must be an error).

Structural dump: {"t": type name, ...}: int {"v": decimal string}, float
{"bits": 16 hex digits of the IEEE double, big-endian}, complex {"re", "im"
as bits}, str {"wtf8": hex of utf-8/surrogatepass}, bytes {"hex"},
tuple/list/set/frozenset {"items"} (sets in the order marshal writes them), dict {"items": [[k, v], ...]}, code
{argcount, posonlyargcount, kwonlyargcount, stacksize, flags, firstlineno,
code, linetable, exceptiontable (hex), consts, names, varnames, cellvars,
freevars (dumps), filename, name, qualname (str dumps)}.
Paths: list indexes, "k"/"v" + index for dict items, "consts"/"names" for
code fields.
"""

import json
import marshal
import os
import shutil
import struct
import sys

if sys.version_info[:2] != (3, 11):
    sys.exit("run this script with python3.11")
# Set iteration order (hence the streams) depends on str hashes: fix the seed.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "fixtures", "marshal")
STREAMS = os.path.join(OUT, "streams")
SRC = os.path.join(OUT, "src")

GENERATOR = "scripts/gen_marshal_fixtures.py (do not edit)"


def fbits(x):
    return struct.pack(">d", x).hex()


def set_order(v):
    """The order marshal writes a set in (3.11, bpo-37596: sorted by each
    element's own marshal.dumps, so builds are reproducible)."""
    return sorted(v, key=marshal.dumps)


def dump(v):
    if v is None:
        return {"t": "NoneType"}
    if v is True or v is False:
        return {"t": "bool", "v": v}
    if v is Ellipsis:
        return {"t": "ellipsis"}
    if v is StopIteration:
        return {"t": "StopIteration"}
    t = type(v)
    if t is int:
        return {"t": "int", "v": str(v)}
    if t is float:
        return {"t": "float", "bits": fbits(v)}
    if t is complex:
        return {"t": "complex", "re": fbits(v.real), "im": fbits(v.imag)}
    if t is str:
        return {"t": "str", "wtf8": v.encode("utf-8", "surrogatepass").hex()}
    if t is bytes:
        return {"t": "bytes", "hex": v.hex()}
    if t in (tuple, list):
        return {"t": t.__name__, "items": [dump(x) for x in v]}
    if t in (set, frozenset):
        return {"t": t.__name__, "items": [dump(x) for x in set_order(v)]}
    if t is dict:
        return {"t": "dict", "items": [[dump(k), dump(x)] for k, x in v.items()]}
    if t is type(dump.__code__):
        return {
            "t": "code",
            "argcount": v.co_argcount,
            "posonlyargcount": v.co_posonlyargcount,
            "kwonlyargcount": v.co_kwonlyargcount,
            "stacksize": v.co_stacksize,
            "flags": v.co_flags,
            "firstlineno": v.co_firstlineno,
            "code": v.co_code.hex(),
            "linetable": v.co_linetable.hex(),
            "exceptiontable": v.co_exceptiontable.hex(),
            "consts": [dump(c) for c in v.co_consts],
            "names": [dump(c) for c in v.co_names],
            "varnames": [dump(c) for c in v.co_varnames],
            "cellvars": [dump(c) for c in v.co_cellvars],
            "freevars": [dump(c) for c in v.co_freevars],
            "filename": dump(v.co_filename),
            "name": dump(v.co_name),
            "qualname": dump(v.co_qualname),
        }
    raise TypeError(t)


def children(v):
    """(path element, child) in marshal's writing order."""
    t = type(v)
    if t in (tuple, list):
        return list(enumerate(v))
    if t in (set, frozenset):
        return list(enumerate(set_order(v)))
    if t is dict:
        out = []
        for i, (k, x) in enumerate(v.items()):
            out += [("k%d" % i, k), ("v%d" % i, x)]
        return out
    if t is type(dump.__code__):
        return [("consts", v.co_consts), ("names", v.co_names)]
    return []


def identical(v):
    """Pairs [first path, later path] of one object met twice in writing order."""
    seen, pairs = {}, []

    def walk(o, path):
        if o is None or o is True or o is False or o is Ellipsis or o is StopIteration:
            return
        if id(o) in seen:
            pairs.append([seen[id(o)], path])
            return  # marshal writes a reference, not the children
        seen[id(o)] = path
        for k, c in children(o):
            walk(c, path + [k])

    walk(v, [])
    return pairs


def values():
    big = [0, 1, -1, 5, -5, 255, 256, 257, 2**15 - 1, 2**15, 2**30, 2**31 - 1,
           -2**31, 2**31, -2**31 - 1, 2**32, 2**45, 2**60 - 1, 2**60, 2**62,
           2**63 - 1, -2**63, 2**63, -2**63 - 1, 2**64, -2**64, 2**75, 10**50,
           -(10**50), 7**300]
    for i, n in enumerate(big):
        yield "int_%02d" % i, n
    floats = [0.0, -0.0, 1.5, -2.25, 0.1, 1e300, 5e-324, float("inf"),
              float("-inf"), float("nan"), 2.0**63]
    for i, f in enumerate(floats):
        yield "float_%02d" % i, f
    for i, c in enumerate([1 + 2j, complex(-0.0, -0.0), complex(float("inf"), float("nan")), 1e-300j]):
        yield "complex_%02d" % i, c
    yield "none", None
    yield "true", True
    yield "false", False
    yield "ellipsis", Ellipsis
    yield "stopiteration", StopIteration
    yield "bytes_empty", b""
    yield "bytes_abc", b"abc"
    yield "bytes_all", bytes(range(256))
    yield "bytes_big", b"x" * 70000
    strs = ["", "a", "hello", "x" * 255, "x" * 256, "y" * 1000, "\xe9", "na\xefve",
            "\u65e5\u672c\u8a9e", "\U0001f600", "\ud800", "a\udcffb", "\ud83d\ude00",
            "\xe9" * 300, "\xff", "\x00\x7f"]
    for i, s in enumerate(strs):
        # Build at run time so none is interned by the compiler.
        yield "str_%02d" % i, "".join(list(s))
    yield "str_interned_ascii", sys.intern("interned_name_" + str(len(strs)))
    yield "str_interned_long_ascii", sys.intern("L" * 300 + "x")
    yield "str_interned_nonascii", sys.intern("\xf1ame" + str(1))
    yield "tuple_empty", ()
    yield "tuple_one", (1,)
    yield "tuple_300", tuple(range(300))
    yield "tuple_nested", ((), ((),), (((),),))
    deep = ()
    for _ in range(60):
        deep = (deep, 1.5)
    yield "tuple_deep60", deep
    yield "list_empty", []
    yield "list_nested", [1, [2, [3, []]], "s"]
    yield "list_300", [x * 1.5 for x in range(300)]
    yield "dict_empty", {}
    yield "dict_simple", {"a": 1, "b": [1, 2], 3: None, 4.5: b"x"}
    yield "dict_nested", {1: {2: {}}, (1, 2): frozenset({3})}
    yield "set_empty", set()
    yield "set_ints", {1, 2, 3, 1000, -7}
    yield "frozenset_empty", frozenset()
    yield "frozenset_strs", frozenset({"a", "b", "ccc"})
    yield "frozenset_mixed", frozenset({(1, 2), 3.5, "x", None})
    shared = "".join(["sha", "red"])
    yield "refs_str", (shared, shared, [shared, shared])
    lst = [1]
    yield "refs_list", (lst, lst, {"k": lst})
    f = 1.5
    yield "refs_float", (f, f, f)
    t = (1, "two", 3.0)
    yield "refs_tuple", (t, [t], {"k": t}, frozenset({t}))
    fs = frozenset({1, 2})
    yield "refs_frozenset", [fs, (fs, fs)]
    yield "refs_smallints", [1, 1, 2, 300, 300, -5, -5]
    yield "mixed", {"name": "x", "vals": [1, 2.5, 3j, None, True, b"b", ("t",)], "s": {4}}


def code_values():
    os.makedirs(SRC, exist_ok=True)
    for name in sorted(os.listdir(SRC)):
        if not name.endswith(".py"):
            continue
        rel = "fixtures/marshal/src/" + name
        with open(os.path.join(SRC, name), encoding="utf-8") as fh:
            source = fh.read()
        yield "code_" + name[:-3], compile(source, rel, "exec")


SOURCES = {
    "simple.py": "x = 1\nprint(x + 2)\n",
    "functions.py": '''\
import os
from sys import argv as _argv


def f(a, b=2, /, c=3, *args, d, e=5, **kw):
    """Docstring."""
    total = a + b + c + d + e
    for x in args:
        total += x
    return total, kw


def outer(n):
    count = 0

    def inner(k):
        nonlocal count
        count += k
        return count * n

    return inner


class C:
    attr = 1.5

    def method(self):
        return [i * 2 for i in range(self.attr and 3)]

    @property
    def prop(self):
        try:
            return 1 / 0
        except ZeroDivisionError as exc:
            return str(exc)
        finally:
            pass


async def coro(xs):
    async for x in xs:
        yield x


def gen():
    yield from range(3)
    big = 123456789012345678901234567890
    return {"a": (1, 2), "b": frozenset({3, 4}), "c": -0.0, "d": 1 + 2j, "e": big}


s = "h\\xe9llo \\U0001f600"
b = b"\\x00\\xff"
e = ...
if 3 in {1, 2, 3}:
    pass
''',
}


def main():
    shutil.rmtree(STREAMS, ignore_errors=True)
    os.makedirs(STREAMS)
    os.makedirs(SRC, exist_ok=True)
    for name, text in SOURCES.items():
        with open(os.path.join(SRC, name), "w", encoding="utf-8") as fh:
            fh.write(text)

    cases = []

    def add(name, stream, ident=None, value=None):
        """value: what marshal.dumps wrote the stream from (its set order is
        the stream's); else the stream is crafted and described as loaded."""
        with open(os.path.join(STREAMS, name + ".bin"), "wb") as fh:
            fh.write(stream)
        loaded = marshal.loads(stream)
        by_dumps = value is not None
        if by_dumps:
            assert marshal.loads(marshal.dumps(value)) == loaded or value != value
        cases.append({
            "name": name,
            "file": "streams/%s.bin" % name,
            "value": dump(value if by_dumps else loaded),
            "by_dumps": by_dumps,
            "identical": ident or [],
        })

    for name, v in list(values()) + list(code_values()):
        add(name, marshal.dumps(v), identical(v), value=v)

    # Codes 3.11 reads but does not write (by default).
    for i, n in enumerate([0, 1, -1, 2**40, -2**63, 2**63 - 1]):
        add("int64_%02d" % i, b"I" + struct.pack("<q", n))
    for i, v in enumerate([1.5, -0.0, float("inf"), float("nan"), 1e-310, 3 + 4j, complex(-1.5, 2e300)]):
        add("v1_float_%02d" % i, marshal.dumps(v, 1))
    for name, text in [("f_nul", b"f\x041.5\x00"), ("f_exp", b"f\x051E+10"), ("f_infinity", b"f\x09-Infinity"),
                       ("f_dot", b"f\x02.5"), ("x_text", b"x\x031.5\x04-2.5")]:
        add("text_" + name, text)
    for v in [("abc", "d\xe9f", ("t",)), "ascii via unicode"]:
        for ver in (0, 2, 3):
            add("v%d_%s" % (ver, "tuple" if isinstance(v, tuple) else "str"), marshal.dumps(v, ver))
    add("latin1_in_ascii", b"z\x03a\xe9\xff")
    add("latin1_in_long_ascii", b"a\x03\x00\x00\x00a\xe9\xff")
    add("flagged_none", b"\xce")
    add("trailing_bytes", b"N\xffjunk")
    add("long_small_from_digits", b"l\x02\x00\x00\x00\x01\x00\xff\x7f")
    add("long_negative_zero_top", b"l\xfe\xff\xff\xff\x01\x00\x01\x00")
    add("dict_null_value", b"{i\x01\x00\x00\x000")
    add("int_flagged_then_ref", b"[\x02\x00\x00\x00\xe9\x07\x00\x00\x00r\x00\x00\x00\x00")

    with open(os.path.join(OUT, "cases.json"), "w") as fh:
        json.dump({"generator": GENERATOR, "cases": cases}, fh, indent=1)
        fh.write("\n")

    errors = []

    def bad(name, stream, same_wording=True):
        try:
            marshal.loads(stream)
        except Exception as exc:  # noqa: BLE001 - we record whatever CPython raises
            errors.append({"name": name, "hex": stream.hex(), "error": type(exc).__name__,
                           "message": str(exc), "same_wording": same_wording})
        else:
            raise SystemExit("expected an error for %s" % name)

    bad("empty", b"")
    bad("short_ascii_no_len", b"Z")
    bad("short_ascii_short", b"Z\x05ab")
    bad("int_short", b"i\x01\x02")
    bad("binary_float_short", b"g\x00")
    bad("small_tuple_no_len", b")")
    bad("tuple_no_len", b"(")
    bad("unknown_code", b"\x7f")
    bad("unknown_code_flagged", b"\x88\x01", same_wording=False)
    bad("ref_empty_table", b"r\x00\x00\x00\x00")
    bad("ref_out_of_range", b")\x02\xe9\x01\x00\x00\x00r\x01\x00\x00\x00")
    bad("ref_negative", b")\x02\xe9\x01\x00\x00\x00r\xff\xff\xff\xff")
    bad("ref_to_unfinished_code", b"\xe3" + b"\x00" * 20 + b"r\x00\x00\x00\x00")
    bad("long_unnormalized", b"l\x01\x00\x00\x00\x00\x00")
    bad("long_digit_range", b"l\x01\x00\x00\x00\x00\x80")
    bad("long_size_range", b"l\x00\x00\x00\x80")
    bad("long_short", b"l\x03\x00\x00\x00\x01\x00")
    bad("bad_utf8", b"u\x02\x00\x00\x00\xe9\xff")
    bad("bad_utf8_start", b"u\x01\x00\x00\x00\xff")
    bad("bad_float", b"f\x03abc")
    bad("null_list", b"[\x01\x00\x00\x000")
    bad("null_tuple", b")\x010")
    bad("null_set", b"<\x01\x00\x00\x000")
    bad("null_top", b"0")
    bad("unhashable_set", b"<\x01\x00\x00\x00[\x00\x00\x00\x00")
    bad("unhashable_key", b"{[\x00\x00\x00\x00N0")
    bad("unhashable_in_tuple", b">\x01\x00\x00\x00)\x01[\x00\x00\x00\x00")
    bad("recursion", b")\x01" * 2000 + b"N")
    bad("tuple_size_negative", b"(\xff\xff\xff\xff")
    bad("list_size_negative", b"[\x00\x00\x00\x80")
    bad("set_size_negative", b"<\xff\xff\xff\xff")
    bad("bytes_size_negative", b"s\xff\xff\xff\xff")
    bad("string_size_negative", b"u\xff\xff\xff\xff")
    bad("ascii_size_negative", b"a\xff\xff\xff\xff")
    bad("bytes_too_long", b"s\xff\xff\xff\x7f")
    code = marshal.dumps(compile("x = 1", "fixtures/marshal/src/x.py", "exec"))
    # co_code (first object after the five longs) as a str, not bytes (the
    # replacement keeps the reference flag, so later indexes still match).
    i = 21
    assert code[i] == ord("s") | 0x80
    n = struct.unpack("<i", code[i + 1:i + 5])[0]
    bad("code_code_not_bytes", code[:i] + b"\xfa\x02ab" + code[i + 5 + n:], same_wording=False)
    bad("code_code_odd", code[:i + 1] + struct.pack("<i", n - 1) + code[i + 5:i + 4 + n] + code[i + 5 + n:])
    # co_argcount 1 with no local names.
    bad("code_varnames_too_small", code[:1] + struct.pack("<i", 1) + code[5:])
    bad("code_truncated", code[:len(code) // 2])

    with open(os.path.join(OUT, "errors.json"), "w") as fh:
        json.dump({"generator": GENERATOR, "errors": errors}, fh, indent=1)
        fh.write("\n")
    print("wrote %d cases, %d error cases to %s" % (len(cases), len(errors), OUT))


if __name__ == "__main__":
    main()
