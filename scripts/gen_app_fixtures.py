#!/usr/bin/env python3.11
"""Compile the multi-module apps in fixtures/apps/ and record what CPython 3.11 prints.

Each app directory holds Python sources and, optionally, a RUN file with the interpreter
arguments (default: `main.pyc`). This script, run with python3.11:
  * removes old compiled files, then compiles every module into the layout CPython's import
    system reads: `__pycache__/NAME.cpython-311.pyc` beside each source, in the app's
    invalidation mode (MODES below; checked-hash by default, which survives a git checkout);
    `main.py` is also compiled to a sourceless `main.pyc` beside it;
  * `sourceless`: compiles `_src/**.py` into sourceless `NAME.pyc` files (no source beside);
  * `hashpyc`: compiles `unchecked.py` with an unchecked hash, then changes the source, so
    CPython runs the old bytecode;
  * runs `python3.11 ARGS` in the app directory (PYTHONHASHSEED=0, no bytecode writing) and
    writes expected.stdout, expected.stderr, expected.exit with the app's absolute path
    replaced by `$APP`.
Usage: python3.11 scripts/gen_app_fixtures.py [APP ...]
"""
import os
import pathlib
import py_compile
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
APPS = ROOT / "fixtures" / "apps"
MODES = {
    # Timestamp pycs: tests/apps.rs sets each source's mtime from its pyc header first.
    "circular": py_compile.PycInvalidationMode.TIMESTAMP,
}
UNCHECKED_SOURCE_AFTER = 'VALUE = "the source changed after compiling; CPython keeps the pyc"\n'


def clean(app):
    for p in sorted(app.rglob("__pycache__"), reverse=True):
        shutil.rmtree(p)
    for p in app.rglob("*.pyc"):
        p.unlink()


def compile_file(src, cfile, dfile, mode):
    py_compile.compile(str(src), cfile=str(cfile), dfile=dfile, doraise=True,
                       invalidation_mode=mode)


def compile_app(app):
    mode = MODES.get(app.name, py_compile.PycInvalidationMode.CHECKED_HASH)
    if app.name == "hashpyc":
        (app / "unchecked.py").write_text(
            'VALUE = "unchecked-hash pyc, compiled before the source changed"\n')
    for src in sorted(app.rglob("*.py")):
        rel = src.relative_to(app)
        if rel.parts[0] == "_src":
            continue
        m = mode
        if app.name == "hashpyc" and rel.name == "unchecked.py":
            m = py_compile.PycInvalidationMode.UNCHECKED_HASH
        cache = src.parent / "__pycache__" / f"{src.stem}.cpython-311.pyc"
        compile_file(src, cache, str(rel), m)
        if rel == pathlib.Path("main.py"):
            compile_file(src, app / "main.pyc", "main.py", m)
    for src in sorted((app / "_src").rglob("*.py")) if (app / "_src").is_dir() else []:
        rel = src.relative_to(app / "_src")
        out = app / rel.with_suffix(".pyc")
        out.parent.mkdir(parents=True, exist_ok=True)
        compile_file(src, out, str(rel), mode)
    if app.name == "hashpyc":
        (app / "unchecked.py").write_text(UNCHECKED_SOURCE_AFTER)


def run_app(app):
    run = app / "RUN"
    args = run.read_text().split() if run.exists() else ["main.pyc"]
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONIOENCODING="utf-8",
               PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    r = subprocess.run([sys.executable, *args], cwd=app, env=env, capture_output=True,
                       stdin=subprocess.DEVNULL)
    here = str(app).encode()
    for ext, data in (("stdout", r.stdout), ("stderr", r.stderr)):
        (app / f"expected.{ext}").write_bytes(data.replace(here, b"$APP"))
    (app / "expected.exit").write_text(f"{r.returncode}\n")
    print(f"{app.name}: exit {r.returncode}, {len(r.stdout)} bytes of stdout")


def main():
    assert sys.version_info[:2] == (3, 11), "run with python3.11"
    names = sys.argv[1:] or sorted(p.name for p in APPS.iterdir() if p.is_dir())
    for name in names:
        app = APPS / name
        clean(app)
        compile_app(app)
        run_app(app)


main()
