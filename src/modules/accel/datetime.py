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


def _argname(obj):
    """How C's argument-type errors name `obj`'s type."""
    return "None" if obj is None else _tpname(obj)


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
                        f"not {_argname(offset)}")
    if name is not timezone._Omitted and not isinstance(name, str):
        raise TypeError(f"timezone() argument 2 must be str, not {_argname(name)}")
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


# Constructor arguments as C's PyArg_ParseTupleAndKeywords checks them.
_MISSING = object()


def _getargs(fname, args, kwargs, names, nreq, npos, ints=()):
    """Raise C's TypeError for `args`/`kwargs` against `names` (the first
    `nreq` required, the first `npos` positional, those in `ints` C ints),
    if any."""
    n, nargs, nkw = len(names), len(args), len(kwargs)
    where = "function" if fname is None else fname + "()"
    if nargs + nkw > n:
        raise TypeError(f"{where} takes at most {n} {'keyword ' if nargs == 0 else ''}"
                        f"argument{'s' if n != 1 else ''} ({nargs + nkw} given)")
    if nargs > npos:
        raise TypeError(f"{where} takes at most {npos} positional "
                        f"argument{'s' if npos != 1 else ''} ({nargs} given)")
    left = nkw
    for i, name in enumerate(names):
        if i < nargs:
            if name in ints:
                _c_int(args[i])
            continue
        if left and name in kwargs:
            left -= 1
            if name in ints:
                _c_int(kwargs[name])
            continue
        if i < nreq:
            raise TypeError(f"{where} missing required argument '{name}' (pos {i + 1})")
        if not left:
            return
    for i in range(nargs):
        if names[i] in kwargs:
            raise TypeError(f"argument for {where} given by name ('{names[i]}') "
                            f"and position ({i + 1})")
    for key in kwargs:
        if key not in names:
            where = "this function" if fname is None else fname + "()"
            raise TypeError(f"{key!r} is an invalid keyword argument for {where}")


def _checked_new(cls, names, nreq, npos, state_len, ints):
    orig = cls.__dict__["__new__"].__func__

    def __new__(cls, *args, **kwargs):
        if kwargs or not nreq <= len(args) <= npos:
            if not (args and isinstance(args[0], (bytes, str)) and len(args[0]) == state_len):
                _getargs(None, args, kwargs, names, nreq, npos, ints)
        return orig(cls, *args, **kwargs)

    cls.__new__ = staticmethod(__new__)


_TIME_ARGS = ("hour", "minute", "second", "microsecond", "tzinfo", "fold")
_INTS = {"year", "month", "day", "hour", "minute", "second", "microsecond", "fold"}
_checked_new(date, ("year", "month", "day"), 3, 3, 4, _INTS)
_checked_new(time, _TIME_ARGS, 0, 5, 6, _INTS)
_checked_new(datetime, ("year", "month", "day") + _TIME_ARGS, 3, 8, 10, _INTS)
_TD_ARGS = ("days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks")
_td_new = timedelta.__dict__["__new__"].__func__


def _timedelta_new(cls, *args, **kwargs):
    if kwargs or len(args) > 7:
        _getargs("__new__", args, kwargs, _TD_ARGS, 0, 7)
    values = dict(zip(_TD_ARGS, args), **kwargs)
    # C adds the components from the smallest unit up.
    for name in ("microseconds", "milliseconds", "seconds", "minutes", "hours", "days",
                 "weeks"):
        v = values.get(name, 0)
        if not isinstance(v, (int, float)):
            tp = type(v)
            tpname = "decimal.Decimal" if tp.__module__ == "decimal" and \
                tp.__name__ == "Decimal" else tp.__name__
            raise TypeError(f"unsupported type for timedelta {name} component: {tpname}")
    return _td_new(cls, *args, **kwargs)


timedelta.__new__ = staticmethod(_timedelta_new)
_reword(timedelta, "__new__")


def _tz_abstract(name):
    def method(self, dt):
        raise NotImplementedError(f"a tzinfo subclass must implement {name}()")

    method.__name__ = name
    method.__qualname__ = "tzinfo." + name
    setattr(tzinfo, name, method)


