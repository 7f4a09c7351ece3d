# micro: bound-method calls on instances (LOAD_METHOD/CALL) and a call through a stored
# bound method object.
import sys

N = 6000000
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    N //= 50


class Acc:
    def __init__(self):
        self.total = 0

    def add(self, x):
        self.total += x

    def get(self):
        return self.total


def loop(n):
    a = Acc()
    add = a.add
    for i in range(n):
        a.add(i)
        add(1)
        a.get()
    return a.get()


print(loop(N))
