package analysis

import (
	"strconv"

	"desim/analysis/internal/kernel"
	"desim/sim"
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
// against gonum's two-pass stat.LinearRegression). The per-record loop is
// package analysis/internal/kernel: on amd64 an SSE2 kernel that does the
// same operations and gives the same bits as its Go loop; the build tag
// purego leaves it out.
type Accumulator struct {
	n  int
	ms []machineAcc
}

type machineAcc struct {
	st         kernel.State // sums, last clock, maxima and counts
	t0         int64
	firstClock int64
	lastQueue  int64
}

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

// add adds records in order; b is not empty.
func (m *machineAcc) add(b []sim.Record) {
	if m.st.N() == 0 {
		m.t0 = b[0].At
		m.firstClock = b[0].Clock
	}
	m.st.Add(b, m.t0)
	m.lastQueue = b[len(b)-1].Queue
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
		st := &a.ms[i].st
		internals, receives := st.Count(kernel.ClassInternal), st.Count(kernel.ClassReceive)
		broadcasts, sends := st.Count(kernel.ClassBroadcast), st.Count(kernel.ClassSend)
		mm := MachineMetrics{
			ID:           i,
			Ticks:        internals + receives + broadcasts + sends,
			Receives:     receives,
			Sends:        broadcasts + sends,
			Internals:    internals,
			MessagesSent: sends + int64(a.n-1)*broadcasts,
			FinalClock:   st.Last(),
			FinalQueue:   a.ms[i].lastQueue,
			MaxQueue:     st.MaxQueue(),
			MaxJump:      st.MaxJump(),
		}
		if rates != nil {
			mm.Rate = rates[i]
		}
		// Slopes per ns, scaled to per second.
		mm.ClockSlope = st.ClockSlope() * 1e9
		mm.QueueSlope = st.QueueSlope() * 1e9
		if mm.Ticks > 1 {
			mm.MeanJump = float64(st.Last()-a.ms[i].firstClock) / float64(mm.Ticks-1)
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
