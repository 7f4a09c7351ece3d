# micro: plain Python function calls with positional arguments, a default and a keyword.
import sys

N = 6000000
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    N //= 50


def f0():
    return 1


def f2(a, b):
    return a + b


def f3(a, b, c=3):
    return a + b + c


def loop(n):
    total = 0
    for i in range(n):
        total += f0()
        total += f2(i, 1)
        total += f3(1, 2, c=i)
    return total


print(loop(N))
