package analysis

import (
	"desim/analysis/internal/kernel"
	"desim/sim"
)

// MachineMetrics are one machine's per-run metrics, as in summary.json.
// Metrics describes each field after ID and Rate, in the same order.
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
	Drift        float64 `json:"drift"`         // ClockSlope minus the run's largest rate (see Drift)
	MeanJump     float64 `json:"mean_jump"`     // mean difference between consecutive logged clocks
	MaxJump      int64   `json:"max_jump"`      // largest difference between consecutive logged clocks
}

// Kind says what sort of quantity a metric is.
type Kind uint8

const (
	KindCount Kind = iota // events counted over the run: an integer
	KindLevel             // an integer level: a final or largest clock, queue length or jump
	KindSlope             // a rate of change, per second: the slopes and drift
	KindRatio             // a ratio of integers: mean_jump
)

// Integer reports whether metrics of kind k are integers (KindCount and
// KindLevel): summary.json writes them without a fraction, and so do the
// tables.
func (k Kind) Integer() bool { return k == KindCount || k == KindLevel }

// Resolution is how far "desim validate" lets a real-socket value of a
// metric lie outside the simulated band and still pass: what the real
// mode cannot resolve (see resolution in cmd/desim/validate.go, which
// turns it into a number).
type Resolution uint8

const (
	ResolutionExact Resolution = iota // ±0: the real mode runs the simulator's ticks
	ResolutionOne                     // ±1: a message landing on the other side of a tick moves a count by one
	ResolutionRate                    // ±0.1% of the fastest machine's rate: late tick starts shift the fitted times
	ResolutionMean                    // ±0.1% of the simulated mean
)

// Metric is one per-run metric of a machine: a field of MachineMetrics
// after id and rate, with what the outputs need to know of it. Metrics
// lists them all; summary.json, the sweep's columns, the run's table,
// "desim validate" and the report are driven from it. Adding a metric is
// a field of MachineMetrics, its computation in Accumulator.MetricsTo and
// one entry here (TestMetricTable checks that the three agree).
type Metric struct {
	Key        string     // JSON key in summary.json and the sweep's outputs
	Unit       string     // "ticks", "messages", "clock" (logical clock), or those per second
	Kind       Kind       // what sort of quantity it is
	Resolution Resolution // the real mode's resolution in "desim validate"
	Doc        string     // one line

	index int // position in Metrics
	// column is the width of its column in WriteTable; 0 leaves it out.
	column int
	// integer reads an integer metric (Kind.Integer) exactly, real any
	// other; one of them is set.
	integer func(*MachineMetrics) int64
	real    func(*MachineMetrics) float64
	// predict reads the metric's expectation over a run from the
	// finite-horizon model (PredictRun); nil when the model makes none.
	predict func(*Expected) float64
}

// The metrics, in summary.json's order.
var (
	Ticks = &Metric{Key: "ticks", Unit: "ticks", Kind: KindCount, Resolution: ResolutionExact,
		Doc: "log lines: ticks of the machine", column: 8,
		integer: func(m *MachineMetrics) int64 { return m.Ticks },
		predict: func(e *Expected) float64 { return e.Ticks }}
	Receives = &Metric{Key: "receives", Unit: "ticks", Kind: KindCount, Resolution: ResolutionOne,
		Doc: "ticks that popped a message", column: 8,
		integer: func(m *MachineMetrics) int64 { return m.Receives },
		predict: func(e *Expected) float64 { return e.Receives }}
	Sends = &Metric{Key: "sends", Unit: "ticks", Kind: KindCount, Resolution: ResolutionOne,
		Doc: "ticks on which a send or broadcast happened", column: 7,
		integer: func(m *MachineMetrics) int64 { return m.Sends },
		predict: func(e *Expected) float64 { return e.Sends }}
	Internals = &Metric{Key: "internals", Unit: "ticks", Kind: KindCount, Resolution: ResolutionOne,
		Doc: "internal events", column: 9,
		integer: func(m *MachineMetrics) int64 { return m.Internals },
		predict: func(e *Expected) float64 { return e.Internals }}
	// MessagesSent has no column in WriteTable.
	MessagesSent = &Metric{Key: "messages_sent", Unit: "messages", Kind: KindCount, Resolution: ResolutionOne,
		Doc:     "copies sent: 1 per send, N-1 per broadcast",
		integer: func(m *MachineMetrics) int64 { return m.MessagesSent },
		predict: func(e *Expected) float64 { return e.MessagesSent }}
	FinalClock = &Metric{Key: "final_clock", Unit: "clock", Kind: KindLevel, Resolution: ResolutionOne,
		Doc: "clock after the last tick", column: 11,
		integer: func(m *MachineMetrics) int64 { return m.FinalClock },
		predict: func(e *Expected) float64 { return e.FinalClock }}
	FinalQueue = &Metric{Key: "final_queue", Unit: "messages", Kind: KindLevel, Resolution: ResolutionOne,
		Doc: "queue length at the last tick", column: 10,
		integer: func(m *MachineMetrics) int64 { return m.FinalQueue },
		predict: func(e *Expected) float64 { return e.FinalQueue }}
	MaxQueue = &Metric{Key: "max_queue", Unit: "messages", Kind: KindLevel, Resolution: ResolutionOne,
		Doc: "largest logged queue length", column: 9,
		integer: func(m *MachineMetrics) int64 { return m.MaxQueue }}
	ClockSlope = &Metric{Key: "clock_slope", Unit: "clock/s", Kind: KindSlope, Resolution: ResolutionRate,
		Doc: "OLS slope of the clock against time", column: 11,
		real:    func(m *MachineMetrics) float64 { return m.ClockSlope },
		predict: func(e *Expected) float64 { return e.ClockSlope }}
	QueueSlope = &Metric{Key: "queue_slope", Unit: "messages/s", Kind: KindSlope, Resolution: ResolutionRate,
		Doc: "OLS slope of the queue length against time", column: 11,
		real:    func(m *MachineMetrics) float64 { return m.QueueSlope },
		predict: func(e *Expected) float64 { return e.QueueSlope }}
	// Drift is a machine's clock slope minus the largest rate among the
	// run's machines: the fastest clock's long-run slope, which no clock
	// outgrows in the long run (a Lamport clock counts the longest chain
	// of events, and every link of a chain is a tick of some machine). It
	// is measured against a fixed number, not against the largest
	// measured clock slope: the maximum of several noisy slopes is biased
	// upward, and would show drift where there is none. It is 0 for a
	// machine that keeps up with the fastest clock, negative for one that
	// falls behind, and can be slightly positive in a short run (a clock
	// that started late and caught up).
	Drift = &Metric{Key: "drift", Unit: "clock/s", Kind: KindSlope, Resolution: ResolutionRate,
		Doc: "clock_slope minus the run's largest rate (the fastest clock's long-run slope)", column: 8,
		real:    func(m *MachineMetrics) float64 { return m.Drift },
		predict: func(e *Expected) float64 { return e.Drift }}
	MeanJump = &Metric{Key: "mean_jump", Unit: "clock", Kind: KindRatio, Resolution: ResolutionMean,
		Doc: "mean difference between consecutive logged clocks", column: 9,
		real:    func(m *MachineMetrics) float64 { return m.MeanJump },
		predict: func(e *Expected) float64 { return e.MeanJump }}
	MaxJump = &Metric{Key: "max_jump", Unit: "clock", Kind: KindLevel, Resolution: ResolutionOne,
		Doc: "largest difference between consecutive logged clocks", column: 8,
		integer: func(m *MachineMetrics) int64 { return m.MaxJump }}
)

