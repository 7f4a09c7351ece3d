#!/usr/bin/env python3.11
"""List the pure-Python stdlib modules CPython 3.11 imports on this machine.

Writes fixtures/stdlib/modules.txt (one module name per line, sorted): every module and
package under the stdlib directory that `python3.11 -c "import NAME"` imports in a fresh
process, leaving out tests (test, */tests, idle_test), site-packages, the `__main__`/
`__phello__`-style demo modules, modules that need a display or run something on import
(idlelib, tkinter, turtle*, antigravity, this), `pkg.__main__` scripts, and those only for
other platforms.
Also compiles fixtures/stdlib/import_one.py. tests/stdlib_imports.rs imports each listed
module under pycvm and reports which fail and why.
"""
import os
import pkgutil
import py_compile
import subprocess
import sys

assert sys.version_info[:2] == (3, 11), "run with python3.11"
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "stdlib")
LIB = os.path.dirname(os.__file__)
SKIP_TOP = {"test", "idlelib", "tkinter", "turtledemo", "turtle", "antigravity", "this",
            "__phello__", "__hello__", "__main__", "lib2to3", "ensurepip", "venv",
            "pydoc_data", "msilib", "_msi", "winreg", "nturl2path", "_winapi", "msvcrt",
            "_osx_support", "_aix_support", "_bootsubprocess", "xxsubtype", "site-packages"}


def candidates():
    for info in pkgutil.walk_packages([LIB], onerror=lambda n: None):
        name = info.name
        top = name.split(".")[0]
        parts = name.split(".")
        if top in SKIP_TOP or "tests" in parts or "test" in parts or "idle_test" in parts \
                or parts[-1] == "__main__":
            continue
        if top.startswith("_") and top not in ("_collections_abc", "_compat_pickle",
                                               "_compression", "_markupbase", "_pydecimal",
                                               "_pyio", "_sitebuiltins", "_strptime",
                                               "_threading_local", "_weakrefset", "_py_abc",
                                               "_pydatetime", "_pylong"):
            continue
        path = os.path.join(LIB, *parts)
        if not (os.path.exists(path + ".py") or os.path.exists(os.path.join(path, "__init__.py"))):
            continue  # a C extension in lib-dynload
        yield name


def imports(name):
    r = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True,
                       stdin=subprocess.DEVNULL, timeout=60)
    return r.returncode == 0


names = sorted(n for n in set(candidates()) if imports(n))
with open(os.path.join(HERE, "modules.txt"), "w") as f:
    f.write("".join(n + "\n" for n in names))
py_compile.compile(os.path.join(HERE, "import_one.py"), cfile=os.path.join(HERE, "import_one.pyc"),
                   dfile="fixtures/stdlib/import_one.py", doraise=True)
print(f"{len(names)} modules")
