#!/usr/bin/env python3.11
"""Generate fixtures/compile/cases.jsonl for tests/compile.rs: each case is
a snippet that pycvm's compiler compiles and runs; the expected result is
what CPython 3.11 produces:

- eval cases: repr of eval(src, {}) (or "Type: message" if it raises);
- exec cases: the text the program prints (through a print() defined in
  the globals, so the output can be read back) or the error it raises;
- error cases: SyntaxError type, msg, lineno and offset from compile().

Run: python3.11 scripts/gen_compile_cases.py
"""
import json
import os
import sys

assert sys.version_info[:2] == (3, 11), "needs CPython 3.11"

PRELUDE = (
    "_out = []\n"
    "def print(*a, sep=' ', end='\\n'):\n"
    "    _out.append(sep.join(map(str, a)) + end)\n"
)

EVAL = r'''
1
-1
0
123456789012345678901234567890
-123456789012345678901234567890
0x_ff
0o17
0b1010
1_000_000
1.5
1e10
1.5e-7
.5
5.
1e400
-1e400
3j
1+2j
1.5j * 2
'abc'
"abc"
'it\'s'
"\x41\u00e9\U0001F600\N{GREEK SMALL LETTER ALPHA}"
'\101\7\0'
'a\tb\nc\\d\'e\"f\a\b\f\v\r'
r'raw\n\x'
'unknown \q escape'
b'bytes\x00\xff'
rb'\x00'
br'raw'
'con' 'cat' "enation"
b'a' b'b'
u'unicode'
f'{1}'
f'{1+2}'
f'{"x"!r}'
f'{"x"!s}'
f'{"é"!a}'
f'{3.14159:.2f}'
f'{42:>{5}}'
f'{42:{"<"}{6}}|'
f'{{}}'
f'a{1}b{2}c'
f'{1=}'
f'{ 1 + 1 = }'
f'{"x"=!s}'
f'{3.5=:.1f}'
f'{[1,2][0]}'
f'{ {"a": 1}["a"] }'
'a' f'{1}' 'b'
f'{1,2}'
f'{"nested {x}"}'
F'{10:#x}'
fr'{1}\n'
rf'\d{2}'
None
True
False
...
x
(1, 2)
(1,)
()
[1, 2, 3]
[]
{1, 2, 3}
{}
{'a': 1, 'b': 2}
{1: 2, **{3: 4}, 5: 6}
{**{}, **{'a': 1}}
[*range(3), 4, *[5, 6]]
(*range(3),)
{*range(3), 3}
[*'abc']
1 + 2 * 3
(1 + 2) * 3
2 ** 3 ** 2
-2 ** 2
(-2) ** 2
7 // 2
-7 // 2
7 % 3
-7 % 3
7 / 2
1 << 10
1024 >> 3
6 & 3
6 | 3
6 ^ 3
~5
+5
-(-5)
not 0
not 1
1 and 2
0 and 2
1 or 2
0 or 2
0 or '' or None
1 and 2 and 3
1 < 2
1 < 2 < 3
1 < 3 < 2
1 == 1.0
1 != 2
1 <= 1 >= 0
1 is 1
None is not None
1 in [1, 2]
3 not in [1, 2]
'a' in 'abc'
1 if True else 2
1 if False else 2
'yes' if 0 else 'no' if 0 else 'maybe'
len('hello')
abs(-3)
max(1, 5, 3)
max([1, 5, 3], key=lambda v: -v)
sorted([3, 1, 2], reverse=True)
dict(a=1, b=2)
dict(**{'a': 1}, b=2)
print.__name__
list(map(str, [1, 2]))
sum([1, 2, 3], 10)
divmod(7, 2)
int('ff', 16)
int('10', base=2)
'{}-{}'.format(1, 2)
'{a}'.format(**{'a': 5})
'x'.join(['a', 'b'])
' a '.strip()
'abc'.upper()
'abc'[1]
'abcdef'[1:4]
'abcdef'[::2]
'abcdef'[::-1]
'abcdef'[:-2]
[1, 2, 3][-1]
[1, 2, 3, 4][1:3]
[1, 2, 3, 4][slice(1, None)]
(lambda: 42)()
(lambda x: x * 2)(21)
(lambda x, y=10: x + y)(1)
(lambda *a: a)(1, 2, 3)
(lambda **k: sorted(k.items()))(a=1, b=2)
(lambda a, *, b: (a, b))(1, b=2)
(lambda a, /, b: (a, b))(1, b=2)
(lambda a, b=2, *c, d, e=5, **f: (a, b, c, d, e, f))(1, 2, 3, d=4, g=7)
(lambda: (yield))
list((lambda: (yield 1))())
(lambda x: lambda y: x + y)(1)(2)
[x * 2 for x in range(5)]
[x for x in range(10) if x % 2 if x > 3]
[(x, y) for x in range(3) for y in range(x)]
[[y for y in range(x)] for x in range(3)]
{x: x * x for x in range(4)}
{x % 3 for x in range(10)}
list(x for x in 'abc')
sum(x * x for x in range(4))
tuple(c.upper() for c in 'hi')
[i for i, c in enumerate('ab')]
[a + b for a, b in [(1, 2), (3, 4)]]
[a for a, *b in [(1, 2, 3)]]
[y for x in [[1, 2], [3]] for y in x]
(lambda n: [n * i for i in range(3)])(2)
[(lambda: i)() for i in range(3)]
[f() for f in [lambda i=i: i for i in range(3)]]
(y := 5) + y
[(z := i) for i in range(3)] and z
type(1).__name__
isinstance(1, int)
getattr(1, 'real')
(1).real
1 .real
1.0.is_integer()
'%s-%d' % ('a', 5)
b'%d' % 5
[1, 2] * 2
'ab' * 3
[1] + [2]
(1, 2) + (3,)
{'a': 1}['a']
{'a': 1}.get('b', 'default')
[1, 2, 3].index(2)
str(1/3)
repr(0.1 + 0.2)
1e-5
2**100
-2**63
2**63 - 1
2**64
0.0
-0.0
float('nan') != float('nan')
complex(1, -0.0)
1 + 1j * 2
[1, 2, 3][True]
x[0]
x.bit_length()
(x, x)
[x for _ in range(2)]
frozenset({1})
set()
divmod(-7, 2)
round(2.675, 2)
chr(0x1F600)
ascii('é')
'\u00e9'.encode()
bytes([65, 66])
bytearray(b'ab')
range(5)[2:]
list(range(10))[::3]
list(zip('ab', [1, 2]))
dict(zip('ab', range(2)))
list(enumerate('ab', 1))
any(x > 2 for x in [1, 2, 3])
all([])
min('hello')
list(reversed([1, 2, 3]))
[*map(lambda t: t[0], [(1, 2)])]
'a' < 'b' < 'c'
(1, 2) < (1, 3)
[] == []
None == 0
f'{x:05d}'
f'{x!r:>6}'
f'{"a" "b"}'
f'{x}{x}'
(1 if x else 2) + 3
not not x
-x
~x
x ** 2 % 7
x // 3 * 3 + x % 3
(lambda: x)()
[x + i for i in range(3)]
{'k': x}
{x: 'v'}
x if x > 5 else -x
1 +
1 2
(1
[1, 2
a b c
lambda x=1, y: 0
not (x is None)
not (1 in [1])
-(1 << 40)
{3 * 2, 1 + 1, 2 ** 3}
f(**x, *y)
f(a=1, a=2)
x = 1
1 = x
None = 1
def
'abc
'\x4'
f'{}'
f'{1!x}'
f'{1'
f'}'
(1 for x in y) = 2
del 1
0777
1__0
0x
1e
5 if 3
x.1
a[1:2:3:4]
x := 1
'''.strip('\n').split('\n') + [
    '"""triple\nquoted"""',
    '\'\'\'x\'y"z\'\'\'',
    "f'''{1}\n{2}'''",
    "'''a\nb'''.splitlines()",
    '[1,\n 2,\n 3]',
    '1 + \\\n2',
    '"""abc',
]

