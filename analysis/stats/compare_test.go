package stats

// The validation statistics, moved here from cmd/desim's validate_test.go
// with the code they test (band, quantile, percentile, resolution and the
// verdicts of "desim validate").

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"desim/analysis"
)

// Quantile is the Weibull rule: the (N+1)p-th smallest value, interpolated,
// clamped to the smallest and largest.
func TestQuantile(t *testing.T) {
	hundreds := make([]float64, 200)
	for i := range hundreds {
		hundreds[i] = float64(i + 1)
	}
	cases := []struct {
		xs   []float64
		p    float64
		want float64
	}{
		{hundreds, 0.005, 1.005},   // h = 1.005: x(1) + 0.005·(x(2) − x(1))
		{hundreds, 0.995, 199.995}, // h = 199.995
		{hundreds, 0.5, 100.5},
		{[]float64{1, 2, 3}, 0.5, 2},
		{[]float64{1, 2, 3}, 0.25, 1},        // h = 1
		{[]float64{1, 2, 3}, 0.375, 1.5},     // h = 1.5
		{[]float64{10, 20}, 0.005, 10},       // h < 1: the smallest
		{[]float64{10, 20}, 0.995, 20},       // h > N: the largest
		{[]float64{5, 5, 5, 5}, 0.005, 5},    // constant
		{[]float64{0, 0, 0, 1}, 0.995, 1},    // h = 4.975 ≥ N: the largest
		{[]float64{-3, -1, 0, 2, 9}, 0.5, 0}, // h = 3
	}
	for _, c := range cases {
		if got := Quantile(c.xs, c.p); got != c.want && !(math.Abs(got-c.want) < 1e-9) {
			t.Errorf("Quantile(%v, %g) = %g, want %g", shortValues(c.xs), c.p, got, c.want)
		}
	}
}

func shortValues(xs []float64) []float64 {
	if len(xs) > 6 {
		return xs[:6]
	}
	return xs
}

// The band [q(0.5%), q(99.5%)] holds a new value of the same distribution
// with probability 99%: checked over many draws from a fixed stream.
func TestBandCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const trials, n = 4000, 200
	outside := 0
	xs := make([]float64, n)
	for range trials {
		for i := range xs {
			xs[i] = rng.NormFloat64()
		}
		b := NewBand(xs)
		if !b.Inside(rng.NormFloat64()) {
			outside++
		}
	}
	// 1% of 4000 is 40, with a standard deviation of about 6.3.
	if outside < 20 || outside > 60 {
		t.Errorf("%d of %d new values outside the band, want about 1%% (40)", outside, trials)
	}
}

// The band's limits are the quantiles BandLo and BandHi of its values,
// which it keeps sorted without touching the caller's slice.
func TestBandLimits(t *testing.T) {
	xs := make([]float64, 200)
	for i := range xs {
		xs[i] = float64(200 - i) // descending
	}
	b := NewBand(xs)
	if !slices.IsSorted(b.Sorted) || xs[0] != 200 {
		t.Errorf("Sorted %v..., input %v...: want the values sorted in a copy", shortValues(b.Sorted), shortValues(xs))
	}
	if math.Abs(b.Lo-1.005) > 1e-9 || math.Abs(b.Hi-199.995) > 1e-9 {
		t.Errorf("band [%g, %g], want [1.005, 199.995]", b.Lo, b.Hi)
	}
	if !b.Inside(b.Lo) || !b.Inside(b.Hi) || !b.Inside(100) || b.Inside(1.001) || b.Inside(199.999) {
		t.Errorf("Inside is not the closed interval [%g, %g]", b.Lo, b.Hi)
	}
}

// The percentile is the mid-rank: ties count half.
func TestPercentile(t *testing.T) {
	b := NewBand([]float64{3, 1, 2, 2})
	cases := []struct{ v, want float64 }{{0, 0}, {1, 12.5}, {1.5, 25}, {2, 50}, {3, 87.5}, {4, 100}}
	for _, c := range cases {
		if got := b.Percentile(c.v); got != c.want {
			t.Errorf("Percentile(%g) among 1, 2, 2, 3 = %g, want %g", c.v, got, c.want)
		}
	}
}

