package sim

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
)

// Limits on a run's parameters, checked by Config.Validate.
const (
	// MaxDuration is the longest run, in ns (10^7 s).
	MaxDuration = int64(1e16)
	// MaxQueue is the most messages a queue may hold before the run stops
	// with ErrQueueLimit, checked at the machine's ticks (8 bytes each:
	// 1 GiB of messages, in a buffer of up to 2 GiB while it grows).
	MaxQueue = 1 << 27
	// maxMachines bounds the machine count so that stream keys fit.
	maxMachines = 1 << 20
)

// ErrQueueLimit is returned by Engine.Run when a queue exceeds MaxQueue.
var ErrQueueLimit = errors.New("a message queue exceeded the limit of 2^27 messages; shorten the run or lower the send rate")

// MachineConfig is one machine of a run.
type MachineConfig struct {
	// Rate is the tick rate in ticks per second.
	Rate Rate
	// Start is the time of the machine's first tick, in ns from the run's
	// start (≥ 0), before the start offset of a timing model.
	Start int64

	// Overshoot and StartSpread are the machine's timing model, a model of
	// implementations that tick by sleeping one period after each tick, so
	// that every tick starts a little late and the lateness accumulates
	// (docs/scenarios.md). With either one set (Timed), the machine's
	// first tick is at Start + u, with u uniform in [0, StartSpread), and
	// tick k+1 is at tick k + period_k + o_k, where period_k =
	// floor((k+1)·10^9/rate) − floor(k·10^9/rate) ns is the step of the
	// nominal schedule and o_k ≥ 0 an overshoot drawn from Overshoot. u and
	// the o_k come from the machine's timing stream StreamSeed(seed,
	// PurposeTiming, i, 0), in this order: first u (StartOffset; no draw
	// when StartSpread is 0), then one o_k per tick interval in tick order
	// (OvershootTable.Draw; no draw when the overshoot is constant). The
	// zero values are no timing model: the machine ticks at Start +
	// floor(k·10^9/rate) and draws nothing.

	// Overshoot is the distribution of the o_k.
	Overshoot Overshoot
	// StartSpread is the width of the start offset's range in ns,
	// 0 ≤ StartSpread ≤ MaxDuration.
	StartSpread int64
}

// Timed reports whether the machine has a timing model: a positive mean
// overshoot or a positive start spread. Its tick times then depend on the
// seed, and the engine generates them as the run goes instead of from a
// precomputed table.
func (m MachineConfig) Timed() bool { return m.Overshoot.Mean > 0 || m.StartSpread > 0 }

// Config is one run: everything the engine needs, and nothing else.
type Config struct {
	// Seed selects the random streams (see StreamSeed).
	Seed uint64
	// Duration is the run window [0, Duration) in ns.
	Duration int64
	// Die is the number of faces R of every machine's die (R ≥ N).
	Die int
	// Latency is the one-way message delay in ns (≥ 0).
	Latency int64
	// Jitter is the maximum extra delay in ns (≥ 0), drawn uniformly in
	// [0, Jitter] per message.
	Jitter int64
	// Machines lists the machines; there must be at least 2.
	Machines []MachineConfig
}

// Validate reports the first way in which c is not a runnable config.
func (c *Config) Validate() error {
	n := len(c.Machines)
	switch {
	case n < 2:
		return fmt.Errorf("need at least 2 machines, have %d", n)
	case n > maxMachines:
		return fmt.Errorf("at most %d machines, have %d", maxMachines, n)
	case c.Die < n:
		return fmt.Errorf("die has %d faces, fewer than the %d machines", c.Die, n)
	case c.Die > MaxFaces:
		return fmt.Errorf("die has %d faces, more than the maximum of %d", c.Die, MaxFaces)
	case c.Duration <= 0 || c.Duration > MaxDuration:
		return fmt.Errorf("duration %d ns is not in (0, 10^7 s]", c.Duration)
	case c.Latency < 0:
		return fmt.Errorf("latency %d ns is negative", c.Latency)
	case c.Jitter < 0:
		return fmt.Errorf("jitter %d ns is negative", c.Jitter)
	case c.Latency > MaxDuration || c.Jitter > MaxDuration:
		return errors.New("latency and jitter must be at most 10^7 s")
	}
	for i, m := range c.Machines {
		if m.Rate.IsZero() {
			return fmt.Errorf("machine %d has no rate", i)
		}
		if m.Start < 0 || m.Start > MaxDuration {
			return fmt.Errorf("machine %d start %d ns is not in [0, 10^7 s]", i, m.Start)
		}
		if err := m.Overshoot.validate(); err != nil {
			return fmt.Errorf("machine %d: %w", i, err)
		}
		if m.StartSpread < 0 || m.StartSpread > MaxDuration {
			return fmt.Errorf("machine %d start spread %d ns is not in [0, 10^7 s]", i, m.StartSpread)
		}
	}
	return nil
}

