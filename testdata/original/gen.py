"""Writes machine-0.csv, machine-1.csv and machine-2.csv: a 12-second run of
the scale model as the original Python implementation logged it (SPEC.md:
event,time,queue_length,logical_clock with time.time() floats and the
8-character event names). Rates 6, 2 and 1 ticks per second (the paper's
A4), a 10-faced die. The wall clock is simulated: each process starts a few
hundredths of a second apart (machine 2 first), a tick's period overruns by
a fraction of a millisecond as time.sleep does, and messages take ~0.2 ms.
Run with python3 from this directory; the output is deterministic."""
import heapq
import random

random.seed(20230308)
RATES = [6, 2, 1]
STARTS = [1678246660.1180093, 1678246660.0947321, 1678246660.0712465]
END = STARTS[0] + 12.0
N = 3
NAMES = {"internal": "internal", "receive": "receive ", 0: "send 0  ", 1: "send 1  ", "both": "send 0+1"}

clock = [0] * N
queue = [[] for _ in range(N)]
logs = [[] for _ in range(N)]
events = []  # (time, order, kind, machine, value)
order = 0


def push(t, kind, m, v=0):
    global order
    heapq.heappush(events, (t, order, kind, m, v))
    order += 1


def peers(i):
    return [j for j in range(N) if j != i]


for i in range(N):
    push(STARTS[i], "tick", i)

while events:
    t, _, kind, i, v = heapq.heappop(events)
    if t >= END:
        break
    if kind == "msg":
        queue[i].append(v)
        continue
    if queue[i]:
        m = queue[i].pop(0)
        clock[i] = max(clock[i], m)
        ev = "receive"
    else:
        d = random.randint(1, 10)
        ps = peers(i)
        if d in (1, 2):
            ev = d - 1
            push(t + random.uniform(0.00012, 0.00031), "msg", ps[d - 1], clock[i])
        elif d == 3:
            ev = "both"
            for p in ps:
                push(t + random.uniform(0.00012, 0.00031), "msg", p, clock[i])
        else:
            ev = "internal"
    clock[i] += 1
    logs[i].append("%s,%r,%d,%d\n" % (NAMES[ev], t, len(queue[i]), clock[i]))
    push(t + 1.0 / RATES[i] + random.uniform(0.00005, 0.0009), "tick", i)

for i in range(N):
    with open("machine-%d.csv" % i, "w") as f:
        f.writelines(logs[i])
