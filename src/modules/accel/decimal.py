# pycvm's _decimal: a private copy of the stdlib's _pydecimal given what a
# program sees of CPython's C _decimal (libmpdec): a trapped signal is
# raised with the list of its conditions as argument, contexts keep their
# flags and traps as booleans in C's signal order (so their reprs match),
# and conversions and format specifications fail with C's messages.
import importlib.util as _util
from collections.abc import MutableMapping as _MutableMapping


def _load_pure():
    spec = _util.find_spec("_pydecimal")
    mod = _util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_py = _load_pure()
__all__ = list(_py.__all__)
globals().update({name: getattr(_py, name) for name in __all__})
__version__ = _py.__version__
__libmpdec_version__ = "2.5.1"

_C_ORDER = (InvalidOperation, FloatOperation, DivisionByZero, Overflow, Underflow,
            Subnormal, Inexact, Rounded, Clamped)


# A signal libmpdec always raises together with these.
_IMPLIED = {Inexact: (Rounded,), Overflow: (Inexact, Rounded),
            Underflow: (Inexact, Subnormal, Rounded)}
# The order of the signals in a trapped signal's argument list.
_LIST_ORDER = (FloatOperation, DivisionByZero, Overflow, Underflow, Subnormal,
               Inexact, Rounded, Clamped)
# The order of the signals in a context's repr (libmpdec's flag bits).
_REPR_ORDER = (Clamped, InvalidOperation, DivisionByZero, Inexact, FloatOperation,
               Overflow, Rounded, Subnormal, Underflow)


# libmpdec's bit position of each InvalidOperation condition: a context's
# repr lists InvalidOperation where its first condition's bit is.
_INVALID_POS = {ConversionSyntax: 1, DivisionImpossible: 3, DivisionUndefined: 4,
                InvalidContext: 7, InvalidOperation: 8}
# The bit positions of the other signals (libmpdec's flag order).
_SIGNAL_POS = {Clamped: 0, DivisionByZero: 2, Inexact: 6, FloatOperation: 10,
               Overflow: 11, Rounded: 12, Subnormal: 13, Underflow: 14}
_INVALID_SIGNALS = ("valid values for signals are:\n"
                    "  [InvalidOperation, FloatOperation, DivisionByZero,\n"
                    "   Overflow, Underflow, Subnormal, Inexact, Rounded,\n"
                    "   Clamped]")


def _signal_of(key):
    for s in _C_ORDER:
        if s is key:
            return s
    raise KeyError(_INVALID_SIGNALS)


class SignalDict(_MutableMapping):
    """A context's flags or traps: a mapping of the nine signals to booleans
    (C's SignalDict): other keys are a KeyError, keys cannot be deleted."""

    __slots__ = ("_d", "_invpos")

    def __init__(self, d=None):
        self._d = {s: bool(d[s]) if d else False for s in _C_ORDER}
        # Where InvalidOperation shows in a context's repr (None: C order).
        self._invpos = None

    def __getitem__(self, key):
        return self._d[_signal_of(key)]

    def __setitem__(self, key, value):
        key = _signal_of(key)
        value = bool(value)
        self._d[key] = value
        if key is InvalidOperation:
            self._invpos = 1 if value else None

    def __delitem__(self, key):
        raise ValueError("signal keys cannot be deleted")

    def __iter__(self):
        return iter(_C_ORDER)

    def __len__(self):
        return len(_C_ORDER)

    def __repr__(self):
        return "{" + ", ".join(f"{s!r}:{self._d[s]}" for s in _C_ORDER) + "}"

    def copy(self):
        return dict(self._d)

    def _set_invalid(self, condition):
        self._d[InvalidOperation] = True
        pos = _INVALID_POS.get(condition, 8)
        if self._invpos is None or pos < self._invpos:
            self._invpos = pos


SignalDict.__module__ = "decimal"


