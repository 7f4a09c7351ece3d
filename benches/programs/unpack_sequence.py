# unpack-sequence: tuple and list unpacking and packing of many sizes, starred targets,
# swaps and nested targets in a tight loop.
import sys

LOOPS = 700000
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    LOOPS //= 50


def unpack_tuples(loops):
    t = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
    total = 0
    for _ in range(loops):
        a, b, c, d, e, f, g, h, i, j = t
        total += a + j
        a, b, c, d, e, f, g, h, i, j = t
        total += a + j
        a, b, c, d, e, f, g, h, i, j = t
        total += a + j
        a, b, c, d, e, f, g, h, i, j = t
        total += a + j
    return total


def unpack_lists(loops):
    l = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    total = 0
    for _ in range(loops):
        a, b, c, d, e, f, g, h, i, j = l
        total += b + i
        a, b, c, d, e, f, g, h, i, j = l
        total += b + i
        a, b, c, d, e, f, g, h, i, j = l
        total += b + i
        a, b, c, d, e, f, g, h, i, j = l
        total += b + i
    return total


def starred(loops):
    t = tuple(range(12))
    total = 0
    for _ in range(loops):
        first, *middle, last = t
        *init, tail = middle
        head, *rest = init
        total += first + last + tail + head + len(rest)
    return total


def swaps_and_nested(loops):
    x, y, z = 1, 2, 3
    total = 0
    for i in range(loops):
        x, y = y, x
        x, y, z = z, x, y
        (p, q), (r, (s, u)) = (x, i), (y, (z, i & 3))
        total += p + q + r + s + u
        pair = x, y
        total += pair[0]
    return total


def unpack_strings(loops):
    total = 0
    for _ in range(loops // 4):
        a, b, c, d = "wxyz"
        k, v = "key=value".split("=")
        total += ord(a) + ord(d) + len(k) + len(v)
    return total


print(unpack_tuples(LOOPS), unpack_lists(LOOPS), starred(LOOPS), swaps_and_nested(LOOPS), unpack_strings(LOOPS))
