package stats

import (
	"desim/scenarios"
	"desim/sim"
)

// A Probe measures, per machine and run, the two things the report's
// verdicts need beyond the per-run metrics of summary.json, and sums them
// over runs exactly (Stat), so that the result is the same bits whatever
// the order of the runs or the number of workers:
//
//   - the late queue slope: the least-squares slope of the queue length
//     against time over the ticks of the second half of the run,
//     [duration/2, duration). A queue that only fills up at the start (a
//     start-up transient, which any machine has) is flat there; a queue
//     that grows without bound still grows. It is what "drifts" is judged
//     on.
//   - the window drift: the slope of the logical clock against time over
//     the ticks before the queue first reaches the bound (the whole run if
//     it never does), minus the largest rate of the run (the largest
//     effective rate, 1/(1/rate + mean overshoot), with a timing model:
//     the fastest clock's long-run slope) — how fast the clock falls
//     behind the fastest clock while its queue is still small. A run whose window holds fewer than 3 ticks at distinct
//     times gives none.
//
// A Probe is a sim.Sink for one run at a time: hand it a run's records,
// then call EndRun.
type Probe struct {
	half, bound int64
	fastest     float64
	cur         []probeRun
	machines    []MachineProbe
}

// MachineProbe is what a Probe found for one machine over its runs.
type MachineProbe struct {
	// LateQueueSlope is the late queue slope over runs, messages/s.
	LateQueueSlope Stat `json:"late_queue_slope"`
	// WindowDrift is the window drift over the runs that have one, clock/s.
	WindowDrift Stat `json:"window_drift"`
	// WindowSeconds is the length of the window: the time of the tick at
	// which the queue first reached the bound, or of the last tick.
	WindowSeconds Stat `json:"window_s"`
	// Reached counts the runs in which the queue reached the bound.
	Reached int64 `json:"reached"`
}

// ProbeSummary is a MachineProbe's summaries.
type ProbeSummary struct {
	LateQueueSlope Summary `json:"late_queue_slope"`
	WindowDrift    Summary `json:"window_drift"`
	WindowSeconds  Summary `json:"window_s"`
	Runs           int64   `json:"runs"`
	Reached        int64   `json:"reached"`
}

// Summary summarises the machine's probe over runs.
func (m *MachineProbe) Summary() ProbeSummary {
	return ProbeSummary{
		LateQueueSlope: m.LateQueueSlope.Summarize(nil), WindowDrift: m.WindowDrift.Summarize(nil),
		WindowSeconds: m.WindowSeconds.Summarize(nil), Runs: m.WindowSeconds.N, Reached: m.Reached,
	}
}

// ols accumulates a least-squares fit of y against x.
type ols struct{ n, sx, sy, sxx, sxy float64 }

func (o *ols) add(x, y float64) {
	o.n++
	o.sx += x
	o.sy += y
	o.sxx += float64(x * x)
	o.sxy += float64(x * y)
}

// slope returns the fitted slope, false without two distinct x.
func (o *ols) slope() (float64, bool) {
	d := o.sxx - float64(o.sx*o.sx)/o.n
	if o.n < 2 || !(d > 0) {
		return 0, false
	}
	return (o.sxy - float64(o.sx*o.sy)/o.n) / d, true
}

type probeRun struct {
	late, window     ols
	t0, last, ended  int64
	started, reached bool
}

// NewProbe returns a probe of the runs of s, the window ending when a
// queue reaches bound messages.
func NewProbe(s *scenarios.Scenario, bound int64) *Probe {
	p := &Probe{half: int64(s.Duration) / 2, bound: bound, cur: make([]probeRun, len(s.Machines)), machines: make([]MachineProbe, len(s.Machines))}
	for _, r := range s.EffectiveRates() { // the rates, without a timing model
		p.fastest = max(p.fastest, r)
	}
	return p
}

// Records implements sim.Sink.
func (p *Probe) Records(machine int, b []sim.Record) error {
	c := &p.cur[machine]
	for _, r := range b {
		if !c.started {
			c.started, c.t0 = true, r.At
		}
		c.last = r.At
		if r.At >= p.half {
			c.late.add(float64(r.At-p.half)/1e9, float64(r.Queue))
		}
		if c.reached {
			continue
		}
		if r.Queue >= p.bound {
			c.reached, c.ended = true, r.At
			continue
		}
		c.window.add(float64(r.At-c.t0)/1e9, float64(r.Clock))
	}
	return nil
}

// EndRun folds the run just handed in into the sums; seed is its seed.
func (p *Probe) EndRun(seed uint64) {
	for i := range p.cur {
		c, m := &p.cur[i], &p.machines[i]
		if c.started {
			if b, ok := c.late.slope(); ok {
				m.LateQueueSlope.Add(b, seed)
			}
			end := c.last
			if c.reached {
				end = c.ended
				m.Reached++
			}
			m.WindowSeconds.Add(float64(end-c.t0)/1e9, seed)
			if b, ok := c.window.slope(); ok && c.window.n >= 3 {
				m.WindowDrift.Add(b-p.fastest, seed)
			}
		}
		*c = probeRun{}
	}
}

// Merge adds q's runs (of the same scenario).
func (p *Probe) Merge(q *Probe) {
	for i := range p.machines {
		a, b := &p.machines[i], &q.machines[i]
		a.LateQueueSlope.Merge(&b.LateQueueSlope)
		a.WindowDrift.Merge(&b.WindowDrift)
		a.WindowSeconds.Merge(&b.WindowSeconds)
		a.Reached += b.Reached
	}
}

// Machines returns the summaries of every machine.
func (p *Probe) Machines() []ProbeSummary {
	out := make([]ProbeSummary, len(p.machines))
	for i := range p.machines {
		out[i] = p.machines[i].Summary()
	}
	return out
}
