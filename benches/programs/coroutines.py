# coroutines: async def tasks driven by a small round-robin scheduler (no asyncio), with
# custom awaitables, channels, and generator-based coroutines using send().
import sys

ROUNDS = 100000
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    ROUNDS //= 50


class Yield:
    """Awaiting this suspends the task until the scheduler resumes it."""

    def __await__(self):
        yield self


class Channel:
    def __init__(self):
        self.items = []

    async def put(self, item):
        self.items.append(item)
        await Yield()

    async def get(self):
        while not self.items:
            await Yield()
        return self.items.pop(0)


class Scheduler:
    def __init__(self):
        self.ready = []
        self.results = {}
        self.steps = 0

    def spawn(self, name, coro):
        self.ready.append((name, coro))

    def run(self):
        while self.ready:
            name, coro = self.ready.pop(0)
            self.steps += 1
            try:
                coro.send(None)
            except StopIteration as stop:
                self.results[name] = stop.value
            else:
                self.ready.append((name, coro))


async def producer(ch, n, start):
    for i in range(n):
        await ch.put(start + i)
    await ch.put(None)
    return n


async def consumer(ch, producers):
    total = 0
    done = 0
    while done < producers:
        item = await ch.get()
        if item is None:
            done += 1
        else:
            total += await square(item)
    return total


async def square(x):
    await Yield()
    return x * x


async def ticker(n):
    ticks = 0
    for _ in range(n):
        await Yield()
        ticks += 1
    return ticks


def gen_echo():
    total = 0
    while True:
        x = yield total
        total += x


sched = Scheduler()
ch = Channel()
sched.spawn("p1", producer(ch, ROUNDS, 0))
sched.spawn("p2", producer(ch, ROUNDS, 1000000))
sched.spawn("c", consumer(ch, 2))
sched.spawn("t", ticker(ROUNDS))
sched.run()
print(sorted(sched.results.items()), sched.steps)
echo = gen_echo()
next(echo)
acc = 0
for i in range(ROUNDS * 5):
    acc = echo.send(i)
print(acc)