EXEC = [
r'''
a = 1
b, c = 2, 3
d = e = 4
print(a, b, c, d, e)
a, *rest = [1, 2, 3, 4]
print(a, rest)
*init, last = 'abc'
print(init, last)
(x, y), z = (1, 2), 3
print(x, y, z)
[p, q] = 5, 6
print(p, q)
''',
r'''
x = 10
x += 5; print(x)
x -= 3; print(x)
x *= 2; print(x)
x //= 5; print(x)
x **= 3; print(x)
x %= 7; print(x)
x <<= 4; print(x)
x >>= 1; print(x)
x |= 1; print(x)
x &= 0xF; print(x)
x ^= 0xFF; print(x)
x /= 2; print(x)
l = [1, 2]
l += [3]
print(l)
class O: pass
o = O(); o.v = 1
o.v += 41
print(o.v)
d = {'k': 1}
d['k'] *= 10
print(d)
s = 'ab'
s *= 2
print(s)
''',
r'''
x: int = 5
y: str
print(x, __annotations__)
class C:
    a: int = 1
    b: 'str'
print(C.a, C.__annotations__)
def f(a: int, b: 'x' = 2, *args: tuple, c: float = 1.0, **kw: dict) -> bool:
    z: int = 3
    return z
print(f.__annotations__, f(1))
''',
r'''
l = [1, 2, 3, 4]
del l[0]
print(l)
del l[1:]
print(l)
d = {'a': 1, 'b': 2}
del d['a']
print(d)
x = 1
del x
try:
    x
except NameError as e:
    print(e)
class O: pass
o = O(); o.a = 1; o.b = 2
del o.a, o.b
print(vars(o))
''',
r'''
for i in range(5):
    if i == 1:
        continue
    if i == 3:
        break
    print(i)
else:
    print('no break')
for i in range(2):
    pass
else:
    print('else ran', i)
n = 0
while n < 3:
    n += 1
    if n == 2:
        continue
    print('n', n)
else:
    print('while else')
while True:
    break
print('done')
for a, b in [(1, 2), (3, 4)]:
    print(a + b)
for i in range(3):
    for j in range(3):
        if j == 1:
            break
        print(i, j)
''',
r'''
x = 5
if x > 3:
    print('big')
elif x > 1:
    print('mid')
else:
    print('small')
if not x: print('zero')
else: print('nonzero')
if x > 1 and x < 10 or x == 100:
    print('range')
if (y := x * 2) > 5:
    print('walrus', y)
''',
r'''
def f(a, b=2, *args, c, d=4, **kw):
    return (a, b, args, c, d, kw)
print(f(1, c=3))
print(f(1, 2, 3, 4, c=5, e=6))
print(f(*[1, 2], **{'c': 3}))
print(f(1, *(2, 3), c=0, **{'x': 1}, y=2))
def g(a, /, b, *, c):
    return a, b, c
print(g(1, b=2, c=3))
try:
    g(a=1, b=2, c=3)
except TypeError as e:
    print(e)
def h():
    """doc string"""
    return 1
print(h.__doc__, h())
def noret():
    pass
print(noret())
def defaults(x=[]):
    x.append(1)
    return x
defaults(); print(defaults())
print(f.__name__, f.__qualname__, f.__defaults__, f.__kwdefaults__)
print(f.__code__.co_varnames, f.__code__.co_argcount, f.__code__.co_kwonlyargcount)
''',
r'''
def deco(fn):
    def wrapper(*a, **k):
        return ('wrapped', fn(*a, **k))
    return wrapper
def deco2(tag):
    def d(fn):
        fn.tag = tag
        return fn
    return d
@deco
def f(x):
    return x + 1
print(f(1))
@deco2('t')
@deco
def g():
    return 0
print(g.tag, g())
class K:
    @staticmethod
    def s(x):
        return x
    @classmethod
    def c(cls):
        return cls.__name__
    @property
    def p(self):
        return 42
print(K.s(1), K.c(), K().p)
''',
r'''
def counter():
    n = 0
    def inc():
        nonlocal n
        n += 1
        return n
    return inc
c = counter()
c(); c()
print(c())
def outer(x):
    def mid():
        def inner():
            return x
        return inner
    return mid()()
print(outer('deep'))
G = 1
def setg():
    global G
    G = 2
setg()
print(G)
def cells(a):
    b = a * 2
    return [lambda: a + b for _ in range(2)]
print([f() for f in cells(3)])
def shadow():
    x = 1
    def f():
        return x
    x = 2
    return f()
print(shadow())
print(counter.__code__.co_cellvars, c.__code__.co_freevars)
''',
r'''
def gen(n):
    for i in range(n):
        x = yield i
        if x:
            print('got', x)
    return 'end'
g = gen(3)
print(next(g))
print(g.send('hello'))
print(list(g))
def deleg():
    r = yield from gen(2)
    print('result', r)
    yield 'last'
print(list(deleg()))
def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b
import itertools
print(list(itertools.islice(fib(), 10)))
ge = (x * x for x in range(4))
print(type(ge).__name__, list(ge))
def early():
    yield 1
    return
    yield 2
print(list(early()))
''',
r'''
class A:
    cls_attr = 'A'
    def __init__(self, v):
        self.v = v
    def get(self):
        return self.v
    def __repr__(self):
        return f'{type(self).__name__}({self.v!r})'
class B(A):
    def __init__(self, v):
        super().__init__(v * 2)
    def get(self):
        return super().get() + 1
b = B(5)
print(b, b.get(), b.cls_attr, B.__mro__[1].__name__)
print(B.__qualname__, B.get.__qualname__, A.__module__)
class Meta(type):
    def __new__(mcls, name, bases, ns, **kw):
        ns['extra'] = kw
        return super().__new__(mcls, name, bases, ns)
class C(A, metaclass=Meta, flag=True):
    """class doc"""
    def m(self):
        return __class__
print(C.extra, C.__doc__, C(1).m() is C)
class Outer:
    class Inner:
        def f(self):
            pass
print(Outer.Inner.__qualname__, Outer.Inner.f.__qualname__)
def fn():
    class Local:
        pass
    return Local
print(fn().__qualname__)
class P:
    __priv = 1
    def get(self):
        return self.__priv
print(P().get(), hasattr(P, '_P__priv'))
x = 'outer'
class S:
    x = 'class'
    y = [x for _ in range(1)]
print(S.y)
bases = (A,)
class D(*bases):
    pass
print(D.__bases__[0].__name__)
''',
r'''
def f(x):
    try:
        if x == 0:
            raise ValueError('zero')
        if x == 1:
            return 'one'
        r = 10 // (x - 2)
    except ValueError as e:
        print('ValueError', e)
        return 'v'
    except (ZeroDivisionError, TypeError) as e:
        print('math', type(e).__name__)
    else:
        print('else', r)
    finally:
        print('finally', x)
    return 'end'
for i in range(4):
    print(f(i))
try:
    try:
        raise KeyError('k')
    finally:
        print('inner finally')
except KeyError as e:
    print('outer', repr(e))
try:
    raise ValueError('a') from TypeError('b')
except ValueError as e:
    print(e, repr(e.__cause__))
try:
    try:
        1 / 0
    except ZeroDivisionError:
        raise RuntimeError('r')
except RuntimeError as e:
    print(e, type(e.__context__).__name__)
def loop():
    for i in range(3):
        try:
            if i == 1:
                continue
            if i == 2:
                break
        finally:
            print('fin', i)
    return 'ok'
print(loop())
def ret_in_finally():
    try:
        return 1
    finally:
        print('cleanup')
print(ret_in_finally())
try:
    raise
except RuntimeError as e:
    print(e)
e = 5
try:
    1/0
except Exception as e:
    pass
try:
    e
except NameError as ne:
    print(ne)
try:
    assert 1 == 2, 'msg'
except AssertionError as a:
    print('assert', a)
try:
    assert False
except AssertionError as a:
    print('assert', repr(a))
''',
r'''
class CM:
    def __init__(self, name, suppress=False):
        self.name = name
        self.suppress = suppress
    def __enter__(self):
        print('enter', self.name)
        return self.name
    def __exit__(self, t, v, tb):
        print('exit', self.name, t.__name__ if t else None)
        return self.suppress
with CM('a') as x:
    print('body', x)
with CM('b', True):
    raise ValueError
with CM('c') as c, CM('d') as d:
    print(c, d)
try:
    with CM('e'):
        raise KeyError('x')
except KeyError:
    print('propagated')
def f():
    with CM('f'):
        return 'ret'
print(f())
for i in range(2):
    with CM(i):
        if i == 0:
            continue
        break
''',
r'''
import math
import os.path
import os.path as osp
from math import sqrt, pi as PI
from collections import *
print(math.floor(2.5), sqrt(16.0), round(PI, 2), osp is os.path, os.path.join('a', 'b'))
print(OrderedDict is __import__('collections').OrderedDict)
def local_import():
    import math as m
    from math import e
    return m.ceil(e)
print(local_import())
''',
r'''
print(compile('1+1', '<s>', 'eval').co_filename)
print(eval(compile('x * 2', 'f', 'eval'), {'x': 21}))
ns = {}
exec(compile('y = 5\nz = y * 2', 'f', 'exec'), ns)
print(ns['y'], ns['z'])
print(eval('a + b', {'a': 1}, {'b': 2}))
g = {'v': 1}
l = {}
exec('w = v + 1', g, l)
print(l, 'w' in g)
exec('def f(): return v', g)
print(g['f']())
print(eval('  1 + 1'))
print(eval(b'2 * 3'))
c = compile('print(\'single\')', '<s>', 'single')
exec(c)
try:
    eval('1 + * 2')
except SyntaxError as e:
    print(e.msg, e.lineno, e.offset, repr(e.text), e.filename)
try:
    compile('x', 'f', 'bogus')
except ValueError as e:
    print(e)
try:
    exec('def f(:\n  pass')
except SyntaxError as e:
    print(type(e).__name__, e.msg, e.lineno)
''',
r'''
def make(name, fields):
    args = ', '.join(fields)
    body = '\n'.join(f'  self.{f} = {f}' for f in fields)
    txt = f'def __init__(self, {args}):\n{body}'
    ns = {}
    exec(txt, {}, ns)
    return type(name, (), {'__init__': ns['__init__']})
P = make('P', ['x', 'y'])
p = P(1, 2)
print(p.x, p.y)
namespace = {'_tuple_new': tuple.__new__, '__builtins__': {}, '__name__': 'namedtuple_P'}
code = 'lambda _cls, x, y: _tuple_new(_cls, (x, y))'
__new__ = eval(code, namespace)
print(__new__.__name__, __new__(tuple, 1, 2), __new__.__code__.co_varnames)
locals_ = {'_type_x': int, '_return_type': None, 'MISSING': object(), '_HAS_DEFAULT_FACTORY': object()}
txt = """def __create_fn__(_type_x, _return_type, MISSING, _HAS_DEFAULT_FACTORY):
 def __init__(self, x:_type_x=1)->_return_type:
  self.x=x
 return __init__"""
ns = {}
exec(txt, {}, ns)
init = ns['__create_fn__'](**locals_)
print(init.__annotations__, init.__defaults__, init.__code__.co_freevars)
txt2 = """def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self, name, value):
  if type(self) is cls or name in ('x',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__"""
ns = {}
exec(txt2, {}, ns)
class F: pass
F.__setattr__ = ns['__create_fn__'](F, AttributeError)
try:
    F().x = 1
except AttributeError as e:
    print(e)
txt3 = """def __create_fn__():
 def __eq__(self,other):
  if other.__class__ is self.__class__:
   return (self.x,self.y,)==(other.x,other.y,)
  return NotImplemented
 return __eq__"""
ns = {}
exec(txt3, {}, ns)
eq = ns['__create_fn__']()
class Q:
    def __init__(self, x, y): self.x, self.y = x, y
Q.__eq__ = eq
print(Q(1, 2) == Q(1, 2), Q(1, 2) == Q(1, 3))
txt4 = """def __create_fn__():
 def __repr__(self):
  return self.__class__.__qualname__ + f"(x={self.x!r}, y={self.y!r})"
 return __repr__"""
ns = {}
exec(txt4, {}, ns)
Q.__repr__ = ns['__create_fn__']()
print(Q(1, 'a'))
''',
r'''
import sys
def tb_line():
    try:
        exec('x = 1\ny = 2\nz = 1 / 0\n')
    except ZeroDivisionError:
        tb = sys.exc_info()[2]
        while tb.tb_next:
            tb = tb.tb_next
        return tb.tb_lineno, tb.tb_frame.f_code.co_filename
print(tb_line())
def f():
    a = 1
    b = 0
    return (a
            / b)
try:
    exec(compile('def f():\n    return 1 / 0\nf()\n', 'prog.py', 'exec'))
except ZeroDivisionError as e:
    tb = e.__traceback__
    lines = []
    while tb:
        lines.append((tb.tb_frame.f_code.co_name, tb.tb_lineno))
        tb = tb.tb_next
    print(lines[1:])
''',
r'''
x = [i for i in range(3)]
def f():
    return [y for y in range(2)], {k: v for k, v in zip('ab', 'cd')}
print(x, f())
def g(n):
    return list(i * n for i in range(3))
print(g(2))
class C:
    vals = [1, 2]
    doubled = [v * 2 for v in vals]
print(C.doubled)
print([(i, j) for i in range(3) if i for j in range(i) if j == 0])
print(sorted({c for c in 'hello'}))
''',
r'''
def f(*args, **kwargs):
    return args, sorted(kwargs.items())
print(f(1, *[2, 3], 4, *(5,)))
print(f(**{'a': 1}, **{'b': 2}))
print(f(x=1, **{'y': 2}, z=3))
print(f(*'ab', k=1))
a = [1, 2]
print(*a, sep='-')
print(*a, *a)
m = {'sep': '+'}
print(1, 2, **m)
try:
    f(**{'a': 1}, a=2)
except TypeError as e:
    print(e)
''',
r'''
i = 0
while i < 10:
    i += 1
    try:
        if i % 2:
            continue
        if i > 6:
            break
    finally:
        pass
    print(i)
def nested_finally():
    try:
        try:
            return 'inner'
        finally:
            print('f1')
    finally:
        print('f2')
print(nested_finally())
def exc_in_except():
    try:
        raise ValueError
    except ValueError:
        try:
            raise TypeError
        except TypeError as t:
            return type(t).__name__
print(exc_in_except())
def bare():
    try:
        raise OSError('x')
    except:
        return 'bare caught'
print(bare())
''',
r'''
def describe(v):
    match v:
        case 0 | 1 as small:
            return f'small {small}'
        case [x, y, *rest] if x == y:
            return f'pair {x} {rest}'
        case [x, *_, last]:
            return f'seq {x} {last}'
        case {'k': k, **others}:
            return f'map {k} {others}'
        case str() as s:
            return 'str ' + s
        case None:
            return 'none'
        case _:
            return 'other'
for v in [0, 1, [2, 2, 3], [1, 2, 3], {'k': 1, 'z': 2}, 'hi', None, 3.5]:
    print(describe(v))
''',
r'''
async def inner(x):
    return x * 2
async def agen():
    for i in range(3):
        yield i
async def main():
    r = [await inner(1)]
    async for v in agen():
        r.append(v)
    r.append([x async for x in agen() if x])
    return r
c = main()
try:
    c.send(None)
except StopIteration as e:
    print(e.value)
f = lambda: (yield 1)
g = f()
print(next(g))
try:
    g.send('back')
except StopIteration as e:
    print('returned', e.value)
def h(a, b):
    print(not (a is b), not (a in [b]))
h(1, 2)
def ann():
    x: int
    (y): int
    return 1
print(ann.__code__.co_varnames, ann())
''',
r'''
def f():
    try:
        raise ExceptionGroup('eg', [ValueError('v'), TypeError('t')])
    except* ValueError as e:
        print('caught', repr(e.exceptions))
    except* TypeError:
        print('type')
    print('after')
f()
try:
    try:
        raise ExceptionGroup('eg', [KeyError('k')])
    except* ValueError:
        print('no')
except ExceptionGroup as e:
    print('propagated', repr(e.exceptions))
''',
]

