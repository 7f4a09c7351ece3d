# method calls and attribute access on instances: a class hierarchy with overriding,
# super() calls, properties, class attributes, __slots__ and dunder-based operators.
import sys

N = 800000
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    N //= 50


class Shape:
    sides = 0

    def __init__(self, name):
        self.name = name
        self.moves = 0

    def area(self):
        return 0

    def describe(self):
        return self.sides * 1000 + self.area()

    def move(self, dx):
        self.moves += dx
        return self


class Rect(Shape):
    sides = 4

    def __init__(self, w, h):
        super().__init__("rect")
        self.w = w
        self.h = h

    def area(self):
        return self.w * self.h

    @property
    def perimeter(self):
        return 2 * (self.w + self.h)


class Square(Rect):
    def __init__(self, s):
        super().__init__(s, s)

    def area(self):
        return super().area() + 1


class Tri(Shape):
    sides = 3

    def __init__(self, b, h):
        Shape.__init__(self, "tri")
        self.b = b
        self.h = h

    def area(self):
        return self.b * self.h // 2


class Counter:
    __slots__ = ("value", "step")

    def __init__(self, step):
        self.value = 0
        self.step = step

    def tick(self):
        self.value += self.step

    def __add__(self, other):
        c = Counter(self.step + other.step)
        c.value = self.value + other.value
        return c

    def __len__(self):
        return self.value

    def __eq__(self, other):
        return self.value == other.value


shapes = [Rect(3, 4), Square(5), Tri(6, 7), Shape("blob")]
total = 0
for i in range(N):
    s = shapes[i & 3]
    total += s.describe()
    s.move(1).move(-1)
    if s.sides == 4:
        total += s.perimeter
    s.h = i & 15 if s.name == "tri" else getattr(s, "h", 0)
c1 = Counter(1)
c2 = Counter(2)
tick1 = c1.tick
for _ in range(N):
    tick1()
    c2.tick()
c3 = c1 + c2
print(total, [s.moves for s in shapes], len(c3), c3 == c1 + c2, c3.step)
print(Square(2).describe(), Rect.area(Square(3)), isinstance(shapes[1], Rect), type(shapes[2]).__name__)
