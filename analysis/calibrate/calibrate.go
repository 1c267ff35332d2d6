package calibrate

import (
	"errors"
	"fmt"
	"math"
	"time"

	"desim/analysis"
	"desim/scenarios"
	"desim/sim"
)

// DefaultMaxOvershoot is the largest mean overshoot (mean tick interval
// minus nominal period) that the rate rule accepts when Options gives none:
// above the original's worst machine (about 1.3 ms) and well below the
// 4.8 ms between the periods of 5 and 6 ticks/s.
const DefaultMaxOvershoot = 2 * time.Millisecond

// RateSlack is how much shorter than the nominal rate's the span of a
// machine's ticks in a run (last − first) may be: log times are rounded,
// to 1 ns in desim's logs and to Python's float resolution, about 0.24 µs
// at today's epoch times, in the original's, so a machine without
// overshoot may show a span up to two roundings short. Spread over the
// intervals it is the slack ε of the rate rule.
const RateSlack = time.Microsecond

// Denominators are the denominators q tried, in order, for the nominal
// rate p/q (see the package documentation).
var Denominators = []int64{1, 2, 3, 4, 5, 10, 20, 100, 1000}

// MinTicks is the fewest ticks a machine's log may have: two intervals, so
// that a mean and a spread of the intervals exist.
const MinTicks = 3

// chi2_99 is the 0.99 quantile of χ² with one degree of freedom, the
// threshold of the 99 % likelihood-ratio interval.
const chi2_99 = 6.634896601021214

// z99 is the two-sided 99 % normal quantile, for mean ± z99·se.
const z99 = 2.5758293035489004

// Options change what Fit assumes; the zero value estimates everything.
type Options struct {
	// Rates, when not nil, are the machines' nominal rates in ticks per
	// second, one per machine, instead of estimated ones.
	Rates []sim.Rate
	// MaxOvershoot is the largest mean overshoot the rate rule accepts, in
	// time (0: DefaultMaxOvershoot).
	MaxOvershoot time.Duration
}

// Estimate is what Fit infers from recorded runs. Times are in seconds
// (float64) unless their type is time.Duration.
type Estimate struct {
	// Runs describes each run given, in order.
	Runs []Run
	// Machines holds the per-machine estimates, in machine order.
	Machines []Machine
	// Die is the estimate of the die's faces R.
	Die Die
	// StartSpread is the estimate of a uniform start spread S.
	StartSpread Spread
	// Duration is the run duration chosen (see the package documentation).
	Duration time.Duration
	// Latency is the latency assumed: it cannot be identified from logs.
	Latency time.Duration
	// MaxOvershoot is the W of the rate rule that was used.
	MaxOvershoot time.Duration
	// RatesGiven reports whether the rates came from Options.Rates.
	RatesGiven bool
}

// Run describes one recorded run.
type Run struct {
	// Files are the run's log files, one per machine.
	Files []string
	// Offset is the time, in ns, that analysis.ReadRun subtracted (the
	// earliest first tick since the epoch for the original's logs).
	Offset int64
	// Span is the time from the run's earliest first tick to its latest
	// tick, in s.
	Span float64
	// Starts are each machine's start offset: its first tick minus the
	// run's earliest first tick, in s.
	Starts []float64
	// MeanIntervals are each machine's mean tick interval in this run, in
	// s: (last tick − first tick) / (ticks − 1).
	MeanIntervals []float64
	// Rates are each machine's nominal rate chosen from this run alone
	// (the given rates with Options.Rates).
	Rates []sim.Rate
}

// Machine holds one machine's estimates, pooled over the runs.
type Machine struct {
	// Rate is the nominal rate in ticks per second.
	Rate sim.Rate
	// Ticks is the number of ticks, and Intervals the number of intervals
	// between consecutive ticks (Ticks minus the number of runs).
	Ticks, Intervals int
	// MeanInterval is the mean tick interval in s: the sum over runs of
	// (last tick − first tick) over Intervals.
	MeanInterval float64
	// Overshoot is the distribution of interval − 1/Rate.
	Overshoot Overshoot
	// Start is the mean over runs of the machine's start offset, in s.
	Start float64
	// Free is the number of ticks that were not receives (the die was
	// rolled), Sends the number of those that sent.
	Free, Sends int
}

// Overshoot summarises the samples o_k = interval_k − 1/rate of a machine,
// in s.
type Overshoot struct {
	// Mean and SD are the sample mean and standard deviation (n − 1).
	Mean, SD float64
	// SE is the standard error of Mean from batch means (package
	// documentation); Mean ± 2.576·SE is an approximate 99 % confidence
	// interval.
	SE float64
	// Batches is the number of batches behind SE.
	Batches int
	// Min and Max are the smallest and largest sample (a negative one is
	// an interval shorter than the period: jitter of the logged times).
	Min, Max float64
}