// Record is one tick as logged: one line of its machine's CSV log.
type Record struct {
	// At is the tick's virtual time in ns since the run's start.
	At int64
	// Clock is the logical clock after the tick.
	Clock int64
	// Queue is the queue length after the pop.
	Queue int64
	// Event is what the tick did.
	Event Event
}

// Sink receives the records of a run in batches, each batch holding
// consecutive ticks of one machine in time order. Batches of different
// machines come in a deterministic but otherwise unspecified order. A batch
// is only valid during the call. An error stops the run.
type Sink interface {
	Records(machine int, batch []Record) error
}

// Sinks fans records out to several sinks in order.
type Sinks []Sink

// Records implements Sink.
func (s Sinks) Records(machine int, b []Record) error {
	for _, x := range s {
		if err := x.Records(machine, b); err != nil {
			return err
		}
	}
	return nil
}

// Stats counts what a run did.
type Stats struct {
	Ticks      int64 // ticks performed (= records emitted)
	Deliveries int64 // messages appended to a queue
	Sent       int64 // message copies sent (some may still be in flight at the end)
}

// Events is ticks plus deliveries: the engine's unit of work.
func (s Stats) Events() int64 { return s.Ticks + s.Deliveries }

// recBatch is the number of records buffered per machine before they go to
// the sink (4 KiB per machine).
const recBatch = 128

// Engine runs one Config. It can be Reset to another seed and run again
// without allocating.
type Engine struct {
	cfg   Config
	n     int
	nodes []node
	sched schedule
	links []link // per ordered pair i*n+j, only when Jitter > 0
	sink  Sink   // during Run
	ran   bool   // Run was called since the last Reset
	sent  int64
	tr    *tracer // RunTraced's, kept for the next run
}

// node is the engine's state for one machine.
type node struct {
	m   Machine
	die Die
	// due is the delivery time of the earliest message in the inbox, or
	// maxTime when it is empty.
	due int64
	// next is the time of the node's next tick.
	next  int64
	inbox inbox
	nrec  int
	recs  *[recBatch]Record
	// delivered counts messages moved into the queue during the run.
	delivered int64
	ticks     int64
}

const maxTime = int64(^uint64(0) >> 1)

type link struct {
	rng  rand.PCG
	last int64 // delivery time of the link's latest message
}

// New returns an engine for cfg, reset to cfg.Seed.
func New(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := len(cfg.Machines)
	e := &Engine{cfg: cfg, n: n, nodes: make([]node, n)}
	e.cfg.Machines = append([]MachineConfig(nil), cfg.Machines...)
	if cfg.Jitter > 0 {
		e.links = make([]link, n*n)
	}
	recs := make([][recBatch]Record, n)
	for i := range e.nodes {
		e.nodes[i].m = NewMachine(i, n)
		e.nodes[i].recs = &recs[i]
	}
	e.sched = newSchedule(e.cfg.Machines, e.nodes, cfg.Seed)
	e.Reset(cfg.Seed)
	return e, nil
}

// Config returns the engine's configuration; Seed is the current seed.
func (e *Engine) Config() Config { return e.cfg }

// Reset prepares a new run with the given seed: clocks 0, queues empty,
// every stream re-seeded (the timing streams too, which decide the tick
// times of machines with a timing model), nothing in flight.
func (e *Engine) Reset(seed uint64) {
	e.cfg.Seed = seed
	e.sched.reset(seed)
	for i := range e.nodes {
		nd := &e.nodes[i]
		nd.m.Reset()
		nd.die.Reset(seed, i, e.cfg.Die)
		nd.inbox.reset()
		nd.due = maxTime
		nd.next = e.sched.first(i)
		nd.nrec = 0
		nd.ticks, nd.delivered = 0, 0
	}
	e.sent = 0
	e.ran = false
	for i := range e.links {
		e.links[i].rng.Seed(StreamSeed(seed, PurposeJitter, i/e.n, i%e.n))
		e.links[i].last = 0
	}
}

