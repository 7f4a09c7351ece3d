# pycvm's _pickle: pickle's pure-Python pickler and unpickler with what a
# program sees of CPython's C _pickle: its exception classes (module
# '_pickle'), and the unpickler's messages for data that ends too soon
# ("pickle data was truncated", "Ran out of input") or has an unknown
# opcode.  pickle.py imports this module twice: first for PickleBuffer
# (which pycvm lacks), then, once its pure-Python classes exist, for the
# rest; those are made when first asked for.
import sys as _sys
import io as _io


class PickleError(Exception):
    pass


class PicklingError(PickleError):
    pass


class UnpicklingError(PickleError):
    pass


for _cls in (PickleError, PicklingError, UnpicklingError):
    _cls.__module__ = "_pickle"
del _cls


def _truncated():
    return UnpicklingError("pickle data was truncated")


def _c_number(p, load, what):
    def op(self):
        try:
            return load(self)
        except ValueError:
            pass
        raise ValueError(f"could not convert string to {what}")

    return op


def _make_unpickler(p):
    class Unpickler(p._Unpickler):
        dispatch = dict(p._Unpickler.dispatch)
        dispatch[p.INT[0]] = _c_number(p, p._Unpickler.load_int, "int")
        dispatch[p.FLOAT[0]] = _c_number(p, p._Unpickler.load_float, "float")

        def load(self):
            if not hasattr(self, "_file_read"):
                raise UnpicklingError("Unpickler.__init__() was not called by "
                                      f"{type(self).__name__}.__init__()")
            unframer = p._Unframer(self._file_read, self._file_readline)
            self._unframer = unframer

            def read(n):
                data = unframer.read(n)
                if len(data) < n:
                    raise _truncated()
                return data

            def readline():
                line = unframer.readline()
                if not line.endswith(b"\n"):
                    raise _truncated()
                return line

            self.read, self.readline = read, readline
            self.readinto = unframer.readinto
            self.metastack = []
            self.stack = []
            self.append = self.stack.append
            self.proto = 0
            dispatch = self.dispatch
            try:
                while True:
                    key = unframer.read(1)
                    if not key:
                        raise EOFError("Ran out of input")
                    op = dispatch.get(key[0])
                    if op is None:
                        c = key[0]
                        shown = chr(c) if 0x20 <= c <= 0x7E and c not in b"'\\" else f"\\x{c:02x}"
                        raise UnpicklingError(f"invalid load key, '{shown}'.")
                    op(self)
            except p._Stop as stopinst:
                return stopinst.value

    Unpickler.__module__, Unpickler.__qualname__ = "_pickle", "Unpickler"
    return Unpickler


# The pure pickler's words for a bad __reduce__ value, and C's.
_REDUCE_MESSAGES = (
    (" must return string or tuple", "__reduce__ must return a string or tuple"),
    (" must have two to six elements",
     "tuple returned by __reduce__ must contain 2 through 6 elements"),
)


def _python_depth():
    # The frames CPython would count for the caller of dump(): every
    # frame but this module's own (C code in CPython).
    f = _sys._getframe(1)
    n = 0
    here = globals()
    while f is not None:
        if f.f_globals is not here:
            n += 1
        f = f.f_back
    return n


def _recursion_error():
    return RecursionError("maximum recursion depth exceeded while pickling an object")


def _counted(save_container):
    # C's save_list and save_dict take one more unit of the recursion
    # limit while they run.
    def op(self, obj):
        self._c_units += 1
        try:
            if self._c_units > self._c_budget:
                raise _recursion_error()
            return save_container(self, obj)
        finally:
            self._c_units -= 1

    return op