ERRORS = [
    ('exec', 'x = (1,'),
    ('exec', 'def f():\nreturn 1'),
    ('exec', 'if 1:\n    x = 1\n  y = 2'),
    ('exec', '  x = 1'),
    ('exec', 'return 1'),
    ('exec', 'break'),
    ('exec', 'continue'),
    ('exec', 'yield 1'),
    ('exec', 'def f():\n    nonlocal x'),
    ('exec', 'nonlocal x'),
    ('exec', 'def f(a, a): pass'),
    ('exec', 'def f(a=1, b): pass'),
    ('exec', 'f(x for x in y, 1)'),
    ('exec', 'f(a=1, 2)'),
    ('exec', 'class A(:\n pass'),
    ('exec', 'for x in range(3):\n    pass\n  else:\n    pass'),
    ('exec', 'try:\n    pass'),
    ('exec', 'x +'),
    ('exec', '"abc'),
    ('exec', '"""abc'),
    ('exec', 'a, b += 1'),
    ('exec', 'f() = 1'),
    ('exec', 'def f():\n    x = 1\n    global x'),
    ('exec', 'x = 1 +\n'),
    ('eval', ''),
    ('eval', 'x = 1'),
    ('eval', '1 2'),
    ('eval', ')'),
    ('eval', '[1, 2'),
    ('eval', 'lambda: (yield)'),
    ('exec', 'from __future__ import braces'),
    ('exec', 'from __future__ import nope'),
    ('exec', 'x = 1\nfrom __future__ import annotations'),
    ('exec', '"doc"\nfrom __future__ import annotations\nx = 1'),
    ('exec', 'if 1:\n\tx = 1\n        y = 2\n'),
    ('exec', 'x = a ? b\ns = "unterminated\n'),
    ('exec', 'f(a, b\ndef g(): pass\n'),
    ('exec', 'x = 5 ?'),
    ('exec', 'x = €'),
]