func TestBandStatistics(t *testing.T) {
	b := NewBand([]float64{2, 4, 4, 4, 5, 5, 7, 9})
	if b.Mean != 5 || math.Abs(b.SD-2.138089935) > 1e-6 || b.Exact {
		t.Errorf("mean %g sd %g exact %v, want 5, 2.1381 (N-1), false", b.Mean, b.SD, b.Exact)
	}
	e := NewBand([]float64{6, 6, 6})
	if !e.Exact || e.SD != 0 || e.Lo != 6 || e.Hi != 6 || !e.Inside(6) || e.Inside(6.0001) {
		t.Errorf("constant values: %+v", e)
	}
}

// One resolution per kind of metric.
func TestResolution(t *testing.T) {
	cases := []struct {
		res           analysis.Resolution
		fastest, mean float64
		want          float64
	}{
		{analysis.ResolutionExact, 6, 360, 0},
		{analysis.ResolutionOne, 6, 0.2, 1},
		{analysis.ResolutionRate, 6, 3, 0.006},
		{analysis.ResolutionRate, 100, -1, 0.1},
		{analysis.ResolutionMean, 6, 2.5, 0.0025},
		{analysis.ResolutionMean, 6, 1, 0.001},
		{analysis.ResolutionMean, 6, -2, 0.002}, // of the mean's size
	}
	for _, c := range cases {
		m := &analysis.Metric{Key: "test", Resolution: c.res}
		if got := Resolution(m, c.fastest, c.mean); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Resolution(%d, %g, %g) = %g, want %g", c.res, c.fastest, c.mean, got, c.want)
		}
	}
	names := map[string]analysis.Resolution{}
	for _, m := range analysis.Metrics {
		names[m.Key] = m.Resolution
	}
	if len(analysis.Metrics) != 13 || names["ticks"] != analysis.ResolutionExact || names["clock_slope"] != analysis.ResolutionRate || names["drift"] != analysis.ResolutionRate ||
		names["queue_slope"] != analysis.ResolutionRate || names["mean_jump"] != analysis.ResolutionMean || names["max_queue"] != analysis.ResolutionOne {
		t.Errorf("metric resolutions: %v", names)
	}
}

// The verdicts: an exact metric's real value must be within its
// resolution of the value every seed gave (ticks: none); a metric with a
// spread is rejected when Holm's procedure rejects its p-value, after the
// real value is moved toward the median by the resolution.
func TestVerdicts(t *testing.T) {
	sim := make([][]analysis.MachineMetrics, 10000)
	for j := range sim {
		sim[j] = []analysis.MachineMetrics{{ID: 0, Ticks: 360, Receives: int64(50 + j%21), ClockSlope: 6, MaxQueue: 0}}
	}
	cases := []struct {
		name   string
		real   analysis.MachineMetrics
		metric string
		want   string
	}{
		{"inside", analysis.MachineMetrics{Ticks: 360, Receives: 60, ClockSlope: 6}, "receives", VerdictOK},
		{"just outside, within ±1", analysis.MachineMetrics{Ticks: 360, Receives: 71, ClockSlope: 6}, "receives", VerdictByRes},
		{"outside", analysis.MachineMetrics{Ticks: 360, Receives: 72, ClockSlope: 6}, "receives", VerdictRejected},
		{"ticks equal", analysis.MachineMetrics{Ticks: 360, Receives: 60, ClockSlope: 6}, "ticks", VerdictOK},
		{"one tick short", analysis.MachineMetrics{Ticks: 359, Receives: 60, ClockSlope: 6}, "ticks", VerdictOutside},
		{"slope within resolution", analysis.MachineMetrics{Ticks: 360, Receives: 60, ClockSlope: 6.005}, "clock_slope", VerdictByRes},
		{"slope beyond resolution", analysis.MachineMetrics{Ticks: 360, Receives: 60, ClockSlope: 6.007}, "clock_slope", VerdictOutside},
		{"max queue 1 of exact 0", analysis.MachineMetrics{Ticks: 360, Receives: 60, ClockSlope: 6, MaxQueue: 1}, "max_queue", VerdictByRes},
		{"max queue 2 of exact 0", analysis.MachineMetrics{Ticks: 360, Receives: 60, ClockSlope: 6, MaxQueue: 2}, "max_queue", VerdictOutside},
	}
	for _, c := range cases {
		cs := Compare([][]analysis.MachineMetrics{{c.real}}, nil, sim, []float64{6})
		v := &Validation{Seeds: len(sim), Fastest: 6, Comparisons: cs, Speed: "10"}
		d := v.Decide()
		for i, cmp := range cs {
			if cmp.Metric.Key == c.metric && d.Verdicts[i] != c.want {
				t.Errorf("%s: verdict %s (p %g, threshold %g), want %s", c.name, d.Verdicts[i], d.P[i], d.Threshold[i], c.want)
			}
		}
		// ...and as the table prints it, last on the metric's line.
		var buf strings.Builder
		v.WriteText(&buf)
		var line string
		for _, l := range strings.Split(buf.String(), "\n") {
			if f := strings.Fields(l); len(f) > 2 && f[1] == c.metric {
				line = l
			}
		}
		f := strings.Fields(line)
		if len(f) == 0 || f[len(f)-1] != c.want {
			t.Errorf("%s: line %q, want verdict %s", c.name, line, c.want)
		}
		failed, _, byRes := v.Tally()
		fails := c.want == VerdictOutside || c.want == VerdictRejected
		if fails != (failed > 0) || v.Passed() != (failed == 0) {
			t.Errorf("%s: %d failures, passed %v", c.name, failed, v.Passed())
		}
		if (c.want == VerdictByRes) != (byRes > 0) {
			t.Errorf("%s: %d values passing by the resolution", c.name, byRes)
		}
		verdict := "PASS: "
		if failed > 0 {
			verdict = "FAIL: "
		}
		if !strings.Contains(buf.String(), "\n"+verdict) || !v.CanFail() || !strings.Contains(buf.String(), "every comparison can fail") {
			t.Errorf("%s: the report has no %q line, or says it cannot fail:\n%s", c.name, verdict, buf.String())
		}
	}
	// Every machine and metric has a comparison, in order, with the twin.
	cs := Compare([][]analysis.MachineMetrics{sim[0]}, [][]analysis.MachineMetrics{sim[1]}, sim, []float64{6})
	if len(cs) != 13 || cs[1].Twin[0] != float64(sim[1][0].Receives) || cs[0].Metric != analysis.Ticks || !slices.EqualFunc(cs, analysis.Metrics, func(c Comparison, m *analysis.Metric) bool { return c.Metric == m }) {
		t.Errorf("%d comparisons", len(cs))
	}
	// 100 seeds cannot reject a single real run at 1 %, however far out:
	// the output says so.
	v := &Validation{Seeds: 100, Fastest: 6, Comparisons: Compare([][]analysis.MachineMetrics{{{Ticks: 360, Receives: 99, ClockSlope: 6}}}, nil, sim[:100], []float64{6})}
	var buf strings.Builder
	v.WriteText(&buf)
	if v.CanFail() || !v.Passed() || !strings.Contains(buf.String(), "power: NONE") {
		t.Errorf("100 seeds: CanFail %v, Passed %v:\n%s", v.CanFail(), v.Passed(), buf.String())
	}
}

