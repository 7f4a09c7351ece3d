# pycvm's _pickle: the classes of CPython's C module over pycvm's native
# pickler and unpickler (src/modules/pickle/, whose functions this module
# starts with).  They parse their arguments and keep their attributes here;
# dumping and loading run in Rust, which also holds each pickler's and
# unpickler's settings and memo in a state object (`_st`).


class PickleError(Exception):
    pass


class PicklingError(PickleError):
    pass


class UnpicklingError(PickleError):
    pass


def _check_text_args(fname, encoding, errors):
    for name, value in (("encoding", encoding), ("errors", errors)):
        if not isinstance(value, str):
            shown = "None" if value is None else type(value).__name__
            raise TypeError(f"{fname}() argument {name!r} must be str, not {shown}")


class PicklerMemoProxy:
    __slots__ = ("pickler",)

    def __init__(self, pickler):
        self.pickler = pickler

    def clear(self):
        _memo_clear(self.pickler._st)

    def copy(self):
        return _memo_copy(self.pickler._st)

    def __reduce__(self):
        return dict, (self.copy(),)

    __hash__ = None


class UnpicklerMemoProxy:
    __slots__ = ("unpickler",)

    def __init__(self, unpickler):
        self.unpickler = unpickler

    def clear(self):
        _umemo_clear(self.unpickler._st)

    def copy(self):
        return _umemo_copy(self.unpickler._st)

    def __reduce__(self):
        return dict, (self.copy(),)

    __hash__ = None


class Pickler:
    __slots__ = ("_st", "_pid", "dispatch_table")

    def __init__(self, file, protocol=None, fix_imports=True, buffer_callback=None):
        self._st = _pickler_state(file, protocol, fix_imports, buffer_callback)

    def dump(self, obj, /):
        _dump(self, obj)

    def clear_memo(self):
        _memo_clear(self._st)

    def __sizeof__(self):
        return object.__sizeof__(self)

    @property
    def memo(self):
        return PicklerMemoProxy(self)

    @memo.setter
    def memo(self, value):
        if isinstance(value, PicklerMemoProxy):
            value = value.copy()
        _memo_set(self._st, value)

    @memo.deleter
    def memo(self):
        raise TypeError("attribute deletion is not supported")

    @property
    def persistent_id(self):
        try:
            return self._pid
        except AttributeError:
            raise AttributeError("persistent_id") from None

    @persistent_id.setter
    def persistent_id(self, value):
        if not callable(value):
            raise TypeError("persistent_id must be a callable taking one argument")
        self._pid = value

    @persistent_id.deleter
    def persistent_id(self):
        raise TypeError("attribute deletion is not supported")

    @property
    def bin(self):
        return _pstate_get(self._st, "bin")

    @bin.setter
    def bin(self, value):
        _pstate_set(self._st, "bin", value)

    @property
    def fast(self):
        return _pstate_get(self._st, "fast")

    @fast.setter
    def fast(self, value):
        _pstate_set(self._st, "fast", value)


class Unpickler:
    __slots__ = ("_st", "_pload")

    def __init__(self, file, *, fix_imports=True, encoding="ASCII", errors="strict",
                 buffers=None):
        _check_text_args("Unpickler", encoding, errors)
        self._st = _unpickler_state(file, fix_imports, encoding, errors, buffers)

    def load(self):
        return _load(self)

    def find_class(self, module_name, global_name, /):
        return _find_class(self, module_name, global_name)

    def __sizeof__(self):
        return object.__sizeof__(self)

    @property
    def memo(self):
        return UnpicklerMemoProxy(self)

    @memo.setter
    def memo(self, value):
        if isinstance(value, UnpicklerMemoProxy):
            value = value.copy()
        _umemo_set(self._st, value)

    @memo.deleter
    def memo(self):
        raise TypeError("attribute deletion is not supported")

    @property
    def persistent_load(self):
        try:
            return self._pload
        except AttributeError:
            raise AttributeError("persistent_load") from None

    @persistent_load.setter
    def persistent_load(self, value):
        if not callable(value):
            raise TypeError("persistent_load must be a callable taking one argument")
        self._pload = value

    @persistent_load.deleter
    def persistent_load(self):
        raise TypeError("attribute deletion is not supported")


_find_class_base = Unpickler.find_class


def dump(obj, file, protocol=None, *, fix_imports=True, buffer_callback=None):
    _dump(Pickler(file, protocol, fix_imports, buffer_callback), obj)


def dumps(obj, protocol=None, *, fix_imports=True, buffer_callback=None):
    return _dumps(obj, protocol, fix_imports, buffer_callback)


def load(file, *, fix_imports=True, encoding="ASCII", errors="strict", buffers=None):
    _check_text_args("load", encoding, errors)
    return _load(Unpickler(file, fix_imports=fix_imports, encoding=encoding,
                           errors=errors, buffers=buffers))

