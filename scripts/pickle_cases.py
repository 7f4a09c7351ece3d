"""Objects pickled with every protocol; run by scripts/pickle_compare.py under
CPython 3.11 and pycvm, whose outputs must be identical: each line is a case
name, a protocol and the pickle's bytes (hex, or length and SHA-1 when long),
then whether loading it gives an equal object back."""
import collections
import copyreg
import datetime
import decimal
import fractions
import hashlib
import io
import pickle
import sys


class Plain:
    def __init__(self, i):
        self.i = i
        self.s = str(i)
        self.t = (i, [i])

    def __eq__(self, o):
        return type(o) is type(self) and vars(o) == vars(self)


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self):
        self.a = 1
        self.b = "two"

    def __eq__(self, o):
        return type(o) is type(self) and (o.a, o.b) == (self.a, self.b)


class WithState:
    def __init__(self):
        self.x = 5

    def __getstate__(self):
        return {"x2": self.x * 2}

    def __setstate__(self, st):
        self.x = st["x2"] // 2

    def __eq__(self, o):
        return type(o) is type(self) and o.x == self.x


class NewArgs:
    def __new__(cls, a, b=0):
        o = object.__new__(cls)
        o.a, o.b = a, b
        return o

    def __getnewargs__(self):
        return (self.a, self.b)

    def __eq__(self, o):
        return type(o) is type(self) and (o.a, o.b) == (self.a, self.b)


class NewArgsEx:
    def __new__(cls, a, *, k):
        o = object.__new__(cls)
        o.a, o.k = a, k
        return o

    def __getnewargs_ex__(self):
        return (self.a,), {"k": self.k}

    def __eq__(self, o):
        return type(o) is type(self) and (o.a, o.k) == (self.a, self.k)


class Outer:
    class Inner:
        pass


class MyList(list):
    pass


class MyDict(dict):
    pass


class MyInt(int):
    pass


class MyStr(str):
    pass


class ReduceStr:
    def __reduce__(self):
        return "REDUCED"


REDUCED = ReduceStr()


class ListItems:
    def __init__(self):
        self.items = [1, 2]

    def __reduce__(self):
        return (ListItems, (), None, iter([3, 4, 5]), iter([("k", "v")]))

    def append(self, x):
        self.items.append(x)

    def extend(self, xs):
        self.items.extend(xs)

    def __setitem__(self, k, v):
        self.items.append((k, v))

    def __eq__(self, o):
        return type(o) is type(self)


def setter(obj, state):
    obj.state = state


class WithSetter:
    def __reduce__(self):
        return (WithSetter, (), {"s": 1}, None, None, setter)

    def __eq__(self, o):
        return type(o) is type(self)


Point = collections.namedtuple("Point", "x y")


def module_func():
    pass