// Die is the estimate of the die's faces R from the pooled free ticks.
type Die struct {
	// N is the number of machines: a free tick sends with probability N/R.
	N int
	// Free is the number of free ticks of all machines and runs, Sends the
	// number of them that sent.
	Free, Sends int
	// R is the maximum-likelihood R (an integer, N ≤ R ≤ sim.MaxFaces).
	R int
	// Lo and Hi bound the 99 % likelihood-ratio interval, inclusive.
	Lo, Hi int
	// Unbounded reports that the interval reaches sim.MaxFaces: the data
	// give no upper bound below it.
	Unbounded bool
}

// Spread is the estimate of a start spread S, the width of a uniform
// distribution [0, S) of start offsets, in s.
type Spread struct {
	// S is the unbiased estimate: mean range × (N + 1)/(N − 1).
	S float64
	// Lo and Hi bound its exact 99 % confidence interval (from the largest
	// range; package documentation).
	Lo, Hi float64
	// MaxRange is the largest range of start offsets among the runs.
	MaxRange float64
}

// errorf returns a *analysis.LogError for file at line (0: the file as a
// whole).
func errorf(file string, line int, format string, args ...any) error {
	return &analysis.LogError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// Fit estimates a scenario from one or more recorded runs of the same
// configuration, as analysis.ReadRun returns them; the estimates are
// described in the package documentation. Record k of a machine is taken
// to be on line k+1 of its file, as ReadRun reads it.
//
// Bad or inconsistent logs are a *analysis.LogError naming the file and,
// when one line is at fault, the line: runs with different numbers of
// machines or fewer than 2 machines, a machine with fewer than MinTicks
// ticks, a time before the previous line's, all ticks at one time, a run
// longer than sim.MaxDuration, a mean
// interval that no rate of the rule fits (or a rate above sim.MaxRate), an
// interval shorter than half the nominal period (the machine would have
// ticked at more than twice its rate), runs whose rates disagree, given
// rates that the machine ticks measurably faster than. A die that the
// counts cannot estimate (no free tick, or no send) is a plain error.
func Fit(runs []*analysis.Log, opt Options) (*Estimate, error) {
	if len(runs) == 0 {
		return nil, errors.New("calibrate: no runs given")
	}
	w := opt.MaxOvershoot
	if w == 0 {
		w = DefaultMaxOvershoot
	}
	if w < 0 {
		return nil, fmt.Errorf("calibrate: max overshoot %s is negative", w)
	}
	n := len(runs[0].Machines)
	for j, r := range runs {
		if len(r.Files) != len(r.Machines) {
			return nil, fmt.Errorf("calibrate: run %d has %d files for %d machines", j+1, len(r.Files), len(r.Machines))
		}
		if len(r.Machines) < 2 {
			name := "run"
			if len(r.Files) > 0 {
				name = r.Files[0]
			}
			return nil, errorf(name, 0, "a run of %d machine(s): a scenario needs at least 2", len(r.Machines))
		}
		if len(r.Machines) != n {
			return nil, errorf(r.Files[0], 0, "its run has %d machines, but the first run (%s, ...) has %d: runs to calibrate together must be of one configuration",
				len(r.Machines), runs[0].Files[0], n)
		}
	}
	if opt.Rates != nil && len(opt.Rates) != n {
		return nil, fmt.Errorf("calibrate: %d rates given for %d machines", len(opt.Rates), n)
	}
	for i, r := range opt.Rates {
		if r.IsZero() {
			return nil, fmt.Errorf("calibrate: rate of machine %d is zero", i)
		}
	}

	e := &Estimate{
		Runs:         make([]Run, len(runs)),
		Machines:     make([]Machine, n),
		Latency:      scenarios.DefaultLatency,
		MaxOvershoot: w,
		RatesGiven:   opt.Rates != nil,
	}

	// Pass 1: per run, check the logs and choose each machine's rate.
	for j, r := range runs {
		ru := &e.Runs[j]
		ru.Files = r.Files
		ru.Offset = r.Offset
		ru.Starts = make([]float64, n)
		ru.MeanIntervals = make([]float64, n)
		ru.Rates = make([]sim.Rate, n)
		first, last := int64(math.MaxInt64), int64(math.MinInt64)
		var lastFile string
		for i, recs := range r.Machines {
			file := r.Files[i]
			if len(recs) < MinTicks {
				return nil, errorf(file, 0, "%d tick(s): calibration needs at least %d per machine", len(recs), MinTicks)
			}
			for k := 1; k < len(recs); k++ {
				if recs[k].At < recs[k-1].At {
					return nil, errorf(file, k+1, "time %s s is before the previous line's %s s",
						sim.AppendSeconds(nil, recs[k].At), sim.AppendSeconds(nil, recs[k-1].At))
				}
			}
			span := recs[len(recs)-1].At - recs[0].At
			if span == 0 {
				return nil, errorf(file, 0, "all %d ticks are at one time, %s s: no tick rate", len(recs), sim.AppendSeconds(nil, recs[0].At))
			}
			m := float64(span) / 1e9 / float64(len(recs)-1)
			ru.MeanIntervals[i] = m
			if opt.Rates != nil {
				ru.Rates[i] = opt.Rates[i]
			} else {
				rate, err := NominalRate(m, len(recs)-1, w)
				if err != nil {
					return nil, errorf(file, 0, "%v", err)
				}
				ru.Rates[i] = rate
			}
			first = min(first, recs[0].At)
			if recs[len(recs)-1].At > last {
				last, lastFile = recs[len(recs)-1].At, file
			}
		}
		if last-first > sim.MaxDuration {
			return nil, errorf(lastFile, 0, "its run spans %.0f s from its earliest first tick to its latest tick, longer than a scenario may last (%.0f s)",
				float64(last-first)/1e9, float64(sim.MaxDuration)/1e9)
		}
		ru.Span = float64(last-first) / 1e9
		for i, recs := range r.Machines {
			ru.Starts[i] = float64(recs[0].At-first) / 1e9
		}
	}
	// The runs must agree on the rates.
	for i := range n {
		for j := 1; j < len(runs); j++ {
			if a, b := e.Runs[0].Rates[i], e.Runs[j].Rates[i]; a != b {
				return nil, errorf(runs[j].Files[i], 0, "rate %s (mean interval %s) disagrees with rate %s of the same machine in %s (mean interval %s): runs to calibrate together must be of one configuration",
					b, fmtSec(e.Runs[j].MeanIntervals[i]), a, runs[0].Files[i], fmtSec(e.Runs[0].MeanIntervals[i]))
			}
		}
	}

	// Pass 2: per machine, pool intervals, overshoots, starts and counts.
	for i := range n {
		mc := &e.Machines[i]
		mc.Rate = e.Runs[0].Rates[i]
		period := periodNs(mc.Rate)
		var spanNs float64
		for j, r := range runs {
			recs := r.Machines[i]
			for k := 1; k < len(recs); k++ {
				if d := float64(recs[k].At - recs[k-1].At); d < period/2 {
					return nil, errorf(r.Files[i], k+1, "tick at %s s is %s after the previous one, under half the period %s of rate %s: the machine cannot tick at more than twice its rate",
						sim.AppendSeconds(nil, recs[k].At), fmtSec(d/1e9), fmtSec(period/1e9), mc.Rate)
				}
			}
			mc.Ticks += len(recs)
			mc.Intervals += len(recs) - 1
			spanNs += float64(recs[len(recs)-1].At - recs[0].At)
			mc.Start += e.Runs[j].Starts[i]
			for _, rec := range recs {
				if rec.Event == sim.Receive {
					continue
				}
				mc.Free++
				if rec.Event.Copies(n) > 0 {
					mc.Sends++
				}
			}
		}
		mc.Start /= float64(len(runs))
		mc.MeanInterval = spanNs / 1e9 / float64(mc.Intervals)
		mc.Overshoot = overshoot(runs, i, period)
		if opt.Rates != nil {
			o := mc.Overshoot
			if o.Mean+z99*o.SE < -RateSlack.Seconds() {
				return nil, errorf(runs[0].Files[i], 0, "ticks faster than the given rate %s: mean interval %s is below its period %s (overshoot %s ± %s, 99 %%)",
					mc.Rate, fmtSec(mc.MeanInterval), fmtSec(period/1e9), fmtSec(o.Mean), fmtSec(z99*o.SE))
			}
		}
	}

	die, err := estimateDie(e.Machines, n)
	if err != nil {
		return nil, err
	}
	e.Die = die
	e.StartSpread = estimateSpread(e.Runs, n)
	e.Duration = chooseDuration(runs, e.Machines)
	return e, nil
}

// periodNs is the period of r in ns.
func periodNs(r sim.Rate) float64 { return 1e9 / r.Float64() }

// overshoot summarises machine i's samples interval − period (period in
// ns) over the runs, in s, with a batch-means standard error.
func overshoot(runs []*analysis.Log, i int, period float64) Overshoot {
	var n int
	var sum float64
	o := Overshoot{Min: math.Inf(1), Max: math.Inf(-1)}
	for _, r := range runs {
		recs := r.Machines[i]
		for k := 1; k < len(recs); k++ {
			x := (float64(recs[k].At-recs[k-1].At) - period) / 1e9
			sum += x
			n++
			o.Min = min(o.Min, x)
			o.Max = max(o.Max, x)
		}
	}
	o.Mean = sum / float64(n)
	var ss float64
	for _, r := range runs {
		recs := r.Machines[i]
		for k := 1; k < len(recs); k++ {
			d := (float64(recs[k].At-recs[k-1].At)-period)/1e9 - o.Mean
			ss += d * d
		}
	}
	o.SD = math.Sqrt(ss / float64(n-1))

	// Batch means: consecutive batches of b intervals within each run.
	b := max(1, int(math.Sqrt(float64(n))))
	var bs float64
	for _, r := range runs {
		recs := r.Machines[i]
		for k := 1; k < len(recs); k += b {
			end := min(k+b, len(recs))
			var s float64
			for kk := k; kk < end; kk++ {
				s += (float64(recs[kk].At-recs[kk-1].At)-period)/1e9 - o.Mean
			}
			bs += s * s
			o.Batches++
		}
	}
	if o.Batches >= 2 {
		o.SE = math.Sqrt(float64(o.Batches) / float64(o.Batches-1) * bs / float64(n) / float64(n))
	} else {
		o.SE = o.SD / math.Sqrt(float64(n))
	}
	return o
}

// Duration returns the duration Fit chooses for runs of machines at the
// given nominal rates (see the package documentation): the roundest time
// after the latest logged tick before any machine's next tick was due.
// Every run must have one rate's machines, each with at least one tick.
func Duration(runs []*analysis.Log, rates []sim.Rate) (time.Duration, error) {
	if len(runs) == 0 {
		return 0, errors.New("calibrate: no runs given")
	}
	ms := make([]Machine, len(rates))
	for i, r := range rates {
		ms[i].Rate = r
	}
	for j, r := range runs {
		if len(r.Machines) != len(rates) {
			return 0, fmt.Errorf("calibrate: run %d has %d machines, %d rates given", j+1, len(r.Machines), len(rates))
		}
		for i, recs := range r.Machines {
			if len(recs) == 0 {
				name := fmt.Sprintf("run %d, machine %d", j+1, i)
				if i < len(r.Files) {
					name = r.Files[i]
				}
				return 0, errorf(name, 0, "no ticks")
			}
		}
	}
	return chooseDuration(runs, ms), nil
}

// chooseDuration picks the roundest duration in (L, max(E, L + 1 ms)] of
// the run with the latest last tick (package documentation).
func chooseDuration(runs []*analysis.Log, ms []Machine) time.Duration {
	var bestL, bestE int64 = -1, 0
	for _, r := range runs {
		first, l := int64(math.MaxInt64), int64(math.MinInt64)
		for _, recs := range r.Machines {
			first = min(first, recs[0].At)
			l = max(l, recs[len(recs)-1].At)
		}
		e := int64(math.MaxInt64)
		for i, recs := range r.Machines {
			next := recs[len(recs)-1].At - first + int64(math.Ceil(periodNs(ms[i].Rate)))
			e = min(e, next)
		}
		if l -= first; l > bestL {
			bestL, bestE = l, e
		}
	}
	hi := max(bestE, bestL+int64(time.Millisecond))
	for _, u := range []int64{1e9, 1e8, 1e7, 1e6} {
		if c := (bestL/u + 1) * u; c <= hi {
			return time.Duration(c)
		}
	}
	return time.Duration((bestL/1e6 + 1) * 1e6) // not reached: hi ≥ L + 1 ms
}

// estimateSpread estimates a uniform start spread from the runs' ranges of
// start offsets (package documentation).
func estimateSpread(runs []Run, n int) Spread {
	var sum, mx float64
	for _, r := range runs {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, s := range r.Starts {
			lo, hi = min(lo, s), max(hi, s)
		}
		sum += hi - lo
		mx = max(mx, hi-lo)
	}
	j := float64(len(runs))
	sp := Spread{S: sum / j * float64(n+1) / float64(n-1), MaxRange: mx}
	if mx > 0 {
		qLo := betaQuantile(n, math.Pow(0.995, 1/j))
		qHi := betaQuantile(n, math.Pow(0.005, 1/j))
		sp.Lo, sp.Hi = mx/qLo, mx/qHi
	}
	return sp
}

// fmtSec formats a time in s for a message: in µs with 1 decimal below
// 1 ms, in ms with 3 decimals below 10 s, else in s with 3.
func fmtSec(s float64) string {
	if math.Abs(s) < 1e-3 {
		return fmt.Sprintf("%.1f µs", s*1e6)
	}
	if math.Abs(s) < 10 {
		return fmt.Sprintf("%.3f ms", s*1e3)
	}
	return fmt.Sprintf("%.3f s", s)
}