def _signal_dict(value):
    """A SignalDict for `value` (a signal dict or a list of signals) as
    C's Context() and localcontext() take it."""
    if isinstance(value, SignalDict):
        return SignalDict(value._d)
    if isinstance(value, list):
        d = dict.fromkeys(_C_ORDER, False)
        for item in value:
            d[_signal_of(item)] = True
        return SignalDict(d)
    return _signal_dict_strict(value)


def _signal_dict_strict(value):
    """A SignalDict for `value` as C's flags and traps setters take it."""
    if isinstance(value, SignalDict):
        return SignalDict(value._d)
    if not isinstance(value, dict):
        raise TypeError("argument must be a signal dict")
    if len(value) != len(_C_ORDER):
        raise KeyError("invalid signal dict")
    for s in _C_ORDER:
        if s not in value:
            raise KeyError("invalid signal dict")
    return SignalDict(value)


def _raise_error(self, condition, explanation=None, *args):
    error = _py._condition_map.get(condition, condition)
    if error in self._ignored_flags:
        return error().handle(self, *args)
    if error is InvalidOperation:
        self.flags._set_invalid(condition)
    else:
        self.flags[error] = True
    if not self.traps[error]:
        return condition().handle(self, *args)
    implied = [s for s in _IMPLIED.get(error, ()) if s not in self._ignored_flags]
    for s in implied:
        self.flags[s] = True
    status = {error, *implied}
    raised = [condition] if error is InvalidOperation else []
    raised += [s for s in _LIST_ORDER if s in status and self.traps[s]]
    raise error(raised)


def _repr(self):
    s = ["Context(prec=%(prec)d, rounding=%(rounding)s, Emin=%(Emin)d, Emax=%(Emax)d, "
         "capitals=%(capitals)d, clamp=%(clamp)d" % vars(self)]
    for name in ("flags", "traps"):
        d = getattr(self, name)
        inv = getattr(d, "_invpos", None) or 1
        pos = sorted((inv if f is InvalidOperation else _SIGNAL_POS[f], f.__name__)
                     for f in _REPR_ORDER if d.get(f))
        s.append(name + "=[" + ", ".join(n for _, n in pos) + "]")
    return ", ".join(s) + ")"


def _c_signal_dicts(ctx):
    object.__setattr__(ctx, "traps", SignalDict(ctx.traps))
    object.__setattr__(ctx, "flags", SignalDict(ctx.flags))


_context_init = Context.__init__


def _init(self, prec=None, rounding=None, Emin=None, Emax=None, capitals=None,
          clamp=None, flags=None, traps=None, _ignored_flags=None, **kwargs):
    if kwargs:
        raise TypeError(f"{next(iter(kwargs))!r} is an invalid keyword argument for this function")
    # The pure __init__ shares a SignalDict (_shallow_copy) and converts
    # anything else: give it None and set the signal dicts afterwards.
    fl = flags if flags is None or isinstance(flags, SignalDict) else _signal_dict(flags)
    tr = traps if traps is None or isinstance(traps, SignalDict) else _signal_dict(traps)
    _context_init(self, prec, rounding, Emin, Emax, capitals, clamp, None, None,
                  _ignored_flags)
    if fl is not None:
        object.__setattr__(self, "flags", fl)
    if tr is not None:
        object.__setattr__(self, "traps", tr)


def _clear_flags(self):
    for flag in self.flags:
        self.flags[flag] = False


def _clear_traps(self):
    for flag in self.traps:
        self.traps[flag] = False


Context.__init__ = _init
Context._raise_error = _raise_error
Context.__repr__ = _repr
Context.clear_flags = _clear_flags
Context.clear_traps = _clear_traps
for _ctx in (DefaultContext, BasicContext, ExtendedContext):
    _c_signal_dicts(_ctx)
del _ctx


def _check_convertible(self):
    if self._is_special:
        if self._isnan():
            raise ValueError("cannot convert NaN to integer")
        raise OverflowError("cannot convert Infinity to integer")


def _to_int(name):
    orig = getattr(Decimal, name)

    def method(self, *args):
        _check_convertible(self)
        return orig(self, *args)

    method.__name__ = method.__qualname__ = name
    setattr(Decimal, name, method)


