# pycvm's _datetime: a private copy of the stdlib's pure-Python datetime
# (datetime.py deletes its helpers once _datetime imports, so the classes
# it made cannot be used) given what a program sees of CPython's C types:
# their messages, reprs (tp_name: 'datetime.date', or a subclass's bare
# name) and the hash of a date (its bytes, as C hashes them).
import sys as _sys


def _load_pure():
    spec = _sys.modules["datetime"].__spec__
    code = spec.loader.get_code(spec.name)
    mod = type(_sys)("datetime")
    mod.__spec__, mod.__file__ = spec, getattr(spec, "origin", None)
    _sys.modules["_datetime"] = None  # the copy keeps its pure classes
    try:
        exec(code, mod.__dict__)
    finally:
        del _sys.modules["_datetime"]
    return mod


_py = _load_pure()
date, time, datetime = _py.date, _py.time, _py.datetime
timedelta, timezone, tzinfo = _py.timedelta, _py.timezone, _py.tzinfo
MINYEAR, MAXYEAR, UTC = _py.MINYEAR, _py.MAXYEAR, _py.UTC
__all__ = ["date", "datetime", "time", "timedelta", "timezone", "tzinfo",
           "MINYEAR", "MAXYEAR", "UTC"]
_C_TYPES = (date, time, datetime, timedelta, timezone, tzinfo, _py._IsoCalendarDate)


def _tpname(obj):
    cls = type(obj)
    return "datetime." + cls.__name__ if cls in _C_TYPES else cls.__name__


def _c_int(value):
    value = _py._index(value)
    if not -(1 << 63) <= value < (1 << 63):
        raise OverflowError("Python int too large to convert to C long")
    if value > 2147483647:
        raise OverflowError("signed integer is greater than maximum")
    if value < -2147483648:
        raise OverflowError("signed integer is less than minimum")
    return value


def _check_date_fields(year, month, day):
    year, month, day = _c_int(year), _c_int(month), _c_int(day)
    if not MINYEAR <= year <= MAXYEAR:
        raise ValueError(f"year {year} is out of range")
    if not 1 <= month <= 12:
        raise ValueError("month must be in 1..12")
    if not 1 <= day <= _py._days_in_month(year, month):
        raise ValueError("day is out of range for month")
    return year, month, day


def _check_time_fields(hour, minute, second, microsecond, fold):
    hour, minute, second = _c_int(hour), _c_int(minute), _c_int(second)
    microsecond, fold = _c_int(microsecond), _c_int(fold)
    if not 0 <= hour <= 23:
        raise ValueError("hour must be in 0..23")
    if not 0 <= minute <= 59:
        raise ValueError("minute must be in 0..59")
    if not 0 <= second <= 59:
        raise ValueError("second must be in 0..59")
    if not 0 <= microsecond <= 999999:
        raise ValueError("microsecond must be in 0..999999")
    if fold not in (0, 1):
        raise ValueError("fold must be either 0 or 1")
    return hour, minute, second, microsecond, fold


def _check_tzinfo_arg(tz):
    if tz is not None and not isinstance(tz, tzinfo):
        raise TypeError("tzinfo argument must be None or of a tzinfo subclass, "
                        f"not type '{_tpname(tz)}'")


def _cmperror(x, y):
    raise TypeError(f"can't compare {_tpname(x)} to {_tpname(y)}")


_py._check_date_fields = _check_date_fields
_py._check_time_fields = _check_time_fields
_py._check_tzinfo_arg = _check_tzinfo_arg
_py._cmperror = _cmperror

# Messages the pure code words differently: (type, pure text) -> C text.
_MESSAGES = {
    (OverflowError, "result out of range"): "date value out of range",
    (TypeError, "cannot mix naive and timezone-aware time"):
        "can't subtract offset-naive and offset-aware datetimes",
    (TypeError, "cannot compare naive and aware datetimes"):
        "can't compare offset-naive and offset-aware datetimes",
    (TypeError, "cannot compare naive and aware times"):
        "can't compare offset-naive and offset-aware times",
}


