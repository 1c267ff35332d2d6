package report

import (
	"slices"
	"strings"
	"testing"

	"desim/analysis"
	"desim/analysis/stats"
)

// TestValidationVerdict: a validation that fails while the host stalled the
// real runs is INCONCLUSIVE, one that fails on the model's metrics alone is
// FAILED, and the table says what to do.
func TestValidationVerdict(t *testing.T) {
	// 3000 simulated runs, enough that one real run far out is rejected.
	band := stats.NewBand(slices.Repeat([]float64{1, 2, 3}, 1000))
	mk := func(real float64, overruns ...string) *stats.Validation {
		return &stats.Validation{Seeds: 3, Fastest: 6, Speed: "20", Overruns: overruns,
			Comparisons: []stats.Comparison{{Machine: 0, Metric: analysis.Receives, Real: []float64{real}, Band: band}}}
	}
	for _, c := range []struct {
		name string
		v    *stats.Validation
		want string
	}{
		{"inside", mk(2), ValidationPassed},
		{"inside, though a run overran", mk(2, "real run 1, machine 0: 1 overrun(s)"), ValidationPassed},
		{"outside, no overrun", mk(9), ValidationFailed},
		{"outside after overruns", mk(9, "real run 1, machine 0: 3 overrun(s)"), ValidationInconclusive},
	} {
		in := ValidationInput{Scenario: "A3", Result: c.v, Attempts: 3, Stalls: len(c.v.Overruns)}
		if got := in.Verdict(); got != c.want {
			t.Errorf("%s: verdict %s, want %s", c.name, got, c.want)
		}
		tab := validationTable(in)
		if tab.Verdict != c.want || tab.Passed != (c.want == ValidationPassed) {
			t.Errorf("%s: table verdict %s passed %v", c.name, tab.Verdict, tab.Passed)
		}
		if advice := strings.Contains(tab.Text, "idle host"); advice != (c.want == ValidationInconclusive || c.want == ValidationFailed && len(c.v.Overruns) > 0) {
			t.Errorf("%s: advice to rerun on an idle host shown = %v:\n%s", c.name, advice, tab.Text)
		}
	}
}
