package experiment

import (
	"context"
	"slices"
	"testing"

	"desim/analysis"
	"desim/analysis/report"
	"desim/analysis/stats"
	"desim/scenarios"
)

// TestValidateOnBusyHost: a validation that overran is tried again, at
// most twice, the last time at half the speed, and ends INCONCLUSIVE if it
// still overruns; one that fails without overruns is not retried.
func TestValidateOnBusyHost(t *testing.T) {
	// 3000 simulated runs, enough that one real run far out is rejected.
	band := stats.NewBand(slices.Repeat([]float64{1, 2, 3}, 1000))
	result := func(real float64, overran bool) *Validation {
		v := &stats.Validation{Seeds: 3, Comparisons: []stats.Comparison{{Metric: analysis.Receives, Real: []float64{real}, Band: band}}}
		if overran {
			v.Overruns = []string{"real run 1, machine 0: 2 overrun(s) skipped 2 tick(s)"}
		}
		return &Validation{Result: v}
	}
	for _, c := range []struct {
		name     string
		outcomes []*Validation // by attempt
		attempts int
		verdict  string
	}{
		{"passes", []*Validation{result(2, false)}, 1, report.ValidationPassed},
		{"fails on the model", []*Validation{result(9, false)}, 1, report.ValidationFailed},
		{"overran once", []*Validation{result(9, true), result(2, false)}, 2, report.ValidationPassed},
		{"always overruns", []*Validation{result(9, true), result(9, true), result(9, true)}, 3, report.ValidationInconclusive},
		{"overran, then fails on the model", []*Validation{result(9, true), result(9, false)}, 2, report.ValidationFailed},
	} {
		var speeds []float64
		fake := func(_ context.Context, _ *scenarios.Scenario, o ValidateOptions) (*Validation, error) {
			speeds = append(speeds, o.Real.Speed)
			return c.outcomes[len(speeds)-1], nil
		}
		in, err := validateOnBusyHost(context.Background(), "A3", &scenarios.Scenario{Name: "A3"}, nil, func(string, ...any) {}, fake)
		if err != nil {
			t.Fatal(err)
		}
		if in.Attempts != c.attempts || len(speeds) != c.attempts || in.Verdict() != c.verdict {
			t.Errorf("%s: %d attempts (speeds %v), verdict %s; want %d and %s", c.name, in.Attempts, speeds, in.Verdict(), c.attempts, c.verdict)
		}
		if c.attempts == 3 && speeds[2] != speeds[0]/2 {
			t.Errorf("%s: third attempt at speed %g, want half of %g", c.name, speeds[2], speeds[0])
		}
	}
}