def cases():
    shared = [1, 2]
    s = "shared string"
    rec_list = []
    rec_list.append(rec_list)
    rec_dict = {}
    rec_dict["me"] = rec_dict
    rec_tuple = ([],)
    rec_tuple[0].append(rec_tuple)
    out = [
        ("none", None), ("true", True), ("false", False),
        ("ints", [0, 1, 255, 256, 65535, 65536, -1, -255, -256, 2**31 - 1, -2**31,
                  2**31, -2**31 - 1, 2**63 - 1, -2**63, 2**63, -2**63 - 1, 2**64,
                  2**1000, -2**1000, 2**2050, -(2**39), 2**39]),
        ("floats", [0.0, -0.0, 1.5, -2.25, 1e300, 1e-300, 1e16, 123456789.125,
                    float("inf"), float("-inf")]),
        ("strs", ["", "a", "\xe9", "\u20ac", "\U0001f600", "a\nb\\c\r\x1a\x00d",
                  "x" * 255, "y" * 256, "\ud800", "mixed \ud83d\ude00 \udfff"]),
        ("long_str", "z" * 70000),
        ("bytes", [b"", b"abc", b"\x80\xff\x00", b"q" * 255, b"r" * 256]),
        ("long_bytes", b"w" * 70000),
        ("bytearrays", [bytearray(), bytearray(b"ab\xff")]),
        ("tuples", [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), ((),), ((1,), (2, 3))]),
        ("lists", [[], [1], [1, 2], list(range(1000)), list(range(1001)),
                   list(range(2500))]),
        ("dicts", [{}, {"a": 1}, {"a": 1, "b": [2]}, dict.fromkeys(range(1000)),
                   {i: str(i) for i in range(1500)}]),
        ("sets", [set(), {1}, {1, 2, 3}, frozenset(), frozenset({4, 5}),
                  set(range(1000)), set(range(2100)), frozenset(range(1200))]),
        ("shared", [shared, shared, s, s, (s, shared)]),
        ("rec_list", rec_list), ("rec_dict", rec_dict), ("rec_tuple", rec_tuple),
        ("plain", Plain(3)), ("plains", [Plain(i) for i in range(5)]),
        ("slotted", Slotted()), ("with_state", WithState()),
        ("newargs", NewArgs(1, 2)), ("newargs_ex", NewArgsEx(1, k=2)),
        ("types", [int, str, type(None), type(NotImplemented), type(Ellipsis),
                   Outer, Outer.Inner, Plain, collections.OrderedDict]),
        ("functions", [len, module_func, pickle.dumps, io.BytesIO]),
        ("singletons", [NotImplemented, Ellipsis]),
        ("subclasses", [MyList([1, 2]), MyDict(a=1), MyInt(7), MyStr("s")]),
        ("reduce_str", REDUCED), ("listitems", ListItems()),
        ("setter", WithSetter()),
        ("namedtuple", Point(1, 2)),
        ("ordered", collections.OrderedDict([("a", 1), ("b", 2)])),
        ("deque", collections.deque([1, 2, 3], maxlen=5)),
        ("complex", [1 + 2j, complex(0, -1)]),
        ("range_slice", [range(1, 10, 2), slice(1, 2, None)]),
        ("fraction", fractions.Fraction(3, 4)),
        ("decimal", decimal.Decimal("1.25")),
        ("date", [datetime.date(2020, 1, 2), datetime.timedelta(days=1, seconds=5)]),
        ("nested", {"k": [(1, 2.5, "s", b"b", None, True)] * 3}),
    ]
    return out


def show(name, proto, data):
    if len(data) <= 120:
        print(name, proto, data.hex())
    else:
        print(name, proto, len(data), hashlib.sha1(data).hexdigest())


def same(a, b):
    try:
        return a == b
    except RecursionError:
        return "recursive"


def main():
    for name, obj in cases():
        for proto in range(6):
            try:
                data = pickle.dumps(obj, proto)
            except Exception as e:
                print(name, proto, "dumps", type(e).__name__, e)
                continue
            show(name, proto, data)
            try:
                back = pickle.loads(data)
                print(name, proto, "equal" if same(back, obj) else "DIFFERENT")
            except Exception as e:
                print(name, proto, "loads", type(e).__name__, e)
    # The extension registry.
    copyreg.add_extension(__name__, "Plain", 240)
    copyreg.add_extension(__name__, "Slotted", 0x1234)
    copyreg.add_extension(__name__, "WithState", 0x123456)
    try:
        for proto in range(6):
            data = pickle.dumps([Plain, Slotted, WithState], proto)
            show("ext", proto, data)
            print("ext", proto, pickle.loads(data) == [Plain, Slotted, WithState])
    finally:
        copyreg.remove_extension(__name__, "Plain", 240)
        copyreg.remove_extension(__name__, "Slotted", 0x1234)
        copyreg.remove_extension(__name__, "WithState", 0x123456)
    # fix_imports off for protocols < 3.
    for proto in range(3):
        data = pickle.dumps([range, collections.UserDict], proto, fix_imports=False)
        show("nofix", proto, data)
    # Framing across several frames through a file.
    f = io.BytesIO()
    p = pickle.Pickler(f, 4)
    p.dump([b"a" * 40000, "b" * 40000, list(range(20000))])
    show("frames", 4, f.getvalue())
    f.seek(0)
    print("frames load", len(pickle.load(f)))
    # Several pickles in one file with a shared memo.
    f = io.BytesIO()
    p = pickle.Pickler(f, 2)
    p.dump(shared_obj := ["x"])
    p.dump(shared_obj)
    show("memo_shared", 2, f.getvalue())
    f.seek(0)
    u = pickle.Unpickler(f)
    a = u.load()
    b = u.load()
    print("memo_shared load", a is b, a)


if __name__ == "__main__":
    main()