// Machine returns machine i, for inspection after a run.
func (e *Engine) Machine(i int) *Machine { return &e.nodes[i].m }

// Stats returns the counts of the latest run.
func (e *Engine) Stats() Stats {
	s := Stats{Sent: e.sent}
	for i := range e.nodes {
		s.Ticks += e.nodes[i].ticks
		s.Deliveries += e.nodes[i].delivered
	}
	return s
}

// Run runs the window [0, Duration) and hands every tick's record to sink
// (which may be nil). It returns the first error of the sink, or
// ErrQueueLimit. Run once per Reset.
//
// Only a machine's own ticks observe its queue, so a message waits in the
// machine's inbox and is moved into its queue just before the machine's
// first tick at or after the message's delivery time (and at the end of
// the run, for those due before the end): the result is exactly that of
// delivering every message at its time, in the order the package
// documentation gives, without a global event queue.
//
// RunTraced runs with a message trace as well; its loop is a copy of
// run's, so that a change to one must be made to the other.
func (e *Engine) Run(sink Sink) error {
	if e.ran {
		return errRunTwice
	}
	e.ran = true
	e.sink = sink
	err := e.run()
	e.sink = nil
	return err
}

var errRunTwice = errors.New("sim: Engine.Run called twice without Reset")

func (e *Engine) run() error {
	end := e.cfg.Duration
	chunk, base := e.sched.chunk, e.sched.base
	for {
		// The last chunk is cut at the end of the run, so that the loop
		// below needs no test of the time.
		last := len(chunk) == 0 || base+chunk[len(chunk)-1].at >= end
		if last {
			k, _ := slices.BinarySearchFunc(chunk, end-base, func(s slot, t int64) int { return cmp.Compare(s.at, t) })
			chunk = chunk[:k]
		}
		for _, te := range chunk {
			at := base + te.at
			nd := te.nd
			if nd.due <= at {
				nd.deliver(at)
			}
			if nd.m.QueueLen() > MaxQueue {
				return ErrQueueLimit
			}
			face := 0
			if nd.m.NeedsRoll() {
				face = nd.die.Roll()
			}
			// Machine.Tick's fast path (see tick).
			ev, v := nd.m.tick(face)
			nd.next = base + te.next
			if ev >= Broadcast {
				e.send(nd, ev, v, at)
			}
			r := &nd.recs[nd.nrec&(recBatch-1)]
			r.At, r.Clock, r.Queue, r.Event = at, nd.m.Clock(), int64(nd.m.QueueLen()), ev
			nd.nrec++
			if nd.nrec == recBatch {
				if err := e.flush(nd); err != nil {
					return err
				}
			}
		}
		if last {
			break
		}
		chunk, base = e.sched.next()
	}
	// Messages due before the end reach their queues.
	for i := range e.nodes {
		e.nodes[i].deliver(end - 1)
	}
	for i := range e.nodes {
		if err := e.flush(&e.nodes[i]); err != nil {
			return err
		}
	}
	return nil
}

// flush hands the node's buffered records to the sink.
func (e *Engine) flush(nd *node) error {
	k := nd.nrec
	nd.nrec = 0
	nd.ticks += int64(k)
	if k > 0 && e.sink != nil {
		return e.sink.Records(nd.m.ID(), nd.recs[:k])
	}
	return nil
}

// deliver moves every message of the inbox due at or before at into the
// machine's queue, in (delivery time, send sequence) order.
func (nd *node) deliver(at int64) {
	for nd.due <= at {
		if v := nd.inbox.pop(); !nd.m.tryDeliver(v) {
			nd.m.Deliver(v)
		}
		nd.due = nd.inbox.headTime()
		nd.delivered++
	}
}