for _name in ("tzname", "utcoffset", "dst"):
    _tz_abstract(_name)


def _tzinfo_fromutc(self, dt):
    if not isinstance(dt, datetime):
        raise TypeError("fromutc: argument must be a datetime")
    if dt.tzinfo is not self:
        raise ValueError("fromutc: dt.tzinfo is not self")
    dtoff = dt.utcoffset()
    if dtoff is None:
        raise ValueError("fromutc: non-None utcoffset() result required")
    dtdst = dt.dst()
    if dtdst is None:
        raise ValueError("fromutc: non-None dst() result required")
    delta = dtoff - dtdst
    if delta:
        dt += delta
        dtdst = dt.dst()
        if dtdst is None:
            raise ValueError("fromutc: tz.dst() gave inconsistent results; cannot convert")
    return dt + dtdst


tzinfo.fromutc = _tzinfo_fromutc


def _check_utc_offset(name, offset):
    if offset is None:
        return
    if not isinstance(offset, timedelta):
        raise TypeError(f"tzinfo.{name}() must return None or timedelta, not '{_tpname(offset)}'")
    if not -timedelta(1) < offset < timedelta(1):
        raise ValueError("offset must be a timedelta strictly between "
                         "-timedelta(hours=24) and timedelta(hours=24).")


_py._check_utc_offset = _check_utc_offset


def _timezone_arg(name):
    orig = timezone.__dict__[name]

    def method(self, dt):
        if dt is not None and not isinstance(dt, datetime):
            raise TypeError(f"{name}(dt) argument must be a datetime instance or None, "
                            f"not {_tpname(dt)}")
        return orig(self, dt)

    method.__name__ = name
    method.__qualname__ = "timezone." + name
    setattr(timezone, name, method)


for _name in ("tzname", "utcoffset", "dst"):
    _timezone_arg(_name)
_tz_fromutc = timezone.fromutc


def _timezone_fromutc(self, dt):
    if not isinstance(dt, datetime):
        raise TypeError("fromutc: argument must be a datetime")
    return _tz_fromutc(self, dt)


timezone.fromutc = _timezone_fromutc
_fromordinal = date.__dict__["fromordinal"].__func__


def _fromordinal_c(cls, n):
    n = _c_int(n)
    if n < 1:
        raise ValueError("ordinal must be >= 1")
    return _fromordinal(cls, n)


date.fromordinal = classmethod(_fromordinal_c)
_fromisocalendar = date.__dict__["fromisocalendar"].__func__


def _fromisocalendar_c(cls, year, week, day):
    if not 1 <= day <= 7 and isinstance(day, int) and 1 <= week <= 52 \
            and MINYEAR <= year <= MAXYEAR:
        raise ValueError(f"Invalid day: {day} (range is [1, 7])")
    return _fromisocalendar(cls, year, week, day)


date.fromisocalendar = classmethod(_fromisocalendar_c)


def _fromisoformat_c(cls, parse):
    orig = cls.__dict__["fromisoformat"].__func__

    def fromisoformat(cls, text):
        """Construct from a string in ISO 8601 format; a well-formed string
        with an invalid field fails with the constructor's message."""
        try:
            return orig(cls, text)
        except ValueError:
            if not isinstance(text, str):
                raise
            try:
                fields = parse(text)
            except ValueError as exc:
                if str(exc).startswith("offset must be a timedelta"):
                    raise exc from None
                fields = None
            except Exception:
                fields = None
            if fields is None:
                raise
        return cls(*fields)

    cls.fromisoformat = classmethod(fromisoformat)


def _parse_time(text):
    fields = _py._parse_isoformat_time(text.removeprefix("T"))
    tz = fields[-1]
    if isinstance(tz, timezone):
        fields = fields[:-1] + [tz]
    return fields


def _parse_date(text):
    if len(text) not in (7, 8, 10):
        return None
    return _py._parse_isoformat_date(text)


_fromisoformat_c(time, _parse_time)
_fromisoformat_c(date, _parse_date)
_dt_fromisoformat = datetime.__dict__["fromisoformat"].__func__


