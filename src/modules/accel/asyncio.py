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
        # result() and set_result() in one frame each (C's
        # `future_result`, `future_set_result`), as the pure-Python ones
        # behave after the C checks.
        def result(self):
            state = self._state
            if state == "FINISHED":
                self._Future__log_traceback = False
                exc = self._exception
                if exc is not None:
                    raise exc.with_traceback(self._exception_tb)
                return self._result
            if state == "CANCELLED":
                exc = self._make_cancelled_error()
                raise exc
            raise _invalid_state("Result is not set.")

        def set_result(self, result):
            if self._state != "PENDING":
                raise _invalid_state("invalid state")
            self._result = result
            self._state = "FINISHED"
            self._Future__schedule_callbacks()

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
    tasks = _sys.modules["asyncio.tasks"]
    py = tasks._PyTask
    pyfuture = _sys.modules["asyncio.futures"]._PyFuture
    get_loop = _sys.modules["asyncio.futures"]._get_loop
    exceptions = _sys.modules["asyncio.exceptions"]
    cancelled_error = exceptions.CancelledError
    iscoroutine = _sys.modules["asyncio.coroutines"].iscoroutine
    copy_context = _sys.modules["contextvars"].copy_context
    name_counter = tasks._task_name_counter
    future_init, future_del = pyfuture.__init__, pyfuture.__del__
    set_result, set_exception, cancel = future.set_result, future.set_exception, future.cancel

    # The pure-Python Task's __init__, __del__ and __step with the
    # calls through super() made directly (C's Task calls its Future
    # functions): the same steps, fewer frames.
    class Task(py, future):
        def __init__(self, coro, *, loop=None, name=None, context=None):
            future_init(self, loop=loop)
            if self._source_traceback:
                del self._source_traceback[-1]
            if not iscoroutine(coro):
                self._log_destroy_pending = False
                raise TypeError(f"a coroutine was expected, got {coro!r}")
            if name is None:
                self._name = f"Task-{name_counter()}"
            else:
                self._name = str(name)
            self._num_cancels_requested = 0
            self._must_cancel = False
            self._fut_waiter = None
            self._coro = coro
            if context is None:
                self._context = copy_context()
            else:
                self._context = context
            self._loop.call_soon(self._Task__step, context=self._context)
            tasks._py_register_task(self)

        def __del__(self):
            if self._state == "PENDING" and self._log_destroy_pending:
                py.__del__(self)
            elif self._Future__log_traceback:
                future_del(self)

        def _Task__step(self, exc=None):
            if self._state != "PENDING":
                raise exceptions.InvalidStateError(
                    f"_step(): already done: {self!r}, {exc!r}")
            if self._must_cancel:
                if not isinstance(exc, cancelled_error):
                    exc = self._make_cancelled_error()
                self._must_cancel = False
            coro = self._coro
            self._fut_waiter = None
            tasks._py_enter_task(self._loop, self)
            try:
                if exc is None:
                    result = coro.send(None)
                else:
                    result = coro.throw(exc)
            except StopIteration as exc:
                if self._must_cancel:
                    self._must_cancel = False
                    cancel(self, msg=self._cancel_message)
                else:
                    set_result(self, exc.value)
            except cancelled_error as exc:
                self._cancelled_exc = exc
                cancel(self)
            except (KeyboardInterrupt, SystemExit) as exc:
                set_exception(self, exc)
                raise
            except BaseException as exc:
                set_exception(self, exc)
            else:
                blocking = getattr(result, "_asyncio_future_blocking", None)
                if blocking is not None:
                    if get_loop(result) is not self._loop:
                        new_exc = RuntimeError(
                            f"Task {self!r} got Future "
                            f"{result!r} attached to a different loop")
                        self._loop.call_soon(
                            self._Task__step, new_exc, context=self._context)
                    elif blocking:
                        if result is self:
                            new_exc = RuntimeError(
                                f"Task cannot await on itself: {self!r}")
                            self._loop.call_soon(
                                self._Task__step, new_exc, context=self._context)
                        else:
                            result._asyncio_future_blocking = False
                            result.add_done_callback(
                                self._Task__wakeup, context=self._context)
                            self._fut_waiter = result
                            if self._must_cancel:
                                if self._fut_waiter.cancel(
                                        msg=self._cancel_message):
                                    self._must_cancel = False
                    else:
                        new_exc = RuntimeError(
                            f"yield was used instead of yield from "
                            f"in task {self!r} with {result!r}")
                        self._loop.call_soon(
                            self._Task__step, new_exc, context=self._context)
                elif result is None:
                    self._loop.call_soon(self._Task__step, context=self._context)
                elif _sys.modules["inspect"].isgenerator(result):
                    new_exc = RuntimeError(
                        f"yield was used instead of yield from for "
                        f"generator in task {self!r} with {result!r}")
                    self._loop.call_soon(
                        self._Task__step, new_exc, context=self._context)
                else:
                    new_exc = RuntimeError(f"Task got bad yield: {result!r}")
                    self._loop.call_soon(
                        self._Task__step, new_exc, context=self._context)
            finally:
                tasks._py_leave_task(self._loop, self)
                self = None  # Needed to break cycles when an exception occurs.

    Task.__module__, Task.__qualname__ = "_asyncio", "Task"
    # The names the pure-Python methods show (a Handle's repr).
    for f, n in ((Task.__init__, "__init__"), (Task.__del__, "__del__"),
                 (Task._Task__step, "__step")):
        f.__name__, f.__qualname__ = n, "Task." + n
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
