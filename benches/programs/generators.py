# generators: pipelines of generator functions and generator expressions, yield from,
# send(), and early close().
import sys

N = 1000000
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    N //= 50


def count_up(n):
    i = 0
    while i < n:
        yield i
        i += 1


def evens(it):
    for x in it:
        if x % 2 == 0:
            yield x


def squares(it):
    for x in it:
        yield x * x


def chunks(it, size):
    buf = []
    for x in it:
        buf.append(x)
        if len(buf) == size:
            yield buf
            buf = []
    if buf:
        yield buf


def flatten(nested):
    for part in nested:
        yield from part


def tree(depth, label):
    if depth == 0:
        yield label
        return
    yield from tree(depth - 1, label * 2)
    yield from tree(depth - 1, label * 2 + 1)


def averager():
    total = 0
    count = 0
    avg = None
    while True:
        value = yield avg
        if value is None:
            return total
        total += value
        count += 1
        avg = total // count


def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b


pipeline = sum(squares(evens(count_up(N))))
chunked = sum(len(c) + c[0] for c in chunks(count_up(N), 7))
flat = sum(flatten(chunks(count_up(N), 13)))
genexp = sum(x * 3 for x in range(N) if x & 1)
leaves = 0
for _ in range(max(1, N // 20000)):
    leaves += sum(tree(14, 1))
avg = averager()
next(avg)
last = 0
for i in range(N // 3):
    last = avg.send(i)
try:
    avg.send(None)
except StopIteration as e:
    total = e.value
closed = 0
for _ in range(N // 100):
    g = fib()
    for v in g:
        if v > 1000:
            break
    g.close()
    closed += v
print(pipeline, chunked, flat, genexp, leaves, last, total, closed)
