package sim

import "math/bits"

// Limits of the precomputed tick table: a schedule whose periodic part or
// lead-in has more ticks than this is generated on the fly instead.
const (
	maxTableTicks = 1 << 14
	chunkTicks    = 256
	maxPeriod     = int64(1) << 60
)

// slot is one tick as the engine consumes it: its time and its machine's
// node.
type slot struct {
	at   int64
	next int64 // the time of the same machine's next tick (same base)
	nd   *node
}

// tickEntry is one machine's next tick in the heap.
type tickEntry struct {
	at int64
	id int32
}

func (a tickEntry) less(b tickEntry) bool {
	return a.at < b.at || (a.at == b.at && a.id < b.id)
}

// schedule yields the ticks of every machine in (time, machine) order, in
// chunks. Without a timing model tick times do not depend on the seed, so
// the order is computed once per configuration.
//
// Machine i ticks at start_i + floor(k·a_i/b_i) ns, where a_i/b_i is its
// period in lowest terms; its ticks repeat with period a_i once it has
// started. From T0 = max start_i on, the merged sequence therefore repeats
// with period H = lcm(a_i). When H is small enough, the schedule is a
// table: the lead-in (ticks before T0) once, then the ticks of [T0, T0+H)
// shifted by 0, H, 2H, ... Otherwise a heap of the machines' next ticks
// generates chunks as the run goes. Both yield exactly the same sequence.
//
// A machine with a timing model (MachineConfig.Timed) makes the tick
// times depend on the seed: the schedule is then always a heap, whose
// tickers are re-seeded by every reset and draw the start offset and the
// overshoots from the machines' timing streams as they generate ticks.
type schedule struct {
	machines []MachineConfig
	table    bool
	nodes    []node
	lead     []slot // table mode: ticks before T0
	cycle    []slot // table mode: ticks in [T0, T0+H)
	period   int64  // table mode: H
	inCycle  bool

	heap    tickHeap // heap mode: next tick of every machine
	tickers []ticker // heap mode
	buf     []slot
	// timing holds each machine's overshoot table, nil for a machine
	// without a timing model; nil when no machine has one.
	timing []*OvershootTable

	chunk []slot // current chunk; times are base + at
	base  int64
}

func newSchedule(ms []MachineConfig, nodes []node, seed uint64) schedule {
	s := schedule{machines: ms, nodes: nodes}
	s.timing = overshootTables(ms)
	h, ok := hyperperiod(ms)
	if ok && s.timing == nil {
		var t0 int64
		for _, m := range ms {
			t0 = max(t0, m.Start)
		}
		s.resetHeap(0)
		lead, cycle, ok := s.generateUntil(t0, t0+h)
		if ok {
			s.table, s.lead, s.cycle, s.period = true, lead, cycle, h
		}
	}
	if !s.table {
		s.buf = make([]slot, chunkTicks)
	}
	s.reset(seed)
	return s
}

// overshootTables returns the overshoot table of every machine with a
// timing model (nil for the others), one table per distinct Overshoot,
// or nil when no machine has a timing model.
func overshootTables(ms []MachineConfig) []*OvershootTable {
	var ts []*OvershootTable
	for i, m := range ms {
		if !m.Timed() {
			continue
		}
		if ts == nil {
			ts = make([]*OvershootTable, len(ms))
		}
		for j := range i {
			if ts[j] != nil && ms[j].Overshoot == m.Overshoot {
				ts[i] = ts[j]
				break
			}
		}
		if ts[i] == nil {
			ts[i] = cachedOvershootTable(m.Overshoot)
		}
	}
	return ts
}