def run_exec(src):
    g = {}
    try:
        exec(PRELUDE + src, g)
    except BaseException as e:
        return ''.join(g.get('_out', [])) + f'!{type(e).__name__}: {e}\n'
    return ''.join(g['_out'])


def main():
    out = []
    for src in EVAL:
        g = {'x': 7}
        try:
            res = repr(eval(src, g))
            if 'function' in res or 'generator' in res:
                res = '<' + type(eval(src, g)).__name__ + '>'
        except SyntaxError as e:
            res = f'!{type(e).__name__}: {e.msg} ({e.lineno}, {e.offset})'
        except BaseException as e:
            res = f'!{type(e).__name__}: {e}'
        out.append({'mode': 'eval', 'src': src, 'out': res})
    for src in EXEC:
        src = src.lstrip('\n')
        out.append({'mode': 'exec', 'src': src, 'out': run_exec(src)})
    for mode, src in ERRORS:
        try:
            compile(src, '<case>', mode)
            res = 'compiled'
        except SyntaxError as e:
            res = f'!{type(e).__name__}: {e.msg} ({e.lineno}, {e.offset})'
        out.append({'mode': mode, 'src': src, 'out': res, 'compile_only': True})
    path = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'compile', 'cases.jsonl')
    with open(path, 'w', encoding='utf-8') as f:
        f.write('# generated by scripts/gen_compile_cases.py, do not edit\n')
        for c in out:
            f.write(json.dumps(c, ensure_ascii=False) + '\n')
    print(f'{len(out)} cases -> {os.path.normpath(path)}')


if __name__ == '__main__':
    main()