for _name in ("__int__", "__trunc__", "__floor__", "__ceil__"):
    _to_int(_name)
del _name
_round = Decimal.__round__


def _round_c(self, n=None):
    if n is None:
        _check_convertible(self)
    elif not isinstance(n, int):
        raise TypeError("optional arg must be an integer")
    return _round(self, n)


Decimal.__round__ = _round_c
_parse_spec = _py._parse_format_specifier


def _parse_format_specifier(format_spec, _localeconv=None):
    try:
        spec = _parse_spec(format_spec, _localeconv)
    except ValueError:
        spec = None
    # libmpdec has no alternate form ('#').
    if spec is None or spec.get("alt"):
        raise ValueError("invalid format string")
    return spec


_py._parse_format_specifier = _parse_format_specifier
_decimal_new = Decimal.__dict__["__new__"].__func__
_TUPLE_MESSAGES = (
    ("Invalid tuple size", "argument must be a sequence of length 3"),
    ("Invalid sign.", "sign must be an integer with the value 0 or 1"),
    ("The second value in the tuple", "coefficient must be a tuple of digits"),
)


def _c_new_message(exc, value):
    text = str(exc)
    if isinstance(exc, TypeError):
        if text.startswith("Cannot convert "):
            return f"conversion from {type(value).__name__} to Decimal is not supported"
        return None
    for pure, c in _TUPLE_MESSAGES:
        if text.startswith(pure):
            return c
    if text.startswith("The third value in the tuple"):
        if isinstance(value[2], str):
            return "string argument in the third position must be 'F', 'n' or 'N'"
        return "exponent must be an integer"
    return None


def _new(cls, value="0", context=None):
    try:
        return _decimal_new(cls, value, context)
    except (TypeError, ValueError) as exc:
        text = _c_new_message(exc, value)
        if text is None:
            raise
        err = type(exc)(text)
    raise err


Decimal.__new__ = staticmethod(_new)
_decimal_hash = Decimal.__hash__


def _hash(self):
    if self._is_special and self.is_snan():
        raise TypeError("Cannot hash a signaling NaN value")
    return _decimal_hash(self)


Decimal.__hash__ = _hash
MAX_PREC = MAX_EMAX = 999999999999999999
MIN_EMIN = -999999999999999999
_INVALID_ROUNDING = ("valid values for rounding are:\n"
                     "  [ROUND_CEILING, ROUND_FLOOR, ROUND_UP, ROUND_DOWN,\n"
                     "   ROUND_HALF_UP, ROUND_HALF_DOWN, ROUND_HALF_EVEN,\n"
                     "   ROUND_05UP]")
_RANGES = {
    "prec": (1, MAX_PREC, "valid range for prec is [1, MAX_PREC]"),
    "Emin": (MIN_EMIN, 0, "valid range for Emin is [MIN_EMIN, 0]"),
    "Emax": (0, MAX_EMAX, "valid range for Emax is [0, MAX_EMAX]"),
    "capitals": (0, 1, "valid values for capitals are 0 or 1"),
    "clamp": (0, 1, "valid values for clamp are 0 or 1"),
}
_context_setattr = Context.__setattr__


def _setattr(self, name, value):
    if name == "rounding":
        if not isinstance(value, str) or value not in _py._rounding_modes:
            raise TypeError(_INVALID_ROUNDING)
    elif name in ("flags", "traps"):
        return object.__setattr__(self, name, _signal_dict_strict(value))
    elif name in _RANGES:
        if not isinstance(value, int):
            raise TypeError("an integer is required")
        if not -2**63 <= value < 2**63:
            raise OverflowError("Python int too large to convert to C ssize_t")
        low, high, text = _RANGES[name]
        if not low <= value <= high:
            raise ValueError(text)
    return _context_setattr(self, name, value)


Context.__setattr__ = _setattr


def _valid_rounding(rounding):
    if rounding is not None and (not isinstance(rounding, str)
                                 or rounding not in _py._rounding_modes):
        raise TypeError(_INVALID_ROUNDING)


_quantize = Decimal.quantize


