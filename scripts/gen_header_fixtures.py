#!/usr/bin/env python3.11
"""Generate the .pyc header fixtures in fixtures/headers/.

Run from anywhere with python3.11:  python3.11 scripts/gen_header_fixtures.py

Every CPython found under `pyenv root`/versions (2.7, 3.6 ... 3.13) compiles
fixtures/headers/src/hello.py with `py_compile` (dfile = the repo-relative
path, so no machine path lands in the repo); 3.7+ in all the invalidation
modes PEP 552 defines. Each interpreter then reports what *it* sees in the
file: its own magic number (importlib.util.MAGIC_NUMBER / imp.get_magic()),
its version, and the flags and stamps as its importlib reads them
(_classify_pyc, _validate_timestamp_pyc, _validate_hash_pyc, which raise if
the file does not match the source), and the header size is confirmed by
marshal.loads() of the rest giving a code object. All of that goes into
fixtures/headers/expected.json, together with:
  * source hashes python3.11's importlib.util.source_hash computed,
  * UTC renderings of timestamps by datetime,
  * the magic numbers listed in the comments of each interpreter's
    importlib/_bootstrap_external.py (version -> magics),
  * damaged files (truncated, unknown magic, bad \\r\\n, bad flags) and the
    error python3.11's importlib raises for each.
"""

import datetime
import importlib._bootstrap_external as be311
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

if sys.version_info[:2] != (3, 11):
    sys.exit("run this script with python3.11")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "fixtures", "headers")
SRC_REL = "fixtures/headers/src/hello.py"
SOURCE = b'# pycvm header fixture: a tiny module.\nx = 1\nprint("hello", x)\n'
# Fixed source mtime, so regenerating gives identical files.
MTIME = 1700000000

# Run by each interpreter (2.7-compatible syntax). argv: src dest dfile mode
PROBE = r'''
import sys, os, struct, json, binascii, marshal, platform
src, dest, dfile, mode = sys.argv[1:5]
import py_compile
if sys.version_info >= (3, 7):
    modes = {"timestamp": py_compile.PycInvalidationMode.TIMESTAMP,
             "checked-hash": py_compile.PycInvalidationMode.CHECKED_HASH,
             "unchecked-hash": py_compile.PycInvalidationMode.UNCHECKED_HASH}
    py_compile.compile(src, cfile=dest, dfile=dfile, doraise=True,
                       invalidation_mode=modes[mode])
else:
    assert mode == "timestamp"
    py_compile.compile(src, cfile=dest, dfile=dfile, doraise=True)
f = open(dest, "rb"); data = f.read(); f.close()
f = open(src, "rb"); source = f.read(); f.close()
st = os.stat(src)
out = {}
if sys.version_info[0] >= 3:
    import importlib.util
    import importlib._bootstrap_external as be
    magic = importlib.util.MAGIC_NUMBER
    out["raw_magic_number"] = be._RAW_MAGIC_NUMBER
    unpack = getattr(be, "_unpack_uint32", None) or be._r_long
else:
    import imp
    magic = imp.get_magic()
    unpack = lambda b: struct.unpack("<I", b)[0]
assert data[:4] == magic, "pyc does not start with the interpreter's magic"
out["magic"] = struct.unpack("<H", magic[:2])[0]
out["magic_bytes"] = binascii.hexlify(magic).decode("ascii")
out["python_version"] = "%d.%d" % sys.version_info[:2]
out["python_full_version"] = platform.python_version()
out["implementation"] = platform.python_implementation()
out["flags"] = None
out["source_mtime"] = None
out["source_size"] = None
out["source_hash"] = None
if sys.version_info >= (3, 7):
    flags = be._classify_pyc(data, "hello", {})
    out["flags"] = flags
    if flags & 1:
        out["invalidation"] = "checked-hash" if flags & 2 else "unchecked-hash"
        h = importlib.util.source_hash(source)
        be._validate_hash_pyc(data, h, "hello", {})
        out["source_hash"] = binascii.hexlify(data[8:16]).decode("ascii")
        out["interpreter_source_hash"] = binascii.hexlify(h).decode("ascii")
    else:
        out["invalidation"] = "timestamp"
        be._validate_timestamp_pyc(data, int(st.st_mtime), st.st_size, "hello", {})
        out["source_mtime"] = unpack(data[8:12])
        out["source_size"] = unpack(data[12:16])
    hs = 16
elif sys.version_info >= (3, 3):
    out["invalidation"] = "timestamp"
    be._validate_bytecode_header(data, source_stats={"mtime": st.st_mtime, "size": st.st_size},
                                 name="hello", path=dest)
    out["source_mtime"] = unpack(data[4:8])
    out["source_size"] = unpack(data[8:12])
    hs = 12
else:
    out["invalidation"] = "timestamp"
    out["source_mtime"] = unpack(data[4:8])
    assert out["source_mtime"] == int(st.st_mtime) & 0xFFFFFFFF
    hs = 8
code = marshal.loads(data[hs:])
assert type(code).__name__ == "code", "marshal data does not start at %d" % hs
out["header_size"] = hs
print(json.dumps(out))
'''


