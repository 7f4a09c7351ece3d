#!/usr/bin/env python3.11
"""Compare pycvm's decimal with CPython 3.11's C _decimal on random cases (DEC_SEED, DEC_N).

    python3.11 scripts/decimal_compare.py --pycvm target/release/pycvm [CASES.py]

Runs CASES.py (default scripts/decimal_cases.py) under python3.11 and, compiled,
under pycvm (PYTHONHASHSEED=0 for both) and prints the lines that differ; exits 1
when any do.
"""
import argparse
import os
import py_compile
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pycvm", required=True)
    ap.add_argument("cases", nargs="?", default=os.path.join(HERE, "decimal_cases.py"))
    a = ap.parse_args()
    env = dict(os.environ, PYTHONHASHSEED="0")
    want = subprocess.run([sys.executable, a.cases], capture_output=True, text=True,
                          env=env)
    with tempfile.TemporaryDirectory() as d:
        pyc = os.path.join(d, "cases.pyc")
        py_compile.compile(a.cases, pyc, doraise=True)
        got = subprocess.run([a.pycvm, "run", pyc], capture_output=True, text=True,
                             env=env)
    w, g = want.stdout.splitlines(), got.stdout.splitlines()
    bad = 0
    for i in range(max(len(w), len(g))):
        x = w[i] if i < len(w) else "<missing>"
        y = g[i] if i < len(g) else "<missing>"
        if x != y:
            bad += 1
            if bad <= 40:
                print(f"line {i + 1}:\n  cpython: {x[:300]}\n  pycvm:   {y[:300]}")
    if got.stderr or want.stderr:
        print("stderr (cpython):", want.stderr[-2000:])
        print("stderr (pycvm):", got.stderr[-2000:])
    print(f"{len(w)} lines, {bad} differ")
    return 1 if bad or got.returncode != want.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
