#!/usr/bin/env python3.11
"""Time CPython 3.11's marshal.loads (and dumps) over every .pyc body of
its standard library, the way benches/marshal_decode.rs times pycvm.

Run: python3.11 scripts/bench_marshal.py

Same files (the stdlib's __pycache__/*.cpython-311.pyc without .opt-,
skipping test/, site-packages/, idle_test/ and lib2to3/tests/), same
method: bodies (after the 16-byte header) read into memory, one warm-up
pass, then ROUNDS passes each decoding every body once and dropping the
result; best and mean pass as MB/s (10^6 bytes per second) and files/s;
also all bodies decoded with the results kept alive, then dropped, timed apart.
"""

import marshal
import os
import sys
import sysconfig
import time

ROUNDS = 10

if sys.version_info[:2] != (3, 11):
    sys.exit("run this script with python3.11")


def stdlib_pycs(top):
    out = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in ("test", "site-packages", "idle_test")
            and not (d == "tests" and os.path.basename(dirpath) == "lib2to3")
        )
        if os.path.basename(dirpath) != "__pycache__":
            continue
        for f in sorted(filenames):
            if f.endswith(".cpython-311.pyc") and ".opt-" not in f:
                out.append(os.path.join(dirpath, f))
    return out


def report(what, times, nbytes, nfiles):
    best = min(times)
    mean = sum(times) / len(times)
    print("%s: best %.1f MB/s (%.0f files/s, %.2f ms/pass), mean %.1f MB/s"
          % (what, nbytes / best / 1e6, nfiles / best, best * 1e3, nbytes / mean / 1e6))


def main():
    top = sysconfig.get_paths()["stdlib"]
    bodies = []
    for p in stdlib_pycs(top):
        with open(p, "rb") as fh:
            data = fh.read()
        if len(data) >= 16:
            bodies.append(data[16:])
    nbytes = sum(map(len, bodies))
    print("%d .pyc bodies, %d bytes, from %s" % (len(bodies), nbytes, top))

    loads = marshal.loads
    objs = [loads(b) for b in bodies]  # warm-up
    times = []
    for _ in range(ROUNDS):
        t = time.perf_counter()
        for b in bodies:
            loads(b)
        times.append(time.perf_counter() - t)
    report("CPython %s marshal.loads" % sys.version.split()[0], times, nbytes, len(bodies))

    # All results kept alive (no memory reuse between files), then dropped.
    t_dec, t_drop = [], []
    for _ in range(ROUNDS):
        t = time.perf_counter()
        kept = [loads(b) for b in bodies]
        t_dec.append(time.perf_counter() - t)
        t = time.perf_counter()
        del kept
        t_drop.append(time.perf_counter() - t)
    report("  decode, results kept alive", t_dec, nbytes, len(bodies))
    report("  then dropping them", t_drop, nbytes, len(bodies))

    dumps = marshal.dumps
    times = []
    for _ in range(ROUNDS):
        t = time.perf_counter()
        for o in objs:
            dumps(o)
        times.append(time.perf_counter() - t)
    report("CPython %s marshal.dumps" % sys.version.split()[0], times, nbytes, len(objs))


if __name__ == "__main__":
    main()
