# micro: dict lookups and stores with int and str keys, `in` tests and get().
import sys

N = 6000000
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    N //= 50


def loop(n):
    di = {i: i * 2 for i in range(256)}
    ds = {"k%d" % i: i for i in range(64)}
    keys = list(ds)
    total = 0
    for i in range(n):
        total += di[i & 255]
        total += ds[keys[i & 63]]
        if (i & 511) in di:
            total += 1
        total += ds.get("missing", 0)
        di[i & 255] = i
    return total


print(loop(N))
