# chaos: an iterated-function-system fractal drawn by the chaos game, with small vector
# objects and operator overloading (float-heavy object code).
import sys

POINTS = 500000
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    POINTS //= 50
W, H = 64, 64


class Vec:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __add__(self, other):
        return Vec(self.x + other.x, self.y + other.y)

    def __sub__(self, other):
        return Vec(self.x - other.x, self.y - other.y)

    def __mul__(self, k):
        return Vec(self.x * k, self.y * k)

    def dot(self, other):
        return self.x * other.x + self.y * other.y

    def length(self):
        return self.dot(self) ** 0.5


class Affine:
    def __init__(self, a, b, c, d, e, f, weight):
        self.row1 = Vec(a, b)
        self.row2 = Vec(c, d)
        self.shift = Vec(e, f)
        self.weight = weight

    def apply(self, p):
        return Vec(self.row1.dot(p), self.row2.dot(p)) + self.shift


class Rng:
    def __init__(self, seed):
        self.state = seed

    def random(self):
        self.state = (self.state * 1103515245 + 12345) & 0x7FFFFFFF
        return self.state / 2147483648.0


FERN = [
    Affine(0.0, 0.0, 0.0, 0.16, 0.0, 0.0, 0.01),
    Affine(0.85, 0.04, -0.04, 0.85, 0.0, 1.6, 0.85),
    Affine(0.2, -0.26, 0.23, 0.22, 0.0, 1.6, 0.07),
    Affine(-0.15, 0.28, 0.26, 0.24, 0.0, 0.44, 0.07),
]


def pick(transforms, r):
    acc = 0.0
    for t in transforms:
        acc += t.weight
        if r < acc:
            return t
    return transforms[-1]


def draw(n):
    rng = Rng(42)
    grid = [[0] * W for _ in range(H)]
    p = Vec(0.0, 0.0)
    lo = Vec(-2.2, 0.0)
    total_len = 0.0
    for _ in range(n):
        p = pick(FERN, rng.random()).apply(p)
        q = (p - lo) * 6.0
        total_len += q.length()
        col = int(q.x * W / 28.0)
        row = int(q.y * H / 62.0)
        if 0 <= row < H and 0 <= col < W:
            grid[row][col] += 1
    return grid, total_len


grid, total_len = draw(POINTS)
for row in grid[::8]:
    print("".join("#" if c > 20 else "+" if c else "." for c in row))
print(sum(r * sum(row) for r, row in enumerate(grid)), "%.6f" % total_len)
