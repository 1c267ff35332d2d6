package analysis

import (
	"desim/sim"
	"strconv"
)

// MachineMetrics are one machine's per-run metrics, as in summary.json.
//
// Times are in seconds, rates per second. Slopes are ordinary least squares
// over every tick of the machine: clock_slope is the slope of the logical
// clock (after the tick) against the tick's time, queue_slope that of the
// queue length (after the pop). Fewer than two ticks at distinct times give
// slopes of 0.
type MachineMetrics struct {
	ID           int     `json:"id"`
	Rate         float64 `json:"rate"`          // ticks per second, from the scenario (0 when unknown)
	Ticks        int64   `json:"ticks"`         // log lines
	Receives     int64   `json:"receives"`      // ticks that popped a message
	Sends        int64   `json:"sends"`         // ticks on which a send or broadcast happened
	Internals    int64   `json:"internals"`     // internal events
	MessagesSent int64   `json:"messages_sent"` // copies sent: 1 per send, N-1 per broadcast
	FinalClock   int64   `json:"final_clock"`   // clock after the last tick
	FinalQueue   int64   `json:"final_queue"`   // queue length at the last tick
	MaxQueue     int64   `json:"max_queue"`     // largest logged queue length
	ClockSlope   float64 `json:"clock_slope"`   // OLS slope of clock against time, ticks per second
	QueueSlope   float64 `json:"queue_slope"`   // OLS slope of queue length against time, messages per second
	Drift        float64 `json:"drift"`         // ClockSlope minus the run's largest ClockSlope (≤ 0)
	MeanJump     float64 `json:"mean_jump"`     // mean difference between consecutive logged clocks
	MaxJump      int64   `json:"max_jump"`      // largest difference between consecutive logged clocks
}

// MetricNames lists the per-run metrics of MachineMetrics after id and
// rate, by their JSON names, in summary.json's order.
var MetricNames = []string{
	"ticks", "receives", "sends", "internals", "messages_sent",
	"final_clock", "final_queue", "max_queue",
	"clock_slope", "queue_slope", "drift", "mean_jump", "max_jump",
}

// Metric returns the metric MetricNames[k] as a float64.
func (m *MachineMetrics) Metric(k int) float64 {
	switch k {
	case 0:
		return float64(m.Ticks)
	case 1:
		return float64(m.Receives)
	case 2:
		return float64(m.Sends)
	case 3:
		return float64(m.Internals)
	case 4:
		return float64(m.MessagesSent)
	case 5:
		return float64(m.FinalClock)
	case 6:
		return float64(m.FinalQueue)
	case 7:
		return float64(m.MaxQueue)
	case 8:
		return m.ClockSlope
	case 9:
		return m.QueueSlope
	case 10:
		return m.Drift
	case 11:
		return m.MeanJump
	case 12:
		return float64(m.MaxJump)
	}
	panic("analysis: no metric " + strconv.Itoa(k))
}

// Accumulator computes MachineMetrics from a stream of records in O(1)
// memory per machine. Records of one machine must arrive in time order;
// machines may interleave.
//
// Slopes are ordinary least squares,
//
//	slope = (Σxy − Σx·Σy/n) / (Σx² − (Σx)²/n),
//
// from running float64 sums with x the time in ns since the machine's first
// tick (an exact integer subtraction, so shifting every time of a log by a
// constant changes nothing) and the result scaled to seconds. The sums are
// taken one record at a time in time order whatever the batching, and
// every product is rounded explicitly before it is added so that no
// platform fuses it into an FMA: the metrics of a run are the same bit for
// bit everywhere. For the runs desim makes (up to ~10^8 ticks) the relative
// rounding error of a slope is below 1e-10 of the data's scale (tested
// against gonum's two-pass stat.LinearRegression).
type Accumulator struct {
	n  int
	ms []machineAcc
}

type machineAcc struct {
	counts     [4]int64 // by event class
	t0         int64
	firstClock int64
	lastClock  int64
	lastQueue  int64
	maxQueue   int64
	maxJump    int64
	k          int64   // records added
	sums       olsSums // x = ns since t0, y = clock and queue
}

const (
	classInternal = iota
	classReceive
	classBroadcast
	classSend
)

