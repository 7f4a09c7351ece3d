# Cyclic-garbage soak: 10 million objects in reference cycles, built and
# dropped in a loop. Reference counting alone never frees them; the cycle
# collector must keep the peak memory bounded (scripts/bench_gc_soak.py
# measures the peak RSS).
import sys


class Node:
    def __init__(self):
        self.other = None


def main(total):
    made = 0
    while made < total:
        a = []
        a.append(a)
        x = Node()
        y = Node()
        x.other = y
        y.other = x
        made += 3
    print("made", made)


main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000)
