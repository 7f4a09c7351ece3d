#!/usr/bin/env python3.11
"""Compile fixtures/faults/*.py (the programs tests/faults.rs runs) to .pyc beside them,
with the repo-relative path as the code's filename."""
import glob
import os
import py_compile
import sys

assert sys.version_info[:2] == (3, 11), "run with python3.11"
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
for src in sorted(glob.glob("fixtures/faults/*.py")):
    py_compile.compile(src, cfile=src + "c", dfile=src, doraise=True)
    print(src + "c")