// Metrics lists every metric of MachineMetrics after id and rate, in
// summary.json's order; Metric.Index is a metric's position in it.
var Metrics = indexed(
	Ticks, Receives, Sends, Internals, MessagesSent,
	FinalClock, FinalQueue, MaxQueue,
	ClockSlope, QueueSlope, Drift, MeanJump, MaxJump,
)

func indexed(ms ...*Metric) []*Metric {
	for i, m := range ms {
		m.index = i
	}
	return ms
}

// MetricByKey returns the metric with the given JSON key.
func MetricByKey(key string) (*Metric, bool) {
	for _, m := range Metrics {
		if m.Key == key {
			return m, true
		}
	}
	return nil, false
}

// Index returns the metric's position in Metrics, which is also its
// position in every per-metric slice of the outputs (a sweep's columns).
func (m *Metric) Index() int { return m.index }

// String returns the metric's key.
func (m *Metric) String() string { return m.Key }

// Value returns the metric of mm as a float64.
func (m *Metric) Value(mm *MachineMetrics) float64 {
	if m.integer != nil {
		return float64(m.integer(mm))
	}
	return m.real(mm)
}

// Predicted reports whether the model predicts the metric.
func (m *Metric) Predicted() bool { return m.predict != nil }

// Predict returns the metric's expectation over a run, from the
// finite-horizon model's expectations e of a machine (PredictRun), and
// false for the metrics it does not predict: max_queue and max_jump (the
// expectation of a maximum needs more than the per-tick distributions the
// model carries).
func (m *Metric) Predict(e *Expected) (float64, bool) {
	if m.predict == nil {
		return 0, false
	}
	return m.predict(e), true
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
	t0, tLast  int64        // times of the first and the last tick
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
	m.tLast = b[len(b)-1].At
}

// tickRate returns the machine's measured tick rate per second, (ticks −
// 1) / (last tick time − first), or 0 without two ticks at distinct times.
func (m *machineAcc) tickRate() float64 {
	if n := m.st.N(); n > 1 && m.tLast > m.t0 {
		return float64(n-1) * 1e9 / float64(m.tLast-m.t0)
	}
	return 0
}

// Metrics returns the metrics of every machine; rates[i] fills Rate (rates
// may be nil). Drift is each machine's clock slope minus the largest rate
// of the run: of rates[i], or where rates is nil or rates[i] is 0 (not
// known), of the machine's tick rate measured from its first and last
// tick times.
func (a *Accumulator) Metrics(rates []float64) []MachineMetrics {
	return a.MetricsTo(make([]MachineMetrics, a.n), rates)
}

// MetricsTo is Metrics writing into out (len(out) ≥ the number of
// machines), without allocating; it returns out[:n].
func (a *Accumulator) MetricsTo(out []MachineMetrics, rates []float64) []MachineMetrics {
	out = out[:a.n]
	fastest := 0.0
	for i := range a.ms {
		r := 0.0
		if rates != nil {
			r = rates[i]
		}
		if r <= 0 {
			r = a.ms[i].tickRate()
		}
		fastest = max(fastest, r)
	}
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
		mm.Drift = mm.ClockSlope - fastest
		out[i] = mm
	}
	return out
}
