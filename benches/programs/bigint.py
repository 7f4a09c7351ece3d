# big-int arithmetic: factorials, a pi-digits spigot, Fibonacci numbers, modular powers and
# big divisions (multi-limb multiply, divide, shift and compare).
import sys

PI_DIGITS = 4500
FACT_N = 8000
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    PI_DIGITS, FACT_N = 400, 1000


def pi_digits(n):
    """Gibbons' unbounded spigot: yields decimal digits of pi one at a time."""
    q, r, t, k, m, x = 1, 0, 1, 1, 3, 3
    out = []
    while len(out) < n:
        if 4 * q + r - t < m * t:
            out.append(m)
            q, r, t, k, m, x = 10 * q, 10 * (r - m * t), t, k, (10 * (3 * q + r)) // t - 10 * m, x
        else:
            q, r, t, k, m, x = q * k, (2 * q + r) * x, t * x, k + 1, (q * (7 * k + 2) + r * x) // (t * x), x + 2
    return out


def factorial(n):
    f = 1
    for i in range(2, n + 1):
        f *= i
    return f


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def low_digits(x, k):
    """The low k decimal digits of x as a string (str() of huge ints is limited in 3.11)."""
    return str(x % 10**k).zfill(k)


digits = pi_digits(PI_DIGITS)
print("".join(map(str, digits[:50])), sum(digits))
f = factorial(FACT_N)
print(f.bit_length(), f % 1000000007, low_digits(f // 10**(FACT_N // 4), 20))
g = fib(FACT_N * 5)
print(g.bit_length(), g % 998244353, (g * g - fib(FACT_N * 5 - 1) * fib(FACT_N * 5 + 1)))
m = (1 << 521) - 1
print(pow(3, m - 1, m), pow(7, FACT_N, 10**30), (f >> (FACT_N + 64)) & 0xFFFFFFFF)
q, r = divmod(f, g)
print(q.bit_length(), r % 65537, (-f - 1) // 7 % 1000, (-g) % 12345, abs(-g) == g, f > g)