def _c_message(exc):
    if len(exc.args) != 1 or not isinstance(exc.args[0], str):
        return None
    text = exc.args[0]
    if type(exc) is OverflowError and text.startswith("timedelta # of days is too large: "):
        days = int(text.rpartition(" ")[2])
        if not -2147483648 <= days <= 2147483647:
            return "Python int too large to convert to C int"
        return f"days={days}; must have magnitude <= 999999999"
    return _MESSAGES.get((type(exc), text))


def _reword(cls, name):
    orig = cls.__dict__[name]
    static = isinstance(orig, staticmethod)
    func = orig.__func__ if static else orig

    def method(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (OverflowError, TypeError) as exc:
            text = _c_message(exc)
            if text is None:
                raise
            err = type(exc)(text)
        raise err

    method.__name__, method.__qualname__ = func.__name__, func.__qualname__
    setattr(cls, name, staticmethod(method) if static else method)


for _cls, _names in ((timedelta, ("__new__",)),
                     (date, ("__add__", "__radd__", "__sub__")),
                     (datetime, ("__add__", "__radd__", "__sub__", "__eq__", "__ne__",
                                 "__lt__", "__le__", "__gt__", "__ge__")),
                     (time, ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"))):
    for _name in _names:
        if _name in _cls.__dict__:
            _reword(_cls, _name)


def _repr_with_tpname(cls):
    orig = cls.__repr__

    def __repr__(self):
        text = orig(self)
        own = f"{type(self).__module__}.{type(self).__qualname__}("
        if text.startswith(own):
            return _tpname(self) + "(" + text[len(own):]
        return text

    cls.__repr__ = __repr__


for _cls in (date, time, datetime, timedelta, timezone):
    _repr_with_tpname(_cls)

_date_sub = date.__sub__


def _date_sub_c(self, other):
    if isinstance(self, datetime) or isinstance(other, datetime):
        return NotImplemented
    return _date_sub(self, other)


date.__sub__ = _date_sub_c


def _date_hash(self):
    if self._hashcode == -1:
        self._hashcode = hash(self._getstate()[0])
    return self._hashcode


date.__hash__ = _date_hash


def _iso_repr(self):
    return (f"{_tpname(self)}(year={self[0]!r}, week={self[1]!r}, "
            f"weekday={self[2]!r})")


_py._IsoCalendarDate.__repr__ = _iso_repr
_timezone_new = timezone.__dict__["__new__"].__func__


def _timezone_new_c(cls, offset, name=timezone._Omitted):
    if not isinstance(offset, timedelta):
        raise TypeError("timezone() argument 1 must be datetime.timedelta, "
                        f"not {_tpname(offset)}")
    if name is not timezone._Omitted and not isinstance(name, str):
        raise TypeError(f"timezone() argument 2 must be str, not {_tpname(name)}")
    if not timezone._minoffset <= offset <= timezone._maxoffset:
        raise ValueError("offset must be a timedelta strictly between "
                         "-timedelta(hours=24) and timedelta(hours=24), "
                         f"not {offset!r}.")
    return _timezone_new(cls, offset, name)


timezone.__new__ = staticmethod(_timezone_new_c)


def _final(cls, **kwargs):
    raise TypeError("type 'datetime.timezone' is not an acceptable base type")


timezone.__init_subclass__ = classmethod(_final)


def _keyword_format(cls):
    orig = cls.strftime

    def strftime(self, format):
        return orig(self, format)

    cls.strftime = strftime


for _cls in (date, time):
    _keyword_format(_cls)
_fromtimestamp = datetime.__dict__["fromtimestamp"].__func__


def _fromtimestamp_c(cls, timestamp, tz=None):
    return _fromtimestamp(cls, timestamp, tz)


datetime.fromtimestamp = classmethod(_fromtimestamp_c)
_astimezone = datetime.astimezone


def _astimezone_c(self, tz=None):
    _check_tzinfo_arg(tz)
    return _astimezone(self, tz)


datetime.astimezone = _astimezone_c
del _cls, _names, _name
