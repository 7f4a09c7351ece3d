# comprehensions: list, dict and set comprehensions and generator expressions, nested
# loops with conditions, and the builtins that consume them.
import sys

N = 2000
REPEAT = 100
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    REPEAT //= 50


def grid(n):
    return [[(r * 31 + c * 17) % 97 for c in range(n // 10)] for r in range(n // 10)]


def work(n):
    squares = [x * x for x in range(n)]
    odd_squares = [s for s in squares if s & 1]
    pairs = [(a, b) for a in range(n // 20) for b in range(a, n // 20) if (a + b) % 7 == 0]
    lookup = {x: x * 3 + 1 for x in range(n)}
    inverted = {v: k for k, v in lookup.items() if v % 5 != 0}
    residues = {x * x % 101 for x in range(n)}
    g = grid(n)
    transposed = [[row[i] for row in g] for i in range(len(g[0]))]
    diag = sum(g[i][i] for i in range(len(g)))
    flat_max = max(v for row in transposed for v in row)
    words = ["w%d" % (i % 37) for i in range(n)]
    lengths = {w: len(w) for w in words}
    total = (
        sum(odd_squares) % 1000003
        + len(pairs)
        + sum(inverted) % 1000
        + len(residues)
        + diag
        + flat_max
        + sum(lengths.values())
    )
    any_big = any(s > n * n // 2 for s in squares)
    all_small = all(v < 97 for row in g for v in row)
    return total, any_big, all_small, sorted(residues)[:5]


result = None
acc = 0
for _ in range(REPEAT):
    result = work(N)
    acc += result[0]
print(acc, result)