// The p-values under the null: real values drawn from the simulated
// distribution. A single run's permutation p-value is exactly uniform
// (P(p ≤ a) ≤ a); Stouffer's over 3 runs about so; Holm's decision over
// a family of 20 holds the family-wise rate under 1 %.
func TestPValueCalibration(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	draw := func(n int) []float64 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = math.Round(rng.NormFloat64()*4 + 20) // integer values, with ties
		}
		return xs
	}
	const trials = 2000
	for _, k := range []int{1, 3} {
		below05, below01 := 0, 0
		for range trials {
			c := Comparison{Metric: analysis.Receives, Band: NewBand(draw(1000)), Real: draw(k)}
			p := c.pValue(0)
			if p <= 0.05 {
				below05++
			}
			if p <= 0.01 {
				below01++
			}
		}
		// Binomial(2000, 0.05) has sd 9.7; (2000, 0.01) sd 4.4.
		if below05 > trials*0.05+30 || below01 > trials*0.01+15 {
			t.Errorf("K = %d: P(p ≤ 0.05) = %d/%d, P(p ≤ 0.01) = %d/%d: more than the nominal rates", k, below05, trials, below01, trials)
		}
		t.Logf("K = %d: P(p ≤ 0.05) = %.3f, P(p ≤ 0.01) = %.4f", k, float64(below05)/trials, float64(below01)/trials)
	}
	fails := 0
	for range 300 {
		var cs []Comparison
		for range 20 {
			cs = append(cs, Comparison{Metric: analysis.Receives, Band: NewBand(draw(2000)), Real: draw(1)})
		}
		if !(&Validation{Seeds: 2000, Comparisons: cs}).Passed() {
			fails++
		}
	}
	// At most 1 % of 300 = 3 expected; 9 would be three sd above.
	if fails > 9 {
		t.Errorf("%d of 300 families of 20 true comparisons failed, want about 1 %% at most", fails)
	}
}
