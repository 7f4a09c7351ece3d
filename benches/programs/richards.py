# richards: an operating-system task scheduler simulation (classes, attributes, dispatch).
import sys

ITERATIONS = 30
if len(sys.argv) > 1 and sys.argv[1] == "quick":
    ITERATIONS = 1

IDLE, WORKER, HANDLER_A, HANDLER_B, DEVICE_A, DEVICE_B = range(6)
KIND_DEVICE, KIND_WORK = 0, 1
BUFSIZE = 4


class Packet:
    def __init__(self, link, ident, kind):
        self.link = link
        self.ident = ident
        self.kind = kind
        self.datum = 0
        self.data = [0] * BUFSIZE

    def append_to(self, queue):
        self.link = None
        if queue is None:
            return self
        p = queue
        while p.link is not None:
            p = p.link
        p.link = self
        return queue


class Task:
    def __init__(self, sched, ident, prio, queue, held, waiting):
        self.sched = sched
        self.ident = ident
        self.prio = prio
        self.queue = queue
        self.held = held
        self.waiting = waiting or queue is not None
        self.next = sched.tasks
        sched.tasks = self
        sched.table[ident] = self

    def runnable(self):
        return not self.held and not (self.waiting and self.queue is None)

    def add_packet(self, pkt, current):
        if self.queue is None:
            self.queue = pkt
            self.waiting = False
            if self.prio > current.prio:
                return self
        else:
            self.queue = pkt.append_to(self.queue)
        return current

    def take_packet(self):
        pkt = self.queue
        if pkt is None:
            return None
        self.queue = pkt.link
        self.waiting = False
        return pkt


class IdleTask(Task):
    def __init__(self, sched, ident, prio):
        Task.__init__(self, sched, ident, prio, None, False, False)
        self.control = 1
        self.count = 10000

    def run(self, pkt):
        s = self.sched
        self.count -= 1
        if self.count == 0:
            return s.hold_self()
        if self.control & 1 == 0:
            self.control //= 2
            return s.release(DEVICE_A)
        self.control = (self.control // 2) ^ 0xD008
        return s.release(DEVICE_B)


class WorkerTask(Task):
    def __init__(self, sched, ident, prio, queue):
        Task.__init__(self, sched, ident, prio, queue, False, True)
        self.dest = HANDLER_A
        self.count = 0

    def run(self, pkt):
        s = self.sched
        if pkt is None:
            return s.wait()
        self.dest = HANDLER_B if self.dest == HANDLER_A else HANDLER_A
        pkt.ident = self.dest
        pkt.datum = 0
        for i in range(BUFSIZE):
            self.count += 1
            if self.count > 26:
                self.count = 1
            pkt.data[i] = 64 + self.count
        return s.queue_packet(pkt)


class HandlerTask(Task):
    def __init__(self, sched, ident, prio, queue):
        Task.__init__(self, sched, ident, prio, queue, False, True)
        self.work = None
        self.device = None

    def run(self, pkt):
        s = self.sched
        if pkt is not None:
            if pkt.kind == KIND_WORK:
                self.work = pkt.append_to(self.work)
            else:
                self.device = pkt.append_to(self.device)
        if self.work is not None:
            w = self.work
            count = w.datum
            if count < BUFSIZE:
                if self.device is not None:
                    d = self.device
                    self.device = d.link
                    d.datum = w.data[count]
                    w.datum = count + 1
                    return s.queue_packet(d)
            else:
                self.work = w.link
                return s.queue_packet(w)
        return s.wait()


class DeviceTask(Task):
    def __init__(self, sched, ident, prio):
        Task.__init__(self, sched, ident, prio, None, False, True)
        self.pending = None

    def run(self, pkt):
        s = self.sched
        if pkt is None:
            if self.pending is None:
                return s.wait()
            p = self.pending
            self.pending = None
            return s.queue_packet(p)
        self.pending = pkt
        return s.hold_self()


class Scheduler:
    def __init__(self):
        self.tasks = None
        self.table = [None] * 6
        self.current = None
        self.queue_count = 0
        self.hold_count = 0

    def hold_self(self):
        self.hold_count += 1
        self.current.held = True
        return self.current.next

    def release(self, ident):
        t = self.table[ident]
        t.held = False
        if t.prio > self.current.prio:
            return t
        return self.current

    def wait(self):
        self.current.waiting = True
        return self.current

    def queue_packet(self, pkt):
        t = self.table[pkt.ident]
        self.queue_count += 1
        pkt.link = None
        pkt.ident = self.current.ident
        return t.add_packet(pkt, self.current)

    def schedule(self):
        self.current = self.tasks
        while self.current is not None:
            t = self.current
            if t.runnable():
                pkt = t.take_packet() if t.waiting or t.queue is not None else None
                self.current = t.run(pkt)
            else:
                self.current = t.next


def run_once():
    s = Scheduler()
    IdleTask(s, IDLE, 0)
    q = Packet(None, WORKER, KIND_WORK)
    q = Packet(q, WORKER, KIND_WORK)
    WorkerTask(s, WORKER, 1000, q)
    q = Packet(None, DEVICE_A, KIND_DEVICE)
    q = Packet(q, DEVICE_A, KIND_DEVICE)
    q = Packet(q, DEVICE_A, KIND_DEVICE)
    HandlerTask(s, HANDLER_A, 2000, q)
    q = Packet(None, DEVICE_B, KIND_DEVICE)
    q = Packet(q, DEVICE_B, KIND_DEVICE)
    q = Packet(q, DEVICE_B, KIND_DEVICE)
    HandlerTask(s, HANDLER_B, 3000, q)
    DeviceTask(s, DEVICE_A, 4000)
    DeviceTask(s, DEVICE_B, 5000)
    s.schedule()
    return s.queue_count, s.hold_count


totals = [0, 0]
for _ in range(ITERATIONS):
    qc, hc = run_once()
    totals[0] += qc
    totals[1] += hc
print("queue", qc, "hold", hc)
print("totals", totals)
