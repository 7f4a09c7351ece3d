# Stand-in for pyperf used by scripts/bench_pyperformance: runs each benchmark PP_LOOPS times.
import os, sys, time
LOOPS = int(os.environ.get("PP_LOOPS", "1"))
perf_counter = time.perf_counter
def python_implementation(): return "cpython"
def python_has_jit(): return False
class Runner:
    def __init__(self, *a, **kw):
        import argparse
        self.metadata = {}
        self.argparser = argparse.ArgumentParser()
        self.args = None
        self._add_cmdline_args = kw.get("add_cmdline_args")
    def parse_args(self, args=None):
        if self.args is None:
            self.args, _ = self.argparser.parse_known_args(sys.argv[1:] if args is None else args)
        return self.args
    def bench_func(self, name, func, *args, inner_loops=None, metadata=None):
        self.parse_args()
        for _ in range(LOOPS): func(*args)
    def bench_time_func(self, name, func, *args, inner_loops=None, metadata=None):
        self.parse_args()
        func(LOOPS, *args)
    def bench_async_func(self, name, func, *args, inner_loops=None, metadata=None):
        import asyncio
        self.parse_args()
        for _ in range(LOOPS): asyncio.run(func(*args))
    def bench_command(self, *a, **kw): pass
