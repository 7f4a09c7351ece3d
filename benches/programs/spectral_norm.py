# spectral norm: power iteration on an implicit infinite matrix (float arithmetic, calls).
import sys

N = 400
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    N //= 7  # the work is quadratic: ~50x less


def a(i, j):
    ij = i + j
    return 1.0 / (ij * (ij + 1) // 2 + i + 1)


def times(v):
    n = len(v)
    return [sum([a(i, j) * v[j] for j in range(n)]) for i in range(n)]


def times_transp(v):
    n = len(v)
    return [sum([a(j, i) * v[j] for j in range(n)]) for i in range(n)]


def times_ata(v):
    return times_transp(times(v))


u = [1.0] * N
v = u
for _ in range(10):
    v = times_ata(u)
    u = times_ata(v)
vbv = 0.0
vv = 0.0
for ue, ve in zip(u, v):
    vbv += ue * ve
    vv += ve * ve
print("%.9f" % ((vbv / vv) ** 0.5))
