package experiment

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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

// TestReproduceGrids runs Reproduce with few seeds and short runs, and
// checks that the report has every built-in grid's section, figure and
// agreement, the agreement as a fresh run of the grid computes it, and
// that claim 2b is judged over the grids' cells.
func TestReproduceGrids(t *testing.T) {
	dir := t.TempDir()
	o := ReproduceOptions{Dir: dir, Seeds: 3, Duration: 5 * time.Second, NoReal: true, GridSeeds: 3, GridDuration: 5 * time.Second,
		Command: "desim reproduce --seeds 3 --duration 5s --grid-seeds 3 --grid-duration 5s --no-real"}
	var status strings.Builder
	o.Status = &status
	r, err := Reproduce(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "REPORT.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Grids) != len(GridNames()) {
		t.Fatalf("%d grids in the report, want %d", len(r.Grids), len(GridNames()))
	}
	if r.Family.Scenarios != 0 {
		t.Errorf("the family ran (%d scenarios) beside the grids", r.Family.Scenarios)
	}
	var judged []string
	for k, name := range GridNames() {
		rg := r.Grids[k]
		if rg.Name != name {
			t.Fatalf("grid %d is %s, want %s", k, rg.Name, name)
		}
		png, err := os.ReadFile(filepath.Join(dir, "figures", "grid-"+name+".png"))
		if err != nil || len(png) < 1000 || string(png[1:4]) != "PNG" || rg.Figure != "figures/grid-"+name+".png" {
			t.Errorf("grid %s: figure %s, %d bytes, %v", name, rg.Figure, len(png), err)
		}
		for _, want := range []string{"### " + name + "\n", "](figures/grid-" + name + ".png)", "**Agreement with the theory: " + rg.Agreement.Summary() + ".**",
			fmt.Sprintf("desim reproduce: grid %s, %d cells of 3 seeds\n", name, rg.Cells)} {
			if !strings.Contains(string(md)+status.String(), want) {
				t.Errorf("grid %s: neither REPORT.md nor the status lines have %q", name, want)
			}
		}
		// The agreement is the grid's own, as a fresh run computes it.
		g, err := LoadGrid(name, GridOverrides{Seeds: stats.SeedRange{From: 1, To: 3}, Duration: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		res, err := RunGrid(context.Background(), g, SweepOptions{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		a, ra := res.Agreement, rg.Agreement
		if ra.Judged != a.Judged || ra.Agree != a.Agree || ra.Excluded != a.Excluded || ra.Share != a.Share || len(ra.Misses) != len(a.Misses) || ra.Target != AgreementTarget {
			t.Errorf("grid %s: the report's agreement %d/%d (%d left out, %d misses) is not the grid's %d/%d (%d, %d)",
				name, ra.Agree, ra.Judged, ra.Excluded, len(ra.Misses), a.Agree, a.Judged, a.Excluded, len(a.Misses))
		}
		machines, slower := 0, 0
		for c := range g.NumCells() {
			sc, err := g.Cell(c)
			if err != nil {
				t.Fatal(err)
			}
			machines += len(sc.Machines)
			fastest := slices.Max(sc.Rates())
			for _, rate := range sc.Rates() {
				if rate < fastest {
					slower++
				}
			}
		}
		if ra.Judged+ra.Excluded != machines || ra.Judged-ra.Agree != len(ra.Misses) || ra.Share != float64(ra.Agree)/float64(ra.Judged) {
			t.Errorf("grid %s: %d judged + %d left out of %d machines, %d agree, %d misses, share %g", name, ra.Judged, ra.Excluded, machines, ra.Agree, len(ra.Misses), ra.Share)
		}
		if len(rg.Cases) != slower || rg.Cells != g.NumCells() {
			t.Errorf("grid %s: %d cases of %d cells, want %d of %d", name, len(rg.Cases), rg.Cells, slower, g.NumCells())
		}
		for _, c := range rg.Cases {
			if c.Slope != report.SlopeWholeRun || !strings.HasPrefix(c.Replay, "desim grid "+name+" --duration 5s --cell ") || !strings.HasSuffix(c.Replay, " | desim sweep - --seeds 1-3") {
				t.Errorf("grid %s: case %s: slope %q, replay %q", name, c.Scenario, c.Slope, c.Replay)
				break
			}
		}
		if len(rg.Boundary) == 0 || !strings.Contains(rg.Boundary[0], "ρ = 1 for machine") || len(rg.Points) == 0 {
			t.Errorf("grid %s: boundary %q, paper points %v", name, rg.Boundary, rg.Points)
		}
		judged = append(judged, fmt.Sprintf("%s (%d cells, seeds 1–3 of 5s)", name, g.NumCells()))
	}
	for _, c := range r.Claims {
		if c.ID == "2b" && !strings.Contains(c.Judged, "built-in grids "+judged[0]+", "+judged[1]+" and "+judged[2]) {
			t.Errorf("claim 2b judged on %q, want the grids %q", c.Judged, judged)
		}
	}
	if len(r.Files()) != 0 {
		t.Errorf("files %v beside a report judged over grids", r.Files())
	}
	// The progress counts the grids' runs.
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
		t.Errorf("ReproduceRuns = %d, with the family %d; want %d and %d", n, nf, 3*(11+264+264+50), 3*11)
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
