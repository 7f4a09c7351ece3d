#!/usr/bin/env python3
"""Seed the fuzz corpora (fuzz/corpus-work/TARGET, not committed) from the
CPython-made fixtures and the committed minimised corpus (fuzz/corpus/TARGET).

    python3 scripts/fuzz_seed.py [TARGET...]

header: the first 32 bytes of every fixture .pyc and fixtures/headers files;
marshal: the marshal bodies (after the 16-byte header) and
fixtures/marshal/streams; dis and verify_exec: whole .pyc files;
mutate_code: a few fixed scripts (its inputs are edit scripts, not files).
Files over 16 KB are left out (the targets run with -max_len 16384).
"""
import hashlib
import os
import random
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = ["header", "marshal", "dis", "verify_exec", "mutate_code"]
MAX = 16384


def files(*dirs, ext=None):
    for d in dirs:
        for base, _, names in os.walk(os.path.join(ROOT, d)):
            for n in sorted(names):
                if ext is None or n.endswith(ext):
                    yield os.path.join(base, n)


def pycs():
    yield from files("fixtures", "benches/programs", ext=".pyc")


def put(out, data, seen):
    if not data or len(data) > MAX:
        return
    h = hashlib.sha1(data).hexdigest()
    if h in seen:
        return
    seen.add(h)
    with open(os.path.join(out, h), "wb") as f:
        f.write(data)


def seeds(target):
    if target == "header":
        for p in pycs():
            with open(p, "rb") as f:
                yield f.read(32)
        for p in files("fixtures/headers/bad", "fixtures/headers/pyc"):
            with open(p, "rb") as f:
                yield f.read(32)
    elif target == "marshal":
        for p in pycs():
            with open(p, "rb") as f:
                yield f.read()[16:]
        for p in files("fixtures/marshal/streams"):
            with open(p, "rb") as f:
                yield f.read()
    elif target in ("dis", "verify_exec"):
        for p in pycs():
            with open(p, "rb") as f:
                yield f.read()
    elif target == "mutate_code":
        rng = random.Random(6)
        for n in (8, 16, 32, 64, 128, 256):
            for _ in range(20):
                yield bytes(rng.randrange(256) for _ in range(n))


def main():
    targets = sys.argv[1:] or TARGETS
    for t in targets:
        out = os.path.join(ROOT, "fuzz", "corpus-work", t)
        os.makedirs(out, exist_ok=True)
        seen = set(os.listdir(out))
        for data in seeds(t):
            put(out, data, seen)
        committed = os.path.join(ROOT, "fuzz", "corpus", t)
        if os.path.isdir(committed):
            for n in os.listdir(committed):
                if n not in seen:
                    shutil.copy(os.path.join(committed, n), os.path.join(out, n))
                    seen.add(n)
        print(f"{t}: {len(seen)} seeds in {os.path.relpath(out, ROOT)}")


if __name__ == "__main__":
    main()
