# pycvm's _decimal: a private copy of the stdlib's _pydecimal given what a
# program sees of CPython's C _decimal (libmpdec): a trapped signal is
# raised with the list of its conditions as argument, contexts keep their
# flags and traps as booleans in C's signal order (so their reprs match),
# and conversions and format specifications fail with C's messages.
import importlib.util as _util


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


def _raise_error(self, condition, explanation=None, *args):
    error = _py._condition_map.get(condition, condition)
    if error in self._ignored_flags:
        return error().handle(self, *args)
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
        s.append(name + "=[" + ", ".join(f.__name__ for f in _REPR_ORDER if d.get(f)) + "]")
    return ", ".join(s) + ")"


def _c_signal_dicts(ctx, flags=None, traps=None):
    if not isinstance(traps, dict):
        ctx.traps = {s: bool(ctx.traps[s]) for s in _C_ORDER}
    if not isinstance(flags, dict):
        ctx.flags = {s: bool(ctx.flags[s]) for s in _C_ORDER}


_context_init = Context.__init__


def _init(self, prec=None, rounding=None, Emin=None, Emax=None, capitals=None,
          clamp=None, flags=None, traps=None, _ignored_flags=None):
    _context_init(self, prec, rounding, Emin, Emax, capitals, clamp, flags, traps,
                  _ignored_flags)
    _c_signal_dicts(self, flags, traps)


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
    return _round(self, n)


Decimal.__round__ = _round_c
_parse_spec = _py._parse_format_specifier


def _parse_format_specifier(format_spec, _localeconv=None):
    try:
        return _parse_spec(format_spec, _localeconv)
    except ValueError:
        pass
    raise ValueError("invalid format string")


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
    elif name in _RANGES:
        if not isinstance(value, int):
            raise TypeError("an integer is required")
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
