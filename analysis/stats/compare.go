package stats

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"

	"desim/analysis"
)

// Band limits of a validation: a real value passes when it lies between
// these quantiles of the simulated values.
const (
	BandLo = 0.005
	BandHi = 0.995
)

// RelResolution is the real mode's resolution of rates and mean jumps,
// relative to the fastest machine's rate and to the simulated mean jump.
const RelResolution = 0.001

// Resolution is how far a real value of metric m may lie outside the
// simulated band and still pass: what the real mode cannot resolve,
// because its ticks start up to a scheduler quantum late and its messages
// take the network's time, while the simulator's ticks are exactly
// periodic and its messages take exactly the scenario's latency.
//
//   - ticks: 0. The real mode schedules tick k at the simulator's time and
//     runs it exactly when that time is before the end, so its count is
//     the simulator's unless an overrun skipped ticks.
//   - other integer metrics: 1. A message that lands just before rather
//     than just after a tick (or the reverse) moves a count by one.
//   - clock_slope, queue_slope, drift (per second): RelResolution × the
//     fastest rate. Late tick starts shift the times the slopes are
//     fitted to.
//   - mean_jump: RelResolution × the simulated mean.
func Resolution(m *analysis.Metric, fastest, mean float64) float64 {
	switch m.Resolution {
	case analysis.ResolutionOne:
		return 1
	case analysis.ResolutionRate:
		return RelResolution * fastest
	case analysis.ResolutionMean:
		return RelResolution * math.Abs(mean)
	}
	return 0
}

// Band summarises the simulated values of one machine's metric.
type Band struct {
	Sorted   []float64
	Mean, SD float64 // sample mean and standard deviation (N-1)
	Lo, Hi   float64 // quantiles BandLo and BandHi
	Exact    bool    // every value is the same
}

// NewBand returns the band of the values xs (at least one).
func NewBand(xs []float64) Band {
	s := slices.Clone(xs)
	slices.Sort(s)
	b := Band{Sorted: s, Lo: Quantile(s, BandLo), Hi: Quantile(s, BandHi), Exact: s[0] == s[len(s)-1]}
	b.Mean, b.SD = stat.MeanStdDev(s, nil)
	if b.Exact {
		b.SD = 0
	}
	return b
}

// Quantile returns the p-quantile of sorted values x_(1) ≤ ... ≤ x_(N) by
// the Weibull rule (Hyndman and Fan's type 6): h = (N+1)·p, the value
// x_(⌊h⌋) + (h − ⌊h⌋)·(x_(⌊h⌋+1) − x_(⌊h⌋)), clamped to x_(1) and x_(N).
// The expected share of a new sample below it is p, so a new value falls
// between the quantiles p and 1 − p with probability 1 − 2p.
func Quantile(sorted []float64, p float64) float64 {
	n := len(sorted)
	h := float64(n+1) * p
	switch {
	case h <= 1:
		return sorted[0]
	case h >= float64(n):
		return sorted[n-1]
	}
	j := int(h) // 1-based index of x_(⌊h⌋)
	lo, hi := sorted[j-1], sorted[j]
	return lo + (h-float64(j))*(hi-lo)
}

// Percentile returns the mid-rank percentile of v among the values:
// 100 · (#below + #equal/2) / N.
func (b Band) Percentile(v float64) float64 {
	below, _ := slices.BinarySearch(b.Sorted, v)
	end := below
	for end < len(b.Sorted) && b.Sorted[end] == v {
		end++
	}
	return 100 * (float64(below) + float64(end-below)/2) / float64(len(b.Sorted))
}

// Inside reports whether v lies in the band [Lo, Hi].
func (b Band) Inside(v float64) bool { return v >= b.Lo && v <= b.Hi }

// Comparison is one machine's metric: the real values against the band of
// the simulated ones.
type Comparison struct {
	Machine int
	Metric  *analysis.Metric
	Real    []float64
	Twin    []float64 // the simulator on each real run's seed (not judged)
	Band    Band
	Res     float64 // see Resolution
}

// Passes reports whether v lies in the band widened by the resolution.
func (c Comparison) Passes(v float64) bool {
	return v >= c.Band.Lo-c.Res && v <= c.Band.Hi+c.Res
}

// Compare builds the comparisons of every machine and metric from the
// real runs' and the simulated runs' metrics ([run][machine]); twins, if
// not nil, holds the simulator's metrics on each real run's seed; rates
// are the machines' rates in ticks per second.
func Compare(real, twins, simulated [][]analysis.MachineMetrics, rates []float64) []Comparison {
	fastest := slices.Max(rates)
	var out []Comparison
	for i := range simulated[0] {
		for _, m := range analysis.Metrics {
			xs := make([]float64, len(simulated))
			for j, run := range simulated {
				xs[j] = m.Value(&run[i])
			}
			c := Comparison{Machine: i, Metric: m, Band: NewBand(xs)}
			c.Res = Resolution(m, fastest, c.Band.Mean)
			for _, run := range real {
				c.Real = append(c.Real, m.Value(&run[i]))
			}
			for _, run := range twins {
				c.Twin = append(c.Twin, m.Value(&run[i]))
			}
			out = append(out, c)
		}
	}
	return out
}

// Validation is a set of comparisons and what they decide.
type Validation struct {
	// Seeds is the number of simulated runs; Fastest the fastest rate.
	Seeds       int
	Fastest     float64
	Comparisons []Comparison
	// Overruns describe the real runs' overruns, one line each.
	Overruns []string
	// Speed is the real runs' speed as given, for the advice on failure.
	Speed string
}