// NewAccumulator returns an accumulator for a run of n machines.
func NewAccumulator(n int) *Accumulator {
	a := &Accumulator{n: n, ms: make([]machineAcc, n)}
	a.Reset()
	return a
}

// Reset forgets everything added.
func (a *Accumulator) Reset() {
	for i := range a.ms {
		a.ms[i] = machineAcc{}
	}
}

// Records implements sim.Sink: it adds consecutive ticks of one machine.
func (a *Accumulator) Records(machine int, b []sim.Record) error {
	if len(b) > 0 {
		a.ms[machine].add(b)
	}
	return nil
}

// add adds records in order, keeping the running sums in registers; the
// counts use 16-bit lanes of one word per block of at most 65535 records,
// and maxima are branch-free.
func (m *machineAcc) add(b []sim.Record) {
	if m.k == 0 {
		m.t0 = b[0].At
		m.firstClock = b[0].Clock
		m.lastClock = b[0].Clock
	}
	t0 := m.t0
	// Separate scalars, not a struct copy, so they live in registers.
	sx, sxx, sc, sxc, sq, sxq := m.sums.sx, m.sums.sxx, m.sums.sc, m.sums.sxc, m.sums.sq, m.sums.sxq
	last, maxJump, maxQueue := m.lastClock, m.maxJump, m.maxQueue
	for len(b) > 0 {
		blk := b[:min(len(b), 0xffff)]
		b = b[len(blk):]
		var lanes uint64
		for i := range blk {
			r := &blk[i]
			x := float64(r.At - t0)
			c := float64(r.Clock)
			q := float64(r.Queue)
			sx += x
			sxx += float64(x * x)
			sc += c
			sxc += float64(x * c)
			sq += q
			sxq += float64(x * q)
			maxJump = max(maxJump, r.Clock-last)
			last = r.Clock
			maxQueue = max(maxQueue, r.Queue)
			lanes += 1 << (16 * min(uint32(r.Event), classSend))
		}
		for k := range m.counts {
			m.counts[k] += int64(lanes >> (16 * k) & 0xffff)
		}
		m.k += int64(len(blk))
		m.lastQueue = blk[len(blk)-1].Queue
	}
	m.sums = olsSums{sx: sx, sxx: sxx, sc: sc, sxc: sxc, sq: sq, sxq: sxq}
	m.lastClock, m.maxJump, m.maxQueue = last, maxJump, maxQueue
}

// Metrics returns the metrics of every machine; rates[i] fills Rate (rates
// may be nil). Drift is computed across the machines of the run.
func (a *Accumulator) Metrics(rates []float64) []MachineMetrics {
	return a.MetricsTo(make([]MachineMetrics, a.n), rates)
}

// MetricsTo is Metrics writing into out (len(out) ≥ the number of
// machines), without allocating; it returns out[:n].
func (a *Accumulator) MetricsTo(out []MachineMetrics, rates []float64) []MachineMetrics {
	out = out[:a.n]
	best := 0.0
	for i := range a.ms {
		m := &a.ms[i]
		mm := MachineMetrics{
			ID:           i,
			Ticks:        m.counts[classInternal] + m.counts[classReceive] + m.counts[classBroadcast] + m.counts[classSend],
			Receives:     m.counts[classReceive],
			Sends:        m.counts[classBroadcast] + m.counts[classSend],
			Internals:    m.counts[classInternal],
			MessagesSent: m.counts[classSend] + int64(a.n-1)*m.counts[classBroadcast],
			FinalClock:   m.lastClock,
			FinalQueue:   m.lastQueue,
			MaxQueue:     m.maxQueue,
			MaxJump:      m.maxJump,
		}
		if rates != nil {
			mm.Rate = rates[i]
		}
		// Slopes per ns, scaled to per second.
		mm.ClockSlope = m.sums.slope(m.k, m.sums.sc, m.sums.sxc) * 1e9
		mm.QueueSlope = m.sums.slope(m.k, m.sums.sq, m.sums.sxq) * 1e9
		if mm.Ticks > 1 {
			mm.MeanJump = float64(m.lastClock-m.firstClock) / float64(mm.Ticks-1)
		}
		if i == 0 || mm.ClockSlope > best {
			best = mm.ClockSlope
		}
		out[i] = mm
	}
	for i := range out {
		out[i].Drift = out[i].ClockSlope - best
	}
	return out
}