def interpreters():
    """(tag, path) of the CPythons under `pyenv root`, oldest first."""
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        root = os.path.expanduser("~/.pyenv")
    found = []
    vdir = os.path.join(root, "versions")
    for name in os.listdir(vdir) if os.path.isdir(vdir) else []:
        m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", name)
        if not m:
            continue
        major, minor = int(m.group(1)), int(m.group(2))
        exe = os.path.join(vdir, name, "bin", "python%d.%d" % (major, minor))
        if os.path.exists(exe):
            found.append(((major, minor), exe))
    found.sort()
    return found


def iso_utc(secs):
    return datetime.datetime.fromtimestamp(secs, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def comment_magics(exe):
    """The (magic, label) pairs listed in the comments of an interpreter's
    importlib/_bootstrap_external.py (3.x) - read from its own Lib/."""
    code = ("import importlib._bootstrap_external as b; print(b.__file__)")
    path = subprocess.run([exe, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()
    with open(path, encoding="utf-8") as f:
        text = f.read()
    pairs = []
    label = None
    for line in text.splitlines():
        m = re.match(r"#\s+Python (\d[\w.]*):?\s+(\d+)", line)
        if m:
            label = m.group(1)
            pairs.append([int(m.group(2)), label])
            continue
        m = re.match(r"#\s+(\d{4})\s+\(", line)
        if m and label == "3000":
            pairs.append([int(m.group(1)), "3000"])
    return pairs


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(os.path.join(OUT, "src"))
    os.makedirs(os.path.join(OUT, "pyc"))
    os.makedirs(os.path.join(OUT, "bad"))
    src = os.path.join(REPO, SRC_REL)
    with open(src, "wb") as f:
        f.write(SOURCE)
    os.utime(src, (MTIME, MTIME))

    env = dict(os.environ)
    env.pop("SOURCE_DATE_EPOCH", None)  # it would force checked-hash pycs
    env.pop("PYTHONPATH", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"

    files = []
    comments = {}
    verified = []
    tmp = tempfile.mkdtemp()
    try:
        for (major, minor), exe in interpreters():
            if (major, minor) < (2, 7) or (major == 3 and minor < 6):
                continue
            tag = "%d%d" % (major, minor)
            modes = ["timestamp"]
            if (major, minor) >= (3, 7):
                modes = ["timestamp", "checked-hash", "unchecked-hash"]
            for mode in modes:
                name = "hello.py%s.%s.pyc" % (tag, mode)
                dest = os.path.join(tmp, name)
                res = subprocess.run([exe, "-c", PROBE, src, dest, SRC_REL, mode],
                                     capture_output=True, text=True, env=env)
                if res.returncode != 0:
                    sys.exit("%s failed:\n%s" % (exe, res.stderr))
                info = json.loads(res.stdout)
                rel = "fixtures/headers/pyc/" + name
                shutil.copyfile(dest, os.path.join(REPO, rel))
                info = {"path": rel, **info}
                if info["source_mtime"] is not None:
                    info["source_mtime_utc"] = iso_utc(info["source_mtime"])
                files.append(info)
            verified.append(info["python_full_version"])
            if major == 3:
                comments[info["python_version"]] = comment_magics(exe)
    finally:
        shutil.rmtree(tmp)

    # A __pycache__ tree and a sourceless-style pyc, both compiled by 3.11.
    tree = os.path.join(OUT, "tree")
    os.makedirs(os.path.join(tree, "pkg", "__pycache__"))
    for rel_src, rel_pyc in [("pkg/mod.py", "pkg/__pycache__/mod.cpython-311.pyc"),
                             ("legacy.py", "legacy.pyc")]:
        s = os.path.join(tree, rel_src)
        with open(s, "wb") as f:
            f.write(SOURCE)
        os.utime(s, (MTIME, MTIME))
        import py_compile
        py_compile.compile(s, cfile=os.path.join(tree, rel_pyc),
                           dfile="fixtures/headers/tree/" + rel_src, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
    # A checked-hash pyc in the tree whose source changed after compiling.
    s = os.path.join(tree, "pkg", "changed.py")
    with open(s, "wb") as f:
        f.write(SOURCE)
    py_compile.compile(s, cfile=os.path.join(tree, "pkg", "__pycache__", "changed.cpython-311.pyc"),
                       dfile="fixtures/headers/tree/pkg/changed.py", doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
    with open(s, "wb") as f:
        f.write(SOURCE + b"y = 2\n")
    # A file no header reader can accept, inside the tree.
    with open(os.path.join(tree, "pkg", "__pycache__", "junk.cpython-311.pyc"), "wb") as f:
        f.write(b"not a pyc")

    # Damaged (and odd) files and what python3.11's importlib says about each.
    good = open(os.path.join(REPO, "fixtures/headers/pyc/hello.py311.timestamp.pyc"), "rb").read()
    bad = [
        ("empty.pyc", b"", "truncated", 0),
        ("truncated_magic.pyc", good[:3], "truncated", 0),
        ("truncated_flags.pyc", good[:6], "truncated", 4),
        ("truncated_mtime.pyc", good[:10], "truncated", 8),
        ("truncated_size.pyc", good[:14], "truncated", 12),
        ("unknown_magic.pyc", (1234).to_bytes(2, "little") + b"\r\n" + good[4:], "unknown-magic", 0),
        ("bad_crlf.pyc", good[:2] + b"\n\r" + good[4:], "bad-crlf", 2),
        ("bad_flags.pyc", good[:4] + (4).to_bytes(4, "little") + good[8:], "invalid-flags", 4),
        ("bad_flags_high.pyc", good[:4] + (0x80000001).to_bytes(4, "little") + good[8:],
         "invalid-flags", 4),
        # Bit 1 (check_source) without bit 0: importlib accepts it as a
        # timestamp pyc.
        ("flags2_timestamp.pyc", good[:4] + (2).to_bytes(4, "little") + good[8:], "ok", 0),
    ]
    bad_out = []
    for name, data, kind, offset in bad:
        rel = "fixtures/headers/bad/" + name
        with open(os.path.join(REPO, rel), "wb") as f:
            f.write(data)
        try:
            be311._classify_pyc(data, "hello", {})
            err = None
        except (ImportError, EOFError) as e:
            err = "%s: %s" % (type(e).__name__, e)
        bad_out.append({"path": rel, "kind": kind, "offset": offset, "cpython_error": err})

    # source_hash as python3.11 computes it, for inputs around the 8-byte blocks.
    hash_inputs = [b"", b"a", b"hello", b"1234567", b"12345678", b"123456789",
                   bytes(range(15)), bytes(range(16)), bytes(range(17)),
                   bytes(range(256)) * 3, SOURCE, "héllo wörld\n".encode("utf-8")]
    hashes = [{"input_hex": d.hex(), "source_hash": importlib.util.source_hash(d).hex()}
              for d in hash_inputs]

    dates = [0, 1, 59, 86399, 86400, 951782400, 951868799, 1700000000,
             2147483647, 2147483648, 4102444800, 4294967295]
    expected = {
        "generator": "scripts/gen_header_fixtures.py (do not edit)",
        "source": SRC_REL,
        "source_mtime_set": MTIME,
        "interpreters": verified,
        "files": files,
        "bad": bad_out,
        "source_hashes": hashes,
        "utc_dates": [[d, iso_utc(d)] for d in dates],
        "comment_magics": comments,
    }
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print("wrote %d pyc fixtures from %s" % (len(files), ", ".join(verified)))


if __name__ == "__main__":
    main()
