# micro: a cached import statement (`import sys` hits sys.modules) inside a loop.
import sys

N = 2000000
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    N //= 50


def loop(n):
    total = 0
    for i in range(n):
        import sys

        total += len(sys.argv)
    return total


print(loop(N) - N * (len(sys.argv) - 1))
