# pycvm's _zoneinfo: zoneinfo._zoneinfo.ZoneInfo as the C static type
# zoneinfo.ZoneInfo shows itself (its tp_name is dotted, so is its repr).
from zoneinfo._zoneinfo import ZoneInfo as _PyZoneInfo


class ZoneInfo(_PyZoneInfo):
    __module__ = "zoneinfo"
    __qualname__ = "ZoneInfo"

    def __repr__(self):
        cls = type(self)
        name = "zoneinfo.ZoneInfo" if cls is ZoneInfo else cls.__name__
        if self._key is not None:
            return f"{name}(key={self._key!r})"
        return f"{name}.from_file({self._file_repr})"


del _PyZoneInfo
