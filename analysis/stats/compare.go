package stats

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"desim/analysis"
)

// FamilyAlpha is the family-wise error rate of a validation: the
// probability that a simulator which is the real system fails the
// validation somewhere by chance alone. Holm's procedure over the
// comparisons' p-values holds it whatever their dependence.
const FamilyAlpha = 0.01

// Band limits shown beside a comparison: the simulated values' 0.5 % and
// 99.5 % quantiles (for reading; the decision is on p-values).
const (
	BandLo = 0.005
	BandHi = 0.995
)

// RelResolution is the real mode's resolution of rates and mean jumps,
// relative to the fastest machine's rate and to the simulated mean jump.
const RelResolution = 0.001

// Resolution is what the real mode cannot resolve of metric m, because its
// ticks start up to a scheduler quantum late and its messages take the
// network's time, while the simulator's ticks are exactly periodic and its
// messages take exactly the scenario's latency:
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
//
// Measured (docs/statistics.md): three real runs each of A3 and B2 at
// speed 20 over 120 s agree with their twins (the simulator on the same
// seed, the same dice) on every count but max_queue, which differs by up
// to 2, and differ from them by up to 0.0021/s in the slopes, within
// 0.006/s. A comparison with spread applies at most one simulated
// standard deviation of it (Comparison.Widening), so that no check is
// widened out of its power.
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
	if b.Exact || len(s) < 2 {
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

// counts returns how many simulated values lie below, at and above v.
func (b Band) counts(v float64) (below, equal, above int) {
	below, _ = slices.BinarySearch(b.Sorted, v)
	end := below
	for end < len(b.Sorted) && b.Sorted[end] == v {
		end++
	}
	return below, end - below, len(b.Sorted) - end
}

// Percentile returns the mid-rank percentile of v among the values:
// 100 · (#below + #equal/2) / N.
func (b Band) Percentile(v float64) float64 {
	below, equal, _ := b.counts(v)
	return 100 * (float64(below) + float64(equal)/2) / float64(len(b.Sorted))
}

// Inside reports whether v lies in the band [Lo, Hi].
func (b Band) Inside(v float64) bool { return v >= b.Lo && v <= b.Hi }

// Comparison is one machine's metric: the real values against the
// simulated ones.
type Comparison struct {
	Machine int
	Metric  *analysis.Metric
	Real    []float64
	Twin    []float64 // the simulator on each real run's seed (not judged)
	Band    Band
	Res     float64 // see Resolution
}

// Widening returns how far a real value is moved toward the simulated
// median before it is ranked: the resolution, but never more than one
// simulated standard deviation.
func (c Comparison) Widening() float64 { return math.Min(c.Res, c.Band.SD) }

// adjusted returns v moved toward the simulated median by at most w.
func (c Comparison) adjusted(v, w float64) float64 {
	med := Quantile(c.Band.Sorted, 0.5)
	return v - math.Max(-w, math.Min(w, v-med))
}

// PValue returns the two-sided p-value of the real values against the
// simulated ones, each real value first moved toward the simulated
// median by Widening, under the null hypothesis that real and simulated
// runs come from the same distribution:
//
//   - one real value x among N simulated: the permutation p-value,
//     min(1, 2·min(#{sim ≤ x} + 1, #{sim ≥ x} + 1)/(N + 1)), exact and
//     conservative with ties;
//   - K ≥ 2 real values (pooled, so that more real runs give more power):
//     Stouffer's combination of their mid-rank percentiles, each
//     u = (#below + #equal/2 + 1/2)/(N + 1) turned into z = Φ⁻¹(u),
//     Z = Σz/√K, p = 2·Φ(−|Z|); a shift of every run the same way adds
//     up.
//
// An exact comparison (every seed agreed) has no p-value: 1 (see
// Passes).
func (c Comparison) PValue() float64 { return c.pValue(c.Widening()) }

func (c Comparison) pValue(w float64) float64 {
	if c.Band.Exact || len(c.Real) == 0 {
		return 1
	}
	n := float64(len(c.Band.Sorted))
	if len(c.Real) == 1 {
		below, equal, above := c.Band.counts(c.adjusted(c.Real[0], w))
		lo, hi := float64(below+equal+1), float64(above+equal+1)
		return math.Min(1, 2*math.Min(lo, hi)/(n+1))
	}
	var z float64
	for _, v := range c.Real {
		below, equal, _ := c.Band.counts(c.adjusted(v, w))
		u := (float64(below) + float64(equal)/2 + 0.5) / (n + 1)
		z += normal.Quantile(u)
	}
	z /= math.Sqrt(float64(len(c.Real)))
	return math.Min(1, 2*normal.CDF(-math.Abs(z)))
}

var normal = distuv.UnitNormal

// Passes reports whether v passes an exact comparison: within the
// resolution of the value every seed gave.
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

// Validation is a set of comparisons and what they decide, at the
// family-wise error rate FamilyAlpha.
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

// Verdicts of a comparison.
const (
	VerdictOK       = "ok"
	VerdictByRes    = "ok*"      // passes only thanks to the resolution
	VerdictOutside  = "OUTSIDE"  // an exact comparison off by more than the resolution
	VerdictRejected = "REJECTED" // rejected by Holm's procedure
)

// Decision is what a validation decided, comparison by comparison.
type Decision struct {
	// Verdicts holds each comparison's verdict; P its p-value (1 for
	// exact ones) and Threshold the level Holm's procedure held it to (0
	// for exact ones).
	Verdicts      []string
	P, Threshold  []float64
	Spread        int     // comparisons with a spread: the family Holm controls
	Failed, ByRes int     // comparisons rejected or outside; passing only by the resolution
	MinP          float64 // the smallest p-value a comparison could reach
}

// Passed reports whether nothing was rejected.
func (d *Decision) Passed() bool { return d.Failed == 0 }

// Decide applies the rules: an exact comparison fails when a real value
// lies beyond its resolution of the value every seed gave; the others form
// a family whose p-values go through Holm's step-down procedure at
// FamilyAlpha: sorted p_(1) ≤ ... ≤ p_(m), reject while p_(i) ≤
// FamilyAlpha/(m − i + 1). The probability that a correct simulator fails
// is at most FamilyAlpha, whatever the comparisons' dependence.
func (v *Validation) Decide() *Decision {
	n := len(v.Comparisons)
	d := &Decision{Verdicts: make([]string, n), P: make([]float64, n), Threshold: make([]float64, n), MinP: 1}
	var family []int
	k := 0
	for i, c := range v.Comparisons {
		d.P[i] = c.PValue()
		if c.Band.Exact {
			d.Verdicts[i] = VerdictOK
			for _, x := range c.Real {
				switch {
				case !c.Passes(x):
					d.Verdicts[i] = VerdictOutside
				case !c.Band.Inside(x) && d.Verdicts[i] == VerdictOK:
					d.Verdicts[i] = VerdictByRes
				}
			}
			continue
		}
		family = append(family, i)
		k = max(k, len(c.Real))
		d.MinP = math.Min(d.MinP, minP(len(c.Band.Sorted), len(c.Real)))
	}
	d.Spread = len(family)
	slices.SortStableFunc(family, func(a, b int) int { return cmpFloat(d.P[a], d.P[b]) })
	rejecting := true
	for rank, i := range family {
		d.Threshold[i] = FamilyAlpha / float64(len(family)-rank)
		rejecting = rejecting && d.P[i] <= d.Threshold[i]
		switch {
		case rejecting:
			d.Verdicts[i] = VerdictRejected
		case v.Comparisons[i].pValue(0) <= d.Threshold[i]:
			d.Verdicts[i] = VerdictByRes
		default:
			d.Verdicts[i] = VerdictOK
		}
	}
	for _, verdict := range d.Verdicts {
		switch verdict {
		case VerdictOutside, VerdictRejected:
			d.Failed++
		case VerdictByRes:
			d.ByRes++
		}
	}
	return d
}

// minP returns the smallest p-value a comparison of k real values among n
// simulated can reach: the power floor of the validation.
func minP(n, k int) float64 {
	if k <= 1 {
		return math.Min(1, 2/float64(n+1))
	}
	z := normal.Quantile(1 - 0.5/float64(n+1))
	return 2 * normal.CDF(-z*math.Sqrt(float64(k)))
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Passed reports whether the validation passes: no exact comparison off
// and no rejection in the family.
func (v *Validation) Passed() bool { return v.Decide().Passed() }

// CanFail reports whether every comparison with a spread could be
// rejected: the smallest p-value the simulated sample allows is at most
// FamilyAlpha over the family's size (Holm's first threshold). With too
// few simulated runs a validation cannot fail on those comparisons.
func (v *Validation) CanFail() bool {
	d := v.Decide()
	return d.Spread == 0 || d.MinP <= FamilyAlpha/float64(d.Spread)
}

// Tally counts the comparisons that fail, those with a spread (Holm's
// family) and those that pass only by the resolution.
func (v *Validation) Tally() (failed, spread, byRes int) {
	d := v.Decide()
	return d.Failed, d.Spread, d.ByRes
}

func formatValue(v float64, m *analysis.Metric) string {
	if m.Kind != analysis.KindSlope && m.Kind != analysis.KindRatio && v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 5, 64)
}

// formatP writes a p-value or a threshold with 2 significant digits.
func formatP(p float64) string {
	if p >= 0.01 {
		return strconv.FormatFloat(p, 'f', 2, 64)
	}
	return strconv.FormatFloat(p, 'e', 1, 64)
}

// WriteText prints the validation: the table, the rules, the overruns,
// what the test can detect, and the verdict line (PASS or FAIL).
func (v *Validation) WriteText(w io.Writer) {
	d := v.Decide()
	fmt.Fprintf(w, "%7s  %-13s  %-14s %-14s %11s %9s %8s  %-11s %8s %8s  %s\n", "machine", "metric", "real", "twin", "sim mean", "sim sd", "±res", "percentile", "p", "Holm", "verdict")
	k := 0
	for i, c := range v.Comparisons {
		k = max(k, len(c.Real))
		reals := make([]string, len(c.Real))
		pcts := make([]string, len(c.Real))
		twins := make([]string, len(c.Twin))
		for j, x := range c.Twin {
			twins[j] = formatValue(x, c.Metric)
		}
		for j, x := range c.Real {
			reals[j] = formatValue(x, c.Metric)
			pcts[j] = strconv.FormatFloat(c.Band.Percentile(x), 'f', 1, 64)
		}
		b := c.Band
		pct, p, th := strings.Join(pcts, ", "), formatP(d.P[i]), formatP(d.Threshold[i])
		res := c.Widening()
		if b.Exact {
			pct, p, th, res = "exact", "-", "-", c.Res
		}
		resText := formatValue(res, c.Metric)
		if c.Metric.Kind == analysis.KindSlope || c.Metric.Kind == analysis.KindRatio {
			resText = strconv.FormatFloat(res, 'g', 2, 64)
		}
		fmt.Fprintf(w, "%7d  %-13s  %-14s %-14s %11.5f %9.5f %8s  %-11s %8s %8s  %s\n", c.Machine, c.Metric.Key, strings.Join(reals, ", "), strings.Join(twins, ", "), b.Mean, b.SD, resText, pct, p, th, d.Verdicts[i])
	}
	fmt.Fprintf(w, `
rule: a real value passes when Holm's procedure does not reject its p-value, the chance that a simulated run
      lies as far out (one real run: its permutation p-value among the %d seeds; several: Stouffer's combination
      of their percentiles, so that more runs give more power): with the %d p-values of the metrics that have a
      spread sorted, reject while the i-th smallest is at most %g/(%d − i + 1) (column "Holm"). A correct
      simulator fails anywhere with probability at most %g%%, however the metrics depend on each other.
      Before it is ranked, a real value is moved toward the simulated median by the real mode's resolution
      ±res, never more than one simulated sd; a value every seed agrees on ("exact") must be within ±res of it:
        ticks          ±0: the real mode runs tick k at the simulator's time, so only an overrun changes the count
        other counts   ±1: a message landing just before instead of just after a tick moves a count by one
        slopes, drift  ±%.2g/s: %g of the fastest rate, for the shift of late tick times
        mean_jump      ±%g of the simulated mean
      ok* = passes only thanks to ±res. twin = the simulator on the real run's own seed, shown, not judged.
`, v.Seeds, d.Spread, FamilyAlpha, d.Spread, 100*FamilyAlpha, RelResolution*v.Fastest, RelResolution, RelResolution)
	for _, o := range v.Overruns {
		fmt.Fprintf(w, "overrun: %s (its tick count is short by as many)\n", o)
	}
	if d.Spread > 0 {
		first := FamilyAlpha / float64(d.Spread)
		if d.MinP <= first {
			fmt.Fprintf(w, "power: with %d simulated seeds and %d real run(s) a p-value can reach %s, below Holm's first threshold %s:\n       every comparison can fail; desim validate --power says how likely it is to catch a given fault.\n", v.Seeds, k, formatP(d.MinP), formatP(first))
		} else {
			fmt.Fprintf(w, "power: NONE. With %d simulated seeds and %d real run(s) no p-value can go below %s, above Holm's first\n       threshold %s: no comparison with a spread can fail. Use --seeds %d or more.\n", v.Seeds, k, formatP(d.MinP), formatP(first), int(math.Ceil(2/first)))
		}
	}
	if d.Failed > 0 {
		fmt.Fprintf(w, "FAIL: %d of %d comparisons rejected at family-wise error rate %g%%\n", d.Failed, len(v.Comparisons), 100*FamilyAlpha)
		if len(v.Overruns) > 0 {
			fmt.Fprintf(w, "      a real run overran: it did not keep up with speed %s under this host's load, so it is not the\n", v.Speed)
			fmt.Fprintf(w, "      system the simulator models; rerun on an idle host or at a lower --speed\n")
		}
		return
	}
	total := 0
	for _, c := range v.Comparisons {
		total += len(c.Real)
	}
	fmt.Fprintf(w, "PASS: all %d real values pass, none rejected at family-wise error rate %g%% (%d comparisons marked ok*)\n", total, 100*FamilyAlpha, d.ByRes)
}