// send sends the value v of the node's tick at time at, whose event is a
// single send or a broadcast, to the event's targets in their order.
//
// Without jitter, a copy to a machine with nothing in flight and no tick
// before the copy is due is appended to its queue at once: no tick of that
// machine can tell the difference, since without jitter a later message is
// due no earlier. Otherwise it waits in the machine's inbox.
func (e *Engine) send(nd *node, ev Event, v, at int64) {
	arrive := at + e.cfg.Latency
	to := nd.m.targets(ev) // Machine.Tick's targets (see tick)
	if e.links != nil {
		e.sendJitter(nd.m.ID(), to, v, arrive)
		return
	}
	end := e.cfg.Duration
	for k := range to.Len() {
		dst := &e.nodes[to.At(k)]
		e.sent++
		if dst.inbox.n == 0 && arrive <= dst.next {
			if arrive < end {
				if !dst.m.tryDeliver(v) {
					dst.m.Deliver(v)
				}
				dst.delivered++
			}
			continue
		}
		// dst.accept, written out so that the common append inlines here.
		if !dst.inbox.append(arrive, v) {
			dst.inbox.insert(arrive, v)
		}
		dst.due = min(dst.due, arrive)
	}
}

// sendJitter is send when messages have jitter: each copy is due at
// arrive plus its link's uniform jitter in [0, Jitter], raised if need be
// to the link's previous delivery time so that a link never reorders.
func (e *Engine) sendJitter(i int, to Targets, v, arrive int64) {
	for k := range to.Len() {
		j := to.At(k)
		l := &e.links[i*e.n+j]
		at := arrive + int64(uniform(&l.rng, uint64(e.cfg.Jitter)+1))
		at = max(at, l.last)
		l.last = at
		e.nodes[j].accept(at, v)
		e.sent++
	}
}

// accept puts a message due at time at in the node's inbox.
func (nd *node) accept(at, v int64) {
	nd.inbox.push(at, v)
	nd.due = min(nd.due, at)
}

// inbox holds the messages in flight to one machine as a ring sorted by
// (delivery time, send sequence). A message is inserted from the tail,
// after every message due no later than it, so messages due at the same
// time keep the order they were sent in. Without jitter every message is
// due no earlier than all those already in flight and insertion is an
// append.
type inbox struct {
	buf  []inflight
	head int
	n    int
	mask int   // len(buf) - 1
	last int64 // delivery time of the tail (stale when empty: then push may take the general path)
}

type inflight struct {
	at  int64 // delivery time, ns
	val int64 // the clock value carried
}

func (b *inbox) reset() { b.head, b.n, b.last = 0, 0, 0 }

// push inserts a message in order.
func (b *inbox) push(at, v int64) {
	if !b.append(at, v) {
		b.insert(at, v)
	}
}

// append adds a message at the tail when it is due no earlier than the
// tail and there is room, and reports whether it did; insert does the rest.
// Split so that this common case has no call and inlines into the caller.
func (b *inbox) append(at, v int64) bool {
	if b.n == len(b.buf) || at < b.last {
		return false
	}
	it := &b.buf[(b.head+b.n)&b.mask]
	it.at, it.val = at, v
	b.n++
	b.last = at
	return true
}

// insert is append's general case: grow if full, then insertion from the tail.
//
//go:noinline
func (b *inbox) insert(at, v int64) {
	if b.n == len(b.buf) {
		c := max(8, 2*len(b.buf))
		nb := make([]inflight, c)
		for i := 0; i < b.n; i++ {
			nb[i] = b.buf[(b.head+i)&b.mask]
		}
		b.buf, b.head, b.mask = nb, 0, c-1
	}
	i := b.head + b.n
	for i > b.head && b.buf[(i-1)&b.mask].at > at {
		b.buf[i&b.mask] = b.buf[(i-1)&b.mask]
		i--
	}
	b.buf[i&b.mask] = inflight{at, v}
	b.n++
	b.last = b.buf[(b.head+b.n-1)&b.mask].at
}

// pop removes the head and returns its value; the inbox must not be empty.
func (b *inbox) pop() int64 {
	v := b.buf[b.head].val
	b.head = (b.head + 1) & b.mask
	b.n--
	return v
}

// headTime returns the head's delivery time, or maxTime if empty.
func (b *inbox) headTime() int64 {
	if b.n == 0 {
		return maxTime
	}
	return b.buf[b.head].at
}