def _quantize_c(self, exp, rounding=None, context=None):
    _valid_rounding(rounding)
    return _quantize(self, exp, rounding, context)


Decimal.quantize = _quantize_c


def _integral(name):
    orig = getattr(Decimal, name)

    def method(self, rounding=None, context=None):
        _valid_rounding(rounding)
        return orig(self, rounding, context)

    method.__name__ = method.__qualname__ = name
    setattr(Decimal, name, method)


for _name in ("to_integral_value", "to_integral_exact", "to_integral"):
    _integral(_name)
del _name


def _delattr(self, name):
    raise AttributeError("context attributes cannot be deleted")


Context.__delattr__ = _delattr


def _convert_other(other, raiseit=False, allow_float=False):
    if isinstance(other, Decimal):
        return other
    if isinstance(other, int):
        return Decimal(other)
    if allow_float and isinstance(other, float):
        return Decimal.from_float(other)
    if raiseit:
        raise TypeError(f"conversion from {type(other).__name__} to Decimal is not supported")
    return NotImplemented


_py._convert_other = _convert_other


def _context_binop(name):
    orig = getattr(Context, name)

    def method(self, a, b, *args, **kwargs):
        if not isinstance(b, (Decimal, int)):
            _convert_other(a, raiseit=True)
            _convert_other(b, raiseit=True)
        return orig(self, a, b, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    setattr(Context, name, method)


for _name in ("add", "divide", "divide_int", "divmod", "multiply", "power", "remainder",
              "subtract"):
    _context_binop(_name)
del _name
_from_float = Decimal.__dict__["from_float"].__func__


def _from_float_c(cls, f):
    if not isinstance(f, (int, float)):
        raise TypeError("argument must be int or float")
    return _from_float(cls, f)


Decimal.from_float = classmethod(_from_float_c)
_float = Decimal.__float__


def _float_c(self):
    if self._is_special and self.is_snan():
        raise ValueError("cannot convert signaling NaN to float")
    return _float(self)


Decimal.__float__ = _float_c
_divmod = Decimal.__divmod__


def _divmod_c(self, other, context=None):
    """divmod(x, 0) for a finite non-zero x signals DivisionByZero and
    InvalidOperation at once, as libmpdec does."""
    other_d = _convert_other(other)
    if other_d is NotImplemented or other_d or self._is_special or not self \
            or other_d._is_special:
        return _divmod(self, other, context)
    if context is None:
        context = getcontext()
    context.flags[DivisionByZero] = True
    context.flags._set_invalid(InvalidOperation)
    trapped = [s for s in (InvalidOperation, DivisionByZero) if context.traps[s]]
    if trapped:
        raise trapped[0](trapped)
    return (_py._SignedInfinity[self._sign ^ other_d._sign], _py._NaN)


Decimal.__divmod__ = _divmod_c
_setcontext = setcontext


def setcontext(context):
    if not isinstance(context, Context):
        raise TypeError("argument must be a context")
    _setcontext(context)


_py.setcontext = setcontext
_LOCAL_KEYS = ("prec", "rounding", "Emin", "Emax", "capitals", "clamp", "flags", "traps")


def localcontext(ctx=None, **kwargs):
    """Return a context manager that will set the default context to a copy
    of ctx on entry to the with-statement and restore the previous default
    context when exiting the with-statement."""
    for key in kwargs:
        if key not in _LOCAL_KEYS:
            raise TypeError(f"{key!r} is an invalid keyword argument for this function")
    if ctx is None:
        ctx = getcontext()
    elif not isinstance(ctx, Context):
        raise TypeError("optional argument must be a context")
    manager = _py._ContextManager(ctx)
    for key in _LOCAL_KEYS:
        if key in kwargs and kwargs[key] is not None:
            value = kwargs[key]
            if key in ("flags", "traps"):
                value = _signal_dict(value)
            setattr(manager.new_context, key, value)
    return manager
_copy = Context.copy


def _copy_c(self):
    nc = _copy(self)
    nc.flags._invpos = self.flags._invpos
    return nc


Context.copy = Context.__copy__ = _copy_c