def _make_pickler(p):
    class Pickler(p._Pickler):
        # CPython's C pickler counts one unit of the recursion limit per
        # save() and one more per list or dict being saved (on top of the
        # caller's Python frames), where the pure pickler runs three to
        # eight Python frames per object: dump() allows the pure frames
        # the C depth and raises RecursionError where C would.
        _c_units = 0
        _c_budget = 1 << 62

        def dump(self, obj):
            limit = _sys.getrecursionlimit()
            depth = _python_depth()
            self._c_units = 0
            self._c_budget = limit - depth
            # At most three pure frames per unit, plus the user code
            # (__reduce__, persistent_id) the pickler calls.
            raised = max(limit, depth + 3 * self._c_budget + 100)
            _sys.setrecursionlimit(raised)
            try:
                return super().dump(obj)
            finally:
                if _sys.getrecursionlimit() == raised:
                    _sys.setrecursionlimit(limit)

        def save(self, obj, save_persistent_id=True):
            self._c_units += 1
            try:
                if self._c_units > self._c_budget:
                    raise _recursion_error()
                try:
                    return super().save(obj, save_persistent_id)
                except PicklingError as exc:
                    text = str(exc)
                    for pure, c in _REDUCE_MESSAGES:
                        if text.endswith(pure):
                            break
                    else:
                        raise
                raise PicklingError(c)
            finally:
                self._c_units -= 1

        def save_global(self, obj, name=None):
            if name is None:
                name = getattr(obj, "__qualname__", None)
            if name is None:
                name = obj.__name__
            if "<locals>" in name.split("."):
                raise AttributeError(f"Can't pickle local object {name!r}")
            module_name = p.whichmodule(obj, name)
            try:
                __import__(module_name, level=0)
                module = _sys.modules[module_name]
            except ImportError:
                module = None
            if module is None:
                raise PicklingError(f"Can't pickle {obj!r}: import of module "
                                    f"{module_name!r} failed")
            try:
                p._getattribute(module, name)
                found = True
            except AttributeError:
                found = False
            if not found:
                raise PicklingError(f"Can't pickle {obj!r}: attribute lookup {name} "
                                    f"on {module_name} failed")
            return super().save_global(obj, name)

        # The base class's dispatch table holds its own save_global (for
        # functions); functions go through this one too.
        dispatch = dict(p._Pickler.dispatch)

    for t, f in Pickler.dispatch.items():
        if f is p._Pickler.save_global:
            Pickler.dispatch[t] = Pickler.save_global
    Pickler.dispatch[list] = _counted(p._Pickler.save_list)
    Pickler.dispatch[dict] = _counted(p._Pickler.save_dict)
    return Pickler


def _make():
    p = _sys.modules["pickle"]
    Pickler = _make_pickler(p)

    Pickler.__module__, Pickler.__qualname__ = "_pickle", "Pickler"
    Unpickler = _make_unpickler(p)

    def dump(obj, file, protocol=None, *, fix_imports=True, buffer_callback=None):
        Pickler(file, protocol, fix_imports=fix_imports,
                buffer_callback=buffer_callback).dump(obj)

    def dumps(obj, protocol=None, *, fix_imports=True, buffer_callback=None):
        f = _io.BytesIO()
        Pickler(f, protocol, fix_imports=fix_imports,
                buffer_callback=buffer_callback).dump(obj)
        return f.getvalue()

    def load(file, *, fix_imports=True, encoding="ASCII", errors="strict", buffers=()):
        return Unpickler(file, fix_imports=fix_imports, buffers=buffers,
                         encoding=encoding, errors=errors).load()

    def loads(data, /, *, fix_imports=True, encoding="ASCII", errors="strict", buffers=()):
        if isinstance(data, str):
            raise TypeError("a bytes-like object is required, not 'str'")
        return Unpickler(_io.BytesIO(data), fix_imports=fix_imports, buffers=buffers,
                         encoding=encoding, errors=errors).load()

    made = {"Pickler": Pickler, "Unpickler": Unpickler, "dump": dump,
            "dumps": dumps, "load": load, "loads": loads}
    for name, value in made.items():
        if callable(value) and not isinstance(value, type):
            value.__module__ = "_pickle"
            value.__qualname__ = name
    globals().update(made)


def __getattr__(name):
    if name in ("Pickler", "Unpickler", "dump", "dumps", "load", "loads") and "pickle" in _sys.modules:
        _make()
        return globals()[name]
    raise AttributeError(f"module '_pickle' has no attribute '{name}'")
