# micro: list.append in a loop, then clearing; plus indexing the result.
import sys

N = 10000000
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    N //= 50


def loop(n):
    total = 0
    out = []
    append = out.append
    for i in range(n):
        out.append(i)
        append(i & 1)
        if len(out) >= 10000:
            total += out[-2] + out[-1]
            out.clear()
    return total + len(out)


print(loop(N))
