#!/usr/bin/env python3.11
"""Generate the expected outputs of pycvm's conformance corpus (fixtures/run/).

Run with CPython 3.11 from anywhere:

    python3.11 scripts/gen_run_fixtures.py [NAME...]

For each fixtures/run/NAME.py (or only the NAMEs given) it writes
  NAME.pyc     py_compile'd with dfile='fixtures/run/NAME.py' (repo-relative, so
               tracebacks are the same on any checkout) and UNCHECKED_HASH
               invalidation (so regeneration is byte-stable)
  NAME.stdout  what `python3.11 fixtures/run/NAME.pyc [ARGS]` printed, run from the
  NAME.stderr  repository root with PYTHONHASHSEED=0, PYTHONIOENCODING=utf-8, no
  NAME.exit    PYTHONUNBUFFERED and no stdin; .exit holds the exit status as text
               ("0\\n"); the standard library's directory is written `$STDLIB`
               (tracebacks through stdlib modules then hold wherever the stdlib is
               installed)
An optional NAME.args (written by hand) holds extra argv entries, one per line.

Each program is run twice; a program whose two runs differ is reported as
non-deterministic and the script exits 1. Outputs whose .py is gone are removed.
tests/run.rs compares `pycvm run` against these files.
"""

import concurrent.futures
import os
import py_compile
import subprocess
import sys
import warnings

assert sys.version_info[:2] == (3, 11), "run with python3.11"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REL = os.path.join("fixtures", "run")
DIR = os.path.join(ROOT, REL)
OUTPUTS = (".pyc", ".stdout", ".stderr", ".exit")
TIMEOUT = 10


def env():
    e = dict(os.environ)
    e["PYTHONHASHSEED"] = "0"
    e["PYTHONIOENCODING"] = "utf-8"
    # Without PYTHONUNBUFFERED (some machines set it) stdout is block-buffered, as for
    # any user piping a program's output: what os._exit or a signal cuts off is lost.
    for k in ("PYTHONDONTWRITEBYTECODE", "PYTHONWARNINGS", "PYTHONSTARTUP", "PYTHONINSPECT",
              "PYTHONUNBUFFERED"):
        e.pop(k, None)
    return e


def args_of(name):
    p = os.path.join(DIR, name + ".args")
    if not os.path.exists(p):
        return []
    with open(p, encoding="utf-8") as f:
        return f.read().splitlines()


def run_once(name):
    cmd = [sys.executable, f"{REL}/{name}.pyc", *args_of(name)]
    r = subprocess.run(cmd, cwd=ROOT, env=env(), stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=TIMEOUT)
    return r.stdout, r.stderr, r.returncode


def generate(name):
    src = f"{REL}/{name}.py"
    cfile = f"{REL}/{name}.pyc"
    with warnings.catch_warnings():
        # SyntaxWarnings ("'int' object is not callable; perhaps you missed a comma?")
        # are intended in some programs; they are not part of the expected output.
        warnings.simplefilter("ignore")
        py_compile.compile(os.path.join(ROOT, src), cfile=os.path.join(ROOT, cfile), dfile=src,
                           doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    first = run_once(name)
    second = run_once(name)
    out, err, code = first
    stdlib = os.path.dirname(os.__file__).encode()
    out, err = out.replace(stdlib, b"$STDLIB"), err.replace(stdlib, b"$STDLIB")
    for ext, data in ((".stdout", out), (".stderr", err), (".exit", f"{code}\n".encode())):
        with open(os.path.join(DIR, name + ext), "wb") as f:
            f.write(data)
    return name, first == second, code


def main():
    names = sorted(f[:-3] for f in os.listdir(DIR) if f.endswith(".py"))
    wanted = sys.argv[1:]
    if wanted:
        missing = [w for w in wanted if w not in names]
        if missing:
            sys.exit(f"no such program: {', '.join(missing)}")
        names = wanted
    else:
        # Remove outputs of programs that no longer exist.
        keep = set(names)
        for f in os.listdir(DIR):
            stem, ext = os.path.splitext(f)
            if ext in OUTPUTS and stem not in keep:
                os.remove(os.path.join(DIR, f))
    bad = []
    codes = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for name, stable, code in pool.map(generate, names):
            codes[code] = codes.get(code, 0) + 1
            if not stable:
                bad.append(name)
    summary = ", ".join(f"exit {c}: {n}" for c, n in sorted(codes.items()))
    print(f"{len(names)} programs ({summary})")
    if bad:
        print("non-deterministic output:", ", ".join(bad), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