// hyperperiod returns lcm(a_i) over the machines' periods a_i/b_i, or
// false if it exceeds maxPeriod or the table would be too large.
func hyperperiod(ms []MachineConfig) (int64, bool) {
	h := uint64(1)
	for _, m := range ms {
		a := m.Rate.periodNum
		g := gcd(h, a)
		hi, lo := bits.Mul64(h/g, a)
		if hi != 0 || lo > uint64(maxPeriod) {
			return 0, false
		}
		h = lo
	}
	// Ticks per period: Σ h·b_i/a_i.
	var total uint64
	for _, m := range ms {
		total += h / m.Rate.periodNum * m.Rate.periodDen
		if total > maxTableTicks {
			return 0, false
		}
	}
	return int64(h), true
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// resetHeap puts every machine's first tick in the heap. A machine with a
// timing model gets its timing stream StreamSeed(seed, PurposeTiming, i,
// 0), and its first tick is at Start plus the stream's first draw, the
// start offset (see MachineConfig).
func (s *schedule) resetHeap(seed uint64) {
	n := len(s.machines)
	if s.heap == nil {
		s.heap = make(tickHeap, n)
		s.tickers = make([]ticker, n)
	}
	for i, m := range s.machines {
		t := &s.tickers[i]
		*t = newTicker(m.Rate, m.Start)
		if s.timing != nil && s.timing[i] != nil {
			t.timed = true
			t.rng.Seed(StreamSeed(seed, PurposeTiming, i, 0))
			t.start += StartOffset(&t.rng, m.StartSpread)
			t.next = t.start
			t.mean, t.nodes = m.Overshoot.Mean, s.timing[i].nodes
		}
		s.heap[i] = tickEntry{at: t.next, id: int32(i)}
	}
	s.heap.init()
}

// first returns the time of machine i's first tick in the current run.
func (s *schedule) first(i int) int64 {
	if s.table {
		return s.machines[i].Start
	}
	return s.tickers[i].start
}

// pop returns the next tick from the heap and advances that machine.
func (s *schedule) pop() slot {
	top := &s.heap[0]
	sl := slot{at: top.at, nd: &s.nodes[top.id]}
	t := &s.tickers[top.id]
	t.advance()
	sl.next = t.next
	top.at = t.next
	s.heap.fixTop()
	return sl
}

// generateUntil returns the ticks before t0 and those in [t0, t1), or false
// if either has more than maxTableTicks.
func (s *schedule) generateUntil(t0, t1 int64) (lead, cycle []slot, ok bool) {
	for s.heap[0].at < t1 {
		te := s.pop()
		if te.at < t0 {
			if len(lead) == maxTableTicks {
				return nil, nil, false
			}
			lead = append(lead, te)
		} else {
			if len(cycle) == maxTableTicks {
				return nil, nil, false
			}
			cycle = append(cycle, te)
		}
	}
	return lead, cycle, true
}

// reset rewinds to the first tick of a run with the given seed (which
// matters only with a timing model).
func (s *schedule) reset(seed uint64) {
	s.base = 0
	if s.table {
		s.inCycle = len(s.lead) == 0
		s.chunk = s.lead
		if s.inCycle {
			s.chunk = s.cycle
		}
		return
	}
	s.resetHeap(seed)
	s.chunk = s.fill()
}

// next returns the chunk after the current one and its base time.
func (s *schedule) next() ([]slot, int64) {
	switch {
	case !s.table:
		s.chunk = s.fill()
	case !s.inCycle:
		s.inCycle = true
		s.chunk = s.cycle
	default:
		s.base += s.period
	}
	return s.chunk, s.base
}

func (s *schedule) fill() []slot {
	for i := range s.buf {
		s.buf[i] = s.pop()
	}
	return s.buf
}

// tickHeap is a binary min-heap of every machine's next tick, ordered by
// (time, machine index). It always holds exactly one entry per machine.
type tickHeap []tickEntry

func (h tickHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// fixTop restores the heap after the root's time increased.
func (h tickHeap) fixTop() { h.down(0) }

func (h tickHeap) down(i int) {
	n := len(h)
	x := h[i]
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h[r].less(h[c]) {
			c = r
		}
		if !h[c].less(x) {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = x
}
