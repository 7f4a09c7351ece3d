# import: the first import of stdlib modules (collections, json, re, dataclasses, enum,
# typing, argparse, datetime, decimal) from CPython's __pycache__ .pyc files: finding them,
# reading and unmarshalling the code, running the module bodies (class creation, regex
# compilation). Each round removes from sys.modules every module but a fixed core (the same
# list under both interpreters, whatever each loaded at start-up) and imports again.
import sys

ROUNDS = 50
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    ROUNDS //= 50

MODS = ["collections", "json", "re", "dataclasses", "enum", "typing", "argparse",
        "datetime", "decimal"]

# Modules every round keeps (what both interpreters may have loaded before the program).
KEEP = {
    "__main__", "builtins", "sys", "_imp", "_thread", "_warnings", "_weakref", "_io",
    "marshal", "posix", "_frozen_importlib", "_frozen_importlib_external", "time",
    "zipimport", "gc", "_signal", "_abc", "abc", "io", "_codecs", "codecs", "encodings",
    "encodings.aliases", "encodings.utf_8", "_stat", "stat", "os", "os.path", "posixpath",
    "genericpath", "_collections_abc", "_sitebuiltins", "site", "errno", "atexit",
}


def one_round():
    total = 0
    for name in MODS:
        __import__(name)
        total += len(sys.modules[name].__name__)
    m = sys.modules
    text = m["json"].dumps({"k": [1, 2.5, None, "x"]}, sort_keys=True)
    sub = m["re"].sub(r"(\w+)", r"<\1>", "import the stdlib")
    dec = str(m["decimal"].Decimal("1.10") * 3)
    day = m["datetime"].date(2024, 2, 29).isoformat()
    common = m["collections"].Counter("abracadabra").most_common(2)
    color = m["enum"].Enum("Color", "RED GREEN BLUE")
    point = m["dataclasses"].make_dataclass("Point", ["x", "y"])
    parser = m["argparse"].ArgumentParser(prog="p")
    parser.add_argument("--n", type=int, default=3)
    ns = parser.parse_args(["--n", "7"])
    hint = m["typing"].Optional[int]
    results = [text, sub, dec, day, repr(common), repr(color.GREEN), repr(point(1, 2)),
               str(ns.n), repr(hint)]
    for k in list(sys.modules):
        if k not in KEEP:
            del sys.modules[k]
    return total, results


checksum = 0
results = []
for _ in range(ROUNDS):
    t, results = one_round()
    checksum += t + sum(len(r) for r in results)
for r in results:
    print(r)
print(checksum)
