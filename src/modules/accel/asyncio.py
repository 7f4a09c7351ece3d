# pycvm's _asyncio: asyncio's pure-Python Future and Task with the
# messages of CPython's C _asyncio.Future and _asyncio.Task, and the
# running-loop and task-registry functions.  asyncio.events imports this
# module before asyncio.futures and asyncio.tasks exist, so each name is
# made when first asked for (by then its pure-Python original is defined).
import sys as _sys

_EVENTS = ("_get_running_loop", "_set_running_loop", "get_running_loop",
           "get_event_loop", "_get_event_loop")
_TASKS = ("_register_task", "_unregister_task", "_enter_task", "_leave_task")


def _invalid_state(msg):
    return _sys.modules["asyncio.exceptions"].InvalidStateError(msg)


class _Result:
    __slots__ = ()

    def result(self):
        if self._state == "PENDING":
            raise _invalid_state("Result is not set.")
        return super().result()


def _make_future():
    py = _sys.modules["asyncio.futures"]._PyFuture

    class Future(_Result, py):
        def set_result(self, result):
            if self._state != "PENDING":
                raise _invalid_state("invalid state")
            return py.set_result(self, result)

        def set_exception(self, exception):
            if isinstance(exception, type) and issubclass(exception, BaseException):
                exception = exception()
            if self._state != "PENDING":
                raise _invalid_state("invalid state")
            if not isinstance(exception, BaseException):
                raise TypeError("invalid exception object")
            return py.set_exception(self, exception)

    Future.__module__, Future.__qualname__ = "_asyncio", "Future"
    return Future


def _make_task():
    # _asyncio.Task derives from _asyncio.Future; its own methods come first.
    future = globals().get("Future") or __getattr__("Future")

    class Task(_sys.modules["asyncio.tasks"]._PyTask, future):
        pass

    Task.__module__, Task.__qualname__ = "_asyncio", "Task"
    return Task


def __getattr__(name):
    if name == "Future":
        value = _make_future()
    elif name == "Task":
        value = _make_task()
    elif name in _EVENTS:
        value = getattr(_sys.modules["asyncio.events"], "_py_" + name)
    elif name in _TASKS:
        value = getattr(_sys.modules["asyncio.tasks"], "_py" + name)
    elif name in ("_all_tasks", "_current_tasks"):
        value = getattr(_sys.modules["asyncio.tasks"], name)
    else:
        raise AttributeError(f"module '_asyncio' has no attribute '{name}'")
    globals()[name] = value
    return value
