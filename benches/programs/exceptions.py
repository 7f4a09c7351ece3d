# exception-heavy code: raise/except across frames, custom exception classes, try/finally,
# else clauses, re-raise, chained exceptions, and EAFP lookups that fail half the time.
import sys

N = 800000
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    N //= 50


class AppError(Exception):
    def __init__(self, code, detail):
        super().__init__(code, detail)
        self.code = code


class NotFound(AppError):
    pass


def lookup(d, key):
    if key not in d:
        raise NotFound(404, key)
    return d[key]


def deep(n, key, d):
    if n == 0:
        return lookup(d, key)
    return deep(n - 1, key, d)


def eafp(d, keys):
    hits = misses = 0
    for k in keys:
        try:
            hits += d[k]
        except KeyError:
            misses += 1
    return hits, misses


def finally_counter(n):
    cleanups = 0
    total = 0
    for i in range(n):
        try:
            try:
                if i % 3 == 0:
                    raise ValueError(i)
                total += i
            finally:
                cleanups += 1
        except ValueError as e:
            total -= e.args[0]
        else:
            total += 1
    return total, cleanups


def chained(n):
    depth = 0
    for i in range(n):
        try:
            try:
                int("x%d" % i)
            except ValueError as e:
                raise AppError(500, "bad") from e
        except AppError as e:
            if isinstance(e.__cause__, ValueError):
                depth += 1
    return depth


def reraise(n):
    caught = 0
    for i in range(n):
        try:
            try:
                [][i]
            except IndexError:
                raise
        except LookupError:
            caught += 1
    return caught


d = {i: i for i in range(0, 1000, 2)}
found = 0
codes = 0
for i in range(N // 4):
    try:
        found += deep(5, i % 1000, d)
    except NotFound as e:
        codes += e.code
print(found, codes)
print(eafp(d, [i % 1000 for i in range(N)]))
print(finally_counter(N))
print(chained(N // 4), reraise(N // 2))
print(repr(NotFound(1, "x")), str(AppError(2, "y")))
