#!/usr/bin/env python3
"""List every `unsafe` block, fn and impl in src/ and whether a
`// SAFETY:` comment (or, for an unsafe fn, a `# Safety` doc section)
argues for it: the comment must be on the same line or in the comment
lines directly above (blank lines, attributes and the statement's own
first line allowed between).

    python3 scripts/unsafe_audit.py [--missing] [--summary]
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAT = re.compile(r"\bunsafe\s*(\{|fn\b|impl\b|extern\b)")
# `unsafe extern "C" fn(...)` / `unsafe fn(...)` as a type is not unsafe code.
FN_TYPE = re.compile(r"\bunsafe\s+(extern\s+\"C\"\s+)?fn\s*\(")


def strip_strings(line):
    return re.sub(r'"(\\.|[^"\\])*"', '""', line)


def justified(lines, i, kind):
    if "SAFETY" in lines[i]:
        return True
    # Walk up over the comment block (and a few code lines of the same
    # statement, e.g. `let x =\n    unsafe { ... }`).
    j = i - 1
    code_lines = 0
    while j >= 0 and i - j <= 30:
        s = lines[j].strip()
        if "SAFETY" in s or (kind == "fn" and "# Safety" in s):
            return True
        if s.startswith("//") or s.startswith("#[") or s == "":
            j -= 1
            continue
        code_lines += 1
        if code_lines > 3 or s.endswith(";") or s.endswith("}") or s.endswith("{"):
            return False
        j -= 1
    return False


def main():
    rows = []
    for d, _, files in os.walk(os.path.join(ROOT, "src")):
        for f in sorted(files):
            if not f.endswith(".rs"):
                continue
            p = os.path.join(d, f)
            with open(p, encoding="utf-8") as fh:
                lines = fh.read().split("\n")
            for i, line in enumerate(lines):
                code = FN_TYPE.sub("fn(", line.split("//")[0])
                code = strip_strings(code)
                for m in PAT.finditer(code):
                    kind = {"{": "block"}.get(m.group(1), m.group(1))
                    rows.append((os.path.relpath(p, ROOT), i + 1, kind, justified(lines, i, kind)))
    missing = [r for r in rows if not r[3]]
    if "--summary" in sys.argv:
        by = {}
        for path, _, kind, ok in rows:
            top = path.split("/")[1]
            by.setdefault(top, [0, 0])
            by[top][0] += 1
            by[top][1] += not ok
        for k, (n, m) in sorted(by.items()):
            print(f"{k:10} {n:4} unsafe, {m} without a SAFETY comment")
        kinds = {}
        for r in rows:
            kinds[r[2]] = kinds.get(r[2], 0) + 1
        print("total", len(rows), kinds, "missing", len(missing))
        return
    for path, line, kind, ok in (missing if "--missing" in sys.argv else rows):
        print(f"{path}:{line}: unsafe {kind}{'' if ok else '  (no SAFETY comment)'}")
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
