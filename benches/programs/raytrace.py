# raytrace (small): spheres over a checkered plane, diffuse and specular shading, shadows
# and one reflection bounce; the image is printed as coarse ASCII plus a checksum.
import sys

WIDTH, HEIGHT = 320, 224
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    WIDTH, HEIGHT = 45, 32
EPS = 1e-6


class V:
    __slots__ = ("x", "y", "z")

    def __init__(self, x, y, z):
        self.x = x
        self.y = y
        self.z = z

    def __add__(self, o):
        return V(self.x + o.x, self.y + o.y, self.z + o.z)

    def __sub__(self, o):
        return V(self.x - o.x, self.y - o.y, self.z - o.z)

    def scale(self, k):
        return V(self.x * k, self.y * k, self.z * k)

    def dot(self, o):
        return self.x * o.x + self.y * o.y + self.z * o.z

    def norm(self):
        return self.scale(1.0 / self.dot(self) ** 0.5)

    def mul(self, o):
        return V(self.x * o.x, self.y * o.y, self.z * o.z)


class Ray:
    def __init__(self, origin, direction):
        self.origin = origin
        self.direction = direction.norm()

    def at(self, t):
        return self.origin + self.direction.scale(t)


class Sphere:
    def __init__(self, centre, radius, colour, shine):
        self.centre = centre
        self.radius = radius
        self.colour = colour
        self.shine = shine

    def hit(self, ray):
        oc = ray.origin - self.centre
        b = oc.dot(ray.direction)
        c = oc.dot(oc) - self.radius * self.radius
        disc = b * b - c
        if disc < 0:
            return None
        root = disc ** 0.5
        t = -b - root
        if t > EPS:
            return t
        t = -b + root
        return t if t > EPS else None

    def normal_at(self, p):
        return (p - self.centre).norm()

    def colour_at(self, p):
        return self.colour


class Plane:
    def __init__(self, y):
        self.y = y
        self.shine = 0.3

    def hit(self, ray):
        d = ray.direction.y
        if abs(d) < EPS:
            return None
        t = (self.y - ray.origin.y) / d
        return t if t > EPS else None

    def normal_at(self, p):
        return V(0.0, 1.0, 0.0)

    def colour_at(self, p):
        if (int(p.x // 1.0) + int(p.z // 1.0)) % 2:
            return V(0.9, 0.9, 0.9)
        return V(0.1, 0.1, 0.1)


SCENE = [
    Plane(-1.0),
    Sphere(V(0.0, 0.0, 5.0), 1.0, V(0.9, 0.2, 0.2), 0.5),
    Sphere(V(-2.0, 0.3, 6.5), 1.3, V(0.2, 0.8, 0.3), 0.2),
    Sphere(V(1.8, -0.4, 4.0), 0.6, V(0.2, 0.3, 0.9), 0.7),
]
LIGHT = V(-4.0, 6.0, 0.0)
AMBIENT = 0.1


def nearest(ray):
    best_t, best = None, None
    for obj in SCENE:
        t = obj.hit(ray)
        if t is not None and (best_t is None or t < best_t):
            best_t, best = t, obj
    return best_t, best


def trace(ray, depth):
    t, obj = nearest(ray)
    if obj is None:
        return V(0.05, 0.05, 0.15)
    p = ray.at(t)
    n = obj.normal_at(p)
    base = obj.colour_at(p)
    to_light = LIGHT - p
    light_dir = to_light.norm()
    shadow_t, _ = nearest(Ray(p, light_dir))
    lit = shadow_t is None or shadow_t * shadow_t > to_light.dot(to_light)
    diffuse = max(0.0, n.dot(light_dir)) if lit else 0.0
    colour = base.scale(AMBIENT + diffuse)
    if lit:
        half = (light_dir - ray.direction).norm()
        spec = max(0.0, n.dot(half)) ** 32
        colour = colour + V(spec, spec, spec).scale(obj.shine)
    if depth > 0 and obj.shine > 0.25:
        r = ray.direction - n.scale(2.0 * n.dot(ray.direction))
        colour = colour + trace(Ray(p, r), depth - 1).scale(obj.shine * 0.5)
    return colour


def render(w, h):
    eye = V(0.0, 0.5, -1.0)
    rows = []
    for j in range(h):
        row = []
        for i in range(w):
            x = (i + 0.5) / w * 2.0 - 1.0
            y = 1.0 - (j + 0.5) / h * 2.0
            c = trace(Ray(eye, V(x * 1.5, y, 1.5)), 2)
            row.append((min(255, int(c.x * 255)), min(255, int(c.y * 255)), min(255, int(c.z * 255))))
        rows.append(row)
    return rows


img = render(WIDTH, HEIGHT)
shades = " .:-=+*#%@"
for row in img[:: max(1, HEIGHT // 16)]:
    print("".join(shades[min(9, sum(px) * 10 // 766)] for px in row[:: max(1, WIDTH // 64)]))
print(sum(r + 3 * g + 7 * b for row in img for r, g, b in row))
