#!/usr/bin/env python3.11
"""Cyclic-garbage soak: peak memory of benches/gc_soak.py under pycvm and CPython 3.11.

    scripts/bench_gc_soak.py [--count N] [--pycvm PATH]

benches/gc_soak.py builds N objects (default 10 million) in reference cycles (a list
containing itself, two instances referring to each other) and drops them. Reference
counting frees none of them; the cycle collector has to. The program is compiled with
py_compile (dfile = the repo-relative path) into a temporary directory, then run once by
`python3.11` and once by pycvm (default target/release/pycvm) under `/usr/bin/time -v`;
the report gives wall time and peak RSS ("Maximum resident set size") for each. pycvm's
stdout must equal CPython's. A bounded peak (a few tens of MB, independent of N) is the
pass criterion; the script exits 1 when pycvm's peak exceeds --limit-mb (default 64).
"""

import argparse
import os
import py_compile
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def measure(cmd):
    r = subprocess.run(
        ["/usr/bin/time", "-v", *cmd],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONHASHSEED="0"),
    )
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", r.stderr)
    secs = 0.0
    if wall:
        for part in wall.group(1).split(":"):
            secs = secs * 60 + float(part)
    return r.returncode, r.stdout, int(rss.group(1)) / 1024 if rss else float("nan"), secs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=10_000_000)
    ap.add_argument("--pycvm", default=os.path.join(ROOT, "target", "release", "pycvm"))
    ap.add_argument("--limit-mb", type=float, default=64.0)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pyc = os.path.join(tmp, "gc_soak.pyc")
        py_compile.compile(
            os.path.join(ROOT, "benches", "gc_soak.py"), cfile=pyc, dfile="benches/gc_soak.py"
        )
        rows = []
        for name, cmd in (
            ("CPython 3.11", ["python3.11", pyc, str(a.count)]),
            ("pycvm", [a.pycvm, "run", pyc, str(a.count)]),
        ):
            print(f"running {name}...", file=sys.stderr)
            rows.append((name, *measure(cmd)))
    print(f"| {a.count:,} cyclic objects | exit | wall s | peak RSS MB |")
    print("|---|---|---|---|")
    for name, rc, _, mb, secs in rows:
        print(f"| {name} | {rc} | {secs:.2f} | {mb:.1f} |")
    same = rows[0][2] == rows[1][2]
    if not same:
        print("MISMATCH: pycvm's stdout differs from CPython's")
    ok = same and rows[1][1] == 0 and rows[1][3] <= a.limit_mb
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
