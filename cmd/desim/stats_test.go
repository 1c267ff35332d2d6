package main

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"desim/analysis"
	"desim/scenarios"
	"desim/sim"
)

// TestSummaryMatchesEngine: the summary.json that "desim run" writes holds
// exactly the metrics of the engine and the accumulator run directly, so
// the statistics against theory (analysis/stats, theory_cmdmoved_test.go)
// speak for the command too.
func TestSummaryMatchesEngine(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "run", "A3", "--seed", "7", "--duration", "600s", "--out", dir)
	got, err := analysis.ReadSummary(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := scenarios.Builtin("A3")
	if err != nil {
		t.Fatal(err)
	}
	s.Duration = 600 * time.Second
	eng, err := sim.New(s.Config(7))
	if err != nil {
		t.Fatal(err)
	}
	acc := analysis.NewAccumulator(len(s.Machines))
	if err := eng.Run(acc); err != nil {
		t.Fatal(err)
	}
	want := &analysis.Summary{Scenario: "A3", Seed: 7, DurationS: 600, Machines: acc.Metrics(s.Rates())}
	if !bytes.Equal(got.Marshal(), want.Marshal()) {
		t.Errorf("summary.json:\n%s\nengine + accumulator:\n%s", got.Marshal(), want.Marshal())
	}
}
