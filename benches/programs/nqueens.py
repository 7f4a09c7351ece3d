# n-queens: count all solutions by backtracking with sets of attacked lines.
import sys

N = 11
REPEAT = 4
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    N, REPEAT = 7, 1


def solve(n):
    cols = set()
    diag1 = set()
    diag2 = set()
    placed = []
    found = []

    def place(row):
        if row == n:
            found.append(tuple(placed))
            return
        for c in range(n):
            if c in cols or (row + c) in diag1 or (row - c) in diag2:
                continue
            cols.add(c)
            diag1.add(row + c)
            diag2.add(row - c)
            placed.append(c)
            place(row + 1)
            placed.pop()
            cols.discard(c)
            diag1.discard(row + c)
            diag2.discard(row - c)

    place(0)
    return found


total = 0
for _ in range(REPEAT):
    sols = solve(N)
    total += len(sols)
print(total, sols[0], sols[-1])
print(sum(sum(i * c for i, c in enumerate(s)) for s in sols) % 1000003)
