package main

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"desim/analysis"
)

// quantile is the Weibull rule: the (N+1)p-th smallest value, interpolated,
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
		if got := quantile(c.xs, c.p); got != c.want && !(abs(got-c.want) < 1e-9) {
			t.Errorf("quantile(%v, %g) = %g, want %g", short(c.xs), c.p, got, c.want)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func short(xs []float64) []float64 {
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
		b := newBand(xs)
		if !b.inside(rng.NormFloat64()) {
			outside++
		}
	}
	// 1% of 4000 is 40, with a standard deviation of about 6.3.
	if outside < 20 || outside > 60 {
		t.Errorf("%d of %d new values outside the band, want about 1%% (40)", outside, trials)
	}
}

// The percentile is the mid-rank: ties count half.
func TestPercentile(t *testing.T) {
	b := newBand([]float64{3, 1, 2, 2})
	cases := []struct{ v, want float64 }{{0, 0}, {1, 12.5}, {1.5, 25}, {2, 50}, {3, 87.5}, {4, 100}}
	for _, c := range cases {
		if got := b.percentile(c.v); got != c.want {
			t.Errorf("percentile(%g) among 1, 2, 2, 3 = %g, want %g", c.v, got, c.want)
		}
	}
}

func TestBandStatistics(t *testing.T) {
	b := newBand([]float64{2, 4, 4, 4, 5, 5, 7, 9})
	if b.mean != 5 || abs(b.sd-2.138089935) > 1e-6 || b.exact {
		t.Errorf("mean %g sd %g exact %v, want 5, 2.1381 (N-1), false", b.mean, b.sd, b.exact)
	}
	e := newBand([]float64{6, 6, 6})
	if !e.exact || e.sd != 0 || e.lo != 6 || e.hi != 6 || !e.inside(6) || e.inside(6.0001) {
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
	}
	for _, c := range cases {
		if got := resolution(c.res, c.fastest, c.mean); abs(got-c.want) > 1e-12 {
			t.Errorf("resolution(%d, %g, %g) = %g, want %g", c.res, c.fastest, c.mean, got, c.want)
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

// The verdicts: inside the band, inside only by the resolution, outside;
// an exact metric's real value must be equal (ticks: no resolution).
func TestVerdicts(t *testing.T) {
	sim := make([][]analysis.MachineMetrics, 200)
	for j := range sim {
		sim[j] = []analysis.MachineMetrics{{ID: 0, Ticks: 360, Receives: int64(50 + j%21), ClockSlope: 6, MaxQueue: 0}}
	}
	cases := []struct {
		name   string
		real   analysis.MachineMetrics
		metric string
		want   string
	}{
		{"inside", analysis.MachineMetrics{Ticks: 360, Receives: 60, ClockSlope: 6}, "receives", verdictOK},
		{"just outside, within ±1", analysis.MachineMetrics{Ticks: 360, Receives: 71, ClockSlope: 6}, "receives", verdictByRes},
		{"outside", analysis.MachineMetrics{Ticks: 360, Receives: 72, ClockSlope: 6}, "receives", verdictOutside},
		{"ticks equal", analysis.MachineMetrics{Ticks: 360, Receives: 60, ClockSlope: 6}, "ticks", verdictOK},
		{"one tick short", analysis.MachineMetrics{Ticks: 359, Receives: 60, ClockSlope: 6}, "ticks", verdictOutside},
		{"slope within resolution", analysis.MachineMetrics{Ticks: 360, Receives: 60, ClockSlope: 6.005}, "clock_slope", verdictByRes},
		{"slope beyond resolution", analysis.MachineMetrics{Ticks: 360, Receives: 60, ClockSlope: 6.007}, "clock_slope", verdictOutside},
		{"max queue 1 of exact 0", analysis.MachineMetrics{Ticks: 360, Receives: 60, ClockSlope: 6, MaxQueue: 1}, "max_queue", verdictByRes},
		{"max queue 2 of exact 0", analysis.MachineMetrics{Ticks: 360, Receives: 60, ClockSlope: 6, MaxQueue: 2}, "max_queue", verdictOutside},
	}
	for _, c := range cases {
		cs := compare([][]analysis.MachineMetrics{{c.real}}, nil, sim, []float64{6})
		var buf strings.Builder
		failed, _, _ := writeComparisons(&buf, cs)
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
		if (c.want == verdictOutside) != (failed > 0) {
			t.Errorf("%s: %d failures", c.name, failed)
		}
	}
	// Every machine and metric has a line, in order.
	cs := compare([][]analysis.MachineMetrics{sim[0]}, [][]analysis.MachineMetrics{sim[1]}, sim, []float64{6})
	if len(cs) != 13 || cs[1].twin[0] != float64(sim[1][0].Receives) || cs[0].metric != analysis.Ticks || !slices.EqualFunc(cs, analysis.Metrics, func(c comparison, m *analysis.Metric) bool { return c.metric == m }) {
		t.Errorf("%d comparisons", len(cs))
	}
}

// Bad usage of desim validate is exit status 2, before anything runs.
func TestValidateBadInput(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"validate"}, "need exactly one SCENARIO"},
		{[]string{"validate", "nosuch"}, "neither a built-in scenario"},
		{[]string{"validate", "A3", "--seeds", "1"}, "--seeds 1 is not in 2..1000000"},
		{[]string{"validate", "A3", "--real-runs", "0"}, "--real-runs 0 is not in 1..1000"},
		{[]string{"validate", "A3", "--speed", "0"}, "is not in (0, 10000]"},
		{[]string{"validate", "A3", "--speed", "9000"}, "the limit is 20000"},
		{[]string{"validate", "A3", "--duration", "0s"}, "duration"},
		{[]string{"validate", "A3", "--seed", "18446744073709551615"}, "too large"},
	}
	for _, c := range cases {
		r := desim(c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("desim %s: exit %d, stderr %q; want 2 and %q", strings.Join(c.args, " "), r.code, r.stderr, c.want)
		}
		noPanic(t, "stderr", r.stderr)
	}
}
