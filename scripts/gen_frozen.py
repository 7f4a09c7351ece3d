#!/usr/bin/env python3.11
"""Freeze CPython 3.11's importlib bootstrap for pycvm.

Writes src/import/frozen/<name>.marshal: the marshalled code object of each
module CPython 3.11 itself freezes for its import system, compiled from the
installed 3.11 stdlib with the filename CPython gives frozen modules
("<frozen importlib._bootstrap>"), exactly as Tools/scripts/freeze_modules.py
does. Run with python3.11; the output is committed (generated, do not edit).
"""
import marshal
import os
import sys

assert sys.version_info[:2] == (3, 11), "run with python3.11"

MODULES = [
    # (frozen name, stdlib module it is made from)
    ("_frozen_importlib", "importlib._bootstrap"),
    ("_frozen_importlib_external", "importlib._bootstrap_external"),
    ("zipimport", "zipimport"),
]

out = os.path.join(os.path.dirname(__file__), "..", "src", "import", "frozen")
for frozen, source in MODULES:
    # The source file, not the frozen copy the running interpreter uses.
    lib = os.path.dirname(os.__file__)
    with open(os.path.join(lib, *source.split(".")) + ".py", "rb") as f:
        text = f.read()
    code = compile(text, f"<frozen {source}>", "exec", dont_inherit=True)
    path = os.path.join(out, f"{frozen}.marshal")
    with open(path, "wb") as f:
        f.write(marshal.dumps(code))
    print(f"{path}: {source} ({len(text)} bytes of source)")
