# micro: attribute loads and stores on instances, class attributes and a module global.
import sys

N = 6000000
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    N //= 50


class P:
    scale = 3

    def __init__(self):
        self.x = 1
        self.y = 2


def loop(n):
    p = P()
    total = 0
    for i in range(n):
        p.x = i
        total += p.x + p.y + p.scale
        p.y = p.x & 7
    return total


print(loop(N))
