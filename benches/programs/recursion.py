# deep recursion: the Takeuchi function, Ackermann, mutual recursion close to the default
# recursion limit, recursive list sums and a recursive tree build and walk.
import sys

REPEAT = 120
TAK = (18, 12, 6)
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    REPEAT, TAK = 2, (12, 8, 4)


def tak(x, y, z):
    if y >= x:
        return z
    return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y))


def ack(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ack(m - 1, 1)
    return ack(m - 1, ack(m, n - 1))


def is_even(n):
    return True if n == 0 else is_odd(n - 1)


def is_odd(n):
    return False if n == 0 else is_even(n - 1)


def rsum(items, i):
    if i == len(items):
        return 0
    return items[i] + rsum(items, i + 1)


def build(depth):
    if depth == 0:
        return None
    return (build(depth - 1), depth, build(depth - 1))


def walk(node):
    if node is None:
        return 0
    left, value, right = node
    return walk(left) + value + walk(right)


def too_deep(n):
    return too_deep(n + 1)


items = list(range(900))
total = 0
for _ in range(REPEAT):
    total += rsum(items, 0)
    total += is_even(950) + is_odd(901)
    total += ack(2, 200)
    total += walk(build(12))
print(total, tak(*TAK))
try:
    too_deep(0)
except RecursionError as e:
    print("RecursionError:", e)
