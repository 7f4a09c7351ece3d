#!/usr/bin/env python3.11
"""Differential check of pycvm's _elementtree against CPython 3.11.

    python3.11 scripts/etree_compare.py [--pycvm PATH] [PROGRAM.py ...]

Compiles each program (default: fixtures/run/h15et_*.py and the other
fixtures/run programs that use xml.etree) to a temporary .pyc, runs it under
python3.11 and pycvm with PYTHONHASHSEED=0, and prints a unified diff of
their stdout+stderr where they differ (object addresses, `at 0x...`, are
masked). Exits 1 if any program differs. Not part of the tests: the
fixtures hold CPython's outputs for `cargo test`.
"""
import difflib
import glob
import os
import py_compile
import re
import subprocess
import sys
import tempfile

assert sys.version_info[:2] == (3, 11), "run with python3.11"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = sys.argv[1:]
pycvm = os.path.join(ROOT, "target", "release", "pycvm")
if args[:1] == ["--pycvm"]:
    pycvm, args = args[1], args[2:]
progs = args or sorted(
    p for p in glob.glob(os.path.join(ROOT, "fixtures", "run", "*.py"))
    if "etree" in open(p, encoding="utf-8").read())
env = dict(os.environ, PYTHONHASHSEED="0", PYTHONIOENCODING="utf-8")
addr = re.compile(r"0x[0-9a-f]+")
bad = 0
with tempfile.TemporaryDirectory() as tmp:
    for prog in progs:
        pyc = os.path.join(tmp, os.path.basename(prog) + "c")
        py_compile.compile(prog, cfile=pyc, dfile=os.path.relpath(prog, ROOT), doraise=True)
        outs = []
        for cmd in ([sys.executable, pyc], [pycvm, "run", pyc]):
            r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                               stdin=subprocess.DEVNULL, timeout=120)
            outs.append(addr.sub("0x?", r.stdout + r.stderr).splitlines())
        if outs[0] != outs[1]:
            bad += 1
            print(f"DIFF {prog}")
            sys.stdout.writelines(l + "\n" for l in difflib.unified_diff(
                outs[0], outs[1], "cpython", "pycvm", lineterm="", n=1))
        else:
            print(f"same {os.path.relpath(prog, ROOT)}")
sys.exit(1 if bad else 0)