def _dt_fromisoformat_c(cls, date_string):
    # C parses a time after any separator: one with nothing after it
    # ("2024-01-02T") is invalid (the pure version reads it as midnight).
    if isinstance(date_string, str) and len(date_string) >= 7:
        try:
            sep = _py._find_isoformat_datetime_separator(date_string)
        except Exception:
            sep = None
        if sep is not None and len(date_string) == sep + 1:
            raise ValueError(f"Invalid isoformat string: {date_string!r}")
    return _dt_fromisoformat(cls, date_string)


_dt_fromisoformat_c.__name__ = "fromisoformat"
_dt_fromisoformat_c.__qualname__ = "datetime.fromisoformat"
_dt_fromisoformat_c.__doc__ = _dt_fromisoformat.__doc__
datetime.fromisoformat = classmethod(_dt_fromisoformat_c)


def _datetime_repr_c(self):
    text = _dt_repr(self)
    if self._fold and self._tzinfo is not None:
        tail = ", tzinfo=%r, fold=1)" % self._tzinfo
        if text.endswith(tail):
            return text[:-len(tail)] + ", fold=1, tzinfo=%r)" % self._tzinfo
    return text


_dt_repr = datetime.__repr__
datetime.__repr__ = _datetime_repr_c
_strptime = datetime.__dict__["strptime"].__func__


def _strptime_c(cls, date_string, format):
    for i, v in enumerate((date_string, format), 1):
        if not isinstance(v, str):
            raise TypeError(f"strptime() argument {i} must be str, not {_argname(v)}")
    return _strptime(cls, date_string, format)


datetime.strptime = classmethod(_strptime_c)


def _strftime_arg(cls):
    orig = cls.strftime

    def strftime(self, format):
        if not isinstance(format, str):
            raise TypeError(f"strftime() argument 1 must be str, not {_argname(format)}")
        return orig(self, format)

    cls.strftime = strftime


for _cls in (date, time):
    _strftime_arg(_cls)
_isoformat = datetime.isoformat


def _isoformat_c(self, sep="T", timespec="auto"):
    if not isinstance(sep, str) or len(sep) != 1:
        raise TypeError(f"isoformat() argument 1 must be a unicode character, not {_argname(sep)}")
    if not isinstance(timespec, str):
        raise TypeError(f"isoformat() argument 2 must be str, not {_argname(timespec)}")
    return _isoformat(self, sep, timespec)


datetime.isoformat = _isoformat_c
_combine = datetime.__dict__["combine"].__func__


def _combine_c(cls, *args, **kwargs):
    # C's "O!O!|O:combine" with keywords date, time, tzinfo
    if len(args) + len(kwargs) > 3:
        raise TypeError(f"combine() takes at most 3 arguments ({len(args) + len(kwargs)} given)")
    vals = list(args)
    for i, name in enumerate(("date", "time", "tzinfo")):
        if i < len(args):
            if name in kwargs:
                raise TypeError(f"argument for combine() given by name ('{name}') and position ({i + 1})")
        elif name in kwargs:
            vals.append(kwargs[name])
        elif i < 2:
            raise TypeError(f"combine() missing required argument '{name}' (pos {i + 1})")
    for k in kwargs:
        if k not in ("date", "time", "tzinfo"):
            raise TypeError(f"'{k}' is an invalid keyword argument for combine()")
    date_, time_ = vals[0], vals[1]
    tzinfo = vals[2] if len(vals) > 2 else True
    if not isinstance(date_, date):
        raise TypeError(f"combine() argument 1 must be datetime.date, not {_argname(date_)}")
    if not isinstance(time_, time):
        raise TypeError(f"combine() argument 2 must be datetime.time, not {_argname(time_)}")
    return _combine(cls, date_, time_, tzinfo)


datetime.combine = classmethod(_combine_c)
del _cls, _name


def _timezone_getstate(self):
    # C's timezone keeps no instance state (object.__getstate__ is None):
    # its pickle is timezone(offset[, name]) alone, no slot state.
    return None


timezone.__getstate__ = _timezone_getstate
