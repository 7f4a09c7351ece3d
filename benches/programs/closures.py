# closures: nested functions capturing cells, nonlocal counters, closure factories,
# lambdas, decorators built from closures and late-binding loops.
import sys

N = 900000
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    N //= 50


def make_counter():
    count = 0

    def inc(step=1):
        nonlocal count
        count += step
        return count

    return inc


def make_adder(k):
    return lambda x: x + k


def compose(f, g):
    def h(x):
        return f(g(x))

    return h


def memoize(fn):
    cache = {}

    def wrapper(n):
        if n in cache:
            return cache[n]
        r = fn(n)
        cache[n] = r
        return r

    wrapper.cache = cache
    return wrapper


def traced(fn):
    calls = [0]

    def wrapper(*args, **kwargs):
        calls[0] += 1
        return fn(*args, **kwargs)

    wrapper.calls = calls
    return wrapper


@memoize
def collatz_len(n):
    if n == 1:
        return 1
    return 1 + collatz_len(n // 2 if n % 2 == 0 else 3 * n + 1)


@traced
def scaled(x, factor=2):
    return x * factor


def accumulate(n):
    total = 0

    def add(x):
        nonlocal total
        total += x

    for i in range(n):
        add(i)
    return total


inc = make_counter()
adders = [make_adder(k) for k in range(10)]
late = [lambda: i for i in range(10)]
both = compose(adders[3], adders[4])
acc = 0
for i in range(N):
    inc()
    acc += adders[i % 10](i) + both(1)
    acc += scaled(i, factor=3) if i & 1 else scaled(i)
best = max(range(1, N // 10), key=collatz_len)
print(acc, inc(0), accumulate(N), sum(f() for f in late))
print(best, collatz_len(best), len(collatz_len.cache) > 0, scaled.calls[0])
