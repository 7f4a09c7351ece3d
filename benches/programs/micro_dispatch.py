# micro: bytecode dispatch - a tight loop of simple integer ops on locals (LOAD_FAST,
# BINARY_OP, STORE_FAST, COMPARE_OP, jumps); prints only a checksum.
import sys

N = 10000000
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    N //= 50


def loop(n):
    a = 0
    b = 1
    c = 2
    i = 0
    while i < n:
        a = a + b
        b = b ^ c
        c = c + 1
        a = a & 0xFFFF
        i = i + 1
    return a + b + c


print(loop(N))