// Tally counts the real values that fail, those compared with a spread
// (not exact) and those that pass only by the resolution.
func (v *Validation) Tally() (failed, spread, byRes int) {
	for _, c := range v.Comparisons {
		for _, x := range c.Real {
			switch {
			case !c.Passes(x):
				failed++
			case !c.Band.Inside(x):
				byRes++
			}
		}
		if !c.Band.Exact {
			spread += len(c.Real)
		}
	}
	return failed, spread, byRes
}

// Passed reports whether every real value passes.
func (v *Validation) Passed() bool {
	failed, _, _ := v.Tally()
	return failed == 0
}

func formatValue(v float64, m *analysis.Metric) string {
	if m.Kind != analysis.KindSlope && m.Kind != analysis.KindRatio && v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 5, 64)
}

// Verdicts of a comparison.
const (
	VerdictOK      = "ok"
	VerdictByRes   = "ok*" // outside the band, inside it widened by the resolution
	VerdictOutside = "OUTSIDE"
)

// Verdict returns the comparison's verdict over its real values.
func (c Comparison) Verdict() string {
	verdict := VerdictOK
	for _, v := range c.Real {
		switch {
		case !c.Passes(v):
			return VerdictOutside
		case !c.Band.Inside(v):
			verdict = VerdictByRes
		}
	}
	return verdict
}

// WriteText prints the validation: the table, the rule, the overruns, the
// chance of a false alarm and the verdict line (PASS or FAIL).
func (v *Validation) WriteText(w io.Writer) {
	fmt.Fprintf(w, "%7s  %-13s  %-14s %-14s %11s %9s  %-24s %6s  %-11s %s\n", "machine", "metric", "real", "twin", "sim mean", "sim sd", "sim band [0.5%, 99.5%]", "±res", "percentile", "verdict")
	for _, c := range v.Comparisons {
		reals := make([]string, len(c.Real))
		pcts := make([]string, len(c.Real))
		twins := make([]string, len(c.Twin))
		for k, x := range c.Twin {
			twins[k] = formatValue(x, c.Metric)
		}
		for k, x := range c.Real {
			reals[k] = formatValue(x, c.Metric)
			pcts[k] = strconv.FormatFloat(c.Band.Percentile(x), 'f', 1, 64)
		}
		b := c.Band
		bandText := fmt.Sprintf("[%s, %s]", formatValue(b.Lo, c.Metric), formatValue(b.Hi, c.Metric))
		pct := strings.Join(pcts, ", ")
		if b.Exact {
			pct = "exact"
		}
		res := formatValue(c.Res, c.Metric)
		if c.Metric.Kind == analysis.KindSlope || c.Metric.Kind == analysis.KindRatio {
			res = strconv.FormatFloat(c.Res, 'g', 2, 64)
		}
		fmt.Fprintf(w, "%7d  %-13s  %-14s %-14s %11.5f %9.5f  %-24s %6s  %-11s %s\n", c.Machine, c.Metric.Key, strings.Join(reals, ", "), strings.Join(twins, ", "), b.Mean, b.SD, bandText, res, pct, c.Verdict())
	}
	fmt.Fprintf(w, `
rule: a real value passes when it lies inside the simulated band [q(0.5%%), q(99.5%%)] of the %d seeds
      (Weibull quantiles: a new run of the same model falls inside with probability 99%%),
      widened by the real mode's resolution ±res, since real ticks start up to a scheduler quantum late
      and real messages take the network's time, while simulated ticks are exactly periodic:
        ticks          ±0: the real mode runs tick k at the simulator's time, so only an overrun changes the count
        other counts   ±1: a message landing just before instead of just after a tick moves a count by one
        slopes, drift  ±%g/s: %g of the fastest rate, for the shift of late tick times
        mean_jump      ±%g of the simulated mean
      ok* = outside the band, inside it widened by ±res; "exact" = every seed gave the same value.
      twin = the simulator on the real run's own seed (same die streams), shown for comparison, not judged.
`, v.Seeds, RelResolution*v.Fastest, RelResolution, RelResolution)
	for _, o := range v.Overruns {
		fmt.Fprintf(w, "overrun: %s (its tick count is short by as many)\n", o)
	}
	failed, spread, byRes := v.Tally()
	total := 0
	for _, c := range v.Comparisons {
		total += len(c.Real)
	}
	if spread > 0 {
		fmt.Fprintf(w, "chance: each of the %d values compared with a spread falls outside by chance alone with probability about 1%%;\n", spread)
		fmt.Fprintf(w, "        were they independent, some would with probability %.0f%% (they are strongly correlated, so less).\n", 100*(1-math.Pow(0.99, float64(spread))))
	}
	if failed > 0 {
		fmt.Fprintf(w, "FAIL: %d of %d real values outside the simulated band\n", failed, total)
		if len(v.Overruns) > 0 {
			fmt.Fprintf(w, "      a real run overran: it did not keep up with speed %s under this host's load, so it is not the\n", v.Speed)
			fmt.Fprintf(w, "      system the simulator models; rerun on an idle host or at a lower --speed\n")
		}
		return
	}
	fmt.Fprintf(w, "PASS: all %d real values inside the simulated band widened by ±res (%d of them marked ok*)\n", total, byRes)
}
