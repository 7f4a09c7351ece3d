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

        def load_pop(self):
            if self.stack:
                del self.stack[-1]
            elif self.metastack:
                self.pop_mark()
            else:
                raise UnpicklingError("unpickling stack underflow")

        dispatch[p.POP[0]] = load_pop

        def load(self):
            if not hasattr(self, "_file_read"):
                raise UnpicklingError("Unpickler.__init__() was not called by "
                                      f"{type(self).__name__}.__init__()")
            unframer = p._Unframer(self._file_read, self._file_readline)
            self._unframer = unframer
            load_frame = unframer.load_frame

            def checked_frame(frame_size):
                load_frame(frame_size)
                if len(unframer.current_frame.getvalue()) < frame_size:
                    raise _truncated()

            unframer.load_frame = checked_frame

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
                    try:
                        op(self)
                    except IndexError:
                        # An opcode popped an empty stack (C: Pdata_pop).
                        raise UnpicklingError("unexpected MARK found" if self.metastack
                                              else "unpickling stack underflow") from None
            except p._Stop as stopinst:
                return stopinst.value

        def persistent_load(self, pid):
            raise UnpicklingError("A load persistent id instruction was encountered,\n"
                                  "but no persistent_load function was specified.")

        def pop_mark(self):
            if not self.metastack:
                raise UnpicklingError("could not find MARK")
            return super().pop_mark()

        def find_class(self, module, name):
            try:
                return super().find_class(module, name)
            except AttributeError as exc:
                if self.proto >= 4 or str(exc).startswith("Can't get attribute"):
                    raise
            # C words a missing global the same way for every protocol.
            if self.proto < 3 and self.fix_imports:
                import _compat_pickle
                if (module, name) in _compat_pickle.NAME_MAPPING:
                    module, name = _compat_pickle.NAME_MAPPING[(module, name)]
                elif module in _compat_pickle.IMPORT_MAPPING:
                    module = _compat_pickle.IMPORT_MAPPING[module]
            raise AttributeError(f"Can't get attribute {name!r} on {_sys.modules[module]!r}")

        def __init__(self, file, *, fix_imports=True, encoding="ASCII", errors="strict",
                     buffers=()):
            if not (hasattr(file, "read") and hasattr(file, "readline")):
                raise TypeError("file must have 'read' and 'readline' attributes")
            super().__init__(file, fix_imports=fix_imports, encoding=encoding,
                             errors=errors, buffers=buffers)

    Unpickler.__module__, Unpickler.__qualname__ = "_pickle", "Unpickler"
    return Unpickler


# The pure pickler's words for a bad __reduce__ value, and C's.
_REDUCE_MESSAGES = (
    (" must return string or tuple", "__reduce__ must return a string or tuple"),
    (" must have two to six elements",
     "tuple returned by __reduce__ must contain 2 through 6 elements"),
    ("func from save_reduce() must be callable",
     "first item of the tuple returned by __reduce__ must be callable"),
    ("args from save_reduce() must be a tuple",
     "second item of the tuple returned by __reduce__ must be a tuple"),
)


def _check_text_args(fname, encoding, errors):
    for name, value in (("encoding", encoding), ("errors", errors)):
        if not isinstance(value, str):
            shown = "None" if value is None else type(value).__name__
            raise TypeError(f"{fname}() argument {name!r} must be str, not {shown}")


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


# The types C's save() handles before it asks reducer_override.
_ATOMIC = (type(None), bool, int, float)
_BUILTIN = (bytes, str, dict, set, frozenset, list, tuple, bytearray)


def _save_c(self, obj, save_persistent_id):
    """The pure Pickler.save in C's order: None, bools, ints, floats, the
    memo, then bytes, str and the builtin containers, and only then
    reducer_override; the type dispatch is the pickler's own (a subclass's
    `dispatch` attribute plays no part, as in C)."""
    p = _sys.modules["pickle"]
    self.framer.commit_frame()
    pid = self.persistent_id(obj)
    if pid is not None and save_persistent_id:
        self.save_pers(pid)
        return
    t = type(obj)
    dispatch = type(self)._c_dispatch
    if t in _ATOMIC:
        dispatch[t](self, obj)
        return
    x = self.memo.get(id(obj))
    if x is not None:
        self.write(self.get(x[0]))
        return
    if t in _BUILTIN:
        dispatch[t](self, obj)
        return
    rv = NotImplemented
    reduce = getattr(self, "reducer_override", None)
    if reduce is not None:
        rv = reduce(obj)
    if rv is NotImplemented:
        f = dispatch.get(t)
        if f is not None:
            f(self, obj)
            return
        reduce = getattr(self, "dispatch_table", p.dispatch_table).get(t)
        if reduce is not None:
            rv = reduce(obj)
        else:
            if issubclass(t, type):
                self.save_global(obj)
                return
            reduce = getattr(obj, "__reduce_ex__", None)
            if reduce is not None:
                rv = reduce(self.proto)
            else:
                reduce = getattr(obj, "__reduce__", None)
                if reduce is not None:
                    rv = reduce()
                else:
                    raise PicklingError(f"Can't pickle {t.__name__!r} object: {obj!r}")
    if isinstance(rv, str):
        self.save_global(obj, rv)
        return
    if not isinstance(rv, tuple):
        raise PicklingError("%s must return string or tuple" % reduce)
    if not 2 <= len(rv) <= 6:
        raise PicklingError("Tuple returned by %s must have two to six elements" % reduce)
    self.save_reduce(obj=obj, *rv)


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
                    return _save_c(self, obj, save_persistent_id)
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
    Pickler._c_dispatch = Pickler.dispatch
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
        _check_text_args("load", encoding, errors)
        return Unpickler(file, fix_imports=fix_imports, buffers=buffers,
                         encoding=encoding, errors=errors).load()

    def loads(data, /, *, fix_imports=True, encoding="ASCII", errors="strict", buffers=()):
        if isinstance(data, str):
            raise TypeError("a bytes-like object is required, not 'str'")
        _check_text_args("loads", encoding, errors)
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
