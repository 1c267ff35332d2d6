package experiment

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

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

// TestGridReportInput: a grid's result becomes the report's input with
// its agreement as computed, claim 2b's cases (every machine slower than
// its cell's fastest, slope over the whole run, each with the command that
// replays its cell), the command that draws it, and what its figure shows.
// (cmd/desim's TestReproduce checks the built-in grids in a whole report.)
func TestGridReportInput(t *testing.T) {
	g, err := ParseGrid("tiny.yaml", []byte(`name: tiny
description: A3's slow machine at three rates and two dice
base: A3
vary:
  - field: machines[2].rate
    values: [1, 3, 6]
  - field: die
    values: [4, 10]
seeds: 3
duration: 5s
show: {metric: queue_slope, machine: 2}
`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := RunGrid(context.Background(), g, SweepOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	in, err := gridReportInput(res, "figures/grid-tiny.png")
	if err != nil {
		t.Fatal(err)
	}
	a := res.Agreement
	if in.Name != "tiny" || in.Cells != 6 || in.Seeds != (stats.SeedRange{From: 1, To: 3}) || in.Duration != "5s" || in.Figure != "figures/grid-tiny.png" ||
		in.Command != "desim grid tiny --seeds 3 --duration 5s --plot grid-tiny.png" {
		t.Errorf("grid input %+v", in)
	}
	ra := in.Agreement
	if ra.Judged != a.Judged || ra.Agree != a.Agree || ra.Excluded != a.Excluded || ra.Share != a.Share || ra.Target != AgreementTarget || ra.Band != AgreementBand ||
		ra.Rule != a.Rule || len(ra.Misses) != len(a.Misses) || ra.Judged+ra.Excluded != 18 {
		t.Errorf("agreement %+v, want the result's %+v over 18 machines", ra, a)
	}
	for k, m := range ra.Misses {
		if m.Replay != a.Misses[k].Replay || m.Cell != a.Misses[k].Cell || m.QueueSlope != a.Misses[k].QueueSlope.Mean {
			t.Errorf("miss %d: %+v, want %+v", k, m, a.Misses[k])
		}
	}
	// Cells 0-3 have the slow machine at 1 or 3 c/s; cells 4 and 5 have
	// three equal machines.
	if len(in.Cases) != 4 {
		t.Fatalf("%d cases, want 4: %+v", len(in.Cases), in.Cases)
	}
	qs := analysis.QueueSlope.Index()
	for c, fc := range in.Cases {
		m := res.Cells[c].Output.Machines[2].Metrics[qs]
		want := fmt.Sprintf("desim grid tiny --duration 5s --cell %d | desim sweep - --seeds 1-3", c)
		if fc.Scenario != fmt.Sprintf("tiny.%d", c) || fc.Machine != 2 || fc.Slope != report.SlopeWholeRun || fc.Replay != want ||
			fc.LateQueueSlope != m.Mean || fc.LateQueueSlopeCI95 != m.CI95 || fc.Class != res.Cells[c].Drift[2] || fc.Load != res.Cells[c].Loads[2] ||
			fc.Ratio != 6/[]float64{1, 1, 3, 3}[c] || fc.Die != []int{4, 10, 4, 10}[c] {
			t.Errorf("case %d: %+v", c, fc)
		}
	}
	if want := "the mean queue_slope of machine 2 (messages/s) with its 95 % confidence band and the predicted curve, against machines[2].rate (ticks/s) from 1 to 6 (3 values), one line per die (4, 10)"; in.Plot != want {
		t.Errorf("plot %q, want %q", in.Plot, want)
	}
	var points []string
	for _, p := range in.Points {
		points = append(points, p.Scenario+" at "+p.At)
	}
	if want := "A1 at machines[2].rate = 6, die = 10; A3 at machines[2].rate = 1, die = 10; B1 at machines[2].rate = 6, die = 4; B3 at machines[2].rate = 5, die = 4; B3-captioned at machines[2].rate = 1, die = 4"; strings.Join(points, "; ") != want {
		t.Errorf("paper points %q, want %q", strings.Join(points, "; "), want)
	}
}

// TestReproduceRuns: the progress of Reproduce counts the grids' runs,
// and only the scenarios' with the family.
func TestReproduceRuns(t *testing.T) {
	o := ReproduceOptions{Seeds: 3, GridSeeds: 3, GridDuration: 5 * time.Second}
	n, err := ReproduceRuns(o)
	if err != nil {
		t.Fatal(err)
	}
	o.Family = true
	nf, err := ReproduceRuns(o)
	if err != nil {
		t.Fatal(err)
	}
	if nf != 3*int64(len(scenarios.Names())) || n != nf+3*(264+264+50) {
		t.Errorf("ReproduceRuns = %d, with the family %d; want %d and %d", n, nf, nf+3*(264+264+50), 3*len(scenarios.Names()))
	}
	for _, bad := range []ReproduceOptions{{Seeds: 3, GridSeeds: 1}, {Seeds: 3, GridDuration: -time.Second}} {
		if _, err := ReproduceRuns(bad); err == nil {
			t.Errorf("ReproduceRuns(%+v) accepted", bad)
		}
	}
}

// TestGridBoundaryText: the boundary in words of the built-in grids, at
// the places the predictor puts ρ = 1 (for 6, 6, x with R faces, the slow
// machine's load is 1 near x = 2·(2/R)·6 and a bit less).
func TestGridBoundaryText(t *testing.T) {
	for _, c := range []struct {
		grid string
		want []string
	}{
		{"slow-machine", []string{"ρ = 1 for machine 2 at machines[2].rate ≈ ", " c/s with die = 3, ≈ ", " c/s with die = 20; the load is above 1 (drift, by the theory) at lower machines[2].rate"}},
		{"two-slow", []string{"ρ = 1 for machines 1, 2 at machines[1,2].rate ≈ "}},
		{"ratio", []string{"ρ = 1 for machine 2 at machines[2].rate ≈ ", " with die = 4, ≈ ", " with die = 10;"}},
	} {
		g, err := LoadGrid(c.grid, GridOverrides{})
		if err != nil {
			t.Fatal(err)
		}
		got := gridBoundaryText(g)
		if len(got) != 1 {
			t.Errorf("%s: %d boundaries %q, want 1", c.grid, len(got), got)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(got[0], w) {
				t.Errorf("%s: boundary %q lacks %q", c.grid, got[0], w)
			}
		}
	}
	// At die 10 the slow machine of 6, 6, x reaches ρ = 1 below 2.4 c/s
	// (2·(2/10)·6, the fast machines' full rate) and above 1.
	g, _ := LoadGrid("ratio", GridOverrides{})
	s := gridBoundaryText(g)[0]
	var at4, at10 float64
	if _, err := fmt.Sscanf(s[strings.Index(s, "≈ "):], "≈ %g c/s with die = 4, ≈ %g c/s", &at4, &at10); err != nil || at10 >= 2.4 || at10 <= 1 || at4 <= at10 {
		t.Errorf("boundary %q: ρ = 1 at %g c/s (die 4), %g c/s (die 10); %v", s, at4, at10, err)
	}
}
