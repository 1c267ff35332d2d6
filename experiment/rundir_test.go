package experiment

// Run directories read back, tested here since openRun and runFigure moved
// from cmd/desim (rundir_test.go) to ReadRun and Recorded.Figure.

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"desim/scenarios"
)

// TestReadRunKeepsRunTime: a run whose machines all start late keeps its
// own time base when read back for a figure (the log reader rebases to the
// earliest line, which would move the whole run to 0).
func TestReadRunKeepsRunTime(t *testing.T) {
	dir := t.TempDir()
	sc := filepath.Join(dir, "late.yaml")
	if err := os.WriteFile(sc, []byte("duration: 20s\ndie: 4\nmachines:\n  - rate: 6\n    start: 10s\n  - rate: 1\n    start: 10s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(sc, Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	out := Dir(filepath.Join(dir, "run"))
	if _, err := SimulateToDir(context.Background(), s, out); err != nil {
		t.Fatal(err)
	}
	r, err := ReadRun(string(out))
	if err != nil || r.Scenario == nil {
		t.Fatalf("ReadRun: %v (scenario %v)", err, r)
	}
	if first := r.Log.Machines[0][0].At; first != 10e9 {
		t.Errorf("first tick at %d ns, want 10 s as in the log", first)
	}
	fig := r.Figure()
	if first := fig.Series[1].Records[0].At; first != 10e9 {
		t.Errorf("the figure draws the first tick at %d ns, want 10 s", first)
	}
	// The same logs without scenario.yaml are rebased to the earliest line.
	logs, err := out.Logs()
	if err != nil {
		t.Fatal(err)
	}
	bare, err := ReadRun(logs...)
	if err != nil {
		t.Fatal(err)
	}
	if bare.Scenario != nil || bare.Log.Machines[0][0].At != 0 {
		t.Errorf("log files alone: scenario %v, first tick at %d ns; want none and 0", bare.Scenario, bare.Log.Machines[0][0].At)
	}
}

// TestReadRunSummaryMatchesDir: a run directory read back gives the very
// summary.json the run wrote.
func TestReadRunSummaryMatchesDir(t *testing.T) {
	s, err := scenarios.Builtin("A2")
	if err != nil {
		t.Fatal(err)
	}
	s.Duration = 10 * time.Second
	d := Dir(t.TempDir())
	sum, err := SimulateToDir(context.Background(), s, d)
	if err != nil {
		t.Fatal(err)
	}
	onDisk, err := os.ReadFile(d.Summary())
	if err != nil {
		t.Fatal(err)
	}
	if string(onDisk) != string(sum.Marshal()) {
		t.Errorf("summary.json differs from the summary SimulateToDir returned")
	}
	r, err := ReadRun(string(d))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Summary().Marshal(); string(got) != string(onDisk) {
		t.Errorf("ReadRun's summary:\n%s\nsummary.json:\n%s", got, onDisk)
	}
}
